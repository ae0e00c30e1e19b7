//! HTML pages. Every handler is thin: extract who is asking, call the store
//! (through the visibility filter) or a use case, render a template.

use askama::Template;
use attain_app::{AppError, auth, users};
use attain_core::{Granularity, Login, OrgUnitId, OrgUnitKind, Role, UserId, Visibility};
use attain_store::{Actor, UserChanges};
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use crate::AppState;
use crate::context::{Ctx, LANG_COOKIE, SESSION_COOKIE, SignedIn, set_cookie};
use crate::error::{OrPage, error_page, render};
use crate::i18n::{I18n, Lang};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_form).post(login_submit))
        .route("/logout", post(logout))
        .route("/language", post(language))
        .route("/people", get(people))
        .route("/deals", get(deals))
        .route("/account", get(account))
        .route("/account/language", post(account_language))
        .route(
            "/account/password",
            get(password_form).post(password_submit),
        )
        .route("/account/tokens", post(token_create))
        .route("/account/tokens/{id}/revoke", post(token_revoke))
        .route("/admin/users", get(users_page).post(user_create))
        .route("/admin/users/{id}", post(user_update))
        .route("/admin/users/{id}/password", post(user_reset_password))
        .route("/audit", get(audit))
}

/// What the header of a signed-in page needs.
pub(crate) struct Nav {
    pub display_name: String,
    pub csrf: String,
    pub path: String,
    pub section: &'static str,
    pub can_manage_users: bool,
    pub can_read_audit: bool,
    pub can_import: bool,
}

impl Nav {
    pub(crate) fn new(user: &SignedIn, section: &'static str, path: &str) -> Option<Nav> {
        Some(Nav {
            display_name: user.principal.display_name.clone(),
            csrf: user.csrf.clone(),
            path: path.to_owned(),
            section,
            can_manage_users: user.principal.can_manage_users(),
            can_read_audit: user.principal.can_read_audit_log(),
            can_import: user.principal.can_import(),
        })
    }
}

/// Only local paths may be redirected to after sign-in or a language switch.
/// Where to go after signing in or switching language: `next` when it is a
/// path on this site, else the home page. Only printable ASCII without
/// backslashes that parses as a path is accepted: browsers drop tabs and
/// newlines and read `\` as `/`, so `/\t/evil.example` would otherwise
/// lead to another site.
pub(crate) fn safe_next(next: &str) -> &str {
    let same_site = next.starts_with('/')
        && !next.starts_with("//")
        && next.bytes().all(|b| b.is_ascii_graphic() && b != b'\\')
        && next.parse::<axum::http::uri::PathAndQuery>().is_ok();
    if same_site { next } else { "/" }
}

fn role_key(role: Role) -> &'static str {
    match role {
        Role::Admin => "role-admin",
        Role::SalesOps => "role-sales_ops",
        Role::Manager => "role-manager",
        Role::Rep => "role-rep",
        Role::Viewer => "role-viewer",
    }
}

fn kind_key(kind: OrgUnitKind) -> &'static str {
    match kind {
        OrgUnitKind::Company => "unit-kind-company",
        OrgUnitKind::Region => "unit-kind-region",
        OrgUnitKind::Department => "unit-kind-department",
        OrgUnitKind::Team => "unit-kind-team",
    }
}

pub(crate) fn forbidden(i18n: &I18n) -> Response {
    error_page(
        i18n,
        StatusCode::FORBIDDEN,
        &i18n.t("error-forbidden-title"),
        &i18n.t("error-forbidden-message"),
    )
}

// ---------------------------------------------------------------- home

struct UnitRow {
    name: String,
    kind_key: &'static str,
    depth: u32,
    people: i64,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    i18n: I18n,
    nav: Option<Nav>,
    company: String,
    backend: &'static str,
    database: String,
    unit_count: i64,
    people_summary: String,
    fiscal_quarter: String,
    fiscal_quarter_range: String,
    base_currency: &'static str,
    units: Vec<UnitRow>,
    goals: Vec<crate::goals_page::Row>,
}

