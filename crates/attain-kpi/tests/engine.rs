//! The engine without a database: a few facts held in memory are the
//! measure source, and every figure is checked against a computation by
//! hand. What the store-backed tests (attain-app/tests/kpi.rs) check over
//! imported files, this checks for the engine alone: ratios from sums,
//! money at each month's rate, scopes, breakdowns and who may ask.
#![allow(clippy::unwrap_used, missing_docs)]

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use attain_core::{
    Currency, CustomerAttr, FiscalCalendar, Login, Measure, Money, OrgTree, OrgUnit, OrgUnitId,
    OrgUnitKind, PerMeasure, Principal, Role, UserId,
};
use attain_kpi::{Dim, Engine, KpiError, KpiQuery, MeasureSource, OrgContext, Scope};
use attain_store::{
    CustomerGrain, Grain, MeasureRow, NewCustomersBy, OwnerSet, ProductFilter, ProductGrain,
    StoreError, StoreResult,
};
use chrono::NaiveDate;
use rust_decimal::Decimal;

/// One fact: counts (no currency) or money in a currency, of one owner on one day.
struct Fact {
    owner: UserId,
    day: NaiveDate,
    currency: Option<Currency>,
    values: Vec<(Measure, i64)>,
}

/// Facts in memory, summed the way the store sums its rollups.
struct Facts {
    tree: OrgTree,
    base: Currency,
    facts: Vec<Fact>,
}

impl Facts {
    fn covers(&self, owners: &OwnerSet, owner: UserId) -> bool {
        match owners {
            OwnerSet::All => true,
            OwnerSet::One(one) => *one == owner,
            OwnerSet::Subtree(unit) => self
                .tree
                .unit_of(owner)
                .is_some_and(|u| self.tree.subtree(*unit).contains(&u)),
        }
    }
}

impl MeasureSource for Facts {
    async fn owner_measures(
        &self,
        owners: &OwnerSet,
        from: NaiveDate,
        to: NaiveDate,
        grain: Grain,
        measures: &[Measure],
        base: Currency,
    ) -> StoreResult<Vec<MeasureRow>> {
        assert_eq!(base, self.base, "the engine asks in its base currency");
        let mut rows: BTreeMap<(String, String, String), PerMeasure<i64>> = BTreeMap::new();
        for fact in &self.facts {
            if fact.day < from || fact.day > to || !self.covers(owners, fact.owner) {
                continue;
            }
            let month = fact.day.format("%Y-%m").to_string();
            let unit = self.tree.unit_of(fact.owner).unwrap().to_string();
            let key = match grain {
                Grain::Total => String::new(),
                Grain::Owner => fact.owner.to_string(),
                Grain::Month => month.clone(),
                Grain::Day => fact.day.to_string(),
                Grain::Unit => unit,
                Grain::UnitMonth => format!("{unit} {month}"),
            };
            let (currency, month) = match fact.currency {
                None => (String::new(), String::new()),
                Some(c) if c == base => (c.code().to_owned(), String::new()),
                Some(c) => (c.code().to_owned(), month),
            };
            let sums = rows.entry((key, currency, month)).or_default();
            for &(m, v) in &fact.values {
                if measures.contains(&m) {
                    sums[m] += v;
                }
            }
        }
        Ok(rows
            .into_iter()
            .map(|((key, currency, month), values)| MeasureRow {
                key,
                currency,
                month,
                values,
            })
            .collect())
    }

    async fn customer_measures(
        &self,
        _: Option<(CustomerAttr, &str)>,
        _: &str,
        _: &str,
        _: CustomerGrain,
        _: &[Measure],
        _: Currency,
    ) -> StoreResult<Vec<MeasureRow>> {
        Ok(Vec::new())
    }

    async fn product_measures(
        &self,
        _: &OwnerSet,
        _: &ProductFilter,
        _: &str,
        _: &str,
        _: ProductGrain,
        _: Currency,
    ) -> StoreResult<Vec<MeasureRow>> {
        Ok(Vec::new())
    }

