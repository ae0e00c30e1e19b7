//! Writing imported records: one transaction, customers resolved or created,
//! deals inserted or updated by external ID so a re-import never duplicates.

use std::collections::HashMap;

use attain_core::sales::{DealStatus, ForecastCategory};
use attain_core::{CustomerId, ExternalId, Money, UserId};
use chrono::NaiveDate;

use crate::bulk::{Val, bulk_insert};
use crate::{Store, StoreError, StoreResult, on_pool};

/// How an imported deal names its customer.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CustomerRef {
    /// The customer's ID in the source system, if the file has one.
    pub external_id: Option<ExternalId>,
    /// The customer's name.
    pub name: String,
}

/// A deal read from a file, references resolved except the customer.
#[derive(Debug, Clone)]
pub struct ImportedDeal {
    /// Its ID in the source system: the key for re-imports.
    pub external_id: ExternalId,
    /// Name.
    pub name: String,
    /// Customer, found by external ID or name, created when missing.
    pub customer: CustomerRef,
    /// Owner.
    pub owner: UserId,
    /// Amount.
    pub amount: Money,
    /// Stage as the source calls it.
    pub stage: String,
    /// Win probability in percent.
    pub probability: u8,
    /// Forecast category.
    pub forecast_category: ForecastCategory,
    /// Open, won or lost.
    pub status: DealStatus,
    /// Created.
    pub created_on: NaiveDate,
    /// Expected (or actual) close date.
    pub expected_close_on: NaiveDate,
    /// Close date of won and lost deals.
    pub closed_on: Option<NaiveDate>,
    /// Why it was lost.
    pub lost_reason: Option<String>,
    /// Lead source / channel key, if it names a known channel.
    pub source_channel: Option<String>,
}

/// What an import wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportCounts {
    /// Customers created because no existing one matched.
    pub customers_created: usize,
    /// Deals that did not exist before.
    pub deals_created: usize,
    /// Deals that existed (by external ID) and were brought up to date.
    pub deals_updated: usize,
}

const DEAL_COLUMNS: &[&str] = &[
    "name",
    "customer_id",
    "owner_id",
    "currency",
    "amount_minor",
    "stage",
    "probability",
    "forecast_category",
    "status",
    "created_on",
    "expected_close_on",
    "closed_on",
    "lost_reason",
    "source_channel",
    "external_id",
];

const DEAL_UPSERT: &str = " ON CONFLICT (external_id) DO UPDATE SET name = excluded.name, customer_id = excluded.customer_id, \
owner_id = excluded.owner_id, currency = excluded.currency, amount_minor = excluded.amount_minor, stage = excluded.stage, \
probability = excluded.probability, forecast_category = excluded.forecast_category, status = excluded.status, \
created_on = excluded.created_on, expected_close_on = excluded.expected_close_on, closed_on = excluded.closed_on, \
lost_reason = excluded.lost_reason, source_channel = excluded.source_channel";

