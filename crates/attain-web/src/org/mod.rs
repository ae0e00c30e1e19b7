//! The organisation: the org chart and people pages, and `/api/v1/units`.

pub(crate) mod chart;
pub(crate) mod people;
pub(crate) mod units;
