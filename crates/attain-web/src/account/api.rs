//! `/api/v1/me` and `/api/v1/tokens`: who is calling, and his own API tokens.

use attain_app::auth;
use attain_store::Actor;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use crate::http::api::UserDto;
use crate::http::context::ApiUser;
use crate::{ApiError, AppState};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/me", get(me))
        .route("/tokens", get(list_tokens).post(create_token))
        .route("/tokens/{id}", delete(revoke_token))
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
        Some(&caller.principal),
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
    attain_app::auth::revoke_api_token(
        state.store(),
        &caller.principal,
        id,
        attain_app::auth::TokenOwner::AnyoneHeManages,
        state.now(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
