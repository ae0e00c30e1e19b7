//! KPI rollups: additive measures per owner and day (and month), the first
//! order of every customer and customers' active spells. Built from the
//! facts by one statement per table, refreshed for the owners and customers
//! a write touched inside that write's transaction, rebuilt from scratch by
//! [`Store::rebuild_rollups`]. The KPI engine reads only these.

use std::collections::{BTreeMap, BTreeSet};

use attain_core::{Currency, CustomerAttr, Measure, OrgUnitId, PerMeasure, UserId};
use chrono::{Days, NaiveDate};

use crate::BeginWrite as _;
use crate::access::audit;
use crate::{Store, StoreResult, on_conn, on_pool};

/// The rollup columns, in [`Measure::ALL`] order.
fn columns() -> impl Iterator<Item = &'static str> {
    Measure::ALL.into_iter().map(Measure::column)
}

/// The rollup columns joined by ", ".
fn column_list() -> String {
    columns().collect::<Vec<_>>().join(", ")
}

/// One contribution branch: owner expression, day expression, currency
/// expression, FROM/WHERE, and the measure expressions it sets.
struct Branch {
    owner: &'static str,
    /// The customer the fact concerns, if any (for the customer rollup).
    customer: Option<&'static str>,
    day: String,
    currency: &'static str,
    from: &'static str,
    set: Vec<(Measure, String)>,
}

/// Expressions that differ between the backends.
pub(crate) struct Dialect {
    /// Days from created to closed of a deal `d`.
    cycle_days: &'static str,
    /// Seconds between two instants.
    seconds: fn(&str, &str) -> String,
    /// The UTC day of an instant, as text.
    day_of: fn(&str) -> String,
    /// Orders joined to their lines, orders read first (SQLite takes
    /// CROSS JOIN as that order; it saves a lookup per line when a few
    /// owners' orders are found by their index).
    orders_then_lines: &'static str,
    /// The same join with the lines read first, in their table's order:
    /// the faster way through all of them (a rebuild, a first import).
    lines_then_orders: &'static str,
}

pub(crate) const SQLITE: Dialect = Dialect {
    cycle_days: "CAST(julianday(d.closed_on) - julianday(d.created_on) AS INTEGER)",
    seconds: |from, to| {
        format!("CAST(ROUND((julianday({to}) - julianday({from})) * 86400) AS INTEGER)")
    },
    day_of: |t| format!("SUBSTR({t}, 1, 10)"),
    orders_then_lines: "orders o CROSS JOIN order_lines l ON l.order_id = o.id",
    lines_then_orders: "order_lines l CROSS JOIN orders o ON o.id = l.order_id",
};

pub(crate) const POSTGRES: Dialect = Dialect {
    cycle_days: "(d.closed_on - d.created_on)",
    seconds: |from, to| format!("CAST(ROUND(EXTRACT(EPOCH FROM ({to} - {from}))) AS BIGINT)"),
    day_of: |t| format!("CAST(CAST({t} AT TIME ZONE 'UTC' AS DATE) AS TEXT)"),
    orders_then_lines: "orders o JOIN order_lines l ON l.order_id = o.id",
    lines_then_orders: "order_lines l JOIN orders o ON o.id = l.order_id",
};

fn branches(d: &Dialect) -> Vec<Branch> {
    let text = |c: &str| format!("CAST({c} AS TEXT)");
    let one = || "1".to_owned();
    vec![
        Branch {
            owner: "o.owner_id",
            customer: Some("o.customer_id"),
            day: text("o.order_date"),
            currency: "o.currency",
            from: "orders o WHERE o.status = 'confirmed'",
            set: vec![
                (Measure::OrderAmount, "o.total_minor".into()),
                (Measure::OrderCost, "o.cost_minor".into()),
            ],
        },
        Branch {
            owner: "o.owner_id",
            customer: Some("o.customer_id"),
            day: text("o.order_date"),
            currency: "''",
            from: "orders o WHERE o.status = 'confirmed'",
            set: vec![(Measure::Orders, one())],
        },
        Branch {
            owner: "o.owner_id",
            customer: Some("o.customer_id"),
            day: text("o.order_date"),
            currency: "r.currency",
            from: "refunds r JOIN orders o ON o.id = r.order_id WHERE o.status = 'confirmed'",
            set: vec![(Measure::RefundAmount, "r.amount_minor".into())],
        },
        Branch {
            owner: "d.owner_id",
            customer: Some("d.customer_id"),
            day: text("d.closed_on"),
            currency: "d.currency",
            from: "deals d WHERE d.status = 'won'",
            set: vec![(Measure::Bookings, "d.amount_minor".into())],
        },
        Branch {
            owner: "d.owner_id",
            customer: Some("d.customer_id"),
            day: text("d.closed_on"),
            currency: "''",
            from: "deals d WHERE d.status IN ('won', 'lost')",
            set: vec![
                (
                    Measure::DealsWon,
                    "CASE WHEN d.status = 'won' THEN 1 ELSE 0 END".into(),
                ),
                (
                    Measure::DealsLost,
                    "CASE WHEN d.status = 'lost' THEN 1 ELSE 0 END".into(),
                ),
                (
                    Measure::WonCycleDays,
                    format!(
                        "CASE WHEN d.status = 'won' THEN {} ELSE 0 END",
                        d.cycle_days
                    ),
                ),
            ],
        },
        Branch {
            owner: "d.owner_id",
            customer: Some("d.customer_id"),
            day: text("d.expected_close_on"),
            currency: "d.currency",
            from: "deals d WHERE d.status = 'open'",
            set: vec![(Measure::Pipeline, "d.amount_minor".into())],
        },
        Branch {
            owner: "o.owner_id",
            customer: Some("o.customer_id"),
            day: text("p.received_on"),
            currency: "p.currency",
            from: "payments p JOIN orders o ON o.id = p.order_id",
            set: vec![(Measure::Payments, "p.amount_minor".into())],
        },
        Branch {
            owner: "a.owner_id",
            customer: Some("a.customer_id"),
            day: text("a.occurred_on"),
            currency: "''",
            // 'other' (to-dos and the like) is kept but is no sales activity.
            from: "activities a WHERE a.kind <> 'other'",
            set: vec![(Measure::Activities, one())],
        },
        Branch {
            owner: "cu.owner_id",
            customer: Some("t.customer_id"),
            day: (d.day_of)("t.opened_at"),
            currency: "''",
            from: "tickets t LEFT JOIN customers cu ON cu.id = t.customer_id WHERE 1 = 1",
            set: vec![
                (Measure::Tickets, one()),
                (
                    Measure::RespondedTickets,
                    "CASE WHEN t.first_response_at IS NULL THEN 0 ELSE 1 END".into(),
                ),
                (
                    Measure::FirstResponseSeconds,
                    format!(
                        "COALESCE({}, 0)",
                        (d.seconds)("t.opened_at", "t.first_response_at")
                    ),
                ),
                (
                    Measure::ResolvedTickets,
                    "CASE WHEN t.resolved_at IS NULL THEN 0 ELSE 1 END".into(),
                ),
                (
                    Measure::ResolutionSeconds,
                    format!(
                        "COALESCE({}, 0)",
                        (d.seconds)("t.opened_at", "t.resolved_at")
                    ),
                ),
            ],
        },
        Branch {
            owner: "cu.owner_id",
            customer: Some("s.customer_id"),
            day: text("s.responded_on"),
            currency: "''",
            from: "survey_responses s JOIN customers cu ON cu.id = s.customer_id WHERE 1 = 1",
            set: vec![
                (
                    Measure::CsatResponses,
                    "CASE WHEN s.kind = 'csat' THEN 1 ELSE 0 END".into(),
                ),
                (
                    Measure::CsatSatisfied,
                    "CASE WHEN s.kind = 'csat' AND s.score >= 4 THEN 1 ELSE 0 END".into(),
                ),
                (
                    Measure::NpsResponses,
                    "CASE WHEN s.kind = 'nps' THEN 1 ELSE 0 END".into(),
                ),
                (
                    Measure::NpsPromoters,
                    "CASE WHEN s.kind = 'nps' AND s.score >= 9 THEN 1 ELSE 0 END".into(),
                ),
                (
                    Measure::NpsDetractors,
                    "CASE WHEN s.kind = 'nps' AND s.score <= 6 THEN 1 ELSE 0 END".into(),
                ),
            ],
        },
        Branch {
            owner: "e.user_id",
            customer: None,
            day: text("e.due_on"),
            currency: "''",
            from: "enrolments e WHERE 1 = 1",
            set: vec![
                (Measure::EnrolmentsDue, one()),
                (
                    Measure::EnrolmentsCompleted,
                    "CASE WHEN e.completed_on IS NULL THEN 0 ELSE 1 END".into(),
                ),
            ],
        },
    ]
}

