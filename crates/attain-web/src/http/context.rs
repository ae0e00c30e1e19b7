//! Who is asking and in which language: resolved once per request by
//! [`resolve`], before any handler runs, and enforced by the extractors
//! [`SignedIn`] (pages) and [`ApiUser`] (API).
//!
//! CSRF: a state-changing request carried by a session cookie must echo the
//! session's synchroniser token, as the `_csrf` form field or the
//! `X-CSRF-Token` header, and must not come from another origin. API tokens
//! are not sent by browsers on their own, so they need no CSRF token.

use std::net::{IpAddr, SocketAddr};

use attain_app::auth::{self, Identity, Via};
use attain_app::secrets::same_secret;
use attain_core::Principal;
use axum::body::{Body, to_bytes};
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use crate::AppState;
use crate::http::error::{ApiError, error_page};
use crate::http::i18n::{I18n, Lang};

/// Cookie holding the session token.
pub const SESSION_COOKIE: &str = "attain_session";
/// Cookie holding the language chosen before signing in.
pub const LANG_COOKIE: &str = "attain_lang";
/// Largest form body inspected for a CSRF token.
const MAX_FORM_BYTES: usize = 1024 * 1024;
/// How much of a multipart body is read to find its CSRF token: the
/// hidden field comes first, so the file behind it is never read here and
/// an upload's size is the import page's business alone.
const MULTIPART_CSRF_PREFIX: usize = 64 * 1024;

/// The `_csrf` field at the start of a multipart body, and the body given
/// back whole: only its first [`MULTIPART_CSRF_PREFIX`] bytes are read.
async fn multipart_csrf(content_type: &str, body: Body) -> (Option<String>, Body) {
    use futures_util::StreamExt;
    let mut stream = body.into_data_stream();
    let mut prefix: Vec<u8> = Vec::new();
    let mut failure = None;
    while prefix.len() < MULTIPART_CSRF_PREFIX {
        match stream.next().await {
            Some(Ok(chunk)) => prefix.extend_from_slice(&chunk),
            Some(Err(e)) => {
                failure = Some(e);
                break;
            }
            None => break,
        }
    }
    let prefix = axum::body::Bytes::from(prefix);
    let token = match multer::parse_boundary(content_type) {
        Ok(boundary) => {
            let start = prefix.clone();
            let mut parts = multer::Multipart::new(
                futures_util::stream::once(async move { Ok::<_, std::io::Error>(start) }),
                boundary,
            );
            loop {
                match parts.next_field().await {
                    Ok(Some(field)) if field.name() == Some("_csrf") => {
                        break field.text().await.ok();
                    }
                    Ok(Some(_)) => {}
                    Ok(None) | Err(_) => break None,
                }
            }
        }
        Err(_) => None,
    };
    let head = futures_util::stream::once(async move { Ok::<_, axum::Error>(prefix) });
    let body = match failure {
        Some(e) => Body::from_stream(head.chain(futures_util::stream::once(async move { Err(e) }))),
        None => Body::from_stream(head.chain(stream)),
    };
    (token, body)
}

/// The address a request comes from: the peer it connected from, or, when
/// that peer is one of `trusted` proxies, the last address in
/// `X-Forwarded-For` that is not a trusted proxy. A client cannot choose
/// the address its sign-in failures are counted against.
pub(crate) fn client_address(
    peer: Option<IpAddr>,
    headers: &HeaderMap,
    trusted: &[ipnet::IpNet],
) -> String {
    let Some(peer) = peer else {
        return "unknown".to_owned();
    };
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer.to_string();
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let mut nearest = peer;
    for hop in hops.iter().rev() {
        match hop.parse::<IpAddr>() {
            Ok(ip) if is_trusted(&ip) => nearest = ip,
            Ok(ip) => return ip.to_string(),
            // Garbage a trusted proxy passed on: stop at the last proxy we know.
            Err(_) => break,
        }
    }
    nearest.to_string()
}

