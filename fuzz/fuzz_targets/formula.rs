//! Any text as a KPI formula: parsing, printing, re-parsing and evaluating
//! never panic, overflow the stack or recurse without bound.
#![no_main]

use attain_core::kpi::Expr;
use libfuzzer_sys::fuzz_target;
use rust_decimal::Decimal;

fuzz_target!(|text: &str| {
    if let Ok(expr) = Expr::parse(text) {
        let printed = expr.to_string();
        // What Attain prints of a formula reads back as the same formula,
        // unless printing it needs more room than a formula may take.
        if let Ok(again) = Expr::parse(&printed) {
            assert_eq!(again.to_string(), printed);
        }
        let _ = expr.names();
        let _ = expr.eval(&|name: &str| Some(Decimal::from(name.len() as i64 - 3)));
        let _ = expr.eval(&|_| Some(Decimal::MAX));
    }
});
