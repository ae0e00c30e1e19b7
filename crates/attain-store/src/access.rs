//! Sign-in data (password hashes, sessions, API tokens, login failures), the
//! audit log, and the visibility filter that every scoped read goes through.

use attain_core::{Login, OrgUnitId, Principal, Role, UserId, Visibility};
use chrono::{DateTime, Utc};

use crate::BeginWrite as _;
use crate::org::{User, UserRow, user_from_row};
use crate::{NewUser, Store, StoreError, StoreResult, in_serial_write, on_pool};

/// Who made a change, as the audit log records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The signed-in user, if the change came from one.
    pub user: Option<UserId>,
    /// Login, or `cli` / `system` for changes made outside a session.
    pub label: String,
}

impl Actor {
    /// A signed-in person.
    pub fn person(principal: &Principal) -> Self {
        Self {
            user: Some(principal.user),
            label: principal.login.to_string(),
        }
    }

    /// A change made outside any session, e.g. `cli` or `system`.
    pub fn named(label: &str) -> Self {
        Self {
            user: None,
            label: label.to_owned(),
        }
    }
}

/// What kind of change an audit entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAction {
    /// A record was created.
    Create,
    /// A record was changed.
    Update,
    /// A record was removed.
    Delete,
}

impl AuditAction {
    pub(crate) fn key(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Update => "update",
            Self::Delete => "delete",
        }
    }
}

/// One entry of the append-only audit log.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    /// Position in the log.
    pub id: i64,
    /// When the change was committed.
    pub at: DateTime<Utc>,
    /// Who made it (login or `cli`/`system`).
    pub actor: String,
    /// The acting user, if any.
    pub actor_id: Option<UserId>,
    /// `create`, `update` or `delete`.
    pub action: String,
    /// Kind of record (`user`, `goal`, `plan`, …).
    pub entity: String,
    /// The record's ID.
    pub entity_id: String,
    /// JSON of the record before the change (`None` for a create).
    pub before: Option<serde_json::Value>,
    /// JSON of the record after the change (`None` for a delete).
    pub after: Option<serde_json::Value>,
}

/// An active session as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// The user signed in.
    pub user: UserId,
    /// The synchroniser token every state-changing form must echo.
    pub csrf_token: String,
    /// When it stops being valid.
    pub expires_at: DateTime<Utc>,
}

/// An API token as listed (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiTokenInfo {
    /// Its ID, used to revoke it.
    pub id: i64,
    /// Its owner.
    pub user: UserId,
    /// Name given when created.
    pub name: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it was last used.
    pub last_used_at: Option<DateTime<Utc>>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<DateTime<Utc>>,
    /// When it stops working, if it was given an expiry.
    pub expires_at: Option<DateTime<Utc>>,
}

/// A user's sign-in credentials as stored.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// The user.
    pub user: User,
    /// The Argon2id PHC string, if a password was ever set.
    pub password_hash: Option<String>,
    /// Whether the user must choose a new password before doing anything else.
    pub must_change_password: bool,
    /// Preferred interface language (`en`, `zh-CN`), if chosen.
    pub locale: Option<String>,
}

/// Changes an administrator may make to a user; `None` leaves a field as is.
#[derive(Debug, Clone, Default)]
pub struct UserChanges {
    /// New display name.
    pub display_name: Option<String>,
    /// New e-mail (`Some(None)` clears it).
    pub email: Option<Option<String>>,
    /// New unit.
    pub unit: Option<OrgUnitId>,
    /// New role.
    pub role: Option<Role>,
    /// Activate or deactivate (a deactivated user cannot sign in).
    pub active: Option<bool>,
    /// With a new unit: his first day in it (required then).
    pub unit_from: Option<chrono::NaiveDate>,
}

/// The audit snapshot of a user: everything but secrets.
fn user_json(user: &User) -> serde_json::Value {
    serde_json::json!({
        "login": user.login.as_str(),
        "display_name": user.display_name,
        "email": user.email,
        "unit": user.unit.raw(),
        "role": user.role.key(),
        "active": user.active,
    })
}

/// The scope key bound as `$1` in every scoped query: 0 means "everything".
fn scope_key(visibility: &Visibility) -> (usize, i64) {
    match visibility {
        Visibility::Everything => (0, 0),
        Visibility::Subtree(unit) => (1, unit.raw()),
        Visibility::Own(user) => (2, user.raw()),
    }
}

