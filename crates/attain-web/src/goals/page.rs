//! The goals pages: the goal tree of a period with where each goal stands,
//! and one goal with its SMART check, parts, revisions and check-ins, and
//! the forms to set, split, revise, check in on and delete goals (shown to
//! those the goal rules allow; the rules decide again on every post).

use std::sync::Arc;

use askama::Template;
use attain_app::AppError;
use attain_app::goals::{self, By, GoalSpec, GoalView, SplitInto};
use attain_core::goal::{GoalStatus, Verdict};
use attain_core::kpi::CATALOGUE;
use attain_core::{GoalId, Granularity, Role};
use attain_kpi::OrgContext;
use attain_kpi::{Engine, Scope};
use attain_store::{GoalFilter, StoreError};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use rust_decimal::Decimal;
use serde::Deserialize;

use crate::AppState;
use crate::goals::api::smart_message;
use crate::http::context::{Org, SignedIn};
use crate::http::error::{OrPage, render};
use crate::http::i18n::{I18n, Lang};
use crate::http::layout::Nav;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/goals", get(list).post(create))
        .route("/goals/{id}", get(show))
        .route("/goals/{id}/revise", post(revise))
        .route("/goals/{id}/split", post(split))
        .route("/goals/{id}/checkin", post(check_in))
        .route("/goals/{id}/delete", post(remove))
}

/// A goal as a table row.
pub(crate) struct Row {
    pub(crate) id: i64,
    pub(crate) depth: usize,
    pub(crate) title: String,
    pub(crate) period: String,
    pub(crate) target: String,
    pub(crate) actual: String,
    pub(crate) attainment: String,
    /// Bar length in pixels (0–120), attainment capped at 100 %.
    pub(crate) bar: u32,
    pub(crate) status: &'static str,
    pub(crate) status_label: String,
    /// Why the goal cannot be measured, if it cannot.
    pub(crate) problem: String,
}

fn metric_name(metric: &str, zh: bool) -> String {
    attain_core::kpi::metric(metric)
        .map(|m| if zh { m.name_zh } else { m.name_en }.to_owned())
        .unwrap_or_else(|| metric.to_owned())
}

fn status_label(i18n: &I18n, status: Option<GoalStatus>) -> String {
    i18n.t(match status {
        None => "goal-status-none",
        Some(GoalStatus::NotStarted) => "goal-status-not_started",
        Some(GoalStatus::OnTrack) => "goal-status-on_track",
        Some(GoalStatus::AtRisk) => "goal-status-at_risk",
        Some(GoalStatus::OffTrack) => "goal-status-off_track",
        Some(GoalStatus::Achieved) => "goal-status-achieved",
        Some(GoalStatus::Missed) => "goal-status-missed",
    })
}

fn row(i18n: &I18n, engine: &Engine<'_>, v: &GoalView, depth: usize) -> Row {
    let zh = i18n.lang() == Lang::ZhCn;
    let base = engine.base_currency();
    let progress = v.progress.as_ref();
    let attainment = progress.and_then(|p| p.attainment);
    let title = if v.goal.name.is_empty() {
        format!(
            "{} · {}",
            metric_name(v.goal.metric.key(), zh),
            v.scope_label
        )
    } else {
        format!("{} · {}", v.goal.name, v.scope_label)
    };
    Row {
        id: v.goal.id.raw(),
        depth,
        title,
        period: v.goal.period.to_string(),
        target: i18n.kpi_value(v.unit, Some(v.goal.target()), base),
        actual: i18n.kpi_value(v.unit, v.actual, base),
        attainment: attainment.map_or_else(
            || "—".into(),
            |a| format!("{} %", i18n.decimal(a * Decimal::ONE_HUNDRED, 1)),
        ),
        bar: attainment.map_or(0, |a| {
            (a.min(Decimal::ONE).max(Decimal::ZERO) * Decimal::from(120))
                .round()
                .to_string()
                .parse()
                .unwrap_or(0)
        }),
        status: match (&v.problem, progress) {
            (Some(_), _) => "problem",
            (None, p) => p.map_or("none", |p| p.status.key()),
        },
        status_label: match &v.problem {
            Some(_) => i18n.t("goal-status-problem"),
            None => status_label(i18n, progress.map(|p| p.status)),
        },
        problem: v.problem.clone().unwrap_or_default(),
    }
}

