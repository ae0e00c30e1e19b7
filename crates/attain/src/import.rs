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

#[derive(Debug, Args)]
pub struct ImportArgs {
    #[arg(value_parser = parse_entity, help = entity_help())]
    entity: Entity,
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
    let (last, rest) = names.split_last().unwrap_or((&"", &[]));
    format!("What the file holds: {} or {last}", rest.join(", "))
}

fn parse_entity(text: &str) -> Result<Entity, String> {
    text.parse()
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
    let result = attain_import::import(store, args.entity, &name, &bytes, &options, &on_step).await;
    bar.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    match result {
        Ok(report) => {
            for note in &report.notes {
                eprintln!("note: {note}");
            }
            let what = args.entity.key();
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
