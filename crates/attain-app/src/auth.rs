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
/// Failures per account within the window before the account is locked.
pub const ACCOUNT_FAILURE_LIMIT: i64 = 5;
/// Failures per network address within the window before it is refused.
pub const ADDRESS_FAILURE_LIMIT: i64 = 30;
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

/// Refuses when the account or the address has failed too often recently.
async fn check_throttle(
    store: &Store,
    login: &str,
    address: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let since = now - THROTTLE_WINDOW;
    let ((by_login, first_login), (by_address, first_address)) =
        store.login_failures_since(login, address, since).await?;
    let locked_until = |first: Option<DateTime<Utc>>| first.map_or(now, |f| f + THROTTLE_WINDOW);
    let until = if by_login >= ACCOUNT_FAILURE_LIMIT {
        Some(locked_until(first_login))
    } else if by_address >= ADDRESS_FAILURE_LIMIT {
        Some(locked_until(first_address))
    } else {
        None
    };
    match until {
        Some(until) => Err(AppError::Throttled {
            retry_after_secs: (until - now).num_seconds().max(1),
        }),
        None => Ok(()),
    }
}

/// Signs a person in with login and password from `address` (the client IP).
///
/// Wrong logins and wrong passwords fail alike and take equally long; more
/// than [`ACCOUNT_FAILURE_LIMIT`] failures for an account (or
/// [`ADDRESS_FAILURE_LIMIT`] from one address) within [`THROTTLE_WINDOW`]
/// lock further attempts until the window passes.
pub async fn sign_in(
    store: &Store,
    login_text: &str,
    password: &str,
    address: &str,
    now: DateTime<Utc>,
) -> AppResult<NewSession> {
    let login_key = login_text.trim().to_lowercase();
    check_throttle(store, &login_key, address, now).await?;
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
        store.record_login_failure(&login_key, address, now).await?;
        tracing::warn!(login = %login_key, address, "failed sign-in");
        return Err(AppError::BadCredentials);
    };
    store.clear_login_failures(&login_key).await?;
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
        must_change_password: false,
        locale: credentials.locale,
    }))
}

/// Ends the session behind a cookie value.
pub async fn sign_out(store: &Store, token: &str) -> AppResult<()> {
    store.delete_session(&token_hash(token)).await?;
    Ok(())
}

/// Changes one's own password after checking the current one. Every session
/// of the user ends; the returned session replaces the caller's.
pub async fn change_password(
    store: &Store,
    principal: &Principal,
    current: &str,
    new: &str,
    now: DateTime<Utc>,
) -> AppResult<NewSession> {
    let credentials = store.credentials_of(principal.user).await?;
    let stored = credentials.password_hash.unwrap_or_else(dummy_hash);
    if !verify_off_thread(current.to_owned(), stored).await {
        return Err(AppError::BadCredentials);
    }
    if current == new {
        return Err(AppError::WeakPassword(
            crate::PasswordProblem::SameAsCurrent,
        ));
    }
    secrets::check_password_policy(new, principal.login.as_str())?;
    let hash = hash_off_thread(new.to_owned()).await?;
    store
        .set_password_audited(&Actor::person(principal), principal.user, &hash, false)
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

/// Creates an API token for `principal` (or, for an admin, for `owner`);
/// returns its ID and the token, which is shown once and never stored.
pub async fn create_api_token(
    store: &Store,
    actor: &Actor,
    owner: attain_core::UserId,
    name: &str,
    now: DateTime<Utc>,
) -> AppResult<(i64, String)> {
    let token = secrets::new_token(API_TOKEN_PREFIX)?;
    let id = store
        .create_api_token(actor, owner, name, &token_hash(&token), now)
        .await
        .map_err(|e| match e {
            StoreError::Invalid(msg) => AppError::Invalid(msg),
            other => AppError::Store(other),
        })?;
    Ok((id, token))
}

/// Hashes a password off the async threads (Argon2id is deliberately slow).
pub async fn hash_password(password: &str) -> AppResult<String> {
    hash_off_thread(password.to_owned()).await
}
