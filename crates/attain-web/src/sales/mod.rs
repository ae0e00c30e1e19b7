//! Sales records: the deals page, their reads and the write API.

pub(crate) mod api;
pub(crate) mod pages;
pub(crate) mod records;
pub(crate) mod write;
