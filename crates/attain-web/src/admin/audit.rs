//! The audit log, for administrators and sales ops: the page and `/api/v1/audit`.

use askama::Template;
use attain_core::UserId;
use attain_store::AuditEntry;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use crate::http::context::{ApiUser, SignedIn};
use crate::http::error::ErrorBody;
use crate::http::error::{OrPage, render};
use crate::http::i18n::I18n;
use crate::http::layout::{Nav, forbidden};
use crate::{ApiError, AppState};

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/audit", get(audit))
}

pub(crate) fn api_routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    utoipa_axum::router::OpenApiRouter::new().routes(utoipa_axum::routes!(api_audit))
}

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

#[derive(Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
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
    let entries = attain_app::audit::read(
        state.store(),
        &user.principal,
        entity,
        AUDIT_PAGE_SIZE,
        q.before,
    )
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

/// The audit log pages backwards by `before` (an entry ID); an `offset`
/// or any other parameter is a 400 naming it, never ignored.
#[derive(Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
struct ApiAuditQuery {
    #[serde(default)]
    entity: Option<String>,
    #[serde(default)]
    before: Option<i64>,
    #[serde(default)]
    limit: Option<i64>,
}

#[derive(Serialize, utoipa::ToSchema)]
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

#[utoipa::path(get, path = "/audit", tag = "audit", params(ApiAuditQuery), responses((status = 200, body = Vec<Object>, description = "Audit entries, newest first"), (status = "4XX", body = ErrorBody, description = "A problem: not signed in, not allowed, not found, or a bad value (the error names it)")))]
async fn api_audit(
    State(state): State<AppState>,
    caller: ApiUser,
    Query(q): Query<ApiAuditQuery>,
) -> Result<Json<Vec<AuditDto>>, ApiError> {
    let (_, limit) = ApiError::paging(None, q.limit, 100, crate::http::error::MAX_PAGE)?;
    let entries = attain_app::audit::read(
        state.store(),
        &caller.principal,
        q.entity.as_deref(),
        limit,
        q.before,
    )
    .await?;
    Ok(Json(entries.into_iter().map(AuditDto::from).collect()))
}
