//! Goals: a metric, a scope, a period, a target and a direction, cascaded
//! down the organisation and across months so that children add up exactly
//! to their parent; attainment, pace and status against the actual; and the
//! SMART check, letter by letter with its reason.
//!
//! Everything here is pure: the caller measures the actuals and the history
//! (through the KPI engine) and passes them in with "today".

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::kpi::Unit;
use crate::money::{Currency, allocate_units};
use crate::period::Period;

/// Whether a goal is met by reaching the target or by staying under it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GoalDirection {
    /// Met when the actual reaches the target (revenue, deals won).
    AtLeast,
    /// Met when the actual stays at or below the target (churn, CAC).
    AtMost,
}

impl GoalDirection {
    /// Key used in files, the API and storage.
    pub fn key(self) -> &'static str {
        match self {
            GoalDirection::AtLeast => "at_least",
            GoalDirection::AtMost => "at_most",
        }
    }
}

impl FromStr for GoalDirection {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "at_least" | "at-least" | ">=" => Ok(GoalDirection::AtLeast),
            "at_most" | "at-most" | "<=" => Ok(GoalDirection::AtMost),
            other => Err(format!("'{other}' is not at_least or at_most")),
        }
    }
}

impl fmt::Display for GoalDirection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// Metrics whose figure for a whole is the sum of its parts' figures, so a
/// goal on them splits across people and months. A ratio (win rate, CAC)
/// does not add up: children of such a goal inherit the parent's target.
pub fn is_additive(metric: &crate::MetricKey) -> bool {
    use crate::Metric as K;
    match metric.builtin() {
        Some(
            K::Revenue
            | K::Bookings
            | K::Payments
            | K::DealsWon
            | K::Pipeline
            | K::NewCustomers
            | K::Activities,
        ) => true,
        Some(
            K::WinRate
            | K::AvgDealSize
            | K::SalesCycleDays
            | K::PipelineCoverage
            | K::GrowthYoy
            | K::GrowthPop
            | K::Cac
            | K::Clv
            | K::ClvCac
            | K::Csat
            | K::Nps
            | K::ChurnRate
            | K::FirstResponseHours
            | K::ResolutionHours
            | K::TrainingCompletion
            | K::MarketShare,
        )
        | None => false,
    }
}

/// How many decimals a target of this unit keeps: the currency's minor
/// digits for money, none for counts, two for everything else.
pub fn target_scale(unit: Unit, base: Currency) -> u32 {
    match unit {
        Unit::Money => base.minor_digits(),
        Unit::Count => 0,
        _ => 2,
    }
}

/// Why a target cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    /// Below zero.
    #[error("a target must not be negative ({0})")]
    Negative(Decimal),
    /// More decimals than the metric's unit keeps.
    #[error("{value} has more than {scale} decimal(s), which is all a target of this metric keeps")]
    TooPrecise {
        /// The target given.
        value: Decimal,
        /// Decimals allowed.
        scale: u32,
    },
    /// Too large to store: beyond [`crate::money::MAX_AMOUNT_MINOR`] units.
    #[error("{0} is too large for a target (at most ten trillion)")]
    TooLarge(Decimal),
    /// The weights of a split are negative or all zero.
    #[error("the weights must not be negative and must not all be zero")]
    BadWeights,
}

/// A target as whole units of `10^-scale`, the form it is stored and split
/// in, so that a split is exact.
pub fn target_units(value: Decimal, scale: u32) -> Result<i64, TargetError> {
    if value.is_sign_negative() && !value.is_zero() {
        return Err(TargetError::Negative(value));
    }
    let normal = value.normalize();
    if normal.scale() > scale {
        return Err(TargetError::TooPrecise { value, scale });
    }
    let factor = Decimal::from(10_i64.pow(scale));
    value
        .checked_mul(factor)
        .and_then(|v| i64::try_from(v.trunc()).ok())
        .filter(|units| *units <= crate::money::MAX_AMOUNT_MINOR)
        .ok_or(TargetError::TooLarge(value))
}

