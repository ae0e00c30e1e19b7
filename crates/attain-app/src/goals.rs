//! Goals: set them, cascade them to units, reps and months (children always
//! add up exactly to their parent), revise them with a reason (kept with
//! who and when, and carried down to the children), check in on them, and
//! see where each stands: actual, attainment, pace, status, and the SMART
//! check letter by letter.
//!
//! Who may change what: admins, sales ops and the head of sales (a manager
//! of the whole company) set any goal; any other manager sets goals
//! strictly inside his subtree (his units below him and his people), so he
//! splits his team's goal across his reps but does not set his own; nobody
//! else sets goals. Check-ins come from anyone who may see the goal
//! and may write. Reads go through the store's visibility.

use std::collections::{BTreeMap, HashMap};

use attain_core::goal::{
    self, GoalDirection, Progress, SmartCheck, SmartFacts, is_additive, split_target, target_scale,
    target_units, target_value,
};
use attain_core::kpi::{Direction, Unit};
use attain_core::{
    GoalId, MetricKey, OrgUnitId, Period, PeriodKey, Principal, Role, UserId, Visibility,
};
use attain_store::{Actor, Goal, GoalChanges, GoalFilter, NewGoal, Revision};
use chrono::{Datelike, Months, NaiveDate};
use rust_decimal::Decimal;

use crate::{AppError, AppResult};
use attain_kpi::{Dim, Engine, KpiQuery, Scope};

/// Who asks: a signed-in person, or the command line (which administers).
#[derive(Debug, Clone, Copy)]
pub enum By<'a> {
    /// A person, with his role and place in the org.
    Person(&'a Principal),
    /// `attain goal …` on the server.
    Cli,
    /// Attain itself (the demo company).
    System,
}

impl By<'_> {
    /// Who the audit log names for a change made this way.
    pub(crate) fn actor(&self) -> Actor {
        match self {
            By::Person(p) => Actor::person(p),
            By::Cli => Actor::named("cli"),
            By::System => Actor::named("system"),
        }
    }

    fn visibility(&self) -> Visibility {
        match self {
            By::Person(p) => p.visibility(),
            By::Cli | By::System => Visibility::Everything,
        }
    }
}

/// Whether `by` may set or change a goal on `scope`: the shell and the
/// system may; a person as [`attain_core::Principal::may_set_goals_on`] decides.
pub fn may_set(by: By<'_>, scope: &Scope, engine: &Engine<'_>) -> bool {
    match by {
        By::Cli | By::System => true,
        By::Person(p) => p.may_set_goals_on(scope, &|u| engine.role_of(u), engine.tree()),
    }
}

fn forbidden(scope: &str) -> AppError {
    AppError::Forbidden(format!(
        "you may not set goals for {scope}: admins and sales ops set any goal, a manager those of the units and people below him"
    ))
}

/// A goal to set.
#[derive(Debug, Clone)]
pub struct GoalSpec {
    /// The metric (built-in or custom).
    pub metric: MetricKey,
    /// Whose figure.
    pub scope: Scope,
    /// Period.
    pub period: Period,
    /// Target, in the metric's unit (money in the base currency).
    pub target: Decimal,
    /// At least / at most; the metric's own direction when not given.
    pub direction: Option<GoalDirection>,
    /// The goal it is a part of.
    pub parent: Option<GoalId>,
    /// Optional name.
    pub name: String,
}

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

fn scope_of(goal: &Goal) -> AppResult<Scope> {
    Ok(goal.scope.clone())
}

/// The goals' own unit and person for a scope; checks they exist.
fn owner_of(scope: &Scope, engine: &Engine<'_>) -> AppResult<(Option<OrgUnitId>, Option<UserId>)> {
    let tree = engine.tree();
    match scope {
        Scope::Company => Ok((tree.units().next().map(|u| u.id), None)),
        Scope::Unit(u) => match tree.unit(*u) {
            Some(_) => Ok((Some(*u), None)),
            None => Err(AppError::Invalid(format!(
                "scope: org unit {u} does not exist"
            ))),
        },
        Scope::Rep(r) => match tree.unit_of(*r) {
            Some(_) => Ok((None, Some(*r))),
            None => Err(AppError::Invalid(format!("scope: user {r} does not exist"))),
        },
        _ => Ok((None, None)),
    }
}

/// The unit of a metric (built-in or custom), or an error listing them.
pub fn metric_unit(metric: &MetricKey, engine: &Engine<'_>) -> AppResult<Unit> {
    if let Some(m) = metric.builtin() {
        return Ok(m.def().unit);
    }
    engine
        .custom_metrics()
        .find(|(k, _)| *k == metric.key())
        .map(|(_, u)| u)
        .ok_or_else(|| {
            AppError::Invalid(format!(
                "metric: '{metric}' is neither a catalogue metric nor a custom one"
            ))
        })
}

