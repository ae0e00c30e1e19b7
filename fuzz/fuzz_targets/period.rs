//! Any text as a period in every fiscal calendar: parsing and walking to
//! neighbouring periods never panic, and what parses is bounded.
#![no_main]

use attain_core::period::MAX_RANGE_DAYS;
use attain_core::{FiscalCalendar, FiscalYearLabel};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (u8, bool, &str)| {
    let (month, start_year, text) = input;
    let label = if start_year {
        FiscalYearLabel::StartYear
    } else {
        FiscalYearLabel::EndYear
    };
    let Ok(calendar) = FiscalCalendar::new(u32::from(month % 13), label) else {
        return;
    };
    if let Ok(period) = calendar.parse(text) {
        assert!(period.days() <= MAX_RANGE_DAYS.max(366));
        assert!(period.start() < period.end());
        let parts = period.sub_periods();
        assert!(parts.len() <= MAX_RANGE_DAYS as usize);
        let _ = period.previous();
        let _ = period.same_period_last_year();
        let again = calendar.parse(&period.to_string());
        assert_eq!(again.ok(), Some(period), "a period reads back from its own notation");
    }
});
