//! `/api/v1/goals`: goals within the caller's visibility with where each
//! stands; one goal with its parts, revisions, check-ins and SMART check;
//! setting, splitting, revising, deleting and checking in through the
//! goal use cases (which decide who may).

use attain_app::goals::{self, By, GoalSpec, GoalView, SplitInto, SplitMethod};
use attain_core::GoalId;
use attain_core::goal::{SmartCheck, SmartReason};
use attain_kpi::{Engine, Scope};
use attain_store::GoalFilter;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use axum::Json;
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::http::context::{ApiUser, Org};
use crate::http::error::ErrorBody;
use crate::http::i18n::I18n;
use crate::{ApiError, AppState};

pub(crate) fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    utoipa_axum::router::OpenApiRouter::new()
        .routes(utoipa_axum::routes!(list, create))
        .routes(utoipa_axum::routes!(show, revise, remove))
        .routes(utoipa_axum::routes!(split))
        .routes(utoipa_axum::routes!(check_in))
}

fn id_of(raw: &str) -> Result<GoalId, ApiError> {
    ApiError::path_id(raw)
}

pub(crate) fn view_json(v: &GoalView) -> Value {
    let g = &v.goal;
    let p = v.progress.as_ref();
    let text = |d: Option<Decimal>| d.map(|d| d.normalize().to_string());
    json!({
        "id": g.id.raw(),
        "parent": g.parent.map(GoalId::raw),
        "name": g.name,
        "metric": g.metric.key(),
        "unit": v.unit.key(),
        "scope": g.scope.key(),
        "scope_label": v.scope_label,
        "period": g.period.to_string(),
        "start": v.period.start().to_string(),
        "end": v.period.last_day().to_string(),
        "target": g.target().to_string(),
        "currency": g.currency.map_or("", |c| c.code()),
        "direction": g.direction.key(),
        "split": g.split,
        "actual": text(v.actual),
        "attainment": text(p.and_then(|p| p.attainment)),
        "expected": text(p.map(|p| p.expected)),
        "projected": text(p.and_then(|p| p.projected)),
        "status": p.map(|p| p.status.key()),
        "problem": v.problem,
        "created_by": g.created_by,
    })
}

/// The sentence a SMART reason makes in the reader's language; `value`
/// formats a figure of the goal's metric.
pub(crate) fn smart_message(
    i18n: &I18n,
    check: &SmartCheck,
    value: &dyn Fn(Decimal) -> String,
) -> String {
    let pct = |d: Decimal| i18n.decimal(d * Decimal::ONE_HUNDRED, 0);
    match &check.reason {
        SmartReason::Concrete => i18n.t("smart-concrete"),
        SmartReason::InactivePerson => i18n.t("smart-inactive-person"),
        SmartReason::HasData => i18n.t("smart-has-data"),
        SmartReason::NoData => i18n.t("smart-no-data"),
        SmartReason::Growth {
            last_year,
            required,
            reached,
            windows,
        } => i18n.ta(
            if required.is_sign_negative() {
                "smart-growth-fall"
            } else {
                "smart-growth"
            },
            &[
                ("last_year", value(*last_year)),
                ("required", pct(required.abs())),
                ("reached", reached.to_string()),
                ("windows", windows.to_string()),
            ],
        ),
        SmartReason::Level { reached, windows } => i18n.ta(
            "smart-level",
            &[
                ("reached", reached.to_string()),
                ("windows", windows.to_string()),
            ],
        ),
        SmartReason::NoHistory => i18n.t("smart-no-history"),
        SmartReason::ChildOf(id) => i18n.t1("smart-child-of", "goal", id),
        SmartReason::CompanyObjective => i18n.t("smart-company-objective"),
        SmartReason::Unlinked => i18n.t("smart-unlinked"),
        SmartReason::Period { days_left } => i18n.ta(
            "smart-period",
            &[
                ("days", days_left.to_string()),
                (
                    "plural",
                    if *days_left == 1 { "one" } else { "other" }.to_owned(),
                ),
            ],
        ),
        SmartReason::Ended => i18n.t("smart-ended"),
    }
}

fn smart_json(i18n: &I18n, checks: &[SmartCheck], value: &dyn Fn(Decimal) -> String) -> Value {
    Value::Array(
        checks
            .iter()
            .map(|c| {
                json!({
                    "letter": c.letter.letter().to_string(),
                    "key": c.letter.key(),
                    "verdict": c.verdict.key(),
                    "message": smart_message(i18n, c, value),
                    "probability": c.probability.map(|p| p.round_dp(4).normalize().to_string()),
                })
            })
            .collect(),
    )
}

