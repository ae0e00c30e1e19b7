//! Reading the sales records that have no page of their own (products,
//! contacts, payments, refunds, activities, tickets, surveys, spend,
//! enrolments and the reference lists) as generic records: named, typed
//! fields, money exact, each entity filtered by the reader's visibility.

use attain_core::{Money, Visibility};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::Row;

use crate::bulk::Val;
use crate::sales::{SCOPE_CTE, Where};
use crate::{Paged, Store, StoreError, StoreResult, money_from_columns, on_pool};

/// One field's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldValue {
    /// Absent.
    Null,
    /// A whole number or a reference ID.
    Int(i64),
    /// Text.
    Text(String),
    /// A calendar date.
    Date(NaiveDate),
    /// An instant.
    Time(DateTime<Utc>),
    /// Yes or no.
    Bool(bool),
    /// An exact amount.
    Money(Money),
}

/// A stored record as named fields, in a fixed order per entity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The fields, `id` first where the entity has one.
    pub fields: Vec<(&'static str, FieldValue)>,
}

#[derive(Clone, Copy)]
enum Kind {
    Int,
    Text,
    Date,
    Time,
    Bool,
    /// Minor units; the currency is the column named `currency`.
    Money,
}

struct Col {
    name: &'static str,
    expr: &'static str,
    kind: Kind,
}

const fn col(name: &'static str, expr: &'static str, kind: Kind) -> Col {
    Col { name, expr, kind }
}

