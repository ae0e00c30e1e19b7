//! The value parsers every entity shares (amounts, dates, percentages) and
//! the shape of an import problem.

use std::fmt;

use attain_core::{Currency, Money};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use rust_decimal::Decimal;

/// One problem in an import file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportProblem {
    /// File name as given.
    pub file: String,
    /// 1-based line number in the file (the header is line 1); 0 for the file as a whole.
    pub row: usize,
    /// Column header, if the problem is in one cell.
    pub column: Option<String>,
    /// What is wrong.
    pub message: String,
    /// The offending value, if any.
    pub value: Option<String>,
}

impl fmt::Display for ImportProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if self.row > 0 {
            write!(f, ":{}", self.row)?;
        }
        if let Some(column) = &self.column {
            write!(f, ":{column}")?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(value) = &self.value {
            write!(f, " ({value})")?;
        }
        Ok(())
    }
}

/// Removes thousands separators and makes `.` the decimal point: the
/// later of `,` and `.` is the decimal mark when both appear (1,234.56 and
/// 1.234,56); a lone `,` followed by one or two digits is a decimal comma
/// (12,5); otherwise `,` groups thousands and must be followed by groups of
/// three digits. `None` for separators that fit no layout.
fn normalise_separators(text: &str) -> Option<String> {
    let last_dot = text.rfind('.');
    let last_comma = text.rfind(',');
    let grouped = |s: &str, sep: char| -> Option<String> {
        let mut parts = s.split(sep);
        let first = parts.next()?;
        let mut out = first.to_owned();
        for p in parts {
            if p.len() != 3 || !p.chars().all(|c| c.is_ascii_digit()) {
                return None;
            }
            out.push_str(p);
        }
        Some(out)
    };
    match (last_dot, last_comma) {
        (Some(d), Some(c)) if c > d => {
            let (int, frac) = text.split_at(c);
            Some(format!("{}.{}", grouped(int, '.')?, &frac[1..]))
        }
        (Some(d), Some(_)) => {
            let (int, frac) = text.split_at(d);
            Some(format!("{}{frac}", grouped(int, ',')?))
        }
        (None, Some(c)) => {
            let after = &text[c + 1..];
            if text.matches(',').count() == 1 && (1..=2).contains(&after.len()) {
                Some(text.replacen(',', ".", 1))
            } else {
                grouped(text, ',')
            }
        }
        (Some(_), None) if text.matches('.').count() > 1 => grouped(text, '.'),
        _ => Some(text.to_owned()),
    }
}

/// The currency an amount names by code or symbol (`USD 1,200`, `$1,200`,
/// `€90`, `¥500`, `12万元`), if any. `¥` and `元` are yuan.
pub fn amount_currency(text: &str) -> Option<Currency> {
    let t = text.to_uppercase();
    let code = if t.contains("HK$") || t.contains("HKD") {
        "HKD"
    } else if t.contains("USD") || t.contains("US$") || t.contains('$') {
        "USD"
    } else if t.contains("EUR") || t.contains('€') {
        "EUR"
    } else if t.contains("GBP") || t.contains('£') {
        "GBP"
    } else if t.contains("JPY") {
        "JPY"
    } else if t.contains("CNY")
        || t.contains("RMB")
        || t.contains('¥')
        || t.contains('￥')
        || t.contains('元')
    {
        "CNY"
    } else {
        return None;
    };
    Currency::from_code(code).ok()
}

/// Parses an amount as exports write it: currency symbols and codes,
/// thousands separators (`,`, spaces, `，`), a unit suffix (`元`, `万元`).
pub fn parse_amount(text: &str, currency: Currency) -> Result<Money, String> {
    let mut t = text.trim().to_owned();
    let mut scale = Decimal::ONE;
    if let Some(rest) = t.strip_suffix("万元").or_else(|| t.strip_suffix('万')) {
        t = rest.to_owned();
        scale = Decimal::from(10_000);
    }
    for token in [
        "CNY", "RMB", "USD", "EUR", "HKD", "GBP", "JPY", "HK$", "US$", "元", "¥", "￥", "$", "€",
        "£", "US", "CN",
    ] {
        t = t.replace(token, "");
    }
    let negative = t.starts_with('(') && t.ends_with(')');
    let compact: String = t
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '(' | ')' | '\''))
        .map(|c| if c == '，' { ',' } else { c })
        .collect();
    let cleaned = normalise_separators(&compact).ok_or_else(|| "not an amount".to_owned())?;
    if cleaned.is_empty() {
        return Err("not an amount".into());
    }
    let money = Money::parse(&cleaned, currency).map_err(|_| "not an amount".to_owned())?;
    let money = money.checked_mul(scale).map_err(|e| e.to_string())?;
    let money = if negative { money.negated() } else { money };
    storable(money)
}

