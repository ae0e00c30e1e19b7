//! Managing people: creating users, changing roles, resetting passwords,
//! and the first administrator of a fresh installation.

use chrono::NaiveDate;

use attain_core::{ExternalId, Login, OrgUnitId, OrgUnitKind, Principal, Role, UserId};
use attain_store::{Actor, NewOrgUnit, NewUser, Store, StoreError, User, UserChanges};

use crate::{AppError, AppResult, Rejection, auth, secrets};

/// A user to create.
#[derive(Debug, Clone)]
pub struct NewAccount {
    /// Sign-in name.
    pub login: Login,
    /// Name shown in the interface.
    pub display_name: String,
    /// E-mail address.
    pub email: Option<String>,
    /// Unit the person belongs to.
    pub unit: OrgUnitId,
    /// Role.
    pub role: Role,
    /// Chosen password; `None` generates a one-time password that must be
    /// changed at first sign-in.
    pub password: Option<String>,
    /// ID in the system the person was imported from.
    pub external_id: Option<ExternalId>,
}

fn require_admin(by: Option<&Principal>) -> AppResult<()> {
    match by {
        Some(p) if !p.can_manage_users() => Err(AppError::Forbidden(
            "only an administrator manages users".into(),
        )),
        _ => Ok(()),
    }
}

/// Names the broken rule behind a refused write, so interfaces can say it
/// in the person's language.
fn store_error(e: StoreError, login: Option<&Login>, unit: Option<OrgUnitId>) -> AppError {
    match (e, login, unit) {
        (StoreError::Conflict(_), Some(login), _) => {
            AppError::Rejected(Rejection::LoginTaken(login.clone()))
        }
        (StoreError::Invalid(_), _, Some(unit)) => AppError::Rejected(Rejection::UnknownUnit(unit)),
        (StoreError::Invalid(msg) | StoreError::Conflict(msg), _, _) => AppError::Invalid(msg),
        (other, _, _) => AppError::Store(other),
    }
}

/// Creates a user. `by` is the signed-in person (who must be an admin), or
/// `None` for the command line. Returns the user and, when none was given,
/// the generated one-time password to hand over.
pub async fn create_user(
    store: &Store,
    actor: &Actor,
    by: Option<&Principal>,
    account: NewAccount,
) -> AppResult<(User, Option<String>)> {
    require_admin(by)?;
    if account.display_name.trim().is_empty() {
        return Err(AppError::Rejected(Rejection::EmptyName));
    }
    attain_core::text::name(&account.display_name)
        .map_err(|e| AppError::Invalid(format!("display_name: {e}")))?;
    let (password, generated) = match account.password {
        Some(p) => {
            secrets::check_password_policy(&p, account.login.as_str())?;
            (p, false)
        }
        None => (secrets::new_password()?, true),
    };
    let hash = auth::hash_password(&password).await?;
    let new = NewUser {
        login: account.login,
        display_name: account.display_name,
        email: account.email.filter(|e| !e.trim().is_empty()),
        unit: account.unit,
        role: account.role,
        external_id: account.external_id,
    };
    let user = store
        .create_user_audited(actor, &new, &hash, generated)
        .await
        .map_err(|e| store_error(e, Some(&new.login), Some(new.unit)))?;
    Ok((user, generated.then_some(password)))
}

/// Sets a new password for `user` on an administrator's behalf. With no
/// password given, generates a one-time password (returned) that the user
/// must change at next sign-in. Ends the user's sessions and revokes his
/// API tokens: a reset means the account may be in someone else's hands.
pub async fn reset_password(
    store: &Store,
    actor: &Actor,
    by: Option<&Principal>,
    user: UserId,
    password: Option<String>,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<PasswordReset> {
    require_admin(by)?;
    let target = store.user(user).await?;
    let (password, generated) = match password {
        Some(p) => {
            secrets::check_password_policy(&p, target.login.as_str())?;
            (p, false)
        }
        None => (secrets::new_password()?, true),
    };
    let hash = auth::hash_password(&password).await?;
    let tokens_revoked = store
        .set_password_audited(actor, user, &hash, generated, Some(now))
        .await?;
    Ok(PasswordReset {
        one_time: generated.then_some(password),
        tokens_revoked,
    })
}

/// What an administrator's password reset did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordReset {
    /// The generated one-time password, when none was given.
    pub one_time: Option<String>,
    /// How many of the person's API tokens were revoked.
    pub tokens_revoked: u64,
}

