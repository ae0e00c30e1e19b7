//! The authorization matrix: every route the router has (read from the
//! router itself, so a new route without a case here fails) × every role
//! (anonymous, viewer, rep, manager, another branch's manager, sales ops,
//! admin) × IDs of records outside the caller's reach. Nobody gets another
//! person's data or changes it: only 401, 403 or 404 where an ID is out of
//! reach, never a 5xx, never a name or record of the other branch in a body.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use std::collections::BTreeMap;

use attain_app::goals::{self, By, GoalSpec};
use attain_app::pay::{self, PlanSpec};
use attain_core::comp::Tier;
use attain_core::{UserId, Visibility};
use attain_import::{Entity, ImportOptions};
use attain_kpi::{Engine, Scope};
use attain_store::{RecordFilter, Upload};
use common::*;
use rust_decimal::Decimal;

/// One branch's people and records: what the other branch must never reach.
#[derive(Debug, Clone, Default)]
struct Branch {
    unit: i64,
    rep: i64,
    goal: i64,
    statement: i64,
    token: i64,
    /// Entity (`deals`, `activities`, …) → a record of the branch's rep.
    records: BTreeMap<String, i64>,
    /// Texts only the branch (and ops and admins) may see.
    secrets: Vec<&'static str>,
}

struct World {
    east: Branch,
    west: Branch,
    run: i64,
    plan: i64,
    upload: i64,
}

/// The callers, and whose records are outside each one's reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    Anonymous,
    Viewer,
    Rep,
    Manager,
    OtherBranchManager,
    SalesOps,
    Admin,
}

impl Caller {
    const ALL: [Caller; 7] = [
        Caller::Anonymous,
        Caller::Viewer,
        Caller::Rep,
        Caller::Manager,
        Caller::OtherBranchManager,
        Caller::SalesOps,
        Caller::Admin,
    ];

    fn login(self) -> Option<&'static str> {
        match self {
            Caller::Anonymous => None,
            Caller::Viewer => Some("vic"),
            Caller::Rep => Some("ana"),
            Caller::Manager => Some("mgr"),
            Caller::OtherBranchManager => Some("wes"),
            Caller::SalesOps => Some("ops"),
            Caller::Admin => Some("admin"),
        }
    }

    /// The branch whose records lie outside this caller's reach.
    fn outside(self, w: &World) -> Option<&Branch> {
        match self {
            Caller::Viewer | Caller::Rep | Caller::Manager => Some(&w.west),
            Caller::OtherBranchManager => Some(&w.east),
            Caller::Anonymous => Some(&w.west),
            Caller::SalesOps | Caller::Admin => None,
        }
    }
}

/// Company-wide lists nobody owns: every signed-in person reads them.
const CATALOGUES: [&str; 7] = [
    "products",
    "competitors",
    "territories",
    "courses",
    "channels",
    "market-sizes",
    "exchange-rates",
];

/// An ID no record has, for callers who may reach everything.
const MISSING: i64 = 987_654;

async fn csv(store: &Store, entity: Entity, text: &str) {
    let options = ImportOptions::default();
    attain_import::import(
        store,
        entity,
        "seed.csv",
        text.as_bytes(),
        &options,
        &|_| {},
    )
    .await
    .unwrap_or_else(|e| panic!("seeding {entity:?}: {e}"));
}

