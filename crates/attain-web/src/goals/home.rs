//! The home page: the organisation within the person's reach and the
//! goals that are running now.

use askama::Template;
use attain_core::{Granularity, OrgUnitKind, Visibility};
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;

use crate::AppState;
use crate::http::context::{Org, SignedIn};
use crate::http::error::{OrPage, render};
use crate::http::i18n::I18n;
use crate::http::layout::{Nav, kind_key};

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/", get(home))
}

struct UnitRow {
    name: String,
    kind_key: &'static str,
    depth: u32,
    people: i64,
}

/// One step of the first-run walkthrough.
struct SetupStep {
    id: &'static str,
    title: String,
    hint: String,
    href: &'static str,
    done: bool,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    i18n: I18n,
    nav: Option<Nav>,
    company: String,
    /// The first-run walkthrough, while the installation has no sales data
    /// (for those who set it up); empty otherwise.
    setup: Vec<SetupStep>,
    /// Whether the installation is still being set up (no sales data yet).
    setting_up: bool,
    unit_count: i64,
    people_summary: String,
    fiscal_quarter: String,
    fiscal_quarter_range: String,
    base_currency: &'static str,
    units: Vec<UnitRow>,
    goals: Vec<crate::goals::page::Row>,
}

/// Settings, org chart, people, data, first goals: each with whether it
/// is done and where it is done.
fn setup_steps(i18n: &I18n, p: &attain_store::SetupProgress) -> Vec<SetupStep> {
    let step = |id: &'static str, href: &'static str, done: bool| SetupStep {
        id,
        title: i18n.t(&format!("setup-{id}")),
        hint: i18n.t(&format!("setup-{id}-hint")),
        href,
        done,
    };
    vec![
        step("settings", "/admin/settings", p.settings_saved),
        step("org", "/org", p.units > 1),
        step("people", "/admin/users", p.people > 1),
        step("data", "/import", p.sales_records > 0),
        step("goals", "/goals", p.goals > 0),
    ]
}

async fn home(
    State(state): State<AppState>,
    user: SignedIn,
    Org(org): Org,
) -> Result<Response, Response> {
    let lang = user.ctx.lang;
    let i18n = user.ctx.i18n();
    let store = state.store();
    let settings = store.settings().await.or_page(lang)?;
    let units = store.org_units().await.or_page(lang)?;
    let (rows, unit_count, user_count, region_count, team_count) = if units.is_empty() {
        (Vec::new(), 0, 0, 0, 0)
    } else {
        let tree = store.org_tree().await.or_page(lang)?;
        // The org chart is shown within the viewer's own reach.
        let root = match user.principal.visibility() {
            Visibility::Everything => tree.root().id,
            Visibility::Subtree(unit) => unit,
            Visibility::Own(_) => user.principal.unit,
        };
        let company = tree.root().id;
        let rows: Vec<UnitRow> = tree
            .subtree(root)
            .iter()
            .filter(|id| **id != company)
            .filter_map(|id| {
                let unit = tree.unit(*id)?;
                Some(UnitRow {
                    name: unit.name.clone(),
                    kind_key: kind_key(unit.kind),
                    depth: tree.depth(*id)?,
                    people: i64::try_from(tree.users_within(*id).count()).unwrap_or(i64::MAX),
                })
            })
            .collect();
        let count = |kind: OrgUnitKind| {
            i64::try_from(
                tree.subtree(root)
                    .iter()
                    .filter(|id| tree.unit(**id).is_some_and(|u| u.kind == kind))
                    .count(),
            )
            .unwrap_or(0)
        };
        let people = i64::try_from(tree.users_within(root).count()).unwrap_or(0);
        let unit_count = i64::try_from(tree.subtree(root).len()).unwrap_or(0);
        (
            rows,
            unit_count,
            people,
            count(OrgUnitKind::Region),
            count(OrgUnitKind::Team),
        )
    };
    let (fiscal_quarter, fiscal_quarter_range) = match settings
        .calendar
        .period_containing(state.today(), Granularity::FiscalQuarter)
    {
        Ok(q) => (
            q.to_string(),
            format!("{} – {}", i18n.date(q.start()), i18n.date(q.last_day())),
        ),
        Err(e) => ("—".to_owned(), e.to_string()),
    };
    let progress = store.setup_progress().await.or_page(lang)?;
    let setting_up = progress.sales_records == 0;
    // The walkthrough is the administrator's: its steps are admin pages.
    let setup = if setting_up && user.principal.can_change_settings() {
        setup_steps(&i18n, &progress)
    } else {
        Vec::new()
    };
    let page = HomePage {
        nav: Nav::new(&user, "home", "/"),
        company: settings.name,
        setup,
        setting_up,
        unit_count,
        people_summary: i18n.ta(
            "home-people-summary",
            &[
                ("people", i18n.int(user_count)),
                ("regions", i18n.int(region_count)),
                ("teams", i18n.int(team_count)),
            ],
        ),
        fiscal_quarter,
        fiscal_quarter_range,
        base_currency: settings.base_currency.code(),
        units: rows,
        goals: crate::goals::page::current_roots(&state, &user, &org, &i18n, 12)
            .await
            .or_page(lang)?,
        i18n,
    };
    Ok(render(&page.i18n, &page))
}
