//! The pay pages: the statements a person may see (his own; his people's
//! as a manager; everyone's for sales ops), one statement with every step
//! of its calculation, and for sales ops the payout runs with their
//! calculate, approve, lock and payroll-export actions.

use askama::Template;
use attain_app::AppError;
use attain_app::goals::By;
use attain_app::pay;
use attain_core::{Money, PayoutRunId, StatementId};
use attain_kpi::Engine;
use attain_store::{RunStatus, Statement, StoreError};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use rust_decimal::Decimal;
use serde::Deserialize;

use crate::AppState;
use crate::http::context::{Org, SignedIn};
use crate::http::error::{OrPage, app_error_page, page_id, render};
use crate::http::i18n::I18n;
use crate::http::layout::Nav;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/pay", get(list))
        .route("/pay/statements/{id}", get(statement))
        .route("/pay/runs", post(create_run))
        .route("/pay/runs/{id}/{action}", post(run_action))
        .route("/pay/runs/{id}/payroll.csv", get(payroll))
}

fn status_label(i18n: &I18n, status: RunStatus) -> String {
    i18n.t(match status {
        RunStatus::Draft => "pay-status-draft",
        RunStatus::Approved => "pay-status-approved",
        RunStatus::Locked => "pay-status-locked",
    })
}

struct RunRow {
    id: i64,
    period: String,
    status: &'static str,
    status_label: String,
    statements: i64,
    total: String,
}

struct StatementRow {
    id: i64,
    period: String,
    person: String,
    plan: String,
    credited: String,
    quota: String,
    attainment: String,
    commission: String,
    status: &'static str,
    status_label: String,
}

fn attainment_text(i18n: &I18n, s: &Statement) -> String {
    s.trace.attainment.map_or_else(
        || "—".into(),
        |a| format!("{} %", i18n.decimal(a * Decimal::ONE_HUNDRED, 1)),
    )
}

