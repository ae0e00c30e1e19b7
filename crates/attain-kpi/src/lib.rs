//! The KPI engine: any metric of the catalogue (or a custom formula over
//! them) for a scope, a period and a breakdown, answered for a person
//! within what he may see.
//!
//! The engine computes; it does not fetch. It reads sums and counts from a
//! [`MeasureSource`] it is given (the store in production: its rollups,
//! spend, market sizes and product names; a few rows in memory in a test)
//! and the organisation from an [`OrgContext`] loaded once per request or
//! command (from the store, or built from parts). Ratios are computed from
//! the sums of each group, never averaged; money is converted to the base
//! currency exactly: rollup rows at the rate of the month their facts fall
//! in (or the fiscal year's plan rate, for goals and pay), spend and market
//! sizes at the rate of the period's last month.

mod engine;
mod error;
mod org;
mod source;

pub use attain_core::scope::{Breakdown as Dim, Scope};
pub use engine::{
    Engine, KpiAnswer, KpiQuery, KpiRow, MAX_CUSTOM_NESTING, is_builtin_name, unit_of_key,
};
pub use error::{KpiError, KpiResult};
pub use org::OrgContext;
pub use source::MeasureSource;
