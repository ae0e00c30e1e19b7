//! `attain pay …`: commission plans, assignments and payout runs from the
//! command line, through the same use cases as the pages (actor `cli`).

use std::io::Write as _;

use anyhow::Context;
use attain_app::goals::By;
use attain_app::pay::{self, PlanSpec};
use attain_core::comp::Tier;
use attain_core::{Login, Money, PayoutRunId, PlanId};
use attain_kpi::Engine;
use attain_store::{RunStatus, Store};
use clap::Subcommand;
use rust_decimal::Decimal;

#[derive(Debug, Subcommand)]
pub enum PayCommand {
    /// Define a commission plan.
    PlanAdd {
        /// Its name.
        name: String,
        /// Tiers as FROM%:RATE%,… e.g. 0:2,50:4,100:7 (2 % up to half the quota, …).
        #[arg(long)]
        tiers: String,
        /// Credited metric: revenue, bookings or payments.
        #[arg(long, default_value = "revenue")]
        metric: String,
        /// Attainment (%) below which nothing is paid.
        #[arg(long)]
        threshold: Option<Decimal>,
        /// Most one person earns per period, in the base currency.
        #[arg(long)]
        cap: Option<Decimal>,
    },
    /// List the plans.
    Plans,
    /// Put people on a plan from a day.
    Assign {
        /// Plan ID.
        plan: PlanId,
        /// Logins.
        #[arg(required = true)]
        logins: Vec<String>,
        /// First day on the plan (YYYY-MM-DD).
        #[arg(long)]
        from: chrono::NaiveDate,
        /// Last day on the plan.
        #[arg(long)]
        to: Option<chrono::NaiveDate>,
    },
    /// Calculate every statement of a period as a new draft run.
    Run {
        /// Period: FY2026-Q3, 2026-07, …
        period: String,
    },
    /// List the payout runs.
    Runs,
    /// Recalculate a draft run.
    Recalculate {
        /// Run ID.
        run: PayoutRunId,
    },
    /// Approve a draft run.
    Approve {
        /// Run ID.
        run: PayoutRunId,
    },
    /// Lock an approved run (final).
    Lock {
        /// Run ID.
        run: PayoutRunId,
    },
    /// Print a run's statements.
    Statements {
        /// Run ID.
        run: PayoutRunId,
    },
    /// Print a locked run's payroll CSV.
    Export {
        /// Run ID.
        run: PayoutRunId,
    },
    /// Fix the rate goals and pay convert a currency at for a fiscal year.
    PlanRate {
        /// Currency, e.g. USD.
        #[arg(value_parser = parse_currency)]
        currency: attain_core::Currency,
        /// Fiscal year: FY2026 (or 2026).
        #[arg(value_parser = parse_fiscal_year)]
        year: i32,
        /// Units of the base currency per unit, e.g. 7.10.
        rate: Decimal,
    },
    /// Remove a plan rate: that year converts at the monthly rates again.
    PlanRateRemove {
        /// Currency, e.g. USD.
        #[arg(value_parser = parse_currency)]
        currency: attain_core::Currency,
        /// Fiscal year: FY2026 (or 2026).
        #[arg(value_parser = parse_fiscal_year)]
        year: i32,
    },
    /// List the plan rates.
    PlanRates,
}

fn parse_currency(text: &str) -> Result<attain_core::Currency, String> {
    attain_core::Currency::from_code(text).map_err(|e| e.to_string())
}

fn parse_fiscal_year(text: &str) -> Result<i32, String> {
    let t = text.trim();
    let digits = t
        .strip_prefix("FY")
        .or_else(|| t.strip_prefix("fy"))
        .unwrap_or(t);
    match digits.parse::<i32>() {
        Ok(y) if digits.len() == 4 => Ok(y),
        _ => Err(format!("'{text}' is not a fiscal year: write FY2026")),
    }
}

fn tiers_of(text: &str) -> anyhow::Result<Vec<Tier>> {
    let hundred = Decimal::ONE_HUNDRED;
    text.split(',')
        .map(|part| {
            let (from, rate) = part
                .split_once(':')
                .with_context(|| format!("--tiers: '{part}' is not FROM%:RATE%"))?;
            let n = |t: &str| -> anyhow::Result<Decimal> {
                t.trim()
                    .trim_end_matches('%')
                    .parse::<Decimal>()
                    .map_err(|_| anyhow::anyhow!("--tiers: '{t}' is not a number"))
            };
            Ok(Tier {
                from: n(from)? / hundred,
                rate: n(rate)? / hundred,
            })
        })
        .collect()
}