/// The amount if Attain can store it: within
/// [`attain_core::money::MAX_AMOUNT_MINOR`] minor units either side of
/// zero; otherwise the message names the limit.
pub(crate) fn storable(money: Money) -> Result<Money, String> {
    money.to_minor_units().map_err(|e| e.to_string())?;
    Ok(money)
}

/// How a file writes numeric dates whose day and month could be swapped
/// (03/04/2026): found per file from the values that are not ambiguous,
/// or set by the preset or a mapping file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DateStyle {
    /// 03/04/2026 is March 4 (US exports: Salesforce, HubSpot, Zoho by default).
    MonthFirst,
    /// 03/04/2026 is 3 April (most of the world).
    DayFirst,
    /// An explicit chrono format from a mapping file, e.g. `%d.%m.%Y`.
    Format(String),
}

/// Unambiguous layouts, tried first whatever the style.
const PLAIN_FORMATS: &[&str] = &[
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y.%m.%d",
    "%Y年%m月%d日",
    "%d-%b-%Y",
    "%b %d, %Y",
    "%B %d, %Y",
    "%d %b %Y",
    "%d %B %Y",
    "%Y%m%d",
];
const MONTH_FIRST: &[&str] = &["%m/%d/%Y", "%m-%d-%Y", "%m.%d.%Y", "%m/%d/%y"];
const DAY_FIRST: &[&str] = &["%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%y"];

impl DateStyle {
    fn formats(&self) -> Vec<&str> {
        match self {
            Self::MonthFirst => PLAIN_FORMATS.iter().chain(MONTH_FIRST).copied().collect(),
            Self::DayFirst => PLAIN_FORMATS.iter().chain(DAY_FIRST).copied().collect(),
            Self::Format(f) => std::iter::once(f.as_str())
                .chain(PLAIN_FORMATS.iter().copied())
                .collect(),
        }
    }

    /// The style a column of dates shows: day-first if some value can only
    /// be read day-first (25/03/2026) and none only month-first, and the
    /// reverse; otherwise `default`. Also says whether any value was
    /// ambiguous and read by the default.
    pub fn infer<'a>(
        values: impl Iterator<Item = &'a str>,
        default: DateStyle,
    ) -> (DateStyle, bool) {
        if matches!(default, Self::Format(_)) {
            return (default, false);
        }
        let (mut day, mut month, mut ambiguous) = (false, false, false);
        for value in values {
            let date = value.split([' ', 'T']).next().unwrap_or(value);
            let parts: Vec<&str> = date.split(['/', '.', '-']).collect();
            let [a, b, _] = parts.as_slice() else {
                continue;
            };
            let (Ok(a), Ok(b)) = (a.parse::<u32>(), b.parse::<u32>()) else {
                continue;
            };
            if parts[0].len() > 2 {
                continue;
            }
            match (a > 12, b > 12) {
                (true, false) => day = true,
                (false, true) => month = true,
                (false, false) if a != b => ambiguous = true,
                _ => {}
            }
        }
        match (day, month) {
            (true, false) => (Self::DayFirst, false),
            (false, true) => (Self::MonthFirst, false),
            _ => (default, ambiguous && !(day || month)),
        }
    }
}

/// Parses a date, or a date-time whose date part is taken, in `style`.
pub fn parse_date_as(text: &str, style: &DateStyle) -> Result<NaiveDate, String> {
    let t = text.trim();
    let date_part = t.split(['T', ' ']).next().unwrap_or(t);
    let formats = style.formats();
    for candidate in [t, date_part] {
        for format in &formats {
            if let Ok(d) = NaiveDate::parse_from_str(candidate, format) {
                return Ok(d);
            }
        }
    }
    // "Mar 12, 2024 10:00 AM" style: try the first three words.
    let words: Vec<&str> = t.split_whitespace().take(3).collect();
    if words.len() == 3
        && let Ok(d) = NaiveDate::parse_from_str(&words.join(" "), "%b %d, %Y")
    {
        return Ok(d);
    }
    Err(match style {
        DateStyle::Format(f) => format!("not a date in the mapping file's format {f}"),
        DateStyle::MonthFirst => {
            "not a date (expected e.g. 2026-07-14, 2026/07/14, 07/14/2026 or 2026年7月14日)".into()
        }
        DateStyle::DayFirst => {
            "not a date (expected e.g. 2026-07-14, 2026/07/14, 14/07/2026 or 2026年7月14日)".into()
        }
    })
}

