//! The engine: any metric of the catalogue (or a custom formula over them)
//! for a scope (the company, an org unit's subtree, a rep) and a period,
//! optionally broken down by rep, child unit, customer attribute, product
//! or time, computed from the sums its [`MeasureSource`] gives.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use attain_core::CustomerAttr;
use attain_core::kpi::{self, Expr, Unit};
use attain_core::sales::RevenueBasis;
use attain_core::{
    Currency, Granularity, Measure, Metric, MetricKey, Money, OrgTree, PerMeasure, Period, UserId,
};
use attain_store::{
    CustomerGrain, Grain, MeasureRow, NewCustomersBy, OwnerSet, ProductFilter, ProductGrain, Store,
};

use crate::{KpiError, KpiResult, MeasureSource, OrgContext};
use chrono::{Days, NaiveDate};
use rust_decimal::Decimal;

pub use attain_core::scope::{Breakdown as Dim, Scope};

/// A KPI question.
#[derive(Debug, Clone)]
pub struct KpiQuery {
    /// The metric: built-in, custom, or the label of the formula in `formula`.
    pub metric: MetricKey,
    /// A custom formula instead of a catalogue metric.
    pub formula: Option<Expr>,
    /// Period.
    pub period: Period,
    /// Scope.
    pub scope: Scope,
    /// Breakdown: none, one dimension, or a dimension then time.
    pub by: Vec<Dim>,
    /// Target for `pipeline_coverage`.
    pub target: Option<Decimal>,
}

/// One row of an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KpiRow {
    /// Breakdown values (empty for a total): a unit's or rep's ID, a period
    /// key, an attribute value (segment, channel, industry), a product's ID
    /// or a category.
    pub keys: Vec<String>,
    /// Their labels: names (units, reps, products), or the value again.
    pub labels: Vec<String>,
    /// The value; `None` when it has none (a ratio over zero).
    pub value: Option<Decimal>,
}

/// An answer.
#[derive(Debug, Clone)]
pub struct KpiAnswer {
    /// The metric's key.
    pub metric: String,
    /// Its unit.
    pub unit: Unit,
    /// The scope's label.
    pub scope: String,
    /// The period's key.
    pub period: String,
    /// Rows: one total, or one per breakdown value.
    pub rows: Vec<KpiRow>,
}

/// How the engine computes a built-in metric. One exhaustive `match` says
/// it for every metric of the catalogue, so a new metric does not compile
/// until it says how it is computed.
struct Recipe {
    /// The rollup measures it sums (besides new customers, churn, spend and
    /// market size, which have their own tables).
    measures: Vec<Measure>,
    /// Whether it follows from those sums alone ([`Engine::of_sums`]), so
    /// any grouping of facts can be summed first and the metric taken from
    /// the sums; otherwise it reads on its own ([`Engine::metric_values`]).
    from_sums: bool,
    /// Whether its values month by month come from one read grouped by
    /// month (rather than one computation per month).
    by_month: bool,
}

fn recipe(metric: Metric, basis: RevenueBasis) -> Recipe {
    use Measure as M;
    use Metric as K;
    let revenue: &[Measure] = match basis {
        RevenueBasis::Orders => &[M::OrderAmount, M::RefundAmount],
        RevenueBasis::Bookings => &[M::Bookings],
        RevenueBasis::Cash => &[M::Payments],
    };
    let sums = |measures: &[Measure]| Recipe {
        measures: measures.to_vec(),
        from_sums: true,
        by_month: true,
    };
    let own = |measures: &[Measure], by_month: bool| Recipe {
        measures: measures.to_vec(),
        from_sums: false,
        by_month,
    };
    match metric {
        K::Revenue => sums(revenue),
        K::Bookings => sums(&[M::Bookings]),
        K::Payments => sums(&[M::Payments]),
        K::DealsWon => sums(&[M::DealsWon]),
        K::WinRate => sums(&[M::DealsWon, M::DealsLost]),
        K::AvgDealSize => sums(&[M::Bookings, M::DealsWon]),
        K::SalesCycleDays => sums(&[M::WonCycleDays, M::DealsWon]),
        K::Pipeline => sums(&[M::Pipeline]),
        K::Activities => sums(&[M::Activities]),
        K::Csat => sums(&[M::CsatResponses, M::CsatSatisfied]),
        K::Nps => sums(&[M::NpsResponses, M::NpsPromoters, M::NpsDetractors]),
        K::FirstResponseHours => sums(&[M::RespondedTickets, M::FirstResponseSeconds]),
        K::ResolutionHours => sums(&[M::ResolvedTickets, M::ResolutionSeconds]),
        K::TrainingCompletion => sums(&[M::EnrolmentsDue, M::EnrolmentsCompleted]),
        // Needs the target of the whole period, so never month by month at once.
        K::PipelineCoverage => Recipe {
            by_month: false,
            ..sums(&[revenue, &[M::Pipeline]].concat())
        },
        K::NewCustomers => own(&[], true),
        K::ChurnRate | K::Cac => own(&[], false),
        K::GrowthYoy | K::GrowthPop | K::MarketShare => own(revenue, false),
        K::Clv | K::ClvCac => own(&[M::OrderAmount, M::RefundAmount, M::OrderCost], false),
    }
}

/// Summed measures of one group, money in the base currency.
type Sums = PerMeasure<Decimal>;

/// Adds one group's sums of `measures` (the others are zero) into another's.
fn add_sums(into: &mut Sums, other: &Sums, measures: &[Measure]) {
    for &m in measures {
        into[m] += other[m];
    }
}

fn ratio(a: Decimal, b: Decimal) -> Option<Decimal> {
    if b.is_zero() { None } else { a.checked_div(b) }
}

fn percent(a: Decimal, b: Decimal) -> Option<Decimal> {
    ratio(a, b).and_then(|r| r.checked_mul(Decimal::ONE_HUNDRED))
}

/// How many custom metrics deep one may be defined through others.
pub const MAX_CUSTOM_NESTING: usize = 16;

/// The engine, over one organisation's context (see [`OrgContext`]) and a
/// source of sums (the store, unless a test gives another).
pub struct Engine<'s, S = Store> {
    source: &'s S,
    org: Arc<OrgContext>,
    at_plan_rates: bool,
}

