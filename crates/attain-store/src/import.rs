//! Writing imported records: one transaction per file, so a file is stored
//! whole or not at all (a killed import rolls back). Records are keyed by
//! external ID (or their natural key), so a re-import updates instead of
//! duplicating; customers named but not found are created, and so are the
//! owners an import was told to create.

use std::collections::{HashMap, HashSet};

use attain_core::sales::{
    ActivityKind, Channel, CustomerSize, CustomerStatus, DealStatus, ForecastCategory, MarketSize,
    SpendKind, SurveyKind, TicketPriority,
};
use attain_core::{
    ContactId, CustomerId, DealId, ExternalId, Login, Money, OrderId, OrgUnitId, ProductId, UserId,
};
use chrono::{DateTime, NaiveDate, Utc};

use crate::BeginWrite as _;
use crate::access::{AuditAction, audit};
use crate::bulk::{Val, bulk_insert};
use crate::kpi::{Touched, refresh_rollups};
use crate::snapshot::{Changes, ImportAudit, Target, audit_import, snapshots, snapshots_by_id};
use crate::{Actor, Store, StoreError, StoreResult, on_pool};

/// Called with the number of rows just written, for progress bars.
pub type Progress<'a> = &'a (dyn Fn(u64) + Send + Sync);

/// How an imported record names its customer.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CustomerRef {
    /// The customer's ID in the source system, if the file has one.
    pub external_id: Option<ExternalId>,
    /// The customer's name.
    pub name: String,
}

/// The customer of an imported ticket or activity: one its row names (found
/// or created like any reference), or one found through what it names (a
/// contact's customer, an account its `WhatId` names).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CustomerLink {
    /// Named by the row.
    Named(CustomerRef),
    /// A stored customer.
    Stored(CustomerId),
}

/// Who owns an imported record: a user who exists, or one of the people the
/// import creates (by index into [`NewOwners`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OwnerRef {
    /// An existing user.
    Existing(UserId),
    /// The n-th person of the import's new owners.
    New(usize),
}

/// A person an import creates because a file names him and nobody here has
/// that login, e-mail, name or external ID (`--create-missing-owners`).
#[derive(Debug, Clone)]
pub struct NewOwner {
    /// Sign-in name (unique; the caller picks one not yet taken).
    pub login: Login,
    /// Name as the file writes it.
    pub display_name: String,
    /// E-mail, when the file's owner value is one.
    pub email: Option<String>,
    /// The owner's ID in the source system, when the file has it.
    pub external_id: Option<ExternalId>,
    /// Hash of a random password nobody knows: an admin resets it to let the person in.
    pub password_hash: String,
}

/// The people an import creates, written in its transaction as reps in a
/// unit named `Imported` under the company (created when missing).
#[derive(Debug, Clone, Default)]
pub struct NewOwners {
    /// Who.
    pub people: Vec<NewOwner>,
    /// Recorded in the audit log as the creator.
    pub actor: Option<Actor>,
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

/// What an import wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportCounts {
    /// Customers created because no existing one matched.
    pub customers_created: usize,
    /// Records that did not exist before.
    pub created: usize,
    /// Records that existed (by external ID or natural key) and were brought up to date.
    pub updated: usize,
    /// Owners created (`--create-missing-owners`).
    pub owners_created: usize,
    /// Order lines written (orders only).
    pub lines: usize,
    /// Channels created because no existing one had the key.
    pub channels_created: usize,
    /// Courses created because no existing one had the name (enrolments).
    pub courses_created: usize,
    /// Of [`Self::updated`], the records the write left exactly as they were.
    pub unchanged: usize,
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

/// Where imported deals go.
pub(crate) const DEALS_TARGET: Target = Target {
    table: "deals",
    columns: DEAL_COLUMNS,
    key: &["external_id"],
    has_id: true,
    lines: false,
};

/// ` ON CONFLICT (key) DO UPDATE SET c = excluded.c, …` for every column but the key.
fn upsert_suffix(key: &[&str], columns: &[&str]) -> String {
    let sets: Vec<String> = columns
        .iter()
        .filter(|c| !key.contains(c))
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    format!(
        " ON CONFLICT ({}) DO UPDATE SET {}",
        key.join(", "),
        sets.join(", ")
    )
}

/// Creates the import's new owners inside `$tx`; evaluates to their IDs, in order.
macro_rules! create_owners {
    ($tx:ident, $owners:expr) => {{
        let owners: &NewOwners = $owners;
        let mut ids: Vec<UserId> = Vec::with_capacity(owners.people.len());
        if !owners.people.is_empty() {
            let company: Option<i64> = sqlx::query_scalar("SELECT id FROM org_units WHERE parent_id IS NULL ORDER BY id LIMIT 1").fetch_optional(&mut *$tx).await?;
            // A fresh installation has no org yet: the company unit is created
            // under the organisation's name, so a first import can bring the people.
            let company = match company {
                Some(id) => id,
                None => sqlx::query_scalar("INSERT INTO org_units (parent_id, name, kind) SELECT NULL, name, 'company' FROM org_settings WHERE id = 1 RETURNING id").fetch_one(&mut *$tx).await?,
            };
            let existing: Option<i64> = sqlx::query_scalar("SELECT id FROM org_units WHERE parent_id = $1 AND name = 'Imported'").bind(company).fetch_optional(&mut *$tx).await?;
            let unit = match existing {
                Some(id) => id,
                None => sqlx::query_scalar("INSERT INTO org_units (parent_id, name, kind) VALUES ($1, 'Imported', 'team') RETURNING id").bind(company).fetch_one(&mut *$tx).await?,
            };
            let actor = owners.actor.clone().unwrap_or_else(|| Actor::named("import"));
            for p in &owners.people {
                // An import that ran meanwhile (imports take turns) may have
                // created the same owner: take that one.
                let made: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE login = $1").bind(p.login.as_str()).fetch_optional(&mut *$tx).await?;
                if let Some(id) = made {
                    ids.push(UserId::from_raw(id));
                    continue;
                }
                let id: i64 = sqlx::query_scalar("INSERT INTO users (login, display_name, email, org_unit_id, role, external_id, password_hash, must_change_password) VALUES ($1, $2, $3, $4, 'rep', $5, $6, TRUE) RETURNING id")
                    .bind(p.login.as_str())
                    .bind(&p.display_name)
                    .bind(p.email.as_deref())
                    .bind(unit)
                    .bind(p.external_id.as_ref().map(ExternalId::as_str))
                    .bind(&p.password_hash)
                    .fetch_one(&mut *$tx)
                    .await?;
                let after = serde_json::json!({
                    "login": p.login.as_str(),
                    "display_name": p.display_name,
                    "email": p.email,
                    "unit": unit,
                    "role": "rep",
                    "active": true,
                });
                audit!($tx, actor, AuditAction::Create, "user", id.to_string(), None::<serde_json::Value>, Some(after));
                ids.push(UserId::from_raw(id));
            }
        }
        ids
    }};
}

/// Runs `$sql` (which ends in `IN`) for the keys in chunks, binding each;
/// evaluates to the (owner, customer) pairs it returns: whose rollups a
/// write must refresh because a record it replaces belonged to them.
macro_rules! previous_owners {
    ($tx:ident, $sql:expr, $keys:expr) => {{
        let mut found: Vec<(Option<i64>, Option<i64>)> = Vec::new();
        let keys: Vec<&str> = $keys;
        for chunk in keys.chunks(500) {
            let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            // The statement is one of ours; every key is bound.
            let sql = format!("{} ({})", $sql, placeholders.join(","));
            let mut q = sqlx::query_as::<_, (Option<i64>, Option<i64>)>(sqlx::AssertSqlSafe(sql));
            for k in chunk {
                q = q.bind(*k);
            }
            found.extend(q.fetch_all(&mut *$tx).await?);
        }
        found
    }};
}

/// Adds (owner, customer) pairs to what a write touched.
pub(crate) fn touch(
    touched: &mut Touched,
    pairs: impl IntoIterator<Item = (Option<i64>, Option<i64>)>,
) {
    for (owner, customer) in pairs {
        // Facts of unowned customers are rolled up under owner 0.
        touched.owners.insert(owner.unwrap_or(0));
        if let Some(c) = customer {
            touched.customers.insert(c);
        }
    }
}

fn owner_id(owner: OwnerRef, created: &[UserId]) -> StoreResult<UserId> {
    match owner {
        OwnerRef::Existing(id) => Ok(id),
        OwnerRef::New(i) => created
            .get(i)
            .copied()
            .ok_or_else(|| StoreError::Invalid(format!("new owner #{i} was not created"))),
    }
}

/// How an import finds the customer a record names: by external ID, then
/// by name, then by a name that is some customer's external ID (a deals
/// file whose customer column holds the accounts' IDs, `C0343`). The dry
/// run and the write both use it, so they agree on who is created.
#[derive(Debug, Clone, Default)]
pub struct CustomerIndex {
    by_external: HashMap<String, i64>,
    by_name: HashMap<String, i64>,
}

impl CustomerIndex {
    /// The index of `(id, name, external ID)` rows; of equal names the
    /// oldest customer wins.
    fn of(rows: Vec<(i64, String, Option<String>)>) -> Self {
        let mut index = Self::default();
        for (id, name, external) in rows {
            index.add(id, &name, external.as_deref());
        }
        index
    }

