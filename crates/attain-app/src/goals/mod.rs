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

use attain_core::goal::{GoalDirection, is_additive, target_scale, target_units, target_value};
use attain_core::kpi::{Direction, Unit};
use attain_core::{GoalId, MetricKey, OrgUnitId, Period, Principal, UserId, Visibility};
use attain_store::{Actor, Goal, GoalChanges, NewGoal, Revision};
use rust_decimal::Decimal;

use crate::{AppError, AppResult};
use attain_kpi::{Engine, KpiQuery, Scope};

mod split;
mod views;

use split::cascade;

pub use split::{SplitInto, SplitMethod, SplitPart, split};
pub use views::{GoalView, smart, views};

/// Who asks: a signed-in person, or the command line (which administers).
#[derive(Debug, Clone, Copy)]
pub enum By<'a> {
    /// A person, with his role and place in the org.
    Person(&'a Principal),
    /// The command line on the server (`attain goal …`, `attain pay …`,
    /// `attain metric …`), which administers.
    Cli,
    /// Attain itself (the demo company).
    System,
}

impl By<'_> {
    /// Who the audit log names for a change made this way.
    pub fn actor(&self) -> Actor {
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
                    period: spec.period.key(),
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

/// The target of a goal as text with its unit's decimals, e.g. `1200000.00`.
pub fn target_text(goal: &Goal) -> String {
    target_value(goal.target_units, goal.scale).to_string()
}
