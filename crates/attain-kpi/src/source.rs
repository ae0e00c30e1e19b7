//! Where the engine's sums come from. The engine asks for summed measures
//! and counts in the shapes below and computes every figure from them; the
//! store answers from its rollups (and, for spend, market sizes and product
//! names, from those tables), a test from rows it holds in memory.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;

use attain_core::{Currency, CustomerAttr, Measure, Money, OrgUnitId, Visibility};
use attain_store::{
    CustomerGrain, FieldValue, Grain, MeasureRow, NewCustomersBy, OwnerSet, ProductFilter,
    ProductGrain, RecordFilter, Store, StoreResult,
};
use chrono::NaiveDate;

/// The sums and counts the KPI engine computes from.
pub trait MeasureSource: Sync {
    /// The measures of the owners' facts over [from, to], per grain group
    /// and currency (money in the base currency needs no month; foreign
    /// money carries the month its facts fall in).
    fn owner_measures(
        &self,
        owners: &OwnerSet,
        from: NaiveDate,
        to: NaiveDate,
        grain: Grain,
        measures: &[Measure],
        base: Currency,
    ) -> impl Future<Output = StoreResult<Vec<MeasureRow>>> + Send;

    /// The measures of customers' facts over whole months (`YYYY-MM`),
    /// optionally of customers with one attribute value.
    fn customer_measures(
        &self,
        filter: Option<(CustomerAttr, &str)>,
        first: &str,
        last: &str,
        grain: CustomerGrain,
        measures: &[Measure],
        base: Currency,
    ) -> impl Future<Output = StoreResult<Vec<MeasureRow>>> + Send;

    /// Order-line amounts and costs over whole months, by product or category.
    fn product_measures(
        &self,
        owners: &OwnerSet,
        filter: &ProductFilter,
        first: &str,
        last: &str,
        grain: ProductGrain,
        base: Currency,
    ) -> impl Future<Output = StoreResult<Vec<MeasureRow>>> + Send;

    /// Customers whose first order falls in [from, to], per group.
    fn new_customers(
        &self,
        owners: &OwnerSet,
        from: NaiveDate,
        to: NaiveDate,
        by: NewCustomersBy,
    ) -> impl Future<Output = StoreResult<BTreeMap<String, i64>>> + Send;

    /// (customers active at the start, of those churned by the end), in
    /// total ("") or per owner.
    fn churn_counts(
        &self,
        owners: &OwnerSet,
        start: NaiveDate,
        end: NaiveDate,
        per_owner: bool,
    ) -> impl Future<Output = StoreResult<BTreeMap<String, (i64, i64)>>> + Send;

    /// Marketing spend over [from, to] per currency (minor units), of one
    /// unit or all, of one channel or all.
    fn spend_sum(
        &self,
        unit: Option<OrgUnitId>,
        channel: Option<&str>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> impl Future<Output = StoreResult<Vec<(String, i64)>>> + Send;

    /// The market sizes recorded for a period key (`FY2026`, `2026-03`, …),
    /// of all the market or of one segment's or region's.
    fn market_sizes(
        &self,
        period: &str,
        only: Option<(CustomerAttr, &str)>,
    ) -> impl Future<Output = StoreResult<Vec<Money>>> + Send;

    /// Product ID → name, to label a breakdown by product.
    fn product_names(&self) -> impl Future<Output = StoreResult<HashMap<String, String>>> + Send;
}

/// Market sizes read per page.
const PAGE: i64 = 1000;

impl MeasureSource for Store {
    async fn owner_measures(
        &self,
        owners: &OwnerSet,
        from: NaiveDate,
        to: NaiveDate,
        grain: Grain,
        measures: &[Measure],
        base: Currency,
    ) -> StoreResult<Vec<MeasureRow>> {
        Store::owner_measures(self, owners, from, to, grain, measures, base).await
    }

    async fn customer_measures(
        &self,
        filter: Option<(CustomerAttr, &str)>,
        first: &str,
        last: &str,
        grain: CustomerGrain,
        measures: &[Measure],
        base: Currency,
    ) -> StoreResult<Vec<MeasureRow>> {
        Store::customer_measures(self, filter, first, last, grain, measures, base).await
    }

    async fn product_measures(
        &self,
        owners: &OwnerSet,
        filter: &ProductFilter,
        first: &str,
        last: &str,
        grain: ProductGrain,
        base: Currency,
    ) -> StoreResult<Vec<MeasureRow>> {
        Store::product_measures(self, owners, filter, first, last, grain, base).await
    }

    async fn new_customers(
        &self,
        owners: &OwnerSet,
        from: NaiveDate,
        to: NaiveDate,
        by: NewCustomersBy,
    ) -> StoreResult<BTreeMap<String, i64>> {
        Store::new_customers(self, owners, from, to, by).await
    }

    async fn churn_counts(
        &self,
        owners: &OwnerSet,
        start: NaiveDate,
        end: NaiveDate,
        per_owner: bool,
    ) -> StoreResult<BTreeMap<String, (i64, i64)>> {
        Store::churn_counts(self, owners, start, end, per_owner).await
    }

    async fn spend_sum(
        &self,
        unit: Option<OrgUnitId>,
        channel: Option<&str>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<Vec<(String, i64)>> {
        Store::spend_sum(self, unit, channel, from, to).await
    }

    async fn market_sizes(
        &self,
        period: &str,
        only: Option<(CustomerAttr, &str)>,
    ) -> StoreResult<Vec<Money>> {
        let filter = RecordFilter {
            equals: std::iter::once(("period".to_owned(), period.to_owned()))
                .chain(only.map(|(attr, value)| {
                    let field = if attr == CustomerAttr::Segment {
                        "segment"
                    } else {
                        "region"
                    };
                    (field.to_owned(), value.to_owned())
                }))
                .collect(),
            ..Default::default()
        };
        let mut sizes = Vec::new();
        let mut offset = 0;
        loop {
            let page = self
                .records_visible(
                    "market-sizes",
                    &Visibility::Everything,
                    &filter,
                    offset,
                    PAGE,
                )
                .await?;
            let read = page.items.len() as i64;
            for record in page.items {
                for (_, value) in record.fields {
                    if let FieldValue::Money(m) = value {
                        sizes.push(m);
                    }
                }
            }
            offset += read;
            if read < PAGE {
                return Ok(sizes);
            }
        }
    }

    async fn product_names(&self) -> StoreResult<HashMap<String, String>> {
        Ok(self
            .product_name_index()
            .await?
            .into_iter()
            .map(|(id, name)| (id.to_string(), name))
            .collect())
    }
}
