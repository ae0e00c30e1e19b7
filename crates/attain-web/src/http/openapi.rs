//! The API's OpenAPI 3.1 document, made from the handlers' own route
//! attributes and types (utoipa): every `/api/v1` route is registered
//! through [`utoipa_axum`]'s router, so a route and its entry in the
//! document are one declaration, and the routes made per entity add their
//! entries from the same lists that make them. Served as
//! `/api/v1/openapi.json` and read by the API page.

use axum::Json;
use axum::response::IntoResponse;
use utoipa::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{OpenApi as Document, Server};

/// Where the API lives.
pub(crate) const PREFIX: &str = "/api/v1";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Attain API",
        description = "Goals, KPIs, pay and the sales records of one Attain instance. Every endpoint needs an API token (`Authorization: Bearer atn_…`, from `attain token create` or `POST /api/v1/tokens`) or a signed-in session; a caller sees only what his role and unit let him see. Errors are `{\"error\": {\"code\", \"message\", \"details\"}}`. Money is an exact decimal string with its currency; dates are ISO 8601.",
        license(name = "Apache-2.0")
    ),
    modifiers(&Security),
    security(("bearer" = []), ("session" = [])),
)]
struct Base;

struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, doc: &mut Document) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("atn_…")
                    .description(Some(
                        "An API token: `attain token create LOGIN`, or POST /api/v1/tokens",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "attain_session",
                "The session of someone signed in to the web interface (writes also need the x-csrf-token header)",
            ))),
        );
    }
}

/// The document's base: title, description, security schemes.
pub(crate) fn base() -> Document {
    let mut doc = Base::openapi();
    doc.info.version = crate::VERSION.to_owned();
    doc
}

/// The document of the routes given, their paths under [`PREFIX`].
pub(crate) fn finish(mut doc: Document) -> Document {
    let paths = std::mem::take(&mut doc.paths.paths);
    for (path, item) in paths {
        doc.paths.paths.insert(format!("{PREFIX}{path}"), item);
    }
    doc.servers = Some(vec![Server::new("/")]);
    doc
}

/// `GET /api/v1/openapi.json`: the document, made once when the router is.
pub(crate) fn document_route(doc: &Document) -> axum::routing::MethodRouter<crate::AppState> {
    let value = std::sync::Arc::new(serde_json::to_value(doc).unwrap_or_default());
    axum::routing::get(move || {
        let value = value.clone();
        async move { Json((*value).clone()).into_response() }
    })
}

/// The document's own entry (its route is added once the document is made,
/// by [`document_route`]).
pub(crate) fn routes() -> utoipa_axum::router::OpenApiRouter<crate::AppState> {
    use utoipa::openapi::path::{HttpMethod, OperationBuilder, PathItem};
    use utoipa::openapi::response::ResponseBuilder;
    let mut router = utoipa_axum::router::OpenApiRouter::new();
    let operation = OperationBuilder::new()
        .tag("instance")
        .summary(Some("This document"))
        .description(Some("The OpenAPI 3.1 document of the whole API. Public."))
        .operation_id(Some("openapi"))
        .security(utoipa::openapi::security::SecurityRequirement::default())
        .response(
            "200",
            ResponseBuilder::new()
                .description("The document")
                .content(
                    "application/json",
                    utoipa::openapi::content::Content::new(Some(
                        utoipa::openapi::schema::Object::new(),
                    )),
                )
                .build(),
        )
        .build();
    router.get_openapi_mut().paths.paths.insert(
        "/openapi.json".to_owned(),
        PathItem::new(HttpMethod::Get, operation),
    );
    router
}

/// Schemas and operations for the routes made per entity, from the same
/// lists that make the routes.
pub(crate) mod build {
    use attain_store::FieldKind;
    use utoipa::openapi::path::{OperationBuilder, ParameterBuilder, ParameterIn};
    use utoipa::openapi::request_body::RequestBodyBuilder;
    use utoipa::openapi::response::ResponseBuilder;
    use utoipa::openapi::schema::{
        ArrayBuilder, KnownFormat, ObjectBuilder, OneOfBuilder, Schema, SchemaFormat, Type,
    };
    use utoipa::openapi::{Content, Ref, RefOr, Required};

    /// Money on the wire: `{"amount": "12.30", "currency": "CNY"}`.
    pub(crate) fn money() -> Schema {
        ObjectBuilder::new()
            .property(
                "amount",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .description(Some("An exact decimal")),
            )
            .required("amount")
            .property(
                "currency",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .description(Some("ISO 4217")),
            )
            .required("currency")
            .into()
    }

