//! Exact money.
//!
//! An amount is a [`Decimal`] plus an ISO-4217 [`Currency`]. Calculations keep
//! full precision; rounding happens only at the edges (storage, display,
//! payout) with one rule: **half-even (banker's rounding) to the currency's
//! minor unit**. Half-even is unbiased, so summing many rounded amounts does
//! not drift in one direction.
//!
//! At rest money is an `i64` count of minor units plus the currency code; see
//! [`Money::from_minor_units`] and [`Money::to_minor_units`].

use std::fmt;
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};

/// The rounding rule applied at the edges: half-even to the minor unit.
pub const ROUNDING: RoundingStrategy = RoundingStrategy::MidpointNearestEven;

/// The largest amount Attain stores, in minor units either side of zero:
/// 10^15 (ten trillion yuan or dollars). Every amount that comes in (a file,
/// a form, the API, a target) is checked against it, so that sums of up to a
/// thousand such amounts still fit an `i64` and no total can overflow.
pub const MAX_AMOUNT_MINOR: i64 = 1_000_000_000_000_000;

/// An ISO-4217 currency that has a defined minor unit (CNY, USD, JPY, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency {
    iso: iso_currency::Currency,
    minor_digits: u32,
}

/// Errors of money arithmetic and parsing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// The code is not an ISO-4217 currency with a minor unit.
    #[error("'{0}' is not an ISO-4217 currency code")]
    UnknownCurrency(String),
    /// Two amounts in different currencies were combined.
    #[error("cannot combine {left} and {right}: convert to one currency first")]
    CurrencyMismatch {
        /// Currency of the left operand.
        left: &'static str,
        /// Currency of the right operand.
        right: &'static str,
    },
    /// The text is not an exact decimal amount.
    #[error("'{0}' is not an amount: expected digits with an optional sign and decimal point")]
    InvalidAmount(String),
    /// The result does not fit the representable range.
    #[error("amount out of range")]
    Overflow,
    /// The amount is beyond what Attain stores ([`MAX_AMOUNT_MINOR`]).
    #[error("{amount} is too large: amounts are at most {limit} either side of zero")]
    TooLarge {
        /// The amount as given.
        amount: String,
        /// The largest amount allowed in its currency, written out.
        limit: String,
    },
    /// An allocation was asked for with no weights or weights summing to zero or less.
    #[error("cannot allocate: weights must be non-negative and sum to more than zero")]
    InvalidWeights,
}

impl Currency {
    /// Chinese yuan, the default base currency of a new organisation.
    pub const CNY: Currency = Currency {
        iso: iso_currency::Currency::CNY,
        minor_digits: 2,
    };
    /// US dollar.
    pub const USD: Currency = Currency {
        iso: iso_currency::Currency::USD,
        minor_digits: 2,
    };
    /// Euro.
    pub const EUR: Currency = Currency {
        iso: iso_currency::Currency::EUR,
        minor_digits: 2,
    };

    /// Looks up a currency by its three-letter code, case-insensitively.
    pub fn from_code(code: &str) -> Result<Self, MoneyError> {
        let upper = code.trim().to_ascii_uppercase();
        let iso = iso_currency::Currency::from_code(&upper)
            .ok_or_else(|| MoneyError::UnknownCurrency(code.to_owned()))?;
        let minor_digits = iso
            .exponent()
            .ok_or_else(|| MoneyError::UnknownCurrency(code.to_owned()))?;
        Ok(Self {
            iso,
            minor_digits: u32::from(minor_digits),
        })
    }

    /// The three-letter ISO code, e.g. `CNY`.
    pub fn code(self) -> &'static str {
        self.iso.code()
    }

    /// Number of decimal digits of the minor unit (2 for CNY, 0 for JPY, 3 for BHD).
    pub fn minor_digits(self) -> u32 {
        self.minor_digits
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Currency {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::from_code(s)
    }
}

/// An exact amount of money in one currency.
///
/// There is deliberately no `Add` impl: combining currencies is an error the
/// caller must handle, so use [`Money::checked_add`] and friends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Money {
    amount: Decimal,
    currency: Currency,
}

impl Money {
    /// An exact amount; no rounding happens here.
    pub fn new(amount: Decimal, currency: Currency) -> Self {
        Self { amount, currency }
    }