/// East (manager mgr, viewer vic; Team A: ana) and West (manager wes;
/// Team C: cai), each with sales, a goal, a statement and a token.
async fn world(store: &Store) -> World {
    let org = org(store).await;
    let units = store.org_units().await.unwrap();
    let west_unit = units.iter().find(|u| u.name == "West").unwrap().id;
    person(store, "vic", org.east, Role::Viewer).await;
    person(store, "wes", west_unit, Role::Manager).await;
    let rename = |login: &'static str, name: &'static str| async move {
        let id = UserId::from_raw(id_of(store, login).await);
        let changes = attain_store::UserChanges {
            display_name: Some(name.into()),
            ..Default::default()
        };
        users::update_user(
            store,
            &Actor::named("test"),
            None,
            id,
            changes,
            chrono::NaiveDate::from_ymd_opt(2026, 6, 30).unwrap(),
        )
        .await
        .unwrap();
    };
    rename("ana", "Eve Eastwood").await;
    rename("cai", "Zed Westmark").await;
    csv(
        store,
        Entity::Products,
        "sku,name,list_price\nW,Widget,100\n",
    )
    .await;
    csv(
        store,
        Entity::Customers,
        "external_id,name,owner\nCE,Eastwood Secret Ltd,ana\nCW,Westmark Secret Ltd,cai\n",
    )
    .await;
    csv(store, Entity::Deals, "external_id,name,customer,owner,amount,stage,close_date,created\nDE,Eastwood-Secret-Deal,Eastwood Secret Ltd,ana,1000,Closed Won,2026-03-31,2026-01-05\nDW,Westmark-Secret-Deal,Westmark Secret Ltd,cai,2000,Closed Won,2026-03-31,2026-01-05\n").await;
    csv(store, Entity::Orders, "number,order_date,customer,owner,product,quantity,amount\nOE,2026-03-03,Eastwood Secret Ltd,ana,W,1,1000\nOW,2026-03-03,Westmark Secret Ltd,cai,W,1,2000\n").await;
    csv(
        store,
        Entity::Payments,
        "external_id,order,date,amount\nPE,OE,2026-04-01,500\nPW,OW,2026-04-01,700\n",
    )
    .await;
    csv(store, Entity::Activities, "external_id,kind,date,owner,subject\nAE,call,2026-03-01,ana,Eastwood-Secret-Call\nAW,call,2026-03-01,cai,Westmark-Secret-Call\n").await;
    csv(store, Entity::Contacts, "external_id,name,customer\nKE,Eastwood Secret Contact,Eastwood Secret Ltd\nKW,Westmark Secret Contact,Westmark Secret Ltd\n").await;

    let engine = Engine::new(store).await.unwrap();
    let plan = pay::save_plan(
        &engine,
        By::Cli,
        None,
        &PlanSpec {
            name: "Standard".into(),
            metric: "revenue".into(),
            tiers: vec![Tier {
                from: Decimal::ZERO,
                rate: Decimal::new(5, 2),
            }],
            threshold: None,
            cap: None,
        },
    )
    .await
    .unwrap();
    let mut branches = Vec::new();
    for (rep, unit, secrets) in [
        (
            "ana",
            org.east,
            vec!["Eve Eastwood", "Eastwood Secret", "Eastwood-Secret"],
        ),
        (
            "cai",
            west_unit,
            vec!["Zed Westmark", "Westmark Secret", "Westmark-Secret"],
        ),
    ] {
        let rep_id = UserId::from_raw(id_of(store, rep).await);
        let goal = goals::create(
            &engine,
            By::Cli,
            &GoalSpec {
                metric: "revenue".into(),
                scope: Scope::Rep(rep_id),
                period: engine.calendar().parse("2026-Q1").unwrap(),
                target: Decimal::from(5000),
                direction: None,
                parent: None,
                name: String::new(),
            },
        )
        .await
        .unwrap();
        pay::assign(
            store,
            By::Cli,
            plan,
            &[rep_id],
            "2026-01-01".parse().unwrap(),
            None,
        )
        .await
        .unwrap();
        let (token, _) = auth::create_api_token(
            store,
            &Actor::named("test"),
            None,
            rep_id,
            "script",
            None,
            chrono::Utc::now(),
        )
        .await
        .unwrap();
        let mut records = BTreeMap::new();
        for (entity, _) in attain_store::record_entities() {
            if CATALOGUES.contains(&entity) {
                continue;
            }
            let page = store
                .records_visible(
                    entity,
                    &Visibility::Own(rep_id),
                    &RecordFilter::default(),
                    0,
                    1,
                )
                .await
                .unwrap();
            let id = page.items.first().and_then(|r| match r.fields.first() {
                Some(("id", attain_store::FieldValue::Int(id))) => Some(*id),
                _ => None,
            });
            if let Some(id) = id {
                records.insert(entity.to_owned(), id);
            }
        }
        let own = Visibility::Own(rep_id);
        records.insert(
            "deals".into(),
            store
                .deals_visible(&own, &Default::default(), 0, 1)
                .await
                .unwrap()
                .items[0]
                .id
                .raw(),
        );
        records.insert(
            "customers".into(),
            store
                .customers_visible(&own, &Default::default(), 0, 1)
                .await
                .unwrap()
                .items[0]
                .id
                .raw(),
        );
        records.insert(
            "orders".into(),
            store
                .orders_visible(&own, &Default::default(), 0, 1)
                .await
                .unwrap()
                .items[0]
                .id
                .raw(),
        );
        branches.push(Branch {
            unit: unit.raw(),
            rep: rep_id.raw(),
            goal: goal.raw(),
            token,
            records,
            secrets,
            ..Branch::default()
        });
    }
    let run = pay::calculate(
        &engine,
        By::Cli,
        engine.calendar().parse("2026-Q1").unwrap(),
        None,
    )
    .await
    .unwrap();
    for b in &mut branches {
        let statements = store
            .statements_visible(
                &attain_core::PayVisibility::Own(UserId::from_raw(b.rep)),
                Some(run),
                None,
                0,
                10,
            )
            .await
            .unwrap();
        b.statement = statements[0].id.raw();
    }
    let ops = store
        .user_by_login(&Login::new("ops").unwrap())
        .await
        .unwrap();
    let upload = store
        .save_upload(&Upload {
            id: 0,
            user: ops.id,
            created_at: chrono::Utc::now(),
            file_name: "ops-only.csv".into(),
            entity: "deals".into(),
            preset: "generic".into(),
            create_missing_owners: false,
            columns: BTreeMap::new(),
            bytes: b"name,amount\nWestmark-Secret-Upload,1\n".to_vec(),
        })
        .await
        .unwrap();
    let west = branches.pop().unwrap();
    let east = branches.pop().unwrap();
    World {
        east,
        west,
        run: run.raw(),
        plan: plan.raw(),
        upload,
    }
}

