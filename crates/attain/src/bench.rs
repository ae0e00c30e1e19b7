//! `attain bench`: measured, repeatable timings of the jobs whose speed the
//! issues name, on this machine, against a real database.
// Timings and throughput are reported, not stored: floats are fine here.
#![allow(clippy::float_arithmetic, clippy::cast_precision_loss)]

use std::fmt::Write as _;
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

/// Writes a CSV of `rows` order lines in the generic layout.
fn orders_csv(rows: usize) -> String {
    let mut out = String::with_capacity(rows * 90);
    out.push_str("Order Number,Order Date,Customer,Owner,Product,Quantity,Unit Price,Amount\n");
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
        let _ = writeln!(
            out,
            "SO{order:08},{date},Customer {customer},rep{owner}@bench.example,P-{product:03},{quantity},{unit}.00,{}.00",
            unit * quantity
        );
    }
    out
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
    let csv = orders_csv(rows);
    let path = dir.join("orders.csv");
    std::fs::write(&path, &csv).with_context(|| format!("writing {}", path.display()))?;
    println!(
        "{}: {rows} order lines ({} orders, {:.1} MB CSV) into {}",
        path.display(),
        rows / LINES_PER_ORDER,
        csv.len() as f64 / 1e6,
        config.describe()
    );
    let started = Instant::now();
    let bytes = std::fs::read(&path)?;
    let checked = std::sync::Mutex::new(None);
    let on_step = |step: attain_app::import::ImportStep| {
        if let attain_app::import::ImportStep::Writing { .. } = step
            && let Ok(mut at) = checked.lock()
        {
            *at = Some(started.elapsed().as_secs_f64());
        }
    };
    let report = attain_app::import::import(
        &store,
        attain_app::import::Entity::Orders,
        "orders.csv",
        &bytes,
        &attain_app::import::ImportOptions::default(),
        &on_step,
    )
    .await?;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "imported {} lines into {} orders ({} customers created) in {seconds:.2} s: {:.0} lines/s",
        report.counts.lines,
        report.counts.created,
        report.counts.customers_created,
        report.counts.lines as f64 / seconds
    );
    if let Ok(Some(at)) = checked.lock().map(|c| *c) {
        println!(
            "  read and checked in {at:.2} s, written in {:.2} s",
            seconds - at
        );
    }
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("attain-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir)
}
