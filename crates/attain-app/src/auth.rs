//! Signing in and out, sessions, API tokens, password changes, throttling.

use attain_core::{Login, Principal};
use attain_store::{Actor, Store, StoreError, principal_of};
use chrono::{DateTime, Duration, Utc};

use crate::secrets::{self, token_hash};
use crate::{AppError, AppResult};

/// A session stays valid this long after the last request (sliding).
pub const SESSION_IDLE_LIFETIME: Duration = Duration::hours(12);
/// Failed sign-ins are counted over this window.
pub const THROTTLE_WINDOW: Duration = Duration::minutes(15);
/// Failures for one account from one address within the window before
/// that address may not try that account again. Counted per pair, so
/// nobody elsewhere can lock the owner out of his own account.
pub const ACCOUNT_FAILURE_LIMIT: i64 = 5;
/// Failures from one address, for any accounts, within the window before
/// the address is refused altogether.
pub const ADDRESS_FAILURE_LIMIT: i64 = 30;
/// The longest an API token may be made to last: ten years.
pub const MAX_TOKEN_LIFETIME: Duration = Duration::days(3_653);
/// Prefix of API tokens.
pub const API_TOKEN_PREFIX: &str = "atn_";

/// How a request proved who it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// A browser session cookie.
    Session,
    /// An `Authorization: Bearer` API token.
    ApiToken,
}

/// The person a request acts for, and how that was established.
#[derive(Debug, Clone)]
pub struct Identity {
    /// Who.
    pub principal: Principal,
    /// How.
    pub via: Via,
    /// The session's CSRF token (sessions only).
    pub csrf_token: Option<String>,
    /// The person must choose a new password before anything else.
    pub must_change_password: bool,
    /// Preferred interface language, if chosen.
    pub locale: Option<String>,
}

/// A new browser session: the cookie value plus who it belongs to.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// Secret cookie value (only its hash is stored).
    pub token: String,
    /// The identity it establishes.
    pub identity: Identity,
}

/// A real Argon2id hash of a random password nobody knows, verified when the
/// login is unknown so that a wrong login takes as long as a wrong password.
fn dummy_hash() -> String {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY
        .get_or_init(|| {
            let password =
                secrets::new_token("").unwrap_or_else(|_| "unguessable-dummy".to_owned());
            secrets::hash_password(&password).unwrap_or_default()
        })
        .clone()
}

async fn verify_off_thread(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || secrets::verify_password(&password, &hash))
        .await
        .unwrap_or(false)
}

async fn hash_off_thread(password: String) -> AppResult<String> {
    tokio::task::spawn_blocking(move || secrets::hash_password(&password))
        .await
        .map_err(|e| AppError::Internal(format!("hashing task failed: {e}")))?
}

/// Records a password attempt for `login` from `address` and refuses it when
/// that pair, or that address, has failed too often recently. The attempt
/// is written before it is counted, so parallel guesses cannot race past
/// the limit; the returned ID is forgotten again if the password is right.
async fn admit_attempt(
    store: &Store,
    login: &str,
    address: &str,
    now: DateTime<Utc>,
) -> AppResult<i64> {
    let attempt = store
        .begin_login_attempt(login, address, now, now - THROTTLE_WINDOW)
        .await?;
    let locked_until = |first: Option<DateTime<Utc>>| first.map_or(now, |f| f + THROTTLE_WINDOW);
    let until = if attempt.pair.0 > ACCOUNT_FAILURE_LIMIT {
        Some(locked_until(attempt.pair.1))
    } else if attempt.address.0 > ADDRESS_FAILURE_LIMIT {
        Some(locked_until(attempt.address.1))
    } else {
        None
    };
    match until {
        Some(until) => {
            // A refused attempt tried no password: it is not a failure.
            store.forget_login_attempt(attempt.id).await?;
            Err(AppError::Throttled {
                retry_after_secs: (until - now).num_seconds().max(1),
            })
        }
        None => Ok(attempt.id),
    }
}

/// Removes expired sessions and sign-in failures older than the throttling
/// window; returns how many rows went. The server runs it periodically.
pub async fn purge_expired(store: &Store, now: DateTime<Utc>) -> AppResult<u64> {
    Ok(store.purge_expired(now, now - THROTTLE_WINDOW).await?)
}

