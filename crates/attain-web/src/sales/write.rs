//! Writing sales data through the API: `POST /api/v1/<entity>` creates or
//! updates (by external ID or natural key) one record or an array of them,
//! `PUT /api/v1/<entity>/{id}` replaces a record, `DELETE` removes one.
//!
//! Bodies use Attain's field names — the same as the generic import
//! preset, e.g. `{"name": "…", "customer": "…", "owner": "jane",
//! "amount": "1200.00", "stage": "Closed Won", "close_date": "2026-03-31"}` —
//! and go through the importer, so the API checks, resolves and refuses
//! exactly as a file import does, all or nothing.

use attain_import::{Entity, ImportOptions, ImportReport, Table};
use attain_store::Actor;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{post, put};
use serde::Serialize;

use crate::http::context::ApiUser;
use crate::{ApiError, AppState};

/// Objects accepted in one request.
const MAX_RECORDS: usize = 10_000;

/// `POST /{entity}` for every entity an import reads, and `PUT` and
/// `DELETE /{entity}/{id}` for those changed one by one, each with its
/// entry in the OpenAPI document.
pub(crate) fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    use crate::http::openapi::build;
    use utoipa::openapi::path::HttpMethod;
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, OneOfBuilder, Type};
    let mut router = utoipa_axum::router::OpenApiRouter::new();
    let mut schemas = Vec::new();
    <WriteDto as utoipa::ToSchema>::schemas(&mut schemas);
    let components = router
        .get_openapi_mut()
        .components
        .get_or_insert_with(Default::default);
    components.schemas.insert(
        "WriteDto".to_owned(),
        <WriteDto as utoipa::PartialSchema>::schema(),
    );
    components.schemas.extend(schemas);
    let written = || {
        build::json(
            "What the write did",
            utoipa::openapi::Ref::from_schema_name("WriteDto"),
        )
    };
    for entity in Entity::ALL {
        let key = entity.key();
        let path = format!("/{key}");
        router = router.route(
            &path,
            post(
                move |state: State<AppState>, user: ApiUser, body: Json<serde_json::Value>| {
                    create(state, user, entity, body)
                },
            ),
        );
        let mut object = ObjectBuilder::new().description(Some(format!(
            "One record in the generic import layout of {key}; values as text, numbers or booleans. Fields no field reads are listed in the answer, not stored."
        )));
        for (field, _) in entity.fields() {
            object = object.property(
                field,
                ObjectBuilder::new().schema_type(
                    [Type::String, Type::Number, Type::Boolean, Type::Null]
                        .into_iter()
                        .collect::<utoipa::openapi::schema::SchemaType>(),
                ),
            );
        }
        let one: utoipa::openapi::schema::Schema = object.into();
        let body = OneOfBuilder::new().item(one.clone()).item(
            ArrayBuilder::new()
                .items(utoipa::openapi::schema::ArrayItems::RefOrSchema(Box::new(
                    one.clone().into(),
                )))
                .max_items(Some(MAX_RECORDS)),
        );
        let op = build::operation("write", format!("write_{key}"), format!("Write {key}"))
            .description(Some(format!(
                "Creates or updates {key} as an import does (all or none, audited, one record per object; at most {MAX_RECORDS}): a record found again by its key is updated."
            )))
            .request_body(Some(build::body(format!("One {key} record, or an array of them"), body)))
            .response("201", written())
            .response("200", written())
            .response("4XX", build::problem())
            .build();
        router
            .get_openapi_mut()
            .paths
            .add_path_operation(&path, vec![HttpMethod::Post], op);
        if entity.by_id().is_some() {
            let one_path = format!("{path}/{{id}}");
            router = router.route(
                &one_path,
                put(
                    move |state: State<AppState>,
                          user: ApiUser,
                          id: Path<i64>,
                          body: Json<serde_json::Value>| {
                        replace(state, user, entity, id, body)
                    },
                )
                .delete(
                    move |state: State<AppState>, user: ApiUser, id: Path<i64>| {
                        delete(state, user, entity, id)
                    },
                ),
            );
            let op = build::operation(
                "write",
                format!("replace_{key}"),
                format!("Replace one of the {key}"),
            )
            .parameter(build::id("record"))
            .request_body(Some(build::body(
                format!("The {key} record, in the generic import layout"),
                one,
            )));
            // Market sizes are keyed by what they measure: a POST replaces one.
            let op = if entity == Entity::MarketSizes {
                op.description(Some(
                    "Refused: market sizes are keyed by segment, region and period; POST one to replace it",
                ))
            } else {
                op.response("200", written())
            };
            let op = op.response("4XX", build::problem()).build();
            router
                .get_openapi_mut()
                .paths
                .add_path_operation(&one_path, vec![HttpMethod::Put], op);
            let op = build::operation(
                "write",
                format!("delete_{key}"),
                format!("Delete one of the {key}"),
            )
            .parameter(build::id("record"))
            .response(
                "204",
                utoipa::openapi::ResponseBuilder::new()
                    .description("Deleted")
                    .build(),
            )
            .response("4XX", build::problem())
            .build();
            router.get_openapi_mut().paths.add_path_operation(
                &one_path,
                vec![HttpMethod::Delete],
                op,
            );
        }
    }
    router
}

