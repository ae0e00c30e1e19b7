//! Commission: plans (tiers on the attainment of a quota, threshold, cap),
//! who is on which plan, payout runs that calculate every person's
//! statement for a period with the whole calculation kept, and their
//! approval and locking. Sales ops and admins run it all; everyone reads the
//! statements his pay visibility allows (his own, his subtree's, or all).
//!
//! The credited amount is the plan's metric for the person over the period,
//! from the KPI engine (so it follows product.md's definitions and
//! attribution). The quota is the person's goal for that metric and period;
//! failing that, his goal for a period containing it, in proportion to the
//! days (a quarter of an annual goal), as the statement says.

use std::collections::HashMap;

use attain_core::comp::{self, Calculation, PlanRules, Tier};
use attain_core::goal::is_additive;
use attain_core::kpi::Unit;
use attain_core::{Money, PayoutRunId, Period, PlanId, Role, UserId, Visibility};
use attain_store::{
    GoalFilter, NewPlan, NewStatement, PayTrace, QuotaSource, RunStatus, Store, TraceLine,
};
use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

use crate::goals::By;
use crate::{AppError, AppResult};
use attain_kpi::{Dim, Engine, KpiQuery, Scope};

fn may_run(by: By<'_>) -> AppResult<()> {
    match by {
        By::Cli | By::System => Ok(()),
        By::Person(p) if p.can_run_payouts() => Ok(()),
        By::Person(_) => Err(AppError::Forbidden(
            "only sales operations and administrators define plans and run payouts".into(),
        )),
    }
}

/// A plan as given: tiers as (attainment from, rate), both fractions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanSpec {
    /// Name.
    pub name: String,
    /// Credited metric: an additive money metric (revenue, bookings, payments).
    pub metric: String,
    /// Tiers.
    pub tiers: Vec<Tier>,
    /// Attainment below which nothing is paid.
    pub threshold: Option<Decimal>,
    /// Most one person earns per period, in the base currency.
    pub cap: Option<Decimal>,
}

/// Creates (`id` None) or replaces a plan.
pub async fn save_plan(
    engine: &Engine<'_>,
    by: By<'_>,
    id: Option<PlanId>,
    spec: &PlanSpec,
) -> AppResult<PlanId> {
    may_run(by)?;
    if spec.name.trim().is_empty() {
        return Err(AppError::Invalid("name: a plan needs a name".into()));
    }
    attain_core::text::name(&spec.name).map_err(|e| AppError::Invalid(format!("name: {e}")))?;
    let metric = attain_core::MetricKey::parse(&spec.metric);
    let unit = crate::goals::metric_unit(&metric, engine)?;
    if unit != Unit::Money || !is_additive(&metric) {
        return Err(AppError::Invalid(format!(
            "metric: '{}' is not an amount credited to people; use revenue, bookings or payments",
            spec.metric
        )));
    }
    let base = engine.base_currency();
    let rules = PlanRules {
        tiers: spec.tiers.clone(),
        threshold: spec.threshold,
        cap: spec.cap.map(|c| Money::new(c, base)),
    };
    rules
        .validate()
        .map_err(|e| AppError::Invalid(format!("tiers: {e}")))?;
    Ok(engine
        .store()
        .save_plan_audited(
            &by.actor(),
            id,
            &NewPlan {
                name: spec.name.trim().to_owned(),
                metric: spec.metric.clone(),
                rules,
            },
            base,
        )
        .await?)
}

/// Deletes a plan nobody is or was on.
pub async fn delete_plan(store: &Store, by: By<'_>, id: PlanId) -> AppResult<()> {
    may_run(by)?;
    Ok(store.delete_plan_audited(&by.actor(), id).await?)
}

