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

impl Store {
    /// Writes imported deals in one transaction: all rows or none.
    pub async fn import_deals(&self, deals: &[ImportedDeal]) -> StoreResult<ImportCounts> {
        let mut counts = ImportCounts::default();
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let channels: Vec<String> = sqlx::query_scalar("SELECT key FROM channels").fetch_all(&mut *tx).await?;
            let before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM deals").fetch_one(&mut *tx).await?;
            // Customers: by external ID, else by exact name; created when missing.
            let mut ids: HashMap<CustomerRef, CustomerId> = HashMap::new();
            for deal in deals {
                if ids.contains_key(&deal.customer) {
                    continue;
                }
                let by_external: Option<i64> = match &deal.customer.external_id {
                    Some(ext) => sqlx::query_scalar("SELECT id FROM customers WHERE external_id = $1").bind(ext.as_str()).fetch_optional(&mut *tx).await?,
                    None => None,
                };
                let found = match by_external {
                    Some(id) => Some(id),
                    None => sqlx::query_scalar("SELECT id FROM customers WHERE name = $1 ORDER BY id LIMIT 1").bind(&deal.customer.name).fetch_optional(&mut *tx).await?,
                };
                let id = match found {
                    Some(id) => id,
                    None => {
                        counts.customers_created += 1;
                        let status = if deals.iter().any(|d| d.customer == deal.customer && d.status == DealStatus::Won) { "active" } else { "prospect" };
                        let created = deals.iter().filter(|d| d.customer == deal.customer).map(|d| d.created_on).min().unwrap_or(deal.created_on);
                        sqlx::query_scalar("INSERT INTO customers (name, owner_id, status, in_pool, created_on, external_id) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
                            .bind(&deal.customer.name)
                            .bind(deal.owner.raw())
                            .bind(status)
                            .bind(false)
                            .bind(created)
                            .bind(deal.customer.external_id.as_ref().map(ExternalId::as_str))
                            .fetch_one(&mut *tx)
                            .await?
                    }
                };
                ids.insert(deal.customer.clone(), CustomerId::from_raw(id));
            }
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
