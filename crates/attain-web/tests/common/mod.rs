//! What the web tests share: requests built and sent in-process, a small
//! company with one person per role, sessions and tokens.
#![allow(dead_code, clippy::unwrap_used, missing_docs)]

pub use attain_app::auth;
pub use attain_app::users::{self, NewAccount};
pub use attain_core::{Login, OrgUnitId, OrgUnitKind, Role};
pub use attain_store::{Actor, NewOrgUnit, Store};
pub use attain_testkit::store_test;
pub use attain_web::{AppState, WebSettings, router};
pub use axum::body::Body;
pub use axum::http::{Method, Request, StatusCode};
pub use http_body_util::BodyExt;
pub use tower::ServiceExt;

pub const PASSWORD: &str = "Quota-2026-xyz";

pub fn fixed_today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 8, 15).unwrap()
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// A request under construction.
pub struct Call {
    request: axum::http::request::Builder,
    body: Body,
}

pub fn call(method: Method, uri: &str) -> Call {
    Call {
        request: Request::builder()
            .method(method)
            .uri(uri)
            .header("host", "attain.test"),
        body: Body::empty(),
    }
}

impl Call {
    pub fn header(mut self, k: &str, v: &str) -> Self {
        self.request = self.request.header(k, v);
        self
    }
    /// The address the request's connection comes from.
    pub fn peer(mut self, ip: &str) -> Self {
        let addr: std::net::SocketAddr = format!("{ip}:40000").parse().unwrap();
        self.request = self.request.extension(axum::extract::ConnectInfo(addr));
        self
    }
    pub fn session(self, token: &str) -> Self {
        self.header("cookie", &format!("attain_session={token}"))
    }
    pub fn bearer(self, token: &str) -> Self {
        self.header("authorization", &format!("Bearer {token}"))
    }
    pub fn form(mut self, body: &str) -> Self {
        self.request = self
            .request
            .header("content-type", "application/x-www-form-urlencoded");
        self.body = Body::from(body.to_owned());
        self
    }
    /// A multipart form: text fields, then one file.
    pub fn multipart(mut self, fields: &[(&str, &str)], file: (&str, &[u8])) -> Self {
        let boundary = "----attain-test-boundary";
        let mut body: Vec<u8> = Vec::new();
        for (k, v) in fields {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                )
                .as_bytes(),
            );
        }
        body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{}\"\r\nContent-Type: text/csv\r\n\r\n", file.0).as_bytes());
        body.extend_from_slice(file.1);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        self.request = self.request.header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        );
        self.body = Body::from(body);
        self
    }
    pub fn json(mut self, body: serde_json::Value) -> Self {
        self.request = self.request.header("content-type", "application/json");
        self.body = Body::from(body.to_string());
        self
    }
    pub async fn send(self, store: &Store) -> Reply {
        self.send_with(store, WebSettings::default()).await
    }
    pub async fn send_with(self, store: &Store, settings: WebSettings) -> Reply {
        let app = router(
            AppState::with_clock(store.clone(), attain_core::Clock::on_day(fixed_today()))
                .with_settings(settings),
        );
        let response = app
            .oneshot(self.request.body(self.body).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_owned()))
            .collect();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        Reply {
            status,
            headers,
            body: String::from_utf8(body.to_vec()).unwrap(),
        }
    }
}

pub struct Org {
    pub company: OrgUnitId,
    pub east: OrgUnitId,
}

pub async fn unit(
    store: &Store,
    parent: Option<OrgUnitId>,
    name: &str,
    kind: OrgUnitKind,
) -> OrgUnitId {
    store
        .create_org_unit(&NewOrgUnit {
            parent,
            name: name.into(),
            kind,
            external_id: None,
        })
        .await
        .unwrap()
}

pub async fn person(store: &Store, login: &str, unit: OrgUnitId, role: Role) -> i64 {
    let account = NewAccount {
        login: Login::new(login).unwrap(),
        display_name: login.to_uppercase(),
        email: None,
        unit,
        role,
        password: Some(PASSWORD.into()),
        external_id: None,
    };
    users::create_user(store, &Actor::named("test"), None, account)
        .await
        .unwrap()
        .0
        .id
        .raw()
}

/// Company (admin, ops) → East (manager; Team A: ana, ben) and West (Team C: cai).
pub async fn org(store: &Store) -> Org {
    let company = unit(store, None, "Acme 华夏", OrgUnitKind::Company).await;
    let east = unit(store, Some(company), "East <script>", OrgUnitKind::Region).await;
    let west = unit(store, Some(company), "West", OrgUnitKind::Region).await;
    let team_a = unit(store, Some(east), "Team A", OrgUnitKind::Team).await;
    let team_c = unit(store, Some(west), "Team C", OrgUnitKind::Team).await;
    person(store, "admin", company, Role::Admin).await;
    person(store, "ops", company, Role::SalesOps).await;
    person(store, "mgr", east, Role::Manager).await;
    person(store, "ana", team_a, Role::Rep).await;
    person(store, "ben", team_a, Role::Rep).await;
    person(store, "cai", team_c, Role::Rep).await;
    Org { company, east }
}

/// Signs in through the use case; returns the cookie value and CSRF token.
pub async fn session(store: &Store, login: &str) -> (String, String) {
    let s = auth::sign_in(store, login, PASSWORD, "127.0.0.1", chrono::Utc::now())
        .await
        .unwrap();
    (s.token, s.identity.csrf_token.unwrap())
}

pub async fn token(store: &Store, login: &str) -> String {
    let user = store
        .user_by_login(&Login::new(login).unwrap())
        .await
        .unwrap();
    auth::create_api_token(
        store,
        &Actor::named("test"),
        None,
        user.id,
        "t",
        None,
        chrono::Utc::now(),
    )
    .await
    .unwrap()
    .1
}

pub async fn id_of(store: &Store, login: &str) -> i64 {
    store
        .user_by_login(&Login::new(login).unwrap())
        .await
        .unwrap()
        .id
        .raw()
}
