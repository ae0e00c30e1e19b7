//! Error responses: one JSON shape for the API, friendly pages elsewhere.

use std::any::Any;

use askama::Template;
use attain_app::{AppError, PasswordProblem, Rejection};
use attain_store::StoreError;
use axum::Json;
use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Serialize;

use crate::http::i18n::{I18n, Lang};

/// The most items one page of a list answers; a larger `limit` is refused.
pub(crate) const MAX_PAGE: i64 = 1_000;

/// The JSON body of every API error: `{"error": {"code", "message", "details"}}`.
///
/// `code` is a stable machine-readable key (`not_found`, `bad_request`,
/// `unauthorized`, `forbidden`, …); `message` is for people; `details`
/// carries structured context (the field, the value) when there is any.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// What went wrong: a stable code, a message for people, and the field or value concerned.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable key.
    pub code: &'static str,
    /// Human-readable explanation.
    pub message: String,
    /// Structured context: the field and the value, or a file's problems
    /// by row and column; `null` when there is none.
    pub details: serde_json::Value,
}

/// An error answered by the JSON API.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    details: serde_json::Value,
    retry_after: Option<i64>,
}

impl ApiError {
    /// An error with a status, a stable code and a message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            details: serde_json::Value::Null,
            retry_after: None,
        }
    }

    /// Adds structured details.
    pub fn with_details(mut self, details: serde_json::Value) -> Self {
        self.details = details;
        self
    }

    /// 404 for a path or record that does not exist (or may not be seen).
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// 400 for a request that cannot be understood.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    /// 400 naming the field and the value that could not be understood.
    pub fn bad_field(field: &str, value: &str, message: impl Into<String>) -> Self {
        Self::bad_request(message).with_details(serde_json::json!({"field": field, "value": value}))
    }

    /// An optional `YYYY-MM-DD` query parameter; anything else is a 400 naming it.
    pub fn query_date(field: &str, value: Option<&str>) -> Result<Option<chrono::NaiveDate>, Self> {
        match value.map(str::trim).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(text) => chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| {
                    Self::bad_field(
                        field,
                        text,
                        format!("{field}: '{text}' is not a date (YYYY-MM-DD)"),
                    )
                }),
        }
    }

    /// A record ID from the path; anything else is a 400 naming `id`.
    pub fn path_id<T: std::str::FromStr<Err = attain_core::ids::IdParseError>>(
        raw: &str,
    ) -> Result<T, Self> {
        raw.parse()
            .map_err(|e: attain_core::ids::IdParseError| Self::bad_field("id", raw, e.to_string()))
    }

    /// A JSON number or numeric string, read exactly (never through a
    /// float); anything else is a 400 naming the field.
    pub fn number(field: &str, value: &serde_json::Value) -> Result<rust_decimal::Decimal, Self> {
        let text = match value {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        text.trim().parse().map_err(|_| {
            Self::bad_field(field, &text, format!("{field}: '{text}' is not a number"))
        })
    }

    /// The `offset` and `limit` of a list request: a limit of 1 to `max`
    /// (default `default`), an offset of 0 or more. Anything else is a 400
    /// naming the parameter and the cap, never a silent clamp.
    pub fn paging(
        offset: Option<i64>,
        limit: Option<i64>,
        default: i64,
        max: i64,
    ) -> Result<(i64, i64), Self> {
        let offset = offset.unwrap_or(0);
        if offset < 0 {
            return Err(Self::bad_field(
                "offset",
                &offset.to_string(),
                format!("offset: {offset} is negative"),
            ));
        }
        let limit = limit.unwrap_or(default);
        if !(1..=max).contains(&limit) {
            return Err(Self::bad_field(
                "limit",
                &limit.to_string(),
                format!("limit: {limit} is outside 1 to {max}, the most one page holds"),
            ));
        }
        Ok((offset, limit))
    }

    /// The message for people.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// 403 for an action the caller's role does not allow.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound { .. } => Self::not_found(err.to_string()),
            StoreError::Conflict(_) => Self::new(StatusCode::CONFLICT, "conflict", err.to_string()),
            StoreError::Invalid(_) => {
                Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", err.to_string())
            }
            other => {
                tracing::error!(error = %other, "storage failure");
                Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "storage_unavailable",
                    "the database could not answer; try again shortly",
                )
            }
        }
    }
}

