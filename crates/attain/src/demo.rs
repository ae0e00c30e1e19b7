//! `attain demo`: a fresh database holding the demo company that
//! `attain_demo` simulates, so the main job shows a living instance.

use anyhow::{Context, bail};
use attain_app::auth;
use attain_core::Role;
use attain_demo::DemoOptions;
use attain_store::{DatabaseConfig, Store};

/// Creates a fresh demo database at `config` and returns the open store with
/// the password every demo account shares (random for each build: even a
/// demo has no well-known password).
///
/// A SQLite file is replaced; a PostgreSQL database must be empty, since
/// wiping a server database is not something a demo command should do.
pub async fn build(
    config: &DatabaseConfig,
    options: DemoOptions,
) -> anyhow::Result<(Store, String)> {
    if let DatabaseConfig::Sqlite { path } = config {
        for suffix in ["", "-wal", "-shm"] {
            let mut file = path.as_os_str().to_owned();
            file.push(suffix);
            match std::fs::remove_file(&file) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(e).with_context(|| {
                        format!("removing the old demo file {}", file.to_string_lossy())
                    });
                }
            }
        }
    }
    let store = Store::open(config)
        .await
        .with_context(|| format!("opening {}", config.describe()))?;
    if !store.org_units().await?.is_empty() {
        bail!(
            "{} already holds an organisation; the demo needs an empty database",
            config.describe()
        );
    }
    let password = attain_app::secrets::new_password()?;
    let hash = auth::hash_password(&password).await?;
    let started = std::time::Instant::now();
    let summary = attain_demo::build(&store, options, &hash, |done, total| {
        eprint!("\rbuilding the demo company: {done}/{total} reps");
    })
    .await
    .context("writing the demo company")?;
    eprintln!();
    println!(
        "Demo company as of {}: {} reps in {} org units, {} customers, {} deals, {} orders with {} lines, {} payments, {} activities, {} tickets ({:.1} s)",
        options.as_of,
        summary.reps,
        summary.units,
        summary.customers,
        summary.deals,
        summary.orders,
        summary.order_lines,
        summary.payments,
        summary.activities,
        summary.tickets,
        started.elapsed().as_secs_f64()
    );
    Ok((store, password))
}

/// Prints the demo sign-ins: one per role, and a team's manager with a rep.
pub async fn print_logins(store: &Store, password: &str) -> anyhow::Result<()> {
    let users = store.users().await?;
    let first = |role: Role| users.iter().find(|u| u.role == role);
    let team_manager = users.iter().filter(|u| u.role == Role::Manager).nth(2);
    let rep = first(Role::Rep);
    println!("Demo sign-ins (password for all: {password}):");
    let mut shown = vec![
        first(Role::Admin),
        first(Role::SalesOps),
        first(Role::Manager),
        team_manager,
        rep,
    ];
    shown.dedup_by_key(|u| u.map(|u| u.id));
    for user in shown.into_iter().flatten() {
        println!(
            "  {:<18} {} ({})",
            user.login.as_str(),
            user.display_name,
            user.role
        );
    }
    Ok(())
}
