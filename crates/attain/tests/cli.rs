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
            "error: a command is required: serve, migrate or demo (see attain --help)",
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
    for command in ["serve", "migrate", "demo", "--database-url", "--db"] {
        assert!(text.contains(command), "help lacks {command}");
    }
    let out = run(&["--version"], dir.path());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("attain {}", env!("CARGO_PKG_VERSION"))
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
    assert!(String::from_utf8_lossy(&first.stdout).contains("1 migration(s) applied"));
    let second = run(&["migrate"], dir.path());
    assert!(String::from_utf8_lossy(&second.stdout).contains("0 migration(s) applied"));
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

#[test]
fn demo_no_serve_builds_an_organisation_and_rebuilds_it_fresh() {
    let dir = tempfile::tempdir().unwrap();
    for _ in 0..2 {
        let out = run(&["demo", "--no-serve"], dir.path());
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (units, users) = rt.block_on(async {
        let store = attain_store::Store::open(&attain_store::DatabaseConfig::sqlite_file(
            dir.path().join("attain-demo.db"),
        ))
        .await
        .unwrap();
        let tree = store.org_tree().await.unwrap();
        (tree.unit_count(), tree.member_count())
    });
    assert_eq!(units, 1 + 4 + 9, "company, 4 regions, 9 teams");
    assert_eq!(
        users,
        3 + 4 + 9 * 7,
        "admin, ops, head of sales, region and team managers, reps"
    );
}

#[test]
fn demo_on_postgres_builds_in_an_empty_database_and_refuses_a_used_one() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let Some(pg) = rt.block_on(attain_testkit::postgres_store()) else {
        eprintln!("skipped: {} is not set", attain_testkit::POSTGRES_URL_VAR);
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let first = run(
        &["--database-url", &pg.url, "demo", "--no-serve"],
        dir.path(),
    );
    let second = run(
        &["--database-url", &pg.url, "demo", "--no-serve"],
        dir.path(),
    );
    let units = rt.block_on(async { pg.store.org_units().await.unwrap().len() });
    rt.block_on(pg.cleanup());
    assert_eq!(
        first.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert_eq!(units, 14);
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
    let mut first_line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first_line)
        .unwrap();
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
    let (status, body) = http_get(&addr, "/");
    assert_eq!(status, 200);
    assert!(body.contains("SQLite"));

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
