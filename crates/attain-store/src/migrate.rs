//! Versioned schema migrations, one SQL tree per backend.
//!
//! Each migration is embedded in the binary (so `attain` is one file) and
//! applied at most once, in version order, inside a transaction together with
//! the row that records it. On PostgreSQL an advisory lock makes instances
//! that start at the same moment take turns; on SQLite `BEGIN IMMEDIATE` does.
//! A database migrated by a newer Attain is refused rather than guessed at.

use crate::{Pool, Store, StoreError, StoreResult};

struct Migration {
    version: i64,
    name: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "foundation",
        sqlite: include_str!("../migrations/sqlite/0001_foundation.sql"),
        postgres: include_str!("../migrations/postgres/0001_foundation.sql"),
    },
    Migration {
        version: 2,
        name: "access",
        sqlite: include_str!("../migrations/sqlite/0002_access.sql"),
        postgres: include_str!("../migrations/postgres/0002_access.sql"),
    },
    Migration {
        version: 3,
        name: "sales",
        sqlite: include_str!("../migrations/sqlite/0003_sales.sql"),
        postgres: include_str!("../migrations/postgres/0003_sales.sql"),
    },
    Migration {
        version: 4,
        name: "import_uploads",
        sqlite: include_str!("../migrations/sqlite/0004_import_uploads.sql"),
        postgres: include_str!("../migrations/postgres/0004_import_uploads.sql"),
    },
    Migration {
        version: 5,
        name: "kpi",
        sqlite: include_str!("../migrations/sqlite/0005_kpi.sql"),
        postgres: include_str!("../migrations/postgres/0005_kpi.sql"),
    },
    Migration {
        version: 6,
        name: "kpi_units",
        sqlite: include_str!("../migrations/sqlite/0006_kpi_units.sql"),
        postgres: include_str!("../migrations/postgres/0006_kpi_units.sql"),
    },
    Migration {
        version: 7,
        name: "custom_metrics",
        sqlite: include_str!("../migrations/sqlite/0007_custom_metrics.sql"),
        postgres: include_str!("../migrations/postgres/0007_custom_metrics.sql"),
    },
    Migration {
        version: 8,
        name: "kpi_attributes",
        sqlite: include_str!("../migrations/sqlite/0008_kpi_attributes.sql"),
        postgres: include_str!("../migrations/postgres/0008_kpi_attributes.sql"),
    },
    Migration {
        version: 9,
        name: "order_cost",
        sqlite: include_str!("../migrations/sqlite/0009_order_cost.sql"),
        postgres: include_str!("../migrations/postgres/0009_order_cost.sql"),
    },
    Migration {
        version: 10,
        name: "goals",
        sqlite: include_str!("../migrations/sqlite/0010_goals.sql"),
        postgres: include_str!("../migrations/postgres/0010_goals.sql"),
    },
    Migration {
        version: 11,
        name: "pay",
        sqlite: include_str!("../migrations/sqlite/0011_pay.sql"),
        postgres: include_str!("../migrations/postgres/0011_pay.sql"),
    },
    Migration {
        version: 12,
        name: "access hardening",
        sqlite: include_str!("../migrations/sqlite/0012_access_hardening.sql"),
        postgres: include_str!("../migrations/postgres/0012_access_hardening.sql"),
    },
    Migration {
        version: 13,
        name: "import references",
        sqlite: include_str!("../migrations/sqlite/0013_import_references.sql"),
        postgres: include_str!("../migrations/postgres/0013_import_references.sql"),
    },
    Migration {
        version: 14,
        name: "settings",
        sqlite: include_str!("../migrations/sqlite/0014_settings.sql"),
        postgres: include_str!("../migrations/postgres/0014_settings.sql"),
    },
    Migration {
        version: 15,
        name: "people",
        sqlite: include_str!("../migrations/sqlite/0015_people.sql"),
        postgres: include_str!("../migrations/postgres/0015_people.sql"),
    },
    Migration {
        version: 16,
        name: "memberships",
        sqlite: include_str!("../migrations/sqlite/0016_memberships.sql"),
        postgres: include_str!("../migrations/postgres/0016_memberships.sql"),
    },
];

/// How many migrations this build knows; a fully migrated database has applied them all.
pub const MIGRATION_COUNT: usize = MIGRATIONS.len();

/// Arbitrary constant naming Attain's migration lock on PostgreSQL.
const PG_MIGRATION_LOCK: i64 = 0x6174_7461_696e; // "attain"

const CREATE_LEDGER: &str = "CREATE TABLE IF NOT EXISTS attain_migrations (
    version    BIGINT PRIMARY KEY,
    name       TEXT   NOT NULL,
    applied_at TEXT   NOT NULL
)";

fn check_applied(applied: &[(i64, String)]) -> StoreResult<()> {
    for (version, name) in applied {
        match MIGRATIONS.iter().find(|m| m.version == *version) {
            None => {
                return Err(StoreError::Migration {
                    version: *version,
                    name: name.clone(),
                    message: "this database was migrated by a newer Attain; upgrade Attain".into(),
                });
            }
            Some(m) if m.name != name => {
                return Err(StoreError::Migration {
                    version: *version,
                    name: name.clone(),
                    message: format!("expected migration '{}' at this version", m.name),
                });
            }
            Some(_) => {}
        }
    }
    Ok(())
}

fn failed(m: &Migration, err: sqlx::Error) -> StoreError {
    StoreError::Migration {
        version: m.version,
        name: m.name.to_owned(),
        message: err.to_string(),
    }
}

fn now_utc() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// Applies every pending migration inside the open transaction `$tx`,
/// taking each migration's SQL from field `$dialect`; evaluates to the count.
macro_rules! apply_pending {
    ($tx:ident, $dialect:ident) => {{
        let applied: Vec<(i64, String)> =
            sqlx::query_as("SELECT version, name FROM attain_migrations ORDER BY version")
                .fetch_all(&mut *$tx)
                .await?;
        check_applied(&applied)?;
        let mut count = 0;
        for m in MIGRATIONS
            .iter()
            .filter(|m| !applied.iter().any(|(v, _)| *v == m.version))
        {
            sqlx::raw_sql(m.$dialect)
                .execute(&mut *$tx)
                .await
                .map_err(|e| failed(m, e))?;
            sqlx::query(
                "INSERT INTO attain_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
            )
            .bind(m.version)
            .bind(m.name)
            .bind(now_utc())
            .execute(&mut *$tx)
            .await?;
            count += 1;
        }
        count
    }};
}

pub(crate) async fn run(store: &Store) -> StoreResult<usize> {
    let count = match &store.pool {
        Pool::Sqlite(pool) => {
            sqlx::query(CREATE_LEDGER).execute(pool).await?;
            // IMMEDIATE takes the write lock now, so a second process waits
            // here instead of failing half-way through.
            let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
            let count = apply_pending!(tx, sqlite);
            tx.commit().await?;
            count
        }
        Pool::Postgres(pool) => {
            let mut tx = pool.begin().await?;
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(PG_MIGRATION_LOCK)
                .execute(&mut *tx)
                .await?;
            sqlx::query(CREATE_LEDGER).execute(&mut *tx).await?;
            let count = apply_pending!(tx, postgres);
            tx.commit().await?;
            count
        }
    };
    if count > 0 {
        tracing::info!(
            applied = count,
            database = store.describe(),
            "migrations applied"
        );
    }
    Ok(count)
}
