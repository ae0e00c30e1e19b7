//! Writing a people file: the units it creates and the people it adds or
//! changes, in one transaction, each change audited. Someone who left is
//! deactivated, never deleted, so his history and credit stay.

use attain_core::{Login, OrgUnitId, OrgUnitKind, Role, UserId};
use chrono::NaiveDate;

use crate::access::{AuditAction, audit};
use crate::{Actor, Store, StoreError, StoreResult, in_serial_write, on_conn};

/// A unit a people file names: one that exists, or the n-th the file creates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitRef {
    /// A unit that exists.
    Existing(OrgUnitId),
    /// The n-th unit of [`PeoplePlan::units`].
    New(usize),
}

/// A person a people file names: one who exists, or the n-th it adds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PersonRef {
    /// A stored user.
    Existing(UserId),
    /// The n-th person of [`PeoplePlan::people`].
    New(usize),
}

/// A unit a people file creates (`--create-units`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUnit {
    /// Its parent (created earlier in the plan, or existing).
    pub parent: UnitRef,
    /// Its name.
    pub name: String,
    /// Its kind.
    pub kind: OrgUnitKind,
}

/// One person as the file has him, references resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRow {
    /// The stored user this row updates (by login), or none for a new one.
    pub existing: Option<UserId>,
    /// Sign-in name.
    pub login: Login,
    /// Name shown.
    pub display_name: String,
    /// E-mail.
    pub email: Option<String>,
    /// Role.
    pub role: Role,
    /// Unit.
    pub unit: UnitRef,
    /// Who he reports to.
    pub manager: Option<PersonRef>,
    /// First day.
    pub start_date: Option<NaiveDate>,
    /// Last day.
    pub end_date: Option<NaiveDate>,
    /// Whether he may sign in and counts in the org today.
    pub active: bool,
    /// For a stored person whose unit changes: his first day in the new one.
    pub unit_from: Option<NaiveDate>,
    /// The units he was in before today's, oldest first, each with its
    /// last day: replaces his whole history (an export's round trip).
    pub history: Option<Vec<(UnitRef, NaiveDate)>>,
    /// For a new person: the hash of his one-time password.
    pub password_hash: Option<String>,
}

/// What a people file writes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeoplePlan {
    /// Units to create, parents first.
    pub units: Vec<NewUnit>,
    /// People to add or change, in file order.
    pub people: Vec<PersonRow>,
}

/// What a people file sets about a person besides his user's fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PersonDetails {
    /// The person.
    pub user: UserId,
    /// Who he reports to.
    pub manager: Option<UserId>,
    /// First day.
    pub start_date: Option<NaiveDate>,
    /// Last day.
    pub end_date: Option<NaiveDate>,
}

/// What a people file wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PeopleCounts {
    /// People added.
    pub created: usize,
    /// People changed.
    pub updated: usize,
    /// People the file left as they were.
    pub unchanged: usize,
    /// Of those added or changed, people now inactive who were active.
    pub deactivated: usize,
    /// Units created.
    pub units_created: usize,
}

fn person_json(p: &PersonRow, unit: i64, manager: Option<i64>) -> serde_json::Value {
    serde_json::json!({
        "login": p.login.as_str(),
        "display_name": p.display_name,
        "email": p.email,
        "unit": unit,
        "role": p.role.key(),
        "active": p.active,
        "manager": manager,
        "start_date": p.start_date.map(|d| d.to_string()),
        "end_date": p.end_date.map(|d| d.to_string()),
    })
}

/// The stored fields a people file sets, as a tuple for comparison.
type StoredPerson = (
    String,
    Option<String>,
    i64,
    String,
    bool,
    Option<i64>,
    Option<NaiveDate>,
    Option<NaiveDate>,
);

