//! Commission: a plan's rules (tiered rates on the attainment of a quota,
//! with accelerators above it, a threshold below which nothing is paid and
//! a cap), and the calculation of one person's commission for a period with
//! every step written down, so a statement explains every cent.
//!
//! Tiers are marginal: the credited amount is cut at the quota multiples
//! where the tiers begin, and each slice earns its own tier's rate. Each
//! line is rounded half-even to the minor unit and the total is the sum of
//! the lines, so a statement always adds up as printed.

use rust_decimal::Decimal;

use crate::money::{Currency, Money, MoneyError};

/// One tier: from this attainment (1 = 100 % of quota) on, this rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tier {
    /// Attainment where the tier begins (0, 0.5, 1, 1.2, …).
    pub from: Decimal,
    /// Commission rate of the slice in this tier (0.05 = 5 %).
    pub rate: Decimal,
}

/// A plan's rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanRules {
    /// Tiers by ascending start; the first starts at 0.
    pub tiers: Vec<Tier>,
    /// Attainment below which nothing is paid (0.25 = 25 %), if any.
    pub threshold: Option<Decimal>,
    /// Most a person earns from the plan in one period, if capped.
    pub cap: Option<Money>,
}

/// Why plan rules cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// No tiers.
    #[error("a plan needs at least one tier")]
    NoTiers,
    /// The first tier does not start at 0 %.
    #[error("the first tier must start at 0 %")]
    FirstNotZero,
    /// Tiers out of order or starting twice at the same attainment.
    #[error(
        "tiers must start at increasing attainments ({0} follows a tier that starts at or above it)"
    )]
    Unordered(Decimal),
    /// A rate below 0 or above 100 %.
    #[error("a rate must be between 0 and 100 % ({0})")]
    BadRate(Decimal),
    /// A threshold below 0.
    #[error("the threshold must not be negative")]
    BadThreshold,
    /// A cap below 0.
    #[error("the cap must not be negative")]
    BadCap,
    /// More tiers than any plan needs.
    #[error("a plan has at most {MAX_TIERS} tiers ({0} given)")]
    TooManyTiers(usize),
    /// A tier or threshold beyond 10,000 % of the quota.
    #[error("tiers and thresholds start at most at 10,000 % of the quota ({0})")]
    TooHigh(Decimal),
}

/// The most tiers a plan may have.
pub const MAX_TIERS: usize = 50;

/// The highest attainment a tier or threshold may start at: 100 × the quota.
const MAX_ATTAINMENT: Decimal = Decimal::ONE_HUNDRED;

impl PlanRules {
    /// Checks the rules.
    pub fn validate(&self) -> Result<(), PlanError> {
        let first = self.tiers.first().ok_or(PlanError::NoTiers)?;
        if self.tiers.len() > MAX_TIERS {
            return Err(PlanError::TooManyTiers(self.tiers.len()));
        }
        if let Some(high) = self
            .tiers
            .iter()
            .map(|t| t.from)
            .chain(self.threshold)
            .find(|from| *from > MAX_ATTAINMENT)
        {
            return Err(PlanError::TooHigh(high));
        }
        if !first.from.is_zero() {
            return Err(PlanError::FirstNotZero);
        }
        for pair in self.tiers.windows(2) {
            if pair[1].from <= pair[0].from {
                return Err(PlanError::Unordered(pair[1].from));
            }
        }
        if let Some(t) = self
            .tiers
            .iter()
            .find(|t| t.rate < Decimal::ZERO || t.rate > Decimal::ONE)
        {
            return Err(PlanError::BadRate(t.rate));
        }
        if self.threshold.is_some_and(|t| t < Decimal::ZERO) {
            return Err(PlanError::BadThreshold);
        }
        if self.cap.is_some_and(|c| c.amount() < Decimal::ZERO) {
            return Err(PlanError::BadCap);
        }
        Ok(())
    }
}

/// One line of a calculation: a slice of the credited amount at a rate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// Attainment where the slice starts.
    pub from: Decimal,
    /// Attainment where it ends (`None` for the open top tier).
    pub to: Option<Decimal>,
    /// The slice of the credited amount.
    pub base: Money,
    /// Its rate.
    pub rate: Decimal,
    /// base × rate, rounded half-even to the minor unit.
    pub amount: Money,
}