/// Everything known about the request before a handler runs.
#[derive(Clone, Debug)]
pub struct RequestContext {
    /// The person, if signed in or holding a valid token.
    pub identity: Option<Identity>,
    /// The language to answer in.
    pub lang: Lang,
    /// The raw session cookie, if any (for sign-out).
    pub session_token: Option<String>,
    /// The client's address, for throttling.
    pub client_address: String,
    /// Whether cookies must be marked `Secure` (served over TLS).
    pub secure: bool,
}

impl RequestContext {
    /// Translation for this request.
    pub fn i18n(&self) -> I18n {
        I18n::new(self.lang)
    }
}

/// Reads one cookie from the `Cookie` headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().to_owned())
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, path `/`, `Secure` over TLS.
pub fn set_cookie(name: &str, value: &str, max_age_secs: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let text =
        format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}");
    HeaderValue::from_str(&text)
        .unwrap_or_else(|_| HeaderValue::from_static("invalid=1; Max-Age=0"))
}

fn is_unsafe(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Whether an `Origin` header (if any) names this very host.
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let origin_host = origin.split_once("://").map_or(origin, |(_, rest)| rest);
    origin != "null" && origin_host.eq_ignore_ascii_case(host)
}

fn form_field(body: &[u8], name: &str) -> Option<String> {
    form_urlencoded_pairs(body)
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// Minimal `application/x-www-form-urlencoded` decoding (via serde_urlencoded).
fn form_urlencoded_pairs(body: &[u8]) -> impl Iterator<Item = (String, String)> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .unwrap_or_default()
        .into_iter()
}

fn forbidden_csrf(api: bool, i18n: &I18n) -> Response {
    if api {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "csrf",
            "missing or wrong CSRF token for a cookie-authenticated request",
        )
        .into_response()
    } else {
        error_page(
            i18n,
            StatusCode::FORBIDDEN,
            &i18n.t("error-csrf-title"),
            &i18n.t("error-csrf-message"),
        )
    }
}

