//! Imported orders with their lines: what a file's rows become, and their
//! write (an order replaced whole by its number).

use std::collections::{HashMap, HashSet};

use attain_core::{CustomerId, DealId, ExternalId, Money, ProductId, UserId};
use chrono::NaiveDate;

use crate::access::{AuditAction, audit};
use crate::bulk::bulk_insert;
use crate::facts::{Fact as _, ORDER_LINES_TARGET, ORDERS_TARGET, OrderLineRow, OrderRow, minor};
use crate::kpi::{Touched, refresh_rollups};
use crate::snapshot::{Changes, ImportAudit, audit_import, snapshots};
use crate::{Actor, Store, StoreError, StoreResult, in_serial_write};

use super::*;

/// An order line as read from a file.
#[derive(Debug, Clone)]
pub struct ImportedLine {
    /// Product, if the file names one.
    pub product: Option<ProductId>,
    /// Units.
    pub quantity: i64,
    /// Price per unit.
    pub unit_price: Money,
    /// Line amount.
    pub amount: Money,
    /// Line cost (product cost × quantity).
    pub cost: Money,
}

/// An order with its lines, as read from a file.
#[derive(Debug, Clone)]
pub struct ImportedOrder {
    /// Order number, also its external ID.
    pub number: String,
    /// Customer, found by external ID or name, created when missing.
    pub customer: CustomerRef,
    /// Owner.
    pub owner: OwnerRef,
    /// The deal it came from, if the file names one that exists.
    pub deal: Option<DealId>,
    /// Order date.
    pub order_date: NaiveDate,
    /// Cancelled orders count for nothing.
    pub cancelled: bool,
    /// Lines (at least one); the total is their sum.
    pub lines: Vec<ImportedLine>,
}

impl Store {
    /// Writes imported orders with their lines in one transaction: all or
    /// nothing. An order already stored under the same number is replaced
    /// by the file's version (lines included), so a re-import changes nothing.
    pub async fn import_orders(
        &self,
        orders: &[ImportedOrder],
        owners: &NewOwners,
        audit: &ImportAudit,
        progress: Progress<'_>,
    ) -> StoreResult<ImportCounts> {
        let mut counts = ImportCounts {
            owners_created: owners.people.len(),
            ..ImportCounts::default()
        };
        in_serial_write!(self, tx => {
            let started = std::time::Instant::now();
            let created_owners = create_owners!(tx, owners);
            let before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM orders").fetch_one(&mut *tx).await?;
            let mut touched = Touched::default();
            if before > 0 {
                let keys: Vec<&str> = orders.iter().map(|o| o.number.as_str()).collect();
                touch(&mut touched, previous_owners!(tx, "SELECT owner_id, customer_id FROM orders WHERE number IN", keys));
            }
            let mut refs: Vec<NewCustomerSeed<'_>> = Vec::new();
            let mut seen = HashSet::new();
            for o in orders {
                if seen.insert(&o.customer) {
                    refs.push((&o.customer, Some(owner_id(o.owner, &created_owners)?), o.order_date, true));
                }
            }
            let (customers, created) = resolve_customers!(tx, refs.iter().copied());
            tracing::debug!(ms = started.elapsed().as_millis() as u64, "orders: customers resolved");
            counts.customers_created = created;
            let keys: Vec<&str> = orders.iter().map(|o| o.number.as_str()).collect();
            // Nothing was there before a company's first import.
            let was = if before > 0 { snapshots!(tx, &ORDERS_TARGET, &keys, audit.per_record()) } else { Default::default() };
            // Orders are written a batch at a time, so their bound values
            // are never all held at once.
            let upsert = ORDERS_TARGET.upsert_suffix();
            for batch in orders.chunks(10_000) {
            let mut rows = Vec::with_capacity(batch.len());
            for o in batch {
                let currency = o.lines.first().map_or("CNY", |l| l.amount.currency().code());
                let mut total: i64 = 0;
                let mut cost: i64 = 0;
                for l in &o.lines {
                    total = total.checked_add(minor(&l.amount)?).ok_or_else(|| StoreError::Invalid(format!("order {} total overflows", o.number)))?;
                    cost = cost.checked_add(minor(&l.cost)?).ok_or_else(|| StoreError::Invalid(format!("order {} cost overflows", o.number)))?;
                }
                rows.push(OrderRow {
                    number: &o.number,
                    customer: customer_of(&customers, &o.customer)?,
                    owner: owner_id(o.owner, &created_owners)?.raw(),
                    deal: o.deal.map(DealId::raw),
                    order_date: o.order_date,
                    currency,
                    total_minor: total,
                    cost_minor: cost,
                    cancelled: o.cancelled,
                    external_id: Some(&o.number),
                }.values()?);
            }
            bulk_insert!(tx, ORDERS_TARGET.table, ORDERS_TARGET.columns, &rows, &upsert);
            drop(rows);
            // The batch's order IDs by number; the lines of orders that
            // existed are replaced.
            let mut ids: HashMap<String, i64> = HashMap::with_capacity(batch.len());
            for chunk in batch.chunks(500) {
                let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
                // Placeholders only; every number is bound.
                let sql = format!("SELECT id, number FROM orders WHERE number IN ({})", placeholders.join(","));
                let mut query = sqlx::query_as::<_, (i64, String)>(sqlx::AssertSqlSafe(sql));
                for o in chunk {
                    query = query.bind(o.number.as_str());
                }
                ids.extend(query.fetch_all(&mut *tx).await?.into_iter().map(|(id, number)| (number, id)));
            }
            if before > 0 {
                // Only orders that were there before have lines to replace.
                let list: Vec<String> = batch.iter().filter(|o| was.contains_key(&o.number)).filter_map(|o| ids.get(&o.number)).map(i64::to_string).collect();
                for part in list.chunks(500) {
                    // The IDs are integers read from the database, never text from the file.
                    let sql = format!("DELETE FROM order_lines WHERE order_id IN ({})", part.join(","));
                    sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut *tx).await?;
                }
            }
            let mut lines = Vec::with_capacity(batch.len() * 4);
            for o in batch {
                let id = ids.get(o.number.as_str()).copied().ok_or_else(|| StoreError::Invalid(format!("order {} was not stored", o.number)))?;
                for l in &o.lines {
                    lines.push(OrderLineRow { order: id, product: l.product.map(ProductId::raw), quantity: l.quantity, unit_price: &l.unit_price, amount: &l.amount, cost: &l.cost }.values()?);
                }
            }
            counts.lines += lines.len();
            bulk_insert!(tx, ORDER_LINES_TARGET.table, ORDER_LINES_TARGET.columns, &lines, "", progress);
            }
            let after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM orders").fetch_one(&mut *tx).await?;
            counts.created = usize::try_from(after - before).unwrap_or(0);
            counts.updated = orders.len().saturating_sub(counts.created);
            tracing::debug!(ms = started.elapsed().as_millis() as u64, "orders: lines written");
            for o in orders {
                touched.owners.insert(owner_id(o.owner, &created_owners)?.raw());
                touched.customers.insert(customer_of(&customers, &o.customer)?);
            }
            refresh_rollups!(self, tx, Some(&touched));
            let is = snapshots!(tx, &ORDERS_TARGET, &audit.keys_after(&keys, &was), audit.per_record());
            let changes = Changes::of(&keys, &was, &is);
            counts.unchanged = changes.unchanged;
            audit_import!(tx, audit, &changes, &counts);
        });
        Ok(counts)
    }
}
