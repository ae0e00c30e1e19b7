//! Every record of an entity in the generic import layout (`attain
//! export`): the field names the generic preset reads, references by the
//! keys an import resolves (customers and deals by external ID, orders by
//! number, people by login, units by path, products by SKU, channels,
//! courses and territories by name), money as exact decimals with their
//! currency, so importing the files into an empty database gives the same
//! records back.
//!
//! A record without an external ID (one entered in Attain, or the demo's)
//! is exported under the key `attain-id:<table>:<id>`: the file's records
//! can then name it, and an import keys it by that. Such keys are for a
//! new database: imported again into this one, they would add the record a
//! second time.

use attain_core::OrgUnitId;
use chrono::{DateTime, Utc};
use sqlx::Row;

use crate::{Store, StoreResult, money_from_columns, on_pool};

/// One entity's records as the generic import layout writes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportTable {
    /// The import's name for the entity (`deals`, `market-sizes`, `people`).
    pub entity: &'static str,
    /// The generic preset's field names, one per column.
    pub header: Vec<&'static str>,
    /// The records, one value per column ("" for none).
    pub rows: Vec<Vec<String>>,
}

#[derive(Clone, Copy)]
enum Kind {
    /// Any value, read as text (`CAST(… AS TEXT)`): dates, numbers, names.
    Text,
    /// A yes/no column (SQLite stores 0/1, PostgreSQL a boolean).
    Bool,
    /// Minor units; the currency is the query's column `currency`.
    Money,
    /// An instant, written in RFC 3339.
    Time,
    /// An org unit ID, written as its path (`Company/North/N1`).
    Unit,
    /// A person's ID, written as the units he was in before today's, each
    /// with its last day (`Company/North/N1 until 2026-02-09; …`).
    History,
}

struct Spec {
    entity: &'static str,
    from: &'static str,
    cols: &'static [(&'static str, &'static str, Kind)],
    order: &'static str,
}

use Kind::{Bool, History, Money, Text, Time, Unit};

/// A record's key: its external ID, or one made from its ID.
macro_rules! key {
    ($alias:literal, $table:literal) => {
        concat!(
            "COALESCE(",
            $alias,
            ".external_id, 'attain-id:",
            $table,
            ":' || CAST(",
            $alias,
            ".id AS TEXT))"
        )
    };
}

const CUSTOMER_KEY: &str = key!("cu", "customers");
const DEAL_KEY: &str = key!("d", "deals");
const CONTACT_KEY: &str = key!("k", "contacts");

