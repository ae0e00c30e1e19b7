//! The KPI engine: any metric of the catalogue (or a custom formula over
//! them) for a scope, a period and a breakdown, answered for a person
//! within what he may see.
//!
//! The engine computes; it does not fetch. It reads summed measures from a
//! [`MeasureSource`] it is given (the store's rollups in production, a few
//! rows in memory in a test) and the organisation from an [`OrgContext`]
//! loaded once per request or command. Ratios are computed from the sums
//! of each group, never averaged; money is converted to the base currency
//! exactly, at the rate of the month its facts fall in.

mod engine;
mod error;
mod org;
mod source;

pub use attain_core::scope::{Breakdown as Dim, Scope};
pub use engine::{
    Engine, KpiAnswer, KpiQuery, KpiRow, MAX_CUSTOM_NESTING, answer, is_builtin_name, unit_of_key,
};
pub use error::{KpiError, KpiResult};
pub use org::OrgContext;
pub use source::MeasureSource;
