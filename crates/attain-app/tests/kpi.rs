//! The KPI engine against sums computed here, independently, from the raw
//! facts of the demo company (read through the store's plain record reads,
//! not the rollups), on both backends; and rollups kept up to date by
//! imports equal a rebuild from scratch.
#![allow(clippy::unwrap_used, missing_docs)]

use std::collections::{BTreeMap, HashMap};

use attain_core::kpi::Expr;
use attain_core::{OrgUnitKind, Period, UserId, Visibility};
use attain_demo::{DemoOptions, Scale};
use attain_kpi::{Dim, Engine, KpiQuery, Scope};
use attain_store::{FieldValue, Record, RecordFilter, Store};
use attain_testkit::store_test;
use chrono::NaiveDate;
use rust_decimal::Decimal;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

async fn company(store: &Store) {
    let options = DemoOptions {
        seed: 7,
        scale: Scale::Small,
        as_of: d("2026-06-30"),
    };
    attain_demo::build(store, options, "not-a-real-hash", |_, _| {})
        .await
        .unwrap();
}

async fn all_records(store: &Store, entity: &str) -> Vec<Record> {
    let mut out = Vec::new();
    loop {
        let page = store
            .records_visible(
                entity,
                &Visibility::Everything,
                &RecordFilter::default(),
                out.len() as i64,
                1000,
            )
            .await
            .unwrap();
        let n = page.items.len();
        out.extend(page.items);
        if n < 1000 {
            return out;
        }
    }
}

fn field<'a>(r: &'a Record, name: &str) -> &'a FieldValue {
    &r.fields.iter().find(|(n, _)| *n == name).unwrap().1
}
fn int(r: &Record, name: &str) -> Option<i64> {
    match field(r, name) {
        FieldValue::Int(i) => Some(*i),
        _ => None,
    }
}
fn date(r: &Record, name: &str) -> Option<NaiveDate> {
    match field(r, name) {
        FieldValue::Date(x) => Some(*x),
        _ => None,
    }
}
fn money(r: &Record, name: &str) -> Decimal {
    match field(r, name) {
        FieldValue::Money(m) => m.amount(),
        _ => Decimal::ZERO,
    }
}
fn text(r: &Record, name: &str) -> String {
    match field(r, name) {
        FieldValue::Text(t) => t.clone(),
        _ => String::new(),
    }
}

/// The raw facts, read without the rollups.
struct Facts {
    deals: Vec<attain_core::sales::Deal>,
    orders: Vec<attain_core::sales::Order>,
    refunds: Vec<Record>,
    payments: Vec<Record>,
    activities: Vec<Record>,
    surveys: Vec<Record>,
    enrolments: Vec<Record>,
    customer_owner: HashMap<i64, Option<UserId>>,
    customer_segment: HashMap<i64, Option<String>>,
}

async fn facts(store: &Store) -> Facts {
    let mut deals = Vec::new();
    loop {
        let page = store
            .deals_visible(
                &Visibility::Everything,
                &Default::default(),
                deals.len() as i64,
                1000,
            )
            .await
            .unwrap();
        let n = page.items.len();
        deals.extend(page.items);
        if n < 1000 {
            break;
        }
    }
    let mut orders = Vec::new();
    loop {
        let page = store
            .orders_visible(
                &Visibility::Everything,
                &Default::default(),
                orders.len() as i64,
                1000,
            )
            .await
            .unwrap();
        let n = page.items.len();
        orders.extend(page.items);
        if n < 1000 {
            break;
        }
    }
    let mut customer_owner = HashMap::new();
    let mut customer_segment = HashMap::new();
    let mut offset = 0;
    loop {
        let page = store
            .customers_visible(&Visibility::Everything, &Default::default(), offset, 1000)
            .await
            .unwrap();
        let n = page.items.len();
        offset += n as i64;
        for c in page.items {
            customer_owner.insert(c.id.raw(), c.owner);
            customer_segment.insert(c.id.raw(), c.segment.clone());
        }
        if n < 1000 {
            break;
        }
    }
    Facts {
        deals,
        orders,
        refunds: all_records(store, "refunds").await,
        payments: all_records(store, "payments").await,
        activities: all_records(store, "activities").await,
        surveys: all_records(store, "surveys").await,
        enrolments: all_records(store, "enrolments").await,
        customer_owner,
        customer_segment,
    }
}

async fn value(engine: &Engine<'_>, metric: &str, period: &str, scope: Scope) -> Option<Decimal> {
    let period = engine.calendar().parse(period).unwrap();
    let q = KpiQuery {
        metric: metric.into(),
        formula: None,
        period,
        scope,
        by: vec![],
        target: None,
    };
    engine.answer(&q).await.unwrap().rows[0].value
}

