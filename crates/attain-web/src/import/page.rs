//! The import pages: upload a file, see how its columns map and what a dry
//! run finds, change the mapping, confirm. The file waits in the database
//! between the steps, so any instance can serve any step.

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use attain_app::AppError;
use attain_import::{
    Entity, ImportOptions, ImportProblem, ImportReport, Mapping, Preset, UnusedColumn,
};
use attain_store::{Actor, Upload};
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use crate::AppState;
use crate::http::context::SignedIn;
use crate::http::error::{OrPage, render};
use crate::http::i18n::I18n;
use crate::http::layout::{Nav, forbidden};

/// The import pages; an upload may be as large as `upload_limit` bytes
/// (plus the form around it), every other body as large as the API's.
pub(crate) fn routes(upload_limit: usize) -> Router<AppState> {
    Router::new()
        .route(
            "/import",
            get(form).post(upload).layer(DefaultBodyLimit::max(
                upload_limit.saturating_add(FORM_SLACK),
            )),
        )
        .route("/import/{id}", get(preview).post(remap))
        .route("/import/{id}/confirm", post(confirm))
        .route("/import/{id}/discard", post(discard))
}

/// Room for the multipart framing and the form's small fields around the file.
const FORM_SLACK: usize = 64 * 1024;

/// Problems shown on one page; the count says how many there are in all.
const PROBLEMS_SHOWN: usize = 200;
/// Data rows shown as samples under the mapping.
const SAMPLE_ROWS: usize = 3;

#[derive(Template)]
#[template(path = "import.html")]
struct FormPage {
    i18n: I18n,
    nav: Option<Nav>,
    entities: Vec<&'static str>,
    presets: Vec<&'static str>,
    error: Option<String>,
}

async fn form(user: SignedIn) -> Result<Response, Response> {
    let i18n = user.ctx.i18n();
    if !user.principal.can_import() {
        return Err(forbidden(&i18n));
    }
    Ok(form_page(&user, i18n, None, StatusCode::OK))
}

fn form_page(user: &SignedIn, i18n: I18n, error: Option<String>, status: StatusCode) -> Response {
    let page = FormPage {
        nav: Nav::new(user, "import", "/import"),
        entities: Entity::ALL.iter().map(|e| e.key()).collect(),
        presets: Preset::ALL.iter().map(|p| p.key()).collect(),
        error,
        i18n,
    };
    (status, render(&page.i18n, &page)).into_response()
}

/// The page that says a file is over the upload limit.
fn too_large(user: &SignedIn, i18n: I18n, limit: usize) -> Response {
    let message = i18n.t1(
        "import-error-too-large",
        "limit",
        crate::http::i18n::bytes(limit),
    );
    form_page(user, i18n, Some(message), StatusCode::PAYLOAD_TOO_LARGE)
}

async fn upload(
    State(state): State<AppState>,
    user: SignedIn,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> Result<Response, Response> {
    let i18n = user.ctx.i18n();
    let lang = user.ctx.lang;
    if !user.principal.can_import() {
        return Err(forbidden(&i18n));
    }
    let limit = state.settings().upload_limit;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|length| length > limit.saturating_add(FORM_SLACK)) {
        return Ok(too_large(&user, i18n, limit));
    }
    let mut fields: HashMap<String, String> = HashMap::new();
    let mut file: Option<(String, Vec<u8>)> = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Ok(too_large(&user, i18n, limit));
            }
            Err(e) => {
                let message = i18n.t1("import-error-upload", "reason", e.body_text());
                return Ok(form_page(
                    &user,
                    i18n,
                    Some(message),
                    StatusCode::BAD_REQUEST,
                ));
            }
        };
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            let file_name = field.file_name().unwrap_or("upload.csv").to_owned();
            match field.bytes().await {
                Ok(bytes) if bytes.len() > limit => return Ok(too_large(&user, i18n, limit)),
                Ok(bytes) => file = Some((file_name, bytes.to_vec())),
                Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                    return Ok(too_large(&user, i18n, limit));
                }
                Err(e) => {
                    let message = i18n.t1("import-error-upload", "reason", e.body_text());
                    return Ok(form_page(
                        &user,
                        i18n,
                        Some(message),
                        StatusCode::BAD_REQUEST,
                    ));
                }
            }
        } else if let Ok(text) = field.text().await {
            fields.insert(name, text);
        }
    }
    let entity = fields.get("entity").and_then(|e| e.parse::<Entity>().ok());
    let preset = fields.get("preset").and_then(|p| p.parse::<Preset>().ok());
    let (Some(entity), Some(preset)) = (entity, preset) else {
        let message = i18n.t("import-error-choose");
        return Ok(form_page(
            &user,
            i18n,
            Some(message),
            StatusCode::UNPROCESSABLE_ENTITY,
        ));
    };
    let Some((file_name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        let message = i18n.t("import-error-no-file");
        return Ok(form_page(
            &user,
            i18n,
            Some(message),
            StatusCode::UNPROCESSABLE_ENTITY,
        ));
    };
    let id = state
        .store()
        .save_upload(&Upload {
            id: 0,
            user: user.principal.user,
            created_at: state.now(),
            file_name,
            entity: entity.key().to_owned(),
            preset: preset.key().to_owned(),
            create_missing_owners: fields.contains_key("create_missing_owners"),
            columns: BTreeMap::new(),
            bytes,
        })
        .await
        .or_page(lang)?;
    Ok(Redirect::to(&format!("/import/{id}")).into_response())
}

