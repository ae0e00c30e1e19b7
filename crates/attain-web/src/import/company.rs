//! A whole company on the Import page: a zip of the folder `attain import
//! all` reads (files named by what they hold, mapping files beside them),
//! checked or written in one step and in one transaction, through the same
//! `attain_import::all`. New people's one-time passwords are shown once,
//! on the answer to the upload, never stored.

use askama::Template;
use attain_app::AppError;
use attain_app::goals::By;
use attain_import::all::{FileReport, FolderOptions, import_folder, plan, read_zip};
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
        "/company/import",
        get(form).post(upload).layer(DefaultBodyLimit::max(
            upload_limit.saturating_add(64 * 1024),
        )),
    )
}

/// The most people one upload adds (see the people page).
const MAX_NEW_PEOPLE: usize = 500;

/// Problems shown on one page; the count says how many there are in all.
const PROBLEMS_SHOWN: usize = 200;

struct ProblemRow {
    file: String,
    row: String,
    column: String,
    message: String,
    value: String,
}

/// One file as the report lists it.
struct FileLine {
    name: String,
    summary: String,
}

#[derive(Template)]
#[template(path = "import_company.html")]
struct CompanyPage {
    i18n: I18n,
    nav: Option<Nav>,
    csrf: String,
    error: Option<String>,
    problems: Vec<ProblemRow>,
    problem_count: usize,
    /// The report's sentence, with `checked` telling which it is.
    summary: Option<(bool, String)>,
    files: Vec<FileLine>,
    notes: Vec<String>,
    passwords: Vec<(String, String)>,
}

struct Outcome {
    status: StatusCode,
    error: Option<String>,
    problems: Vec<attain_core::ImportProblem>,
    summary: Option<(bool, String)>,
    files: Vec<FileLine>,
    notes: Vec<String>,
    passwords: Vec<(String, String)>,
}

impl Outcome {
    fn error(status: StatusCode, message: String) -> Self {
        Self {
            status,
            error: Some(message),
            problems: Vec::new(),
            summary: None,
            files: Vec::new(),
            notes: Vec::new(),
            passwords: Vec::new(),
        }
    }
}

fn page(user: &SignedIn, outcome: Outcome) -> Response {
    let page = CompanyPage {
        i18n: user.ctx.i18n(),
        nav: Nav::new(user, "import", "/company/import"),
        csrf: user.csrf.clone(),
        error: outcome.error,
        problem_count: outcome.problems.len(),
        problems: outcome
            .problems
            .into_iter()
            .take(PROBLEMS_SHOWN)
            .map(|p| ProblemRow {
                file: p.file.rsplit('/').next().unwrap_or(&p.file).to_owned(),
                row: if p.row > 0 {
                    p.row.to_string()
                } else {
                    String::new()
                },
                column: p.column.unwrap_or_default(),
                message: p.message,
                value: p.value.unwrap_or_default(),
            })
            .collect(),
        summary: outcome.summary,
        files: outcome.files,
        notes: outcome.notes,
        passwords: outcome.passwords,
    };
    (outcome.status, render(&page.i18n, &page)).into_response()
}

async fn form(user: SignedIn) -> Result<Response, Response> {
    if !user.principal.can_import() {
        return Err(forbidden(&user.ctx.i18n()));
    }
    Ok(page(
        &user,
        Outcome {
            status: StatusCode::OK,
            error: None,
            problems: Vec::new(),
            summary: None,
            files: Vec::new(),
            notes: Vec::new(),
            passwords: Vec::new(),
        },
    ))
}

/// The report's lines, one per file, in the order they were imported.
fn file_lines(i18n: &I18n, report: &attain_import::all::FolderReport) -> Vec<FileLine> {
    report
        .files
        .iter()
        .map(|done| {
            let name = done
                .name
                .rsplit('/')
                .next()
                .unwrap_or(&done.name)
                .to_owned();
            let summary = match &done.report {
                FileReport::People(r) if r.dry_run => i18n.ta(
                    "people-checked",
                    &[
                        ("rows", r.rows.to_string()),
                        ("created", r.created.to_string()),
                        ("updated", r.updated.to_string()),
                        ("deactivated", r.deactivated.to_string()),
                    ],
                ),
                FileReport::People(r) => i18n.ta(
                    "people-written",
                    &[
                        ("created", r.created.to_string()),
                        ("updated", r.updated.to_string()),
                        ("unchanged", r.unchanged.to_string()),
                        ("deactivated", r.deactivated.to_string()),
                    ],
                ),
                FileReport::Records(r) if r.dry_run => i18n.ta(
                    "company-file-checked",
                    &[
                        ("rows", r.rows.to_string()),
                        ("records", r.records.to_string()),
                    ],
                ),
                FileReport::Records(r) => i18n.ta(
                    "company-file-written",
                    &[
                        ("rows", r.rows.to_string()),
                        ("created", r.counts.created.to_string()),
                        ("updated", r.counts.updated.to_string()),
                    ],
                ),
            };
            FileLine { name, summary }
        })
        .collect()
}