/// Puts people on a plan from a day (until a day, or for good).
pub async fn assign(
    store: &Store,
    by: By<'_>,
    plan: PlanId,
    users: &[UserId],
    from: NaiveDate,
    to: Option<NaiveDate>,
) -> AppResult<usize> {
    may_run(by)?;
    // Plans run in the years Attain's records do (found by attack: an
    // assignment from the year 999 was accepted).
    for (what, day) in [("from", Some(from)), ("to", to)] {
        if let Some(day) = day.filter(|d| !(1900..=2199).contains(&d.year())) {
            return Err(AppError::Invalid(format!(
                "{what}: {day} is outside 1900 to 2199"
            )));
        }
    }
    if users.len() > 10_000 {
        return Err(AppError::Invalid(format!(
            "users: at most 10,000 people are assigned at once ({} given)",
            users.len()
        )));
    }
    // A viewer reads; he is not paid commission.
    let viewers: Vec<String> = store
        .users()
        .await?
        .into_iter()
        .filter(|u| u.role == Role::Viewer && users.contains(&u.id))
        .map(|u| u.login.to_string())
        .collect();
    if !viewers.is_empty() {
        return Err(AppError::Invalid(format!(
            "users: {} are viewers, who are not paid commission",
            viewers.join(", ")
        )));
    }
    Ok(store
        .assign_plan_audited(&by.actor(), plan, users, from, to)
        .await?)
}

/// The goals of people for a metric that overlap a period, by scope key,
/// read once for a whole run.
async fn rep_goals(
    engine: &Engine<'_>,
    metric: &str,
    period: &Period,
) -> AppResult<HashMap<String, Vec<attain_store::Goal>>> {
    let mut out: HashMap<String, Vec<attain_store::Goal>> = HashMap::new();
    for g in engine
        .store()
        .goals_visible(
            &Visibility::Everything,
            &GoalFilter {
                metric: Some(attain_core::MetricKey::parse(metric)),
                overlapping: Some((period.start(), period.end())),
                ..GoalFilter::default()
            },
            0,
            i64::MAX,
        )
        .await?
    {
        if g.user.is_some() {
            out.entry(g.scope.key()).or_default().push(g);
        }
    }
    Ok(out)
}

/// The quota of a person for a period among his goals of the plan's
/// metric, and where it came from, for the statement.
fn quota_of(
    goals: &[attain_store::Goal],
    period: &Period,
    base: attain_core::Currency,
) -> Option<(Money, QuotaSource)> {
    if let Some(g) = goals.iter().find(|g| g.period == period.key()) {
        return Some((
            Money::new(g.target(), base),
            QuotaSource {
                goal: g.id.raw(),
                period: g.period.to_string(),
                target: g.target(),
                days: None,
                of_days: None,
            },
        ));
    }
    // The shortest goal that contains the period, in proportion to the days.
    let containing = goals
        .iter()
        .filter(|g| g.start <= period.start() && g.end >= period.end())
        .min_by_key(|g| (g.end - g.start).num_days());
    containing.map(|g| {
        let of_days = (g.end - g.start).num_days().max(1);
        let quota = Money::new(
            g.target() * Decimal::from(period.days()) / Decimal::from(of_days),
            base,
        )
        .rounded();
        (
            quota,
            QuotaSource {
                goal: g.id.raw(),
                period: g.period.to_string(),
                target: g.target(),
                days: Some(period.days()),
                of_days: Some(of_days),
            },
        )
    })
}

fn trace(
    plan: &attain_store::Plan,
    period: &Period,
    c: &Calculation,
    source: Option<QuotaSource>,
) -> PayTrace {
    PayTrace {
        plan: plan.name.clone(),
        metric: plan.metric.clone(),
        period: period.to_string(),
        credited: c.credited.amount(),
        quota: c.quota.as_ref().map(Money::amount),
        quota_source: source,
        attainment: c.attainment.map(|a| a.round_dp(6).normalize()),
        lines: c
            .lines
            .iter()
            .map(|l| TraceLine {
                from: l.from,
                to: l.to,
                base: l.base.amount(),
                rate: l.rate,
                amount: l.amount.amount(),
            })
            .collect(),
        earned: c.earned.amount(),
        threshold: plan.rules.threshold,
        below_threshold: c.below_threshold,
        cap: plan.rules.cap.as_ref().map(Money::amount),
        capped_by: c.capped_by.amount(),
        total: c.total.amount(),
        currency: c.total.currency().code().to_owned(),
    }
}