    fn add(&mut self, id: i64, name: &str, external: Option<&str>) {
        self.by_name.entry(name.to_owned()).or_insert(id);
        if let Some(e) = external {
            self.by_external.entry(e.to_owned()).or_insert(id);
        }
    }

    fn find_raw(&self, reference: &CustomerRef) -> Option<i64> {
        reference
            .external_id
            .as_ref()
            .and_then(|e| self.by_external.get(e.as_str()))
            .or_else(|| self.by_name.get(&reference.name))
            .or_else(|| self.by_external.get(reference.name.trim()))
            .copied()
    }

    /// The stored customer whose external ID is `external`, if any.
    pub fn by_external_id(&self, external: &str) -> Option<CustomerId> {
        self.by_external
            .get(external)
            .copied()
            .map(CustomerId::from_raw)
    }

    /// The stored customer `reference` names, if any.
    pub fn find(&self, reference: &CustomerRef) -> Option<CustomerId> {
        self.find_raw(reference).map(CustomerId::from_raw)
    }

    /// Of `references` in order, those an import creates (each once): what
    /// the write will do, for the report of a dry run.
    pub fn to_create<'r>(
        &self,
        references: impl IntoIterator<Item = &'r CustomerRef>,
    ) -> Vec<&'r CustomerRef> {
        let mut index = self.clone();
        let mut created = Vec::new();
        for (n, r) in references.into_iter().enumerate() {
            if index.find_raw(r).is_none() {
                // A placeholder ID: only whether it is found matters here.
                index.add(
                    -1 - i64::try_from(n).unwrap_or(0),
                    &r.name,
                    r.external_id.as_ref().map(ExternalId::as_str),
                );
                created.push(r);
            }
        }
        created
    }
}

const CUSTOMER_KEYS: &str = "SELECT id, name, external_id FROM customers ORDER BY id";

/// Finds or creates the customers the records name, inside `$tx`; evaluates
/// to (map from reference to ID, number created). Each reference comes with
/// the owner, first date and activity of the customer if it must be created.
macro_rules! resolve_customers {
    ($tx:ident, $refs:expr) => {{
        let mut ids: HashMap<CustomerRef, CustomerId> = HashMap::new();
        let mut created = 0_usize;
        let rows: Vec<(i64, String, Option<String>)> = sqlx::query_as(CUSTOMER_KEYS).fetch_all(&mut *$tx).await?;
        let mut index = CustomerIndex::of(rows);
        for (reference, owner, first_seen, active) in $refs {
            let reference: &CustomerRef = reference;
            let owner: Option<UserId> = owner;
            if ids.contains_key(reference) {
                continue;
            }
            let id = match index.find_raw(reference) {
                Some(id) => id,
                None => {
                    created += 1;
                    let id: i64 = sqlx::query_scalar("INSERT INTO customers (name, owner_id, status, in_pool, created_on, external_id) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
                        .bind(&reference.name)
                        .bind(owner.map(UserId::raw))
                        .bind(if active { "active" } else { "prospect" })
                        .bind(owner.is_none())
                        .bind(first_seen)
                        .bind(reference.external_id.as_ref().map(ExternalId::as_str))
                        .fetch_one(&mut *$tx)
                        .await?;
                    index.add(id, &reference.name, reference.external_id.as_ref().map(ExternalId::as_str));
                    id
                }
            };
            ids.insert(reference.clone(), CustomerId::from_raw(id));
        }
        (ids, created)
    }};
}

/// Creates the channels `$channels` names that do not exist, inside `$tx`;
/// evaluates to how many were created.
macro_rules! create_channels {
    ($tx:ident, $channels:expr) => {{
        let mut existing: HashSet<String> = sqlx::query_scalar("SELECT key FROM channels")
            .fetch_all(&mut *$tx)
            .await?
            .into_iter()
            .collect();
        let mut created = 0_usize;
        for channel in $channels {
            let channel: &Channel = channel;
            if existing.insert(channel.key.clone()) {
                sqlx::query("INSERT INTO channels (key, name) VALUES ($1, $2)")
                    .bind(&channel.key)
                    .bind(&channel.name)
                    .execute(&mut *$tx)
                    .await?;
                created += 1;
            }
        }
        created
    }};
}

/// A customer reference with what a new customer would start with: owner,
/// first date, whether active.
type NewCustomerSeed<'a> = (&'a CustomerRef, Option<UserId>, NaiveDate, bool);

fn customer_of(ids: &HashMap<CustomerRef, CustomerId>, r: &CustomerRef) -> StoreResult<i64> {
    ids.get(r)
        .map(|c| c.raw())
        .ok_or_else(|| StoreError::Invalid(format!("customer {} unresolved", r.name)))
}

fn linked_customer(
    ids: &HashMap<CustomerRef, CustomerId>,
    link: Option<&CustomerLink>,
) -> StoreResult<Option<i64>> {
    match link {
        None => Ok(None),
        Some(CustomerLink::Named(r)) => customer_of(ids, r).map(Some),
        Some(CustomerLink::Stored(id)) => Ok(Some(id.raw())),
    }
}

fn minor(m: &Money) -> StoreResult<i64> {
    m.to_minor_units()
        .map_err(|e| StoreError::Invalid(format!("amount {m}: {e}")))
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
        on_pool!(self, pool => {
            let mut tx = pool.begin_serial().await?;
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
                rows.push(vec![
                    Val::Text(d.name.clone()),
                    Val::I64(customer_of(&ids, &d.customer)?),
                    Val::I64(owner_id(d.owner, &created_owners)?.raw()),
                    Val::Text(d.amount.currency().code().into()),
                    Val::I64(minor(&d.amount)?),
                    Val::Text(d.stage.clone()),
                    Val::I64(i64::from(d.probability)),
                    Val::Text(d.forecast_category.key().into()),
                    Val::Text(d.status.key().into()),
                    Val::Date(d.created_on),
                    Val::Date(d.expected_close_on),
                    Val::OptDate(d.closed_on),
                    Val::OptText(d.lost_reason.clone()),
                    Val::OptText(d.source_channel.as_ref().map(|c| c.key.clone())),
                    Val::Text(d.external_id.as_str().into()),
                ]);
            }
            let keys: Vec<&str> = deals.iter().map(|d| d.external_id.as_str()).collect();
            let was = snapshots!(tx, &DEALS_TARGET, &keys, audit.per_record());
            let suffix = upsert_suffix(&["external_id"], DEAL_COLUMNS);
            bulk_insert!(tx, "deals", DEAL_COLUMNS, &rows, &suffix, progress);
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
                    history.push(vec![Val::I64(id), Val::Text(d.stage.clone()), Val::Date(entered)]);
                }
                bulk_insert!(tx, "deal_stage_history", &["deal_id", "stage", "entered_on"], &history);
            }
            for d in deals {
                touched.owners.insert(owner_id(d.owner, &created_owners)?.raw());
                touched.customers.insert(customer_of(&ids, &d.customer)?);
            }
            refresh_rollups!(self, tx, Some(&touched));
            counts.updated = deals.iter().filter(|d| before.contains_key(d.external_id.as_str())).count();
            counts.created = deals.len() - counts.updated;
            let is = snapshots!(tx, &DEALS_TARGET, &keys, audit.per_record());
            let changes = Changes::of(&keys, &was, &is);
            counts.unchanged = changes.unchanged;
            audit_import!(tx, audit, &changes, &counts);
            tx.commit().await?;
        });
        Ok(counts)
    }
}

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