async fn home(State(state): State<AppState>, user: SignedIn) -> Result<Response, Response> {
    let lang = user.ctx.lang;
    let i18n = user.ctx.i18n();
    let store = state.store();
    let settings = store.settings().await.or_page(lang)?;
    let units = store.org_units().await.or_page(lang)?;
    let (rows, unit_count, user_count, region_count, team_count) = if units.is_empty() {
        (Vec::new(), 0, 0, 0, 0)
    } else {
        let tree = store.org_tree().await.or_page(lang)?;
        // The org chart is shown within the viewer's own reach.
        let root = match user.principal.visibility() {
            Visibility::Everything => tree.root().id,
            Visibility::Subtree(unit) => unit,
            Visibility::Own(_) => user.principal.unit,
        };
        let company = tree.root().id;
        let rows: Vec<UnitRow> = tree
            .subtree(root)
            .iter()
            .filter(|id| **id != company)
            .filter_map(|id| {
                let unit = tree.unit(*id)?;
                Some(UnitRow {
                    name: unit.name.clone(),
                    kind_key: kind_key(unit.kind),
                    depth: tree.depth(*id)?,
                    people: i64::try_from(tree.users_within(*id).count()).unwrap_or(i64::MAX),
                })
            })
            .collect();
        let count = |kind: OrgUnitKind| {
            i64::try_from(
                tree.subtree(root)
                    .iter()
                    .filter(|id| tree.unit(**id).is_some_and(|u| u.kind == kind))
                    .count(),
            )
            .unwrap_or(0)
        };
        let people = i64::try_from(tree.users_within(root).count()).unwrap_or(0);
        let unit_count = i64::try_from(tree.subtree(root).len()).unwrap_or(0);
        (
            rows,
            unit_count,
            people,
            count(OrgUnitKind::Region),
            count(OrgUnitKind::Team),
        )
    };
    let (fiscal_quarter, fiscal_quarter_range) = match settings
        .calendar
        .period_containing(state.today(), Granularity::FiscalQuarter)
    {
        Ok(q) => (
            q.to_string(),
            format!("{} – {}", i18n.date(q.start()), i18n.date(q.last_day())),
        ),
        Err(e) => ("—".to_owned(), e.to_string()),
    };
    let page = HomePage {
        nav: Nav::new(&user, "home", "/"),
        company: settings.name,
        backend: store.backend().name(),
        database: store.describe().to_owned(),
        unit_count,
        people_summary: i18n.ta(
            "home-people-summary",
            &[
                ("people", i18n.int(user_count)),
                ("regions", i18n.int(region_count)),
                ("teams", i18n.int(team_count)),
            ],
        ),
        fiscal_quarter,
        fiscal_quarter_range,
        base_currency: settings.base_currency.code(),
        units: rows,
        goals: crate::goals_page::current_roots(&state, &user, &i18n, 12)
            .await
            .or_page(lang)?,
        i18n,
    };
    Ok(render(&page.i18n, &page))
}

// ---------------------------------------------------------------- sign-in

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    i18n: I18n,
    nav: Option<Nav>,
    next: String,
    login: String,
    error: Option<String>,
    notice: Option<String>,
}

#[derive(Deserialize)]
struct LoginQuery {
    #[serde(default)]
    next: String,
    #[serde(default)]
    signed_out: Option<String>,
}

async fn login_form(Ctx(ctx): Ctx, Query(q): Query<LoginQuery>) -> Response {
    if ctx.identity.is_some() {
        return Redirect::to(safe_next(&q.next)).into_response();
    }
    let i18n = ctx.i18n();
    let notice = q.signed_out.map(|_| i18n.t("login-signed-out"));
    let page = LoginPage {
        next: safe_next(&q.next).to_owned(),
        login: String::new(),
        error: None,
        notice,
        nav: None,
        i18n,
    };
    render(&page.i18n, &page)
}

#[derive(Deserialize)]
struct LoginForm {
    login: String,
    password: String,
    #[serde(default)]
    next: String,
}

