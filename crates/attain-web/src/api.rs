//! The JSON API under `/api/v1`. Every endpoint needs a session or an API
//! token ([`ApiUser`]); reads go through the caller's visibility, so another
//! person's record looks exactly like a missing one (404), while an action
//! the role does not allow is a 403.

use attain_app::{auth, users};
use attain_core::{Login, OrgUnitId, Period, Role, UserId};
use attain_store::{Actor, AuditEntry, User, UserChanges};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use crate::context::ApiUser;
use crate::{ApiError, AppState};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/status", get(status))
        .route("/periods/{period}", get(period))
        .route("/me", get(me))
        .route("/users", get(list_users).post(create_user))
        .route("/users/{id}", get(get_user).put(update_user))
        .route("/tokens", get(list_tokens).post(create_token))
        .route("/tokens/{id}", delete(revoke_token))
        .route("/audit", get(audit))
        .merge(crate::api_sales::routes())
        .merge(crate::api_write::routes())
        .merge(crate::api_records::routes())
        .merge(crate::api_kpi::routes())
        .merge(crate::api_units::routes())
        .merge(crate::api_goals::routes())
        .merge(crate::api_pay::routes())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
}

/// `/api/…` paths that match nothing.
pub(crate) async fn not_found() -> ApiError {
    ApiError::not_found("no API endpoint at this path")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this endpoint does not accept that HTTP method",
    )
}

#[derive(Serialize)]
struct Health {
    status: &'static str,
    database: &'static str,
}

/// Liveness and readiness: 200 when the database answers, 503 otherwise. Public.
pub(crate) async fn healthz(State(state): State<AppState>) -> Response {
    let database = state.store().backend().name();
    match state.store().ping().await {
        Ok(()) => Json(Health {
            status: "ok",
            database,
        })
        .into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "health check failed");
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "storage_unavailable",
                "the database does not answer",
            )
            .into_response()
        }
    }
}

#[derive(Serialize)]
struct Status {
    version: &'static str,
    backend: &'static str,
    company: String,
    base_currency: &'static str,
    fiscal_year_starts_in_month: u32,
}

async fn status(State(state): State<AppState>, _: ApiUser) -> Result<Json<Status>, ApiError> {
    let settings = state.store().settings().await?;
    Ok(Json(Status {
        version: crate::VERSION,
        backend: state.store().backend().name(),
        company: settings.name,
        base_currency: settings.base_currency.code(),
        fiscal_year_starts_in_month: settings.calendar.first_month(),
    }))
}

/// A period as the API shows it: dates are ISO, `end` is inclusive.
#[derive(Serialize)]
struct PeriodDto {
    period: String,
    start: String,
    end: String,
    days: i64,
}

impl From<&Period> for PeriodDto {
    fn from(p: &Period) -> Self {
        Self {
            period: p.to_string(),
            start: p.start().to_string(),
            end: p.last_day().to_string(),
            days: p.days(),
        }
    }
}

#[derive(Serialize)]
struct PeriodDetail {
    #[serde(flatten)]
    period: PeriodDto,
    previous: Option<PeriodDto>,
    same_period_last_year: Option<PeriodDto>,
    sub_periods: Vec<PeriodDto>,
}

/// Resolves a period in the organisation's fiscal calendar.
async fn period(
    State(state): State<AppState>,
    _: ApiUser,
    Path(text): Path<String>,
) -> Result<Json<PeriodDetail>, ApiError> {
    let settings = state.store().settings().await?;
    let period = settings.calendar.parse(&text).map_err(|e| {
        ApiError::bad_request(e.to_string())
            .with_details(serde_json::json!({"field": "period", "value": text}))
    })?;
    Ok(Json(PeriodDetail {
        period: PeriodDto::from(&period),
        previous: period.previous().ok().as_ref().map(PeriodDto::from),
        same_period_last_year: period
            .same_period_last_year()
            .ok()
            .as_ref()
            .map(PeriodDto::from),
        sub_periods: period.sub_periods().iter().map(PeriodDto::from).collect(),
    }))
}

/// A user as the API shows it.
#[derive(Serialize)]
struct UserDto {
    id: i64,
    login: String,
    display_name: String,
    email: Option<String>,
    unit: i64,
    role: &'static str,
    active: bool,
}

impl From<User> for UserDto {
    fn from(u: User) -> Self {
        Self {
            id: u.id.raw(),
            login: u.login.to_string(),
            display_name: u.display_name,
            email: u.email,
            unit: u.unit.raw(),
            role: u.role.key(),
            active: u.active,
        }
    }
}

#[derive(Serialize)]
struct Me {
    #[serde(flatten)]
    user: UserDto,
    authenticated_by: &'static str,
    can_manage_users: bool,
    can_read_audit_log: bool,
}