#[derive(Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
pub(crate) struct ListParams {
    period: Option<String>,
    metric: Option<String>,
    scope: Option<String>,
    parent: Option<String>,
    offset: Option<i64>,
    limit: Option<i64>,
}

#[utoipa::path(get, path = "/goals", tag = "goals", operation_id = "list_goals", params(ListParams), responses((status = 200, body = Object, description = "Goals with actual, attainment, pace and status"), (status = "4XX", body = ErrorBody, description = "A problem: not signed in, not allowed, not found, or a bad value (the error names it)")))]
async fn list(
    State(state): State<AppState>,
    user: ApiUser,
    Org(org): Org,
    Query(p): Query<ListParams>,
) -> Result<Json<Value>, ApiError> {
    let store = state.store();
    let engine = Engine::over(store, org);
    let period = match p.period.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(text) => Some(
            engine
                .calendar()
                .parse(text)
                .map_err(|e| ApiError::bad_field("period", text, format!("period: {e}")))?
                .key(),
        ),
        None => None,
    };
    let parent = match p.parent.as_deref() {
        Some(raw) => Some(id_of(raw)?),
        None => None,
    };
    let (offset, limit) = ApiError::paging(p.offset, p.limit, 100, 500)?;
    let scope = match p.scope.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(text) => {
            Some(Scope::parse_key(text).map_err(|e| ApiError::bad_field("scope", text, e))?)
        }
        None => None,
    };
    let found = store
        .goals_visible(
            &user.principal.visibility(),
            &GoalFilter {
                period,
                metric: p
                    .metric
                    .filter(|m| !m.trim().is_empty())
                    .map(|m| m.trim().into()),
                scope,
                parent,
                overlapping: None,
            },
            offset,
            limit,
        )
        .await?;
    let views = goals::views(&engine, found, state.today()).await?;
    Ok(Json(json!({
        "offset": offset,
        "limit": limit,
        "items": views.iter().map(view_json).collect::<Vec<_>>(),
    })))
}

#[utoipa::path(get, path = "/goals/{id}", tag = "goals", operation_id = "show_goal", params(("id" = i64, Path, description = "The goal's ID")), responses((status = 200, body = Object, description = "One goal with its SMART check, parts, revisions and check-ins"), (status = "4XX", body = ErrorBody, description = "A problem: not signed in, not allowed, not found, or a bad value (the error names it)")))]
async fn show(
    State(state): State<AppState>,
    user: ApiUser,
    Org(org): Org,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = id_of(&id)?;
    let store = state.store();
    let visibility = user.principal.visibility();
    let goal = store.goal_visible(&visibility, id).await?;
    let engine = Engine::over(store, org);
    let today = state.today();
    let parts = store
        .goals_visible(
            &visibility,
            &GoalFilter {
                parent: Some(id),
                ..GoalFilter::default()
            },
            0,
            10_000,
        )
        .await?;
    let smart = goals::smart(&engine, &goal, today).await?;
    let mut view = goals::views(&engine, vec![goal], today).await?;
    let parts = goals::views(&engine, parts, today).await?;
    let i18n = I18n::new(user.lang);
    let view = view.pop();
    let unit = view
        .as_ref()
        .map_or(attain_core::kpi::Unit::Ratio, |v| v.unit);
    let base = engine.base_currency();
    let value = |d: Decimal| i18n.kpi_value(unit, Some(d), base);
    let mut body = view.as_ref().map(view_json).unwrap_or(Value::Null);
    body["smart"] = smart_json(&i18n, &smart, &value);
    body["parts"] = Value::Array(parts.iter().map(view_json).collect());
    body["revisions"] = Value::Array(
        store
            .goal_revisions(id)
            .await?
            .into_iter()
            .map(|r| json!({"at": r.at, "by": r.actor, "old_target": r.old_target.to_string(), "new_target": r.new_target.to_string(), "reason": r.reason}))
            .collect(),
    );
    body["checkins"] = Value::Array(
        store
            .goal_checkins(id)
            .await?
            .into_iter()
            .map(|c| json!({"at": c.at, "by": c.author, "confidence": c.confidence, "comment": c.comment}))
            .collect(),
    );
    Ok(Json(body))
}

#[derive(Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
pub(crate) struct NewGoalBody {
    metric: String,
    #[serde(default)]
    scope: Option<String>,
    period: String,
    target: Value,
    #[serde(default)]
    direction: Option<String>,
    #[serde(default)]
    parent: Option<i64>,
    #[serde(default)]
    name: Option<String>,
}

