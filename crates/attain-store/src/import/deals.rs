//! Imported deals: what a row of a deals file becomes, and its write
//! (stage history included).

use std::collections::{HashMap, HashSet};

use attain_core::sales::{Channel, DealStatus, ForecastCategory};
use attain_core::{CustomerId, ExternalId, Money, UserId};
use chrono::NaiveDate;

use crate::access::{AuditAction, audit};
use crate::bulk::bulk_insert;
use crate::facts::{DEALS_TARGET, DealRow, Fact as _, STAGES_TARGET, StageRow, rows as fact_rows};
use crate::kpi::{Touched, refresh_rollups};
use crate::snapshot::{Changes, ImportAudit, audit_import, snapshots};
use crate::{Actor, Store, StoreError, StoreResult, in_serial_write};

use super::*;

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
    pub owner: OwnerRef,
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
    /// Lead source: the channel (created when new).
    pub source_channel: Option<Channel>,
}

impl Store {
    /// Writes imported deals in one transaction: all rows or none. A new
    /// deal starts its stage history at its stage; a deal whose stage the
    /// file changes gets a history entry dated today.
    pub async fn import_deals(
        &self,
        deals: &[ImportedDeal],
        owners: &NewOwners,
        audit: &ImportAudit,
        progress: Progress<'_>,
    ) -> StoreResult<ImportCounts> {
        let mut counts = ImportCounts {
            owners_created: owners.people.len(),
            ..ImportCounts::default()
        };
        let today = audit.today;
        in_serial_write!(self, tx => {
            let created_owners = create_owners!(tx, owners);
            counts.channels_created = create_channels!(tx, deals.iter().filter_map(|d| d.source_channel.as_ref()));
            let before: HashMap<String, String> = {
                let rows: Vec<(String, String)> = sqlx::query_as("SELECT external_id, stage FROM deals WHERE external_id IS NOT NULL").fetch_all(&mut *tx).await?;
                rows.into_iter().collect()
            };
            let mut touched = Touched::default();
            let keys: Vec<&str> = deals.iter().filter(|d| before.contains_key(d.external_id.as_str())).map(|d| d.external_id.as_str()).collect();
            touch(&mut touched, previous_owners!(tx, "SELECT owner_id, customer_id FROM deals WHERE external_id IN", keys));
            // One entry per customer: the owner of its first deal, its
            // earliest deal, and whether any deal was won.
            let mut refs: Vec<NewCustomerSeed<'_>> = Vec::new();
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
                        refs.push((&d.customer, Some(owner_id(d.owner, &created_owners)?), d.created_on, won));
                    }
                }
            }
            let (ids, created) = resolve_customers!(tx, refs.iter().copied());
            counts.customers_created = created;
            let mut rows = Vec::with_capacity(deals.len());
            for d in deals {
                rows.push(DealRow {
                    name: &d.name,
                    customer: customer_of(&ids, &d.customer)?,
                    owner: owner_id(d.owner, &created_owners)?.raw(),
                    amount: &d.amount,
                    stage: &d.stage,
                    probability: d.probability,
                    forecast_category: d.forecast_category,
                    status: d.status,
                    created_on: d.created_on,
                    expected_close_on: d.expected_close_on,
                    closed_on: d.closed_on,
                    lost_reason: d.lost_reason.as_deref(),
                    source_channel: d.source_channel.as_ref().map(|c| c.key.as_str()),
                    external_id: Some(d.external_id.as_str()),
                }.values()?);
            }
            let keys: Vec<&str> = deals.iter().map(|d| d.external_id.as_str()).collect();
            let was = snapshots!(tx, &DEALS_TARGET, &keys, audit.per_record());
            bulk_insert!(tx, DEALS_TARGET.table, DEALS_TARGET.columns, &rows, &DEALS_TARGET.upsert_suffix(), progress);
            // Stage history for new deals and changed stages.
            let changed: Vec<&ImportedDeal> = deals
                .iter()
                .filter(|d| before.get(d.external_id.as_str()) != Some(&d.stage))
                .collect();
            if !changed.is_empty() {
                let deal_ids: HashMap<String, i64> = {
                    let rows: Vec<(String, i64)> = sqlx::query_as("SELECT external_id, id FROM deals WHERE external_id IS NOT NULL").fetch_all(&mut *tx).await?;
                    rows.into_iter().collect()
                };
                let mut history = Vec::with_capacity(changed.len());
                for d in changed {
                    let id = deal_ids.get(d.external_id.as_str()).copied().ok_or_else(|| StoreError::Invalid(format!("deal {} was not stored", d.external_id)))?;
                    let entered = if before.contains_key(d.external_id.as_str()) { today } else { d.created_on };
                    history.push(StageRow { deal: id, stage: &d.stage, entered_on: entered });
                }
                let history = fact_rows(history)?;
                bulk_insert!(tx, STAGES_TARGET.table, STAGES_TARGET.columns, &history);
            }
            for d in deals {
                touched.owners.insert(owner_id(d.owner, &created_owners)?.raw());
                touched.customers.insert(customer_of(&ids, &d.customer)?);
            }
            refresh_rollups!(self, tx, Some(&touched));
            counts.updated = deals.iter().filter(|d| before.contains_key(d.external_id.as_str())).count();
            counts.created = deals.len() - counts.updated;
            let is = snapshots!(tx, &DEALS_TARGET, &audit.keys_after(&keys, &was), audit.per_record());
            let changes = Changes::of(&keys, &was, &is);
            counts.unchanged = changes.unchanged;
            audit_import!(tx, audit, &changes, &counts);
        });
        Ok(counts)
    }
}