/// The unit a custom metric's stored unit key names (`money`, `percent`, …).
pub fn unit_of_key(key: &str) -> Option<Unit> {
    [
        Unit::Money,
        Unit::Count,
        Unit::Percent,
        Unit::Ratio,
        Unit::Days,
        Unit::Hours,
        Unit::Score,
    ]
    .into_iter()
    .find(|u| u.key() == key)
}

/// Whether a name is a built-in metric or a base measure (`order_amount`, `deals_lost`, …).
pub fn is_builtin_name(name: &str) -> bool {
    Metric::from_key(name).is_some() || Measure::from_name(name).is_some()
}

impl<'s> Engine<'s, Store> {
    /// Loads the organisation's context and answers over it (a command's
    /// one engine; a request passes the context it loaded to [`Self::over`]).
    pub async fn new(store: &'s Store) -> KpiResult<Self> {
        Ok(Self::over(store, OrgContext::load(store).await?))
    }

    /// The store it reads (use cases that also write go through it).
    pub fn store(&self) -> &'s Store {
        self.source
    }
}

impl<'s, S: MeasureSource> Engine<'s, S> {
    /// An engine over a context already loaded and a source of sums.
    pub fn over(source: &'s S, org: Arc<OrgContext>) -> Self {
        Self {
            source,
            org,
            at_plan_rates: false,
        }
    }

    /// The organisation's calendar.
    pub fn calendar(&self) -> attain_core::FiscalCalendar {
        self.org.calendar
    }