/// `INSERT INTO kpi_owner_day … SELECT … GROUP BY` over every contribution,
/// for the owners `filter` admits (`None`: everyone).
pub(crate) fn day_rollup_sql(d: &Dialect, filter: Option<&str>) -> String {
    let mut parts = Vec::new();
    for b in branches(d) {
        let values: Vec<String> = Measure::ALL
            .iter()
            .map(|m| {
                b.set
                    .iter()
                    .find(|(k, _)| k == m)
                    .map_or_else(|| "0".to_owned(), |(_, e)| e.clone())
            })
            .collect();
        // Facts of customers nobody owns (the pool) count for the company
        // as owner 0, a person who does not exist: no unit or rep sees them.
        let owner = format!("COALESCE({}, 0)", b.owner);
        let owner_filter = filter.map_or(String::new(), |f| format!(" AND {owner} {f}"));
        parts.push(format!(
            "SELECT {owner} AS owner_id, {} AS day, {} AS currency, {} FROM {}{owner_filter}",
            b.day,
            b.currency,
            values
                .iter()
                .zip(columns())
                .map(|(v, m)| format!("{v} AS {m}"))
                .collect::<Vec<_>>()
                .join(", "),
            b.from,
        ));
    }
    let sums: Vec<String> = columns().map(|m| format!("SUM({m})")).collect();
    format!(
        "INSERT INTO kpi_owner_day (owner_id, day, currency, {}) SELECT owner_id, day, currency, {} FROM ({}) f GROUP BY owner_id, day, currency",
        column_list(),
        sums.join(", "),
        parts.join(" UNION ALL ")
    )
}

/// `INSERT INTO kpi_customer_month …` over every fact that concerns a
/// customer, for the customers `filter` admits (`None`: all).
pub(crate) fn customer_rollup_sql(d: &Dialect, filter: Option<&str>) -> String {
    let mut parts = Vec::new();
    for b in branches(d) {
        let Some(customer) = b.customer else { continue };
        let values: Vec<String> = Measure::ALL
            .iter()
            .map(|m| {
                let v = b
                    .set
                    .iter()
                    .find(|(k, _)| k == m)
                    .map_or_else(|| "0".to_owned(), |(_, e)| e.clone());
                format!("{v} AS {}", m.column())
            })
            .collect();
        let customer_filter = filter.map_or(String::new(), |f| format!(" AND {customer} {f}"));
        parts.push(format!(
            "SELECT {customer} AS customer_id, SUBSTR({}, 1, 7) AS month, {} AS currency, {} FROM {}{customer_filter} AND {customer} IS NOT NULL",
            b.day,
            b.currency,
            values.join(", "),
            b.from,
        ));
    }
    let sums: Vec<String> = columns().map(|m| format!("SUM({m})")).collect();
    format!(
        "INSERT INTO kpi_customer_month (customer_id, month, currency, {}) SELECT customer_id, month, currency, {} FROM ({}) f GROUP BY customer_id, month, currency",
        column_list(),
        sums.join(", "),
        parts.join(" UNION ALL ")
    )
}

/// Who is credited with which unit when: for each person, his memberships
/// (`user_id, org_unit_id, valid_from, valid_to`), chosen by the
/// `unit_credit` setting as the statement reads it. Crediting the current
/// unit is one membership per person that holds for all time; crediting
/// the unit at the transaction's date is his dated history, which covers
/// all time without a gap. Either way every fact of a person matches
/// exactly one row.
pub(crate) const CREDIT: &str = "(SELECT user_id, org_unit_id, valid_from, valid_to FROM unit_memberships WHERE (SELECT unit_credit FROM org_settings WHERE id = 1) = 'transaction_date' \
     UNION ALL SELECT id, org_unit_id, CAST(NULL AS TEXT), CAST(NULL AS TEXT) FROM users WHERE (SELECT unit_credit FROM org_settings WHERE id = 1) <> 'transaction_date')";

/// Whether the membership `alias` of [`CREDIT`] holds on the day `day`
/// (an ISO date as text).
pub(crate) fn holds_on(alias: &str, day: &str) -> String {
    format!(
        "({alias}.valid_from IS NULL OR {alias}.valid_from <= {day}) AND ({alias}.valid_to IS NULL OR {day} < {alias}.valid_to)"
    )
}

/// `INSERT INTO kpi_product_month …`: order lines per owner, the unit he
/// is credited to on the order's date, product and month.
pub(crate) fn product_rollup_sql(d: &Dialect, filter: Option<&str>, by_date: bool) -> String {
    let join = if filter.is_some() {
        d.orders_then_lines
    } else {
        d.lines_then_orders
    };
    let filter = filter.map_or(String::new(), |f| format!(" AND o.owner_id {f}"));
    format!(
        "INSERT INTO kpi_product_month (owner_id, unit_id, product_id, month, currency, line_amount_minor, line_cost_minor, quantity) SELECT o.owner_id, cm.org_unit_id, l.product_id, SUBSTR(CAST(o.order_date AS TEXT), 1, 7), o.currency, SUM(l.amount_minor), SUM(l.cost_minor), SUM(l.quantity) FROM {} JOIN {} cm ON cm.user_id = o.owner_id AND {} WHERE o.status = 'confirmed' AND l.product_id IS NOT NULL{filter} GROUP BY o.owner_id, cm.org_unit_id, l.product_id, SUBSTR(CAST(o.order_date AS TEXT), 1, 7), o.currency",
        join,
        credit_source(by_date),
        holds_on("cm", "CAST(o.order_date AS TEXT)"),
    )
}

