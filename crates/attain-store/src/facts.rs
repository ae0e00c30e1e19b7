//! The one writer of each fact table. Every table has a row type that says,
//! field by field, what its columns hold once every reference is resolved
//! to an ID, and a [`Target`] that names the table, its columns, the key a
//! re-import finds a record by and the columns an update leaves alone. The
//! demo's batch, the importers and the customers an import creates all
//! build these rows; nothing else writes the columns, so a new column is
//! added in one place.

use attain_core::Money;
use attain_core::sales::{
    ActivityKind, CourseKind, CustomerSize, CustomerStatus, DealStatus, ForecastCategory,
    SpendKind, SurveyKind, TicketPriority,
};
use chrono::{DateTime, NaiveDate, Utc};

use crate::bulk::Val;
use crate::snapshot::Target;
use crate::{StoreError, StoreResult};

/// A row of one fact table, references resolved.
pub(crate) trait Fact {
    /// Where rows of this kind are written.
    const TARGET: &'static Target;
    /// The row's values, in the order of `TARGET.columns`.
    fn values(&self) -> StoreResult<Vec<Val>>;
}

/// The columns and rows of one table's worth of facts.
pub(crate) struct Rows {
    /// The table.
    pub table: &'static str,
    /// The columns, in the order of each row's values.
    pub columns: Vec<&'static str>,
    /// The rows.
    pub rows: Vec<Vec<Val>>,
}

/// Rows whose IDs the database assigns (imports).
pub(crate) fn rows<F: Fact>(facts: impl IntoIterator<Item = F>) -> StoreResult<Vec<Vec<Val>>> {
    facts.into_iter().map(|f| f.values()).collect()
}

/// Rows that carry the IDs their caller assigned (the demo, on a fresh
/// database): `id` comes first.
pub(crate) fn rows_with_ids<F: Fact>(
    facts: impl IntoIterator<Item = (i64, F)>,
) -> StoreResult<Rows> {
    let mut columns = vec!["id"];
    columns.extend_from_slice(F::TARGET.columns);
    let rows = facts
        .into_iter()
        .map(|(id, f)| {
            let mut values = vec![Val::I64(id)];
            values.extend(f.values()?);
            Ok(values)
        })
        .collect::<StoreResult<_>>()?;
    Ok(Rows {
        table: F::TARGET.table,
        columns,
        rows,
    })
}

/// Rows of a table without IDs of their own, as [`Rows`].
pub(crate) fn table_rows<F: Fact>(facts: impl IntoIterator<Item = F>) -> StoreResult<Rows> {
    Ok(Rows {
        table: F::TARGET.table,
        columns: F::TARGET.columns.to_vec(),
        rows: rows(facts)?,
    })
}

/// The target of a row's type.
pub(crate) fn target_of<F: Fact>(_: &F) -> &'static Target {
    F::TARGET
}

/// Inserts one row inside the open transaction `$tx` (either backend) and
/// evaluates to its new ID; `$suffix` may make it an upsert.
macro_rules! insert_one {
    ($tx:ident, $row:expr, $suffix:expr) => {{
        let row = $row;
        let values = $crate::facts::Fact::values(&row)?;
        let target = $crate::facts::target_of(&row);
        let (prefix, _) = $crate::bulk::dialect_of(&$tx);
        let mut sql = $crate::bulk::insert_sql(target.table, target.columns, 1, prefix);
        sql.push_str($suffix);
        sql.push_str(" RETURNING id");
        let mut query = sqlx::query_scalar(sqlx::AssertSqlSafe(sql));
        for value in &values {
            query = $crate::bulk::bind_val!(query, value);
        }
        let id: i64 = query.fetch_one(&mut *$tx).await?;
        id
    }};
}
pub(crate) use insert_one;

/// An amount in minor units of its currency.
pub(crate) fn minor(m: &Money) -> StoreResult<i64> {
    m.to_minor_units()
        .map_err(|e| StoreError::Invalid(format!("amount {m}: {e}")))
}

fn text(s: &str) -> Val {
    Val::Text(s.to_owned())
}