async fn me(State(state): State<AppState>, caller: ApiUser) -> Result<Json<Me>, ApiError> {
    let user = state.store().user(caller.principal.user).await?;
    Ok(Json(Me {
        user: user.into(),
        authenticated_by: match caller.via {
            auth::Via::Session => "session",
            auth::Via::ApiToken => "api_token",
        },
        can_manage_users: caller.principal.can_manage_users(),
        can_read_audit_log: caller.principal.can_read_audit_log(),
    }))
}

#[derive(Serialize)]
struct Page<T> {
    items: Vec<T>,
    total: usize,
    offset: i64,
    limit: i64,
}

#[derive(Deserialize)]
struct Paging {
    #[serde(default)]
    offset: Option<i64>,
    #[serde(default)]
    limit: Option<i64>,
    #[serde(default)]
    role: Option<String>,
}

async fn list_users(
    State(state): State<AppState>,
    caller: ApiUser,
    Query(q): Query<Paging>,
) -> Result<Json<Page<UserDto>>, ApiError> {
    let role = match &q.role {
        Some(text) => Some(text.parse::<Role>().map_err(|e| {
            ApiError::bad_request(e.to_string())
                .with_details(serde_json::json!({"field": "role", "value": text}))
        })?),
        None => None,
    };
    let (offset, limit) = ApiError::paging(q.offset, q.limit, 100, crate::error::MAX_PAGE)?;
    let all: Vec<User> = state
        .store()
        .users_visible(&caller.principal.visibility())
        .await?
        .into_iter()
        .filter(|u| role.is_none_or(|r| u.role == r))
        .collect();
    let total = all.len();
    let items = all
        .into_iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or(0))
        .map(UserDto::from)
        .collect();
    Ok(Json(Page {
        items,
        total,
        offset,
        limit,
    }))
}

fn parse_user_id(text: &str) -> Result<UserId, ApiError> {
    text.parse().map_err(|e: attain_core::ids::IdParseError| {
        ApiError::bad_request(e.to_string())
            .with_details(serde_json::json!({"field": "id", "value": text}))
    })
}

