//! Splitting a goal into its parts — child units, reps or months — by
//! equal shares, last year's shares, seasonality or weights, so the parts
//! add up exactly to the whole, and cascading a revision down to them.

use std::collections::HashMap;

use attain_core::goal::{is_additive, split_target, target_units};
use attain_core::kpi::Unit;
use attain_core::{GoalId, Period, PeriodKey, Role, Visibility};
use attain_store::{Goal, GoalChanges, GoalFilter, NewGoal, Revision};
use chrono::{Datelike, Months};
use rust_decimal::Decimal;

use crate::{AppError, AppResult};
use attain_kpi::{Dim, Engine, KpiQuery, Scope};

use super::*;

/// What to split a goal into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SplitInto {
    /// The child units of the goal's unit (regions of the company, teams of a region).
    Units,
    /// The active reps in the goal's unit and below.
    Reps,
    /// The months of the goal's period, for the same scope.
    Months,
}

impl std::str::FromStr for SplitInto {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "units" | "unit" => Ok(SplitInto::Units),
            "reps" | "rep" => Ok(SplitInto::Reps),
            "months" | "month" => Ok(SplitInto::Months),
            other => Err(format!("'{other}' is not units, reps or months")),
        }
    }
}

impl SplitInto {
    /// Key used in the API and stored with the goal.
    pub fn key(self) -> &'static str {
        match self {
            SplitInto::Units => "units",
            SplitInto::Reps => "reps",
            SplitInto::Months => "months",
        }
    }
}

/// How to weigh the parts of a split.
#[derive(Debug, Clone, PartialEq)]
pub enum SplitMethod {
    /// The same for each.
    Equal,
    /// In proportion to each part's actual in a basis period (the same
    /// period a year earlier when not given). Months follow the seasonal
    /// profile: the same months of the two years before.
    History(Option<Period>),
    /// Given weights per part: a unit's ID or name, a rep's ID or login,
    /// a month's key (`2026-07`). Parts not named weigh nothing.
    Weights(Vec<(String, Decimal)>),
}

impl SplitMethod {
    fn note(&self, into: SplitInto, default_basis: &str) -> String {
        let how = match self {
            SplitMethod::Equal => "equal".to_owned(),
            SplitMethod::History(_) if into == SplitInto::Months => "seasonal".to_owned(),
            SplitMethod::History(basis) => format!(
                "history:{}",
                basis.map_or_else(|| default_basis.to_owned(), |b| b.to_string())
            ),
            SplitMethod::Weights(_) => "weights".to_owned(),
        };
        format!("{}/{how}", into.key())
    }
}

/// One part of a split as decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitPart {
    /// Its goal (new or existing).
    pub goal: GoalId,
    /// Scope key.
    pub scope: String,
    /// Whose or which.
    pub label: String,
    /// Period key.
    pub period: String,
    /// Weight it got.
    pub weight: Decimal,
    /// Its target.
    pub target: Decimal,
}

/// The months `[start, end)` covers, when it is made of whole months.
fn whole_months(engine: &Engine<'_>, period: &Period) -> AppResult<Vec<Period>> {
    let mut out = Vec::new();
    let mut month = period.start();
    if month.day() != 1 {
        return Err(AppError::Invalid(format!(
            "{period} does not start on the first of a month, so it has no whole months"
        )));
    }
    while month < period.end() {
        out.push(
            engine
                .calendar()
                .period(PeriodKey::Month(month.year(), month.month()))?,
        );
        month = month
            .checked_add_months(Months::new(1))
            .ok_or_else(|| AppError::Invalid("date out of range".into()))?;
    }
    if month != period.end() || out.len() < 2 {
        return Err(AppError::Invalid(format!(
            "{period} is not made of two or more whole months"
        )));
    }
    Ok(out)
}

/// A part of a split before weighing: scope, period, label and the keys a
/// weights list may name it by.
struct Candidate {
    scope: Scope,
    period: Period,
    label: String,
    keys: Vec<String>,
}

