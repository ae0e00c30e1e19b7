//! `/api/v1/me` and `/api/v1/tokens`: who is calling, and his own API tokens.

use attain_app::auth;
use attain_store::Actor;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::http::api::UserDto;
use crate::http::context::ApiUser;
use crate::http::error::ErrorBody;
use crate::{ApiError, AppState};

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(me))
        .routes(routes!(list_tokens, create_token))
        .routes(routes!(revoke_token))
}

#[derive(Serialize, utoipa::ToSchema)]
struct Me {
    #[serde(flatten)]
    user: UserDto,
    authenticated_by: &'static str,
    can_manage_users: bool,
    can_read_audit_log: bool,
}

/// Who is calling, how, and what he may manage.
#[utoipa::path(get, path = "/me", tag = "account",
    responses((status = 200, body = Me), (status = "4XX", body = ErrorBody)))]
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

#[derive(Serialize, utoipa::ToSchema)]
struct TokenDto {
    id: i64,
    name: String,
    created_at: String,
    last_used_at: Option<String>,
    revoked_at: Option<String>,
    expires_at: Option<String>,
}

/// The caller's API tokens (never the tokens themselves).
#[utoipa::path(get, path = "/tokens", tag = "account",
    responses((status = 200, body = Vec<TokenDto>), (status = "4XX", body = ErrorBody)))]
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

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct NewTokenBody {
    name: String,
    /// A lifetime such as `90d`, `12w`, `6m` or `1y`; none: no expiry.
    #[serde(default)]
    expires: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct NewTokenDto {
    id: i64,
    name: String,
    /// Shown once; only its hash is stored.
    token: String,
}

/// Creates an API token for the caller; the token is in this answer only.
#[utoipa::path(post, path = "/tokens", tag = "account", request_body = NewTokenBody,
    responses((status = 201, body = NewTokenDto), (status = "4XX", body = ErrorBody)))]
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

/// Revokes one of the caller's tokens (an administrator: anyone's).
#[utoipa::path(delete, path = "/tokens/{id}", tag = "account",
    params(("id" = i64, Path, description = "The token's ID")),
    responses((status = 204, description = "Revoked"), (status = "4XX", body = ErrorBody)))]
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
