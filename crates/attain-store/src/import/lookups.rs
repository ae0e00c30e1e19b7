//! What an importer reads before it writes: products, orders, deals,
//! contacts, customers, channels, courses and territories by the keys a
//! file names them with, and how much of an order is left to pay or refund.

use std::collections::{HashMap, HashSet};

use attain_core::{ContactId, CustomerId, DealId, Money, OrderId, ProductId};

use crate::{Store, StoreError, StoreResult, on_conn};

use super::*;

impl Store {
    /// Products by SKU and by name (both lower-cased), with their unit cost,
    /// for resolving the product column of an import.
    pub async fn product_index(&self) -> StoreResult<HashMap<String, (ProductId, Money)>> {
        let rows: Vec<(i64, String, String, String, i64)> = on_conn!(self, conn => {
            sqlx::query_as("SELECT id, sku, name, currency, unit_cost_minor FROM products").fetch_all(&mut *conn).await?
        });
        let mut index = HashMap::new();
        for (id, sku, name, currency, cost) in rows {
            let entry = (
                ProductId::from_raw(id),
                crate::money_from_columns(cost, &currency)?,
            );
            index.entry(name.to_lowercase()).or_insert(entry);
            index.insert(sku.to_lowercase(), entry);
        }
        Ok(index)
    }

