//! `GET /api/v1/kpi`: any metric for a scope and period, broken down, within
//! the caller's visibility; `GET /api/v1/kpi/metrics`: the catalogue.

use attain_core::Visibility;
use attain_core::kpi::{CATALOGUE, Expr};
use attain_kpi::{Dim, KpiAnswer, KpiQuery, Scope};
use axum::extract::{Query, State};

use axum::Json;
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::http::context::{ApiUser, Org};
use crate::http::error::ErrorBody;
use crate::{ApiError, AppState};

pub(crate) fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    utoipa_axum::router::OpenApiRouter::new()
        .routes(utoipa_axum::routes!(kpi))
        .routes(utoipa_axum::routes!(metrics))
        .routes(utoipa_axum::routes!(list_custom, save_custom))
        .routes(utoipa_axum::routes!(delete_custom))
}

#[utoipa::path(get, path = "/kpi/custom", tag = "kpi", responses((status = 200, body = Vec<Object>, description = "Custom metrics"), (status = "4XX", body = ErrorBody, description = "A problem: not signed in, not allowed, not found, or a bad value (the error names it)")))]
async fn list_custom(
    State(state): State<AppState>,
    _user: ApiUser,
) -> Result<Json<Value>, ApiError> {
    let metrics = state.store().custom_metrics().await?;
    Ok(Json(Value::Array(
        metrics
            .into_iter()
            .map(|m| json!({"key": m.key, "name": {"en": m.name_en, "zh-CN": m.name_zh}, "formula": m.formula, "unit": m.unit}))
            .collect(),
    )))
}

#[derive(Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
pub(crate) struct CustomBody {
    key: String,
    formula: String,
    #[serde(default = "ratio")]
    unit: String,
    #[serde(default)]
    name_en: String,
    #[serde(default)]
    name_zh: String,
}

fn ratio() -> String {
    "ratio".into()
}

#[utoipa::path(post, path = "/kpi/custom", tag = "kpi", request_body = CustomBody, responses((status = 204, description = "Saved"), (status = "4XX", body = ErrorBody, description = "A problem: not signed in, not allowed, not found, or a bad value (the error names it)")))]
async fn save_custom(
    State(state): State<AppState>,
    user: ApiUser,
    Json(body): Json<CustomBody>,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    let metric = attain_store::CustomMetric {
        key: body.key,
        name_en: body.name_en,
        name_zh: body.name_zh,
        formula: body.formula,
        unit: body.unit,
    };
    attain_app::metrics::define_metric(
        state.store(),
        attain_app::goals::By::Person(&user.principal),
        metric,
    )
    .await?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}

#[utoipa::path(delete, path = "/kpi/custom/{key}", tag = "kpi", params(("key" = String, Path, description = "The custom metric's key")), responses((status = 204, description = "Removed"), (status = "4XX", body = ErrorBody, description = "A problem: not signed in, not allowed, not found, or a bad value (the error names it)")))]
async fn delete_custom(
    State(state): State<AppState>,
    user: ApiUser,
    axum::extract::Path(key): axum::extract::Path<String>,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    attain_app::metrics::remove_metric(
        state.store(),
        attain_app::goals::By::Person(&user.principal),
        &key,
    )
    .await?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}

#[utoipa::path(get, path = "/kpi/metrics", tag = "kpi", responses((status = 200, body = Vec<Object>, description = "The metric catalogue with units and definitions"), (status = "4XX", body = ErrorBody, description = "A problem: not signed in, not allowed, not found, or a bad value (the error names it)")))]
async fn metrics(_user: ApiUser) -> Json<Value> {
    Json(Value::Array(
        CATALOGUE
            .iter()
            .map(|m| {
                json!({
                    "key": m.key,
                    "name": {"en": m.name_en, "zh-CN": m.name_zh},
                    "unit": m.unit.key(),
                    "higher_is_better": m.direction == attain_core::kpi::Direction::HigherIsBetter,
                    "definition": {"en": m.definition_en, "zh-CN": m.definition_zh},
                })
            })
            .collect(),
    ))
}

#[derive(Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
pub(crate) struct KpiParams {
    metric: Option<String>,
    formula: Option<String>,
    period: Option<String>,
    scope: Option<String>,
    by: Option<String>,
    target: Option<String>,
}

