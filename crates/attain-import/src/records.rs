//! Importing the entities without lines: customers, contacts, products,
//! payments, refunds, activities, tickets, surveys, spend, enrolments,
//! market sizes and exchange rates.

use std::collections::{HashMap, HashSet};

use attain_core::sales::{
    ActivityKind, CourseKind, CustomerSize, CustomerStatus, MarketSize, SpendKind, SurveyKind,
    TicketPriority,
};
use attain_core::{ContactId, Currency, CustomerId, ExternalId};
use attain_store::{
    CustomerLink, ImportRecords, ImportedActivity, ImportedCompetitor, ImportedContact,
    ImportedCourse, ImportedCustomer, ImportedEnrolment, ImportedMoneyMove, ImportedProduct,
    ImportedRate, ImportedSpend, ImportedSurvey, ImportedTerritory, ImportedTicket, Store,
};
use rust_decimal::Decimal;

use super::deals::{channel_of, customer_ref, yes_no};
use super::rows::{Owners, Rates, Sheet};
use super::{Entity, Fallback, ImportOptions, ImportReport, ImportStep, OnStep};
use attain_app::{AppError, AppResult};
use attain_core::ImportProblem;

/// Required fields (`a|b`: either) and the fields holding dates.
pub(super) fn requirements(entity: Entity) -> (&'static [&'static str], &'static [&'static str]) {
    match entity {
        Entity::Customers => (&["name"], &["created"]),
        Entity::Contacts => (&["name|last_name"], &[]),
        Entity::Products => (&["sku", "name"], &[]),
        Entity::Payments | Entity::Refunds => (&["order", "date", "amount"], &["date"]),
        Entity::Activities => (&["kind", "date", "owner|owner_external_id"], &["date"]),
        Entity::Tickets => (
            &[
                "customer|customer_external_id|contact_external_id",
                "opened",
                "priority",
            ],
            &["opened", "first_response", "resolved"],
        ),
        Entity::Surveys => (
            &["customer|customer_external_id", "kind", "score", "date"],
            &["date"],
        ),
        Entity::Spend => (&["channel", "date", "amount"], &["date"]),
        Entity::Enrolments => (
            &["course", "user", "assigned", "due"],
            &["assigned", "due", "completed"],
        ),
        Entity::MarketSizes => (&["segment", "region", "period", "amount"], &[]),
        Entity::ExchangeRates => (&["currency", "month", "rate"], &[]),
        Entity::Competitors | Entity::Territories | Entity::Courses => (&["name"], &[]),
        Entity::Deals | Entity::Orders => (&[], &[]),
    }
}

/// The fields holding amounts or rates, whose values show the file's
/// decimal mark.
fn number_fields(entity: Entity) -> &'static [&'static str] {
    match entity {
        Entity::Products => &["list_price", "unit_cost"],
        Entity::Payments | Entity::Refunds | Entity::Spend | Entity::MarketSizes => &["amount"],
        Entity::ExchangeRates => &["rate"],
        _ => &[],
    }
}

/// Employees or a size word to a size band.
fn size_of(text: &str) -> Option<CustomerSize> {
    let t = text.replace([',', ' '], "");
    if let Ok(n) = t.parse::<u64>() {
        return Some(match n {
            0..50 => CustomerSize::Small,
            50..250 => CustomerSize::Medium,
            250..1000 => CustomerSize::Large,
            _ => CustomerSize::Enterprise,
        });
    }
    // Ranges such as "51-200" or "1000+": the first number decides.
    let first: String = t.chars().take_while(char::is_ascii_digit).collect();
    if let Ok(n) = first.parse::<u64>() {
        return size_of(&(n + u64::from(t.contains('+'))).to_string());
    }
    match t.to_lowercase().as_str() {
        "small" | "小型" | "小" => Some(CustomerSize::Small),
        "medium" | "中型" | "中" => Some(CustomerSize::Medium),
        "large" | "大型" | "大" => Some(CustomerSize::Large),
        "enterprise" | "特大型" | "集团" => Some(CustomerSize::Enterprise),
        _ => None,
    }
}

pub(super) async fn import(
    store: &Store,
    entity: Entity,
    table: &super::Table,
    file_problems: Vec<ImportProblem>,
    options: &ImportOptions,
    base_currency: Currency,
    on_step: OnStep<'_>,
) -> AppResult<ImportReport> {
    let (required, date_fields) = requirements(entity);
    let mut sheet = Sheet::new(
        table,
        entity.field_list(),
        super::presets::fallbacks(entity),
        required,
        options,
        base_currency,
        date_fields,
        number_fields(entity),
        file_problems,
    )?;
    sheet.own_keys_in_use = super::own_keys_in_use(store, entity, table).await?;
    let mut owners = Owners::load(store, options.create_missing_owners).await?;
    let records = match entity {
        Entity::Customers => {
            customers(store, &mut sheet, &mut owners, options.clock.today()).await?
        }
        Entity::Contacts => contacts(&mut sheet, &mut owners),
        Entity::Products => products(&mut sheet),
        Entity::Payments | Entity::Refunds => {
            let rates = Rates::load(store, base_currency).await?;
            money_moves(store, entity, &mut sheet, &rates).await?
        }
        Entity::Activities => activities(store, options.preset, &mut sheet, &mut owners).await?,
        Entity::Tickets => tickets(store, &mut sheet).await?,
        Entity::Surveys => surveys(&mut sheet),
        Entity::Spend => {
            let rates = Rates::load(store, base_currency).await?;
            spend(store, &mut sheet, &rates).await?
        }
        Entity::Enrolments => enrolments(&mut sheet, &owners),
        Entity::MarketSizes => {
            let rates = Rates::load(store, base_currency).await?;
            market_sizes(&mut sheet, &store.settings().await?.calendar, &rates)
        }
        Entity::ExchangeRates => rates(&mut sheet),
        Entity::Competitors => competitors(&mut sheet),
        Entity::Territories => territories(&mut sheet, &store.territory_names().await?),
        Entity::Courses => courses(&mut sheet),
        Entity::Deals | Entity::Orders => {
            return Err(AppError::Internal(format!(
                "{} have their own importer",
                entity.key()
            )));
        }
    };
    owners.report_problems(&mut sheet);
    sheet.finish().map_err(AppError::Import)?;
    let mut report = sheet.report(records.len(), &owners);
    report.created = super::to_create(
        store,
        customers_named(&records),
        records.channels(),
        match &records {
            ImportRecords::Enrolments(v) => v.iter().map(|e| e.course.as_str()).collect(),
            _ => Vec::new(),
        },
    )
    .await?;
    if !options.dry_run {
        let new_owners = owners.new_owners(options.actor.clone()).await?;
        on_step(ImportStep::Writing {
            records: records.len() as u64,
        });
        let wrote = |n| on_step(ImportStep::Wrote(n));
        let audit = options.audit(entity, table);
        report.counts = store
            .import_records(&records, &new_owners, &audit, &wrote)
            .await?;
    }
    Ok(report)
}

