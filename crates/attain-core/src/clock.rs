//! The one clock: the current instant, and the organisation's "today" that
//! every business date (a goal's pace, a stage change, a new customer's
//! first day) is read from. Given to whatever needs it instead of read
//! from the system in many places, so the server, the CLI and the store
//! cannot disagree on the day, and tests and demos can fix it.

use chrono::{DateTime, Local, NaiveDate, Utc};

use crate::settings::TimeZone;

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
    /// One fixed instant, whose day is read in the clock's zone.
    At(DateTime<Utc>),
}

/// Now and the organisation's today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock(Source, TimeZone);

impl Clock {
    /// The system clock: today is the date in the server's time zone
    /// until [`Self::in_zone`] gives the organisation's.
    pub fn system() -> Self {
        Clock(Source::System, TimeZone::Server)
    }

    /// The same clock, whose today is the date in `zone` (the
    /// organisation's setting). A fixed day stays fixed.
    pub fn in_zone(self, zone: TimeZone) -> Self {
        Clock(self.0, zone)
    }

    /// Real instants, but "today" is always `day` (a demo built `--as-of`
    /// shows its goals and pace as of the last day of its history).
    pub fn on_day(day: NaiveDate) -> Self {
        Clock(Source::Day(day), TimeZone::Server)
    }

    /// A clock that stands still at `now`, whose today is `today`.
    pub fn fixed(now: DateTime<Utc>, today: NaiveDate) -> Self {
        Clock(Source::Fixed(now, today), TimeZone::Server)
    }

    /// A clock that stands still at `now`; its today is that instant's date
    /// in the clock's zone.
    pub fn at(now: DateTime<Utc>) -> Self {
        Clock(Source::At(now), TimeZone::Server)
    }

    /// The current instant (sessions, tokens, the audit log).
    pub fn now(&self) -> DateTime<Utc> {
        match self.0 {
            Source::System | Source::Day(_) => Utc::now(),
            Source::Fixed(now, _) | Source::At(now) => now,
        }
    }

    /// The organisation's current date.
    pub fn today(&self) -> NaiveDate {
        match self.0 {
            Source::System => self.date_of(Utc::now()),
            Source::At(now) => self.date_of(now),
            Source::Day(day) | Source::Fixed(_, day) => day,
        }
    }
}

impl Clock {
    /// The date of instant `now` in the clock's zone.
    fn date_of(&self, now: DateTime<Utc>) -> NaiveDate {
        match self.1 {
            TimeZone::Server => now.with_timezone(&Local).date_naive(),
            TimeZone::Named(tz) => now.with_timezone(&tz).date_naive(),
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

    #[test]
    fn today_is_the_date_where_the_organisation_is() {
        // 23:30 UTC on 30 June is already 1 July in Shanghai, and still 30
        // June in New York: the organisation's today follows its zone.
        let now = DateTime::parse_from_rfc3339("2026-06-30T23:30:00Z")
            .unwrap()
            .to_utc();
        let in_zone = |name: &str| Clock::at(now).in_zone(name.parse().unwrap()).today();
        assert_eq!(
            in_zone("Asia/Shanghai"),
            NaiveDate::from_ymd_opt(2026, 7, 1).unwrap()
        );
        assert_eq!(
            in_zone("America/New_York"),
            NaiveDate::from_ymd_opt(2026, 6, 30).unwrap()
        );
        assert_eq!(Clock::at(now).in_zone(TimeZone::Server).now(), now);
        // A demo's day stays its day whatever the zone.
        let day = NaiveDate::from_ymd_opt(2026, 6, 30).unwrap();
        assert_eq!(
            Clock::on_day(day)
                .in_zone("Asia/Shanghai".parse().unwrap())
                .today(),
            day
        );
    }
}