fn opt_text(s: Option<&str>) -> Val {
    Val::OptText(s.map(str::to_owned))
}

/// A sales channel (lead source).
pub(crate) struct ChannelRow<'a> {
    pub key: &'a str,
    pub name: &'a str,
}

pub(crate) const CHANNELS_TARGET: Target = Target {
    table: "channels",
    columns: &["key", "name"],
    key: &["key"],
    kept: &[],
    has_id: false,
    lines: false,
};

impl Fact for ChannelRow<'_> {
    const TARGET: &'static Target = &CHANNELS_TARGET;
    fn values(&self) -> StoreResult<Vec<Val>> {
        Ok(vec![text(self.key), text(self.name)])
    }
}

/// A product; its SKU is its key.
pub(crate) struct ProductRow<'a> {
    pub sku: &'a str,
    pub name: &'a str,
    pub category: &'a str,
    /// List price, whose currency is the product's.
    pub list_price: &'a Money,
    pub unit_cost: &'a Money,
    pub active: bool,
    pub external_id: Option<&'a str>,
}

/// Where products go.
pub(crate) const PRODUCTS_TARGET: Target = Target {
    table: "products",
    columns: &[
        "sku",
        "name",
        "category",
        "currency",
        "list_price_minor",
        "unit_cost_minor",
        "active",
        "external_id",
    ],
    key: &["sku"],
    kept: &[],
    has_id: true,
    lines: false,
};

impl Fact for ProductRow<'_> {
    const TARGET: &'static Target = &PRODUCTS_TARGET;
    fn values(&self) -> StoreResult<Vec<Val>> {
        Ok(vec![
            text(self.sku),
            text(self.name),
            text(self.category),
            text(self.list_price.currency().code()),
            Val::I64(minor(self.list_price)?),
            Val::I64(minor(self.unit_cost)?),
            Val::Bool(self.active),
            opt_text(self.external_id),
        ])
    }
}

/// A competitor; its name is its key.
pub(crate) struct CompetitorRow<'a> {
    pub name: &'a str,
    pub website: Option<&'a str>,
    pub price_position: Option<&'a str>,
    pub strengths: Option<&'a str>,
    pub weaknesses: Option<&'a str>,
    pub external_id: Option<&'a str>,
}

/// Where competitors go.
pub(crate) const COMPETITORS_TARGET: Target = Target {
    table: "competitors",
    columns: &[
        "name",
        "website",
        "price_position",
        "strengths",
        "weaknesses",
        "external_id",
    ],
    key: &["name"],
    kept: &[],
    has_id: true,
    lines: false,
};

impl Fact for CompetitorRow<'_> {
    const TARGET: &'static Target = &COMPETITORS_TARGET;
    fn values(&self) -> StoreResult<Vec<Val>> {
        Ok(vec![
            text(self.name),
            opt_text(self.website),
            opt_text(self.price_position),
            opt_text(self.strengths),
            opt_text(self.weaknesses),
            opt_text(self.external_id),
        ])
    }
}

/// A training course.
pub(crate) struct CourseRow<'a> {
    pub name: &'a str,
    pub kind: CourseKind,
    pub external_id: Option<&'a str>,
}

/// Where courses go.
pub(crate) const COURSES_TARGET: Target = Target {
    table: "courses",
    columns: &["name", "kind", "external_id"],
    key: &["external_id"],
    kept: &[],
    has_id: true,
    lines: false,
};

impl Fact for CourseRow<'_> {
    const TARGET: &'static Target = &COURSES_TARGET;
    fn values(&self) -> StoreResult<Vec<Val>> {
        Ok(vec![
            text(self.name),
            text(self.kind.key()),
            opt_text(self.external_id),
        ])
    }
}

/// A sales territory.
pub(crate) struct TerritoryRow<'a> {
    pub name: &'a str,
    pub parent: Option<i64>,
    pub external_id: Option<&'a str>,
}

/// Where territories go.
pub(crate) const TERRITORIES_TARGET: Target = Target {
    table: "territories",
    columns: &["name", "parent_id", "external_id"],
    key: &["external_id"],
    kept: &[],
    has_id: true,
    lines: false,
};