/// The customers the records name, in the order the write resolves them.
fn customers_named(records: &ImportRecords) -> Vec<&attain_store::CustomerRef> {
    fn named(link: &Option<CustomerLink>) -> Option<&attain_store::CustomerRef> {
        match link {
            Some(CustomerLink::Named(c)) => Some(c),
            _ => None,
        }
    }
    match records {
        ImportRecords::Contacts(v) => v.iter().filter_map(|c| c.customer.as_ref()).collect(),
        ImportRecords::Activities(v) => v.iter().filter_map(|a| named(&a.customer)).collect(),
        ImportRecords::Tickets(v) => v.iter().filter_map(|t| named(&t.customer)).collect(),
        ImportRecords::Surveys(v) => v.iter().map(|s| &s.customer).collect(),
        _ => Vec::new(),
    }
}

/// Whether a row names a customer in its customer columns.
fn names_customer(row: &super::rows::Row<'_, '_>) -> bool {
    !row.text("customer").is_empty() || !row.text("customer_external_id").is_empty()
}

/// The values of `field`'s column(s) in every row, for looking them up at once.
fn values_of<'t>(sheet: &Sheet<'t>, field: &str) -> Vec<&'t str> {
    let table = sheet.table;
    let columns = sheet.columns.all(field).to_vec();
    table
        .rows
        .iter()
        .flat_map(|(_, cells)| columns.iter().filter_map(|&c| cells.get(c)))
        .map(|s| s.trim_start_matches("zcrm_"))
        .filter(|s| !s.is_empty())
        .collect()
}

/// The stored contacts a file's `field` names, with their customers.
async fn contacts_named(
    store: &Store,
    sheet: &Sheet<'_>,
    field: &str,
) -> AppResult<HashMap<String, (ContactId, Option<CustomerId>)>> {
    let ids = values_of(sheet, field);
    Ok(if ids.is_empty() {
        HashMap::new()
    } else {
        store.contact_ids(&ids).await?
    })
}

