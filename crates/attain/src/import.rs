//! `attain import ENTITY FILE`: an export file of another CRM in, all rows
//! or none, with a progress bar (rows/s) on a terminal.
// Rows per second are shown, not stored: floats are fine here.
#![allow(clippy::float_arithmetic, clippy::cast_precision_loss)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use attain_import::{Entity, ImportOptions, ImportStep, Mapping, Preset};
use attain_store::{Actor, Store};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

/// What a file holds: records of an entity, or the company's people.
#[derive(Debug, Clone, Copy)]
pub enum What {
    /// Records of another CRM.
    Records(Entity),
    /// People: login, name, email, role, unit (and manager, dates, active).
    People,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    #[arg(value_parser = parse_entity, help = entity_help())]
    entity: What,
    /// A CSV file (any delimiter; UTF-8 with or without BOM, GBK/GB18030, or the encoding a mapping names) or an XLSX workbook.
    file: PathBuf,
    /// The CRM that wrote the file: zoho, salesforce, fxiaoke, hubspot or generic.
    #[arg(long, default_value = "generic", value_parser = parse_preset)]
    preset: Preset,
    /// A TOML file naming columns, stages, the date layout, the decimal mark, the encoding or the currency (see the README).
    #[arg(long, value_name = "MAP.toml")]
    mapping: Option<PathBuf>,
    /// Check the file and report, without writing anything.
    #[arg(long)]
    dry_run: bool,
    /// Add owners the file names but Attain does not know, as reps in an 'Imported' unit.
    #[arg(long)]
    create_missing_owners: bool,
    /// people: create the units the file names that do not exist, from their paths (North/N1).
    #[arg(long)]
    create_units: bool,
    /// people: the file (new, readable by you only) the new people's one-time passwords are written to.
    #[arg(long, value_name = "FILE")]
    passwords: Option<PathBuf>,
}

/// What `ENTITY` may be, from the list of what Attain imports, so the help
/// never leaves one out.
fn entity_help() -> String {
    let names: Vec<&str> = Entity::ALL
        .iter()
        .map(|e| match e {
            Entity::Orders => "orders (one row per line)",
            other => other.key(),
        })
        .collect();
    format!(
        "What the file holds: people (login, name, email, role, unit; optional manager, start_date, end_date, active), {}",
        names.join(", ")
    )
}

fn parse_entity(text: &str) -> Result<What, String> {
    match text.trim().to_lowercase().as_str() {
        "people" | "users" | "staff" | "employees" => Ok(What::People),
        _ => text
            .parse()
            .map(What::Records)
            .map_err(|e: String| format!("{e}, or people")),
    }
}

fn parse_preset(text: &str) -> Result<Preset, String> {
    text.parse()
}

/// What a report says beyond its counts, one line each: the records it
/// creates (or in a dry run would), the defaults it used, the columns no
/// field read.
fn print_details(report: &attain_import::ImportReport) {
    for created in &report.created {
        let mut names = created.first.join(", ");
        if created.more() > 0 {
            names.push_str(&format!(" and {} more", created.more()));
        }
        let verb = if report.dry_run {
            "to be created"
        } else {
            "created"
        };
        println!("{} {} {verb}: {names}", created.count, created.kind.key());
    }
    for default in &report.defaults {
        println!("default: {default}");
    }
    let (filled, empty): (Vec<_>, Vec<_>) =
        report.unused_columns.iter().partition(|c| c.values > 0);
    if !filled.is_empty() {
        let columns: Vec<String> = filled
            .iter()
            .map(|c| format!("{c} ({} rows with a value)", c.values))
            .collect();
        println!("columns not imported: {}", columns.join(", "));
    }
    if !empty.is_empty() {
        let columns: Vec<String> = empty.iter().map(ToString::to_string).collect();
        println!("empty columns not imported: {}", columns.join(", "));
    }
}

