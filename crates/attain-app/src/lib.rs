//! Attain's use cases: what a person or a script asks Attain to do, from
//! start to finish. Web handlers and CLI commands both call these, so the
//! two never drift apart.
//!
//! A use case loads through `attain-store`, applies the rules of
//! `attain-core`, reads figures through `attain-kpi`, and saves in one
//! transaction. It draws the secrets (tokens, salts, passwords), takes the
//! time from the `Clock` it is given, and refuses to know HTTP or SQL. The
//! importers (`attain-import`) and the demo (`attain-demo`) build on it.

pub mod audit;
pub mod auth;
mod error;
pub mod export;
pub mod goals;
pub mod metrics;
pub mod pay;
pub mod records;
pub mod secrets;
pub mod settings;
pub mod units;
pub mod users;

pub use error::{AppError, PasswordProblem, Rejection};

/// Result of a use case.
pub type AppResult<T> = Result<T, AppError>;
