//! Writing imported records: one transaction per file, so a file is stored
//! whole or not at all (a killed import rolls back). Records are keyed by
//! external ID (or their natural key), so a re-import updates instead of
//! duplicating; customers named but not found are created, and so are the
//! owners an import was told to create.

use std::collections::HashMap;

use attain_core::sales::CustomerStatus;
use attain_core::{CustomerId, ExternalId, Login, UserId};
use chrono::NaiveDate;

use crate::kpi::Touched;
use crate::{Actor, StoreError, StoreResult};

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
        use $crate::bulk::BulkInsert as _;
        let mut ids: HashMap<CustomerRef, i64> = HashMap::new();
        let rows: Vec<(i64, String, Option<String>)> =
            sqlx::query_as(CUSTOMER_KEYS).fetch_all(&mut *$tx).await?;
        let mut index = CustomerIndex::of(rows);
        // Customers to create get placeholder IDs (-1, -2, …) until they
        // are written, all at once; a later reference may find one by name.
        let mut new_rows = Vec::new();
        let mut new_names: Vec<&str> = Vec::new();
        for (reference, owner, first_seen, active) in $refs {
            let reference: &CustomerRef = reference;
            let owner: Option<UserId> = owner;
            if ids.contains_key(reference) {
                continue;
            }
            let id = match index.find_raw(reference) {
                Some(id) => id,
                None => {
                    let row = $crate::facts::CustomerRow {
                        name: &reference.name,
                        industry: None,
                        region: None,
                        size: None,
                        segment: None,
                        source_channel: None,
                        owner: owner.map(UserId::raw),
                        territory: None,
                        status: if active {
                            CustomerStatus::Active
                        } else {
                            CustomerStatus::Prospect
                        },
                        in_pool: owner.is_none(),
                        created_on: first_seen,
                        external_id: reference.external_id.as_ref().map(ExternalId::as_str),
                    };
                    new_rows.push($crate::facts::Fact::values(&row)?);
                    new_names.push(reference.name.as_str());
                    let id = -i64::try_from(new_names.len()).unwrap_or(i64::MAX);
                    index.add(
                        id,
                        &reference.name,
                        reference.external_id.as_ref().map(ExternalId::as_str),
                    );
                    id
                }
            };
            ids.insert(reference.clone(), id);
        }
        let created = new_rows.len();
        // New customers' names differ (a second reference of a name finds
        // the first), so the name tells which ID each was given.
        let written: HashMap<String, i64> = $tx
            .insert_returning(
                $crate::facts::CUSTOMERS_TARGET.table,
                $crate::facts::CUSTOMERS_TARGET.columns,
                &new_rows,
                "name",
            )
            .await?
            .into_iter()
            .map(|(id, name)| (name, id))
            .collect();
        if written.len() != created {
            return Err(StoreError::Invalid(format!(
                "{created} new customers were written, {} came back by name",
                written.len()
            )));
        }
        let mut resolved: HashMap<CustomerRef, CustomerId> = HashMap::with_capacity(ids.len());
        for (reference, id) in ids {
            let id = if id < 0 {
                let name = usize::try_from(-id - 1).ok().and_then(|i| new_names.get(i));
                name.and_then(|n| written.get(*n)).copied().ok_or_else(|| {
                    StoreError::Invalid(format!("customer {} was not created", reference.name))
                })?
            } else {
                id
            };
            resolved.insert(reference, CustomerId::from_raw(id));
        }
        (resolved, created)
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
                let row = $crate::facts::ChannelRow {
                    key: &channel.key,
                    name: &channel.name,
                };
                let values = $crate::facts::Fact::values(&row)?;
                bulk_insert!(
                    $tx,
                    $crate::facts::CHANNELS_TARGET.table,
                    $crate::facts::CHANNELS_TARGET.columns,
                    &[values]
                );
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

mod deals;
mod lookups;
mod orders;
mod records;

pub use deals::ImportedDeal;
pub use orders::{ImportedLine, ImportedOrder};
pub use records::{
    ImportRecords, ImportedActivity, ImportedCompetitor, ImportedContact, ImportedCourse,
    ImportedCustomer, ImportedEnrolment, ImportedMoneyMove, ImportedProduct, ImportedRate,
    ImportedSpend, ImportedSurvey, ImportedTerritory, ImportedTicket,
};
