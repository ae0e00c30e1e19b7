//! The fiscal calendar and periods.
//!
//! Every figure in Attain belongs to a [`Period`]: a half-open range of civil
//! dates `[start, end)` produced by a [`FiscalCalendar`]. Nothing else in the
//! code base does date arithmetic to find "this quarter".
//!
//! One notation is parsed and printed (case-insensitive in, canonical out):
//!
//! | kind | notation |
//! | --- | --- |
//! | fiscal year / half / quarter | `FY2026`, `FY2026-H1`, `FY2026-Q3` |
//! | calendar year / half / quarter | `2026`, `2026-H2`, `2026-Q3` |
//! | month | `2026-07` |
//! | ISO week | `2026-W14` |
//! | day | `2026-07-14` |
//! | custom range (both ends included) | `2026-07-01..2026-09-30` |
//!
//! Fiscal years start on the first day of a configurable month and are named
//! by the calendar year they end in (as Apple, Microsoft and the US federal
//! government do) unless the calendar says [`FiscalYearLabel::StartYear`].
//! Fiscal months coincide with calendar months, so months need no FY form.

use std::fmt;

use chrono::{Datelike, Days, Months, NaiveDate, Weekday};

/// Earliest year a period may name; keeps the four-digit notation unambiguous.
pub const MIN_YEAR: i32 = 1000;
/// Latest year a period may name.
pub const MAX_YEAR: i32 = 9998;
/// The longest custom range, in days (ten years): every figure, breakdown
/// and list of sub-periods a caller asks for stays bounded.
pub const MAX_RANGE_DAYS: i64 = 3_653;
/// The longest text read as a period.
const MAX_PERIOD_CHARS: usize = 64;

/// How fiscal years are named.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum FiscalYearLabel {
    /// FY2026 is the fiscal year that ends in calendar 2026.
    #[default]
    EndYear,
    /// FY2026 is the fiscal year that starts in calendar 2026.
    StartYear,
}

/// An organisation's fiscal calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FiscalCalendar {
    first_month: u32,
    label: FiscalYearLabel,
    /// The day weeks start on. A week is numbered by the ISO week of the
    /// Thursday it holds, as ISO 8601 numbers its own: it starts up to
    /// three days after that ISO week's Monday (Tuesday to Thursday) or up
    /// to three days before it (Friday to Sunday).
    week_start: Weekday,
}

/// Errors building a calendar or a period.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    /// The fiscal year must start in a month 1..=12.
    #[error("the fiscal year must start in month 1 to 12, not {0}")]
    InvalidFirstMonth(u32),
    /// The text is not in the period notation.
    #[error("'{input}' is not a period: {reason}")]
    Parse {
        /// What was given.
        input: String,
        /// Why it was refused.
        reason: String,
    },
    /// A period part is out of range (a 13th month, a fifth quarter, year 0).
    #[error("{0}")]
    OutOfRange(String),
}

/// Which kind of period a [`Period`] is, with the numbers that name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PeriodKey {
    /// Fiscal year `FY{0}`.
    FiscalYear(i32),
    /// Fiscal half `FY{0}-H{1}`, 1 or 2.
    FiscalHalf(i32, u32),
    /// Fiscal quarter `FY{0}-Q{1}`, 1 to 4.
    FiscalQuarter(i32, u32),
    /// Calendar year.
    Year(i32),
    /// Calendar half, 1 or 2.
    Half(i32, u32),
    /// Calendar quarter, 1 to 4.
    Quarter(i32, u32),
    /// Calendar month, 1 to 12.
    Month(i32, u32),
    /// ISO-8601 week: ISO week-numbering year and week 1 to 52 or 53.
    Week(i32, u32),
    /// One day.
    Day(NaiveDate),
    /// Custom range, both dates included.
    Range(NaiveDate, NaiveDate),
}

/// A granularity to find "the period of this kind that contains a date".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Granularity {
    /// Fiscal year.
    FiscalYear,
    /// Fiscal half.
    FiscalHalf,
    /// Fiscal quarter.
    FiscalQuarter,
    /// Calendar year.
    Year,
    /// Calendar half.
    Half,
    /// Calendar quarter.
    Quarter,
    /// Month.
    Month,
    /// ISO week.
    Week,
    /// Day.
    Day,
}

/// A period: its key plus the half-open date range `[start, end)` it covers.
///
/// Only a [`FiscalCalendar`] builds one, so start and end are always right for
/// the organisation's calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Period {
    key: PeriodKey,
    start: NaiveDate,
    end: NaiveDate,
    calendar: FiscalCalendar,
}

fn out_of_range(msg: impl Into<String>) -> PeriodError {
    PeriodError::OutOfRange(msg.into())
}

fn ymd(y: i32, m: u32, d: u32) -> Result<NaiveDate, PeriodError> {
    NaiveDate::from_ymd_opt(y, m, d)
        .ok_or_else(|| out_of_range(format!("{y:04}-{m:02}-{d:02} is not a date")))
}

fn add_months(date: NaiveDate, months: u32) -> Result<NaiveDate, PeriodError> {
    date.checked_add_months(Months::new(months))
        .ok_or_else(|| out_of_range("date out of range"))
}

