//! The organisation as every figure needs it — its settings, calendar,
//! base currency and revenue basis, its tree, its people's names and roles,
//! exchange and plan rates, custom metrics — loaded once per request or
//! command and passed down, instead of read again by every call.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use attain_core::kpi::{Expr, Unit};
use attain_core::sales::RevenueBasis;
use attain_core::{Currency, FiscalCalendar, OrgTree, Role, UserId};
use attain_store::Store;
use rust_decimal::Decimal;

use crate::KpiResult;

/// One organisation's context, as of the moment it was loaded; what it
/// holds is read through the [`crate::Engine`] built over it.
#[derive(Debug, Clone)]
pub struct OrgContext {
    pub(crate) base: Currency,
    pub(crate) basis: RevenueBasis,
    pub(crate) calendar: FiscalCalendar,
    /// (currency, `YYYY-MM`) → units of the base currency per unit.
    pub(crate) rates: BTreeMap<(String, String), Decimal>,
    /// (currency, fiscal year) → the fixed plan rate.
    pub(crate) plan_rates: BTreeMap<(String, i32), Decimal>,
    pub(crate) tree: OrgTree,
    pub(crate) names: HashMap<i64, String>,
    pub(crate) roles: HashMap<i64, Role>,
    /// Custom metrics that parse: key → formula and unit.
    pub(crate) custom: BTreeMap<String, (Expr, Unit)>,
}

impl OrgContext {
    /// A context made of parts rather than read from the store, for an
    /// engine over another source (a test, a what-if): the people with
    /// their names and roles, no exchange or plan rates, no custom metrics,
    /// revenue counted from orders.
    pub fn new(
        calendar: FiscalCalendar,
        base: Currency,
        tree: OrgTree,
        people: impl IntoIterator<Item = (UserId, String, Role)>,
    ) -> Self {
        let mut names = HashMap::new();
        let mut roles = HashMap::new();
        for (id, name, role) in people {
            names.insert(id.raw(), name);
            roles.insert(id.raw(), role);
        }
        Self {
            base,
            basis: RevenueBasis::Orders,
            calendar,
            rates: BTreeMap::new(),
            plan_rates: BTreeMap::new(),
            tree,
            names,
            roles,
            custom: BTreeMap::new(),
        }
    }

    /// The same context with a monthly exchange rate: units of the base
    /// currency per unit of `currency` from `month` (`YYYY-MM`) on.
    #[must_use]
    pub fn with_rate(mut self, currency: Currency, month: &str, rate: Decimal) -> Self {
        self.rates
            .insert((currency.code().to_owned(), month.to_owned()), rate);
        self
    }

    /// Reads the context from the store: one read per kind of thing.
    pub async fn load(store: &Store) -> KpiResult<Arc<Self>> {
        let settings = store.settings().await?;
        let basis = store.revenue_basis().await?;
        let mut rates = BTreeMap::new();
        for ((c, m), r) in store.exchange_rates().await? {
            if let Ok(rate) = r.parse::<Decimal>() {
                rates.insert((c, m), rate);
            }
        }
        let mut plan_rates = BTreeMap::new();
        for ((c, y), r) in store.plan_rates().await? {
            if let Ok(rate) = r.parse::<Decimal>() {
                plan_rates.insert((c, y), rate);
            }
        }
        let users = store.users().await?;
        let roles = users.iter().map(|u| (u.id.raw(), u.role)).collect();
        let names = users
            .into_iter()
            .map(|u| (u.id.raw(), u.display_name))
            .collect();
        let mut custom = BTreeMap::new();
        for m in store.custom_metrics().await? {
            if let (Ok(expr), Some(unit)) = (Expr::parse(&m.formula), crate::unit_of_key(&m.unit)) {
                custom.insert(m.key, (expr, unit));
            }
        }
        Ok(Arc::new(Self {
            base: settings.base_currency,
            basis,
            calendar: settings.calendar,
            rates,
            plan_rates,
            tree: store.org_tree().await?,
            names,
            roles,
            custom,
        }))
    }
}