const ORDER_COLUMNS: &[&str] = &[
    "number",
    "customer_id",
    "owner_id",
    "deal_id",
    "order_date",
    "currency",
    "total_minor",
    "cost_minor",
    "status",
    "external_id",
];
/// Where imported orders go, with their lines.
pub(crate) const ORDERS_TARGET: Target = Target {
    table: "orders",
    columns: ORDER_COLUMNS,
    key: &["number"],
    has_id: true,
    lines: true,
};
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
        on_pool!(self, pool => {
            let mut tx = pool.begin_serial().await?;
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
            counts.customers_created = created;
            let mut rows = Vec::with_capacity(orders.len());
            for o in orders {
                let currency = o.lines.first().map_or("CNY", |l| l.amount.currency().code());
                let mut total: i64 = 0;
                let mut cost: i64 = 0;
                for l in &o.lines {
                    total = total.checked_add(minor(&l.amount)?).ok_or_else(|| StoreError::Invalid(format!("order {} total overflows", o.number)))?;
                    cost = cost.checked_add(minor(&l.cost)?).ok_or_else(|| StoreError::Invalid(format!("order {} cost overflows", o.number)))?;
                }
                rows.push(vec![
                    Val::Text(o.number.clone()),
                    Val::I64(customer_of(&customers, &o.customer)?),
                    Val::I64(owner_id(o.owner, &created_owners)?.raw()),
                    Val::OptI64(o.deal.map(DealId::raw)),
                    Val::Date(o.order_date),
                    Val::Text(currency.to_owned()),
                    Val::I64(total),
                    Val::I64(cost),
                    Val::Text(if o.cancelled { "cancelled" } else { "confirmed" }.into()),
                    Val::Text(o.number.clone()),
                ]);
            }
            let keys: Vec<&str> = orders.iter().map(|o| o.number.as_str()).collect();
            let was = snapshots!(tx, &ORDERS_TARGET, &keys, audit.per_record());
            let suffix = upsert_suffix(&["number"], ORDER_COLUMNS);
            bulk_insert!(tx, "orders", ORDER_COLUMNS, &rows, &suffix);
            drop(rows);
            let after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM orders").fetch_one(&mut *tx).await?;
            counts.created = usize::try_from(after - before).unwrap_or(0);
            counts.updated = orders.len().saturating_sub(counts.created);
            // Order IDs by number, then the lines: replaced for orders that existed.
            let ids: HashMap<String, i64> = {
                let all: Vec<(i64, String)> = sqlx::query_as("SELECT id, number FROM orders").fetch_all(&mut *tx).await?;
                all.into_iter().map(|(id, n)| (n, id)).collect()
            };
            if counts.updated > 0 {
                let replaced: Vec<i64> = orders.iter().filter_map(|o| ids.get(&o.number).copied()).collect();
                for chunk in replaced.chunks(500) {
                    let list: Vec<String> = chunk.iter().map(i64::to_string).collect();
                    // The IDs are integers read from the database, never text from the file.
                    let sql = format!("DELETE FROM order_lines WHERE order_id IN ({})", list.join(","));
                    sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut *tx).await?;
                }
            }
            // Lines are written an order batch at a time, so a file of
            // millions of lines never holds all their bound values at once.
            for batch in orders.chunks(10_000) {
                let mut lines = Vec::with_capacity(batch.len() * 4);
                for o in batch {
                    let id = ids.get(&o.number).copied().ok_or_else(|| StoreError::Invalid(format!("order {} was not stored", o.number)))?;
                    for l in &o.lines {
                        lines.push(vec![Val::I64(id), Val::OptI64(l.product.map(ProductId::raw)), Val::I64(l.quantity), Val::I64(minor(&l.unit_price)?), Val::I64(minor(&l.amount)?), Val::I64(minor(&l.cost)?)]);
                    }
                }
                counts.lines += lines.len();
                bulk_insert!(tx, "order_lines", LINE_COLUMNS, &lines, "", progress);
            }
            for o in orders {
                touched.owners.insert(owner_id(o.owner, &created_owners)?.raw());
                touched.customers.insert(customer_of(&customers, &o.customer)?);
            }
            refresh_rollups!(self, tx, Some(&touched));
            let is = snapshots!(tx, &ORDERS_TARGET, &keys, audit.per_record());
            let changes = Changes::of(&keys, &was, &is);
            counts.unchanged = changes.unchanged;
            audit_import!(tx, audit, &changes, &counts);
            tx.commit().await?;
        });
        Ok(counts)
    }

    /// Products by SKU and by name (both lower-cased), with their unit cost,
    /// for resolving the product column of an import.
    pub async fn product_index(&self) -> StoreResult<HashMap<String, (ProductId, Money)>> {
        let rows: Vec<(i64, String, String, String, i64)> = on_pool!(self, pool => {
            sqlx::query_as("SELECT id, sku, name, currency, unit_cost_minor FROM products").fetch_all(pool).await?
        });
        let mut index = HashMap::new();
        for (id, sku, name, currency, cost) in rows {
            let entry = (
                ProductId::from_raw(id),
                crate::money_from_columns(cost, &currency)?,
            );
            index.entry(name.to_lowercase()).or_insert(entry);
            index.insert(sku.to_lowercase(), entry);
        }
        Ok(index)
    }

    /// Order IDs by number, for the numbers given (payments and refunds name their order).
    pub async fn order_ids(&self, numbers: &[&str]) -> StoreResult<HashMap<String, OrderId>> {
        let mut found = HashMap::new();
        for chunk in numbers.chunks(500) {
            let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT number, id FROM orders WHERE number IN ({})",
                placeholders.join(",")
            );
            let rows: Vec<(String, i64)> = on_pool!(self, pool => {
                let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
                for n in chunk {
                    q = q.bind(*n);
                }
                q.fetch_all(pool).await?
            });
            found.extend(rows.into_iter().map(|(n, id)| (n, OrderId::from_raw(id))));
        }
        Ok(found)
    }

    /// What is left to refund of each of `orders`: its total less its
    /// stored refunds, except those whose external ID is in `replaced`
    /// (a re-import replaces them). In the order's currency; a refund in
    /// another currency takes nothing here.
    pub async fn refund_room(
        &self,
        orders: &[OrderId],
        replaced: &HashSet<&str>,
    ) -> StoreResult<HashMap<OrderId, Money>> {
        self.room_left("refunds", orders, replaced).await
    }

    /// What is left to pay of each of `orders`: its total less its stored
    /// payments, except those whose external ID is in `replaced`. In the
    /// order's currency; a payment in another currency takes nothing here.
    /// Never less than zero.
    pub async fn payment_room(
        &self,
        orders: &[OrderId],
        replaced: &HashSet<&str>,
    ) -> StoreResult<HashMap<OrderId, Money>> {
        let mut left = self.room_left("payments", orders, replaced).await?;
        for room in left.values_mut() {
            if room.amount().is_sign_negative() {
                *room = Money::zero(room.currency());
            }
        }
        Ok(left)
    }

    /// Each order's total less the `table` (refunds or payments) rows of
    /// it in its currency, except the `replaced` ones.
    async fn room_left(
        &self,
        table: &'static str,
        orders: &[OrderId],
        replaced: &HashSet<&str>,
    ) -> StoreResult<HashMap<OrderId, Money>> {
        let mut ids: Vec<i64> = orders.iter().map(|o| o.raw()).collect();
        ids.sort_unstable();
        ids.dedup();
        let mut left = HashMap::new();
        for chunk in ids.chunks(500) {
            // IDs are integers from the database, never text from the file.
            let list: Vec<String> = chunk.iter().map(i64::to_string).collect();
            // `table` is one of two constants of ours.
            let sql = format!(
                "SELECT o.id, o.currency, o.total_minor, r.external_id, r.currency, r.amount_minor FROM orders o LEFT JOIN {table} r ON r.order_id = o.id WHERE o.id IN ({})",
                list.join(",")
            );
            type Row = (
                i64,
                String,
                i64,
                Option<String>,
                Option<String>,
                Option<i64>,
            );
            let rows: Vec<Row> = on_pool!(self, pool => {
                sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await?
            });
            for (id, currency, total, key, refund_currency, refunded) in rows {
                let order = OrderId::from_raw(id);
                let entry = match left.entry(order) {
                    std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                    std::collections::hash_map::Entry::Vacant(e) => {
                        e.insert(crate::money_from_columns(total, &currency)?)
                    }
                };
                if let (Some(amount), Some(refund_currency)) = (refunded, refund_currency)
                    && refund_currency == currency
                    && !key.as_deref().is_some_and(|k| replaced.contains(k))
                {
                    let refund = crate::money_from_columns(amount, &refund_currency)?;
                    *entry = entry
                        .checked_sub(&refund)
                        .map_err(|e| StoreError::Invalid(e.to_string()))?;
                }
            }
        }
        Ok(left)
    }

    /// Deal IDs by external ID, for the IDs given (activities and orders may name their deal).
    pub async fn deal_ids(&self, external: &[&str]) -> StoreResult<HashMap<String, DealId>> {
        let mut found = HashMap::new();
        for chunk in external.chunks(500) {
            let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT external_id, id FROM deals WHERE external_id IN ({})",
                placeholders.join(",")
            );
            let rows: Vec<(String, i64)> = on_pool!(self, pool => {
                let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
                for n in chunk {
                    q = q.bind(*n);
                }
                q.fetch_all(pool).await?
            });
            found.extend(rows.into_iter().map(|(n, id)| (n, DealId::from_raw(id))));
        }
        Ok(found)
    }

    /// Contacts by external ID, with their customer (if any), for the IDs given
    /// (tickets and activities may name a contact).
    pub async fn contact_ids(
        &self,
        external: &[&str],
    ) -> StoreResult<HashMap<String, (ContactId, Option<CustomerId>)>> {
        let mut found = HashMap::new();
        for chunk in external.chunks(500) {
            let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT external_id, id, customer_id FROM contacts WHERE external_id IN ({})",
                placeholders.join(",")
            );
            let rows: Vec<(String, i64, Option<i64>)> = on_pool!(self, pool => {
                let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
                for n in chunk {
                    q = q.bind(*n);
                }
                q.fetch_all(pool).await?
            });
            found.extend(rows.into_iter().map(|(e, id, customer)| {
                (
                    e,
                    (ContactId::from_raw(id), customer.map(CustomerId::from_raw)),
                )
            }));
        }
        Ok(found)
    }

    /// How imports find customers (see [`CustomerIndex`]).
    pub async fn customer_index(&self) -> StoreResult<CustomerIndex> {
        let rows: Vec<(i64, String, Option<String>)> = on_pool!(self, pool => {
            sqlx::query_as(CUSTOMER_KEYS).fetch_all(pool).await?
        });
        Ok(CustomerIndex::of(rows))
    }

    /// The keys of the channels that exist.
    pub async fn channel_keys(&self) -> StoreResult<HashSet<String>> {
        let keys: Vec<String> = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT key FROM channels").fetch_all(pool).await?
        });
        Ok(keys.into_iter().collect())
    }

    /// The names of the courses that exist.
    pub async fn course_names(&self) -> StoreResult<HashSet<String>> {
        let names: Vec<String> = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT name FROM courses").fetch_all(pool).await?
        });
        Ok(names.into_iter().collect())
    }

    /// The names of the territories that exist.
    pub async fn territory_names(&self) -> StoreResult<HashSet<String>> {
        let names: Vec<String> = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT name FROM territories").fetch_all(pool).await?
        });
        Ok(names.into_iter().collect())
    }

    /// Customers by lower-cased name and by external ID, with the external
    /// ID each has: how a customers file finds the records it updates.
    pub async fn customer_keys(&self) -> StoreResult<Vec<(CustomerId, String, Option<String>)>> {
        let rows: Vec<(i64, String, Option<String>)> = on_pool!(self, pool => {
            sqlx::query_as("SELECT id, name, external_id FROM customers ORDER BY id").fetch_all(pool).await?
        });
        Ok(rows
            .into_iter()
            .map(|(id, name, ext)| (CustomerId::from_raw(id), name, ext))
            .collect())
    }
}

