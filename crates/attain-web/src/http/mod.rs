//! Shared by every capability: the request context (identity, language,
//! CSRF), errors, languages, the page layout and the API's root.

pub(crate) mod api;
pub(crate) mod context;
pub(crate) mod error;
pub mod i18n;
pub(crate) mod layout;
pub(crate) mod openapi;