impl Fact for TerritoryRow<'_> {
    const TARGET: &'static Target = &TERRITORIES_TARGET;
    fn values(&self) -> StoreResult<Vec<Val>> {
        Ok(vec![
            text(self.name),
            Val::OptI64(self.parent),
            opt_text(self.external_id),
        ])
    }
}

/// A customer (account).
pub(crate) struct CustomerRow<'a> {
    pub name: &'a str,
    pub industry: Option<&'a str>,
    pub region: Option<&'a str>,
    pub size: Option<CustomerSize>,
    pub segment: Option<&'a str>,
    /// The channel's key.
    pub source_channel: Option<&'a str>,
    pub owner: Option<i64>,
    /// Files carry no territory: an update keeps the stored one.
    pub territory: Option<i64>,
    pub status: CustomerStatus,
    /// In the pool (客户公海): owned by nobody.
    pub in_pool: bool,
    pub created_on: NaiveDate,
    pub external_id: Option<&'a str>,
}

/// Where customers go.
pub(crate) const CUSTOMERS_TARGET: Target = Target {
    table: "customers",
    columns: &[
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
    key: &["external_id"],
    kept: &["territory_id"],
    has_id: true,
    lines: false,
};

impl Fact for CustomerRow<'_> {
    const TARGET: &'static Target = &CUSTOMERS_TARGET;
    fn values(&self) -> StoreResult<Vec<Val>> {
        Ok(vec![
            text(self.name),
            opt_text(self.industry),
            opt_text(self.region),
            Val::OptText(self.size.map(|s| s.key().to_owned())),
            opt_text(self.segment),
            opt_text(self.source_channel),
            Val::OptI64(self.owner),
            Val::OptI64(self.territory),
            text(self.status.key()),
            Val::Bool(self.in_pool),
            Val::Date(self.created_on),
            opt_text(self.external_id),
        ])
    }
}

/// A contact person.
pub(crate) struct ContactRow<'a> {
    /// None for a private contact.
    pub customer: Option<i64>,
    pub name: &'a str,
    pub title: Option<&'a str>,
    pub email: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub owner: Option<i64>,
    pub external_id: Option<&'a str>,
}

/// Where contacts go.
pub(crate) const CONTACTS_TARGET: Target = Target {
    table: "contacts",
    columns: &[
        "customer_id",
        "name",
        "title",
        "email",
        "phone",
        "owner_id",
        "external_id",
    ],
    key: &["external_id"],
    kept: &[],
    has_id: true,
    lines: false,
};

impl Fact for ContactRow<'_> {
    const TARGET: &'static Target = &CONTACTS_TARGET;
    fn values(&self) -> StoreResult<Vec<Val>> {
        Ok(vec![
            Val::OptI64(self.customer),
            text(self.name),
            opt_text(self.title),
            opt_text(self.email),
            opt_text(self.phone),
            Val::OptI64(self.owner),
            opt_text(self.external_id),
        ])
    }
}

/// An exchange rate: one unit of `currency` in base currency for a month.
pub(crate) struct RateRow<'a> {
    pub currency: &'a str,
    /// `YYYY-MM`.
    pub month: String,
    /// Exact decimal text.
    pub rate_to_base: String,
}

/// Where exchange rates go.
pub(crate) const EXCHANGE_RATES_TARGET: Target = Target {
    table: "exchange_rates",
    columns: &["currency", "month", "rate_to_base"],
    key: &["currency", "month"],
    kept: &[],
    has_id: false,
    lines: false,
};

impl Fact for RateRow<'_> {
    const TARGET: &'static Target = &EXCHANGE_RATES_TARGET;
    fn values(&self) -> StoreResult<Vec<Val>> {
        Ok(vec![
            text(self.currency),
            Val::Text(self.month.clone()),
            Val::Text(self.rate_to_base.clone()),
        ])
    }
}