/// A customer (account) read from a file.
#[derive(Debug, Clone)]
pub struct ImportedCustomer {
    /// Key for re-imports: the file's ID, or one derived from the name.
    pub external_id: ExternalId,
    /// A stored customer this row updates although it has no external ID yet
    /// (found by name).
    pub existing: Option<CustomerId>,
    /// Name.
    pub name: String,
    /// Industry.
    pub industry: Option<String>,
    /// Region.
    pub region: Option<String>,
    /// Size band.
    pub size: Option<CustomerSize>,
    /// Segment.
    pub segment: Option<String>,
    /// Source channel (created when new).
    pub source_channel: Option<Channel>,
    /// Owner; none puts the customer in the pool (客户公海).
    pub owner: Option<OwnerRef>,
    /// Lifecycle state.
    pub status: CustomerStatus,
    /// Created.
    pub created_on: NaiveDate,
}

/// A contact person read from a file.
#[derive(Debug, Clone)]
pub struct ImportedContact {
    /// Key for re-imports.
    pub external_id: ExternalId,
    /// The customer the person works for, if any (private contacts have none).
    pub customer: Option<CustomerRef>,
    /// Full name.
    pub name: String,
    /// Job title.
    pub title: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Phone or mobile.
    pub phone: Option<String>,
    /// Owner.
    pub owner: Option<OwnerRef>,
}

/// A product read from a file; its SKU is the key for re-imports.
#[derive(Debug, Clone)]
pub struct ImportedProduct {
    /// SKU / product code.
    pub sku: String,
    /// Name.
    pub name: String,
    /// Category (product family).
    pub category: String,
    /// List price.
    pub list_price: Money,
    /// Unit cost, for margin.
    pub unit_cost: Money,
    /// Still sold.
    pub active: bool,
    /// ID in the source system.
    pub external_id: Option<ExternalId>,
}

/// A payment received (回款) or a refund, read from a file.
#[derive(Debug, Clone)]
pub struct ImportedMoneyMove {
    /// Key for re-imports.
    pub external_id: ExternalId,
    /// The order it pays or refunds.
    pub order: OrderId,
    /// Date received or refunded.
    pub on: NaiveDate,
    /// Amount (positive).
    pub amount: Money,
    /// Payment method, or refund reason.
    pub note: Option<String>,
}

