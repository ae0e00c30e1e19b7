//! The value parsers every entity shares (amounts, dates, percentages).

use attain_core::{Currency, Money};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use rust_decimal::Decimal;

/// The character a file's numbers use for their decimals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DecimalMark {
    /// `1,234.56`: a point, with commas grouping thousands.
    Point,
    /// `1.234,56`: a comma, with points grouping thousands.
    Comma,
}

impl DecimalMark {
    /// Reads a mapping file's `decimal`: `"."` or `","`.
    pub fn from_label(label: &str) -> Result<Self, String> {
        match label.trim() {
            "." | "point" => Ok(Self::Point),
            "," | "comma" => Ok(Self::Comma),
            other => Err(format!(
                "decimal '{other}' is neither \".\" nor \",\" (the character before the decimals)"
            )),
        }
    }

    /// The decimal character.
    pub fn char(self) -> char {
        match self {
            Self::Point => '.',
            Self::Comma => ',',
        }
    }

    /// The character that groups thousands under this mark.
    fn grouping(self) -> char {
        match self {
            Self::Point => ',',
            Self::Comma => '.',
        }
    }
}

/// What one number says about its file's decimal mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MarkEvidence {
    /// It can only be read one way: both separators (the later one is the
    /// decimal mark), a separator that appears twice (it groups), or one
    /// that cannot be grouping thousands (`999,50`, `12.5`, `1234.567`,
    /// `0.500`).
    Shows(DecimalMark),
    /// One separator followed by exactly three digits after one to three
    /// digits (`1.000`, `2,500`): thousands, or three decimals.
    Ambiguous,
    /// No separator at all.
    Silent,
}

/// What `number` (digits with `,` and `.`, possibly signed) says about
/// the decimal mark.
pub(crate) fn mark_evidence(number: &str) -> MarkEvidence {
    let body = number.trim_start_matches(['-', '+']);
    let (commas, points) = (body.matches(',').count(), body.matches('.').count());
    let single = |separator: char, as_decimal: DecimalMark| {
        let (int, fraction) = body.split_once(separator).unwrap_or((body, ""));
        let could_group = fraction.len() == 3
            && fraction.chars().all(|c| c.is_ascii_digit())
            && (1..=3).contains(&int.len())
            && int.chars().all(|c| c.is_ascii_digit())
            && !int.starts_with('0');
        if could_group {
            MarkEvidence::Ambiguous
        } else {
            MarkEvidence::Shows(as_decimal)
        }
    };
    match (commas, points) {
        (0, 0) => MarkEvidence::Silent,
        (c, p) if c > 0 && p > 0 => {
            if body.rfind(',') > body.rfind('.') {
                MarkEvidence::Shows(DecimalMark::Comma)
            } else {
                MarkEvidence::Shows(DecimalMark::Point)
            }
        }
        (1, 0) => single(',', DecimalMark::Comma),
        (_, 0) => MarkEvidence::Shows(DecimalMark::Point),
        (0, 1) => single('.', DecimalMark::Point),
        _ => MarkEvidence::Shows(DecimalMark::Comma),
    }
}

/// How a column's numbers are read: the decimal mark a mapping file
/// gives (for every value), the one the file's unambiguous values show
/// (for its ambiguous ones), or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decimals {
    /// A mapping file's `decimal`: every value is read with it.
    Given(DecimalMark),
    /// The file's values that can be read only one way all show this mark.
    Shown(DecimalMark),
    /// No value shows the mark: an ambiguous value's separator groups
    /// thousands (`1,000` and `1.000` are a thousand: amounts are not
    /// written with three decimals, quantities with none), and the report
    /// says so.
    Grouping,
    /// No value shows the mark.
    Unknown,
    /// Some values show one mark, some the other.
    Conflicting,
}

impl Decimals {
    /// The decision for values showing `marks` (each at most once).
    pub(crate) fn of_shown(marks: &std::collections::BTreeSet<DecimalMark>) -> Self {
        let mut it = marks.iter();
        match (it.next(), it.next()) {
            (None, _) => Self::Unknown,
            (Some(m), None) => Self::Shown(*m),
            _ => Self::Conflicting,
        }
    }
}

