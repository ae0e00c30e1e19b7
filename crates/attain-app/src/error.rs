//! Use-case errors in the terms of the person who asked.

use attain_store::StoreError;

/// Why a use case did not complete.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Wrong login or password (deliberately not saying which).
    #[error("the login or password is not correct")]
    BadCredentials,
    /// Too many failed sign-ins; try again after the given number of seconds.
    #[error("too many failed sign-ins; try again in {retry_after_secs} seconds")]
    Throttled {
        /// Seconds until the next attempt is accepted.
        retry_after_secs: i64,
    },
    /// The new password does not meet the policy.
    #[error("{0}")]
    WeakPassword(String),
    /// The principal may not do this.
    #[error("not allowed: {0}")]
    Forbidden(String),
    /// Input that cannot be used, with the reason.
    #[error("{0}")]
    Invalid(String),
    /// Storage failed or refused the change.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The operating system could not provide randomness or the hash failed.
    #[error("internal error: {0}")]
    Internal(String),
}
