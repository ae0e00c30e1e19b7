//! Changing one stored record by its ID, with the rules around the store's
//! write: who may, and which kinds of record can be (see
//! [`attain_store::record_kind`]).

use attain_core::Principal;
use attain_store::{Actor, Store, StoreError};

use crate::{AppError, AppResult};

/// Deletes record `id` of `entity` (its name in the API: `deals`,
/// `surveys`, …) for `by`, audited as his. Sales operations and
/// administrators only; a kind that cannot be changed by ID is not found;
/// a record others still refer to is a conflict and stays.
pub async fn delete(store: &Store, by: &Principal, entity: &str, id: i64) -> AppResult<()> {
    may_write(by)?;
    if attain_store::record_kind(entity).is_none() {
        return Err(AppError::Store(StoreError::NotFound {
            entity: "record",
            id: id.to_string(),
        }));
    }
    store.delete_record(&Actor::person(by), entity, id).await?;
    Ok(())
}

/// Whether `by` may write sales records by hand (the API, a form): the one
/// check every such write makes (`delete` here, `attain_import::write_for`
/// for new and replaced records), which a handler may ask first to refuse
/// before reading a body.
pub fn may_write(by: &Principal) -> AppResult<()> {
    AppError::unless_allowed(
        by.can_write_records(),
        "writing sales data is for sales ops and admins",
    )
}
