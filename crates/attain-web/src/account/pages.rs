//! Signing in and out, the language, and a person's own account: his
//! password and API tokens.

use askama::Template;
use attain_app::{AppError, auth};
use attain_store::Actor;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use crate::AppState;
use crate::http::context::{Ctx, LANG_COOKIE, SESSION_COOKIE, SignedIn, set_cookie};
use crate::http::error::{OrPage, render};
use crate::http::i18n::{I18n, Lang};
use crate::http::layout::{Nav, NoticeQuery, notice_for, role_key, safe_next};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_form).post(login_submit))
        .route("/logout", post(logout))
        .route("/language", post(language))
        .route("/account", get(account))
        .route("/account/language", post(account_language))
        .route(
            "/account/password",
            get(password_form).post(password_submit),
        )
        .route("/account/tokens", post(token_create))
        .route("/account/tokens/{id}/revoke", post(token_revoke))
}

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
                other => return crate::http::error::app_error_page(ctx.lang, other),
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
        return crate::http::error::app_error_page(ctx.lang, e.into());
    }
    let cookie = set_cookie(LANG_COOKIE, lang.code(), 365 * 24 * 3600, ctx.secure);
    (
        [(header::SET_COOKIE, cookie)],
        Redirect::to(safe_next(&form.next)),
    )
        .into_response()
}

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
        Err(e) => return crate::http::error::app_error_page(user.ctx.lang, e.into()),
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
                crate::http::error::explain(&i18n, &err),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(other) => crate::http::error::app_error_page(user.ctx.lang, other),
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
        Some(&user.principal),
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
    // Only one's own tokens: another person's token ID is simply "not found".
    attain_app::auth::revoke_api_token(
        state.store(),
        &user.principal,
        id,
        attain_app::auth::TokenOwner::Own,
        state.now(),
    )
    .await
    .or_page(user.ctx.lang)?;
    Ok(Redirect::to("/account?done=revoked").into_response())
}