/// The entities in the order an import needs them (people first, then as
/// `attain_import::Entity::ALL`).
const SPECS: &[Spec] = &[
    Spec {
        entity: "people",
        from: "users x LEFT JOIN users m ON m.id = x.manager_id",
        cols: &[
            ("login", "x.login", Text),
            ("name", "x.display_name", Text),
            ("email", "x.email", Text),
            ("role", "x.role", Text),
            ("unit", "x.org_unit_id", Unit),
            ("manager", "m.login", Text),
            ("start_date", "x.start_date", Text),
            ("end_date", "x.end_date", Text),
            ("active", "x.active", Bool),
            ("unit_history", "x.id", History),
        ],
        order: "ORDER BY x.id",
    },
    Spec {
        entity: "territories",
        from: "territories x LEFT JOIN territories p ON p.id = x.parent_id",
        cols: &[
            ("external_id", key!("x", "territories"), Text),
            ("name", "x.name", Text),
            ("parent", "p.name", Text),
        ],
        order: "ORDER BY x.id",
    },
    Spec {
        entity: "competitors",
        from: "competitors x",
        cols: &[
            ("external_id", key!("x", "competitors"), Text),
            ("name", "x.name", Text),
            ("website", "x.website", Text),
            ("price_position", "x.price_position", Text),
            ("strengths", "x.strengths", Text),
            ("weaknesses", "x.weaknesses", Text),
        ],
        order: "ORDER BY x.id",
    },
    Spec {
        entity: "courses",
        from: "courses x",
        cols: &[
            ("external_id", key!("x", "courses"), Text),
            ("name", "x.name", Text),
            ("kind", "x.kind", Text),
        ],
        order: "ORDER BY x.id",
    },
    Spec {
        entity: "products",
        from: "products x",
        cols: &[
            ("external_id", key!("x", "products"), Text),
            ("sku", "x.sku", Text),
            ("name", "x.name", Text),
            ("category", "x.category", Text),
            ("currency", "x.currency", Text),
            ("list_price", "x.list_price_minor", Money),
            ("unit_cost", "x.unit_cost_minor", Money),
            ("active", "x.active", Bool),
        ],
        order: "ORDER BY x.id",
    },
    Spec {
        entity: "customers",
        from: "customers cu LEFT JOIN channels ch ON ch.key = cu.source_channel LEFT JOIN users o ON o.id = cu.owner_id",
        cols: &[
            ("external_id", CUSTOMER_KEY, Text),
            ("name", "cu.name", Text),
            ("industry", "cu.industry", Text),
            ("region", "cu.region", Text),
            ("size", "cu.size", Text),
            ("segment", "cu.segment", Text),
            ("source", "ch.name", Text),
            ("owner", "o.login", Text),
            ("status", "cu.status", Text),
            ("created", "cu.created_on", Text),
        ],
        order: "ORDER BY cu.id",
    },
    Spec {
        entity: "contacts",
        from: "contacts k LEFT JOIN customers cu ON cu.id = k.customer_id LEFT JOIN users o ON o.id = k.owner_id",
        cols: &[
            ("external_id", CONTACT_KEY, Text),
            ("name", "k.name", Text),
            (
                "customer_external_id",
                "CASE WHEN cu.id IS NULL THEN NULL ELSE COALESCE(cu.external_id, 'attain-id:customers:' || CAST(cu.id AS TEXT)) END",
                Text,
            ),
            ("title", "k.title", Text),
            ("email", "k.email", Text),
            ("phone", "k.phone", Text),
            ("owner", "o.login", Text),
        ],
        order: "ORDER BY k.id",
    },
    Spec {
        entity: "deals",
        from: "deals d JOIN customers cu ON cu.id = d.customer_id JOIN users o ON o.id = d.owner_id LEFT JOIN channels ch ON ch.key = d.source_channel",
        cols: &[
            ("external_id", DEAL_KEY, Text),
            ("name", "d.name", Text),
            ("customer_external_id", CUSTOMER_KEY, Text),
            ("owner", "o.login", Text),
            ("currency", "d.currency", Text),
            ("amount", "d.amount_minor", Money),
            ("stage", "d.stage", Text),
            ("probability", "d.probability", Text),
            (
                "is_closed",
                "CASE WHEN d.status = 'open' THEN 'no' ELSE 'yes' END",
                Text,
            ),
            (
                "is_won",
                "CASE WHEN d.status = 'won' THEN 'yes' ELSE 'no' END",
                Text,
            ),
            (
                "close_date",
                "COALESCE(d.closed_on, d.expected_close_on)",
                Text,
            ),
            ("created", "d.created_on", Text),
            ("source", "ch.name", Text),
            ("lost_reason", "d.lost_reason", Text),
            ("forecast_category", "d.forecast_category", Text),
        ],
        order: "ORDER BY d.id",
    },
    Spec {
        entity: "orders",
        from: "orders r JOIN customers cu ON cu.id = r.customer_id JOIN users o ON o.id = r.owner_id LEFT JOIN deals d ON d.id = r.deal_id LEFT JOIN order_lines l ON l.order_id = r.id LEFT JOIN products p ON p.id = l.product_id",
        cols: &[
            ("number", "r.number", Text),
            ("order_date", "r.order_date", Text),
            ("customer_external_id", CUSTOMER_KEY, Text),
            ("owner", "o.login", Text),
            (
                "deal_external_id",
                "CASE WHEN d.id IS NULL THEN NULL ELSE COALESCE(d.external_id, 'attain-id:deals:' || CAST(d.id AS TEXT)) END",
                Text,
            ),
            ("product", "p.sku", Text),
            ("quantity", "COALESCE(l.quantity, 1)", Text),
            ("currency", "r.currency", Text),
            (
                "unit_price",
                "COALESCE(l.unit_price_minor, r.total_minor)",
                Money,
            ),
            ("amount", "COALESCE(l.amount_minor, r.total_minor)", Money),
            ("status", "r.status", Text),
        ],
        order: "ORDER BY r.id, l.id",
    },
    Spec {
        entity: "payments",
        from: "payments x JOIN orders r ON r.id = x.order_id",
        cols: &[
            ("external_id", key!("x", "payments"), Text),
            ("order", "r.number", Text),
            ("date", "x.received_on", Text),
            ("currency", "x.currency", Text),
            ("amount", "x.amount_minor", Money),
            ("method", "x.method", Text),
        ],
        order: "ORDER BY x.id",
    },
    Spec {
        entity: "refunds",
        from: "refunds x JOIN orders r ON r.id = x.order_id",
        cols: &[
            ("external_id", key!("x", "refunds"), Text),
            ("order", "r.number", Text),
            ("date", "x.refunded_on", Text),
            ("currency", "x.currency", Text),
            ("amount", "x.amount_minor", Money),
            ("reason", "x.reason", Text),
        ],
        order: "ORDER BY x.id",
    },
    Spec {
        entity: "activities",
        from: "activities x JOIN users o ON o.id = x.owner_id LEFT JOIN customers cu ON cu.id = x.customer_id LEFT JOIN deals d ON d.id = x.deal_id LEFT JOIN contacts k ON k.id = x.contact_id",
        cols: &[
            ("external_id", key!("x", "activities"), Text),
            ("kind", "x.kind", Text),
            ("date", "x.occurred_on", Text),
            ("owner", "o.login", Text),
            (
                "customer_external_id",
                "CASE WHEN cu.id IS NULL THEN NULL ELSE COALESCE(cu.external_id, 'attain-id:customers:' || CAST(cu.id AS TEXT)) END",
                Text,
            ),
            (
                "deal_external_id",
                "CASE WHEN d.id IS NULL THEN NULL ELSE COALESCE(d.external_id, 'attain-id:deals:' || CAST(d.id AS TEXT)) END",
                Text,
            ),
            (
                "contact_external_id",
                "CASE WHEN k.id IS NULL THEN NULL ELSE COALESCE(k.external_id, 'attain-id:contacts:' || CAST(k.id AS TEXT)) END",
                Text,
            ),
            ("related_external_id", "x.related_external_id", Text),
            ("subject", "x.subject", Text),
        ],
        order: "ORDER BY x.id",
    },
    Spec {
        entity: "tickets",
        from: "tickets x LEFT JOIN customers cu ON cu.id = x.customer_id LEFT JOIN contacts k ON k.id = x.contact_id",
        cols: &[
            ("external_id", key!("x", "tickets"), Text),
            (
                "customer_external_id",
                "CASE WHEN cu.id IS NULL THEN NULL ELSE COALESCE(cu.external_id, 'attain-id:customers:' || CAST(cu.id AS TEXT)) END",
                Text,
            ),
            (
                "contact_external_id",
                "CASE WHEN k.id IS NULL THEN NULL ELSE COALESCE(k.external_id, 'attain-id:contacts:' || CAST(k.id AS TEXT)) END",
                Text,
            ),
            ("opened", "x.opened_at", Time),
            ("first_response", "x.first_response_at", Time),
            ("resolved", "x.resolved_at", Time),
            ("priority", "x.priority", Text),
            ("category", "x.category", Text),
            ("subject", "x.subject", Text),
        ],
        order: "ORDER BY x.id",
    },
    Spec {
        entity: "surveys",
        from: "survey_responses x JOIN customers cu ON cu.id = x.customer_id",
        cols: &[
            ("external_id", key!("x", "survey_responses"), Text),
            ("customer_external_id", CUSTOMER_KEY, Text),
            ("kind", "x.kind", Text),
            ("score", "x.score", Text),
            ("date", "x.responded_on", Text),
            ("comment", "x.comment", Text),
        ],
        order: "ORDER BY x.id",
    },
    Spec {
        entity: "spend",
        from: "spend x JOIN channels ch ON ch.key = x.channel",
        cols: &[
            ("external_id", key!("x", "spend"), Text),
            ("channel", "ch.name", Text),
            ("kind", "x.kind", Text),
            ("date", "x.spent_on", Text),
            ("currency", "x.currency", Text),
            ("amount", "x.amount_minor", Money),
            ("unit", "x.org_unit_id", Unit),
            ("description", "x.description", Text),
        ],
        order: "ORDER BY x.id",
    },
    Spec {
        entity: "enrolments",
        from: "enrolments x JOIN courses c ON c.id = x.course_id JOIN users u ON u.id = x.user_id",
        cols: &[
            ("external_id", key!("x", "enrolments"), Text),
            ("course", "c.name", Text),
            ("user", "u.login", Text),
            ("assigned", "x.assigned_on", Text),
            ("due", "x.due_on", Text),
            ("completed", "x.completed_on", Text),
            ("score", "x.score", Text),
        ],
        order: "ORDER BY x.id",
    },
    Spec {
        entity: "market-sizes",
        from: "market_sizes x",
        cols: &[
            ("segment", "x.segment", Text),
            ("region", "x.region", Text),
            ("period", "x.period", Text),
            ("currency", "x.currency", Text),
            ("amount", "x.amount_minor", Money),
        ],
        order: "ORDER BY x.id",
    },
    Spec {
        entity: "exchange-rates",
        from: "exchange_rates x",
        cols: &[
            ("currency", "x.currency", Text),
            ("month", "x.month", Text),
            ("rate", "x.rate_to_base", Text),
        ],
        order: "ORDER BY x.currency, x.month",
    },
];