async fn customers(
    store: &Store,
    sheet: &mut Sheet<'_>,
    owners: &mut Owners,
    today: chrono::NaiveDate,
) -> AppResult<ImportRecords> {
    // Stored customers by name, for rows without an ID: the file updates them.
    let mut by_name: HashMap<String, (CustomerId, Option<String>)> = HashMap::new();
    // Customers without an external ID, by their exact name: those a deal,
    // order or contact created from a reference (a customer column holding
    // `CUST-9001`), which a row with that ID or that name completes.
    let mut unkeyed: HashMap<String, CustomerId> = HashMap::new();
    let mut keys: HashSet<String> = HashSet::new();
    for (id, name, external) in store.customer_keys().await? {
        match &external {
            Some(key) => {
                keys.insert(key.clone());
            }
            None => {
                unkeyed.entry(name.trim().to_owned()).or_insert(id);
            }
        }
        by_name
            .entry(name.trim().to_lowercase())
            .or_insert((id, external));
    }
    let mut adopted: HashSet<CustomerId> = HashSet::new();
    let mut completed: Vec<String> = Vec::new();
    let mut out = Vec::new();
    let table = sheet.table;
    for (line, cells) in &table.rows {
        let mut row = sheet.row(*line, cells);
        let name = row.required("name", "a customer name");
        let found = name
            .as_ref()
            .and_then(|n| by_name.get(&n.trim().to_lowercase()).cloned());
        let id_text = row.text("external_id").to_owned();
        let has_id = !id_text.is_empty();
        let (existing, derived) = match (&found, has_id) {
            (Some((_, Some(ext))), false) => (None, ext.clone()),
            (Some((id, None)), false) => (
                Some(*id),
                format!("customer:{}", name.clone().unwrap_or_default()),
            ),
            _ => (
                None,
                format!("customer:{}", name.clone().unwrap_or_default()),
            ),
        };
        // A row with an ID no customer has yet completes the customer a
        // reference created: one named by that ID, else one of its name.
        let key_text = id_text.trim_start_matches("zcrm_");
        let existing = match (existing, has_id && !keys.contains(key_text)) {
            (None, true) => {
                let by_id = [id_text.as_str(), key_text]
                    .iter()
                    .find_map(|k| unkeyed.get(*k).copied())
                    .filter(|id| !adopted.contains(id))
                    .map(|id| (id, key_text.to_owned()));
                let by_row_name = || {
                    let n = name.as_deref()?.trim();
                    unkeyed
                        .get(n)
                        .copied()
                        .filter(|id| !adopted.contains(id))
                        .map(|id| (id, n.to_owned()))
                };
                match by_id.or_else(by_row_name) {
                    Some((id, was)) => {
                        adopted.insert(id);
                        let now = name.clone().unwrap_or_default();
                        completed.push(if was == now {
                            now
                        } else {
                            format!("{was} → {now}")
                        });
                        Some(id)
                    }
                    None => None,
                }
            }
            (existing, _) => existing,
        };
        if let Some(id) = existing {
            adopted.insert(id);
        }
        let key = row.key("external_id", || derived);
        let size = row.choice(
            "size",
            "an employee count or small, medium, large, enterprise",
            size_of,
        );
        let status = row.choice(
            "status",
            "prospect, active, inactive or churned",
            |t| match t {
                "prospect" | "潜在客户" | "潜在" | "lead" => Some(CustomerStatus::Prospect),
                "active" | "customer" | "成交客户" | "已成交" | "活跃" => {
                    Some(CustomerStatus::Active)
                }
                "inactive" | "休眠" | "不活跃" => Some(CustomerStatus::Inactive),
                "churned" | "lost" | "流失" | "已流失" => Some(CustomerStatus::Churned),
                _ => None,
            },
        );
        let created = row.opt_date("created");
        let owner = row.opt_owner(owners);
        let (Some(name), Some(key), Some(size), Some(status), Some(created), Some(owner)) =
            (name, key, size, status, created, owner)
        else {
            continue;
        };
        let status = status.unwrap_or_else(|| {
            row.defaulted(Fallback::CustomerProspect);
            CustomerStatus::Prospect
        });
        let created = created.unwrap_or_else(|| {
            row.defaulted(Fallback::CustomerCreatedToday);
            today
        });
        out.push(ImportedCustomer {
            external_id: key,
            existing,
            name,
            industry: row.opt("industry"),
            region: row.opt("region"),
            size,
            segment: row.opt("segment"),
            source_channel: row.opt("source").map(|s| channel_of(&s)),
            owner,
            status,
            created_on: created,
        });
    }
    if !completed.is_empty() {
        let shown: Vec<&str> = completed.iter().take(10).map(String::as_str).collect();
        let more = match completed.len().saturating_sub(shown.len()) {
            0 => String::new(),
            n => format!(" and {n} more"),
        };
        sheet.notes.push(if completed.len() == 1 {
            format!(
                "1 customer created earlier from a reference was completed: {}{more}",
                shown.join(", ")
            )
        } else {
            format!(
                "{} customers created earlier from references were completed: {}{more}",
                completed.len(),
                shown.join(", ")
            )
        });
    }
    Ok(ImportRecords::Customers(out))
}

fn contacts(sheet: &mut Sheet<'_>, owners: &mut Owners) -> ImportRecords {
    let mut out = Vec::new();
    let table = sheet.table;
    for (line, cells) in &table.rows {
        let mut row = sheet.row(*line, cells);
        let name = row.opt("name").or_else(|| {
            let full = format!("{} {}", row.text("first_name"), row.text("last_name"));
            Some(full.trim().to_owned()).filter(|s| !s.is_empty())
        });
        if name.is_none() {
            row.bad(
                if row.has("name") { "name" } else { "last_name" },
                "a contact name is required",
            );
        }
        // Salesforce's private contacts have no account.
        let customer = if names_customer(&row) {
            customer_ref(&mut row).map(Some)
        } else {
            row.defaulted(Fallback::ContactWithoutCustomer);
            Some(None)
        };
        let owner = row.opt_owner(owners);
        let derived = row.derived_key(
            "contact",
            &[
                "customer",
                "customer_external_id",
                "name",
                "first_name",
                "last_name",
                "email",
            ],
        );
        let key = row.key("external_id", || derived);
        let (Some(name), Some(customer), Some(owner), Some(key)) = (name, customer, owner, key)
        else {
            continue;
        };
        out.push(ImportedContact {
            external_id: key,
            customer,
            name,
            title: row.opt("title"),
            email: row.opt("email"),
            phone: row.opt("phone"),
            owner,
        });
    }
    ImportRecords::Contacts(out)
}

fn products(sheet: &mut Sheet<'_>) -> ImportRecords {
    let sheet_currency = sheet.currency;
    let mut out = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let table = sheet.table;
    for (line, cells) in &table.rows {
        let mut row = sheet.row(*line, cells);
        let sku = row.required("sku", "a SKU / product code");
        if let Some(s) = &sku
            && let Some(first) = seen.insert(s.to_lowercase(), *line)
        {
            row.bad(
                "sku",
                format!("the same SKU appears twice in the file (first on line {first})"),
            );
        }
        let name = row.required("name", "a product name");
        let currency = row.currency();
        let list_price = currency.and_then(|c| row.opt_money("list_price", c));
        let unit_cost = currency.and_then(|c| row.opt_money("unit_cost", c));
        let active = match row.text("active") {
            "" => Some(true),
            t => {
                let v = yes_no(t).or(match t {
                    "上架" | "active" => Some(true),
                    "下架" | "inactive" => Some(false),
                    _ => None,
                });
                if v.is_none() {
                    row.bad("active", "expected true or false");
                }
                v
            }
        };
        let external_id = row
            .opt("external_id")
            .and_then(|e| ExternalId::new(e.trim_start_matches("zcrm_")).ok());
        let (Some(sku), Some(name), Some(list_price), Some(unit_cost), Some(active)) =
            (sku, name, list_price, unit_cost, active)
        else {
            continue;
        };
        // The currency is known once the row's amounts parsed.
        let currency = currency.unwrap_or(sheet_currency);
        let list_price = list_price.unwrap_or_else(|| {
            row.defaulted(Fallback::ProductListPriceZero);
            attain_core::Money::zero(currency)
        });
        let unit_cost = unit_cost.unwrap_or_else(|| {
            row.defaulted(Fallback::ProductCostZero);
            attain_core::Money::zero(list_price.currency())
        });
        let category = row.opt("category").unwrap_or_else(|| {
            row.defaulted(Fallback::ProductUncategorised);
            "Uncategorised".into()
        });
        out.push(ImportedProduct {
            sku,
            name,
            category,
            unit_cost,
            list_price,
            active,
            external_id,
        });
    }
    ImportRecords::Products(out)
}