/// Middleware: identify the caller, choose the language, enforce CSRF.
pub async fn resolve(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    let now = state.now();
    let headers = &parts.headers;
    let api = wants_json(&parts);
    let session_token = cookie(headers, SESSION_COOKIE).filter(|t| !t.is_empty());
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_owned());

    let store = state.store();
    // The organisation's zone and default language, as they are now; the
    // stylesheet, icons and health check need neither.
    let path = parts.uri.path();
    let asset = path.starts_with("/static/") || path == "/favicon.ico" || path == "/healthz";
    if !asset {
        match store.settings().await {
            Ok(settings) => state.remember(&settings),
            // The identity lookup below answers the request as unavailable.
            Err(e) => tracing::error!(error = %e, "reading the organisation's settings failed"),
        }
    }
    let identity = match (&bearer, &session_token) {
        (Some(token), _) => auth::identify_api_token(store, token, now).await,
        (None, Some(token)) => auth::identify_session(store, token, now).await,
        (None, None) => Ok(None),
    };
    let identity = match identity {
        Ok(identity) => identity,
        Err(e) => {
            tracing::error!(error = %e, "identifying the caller failed");
            let i18n = I18n::new(Lang::En);
            return if api {
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "storage_unavailable",
                    "the database could not answer",
                )
                .into_response()
            } else {
                error_page(
                    &i18n,
                    StatusCode::SERVICE_UNAVAILABLE,
                    &i18n.t("error-unavailable-title"),
                    &i18n.t("error-unavailable-message"),
                )
            };
        }
    };
    let lang = identity
        .as_ref()
        .and_then(|i| i.locale.as_deref())
        .and_then(Lang::from_code)
        .or_else(|| {
            cookie(headers, LANG_COOKIE)
                .as_deref()
                .and_then(Lang::from_code)
        })
        .unwrap_or_else(|| {
            Lang::negotiate(
                headers
                    .get(header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or(""),
                state.default_language().into(),
            )
        });
    let i18n = I18n::new(lang);
    let secure = state.secure_cookies()
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            == Some("https");
    let client_address = client_address(
        parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ci| ci.0.ip()),
        headers,
        &state.settings().trusted_proxies,
    );

    let mut body = body;
    if is_unsafe(&parts.method) {
        if !same_origin(headers) {
            return localized(api, &i18n, forbidden_csrf(api, &i18n)).await;
        }
        if let Some(identity) = identity.as_ref().filter(|i| i.via == Via::Session) {
            let expected = identity.csrf_token.clone().unwrap_or_default();
            let from_header = headers
                .get("x-csrf-token")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let supplied = match from_header {
                Some(token) => Some(token),
                None => {
                    let content_type = headers
                        .get(header::CONTENT_TYPE)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned();
                    let is_form = content_type.starts_with("application/x-www-form-urlencoded");
                    if content_type.starts_with("multipart/form-data") {
                        let (token, whole) = multipart_csrf(&content_type, body).await;
                        body = whole;
                        token
                    } else if is_form {
                        let Ok(bytes) = to_bytes(body, MAX_FORM_BYTES).await else {
                            return (StatusCode::PAYLOAD_TOO_LARGE, "form too large")
                                .into_response();
                        };
                        let token = form_field(&bytes, "_csrf");
                        body = Body::from(bytes);
                        token
                    } else {
                        None
                    }
                }
            };
            if !supplied.is_some_and(|s| same_secret(&s, &expected)) {
                tracing::warn!(path = %parts.uri.path(), "refused a request without a valid CSRF token");
                return localized(api, &i18n, forbidden_csrf(api, &i18n)).await;
            }
        }
    }
    parts.extensions.insert(RequestContext {
        identity,
        lang,
        session_token,
        client_address,
        secure,
    });
    let response = next.run(Request::from_parts(parts, body)).await;
    localized(api, &i18n, response).await
}

/// Most an API error body may be for [`localized`] to translate it.
const MAX_ERROR_BYTES: usize = 4 * 1024 * 1024;

