//! The KPI explorer: pick a metric, scope, period and breakdown; a table
//! with bars; every row drills down one level.

use askama::Template;
use attain_core::kpi::CATALOGUE;
use attain_core::{Granularity, Visibility};
use attain_kpi::{Dim, Engine, KpiQuery, Scope};
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use rust_decimal::Decimal;
use serde::Deserialize;

use crate::AppState;
use crate::http::context::{Org, SignedIn};
use crate::http::error::{OrPage, render};
use crate::http::i18n::{I18n, Lang};
use crate::http::layout::Nav;
use crate::kpi::api::{default_scope, parse_scope};

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/kpi", get(explorer))
}

#[derive(Deserialize, Default)]
pub(crate) struct ExplorerParams {
    #[serde(default)]
    metric: String,
    #[serde(default)]
    period: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    by: String,
}

struct Row {
    label: String,
    link: Option<String>,
    value: String,
    /// Bar length in pixels (0–240).
    bar: u32,
}

#[derive(Template)]
#[template(path = "kpi.html")]
struct ExplorerPage {
    i18n: I18n,
    nav: Option<Nav>,
    metrics: Vec<(String, String)>,
    metric: String,
    name: String,
    definition: String,
    period: String,
    scopes: Vec<(String, String)>,
    scope: String,
    dims: Vec<(&'static str, String)>,
    by: String,
    heading: String,
    rows: Vec<Row>,
    error: Option<String>,
}

const DIMS: &[&str] = &[
    "", "rep", "unit", "team", "region", "month", "week", "quarter", "segment", "channel",
    "industry", "product", "category",
];

async fn explorer(
    State(state): State<AppState>,
    user: SignedIn,
    Org(org): Org,
    Query(p): Query<ExplorerParams>,
) -> Result<Response, Response> {
    let lang = user.ctx.lang;
    let i18n = user.ctx.i18n();
    let store = state.store();
    let engine = Engine::over(store, org);
    let tree = engine.tree();
    let visibility = user.principal.visibility();
    let zh = lang == Lang::ZhCn;
    let metric = if p.metric.is_empty() {
        "revenue".to_owned()
    } else {
        p.metric.clone()
    };
    let def = attain_core::kpi::metric(&metric);
    let custom = store.custom_metrics().await.or_page(lang)?;
    let custom_def = custom.iter().find(|m| m.key == metric);
    let period_text = if p.period.trim().is_empty() {
        engine
            .calendar()
            .period_containing(state.today(), Granularity::FiscalQuarter)
            .map(|q| q.to_string())
            .unwrap_or_default()
    } else {
        p.period.trim().to_owned()
    };
    let mut error = None;
    let scope = if p.scope.is_empty() {
        default_scope(&visibility)
    } else {
        match parse_scope(&p.scope, &user.principal, tree) {
            Ok(s) => s,
            Err(_) => {
                error = Some(i18n.t1("kpi-error-scope", "scope", &p.scope));
                default_scope(&visibility)
            }
        }
    };
    let mut scopes: Vec<(String, String)> = Vec::new();
    if visibility == Visibility::Everything {
        scopes.push(("company".into(), i18n.t("kpi-scope-company")));
    }
    let root = match visibility {
        Visibility::Everything => tree.units().next().map(|u| u.id),
        Visibility::Subtree(u) => Some(u),
        Visibility::Own(_) => None,
    };
    if let Some(root) = root {
        for id in tree.subtree(root) {
            if let Some(u) = tree.unit(*id) {
                let depth = tree.depth(*id).unwrap_or(0) as usize;
                scopes.push((
                    format!("unit:{}", id.raw()),
                    format!("{}{}", "· ".repeat(depth), u.name),
                ));
            }
        }
    }
    if let Visibility::Own(me) = visibility {
        scopes.push((
            format!("rep:{}", me.raw()),
            user.principal.display_name.clone(),
        ));
    }
    let scope_text = scope.key();
    if !scopes.iter().any(|(k, _)| *k == scope_text) {
        let label = match scope {
            Scope::Rep(r) => store
                .user(r)
                .await
                .map(|u| u.display_name)
                .unwrap_or_else(|_| scope_text.clone()),
            _ => scope_text.clone(),
        };
        scopes.push((scope_text.clone(), label));
    }
    let by: Vec<Dim> =
        p.by.split(',')
            .filter(|s| !s.trim().is_empty())
            .filter_map(|d| d.parse().ok())
            .collect();
    let mut rows = Vec::new();
    let mut heading = String::new();
    if error.is_none() {
        match engine.calendar().parse(&period_text) {
            Err(e) => error = Some(i18n.t1("kpi-error-period", "reason", e.to_string())),
            Ok(period) if def.is_some() || custom_def.is_some() => {
                let query = KpiQuery {
                    metric: (&metric).into(),
                    formula: None,
                    period,
                    scope,
                    by: by.clone(),
                    target: None,
                };
                match engine.answer_for(&user.principal, &query).await {
                    Err(e) => error = Some(e.to_string()),
                    Ok(answer) => {
                        heading = format!("{} · {}", answer.scope, answer.period);
                        let max = answer
                            .rows
                            .iter()
                            .filter_map(|r| r.value)
                            .map(|v| v.abs())
                            .max()
                            .unwrap_or_default();
                        for r in &answer.rows {
                            let bar = match (r.value, max.is_zero()) {
                                (Some(v), false) => (v.abs() / max * Decimal::from(240))
                                    .round()
                                    .to_string()
                                    .parse::<u32>()
                                    .unwrap_or(0),
                                _ => 0,
                            };
                            // One level down: unit → its reps; rep → his months; a month → its weeks.
                            let first = by.first().copied();
                            let link = match (first, r.keys.first()) {
                                (Some(Dim::Unit | Dim::Team | Dim::Region), Some(k)) => {
                                    Some(format!(
                                        "/kpi?metric={metric}&period={period_text}&scope=unit:{k}&by=rep"
                                    ))
                                }
                                (Some(Dim::Rep), Some(k)) => Some(format!(
                                    "/kpi?metric={metric}&period={period_text}&scope=rep:{k}&by=month"
                                )),
                                (Some(Dim::Quarter), Some(k)) => Some(format!(
                                    "/kpi?metric={metric}&period={k}&scope={scope_text}&by=month"
                                )),
                                (Some(Dim::Month), Some(k)) => Some(format!(
                                    "/kpi?metric={metric}&period={k}&scope={scope_text}&by=week"
                                )),
                                _ => None,
                            };
                            rows.push(Row {
                                label: if r.labels.is_empty() {
                                    i18n.t("kpi-total")
                                } else {
                                    r.labels.join(" · ")
                                },
                                link,
                                value: i18n.kpi_value(answer.unit, r.value, engine.base_currency()),
                                bar,
                            });
                        }
                    }
                }
            }
            Ok(_) => error = Some(i18n.t1("kpi-error-metric", "metric", &metric)),
        }
    }
    let page = ExplorerPage {
        nav: Nav::new(&user, "kpi", "/kpi"),
        metrics: CATALOGUE
            .iter()
            .map(|m| {
                (
                    m.key.to_owned(),
                    if zh { m.name_zh } else { m.name_en }.to_owned(),
                )
            })
            .chain(custom.iter().map(|m| {
                (
                    m.key.clone(),
                    format!(
                        "{} ({})",
                        if zh { &m.name_zh } else { &m.name_en },
                        m.formula
                    ),
                )
            }))
            .collect(),
        name: def
            .map(|m| if zh { m.name_zh } else { m.name_en }.to_owned())
            .or_else(|| {
                custom_def.map(|m| {
                    if zh {
                        m.name_zh.clone()
                    } else {
                        m.name_en.clone()
                    }
                })
            })
            .unwrap_or_default(),
        definition: def
            .map(|m| if zh { m.definition_zh } else { m.definition_en }.to_owned())
            .or_else(|| custom_def.map(|m| m.formula.clone()))
            .unwrap_or_default(),
        metric,
        period: period_text,
        scopes,
        scope: scope_text,
        dims: DIMS
            .iter()
            .map(|d| {
                (
                    *d,
                    i18n.t(&format!("kpi-by-{}", if d.is_empty() { "none" } else { d })),
                )
            })
            .collect(),
        by: p.by.clone(),
        heading,
        rows,
        error,
        i18n,
    };
    Ok(render(&page.i18n, &page))
}