impl Store {
    /// Writes a people file in one transaction: its units, then its people
    /// (new ones must change their one-time password at first sign-in),
    /// then who reports to whom; every change audited. Refused whole when
    /// it would leave no active administrator where there was one.
    pub async fn import_people(
        &self,
        actor: &Actor,
        plan: &PeoplePlan,
    ) -> StoreResult<PeopleCounts> {
        let mut counts = PeopleCounts::default();
        in_serial_write!(self, tx => {
            let admins_before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE role = 'admin' AND active = TRUE").fetch_one(&mut *tx).await?;
            let mut unit_ids: Vec<i64> = Vec::with_capacity(plan.units.len());
            for unit in &plan.units {
                let parent = match unit.parent {
                    UnitRef::Existing(id) => id.raw(),
                    UnitRef::New(i) => *unit_ids.get(i).ok_or_else(|| StoreError::Invalid(format!("unit {} comes before its parent", unit.name)))?,
                };
                let id: i64 = sqlx::query_scalar("INSERT INTO org_units (parent_id, name, kind) VALUES ($1, $2, $3) RETURNING id")
                    .bind(parent)
                    .bind(unit.name.trim())
                    .bind(unit.kind.key())
                    .fetch_one(&mut *tx)
                    .await?;
                audit!(tx, actor, AuditAction::Create, "org_unit", id.to_string(), None::<serde_json::Value>,
                    Some(serde_json::json!({"name": unit.name.trim(), "parent": parent, "kind": unit.kind.key()})));
                unit_ids.push(id);
                counts.units_created += 1;
            }
            let unit_of = |r: UnitRef| -> StoreResult<i64> {
                match r {
                    UnitRef::Existing(id) => Ok(id.raw()),
                    UnitRef::New(i) => unit_ids.get(i).copied().ok_or_else(|| StoreError::Invalid(format!("new unit #{i} was not created"))),
                }
            };
            let mut ids: Vec<i64> = Vec::with_capacity(plan.people.len());
            let mut moved: std::collections::BTreeSet<i64> = std::collections::BTreeSet::new();
            let mut before: Vec<Option<StoredPerson>> = Vec::with_capacity(plan.people.len());
            for p in &plan.people {
                let unit = unit_of(p.unit)?;
                match p.existing {
                    Some(id) => {
                        let was: StoredPerson = sqlx::query_as("SELECT display_name, email, org_unit_id, role, active, manager_id, start_date, end_date FROM users WHERE id = $1")
                            .bind(id.raw())
                            .fetch_one(&mut *tx)
                            .await?;
                        if was.2 != unit && p.history.is_none() {
                            let on = p.unit_from.ok_or_else(|| StoreError::Invalid(format!("{}: a move to another unit needs its first day there", p.login)))?;
                            crate::membership::move_member!(tx, id.raw(), unit, on);
                            moved.insert(id.raw());
                        }
                        sqlx::query("UPDATE users SET display_name = $1, email = $2, org_unit_id = $3, role = $4, active = $5, start_date = $6, end_date = $7 WHERE id = $8")
                            .bind(p.display_name.trim())
                            .bind(p.email.as_deref())
                            .bind(unit)
                            .bind(p.role.key())
                            .bind(p.active)
                            .bind(p.start_date)
                            .bind(p.end_date)
                            .bind(id.raw())
                            .execute(&mut *tx)
                            .await?;
                        if was.4 && !p.active {
                            // Who left signs in no more.
                            sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id.raw()).execute(&mut *tx).await?;
                        }
                        ids.push(id.raw());
                        before.push(Some(was));
                    }
                    None => {
                        let hash = p.password_hash.as_deref().ok_or_else(|| StoreError::Invalid(format!("{} has no one-time password", p.login)))?;
                        let id: i64 = sqlx::query_scalar("INSERT INTO users (login, display_name, email, org_unit_id, role, active, password_hash, must_change_password, start_date, end_date) VALUES ($1, $2, $3, $4, $5, $6, $7, TRUE, $8, $9) RETURNING id")
                            .bind(p.login.as_str())
                            .bind(p.display_name.trim())
                            .bind(p.email.as_deref())
                            .bind(unit)
                            .bind(p.role.key())
                            .bind(p.active)
                            .bind(hash)
                            .bind(p.start_date)
                            .bind(p.end_date)
                            .fetch_one(&mut *tx)
                            .await?;
                        ids.push(id);
                        before.push(None);
                    }
                }
            }
            // Histories given whole replace what was stored.
            for (i, p) in plan.people.iter().enumerate() {
                let Some(history) = &p.history else { continue };
                let id = ids[i];
                sqlx::query("DELETE FROM unit_memberships WHERE user_id = $1").bind(id).execute(&mut *tx).await?;
                let mut from: Option<String> = None;
                for (unit, last) in history {
                    let until = last.succ_opt().ok_or_else(|| StoreError::Invalid(format!("{}: {last} has no next day", p.login)))?.to_string();
                    sqlx::query("INSERT INTO unit_memberships (user_id, org_unit_id, valid_from, valid_to) VALUES ($1, $2, $3, $4)")
                        .bind(id).bind(unit_of(*unit)?).bind(from.as_deref()).bind(&until)
                        .execute(&mut *tx).await?;
                    from = Some(until);
                }
                sqlx::query("INSERT INTO unit_memberships (user_id, org_unit_id, valid_from) VALUES ($1, $2, $3)")
                    .bind(id).bind(unit_of(p.unit)?).bind(from.as_deref())
                    .execute(&mut *tx).await?;
                moved.insert(id);
            }
            for (i, p) in plan.people.iter().enumerate() {
                let manager = match p.manager {
                    None => None,
                    Some(PersonRef::Existing(id)) => Some(id.raw()),
                    Some(PersonRef::New(j)) => Some(*ids.get(j).ok_or_else(|| StoreError::Invalid(format!("manager #{j} was not written")))?),
                };
                let id = ids[i];
                sqlx::query("UPDATE users SET manager_id = $1 WHERE id = $2").bind(manager).bind(id).execute(&mut *tx).await?;
                let unit = unit_of(p.unit)?;
                let after = person_json(p, unit, manager);
                match &before[i] {
                    None => {
                        counts.created += 1;
                        if !p.active {
                            counts.deactivated += 1;
                        }
                        audit!(tx, actor, AuditAction::Create, "user", id.to_string(), None::<serde_json::Value>, Some(after));
                    }
                    Some(was) => {
                        let now: StoredPerson = (p.display_name.trim().to_owned(), p.email.clone(), unit, p.role.key().to_owned(), p.active, manager, p.start_date, p.end_date);
                        if *was == now {
                            counts.unchanged += 1;
                        } else {
                            counts.updated += 1;
                            if was.4 && !p.active {
                                counts.deactivated += 1;
                            }
                            let old = serde_json::json!({
                                "login": p.login.as_str(),
                                "display_name": was.0, "email": was.1, "unit": was.2, "role": was.3,
                                "active": was.4, "manager": was.5,
                                "start_date": was.6.map(|d| d.to_string()), "end_date": was.7.map(|d| d.to_string()),
                            });
                            audit!(tx, actor, AuditAction::Update, "user", id.to_string(), Some(old), Some(after));
                        }
                    }
                }
            }
            let admins: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE role = 'admin' AND active = TRUE").fetch_one(&mut *tx).await?;
            if admins == 0 && admins_before > 0 {
                return Err(StoreError::Invalid("the file would leave no active administrator: keep at least one".into()));
            }
            // Who moved counts for his new unit, today's or from his move on.
            if !moved.is_empty() {
                let touched = crate::kpi::Touched { owners: moved, customers: Default::default() };
                crate::kpi::refresh_rollups!(self, tx, Some(&touched));
            }
        });
        Ok(counts)
    }

    /// Each person's manager, first and last day (what a people file sets
    /// besides the user's own fields), by user ID.
    pub async fn people_details(&self) -> StoreResult<Vec<PersonDetails>> {
        type Row = (i64, Option<i64>, Option<NaiveDate>, Option<NaiveDate>);
        let rows: Vec<Row> = on_conn!(self, conn => {
            sqlx::query_as("SELECT id, manager_id, start_date, end_date FROM users ORDER BY id").fetch_all(&mut *conn).await?
        });
        Ok(rows
            .into_iter()
            .map(|(id, manager, start_date, end_date)| PersonDetails {
                user: UserId::from_raw(id),
                manager: manager.map(UserId::from_raw),
                start_date,
                end_date,
            })
            .collect())
    }
}