/// The target `units × 10^-scale` as a decimal.
pub fn target_value(units: i64, scale: u32) -> Decimal {
    Decimal::new(units, scale)
}

/// Splits a target into parts proportional to `weights` that add up exactly
/// to it, in the target's own precision (largest remainder).
pub fn split_target(
    target: Decimal,
    scale: u32,
    weights: &[Decimal],
) -> Result<Vec<Decimal>, TargetError> {
    let units = target_units(target, scale)?;
    allocate_units(units, weights)
        .map(|parts| parts.into_iter().map(|u| target_value(u, scale)).collect())
        .map_err(|_| TargetError::BadWeights)
}

/// Goal attainment as product.md defines it: actual ÷ target, or target ÷
/// actual for an at-most goal. `None` when the divisor is zero.
pub fn attainment(actual: Decimal, target: Decimal, direction: GoalDirection) -> Option<Decimal> {
    let (num, den) = match direction {
        GoalDirection::AtLeast => (actual, target),
        GoalDirection::AtMost => (target, actual),
    };
    if den.is_zero() {
        None
    } else {
        num.checked_div(den)
    }
}

/// Where a goal stands against its pace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GoalStatus {
    /// The period has not started.
    NotStarted,
    /// At or ahead of pace.
    OnTrack,
    /// Behind pace by less than [`AT_RISK_BAND`].
    AtRisk,
    /// Further behind.
    OffTrack,
    /// The period is over and the goal was met.
    Achieved,
    /// The period is over and the goal was missed.
    Missed,
}

impl GoalStatus {
    /// Key used in the API and the message catalogues.
    pub fn key(self) -> &'static str {
        match self {
            GoalStatus::NotStarted => "not_started",
            GoalStatus::OnTrack => "on_track",
            GoalStatus::AtRisk => "at_risk",
            GoalStatus::OffTrack => "off_track",
            GoalStatus::Achieved => "achieved",
            GoalStatus::Missed => "missed",
        }
    }
}

/// How far behind pace a goal may be (as a share of where it should be)
/// and still count as at risk rather than off track: 15 %.
pub const AT_RISK_BAND: Decimal = Decimal::from_parts(15, 0, 0, false, 2);

/// A goal's progress on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Share of the period's days that have passed (0 to 1).
    pub elapsed: Decimal,
    /// Where the actual should be today: the target × elapsed for a figure
    /// that accumulates, the target itself for a ratio.
    pub expected: Decimal,
    /// Where the goal lands if the rest of the period runs like its past
    /// part (a figure that accumulates); the actual itself for a ratio.
    pub projected: Option<Decimal>,
    /// Attainment of the actual to date.
    pub attainment: Option<Decimal>,
    /// On track, at risk, off track, or the final verdict.
    pub status: GoalStatus,
}

/// Progress of a goal with `actual` to date on `today` (linear pace).
pub fn progress(
    period: &Period,
    today: NaiveDate,
    target: Decimal,
    actual: Decimal,
    direction: GoalDirection,
    additive: bool,
) -> Progress {
    let days = Decimal::from(period.days().max(1));
    let passed = if today < period.start() {
        0
    } else {
        ((today - period.start()).num_days() + 1).min(period.days())
    };
    let elapsed = Decimal::from(passed) / days;
    let expected = if additive { target * elapsed } else { target };
    let projected = if !additive {
        Some(actual)
    } else if passed == 0 {
        None
    } else {
        actual.checked_div(elapsed)
    };
    let meets = |value: Decimal, bar: Decimal| match direction {
        GoalDirection::AtLeast => value >= bar,
        GoalDirection::AtMost => value <= bar,
    };
    let status = if passed == 0 {
        GoalStatus::NotStarted
    } else if today >= period.end() {
        if meets(actual, target) {
            GoalStatus::Achieved
        } else {
            GoalStatus::Missed
        }
    } else if meets(actual, expected) {
        GoalStatus::OnTrack
    } else {
        let band = match direction {
            GoalDirection::AtLeast => expected * (Decimal::ONE - AT_RISK_BAND),
            GoalDirection::AtMost => expected * (Decimal::ONE + AT_RISK_BAND),
        };
        if meets(actual, band) {
            GoalStatus::AtRisk
        } else {
            GoalStatus::OffTrack
        }
    };
    Progress {
        elapsed,
        expected,
        projected,
        attainment: attainment(actual, target, direction),
        status,
    }
}

