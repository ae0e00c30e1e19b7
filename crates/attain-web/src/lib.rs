//! Attain's web interface: the only crate that knows HTTP and HTML.
//!
//! [`router`] builds the whole application (pages, JSON API under `/api/`,
//! health check, static assets) over an [`AppState`]; it is also the entry
//! point of the web tests, which drive it in-process. [`serve`] runs it on a
//! listener until a shutdown signal, letting requests in flight finish.
//!
//! Invariants: every request passes the context middleware, which identifies
//! the caller (session cookie or API token), picks the language and enforces
//! CSRF before any handler runs. Handlers are thin (parse the request into
//! domain types, call the store through the caller's visibility or a use
//! case, render). `/api/…` answers errors as JSON of one shape, every other
//! path as a friendly HTML page in the caller's language. No user-facing
//! text is written in a template or handler: it comes from `locales/`.

// Handlers return `Result<_, Response>`, axum's idiom for an early answer;
// a response is large by nature and is built once per request.
#![allow(clippy::result_large_err)]

mod account;
mod admin;
mod goals;
mod http;
mod import;
mod kpi;
mod org;
mod pay;
mod sales;

pub use http::i18n;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use attain_core::Clock;
use attain_store::Store;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};

pub use http::error::{ApiError, ErrorBody};
pub use ipnet::IpNet;

/// Everything a request handler may use. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    clock: Clock,
    /// The organisation's time zone and default language as the last
    /// request read them from the store (every request does, so several
    /// instances agree).
    org: std::sync::RwLock<(attain_core::TimeZone, attain_core::Language)>,
    settings: WebSettings,
    /// Long work (parsing and checking whole files) that may run at once.
    heavy: Arc<tokio::sync::Semaphore>,
}

impl Inner {
    fn org(&self) -> (attain_core::TimeZone, attain_core::Language) {
        // A poisoned lock still holds the last value written whole.
        *self
            .org
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// How many imports a server checks or writes at once: each holds its whole
/// file, parsed, in memory, and keeps a core busy, so one core is left for
/// every other request.
fn heavy_slots() -> Arc<tokio::sync::Semaphore> {
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
    Arc::new(tokio::sync::Semaphore::new(cores.saturating_sub(1).max(1)))
}

/// How the server meets its network: set by whoever runs it (the command
/// line's `serve` and `demo`), read by every request.
#[derive(Debug, Clone)]
pub struct WebSettings {
    /// Mark cookies `Secure` on every response (behind a TLS proxy that does
    /// not send `X-Forwarded-Proto`).
    pub secure_cookies: bool,
    /// Proxies whose `X-Forwarded-For` is believed. A client is otherwise
    /// known by the address it connected from, so no request can choose the
    /// address its sign-in failures are counted against.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// The largest file the import page accepts, in bytes.
    pub upload_limit: usize,
}

/// The default largest upload: 100 MB, enough for real CRM exports.
pub const DEFAULT_UPLOAD_LIMIT: usize = 100 * 1000 * 1000;

/// The largest JSON body the write API accepts: 2 MiB. Larger batches are
/// sent as several requests, or as a file through `attain import`.
pub const API_BODY_LIMIT: usize = 2 * 1024 * 1024;

impl Default for WebSettings {
    fn default() -> Self {
        Self {
            secure_cookies: false,
            trusted_proxies: Vec::new(),
            upload_limit: DEFAULT_UPLOAD_LIMIT,
        }
    }
}

impl AppState {
    /// State over `store`, on the system clock.
    pub fn new(store: Store) -> Self {
        Self::with_clock(store, Clock::system())
    }

    /// State on another clock: a demo's fixed day, a test's.
    pub fn with_clock(store: Store, clock: Clock) -> Self {
        Self {
            inner: Arc::new(Inner {
                store,
                clock,
                org: std::sync::RwLock::new((
                    attain_core::TimeZone::Server,
                    attain_core::Language::En,
                )),
                settings: WebSettings::default(),
                heavy: heavy_slots(),
            }),
        }
    }

    /// State whose "today" is one fixed day: a demo built with `--as-of`
    /// shows its goals and pace as of the last day of its history.
    pub fn on_day(store: Store, day: chrono::NaiveDate) -> Self {
        Self::with_clock(store, Clock::on_day(day))
    }

    /// The same state with other network settings.
    pub fn with_settings(self, settings: WebSettings) -> Self {
        let inner = Inner {
            store: self.inner.store.clone(),
            clock: self.inner.clock,
            org: std::sync::RwLock::new(self.inner.org()),
            settings,
            heavy: heavy_slots(),
        };
        Self {
            inner: Arc::new(inner),
        }
    }

    /// The network settings.
    pub fn settings(&self) -> &WebSettings {
        &self.inner.settings
    }

    /// Whether cookies are always marked `Secure`.
    pub fn secure_cookies(&self) -> bool {
        self.inner.settings.secure_cookies
    }

    /// The current instant, for sessions, tokens and the audit log.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.inner.clock.now()
    }

    /// The clock every date of a request comes from, in the
    /// organisation's time zone.
    pub fn clock(&self) -> Clock {
        self.inner.clock.in_zone(self.inner.org().0)
    }

    /// The organisation's default language.
    pub(crate) fn default_language(&self) -> attain_core::Language {
        self.inner.org().1
    }

    /// Takes the organisation's time zone and default language from the
    /// settings (read at the start of every request).
    pub(crate) fn remember(&self, settings: &attain_core::OrgSettings) {
        if let Ok(mut org) = self.inner.org.write() {
            *org = (settings.time_zone, settings.default_language);
        }
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// Runs long work (an import's parsing, checking and writing) on a
    /// blocking thread, one fewer at a time than the machine has cores, so
    /// that no upload holds up the threads every other request runs on. The
    /// slot is held until the work ends, even when the request gives up
    /// waiting for it (a timeout cannot stop a thread).
    pub(crate) async fn heavy<T: Send + 'static>(
        &self,
        work: impl Future<Output = T> + Send + 'static,
    ) -> Result<T, attain_app::AppError> {
        let slot = Arc::clone(&self.inner.heavy)
            .acquire_owned()
            .await
            .map_err(|e| attain_app::AppError::Internal(e.to_string()))?;
        let handle = tokio::runtime::Handle::current();
        let run = move || {
            let done = handle.block_on(work);
            drop(slot);
            done
        };
        match tokio::task::spawn_blocking(run).await {
            Ok(done) => Ok(done),
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => Err(attain_app::AppError::Internal(format!(
                "the import stopped: {e}"
            ))),
        }
    }

    /// Today's date, as the pages and reports see it: in the
    /// organisation's time zone.
    pub fn today(&self) -> chrono::NaiveDate {
        self.clock().today()
    }
}

/// The version shown in page footers and the API.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Content-Security-Policy: everything from our own origin, no inline script.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Builds the whole application.
pub fn router(state: AppState) -> Router {
    let (api, doc) = api_routes();
    Router::new()
        .merge(goals::home::routes())
        .merge(account::pages::routes())
        .merge(org::people::routes())
        .merge(org::chart::routes())
        .merge(sales::pages::routes())
        .merge(admin::users::routes())
        .merge(admin::audit::routes())
        .merge(admin::settings::routes())
        .merge(import::page::routes(state.settings().upload_limit))
        .merge(import::people::routes(state.settings().upload_limit))
        .merge(import::company::routes(state.settings().upload_limit))
        .merge(kpi::page::routes())
        .merge(goals::page::routes())
        .merge(pay::page::routes())
        .merge(account::api_docs::routes(&doc))
        .nest("/api/v1", api)
        .route("/api", get(http::api::not_found))
        .route("/api/{*rest}", get(http::api::not_found).fallback(http::api::not_found))
        .route("/healthz", get(http::api::healthz))
        .route("/static/app.css", get(app_css))
        .route("/static/favicon.svg", get(favicon))
        .route("/favicon.ico", get(favicon))
        .fallback(http::layout::not_found)
        // Inside the context middleware, so that a request that runs out of
        // time gets the API's JSON error shape (or a page) like any other.
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(60),
        ))
        .layer(axum::middleware::from_fn_with_state(state.clone(), http::context::resolve))
        .with_state(state)
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        // Pages and API answers carry people's figures, pay and new tokens:
        // no shared or browser cache keeps them. Static assets say otherwise.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(DefaultBodyLimit::max(API_BODY_LIMIT))
        .layer(CatchPanicLayer::custom(http::error::panic_response))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &axum::http::Request<_>| {
                    tracing::info_span!("request", method = %req.method(), path = %req.uri().path())
                })
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
}