/// The goals a person sees at the top of his tree today (his own as a
/// rep, his unit's as a manager, the company's for sales ops), where each
/// stands, for the home page. Empty when the org has no engine data yet.
pub(crate) async fn current_roots(
    state: &AppState,
    user: &SignedIn,
    org: &Arc<OrgContext>,
    i18n: &I18n,
    most: usize,
) -> Result<Vec<Row>, attain_app::AppError> {
    let store = state.store();
    let engine = Engine::over(store, Arc::clone(org));
    let today = state.today();
    let found = store
        .goals_visible(
            &user.principal.visibility(),
            &GoalFilter {
                overlapping: Some((today, today.succ_opt().unwrap_or(today))),
                ..GoalFilter::default()
            },
            0,
            5_000,
        )
        .await?;
    let ids: std::collections::HashSet<GoalId> = found.iter().map(|g| g.id).collect();
    let roots: Vec<_> = found
        .into_iter()
        .filter(|g| g.parent.is_none_or(|p| !ids.contains(&p)))
        .take(most)
        .collect();
    let views = goals::views(&engine, roots, today).await?;
    Ok(views.iter().map(|v| row(i18n, &engine, v, 0)).collect())
}

#[derive(Template)]
#[template(path = "goals.html")]
struct ListPage {
    i18n: I18n,
    nav: Option<Nav>,
    period: String,
    rows: Vec<Row>,
    error: Option<String>,
    can_set: bool,
    metrics: Vec<(String, String)>,
    scopes: Vec<(String, String)>,
}

#[derive(Deserialize, Default)]
pub(crate) struct ListParams {
    #[serde(default)]
    period: String,
}

/// The scopes a person may set goals on, for the form's list.
fn settable_scopes(
    engine: &Engine<'_>,
    user: &SignedIn,
    i18n: &I18n,
    people: &[attain_store::User],
) -> Vec<(String, String)> {
    let by = By::Person(&user.principal);
    let tree = engine.tree();
    let mut out = Vec::new();
    if goals::may_set(by, &Scope::Company, engine) {
        out.push(("company".to_owned(), i18n.t("kpi-scope-company")));
    }
    for u in tree.units() {
        let scope = Scope::Unit(u.id);
        if goals::may_set(by, &scope, engine) {
            let depth = tree.depth(u.id).unwrap_or(0) as usize;
            out.push((scope.key(), format!("{}{}", "· ".repeat(depth), u.name)));
        }
    }
    for p in people
        .iter()
        .filter(|p| p.active && p.role == Role::Rep)
        .take(2000)
    {
        let scope = Scope::Rep(p.id);
        if goals::may_set(by, &scope, engine) {
            out.push((scope.key(), format!("{} ({})", p.display_name, p.login)));
        }
    }
    out
}

fn metric_options(zh: bool, engine: &Engine<'_>) -> Vec<(String, String)> {
    CATALOGUE
        .iter()
        .filter(|m| m.key != "attainment")
        .map(|m| {
            (
                m.key.to_owned(),
                if zh { m.name_zh } else { m.name_en }.to_owned(),
            )
        })
        .chain(
            engine
                .custom_metrics()
                .map(|(k, _)| (k.to_owned(), k.to_owned())),
        )
        .collect()
}

async fn list(
    State(state): State<AppState>,
    user: SignedIn,
    Org(org): Org,
    Query(p): Query<ListParams>,
) -> Result<Response, Response> {
    list_page(&state, &user, &org, &p, None).await
}