/// Signs a person in with login and password from `address` (the client IP).
///
/// Wrong logins and wrong passwords fail alike and take equally long; more
/// than [`ACCOUNT_FAILURE_LIMIT`] failures for an account from one address
/// (or [`ADDRESS_FAILURE_LIMIT`] from one address for any accounts) within
/// [`THROTTLE_WINDOW`] lock further attempts from there until the window
/// passes; the owner signing in from elsewhere is not locked out.
pub async fn sign_in(
    store: &Store,
    login_text: &str,
    password: &str,
    address: &str,
    now: DateTime<Utc>,
) -> AppResult<NewSession> {
    // The key failures are counted under: what was typed, without control
    // characters (a NUL would not even be stored on PostgreSQL), bounded.
    let login_key: String = login_text
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| !c.is_control())
        .take(100)
        .collect();
    let attempt = admit_attempt(store, &login_key, address, now).await?;
    let credentials = match Login::new(login_text) {
        Ok(login) => store.credentials(&login).await?,
        Err(_) => None,
    };
    let stored_hash = credentials.as_ref().and_then(|c| c.password_hash.clone());
    let matches = verify_off_thread(
        password.to_owned(),
        stored_hash.clone().unwrap_or_else(dummy_hash),
    )
    .await;
    let Some(credentials) = credentials.filter(|_| matches && stored_hash.is_some()) else {
        tracing::warn!(login = %login_key, address, "failed sign-in");
        return Err(AppError::BadCredentials);
    };
    store.forget_login_attempt(attempt).await?;
    store.clear_login_failures(&login_key, address).await?;
    let token = secrets::new_token("")?;
    let csrf_token = secrets::new_token("")?;
    store
        .create_session(
            credentials.user.id,
            &token_hash(&token),
            &csrf_token,
            now,
            now + SESSION_IDLE_LIFETIME,
        )
        .await?;
    tracing::info!(login = %credentials.user.login, "signed in");
    Ok(NewSession {
        token,
        identity: Identity {
            principal: principal_of(&credentials.user),
            via: Via::Session,
            csrf_token: Some(csrf_token),
            must_change_password: credentials.must_change_password,
            locale: credentials.locale,
        },
    })
}

/// The identity behind a session cookie, if the session is live.
pub async fn identify_session(
    store: &Store,
    token: &str,
    now: DateTime<Utc>,
) -> AppResult<Option<Identity>> {
    let Some(session) = store
        .touch_session(&token_hash(token), now, now + SESSION_IDLE_LIFETIME)
        .await?
    else {
        return Ok(None);
    };
    let credentials = store.credentials_of(session.user).await?;
    Ok(Some(Identity {
        principal: principal_of(&credentials.user),
        via: Via::Session,
        csrf_token: Some(session.csrf_token),
        must_change_password: credentials.must_change_password,
        locale: credentials.locale,
    }))
}

/// The identity behind an API token, if it is live.
pub async fn identify_api_token(
    store: &Store,
    token: &str,
    now: DateTime<Utc>,
) -> AppResult<Option<Identity>> {
    if !token.starts_with(API_TOKEN_PREFIX) {
        return Ok(None);
    }
    let Some(user) = store.user_by_api_token(&token_hash(token), now).await? else {
        return Ok(None);
    };
    let credentials = store.credentials_of(user).await?;
    Ok(Some(Identity {
        principal: principal_of(&credentials.user),
        via: Via::ApiToken,
        csrf_token: None,
        must_change_password: credentials.must_change_password,
        locale: credentials.locale,
    }))
}

/// Ends the session behind a cookie value.
pub async fn sign_out(store: &Store, token: &str) -> AppResult<()> {
    store.delete_session(&token_hash(token)).await?;
    Ok(())
}

/// What becomes of one's API tokens when one changes one's own password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tokens {
    /// Scripts keep working.
    Keep,
    /// Every token is revoked (the old password may have leaked).
    Revoke,
}

/// Changes one's own password after checking the current one, throttled
/// like a sign-in from `address`. Every session of the user ends (the
/// returned session replaces the caller's); API tokens are kept or revoked
/// as the person chose.
pub async fn change_password(
    store: &Store,
    principal: &Principal,
    current: &str,
    new: &str,
    tokens: Tokens,
    address: &str,
    now: DateTime<Utc>,
) -> AppResult<NewSession> {
    let login_key = principal.login.as_str().to_lowercase();
    let attempt = admit_attempt(store, &login_key, address, now).await?;
    let credentials = store.credentials_of(principal.user).await?;
    let stored = credentials.password_hash.unwrap_or_else(dummy_hash);
    if !verify_off_thread(current.to_owned(), stored).await {
        tracing::warn!(login = %login_key, address, "wrong current password");
        return Err(AppError::BadCredentials);
    }
    store.forget_login_attempt(attempt).await?;
    if current == new {
        return Err(AppError::WeakPassword(
            crate::PasswordProblem::SameAsCurrent,
        ));
    }
    secrets::check_password_policy(new, principal.login.as_str())?;
    let hash = hash_off_thread(new.to_owned()).await?;
    let revoke = (tokens == Tokens::Revoke).then_some(now);
    store
        .set_password_audited(
            &Actor::person(principal),
            principal.user,
            &hash,
            false,
            revoke,
        )
        .await?;
    let token = secrets::new_token("")?;
    let csrf_token = secrets::new_token("")?;
    store
        .create_session(
            principal.user,
            &token_hash(&token),
            &csrf_token,
            now,
            now + SESSION_IDLE_LIFETIME,
        )
        .await?;
    Ok(NewSession {
        token,
        identity: Identity {
            principal: principal.clone(),
            via: Via::Session,
            csrf_token: Some(csrf_token),
            must_change_password: false,
            locale: credentials.locale,
        },
    })
}

