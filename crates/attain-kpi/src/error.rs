//! Why a KPI question was not answered.

use attain_store::StoreError;

/// Why the engine did not answer.
#[derive(Debug, thiserror::Error)]
pub enum KpiError {
    /// A question that cannot be answered as asked (a period of partial
    /// months for a customer figure, a currency without a rate), with the
    /// reason in the asker's terms.
    #[error("{0}")]
    Invalid(String),
    /// The measure source failed, or something asked for does not exist.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A period the calendar cannot build.
    #[error(transparent)]
    Period(#[from] attain_core::PeriodError),
    /// Data that should not exist (a stored currency code that is none).
    #[error("internal error: {0}")]
    Internal(String),
}

/// Result of the engine.
pub type KpiResult<T> = Result<T, KpiError>;
