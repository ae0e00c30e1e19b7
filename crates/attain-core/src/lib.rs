//! Attain's domain: the business rules of sales performance management.
//!
//! This crate is where a reader learns the business: exact [`money`], the
//! fiscal calendar and its [`period`]s, the [`org`] hierarchy and typed
//! [`ids`], and the [`user`] roles that decide what a person may see. It does no I/O: no database, no HTTP, no filesystem, no clock and
//! no randomness. Callers pass "today" (`as_of`) in, so every calculation is
//! reproducible and testable.

pub mod access;
pub mod clock;
pub mod comp;
pub mod goal;
pub mod ids;
pub mod kpi;
pub mod measure;
pub mod money;
pub mod org;
pub mod period;
pub mod problem;
pub mod sales;
pub mod scope;
pub mod text;
pub mod user;

pub use access::{PayVisibility, Principal, Visibility};
pub use clock::Clock;
pub use ids::{
    CompetitorId, ContactId, CourseId, CustomerId, DealId, ExternalId, GoalId, OrderId, OrgUnitId,
    PayoutRunId, PlanId, ProductId, StatementId, TerritoryId, UserId,
};
pub use kpi::{Metric, MetricKey};
pub use measure::{Measure, PerMeasure};
pub use money::{Currency, Money, MoneyError};
pub use org::{OrgTree, OrgTreeError, OrgUnit, OrgUnitKind};
pub use period::{FiscalCalendar, FiscalYearLabel, Granularity, Period, PeriodError, PeriodKey};
pub use problem::ImportProblem;
pub use scope::{Breakdown, CustomerAttr, Scope};
pub use user::{Login, Role};