/// What a report says beyond its counts, in the reader's language: the
/// columns not imported, the defaults used, the records it creates.
pub(crate) struct ReportView {
    unused: Vec<String>,
    defaults: Vec<String>,
    created: Vec<String>,
}

impl ReportView {
    pub(crate) fn of(i18n: &I18n, report: &ImportReport) -> Self {
        let name = |c: &UnusedColumn| {
            if c.header.is_empty() {
                i18n.t1("import-column-no-header", "position", c.position)
            } else {
                format!("“{}”", c.header)
            }
        };
        let (filled, empty): (Vec<_>, Vec<_>) =
            report.unused_columns.iter().partition(|c| c.values > 0);
        let mut unused: Vec<String> = filled
            .into_iter()
            .map(|c| {
                i18n.ta(
                    "import-unused-column",
                    &[("column", name(c)), ("count", i18n.int(c.values as i64))],
                )
            })
            .collect();
        if !empty.is_empty() {
            let names: Vec<String> = empty.into_iter().map(name).collect();
            unused.push(i18n.t1("import-unused-empty", "columns", names.join(", ")));
        }
        let defaults = report
            .defaults
            .iter()
            .map(|d| {
                i18n.ta(
                    &format!("import-default-{}", d.fallback.key()),
                    &[
                        ("count", i18n.int(d.rows as i64)),
                        ("column", d.fallback.column().unwrap_or_default().to_owned()),
                        ("field", d.fallback.field().unwrap_or_default().to_owned()),
                    ],
                )
            })
            .collect();
        let created = report
            .created
            .iter()
            .map(|c| {
                let names = c.first.join(", ");
                let names = if c.more() > 0 {
                    i18n.ta(
                        "import-names-more",
                        &[("names", names), ("count", i18n.int(c.more() as i64))],
                    )
                } else {
                    names
                };
                i18n.ta(
                    &format!("import-new-{}", c.kind.key()),
                    &[("count", i18n.int(c.count as i64)), ("names", names)],
                )
            })
            .collect();
        Self {
            unused,
            defaults,
            created,
        }
    }
}

/// One Attain field in the preview: where it is read from and a sample.
struct FieldView {
    field: &'static str,
    column: Option<String>,
    required: bool,
    alternatives: String,
    sample: String,
}

#[derive(Template)]
#[template(path = "import_preview.html")]
struct PreviewPage {
    i18n: I18n,
    nav: Option<Nav>,
    id: i64,
    file_name: String,
    entity_label: String,
    preset_label: String,
    create_missing_owners: bool,
    headers: Vec<String>,
    fields: Vec<FieldView>,
    report: Option<ImportReport>,
    details: Option<ReportView>,
    problems: Vec<String>,
    problem_count: usize,
}

fn options_of(
    upload: &Upload,
    clock: attain_core::Clock,
) -> Result<(Entity, ImportOptions), AppError> {
    let entity: Entity = upload.entity.parse().map_err(AppError::Invalid)?;
    let preset: Preset = upload.preset.parse().map_err(AppError::Invalid)?;
    let options = ImportOptions {
        preset,
        mapping: Mapping {
            columns: upload
                .columns
                .iter()
                // "" is "not in this file".
                .map(|(field, header)| {
                    let headers = Some(header.clone()).filter(|h| !h.trim().is_empty());
                    (field.clone(), headers.into_iter().collect())
                })
                .collect(),
            ..Mapping::default()
        },
        dry_run: true,
        create_missing_owners: upload.create_missing_owners,
        actor: None,
        audit_each_record: false,
        clock,
    };
    Ok((entity, options))
}