    /// Zero in the given currency.
    pub fn zero(currency: Currency) -> Self {
        Self::new(Decimal::ZERO, currency)
    }

    /// Parses an exact decimal amount such as `1234.56` or `-0.5`.
    ///
    /// Thousands separators, currency symbols and exponents are refused:
    /// importers normalise those before calling this.
    pub fn parse(text: &str, currency: Currency) -> Result<Self, MoneyError> {
        let t = text.trim();
        let plain = !t.is_empty()
            && t.trim_start_matches(['-', '+'])
                .chars()
                .all(|c| c.is_ascii_digit() || c == '.')
            && t.chars().filter(|c| matches!(c, '-' | '+')).count() <= 1;
        if !plain {
            return Err(MoneyError::InvalidAmount(text.to_owned()));
        }
        let amount =
            Decimal::from_str_exact(t).map_err(|_| MoneyError::InvalidAmount(text.to_owned()))?;
        Ok(Self::new(amount, currency))
    }

    /// The amount stored as `minor` units (cents, fen) of `currency`.
    pub fn from_minor_units(minor: i64, currency: Currency) -> Self {
        Self::new(Decimal::new(minor, currency.minor_digits()), currency)
    }

    /// The amount in minor units, rounded half-even. This is how money is
    /// stored, so an amount beyond [`MAX_AMOUNT_MINOR`] is refused here.
    pub fn to_minor_units(&self) -> Result<i64, MoneyError> {
        let too_large = || MoneyError::TooLarge {
            amount: self.amount.to_string(),
            limit: Money::largest(self.currency).amount.to_string(),
        };
        let scaled = self
            .rounded()
            .amount
            .checked_mul(Decimal::from(10_i64.pow(self.currency.minor_digits())))
            .ok_or_else(too_large)?;
        match i64::try_from(scaled) {
            Ok(minor) if (-MAX_AMOUNT_MINOR..=MAX_AMOUNT_MINOR).contains(&minor) => Ok(minor),
            _ => Err(too_large()),
        }
    }

    /// The largest amount Attain stores in `currency` ([`MAX_AMOUNT_MINOR`]).
    pub fn largest(currency: Currency) -> Self {
        Self::from_minor_units(MAX_AMOUNT_MINOR, currency)
    }

    /// Whether the amount is within what Attain stores.
    pub fn is_storable(&self) -> bool {
        self.to_minor_units().is_ok()
    }

    /// The exact amount.
    pub fn amount(&self) -> Decimal {
        self.amount
    }

    /// The currency.
    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// The amount rounded half-even to the currency's minor unit.
    pub fn rounded(&self) -> Self {
        Self::new(
            self.amount
                .round_dp_with_strategy(self.currency.minor_digits(), ROUNDING),
            self.currency,
        )
    }

    /// True when the amount is exactly zero.
    pub fn is_zero(&self) -> bool {
        self.amount.is_zero()
    }

    fn same_currency(&self, other: &Money) -> Result<(), MoneyError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch {
                left: self.currency.code(),
                right: other.currency.code(),
            })
        }
    }

    /// Exact sum; refuses different currencies.
    pub fn checked_add(&self, other: &Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let amount = self
            .amount
            .checked_add(other.amount)
            .ok_or(MoneyError::Overflow)?;
        Ok(Self::new(amount, self.currency))
    }

    /// Exact difference; refuses different currencies.
    pub fn checked_sub(&self, other: &Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let amount = self
            .amount
            .checked_sub(other.amount)
            .ok_or(MoneyError::Overflow)?;
        Ok(Self::new(amount, self.currency))
    }

    /// Exact product with a rate (a commission rate, an FX rate, a share).
    pub fn checked_mul(&self, rate: Decimal) -> Result<Money, MoneyError> {
        let amount = self.amount.checked_mul(rate).ok_or(MoneyError::Overflow)?;
        Ok(Self::new(amount, self.currency))
    }

    /// The negated amount (a refund, a clawback).
    pub fn negated(&self) -> Money {
        Self::new(-self.amount, self.currency)
    }

    /// Exact sum of many amounts in `currency`; refuses any other currency.
    pub fn sum<'a>(
        currency: Currency,
        items: impl IntoIterator<Item = &'a Money>,
    ) -> Result<Money, MoneyError> {
        items
            .into_iter()
            .try_fold(Money::zero(currency), |acc, m| acc.checked_add(m))
    }

    /// Splits the amount, rounded to the minor unit, into parts proportional
    /// to `weights`, each a whole number of minor units, that add up exactly
    /// to the rounded whole (largest-remainder method; ties go to the earlier
    /// part so the result is deterministic).
    pub fn allocate(&self, weights: &[Decimal]) -> Result<Vec<Money>, MoneyError> {
        Ok(allocate_units(self.to_minor_units()?, weights)?
            .into_iter()
            .map(|minor| Money::from_minor_units(minor, self.currency))
            .collect())
    }
}

