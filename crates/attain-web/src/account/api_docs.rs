//! The API page: the OpenAPI document of `/api/v1` for people, rendered on
//! the server from the document itself (no script, no CDN): each operation
//! with its parameters, body and answers, their fields and types.

use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use serde_json::Value;

use crate::AppState;
use crate::http::context::SignedIn;
use crate::http::error::render;
use crate::http::i18n::I18n;
use crate::http::layout::Nav;

/// How deep a schema's fields are shown, and how many rows one schema gives.
const MAX_DEPTH: usize = 4;
const MAX_ROWS: usize = 120;

pub(crate) fn routes(doc: &utoipa::openapi::OpenApi) -> Router<AppState> {
    let doc = Arc::new(serde_json::to_value(doc).unwrap_or_default());
    Router::new().route(
        "/api/docs",
        get(move |state: State<AppState>, user: SignedIn| page(state, user, doc.clone())),
    )
}

/// One row of a schema: a field, its type, whether it must be there.
struct FieldRow {
    depth: usize,
    name: String,
    kind: String,
    required: bool,
    description: String,
}

struct ParamRow {
    name: String,
    location: String,
    required: bool,
    kind: String,
    description: String,
}

struct Answer {
    status: String,
    description: String,
    content_type: String,
    fields: Vec<FieldRow>,
}

struct Operation {
    anchor: String,
    method: String,
    path: String,
    summary: String,
    description: String,
    public: bool,
    params: Vec<ParamRow>,
    body: Vec<FieldRow>,
    answers: Vec<Answer>,
}

struct Tag {
    name: String,
    operations: Vec<Operation>,
}

#[derive(Template)]
#[template(path = "api_docs.html")]
struct ApiDocsPage {
    i18n: I18n,
    nav: Option<Nav>,
    title: String,
    version: String,
    description: String,
    tags: Vec<Tag>,
    count: usize,
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_owned()
}

fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> (&'a Value, Option<String>) {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let name = r.trim_start_matches("#/components/schemas/");
            (&doc["components"]["schemas"][name], Some(name.to_owned()))
        }
        None => (schema, None),
    }
}

