//! Imports: the upload, preview and confirmation pages.

pub(crate) mod page;