/// Creates an API token for `owner`, valid for `lifetime` if given (at
/// most [`MAX_TOKEN_LIFETIME`]); returns its ID and the token, which is
/// shown once and never stored. A person (`by`) creates his own, or, as an
/// administrator, anyone's; the shell (`None`) anyone's.
#[allow(clippy::too_many_arguments)]
pub async fn create_api_token(
    store: &Store,
    actor: &Actor,
    by: Option<&attain_core::Principal>,
    owner: attain_core::UserId,
    name: &str,
    lifetime: Option<Duration>,
    now: DateTime<Utc>,
) -> AppResult<(i64, String)> {
    if let Some(p) = by
        && p.user != owner
        && !p.can_manage_users()
    {
        return Err(AppError::Forbidden(
            "a token is created by its owner or an administrator".into(),
        ));
    }
    let expires_at = match lifetime {
        Some(l) if l <= Duration::zero() => {
            return Err(AppError::Invalid(
                "a token's lifetime must be at least one day".into(),
            ));
        }
        Some(l) if l > MAX_TOKEN_LIFETIME => {
            return Err(AppError::Invalid(format!(
                "a token lasts at most {} days",
                MAX_TOKEN_LIFETIME.num_days()
            )));
        }
        Some(l) => Some(now + l),
        None => None,
    };
    let token = secrets::new_token(API_TOKEN_PREFIX)?;
    let id = store
        .create_api_token(actor, owner, name, &token_hash(&token), now, expires_at)
        .await
        .map_err(|e| match e {
            StoreError::Invalid(msg) => AppError::Invalid(msg),
            other => AppError::Store(other),
        })?;
    Ok((id, token))
}

/// Whose API tokens a revocation may reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenOwner {
    /// Only the person's own (his account page).
    Own,
    /// Anyone's, if he manages users; otherwise his own (the API).
    AnyoneHeManages,
}

/// Revokes API token `id` for `by`: one of his own, or (for an
/// administrator, when `whose` allows) anyone's. Another person's token is
/// simply not found, so IDs cannot be probed. Audited.
pub async fn revoke_api_token(
    store: &Store,
    by: &attain_core::Principal,
    id: i64,
    whose: TokenOwner,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let owner = match whose {
        TokenOwner::AnyoneHeManages if by.can_manage_users() => None,
        _ => Some(by.user),
    };
    store
        .revoke_api_token(&attain_store::Actor::person(by), id, owner, now)
        .await?;
    Ok(())
}

/// A token lifetime as people write it: `90d` (days), `12w` (weeks),
/// `6m` (months of 30 days) or `1y` (365 days).
pub fn parse_lifetime(text: &str) -> AppResult<Duration> {
    let text = text.trim();
    let bad = || {
        AppError::Invalid(format!(
            "'{text}' is not a lifetime: write a number of days, weeks, months or years such as 90d, 12w, 6m or 1y"
        ))
    };
    let split = text.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
    let (digits, unit) = text.split_at(split);
    let n: i64 = digits.parse().map_err(|_| bad())?;
    let days_per = match unit.trim().to_ascii_lowercase().as_str() {
        "d" | "day" | "days" => 1,
        "w" | "week" | "weeks" => 7,
        "m" | "month" | "months" => 30,
        "y" | "year" | "years" => 365,
        _ => return Err(bad()),
    };
    n.checked_mul(days_per)
        .filter(|d| (1..=MAX_TOKEN_LIFETIME.num_days()).contains(d))
        .map(Duration::days)
        .ok_or_else(|| {
            AppError::Invalid(format!(
                "'{text}': a token lasts from one day to {} days",
                MAX_TOKEN_LIFETIME.num_days()
            ))
        })
}

/// Hashes a password off the async threads (Argon2id is deliberately slow).
pub async fn hash_password(password: &str) -> AppResult<String> {
    hash_off_thread(password.to_owned()).await
}