/// An activity read from a file.
#[derive(Debug, Clone)]
pub struct ImportedActivity {
    /// Key for re-imports.
    pub external_id: ExternalId,
    /// Call, visit, meeting, e-mail or other.
    pub kind: ActivityKind,
    /// Who did it.
    pub owner: OwnerRef,
    /// With which customer.
    pub customer: Option<CustomerLink>,
    /// About which deal.
    pub deal: Option<DealId>,
    /// With which contact.
    pub contact: Option<ContactId>,
    /// The lead it was with (Attain keeps no leads), by the lead's ID.
    pub lead_external_id: Option<String>,
    /// Another record it names that Attain does not keep (a case, a
    /// campaign), by its ID.
    pub related_external_id: Option<String>,
    /// When.
    pub occurred_on: NaiveDate,
    /// Subject.
    pub subject: Option<String>,
}

/// A service ticket read from a file.
#[derive(Debug, Clone)]
pub struct ImportedTicket {
    /// Key for re-imports.
    pub external_id: ExternalId,
    /// Customer, if the row or its contact names one.
    pub customer: Option<CustomerLink>,
    /// The contact who raised it.
    pub contact: Option<ContactId>,
    /// Opened.
    pub opened_at: DateTime<Utc>,
    /// First response.
    pub first_response_at: Option<DateTime<Utc>>,
    /// Resolved.
    pub resolved_at: Option<DateTime<Utc>>,
    /// Priority.
    pub priority: TicketPriority,
    /// Category.
    pub category: Option<String>,
    /// Subject.
    pub subject: Option<String>,
}

/// A CSAT or NPS survey response read from a file.
#[derive(Debug, Clone)]
pub struct ImportedSurvey {
    /// Key for re-imports.
    pub external_id: ExternalId,
    /// Customer.
    pub customer: CustomerRef,
    /// CSAT (1–5) or NPS (0–10).
    pub kind: SurveyKind,
    /// Score.
    pub score: u8,
    /// Date.
    pub responded_on: NaiveDate,
    /// Comment.
    pub comment: Option<String>,
}

/// Marketing or sales spend read from a file.
#[derive(Debug, Clone)]
pub struct ImportedSpend {
    /// Key for re-imports.
    pub external_id: ExternalId,
    /// Channel (created when new).
    pub channel: Channel,
    /// Marketing or sales.
    pub kind: SpendKind,
    /// Date.
    pub spent_on: NaiveDate,
    /// Amount.
    pub amount: Money,
    /// Org unit it is charged to.
    pub unit: Option<OrgUnitId>,
    /// Description.
    pub description: Option<String>,
}

/// A training enrolment read from a file.
#[derive(Debug, Clone)]
pub struct ImportedEnrolment {
    /// Key for re-imports.
    pub external_id: ExternalId,
    /// Course name (created when new, as a skill course).
    pub course: String,
    /// Who is enrolled.
    pub user: UserId,
    /// Assigned.
    pub assigned_on: NaiveDate,
    /// Due.
    pub due_on: NaiveDate,
    /// Completed.
    pub completed_on: Option<NaiveDate>,
    /// Score, 0–100.
    pub score: Option<u8>,
}

/// An exchange rate for a month: one unit of `currency` in base currency.
#[derive(Debug, Clone)]
pub struct ImportedRate {
    /// ISO code.
    pub currency: String,
    /// `YYYY-MM`.
    pub month: String,
    /// Exact decimal text.
    pub rate_to_base: String,
}

/// A competitor read from a file; its name is unique.
#[derive(Debug, Clone)]
pub struct ImportedCompetitor {
    /// Key for re-imports.
    pub external_id: ExternalId,
    /// Name.
    pub name: String,
    /// Website.
    pub website: Option<String>,
    /// `lower`, `similar` or `higher` than ours.
    pub price_position: Option<String>,
    /// Strengths.
    pub strengths: Option<String>,
    /// Weaknesses.
    pub weaknesses: Option<String>,
}

/// A sales territory read from a file.
#[derive(Debug, Clone)]
pub struct ImportedTerritory {
    /// Key for re-imports.
    pub external_id: ExternalId,
    /// Name.
    pub name: String,
    /// Parent territory by name (must exist, or come earlier in the file).
    pub parent: Option<String>,
}

/// A training course read from a file.
#[derive(Debug, Clone)]
pub struct ImportedCourse {
    /// Key for re-imports.
    pub external_id: ExternalId,
    /// Name.
    pub name: String,
    /// Skill or product course.
    pub kind: attain_core::sales::CourseKind,
}

/// The records of one imported file of an entity without lines.
#[derive(Debug, Clone)]
pub enum ImportRecords {
    /// Customers (accounts).
    Customers(Vec<ImportedCustomer>),
    /// Contacts.
    Contacts(Vec<ImportedContact>),
    /// Products.
    Products(Vec<ImportedProduct>),
    /// Payments received.
    Payments(Vec<ImportedMoneyMove>),
    /// Refunds.
    Refunds(Vec<ImportedMoneyMove>),
    /// Activities.
    Activities(Vec<ImportedActivity>),
    /// Service tickets.
    Tickets(Vec<ImportedTicket>),
    /// CSAT and NPS responses.
    Surveys(Vec<ImportedSurvey>),
    /// Spend.
    Spend(Vec<ImportedSpend>),
    /// Training enrolments.
    Enrolments(Vec<ImportedEnrolment>),
    /// Market sizes.
    MarketSizes(Vec<MarketSize>),
    /// Exchange rates.
    ExchangeRates(Vec<ImportedRate>),
    /// Competitors.
    Competitors(Vec<ImportedCompetitor>),
    /// Territories.
    Territories(Vec<ImportedTerritory>),
    /// Courses.
    Courses(Vec<ImportedCourse>),
}

impl ImportRecords {
    /// Number of records.
    pub fn len(&self) -> usize {
        match self {
            Self::Customers(v) => v.len(),
            Self::Contacts(v) => v.len(),
            Self::Products(v) => v.len(),
            Self::Payments(v) | Self::Refunds(v) => v.len(),
            Self::Activities(v) => v.len(),
            Self::Tickets(v) => v.len(),
            Self::Surveys(v) => v.len(),
            Self::Spend(v) => v.len(),
            Self::Enrolments(v) => v.len(),
            Self::MarketSizes(v) => v.len(),
            Self::ExchangeRates(v) => v.len(),
            Self::Competitors(v) => v.len(),
            Self::Territories(v) => v.len(),
            Self::Courses(v) => v.len(),
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The statement (ending in `IN`) that finds whose rollups records with
    /// given keys belong to, as (owner, customer); `None` when the entity
    /// feeds no rollup.
    fn touch_query(&self) -> Option<&'static str> {
        Some(match self {
            Self::Customers(_) => "SELECT owner_id, id FROM customers WHERE external_id IN",
            Self::Payments(_) => {
                "SELECT o.owner_id, o.customer_id FROM payments x JOIN orders o ON o.id = x.order_id WHERE x.external_id IN"
            }
            Self::Refunds(_) => {
                "SELECT o.owner_id, o.customer_id FROM refunds x JOIN orders o ON o.id = x.order_id WHERE x.external_id IN"
            }
            Self::Activities(_) => "SELECT owner_id, NULL FROM activities WHERE external_id IN",
            Self::Tickets(_) => {
                "SELECT cu.owner_id, NULL FROM tickets t LEFT JOIN customers cu ON cu.id = t.customer_id WHERE t.external_id IN"
            }
            Self::Surveys(_) => {
                "SELECT cu.owner_id, NULL FROM survey_responses s JOIN customers cu ON cu.id = s.customer_id WHERE s.external_id IN"
            }
            Self::Enrolments(_) => "SELECT user_id, NULL FROM enrolments WHERE external_id IN",
            _ => return None,
        })
    }

    /// The records' external IDs.
    fn keys(&self) -> Vec<&str> {
        match self {
            Self::Customers(v) => v.iter().map(|r| r.external_id.as_str()).collect(),
            Self::Contacts(v) => v.iter().map(|r| r.external_id.as_str()).collect(),
            Self::Payments(v) | Self::Refunds(v) => {
                v.iter().map(|r| r.external_id.as_str()).collect()
            }
            Self::Activities(v) => v.iter().map(|r| r.external_id.as_str()).collect(),
            Self::Tickets(v) => v.iter().map(|r| r.external_id.as_str()).collect(),
            Self::Surveys(v) => v.iter().map(|r| r.external_id.as_str()).collect(),
            Self::Spend(v) => v.iter().map(|r| r.external_id.as_str()).collect(),
            Self::Enrolments(v) => v.iter().map(|r| r.external_id.as_str()).collect(),
            Self::Competitors(v) => v.iter().map(|r| r.external_id.as_str()).collect(),
            Self::Territories(v) => v.iter().map(|r| r.external_id.as_str()).collect(),
            Self::Courses(v) => v.iter().map(|r| r.external_id.as_str()).collect(),
            Self::Products(_) | Self::MarketSizes(_) | Self::ExchangeRates(_) => Vec::new(),
        }
    }

    /// Where the records go.
    fn target(&self) -> &'static Target {
        match self {
            Self::Customers(_) => &CUSTOMERS_TARGET,
            Self::Contacts(_) => &CONTACTS_TARGET,
            Self::Products(_) => &PRODUCTS_TARGET,
            Self::Payments(_) => &PAYMENTS_TARGET,
            Self::Refunds(_) => &REFUNDS_TARGET,
            Self::Activities(_) => &ACTIVITIES_TARGET,
            Self::Tickets(_) => &TICKETS_TARGET,
            Self::Surveys(_) => &SURVEYS_TARGET,
            Self::Spend(_) => &SPEND_TARGET,
            Self::Enrolments(_) => &ENROLMENTS_TARGET,
            Self::MarketSizes(_) => &MARKET_SIZES_TARGET,
            Self::ExchangeRates(_) => &EXCHANGE_RATES_TARGET,
            Self::Competitors(_) => &COMPETITORS_TARGET,
            Self::Territories(_) => &TERRITORIES_TARGET,
            Self::Courses(_) => &COURSES_TARGET,
        }
    }

