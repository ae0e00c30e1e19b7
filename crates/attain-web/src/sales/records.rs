//! Read endpoints for the sales records without a typed endpoint of their
//! own: `GET /api/v1/<entity>` (paged; `from`/`to` on the entity's date;
//! any other parameter filters a field by equality) and
//! `GET /api/v1/<entity>/{id}`. Every read goes through the caller's
//! visibility: another rep's payment is a 404, as if it did not exist.

use std::collections::BTreeMap;

use attain_store::{FieldValue, Record, RecordFilter, record_entities};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::routing::get;
use serde_json::{Map, Value, json};

use crate::http::context::ApiUser;
use crate::http::error::MAX_PAGE;
use crate::{ApiError, AppState};

/// `GET /{entity}` and `GET /{entity}/{id}` for every record entity, each
/// with its entry in the OpenAPI document.
pub(crate) fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    use crate::http::openapi::build;
    use utoipa::openapi::path::HttpMethod;
    let mut router = utoipa_axum::router::OpenApiRouter::new();
    for (entity, has_id) in record_entities() {
        let fields =
            attain_store::record_fields(entity).unwrap_or_else(|| attain_store::RecordFields {
                fields: Vec::new(),
                filters: Vec::new(),
                dated: false,
            });
        let list_path = format!("/{entity}");
        router = router.route(
            &list_path,
            get(
                move |state: State<AppState>,
                      user: ApiUser,
                      query: Query<BTreeMap<String, String>>| {
                    list(state, user, entity, query)
                },
            ),
        );
        let mut op = build::operation("records", format!("list_{entity}"), format!("List {entity}"))
            .description(Some(format!("The {entity} the caller may see, a page at a time (default 100, at most {MAX_PAGE}); filters are equality on a field.")))
            .parameter(build::query("offset", attain_store::FieldKind::Int, "Records to skip"))
            .parameter(build::query("limit", attain_store::FieldKind::Int, "Records to answer"));
        for (name, kind) in &fields.filters {
            op = op.parameter(build::query(
                name,
                *kind,
                &format!("Only {entity} whose {name} is this"),
            ));
        }
        if fields.dated {
            op = op
                .parameter(build::query(
                    "from",
                    attain_store::FieldKind::Date,
                    "First day (inclusive) of the main date",
                ))
                .parameter(build::query(
                    "to",
                    attain_store::FieldKind::Date,
                    "Last day (inclusive) of the main date",
                ));
        }
        let op = op
            .response(
                "200",
                build::json(
                    &format!("A page of {entity}"),
                    build::page(build::record(&fields.fields)),
                ),
            )
            .response("4XX", build::problem())
            .build();
        router
            .get_openapi_mut()
            .paths
            .add_path_operation(&list_path, vec![HttpMethod::Get], op);
        if has_id {
            let one_path = format!("/{entity}/{{id}}");
            router = router.route(
                &one_path,
                get(
                    move |state: State<AppState>, user: ApiUser, id: Path<i64>| {
                        one(state, user, entity, id)
                    },
                ),
            );
            let op = build::operation(
                "records",
                format!("get_{entity}"),
                format!("One of the {entity}"),
            )
            .parameter(build::id("record"))
            .response(
                "200",
                build::json("The record", build::record(&fields.fields)),
            )
            .response("4XX", build::problem())
            .build();
            router
                .get_openapi_mut()
                .paths
                .add_path_operation(&one_path, vec![HttpMethod::Get], op);
        }
    }
    router
}

/// A record on the wire: money as `{"amount": "12.30", "currency": "CNY"}`,
/// dates ISO, instants RFC 3339.
fn to_json(record: &Record) -> Value {
    let mut map = Map::new();
    for (name, value) in &record.fields {
        let v = match value {
            FieldValue::Null => Value::Null,
            FieldValue::Int(i) => json!(i),
            FieldValue::Text(t) => json!(t),
            FieldValue::Date(d) => json!(d.to_string()),
            FieldValue::Time(t) => json!(t.to_rfc3339()),
            FieldValue::Bool(b) => json!(b),
            FieldValue::Money(m) => {
                json!({"amount": m.rounded().amount().to_string(), "currency": m.currency().code()})
            }
        };
        map.insert((*name).to_owned(), v);
    }
    Value::Object(map)
}

fn number(query: &BTreeMap<String, String>, name: &str, default: i64) -> Result<i64, ApiError> {
    match query.get(name) {
        None => Ok(default),
        Some(v) => v.trim().parse().map_err(|_| {
            ApiError::bad_field(name, v, format!("{name}: '{v}' is not a whole number"))
        }),
    }
}

async fn list(
    State(state): State<AppState>,
    user: ApiUser,
    entity: &'static str,
    Query(query): Query<BTreeMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let (offset, limit) = ApiError::paging(
        query
            .get("offset")
            .map(|_| number(&query, "offset", 0))
            .transpose()?,
        query
            .get("limit")
            .map(|_| number(&query, "limit", 100))
            .transpose()?,
        100,
        MAX_PAGE,
    )?;
    let filter = RecordFilter {
        equals: query
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "offset" | "limit" | "from" | "to"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        from: ApiError::query_date("from", query.get("from").map(String::as_str))?,
        to: ApiError::query_date("to", query.get("to").map(String::as_str))?,
    };
    let page = state
        .store()
        .records_visible(entity, &user.principal.visibility(), &filter, offset, limit)
        .await
        .map_err(|e| match e {
            attain_store::StoreError::Invalid(message) => ApiError::bad_request(message),
            other => other.into(),
        })?;
    Ok(Json(json!({
        "items": page.items.iter().map(to_json).collect::<Vec<_>>(),
        "total": page.total,
        "offset": offset,
        "limit": limit,
    })))
}

async fn one(
    State(state): State<AppState>,
    user: ApiUser,
    entity: &'static str,
    Path(id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    let record = state
        .store()
        .record_visible(entity, &user.principal.visibility(), id)
        .await?;
    Ok(Json(to_json(&record)))
}