    /// This engine converting other currencies at the fixed plan rates of
    /// each fiscal year where they are set (goals and pay use it, so a
    /// person's attainment and commission do not move with exchange rates);
    /// `None` when no plan rate is set, and the engine itself serves.
    pub fn at_plan_rates(&self) -> Option<Engine<'s, S>> {
        if self.org.plan_rates.is_empty() || self.at_plan_rates {
            return None;
        }
        Some(Engine {
            source: self.source,
            org: Arc::clone(&self.org),
            at_plan_rates: true,
        })
    }

    /// The fixed plan rates: (currency, fiscal year) → rate to the base currency.
    pub fn plan_rates(&self) -> &BTreeMap<(String, i32), Decimal> {
        &self.org.plan_rates
    }

    /// A person's role, if the person exists.
    pub fn role_of(&self, user: attain_core::UserId) -> Option<attain_core::Role> {
        self.org.roles.get(&user.raw()).copied()
    }

    /// The org tree the engine folds units with.
    pub fn tree(&self) -> &OrgTree {
        &self.org.tree
    }

    /// The base currency every money figure is in.
    pub fn base_currency(&self) -> Currency {
        self.org.base
    }

    /// The custom metrics: key → unit.
    pub fn custom_metrics(&self) -> impl Iterator<Item = (&str, Unit)> {
        self.org.custom.iter().map(|(k, (_, u))| (k.as_str(), *u))
    }

    /// Base units per unit of `currency`, at the latest rate on or before
    /// `month` (`YYYY-MM`).
    /// Units of the base currency per unit of `currency` in `month`
    /// (`YYYY-MM`): the plan rate of the month's fiscal year when this
    /// engine converts at plan rates and one is set, else the latest monthly
    /// rate on or before the month.
    fn rate(&self, currency: &str, month: &str) -> KpiResult<Decimal> {
        if currency == self.org.base.code() {
            return Ok(Decimal::ONE);
        }
        if self.at_plan_rates
            && let Some(first) =
                chrono::NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").ok()
            && let Some(rate) = self
                .org
                .plan_rates
                .get(&(currency.to_owned(), self.org.calendar.fiscal_year_of(first)))
        {
            return Ok(*rate);
        }
        self.org.rates
            .range((currency.to_owned(), String::new())..=(currency.to_owned(), month.to_owned()))
            .next_back()
            .map(|(_, r)| *r)
            .ok_or_else(|| {
                KpiError::Invalid(format!(
                    "no exchange rate for {currency} on or before {month}: import exchange rates to convert it to {}",
                    self.org.base.code()
                ))
            })
    }

    /// Rows of the store into sums per key; money in another currency
    /// converted at the rate of the month its facts fall in (the row's
    /// month), so a year is exactly the sum of its months. Every addition is
    /// checked: a total beyond what a decimal holds is an error, not a panic.
    fn sums(
        &self,
        rows: &[MeasureRow],
        measures: &[Measure],
        to: NaiveDate,
    ) -> KpiResult<BTreeMap<String, Sums>> {
        let last_month = to.format("%Y-%m").to_string();
        let too_large =
            |m: Measure| KpiError::Invalid(format!("the total of {m} is too large to add up"));
        let mut out: BTreeMap<String, Sums> = BTreeMap::new();
        for row in rows {
            let sums = out.entry(row.key.clone()).or_default();
            for &m in measures {
                let v = row.values[m];
                let value = if m.is_money() {
                    if row.currency.is_empty() || v == 0 {
                        continue;
                    }
                    let currency = Currency::from_code(&row.currency)
                        .map_err(|e| KpiError::Internal(e.to_string()))?;
                    let amount = Money::from_minor_units(v, currency).amount();
                    let month = if row.month.is_empty() {
                        &last_month
                    } else {
                        &row.month
                    };
                    amount
                        .checked_mul(self.rate(&row.currency, month)?)
                        .ok_or_else(|| too_large(m))?
                } else {
                    Decimal::from(v)
                };
                sums[m] = sums[m].checked_add(value).ok_or_else(|| too_large(m))?;
            }
        }
        Ok(out)
    }

    fn owners(scope: &Scope) -> OwnerSet {
        match scope {
            Scope::Unit(u) => OwnerSet::Subtree(*u),
            Scope::Rep(r) => OwnerSet::One(*r),
            _ => OwnerSet::All,
        }
    }

    fn revenue_of(&self, s: &Sums) -> Decimal {
        match self.org.basis {
            RevenueBasis::Orders => s.get(Measure::OrderAmount) - s.get(Measure::RefundAmount),
            RevenueBasis::Bookings => s.get(Measure::Bookings),
            RevenueBasis::Cash => s.get(Measure::Payments),
        }
    }

    /// A metric computed from one group's summed measures: ratios of sums.
    /// `None` for a ratio over zero, and for the metrics that do not follow
    /// from sums alone (see [`recipe`]).
    fn of_sums(&self, metric: Metric, s: &Sums, target: Option<Decimal>) -> Option<Decimal> {
        use Metric as K;
        let hours = Decimal::from(3600);
        match metric {
            K::Revenue => Some(self.revenue_of(s)),
            K::Bookings => Some(s.get(Measure::Bookings)),
            K::Payments => Some(s.get(Measure::Payments)),
            K::DealsWon => Some(s.get(Measure::DealsWon)),
            K::WinRate => percent(
                s.get(Measure::DealsWon),
                s.get(Measure::DealsWon) + s.get(Measure::DealsLost),
            ),
            K::AvgDealSize => ratio(s.get(Measure::Bookings), s.get(Measure::DealsWon)),
            K::SalesCycleDays => ratio(s.get(Measure::WonCycleDays), s.get(Measure::DealsWon)),
            K::Pipeline => Some(s.get(Measure::Pipeline)),
            K::Activities => Some(s.get(Measure::Activities)),
            K::Csat => percent(s.get(Measure::CsatSatisfied), s.get(Measure::CsatResponses)),
            K::Nps => percent(
                s.get(Measure::NpsPromoters) - s.get(Measure::NpsDetractors),
                s.get(Measure::NpsResponses),
            ),
            K::FirstResponseHours => ratio(
                s.get(Measure::FirstResponseSeconds),
                s.get(Measure::RespondedTickets) * hours,
            ),
            K::ResolutionHours => ratio(
                s.get(Measure::ResolutionSeconds),
                s.get(Measure::ResolvedTickets) * hours,
            ),
            K::TrainingCompletion => percent(
                s.get(Measure::EnrolmentsCompleted),
                s.get(Measure::EnrolmentsDue),
            ),
            K::PipelineCoverage => target
                .and_then(|t| ratio(s.get(Measure::Pipeline), t.checked_sub(self.revenue_of(s))?)),
            K::NewCustomers
            | K::GrowthYoy
            | K::GrowthPop
            | K::Cac
            | K::Clv
            | K::ClvCac
            | K::ChurnRate
            | K::MarketShare => None,
        }
    }

    /// The value of a built-in metric for a scope and [from, to], per
    /// `grain` group (Total gives the key "").
    async fn metric_values(
        &self,
        metric: Metric,
        scope: &Scope,
        from: NaiveDate,
        to: NaiveDate,
        grain: Grain,
        target: Option<Decimal>,
    ) -> KpiResult<BTreeMap<String, Option<Decimal>>> {
        match scope {
            Scope::Customers(attr, value) => {
                let grain = match grain {
                    Grain::Total => CustomerGrain::Total,
                    Grain::Month => CustomerGrain::Month,
                    _ => {
                        return Err(KpiError::Invalid(
                            "customer scopes break down by month, segment, channel or industry"
                                .into(),
                        ));
                    }
                };
                if metric == Metric::MarketShare
                    && matches!(attr, CustomerAttr::Segment | CustomerAttr::Region)
                {
                    let revenue = self
                        .customer_values(
                            Metric::Revenue,
                            Some((*attr, value.as_str())),
                            from,
                            to,
                            CustomerGrain::Total,
                        )
                        .await?
                        .get("")
                        .copied()
                        .flatten();
                    let size = self
                        .market_size(from, to, Some((*attr, value.as_str())))
                        .await?;
                    return Ok(BTreeMap::from([(
                        String::new(),
                        revenue.zip(size).and_then(|(r, m)| percent(r, m)),
                    )]));
                }
                return self
                    .customer_values(metric, Some((*attr, value.as_str())), from, to, grain)
                    .await;
            }
            Scope::Product(p) => {
                return self
                    .product_values(
                        metric,
                        &OwnerSet::All,
                        &ProductFilter::Product(p.raw()),
                        from,
                        to,
                        grain,
                    )
                    .await;
            }
            Scope::Category(c) => {
                return self
                    .product_values(
                        metric,
                        &OwnerSet::All,
                        &ProductFilter::Category(c.clone()),
                        from,
                        to,
                        grain,
                    )
                    .await;
            }
            _ => {}
        }
        let owners = Self::owners(scope);
        let recipe = recipe(metric, self.org.basis);
        let measures = recipe.measures;
        let mut sums = if measures.is_empty() {
            BTreeMap::new()
        } else {
            let rows = self
                .source
                .owner_measures(&owners, from, to, grain, &measures, self.org.base)
                .await?;
            self.sums(&rows, &measures, to)?
        };
        if grain == Grain::Total && !measures.is_empty() {
            // No facts at all: sums are zero, ratios have no value.
            sums.entry(String::new()).or_default();
        }
        if recipe.from_sums {
            if metric == Metric::PipelineCoverage && target.is_none() {
                return Err(KpiError::Invalid(
                    "pipeline_coverage needs a target (goals bring it; give --target until then)"
                        .into(),
                ));
            }
            return Ok(sums
                .iter()
                .map(|(k, s)| (k.clone(), self.of_sums(metric, s, target)))
                .collect());
        }
        let revenue = |s: &Sums| self.revenue_of(s);
        use Metric as K;
        Ok(match metric {
            K::Revenue
            | K::Bookings
            | K::Payments
            | K::DealsWon
            | K::WinRate
            | K::AvgDealSize
            | K::SalesCycleDays
            | K::Pipeline
            | K::PipelineCoverage
            | K::Csat
            | K::Nps
            | K::Activities
            | K::FirstResponseHours
            | K::ResolutionHours
            | K::TrainingCompletion => {
                return Err(KpiError::Internal(format!(
                    "{metric} is computed from sums, not by its own reads"
                )));
            }
            K::NewCustomers => {
                let by = match grain {
                    Grain::Total => NewCustomersBy::Total,
                    Grain::Owner => NewCustomersBy::Owner,
                    Grain::Month => NewCustomersBy::Month,
                    Grain::Day | Grain::Unit | Grain::UnitMonth => {
                        return Err(KpiError::Invalid(
                            "new_customers breaks down by rep, month or unit one group at a time"
                                .into(),
                        ));
                    }
                };
                let counts = self.source.new_customers(&owners, from, to, by).await?;
                let mut out: BTreeMap<String, Option<Decimal>> = counts
                    .into_iter()
                    .map(|(k, n)| (k, Some(Decimal::from(n))))
                    .collect();
                if grain == Grain::Total {
                    out.entry(String::new()).or_insert(Some(Decimal::ZERO));
                }
                out
            }
            K::ChurnRate => {
                if grain != Grain::Total && grain != Grain::Owner {
                    return Err(KpiError::Invalid(
                        "churn_rate breaks down by time one period at a time".into(),
                    ));
                }
                let counts = self
                    .source
                    .churn_counts(&owners, from, to, grain == Grain::Owner)
                    .await?;
                counts
                    .into_iter()
                    .map(|(k, (active, churned))| {
                        (k, percent(Decimal::from(churned), Decimal::from(active)))
                    })
                    .collect()
            }
            K::GrowthYoy | K::GrowthPop => {
                return Err(KpiError::Internal(format!(
                    "{metric} is computed from two periods"
                )));
            }
            K::Cac => {
                let new = self
                    .source
                    .new_customers(&owners, from, to, NewCustomersBy::Total)
                    .await?;
                let spend = self.spend(scope, None, from, to).await?;
                let n = Decimal::from(new.get("").copied().unwrap_or(0));
                BTreeMap::from([(String::new(), spend.and_then(|s| ratio(s, n)))])
            }
            K::Clv | K::ClvCac => {
                // Trailing year to the end of the range.
                let year_start = to.checked_sub_days(Days::new(364)).unwrap_or(to);
                let rows = self
                    .source
                    .owner_measures(
                        &owners,
                        year_start,
                        to,
                        Grain::Total,
                        &measures,
                        self.org.base,
                    )
                    .await?;
                let sums = self.sums(&rows, &measures, to)?;
                let s = sums.get("").cloned().unwrap_or_default();
                let margin = s.get(Measure::OrderAmount)
                    - s.get(Measure::RefundAmount)
                    - s.get(Measure::OrderCost);
                let counts = self
                    .source
                    .churn_counts(&owners, year_start, to, false)
                    .await?;
                let (active, churned) = counts.get("").copied().unwrap_or((0, 0));
                let churn = ratio(Decimal::from(churned), Decimal::from(active));
                let clv = ratio(margin, Decimal::from(active))
                    .zip(churn)
                    .and_then(|(m, c)| ratio(m, c));
                let value = if metric == K::Clv {
                    clv
                } else {
                    let new = self
                        .source
                        .new_customers(&owners, from, to, NewCustomersBy::Total)
                        .await?;
                    let spend = self.spend(scope, None, from, to).await?;
                    let cac = spend
                        .and_then(|s| ratio(s, Decimal::from(new.get("").copied().unwrap_or(0))));
                    clv.zip(cac).and_then(|(a, b)| ratio(a, b))
                };
                BTreeMap::from([(String::new(), value)])
            }
            K::MarketShare => {
                let s = sums.get("").cloned().unwrap_or_default();
                let size = self.market_size(from, to, None).await?;
                BTreeMap::from([(String::new(), size.and_then(|m| percent(revenue(&s), m)))])
            }
        })
    }

    /// Spend of a scope (the company: all spend; a unit: spend booked to
    /// its subtree; a rep: none — spend never belongs to a person).
    async fn spend(
        &self,
        scope: &Scope,
        channel: Option<&str>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> KpiResult<Option<Decimal>> {
        let unit = match scope {
            Scope::Company => None,
            Scope::Unit(u) if self.org.tree.units().next().map(|r| r.id) == Some(*u) => None,
            Scope::Unit(u) => Some(*u),
            _ => return Ok(None),
        };
        let month = to.format("%Y-%m").to_string();
        let mut total = Decimal::ZERO;
        for (currency, minor) in self.source.spend_sum(unit, channel, from, to).await? {
            let c =
                Currency::from_code(&currency).map_err(|e| KpiError::Internal(e.to_string()))?;
            total += Money::from_minor_units(minor, c).amount() * self.rate(&currency, &month)?;
        }
        Ok(Some(total))
    }

    /// Market size for the period whose key matches [from, to]: all of it,
    /// or one segment's or region's.
    async fn market_size(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        only: Option<(CustomerAttr, &str)>,
    ) -> KpiResult<Option<Decimal>> {
        let keys: Vec<String> = [
            Granularity::FiscalYear,
            Granularity::Year,
            Granularity::FiscalQuarter,
            Granularity::Quarter,
            Granularity::Month,
        ]
        .into_iter()
        .filter_map(|g| self.org.calendar.period_containing(from, g).ok())
        .filter(|p| p.start() == from && p.last_day() == to)
        .map(|p| p.to_string())
        .collect();
        let mut total: Option<Decimal> = None;
        let month = to.format("%Y-%m").to_string();
        for key in keys {
            for size in self.source.market_sizes(&key, only).await? {
                let amount = size.amount() * self.rate(size.currency().code(), &month)?;
                total = Some(total.unwrap_or_default() + amount);
            }
        }
        Ok(total)
    }

    /// A built-in or custom metric over [from, to] for the scope, per grain group.
    async fn values(
        &self,
        query: &KpiQuery,
        scope: &Scope,
        from: NaiveDate,
        to: NaiveDate,
        grain: Grain,
    ) -> KpiResult<BTreeMap<String, Option<Decimal>>> {
        self.values_at(query, scope, from, to, grain, 0).await
    }

    /// [`Engine::values`] inside `depth` custom metrics, which stops at
    /// [`MAX_CUSTOM_NESTING`] whatever the stored definitions say.
    async fn values_at(
        &self,
        query: &KpiQuery,
        scope: &Scope,
        from: NaiveDate,
        to: NaiveDate,
        grain: Grain,
        depth: usize,
    ) -> KpiResult<BTreeMap<String, Option<Decimal>>> {
        if let Some(expr) = &query.formula
            && expr.names().is_empty()
        {
            // A formula of numbers alone has one value, whatever the groups.
            return Ok(BTreeMap::from([(String::new(), expr.eval(&|_| None))]));
        }
        if let Some(expr) = &query.formula {
            // Every name is computed for the same groups, then the formula
            // is applied group by group: a ratio of sums, never of ratios.
            let mut by_name: HashMap<String, BTreeMap<String, Option<Decimal>>> = HashMap::new();
            for name in expr.names() {
                let values =
                    Box::pin(self.named(&name, query, scope, from, to, grain, depth)).await?;
                by_name.insert(name, values);
            }
            let keys: std::collections::BTreeSet<String> =
                by_name.values().flat_map(|m| m.keys().cloned()).collect();
            return Ok(keys
                .into_iter()
                .map(|k| {
                    let value = expr.eval(&|n: &str| {
                        by_name
                            .get(n)
                            .and_then(|m| m.get(&k).copied().unwrap_or(Some(Decimal::ZERO)))
                    });
                    (k, value)
                })
                .collect());
        }
        self.named(query.metric.key(), query, scope, from, to, grain, depth)
            .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn named(
        &self,
        name: &str,
        query: &KpiQuery,
        scope: &Scope,
        from: NaiveDate,
        to: NaiveDate,
        grain: Grain,
        depth: usize,
    ) -> KpiResult<BTreeMap<String, Option<Decimal>>> {
        // A custom metric first, as in `answer` (its key can be no built-in
        // name, unless written past `define_metric`); a measure by its
        // column name as by its name.
        let key = if self.org.custom.contains_key(name) {
            MetricKey::Custom(name.to_owned())
        } else {
            match (MetricKey::parse(name), Measure::from_name(name)) {
                (MetricKey::Custom(_), Some(measure)) => MetricKey::Measure(measure),
                (key, _) => key,
            }
        };
        match key {
            MetricKey::Builtin(growth @ (Metric::GrowthYoy | Metric::GrowthPop)) => {
                let period = self.org.calendar.period(attain_core::PeriodKey::Range(
                    from,
                    to.succ_opt().unwrap_or(to),
                ))?;
                let whole = query.period.start() == from && query.period.last_day() == to;
                let asked = if whole { &query.period } else { &period };
                let base_period = if growth == Metric::GrowthYoy {
                    asked.same_period_last_year()?
                } else {
                    asked.previous()?
                };
                let now = self
                    .metric_values(Metric::Revenue, scope, from, to, grain, None)
                    .await?;
                let then = self
                    .metric_values(
                        Metric::Revenue,
                        scope,
                        base_period.start(),
                        base_period.last_day(),
                        grain,
                        None,
                    )
                    .await?;
                Ok(now
                    .iter()
                    .map(|(k, v)| {
                        let before = then.get(k).copied().flatten();
                        (
                            k.clone(),
                            v.zip(before).and_then(|(a, b)| percent(a - b, b)),
                        )
                    })
                    .collect())
            }
            MetricKey::Custom(key) if self.org.custom.contains_key(&key) => {
                if depth >= MAX_CUSTOM_NESTING {
                    return Err(KpiError::Invalid(format!(
                        "custom metric '{key}' is defined through more than {MAX_CUSTOM_NESTING} custom metrics"
                    )));
                }
                let expr = self.org.custom.get(&key).map(|(e, _)| e.clone());
                let q = KpiQuery {
                    formula: expr,
                    ..query.clone()
                };
                Box::pin(self.values_at(&q, scope, from, to, grain, depth + 1)).await
            }
            MetricKey::Builtin(metric) => {
                self.metric_values(metric, scope, from, to, grain, query.target)
                    .await
            }
            MetricKey::Custom(other) => Err(KpiError::Invalid(format!(
                "unknown metric or measure '{other}'"
            ))),
            MetricKey::Measure(measure) => {
                // A base measure by name (e.g. order_amount_minor as "order_amount").
                let rows = self
                    .source
                    .owner_measures(
                        &Self::owners(scope),
                        from,
                        to,
                        grain,
                        &[measure],
                        self.org.base,
                    )
                    .await?;
                let sums = self.sums(&rows, &[measure], to)?;
                Ok(sums
                    .into_iter()
                    .map(|(k, s)| (k, Some(s.get(measure))))
                    .collect())
            }
        }
    }

    /// Customer-linked figures of a metric over whole months, per group.
    async fn customer_values(
        &self,
        metric: Metric,
        filter: Option<(CustomerAttr, &str)>,
        from: NaiveDate,
        to: NaiveDate,
        grain: CustomerGrain,
    ) -> KpiResult<BTreeMap<String, Option<Decimal>>> {
        let recipe = recipe(metric, self.org.basis);
        if !recipe.from_sums
            || matches!(
                metric,
                Metric::TrainingCompletion | Metric::PipelineCoverage
            )
        {
            return Err(KpiError::Invalid(format!(
                "{metric} is not available for customer scopes (segment, region, industry, channel); revenue, bookings, payments, deals, pipeline, activities, service and survey metrics are"
            )));
        }
        let (first, last) = whole_months(from, to)?;
        let measures = recipe.measures;
        let rows = self
            .source
            .customer_measures(filter, &first, &last, grain, &measures, self.org.base)
            .await?;
        let mut sums = self.sums(&rows, &measures, to)?;
        if grain == CustomerGrain::Total {
            sums.entry(String::new()).or_default();
        }
        Ok(sums
            .iter()
            .map(|(k, s)| (k.clone(), self.of_sums(metric, s, None)))
            .collect())
    }

    /// Revenue of order lines (before refunds, which belong to orders).
    async fn product_values(
        &self,
        metric: Metric,
        owners: &OwnerSet,
        filter: &ProductFilter,
        from: NaiveDate,
        to: NaiveDate,
        grain: Grain,
    ) -> KpiResult<BTreeMap<String, Option<Decimal>>> {
        let product_grain = match grain {
            Grain::Total => ProductGrain::Total,
            Grain::Month => ProductGrain::Month,
            _ => {
                return Err(KpiError::Invalid(
                    "product figures break down by month, product or category".into(),
                ));
            }
        };
        self.product_grouped(metric, owners, filter, from, to, product_grain)
            .await
    }

    async fn product_grouped(
        &self,
        metric: Metric,
        owners: &OwnerSet,
        filter: &ProductFilter,
        from: NaiveDate,
        to: NaiveDate,
        grain: ProductGrain,
    ) -> KpiResult<BTreeMap<String, Option<Decimal>>> {
        const LINE: &[Measure] = &[Measure::OrderAmount];
        if metric != Metric::Revenue {
            return Err(KpiError::Invalid(format!(
                "{metric} is not available by product: products have revenue (their order lines' amounts, before refunds)"
            )));
        }
        let (first, last) = whole_months(from, to)?;
        let rows = self
            .source
            .product_measures(owners, filter, &first, &last, grain, self.org.base)
            .await?;
        let mut sums = self.sums(&rows, LINE, to)?;
        if grain == ProductGrain::Total {
            sums.entry(String::new()).or_default();
        }
        Ok(sums
            .into_iter()
            .map(|(k, s)| (k, Some(s.get(Measure::OrderAmount))))
            .collect())
    }

    /// A breakdown by a customer attribute or by product.
    async fn by_attribute(&self, query: &KpiQuery, unit: Unit, dim: Dim) -> KpiResult<KpiAnswer> {
        if query.by.len() > 1 {
            return Err(KpiError::Invalid(
                "a breakdown by segment, channel, industry, product or category stands alone"
                    .into(),
            ));
        }
        let from = query.period.start();
        let to = query.period.last_day();
        let Some(metric) = query.metric.builtin().filter(|_| query.formula.is_none()) else {
            return Err(KpiError::Invalid(
                "custom formulas break down by rep, unit or time".into(),
            ));
        };
        let values: BTreeMap<String, Option<Decimal>> = match dim {
            Dim::Product | Dim::Category => {
                let filter = match &query.scope {
                    Scope::Product(p) => ProductFilter::Product(p.raw()),
                    Scope::Category(c) => ProductFilter::Category(c.clone()),
                    _ => ProductFilter::All,
                };
                let grain = if dim == Dim::Product {
                    ProductGrain::Product
                } else {
                    ProductGrain::Category
                };
                self.product_grouped(
                    metric,
                    &Self::owners(&query.scope),
                    &filter,
                    from,
                    to,
                    grain,
                )
                .await?
            }
            _ => {
                let attr = match dim {
                    Dim::Segment => CustomerAttr::Segment,
                    Dim::Channel => CustomerAttr::Channel,
                    _ => CustomerAttr::Industry,
                };
                let filter = match &query.scope {
                    Scope::Company => None,
                    Scope::Customers(a, v) => Some((*a, v.as_str())),
                    _ => {
                        return Err(KpiError::Invalid(
                            "breakdowns by segment, channel or industry are company-wide".into(),
                        ));
                    }
                };
                match (metric, dim) {
                    (Metric::NewCustomers, Dim::Channel) if filter.is_none() => self
                        .source
                        .new_customers(&OwnerSet::All, from, to, NewCustomersBy::Channel)
                        .await?
                        .into_iter()
                        .map(|(k, n)| (k, Some(Decimal::from(n))))
                        .collect(),
                    (Metric::Cac, Dim::Channel) if filter.is_none() => {
                        let new = self
                            .source
                            .new_customers(&OwnerSet::All, from, to, NewCustomersBy::Channel)
                            .await?;
                        let mut out = BTreeMap::new();
                        for (channel, n) in new {
                            let spend = self
                                .spend(&Scope::Company, Some(&channel), from, to)
                                .await?;
                            out.insert(channel, spend.and_then(|s| ratio(s, Decimal::from(n))));
                        }
                        out
                    }
                    _ => {
                        self.customer_values(metric, filter, from, to, CustomerGrain::Attr(attr))
                            .await?
                    }
                }
            }
        };
        let names: HashMap<String, String> = if dim == Dim::Product {
            self.source.product_names().await?
        } else {
            HashMap::new()
        };
        let rows = values
            .into_iter()
            .map(|(key, value)| {
                let label = names.get(&key).cloned().unwrap_or_else(|| {
                    if key.is_empty() {
                        "—".to_owned()
                    } else {
                        key.clone()
                    }
                });
                KpiRow {
                    keys: vec![key],
                    labels: vec![label],
                    value,
                }
            })
            .collect();
        Ok(self.wrap(query, unit, rows))
    }

    /// A scope's name for people: the unit's or person's name, the value.
    pub fn scope_label(&self, scope: &Scope) -> String {
        match scope {
            Scope::Company => self
                .org
                .tree
                .units()
                .next()
                .map_or_else(|| "company".into(), |u| u.name.clone()),
            Scope::Unit(u) => self
                .org
                .tree
                .unit(*u)
                .map_or_else(|| u.to_string(), |u| u.name.clone()),
            Scope::Rep(r) => self
                .org
                .names
                .get(&r.raw())
                .cloned()
                .unwrap_or_else(|| r.to_string()),
            Scope::Customers(_, value) => value.clone(),
            Scope::Product(p) => format!("product {p}"),
            Scope::Category(c) => c.clone(),
        }
    }

    /// Time buckets of `period` at a granularity, clipped to it.
    fn buckets(&self, period: &Period, dim: Dim) -> KpiResult<Vec<(String, NaiveDate, NaiveDate)>> {
        let granularity = match dim {
            Dim::Month => Granularity::Month,
            Dim::Week => Granularity::Week,
            _ => Granularity::FiscalQuarter,
        };
        let mut out = Vec::new();
        let mut day = period.start();
        while day < period.end() {
            let bucket = self.org.calendar.period_containing(day, granularity)?;
            let end = bucket.last_day().min(period.last_day());
            out.push((bucket.to_string(), day, end));
            day = bucket.end();
        }
        Ok(out)
    }

    /// The answer to a person's question: a scope outside what he may see
    /// (`Principal::may_see_scope`) is refused exactly like one that does not
    /// exist, so IDs cannot be probed. The entry point for people; the
    /// shell and the use cases with their own rules (goals, pay) call
    /// [`Self::answer`].
    pub async fn answer_for(
        &self,
        who: &attain_core::Principal,
        query: &KpiQuery,
    ) -> KpiResult<KpiAnswer> {
        if !who.may_see_scope(&query.scope, self.tree()) {
            return Err(KpiError::Store(attain_store::StoreError::NotFound {
                entity: "scope",
                id: query.scope.key(),
            }));
        }
        self.answer(query).await
    }

    /// Answers a query without asking who asks: for the shell and for use
    /// cases that apply their own rules (goals, pay). A person's question
    /// goes through [`Self::answer_for`].
    pub async fn answer(&self, query: &KpiQuery) -> KpiResult<KpiAnswer> {
        if let Some(target) = query.target {
            let largest = Money::largest(self.org.base).amount();
            if target.abs() > largest {
                return Err(KpiError::Invalid(format!(
                    "target: {target} is beyond {largest}, the largest amount Attain keeps"
                )));
            }
        }
        if query.formula.is_none()
            && let Some((expr, unit)) = self.org.custom.get(query.metric.key())
        {
            let q = KpiQuery {
                formula: Some(expr.clone()),
                ..query.clone()
            };
            let mut answer = Box::pin(self.answer(&q)).await?;
            answer.unit = *unit;
            return Ok(answer);
        }
        if query.formula.is_none() && query.metric.builtin().is_none() {
            return Err(KpiError::Invalid(format!(
                "unknown metric '{}'; metrics: {}",
                query.metric,
                kpi::CATALOGUE
                    .iter()
                    .map(|m| m.key)
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        // Every name of a formula is known before anything is grouped: a
        // breakdown with no groups would otherwise answer nothing, not "no".
        if let Some(unknown) = query.formula.as_ref().and_then(|f| {
            f.names()
                .into_iter()
                .find(|n| !is_builtin_name(n) && !self.org.custom.contains_key(n))
        }) {
            return Err(KpiError::Invalid(format!(
                "unknown metric or measure '{unknown}'"
            )));
        }
        if let Some(dim) = query.by.first().copied().filter(|d| d.is_attribute()) {
            let unit = query.metric.builtin().map_or(Unit::Ratio, |m| m.def().unit);
            return self.by_attribute(query, unit, dim).await;
        }
        if query.by.len() > 2
            || (query.by.len() == 2 && (!query.by[1].is_time() || query.by[0].is_time()))
        {
            return Err(KpiError::Invalid(
                "a breakdown is one dimension, or rep/unit then month/week/quarter".into(),
            ));
        }
        let unit = query.formula.as_ref().map_or_else(
            || query.metric.builtin().map_or(Unit::Ratio, |m| m.def().unit),
            |_| Unit::Ratio,
        );
        let from = query.period.start();
        let to = query.period.last_day();
        let mut rows = Vec::new();
        // Groups of the first dimension: (key, label, scope of the group).
        let groups: Vec<(String, String, Scope)> = match query.by.first() {
            None => vec![(String::new(), String::new(), query.scope.clone())],
            Some(Dim::Unit) => {
                let parent = match query.scope {
                    Scope::Company => self.org.tree.units().next().map(|u| u.id),
                    Scope::Unit(u) => Some(u),
                    _ => None,
                }
                .ok_or_else(|| {
                    KpiError::Invalid("only the company or a unit has units below it".into())
                })?;
                self.org
                    .tree
                    .children(parent)
                    .map(|u| (u.id.raw().to_string(), u.name.clone(), Scope::Unit(u.id)))
                    .collect()
            }
            Some(kind @ (Dim::Team | Dim::Region)) => {
                let kind = if *kind == Dim::Team {
                    attain_core::OrgUnitKind::Team
                } else {
                    attain_core::OrgUnitKind::Region
                };
                let root = match query.scope {
                    Scope::Company => self.org.tree.units().next().map(|u| u.id),
                    Scope::Unit(u) => Some(u),
                    _ => None,
                }
                .ok_or_else(|| {
                    KpiError::Invalid("only the company or a unit has units below it".into())
                })?;
                self.org
                    .tree
                    .subtree(root)
                    .iter()
                    .filter_map(|id| self.org.tree.unit(*id))
                    .filter(|u| u.kind == kind)
                    .map(|u| (u.id.raw().to_string(), u.name.clone(), Scope::Unit(u.id)))
                    .collect()
            }
            Some(Dim::Rep) => {
                let mut values = self
                    .values(query, &query.scope, from, to, Grain::Owner)
                    .await?;
                // Everyone in the scope gets a row, with or without figures.
                if let Some(metric) = self.summable_metric(query) {
                    let people: Vec<UserId> = match query.scope {
                        Scope::Company => self
                            .org
                            .tree
                            .units()
                            .next()
                            .map(|r| self.org.tree.users_within(r.id).collect())
                            .unwrap_or_default(),
                        Scope::Unit(u) => self.org.tree.users_within(u).collect(),
                        Scope::Rep(r) => vec![r],
                        _ => Vec::new(),
                    };
                    for person in people {
                        values.entry(person.raw().to_string()).or_insert_with(|| {
                            self.of_sums(metric, &Sums::default(), query.target)
                        });
                    }
                }
                let mut reps: Vec<(String, String, Scope)> = values
                    .keys()
                    .filter_map(|k| k.parse::<i64>().ok())
                    .filter(|id| *id != 0)
                    .map(|id| {
                        let name = self
                            .org
                            .names
                            .get(&id)
                            .cloned()
                            .unwrap_or_else(|| id.to_string());
                        (id.to_string(), name, Scope::Rep(UserId::from_raw(id)))
                    })
                    .collect();
                reps.sort_by(|a, b| a.1.cmp(&b.1));
                if query.by.len() == 1 {
                    for (key, label, _) in &reps {
                        rows.push(KpiRow {
                            keys: vec![key.clone()],
                            labels: vec![label.clone()],
                            value: values.get(key).copied().flatten(),
                        });
                    }
                    return Ok(self.wrap(query, unit, rows));
                }
                reps
            }
            Some(time) => {
                let dim = *time;
                return self
                    .time_rows(query, &query.scope, &[], &[], dim, unit)
                    .await;
            }
        };
        let unit_dim = matches!(query.by.first(), Some(Dim::Unit | Dim::Team | Dim::Region));
        if unit_dim
            && matches!(query.by.get(1), None | Some(Dim::Month))
            && let Some(metric) = self.summable_metric(query)
        {
            return self.by_units(query, metric, unit, &groups).await;
        }
        for (key, label, scope) in groups {
            match query.by.get(1) {
                Some(dim) => {
                    let sub = self
                        .time_rows(
                            query,
                            &scope,
                            std::slice::from_ref(&key),
                            std::slice::from_ref(&label),
                            *dim,
                            unit,
                        )
                        .await?;
                    rows.extend(sub.rows);
                }
                None => {
                    let values = self.values(query, &scope, from, to, Grain::Total).await?;
                    rows.push(KpiRow {
                        keys: if key.is_empty() { vec![] } else { vec![key] },
                        labels: if label.is_empty() {
                            vec![]
                        } else {
                            vec![label]
                        },
                        value: values.get("").copied().flatten(),
                    });
                }
            }
        }
        Ok(self.wrap(query, unit, rows))
    }

    /// A measure metric per group of units (and month): the facts are
    /// summed per owner's unit in one query and the sums folded into the
    /// groups, so a hundred teams cost one query, and ratios still come
    /// from each group's sums.
    async fn by_units(
        &self,
        query: &KpiQuery,
        metric: Metric,
        unit: Unit,
        groups: &[(String, String, Scope)],
    ) -> KpiResult<KpiAnswer> {
        let from = query.period.start();
        let to = query.period.last_day();
        let monthly = query.by.get(1) == Some(&Dim::Month);
        let mut group_of: HashMap<i64, usize> = HashMap::new();
        for (i, (_, _, scope)) in groups.iter().enumerate() {
            if let Scope::Unit(g) = scope {
                for u in self.org.tree.subtree(*g) {
                    group_of.entry(u.raw()).or_insert(i);
                }
            }
        }
        let measures = recipe(metric, self.org.basis).measures;
        let grain = if monthly {
            Grain::UnitMonth
        } else {
            Grain::Unit
        };
        let rows = self
            .source
            .owner_measures(
                &Self::owners(&query.scope),
                from,
                to,
                grain,
                &measures,
                self.org.base,
            )
            .await?;
        let sums = self.sums(&rows, &measures, to)?;
        let mut folded: HashMap<(usize, String), Sums> = HashMap::new();
        for (key, s) in &sums {
            let (unit_id, month) = key.split_once(' ').unwrap_or((key.as_str(), ""));
            let Some(g) = unit_id.parse::<i64>().ok().and_then(|u| group_of.get(&u)) else {
                continue;
            };
            add_sums(
                folded.entry((*g, month.to_owned())).or_default(),
                s,
                &measures,
            );
        }
        let empty = Sums::default();
        let mut out = Vec::new();
        let buckets = if monthly {
            self.buckets(&query.period, Dim::Month)?
        } else {
            vec![(String::new(), from, to)]
        };
        for (i, (key, label, _)) in groups.iter().enumerate() {
            for (bucket, bucket_from, _) in &buckets {
                let month = if monthly {
                    bucket_from.format("%Y-%m").to_string()
                } else {
                    String::new()
                };
                let s = folded.get(&(i, month)).unwrap_or(&empty);
                let mut keys = vec![key.clone()];
                let mut labels = vec![label.clone()];
                if monthly {
                    keys.push(bucket.clone());
                    labels.push(bucket.clone());
                }
                out.push(KpiRow {
                    keys,
                    labels,
                    value: self.of_sums(metric, s, query.target),
                });
            }
        }
        Ok(self.wrap(query, unit, out))
    }

    /// The query's built-in metric when it follows from summed measures
    /// alone (no formula): then any grouping is summed first.
    fn summable_metric(&self, query: &KpiQuery) -> Option<Metric> {
        query
            .metric
            .builtin()
            .filter(|m| query.formula.is_none() && recipe(*m, self.org.basis).from_sums)
    }

    fn wrap(&self, query: &KpiQuery, unit: Unit, rows: Vec<KpiRow>) -> KpiAnswer {
        KpiAnswer {
            metric: query.metric.key().to_owned(),
            unit,
            scope: self.scope_label(&query.scope),
            period: query.period.to_string(),
            rows,
        }
    }

    /// Rows per time bucket for one scope. Additive built-ins read all
    /// months in one query; others are computed bucket by bucket.
    async fn time_rows(
        &self,
        query: &KpiQuery,
        scope: &Scope,
        keys: &[String],
        labels: &[String],
        dim: Dim,
        unit: Unit,
    ) -> KpiResult<KpiAnswer> {
        let buckets = self.buckets(&query.period, dim)?;
        let monthly = dim == Dim::Month
            && query.formula.is_none()
            && query
                .metric
                .builtin()
                .is_some_and(|m| recipe(m, self.org.basis).by_month);
        let mut rows = Vec::with_capacity(buckets.len());
        let by_month = if monthly {
            Some(
                self.values(
                    query,
                    scope,
                    query.period.start(),
                    query.period.last_day(),
                    Grain::Month,
                )
                .await?,
            )
        } else {
            None
        };
        for (bucket, from, to) in buckets {
            let value = match &by_month {
                Some(values) => values
                    .get(&from.format("%Y-%m").to_string())
                    .copied()
                    .flatten()
                    .or(
                        // A month without any fact: additive sums are zero, ratios have no value.
                        if matches!(unit, Unit::Money | Unit::Count) {
                            Some(Decimal::ZERO)
                        } else {
                            None
                        },
                    ),
                None => {
                    let period = self.org.calendar.period(attain_core::PeriodKey::Range(
                        from,
                        to.succ_opt().unwrap_or(to),
                    ))?;
                    let q = KpiQuery {
                        period,
                        ..query.clone()
                    };
                    self.values(&q, scope, from, to, Grain::Total)
                        .await?
                        .get("")
                        .copied()
                        .flatten()
                }
            };
            let mut k = keys.to_vec();
            k.push(bucket.clone());
            let mut l = labels.to_vec();
            l.push(bucket);
            rows.push(KpiRow {
                keys: k,
                labels: l,
                value,
            });
        }
        Ok(self.wrap(query, unit, rows))
    }
}

/// The first and last month (`YYYY-MM`) of a range made of whole months.
fn whole_months(from: NaiveDate, to: NaiveDate) -> KpiResult<(String, String)> {
    use chrono::Datelike;
    if from.day() != 1 || to.succ_opt().is_none_or(|d| d.day() != 1) {
        return Err(KpiError::Invalid(
            "customer and product figures are kept by month: choose a period of whole months"
                .into(),
        ));
    }
    Ok((
        from.format("%Y-%m").to_string(),
        to.format("%Y-%m").to_string(),
    ))
}