    /// Each record's key as its [`Target`] reads it back (its key
    /// columns joined by `|`).
    fn audit_keys(&self) -> Vec<String> {
        match self {
            Self::Products(v) => v.iter().map(|p| p.sku.clone()).collect(),
            Self::Competitors(v) => v.iter().map(|c| c.name.clone()).collect(),
            Self::MarketSizes(v) => v
                .iter()
                .map(|m| format!("{}|{}|{}", m.segment, m.region, m.period))
                .collect(),
            Self::ExchangeRates(v) => v
                .iter()
                .map(|r| format!("{}|{}", r.currency, r.month))
                .collect(),
            _ => self.keys().into_iter().map(str::to_owned).collect(),
        }
    }

    /// The channels the records name (customers' sources, spend's channels).
    pub fn channels(&self) -> Vec<&Channel> {
        match self {
            Self::Customers(v) => v.iter().filter_map(|c| c.source_channel.as_ref()).collect(),
            Self::Spend(v) => v.iter().map(|s| &s.channel).collect(),
            _ => Vec::new(),
        }
    }

    /// Customers the records name, each with what a new one would start
    /// with (owner, first date, whether active).
    fn customer_refs(
        &self,
        owners: &[UserId],
        today: NaiveDate,
    ) -> StoreResult<Vec<NewCustomerSeed<'_>>> {
        let mut refs = Vec::new();
        match self {
            Self::Contacts(v) => {
                for c in v {
                    if let Some(customer) = &c.customer {
                        let owner = c.owner.map(|o| owner_id(o, owners)).transpose()?;
                        refs.push((customer, owner, today, false));
                    }
                }
            }
            Self::Activities(v) => {
                for a in v {
                    if let Some(CustomerLink::Named(c)) = &a.customer {
                        refs.push((c, Some(owner_id(a.owner, owners)?), a.occurred_on, false));
                    }
                }
            }
            Self::Tickets(v) => {
                for t in v {
                    if let Some(CustomerLink::Named(c)) = &t.customer {
                        refs.push((c, None, t.opened_at.date_naive(), true));
                    }
                }
            }
            Self::Surveys(v) => {
                refs.extend(v.iter().map(|s| (&s.customer, None, s.responded_on, true)));
            }
            _ => {}
        }
        Ok(refs)
    }
}

/// Table, columns, conflict key and rows of records whose references are resolved.
struct Upsert {
    target: &'static Target,
    rows: Vec<Vec<Val>>,
}

/// Where imported customers go.
pub(crate) const CUSTOMERS_TARGET: Target = Target {
    table: "customers",
    columns: &[
        "name",
        "industry",
        "region",
        "size",
        "segment",
        "source_channel",
        "owner_id",
        "status",
        "in_pool",
        "created_on",
        "external_id",
    ],
    key: &["external_id"],
    has_id: true,
    lines: false,
};

/// Where imported contacts go.
pub(crate) const CONTACTS_TARGET: Target = Target {
    table: "contacts",
    columns: &[
        "customer_id",
        "name",
        "title",
        "email",
        "phone",
        "owner_id",
        "external_id",
    ],
    key: &["external_id"],
    has_id: true,
    lines: false,
};

/// Where imported products go.
pub(crate) const PRODUCTS_TARGET: Target = Target {
    table: "products",
    columns: &[
        "sku",
        "name",
        "category",
        "currency",
        "list_price_minor",
        "unit_cost_minor",
        "active",
        "external_id",
    ],
    key: &["sku"],
    has_id: true,
    lines: false,
};

/// Where imported activities go.
pub(crate) const ACTIVITIES_TARGET: Target = Target {
    table: "activities",
    columns: &[
        "kind",
        "owner_id",
        "customer_id",
        "deal_id",
        "contact_id",
        "lead_external_id",
        "related_external_id",
        "occurred_on",
        "subject",
        "external_id",
    ],
    key: &["external_id"],
    has_id: true,
    lines: false,
};

/// Where imported tickets go.
pub(crate) const TICKETS_TARGET: Target = Target {
    table: "tickets",
    columns: &[
        "customer_id",
        "contact_id",
        "opened_at",
        "first_response_at",
        "resolved_at",
        "priority",
        "category",
        "subject",
        "external_id",
    ],
    key: &["external_id"],
    has_id: true,
    lines: false,
};

/// Where imported survey responses go.
pub(crate) const SURVEYS_TARGET: Target = Target {
    table: "survey_responses",
    columns: &[
        "customer_id",
        "kind",
        "score",
        "responded_on",
        "comment",
        "external_id",
    ],
    key: &["external_id"],
    has_id: true,
    lines: false,
};

/// Where imported spend go.
pub(crate) const SPEND_TARGET: Target = Target {
    table: "spend",
    columns: &[
        "channel",
        "kind",
        "spent_on",
        "currency",
        "amount_minor",
        "org_unit_id",
        "description",
        "external_id",
    ],
    key: &["external_id"],
    has_id: true,
    lines: false,
};

/// Where imported enrolments go.
pub(crate) const ENROLMENTS_TARGET: Target = Target {
    table: "enrolments",
    columns: &[
        "course_id",
        "user_id",
        "assigned_on",
        "due_on",
        "completed_on",
        "score",
        "external_id",
    ],
    key: &["external_id"],
    has_id: true,
    lines: false,
};

/// Where imported market sizes go.
pub(crate) const MARKET_SIZES_TARGET: Target = Target {
    table: "market_sizes",
    columns: &["segment", "region", "period", "currency", "amount_minor"],
    key: &["segment", "region", "period"],
    has_id: true,
    lines: false,
};