/// Runs the import and prints what it did; problems go to stderr, one per line.
pub async fn run(store: &Store, args: ImportArgs) -> anyhow::Result<()> {
    let bytes =
        std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let name = args.file.display().to_string();
    let mapping = match &args.mapping {
        None => Mapping::default(),
        Some(path) => {
            use std::io::Read;
            let limit = attain_import::MAX_MAPPING_BYTES;
            // Read one byte past the limit: a huge file is refused unread.
            let mut bytes = Vec::new();
            std::fs::File::open(path)
                .and_then(|f| {
                    f.take(u64::try_from(limit + 1).unwrap_or(u64::MAX))
                        .read_to_end(&mut bytes)
                })
                .with_context(|| format!("reading {}", path.display()))?;
            if bytes.len() > limit {
                anyhow::bail!(
                    "{}: a mapping file is at most {limit} bytes; this one is larger",
                    path.display()
                );
            }
            let text = String::from_utf8(bytes)
                .with_context(|| format!("reading {}: not UTF-8 text", path.display()))?;
            Mapping::parse(&path.display().to_string(), &text)
                .map_err(|p| anyhow::anyhow!("{p}"))?
        }
    };
    let entity = match args.entity {
        What::People => return people(store, &args, &name, &bytes, mapping).await,
        What::Records(entity) => entity,
    };
    let options = ImportOptions {
        preset: args.preset,
        mapping,
        dry_run: args.dry_run,
        create_missing_owners: args.create_missing_owners,
        actor: Some(Actor::named("attain import")),
        audit_each_record: false,
        clock: attain_core::Clock::system().in_zone(store.settings().await?.time_zone),
    };
    let bar = ProgressBar::new_spinner();
    bar.enable_steady_tick(Duration::from_millis(200));
    bar.set_message(format!("reading {name}"));
    let started = Instant::now();
    let on_step = |step: ImportStep| match step {
        ImportStep::Checking { rows } => bar.set_message(format!("checking {rows} rows")),
        ImportStep::Writing { records } => {
            tracing::debug!(
                records,
                "the file passed every check; writing it in one transaction"
            );
            bar.set_length(records);
            bar.set_position(0);
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} writing {bar:40} {human_pos}/{human_len} rows, {per_sec}, {eta} left",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
        }
        ImportStep::Wrote(n) => {
            bar.inc(n);
            store.checkpoint("import:rows-written");
        }
    };
    let result = attain_import::import(store, entity, &name, &bytes, &options, &on_step).await;
    bar.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    match result {
        Ok(report) => {
            for note in &report.notes {
                eprintln!("note: {note}");
            }
            let what = entity.key();
            if report.dry_run {
                println!(
                    "{name}: {} rows ({} {what}) are valid; nothing was written (dry run)",
                    report.rows, report.records
                );
                if !report.owners_created.is_empty() {
                    println!("owners to be created: {}", report.owners_created.join(", "));
                }
            } else {
                let c = report.counts;
                let mut line = format!(
                    "{name}: {} rows imported in {seconds:.1} s ({:.0} rows/s): {} {what} created, {} updated or unchanged",
                    report.rows,
                    report.rows as f64 / seconds.max(1e-9),
                    c.created,
                    c.updated
                );
                if c.lines > 0 {
                    line.push_str(&format!(", {} lines", c.lines));
                }
                if c.customers_created > 0 {
                    line.push_str(&format!(", {} customers created", c.customers_created));
                }
                println!("{line}");
                if !report.owners_created.is_empty() {
                    println!(
                        "owners created in the 'Imported' unit: {}",
                        report.owners_created.join(", ")
                    );
                }
            }
            print_details(&report);
            Ok(())
        }
        Err(attain_app::AppError::Import(problems)) => {
            for problem in &problems {
                eprintln!("{problem}");
            }
            anyhow::bail!(
                "{} problem(s) in {name}; nothing was imported",
                problems.len()
            )
        }
        Err(other) => Err(other.into()),
    }
}

/// Prints the problems of a refused file and the line that ends the command.
fn refused(name: &str, problems: &[attain_core::ImportProblem]) -> anyhow::Error {
    for problem in problems {
        eprintln!("{problem}");
    }
    anyhow::anyhow!(
        "{} problem(s) in {name}; nothing was imported",
        problems.len()
    )
}