/// Builds the three variants of a query scoped by record owner, in the order
/// Everything, Subtree, Own. `$1` is always the scope key, so the rest of
/// the query's parameters are numbered from `$2` in every variant.
macro_rules! scoped_sql {
    ($select:literal, $owner:literal, $rest:literal) => {
        [
            concat!($select, " WHERE CAST($1 AS BIGINT) = 0 ", $rest),
            concat!(
                "WITH RECURSIVE scope_units(id) AS (SELECT id FROM org_units WHERE id = $1 ",
                "UNION ALL SELECT o.id FROM org_units o JOIN scope_units s ON o.parent_id = s.id) ",
                $select,
                " WHERE ", $owner, " IN (SELECT su.id FROM users su WHERE su.org_unit_id IN (SELECT id FROM scope_units)) ",
                $rest
            ),
            concat!($select, " WHERE ", $owner, " = $1 ", $rest),
        ]
    };
}

const USERS_VISIBLE: [&str; 3] = scoped_sql!(
    "SELECT id, login, display_name, email, org_unit_id, role, active, external_id FROM users",
    "users.id",
    "ORDER BY id"
);
const USER_VISIBLE: [&str; 3] = scoped_sql!(
    "SELECT id, login, display_name, email, org_unit_id, role, active, external_id FROM users",
    "users.id",
    "AND id = $2"
);

type AuditRow = (
    i64,
    DateTime<Utc>,
    String,
    Option<i64>,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
);

fn audit_from_row(row: AuditRow) -> StoreResult<AuditEntry> {
    let (id, at, actor, actor_id, action, entity, entity_id, before, after) = row;
    let parse = |text: Option<String>| -> StoreResult<Option<serde_json::Value>> {
        text.map(|t| {
            serde_json::from_str(&t)
                .map_err(|e| StoreError::Corrupt(format!("audit entry {id}: {e}")))
        })
        .transpose()
    };
    Ok(AuditEntry {
        id,
        at,
        actor,
        actor_id: actor_id.map(UserId::from_raw),
        action,
        entity,
        entity_id,
        before: parse(before)?,
        after: parse(after)?,
    })
}

/// A user row plus password hash, must-change flag and locale.
type CredentialsRow = (
    i64,
    String,
    String,
    Option<String>,
    i64,
    String,
    bool,
    Option<String>,
    Option<String>,
    bool,
    Option<String>,
);
/// id, user, name, created, last used, revoked, expires.
type TokenRow = (
    i64,
    i64,
    String,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
);

pub(crate) const INSERT_AUDIT: &str = "INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before_json, after_json) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

/// Appends one audit entry inside the open transaction `$tx`.
macro_rules! audit {
    ($tx:ident, $actor:expr, $action:expr, $entity:expr, $entity_id:expr, $before:expr, $after:expr) => {
        sqlx::query($crate::access::INSERT_AUDIT)
            .bind(chrono::Utc::now())
            .bind($actor.user.map(attain_core::UserId::raw))
            .bind($actor.label.as_str())
            .bind($action.key())
            .bind($entity)
            .bind($entity_id)
            .bind($before.map(|v: serde_json::Value| v.to_string()))
            .bind($after.map(|v: serde_json::Value| v.to_string()))
            .execute(&mut *$tx)
            .await?
    };
}

pub(crate) use audit;

impl Store {
    /// Users the viewer may see, by ID.
    pub async fn users_visible(&self, visibility: &Visibility) -> StoreResult<Vec<User>> {
        let (variant, key) = scope_key(visibility);
        let rows: Vec<UserRow> = on_pool!(self, pool => {
            sqlx::query_as(USERS_VISIBLE[variant]).bind(key).fetch_all(pool).await?
        });
        rows.into_iter().map(user_from_row).collect()
    }

    /// One user, if the viewer may see him; otherwise `NotFound`, exactly as
    /// for an ID that does not exist, so IDs cannot be probed.
    pub async fn user_visible(&self, visibility: &Visibility, id: UserId) -> StoreResult<User> {
        let (variant, key) = scope_key(visibility);
        let row: Option<UserRow> = on_pool!(self, pool => {
            sqlx::query_as(USER_VISIBLE[variant]).bind(key).bind(id.raw()).fetch_optional(pool).await?
        });
        row.map(user_from_row)
            .transpose()?
            .ok_or_else(|| StoreError::NotFound {
                entity: "user",
                id: id.to_string(),
            })
    }

