//! The additive measures every KPI is computed from: what the rollups keep
//! per owner, customer, unit and day or month, summed over any grouping
//! before a ratio is taken. One list, so the rollup writer, the store's
//! reads, the engine and the formula names cannot disagree.

use std::ops::{Index, IndexMut};

/// One additive measure of the rollups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Measure {
    /// Confirmed orders' totals (money; for product figures, order lines' amounts).
    OrderAmount,
    /// Refunds of confirmed orders (money).
    RefundAmount,
    /// Confirmed orders' costs (money; for product figures, order lines' costs).
    OrderCost,
    /// Won deals' amounts, on their close day (money).
    Bookings,
    /// Open deals' amounts, on their expected close day (money).
    Pipeline,
    /// Payments received (money).
    Payments,
    /// Confirmed orders.
    Orders,
    /// Deals won.
    DealsWon,
    /// Deals lost.
    DealsLost,
    /// Days from creation to close, summed over won deals.
    WonCycleDays,
    /// Sales activities (calls, meetings, …; not to-dos).
    Activities,
    /// Service tickets opened.
    Tickets,
    /// Tickets with a first response.
    RespondedTickets,
    /// Seconds to first response, summed over responded tickets.
    FirstResponseSeconds,
    /// Tickets resolved.
    ResolvedTickets,
    /// Seconds to resolution, summed over resolved tickets.
    ResolutionSeconds,
    /// CSAT survey responses.
    CsatResponses,
    /// CSAT responses scoring 4 or 5.
    CsatSatisfied,
    /// NPS survey responses.
    NpsResponses,
    /// NPS responses scoring 9 or 10.
    NpsPromoters,
    /// NPS responses scoring 0 to 6.
    NpsDetractors,
    /// Training enrolments due.
    EnrolmentsDue,
    /// Training enrolments completed.
    EnrolmentsCompleted,
}

impl Measure {
    /// How many measures there are.
    pub const COUNT: usize = 23;

    /// Every measure, in rollup column order.
    pub const ALL: [Measure; Measure::COUNT] = [
        Measure::OrderAmount,
        Measure::RefundAmount,
        Measure::OrderCost,
        Measure::Bookings,
        Measure::Pipeline,
        Measure::Payments,
        Measure::Orders,
        Measure::DealsWon,
        Measure::DealsLost,
        Measure::WonCycleDays,
        Measure::Activities,
        Measure::Tickets,
        Measure::RespondedTickets,
        Measure::FirstResponseSeconds,
        Measure::ResolvedTickets,
        Measure::ResolutionSeconds,
        Measure::CsatResponses,
        Measure::CsatSatisfied,
        Measure::NpsResponses,
        Measure::NpsPromoters,
        Measure::NpsDetractors,
        Measure::EnrolmentsDue,
        Measure::EnrolmentsCompleted,
    ];