/// A deal (opportunity).
pub(crate) struct DealRow<'a> {
    pub name: &'a str,
    pub customer: i64,
    pub owner: i64,
    /// Amount, whose currency is the deal's.
    pub amount: &'a Money,
    pub stage: &'a str,
    pub probability: u8,
    pub forecast_category: ForecastCategory,
    pub status: DealStatus,
    pub created_on: NaiveDate,
    pub expected_close_on: NaiveDate,
    pub closed_on: Option<NaiveDate>,
    pub lost_reason: Option<&'a str>,
    /// The channel's key.
    pub source_channel: Option<&'a str>,
    pub external_id: Option<&'a str>,
}

/// Where deals go.
pub(crate) const DEALS_TARGET: Target = Target {
    table: "deals",
    columns: &[
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
    key: &["external_id"],
    kept: &[],
    has_id: true,
    lines: false,
};

impl Fact for DealRow<'_> {
    const TARGET: &'static Target = &DEALS_TARGET;
    fn values(&self) -> StoreResult<Vec<Val>> {
        Ok(vec![
            text(self.name),
            Val::I64(self.customer),
            Val::I64(self.owner),
            text(self.amount.currency().code()),
            Val::I64(minor(self.amount)?),
            text(self.stage),
            Val::I64(i64::from(self.probability)),
            text(self.forecast_category.key()),
            text(self.status.key()),
            Val::Date(self.created_on),
            Val::Date(self.expected_close_on),
            Val::OptDate(self.closed_on),
            opt_text(self.lost_reason),
            opt_text(self.source_channel),
            opt_text(self.external_id),
        ])
    }
}

/// A deal entering a stage.
pub(crate) struct StageRow<'a> {
    pub deal: i64,
    pub stage: &'a str,
    pub entered_on: NaiveDate,
}

/// Where stage history goes.
pub(crate) const STAGES_TARGET: Target = Target {
    table: "deal_stage_history",
    columns: &["deal_id", "stage", "entered_on"],
    key: &[],
    kept: &[],
    has_id: true,
    lines: false,
};

impl Fact for StageRow<'_> {
    const TARGET: &'static Target = &STAGES_TARGET;
    fn values(&self) -> StoreResult<Vec<Val>> {
        Ok(vec![
            Val::I64(self.deal),
            text(self.stage),
            Val::Date(self.entered_on),
        ])
    }
}

/// A competitor involved in a deal.
pub(crate) struct DealCompetitorRow {
    pub deal: i64,
    pub competitor: i64,
}

/// Where deals' competitors go.
pub(crate) const DEAL_COMPETITORS_TARGET: Target = Target {
    table: "deal_competitors",
    columns: &["deal_id", "competitor_id"],
    key: &["deal_id", "competitor_id"],
    kept: &[],
    has_id: false,
    lines: false,
};

impl Fact for DealCompetitorRow {
    const TARGET: &'static Target = &DEAL_COMPETITORS_TARGET;
    fn values(&self) -> StoreResult<Vec<Val>> {
        Ok(vec![Val::I64(self.deal), Val::I64(self.competitor)])
    }
}

/// An order; its total and cost are the sums of its lines'.
pub(crate) struct OrderRow<'a> {
    pub number: &'a str,
    pub customer: i64,
    pub owner: i64,
    pub deal: Option<i64>,
    pub order_date: NaiveDate,
    pub currency: &'a str,
    pub total_minor: i64,
    pub cost_minor: i64,
    /// Cancelled orders count for nothing.
    pub cancelled: bool,
    pub external_id: Option<&'a str>,
}

/// Where orders go, with their lines.
pub(crate) const ORDERS_TARGET: Target = Target {
    table: "orders",
    columns: &[
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
    key: &["number"],
    kept: &[],
    has_id: true,
    lines: true,
};

impl Fact for OrderRow<'_> {
    const TARGET: &'static Target = &ORDERS_TARGET;
    fn values(&self) -> StoreResult<Vec<Val>> {
        Ok(vec![
            text(self.number),
            Val::I64(self.customer),
            Val::I64(self.owner),
            Val::OptI64(self.deal),
            Val::Date(self.order_date),
            text(self.currency),
            Val::I64(self.total_minor),
            Val::I64(self.cost_minor),
            text(if self.cancelled {
                "cancelled"
            } else {
                "confirmed"
            }),
            opt_text(self.external_id),
        ])
    }
}

