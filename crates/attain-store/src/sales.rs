//! The CRM core's records as a person may read them: deals, customers and
//! orders scoped by visibility, filtered and paged.

use attain_core::sales::{
    Customer, CustomerStatus, Deal, DealStatus, Order, OrderLine, Payment, StageChange,
};
use attain_core::{CustomerId, DealId, ExternalId, OrderId, UserId, Visibility};
use chrono::NaiveDate;
use sqlx::Row;

use crate::bulk::Val;
use crate::{Store, StoreError, StoreResult, money_from_columns, on_pool};

/// received on, currency, amount, method, external ID.
type PaymentRow = (NaiveDate, String, i64, Option<String>, Option<String>);

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
    /// Every product's name by its ID (labels of a breakdown by product).
    pub async fn product_name_index(&self) -> StoreResult<std::collections::HashMap<i64, String>> {
        let rows: Vec<(i64, String)> = on_pool!(self, pool => {
            sqlx::query_as("SELECT id, name FROM products").fetch_all(pool).await?
        });
        Ok(rows.into_iter().collect())
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