/// One letter of the SMART check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SmartLetter {
    /// Specific: the metric and the scope are concrete.
    Specific,
    /// Measurable: the metric can be computed from data that exists.
    Measurable,
    /// Achievable: the growth it needs against history.
    Achievable,
    /// Relevant: linked to a parent goal or a company objective.
    Relevant,
    /// Time-bound: has a period.
    TimeBound,
}

impl SmartLetter {
    /// The letter itself.
    pub fn letter(self) -> char {
        match self {
            SmartLetter::Specific => 'S',
            SmartLetter::Measurable => 'M',
            SmartLetter::Achievable => 'A',
            SmartLetter::Relevant => 'R',
            SmartLetter::TimeBound => 'T',
        }
    }

    /// Key used in the API and the message catalogues.
    pub fn key(self) -> &'static str {
        match self {
            SmartLetter::Specific => "specific",
            SmartLetter::Measurable => "measurable",
            SmartLetter::Achievable => "achievable",
            SmartLetter::Relevant => "relevant",
            SmartLetter::TimeBound => "time_bound",
        }
    }
}

/// The verdict on one letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Verdict {
    /// Holds.
    Pass,
    /// Holds with a caveat worth a look.
    Warn,
    /// Does not hold.
    Fail,
}

impl Verdict {
    /// Key used in the API and the message catalogues.
    pub fn key(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Warn => "warn",
            Verdict::Fail => "fail",
        }
    }
}

/// Why a letter got its verdict, with the figures that decided it, so an
/// interface can say it in the reader's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SmartReason {
    /// S: the metric is defined and the scope names who or what.
    Concrete,
    /// S: the scope names a person who no longer works here.
    InactivePerson,
    /// M: the metric has values for this scope in the history.
    HasData,
    /// M: there is no value for this metric and scope in the past year.
    NoData,
    /// A: the growth the target needs and how often history reached it.
    Growth {
        /// Value in the same period a year earlier.
        last_year: Decimal,
        /// Target ÷ last year − 1 (0.12 = 12 %).
        required: Decimal,
        /// Comparable past windows that grew (or fell) at least as much.
        reached: usize,
        /// Comparable past windows.
        windows: usize,
    },
    /// A: a level target (a ratio) and how often history reached it.
    Level {
        /// Comparable past windows at or beyond the target.
        reached: usize,
        /// Comparable past windows.
        windows: usize,
    },
    /// A: nothing to compare with.
    NoHistory,
    /// R: a part of a parent goal.
    ChildOf(i64),
    /// R: a company goal is the company's objective.
    CompanyObjective,
    /// R: neither linked to a parent nor a company goal.
    Unlinked,
    /// T: the period, and how many days of it are left.
    Period {
        /// Days left, today included (0 once it has ended).
        days_left: i64,
    },
    /// T: the period is over.
    Ended,
}