/// JSON objects → a table whose header is the union of their keys, in
/// first-seen order. Row N is the N-th object (1-based). Values may be
/// strings, numbers, booleans or null.
fn table_of_json(body: serde_json::Value) -> Result<Table, ApiError> {
    let items = match body {
        serde_json::Value::Array(items) => items,
        object @ serde_json::Value::Object(_) => vec![object],
        _ => {
            return Err(ApiError::bad_request(
                "the body must be a JSON object or an array of objects",
            ));
        }
    };
    if items.is_empty() || items.len() > MAX_RECORDS {
        return Err(ApiError::bad_request(format!(
            "send 1 to {MAX_RECORDS} records per request"
        )));
    }
    let mut header: Vec<String> = Vec::new();
    let mut objects = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let serde_json::Value::Object(map) = item else {
            return Err(ApiError::bad_request(format!(
                "record {} is not a JSON object",
                i + 1
            )));
        };
        for key in map.keys() {
            if !header.contains(key) {
                header.push(key.clone());
            }
        }
        objects.push(map);
    }
    let mut rows = Vec::with_capacity(objects.len());
    for (i, map) in objects.iter().enumerate() {
        let mut cells = Vec::with_capacity(header.len());
        for key in &header {
            let text = match map.get(key) {
                None | Some(serde_json::Value::Null) => String::new(),
                Some(serde_json::Value::String(s)) => s.trim().to_owned(),
                Some(serde_json::Value::Number(n)) => n.to_string(),
                Some(serde_json::Value::Bool(b)) => b.to_string(),
                Some(_) => {
                    return Err(ApiError::bad_request(format!(
                        "record {}: field '{key}' must be a string, number, boolean or null",
                        i + 1
                    ))
                    .with_details(serde_json::json!({"row": i + 1, "field": key})));
                }
            };
            cells.push(text);
        }
        rows.push((i + 1, cells));
    }
    Ok(Table {
        file: "body".into(),
        header,
        rows,
        notes: Vec::new(),
    })
}

