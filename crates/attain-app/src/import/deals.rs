//! Importing deals (opportunities, 商机).

use std::collections::BTreeSet;

use attain_core::sales::{DealStatus, ForecastCategory};
use attain_core::{Currency, ExternalId};
use attain_store::{CustomerRef, ImportedDeal, Store};

use super::parse::ImportProblem;
use super::presets::{self, DEAL_FIELDS};
use super::rows::{Owners, Row, Sheet};
use super::{ImportOptions, ImportReport, ImportStep, OnStep};
use crate::{AppError, AppResult};

pub(super) const REQUIRED: &[&str] = &[
    "name",
    "customer|customer_external_id",
    "owner|owner_external_id",
    "amount",
    "stage",
    "close_date",
];

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

/// A yes/no cell as the CRMs write it.
pub(super) fn yes_no(text: &str) -> Option<bool> {
    match text.trim().to_lowercase().as_str() {
        "true" | "1" | "yes" | "y" | "是" => Some(true),
        "false" | "0" | "no" | "n" | "否" => Some(false),
        _ => None,
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
        REQUIRED,
        options,
        base_currency,
        &["close_date", "created"],
        file_problems,
    )?;
    if sheet.columns.get("external_id").is_none() {
        sheet.notes.push(
            "the file has no ID column: deals are matched on re-import by name and customer".into(),
        );
    }
    let mut owners = Owners::load(store, options.create_missing_owners).await?;
    let mut deals = Vec::with_capacity(table.rows.len());
    let mut unknown_stages = BTreeSet::new();
    let (mut deleted, mut without_amount) = (0_usize, 0_usize);
    for (line, cells) in &table.rows {
        let mut row = sheet.row(*line, cells);
        // Salesforce's "export all" includes deleted records.
        if yes_no(row.text("is_deleted")) == Some(true) {
            deleted += 1;
            continue;
        }
        let name = row.required("name", "a deal name");
        let customer = customer_ref(&mut row);
        // Early-stage deals often have no amount yet: they count as zero.
        let amount = row.currency().and_then(|c| {
            if row.text("amount").is_empty() {
                without_amount += 1;
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
                .get(&s.trim().to_lowercase())
                .copied()
                .or_else(|| presets::stage_rule(options.preset, s))
        });
        if let (Some(s), None) = (&stage, rule) {
            unknown_stages.insert(s.clone());
        }
        let mut status = rule.map_or(DealStatus::Open, |r| r.status);
        if row.has("is_closed") {
            match (yes_no(row.text("is_closed")), yes_no(row.text("is_won"))) {
                (Some(false), _) => status = DealStatus::Open,
                (Some(true), Some(true)) => status = DealStatus::Won,
                (Some(true), Some(false) | None) => status = DealStatus::Lost,
                (None, _) => row.bad("is_closed", "expected true or false"),
            }
        }
        let close = row.date("close_date", "a close date");
        let created = row.opt_date("created");
        let probability = row.opt_percent("probability").map(|p| {
            p.or(rule.and_then(|r| r.probability))
                .unwrap_or(match status {
                    DealStatus::Won => 100,
                    DealStatus::Lost => 0,
                    DealStatus::Open => 10,
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
        let created = created.unwrap_or(close).min(close);
        deals.push(ImportedDeal {
            external_id: key,
            name,
            customer,
            owner,
            amount,
            probability,
            forecast_category: forecast_of(row.text("forecast_category"), status, probability),
            status,
            created_on: created,
            expected_close_on: close,
            closed_on: (status != DealStatus::Open).then_some(close),
            lost_reason: row
                .opt("lost_reason")
                .filter(|_| status == DealStatus::Lost),
            source_channel: row
                .opt("source")
                .map(|s| s.to_lowercase().replace(' ', "_")),
            stage,
        });
    }
    owners.report_unknown(&mut sheet);
    sheet.finish().map_err(AppError::Import)?;
    if deleted > 0 {
        sheet.notes.push(format!(
            "{deleted} rows marked deleted (IsDeleted) were skipped"
        ));
    }
    if without_amount > 0 {
        sheet.notes.push(format!(
            "{without_amount} deals have no amount and were imported as 0"
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
    if !options.dry_run {
        let new_owners = owners.new_owners(options.actor.clone()).await?;
        on_step(ImportStep::Writing {
            records: deals.len() as u64,
        });
        let wrote = |n| on_step(ImportStep::Wrote(n));
        report.counts = store.import_deals(&deals, &new_owners, &wrote).await?;
    }
    Ok(report)
}