pub async fn run(store: &Store, command: PayCommand) -> anyhow::Result<()> {
    let engine = Engine::new(store).await?;
    let base = engine.base_currency();
    let mut out = std::io::stdout().lock();
    match command {
        PayCommand::PlanAdd {
            name,
            tiers,
            metric,
            threshold,
            cap,
        } => {
            let spec = PlanSpec {
                name,
                metric,
                tiers: tiers_of(&tiers)?,
                threshold: threshold.map(|t| t / Decimal::ONE_HUNDRED),
                cap,
            };
            let id = pay::save_plan(&engine, By::Cli, None, &spec).await?;
            writeln!(out, "plan {id} saved")?;
        }
        PayCommand::PlanRate {
            currency,
            year,
            rate,
        } => {
            pay::set_plan_rate(&engine, By::Cli, currency, year, Some(rate)).await?;
            writeln!(
                out,
                "goals and pay convert {} at {} {} in FY{year}",
                currency.code(),
                rate.normalize(),
                base.code()
            )?;
        }
        PayCommand::PlanRateRemove { currency, year } => {
            pay::set_plan_rate(&engine, By::Cli, currency, year, None).await?;
            writeln!(
                out,
                "{} in FY{year} converts at the monthly rates again",
                currency.code()
            )?;
        }
        PayCommand::PlanRates => {
            writeln!(
                out,
                "{:<9} {:<8} rate to {}",
                "currency",
                "year",
                base.code()
            )?;
            for ((currency, year), rate) in engine.plan_rates() {
                writeln!(out, "{currency:<9} FY{year:<6} {}", rate.normalize())?;
            }
        }
        PayCommand::Plans => {
            for p in store.plans().await? {
                let tiers: Vec<String> = p
                    .rules
                    .tiers
                    .iter()
                    .map(|t| {
                        format!(
                            "{}%:{}%",
                            (t.from * Decimal::ONE_HUNDRED).normalize(),
                            (t.rate * Decimal::ONE_HUNDRED).normalize()
                        )
                    })
                    .collect();
                writeln!(
                    out,
                    "{:>4}  {}  metric {}  tiers {}  threshold {}  cap {}",
                    p.id,
                    p.name,
                    p.metric,
                    tiers.join(","),
                    p.rules.threshold.map_or_else(
                        || "none".into(),
                        |t| format!("{}%", (t * Decimal::ONE_HUNDRED).normalize())
                    ),
                    p.rules.cap.map_or_else(|| "none".into(), |c| c.to_string()),
                )?;
            }
        }
        PayCommand::Assign {
            plan,
            logins,
            from,
            to,
        } => {
            let mut users = Vec::new();
            for login in &logins {
                let login = Login::new(login).map_err(|e| anyhow::anyhow!("{login}: {e}"))?;
                users.push(
                    store
                        .user_by_login(&login)
                        .await
                        .map_err(|_| anyhow::anyhow!("no user has the login '{login}'"))?
                        .id,
                );
            }
            let n = pay::assign(store, By::Cli, plan, &users, from, to).await?;
            writeln!(out, "{n} person(s) on plan {plan} from {from}")?;
        }
        PayCommand::Run { period } => {
            let period = engine
                .calendar()
                .parse(&period)
                .map_err(|e| anyhow::anyhow!("PERIOD: {e}"))?;
            let run = pay::calculate(&engine, By::Cli, period, None).await?;
            let r = store.payout_run(run).await?;
            writeln!(
                out,
                "payout run {run} for {}: {} statement(s), {} in all (draft)",
                r.period,
                r.statements,
                Money::from_minor_units(r.total_minor, base)
            )?;
        }
        PayCommand::Runs => {
            for r in store.payout_runs().await? {
                writeln!(
                    out,
                    "{:>4}  {:<11} {:<9} {:>5} statement(s)  {}",
                    r.id,
                    r.period,
                    r.status.key(),
                    r.statements,
                    Money::from_minor_units(r.total_minor, base)
                )?;
            }
        }
        PayCommand::Recalculate { run } => {
            let period = engine
                .calendar()
                .parse(&store.payout_run(run).await?.period)?;
            pay::calculate(&engine, By::Cli, period, Some(run)).await?;
            writeln!(out, "payout run {run} recalculated")?;
        }
        PayCommand::Approve { run } => {
            pay::advance(store, By::Cli, run, RunStatus::Approved).await?;
            writeln!(out, "payout run {run} approved")?;
        }
        PayCommand::Lock { run } => {
            pay::advance(store, By::Cli, run, RunStatus::Locked).await?;
            writeln!(out, "payout run {run} locked")?;
        }
        PayCommand::Statements { run } => {
            store.payout_run(run).await?;
            writeln!(
                out,
                "{:>6}  {:<24} {:>16} {:>16} {:>9} {:>14}",
                "id", "person", "credited", "quota", "attain", "commission"
            )?;
            for s in store
                .statements_visible(
                    &attain_core::PayVisibility::Everything,
                    Some(run),
                    None,
                    0,
                    i64::MAX,
                )
                .await?
            {
                writeln!(
                    out,
                    "{:>6}  {:<24} {:>16} {:>16} {:>9} {:>14}",
                    s.id,
                    s.user_name.chars().take(24).collect::<String>(),
                    s.credited.amount().to_string(),
                    s.quota
                        .map_or_else(|| "—".into(), |q| q.amount().to_string()),
                    s.trace.attainment.map_or_else(
                        || "—".into(),
                        |a| format!("{}%", (a * Decimal::ONE_HUNDRED).round_dp(1))
                    ),
                    s.commission.amount().to_string(),
                )?;
            }
        }
        PayCommand::Export { run } => {
            write!(out, "{}", pay::payroll_csv(store, By::Cli, run).await?)?;
        }
    }
    Ok(())
}
