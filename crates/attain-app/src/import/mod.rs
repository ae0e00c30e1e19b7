//! Importing other CRMs' export files, all or nothing.
//!
//! A file is decoded (UTF-8 with or without BOM, or GB18030 as Chinese Excel
//! writes it), its delimiter sniffed, its header mapped to Attain's fields by
//! a preset (Zoho, Salesforce, Fxiaoke, HubSpot, generic), every row parsed
//! and checked, and references resolved. Every problem is reported as
//! `file:row:column: what is wrong (value)`; if there is any, nothing is
//! written. Otherwise the rows are written in one transaction, keyed by
//! external ID, so importing the same file again changes nothing.

mod deals;
mod orders;
mod parse;
mod presets;

pub use deals::{DealImportReport, import_deals};
pub use orders::{OrderImportReport, import_orders};
pub use parse::{ImportProblem, Table, read_table};
pub use presets::Preset;
