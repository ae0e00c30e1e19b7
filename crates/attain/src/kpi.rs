//! `attain kpi METRIC --period P [--scope S] [--by D] [--format table|json|csv]`
//! and `attain metric add|list|remove` (custom metrics).

use std::io::Write as _;

use anyhow::Context;
use attain_core::kpi::Expr;
use attain_core::{Login, MetricKey, OrgUnitId};
use attain_kpi::{Dim, Engine, KpiAnswer, KpiQuery, Scope};
use attain_store::Store;
use clap::{Args, ValueEnum};
use rust_decimal::Decimal;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
}

#[derive(Debug, Args)]
pub struct KpiArgs {
    /// A metric key (see `attain kpi --list`), or a formula in quotes such as "payments / revenue".
    #[arg(required_unless_present = "list")]
    metric: Option<String>,
    /// Period: FY2026, FY2026-Q3, 2026, 2026-Q3, 2026-07, 2026-W14, 2026-07-14 or 2026-01-01..2026-03-31.
    #[arg(long, required_unless_present = "list")]
    period: Option<String>,
    /// company (default), unit:ID or unit:NAME, rep:LOGIN, segment:…, area:…, industry:…, channel:…, size:…, territory:ID, product:ID or category:….
    #[arg(long, default_value = "company")]
    scope: String,
    /// Breakdown: rep, unit, month, week, quarter; or rep/unit then a time, e.g. unit,month.
    #[arg(long, value_delimiter = ',')]
    by: Vec<String>,
    /// Target, for pipeline_coverage.
    #[arg(long)]
    target: Option<Decimal>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// List the metrics with their units and definitions.
    #[arg(long)]
    list: bool,
}

pub(crate) async fn scope_of(store: &Store, text: &str) -> anyhow::Result<Scope> {
    let text = text.trim();
    if text == "company" {
        return Ok(Scope::Company);
    }
    if let Some(unit) = text.strip_prefix("unit:") {
        let units = store.org_units().await?;
        if let Ok(id) = unit.parse::<i64>()
            && let Some(u) = units.iter().find(|u| u.id.raw() == id)
        {
            return Ok(Scope::Unit(u.id));
        }
        let found: Vec<OrgUnitId> = units
            .iter()
            .filter(|u| u.name == unit)
            .map(|u| u.id)
            .collect();
        return match found.as_slice() {
            [id] => Ok(Scope::Unit(*id)),
            [] => anyhow::bail!("--scope: no org unit has the ID or name '{unit}'"),
            _ => anyhow::bail!("--scope: several org units are named '{unit}'; give the ID"),
        };
    }
    if let Some(login) = text.strip_prefix("rep:") {
        let login = Login::new(login).map_err(|e| anyhow::anyhow!("--scope: {e}"))?;
        let user = store
            .user_by_login(&login)
            .await
            .map_err(|_| anyhow::anyhow!("--scope: no user has the login '{login}'"))?;
        return Ok(Scope::Rep(user.id));
    }
    Scope::parse_key(text).map_err(|e| anyhow::anyhow!("--scope: {e}"))
}

/// Exact decimal text of a value, rounded for display only in tables.
fn text(value: Option<Decimal>, round: Option<u32>) -> String {
    match (value, round) {
        (None, _) => String::new(),
        (Some(v), Some(dp)) => v.round_dp(dp).normalize().to_string(),
        (Some(v), None) => v.normalize().to_string(),
    }
}

fn print(answer: &KpiAnswer, format: Format) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match format {
        Format::Json => {
            let rows: Vec<serde_json::Value> = answer
                .rows
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "metric": answer.metric,
                        "scope": answer.scope,
                        "period": answer.period,
                        "by": r.keys,
                        "labels": r.labels,
                        "unit": answer.unit.key(),
                        "value": r.value.map(|v| v.normalize().to_string()),
                    })
                })
                .collect();
            writeln!(out, "{}", serde_json::to_string_pretty(&rows)?)?;
        }
        Format::Csv => {
            use attain_app::export::{Cell, CsvOut};
            let mut csv =
                CsvOut::new(&["metric", "scope", "period", "by", "label", "unit", "value"]);
            let period = answer.period.to_string();
            for r in &answer.rows {
                let (keys, labels, value) =
                    (r.keys.join("/"), r.labels.join(" / "), text(r.value, None));
                csv.row(&[
                    Cell::Text(&answer.metric),
                    Cell::Text(&answer.scope),
                    Cell::Plain(&period),
                    Cell::Text(&keys),
                    Cell::Text(&labels),
                    Cell::Plain(answer.unit.key()),
                    Cell::Plain(&value),
                ]);
            }
            write!(out, "{}", csv.finish())?;
        }
        Format::Table => {
            writeln!(
                out,
                "{} · {} · {} ({})",
                answer.metric,
                answer.scope,
                answer.period,
                answer.unit.key()
            )?;
            let width = answer
                .rows
                .iter()
                .map(|r| r.labels.join(" / ").chars().count())
                .max()
                .unwrap_or(0)
                .max(5);
            for r in &answer.rows {
                let label = if r.labels.is_empty() {
                    "total".to_owned()
                } else {
                    r.labels.join(" / ")
                };
                let pad = width.saturating_sub(label.chars().count());
                writeln!(
                    out,
                    "{label}{}  {:>18}",
                    " ".repeat(pad),
                    text(r.value, Some(2))
                )?;
            }
        }
    }
    Ok(())
}

