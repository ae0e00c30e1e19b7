//! The demo's writer: a batch of records that carry their own IDs, written
//! table by table in foreign-key order in one transaction, and what a bulk
//! load into an empty database needs around it (indexes dropped and
//! restored, identity sequences moved past the IDs, a consistency report).

use attain_core::sales::{
    Activity, Channel, Competitor, Contact, Course, Customer, Deal, Enrolment, ExchangeRate,
    MarketSize, Order, OrderLine, Payment, Product, Refund, Spend, StageChange, SurveyResponse,
    Ticket,
};
use attain_core::{CustomerId, DealId, ExternalId, ProductId, UserId};
use std::collections::HashMap;

use crate::BeginWrite as _;
use crate::bulk::bulk_insert;
use crate::facts::{
    ActivityRow, ChannelRow, CompetitorRow, ContactRow, CourseRow, CustomerRow, DealCompetitorRow,
    DealRow, EnrolmentRow, MarketSizeRow, MoneyMove, OrderLineRow, OrderRow, PaymentRow,
    ProductRow, RateRow, RefundRow, Rows, SpendRow, StageRow, SurveyRow, TicketRow, minor,
    rows_with_ids, table_rows,
};
use crate::{Store, StoreResult, on_pool};

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

fn ext(e: &Option<ExternalId>) -> Option<&str> {
    e.as_ref().map(ExternalId::as_str)
}

