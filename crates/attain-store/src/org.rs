//! Repository for organisation settings, org units and users.

use attain_core::{
    ExternalId, FiscalYearLabel, GoalId, Login, OrgTree, OrgUnit, OrgUnitId, OrgUnitKind,
    PeriodKey, Role, SettingKey, UserId,
};

use chrono::NaiveDate;

use crate::BeginWrite as _;
use crate::access::{AuditAction, audit};
use crate::{Store, StoreError, StoreResult, in_serial_write, on_conn, on_pool};

/// Writes every setting inside the open transaction `$tx`.
macro_rules! write_settings {
    ($tx:ident, $settings:expr) => {{
        let settings: &OrgSettings = $settings;
        let name = settings.name.trim();
        if name.is_empty() {
            return Err(StoreError::Invalid(
                "the company name must not be empty".into(),
            ));
        }
        sqlx::query(SETTINGS_UPDATE)
            .bind(name)
            .bind(settings.base_currency.code())
            .bind(i32::try_from(settings.calendar.first_month()).unwrap_or(1))
            .bind(stored_label(settings.calendar.label()))
            .bind(settings.get(SettingKey::TimeZone))
            .bind(settings.get(SettingKey::WeekStart))
            .bind(settings.revenue_basis.key())
            .bind(i32::try_from(settings.churn_inactive_days).unwrap_or(i32::MAX))
            .bind(settings.default_language.code())
            .bind(settings.unit_credit.key())
            .execute(&mut *$tx)
            .await?;
    }};
}

pub use attain_core::OrgSettings;

/// How far a new installation is set up: what the first-run walkthrough
/// of the home page shows done.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SetupProgress {
    /// Whether someone has saved the settings (or the demo set them).
    pub settings_saved: bool,
    /// Org units, the company included (counted up to 2).
    pub units: i64,
    /// People, the first administrator included (counted up to 2).
    pub people: i64,
    /// Deals and orders (0, or more).
    pub sales_records: i64,
    /// Goals (0, or more).
    pub goals: i64,
}

/// A new org unit to insert.
#[derive(Debug, Clone)]
pub struct NewOrgUnit {
    /// Parent unit; `None` creates the company at the root (only one may exist).
    pub parent: Option<OrgUnitId>,
    /// Display name.
    pub name: String,
    /// Kind of unit.
    pub kind: OrgUnitKind,
    /// ID in the system it was imported from, if any.
    pub external_id: Option<ExternalId>,
}

/// A new user to insert.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Sign-in name, unique.
    pub login: Login,
    /// Name shown in the interface.
    pub display_name: String,
    /// E-mail address, if known.
    pub email: Option<String>,
    /// The unit the person belongs to.
    pub unit: OrgUnitId,
    /// What the person may do.
    pub role: Role,
    /// ID in the system it was imported from, if any.
    pub external_id: Option<ExternalId>,
}

/// A stored user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Its ID.
    pub id: UserId,
    /// Sign-in name.
    pub login: Login,
    /// Name shown in the interface.
    pub display_name: String,
    /// E-mail address, if known.
    pub email: Option<String>,
    /// The unit the person belongs to.
    pub unit: OrgUnitId,
    /// What the person may do.
    pub role: Role,
    /// Whether the person may sign in and is counted in the org.
    pub active: bool,
    /// ID in the system the person was imported from (an import's owner
    /// column may name him by it).
    pub external_id: Option<ExternalId>,
}

pub(crate) type UserRow = (
    i64,
    String,
    String,
    Option<String>,
    i64,
    String,
    bool,
    Option<String>,
);

const USER_BY_ID: &str = "SELECT id, login, display_name, email, org_unit_id, role, active, external_id FROM users WHERE id = $1";
const USER_BY_LOGIN: &str = "SELECT id, login, display_name, email, org_unit_id, role, active, external_id FROM users WHERE login = $1";
const ALL_USERS: &str = "SELECT id, login, display_name, email, org_unit_id, role, active, external_id FROM users ORDER BY id";