async fn login_submit(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    axum::Form(form): axum::Form<LoginForm>,
) -> Response {
    let i18n = ctx.i18n();
    let next = safe_next(&form.next).to_owned();
    match auth::sign_in(
        state.store(),
        &form.login,
        &form.password,
        &ctx.client_address,
        state.now(),
    )
    .await
    {
        Ok(session) => {
            let target = if session.identity.must_change_password {
                "/account/password"
            } else {
                next.as_str()
            };
            let cookie = set_cookie(
                SESSION_COOKIE,
                &session.token,
                auth::SESSION_IDLE_LIFETIME.num_seconds(),
                ctx.secure,
            );
            ([(header::SET_COOKIE, cookie)], Redirect::to(target)).into_response()
        }
        Err(err) => {
            let (status, message) = match err {
                AppError::BadCredentials => (StatusCode::UNAUTHORIZED, i18n.t("login-failed")),
                AppError::Throttled { retry_after_secs } => (
                    StatusCode::TOO_MANY_REQUESTS,
                    i18n.t1("login-throttled", "minutes", (retry_after_secs + 59) / 60),
                ),
                other => return crate::error::app_error_page(ctx.lang, other),
            };
            let page = LoginPage {
                next,
                login: form.login,
                error: Some(message),
                notice: None,
                nav: None,
                i18n,
            };
            (status, render(&page.i18n, &page)).into_response()
        }
    }
}

async fn logout(State(state): State<AppState>, Ctx(ctx): Ctx) -> Response {
    if let Some(token) = &ctx.session_token
        && let Err(e) = auth::sign_out(state.store(), token).await
    {
        tracing::warn!(error = %e, "sign-out could not delete the session");
    }
    let cookie = set_cookie(SESSION_COOKIE, "", 0, ctx.secure);
    (
        [(header::SET_COOKIE, cookie)],
        Redirect::to("/login?signed_out=1"),
    )
        .into_response()
}

#[derive(Deserialize)]
struct LanguageForm {
    lang: String,
    #[serde(default)]
    next: String,
}

/// Switches the language: remembered in a cookie, and for a signed-in person
/// as his preference, so it follows him to other browsers.
async fn language(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    axum::Form(form): axum::Form<LanguageForm>,
) -> Response {
    let Some(lang) = Lang::from_code(&form.lang) else {
        return Redirect::to(safe_next(&form.next)).into_response();
    };
    if let Some(identity) = &ctx.identity
        && let Err(e) = state
            .store()
            .set_locale(identity.principal.user, Some(lang.code()))
            .await
    {
        return crate::error::app_error_page(ctx.lang, e.into());
    }
    let cookie = set_cookie(LANG_COOKIE, lang.code(), 365 * 24 * 3600, ctx.secure);
    (
        [(header::SET_COOKIE, cookie)],
        Redirect::to(safe_next(&form.next)),
    )
        .into_response()
}

// ---------------------------------------------------------------- people

struct PersonRow {
    name: String,
    login: String,
    unit: String,
    role_key: &'static str,
    active: bool,
}

#[derive(Template)]
#[template(path = "people.html")]
struct PeoplePage {
    i18n: I18n,
    nav: Option<Nav>,
    scope_note: String,
    rows: Vec<PersonRow>,
}

async fn people(State(state): State<AppState>, user: SignedIn) -> Result<Response, Response> {
    let lang = user.ctx.lang;
    let i18n = user.ctx.i18n();
    let store = state.store();
    let visibility = user.principal.visibility();
    let visible = store.users_visible(&visibility).await.or_page(lang)?;
    let units = store.org_units().await.or_page(lang)?;
    let unit_name = |id: OrgUnitId| {
        units
            .iter()
            .find(|u| u.id == id)
            .map_or_else(String::new, |u| u.name.clone())
    };
    let scope_note = match visibility {
        Visibility::Everything => i18n.t("people-scope-all"),
        Visibility::Subtree(unit) => i18n.t1("people-scope-subtree", "unit", unit_name(unit)),
        Visibility::Own(_) => i18n.t("people-scope-own"),
    };
    let rows = visible
        .into_iter()
        .map(|u| PersonRow {
            unit: unit_name(u.unit),
            name: u.display_name,
            login: u.login.to_string(),
            role_key: role_key(u.role),
            active: u.active,
        })
        .collect();
    let page = PeoplePage {
        nav: Nav::new(&user, "people", "/people"),
        scope_note,
        rows,
        i18n,
    };
    Ok(render(&page.i18n, &page))
}

// ---------------------------------------------------------------- deals

struct DealRow {
    name: String,
    customer: String,
    owner: String,
    stage: String,
    amount: String,
    close: String,
    status_key: &'static str,
}

#[derive(Template)]
#[template(path = "deals.html")]
struct DealsPage {
    i18n: I18n,
    nav: Option<Nav>,
    status: String,
    statuses: Vec<(&'static str, &'static str)>,
    rows: Vec<DealRow>,
    total: i64,
    prev: Option<i64>,
    next: Option<i64>,
}

