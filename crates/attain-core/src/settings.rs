//! The organisation's settings: what an administrator sets once when the
//! company moves in (name, base currency, fiscal calendar, time zone, week
//! start, revenue basis, churn window, default language), with the one list
//! of their keys and the one parser of their values, which the command
//! line, the API and the settings page all use.

use std::fmt;
use std::str::FromStr;

use chrono::Weekday;

use crate::money::Currency;
use crate::period::{FiscalCalendar, FiscalYearLabel};
use crate::sales::RevenueBasis;

/// The organisation's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgSettings {
    /// Company name shown in the interface.
    pub name: String,
    /// Currency every figure is reported in.
    pub base_currency: Currency,
    /// The fiscal calendar every period comes from (with the week start).
    pub calendar: FiscalCalendar,
    /// Where the organisation's "today" is.
    pub time_zone: TimeZone,
    /// What counts as revenue.
    pub revenue_basis: RevenueBasis,
    /// Days without an order after which a customer counts as churned.
    pub churn_inactive_days: u32,
    /// The language of people who have chosen none and whose browser asks
    /// for none Attain speaks.
    pub default_language: Language,
    /// Which unit a person's transactions count for in KPIs by unit.
    pub unit_credit: UnitCredit,
}

/// Which unit a transaction counts for in KPIs by unit, team and region
/// when its owner has moved between units.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum UnitCredit {
    /// The unit the owner is in today: a team's figures are those of the
    /// people in it now, their past included (a team seen as it is).
    #[default]
    Current,
    /// The unit the owner was in on the transaction's date: a team's
    /// figures are what was sold while each person was in it (history as
    /// it happened).
    TransactionDate,
}

impl UnitCredit {
    /// Its name in settings, on the command line and at rest.
    pub fn key(self) -> &'static str {
        match self {
            UnitCredit::Current => "current",
            UnitCredit::TransactionDate => "transaction_date",
        }
    }
}

impl FromStr for UnitCredit {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "current" | "today" => Ok(UnitCredit::Current),
            "transaction_date" | "at_date" | "historical" => Ok(UnitCredit::TransactionDate),
            _ => Err("current or transaction_date".into()),
        }
    }
}

impl Default for OrgSettings {
    fn default() -> Self {
        Self {
            name: "My company".into(),
            base_currency: Currency::CNY,
            calendar: FiscalCalendar::default(),
            time_zone: TimeZone::Server,
            revenue_basis: RevenueBasis::Orders,
            churn_inactive_days: 365,
            default_language: Language::En,
            unit_credit: UnitCredit::Current,
        }
    }
}

/// The organisation's time zone: the server's, or a named IANA zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimeZone {
    /// The time zone of the machine Attain runs on.
    Server,
    /// A zone of the IANA database (`Asia/Shanghai`).
    Named(chrono_tz::Tz),
}

impl fmt::Display for TimeZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TimeZone::Server => f.write_str("server"),
            TimeZone::Named(tz) => f.write_str(tz.name()),
        }
    }
}

impl FromStr for TimeZone {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("server") {
            return Ok(TimeZone::Server);
        }
        // Any case (`asia/shanghai`, `utc`), kept under its own name.
        chrono_tz::Tz::from_str_insensitive(s)
            .map(TimeZone::Named)
            .map_err(|_| {
                "an IANA time zone such as Asia/Shanghai or Europe/Berlin, or server".into()
            })
    }
}

/// A language Attain's interface speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Language {
    /// English.
    En,
    /// Simplified Chinese.
    ZhCn,
}

impl Language {
    /// Its BCP 47 tag.
    pub fn code(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::ZhCn => "zh-CN",
        }
    }
}

impl FromStr for Language {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "en" | "en-us" | "en-gb" | "english" => Ok(Language::En),
            "zh-cn" | "zh" | "zh-hans" | "chinese" => Ok(Language::ZhCn),
            _ => Err("en or zh-CN".into()),
        }
    }
}