pub(crate) fn user_from_row(row: UserRow) -> StoreResult<User> {
    let (id, login, display_name, email, unit, role, active, external_id) = row;
    Ok(User {
        id: UserId::from_raw(id),
        login: Login::new(&login).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        display_name,
        email,
        unit: OrgUnitId::from_raw(unit),
        role: role
            .parse()
            .map_err(|e: attain_core::user::UnknownRole| StoreError::Corrupt(e.to_string()))?,
        active,
        external_id: external_id.and_then(|e| ExternalId::new(e).ok()),
    })
}

fn unit_from_row(
    (id, parent, name, kind): (i64, Option<i64>, String, String),
) -> StoreResult<OrgUnit> {
    Ok(OrgUnit {
        id: OrgUnitId::from_raw(id),
        parent: parent.map(OrgUnitId::from_raw),
        name,
        kind: kind
            .parse()
            .map_err(|e: attain_core::org::UnknownOrgUnitKind| {
                StoreError::Corrupt(e.to_string())
            })?,
    })
}

/// The columns of `org_settings`, in the order of [`SettingKey::ALL`].
const SETTINGS_SELECT: &str = "SELECT name, base_currency, CAST(fiscal_first_month AS TEXT), fiscal_year_label, time_zone, week_start, revenue_basis, CAST(inactivity_days AS TEXT), default_language, unit_credit FROM org_settings WHERE id = 1";

const SETTINGS_UPDATE: &str = "UPDATE org_settings SET name = $1, base_currency = $2, fiscal_first_month = $3, fiscal_year_label = $4, time_zone = $5, week_start = $6, revenue_basis = $7, inactivity_days = $8, default_language = $9, unit_credit = $10 WHERE id = 1";

type SettingsRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
);

/// Settings from their stored text, read by the one parser of setting values.
fn settings_from_row(row: SettingsRow) -> StoreResult<OrgSettings> {
    let (a, b, c, d, e, f, g, h, i, j) = row;
    let mut settings = OrgSettings::default();
    for (key, text) in SettingKey::ALL
        .into_iter()
        .zip([a, b, c, d, e, f, g, h, i, j])
    {
        settings
            .set(key, &text)
            .map_err(|e| StoreError::Corrupt(format!("organisation settings: {e}")))?;
    }
    Ok(settings)
}

/// Settings are written only as the one parser reads them back: each
/// value must be one `OrgSettings::set` takes, so a stored value can
/// never make every later read fail.
fn check_settings(settings: &OrgSettings) -> StoreResult<()> {
    let mut check = OrgSettings::default();
    for (key, value) in settings.entries() {
        check
            .set(key, &value)
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
    }
    Ok(())
}

/// The stored forms that differ from what [`OrgSettings::get`] shows.
fn stored_label(label: FiscalYearLabel) -> &'static str {
    match label {
        FiscalYearLabel::EndYear => "end_year",
        FiscalYearLabel::StartYear => "start_year",
    }
}

/// The settings as JSON, key by key, for the audit log.
fn settings_json(settings: &OrgSettings) -> serde_json::Value {
    settings
        .entries()
        .into_iter()
        .map(|(k, v)| (k.key().to_owned(), serde_json::Value::String(v)))
        .collect::<serde_json::Map<_, _>>()
        .into()
}

/// Inserts a checked new unit on the connection `$tx` and evaluates to its ID.
macro_rules! insert_unit {
    ($tx:ident, $unit:expr, $name:expr) => {{
        let unit: &NewOrgUnit = $unit;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO org_units (parent_id, name, kind, external_id) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(unit.parent.map(OrgUnitId::raw))
        .bind($name)
        .bind(unit.kind.key())
        .bind(unit.external_id.as_ref().map(ExternalId::as_str))
        .fetch_one(&mut *$tx)
        .await
        .map_err(|e| describe_unit_error(e, unit))?;
        id
    }};
}

impl Store {
    /// What counts as revenue: orders (default), bookings or cash.
    pub async fn revenue_basis(&self) -> StoreResult<attain_core::sales::RevenueBasis> {
        Ok(self.settings().await?.revenue_basis)
    }