fn bad(field: &str, value: &str, message: String) -> ApiError {
    ApiError::bad_field(field, value, message)
}

/// A scope from `company`, `unit:ID` or `rep:ID`, refused (as not found)
/// outside what the caller may see.
pub(crate) fn parse_scope(
    text: &str,
    principal: &attain_core::Principal,
    tree: &attain_core::OrgTree,
) -> Result<Scope, ApiError> {
    let scope = attain_kpi::Scope::parse_key(text)
        .map_err(|e| bad("scope", text, format!("scope: {e}")))?;
    if principal.may_see_scope(&scope, tree) {
        Ok(scope)
    } else {
        Err(ApiError::not_found(format!(
            "no scope {text} that you may see"
        )))
    }
}

/// The default scope of a person: everything → company, a manager → his unit, a rep → himself.
pub(crate) fn default_scope(visibility: &Visibility) -> Scope {
    match visibility {
        Visibility::Everything => Scope::Company,
        Visibility::Subtree(u) => Scope::Unit(*u),
        Visibility::Own(me) => Scope::Rep(*me),
    }
}

pub(crate) fn answer_json(answer: &KpiAnswer) -> Value {
    json!({
        "metric": answer.metric,
        "unit": answer.unit.key(),
        "scope": answer.scope,
        "period": answer.period,
        "rows": answer.rows.iter().map(|r| json!({
            "by": r.keys,
            "labels": r.labels,
            "value": r.value.map(|v| v.normalize().to_string()),
        })).collect::<Vec<_>>(),
    })
}

#[utoipa::path(get, path = "/kpi", tag = "kpi", params(KpiParams), responses((status = 200, body = Object, description = "The answer: metric, scope, period, unit and rows of exact decimal values"), (status = "4XX", body = ErrorBody, description = "A problem: not signed in, not allowed, not found, or a bad value (the error names it)")))]
async fn kpi(
    State(state): State<AppState>,
    user: ApiUser,
    Org(org): Org,
    Query(p): Query<KpiParams>,
) -> Result<Json<Value>, ApiError> {
    let store = state.store();
    let engine = attain_kpi::Engine::over(store, org);
    let visibility = user.principal.visibility();
    let period_text = p.period.as_deref().unwrap_or("").trim();
    if period_text.is_empty() {
        return Err(bad(
            "period",
            "",
            "period is required (e.g. 2026-Q3, FY2026, 2026-07)".into(),
        ));
    }
    let period = engine
        .calendar()
        .parse(period_text)
        .map_err(|e| bad("period", period_text, format!("period: {e}")))?;
    let scope = match p.scope.as_deref() {
        None => default_scope(&visibility),
        // Whether he may see it, the engine's entry for people decides.
        Some(s) => Scope::parse_key(s).map_err(|e| bad("scope", s, format!("scope: {e}")))?,
    };
    let by = match p.by.as_deref().map(str::trim).filter(|b| !b.is_empty()) {
        None => Vec::new(),
        Some(b) => b
            .split(',')
            .map(|d| {
                d.parse::<Dim>()
                    .map_err(|e| bad("by", d, format!("by: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?,
    };
    let formula = match p.formula.as_deref() {
        Some(f) => Some(Expr::parse(f).map_err(|e| {
            ApiError::bad_request(format!("formula: {e}"))
                .with_details(json!({"field": "formula", "value": f, "position": e.position}))
        })?),
        None => None,
    };
    let metric = match (&p.metric, &formula) {
        (Some(m), _) => m.clone(),
        (None, Some(_)) => p.formula.clone().unwrap_or_default(),
        (None, None) => return Err(bad("metric", "", "metric (or formula) is required".into())),
    };
    let target = match p.target.as_deref() {
        None => None,
        Some(t) => Some(
            t.parse::<Decimal>()
                .map_err(|_| bad("target", t, format!("target: '{t}' is not a number")))?,
        ),
    };
    let query = KpiQuery {
        metric: metric.into(),
        formula,
        period,
        scope,
        by,
        target,
    };
    let answer = engine.answer_for(&user.principal, &query).await?;
    Ok(Json(answer_json(&answer)))
}
