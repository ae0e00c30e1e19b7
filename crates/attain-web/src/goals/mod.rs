//! Goals: the home page, the goals pages and `/api/v1/goals`.

pub(crate) mod api;
pub(crate) mod home;
pub(crate) mod page;