impl From<attain_kpi::KpiError> for ApiError {
    fn from(err: attain_kpi::KpiError) -> Self {
        AppError::from(err).into()
    }
}

impl From<AppError> for ApiError {
    fn from(err: AppError) -> Self {
        match err {
            AppError::Store(e) => e.into(),
            AppError::BadCredentials => {
                Self::new(StatusCode::UNAUTHORIZED, "bad_credentials", err.to_string())
            }
            AppError::Throttled { retry_after_secs } => {
                let mut e = Self::new(StatusCode::TOO_MANY_REQUESTS, "throttled", err.to_string());
                e.retry_after = Some(retry_after_secs);
                e
            }
            AppError::WeakPassword(_) => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "weak_password",
                err.to_string(),
            )
            .with_details(serde_json::json!({"field": "password"})),
            AppError::Rejected(ref rejection) => {
                let (code, details) = match rejection {
                    Rejection::LoginTaken(login) => (
                        "login_taken",
                        serde_json::json!({"field": "login", "value": login.as_str()}),
                    ),
                    Rejection::UnknownUnit(unit) => (
                        "unknown_unit",
                        serde_json::json!({"field": "unit", "value": unit.raw()}),
                    ),
                    Rejection::EmptyName => {
                        ("empty_name", serde_json::json!({"field": "display_name"}))
                    }
                    Rejection::SelfLockout => ("self_lockout", serde_json::Value::Null),
                };
                Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, err.to_string())
                    .with_details(details)
            }
            AppError::Invalid(_) | AppError::Period(_) => {
                Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", err.to_string())
            }
            AppError::Import(ref problems) => {
                let details: Vec<serde_json::Value> = problems
                    .iter()
                    .map(|p| serde_json::json!({"file": p.file, "row": p.row, "column": p.column, "message": p.message, "value": p.value}))
                    .collect();
                Self::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "import_rejected",
                    err.to_string(),
                )
                .with_details(serde_json::Value::Array(details))
            }
            AppError::Forbidden(_) => Self::forbidden(err.to_string()),
            AppError::Internal(_) => {
                tracing::error!(error = %err, "internal failure");
                Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "internal error",
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code,
                message: self.message,
                details: self.details,
            },
        };
        let mut response = (self.status, Json(body)).into_response();
        if let Some(secs) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        response
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    i18n: &'a I18n,
    nav: Option<crate::http::layout::Nav>,
    status: u16,
    heading: &'a str,
    message: &'a str,
}

/// A friendly HTML error page in the request's language.
pub(crate) fn error_page(
    i18n: &I18n,
    status: StatusCode,
    heading: &str,
    message: &str,
) -> Response {
    let page = ErrorPage {
        i18n,
        nav: None,
        status: status.as_u16(),
        heading,
        message,
    };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => (status, heading.to_owned()).into_response(),
    }
}

/// Renders a page template, or a plain 500 page if rendering fails.
pub(crate) fn render(i18n: &I18n, template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => Html(html).into_response(),
        Err(err) => {
            tracing::error!(error = %err, "template failed to render");
            error_page(
                i18n,
                StatusCode::INTERNAL_SERVER_ERROR,
                &i18n.t("error-internal-title"),
                &i18n.t("error-internal-message"),
            )
        }
    }
}