/// Parses an instant: RFC 3339, Salesforce's `2026-03-12T10:00:00.000+0000`,
/// a local date-time (read as UTC), or a date (midnight UTC).
pub fn parse_datetime(text: &str, style: &DateStyle) -> Result<DateTime<Utc>, String> {
    let t = text.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        return Ok(d.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%.f%z"] {
        if let Ok(d) = DateTime::parse_from_str(t, format) {
            return Ok(d.with_timezone(&Utc));
        }
    }
    let (first, second) = match style {
        DateStyle::DayFirst => ("%d/%m/%Y", "%d.%m.%Y"),
        _ => ("%m/%d/%Y", "%m.%d.%Y"),
    };
    let mut formats: Vec<String> = Vec::new();
    for date in ["%Y-%m-%d", "%Y/%m/%d", first, second] {
        for time in ["%H:%M:%S%.f", "%H:%M", "%I:%M %p", "%I:%M:%S %p"] {
            formats.push(format!("{date} {time}"));
            formats.push(format!("{date}T{time}"));
        }
    }
    formats.push("%b %d, %Y %I:%M %p".into());
    for format in &formats {
        if let Ok(d) = NaiveDateTime::parse_from_str(t, format) {
            return Ok(d.and_utc());
        }
    }
    parse_date_as(t, style)
        .map(|d| d.and_time(chrono::NaiveTime::MIN).and_utc())
        .map_err(|_| {
            "not a date or date-time (expected e.g. 2026-07-14 09:30 or 2026-07-14T09:30:00Z)"
                .into()
        })
}

/// Parses a whole number, allowing thousands separators.
pub fn parse_int(text: &str) -> Result<i64, String> {
    let cleaned: String = text
        .chars()
        .filter(|c| !matches!(c, ',' | ' ' | '\u{a0}'))
        .collect();
    let value: Decimal = cleaned.parse().map_err(|_| "not a number".to_owned())?;
    if !value.fract().is_zero() {
        return Err("must be a whole number".into());
    }
    i64::try_from(value.trunc().mantissa() / 10_i128.pow(value.trunc().scale()))
        .map_err(|_| "number too large".into())
}