/// A schema's type in a few words: `string (date)`, `array of DealDto`, `integer or null`.
fn kind_of(doc: &Value, schema: &Value) -> String {
    let (s, name) = resolve(doc, schema);
    if let Some(name) = name {
        return name;
    }
    if let Some(one) = s.get("oneOf").and_then(Value::as_array) {
        return one
            .iter()
            .map(|x| kind_of(doc, x))
            .collect::<Vec<_>>()
            .join(" | ");
    }
    if s.get("allOf").is_some() {
        return "object".into();
    }
    let types: Vec<String> = match s.get("type") {
        Some(Value::String(t)) => vec![t.clone()],
        Some(Value::Array(ts)) => ts.iter().map(text).collect(),
        _ => vec!["any".into()],
    };
    let mut out = types
        .iter()
        .map(|t| {
            if t == "array" {
                format!(
                    "array of {}",
                    s.get("items")
                        .map_or_else(|| "any".to_owned(), |i| kind_of(doc, i))
                )
            } else {
                t.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" or ");
    if let Some(f) = s.get("format").and_then(Value::as_str) {
        out.push_str(&format!(" ({f})"));
    }
    out
}

/// The fields of `schema`, nested, at most [`MAX_DEPTH`] deep.
fn fields(
    doc: &Value,
    schema: &Value,
    depth: usize,
    seen: &mut Vec<String>,
    out: &mut Vec<FieldRow>,
) {
    if depth >= MAX_DEPTH || out.len() >= MAX_ROWS {
        return;
    }
    let (s, name) = resolve(doc, schema);
    if let Some(name) = &name {
        if seen.contains(name) {
            return;
        }
        seen.push(name.clone());
    }
    let parts: Vec<&Value> = match s.get("allOf").and_then(Value::as_array) {
        Some(all) => all.iter().map(|p| resolve(doc, p).0).collect(),
        None => vec![s],
    };
    for part in parts {
        if let Some(items) = part.get("items") {
            fields(doc, items, depth, seen, out);
        }
        if let Some(one) = part.get("oneOf").and_then(Value::as_array) {
            for x in one {
                fields(doc, x, depth, seen, out);
            }
        }
        let required: Vec<&str> = part
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if let Some(props) = part.get("properties").and_then(Value::as_object) {
            for (field, sub) in props {
                if out.len() >= MAX_ROWS {
                    return;
                }
                out.push(FieldRow {
                    depth,
                    name: field.clone(),
                    kind: kind_of(doc, sub),
                    required: required.contains(&field.as_str()),
                    description: text(&resolve(doc, sub).0["description"]),
                });
                fields(doc, sub, depth + 1, seen, out);
            }
        }
    }
    if name.is_some() {
        seen.pop();
    }
}

fn schema_rows(doc: &Value, content: &Value) -> (String, Vec<FieldRow>) {
    let Some((content_type, media)) = content.as_object().and_then(|c| c.iter().next()) else {
        return (String::new(), Vec::new());
    };
    let mut rows = Vec::new();
    let schema = &media["schema"];
    rows.push(FieldRow {
        depth: 0,
        name: String::new(),
        kind: kind_of(doc, schema),
        required: true,
        description: text(&resolve(doc, schema).0["description"]),
    });
    // Every problem has the one shape the page's introduction describes.
    if resolve(doc, schema).1.as_deref() != Some("ErrorBody") {
        fields(doc, schema, 1, &mut Vec::new(), &mut rows);
    }
    (content_type.clone(), rows)
}

fn operations(doc: &Value) -> Vec<Tag> {
    let mut tags: Vec<Tag> = Vec::new();
    let empty = serde_json::Map::new();
    for (path, item) in doc["paths"].as_object().unwrap_or(&empty) {
        for method in ["get", "post", "put", "delete", "patch"] {
            let Some(op) = item.get(method) else { continue };
            let params = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| ParamRow {
                    name: text(&p["name"]),
                    location: text(&p["in"]),
                    required: p["required"].as_bool().unwrap_or(false),
                    kind: kind_of(doc, &p["schema"]),
                    description: text(&p["description"]),
                })
                .collect();
            let body = op
                .get("requestBody")
                .map(|b| schema_rows(doc, &b["content"]).1)
                .unwrap_or_default();
            let answers = op["responses"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(status, r)| {
                    let (content_type, fields) = schema_rows(doc, &r["content"]);
                    Answer {
                        status: status.clone(),
                        description: text(&r["description"]),
                        content_type,
                        fields,
                    }
                })
                .collect();
            let tag = op["tags"][0].as_str().unwrap_or("api").to_owned();
            let operation = Operation {
                anchor: text(&op["operationId"]),
                method: method.to_uppercase(),
                path: path.clone(),
                summary: text(&op["summary"]),
                description: text(&op["description"]),
                public: op["security"] == serde_json::json!([{}]),
                params,
                body,
                answers,
            };
            match tags.iter_mut().find(|t| t.name == tag) {
                Some(t) => t.operations.push(operation),
                None => tags.push(Tag {
                    name: tag,
                    operations: vec![operation],
                }),
            }
        }
    }
    tags
}

async fn page(
    State(_state): State<AppState>,
    user: SignedIn,
    doc: Arc<Value>,
) -> Result<Response, Response> {
    let i18n = user.ctx.i18n();
    let tags = operations(&doc);
    let page = ApiDocsPage {
        nav: Nav::new(&user, "account", "/api/docs"),
        title: text(&doc["info"]["title"]),
        version: text(&doc["info"]["version"]),
        description: text(&doc["info"]["description"]),
        count: tags.iter().map(|t| t.operations.len()).sum(),
        tags,
        i18n,
    };
    Ok(render(&page.i18n, &page))
}
