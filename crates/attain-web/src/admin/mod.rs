//! Administration: users and the audit log.

pub(crate) mod audit;
pub(crate) mod users;
