//! The organisation's settings as an administrator changes them: every
//! value checked by the one parser (`OrgSettings::set`), all of a change
//! applied or none, audited, and goals kept on their dates when the fiscal
//! calendar or the week start changes under them.

use attain_core::{GoalId, MetricKey, OrgSettings, PeriodKey, Scope, SettingKey, Visibility};
use attain_store::{GoalFilter, Store};

use crate::goals::By;
use crate::{AppError, AppResult};

/// Whether `by` may change the settings: administrators and the shell.
pub fn may_change(by: By<'_>) -> AppResult<()> {
    match by {
        By::Person(p) => AppError::unless_allowed(
            p.can_change_settings(),
            "only an administrator changes the organisation's settings",
        ),
        By::Cli | By::System => Ok(()),
    }
}

/// A goal whose period key changed with the calendar, its dates kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoalPeriodMove {
    /// The goal.
    pub goal: GoalId,
    /// Its name, or '' when metric, scope and period say it all.
    pub name: String,
    /// Its metric.
    pub metric: MetricKey,
    /// Whose figure it is.
    pub scope: Scope,
    /// The scope's name for people (the unit's or person's name).
    pub scope_label: String,
    /// Its period's key before.
    pub from: PeriodKey,
    /// The key that names the same dates in the new calendar.
    pub to: PeriodKey,
}

impl GoalPeriodMove {
    /// Whether the goal's dates are no longer a period of the kind it was
    /// set for: a fiscal goal whose dates are no fiscal period now, or any
    /// goal whose dates are no period at all (a week goal after the week
    /// start changed is a date range now).
    pub fn unaligned(&self) -> bool {
        let fiscal = |k: &PeriodKey| {
            matches!(
                k,
                PeriodKey::FiscalYear(..)
                    | PeriodKey::FiscalHalf(..)
                    | PeriodKey::FiscalQuarter(..)
            )
        };
        let range = |k: &PeriodKey| matches!(k, PeriodKey::Range(..));
        (fiscal(&self.from) && !fiscal(&self.to)) || (range(&self.to) && !range(&self.from))
    }
}

/// What a change of settings did.
#[derive(Debug, Clone)]
pub struct SettingsChange {
    /// The settings before.
    pub before: OrgSettings,
    /// The settings now.
    pub after: OrgSettings,
    /// The settings whose value changed.
    pub changed: Vec<SettingKey>,
    /// Goals whose period key changed (their dates did not).
    pub goals_moved: Vec<GoalPeriodMove>,
}

impl SettingsChange {
    /// The goals whose dates are no longer a fiscal or calendar period.
    pub fn unaligned(&self) -> impl Iterator<Item = &GoalPeriodMove> {
        self.goals_moved.iter().filter(|m| m.unaligned())
    }
}

/// Sets each `key=value` of `changes` (all or none), and keeps every goal
/// on its dates under the new calendar: a goal whose key now names other
/// dates gets the key that names its own (`FY2026-Q1` may become
/// `FY2027-Q4`, or a date range when no period has those dates).
pub async fn change(
    store: &Store,
    by: By<'_>,
    changes: &[(SettingKey, String)],
) -> AppResult<SettingsChange> {
    may_change(by)?;
    if changes.is_empty() {
        return Err(AppError::Invalid(
            "no setting to change: give KEY=VALUE".into(),
        ));
    }
    let before = store.settings().await?;
    let mut after = before.clone();
    for (key, value) in changes {
        after
            .set(*key, value)
            .map_err(|e| AppError::Invalid(e.to_string()))?;
    }
    let changed: Vec<SettingKey> = SettingKey::ALL
        .into_iter()
        .filter(|k| before.get(*k) != after.get(*k))
        .collect();
    if changed.is_empty() {
        return Ok(SettingsChange {
            before,
            after,
            changed,
            goals_moved: Vec::new(),
        });
    }
    if before.base_currency != after.base_currency {
        // Money goals keep their targets in the currency they were set in,
        // and pay follows them: a new base currency would compare them
        // with figures in another.
        let money_goals = store
            .goals_visible(&Visibility::Everything, &GoalFilter::default(), 0, i64::MAX)
            .await?
            .into_iter()
            .filter(|g| g.currency.is_some_and(|c| c != after.base_currency))
            .count();
        if money_goals > 0 {
            return Err(AppError::Invalid(format!(
                "base_currency: {money_goals} goals have targets in {}; the base currency can change only before money goals are set (remove them first, or keep {})",
                before.base_currency.code(),
                before.base_currency.code()
            )));
        }
    }
    let moves = store.change_settings(&by.actor(), &before, &after).await?;
    let mut goals_moved = Vec::with_capacity(moves.len());
    if !moves.is_empty() {
        let engine = attain_kpi::Engine::new(store).await?;
        for (id, from, to) in moves {
            let g = store.goal(id).await?;
            goals_moved.push(GoalPeriodMove {
                goal: id,
                name: g.name,
                metric: g.metric,
                scope_label: engine.scope_label(&g.scope),
                scope: g.scope,
                from,
                to,
            });
        }
    }
    Ok(SettingsChange {
        before,
        after,
        changed,
        goals_moved,
    })
}
