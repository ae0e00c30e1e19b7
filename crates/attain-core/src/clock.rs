//! The one clock: the current instant, and the organisation's "today" that
//! every business date (a goal's pace, a stage change, a new customer's
//! first day) is read from. Given to whatever needs it instead of read
//! from the system in many places, so the server, the CLI and the store
//! cannot disagree on the day, and tests and demos can fix it.

use chrono::{DateTime, Local, NaiveDate, Utc};

/// Where "now" and "today" come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    /// The system clock; today in the server's time zone.
    System,
    /// The system clock for instants, but one fixed business day: a demo
    /// whose history ends on that day.
    Day(NaiveDate),
    /// One fixed instant and day, for tests.
    Fixed(DateTime<Utc>, NaiveDate),
}

/// Now and the organisation's today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock(Source);

impl Clock {
    /// The system clock: today is the date in the server's time zone (the
    /// organisation's own time zone becomes a setting with issue 12).
    pub fn system() -> Self {
        Clock(Source::System)
    }

    /// Real instants, but "today" is always `day` (a demo built `--as-of`
    /// shows its goals and pace as of the last day of its history).
    pub fn on_day(day: NaiveDate) -> Self {
        Clock(Source::Day(day))
    }

    /// A clock that stands still at `now`, whose today is `today`.
    pub fn fixed(now: DateTime<Utc>, today: NaiveDate) -> Self {
        Clock(Source::Fixed(now, today))
    }

    /// The current instant (sessions, tokens, the audit log).
    pub fn now(&self) -> DateTime<Utc> {
        match self.0 {
            Source::System | Source::Day(_) => Utc::now(),
            Source::Fixed(now, _) => now,
        }
    }

    /// The organisation's current date.
    pub fn today(&self) -> NaiveDate {
        match self.0 {
            Source::System => Local::now().date_naive(),
            Source::Day(day) | Source::Fixed(_, day) => day,
        }
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::system()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_clock_stands_still_and_a_demo_day_keeps_its_day() {
        let day = NaiveDate::from_ymd_opt(2026, 6, 30).unwrap();
        let now = DateTime::parse_from_rfc3339("2026-06-30T23:30:00Z")
            .unwrap()
            .to_utc();
        let fixed = Clock::fixed(now, day);
        assert_eq!((fixed.now(), fixed.today()), (now, day));
        let demo = Clock::on_day(day);
        assert_eq!(demo.today(), day);
        assert!(demo.now() > now, "a demo's instants are real");
        assert_eq!(Clock::default(), Clock::system());
    }
}