async fn get_user(
    State(state): State<AppState>,
    caller: ApiUser,
    Path(id): Path<String>,
) -> Result<Json<UserDto>, ApiError> {
    let id = parse_user_id(&id)?;
    let user = state
        .store()
        .user_visible(&caller.principal.visibility(), id)
        .await?;
    Ok(Json(user.into()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewUserBody {
    login: String,
    display_name: String,
    #[serde(default)]
    email: Option<String>,
    unit: i64,
    role: String,
    #[serde(default)]
    password: Option<String>,
}

#[derive(Serialize)]
struct Created {
    user: UserDto,
    /// Present when no password was given: shown once, to hand over.
    one_time_password: Option<String>,
}

fn field_error(field: &str, value: &str, message: String) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message)
        .with_details(serde_json::json!({"field": field, "value": value}))
}

async fn create_user(
    State(state): State<AppState>,
    caller: ApiUser,
    Json(body): Json<NewUserBody>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    if !caller.principal.can_manage_users() {
        return Err(ApiError::forbidden("only an administrator manages users"));
    }
    let login =
        Login::new(&body.login).map_err(|e| field_error("login", &body.login, e.to_string()))?;
    let role: Role = body
        .role
        .parse()
        .map_err(|e: attain_core::user::UnknownRole| {
            field_error("role", &body.role, e.to_string())
        })?;
    let account = users::NewAccount {
        login,
        display_name: body.display_name,
        email: body.email,
        unit: OrgUnitId::from_raw(body.unit),
        role,
        password: body.password,
        external_id: None,
    };
    let (user, one_time_password) = users::create_user(
        state.store(),
        &Actor::person(&caller.principal),
        Some(&caller.principal),
        account,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(Created {
            user: user.into(),
            one_time_password,
        }),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateUserBody {
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default, with = "double_option")]
    email: Option<Option<String>>,
    #[serde(default)]
    unit: Option<i64>,
    #[serde(default)]
    role: Option<String>,
    #[serde(default)]
    active: Option<bool>,
}

/// Distinguishes a missing field (leave as is) from `null` (clear it).
mod double_option {
    use serde::{Deserialize, Deserializer};
    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Option<String>>, D::Error> {
        Option::<String>::deserialize(d).map(Some)
    }
}

async fn update_user(
    State(state): State<AppState>,
    caller: ApiUser,
    Path(id): Path<String>,
    Json(body): Json<UpdateUserBody>,
) -> Result<Json<UserDto>, ApiError> {
    let id = parse_user_id(&id)?;
    if !caller.principal.can_manage_users() {
        // Do not confirm that the user exists to someone who may not see him.
        state
            .store()
            .user_visible(&caller.principal.visibility(), id)
            .await?;
        return Err(ApiError::forbidden("only an administrator manages users"));
    }
    let role = match &body.role {
        Some(text) => Some(
            text.parse::<Role>()
                .map_err(|e| field_error("role", text, e.to_string()))?,
        ),
        None => None,
    };
    let changes = UserChanges {
        display_name: body.display_name,
        email: body.email,
        unit: body.unit.map(OrgUnitId::from_raw),
        role,
        active: body.active,
    };
    let user = users::update_user(
        state.store(),
        &Actor::person(&caller.principal),
        Some(&caller.principal),
        id,
        changes,
    )
    .await?;
    Ok(Json(user.into()))
}

#[derive(Serialize)]
struct TokenDto {
    id: i64,
    name: String,
    created_at: String,
    last_used_at: Option<String>,
    revoked_at: Option<String>,
    expires_at: Option<String>,
}

async fn list_tokens(
    State(state): State<AppState>,
    caller: ApiUser,
) -> Result<Json<Vec<TokenDto>>, ApiError> {
    let tokens = state.store().api_tokens_of(caller.principal.user).await?;
    Ok(Json(
        tokens
            .into_iter()
            .map(|t| TokenDto {
                id: t.id,
                name: t.name,
                created_at: t.created_at.to_rfc3339(),
                last_used_at: t.last_used_at.map(|x| x.to_rfc3339()),
                revoked_at: t.revoked_at.map(|x| x.to_rfc3339()),
                expires_at: t.expires_at.map(|x| x.to_rfc3339()),
            })
            .collect(),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewTokenBody {
    name: String,
    /// A lifetime such as `90d`, `12w`, `6m` or `1y`; none: no expiry.
    #[serde(default)]
    expires: Option<String>,
}

#[derive(Serialize)]
struct NewTokenDto {
    id: i64,
    name: String,
    /// Shown once; only its hash is stored.
    token: String,
}

async fn create_token(
    State(state): State<AppState>,
    caller: ApiUser,
    Json(body): Json<NewTokenBody>,
) -> Result<(StatusCode, Json<NewTokenDto>), ApiError> {
    let actor = Actor::person(&caller.principal);
    let lifetime = match body.expires.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => Some(
            auth::parse_lifetime(text)
                .map_err(|e| ApiError::bad_field("expires", text, format!("expires: {}", e)))?,
        ),
    };
    let (id, token) = auth::create_api_token(
        state.store(),
        &actor,
        caller.principal.user,
        &body.name,
        lifetime,
        state.now(),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(NewTokenDto {
            id,
            name: body.name.trim().to_owned(),
            token,
        }),
    ))
}

async fn revoke_token(
    State(state): State<AppState>,
    caller: ApiUser,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    let owner = (!caller.principal.can_manage_users()).then_some(caller.principal.user);
    state
        .store()
        .revoke_api_token(&Actor::person(&caller.principal), id, owner, state.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The audit log pages backwards by `before` (an entry ID); an `offset`
/// or any other parameter is a 400 naming it, never ignored.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AuditQuery {
    #[serde(default)]
    entity: Option<String>,
    #[serde(default)]
    before: Option<i64>,
    #[serde(default)]
    limit: Option<i64>,
}

#[derive(Serialize)]
struct AuditDto {
    id: i64,
    at: String,
    actor: String,
    actor_id: Option<i64>,
    action: String,
    entity: String,
    entity_id: String,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
}

impl From<AuditEntry> for AuditDto {
    fn from(e: AuditEntry) -> Self {
        Self {
            id: e.id,
            at: e.at.to_rfc3339(),
            actor: e.actor,
            actor_id: e.actor_id.map(UserId::raw),
            action: e.action,
            entity: e.entity,
            entity_id: e.entity_id,
            before: e.before,
            after: e.after,
        }
    }
}

async fn audit(
    State(state): State<AppState>,
    caller: ApiUser,
    Query(q): Query<AuditQuery>,
) -> Result<Json<Vec<AuditDto>>, ApiError> {
    if !caller.principal.can_read_audit_log() {
        return Err(ApiError::forbidden(
            "only administrators and sales operations read the audit log",
        ));
    }
    let (_, limit) = ApiError::paging(None, q.limit, 100, crate::error::MAX_PAGE)?;
    let entries = state
        .store()
        .audit_log(q.entity.as_deref(), limit, q.before)
        .await?;
    Ok(Json(entries.into_iter().map(AuditDto::from).collect()))
}
