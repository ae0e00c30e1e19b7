//! `attain bench`: measured, repeatable timings of the jobs whose speed the
//! issues name, on this machine, against a real database.
// Timings and throughput are reported, not stored: floats are fine here.
#![allow(clippy::float_arithmetic, clippy::cast_precision_loss)]

use std::time::Instant;

use anyhow::Context;
use attain_core::sales::Product;
use attain_core::{Currency, Login, Money, OrgUnitKind, ProductId, Role};
use attain_store::{Actor, DatabaseConfig, NewOrgUnit, NewUser, SalesBatch, Store};

/// Reps owning the generated orders.
const REPS: usize = 50;
/// Products the lines refer to.
const PRODUCTS: i64 = 30;
/// Lines per order.
const LINES_PER_ORDER: usize = 4;

/// Writes a CSV of `rows` order lines in the generic layout to `out`.
fn orders_csv(rows: usize, out: &mut impl std::io::Write) -> std::io::Result<()> {
    out.write_all(b"Order Number,Order Date,Customer,Owner,Product,Quantity,Unit Price,Amount\n")?;
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        // SplitMix64: a fixed, dependency-free stream so every run writes the same file.
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    for row in 0..rows {
        let order = row / LINES_PER_ORDER;
        let r = next();
        let day = 1 + (order * 7 % 1095);
        let date = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap_or_default()
            + chrono::Days::new(day as u64);
        let customer = order % 20_000;
        let owner = customer % REPS;
        let product = (r % PRODUCTS as u64) + 1;
        let quantity = 1 + (r >> 8) % 20;
        let unit = 100 + (r >> 16) % 50_000;
        writeln!(
            out,
            "SO{order:08},{date},Customer {customer},rep{owner}@bench.example,P-{product:03},{quantity},{unit}.00,{}.00",
            unit * quantity
        )?;
    }
    out.flush()
}

async fn prepare(store: &Store) -> anyhow::Result<()> {
    let company = store
        .create_org_unit(&NewOrgUnit {
            parent: None,
            name: "Bench".into(),
            kind: OrgUnitKind::Company,
            external_id: None,
        })
        .await?;
    let hash = attain_app::auth::hash_password("bench-password-1").await?;
    for i in 0..REPS {
        let user = NewUser {
            login: Login::new(&format!("rep{i}"))?,
            display_name: format!("Rep {i}"),
            email: Some(format!("rep{i}@bench.example")),
            unit: company,
            role: Role::Rep,
            external_id: None,
        };
        store
            .create_user_audited(&Actor::named("bench"), &user, &hash, false)
            .await?;
    }
    let cny = |minor| Money::from_minor_units(minor, Currency::CNY);
    let products = (1..=PRODUCTS)
        .map(|i| Product {
            id: ProductId::from_raw(i),
            sku: format!("P-{i:03}"),
            name: format!("Product {i}"),
            category: "Bench".into(),
            list_price: cny(100_00),
            unit_cost: cny(40_00),
            active: true,
            external_id: None,
        })
        .collect();
    store
        .insert_sales_batch(&SalesBatch {
            products,
            ..SalesBatch::default()
        })
        .await?;
    store.sync_id_sequences().await?;
    Ok(())
}