fn within(p: &Period, day: NaiveDate) -> bool {
    p.contains(day)
}

fn pct(a: usize, b: usize) -> Option<Decimal> {
    (b > 0).then(|| Decimal::from(a as i64) / Decimal::from(b as i64) * Decimal::ONE_HUNDRED)
}

/// Every KPI compared in a test, one case per metric and scope: a
/// mismatch is recorded and the test goes on, so the first wrong figure
/// does not hide the others; the test fails at the end naming them all.
#[derive(Default)]
struct Checks {
    cases: usize,
    failed: Vec<String>,
}

impl Checks {
    fn finish(self) {
        assert!(self.cases > 0, "no KPI was compared");
        assert!(
            self.failed.is_empty(),
            "{} of {} KPI checks failed:\n{}",
            self.failed.len(),
            self.cases,
            self.failed.join("\n")
        );
    }
}

/// Compares one figure with its independent computation, naming the case
/// (the expression, which holds the metric and scope) when they differ.
macro_rules! check_eq {
    ($checks:expr, $left:expr, $right:expr $(,)?) => {
        check_eq!($checks, $left, $right, "")
    };
    ($checks:expr, $left:expr, $right:expr, $($what:tt)+) => {{
        let (left, right) = (&$left, &$right);
        $checks.cases += 1;
        if left != right {
            $checks.failed.push(format!(
                "line {}: {} {}: got {:?}, expected {:?}",
                line!(),
                stringify!($left),
                format!($($what)+),
                left,
                right
            ));
        }
    }};
}