fn check_year(y: i32) -> Result<(), PeriodError> {
    if (MIN_YEAR..=MAX_YEAR).contains(&y) {
        Ok(())
    } else {
        Err(out_of_range(format!(
            "year {y} is outside {MIN_YEAR}..={MAX_YEAR}"
        )))
    }
}

/// The same month and day one year earlier; 29 February becomes 28 February.
fn one_year_earlier(date: NaiveDate) -> Result<NaiveDate, PeriodError> {
    date.checked_sub_months(Months::new(12))
        .ok_or_else(|| out_of_range("date out of range"))
}

impl Default for FiscalCalendar {
    /// The calendar year.
    fn default() -> Self {
        Self {
            first_month: 1,
            label: FiscalYearLabel::EndYear,
            week_start: Weekday::Mon,
        }
    }
}

impl FiscalCalendar {
    /// A calendar whose fiscal year starts on the first day of `first_month`.
    pub fn new(first_month: u32, label: FiscalYearLabel) -> Result<Self, PeriodError> {
        if (1..=12).contains(&first_month) {
            Ok(Self {
                first_month,
                label,
                week_start: Weekday::Mon,
            })
        } else {
            Err(PeriodError::InvalidFirstMonth(first_month))
        }
    }

    /// First month (1..=12) of the fiscal year.
    pub fn first_month(&self) -> u32 {
        self.first_month
    }

    /// How fiscal years are named.
    pub fn label(&self) -> FiscalYearLabel {
        self.label
    }

    /// The same calendar with weeks starting on `day` (Monday by default,
    /// as ISO 8601 has it). Week `2026-W14` is the week that holds the
    /// Thursday of ISO week 14, from the `day` nearest that week's Monday.
    pub fn with_week_start(self, day: Weekday) -> Self {
        Self {
            week_start: day,
            ..self
        }
    }

    /// The day weeks start on.
    pub fn week_start(&self) -> Weekday {
        self.week_start
    }

    /// Days from a week's ISO Monday to its first day: 0 to 3 after it
    /// (Monday to Thursday starts), 1 to 3 before it (Friday to Sunday).
    fn week_offset(&self) -> i64 {
        let n = i64::from(self.week_start.num_days_from_monday());
        if n <= 3 { n } else { n - 7 }
    }

    /// The first day of week `w` of ISO year `y`, as this calendar starts weeks.
    fn week_start_of(&self, y: i32, w: u32) -> Option<NaiveDate> {
        let monday = NaiveDate::from_isoywd_opt(y, w, Weekday::Mon)?;
        monday.checked_add_signed(chrono::TimeDelta::days(self.week_offset()))
    }

    /// The week (ISO year, number) that contains `date`, as this calendar
    /// starts weeks.
    fn week_of(&self, date: NaiveDate) -> PeriodKey {
        let w = date
            .checked_sub_signed(chrono::TimeDelta::days(self.week_offset()))
            .unwrap_or(date)
            .iso_week();
        PeriodKey::Week(w.year(), w.week())
    }

    /// The key that names exactly `start..end` (end exclusive) in this
    /// calendar: a fiscal year, half or quarter, then a calendar year,
    /// half, quarter, month, week or day, else a date range. What a goal's
    /// period becomes when the calendar changes under it.
    pub fn key_for_dates(&self, start: NaiveDate, end: NaiveDate) -> PeriodKey {
        let grains = [
            Granularity::FiscalYear,
            Granularity::FiscalHalf,
            Granularity::FiscalQuarter,
            Granularity::Year,
            Granularity::Half,
            Granularity::Quarter,
            Granularity::Month,
            Granularity::Week,
            Granularity::Day,
        ];
        grains
            .into_iter()
            .filter_map(|g| self.period_containing(start, g).ok())
            .find(|p| p.start() == start && p.end() == end)
            .map_or_else(
                || PeriodKey::Range(start, end.pred_opt().unwrap_or(end)),
                |p| p.key(),
            )
    }

    /// First day of fiscal year `fy`.
    fn fiscal_year_start(&self, fy: i32) -> Result<NaiveDate, PeriodError> {
        let start_year = match self.label {
            FiscalYearLabel::EndYear if self.first_month > 1 => fy - 1,
            _ => fy,
        };
        ymd(start_year, self.first_month, 1)
    }

    /// The fiscal year that contains `date`.
    pub fn fiscal_year_of(&self, date: NaiveDate) -> i32 {
        let starts_this_calendar_year = date.month() >= self.first_month;
        match (self.label, self.first_month) {
            (_, 1) => date.year(),
            (FiscalYearLabel::EndYear, _) if starts_this_calendar_year => date.year() + 1,
            (FiscalYearLabel::EndYear, _) => date.year(),
            (FiscalYearLabel::StartYear, _) if starts_this_calendar_year => date.year(),
            (FiscalYearLabel::StartYear, _) => date.year() - 1,
        }
    }