/// A line of an order.
pub(crate) struct OrderLineRow<'a> {
    pub order: i64,
    pub product: Option<i64>,
    pub quantity: i64,
    pub unit_price: &'a Money,
    pub amount: &'a Money,
    pub cost: &'a Money,
}

/// Where order lines go (they are part of their order).
pub(crate) const ORDER_LINES_TARGET: Target = Target {
    table: "order_lines",
    columns: &[
        "order_id",
        "product_id",
        "quantity",
        "unit_price_minor",
        "amount_minor",
        "cost_minor",
    ],
    key: &[],
    kept: &[],
    has_id: true,
    lines: false,
};

impl Fact for OrderLineRow<'_> {
    const TARGET: &'static Target = &ORDER_LINES_TARGET;
    fn values(&self) -> StoreResult<Vec<Val>> {
        Ok(vec![
            Val::I64(self.order),
            Val::OptI64(self.product),
            Val::I64(self.quantity),
            Val::I64(minor(self.unit_price)?),
            Val::I64(minor(self.amount)?),
            Val::I64(minor(self.cost)?),
        ])
    }
}

/// Money received for an order (回款), or paid back.
pub(crate) struct MoneyMove<'a> {
    pub order: i64,
    pub on: NaiveDate,
    pub amount: &'a Money,
    /// The payment's method or the refund's reason.
    pub note: Option<&'a str>,
    pub external_id: Option<&'a str>,
}

impl MoneyMove<'_> {
    fn values(&self) -> StoreResult<Vec<Val>> {
        Ok(vec![
            Val::I64(self.order),
            Val::Date(self.on),
            text(self.amount.currency().code()),
            Val::I64(minor(self.amount)?),
            opt_text(self.note),
            opt_text(self.external_id),
        ])
    }
}

/// A payment received.
pub(crate) struct PaymentRow<'a>(pub MoneyMove<'a>);

/// A refund.
pub(crate) struct RefundRow<'a>(pub MoneyMove<'a>);

/// Where payments go.
pub(crate) const PAYMENTS_TARGET: Target = Target {
    table: "payments",
    columns: &[
        "order_id",
        "received_on",
        "currency",
        "amount_minor",
        "method",
        "external_id",
    ],
    key: &["external_id"],
    kept: &[],
    has_id: true,
    lines: false,
};

/// Where refunds go.
pub(crate) const REFUNDS_TARGET: Target = Target {
    table: "refunds",
    columns: &[
        "order_id",
        "refunded_on",
        "currency",
        "amount_minor",
        "reason",
        "external_id",
    ],
    key: &["external_id"],
    kept: &[],
    has_id: true,
    lines: false,
};

impl Fact for PaymentRow<'_> {
    const TARGET: &'static Target = &PAYMENTS_TARGET;
    fn values(&self) -> StoreResult<Vec<Val>> {
        self.0.values()
    }
}

impl Fact for RefundRow<'_> {
    const TARGET: &'static Target = &REFUNDS_TARGET;
    fn values(&self) -> StoreResult<Vec<Val>> {
        self.0.values()
    }
}

/// Marketing or sales spend.
pub(crate) struct SpendRow<'a> {
    /// The channel's key.
    pub channel: &'a str,
    pub kind: SpendKind,
    pub spent_on: NaiveDate,
    pub amount: &'a Money,
    pub unit: Option<i64>,
    pub description: Option<&'a str>,
    pub external_id: Option<&'a str>,
}

/// Where spend goes.
pub(crate) const SPEND_TARGET: Target = Target {
    table: "spend",
    columns: &[
        "channel",
        "kind",
        "spent_on",
        "currency",
        "amount_minor",
        "org_unit_id",
        "description",
        "external_id",
    ],
    key: &["external_id"],
    kept: &[],
    has_id: true,
    lines: false,
};

