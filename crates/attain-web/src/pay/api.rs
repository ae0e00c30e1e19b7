//! `/api/v1/plans`, `/api/v1/payout-runs` and `/api/v1/statements`:
//! commission plans (readable by everyone, changed by sales ops and
//! admins), payout runs (sales ops and admins calculate, approve, lock and
//! export them) and statements, each read through the caller's pay
//! visibility: his own, his subtree's as a manager, or all.

use attain_app::goals::By;
use attain_app::pay::{self, PlanSpec};
use attain_core::comp::Tier;
use attain_core::{PayoutRunId, PlanId, StatementId, UserId};
use attain_kpi::Engine;
use attain_store::{Plan, RunStatus, Statement};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use axum::Json;
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::http::context::{ApiUser, Org};
use crate::http::error::ErrorBody;
use crate::{ApiError, AppState};

pub(crate) fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    utoipa_axum::router::OpenApiRouter::new()
        .routes(utoipa_axum::routes!(plans, create_plan))
        .routes(utoipa_axum::routes!(plan, update_plan, delete_plan))
        .routes(utoipa_axum::routes!(assign))
        .routes(utoipa_axum::routes!(runs, create_run))
        .routes(utoipa_axum::routes!(run))
        .routes(utoipa_axum::routes!(recalculate))
        .routes(utoipa_axum::routes!(approve))
        .routes(utoipa_axum::routes!(lock))
        .routes(utoipa_axum::routes!(payroll))
        .routes(utoipa_axum::routes!(statements))
        .routes(utoipa_axum::routes!(statement))
        .routes(utoipa_axum::routes!(plan_rates))
        .routes(utoipa_axum::routes!(set_plan_rate, remove_plan_rate))
}

fn plan_rates_json(engine: &Engine<'_>) -> Value {
    json!({
        "base_currency": engine.base_currency().code(),
        "items": engine.plan_rates().iter().map(|((currency, year), rate)| json!({
            "currency": currency,
            "fiscal_year": format!("FY{year}"),
            "rate_to_base": rate.normalize().to_string(),
        })).collect::<Vec<_>>(),
    })
}

/// The fixed plan rates goals and pay convert other currencies at.
#[utoipa::path(get, path = "/plan-rates", tag = "pay", responses((status = 200, body = Object, description = "The fixed plan rates per currency and fiscal year"), (status = "4XX", body = ErrorBody, description = "A problem: not signed in, not allowed, not found, or a bad value (the error names it)")))]
async fn plan_rates(
    State(state): State<AppState>,
    _user: ApiUser,
    Org(org): Org,
) -> Result<Json<Value>, ApiError> {
    let engine = Engine::over(state.store(), org);
    Ok(Json(plan_rates_json(&engine)))
}

/// A currency and fiscal year from the path, each a 400 naming itself.
fn currency_year(currency: &str, year: &str) -> Result<(attain_core::Currency, i32), ApiError> {
    let c = attain_core::Currency::from_code(currency)
        .map_err(|e| ApiError::bad_field("currency", currency, format!("currency: {e}")))?;
    let digits = year.strip_prefix("FY").unwrap_or(year);
    let y = digits
        .parse::<i32>()
        .ok()
        .filter(|_| digits.len() == 4)
        .ok_or_else(|| {
            ApiError::bad_field(
                "year",
                year,
                format!("year: '{year}' is not a fiscal year such as FY2026"),
            )
        })?;
    Ok((c, y))
}

#[derive(Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
pub(crate) struct PlanRateBody {
    rate: Value,
}

#[utoipa::path(put, path = "/plan-rates/{currency}/{year}", tag = "pay", params(("currency" = String, Path, description = "ISO 4217 code"), ("year" = String, Path, description = "A fiscal year such as FY2026")), request_body = PlanRateBody, responses((status = 200, body = Object, description = "The plan rates now"), (status = "4XX", body = ErrorBody, description = "A problem: not signed in, not allowed, not found, or a bad value (the error names it)")))]
async fn set_plan_rate(
    State(state): State<AppState>,
    user: ApiUser,
    Org(org): Org,
    Path((currency, year)): Path<(String, String)>,
    Json(body): Json<PlanRateBody>,
) -> Result<Json<Value>, ApiError> {
    let (currency, year) = currency_year(&currency, &year)?;
    let rate = ApiError::number("rate", &body.rate)?;
    let engine = Engine::over(state.store(), org);
    pay::set_plan_rate(
        &engine,
        By::Person(&user.principal),
        currency,
        year,
        Some(rate),
    )
    .await?;
    // The rates just changed: read them again.
    let org = attain_kpi::OrgContext::load(state.store()).await?;
    Ok(Json(plan_rates_json(&Engine::over(state.store(), org))))
}

