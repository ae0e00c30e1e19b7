//! Where each goal stands: its progress against the figure so far, and the
//! SMART check of how it is written.

use std::collections::{BTreeMap, HashMap};

use attain_core::goal::{self, Progress, SmartCheck, SmartFacts, is_additive};
use attain_core::kpi::Unit;
use attain_core::{GoalId, MetricKey, OrgUnitId, Period, PeriodKey};
use attain_store::Goal;
use chrono::{Datelike, Months, NaiveDate};
use rust_decimal::Decimal;

use crate::{AppError, AppResult};
use attain_kpi::{Dim, Engine, KpiQuery, Scope};

use super::*;

/// A goal with where it stands.
#[derive(Debug, Clone)]
pub struct GoalView {
    /// The goal.
    pub goal: Goal,
    /// Its period.
    pub period: Period,
    /// Whose or which, for people.
    pub scope_label: String,
    /// Unit of the metric.
    pub unit: Unit,
    /// Actual to date.
    pub actual: Option<Decimal>,
    /// Pace, projection, attainment and status (with an actual).
    pub progress: Option<Progress>,
    /// Why the goal could not be measured (a metric since removed, a
    /// currency without a rate, …): the goal is still shown, without an
    /// actual, and one goal never hides the others.
    pub problem: Option<String>,
}

/// Goals measured together: metric, period, and the parent unit of sibling
/// units' goals (`None` for people's goals).
type BatchKey = (MetricKey, PeriodKey, Option<OrgUnitId>);

/// Where each goal stands on `today`. Goals of people sharing a metric and
/// period are measured with one breakdown query; other currencies count at
/// the plan rates where set.
pub async fn views(
    engine: &Engine<'_>,
    goals: Vec<Goal>,
    today: NaiveDate,
) -> AppResult<Vec<GoalView>> {
    let plan = engine.at_plan_rates();
    let engine = plan.as_ref().unwrap_or(engine);
    // Goals of people, or of sibling units, that share a metric and period
    // are measured with one breakdown query per group.
    let tree = engine.tree();
    let group_of = |goal: &Goal| -> Option<(Option<OrgUnitId>, String)> {
        match &goal.scope {
            Scope::Rep(r) => Some((None, r.to_string())),
            Scope::Unit(u) => Some((Some(tree.unit(*u)?.parent?), u.to_string())),
            _ => None,
        }
    };
    let mut sizes: BTreeMap<BatchKey, usize> = BTreeMap::new();
    for g in &goals {
        if let Some((parent, _)) = group_of(g) {
            *sizes
                .entry((g.metric.clone(), g.period, parent))
                .or_default() += 1;
        }
    }
    let mut batches: BTreeMap<BatchKey, HashMap<String, Option<Decimal>>> = BTreeMap::new();
    for ((metric, period, parent), n) in sizes {
        if n < 3 {
            continue;
        }
        let (scope, dim) = match parent {
            None => (Scope::Company, Dim::Rep),
            Some(p) => (Scope::Unit(p), Dim::Unit),
        };
        let Ok(period_of_batch) = engine.calendar().period(period) else {
            continue;
        };
        let answer = engine
            .answer(&KpiQuery {
                metric: metric.clone(),
                formula: None,
                period: period_of_batch,
                scope,
                by: vec![dim],
                target: None,
            })
            .await;
        // A batch that cannot be measured is measured goal by goal below,
        // so each goal says its own problem.
        let Ok(answer) = answer else {
            continue;
        };
        batches.insert(
            (metric, period, parent),
            answer
                .rows
                .into_iter()
                .filter_map(|r| Some((r.keys.first()?.clone(), r.value)))
                .collect(),
        );
    }
    let mut out = Vec::with_capacity(goals.len());
    for goal in goals {
        let period = engine.calendar().period(goal.period)?;
        let (scope, unit) = match (scope_of(&goal), metric_unit(&goal.metric, engine)) {
            (Ok(scope), Ok(unit)) => (scope, unit),
            (Err(e), _) | (_, Err(e)) => {
                out.push(GoalView {
                    scope_label: goal.scope.key(),
                    period,
                    unit: Unit::Ratio,
                    actual: None,
                    progress: None,
                    problem: Some(e.to_string()),
                    goal,
                });
                continue;
            }
        };
        let batched = group_of(&goal).and_then(|(parent, key)| {
            let values = batches.get(&(goal.metric.clone(), goal.period, parent))?;
            Some(
                values
                    .get(&key)
                    .copied()
                    .unwrap_or_else(|| is_additive(&goal.metric).then_some(Decimal::ZERO)),
            )
        });
        let (value, problem) = match batched {
            Some(v) => (v, None),
            None => match actual(engine, &goal.metric, &scope, period).await {
                Ok(v) => (v, None),
                Err(e) => (None, Some(e.to_string())),
            },
        };
        let progress = value.map(|v| {
            goal::progress(
                &period,
                today,
                goal.target(),
                v,
                goal.direction,
                is_additive(&goal.metric),
            )
        });
        out.push(GoalView {
            scope_label: engine.scope_label(&scope),
            period,
            unit,
            actual: value,
            progress,
            problem,
            goal,
        });
    }
    Ok(out)
}

