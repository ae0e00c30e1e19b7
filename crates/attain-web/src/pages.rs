//! HTML pages.

use askama::Template;
use attain_core::{Granularity, OrgUnitKind};
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;

use crate::AppState;
use crate::error::{PageError, error_page, render};

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/", get(home))
}

struct UnitRow {
    name: String,
    kind: &'static str,
    depth: u32,
    people: usize,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    version: &'static str,
    company: String,
    backend: &'static str,
    database: String,
    unit_count: usize,
    user_count: usize,
    region_count: usize,
    team_count: usize,
    fiscal_quarter: String,
    fiscal_quarter_range: String,
    base_currency: &'static str,
    units: Vec<UnitRow>,
}

async fn home(State(state): State<AppState>) -> Result<Response, PageError> {
    let store = state.store();
    let settings = store.settings().await?;
    let units = store.org_units().await?;
    let (unit_rows, user_count, region_count, team_count) = if units.is_empty() {
        (Vec::new(), 0, 0, 0)
    } else {
        let tree = store.org_tree().await?;
        let rows: Vec<UnitRow> = tree
            .units()
            .filter_map(|u| {
                let depth = tree.depth(u.id)?;
                (depth > 0).then(|| UnitRow {
                    name: u.name.clone(),
                    kind: u.kind.key(),
                    depth,
                    people: tree.users_within(u.id).count(),
                })
            })
            .collect();
        let count = |kind: OrgUnitKind| tree.units().filter(|u| u.kind == kind).count();
        (
            rows,
            tree.member_count(),
            count(OrgUnitKind::Region),
            count(OrgUnitKind::Team),
        )
    };
    let (fiscal_quarter, fiscal_quarter_range) = match settings
        .calendar
        .period_containing(state.today(), Granularity::FiscalQuarter)
    {
        Ok(q) => (q.to_string(), format!("{} – {}", q.start(), q.last_day())),
        Err(e) => ("—".to_owned(), e.to_string()),
    };
    let page = HomePage {
        version: crate::VERSION,
        company: settings.name,
        backend: store.backend().name(),
        database: store.describe().to_owned(),
        unit_count: units.len(),
        user_count,
        region_count,
        team_count,
        fiscal_quarter,
        fiscal_quarter_range,
        base_currency: settings.base_currency.code(),
        units: unit_rows,
    };
    Ok(render(&page))
}

pub(crate) async fn not_found() -> Response {
    error_page(
        StatusCode::NOT_FOUND,
        "Page not found",
        "There is no page at this address. It may have moved, or the link may be mistyped.",
    )
}