#[derive(Deserialize)]
struct DealsQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    offset: i64,
}

const DEALS_PAGE_SIZE: i64 = 50;

fn deal_status_key(status: attain_core::sales::DealStatus) -> &'static str {
    match status {
        attain_core::sales::DealStatus::Open => "deal-status-open",
        attain_core::sales::DealStatus::Won => "deal-status-won",
        attain_core::sales::DealStatus::Lost => "deal-status-lost",
    }
}

/// The deals the person may see, newest first, in pages.
async fn deals(
    State(state): State<AppState>,
    user: SignedIn,
    Query(q): Query<DealsQuery>,
) -> Result<Response, Response> {
    let lang = user.ctx.lang;
    let i18n = user.ctx.i18n();
    let store = state.store();
    let status = q.status.parse::<attain_core::sales::DealStatus>().ok();
    let filter = attain_store::DealFilter {
        status,
        ..attain_store::DealFilter::default()
    };
    let offset = q.offset.max(0);
    let page = store
        .deals_visible(
            &user.principal.visibility(),
            &filter,
            offset,
            DEALS_PAGE_SIZE,
        )
        .await
        .or_page(lang)?;
    let customer_ids: Vec<_> = page.items.iter().map(|d| d.customer).collect();
    let customers = store.customer_names(&customer_ids).await.or_page(lang)?;
    let people: std::collections::HashMap<UserId, String> = store
        .users()
        .await
        .or_page(lang)?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect();
    let rows = page
        .items
        .iter()
        .map(|d| DealRow {
            name: d.name.clone(),
            customer: customers.get(&d.customer).cloned().unwrap_or_default(),
            owner: people.get(&d.owner).cloned().unwrap_or_default(),
            stage: d.stage.clone(),
            amount: i18n.money(&d.amount),
            close: i18n.date(d.closed_on.unwrap_or(d.expected_close_on)),
            status_key: deal_status_key(d.status),
        })
        .collect();
    let statuses = attain_core::sales::DealStatus::ALL
        .iter()
        .map(|s| (s.key(), deal_status_key(*s)))
        .collect();
    let page_view = DealsPage {
        nav: Nav::new(&user, "deals", "/deals"),
        status: status.map(|s| s.key().to_owned()).unwrap_or_default(),
        statuses,
        rows,
        total: page.total,
        prev: (offset > 0).then(|| (offset - DEALS_PAGE_SIZE).max(0)),
        next: (offset + DEALS_PAGE_SIZE < page.total).then_some(offset + DEALS_PAGE_SIZE),
        i18n,
    };
    Ok(render(&page_view.i18n, &page_view))
}

// ---------------------------------------------------------------- account

struct TokenRow {
    id: i64,
    name: String,
    created: String,
    last_used: String,
    expires: String,
    /// Message key of its state: active, expired or revoked.
    status_key: &'static str,
    live: bool,
}

/// The lifetimes offered when a token is created: the form's value and the
/// message key of its label.
const TOKEN_LIFETIMES: [(&str, &str); 4] = [
    ("30d", "token-lifetime-30d"),
    ("90d", "token-lifetime-90d"),
    ("1y", "token-lifetime-1y"),
    ("", "token-never-expires"),
];

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    i18n: I18n,
    nav: Option<Nav>,
    csrf: String,
    display_name: String,
    login: String,
    role_key: &'static str,
    unit: String,
    locale: String,
    tokens: Vec<TokenRow>,
    lifetimes: [(&'static str, &'static str); 4],
    notice: Option<String>,
    new_token: Option<String>,
}

#[derive(Deserialize)]
struct NoticeQuery {
    #[serde(default)]
    done: Option<String>,
}

/// Notices shown after a redirect, by a fixed key (never text from the URL).
fn notice_for(i18n: &I18n, done: Option<&str>) -> Option<String> {
    let key = match done? {
        "password" => "password-changed",
        "language" => "language-saved",
        "revoked" => "token-revoked-notice",
        "updated" => "users-updated",
        _ => return None,
    };
    Some(i18n.t(key))
}

