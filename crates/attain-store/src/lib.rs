//! Attain's storage: the one crate that knows SQL.
//!
//! A [`Store`] talks to SQLite (the default: one file, WAL mode, foreign keys
//! on) or PostgreSQL (several stateless Attain instances over one database),
//! chosen by URL. Both backends run the same repository code; where their
//! dialects differ (DDL, identity columns, date types) the difference lives in
//! the per-backend migration files, never in callers.
//!
//! Invariants:
//! - Money is stored as `BIGINT` minor units next to a currency code, never a
//!   float (see [`money_to_columns`]).
//! - Every statement is parameterised.
//! - Callers receive domain types from `attain-core`, never rows.

mod access;
mod batch;
mod bulk;
mod by_id;
mod config;
mod error;
mod export;
mod facts;
mod goals;
mod import;
mod kpi;
mod membership;
mod migrate;
mod org;
mod pay;
mod people;
mod records;
mod sales;
mod snapshot;
mod uploads;

use sqlx::{PgPool, SqlitePool};

pub use access::{
    Actor, ApiTokenInfo, AuditAction, AuditEntry, Credentials, LoginAttempt, SessionRecord,
    UserChanges, principal_of,
};
pub use batch::SalesBatch;
pub use by_id::{RecordKind, record_kind};
pub use config::{Backend, DatabaseConfig};
pub use error::StoreError;
pub use export::{ExportTable, export_entities};
pub use goals::{Goal, GoalChanges, GoalCheckin, GoalFilter, GoalRevision, NewGoal, Revision};
pub use import::{
    CustomerIndex, CustomerLink, CustomerRef, ImportCounts, ImportRecords, ImportedActivity,
    ImportedCompetitor, ImportedContact, ImportedCourse, ImportedCustomer, ImportedDeal,
    ImportedEnrolment, ImportedLine, ImportedMoneyMove, ImportedOrder, ImportedProduct,
    ImportedRate, ImportedSpend, ImportedSurvey, ImportedTerritory, ImportedTicket, NewOwner,
    NewOwners, OwnerRef, Progress,
};
pub use kpi::{
    CustomMetric, CustomerGrain, Grain, MeasureRow, NewCustomersBy, OwnerSet, ProductFilter,
    ProductGrain,
};
pub use membership::Membership;
pub use migrate::MIGRATION_COUNT;
pub use org::{NewOrgUnit, NewUser, OrgSettings, SetupProgress, User};
pub use pay::{
    Assignment, NewPlan, NewStatement, PayTrace, PayoutRun, Plan, QuotaSource, RunStatus,
    Statement, TraceLine,
};
pub use people::{NewUnit, PeopleCounts, PeoplePlan, PersonDetails, PersonRef, PersonRow, UnitRef};
pub use records::{
    FieldKind, FieldValue, Record, RecordFields, RecordFilter, record_entities, record_fields,
};
pub use sales::{CustomerFilter, DealFilter, OrderFilter, Paged};
pub use snapshot::{AuditScope, ImportAudit};
pub use uploads::Upload;

use attain_core::{Currency, Money};

/// Result of a storage operation.
pub type StoreResult<T> = Result<T, StoreError>;

