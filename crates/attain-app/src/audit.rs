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
    AppError::unless_allowed(
        by.can_read_audit_log(),
        "only administrators and sales operations read the audit log",
    )?;
    Ok(store.audit_log(entity, limit, before).await?)
}
