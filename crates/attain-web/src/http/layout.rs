//! What every page shares: the header (`Nav`), the safe redirect after
//! sign-in, the names of roles and unit kinds, the refusal and not-found pages.

use attain_core::{OrgUnitKind, Role};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use crate::http::context::{Ctx, SignedIn};
use crate::http::error::error_page;
use crate::http::i18n::I18n;

/// What the header of a signed-in page needs.
pub(crate) struct Nav {
    pub display_name: String,
    pub csrf: String,
    pub path: String,
    pub section: &'static str,
    pub can_manage_users: bool,
    pub can_read_audit: bool,
    pub can_import: bool,
    pub can_change_settings: bool,
}

impl Nav {
    pub(crate) fn new(user: &SignedIn, section: &'static str, path: &str) -> Option<Nav> {
        Some(Nav {
            display_name: user.principal.display_name.clone(),
            csrf: user.csrf.clone(),
            path: path.to_owned(),
            section,
            can_manage_users: user.principal.can_manage_users(),
            can_read_audit: user.principal.can_read_audit_log(),
            can_import: user.principal.can_import(),
            can_change_settings: user.principal.can_change_settings(),
        })
    }
}

/// Only local paths may be redirected to after sign-in or a language switch.
/// Where to go after signing in or switching language: `next` when it is a
/// path on this site, else the home page. Only printable ASCII without
/// backslashes that parses as a path is accepted: browsers drop tabs and
/// newlines and read `\` as `/`, so `/\t/evil.example` would otherwise
/// lead to another site.
pub(crate) fn safe_next(next: &str) -> &str {
    let same_site = next.starts_with('/')
        && !next.starts_with("//")
        && next.bytes().all(|b| b.is_ascii_graphic() && b != b'\\')
        && next.parse::<axum::http::uri::PathAndQuery>().is_ok();
    if same_site { next } else { "/" }
}

pub(crate) fn role_key(role: Role) -> &'static str {
    match role {
        Role::Admin => "role-admin",
        Role::SalesOps => "role-sales_ops",
        Role::Manager => "role-manager",
        Role::Rep => "role-rep",
        Role::Viewer => "role-viewer",
    }
}

pub(crate) fn kind_key(kind: OrgUnitKind) -> &'static str {
    match kind {
        OrgUnitKind::Company => "unit-kind-company",
        OrgUnitKind::Region => "unit-kind-region",
        OrgUnitKind::Department => "unit-kind-department",
        OrgUnitKind::Team => "unit-kind-team",
    }
}

pub(crate) fn forbidden(i18n: &I18n) -> Response {
    error_page(
        i18n,
        StatusCode::FORBIDDEN,
        &i18n.t("error-forbidden-title"),
        &i18n.t("error-forbidden-message"),
    )
}

#[derive(Deserialize)]
pub(crate) struct NoticeQuery {
    #[serde(default)]
    pub(crate) done: Option<String>,
}

/// Notices shown after a redirect, by a fixed key (never text from the URL).
pub(crate) fn notice_for(i18n: &I18n, done: Option<&str>) -> Option<String> {
    let key = match done? {
        "password" => "password-changed",
        "language" => "language-saved",
        "revoked" => "token-revoked-notice",
        "updated" => "users-updated",
        _ => return None,
    };
    Some(i18n.t(key))
}

pub(crate) async fn not_found(Ctx(ctx): Ctx) -> Response {
    let i18n = ctx.i18n();
    error_page(
        &i18n,
        StatusCode::NOT_FOUND,
        &i18n.t("error-page-not-found-title"),
        &i18n.t("error-page-not-found-message"),
    )
}