async fn money_moves(
    store: &Store,
    entity: Entity,
    sheet: &mut Sheet<'_>,
    rates: &Rates,
) -> AppResult<ImportRecords> {
    let table = sheet.table;
    let numbers: Vec<&str> = match sheet.columns.get("order") {
        Some(c) => table
            .rows
            .iter()
            .filter_map(|(_, cells)| cells.get(c).map(String::as_str))
            .collect(),
        None => Vec::new(),
    };
    let orders = store.order_ids(&numbers).await?;
    let note_field = if entity == Entity::Payments {
        "method"
    } else {
        "reason"
    };
    let prefix = if entity == Entity::Payments {
        "payment"
    } else {
        "refund"
    };
    let mut out = Vec::new();
    // Where each record came from: line, order number, amount's column and text.
    let mut origins: Vec<(usize, String, String, String)> = Vec::new();
    for (line, cells) in &table.rows {
        let mut row = sheet.row(*line, cells);
        let order = row.required("order", "an order number").and_then(|n| {
            let id = orders.get(&n).copied();
            if id.is_none() {
                row.bad(
                    "order",
                    "no order has this number (import the orders first)",
                );
            }
            id
        });
        let on = row.date("date", "a date");
        let amount = row
            .currency()
            .and_then(|c| row.money("amount", "an amount", c));
        if amount.is_some_and(|a| a.amount().is_zero()) {
            row.bad("amount", "must be more than zero");
        }
        let derived = row.derived_key(prefix, &["order", "date", "amount", note_field]);
        let key = row.key("external_id", || derived);
        let (Some(order), Some(on), Some(amount), Some(key)) = (order, on, amount, key) else {
            continue;
        };
        if amount.amount().is_zero() {
            continue;
        }
        // A refund is first checked against its order (whose currency it
        // must have), then for a rate.
        if entity == Entity::Payments && !row.convertible(rates, "amount", &amount, on) {
            continue;
        }
        origins.push((
            *line,
            row.text("order").to_owned(),
            row.header_of("amount").to_owned(),
            row.text("amount").to_owned(),
        ));
        out.push(ImportedMoneyMove {
            external_id: key,
            order,
            on,
            amount,
            note: row.opt(note_field),
        });
    }
    if entity == Entity::Payments {
        count_payments_beyond_orders(store, sheet, &out).await?;
        return Ok(ImportRecords::Payments(out));
    }
    refunds_within_orders(store, sheet, &out, &origins, rates).await?;
    Ok(ImportRecords::Refunds(out))
}

/// Counts the payments larger than what was left to pay on their order
/// (its total less its stored payments, other than those this file
/// replaces, and those of earlier rows of the file). They are kept — a
/// customer may pay too much — but the report says how many.
async fn count_payments_beyond_orders(
    store: &Store,
    sheet: &mut Sheet<'_>,
    payments: &[ImportedMoneyMove],
) -> AppResult<()> {
    let orders: Vec<attain_core::OrderId> = payments.iter().map(|p| p.order).collect();
    let replaced: HashSet<&str> = payments.iter().map(|p| p.external_id.as_str()).collect();
    let mut left = store.payment_room(&orders, &replaced).await?;
    for payment in payments {
        let Some(room) = left.get_mut(&payment.order) else {
            continue;
        };
        if payment.amount.currency() != room.currency() {
            continue;
        }
        if payment.amount.amount() > room.amount() {
            sheet.count(Fallback::PaymentBeyondOrder);
            *room = attain_core::Money::zero(room.currency());
        } else {
            *room = room.checked_sub(&payment.amount).unwrap_or(*room);
        }
    }
    Ok(())
}

/// Refuses refunds beyond what is left of their order: its total less the
/// refunds stored for it (other than those this file replaces) and those
/// of earlier rows of the file. A refund in another currency than its
/// order is refused too, and so is one in a currency without an exchange
/// rate on or before its month.
async fn refunds_within_orders(
    store: &Store,
    sheet: &mut Sheet<'_>,
    refunds: &[ImportedMoneyMove],
    origins: &[(usize, String, String, String)],
    rates: &Rates,
) -> AppResult<()> {
    let orders: Vec<attain_core::OrderId> = refunds.iter().map(|r| r.order).collect();
    let replaced: HashSet<&str> = refunds.iter().map(|r| r.external_id.as_str()).collect();
    let mut left = store.refund_room(&orders, &replaced).await?;
    for (refund, (line, number, column, value)) in refunds.iter().zip(origins) {
        let Some(room) = left.get_mut(&refund.order) else {
            continue;
        };
        let message = if refund.amount.currency() != room.currency() {
            format!(
                "order {number} is in {}; a refund of it must be too",
                room.currency().code()
            )
        } else if refund.amount.amount() > room.amount() {
            format!(
                "is more than is left to refund of order {number}: {} (its total less earlier refunds)",
                room.amount()
            )
        } else if let Some(missing) = rates.missing(&refund.amount, refund.on) {
            missing
        } else {
            *room = room.checked_sub(&refund.amount).unwrap_or(*room);
            continue;
        };
        sheet.problems.push(ImportProblem {
            file: sheet.file.to_owned(),
            row: *line,
            column: Some(column.clone()),
            message,
            value: Some(value.clone()),
        });
    }
    Ok(())
}