    /// Builds the period named by `key`, checking every part.
    pub fn period(&self, key: PeriodKey) -> Result<Period, PeriodError> {
        let (start, end) = match key {
            PeriodKey::FiscalYear(fy) => {
                check_year(fy)?;
                let s = self.fiscal_year_start(fy)?;
                (s, add_months(s, 12)?)
            }
            PeriodKey::FiscalHalf(fy, h) => {
                check_year(fy)?;
                if !(1..=2).contains(&h) {
                    return Err(out_of_range(format!("half {h} is not 1 or 2")));
                }
                let s = add_months(self.fiscal_year_start(fy)?, 6 * (h - 1))?;
                (s, add_months(s, 6)?)
            }
            PeriodKey::FiscalQuarter(fy, q) => {
                check_year(fy)?;
                if !(1..=4).contains(&q) {
                    return Err(out_of_range(format!("quarter {q} is not 1 to 4")));
                }
                let s = add_months(self.fiscal_year_start(fy)?, 3 * (q - 1))?;
                (s, add_months(s, 3)?)
            }
            PeriodKey::Year(y) => {
                check_year(y)?;
                (ymd(y, 1, 1)?, ymd(y + 1, 1, 1)?)
            }
            PeriodKey::Half(y, h) => {
                check_year(y)?;
                if !(1..=2).contains(&h) {
                    return Err(out_of_range(format!("half {h} is not 1 or 2")));
                }
                let s = ymd(y, 6 * (h - 1) + 1, 1)?;
                (s, add_months(s, 6)?)
            }
            PeriodKey::Quarter(y, q) => {
                check_year(y)?;
                if !(1..=4).contains(&q) {
                    return Err(out_of_range(format!("quarter {q} is not 1 to 4")));
                }
                let s = ymd(y, 3 * (q - 1) + 1, 1)?;
                (s, add_months(s, 3)?)
            }
            PeriodKey::Month(y, m) => {
                check_year(y)?;
                if !(1..=12).contains(&m) {
                    return Err(out_of_range(format!("month {m} is not 1 to 12")));
                }
                let s = ymd(y, m, 1)?;
                (s, add_months(s, 1)?)
            }
            PeriodKey::Week(y, w) => {
                check_year(y)?;
                NaiveDate::from_isoywd_opt(y, w, Weekday::Mon)
                    .ok_or_else(|| out_of_range(format!("ISO year {y} has no week {w}")))?;
                let s = self
                    .week_start_of(y, w)
                    .ok_or_else(|| out_of_range("date out of range"))?;
                (s, s + Days::new(7))
            }
            PeriodKey::Day(d) => {
                check_year(d.year())?;
                (d, d + Days::new(1))
            }
            PeriodKey::Range(first, last) => {
                check_year(first.year())?;
                check_year(last.year())?;
                if last < first {
                    return Err(out_of_range(format!(
                        "range {first}..{last} ends before it starts"
                    )));
                }
                let days = (last - first).num_days() + 1;
                if days > MAX_RANGE_DAYS {
                    return Err(out_of_range(format!(
                        "range {first}..{last} has {days} days; at most {MAX_RANGE_DAYS} (ten years) are allowed"
                    )));
                }
                (first, last + Days::new(1))
            }
        };
        Ok(Period {
            key,
            start,
            end,
            calendar: *self,
        })
    }

    /// The period of the given granularity that contains `date`.
    pub fn period_containing(
        &self,
        date: NaiveDate,
        granularity: Granularity,
    ) -> Result<Period, PeriodError> {
        let key = match granularity {
            Granularity::FiscalYear => PeriodKey::FiscalYear(self.fiscal_year_of(date)),
            Granularity::FiscalHalf | Granularity::FiscalQuarter => {
                let fy = self.fiscal_year_of(date);
                let start = self.fiscal_year_start(fy)?;
                let months_in =
                    (date.year() - start.year()) * 12 + date.month() as i32 - start.month() as i32;
                let months_in =
                    u32::try_from(months_in).map_err(|_| out_of_range("date out of range"))?;
                if granularity == Granularity::FiscalHalf {
                    PeriodKey::FiscalHalf(fy, months_in / 6 + 1)
                } else {
                    PeriodKey::FiscalQuarter(fy, months_in / 3 + 1)
                }
            }
            Granularity::Year => PeriodKey::Year(date.year()),
            Granularity::Half => PeriodKey::Half(date.year(), (date.month() - 1) / 6 + 1),
            Granularity::Quarter => PeriodKey::Quarter(date.year(), (date.month() - 1) / 3 + 1),
            Granularity::Month => PeriodKey::Month(date.year(), date.month()),
            Granularity::Week => self.week_of(date),
            Granularity::Day => PeriodKey::Day(date),
        };
        self.period(key)
    }

    /// Parses the period notation (see the module docs).
    pub fn parse(&self, text: &str) -> Result<Period, PeriodError> {
        let key = parse_key(text)?;
        self.period(key).map_err(|e| PeriodError::Parse {
            input: text.to_owned(),
            reason: e.to_string(),
        })
    }
}

fn parse_err(input: &str, reason: &str) -> PeriodError {
    PeriodError::Parse {
        input: input.to_owned(),
        reason: reason.to_owned(),
    }
}

