//! The people page: everyone within the person's reach, by unit.

use askama::Template;
use attain_core::{OrgUnitId, Visibility};
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;

use crate::AppState;
use crate::http::context::SignedIn;
use crate::http::error::{OrPage, render};
use crate::http::i18n::I18n;
use crate::http::layout::{Nav, role_key};

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/people", get(people))
}

struct PersonRow {
    name: String,
    login: String,
    unit: String,
    role_key: &'static str,
    active: bool,
}

#[derive(Template)]
#[template(path = "people.html")]
struct PeoplePage {
    i18n: I18n,
    nav: Option<Nav>,
    scope_note: String,
    rows: Vec<PersonRow>,
}

async fn people(State(state): State<AppState>, user: SignedIn) -> Result<Response, Response> {
    let lang = user.ctx.lang;
    let i18n = user.ctx.i18n();
    let store = state.store();
    let visibility = user.principal.visibility();
    let visible = store.users_visible(&visibility).await.or_page(lang)?;
    let units = store.org_units().await.or_page(lang)?;
    let unit_name = |id: OrgUnitId| {
        units
            .iter()
            .find(|u| u.id == id)
            .map_or_else(String::new, |u| u.name.clone())
    };
    let scope_note = match visibility {
        Visibility::Everything => i18n.t("people-scope-all"),
        Visibility::Subtree(unit) => i18n.t1("people-scope-subtree", "unit", unit_name(unit)),
        Visibility::Own(_) => i18n.t("people-scope-own"),
    };
    let rows = visible
        .into_iter()
        .map(|u| PersonRow {
            unit: unit_name(u.unit),
            name: u.display_name,
            login: u.login.to_string(),
            role_key: role_key(u.role),
            active: u.active,
        })
        .collect();
    let page = PeoplePage {
        nav: Nav::new(&user, "people", "/people"),
        scope_note,
        rows,
        i18n,
    };
    Ok(render(&page.i18n, &page))
}