async fn list_page(
    state: &AppState,
    user: &SignedIn,
    org: &Arc<OrgContext>,
    p: &ListParams,
    mut error: Option<String>,
) -> Result<Response, Response> {
    let lang = user.ctx.lang;
    let i18n = user.ctx.i18n();
    let store = state.store();
    let engine = Engine::over(store, Arc::clone(org));
    let period_text = if p.period.trim().is_empty() {
        engine
            .calendar()
            .period_containing(state.today(), Granularity::FiscalYear)
            .map(|y| y.to_string())
            .unwrap_or_default()
    } else {
        p.period.trim().to_owned()
    };
    let mut rows = Vec::new();
    match engine.calendar().parse(&period_text) {
        Err(e) => error = Some(i18n.t1("kpi-error-period", "reason", e.to_string())),
        Ok(period) => {
            let found = store
                .goals_visible(
                    &user.principal.visibility(),
                    &GoalFilter {
                        overlapping: Some((period.start(), period.end())),
                        ..GoalFilter::default()
                    },
                    0,
                    5_000,
                )
                .await
                .or_page(lang)?;
            // The visible forest: goals whose parent is not visible are
            // roots; each is followed by its parts (one level).
            let ids: std::collections::HashSet<GoalId> = found.iter().map(|g| g.id).collect();
            let mut ordered = Vec::new();
            for root in found
                .iter()
                .filter(|g| g.parent.is_none_or(|p| !ids.contains(&p)))
            {
                ordered.push((root.clone(), 0));
                for part in found.iter().filter(|g| g.parent == Some(root.id)) {
                    ordered.push((part.clone(), 1));
                }
            }
            let depths: Vec<usize> = ordered.iter().map(|(_, d)| *d).collect();
            let views = goals::views(
                &engine,
                ordered.into_iter().map(|(g, _)| g).collect(),
                state.today(),
            )
            .await
            .or_page(lang)?;
            rows = views
                .iter()
                .zip(depths)
                .map(|(v, d)| row(&i18n, &engine, v, d))
                .collect();
        }
    }
    let can_set = user.principal.sets_goals();
    let people = if can_set {
        store.users().await.or_page(lang)?
    } else {
        Vec::new()
    };
    let page = ListPage {
        nav: Nav::new(user, "goals", "/goals"),
        period: period_text,
        rows,
        error,
        can_set,
        metrics: metric_options(lang == Lang::ZhCn, &engine),
        scopes: if can_set {
            settable_scopes(&engine, user, &i18n, &people)
        } else {
            Vec::new()
        },
        i18n,
    };
    Ok(render(&page.i18n, &page))
}

struct SmartRow {
    letter: char,
    name: String,
    verdict: &'static str,
    verdict_label: String,
    message: String,
}

struct RevisionRow {
    at: String,
    by: String,
    old: String,
    new: String,
    reason: String,
}

struct CheckinRow {
    at: String,
    by: String,
    confidence: u8,
    comment: String,
}

#[derive(Template)]
#[template(path = "goal.html")]
struct GoalPage {
    i18n: I18n,
    nav: Option<Nav>,
    id: i64,
    heading: String,
    facts: Vec<(String, String)>,
    status: &'static str,
    status_label: String,
    smart: Vec<SmartRow>,
    parts: Vec<Row>,
    revisions: Vec<RevisionRow>,
    checkins: Vec<CheckinRow>,
    may_set: bool,
    may_split: bool,
    may_check_in: bool,
    target_input: String,
    error: Option<String>,
    notice: Option<String>,
    parent: Option<i64>,
}

#[derive(Deserialize, Default)]
pub(crate) struct ShowParams {
    #[serde(default)]
    done: String,
}

async fn show(
    State(state): State<AppState>,
    user: SignedIn,
    Org(org): Org,
    Path(id): Path<String>,
    Query(p): Query<ShowParams>,
) -> Result<Response, Response> {
    let id = goal_id(user.ctx.lang, &id)?;
    show_page(&state, &user, &org, id, &p.done, None).await
}