store_test!(async fn kpis_equal_sums_of_the_raw_facts(store) {
    let mut checks = Checks::default();
    company(&store).await;
    let engine = Engine::new(&store).await.unwrap();
    let f = facts(&store).await;
    let cal = engine.calendar();
    let tree = store.org_tree().await.unwrap();
    let confirmed: Vec<_> = f.orders.iter().filter(|o| !o.cancelled).collect();
    let order_by_id: HashMap<i64, &attain_core::sales::Order> = confirmed.iter().map(|o| (o.id.raw(), *o)).collect();

    // Revenue: confirmed orders by order date, net of their refunds.
    let revenue = |p: &Period, owner: &dyn Fn(UserId) -> bool| -> Decimal {
        let gross: Decimal = confirmed.iter().filter(|o| within(p, o.order_date) && owner(o.owner)).map(|o| o.total.amount()).sum();
        let refunds: Decimal = f.refunds.iter().filter_map(|r| {
            let o = order_by_id.get(&int(r, "order_id").unwrap())?;
            (within(p, o.order_date) && owner(o.owner)).then(|| money(r, "amount"))
        }).sum();
        gross - refunds
    };
    let q1 = cal.parse("2026-Q1").unwrap();
    check_eq!(checks, value(&engine, "revenue", "2026-Q1", Scope::Company).await, Some(revenue(&q1, &|_| true)));

    // Revenue of every rep for a month, in one breakdown.
    let march = cal.parse("2026-03").unwrap();
    let answer = engine.answer(&KpiQuery { metric: "revenue".into(), formula: None, period: march, scope: Scope::Company, by: vec![Dim::Rep], target: None }).await.unwrap();
    assert!(answer.rows.len() > 10);
    for row in &answer.rows {
        let rep = UserId::from_raw(row.keys[0].parse().unwrap());
        check_eq!(checks, row.value, Some(revenue(&march, &|o| o == rep)), "{}", row.labels[0]);
    }

    // Bookings by region for a year; win rate by team.
    let y2025 = cal.parse("2025").unwrap();
    let regions: Vec<_> = tree.units().filter(|u| u.kind == OrgUnitKind::Region).map(|u| u.id).collect();
    for region in &regions {
        let expected: Decimal = f.deals.iter().filter(|x| x.status == attain_core::sales::DealStatus::Won && x.closed_on.is_some_and(|c| within(&y2025, c)) && tree.user_is_within(x.owner, *region)).map(|x| x.amount.amount()).sum();
        check_eq!(checks, value(&engine, "bookings", "2025", Scope::Unit(*region)).await, Some(expected));
    }
    let team = tree.units().find(|u| u.kind == OrgUnitKind::Team).unwrap().id;
    let closed: Vec<_> = f.deals.iter().filter(|x| x.closed_on.is_some_and(|c| within(&y2025, c)) && tree.user_is_within(x.owner, team)).collect();
    let won = closed.iter().filter(|x| x.status == attain_core::sales::DealStatus::Won).count();
    check_eq!(checks, value(&engine, "win_rate", "2025", Scope::Unit(team)).await, pct(won, closed.len()));
    let won_deals: Vec<_> = closed.iter().filter(|x| x.status == attain_core::sales::DealStatus::Won).collect();
    let days: i64 = won_deals.iter().map(|x| (x.closed_on.unwrap() - x.created_on).num_days()).sum();
    check_eq!(checks, value(&engine, "sales_cycle_days", "2025", Scope::Unit(team)).await, Some(Decimal::from(days) / Decimal::from(won_deals.len() as i64)));
    let bookings: Decimal = won_deals.iter().map(|x| x.amount.amount()).sum();
    check_eq!(checks, value(&engine, "avg_deal_size", "2025", Scope::Unit(team)).await, Some(bookings / Decimal::from(won_deals.len() as i64)));

    // Pipeline: open deals expected to close in the period.
    let q3 = cal.parse("2026-Q3").unwrap();
    let open: Decimal = f.deals.iter().filter(|x| x.status == attain_core::sales::DealStatus::Open && within(&q3, x.expected_close_on)).map(|x| x.amount.amount()).sum();
    check_eq!(checks, value(&engine, "pipeline", "2026-Q3", Scope::Company).await, Some(open));

    // Payments by received date for the order's owner; activities of one rep in a week.
    let q2 = cal.parse("2026-Q2").unwrap();
    let region = regions[0];
    let paid: Decimal = f.payments.iter().filter(|p| within(&q2, date(p, "received_on").unwrap()) && tree.user_is_within(order_by_id[&int(p, "order_id").unwrap()].owner, region)).map(|p| money(p, "amount")).sum();
    check_eq!(checks, value(&engine, "payments", "2026-Q2", Scope::Unit(region)).await, Some(paid));
    let rep = confirmed[0].owner;
    let week = cal.parse("2026-W10").unwrap();
    let n = f.activities.iter().filter(|a| int(a, "owner_id") == Some(rep.raw()) && within(&week, date(a, "occurred_on").unwrap())).count();
    check_eq!(checks, value(&engine, "activities", "2026-W10", Scope::Rep(rep)).await, Some(Decimal::from(n as i64)));

    // CSAT and NPS for the company.
    let in_year: Vec<_> = f.surveys.iter().filter(|s| within(&y2025, date(s, "responded_on").unwrap())).collect();
    let csat: Vec<_> = in_year.iter().filter(|s| text(s, "kind") == "csat").collect();
    let satisfied = csat.iter().filter(|s| int(s, "score").unwrap() >= 4).count();
    check_eq!(checks, value(&engine, "csat", "2025", Scope::Company).await, pct(satisfied, csat.len()));
    let nps: Vec<_> = in_year.iter().filter(|s| text(s, "kind") == "nps").collect();
    let promoters = nps.iter().filter(|s| int(s, "score").unwrap() >= 9).count() as i64;
    let detractors = nps.iter().filter(|s| int(s, "score").unwrap() <= 6).count() as i64;
    check_eq!(checks, value(&engine, "nps", "2025", Scope::Company).await, Some(Decimal::from(promoters - detractors) / Decimal::from(nps.len() as i64) * Decimal::ONE_HUNDRED));

    // Training completion: enrolments due in the period.
    let due: Vec<_> = f.enrolments.iter().filter(|e| within(&y2025, date(e, "due_on").unwrap())).collect();
    let done = due.iter().filter(|e| date(e, "completed_on").is_some()).count();
    check_eq!(checks, value(&engine, "training_completion", "2025", Scope::Company).await, pct(done, due.len()));

    // New customers and churn, from every customer's order dates.
    let mut dates: BTreeMap<i64, Vec<NaiveDate>> = BTreeMap::new();
    for o in &confirmed {
        dates.entry(o.customer.raw()).or_default().push(o.order_date);
    }
    for v in dates.values_mut() {
        v.sort();
    }
    let new = dates.iter().filter(|(c, v)| within(&y2025, v[0]) && f.customer_owner[c].is_some()).count();
    check_eq!(checks, value(&engine, "new_customers", "2025", Scope::Company).await, Some(Decimal::from(new as i64)));
    let (start, end) = (y2025.start(), y2025.last_day());
    let (mut active, mut churned) = (0, 0);
    for (c, v) in &dates {
        if f.customer_owner[c].is_none() {
            continue;
        }
        // The chain of orders less than a year apart that covers the start.
        let Some(mut last) = v.iter().copied().filter(|o| *o <= start).max() else { continue };
        if (start - last).num_days() >= 365 {
            continue;
        }
        active += 1;
        while let Some(next) = v.iter().copied().find(|o| *o > last && (*o - last).num_days() < 365) {
            last = next;
        }
        if last + chrono::Days::new(365) <= end {
            churned += 1;
        }
    }
    check_eq!(checks, value(&engine, "churn_rate", "2025", Scope::Company).await, pct(churned, active));

    // A custom formula is a ratio of the sums.
    let formula = Expr::parse("payments / revenue").unwrap();
    let paid_2025: Decimal = f.payments.iter().filter(|p| within(&y2025, date(p, "received_on").unwrap())).map(|p| money(p, "amount")).sum();
    let q = KpiQuery { metric: "cash ratio".into(), formula: Some(formula), period: y2025, scope: Scope::Company, by: vec![], target: None };
    check_eq!(checks, engine.answer(&q).await.unwrap().rows[0].value, Some(paid_2025 / revenue(&y2025, &|_| true)));

    // Breakdowns by team, and by region and month, agree with each unit on its own.
    let by_team = engine.answer(&KpiQuery { metric: "win_rate".into(), formula: None, period: y2025, scope: Scope::Company, by: vec![Dim::Team], target: None }).await.unwrap();
    assert!(by_team.rows.len() >= 3);
    for row in &by_team.rows {
        let unit = attain_core::OrgUnitId::from_raw(row.keys[0].parse().unwrap());
        check_eq!(checks, row.value, value(&engine, "win_rate", "2025", Scope::Unit(unit)).await, "{}", row.labels[0]);
    }
    let grid = engine.answer(&KpiQuery { metric: "revenue".into(), formula: None, period: q1, scope: Scope::Company, by: vec![Dim::Region, Dim::Month], target: None }).await.unwrap();
    check_eq!(checks, grid.rows.len(), regions.len() * 3);
    for row in &grid.rows {
        let unit = attain_core::OrgUnitId::from_raw(row.keys[0].parse().unwrap());
        let month = cal.parse(&row.keys[1]).unwrap();
        check_eq!(checks, row.value, Some(revenue(&month, &|o| tree.user_is_within(o, unit))), "{} {}", row.labels[0], row.keys[1]);
    }

    // Customer scopes: a segment's revenue, and the breakdown by segment.
    let segment = f.customer_segment.values().flatten().next().unwrap().clone();
    let of_segment = |p: &Period| -> Decimal {
        let gross: Decimal = confirmed.iter().filter(|o| within(p, o.order_date) && f.customer_segment[&o.customer.raw()].as_deref() == Some(segment.as_str())).map(|o| o.total.amount()).sum();
        let refunds: Decimal = f.refunds.iter().filter_map(|r| {
            let o = order_by_id.get(&int(r, "order_id").unwrap())?;
            (within(p, o.order_date) && f.customer_segment[&o.customer.raw()].as_deref() == Some(segment.as_str())).then(|| money(r, "amount"))
        }).sum();
        gross - refunds
    };
    let scope = Scope::Customers(attain_core::CustomerAttr::Segment, segment.clone());
    check_eq!(checks, value(&engine, "revenue", "2025", scope).await, Some(of_segment(&y2025)));
    let by_segment = engine.answer(&KpiQuery { metric: "revenue".into(), formula: None, period: y2025, scope: Scope::Company, by: vec![Dim::Segment], target: None }).await.unwrap();
    check_eq!(checks, by_segment.rows.iter().find(|r| r.keys[0] == segment).unwrap().value, Some(of_segment(&y2025)));
    check_eq!(checks, by_segment.rows.iter().map(|r| r.value.unwrap()).sum::<Decimal>(), revenue(&y2025, &|_| true));
    // Market share of a segment: its revenue over its market size for the period.
    let sizes = all_records(&store, "market-sizes").await;
    let size: Decimal = sizes.iter().filter(|m| text(m, "segment") == segment && text(m, "period") == "FY2025").map(|m| money(m, "amount")).sum();
    assert!(size > Decimal::ZERO);
    let share = value(&engine, "market_share", "FY2025", Scope::Customers(attain_core::CustomerAttr::Segment, segment.clone())).await;
    check_eq!(checks, share, Some(of_segment(&y2025) / size * Decimal::ONE_HUNDRED));

    // Products: line amounts, before refunds, add up to the orders' totals.
    let gross: Decimal = confirmed.iter().filter(|o| within(&q1, o.order_date)).map(|o| o.total.amount()).sum();
    for dim in [Dim::Product, Dim::Category] {
        let rows = engine.answer(&KpiQuery { metric: "revenue".into(), formula: None, period: q1, scope: Scope::Company, by: vec![dim], target: None }).await.unwrap().rows;
        assert!(rows.len() > 1);
        check_eq!(checks, rows.iter().map(|r| r.value.unwrap()).sum::<Decimal>(), gross, "{dim:?}");
    }
    let week = engine.answer(&KpiQuery { metric: "revenue".into(), formula: None, period: cal.parse("2026-W10").unwrap(), scope: Scope::Company, by: vec![Dim::Product], target: None }).await;
    assert!(week.unwrap_err().to_string().contains("whole months"));

    // Monthly breakdown adds up to the total.
    let q = KpiQuery { metric: "revenue".into(), formula: None, period: q1, scope: Scope::Company, by: vec![Dim::Month], target: None };
    let months = engine.answer(&q).await.unwrap();
    check_eq!(checks, months.rows.len(), 3);
    check_eq!(checks, months.rows.iter().map(|r| r.value.unwrap()).sum::<Decimal>(), revenue(&q1, &|_| true));
    checks.finish();
});