/// The whole API under `/api/v1`: the instance's own endpoints and every
/// capability's, with its OpenAPI document (which lists every route the
/// router has: both come from the same registrations); JSON errors for
/// what matches nothing.
pub fn api_routes() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, doc) = utoipa_axum::router::OpenApiRouter::with_openapi(http::openapi::base())
        .merge(http::api::routes())
        .merge(account::api::routes())
        .merge(admin::users::api_routes())
        .merge(admin::audit::api_routes())
        .merge(admin::settings::api_routes())
        .merge(sales::api::routes())
        .merge(sales::write::routes())
        .merge(sales::records::routes())
        .merge(kpi::api::routes())
        .merge(org::units::routes())
        .merge(goals::api::routes())
        .merge(pay::api::routes())
        .merge(http::openapi::routes())
        .split_for_parts();
    let doc = http::openapi::finish(doc);
    let router = router
        .route("/openapi.json", http::openapi::document_route(&doc))
        .fallback(http::api::not_found)
        .method_not_allowed_fallback(http::api::method_not_allowed);
    (router, doc)
}

async fn app_css() -> impl IntoResponse {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/css; charset=utf-8"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            ),
        ],
        include_str!("../static/app.css"),
    )
}

async fn favicon() -> impl IntoResponse {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("image/svg+xml"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=86400"),
            ),
        ],
        include_str!("../static/favicon.svg"),
    )
}

/// How often expired sessions and old sign-in failures are removed.
const PURGE_EVERY: Duration = Duration::from_secs(10 * 60);

/// Serves the application on `listener` until `shutdown` completes, then
/// stops accepting connections and lets requests in flight finish. Each
/// request knows the address it came from; expired sessions and old
/// sign-in failures are purged in the background meanwhile.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let purger = tokio::spawn(purge_periodically(state.clone()));
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await;
    purger.abort();
    served
}

async fn purge_periodically(state: AppState) {
    let mut ticks = tokio::time::interval(PURGE_EVERY);
    loop {
        ticks.tick().await;
        match attain_app::auth::purge_expired(state.store(), state.now()).await {
            Ok(purged) if purged > 0 => {
                tracing::info!(purged, "purged expired sessions and sign-in failures")
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "purging expired sessions failed"),
        }
    }
}
