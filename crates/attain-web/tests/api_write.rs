//! Writing sales data through the API: what an attack session found.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use common::*;

fn deal(name: &str) -> serde_json::Value {
    serde_json::json!({"name": name, "owner": "ana", "amount": "100", "stage": "Qualification", "close_date": "2026-09-30"})
}

fn with(mut value: serde_json::Value, key: &str, text: &str) -> serde_json::Value {
    value[key] = serde_json::Value::String(text.to_owned());
    value
}

store_test!(async fn an_external_id_in_attains_own_form_is_refused_and_cannot_block_a_replacement(store) {
    // A caller who gave a deal the ID attain:deals:141 (the key Attain
    // derives for a record without one) blocked PUT /api/v1/deals/141.
    org(&store).await;
    let ops = token(&store, "ops").await;
    let r = call(Method::POST, "/api/v1/deals").bearer(&ops).json(with(with(deal("Evil"), "customer", "Acme"), "external_id", "attain:deals:1")).send(&store).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let details = r.json()["error"]["details"].clone();
    assert!(details.as_array().unwrap().iter().any(|d| d["column"] == "external_id" && d["value"] == "attain:deals:1"), "{details}");
    let r = call(Method::POST, "/api/v1/customers").bearer(&ops).json(serde_json::json!({"external_id": "ATTAIN:customers:1", "name": "Evil"})).send(&store).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    // A customer created by a name only has no ID; a reference may still
    // give another customer the key Attain would derive for it…
    let r = call(Method::POST, "/api/v1/deals").bearer(&ops).json(with(deal("First"), "customer", "Nova Labs")).send(&store).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let nova = call(Method::GET, "/api/v1/customers").bearer(&ops).send(&store).await.json()["items"][0]["id"].as_i64().unwrap();
    let squatter = with(with(deal("Second"), "customer", "Squatter"), "customer_external_id", &format!("attain:customers:{nova}"));
    let r = call(Method::POST, "/api/v1/deals").bearer(&ops).json(squatter).send(&store).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // …and the replacement still works: it takes the next free key.
    let r = call(Method::PUT, &format!("/api/v1/customers/{nova}")).bearer(&ops).json(serde_json::json!({"name": "Nova Labs Ltd"})).send(&store).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let c = call(Method::GET, &format!("/api/v1/customers/{nova}")).bearer(&ops).send(&store).await.json();
    assert_eq!((c["name"].as_str(), c["external_id"].as_str()), (Some("Nova Labs Ltd"), Some(format!("attain:customers:{nova}:2").as_str())));
    let r = call(Method::PUT, &format!("/api/v1/customers/{nova}")).bearer(&ops).json(serde_json::json!({"name": "Nova Labs Group"})).send(&store).await;
    assert_eq!(r.status, StatusCode::OK, "a second replacement finds the same key: {}", r.body);
    // A key a record has may be named to update that record.
    let r = call(Method::POST, "/api/v1/customers").bearer(&ops).json(serde_json::json!({"external_id": format!("attain:customers:{nova}:2"), "name": "Nova Labs AG"})).send(&store).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["updated"], 1);
});

store_test!(async fn api_writes_replacements_and_deletes_are_audited_record_by_record(store) {
    // M8: POST, PUT and DELETE /api/v1/<entity> added nothing to the audit log.
    org(&store).await;
    let ops = token(&store, "ops").await;
    let ops_id = id_of(&store, "ops").await;
    let r = call(Method::POST, "/api/v1/deals").bearer(&ops).json(with(with(deal("Lab build-out"), "customer", "Nova Labs"), "external_id", "D-1")).send(&store).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = call(Method::GET, "/api/v1/deals").bearer(&ops).send(&store).await.json()["items"][0]["id"].as_i64().unwrap();
    let log = store.audit_log(Some("deals"), 10, None).await.unwrap();
    assert_eq!(log.len(), 1, "{log:?}");
    let created = &log[0];
    assert_eq!((created.action.as_str(), created.entity_id.clone(), created.actor.as_str(), created.actor_id.map(|u| u.raw())), ("create", id.to_string(), "ops", Some(ops_id)));
    assert_eq!((created.before.clone(), created.after.as_ref().unwrap()["name"].clone()), (None, serde_json::json!("Lab build-out")));
    let r = call(Method::PUT, &format!("/api/v1/deals/{id}")).bearer(&ops).json(with(with(deal("Lab build-out II"), "customer", "Nova Labs"), "amount", "150")).send(&store).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["unchanged"], 0);
    let replaced = &store.audit_log(Some("deals"), 10, None).await.unwrap()[0];
    assert_eq!((replaced.action.as_str(), replaced.entity_id.clone()), ("update", id.to_string()));
    assert_eq!(replaced.before.as_ref().unwrap()["name"], "Lab build-out");
    assert_eq!((replaced.after.as_ref().unwrap()["name"].clone(), replaced.after.as_ref().unwrap()["amount_minor"].clone()), (serde_json::json!("Lab build-out II"), serde_json::json!("15000")));
    // A refused write is not logged: the entry is in the write's transaction.
    let r = call(Method::POST, "/api/v1/deals").bearer(&ops).json(with(deal("Bad"), "amount", "12a")).send(&store).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(store.audit_log(Some("deals"), 10, None).await.unwrap().len(), 2);
    assert_eq!(call(Method::DELETE, &format!("/api/v1/deals/{id}")).bearer(&ops).send(&store).await.status, StatusCode::NO_CONTENT);
    let deleted = &store.audit_log(Some("deals"), 10, None).await.unwrap()[0];
    assert_eq!((deleted.action.as_str(), deleted.entity_id.clone(), deleted.after.clone()), ("delete", id.to_string(), None));
    assert_eq!(deleted.before.as_ref().unwrap()["name"], "Lab build-out II");
    // A refused delete is not logged either.
    let customer = call(Method::GET, "/api/v1/customers").bearer(&ops).send(&store).await.json()["items"][0]["id"].as_i64().unwrap();
    call(Method::POST, "/api/v1/deals").bearer(&ops).json(with(deal("Keeps it"), "customer", "Nova Labs")).send(&store).await;
    let r = call(Method::DELETE, &format!("/api/v1/customers/{customer}")).bearer(&ops).send(&store).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains("this customer cannot be deleted: other records still refer to it"), "{}", r.body);
    assert!(store.audit_log(Some("customers"), 10, None).await.unwrap().is_empty());
    // Every record of an array gets its own entry, by its kind's API name.
    let r = call(Method::POST, "/api/v1/market-sizes").bearer(&ops).json(serde_json::json!([{"segment": "Lab", "region": "East", "period": "2026", "amount": "100"}, {"segment": "Lab", "region": "West", "period": "2026", "amount": "200"}])).send(&store).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(store.audit_log(Some("market-sizes"), 10, None).await.unwrap().len(), 2);
    assert!(store.audit_log(Some("import"), 10, None).await.unwrap().is_empty(), "API writes are logged per record, not as a file");
});