impl Fact for SpendRow<'_> {
    const TARGET: &'static Target = &SPEND_TARGET;
    fn values(&self) -> StoreResult<Vec<Val>> {
        Ok(vec![
            text(self.channel),
            text(self.kind.key()),
            Val::Date(self.spent_on),
            text(self.amount.currency().code()),
            Val::I64(minor(self.amount)?),
            Val::OptI64(self.unit),
            opt_text(self.description),
            opt_text(self.external_id),
        ])
    }
}

/// A call, visit, meeting or e-mail.
pub(crate) struct ActivityRow<'a> {
    pub kind: ActivityKind,
    pub owner: i64,
    pub customer: Option<i64>,
    pub deal: Option<i64>,
    pub contact: Option<i64>,
    /// The lead it was with (Attain keeps no leads), by the lead's ID.
    pub lead_external_id: Option<&'a str>,
    /// Another record it names that Attain does not keep, by its ID.
    pub related_external_id: Option<&'a str>,
    pub occurred_on: NaiveDate,
    pub subject: Option<&'a str>,
    pub external_id: Option<&'a str>,
}

/// Where activities go.
pub(crate) const ACTIVITIES_TARGET: Target = Target {
    table: "activities",
    columns: &[
        "kind",
        "owner_id",
        "customer_id",
        "deal_id",
        "contact_id",
        "lead_external_id",
        "related_external_id",
        "occurred_on",
        "subject",
        "external_id",
    ],
    key: &["external_id"],
    kept: &[],
    has_id: true,
    lines: false,
};

impl Fact for ActivityRow<'_> {
    const TARGET: &'static Target = &ACTIVITIES_TARGET;
    fn values(&self) -> StoreResult<Vec<Val>> {
        Ok(vec![
            text(self.kind.key()),
            Val::I64(self.owner),
            Val::OptI64(self.customer),
            Val::OptI64(self.deal),
            Val::OptI64(self.contact),
            opt_text(self.lead_external_id),
            opt_text(self.related_external_id),
            Val::Date(self.occurred_on),
            opt_text(self.subject),
            opt_text(self.external_id),
        ])
    }
}

/// A service ticket.
pub(crate) struct TicketRow<'a> {
    pub customer: Option<i64>,
    pub contact: Option<i64>,
    pub opened_at: DateTime<Utc>,
    pub first_response_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub priority: TicketPriority,
    pub category: Option<&'a str>,
    pub subject: Option<&'a str>,
    pub external_id: Option<&'a str>,
}

/// Where tickets go.
pub(crate) const TICKETS_TARGET: Target = Target {
    table: "tickets",
    columns: &[
        "customer_id",
        "contact_id",
        "opened_at",
        "first_response_at",
        "resolved_at",
        "priority",
        "category",
        "subject",
        "external_id",
    ],
    key: &["external_id"],
    kept: &[],
    has_id: true,
    lines: false,
};

impl Fact for TicketRow<'_> {
    const TARGET: &'static Target = &TICKETS_TARGET;
    fn values(&self) -> StoreResult<Vec<Val>> {
        Ok(vec![
            Val::OptI64(self.customer),
            Val::OptI64(self.contact),
            Val::Ts(self.opened_at),
            Val::OptTs(self.first_response_at),
            Val::OptTs(self.resolved_at),
            text(self.priority.key()),
            opt_text(self.category),
            opt_text(self.subject),
            opt_text(self.external_id),
        ])
    }
}

/// A CSAT or NPS survey response.
pub(crate) struct SurveyRow<'a> {
    pub customer: i64,
    pub kind: SurveyKind,
    pub score: u8,
    pub responded_on: NaiveDate,
    pub comment: Option<&'a str>,
    pub external_id: Option<&'a str>,
}

/// Where survey responses go.
pub(crate) const SURVEYS_TARGET: Target = Target {
    table: "survey_responses",
    columns: &[
        "customer_id",
        "kind",
        "score",
        "responded_on",
        "comment",
        "external_id",
    ],
    key: &["external_id"],
    kept: &[],
    has_id: true,
    lines: false,
};