fn target_of(value: &Value) -> Result<Decimal, ApiError> {
    ApiError::number("target", value)
}

#[utoipa::path(post, path = "/goals", tag = "goals", operation_id = "create_goal", request_body = NewGoalBody, responses((status = 201, body = Object, description = "The new goal's id"), (status = "4XX", body = ErrorBody, description = "A problem: not signed in, not allowed, not found, or a bad value (the error names it)")))]
async fn create(
    State(state): State<AppState>,
    user: ApiUser,
    Org(org): Org,
    Json(body): Json<NewGoalBody>,
) -> Result<Response, ApiError> {
    let engine = Engine::over(state.store(), org);
    let scope_text = body.scope.unwrap_or_else(|| "company".into());
    let scope = Scope::parse_key(&scope_text)
        .map_err(|e| ApiError::bad_field("scope", &scope_text, format!("scope: {e}")))?;
    let period = engine
        .calendar()
        .parse(&body.period)
        .map_err(|e| ApiError::bad_field("period", &body.period, format!("period: {e}")))?;
    let direction = match body.direction.as_deref() {
        Some(text) => Some(text.parse().map_err(|e: String| {
            ApiError::bad_field("direction", text, format!("direction: {e}"))
        })?),
        None => None,
    };
    let spec = GoalSpec {
        metric: body.metric.trim().into(),
        scope,
        period,
        target: target_of(&body.target)?,
        direction,
        parent: body.parent.map(GoalId::from_raw),
        name: body.name.unwrap_or_default(),
    };
    let id = goals::create(&engine, By::Person(&user.principal), &spec).await?;
    Ok((StatusCode::CREATED, Json(json!({"id": id.raw()}))).into_response())
}

#[derive(Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
pub(crate) struct ReviseBody {
    target: Value,
    #[serde(default)]
    reason: String,
}

#[utoipa::path(put, path = "/goals/{id}", tag = "goals", operation_id = "revise_goal", params(("id" = i64, Path, description = "The goal's ID")), request_body = ReviseBody, responses((status = 200, body = Object, description = "The goal revised"), (status = "4XX", body = ErrorBody, description = "A problem: not signed in, not allowed, not found, or a bad value (the error names it)")))]
async fn revise(
    State(state): State<AppState>,
    user: ApiUser,
    Org(org): Org,
    Path(id): Path<String>,
    Json(body): Json<ReviseBody>,
) -> Result<Json<Value>, ApiError> {
    let id = id_of(&id)?;
    let engine = Engine::over(state.store(), org);
    let changed = goals::revise(
        &engine,
        By::Person(&user.principal),
        id,
        target_of(&body.target)?,
        &body.reason,
    )
    .await?;
    Ok(Json(json!({"id": id.raw(), "goals_changed": changed})))
}

#[utoipa::path(delete, path = "/goals/{id}", tag = "goals", operation_id = "remove_goal", params(("id" = i64, Path, description = "The goal's ID")), responses((status = 200, body = Object, description = "How many goals were deleted (the goal and its parts)"), (status = "4XX", body = ErrorBody, description = "A problem: not signed in, not allowed, not found, or a bad value (the error names it)")))]
async fn remove(
    State(state): State<AppState>,
    user: ApiUser,
    Org(org): Org,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = id_of(&id)?;
    let engine = Engine::over(state.store(), org);
    let deleted = goals::delete(&engine, By::Person(&user.principal), id).await?;
    Ok(Json(json!({"deleted": deleted})))
}

#[derive(Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
pub(crate) struct SplitBody {
    into: String,
    #[serde(default)]
    method: Option<String>,
    #[serde(default)]
    basis: Option<String>,
    #[serde(default)]
    weights: Option<serde_json::Map<String, Value>>,
}