/// One setting an administrator may change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SettingKey {
    /// `company_name`.
    CompanyName,
    /// `base_currency`: an ISO 4217 code.
    BaseCurrency,
    /// `fiscal_year_start_month`: 1 to 12.
    FiscalYearStartMonth,
    /// `fiscal_year_named_by`: `start` or `end` (FY2026 starts, or ends, in 2026).
    FiscalYearNamedBy,
    /// `time_zone`: an IANA zone, or `server`.
    TimeZone,
    /// `week_start`: a day of the week.
    WeekStart,
    /// `revenue_basis`: `orders`, `bookings` or `cash`.
    RevenueBasis,
    /// `churn_inactive_days`: 1 to 3,650.
    ChurnInactiveDays,
    /// `default_language`: `en` or `zh-CN`.
    DefaultLanguage,
    /// `unit_credit`: `current` or `transaction_date`.
    UnitCredit,
}

impl SettingKey {
    /// Every setting, in the order they are shown.
    pub const ALL: [SettingKey; 10] = [
        SettingKey::CompanyName,
        SettingKey::BaseCurrency,
        SettingKey::FiscalYearStartMonth,
        SettingKey::FiscalYearNamedBy,
        SettingKey::TimeZone,
        SettingKey::WeekStart,
        SettingKey::RevenueBasis,
        SettingKey::ChurnInactiveDays,
        SettingKey::DefaultLanguage,
        SettingKey::UnitCredit,
    ];

    /// Its name on the command line, in the API and in the audit log.
    pub fn key(self) -> &'static str {
        match self {
            SettingKey::CompanyName => "company_name",
            SettingKey::BaseCurrency => "base_currency",
            SettingKey::FiscalYearStartMonth => "fiscal_year_start_month",
            SettingKey::FiscalYearNamedBy => "fiscal_year_named_by",
            SettingKey::TimeZone => "time_zone",
            SettingKey::WeekStart => "week_start",
            SettingKey::RevenueBasis => "revenue_basis",
            SettingKey::ChurnInactiveDays => "churn_inactive_days",
            SettingKey::DefaultLanguage => "default_language",
            SettingKey::UnitCredit => "unit_credit",
        }
    }

    /// What a value must be, said to whoever gave a wrong one.
    pub fn expected(self) -> &'static str {
        match self {
            SettingKey::CompanyName => "a name of 1 to 200 characters",
            SettingKey::BaseCurrency => "an ISO 4217 currency code such as CNY or USD",
            SettingKey::FiscalYearStartMonth => "a month number, 1 to 12",
            SettingKey::FiscalYearNamedBy => {
                "start or end (FY2026 is the fiscal year that starts, or ends, in 2026)"
            }
            SettingKey::TimeZone => {
                "an IANA time zone such as Asia/Shanghai or Europe/Berlin, or server"
            }
            SettingKey::WeekStart => "a day of the week: monday to sunday",
            SettingKey::RevenueBasis => {
                "orders (order amounts net of refunds), bookings (won deals) or cash (payments received)"
            }
            SettingKey::ChurnInactiveDays => "a number of days, 1 to 3650",
            SettingKey::DefaultLanguage => "en or zh-CN",
            SettingKey::UnitCredit => {
                "current (a person's sales count for the unit he is in today) or transaction_date (for the unit he was in on each sale's date)"
            }
        }
    }
}

impl fmt::Display for SettingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// A setting that does not exist, or a value it cannot take.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingError {
    /// No setting has this name.
    #[error("there is no setting '{0}'; the settings are: {keys}", keys = SettingKey::ALL.map(SettingKey::key).join(", "))]
    UnknownKey(String),
    /// The value does not fit the setting.
    #[error("{key}: '{value}' is not {expected}", expected = key.expected())]
    BadValue {
        /// The setting.
        key: SettingKey,
        /// What was given.
        value: String,
    },
}

