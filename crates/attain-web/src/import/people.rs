//! The people file on the Import page, for administrators: upload, check
//! (and optionally write) in one step, through the same
//! `attain_import::people` as `attain import people`. New people's one-time
//! passwords are shown once, on the answer to the upload, never stored.

use askama::Template;
use attain_app::AppError;
use attain_app::goals::By;
use attain_import::people::{PeopleOptions, PeopleReport, import_people};
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::AppState;
use crate::http::context::SignedIn;
use crate::http::error::{app_error_page, explain, render};
use crate::http::i18n::I18n;
use crate::http::layout::{Nav, forbidden};

pub(crate) fn routes(upload_limit: usize) -> Router<AppState> {
    Router::new().route(
        "/people/import",
        get(form).post(upload).layer(DefaultBodyLimit::max(
            upload_limit.saturating_add(64 * 1024),
        )),
    )
}

/// The most people one upload adds: their one-time passwords are hashed
/// within the request (about 40 ms of a core each).
const MAX_NEW_PEOPLE: usize = 500;

/// Problems shown on one page; the count says how many there are in all.
const PROBLEMS_SHOWN: usize = 200;

/// A problem of the file, as the page lists it.
struct ProblemRow {
    row: usize,
    column: String,
    message: String,
    value: String,
}

#[derive(Template)]
#[template(path = "import_people.html")]
struct PeoplePage {
    i18n: I18n,
    nav: Option<Nav>,
    csrf: String,
    error: Option<String>,
    problems: Vec<ProblemRow>,
    problem_count: usize,
    report: Option<PeopleReport>,
    /// What the report says in one sentence.
    summary: String,
    /// Units created, leavers found by their end date.
    lines: Vec<String>,
    unused: Vec<String>,
}

fn page(
    user: &SignedIn,
    status: StatusCode,
    error: Option<String>,
    problems: Vec<attain_core::ImportProblem>,
    report: Option<PeopleReport>,
) -> Response {
    let i18n = user.ctx.i18n();
    let unused = report
        .as_ref()
        .map(|r| {
            r.unused_columns
                .iter()
                .filter(|c| c.values > 0)
                .map(|c| {
                    i18n.ta(
                        "people-unused-column",
                        &[("column", c.to_string()), ("rows", c.values.to_string())],
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let mut lines = Vec::new();
    let summary = match &report {
        None => String::new(),
        Some(r) => {
            if !r.units_created.is_empty() {
                lines.push(format!(
                    "{} {}",
                    i18n.t1("people-units", "count", r.units_created.len()),
                    r.units_created.join(", ")
                ));
            }
            if r.left_by_end_date > 0 {
                lines.push(i18n.t1("people-left", "count", r.left_by_end_date));
            }
            if r.dry_run {
                i18n.ta(
                    "people-checked",
                    &[
                        ("rows", r.rows.to_string()),
                        ("created", r.created.to_string()),
                        ("updated", r.updated.to_string()),
                        ("deactivated", r.deactivated.to_string()),
                    ],
                )
            } else {
                i18n.ta(
                    "people-written",
                    &[
                        ("created", r.created.to_string()),
                        ("updated", r.updated.to_string()),
                        ("unchanged", r.unchanged.to_string()),
                        ("deactivated", r.deactivated.to_string()),
                    ],
                )
            }
        }
    };
    let page = PeoplePage {
        summary,
        lines,
        nav: Nav::new(user, "import", "/people/import"),
        csrf: user.csrf.clone(),
        error,
        problem_count: problems.len(),
        problems: problems
            .into_iter()
            .take(PROBLEMS_SHOWN)
            .map(|p| ProblemRow {
                row: p.row,
                column: p.column.unwrap_or_default(),
                message: p.message,
                value: p.value.unwrap_or_default(),
            })
            .collect(),
        report,
        unused,
        i18n,
    };
    (status, render(&page.i18n, &page)).into_response()
}

async fn form(user: SignedIn) -> Result<Response, Response> {
    if !user.principal.can_manage_users() {
        return Err(forbidden(&user.ctx.i18n()));
    }
    Ok(page(&user, StatusCode::OK, None, Vec::new(), None))
}

async fn upload(
    State(state): State<AppState>,
    user: SignedIn,
    mut multipart: Multipart,
) -> Result<Response, Response> {
    let i18n = user.ctx.i18n();
    if !user.principal.can_manage_users() {
        return Err(forbidden(&i18n));
    }
    let limit = state.settings().upload_limit;
    let upload = match super::one_step_upload(&mut multipart, limit, "people.csv", &i18n).await {
        Ok(upload) => upload,
        Err((status, message)) => {
            return Ok(page(&user, status, Some(message), Vec::new(), None));
        }
    };
    let super::OneStepUpload {
        name,
        bytes,
        create_units,
        write,
    } = upload;
    let options = PeopleOptions {
        create_units,
        dry_run: !write,
        mapping: attain_import::Mapping::default(),
        clock: state.clock(),
        max_new: Some(MAX_NEW_PEOPLE),
    };
    let principal = user.principal.clone();
    let store = state.store().clone();
    let outcome = state
        .heavy(async move {
            import_people(&store, By::Person(&principal), &name, &bytes, &options).await
        })
        .await
        .and_then(|r| r);
    Ok(match outcome {
        Ok(report) => page(&user, StatusCode::OK, None, Vec::new(), Some(report)),
        Err(AppError::Import(problems)) => {
            let message = i18n.t1("people-problems", "count", problems.len());
            page(
                &user,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(message),
                problems,
                None,
            )
        }
        Err(AppError::Forbidden(_)) => return Err(forbidden(&i18n)),
        Err(
            e @ (AppError::Invalid(_)
            | AppError::Store(
                attain_store::StoreError::Invalid(_) | attain_store::StoreError::Conflict(_),
            )),
        ) => page(
            &user,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(explain(&i18n, &e)),
            Vec::new(),
            None,
        ),
        Err(e) => return Err(app_error_page(user.ctx.lang, e)),
    })
}
