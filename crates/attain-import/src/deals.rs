//! Importing deals (opportunities, 商机).

use std::collections::BTreeSet;

use attain_core::sales::{DealStatus, ForecastCategory};
use attain_core::{Currency, ExternalId};
use attain_store::{CustomerRef, ImportedDeal, Store};

use super::presets::{self, DEAL_FIELDS};
use super::rows::{Owners, Rates, Row, Sheet};
use super::{Entity, Fallback, ImportOptions, ImportReport, ImportStep, OnStep};
use attain_app::{AppError, AppResult};
use attain_core::ImportProblem;

pub(super) const REQUIRED: &[&str] = &[
    "name",
    "customer|customer_external_id",
    "owner|owner_external_id",
    "amount",
    "stage",
    "close_date",
];

/// A forecast category as the CRMs write it; `None` for a word nobody knows.
fn named_forecast(text: &str) -> Option<ForecastCategory> {
    match text.trim().to_lowercase().replace([' ', '_'], "").as_str() {
        "commit" | "承诺" => Some(ForecastCategory::Commit),
        "bestcase" | "upside" | "乐观" => Some(ForecastCategory::BestCase),
        "pipeline" | "管道" => Some(ForecastCategory::Pipeline),
        "omitted" | "omit" => Some(ForecastCategory::Omitted),
        "closed" => Some(ForecastCategory::Closed),
        _ => None,
    }
}

/// The forecast category of a deal: closed deals are closed; an open
/// deal's named category, else one from its probability.
fn forecast_of(
    named: Option<ForecastCategory>,
    status: DealStatus,
    probability: u8,
) -> ForecastCategory {
    if status != DealStatus::Open {
        return ForecastCategory::Closed;
    }
    match named {
        Some(c) if c != ForecastCategory::Closed => c,
        _ if probability >= 75 => ForecastCategory::Commit,
        _ if probability >= 50 => ForecastCategory::BestCase,
        _ => ForecastCategory::Pipeline,
    }
}

/// A yes/no cell as the CRMs write it.
pub(super) fn yes_no(text: &str) -> Option<bool> {
    match text.trim().to_lowercase().as_str() {
        "true" | "1" | "yes" | "y" | "是" => Some(true),
        "false" | "0" | "no" | "n" | "否" => Some(false),
        _ => None,
    }
}

/// A yes/no cell of `field`; empty is false (how Salesforce Data Loader
/// writes it), counted in the report; anything else is a problem.
pub(super) fn flag(row: &mut Row<'_, '_>, field: &str) -> Option<bool> {
    let text = row.text(field);
    if text.is_empty() {
        let column = row.header_of(field).to_owned();
        row.defaulted(Fallback::EmptyIsFalse { column });
        return Some(false);
    }
    let value = yes_no(text);
    if value.is_none() {
        row.bad(field, "expected true or false");
    }
    value
}

/// A channel key as the source column writes it: `Trade Show` → `trade_show`.
pub(super) fn channel_of(text: &str) -> attain_core::sales::Channel {
    attain_core::sales::Channel {
        key: text.trim().to_lowercase().replace(' ', "_"),
        name: text.trim().to_owned(),
    }
}

/// The customer a row names, by external ID and/or name.
pub(super) fn customer_ref(row: &mut Row<'_, '_>) -> Option<CustomerRef> {
    let external = row
        .text("customer_external_id")
        .trim_start_matches("zcrm_")
        .to_owned();
    let name = row.text("customer").to_owned();
    if name.is_empty() && external.is_empty() {
        let field = if row.has("customer") {
            "customer"
        } else {
            "customer_external_id"
        };
        row.bad(field, "a customer is required");
        return None;
    }
    Some(CustomerRef {
        external_id: ExternalId::new(&external).ok(),
        name: if name.is_empty() { external } else { name },
    })
}