/// Finds or creates the customers the records name, inside `$tx`; evaluates
/// to (map from reference to ID, number created).
macro_rules! resolve_customers {
    ($tx:ident, $refs:expr) => {{
        let mut ids: HashMap<CustomerRef, CustomerId> = HashMap::new();
        let mut created = 0_usize;
        let by_name: HashMap<String, i64> = {
            let rows: Vec<(i64, String)> = sqlx::query_as("SELECT id, name FROM customers ORDER BY id DESC").fetch_all(&mut *$tx).await?;
            rows.into_iter().map(|(id, name)| (name, id)).collect()
        };
        let by_external: HashMap<String, i64> = {
            let rows: Vec<(i64, String)> = sqlx::query_as("SELECT id, external_id FROM customers WHERE external_id IS NOT NULL").fetch_all(&mut *$tx).await?;
            rows.into_iter().map(|(id, ext)| (ext, id)).collect()
        };
        for (reference, owner, first_seen, active) in $refs {
            if ids.contains_key(reference) {
                continue;
            }
            let found = reference
                .external_id
                .as_ref()
                .and_then(|e| by_external.get(e.as_str()))
                .or_else(|| by_name.get(&reference.name))
                .copied();
            let id = match found {
                Some(id) => id,
                None => {
                    created += 1;
                    sqlx::query_scalar("INSERT INTO customers (name, owner_id, status, in_pool, created_on, external_id) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
                        .bind(&reference.name)
                        .bind(owner.raw())
                        .bind(if active { "active" } else { "prospect" })
                        .bind(false)
                        .bind(first_seen)
                        .bind(reference.external_id.as_ref().map(ExternalId::as_str))
                        .fetch_one(&mut *$tx)
                        .await?
                }
            };
            ids.insert(reference.clone(), CustomerId::from_raw(id));
        }
        (ids, created)
    }};
}

impl Store {
    /// Writes imported deals in one transaction: all rows or none.
    pub async fn import_deals(&self, deals: &[ImportedDeal]) -> StoreResult<ImportCounts> {
        let mut counts = ImportCounts::default();
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let channels: Vec<String> = sqlx::query_scalar("SELECT key FROM channels").fetch_all(&mut *tx).await?;
            let before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM deals").fetch_one(&mut *tx).await?;
            // One entry per customer: the owner of its first deal, its
            // earliest deal, and whether any deal was won.
            let mut refs: Vec<(&CustomerRef, UserId, NaiveDate, bool)> = Vec::new();
            let mut position: HashMap<&CustomerRef, usize> = HashMap::new();
            for d in deals {
                let won = d.status == DealStatus::Won;
                match position.get(&d.customer) {
                    Some(&i) => {
                        refs[i].2 = refs[i].2.min(d.created_on);
                        refs[i].3 |= won;
                    }
                    None => {
                        position.insert(&d.customer, refs.len());
                        refs.push((&d.customer, d.owner, d.created_on, won));
                    }
                }
            }
            let (ids, created) = resolve_customers!(tx, refs.iter().copied());
            counts.customers_created = created;
            let mut rows = Vec::with_capacity(deals.len());
            for d in deals {
                let customer = ids.get(&d.customer).copied().ok_or_else(|| StoreError::Invalid(format!("customer {} unresolved", d.customer.name)))?;
                let minor = d.amount.to_minor_units().map_err(|e| StoreError::Invalid(format!("amount {}: {e}", d.amount)))?;
                rows.push(vec![
                    Val::Text(d.name.clone()),
                    Val::I64(customer.raw()),
                    Val::I64(d.owner.raw()),
                    Val::Text(d.amount.currency().code().into()),
                    Val::I64(minor),
                    Val::Text(d.stage.clone()),
                    Val::I64(i64::from(d.probability)),
                    Val::Text(d.forecast_category.key().into()),
                    Val::Text(d.status.key().into()),
                    Val::Date(d.created_on),
                    Val::Date(d.expected_close_on),
                    Val::OptDate(d.closed_on),
                    Val::OptText(d.lost_reason.clone()),
                    Val::OptText(d.source_channel.clone().filter(|c| channels.contains(c))),
                    Val::Text(d.external_id.as_str().into()),
                ]);
            }
            bulk_insert!(tx, "deals", DEAL_COLUMNS, &rows, DEAL_UPSERT);
            let after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM deals").fetch_one(&mut *tx).await?;
            tx.commit().await?;
            counts.deals_created = usize::try_from(after - before).unwrap_or(0);
            counts.deals_updated = deals.len().saturating_sub(counts.deals_created);
        });
        Ok(counts)
    }
}

/// An order line as read from a file.
#[derive(Debug, Clone)]
pub struct ImportedLine {
    /// Product.
    pub product: attain_core::ProductId,
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
    pub owner: UserId,
    /// Order date.
    pub order_date: NaiveDate,
    /// Cancelled orders count for nothing.
    pub cancelled: bool,
    /// Lines (at least one); the total is their sum.
    pub lines: Vec<ImportedLine>,
}

/// What an orders import wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OrderImportCounts {
    /// Customers created because no existing one matched.
    pub customers_created: usize,
    /// Orders that did not exist before.
    pub orders_created: usize,
    /// Orders that existed (by number) and were replaced with the file's version.
    pub orders_updated: usize,
    /// Lines written.
    pub lines: usize,
}

const ORDER_COLUMNS: &[&str] = &[
    "number",
    "customer_id",
    "owner_id",
    "order_date",
    "currency",
    "total_minor",
    "status",
    "external_id",
];
const ORDER_UPSERT: &str = " ON CONFLICT (number) DO UPDATE SET customer_id = excluded.customer_id, owner_id = excluded.owner_id, \
order_date = excluded.order_date, currency = excluded.currency, total_minor = excluded.total_minor, status = excluded.status, \
external_id = excluded.external_id";
const LINE_COLUMNS: &[&str] = &[
    "order_id",
    "product_id",
    "quantity",
    "unit_price_minor",
    "amount_minor",
    "cost_minor",
];

