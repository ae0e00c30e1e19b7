//! Importing deals (opportunities).

use std::collections::{HashMap, HashSet};

use attain_core::sales::{DealStatus, ForecastCategory};
use attain_core::{Currency, ExternalId, Login, OrgUnitKind, Role, UserId};
use attain_store::{Actor, CustomerRef, ImportCounts, ImportedDeal, NewOrgUnit, NewUser, Store};

use super::parse::{ImportProblem, parse_amount, parse_date, parse_percent, read_table};
use super::presets::{DEAL_FIELDS, Preset, map_columns, missing_columns, status_of_stage};
use crate::{AppError, AppResult};

/// What a deal import did (or, in a dry run, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DealImportReport {
    /// Data rows read.
    pub rows: usize,
    /// Nothing was written.
    pub dry_run: bool,
    /// What was written.
    pub counts: ImportCounts,
    /// Owners created because `create_missing_owners` was set.
    pub owners_created: Vec<String>,
    /// Notes for the person importing (e.g. a missing ID column).
    pub notes: Vec<String>,
}

const REQUIRED: &[&str] = &["name", "customer", "owner", "amount", "stage", "close_date"];

fn forecast_of(text: &str, status: DealStatus, probability: u8) -> ForecastCategory {
    if status != DealStatus::Open {
        return ForecastCategory::Closed;
    }
    match text.trim().to_lowercase().replace([' ', '_'], "").as_str() {
        "commit" | "承诺" => ForecastCategory::Commit,
        "bestcase" | "upside" | "乐观" => ForecastCategory::BestCase,
        "pipeline" | "管道" => ForecastCategory::Pipeline,
        "omitted" | "omit" => ForecastCategory::Omitted,
        _ if probability >= 75 => ForecastCategory::Commit,
        _ if probability >= 50 => ForecastCategory::BestCase,
        _ => ForecastCategory::Pipeline,
    }
}

/// Imports a deals export. With `dry_run` nothing is written; with
/// `create_missing_owners` unknown owners become reps in an `Imported` unit,
/// otherwise every row naming an unknown owner is a problem.
pub async fn import_deals(
    store: &Store,
    file: &str,
    bytes: &[u8],
    _preset: Preset,
    dry_run: bool,
    create_missing_owners: bool,
) -> AppResult<DealImportReport> {
    let (table, mut problems) = read_table(file, bytes).map_err(AppError::Import)?;
    let settings = store.settings().await?;
    let columns = map_columns(&table.header, DEAL_FIELDS);
    let col = |field: &str| {
        columns
            .iter()
            .find(|(f, _)| *f == field)
            .and_then(|(_, c)| *c)
    };
    let missing = missing_columns(file, &columns, REQUIRED, DEAL_FIELDS);
    if !missing.is_empty() {
        problems.extend(missing);
        return Err(AppError::Import(problems));
    }
    let mut notes = Vec::new();
    if col("external_id").is_none() {
        notes.push(
            "the file has no ID column: deals are matched on re-import by name and customer"
                .to_owned(),
        );
    }

    let mut owners = super::owner_index(store).await?;

    let header = |i: usize| table.header.get(i).cloned().unwrap_or_default();
    let mut parsed = Vec::new();
    let mut unknown_owners: Vec<(usize, usize, String)> = Vec::new();
    let mut seen_ids: HashMap<String, usize> = HashMap::new();
    for (line, cells) in &table.rows {
        let cell = |field: &str| {
            col(field)
                .and_then(|i| cells.get(i))
                .map(String::as_str)
                .unwrap_or("")
        };
        let mut bad = |field: &str, message: String| {
            let index = col(field).unwrap_or(0);
            problems.push(ImportProblem {
                file: file.to_owned(),
                row: *line,
                column: Some(header(index)),
                message,
                value: Some(cell(field).to_owned()),
            });
        };
        let name = cell("name").to_owned();
        if name.is_empty() {
            bad("name", "a deal needs a name".into());
        }
        let customer_name = cell("customer").to_owned();
        if customer_name.is_empty() {
            bad("customer", "a deal needs a customer".into());
        }
        let currency = match cell("currency") {
            "" => Some(settings.base_currency),
            code => Currency::from_code(code)
                .map_err(|e| bad("currency", e.to_string()))
                .ok(),
        };
        let amount = currency.and_then(|c| match parse_amount(cell("amount"), c) {
            Ok(m) if m.amount().is_sign_negative() => {
                bad("amount", "a deal amount cannot be negative".into());
                None
            }
            Ok(m) => Some(m),
            Err(e) => {
                bad("amount", e);
                None
            }
        });
        let stage = cell("stage").to_owned();
        if stage.is_empty() {
            bad("stage", "a deal needs a stage".into());
        }
        let status = status_of_stage(&stage);
        let close = parse_date(cell("close_date"))
            .map_err(|e| bad("close_date", e))
            .ok();
        let created = match cell("created") {
            "" => close,
            text => parse_date(text).map_err(|e| bad("created", e)).ok(),
        };
        let probability = match cell("probability") {
            "" => Some(match status {
                DealStatus::Won => 100,
                DealStatus::Lost => 0,
                DealStatus::Open => 10,
            }),
            text => parse_percent(text).map_err(|e| bad("probability", e)).ok(),
        };
        let owner_text = cell("owner").trim().to_owned();
        let owner = owners.get(&owner_text.to_lowercase()).copied();
        if owner_text.is_empty() {
            bad("owner", "a deal needs an owner".into());
        } else if owner.is_none() {
            unknown_owners.push((*line, col("owner").unwrap_or(0), owner_text.clone()));
        }
        let external = match cell("external_id") {
            "" => format!("{name}|{customer_name}"),
            id => id.trim_start_matches("zcrm_").to_owned(),
        };
        if let Some(first) = seen_ids.insert(external.clone(), *line) {
            bad(
                "external_id",
                format!("the same deal appears twice in the file (first on line {first})"),
            );
        }
        let external_id = ExternalId::new(&external)
            .map_err(|e| bad("external_id", e.to_string()))
            .ok();
        if let (Some(external_id), Some(amount), Some(close), Some(created), Some(probability)) =
            (external_id, amount, close, created, probability)
            && !name.is_empty()
            && !customer_name.is_empty()
            && !stage.is_empty()
        {
            let customer_external = cell("customer_external_id").trim_start_matches("zcrm_");
            parsed.push((
                owner_text,
                ImportedDeal {
                    external_id,
                    name,
                    customer: CustomerRef {
                        external_id: ExternalId::new(customer_external).ok(),
                        name: customer_name,
                    },
                    owner: owner.unwrap_or(UserId::from_raw(0)),
                    amount,
                    probability,
                    forecast_category: forecast_of(cell("forecast_category"), status, probability),
                    status,
                    created_on: created.min(close),
                    expected_close_on: close,
                    closed_on: (status != DealStatus::Open).then_some(close),
                    lost_reason: Some(cell("lost_reason").to_owned())
                        .filter(|s| !s.is_empty() && status == DealStatus::Lost),
                    source_channel: Some(cell("source").to_lowercase().replace(' ', "_"))
                        .filter(|s| !s.is_empty()),
                    stage,
                },
            ));
        }
    }
    if !create_missing_owners {
        for (line, index, owner) in &unknown_owners {
            problems.push(ImportProblem {
                file: file.to_owned(),
                row: *line,
                column: Some(header(*index)),
                message: "unknown owner: no user has this login, e-mail or name (add the user, or import with --create-missing-owners)".into(),
                value: Some(owner.clone()),
            });
        }
    }
    if !problems.is_empty() {
        problems.sort_by_key(|p| p.row);
        return Err(AppError::Import(problems));
    }
    let mut report = DealImportReport {
        rows: table.rows.len(),
        dry_run,
        notes,
        ..DealImportReport::default()
    };
    let missing: Vec<String> = {
        let mut names: Vec<String> = unknown_owners
            .iter()
            .map(|(_, _, n)| n.clone())
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        names.sort();
        names
    };
    if dry_run {
        report.owners_created = missing;
        return Ok(report);
    }
    if !missing.is_empty() {
        let created = create_owners(store, &missing).await?;
        for (name, id) in &created {
            owners.insert(name.to_lowercase(), *id);
        }
        report.owners_created = missing;
    }
    let deals: Vec<ImportedDeal> = parsed
        .into_iter()
        .map(|(owner_text, mut d)| {
            if let Some(id) = owners.get(&owner_text.to_lowercase()) {
                d.owner = *id;
            }
            d
        })
        .collect();
    report.counts = store.import_deals(&deals).await?;
    Ok(report)
}

