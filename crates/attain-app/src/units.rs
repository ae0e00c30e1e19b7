//! Changing the organisation's tree: adding, renaming, moving and removing
//! org units, for administrators, audited.

use attain_core::OrgUnitId;
use attain_store::{NewOrgUnit, Store};

use crate::goals::By;
use crate::{AppError, AppResult};

/// Whether `by` may change the tree: the one check every change makes
/// (a handler may ask it first, to refuse before judging a body).
/// Administrators and the shell may.
pub fn may_manage(by: By<'_>) -> AppResult<()> {
    match by {
        By::Person(p) => AppError::unless_allowed(
            p.can_manage_units(),
            "only an administrator changes the organisation",
        ),
        By::Cli | By::System => Ok(()),
    }
}

/// Adds a unit under its parent.
pub async fn create(store: &Store, by: By<'_>, unit: &NewOrgUnit) -> AppResult<OrgUnitId> {
    may_manage(by)?;
    Ok(store.create_org_unit_audited(&by.actor(), unit).await?)
}

/// Renames a unit and/or moves it under another parent.
pub async fn update(
    store: &Store,
    by: By<'_>,
    id: OrgUnitId,
    name: Option<&str>,
    parent: Option<OrgUnitId>,
) -> AppResult<()> {
    may_manage(by)?;
    Ok(store
        .update_org_unit_audited(&by.actor(), id, name, parent)
        .await?)
}

/// Removes a unit nobody belongs to and nothing hangs under.
pub async fn delete(store: &Store, by: By<'_>, id: OrgUnitId) -> AppResult<()> {
    may_manage(by)?;
    Ok(store.delete_org_unit_audited(&by.actor(), id).await?)
}