/// What a write did: the counts, and what the import report says beyond
/// them (the same as the CLI and the import pages show).
#[derive(Serialize, utoipa::ToSchema)]
struct WriteDto {
    records: usize,
    created: usize,
    updated: usize,
    /// Of `updated`, the records the write left as they were.
    unchanged: usize,
    customers_created: usize,
    channels_created: usize,
    courses_created: usize,
    owners_created: Vec<String>,
    /// Customers, channels and courses the records named and that were created.
    new_records: Vec<NewRecordsDto>,
    /// Fields of the body that no field of the entity reads: not stored.
    unused_fields: Vec<String>,
    /// What was filled in where the records did not say.
    defaults: Vec<DefaultDto>,
    notes: Vec<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct NewRecordsDto {
    kind: &'static str,
    count: usize,
    first: Vec<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct DefaultDto {
    code: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    column: Option<String>,
    records: usize,
    message: String,
}

impl From<ImportReport> for WriteDto {
    fn from(r: ImportReport) -> Self {
        Self {
            records: r.records,
            created: r.counts.created,
            updated: r.counts.updated,
            unchanged: r.counts.unchanged,
            customers_created: r.counts.customers_created,
            channels_created: r.counts.channels_created,
            courses_created: r.counts.courses_created,
            owners_created: r.owners_created,
            new_records: r
                .created
                .into_iter()
                .map(|c| NewRecordsDto {
                    kind: c.kind.key(),
                    count: c.count,
                    first: c.first,
                })
                .collect(),
            unused_fields: r.unused_columns.into_iter().map(|c| c.header).collect(),
            defaults: r
                .defaults
                .iter()
                .map(|d| DefaultDto {
                    code: d.fallback.key(),
                    field: d.fallback.field().map(str::to_owned),
                    column: d.fallback.column().map(str::to_owned),
                    records: d.rows,
                    message: d.to_string(),
                })
                .collect(),
            notes: r.notes,
        }
    }
}

fn options(state: &AppState, user: &ApiUser) -> ImportOptions {
    ImportOptions {
        actor: Some(Actor::person(&user.principal)),
        audit_each_record: true,
        clock: state.clock(),
        ..ImportOptions::default()
    }
}

async fn write(
    state: &AppState,
    user: &ApiUser,
    entity: Entity,
    table: Table,
) -> Result<ImportReport, ApiError> {
    let (store, options) = (state.store().clone(), options(state, user));
    let by = user.principal.clone();
    state
        .heavy(async move { attain_import::write_for(&store, &by, entity, table, &options).await })
        .await?
        .map_err(ApiError::from)
}

async fn create(
    State(state): State<AppState>,
    user: ApiUser,
    entity: Entity,
    Json(body): Json<serde_json::Value>,
) -> Result<Response, ApiError> {
    attain_app::records::may_write(&user.principal)?;
    let table = table_of_json(body)?;
    let report = write(&state, &user, entity, table).await?;
    let status = if report.counts.created > 0 {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(WriteDto::from(report))).into_response())
}

async fn replace(
    State(state): State<AppState>,
    user: ApiUser,
    entity: Entity,
    Path(id): Path<i64>,
    Json(body): Json<serde_json::Value>,
) -> Result<Response, ApiError> {
    attain_app::records::may_write(&user.principal)?;
    let kind = entity
        .by_id()
        .ok_or_else(|| ApiError::not_found("no such record"))?;
    if entity == Entity::MarketSizes {
        return Err(ApiError::bad_request(
            "market sizes are keyed by segment, region and period: POST them to replace one",
        ));
    }
    if !body.is_object() {
        return Err(ApiError::bad_request("the body must be one JSON object"));
    }
    let key = state.store().record_key(kind.entity, id).await?;
    let mut table = table_of_json(body)?;
    let field = kind.key;
    match table.header.iter().position(|h| h == field) {
        Some(i) => {
            let given = table.rows[0].1[i].clone();
            if !given.is_empty() && given != key {
                return Err(ApiError::bad_request(format!(
                    "{field} is {key} for record {id}; it cannot be changed here"
                ))
                .with_details(serde_json::json!({"field": field, "value": given})));
            }
            table.rows[0].1[i] = key;
        }
        None => {
            table.header.push(field.to_owned());
            table.rows[0].1.push(key);
        }
    }
    let report = write(&state, &user, entity, table).await?;
    Ok(Json(WriteDto::from(report)).into_response())
}

async fn delete(
    State(state): State<AppState>,
    user: ApiUser,
    entity: Entity,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    attain_app::records::delete(state.store(), &user.principal, entity.key(), id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