#[derive(Clone, Debug)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs `$body` with `$pool` bound to the live pool, whichever backend it is.
/// The body is compiled once per backend, so it must only use SQL and types
/// both understand (`$1` placeholders work on SQLite too).
macro_rules! on_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.pool {
            $crate::Pool::Sqlite($pool) => $body,
            $crate::Pool::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_pool;

/// The transaction a [`Batch`] holds, whichever backend it is.
#[derive(Debug)]
enum Tx {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

/// Where a batch's transaction lives: shared by the clones of its store,
/// taken out when the batch commits or rolls back.
type BatchTx = std::sync::Arc<tokio::sync::Mutex<Option<Tx>>>;

/// Runs `$body` with `$conn` a `&mut` connection: the batch's transaction
/// when the store is one's (see [`Store::begin_batch`]), else a connection
/// from the pool. Reads that an import makes go through it, so a file of a
/// whole-company import sees what the files before it wrote.
macro_rules! on_conn {
    ($store:expr, $conn:ident => $body:expr) => {
        match $store.batch.as_ref() {
            Some(batch) => {
                let mut guard = batch.lock().await;
                match guard.as_mut() {
                    Some($crate::Tx::Sqlite(tx)) => {
                        let $conn: &mut sqlx::SqliteConnection = &mut *tx;
                        $body
                    }
                    Some($crate::Tx::Postgres(tx)) => {
                        let $conn: &mut sqlx::PgConnection = &mut *tx;
                        $body
                    }
                    None => return Err($crate::StoreError::batch_ended()),
                }
            }
            None => match &$store.pool {
                $crate::Pool::Sqlite(pool) => {
                    let mut held = pool.acquire().await?;
                    let $conn: &mut sqlx::SqliteConnection = &mut *held;
                    $body
                }
                $crate::Pool::Postgres(pool) => {
                    let mut held = pool.acquire().await?;
                    let $conn: &mut sqlx::PgConnection = &mut *held;
                    $body
                }
            },
        }
    };
}
pub(crate) use on_conn;

/// Runs `$body` with `$tx` a `&mut` connection inside a serial write
/// transaction (see [`BeginWrite::begin_serial`]) that commits when the body
/// ends without an error: the batch's, which commits with the batch, when
/// the store is one's; else a transaction of its own.
macro_rules! in_serial_write {
    ($store:expr, $tx:ident => $body:expr) => {
        match $store.batch.as_ref() {
            Some(batch) => {
                let mut guard = batch.lock().await;
                match guard.as_mut() {
                    Some($crate::Tx::Sqlite(held)) => {
                        let $tx: &mut sqlx::SqliteConnection = &mut *held;
                        $body
                    }
                    Some($crate::Tx::Postgres(held)) => {
                        let $tx: &mut sqlx::PgConnection = &mut *held;
                        $body
                    }
                    None => return Err($crate::StoreError::batch_ended()),
                }
            }
            None => match &$store.pool {
                $crate::Pool::Sqlite(pool) => {
                    let mut held = $crate::BeginWrite::begin_serial(pool).await?;
                    let result = {
                        let $tx: &mut sqlx::SqliteConnection = &mut *held;
                        $body
                    };
                    held.commit().await?;
                    result
                }
                $crate::Pool::Postgres(pool) => {
                    let mut held = $crate::BeginWrite::begin_serial(pool).await?;
                    let result = {
                        let $tx: &mut sqlx::PgConnection = &mut *held;
                        $body
                    };
                    held.commit().await?;
                    result
                }
            },
        }
    };
}
pub(crate) use in_serial_write;

/// Opening a write transaction. SQLite takes its write lock at once
/// (`BEGIN IMMEDIATE`), so concurrent writers queue (up to the busy
/// timeout) instead of one failing with "database is locked" when it would
/// upgrade a read lock; PostgreSQL begins as usual.
#[allow(async_fn_in_trait)]
pub(crate) trait BeginWrite {
    /// The backend.
    type Db: sqlx::Database;
    /// Begins a transaction that is going to write.
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, Self::Db>, sqlx::Error>;
    /// Begins a write that must not run beside another of its kind: imports
    /// and rollup rebuilds, which resolve or create customers and rewrite
    /// rollup rows. SQLite's single writer already serialises them; on
    /// PostgreSQL a transaction-scoped advisory lock does, so two imports
    /// never create the same customer twice or collide on a rollup row.
    async fn begin_serial(&self) -> Result<sqlx::Transaction<'static, Self::Db>, sqlx::Error>;
}

/// Arbitrary constant naming the lock [`BeginWrite::begin_serial`] takes on PostgreSQL.
const PG_SERIAL_WRITE_LOCK: i64 = 0x0061_7474_6169_6e01;

impl BeginWrite for SqlitePool {
    type Db = sqlx::Sqlite;
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        self.begin_with("BEGIN IMMEDIATE").await
    }
    async fn begin_serial(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        self.begin_write().await
    }
}

impl BeginWrite for PgPool {
    type Db = sqlx::Postgres;
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
        self.begin().await
    }
    async fn begin_serial(
        &self,
    ) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
        let mut tx = self.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(PG_SERIAL_WRITE_LOCK)
            .execute(&mut *tx)
            .await?;
        Ok(tx)
    }
}

/// A handle to the database. Cheap to clone: clones share one connection pool.
#[derive(Clone, Debug)]
pub struct Store {
    pool: Pool,
    description: String,
    checkpoint: Checkpoint,
    /// Set on the store of a [`Batch`]: the imports' reads and writes go
    /// through its one transaction.
    batch: Option<BatchTx>,
}

