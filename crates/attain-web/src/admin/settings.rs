//! The organisation's settings: the settings page for administrators and
//! `/api/v1/settings` (read by anyone signed in, changed by administrators),
//! both through `attain_app::settings`.

use askama::Template;
use attain_app::goals::By;
use attain_app::settings::{self, GoalPeriodMove, SettingsChange};
use attain_core::{OrgSettings, SettingKey};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Map, Value, json};

use crate::http::context::{ApiUser, SignedIn};
use attain_app::AppError;

use crate::http::error::ErrorBody;
use crate::http::error::{OrPage, app_error_page, explain, render};
use crate::http::i18n::{I18n, Lang};
use crate::http::layout::{Nav, forbidden};
use crate::{ApiError, AppState};

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/admin/settings", get(page).post(save))
}

pub(crate) fn api_routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    utoipa_axum::router::OpenApiRouter::new().routes(utoipa_axum::routes!(read, change))
}

/// Time zones offered first on the page (any IANA zone may be typed).
const COMMON_ZONES: &[&str] = &[
    "Asia/Shanghai",
    "Asia/Hong_Kong",
    "Asia/Taipei",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Asia/Kolkata",
    "Asia/Dubai",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Paris",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Australia/Sydney",
    "UTC",
];

const WEEKDAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// A goal the change moved, as the page says it.
struct MovedRow {
    what: String,
    from: String,
    to: String,
    unaligned: bool,
}

/// One setting as the form shows it.
struct Field {
    key: &'static str,
    label: String,
    hint: String,
    value: String,
    /// The stored value the form was shown with: only fields that differ
    /// from it are changed, so two administrators' saves do not undo each
    /// other's.
    was: String,
    /// `text`, `number`, `select` or `zone`.
    kind: &'static str,
    /// (value, label) of a select.
    options: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsPage {
    i18n: I18n,
    nav: Option<Nav>,
    csrf: String,
    fields: Vec<Field>,
    zones: &'static [&'static str],
    notice: Option<String>,
    error: Option<String>,
    moved: Vec<MovedRow>,
}

/// The form's fields, holding `values` (the stored settings, or what was
/// just submitted).
fn fields(i18n: &I18n, values: &Map<String, Value>, stored: &OrgSettings) -> Vec<Field> {
    SettingKey::ALL
        .into_iter()
        .map(|key| {
            let k = key.key();
            let (kind, options): (&'static str, Vec<(String, String)>) = match key {
                SettingKey::CompanyName | SettingKey::BaseCurrency => ("text", Vec::new()),
                SettingKey::ChurnInactiveDays => ("number", Vec::new()),
                SettingKey::TimeZone => ("zone", Vec::new()),
                SettingKey::FiscalYearStartMonth => (
                    "select",
                    (1..=12)
                        .map(|m| (m.to_string(), i18n.t(&format!("month-{m}"))))
                        .collect(),
                ),
                SettingKey::FiscalYearNamedBy => (
                    "select",
                    ["end", "start"]
                        .map(|v| (v.to_owned(), i18n.t(&format!("setting-named-by-{v}"))))
                        .to_vec(),
                ),
                SettingKey::WeekStart => (
                    "select",
                    WEEKDAYS
                        .map(|d| (d.to_owned(), i18n.t(&format!("weekday-{d}"))))
                        .to_vec(),
                ),
                SettingKey::RevenueBasis => (
                    "select",
                    ["orders", "bookings", "cash"]
                        .map(|v| (v.to_owned(), i18n.t(&format!("setting-basis-{v}"))))
                        .to_vec(),
                ),
                SettingKey::UnitCredit => (
                    "select",
                    ["current", "transaction_date"]
                        .map(|v| (v.to_owned(), i18n.t(&format!("setting-credit-{v}"))))
                        .to_vec(),
                ),
                SettingKey::DefaultLanguage => (
                    "select",
                    Lang::ALL
                        .map(|l| (l.code().to_owned(), l.native_name().to_owned()))
                        .to_vec(),
                ),
            };
            Field {
                key: k,
                label: i18n.t(&format!("setting-{k}")),
                hint: i18n.t(&format!("setting-{k}-expected")),
                value: values
                    .get(k)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                was: stored.get(key),
                kind,
                options,
            }
        })
        .collect()
}