/// [`CREDIT`] for a rollup that has read the setting: the memberships
/// themselves, or each person's one unit, so the database joins them by
/// their indexes.
pub(crate) fn credit_source(by_date: bool) -> &'static str {
    if by_date {
        "unit_memberships"
    } else {
        "(SELECT id AS user_id, org_unit_id, CAST(NULL AS TEXT) AS valid_from, CAST(NULL AS TEXT) AS valid_to FROM users)"
    }
}

pub(crate) fn month_rollup_sql(filter: Option<&str>) -> String {
    let sums: Vec<String> = columns().map(|m| format!("SUM({m})")).collect();
    let filter = filter.map_or(String::new(), |f| format!(" WHERE owner_id {f}"));
    format!(
        "INSERT INTO kpi_owner_month (owner_id, month, currency, {}) SELECT owner_id, SUBSTR(day, 1, 7), currency, {} FROM kpi_owner_day{filter} GROUP BY owner_id, SUBSTR(day, 1, 7), currency",
        column_list(),
        sums.join(", ")
    )
}

/// `INSERT INTO kpi_member_month …`: each owner's days summed per unit he
/// is credited to on each day, and month, for the owners `filter` admits
/// (`None`: all).
pub(crate) fn member_rollup_sql(filter: Option<&str>, by_date: bool) -> String {
    if !by_date {
        // Each owner's months all count for his one unit.
        let sums: Vec<String> = columns().map(|m| format!("t.{m}")).collect();
        let filter = filter.map_or(String::new(), |f| format!(" WHERE t.owner_id {f}"));
        return format!(
            "INSERT INTO kpi_member_month (owner_id, unit_id, month, currency, {}) SELECT t.owner_id, u.org_unit_id, t.month, t.currency, {} FROM kpi_owner_month t JOIN users u ON u.id = t.owner_id{filter}",
            column_list(),
            sums.join(", "),
        );
    }
    let sums: Vec<String> = columns().map(|m| format!("SUM(t.{m})")).collect();
    let filter = filter.map_or(String::new(), |f| format!(" WHERE t.owner_id {f}"));
    format!(
        "INSERT INTO kpi_member_month (owner_id, unit_id, month, currency, {}) SELECT t.owner_id, cm.org_unit_id, SUBSTR(t.day, 1, 7), t.currency, {} FROM kpi_owner_day t JOIN unit_memberships cm ON cm.user_id = t.owner_id AND {}{filter} GROUP BY t.owner_id, cm.org_unit_id, SUBSTR(t.day, 1, 7), t.currency",
        column_list(),
        sums.join(", "),
        holds_on("cm", "t.day"),
    )
}

/// `INSERT INTO kpi_unit_month …` from the members' months, for the units
/// `filter` admits (`None`: all).
pub(crate) fn unit_rollup_sql(filter: Option<&str>) -> String {
    let sums: Vec<String> = columns().map(|m| format!("SUM({m})")).collect();
    let filter = filter.map_or(String::new(), |f| format!(" WHERE unit_id {f}"));
    format!(
        "INSERT INTO kpi_unit_month (unit_id, month, currency, {}) SELECT unit_id, month, currency, {} FROM kpi_member_month{filter} GROUP BY unit_id, month, currency",
        column_list(),
        sums.join(", ")
    )
}

/// Recomputes the unit rollup of the units listed (IDs from the database).
macro_rules! refresh_unit_rollups {
    ($tx:ident, $units:expr) => {{
        let units: &std::collections::BTreeSet<i64> = $units;
        if !units.is_empty() {
            let list = $crate::kpi::id_list(units);
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DELETE FROM kpi_unit_month WHERE unit_id {list}"
            )))
            .execute(&mut *$tx)
            .await?;
            sqlx::query(sqlx::AssertSqlSafe($crate::kpi::unit_rollup_sql(Some(
                &list,
            ))))
            .execute(&mut *$tx)
            .await?;
        }
    }};
}
pub(crate) use refresh_unit_rollups;

pub(crate) fn firsts_sql(filter: Option<&str>) -> String {
    let filter = filter.map_or(String::new(), |f| format!(" AND o.customer_id {f}"));
    format!(
        "INSERT INTO customer_firsts (customer_id, owner_id, channel, first_on) SELECT o.customer_id, MAX(cu.owner_id), MAX(cu.source_channel), MIN(CAST(o.order_date AS TEXT)) FROM orders o JOIN customers cu ON cu.id = o.customer_id WHERE o.status = 'confirmed'{filter} GROUP BY o.customer_id"
    )
}

/// ` IN (1,2,3)` for IDs read from the database (never text from input).
pub(crate) fn id_list(ids: &BTreeSet<i64>) -> String {
    let list: Vec<String> = ids.iter().map(i64::to_string).collect();
    format!("IN ({})", list.join(","))
}

/// What a write touched: the rollups of these owners and customers are
/// recomputed in its transaction.
#[derive(Debug, Clone, Default)]
pub(crate) struct Touched {
    pub owners: BTreeSet<i64>,
    pub customers: BTreeSet<i64>,
}

/// A list of touched customers this long is worth counting the table for:
/// if it names every customer, the refresh rebuilds whole instead.
pub(crate) const LONG_ID_LIST: usize = 500;

/// Beyond this many touched owners a refresh rebuilds everything.
pub(crate) const REFRESH_ALL_ABOVE: usize = 2_000;

/// Active spells of a customer from its sorted order dates.
pub(crate) fn spells(dates: &[NaiveDate], window: u64) -> Vec<(NaiveDate, NaiveDate)> {
    let mut out: Vec<(NaiveDate, NaiveDate)> = Vec::new();
    for &d in dates {
        let inactive = d.checked_add_days(Days::new(window)).unwrap_or(d);
        match out.last_mut() {
            Some((_, end)) if d < *end => *end = (*end).max(inactive),
            _ => out.push((d, inactive)),
        }
    }
    out
}

