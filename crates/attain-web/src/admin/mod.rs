//! Administration: users, the organisation's settings and the audit log.

pub(crate) mod audit;
pub(crate) mod settings;
pub(crate) mod users;