impl FromStr for SettingKey {
    type Err = SettingError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase().replace('-', "_");
        SettingKey::ALL
            .into_iter()
            .find(|k| k.key() == wanted)
            .ok_or_else(|| SettingError::UnknownKey(s.trim().chars().take(64).collect()))
    }
}

fn weekday_name(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "monday",
        Weekday::Tue => "tuesday",
        Weekday::Wed => "wednesday",
        Weekday::Thu => "thursday",
        Weekday::Fri => "friday",
        Weekday::Sat => "saturday",
        Weekday::Sun => "sunday",
    }
}

/// A day of the week by its English name or first three letters.
pub fn parse_weekday(text: &str) -> Option<Weekday> {
    text.trim().parse::<Weekday>().ok()
}

impl OrgSettings {
    /// The value of `key`, as `attain settings show` prints it and `set` reads it.
    pub fn get(&self, key: SettingKey) -> String {
        match key {
            SettingKey::CompanyName => self.name.clone(),
            SettingKey::BaseCurrency => self.base_currency.code().to_owned(),
            SettingKey::FiscalYearStartMonth => self.calendar.first_month().to_string(),
            SettingKey::FiscalYearNamedBy => match self.calendar.label() {
                FiscalYearLabel::StartYear => "start".into(),
                FiscalYearLabel::EndYear => "end".into(),
            },
            SettingKey::TimeZone => self.time_zone.to_string(),
            SettingKey::WeekStart => weekday_name(self.calendar.week_start()).into(),
            SettingKey::RevenueBasis => self.revenue_basis.key().into(),
            SettingKey::ChurnInactiveDays => self.churn_inactive_days.to_string(),
            SettingKey::DefaultLanguage => self.default_language.code().into(),
            SettingKey::UnitCredit => self.unit_credit.key().into(),
        }
    }

    /// Sets `key` from its text; on an error nothing changes.
    pub fn set(&mut self, key: SettingKey, value: &str) -> Result<(), SettingError> {
        let bad = || SettingError::BadValue {
            key,
            value: value.chars().take(200).collect(),
        };
        let text = value.trim();
        match key {
            SettingKey::CompanyName => {
                let n = text.chars().count();
                if n == 0 || n > 200 || text.chars().any(char::is_control) {
                    return Err(bad());
                }
                self.name = text.to_owned();
            }
            SettingKey::BaseCurrency => {
                self.base_currency =
                    Currency::from_code(&text.to_ascii_uppercase()).map_err(|_| bad())?;
            }
            SettingKey::FiscalYearStartMonth => {
                let month: u32 = text.parse().map_err(|_| bad())?;
                let calendar = FiscalCalendar::new(month, self.calendar.label())
                    .map_err(|_| bad())?
                    .with_week_start(self.calendar.week_start());
                self.calendar = calendar;
            }
            SettingKey::FiscalYearNamedBy => {
                let label = match text.to_ascii_lowercase().as_str() {
                    "start" | "start_year" => FiscalYearLabel::StartYear,
                    "end" | "end_year" => FiscalYearLabel::EndYear,
                    _ => return Err(bad()),
                };
                self.calendar = FiscalCalendar::new(self.calendar.first_month(), label)
                    .map_err(|_| bad())?
                    .with_week_start(self.calendar.week_start());
            }
            SettingKey::TimeZone => self.time_zone = text.parse().map_err(|_| bad())?,
            SettingKey::WeekStart => {
                let day = parse_weekday(text).ok_or_else(bad)?;
                self.calendar = self.calendar.with_week_start(day);
            }
            SettingKey::RevenueBasis => {
                self.revenue_basis = text.to_ascii_lowercase().parse().map_err(|_| bad())?;
            }
            SettingKey::ChurnInactiveDays => {
                let days: u32 = text.parse().map_err(|_| bad())?;
                if !(1..=3650).contains(&days) {
                    return Err(bad());
                }
                self.churn_inactive_days = days;
            }
            SettingKey::DefaultLanguage => {
                self.default_language = text.parse().map_err(|_| bad())?;
            }
            SettingKey::UnitCredit => self.unit_credit = text.parse().map_err(|_| bad())?,
        }
        Ok(())
    }