/// `digits` with `group` every three digits after the first one to
/// three, without them; `None` for any other layout.
fn ungrouped(digits: &str, group: char) -> Option<String> {
    let mut parts = digits.split(group);
    let first = parts.next()?;
    let mut out = first.to_owned();
    let mut grouped = false;
    for p in parts {
        if p.len() != 3 || !p.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        grouped = true;
        out.push_str(p);
    }
    if grouped && !(1..=3).contains(&first.len()) {
        return None;
    }
    Some(out)
}

/// `number` with its thousands separators removed and `.` as its decimal
/// point, read with `mark`; `None` for separators that fit no layout.
fn with_mark(number: &str, mark: DecimalMark) -> Option<String> {
    let (sign, body) = match number.strip_prefix(['-', '+']) {
        Some(rest) => (&number[..1], rest),
        None => ("", number),
    };
    let decimal = mark.char();
    if body.matches(decimal).count() > 1 {
        return None;
    }
    let (int, fraction) = match body.split_once(decimal) {
        Some((int, fraction)) => (int, Some(fraction)),
        None => (body, None),
    };
    if fraction.is_some_and(|f| f.contains(mark.grouping())) {
        return None;
    }
    let int = ungrouped(int, mark.grouping())?;
    Some(match fraction {
        Some(f) => format!("{sign}{int}.{f}"),
        None => format!("{sign}{int}"),
    })
}

/// Why a number could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum NumberError {
    /// Its separators fit no layout (or not the mapping file's mark).
    Layout(Option<DecimalMark>),
    /// It reads two ways and nothing decides (the sentence says both).
    Ambiguous(String),
}

impl NumberError {
    /// The problem in words, `what` being `an amount` or `a number`.
    pub(crate) fn describe(self, what: &str) -> String {
        match self {
            Self::Ambiguous(message) => message,
            Self::Layout(Some(mark)) => {
                format!("not {what} with '{}' as its decimal mark", mark.char())
            }
            Self::Layout(None) => format!("not {what}"),
        }
    }
}

/// A number written with thousands separators and a decimal comma or
/// point as Rust reads it (`1234.56`). A value that can only be read one
/// way is read that way (unless a mapping file gives the mark); an
/// ambiguous one (`1.000`) by the mark its file shows, and without one it
/// is a problem that says both readings.
pub(crate) fn normalise_number(number: &str, decimals: Decimals) -> Result<String, NumberError> {
    let mark = match (decimals, mark_evidence(number)) {
        (Decimals::Given(m), _) | (_, MarkEvidence::Shows(m)) => m,
        (_, MarkEvidence::Silent) => DecimalMark::Point,
        (Decimals::Shown(m), MarkEvidence::Ambiguous) => m,
        (Decimals::Grouping, MarkEvidence::Ambiguous) => {
            if number.contains(',') {
                DecimalMark::Point
            } else {
                DecimalMark::Comma
            }
        }
        (Decimals::Unknown | Decimals::Conflicting, MarkEvidence::Ambiguous) => {
            let separator = if number.contains(',') { ',' } else { '.' };
            let grouped: String = number.chars().filter(|c| *c != separator).collect();
            let decimal = number.replace(separator, ".");
            let decimal = decimal
                .parse::<Decimal>()
                .map_or(decimal, |d| d.normalize().to_string());
            let why = if decimals == Decimals::Conflicting {
                "the file's amounts use both ',' and '.' as their decimal mark"
            } else {
                "no amount in the file shows whether ',' or '.' is its decimal mark"
            };
            return Err(NumberError::Ambiguous(format!(
                "is ambiguous: it could be {grouped} or {decimal}, and {why} (write it without a thousands separator or with its decimals, or set decimal = \",\" or decimal = \".\" in a mapping file)"
            )));
        }
    };
    with_mark(number, mark).ok_or(NumberError::Layout(match decimals {
        Decimals::Given(m) => Some(m),
        _ => None,
    }))
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

/// An amount's text without its currency and unit: the number (digits,
/// sign, `,` and `.`), the factor of its unit (`万`: 10,000) and whether
/// it was written in parentheses (negative).
pub(crate) fn amount_number(text: &str) -> (String, Decimal, bool) {
    let plain = text.trim();
    // Most amounts are bare numbers: nothing to take off.
    if plain
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b',' | b'-' | b'+'))
    {
        return (plain.to_owned(), Decimal::ONE, false);
    }
    let mut t = plain.to_owned();
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
    (compact, scale, negative)
}

