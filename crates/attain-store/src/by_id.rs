//! Changing one stored record by its ID, as the write API and the records
//! pages do: its re-import key (so a replacement goes through the importer
//! like any file), which keys are taken, and deleting it (audited, its
//! rollups refreshed, refused while other records refer to it).

use std::collections::HashSet;

use crate::BeginWrite as _;
use crate::access::{AuditAction, audit};
use crate::facts::{
    ACTIVITIES_TARGET, COMPETITORS_TARGET, CONTACTS_TARGET, COURSES_TARGET, CUSTOMERS_TARGET,
    DEALS_TARGET, ENROLMENTS_TARGET, MARKET_SIZES_TARGET, ORDERS_TARGET, PAYMENTS_TARGET,
    PRODUCTS_TARGET, REFUNDS_TARGET, SPEND_TARGET, SURVEYS_TARGET, TERRITORIES_TARGET,
    TICKETS_TARGET,
};
use crate::import::touch;
use crate::kpi::{Touched, refresh_rollups};
use crate::snapshot::{Target, snapshots_by_id};
use crate::{Actor, Store, StoreError, StoreResult, on_conn, on_pool};

/// A kind of record that can be replaced or deleted one by one: its name
/// (as the API, files and the audit log say it), its table, the column a
/// re-import is keyed by (the field a replacement fills from the record's
/// ID), and where its imported rows are written. The one list of them:
/// the write API, the importer and deletes all ask [`record_kind`].
#[derive(Debug)]
pub struct RecordKind {
    /// Its name in the API, in files and in the audit log.
    pub entity: &'static str,
    /// The table its records are stored in.
    pub table: &'static str,
    /// The column (and import field) a re-import is keyed by.
    pub key: &'static str,
    /// Where its imported rows are written (columns, for audit snapshots).
    target: &'static Target,
}

const fn kind(entity: &'static str, key: &'static str, target: &'static Target) -> RecordKind {
    RecordKind {
        entity,
        table: target.table,
        key,
        target,
    }
}

/// Every kind of record that can be changed by ID (exchange rates cannot:
/// a rate is replaced by importing its month again).
const KINDS: &[RecordKind] = &[
    kind("deals", "external_id", &DEALS_TARGET),
    kind("orders", "number", &ORDERS_TARGET),
    kind("customers", "external_id", &CUSTOMERS_TARGET),
    kind("contacts", "external_id", &CONTACTS_TARGET),
    kind("products", "sku", &PRODUCTS_TARGET),
    kind("payments", "external_id", &PAYMENTS_TARGET),
    kind("refunds", "external_id", &REFUNDS_TARGET),
    kind("activities", "external_id", &ACTIVITIES_TARGET),
    kind("tickets", "external_id", &TICKETS_TARGET),
    kind("surveys", "external_id", &SURVEYS_TARGET),
    kind("spend", "external_id", &SPEND_TARGET),
    kind("enrolments", "external_id", &ENROLMENTS_TARGET),
    kind("market-sizes", "id", &MARKET_SIZES_TARGET),
    kind("competitors", "name", &COMPETITORS_TARGET),
    kind("territories", "external_id", &TERRITORIES_TARGET),
    kind("courses", "external_id", &COURSES_TARGET),
];

/// The kind of record `entity` names, if its records can be changed by ID.
pub fn record_kind(entity: &str) -> Option<&'static RecordKind> {
    KINDS.iter().find(|k| k.entity == entity)
}

fn kind_of(entity: &str) -> StoreResult<&'static RecordKind> {
    record_kind(entity)
        .ok_or_else(|| StoreError::Invalid(format!("records of {entity} cannot be changed by ID")))
}

impl Store {
    /// The re-import key of record `id` of `entity` (its external ID, order
    /// number or SKU). A record that has no external ID yet (entered
    /// before, or built by the demo) is given `attain:<table>:<id>` (or,
    /// should another record hold that, `attain:<table>:<id>:<n>`), so
    /// that a replacement through the importer finds it.
    pub async fn record_key(&self, entity: &str, id: i64) -> StoreResult<String> {
        let kind = kind_of(entity)?;
        let (table, column) = (kind.table, kind.key);
        let not_found = || StoreError::NotFound {
            entity: "record",
            id: id.to_string(),
        };
        // Table and column names come from the constant list above (KINDS).
        let select = format!("SELECT CAST({column} AS TEXT) FROM {table} WHERE id = $1");
        let key: Option<Option<String>> = on_pool!(self, pool => {
            sqlx::query_scalar(sqlx::AssertSqlSafe(select)).bind(id).fetch_optional(pool).await?
        });
        match key.ok_or_else(not_found)? {
            Some(key) => Ok(key),
            None => {
                // Another record may hold the key already (given by a
                // caller before imports refused such keys, or by a
                // reference that created a customer): take the next free one.
                let taken = format!("SELECT COUNT(*) FROM {table} WHERE {column} = $1");
                let mut key = format!("attain:{table}:{id}");
                for n in 2.. {
                    let count: i64 = on_pool!(self, pool => {
                        sqlx::query_scalar(sqlx::AssertSqlSafe(taken.clone())).bind(&key).fetch_one(pool).await?
                    });
                    if count == 0 || n > 100 {
                        break;
                    }
                    key = format!("attain:{table}:{id}:{n}");
                }
                let update =
                    format!("UPDATE {table} SET {column} = $1 WHERE id = $2 AND {column} IS NULL");
                on_pool!(self, pool => {
                    sqlx::query(sqlx::AssertSqlSafe(update)).bind(&key).bind(id).execute(pool).await?;
                });
                Ok(key)
            }
        }
    }