    async fn new_customers(
        &self,
        _: &OwnerSet,
        _: NaiveDate,
        _: NaiveDate,
        _: NewCustomersBy,
    ) -> StoreResult<BTreeMap<String, i64>> {
        Ok(BTreeMap::new())
    }

    async fn churn_counts(
        &self,
        _: &OwnerSet,
        _: NaiveDate,
        _: NaiveDate,
        _: bool,
    ) -> StoreResult<BTreeMap<String, (i64, i64)>> {
        Ok(BTreeMap::new())
    }

    async fn spend_sum(
        &self,
        _: Option<OrgUnitId>,
        _: Option<&str>,
        _: NaiveDate,
        _: NaiveDate,
    ) -> StoreResult<Vec<(String, i64)>> {
        Ok(Vec::new())
    }

    async fn market_sizes(
        &self,
        _: &str,
        _: Option<(CustomerAttr, &str)>,
    ) -> StoreResult<Vec<Money>> {
        Ok(Vec::new())
    }

    async fn product_names(&self) -> StoreResult<HashMap<String, String>> {
        Ok(HashMap::new())
    }
}

const COMPANY: OrgUnitId = OrgUnitId::from_raw(1);
const EAST: OrgUnitId = OrgUnitId::from_raw(2);
const WEST: OrgUnitId = OrgUnitId::from_raw(3);
const EAST_1: OrgUnitId = OrgUnitId::from_raw(4);
const EAST_2: OrgUnitId = OrgUnitId::from_raw(5);
const AN: UserId = UserId::from_raw(11);
const BO: UserId = UserId::from_raw(12);
const CY: UserId = UserId::from_raw(13);

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

/// A company of a region and a team: East holds the teams East 1 (An) and
/// East 2 (Bo); West is Cy's team. An wins his one deal, Bo one of ten, Cy
/// two of four. An sells ¥1,000.00 and $50.00 in January, Cy $100.00 in
/// February and $10.00 in March. Dollars are 7.1 in January and 7.25 from
/// February (March has no rate of its own).
fn company() -> (Facts, Arc<OrgContext>) {
    let unit = |id, parent, name: &str, kind| OrgUnit {
        id,
        parent,
        name: name.into(),
        kind,
    };
    let tree = OrgTree::build(
        vec![
            unit(COMPANY, None, "Acme", OrgUnitKind::Company),
            unit(EAST, Some(COMPANY), "East", OrgUnitKind::Region),
            unit(WEST, Some(COMPANY), "West", OrgUnitKind::Team),
            unit(EAST_1, Some(EAST), "East 1", OrgUnitKind::Team),
            unit(EAST_2, Some(EAST), "East 2", OrgUnitKind::Team),
        ],
        [(AN, EAST_1), (BO, EAST_2), (CY, WEST)],
    )
    .unwrap();
    let counts = |owner, on: &str, won, lost| Fact {
        owner,
        day: day(on),
        currency: None,
        values: vec![(Measure::DealsWon, won), (Measure::DealsLost, lost)],
    };
    let sale = |owner, on: &str, currency, minor| Fact {
        owner,
        day: day(on),
        currency: Some(currency),
        values: vec![(Measure::OrderAmount, minor)],
    };
    let facts = Facts {
        tree: tree.clone(),
        base: Currency::CNY,
        facts: vec![
            counts(AN, "2026-01-12", 1, 0),
            counts(BO, "2026-01-20", 1, 9),
            counts(CY, "2026-02-03", 2, 2),
            sale(AN, "2026-01-10", Currency::CNY, 100_000),
            sale(AN, "2026-01-15", Currency::USD, 5_000),
            sale(CY, "2026-02-05", Currency::USD, 10_000),
            sale(CY, "2026-03-30", Currency::USD, 1_000),
        ],
    };
    let people =
        [(AN, "An"), (BO, "Bo"), (CY, "Cy")].map(|(id, name)| (id, name.to_owned(), Role::Rep));
    let org = OrgContext::new(FiscalCalendar::default(), Currency::CNY, tree, people)
        .with_rate(Currency::USD, "2026-01", d("7.1"))
        .with_rate(Currency::USD, "2026-02", d("7.25"));
    (facts, Arc::new(org))
}