pub(super) async fn import(
    store: &Store,
    table: &super::Table,
    file_problems: Vec<ImportProblem>,
    options: &ImportOptions,
    base_currency: Currency,
    on_step: OnStep<'_>,
) -> AppResult<ImportReport> {
    let mut sheet = Sheet::new(
        table,
        DEAL_FIELDS,
        &[],
        REQUIRED,
        options,
        base_currency,
        &["close_date", "created"],
        &["amount"],
        file_problems,
    )?;
    if sheet.columns.get("external_id").is_none() {
        sheet.notes.push(
            "the file has no ID column: deals are matched on re-import by name and customer".into(),
        );
    }
    sheet.own_keys_in_use = super::own_keys_in_use(store, Entity::Deals, table).await?;
    let mut owners = Owners::load(store, options.create_missing_owners).await?;
    let rates = Rates::load(store, base_currency).await?;
    let mut deals = Vec::with_capacity(table.rows.len());
    let mut unknown_stages = BTreeSet::new();
    let mut unknown_forecasts = BTreeSet::new();
    for (line, cells) in &table.rows {
        let mut row = sheet.row(*line, cells);
        let name = row.required("name", "a deal name");
        let customer = customer_ref(&mut row);
        // Early-stage deals often have no amount yet: they count as zero.
        let amount = row.currency().and_then(|c| {
            if row.text("amount").is_empty() {
                row.defaulted(Fallback::DealAmountZero);
                Some(attain_core::Money::zero(c))
            } else {
                row.money("amount", "an amount", c)
            }
        });
        let stage = row.required("stage", "a stage");
        let rule = stage.as_ref().and_then(|s| {
            options
                .mapping
                .stages
                .get(&presets::stage_key(s))
                .copied()
                .or_else(|| presets::stage_rule(options.preset, s))
        });
        if let (Some(s), None) = (&stage, rule) {
            unknown_stages.insert(s.clone());
        }
        let mut status = rule.map_or(DealStatus::Open, |r| r.status);
        if row.has("is_closed") {
            // Salesforce Data Loader writes false as an empty cell.
            let is_closed = flag(&mut row, "is_closed");
            let is_won = if row.has("is_won") {
                flag(&mut row, "is_won")
            } else {
                Some(false)
            };
            match (is_closed, is_won) {
                (Some(false), _) => status = DealStatus::Open,
                (Some(true), Some(true)) => status = DealStatus::Won,
                (Some(true), Some(false)) => status = DealStatus::Lost,
                _ => {}
            }
        } else if row.has("is_won") && flag(&mut row, "is_won") == Some(true) {
            status = DealStatus::Won;
        }
        let close = row.date("close_date", "a close date");
        let created = row.opt_date("created");
        let probability = row.opt_percent("probability").map(|p| {
            p.or(rule.and_then(|r| r.probability)).unwrap_or_else(|| {
                row.defaulted(Fallback::DealProbabilityByStatus);
                match status {
                    DealStatus::Won => 100,
                    DealStatus::Lost => 0,
                    DealStatus::Open => 10,
                }
            })
        });
        let owner = row.owner(&mut owners, "a deal");
        let customer_name = customer
            .as_ref()
            .map(|c| c.name.clone())
            .unwrap_or_default();
        let deal_name = name.clone().unwrap_or_default();
        let key = row.key("external_id", || format!("{deal_name}|{customer_name}"));
        let (
            Some(name),
            Some(customer),
            Some(amount),
            Some(stage),
            Some(close),
            Some(created),
            Some(probability),
            Some(owner),
            Some(key),
        ) = (
            name,
            customer,
            amount,
            stage,
            close,
            created,
            probability,
            owner,
            key,
        )
        else {
            continue;
        };
        if !row.convertible(&rates, "amount", &amount, close) {
            continue;
        }
        let created = match created {
            None => {
                row.defaulted(Fallback::DealCreatedOnClose);
                close
            }
            Some(c) if c > close && status != DealStatus::Open => {
                row.defaulted(Fallback::DealCreatedAfterClose);
                close
            }
            Some(c) => c,
        };
        let forecast_text = row.text("forecast_category").to_owned();
        let named = named_forecast(&forecast_text);
        if named.is_none() && !forecast_text.is_empty() {
            unknown_forecasts.insert(forecast_text);
        }
        deals.push(ImportedDeal {
            external_id: key,
            name,
            customer,
            owner,
            amount,
            probability,
            forecast_category: forecast_of(named, status, probability),
            status,
            created_on: created,
            expected_close_on: close,
            closed_on: (status != DealStatus::Open).then_some(close),
            lost_reason: row.opt("lost_reason"),
            source_channel: row.opt("source").map(|s| channel_of(&s)),
            stage,
        });
    }
    owners.report_problems(&mut sheet);
    sheet.finish().map_err(AppError::Import)?;
    if !unknown_forecasts.is_empty() {
        let list: Vec<String> = unknown_forecasts.into_iter().collect();
        sheet.notes.push(format!(
            "forecast categories nobody knows, read from the probability instead: {}",
            list.join(", ")
        ));
    }
    if !unknown_stages.is_empty() {
        let list: Vec<String> = unknown_stages.into_iter().collect();
        sheet.notes.push(format!(
            "stages read as open because neither the preset nor the mapping knows them: {}",
            list.join(", ")
        ));
    }
    let mut report = sheet.report(deals.len(), &owners);
    report.created = super::to_create(
        store,
        deals.iter().map(|d| &d.customer).collect(),
        deals
            .iter()
            .filter_map(|d| d.source_channel.as_ref())
            .collect(),
        Vec::new(),
    )
    .await?;
    if !options.dry_run {
        let new_owners = owners.new_owners(options.actor.clone()).await?;
        on_step(ImportStep::Writing {
            records: deals.len() as u64,
        });
        let wrote = |n| on_step(ImportStep::Wrote(n));
        let audit = options.audit(Entity::Deals, table);
        report.counts = store
            .import_deals(&deals, &new_owners, &audit, &wrote)
            .await?;
    }
    Ok(report)
}