/// Calculates every statement of a period: a new draft run, or the
/// recalculation of a draft (`run`). Sales in other currencies are credited
/// at the plan rates where set, so commission does not move with exchange
/// rates after the fact.
pub async fn calculate(
    engine: &Engine<'_>,
    by: By<'_>,
    period: Period,
    run: Option<PayoutRunId>,
) -> AppResult<PayoutRunId> {
    may_run(by)?;
    let plan_engine = engine.at_plan_rates();
    let engine = plan_engine.as_ref().unwrap_or(engine);
    let store = engine.store();
    let period = match run {
        Some(id) => engine
            .calendar()
            .parse(&store.payout_run(id).await?.period)?,
        None => period,
    };
    // A person's sales in a period are paid by one run only: a run may not
    // overlap another, whatever their periods are called (found by attack:
    // a June run was locked beside the Q2 run that held June).
    if run.is_none()
        && let Some(existing) = store
            .payout_runs()
            .await?
            .into_iter()
            .find(|r| r.start < period.end() && period.start() < r.end)
    {
        return Err(AppError::Invalid(format!(
            "period: payout run {} ({}, {}) already covers days of {period}; a period is paid by one run only — recalculate that run while it is a draft",
            existing.id,
            existing.period,
            existing.status.key()
        )));
    }
    let plans: HashMap<PlanId, attain_store::Plan> = store
        .plans()
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let last = period.last_day();
    // Everyone on a plan on some day of the period, on the plan of his last day in it.
    let mut on_plan: HashMap<UserId, (NaiveDate, PlanId)> = HashMap::new();
    for a in store.assignments(None).await? {
        let start = a.from.max(period.start());
        let end = a.to.unwrap_or(last).min(last);
        if start <= end && on_plan.get(&a.user).is_none_or(|(d, _)| *d < end) {
            on_plan.insert(a.user, (end, a.plan));
        }
    }
    let base = engine.base_currency();
    // One breakdown query per metric for everyone's credited amount, and
    // one read of everyone's goals for it.
    let mut credited: HashMap<(String, String), Decimal> = HashMap::new();
    let mut goals: HashMap<&str, HashMap<String, Vec<attain_store::Goal>>> = HashMap::new();
    let mut metrics: Vec<&str> = plans.values().map(|p| p.metric.as_str()).collect();
    metrics.sort_unstable();
    metrics.dedup();
    for metric in metrics {
        goals.insert(metric, rep_goals(engine, metric, &period).await?);
        let answer = engine
            .answer(&KpiQuery {
                metric: metric.into(),
                formula: None,
                period,
                scope: Scope::Company,
                by: vec![Dim::Rep],
                target: None,
            })
            .await?;
        for row in answer.rows {
            if let (Some(key), Some(v)) = (row.keys.first(), row.value) {
                credited.insert((metric.to_owned(), key.clone()), v);
            }
        }
    }
    let mut people: Vec<(UserId, PlanId)> = on_plan.into_iter().map(|(u, (_, p))| (u, p)).collect();
    people.sort_unstable();
    let mut statements = Vec::with_capacity(people.len());
    for (user, plan_id) in people {
        let plan = plans
            .get(&plan_id)
            .ok_or_else(|| AppError::Internal(format!("plan {plan_id} vanished")))?;
        let amount = credited
            .get(&(plan.metric.clone(), user.to_string()))
            .copied()
            .unwrap_or_default();
        let quota = goals
            .get(plan.metric.as_str())
            .and_then(|by_scope| by_scope.get(&Scope::Rep(user).key()))
            .and_then(|mine| quota_of(mine, &period, base));
        let c = comp::commission(
            &plan.rules,
            Money::new(amount, base).rounded(),
            quota.as_ref().map(|q| q.0),
        )
        .map_err(|e| AppError::Invalid(format!("user {user}: {e}")))?;
        statements.push(NewStatement {
            user,
            plan: plan_id,
            trace: trace(plan, &period, &c, quota.map(|q| q.1)),
            credited: c.credited,
            quota: c.quota,
            commission: c.total,
        });
    }
    Ok(store
        .save_payout_run_audited(
            &by.actor(),
            run,
            (&period.to_string(), period.start(), period.end()),
            &statements,
        )
        .await?)
}