/// The friendly page for a failed use case.
pub(crate) fn app_error_page(lang: Lang, err: AppError) -> Response {
    let i18n = I18n::new(lang);
    match err {
        AppError::Store(StoreError::NotFound { .. }) => error_page(
            &i18n,
            StatusCode::NOT_FOUND,
            &i18n.t("error-not-found-title"),
            &i18n.t("error-not-found-message"),
        ),
        AppError::Forbidden(_) => error_page(
            &i18n,
            StatusCode::FORBIDDEN,
            &i18n.t("error-forbidden-title"),
            &i18n.t("error-forbidden-message"),
        ),
        // The data or the request cannot be used: say why, never "try again
        // later" as if the server were down.
        err @ (AppError::Invalid(_)
        | AppError::Period(_)
        | AppError::Import(_)
        | AppError::Rejected(_)
        | AppError::WeakPassword(_)
        | AppError::Store(StoreError::Invalid(_) | StoreError::Conflict(_))) => error_page(
            &i18n,
            StatusCode::UNPROCESSABLE_ENTITY,
            &i18n.t("error-invalid-title"),
            &explain(&i18n, &err),
        ),
        other => {
            tracing::error!(error = %other, "page failed");
            error_page(
                &i18n,
                StatusCode::SERVICE_UNAVAILABLE,
                &i18n.t("error-unavailable-title"),
                &i18n.t("error-unavailable-message"),
            )
        }
    }
}

/// A record ID from a page's path; anything else is the friendly 404.
pub(crate) fn page_id<T: std::str::FromStr>(lang: Lang, raw: &str) -> Result<T, Response> {
    raw.parse().map_err(|_| {
        app_error_page(
            lang,
            AppError::Store(StoreError::NotFound {
                entity: "page",
                id: raw.to_owned(),
            }),
        )
    })
}

/// A CSV file download.
pub(crate) fn csv_download(filename: &str, csv: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        csv,
    )
        .into_response()
}

/// Turns a failed use case or store call into the friendly page for it.
pub(crate) trait OrPage<T> {
    /// `Err` becomes the error page in `lang`.
    fn or_page(self, lang: Lang) -> Result<T, Response>;
}

impl<T, E: Into<AppError>> OrPage<T> for Result<T, E> {
    fn or_page(self, lang: Lang) -> Result<T, Response> {
        self.map_err(|e| app_error_page(lang, e.into()))
    }
}

/// Answer to a handler panic: logged, then a generic 500 without internals.
pub(crate) fn panic_response(err: Box<dyn Any + Send + 'static>) -> Response<Body> {
    let detail = err
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| err.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    tracing::error!(panic = detail, "request handler panicked");
    let body = serde_json::json!({"error": {"code": "internal", "message": "internal error", "details": null}});
    Response::builder()
        .status(StatusCode::INTERNAL_SERVER_ERROR)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap_or_default()
}

/// A refused request explained in the person's language.
pub(crate) fn explain(i18n: &I18n, err: &AppError) -> String {
    match err {
        AppError::WeakPassword(problem) => i18n.t(match problem {
            PasswordProblem::TooShort => "password-too-short",
            PasswordProblem::TooLong => "password-too-long",
            PasswordProblem::TooFewDistinct => "password-too-few-distinct",
            PasswordProblem::TooCommon => "password-too-common",
            PasswordProblem::ContainsLogin => "password-contains-login",
            PasswordProblem::SameAsCurrent => "password-same-as-current",
        }),
        AppError::Rejected(Rejection::LoginTaken(login)) => {
            i18n.t1("rejected-login-taken", "login", login)
        }
        AppError::Rejected(Rejection::UnknownUnit(unit)) => {
            i18n.t1("rejected-unknown-unit", "unit", unit)
        }
        AppError::Rejected(Rejection::EmptyName) => i18n.t("rejected-empty-name"),
        AppError::Rejected(Rejection::SelfLockout) => i18n.t("rejected-self-lockout"),
        AppError::BadCredentials => i18n.t("login-failed"),
        other => other.to_string(),
    }
}