fn query(engine: &Engine<'_, Facts>, metric: &str, scope: Scope, by: Vec<Dim>) -> KpiQuery {
    KpiQuery {
        metric: metric.into(),
        formula: None,
        period: engine.calendar().parse("2026-Q1").unwrap(),
        scope,
        by,
        target: None,
    }
}

async fn total(engine: &Engine<'_, Facts>, metric: &str, scope: Scope) -> Decimal {
    let answer = engine
        .answer(&query(engine, metric, scope, vec![]))
        .await
        .unwrap();
    assert_eq!(answer.rows.len(), 1, "one total");
    answer.rows[0].value.unwrap()
}

#[tokio::test]
async fn a_ratio_is_taken_from_the_sums_never_averaged() {
    let (facts, org) = company();
    let engine = Engine::over(&facts, org);
    // 4 won of 15 closed, not the mean of 100 %, 10 % and 50 % (53.3 %).
    let won_of_closed = Decimal::from(4 * 100) / Decimal::from(15);
    let company = total(&engine, "win_rate", Scope::Company).await;
    assert_eq!(company.round_dp(10), won_of_closed.round_dp(10));
    // East: 2 won of 11 closed, not the mean of 100 % and 10 %.
    let east = total(&engine, "win_rate", Scope::Unit(EAST)).await;
    assert_eq!(
        east.round_dp(10),
        (Decimal::from(200) / Decimal::from(11)).round_dp(10)
    );
    assert_eq!(total(&engine, "win_rate", Scope::Rep(BO)).await, d("10"));
    assert_eq!(total(&engine, "deals_won", Scope::Company).await, d("4"));
    // By unit the source gives one group per team; the engine folds East 1
    // (100 %) and East 2 (10 %) into East by adding their counts: 2 of 11,
    // not the 55 % their mean would be.
    let answer = engine
        .answer(&query(&engine, "win_rate", Scope::Company, vec![Dim::Unit]))
        .await
        .unwrap();
    let by_unit: BTreeMap<String, Decimal> = answer
        .rows
        .iter()
        .map(|r| (r.labels[0].clone(), r.value.unwrap().round_dp(10)))
        .collect();
    assert_eq!(
        by_unit,
        BTreeMap::from([
            (
                "East".to_owned(),
                (Decimal::from(200) / Decimal::from(11)).round_dp(10)
            ),
            ("West".to_owned(), d("50")),
        ])
    );
}

#[tokio::test]
async fn money_is_converted_at_the_rate_of_its_own_month() {
    let (facts, org) = company();
    let engine = Engine::over(&facts, org);
    // January's dollars at January's rate (not the period end's, not the
    // next month's), February's at February's; March has no rate of its
    // own and takes the latest before it (February's).
    let jan = d("1000.00") + d("50.00") * d("7.1");
    let feb = d("100.00") * d("7.25");
    let mar = d("10.00") * d("7.25");
    assert_eq!(jan, d("1355.00"));
    assert_eq!(
        total(&engine, "revenue", Scope::Company).await,
        jan + feb + mar
    );
    assert_eq!(total(&engine, "revenue", Scope::Unit(EAST)).await, jan);
    assert_eq!(total(&engine, "revenue", Scope::Unit(EAST_2)).await, d("0"));
    assert_eq!(total(&engine, "revenue", Scope::Rep(CY)).await, feb + mar);
    let by_month = engine
        .answer(&query(&engine, "revenue", Scope::Company, vec![Dim::Month]))
        .await
        .unwrap();
    let months: Vec<Decimal> = by_month
        .rows
        .iter()
        .map(|r| r.value.unwrap_or_default())
        .collect();
    assert_eq!(months, vec![jan, feb, mar]);
}