/// Approves a draft run, or locks an approved one.
pub async fn advance(store: &Store, by: By<'_>, run: PayoutRunId, to: RunStatus) -> AppResult<()> {
    may_run(by)?;
    Ok(store
        .advance_payout_run_audited(&by.actor(), run, to)
        .await?)
}

/// The payroll file of a locked run: one line per person with his login,
/// name, external ID and amount, as CSV.
pub async fn payroll_csv(store: &Store, by: By<'_>, run: PayoutRunId) -> AppResult<String> {
    may_run(by)?;
    let r = store.payout_run(run).await?;
    if r.status != RunStatus::Locked {
        return Err(AppError::Invalid(format!(
            "payout run {run} is {}; lock it before exporting it to payroll",
            r.status.key()
        )));
    }
    let people: HashMap<UserId, attain_store::User> = store
        .users()
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let mut out = crate::export::CsvOut::new(&[
        "period",
        "login",
        "name",
        "external_id",
        "amount",
        "currency",
    ]);
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
        use crate::export::Cell;
        let u = people.get(&s.user);
        let amount = s.commission.amount().to_string();
        out.row(&[
            Cell::Plain(&r.period),
            Cell::Text(u.map_or("", |u| u.login.as_str())),
            Cell::Text(&s.user_name),
            Cell::Text(
                u.and_then(|u| u.external_id.as_ref())
                    .map_or("", |e| e.as_str()),
            ),
            Cell::Plain(&amount),
            Cell::Plain(s.commission.currency().code()),
        ]);
    }
    Ok(out.finish())
}

/// The largest plan rate accepted: a unit of any currency is worth less
/// than a million units of another in practice.
const MAX_PLAN_RATE: i64 = 1_000_000;

/// Sets the fixed plan rate of `currency` for a fiscal year (units of the
/// base currency per unit), or removes it with `None`. Goals and pay then
/// convert that currency at this one rate all year; KPIs keep the monthly
/// rates. Sales operations and administrators only; audited.
pub async fn set_plan_rate(
    engine: &Engine<'_>,
    by: By<'_>,
    currency: attain_core::Currency,
    fiscal_year: i32,
    rate: Option<Decimal>,
) -> AppResult<()> {
    may_run(by)?;
    if currency == engine.base_currency() {
        return Err(AppError::Invalid(format!(
            "currency: {} is the base currency; its rate is always 1",
            currency.code()
        )));
    }
    if !(attain_core::period::MIN_YEAR..=attain_core::period::MAX_YEAR).contains(&fiscal_year) {
        return Err(AppError::Invalid(format!(
            "fiscal year: FY{fiscal_year} is outside FY1000 to FY9998"
        )));
    }
    let text = match rate {
        Some(r) if r <= Decimal::ZERO || r > Decimal::from(MAX_PLAN_RATE) => {
            return Err(AppError::Invalid(format!(
                "rate: {r} must be above 0 and at most {MAX_PLAN_RATE}"
            )));
        }
        Some(r) if r.normalize().scale() > 10 => {
            return Err(AppError::Invalid(format!(
                "rate: {r} has more than 10 decimals"
            )));
        }
        Some(r) => Some(r.normalize().to_string()),
        None => None,
    };
    engine
        .store()
        .set_plan_rate(&by.actor(), currency, fiscal_year, text.as_deref())
        .await?;
    Ok(())
}
