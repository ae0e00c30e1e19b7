//! Repository for the CRM core: batched writes and scoped reads.

use attain_core::sales::{
    Activity, Channel, Competitor, Contact, Course, Customer, CustomerStatus, Deal, DealStatus,
    Enrolment, ExchangeRate, MarketSize, Order, OrderLine, Payment, Product, Refund, Spend,
    SpendKind, StageChange, SurveyResponse, Ticket,
};
use attain_core::{CustomerId, DealId, ExternalId, Money, OrderId, UserId, Visibility};
use chrono::NaiveDate;
use sqlx::Row;

use crate::BeginWrite as _;
use crate::bulk::{Val, bulk_insert};
use crate::{Store, StoreError, StoreResult, money_from_columns, on_pool};

/// Records to write together, in one transaction, in foreign-key order.
/// Records that carry an ID keep it: the caller assigns IDs (the demo on a
/// fresh database, or an importer after reserving them).
#[derive(Debug, Default, Clone)]
pub struct SalesBatch {
    /// Sales channels.
    pub channels: Vec<Channel>,
    /// Products.
    pub products: Vec<Product>,
    /// Competitors.
    pub competitors: Vec<Competitor>,
    /// Courses.
    pub courses: Vec<Course>,
    /// Customers.
    pub customers: Vec<Customer>,
    /// Contacts at customers.
    pub contacts: Vec<Contact>,
    /// Monthly exchange rates.
    pub exchange_rates: Vec<ExchangeRate>,
    /// Deals.
    pub deals: Vec<Deal>,
    /// Stage history of the deals.
    pub stage_changes: Vec<StageChange>,
    /// Competitors involved in deals.
    pub deal_competitors: Vec<(DealId, attain_core::CompetitorId)>,
    /// Orders.
    pub orders: Vec<Order>,
    /// Order lines.
    pub order_lines: Vec<OrderLine>,
    /// Payments received.
    pub payments: Vec<Payment>,
    /// Refunds.
    pub refunds: Vec<Refund>,
    /// Spend.
    pub spend: Vec<Spend>,
    /// Activities.
    pub activities: Vec<Activity>,
    /// Service tickets.
    pub tickets: Vec<Ticket>,
    /// Survey responses.
    pub surveys: Vec<SurveyResponse>,
    /// Course enrolments.
    pub enrolments: Vec<Enrolment>,
    /// Market sizes.
    pub market_sizes: Vec<MarketSize>,
}

impl SalesBatch {
    /// Total number of records.
    pub fn len(&self) -> usize {
        self.channels.len()
            + self.products.len()
            + self.competitors.len()
            + self.courses.len()
            + self.customers.len()
            + self.contacts.len()
            + self.exchange_rates.len()
            + self.deals.len()
            + self.stage_changes.len()
            + self.deal_competitors.len()
            + self.orders.len()
            + self.order_lines.len()
            + self.payments.len()
            + self.refunds.len()
            + self.spend.len()
            + self.activities.len()
            + self.tickets.len()
            + self.surveys.len()
            + self.enrolments.len()
            + self.market_sizes.len()
    }

    /// Whether there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn minor(m: &Money) -> StoreResult<i64> {
    m.to_minor_units()
        .map_err(|e| StoreError::Invalid(format!("amount {m}: {e}")))
}

fn ext(e: &Option<ExternalId>) -> Val {
    Val::OptText(e.as_ref().map(|x| x.as_str().to_owned()))
}

fn rows_of<T>(items: &[T], f: impl Fn(&T) -> StoreResult<Vec<Val>>) -> StoreResult<Vec<Vec<Val>>> {
    items.iter().map(f).collect()
}