const EXPECTED: &str = "expected FY2026, FY2026-H1, FY2026-Q3, 2026, 2026-H1, 2026-Q3, 2026-07, 2026-W14, 2026-07-14 or 2026-07-01..2026-09-30";

fn parse_year(input: &str, digits: &str) -> Result<i32, PeriodError> {
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(parse_err(input, "the year must have four digits"));
    }
    digits
        .parse()
        .map_err(|_| parse_err(input, "the year must have four digits"))
}

fn parse_small(input: &str, digits: &str, what: &str) -> Result<u32, PeriodError> {
    if digits.is_empty() || digits.len() > 2 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(parse_err(input, &format!("the {what} must be a number")));
    }
    digits
        .parse()
        .map_err(|_| parse_err(input, &format!("the {what} must be a number")))
}

fn parse_date(input: &str, text: &str) -> Result<NaiveDate, PeriodError> {
    let bytes = text.as_bytes();
    let shape_ok = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
    if !shape_ok {
        return Err(parse_err(input, "dates are written YYYY-MM-DD"));
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| parse_err(input, &format!("{text} is not a calendar date")))
}

fn parse_key(input: &str) -> Result<PeriodKey, PeriodError> {
    if input.len() > MAX_PERIOD_CHARS {
        let start: String = input.chars().take(20).collect();
        return Err(parse_err(
            &format!("{start}…"),
            &format!("a period is at most {MAX_PERIOD_CHARS} characters"),
        ));
    }
    let text = input.trim().to_ascii_uppercase();
    if text.is_empty() {
        return Err(parse_err(input, EXPECTED));
    }
    if let Some((first, last)) = text.split_once("..") {
        return Ok(PeriodKey::Range(
            parse_date(input, first)?,
            parse_date(input, last)?,
        ));
    }
    if let Some(rest) = text.strip_prefix("FY") {
        let (year, suffix) = rest
            .split_once('-')
            .map_or((rest, None), |(y, s)| (y, Some(s)));
        let fy = parse_year(input, year)?;
        return match suffix {
            None => Ok(PeriodKey::FiscalYear(fy)),
            Some(s) if s.starts_with('H') => Ok(PeriodKey::FiscalHalf(
                fy,
                parse_small(input, &s[1..], "half")?,
            )),
            Some(s) if s.starts_with('Q') => Ok(PeriodKey::FiscalQuarter(
                fy,
                parse_small(input, &s[1..], "quarter")?,
            )),
            Some(_) => Err(parse_err(
                input,
                "a fiscal year is followed by -H1, -H2 or -Q1 to -Q4",
            )),
        };
    }
    let parts: Vec<&str> = text.split('-').collect();
    match parts.as_slice() {
        [y] => Ok(PeriodKey::Year(parse_year(input, y)?)),
        [y, s] if s.starts_with('H') => Ok(PeriodKey::Half(
            parse_year(input, y)?,
            parse_small(input, &s[1..], "half")?,
        )),
        [y, s] if s.starts_with('Q') => Ok(PeriodKey::Quarter(
            parse_year(input, y)?,
            parse_small(input, &s[1..], "quarter")?,
        )),
        [y, s] if s.starts_with('W') => Ok(PeriodKey::Week(
            parse_year(input, y)?,
            parse_small(input, &s[1..], "week")?,
        )),
        [y, m] if m.len() == 2 => Ok(PeriodKey::Month(
            parse_year(input, y)?,
            parse_small(input, m, "month")?,
        )),
        [_, _, _] => Ok(PeriodKey::Day(parse_date(input, &text)?)),
        _ => Err(parse_err(input, EXPECTED)),
    }
}

impl std::str::FromStr for PeriodKey {
    type Err = PeriodError;

    /// Reads the period notation without a calendar: a fiscal key is a
    /// fiscal year's name, and whether its numbers name a period (a fifth
    /// quarter) and which dates it covers are the calendar's to say
    /// ([`FiscalCalendar::period`]).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        parse_key(text)
    }
}

impl PartialEq<&str> for PeriodKey {
    fn eq(&self, other: &&str) -> bool {
        other.parse::<PeriodKey>().is_ok_and(|key| key == *self)
    }
}

impl fmt::Display for PeriodKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            PeriodKey::FiscalYear(y) => write!(f, "FY{y:04}"),
            PeriodKey::FiscalHalf(y, h) => write!(f, "FY{y:04}-H{h}"),
            PeriodKey::FiscalQuarter(y, q) => write!(f, "FY{y:04}-Q{q}"),
            PeriodKey::Year(y) => write!(f, "{y:04}"),
            PeriodKey::Half(y, h) => write!(f, "{y:04}-H{h}"),
            PeriodKey::Quarter(y, q) => write!(f, "{y:04}-Q{q}"),
            PeriodKey::Month(y, m) => write!(f, "{y:04}-{m:02}"),
            PeriodKey::Week(y, w) => write!(f, "{y:04}-W{w:02}"),
            PeriodKey::Day(d) => write!(f, "{}", d.format("%Y-%m-%d")),
            PeriodKey::Range(a, b) => {
                write!(f, "{}..{}", a.format("%Y-%m-%d"), b.format("%Y-%m-%d"))
            }
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.key.fmt(f)
    }
}

