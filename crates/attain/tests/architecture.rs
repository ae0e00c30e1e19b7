//! Keeps ARCHITECTURE.md true: the crate graph may only point the documented
//! way, and the boundary crates keep their monopolies (only attain-store knows
//! SQL, only attain-web knows HTTP, attain-core does no I/O).
#![allow(clippy::unwrap_used, missing_docs)]

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

/// (package, kind) → dependency names, for every workspace package.
fn dependency_graph() -> BTreeMap<(String, String), BTreeSet<String>> {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(root)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut graph = BTreeMap::new();
    for package in meta["packages"].as_array().unwrap() {
        let name = package["name"].as_str().unwrap().to_owned();
        for dep in package["dependencies"].as_array().unwrap() {
            let kind = dep["kind"].as_str().unwrap_or("normal").to_owned();
            graph
                .entry((name.clone(), kind))
                .or_insert_with(BTreeSet::new)
                .insert(dep["name"].as_str().unwrap().to_owned());
        }
    }
    graph
}

fn internal(deps: Option<&BTreeSet<String>>) -> BTreeSet<&str> {
    deps.into_iter()
        .flatten()
        .filter(|d| d.starts_with("attain"))
        .map(String::as_str)
        .collect()
}

#[test]
fn crates_depend_on_each_other_only_in_the_documented_direction() {
    let graph = dependency_graph();
    let allowed: &[(&str, &[&str])] = &[
        ("attain-core", &[]),
        ("attain-store", &["attain-core"]),
        ("attain-kpi", &["attain-core", "attain-store"]),
        ("attain-app", &["attain-core", "attain-store", "attain-kpi"]),
        (
            "attain-import",
            &["attain-core", "attain-store", "attain-app"],
        ),
        (
            "attain-demo",
            &["attain-core", "attain-store", "attain-kpi", "attain-app"],
        ),
        (
            "attain-web",
            &[
                "attain-core",
                "attain-store",
                "attain-kpi",
                "attain-app",
                "attain-import",
            ],
        ),
        ("attain-testkit", &["attain-core", "attain-store"]),
        (
            "attain",
            &[
                "attain-core",
                "attain-store",
                "attain-kpi",
                "attain-app",
                "attain-import",
                "attain-demo",
                "attain-web",
            ],
        ),
    ];
    let packages: BTreeSet<&str> = graph.keys().map(|(p, _)| p.as_str()).collect();
    for package in &packages {
        let rule = allowed.iter().find(|(name, _)| name == package);
        let (_, may_use) = rule.unwrap_or_else(|| {
            panic!("{package} is a new crate: add it to ARCHITECTURE.md and to this test")
        });
        let uses = internal(graph.get(&((*package).to_owned(), "normal".to_owned())));
        let may: BTreeSet<&str> = may_use.iter().copied().collect();
        assert!(
            uses.is_subset(&may),
            "{package} depends on {:?}; allowed: {may:?}",
            uses.difference(&may).collect::<Vec<_>>()
        );
    }
    // Test support never ships in production code.
    for ((package, kind), deps) in &graph {
        if kind != "dev" {
            assert!(
                !deps.contains("attain-testkit"),
                "{package} has attain-testkit as a {kind} dependency"
            );
        }
    }
}

#[test]
fn the_domain_crate_does_no_io() {
    let graph = dependency_graph();
    let core = graph
        .get(&("attain-core".to_owned(), "normal".to_owned()))
        .cloned()
        .unwrap_or_default();
    // chrono-tz compiles the IANA time zone database into the binary: it
    // reads no files.
    let pure: BTreeSet<String> = [
        "chrono",
        "chrono-tz",
        "iso_currency",
        "rust_decimal",
        "thiserror",
    ]
    .map(String::from)
    .into();
    assert!(
        core.is_subset(&pure),
        "attain-core gained {:?}: is it free of I/O?",
        core.difference(&pure).collect::<Vec<_>>()
    );
}

#[test]
fn only_the_store_knows_sql_and_only_the_web_crate_knows_http() {
    let graph = dependency_graph();
    for ((package, kind), deps) in &graph {
        if kind != "normal" {
            continue;
        }
        if deps.contains("sqlx") {
            assert_eq!(package, "attain-store", "{package} uses sqlx directly");
        }
        for http in ["axum", "askama", "tower-http"] {
            if deps.contains(http) {
                assert_eq!(package, "attain-web", "{package} uses {http} directly");
            }
        }
    }
}

