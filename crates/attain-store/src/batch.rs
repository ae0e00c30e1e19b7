//! The demo's writer: a batch of records that carry their own IDs, written
//! table by table in foreign-key order in one transaction, and what a bulk
//! load into an empty database needs around it (indexes dropped and
//! restored, identity sequences moved past the IDs, a consistency report).

use attain_core::sales::{
    Activity, Channel, Competitor, Contact, Course, Customer, Deal, Enrolment, ExchangeRate,
    MarketSize, Order, OrderLine, Payment, Product, Refund, Spend, SpendKind, StageChange,
    SurveyResponse, Ticket,
};
use attain_core::{CustomerId, DealId, ExternalId, Money, UserId};

use crate::BeginWrite as _;
use crate::bulk::{Val, bulk_insert};
use crate::{Store, StoreError, StoreResult, on_pool};

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