/// Several imports in one transaction: all of them or none (`attain import
/// all`). [`Batch::store`] is a store whose importing reads and writes —
/// the lookups an importer makes, the imports of records and people, the
/// org and settings it reads — run inside the batch's transaction, so each
/// file sees what the ones before it wrote, and nothing is visible to
/// anyone else until [`Batch::commit`]. Dropping the batch, or
/// [`Batch::rollback`], leaves the database as it was.
///
/// Only the importers' calls are routed through it; another write made on
/// the batch's store while the batch is open runs beside it (on SQLite it
/// waits for the batch's write lock), so use the batch's store for imports
/// alone.
pub struct Batch {
    store: Store,
}

impl std::fmt::Debug for Batch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Batch")
            .field("store", &self.store.description)
            .finish()
    }
}

impl Batch {
    /// The store whose imports run inside this batch.
    pub fn store(&self) -> &Store {
        &self.store
    }

    async fn take(&self) -> StoreResult<Tx> {
        let batch = self
            .store
            .batch
            .as_ref()
            .ok_or_else(StoreError::batch_ended)?;
        batch
            .lock()
            .await
            .take()
            .ok_or_else(StoreError::batch_ended)
    }

    /// Makes everything written through the batch visible, at once.
    pub async fn commit(self) -> StoreResult<()> {
        match self.take().await? {
            Tx::Sqlite(tx) => tx.commit().await?,
            Tx::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }

    /// Forgets everything written through the batch (a dry run ends so).
    pub async fn rollback(self) -> StoreResult<()> {
        match self.take().await? {
            Tx::Sqlite(tx) => tx.rollback().await?,
            Tx::Postgres(tx) => tx.rollback().await?,
        }
        Ok(())
    }
}

/// A function called at named points inside write transactions (after some
/// rows are written, before the commit). Crash tests install one that stops
/// the process there, kill it, and check that nothing was stored.
#[derive(Clone, Default)]
pub struct Checkpoint(Option<std::sync::Arc<dyn Fn(&'static str) + Send + Sync>>);

impl Checkpoint {
    /// Calls `f` with the checkpoint's name each time one is reached.
    pub fn new(f: impl Fn(&'static str) + Send + Sync + 'static) -> Self {
        Self(Some(std::sync::Arc::new(f)))
    }
}

impl std::fmt::Debug for Checkpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "Checkpoint(set)"
        } else {
            "Checkpoint(none)"
        })
    }
}

impl Store {
    /// Connects to the configured database, creating a SQLite file if it does
    /// not exist yet. Does not migrate; call [`Store::migrate`].
    pub async fn connect(config: &DatabaseConfig) -> StoreResult<Self> {
        let pool = match config {
            DatabaseConfig::Sqlite { .. } => Pool::Sqlite(config::connect_sqlite(config).await?),
            DatabaseConfig::Postgres { .. } => {
                Pool::Postgres(config::connect_postgres(config).await?)
            }
        };
        Ok(Self {
            pool,
            description: config.describe(),
            checkpoint: Checkpoint::default(),
            batch: None,
        })
    }

    /// Opens a [`Batch`]: one serial write transaction (the import lock on
    /// PostgreSQL, the write lock on SQLite) that imports made through
    /// [`Batch::store`] share. A batch's store cannot open another.
    pub async fn begin_batch(&self) -> StoreResult<Batch> {
        if self.batch.is_some() {
            return Err(StoreError::Invalid(
                "an import batch cannot open another inside it".into(),
            ));
        }
        let tx = match &self.pool {
            Pool::Sqlite(pool) => Tx::Sqlite(pool.begin_serial().await?),
            Pool::Postgres(pool) => Tx::Postgres(pool.begin_serial().await?),
        };
        let mut store = self.clone();
        store.batch = Some(std::sync::Arc::new(tokio::sync::Mutex::new(Some(tx))));
        Ok(Batch { store })
    }

    /// The same store calling `checkpoint` inside its write transactions.
    pub fn with_checkpoint(mut self, checkpoint: Checkpoint) -> Self {
        self.checkpoint = checkpoint;
        self
    }

    /// Reaches the named checkpoint (see [`Checkpoint`]); nothing happens
    /// unless one is installed.
    pub fn checkpoint(&self, name: &'static str) {
        if let Some(f) = &self.checkpoint.0 {
            f(name);
        }
    }