/// Who may see which rows of an entity.
enum Scope {
    /// Reference data: everyone signed in.
    Public,
    /// Rows whose person column (an owner, a user) the reader may see.
    Person(&'static str),
    /// Rows charged to an org unit in the reader's subtree.
    Unit(&'static str),
}

/// How an entity is read: its tables, columns, visibility, the date its
/// `from`/`to` filters apply to, and the columns it can be filtered by.
struct Spec {
    entity: &'static str,
    from: &'static str,
    cols: &'static [Col],
    scope: Scope,
    date: Option<&'static str>,
    filters: &'static [(&'static str, &'static str, Kind)],
    order: &'static str,
    has_id: bool,
}

use Kind::{Bool, Date, Int, Text, Time};

const SPECS: &[Spec] = &[
    Spec {
        entity: "products",
        from: "products p",
        cols: &[
            col("id", "p.id", Int),
            col("sku", "p.sku", Text),
            col("name", "p.name", Text),
            col("category", "p.category", Text),
            col("currency", "p.currency", Text),
            col("list_price", "p.list_price_minor", Kind::Money),
            col("unit_cost", "p.unit_cost_minor", Kind::Money),
            col("active", "p.active", Bool),
            col("external_id", "p.external_id", Text),
        ],
        scope: Scope::Public,
        date: None,
        filters: &[
            ("category", "p.category", Text),
            ("active", "p.active", Bool),
        ],
        order: "ORDER BY p.id",
        has_id: true,
    },
    Spec {
        entity: "contacts",
        from: "contacts k LEFT JOIN customers cu ON cu.id = k.customer_id",
        cols: &[
            col("id", "k.id", Int),
            col("customer_id", "k.customer_id", Int),
            col("name", "k.name", Text),
            col("title", "k.title", Text),
            col("email", "k.email", Text),
            col("phone", "k.phone", Text),
            col("owner_id", "k.owner_id", Int),
            col("external_id", "k.external_id", Text),
        ],
        // A contact without a customer belongs to whoever owns it.
        scope: Scope::Person("COALESCE(cu.owner_id, k.owner_id)"),
        date: None,
        filters: &[("customer_id", "k.customer_id", Int)],
        order: "ORDER BY k.id",
        has_id: true,
    },
    Spec {
        entity: "payments",
        from: "payments x JOIN orders o ON o.id = x.order_id",
        cols: &[
            col("id", "x.id", Int),
            col("order_id", "x.order_id", Int),
            col("received_on", "x.received_on", Date),
            col("currency", "x.currency", Text),
            col("amount", "x.amount_minor", Kind::Money),
            col("method", "x.method", Text),
            col("external_id", "x.external_id", Text),
        ],
        scope: Scope::Person("o.owner_id"),
        date: Some("x.received_on"),
        filters: &[
            ("order_id", "x.order_id", Int),
            ("customer_id", "o.customer_id", Int),
            ("owner_id", "o.owner_id", Int),
        ],
        order: "ORDER BY x.received_on DESC, x.id DESC",
        has_id: true,
    },
    Spec {
        entity: "refunds",
        from: "refunds x JOIN orders o ON o.id = x.order_id",
        cols: &[
            col("id", "x.id", Int),
            col("order_id", "x.order_id", Int),
            col("refunded_on", "x.refunded_on", Date),
            col("currency", "x.currency", Text),
            col("amount", "x.amount_minor", Kind::Money),
            col("reason", "x.reason", Text),
            col("external_id", "x.external_id", Text),
        ],
        scope: Scope::Person("o.owner_id"),
        date: Some("x.refunded_on"),
        filters: &[
            ("order_id", "x.order_id", Int),
            ("owner_id", "o.owner_id", Int),
        ],
        order: "ORDER BY x.refunded_on DESC, x.id DESC",
        has_id: true,
    },
    Spec {
        entity: "activities",
        from: "activities a",
        cols: &[
            col("id", "a.id", Int),
            col("kind", "a.kind", Text),
            col("owner_id", "a.owner_id", Int),
            col("customer_id", "a.customer_id", Int),
            col("deal_id", "a.deal_id", Int),
            col("contact_id", "a.contact_id", Int),
            col("lead_external_id", "a.lead_external_id", Text),
            col("related_external_id", "a.related_external_id", Text),
            col("occurred_on", "a.occurred_on", Date),
            col("subject", "a.subject", Text),
            col("external_id", "a.external_id", Text),
        ],
        scope: Scope::Person("a.owner_id"),
        date: Some("a.occurred_on"),
        filters: &[
            ("kind", "a.kind", Text),
            ("owner_id", "a.owner_id", Int),
            ("customer_id", "a.customer_id", Int),
            ("deal_id", "a.deal_id", Int),
            ("contact_id", "a.contact_id", Int),
        ],
        order: "ORDER BY a.occurred_on DESC, a.id DESC",
        has_id: true,
    },
    Spec {
        entity: "tickets",
        from: "tickets t LEFT JOIN customers cu ON cu.id = t.customer_id",
        cols: &[
            col("id", "t.id", Int),
            col("customer_id", "t.customer_id", Int),
            col("contact_id", "t.contact_id", Int),
            col("opened_at", "t.opened_at", Time),
            col("first_response_at", "t.first_response_at", Time),
            col("resolved_at", "t.resolved_at", Time),
            col("priority", "t.priority", Text),
            col("category", "t.category", Text),
            col("subject", "t.subject", Text),
            col("external_id", "t.external_id", Text),
        ],
        scope: Scope::Person("cu.owner_id"),
        date: None,
        filters: &[
            ("customer_id", "t.customer_id", Int),
            ("priority", "t.priority", Text),
            ("category", "t.category", Text),
        ],
        order: "ORDER BY t.opened_at DESC, t.id DESC",
        has_id: true,
    },
    Spec {
        entity: "surveys",
        from: "survey_responses s JOIN customers cu ON cu.id = s.customer_id",
        cols: &[
            col("id", "s.id", Int),
            col("customer_id", "s.customer_id", Int),
            col("kind", "s.kind", Text),
            col("score", "CAST(s.score AS BIGINT)", Int),
            col("responded_on", "s.responded_on", Date),
            col("comment", "s.comment", Text),
            col("external_id", "s.external_id", Text),
        ],
        scope: Scope::Person("cu.owner_id"),
        date: Some("s.responded_on"),
        filters: &[
            ("customer_id", "s.customer_id", Int),
            ("kind", "s.kind", Text),
        ],
        order: "ORDER BY s.responded_on DESC, s.id DESC",
        has_id: true,
    },
    Spec {
        entity: "spend",
        from: "spend s",
        cols: &[
            col("id", "s.id", Int),
            col("channel", "s.channel", Text),
            col("kind", "s.kind", Text),
            col("spent_on", "s.spent_on", Date),
            col("currency", "s.currency", Text),
            col("amount", "s.amount_minor", Kind::Money),
            col("org_unit_id", "s.org_unit_id", Int),
            col("description", "s.description", Text),
            col("external_id", "s.external_id", Text),
        ],
        scope: Scope::Unit("s.org_unit_id"),
        date: Some("s.spent_on"),
        filters: &[
            ("channel", "s.channel", Text),
            ("kind", "s.kind", Text),
            ("org_unit_id", "s.org_unit_id", Int),
        ],
        order: "ORDER BY s.spent_on DESC, s.id DESC",
        has_id: true,
    },
    Spec {
        entity: "enrolments",
        from: "enrolments e JOIN courses c ON c.id = e.course_id",
        cols: &[
            col("id", "e.id", Int),
            col("course_id", "e.course_id", Int),
            col("course", "c.name", Text),
            col("user_id", "e.user_id", Int),
            col("assigned_on", "e.assigned_on", Date),
            col("due_on", "e.due_on", Date),
            col("completed_on", "e.completed_on", Date),
            col("score", "CAST(e.score AS BIGINT)", Int),
            col("external_id", "e.external_id", Text),
        ],
        scope: Scope::Person("e.user_id"),
        date: Some("e.due_on"),
        filters: &[
            ("course_id", "e.course_id", Int),
            ("user_id", "e.user_id", Int),
        ],
        order: "ORDER BY e.due_on DESC, e.id DESC",
        has_id: true,
    },
    Spec {
        entity: "courses",
        from: "courses c",
        cols: &[
            col("id", "c.id", Int),
            col("name", "c.name", Text),
            col("kind", "c.kind", Text),
            col("external_id", "c.external_id", Text),
        ],
        scope: Scope::Public,
        date: None,
        filters: &[("kind", "c.kind", Text)],
        order: "ORDER BY c.id",
        has_id: true,
    },
    Spec {
        entity: "competitors",
        from: "competitors c",
        cols: &[
            col("id", "c.id", Int),
            col("name", "c.name", Text),
            col("website", "c.website", Text),
            col("price_position", "c.price_position", Text),
            col("strengths", "c.strengths", Text),
            col("weaknesses", "c.weaknesses", Text),
            col("external_id", "c.external_id", Text),
        ],
        scope: Scope::Public,
        date: None,
        filters: &[],
        order: "ORDER BY c.id",
        has_id: true,
    },
    Spec {
        entity: "territories",
        from: "territories t",
        cols: &[
            col("id", "t.id", Int),
            col("name", "t.name", Text),
            col("parent_id", "t.parent_id", Int),
            col("external_id", "t.external_id", Text),
        ],
        scope: Scope::Public,
        date: None,
        filters: &[("parent_id", "t.parent_id", Int)],
        order: "ORDER BY t.id",
        has_id: true,
    },
    Spec {
        entity: "channels",
        from: "channels c",
        cols: &[col("key", "c.key", Text), col("name", "c.name", Text)],
        scope: Scope::Public,
        date: None,
        filters: &[],
        order: "ORDER BY c.key",
        has_id: false,
    },
    Spec {
        entity: "market-sizes",
        from: "market_sizes m",
        cols: &[
            col("id", "m.id", Int),
            col("segment", "m.segment", Text),
            col("region", "m.region", Text),
            col("period", "m.period", Text),
            col("currency", "m.currency", Text),
            col("amount", "m.amount_minor", Kind::Money),
        ],
        scope: Scope::Public,
        date: None,
        filters: &[
            ("segment", "m.segment", Text),
            ("region", "m.region", Text),
            ("period", "m.period", Text),
        ],
        order: "ORDER BY m.period, m.segment, m.region",
        has_id: true,
    },
    Spec {
        entity: "exchange-rates",
        from: "exchange_rates r",
        cols: &[
            col("currency", "r.currency", Text),
            col("month", "r.month", Text),
            col("rate_to_base", "r.rate_to_base", Text),
        ],
        scope: Scope::Public,
        date: None,
        filters: &[("currency", "r.currency", Text), ("month", "r.month", Text)],
        order: "ORDER BY r.month DESC, r.currency",
        has_id: false,
    },
];

/// The entities [`Store::records_visible`] reads, and whether each has IDs.
pub fn record_entities() -> impl Iterator<Item = (&'static str, bool)> {
    SPECS.iter().map(|s| (s.entity, s.has_id))
}

/// The type of a record's field on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// A whole number or a reference ID.
    Int,
    /// Text.
    Text,
    /// A calendar date.
    Date,
    /// An instant.
    Time,
    /// Yes or no.
    Bool,
    /// An exact amount with its currency.
    Money,
}

fn kind_of(kind: &Kind) -> FieldKind {
    match kind {
        Kind::Int => FieldKind::Int,
        Kind::Text => FieldKind::Text,
        Kind::Date => FieldKind::Date,
        Kind::Time => FieldKind::Time,
        Kind::Bool => FieldKind::Bool,
        Kind::Money => FieldKind::Money,
    }
}

/// An entity's fields in the order a record has them, and the fields it
/// can be filtered by, with their types (for the API's description of it).
pub fn record_fields(entity: &str) -> Option<RecordFields> {
    let s = SPECS.iter().find(|s| s.entity == entity)?;
    Some(RecordFields {
        fields: s.cols.iter().map(|c| (c.name, kind_of(&c.kind))).collect(),
        filters: s.filters.iter().map(|(n, _, k)| (*n, kind_of(k))).collect(),
        dated: s.date.is_some(),
    })
}

/// What [`record_fields`] says of an entity.
#[derive(Debug, Clone)]
pub struct RecordFields {
    /// Every field of a record, in order.
    pub fields: Vec<(&'static str, FieldKind)>,
    /// The fields a list can be filtered by.
    pub filters: Vec<(&'static str, FieldKind)>,
    /// Whether a list takes `from` and `to` (its main date).
    pub dated: bool,
}

/// Filters for [`Store::records_visible`]: equality on the entity's filter
/// fields, and a date range on its main date.
#[derive(Debug, Clone, Default)]
pub struct RecordFilter {
    /// Field name → value, as text.
    pub equals: Vec<(String, String)>,
    /// First day (inclusive).
    pub from: Option<NaiveDate>,
    /// Last day (inclusive).
    pub to: Option<NaiveDate>,
}

fn spec(entity: &str) -> StoreResult<&'static Spec> {
    SPECS
        .iter()
        .find(|s| s.entity == entity)
        .ok_or_else(|| StoreError::NotFound {
            entity: "entity",
            id: entity.to_owned(),
        })
}

fn scoped(spec: &Spec, visibility: &Visibility) -> Where {
    match spec.scope {
        Scope::Public => Where::scoped(&Visibility::Everything, ""),
        Scope::Person(column) => Where::scoped(visibility, column),
        Scope::Unit(column) => match visibility {
            Visibility::Everything => Where::scoped(visibility, column),
            Visibility::Subtree(unit) => Where {
                prefix: SCOPE_CTE,
                clauses: vec![format!("{column} IN (SELECT id FROM scope_units)")],
                binds: vec![Val::I64(unit.raw())],
            },
            // Spend is charged to units, never to one rep.
            Visibility::Own(user) => Where {
                prefix: "",
                clauses: vec!["CAST($1 AS BIGINT) < 0".into()],
                binds: vec![Val::I64(user.raw())],
            },
        },
    }
}

fn bind_filter(w: &mut Where, expr: &str, kind: Kind, field: &str, value: &str) -> StoreResult<()> {
    let bad = |what: &str| StoreError::Invalid(format!("{field}: '{value}' is not {what}"));
    let template = format!("{expr} = ?");
    match kind {
        Int => w.add(
            &template,
            Val::I64(value.parse().map_err(|_| bad("a whole number"))?),
        ),
        Bool => w.add(
            &template,
            Val::Bool(match value {
                "true" | "1" => true,
                "false" | "0" => false,
                _ => return Err(bad("true or false")),
            }),
        ),
        Date => w.add(
            &template,
            Val::Date(value.parse().map_err(|_| bad("a date (YYYY-MM-DD)"))?),
        ),
        Text | Time | Kind::Money => w.add(&template, Val::Text(value.to_owned())),
    }
    Ok(())
}

/// Decodes one row by the spec's column kinds (either backend).
macro_rules! decode_record {
    ($row:expr, $spec:expr) => {{
        let row = $row;
        let mut fields = Vec::with_capacity($spec.cols.len());
        let currency: Option<String> = $spec
            .cols
            .iter()
            .position(|c| c.name == "currency")
            .and_then(|i| row.try_get::<Option<String>, _>(i).ok().flatten());
        for (i, c) in $spec.cols.iter().enumerate() {
            let value = match c.kind {
                Int => row
                    .try_get::<Option<i64>, _>(i)?
                    .map_or(FieldValue::Null, FieldValue::Int),
                Text => row
                    .try_get::<Option<String>, _>(i)?
                    .map_or(FieldValue::Null, FieldValue::Text),
                Date => row
                    .try_get::<Option<NaiveDate>, _>(i)?
                    .map_or(FieldValue::Null, FieldValue::Date),
                Time => row
                    .try_get::<Option<DateTime<Utc>>, _>(i)?
                    .map_or(FieldValue::Null, FieldValue::Time),
                Bool => row
                    .try_get::<Option<bool>, _>(i)?
                    .map_or(FieldValue::Null, FieldValue::Bool),
                Kind::Money => match (row.try_get::<Option<i64>, _>(i)?, currency.as_deref()) {
                    (Some(minor), Some(code)) => {
                        FieldValue::Money(money_from_columns(minor, code)?)
                    }
                    _ => FieldValue::Null,
                },
            };
            fields.push((c.name, value));
        }
        Record { fields }
    }};
}

impl Store {
    /// A page of `entity` records the reader may see, filtered.
    pub async fn records_visible(
        &self,
        entity: &str,
        visibility: &Visibility,
        filter: &RecordFilter,
        offset: i64,
        limit: i64,
    ) -> StoreResult<Paged<Record>> {
        let spec = spec(entity)?;
        let mut w = scoped(spec, visibility);
        for (field, value) in &filter.equals {
            let Some((_, expr, kind)) = spec.filters.iter().find(|(f, ..)| f == field) else {
                let known: Vec<&str> = spec.filters.iter().map(|(f, ..)| *f).collect();
                return Err(StoreError::Invalid(format!(
                    "{field}: {entity} cannot be filtered by it; filters: {}",
                    if known.is_empty() {
                        "none".to_owned()
                    } else {
                        known.join(", ")
                    }
                )));
            };
            bind_filter(&mut w, expr, *kind, field, value)?;
        }
        if let Some(date) = spec.date {
            if let Some(from) = filter.from {
                w.add(&format!("{date} >= ?"), Val::Date(from));
            }
            if let Some(to) = filter.to {
                w.add(&format!("{date} <= ?"), Val::Date(to));
            }
        } else if filter.from.is_some() || filter.to.is_some() {
            return Err(StoreError::Invalid(format!(
                "from/to: {entity} have no date to filter by"
            )));
        }
        let columns: Vec<&str> = spec.cols.iter().map(|c| c.expr).collect();
        let select = format!("SELECT {} FROM {}", columns.join(", "), spec.from);
        let limit = limit.clamp(1, 1000);
        let offset = offset.max(0);
        let n = w.next_param();
        let sql = w.sql(
            &select,
            &format!("{} LIMIT ${n} OFFSET ${}", spec.order, n + 1),
        );
        let count_sql = w.sql(&format!("SELECT COUNT(*) FROM {}", spec.from), "");
        let (items, total) = on_pool!(self, pool => {
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for value in &w.binds {
                query = crate::bulk::bind_val!(query, value);
            }
            let rows = query.bind(limit).bind(offset).fetch_all(pool).await?;
            let mut items = Vec::with_capacity(rows.len());
            for row in &rows {
                items.push(decode_record!(row, spec));
            }
            let mut count = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(count_sql));
            for value in &w.binds {
                count = crate::bulk::bind_val!(count, value);
            }
            (items, count.fetch_one(pool).await?)
        });
        Ok(Paged { items, total })
    }

    /// One record the reader may see; another's is `NotFound`, like a missing ID.
    pub async fn record_visible(
        &self,
        entity: &str,
        visibility: &Visibility,
        id: i64,
    ) -> StoreResult<Record> {
        let spec = spec(entity)?;
        let not_found = || StoreError::NotFound {
            entity: "record",
            id: id.to_string(),
        };
        if !spec.has_id {
            return Err(not_found());
        }
        let mut w = scoped(spec, visibility);
        w.add(&format!("{} = ?", spec.cols[0].expr), Val::I64(id));
        let columns: Vec<&str> = spec.cols.iter().map(|c| c.expr).collect();
        let sql = w.sql(
            &format!("SELECT {} FROM {}", columns.join(", "), spec.from),
            "",
        );
        let record = on_pool!(self, pool => {
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for value in &w.binds {
                query = crate::bulk::bind_val!(query, value);
            }
            match query.fetch_optional(pool).await? {
                Some(row) => Some(decode_record!(&row, spec)),
                None => None,
            }
        });
        record.ok_or_else(not_found)
    }
}