    /// How far the installation is set up.
    pub async fn setup_progress(&self) -> StoreResult<SetupProgress> {
        // Each count stops at 2: only "none", "one" and "more" matter.
        let (audited, units, people, deals, orders, goals): (i64, i64, i64, i64, i64, i64) = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM audit_log WHERE entity = 'settings' LIMIT 1) a), (SELECT COUNT(*) FROM (SELECT 1 FROM org_units LIMIT 2) u), (SELECT COUNT(*) FROM (SELECT 1 FROM users LIMIT 2) p), (SELECT COUNT(*) FROM (SELECT 1 FROM deals LIMIT 1) d), (SELECT COUNT(*) FROM (SELECT 1 FROM orders LIMIT 1) o), (SELECT COUNT(*) FROM (SELECT 1 FROM goals LIMIT 1) g)",
            )
            .fetch_one(pool)
            .await?
        });
        let name = self.settings().await?.name;
        Ok(SetupProgress {
            settings_saved: audited > 0 || name != OrgSettings::default().name,
            units,
            people,
            sales_records: deals.saturating_add(orders),
            goals,
        })
    }

    /// The organisation's settings.
    pub async fn settings(&self) -> StoreResult<OrgSettings> {
        let row: SettingsRow = on_conn!(self, conn => {
            sqlx::query_as(SETTINGS_SELECT).fetch_one(&mut *conn).await?
        });
        settings_from_row(row)
    }

    /// Replaces the organisation's settings (the demo; people change them
    /// through [`Self::change_settings`], which is audited).
    pub async fn update_settings(&self, settings: &OrgSettings) -> StoreResult<()> {
        check_settings(settings)?;
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            write_settings!(tx, settings);
            tx.commit().await?;
        });
        Ok(())
    }

    /// Changes the organisation's settings in one transaction, audited with
    /// every setting before and after. Goals and market sizes keep their
    /// dates when the fiscal calendar or the week start changes: each whose
    /// key names other dates now gets the key that names its own (read
    /// and written inside the transaction, goals locked against concurrent
    /// writes); the goals moved are returned with their old and new keys.
    /// A new churn window rebuilds the KPI rollups. Refused when the
    /// settings changed meanwhile, or when two goals would end up with the
    /// same metric, scope and period.
    pub async fn change_settings(
        &self,
        actor: &crate::Actor,
        before: &OrgSettings,
        after: &OrgSettings,
    ) -> StoreResult<Vec<(GoalId, PeriodKey, PeriodKey)>> {
        check_settings(after)?;
        let mut moved = Vec::new();
        on_pool!(self, pool => {
            let mut tx = pool.begin_serial().await?;
            if self.backend() == crate::Backend::Postgres {
                sqlx::query("LOCK TABLE goals, market_sizes IN SHARE ROW EXCLUSIVE MODE").execute(&mut *tx).await?;
            }
            let row: SettingsRow = sqlx::query_as(SETTINGS_SELECT).fetch_one(&mut *tx).await?;
            if settings_from_row(row)? != *before {
                return Err(StoreError::Conflict("the settings were changed meanwhile; read them again".into()));
            }
            write_settings!(tx, after);
            if before.calendar != after.calendar {
                let goals: Vec<(i64, String, String, String, NaiveDate, NaiveDate)> = sqlx::query_as(
                    "SELECT id, metric, scope, period, period_start, period_end FROM goals ORDER BY period_start, id",
                )
                .fetch_all(&mut *tx)
                .await?;
                let mut keys: std::collections::HashMap<(String, String, String), i64> = std::collections::HashMap::new();
                for (id, metric, scope, period, start, end) in goals {
                    let key: PeriodKey = period.parse().map_err(|e| StoreError::Corrupt(format!("goal {id}: {e}")))?;
                    let stays = after.calendar.period(key).is_ok_and(|p| p.start() == start && p.end() == end);
                    let now = if stays { key } else { after.calendar.key_for_dates(start, end) };
                    if !stays {
                        moved.push((GoalId::from_raw(id), key, now));
                    }
                    if let Some(other) = keys.insert((metric.clone(), scope.clone(), now.to_string()), id) {
                        return Err(StoreError::Conflict(format!(
                            "goals {other} and {id} ({metric} of {scope}) would both be {now} under the new calendar: remove or change one first"
                        )));
                    }
                }
                // Two steps, so that goals trading keys (FY2026-Q1 becoming
                // the FY2026-Q4 another goal gives up) never meet halfway.
                for (id, _, _) in &moved {
                    sqlx::query("UPDATE goals SET period = $1 WHERE id = $2").bind(format!("#moving-{}", id.raw())).bind(id.raw()).execute(&mut *tx).await?;
                }
                for (id, _, now) in &moved {
                    sqlx::query("UPDATE goals SET period = $1 WHERE id = $2").bind(now.to_string()).bind(id.raw()).execute(&mut *tx).await?;
                }
                // Market sizes are stored by period key too.
                let sizes: Vec<(i64, String)> = sqlx::query_as("SELECT id, period FROM market_sizes").fetch_all(&mut *tx).await?;
                let mut resized = Vec::new();
                for (id, period) in sizes {
                    let Ok(key) = period.parse::<PeriodKey>() else { continue };
                    let (Ok(was), Ok(is)) = (before.calendar.period(key), after.calendar.period(key)) else { continue };
                    if (was.start(), was.end()) != (is.start(), is.end()) {
                        resized.push((id, after.calendar.key_for_dates(was.start(), was.end())));
                    }
                }
                for (id, _) in &resized {
                    sqlx::query("UPDATE market_sizes SET period = $1 WHERE id = $2").bind(format!("#moving-{id}")).bind(id).execute(&mut *tx).await?;
                }
                for (id, key) in &resized {
                    sqlx::query("UPDATE market_sizes SET period = $1 WHERE id = $2").bind(key.to_string()).bind(id).execute(&mut *tx).await?;
                }
            }
            // Who churned depends on the window: the customer rollups are
            // rebuilt with the new one, in the same transaction.
            // So does a new way of crediting units.
            if before.churn_inactive_days != after.churn_inactive_days || before.unit_credit != after.unit_credit {
                crate::kpi::refresh_rollups!(self, tx, None);
            }
            audit!(tx, actor, AuditAction::Update, "settings", "1", Some(settings_json(before)), Some(settings_json(after)));
            tx.commit().await?;
        });
        Ok(moved)
    }

    /// Inserts an org unit and returns its ID.
    pub async fn create_org_unit(&self, unit: &NewOrgUnit) -> StoreResult<OrgUnitId> {
        let name = check_new_unit(unit)?;
        let id: i64 = in_serial_write!(self, tx => {
            insert_unit!(tx, unit, name)
        });
        Ok(OrgUnitId::from_raw(id))
    }

    /// Every org unit, by ID.
    pub async fn org_units(&self) -> StoreResult<Vec<OrgUnit>> {
        let rows: Vec<(i64, Option<i64>, String, String)> = on_conn!(self, conn => {
            sqlx::query_as("SELECT id, parent_id, name, kind FROM org_units ORDER BY id")
                .fetch_all(&mut *conn)
                .await?
        });
        rows.into_iter().map(unit_from_row).collect()
    }

    /// Inserts a user and returns the ID.
    pub async fn create_user(&self, user: &NewUser) -> StoreResult<UserId> {
        let display_name = user.display_name.trim();
        if display_name.is_empty() {
            return Err(StoreError::Invalid("a user needs a display name".into()));
        }
        let id: i64 = on_pool!(self, pool => {
            sqlx::query_scalar(
                "INSERT INTO users (login, display_name, email, org_unit_id, role, external_id) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(user.login.as_str())
            .bind(display_name)
            .bind(user.email.as_deref())
            .bind(user.unit.raw())
            .bind(user.role.key())
            .bind(user.external_id.as_ref().map(ExternalId::as_str))
            .fetch_one(pool)
            .await
            .map_err(|e| describe_user_error(e, user))?
        });
        Ok(UserId::from_raw(id))
    }

    /// One user by ID.
    pub async fn user(&self, id: UserId) -> StoreResult<User> {
        let row: Option<UserRow> = on_pool!(self, pool => {
            sqlx::query_as(USER_BY_ID).bind(id.raw()).fetch_optional(pool).await?
        });
        row.map(user_from_row)
            .transpose()?
            .ok_or_else(|| StoreError::NotFound {
                entity: "user",
                id: id.to_string(),
            })
    }

    /// One user by login.
    pub async fn user_by_login(&self, login: &Login) -> StoreResult<User> {
        let row: Option<UserRow> = on_pool!(self, pool => {
            sqlx::query_as(USER_BY_LOGIN).bind(login.as_str()).fetch_optional(pool).await?
        });
        row.map(user_from_row)
            .transpose()?
            .ok_or_else(|| StoreError::NotFound {
                entity: "user",
                id: login.to_string(),
            })
    }

    /// Every user, by ID.
    pub async fn users(&self) -> StoreResult<Vec<User>> {
        let rows: Vec<UserRow> = on_conn!(self, conn => {
            sqlx::query_as(ALL_USERS).fetch_all(&mut *conn).await?
        });
        rows.into_iter().map(user_from_row).collect()
    }

    /// The whole org tree with every active user placed in it.
    pub async fn org_tree(&self) -> StoreResult<OrgTree> {
        let units = self.org_units().await?;
        if units.is_empty() {
            // A new database, not a damaged one.
            return Err(StoreError::Invalid(
                "this database has no organisation yet: run `attain demo`, or create the company and import your data".into(),
            ));
        }
        let members: Vec<(i64, i64)> = on_conn!(self, conn => {
            sqlx::query_as("SELECT id, org_unit_id FROM users WHERE active = TRUE")
                .fetch_all(&mut *conn)
                .await?
        });
        OrgTree::build(
            units,
            members
                .into_iter()
                .map(|(u, o)| (UserId::from_raw(u), OrgUnitId::from_raw(o))),
        )
        .map_err(|e| StoreError::Corrupt(e.to_string()))
    }
}

