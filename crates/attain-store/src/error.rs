//! Storage errors in the caller's terms.

/// What went wrong in storage. The web layer maps these to HTTP statuses;
/// nothing here knows HTTP.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database URL or options are unusable.
    #[error("database configuration: {0}")]
    Config(String),
    /// The record asked for does not exist.
    #[error("{entity} {id} not found")]
    NotFound {
        /// What kind of record.
        entity: &'static str,
        /// Its identifier as given.
        id: String,
    },
    /// A unique value is already taken (a login, an external ID, a second root).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The change breaks a rule of the data (a missing parent, a bad value).
    #[error("invalid: {0}")]
    Invalid(String),
    /// Stored data could not be read back into domain types.
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// Migrations could not be applied.
    #[error("migration {version} ({name}): {message}")]
    Migration {
        /// The migration's version.
        version: i64,
        /// The migration's name.
        name: String,
        /// What failed.
        message: String,
    },
    /// The database itself failed (connection lost, disk full, ...).
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        use sqlx::error::ErrorKind;
        if let Some(db) = err.as_database_error() {
            let message = db.message().to_owned();
            // A sum past i64 (SQLite's "integer overflow", PostgreSQL's
            // numeric_value_out_of_range) is a figure too large, not an outage.
            // A NUL in text: PostgreSQL refuses it (22021), in the user's terms.
            if db.code().as_deref() == Some("22021") {
                return StoreError::Invalid(
                    "the text contains a character that cannot be stored (a NUL byte)".into(),
                );
            }
            if message.contains("integer overflow") || db.code().as_deref() == Some("22003") {
                return StoreError::Invalid(format!(
                    "a total is larger than Attain can add up (about 9.2 × 10^18 of the smallest unit): {message}"
                ));
            }
            match db.kind() {
                ErrorKind::UniqueViolation => return StoreError::Conflict(message),
                ErrorKind::ForeignKeyViolation
                | ErrorKind::NotNullViolation
                | ErrorKind::CheckViolation => return StoreError::Invalid(message),
                _ => {}
            }
        }
        StoreError::Database(err)
    }
}