async fn account_page(
    state: &AppState,
    user: &SignedIn,
    notice: Option<String>,
    new_token: Option<String>,
) -> Result<Response, Response> {
    let lang = user.ctx.lang;
    let i18n = user.ctx.i18n();
    let store = state.store();
    let credentials = store
        .credentials_of(user.principal.user)
        .await
        .or_page(lang)?;
    let unit = store
        .org_units()
        .await
        .or_page(lang)?
        .into_iter()
        .find(|u| u.id == user.principal.unit)
        .map(|u| u.name)
        .unwrap_or_default();
    let now = state.now();
    let tokens = store
        .api_tokens_of(user.principal.user)
        .await
        .or_page(lang)?
        .into_iter()
        .map(|t| {
            let expired = t.expires_at.is_some_and(|at| at <= now);
            let status_key = match (t.revoked_at.is_some(), expired) {
                (true, _) => "token-revoked",
                (false, true) => "token-expired",
                (false, false) => "status-active",
            };
            TokenRow {
                id: t.id,
                name: t.name,
                created: i18n.datetime(t.created_at),
                last_used: t
                    .last_used_at
                    .map_or_else(|| i18n.t("never"), |at| i18n.datetime(at)),
                expires: t
                    .expires_at
                    .map_or_else(|| i18n.t("token-never-expires"), |at| i18n.datetime(at)),
                status_key,
                live: status_key == "status-active",
            }
        })
        .collect();
    let page = AccountPage {
        nav: Nav::new(user, "account", "/account"),
        csrf: user.csrf.clone(),
        display_name: user.principal.display_name.clone(),
        login: user.principal.login.to_string(),
        role_key: role_key(user.principal.role),
        unit,
        locale: credentials.locale.unwrap_or_default(),
        tokens,
        lifetimes: TOKEN_LIFETIMES,
        notice,
        new_token,
        i18n,
    };
    Ok(render(&page.i18n, &page))
}

