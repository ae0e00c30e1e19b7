//! Attain's domain: the business rules of sales performance management.
//!
//! This crate is where a reader learns the business: exact [`money`], the
//! fiscal calendar and its [`period`]s, the [`org`] hierarchy and typed
//! [`ids`], the [`user`] roles and every decision of what a person may see
//! and do ([`access`]: `Principal`), the KPI catalogue and its types
//! ([`kpi`], [`measure`], [`scope`]), goals and commission rules. It does no
//! I/O: no database, no HTTP, no filesystem and no randomness; the one
//! place that reads the system time is [`clock`], whose `Clock` callers
//! are given and pass down, so every calculation is reproducible and
//! testable with a fixed one.

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
pub mod settings;
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
pub use org::{OrgTree, OrgTreeError, OrgUnit, OrgUnitKind, UnitLookupError};
pub use period::{FiscalCalendar, FiscalYearLabel, Granularity, Period, PeriodError, PeriodKey};
pub use problem::ImportProblem;
pub use scope::{Breakdown, CustomerAttr, Scope};
pub use settings::{Language, OrgSettings, SettingError, SettingKey, TimeZone, UnitCredit};
pub use user::{Login, Role};