/// One table's worth of a batch: name, columns, rows.
type TableRows = (&'static str, &'static [&'static str], Vec<Vec<Val>>);
/// received on, currency, amount, method, external ID.
type PaymentRow = (NaiveDate, String, i64, Option<String>, Option<String>);

/// Every table of the batch as (table, columns, rows), in foreign-key order.
fn batch_tables(b: &SalesBatch) -> StoreResult<Vec<TableRows>> {
    // An order's cost is the sum of its lines' (which come in the same batch).
    let mut cost_of: std::collections::HashMap<i64, i64> = std::collections::HashMap::new();
    for l in &b.order_lines {
        *cost_of.entry(l.order.raw()).or_default() += minor(&l.cost)?;
    }
    Ok(vec![
        (
            "channels",
            &["key", "name"],
            rows_of(&b.channels, |c| {
                Ok(vec![Val::Text(c.key.clone()), Val::Text(c.name.clone())])
            })?,
        ),
        (
            "products",
            &[
                "id",
                "sku",
                "name",
                "category",
                "currency",
                "list_price_minor",
                "unit_cost_minor",
                "active",
                "external_id",
            ],
            rows_of(&b.products, |p| {
                Ok(vec![
                    Val::I64(p.id.raw()),
                    Val::Text(p.sku.clone()),
                    Val::Text(p.name.clone()),
                    Val::Text(p.category.clone()),
                    Val::Text(p.list_price.currency().code().to_owned()),
                    Val::I64(minor(&p.list_price)?),
                    Val::I64(minor(&p.unit_cost)?),
                    Val::Bool(p.active),
                    ext(&p.external_id),
                ])
            })?,
        ),
        (
            "competitors",
            &["id", "name", "price_position", "strengths", "weaknesses"],
            rows_of(&b.competitors, |c| {
                Ok(vec![
                    Val::I64(c.id.raw()),
                    Val::Text(c.name.clone()),
                    Val::OptText(c.price_position.clone()),
                    Val::OptText(c.strengths.clone()),
                    Val::OptText(c.weaknesses.clone()),
                ])
            })?,
        ),
        (
            "courses",
            &["id", "name", "kind"],
            rows_of(&b.courses, |c| {
                Ok(vec![
                    Val::I64(c.id.raw()),
                    Val::Text(c.name.clone()),
                    Val::Text(c.kind.key().into()),
                ])
            })?,
        ),
        (
            "customers",
            &[
                "id",
                "name",
                "industry",
                "region",
                "size",
                "segment",
                "source_channel",
                "owner_id",
                "territory_id",
                "status",
                "in_pool",
                "created_on",
                "external_id",
            ],
            rows_of(&b.customers, |c| {
                Ok(vec![
                    Val::I64(c.id.raw()),
                    Val::Text(c.name.clone()),
                    Val::OptText(c.industry.clone()),
                    Val::OptText(c.region.clone()),
                    Val::OptText(c.size.map(|s| s.key().to_owned())),
                    Val::OptText(c.segment.clone()),
                    Val::OptText(c.source_channel.clone()),
                    Val::OptI64(c.owner.map(UserId::raw)),
                    Val::OptI64(c.territory.map(|t| t.raw())),
                    Val::Text(c.status.key().into()),
                    Val::Bool(c.in_pool),
                    Val::Date(c.created_on),
                    ext(&c.external_id),
                ])
            })?,
        ),
        (
            "contacts",
            &[
                "id",
                "customer_id",
                "name",
                "title",
                "email",
                "phone",
                "owner_id",
                "external_id",
            ],
            rows_of(&b.contacts, |c| {
                Ok(vec![
                    Val::I64(c.id.raw()),
                    Val::OptI64(c.customer.map(CustomerId::raw)),
                    Val::Text(c.name.clone()),
                    Val::OptText(c.title.clone()),
                    Val::OptText(c.email.clone()),
                    Val::OptText(c.phone.clone()),
                    Val::OptI64(c.owner.map(UserId::raw)),
                    ext(&c.external_id),
                ])
            })?,
        ),
        (
            "exchange_rates",
            &["currency", "month", "rate_to_base"],
            rows_of(&b.exchange_rates, |r| {
                Ok(vec![
                    Val::Text(r.currency.code().to_owned()),
                    Val::Text(r.month.format("%Y-%m").to_string()),
                    Val::Text(r.rate_to_base.normalize().to_string()),
                ])
            })?,
        ),
        (
            "deals",
            &[
                "id",
                "name",
                "customer_id",
                "owner_id",
                "currency",
                "amount_minor",
                "stage",
                "probability",
                "forecast_category",
                "status",
                "created_on",
                "expected_close_on",
                "closed_on",
                "lost_reason",
                "source_channel",
                "external_id",
            ],
            rows_of(&b.deals, |d| {
                Ok(vec![
                    Val::I64(d.id.raw()),
                    Val::Text(d.name.clone()),
                    Val::I64(d.customer.raw()),
                    Val::I64(d.owner.raw()),
                    Val::Text(d.amount.currency().code().into()),
                    Val::I64(minor(&d.amount)?),
                    Val::Text(d.stage.clone()),
                    Val::I64(i64::from(d.probability)),
                    Val::Text(d.forecast_category.key().into()),
                    Val::Text(d.status.key().into()),
                    Val::Date(d.created_on),
                    Val::Date(d.expected_close_on),
                    Val::OptDate(d.closed_on),
                    Val::OptText(d.lost_reason.clone()),
                    Val::OptText(d.source_channel.clone()),
                    ext(&d.external_id),
                ])
            })?,
        ),
        (
            "deal_stage_history",
            &["deal_id", "stage", "entered_on"],
            rows_of(&b.stage_changes, |s| {
                Ok(vec![
                    Val::I64(s.deal.raw()),
                    Val::Text(s.stage.clone()),
                    Val::Date(s.entered_on),
                ])
            })?,
        ),
        (
            "deal_competitors",
            &["deal_id", "competitor_id"],
            rows_of(&b.deal_competitors, |(d, c)| {
                Ok(vec![Val::I64(d.raw()), Val::I64(c.raw())])
            })?,
        ),
        (
            "orders",
            &[
                "id",
                "number",
                "customer_id",
                "owner_id",
                "deal_id",
                "order_date",
                "currency",
                "total_minor",
                "cost_minor",
                "status",
                "external_id",
            ],
            rows_of(&b.orders, |o| {
                let cost = cost_of.get(&o.id.raw()).copied().unwrap_or(0);
                Ok(vec![
                    Val::I64(o.id.raw()),
                    Val::Text(o.number.clone()),
                    Val::I64(o.customer.raw()),
                    Val::I64(o.owner.raw()),
                    Val::OptI64(o.deal.map(DealId::raw)),
                    Val::Date(o.order_date),
                    Val::Text(o.total.currency().code().into()),
                    Val::I64(minor(&o.total)?),
                    Val::I64(cost),
                    Val::Text(
                        if o.cancelled {
                            "cancelled"
                        } else {
                            "confirmed"
                        }
                        .into(),
                    ),
                    ext(&o.external_id),
                ])
            })?,
        ),
        (
            "order_lines",
            &[
                "order_id",
                "product_id",
                "quantity",
                "unit_price_minor",
                "amount_minor",
                "cost_minor",
            ],
            rows_of(&b.order_lines, |l| {
                Ok(vec![
                    Val::I64(l.order.raw()),
                    Val::OptI64(l.product.map(attain_core::ProductId::raw)),
                    Val::I64(l.quantity),
                    Val::I64(minor(&l.unit_price)?),
                    Val::I64(minor(&l.amount)?),
                    Val::I64(minor(&l.cost)?),
                ])
            })?,
        ),
        (
            "payments",
            &[
                "order_id",
                "received_on",
                "currency",
                "amount_minor",
                "method",
                "external_id",
            ],
            rows_of(&b.payments, |p| {
                Ok(vec![
                    Val::I64(p.order.raw()),
                    Val::Date(p.received_on),
                    Val::Text(p.amount.currency().code().into()),
                    Val::I64(minor(&p.amount)?),
                    Val::OptText(p.method.clone()),
                    ext(&p.external_id),
                ])
            })?,
        ),
        (
            "refunds",
            &[
                "order_id",
                "refunded_on",
                "currency",
                "amount_minor",
                "reason",
                "external_id",
            ],
            rows_of(&b.refunds, |r| {
                Ok(vec![
                    Val::I64(r.order.raw()),
                    Val::Date(r.refunded_on),
                    Val::Text(r.amount.currency().code().into()),
                    Val::I64(minor(&r.amount)?),
                    Val::OptText(r.reason.clone()),
                    ext(&r.external_id),
                ])
            })?,
        ),
        (
            "spend",
            &[
                "channel",
                "kind",
                "spent_on",
                "currency",
                "amount_minor",
                "org_unit_id",
                "description",
            ],
            rows_of(&b.spend, |s| {
                Ok(vec![
                    Val::Text(s.channel.clone()),
                    Val::Text(match s.kind {
                        SpendKind::Marketing => "marketing".into(),
                        SpendKind::Sales => "sales".into(),
                    }),
                    Val::Date(s.spent_on),
                    Val::Text(s.amount.currency().code().into()),
                    Val::I64(minor(&s.amount)?),
                    Val::OptI64(s.unit.map(|u| u.raw())),
                    Val::OptText(s.description.clone()),
                ])
            })?,
        ),
        (
            "activities",
            &[
                "kind",
                "owner_id",
                "customer_id",
                "deal_id",
                "occurred_on",
                "subject",
            ],
            rows_of(&b.activities, |a| {
                Ok(vec![
                    Val::Text(a.kind.key().into()),
                    Val::I64(a.owner.raw()),
                    Val::OptI64(a.customer.map(CustomerId::raw)),
                    Val::OptI64(a.deal.map(DealId::raw)),
                    Val::Date(a.occurred_on),
                    Val::OptText(a.subject.clone()),
                ])
            })?,
        ),
        (
            "tickets",
            &[
                "customer_id",
                "opened_at",
                "first_response_at",
                "resolved_at",
                "priority",
                "category",
                "subject",
            ],
            rows_of(&b.tickets, |t| {
                Ok(vec![
                    Val::I64(t.customer.raw()),
                    Val::Ts(t.opened_at),
                    Val::OptTs(t.first_response_at),
                    Val::OptTs(t.resolved_at),
                    Val::Text(t.priority.key().into()),
                    Val::OptText(t.category.clone()),
                    Val::OptText(t.subject.clone()),
                ])
            })?,
        ),
        (
            "survey_responses",
            &["customer_id", "kind", "score", "responded_on", "comment"],
            rows_of(&b.surveys, |s| {
                Ok(vec![
                    Val::I64(s.customer.raw()),
                    Val::Text(s.kind.key().into()),
                    Val::I64(i64::from(s.score)),
                    Val::Date(s.responded_on),
                    Val::OptText(s.comment.clone()),
                ])
            })?,
        ),
        (
            "enrolments",
            &[
                "course_id",
                "user_id",
                "assigned_on",
                "due_on",
                "completed_on",
                "score",
            ],
            rows_of(&b.enrolments, |e| {
                Ok(vec![
                    Val::I64(e.course.raw()),
                    Val::I64(e.user.raw()),
                    Val::Date(e.assigned_on),
                    Val::Date(e.due_on),
                    Val::OptDate(e.completed_on),
                    Val::OptI64(e.score.map(i64::from)),
                ])
            })?,
        ),
        (
            "market_sizes",
            &["segment", "region", "period", "currency", "amount_minor"],
            rows_of(&b.market_sizes, |m| {
                Ok(vec![
                    Val::Text(m.segment.clone()),
                    Val::Text(m.region.clone()),
                    Val::Text(m.period.clone()),
                    Val::Text(m.amount.currency().code().into()),
                    Val::I64(minor(&m.amount)?),
                ])
            })?,
        ),
    ])
}

/// Tables whose IDs the demo assigns itself; PostgreSQL identity sequences
/// must be moved past them afterwards.
const ID_TABLES: &[&str] = &[
    "products",
    "competitors",
    "courses",
    "customers",
    "contacts",
    "deals",
    "orders",
];

/// Filters for listing deals.
#[derive(Debug, Clone, Default)]
pub struct DealFilter {
    /// Only deals with this status.
    pub status: Option<DealStatus>,
    /// Only deals of this owner.
    pub owner: Option<UserId>,
    /// Only deals of this customer.
    pub customer: Option<CustomerId>,
    /// Closed on or after.
    pub closed_from: Option<NaiveDate>,
    /// Closed on or before.
    pub closed_to: Option<NaiveDate>,
}

/// Filters for listing customers.
#[derive(Debug, Clone, Default)]
pub struct CustomerFilter {
    /// Only customers of this owner.
    pub owner: Option<UserId>,
    /// Only customers with this status.
    pub status: Option<CustomerStatus>,
    /// Name contains (case-insensitive).
    pub name_contains: Option<String>,
}

/// Filters for listing orders.
#[derive(Debug, Clone, Default)]
pub struct OrderFilter {
    /// Only orders of this owner.
    pub owner: Option<UserId>,
    /// Only orders of this customer.
    pub customer: Option<CustomerId>,
    /// Ordered on or after.
    pub from: Option<NaiveDate>,
    /// Ordered on or before.
    pub to: Option<NaiveDate>,
}

/// A page of a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paged<T> {
    /// The records on this page.
    pub items: Vec<T>,
    /// How many match in all.
    pub total: i64,
}

/// A WHERE clause under construction: the visibility scope first (as `$1`),
/// then filters, each value bound.
pub(crate) struct Where {
    pub(crate) prefix: &'static str,
    pub(crate) clauses: Vec<String>,
    pub(crate) binds: Vec<Val>,
}

pub(crate) const SCOPE_CTE: &str = "WITH RECURSIVE scope_units(id) AS (SELECT id FROM org_units WHERE id = $1 UNION ALL SELECT o.id FROM org_units o JOIN scope_units s ON o.parent_id = s.id) ";

impl Where {
    /// `owner` is the column the visibility applies to (e.g. `d.owner_id`).
    pub(crate) fn scoped(visibility: &Visibility, owner: &str) -> Self {
        let (prefix, clause, key) = match visibility {
            Visibility::Everything => ("", "CAST($1 AS BIGINT) = 0".to_owned(), 0),
            Visibility::Subtree(unit) => (
                SCOPE_CTE,
                format!(
                    "{owner} IN (SELECT su.id FROM users su WHERE su.org_unit_id IN (SELECT id FROM scope_units))"
                ),
                unit.raw(),
            ),
            Visibility::Own(user) => ("", format!("{owner} = $1"), user.raw()),
        };
        Self {
            prefix,
            clauses: vec![clause],
            binds: vec![Val::I64(key)],
        }
    }

    pub(crate) fn add(&mut self, template: &str, value: Val) {
        let n = self.binds.len() + 1;
        self.clauses.push(template.replace('?', &format!("${n}")));
        self.binds.push(value);
    }

    pub(crate) fn sql(&self, select: &str, tail: &str) -> String {
        format!(
            "{}{select} WHERE {} {tail}",
            self.prefix,
            self.clauses.join(" AND ")
        )
    }

    pub(crate) fn next_param(&self) -> usize {
        self.binds.len() + 1
    }
}

/// Runs a SELECT built from `Where` on either backend, binding its values
/// and then `$extra` (a slice of i64 for LIMIT/OFFSET).
macro_rules! fetch_where {
    ($store:expr, $sql:expr, $where:expr, $extra:expr) => {{
        let sql: String = $sql;
        on_pool!($store, pool => {
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for value in &$where.binds {
                query = $crate::bulk::bind_val!(query, value);
            }
            for v in $extra {
                query = query.bind(*v);
            }
            let rows = query.fetch_all(pool).await?;
            rows.iter().map(|r| $crate::sales::RowView::from_row(r)).collect::<StoreResult<Vec<_>>>()?
        })
    }};
}

/// The columns of a fetched row, decoded the same way on both backends.
pub(crate) struct RowView {
    ints: Vec<Option<i64>>,
    texts: Vec<Option<String>>,
    dates: Vec<Option<NaiveDate>>,
    bools: Vec<Option<bool>>,
}

impl RowView {
    pub(crate) fn from_row<R: Row>(row: &R) -> StoreResult<Self>
    where
        for<'a> Option<i64>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
        for<'a> Option<String>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
        for<'a> Option<NaiveDate>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
        for<'a> Option<bool>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
        usize: sqlx::ColumnIndex<R>,
    {
        let n = row.len();
        let mut view = RowView {
            ints: vec![None; n],
            texts: vec![None; n],
            dates: vec![None; n],
            bools: vec![None; n],
        };
        for i in 0..n {
            // Each column is read as the type it can be; the caller asks for the one it expects.
            if let Ok(v) = row.try_get::<Option<i64>, _>(i) {
                view.ints[i] = v;
            } else if let Ok(v) = row.try_get::<Option<NaiveDate>, _>(i) {
                view.dates[i] = v;
            } else if let Ok(v) = row.try_get::<Option<bool>, _>(i) {
                view.bools[i] = v;
            }
            if view.dates[i].is_none()
                && let Ok(v) = row.try_get::<Option<String>, _>(i)
            {
                if view.dates[i].is_none() {
                    view.dates[i] = v
                        .as_deref()
                        .and_then(|t| NaiveDate::parse_from_str(t, "%Y-%m-%d").ok());
                }
                view.texts[i] = v;
            }
        }
        Ok(view)
    }

    fn int(&self, i: usize) -> StoreResult<i64> {
        self.ints[i].ok_or_else(|| StoreError::Corrupt(format!("column {i} is not a number")))
    }
    fn opt_int(&self, i: usize) -> Option<i64> {
        self.ints[i]
    }
    fn text(&self, i: usize) -> StoreResult<String> {
        self.texts[i]
            .clone()
            .ok_or_else(|| StoreError::Corrupt(format!("column {i} is not text")))
    }
    fn opt_text(&self, i: usize) -> Option<String> {
        self.texts[i].clone()
    }
    fn date(&self, i: usize) -> StoreResult<NaiveDate> {
        self.dates[i].ok_or_else(|| StoreError::Corrupt(format!("column {i} is not a date")))
    }
    fn opt_date(&self, i: usize) -> Option<NaiveDate> {
        self.dates[i]
    }
    fn boolean(&self, i: usize) -> bool {
        self.bools[i].unwrap_or_else(|| self.ints[i].is_some_and(|v| v != 0))
    }
}

fn parse_key<T: std::str::FromStr>(text: &str) -> StoreResult<T>
where
    T::Err: std::fmt::Display,
{
    text.parse()
        .map_err(|e: T::Err| StoreError::Corrupt(e.to_string()))
}

fn external(text: Option<String>) -> Option<ExternalId> {
    text.and_then(|t| ExternalId::new(t).ok())
}

const DEAL_SELECT: &str = "SELECT d.id, d.name, d.customer_id, d.owner_id, d.currency, d.amount_minor, d.stage, CAST(d.probability AS BIGINT), d.forecast_category, d.status, d.created_on, d.expected_close_on, d.closed_on, d.lost_reason, d.source_channel, d.external_id FROM deals d";

fn deal_from(v: &RowView) -> StoreResult<Deal> {
    Ok(Deal {
        id: DealId::from_raw(v.int(0)?),
        name: v.text(1)?,
        customer: CustomerId::from_raw(v.int(2)?),
        owner: UserId::from_raw(v.int(3)?),
        amount: money_from_columns(v.int(5)?, &v.text(4)?)?,
        stage: v.text(6)?,
        probability: u8::try_from(v.int(7)?)
            .map_err(|_| StoreError::Corrupt("probability".into()))?,
        forecast_category: parse_key(&v.text(8)?)?,
        status: parse_key(&v.text(9)?)?,
        created_on: v.date(10)?,
        expected_close_on: v.date(11)?,
        closed_on: v.opt_date(12),
        lost_reason: v.opt_text(13),
        source_channel: v.opt_text(14),
        external_id: external(v.opt_text(15)),
    })
}

const CUSTOMER_SELECT: &str = "SELECT c.id, c.name, c.industry, c.region, c.size, c.segment, c.source_channel, c.owner_id, c.territory_id, c.status, c.in_pool, c.created_on, c.external_id FROM customers c";

fn customer_from(v: &RowView) -> StoreResult<Customer> {
    Ok(Customer {
        id: CustomerId::from_raw(v.int(0)?),
        name: v.text(1)?,
        industry: v.opt_text(2),
        region: v.opt_text(3),
        size: v.opt_text(4).map(|s| parse_key(&s)).transpose()?,
        segment: v.opt_text(5),
        source_channel: v.opt_text(6),
        owner: v.opt_int(7).map(UserId::from_raw),
        territory: v.opt_int(8).map(attain_core::TerritoryId::from_raw),
        status: parse_key(&v.text(9)?)?,
        in_pool: v.boolean(10),
        created_on: v.date(11)?,
        external_id: external(v.opt_text(12)),
    })
}

const ORDER_SELECT: &str = "SELECT o.id, o.number, o.customer_id, o.owner_id, o.deal_id, o.order_date, o.currency, o.total_minor, o.status, o.external_id FROM orders o";

fn order_from(v: &RowView) -> StoreResult<Order> {
    Ok(Order {
        id: OrderId::from_raw(v.int(0)?),
        number: v.text(1)?,
        customer: CustomerId::from_raw(v.int(2)?),
        owner: UserId::from_raw(v.int(3)?),
        deal: v.opt_int(4).map(DealId::from_raw),
        order_date: v.date(5)?,
        total: money_from_columns(v.int(7)?, &v.text(6)?)?,
        cancelled: v.text(8)? == "cancelled",
        external_id: external(v.opt_text(9)),
    })
}

impl Store {
    /// Writes a batch in one transaction, tables in foreign-key order: all or nothing.
    pub async fn insert_sales_batch(&self, batch: &SalesBatch) -> StoreResult<()> {
        let tables = batch_tables(batch)?;
        on_pool!(self, pool => {
            let mut tx = pool.begin_serial().await?;
            for (table, columns, rows) in &tables {
                bulk_insert!(tx, table, columns, rows);
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Cross-record rules the schema cannot express, checked over all data;
    /// each broken rule is reported with how many records break it. Empty
    /// means consistent. Used after imports and by the demo's tests.
    pub async fn demo_consistency_report(&self) -> StoreResult<Vec<String>> {
        const CHECKS: &[(&str, &str)] = &[
            (
                "orders whose total differs from the sum of their lines",
                "SELECT COUNT(*) FROM orders o WHERE o.total_minor <> (SELECT COALESCE(SUM(l.amount_minor), 0) FROM order_lines l WHERE l.order_id = o.id)",
            ),
            (
                "orders paid more than their total",
                "SELECT COUNT(*) FROM orders o WHERE (SELECT COALESCE(SUM(p.amount_minor), 0) FROM payments p WHERE p.order_id = o.id) > o.total_minor",
            ),
            (
                "payments received before their order",
                "SELECT COUNT(*) FROM payments p JOIN orders o ON o.id = p.order_id WHERE p.received_on < o.order_date",
            ),
            (
                "won deals without an order",
                "SELECT COUNT(*) FROM deals d WHERE d.status = 'won' AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.deal_id = d.id)",
            ),
            (
                "closed deals closed before they were created",
                "SELECT COUNT(*) FROM deals d WHERE d.closed_on < d.created_on",
            ),
            (
                "stage changes after the deal closed",
                "SELECT COUNT(*) FROM deal_stage_history h JOIN deals d ON d.id = h.deal_id WHERE d.closed_on IS NOT NULL AND h.entered_on > d.closed_on",
            ),
            (
                "orders of a customer owned by nobody while not in the pool",
                "SELECT COUNT(*) FROM customers c WHERE c.owner_id IS NULL AND c.in_pool = FALSE",
            ),
            (
                "tickets answered before they were opened",
                "SELECT COUNT(*) FROM tickets t WHERE t.first_response_at < t.opened_at OR t.resolved_at < t.opened_at",
            ),
        ];
        let mut problems = Vec::new();
        for (what, sql) in CHECKS {
            let n: i64 =
                on_pool!(self, pool => { sqlx::query_scalar(*sql).fetch_one(pool).await? });
            if n > 0 {
                problems.push(format!("{n} {what}"));
            }
        }
        Ok(problems)
    }

    /// Moves PostgreSQL identity sequences past IDs inserted explicitly
    /// Drops the secondary indexes of the fact tables and returns the DDL
    /// that recreates them: a bulk load into an empty database (the demo)
    /// runs several times faster without maintaining them row by row.
    /// Unique constraints stay. Call [`Self::restore_indexes`] afterwards.
    pub async fn drop_fact_indexes(&self) -> StoreResult<Vec<(String, String)>> {
        let indexes: Vec<(String, String)> = on_pool!(self, pool => {
            match self.backend() {
                crate::Backend::Sqlite => sqlx::query_as(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ('customers', 'deals', 'deal_stage_history', 'orders', 'order_lines', 'payments', 'refunds', 'activities', 'tickets', 'survey_responses', 'enrolments', 'spend')",
                ).fetch_all(pool).await?,
                crate::Backend::Postgres => sqlx::query_as(
                    "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema() AND i.tablename IN ('customers', 'deals', 'deal_stage_history', 'orders', 'order_lines', 'payments', 'refunds', 'activities', 'tickets', 'survey_responses', 'enrolments', 'spend') AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
                ).fetch_all(pool).await?,
            }
        });
        on_pool!(self, pool => {
            for (name, _) in &indexes {
                // Names come from the catalogue of our own schema, never from input.
                sqlx::query(sqlx::AssertSqlSafe(format!("DROP INDEX {name}"))).execute(pool).await?;
            }
        });
        Ok(indexes)
    }

    /// Recreates indexes dropped by [`Self::drop_fact_indexes`].
    pub async fn restore_indexes(&self, indexes: &[(String, String)]) -> StoreResult<()> {
        on_pool!(self, pool => {
            for (_, ddl) in indexes {
                sqlx::query(sqlx::AssertSqlSafe(ddl.clone())).execute(pool).await?;
            }
        });
        Ok(())
    }

    /// (nothing to do on SQLite, whose rowids follow the maximum by themselves).
    pub async fn sync_id_sequences(&self) -> StoreResult<()> {
        if let crate::Pool::Postgres(pool) = &self.pool {
            for table in ID_TABLES {
                // Table names are our own constants.
                let sql = format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
                );
                sqlx::query(sqlx::AssertSqlSafe(sql)).execute(pool).await?;
            }
        }
        Ok(())
    }

    /// How many rows a table holds (for reports and tests), by table name
    /// from a fixed list.
    pub async fn count_rows(&self, table: &str) -> StoreResult<i64> {
        const TABLES: &[&str] = &[
            "channels",
            "products",
            "competitors",
            "courses",
            "customers",
            "contacts",
            "deals",
            "deal_stage_history",
            "deal_competitors",
            "orders",
            "order_lines",
            "payments",
            "refunds",
            "spend",
            "activities",
            "tickets",
            "survey_responses",
            "enrolments",
            "market_sizes",
            "exchange_rates",
            "territories",
            "contacts",
            "users",
            "org_units",
            "kpi_owner_day",
            "kpi_owner_month",
            "goals",
            "payout_runs",
            "statements",
            "audit_log",
        ];
        let Some(table) = TABLES.iter().find(|t| **t == table) else {
            return Err(StoreError::Invalid(format!("unknown table {table}")));
        };
        let sql = format!("SELECT COUNT(*) FROM {table}");
        let n: i64 = on_pool!(self, pool => {
            sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_one(pool).await?
        });
        Ok(n)
    }

    /// Deals the viewer may see, newest first.
    pub async fn deals_visible(
        &self,
        visibility: &Visibility,
        filter: &DealFilter,
        offset: i64,
        limit: i64,
    ) -> StoreResult<Paged<Deal>> {
        let mut w = Where::scoped(visibility, "d.owner_id");
        if let Some(s) = filter.status {
            w.add("d.status = ?", Val::Text(s.key().into()));
        }
        if let Some(o) = filter.owner {
            w.add("d.owner_id = ?", Val::I64(o.raw()));
        }
        if let Some(c) = filter.customer {
            w.add("d.customer_id = ?", Val::I64(c.raw()));
        }
        if let Some(d) = filter.closed_from {
            w.add("d.closed_on >= ?", Val::Date(d));
        }
        if let Some(d) = filter.closed_to {
            w.add("d.closed_on <= ?", Val::Date(d));
        }
        self.page(
            w,
            DEAL_SELECT,
            "SELECT COUNT(*) FROM deals d",
            "ORDER BY d.created_on DESC, d.id DESC",
            offset,
            limit,
            deal_from,
        )
        .await
    }

    /// One deal, if the viewer may see it (`NotFound` otherwise, as for a missing ID).
    pub async fn deal_visible(&self, visibility: &Visibility, id: DealId) -> StoreResult<Deal> {
        let mut w = Where::scoped(visibility, "d.owner_id");
        w.add("d.id = ?", Val::I64(id.raw()));
        let rows = fetch_where!(self, w.sql(DEAL_SELECT, ""), w, &[] as &[i64]);
        rows.first()
            .map(deal_from)
            .transpose()?
            .ok_or_else(|| StoreError::NotFound {
                entity: "deal",
                id: id.to_string(),
            })
    }

    /// The stage history of a deal the viewer may see, oldest first.
    pub async fn deal_stages(
        &self,
        visibility: &Visibility,
        id: DealId,
    ) -> StoreResult<Vec<StageChange>> {
        self.deal_visible(visibility, id).await?;
        let rows: Vec<(String, NaiveDate)> = on_pool!(self, pool => {
            sqlx::query_as("SELECT stage, entered_on FROM deal_stage_history WHERE deal_id = $1 ORDER BY entered_on, id")
                .bind(id.raw()).fetch_all(pool).await?
        });
        Ok(rows
            .into_iter()
            .map(|(stage, entered_on)| StageChange {
                deal: id,
                stage,
                entered_on,
            })
            .collect())
    }

    /// Names of the given customers, for display next to records the viewer
    /// may already see (a deal shows its customer's name).
    pub async fn customer_names(
        &self,
        ids: &[CustomerId],
    ) -> StoreResult<std::collections::HashMap<CustomerId, String>> {
        let mut names = std::collections::HashMap::new();
        for chunk in ids.chunks(500) {
            let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT id, name FROM customers WHERE id IN ({})",
                placeholders.join(",")
            );
            let rows: Vec<(i64, String)> = on_pool!(self, pool => {
                let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
                for id in chunk {
                    q = q.bind(id.raw());
                }
                q.fetch_all(pool).await?
            });
            names.extend(
                rows.into_iter()
                    .map(|(id, name)| (CustomerId::from_raw(id), name)),
            );
        }
        Ok(names)
    }

    /// Customers the viewer may see (by owner), by name.
    pub async fn customers_visible(
        &self,
        visibility: &Visibility,
        filter: &CustomerFilter,
        offset: i64,
        limit: i64,
    ) -> StoreResult<Paged<Customer>> {
        let mut w = Where::scoped(visibility, "c.owner_id");
        if let Some(o) = filter.owner {
            w.add("c.owner_id = ?", Val::I64(o.raw()));
        }
        if let Some(s) = filter.status {
            w.add("c.status = ?", Val::Text(s.key().into()));
        }
        if let Some(n) = &filter.name_contains {
            w.add(
                "LOWER(c.name) LIKE ?",
                Val::Text(format!("%{}%", n.to_lowercase().replace(['%', '_'], ""))),
            );
        }
        self.page(
            w,
            CUSTOMER_SELECT,
            "SELECT COUNT(*) FROM customers c",
            "ORDER BY c.name, c.id",
            offset,
            limit,
            customer_from,
        )
        .await
    }

    /// One customer, if the viewer may see it.
    pub async fn customer_visible(
        &self,
        visibility: &Visibility,
        id: CustomerId,
    ) -> StoreResult<Customer> {
        let mut w = Where::scoped(visibility, "c.owner_id");
        w.add("c.id = ?", Val::I64(id.raw()));
        let rows = fetch_where!(self, w.sql(CUSTOMER_SELECT, ""), w, &[] as &[i64]);
        rows.first()
            .map(customer_from)
            .transpose()?
            .ok_or_else(|| StoreError::NotFound {
                entity: "customer",
                id: id.to_string(),
            })
    }

    /// Orders the viewer may see (by order owner), newest first.
    pub async fn orders_visible(
        &self,
        visibility: &Visibility,
        filter: &OrderFilter,
        offset: i64,
        limit: i64,
    ) -> StoreResult<Paged<Order>> {
        let mut w = Where::scoped(visibility, "o.owner_id");
        if let Some(o) = filter.owner {
            w.add("o.owner_id = ?", Val::I64(o.raw()));
        }
        if let Some(c) = filter.customer {
            w.add("o.customer_id = ?", Val::I64(c.raw()));
        }
        if let Some(d) = filter.from {
            w.add("o.order_date >= ?", Val::Date(d));
        }
        if let Some(d) = filter.to {
            w.add("o.order_date <= ?", Val::Date(d));
        }
        self.page(
            w,
            ORDER_SELECT,
            "SELECT COUNT(*) FROM orders o",
            "ORDER BY o.order_date DESC, o.id DESC",
            offset,
            limit,
            order_from,
        )
        .await
    }

    /// One order with its lines and payments, if the viewer may see it.
    pub async fn order_visible(
        &self,
        visibility: &Visibility,
        id: OrderId,
    ) -> StoreResult<(Order, Vec<OrderLine>, Vec<Payment>)> {
        let mut w = Where::scoped(visibility, "o.owner_id");
        w.add("o.id = ?", Val::I64(id.raw()));
        let rows = fetch_where!(self, w.sql(ORDER_SELECT, ""), w, &[] as &[i64]);
        let order =
            rows.first()
                .map(order_from)
                .transpose()?
                .ok_or_else(|| StoreError::NotFound {
                    entity: "order",
                    id: id.to_string(),
                })?;
        let currency = order.total.currency().code();
        let lines: Vec<(Option<i64>, i64, i64, i64, i64)> = on_pool!(self, pool => {
            sqlx::query_as("SELECT product_id, quantity, unit_price_minor, amount_minor, cost_minor FROM order_lines WHERE order_id = $1 ORDER BY id")
                .bind(id.raw()).fetch_all(pool).await?
        });
        let payments: Vec<PaymentRow> = on_pool!(self, pool => {
            sqlx::query_as("SELECT received_on, currency, amount_minor, method, external_id FROM payments WHERE order_id = $1 ORDER BY received_on, id")
                .bind(id.raw()).fetch_all(pool).await?
        });
        let lines = lines
            .into_iter()
            .map(|(product, quantity, unit, amount, cost)| {
                Ok(OrderLine {
                    order: id,
                    product: product.map(attain_core::ProductId::from_raw),
                    quantity,
                    unit_price: money_from_columns(unit, currency)?,
                    amount: money_from_columns(amount, currency)?,
                    cost: money_from_columns(cost, currency)?,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        let payments = payments
            .into_iter()
            .map(|(received_on, cur, amount, method, ext_id)| {
                Ok(Payment {
                    order: id,
                    received_on,
                    amount: money_from_columns(amount, &cur)?,
                    method,
                    external_id: external(ext_id),
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        Ok((order, lines, payments))
    }

    #[allow(clippy::too_many_arguments)]
    async fn page<T>(
        &self,
        w: Where,
        select: &str,
        count_select: &str,
        order_by: &str,
        offset: i64,
        limit: i64,
        decode: fn(&RowView) -> StoreResult<T>,
    ) -> StoreResult<Paged<T>> {
        let limit = limit.clamp(1, 1000);
        let offset = offset.max(0);
        let n = w.next_param();
        let tail = format!("{order_by} LIMIT ${n} OFFSET ${}", n + 1);
        let rows = fetch_where!(self, w.sql(select, &tail), w, &[limit, offset]);
        let items = rows.iter().map(decode).collect::<StoreResult<Vec<_>>>()?;
        let counted = fetch_where!(self, w.sql(count_select, ""), w, &[] as &[i64]);
        let total = counted.first().and_then(|v| v.opt_int(0)).unwrap_or(0);
        Ok(Paged { items, total })
    }
}