/// A new unit's name, trimmed, once its name and place are valid.
fn check_new_unit(unit: &NewOrgUnit) -> StoreResult<&str> {
    let name = unit.name.trim();
    if name.is_empty() {
        return Err(StoreError::Invalid("an org unit needs a name".into()));
    }
    attain_core::text::name(name).map_err(|e| StoreError::Invalid(format!("name: {e}")))?;
    if unit.parent.is_none() && unit.kind != OrgUnitKind::Company {
        return Err(StoreError::Invalid(
            "only the company may have no parent".into(),
        ));
    }
    if unit.parent.is_some() && unit.kind == OrgUnitKind::Company {
        return Err(StoreError::Invalid(
            "the company sits at the root and has no parent".into(),
        ));
    }
    Ok(name)
}

fn describe_unit_error(err: sqlx::Error, unit: &NewOrgUnit) -> StoreError {
    match StoreError::from(err) {
        StoreError::Conflict(msg) if unit.parent.is_none() => StoreError::Conflict(format!(
            "the organisation already has a company at its root ({msg})"
        )),
        StoreError::Conflict(msg) => StoreError::Conflict(format!(
            "external ID {} is already used by another org unit ({msg})",
            unit.external_id.as_ref().map_or("-", ExternalId::as_str)
        )),
        StoreError::Invalid(msg) => StoreError::Invalid(format!(
            "parent org unit {} does not exist ({msg})",
            unit.parent
                .map_or_else(|| "-".to_owned(), |p| p.to_string())
        )),
        other => other,
    }
}