#[derive(Template)]
#[template(path = "pay.html")]
struct PayPage {
    i18n: I18n,
    nav: Option<Nav>,
    runs: Vec<RunRow>,
    run: Option<i64>,
    statements: Vec<StatementRow>,
    total: String,
    can_run: bool,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
pub(crate) struct ListParams {
    #[serde(default)]
    run: String,
}

async fn list(
    State(state): State<AppState>,
    user: SignedIn,
    Query(p): Query<ListParams>,
) -> Result<Response, Response> {
    list_page(&state, &user, p.run.trim().parse().ok(), None).await
}

async fn list_page(
    state: &AppState,
    user: &SignedIn,
    run: Option<i64>,
    error: Option<String>,
) -> Result<Response, Response> {
    let lang = user.ctx.lang;
    let i18n = user.ctx.i18n();
    let store = state.store();
    let currency = store.settings().await.or_page(lang)?.base_currency;
    let can_run = user.principal.can_run_payouts();
    let runs = if can_run {
        store.payout_runs().await.or_page(lang)?
    } else {
        Vec::new()
    };
    // Sales ops look at one run at a time (the newest by default); everyone
    // else at every statement he may see.
    let run = run.or_else(|| runs.first().map(|r| r.id.raw()));
    let statements = store
        .statements_visible(
            &user.principal.pay_visibility(),
            run.map(PayoutRunId::from_raw),
            None,
            0,
            2_000,
        )
        .await
        .or_page(lang)?;
    let total = statements
        .iter()
        .try_fold(Money::zero(currency), |acc, s| {
            acc.checked_add(&s.commission)
        })
        .unwrap_or_else(|_| Money::zero(currency));
    let page = PayPage {
        nav: Nav::new(user, "pay", "/pay"),
        runs: runs
            .iter()
            .map(|r| RunRow {
                id: r.id.raw(),
                period: r.period.clone(),
                status: r.status.key(),
                status_label: status_label(&i18n, r.status),
                statements: r.statements,
                total: i18n.money(&Money::from_minor_units(r.total_minor, currency)),
            })
            .collect(),
        run,
        statements: statements
            .iter()
            .map(|s| StatementRow {
                id: s.id.raw(),
                period: s.period.clone(),
                person: s.user_name.clone(),
                plan: s.plan_name.clone(),
                credited: i18n.money(&s.credited),
                quota: s
                    .quota
                    .as_ref()
                    .map_or_else(|| "—".into(), |q| i18n.money(q)),
                attainment: attainment_text(&i18n, s),
                commission: i18n.money(&s.commission),
                status: s.status.key(),
                status_label: status_label(&i18n, s.status),
            })
            .collect(),
        total: i18n.money(&total),
        can_run,
        error,
        i18n,
    };
    Ok(render(&page.i18n, &page))
}

struct TraceLine {
    band: String,
    base: String,
    rate: String,
    amount: String,
}

#[derive(Template)]
#[template(path = "statement.html")]
struct StatementPage {
    i18n: I18n,
    nav: Option<Nav>,
    heading: String,
    facts: Vec<(String, String)>,
    lines: Vec<TraceLine>,
    earned: String,
    notes: Vec<String>,
    total: String,
    status: &'static str,
    status_label: String,
}

async fn statement(
    State(state): State<AppState>,
    user: SignedIn,
    Path(raw): Path<String>,
) -> Result<Response, Response> {
    let lang = user.ctx.lang;
    let i18n = user.ctx.i18n();
    let id: StatementId = page_id(lang, &raw)?;
    let s = state
        .store()
        .statement_visible(&user.principal.pay_visibility(), id)
        .await
        .or_page(lang)?;
    let currency = s.commission.currency();
    let money = |d: Decimal| i18n.money(&Money::new(d, currency));
    let percent = |d: Decimal| {
        let v = (d * Decimal::ONE_HUNDRED).round_dp(2).normalize();
        format!("{} %", i18n.decimal(v, v.scale()))
    };
    let t = &s.trace;
    let mut facts = vec![
        (i18n.t("pay-plan"), s.plan_name.clone()),
        (i18n.t("goal-period"), s.period.clone()),
        (
            i18n.t1("pay-credited-metric", "metric", t.metric.as_str()),
            money(t.credited),
        ),
    ];
    let quota_text = t.quota.map_or_else(|| "—".to_owned(), money);
    let quota = match &t.quota_source {
        Some(src) => match (src.days, src.of_days) {
            (Some(days), Some(of_days)) => i18n.ta(
                "pay-quota-prorated",
                &[
                    ("quota", quota_text),
                    ("goal", src.goal.to_string()),
                    ("period", src.period.clone()),
                    ("target", money(src.target)),
                    ("days", days.to_string()),
                    ("of_days", of_days.to_string()),
                ],
            ),
            _ => i18n.ta(
                "pay-quota-goal",
                &[("quota", quota_text), ("goal", src.goal.to_string())],
            ),
        },
        None => i18n.t("pay-quota-none"),
    };
    facts.push((i18n.t("pay-quota"), quota));
    facts.push((
        i18n.t("goal-attainment"),
        t.attainment.map_or_else(|| "—".into(), percent),
    ));
    let lines = t
        .lines
        .iter()
        .map(|l| TraceLine {
            band: match l.to {
                Some(to) => i18n.ta(
                    "pay-band",
                    &[("from", percent(l.from)), ("to", percent(to))],
                ),
                None => i18n.t1("pay-band-open", "from", percent(l.from)),
            },
            base: money(l.base),
            rate: percent(l.rate),
            amount: money(l.amount),
        })
        .collect();
    let mut notes = Vec::new();
    if t.quota.is_none() {
        notes.push(i18n.t("pay-note-no-quota"));
    }
    if t.below_threshold {
        notes.push(i18n.t1(
            "pay-note-threshold",
            "threshold",
            t.threshold.map(percent).unwrap_or_default(),
        ));
    }
    if t.capped_by > Decimal::ZERO {
        notes.push(i18n.ta(
            "pay-note-cap",
            &[
                ("cap", t.cap.map_or_else(|| "—".to_owned(), money)),
                ("capped_by", money(t.capped_by)),
            ],
        ));
    }
    let page = StatementPage {
        nav: Nav::new(&user, "pay", &format!("/pay/statements/{id}")),
        heading: i18n.ta(
            "pay-statement-heading",
            &[
                ("person", s.user_name.clone()),
                ("period", s.period.clone()),
            ],
        ),
        facts,
        lines,
        earned: money(t.earned),
        notes,
        total: i18n.money(&s.commission),
        status: s.status.key(),
        status_label: status_label(&i18n, s.status),
        i18n,
    };
    Ok(render(&page.i18n, &page))
}

fn refusal(i18n: &I18n, err: &AppError) -> String {
    match err {
        AppError::Forbidden(_) => i18n.t("pay-error-forbidden"),
        other => i18n.t1("goal-error-invalid", "reason", other.to_string()),
    }
}

#[derive(Deserialize)]
pub(crate) struct RunForm {
    period: String,
}

async fn create_run(
    State(state): State<AppState>,
    user: SignedIn,
    Org(org): Org,
    Form(f): Form<RunForm>,
) -> Result<Response, Response> {
    let i18n = user.ctx.i18n();
    let engine = Engine::over(state.store(), org);
    let result = match engine.calendar().parse(&f.period) {
        Ok(period) => pay::calculate(&engine, By::Person(&user.principal), period, None).await,
        Err(e) => Err(AppError::Period(e)),
    };
    match result {
        Ok(run) => Ok(Redirect::to(&format!("/pay?run={run}")).into_response()),
        Err(e) => list_page(&state, &user, None, Some(refusal(&i18n, &e)))
            .await
            .map(|page| with_status(page, &e)),
    }
}

async fn run_action(
    State(state): State<AppState>,
    user: SignedIn,
    Path((raw, action)): Path<(String, String)>,
) -> Result<Response, Response> {
    let lang = user.ctx.lang;
    let i18n = user.ctx.i18n();
    let run: PayoutRunId = page_id(lang, &raw)?;
    let by = By::Person(&user.principal);
    let result = match action.as_str() {
        "approve" => pay::advance(state.store(), by, run, RunStatus::Approved).await,
        "lock" => pay::advance(state.store(), by, run, RunStatus::Locked).await,
        "recalculate" => {
            // Only a recalculation computes figures: only it loads the context.
            let org = attain_kpi::OrgContext::load(state.store())
                .await
                .or_page(lang)?;
            let engine = Engine::over(state.store(), org);
            match state.store().payout_run(run).await {
                Ok(r) => match engine.calendar().parse(&r.period) {
                    Ok(period) => pay::calculate(&engine, by, period, Some(run))
                        .await
                        .map(|_| ()),
                    Err(e) => Err(AppError::Period(e)),
                },
                Err(e) => Err(e.into()),
            }
        }
        _ => {
            return Err(app_error_page(
                lang,
                AppError::Store(StoreError::NotFound {
                    entity: "page",
                    id: action,
                }),
            ));
        }
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/pay?run={run}")).into_response()),
        Err(e) => list_page(&state, &user, Some(run.raw()), Some(refusal(&i18n, &e)))
            .await
            .map(|page| with_status(page, &e)),
    }
}

/// The page that explains a refusal, with the status that says it: 403 for
/// what the role may not do, 404 for what is not there, 422 for the rest.
fn with_status(mut page: Response, err: &AppError) -> Response {
    use axum::http::StatusCode;
    *page.status_mut() = match err {
        AppError::Forbidden(_) => StatusCode::FORBIDDEN,
        AppError::Store(StoreError::NotFound { .. }) => StatusCode::NOT_FOUND,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    page
}

async fn payroll(
    State(state): State<AppState>,
    user: SignedIn,
    Path(raw): Path<String>,
) -> Result<Response, Response> {
    let lang = user.ctx.lang;
    let i18n = user.ctx.i18n();
    let run: PayoutRunId = page_id(lang, &raw)?;
    match pay::payroll_csv(state.store(), By::Person(&user.principal), run).await {
        Ok(csv) => Ok(crate::http::error::csv_download(
            &format!("payroll-run-{run}.csv"),
            csv,
        )),
        Err(AppError::Forbidden(m)) => Err(app_error_page(lang, AppError::Forbidden(m))),
        Err(e) => list_page(&state, &user, Some(run.raw()), Some(refusal(&i18n, &e))).await,
    }
}