/// Recomputes the rollups of what `$touched` names (everything when
/// `None`), inside the open transaction `$tx` of `$store`.
macro_rules! refresh_rollups {
    ($store:expr, $tx:ident, $touched:expr) => {{
        let touched: Option<&$crate::kpi::Touched> = $touched;
        let dialect = match $store.backend() {
            $crate::Backend::Sqlite => &$crate::kpi::SQLITE,
            $crate::Backend::Postgres => &$crate::kpi::POSTGRES,
        };
        let started = std::time::Instant::now();
        // A write that touched everyone (a company's first import) rebuilds
        // everything: the same rows, without lists of every ID. People are
        // few enough to count every time; customers only for a long list
        // (a single edit never counts a million customers).
        let touched_people = touched.map_or(0, |t| t.owners.iter().filter(|o| **o != 0).count());
        let everyone = touched_people > 0 && {
            let people: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(&mut *$tx).await?;
            i64::try_from(touched_people).unwrap_or(i64::MAX) >= people
        };
        let all = everyone || touched.is_none_or(|t| t.owners.len() > $crate::kpi::REFRESH_ALL_ABOVE);
        let credit: String = sqlx::query_scalar("SELECT unit_credit FROM org_settings WHERE id = 1").fetch_one(&mut *$tx).await?;
        let by_date = credit == "transaction_date";
        let owners = touched.map(|t| $crate::kpi::id_list(&t.owners));
        let owner_filter = if all { None } else { owners.as_deref() };
        if all || touched.is_some_and(|t| !t.owners.is_empty()) {
            let where_owner = owner_filter.map_or(String::new(), |f| format!(" WHERE owner_id {f}"));
            sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM kpi_owner_day{where_owner}"))).execute(&mut *$tx).await?;
            sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM kpi_owner_month{where_owner}"))).execute(&mut *$tx).await?;
            sqlx::query(sqlx::AssertSqlSafe($crate::kpi::day_rollup_sql(dialect, owner_filter))).execute(&mut *$tx).await?;
            tracing::debug!(ms = started.elapsed().as_millis() as u64, "rollup: owner days");
            sqlx::query(sqlx::AssertSqlSafe($crate::kpi::month_rollup_sql(owner_filter))).execute(&mut *$tx).await?;
            sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM kpi_product_month{where_owner}"))).execute(&mut *$tx).await?;
            sqlx::query(sqlx::AssertSqlSafe($crate::kpi::product_rollup_sql(dialect, owner_filter, by_date))).execute(&mut *$tx).await?;
            tracing::debug!(ms = started.elapsed().as_millis() as u64, "rollup: owner months, products");
            match owner_filter {
                None => {
                    sqlx::query("DELETE FROM kpi_member_month").execute(&mut *$tx).await?;
                    sqlx::query(sqlx::AssertSqlSafe($crate::kpi::member_rollup_sql(None, by_date))).execute(&mut *$tx).await?;
                    sqlx::query("DELETE FROM kpi_unit_month").execute(&mut *$tx).await?;
                    sqlx::query(sqlx::AssertSqlSafe($crate::kpi::unit_rollup_sql(None))).execute(&mut *$tx).await?;
                }
                Some(list) => {
                    // The units they counted for before and after: a
                    // person who moved leaves one and joins another.
                    let units_sql = format!("SELECT DISTINCT unit_id FROM kpi_member_month WHERE owner_id {list}");
                    let mut units: std::collections::BTreeSet<i64> = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(units_sql.clone())).fetch_all(&mut *$tx).await?.into_iter().collect();
                    sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM kpi_member_month WHERE owner_id {list}"))).execute(&mut *$tx).await?;
                    sqlx::query(sqlx::AssertSqlSafe($crate::kpi::member_rollup_sql(Some(list), by_date))).execute(&mut *$tx).await?;
                    units.extend(sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(units_sql)).fetch_all(&mut *$tx).await?);
                    $crate::kpi::refresh_unit_rollups!($tx, &units);
                }
            }
        }
        let customers = touched.map(|t| $crate::kpi::id_list(&t.customers));
        let touched_customers = touched.map_or(0, |t| t.customers.len());
        let every_customer = touched_customers > $crate::kpi::LONG_ID_LIST && {
            let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM customers").fetch_one(&mut *$tx).await?;
            i64::try_from(touched_customers).unwrap_or(i64::MAX) >= stored
        };
        let all_customers = all || every_customer || touched_customers > $crate::kpi::REFRESH_ALL_ABOVE * 10;
        let customer_filter = if all_customers { None } else { customers.as_deref() };
        if all_customers || touched.is_some_and(|t| !t.customers.is_empty()) {
            let where_customer = customer_filter.map_or(String::new(), |f| format!(" WHERE customer_id {f}"));
            sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM kpi_customer_month{where_customer}"))).execute(&mut *$tx).await?;
            sqlx::query(sqlx::AssertSqlSafe($crate::kpi::customer_rollup_sql(dialect, customer_filter))).execute(&mut *$tx).await?;
            tracing::debug!(ms = started.elapsed().as_millis() as u64, "rollup: units, customer months");
            sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM customer_firsts{where_customer}"))).execute(&mut *$tx).await?;
            sqlx::query(sqlx::AssertSqlSafe($crate::kpi::firsts_sql(customer_filter))).execute(&mut *$tx).await?;
            sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM customer_spells{where_customer}"))).execute(&mut *$tx).await?;
            let window: i64 = sqlx::query_scalar("SELECT CAST(inactivity_days AS BIGINT) FROM org_settings WHERE id = 1").fetch_one(&mut *$tx).await?;
            let order_filter = customer_filter.map_or(String::new(), |f| format!(" AND o.customer_id {f}"));
            let rows: Vec<(i64, Option<i64>, chrono::NaiveDate)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT o.customer_id, cu.owner_id, o.order_date FROM orders o JOIN customers cu ON cu.id = o.customer_id WHERE o.status = 'confirmed'{order_filter} ORDER BY o.customer_id, o.order_date"
            )))
            .fetch_all(&mut *$tx)
            .await?;
            let window = u64::try_from(window).unwrap_or(365);
            let mut out = Vec::new();
            let mut i = 0;
            while i < rows.len() {
                let (customer, owner, _) = rows[i];
                let mut dates = Vec::new();
                while i < rows.len() && rows[i].0 == customer {
                    dates.push(rows[i].2);
                    i += 1;
                }
                for (start, inactive) in $crate::kpi::spells(&dates, window) {
                    out.push(vec![
                        $crate::bulk::Val::I64(customer),
                        $crate::bulk::Val::OptI64(owner),
                        $crate::bulk::Val::Text(start.to_string()),
                        $crate::bulk::Val::Text(inactive.to_string()),
                    ]);
                }
            }
            tracing::debug!(ms = started.elapsed().as_millis() as u64, "rollup: firsts, spells computed");
            $crate::bulk::bulk_insert!($tx, "customer_spells", &["customer_id", "owner_id", "start_on", "inactive_on"], &out);
        }
    }};
}
pub(crate) use refresh_rollups;

/// Whose facts a KPI covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OwnerSet {
    /// Everyone.
    All,
    /// The people of an org unit's subtree.
    Subtree(OrgUnitId),
    /// One person.
    One(UserId),
}

/// How measures are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grain {
    /// One total.
    Total,
    /// Per owner.
    Owner,
    /// Per calendar month (`YYYY-MM`).
    Month,
    /// Per day.
    Day,
    /// Per org unit the owners belong to (key: the unit ID).
    Unit,
    /// Per org unit and month (key: `"<unit ID> <YYYY-MM>"`).
    UnitMonth,
}

