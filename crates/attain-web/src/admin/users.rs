//! Users, for administrators: the users page and `/api/v1/users`.

use askama::Template;
use attain_app::{AppError, users};
use attain_core::{Login, OrgUnitId, Role, UserId};
use attain_store::{Actor, User, UserChanges};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use crate::http::api::UserDto;
use crate::http::context::{ApiUser, SignedIn};
use crate::http::error::ErrorBody;
use crate::http::error::{OrPage, render};
use crate::http::i18n::I18n;
use crate::http::layout::{Nav, NoticeQuery, forbidden, notice_for, role_key};
use crate::{ApiError, AppState};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/users", get(users_page).post(user_create))
        .route("/admin/users/{id}", post(user_update))
        .route("/admin/users/{id}/password", post(user_reset_password))
}

pub(crate) fn api_routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    utoipa_axum::router::OpenApiRouter::new()
        .routes(utoipa_axum::routes!(list_users, create_user))
        .routes(utoipa_axum::routes!(get_user, update_user))
}

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

#[derive(Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
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
            invalid(crate::http::error::explain(&i18n, &err)).await
        }
        Err(other) => Err(crate::http::error::app_error_page(user.ctx.lang, other)),
    }
}

#[derive(Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
struct UpdateUserForm {
    unit: i64,
    role: String,
    active: String,
    /// The new unit's first day; empty: today.
    #[serde(default)]
    unit_from: String,
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
    let unit_from = match form.unit_from.trim() {
        "" => state.today(),
        text => match text.parse::<chrono::NaiveDate>() {
            Ok(d) => d,
            Err(_) => {
                return users_page_with(
                    &state,
                    &user,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    None,
                    Some(user.ctx.i18n().t("users-unit-from-bad")),
                    None,
                )
                .await;
            }
        },
    };
    let changes = UserChanges {
        unit: Some(OrgUnitId::from_raw(form.unit)),
        role: form.role.parse().ok(),
        active: Some(form.active == "true"),
        unit_from: Some(unit_from),
        ..UserChanges::default()
    };
    match users::update_user(
        state.store(),
        &Actor::person(&user.principal),
        Some(&user.principal),
        UserId::from_raw(id),
        changes,
        state.today(),
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
                Some(crate::http::error::explain(&user.ctx.i18n(), &err)),
                None,
            )
            .await
        }
        Err(other) => Err(crate::http::error::app_error_page(user.ctx.lang, other)),
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
        state.now(),
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

#[derive(Serialize, utoipa::ToSchema)]
struct Page<T> {
    items: Vec<T>,
    total: usize,
    offset: i64,
    limit: i64,
}

#[derive(Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
struct Paging {
    #[serde(default)]
    offset: Option<i64>,
    #[serde(default)]
    limit: Option<i64>,
    #[serde(default)]
    role: Option<String>,
}

#[utoipa::path(get, path = "/users", tag = "users", params(Paging), responses((status = 200, body = Page<UserDto>), (status = "4XX", body = ErrorBody, description = "A problem: not signed in, not allowed, not found, or a bad value (the error names it)")))]
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
    let (offset, limit) = ApiError::paging(q.offset, q.limit, 100, crate::http::error::MAX_PAGE)?;
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

#[utoipa::path(get, path = "/users/{id}", tag = "users", params(("id" = i64, Path, description = "The user's ID")), responses((status = 200, body = UserDto), (status = "4XX", body = ErrorBody, description = "A problem: not signed in, not allowed, not found, or a bad value (the error names it)")))]
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

#[derive(Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
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

#[derive(Serialize, utoipa::ToSchema)]
struct Created {
    user: UserDto,
    /// Present when no password was given: shown once, to hand over.
    one_time_password: Option<String>,
}

fn field_error(field: &str, value: &str, message: String) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message)
        .with_details(serde_json::json!({"field": field, "value": value}))
}

#[utoipa::path(post, path = "/users", tag = "users", request_body = NewUserBody, responses((status = 201, body = Created), (status = "4XX", body = ErrorBody, description = "A problem: not signed in, not allowed, not found, or a bad value (the error names it)")))]
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

#[derive(Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
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
    /// With a new unit: the first day in it (default: today).
    #[serde(default)]
    unit_from: Option<chrono::NaiveDate>,
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

#[utoipa::path(put, path = "/users/{id}", tag = "users", params(("id" = i64, Path, description = "The user's ID")), request_body = UpdateUserBody, responses((status = 200, body = UserDto), (status = "4XX", body = ErrorBody, description = "A problem: not signed in, not allowed, not found, or a bad value (the error names it)")))]
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
        unit_from: body.unit_from,
    };
    let user = users::update_user(
        state.store(),
        &Actor::person(&caller.principal),
        Some(&caller.principal),
        id,
        changes,
        state.today(),
    )
    .await?;
    Ok(Json(user.into()))
}
