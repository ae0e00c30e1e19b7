//! `attain goal add|list|show|revise|split|checkin|remove`: the goal use
//! cases from the command line, audited with the actor `cli`.

use std::io::Write as _;

use anyhow::Context;
use attain_app::goals::{self, By, GoalSpec, SplitInto, SplitMethod};
use attain_core::GoalId;
use attain_core::goal::GoalDirection;
use attain_kpi::Engine;
use attain_store::{GoalFilter, Store};
use clap::Subcommand;
use rust_decimal::Decimal;

use crate::kpi::scope_of;

#[derive(Debug, Subcommand)]
pub enum GoalCommand {
    /// Set a goal: a metric for a scope and period, with a target.
    Add {
        /// Metric key (see `attain kpi --list`) or a custom metric.
        metric: String,
        /// Period: FY2026, FY2026-Q3, 2026-07, …
        #[arg(long)]
        period: String,
        /// Target in the metric's unit (money in the base currency).
        #[arg(long)]
        target: Decimal,
        /// company (default), unit:ID or unit:NAME, rep:LOGIN, segment:…, product:ID, …
        #[arg(long, default_value = "company")]
        scope: String,
        /// at_least or at_most [default: the metric's own direction]
        #[arg(long, value_parser = parse_direction)]
        direction: Option<GoalDirection>,
        /// The goal this one is a part of.
        #[arg(long)]
        parent: Option<GoalId>,
        /// A name for it.
        #[arg(long, default_value = "")]
        name: String,
    },
    /// List goals with their actual, attainment and status.
    List {
        /// Only goals of this period key.
        #[arg(long)]
        period: Option<String>,
        /// Only parts of this goal.
        #[arg(long)]
        parent: Option<GoalId>,
        /// The day to judge pace and status on [default: today].
        #[arg(long, value_name = "DATE")]
        as_of: Option<chrono::NaiveDate>,
    },
    /// One goal: where it stands, its SMART check, revisions and check-ins.
    Show {
        /// Goal ID.
        id: GoalId,
        /// The day to judge pace, status and the SMART check on [default: today].
        #[arg(long, value_name = "DATE")]
        as_of: Option<chrono::NaiveDate>,
    },
    /// Change a goal's target, with the reason (its parts follow).
    Revise {
        /// Goal ID.
        id: GoalId,
        /// New target.
        #[arg(long)]
        target: Decimal,
        /// Why.
        #[arg(long)]
        reason: String,
    },
    /// Split a goal into units, reps or months so the parts add up to it.
    Split {
        /// Goal ID.
        id: GoalId,
        /// units, reps or months.
        #[arg(long, value_parser = parse_into)]
        into: SplitInto,
        /// history (default; months follow the season), equal or weights.
        #[arg(long, default_value = "history")]
        method: String,
        /// Basis period of the history method [default: a year earlier].
        #[arg(long)]
        basis: Option<String>,
        /// Weights as PART=WEIGHT,… (unit ID or name, rep ID or login, month key).
        #[arg(long, value_delimiter = ',')]
        weights: Vec<String>,
    },
    /// Add a check-in: a confidence level and a comment.
    Checkin {
        /// Goal ID.
        id: GoalId,
        /// Confidence of reaching the goal, 0–100.
        #[arg(long, value_parser = clap::value_parser!(u8).range(0..=100))]
        confidence: u8,
        /// The comment.
        #[arg(long, default_value = "")]
        comment: String,
    },
    /// Delete a goal and its parts.
    Remove {
        /// Goal ID.
        id: GoalId,
    },
}

fn parse_direction(text: &str) -> Result<GoalDirection, String> {
    text.parse()
}

fn parse_into(text: &str) -> Result<SplitInto, String> {
    text.parse()
}

fn pct(d: Option<Decimal>) -> String {
    d.map_or_else(
        || "—".into(),
        |d| format!("{}%", (d * Decimal::ONE_HUNDRED).round_dp(1)),
    )
}

fn num(d: Option<Decimal>) -> String {
    d.map_or_else(|| "—".into(), |d| d.round_dp(2).normalize().to_string())
}

