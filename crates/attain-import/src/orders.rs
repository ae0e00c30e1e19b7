//! Importing orders, one file row per order line.

use std::collections::HashMap;

use attain_core::{Currency, Money};
use attain_store::{ImportedLine, ImportedOrder, Store};
use rust_decimal::Decimal;

use super::deals::customer_ref;
use super::presets::ORDER_FIELDS;
use super::rows::{Owners, Rates, Sheet};
use super::{Entity, Fallback, ImportOptions, ImportReport, ImportStep, OnStep};
use attain_app::{AppError, AppResult};
use attain_core::ImportProblem;

pub(super) const REQUIRED: &[&str] = &[
    "number",
    "order_date",
    "customer|customer_external_id",
    "owner|owner_external_id",
    "amount|unit_price",
];

/// Whether an order's status says it was cancelled.
fn is_cancelled(status: &str) -> bool {
    matches!(
        status.trim().to_lowercase().as_str(),
        "cancelled" | "canceled" | "已取消" | "作废"
    )
}

/// Whether an order's status says it was cancelled; any other status
/// (but the usual words for confirmed) is collected for the report.
fn cancelled(status: &str, others: &mut std::collections::BTreeSet<String>) -> bool {
    if is_cancelled(status) {
        return true;
    }
    match status.trim().to_lowercase().as_str() {
        "" | "confirmed" | "已确认" | "booked" | "closed" | "complete" | "completed"
        | "delivered" | "shipped" | "已完成" | "已发货" => false,
        _ => {
            others.insert(status.trim().to_owned());
            false
        }
    }
}

/// The most units one order line may have.
const MAX_QUANTITY: i64 = 1_000_000_000;

/// `money × quantity`, if Attain can store the product.
fn times(money: Money, quantity: i64) -> Option<Money> {
    money
        .checked_mul(Decimal::from(quantity))
        .ok()
        .filter(Money::is_storable)
}

/// A line's unit price and amount: both from their columns, or one derived
/// from the other and the quantity. A line with neither, or whose unit price
/// × quantity is beyond what Attain stores, is a problem of its row.
fn line_amounts(
    row: &mut super::rows::Row<'_, '_>,
    currency: Currency,
    quantity: i64,
) -> (Option<Money>, Option<Money>) {
    let (Some(unit), Some(amount)) = (
        row.opt_money("unit_price", currency),
        row.opt_money("amount", currency),
    ) else {
        return (None, None);
    };
    match (unit, amount) {
        (unit, Some(amount)) => {
            let unit = unit.or_else(|| {
                amount
                    .checked_mul(Decimal::ONE / Decimal::from(quantity))
                    .ok()
            });
            (unit, Some(amount))
        }
        (Some(unit), None) => match times(unit, quantity) {
            Some(amount) => (Some(unit), Some(amount)),
            None => {
                row.bad(
                    "unit_price",
                    format!("{unit} × {quantity} is beyond the largest amount Attain stores"),
                );
                (None, None)
            }
        },
        (None, None) => {
            let field = if row.has("amount") {
                "amount"
            } else {
                "unit_price"
            };
            row.bad(field, "a line needs an amount or a unit price");
            (None, None)
        }
    }
}

