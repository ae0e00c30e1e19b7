//! The org chart page: the units within the person's reach as a tree, with
//! their people; administrators add, rename, move and remove units here,
//! through `attain_app::units` like the API and the command line.

use askama::Template;
use attain_app::goals::By;
use attain_app::{AppError, units};
use attain_core::{OrgTree, OrgUnitId, OrgUnitKind, Visibility};
use attain_store::NewOrgUnit;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use crate::AppState;
use crate::http::context::SignedIn;
use crate::http::error::{OrPage, app_error_page, explain, page_id, render};
use crate::http::i18n::I18n;
use crate::http::layout::{Nav, forbidden};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/org", get(chart).post(add))
        .route("/org/{id}", post(change))
        .route("/org/{id}/remove", post(remove))
}

/// One unit as the chart shows it.
struct UnitRow {
    id: i64,
    name: String,
    path: String,
    kind_key: &'static str,
    /// Nesting below the first unit shown.
    depth: usize,
    /// People in it and below it.
    people: usize,
    /// Its parent's ID (none for the company).
    parent: Option<i64>,
    /// Units it may move under (not itself nor below itself).
    parents: Vec<(i64, String)>,
    /// Whether it may be removed (nobody in it, nothing under it).
    removable: bool,
}

#[derive(Template)]
#[template(path = "org.html")]
struct ChartPage {
    i18n: I18n,
    nav: Option<Nav>,
    csrf: String,
    admin: bool,
    rows: Vec<UnitRow>,
    /// Every unit a new unit may go under, by path.
    all: Vec<(i64, String)>,
    kinds: Vec<(&'static str, String)>,
    notice: Option<String>,
    error: Option<String>,
}

fn kind_key(kind: OrgUnitKind) -> &'static str {
    match kind {
        OrgUnitKind::Company => "unit-kind-company",
        OrgUnitKind::Region => "unit-kind-region",
        OrgUnitKind::Department => "unit-kind-department",
        OrgUnitKind::Team => "unit-kind-team",
    }
}

/// The units `user` may see, in tree order.
fn visible_units(
    tree: &OrgTree,
    visibility: Visibility,
    user: attain_core::UserId,
) -> Vec<OrgUnitId> {
    match visibility {
        Visibility::Everything => tree.subtree(tree.root().id).to_vec(),
        Visibility::Subtree(u) => tree.subtree(u).to_vec(),
        Visibility::Own(_) => tree.unit_of(user).into_iter().collect(),
    }
}

async fn render_chart(
    state: &AppState,
    user: &SignedIn,
    status: StatusCode,
    notice: Option<String>,
    error: Option<String>,
) -> Result<Response, Response> {
    let i18n = user.ctx.i18n();
    let tree = state.store().org_tree().await.or_page(user.ctx.lang)?;
    let admin = user.principal.can_manage_units();
    let ids = visible_units(&tree, user.principal.visibility(), user.principal.user);
    let top = ids.first().and_then(|id| tree.depth(*id)).unwrap_or(0);
    let path = |id: OrgUnitId| tree.path(id).join(" / ");
    let all: Vec<(i64, String)> = tree.units().map(|u| (u.id.raw(), path(u.id))).collect();
    let rows = ids
        .iter()
        .filter_map(|id| tree.unit(*id))
        .map(|u| UnitRow {
            id: u.id.raw(),
            name: u.name.clone(),
            path: path(u.id),
            kind_key: kind_key(u.kind),
            depth: tree.depth(u.id).unwrap_or(0).saturating_sub(top) as usize,
            people: tree.users_within(u.id).count(),
            parent: u.parent.map(OrgUnitId::raw),
            parents: if admin && u.parent.is_some() {
                tree.units()
                    .filter(|p| !tree.is_within(p.id, u.id))
                    .map(|p| (p.id.raw(), path(p.id)))
                    .collect()
            } else {
                Vec::new()
            },
            removable: u.parent.is_some()
                && tree.children(u.id).next().is_none()
                && tree.users_within(u.id).next().is_none(),
        })
        .collect();
    let page = ChartPage {
        nav: Nav::new(user, "org", "/org"),
        csrf: user.csrf.clone(),
        admin,
        rows,
        all,
        kinds: [
            OrgUnitKind::Region,
            OrgUnitKind::Department,
            OrgUnitKind::Team,
        ]
        .map(|k| (k.key(), i18n.t(kind_key(k))))
        .to_vec(),
        notice,
        error,
        i18n,
    };
    Ok((status, render(&page.i18n, &page)).into_response())
}

#[derive(Deserialize)]
struct DoneQuery {
    done: Option<String>,
}

async fn chart(
    State(state): State<AppState>,
    user: SignedIn,
    Query(q): Query<DoneQuery>,
) -> Result<Response, Response> {
    let i18n = user.ctx.i18n();
    let notice = match q.done.as_deref() {
        Some("added") => Some(i18n.t("org-added")),
        Some("changed") => Some(i18n.t("org-changed")),
        Some("removed") => Some(i18n.t("org-removed")),
        _ => None,
    };
    render_chart(&state, &user, StatusCode::OK, notice, None).await
}

/// The page again with what went wrong, or back to the chart with a notice.
async fn after(
    state: &AppState,
    user: &SignedIn,
    outcome: Result<(), AppError>,
    done: &str,
) -> Result<Response, Response> {
    match outcome {
        Ok(()) => Ok(Redirect::to(&format!("/org?done={done}")).into_response()),
        Err(AppError::Forbidden(_)) => Err(forbidden(&user.ctx.i18n())),
        Err(
            e @ (AppError::Invalid(_)
            | AppError::Store(
                attain_store::StoreError::Invalid(_) | attain_store::StoreError::Conflict(_),
            )),
        ) => {
            let message = explain(&user.ctx.i18n(), &e);
            render_chart(
                state,
                user,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(message),
            )
            .await
        }
        // A unit that is gone, or a failing database: the error page.
        Err(e) => Err(app_error_page(user.ctx.lang, e)),
    }
}

#[derive(Deserialize)]
struct AddForm {
    name: String,
    kind: String,
    parent: i64,
}

async fn add(
    State(state): State<AppState>,
    user: SignedIn,
    axum::Form(form): axum::Form<AddForm>,
) -> Result<Response, Response> {
    let outcome = match form.kind.parse::<OrgUnitKind>() {
        Ok(kind) if kind != OrgUnitKind::Company => {
            let unit = NewOrgUnit {
                parent: Some(OrgUnitId::from_raw(form.parent)),
                name: form.name,
                kind,
                external_id: None,
            };
            units::create(state.store(), By::Person(&user.principal), &unit)
                .await
                .map(|_| ())
        }
        _ => Err(AppError::Invalid(user.ctx.i18n().t("org-bad-kind"))),
    };
    after(&state, &user, outcome, "added").await
}

#[derive(Deserialize)]
struct ChangeForm {
    name: String,
    parent: Option<i64>,
}

async fn change(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<ChangeForm>,
) -> Result<Response, Response> {
    let id: OrgUnitId = page_id(user.ctx.lang, &id)?;
    let outcome = units::update(
        state.store(),
        By::Person(&user.principal),
        id,
        Some(&form.name),
        form.parent.map(OrgUnitId::from_raw),
    )
    .await;
    after(&state, &user, outcome, "changed").await
}

async fn remove(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, Response> {
    let id: OrgUnitId = page_id(user.ctx.lang, &id)?;
    let outcome = units::delete(state.store(), By::Person(&user.principal), id).await;
    after(&state, &user, outcome, "removed").await
}