/// Runs the dry run of an upload and renders what it found.
async fn preview_page(state: &AppState, user: &SignedIn, id: i64) -> Result<Response, Response> {
    let lang = user.ctx.lang;
    let i18n = user.ctx.i18n();
    let upload = state
        .store()
        .upload_of(user.principal.user, id)
        .await
        .or_page(lang)?;
    let (entity, options) = options_of(&upload, state.clock()).or_page(lang)?;
    // The file is read and checked once, off the request threads.
    let (store, by, file_name, bytes, dry_run) = (
        state.store().clone(),
        user.principal.clone(),
        upload.file_name.clone(),
        upload.bytes.clone(),
        options.clone(),
    );
    let (headers, samples, outcome) = state
        .heavy(async move {
            match attain_import::read_any(&file_name, &bytes) {
                Ok((table, problems)) => {
                    let headers = table.header.clone();
                    let samples: Vec<Vec<String>> = table
                        .rows
                        .iter()
                        .take(SAMPLE_ROWS)
                        .map(|(_, cells)| cells.clone())
                        .collect();
                    let outcome = attain_import::import_table_for(
                        &store,
                        &by,
                        entity,
                        table,
                        problems,
                        &dry_run,
                        &|_| {},
                    )
                    .await;
                    (headers, samples, outcome)
                }
                Err(problems) => (Vec::new(), Vec::new(), Err(AppError::Import(problems))),
            }
        })
        .await
        .or_page(lang)?;
    let fields = attain_import::preview_columns(entity, &headers, &options.mapping)
        .into_iter()
        .map(|m| FieldView {
            field: m.field,
            column: m.column.and_then(|c| headers.get(c).cloned()),
            required: m.required,
            alternatives: m.alternatives.join(", "),
            sample: m
                .column
                .map(|c| {
                    samples
                        .iter()
                        .filter_map(|row| row.get(c))
                        .filter(|v| !v.is_empty())
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(" · ")
                })
                .unwrap_or_default(),
        })
        .collect();
    let (report, problems) = match outcome {
        Ok(report) => (Some(report), Vec::new()),
        Err(AppError::Import(problems)) => (None, problems),
        Err(other) => return Err(crate::http::error::app_error_page(lang, other)),
    };
    let details = report.as_ref().map(|r| ReportView::of(&i18n, r));
    let page = PreviewPage {
        nav: Nav::new(user, "import", &format!("/import/{id}")),
        details,
        id,
        file_name: upload.file_name.clone(),
        entity_label: i18n.t(&format!("entity-{}", entity.key())),
        preset_label: i18n.t(&format!("preset-{}", options.preset.key())),
        create_missing_owners: upload.create_missing_owners,
        headers,
        fields,
        report,
        problem_count: problems.len(),
        problems: problems
            .iter()
            .take(PROBLEMS_SHOWN)
            .map(ImportProblem::to_string)
            .collect(),
        i18n,
    };
    let status = if page.problem_count > 0 {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((status, render(&page.i18n, &page)).into_response())
}

async fn preview(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, Response> {
    if !user.principal.can_import() {
        return Err(forbidden(&user.ctx.i18n()));
    }
    preview_page(&state, &user, id).await
}

/// The preview form: `col.<field>` = a header or "" (not in this file).
async fn remap(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<Vec<(String, String)>>,
) -> Result<Response, Response> {
    let lang = user.ctx.lang;
    if !user.principal.can_import() {
        return Err(forbidden(&user.ctx.i18n()));
    }
    let columns: BTreeMap<String, String> = form
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("col.").map(|f| (f.to_owned(), v.clone())))
        .collect();
    let create = form.iter().any(|(k, _)| k == "create_missing_owners");
    state
        .store()
        .set_upload_choices(user.principal.user, id, &columns, create)
        .await
        .or_page(lang)?;
    Ok(Redirect::to(&format!("/import/{id}")).into_response())
}

#[derive(Template)]
#[template(path = "import_done.html")]
struct DonePage {
    i18n: I18n,
    nav: Option<Nav>,
    file_name: String,
    entity_label: String,
    details: ReportView,
    report: ImportReport,
}

async fn confirm(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, Response> {
    let lang = user.ctx.lang;
    let i18n = user.ctx.i18n();
    if !user.principal.can_import() {
        return Err(forbidden(&i18n));
    }
    let store = state.store();
    let upload = store
        .upload_of(user.principal.user, id)
        .await
        .or_page(lang)?;
    let (entity, mut options) = options_of(&upload, state.clock()).or_page(lang)?;
    options.dry_run = false;
    options.actor = Some(Actor::person(&user.principal));
    let (writer, by, file_name, bytes) = (
        store.clone(),
        user.principal.clone(),
        upload.file_name.clone(),
        upload.bytes.clone(),
    );
    let outcome = state
        .heavy(async move {
            attain_import::import_for(&writer, &by, entity, &file_name, &bytes, &options, &|_| {})
                .await
        })
        .await
        .or_page(lang)?;
    match outcome {
        Ok(report) => {
            store
                .delete_upload(user.principal.user, id)
                .await
                .or_page(lang)?;
            let page = DonePage {
                nav: Nav::new(&user, "import", "/import"),
                details: ReportView::of(&i18n, &report),
                file_name: upload.file_name,
                entity_label: i18n.t(&format!("entity-{}", entity.key())),
                report,
                i18n,
            };
            Ok(render(&page.i18n, &page))
        }
        // The data changed since the dry run: show what is wrong now.
        Err(AppError::Import(_)) => preview_page(&state, &user, id).await,
        Err(other) => Err(crate::http::error::app_error_page(lang, other)),
    }
}

async fn discard(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, Response> {
    if !user.principal.can_import() {
        return Err(forbidden(&user.ctx.i18n()));
    }
    state
        .store()
        .delete_upload(user.principal.user, id)
        .await
        .or_page(user.ctx.lang)?;
    Ok(Redirect::to("/import").into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::i18n::Lang;
    use attain_import::{Created, CreatedKind, Defaulted, Fallback};

    #[test]
    fn every_part_of_a_report_has_its_words_in_both_languages() {
        let report = ImportReport {
            unused_columns: vec![
                UnusedColumn {
                    position: 3,
                    header: "Notes".into(),
                    values: 1_500,
                },
                UnusedColumn {
                    position: 9,
                    header: String::new(),
                    values: 2,
                },
                UnusedColumn {
                    position: 10,
                    header: "Fax".into(),
                    values: 0,
                },
            ],
            defaults: Fallback::every_kind()
                .into_iter()
                .map(|fallback| Defaulted {
                    fallback,
                    rows: 1_500,
                })
                .collect(),
            created: [
                CreatedKind::Customers,
                CreatedKind::Channels,
                CreatedKind::Courses,
            ]
            .into_iter()
            .map(|kind| Created {
                kind,
                count: 12,
                first: vec!["Nova Labs".into(), "Orion".into()],
            })
            .collect(),
            ..ImportReport::default()
        };
        for lang in [Lang::En, Lang::ZhCn] {
            let view = ReportView::of(&I18n::new(lang), &report);
            for line in view
                .unused
                .iter()
                .chain(&view.defaults)
                .chain(&view.created)
            {
                assert!(
                    !line.starts_with("import-"),
                    "{lang:?}: no message for {line}"
                );
                assert!(
                    line.contains("1,500")
                        || line.contains("12")
                        || line.contains('2')
                        || line.contains("Fax"),
                    "{line}"
                );
            }
            assert_eq!(view.defaults.len(), Fallback::every_kind().len());
        }
        let en = ReportView::of(&I18n::new(Lang::En), &report);
        assert_eq!(en.unused[0], "“Notes”: a value in 1,500 rows");
        assert_eq!(en.unused[1], "column 9 (no header): a value in 2 rows");
        assert_eq!(en.unused[2], "Empty in every row: “Fax”");
        assert_eq!(
            en.created[0],
            "New customers (12): Nova Labs, Orion and 10 more"
        );
        let zh = ReportView::of(&I18n::new(Lang::ZhCn), &report);
        assert_eq!(
            zh.created[0],
            "新建客户（12 个）：Nova Labs, Orion 等，另有 10 个"
        );
    }
}
