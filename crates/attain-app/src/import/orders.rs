//! Importing orders, one file row per order line.

use std::collections::HashMap;

use attain_core::{Currency, ExternalId, Money};
use attain_store::{CustomerRef, ImportedLine, ImportedOrder, OrderImportCounts, Store};
use rust_decimal::Decimal;

use super::parse::{ImportProblem, parse_amount, parse_date, read_table};
use super::presets::{ORDER_FIELDS, Preset, map_columns, missing_columns};
use crate::{AppError, AppResult};

/// What an orders import did (or, in a dry run, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderImportReport {
    /// Data rows (order lines) read.
    pub rows: usize,
    /// Distinct orders in the file.
    pub orders: usize,
    /// Nothing was written.
    pub dry_run: bool,
    /// What was written.
    pub counts: OrderImportCounts,
}

const REQUIRED: &[&str] = &["number", "order_date", "customer", "owner", "product"];

/// Imports an orders export (one row per line, lines of an order sharing its
/// number). Unknown owners and products are problems of their rows.
pub async fn import_orders(
    store: &Store,
    file: &str,
    bytes: &[u8],
    _preset: Preset,
    dry_run: bool,
) -> AppResult<OrderImportReport> {
    let (table, mut problems) = read_table(file, bytes).map_err(AppError::Import)?;
    let settings = store.settings().await?;
    let columns = map_columns(&table.header, ORDER_FIELDS);
    let col = |field: &str| {
        columns
            .iter()
            .find(|(f, _)| *f == field)
            .and_then(|(_, c)| *c)
    };
    problems.extend(missing_columns(file, &columns, REQUIRED, ORDER_FIELDS));
    if col("amount").is_none() && col("unit_price").is_none() {
        problems.push(ImportProblem {
            file: file.to_owned(),
            row: 1,
            column: None,
            message: "a column 'amount' or 'unit_price' is required".into(),
            value: None,
        });
    }
    if problems.iter().any(|p| p.row == 1) {
        return Err(AppError::Import(problems));
    }
    let owners = super::owner_index(store).await?;
    let products = store.product_index().await?;
    let header = |i: usize| table.header.get(i).cloned().unwrap_or_default();

    // Orders in file order; lines appended as their rows come.
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut orders: Vec<ImportedOrder> = Vec::new();
    for (line, cells) in &table.rows {
        let cell = |field: &str| {
            col(field)
                .and_then(|i| cells.get(i))
                .map(String::as_str)
                .unwrap_or("")
        };
        let mut bad = |field: &str, message: String| {
            problems.push(ImportProblem {
                file: file.to_owned(),
                row: *line,
                column: Some(header(col(field).unwrap_or(0))),
                message,
                value: Some(cell(field).to_owned()),
            });
        };
        let number = cell("number").to_owned();
        if number.is_empty() {
            bad("number", "an order line needs its order number".into());
        }
        let date = parse_date(cell("order_date"))
            .map_err(|e| bad("order_date", e))
            .ok();
        let customer = cell("customer").to_owned();
        if customer.is_empty() {
            bad("customer", "an order needs a customer".into());
        }
        let owner = owners.get(&cell("owner").trim().to_lowercase()).copied();
        if owner.is_none() {
            bad(
                "owner",
                "unknown owner: no user has this login, e-mail or name".into(),
            );
        }
        let product = products
            .get(&cell("product").trim().to_lowercase())
            .cloned();
        if product.is_none() {
            bad(
                "product",
                "unknown product: no product has this SKU or name".into(),
            );
        }
        let currency = match cell("currency") {
            "" => Some(settings.base_currency),
            code => Currency::from_code(code)
                .map_err(|e| bad("currency", e.to_string()))
                .ok(),
        };
        let quantity = match cell("quantity") {
            "" => Some(1),
            text => match text.replace([',', ' '], "").parse::<Decimal>() {
                Ok(q) if q > Decimal::ZERO && q.fract().is_zero() => {
                    i64::try_from(q.mantissa() / 10_i128.pow(q.scale())).ok()
                }
                _ => {
                    bad(
                        "quantity",
                        "a quantity must be a positive whole number".into(),
                    );
                    None
                }
            },
        };
        let (unit_price, amount) = match (currency, quantity) {
            (Some(c), Some(q)) => {
                let unit = match cell("unit_price") {
                    "" => None,
                    t => parse_amount(t, c).map_err(|e| bad("unit_price", e)).ok(),
                };
                let amount = match cell("amount") {
                    "" => unit.and_then(|u| u.checked_mul(Decimal::from(q)).ok()),
                    t => parse_amount(t, c).map_err(|e| bad("amount", e)).ok(),
                };
                let unit = unit.or_else(|| {
                    amount.and_then(|a| a.checked_mul(Decimal::ONE / Decimal::from(q)).ok())
                });
                (unit, amount)
            }
            _ => (None, None),
        };
        let (
            Some(date),
            Some(owner),
            Some((product, unit_cost)),
            Some(quantity),
            Some(unit_price),
            Some(amount),
        ) = (date, owner, product, quantity, unit_price, amount)
        else {
            continue;
        };
        if number.is_empty() || customer.is_empty() {
            continue;
        }
        let cost = unit_cost
            .checked_mul(Decimal::from(quantity))
            .unwrap_or(Money::zero(unit_cost.currency()));
        let line_item = ImportedLine {
            product,
            quantity,
            unit_price: unit_price.rounded(),
            amount: amount.rounded(),
            cost,
        };
        match index.get(&number) {
            Some(&i) => {
                let order = &orders[i];
                if order.order_date != date
                    || order.customer.name != customer
                    || order.owner != owner
                {
                    bad(
                        "number",
                        format!(
                            "order {number} appears with another date, customer or owner on an earlier line"
                        ),
                    );
                    continue;
                }
                if order
                    .lines
                    .first()
                    .is_some_and(|l| l.amount.currency() != amount.currency())
                {
                    bad("currency", format!("order {number} mixes currencies"));
                    continue;
                }
                orders[i].lines.push(line_item);
            }
            None => {
                index.insert(number.clone(), orders.len());
                let customer_external = cell("customer_external_id").trim_start_matches("zcrm_");
                orders.push(ImportedOrder {
                    number,
                    customer: CustomerRef {
                        external_id: ExternalId::new(customer_external).ok(),
                        name: customer,
                    },
                    owner,
                    order_date: date,
                    cancelled: matches!(
                        cell("status").to_lowercase().as_str(),
                        "cancelled" | "canceled" | "已取消" | "作废"
                    ),
                    lines: vec![line_item],
                });
            }
        }
    }
    if !problems.is_empty() {
        problems.sort_by_key(|p| p.row);
        return Err(AppError::Import(problems));
    }
    let mut report = OrderImportReport {
        rows: table.rows.len(),
        orders: orders.len(),
        dry_run,
        ..OrderImportReport::default()
    };
    if !dry_run {
        report.counts = store.import_orders(&orders).await?;
    }
    Ok(report)
}