fn default_direction(metric: &MetricKey) -> GoalDirection {
    match metric.builtin().map(|m| m.def().direction) {
        Some(Direction::LowerIsBetter) => GoalDirection::AtMost,
        _ => GoalDirection::AtLeast,
    }
}

/// The metric's value for a scope and period (`None` when it has none), as
/// a goal measures it: other currencies at the plan rates where set.
pub async fn actual(
    engine: &Engine<'_>,
    metric: &MetricKey,
    scope: &Scope,
    period: Period,
) -> AppResult<Option<Decimal>> {
    let plan = engine.at_plan_rates();
    let engine = plan.as_ref().unwrap_or(engine);
    let answer = engine
        .answer(&KpiQuery {
            metric: metric.clone(),
            formula: None,
            period,
            scope: scope.clone(),
            by: Vec::new(),
            target: None,
        })
        .await?;
    Ok(answer.rows.first().and_then(|r| r.value))
}

/// Whether `part` lies within `whole`: the company holds everything, a unit
/// the units and people below it, anything else only itself.
fn scope_within(whole: &Scope, part: &Scope, tree: &attain_core::OrgTree) -> bool {
    match (whole, part) {
        (Scope::Company, _) => true,
        (Scope::Unit(u), Scope::Unit(v)) => tree.is_within(*v, *u),
        (Scope::Unit(u), Scope::Rep(r)) => tree.user_is_within(*r, *u),
        (w, p) => w == p,
    }
}