/// An API error in the caller's language: `message` from the catalogue by
/// the error's `code`, the original English explanation kept as
/// `details.reason` (when `details` is an object or empty) so nothing a
/// script or a support engineer needs is lost. English answers, successes
/// and pages pass through untouched.
///
/// An API error that did not come from a handler (a body that is not JSON,
/// a method the path does not take, a body too large) is first put into the
/// one error shape, so scripts never meet plain text.
async fn localized(api: bool, i18n: &I18n, response: Response) -> Response {
    if !api || response.status().as_u16() < 400 {
        return response;
    }
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json && i18n.lang() == Lang::En {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_ERROR_BYTES).await else {
        return (parts.status, "").into_response();
    };
    let mut value = match serde_json::from_slice::<serde_json::Value>(&bytes) {
        Ok(value) if is_json => value,
        _ => {
            let status = parts.status;
            let code = match status.as_u16() {
                400 => "bad_request",
                401 => "unauthorized",
                403 => "forbidden",
                404 => "not_found",
                405 => "method_not_allowed",
                408 => "timeout",
                413 => "too_large",
                415 => "unsupported_media_type",
                422 => "bad_request",
                _ => "error",
            };
            let text = String::from_utf8_lossy(&bytes).trim().to_owned();
            let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
                format!(
                    "the request body is larger than the API accepts ({}, {} bytes); send fewer records per request",
                    crate::http::i18n::bytes(crate::API_BODY_LIMIT),
                    crate::API_BODY_LIMIT
                )
            } else if text.is_empty() {
                status.canonical_reason().unwrap_or("error").to_owned()
            } else {
                text
            };
            parts.headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            let details = if status == StatusCode::PAYLOAD_TOO_LARGE {
                serde_json::json!({"limit_bytes": crate::API_BODY_LIMIT})
            } else {
                serde_json::Value::Null
            };
            serde_json::json!({"error": {"code": code, "message": message, "details": details}})
        }
    };
    if i18n.lang() == Lang::En {
        parts.headers.remove(header::CONTENT_LENGTH);
        return Response::from_parts(parts, Body::from(value.to_string()));
    }
    if let Some(error) = value.get_mut("error").and_then(|e| e.as_object_mut()) {
        let code = error
            .get("code")
            .and_then(|c| c.as_str())
            .unwrap_or("")
            .to_owned();
        let details = error.get("details").cloned().unwrap_or_default();
        let field = details
            .get("field")
            .and_then(|f| f.as_str())
            .map(str::to_owned);
        let detail_value = details
            .get("value")
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned));
        let message = match code.as_str() {
            "unauthorized" => Some(i18n.t("api-error-unauthorized")),
            "forbidden" => Some(i18n.t("api-error-forbidden")),
            "not_found" => Some(i18n.t("api-error-not-found")),
            "csrf" => Some(i18n.t("api-error-csrf")),
            "throttled" => Some(i18n.t("api-error-throttled")),
            "bad_credentials" => Some(i18n.t("login-failed")),
            "storage_unavailable" => Some(i18n.t("error-unavailable-message")),
            "internal" => Some(i18n.t("api-error-internal")),
            "bad_request" => Some(match &field {
                Some(f) => i18n.t1("api-error-bad-field", "field", f),
                None => i18n.t("api-error-bad-request"),
            }),
            "invalid" => Some(i18n.t("api-error-invalid")),
            "conflict" => Some(i18n.t("api-error-conflict")),
            "import_rejected" => Some(i18n.t1(
                "api-error-import-rejected",
                "count",
                details.as_array().map_or(0, Vec::len),
            )),
            "weak_password" => Some(i18n.t("api-error-weak-password")),
            "method_not_allowed" => Some(i18n.t("api-error-method-not-allowed")),
            "too_large" => Some(i18n.t1(
                "api-error-too-large",
                "limit",
                crate::http::i18n::bytes(crate::API_BODY_LIMIT),
            )),
            "unsupported_media_type" => Some(i18n.t("api-error-unsupported-media-type")),
            "login_taken" => Some(i18n.t1(
                "rejected-login-taken",
                "login",
                detail_value.unwrap_or_default(),
            )),
            "unknown_unit" => Some(i18n.t1(
                "rejected-unknown-unit",
                "unit",
                detail_value.unwrap_or_default(),
            )),
            "empty_name" => Some(i18n.t("rejected-empty-name")),
            "self_lockout" => Some(i18n.t("rejected-self-lockout")),
            "password_change_required" => Some(i18n.t("api-error-password-change-required")),
            _ => None,
        };
        if let Some(message) = message {
            let english = error.insert("message".into(), serde_json::Value::String(message));
            match error.get_mut("details") {
                Some(serde_json::Value::Object(map)) => {
                    if let Some(english) = english {
                        map.entry("reason").or_insert(english);
                    }
                }
                Some(serde_json::Value::Array(_)) => {}
                _ => {
                    error.insert("details".into(), serde_json::json!({"reason": english}));
                }
            }
        }
    }
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(value.to_string()))
}

fn context(parts: &Parts) -> RequestContext {
    parts
        .extensions
        .get::<RequestContext>()
        .cloned()
        .unwrap_or(RequestContext {
            identity: None,
            lang: Lang::En,
            session_token: None,
            client_address: "unknown".into(),
            secure: false,
        })
}

/// Any request: its context, signed in or not.
pub struct Ctx(pub RequestContext);

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Ctx(context(parts)))
    }
}

/// A page request by a signed-in person. Others are sent to the sign-in page
/// (and back afterwards); a person who must change his password is sent there first.
pub struct SignedIn {
    /// The request context.
    pub ctx: RequestContext,
    /// The person.
    pub principal: Principal,
    /// The session's CSRF token, for forms.
    pub csrf: String,
}