    /// Every setting with its value, in the order they are shown.
    pub fn entries(&self) -> Vec<(SettingKey, String)> {
        SettingKey::ALL.iter().map(|k| (*k, self.get(*k))).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_setting_reads_back_what_it_was_set_to() {
        let mut s = OrgSettings::default();
        let values = [
            (SettingKey::CompanyName, "Huadong Instruments 华东仪器"),
            (SettingKey::BaseCurrency, "USD"),
            (SettingKey::FiscalYearStartMonth, "4"),
            (SettingKey::FiscalYearNamedBy, "start"),
            (SettingKey::TimeZone, "Asia/Shanghai"),
            (SettingKey::WeekStart, "sunday"),
            (SettingKey::RevenueBasis, "cash"),
            (SettingKey::ChurnInactiveDays, "180"),
            (SettingKey::DefaultLanguage, "zh-CN"),
            (SettingKey::UnitCredit, "transaction_date"),
        ];
        for (key, value) in values {
            s.set(key, value).unwrap();
        }
        for (key, value) in values {
            assert_eq!(s.get(key), value, "{key}");
        }
        // Changing one part of the calendar keeps the others.
        assert_eq!(s.calendar.first_month(), 4);
        assert_eq!(s.calendar.label(), FiscalYearLabel::StartYear);
        assert_eq!(s.calendar.week_start(), Weekday::Sun);
        let keys: Vec<SettingKey> = s.entries().into_iter().map(|(k, _)| k).collect();
        assert_eq!(keys, SettingKey::ALL);
        for key in SettingKey::ALL {
            assert_eq!(key.key().parse::<SettingKey>().unwrap(), key);
        }
        s.set(SettingKey::TimeZone, " asia/shanghai ").unwrap();
        assert_eq!(s.get(SettingKey::TimeZone), "Asia/Shanghai");
        s.set(SettingKey::TimeZone, "utc").unwrap();
        assert_eq!(s.get(SettingKey::TimeZone), "UTC");
    }

    #[test]
    fn a_wrong_value_names_the_setting_and_what_it_takes_and_changes_nothing() {
        let mut s = OrgSettings::default();
        let before = s.clone();
        let cases = [
            (
                SettingKey::FiscalYearStartMonth,
                "13",
                "a month number, 1 to 12",
            ),
            (SettingKey::FiscalYearStartMonth, "-1", "a month number"),
            (SettingKey::BaseCurrency, "XYZ", "ISO 4217"),
            (SettingKey::TimeZone, "Mars/Olympus", "IANA time zone"),
            (SettingKey::WeekStart, "someday", "day of the week"),
            (SettingKey::RevenueBasis, "vibes", "orders"),
            (SettingKey::ChurnInactiveDays, "0", "1 to 3650"),
            (SettingKey::ChurnInactiveDays, "99999999999", "1 to 3650"),
            (SettingKey::DefaultLanguage, "fr", "en or zh-CN"),
            (SettingKey::UnitCredit, "yesterday", "current (a person's"),
            (SettingKey::CompanyName, "  ", "1 to 200"),
            (SettingKey::CompanyName, "a\u{0}b", "1 to 200"),
        ];
        for (key, value, says) in cases {
            let err = s.set(key, value).unwrap_err().to_string();
            assert!(err.starts_with(key.key()), "{err}");
            assert!(err.contains(says), "{err}");
        }
        assert_eq!(s, before);
        let err = "fiscal_month"
            .parse::<SettingKey>()
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("no setting 'fiscal_month'") && err.contains("fiscal_year_start_month"),
            "{err}"
        );
    }
}