/// Parses a percentage such as `75`, `75%` or `0.75`.
pub fn parse_percent(text: &str) -> Result<u8, String> {
    let t = text.trim().trim_end_matches('%').trim();
    let value: Decimal = t.parse().map_err(|_| "not a percentage".to_owned())?;
    let value = if value <= Decimal::ONE && t.contains('.') {
        value
            .checked_mul(Decimal::from(100))
            .ok_or_else(|| "not a percentage".to_owned())?
    } else {
        value
    };
    let rounded = value.round();
    if rounded < Decimal::ZERO || rounded > Decimal::from(100) {
        return Err("a percentage must be between 0 and 100".into());
    }
    u8::try_from(rounded.mantissa() / 10_i128.pow(rounded.scale()))
        .map_err(|_| "not a percentage".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_as_crms_export_them_are_read_exactly() {
        let cases = [
            ("1,234.56", "1234.56"),
            ("¥1,234.50", "1234.50"),
            ("CNY 99", "99"),
            ("12.5万元", "125000.0"),
            ("1 000 000", "1000000"),
            ("(200)", "-200"),
            ("$3,000", "3000"),
            ("1.234,56", "1234.56"),
            ("12,5", "12.5"),
            ("1.000.000", "1000000"),
            ("1，234.00", "1234.00"),
        ];
        for (input, expected) in cases {
            let m = parse_amount(input, Currency::CNY).unwrap();
            assert_eq!(m.amount(), expected.parse::<Decimal>().unwrap(), "{input}");
        }
        for bad in ["", "abc", "1.2.3", "--", "1,23,4", "12,34.5.6"] {
            assert!(parse_amount(bad, Currency::CNY).is_err(), "{bad}");
        }
    }

    #[test]
    fn amounts_beyond_what_attain_stores_are_refused_naming_the_limit() {
        // Issue 10, item 9: 5×10^16 was read, stored and summed until the
        // KPI totals overflowed.
        assert_eq!(
            parse_amount("50000000000000000", Currency::CNY).unwrap_err(),
            "50000000000000000 is too large: amounts are at most 10000000000000.00 either side of zero"
        );
        assert!(parse_amount("(50,000,000,000,000,000)", Currency::CNY).is_err());
        assert!(parse_amount("2000000000万元", Currency::CNY).is_err());
        assert_eq!(
            parse_amount("10,000,000,000,000.00", Currency::CNY)
                .unwrap()
                .amount()
                .to_string(),
            "10000000000000.00",
            "the limit itself is stored"
        );
        assert!(parse_amount("79228162514264337593543950335", Currency::CNY).is_err());
    }

    #[test]
    fn amounts_name_their_currency() {
        assert_eq!(amount_currency("$45,000.00"), Some(Currency::USD));
        assert_eq!(amount_currency("USD 12"), Some(Currency::USD));
        assert_eq!(amount_currency("€ 9"), Some(Currency::EUR));
        assert_eq!(amount_currency("¥500"), Some(Currency::CNY));
        assert_eq!(amount_currency("12.5万元"), Some(Currency::CNY));
        assert_eq!(amount_currency("HK$ 80").map(|c| c.code()), Some("HKD"));
        assert_eq!(amount_currency("1,200.00"), None);
        assert_eq!(
            parse_amount("HK$ 80", Currency::CNY)
                .unwrap()
                .amount()
                .to_string(),
            "80"
        );
    }

    #[test]
    fn dates_in_every_supported_layout() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 12).unwrap();
        for input in [
            "2026-03-12",
            "2026/03/12",
            "03/12/2026",
            "2026年3月12日",
            "12-Mar-2026",
            "Mar 12, 2026",
            "2026-03-12 10:00:00",
            "2026-03-12T10:00:00Z",
            "Mar 12, 2026 10:00 AM",
        ] {
            assert_eq!(
                parse_date_as(input, &DateStyle::MonthFirst),
                Ok(d),
                "{input}"
            );
        }
        assert!(parse_date_as("2026-13-45", &DateStyle::MonthFirst).is_err());
        assert_eq!(parse_date_as("12/03/2026", &DateStyle::DayFirst), Ok(d));
        assert_eq!(
            parse_date_as("12.03.2026", &DateStyle::Format("%d.%m.%Y".into())),
            Ok(d)
        );
        assert!(parse_date_as("soon", &DateStyle::MonthFirst).is_err());
    }

    #[test]
    fn the_date_order_of_a_file_comes_from_its_unambiguous_values() {
        let (style, ambiguous) = DateStyle::infer(
            ["03/04/2026", "25/03/2026"].into_iter(),
            DateStyle::MonthFirst,
        );
        assert_eq!((style, ambiguous), (DateStyle::DayFirst, false));
        let (style, _) = DateStyle::infer(
            ["03/04/2026", "03/25/2026"].into_iter(),
            DateStyle::DayFirst,
        );
        assert_eq!(style, DateStyle::MonthFirst);
        let (style, ambiguous) = DateStyle::infer(
            ["03/04/2026", "2026-05-06"].into_iter(),
            DateStyle::MonthFirst,
        );
        assert_eq!((style, ambiguous), (DateStyle::MonthFirst, true));
        let (_, ambiguous) = DateStyle::infer(["2026-03-04"].into_iter(), DateStyle::DayFirst);
        assert!(!ambiguous);
    }

    #[test]
    fn instants_as_crms_export_them() {
        let at = |s: &str| {
            parse_datetime(s, &DateStyle::MonthFirst)
                .unwrap()
                .to_rfc3339()
        };
        assert_eq!(
            at("2026-03-12T10:15:00.000+0000"),
            "2026-03-12T10:15:00+00:00"
        );
        assert_eq!(at("2026-03-12T18:15:00+08:00"), "2026-03-12T10:15:00+00:00");
        assert_eq!(at("2026-03-12 10:15"), "2026-03-12T10:15:00+00:00");
        assert_eq!(at("03/12/2026 10:15 AM"), "2026-03-12T10:15:00+00:00");
        assert_eq!(at("2026-03-12"), "2026-03-12T00:00:00+00:00");
        assert!(parse_datetime("later", &DateStyle::MonthFirst).is_err());
        assert_eq!(parse_int("1,200"), Ok(1200));
        assert!(parse_int("1.5").is_err());
    }

    #[test]
    fn percentages() {
        assert_eq!(parse_percent("75%"), Ok(75));
        assert_eq!(parse_percent("0.75"), Ok(75));
        assert_eq!(parse_percent("100"), Ok(100));
        assert!(parse_percent("150").is_err());
        assert!(parse_percent("0.9999999999999999999999999999").is_ok());
        assert!(parse_percent("-79228162514264337593543950335").is_err());
    }
}