async fn upload(
    State(state): State<AppState>,
    user: SignedIn,
    mut multipart: Multipart,
) -> Result<Response, Response> {
    let i18n = user.ctx.i18n();
    if !user.principal.can_import() {
        return Err(forbidden(&i18n));
    }
    let limit = state.settings().upload_limit;
    let upload = match super::one_step_upload(&mut multipart, limit, "company.zip", &i18n).await {
        Ok(upload) => upload,
        Err((status, message)) => return Ok(page(&user, Outcome::error(status, message))),
    };
    let super::OneStepUpload {
        name,
        bytes,
        create_units,
        write,
    } = upload;
    let options = FolderOptions {
        preset: attain_import::Preset::Generic,
        dry_run: !write,
        create_missing_owners: false,
        create_units,
        clock: state.clock(),
        actor: Some(attain_store::Actor::person(&user.principal)),
        max_new_people: Some(MAX_NEW_PEOPLE),
    };
    let principal = user.principal.clone();
    let store = state.store().clone();
    let done = state
        .heavy(async move {
            let name = name.trim_end_matches(".zip").to_owned();
            let (data, mappings, notes) = read_zip(&name, &bytes, limit)?;
            let files = plan(data, mappings)?;
            let staged = import_folder(&store, By::Person(&principal), files, &options)
                .await
                .map_err(Failure::Folder)?;
            let report = if options.dry_run {
                staged.rollback().await?
            } else {
                staged.commit().await?
            };
            Ok::<_, Failure>((report, notes))
        })
        .await
        .map_err(Failure::App)
        .and_then(|r| r);
    let outcome = match done {
        Ok((mut report, mut notes)) => {
            notes.append(&mut report.notes);
            let files = file_lines(&i18n, &report);
            let checked = report.dry_run;
            let key = if checked {
                "company-checked"
            } else {
                "company-written"
            };
            let passwords = report
                .people()
                .filter(|p| !p.dry_run)
                .map(|p| {
                    p.one_time_passwords
                        .iter()
                        .map(|(l, pw)| (l.to_string(), pw.clone()))
                        .collect()
                })
                .unwrap_or_default();
            Outcome {
                status: StatusCode::OK,
                error: None,
                problems: Vec::new(),
                summary: Some((checked, i18n.t1(key, "count", report.files.len()))),
                files,
                notes,
                passwords,
            }
        }
        Err(Failure::Folder(failure)) => {
            let file = failure
                .file
                .as_deref()
                .map(|f| f.rsplit('/').next().unwrap_or(f).to_owned())
                .unwrap_or_default();
            let unchecked: Vec<String> = failure
                .unchecked
                .iter()
                .map(|f| f.rsplit('/').next().unwrap_or(f).to_owned())
                .collect();
            let mut message = i18n.t1("company-failed", "file", file);
            if !unchecked.is_empty() {
                message.push(' ');
                message.push_str(&i18n.t1("company-unchecked", "files", unchecked.join(", ")));
            }
            match failure.error {
                AppError::Import(problems) => Outcome {
                    problems,
                    ..Outcome::error(StatusCode::UNPROCESSABLE_ENTITY, message)
                },
                AppError::Forbidden(_) => Outcome::error(
                    StatusCode::FORBIDDEN,
                    format!("{message} {}", i18n.t("company-people-admins")),
                ),
                e @ (AppError::Invalid(_)
                | AppError::Store(
                    attain_store::StoreError::Invalid(_) | attain_store::StoreError::Conflict(_),
                )) => Outcome::error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    format!("{message} {}", explain(&i18n, &e)),
                ),
                e => return Err(app_error_page(user.ctx.lang, e)),
            }
        }
        Err(Failure::App(AppError::Import(problems))) => Outcome {
            problems,
            ..Outcome::error(StatusCode::UNPROCESSABLE_ENTITY, i18n.t("company-refused"))
        },
        Err(Failure::App(AppError::Forbidden(_))) => return Err(forbidden(&i18n)),
        Err(Failure::App(
            e @ (AppError::Invalid(_)
            | AppError::Store(
                attain_store::StoreError::Invalid(_) | attain_store::StoreError::Conflict(_),
            )),
        )) => Outcome::error(StatusCode::UNPROCESSABLE_ENTITY, explain(&i18n, &e)),
        Err(Failure::App(e)) => return Err(app_error_page(user.ctx.lang, e)),
    };
    Ok(page(&user, outcome))
}

/// Why an upload stopped: its zip or plan, or one of its files.
enum Failure {
    App(AppError),
    Folder(attain_import::all::FolderError),
}

impl From<AppError> for Failure {
    fn from(e: AppError) -> Self {
        Self::App(e)
    }
}
