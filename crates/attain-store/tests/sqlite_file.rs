//! SQLite specifics of the default backend: the file, WAL mode, foreign keys.
#![allow(clippy::unwrap_used, missing_docs)]

use attain_store::{DatabaseConfig, Store};
use sqlx::Connection;

#[tokio::test]
async fn the_sqlite_file_is_created_in_wal_mode_with_foreign_keys_enforced() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested-name.db");
    assert!(!path.exists());
    let store = Store::open(&DatabaseConfig::sqlite_file(&path))
        .await
        .unwrap();
    assert!(path.exists(), "the file is created on first use");
    store.close().await;

    // WAL is a property of the file: a plain connection sees it too.
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(mode, "wal");
    conn.close().await.unwrap();

    // Foreign keys are per connection: the store's connections enforce them.
    let store = Store::open(&DatabaseConfig::sqlite_file(&path))
        .await
        .unwrap();
    let err = store
        .create_user(&attain_store::NewUser {
            login: attain_core::Login::new("x").unwrap(),
            display_name: "X".into(),
            email: None,
            unit: attain_core::OrgUnitId::from_raw(42),
            role: attain_core::Role::Rep,
            external_id: None,
        })
        .await
        .unwrap_err();
    assert!(matches!(err, attain_store::StoreError::Invalid(_)), "{err}");
}
