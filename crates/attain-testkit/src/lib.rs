//! Test support for Attain: run one storage test body on both backends.
//!
//! [`store_test!`] turns one `async` body into two tests, `NAME::sqlite` and
//! `NAME::postgres`, each given a freshly migrated, private [`Store`]:
//! SQLite in a temporary file, PostgreSQL in a schema of its own that is
//! dropped afterwards. The PostgreSQL half reads `ATTAIN_TEST_POSTGRES_URL`
//! and reports itself skipped when that is unset, so `cargo test` works on a
//! machine without a server while CI runs both. CI also sets
//! `ATTAIN_TEST_REQUIRE_POSTGRES`, which turns such a skip into a failure: a
//! run that silently tested only SQLite must not pass there.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};

use attain_store::{DatabaseConfig, Store};

/// Environment variable naming the PostgreSQL server for tests.
pub const POSTGRES_URL_VAR: &str = "ATTAIN_TEST_POSTGRES_URL";

/// Environment variable that makes a skipped PostgreSQL half fail instead.
pub const REQUIRE_POSTGRES_VAR: &str = "ATTAIN_TEST_REQUIRE_POSTGRES";

static NEXT_SCHEMA: AtomicU64 = AtomicU64::new(0);

/// A migrated SQLite store in a temporary directory, removed on drop.
pub struct SqliteTestStore {
    /// The store under test.
    pub store: Store,
    /// The temporary directory holding `attain.db`.
    pub dir: tempfile::TempDir,
}

/// Opens a fresh, migrated SQLite store in a temporary directory.
pub async fn sqlite_store() -> SqliteTestStore {
    let dir = tempfile::tempdir().expect("create a temporary directory");
    let config = DatabaseConfig::sqlite_file(dir.path().join("attain.db"));
    let store = Store::open(&config)
        .await
        .expect("open and migrate a SQLite test database");
    SqliteTestStore { store, dir }
}

/// A migrated PostgreSQL store in a private schema. Call [`PostgresTestStore::cleanup`].
pub struct PostgresTestStore {
    /// The store under test, confined to its own schema.
    pub store: Store,
    /// URL that reaches the same schema, for driving the `attain` binary.
    pub url: String,
    admin: Store,
    schema: String,
}

impl PostgresTestStore {
    /// Closes the store and drops its schema.
    pub async fn cleanup(self) {
        self.store.close().await;
        if let Err(e) = self.admin.drop_schema(&self.schema).await {
            eprintln!("warning: could not drop test schema {}: {e}", self.schema);
        }
        self.admin.close().await;
    }
}

/// The PostgreSQL test URL, if one is configured.
pub fn postgres_url() -> Option<String> {
    std::env::var(POSTGRES_URL_VAR)
        .ok()
        .filter(|s| !s.trim().is_empty())
}

/// Whether a skipped PostgreSQL half is a failure (CI sets this).
pub fn postgres_required() -> bool {
    std::env::var(REQUIRE_POSTGRES_VAR).is_ok_and(|v| !v.trim().is_empty() && v.trim() != "0")
}

/// The server to test on: `Ok(None)` means skip, an error means a skip is
/// not allowed here.
fn postgres_target(url: Option<String>, required: bool) -> Result<Option<String>, String> {
    match url {
        Some(url) => Ok(Some(url)),
        None if required => Err(format!(
            "{REQUIRE_POSTGRES_VAR} is set but {POSTGRES_URL_VAR} is not: the PostgreSQL half of this test would be skipped"
        )),
        None => Ok(None),
    }
}

/// Opens a fresh, migrated PostgreSQL store in a new schema, or `None` when
/// no test server is configured.
///
/// # Panics
/// When no server is configured but [`REQUIRE_POSTGRES_VAR`] is set.
pub async fn postgres_store() -> Option<PostgresTestStore> {
    let base = match postgres_target(postgres_url(), postgres_required()) {
        Ok(Some(base)) => base,
        Ok(None) => return None,
        Err(message) => panic!("{message}"),
    };
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let schema = format!(
        "attain_t_{}_{}_{}",
        std::process::id(),
        NEXT_SCHEMA.fetch_add(1, Ordering::Relaxed),
        nanos
    );
    let admin_config: DatabaseConfig = base
        .parse()
        .expect("ATTAIN_TEST_POSTGRES_URL is a postgres:// URL");
    let admin = Store::connect(&admin_config)
        .await
        .expect("connect to the PostgreSQL test server");
    admin
        .create_schema(&schema)
        .await
        .expect("create a test schema");
    let separator = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{separator}options=-c%20search_path%3D{schema}");
    let config: DatabaseConfig = url.parse().expect("schema URL");
    let store = Store::open(&config)
        .await
        .expect("open and migrate the PostgreSQL test schema");
    Some(PostgresTestStore {
        store,
        url,
        admin,
        schema,
    })
}

/// Runs `body` against a fresh SQLite store.
pub async fn run_on_sqlite<F, Fut>(body: F)
where
    F: FnOnce(Store) -> Fut,
    Fut: Future<Output = ()>,
{
    let t = sqlite_store().await;
    body(t.store.clone()).await;
    t.store.close().await;
}

/// Runs `body` against a fresh PostgreSQL schema, dropping it afterwards even
/// when the body panics; skips (and says so) when no server is configured.
pub async fn run_on_postgres<F, Fut>(body: F)
where
    F: FnOnce(Store) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(t) = postgres_store().await else {
        eprintln!("skipped: {POSTGRES_URL_VAR} is not set, so the PostgreSQL half did not run");
        return;
    };
    let outcome = tokio::spawn(body(t.store.clone())).await;
    t.cleanup().await;
    if let Err(join_error) = outcome {
        match join_error.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(other) => panic!("test task failed: {other}"),
        }
    }
}

/// Defines one storage test that runs on both backends:
///
/// ```text
/// store_test!(async fn a_unit_can_be_read_back(store) {
///     let id = store.create_org_unit(&unit).await.unwrap();
///     assert_eq!(store.org_units().await.unwrap()[0].id, id);
/// });
/// ```
///
/// expands to a module `a_unit_can_be_read_back` with tests `sqlite` and `postgres`.
#[macro_export]
macro_rules! store_test {
    ($(#[$meta:meta])* async fn $name:ident($store:ident) $body:block) => {
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test]
            async fn sqlite() {
                $crate::run_on_sqlite(|$store: ::attain_store::Store| async move $body).await
            }

            #[tokio::test]
            async fn postgres() {
                $crate::run_on_postgres(|$store: ::attain_store::Store| async move $body).await
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_skipped_postgres_half_fails_only_where_postgres_is_required() {
        assert_eq!(
            postgres_target(None, false),
            Ok(None),
            "a laptop without a server skips"
        );
        let refused = postgres_target(None, true).unwrap_err();
        assert!(
            refused.contains(REQUIRE_POSTGRES_VAR) && refused.contains(POSTGRES_URL_VAR),
            "{refused}"
        );
        assert_eq!(
            postgres_target(Some("postgres://x".into()), true),
            Ok(Some("postgres://x".into()))
        );
    }
}
