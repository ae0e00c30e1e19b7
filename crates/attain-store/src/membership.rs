//! A person's units over time: each membership holds from a first day (none:
//! since always) to the day before the next one starts (none: still
//! today). A person's memberships cover all of time without gap or
//! overlap, so a transaction of his is counted for exactly one unit
//! whichever way the `unit_credit` setting credits units; his first one is
//! written by the database when he is added.

use attain_core::{OrgUnitId, UserId};
use chrono::NaiveDate;

use crate::access::{AuditAction, audit};
use crate::{Actor, Store, StoreError, StoreResult, in_serial_write, on_conn};

/// One spell of a person in a unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    /// The unit.
    pub unit: OrgUnitId,
    /// Its first day; `None`: since before any record.
    pub from: Option<NaiveDate>,
    /// The first day he was no longer in it; `None`: he still is.
    pub until: Option<NaiveDate>,
}

fn date(text: Option<String>, user: i64) -> StoreResult<Option<NaiveDate>> {
    text.map(|t| {
        t.parse::<NaiveDate>()
            .map_err(|e| StoreError::Corrupt(format!("membership of user {user}: {t}: {e}")))
    })
    .transpose()
}

/// Moves person `$user` (raw ID) to unit `$unit` (raw ID) from day `$on`
/// on, inside the open transaction `$tx`: his open membership ends the day
/// before and a new one starts. A move dated the day his open membership
/// started corrects that membership instead (merged with the one before
/// when it names the same unit). A move dated before it is refused: history
/// is rewritten only by an explicit history. Evaluates to whether anything
/// changed; `users.org_unit_id` is the caller's.
macro_rules! move_member {
    ($tx:ident, $user:expr, $unit:expr, $on:expr) => {{
        let user: i64 = $user;
        let unit: i64 = $unit;
        let on: chrono::NaiveDate = $on;
        let open: Option<(i64, i64, Option<String>)> = sqlx::query_as(
            "SELECT id, org_unit_id, valid_from FROM unit_memberships WHERE user_id = $1 AND valid_to IS NULL",
        )
        .bind(user)
        .fetch_optional(&mut *$tx)
        .await?;
        let on_text = on.to_string();
        match open {
            None => {
                sqlx::query("INSERT INTO unit_memberships (user_id, org_unit_id) VALUES ($1, $2)")
                    .bind(user)
                    .bind(unit)
                    .execute(&mut *$tx)
                    .await?;
                true
            }
            Some((_, was, _)) if was == unit => false,
            Some((_, _, Some(from))) if on_text < from => {
                return Err($crate::StoreError::Conflict(format!(
                    "the move is dated {on}, before the last one ({from}): a move must be dated on or after the person's last move"
                )));
            }
            Some((id, _, Some(from))) if on_text == from => {
                // A correction of the last move: the same day, another unit.
                let before: Option<(i64, i64)> = sqlx::query_as(
                    "SELECT id, org_unit_id FROM unit_memberships WHERE user_id = $1 AND valid_to = $2",
                )
                .bind(user)
                .bind(&from)
                .fetch_optional(&mut *$tx)
                .await?;
                match before {
                    Some((prev, prev_unit)) if prev_unit == unit => {
                        sqlx::query("DELETE FROM unit_memberships WHERE id = $1").bind(id).execute(&mut *$tx).await?;
                        sqlx::query("UPDATE unit_memberships SET valid_to = NULL WHERE id = $1").bind(prev).execute(&mut *$tx).await?;
                    }
                    _ => {
                        sqlx::query("UPDATE unit_memberships SET org_unit_id = $1 WHERE id = $2").bind(unit).bind(id).execute(&mut *$tx).await?;
                    }
                }
                true
            }
            Some((id, _, _)) => {
                sqlx::query("UPDATE unit_memberships SET valid_to = $1 WHERE id = $2")
                    .bind(&on_text)
                    .bind(id)
                    .execute(&mut *$tx)
                    .await?;
                sqlx::query("INSERT INTO unit_memberships (user_id, org_unit_id, valid_from) VALUES ($1, $2, $3)")
                    .bind(user)
                    .bind(unit)
                    .bind(&on_text)
                    .execute(&mut *$tx)
                    .await?;
                true
            }
        }
    }};
}
pub(crate) use move_member;

impl Store {
    /// A person's memberships, oldest first.
    pub async fn memberships(&self, user: UserId) -> StoreResult<Vec<Membership>> {
        let rows: Vec<(i64, Option<String>, Option<String>)> = on_conn!(self, conn => {
            sqlx::query_as(
                "SELECT org_unit_id, valid_from, valid_to FROM unit_memberships WHERE user_id = $1 ORDER BY valid_from IS NOT NULL, valid_from",
            )
            .bind(user.raw())
            .fetch_all(&mut *conn)
            .await?
        });
        rows.into_iter()
            .map(|(unit, from, until)| {
                Ok(Membership {
                    unit: OrgUnitId::from_raw(unit),
                    from: date(from, user.raw())?,
                    until: date(until, user.raw())?,
                })
            })
            .collect()
    }

    /// Moves a person to `unit` from the day `on` (his first day there),
    /// audited, his KPI rollups recomputed in the same transaction.
    /// Returns whether he moved (false: he is in that unit already).
    pub async fn move_user(
        &self,
        actor: &Actor,
        user: UserId,
        unit: OrgUnitId,
        on: NaiveDate,
    ) -> StoreResult<bool> {
        let moved = in_serial_write!(self, tx => {
            let was: Option<i64> = sqlx::query_scalar("SELECT org_unit_id FROM users WHERE id = $1")
                .bind(user.raw())
                .fetch_optional(&mut *tx)
                .await?;
            let was = was.ok_or_else(|| StoreError::NotFound { entity: "user", id: user.raw().to_string() })?;
            let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM org_units WHERE id = $1").bind(unit.raw()).fetch_optional(&mut *tx).await?;
            if exists.is_none() {
                return Err(StoreError::NotFound { entity: "org unit", id: unit.raw().to_string() });
            }
            let moved = move_member!(tx, user.raw(), unit.raw(), on);
            if moved {
                sqlx::query("UPDATE users SET org_unit_id = $1 WHERE id = $2").bind(unit.raw()).bind(user.raw()).execute(&mut *tx).await?;
                let touched = crate::kpi::Touched { owners: [user.raw()].into_iter().collect(), customers: Default::default() };
                crate::kpi::refresh_rollups!(self, tx, Some(&touched));
                audit!(tx, actor, AuditAction::Update, "user", user.raw().to_string(),
                    Some(serde_json::json!({"unit": was})),
                    Some(serde_json::json!({"unit": unit.raw(), "from": on.to_string()})));
            }
            moved
        });
        Ok(moved)
    }
}