/// Runs `attain kpi`.
pub async fn run(store: &Store, args: KpiArgs) -> anyhow::Result<()> {
    if args.list {
        let mut out = std::io::stdout().lock();
        for m in attain_core::kpi::CATALOGUE {
            writeln!(
                out,
                "{:<22} {:<8} {} / {}: {}",
                m.key,
                m.unit.key(),
                m.name_en,
                m.name_zh,
                m.definition_en
            )?;
        }
        return Ok(());
    }
    let (Some(metric), Some(period)) = (args.metric, args.period) else {
        anyhow::bail!("a metric and --period are required");
    };
    let engine = Engine::new(store).await?;
    let period = engine
        .calendar()
        .parse(&period)
        .map_err(|e| anyhow::anyhow!("--period: {e}"))?;
    // A metric by name, or a formula; the names inside a formula are the
    // engine's to judge, as for the API.
    let formula = match MetricKey::parse(&metric) {
        MetricKey::Builtin(_) => None,
        MetricKey::Custom(key) if engine.custom_metrics().any(|(k, _)| k == key) => None,
        _ if metric
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !metric.chars().all(|c| c.is_ascii_digit()) =>
        {
            anyhow::bail!(
                "'{metric}' is not a metric; see attain kpi --list, or give a formula such as \"payments / revenue\""
            );
        }
        _ => Some(Expr::parse(&metric).map_err(|e| anyhow::anyhow!("formula {metric:?}: {e}"))?),
    };
    let by = args
        .by
        .iter()
        .map(|d| d.parse::<Dim>().map_err(|e| anyhow::anyhow!("--by: {e}")))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let query = KpiQuery {
        metric: metric.into(),
        formula,
        period,
        scope: scope_of(store, &args.scope).await?,
        by,
        target: args.target,
    };
    let answer = engine.answer(&query).await.context("computing the KPI")?;
    print(&answer, args.format)
}

#[derive(Debug, clap::Subcommand)]
pub enum MetricCommand {
    /// Define a custom metric, e.g. `attain metric add cash_ratio "payments / revenue" --unit ratio`.
    Add {
        /// Key (lower-case letters, digits, _).
        key: String,
        /// Formula over metrics and base measures.
        formula: String,
        /// money, count, percent, ratio, days, hours or score.
        #[arg(long, default_value = "ratio")]
        unit: String,
        /// Name in English.
        #[arg(long, default_value = "")]
        name_en: String,
        /// Name in Chinese.
        #[arg(long, default_value = "")]
        name_zh: String,
    },
    /// List the custom metrics.
    List,
    /// Remove a custom metric no other one uses.
    Remove {
        /// Key.
        key: String,
    },
}

/// Runs `attain metric`.
pub async fn metric(store: &Store, command: MetricCommand) -> anyhow::Result<()> {
    match command {
        MetricCommand::Add {
            key,
            formula,
            unit,
            name_en,
            name_zh,
        } => {
            let metric = attain_store::CustomMetric {
                key: key.clone(),
                name_en,
                name_zh,
                formula,
                unit,
            };
            attain_app::metrics::define_metric(store, attain_app::goals::By::Cli, metric).await?;
            println!("custom metric {} saved", key.trim().to_lowercase());
        }
        MetricCommand::List => {
            let mut out = std::io::stdout().lock();
            for m in store.custom_metrics().await? {
                writeln!(
                    out,
                    "{:<22} {:<8} {} / {}: {}",
                    m.key, m.unit, m.name_en, m.name_zh, m.formula
                )?;
            }
        }
        MetricCommand::Remove { key } => {
            attain_app::metrics::remove_metric(store, attain_app::goals::By::Cli, &key).await?;
            println!("custom metric {key} removed");
        }
    }
    Ok(())
}
