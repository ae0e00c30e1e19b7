//! Imports: the upload, preview and confirmation pages, the people file,
//! and a whole company's files in one zip.

pub(crate) mod company;
pub(crate) mod page;
pub(crate) mod people;