#[tokio::test]
async fn a_breakdown_by_rep_names_each_rep_and_adds_up() {
    let (facts, org) = company();
    let engine = Engine::over(&facts, org);
    let answer = engine
        .answer(&query(&engine, "revenue", Scope::Company, vec![Dim::Rep]))
        .await
        .unwrap();
    let by_name: BTreeMap<String, Decimal> = answer
        .rows
        .iter()
        .map(|r| (r.labels[0].clone(), r.value.unwrap_or_default()))
        .collect();
    assert_eq!(by_name.get("An"), Some(&d("1355.00")));
    assert_eq!(by_name.get("Cy"), Some(&(d("110.00") * d("7.25"))));
    assert_eq!(
        by_name.values().copied().sum::<Decimal>(),
        total(&engine, "revenue", Scope::Company).await,
        "the reps add up to the company"
    );
}

#[tokio::test]
async fn a_rep_is_answered_about_himself_and_refused_about_another() {
    let (facts, org) = company();
    let engine = Engine::over(&facts, org);
    let an = Principal {
        user: AN,
        login: Login::new("an").unwrap(),
        display_name: "An".into(),
        role: Role::Rep,
        unit: EAST_1,
    };
    let own = engine
        .answer_for(&an, &query(&engine, "revenue", Scope::Rep(AN), vec![]))
        .await
        .unwrap();
    assert_eq!(own.rows[0].value, Some(d("1355.00")));
    for scope in [
        Scope::Rep(BO),
        Scope::Unit(EAST_1),
        Scope::Unit(EAST),
        Scope::Company,
    ] {
        let refused = engine
            .answer_for(&an, &query(&engine, "revenue", scope.clone(), vec![]))
            .await
            .unwrap_err();
        assert!(
            matches!(refused, KpiError::Store(StoreError::NotFound { .. })),
            "{scope:?}: {refused}"
        );
    }
}

#[tokio::test]
async fn a_currency_without_a_rate_is_an_error_that_names_it() {
    let (mut facts, org) = company();
    facts.facts.push(Fact {
        owner: AN,
        day: day("2026-03-01"),
        currency: Some(Currency::from_code("EUR").unwrap()),
        values: vec![(Measure::OrderAmount, 500)],
    });
    let engine = Engine::over(&facts, org);
    let err = engine
        .answer(&query(&engine, "revenue", Scope::Company, vec![]))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, KpiError::Invalid(m) if m.contains("no exchange rate for EUR")),
        "{err}"
    );
}

#[tokio::test]
async fn a_formula_is_judged_by_its_names_before_anything_is_grouped() {
    let (facts, org) = company();
    let engine = Engine::over(&facts, org);
    let formula = |text: &str| KpiQuery {
        formula: Some(attain_core::kpi::Expr::parse(text).unwrap()),
        ..query(&engine, text, Scope::Company, vec![Dim::Unit])
    };
    // An unknown name is an error even where no group would be computed.
    let err = engine.answer(&formula("revenu / 2")).await.unwrap_err();
    assert!(
        matches!(&err, KpiError::Invalid(m) if m.contains("'revenu'")),
        "{err}"
    );
    // A measure by its column name is read like its name, and the answer
    // keeps the formula's spelling.
    let mut by_column = formula("order_amount_minor");
    by_column.by = vec![];
    let answer = engine.answer(&by_column).await.unwrap();
    assert_eq!(answer.metric, "order_amount_minor");
    assert_eq!(
        answer.rows[0].value,
        Some(d("1355.00") + d("110.00") * d("7.25"))
    );
}