pub(crate) fn describe_user_error(err: sqlx::Error, user: &NewUser) -> StoreError {
    match StoreError::from(err) {
        StoreError::Conflict(msg) => StoreError::Conflict(format!(
            "login '{}' or its external ID is already taken ({msg})",
            user.login
        )),
        StoreError::Invalid(msg) => {
            StoreError::Invalid(format!("org unit {} does not exist ({msg})", user.unit))
        }
        other => other,
    }
}

impl Store {
    /// Creates an org unit, recording it in the audit log.
    pub async fn create_org_unit_audited(
        &self,
        actor: &crate::Actor,
        unit: &NewOrgUnit,
    ) -> StoreResult<OrgUnitId> {
        let name = check_new_unit(unit)?;
        let after = serde_json::json!({"name": name, "parent": unit.parent.map(OrgUnitId::raw), "kind": unit.kind.key()});
        let id: i64 = in_serial_write!(self, tx => {
            let id = insert_unit!(tx, unit, name);
            crate::access::audit!(tx, actor, crate::AuditAction::Create, "org_unit", id.to_string(), None::<serde_json::Value>, Some(after));
            id
        });
        Ok(OrgUnitId::from_raw(id))
    }

    /// Renames or moves an org unit (audited). A unit cannot move below
    /// itself, and the company stays at the root. People's figures follow
    /// their unit without any refresh: units are folded at query time.
    pub async fn update_org_unit_audited(
        &self,
        actor: &crate::Actor,
        id: OrgUnitId,
        name: Option<&str>,
        parent: Option<OrgUnitId>,
    ) -> StoreResult<()> {
        let tree = self.org_tree().await?;
        let before = tree.unit(id).cloned().ok_or_else(|| StoreError::NotFound {
            entity: "org unit",
            id: id.to_string(),
        })?;
        let new_name = name.map(str::trim).unwrap_or(&before.name).to_owned();
        if new_name.is_empty() {
            return Err(StoreError::Invalid("an org unit needs a name".into()));
        }
        attain_core::text::name(&new_name)
            .map_err(|e| StoreError::Invalid(format!("name: {e}")))?;
        let new_parent = match parent {
            None => before.parent,
            Some(p) => {
                if before.parent.is_none() {
                    return Err(StoreError::Invalid(
                        "the company sits at the root and cannot move".into(),
                    ));
                }
                if tree.unit(p).is_none() {
                    return Err(StoreError::Invalid(format!("org unit {p} does not exist")));
                }
                if tree.is_within(p, id) {
                    return Err(StoreError::Invalid(format!(
                        "{} cannot move below itself",
                        before.name
                    )));
                }
                Some(p)
            }
        };
        let json = |name: &str, parent: Option<OrgUnitId>| serde_json::json!({"name": name, "parent": parent.map(OrgUnitId::raw)});
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE org_units SET name = $1, parent_id = $2 WHERE id = $3")
                .bind(&new_name)
                .bind(new_parent.map(OrgUnitId::raw))
                .bind(id.raw())
                .execute(&mut *tx)
                .await?;
            crate::access::audit!(tx, actor, crate::AuditAction::Update, "org_unit", id.raw().to_string(), Some(json(&before.name, before.parent)), Some(json(&new_name, new_parent)));
            tx.commit().await?;
        });
        Ok(())
    }

    /// Deletes an empty org unit (no units below it, nobody in it), audited.
    pub async fn delete_org_unit_audited(
        &self,
        actor: &crate::Actor,
        id: OrgUnitId,
    ) -> StoreResult<()> {
        let tree = self.org_tree().await?;
        let unit = tree.unit(id).cloned().ok_or_else(|| StoreError::NotFound {
            entity: "org unit",
            id: id.to_string(),
        })?;
        if tree.children(id).next().is_some() {
            return Err(StoreError::Conflict(format!(
                "{} still has units below it",
                unit.name
            )));
        }
        on_pool!(self, pool => {
            let people: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE org_unit_id = $1").bind(id.raw()).fetch_one(pool).await?;
            if people > 0 {
                return Err(StoreError::Conflict(format!("{} still has {people} people in it (inactive ones too)", unit.name)));
            }
            let goals: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM goals WHERE org_unit_id = $1").bind(id.raw()).fetch_one(pool).await?;
            if goals > 0 {
                return Err(StoreError::Conflict(format!("{} still has {goals} goal(s); delete them first", unit.name)));
            }
            let past: i64 = sqlx::query_scalar("SELECT COUNT(DISTINCT user_id) FROM unit_memberships WHERE org_unit_id = $1").bind(id.raw()).fetch_one(pool).await?;
            if past > 0 {
                return Err(StoreError::Conflict(format!(
                    "{} was the unit of {past} people before they moved: their sales of that time may count for it (the unit_credit setting), so it stays; rename it or move it instead",
                    unit.name
                )));
            }
            let mut tx = pool.begin_write().await?;
            sqlx::query("DELETE FROM org_units WHERE id = $1").bind(id.raw()).execute(&mut *tx).await?;
            crate::access::audit!(tx, actor, crate::AuditAction::Delete, "org_unit", id.raw().to_string(), Some(serde_json::json!({"name": unit.name, "parent": unit.parent.map(OrgUnitId::raw)})), None::<serde_json::Value>);
            tx.commit().await?;
        });
        Ok(())
    }
}