/// The SMART check of a goal on `today`.
pub async fn smart(
    engine: &Engine<'_>,
    goal: &Goal,
    today: NaiveDate,
) -> AppResult<Vec<SmartCheck>> {
    let scope = scope_of(goal)?;
    let period = engine.calendar().period(goal.period)?;
    let additive = is_additive(&goal.metric);
    // History the calendar cannot name (before year 1000, beyond ten
    // years) is no history: the check says so rather than failing.
    let last_year = match period.same_period_last_year() {
        Ok(before) => actual(engine, &goal.metric, &scope, before).await?,
        Err(_) => None,
    };
    // Comparable windows: the same length as the goal's period, ending at
    // the last twelve month (or period) boundaries before it or today.
    let reference = today.min(period.start());
    let mut windows = Vec::new();
    let month_aligned = period.start().day() == 1 && period.end().day() == 1;
    let span_months = if month_aligned {
        (period.end().year() - period.start().year()) * 12 + period.end().month() as i32
            - period.start().month() as i32
    } else {
        0
    };
    let ref_month = NaiveDate::from_ymd_opt(reference.year(), reference.month(), 1)
        .ok_or_else(|| AppError::Invalid(format!("{reference} has no month")))?;
    if additive && span_months > 0 {
        // A figure that adds up: one monthly series covers every window and
        // its year-earlier twin, summed here month by month.
        let span = span_months.unsigned_abs();
        let months = |back: u32| ref_month.checked_sub_months(Months::new(back));
        let history = months(11 + span + 12).and_then(|first| {
            engine
                .calendar()
                .period(PeriodKey::Range(
                    first,
                    ref_month.pred_opt().unwrap_or(ref_month),
                ))
                .ok()
        });
        if let Some(history) = history {
            let series = engine
                .answer(&KpiQuery {
                    metric: goal.metric.clone(),
                    formula: None,
                    period: history,
                    scope: scope.clone(),
                    by: vec![Dim::Month],
                    target: None,
                })
                .await?;
            let by_month: HashMap<String, Decimal> = series
                .rows
                .iter()
                .filter_map(|r| Some((r.keys.first()?.clone(), r.value?)))
                .collect();
            let sum = |end_back: u32| -> Decimal {
                (end_back..end_back + span)
                    .filter_map(|b| months(b + 1))
                    .map(|m| {
                        by_month
                            .get(&format!("{:04}-{:02}", m.year(), m.month()))
                            .copied()
                            .unwrap_or_default()
                    })
                    .sum()
            };
            for i in 0..12_u32 {
                windows.push((Some(sum(i)), Some(sum(i + 12))));
            }
        }
    }
    let mut previous = period;
    for i in 0..12_u32 {
        if additive && span_months > 0 {
            break;
        }
        let window = if span_months > 0 {
            let end = NaiveDate::from_ymd_opt(reference.year(), reference.month(), 1)
                .and_then(|d| d.checked_sub_months(Months::new(i)));
            let start =
                end.and_then(|e| e.checked_sub_months(Months::new(span_months.unsigned_abs())));
            let window = match (start, end) {
                (Some(s), Some(e)) if s < e => engine
                    .calendar()
                    .period(PeriodKey::Range(s, e.pred_opt().unwrap_or(e)))
                    .ok(),
                _ => None,
            };
            match window {
                Some(w) => w,
                None => break,
            }
        } else {
            previous = match previous.previous() {
                Ok(p) => p,
                Err(_) => break,
            };
            if previous.end() > reference {
                continue;
            }
            previous
        };
        let now = actual(engine, &goal.metric, &scope, window).await?;
        let before = match (additive, window.same_period_last_year()) {
            (true, Ok(before)) => actual(engine, &goal.metric, &scope, before).await?,
            _ => None,
        };
        windows.push((now, before));
    }
    let trailing_has_data = windows
        .iter()
        .any(|(n, _)| n.is_some_and(|v| !additive || !v.is_zero()));
    let inactive_person = match goal.user {
        Some(u) => !engine.store().user(u).await?.active,
        None => false,
    };
    Ok(goal::smart_check(
        &period,
        today,
        &SmartFacts {
            inactive_person,
            last_year,
            has_data: trailing_has_data || last_year.is_some_and(|v| !additive || !v.is_zero()),
            windows,
            parent: goal.parent.map(GoalId::raw),
            company: scope == Scope::Company,
            target: goal.target(),
            direction: goal.direction,
            additive,
        },
    ))
}
