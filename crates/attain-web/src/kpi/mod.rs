//! KPIs: the explorer page and `/api/v1/kpi`.

pub(crate) mod api;
pub(crate) mod page;