/// Where imported competitors go.
pub(crate) const COMPETITORS_TARGET: Target = Target {
    table: "competitors",
    columns: &[
        "name",
        "website",
        "price_position",
        "strengths",
        "weaknesses",
        "external_id",
    ],
    key: &["name"],
    has_id: true,
    lines: false,
};

/// Where imported territories go.
pub(crate) const TERRITORIES_TARGET: Target = Target {
    table: "territories",
    columns: &["name", "parent_id", "external_id"],
    key: &["external_id"],
    has_id: true,
    lines: false,
};

/// Where imported courses go.
pub(crate) const COURSES_TARGET: Target = Target {
    table: "courses",
    columns: &["name", "kind", "external_id"],
    key: &["external_id"],
    has_id: true,
    lines: false,
};

/// Where imported exchange rates go.
const EXCHANGE_RATES_TARGET: Target = Target {
    table: "exchange_rates",
    columns: &["currency", "month", "rate_to_base"],
    key: &["currency", "month"],
    has_id: false,
    lines: false,
};

/// Where imported payments go.
pub(crate) const PAYMENTS_TARGET: Target = Target {
    table: "payments",
    columns: &[
        "order_id",
        "received_on",
        "currency",
        "amount_minor",
        "method",
        "external_id",
    ],
    key: &["external_id"],
    has_id: true,
    lines: false,
};

/// Where imported refunds go.
pub(crate) const REFUNDS_TARGET: Target = Target {
    table: "refunds",
    columns: &[
        "order_id",
        "refunded_on",
        "currency",
        "amount_minor",
        "reason",
        "external_id",
    ],
    key: &["external_id"],
    has_id: true,
    lines: false,
};

fn upsert_of(
    records: &ImportRecords,
    customers: &HashMap<CustomerRef, CustomerId>,
    owners: &[UserId],
    courses: &HashMap<String, i64>,
    territories: &HashMap<String, i64>,
) -> StoreResult<Upsert> {
    let ext = |e: &ExternalId| Val::Text(e.as_str().to_owned());
    let opt_owner = |o: &Option<OwnerRef>| -> StoreResult<Val> {
        Ok(Val::OptI64(
            o.map(|o| owner_id(o, owners).map(UserId::raw))
                .transpose()?,
        ))
    };
    Ok(match records {
        ImportRecords::Customers(v) => Upsert {
            target: &CUSTOMERS_TARGET,
            rows: v
                .iter()
                .map(|c| {
                    Ok(vec![
                        Val::Text(c.name.clone()),
                        Val::OptText(c.industry.clone()),
                        Val::OptText(c.region.clone()),
                        Val::OptText(c.size.map(|s| s.key().to_owned())),
                        Val::OptText(c.segment.clone()),
                        Val::OptText(c.source_channel.as_ref().map(|k| k.key.clone())),
                        opt_owner(&c.owner)?,
                        Val::Text(c.status.key().into()),
                        Val::Bool(c.owner.is_none()),
                        Val::Date(c.created_on),
                        ext(&c.external_id),
                    ])
                })
                .collect::<StoreResult<_>>()?,
        },
        ImportRecords::Contacts(v) => Upsert {
            target: &CONTACTS_TARGET,
            rows: v
                .iter()
                .map(|c| {
                    Ok(vec![
                        Val::OptI64(
                            c.customer
                                .as_ref()
                                .map(|r| customer_of(customers, r))
                                .transpose()?,
                        ),
                        Val::Text(c.name.clone()),
                        Val::OptText(c.title.clone()),
                        Val::OptText(c.email.clone()),
                        Val::OptText(c.phone.clone()),
                        opt_owner(&c.owner)?,
                        ext(&c.external_id),
                    ])
                })
                .collect::<StoreResult<_>>()?,
        },
        ImportRecords::Products(v) => Upsert {
            target: &PRODUCTS_TARGET,
            rows: v
                .iter()
                .map(|p| {
                    Ok(vec![
                        Val::Text(p.sku.clone()),
                        Val::Text(p.name.clone()),
                        Val::Text(p.category.clone()),
                        Val::Text(p.list_price.currency().code().into()),
                        Val::I64(minor(&p.list_price)?),
                        Val::I64(minor(&p.unit_cost)?),
                        Val::Bool(p.active),
                        Val::OptText(p.external_id.as_ref().map(|e| e.as_str().to_owned())),
                    ])
                })
                .collect::<StoreResult<_>>()?,
        },
        ImportRecords::Payments(v) | ImportRecords::Refunds(v) => {
            let payments = matches!(records, ImportRecords::Payments(_));
            Upsert {
                target: if payments {
                    &PAYMENTS_TARGET
                } else {
                    &REFUNDS_TARGET
                },
                rows: v
                    .iter()
                    .map(|p| {
                        Ok(vec![
                            Val::I64(p.order.raw()),
                            Val::Date(p.on),
                            Val::Text(p.amount.currency().code().into()),
                            Val::I64(minor(&p.amount)?),
                            Val::OptText(p.note.clone()),
                            ext(&p.external_id),
                        ])
                    })
                    .collect::<StoreResult<_>>()?,
            }
        }
        ImportRecords::Activities(v) => Upsert {
            target: &ACTIVITIES_TARGET,
            rows: v
                .iter()
                .map(|a| {
                    Ok(vec![
                        Val::Text(a.kind.key().into()),
                        Val::I64(owner_id(a.owner, owners)?.raw()),
                        Val::OptI64(linked_customer(customers, a.customer.as_ref())?),
                        Val::OptI64(a.deal.map(DealId::raw)),
                        Val::OptI64(a.contact.map(ContactId::raw)),
                        Val::OptText(a.lead_external_id.clone()),
                        Val::OptText(a.related_external_id.clone()),
                        Val::Date(a.occurred_on),
                        Val::OptText(a.subject.clone()),
                        ext(&a.external_id),
                    ])
                })
                .collect::<StoreResult<_>>()?,
        },
        ImportRecords::Tickets(v) => Upsert {
            target: &TICKETS_TARGET,
            rows: v
                .iter()
                .map(|t| {
                    Ok(vec![
                        Val::OptI64(linked_customer(customers, t.customer.as_ref())?),
                        Val::OptI64(t.contact.map(ContactId::raw)),
                        Val::Ts(t.opened_at),
                        Val::OptTs(t.first_response_at),
                        Val::OptTs(t.resolved_at),
                        Val::Text(t.priority.key().into()),
                        Val::OptText(t.category.clone()),
                        Val::OptText(t.subject.clone()),
                        ext(&t.external_id),
                    ])
                })
                .collect::<StoreResult<_>>()?,
        },
        ImportRecords::Surveys(v) => Upsert {
            target: &SURVEYS_TARGET,
            rows: v
                .iter()
                .map(|s| {
                    Ok(vec![
                        Val::I64(customer_of(customers, &s.customer)?),
                        Val::Text(s.kind.key().into()),
                        Val::I64(i64::from(s.score)),
                        Val::Date(s.responded_on),
                        Val::OptText(s.comment.clone()),
                        ext(&s.external_id),
                    ])
                })
                .collect::<StoreResult<_>>()?,
        },
        ImportRecords::Spend(v) => Upsert {
            target: &SPEND_TARGET,
            rows: v
                .iter()
                .map(|s| {
                    Ok(vec![
                        Val::Text(s.channel.key.clone()),
                        Val::Text(s.kind.key().into()),
                        Val::Date(s.spent_on),
                        Val::Text(s.amount.currency().code().into()),
                        Val::I64(minor(&s.amount)?),
                        Val::OptI64(s.unit.map(OrgUnitId::raw)),
                        Val::OptText(s.description.clone()),
                        ext(&s.external_id),
                    ])
                })
                .collect::<StoreResult<_>>()?,
        },
        ImportRecords::Enrolments(v) => Upsert {
            target: &ENROLMENTS_TARGET,
            rows: v
                .iter()
                .map(|e| {
                    let course = courses.get(&e.course).copied().ok_or_else(|| {
                        StoreError::Invalid(format!("course {} unresolved", e.course))
                    })?;
                    Ok(vec![
                        Val::I64(course),
                        Val::I64(e.user.raw()),
                        Val::Date(e.assigned_on),
                        Val::Date(e.due_on),
                        Val::OptDate(e.completed_on),
                        Val::OptI64(e.score.map(i64::from)),
                        ext(&e.external_id),
                    ])
                })
                .collect::<StoreResult<_>>()?,
        },
        ImportRecords::MarketSizes(v) => Upsert {
            target: &MARKET_SIZES_TARGET,
            rows: v
                .iter()
                .map(|m| {
                    Ok(vec![
                        Val::Text(m.segment.clone()),
                        Val::Text(m.region.clone()),
                        Val::Text(m.period.clone()),
                        Val::Text(m.amount.currency().code().into()),
                        Val::I64(minor(&m.amount)?),
                    ])
                })
                .collect::<StoreResult<_>>()?,
        },
        ImportRecords::Competitors(v) => Upsert {
            target: &COMPETITORS_TARGET,
            rows: v
                .iter()
                .map(|c| {
                    vec![
                        Val::Text(c.name.clone()),
                        Val::OptText(c.website.clone()),
                        Val::OptText(c.price_position.clone()),
                        Val::OptText(c.strengths.clone()),
                        Val::OptText(c.weaknesses.clone()),
                        ext(&c.external_id),
                    ]
                })
                .collect(),
        },
        ImportRecords::Territories(v) => Upsert {
            target: &TERRITORIES_TARGET,
            rows: v
                .iter()
                .map(|t| {
                    vec![
                        Val::Text(t.name.clone()),
                        Val::OptI64(t.parent.as_ref().and_then(|p| territories.get(p).copied())),
                        ext(&t.external_id),
                    ]
                })
                .collect(),
        },
        ImportRecords::Courses(v) => Upsert {
            target: &COURSES_TARGET,
            rows: v
                .iter()
                .map(|c| {
                    vec![
                        Val::Text(c.name.clone()),
                        Val::Text(c.kind.key().into()),
                        ext(&c.external_id),
                    ]
                })
                .collect(),
        },
        ImportRecords::ExchangeRates(v) => Upsert {
            target: &EXCHANGE_RATES_TARGET,
            rows: v
                .iter()
                .map(|r| {
                    vec![
                        Val::Text(r.currency.clone()),
                        Val::Text(r.month.clone()),
                        Val::Text(r.rate_to_base.clone()),
                    ]
                })
                .collect(),
        },
    })
}

