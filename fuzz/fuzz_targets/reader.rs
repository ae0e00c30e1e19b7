//! Any bytes as an uploaded file, read as CSV (any encoding or delimiter)
//! or as an XLSX workbook: never a panic, and every row within the limits.
#![no_main]

use attain_import::read_any;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    // The first byte picks the name, so both readers see every input.
    let name = if bytes.first().is_some_and(|b| b % 2 == 0) {
        "upload.csv"
    } else {
        "upload.xlsx"
    };
    if let Ok((table, _problems)) = read_any(name, bytes) {
        for (_, cells) in &table.rows {
            assert!(cells.len() <= table.header.len().max(1) + 4096);
        }
    }
});
