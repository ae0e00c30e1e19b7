//! The API's own endpoints (health, status, periods) and its answers to
//! paths and methods that match nothing.

use attain_core::Period;
use attain_store::User;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::http::context::ApiUser;
use crate::http::error::ErrorBody;
use crate::{ApiError, AppState};

/// The API's own routes: the instance's status and its periods.
pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(status))
        .routes(routes!(period))
}

/// `/api/…` paths that match nothing.
pub(crate) async fn not_found() -> ApiError {
    ApiError::not_found("no API endpoint at this path")
}

pub(crate) async fn method_not_allowed() -> ApiError {
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

#[derive(Serialize, utoipa::ToSchema)]
struct Status {
    version: &'static str,
    backend: &'static str,
    company: String,
    base_currency: &'static str,
    fiscal_year_starts_in_month: u32,
}

/// The instance: version, database, company, base currency and fiscal year.
#[utoipa::path(get, path = "/status", tag = "instance",
    responses((status = 200, body = Status), (status = "4XX", body = ErrorBody)))]
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
#[derive(Serialize, utoipa::ToSchema)]
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

#[derive(Serialize, utoipa::ToSchema)]
struct PeriodDetail {
    #[serde(flatten)]
    period: PeriodDto,
    previous: Option<PeriodDto>,
    same_period_last_year: Option<PeriodDto>,
    sub_periods: Vec<PeriodDto>,
}

/// Resolves a period in the organisation's fiscal calendar.
#[utoipa::path(get, path = "/periods/{period}", tag = "instance",
    params(("period" = String, Path, description = "FY2026, FY2026-Q3, 2026-07, 2026-W14, 2026-07-14 or 2026-01-01..2026-03-31")),
    responses((status = 200, body = PeriodDetail), (status = "4XX", body = ErrorBody)))]
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

/// A user as the API shows it (to himself and to administrators).
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct UserDto {
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
