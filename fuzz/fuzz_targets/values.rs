//! Any text as an amount in any currency and as a date in every date style
//! (including a mapping's own format): never a panic, and every amount that
//! parses is one Attain can store.
#![no_main]

use attain_import::{DateStyle, parse_amount, parse_date_as};
use attain_core::Currency;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (&str, &str)| {
    let (text, format) = input;
    for currency in [Currency::CNY, Currency::USD, Currency::from_code("JPY").unwrap_or(Currency::CNY), Currency::from_code("BHD").unwrap_or(Currency::CNY)] {
        if let Ok(money) = parse_amount(text, currency) {
            assert!(money.is_storable(), "{text} parsed to {money:?}, which cannot be stored");
        }
    }
    for style in [DateStyle::MonthFirst, DateStyle::DayFirst, DateStyle::Format(format.to_owned())] {
        let _ = parse_date_as(text, &style);
    }
});
