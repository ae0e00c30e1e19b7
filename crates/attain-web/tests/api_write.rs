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
});
