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
    /// A folder of files named by what they hold, in one transaction.
    All,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    #[arg(value_parser = parse_entity, help = entity_help())]
    entity: What,
    /// A CSV file (any delimiter; UTF-8 with or without BOM, GBK/GB18030, or the encoding a mapping names) or an XLSX workbook; for `all`, a folder of them.
    file: PathBuf,
    /// all: the folder of mapping files, one per data file of the same name (deals.toml for deals.csv); mapping files in the data folder itself are read too.
    #[arg(long, value_name = "DIR")]
    mapping_dir: Option<PathBuf>,
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
    /// people and all: create the units the people file names that do not exist, from their paths (North/N1).
    #[arg(long)]
    create_units: bool,
    /// people and all: the file (new, readable by you only) the new people's one-time passwords are written to.
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
        "What the file holds: all (a folder of files named by what they hold, imported in one transaction), people (login, name, email, role, unit; optional manager, start_date, end_date, active), {}",
        names.join(", ")
    )
}

fn parse_entity(text: &str) -> Result<What, String> {
    match text.trim().to_lowercase().as_str() {
        "people" | "users" | "staff" | "employees" => Ok(What::People),
        "all" => Ok(What::All),
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
    let entity = match args.entity {
        What::All => return folder(store, &args).await,
        What::People => {
            let (name, bytes, mapping) = read_file(&args)?;
            return people(store, &args, &name, &bytes, mapping).await;
        }
        What::Records(entity) => entity,
    };
    let (name, bytes, mapping) = read_file(&args)?;
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

/// The file's name, bytes and mapping.
fn read_file(args: &ImportArgs) -> anyhow::Result<(String, Vec<u8>, Mapping)> {
    let bytes =
        std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let mapping = match &args.mapping {
        None => Mapping::default(),
        Some(path) => Mapping::parse(&path.display().to_string(), &read_mapping(path)?)
            .map_err(|p| anyhow::anyhow!("{p}"))?,
    };
    Ok((args.file.display().to_string(), bytes, mapping))
}

/// A mapping file's text, read at most [`attain_import::MAX_MAPPING_BYTES`].
fn read_mapping(path: &std::path::Path) -> anyhow::Result<String> {
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
    String::from_utf8(bytes).with_context(|| format!("reading {}: not UTF-8 text", path.display()))
}

/// The files of a folder, by name: data files, and `.toml` mapping files.
/// Hidden files and subfolders are not read, and a note says so.
fn folder_files(
    dir: &std::path::Path,
    data: &mut Vec<(String, Vec<u8>)>,
    mappings: &mut Vec<(String, String)>,
    notes: &mut Vec<String>,
) -> anyhow::Result<()> {
    let mut entries: Vec<std::fs::DirEntry> = std::fs::read_dir(dir)
        .with_context(|| format!("reading the folder {}", dir.display()))?
        .collect::<Result<_, _>>()
        .with_context(|| format!("reading the folder {}", dir.display()))?;
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for entry in entries {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if attain_import::all::is_system_file(&name) {
            notes.push(format!(
                "{}: a hidden or system file, not read",
                path.display()
            ));
            continue;
        }
        if path.is_dir() {
            notes.push(format!(
                "{}: a folder inside the folder, not read",
                path.display()
            ));
            continue;
        }
        let shown = path.display().to_string();
        if name.to_lowercase().ends_with(".toml") {
            mappings.push((shown, read_mapping(&path)?));
        } else {
            let bytes = std::fs::read(&path).with_context(|| format!("reading {shown}"))?;
            data.push((shown, bytes));
        }
    }
    Ok(())
}

/// `attain import all DIR`: every file of the folder, in dependency order,
/// in one transaction.
async fn folder(store: &Store, args: &ImportArgs) -> anyhow::Result<()> {
    use attain_import::all::{FileReport, FolderOptions, import_folder, plan};
    if args.mapping.is_some() {
        anyhow::bail!(
            "--mapping names one file's mapping: for a folder, put each file's mapping beside it or in --mapping-dir (deals.toml for deals.csv)"
        );
    }
    let mut data = Vec::new();
    let mut mappings = Vec::new();
    let mut notes = Vec::new();
    folder_files(&args.file, &mut data, &mut mappings, &mut notes)?;
    if let Some(dir) = &args.mapping_dir {
        let mut stray = Vec::new();
        folder_files(dir, &mut stray, &mut mappings, &mut notes)?;
        if let Some((name, _)) = stray.first() {
            anyhow::bail!("{name}: --mapping-dir holds mapping files (.toml) only");
        }
    }
    for note in &notes {
        eprintln!("note: {note}");
    }
    let files = match plan(data, mappings) {
        Ok(files) => files,
        Err(attain_app::AppError::Import(problems)) => {
            return Err(refused(&args.file.display().to_string(), &problems));
        }
        Err(other) => return Err(other.into()),
    };
    let options = FolderOptions {
        preset: args.preset,
        dry_run: args.dry_run,
        create_missing_owners: args.create_missing_owners,
        create_units: args.create_units,
        clock: attain_core::Clock::system().in_zone(store.settings().await?.time_zone),
        actor: Some(Actor::named("attain import")),
        max_new_people: None,
    };
    // The passwords file is opened before anything is written, so a path
    // that cannot be written stops the import instead of losing passwords.
    // A dry run writes no passwords.
    let mut out = match &args.passwords {
        Some(path) if !args.dry_run => Some((path.clone(), create_private(path)?)),
        _ => None,
    };
    let started = Instant::now();
    let staged = match import_folder(store, attain_app::goals::By::Cli, files, &options).await {
        Ok(staged) => staged,
        Err(failure) => {
            forget(out.as_ref());
            if let attain_app::AppError::Import(problems) = &failure.error {
                for problem in problems {
                    eprintln!("{problem}");
                }
            }
            let what = match &failure.error {
                attain_app::AppError::Import(problems) => {
                    format!("{} problem(s)", problems.len())
                }
                other => other.to_string(),
            };
            let mut line = match &failure.file {
                Some(file) => format!("{file}: {what}"),
                None => what,
            };
            if !failure.unchecked.is_empty() {
                line.push_str(&format!(
                    "; not checked, as they may name its records: {}",
                    failure.unchecked.join(", ")
                ));
            }
            anyhow::bail!("{line}; nothing was imported");
        }
    };
    let new_people = staged
        .report
        .people()
        .map_or(0, |p| p.one_time_passwords.len());
    if new_people == 0 {
        // Nobody new: no passwords file to hand over.
        forget(out.as_ref());
        out = None;
    }
    let report = if args.dry_run {
        if new_people > 0 && args.passwords.is_none() {
            println!(
                "the people file adds {new_people} people: the real run needs --passwords FILE for their one-time passwords"
            );
        }
        staged.rollback().await?
    } else if new_people > 0 && out.is_none() {
        staged.rollback().await?;
        anyhow::bail!(
            "the people file adds {new_people} people: give --passwords FILE, a new file their one-time passwords are written to (readable by you only); nothing was imported"
        );
    } else {
        if let Some((path, file)) = out.as_mut()
            && let Err(e) = write_passwords(file, staged.report.people())
        {
            let path = path.clone();
            forget(out.as_ref());
            staged.rollback().await?;
            return Err(e.context(format!("writing {}; nothing was imported", path.display())));
        }
        match staged.commit().await {
            Ok(report) => report,
            Err(e) => {
                // Whether a failed commit stored anything cannot always be
                // known (a connection lost during it): keep the passwords.
                let kept = out.as_ref().map_or(String::new(), |(path, _)| {
                    format!(
                        "; if `attain user list` shows the new people, their one-time passwords are in {}, else delete it",
                        path.display()
                    )
                });
                return Err(anyhow::Error::from(e).context(format!("committing the folder{kept}")));
            }
        }
    };
    let seconds = started.elapsed().as_secs_f64();
    for note in &report.notes {
        println!("{note}");
    }
    for done in &report.files {
        match &done.report {
            FileReport::People(p) => {
                for note in &p.notes {
                    eprintln!("note: {}: {note}", done.name);
                }
                if p.dry_run {
                    println!(
                        "{}: {} rows are valid: {} people to be added, {} to be updated or left as they are, {} to be deactivated",
                        done.name,
                        p.rows,
                        p.created,
                        p.updated + p.unchanged,
                        p.deactivated
                    );
                } else {
                    println!(
                        "{}: {} people added, {} updated, {} unchanged, {} deactivated",
                        done.name, p.created, p.updated, p.unchanged, p.deactivated
                    );
                }
                print_people(p);
            }
            FileReport::Records(r) => {
                for note in &r.notes {
                    eprintln!("note: {}: {note}", done.name);
                }
                let what = done.content.key();
                let c = r.counts;
                if r.dry_run {
                    println!(
                        "{}: {} rows ({} {what}) are valid",
                        done.name, r.rows, r.records
                    );
                } else {
                    println!(
                        "{}: {} rows: {} {what} created, {} updated or unchanged",
                        done.name, r.rows, c.created, c.updated
                    );
                }
                if !r.owners_created.is_empty() {
                    let verb = if r.dry_run {
                        "to be created"
                    } else {
                        "created"
                    };
                    println!(
                        "owners {verb} in the 'Imported' unit: {}",
                        r.owners_created.join(", ")
                    );
                }
                print_details(r);
            }
        }
    }
    if report.dry_run {
        println!(
            "{} files are valid, each checked against the ones before it; nothing was written (dry run)",
            report.files.len()
        );
    } else {
        println!(
            "{} files imported in one transaction in {seconds:.1} s",
            report.files.len()
        );
        if let Some((path, _)) = &out
            && new_people > 0
        {
            println!(
                "one-time passwords of the {new_people} new people: {} (hand them over, then delete the file; each is changed at first sign-in)",
                path.display()
            );
        }
    }
    Ok(())
}

/// A new file readable by its owner only (for one-time passwords).
fn create_private(path: &std::path::Path) -> anyhow::Result<std::fs::File> {
    let mut open = std::fs::OpenOptions::new();
    open.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut open, 0o600);
    open.open(path).with_context(|| {
        format!(
            "--passwords {}: cannot create it (it must not exist yet)",
            path.display()
        )
    })
}

/// Removes the passwords file this command created, when nothing it would
/// hold was stored.
fn forget(out: Option<&(PathBuf, std::fs::File)>) {
    if let Some((path, _)) = out {
        let _ = std::fs::remove_file(path);
    }
}

/// Writes the one-time passwords of a people report's new people.
fn write_passwords(
    file: &mut std::fs::File,
    report: Option<&attain_import::people::PeopleReport>,
) -> anyhow::Result<()> {
    use std::io::Write;
    let mut text = String::from("login,one_time_password\n");
    for (login, password) in report
        .map(|r| r.one_time_passwords.as_slice())
        .unwrap_or_default()
    {
        text.push_str(&format!("{login},{password}\n"));
    }
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    Ok(())
}

/// What a people report says beyond its counts.
fn print_people(report: &attain_import::people::PeopleReport) {
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
    if args.dry_run {
        println!(
            "{name}: {} rows are valid: {} people to be added, {} to be updated or left as they are, {} to be deactivated; nothing was written (dry run)",
            dry.rows, dry.created, dry.updated, dry.deactivated
        );
        print_people(&dry);
        return Ok(());
    }
    // The passwords file is opened before anything is written, so a path
    // that cannot be written stops the import instead of losing passwords.
    let mut out = match (&args.passwords, dry.created) {
        (_, 0) => None,
        (None, n) => anyhow::bail!(
            "{name} adds {n} people: give --passwords FILE, a new file their one-time passwords are written to (readable by you only)"
        ),
        (Some(path), _) => Some((path.clone(), create_private(path)?)),
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
        write_passwords(file, Some(&report)).with_context(|| {
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
    print_people(&report);
    if let Some((path, _)) = &out {
        println!(
            "one-time passwords of the {} new people: {} (hand them over, then delete the file; each is changed at first sign-in)",
            report.one_time_passwords.len(),
            path.display()
        );
    }
    Ok(())
}