impl Store {
    /// Writes the records of one file in one transaction: all or none.
    /// Records whose key (external ID, SKU, or segment/region/period for
    /// market sizes, currency/month for rates) exists are updated.
    pub async fn import_records(
        &self,
        records: &ImportRecords,
        owners: &NewOwners,
        audit: &ImportAudit,
        progress: Progress<'_>,
    ) -> StoreResult<ImportCounts> {
        let mut counts = ImportCounts {
            owners_created: owners.people.len(),
            ..ImportCounts::default()
        };
        on_pool!(self, pool => {
            let mut tx = pool.begin_serial().await?;
            let created_owners = create_owners!(tx, owners);
            let target = records.target();
            let owned_keys = records.audit_keys();
            let keys: Vec<&str> = owned_keys.iter().map(String::as_str).collect();
            let mut was = snapshots!(tx, target, &keys, audit.per_record());
            // Customers found by name get their key below: as they were.
            if let ImportRecords::Customers(v) = records {
                let adopted: Vec<(i64, &str)> = v.iter().filter_map(|c| Some((c.existing?.raw(), c.external_id.as_str()))).collect();
                was.extend(snapshots_by_id!(tx, target, &adopted, audit.per_record()));
            }
            let refs = records.customer_refs(&created_owners, audit.today)?;
            let customers = if refs.is_empty() {
                HashMap::new()
            } else {
                let (ids, created) = resolve_customers!(tx, refs.into_iter());
                counts.customers_created = created;
                ids
            };
            // Customers found by name take the file's key before the upsert.
            if let ImportRecords::Customers(v) = records {
                for c in v {
                    if let Some(id) = c.existing {
                        sqlx::query("UPDATE customers SET external_id = $1 WHERE id = $2")
                            .bind(c.external_id.as_str())
                            .bind(id.raw())
                            .execute(&mut *tx)
                            .await?;
                    }
                }
            }
            let mut touched = Touched::default();
            if let Some(sql) = records.touch_query() {
                touch(&mut touched, previous_owners!(tx, sql, records.keys()));
            }
            let mut courses: HashMap<String, i64> = HashMap::new();
            if let ImportRecords::Enrolments(v) = records {
                let rows: Vec<(String, i64)> = sqlx::query_as("SELECT name, id FROM courses").fetch_all(&mut *tx).await?;
                courses.extend(rows);
                for e in v {
                    if !courses.contains_key(&e.course) {
                        let id: i64 = sqlx::query_scalar("INSERT INTO courses (name, kind) VALUES ($1, 'skill') RETURNING id").bind(&e.course).fetch_one(&mut *tx).await?;
                        courses.insert(e.course.clone(), id);
                        counts.courses_created += 1;
                    }
                }
            }
            counts.channels_created = create_channels!(tx, records.channels());
            // Territories name their parent: parents are written first, one
            // level at a time, so a file may hold a whole hierarchy.
            let mut territories: HashMap<String, i64> = HashMap::new();
            let mut created_first = 0_usize;
            if let ImportRecords::Territories(v) = records {
                let rows: Vec<(String, i64)> = sqlx::query_as("SELECT name, id FROM territories").fetch_all(&mut *tx).await?;
                territories.extend(rows);
                for t in v {
                    if !territories.contains_key(&t.name) {
                        let id: i64 = sqlx::query_scalar("INSERT INTO territories (name, external_id) VALUES ($1, $2) ON CONFLICT (external_id) DO UPDATE SET name = excluded.name RETURNING id").bind(&t.name).bind(t.external_id.as_str()).fetch_one(&mut *tx).await?;
                        territories.insert(t.name.clone(), id);
                        created_first += 1;
                    }
                }
                for t in v {
                    if let Some(parent) = &t.parent
                        && !territories.contains_key(parent)
                    {
                        return Err(StoreError::Invalid(format!("territory {}: no territory is called {parent}", t.name)));
                    }
                }
            }
            let upsert = upsert_of(records, &customers, &created_owners, &courses, &territories)?;
            let count_sql = format!("SELECT COUNT(*) FROM {}", upsert.target.table);
            let before: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(count_sql.clone())).fetch_one(&mut *tx).await?;
            let suffix = upsert_suffix(upsert.target.key, upsert.target.columns);
            bulk_insert!(tx, upsert.target.table, upsert.target.columns, &upsert.rows, &suffix, progress);
            let after: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(count_sql)).fetch_one(&mut *tx).await?;
            if let Some(sql) = records.touch_query() {
                touch(&mut touched, previous_owners!(tx, sql, records.keys()));
                refresh_rollups!(self, tx, Some(&touched));
            }
            counts.created = usize::try_from(after - before).unwrap_or(0) + created_first;
            counts.updated = records.len().saturating_sub(counts.created);
            let is = snapshots!(tx, target, &keys, audit.per_record());
            let changes = Changes::of(&keys, &was, &is);
            counts.unchanged = changes.unchanged.min(counts.updated);
            audit_import!(tx, audit, &changes, &counts);
            tx.commit().await?;
        });
        Ok(counts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_upsert_updates_every_column_but_its_key() {
        assert_eq!(
            upsert_suffix(&["a", "b"], &["a", "b", "c", "d"]),
            " ON CONFLICT (a, b) DO UPDATE SET c = excluded.c, d = excluded.d"
        );
    }
}
