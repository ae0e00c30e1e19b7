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

/// Active users by lower-cased login, e-mail and display name: how an
/// export's owner column (whatever the CRM put there) finds a person.
async fn owner_index(
    store: &attain_store::Store,
) -> crate::AppResult<std::collections::HashMap<String, attain_core::UserId>> {
    let mut owners = std::collections::HashMap::new();
    for u in store.users().await?.into_iter().filter(|u| u.active) {
        owners.insert(u.login.as_str().to_lowercase(), u.id);
        owners
            .entry(u.display_name.trim().to_lowercase())
            .or_insert(u.id);
        if let Some(e) = &u.email {
            owners.insert(e.trim().to_lowercase(), u.id);
        }
    }
    Ok(owners)
}