/// `attain import people FILE`: the people file, checked whole, then
/// written; new people's one-time passwords go to `--passwords`, never to
/// the terminal's scrollback or a log.
async fn people(
    store: &Store,
    args: &ImportArgs,
    name: &str,
    bytes: &[u8],
    mapping: Mapping,
) -> anyhow::Result<()> {
    use attain_import::people::{PeopleOptions, import_people};
    let clock = attain_core::Clock::system().in_zone(store.settings().await?.time_zone);
    let check = PeopleOptions {
        create_units: args.create_units,
        dry_run: true,
        mapping,
        clock,
        max_new: None,
    };
    let dry = match import_people(store, attain_app::goals::By::Cli, name, bytes, &check).await {
        Ok(report) => report,
        Err(attain_app::AppError::Import(problems)) => return Err(refused(name, &problems)),
        Err(other) => return Err(other.into()),
    };
    for note in &dry.notes {
        eprintln!("note: {note}");
    }
    let print_common = |report: &attain_import::people::PeopleReport| {
        if !report.units_created.is_empty() {
            let verb = if report.dry_run {
                "to be created"
            } else {
                "created"
            };
            println!(
                "{} units {verb}: {}",
                report.units_created.len(),
                report.units_created.join(", ")
            );
        }
        if report.left_by_end_date > 0 {
            println!(
                "{} people have no 'active' value and an end date before today: they are deactivated (their history stays)",
                report.left_by_end_date
            );
        }
        let columns: Vec<String> = report
            .unused_columns
            .iter()
            .filter(|c| c.values > 0)
            .map(|c| format!("{c} ({} rows with a value)", c.values))
            .collect();
        if !columns.is_empty() {
            println!("columns not imported: {}", columns.join(", "));
        }
    };
    if args.dry_run {
        println!(
            "{name}: {} rows are valid: {} people to be added, {} to be updated or left as they are, {} to be deactivated; nothing was written (dry run)",
            dry.rows, dry.created, dry.updated, dry.deactivated
        );
        print_common(&dry);
        return Ok(());
    }
    // The passwords file is opened before anything is written, so a path
    // that cannot be written stops the import instead of losing passwords.
    let mut out = match (&args.passwords, dry.created) {
        (_, 0) => None,
        (None, n) => anyhow::bail!(
            "{name} adds {n} people: give --passwords FILE, a new file their one-time passwords are written to (readable by you only)"
        ),
        (Some(path), _) => {
            let mut open = std::fs::OpenOptions::new();
            open.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut open, 0o600);
            Some((
                path.clone(),
                open.open(path).with_context(|| {
                    format!(
                        "--passwords {}: cannot create it (it must not exist yet)",
                        path.display()
                    )
                })?,
            ))
        }
    };
    let options = PeopleOptions {
        dry_run: false,
        ..check
    };
    let report = match import_people(store, attain_app::goals::By::Cli, name, bytes, &options).await
    {
        Ok(report) => report,
        Err(attain_app::AppError::Import(problems)) => return Err(refused(name, &problems)),
        Err(other) => return Err(other.into()),
    };
    if let Some((path, file)) = out.as_mut() {
        use std::io::Write;
        let mut text = String::from("login,one_time_password\n");
        for (login, password) in &report.one_time_passwords {
            text.push_str(&format!("{login},{password}\n"));
        }
        file.write_all(text.as_bytes())
            .and_then(|()| file.sync_all())
            .with_context(|| {
                format!(
                    "writing {}: reset their passwords with `attain user passwd`",
                    path.display()
                )
            })?;
    }
    println!(
        "{name}: {} people added, {} updated, {} unchanged, {} deactivated",
        report.created, report.updated, report.unchanged, report.deactivated
    );
    print_common(&report);
    if let Some((path, _)) = &out {
        println!(
            "one-time passwords of the {} new people: {} (hand them over, then delete the file; each is changed at first sign-in)",
            report.one_time_passwords.len(),
            path.display()
        );
    }
    Ok(())
}