    /// Credentials for a login, active users only.
    pub async fn credentials(&self, login: &Login) -> StoreResult<Option<Credentials>> {
        let row: Option<CredentialsRow> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT id, login, display_name, email, org_unit_id, role, active, external_id, password_hash, must_change_password, locale FROM users WHERE login = $1 AND active = TRUE",
            )
            .bind(login.as_str())
            .fetch_optional(pool)
            .await?
        });
        let Some((id, login, name, email, unit, role, active, external, hash, must_change, locale)) =
            row
        else {
            return Ok(None);
        };
        let user = user_from_row((id, login, name, email, unit, role, active, external))?;
        Ok(Some(Credentials {
            user,
            password_hash: hash,
            must_change_password: must_change,
            locale,
        }))
    }

    /// Credentials by user ID (active or not).
    pub async fn credentials_of(&self, id: UserId) -> StoreResult<Credentials> {
        let user = self.user(id).await?;
        let (hash, must_change, locale): (Option<String>, bool, Option<String>) = on_pool!(self, pool => {
            sqlx::query_as("SELECT password_hash, must_change_password, locale FROM users WHERE id = $1")
                .bind(id.raw())
                .fetch_one(pool)
                .await?
        });
        Ok(Credentials {
            user,
            password_hash: hash,
            must_change_password: must_change,
            locale,
        })
    }

    /// Inserts a user with a password hash, recording the creation in the audit log.
    pub async fn create_user_audited(
        &self,
        actor: &Actor,
        user: &NewUser,
        password_hash: &str,
        must_change_password: bool,
    ) -> StoreResult<User> {
        let id = self
            .create_user_inner(actor, user, password_hash, must_change_password)
            .await?;
        self.user(id).await
    }

    async fn create_user_inner(
        &self,
        actor: &Actor,
        user: &NewUser,
        password_hash: &str,
        must_change_password: bool,
    ) -> StoreResult<UserId> {
        let display_name = user.display_name.trim();
        if display_name.is_empty() {
            return Err(StoreError::Invalid("a user needs a display name".into()));
        }
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO users (login, display_name, email, org_unit_id, role, external_id, password_hash, must_change_password) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(user.login.as_str())
            .bind(display_name)
            .bind(user.email.as_deref())
            .bind(user.unit.raw())
            .bind(user.role.key())
            .bind(user.external_id.as_ref().map(attain_core::ExternalId::as_str))
            .bind(password_hash)
            .bind(must_change_password)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| crate::org::describe_user_error(e, user))?;
            let after = serde_json::json!({
                "login": user.login.as_str(),
                "display_name": display_name,
                "email": user.email,
                "unit": user.unit.raw(),
                "role": user.role.key(),
                "active": true,
            });
            audit!(tx, actor, AuditAction::Create, "user", id.to_string(), None::<serde_json::Value>, Some(after));
            tx.commit().await?;
            Ok(UserId::from_raw(id))
        })
    }

    /// Applies administrator changes to a user, recording before and after.
    pub async fn update_user_audited(
        &self,
        actor: &Actor,
        id: UserId,
        changes: &UserChanges,
    ) -> StoreResult<User> {
        let before = self.user(id).await?;
        let mut after = before.clone();
        if let Some(name) = &changes.display_name {
            let name = name.trim();
            if name.is_empty() {
                return Err(StoreError::Invalid("a user needs a display name".into()));
            }
            after.display_name = name.to_owned();
        }
        if let Some(email) = &changes.email {
            after.email = email.clone();
        }
        if let Some(unit) = changes.unit {
            after.unit = unit;
        }
        if let Some(role) = changes.role {
            after.role = role;
        }
        if let Some(active) = changes.active {
            after.active = active;
        }
        if after == before {
            return Ok(before);
        }
        in_serial_write!(self, tx => {
            sqlx::query("UPDATE users SET display_name = $1, email = $2, org_unit_id = $3, role = $4, active = $5 WHERE id = $6")
                .bind(&after.display_name)
                .bind(after.email.as_deref())
                .bind(after.unit.raw())
                .bind(after.role.key())
                .bind(after.active)
                .bind(id.raw())
                .execute(&mut *tx)
                .await
                .map_err(|e| match StoreError::from(e) {
                    StoreError::Invalid(msg) => StoreError::Invalid(format!("org unit {} does not exist ({msg})", after.unit)),
                    other => other,
                })?;
            if !after.active {
                sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id.raw()).execute(&mut *tx).await?;
            }
            if after.unit != before.unit {
                let on = changes.unit_from.ok_or_else(|| StoreError::Invalid("unit_from: a move to another unit needs its first day there".into()))?;
                crate::membership::move_member!(tx, id.raw(), after.unit.raw(), on);
                // His figures count for his new unit, today's or from that day on.
                let touched = crate::kpi::Touched { owners: [id.raw()].into_iter().collect(), customers: Default::default() };
                crate::kpi::refresh_rollups!(self, tx, Some(&touched));
            }
            let mut after_json = user_json(&after);
            if after.unit != before.unit {
                after_json["unit_from"] = serde_json::json!(changes.unit_from.map(|d| d.to_string()));
            }
            audit!(tx, actor, AuditAction::Update, "user", id.to_string(), Some(user_json(&before)), Some(after_json));
        });
        Ok(after)
    }

    /// Sets a password hash, ends the user's sessions, and records the change
    /// (never the hash) in the audit log.
    ///
    /// Every session of the user ends. With `revoke_tokens_at`, every live
    /// API token of the user is revoked at that instant too (an
    /// administrator's reset: the account may be compromised); the audit
    /// entry says how many. Returns that number.
    pub async fn set_password_audited(
        &self,
        actor: &Actor,
        id: UserId,
        password_hash: &str,
        must_change_password: bool,
        revoke_tokens_at: Option<DateTime<Utc>>,
    ) -> StoreResult<u64> {
        let user = self.user(id).await?;
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE users SET password_hash = $1, must_change_password = $2 WHERE id = $3")
                .bind(password_hash)
                .bind(must_change_password)
                .bind(id.raw())
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id.raw()).execute(&mut *tx).await?;
            let revoked = match revoke_tokens_at {
                Some(at) => sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
                    .bind(at).bind(id.raw()).execute(&mut *tx).await?.rows_affected(),
                None => 0,
            };
            let what = if actor.user == Some(id) { "changed by the user" } else { "reset" };
            audit!(
                tx, actor, AuditAction::Update, "user", id.to_string(),
                Some(serde_json::json!({"login": user.login.as_str(), "password": "(previous)"})),
                Some(serde_json::json!({"login": user.login.as_str(), "password": what, "must_change_password": must_change_password, "api_tokens_revoked": revoked}))
            );
            tx.commit().await?;
            Ok(revoked)
        })
    }

    /// Stores a user's preferred interface language (`None` follows the browser).
    pub async fn set_locale(&self, id: UserId, locale: Option<&str>) -> StoreResult<()> {
        on_pool!(self, pool => {
            sqlx::query("UPDATE users SET locale = $1 WHERE id = $2").bind(locale).bind(id.raw()).execute(pool).await?;
        });
        Ok(())
    }

    /// Stores a new session.
    pub async fn create_session(
        &self,
        user: UserId,
        token_hash: &str,
        csrf_token: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        on_pool!(self, pool => {
            sqlx::query("INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at, last_seen_at) VALUES ($1, $2, $3, $4, $5, $4)")
                .bind(token_hash).bind(user.raw()).bind(csrf_token).bind(now).bind(expires_at)
                .execute(pool).await?;
        });
        Ok(())
    }

    /// The live session with this token hash, sliding its expiry forward to
    /// `new_expiry` when it is still valid at `now`.
    pub async fn touch_session(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
        new_expiry: DateTime<Utc>,
    ) -> StoreResult<Option<SessionRecord>> {
        let row: Option<(i64, String, DateTime<Utc>)> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT s.user_id, s.csrf_token, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.active = TRUE",
            )
            .bind(token_hash).bind(now).fetch_optional(pool).await?
        });
        let Some((user, csrf_token, expires_at)) = row else {
            return Ok(None);
        };
        // Slide the expiry at most once a minute to keep writes off the hot path.
        let last_refresh = expires_at - (new_expiry - now);
        if now - last_refresh >= chrono::Duration::seconds(60) {
            on_pool!(self, pool => {
                sqlx::query("UPDATE sessions SET expires_at = $1, last_seen_at = $2 WHERE token_hash = $3")
                    .bind(new_expiry).bind(now).bind(token_hash).execute(pool).await?;
            });
        }
        Ok(Some(SessionRecord {
            user: UserId::from_raw(user),
            csrf_token,
            expires_at,
        }))
    }

    /// Ends one session.
    pub async fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
        on_pool!(self, pool => {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(pool).await?;
        });
        Ok(())
    }

    /// Removes sessions that have expired, API tokens that expired or were
    /// revoked before `tokens_before`, and sign-in failures older than
    /// `failures_before`; returns how many rows went.
    pub async fn purge_expired(
        &self,
        now: DateTime<Utc>,
        failures_before: DateTime<Utc>,
    ) -> StoreResult<u64> {
        on_pool!(self, pool => {
            let sessions = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(now).execute(pool).await?;
            let failures = sqlx::query("DELETE FROM login_failures WHERE at < $1").bind(failures_before).execute(pool).await?;
            Ok(sessions.rows_affected() + failures.rows_affected())
        })
    }

    /// Records a sign-in attempt for `login` from `address` *before* its
    /// password is checked, and counts, with it, the attempts since `since`
    /// for that login from that address and for the address alone. Because
    /// each attempt is written before it is counted, parallel guesses see
    /// each other: at most the limit of them can pass the check. The row
    /// stays as a failure unless [`Store::forget_login_attempt`] removes it.
    pub async fn begin_login_attempt(
        &self,
        login: &str,
        address: &str,
        now: DateTime<Utc>,
        since: DateTime<Utc>,
    ) -> StoreResult<LoginAttempt> {
        let id: i64 = on_pool!(self, pool => {
            sqlx::query_scalar("INSERT INTO login_failures (login, address, at) VALUES ($1, $2, $3) RETURNING id")
                .bind(login).bind(address).bind(now).fetch_one(pool).await?
        });
        let pair: (i64, Option<DateTime<Utc>>) = on_pool!(self, pool => {
            sqlx::query_as("SELECT COUNT(*), MIN(at) FROM login_failures WHERE login = $1 AND address = $2 AND at > $3")
                .bind(login).bind(address).bind(since).fetch_one(pool).await?
        });
        let by_address: (i64, Option<DateTime<Utc>>) = on_pool!(self, pool => {
            sqlx::query_as("SELECT COUNT(*), MIN(at) FROM login_failures WHERE address = $1 AND at > $2")
                .bind(address).bind(since).fetch_one(pool).await?
        });
        Ok(LoginAttempt {
            id,
            pair,
            address: by_address,
        })
    }

    /// Removes an attempt recorded by [`Store::begin_login_attempt`]: it
    /// succeeded, or it was refused before its password was tried.
    pub async fn forget_login_attempt(&self, id: i64) -> StoreResult<()> {
        on_pool!(self, pool => {
            sqlx::query("DELETE FROM login_failures WHERE id = $1").bind(id).execute(pool).await?;
        });
        Ok(())
    }

    /// Forgets the failed sign-ins of a login from one address after a
    /// successful one there.
    pub async fn clear_login_failures(&self, login: &str, address: &str) -> StoreResult<()> {
        on_pool!(self, pool => {
            sqlx::query("DELETE FROM login_failures WHERE login = $1 AND address = $2").bind(login).bind(address).execute(pool).await?;
        });
        Ok(())
    }

    /// Stores a new API token (by hash), valid until `expires_at` if given,
    /// and returns its ID.
    pub async fn create_api_token(
        &self,
        actor: &Actor,
        user: UserId,
        name: &str,
        token_hash: &str,
        now: DateTime<Utc>,
        expires_at: Option<DateTime<Utc>>,
    ) -> StoreResult<i64> {
        let name = name.trim();
        if name.is_empty() {
            return Err(StoreError::Invalid("a token needs a name".into()));
        }
        if name.chars().count() > 100 {
            return Err(StoreError::Invalid(
                "a token's name is at most 100 characters".into(),
            ));
        }
        attain_core::text::name(name).map_err(|e| StoreError::Invalid(format!("name: {e}")))?;
        if expires_at.is_some_and(|at| at <= now) {
            return Err(StoreError::Invalid(
                "a token's expiry must lie in the future".into(),
            ));
        }
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar("INSERT INTO api_tokens (user_id, name, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5) RETURNING id")
                .bind(user.raw()).bind(name).bind(token_hash).bind(now).bind(expires_at).fetch_one(&mut *tx).await?;
            audit!(tx, actor, AuditAction::Create, "api_token", id.to_string(), None::<serde_json::Value>,
                Some(serde_json::json!({"user": user.raw(), "name": name, "expires_at": expires_at.map(|t| t.to_rfc3339())})));
            tx.commit().await?;
            Ok(id)
        })
    }

    /// The tokens of a user, newest first.
    pub async fn api_tokens_of(&self, user: UserId) -> StoreResult<Vec<ApiTokenInfo>> {
        let rows: Vec<TokenRow> = on_pool!(self, pool => {
            sqlx::query_as("SELECT id, user_id, name, created_at, last_used_at, revoked_at, expires_at FROM api_tokens WHERE user_id = $1 ORDER BY id DESC")
                .bind(user.raw()).fetch_all(pool).await?
        });
        Ok(rows
            .into_iter()
            .map(
                |(id, user, name, created_at, last_used_at, revoked_at, expires_at)| ApiTokenInfo {
                    id,
                    user: UserId::from_raw(user),
                    name,
                    created_at,
                    last_used_at,
                    revoked_at,
                    expires_at,
                },
            )
            .collect())
    }

    /// The active user holding a live (unrevoked, unexpired) token with
    /// this hash; marks it used.
    pub async fn user_by_api_token(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<UserId>> {
        let row: Option<(i64, i64)> = on_pool!(self, pool => {
            sqlx::query_as("SELECT t.id, t.user_id FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > $2) AND u.active = TRUE")
                .bind(token_hash).bind(now).fetch_optional(pool).await?
        });
        let Some((token_id, user)) = row else {
            return Ok(None);
        };
        on_pool!(self, pool => {
            sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2").bind(now).bind(token_id).execute(pool).await?;
        });
        Ok(Some(UserId::from_raw(user)))
    }

    /// Revokes a token. Only its owner or an admin may: `owner` restricts the
    /// match to that user's tokens (`None` for an admin).
    pub async fn revoke_api_token(
        &self,
        actor: &Actor,
        id: i64,
        owner: Option<UserId>,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let row: Option<(i64, String)> = sqlx::query_as(
                "SELECT user_id, name FROM api_tokens WHERE id = $1 AND revoked_at IS NULL AND (CAST($2 AS BIGINT) = 0 OR user_id = $2)",
            )
            .bind(id).bind(owner.map_or(0, UserId::raw)).fetch_optional(&mut *tx).await?;
            let Some((user, name)) = row else {
                return Err(StoreError::NotFound { entity: "API token", id: id.to_string() });
            };
            sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2").bind(now).bind(id).execute(&mut *tx).await?;
            audit!(tx, actor, AuditAction::Delete, "api_token", id.to_string(),
                Some(serde_json::json!({"user": user, "name": name})), None::<serde_json::Value>);
            tx.commit().await?;
            Ok(())
        })
    }

    /// The newest audit entries first, optionally for one entity kind.
    pub async fn audit_log(
        &self,
        entity: Option<&str>,
        limit: i64,
        before_id: Option<i64>,
    ) -> StoreResult<Vec<AuditEntry>> {
        let rows: Vec<AuditRow> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT id, at, actor, actor_id, action, entity, entity_id, before_json, after_json FROM audit_log WHERE ($1 = '' OR entity = $1) AND id < $2 ORDER BY id DESC LIMIT $3",
            )
            .bind(entity.unwrap_or(""))
            .bind(before_id.unwrap_or(i64::MAX))
            .bind(limit.clamp(1, 1000))
            .fetch_all(pool)
            .await?
        });
        rows.into_iter().map(audit_from_row).collect()
    }

    /// Whether any user exists (a fresh installation has none).
    pub async fn has_users(&self) -> StoreResult<bool> {
        let count: i64 = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(pool).await?
        });
        Ok(count > 0)
    }

    /// Tries to change an audit entry; always refused by the database. Exists
    /// so tests can prove the log is append-only on both backends.
    #[doc(hidden)]
    pub async fn try_tamper_with_audit_log(&self) -> StoreResult<()> {
        on_pool!(self, pool => {
            sqlx::query("UPDATE audit_log SET actor = 'someone else'").execute(pool).await?;
            sqlx::query("DELETE FROM audit_log").execute(pool).await?;
        });
        Ok(())
    }
}

/// A sign-in attempt just recorded, with the counts it is judged by.
#[derive(Debug, Clone, Copy)]
pub struct LoginAttempt {
    /// The attempt's row, to forget it when it succeeds or is refused.
    pub id: i64,
    /// Attempts for this login from this address in the window (this one
    /// included), and the earliest of them.
    pub pair: (i64, Option<DateTime<Utc>>),
    /// Attempts from this address for any login in the window.
    pub address: (i64, Option<DateTime<Utc>>),
}

/// Builds the principal for a stored user.
pub fn principal_of(user: &User) -> Principal {
    Principal {
        user: user.id,
        login: user.login.clone(),
        display_name: user.display_name.clone(),
        role: user.role,
        unit: user.unit,
    }
}