impl<S: Send + Sync> FromRequestParts<S> for SignedIn {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let ctx = context(parts);
        let path = parts
            .uri
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .to_owned();
        let Some(identity) = ctx.identity.clone() else {
            let next = serde_urlencoded::to_string([("next", path.as_str())]).unwrap_or_default();
            return Err(Redirect::to(&format!("/login?{next}")).into_response());
        };
        if identity.must_change_password && parts.uri.path() != "/account/password" {
            return Err(Redirect::to("/account/password").into_response());
        }
        Ok(SignedIn {
            csrf: identity.csrf_token.clone().unwrap_or_default(),
            principal: identity.principal,
            ctx,
        })
    }
}

/// An API request by a signed-in person or token holder; others get 401.
pub struct ApiUser {
    /// The person.
    pub principal: Principal,
    /// How the request authenticated.
    pub via: Via,
    /// The language messages are written in.
    pub lang: Lang,
}

impl<S: Send + Sync> FromRequestParts<S> for ApiUser {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let ctx = context(parts);
        match ctx.identity {
            Some(identity) if identity.must_change_password => Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "password_change_required",
                "this account must choose a new password first: sign in on the web page",
            )
            .into_response()),
            Some(identity) => Ok(ApiUser {
                principal: identity.principal,
                via: identity.via,
                lang: ctx.lang,
            }),
            None => {
                let mut response = ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "unauthorized",
                    "sign in or send an API token as 'Authorization: Bearer atn_…'",
                )
                .into_response();
                response
                    .headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
                Err(response)
            }
        }
    }
}

/// Whether the request is the API's, which answers errors as JSON. Handlers
/// under `/api/v1` see their path without the prefix: the path the request
/// came with decides.
fn wants_json(parts: &Parts) -> bool {
    parts
        .extensions
        .get::<axum::extract::OriginalUri>()
        .map_or(parts.uri.path(), |o| o.0.path())
        .starts_with("/api/")
}

/// The organisation's context (calendar, tree, names, rates, settings) for
/// this request: loaded once, when a handler first asks, and shared by
/// everything the request computes. Ask for it after the identity, so a
/// request that is refused reads nothing.
pub struct Org(pub std::sync::Arc<attain_kpi::OrgContext>);

impl FromRequestParts<AppState> for Org {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        if let Some(org) = parts
            .extensions
            .get::<std::sync::Arc<attain_kpi::OrgContext>>()
        {
            return Ok(Org(org.clone()));
        }
        match attain_kpi::OrgContext::load(state.store()).await {
            Ok(org) => {
                parts.extensions.insert(org.clone());
                Ok(Org(org))
            }
            Err(e) if wants_json(parts) => Err(ApiError::from(e).into_response()),
            Err(e) => Err(crate::http::error::app_error_page(
                context(parts).lang,
                attain_app::AppError::from(e),
            )),
        }
    }
}

#[cfg(test)]
mod org_tests {
    use super::*;

    /// Found by review: a nested API handler sees `/kpi`, not `/api/v1/kpi`,
    /// and got an HTML error page where the API answers JSON.
    #[test]
    fn an_api_request_is_known_by_the_path_it_came_with() {
        let (mut nested, ()) = axum::http::Request::builder()
            .uri("/kpi?period=2026")
            .body(())
            .unwrap()
            .into_parts();
        assert!(!wants_json(&nested), "a page path alone is a page's");
        nested.extensions.insert(axum::extract::OriginalUri(
            "/api/v1/kpi?period=2026".parse().unwrap(),
        ));
        assert!(wants_json(&nested));
        let (page, ()) = axum::http::Request::builder()
            .uri("/goals")
            .body(())
            .unwrap()
            .into_parts();
        assert!(!wants_json(&page));
    }
}