async fn show_page(
    state: &AppState,
    user: &SignedIn,
    org: &Arc<OrgContext>,
    id: GoalId,
    done: &str,
    error: Option<String>,
) -> Result<Response, Response> {
    let lang = user.ctx.lang;
    let i18n = user.ctx.i18n();
    let zh = lang == Lang::ZhCn;
    let store = state.store();
    let visibility = user.principal.visibility();
    let goal = store.goal_visible(&visibility, id).await.or_page(lang)?;
    let engine = Engine::over(store, Arc::clone(org));
    let today = state.today();
    let smart = goals::smart(&engine, &goal, today).await.or_page(lang)?;
    let parts = store
        .goals_visible(
            &visibility,
            &GoalFilter {
                parent: Some(id),
                ..GoalFilter::default()
            },
            0,
            5_000,
        )
        .await
        .or_page(lang)?;
    let parts = goals::views(&engine, parts, today).await.or_page(lang)?;
    let view = goals::views(&engine, vec![goal.clone()], today)
        .await
        .or_page(lang)?
        .pop()
        .ok_or_else(|| {
            crate::http::error::app_error_page(lang, AppError::Internal("no view".into()))
        })?;
    let base = engine.base_currency();
    let progress = view.progress.as_ref();
    let value = |d: Option<Decimal>| i18n.kpi_value(view.unit, d, base);
    let scope = goal.scope.clone();
    let by = By::Person(&user.principal);
    let may_set = goals::may_set(by, &scope, &engine);
    let may_split = match &scope {
        Scope::Company | Scope::Unit(_) => user.principal.sets_goals(),
        _ => may_set,
    };
    let mut facts = vec![
        (i18n.t("goal-metric"), metric_name(goal.metric.key(), zh)),
        (i18n.t("goal-scope"), view.scope_label.clone()),
        (
            i18n.t("goal-period"),
            format!(
                "{} ({} – {})",
                goal.period,
                i18n.date(view.period.start()),
                i18n.date(view.period.last_day())
            ),
        ),
        (
            i18n.t("goal-direction"),
            i18n.t(
                if goal.direction == attain_core::goal::GoalDirection::AtLeast {
                    "goal-direction-at_least"
                } else {
                    "goal-direction-at_most"
                },
            ),
        ),
        (i18n.t("goal-target"), value(Some(goal.target()))),
        (i18n.t("goal-actual"), value(view.actual)),
        (
            i18n.t("goal-attainment"),
            progress.and_then(|p| p.attainment).map_or_else(
                || "—".into(),
                |a| format!("{} %", i18n.decimal(a * Decimal::ONE_HUNDRED, 1)),
            ),
        ),
        (i18n.t("goal-expected"), value(progress.map(|p| p.expected))),
        (
            i18n.t("goal-projected"),
            value(progress.and_then(|p| p.projected)),
        ),
    ];
    if !goal.split.is_empty() {
        facts.push((i18n.t("goal-split-how"), split_text(&i18n, &goal.split)));
    }
    facts.push((i18n.t("goal-created-by"), goal.created_by.clone()));
    let revisions = store
        .goal_revisions(id)
        .await
        .or_page(lang)?
        .into_iter()
        .rev()
        .map(|r| RevisionRow {
            at: i18n.datetime(r.at),
            by: r.actor,
            old: value(Some(r.old_target)),
            new: value(Some(r.new_target)),
            reason: r.reason,
        })
        .collect();
    let checkins = store
        .goal_checkins(id)
        .await
        .or_page(lang)?
        .into_iter()
        .map(|c| CheckinRow {
            at: i18n.datetime(c.at),
            by: c.author,
            confidence: c.confidence,
            comment: c.comment,
        })
        .collect();
    let smart = smart
        .iter()
        .map(|c| SmartRow {
            letter: c.letter.letter(),
            name: i18n.t(match c.letter {
                attain_core::goal::SmartLetter::Specific => "smart-specific",
                attain_core::goal::SmartLetter::Measurable => "smart-measurable",
                attain_core::goal::SmartLetter::Achievable => "smart-achievable",
                attain_core::goal::SmartLetter::Relevant => "smart-relevant",
                attain_core::goal::SmartLetter::TimeBound => "smart-time-bound",
            }),
            verdict: c.verdict.key(),
            verdict_label: i18n.t(match c.verdict {
                Verdict::Pass => "smart-pass",
                Verdict::Warn => "smart-warn",
                Verdict::Fail => "smart-fail",
            }),
            message: {
                let mut m = smart_message(&i18n, c, &|d| value(Some(d)));
                if let Some(p) = c.probability {
                    m = format!(
                        "{m} {}",
                        i18n.t1(
                            "smart-probability",
                            "percent",
                            i18n.decimal(p * Decimal::ONE_HUNDRED, 0)
                        )
                    );
                }
                m
            },
        })
        .collect();
    let notice = match done {
        "revised" => Some(i18n.t("goal-done-revised")),
        "split" => Some(i18n.t("goal-done-split")),
        "checkin" => Some(i18n.t("goal-done-checkin")),
        "created" => Some(i18n.t("goal-done-created")),
        _ => None,
    };
    let page = GoalPage {
        nav: Nav::new(user, "goals", &format!("/goals/{id}")),
        id: id.raw(),
        heading: if goal.name.is_empty() {
            format!(
                "{} · {} · {}",
                metric_name(goal.metric.key(), zh),
                view.scope_label,
                goal.period
            )
        } else {
            format!("{} · {} · {}", goal.name, view.scope_label, goal.period)
        },
        facts,
        status: progress.map_or("none", |p| p.status.key()),
        status_label: status_label(&i18n, progress.map(|p| p.status)),
        smart,
        parts: parts.iter().map(|v| row(&i18n, &engine, v, 0)).collect(),
        revisions,
        checkins,
        may_set,
        may_split,
        may_check_in: user.principal.can_write(),
        target_input: goal.target().to_string(),
        error,
        notice,
        parent: match goal.parent {
            Some(p) if store.goal_visible(&visibility, p).await.is_ok() => Some(p.raw()),
            _ => None,
        },
        i18n,
    };
    Ok(render(&page.i18n, &page))
}