/// Summed measures for one group and currency ("" for the count row).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeasureRow {
    /// The group: "" (total), an owner ID, a month or a day.
    pub key: String,
    /// Currency of the money measures ("" for counts).
    pub currency: String,
    /// For money in a currency other than the base one, the month
    /// (`YYYY-MM`) its facts fall in, so each is converted at the rate of
    /// its own month; "" for counts and base-currency money.
    pub month: String,
    /// The requested measures' sums (the others zero).
    pub values: PerMeasure<i64>,
}

/// The month a rollup row is converted in: its own for foreign money, none
/// for counts and base-currency money (which need no rate). `base` is an
/// ISO code from `Currency`, three capital letters, so it is safe inline.
fn fx_month(currency: &str, base: Currency, month_of: &str) -> String {
    format!(
        "CASE WHEN {currency} IN ('', '{}') THEN '' ELSE SUBSTR({month_of}, 1, 7) END",
        base.code()
    )
}

/// The condition that picks `owners`' facts dated `day` (an ISO date as
/// text): a unit's are those of the people credited to its subtree on
/// that day, as the `unit_credit` setting says. With the CTE it needs and
/// the value bound to `$1`.
fn owner_clause(owners: &OwnerSet, day: &str) -> (String, &'static str, i64) {
    match owners {
        OwnerSet::All => ("CAST($1 AS BIGINT) = 0".into(), "", 0),
        OwnerSet::Subtree(unit) => (
            format!(
                "EXISTS (SELECT 1 FROM {CREDIT} cm WHERE cm.user_id = owner_id AND cm.org_unit_id IN (SELECT id FROM scope_units) AND {})",
                holds_on("cm", day)
            ),
            crate::sales::SCOPE_CTE,
            unit.raw(),
        ),
        OwnerSet::One(user) => ("owner_id = $1".into(), "", user.raw()),
    }
}

/// First and last whole month (`YYYY-MM`), and day ranges around them.
type SplitRange = (Option<(String, String)>, Vec<(NaiveDate, NaiveDate)>);

/// The whole months inside [from, to] and the days outside them.
fn split_range(from: NaiveDate, to: NaiveDate) -> SplitRange {
    use chrono::Datelike;
    let first_whole = if from.day() == 1 {
        Some(from)
    } else {
        from.with_day(1)
            .and_then(|d| d.checked_add_months(chrono::Months::new(1)))
    };
    let Some(first_whole) = first_whole else {
        return (None, vec![(from, to)]);
    };
    // Last day of the last whole month.
    let after_to = to.succ_opt().unwrap_or(to);
    let last_whole_end = if after_to.day() == 1 {
        Some(to)
    } else {
        to.with_day(1).and_then(|d| d.pred_opt())
    };
    match last_whole_end {
        Some(end) if first_whole <= end => {
            let mut days = Vec::new();
            if from < first_whole {
                days.push((from, first_whole.pred_opt().unwrap_or(from)));
            }
            if end < to {
                days.push((end.succ_opt().unwrap_or(to), to));
            }
            (
                Some((
                    first_whole.format("%Y-%m").to_string(),
                    end.format("%Y-%m").to_string(),
                )),
                days,
            )
        }
        _ => (None, vec![(from, to)]),
    }
}