async fn snapshot(engine: &Engine<'_>) -> Vec<Vec<attain_kpi::KpiRow>> {
    let metrics = [
        "revenue",
        "payments",
        "bookings",
        "pipeline",
        "win_rate",
        "new_customers",
        "churn_rate",
        "deals_won",
    ];
    let mut out = Vec::new();
    for metric in metrics {
        for period in ["2026-Q1", "2026-Q2", "2025"] {
            let period = engine.calendar().parse(period).unwrap();
            let q = KpiQuery {
                metric: metric.into(),
                formula: None,
                period,
                scope: Scope::Company,
                by: vec![Dim::Rep],
                target: None,
            };
            out.push(engine.answer(&q).await.unwrap().rows);
        }
    }
    out
}

store_test!(async fn rollups_kept_by_imports_equal_a_rebuild(store) {
    company(&store).await;
    let rep = store.users().await.unwrap().into_iter().find(|u| u.role == attain_core::Role::Rep).unwrap();
    let product = store.product_index().await.unwrap().into_keys().next().unwrap();
    let orders = format!("Order Number,Order Date,Customer,Owner,Product,Quantity,Amount\nX-1,2026-03-03,Brand New Co,{0},{product},2,\"1,000.00\"\nX-2,2026-05-20,Brand New Co,{0},{product},1,99.99\n", rep.login);
    let options = attain_import::ImportOptions::default();
    attain_import::import(&store, attain_import::Entity::Orders, "o.csv", orders.as_bytes(), &options, &|_| {}).await.unwrap();
    let payments = "Order Number,Date,Amount\nX-1,2026-04-01,500\n";
    attain_import::import(&store, attain_import::Entity::Payments, "p.csv", payments.as_bytes(), &options, &|_| {}).await.unwrap();
    // A deal moves from one rep to another by re-import.
    let deal = store.deals_visible(&Visibility::Everything, &Default::default(), 0, 1).await.unwrap().items.remove(0);
    let other = store.users().await.unwrap().into_iter().find(|u| u.role == attain_core::Role::Rep && u.id != deal.owner).unwrap();
    let key = store.record_key("deals", deal.id.raw()).await.unwrap();
    let deals = format!("external_id,name,customer,owner,amount,stage,close_date,created\n{key},{},Moved Customer,{},{},{},{},{}\n", deal.name, other.login, deal.amount.amount(), deal.stage, deal.expected_close_on, deal.created_on);
    attain_import::import(&store, attain_import::Entity::Deals, "d.csv", deals.as_bytes(), &options, &|_| {}).await.unwrap();

    let kept = snapshot(&Engine::new(&store).await.unwrap()).await;
    store.rebuild_rollups().await.unwrap();
    let rebuilt = snapshot(&Engine::new(&store).await.unwrap()).await;
    assert_eq!(kept, rebuilt);
    let q2 = Engine::new(&store).await.unwrap();
    assert!(value(&q2, "new_customers", "2026-Q1", Scope::Rep(rep.id)).await.unwrap() >= Decimal::ONE, "the imported customer is new in Q1");
});