/// Checks and writes an orders file. It takes the table so that each
/// row's cells are freed as soon as the row is read.
pub(super) async fn import(
    store: &Store,
    table: super::Table,
    file_problems: Vec<ImportProblem>,
    options: &ImportOptions,
    base_currency: Currency,
    on_step: OnStep<'_>,
) -> AppResult<ImportReport> {
    // The sheet keeps only the header: each row's cells are freed once the
    // row is read, while the orders it makes are built.
    let super::Table {
        file,
        header,
        rows,
        notes,
    } = table;
    let header_only = super::Table {
        file,
        header,
        rows: Vec::new(),
        notes,
    };
    let mut sheet = Sheet::of_rows(
        &header_only,
        &rows,
        ORDER_FIELDS,
        &[],
        REQUIRED,
        options,
        base_currency,
        &["order_date"],
        &["unit_price", "amount", "quantity"],
        file_problems,
    )?;
    let mut owners = Owners::load(store, options.create_missing_owners).await?;
    let rates = Rates::load(store, base_currency).await?;
    let products = store.product_index().await?;
    let deal_ids = match sheet.columns.get("deal_external_id") {
        Some(c) => {
            let keys: Vec<&str> = rows
                .iter()
                .filter_map(|(_, cells)| cells.get(c).map(|s| s.trim_start_matches("zcrm_")))
                .filter(|s| !s.is_empty())
                .collect();
            store.deal_ids(&keys).await?
        }
        None => HashMap::new(),
    };

    // Orders in file order; lines appended as their rows come.
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut orders: Vec<ImportedOrder> = Vec::new();
    let mut line_count = 0_u64;
    let mut other_statuses = std::collections::BTreeSet::new();
    for (line, cells) in rows {
        let mut row = sheet.row(line, &cells);
        let number = row.required("number", "an order number");
        let date = row.date("order_date", "an order date");
        let customer = customer_ref(&mut row);
        let owner = row.owner(&mut owners, "an order");
        // A file of order totals names no product: a line without one.
        let product = match row.text("product") {
            "" => Some(None),
            named => match products.get(&named.to_lowercase()) {
                Some(found) => Some(Some(*found)),
                None => {
                    row.bad(
                        "product",
                        "unknown product: no product has this SKU or name",
                    );
                    None
                }
            },
        };
        let currency = row.currency();
        let quantity = match row.opt_int("quantity", i64::MIN..=i64::MAX) {
            Some(Some(q)) if !(1..=MAX_QUANTITY).contains(&q) => {
                row.bad(
                    "quantity",
                    format!("a quantity is a whole number from 1 to {MAX_QUANTITY}"),
                );
                None
            }
            q => q.map(|q| q.unwrap_or(1)),
        };
        let deal = match row.text("deal_external_id").trim_start_matches("zcrm_") {
            "" => Some(None),
            key => match deal_ids.get(key) {
                Some(id) => Some(Some(*id)),
                None => {
                    row.bad(
                        "deal_external_id",
                        "no deal has this ID (import the deals first)",
                    );
                    None
                }
            },
        };
        let (unit_price, amount) = match (currency, quantity) {
            (Some(c), Some(q)) => line_amounts(&mut row, c, q),
            _ => (None, None),
        };
        let (
            Some(number),
            Some(date),
            Some(customer),
            Some(owner),
            Some(product),
            Some(quantity),
            Some(unit_price),
            Some(amount),
            Some(deal),
        ) = (
            number, date, customer, owner, product, quantity, unit_price, amount, deal,
        )
        else {
            continue;
        };
        // Cancelled orders count for nothing, so nothing converts them.
        if !is_cancelled(row.text("status")) && !row.convertible(&rates, "amount", &amount, date) {
            continue;
        }
        let cost = match product {
            Some((_, unit_cost)) => match times(unit_cost, quantity) {
                Some(cost) => cost,
                None => {
                    row.bad(
                        "quantity",
                        format!(
                            "the product's unit cost {unit_cost} × {quantity} is beyond the largest amount Attain stores"
                        ),
                    );
                    continue;
                }
            },
            None => Money::zero(amount.currency()),
        };
        if product.is_none() {
            row.defaulted(Fallback::OrderLineWithoutProduct);
        }
        if row.text("quantity").is_empty() {
            row.defaulted(Fallback::OrderQuantityOne);
        }
        let line_item = ImportedLine {
            product: product.map(|(id, _)| id),
            quantity,
            unit_price: unit_price.rounded(),
            amount: amount.rounded(),
            cost,
        };
        match index.get(&number) {
            Some(&i) => {
                let order = &orders[i];
                if order.order_date != date || order.customer != customer || order.owner != owner {
                    row.bad(
                        "number",
                        format!("order {number} appears with another date, customer or owner on an earlier line"),
                    );
                    continue;
                }
                if order
                    .lines
                    .first()
                    .is_some_and(|l| l.amount.currency() != amount.currency())
                {
                    row.bad("currency", format!("order {number} mixes currencies"));
                    continue;
                }
                let total = order
                    .lines
                    .iter()
                    .try_fold(line_item.amount, |sum, l| sum.checked_add(&l.amount).ok());
                if total.is_none_or(|t| !t.is_storable()) {
                    row.bad(
                        "amount",
                        format!("order {number}'s total would be beyond the largest amount Attain stores"),
                    );
                    continue;
                }
                orders[i].lines.push(line_item);
            }
            None => {
                index.insert(number.clone(), orders.len());
                orders.push(ImportedOrder {
                    number,
                    customer,
                    owner,
                    deal,
                    order_date: date,
                    cancelled: cancelled(row.text("status"), &mut other_statuses),
                    lines: vec![line_item],
                });
            }
        }
        line_count += 1;
    }
    owners.report_problems(&mut sheet);
    sheet.finish().map_err(AppError::Import)?;
    if !other_statuses.is_empty() {
        let list: Vec<String> = other_statuses.into_iter().collect();
        sheet.notes.push(format!(
            "order statuses read as confirmed (only cancelled orders count for nothing): {}",
            list.join(", ")
        ));
    }
    let mut report = sheet.report(orders.len(), &owners);
    report.created = super::to_create(
        store,
        orders.iter().map(|o| &o.customer).collect(),
        Vec::new(),
        Vec::new(),
    )
    .await?;
    if !options.dry_run {
        let audit = options.audit(Entity::Orders, &header_only);
        drop(sheet);
        let new_owners = owners.new_owners(options.actor.clone()).await?;
        on_step(ImportStep::Writing {
            records: line_count,
        });
        let wrote = |n| on_step(ImportStep::Wrote(n));
        report.counts = store
            .import_orders(&orders, &new_owners, &audit, &wrote)
            .await?;
    }
    Ok(report)
}