async fn candidates(
    engine: &Engine<'_>,
    goal: &Goal,
    scope: &Scope,
    period: Period,
    into: SplitInto,
) -> AppResult<Vec<Candidate>> {
    let tree = engine.tree();
    let unit = match scope {
        Scope::Company => tree.units().next().map(|u| u.id),
        Scope::Unit(u) => Some(*u),
        _ => None,
    };
    match into {
        SplitInto::Months => Ok(whole_months(engine, &period)?
            .into_iter()
            .map(|m| Candidate {
                scope: scope.clone(),
                period: m,
                label: m.to_string(),
                keys: vec![m.to_string()],
            })
            .collect()),
        SplitInto::Units => {
            let unit = unit.ok_or_else(|| {
                AppError::Invalid(format!(
                    "goal {}: only a unit's goal splits into units",
                    goal.id
                ))
            })?;
            let out: Vec<Candidate> = tree
                .children(unit)
                .map(|u| Candidate {
                    scope: Scope::Unit(u.id),
                    period,
                    label: u.name.clone(),
                    keys: vec![u.id.to_string(), u.name.clone()],
                })
                .collect();
            if out.is_empty() {
                return Err(AppError::Invalid(format!(
                    "goal {}: {} has no units below it; split it into reps",
                    goal.id,
                    engine.scope_label(scope)
                )));
            }
            Ok(out)
        }
        SplitInto::Reps => {
            let unit = unit.ok_or_else(|| {
                AppError::Invalid(format!(
                    "goal {}: only a unit's goal splits into reps",
                    goal.id
                ))
            })?;
            let out: Vec<Candidate> = engine
                .store()
                .users()
                .await?
                .into_iter()
                .filter(|u| u.active && u.role == Role::Rep && tree.user_is_within(u.id, unit))
                .map(|u| Candidate {
                    scope: Scope::Rep(u.id),
                    period,
                    label: u.display_name.clone(),
                    keys: vec![u.id.to_string(), u.login.to_string()],
                })
                .collect();
            if out.is_empty() {
                return Err(AppError::Invalid(format!(
                    "goal {}: nobody works as a rep in {}",
                    goal.id,
                    engine.scope_label(scope)
                )));
            }
            Ok(out)
        }
    }
}