/// The entities [`Store::export`] writes, in the order an import needs them.
pub fn export_entities() -> impl Iterator<Item = &'static str> {
    SPECS.iter().map(|s| s.entity)
}

fn select_of(spec: &Spec) -> String {
    let exprs: Vec<String> = spec
        .cols
        .iter()
        .map(|(_, expr, kind)| match kind {
            Text => format!("CAST({expr} AS TEXT)"),
            Bool => format!("CASE WHEN {expr} THEN 'yes' ELSE 'no' END"),
            Money => format!("CAST({expr} AS BIGINT)"),
            Time | Unit | History => (*expr).to_owned(),
        })
        .collect();
    let money_currency = spec
        .cols
        .iter()
        .find(|(name, _, _)| *name == "currency")
        .map_or("NULL", |(_, expr, _)| expr);
    format!(
        "SELECT {}, CAST({money_currency} AS TEXT) FROM {} {}",
        exprs.join(", "),
        spec.from,
        spec.order
    )
}

impl Store {
    /// Every record of `entity` (one of [`export_entities`]) in the generic
    /// import layout. Reads everything: an administrator's whole-company
    /// export, not a person's view.
    pub async fn export(&self, entity: &str) -> StoreResult<ExportTable> {
        let spec = SPECS.iter().find(|s| s.entity == entity).ok_or_else(|| {
            crate::StoreError::Invalid(format!("'{entity}' is not something Attain exports"))
        })?;
        let tree_paths = if spec
            .cols
            .iter()
            .any(|(_, _, k)| matches!(k, Unit | History))
        {
            let tree = self.org_tree().await?;
            Some(tree)
        } else {
            None
        };
        let path_of = |id: Option<i64>| -> String {
            match (id, &tree_paths) {
                (Some(id), Some(tree)) => tree.path(OrgUnitId::from_raw(id)).join("/"),
                _ => String::new(),
            }
        };
        // Each person's past units, oldest first.
        let mut history: std::collections::HashMap<i64, Vec<String>> =
            std::collections::HashMap::new();
        if spec.cols.iter().any(|(_, _, k)| matches!(k, History)) {
            let past: Vec<(i64, i64, String)> = on_pool!(self, pool => {
                sqlx::query_as("SELECT user_id, org_unit_id, valid_to FROM unit_memberships WHERE valid_to IS NOT NULL ORDER BY user_id, valid_to")
                    .fetch_all(pool)
                    .await?
            });
            for (user, unit, until) in past {
                let until: chrono::NaiveDate = until.parse().map_err(|e| {
                    crate::StoreError::Corrupt(format!("membership of user {user}: {until}: {e}"))
                })?;
                let last = until.pred_opt().unwrap_or(until);
                history
                    .entry(user)
                    .or_default()
                    .push(format!("{} until {last}", path_of(Some(unit))));
            }
        }
        let sql = select_of(spec);
        let n = spec.cols.len();
        let mut rows = Vec::new();
        on_pool!(self, pool => {
            let fetched = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await?;
            rows.reserve(fetched.len());
            for row in fetched {
                let currency: Option<String> = row.try_get(n)?;
                let mut out = Vec::with_capacity(n);
                for (i, (_, _, kind)) in spec.cols.iter().enumerate() {
                    let value = match kind {
                        Text | Bool => row.try_get::<Option<String>, _>(i)?.unwrap_or_default(),
                        Money => match (row.try_get::<Option<i64>, _>(i)?, currency.as_deref()) {
                            (Some(minor), Some(code)) => money_from_columns(minor, code)?.amount().to_string(),
                            _ => String::new(),
                        },
                        Time => row
                            .try_get::<Option<DateTime<Utc>>, _>(i)?
                            .map(|t| t.to_rfc3339())
                            .unwrap_or_default(),
                        Unit => path_of(row.try_get::<Option<i64>, _>(i)?),
                        History => row
                            .try_get::<Option<i64>, _>(i)?
                            .and_then(|id| history.get(&id))
                            .map(|h| h.join("; "))
                            .unwrap_or_default(),
                    };
                    out.push(value);
                }
                rows.push(out);
            }
        });
        Ok(ExportTable {
            entity: spec.entity,
            header: spec.cols.iter().map(|(name, _, _)| *name).collect(),
            rows,
        })
    }
}