/// How a goal was split (`units/history:FY2025`), for people.
fn split_text(i18n: &I18n, note: &str) -> String {
    let (into, how) = note.split_once('/').unwrap_or((note, ""));
    let into = match into {
        "units" => i18n.t("goal-split-units"),
        "reps" => i18n.t("goal-split-reps"),
        "months" => i18n.t("goal-split-months"),
        other => other.to_owned(),
    };
    let how = match how.split_once(':') {
        Some(("history", basis)) => i18n.t1("goal-split-by-history", "basis", basis),
        _ => match how {
            "equal" => i18n.t("goal-method-equal"),
            "weights" => i18n.t("goal-method-weights"),
            "seasonal" => i18n.t("goal-split-seasonal"),
            other => other.to_owned(),
        },
    };
    format!("{into} · {how}")
}

/// A refused form's reason in the reader's language where there is a
/// translation for it (the rules' own explanation otherwise).
fn refusal(i18n: &I18n, err: &AppError) -> String {
    match err {
        AppError::Forbidden(_) => i18n.t("goal-error-forbidden"),
        AppError::Store(StoreError::NotFound { .. }) => i18n.t("error-not-found-message"),
        other => i18n.t1("goal-error-invalid", "reason", other.to_string()),
    }
}

#[derive(Deserialize)]
pub(crate) struct CreateForm {
    metric: String,
    scope: String,
    period: String,
    target: String,
    #[serde(default)]
    direction: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    parent: String,
}

async fn create(
    State(state): State<AppState>,
    user: SignedIn,
    Org(org): Org,
    Form(f): Form<CreateForm>,
) -> Result<Response, Response> {
    let i18n = user.ctx.i18n();
    let engine = Engine::over(state.store(), Arc::clone(&org));
    let result = async {
        let scope = Scope::parse_key(&f.scope).map_err(AppError::Invalid)?;
        let period = engine.calendar().parse(&f.period)?;
        let target: Decimal =
            f.target.trim().parse().map_err(|_| {
                AppError::Invalid(format!("target: '{}' is not a number", f.target))
            })?;
        let direction = match f.direction.trim() {
            "" => None,
            d => Some(d.parse().map_err(AppError::Invalid)?),
        };
        let parent = match f.parent.trim() {
            "" => None,
            p => Some(
                p.parse::<GoalId>()
                    .map_err(|e| AppError::Invalid(format!("parent: {e}")))?,
            ),
        };
        goals::create(
            &engine,
            By::Person(&user.principal),
            &GoalSpec {
                metric: f.metric.trim().into(),
                scope,
                period,
                target,
                direction,
                parent,
                name: f.name.clone(),
            },
        )
        .await
    }
    .await;
    Ok(match result {
        Ok(id) => Redirect::to(&format!("/goals/{id}?done=created")).into_response(),
        Err(e) => {
            let p = ListParams {
                period: f.period.clone(),
            };
            return list_page(&state, &user, &org, &p, Some(refusal(&i18n, &e))).await;
        }
    })
}

fn goal_id(lang: Lang, raw: &str) -> Result<GoalId, Response> {
    crate::http::error::page_id(lang, raw)
}

#[derive(Deserialize)]
pub(crate) struct ReviseForm {
    target: String,
    #[serde(default)]
    reason: String,
}