/// Every path of the router, read from the router itself.
fn routes(store: &Store) -> Vec<String> {
    let text = format!("{:?}", router(AppState::new(store.clone())));
    let mut paths = Vec::new();
    let mut rest = text.as_str();
    while let Some(i) = rest.find("): \"") {
        let after = &rest[i + 4..];
        let end = after.find('"').unwrap();
        paths.push(after[..end].to_owned());
        rest = &after[end..];
    }
    paths.sort();
    paths.dedup();
    // The router's own catch-alls answer 404 for everything by design.
    paths.retain(|p| !p.contains("{*"));
    // Signing out ends the caller's session: last, so every other route is
    // tried signed in.
    paths.sort_by_key(|p| p == "/logout");
    assert!(
        paths.len() > 80,
        "the router's paths could not be read: {paths:?}"
    );
    paths
}

/// Paths anyone may use without signing in.
const PUBLIC: [&str; 9] = [
    "/login",
    "/logout",
    "/language",
    "/healthz",
    "/static/app.css",
    "/static/favicon.svg",
    "/favicon.ico",
    "/api/v1",
    // The API's description, never its data.
    "/api/v1/openapi.json",
];

/// The path with its parameters filled by IDs out of the caller's reach
/// (`None`: a parameter this test has no case for, which fails it).
fn fill(path: &str, w: &World, out: Option<&Branch>) -> Option<String> {
    let id = |f: fn(&Branch) -> i64| out.map_or(MISSING, f).to_string();
    let seg: Vec<&str> = path.split('/').collect();
    let mut filled = Vec::new();
    for (i, s) in seg.iter().enumerate() {
        let prev = if i > 0 { seg[i - 1] } else { "" };
        let value = match *s {
            "{id}" => match prev {
                "users" => id(|b| b.rep),
                "tokens" => id(|b| b.token),
                "goals" => id(|b| b.goal),
                "units" | "org" => id(|b| b.unit),
                "statements" => id(|b| b.statement),
                "plans" => w.plan.to_string(),
                "runs" | "payout-runs" => w.run.to_string(),
                "import" => w.upload.to_string(),
                entity => match out {
                    Some(b) => b
                        .records
                        .get(entity)
                        .copied()
                        .unwrap_or(MISSING)
                        .to_string(),
                    None => MISSING.to_string(),
                },
            },
            "{key}" => "margin_ratio".into(),
            "{period}" => "2026".into(),
            "{currency}" => "USD".into(),
            "{year}" => "FY2026".into(),
            "{action}" => "approve".into(),
            other if other.starts_with('{') => return None,
            other => other.to_owned(),
        };
        filled.push(value);
    }
    Some(filled.join("/"))
}