impl Store {
    /// Rebuilds every rollup from the facts (`attain rollup rebuild`).
    pub async fn rebuild_rollups(&self) -> StoreResult<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_serial().await?;
            refresh_rollups!(self, tx, None);
            tx.commit().await?;
        });
        Ok(())
    }

    /// Sums of `measures` for `owners` over [from, to], grouped by `grain`,
    /// one row per group and currency. Whole months are read from the
    /// monthly rollup, the days around them from the daily one.
    pub async fn owner_measures(
        &self,
        owners: &OwnerSet,
        from: NaiveDate,
        to: NaiveDate,
        grain: Grain,
        measures: &[Measure],
        base: Currency,
    ) -> StoreResult<Vec<MeasureRow>> {
        if measures.is_empty() || from > to {
            return Ok(Vec::new());
        }
        let (clause, prefix, bind) = owner_clause(owners, "t.day");
        // Money lives in currency rows, counts in the '' row: read only the rows that hold what is asked.
        let currency_filter = if measures.iter().all(|m| m.is_money()) {
            " AND currency <> ''"
        } else if measures.iter().all(|m| !m.is_money()) {
            " AND currency = ''"
        } else {
            ""
        };
        let clause = format!("{clause}{currency_filter}");
        let (months, days) = if grain == Grain::Day {
            (None, vec![(from, to)])
        } else {
            split_range(from, to)
        };
        let cols: Vec<String> = measures
            .iter()
            .enumerate()
            .map(|(i, m)| format!("SUM({}) AS m{i}", m.column()))
            .collect();
        // `unit`: the column of the unit a row is credited to.
        let group = |table_key: &str, unit: &str| match grain {
            Grain::Total => "currency".to_owned(),
            Grain::Owner => "owner_id, currency".to_owned(),
            Grain::Month => format!("SUBSTR({table_key}, 1, 7), currency"),
            Grain::Day => format!("{table_key}, currency"),
            Grain::Unit => format!("{unit}, currency"),
            Grain::UnitMonth => format!("{unit}, SUBSTR({table_key}, 1, 7), currency"),
        };
        let key = |table_key: &str, unit: &str| match grain {
            Grain::Total => "''".to_owned(),
            Grain::Owner => "CAST(owner_id AS TEXT)".to_owned(),
            Grain::Month => format!("SUBSTR({table_key}, 1, 7)"),
            Grain::Day => table_key.to_owned(),
            Grain::Unit => format!("CAST({unit} AS TEXT)"),
            Grain::UnitMonth => {
                format!("CAST({unit} AS TEXT) || ' ' || SUBSTR({table_key}, 1, 7)")
            }
        };
        let unit_grain = matches!(grain, Grain::Unit | Grain::UnitMonth);
        // Days by unit: each day of an owner joined to the unit he is credited to on it.
        let day_join = if unit_grain {
            format!(
                " t JOIN {CREDIT} u ON u.user_id = t.owner_id AND {}",
                holds_on("u", "t.day")
            )
        } else {
            " t".to_owned()
        };
        // Whole months of unit groupings come from the unit rollup, the
        // other whole months of a unit from its members' months.
        let unit_clause = match owners {
            OwnerSet::All => "CAST($1 AS BIGINT) = 0",
            OwnerSet::Subtree(_) => "unit_id IN (SELECT id FROM scope_units)",
            OwnerSet::One(_) => "owner_id = $1",
        };
        let use_unit_table = unit_grain && !matches!(owners, OwnerSet::One(_));
        let use_member_table =
            !use_unit_table && (unit_grain || matches!(owners, OwnerSet::Subtree(_)));
        let mut parts = Vec::new();
        let mut binds: Vec<String> = Vec::new();
        let mut next = 2;
        if let Some((first, last)) = &months {
            let fx = fx_month("currency", base, "month");
            let (table, k, g, filter) = if use_unit_table {
                let (k, g) = match grain {
                    Grain::UnitMonth => (
                        "CAST(unit_id AS TEXT) || ' ' || month",
                        "unit_id, month, currency",
                    ),
                    _ => ("CAST(unit_id AS TEXT)", "unit_id, currency"),
                };
                let filter = format!("{unit_clause}{currency_filter}");
                ("kpi_unit_month", k.to_owned(), g.to_owned(), filter)
            } else if use_member_table {
                let filter = format!("{unit_clause}{currency_filter}");
                (
                    "kpi_member_month",
                    key("month", "unit_id"),
                    group("month", "unit_id"),
                    filter,
                )
            } else {
                // Everyone's, or one person's (no unit in the question).
                (
                    "kpi_owner_month",
                    key("month", "unit_id"),
                    group("month", "unit_id"),
                    clause.clone(),
                )
            };
            parts.push(format!(
                "SELECT {k} AS k, currency, {fx} AS fx, {} FROM {table} WHERE {filter} AND month >= ${next} AND month <= ${} GROUP BY {g}, {fx}",
                cols.join(", "),
                next + 1,
            ));
            binds.push(first.clone());
            binds.push(last.clone());
            next += 2;
        }
        for (a, b) in &days {
            let fx = fx_month("currency", base, "day");
            parts.push(format!(
                "SELECT {} AS k, currency, {fx} AS fx, {} FROM kpi_owner_day{day_join} WHERE {clause} AND day >= ${next} AND day <= ${} GROUP BY {}, {fx}",
                key("day", "u.org_unit_id"),
                cols.join(", "),
                next + 1,
                group("day", "u.org_unit_id"),
            ));
            binds.push(a.to_string());
            binds.push(b.to_string());
            next += 2;
        }
        let outer: Vec<String> = (0..measures.len())
            .map(|i| format!("CAST(SUM(m{i}) AS BIGINT)"))
            .collect();
        let sql = format!(
            "{prefix}SELECT k, currency, fx, {} FROM ({}) x GROUP BY k, currency, fx ORDER BY k, currency, fx",
            outer.join(", "),
            parts.join(" UNION ALL "),
        );
        let rows = on_pool!(self, pool => {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(bind);
            for b in &binds {
                q = q.bind(b.as_str());
            }
            let fetched = q.fetch_all(pool).await?;
            let mut out = Vec::with_capacity(fetched.len());
            for row in &fetched {
                use sqlx::Row;
                let mut values = PerMeasure::default();
                for (i, m) in measures.iter().enumerate() {
                    values[*m] = row.try_get::<Option<i64>, _>(i + 3)?.unwrap_or(0);
                }
                out.push(MeasureRow {
                    key: row.try_get::<String, _>(0)?,
                    currency: row.try_get::<String, _>(1)?,
                    month: row.try_get::<String, _>(2)?,
                    values,
                });
            }
            out
        });
        Ok(rows)
    }

    /// New customers (first confirmed order in [from, to]) of `owners`,
    /// counted per group: "" (total), owner ID, month, or source channel.
    pub async fn new_customers(
        &self,
        owners: &OwnerSet,
        from: NaiveDate,
        to: NaiveDate,
        by: NewCustomersBy,
    ) -> StoreResult<BTreeMap<String, i64>> {
        let (clause, prefix, bind) = owner_clause(owners, "first_on");
        let key = match by {
            NewCustomersBy::Total => "''",
            NewCustomersBy::Owner => "CAST(owner_id AS TEXT)",
            NewCustomersBy::Month => "SUBSTR(first_on, 1, 7)",
            NewCustomersBy::Channel => "COALESCE(channel, '')",
        };
        let group = if by == NewCustomersBy::Total {
            String::new()
        } else {
            format!(" GROUP BY {key}")
        };
        let sql = format!(
            "{prefix}SELECT {key}, COUNT(*) FROM customer_firsts WHERE {clause} AND first_on >= $2 AND first_on <= $3{group}"
        );
        let rows: Vec<(String, i64)> = on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(bind).bind(from.to_string()).bind(to.to_string()).fetch_all(pool).await?
        });
        Ok(rows.into_iter().collect())
    }

    /// Customers of `owners` active on `start` (an order within the
    /// inactivity window before it) and, of those, the ones that became
    /// inactive by `end`, per owner ("" key when `per_owner` is false).
    pub async fn churn_counts(
        &self,
        owners: &OwnerSet,
        start: NaiveDate,
        end: NaiveDate,
        per_owner: bool,
    ) -> StoreResult<BTreeMap<String, (i64, i64)>> {
        // A unit's customers on `start` are those of the people credited to it that day.
        let (clause, prefix, bind) = owner_clause(owners, "$2");
        let key = if per_owner {
            "CAST(owner_id AS TEXT)"
        } else {
            "''"
        };
        let group = if per_owner {
            format!(" GROUP BY {key}")
        } else {
            String::new()
        };
        let sql = format!(
            "{prefix}SELECT {key}, COUNT(*), CAST(SUM(CASE WHEN inactive_on <= $3 THEN 1 ELSE 0 END) AS BIGINT) FROM customer_spells WHERE {clause} AND start_on <= $2 AND inactive_on > $2{group}"
        );
        let rows: Vec<(String, i64, Option<i64>)> = on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(bind).bind(start.to_string()).bind(end.to_string()).fetch_all(pool).await?
        });
        Ok(rows
            .into_iter()
            .map(|(k, a, c)| (k, (a, c.unwrap_or(0))))
            .collect())
    }

    /// Spend in [from, to] (minor units per currency), optionally only one
    /// channel's, and only what is booked to `unit`'s subtree (`None`: all
    /// spend of the company, booked or not).
    pub async fn spend_sum(
        &self,
        unit: Option<OrgUnitId>,
        channel: Option<&str>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<Vec<(String, i64)>> {
        let (prefix, unit_clause, bind) = match unit {
            Some(u) => (
                crate::sales::SCOPE_CTE,
                "org_unit_id IN (SELECT id FROM scope_units)",
                u.raw(),
            ),
            None => ("", "CAST($1 AS BIGINT) = 0", 0),
        };
        let channel_clause = if channel.is_some() {
            " AND channel = $4"
        } else {
            ""
        };
        let sql = format!(
            "{prefix}SELECT currency, CAST(SUM(amount_minor) AS BIGINT) FROM spend WHERE {unit_clause} AND spent_on >= $2 AND spent_on <= $3{channel_clause} GROUP BY currency"
        );
        let rows: Vec<(String, Option<i64>)> = on_pool!(self, pool => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(bind).bind(from).bind(to);
            if let Some(c) = channel {
                q = q.bind(c);
            }
            q.fetch_all(pool).await?
        });
        Ok(rows.into_iter().map(|(c, s)| (c, s.unwrap_or(0))).collect())
    }

    /// The last day any rollup has figures for.
    pub async fn latest_rollup_day(&self) -> StoreResult<Option<NaiveDate>> {
        let day: Option<String> = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT MAX(day) FROM kpi_owner_day WHERE orders > 0").fetch_one(pool).await?
        });
        Ok(day.and_then(|d| d.parse().ok()))
    }

    /// Exchange rates (currency, month `YYYY-MM`) → base units per unit.
    pub async fn exchange_rates(&self) -> StoreResult<BTreeMap<(String, String), String>> {
        let rows: Vec<(String, String, String)> = on_conn!(self, conn => {
            sqlx::query_as("SELECT currency, month, rate_to_base FROM exchange_rates").fetch_all(&mut *conn).await?
        });
        Ok(rows.into_iter().map(|(c, m, r)| ((c, m), r)).collect())
    }

    /// Fixed plan rates: (currency, fiscal year) → units of the base
    /// currency per unit, as exact decimal text.
    pub async fn plan_rates(&self) -> StoreResult<BTreeMap<(String, i32), String>> {
        let rows: Vec<(String, i32, String)> = on_pool!(self, pool => {
            sqlx::query_as("SELECT currency, fiscal_year, rate_to_base FROM plan_rates ORDER BY currency, fiscal_year").fetch_all(pool).await?
        });
        Ok(rows.into_iter().map(|(c, y, r)| ((c, y), r)).collect())
    }

    /// Sets (or, with `None`, removes) the plan rate of a currency for a
    /// fiscal year, audited with the rate before and after.
    pub async fn set_plan_rate(
        &self,
        actor: &crate::Actor,
        currency: Currency,
        fiscal_year: i32,
        rate: Option<&str>,
    ) -> StoreResult<()> {
        let id = format!("{}/FY{fiscal_year}", currency.code());
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let before: Option<String> = sqlx::query_scalar("SELECT rate_to_base FROM plan_rates WHERE currency = $1 AND fiscal_year = $2")
                .bind(currency.code()).bind(fiscal_year).fetch_optional(&mut *tx).await?;
            match rate {
                Some(rate) => {
                    sqlx::query("INSERT INTO plan_rates (currency, fiscal_year, rate_to_base) VALUES ($1, $2, $3) ON CONFLICT (currency, fiscal_year) DO UPDATE SET rate_to_base = excluded.rate_to_base")
                        .bind(currency.code()).bind(fiscal_year).bind(rate).execute(&mut *tx).await?;
                }
                None if before.is_none() => {
                    return Err(crate::StoreError::NotFound { entity: "plan rate", id });
                }
                None => {
                    sqlx::query("DELETE FROM plan_rates WHERE currency = $1 AND fiscal_year = $2")
                        .bind(currency.code()).bind(fiscal_year).execute(&mut *tx).await?;
                }
            }
            let action = match (&before, rate) {
                (None, _) => crate::AuditAction::Create,
                (Some(_), Some(_)) => crate::AuditAction::Update,
                (Some(_), None) => crate::AuditAction::Delete,
            };
            audit!(tx, actor, action, "plan_rate", id,
                before.map(|r| serde_json::json!({"rate_to_base": r})),
                rate.map(|r| serde_json::json!({"rate_to_base": r})));
            tx.commit().await?;
            Ok(())
        })
    }
}

