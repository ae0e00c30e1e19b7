//! Imports: the upload, preview and confirmation pages, and the people file.

pub(crate) mod page;
pub(crate) mod people;
