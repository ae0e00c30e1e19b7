//! The `attain` binary as a user runs it: exit codes, messages, a real server.
#![allow(clippy::unwrap_used, missing_docs)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

fn attain() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_attain"));
    cmd.env_remove("ATTAIN_DATABASE_URL")
        .env("ATTAIN_LOG", "warn");
    cmd
}

fn run(args: &[&str], dir: &std::path::Path) -> Output {
    attain().args(args).current_dir(dir).output().unwrap()
}

fn stderr_lines(out: &Output) -> Vec<String> {
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn a_bad_bind_address_is_one_line_and_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(&["serve", "--bind", "nonsense"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr_lines(&out),
        vec![
            "error: invalid value 'nonsense' for '--bind <ADDR>': invalid socket address syntax (see attain --help)"
        ]
    );
    assert!(out.stdout.is_empty());
    assert!(
        !dir.path().join("attain.db").exists(),
        "a usage error must not create a database"
    );
}

#[test]
fn usage_errors_are_one_line_and_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (
            &["serve", "--frobnicate"],
            "error: unexpected argument '--frobnicate' found (see attain --help)",
        ),
        (
            &[],
            "error: a command is required (see attain --help for the list)",
        ),
        (
            &["user"],
            "error: a command is required (see attain --help for the list)",
        ),
        (
            &["user", "add", "x", "--role", "boss"],
            "error: invalid value 'boss' for '--role <ROLE>': 'boss' is not a role: expected admin, sales_ops, manager, rep or viewer (see attain --help)",
        ),
        (
            &["user", "add", "bad login", "--role", "rep"],
            "error: invalid value 'bad login' for '<LOGIN>': 'bad login' is not a valid login: use 1 to 64 letters, digits, '.', '_', '-' or '@' (see attain --help)",
        ),
        (
            &["launch"],
            "error: unrecognized subcommand 'launch' (see attain --help)",
        ),
        (
            &["--database-url", "mysql://db", "migrate"],
            "error: invalid value 'mysql://db' for '--database-url <URL>': database configuration: 'mysql://db' is not a database URL: expected postgres://… or sqlite://PATH (see attain --help)",
        ),
        (
            &["--db", "a.db", "--database-url", "sqlite://b.db", "migrate"],
            "error: the argument '--db <PATH>' cannot be used with '--database-url <URL>' (see attain --help)",
        ),
    ];
    for (args, expected) in cases {
        let out = run(args, dir.path());
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(stderr_lines(&out), vec![expected.to_string()], "{args:?}");
    }
}

#[test]
fn help_and_version_exit_0() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(&["--help"], dir.path());
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    for command in [
        "serve",
        "migrate",
        "demo",
        "user",
        "token",
        "--database-url",
        "--db",
    ] {
        assert!(text.contains(command), "help lacks {command}");
    }
    let out = run(&["--version"], dir.path());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("attain {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn import_help_names_every_entity_attain_imports() {
    // Attack L8: `attain import --help` left out competitors, territories
    // and courses, which do import.
    let dir = tempfile::tempdir().unwrap();
    let out = run(&["import", "--help"], dir.path());
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for entity in attain_import::Entity::ALL {
        assert!(
            help.contains(entity.key()),
            "{} is missing from: {help}",
            entity.key()
        );
    }
    assert!(
        help.contains("What the file holds: all (a folder of files named by what they hold, imported in one transaction), people (login, name, email, role, unit; optional manager, start_date, end_date, active), territories, competitors, courses,"),
        "{help}"
    );
}

#[test]
fn migrate_creates_attain_db_in_the_working_directory_and_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let first = run(&["migrate"], dir.path());
    assert_eq!(
        first.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(dir.path().join("attain.db").exists());
    let expected = format!("{} migration(s) applied", attain_store::MIGRATION_COUNT);
    assert!(String::from_utf8_lossy(&first.stdout).contains(&expected));
    let second = run(&["migrate"], dir.path());
    assert!(String::from_utf8_lossy(&second.stdout).contains("0 migration(s) applied"));
    // A question to a new, empty database says what to do, not "corrupt".
    let kpi = run(&["kpi", "revenue", "--period", "2026"], dir.path());
    assert_eq!(kpi.status.code(), Some(1));
    let lines = stderr_lines(&kpi);
    assert!(
        lines.len() == 1 && lines[0].contains("no organisation yet: run `attain demo`"),
        "{lines:?}"
    );
}

#[test]
fn an_unreachable_database_is_a_one_line_error_with_exit_code_1() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        &[
            "--database-url",
            "postgres://nobody@127.0.0.1:1/none",
            "migrate",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    let lines = stderr_lines(&out);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with("error: opening PostgreSQL database none at 127.0.0.1:1"),
        "{lines:?}"
    );
}

/// The "Demo company …" line without its timing.
fn demo_summary(stdout: &str) -> String {
    let line = stdout
        .lines()
        .find(|l| l.starts_with("Demo company"))
        .unwrap_or_else(|| panic!("no summary in {stdout}"));
    line.rsplit_once(" (")
        .map_or(line, |(head, _)| head)
        .to_owned()
}

const SMALL_DEMO: &[&str] = &[
    "demo",
    "--no-serve",
    "--scale",
    "small",
    "--as-of",
    "2026-06-30",
];

#[test]
fn the_demo_is_identical_for_the_same_seed_and_consistent_inside() {
    let dir = tempfile::tempdir().unwrap();
    let mut passwords = Vec::new();
    let mut summaries = Vec::new();
    for _ in 0..2 {
        let out = run(SMALL_DEMO, dir.path());
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(
            stdout.contains("  admin ") && stdout.contains("  ops "),
            "{stdout}"
        );
        let password = stdout
            .split("password for all: ")
            .nth(1)
            .unwrap()
            .split(')')
            .next()
            .unwrap()
            .to_owned();
        assert_eq!(password.len(), 16);
        passwords.push(password);
        summaries.push(demo_summary(&stdout));
    }
    assert_ne!(
        passwords[0], passwords[1],
        "a demo has no well-known password"
    );
    assert_eq!(summaries[0], summaries[1], "same seed, same company");
    assert!(
        summaries[0].starts_with("Demo company as of 2026-06-30: "),
        "{}",
        summaries[0]
    );

    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = attain_store::Store::open(&attain_store::DatabaseConfig::sqlite_file(
            dir.path().join("attain-demo.db"),
        ))
        .await
        .unwrap();
        let tree = store.org_tree().await.unwrap();
        assert_eq!(tree.unit_count(), 1 + 3 + 6, "company, 3 regions, 6 teams");
        for table in [
            "customers",
            "deals",
            "deal_stage_history",
            "orders",
            "order_lines",
            "payments",
            "activities",
            "tickets",
            "survey_responses",
            "spend",
            "enrolments",
            "market_sizes",
            "products",
            "competitors",
        ] {
            assert!(
                store.count_rows(table).await.unwrap() > 0,
                "{table} is empty"
            );
        }
        let consistent = store.demo_consistency_report().await.unwrap();
        assert_eq!(consistent, Vec::<String>::new());
        store.close().await;
    });

    let other_dir = tempfile::tempdir().unwrap();
    let other = run(
        &[
            "demo",
            "--no-serve",
            "--scale",
            "small",
            "--as-of",
            "2026-06-30",
            "--seed",
            "7",
        ],
        other_dir.path(),
    );
    assert_ne!(
        demo_summary(&String::from_utf8_lossy(&other.stdout)),
        summaries[0],
        "another seed, another company"
    );
}