/// Groups for [`Store::new_customers`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NewCustomersBy {
    /// One total.
    Total,
    /// Per customer owner.
    Owner,
    /// Per month of the first order.
    Month,
    /// Per source channel.
    Channel,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_range_splits_into_whole_months_and_the_days_around_them() {
        assert_eq!(
            split_range(d("2026-01-01"), d("2026-03-31")),
            (Some(("2026-01".into(), "2026-03".into())), vec![])
        );
        assert_eq!(
            split_range(d("2026-01-15"), d("2026-04-10")),
            (
                Some(("2026-02".into(), "2026-03".into())),
                vec![
                    (d("2026-01-15"), d("2026-01-31")),
                    (d("2026-04-01"), d("2026-04-10"))
                ]
            )
        );
        assert_eq!(
            split_range(d("2026-03-02"), d("2026-03-08")),
            (None, vec![(d("2026-03-02"), d("2026-03-08"))])
        );
    }

    #[test]
    fn spells_join_orders_closer_than_the_window() {
        let s = spells(&[d("2025-01-01"), d("2025-06-01"), d("2026-12-01")], 365);
        assert_eq!(
            s,
            vec![
                (d("2025-01-01"), d("2026-06-01")),
                (d("2026-12-01"), d("2027-12-01"))
            ]
        );
    }
}

/// A custom metric as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomMetric {
    /// Key, used like a built-in metric's.
    pub key: String,
    /// Name in English.
    pub name_en: String,
    /// Name in Chinese.
    pub name_zh: String,
    /// The formula as written.
    pub formula: String,
    /// Unit key (`ratio`, `percent`, `money`, …).
    pub unit: String,
}

impl Store {
    /// Every custom metric, by key.
    pub async fn custom_metrics(&self) -> StoreResult<Vec<CustomMetric>> {
        let rows: Vec<(String, String, String, String, String)> = on_pool!(self, pool => {
            sqlx::query_as("SELECT key, name_en, name_zh, formula, unit FROM custom_metrics ORDER BY key").fetch_all(pool).await?
        });
        Ok(rows
            .into_iter()
            .map(|(key, name_en, name_zh, formula, unit)| CustomMetric {
                key,
                name_en,
                name_zh,
                formula,
                unit,
            })
            .collect())
    }

    /// Creates or replaces a custom metric, recording before and after in
    /// the audit log. The caller has checked the formula.
    pub async fn save_custom_metric(
        &self,
        actor: &crate::Actor,
        metric: &CustomMetric,
    ) -> StoreResult<()> {
        let json = |m: &CustomMetric| serde_json::json!({"key": m.key, "name_en": m.name_en, "name_zh": m.name_zh, "formula": m.formula, "unit": m.unit});
        let before = self
            .custom_metrics()
            .await?
            .into_iter()
            .find(|m| m.key == metric.key);
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("INSERT INTO custom_metrics (key, name_en, name_zh, formula, unit, updated_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (key) DO UPDATE SET name_en = excluded.name_en, name_zh = excluded.name_zh, formula = excluded.formula, unit = excluded.unit, updated_at = excluded.updated_at")
                .bind(&metric.key)
                .bind(&metric.name_en)
                .bind(&metric.name_zh)
                .bind(&metric.formula)
                .bind(&metric.unit)
                .bind(chrono::Utc::now())
                .execute(&mut *tx)
                .await?;
            let action = if before.is_some() { crate::AuditAction::Update } else { crate::AuditAction::Create };
            crate::access::audit!(tx, actor, action, "metric", metric.key.clone(), before.as_ref().map(json), Some(json(metric)));
            tx.commit().await?;
        });
        Ok(())
    }

    /// Deletes a custom metric (audited); `NotFound` if there is none.
    pub async fn delete_custom_metric(&self, actor: &crate::Actor, key: &str) -> StoreResult<()> {
        let before = self
            .custom_metrics()
            .await?
            .into_iter()
            .find(|m| m.key == key)
            .ok_or_else(|| crate::StoreError::NotFound {
                entity: "metric",
                id: key.to_owned(),
            })?;
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("DELETE FROM custom_metrics WHERE key = $1").bind(key).execute(&mut *tx).await?;
            let json = serde_json::json!({"key": before.key, "formula": before.formula, "unit": before.unit});
            crate::access::audit!(tx, actor, crate::AuditAction::Delete, "metric", key.to_owned(), Some(json), None::<serde_json::Value>);
            tx.commit().await?;
        });
        Ok(())
    }
}