store_test!(async fn a_rep_who_moves_teams_takes_his_figures_along(store) {
    company(&store).await;
    let tree = store.org_tree().await.unwrap();
    let teams: Vec<_> = tree.units().filter(|u| u.kind == OrgUnitKind::Team).map(|u| u.id).collect();
    let engine = Engine::new(&store).await.unwrap();
    let mut rep = None;
    for candidate in tree.users_within(teams[0]) {
        if value(&engine, "revenue", "2025", Scope::Rep(candidate)).await.unwrap() > Decimal::ZERO {
            rep = Some(candidate);
            break;
        }
    }
    let rep = rep.unwrap();
    let by_team = |engine: &Engine<'_>| {
        let period = engine.calendar().parse("2025").unwrap();
        KpiQuery { metric: "revenue".into(), formula: None, period, scope: Scope::Company, by: vec![Dim::Team], target: None }
    };
    let before = engine.answer(&by_team(&engine)).await.unwrap().rows;
    let his = value(&engine, "revenue", "2025", Scope::Rep(rep)).await.unwrap();
    assert!(his > Decimal::ZERO);
    let changes = attain_store::UserChanges { unit: Some(teams[1]), unit_from: Some(NaiveDate::from_ymd_opt(2026, 6, 1).unwrap()), ..Default::default() };
    store.update_user_audited(&attain_store::Actor::named("test"), rep, &changes).await.unwrap();
    let engine = Engine::new(&store).await.unwrap();
    let after = engine.answer(&by_team(&engine)).await.unwrap().rows;
    let of = |rows: &[attain_kpi::KpiRow], unit: attain_core::OrgUnitId| rows.iter().find(|r| r.keys[0] == unit.raw().to_string()).unwrap().value.unwrap();
    assert_eq!(of(&after, teams[0]), of(&before, teams[0]) - his);
    assert_eq!(of(&after, teams[1]), of(&before, teams[1]) + his);
    store.rebuild_rollups().await.unwrap();
    let engine = Engine::new(&store).await.unwrap();
    assert_eq!(engine.answer(&by_team(&engine)).await.unwrap().rows, after);
});

