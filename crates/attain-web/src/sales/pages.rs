//! The deals page: deals within the person's visibility, filtered and paged.

use askama::Template;
use attain_core::UserId;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;

use crate::AppState;
use crate::http::context::SignedIn;
use crate::http::error::{OrPage, render};
use crate::http::i18n::I18n;
use crate::http::layout::Nav;

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/deals", get(deals))
}

struct DealRow {
    name: String,
    customer: String,
    owner: String,
    stage: String,
    amount: String,
    close: String,
    status_key: &'static str,
}

#[derive(Template)]
#[template(path = "deals.html")]
struct DealsPage {
    i18n: I18n,
    nav: Option<Nav>,
    status: String,
    statuses: Vec<(&'static str, &'static str)>,
    rows: Vec<DealRow>,
    total: i64,
    prev: Option<i64>,
    next: Option<i64>,
}

#[derive(Deserialize)]
struct DealsQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    offset: i64,
}

const DEALS_PAGE_SIZE: i64 = 50;

fn deal_status_key(status: attain_core::sales::DealStatus) -> &'static str {
    match status {
        attain_core::sales::DealStatus::Open => "deal-status-open",
        attain_core::sales::DealStatus::Won => "deal-status-won",
        attain_core::sales::DealStatus::Lost => "deal-status-lost",
    }
}

/// The deals the person may see, newest first, in pages.
async fn deals(
    State(state): State<AppState>,
    user: SignedIn,
    Query(q): Query<DealsQuery>,
) -> Result<Response, Response> {
    let lang = user.ctx.lang;
    let i18n = user.ctx.i18n();
    let store = state.store();
    let status = q.status.parse::<attain_core::sales::DealStatus>().ok();
    let filter = attain_store::DealFilter {
        status,
        ..attain_store::DealFilter::default()
    };
    let offset = q.offset.max(0);
    let page = store
        .deals_visible(
            &user.principal.visibility(),
            &filter,
            offset,
            DEALS_PAGE_SIZE,
        )
        .await
        .or_page(lang)?;
    let customer_ids: Vec<_> = page.items.iter().map(|d| d.customer).collect();
    let customers = store.customer_names(&customer_ids).await.or_page(lang)?;
    let people: std::collections::HashMap<UserId, String> = store
        .users()
        .await
        .or_page(lang)?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect();
    let rows = page
        .items
        .iter()
        .map(|d| DealRow {
            name: d.name.clone(),
            customer: customers.get(&d.customer).cloned().unwrap_or_default(),
            owner: people.get(&d.owner).cloned().unwrap_or_default(),
            stage: d.stage.clone(),
            amount: i18n.money(&d.amount),
            close: i18n.date(d.closed_on.unwrap_or(d.expected_close_on)),
            status_key: deal_status_key(d.status),
        })
        .collect();
    let statuses = attain_core::sales::DealStatus::ALL
        .iter()
        .map(|s| (s.key(), deal_status_key(*s)))
        .collect();
    let page_view = DealsPage {
        nav: Nav::new(&user, "deals", "/deals"),
        status: status.map(|s| s.key().to_owned()).unwrap_or_default(),
        statuses,
        rows,
        total: page.total,
        prev: (offset > 0).then(|| (offset - DEALS_PAGE_SIZE).max(0)),
        next: (offset + DEALS_PAGE_SIZE < page.total).then_some(offset + DEALS_PAGE_SIZE),
        i18n,
    };
    Ok(render(&page_view.i18n, &page_view))
}