/// The SQL expression of a customer attribute (customers aliased `cu`).
fn attr_column(attr: CustomerAttr) -> &'static str {
    match attr {
        CustomerAttr::Segment => "COALESCE(cu.segment, '')",
        CustomerAttr::Region => "COALESCE(cu.region, '')",
        CustomerAttr::Industry => "COALESCE(cu.industry, '')",
        CustomerAttr::Channel => "COALESCE(cu.source_channel, '')",
        CustomerAttr::Size => "COALESCE(cu.size, '')",
        CustomerAttr::Territory => "COALESCE(CAST(cu.territory_id AS TEXT), '')",
    }
}

/// Groups of customer-linked figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CustomerGrain {
    /// One total.
    Total,
    /// Per month.
    Month,
    /// Per value of an attribute.
    Attr(CustomerAttr),
}

/// Which order lines a product figure covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProductFilter {
    /// All products.
    All,
    /// One product.
    Product(i64),
    /// A category.
    Category(String),
}

/// Groups of product figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProductGrain {
    /// One total.
    Total,
    /// Per month.
    Month,
    /// Per product (key: its ID).
    Product,
    /// Per category.
    Category,
}

impl Store {
    /// Customer-linked measures over whole months [`first`, `last`]
    /// (`YYYY-MM`), for customers whose attribute has a value (or all).
    pub async fn customer_measures(
        &self,
        filter: Option<(CustomerAttr, &str)>,
        first: &str,
        last: &str,
        grain: CustomerGrain,
        measures: &[Measure],
        base: Currency,
    ) -> StoreResult<Vec<MeasureRow>> {
        if measures.is_empty() {
            return Ok(Vec::new());
        }
        let cols: Vec<String> = measures
            .iter()
            .map(|m| format!("CAST(SUM(m.{}) AS BIGINT)", m.column()))
            .collect();
        let (key, group) = match grain {
            CustomerGrain::Total => ("''".to_owned(), "m.currency".to_owned()),
            CustomerGrain::Month => ("m.month".to_owned(), "m.month, m.currency".to_owned()),
            CustomerGrain::Attr(a) => (
                attr_column(a).to_owned(),
                format!("{}, m.currency", attr_column(a)),
            ),
        };
        let currency = if measures.iter().all(|m| m.is_money()) {
            " AND m.currency <> ''"
        } else if measures.iter().all(|m| !m.is_money()) {
            " AND m.currency = ''"
        } else {
            ""
        };
        let attr = filter.map_or(String::new(), |(a, _)| {
            format!(" AND {} = $3", attr_column(a))
        });
        let fx = fx_month("m.currency", base, "m.month");
        let sql = format!(
            "SELECT {key}, m.currency, {fx}, {} FROM kpi_customer_month m JOIN customers cu ON cu.id = m.customer_id WHERE m.month >= $1 AND m.month <= $2{attr}{currency} GROUP BY {group}, {fx}",
            cols.join(", ")
        );
        on_pool!(self, pool => {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(first).bind(last);
            if let Some((_, value)) = filter {
                q = q.bind(value);
            }
            let fetched = q.fetch_all(pool).await?;
            let mut out = Vec::with_capacity(fetched.len());
            for row in &fetched {
                use sqlx::Row;
                let mut values = PerMeasure::default();
                for (i, m) in measures.iter().enumerate() {
                    values[*m] = row.try_get::<Option<i64>, _>(i + 3)?.unwrap_or(0);
                }
                out.push(MeasureRow { key: row.try_get::<String, _>(0)?, currency: row.try_get::<String, _>(1)?, month: row.try_get::<String, _>(2)?, values });
            }
            Ok(out)
        })
    }

    /// Order lines over whole months, for `owners` and the products
    /// `filter` admits, per `grain`: their amounts as
    /// [`Measure::OrderAmount`], their costs as [`Measure::OrderCost`]
    /// (refunds belong to orders, not lines, so they are none here).
    pub async fn product_measures(
        &self,
        owners: &OwnerSet,
        filter: &ProductFilter,
        first: &str,
        last: &str,
        grain: ProductGrain,
        base: Currency,
    ) -> StoreResult<Vec<MeasureRow>> {
        let (clause, prefix, bind) = match owners {
            OwnerSet::Subtree(unit) => (
                "unit_id IN (SELECT id FROM scope_units)".to_owned(),
                crate::sales::SCOPE_CTE,
                unit.raw(),
            ),
            _ => owner_clause(owners, ""),
        };
        let (key, group) = match grain {
            ProductGrain::Total => ("''", "m.currency"),
            ProductGrain::Month => ("m.month", "m.month, m.currency"),
            ProductGrain::Product => ("CAST(m.product_id AS TEXT)", "m.product_id, m.currency"),
            ProductGrain::Category => ("p.category", "p.category, m.currency"),
        };
        let product = match filter {
            ProductFilter::All => "",
            ProductFilter::Product(_) => " AND m.product_id = $4",
            ProductFilter::Category(_) => " AND p.category = $4",
        };
        let fx = fx_month("m.currency", base, "m.month");
        let sql = format!(
            "{prefix}SELECT {key}, m.currency, {fx}, CAST(SUM(m.line_amount_minor) AS BIGINT), CAST(SUM(m.line_cost_minor) AS BIGINT) FROM kpi_product_month m JOIN products p ON p.id = m.product_id WHERE {} AND m.month >= $2 AND m.month <= $3{product} GROUP BY {group}, {fx}",
            clause
                .replace("owner_id", "m.owner_id")
                .replace("unit_id", "m.unit_id")
        );
        on_pool!(self, pool => {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(bind).bind(first).bind(last);
            match filter {
                ProductFilter::All => {}
                ProductFilter::Product(id) => q = q.bind(*id),
                ProductFilter::Category(c) => q = q.bind(c.as_str()),
            }
            let fetched = q.fetch_all(pool).await?;
            let mut out = Vec::with_capacity(fetched.len());
            for row in &fetched {
                use sqlx::Row;
                let mut values = PerMeasure::default();
                values[Measure::OrderAmount] = row.try_get::<Option<i64>, _>(3)?.unwrap_or(0);
                values[Measure::OrderCost] = row.try_get::<Option<i64>, _>(4)?.unwrap_or(0);
                out.push(MeasureRow { key: row.try_get::<String, _>(0)?, currency: row.try_get::<String, _>(1)?, month: row.try_get::<String, _>(2)?, values });
            }
            Ok(out)
        })
    }
}
