//! Commission: the pay pages and `/api/v1/pay/…`.

pub(crate) mod api;
pub(crate) mod page;