    /// The name a formula uses (`order_amount`, `deals_lost`).
    pub fn name(self) -> &'static str {
        match self {
            Measure::OrderAmount => "order_amount",
            Measure::RefundAmount => "refund_amount",
            Measure::OrderCost => "order_cost",
            Measure::Bookings => "bookings",
            Measure::Pipeline => "pipeline",
            Measure::Payments => "payments",
            Measure::Orders => "orders",
            Measure::DealsWon => "deals_won",
            Measure::DealsLost => "deals_lost",
            Measure::WonCycleDays => "won_cycle_days",
            Measure::Activities => "activities",
            Measure::Tickets => "tickets",
            Measure::RespondedTickets => "responded_tickets",
            Measure::FirstResponseSeconds => "first_response_seconds",
            Measure::ResolvedTickets => "resolved_tickets",
            Measure::ResolutionSeconds => "resolution_seconds",
            Measure::CsatResponses => "csat_responses",
            Measure::CsatSatisfied => "csat_satisfied",
            Measure::NpsResponses => "nps_responses",
            Measure::NpsPromoters => "nps_promoters",
            Measure::NpsDetractors => "nps_detractors",
            Measure::EnrolmentsDue => "enrolments_due",
            Measure::EnrolmentsCompleted => "enrolments_completed",
        }
    }

    /// Whether it is money, in minor units of its row's currency (counts
    /// and durations are not, and are never converted).
    pub fn is_money(self) -> bool {
        matches!(
            self,
            Measure::OrderAmount
                | Measure::RefundAmount
                | Measure::OrderCost
                | Measure::Bookings
                | Measure::Pipeline
                | Measure::Payments
        )
    }

    /// Its rollup column: the name, with `_minor` for money.
    pub fn column(self) -> &'static str {
        match self {
            Measure::OrderAmount => "order_amount_minor",
            Measure::RefundAmount => "refund_amount_minor",
            Measure::OrderCost => "order_cost_minor",
            Measure::Bookings => "bookings_minor",
            Measure::Pipeline => "pipeline_minor",
            Measure::Payments => "payments_minor",
            other => other.name(),
        }
    }

    /// The measure a formula name or a column names (`order_amount` or
    /// `order_amount_minor`).
    pub fn from_name(name: &str) -> Option<Measure> {
        Measure::ALL
            .into_iter()
            .find(|m| m.name() == name || m.column() == name)
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl std::fmt::Display for Measure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One value per measure, read and written by the measure itself (never
/// by position in some request): sums of a group, zero where nothing was
/// asked or found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PerMeasure<T>([T; Measure::COUNT]);

impl<T: Copy + Default> Default for PerMeasure<T> {
    fn default() -> Self {
        PerMeasure([T::default(); Measure::COUNT])
    }
}

impl<T: Copy> PerMeasure<T> {
    /// The value of one measure.
    pub fn get(&self, measure: Measure) -> T {
        self.0[measure.index()]
    }

    /// Every measure with its value, in [`Measure::ALL`] order.
    pub fn iter(&self) -> impl Iterator<Item = (Measure, T)> + '_ {
        Measure::ALL.into_iter().map(|m| (m, self.get(m)))
    }
}

impl<T> Index<Measure> for PerMeasure<T> {
    type Output = T;
    fn index(&self, measure: Measure) -> &T {
        &self.0[measure.index()]
    }
}

impl<T> IndexMut<Measure> for PerMeasure<T> {
    fn index_mut(&mut self, measure: Measure) -> &mut T {
        &mut self.0[measure.index()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_measure_is_listed_once_in_its_own_place() {
        for (i, m) in Measure::ALL.into_iter().enumerate() {
            assert_eq!(m.index(), i, "{m} is in ALL at its discriminant");
            assert_eq!(Measure::from_name(m.name()), Some(m));
            assert_eq!(Measure::from_name(m.column()), Some(m));
        }
        let names: std::collections::BTreeSet<_> = Measure::ALL.iter().map(|m| m.name()).collect();
        assert_eq!(names.len(), Measure::COUNT, "names are distinct");
    }

    #[test]
    fn money_is_exactly_the_measures_kept_in_minor_units() {
        for m in Measure::ALL {
            assert_eq!(m.is_money(), m.column().ends_with("_minor"), "{m}");
        }
        assert_eq!(Measure::ALL.iter().filter(|m| m.is_money()).count(), 6);
        assert_eq!(Measure::from_name("order_amount_minorx"), None);
        assert_eq!(
            Measure::from_name("revenue"),
            None,
            "a metric is no measure"
        );
    }

    #[test]
    fn values_are_kept_by_measure() {
        let mut v = PerMeasure::<i64>::default();
        v[Measure::DealsLost] = 3;
        v[Measure::Payments] += 5;
        assert_eq!(v.get(Measure::DealsLost), 3);
        assert_eq!(v[Measure::Payments], 5);
        assert_eq!(v.get(Measure::DealsWon), 0);
        assert_eq!(v.iter().filter(|(_, x)| *x != 0).count(), 2);
    }
}
