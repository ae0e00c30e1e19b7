//! `/api/v1/units`: the org units a caller may see; admins create, rename,
//! move and delete them (audited).

use attain_core::{OrgUnitId, OrgUnitKind, Visibility};
use attain_store::NewOrgUnit;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use axum::Json;
use serde::Deserialize;
use serde_json::{Value, json};

use attain_app::goals::By;

use crate::http::context::ApiUser;
use crate::http::error::ErrorBody;
use crate::{ApiError, AppState};

pub(crate) fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    utoipa_axum::router::OpenApiRouter::new()
        .routes(utoipa_axum::routes!(list, create))
        .routes(utoipa_axum::routes!(update, remove))
}

#[utoipa::path(get, path = "/units", tag = "units", operation_id = "list_units", responses((status = 200, body = Vec<Object>, description = "The org units the caller may see"), (status = "4XX", body = ErrorBody, description = "A problem: not signed in, not allowed, not found, or a bad value (the error names it)")))]
async fn list(State(state): State<AppState>, user: ApiUser) -> Result<Json<Value>, ApiError> {
    let tree = state.store().org_tree().await?;
    let root = match user.principal.visibility() {
        Visibility::Everything => tree.units().next().map(|u| u.id),
        Visibility::Subtree(u) => Some(u),
        Visibility::Own(_) => tree.unit_of(user.principal.user),
    };
    let ids: Vec<OrgUnitId> = match (user.principal.visibility(), root) {
        (Visibility::Own(_), Some(u)) => vec![u],
        (_, Some(r)) => tree.subtree(r).to_vec(),
        _ => Vec::new(),
    };
    Ok(Json(Value::Array(
        ids.iter()
            .filter_map(|id| tree.unit(*id))
            .map(|u| json!({"id": u.id.raw(), "parent": u.parent.map(OrgUnitId::raw), "name": u.name, "kind": u.kind.key(), "path": tree.path(u.id)}))
            .collect(),
    )))
}

#[derive(Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
pub(crate) struct NewUnitBody {
    parent: i64,
    name: String,
    #[serde(default = "team")]
    kind: String,
}

fn team() -> String {
    "team".into()
}

#[utoipa::path(post, path = "/units", tag = "units", operation_id = "create_unit", request_body = NewUnitBody, responses((status = 201, body = Object, description = "The new unit's id"), (status = "4XX", body = ErrorBody, description = "A problem: not signed in, not allowed, not found, or a bad value (the error names it)")))]
async fn create(
    State(state): State<AppState>,
    user: ApiUser,
    Json(body): Json<NewUnitBody>,
) -> Result<Response, ApiError> {
    attain_app::units::may_manage(By::Person(&user.principal))?;
    let kind: OrgUnitKind = body.kind.parse().map_err(|_| {
        ApiError::bad_request(format!(
            "kind: '{}' is not region, department or team",
            body.kind
        ))
        .with_details(json!({"field": "kind", "value": body.kind}))
    })?;
    let unit = NewOrgUnit {
        parent: Some(OrgUnitId::from_raw(body.parent)),
        name: body.name,
        kind,
        external_id: None,
    };
    let id = attain_app::units::create(state.store(), By::Person(&user.principal), &unit).await?;
    Ok((StatusCode::CREATED, Json(json!({"id": id.raw()}))).into_response())
}

#[derive(Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
pub(crate) struct UnitChangesBody {
    name: Option<String>,
    parent: Option<i64>,
}

#[utoipa::path(put, path = "/units/{id}", tag = "units", operation_id = "update_unit", params(("id" = i64, Path, description = "The unit's ID")), request_body = UnitChangesBody, responses((status = 204, description = "Changed"), (status = "4XX", body = ErrorBody, description = "A problem: not signed in, not allowed, not found, or a bad value (the error names it)")))]
async fn update(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    Json(body): Json<UnitChangesBody>,
) -> Result<Response, ApiError> {
    attain_app::units::update(
        state.store(),
        By::Person(&user.principal),
        OrgUnitId::from_raw(id),
        body.name.as_deref(),
        body.parent.map(OrgUnitId::from_raw),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[utoipa::path(delete, path = "/units/{id}", tag = "units", operation_id = "remove_unit", params(("id" = i64, Path, description = "The unit's ID")), responses((status = 204, description = "Removed"), (status = "4XX", body = ErrorBody, description = "A problem: not signed in, not allowed, not found, or a bad value (the error names it)")))]
async fn remove(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    attain_app::units::delete(
        state.store(),
        By::Person(&user.principal),
        OrgUnitId::from_raw(id),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