/// A body that gets a write past parsing to the permission check, naming
/// what lies outside the caller's reach where the route takes a person,
/// unit or record.
fn body(
    path: &str,
    method: &Method,
    w: &World,
    out: Option<&Branch>,
    csrf: &str,
) -> (bool, String) {
    let rep = out.map_or(MISSING, |b| b.rep);
    let unit = out.map_or(MISSING, |b| b.unit);
    let _ = (w, unit);
    if path.starts_with("/api/") {
        let v = match (method.as_str(), path) {
            ("POST", "/api/v1/goals") => {
                serde_json::json!({"metric": "revenue", "scope": format!("rep:{rep}"), "period": "2026-Q2", "target": "100"})
            }
            ("PUT", p) if p.starts_with("/api/v1/goals/") => {
                serde_json::json!({"target": "1", "reason": "matrix"})
            }
            ("POST", p) if p.ends_with("/split") => {
                serde_json::json!({"into": "months", "method": "equal"})
            }
            ("POST", p) if p.ends_with("/checkins") => {
                serde_json::json!({"confidence": 10, "comment": "matrix"})
            }
            ("PUT", p) if p.starts_with("/api/v1/users/") => serde_json::json!({"role": "admin"}),
            ("POST", "/api/v1/users") => {
                serde_json::json!({"login": "intruder", "display_name": "X", "unit": unit, "role": "admin"})
            }
            ("PUT", p) if p.starts_with("/api/v1/units/") => serde_json::json!({"name": "Renamed"}),
            ("PUT", "/api/v1/settings") => serde_json::json!({"company_name": "Taken over"}),
            ("POST", "/api/v1/units") => {
                serde_json::json!({"name": "Rogue", "parent": unit, "kind": "team"})
            }
            ("POST", "/api/v1/tokens") => serde_json::json!({"name": "mine"}),
            ("POST", "/api/v1/plans") | ("PUT", _) if path.starts_with("/api/v1/plans") => {
                serde_json::json!({"name": "P", "tiers": [{"from_percent": 0, "rate_percent": 50}]})
            }
            ("POST", p) if p.ends_with("/assignments") => {
                serde_json::json!({"users": [rep], "from": "2026-01-01"})
            }
            ("POST", "/api/v1/payout-runs") => serde_json::json!({"period": "2026-Q2"}),
            ("POST", "/api/v1/kpi/custom") => {
                serde_json::json!({"key": "margin_ratio", "name_en": "M", "name_zh": "M", "formula": "payments / revenue", "unit": "ratio"})
            }
            ("PUT", p) if p.starts_with("/api/v1/plan-rates/") => serde_json::json!({"rate": "7"}),
            ("PUT", _) => {
                serde_json::json!({"name": "Replaced", "owner": "cai", "amount": "1", "stage": "Closed Won", "close_date": "2026-03-31", "customer": "Westmark Secret Ltd"})
            }
            ("POST", _) => {
                serde_json::json!({"external_id": "MATRIX-1", "name": "Matrix", "owner": format!("{rep}"), "customer": "Westmark Secret Ltd", "amount": "1", "stage": "Closed Won", "close_date": "2026-03-31"})
            }
            _ => serde_json::json!({}),
        };
        (true, v.to_string())
    } else {
        let form = match path {
            "/goals" => format!("metric=revenue&scope=rep%3A{rep}&period=2026-Q2&target=100"),
            p if p.ends_with("/revise") => "target=1&reason=matrix".into(),
            p if p.ends_with("/split") => "into=months&method=equal".into(),
            p if p.ends_with("/checkin") => "confidence=10&comment=matrix".into(),
            "/admin/users" => format!("login=intruder&display_name=X&unit={unit}&role=admin"),
            "/org" => format!("name=Rogue&kind=team&parent={unit}"),
            p if p.starts_with("/org/") => format!("name=Renamed&parent={unit}"),
            "/admin/settings" => "company_name=Taken+over&time_zone=Asia%2FShanghai".into(),
            p if p.starts_with("/admin/users/") => {
                "role=admin&display_name=X&unit=1&active=on".into()
            }
            "/pay/runs" => "period=2026-Q2".into(),
            "/account/tokens" => "name=mine&expires=30d".into(),
            "/account/password" => {
                "current=wrong-wrong-1&new=Another-pass-99&confirm=Another-pass-99".into()
            }
            "/login" => "login=nobody&password=wrong-wrong-1".into(),
            "/language" => "lang=en".into(),
            _ => String::new(),
        };
        (false, format!("_csrf={csrf}&{form}"))
    }
}