    /// Connects and applies every pending migration.
    pub async fn open(config: &DatabaseConfig) -> StoreResult<Self> {
        let store = Self::connect(config).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Which backend this store runs on.
    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// Where the data lives, for people: a file path or a PostgreSQL host and
    /// database. Never contains a password.
    pub fn describe(&self) -> &str {
        &self.description
    }

    /// Applies pending migrations; returns how many were applied.
    pub async fn migrate(&self) -> StoreResult<usize> {
        migrate::run(self).await
    }

    /// Copies a SQLite database to the new file `path`, consistently while
    /// others read and write it (`VACUUM INTO`: one read transaction, so
    /// the copy is the database as of one moment, compacted). PostgreSQL
    /// is backed up with its own tools (`pg_dump`), so it is refused here
    /// with that advice.
    pub async fn backup_to(&self, path: &std::path::Path) -> StoreResult<()> {
        let Pool::Sqlite(pool) = &self.pool else {
            return Err(StoreError::Invalid(
                "a PostgreSQL database is backed up with pg_dump (for example `pg_dump -Fc -f attain.dump DATABASE_URL`), which copies it consistently while it runs".into(),
            ));
        };
        let target = path.to_str().ok_or_else(|| {
            StoreError::Invalid(format!(
                "{}: the backup's path is not UTF-8",
                path.display()
            ))
        })?;
        sqlx::query("VACUUM INTO $1")
            .bind(target)
            .execute(pool)
            .await?;
        Ok(())
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> StoreResult<()> {
        on_pool!(self, pool => {
            sqlx::query("SELECT 1").execute(pool).await?;
        });
        Ok(())
    }

    /// Closes every connection, waiting for queries in flight.
    pub async fn close(&self) {
        on_pool!(self, pool => pool.close().await)
    }

    /// Sums two values the way the rollups and KPI queries sum money, so
    /// tests can show an overflowing total is an error in the user's terms.
    #[doc(hidden)]
    pub async fn sum_bigints(&self, a: i64, b: i64) -> StoreResult<i64> {
        let sum: i64 = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT CAST(SUM(x) AS BIGINT) FROM (SELECT CAST($1 AS BIGINT) AS x UNION ALL SELECT CAST($2 AS BIGINT) AS x) t")
                .bind(a).bind(b).fetch_one(pool).await?
        });
        Ok(sum)
    }

    /// Sends a `BIGINT` value to the database and back, exercising the
    /// column type money is stored in.
    pub async fn echo_bigint(&self, value: i64) -> StoreResult<i64> {
        let echoed: i64 = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT CAST($1 AS BIGINT)").bind(value).fetch_one(pool).await?
        });
        Ok(echoed)
    }

    /// Creates a PostgreSQL schema (for isolated test databases and
    /// multi-tenant setups). `name` must be lower-case ASCII letters, digits
    /// and underscores.
    pub async fn create_schema(&self, name: &str) -> StoreResult<()> {
        self.schema_ddl("CREATE SCHEMA", name).await
    }

    /// Drops a PostgreSQL schema and everything in it.
    pub async fn drop_schema(&self, name: &str) -> StoreResult<()> {
        self.schema_ddl("DROP SCHEMA IF EXISTS", name).await
    }

    async fn schema_ddl(&self, verb: &str, name: &str) -> StoreResult<()> {
        let valid = !name.is_empty()
            && name.len() <= 63
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !valid {
            return Err(StoreError::Invalid(format!(
                "'{name}' is not a valid schema name"
            )));
        }
        let Pool::Postgres(pool) = &self.pool else {
            return Err(StoreError::Invalid(
                "schemas exist only on PostgreSQL".into(),
            ));
        };
        let cascade = if verb.starts_with("DROP") {
            " CASCADE"
        } else {
            ""
        };
        // The name was checked above to contain only [a-z0-9_].
        let sql = format!("{verb} {name}{cascade}");
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(pool)
            .await?;
        Ok(())
    }
}

/// Money as stored: minor units (rounded half-even) and the currency code.
pub fn money_to_columns(money: &Money) -> StoreResult<(i64, &'static str)> {
    let minor = money
        .to_minor_units()
        .map_err(|e| StoreError::Invalid(format!("cannot store {money}: {e}")))?;
    Ok((minor, money.currency().code()))
}

/// Money from its stored columns.
pub fn money_from_columns(minor: i64, currency: &str) -> StoreResult<Money> {
    let currency = Currency::from_code(currency)
        .map_err(|e| StoreError::Corrupt(format!("stored currency: {e}")))?;
    Ok(Money::from_minor_units(minor, currency))
}