/// Changes a user's name, unit, role or active flag (admin only). An admin
/// cannot demote or deactivate himself, so an installation never loses its
/// last way in by accident. A new unit holds from `changes.unit_from`
/// (default: `today`), which may not be later than `today`.
pub async fn update_user(
    store: &Store,
    actor: &Actor,
    by: Option<&Principal>,
    user: UserId,
    mut changes: UserChanges,
    today: NaiveDate,
) -> AppResult<User> {
    require_admin(by)?;
    let from = *changes.unit_from.get_or_insert(today);
    if let Some(unit) = changes.unit
        && store.user(user).await?.unit != unit
    {
        check_move_date(from, today)?;
    }
    if let Some(me) = by
        && me.user == user
        && (changes.active == Some(false) || changes.role.is_some_and(|r| r != Role::Admin))
    {
        return Err(AppError::Rejected(Rejection::SelfLockout));
    }
    if changes
        .display_name
        .as_deref()
        .is_some_and(|n| n.trim().is_empty())
    {
        return Err(AppError::Rejected(Rejection::EmptyName));
    }
    if let Some(name) = changes.display_name.as_deref() {
        attain_core::text::name(name)
            .map_err(|e| AppError::Invalid(format!("display_name: {e}")))?;
    }
    store
        .update_user_audited(actor, user, &changes)
        .await
        .map_err(|e| store_error(e, None, changes.unit))
}

fn check_move_date(on: NaiveDate, today: NaiveDate) -> AppResult<()> {
    if on < NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(NaiveDate::MIN) {
        return Err(AppError::Invalid(format!(
            "unit_from: {on} is before 1900: a move is dated in the company's history"
        )));
    }
    if on > today {
        return Err(AppError::Invalid(format!(
            "unit_from: {on} is in the future; a move takes effect today ({today}) or on a past day: record it on the day"
        )));
    }
    Ok(())
}

/// Moves a person to `unit` from the day `on` (his first day there; not
/// after `today`), audited: his figures count for the new unit from then
/// on when units are credited by the transaction's date, and all of them
/// when by the current unit. Returns whether he moved.
pub async fn move_user(
    store: &Store,
    actor: &Actor,
    by: Option<&Principal>,
    user: UserId,
    unit: OrgUnitId,
    on: NaiveDate,
    today: NaiveDate,
) -> AppResult<bool> {
    require_admin(by)?;
    check_move_date(on, today)?;
    store
        .move_user(actor, user, unit, on)
        .await
        .map_err(|e| match e {
            StoreError::NotFound {
                entity: "org unit", ..
            } => AppError::Rejected(Rejection::UnknownUnit(unit)),
            other => store_error(other, None, None),
        })
}

/// On a fresh installation (no users at all), creates the company unit if
/// needed and an administrator `admin` with a one-time password, returned
/// so it can be shown once. Does nothing when any user exists.
pub async fn bootstrap_admin(store: &Store) -> AppResult<Option<(Login, String)>> {
    if store.has_users().await? {
        return Ok(None);
    }
    let units = store.org_units().await?;
    let company = match units.iter().find(|u| u.parent.is_none()) {
        Some(root) => root.id,
        None => {
            let name = store.settings().await?.name;
            store
                .create_org_unit(&NewOrgUnit {
                    parent: None,
                    name,
                    kind: OrgUnitKind::Company,
                    external_id: None,
                })
                .await?
        }
    };
    let login = Login::new("admin").map_err(|e| AppError::Internal(e.to_string()))?;
    let account = NewAccount {
        login: login.clone(),
        display_name: "Administrator".into(),
        email: None,
        unit: company,
        role: Role::Admin,
        password: None,
        external_id: None,
    };
    let (_, password) = create_user(store, &Actor::named("system"), None, account).await?;
    let password =
        password.ok_or_else(|| AppError::Internal("no one-time password was generated".into()))?;
    Ok(Some((login, password)))
}