/// Sets a goal; returns its ID. The metric must be computable for the
/// scope and period (the KPI engine is asked once).
pub async fn create(engine: &Engine<'_>, by: By<'_>, spec: &GoalSpec) -> AppResult<GoalId> {
    let store = engine.store();
    let scope_key = spec.scope.key();
    if !may_set(by, &spec.scope, engine) {
        return Err(forbidden(&scope_key));
    }
    if !spec.name.trim().is_empty() {
        attain_core::text::name(&spec.name).map_err(|e| AppError::Invalid(format!("name: {e}")))?;
    }
    let unit = metric_unit(&spec.metric, engine)?;
    let (org_unit, user) = owner_of(&spec.scope, engine)?;
    let scale = target_scale(unit, engine.base_currency());
    let units =
        target_units(spec.target, scale).map_err(|e| AppError::Invalid(format!("target: {e}")))?;
    if let Some(parent) = spec.parent {
        let p = store.goal_visible(&by.visibility(), parent).await?;
        // A part of a goal (the same metric, which revisions rescale and
        // which add up) or a goal supporting it (another metric) lies
        // within its period and scope.
        if spec.period.start() < p.start || spec.period.end() > p.end {
            return Err(AppError::Invalid(format!(
                "parent: {} is not within goal {parent}'s period {}",
                spec.period, p.period
            )));
        }
        if !scope_within(&scope_of(&p)?, &spec.scope, engine.tree()) {
            return Err(AppError::Invalid(format!(
                "parent: {} is not within goal {parent}'s scope ({})",
                engine.scope_label(&spec.scope),
                engine.scope_label(&scope_of(&p)?)
            )));
        }
        if p.metric == spec.metric && !p.split.is_empty() && is_additive(&p.metric) {
            return Err(AppError::Invalid(format!(
                "parent: goal {parent} is split ({}); split it again to change its parts",
                p.split
            )));
        }
    }
    // Refuses what the engine cannot compute (e.g. a customer scope over part of a month).
    actual(engine, &spec.metric, &spec.scope, spec.period).await?;
    let ids = store
        .apply_goal_changes(
            &by.actor(),
            &GoalChanges {
                create: vec![NewGoal {
                    parent: spec.parent,
                    name: spec.name.trim().to_owned(),
                    metric: spec.metric.clone(),
                    scope: spec.scope.clone(),
                    unit: org_unit,
                    user,
                    period: spec.period.to_string(),
                    start: spec.period.start(),
                    end: spec.period.end(),
                    target_units: units,
                    scale,
                    currency: (unit == Unit::Money).then(|| engine.base_currency()),
                    direction: spec
                        .direction
                        .unwrap_or_else(|| default_direction(&spec.metric)),
                }],
                ..GoalChanges::default()
            },
        )
        .await?;
    ids.first()
        .copied()
        .ok_or_else(|| AppError::Internal("no goal was created".into()))
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
    let period = engine.calendar().parse(&goal.period)?;
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
    let mut same: HashMap<(String, String), Goal> = HashMap::new();
    let mut periods: Vec<String> = parts.iter().map(|p| p.period.to_string()).collect();
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
            same.insert((g.scope.key(), g.period.clone()), g);
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
        let period_key = part.period.to_string();
        let units =
            target_units(*target, goal.scale).map_err(|e| AppError::Invalid(e.to_string()))?;
        let mut row = SplitPart {
            goal: id,
            scope: key.clone(),
            label: part.label.clone(),
            period: period_key.clone(),
            weight: *weight,
            target: *target,
        };
        match same.remove(&(key.clone(), period_key.clone())) {
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
                .any(|p| p.scope == old.scope.key() && p.period == old.period)
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
fn cascade(
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

/// Changes a goal's target with a reason, kept with who and when; its
/// parts follow in proportion. A part of a split is changed by splitting
/// its parent again (with weights), so that parts keep adding up.
pub async fn revise(
    engine: &Engine<'_>,
    by: By<'_>,
    id: GoalId,
    new_target: Decimal,
    reason: &str,
) -> AppResult<usize> {
    let store = engine.store();
    let goal = store.goal_visible(&by.visibility(), id).await?;
    if !may_set(by, &scope_of(&goal)?, engine) {
        return Err(forbidden(&goal.scope.key()));
    }
    if reason.trim().is_empty() {
        return Err(AppError::Invalid(
            "reason: a revision needs a reason".into(),
        ));
    }
    if let Some(parent) = goal.parent {
        let p = store.goal(parent).await?;
        if p.metric == goal.metric && is_additive(&goal.metric) && !p.split.is_empty() {
            return Err(AppError::Invalid(format!(
                "goal {id} is a part of goal {parent}, split {}: split goal {parent} again with weights (or revise it) so that its parts still add up",
                p.split
            )));
        }
    }
    let units = target_units(new_target, goal.scale)
        .map_err(|e| AppError::Invalid(format!("target: {e}")))?;
    let mut revise = vec![Revision {
        goal: id,
        new_units: units,
        reason: reason.trim().to_owned(),
    }];
    let below = store.goal_descendants(id).await?;
    cascade(
        &goal,
        units,
        &below,
        &format!("goal {id} revised: {}", reason.trim()),
        &mut revise,
    )?;
    let changed = revise.len();
    store
        .apply_goal_changes(
            &by.actor(),
            &GoalChanges {
                revise,
                ..GoalChanges::default()
            },
        )
        .await?;
    Ok(changed)
}

/// Deletes a goal and its parts (all audited). A part of a split goes only
/// with the split: split the parent again instead.
pub async fn delete(engine: &Engine<'_>, by: By<'_>, id: GoalId) -> AppResult<usize> {
    let store = engine.store();
    let goal = store.goal_visible(&by.visibility(), id).await?;
    if !may_set(by, &scope_of(&goal)?, engine) {
        return Err(forbidden(&goal.scope.key()));
    }
    if let Some(parent) = goal.parent {
        let p = store.goal(parent).await?;
        if p.metric == goal.metric && is_additive(&goal.metric) && !p.split.is_empty() {
            return Err(AppError::Invalid(format!(
                "goal {id} is a part of goal {parent}'s split; split goal {parent} again instead"
            )));
        }
    }
    Ok(store.delete_goal_audited(&by.actor(), id).await?)
}

/// Adds a check-in: a comment and a confidence level (0–100 %).
pub async fn check_in(
    engine: &Engine<'_>,
    by: By<'_>,
    id: GoalId,
    confidence: u8,
    comment: &str,
) -> AppResult<()> {
    let store = engine.store();
    store.goal_visible(&by.visibility(), id).await?;
    if let By::Person(p) = by
        && !p.can_write()
    {
        return Err(AppError::Forbidden("a viewer does not check in".into()));
    }
    if confidence > 100 {
        return Err(AppError::Invalid(format!(
            "confidence: {confidence} is not between 0 and 100"
        )));
    }
    if comment.chars().count() > 2000 {
        return Err(AppError::Invalid("comment: at most 2000 characters".into()));
    }
    Ok(store
        .add_goal_checkin(&by.actor(), id, confidence, comment)
        .await?)
}

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
type BatchKey = (MetricKey, String, Option<OrgUnitId>);

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
                .entry((g.metric.clone(), g.period.clone(), parent))
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
        let Ok(period_of_batch) = engine.calendar().parse(&period) else {
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
        let period = engine.calendar().parse(&goal.period)?;
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
            let values = batches.get(&(goal.metric.clone(), goal.period.clone(), parent))?;
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
    let period = engine.calendar().parse(&goal.period)?;
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

/// The target of a goal as text with its unit's decimals, e.g. `1200000.00`.
pub fn target_text(goal: &Goal) -> String {
    target_value(goal.target_units, goal.scale).to_string()
}