impl fmt::Display for SmartReason {
    /// The reason in English (interfaces translate from the variant).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pct = |d: Decimal| (d * Decimal::ONE_HUNDRED).round_dp(1).normalize();
        match self {
            SmartReason::Concrete => {
                f.write_str("the metric is defined and the scope names who or what")
            }
            SmartReason::InactivePerson => {
                f.write_str("the scope names a person who is no longer active")
            }
            SmartReason::HasData => f.write_str("the metric has values for this scope in the data"),
            SmartReason::NoData => {
                f.write_str("no value of this metric for this scope in the past year")
            }
            SmartReason::Growth {
                last_year,
                required,
                reached,
                windows,
            } => write!(
                f,
                "needs {}% on the same period last year ({last_year}); {reached} of {windows} comparable past periods grew that much",
                pct(*required)
            ),
            SmartReason::Level { reached, windows } => {
                write!(
                    f,
                    "{reached} of {windows} comparable past periods reached this level"
                )
            }
            SmartReason::NoHistory => f.write_str("no history to compare the target with"),
            SmartReason::ChildOf(id) => write!(f, "a part of goal {id}"),
            SmartReason::CompanyObjective => f.write_str("a company objective"),
            SmartReason::Unlinked => f.write_str("linked to no parent goal and not a company goal"),
            SmartReason::Period { days_left } => write!(f, "has a period; {days_left} days left"),
            SmartReason::Ended => f.write_str("its period is over"),
        }
    }
}

/// One letter of the check, its verdict and its reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmartCheck {
    /// Which letter.
    pub letter: SmartLetter,
    /// Its verdict.
    pub verdict: Verdict,
    /// Why.
    pub reason: SmartReason,
    /// For Achievable: the estimated probability of reaching the target
    /// (the share of comparable past windows that did), 0 to 1.
    pub probability: Option<Decimal>,
}

/// What the SMART check needs to know about a goal, measured by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmartFacts {
    /// The scope names a person who is no longer active.
    pub inactive_person: bool,
    /// The metric's value for the scope in the same period a year earlier,
    /// when it has one.
    pub last_year: Option<Decimal>,
    /// Whether the metric has any value for the scope in the past year.
    pub has_data: bool,
    /// The metric in comparable past windows (same length, ending before
    /// today), each with its own value a year earlier when known.
    pub windows: Vec<(Option<Decimal>, Option<Decimal>)>,
    /// The goal's parent, if any.
    pub parent: Option<i64>,
    /// The scope is the whole company.
    pub company: bool,
    /// The goal's target and direction, and whether its metric adds up.
    pub target: Decimal,
    /// See [`GoalDirection`].
    pub direction: GoalDirection,
    /// See [`is_additive`].
    pub additive: bool,
}

/// The share of `reached` in `windows` as a probability, or `None` without windows.
fn share(reached: usize, windows: usize) -> Option<Decimal> {
    (windows > 0).then(|| Decimal::from(reached as u64) / Decimal::from(windows as u64))
}

fn verdict_of(probability: Decimal) -> Verdict {
    if probability >= Decimal::new(5, 1) {
        Verdict::Pass
    } else if probability >= Decimal::new(2, 1) {
        Verdict::Warn
    } else {
        Verdict::Fail
    }
}