impl Fact for SurveyRow<'_> {
    const TARGET: &'static Target = &SURVEYS_TARGET;
    fn values(&self) -> StoreResult<Vec<Val>> {
        Ok(vec![
            Val::I64(self.customer),
            text(self.kind.key()),
            Val::I64(i64::from(self.score)),
            Val::Date(self.responded_on),
            opt_text(self.comment),
            opt_text(self.external_id),
        ])
    }
}

/// A person enrolled in a course.
pub(crate) struct EnrolmentRow<'a> {
    pub course: i64,
    pub user: i64,
    pub assigned_on: NaiveDate,
    pub due_on: NaiveDate,
    pub completed_on: Option<NaiveDate>,
    /// 0–100.
    pub score: Option<u8>,
    pub external_id: Option<&'a str>,
}

/// Where enrolments go.
pub(crate) const ENROLMENTS_TARGET: Target = Target {
    table: "enrolments",
    columns: &[
        "course_id",
        "user_id",
        "assigned_on",
        "due_on",
        "completed_on",
        "score",
        "external_id",
    ],
    key: &["external_id"],
    kept: &[],
    has_id: true,
    lines: false,
};

impl Fact for EnrolmentRow<'_> {
    const TARGET: &'static Target = &ENROLMENTS_TARGET;
    fn values(&self) -> StoreResult<Vec<Val>> {
        Ok(vec![
            Val::I64(self.course),
            Val::I64(self.user),
            Val::Date(self.assigned_on),
            Val::Date(self.due_on),
            Val::OptDate(self.completed_on),
            Val::OptI64(self.score.map(i64::from)),
            opt_text(self.external_id),
        ])
    }
}

/// The size of a market: a segment in a region over a period.
pub(crate) struct MarketSizeRow<'a> {
    pub segment: &'a str,
    pub region: &'a str,
    pub period: &'a str,
    pub amount: &'a Money,
}

/// Where market sizes go.
pub(crate) const MARKET_SIZES_TARGET: Target = Target {
    table: "market_sizes",
    columns: &["segment", "region", "period", "currency", "amount_minor"],
    key: &["segment", "region", "period"],
    kept: &[],
    has_id: true,
    lines: false,
};

impl Fact for MarketSizeRow<'_> {
    const TARGET: &'static Target = &MARKET_SIZES_TARGET;
    fn values(&self) -> StoreResult<Vec<Val>> {
        Ok(vec![
            text(self.segment),
            text(self.region),
            text(self.period),
            text(self.amount.currency().code()),
            Val::I64(minor(self.amount)?),
        ])
    }
}