async fn weights(
    engine: &Engine<'_>,
    goal: &Goal,
    scope: &Scope,
    period: Period,
    into: SplitInto,
    method: &SplitMethod,
    parts: &[Candidate],
) -> AppResult<Vec<Decimal>> {
    match method {
        SplitMethod::Equal => Ok(vec![Decimal::ONE; parts.len()]),
        SplitMethod::Weights(given) => {
            let mut out = vec![Decimal::ZERO; parts.len()];
            for (key, w) in given {
                if w.is_sign_negative() {
                    return Err(AppError::Invalid(format!(
                        "weights: {key} = {w} is negative"
                    )));
                }
                let i = parts
                    .iter()
                    .position(|p| p.keys.iter().any(|k| k == key.trim()))
                    .ok_or_else(|| {
                        AppError::Invalid(format!(
                            "weights: '{key}' is not one of the parts ({})",
                            parts
                                .iter()
                                .map(|p| p.keys[0].as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ))
                    })?;
                out[i] = *w;
            }
            Ok(out)
        }
        SplitMethod::History(basis) => {
            let mut out = Vec::with_capacity(parts.len());
            if into == SplitInto::Months {
                // The seasonal profile: each month's share in the two years before.
                for p in parts {
                    let a = p.period.same_period_last_year()?;
                    let b = a.same_period_last_year()?;
                    let mut w = Decimal::ZERO;
                    for earlier in [a, b] {
                        w += actual(engine, &goal.metric, scope, earlier)
                            .await?
                            .unwrap_or_default();
                    }
                    out.push(w.max(Decimal::ZERO));
                }
            } else {
                let basis = match basis {
                    Some(b) => *b,
                    None => period.same_period_last_year()?,
                };
                let dim = if into == SplitInto::Units {
                    Dim::Unit
                } else {
                    Dim::Rep
                };
                let answer = engine
                    .answer(&KpiQuery {
                        metric: goal.metric.clone(),
                        formula: None,
                        period: basis,
                        scope: scope.clone(),
                        by: vec![dim],
                        target: None,
                    })
                    .await?;
                let by_key: HashMap<&str, Decimal> = answer
                    .rows
                    .iter()
                    .filter_map(|r| Some((r.keys.first()?.as_str(), r.value?)))
                    .collect();
                for p in parts {
                    out.push(
                        by_key
                            .get(p.keys[0].as_str())
                            .copied()
                            .unwrap_or_default()
                            .max(Decimal::ZERO),
                    );
                }
            }
            if out.iter().all(Decimal::is_zero) {
                return Err(AppError::Invalid(format!(
                    "goal {}: the parts have no history of {} to weigh them by; split equally or with weights",
                    goal.id, goal.metric
                )));
            }
            Ok(out)
        }
    }
}

/// Splits a goal into units, reps or months, creating the parts (or
/// re-weighing the parts of an earlier split of the same kind, each change
/// kept as a revision). Parts of an additive metric add up exactly to the
/// goal; parts of a ratio inherit its target.
pub async fn split(
    engine: &Engine<'_>,
    by: By<'_>,
    id: GoalId,
    into: SplitInto,
    method: &SplitMethod,
) -> AppResult<Vec<SplitPart>> {
    let store = engine.store();
    let goal = store.goal_visible(&by.visibility(), id).await?;
    let scope = scope_of(&goal)?;
    let period = engine.calendar().period(goal.period)?;
    let parts = candidates(engine, &goal, &scope, period, into).await?;
    for p in &parts {
        if !may_set(by, &p.scope, engine) {
            return Err(forbidden(&p.scope.key()));
        }
    }
    let weights = weights(engine, &goal, &scope, period, into, method, &parts).await?;
    let additive = is_additive(&goal.metric);
    let targets: Vec<Decimal> = if additive {
        split_target(goal.target(), goal.scale, &weights)
            .map_err(|e| AppError::Invalid(format!("weights: {e}")))?
    } else {
        vec![goal.target(); parts.len()]
    };
    let note = method.note(into, &period.same_period_last_year()?.to_string());
    let existing = store
        .goals_visible(
            &Visibility::Everything,
            &GoalFilter {
                parent: Some(id),
                ..GoalFilter::default()
            },
            0,
            i64::MAX,
        )
        .await?;
    let kind_of = |g: &Goal| {
        if g.period != goal.period {
            SplitInto::Months
        } else if g.user.is_some() {
            SplitInto::Reps
        } else {
            SplitInto::Units
        }
    };
    if let Some(other) = existing
        .iter()
        .filter(|g| g.metric == goal.metric)
        .map(kind_of)
        .find(|k| *k != into)
    {
        return Err(AppError::Invalid(format!(
            "goal {id} is already split into {}; remove that split before splitting it into {}",
            other.key(),
            into.key()
        )));
    }
    let mut same: HashMap<(String, PeriodKey), Goal> = HashMap::new();
    let mut periods: Vec<PeriodKey> = parts.iter().map(|p| p.period.key()).collect();
    periods.dedup();
    for period_key in periods {
        for g in store
            .goals_visible(
                &Visibility::Everything,
                &GoalFilter {
                    metric: Some(goal.metric.clone()),
                    period: Some(period_key),
                    ..GoalFilter::default()
                },
                0,
                i64::MAX,
            )
            .await?
        {
            same.insert((g.scope.key(), g.period), g);
        }
    }
    let reason = format!("split of goal {id} ({note})");
    let mut changes = GoalChanges {
        split: Some((id, note)),
        ..GoalChanges::default()
    };
    let unit = metric_unit(&goal.metric, engine)?;
    let mut out = Vec::with_capacity(parts.len());
    let mut created_at = Vec::new();
    for ((part, weight), target) in parts.iter().zip(&weights).zip(&targets) {
        let key = part.scope.key();
        let period_key = part.period.key();
        let units =
            target_units(*target, goal.scale).map_err(|e| AppError::Invalid(e.to_string()))?;
        let mut row = SplitPart {
            goal: id,
            scope: key.clone(),
            label: part.label.clone(),
            period: period_key.to_string(),
            weight: *weight,
            target: *target,
        };
        match same.remove(&(key.clone(), period_key)) {
            Some(found) => {
                if found.parent.is_some_and(|p| p != id) || found.id == id {
                    return Err(AppError::Invalid(format!(
                        "goal {} for {} in {period_key} already belongs to goal {}",
                        found.id,
                        part.label,
                        found
                            .parent
                            .map_or_else(|| "-".to_owned(), |p| p.to_string())
                    )));
                }
                if found.parent.is_none() {
                    changes.adopt.push((found.id, id));
                }
                changes.revise.push(Revision {
                    goal: found.id,
                    new_units: units,
                    reason: reason.clone(),
                });
                row.goal = found.id;
            }
            None => {
                let (org_unit, user) = owner_of(&part.scope, engine)?;
                created_at.push(out.len());
                changes.create.push(NewGoal {
                    parent: Some(id),
                    name: String::new(),
                    metric: goal.metric.clone(),
                    scope: part.scope.clone(),
                    unit: org_unit,
                    user,
                    period: period_key,
                    start: part.period.start(),
                    end: part.period.end(),
                    target_units: units,
                    scale: goal.scale,
                    currency: if unit == Unit::Money {
                        goal.currency
                    } else {
                        None
                    },
                    direction: goal.direction,
                });
            }
        }
        out.push(row);
    }
    // Parts of an earlier split that are not parts any more drop to zero,
    // so the parts still add up to the goal.
    if additive {
        for old in existing.iter().filter(|g| g.metric == goal.metric) {
            if !out
                .iter()
                .any(|p| p.scope == old.scope.key() && p.period == old.period.to_string())
                && old.target_units != 0
            {
                changes.revise.push(Revision {
                    goal: old.id,
                    new_units: 0,
                    reason: format!("no longer a part of goal {id} ({})", reason),
                });
            }
        }
    }
    let ids = store.apply_goal_changes(&by.actor(), &changes).await?;
    for (slot, new_id) in created_at.into_iter().zip(ids) {
        out[slot].goal = new_id;
    }
    Ok(out)
}

/// The revisions that carry a goal's new target down to its parts: each
/// level re-split in proportion to the parts' current targets (equally when
/// they are all zero); a ratio's parts that had the old target get the new.
pub(super) fn cascade(
    root: &Goal,
    new_units: i64,
    below: &[Goal],
    reason: &str,
    out: &mut Vec<Revision>,
) -> AppResult<()> {
    let children: Vec<&Goal> = below
        .iter()
        .filter(|g| g.parent == Some(root.id) && g.metric == root.metric && g.scale == root.scale)
        .collect();
    if children.is_empty() {
        return Ok(());
    }
    let new_targets: Vec<i64> = if is_additive(&root.metric) {
        let mut w: Vec<Decimal> = children
            .iter()
            .map(|c| Decimal::from(c.target_units))
            .collect();
        if w.iter().all(Decimal::is_zero) {
            w = vec![Decimal::ONE; children.len()];
        }
        attain_core::money::allocate_units(new_units, &w)
            .map_err(|e| AppError::Invalid(e.to_string()))?
    } else {
        children
            .iter()
            .map(|c| {
                if c.target_units == root.target_units {
                    new_units
                } else {
                    c.target_units
                }
            })
            .collect()
    };
    for (child, units) in children.into_iter().zip(new_targets) {
        out.push(Revision {
            goal: child.id,
            new_units: units,
            reason: reason.to_owned(),
        });
        cascade(child, units, below, reason, out)?;
    }
    Ok(())
}