    /// Which of `keys` some record of `entity` has as its re-import key
    /// (external ID, order number or SKU).
    pub async fn keys_in_use(&self, entity: &str, keys: &[&str]) -> StoreResult<HashSet<String>> {
        let kind = kind_of(entity)?;
        let (table, column) = (kind.table, kind.key);
        let mut found = HashSet::new();
        for chunk in keys.chunks(500) {
            let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            // Table and column come from the constant list; every key is bound.
            let sql = format!(
                "SELECT CAST({column} AS TEXT) FROM {table} WHERE CAST({column} AS TEXT) IN ({})",
                placeholders.join(",")
            );
            let rows: Vec<String> = on_conn!(self, conn => {
                let mut q = sqlx::query_scalar(sqlx::AssertSqlSafe(sql));
                for k in chunk {
                    q = q.bind(*k);
                }
                q.fetch_all(&mut *conn).await?
            });
            found.extend(rows);
        }
        Ok(found)
    }

    /// Deletes record `id` of `entity`, audited as `actor`'s delete with
    /// its fields before.
    /// A record others still refer to (a customer with deals, an order
    /// with payments) is a conflict naming the reason; nothing is deleted
    /// then.
    pub async fn delete_record(&self, actor: &Actor, entity: &str, id: i64) -> StoreResult<()> {
        let kind = kind_of(entity)?;
        let (table, target) = (kind.table, kind.target);
        let id_text = id.to_string();
        let sql = format!("DELETE FROM {table} WHERE id = $1");
        // Whose rollups the record fed, read before it goes.
        let owner_sql = match table {
            "deals" | "activities" => {
                Some(format!("SELECT owner_id, NULL FROM {table} WHERE id = $1"))
            }
            "orders" => Some("SELECT owner_id, customer_id FROM orders WHERE id = $1".to_owned()),
            "customers" => Some("SELECT owner_id, id FROM customers WHERE id = $1".to_owned()),
            "payments" | "refunds" => Some(format!(
                "SELECT o.owner_id, o.customer_id FROM {table} x JOIN orders o ON o.id = x.order_id WHERE x.id = $1"
            )),
            "tickets" | "survey_responses" => Some(format!(
                "SELECT cu.owner_id, NULL FROM {table} x LEFT JOIN customers cu ON cu.id = x.customer_id WHERE x.id = $1"
            )),
            "enrolments" => Some("SELECT user_id, NULL FROM enrolments WHERE id = $1".to_owned()),
            _ => None,
        };
        let deleted = on_pool!(self, pool => {
            let mut tx = pool.begin_serial().await?;
            let mut touched = Touched::default();
            if let Some(owner_sql) = owner_sql {
                let pairs: Vec<(Option<i64>, Option<i64>)> = sqlx::query_as(sqlx::AssertSqlSafe(owner_sql)).bind(id).fetch_all(&mut *tx).await?;
                touch(&mut touched, pairs);
            }
            let was = snapshots_by_id!(tx, target, &[(id, id_text.as_str())], true);
            match sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).execute(&mut *tx).await {
                Ok(r) if r.rows_affected() > 0 => {
                    refresh_rollups!(self, tx, Some(&touched));
                    let before = was.get(&id_text).and_then(|s| s.json.clone());
                    audit!(tx, actor, AuditAction::Delete, entity, id_text.clone(), before, None::<serde_json::Value>);
                    tx.commit().await?;
                    Ok(r.rows_affected())
                }
                Ok(r) => Ok(r.rows_affected()),
                Err(e) => Err(e),
            }
        });
        match deleted {
            Ok(0) => Err(StoreError::NotFound {
                entity: "record",
                id: id.to_string(),
            }),
            Ok(_) => Ok(()),
            Err(e) => match StoreError::from(e) {
                // A refused delete is a foreign key other records hold.
                StoreError::Invalid(_) => Err(StoreError::Conflict(format!(
                    "this {} cannot be deleted: other records still refer to it; delete or move them first",
                    crate::error::record_noun(table)
                ))),
                other => Err(other),
            },
        }
    }
}