fn values_of(settings: &OrgSettings) -> Map<String, Value> {
    settings
        .entries()
        .into_iter()
        .map(|(k, v)| (k.key().to_owned(), Value::String(v)))
        .collect()
}

/// A metric's name in the person's language (a custom metric's key).
fn metric_name(metric: &attain_core::MetricKey, zh: bool) -> String {
    attain_core::kpi::metric(metric.key())
        .map(|m| if zh { m.name_zh } else { m.name_en }.to_owned())
        .unwrap_or_else(|| metric.key().to_owned())
}

fn moved_rows(i18n: &I18n, moved: &[GoalPeriodMove]) -> Vec<MovedRow> {
    moved
        .iter()
        .map(|m| MovedRow {
            what: if m.name.is_empty() {
                i18n.ta(
                    "settings-goal-of",
                    &[
                        ("metric", metric_name(&m.metric, i18n.lang() == Lang::ZhCn)),
                        ("scope", m.scope_label.clone()),
                    ],
                )
            } else {
                m.name.clone()
            },
            from: m.from.to_string(),
            to: m.to.to_string(),
            unaligned: m.unaligned(),
        })
        .collect()
}

async fn page(State(state): State<AppState>, user: SignedIn) -> Result<Response, Response> {
    let i18n = user.ctx.i18n();
    if !user.principal.can_change_settings() {
        return Err(forbidden(&i18n));
    }
    let current = state.store().settings().await.or_page(user.ctx.lang)?;
    let page = SettingsPage {
        nav: Nav::new(&user, "settings", "/admin/settings"),
        csrf: user.csrf.clone(),
        fields: fields(&i18n, &values_of(&current), &current),
        zones: COMMON_ZONES,
        notice: None,
        error: None,
        moved: Vec::new(),
        i18n,
    };
    Ok(render(&page.i18n, &page).into_response())
}

/// The first value of `changes` the settings cannot take, said in the
/// person's language with what the setting takes.
fn localized_check(
    i18n: &I18n,
    current: &OrgSettings,
    changes: &[(SettingKey, String)],
) -> Result<(), String> {
    let mut trial = current.clone();
    for (key, value) in changes {
        if trial.set(*key, value).is_err() {
            return Err(i18n.ta(
                "settings-bad-value",
                &[
                    ("setting", i18n.t(&format!("setting-{}", key.key()))),
                    ("value", value.chars().take(80).collect()),
                    (
                        "expected",
                        i18n.t(&format!("setting-{}-expected", key.key())),
                    ),
                ],
            ));
        }
    }
    Ok(())
}

/// The settings the person changed on the form, as `key=value` pairs: the
/// fields whose value differs from the one the form was shown with
/// (`was_<key>`). Other fields, the CSRF token among them, are no settings.
fn form_changes(form: &[(String, String)]) -> Vec<(SettingKey, String)> {
    let shown = |key: &str| {
        form.iter()
            .find(|(k, _)| k.strip_prefix("was_") == Some(key))
            .map(|(_, v)| v.trim())
    };
    form.iter()
        .filter_map(|(k, v)| Some((k.parse::<SettingKey>().ok()?, v.clone())))
        .filter(|(k, v)| shown(k.key()) != Some(v.trim()))
        .collect()
}

