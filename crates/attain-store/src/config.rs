//! Which database to use, parsed once from a URL or a file path.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};

use crate::{StoreError, StoreResult};

/// The two supported backends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite file.
    Sqlite,
    /// PostgreSQL server.
    Postgres,
}

impl Backend {
    /// Human name of the backend.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

/// A validated database location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseConfig {
    /// A SQLite file, created on first use.
    Sqlite {
        /// Path of the database file.
        path: PathBuf,
    },
    /// A PostgreSQL server.
    Postgres {
        /// `postgres://` URL, possibly with a password.
        url: String,
    },
}

impl DatabaseConfig {
    /// A SQLite file at `path`.
    pub fn sqlite_file(path: impl Into<PathBuf>) -> Self {
        Self::Sqlite { path: path.into() }
    }

    /// The backend this configuration selects.
    pub fn backend(&self) -> Backend {
        match self {
            Self::Sqlite { .. } => Backend::Sqlite,
            Self::Postgres { .. } => Backend::Postgres,
        }
    }

    /// A description safe to print and log: no password.
    pub fn describe(&self) -> String {
        match self {
            Self::Sqlite { path } => {
                let shown = std::path::absolute(path).unwrap_or_else(|_| path.clone());
                format!("SQLite file {}", shown.display())
            }
            Self::Postgres { url } => match PgConnectOptions::from_str(url) {
                Ok(o) => format!(
                    "PostgreSQL database {} at {}:{}",
                    o.get_database().unwrap_or("(default)"),
                    o.get_host(),
                    o.get_port()
                ),
                Err(_) => "PostgreSQL".to_owned(),
            },
        }
    }
}

impl FromStr for DatabaseConfig {
    type Err = StoreError;

    /// Accepts `postgres://…`, `postgresql://…`, `sqlite://PATH`, `sqlite:PATH`.
    fn from_str(url: &str) -> StoreResult<Self> {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            PgConnectOptions::from_str(url)
                .map_err(|e| StoreError::Config(format!("bad PostgreSQL URL: {e}")))?;
            return Ok(Self::Postgres {
                url: url.to_owned(),
            });
        }
        if let Some(rest) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            let path = rest.split('?').next().unwrap_or_default();
            if path.is_empty() || path == ":memory:" {
                return Err(StoreError::Config(
                    "a SQLite URL needs a file path, e.g. sqlite://attain.db".into(),
                ));
            }
            return Ok(Self::sqlite_file(path));
        }
        Err(StoreError::Config(format!(
            "'{url}' is not a database URL: expected postgres://… or sqlite://PATH"
        )))
    }
}

pub(crate) async fn connect_sqlite(config: &DatabaseConfig) -> StoreResult<SqlitePool> {
    let DatabaseConfig::Sqlite { path } = config else {
        return Err(StoreError::Config("not a SQLite configuration".into()));
    };
    let options = sqlite_options(path);
    SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(options)
        .await
        .map_err(|e| StoreError::Config(format!("cannot open SQLite file {}: {e}", path.display())))
}

fn sqlite_options(path: &Path) -> SqliteConnectOptions {
    SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        // Writers queue behind each other (write transactions begin
        // IMMEDIATE): as long as a web request may take.
        .busy_timeout(Duration::from_secs(60))
        // 64 MiB of page cache per connection (SQLite's default is 2 MiB):
        // large imports and KPI scans stop re-reading pages they just wrote.
        .pragma("cache_size", "-65536")
        .pragma("temp_store", "memory")
        // Large GROUP BYs (rollups) sort with a second thread.
        .pragma("threads", "2")
}

pub(crate) async fn connect_postgres(config: &DatabaseConfig) -> StoreResult<PgPool> {
    let DatabaseConfig::Postgres { url } = config else {
        return Err(StoreError::Config("not a PostgreSQL configuration".into()));
    };
    let options = PgConnectOptions::from_str(url)
        .map_err(|e| StoreError::Config(format!("bad PostgreSQL URL: {e}")))?;
    PgPoolOptions::new()
        .max_connections(10)
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(options)
        .await
        .map_err(|e| StoreError::Config(format!("cannot connect to {}: {e}", config.describe())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_choose_the_backend() {
        assert_eq!(
            "sqlite://data/attain.db".parse::<DatabaseConfig>().unwrap(),
            DatabaseConfig::sqlite_file("data/attain.db")
        );
        assert_eq!(
            "sqlite:x.db".parse::<DatabaseConfig>().unwrap().backend(),
            Backend::Sqlite
        );
        let pg: DatabaseConfig = "postgres://u:secret@db.example:5433/sales".parse().unwrap();
        assert_eq!(pg.backend(), Backend::Postgres);
        assert_eq!(
            pg.describe(),
            "PostgreSQL database sales at db.example:5433"
        );
        assert!(!pg.describe().contains("secret"));
    }

    #[test]
    fn unusable_urls_are_refused_with_a_reason() {
        let err = "mysql://x"
            .parse::<DatabaseConfig>()
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("expected postgres://… or sqlite://PATH"),
            "{err}"
        );
        let err = "sqlite::memory:"
            .parse::<DatabaseConfig>()
            .unwrap_err()
            .to_string();
        assert!(err.contains("needs a file path"), "{err}");
    }
}