#[utoipa::path(delete, path = "/plan-rates/{currency}/{year}", tag = "pay", params(("currency" = String, Path, description = "ISO 4217 code"), ("year" = String, Path, description = "A fiscal year such as FY2026")), responses((status = 204, description = "Removed"), (status = "4XX", body = ErrorBody, description = "A problem: not signed in, not allowed, not found, or a bad value (the error names it)")))]
async fn remove_plan_rate(
    State(state): State<AppState>,
    user: ApiUser,
    Org(org): Org,
    Path((currency, year)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let (currency, year) = currency_year(&currency, &year)?;
    let engine = Engine::over(state.store(), org);
    pay::set_plan_rate(&engine, By::Person(&user.principal), currency, year, None).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn id<T: std::str::FromStr<Err = attain_core::ids::IdParseError>>(
    raw: &str,
) -> Result<T, ApiError> {
    raw.parse()
        .map_err(|e: attain_core::ids::IdParseError| ApiError::bad_field("id", raw, e.to_string()))
}

fn pct(d: Decimal) -> String {
    (d * Decimal::ONE_HUNDRED).normalize().to_string()
}

pub(crate) fn plan_json(p: &Plan) -> Value {
    json!({
        "id": p.id.raw(),
        "name": p.name,
        "metric": p.metric,
        "tiers": p.rules.tiers.iter().map(|t| json!({"from_percent": pct(t.from), "rate_percent": pct(t.rate)})).collect::<Vec<_>>(),
        "threshold_percent": p.rules.threshold.map(pct),
        "cap": p.rules.cap.map(|c| c.amount().to_string()),
        "currency": p.rules.cap.map(|c| c.currency().code()),
    })
}

pub(crate) fn statement_json(s: &Statement) -> Value {
    json!({
        "id": s.id.raw(),
        "run": s.run.raw(),
        "period": s.period,
        "status": s.status.key(),
        "user": s.user.raw(),
        "user_name": s.user_name,
        "plan": s.plan.raw(),
        "plan_name": s.plan_name,
        "credited": s.credited.amount().to_string(),
        "quota": s.quota.map(|q| q.amount().to_string()),
        "commission": s.commission.amount().to_string(),
        "currency": s.commission.currency().code(),
        "trace": s.trace,
    })
}

#[utoipa::path(get, path = "/plans", tag = "pay", responses((status = 200, body = Vec<Object>, description = "Commission plans"), (status = "4XX", body = ErrorBody, description = "A problem: not signed in, not allowed, not found, or a bad value (the error names it)")))]
async fn plans(State(state): State<AppState>, _user: ApiUser) -> Result<Json<Value>, ApiError> {
    let plans = state.store().plans().await?;
    Ok(Json(Value::Array(plans.iter().map(plan_json).collect())))
}

#[utoipa::path(get, path = "/plans/{id}", tag = "pay", params(("id" = i64, Path, description = "The plan's ID")), responses((status = 200, body = Object, description = "One plan with its tiers and assignments"), (status = "4XX", body = ErrorBody, description = "A problem: not signed in, not allowed, not found, or a bad value (the error names it)")))]
async fn plan(
    State(state): State<AppState>,
    _user: ApiUser,
    Path(raw): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let plan = state.store().plan(id::<PlanId>(&raw)?).await?;
    Ok(Json(plan_json(&plan)))
}

#[derive(Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
pub(crate) struct TierBody {
    from_percent: Value,
    rate_percent: Value,
}

#[derive(Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
pub(crate) struct PlanBody {
    name: String,
    #[serde(default = "revenue")]
    metric: String,
    tiers: Vec<TierBody>,
    #[serde(default)]
    threshold_percent: Option<Value>,
    #[serde(default)]
    cap: Option<Value>,
}

fn revenue() -> String {
    "revenue".into()
}

fn number(field: &str, value: &Value) -> Result<Decimal, ApiError> {
    ApiError::number(field, value)
}

fn spec_of(body: PlanBody) -> Result<PlanSpec, ApiError> {
    let hundred = Decimal::ONE_HUNDRED;
    let mut tiers = Vec::new();
    for (i, t) in body.tiers.iter().enumerate() {
        tiers.push(Tier {
            from: number(&format!("tiers[{i}].from_percent"), &t.from_percent)? / hundred,
            rate: number(&format!("tiers[{i}].rate_percent"), &t.rate_percent)? / hundred,
        });
    }
    Ok(PlanSpec {
        name: body.name,
        metric: body.metric,
        tiers,
        threshold: body
            .threshold_percent
            .as_ref()
            .map(|t| number("threshold_percent", t).map(|t| t / hundred))
            .transpose()?,
        cap: body.cap.as_ref().map(|c| number("cap", c)).transpose()?,
    })
}

#[utoipa::path(post, path = "/plans", tag = "pay", request_body = PlanBody, responses((status = 201, body = Object, description = "The plan"), (status = "4XX", body = ErrorBody, description = "A problem: not signed in, not allowed, not found, or a bad value (the error names it)")))]
async fn create_plan(
    State(state): State<AppState>,
    user: ApiUser,
    Org(org): Org,
    Json(body): Json<PlanBody>,
) -> Result<Response, ApiError> {
    let engine = Engine::over(state.store(), org);
    let id = pay::save_plan(&engine, By::Person(&user.principal), None, &spec_of(body)?).await?;
    Ok((StatusCode::CREATED, Json(json!({"id": id.raw()}))).into_response())
}

#[utoipa::path(put, path = "/plans/{id}", tag = "pay", params(("id" = i64, Path, description = "The plan's ID")), request_body = PlanBody, responses((status = 200, body = Object, description = "The plan"), (status = "4XX", body = ErrorBody, description = "A problem: not signed in, not allowed, not found, or a bad value (the error names it)")))]
async fn update_plan(
    State(state): State<AppState>,
    user: ApiUser,
    Org(org): Org,
    Path(raw): Path<String>,
    Json(body): Json<PlanBody>,
) -> Result<Json<Value>, ApiError> {
    let plan_id = id::<PlanId>(&raw)?;
    let engine = Engine::over(state.store(), org);
    pay::save_plan(
        &engine,
        By::Person(&user.principal),
        Some(plan_id),
        &spec_of(body)?,
    )
    .await?;
    Ok(Json(plan_json(&state.store().plan(plan_id).await?)))
}

#[utoipa::path(delete, path = "/plans/{id}", tag = "pay", params(("id" = i64, Path, description = "The plan's ID")), responses((status = 204, description = "Removed"), (status = "4XX", body = ErrorBody, description = "A problem: not signed in, not allowed, not found, or a bad value (the error names it)")))]
async fn delete_plan(
    State(state): State<AppState>,
    user: ApiUser,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    pay::delete_plan(
        state.store(),
        By::Person(&user.principal),
        id::<PlanId>(&raw)?,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
pub(crate) struct AssignBody {
    users: Vec<i64>,
    from: String,
    #[serde(default)]
    to: Option<String>,
}

#[utoipa::path(post, path = "/plans/{id}/assignments", tag = "pay", params(("id" = i64, Path, description = "The plan's ID")), request_body = AssignBody, responses((status = 201, body = Object, description = "The assignments made"), (status = "4XX", body = ErrorBody, description = "A problem: not signed in, not allowed, not found, or a bad value (the error names it)")))]
async fn assign(
    State(state): State<AppState>,
    user: ApiUser,
    Path(raw): Path<String>,
    Json(body): Json<AssignBody>,
) -> Result<Response, ApiError> {
    let from = ApiError::query_date("from", Some(&body.from))?
        .ok_or_else(|| ApiError::bad_field("from", "", "from: give the first day (YYYY-MM-DD)"))?;
    let to = ApiError::query_date("to", body.to.as_deref())?;
    let users: Vec<UserId> = body.users.iter().map(|u| UserId::from_raw(*u)).collect();
    let n = pay::assign(
        state.store(),
        By::Person(&user.principal),
        id::<PlanId>(&raw)?,
        &users,
        from,
        to,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(json!({"assigned": n}))).into_response())
}

fn ops_only(user: &ApiUser) -> Result<(), ApiError> {
    if user.principal.can_run_payouts() {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "only sales operations and administrators see payout runs",
        ))
    }
}

pub(crate) fn run_json(r: &attain_store::PayoutRun, currency: attain_core::Currency) -> Value {
    json!({
        "id": r.id.raw(),
        "period": r.period,
        "status": r.status.key(),
        "statements": r.statements,
        "total": attain_core::Money::from_minor_units(r.total_minor, currency).amount().to_string(),
        "currency": currency.code(),
        "created_by": r.created_by,
        "created_at": r.created_at,
        "approved_by": r.approved.as_ref().map(|a| &a.0),
        "approved_at": r.approved.as_ref().map(|a| a.1),
        "locked_by": r.locked.as_ref().map(|a| &a.0),
        "locked_at": r.locked.as_ref().map(|a| a.1),
    })
}

#[utoipa::path(get, path = "/payout-runs", tag = "pay", responses((status = 200, body = Vec<Object>, description = "Payout runs"), (status = "4XX", body = ErrorBody, description = "A problem: not signed in, not allowed, not found, or a bad value (the error names it)")))]
async fn runs(State(state): State<AppState>, user: ApiUser) -> Result<Json<Value>, ApiError> {
    ops_only(&user)?;
    let currency = state.store().settings().await?.base_currency;
    let runs = state.store().payout_runs().await?;
    Ok(Json(Value::Array(
        runs.iter().map(|r| run_json(r, currency)).collect(),
    )))
}

#[utoipa::path(get, path = "/payout-runs/{id}", tag = "pay", params(("id" = i64, Path, description = "The run's ID")), responses((status = 200, body = Object, description = "One run with its statements"), (status = "4XX", body = ErrorBody, description = "A problem: not signed in, not allowed, not found, or a bad value (the error names it)")))]
async fn run(
    State(state): State<AppState>,
    user: ApiUser,
    Path(raw): Path<String>,
) -> Result<Json<Value>, ApiError> {
    ops_only(&user)?;
    let currency = state.store().settings().await?.base_currency;
    Ok(Json(run_json(
        &state.store().payout_run(id::<PayoutRunId>(&raw)?).await?,
        currency,
    )))
}

#[derive(Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
pub(crate) struct RunBody {
    period: String,
}

#[utoipa::path(post, path = "/payout-runs", tag = "pay", request_body = RunBody, responses((status = 201, body = Object, description = "The draft run calculated"), (status = "4XX", body = ErrorBody, description = "A problem: not signed in, not allowed, not found, or a bad value (the error names it)")))]
async fn create_run(
    State(state): State<AppState>,
    user: ApiUser,
    Org(org): Org,
    Json(body): Json<RunBody>,
) -> Result<Response, ApiError> {
    let engine = Engine::over(state.store(), org);
    let period = engine
        .calendar()
        .parse(&body.period)
        .map_err(|e| ApiError::bad_field("period", &body.period, format!("period: {e}")))?;
    let run = pay::calculate(&engine, By::Person(&user.principal), period, None).await?;
    Ok((
        StatusCode::CREATED,
        Json(run_json(
            &state.store().payout_run(run).await?,
            engine.base_currency(),
        )),
    )
        .into_response())
}

#[utoipa::path(post, path = "/payout-runs/{id}/recalculate", tag = "pay", params(("id" = i64, Path, description = "The run's ID")), responses((status = 200, body = Object, description = "The draft run recalculated"), (status = "4XX", body = ErrorBody, description = "A problem: not signed in, not allowed, not found, or a bad value (the error names it)")))]
async fn recalculate(
    State(state): State<AppState>,
    user: ApiUser,
    Org(org): Org,
    Path(raw): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let run = id::<PayoutRunId>(&raw)?;
    let engine = Engine::over(state.store(), org);
    let period = engine
        .calendar()
        .parse(&state.store().payout_run(run).await?.period)
        .map_err(attain_app::AppError::Period)?;
    pay::calculate(&engine, By::Person(&user.principal), period, Some(run)).await?;
    Ok(Json(run_json(
        &state.store().payout_run(run).await?,
        engine.base_currency(),
    )))
}

async fn advance(
    state: &AppState,
    user: &ApiUser,
    raw: &str,
    to: RunStatus,
) -> Result<Json<Value>, ApiError> {
    let run = id::<PayoutRunId>(raw)?;
    pay::advance(state.store(), By::Person(&user.principal), run, to).await?;
    let currency = state.store().settings().await?.base_currency;
    Ok(Json(run_json(
        &state.store().payout_run(run).await?,
        currency,
    )))
}

#[utoipa::path(post, path = "/payout-runs/{id}/approve", tag = "pay", params(("id" = i64, Path, description = "The run's ID")), responses((status = 200, body = Object, description = "The run, approved"), (status = "4XX", body = ErrorBody, description = "A problem: not signed in, not allowed, not found, or a bad value (the error names it)")))]
async fn approve(
    State(state): State<AppState>,
    user: ApiUser,
    Path(raw): Path<String>,
) -> Result<Json<Value>, ApiError> {
    advance(&state, &user, &raw, RunStatus::Approved).await
}

#[utoipa::path(post, path = "/payout-runs/{id}/lock", tag = "pay", params(("id" = i64, Path, description = "The run's ID")), responses((status = 200, body = Object, description = "The run, locked"), (status = "4XX", body = ErrorBody, description = "A problem: not signed in, not allowed, not found, or a bad value (the error names it)")))]
async fn lock(
    State(state): State<AppState>,
    user: ApiUser,
    Path(raw): Path<String>,
) -> Result<Json<Value>, ApiError> {
    advance(&state, &user, &raw, RunStatus::Locked).await
}

#[utoipa::path(get, path = "/payout-runs/{id}/payroll.csv", tag = "pay", params(("id" = i64, Path, description = "The run's ID")), responses((status = 200, content_type = "text/csv", body = String, description = "A locked run's payroll"), (status = "4XX", body = ErrorBody, description = "A problem: not signed in, not allowed, not found, or a bad value (the error names it)")))]
async fn payroll(
    State(state): State<AppState>,
    user: ApiUser,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    let run = id::<PayoutRunId>(&raw)?;
    let csv = pay::payroll_csv(state.store(), By::Person(&user.principal), run).await?;
    Ok(crate::http::error::csv_download(
        &format!("payroll-run-{run}.csv"),
        csv,
    ))
}

#[derive(Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
pub(crate) struct StatementParams {
    run: Option<String>,
    user: Option<String>,
    offset: Option<i64>,
    limit: Option<i64>,
}

#[utoipa::path(get, path = "/statements", tag = "pay", params(StatementParams), responses((status = 200, body = Object, description = "Statements the caller may see"), (status = "4XX", body = ErrorBody, description = "A problem: not signed in, not allowed, not found, or a bad value (the error names it)")))]
async fn statements(
    State(state): State<AppState>,
    user: ApiUser,
    Query(p): Query<StatementParams>,
) -> Result<Json<Value>, ApiError> {
    let run = p.run.as_deref().map(id::<PayoutRunId>).transpose()?;
    let person = p.user.as_deref().map(id::<UserId>).transpose()?;
    let (offset, limit) = ApiError::paging(p.offset, p.limit, 100, crate::http::error::MAX_PAGE)?;
    let items = state
        .store()
        .statements_visible(&user.principal.pay_visibility(), run, person, offset, limit)
        .await?;
    Ok(Json(json!({
        "offset": offset,
        "limit": limit,
        "items": items.iter().map(statement_json).collect::<Vec<_>>(),
    })))
}

#[utoipa::path(get, path = "/statements/{id}", tag = "pay", params(("id" = i64, Path, description = "The statement's ID")), responses((status = 200, body = Object, description = "One statement with its calculation, line by line"), (status = "4XX", body = ErrorBody, description = "A problem: not signed in, not allowed, not found, or a bad value (the error names it)")))]
async fn statement(
    State(state): State<AppState>,
    user: ApiUser,
    Path(raw): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let s = state
        .store()
        .statement_visible(&user.principal.pay_visibility(), id::<StatementId>(&raw)?)
        .await?;
    Ok(Json(statement_json(&s)))
}