/// The SMART check of a goal on `today`, letter by letter.
///
/// Achievable estimates the probability of reaching the target as the share
/// of comparable past windows that did as well: for a figure that adds up,
/// windows whose growth on their own year-earlier value reached the growth
/// the target needs; for a ratio, windows whose value reached the target.
/// 50 % or more passes, 20 % or more warns, less fails.
pub fn smart_check(period: &Period, today: NaiveDate, facts: &SmartFacts) -> Vec<SmartCheck> {
    let check = |letter, verdict, reason| SmartCheck {
        letter,
        verdict,
        reason,
        probability: None,
    };
    let specific = if facts.inactive_person {
        check(
            SmartLetter::Specific,
            Verdict::Warn,
            SmartReason::InactivePerson,
        )
    } else {
        check(SmartLetter::Specific, Verdict::Pass, SmartReason::Concrete)
    };
    let measurable = if facts.has_data {
        check(SmartLetter::Measurable, Verdict::Pass, SmartReason::HasData)
    } else {
        check(SmartLetter::Measurable, Verdict::Fail, SmartReason::NoData)
    };
    let beats = |value: Decimal, bar: Decimal| match facts.direction {
        GoalDirection::AtLeast => value >= bar,
        GoalDirection::AtMost => value <= bar,
    };
    let achievable = match (facts.additive, facts.last_year) {
        (true, Some(last_year)) if !last_year.is_zero() => {
            let required = facts.target / last_year - Decimal::ONE;
            let growths: Vec<Decimal> = facts
                .windows
                .iter()
                .filter_map(|(now, before)| match (now, before) {
                    (Some(n), Some(b)) if !b.is_zero() => Some(*n / *b - Decimal::ONE),
                    _ => None,
                })
                .collect();
            let reached = growths.iter().filter(|g| beats(**g, required)).count();
            let probability = share(reached, growths.len());
            SmartCheck {
                letter: SmartLetter::Achievable,
                verdict: probability.map_or(Verdict::Warn, verdict_of),
                reason: SmartReason::Growth {
                    last_year,
                    required,
                    reached,
                    windows: growths.len(),
                },
                probability,
            }
        }
        (false, _) => {
            let values: Vec<Decimal> = facts.windows.iter().filter_map(|(n, _)| *n).collect();
            let reached = values.iter().filter(|v| beats(**v, facts.target)).count();
            let probability = share(reached, values.len());
            match probability {
                Some(p) => SmartCheck {
                    letter: SmartLetter::Achievable,
                    verdict: verdict_of(p),
                    reason: SmartReason::Level {
                        reached,
                        windows: values.len(),
                    },
                    probability,
                },
                None => check(
                    SmartLetter::Achievable,
                    Verdict::Warn,
                    SmartReason::NoHistory,
                ),
            }
        }
        _ => check(
            SmartLetter::Achievable,
            Verdict::Warn,
            SmartReason::NoHistory,
        ),
    };
    let relevant = match (facts.parent, facts.company) {
        (Some(parent), _) => check(
            SmartLetter::Relevant,
            Verdict::Pass,
            SmartReason::ChildOf(parent),
        ),
        (None, true) => check(
            SmartLetter::Relevant,
            Verdict::Pass,
            SmartReason::CompanyObjective,
        ),
        (None, false) => check(SmartLetter::Relevant, Verdict::Fail, SmartReason::Unlinked),
    };
    let time_bound = if today >= period.end() {
        check(SmartLetter::TimeBound, Verdict::Warn, SmartReason::Ended)
    } else {
        let from = today.max(period.start());
        check(
            SmartLetter::TimeBound,
            Verdict::Pass,
            SmartReason::Period {
                days_left: (period.end() - from).num_days(),
            },
        )
    };
    vec![specific, measurable, achievable, relevant, time_bound]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::period::FiscalCalendar;
    use proptest::prelude::*;

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }
    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn targets_keep_the_precision_of_their_unit() {
        assert_eq!(target_units(dec("1234.5"), 2), Ok(123_450));
        assert_eq!(target_value(123_450, 2), dec("1234.50"));
        assert_eq!(
            target_units(dec("1.234"), 2),
            Err(TargetError::TooPrecise {
                value: dec("1.234"),
                scale: 2
            })
        );
        assert_eq!(target_units(dec("3.0"), 0), Ok(3));
        assert_eq!(
            target_units(dec("-1"), 0),
            Err(TargetError::Negative(dec("-1")))
        );
        assert!(matches!(
            target_units(dec("1e20"), 2),
            Err(TargetError::TooLarge(_))
        ));
        // Found by reading the code: a target of 7.9 × 10^28 later made a
        // subtraction panic; nothing beyond ten trillion is a target.
        assert!(matches!(
            target_units(dec("79000000000000000000000000000"), 0),
            Err(TargetError::TooLarge(_))
        ));
        assert_eq!(
            target_units(dec("10000000000000.00"), 2),
            Ok(1_000_000_000_000_000)
        );
        assert!(target_units(dec("10000000000000.01"), 2).is_err());
    }

    #[test]
    fn a_split_adds_up_exactly_and_follows_the_weights() {
        let parts = split_target(dec("100.00"), 2, &[dec("1"), dec("1"), dec("1")]).unwrap();
        assert_eq!(parts, vec![dec("33.34"), dec("33.33"), dec("33.33")]);
        let parts = split_target(dec("10"), 0, &[dec("3"), dec("1")]).unwrap();
        assert_eq!(parts, vec![dec("8"), dec("2")]);
        assert_eq!(
            split_target(dec("10"), 0, &[Decimal::ZERO, Decimal::ZERO]),
            Err(TargetError::BadWeights)
        );
    }

    proptest! {
        #[test]
        fn children_always_add_up_to_the_parent(
            units in 0_i64..10_000_000_000,
            weights in proptest::collection::vec(0_u32..1_000_000, 1..40),
        ) {
            prop_assume!(weights.iter().any(|w| *w > 0));
            let target = target_value(units, 2);
            let w: Vec<Decimal> = weights.iter().map(|w| Decimal::from(*w)).collect();
            let parts = split_target(target, 2, &w).unwrap();
            prop_assert_eq!(parts.iter().copied().sum::<Decimal>(), target);
            for (part, weight) in parts.iter().zip(&weights) {
                prop_assert!(*part >= Decimal::ZERO);
                if *weight == 0 { prop_assert_eq!(*part, Decimal::ZERO); }
            }
        }
    }

    #[test]
    fn attainment_inverts_for_at_most_goals() {
        assert_eq!(
            attainment(dec("80"), dec("100"), GoalDirection::AtLeast),
            Some(dec("0.8"))
        );
        assert_eq!(
            attainment(dec("80"), dec("100"), GoalDirection::AtMost),
            Some(dec("1.25"))
        );
        assert_eq!(
            attainment(dec("5"), Decimal::ZERO, GoalDirection::AtLeast),
            None
        );
    }

    #[test]
    fn status_follows_the_linear_pace() {
        let q = FiscalCalendar::default().parse("2026-Q1").unwrap(); // 90 days
        let on = progress(
            &q,
            day("2026-02-14"),
            dec("900"),
            dec("450"),
            GoalDirection::AtLeast,
            true,
        );
        assert_eq!(on.expected, dec("450"));
        assert_eq!(on.status, GoalStatus::OnTrack);
        assert_eq!(on.projected, Some(dec("900")));
        let risk = progress(
            &q,
            day("2026-02-14"),
            dec("900"),
            dec("400"),
            GoalDirection::AtLeast,
            true,
        );
        assert_eq!(risk.status, GoalStatus::AtRisk);
        let off = progress(
            &q,
            day("2026-02-14"),
            dec("900"),
            dec("300"),
            GoalDirection::AtLeast,
            true,
        );
        assert_eq!(off.status, GoalStatus::OffTrack);
        let before = progress(
            &q,
            day("2025-12-01"),
            dec("900"),
            Decimal::ZERO,
            GoalDirection::AtLeast,
            true,
        );
        assert_eq!(before.status, GoalStatus::NotStarted);
        assert_eq!(before.projected, None);
        let done = progress(
            &q,
            day("2026-05-01"),
            dec("900"),
            dec("901"),
            GoalDirection::AtLeast,
            true,
        );
        assert_eq!(done.status, GoalStatus::Achieved);
        // A ratio is compared with its target directly, whatever the day.
        let churn = progress(
            &q,
            day("2026-01-10"),
            dec("5"),
            dec("5.5"),
            GoalDirection::AtMost,
            false,
        );
        assert_eq!(churn.expected, dec("5"));
        assert_eq!(churn.status, GoalStatus::AtRisk);
        let missed = progress(
            &q,
            day("2026-04-01"),
            dec("5"),
            dec("7"),
            GoalDirection::AtMost,
            false,
        );
        assert_eq!(missed.status, GoalStatus::Missed);
    }

    fn facts() -> SmartFacts {
        SmartFacts {
            inactive_person: false,
            last_year: Some(dec("100")),
            has_data: true,
            windows: vec![
                (Some(dec("110")), Some(dec("100"))), // +10 %
                (Some(dec("120")), Some(dec("100"))), // +20 %
                (Some(dec("130")), Some(dec("100"))), // +30 %
                (Some(dec("90")), Some(dec("100"))),  // −10 %
                (Some(dec("50")), None),              // no year-earlier value
            ],
            parent: None,
            company: true,
            target: dec("115"),
            direction: GoalDirection::AtLeast,
            additive: true,
        }
    }

    #[test]
    fn achievable_compares_the_needed_growth_with_history() {
        let q = FiscalCalendar::default().parse("2026-Q3").unwrap();
        let checks = smart_check(&q, day("2026-06-30"), &facts());
        let a = &checks[2];
        assert_eq!(a.letter, SmartLetter::Achievable);
        assert_eq!(
            a.reason,
            SmartReason::Growth {
                last_year: dec("100"),
                required: dec("0.15"),
                reached: 2,
                windows: 4
            }
        );
        assert_eq!(a.probability, Some(dec("0.5")));
        assert_eq!(a.verdict, Verdict::Pass);
        // Needing 25 % growth: only one window in four did it.
        let hard = SmartFacts {
            target: dec("125"),
            ..facts()
        };
        let a = &smart_check(&q, day("2026-06-30"), &hard)[2];
        assert_eq!(a.verdict, Verdict::Warn);
        let impossible = SmartFacts {
            target: dec("200"),
            ..facts()
        };
        assert_eq!(
            smart_check(&q, day("2026-06-30"), &impossible)[2].verdict,
            Verdict::Fail
        );
    }

    #[test]
    fn every_letter_says_why() {
        let q = FiscalCalendar::default().parse("2026-Q3").unwrap();
        let lonely = SmartFacts {
            company: false,
            has_data: false,
            last_year: None,
            windows: Vec::new(),
            inactive_person: true,
            ..facts()
        };
        let checks = smart_check(&q, day("2026-07-01"), &lonely);
        let letters: String = checks.iter().map(|c| c.letter.letter()).collect();
        assert_eq!(letters, "SMART");
        assert_eq!(checks[0].verdict, Verdict::Warn);
        assert_eq!(checks[1].reason, SmartReason::NoData);
        assert_eq!(checks[1].verdict, Verdict::Fail);
        assert_eq!(checks[2].reason, SmartReason::NoHistory);
        assert_eq!(checks[3].reason, SmartReason::Unlinked);
        assert_eq!(checks[3].verdict, Verdict::Fail);
        assert_eq!(checks[4].reason, SmartReason::Period { days_left: 92 });
        let child = SmartFacts {
            parent: Some(7),
            company: false,
            ..facts()
        };
        assert_eq!(
            smart_check(&q, day("2026-10-01"), &child)[3].reason,
            SmartReason::ChildOf(7)
        );
        assert_eq!(
            smart_check(&q, day("2026-10-01"), &child)[4].reason,
            SmartReason::Ended
        );
    }

    #[test]
    fn a_ratio_goal_is_judged_by_level() {
        let q = FiscalCalendar::default().parse("2026-Q3").unwrap();
        let win_rate = SmartFacts {
            additive: false,
            target: dec("30"),
            windows: vec![
                (Some(dec("28")), None),
                (Some(dec("31")), None),
                (Some(dec("33")), None),
                (None, None),
            ],
            ..facts()
        };
        let a = &smart_check(&q, day("2026-06-30"), &win_rate)[2];
        assert_eq!(
            a.reason,
            SmartReason::Level {
                reached: 2,
                windows: 3
            }
        );
        assert_eq!(a.verdict, Verdict::Pass);
    }
}
