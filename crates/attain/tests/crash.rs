//! Killed in the middle: the `attain` process is stopped with SIGKILL while
//! an import, a whole-company folder and a payout run are writing (at a checkpoint the process
//! announces, never after a guessed sleep), and the database is shown
//! unchanged and the next run succeeding, on SQLite and on PostgreSQL.
#![allow(clippy::unwrap_used, missing_docs)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use attain_core::Role;
use attain_demo::{DemoOptions, Scale};
use attain_store::Store;

/// Rows in the import that is killed: many batches on either backend.
const ROWS: usize = 20_000;

fn attain(db: &[String]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_attain"));
    cmd.env_remove("ATTAIN_DATABASE_URL")
        .env("ATTAIN_LOG", "warn")
        .args(db);
    cmd
}

/// Runs `args` until the process announces `checkpoint`, then kills it
/// (SIGKILL) and waits for it to be gone.
fn kill_at(db: &[String], args: &[&str], checkpoint: &str) {
    let mut child = attain(db)
        .args(args)
        .env("ATTAIN_TEST_CHECKPOINT", checkpoint)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let marker = format!("checkpoint {checkpoint} reached");
    let mut said = Vec::new();
    for line in BufReader::new(stderr).lines() {
        let line = line.unwrap();
        if line == marker {
            child.kill().unwrap();
            let status = child.wait().unwrap();
            assert!(!status.success(), "killed, not finished");
            return;
        }
        said.push(line);
    }
    let status = child.wait().unwrap();
    panic!(
        "attain {args:?} ended ({status}) without reaching {checkpoint}:\n{}",
        said.join("\n")
    );
}

fn succeeds(db: &[String], args: &[&str]) -> String {
    let out = attain(db).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "attain {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

async fn killed_import_and_payout_run_leave_nothing_behind(store: &Store, db: Vec<String>) {
    let options = DemoOptions {
        seed: 3,
        scale: Scale::Small,
        as_of: "2026-06-30".parse().unwrap(),
    };
    attain_demo::build(store, options, "not-a-real-hash", |_, _| {})
        .await
        .unwrap();
    let reps: Vec<String> = store
        .users()
        .await
        .unwrap()
        .into_iter()
        .filter(|u| u.role == Role::Rep && u.active)
        .map(|u| u.login.to_string())
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("deals.csv");
    let mut csv = String::from("external_id,name,customer,owner,amount,stage,close_date,created\n");
    for i in 0..ROWS {
        csv.push_str(&format!(
            "CRASH-{i},Deal {i},Crash Customer {},{},{}.00,Closed Won,2026-05-{:02},2026-02-01\n",
            i % 500,
            reps[i % reps.len()],
            1000 + i,
            1 + i % 28
        ));
    }
    std::fs::write(&file, csv).unwrap();
    let path = file.to_str().unwrap();

    // An import killed while writing leaves no deal, customer or rollup behind.
    let deals = store.count_rows("deals").await.unwrap();
    let customers = store.count_rows("customers").await.unwrap();
    let rollup = store.count_rows("kpi_owner_month").await.unwrap();
    kill_at(&db, &["import", "deals", path], "import:rows-written");
    assert_eq!(store.count_rows("deals").await.unwrap(), deals);
    assert_eq!(store.count_rows("customers").await.unwrap(), customers);
    assert_eq!(store.count_rows("kpi_owner_month").await.unwrap(), rollup);
    // The next run imports the whole file.
    succeeds(&db, &["import", "deals", path]);
    assert_eq!(
        store.count_rows("deals").await.unwrap(),
        deals + ROWS as i64
    );

    // A whole-company folder killed after its last file, before its one
    // commit, leaves none of its files behind.
    let folder = dir.path().join("company");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(
        folder.join("customers.csv"),
        "external_id,name,owner,status,created\nFOLDER-C1,Folder Customer,".to_owned()
            + &reps[0]
            + ",active,2026-01-05\n",
    )
    .unwrap();
    std::fs::write(
        folder.join("deals.csv"),
        "external_id,name,customer_external_id,owner,amount,stage,close_date\nFOLDER-D1,Folder deal,FOLDER-C1,".to_owned()
            + &reps[0]
            + ",500.00,Closed Won,2026-05-02\n",
    )
    .unwrap();
    let deals = store.count_rows("deals").await.unwrap();
    let customers = store.count_rows("customers").await.unwrap();
    let rollup = store.count_rows("kpi_owner_day").await.unwrap();
    let folder_path = folder.to_str().unwrap();
    kill_at(
        &db,
        &["import", "all", folder_path],
        "import-all:before-commit",
    );
    assert_eq!(store.count_rows("deals").await.unwrap(), deals);
    assert_eq!(store.count_rows("customers").await.unwrap(), customers);
    assert_eq!(store.count_rows("kpi_owner_day").await.unwrap(), rollup);
    succeeds(&db, &["import", "all", folder_path]);
    assert_eq!(store.count_rows("deals").await.unwrap(), deals + 1);
    assert_eq!(store.count_rows("customers").await.unwrap(), customers + 1);

    // A payout run killed while writing its statements leaves no run.
    let runs = store.payout_runs().await.unwrap();
    let statements = store.count_rows("statements").await.unwrap();
    kill_at(
        &db,
        &["pay", "run", "FY2026-Q3"],
        "payout-run:statements-written",
    );
    assert_eq!(store.payout_runs().await.unwrap(), runs);
    assert_eq!(store.count_rows("statements").await.unwrap(), statements);
    let said = succeeds(&db, &["pay", "run", "FY2026-Q3"]);
    assert_eq!(
        store.payout_runs().await.unwrap().len(),
        runs.len() + 1,
        "{said}"
    );
    assert!(store.count_rows("statements").await.unwrap() > statements);
}

#[tokio::test]
async fn a_killed_import_or_payout_run_leaves_the_sqlite_database_unchanged() {
    let t = attain_testkit::sqlite_store().await;
    let db = vec![
        "--db".to_owned(),
        t.dir.path().join("attain.db").to_str().unwrap().to_owned(),
    ];
    killed_import_and_payout_run_leave_nothing_behind(&t.store, db).await;
    t.store.close().await;
}

#[tokio::test]
async fn a_killed_import_or_payout_run_leaves_the_postgres_database_unchanged() {
    let Some(t) = attain_testkit::postgres_store().await else {
        eprintln!("skipped: {} is not set", attain_testkit::POSTGRES_URL_VAR);
        return;
    };
    let db = vec!["--database-url".to_owned(), t.url.clone()];
    killed_import_and_payout_run_leave_nothing_behind(&t.store, db).await;
    t.cleanup().await;
}
