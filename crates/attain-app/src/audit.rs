//! Reading the audit log: who changed what, when, before and after — for
//! administrators and sales operations.

use attain_core::Principal;
use attain_store::{AuditEntry, Store};

use crate::{AppError, AppResult};

/// Entries newest first, of one kind of record or all, older than entry
/// `before` when given, at most `limit`.
pub async fn read(
    store: &Store,
    by: &Principal,
    entity: Option<&str>,
    limit: i64,
    before: Option<i64>,
) -> AppResult<Vec<AuditEntry>> {
    if !by.can_read_audit_log() {
        return Err(AppError::Forbidden(
            "only administrators and sales operations read the audit log".into(),
        ));
    }
    Ok(store.audit_log(entity, limit, before).await?)
}
