//! The organisation: the people page and `/api/v1/units`.

pub(crate) mod people;
pub(crate) mod units;