/// An activity type as the CRMs write it. Types that are no call, visit,
/// meeting or e-mail (a to-do, a LinkedIn message, a cadence step, a
/// WeChat message) are `other`: kept, counted in the report, and not
/// counted as sales activities.
fn activity_kind(text: &str) -> ActivityKind {
    match text.trim().to_lowercase().as_str() {
        "call" | "calls" | "phone" | "phone call" | "logged call" | "电话" | "电话拜访" => {
            ActivityKind::Call
        }
        "visit" | "site visit" | "拜访" | "上门拜访" | "实地拜访" => ActivityKind::Visit,
        "meeting" | "meetings" | "event" | "会议" => ActivityKind::Meeting,
        "email" | "e-mail" | "emails" | "listemail" | "list email" | "邮件" => {
            ActivityKind::Email
        }
        _ => ActivityKind::Other,
    }
}

/// What a Salesforce ID names, by its key prefix.
fn salesforce_object(id: &str) -> Option<&'static str> {
    match id.get(..3)? {
        "001" => Some("account"),
        "003" => Some("contact"),
        "006" => Some("opportunity"),
        _ => None,
    }
}

async fn activities(
    store: &Store,
    preset: super::Preset,
    sheet: &mut Sheet<'_>,
    owners: &mut Owners,
) -> AppResult<ImportRecords> {
    let mut deal_keys = values_of(sheet, "deal_external_id");
    deal_keys.extend(values_of(sheet, "related_external_id"));
    let deals = store.deal_ids(&deal_keys).await?;
    let contacts = contacts_named(store, sheet, "contact_external_id").await?;
    let customers = store.customer_index().await?;
    let salesforce = preset == super::Preset::Salesforce;
    let mut other_kinds = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    let table = sheet.table;
    for (line, cells) in &table.rows {
        let mut row = sheet.row(*line, cells);
        let kind_text = row.text("kind").to_owned();
        let kind = activity_kind(&kind_text);
        if kind == ActivityKind::Other {
            other_kinds.insert(if kind_text.is_empty() {
                "(empty)".to_owned()
            } else {
                kind_text
            });
        }
        let date = row.date("date", "a date");
        let owner = row.owner(owners, "an activity");
        let mut customer = if names_customer(&row) {
            customer_ref(&mut row).map(|c| Some(CustomerLink::Named(c)))
        } else {
            Some(None)
        };
        let mut deal = match row.text("deal_external_id").trim_start_matches("zcrm_") {
            "" => Some(None),
            key => match deals.get(key) {
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
        // What the activity is about (Salesforce's WhatId): a deal, a
        // customer, or a record Attain does not keep, whose ID is kept.
        let mut related = None;
        match row.text("related_external_id").trim_start_matches("zcrm_") {
            "" => {}
            id => {
                if let Some(d) = deals.get(id) {
                    if matches!(deal, Some(None)) {
                        deal = Some(Some(*d));
                    }
                } else if let Some(c) = customers.by_external_id(id) {
                    if matches!(customer, Some(None)) {
                        customer = Some(Some(CustomerLink::Stored(c)));
                    }
                } else if let Some(object) = salesforce_object(id).filter(|_| salesforce) {
                    row.bad(
                        "related_external_id",
                        format!("no {object} has this ID (import the {object}s first)"),
                    );
                } else {
                    related = Some(id.to_owned());
                }
            }
        }
        // Who it was with (Salesforce's WhoId): a contact, or a lead.
        let mut contact = None;
        let mut lead = None;
        match row.text("contact_external_id") {
            "" => {}
            id => match contacts.get(id) {
                Some((found, of_customer)) => {
                    contact = Some(*found);
                    if let (Some(None), Some(c)) = (&customer, of_customer) {
                        customer = Some(Some(CustomerLink::Stored(*c)));
                    }
                }
                None if salesforce && !id.starts_with("003") => lead = Some(id.to_owned()),
                None => row.bad(
                    "contact_external_id",
                    "no contact has this ID (import the contacts first)",
                ),
            },
        }
        let derived = row.derived_key(
            "activity",
            &[
                "kind",
                "date",
                "owner",
                "owner_external_id",
                "customer",
                "subject",
            ],
        );
        let key = row.key("external_id", || derived);
        let (Some(date), Some(owner), Some(customer), Some(deal), Some(key)) =
            (date, owner, customer, deal, key)
        else {
            continue;
        };
        if kind == ActivityKind::Other {
            row.defaulted(Fallback::ActivityOther);
        }
        if lead.is_some() {
            row.defaulted(Fallback::ActivityWithLead);
        }
        if related.is_some() {
            row.defaulted(Fallback::ActivityRelatedKept);
        }
        out.push(ImportedActivity {
            external_id: key,
            kind,
            owner,
            customer,
            deal,
            contact,
            lead_external_id: lead,
            related_external_id: related,
            occurred_on: date,
            subject: row.opt("subject"),
        });
    }
    if !other_kinds.is_empty() {
        let list: Vec<String> = other_kinds.into_iter().collect();
        sheet.notes.push(format!(
            "activity types kept as 'other' (no call, visit, meeting or e-mail): {}",
            list.join(", ")
        ));
    }
    Ok(ImportRecords::Activities(out))
}

fn priority_of(t: &str) -> Option<TicketPriority> {
    match t {
        "low" | "低" | "p4" => Some(TicketPriority::Low),
        "normal" | "medium" | "中" | "普通" | "p3" => Some(TicketPriority::Normal),
        "high" | "高" | "p2" => Some(TicketPriority::High),
        "urgent" | "critical" | "紧急" | "p1" => Some(TicketPriority::Urgent),
        _ => None,
    }
}

async fn tickets(store: &Store, sheet: &mut Sheet<'_>) -> AppResult<ImportRecords> {
    let contacts = contacts_named(store, sheet, "contact_external_id").await?;
    let mut out = Vec::new();
    let table = sheet.table;
    for (line, cells) in &table.rows {
        let mut row = sheet.row(*line, cells);
        // A case may name only its contact: its customer is the contact's.
        let contact = match row.text("contact_external_id") {
            "" => Some(None),
            id => match contacts.get(id) {
                Some(found) => Some(Some(*found)),
                None => {
                    row.bad(
                        "contact_external_id",
                        "no contact has this ID (import the contacts first)",
                    );
                    None
                }
            },
        };
        let customer = if names_customer(&row) {
            customer_ref(&mut row).map(|c| Some(CustomerLink::Named(c)))
        } else {
            match contact {
                Some(Some((_, Some(customer)))) => {
                    row.defaulted(Fallback::TicketCustomerOfContact);
                    Some(Some(CustomerLink::Stored(customer)))
                }
                Some(Some((_, None))) => {
                    row.defaulted(Fallback::TicketWithoutCustomer);
                    Some(None)
                }
                Some(None) => {
                    let field = if row.has("customer") {
                        "customer"
                    } else {
                        "customer_external_id"
                    };
                    row.bad(field, "a customer or a contact is required");
                    None
                }
                None => None,
            }
        };
        let opened = row.datetime("opened", "an opening time");
        let first = row.opt_datetime("first_response");
        let resolved = row.opt_datetime("resolved");
        let priority = match row.choice("priority", "low, normal, high or urgent", priority_of) {
            Some(None) => {
                row.bad("priority", "a priority is required");
                None
            }
            p => p.flatten(),
        };
        if let (Some(o), Some(Some(f))) = (opened, first)
            && f < o
        {
            row.bad(
                "first_response",
                "the first response cannot come before the ticket was opened",
            );
        }
        if let (Some(o), Some(Some(r))) = (opened, resolved)
            && r < o
        {
            row.bad(
                "resolved",
                "a ticket cannot be resolved before it was opened",
            );
        }
        let derived = row.derived_key(
            "ticket",
            &[
                "customer",
                "customer_external_id",
                "contact_external_id",
                "opened",
                "subject",
            ],
        );
        let key = row.key("external_id", || derived);
        let (
            Some(customer),
            Some(contact),
            Some(opened),
            Some(first),
            Some(resolved),
            Some(priority),
            Some(key),
        ) = (customer, contact, opened, first, resolved, priority, key)
        else {
            continue;
        };
        out.push(ImportedTicket {
            external_id: key,
            customer,
            contact: contact.map(|(id, _)| id),
            opened_at: opened,
            first_response_at: first,
            resolved_at: resolved,
            priority,
            category: row.opt("category"),
            subject: row.opt("subject"),
        });
    }
    Ok(ImportRecords::Tickets(out))
}

fn surveys(sheet: &mut Sheet<'_>) -> ImportRecords {
    let mut out = Vec::new();
    let table = sheet.table;
    for (line, cells) in &table.rows {
        let mut row = sheet.row(*line, cells);
        let customer = customer_ref(&mut row);
        let kind = match row.choice("kind", "csat or nps", |t| match t {
            "csat" | "满意度" => Some(SurveyKind::Csat),
            "nps" | "净推荐值" => Some(SurveyKind::Nps),
            _ => None,
        }) {
            Some(None) => {
                row.bad("kind", "a survey kind (csat or nps) is required");
                None
            }
            k => k.flatten(),
        };
        let score = match row.opt_int("score", 0..=10) {
            Some(None) => {
                row.bad("score", "a score is required");
                None
            }
            s => s.flatten(),
        };
        if let (Some(SurveyKind::Csat), Some(s)) = (kind, score)
            && !(1..=5).contains(&s)
        {
            row.bad("score", "a CSAT score is 1 to 5");
        }
        let date = row.date("date", "a date");
        let derived = row.derived_key(
            "survey",
            &["customer", "customer_external_id", "kind", "date", "score"],
        );
        let key = row.key("external_id", || derived);
        let (Some(customer), Some(kind), Some(score), Some(date), Some(key)) =
            (customer, kind, score, date, key)
        else {
            continue;
        };
        let Ok(score) = u8::try_from(score) else {
            continue;
        };
        if kind == SurveyKind::Csat && !(1..=5).contains(&score) {
            continue;
        }
        out.push(ImportedSurvey {
            external_id: key,
            customer,
            kind,
            score,
            responded_on: date,
            comment: row.opt("comment"),
        });
    }
    ImportRecords::Surveys(out)
}

async fn spend(store: &Store, sheet: &mut Sheet<'_>, rates: &Rates) -> AppResult<ImportRecords> {
    let all_units = store.org_units().await?;
    // By ID, name or path (`North/N1`, as an export writes it), else by
    // name in any case.
    let tree = if all_units.is_empty() {
        None
    } else {
        Some(store.org_tree().await?)
    };
    let units: HashMap<String, attain_core::OrgUnitId> = all_units
        .into_iter()
        .map(|u| (u.name.trim().to_lowercase(), u.id))
        .collect();
    let mut out = Vec::new();
    let table = sheet.table;
    for (line, cells) in &table.rows {
        let mut row = sheet.row(*line, cells);
        let channel = row.required("channel", "a channel").map(|c| channel_of(&c));
        let kind = row.choice("kind", "marketing or sales", |t| match t {
            "marketing" | "市场" | "市场费用" => Some(SpendKind::Marketing),
            "sales" | "销售" | "销售费用" => Some(SpendKind::Sales),
            _ => None,
        });
        let date = row.date("date", "a date");
        let amount = row
            .currency()
            .and_then(|c| row.money("amount", "an amount", c));
        let unit = match row.text("unit") {
            "" => Some(None),
            name => match tree.as_ref().map(|t| t.find(name)) {
                Some(Ok(id)) => Some(Some(id)),
                Some(Err(e @ attain_core::UnitLookupError::Ambiguous { .. })) => {
                    row.bad("unit", e.to_string());
                    None
                }
                _ => match units.get(&name.to_lowercase()) {
                    Some(id) => Some(Some(*id)),
                    None => {
                        row.bad("unit", "no org unit has this ID, name or path");
                        None
                    }
                },
            },
        };
        let derived = row.derived_key(
            "spend",
            &["channel", "kind", "date", "amount", "unit", "description"],
        );
        let key = row.key("external_id", || derived);
        let (Some(channel), Some(kind), Some(date), Some(amount), Some(unit), Some(key)) =
            (channel, kind, date, amount, unit, key)
        else {
            continue;
        };
        if !row.convertible(rates, "amount", &amount, date) {
            continue;
        }
        // A campaign's cost (Salesforce's ActualCost) is marketing spend.
        let kind = kind.unwrap_or_else(|| {
            row.defaulted(Fallback::SpendMarketing);
            SpendKind::Marketing
        });
        out.push(ImportedSpend {
            external_id: key,
            channel,
            kind,
            spent_on: date,
            amount,
            unit,
            description: row.opt("description"),
        });
    }
    Ok(ImportRecords::Spend(out))
}

fn enrolments(sheet: &mut Sheet<'_>, owners: &Owners) -> ImportRecords {
    let mut out = Vec::new();
    let table = sheet.table;
    for (line, cells) in &table.rows {
        let mut row = sheet.row(*line, cells);
        let course = row.required("course", "a course");
        let user = row
            .required("user", "a person")
            .and_then(|u| match owners.existing(&u) {
                Ok(Some(id)) => Some(id),
                Ok(None) => {
                    row.bad("user", "no user has this login, e-mail, name or ID");
                    None
                }
                Err(why) => {
                    row.bad(
                        "user",
                        format!("more than one person could be meant: {why}"),
                    );
                    None
                }
            });
        let assigned = row.date("assigned", "an assignment date");
        let due = row.date("due", "a due date");
        let completed = row.opt_date("completed");
        let score = row.opt_int("score", 0..=100);
        let derived = row.derived_key("enrolment", &["course", "user"]);
        let key = row.key("external_id", || derived);
        let (
            Some(course),
            Some(user),
            Some(assigned),
            Some(due),
            Some(completed),
            Some(score),
            Some(key),
        ) = (course, user, assigned, due, completed, score, key)
        else {
            continue;
        };
        out.push(ImportedEnrolment {
            external_id: key,
            course,
            user,
            assigned_on: assigned,
            due_on: due,
            completed_on: completed,
            score: score.and_then(|s| u8::try_from(s).ok()),
        });
    }
    ImportRecords::Enrolments(out)
}

fn market_sizes(
    sheet: &mut Sheet<'_>,
    calendar: &attain_core::FiscalCalendar,
    rates: &Rates,
) -> ImportRecords {
    let mut out = Vec::new();
    let mut seen: HashMap<(String, String, String), usize> = HashMap::new();
    let table = sheet.table;
    for (line, cells) in &table.rows {
        let mut row = sheet.row(*line, cells);
        let segment = row.required("segment", "a segment");
        let region = row.required("region", "a region");
        let period = row
            .required("period", "a period (e.g. 2026 or 2026-Q3)")
            .and_then(|p| match calendar.parse(&p) {
                Ok(parsed) => match super::parse::sane_date(parsed.start())
                    .and_then(|_| super::parse::sane_date(parsed.last_day()))
                {
                    Ok(_) => Some((parsed.to_string(), parsed.last_day())),
                    Err(e) => {
                        row.bad("period", e);
                        None
                    }
                },
                Err(e) => {
                    row.bad("period", e.to_string());
                    None
                }
            });
        let amount = row
            .currency()
            .and_then(|c| row.money("amount", "a market size", c));
        let (Some(segment), Some(region), Some((period, last_day)), Some(amount)) =
            (segment, region, period, amount)
        else {
            continue;
        };
        // A market size is converted at the rate of its period's last month.
        if !row.convertible(rates, "amount", &amount, last_day) {
            continue;
        }
        if let Some(first) = seen.insert((segment.clone(), region.clone(), period.clone()), *line) {
            row.bad(
                "period",
                format!("this segment, region and period appear twice (first on line {first})"),
            );
            continue;
        }
        out.push(MarketSize {
            segment,
            region,
            period,
            amount,
        });
    }
    ImportRecords::MarketSizes(out)
}

/// The largest exchange rate (base units per unit of a currency): amounts
/// of up to ten trillion converted at it still fit every sum.
const MAX_RATE: u32 = 1_000_000;

fn rates(sheet: &mut Sheet<'_>) -> ImportRecords {
    let mut out = Vec::new();
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    let table = sheet.table;
    for (line, cells) in &table.rows {
        let mut row = sheet.row(*line, cells);
        let currency =
            row.required("currency", "a currency")
                .and_then(|c| match Currency::from_code(&c) {
                    Ok(c) => Some(c.code().to_owned()),
                    Err(e) => {
                        row.bad("currency", e.to_string());
                        None
                    }
                });
        let month = row.required("month", "a month (YYYY-MM)").and_then(|m| {
            let first = chrono::NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d")
                .ok()
                .filter(|_| m.len() == 7);
            match first.map(super::parse::sane_date) {
                Some(Ok(_)) => Some(m),
                Some(Err(e)) => {
                    row.bad("month", e);
                    None
                }
                None => {
                    row.bad("month", "expected a month as YYYY-MM");
                    None
                }
            }
        });
        let rate = match row.number("rate") {
            None => {
                row.bad("rate", "a rate is required");
                None
            }
            Some(Ok(v)) if v > Decimal::ZERO && v <= Decimal::from(MAX_RATE) => {
                Some(v.normalize().to_string())
            }
            Some(Err(e)) => {
                row.bad("rate", e);
                None
            }
            Some(Ok(_)) => {
                row.bad(
                    "rate",
                    format!("a rate is a positive decimal number of at most {MAX_RATE}"),
                );
                None
            }
        };
        let (Some(currency), Some(month), Some(rate_to_base)) = (currency, month, rate) else {
            continue;
        };
        if let Some(first) = seen.insert((currency.clone(), month.clone()), *line) {
            row.bad(
                "month",
                format!("this currency and month appear twice (first on line {first})"),
            );
            continue;
        }
        out.push(ImportedRate {
            currency,
            month,
            rate_to_base,
        });
    }
    ImportRecords::ExchangeRates(out)
}

fn competitors(sheet: &mut Sheet<'_>) -> ImportRecords {
    let mut out = Vec::new();
    // Competitors are stored by name: one row per name.
    let mut seen: HashMap<String, usize> = HashMap::new();
    let table = sheet.table;
    for (line, cells) in &table.rows {
        let mut row = sheet.row(*line, cells);
        let name = row.required("name", "a competitor name");
        let position = row.choice("price_position", "lower, similar or higher", |t| match t {
            "lower" | "低" | "较低" => Some("lower"),
            "similar" | "same" | "持平" | "相当" => Some("similar"),
            "higher" | "高" | "较高" => Some("higher"),
            _ => None,
        });
        let derived = row.derived_key("competitor", &["name"]);
        let key = row.key("external_id", || derived);
        let (Some(name), Some(position), Some(key)) = (name, position, key) else {
            continue;
        };
        if let Some(first) = seen.insert(name.clone(), *line) {
            row.bad(
                "name",
                format!("the same competitor appears twice (first on line {first})"),
            );
            continue;
        }
        out.push(ImportedCompetitor {
            external_id: key,
            name,
            website: row.opt("website"),
            price_position: position.map(str::to_owned),
            strengths: row.opt("strengths"),
            weaknesses: row.opt("weaknesses"),
        });
    }
    ImportRecords::Competitors(out)
}

fn territories(sheet: &mut Sheet<'_>, known: &HashSet<String>) -> ImportRecords {
    let mut out = Vec::new();
    let table = sheet.table;
    // A parent may be stored already or come anywhere in the file.
    let in_file: HashSet<&str> = match sheet.columns.get("name") {
        Some(c) => table
            .rows
            .iter()
            .filter_map(|(_, cells)| cells.get(c).map(String::as_str))
            .collect(),
        None => HashSet::new(),
    };
    for (line, cells) in &table.rows {
        let mut row = sheet.row(*line, cells);
        let name = row.required("name", "a territory name");
        let parent = row.text("parent");
        if !parent.is_empty() && !known.contains(parent) && !in_file.contains(parent) {
            row.bad("parent", "no territory has this name, here or in the file");
            continue;
        }
        let derived = row.derived_key("territory", &["name"]);
        let key = row.key("external_id", || derived);
        let (Some(name), Some(key)) = (name, key) else {
            continue;
        };
        out.push(ImportedTerritory {
            external_id: key,
            name,
            parent: row.opt("parent"),
        });
    }
    ImportRecords::Territories(out)
}

fn courses(sheet: &mut Sheet<'_>) -> ImportRecords {
    let mut out = Vec::new();
    let table = sheet.table;
    for (line, cells) in &table.rows {
        let mut row = sheet.row(*line, cells);
        let name = row.required("name", "a course name");
        let kind = row.choice("kind", "skill or product", |t| match t {
            "skill" | "skills" | "技能" => Some(CourseKind::Skill),
            "product" | "产品" => Some(CourseKind::Product),
            _ => None,
        });
        let derived = row.derived_key("course", &["name"]);
        let key = row.key("external_id", || derived);
        let (Some(name), Some(kind), Some(key)) = (name, kind, key) else {
            continue;
        };
        let kind = kind.unwrap_or_else(|| {
            row.defaulted(Fallback::CourseSkill);
            CourseKind::Skill
        });
        out.push(ImportedCourse {
            external_id: key,
            name,
            kind,
        });
    }
    ImportRecords::Courses(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_from_employee_counts_and_words() {
        assert_eq!(size_of("12"), Some(CustomerSize::Small));
        assert_eq!(size_of("1,200"), Some(CustomerSize::Enterprise));
        assert_eq!(size_of("51-200"), Some(CustomerSize::Medium));
        assert_eq!(size_of("中型"), Some(CustomerSize::Medium));
        assert_eq!(size_of("huge-ish"), None);
    }
}