async fn revise(
    State(state): State<AppState>,
    user: SignedIn,
    Org(org): Org,
    Path(id): Path<String>,
    Form(f): Form<ReviseForm>,
) -> Result<Response, Response> {
    let lang = user.ctx.lang;
    let i18n = user.ctx.i18n();
    let id = goal_id(lang, &id)?;
    let engine = Engine::over(state.store(), Arc::clone(&org));
    let result = match f.target.trim().parse::<Decimal>() {
        Ok(target) => {
            goals::revise(&engine, By::Person(&user.principal), id, target, &f.reason).await
        }
        Err(_) => Err(AppError::Invalid(format!(
            "target: '{}' is not a number",
            f.target
        ))),
    };
    Ok(match result {
        Ok(_) => Redirect::to(&format!("/goals/{id}?done=revised")).into_response(),
        Err(e) => show_page(&state, &user, &org, id, "", Some(refusal(&i18n, &e))).await?,
    })
}

#[derive(Deserialize)]
pub(crate) struct SplitForm {
    into: String,
    #[serde(default)]
    method: String,
    #[serde(default)]
    basis: String,
    /// `part=weight` per line, for the weights method.
    #[serde(default)]
    weights: String,
}

async fn split(
    State(state): State<AppState>,
    user: SignedIn,
    Org(org): Org,
    Path(id): Path<String>,
    Form(f): Form<SplitForm>,
) -> Result<Response, Response> {
    let lang = user.ctx.lang;
    let i18n = user.ctx.i18n();
    let id = goal_id(lang, &id)?;
    let engine = Engine::over(state.store(), Arc::clone(&org));
    let weights: Vec<(String, String)> = f
        .weights
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let result = async {
        let into: SplitInto = f.into.parse().map_err(AppError::Invalid)?;
        let method = crate::goals::api::method_of(&engine, &f.method, Some(&f.basis), weights)
            .map_err(|e| AppError::Invalid(e.message().to_owned()))?;
        goals::split(&engine, By::Person(&user.principal), id, into, &method).await
    }
    .await;
    Ok(match result {
        Ok(_) => Redirect::to(&format!("/goals/{id}?done=split")).into_response(),
        Err(e) => show_page(&state, &user, &org, id, "", Some(refusal(&i18n, &e))).await?,
    })
}

#[derive(Deserialize)]
pub(crate) struct CheckinForm {
    confidence: String,
    #[serde(default)]
    comment: String,
}

async fn check_in(
    State(state): State<AppState>,
    user: SignedIn,
    Org(org): Org,
    Path(id): Path<String>,
    Form(f): Form<CheckinForm>,
) -> Result<Response, Response> {
    let lang = user.ctx.lang;
    let i18n = user.ctx.i18n();
    let id = goal_id(lang, &id)?;
    let engine = Engine::over(state.store(), Arc::clone(&org));
    let result = match f.confidence.trim().parse::<u8>() {
        Ok(c) if c <= 100 => {
            goals::check_in(&engine, By::Person(&user.principal), id, c, &f.comment).await
        }
        _ => Err(AppError::Invalid(format!(
            "confidence: '{}' is not a whole number from 0 to 100",
            f.confidence
        ))),
    };
    Ok(match result {
        Ok(()) => Redirect::to(&format!("/goals/{id}?done=checkin")).into_response(),
        Err(e) => show_page(&state, &user, &org, id, "", Some(refusal(&i18n, &e))).await?,
    })
}

async fn remove(
    State(state): State<AppState>,
    user: SignedIn,
    Org(org): Org,
    Path(id): Path<String>,
) -> Result<Response, Response> {
    let lang = user.ctx.lang;
    let i18n = user.ctx.i18n();
    let id = goal_id(lang, &id)?;
    let engine = Engine::over(state.store(), Arc::clone(&org));
    let parent = state
        .store()
        .goal_visible(&user.principal.visibility(), id)
        .await
        .ok()
        .and_then(|g| g.parent);
    Ok(
        match goals::delete(&engine, By::Person(&user.principal), id).await {
            Ok(_) => {
                Redirect::to(&parent.map_or_else(|| "/goals".to_owned(), |p| format!("/goals/{p}")))
                    .into_response()
            }
            Err(e) => show_page(&state, &user, &org, id, "", Some(refusal(&i18n, &e))).await?,
        },
    )
}
