//! The web application driven in-process through `router(state).oneshot(..)`.
#![allow(clippy::unwrap_used, missing_docs)]

use attain_core::{Login, OrgUnitKind, Role};
use attain_store::{NewOrgUnit, NewUser, Store};
use attain_testkit::store_test;
use attain_web::{AppState, router};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;

fn fixed_today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 8, 15).unwrap()
}

async fn send(
    store: &Store,
    method: Method,
    uri: &str,
) -> (StatusCode, Vec<(String, String)>, String) {
    let app = router(AppState::with_clock(store.clone(), fixed_today));
    let response = app
        .oneshot(
            Request::builder()
                .method(method)
                .uri(uri)
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let status = response.status();
    let headers = response
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_owned()))
        .collect();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, headers, String::from_utf8(body.to_vec()).unwrap())
}

async fn get(store: &Store, uri: &str) -> (StatusCode, String) {
    let (status, _, body) = send(store, Method::GET, uri).await;
    (status, body)
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
}

store_test!(async fn healthz_answers_ok_with_the_backend(store) {
    let (status, body) = get(&store, "/healthz").await;
    assert_eq!(status, StatusCode::OK);
    let v = json(&body);
    assert_eq!(v["status"], "ok");
    assert_eq!(v["database"], store.backend().name());
});

store_test!(async fn healthz_reports_unavailable_when_the_database_is_gone(store) {
    store.close().await;
    let (status, body) = get(&store, "/healthz").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(json(&body)["error"]["code"], "storage_unavailable");
});

store_test!(async fn the_home_page_names_the_database_and_the_org(store) {
    let company = store
        .create_org_unit(&NewOrgUnit { parent: None, name: "Acme 华夏".into(), kind: OrgUnitKind::Company, external_id: None })
        .await
        .unwrap();
    let east = store
        .create_org_unit(&NewOrgUnit { parent: Some(company), name: "East <script>".into(), kind: OrgUnitKind::Region, external_id: None })
        .await
        .unwrap();
    store
        .create_user(&NewUser {
            login: Login::new("ana").unwrap(),
            display_name: "Ana".into(),
            email: None,
            unit: east,
            role: Role::Rep,
            external_id: None,
        })
        .await
        .unwrap();
    let (status, headers, body) = send(&store, Method::GET, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header(&headers, "content-type"), Some("text/html; charset=utf-8"));
    assert!(body.contains(store.backend().name()), "backend missing");
    assert!(body.contains(store.describe()), "database description missing");
    assert!(body.contains("FY2026-Q3"), "the current fiscal quarter is missing");
    assert!(body.contains("East &#60;script&#62;") || body.contains("East &lt;script&gt;"), "names are not escaped");
    assert!(!body.contains("<script>"));
});

store_test!(async fn an_empty_database_gets_a_home_page_that_says_how_to_start(store) {
    let (status, body) = get(&store, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("attain demo"));
});

store_test!(async fn pages_carry_security_headers(store) {
    let (_, headers, _) = send(&store, Method::GET, "/").await;
    assert_eq!(header(&headers, "x-frame-options"), Some("DENY"));
    assert_eq!(header(&headers, "x-content-type-options"), Some("nosniff"));
    let csp = header(&headers, "content-security-policy").unwrap();
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), "{csp}");
});

store_test!(async fn unknown_pages_get_a_friendly_html_404(store) {
    let (status, headers, body) = send(&store, Method::GET, "/no/such/page").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(header(&headers, "content-type").unwrap().starts_with("text/html"));
    assert!(body.contains("Page not found") && body.contains("href=\"/\""));
});

store_test!(async fn unknown_api_paths_get_the_json_error_shape(store) {
    for uri in ["/api/v1/no-such-thing", "/api/v2/status", "/api"] {
        let (status, headers, body) = send(&store, Method::GET, uri).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}");
        assert_eq!(header(&headers, "content-type"), Some("application/json"), "{uri}");
        let v = json(&body);
        assert_eq!(v["error"]["code"], "not_found", "{uri}");
        assert!(v["error"]["message"].is_string());
        assert!(v["error"].get("details").is_some());
    }
    let (status, _, body) = send(&store, Method::DELETE, "/api/v1/status").await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(json(&body)["error"]["code"], "method_not_allowed");
});

store_test!(async fn a_period_resolves_in_the_org_calendar(store) {
    let (status, body) = get(&store, "/api/v1/periods/fy2026-q3").await;
    assert_eq!(status, StatusCode::OK);
    let v = json(&body);
    assert_eq!(v["period"], "FY2026-Q3");
    assert_eq!(v["start"], "2026-07-01");
    assert_eq!(v["end"], "2026-09-30");
    assert_eq!(v["previous"]["period"], "FY2026-Q2");
    assert_eq!(v["same_period_last_year"]["period"], "FY2025-Q3");
    assert_eq!(v["sub_periods"].as_array().unwrap().len(), 3);
});

store_test!(async fn a_bad_period_is_a_400_that_names_the_field_and_value(store) {
    let (status, body) = get(&store, "/api/v1/periods/2026-Q5").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let v = json(&body);
    assert_eq!(v["error"]["code"], "bad_request");
    assert!(v["error"]["message"].as_str().unwrap().contains("quarter 5 is not 1 to 4"));
    assert_eq!(v["error"]["details"]["field"], "period");
    assert_eq!(v["error"]["details"]["value"], "2026-Q5");
});

store_test!(async fn the_stylesheet_is_served_from_our_origin(store) {
    let (status, headers, body) = send(&store, Method::GET, "/static/app.css").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header(&headers, "content-type"), Some("text/css; charset=utf-8"));
    assert!(body.contains(".card"));
});