/// Reads a split's method: `equal`, `history` (with an optional basis
/// period) or `weights` (a map of part → weight).
pub(crate) fn method_of(
    engine: &Engine<'_>,
    method: &str,
    basis: Option<&str>,
    weights: Vec<(String, String)>,
) -> Result<SplitMethod, ApiError> {
    match method.trim() {
        "equal" => Ok(SplitMethod::Equal),
        "history" | "seasonal" | "" => {
            let basis = match basis.map(str::trim).filter(|b| !b.is_empty()) {
                Some(text) => Some(
                    engine
                        .calendar()
                        .parse(text)
                        .map_err(|e| ApiError::bad_field("basis", text, format!("basis: {e}")))?,
                ),
                None => None,
            };
            Ok(SplitMethod::History(basis))
        }
        "weights" => {
            let mut out = Vec::new();
            for (key, text) in weights {
                out.push((
                    key.clone(),
                    ApiError::number(&format!("weights.{key}"), &Value::String(text))?,
                ));
            }
            if out.is_empty() {
                return Err(ApiError::bad_field(
                    "weights",
                    "",
                    "weights: name at least one part",
                ));
            }
            Ok(SplitMethod::Weights(out))
        }
        other => Err(ApiError::bad_field(
            "method",
            other,
            format!("method: '{other}' is not equal, history or weights"),
        )),
    }
}

#[utoipa::path(post, path = "/goals/{id}/split", tag = "goals", operation_id = "split_goal", params(("id" = i64, Path, description = "The goal's ID")), request_body = SplitBody, responses((status = 200, body = Object, description = "The parts made"), (status = "4XX", body = ErrorBody, description = "A problem: not signed in, not allowed, not found, or a bad value (the error names it)")))]
async fn split(
    State(state): State<AppState>,
    user: ApiUser,
    Org(org): Org,
    Path(id): Path<String>,
    Json(body): Json<SplitBody>,
) -> Result<Json<Value>, ApiError> {
    let id = id_of(&id)?;
    let engine = Engine::over(state.store(), org);
    let into: SplitInto = body
        .into
        .parse()
        .map_err(|e: String| ApiError::bad_field("into", &body.into, format!("into: {e}")))?;
    let weights = body
        .weights
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| {
            let text = match v {
                Value::String(s) => s,
                other => other.to_string(),
            };
            (k, text)
        })
        .collect();
    let method = method_of(
        &engine,
        body.method.as_deref().unwrap_or("history"),
        body.basis.as_deref(),
        weights,
    )?;
    let parts = goals::split(&engine, By::Person(&user.principal), id, into, &method).await?;
    Ok(Json(json!({
        "id": id.raw(),
        "parts": parts.iter().map(|p| json!({
            "id": p.goal.raw(),
            "scope": p.scope,
            "label": p.label,
            "period": p.period,
            "weight": p.weight.normalize().to_string(),
            "target": p.target.to_string(),
        })).collect::<Vec<_>>(),
    })))
}

#[derive(Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
pub(crate) struct CheckinBody {
    confidence: i64,
    #[serde(default)]
    comment: String,
}

#[utoipa::path(post, path = "/goals/{id}/checkins", tag = "goals", operation_id = "check_in_goal", params(("id" = i64, Path, description = "The goal's ID")), request_body = CheckinBody, responses((status = 201, description = "Recorded"), (status = "4XX", body = ErrorBody, description = "A problem: not signed in, not allowed, not found, or a bad value (the error names it)")))]
async fn check_in(
    State(state): State<AppState>,
    user: ApiUser,
    Org(org): Org,
    Path(id): Path<String>,
    Json(body): Json<CheckinBody>,
) -> Result<Response, ApiError> {
    let id = id_of(&id)?;
    let confidence = u8::try_from(body.confidence)
        .ok()
        .filter(|c| *c <= 100)
        .ok_or_else(|| {
            ApiError::bad_field(
                "confidence",
                &body.confidence.to_string(),
                "confidence: give a whole number from 0 to 100",
            )
        })?;
    let engine = Engine::over(state.store(), org);
    goals::check_in(
        &engine,
        By::Person(&user.principal),
        id,
        confidence,
        &body.comment,
    )
    .await?;
    Ok(StatusCode::CREATED.into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::i18n::Lang;
    use attain_core::goal::{SmartLetter, Verdict};

    fn period(days_left: i64) -> SmartCheck {
        SmartCheck {
            letter: SmartLetter::TimeBound,
            verdict: Verdict::Pass,
            reason: SmartReason::Period { days_left },
            probability: None,
        }
    }

    #[test]
    fn days_left_agree_in_number() {
        let en = I18n::new(Lang::En);
        let plain = |d: Decimal| d.to_string();
        assert_eq!(
            smart_message(&en, &period(1), &plain),
            "It has a period; one day is left."
        );
        assert_eq!(
            smart_message(&en, &period(12), &plain),
            "It has a period; 12 days are left."
        );
        let zh = I18n::new(Lang::ZhCn);
        assert_eq!(
            smart_message(&zh, &period(1), &plain),
            "有明确期间，还剩 1 天。"
        );
    }
}
