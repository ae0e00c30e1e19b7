//! The OpenAPI document of `/api/v1` against the routes themselves, on
//! both backends over the demo company: every route the API modules
//! register is in the document (they register through the router that
//! writes it, which the source check below holds them to), no documented
//! path answers a method the document does not name, and every `GET` the
//! document names answers, as an administrator, with a status it
//! documents and a body its schema admits — every field it answers is one
//! the schema names, every field the schema requires is there, each of
//! the type it says.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use common::*;
use serde_json::{Map, Value};

const METHODS: [&str; 5] = ["get", "post", "put", "delete", "patch"];

/// What `value` breaks of `schema` (empty: nothing), at `at`.
fn check(doc: &Value, schema: &Value, value: &Value, at: &str, out: &mut Vec<String>) {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.trim_start_matches("#/components/schemas/");
        match doc["components"]["schemas"].get(name) {
            Some(s) => return check(doc, s, value, at, out),
            None => return out.push(format!("{at}: $ref {r} is not in the document")),
        }
    }
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        // Each part for what it names; unknown fields are judged on the union.
        let mut merged = schema.clone();
        let mut props = Map::new();
        let mut required = Vec::new();
        for part in all {
            let part = resolve(doc, part);
            if let Some(p) = part.get("properties").and_then(Value::as_object) {
                props.extend(p.clone());
            }
            if let Some(r) = part.get("required").and_then(Value::as_array) {
                required.extend(r.clone());
            }
        }
        merged.as_object_mut().unwrap().remove("allOf");
        merged["type"] = "object".into();
        merged["properties"] = Value::Object(props);
        merged["required"] = Value::Array(required);
        return check(doc, &merged, value, at, out);
    }
    if let Some(one) = schema.get("oneOf").and_then(Value::as_array) {
        let fits = one.iter().any(|s| {
            let mut o = Vec::new();
            check(doc, s, value, at, &mut o);
            o.is_empty()
        });
        if !fits {
            out.push(format!("{at}: {value} fits none of oneOf"));
        }
        return;
    }
    let types: Vec<&str> = match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => return, // any value
    };
    let actual = match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    let fits = types.contains(&actual) || (actual == "integer" && types.contains(&"number"));
    if !fits {
        out.push(format!("{at}: {actual} where the document says {types:?}"));
        return;
    }
    match value {
        Value::Object(map) => {
            let props = schema.get("properties").and_then(Value::as_object);
            if let Some(props) = props {
                for (k, v) in map {
                    match props.get(k) {
                        Some(s) => check(doc, s, v, &format!("{at}.{k}"), out),
                        None => out.push(format!("{at}.{k}: answered, not in the document")),
                    }
                }
            }
            for r in schema
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let r = r.as_str().unwrap();
                if !map.contains_key(r) {
                    out.push(format!("{at}.{r}: required by the document, not answered"));
                }
            }
        }
        Value::Array(items) => {
            if let Some(s) = schema.get("items") {
                for (i, v) in items.iter().enumerate().take(50) {
                    check(doc, s, v, &format!("{at}[{i}]"), out);
                }
            }
        }
        _ => {}
    }
}

fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => &doc["components"]["schemas"][r.trim_start_matches("#/components/schemas/")],
        None => schema,
    }
}

/// The documented answer for `status` (or its range, `4XX`).
fn documented(op: &Value, status: u16) -> Option<&Value> {
    let responses = op["responses"].as_object()?;
    responses
        .get(&status.to_string())
        .or_else(|| responses.get(&format!("{}XX", status / 100)))
}

/// Whether an operation needs nobody signed in (`security: [{}]`).
fn public(op: &Value) -> bool {
    op["security"] == serde_json::json!([{}])
}

async fn company(store: &Store) {
    let options = attain_demo::DemoOptions {
        seed: 3,
        scale: attain_demo::Scale::Small,
        as_of: fixed_today(),
    };
    attain_demo::build(store, options, "not-a-real-hash", |_, _| {})
        .await
        .unwrap();
}