/// What out-of-reach records look like to ops, before and after everyone
/// else has tried to reach them.
async fn fingerprint(store: &Store, w: &World) -> String {
    let ops = token(store, "admin").await;
    let mut out = String::new();
    for b in [&w.east, &w.west] {
        for path in [
            format!("/api/v1/users/{}", b.rep),
            format!("/api/v1/goals/{}", b.goal),
            format!("/api/v1/statements/{}", b.statement),
            format!("/api/v1/deals/{}", b.records["deals"]),
            format!("/api/v1/customers/{}", b.records["customers"]),
            format!("/api/v1/orders/{}", b.records["orders"]),
            format!("/api/v1/activities/{}", b.records["activities"]),
        ] {
            let mut r = call(Method::GET, &path)
                .bearer(&ops)
                .send(store)
                .await
                .json();
            // A goal's progress is measured as of now; only its definition counts here.
            if let Some(o) = r.as_object_mut() {
                o.remove("checkins");
            }
            out.push_str(&format!("{path} {r}\n"));
        }
    }
    let tokens = store
        .api_tokens_of(UserId::from_raw(w.west.rep))
        .await
        .unwrap();
    out.push_str(&format!(
        "west tokens live: {}\n",
        tokens.iter().filter(|t| t.revoked_at.is_none()).count()
    ));
    out.push_str(&format!(
        "run: {}\n",
        call(Method::GET, &format!("/api/v1/payout-runs/{}", w.run))
            .bearer(&ops)
            .send(store)
            .await
            .body
    ));
    out.push_str(&format!(
        "units: {}\n",
        call(Method::GET, "/api/v1/units")
            .bearer(&ops)
            .send(store)
            .await
            .body
    ));
    out.push_str(&format!("users: {}\n", store.users().await.unwrap().len()));
    out.push_str(&format!(
        "settings: {:?}\n",
        store.settings().await.unwrap()
    ));
    out
}

store_test!(async fn no_role_reaches_another_persons_data_through_any_route(store) {
    let w = world(&store).await;
    let paths = routes(&store);
    let methods = [Method::GET, Method::POST, Method::PUT, Method::DELETE, Method::PATCH];
    let before = fingerprint(&store, &w).await;
    let mut failures = Vec::new();
    let mut checked = 0;
    // Ops and admins last: they may change what they reach.
    for caller in Caller::ALL {
        let login = caller.login();
        let (session, csrf) = match login {
            Some(l) => session(&store, l).await,
            None => (String::new(), String::new()),
        };
        let bearer = match login {
            Some(l) => Some(token(&store, l).await),
            None => None,
        };
        let out = caller.outside(&w);
        for path in &paths {
            let Some(target) = fill(path, &w, out) else {
                failures.push(format!("{path}: no case for its parameters: add one to `fill`"));
                continue;
            };
            for method in &methods {
                let (json, text) = body(path, method, &w, out, &csrf);
                let mut c = call(method.clone(), &target).peer("192.0.2.10");
                if json {
                    if let Some(t) = &bearer {
                        c = c.bearer(t);
                    }
                    if matches!(*method, Method::POST | Method::PUT | Method::PATCH) {
                        c = c.json(serde_json::from_str(&text).unwrap());
                    }
                } else {
                    if login.is_some() {
                        c = c.session(&session);
                    }
                    if *method != Method::GET {
                        c = c.form(&text);
                    }
                }
                let r = c.send(&store).await;
                if r.status == StatusCode::METHOD_NOT_ALLOWED {
                    continue;
                }
                checked += 1;
                let what = format!("{caller:?} {method} {target} → {}", r.status);
                if r.status.is_server_error() {
                    failures.push(format!("{what}: server error {}", &r.body[..r.body.len().min(200)]));
                    continue;
                }
                let public = PUBLIC.contains(&path.as_str()) || path.as_str() == "/";
                if caller == Caller::Anonymous && !public {
                    let refused = matches!(r.status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::NOT_FOUND)
                        || (r.status == StatusCode::SEE_OTHER && r.header("location").is_some_and(|l| l.starts_with("/login")));
                    if !refused {
                        failures.push(format!("{what}: anonymous got through"));
                    }
                }
                if let Some(b) = out {
                    let has_id = path.contains('{') && !path.contains("{period}") && !path.contains("{key}") && !path.contains("{currency}");
                    let shared = path.starts_with("/api/v1/plans")
                        || path.starts_with("/api/v1/payout-runs")
                        || path.starts_with("/pay/runs")
                        || path.starts_with("/import")
                        || CATALOGUES.iter().any(|c| path.starts_with(&format!("/api/v1/{c}/")));
                    if has_id && !shared && caller != Caller::Anonymous
                        && !matches!(r.status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::NOT_FOUND)
                    {
                        failures.push(format!("{what}: an ID out of reach was not refused"));
                    }
                    for secret in &b.secrets {
                        if r.body.contains(secret) {
                            failures.push(format!("{what}: the body shows '{secret}'"));
                        }
                    }
                }
            }
        }
        if caller == Caller::OtherBranchManager {
            // Everyone but ops and admins has tried everything: nothing they may not reach changed.
            let after = fingerprint(&store, &w).await;
            if after != before {
                failures.push(format!("records out of reach changed:\nbefore:\n{before}\nafter:\n{after}"));
            }
        }
    }
    assert!(checked > 7 * 90, "only {checked} route × method × role cases ran");
    assert!(failures.is_empty(), "{} problems:\n{}", failures.len(), failures.join("\n"));
});