/// Every `.rs` file under the crates' `src/` folders, with its path.
fn sources() -> Vec<(std::path::PathBuf, String)> {
    let root = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    let mut out = Vec::new();
    let mut dirs: Vec<std::path::PathBuf> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().path().join("src"))
        .filter(|p| p.is_dir())
        .collect();
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                out.push((path, text));
            }
        }
    }
    out
}

#[test]
fn business_dates_come_from_the_one_clock() {
    let sources = sources();
    assert!(sources.len() > 50, "the crates' sources were found");
    let mut offenders = Vec::new();
    for (path, text) in &sources {
        if path.ends_with("attain-core/src/clock.rs") {
            continue;
        }
        for (i, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            if code.contains("Local::now") || code.contains("now().date_naive()") {
                offenders.push(format!("{}:{}: {}", path.display(), i + 1, line.trim()));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "a business date read from the system clock instead of attain_core::Clock:\n{}",
        offenders.join("\n")
    );
}

/// The web crate is cut by capability (`account`, `admin`, `goals`,
/// `import`, `kpi`, `org`, `pay`, `sales`) over a shared `http` layer: no
/// capability reaches into another's module, and `http` into none; only
/// `lib.rs` puts them together.
#[test]
fn web_capabilities_use_only_the_shared_http_layer() {
    let src = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../attain-web/src"));
    let capabilities = [
        "account", "admin", "goals", "import", "kpi", "org", "pay", "sales",
    ];
    let mut modules: Vec<String> = std::fs::read_dir(src)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    modules.sort();
    let mut expected: Vec<String> = capabilities.iter().map(|c| (*c).to_owned()).collect();
    expected.push("http".into());
    expected.sort();
    assert_eq!(
        modules, expected,
        "a new folder in attain-web/src: add it to ARCHITECTURE.md and here"
    );
    let mut offenders = Vec::new();
    for module in &modules {
        for entry in std::fs::read_dir(src.join(module)).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            for other in capabilities.iter().filter(|c| **c != module.as_str()) {
                if text.contains(&format!("crate::{other}::")) {
                    offenders.push(format!("{} uses crate::{other}", path.display()));
                }
            }
        }
    }
    assert!(offenders.is_empty(), "{}", offenders.join("\n"));
    assert!(
        !src.join("pages.rs").exists() && !src.join("api.rs").exists(),
        "no flat catch-all modules"
    );
}

/// Writes with rules go through the use case that decides who may (see
/// ARCHITECTURE.md): the web crate calls none of the store's writes that
/// have one, nor the importer's entry points that do not ask who writes.
#[test]
fn the_web_crate_writes_through_the_use_cases_that_decide_who_may() {
    let guarded = [
        (".create_org_unit", "attain_app::units::create"),
        (".update_org_unit", "attain_app::units::update"),
        (".delete_org_unit", "attain_app::units::delete"),
        (".revoke_api_token", "attain_app::auth::revoke_api_token"),
        (".delete_record(", "attain_app::records::delete"),
        (".audit_log(", "attain_app::audit::read"),
        (".save_custom_metric(", "attain_app::metrics::define_metric"),
        (
            ".delete_custom_metric(",
            "attain_app::metrics::remove_metric",
        ),
        ("attain_import::import(", "attain_import::import_for"),
        (
            "attain_import::import_table(",
            "attain_import::import_table_for",
        ),
    ];
    let mut offenders = Vec::new();
    let mut read = 0;
    for (path, text) in sources() {
        if !path.to_string_lossy().contains("attain-web/src") {
            continue;
        }
        read += 1;
        for (i, line) in text.lines().enumerate() {
            for (call, instead) in guarded {
                if line.contains(call) {
                    offenders.push(format!(
                        "{}:{}: {} — use {instead}",
                        path.display(),
                        i + 1,
                        line.trim()
                    ));
                }
            }
        }
    }
    assert!(read > 20, "the web crate's sources were found ({read})");
    assert!(offenders.is_empty(), "{}", offenders.join("\n"));
}