/// Splits `total` whole units (minor units of money, or items, or
/// hundredths of a percent) into parts proportional to `weights` that add up
/// exactly to `total`: the largest-remainder method, ties to the earlier
/// part, so the same input always gives the same split. Weights must not be
/// negative and must not all be zero.
pub fn allocate_units(total: i64, weights: &[Decimal]) -> Result<Vec<i64>, MoneyError> {
    let total_weight = weights
        .iter()
        .try_fold(Decimal::ZERO, |acc, w| {
            if w.is_sign_negative() {
                None
            } else {
                acc.checked_add(*w)
            }
        })
        .ok_or(MoneyError::InvalidWeights)?;
    if weights.is_empty() || total_weight <= Decimal::ZERO {
        return Err(MoneyError::InvalidWeights);
    }
    let whole = Decimal::from(total);
    let mut parts = Vec::with_capacity(weights.len());
    let mut assigned: i64 = 0;
    for (index, weight) in weights.iter().enumerate() {
        let exact = whole
            .checked_mul(*weight)
            .and_then(|x| x.checked_div(total_weight))
            .ok_or(MoneyError::Overflow)?;
        let floor = exact.floor();
        let floor_i = i64::try_from(floor).map_err(|_| MoneyError::Overflow)?;
        assigned = assigned.checked_add(floor_i).ok_or(MoneyError::Overflow)?;
        parts.push((index, floor_i, exact - floor));
    }
    // Remainder to distribute, one unit at a time. For negative totals the
    // floors overshoot downwards, so the remainder is still >= 0.
    let mut remainder = total - assigned;
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by(|&a, &b| parts[b].2.cmp(&parts[a].2).then(a.cmp(&b)));
    let mut cursor = 0;
    while remainder > 0 {
        let slot = order[cursor % order.len()];
        parts[slot].1 += 1;
        remainder -= 1;
        cursor += 1;
    }
    // Decimal division keeps 28 significant digits; should it ever round a
    // share up past a whole unit, take the excess back from the smallest
    // fractions so the parts still add up.
    while remainder < 0 {
        let slot = order[order.len() - 1 - (cursor % order.len())];
        parts[slot].1 -= 1;
        remainder += 1;
        cursor += 1;
    }
    Ok(parts.into_iter().map(|(_, units, _)| units).collect())
}

