//! Signing in and a person's own account: pages and API.

pub(crate) mod api;
pub(crate) mod api_docs;
pub(crate) mod pages;