impl Target {
    /// ` ON CONFLICT (key) DO UPDATE SET c = excluded.c, …` for every
    /// column but the key and those an update leaves alone.
    pub(crate) fn upsert_suffix(&self) -> String {
        let sets: Vec<String> = self
            .columns
            .iter()
            .filter(|c| !self.key.contains(c) && !self.kept.contains(c))
            .map(|c| format!("{c} = excluded.{c}"))
            .collect();
        format!(
            " ON CONFLICT ({}) DO UPDATE SET {}",
            self.key.join(", "),
            sets.join(", ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_upsert_updates_every_column_but_its_key_and_those_it_keeps() {
        assert_eq!(
            CUSTOMERS_TARGET.upsert_suffix(),
            " ON CONFLICT (external_id) DO UPDATE SET name = excluded.name, industry = excluded.industry, region = excluded.region, size = excluded.size, segment = excluded.segment, source_channel = excluded.source_channel, owner_id = excluded.owner_id, status = excluded.status, in_pool = excluded.in_pool, created_on = excluded.created_on"
        );
        assert_eq!(
            MARKET_SIZES_TARGET.upsert_suffix(),
            " ON CONFLICT (segment, region, period) DO UPDATE SET currency = excluded.currency, amount_minor = excluded.amount_minor"
        );
    }

    /// Every row type gives one value per column of its table, so no value
    /// can land in the wrong column.
    #[test]
    fn every_row_has_one_value_per_column() {
        fn check<F: Fact>(row: F) {
            let values = row.values().expect("a valid row");
            assert_eq!(values.len(), F::TARGET.columns.len(), "{}", F::TARGET.table);
        }
        let day = NaiveDate::from_ymd_opt(2026, 1, 5).expect("a date");
        let cny = |n: i64| Money::from_minor_units(n, attain_core::Currency::CNY);
        let (a, b) = (cny(100), cny(40));
        check(ChannelRow {
            key: "web",
            name: "Web",
        });
        check(ProductRow {
            sku: "S",
            name: "P",
            category: "C",
            list_price: &a,
            unit_cost: &b,
            active: true,
            external_id: None,
        });
        check(CompetitorRow {
            name: "X",
            website: None,
            price_position: None,
            strengths: None,
            weaknesses: None,
            external_id: None,
        });
        check(CourseRow {
            name: "C",
            kind: CourseKind::Skill,
            external_id: None,
        });
        check(TerritoryRow {
            name: "T",
            parent: None,
            external_id: Some("T1"),
        });
        check(CustomerRow {
            name: "N",
            industry: None,
            region: None,
            size: None,
            segment: None,
            source_channel: None,
            owner: Some(1),
            territory: None,
            status: CustomerStatus::Active,
            in_pool: false,
            created_on: day,
            external_id: None,
        });
        check(ContactRow {
            customer: None,
            name: "N",
            title: None,
            email: None,
            phone: None,
            owner: None,
            external_id: None,
        });
        check(RateRow {
            currency: "USD",
            month: "2026-01".into(),
            rate_to_base: "7.1".into(),
        });
        check(DealRow {
            name: "D",
            customer: 1,
            owner: 1,
            amount: &a,
            stage: "won",
            probability: 100,
            forecast_category: ForecastCategory::Commit,
            status: DealStatus::Won,
            created_on: day,
            expected_close_on: day,
            closed_on: Some(day),
            lost_reason: None,
            source_channel: None,
            external_id: None,
        });
        check(StageRow {
            deal: 1,
            stage: "won",
            entered_on: day,
        });
        check(DealCompetitorRow {
            deal: 1,
            competitor: 1,
        });
        check(OrderRow {
            number: "O",
            customer: 1,
            owner: 1,
            deal: None,
            order_date: day,
            currency: "CNY",
            total_minor: 100,
            cost_minor: 40,
            cancelled: false,
            external_id: None,
        });
        check(OrderLineRow {
            order: 1,
            product: None,
            quantity: 1,
            unit_price: &a,
            amount: &a,
            cost: &b,
        });
        let money_move = || MoneyMove {
            order: 1,
            on: day,
            amount: &a,
            note: None,
            external_id: Some("P1"),
        };
        check(PaymentRow(money_move()));
        check(RefundRow(money_move()));
        check(SpendRow {
            channel: "web",
            kind: SpendKind::Marketing,
            spent_on: day,
            amount: &a,
            unit: None,
            description: None,
            external_id: None,
        });
        check(ActivityRow {
            kind: ActivityKind::Call,
            owner: 1,
            customer: None,
            deal: None,
            contact: None,
            lead_external_id: None,
            related_external_id: None,
            occurred_on: day,
            subject: None,
            external_id: None,
        });
        check(TicketRow {
            customer: None,
            contact: None,
            opened_at: Utc::now(),
            first_response_at: None,
            resolved_at: None,
            priority: TicketPriority::Low,
            category: None,
            subject: None,
            external_id: None,
        });
        check(SurveyRow {
            customer: 1,
            kind: SurveyKind::Nps,
            score: 9,
            responded_on: day,
            comment: None,
            external_id: None,
        });
        check(EnrolmentRow {
            course: 1,
            user: 1,
            assigned_on: day,
            due_on: day,
            completed_on: None,
            score: None,
            external_id: None,
        });
        check(MarketSizeRow {
            segment: "S",
            region: "R",
            period: "FY2026",
            amount: &a,
        });
    }
}
