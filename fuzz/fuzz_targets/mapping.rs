//! Any text as an import mapping file: read without panicking, within its
//! size limit.
#![no_main]

use attain_import::Mapping;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(mapping) = Mapping::parse("mapping.toml", text) {
        // A mapping that reads is usable: it prints and clones like any value.
        let _ = format!("{mapping:?}");
    }
});