/// Parses an amount as exports write it: currency symbols and codes,
/// thousands separators (`,`, `.`, spaces, `，`), a decimal point or
/// comma, a unit suffix (`元`, `万元`). An amount whose decimal mark is
/// ambiguous (`1.000`) is an error; an import reads it by the mark its
/// file shows.
pub fn parse_amount(text: &str, currency: Currency) -> Result<Money, String> {
    parse_amount_as(text, currency, Decimals::Unknown)
}

/// [`parse_amount`], with ambiguous decimal marks read as `decimals` says.
pub(crate) fn parse_amount_as(
    text: &str,
    currency: Currency,
    decimals: Decimals,
) -> Result<Money, String> {
    let (compact, scale, negative) = amount_number(text);
    if compact.is_empty() {
        return Err("not an amount".into());
    }
    let cleaned = normalise_number(&compact, decimals).map_err(|e| e.describe("an amount"))?;
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

/// The first day an imported date may be: earlier is a typo (`0026` for
/// `2026`) or a placeholder (`0001-01-01`), and no KPI would ever show it.
pub const FIRST_DATE: NaiveDate = NaiveDate::from_ymd_opt(1900, 1, 1).expect("a valid date");
/// The last day an imported date may be (`9999-12-31` is a placeholder).
pub const LAST_DATE: NaiveDate = NaiveDate::from_ymd_opt(2199, 12, 31).expect("a valid date");

/// `date` if it lies within [`FIRST_DATE`] and [`LAST_DATE`].
pub(crate) fn sane_date(date: NaiveDate) -> Result<NaiveDate, String> {
    if (FIRST_DATE..=LAST_DATE).contains(&date) {
        Ok(date)
    } else {
        Err(format!(
            "a date before {FIRST_DATE} or after {LAST_DATE} is refused (a typo for another year, or a placeholder?)"
        ))
    }
}

/// Parses a date, or a date-time whose date part is taken, in `style`;
/// dates outside [`FIRST_DATE`]..=[`LAST_DATE`] are refused.
pub fn parse_date_as(text: &str, style: &DateStyle) -> Result<NaiveDate, String> {
    read_date_as(text, style).and_then(sane_date)
}

fn read_date_as(text: &str, style: &DateStyle) -> Result<NaiveDate, String> {
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
/// a local date-time (read as UTC), or a date (midnight UTC); its day must
/// lie within [`FIRST_DATE`]..=[`LAST_DATE`].
pub fn parse_datetime(text: &str, style: &DateStyle) -> Result<DateTime<Utc>, String> {
    let instant = read_datetime(text, style)?;
    sane_date(instant.date_naive())?;
    Ok(instant)
}

fn read_datetime(text: &str, style: &DateStyle) -> Result<DateTime<Utc>, String> {
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
    read_date_as(t, style)
        .map(|d| d.and_time(chrono::NaiveTime::MIN).and_utc())
        .map_err(|_| {
            "not a date or date-time (expected e.g. 2026-07-14 09:30 or 2026-07-14T09:30:00Z)"
                .into()
        })
}

/// Parses a whole number, allowing thousands separators.
/// Thousands separators and decimal mark are read as `decimals` says, so
/// `1.000` in a file of `1.234,56` is a thousand.
pub(crate) fn parse_int_as(text: &str, decimals: Decimals) -> Result<i64, String> {
    let compact: String = text
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\''))
        .collect();
    let cleaned = normalise_number(&compact, decimals).map_err(|e| e.describe("a number"))?;
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
            ("$3,000.00", "3000.00"),
            ("1.234,56", "1234.56"),
            ("12,5", "12.5"),
            ("1.000.000", "1000000"),
            ("1，234.00", "1234.00"),
        ];
        for (input, expected) in cases {
            let m = parse_amount(input, Currency::CNY).unwrap();
            assert_eq!(m.amount(), expected.parse::<Decimal>().unwrap(), "{input}");
        }
        for bad in [
            "",
            "abc",
            "1.2.3",
            "--",
            "1,23,4",
            "12,34.5.6",
            "1234,567,890",
        ] {
            assert!(parse_amount(bad, Currency::CNY).is_err(), "{bad}");
        }
    }

    #[test]
    fn an_amount_whose_decimal_mark_is_ambiguous_is_read_by_the_mark_its_file_shows_or_refused() {
        // Attack H4: in a ';'-delimited EUR file, 1.000 and 2.500 were
        // stored as 1.00 and 2.50; 1.234 became 1.23.
        let read = |text: &str, decimals| {
            parse_amount_as(text, Currency::EUR, decimals).map(|m| m.amount().to_string())
        };
        let comma = Decimals::Shown(DecimalMark::Comma);
        assert_eq!(read("1.000", comma), Ok("1000".into()));
        assert_eq!(read("2.500", comma), Ok("2500".into()));
        assert_eq!(read("12.345,67", comma), Ok("12345.67".into()));
        assert_eq!(read("999,50", comma), Ok("999.50".into()));
        assert_eq!(
            read("1.234", Decimals::Shown(DecimalMark::Point)),
            Ok("1.234".into())
        );
        assert_eq!(
            read("1.234", Decimals::Unknown),
            Err("is ambiguous: it could be 1234 or 1.234, and no amount in the file shows whether ',' or '.' is its decimal mark (write it without a thousands separator or with its decimals, or set decimal = \",\" or decimal = \".\" in a mapping file)".into())
        );
        assert!(
            read("2,500", Decimals::Conflicting)
                .unwrap_err()
                .contains("use both")
        );
        // A value that can be read one way only is read that way.
        assert_eq!(read("12,5", Decimals::Unknown), Ok("12.5".into()));
        assert_eq!(read("1234.567", Decimals::Unknown), Ok("1234.567".into()));
        assert_eq!(read("0.500", Decimals::Unknown), Ok("0.500".into()));
        // A mapping's mark reads every value, and a value that does not fit it is refused.
        let given = Decimals::Given(DecimalMark::Comma);
        assert_eq!(read("1.234", given), Ok("1234".into()));
        assert_eq!(read("1,5", given), Ok("1.5".into()));
        assert!(read("1,234.56", given).is_err());
    }

    #[test]
    fn what_a_value_shows_about_its_decimal_mark() {
        use MarkEvidence::*;
        for (value, expected) in [
            ("12.345,67", Shows(DecimalMark::Comma)),
            ("1,234.56", Shows(DecimalMark::Point)),
            ("999,50", Shows(DecimalMark::Comma)),
            ("99.5", Shows(DecimalMark::Point)),
            ("1.000.000", Shows(DecimalMark::Comma)),
            ("1,000,000", Shows(DecimalMark::Point)),
            ("1234,567", Shows(DecimalMark::Comma)),
            ("0,250", Shows(DecimalMark::Comma)),
            ("1.000", Ambiguous),
            ("-2,500", Ambiguous),
            ("123.456", Ambiguous),
            ("5000", Silent),
        ] {
            assert_eq!(mark_evidence(value), expected, "{value}");
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
    fn dates_outside_1900_to_2199_are_refused() {
        // Attack M4: 0001-01-01, 0026-05-01 (for 2026), 0999-12-31 and
        // 9999-12-31 imported and never appeared in any KPI.
        for text in [
            "0001-01-01",
            "0026-05-01",
            "0999-12-31",
            "9999-12-31",
            "1899-12-31",
            "2200-01-01",
        ] {
            let err = parse_date_as(text, &DateStyle::DayFirst).unwrap_err();
            assert!(
                err.starts_with("a date before 1900-01-01 or after 2199-12-31"),
                "{text}: {err}"
            );
            assert!(
                parse_datetime(&format!("{text}T10:00:00Z"), &DateStyle::DayFirst).is_err(),
                "{text}"
            );
        }
        for text in ["1900-01-01", "2199-12-31", "2026-05-01"] {
            assert!(parse_date_as(text, &DateStyle::DayFirst).is_ok(), "{text}");
        }
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
        let point = Decimals::Shown(DecimalMark::Point);
        assert_eq!(parse_int_as("1,200", point), Ok(1200));
        assert!(parse_int_as("1.5", point).is_err());
        assert_eq!(
            parse_int_as("1.000", Decimals::Shown(DecimalMark::Comma)),
            Ok(1000),
            "a thousand in a file with a decimal comma"
        );
        assert!(parse_int_as("1.000", Decimals::Unknown).is_err());
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