/// Creates reps for owners named in a file but unknown here, in a unit
/// `Imported` under the company (created if needed).
async fn create_owners(store: &Store, names: &[String]) -> AppResult<Vec<(String, UserId)>> {
    let units = store.org_units().await?;
    let company = units
        .iter()
        .find(|u| u.parent.is_none())
        .map(|u| u.id)
        .ok_or_else(|| {
            AppError::Invalid("the organisation has no company unit to add owners to".into())
        })?;
    let imported = match units
        .iter()
        .find(|u| u.name == "Imported" && u.parent == Some(company))
    {
        Some(u) => u.id,
        None => {
            store
                .create_org_unit(&NewOrgUnit {
                    parent: Some(company),
                    name: "Imported".into(),
                    kind: OrgUnitKind::Team,
                    external_id: None,
                })
                .await?
        }
    };
    let mut created = Vec::new();
    let existing: HashSet<String> = store
        .users()
        .await?
        .into_iter()
        .map(|u| u.login.to_string())
        .collect();
    for (i, name) in names.iter().enumerate() {
        let base = if name.contains('@') {
            name.split('@').next().unwrap_or(name).to_lowercase()
        } else {
            String::new()
        };
        let mut login = Login::new(&base)
            .map(|l| l.to_string())
            .unwrap_or_else(|_| format!("imported.{}", i + 1));
        let mut n = 1;
        while existing.contains(&login) {
            n += 1;
            login = format!("imported.{}.{n}", i + 1);
        }
        let password = crate::secrets::new_password()?;
        let hash = crate::auth::hash_password(&password).await?;
        let user = NewUser {
            login: Login::new(&login).map_err(|e| AppError::Internal(e.to_string()))?,
            display_name: name.clone(),
            email: name.contains('@').then(|| name.clone()),
            unit: imported,
            role: Role::Rep,
            external_id: None,
        };
        let stored = store
            .create_user_audited(&Actor::named("import"), &user, &hash, true)
            .await?;
        created.push((name.clone(), stored.id));
    }
    Ok(created)
}