store_test!(async fn custom_metrics_are_checked_stored_audited_and_used_like_built_ins(store) {
    company(&store).await;
    let define = |key: &str, formula: &str| attain_store::CustomMetric { key: key.into(), name_en: String::new(), name_zh: String::new(), formula: formula.into(), unit: "ratio".into() };
    attain_app::metrics::define_metric(&store, attain_app::goals::By::Cli, define("cash_ratio", "payments / revenue")).await.unwrap();
    attain_app::metrics::define_metric(&store, attain_app::goals::By::Cli, define("cash_pct", "cash_ratio * 100")).await.unwrap();
    // A rep may not change what everyone's figures mean; the use case says so, whoever calls.
    let rep = store.users().await.unwrap().into_iter().find(|u| u.role == attain_core::Role::Rep).unwrap();
    let rep = attain_store::principal_of(&rep);
    let err = attain_app::metrics::define_metric(&store, attain_app::goals::By::Person(&rep), define("mine", "payments")).await.unwrap_err();
    assert!(matches!(err, attain_app::AppError::Forbidden(_)), "{err}");
    let err = attain_app::metrics::remove_metric(&store, attain_app::goals::By::Person(&rep), "cash_pct").await.unwrap_err();
    assert!(matches!(err, attain_app::AppError::Forbidden(_)), "{err}");
    let err = attain_app::metrics::define_metric(&store, attain_app::goals::By::Cli, define("typo", "revenu / 2")).await.unwrap_err();
    assert!(err.to_string().contains("unknown name 'revenu'"), "{err}");
    let err = attain_app::metrics::define_metric(&store, attain_app::goals::By::Cli, define("cash_ratio", "cash_pct / 100")).await.unwrap_err();
    assert!(err.to_string().contains("defined through itself"), "{err}");
    let err = attain_app::metrics::define_metric(&store, attain_app::goals::By::Cli, define("revenue", "payments")).await.unwrap_err();
    assert!(err.to_string().contains("already a built-in"), "{err}");
    let err = attain_app::metrics::define_metric(&store, attain_app::goals::By::Cli, define("broken", "payments /")).await.unwrap_err();
    assert!(err.to_string().contains("position 11"), "{err}");

    let engine = Engine::new(&store).await.unwrap();
    let ratio = value(&engine, "cash_ratio", "2025", Scope::Company).await.unwrap();
    let payments = value(&engine, "payments", "2025", Scope::Company).await.unwrap();
    let revenue = value(&engine, "revenue", "2025", Scope::Company).await.unwrap();
    assert_eq!(ratio, payments / revenue);
    assert_eq!(value(&engine, "cash_pct", "2025", Scope::Company).await.unwrap(), payments / revenue * Decimal::ONE_HUNDRED);
    // Broken down by team, each team's ratio is its own sums' ratio.
    let period = engine.calendar().parse("2025").unwrap();
    let teams = engine.answer(&KpiQuery { metric: "cash_ratio".into(), formula: None, period, scope: Scope::Company, by: vec![Dim::Team], target: None }).await.unwrap();
    for row in &teams.rows {
        let unit = Scope::Unit(attain_core::OrgUnitId::from_raw(row.keys[0].parse().unwrap()));
        let (p, r) = (value(&engine, "payments", "2025", unit.clone()).await.unwrap(), value(&engine, "revenue", "2025", unit).await.unwrap());
        assert_eq!(row.value, Some(p / r));
    }
    let err = attain_app::metrics::remove_metric(&store, attain_app::goals::By::Cli, "cash_ratio").await.unwrap_err();
    assert!(err.to_string().contains("used by cash_pct"), "{err}");
    attain_app::metrics::remove_metric(&store, attain_app::goals::By::Cli, "cash_pct").await.unwrap();
    let log = store.audit_log(Some("metric"), 10, None).await.unwrap();
    assert_eq!(log.len(), 3, "two created, one deleted");
});