#[test]
fn demo_on_postgres_builds_the_same_company_and_refuses_a_used_database() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let Some(pg) = rt.block_on(attain_testkit::postgres_store()) else {
        eprintln!("skipped: {} is not set", attain_testkit::POSTGRES_URL_VAR);
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut args = vec!["--database-url", pg.url.as_str()];
    args.extend_from_slice(SMALL_DEMO);
    let first = run(&args, dir.path());
    let second = run(&args, dir.path());
    let sqlite = run(SMALL_DEMO, dir.path());
    let (units, report) = rt.block_on(async {
        (
            pg.store.org_units().await.unwrap().len(),
            pg.store.demo_consistency_report().await.unwrap(),
        )
    });
    rt.block_on(pg.cleanup());
    assert_eq!(
        first.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert_eq!(units, 10);
    assert_eq!(report, Vec::<String>::new());
    assert_eq!(
        demo_summary(&String::from_utf8_lossy(&first.stdout)),
        demo_summary(&String::from_utf8_lossy(&sqlite.stdout)),
        "the same seed builds the same company on both backends"
    );
    assert_eq!(second.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&second.stderr).contains("the demo needs an empty database"));
}

/// Minimal HTTP/1.0 GET over a raw socket: status code and body.
fn http_get(addr: &str, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response.split_whitespace().nth(1).unwrap().parse().unwrap();
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

#[test]
fn serve_answers_on_its_port_and_shuts_down_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = attain()
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env("ATTAIN_LOG", "info")
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A fresh installation: the first line announces the administrator.
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut lines = Vec::new();
    let mut first_line = String::new();
    while !first_line.contains("http://") {
        first_line.clear();
        assert!(
            reader.read_line(&mut first_line).unwrap() > 0,
            "serve printed no address: {lines:?}"
        );
        lines.push(first_line.clone());
    }
    assert!(
        lines[0].starts_with("Created the administrator 'admin' with the one-time password: "),
        "{lines:?}"
    );
    let addr = first_line
        .trim()
        .rsplit("http://")
        .next()
        .unwrap()
        .to_owned();
    assert!(first_line.contains("SQLite file"), "{first_line}");

    let (status, body) = http_get(&addr, "/healthz");
    assert_eq!(
        (status, body.as_str()),
        (200, r#"{"status":"ok","database":"SQLite"}"#)
    );
    let (status, _) = http_get(&addr, "/");
    assert_eq!(status, 303, "pages need a session");
    let (status, body) = http_get(&addr, "/login");
    assert_eq!(status, 200);
    assert!(body.contains("Sign in"));

    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let out = child.wait_with_output().unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{log}");
    assert!(
        log.contains("shutdown requested") && log.contains("shut down cleanly"),
        "{log}"
    );
    assert!(
        log.contains("path=/healthz") && log.contains("status=200"),
        "requests are logged: {log}"
    );
}

#[test]
fn users_and_tokens_are_managed_from_the_shell_and_audited() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(run(&["migrate"], dir.path()).status.code(), Some(0));
    // No company yet: a clear error.
    let out = run(&["user", "add", "ana", "--role", "rep"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no company unit"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = attain_store::DatabaseConfig::sqlite_file(dir.path().join("attain.db"));
    rt.block_on(async {
        let store = attain_store::Store::open(&db).await.unwrap();
        store
            .create_org_unit(&attain_store::NewOrgUnit {
                parent: None,
                name: "Acme".into(),
                kind: attain_core::OrgUnitKind::Company,
                external_id: None,
            })
            .await
            .unwrap();
    });

    let out = run(
        &["user", "add", "Ana", "--role", "rep", "--name", "Ana Li"],
        dir.path(),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("added ana (Ana Li) as rep in org unit 1"),
        "{text}"
    );
    assert!(text.contains("one-time password: "));

    let mut child = attain()
        .args([
            "user",
            "add",
            "bo",
            "--role",
            "manager",
            "--unit",
            "Acme",
            "--password-stdin",
        ])
        .current_dir(dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"Bo-secret-2026\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains("one-time"));

    let out = run(
        &["user", "add", "cy", "--role", "rep", "--unit", "Nowhere"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr_lines(&out),
        vec!["error: --unit: no org unit has the ID, name or path 'Nowhere'"]
    );

    let out = run(&["user", "passwd", "ana"], dir.path());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("one-time password for ana: "));
    let out = run(&["user", "passwd", "nobody"], dir.path());
    assert_eq!(
        stderr_lines(&out),
        vec!["error: no user has the login 'nobody'"]
    );

    let list = String::from_utf8_lossy(&run(&["user", "list"], dir.path()).stdout).to_string();
    assert!(
        list.contains("ana") && list.contains("bo") && list.contains("manager"),
        "{list}"
    );

    let out = run(&["token", "create", "bo", "--name", "nightly"], dir.path());
    let token = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert!(token.starts_with("atn_") && token.len() == 68, "{token}");
    let list =
        String::from_utf8_lossy(&run(&["token", "list", "bo"], dir.path()).stdout).to_string();
    assert!(
        list.contains("nightly") && list.contains("active") && !list.contains(&token),
        "{list}"
    );
    let out = run(&["token", "revoke", "1"], dir.path());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "token 1 revoked"
    );
    let out = run(&["token", "revoke", "1"], dir.path());
    assert_eq!(
        stderr_lines(&out),
        vec!["error: no active API token has the ID 1"]
    );

    let entries = rt.block_on(async {
        let store = attain_store::Store::open(&db).await.unwrap();
        store.audit_log(None, 100, None).await.unwrap()
    });
    assert!(entries.iter().all(|e| e.actor == "cli"));
    let actions: Vec<(String, String)> = entries
        .iter()
        .rev()
        .map(|e| (e.entity.clone(), e.action.clone()))
        .collect();
    let expected: Vec<(String, String)> = [
        ("user", "create"),
        ("user", "create"),
        ("user", "update"),
        ("api_token", "create"),
        ("api_token", "delete"),
    ]
    .iter()
    .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
    .collect();
    assert_eq!(actions, expected);
}

/// A deals export in Zoho's layout with `rows` rows and owners nobody knows.
fn zoho_deals(rows: usize) -> String {
    let mut out =
        String::from("Record Id,Deal Owner,Amount,Deal Name,Closing Date,Account Name,Stage\n");
    for i in 0..rows {
        out.push_str(&format!(
            "zcrm_{i},Owner {},\"{},000.00\",Deal {i},2026-0{}-15,Customer {},Qualification\n",
            i % 7,
            1 + i % 90,
            1 + i % 9,
            i % 500
        ));
    }
    out
}

#[test]
fn import_reports_problems_in_a_zoho_file_then_imports_it_with_a_mapping() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let db = db.to_str().unwrap();
    assert!(run(&["--db", db, "migrate"], dir.path()).status.success());
    std::fs::write(dir.path().join("Deals.csv"), zoho_deals(3)).unwrap();
    let out = run(
        &[
            "--db",
            db,
            "import",
            "deals",
            "Deals.csv",
            "--preset",
            "zoho",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_lines(&out);
    assert!(
        err[0].starts_with("Deals.csv: 3 unknown owner(s): Owner 0, Owner 1, Owner 2"),
        "{err:?}"
    );
    assert!(err.iter().any(|l| l == "Deals.csv:2:Deal Owner: unknown owner: no user has this login, e-mail, name or ID (Owner 0)"));
    assert!(
        err.last()
            .unwrap()
            .contains("problem(s) in Deals.csv; nothing was imported")
    );

    let out = run(
        &[
            "--db",
            db,
            "import",
            "deals",
            "Deals.csv",
            "--preset",
            "zoho",
            "--dry-run",
            "--create-missing-owners",
        ],
        dir.path(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("3 rows (3 deals) are valid; nothing was written (dry run)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("owners to be created: Owner 0, Owner 1, Owner 2"),
        "{stdout}"
    );

    std::fs::write(
        dir.path().join("map.toml"),
        "[stages]\n\"Qualification\" = { status = \"open\", probability = 35 }\n",
    )
    .unwrap();
    let out = run(
        &[
            "--db",
            db,
            "import",
            "deals",
            "Deals.csv",
            "--preset",
            "zoho",
            "--create-missing-owners",
            "--mapping",
            "map.toml",
        ],
        dir.path(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("3 rows imported in"), "{stdout}");
    assert!(
        stdout.contains("3 deals created, 0 updated or unchanged, 3 customers created"),
        "{stdout}"
    );
    assert!(
        stdout.contains("owners created in the 'Imported' unit: Owner 0, Owner 1, Owner 2"),
        "{stdout}"
    );
    let out = run(
        &[
            "--db",
            db,
            "import",
            "deals",
            "Deals.csv",
            "--preset",
            "zoho",
            "--mapping",
            "map.toml",
        ],
        dir.path(),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("0 deals created, 3 updated or unchanged"),
        "owners are known now: {stdout}"
    );
    std::fs::write(dir.path().join("bad.toml"), "[columns]\nnmae = \"X\"\n").unwrap();
    let out = run(
        &[
            "--db",
            db,
            "import",
            "deals",
            "Deals.csv",
            "--mapping",
            "bad.toml",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr_lines(&out)
            .iter()
            .any(|l| l.contains("the mapping names a field 'nmae'")),
        "{:?}",
        stderr_lines(&out)
    );
}

#[test]
fn a_killed_import_leaves_the_database_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.db");
    let db = db.to_str().unwrap();
    assert!(run(&["--db", db, "migrate"], dir.path()).status.success());
    std::fs::write(dir.path().join("big.csv"), zoho_deals(20_000)).unwrap();
    // Killed inside the write transaction, once its first rows are written
    // and before it commits: the process says so at a checkpoint and waits
    // there (no guessed sleep).
    let mut child = attain()
        .env("ATTAIN_TEST_CHECKPOINT", "import:rows-written")
        .args([
            "--db",
            db,
            "import",
            "deals",
            "big.csv",
            "--preset",
            "zoho",
            "--create-missing-owners",
        ])
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut reached = false;
    for line in BufReader::new(stderr).lines() {
        if line.unwrap() == "checkpoint import:rows-written reached" {
            reached = true;
            child.kill().unwrap();
            break;
        }
    }
    assert!(reached, "the import never reached its checkpoint");
    let status = child.wait().unwrap();
    assert!(
        !status.success(),
        "the import was killed before it finished"
    );
    let out = run(&["--db", db, "user", "list"], dir.path());
    let users = String::from_utf8_lossy(&out.stdout);
    assert!(
        !users.contains("Owner 0"),
        "owners created by the killed import must be gone: {users}"
    );
    let out = run(
        &[
            "--db",
            db,
            "import",
            "deals",
            "big.csv",
            "--preset",
            "zoho",
            "--dry-run",
            "--create-missing-owners",
        ],
        dir.path(),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("owners to be created: Owner 0"),
        "nothing of the killed import is stored: {stdout}"
    );
}

#[test]
fn goals_and_payouts_are_run_from_the_shell() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let db = db.to_str().unwrap();
    let demo = run(
        &[
            "--db",
            db,
            "demo",
            "--scale",
            "small",
            "--as-of",
            "2026-06-30",
            "--no-serve",
        ],
        dir.path(),
    );
    assert!(
        demo.status.success(),
        "{}",
        String::from_utf8_lossy(&demo.stderr)
    );
    let stdout = |out: &Output| String::from_utf8_lossy(&out.stdout).into_owned();

    let out = run(
        &[
            "--db",
            db,
            "goal",
            "add",
            "deals_won",
            "--period",
            "2026-Q3",
            "--target",
            "90",
        ],
        dir.path(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let id = stdout(&out).split_whitespace().nth(1).unwrap().to_owned();
    let out = run(
        &[
            "--db", db, "goal", "split", &id, "--into", "months", "--method", "equal",
        ],
        dir.path(),
    );
    assert!(
        stdout(&out).contains(&format!("goal {id} split into 3 part(s)")),
        "{}",
        stdout(&out)
    );
    let out = run(
        &[
            "--db",
            db,
            "goal",
            "revise",
            &id,
            "--target",
            "120",
            "--reason",
            "new hires",
        ],
        dir.path(),
    );
    assert!(
        stdout(&out).contains("4 goal(s) changed"),
        "{}",
        stdout(&out)
    );
    let out = run(&["--db", db, "goal", "list", "--parent", &id], dir.path());
    let parts: Vec<String> = stdout(&out).lines().skip(1).map(str::to_owned).collect();
    assert_eq!(parts.len(), 3);
    for (part, month) in parts.iter().zip(["2026-07", "2026-08", "2026-09"]) {
        let words: Vec<&str> = part.split_whitespace().collect();
        assert!(words.contains(&month) && words.contains(&"40"), "{part}");
    }
    let out = run(
        &["--db", db, "goal", "show", &id, "--as-of", "2026-06-30"],
        dir.path(),
    );
    assert!(
        stdout(&out).contains("status      not_started") && stdout(&out).contains("92 days left"),
        "{}",
        stdout(&out)
    );
    assert!(
        stdout(&out).contains("revised") && stdout(&out).contains("90 → 120 (new hires)"),
        "{}",
        stdout(&out)
    );
    // A bad target is one line naming it, exit 1.
    let out = run(
        &[
            "--db", db, "goal", "revise", &id, "--target", "1.5", "--reason", "x",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr_lines(&out),
        [
            "error: target: 1.5 has more than 0 decimal(s), which is all a target of this metric keeps"
        ]
    );

    let out = run(&["--db", db, "pay", "runs"], dir.path());
    let runs = stdout(&out);
    assert!(
        runs.contains("FY2026-Q2   draft") && runs.contains("FY2026-Q1   locked"),
        "{runs}"
    );
    let out = run(&["--db", db, "pay", "export", "2"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr_lines(&out)[0].contains("lock it before exporting"));
    for step in ["approve", "lock"] {
        let out = run(&["--db", db, "pay", step, "2"], dir.path());
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = run(&["--db", db, "pay", "export", "2"], dir.path());
    let csv = stdout(&out);
    assert!(
        csv.starts_with("period,login,name,external_id,amount,currency\nFY2026-Q2,"),
        "{csv}"
    );
    let out = run(
        &[
            "--db", db, "pay", "plan-add", "Broken", "--tiers", "0:2,abc",
        ],
        dir.path(),
    );
    assert_eq!(
        stderr_lines(&out),
        ["error: --tiers: 'abc' is not FROM%:RATE%"]
    );
}

#[test]
fn an_import_says_what_it_creates_fills_in_and_leaves_out_in_the_dry_run_and_the_real_run() {
    // Issue 10, item 5: the CLI's report lists new customers and channels,
    // the defaults used and the columns not imported, dry run or not.
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("r.db");
    let db = db.to_str().unwrap();
    assert!(run(&["--db", db, "migrate"], dir.path()).status.success());
    std::fs::write(
        dir.path().join("deals.csv"),
        "name,customer,owner,amount,stage,close_date,source,Notes,Fax\nA,Nova Labs,Rep One,100,Closed Won,2026-03-31,Trade Show,call back,\n",
    )
    .unwrap();
    let args = |dry: bool| {
        let mut a = vec![
            "--db",
            db,
            "import",
            "deals",
            "deals.csv",
            "--create-missing-owners",
        ];
        if dry {
            a.push("--dry-run");
        }
        a
    };
    let expected = |verb: &str| {
        vec![
            format!("1 customers {verb}: Nova Labs"),
            format!("1 channels {verb}: Trade Show"),
            "default: 1 deals have no creation date: they were created on their close date, so their sales cycle reads 0 days".to_owned(),
            "columns not imported: 'Notes' (1 rows with a value)".to_owned(),
            "empty columns not imported: 'Fax'".to_owned(),
        ]
    };
    for (dry, verb) in [(true, "to be created"), (false, "created")] {
        let out = run(&args(dry), dir.path());
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        let lines: Vec<&str> = stdout.lines().collect();
        let tail: Vec<String> = lines[lines.len() - 5..]
            .iter()
            .map(|l| (*l).to_owned())
            .collect();
        assert_eq!(tail, expected(verb), "{stdout}");
    }
}

/// `attain kpi` as a user reads it, in every format, against the files in
/// tests/golden/ (the small demo, whose seed is fixed): a figure or a
/// layout that changes shows as a diff here. `ATTAIN_BLESS=1` rewrites
/// the files after a change that is meant.
#[test]
fn kpi_output_in_every_format_matches_its_golden_file() {
    let dir = tempfile::tempdir().unwrap();
    let demo = run(SMALL_DEMO, dir.path());
    assert!(
        demo.status.success(),
        "{}",
        String::from_utf8_lossy(&demo.stderr)
    );
    let golden = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let bless = std::env::var_os("ATTAIN_BLESS").is_some();
    let cases: &[(&str, &[&str])] = &[
        (
            "revenue-by-region-and-month",
            &["revenue", "--period", "2026-Q1", "--by", "region,month"],
        ),
        (
            "win-rate-by-rep",
            &["win_rate", "--period", "2025", "--by", "rep"],
        ),
        (
            "formula-for-the-company",
            &["payments / revenue", "--period", "FY2025"],
        ),
        (
            "nps-by-quarter",
            &["nps", "--period", "2025", "--by", "quarter"],
        ),
    ];
    let mut differ = Vec::new();
    for (name, args) in cases {
        for (format, ext) in [("table", "txt"), ("json", "json"), ("csv", "csv")] {
            let mut argv = vec!["--db", "attain-demo.db", "kpi"];
            argv.extend_from_slice(args);
            argv.extend_from_slice(&["--format", format]);
            let out = run(&argv, dir.path());
            assert!(
                out.status.success(),
                "{argv:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let got = String::from_utf8(out.stdout).unwrap();
            let path = golden.join(format!("{name}.{ext}"));
            if bless {
                std::fs::create_dir_all(&golden).unwrap();
                std::fs::write(&path, &got).unwrap();
                continue;
            }
            let want = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e} (ATTAIN_BLESS=1 writes it)", path.display()));
            if got != want {
                differ.push(format!(
                    "{}:\n--- want\n{want}--- got\n{got}",
                    path.display()
                ));
            }
        }
    }
    assert!(
        differ.is_empty(),
        "attain kpi output changed:\n{}",
        differ.join("\n")
    );
}

#[test]
fn a_new_company_sets_itself_up_from_the_shell_settings_then_org_chart() {
    let dir = tempfile::tempdir().unwrap();
    let ok = |args: &[&str]| {
        let out = run(args, dir.path());
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let fails = |args: &[&str], code: i32| {
        let out = run(args, dir.path());
        assert_eq!(
            out.status.code(),
            Some(code),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    ok(&["migrate"]);
    let shown = ok(&["settings", "show"]);
    assert!(shown.contains("company_name=My company\n"), "{shown}");
    assert!(shown.contains("fiscal_year_start_month=1\nfiscal_year_named_by=end\ntime_zone=server\nweek_start=monday\nrevenue_basis=orders\nchurn_inactive_days=365\ndefault_language=en\n"), "{shown}");

    // A wrong value names the setting and what it takes; nothing changes.
    let err = fails(
        &[
            "settings",
            "set",
            "company_name=Huadong",
            "fiscal_year_start_month=13",
        ],
        1,
    );
    assert!(
        err.contains("fiscal_year_start_month: '13' is not a month number, 1 to 12"),
        "{err}"
    );
    let err = fails(&["settings", "set", "colour=red"], 1);
    assert!(err.contains("there is no setting 'colour'"), "{err}");
    assert!(ok(&["settings", "show"]).contains("company_name=My company\n"));

    let out = ok(&[
        "settings",
        "set",
        "company_name=Huadong",
        "week_start=sunday",
        "time_zone=Asia/Shanghai",
    ]);
    assert!(
        out.contains("company_name: My company -> Huadong\n"),
        "{out}"
    );
    assert!(
        out.contains("time_zone: server -> Asia/Shanghai\n"),
        "{out}"
    );
    assert!(ok(&["settings", "show"]).contains("company_name=Huadong\n"));

    // The org chart, units named by name or path.
    let out = ok(&["unit", "add", "North", "--kind", "region"]);
    assert!(out.contains("created the company unit Huadong"), "{out}");
    assert!(out.contains("added Huadong/North (region)"), "{out}");
    ok(&["unit", "add", "N1", "--kind", "team", "--parent", "North"]);
    ok(&["unit", "add", "South", "--kind", "region"]);
    ok(&[
        "unit",
        "add",
        "N1",
        "--kind",
        "team",
        "--parent",
        "Huadong/South",
    ]);
    let err = fails(&["unit", "rename", "N1", "X"], 1);
    assert!(
        err.contains("several org units are called 'N1': Huadong/North/N1, Huadong/South/N1"),
        "{err}"
    );
    assert!(
        ok(&["unit", "rename", "North/N1", "North One"]).contains("is now Huadong/North/North One")
    );
    assert!(ok(&["unit", "move", "South/N1", "--to", "North"]).contains("is now Huadong/North/N1"));
    assert!(ok(&["unit", "remove", "South"]).contains("removed Huadong/South"));
    ok(&[
        "user",
        "add",
        "ana",
        "--role",
        "rep",
        "--unit",
        "North/North One",
    ]);
    let err = fails(&["unit", "remove", "North/North One"], 1);
    assert!(err.contains("people"), "{err}");
    let err = fails(&["unit", "add", "X", "--kind", "company"], 2);
    assert!(err.contains("there is one company"), "{err}");
    let err = fails(&["unit", "move", "North", "--to", "North/N1"], 1);
    assert!(err.contains("cannot move below itself"), "{err}");
    let list = ok(&["unit", "list"]);
    assert!(list.contains("company          1  Huadong\n"), "{list}");
    assert!(
        list.contains("team             1      North One\n"),
        "{list}"
    );
}

#[test]
fn a_company_brings_its_people_in_one_file_and_a_new_version_of_it() {
    let dir = tempfile::tempdir().unwrap();
    let ok = |args: &[&str]| {
        let out = run(args, dir.path());
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let fails = |args: &[&str]| {
        let out = run(args, dir.path());
        assert_eq!(
            out.status.code(),
            Some(1),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    ok(&["migrate"]);
    ok(&["settings", "set", "company_name=Huadong"]);
    ok(&["unit", "add", "North", "--kind", "region"]);
    let file = dir.path().join("people.csv");
    std::fs::write(
        &file,
        "Login,Name,E-mail,Role,Unit,Manager,Start date,End date,Desk\n\
         lin,Lin Wei 林伟,lin@example.com,manager,North,,2024-01-02,,A1\n\
         ana,Ana Li,ana@example.com,rep,North/N1,lin,2025-03-01,,A2\n\
         bo,Bo Chen,,销售代表,North/N1,lin,2023-05-01,2025-12-31,\n\
         cy,Cy Wu,cy@example.com,rep,South/S1,ana,,,\n",
    )
    .unwrap();
    let people = file.to_str().unwrap();
    // Units that do not exist are refused, by row, unless asked to create them.
    let err = fails(&["import", "people", people]);
    assert!(
        err.contains(
            "people.csv:3:Unit: no org unit has the ID, name or path 'North/N1': add it first"
        ),
        "{err}"
    );
    assert!(
        err.contains("people.csv:5:Unit: no org unit has the ID, name or path 'South/S1'"),
        "{err}"
    );
    assert!(err.contains("nothing was imported"), "{err}");
    // New people need somewhere for their one-time passwords.
    let err = fails(&["import", "people", people, "--create-units"]);
    assert!(
        err.contains("adds 4 people: give --passwords FILE"),
        "{err}"
    );
    let dry = ok(&["import", "people", people, "--create-units", "--dry-run"]);
    assert!(dry.contains("4 people to be added"), "{dry}");
    assert!(
        dry.contains("3 units to be created: Huadong/North/N1, Huadong/South, Huadong/South/S1"),
        "{dry}"
    );
    assert!(
        dry.contains("columns not imported: 'Desk' (2 rows with a value)"),
        "{dry}"
    );
    let list = ok(&["user", "list"]);
    assert!(!list.contains("ana"), "a dry run writes nothing");

    let passwords = dir.path().join("passwords.csv");
    let out = ok(&[
        "import",
        "people",
        people,
        "--create-units",
        "--passwords",
        passwords.to_str().unwrap(),
    ]);
    assert!(
        out.contains("4 people added, 0 updated, 0 unchanged, 1 deactivated"),
        "{out}"
    );
    assert!(
        out.contains("1 people have no 'active' value and an end date before today"),
        "{out}"
    );
    assert!(
        !out.contains(",") || !out.contains("one_time_password"),
        "passwords never reach the terminal"
    );
    let written = std::fs::read_to_string(&passwords).unwrap();
    let lines: Vec<&str> = written.lines().collect();
    assert_eq!(lines[0], "login,one_time_password");
    assert_eq!(lines.len(), 5);
    assert!(
        lines[1].starts_with("lin,") && lines[1].len() > 12,
        "{written}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&passwords).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let list = ok(&["user", "list"]);
    let line = |login: &str| {
        list.lines()
            .find(|l| l.contains(&format!(" {login} ")))
            .unwrap_or_else(|| panic!("{login} in {list}"))
            .to_owned()
    };
    assert!(
        line("ana").contains("rep") && line("ana").contains("Huadong / North / N1"),
        "{list}"
    );
    assert!(line("bo").contains(" no "), "Bo left: {list}");
    assert!(line("cy").contains("Huadong / South / S1"), "{list}");

    // The same file again changes nothing; a new version moves Ana and
    // takes Cy out; the passwords file is never overwritten.
    let again = ok(&["import", "people", people, "--create-units"]);
    assert!(
        again.contains("0 people added, 0 updated, 4 unchanged, 0 deactivated"),
        "{again}"
    );
    std::fs::write(
        &file,
        "login,name,role,unit,active\nana,Ana Li,manager,South/S1,yes\ncy,Cy Wu,rep,South/S1,no\n",
    )
    .unwrap();
    let out = ok(&["import", "people", people]);
    assert!(
        out.contains("0 people added, 2 updated, 0 unchanged, 1 deactivated"),
        "{out}"
    );
    // A file without the e-mail, manager or date columns leaves them as
    // they are; without an active column, whoever left stays deactivated.
    std::fs::write(
        &file,
        "login,name,role,unit\nbo,Bo Chen,rep,North/N1\nana,Ana Li,manager,South/S1\n",
    )
    .unwrap();
    let out = ok(&["import", "people", people]);
    assert!(
        out.contains("0 people added, 0 updated, 2 unchanged, 0 deactivated"),
        "{out}"
    );
    let list = ok(&["user", "list"]);
    assert!(
        list.lines()
            .any(|l| l.contains(" ana ") && l.contains("manager") && l.contains("South / S1")),
        "{list}"
    );
    assert!(
        list.lines()
            .any(|l| l.contains(" cy ") && l.contains(" no ")),
        "{list}"
    );

    // Hostile rows: a bad login, an unknown role, an unknown manager,
    // a login twice, an end before the start; all reported, nothing written.
    std::fs::write(
        &file,
        "login,name,role,unit,manager,start_date,end_date\n\
         bad login!,X,rep,North,,,\n\
         dan,Dan,boss,North,,,\n\
         eve,Eve,rep,North,nobody,,\n\
         fay,Fay,rep,North,,2026-05-01,2026-01-01\n\
         fay,Fay Again,rep,North,,,\n",
    )
    .unwrap();
    let err = fails(&["import", "people", people]);
    for expected in [
        "people.csv:2:login: ",
        "people.csv:3:role: expected admin, sales_ops, manager, rep or viewer (boss)",
        "people.csv:4:manager: no person has this login, here or in the file (nobody)",
        "people.csv:5:end_date: the last day comes before the first",
        "people.csv:6:login: the same login appears twice (first on line 5)",
    ] {
        assert!(err.contains(expected), "{expected}: {err}");
    }
    assert!(!ok(&["user", "list"]).contains(" dan "));
}

#[test]
fn a_company_moves_in_from_one_folder_in_one_transaction() {
    // Issue 12, point 5: every file of a folder, named by what it holds, in
    // dependency order whatever their names sort as, all or none.
    let dir = tempfile::tempdir().unwrap();
    let ok = |args: &[&str]| {
        let out = run(args, dir.path());
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let fails = |args: &[&str]| {
        let out = run(args, dir.path());
        assert_eq!(
            out.status.code(),
            Some(1),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    ok(&["migrate"]);
    ok(&[
        "settings",
        "set",
        "company_name=Huadong",
        "base_currency=CNY",
    ]);
    ok(&["unit", "add", "North", "--kind", "region"]);
    let company = dir.path().join("company");
    let maps = dir.path().join("maps");
    std::fs::create_dir(&company).unwrap();
    std::fs::create_dir(&maps).unwrap();
    let write = |name: &str, text: &str| std::fs::write(company.join(name), text).unwrap();
    write(
        "people.csv",
        "login,name,email,role,unit,manager\n\
         lin,Lin Wei,lin@example.com,manager,North,\n\
         ana,Ana Li,ana@example.com,rep,North/N1,lin\n",
    );
    // Headers of its own, read through a mapping named after the file.
    write(
        "Accounts.csv",
        "Account ID,Account,Account owner,Status,Created\n\
         C1,Alpha Ltd,ana,active,2025-01-05\n",
    );
    std::fs::write(
        maps.join("Accounts.toml"),
        "[columns]\nexternal_id = \"Account ID\"\nname = \"Account\"\nowner = \"Account owner\"\n",
    )
    .unwrap();
    write(
        "orders.csv",
        "number,order_date,customer_external_id,owner,amount,currency\n\
         O1,2026-03-12,C1,ana,1200.50,CNY\n",
    );
    write(
        "payments.csv",
        "external_id,order,date,amount,currency\nP1,O1,2026-03-20,1000,CNY\n",
    );
    write(".DS_Store", "x");
    let folder = company.to_str().unwrap();
    let mapping_dir = maps.to_str().unwrap();
    let all = |extra: &[&str]| -> Vec<String> {
        let mut args = vec![
            "import",
            "all",
            folder,
            "--mapping-dir",
            mapping_dir,
            "--create-units",
        ];
        args.extend_from_slice(extra);
        args.into_iter().map(str::to_owned).collect()
    };
    let ok = |args: &[String]| ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let fails = |args: &[String]| fails(&args.iter().map(String::as_str).collect::<Vec<_>>());

    // New people need somewhere for their passwords: nothing is stored.
    let err = fails(&all(&[]));
    assert!(
        err.contains("adds 2 people: give --passwords FILE"),
        "{err}"
    );
    assert!(err.contains("a hidden or system file, not read"), "{err}");
    assert!(!ok(&["user".into(), "list".into()]).contains("ana"));

    let dry = ok(&all(&["--dry-run"]));
    assert!(
        dry.contains("people.csv: 2 rows are valid: 2 people to be added"),
        "{dry}"
    );
    assert!(
        dry.contains("Accounts.csv: 1 rows (1 customers) are valid"),
        "{dry}"
    );
    assert!(
        dry.contains("payments.csv: 1 rows (1 payments) are valid"),
        "{dry}"
    );
    assert!(dry.contains("4 files are valid, each checked against the ones before it; nothing was written (dry run)"), "{dry}");
    assert!(
        !ok(&["user".into(), "list".into()]).contains("ana"),
        "a dry run writes nothing"
    );

    // A payment of an order nobody has stops the folder; earlier files too.
    let payments = company.join("payments.csv");
    std::fs::write(
        &payments,
        "external_id,order,date,amount,currency\nP1,O1,2026-03-20,1000,CNY\nP2,O9,2026-03-21,5,CNY\n",
    )
    .unwrap();
    let pw = dir.path().join("pw.csv");
    let err = fails(&all(&["--passwords", pw.to_str().unwrap()]));
    assert!(
        err.contains("payments.csv:3:order: no order has this number"),
        "{err}"
    );
    assert!(err.contains("nothing was imported"), "{err}");
    assert!(
        !pw.exists(),
        "no passwords file for people who were not stored"
    );
    assert!(!ok(&["user".into(), "list".into()]).contains("ana"));

    std::fs::write(
        &payments,
        "external_id,order,date,amount,currency\nP1,O1,2026-03-20,1000,CNY\n",
    )
    .unwrap();
    let out = ok(&all(&["--passwords", pw.to_str().unwrap()]));
    // People first, then customers, orders and payments.
    let at = |s: &str| out.find(s).unwrap_or_else(|| panic!("{s} in {out}"));
    assert!(at("people.csv: 2 people added") < at("Accounts.csv: 1 rows: 1 customers created"));
    assert!(at("Accounts.csv") < at("orders.csv: 1 rows: 1 orders created"));
    assert!(at("orders.csv") < at("payments.csv: 1 rows: 1 payments created"));
    assert!(out.contains("4 files imported in one transaction"), "{out}");
    let passwords = std::fs::read_to_string(&pw).unwrap();
    assert_eq!(passwords.lines().count(), 3, "a header and two people");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&pw).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let words = |s: &str| -> Vec<String> { s.split(' ').map(str::to_owned).collect() };
    let revenue = ok(&words("kpi revenue --period 2026-03 --scope rep:ana"));
    assert!(revenue.contains("1200.5"), "{revenue}");
    let paid = ok(&words("kpi payments --period 2026-03"));
    assert!(paid.contains("1000"), "{paid}");

    // Point 6: a consistent copy of the live file, which answers the same.
    let out = ok(&words("backup copy.db"));
    assert!(out.contains("backed up to copy.db"), "{out}");
    let copied = ok(&words(
        "--db copy.db kpi revenue --period 2026-03 --scope rep:ana",
    ));
    assert_eq!(copied, revenue);
    let err = fails(&words("backup copy.db"));
    assert!(err.contains("copy.db: already exists"), "{err}");

    // And out again: the generic layout, with the settings to set first.
    let out = ok(&words("export moved"));
    assert!(out.contains("people.csv: 2 rows"), "{out}");
    assert!(out.contains("payments.csv: 1 rows"), "{out}");
    assert!(
        out.contains("attain settings set 'company_name=Huadong' base_currency=CNY")
            || out.contains("attain settings set company_name=Huadong base_currency=CNY"),
        "{out}"
    );
    let orders = std::fs::read_to_string(dir.path().join("moved/orders.csv")).unwrap();
    assert_eq!(
        orders,
        "number,order_date,customer_external_id,owner,deal_external_id,product,quantity,currency,unit_price,amount,status\n\
         O1,2026-03-12,C1,ana,,,1,CNY,1200.50,1200.50,confirmed\n"
    );
    let err = fails(&words("export moved"));
    assert!(err.contains("moved: not empty"), "{err}");
    let out = ok(&words("export workbooks --format xlsx"));
    assert!(out.contains("orders.xlsx: 1 rows"), "{out}");
    let xlsx = std::fs::read(dir.path().join("workbooks/orders.xlsx")).unwrap();
    assert_eq!(&xlsx[..2], b"PK", "a zip container");
    let out = run(
        &words("export other --format ods")
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2), "a usage error");
}

/// Issue 12, point 4 from the shell: a person moved between teams in the
/// middle of a quarter (by `attain user move`, and back by a people file
/// with `unit_from`), and the team figures read both ways the
/// `unit_credit` setting offers; the person's history is listed.
#[test]
fn a_person_moved_mid_quarter_counts_for_the_team_the_setting_says() {
    let dir = tempfile::tempdir().unwrap();
    let ok = |args: &[&str]| {
        let out = run(args, dir.path());
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let fails = |args: &[&str]| {
        let out = run(args, dir.path());
        assert_eq!(
            out.status.code(),
            Some(1),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_owned()
    };
    ok(&["migrate"]);
    ok(&["settings", "set", "company_name=Huadong"]);
    ok(&["unit", "add", "North", "--kind", "region"]);
    ok(&["unit", "add", "N1", "--kind", "team", "--parent", "North"]);
    ok(&["unit", "add", "N2", "--kind", "team", "--parent", "North"]);
    let people = write(
        "people.csv",
        "login,name,role,unit\nana,Ana Li,rep,North/N1\n",
    );
    let pw = dir.path().join("pw.csv");
    ok(&[
        "import",
        "people",
        &people,
        "--passwords",
        pw.to_str().unwrap(),
    ]);
    let customers = write(
        "customers.csv",
        "external_id,name,owner\nC1,Alpha Ltd,ana\n",
    );
    ok(&["import", "customers", &customers]);
    let orders = write(
        "orders.csv",
        "number,order_date,customer_external_id,owner,amount,currency\n\
         O1,2026-01-20,C1,ana,100.00,CNY\n\
         O2,2026-02-10,C1,ana,30.00,CNY\n\
         O3,2026-03-05,C1,ana,7.00,CNY\n",
    );
    ok(&["import", "orders", &orders]);
    let revenue = |unit: &str| -> String {
        let out = ok(&[
            "kpi",
            "revenue",
            "--period",
            "2026-Q1",
            "--scope",
            &format!("unit:{unit}"),
            "--format",
            "json",
        ]);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        v[0]["value"].as_str().unwrap_or_default().to_owned()
    };
    assert_eq!(
        (revenue("N1"), revenue("N2")),
        ("137".to_owned(), "0".to_owned())
    );

    // A move dated in the future, or to a unit that does not exist, is refused.
    let err = fails(&[
        "user",
        "move",
        "ana",
        "--unit",
        "North/N2",
        "--from",
        "2999-01-01",
    ]);
    assert!(err.contains("in the future"), "{err}");
    let err = fails(&["user", "move", "ana", "--unit", "North/N9"]);
    assert!(err.contains("--unit") && err.contains("North/N9"), "{err}");

    let out = ok(&[
        "user",
        "move",
        "ana",
        "--unit",
        "North/N2",
        "--from",
        "2026-02-10",
    ]);
    assert!(
        out.contains("ana is in Huadong / North / N2 from 2026-02-10"),
        "{out}"
    );
    assert!(out.contains("unit_credit is current"), "{out}");
    // Today's unit: all of her quarter counts for N2.
    assert_eq!(
        (revenue("N1"), revenue("N2"), revenue("North")),
        ("0".to_owned(), "137".to_owned(), "137".to_owned())
    );
    ok(&["settings", "set", "unit_credit=transaction_date"]);
    // Her unit on each order's date: January in N1, from February 10 in N2.
    assert_eq!(
        (revenue("N1"), revenue("N2"), revenue("North")),
        ("100".to_owned(), "37".to_owned(), "137".to_owned())
    );
    let by_month = ok(&[
        "kpi",
        "revenue",
        "--period",
        "2026-Q1",
        "--scope",
        "unit:North",
        "--by",
        "unit,month",
        "--format",
        "csv",
    ]);
    assert!(
        by_month
            .lines()
            .any(|l| l.contains("N1") && l.contains("2026-01") && l.ends_with(",100")),
        "{by_month}"
    );
    assert!(
        by_month
            .lines()
            .any(|l| l.contains("N2") && l.contains("2026-02") && l.ends_with(",30")),
        "{by_month}"
    );
    assert!(
        !by_month
            .lines()
            .any(|l| l.contains("N1") && l.contains("2026-02") && l.ends_with(",30")),
        "{by_month}"
    );

    // Back to N1 from March 1 by a people file.
    let back = write(
        "back.csv",
        "login,name,role,unit,unit_from\nana,Ana Li,rep,North/N1,2026-03-01\n",
    );
    let out = ok(&["import", "people", &back]);
    assert!(out.contains("1 updated"), "{out}");
    assert_eq!(
        (revenue("N1"), revenue("N2")),
        ("107".to_owned(), "30".to_owned())
    );
    let history = ok(&["user", "history", "ana"]);
    let lines: Vec<&str> = history.lines().collect();
    assert_eq!(lines.len(), 4, "{history}");
    assert!(
        lines[1].starts_with("(always)     2026-02-09") && lines[1].ends_with("N1"),
        "{history}"
    );
    assert!(
        lines[2].starts_with("2026-02-10   2026-02-28") && lines[2].ends_with("N2"),
        "{history}"
    );
    assert!(
        lines[3].starts_with("2026-03-01   (today)") && lines[3].ends_with("N1"),
        "{history}"
    );
    // A move dated before her last one is refused, naming it.
    let err = fails(&[
        "user",
        "move",
        "ana",
        "--unit",
        "North/N2",
        "--from",
        "2026-02-20",
    ]);
    assert!(err.contains("before the last one (2026-03-01)"), "{err}");
    let err = fails(&["settings", "set", "unit_credit=sometimes"]);
    assert!(
        err.contains("unit_credit: 'sometimes' is not current"),
        "{err}"
    );
    // A whole history, as an export writes it, replaces hers; a wrong one is refused by row.
    let bad = write(
        "bad.csv",
        "login,name,role,unit,unit_history\nana,Ana Li,rep,North/N1,North/N9 until 2026-01-31\n",
    );
    let err = fails(&["import", "people", &bad]);
    assert!(
        err.contains("bad.csv:2:unit_history: 'North/N9 until 2026-01-31'"),
        "{err}"
    );
    let bad = write(
        "bad2.csv",
        "login,name,role,unit,unit_history,unit_from\nana,Ana Li,rep,North/N1,North/N2 until 2026-01-31,2026-02-01\n",
    );
    let err = fails(&["import", "people", &bad]);
    assert!(err.contains("not both"), "{err}");
    let whole = write(
        "whole.csv",
        "login,name,role,unit,unit_history\nana,Ana Li,rep,North/N1,North/N2 until 2026-01-31\n",
    );
    ok(&["import", "people", &whole]);
    assert_eq!(
        (revenue("N1"), revenue("N2")),
        ("37".to_owned(), "100".to_owned())
    );
    let history = ok(&["user", "history", "ana"]);
    assert_eq!(history.lines().count(), 3, "{history}");
    let exported = dir.path().join("out");
    ok(&["export", exported.to_str().unwrap()]);
    let people = std::fs::read_to_string(exported.join("people.csv")).unwrap();
    assert!(
        people.contains(",Huadong/North/N2 until 2026-01-31"),
        "{people}"
    );
    // Back as it was for what follows.
    ok(&[
        "import",
        "people",
        &write(
            "again.csv",
            "login,name,role,unit,unit_history\nana,Ana Li,rep,North/N1,North/N1 until 2026-02-09; North/N2 until 2026-02-28\n",
        ),
    ]);
    assert_eq!(
        (revenue("N1"), revenue("N2")),
        ("107".to_owned(), "30".to_owned())
    );
    // N2 has nobody today but keeps her February: it cannot be removed.
    let err = fails(&["unit", "remove", "North/N2"]);
    assert!(
        err.contains("was the unit of 1 people before they moved"),
        "{err}"
    );
    // The rollups kept on the way equal a rebuild.
    ok(&["rollup", "rebuild"]);
    assert_eq!(
        (revenue("N1"), revenue("N2")),
        ("107".to_owned(), "30".to_owned())
    );
}
