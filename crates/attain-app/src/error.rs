//! Use-case errors in the terms of the person who asked.

use attain_core::{Login, OrgUnitId};
use attain_store::StoreError;

/// What is wrong with a proposed password.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordProblem {
    /// Fewer than [`crate::secrets::MIN_PASSWORD_CHARS`] characters.
    #[error(
        "the password must have at least {} characters",
        crate::secrets::MIN_PASSWORD_CHARS
    )]
    TooShort,
    /// More than [`crate::secrets::MAX_PASSWORD_CHARS`] characters.
    #[error(
        "the password must have at most {} characters",
        crate::secrets::MAX_PASSWORD_CHARS
    )]
    TooLong,
    /// Too few different characters (`aaaaaaaaaa`).
    #[error("the password needs more different characters")]
    TooFewDistinct,
    /// A common word with digits around it (`password123`), or digits alone.
    #[error("the password is one of the first any attacker tries")]
    TooCommon,
    /// Contains the login.
    #[error("the password must not contain the login")]
    ContainsLogin,
    /// Same as the current one.
    #[error("the new password must differ from the current one")]
    SameAsCurrent,
}

/// Why the rules refused a change, in terms an interface can translate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    /// The login (or external ID) belongs to someone else already.
    #[error("the login '{0}' or its external ID is already taken")]
    LoginTaken(Login),
    /// The org unit does not exist.
    #[error("org unit {0} does not exist")]
    UnknownUnit(OrgUnitId),
    /// A name that is empty.
    #[error("a name must not be empty")]
    EmptyName,
    /// An administrator tried to remove his own administrator access.
    #[error("you cannot remove your own administrator access")]
    SelfLockout,
}

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
    WeakPassword(PasswordProblem),
    /// A request the rules refuse, with a reason the interface can translate.
    #[error("{0}")]
    Rejected(Rejection),
    /// The principal may not do this.
    #[error("not allowed: {0}")]
    Forbidden(String),
    /// Input that cannot be used, with the reason.
    #[error("{0}")]
    Invalid(String),
    /// An import file has problems; nothing was stored.
    #[error("{} problem(s) in {}; nothing was imported", .0.len(), .0.first().map_or("the file", |p| p.file.as_str()))]
    Import(Vec<attain_core::ImportProblem>),
    /// Storage failed or refused the change.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A period that the calendar cannot build.
    #[error(transparent)]
    Period(#[from] attain_core::PeriodError),
    /// The operating system could not provide randomness or the hash failed.
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    /// `Ok` when a permission allows the action, else [`Self::Forbidden`]
    /// with the reason a person is told.
    pub fn unless_allowed(allowed: bool, reason: &str) -> Result<(), Self> {
        if allowed {
            Ok(())
        } else {
            Err(Self::Forbidden(reason.to_owned()))
        }
    }
}

impl From<attain_kpi::KpiError> for AppError {
    fn from(e: attain_kpi::KpiError) -> Self {
        match e {
            attain_kpi::KpiError::Invalid(reason) => Self::Invalid(reason),
            attain_kpi::KpiError::Store(e) => Self::Store(e),
            attain_kpi::KpiError::Period(e) => Self::Period(e),
            attain_kpi::KpiError::Internal(reason) => Self::Internal(reason),
        }
    }
}