impl Store {
    /// Writes imported orders with their lines in one transaction: all or
    /// nothing. An order already stored under the same number is replaced
    /// by the file's version (lines included), so a re-import changes nothing.
    pub async fn import_orders(&self, orders: &[ImportedOrder]) -> StoreResult<OrderImportCounts> {
        let mut counts = OrderImportCounts::default();
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM orders").fetch_one(&mut *tx).await?;
            let mut refs: Vec<(&CustomerRef, UserId, NaiveDate, bool)> = Vec::new();
            let mut seen = std::collections::HashSet::new();
            for o in orders {
                if seen.insert(&o.customer) {
                    refs.push((&o.customer, o.owner, o.order_date, true));
                }
            }
            let (customers, created) = resolve_customers!(tx, refs.iter().map(|(r, o, d, a)| (*r, *o, *d, *a)));
            counts.customers_created = created;
            let mut rows = Vec::with_capacity(orders.len());
            for o in orders {
                let customer = customers.get(&o.customer).copied().ok_or_else(|| StoreError::Invalid(format!("customer {} unresolved", o.customer.name)))?;
                let currency = o.lines.first().map_or("CNY", |l| l.amount.currency().code());
                let mut total: i64 = 0;
                for l in &o.lines {
                    total = total.checked_add(l.amount.to_minor_units().map_err(|e| StoreError::Invalid(e.to_string()))?).ok_or_else(|| StoreError::Invalid(format!("order {} total overflows", o.number)))?;
                }
                rows.push(vec![
                    Val::Text(o.number.clone()),
                    Val::I64(customer.raw()),
                    Val::I64(o.owner.raw()),
                    Val::Date(o.order_date),
                    Val::Text(currency.to_owned()),
                    Val::I64(total),
                    Val::Text(if o.cancelled { "cancelled" } else { "confirmed" }.into()),
                    Val::Text(o.number.clone()),
                ]);
            }
            bulk_insert!(tx, "orders", ORDER_COLUMNS, &rows, ORDER_UPSERT);
            let after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM orders").fetch_one(&mut *tx).await?;
            counts.orders_created = usize::try_from(after - before).unwrap_or(0);
            counts.orders_updated = orders.len().saturating_sub(counts.orders_created);
            // Order IDs by number, then the lines: replaced for orders that existed.
            let ids: HashMap<String, i64> = {
                let all: Vec<(i64, String)> = sqlx::query_as("SELECT id, number FROM orders").fetch_all(&mut *tx).await?;
                all.into_iter().map(|(id, n)| (n, id)).collect()
            };
            if counts.orders_updated > 0 {
                let replaced: Vec<i64> = orders.iter().filter_map(|o| ids.get(&o.number).copied()).collect();
                for chunk in replaced.chunks(500) {
                    let list: Vec<String> = chunk.iter().map(i64::to_string).collect();
                    // The IDs are integers read from the database, never text from the file.
                    let sql = format!("DELETE FROM order_lines WHERE order_id IN ({})", list.join(","));
                    sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut *tx).await?;
                }
            }
            let mut lines = Vec::new();
            for o in orders {
                let id = ids.get(&o.number).copied().ok_or_else(|| StoreError::Invalid(format!("order {} was not stored", o.number)))?;
                for l in &o.lines {
                    let minor = |m: &Money| m.to_minor_units().map_err(|e| StoreError::Invalid(e.to_string()));
                    lines.push(vec![Val::I64(id), Val::I64(l.product.raw()), Val::I64(l.quantity), Val::I64(minor(&l.unit_price)?), Val::I64(minor(&l.amount)?), Val::I64(minor(&l.cost)?)]);
                }
            }
            counts.lines = lines.len();
            bulk_insert!(tx, "order_lines", LINE_COLUMNS, &lines);
            tx.commit().await?;
        });
        Ok(counts)
    }

    /// Products by SKU and by name (both lower-cased), with their unit cost,
    /// for resolving the product column of an import.
    pub async fn product_index(
        &self,
    ) -> StoreResult<HashMap<String, (attain_core::ProductId, Money)>> {
        let rows: Vec<(i64, String, String, String, i64)> = on_pool!(self, pool => {
            sqlx::query_as("SELECT id, sku, name, currency, unit_cost_minor FROM products").fetch_all(pool).await?
        });
        let mut index = HashMap::new();
        for (id, sku, name, currency, cost) in rows {
            let entry = (
                attain_core::ProductId::from_raw(id),
                crate::money_from_columns(cost, &currency)?,
            );
            index.entry(name.to_lowercase()).or_insert(entry);
            index.insert(sku.to_lowercase(), entry);
        }
        Ok(index)
    }
}