    /// A field of `kind`, which may be `null`.
    pub(crate) fn field(kind: FieldKind) -> RefOr<Schema> {
        let nullable = |t: Type, format: Option<KnownFormat>| -> RefOr<Schema> {
            ObjectBuilder::new()
                .schema_type(
                    [t, Type::Null]
                        .into_iter()
                        .collect::<utoipa::openapi::schema::SchemaType>(),
                )
                .format(format.map(SchemaFormat::KnownFormat))
                .into()
        };
        match kind {
            FieldKind::Int => nullable(Type::Integer, Some(KnownFormat::Int64)),
            FieldKind::Text => nullable(Type::String, None),
            FieldKind::Date => nullable(Type::String, Some(KnownFormat::Date)),
            FieldKind::Time => nullable(Type::String, Some(KnownFormat::DateTime)),
            FieldKind::Bool => nullable(Type::Boolean, None),
            FieldKind::Money => OneOfBuilder::new()
                .item(money())
                .item(ObjectBuilder::new().schema_type(Type::Null))
                .into(),
        }
    }

    /// One record of an entity: every field, each present (`null` when empty).
    pub(crate) fn record(fields: &[(&'static str, FieldKind)]) -> Schema {
        let mut object = ObjectBuilder::new();
        for (name, kind) in fields {
            object = object.property(*name, field(*kind)).required(*name);
        }
        object.into()
    }

    /// A page of `item`s: `items`, `total`, `offset`, `limit`.
    pub(crate) fn page(item: impl Into<RefOr<Schema>>) -> Schema {
        let int = || {
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
        };
        ObjectBuilder::new()
            .property(
                "items",
                ArrayBuilder::new().items(utoipa::openapi::schema::ArrayItems::RefOrSchema(
                    Box::new(item.into()),
                )),
            )
            .required("items")
            .property("total", int())
            .required("total")
            .property("offset", int())
            .required("offset")
            .property("limit", int())
            .required("limit")
            .into()
    }

    /// A JSON answer of `schema`.
    pub(crate) fn json(
        description: &str,
        schema: impl Into<RefOr<Schema>>,
    ) -> utoipa::openapi::Response {
        ResponseBuilder::new()
            .description(description)
            .content("application/json", Content::new(Some(schema)))
            .build()
    }

    /// The answer to a problem, as every route gives it.
    pub(crate) fn problem() -> utoipa::openapi::Response {
        json(
            "A problem: not signed in, not allowed, not found, or a bad value (the error names it)",
            Ref::from_schema_name("ErrorBody"),
        )
    }

    /// A query parameter.
    pub(crate) fn query(
        name: &str,
        kind: FieldKind,
        description: &str,
    ) -> utoipa::openapi::path::Parameter {
        let schema: RefOr<Schema> = match kind {
            FieldKind::Int => ObjectBuilder::new().schema_type(Type::Integer).into(),
            FieldKind::Bool => ObjectBuilder::new().schema_type(Type::Boolean).into(),
            FieldKind::Date => ObjectBuilder::new()
                .schema_type(Type::String)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
                .into(),
            _ => ObjectBuilder::new().schema_type(Type::String).into(),
        };
        ParameterBuilder::new()
            .name(name)
            .parameter_in(ParameterIn::Query)
            .required(Required::False)
            .description(Some(description))
            .schema(Some(schema))
            .build()
    }

    /// The `id` path parameter.
    pub(crate) fn id(what: &str) -> utoipa::openapi::path::Parameter {
        ParameterBuilder::new()
            .name("id")
            .parameter_in(ParameterIn::Path)
            .required(Required::True)
            .description(Some(format!("The {what}'s ID")))
            .schema(Some(
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64))),
            ))
            .build()
    }

    /// An operation with a tag, an ID and a summary.
    pub(crate) fn operation(tag: &str, id: String, summary: String) -> OperationBuilder {
        OperationBuilder::new()
            .tag(tag)
            .operation_id(Some(id))
            .summary(Some(summary))
    }

    /// A JSON body of `schema`.
    pub(crate) fn body(
        description: String,
        schema: impl Into<RefOr<Schema>>,
    ) -> utoipa::openapi::request_body::RequestBody {
        RequestBodyBuilder::new()
            .description(Some(description))
            .content("application/json", Content::new(Some(schema)))
            .required(Some(Required::True))
            .build()
    }
}