async fn save(
    State(state): State<AppState>,
    user: SignedIn,
    axum::Form(form): axum::Form<Vec<(String, String)>>,
) -> Result<Response, Response> {
    let i18n = user.ctx.i18n();
    let lang = user.ctx.lang;
    if !user.principal.can_change_settings() {
        return Err(forbidden(&i18n));
    }
    let changes = form_changes(&form);
    let current = state.store().settings().await.or_page(lang)?;
    let outcome = match localized_check(&i18n, &current, &changes) {
        Err(message) => Err(message),
        Ok(()) if changes.is_empty() => Ok(None),
        Ok(()) => {
            match settings::change(state.store(), By::Person(&user.principal), &changes).await {
                Ok(done) => Ok(Some(done)),
                Err(
                    e @ (AppError::Invalid(_)
                    | AppError::Store(attain_store::StoreError::Conflict(_))),
                ) => Err(explain(&i18n, &e)),
                // Anything else is no fault of the form's: the error page.
                Err(e) => return Err(app_error_page(lang, e)),
            }
        }
    };
    let (status, values, notice, error, moved) = match outcome {
        Ok(None) => (
            StatusCode::OK,
            values_of(&current),
            Some(i18n.t("settings-unchanged")),
            None,
            Vec::new(),
        ),
        Ok(Some(done)) => {
            // The page answers in the language and zone just chosen.
            state.remember(&done.after);
            let notice = if done.changed.is_empty() {
                i18n.t("settings-unchanged")
            } else {
                i18n.t1("settings-saved", "count", done.changed.len())
            };
            let moved = moved_rows(&i18n, &done.goals_moved);
            (
                StatusCode::OK,
                values_of(&done.after),
                Some(notice),
                None,
                moved,
            )
        }
        Err(message) => {
            let mut values = values_of(&current);
            for (k, v) in &changes {
                values.insert(k.key().to_owned(), Value::String(v.clone()));
            }
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                values,
                None,
                Some(message),
                Vec::new(),
            )
        }
    };
    let stored = state.store().settings().await.or_page(lang)?;
    let page = SettingsPage {
        nav: Nav::new(&user, "settings", "/admin/settings"),
        csrf: user.csrf.clone(),
        fields: fields(&i18n, &values, &stored),
        zones: COMMON_ZONES,
        notice,
        error,
        moved,
        i18n,
    };
    Ok((status, render(&page.i18n, &page)).into_response())
}

#[utoipa::path(get, path = "/settings", tag = "settings", operation_id = "read_settings", responses((status = 200, body = Object, description = "Every setting by its key, as text"), (status = "4XX", body = ErrorBody, description = "A problem: not signed in, not allowed, not found, or a bad value (the error names it)")))]
async fn read(State(state): State<AppState>, _user: ApiUser) -> Result<Json<Value>, ApiError> {
    Ok(Json(Value::Object(values_of(
        &state.store().settings().await?,
    ))))
}

fn change_json(done: &SettingsChange) -> Value {
    json!({
        "settings": values_of(&done.after),
        "changed": done.changed.iter().map(|k| k.key()).collect::<Vec<_>>(),
        "goals_moved": done.goals_moved.iter().map(|m| json!({
            "goal": m.goal.raw(),
            "from": m.from.to_string(),
            "to": m.to.to_string(),
            "aligned": !m.unaligned(),
        })).collect::<Vec<_>>(),
    })
}

#[utoipa::path(put, path = "/settings", tag = "settings", operation_id = "change_settings", request_body = Object, responses((status = 200, body = Object, description = "The settings before and after, and the goals whose period key changed"), (status = "4XX", body = ErrorBody, description = "A problem: not signed in, not allowed, not found, or a bad value (the error names it)")))]
async fn change(
    State(state): State<AppState>,
    user: ApiUser,
    Json(body): Json<Map<String, Value>>,
) -> Result<Json<Value>, ApiError> {
    settings::may_change(By::Person(&user.principal))?;
    let mut changes = Vec::with_capacity(body.len());
    for (key, value) in &body {
        let key: SettingKey = key
            .parse()
            .map_err(|e: attain_core::SettingError| ApiError::bad_request(e.to_string()))?;
        let text = match value {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => {
                return Err(ApiError::bad_request(format!(
                    "{key}: give the value as text or a number"
                )));
            }
        };
        changes.push((key, text));
    }
    let done = settings::change(state.store(), By::Person(&user.principal), &changes).await?;
    state.remember(&done.after);
    Ok(Json(change_json(&done)))
}