pub async fn run(
    store: &Store,
    command: GoalCommand,
    today: chrono::NaiveDate,
) -> anyhow::Result<()> {
    let engine = Engine::new(store).await?;
    let mut out = std::io::stdout().lock();
    match command {
        GoalCommand::Add {
            metric,
            period,
            target,
            scope,
            direction,
            parent,
            name,
        } => {
            let spec = GoalSpec {
                metric: metric.into(),
                scope: scope_of(store, &scope).await?,
                period: engine
                    .calendar()
                    .parse(&period)
                    .map_err(|e| anyhow::anyhow!("--period: {e}"))?,
                target,
                direction,
                parent,
                name,
            };
            let id = goals::create(&engine, By::Cli, &spec).await?;
            writeln!(out, "goal {id} set")?;
        }
        GoalCommand::List {
            period,
            parent,
            as_of,
        } => {
            let today = as_of.unwrap_or(today);
            let period = match period {
                Some(p) => Some(
                    engine
                        .calendar()
                        .parse(&p)
                        .map_err(|e| anyhow::anyhow!("--period: {e}"))?
                        .key(),
                ),
                None => None,
            };
            let found = store
                .goals_visible(
                    &attain_core::Visibility::Everything,
                    &GoalFilter {
                        period,
                        parent,
                        ..GoalFilter::default()
                    },
                    0,
                    i64::MAX,
                )
                .await?;
            writeln!(
                out,
                "{:>6}  {:>6}  {:<14} {:<28} {:<11} {:>16} {:>16} {:>8}  status",
                "id", "parent", "metric", "scope", "period", "target", "actual", "attain"
            )?;
            for v in goals::views(&engine, found, today).await? {
                let g = &v.goal;
                writeln!(
                    out,
                    "{:>6}  {:>6}  {:<14} {:<28} {:<11} {:>16} {:>16} {:>8}  {}",
                    g.id,
                    g.parent.map_or_else(String::new, |p| p.to_string()),
                    g.metric,
                    v.scope_label.chars().take(28).collect::<String>(),
                    g.period,
                    g.target().to_string(),
                    num(v.actual),
                    pct(v.progress.and_then(|p| p.attainment)),
                    v.progress.map_or("no data", |p| p.status.key()),
                )?;
            }
        }
        GoalCommand::Show { id, as_of } => {
            let today = as_of.unwrap_or(today);
            let goal = store.goal(id).await?;
            let smart = goals::smart(&engine, &goal, today).await?;
            let view = goals::views(&engine, vec![goal.clone()], today)
                .await?
                .pop()
                .context("no goal")?;
            writeln!(
                out,
                "goal {id}: {} for {} in {}",
                goal.metric, view.scope_label, goal.period
            )?;
            writeln!(out, "  target      {} ({})", goal.target(), goal.direction)?;
            writeln!(out, "  actual      {}", num(view.actual))?;
            if let Some(p) = view.progress {
                writeln!(out, "  attainment  {}", pct(p.attainment))?;
                writeln!(out, "  expected    {} today", num(Some(p.expected)))?;
                writeln!(out, "  projected   {}", num(p.projected))?;
                writeln!(out, "  status      {}", p.status.key())?;
            }
            if !goal.split.is_empty() {
                writeln!(out, "  split       {}", goal.split)?;
            }
            writeln!(out, "SMART:")?;
            for c in smart {
                let probability = c
                    .probability
                    .map(|p| format!(" (probability {})", pct(Some(p))))
                    .unwrap_or_default();
                writeln!(
                    out,
                    "  {} {:<5} {}{probability}",
                    c.letter.letter(),
                    c.verdict.key(),
                    c.reason
                )?;
            }
            for r in store.goal_revisions(id).await? {
                writeln!(
                    out,
                    "revised {} by {}: {} → {} ({})",
                    r.at.format("%Y-%m-%d %H:%M"),
                    r.actor,
                    r.old_target,
                    r.new_target,
                    r.reason
                )?;
            }
            for c in store.goal_checkins(id).await? {
                writeln!(
                    out,
                    "check-in {} by {}: {}% {}",
                    c.at.format("%Y-%m-%d %H:%M"),
                    c.author,
                    c.confidence,
                    c.comment
                )?;
            }
        }
        GoalCommand::Revise { id, target, reason } => {
            let n = goals::revise(&engine, By::Cli, id, target, &reason).await?;
            writeln!(
                out,
                "goal {id} revised ({n} goal(s) changed with its parts)"
            )?;
        }
        GoalCommand::Split {
            id,
            into,
            method,
            basis,
            weights,
        } => {
            let method = match method.as_str() {
                "equal" => SplitMethod::Equal,
                "history" | "seasonal" => SplitMethod::History(match basis {
                    Some(b) => Some(
                        engine
                            .calendar()
                            .parse(&b)
                            .map_err(|e| anyhow::anyhow!("--basis: {e}"))?,
                    ),
                    None => None,
                }),
                "weights" => {
                    let mut out = Vec::new();
                    for w in &weights {
                        let (k, v) = w
                            .split_once('=')
                            .with_context(|| format!("--weights: '{w}' is not PART=WEIGHT"))?;
                        let v: Decimal = v
                            .trim()
                            .parse()
                            .map_err(|_| anyhow::anyhow!("--weights: '{v}' is not a number"))?;
                        out.push((k.trim().to_owned(), v));
                    }
                    anyhow::ensure!(!out.is_empty(), "--weights: name at least one PART=WEIGHT");
                    SplitMethod::Weights(out)
                }
                other => anyhow::bail!("--method: '{other}' is not history, equal or weights"),
            };
            let parts = goals::split(&engine, By::Cli, id, into, &method).await?;
            for p in &parts {
                writeln!(
                    out,
                    "{:>6}  {:<28} {:<11} weight {:>14}  target {}",
                    p.goal,
                    p.label.chars().take(28).collect::<String>(),
                    p.period,
                    p.weight.round_dp(2).normalize(),
                    p.target
                )?;
            }
            writeln!(out, "goal {id} split into {} part(s)", parts.len())?;
        }
        GoalCommand::Checkin {
            id,
            confidence,
            comment,
        } => {
            goals::check_in(&engine, By::Cli, id, confidence, &comment).await?;
            writeln!(out, "check-in added to goal {id}")?;
        }
        GoalCommand::Remove { id } => {
            let n = goals::delete(&engine, By::Cli, id).await?;
            writeln!(out, "deleted goal {id} ({n} goal(s) with its parts)")?;
        }
    }
    Ok(())
}