store_test!(async fn every_route_is_in_the_openapi_document_and_answers_as_it_says(store) {
    company(&store).await;
    let admin = store.users().await.unwrap().into_iter().find(|u| u.role == Role::Admin).unwrap();
    let bearer = token(&store, admin.login.as_str()).await;
    // The document is public, and is OpenAPI 3.1.
    let reply = call(Method::GET, "/api/v1/openapi.json").send(&store).await;
    assert_eq!(reply.status, StatusCode::OK);
    let doc = reply.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"), "{}", doc["openapi"]);
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() > 60, "{} paths", paths.len());
    // Operation IDs are unique, and every path parameter is declared.
    let mut ids = std::collections::BTreeSet::new();
    for (path, item) in paths {
        assert!(path.starts_with("/api/v1/"), "{path}");
        for m in METHODS {
            let Some(op) = item.get(m) else { continue };
            let id = op["operationId"].as_str().unwrap_or_else(|| panic!("{m} {path} has no operationId"));
            assert!(ids.insert(id.to_owned()), "operationId {id} twice");
            for name in path.split('{').skip(1).map(|s| s.split('}').next().unwrap()) {
                let declared = op["parameters"].as_array().into_iter().flatten().any(|p| p["name"] == name && p["in"] == "path");
                assert!(declared, "{m} {path}: path parameter {name} not declared");
            }
            if !public(op) {
                assert!(documented(op, 401).is_some(), "{m} {path}: no answer documented for a caller who is not signed in");
            }
        }
    }
    // A method the document does not name for a path is not answered.
    for (path, item) in paths {
        let concrete = path.replace("{id}", "1").replace("{period}", "FY2026").replace("{key}", "k").replace("{currency}", "USD").replace("{year}", "FY2026");
        for m in METHODS.into_iter().filter(|m| item.get(*m).is_none()) {
            let method: Method = m.to_uppercase().parse().unwrap();
            let reply = call(method, &concrete).bearer(&bearer).header("content-type", "application/json").send(&store).await;
            assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED, "{m} {concrete}: {}", reply.body);
        }
    }
    // Every GET answers as documented, for an administrator and for nobody.
    let mut problems = Vec::new();
    let mut checked = 0;
    let mut empty: Vec<String> = Vec::new();
    for (path, item) in paths {
        let Some(op) = item.get("get") else { continue };
        let concrete = if path.contains("{id}") {
            // The first item of the list the path belongs to.
            let list = path[..path.find("/{id}").unwrap()].to_owned();
            let reply = call(Method::GET, &list).bearer(&bearer).send(&store).await;
            let v = reply.json();
            let first = v.get("items").unwrap_or(&v).as_array().and_then(|a| a.first()).cloned()
                .or_else(|| v.as_object().and_then(|o| o.values().find_map(|x| x.as_array().and_then(|a| a.first()).cloned())));
            match first.as_ref().and_then(|f| f.get("id")).and_then(Value::as_i64) {
                Some(id) => path.replace("{id}", &id.to_string()),
                None if reply.status == StatusCode::OK && v.get("total") == Some(&Value::from(0)) => {
                    // The demo has none of these (territories).
                    empty.push(path.clone());
                    continue;
                }
                None => {
                    problems.push(format!("GET {list}: no item to read {path} with ({})", reply.body.chars().take(200).collect::<String>()));
                    continue;
                }
            }
        } else {
            path.replace("{period}", "FY2026-Q2")
        };
        let uri = if path == "/api/v1/kpi" { format!("{concrete}?metric=revenue&period=FY2026-Q1") } else { concrete.clone() };
        let reply = call(Method::GET, &uri).bearer(&bearer).send(&store).await;
        let Some(answer) = documented(op, reply.status.as_u16()) else {
            problems.push(format!("GET {uri}: {} is not a documented answer ({})", reply.status, reply.body.chars().take(200).collect::<String>()));
            continue;
        };
        let content = answer["content"].as_object();
        match content.and_then(|c| c.get("application/json")) {
            Some(json) => {
                let value: Value = match serde_json::from_str(&reply.body) {
                    Ok(v) => v,
                    Err(e) => {
                        problems.push(format!("GET {uri}: not JSON ({e})"));
                        continue;
                    }
                };
                check(&doc, &json["schema"], &value, &format!("GET {uri}"), &mut problems);
            }
            None => {
                let ct = reply.header("content-type").unwrap_or_default().to_owned();
                let documented_types: Vec<&String> = content.map(|c| c.keys().collect()).unwrap_or_default();
                if !documented_types.iter().any(|t| ct.starts_with(t.as_str())) {
                    problems.push(format!("GET {uri}: answered {ct}, documented {documented_types:?}"));
                }
            }
        }
        // Nobody signed in: the documented problem.
        if public(op) {
            continue;
        }
        let reply = call(Method::GET, &uri).send(&store).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "GET {uri}");
        check(&doc, &documented(op, 401).unwrap()["content"]["application/json"]["schema"], &reply.json(), &format!("GET {uri} (nobody)"), &mut problems);
        checked += 1;
    }
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
    assert!(checked > 30, "{checked} GETs checked");
    assert!(empty.len() <= 1, "lists the demo leaves empty: {empty:?}");
    // Every write, given an empty object for a record that does not exist,
    // answers with a status its entry documents and the body it says.
    for (path, item) in paths {
        for m in ["post", "put", "delete"] {
            let Some(op) = item.get(m) else { continue };
            let concrete = path.replace("{id}", "999999").replace("{key}", "no_such_metric").replace("{currency}", "USD").replace("{year}", "FY2026");
            let method: Method = m.to_uppercase().parse().unwrap();
            let reply = call(method, &concrete).bearer(&bearer).json(serde_json::json!({})).send(&store).await;
            let Some(answer) = documented(op, reply.status.as_u16()) else {
                problems.push(format!("{m} {concrete}: {} is not a documented answer ({})", reply.status, reply.body.chars().take(200).collect::<String>()));
                continue;
            };
            match answer["content"].get("application/json") {
                Some(json) => match serde_json::from_str::<Value>(&reply.body) {
                    Ok(v) => check(&doc, &json["schema"], &v, &format!("{m} {concrete}"), &mut problems),
                    Err(_) => problems.push(format!("{m} {concrete}: not JSON: {}", reply.body.chars().take(100).collect::<String>())),
                },
                None if !reply.body.is_empty() => problems.push(format!("{m} {concrete}: a body the document does not describe")),
                None => {}
            }
        }
    }
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
    // A write with a bad body answers the documented problem.
    let reply = call(Method::POST, "/api/v1/goals").bearer(&bearer).json(serde_json::json!({"metric": 5})).send(&store).await;
    let op = &paths["/api/v1/goals"]["post"];
    assert!(reply.status.is_client_error(), "{}", reply.status);
    let mut p = Vec::new();
    check(&doc, &documented(op, reply.status.as_u16()).unwrap()["content"]["application/json"]["schema"], &reply.json(), "POST /goals", &mut p);
    assert!(p.is_empty(), "{p:?}");
});

