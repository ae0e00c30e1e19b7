//! Custom metrics as a company defines them: the checks a definition must
//! pass (its key, its formula, cycles and nesting across every custom
//! metric, the unit goals read it in) before it is stored, and removal of
//! one nothing uses. The engine that computes them is `attain-kpi`.

use std::collections::BTreeMap;

use attain_core::kpi::{self, Expr};
use attain_kpi::{MAX_CUSTOM_NESTING, is_builtin_name, unit_of_key};
use attain_store::Store;

use crate::goals::By;
use crate::{AppError, AppResult};

/// Whether `by` may define or remove custom metrics: sales operations and
/// administrators, and the shell.
fn may_define(by: By<'_>) -> AppResult<()> {
    match by {
        By::Person(p) => AppError::unless_allowed(
            p.can_define_metrics(),
            "defining metrics is for sales ops and admins",
        ),
        By::Cli | By::System => Ok(()),
    }
}

/// Defines (or redefines) a custom metric after checking its key, its
/// formula and every custom metric together for unknown names and cycles.
pub async fn define_metric(
    store: &Store,
    by: By<'_>,
    metric: attain_store::CustomMetric,
) -> AppResult<()> {
    may_define(by)?;
    let key = metric.key.trim().to_lowercase();
    if key.is_empty()
        || !key.starts_with(|c: char| c.is_ascii_lowercase())
        || !key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return Err(AppError::Invalid(format!(
            "key '{}': use lower-case letters, digits and _ , starting with a letter",
            metric.key
        )));
    }
    if is_builtin_name(&key) {
        return Err(AppError::Invalid(format!(
            "key '{key}' is already a built-in metric or measure"
        )));
    }
    if unit_of_key(&metric.unit).is_none() {
        return Err(AppError::Invalid(format!(
            "unit '{}': expected money, count, percent, ratio, days, hours or score",
            metric.unit
        )));
    }
    let expr = Expr::parse(&metric.formula)
        .map_err(|e| AppError::Invalid(format!("formula of {key}: {e}")))?;
    let mut all: BTreeMap<String, Expr> = BTreeMap::new();
    for m in store.custom_metrics().await? {
        if m.key != key
            && let Ok(e) = Expr::parse(&m.formula)
        {
            all.insert(m.key, e);
        }
    }
    all.insert(key.clone(), expr);
    kpi::check_custom(&all, &is_builtin_name)
        .map_err(|(k, e)| AppError::Invalid(format!("formula of {k}: {}", e.reason)))?;
    if let Some(deep) = all
        .keys()
        .find(|k| nesting(k, &all, 0) > MAX_CUSTOM_NESTING)
    {
        return Err(AppError::Invalid(format!(
            "formula of {key}: {deep} would be defined through more than {MAX_CUSTOM_NESTING} custom metrics"
        )));
    }
    for (what, name) in [("name_en", &metric.name_en), ("name_zh", &metric.name_zh)] {
        if name.trim().chars().count() > 100 {
            return Err(AppError::Invalid(format!(
                "{what}: a metric's name is at most 100 characters"
            )));
        }
        if !name.trim().is_empty() {
            attain_core::text::name(name).map_err(|e| AppError::Invalid(format!("{what}: {e}")))?;
        }
    }
    // A goal reads its target in the metric's unit: the unit stays while
    // goals measure the metric.
    if let Some(old) = store
        .custom_metrics()
        .await?
        .into_iter()
        .find(|m| m.key == key)
        && old.unit != metric.unit
        && let Some(goals) = goals_measuring(store, &key).await?
    {
        return Err(AppError::Store(attain_store::StoreError::Conflict(
            format!(
                "unit of {key}: {goals} read their targets in {}; change those goals first",
                old.unit
            ),
        )));
    }
    let name_en = if metric.name_en.trim().is_empty() {
        key.clone()
    } else {
        metric.name_en.trim().to_owned()
    };
    let name_zh = if metric.name_zh.trim().is_empty() {
        name_en.clone()
    } else {
        metric.name_zh.trim().to_owned()
    };
    store
        .save_custom_metric(
            &by.actor(),
            &attain_store::CustomMetric {
                key,
                name_en,
                name_zh,
                formula: metric.formula.trim().to_owned(),
                unit: metric.unit,
            },
        )
        .await?;
    Ok(())
}

/// Removes a custom metric that no other custom metric and no goal uses
/// (either is a refusal naming them).
pub async fn remove_metric(store: &Store, by: By<'_>, key: &str) -> AppResult<()> {
    may_define(by)?;
    let users: Vec<String> = store
        .custom_metrics()
        .await?
        .into_iter()
        .filter(|m| m.key != key && Expr::parse(&m.formula).is_ok_and(|e| e.names().contains(key)))
        .map(|m| m.key)
        .collect();
    if !users.is_empty() {
        return Err(AppError::Invalid(format!(
            "{key} is used by {}: change those first",
            users.join(", ")
        )));
    }
    if let Some(goals) = goals_measuring(store, key).await? {
        return Err(AppError::Store(attain_store::StoreError::Conflict(
            format!("{key} is the metric of {goals}: delete or change those goals first"),
        )));
    }
    store.delete_custom_metric(&by.actor(), key).await?;
    Ok(())
}

/// The goals that measure `key` ("goal 12", "goals 12, 15 and others"), if any.
async fn goals_measuring(store: &Store, key: &str) -> AppResult<Option<String>> {
    let filter = attain_store::GoalFilter {
        metric: Some(attain_core::MetricKey::parse(key)),
        ..attain_store::GoalFilter::default()
    };
    let goals = store
        .goals_visible(&attain_core::Visibility::Everything, &filter, 0, 4)
        .await?;
    let ids: Vec<String> = goals.iter().take(3).map(|g| g.id.to_string()).collect();
    Ok(match goals.len() {
        0 => None,
        1 => Some(format!("goal {}", ids[0])),
        2 | 3 => Some(format!("goals {}", ids.join(", "))),
        _ => Some(format!("goals {} and others", ids.join(", "))),
    })
}

/// How many custom metrics deep `key` is defined (1: only built-in names).
fn nesting(key: &str, all: &BTreeMap<String, Expr>, seen: usize) -> usize {
    if seen > MAX_CUSTOM_NESTING {
        return seen;
    }
    all.get(key).map_or(0, |e| {
        1 + e
            .names()
            .iter()
            .map(|n| nesting(n, all, seen + 1))
            .max()
            .unwrap_or(0)
    })
}