impl fmt::Display for Money {
    /// Prints the exact amount with at least the currency's minor digits, then
    /// the code: `1234.50 CNY`. Nothing is rounded away.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut amount = self.amount.normalize();
        if amount.scale() < self.currency.minor_digits() {
            amount.rescale(self.currency.minor_digits());
        }
        write!(f, "{} {}", amount, self.currency.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> Decimal {
        Decimal::from_str_exact(s).unwrap()
    }

    #[test]
    fn currencies_know_their_minor_unit() {
        assert_eq!(Currency::from_code("cny").unwrap().minor_digits(), 2);
        assert_eq!(Currency::from_code("JPY").unwrap().minor_digits(), 0);
        assert_eq!(Currency::from_code("BHD").unwrap().minor_digits(), 3);
        assert_eq!(
            Currency::from_code("XYZ").unwrap_err().to_string(),
            "'XYZ' is not an ISO-4217 currency code"
        );
    }

    #[test]
    fn amounts_beyond_ten_trillion_are_not_stored() {
        let limit = Money::parse("10000000000000", Currency::CNY).unwrap();
        assert_eq!(limit.to_minor_units(), Ok(MAX_AMOUNT_MINOR));
        assert_eq!(limit.negated().to_minor_units(), Ok(-MAX_AMOUNT_MINOR));
        let over = Money::parse("10000000000000.01", Currency::CNY).unwrap();
        assert_eq!(
            over.to_minor_units().unwrap_err().to_string(),
            "10000000000000.01 is too large: amounts are at most 10000000000000.00 either side of zero"
        );
        // The overflow that once broke KPI sums: 5 × 10^16 in a deal.
        let huge = Money::parse("50000000000000000", Currency::CNY).unwrap();
        assert!(!huge.is_storable());
        // A thousand of the largest amounts still sum inside an i64.
        assert!(MAX_AMOUNT_MINOR.checked_mul(1000).is_some());
    }

    #[test]
    fn adding_different_currencies_is_refused() {
        let a = Money::parse("10", Currency::CNY).unwrap();
        let b = Money::parse("10", Currency::USD).unwrap();
        assert_eq!(
            a.checked_add(&b),
            Err(MoneyError::CurrencyMismatch {
                left: "CNY",
                right: "USD"
            })
        );
    }

    #[test]
    fn rounding_is_half_even_to_the_minor_unit() {
        let cases = [
            ("0.125", "0.12"),
            ("0.135", "0.14"),
            ("-0.125", "-0.12"),
            ("2.5", "2.50"),
        ];
        for (input, expected) in cases {
            let m = Money::parse(input, Currency::CNY).unwrap().rounded();
            assert_eq!(m.amount(), d(expected), "{input}");
        }
        let yen = Money::parse("2.5", Currency::from_code("JPY").unwrap()).unwrap();
        assert_eq!(yen.to_minor_units(), Ok(2));
    }

    #[test]
    fn parsing_refuses_anything_but_a_plain_decimal() {
        for bad in ["", "1e5", "1,000", "¥10", "NaN", "--1", "1.2.3", " "] {
            assert!(
                Money::parse(bad, Currency::CNY).is_err(),
                "{bad:?} should be refused"
            );
        }
        assert_eq!(
            Money::parse(" -12.345 ", Currency::CNY).unwrap().amount(),
            d("-12.345")
        );
    }

    #[test]
    fn display_keeps_every_digit() {
        assert_eq!(
            Money::parse("1234.5", Currency::CNY).unwrap().to_string(),
            "1234.50 CNY"
        );
        assert_eq!(
            Money::parse("0.125", Currency::CNY).unwrap().to_string(),
            "0.125 CNY"
        );
    }

    #[test]
    fn allocation_splits_one_cent_remainders_to_the_largest_fractions() {
        let m = Money::parse("100.00", Currency::CNY).unwrap();
        let parts = m.allocate(&[d("1"), d("1"), d("1")]).unwrap();
        let amounts: Vec<_> = parts.iter().map(|p| p.amount()).collect();
        assert_eq!(amounts, vec![d("33.34"), d("33.33"), d("33.33")]);
        assert_eq!(m.allocate(&[]), Err(MoneyError::InvalidWeights));
        assert_eq!(m.allocate(&[d("0")]), Err(MoneyError::InvalidWeights));
        assert_eq!(
            m.allocate(&[d("-1"), d("2")]),
            Err(MoneyError::InvalidWeights)
        );
    }

    proptest! {
        #[test]
        fn allocated_parts_always_sum_to_the_whole(
            minor in -10_000_000_000_i64..10_000_000_000,
            weights in proptest::collection::vec(0_u32..1000, 1..20),
        ) {
            prop_assume!(weights.iter().any(|w| *w > 0));
            let whole = Money::from_minor_units(minor, Currency::CNY);
            let ws: Vec<Decimal> = weights.iter().map(|w| Decimal::from(*w)).collect();
            let parts = whole.allocate(&ws).unwrap();
            prop_assert_eq!(Money::sum(Currency::CNY, &parts).unwrap(), whole);
            for (part, w) in parts.iter().zip(&weights) {
                if *w == 0 { prop_assert!(part.is_zero()); }
            }
        }

        #[test]
        fn minor_units_round_trip(minor in -MAX_AMOUNT_MINOR..=MAX_AMOUNT_MINOR) {
            let m = Money::from_minor_units(minor, Currency::CNY);
            prop_assert_eq!(m.to_minor_units(), Ok(minor));
        }

        #[test]
        fn amounts_beyond_the_limit_never_reach_storage(minor in any::<i64>()) {
            let m = Money::from_minor_units(minor, Currency::CNY);
            prop_assert_eq!(m.to_minor_units().is_ok(), minor.unsigned_abs() <= MAX_AMOUNT_MINOR.unsigned_abs());
        }
    }
}
