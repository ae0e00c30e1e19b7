//! Changing the organisation's tree: adding, renaming, moving and removing
//! org units, for administrators, audited.

use attain_core::{OrgUnitId, Principal};
use attain_store::{Actor, NewOrgUnit, Store};

use crate::{AppError, AppResult};

/// Whether `by` may change the tree: the one check every change makes
/// (a handler may ask it first, to refuse before judging a body).
pub fn may_manage(by: &Principal) -> AppResult<()> {
    AppError::unless_allowed(
        by.can_manage_units(),
        "only an administrator changes the organisation",
    )
}

/// Adds a unit under its parent.
pub async fn create(store: &Store, by: &Principal, unit: &NewOrgUnit) -> AppResult<OrgUnitId> {
    may_manage(by)?;
    Ok(store
        .create_org_unit_audited(&Actor::person(by), unit)
        .await?)
}

/// Renames a unit and/or moves it under another parent.
pub async fn update(
    store: &Store,
    by: &Principal,
    id: OrgUnitId,
    name: Option<&str>,
    parent: Option<OrgUnitId>,
) -> AppResult<()> {
    may_manage(by)?;
    Ok(store
        .update_org_unit_audited(&Actor::person(by), id, name, parent)
        .await?)
}

/// Removes a unit nobody belongs to and nothing hangs under.
pub async fn delete(store: &Store, by: &Principal, id: OrgUnitId) -> AppResult<()> {
    may_manage(by)?;
    Ok(store
        .delete_org_unit_audited(&Actor::person(by), id)
        .await?)
}