/// Every table of the batch, in foreign-key order, each written by its
/// one row type.
fn batch_tables(b: &SalesBatch) -> StoreResult<Vec<Rows>> {
    // An order's cost is the sum of its lines' (which come in the same batch).
    let mut cost_of: HashMap<i64, i64> = HashMap::new();
    for l in &b.order_lines {
        *cost_of.entry(l.order.raw()).or_default() += minor(&l.cost)?;
    }
    let mut total_of: HashMap<i64, i64> = HashMap::with_capacity(b.orders.len());
    for o in &b.orders {
        total_of.insert(o.id.raw(), minor(&o.total)?);
    }
    Ok(vec![
        table_rows(b.channels.iter().map(|c| ChannelRow {
            key: &c.key,
            name: &c.name,
        }))?,
        rows_with_ids(b.products.iter().map(|p| {
            (
                p.id.raw(),
                ProductRow {
                    sku: &p.sku,
                    name: &p.name,
                    category: &p.category,
                    list_price: &p.list_price,
                    unit_cost: &p.unit_cost,
                    active: p.active,
                    external_id: ext(&p.external_id),
                },
            )
        }))?,
        rows_with_ids(b.competitors.iter().map(|c| {
            (
                c.id.raw(),
                CompetitorRow {
                    name: &c.name,
                    website: None,
                    price_position: c.price_position.as_deref(),
                    strengths: c.strengths.as_deref(),
                    weaknesses: c.weaknesses.as_deref(),
                    external_id: None,
                },
            )
        }))?,
        rows_with_ids(b.courses.iter().map(|c| {
            (
                c.id.raw(),
                CourseRow {
                    name: &c.name,
                    kind: c.kind,
                    external_id: None,
                },
            )
        }))?,
        rows_with_ids(b.customers.iter().map(|c| {
            (
                c.id.raw(),
                CustomerRow {
                    name: &c.name,
                    industry: c.industry.as_deref(),
                    region: c.region.as_deref(),
                    size: c.size,
                    segment: c.segment.as_deref(),
                    source_channel: c.source_channel.as_deref(),
                    owner: c.owner.map(UserId::raw),
                    territory: c.territory.map(|t| t.raw()),
                    status: c.status,
                    in_pool: c.in_pool,
                    created_on: c.created_on,
                    external_id: ext(&c.external_id),
                },
            )
        }))?,
        rows_with_ids(b.contacts.iter().map(|c| {
            (
                c.id.raw(),
                ContactRow {
                    customer: c.customer.map(CustomerId::raw),
                    name: &c.name,
                    title: c.title.as_deref(),
                    email: c.email.as_deref(),
                    phone: c.phone.as_deref(),
                    owner: c.owner.map(UserId::raw),
                    external_id: ext(&c.external_id),
                },
            )
        }))?,
        table_rows(b.exchange_rates.iter().map(|r| RateRow {
            currency: r.currency.code(),
            month: r.month.format("%Y-%m").to_string(),
            rate_to_base: r.rate_to_base.normalize().to_string(),
        }))?,
        rows_with_ids(b.deals.iter().map(|d| {
            (
                d.id.raw(),
                DealRow {
                    name: &d.name,
                    customer: d.customer.raw(),
                    owner: d.owner.raw(),
                    amount: &d.amount,
                    stage: &d.stage,
                    probability: d.probability,
                    forecast_category: d.forecast_category,
                    status: d.status,
                    created_on: d.created_on,
                    expected_close_on: d.expected_close_on,
                    closed_on: d.closed_on,
                    lost_reason: d.lost_reason.as_deref(),
                    source_channel: d.source_channel.as_deref(),
                    external_id: ext(&d.external_id),
                },
            )
        }))?,
        table_rows(b.stage_changes.iter().map(|s| StageRow {
            deal: s.deal.raw(),
            stage: &s.stage,
            entered_on: s.entered_on,
        }))?,
        table_rows(b.deal_competitors.iter().map(|(d, c)| DealCompetitorRow {
            deal: d.raw(),
            competitor: c.raw(),
        }))?,
        rows_with_ids(b.orders.iter().map(|o| {
            (
                o.id.raw(),
                OrderRow {
                    number: &o.number,
                    customer: o.customer.raw(),
                    owner: o.owner.raw(),
                    deal: o.deal.map(DealId::raw),
                    order_date: o.order_date,
                    currency: o.total.currency().code(),
                    total_minor: total_of.get(&o.id.raw()).copied().unwrap_or(0),
                    cost_minor: cost_of.get(&o.id.raw()).copied().unwrap_or(0),
                    cancelled: o.cancelled,
                    external_id: ext(&o.external_id),
                },
            )
        }))?,
        table_rows(b.order_lines.iter().map(|l| OrderLineRow {
            order: l.order.raw(),
            product: l.product.map(ProductId::raw),
            quantity: l.quantity,
            unit_price: &l.unit_price,
            amount: &l.amount,
            cost: &l.cost,
        }))?,
        table_rows(b.payments.iter().map(|p| {
            PaymentRow(MoneyMove {
                order: p.order.raw(),
                on: p.received_on,
                amount: &p.amount,
                note: p.method.as_deref(),
                external_id: ext(&p.external_id),
            })
        }))?,
        table_rows(b.refunds.iter().map(|r| {
            RefundRow(MoneyMove {
                order: r.order.raw(),
                on: r.refunded_on,
                amount: &r.amount,
                note: r.reason.as_deref(),
                external_id: ext(&r.external_id),
            })
        }))?,
        table_rows(b.spend.iter().map(|s| SpendRow {
            channel: &s.channel,
            kind: s.kind,
            spent_on: s.spent_on,
            amount: &s.amount,
            unit: s.unit.map(|u| u.raw()),
            description: s.description.as_deref(),
            external_id: None,
        }))?,
        table_rows(b.activities.iter().map(|a| ActivityRow {
            kind: a.kind,
            owner: a.owner.raw(),
            customer: a.customer.map(CustomerId::raw),
            deal: a.deal.map(DealId::raw),
            contact: None,
            lead_external_id: None,
            related_external_id: None,
            occurred_on: a.occurred_on,
            subject: a.subject.as_deref(),
            external_id: None,
        }))?,
        table_rows(b.tickets.iter().map(|t| TicketRow {
            customer: Some(t.customer.raw()),
            contact: None,
            opened_at: t.opened_at,
            first_response_at: t.first_response_at,
            resolved_at: t.resolved_at,
            priority: t.priority,
            category: t.category.as_deref(),
            subject: t.subject.as_deref(),
            external_id: None,
        }))?,
        table_rows(b.surveys.iter().map(|s| SurveyRow {
            customer: s.customer.raw(),
            kind: s.kind,
            score: s.score,
            responded_on: s.responded_on,
            comment: s.comment.as_deref(),
            external_id: None,
        }))?,
        table_rows(b.enrolments.iter().map(|e| EnrolmentRow {
            course: e.course.raw(),
            user: e.user.raw(),
            assigned_on: e.assigned_on,
            due_on: e.due_on,
            completed_on: e.completed_on,
            score: e.score,
            external_id: None,
        }))?,
        table_rows(b.market_sizes.iter().map(|m| MarketSizeRow {
            segment: &m.segment,
            region: &m.region,
            period: &m.period,
            amount: &m.amount,
        }))?,
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

impl Store {
    /// Writes a batch in one transaction, tables in foreign-key order: all or nothing.
    pub async fn insert_sales_batch(&self, batch: &SalesBatch) -> StoreResult<()> {
        let tables = batch_tables(batch)?;
        on_pool!(self, pool => {
            let mut tx = pool.begin_serial().await?;
            for t in &tables {
                bulk_insert!(tx, t.table, &t.columns, &t.rows);
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

    /// Moves PostgreSQL identity sequences past IDs inserted explicitly
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
}