async fn account(
    State(state): State<AppState>,
    user: SignedIn,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, Response> {
    let notice = notice_for(&user.ctx.i18n(), q.done.as_deref());
    account_page(&state, &user, notice, None).await
}

#[derive(Deserialize)]
struct LocaleForm {
    #[serde(default)]
    lang: String,
}

async fn account_language(
    State(state): State<AppState>,
    user: SignedIn,
    axum::Form(form): axum::Form<LocaleForm>,
) -> Result<Response, Response> {
    let lang = Lang::from_code(&form.lang);
    state
        .store()
        .set_locale(user.principal.user, lang.map(Lang::code))
        .await
        .or_page(user.ctx.lang)?;
    Ok(Redirect::to("/account?done=language").into_response())
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    i18n: I18n,
    nav: Option<Nav>,
    csrf: String,
    must_change: bool,
    /// How many API tokens still work: the form asks whether to keep them.
    live_tokens: usize,
    error: Option<String>,
}

/// The password page, with an error or without.
async fn password_page(
    state: &AppState,
    user: &SignedIn,
    status: StatusCode,
    error: Option<String>,
) -> Response {
    let must_change = user
        .ctx
        .identity
        .as_ref()
        .is_some_and(|i| i.must_change_password);
    let now = state.now();
    let live_tokens = match state.store().api_tokens_of(user.principal.user).await {
        Ok(tokens) => tokens
            .iter()
            .filter(|t| t.revoked_at.is_none() && t.expires_at.is_none_or(|at| at > now))
            .count(),
        Err(e) => return crate::error::app_error_page(user.ctx.lang, e.into()),
    };
    let page = PasswordPage {
        nav: Nav::new(user, "account", "/account/password"),
        csrf: user.csrf.clone(),
        must_change,
        live_tokens,
        error,
        i18n: user.ctx.i18n(),
    };
    (status, render(&page.i18n, &page)).into_response()
}

async fn password_form(State(state): State<AppState>, user: SignedIn) -> Response {
    password_page(&state, &user, StatusCode::OK, None).await
}

#[derive(Deserialize)]
struct PasswordForm {
    current: String,
    new: String,
    confirm: String,
    /// `revoke` to revoke every API token; anything else keeps them.
    #[serde(default)]
    tokens: String,
}

async fn password_submit(
    State(state): State<AppState>,
    user: SignedIn,
    axum::Form(form): axum::Form<PasswordForm>,
) -> Response {
    let i18n = user.ctx.i18n();
    if form.new != form.confirm {
        let message = i18n.t("password-mismatch");
        return password_page(
            &state,
            &user,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(message),
        )
        .await;
    }
    let tokens = if form.tokens == "revoke" {
        auth::Tokens::Revoke
    } else {
        auth::Tokens::Keep
    };
    let result = auth::change_password(
        state.store(),
        &user.principal,
        &form.current,
        &form.new,
        tokens,
        &user.ctx.client_address,
        state.now(),
    )
    .await;
    let fail =
        |message: String, status: StatusCode| password_page(&state, &user, status, Some(message));
    match result {
        Ok(session) => {
            let cookie = set_cookie(
                SESSION_COOKIE,
                &session.token,
                auth::SESSION_IDLE_LIFETIME.num_seconds(),
                user.ctx.secure,
            );
            (
                [(header::SET_COOKIE, cookie)],
                Redirect::to("/account?done=password"),
            )
                .into_response()
        }
        Err(AppError::BadCredentials) => {
            fail(
                i18n.t("password-wrong-current"),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(AppError::Throttled { retry_after_secs }) => {
            let message = i18n.t1("login-throttled", "minutes", (retry_after_secs + 59) / 60);
            fail(message, StatusCode::TOO_MANY_REQUESTS).await
        }
        Err(err @ AppError::WeakPassword(_)) => {
            fail(
                crate::error::explain(&i18n, &err),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(other) => crate::error::app_error_page(user.ctx.lang, other),
    }
}

#[derive(Deserialize)]
struct TokenForm {
    name: String,
    /// A lifetime such as `90d`; empty for a token that does not expire.
    #[serde(default)]
    expires: String,
}

async fn token_create(
    State(state): State<AppState>,
    user: SignedIn,
    axum::Form(form): axum::Form<TokenForm>,
) -> Result<Response, Response> {
    let actor = Actor::person(&user.principal);
    let lifetime = match form.expires.trim() {
        "" => None,
        text => Some(auth::parse_lifetime(text).or_page(user.ctx.lang)?),
    };
    let (_, token) = auth::create_api_token(
        state.store(),
        &actor,
        user.principal.user,
        &form.name,
        lifetime,
        state.now(),
    )
    .await
    .or_page(user.ctx.lang)?;
    account_page(&state, &user, None, Some(token)).await
}

async fn token_revoke(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, Response> {
    let actor = Actor::person(&user.principal);
    // Only one's own tokens: another person's token ID is simply "not found".
    state
        .store()
        .revoke_api_token(&actor, id, Some(user.principal.user), state.now())
        .await
        .or_page(user.ctx.lang)?;
    Ok(Redirect::to("/account?done=revoked").into_response())
}

// ---------------------------------------------------------------- admin: users

struct UserRow {
    id: i64,
    name: String,
    login: String,
    unit_id: i64,
    role: &'static str,
    active: bool,
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    i18n: I18n,
    nav: Option<Nav>,
    csrf: String,
    rows: Vec<UserRow>,
    units: Vec<(i64, String)>,
    roles: Vec<(&'static str, &'static str)>,
    notice: Option<String>,
    error: Option<String>,
    one_time: Option<(String, String)>,
}

async fn users_page_with(
    state: &AppState,
    user: &SignedIn,
    status: StatusCode,
    notice: Option<String>,
    error: Option<String>,
    one_time: Option<(String, String)>,
) -> Result<Response, Response> {
    let lang = user.ctx.lang;
    let store = state.store();
    let tree = store.org_tree().await.or_page(lang)?;
    let units = tree
        .units()
        .map(|u| (u.id.raw(), tree.path(u.id).join(" / ")))
        .collect();
    let rows = store
        .users_visible(&user.principal.visibility())
        .await
        .or_page(lang)?
        .into_iter()
        .map(|u| UserRow {
            id: u.id.raw(),
            name: u.display_name,
            login: u.login.to_string(),
            unit_id: u.unit.raw(),
            role: u.role.key(),
            active: u.active,
        })
        .collect();
    let page = UsersPage {
        nav: Nav::new(user, "users", "/admin/users"),
        csrf: user.csrf.clone(),
        rows,
        units,
        roles: Role::ALL.iter().map(|r| (r.key(), role_key(*r))).collect(),
        notice,
        error,
        one_time,
        i18n: user.ctx.i18n(),
    };
    Ok((status, render(&page.i18n, &page)).into_response())
}

async fn users_page(
    State(state): State<AppState>,
    user: SignedIn,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, Response> {
    if !user.principal.can_manage_users() {
        return Err(forbidden(&user.ctx.i18n()));
    }
    let notice = notice_for(&user.ctx.i18n(), q.done.as_deref());
    users_page_with(&state, &user, StatusCode::OK, notice, None, None).await
}

#[derive(Deserialize)]
struct NewUserForm {
    login: String,
    display_name: String,
    #[serde(default)]
    email: String,
    unit: i64,
    role: String,
}

async fn user_create(
    State(state): State<AppState>,
    user: SignedIn,
    axum::Form(form): axum::Form<NewUserForm>,
) -> Result<Response, Response> {
    let i18n = user.ctx.i18n();
    if !user.principal.can_manage_users() {
        return Err(forbidden(&i18n));
    }
    let invalid = |message: String| {
        users_page_with(
            &state,
            &user,
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            Some(message),
            None,
        )
    };
    let login = match Login::new(&form.login) {
        Ok(login) => login,
        Err(_) => return invalid(i18n.t1("rejected-bad-login", "login", &form.login)).await,
    };
    let role: Role = match form.role.parse() {
        Ok(role) => role,
        Err(_) => return invalid(i18n.t("rejected-bad-role")).await,
    };
    let account = users::NewAccount {
        login,
        display_name: form.display_name,
        email: Some(form.email),
        unit: OrgUnitId::from_raw(form.unit),
        role,
        password: None,
        external_id: None,
    };
    match users::create_user(
        state.store(),
        &Actor::person(&user.principal),
        Some(&user.principal),
        account,
    )
    .await
    {
        Ok((created, password)) => {
            let secret = password.map(|p| (created.login.to_string(), p));
            users_page_with(
                &state,
                &user,
                StatusCode::OK,
                Some(i18n.t("users-created")),
                None,
                secret,
            )
            .await
        }
        Err(err @ (AppError::Invalid(_) | AppError::Rejected(_) | AppError::WeakPassword(_))) => {
            invalid(crate::error::explain(&i18n, &err)).await
        }
        Err(other) => Err(crate::error::app_error_page(user.ctx.lang, other)),
    }
}

#[derive(Deserialize)]
struct UpdateUserForm {
    unit: i64,
    role: String,
    active: String,
}

async fn user_update(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<UpdateUserForm>,
) -> Result<Response, Response> {
    if !user.principal.can_manage_users() {
        return Err(forbidden(&user.ctx.i18n()));
    }
    let changes = UserChanges {
        unit: Some(OrgUnitId::from_raw(form.unit)),
        role: form.role.parse().ok(),
        active: Some(form.active == "true"),
        ..UserChanges::default()
    };
    match users::update_user(
        state.store(),
        &Actor::person(&user.principal),
        Some(&user.principal),
        UserId::from_raw(id),
        changes,
    )
    .await
    {
        Ok(_) => Ok(Redirect::to("/admin/users?done=updated").into_response()),
        Err(err @ (AppError::Invalid(_) | AppError::Rejected(_))) => {
            users_page_with(
                &state,
                &user,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(crate::error::explain(&user.ctx.i18n(), &err)),
                None,
            )
            .await
        }
        Err(other) => Err(crate::error::app_error_page(user.ctx.lang, other)),
    }
}

async fn user_reset_password(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, Response> {
    if !user.principal.can_manage_users() {
        return Err(forbidden(&user.ctx.i18n()));
    }
    let target = state
        .store()
        .user(UserId::from_raw(id))
        .await
        .or_page(user.ctx.lang)?;
    let reset = users::reset_password(
        state.store(),
        &Actor::person(&user.principal),
        Some(&user.principal),
        target.id,
        None,
    )
    .await
    .or_page(user.ctx.lang)?;
    let i18n = user.ctx.i18n();
    let notice = Some(i18n.ta(
        "users-reset-done",
        &[
            ("login", target.login.to_string()),
            ("tokens", reset.tokens_revoked.to_string()),
        ],
    ));
    let secret = reset.one_time.map(|p| (target.login.to_string(), p));
    users_page_with(&state, &user, StatusCode::OK, notice, None, secret).await
}

// ---------------------------------------------------------------- audit

struct AuditRow {
    at: String,
    actor: String,
    action_key: &'static str,
    entity: String,
    entity_id: String,
    changes: Vec<FieldChange>,
}

/// One field of an audit entry: the old and new value where they differ.
struct FieldChange {
    field: String,
    before: Option<String>,
    after: Option<String>,
}

fn show(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "—".to_owned(),
        other => other.to_string(),
    }
}

/// The fields that changed (all fields for a create or delete), in name order.
fn field_changes(
    before: Option<&serde_json::Value>,
    after: Option<&serde_json::Value>,
) -> Vec<FieldChange> {
    let empty = serde_json::Map::new();
    let b = before.and_then(|v| v.as_object()).unwrap_or(&empty);
    let a = after.and_then(|v| v.as_object()).unwrap_or(&empty);
    let mut fields: Vec<&String> = b.keys().chain(a.keys()).collect();
    fields.sort();
    fields.dedup();
    fields
        .into_iter()
        .filter(|f| b.get(*f) != a.get(*f) || before.is_none() || after.is_none())
        .map(|f| FieldChange {
            field: f.clone(),
            before: b.get(f).map(show),
            after: a.get(f).map(show),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    i18n: I18n,
    nav: Option<Nav>,
    entity: String,
    entities: Vec<(&'static str, String)>,
    rows: Vec<AuditRow>,
    older: Option<i64>,
}

#[derive(Deserialize)]
struct AuditQuery {
    #[serde(default)]
    entity: String,
    #[serde(default)]
    before: Option<i64>,
}

const AUDIT_PAGE_SIZE: i64 = 50;

/// The kinds of record the audit log holds.
const AUDITED: &[&str] = &[
    "user",
    "api_token",
    "org_unit",
    "metric",
    "goal",
    "plan",
    "plan_assignment",
    "payout_run",
    "statement",
];

/// A kind of record for people, in their language.
fn entity_label(i18n: &I18n, entity: &str) -> String {
    match entity {
        "user" => i18n.t("audit-entity-user"),
        "api_token" => i18n.t("audit-entity-api_token"),
        "org_unit" => i18n.t("audit-entity-org_unit"),
        "metric" => i18n.t("audit-entity-metric"),
        "goal" => i18n.t("audit-entity-goal"),
        "plan" => i18n.t("audit-entity-plan"),
        "plan_assignment" => i18n.t("audit-entity-plan_assignment"),
        "payout_run" => i18n.t("audit-entity-payout_run"),
        "statement" => i18n.t("audit-entity-statement"),
        other => other.to_owned(),
    }
}

async fn audit(
    State(state): State<AppState>,
    user: SignedIn,
    Query(q): Query<AuditQuery>,
) -> Result<Response, Response> {
    let i18n = user.ctx.i18n();
    if !user.principal.can_read_audit_log() {
        return Err(forbidden(&i18n));
    }
    let entity = (!q.entity.is_empty()).then_some(q.entity.as_str());
    let entries = state
        .store()
        .audit_log(entity, AUDIT_PAGE_SIZE, q.before)
        .await
        .or_page(user.ctx.lang)?;
    let older = (i64::try_from(entries.len()).unwrap_or(0) == AUDIT_PAGE_SIZE)
        .then(|| entries.last().map(|e| e.id))
        .flatten();
    let rows = entries
        .iter()
        .map(|e| AuditRow {
            at: i18n.datetime(e.at),
            actor: e.actor.clone(),
            action_key: match e.action.as_str() {
                "create" => "action-create",
                "delete" => "action-delete",
                _ => "action-update",
            },
            entity: entity_label(&i18n, &e.entity),
            entity_id: e.entity_id.clone(),
            changes: field_changes(e.before.as_ref(), e.after.as_ref()),
        })
        .collect();
    let page = AuditPage {
        nav: Nav::new(&user, "audit", "/audit"),
        entity: q.entity.clone(),
        entities: AUDITED
            .iter()
            .map(|e| (*e, entity_label(&i18n, e)))
            .collect(),
        rows,
        older,
        i18n,
    };
    Ok(render(&page.i18n, &page))
}

pub(crate) async fn not_found(Ctx(ctx): Ctx) -> Response {
    let i18n = ctx.i18n();
    error_page(
        &i18n,
        StatusCode::NOT_FOUND,
        &i18n.t("error-page-not-found-title"),
        &i18n.t("error-page-not-found-message"),
    )
}