/// A person's commission for a period, step by step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calculation {
    /// What was credited to the person (revenue, bookings, …).
    pub credited: Money,
    /// The quota the attainment is measured against, if there is one.
    pub quota: Option<Money>,
    /// credited ÷ quota.
    pub attainment: Option<Decimal>,
    /// The slices and what each earned.
    pub lines: Vec<Line>,
    /// Sum of the lines before the threshold and the cap.
    pub earned: Money,
    /// True when the threshold was not reached, so nothing is paid.
    pub below_threshold: bool,
    /// How much the cap took off (zero when it did not bite).
    pub capped_by: Money,
    /// What is paid.
    pub total: Money,
}

/// Computes a commission. Without a quota, the whole credited amount earns
/// the first tier's rate and no threshold applies (there is nothing to
/// attain); a negative credited amount (refunds over sales) earns nothing.
pub fn commission(
    rules: &PlanRules,
    credited: Money,
    quota: Option<Money>,
) -> Result<Calculation, MoneyError> {
    let currency: Currency = credited.currency();
    let zero = Money::zero(currency);
    let quota = quota.filter(|q| q.amount() > Decimal::ZERO);
    let positive = credited.amount().max(Decimal::ZERO);
    let attainment = quota.map(|q| credited.amount() / q.amount());
    let mut lines = Vec::new();
    match quota {
        None => {
            let rate = rules.tiers.first().map_or(Decimal::ZERO, |t| t.rate);
            let base = Money::new(positive, currency).rounded();
            lines.push(Line {
                from: Decimal::ZERO,
                to: None,
                amount: base.checked_mul(rate)?.rounded(),
                base,
                rate,
            });
        }
        Some(q) => {
            // Cut points are rounded to the minor unit, so the slices add
            // up exactly to the credited amount.
            let cut = |at: Decimal| Money::new(q.amount() * at, currency).rounded().amount();
            for (i, tier) in rules.tiers.iter().enumerate() {
                let next = rules.tiers.get(i + 1).map(|t| t.from);
                let low = cut(tier.from);
                if positive <= low && i > 0 {
                    break;
                }
                let high = next.map(cut);
                let top = high.map_or(positive, |h| positive.min(h));
                let base = Money::new((top - low).max(Decimal::ZERO), currency).rounded();
                lines.push(Line {
                    from: tier.from,
                    to: next,
                    amount: base.checked_mul(tier.rate)?.rounded(),
                    base,
                    rate: tier.rate,
                });
            }
        }
    }
    let earned = lines
        .iter()
        .try_fold(zero, |acc, l| acc.checked_add(&l.amount))?;
    let below_threshold = match (rules.threshold, attainment) {
        (Some(t), Some(a)) => a < t,
        _ => false,
    };
    let after_threshold = if below_threshold { zero } else { earned };
    let total = match rules.cap {
        Some(cap) if after_threshold.amount() > cap.amount() => Money::new(cap.amount(), currency),
        _ => after_threshold,
    };
    Ok(Calculation {
        credited,
        quota,
        attainment,
        capped_by: after_threshold.checked_sub(&total)?,
        lines,
        earned,
        below_threshold,
        total,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }
    fn cny(s: &str) -> Money {
        Money::new(dec(s), Currency::CNY)
    }
    fn plan() -> PlanRules {
        PlanRules {
            tiers: vec![
                Tier {
                    from: dec("0"),
                    rate: dec("0.03"),
                },
                Tier {
                    from: dec("0.5"),
                    rate: dec("0.05"),
                },
                Tier {
                    from: dec("1"),
                    rate: dec("0.08"),
                },
            ],
            threshold: Some(dec("0.25")),
            cap: Some(cny("20000")),
        }
    }

    #[test]
    fn slices_earn_their_own_tiers_rate() {
        // Quota 100,000; credited 120,000: 50,000 × 3 % + 50,000 × 5 % + 20,000 × 8 %.
        let c = commission(&plan(), cny("120000"), Some(cny("100000"))).unwrap();
        assert_eq!(c.attainment, Some(dec("1.2")));
        let amounts: Vec<Money> = c.lines.iter().map(|l| l.amount).collect();
        assert_eq!(amounts, vec![cny("1500"), cny("2500"), cny("1600")]);
        assert_eq!(c.lines[2].to, None);
        assert_eq!(c.total, cny("5600"));
        assert!(!c.below_threshold);
        assert!(c.capped_by.is_zero());
    }

    #[test]
    fn a_partial_tier_counts_only_its_slice() {
        let c = commission(&plan(), cny("70000.01"), Some(cny("100000"))).unwrap();
        assert_eq!(c.lines.len(), 2);
        assert_eq!(c.lines[1].base, cny("20000.01"));
        assert_eq!(c.lines[1].amount, cny("1000.00")); // 1000.0005 rounds half-even
        assert_eq!(c.total, cny("2500.00"));
    }

    #[test]
    fn below_the_threshold_nothing_is_paid_and_the_cap_bites() {
        let c = commission(&plan(), cny("20000"), Some(cny("100000"))).unwrap();
        assert!(c.below_threshold);
        assert_eq!(c.earned, cny("600"));
        assert!(c.total.is_zero());
        let c = commission(&plan(), cny("1000000"), Some(cny("100000"))).unwrap();
        assert_eq!(c.earned, cny("76000"));
        assert_eq!(c.total, cny("20000"));
        assert_eq!(c.capped_by, cny("56000"));
    }

    #[test]
    fn without_a_quota_the_base_rate_applies_and_refunds_earn_nothing() {
        let c = commission(&plan(), cny("1000"), None).unwrap();
        assert_eq!(c.total, cny("30"));
        assert_eq!(c.attainment, None);
        let c = commission(&plan(), cny("-500"), Some(cny("1000"))).unwrap();
        assert!(c.total.is_zero());
        assert!(c.below_threshold);
    }

    #[test]
    fn rules_are_checked() {
        let mut p = plan();
        p.tiers[0].from = dec("0.1");
        assert_eq!(p.validate(), Err(PlanError::FirstNotZero));
        let mut p = plan();
        p.tiers[2].from = dec("0.5");
        assert_eq!(p.validate(), Err(PlanError::Unordered(dec("0.5"))));
        let mut p = plan();
        p.tiers[1].rate = dec("1.5");
        assert_eq!(p.validate(), Err(PlanError::BadRate(dec("1.5"))));
        assert_eq!(
            PlanRules {
                tiers: vec![],
                threshold: None,
                cap: None
            }
            .validate(),
            Err(PlanError::NoTiers)
        );
        assert_eq!(plan().validate(), Ok(()));
        // Found by reading the code: a tier starting at 10^27 % overflowed
        // the quota × attainment product when a statement was calculated.
        let mut p = plan();
        p.tiers[2].from = dec("1000000000000000000000000000");
        assert_eq!(
            p.validate(),
            Err(PlanError::TooHigh(dec("1000000000000000000000000000")))
        );
        let mut p = plan();
        p.threshold = Some(dec("101"));
        assert_eq!(p.validate(), Err(PlanError::TooHigh(dec("101"))));
        let mut p = plan();
        p.tiers = (0..51)
            .map(|i| Tier {
                from: Decimal::from(i),
                rate: dec("0.01"),
            })
            .collect();
        assert_eq!(p.validate(), Err(PlanError::TooManyTiers(51)));
        let mut p = plan();
        p.tiers[2].from = dec("100");
        assert_eq!(p.validate(), Ok(()), "10,000 % is allowed");
    }

    proptest! {
        #[test]
        fn the_lines_add_up_and_slices_cover_the_credit(credited in 0_i64..10_000_000_000, quota in 1_i64..1_000_000_000) {
            let rules = PlanRules { cap: None, threshold: None, ..plan() };
            let c = commission(&rules, Money::from_minor_units(credited, Currency::CNY), Some(Money::from_minor_units(quota, Currency::CNY))).unwrap();
            let sum = c.lines.iter().map(|l| l.amount.amount()).sum::<Decimal>();
            prop_assert_eq!(sum, c.total.amount());
            let bases = c.lines.iter().map(|l| l.base.amount()).sum::<Decimal>();
            prop_assert_eq!(bases, Money::from_minor_units(credited, Currency::CNY).amount());
        }
    }
}
