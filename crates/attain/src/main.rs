//! `attain`: the command line. Thin: parse arguments into settings, then
//! call the store, the web server or (later) the application use cases.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use attain_core::{Login, Role};
use attain_store::{DatabaseConfig, Store};
use clap::{Args, Parser, Subcommand};

mod admin;
mod bench;
mod demo;
mod goal;
mod import;
mod kpi;
mod pay;
mod settings;
mod unit;

/// Attain: sales performance management. Goals, KPIs, forecasts and commissions.
#[derive(Debug, Parser)]
#[command(name = "attain", version, about, long_about = None)]
struct Cli {
    #[command(flatten)]
    db: DbArgs,

    /// Log format on stderr: text for people, json for log collectors.
    #[arg(
        long,
        global = true,
        env = "ATTAIN_LOG_FORMAT",
        value_enum,
        default_value = "text"
    )]
    log_format: LogFormat,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Args)]
struct DbArgs {
    /// Database URL: postgres://USER@HOST/DB or sqlite://PATH [default: sqlite://attain.db]
    #[arg(long, global = true, env = "ATTAIN_DATABASE_URL", value_name = "URL",
          value_parser = parse_database_url, conflicts_with = "db")]
    database_url: Option<DatabaseConfig>,

    /// SQLite database file (shorthand for --database-url sqlite://PATH)
    #[arg(long, global = true, value_name = "PATH")]
    db: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the web interface and API.
    Serve(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Build a fresh demo database (attain-demo.db unless --db/--database-url) and serve it.
    Demo(DemoArgs),
    /// Manage users: add, change passwords, list.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API tokens for scripts.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Show or change the organisation's settings.
    #[command(subcommand)]
    Settings(settings::SettingsCommand),
    /// The org chart: list, add, rename, move and remove units.
    #[command(subcommand)]
    Unit(unit::UnitCommand),
    /// Import an export file of another CRM (all rows or none).
    Import(import::ImportArgs),
    /// Compute a KPI for a scope and period, optionally broken down.
    Kpi(kpi::KpiArgs),
    /// Define, list and remove custom metrics.
    #[command(subcommand)]
    Metric(kpi::MetricCommand),
    /// Set, split, revise, check in on and list goals.
    #[command(subcommand)]
    Goal(goal::GoalCommand),
    /// Commission plans, assignments and payout runs.
    #[command(subcommand)]
    Pay(pay::PayCommand),
    /// Manage the KPI rollups.
    #[command(subcommand)]
    Rollup(RollupCommand),
    /// Measure the speed of a job on this machine.
    #[command(subcommand)]
    Bench(BenchCommand),
    /// Write every record of the company as files in the generic import layout, for `attain import all` into an empty database.
    Export {
        /// A folder that does not exist yet, or is empty.
        dir: std::path::PathBuf,
        /// csv, or xlsx (one workbook per entity, every cell text).
        #[arg(long, default_value = "csv", value_parser = ["csv", "xlsx"])]
        format: String,
    },
    /// Copy the live SQLite database, consistently, to a new file (PostgreSQL: use pg_dump, see the README).
    Backup {
        /// The new file (it must not exist yet).
        file: std::path::PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum RollupCommand {
    /// Rebuild every KPI rollup from the facts.
    Rebuild,
}

#[derive(Debug, Subcommand)]
enum BenchCommand {
    /// Time the KPI benchmark queries on an existing database (e.g. the large demo).
    Kpi,
    /// Import generated order lines from CSV into a fresh database (SQLite
    /// in a temporary directory unless --database-url names an empty one).
    ImportOrders {
        /// Order lines to import.
        #[arg(long, default_value_t = 1_000_000)]
        rows: usize,
    },
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Add a user. Without --password-stdin a one-time password is generated and printed.
    Add(UserAddArgs),
    /// Set a new password. Without --password-stdin a one-time password is generated and printed.
    Passwd(UserPasswdArgs),
    /// List every user.
    List,
    /// Move someone to another unit from a given day (his first day there).
    Move {
        /// Sign-in name.
        #[arg(value_parser = parse_login)]
        login: Login,
        /// The new unit, by ID, name or path (North/N1).
        #[arg(long, value_name = "ORG_UNIT")]
        unit: String,
        /// His first day in it, YYYY-MM-DD, today or earlier [default: today]
        #[arg(long, value_name = "DATE")]
        from: Option<chrono::NaiveDate>,
    },
    /// The units someone has been in, and when.
    History {
        /// Sign-in name.
        #[arg(value_parser = parse_login)]
        login: Login,
    },
}

#[derive(Debug, Args)]
struct UserAddArgs {
    /// Sign-in name (letters, digits, . _ - @).
    #[arg(value_parser = parse_login)]
    login: Login,
    /// Role: admin, sales_ops, manager, rep or viewer.
    #[arg(long, value_parser = parse_role)]
    role: Role,
    /// Org unit, by ID, name or path (North/N1) [default: the company]
    #[arg(long, value_name = "ORG_UNIT")]
    unit: Option<String>,
    /// Name shown in the interface [default: the login]
    #[arg(long)]
    name: Option<String>,
    /// E-mail address.
    #[arg(long)]
    email: Option<String>,
    /// Read the password from the first line of standard input.
    #[arg(long)]
    password_stdin: bool,
}

#[derive(Debug, Args)]
struct UserPasswdArgs {
    /// Sign-in name.
    #[arg(value_parser = parse_login)]
    login: Login,
    /// Read the password from the first line of standard input.
    #[arg(long)]
    password_stdin: bool,
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Create a token for a user and print it once.
    Create {
        /// Whose token it is.
        #[arg(value_parser = parse_login)]
        login: Login,
        /// A name to recognise it by.
        #[arg(long, default_value = "cli")]
        name: String,
        /// Lifetime, e.g. 90d, 12w, 6m or 1y [default: does not expire]
        #[arg(long, value_name = "LIFETIME", value_parser = parse_lifetime)]
        expires: Option<chrono::Duration>,
    },
    /// Revoke a token by its ID.
    Revoke {
        /// Token ID, as `attain token list` shows it.
        id: i64,
    },
    /// List a user's tokens (never the tokens themselves).
    List {
        /// Whose tokens.
        #[arg(value_parser = parse_login)]
        login: Login,
    },
}

fn parse_lifetime(text: &str) -> Result<chrono::Duration, String> {
    attain_app::auth::parse_lifetime(text).map_err(|e| e.to_string())
}

fn parse_login(text: &str) -> Result<Login, String> {
    Login::new(text).map_err(|e| e.to_string())
}

fn parse_role(text: &str) -> Result<Role, String> {
    text.parse()
        .map_err(|e: attain_core::user::UnknownRole| e.to_string())
}

#[derive(Debug, Args)]
struct ServeArgs {
    #[command(flatten)]
    web: WebArgs,
}

/// How the web server meets the network (`serve` and `demo`).
#[derive(Debug, Args)]
struct WebArgs {
    /// Address to listen on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    bind: SocketAddr,

    /// A reverse proxy (address or CIDR block, repeatable) whose
    /// X-Forwarded-For names the client; others' is ignored.
    #[arg(long = "trusted-proxy", value_name = "CIDR", value_parser = parse_cidr)]
    trusted_proxies: Vec<attain_web::IpNet>,

    /// Largest file the import page accepts, e.g. 100MB, 2GB or 500KB.
    #[arg(long, value_name = "SIZE", default_value = "100MB", value_parser = parse_size)]
    upload_limit: usize,

    /// Mark cookies Secure even without X-Forwarded-Proto (behind TLS).
    #[arg(long)]
    secure_cookies: bool,
}

impl WebArgs {
    fn settings(&self) -> attain_web::WebSettings {
        attain_web::WebSettings {
            secure_cookies: self.secure_cookies,
            trusted_proxies: self.trusted_proxies.clone(),
            upload_limit: self.upload_limit,
        }
    }
}

fn parse_cidr(text: &str) -> Result<attain_web::IpNet, String> {
    let text = text.trim();
    text.parse::<attain_web::IpNet>()
        .or_else(|_| {
            text.parse::<std::net::IpAddr>()
                .map(attain_web::IpNet::from)
        })
        .map_err(|_| format!("'{text}' is not an IP address or CIDR block such as 10.0.0.0/8"))
}

/// Sizes in bytes: a number with an optional KB, MB or GB (powers of 1000)
/// or KiB, MiB or GiB (powers of 1024); at most 16 GiB.
fn parse_size(text: &str) -> Result<usize, String> {
    let t = text.trim();
    let bad = || format!("'{text}' is not a size: write e.g. 100MB, 2GB, 500KB or 64MiB");
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let n: u64 = digits.parse().map_err(|_| bad())?;
    let factor: u64 = match unit.trim().to_ascii_uppercase().as_str() {
        "" | "B" => 1,
        "KB" => 1_000,
        "MB" => 1_000_000,
        "GB" => 1_000_000_000,
        "KIB" => 1 << 10,
        "MIB" => 1 << 20,
        "GIB" => 1 << 30,
        _ => return Err(bad()),
    };
    let bytes = n.checked_mul(factor).ok_or_else(bad)?;
    if !(1..=16 << 30).contains(&bytes) {
        return Err(format!(
            "'{text}': the upload limit is from 1 byte to 16 GiB"
        ));
    }
    usize::try_from(bytes).map_err(|_| bad())
}

#[derive(Debug, Args)]
struct DemoArgs {
    #[command(flatten)]
    web: WebArgs,

    /// Build the demo data and exit without serving.
    #[arg(long)]
    no_serve: bool,

    /// Random seed: the same seed, scale and --as-of build the same company.
    #[arg(long, default_value_t = 42)]
    seed: u64,

    /// Size: small (~30 reps), medium (~150 reps) or large (~5,000 reps, >10M order lines).
    #[arg(long, default_value = "medium", value_parser = parse_scale)]
    scale: attain_demo::Scale,

    /// Last day of the three years of history [default: today]
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    as_of: Option<chrono::NaiveDate>,
}

fn parse_scale(text: &str) -> Result<attain_demo::Scale, String> {
    text.parse()
}

fn parse_date(text: &str) -> Result<chrono::NaiveDate, String> {
    chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| format!("'{text}' is not a date: expected YYYY-MM-DD"))
}

fn parse_database_url(text: &str) -> Result<DatabaseConfig, String> {
    text.parse()
        .map_err(|e: attain_store::StoreError| e.to_string())
}

impl DbArgs {
    fn config(&self, default_file: &str) -> DatabaseConfig {
        match (&self.database_url, &self.db) {
            (Some(config), _) => config.clone(),
            (None, Some(path)) => DatabaseConfig::sqlite_file(path),
            (None, None) => DatabaseConfig::sqlite_file(default_file),
        }
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return usage_error(&err),
    };
    init_logging(cli.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        // The reader went away (`attain … | head`): not an error of ours.
        Err(err)
            if err.chain().any(|e| {
                e.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) =>
        {
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// Help and version go to stdout with exit 0; every usage error is one line
/// on stderr with exit 2, as scripts expect.
fn usage_error(err: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match err.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = err.print();
            ExitCode::SUCCESS
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand | ErrorKind::MissingSubcommand => {
            eprintln!("error: a command is required (see attain --help for the list)");
            ExitCode::from(2)
        }
        _ => {
            // clap's first paragraph is the message (plus possible values);
            // tips and usage follow after a blank line.
            let text = err.to_string();
            let message: Vec<&str> = text
                .lines()
                .map(str::trim)
                .take_while(|l| !l.is_empty())
                .collect();
            eprintln!("{} (see attain --help)", message.join(" "));
            ExitCode::from(2)
        }
    }
}

/// Structured logs on stderr; `ATTAIN_LOG` takes an env-filter directive.
fn init_logging(format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("ATTAIN_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=error,tower_http=info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => {
            builder
                .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
                .init();
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => {
            let config = cli.db.config("attain.db");
            let store = Store::open(&config)
                .await
                .with_context(|| format!("opening {}", config.describe()))?;
            if let Some((login, password)) = attain_app::users::bootstrap_admin(&store).await? {
                println!(
                    "Created the administrator '{login}' with the one-time password: {password}"
                );
                println!("Sign in and choose a new password; this one is not shown again.");
            }
            serve(store, &args.web, None).await
        }
        Command::Migrate => {
            let config = cli.db.config("attain.db");
            let store = Store::connect(&config)
                .await
                .with_context(|| format!("opening {}", config.describe()))?;
            let applied = store.migrate().await.context("applying migrations")?;
            println!(
                "{}: {applied} migration(s) applied, schema is current",
                config.describe()
            );
            Ok(())
        }
        Command::Demo(args) => {
            let config = cli.db.config("attain-demo.db");
            let options = attain_demo::DemoOptions {
                seed: args.seed,
                scale: args.scale,
                as_of: args
                    .as_of
                    .unwrap_or_else(|| attain_core::Clock::system().today()),
            };
            let (store, password) = demo::build(&config, options).await?;
            demo::print_logins(&store, &password).await?;
            if args.no_serve {
                println!("demo data written to {}", config.describe());
                return Ok(());
            }
            serve(store, &args.web, args.as_of).await
        }
        Command::User(command) => {
            let store = open(&cli.db).await?;
            admin::user(&store, command).await
        }
        Command::Token(command) => {
            let store = open(&cli.db).await?;
            admin::token(&store, command).await
        }
        Command::Settings(command) => {
            let store = open(&cli.db).await?;
            settings::run(&store, command).await
        }
        Command::Unit(command) => {
            let store = open(&cli.db).await?;
            unit::run(&store, command).await
        }
        Command::Import(args) => {
            let store = open(&cli.db).await?;
            import::run(&store, args).await
        }
        Command::Kpi(args) => {
            let store = open(&cli.db).await?;
            kpi::run(&store, args).await
        }
        Command::Metric(command) => {
            let store = open(&cli.db).await?;
            kpi::metric(&store, command).await
        }
        Command::Pay(command) => {
            let store = open(&cli.db).await?;
            pay::run(&store, command).await
        }
        Command::Goal(command) => {
            let store = open(&cli.db).await?;
            let zone = store.settings().await?.time_zone;
            goal::run(
                &store,
                command,
                attain_core::Clock::system().in_zone(zone).today(),
            )
            .await
        }
        Command::Export { dir, format } => {
            let store = open(&cli.db).await?;
            export_company(&store, &dir, format == "xlsx").await
        }
        Command::Backup { file } => {
            let store = open(&cli.db).await?;
            if file.exists() {
                anyhow::bail!(
                    "{}: already exists; a backup is written to a new file",
                    file.display()
                );
            }
            let started = std::time::Instant::now();
            store.backup_to(&file).await.with_context(|| {
                format!("backing up {} to {}", store.describe(), file.display())
            })?;
            let bytes = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
            println!(
                "{} backed up to {} ({bytes} bytes) in {:.1} s; open it with --db {}",
                store.describe(),
                file.display(),
                started.elapsed().as_secs_f64(),
                file.display()
            );
            Ok(())
        }
        Command::Rollup(RollupCommand::Rebuild) => {
            let store = open(&cli.db).await?;
            let started = std::time::Instant::now();
            store.rebuild_rollups().await?;
            println!(
                "rollups rebuilt in {:.1} s",
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Bench(BenchCommand::Kpi) => {
            let store = open(&cli.db).await?;
            bench::kpi(&store).await
        }
        Command::Bench(BenchCommand::ImportOrders { rows }) => {
            bench::import_orders(rows, cli.db.database_url.clone()).await
        }
    }
}

async fn open(db: &DbArgs) -> anyhow::Result<Store> {
    let config = db.config("attain.db");
    let store = Store::open(&config)
        .await
        .with_context(|| format!("opening {}", config.describe()))?;
    Ok(store.with_checkpoint(test_checkpoint()))
}

/// `attain export DIR`: the company's records as CSV files in the generic
/// layout, and the settings command that recreates its settings.
async fn export_company(store: &Store, dir: &std::path::Path, xlsx: bool) -> anyhow::Result<()> {
    if dir.exists() {
        let mut entries =
            std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))?;
        if entries.next().is_some() {
            anyhow::bail!(
                "{}: not empty; export to a new or empty folder, so that importing it reads these files alone",
                dir.display()
            );
        }
    }
    let tables = attain_app::export::company_tables(store, attain_app::goals::By::Cli).await?;
    // Every file is made before the folder is written, so a table that
    // cannot be one leaves no half export behind.
    let mut files = Vec::with_capacity(tables.len());
    for table in &tables {
        let (name, bytes) = if xlsx {
            let bytes = attain_import::xlsx::workbook(table.entity, &table.header, &table.rows)
                .with_context(|| format!("{}.xlsx", table.entity))?;
            (format!("{}.xlsx", table.entity), bytes)
        } else {
            let text = attain_app::export::table_csv(table)?;
            (format!("{}.csv", table.entity), text.into_bytes())
        };
        files.push((name, bytes, table.rows.len()));
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut records = 0_usize;
    for (name, bytes, rows) in &files {
        let path = dir.join(name);
        std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
        records += rows;
        println!("{}: {rows} rows", path.display());
    }
    let settings = store.settings().await?;
    let pairs: Vec<String> = attain_core::settings::SettingKey::ALL
        .iter()
        .map(|key| {
            let value = settings.get(*key);
            if value.contains([' ', '"', '\'', '$', '\\']) {
                format!("'{}={}'", key.key(), value.replace('\'', "'\\''"))
            } else {
                format!("{}={value}", key.key())
            }
        })
        .collect();
    println!(
        "{} files, {records} rows. On the new database, set the settings first, then import the folder with --create-units (new people's passwords to a new file):\n  attain settings set {}\n  attain import all {} --create-units --passwords NEW-PASSWORDS.csv",
        files.len(),
        pairs.join(" "),
        dir.display()
    );
    Ok(())
}

/// With `ATTAIN_TEST_CHECKPOINT=NAME` in the environment, the process says
/// so on standard error and stops for good when a write transaction reaches
/// that checkpoint, so a crash test can kill it exactly there (in the middle
/// of an import, `import:rows-written`, or of a payout run,
/// `payout-run:statements-written`). Without it, checkpoints do nothing.
fn test_checkpoint() -> attain_store::Checkpoint {
    match std::env::var("ATTAIN_TEST_CHECKPOINT") {
        Ok(wanted) if !wanted.is_empty() => attain_store::Checkpoint::new(move |name| {
            if name == wanted {
                eprintln!("checkpoint {name} reached");
                loop {
                    std::thread::park();
                }
            }
        }),
        _ => attain_store::Checkpoint::default(),
    }
}

/// Serves until a shutdown signal; `day` pins "today" (a demo's `--as-of`).
async fn serve(store: Store, web: &WebArgs, day: Option<chrono::NaiveDate>) -> anyhow::Result<()> {
    let bind = web.bind;
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("cannot listen on {bind}"))?;
    let local = listener.local_addr().context("reading the bound address")?;
    tracing::info!(address = %local, database = store.describe(), "Attain is serving");
    println!("Attain is serving {} at http://{local}", store.describe());
    let state = match day {
        Some(day) => attain_web::AppState::on_day(store.clone(), day),
        None => attain_web::AppState::new(store.clone()),
    }
    .with_settings(web.settings());
    attain_web::serve(listener, state, shutdown_signal())
        .await
        .context("serving HTTP")?;
    store.close().await;
    tracing::info!("shut down cleanly");
    Ok(())
}

/// Completes on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sig) => {
                sig.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown requested; finishing requests in flight");
}