/// Every API module registers its routes through the router that writes the
/// document: a plain `.route(` there would answer without being documented.
#[test]
fn api_modules_register_routes_only_where_the_document_sees_them() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let modules = [
        "http/api.rs",
        "account/api.rs",
        "admin/users.rs",
        "admin/audit.rs",
        "admin/settings.rs",
        "sales/api.rs",
        "kpi/api.rs",
        "org/units.rs",
        "goals/api.rs",
        "pay/api.rs",
        "sales/records.rs",
        "sales/write.rs",
    ];
    for m in modules {
        let text = std::fs::read_to_string(src.join(m)).unwrap();
        let api = match m {
            // Pages live beside the API in these: only the API function is held to it.
            "admin/users.rs" | "admin/audit.rs" | "admin/settings.rs" => {
                let start = text
                    .find("fn api_routes()")
                    .unwrap_or_else(|| panic!("{m}: no api_routes"));
                let end = text[start..].find("\n}\n").unwrap() + start;
                text[start..end].to_owned()
            }
            _ => {
                let start = text
                    .find("fn routes()")
                    .unwrap_or_else(|| panic!("{m}: no routes"));
                let end = text[start..].find("\n}\n").unwrap() + start;
                text[start..end].to_owned()
            }
        };
        assert!(
            api.contains("OpenApiRouter"),
            "{m}: its API routes are not on an OpenApiRouter"
        );
        let plain = api.matches(".route(").count();
        let documented = api.matches("add_path_operation").count();
        assert!(
            plain <= documented,
            "{m}: {plain} routes added with .route( but {documented} documented by hand"
        );
    }
    let lib = std::fs::read_to_string(src.join("lib.rs")).unwrap();
    let start = lib.find("pub fn api_routes()").unwrap();
    let body = &lib[start..start + lib[start..].find("\n}\n").unwrap()];
    assert_eq!(
        body.matches(".route(").count(),
        1,
        "only the document's own route is added after it is made"
    );
    for m in modules {
        let name = m.trim_end_matches(".rs").replace('/', "::");
        let call = if m.starts_with("admin/") {
            format!("{name}::api_routes()")
        } else {
            format!("{name}::routes()")
        };
        assert!(
            body.contains(&call),
            "lib.rs api_routes does not merge {call}"
        );
    }
}