/// Imports `rows` generated order lines into a fresh database and reports
/// the time. SQLite unless `config` names another database (which must be empty).
pub async fn import_orders(rows: usize, config: Option<DatabaseConfig>) -> anyhow::Result<()> {
    let dir = tempfile_dir()?;
    let config = config.unwrap_or_else(|| DatabaseConfig::sqlite_file(dir.join("bench.db")));
    let store = Store::open(&config)
        .await
        .with_context(|| format!("opening {}", config.describe()))?;
    anyhow::ensure!(
        store.org_units().await?.is_empty(),
        "{} is not empty; the benchmark needs an empty database",
        config.describe()
    );
    prepare(&store).await?;
    let path = dir.join("orders.csv");
    let file =
        std::fs::File::create(&path).with_context(|| format!("writing {}", path.display()))?;
    orders_csv(rows, &mut std::io::BufWriter::new(file))
        .with_context(|| format!("writing {}", path.display()))?;
    let size = std::fs::metadata(&path)?.len();
    println!(
        "{}: {rows} order lines ({} orders, {:.1} MB CSV) into {}",
        path.display(),
        rows / LINES_PER_ORDER,
        size as f64 / 1e6,
        config.describe()
    );
    let started = Instant::now();
    let bytes = std::fs::read(&path)?;
    let checked = std::sync::Mutex::new(None);
    let on_step = |step: attain_import::ImportStep| {
        if let attain_import::ImportStep::Writing { .. } = step
            && let Ok(mut at) = checked.lock()
        {
            *at = Some((started.elapsed().as_secs_f64(), peak_memory_mb()));
        }
    };
    let report = attain_import::import(
        &store,
        attain_import::Entity::Orders,
        "orders.csv",
        &bytes,
        &attain_import::ImportOptions::default(),
        &on_step,
    )
    .await
    .map_err(|e| match e {
        attain_app::AppError::Import(problems) => {
            let first: Vec<String> = problems.iter().take(3).map(ToString::to_string).collect();
            anyhow::anyhow!("the import refused the file: {}", first.join("; "))
        }
        other => other.into(),
    })?;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "imported {} lines into {} orders ({} customers created) in {seconds:.2} s: {:.0} lines/s",
        report.counts.lines,
        report.counts.created,
        report.counts.customers_created,
        report.counts.lines as f64 / seconds
    );
    let checked = checked.lock().ok().and_then(|c| *c);
    if let Some((at, _)) = checked {
        println!(
            "  read and checked in {at:.2} s, written in {:.2} s",
            seconds - at
        );
    }
    if let Some(mb) = peak_memory_mb() {
        let before = checked.and_then(|(_, mb)| mb).map_or(String::new(), |m| {
            format!(" ({m:.0} MB by the end of checking)")
        });
        println!("  peak memory of this process: {mb:.0} MB{before}");
    }
    store.close().await;
    // The anchors: the database's own CSV load of the same file into a
    // plain table, on the same machine in the same run.
    match anchor_sqlite3(&path, &dir.join("anchor.db")) {
        Ok(anchor) => println!(
            "sqlite3 .import of the same file into a plain table: {anchor:.2} s; Attain took {:.1}x as long",
            seconds / anchor.max(1e-9)
        ),
        Err(e) => println!("sqlite3 .import not measured: {e}"),
    }
    if let DatabaseConfig::Postgres { url } = &config {
        match anchor_psql(&path, url) {
            Ok(anchor) => println!(
                "psql \\copy of the same file into a plain table: {anchor:.2} s; Attain took {:.1}x as long",
                seconds / anchor.max(1e-9)
            ),
            Err(e) => println!("psql \\copy not measured: {e}"),
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// The most resident memory this process has held (Linux), in MB.
fn peak_memory_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Seconds `sqlite3` takes to `.import` `csv` into a new table of `db`.
fn anchor_sqlite3(csv: &std::path::Path, db: &std::path::Path) -> anyhow::Result<f64> {
    let started = Instant::now();
    let out = std::process::Command::new("sqlite3")
        .arg(db)
        .arg(".mode csv")
        .arg(format!(".import '{}' plain", csv.display()))
        .output()
        .context("running sqlite3 (apt-get install sqlite3)")?;
    let seconds = started.elapsed().as_secs_f64();
    anyhow::ensure!(
        out.status.success() && out.stderr.is_empty(),
        "sqlite3 failed: {}",
        String::from_utf8_lossy(&out.stderr).trim()
    );
    Ok(seconds)
}

/// Seconds `psql` takes to `\\copy` `csv` into a new plain table of the
/// database at `url` (dropped afterwards).
fn anchor_psql(csv: &std::path::Path, url: &str) -> anyhow::Result<f64> {
    // psql takes the URL on its command line (libpq reads a URL from no
    // environment variable): a benchmark URL should carry no password;
    // psql reads one from PGPASSWORD or ~/.pgpass.
    let psql = |command: &str| {
        std::process::Command::new("psql")
            .args([url, "-v", "ON_ERROR_STOP=1", "-q", "-c", command])
            .output()
            .context("running psql (apt-get install postgresql-client)")
    };
    let columns = "number text, order_date text, customer text, owner text, product text, quantity text, unit_price text, amount text";
    let create = psql(&format!("CREATE TABLE attain_bench_plain ({columns})"))?;
    anyhow::ensure!(
        create.status.success(),
        "psql failed: {}",
        String::from_utf8_lossy(&create.stderr).trim()
    );
    let started = Instant::now();
    let copy = psql(&format!(
        "\\copy attain_bench_plain FROM '{}' WITH (FORMAT csv, HEADER true)",
        csv.display()
    ))?;
    let seconds = started.elapsed().as_secs_f64();
    let _ = psql("DROP TABLE attain_bench_plain");
    anyhow::ensure!(
        copy.status.success(),
        "psql failed: {}",
        String::from_utf8_lossy(&copy.stderr).trim()
    );
    Ok(seconds)
}

fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("attain-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir)
}

/// The KPI benchmark on an existing database (the large demo): (a) revenue
/// of every rep for one quarter, (b) monthly revenue by region for three
/// years, (c) win rate by team for a year. Each runs five times; the
/// fastest and the median are printed.
pub async fn kpi(store: &Store) -> anyhow::Result<()> {
    use attain_kpi::{Dim, Engine, KpiQuery, Scope};
    let engine = Engine::new(store).await?;
    let calendar = engine.calendar();
    let last = store
        .latest_rollup_day()
        .await?
        .context("the rollups are empty: build a demo or import data first")?;
    let quarter = calendar
        .period_containing(last, attain_core::Granularity::Quarter)?
        .previous()?;
    let year = calendar
        .period_containing(last, attain_core::Granularity::Year)?
        .previous()?;
    let three_years = calendar.period(attain_core::PeriodKey::Range(
        year.start()
            .checked_sub_months(chrono::Months::new(24))
            .unwrap_or(year.start()),
        year.end(),
    ))?;
    let cases = [
        (
            "(a) revenue of every rep, one quarter",
            KpiQuery {
                metric: "revenue".into(),
                formula: None,
                period: quarter,
                scope: Scope::Company,
                by: vec![Dim::Rep],
                target: None,
            },
        ),
        (
            "(b) monthly revenue by region, three years",
            KpiQuery {
                metric: "revenue".into(),
                formula: None,
                period: three_years,
                scope: Scope::Company,
                by: vec![Dim::Region, Dim::Month],
                target: None,
            },
        ),
        (
            "(c) win rate by team, one year",
            KpiQuery {
                metric: "win_rate".into(),
                formula: None,
                period: year,
                scope: Scope::Company,
                by: vec![Dim::Team],
                target: None,
            },
        ),
    ];
    println!("KPI benchmark on {} (5 runs each)", store.describe());
    for (name, query) in cases {
        let mut times = Vec::new();
        let mut rows = 0;
        for _ in 0..5 {
            let started = Instant::now();
            let answer = engine.answer(&query).await?;
            times.push(started.elapsed().as_secs_f64() * 1000.0);
            rows = answer.rows.len();
        }
        times.sort_by(f64::total_cmp);
        println!(
            "{name} [{}]: {rows} rows, fastest {:.1} ms, median {:.1} ms",
            query.period, times[0], times[2]
        );
    }
    Ok(())
}