impl Period {
    /// What the period is.
    pub fn key(&self) -> PeriodKey {
        self.key
    }

    /// First day in the period.
    pub fn start(&self) -> NaiveDate {
        self.start
    }

    /// First day after the period (exclusive end).
    pub fn end(&self) -> NaiveDate {
        self.end
    }

    /// Last day in the period (inclusive).
    pub fn last_day(&self) -> NaiveDate {
        self.end.pred_opt().unwrap_or(self.end)
    }

    /// Number of days covered.
    pub fn days(&self) -> i64 {
        (self.end - self.start).num_days()
    }

    /// Whether `date` falls inside the period.
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.start <= date && date < self.end
    }

    /// The calendar the period was built with.
    pub fn calendar(&self) -> FiscalCalendar {
        self.calendar
    }

    /// The periods one level down that tile this one exactly: a year into
    /// halves, a half into quarters, a quarter into months, a month, week or
    /// range into days; a day has none.
    pub fn sub_periods(&self) -> Vec<Period> {
        let cal = self.calendar;
        let keys: Vec<PeriodKey> = match self.key {
            PeriodKey::FiscalYear(y) => {
                vec![PeriodKey::FiscalHalf(y, 1), PeriodKey::FiscalHalf(y, 2)]
            }
            PeriodKey::FiscalHalf(y, h) => {
                vec![
                    PeriodKey::FiscalQuarter(y, 2 * h - 1),
                    PeriodKey::FiscalQuarter(y, 2 * h),
                ]
            }
            PeriodKey::Year(y) => vec![PeriodKey::Half(y, 1), PeriodKey::Half(y, 2)],
            PeriodKey::Half(y, h) => vec![
                PeriodKey::Quarter(y, 2 * h - 1),
                PeriodKey::Quarter(y, 2 * h),
            ],
            PeriodKey::FiscalQuarter(..) | PeriodKey::Quarter(..) => (0..3)
                .filter_map(|i| self.start.checked_add_months(Months::new(i)))
                .map(|d| PeriodKey::Month(d.year(), d.month()))
                .collect(),
            PeriodKey::Month(..) | PeriodKey::Week(..) | PeriodKey::Range(..) => self
                .start
                .iter_days()
                .take_while(|d| *d < self.end)
                .map(PeriodKey::Day)
                .collect(),
            PeriodKey::Day(_) => Vec::new(),
        };
        keys.into_iter()
            .filter_map(|k| cal.period(k).ok())
            .collect()
    }

    /// The period of the same kind immediately before this one. A custom
    /// range gives the range of equal length that ends where this one starts.
    pub fn previous(&self) -> Result<Period, PeriodError> {
        let key = match self.key {
            PeriodKey::FiscalYear(y) => PeriodKey::FiscalYear(y - 1),
            PeriodKey::FiscalHalf(y, 1) => PeriodKey::FiscalHalf(y - 1, 2),
            PeriodKey::FiscalHalf(y, h) => PeriodKey::FiscalHalf(y, h - 1),
            PeriodKey::FiscalQuarter(y, 1) => PeriodKey::FiscalQuarter(y - 1, 4),
            PeriodKey::FiscalQuarter(y, q) => PeriodKey::FiscalQuarter(y, q - 1),
            PeriodKey::Year(y) => PeriodKey::Year(y - 1),
            PeriodKey::Half(y, 1) => PeriodKey::Half(y - 1, 2),
            PeriodKey::Half(y, h) => PeriodKey::Half(y, h - 1),
            PeriodKey::Quarter(y, 1) => PeriodKey::Quarter(y - 1, 4),
            PeriodKey::Quarter(y, q) => PeriodKey::Quarter(y, q - 1),
            PeriodKey::Month(y, 1) => PeriodKey::Month(y - 1, 12),
            PeriodKey::Month(y, m) => PeriodKey::Month(y, m - 1),
            PeriodKey::Week(..) => self.calendar.week_of(self.start - Days::new(7)),
            PeriodKey::Day(d) => PeriodKey::Day(
                d.pred_opt()
                    .ok_or_else(|| out_of_range("date out of range"))?,
            ),
            PeriodKey::Range(..) => {
                let len = Days::new(u64::try_from(self.days()).unwrap_or(0));
                let first = self
                    .start
                    .checked_sub_days(len)
                    .ok_or_else(|| out_of_range("date out of range"))?;
                PeriodKey::Range(first, self.start - Days::new(1))
            }
        };
        self.calendar.period(key)
    }

    /// The same period one year earlier, for year-over-year growth.
    ///
    /// An ISO week 53 maps to week 52 when the earlier year has no week 53;
    /// 29 February maps to 28 February.
    pub fn same_period_last_year(&self) -> Result<Period, PeriodError> {
        let key = match self.key {
            PeriodKey::FiscalYear(y) => PeriodKey::FiscalYear(y - 1),
            PeriodKey::FiscalHalf(y, h) => PeriodKey::FiscalHalf(y - 1, h),
            PeriodKey::FiscalQuarter(y, q) => PeriodKey::FiscalQuarter(y - 1, q),
            PeriodKey::Year(y) => PeriodKey::Year(y - 1),
            PeriodKey::Half(y, h) => PeriodKey::Half(y - 1, h),
            PeriodKey::Quarter(y, q) => PeriodKey::Quarter(y - 1, q),
            PeriodKey::Month(y, m) => PeriodKey::Month(y - 1, m),
            PeriodKey::Week(y, w) => {
                let week = if NaiveDate::from_isoywd_opt(y - 1, w, Weekday::Mon).is_some() {
                    w
                } else {
                    52
                };
                PeriodKey::Week(y - 1, week)
            }
            PeriodKey::Day(d) => PeriodKey::Day(one_year_earlier(d)?),
            PeriodKey::Range(a, b) => PeriodKey::Range(one_year_earlier(a)?, one_year_earlier(b)?),
        };
        self.calendar.period(key)
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn weeks_keep_their_iso_number_and_start_on_the_organisations_day() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        // Numbered by the ISO week of the Thursday they hold.
        let tuesday = FiscalCalendar::default().with_week_start(Weekday::Tue);
        let t14 = tuesday.period(PeriodKey::Week(2026, 14)).unwrap();
        assert_eq!((t14.start(), t14.end()), (d(2026, 3, 31), d(2026, 4, 7)));
        for day in [
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
            Weekday::Sat,
            Weekday::Sun,
        ] {
            let cal = FiscalCalendar::default().with_week_start(day);
            for key in [
                PeriodKey::Week(2026, 1),
                PeriodKey::Week(2026, 14),
                PeriodKey::Week(2026, 53),
                PeriodKey::Week(2027, 1),
            ] {
                let Ok(week) = cal.period(key) else { continue };
                assert_eq!(week.start().weekday(), day);
                let thursday = week
                    .start()
                    .iter_days()
                    .take(7)
                    .find(|d| d.weekday() == Weekday::Thu)
                    .unwrap();
                let iso = thursday.iso_week();
                assert_eq!(
                    PeriodKey::Week(iso.year(), iso.week()),
                    key,
                    "{day:?} {key:?}"
                );
                // Every day of the week is in it, and the week before ends where it starts.
                for d in week.start().iter_days().take(7) {
                    assert_eq!(
                        cal.period_containing(d, Granularity::Week).unwrap().key(),
                        key
                    );
                }
                assert_eq!(week.previous().unwrap().end(), week.start());
            }
        }
        let sunday = FiscalCalendar::default().with_week_start(Weekday::Sun);
        let w14 = sunday.period(PeriodKey::Week(2026, 14)).unwrap();
        assert_eq!((w14.start(), w14.end()), (d(2026, 3, 29), d(2026, 4, 5)));
        // Sunday 29 March is in week 14 there, and in ISO week 13 on a Monday calendar.
        let containing = sunday
            .period_containing(d(2026, 3, 29), Granularity::Week)
            .unwrap();
        assert_eq!(containing.key(), PeriodKey::Week(2026, 14));
        let monday = FiscalCalendar::default();
        let iso = monday
            .period_containing(d(2026, 3, 29), Granularity::Week)
            .unwrap();
        assert_eq!(iso.key(), PeriodKey::Week(2026, 13));
        assert_eq!(w14.previous().unwrap().start(), d(2026, 3, 22));
        // Every day of a Saturday-start year lies in exactly the week that contains it.
        let saturday = FiscalCalendar::default().with_week_start(Weekday::Sat);
        for day in d(2026, 1, 1).iter_days().take(400) {
            let week = saturday.period_containing(day, Granularity::Week).unwrap();
            assert!(week.start() <= day && day < week.end(), "{day}");
            assert_eq!(week.start().weekday(), Weekday::Sat);
        }
    }

    #[test]
    fn the_key_for_dates_is_the_calendars_own_name_for_them_or_a_range() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        let april = FiscalCalendar::new(4, FiscalYearLabel::EndYear).unwrap();
        let calendar_year = FiscalCalendar::default();
        assert_eq!(
            april.key_for_dates(d(2026, 4, 1), d(2026, 7, 1)),
            PeriodKey::FiscalQuarter(2027, 1)
        );
        assert_eq!(
            calendar_year.key_for_dates(d(2026, 4, 1), d(2026, 7, 1)),
            PeriodKey::FiscalQuarter(2026, 2)
        );
        assert_eq!(
            calendar_year.key_for_dates(d(2026, 3, 1), d(2026, 4, 1)),
            PeriodKey::Month(2026, 3)
        );
        assert_eq!(
            april.key_for_dates(d(2026, 1, 1), d(2027, 1, 1)),
            PeriodKey::Year(2026)
        );
        assert_eq!(
            april.key_for_dates(d(2026, 1, 1), d(2026, 4, 1)),
            PeriodKey::FiscalQuarter(2026, 4)
        );
        assert_eq!(
            calendar_year.key_for_dates(d(2026, 2, 3), d(2026, 5, 9)),
            PeriodKey::Range(d(2026, 2, 3), d(2026, 5, 8))
        );
        // Whatever a key names, the key for its dates names the same dates.
        for key in [
            "FY2026",
            "FY2026-H2",
            "FY2026-Q3",
            "2026-05",
            "2026-W20",
            "2026-05-09",
        ] {
            let p = april.period(key.parse().unwrap()).unwrap();
            let again = april
                .period(april.key_for_dates(p.start(), p.end()))
                .unwrap();
            assert_eq!((again.start(), again.end()), (p.start(), p.end()), "{key}");
        }
    }
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_stored_period_key_reads_back_as_written() {
        // Goals keep their period as this text; it must survive the trip.
        for text in [
            "FY2026",
            "FY2026-H2",
            "FY2026-Q1",
            "2026",
            "2026-H1",
            "2026-Q3",
            "2026-03",
            "2026-W10",
            "2026-03-05",
            "2026-01-01..2026-03-31",
        ] {
            let key: PeriodKey = text.parse().unwrap();
            assert_eq!(key.to_string(), text);
            assert!(key == text);
        }
        assert!("next quarter".parse::<PeriodKey>().is_err());
    }

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn april() -> FiscalCalendar {
        FiscalCalendar::new(4, FiscalYearLabel::EndYear).unwrap()
    }

    #[test]
    fn a_fiscal_year_starting_in_april_is_named_by_its_end_year() {
        let fy = april().parse("FY2026").unwrap();
        assert_eq!(
            (fy.start(), fy.last_day()),
            (date("2025-04-01"), date("2026-03-31"))
        );
        let q3 = april().parse("fy2026-q3").unwrap();
        assert_eq!(
            (q3.start(), q3.last_day()),
            (date("2025-10-01"), date("2025-12-31"))
        );
        assert_eq!(q3.to_string(), "FY2026-Q3");
        assert_eq!(april().fiscal_year_of(date("2025-04-01")), 2026);
        assert_eq!(april().fiscal_year_of(date("2025-03-31")), 2025);
    }

    #[test]
    fn a_start_year_label_names_the_year_by_where_it_begins() {
        let cal = FiscalCalendar::new(7, FiscalYearLabel::StartYear).unwrap();
        let fy = cal.parse("FY2026").unwrap();
        assert_eq!(
            (fy.start(), fy.last_day()),
            (date("2026-07-01"), date("2027-06-30"))
        );
        assert_eq!(cal.fiscal_year_of(date("2027-06-30")), 2026);
    }

    #[test]
    fn every_notation_parses_to_the_right_dates() {
        let cal = FiscalCalendar::default();
        let cases = [
            ("FY2026", "2026-01-01", "2026-12-31"),
            ("FY2026-H2", "2026-07-01", "2026-12-31"),
            ("2026", "2026-01-01", "2026-12-31"),
            ("2026-H1", "2026-01-01", "2026-06-30"),
            ("2026-Q3", "2026-07-01", "2026-09-30"),
            ("2024-02", "2024-02-01", "2024-02-29"),
            ("2026-W14", "2026-03-30", "2026-04-05"),
            ("2020-W53", "2020-12-28", "2021-01-03"),
            ("2026-07-14", "2026-07-14", "2026-07-14"),
            ("2026-07-01..2026-09-30", "2026-07-01", "2026-09-30"),
        ];
        for (text, first, last) in cases {
            let p = cal.parse(text).unwrap();
            assert_eq!(
                (p.start(), p.last_day()),
                (date(first), date(last)),
                "{text}"
            );
            assert_eq!(p.to_string(), text);
        }
    }

    #[test]
    fn malformed_periods_are_refused_with_a_reason() {
        let cal = FiscalCalendar::default();
        let cases = [
            ("", "expected FY2026"),
            ("2026-13", "month 13 is not 1 to 12"),
            ("FY2026-Q5", "quarter 5 is not 1 to 4"),
            ("2026-W54", "ISO year 2026 has no week 54"),
            ("2026-02-30", "2026-02-30 is not a calendar date"),
            ("2026-09-30..2026-07-01", "ends before it starts"),
            ("26-Q1", "four digits"),
            ("FY2026-M1", "a fiscal year is followed by"),
            ("0999", "outside 1000"),
            ("2026-Qx", "the quarter must be a number"),
            // A rep once asked for 240 MB of sub-periods with this.
            (
                "1000-01-01..9998-12-31",
                "days; at most 3653 (ten years) are allowed",
            ),
        ];
        for (text, reason) in cases {
            let err = cal.parse(text).unwrap_err().to_string();
            assert!(err.contains(reason), "{text:?} gave {err:?}");
            assert!(
                err.starts_with(&format!("'{text}' is not a period")),
                "{err}"
            );
        }
        assert_eq!(
            FiscalCalendar::new(13, FiscalYearLabel::EndYear),
            Err(PeriodError::InvalidFirstMonth(13))
        );
        let long = "2026-".repeat(1000);
        let err = cal.parse(&long).unwrap_err().to_string();
        assert!(err.contains("at most 64 characters"), "{err}");
        assert!(err.len() < 200, "the error does not echo the whole input");
        assert!(
            cal.parse("2017-01-01..2026-12-31").is_ok(),
            "ten years are allowed"
        );
    }

    #[test]
    fn previous_and_last_year_cross_boundaries() {
        let cal = april();
        let p = |s: &str| cal.parse(s).unwrap();
        assert_eq!(p("FY2026-Q1").previous().unwrap().to_string(), "FY2025-Q4");
        assert_eq!(p("FY2026-H1").previous().unwrap().to_string(), "FY2025-H2");
        assert_eq!(p("2026-01").previous().unwrap().to_string(), "2025-12");
        assert_eq!(p("2021-W01").previous().unwrap().to_string(), "2020-W53");
        assert_eq!(
            p("2026-03-01").previous().unwrap().to_string(),
            "2026-02-28"
        );
        assert_eq!(
            p("2026-07-01..2026-07-10").previous().unwrap().to_string(),
            "2026-06-21..2026-06-30"
        );
        assert_eq!(
            p("FY2026-Q3").same_period_last_year().unwrap().to_string(),
            "FY2025-Q3"
        );
        assert_eq!(
            p("2020-W53").same_period_last_year().unwrap().to_string(),
            "2019-W52"
        );
        assert_eq!(
            p("2024-02-29").same_period_last_year().unwrap().to_string(),
            "2023-02-28"
        );
    }

    #[test]
    fn the_period_containing_a_date_contains_it() {
        let cal = april();
        let d = date("2026-01-15");
        let q = cal
            .period_containing(d, Granularity::FiscalQuarter)
            .unwrap();
        assert_eq!(q.to_string(), "FY2026-Q4");
        let h = cal.period_containing(d, Granularity::FiscalHalf).unwrap();
        assert_eq!(h.to_string(), "FY2026-H2");
        assert_eq!(
            cal.period_containing(d, Granularity::Week)
                .unwrap()
                .to_string(),
            "2026-W03"
        );
    }

    fn any_calendar() -> impl Strategy<Value = FiscalCalendar> {
        (1_u32..=12, any::<bool>()).prop_map(|(m, start)| {
            let label = if start {
                FiscalYearLabel::StartYear
            } else {
                FiscalYearLabel::EndYear
            };
            FiscalCalendar::new(m, label).unwrap()
        })
    }

    fn any_key() -> impl Strategy<Value = PeriodKey> {
        let year = 1990_i32..2100;
        let day = (0_u64..60_000).prop_map(|n| date("1990-01-01") + Days::new(n));
        prop_oneof![
            year.clone().prop_map(PeriodKey::FiscalYear),
            (year.clone(), 1_u32..=2).prop_map(|(y, h)| PeriodKey::FiscalHalf(y, h)),
            (year.clone(), 1_u32..=4).prop_map(|(y, q)| PeriodKey::FiscalQuarter(y, q)),
            year.clone().prop_map(PeriodKey::Year),
            (year.clone(), 1_u32..=2).prop_map(|(y, h)| PeriodKey::Half(y, h)),
            (year.clone(), 1_u32..=4).prop_map(|(y, q)| PeriodKey::Quarter(y, q)),
            (year.clone(), 1_u32..=12).prop_map(|(y, m)| PeriodKey::Month(y, m)),
            (year, 1_u32..=52).prop_map(|(y, w)| PeriodKey::Week(y, w)),
            day.clone().prop_map(PeriodKey::Day),
            (day, 0_u64..400).prop_map(|(d, n)| PeriodKey::Range(d, d + Days::new(n))),
        ]
    }

    proptest! {
        #[test]
        fn sub_periods_tile_their_parent_exactly(cal in any_calendar(), key in any_key()) {
            let parent = cal.period(key).unwrap();
            let children = parent.sub_periods();
            if matches!(key, PeriodKey::Day(_)) {
                prop_assert!(children.is_empty());
            } else {
                prop_assert!(children.len() >= 2 || parent.days() == 1);
                prop_assert_eq!(children[0].start(), parent.start());
                prop_assert_eq!(children[children.len() - 1].end(), parent.end());
                for pair in children.windows(2) {
                    prop_assert_eq!(pair[0].end(), pair[1].start());
                }
            }
        }

        #[test]
        fn printing_and_parsing_round_trip(cal in any_calendar(), key in any_key()) {
            let period = cal.period(key).unwrap();
            let text = period.to_string();
            prop_assert_eq!(cal.parse(&text).unwrap(), period);
            prop_assert_eq!(cal.parse(&text.to_lowercase()).unwrap(), period);
        }

        #[test]
        fn the_previous_period_ends_where_this_one_starts(cal in any_calendar(), key in any_key()) {
            let period = cal.period(key).unwrap();
            let previous = period.previous().unwrap();
            prop_assert_eq!(previous.end(), period.start());
        }

        #[test]
        fn a_date_lies_in_the_fiscal_periods_found_for_it(cal in any_calendar(), n in 0_u64..60_000) {
            let d = date("1990-01-01") + Days::new(n);
            for g in [Granularity::FiscalYear, Granularity::FiscalHalf, Granularity::FiscalQuarter,
                      Granularity::Year, Granularity::Half, Granularity::Quarter,
                      Granularity::Month, Granularity::Week, Granularity::Day] {
                prop_assert!(cal.period_containing(d, g).unwrap().contains(d));
            }
        }
    }
}