    /// Order IDs by number, for the numbers given (payments and refunds name their order).
    pub async fn order_ids(&self, numbers: &[&str]) -> StoreResult<HashMap<String, OrderId>> {
        let mut found = HashMap::new();
        for chunk in numbers.chunks(500) {
            let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT number, id FROM orders WHERE number IN ({})",
                placeholders.join(",")
            );
            let rows: Vec<(String, i64)> = on_conn!(self, conn => {
                let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
                for n in chunk {
                    q = q.bind(*n);
                }
                q.fetch_all(&mut *conn).await?
            });
            found.extend(rows.into_iter().map(|(n, id)| (n, OrderId::from_raw(id))));
        }
        Ok(found)
    }

    /// What is left to refund of each of `orders`: its total less its
    /// stored refunds, except those whose external ID is in `replaced`
    /// (a re-import replaces them). In the order's currency; a refund in
    /// another currency takes nothing here.
    pub async fn refund_room(
        &self,
        orders: &[OrderId],
        replaced: &HashSet<&str>,
    ) -> StoreResult<HashMap<OrderId, Money>> {
        self.room_left("refunds", orders, replaced).await
    }

    /// What is left to pay of each of `orders`: its total less its stored
    /// payments, except those whose external ID is in `replaced`. In the
    /// order's currency; a payment in another currency takes nothing here.
    /// Never less than zero.
    pub async fn payment_room(
        &self,
        orders: &[OrderId],
        replaced: &HashSet<&str>,
    ) -> StoreResult<HashMap<OrderId, Money>> {
        let mut left = self.room_left("payments", orders, replaced).await?;
        for room in left.values_mut() {
            if room.amount().is_sign_negative() {
                *room = Money::zero(room.currency());
            }
        }
        Ok(left)
    }

    /// Each order's total less the `table` (refunds or payments) rows of
    /// it in its currency, except the `replaced` ones.
    async fn room_left(
        &self,
        table: &'static str,
        orders: &[OrderId],
        replaced: &HashSet<&str>,
    ) -> StoreResult<HashMap<OrderId, Money>> {
        let mut ids: Vec<i64> = orders.iter().map(|o| o.raw()).collect();
        ids.sort_unstable();
        ids.dedup();
        let mut left = HashMap::new();
        for chunk in ids.chunks(500) {
            // IDs are integers from the database, never text from the file.
            let list: Vec<String> = chunk.iter().map(i64::to_string).collect();
            // `table` is one of two constants of ours.
            let sql = format!(
                "SELECT o.id, o.currency, o.total_minor, r.external_id, r.currency, r.amount_minor FROM orders o LEFT JOIN {table} r ON r.order_id = o.id WHERE o.id IN ({})",
                list.join(",")
            );
            type Row = (
                i64,
                String,
                i64,
                Option<String>,
                Option<String>,
                Option<i64>,
            );
            let rows: Vec<Row> = on_conn!(self, conn => {
                sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(&mut *conn).await?
            });
            for (id, currency, total, key, refund_currency, refunded) in rows {
                let order = OrderId::from_raw(id);
                let entry = match left.entry(order) {
                    std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                    std::collections::hash_map::Entry::Vacant(e) => {
                        e.insert(crate::money_from_columns(total, &currency)?)
                    }
                };
                if let (Some(amount), Some(refund_currency)) = (refunded, refund_currency)
                    && refund_currency == currency
                    && !key.as_deref().is_some_and(|k| replaced.contains(k))
                {
                    let refund = crate::money_from_columns(amount, &refund_currency)?;
                    *entry = entry
                        .checked_sub(&refund)
                        .map_err(|e| StoreError::Invalid(e.to_string()))?;
                }
            }
        }
        Ok(left)
    }

    /// Deal IDs by external ID, for the IDs given (activities and orders may name their deal).
    pub async fn deal_ids(&self, external: &[&str]) -> StoreResult<HashMap<String, DealId>> {
        let mut found = HashMap::new();
        for chunk in external.chunks(500) {
            let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT external_id, id FROM deals WHERE external_id IN ({})",
                placeholders.join(",")
            );
            let rows: Vec<(String, i64)> = on_conn!(self, conn => {
                let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
                for n in chunk {
                    q = q.bind(*n);
                }
                q.fetch_all(&mut *conn).await?
            });
            found.extend(rows.into_iter().map(|(n, id)| (n, DealId::from_raw(id))));
        }
        Ok(found)
    }

    /// Contacts by external ID, with their customer (if any), for the IDs given
    /// (tickets and activities may name a contact).
    pub async fn contact_ids(
        &self,
        external: &[&str],
    ) -> StoreResult<HashMap<String, (ContactId, Option<CustomerId>)>> {
        let mut found = HashMap::new();
        for chunk in external.chunks(500) {
            let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT external_id, id, customer_id FROM contacts WHERE external_id IN ({})",
                placeholders.join(",")
            );
            let rows: Vec<(String, i64, Option<i64>)> = on_conn!(self, conn => {
                let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
                for n in chunk {
                    q = q.bind(*n);
                }
                q.fetch_all(&mut *conn).await?
            });
            found.extend(rows.into_iter().map(|(e, id, customer)| {
                (
                    e,
                    (ContactId::from_raw(id), customer.map(CustomerId::from_raw)),
                )
            }));
        }
        Ok(found)
    }

    /// How imports find customers (see [`CustomerIndex`]).
    pub async fn customer_index(&self) -> StoreResult<CustomerIndex> {
        let rows: Vec<(i64, String, Option<String>)> = on_conn!(self, conn => {
            sqlx::query_as(CUSTOMER_KEYS).fetch_all(&mut *conn).await?
        });
        Ok(CustomerIndex::of(rows))
    }

    /// The keys of the channels that exist.
    pub async fn channel_keys(&self) -> StoreResult<HashSet<String>> {
        let keys: Vec<String> = on_conn!(self, conn => {
            sqlx::query_scalar("SELECT key FROM channels").fetch_all(&mut *conn).await?
        });
        Ok(keys.into_iter().collect())
    }

    /// The names of the courses that exist.
    pub async fn course_names(&self) -> StoreResult<HashSet<String>> {
        let names: Vec<String> = on_conn!(self, conn => {
            sqlx::query_scalar("SELECT name FROM courses").fetch_all(&mut *conn).await?
        });
        Ok(names.into_iter().collect())
    }

    /// The names of the territories that exist.
    pub async fn territory_names(&self) -> StoreResult<HashSet<String>> {
        let names: Vec<String> = on_conn!(self, conn => {
            sqlx::query_scalar("SELECT name FROM territories").fetch_all(&mut *conn).await?
        });
        Ok(names.into_iter().collect())
    }

    /// Customers by lower-cased name and by external ID, with the external
    /// ID each has: how a customers file finds the records it updates.
    pub async fn customer_keys(&self) -> StoreResult<Vec<(CustomerId, String, Option<String>)>> {
        let rows: Vec<(i64, String, Option<String>)> = on_conn!(self, conn => {
            sqlx::query_as("SELECT id, name, external_id FROM customers ORDER BY id").fetch_all(&mut *conn).await?
        });
        Ok(rows
            .into_iter()
            .map(|(id, name, ext)| (CustomerId::from_raw(id), name, ext))
            .collect())
    }
}