/// A company of one rep selling in yuan and dollars in Q1 2026.
async fn two_currencies(store: &Store) -> UserId {
    let company = store
        .create_org_unit(&attain_store::NewOrgUnit {
            parent: None,
            name: "Acme".into(),
            kind: OrgUnitKind::Company,
            external_id: None,
        })
        .await
        .unwrap();
    let account = attain_app::users::NewAccount {
        login: attain_core::Login::new("lin").unwrap(),
        display_name: "Lin".into(),
        email: None,
        unit: company,
        role: attain_core::Role::Rep,
        password: None,
        external_id: None,
    };
    let (rep, _) =
        attain_app::users::create_user(store, &attain_store::Actor::named("test"), None, account)
            .await
            .unwrap();
    let options = attain_import::ImportOptions::default();
    let import = |entity, name: &'static str, text: &'static str| {
        let options = options.clone();
        async move {
            attain_import::import(store, entity, name, text.as_bytes(), &options, &|_| {})
                .await
                .unwrap();
        }
    };
    import(
        attain_import::Entity::Products,
        "p.csv",
        "sku,name,list_price\nW,Widget,100\n",
    )
    .await;
    import(
        attain_import::Entity::ExchangeRates,
        "r.csv",
        "currency,month,rate\nUSD,2026-01,7.1000\nUSD,2026-02,7.3333\n",
    )
    .await;
    import(
        attain_import::Entity::Orders,
        "o.csv",
        "number,order_date,customer,owner,product,quantity,amount,currency\n\
         A-1,2026-01-10,Ming Co,lin,W,1,1000.00,CNY\n\
         A-2,2026-01-20,Bay Inc,lin,W,1,333.33,USD\n\
         A-3,2026-02-05,Bay Inc,lin,W,1,100.01,USD\n\
         A-4,2026-02-28,Ming Co,lin,W,1,2500.50,CNY\n\
         A-5,2026-03-15,Bay Inc,lin,W,1,777.77,USD\n",
    )
    .await;
    rep.id
}

async fn revenue(engine: &Engine<'_>, period: &str) -> Decimal {
    value(engine, "revenue", period, Scope::Company)
        .await
        .unwrap()
}

store_test!(async fn money_in_two_currencies_is_converted_at_each_facts_own_month(store) {
    // Found by reading the code: every fact was converted at the rate of
    // the month the period ends in, so a year was not the sum of its months.
    let rep = two_currencies(&store).await;
    let engine = Engine::new(&store).await.unwrap();
    let d = |s: &str| s.parse::<Decimal>().unwrap();
    // By hand: January's dollars at January's rate, February's at
    // February's, March's at February's (the latest on or before March).
    let jan = d("1000.00") + d("333.33") * d("7.1000");
    let feb = d("100.01") * d("7.3333") + d("2500.50");
    let mar = d("777.77") * d("7.3333");
    assert_eq!(revenue(&engine, "2026-01").await, jan);
    assert_eq!(revenue(&engine, "2026-02").await, feb);
    assert_eq!(revenue(&engine, "2026-03").await, mar);
    assert_eq!(revenue(&engine, "2026-Q1").await, jan + feb + mar, "the quarter is the sum of its months");
    assert_eq!(revenue(&engine, "2026").await, jan + feb + mar, "and so is the year");
    assert_eq!(revenue(&engine, "2026-01-01..2026-02-28").await, jan + feb, "and any range");
    assert_eq!(value(&engine, "revenue", "2026-Q1", Scope::Rep(rep)).await.unwrap(), jan + feb + mar);
    // A month broken down by week and by day still adds up to the cent.
    let q = KpiQuery { metric: "revenue".into(), formula: None, period: engine.calendar().parse("2026-Q1").unwrap(), scope: Scope::Company, by: vec![attain_kpi::Dim::Month], target: None };
    let by_month: Vec<Decimal> = engine.answer(&q).await.unwrap().rows.iter().map(|r| r.value.unwrap()).collect();
    assert_eq!(by_month, vec![jan, feb, mar]);
    // A rate for a later month arrives: January's figure does not move.
    let options = attain_import::ImportOptions::default();
    attain_import::import(&store, attain_import::Entity::ExchangeRates, "r2.csv", b"currency,month,rate\nUSD,2026-04,9.99\n", &options, &|_| {}).await.unwrap();
    let later = Engine::new(&store).await.unwrap();
    assert_eq!(revenue(&later, "2026-01").await, jan);
    assert_eq!(revenue(&later, "2026-Q1").await, jan + feb + mar);
    // Goals and pay may convert at one fixed plan rate per fiscal year.
    store.set_plan_rate(&attain_store::Actor::named("test"), attain_core::Currency::USD, 2026, Some("7.0000")).await.unwrap();
    let planned = Engine::new(&store).await.unwrap();
    let at_plan = d("1000.00") + d("2500.50") + (d("333.33") + d("100.01") + d("777.77")) * d("7.0000");
    let period = planned.calendar().parse("2026-Q1").unwrap();
    assert_eq!(attain_app::goals::actual(&planned, &"revenue".into(), &Scope::Company, period).await.unwrap(), Some(at_plan));
    assert_eq!(revenue(&planned, "2026-Q1").await, jan + feb + mar, "the KPI explorer keeps the monthly rates");
    let entry = store.audit_log(Some("plan_rate"), 1, None).await.unwrap().remove(0);
    assert_eq!((entry.entity_id.as_str(), entry.after.unwrap()["rate_to_base"].as_str()), ("USD/FY2026", Some("7.0000")));
});

store_test!(async fn custom_metrics_that_loop_in_storage_stop_with_an_error(store) {
    // define_metric refuses cycles; a cycle written past it (two instances
    // racing, a hand edit) must still not make the engine recurse forever.
    two_currencies(&store).await;
    for (key, formula) in [("loop_a", "loop_b + 1"), ("loop_b", "loop_a * 2")] {
        let metric = attain_store::CustomMetric { key: key.into(), name_en: key.into(), name_zh: key.into(), formula: formula.into(), unit: "ratio".into() };
        store.save_custom_metric(&attain_store::Actor::named("test"), &metric).await.unwrap();
    }
    let engine = Engine::new(&store).await.unwrap();
    let q = KpiQuery { metric: "loop_a".into(), formula: None, period: engine.calendar().parse("2026-Q1").unwrap(), scope: Scope::Company, by: vec![], target: None };
    let err = engine.answer(&q).await.unwrap_err();
    assert!(err.to_string().contains("more than 16 custom metrics"), "{err}");
});

store_test!(async fn a_persons_question_is_answered_only_within_what_he_may_see(store) {
    company(&store).await;
    let engine = Engine::new(&store).await.unwrap();
    let tree = engine.tree().clone();
    let users = store.users().await.unwrap();
    let principal = |u: &attain_store::User| attain_core::Principal {
        user: u.id,
        login: u.login.clone(),
        display_name: u.display_name.clone(),
        role: u.role,
        unit: u.unit,
    };
    let rep = users.iter().find(|u| u.role == attain_core::Role::Rep).unwrap();
    let other = users.iter().find(|u| u.role == attain_core::Role::Rep && tree.unit_of(u.id) != tree.unit_of(rep.id)).unwrap();
    let ops = users.iter().find(|u| u.role == attain_core::Role::SalesOps).unwrap();
    let period = engine.calendar().parse("2025").unwrap();
    let ask = |scope: Scope| KpiQuery { metric: "revenue".into(), formula: None, period, scope, by: vec![], target: None };
    let own = engine.answer_for(&principal(rep), &ask(Scope::Rep(rep.id))).await.unwrap();
    assert_eq!(own.rows, engine.answer(&ask(Scope::Rep(rep.id))).await.unwrap().rows, "his own, as the shell sees it");
    for scope in [Scope::Rep(other.id), Scope::Company, Scope::Unit(tree.root().id)] {
        let refused = engine.answer_for(&principal(rep), &ask(scope.clone())).await.unwrap_err();
        assert!(matches!(refused, attain_kpi::KpiError::Store(attain_store::StoreError::NotFound { .. })), "{scope:?}: {refused}");
    }
    assert!(engine.answer_for(&principal(ops), &ask(Scope::Rep(other.id))).await.is_ok(), "sales ops sees everyone");
});
