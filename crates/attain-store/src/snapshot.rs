//! What a write of sales records changed, record by record: the written
//! fields of each record read as text before and after the write, inside
//! its transaction. Imports count from it which records they created,
//! changed or left as they were, and write the audit log: one entry for a
//! file, or for the API one entry per record with its fields before and
//! after.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use crate::Actor;

/// The table a write of one kind of record sets, the columns it sets and
/// the columns that key its records.
#[derive(Debug)]
pub(crate) struct Target {
    /// The table.
    pub table: &'static str,
    /// The columns every write sets, the key among them.
    pub columns: &'static [&'static str],
    /// The columns that find a record again (its conflict key).
    pub key: &'static [&'static str],
    /// Columns an update leaves as they are (written only by the demo).
    pub kept: &'static [&'static str],
    /// Whether the table has an `id` column (exchange rates do not).
    pub has_id: bool,
    /// Whether the records have lines that are part of them (orders).
    pub lines: bool,
}

impl Target {
    /// The text of a record's key: its key column, or its key columns
    /// joined by `|` (`segment|region|period`).
    fn key_expr(&self) -> String {
        match self.key {
            [one] => (*one).to_owned(),
            several => several
                .iter()
                .map(|k| format!("CAST({k} AS TEXT)"))
                .collect::<Vec<_>>()
                .join(" || '|' || "),
        }
    }

    /// `SELECT key, id, columns… FROM table WHERE <by> IN ($1, …, $n)`,
    /// every value as text.
    pub(crate) fn select(&self, by_id: bool, n: usize) -> String {
        let id = if self.has_id {
            "CAST(id AS TEXT)"
        } else {
            "NULL"
        };
        let columns: Vec<String> = self
            .columns
            .iter()
            .map(|c| format!("CAST({c} AS TEXT)"))
            .collect();
        let placeholders: Vec<String> = (1..=n).map(|i| format!("${i}")).collect();
        let by = if by_id {
            "id".to_owned()
        } else {
            self.key_expr()
        };
        format!(
            "SELECT {}, {id}, {} FROM {} WHERE {by} IN ({})",
            self.key_expr(),
            columns.join(", "),
            self.table,
            placeholders.join(",")
        )
    }

    /// The lines of the orders whose numbers are `$1`…`$n`, in order.
    pub(crate) fn select_lines(n: usize) -> String {
        let placeholders: Vec<String> = (1..=n).map(|i| format!("${i}")).collect();
        format!(
            "SELECT o.number, CAST(l.product_id AS TEXT), CAST(l.quantity AS TEXT), CAST(l.unit_price_minor AS TEXT), CAST(l.amount_minor AS TEXT), CAST(l.cost_minor AS TEXT) FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE o.number IN ({}) ORDER BY o.number, l.id",
            placeholders.join(",")
        )
    }

    /// A record's fields as JSON, from the text of `values` (in the order
    /// of [`Self::columns`]) and, when they were read, its lines.
    pub(crate) fn json(
        &self,
        values: &[Option<String>],
        lines: Option<&[Vec<Option<String>>]>,
    ) -> serde_json::Value {
        let mut object = serde_json::Map::new();
        for (column, value) in self.columns.iter().zip(values) {
            object.insert((*column).to_owned(), serde_json::json!(value));
        }
        if let Some(lines) = lines {
            let names = [
                "product_id",
                "quantity",
                "unit_price_minor",
                "amount_minor",
                "cost_minor",
            ];
            let lines: Vec<serde_json::Value> = lines
                .iter()
                .map(|line| {
                    names
                        .iter()
                        .zip(line)
                        .map(|(n, v)| ((*n).to_owned(), serde_json::json!(v)))
                        .collect::<serde_json::Map<_, _>>()
                        .into()
                })
                .collect();
            object.insert("lines".into(), lines.into());
        }
        object.into()
    }
}

/// One record as stored: its ID, a fingerprint of its written fields and,
/// when the audit log needs them, the fields themselves.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Snap {
    /// Its ID (for the audit log), if the table has one.
    pub id: Option<String>,
    /// A hash of its fields: equal before and after means unchanged.
    pub fingerprint: u64,
    /// Its fields, kept for a per-record audit.
    pub json: Option<serde_json::Value>,
}

impl Snap {
    pub(crate) fn of(id: Option<String>, json: serde_json::Value, keep: bool) -> Self {
        let mut hasher = DefaultHasher::new();
        json.to_string().hash(&mut hasher);
        Self {
            id,
            fingerprint: hasher.finish(),
            json: keep.then_some(json),
        }
    }
}

/// Records by key as a transaction saw them at one moment.
pub(crate) type Snaps = HashMap<String, Snap>;

/// Reads the records of `$target` whose keys are `$keys` (`&[&str]`)
/// inside `$tx` as [`Snaps`], with their fields when `$keep` is true.
macro_rules! snapshots {
    ($tx:ident, $target:expr, $keys:expr, $keep:expr) => {{
        use sqlx::Row as _;
        let target: &$crate::snapshot::Target = $target;
        let keys: &[&str] = $keys;
        let keep: bool = $keep;
        let mut values: std::collections::HashMap<String, (Option<String>, Vec<Option<String>>)> =
            std::collections::HashMap::new();
        let mut lines: std::collections::HashMap<String, Vec<Vec<Option<String>>>> =
            std::collections::HashMap::new();
        for chunk in keys.chunks(500) {
            // Table and columns are constants of ours; every key is bound.
            let sql = target.select(false, chunk.len());
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for k in chunk {
                query = query.bind(*k);
            }
            for row in query.fetch_all(&mut *$tx).await? {
                let key: String = row.try_get(0)?;
                let id: Option<String> = row.try_get(1)?;
                let mut fields = Vec::with_capacity(target.columns.len());
                for i in 0..target.columns.len() {
                    fields.push(row.try_get::<Option<String>, _>(i + 2)?);
                }
                values.insert(key, (id, fields));
            }
            if target.lines {
                let sql = $crate::snapshot::Target::select_lines(chunk.len());
                let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
                for k in chunk {
                    query = query.bind(*k);
                }
                for row in query.fetch_all(&mut *$tx).await? {
                    let number: String = row.try_get(0)?;
                    let mut line = Vec::with_capacity(5);
                    for i in 1..=5 {
                        line.push(row.try_get::<Option<String>, _>(i)?);
                    }
                    lines.entry(number).or_default().push(line);
                }
            }
        }
        values
            .into_iter()
            .map(|(key, (id, fields))| {
                let own_lines = target
                    .lines
                    .then(|| lines.get(&key).map_or(&[][..], Vec::as_slice));
                let json = target.json(&fields, own_lines);
                let snap = $crate::snapshot::Snap::of(id, json, keep);
                (key, snap)
            })
            .collect::<$crate::snapshot::Snaps>()
    }};
}
pub(crate) use snapshots;

/// Reads the records of `$target` with IDs `$ids` (`&[(i64, &str)]`: an ID
/// and the key to file it under) inside `$tx`, with their fields when
/// `$keep` is true: records about to be given a key (customers found by
/// name) as they were before.
macro_rules! snapshots_by_id {
    ($tx:ident, $target:expr, $ids:expr, $keep:expr) => {{
        use sqlx::Row as _;
        let target: &$crate::snapshot::Target = $target;
        let ids: &[(i64, &str)] = $ids;
        let keep: bool = $keep;
        let mut snaps = $crate::snapshot::Snaps::new();
        for chunk in ids.chunks(500) {
            // Table and columns are constants of ours; every ID is bound.
            let sql = target.select(true, chunk.len());
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (id, _) in chunk {
                query = query.bind(*id);
            }
            for row in query.fetch_all(&mut *$tx).await? {
                let id: Option<String> = row.try_get(1)?;
                let mut fields = Vec::with_capacity(target.columns.len());
                for i in 0..target.columns.len() {
                    fields.push(row.try_get::<Option<String>, _>(i + 2)?);
                }
                let key = chunk
                    .iter()
                    .find(|(raw, _)| Some(raw.to_string()) == id)
                    .map(|(_, key)| (*key).to_owned());
                if let Some(key) = key {
                    let json = target.json(&fields, None);
                    snaps.insert(key, $crate::snapshot::Snap::of(id, json, keep));
                }
            }
        }
        snaps
    }};
}
pub(crate) use snapshots_by_id;

/// How a write is recorded in the audit log, in its transaction.
#[derive(Debug, Clone)]
pub struct ImportAudit {
    /// Who writes.
    pub actor: Actor,
    /// The kind of record, as imports and the API name it (`deals`,
    /// `market-sizes`).
    pub entity: String,
    /// One entry for a file, or one per record.
    pub scope: AuditScope,
    /// The organisation's today, for the dates a write fills in (the day a
    /// re-imported deal changed stage); the store never reads the clock for
    /// a business date.
    pub today: chrono::NaiveDate,
}

/// Whether a write is logged as a whole or record by record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditScope {
    /// An imported file (its name): one entry, entity `import`, with the
    /// counts of records created, updated and left unchanged.
    File(String),
    /// Records written through the API: one entry per record, entity the
    /// kind of record, with its fields before and after.
    Records,
}

impl ImportAudit {
    /// Whether each record's fields must be kept for the log.
    pub(crate) fn per_record(&self) -> bool {
        self.scope == AuditScope::Records
    }
}

impl ImportAudit {
    /// The keys whose records must be read after a write: all of them
    /// for a per-record log, else only those that existed before (a new
    /// record is created, whatever its fields; an old one may be unchanged).
    pub(crate) fn keys_after<'k>(&self, keys: &[&'k str], before: &Snaps) -> Vec<&'k str> {
        if self.per_record() {
            keys.to_vec()
        } else {
            keys.iter()
                .copied()
                .filter(|k| before.contains_key(*k))
                .collect()
        }
    }
}

/// What a write did to its records, from snapshots before and after.
#[derive(Debug, Default)]
pub(crate) struct Changes<'k> {
    /// For each record, in write order: its key, and its snapshots.
    pub records: Vec<(&'k str, Option<&'k Snap>, Option<&'k Snap>)>,
    /// Records that existed and are as they were.
    pub unchanged: usize,
}

impl<'k> Changes<'k> {
    /// Pairs the snapshots of `keys` (each once) before and after.
    pub(crate) fn of(keys: &[&'k str], before: &'k Snaps, after: &'k Snaps) -> Self {
        let mut seen = std::collections::HashSet::new();
        let mut changes = Self::default();
        for key in keys {
            if !seen.insert(*key) {
                continue;
            }
            let (was, is) = (before.get(*key), after.get(*key));
            if let (Some(was), Some(is)) = (was, is)
                && was.fingerprint == is.fingerprint
            {
                changes.unchanged += 1;
            }
            changes.records.push((key, was, is));
        }
        changes
    }
}

/// Writes the audit log of an import inside `$tx`: for a file one entry
/// (entity `import`, ID the kind of record) with the file name and
/// `$counts`; for API records one entry per record, created or updated,
/// with its fields before and after.
macro_rules! audit_import {
    ($tx:ident, $audit:expr, $changes:expr, $counts:expr) => {{
        let audit: &$crate::snapshot::ImportAudit = $audit;
        let changes: &$crate::snapshot::Changes<'_> = $changes;
        let counts: &$crate::ImportCounts = $counts;
        match &audit.scope {
            $crate::snapshot::AuditScope::File(file) => {
                let after = serde_json::json!({
                    "entity": audit.entity,
                    "file": file,
                    "created": counts.created,
                    "updated": counts.updated.saturating_sub(counts.unchanged),
                    "unchanged": counts.unchanged,
                    "customers_created": counts.customers_created,
                    "owners_created": counts.owners_created,
                    "channels_created": counts.channels_created,
                    "courses_created": counts.courses_created,
                    "lines": counts.lines,
                });
                $crate::access::audit!(
                    $tx,
                    audit.actor,
                    $crate::AuditAction::Create,
                    "import",
                    audit.entity.clone(),
                    None::<serde_json::Value>,
                    Some(after)
                );
            }
            $crate::snapshot::AuditScope::Records => {
                for (key, was, is) in &changes.records {
                    let action = if was.is_some() {
                        $crate::AuditAction::Update
                    } else {
                        $crate::AuditAction::Create
                    };
                    let id = is
                        .and_then(|s| s.id.clone())
                        .or_else(|| was.and_then(|s| s.id.clone()))
                        .unwrap_or_else(|| (*key).to_owned());
                    $crate::access::audit!(
                        $tx,
                        audit.actor,
                        action,
                        audit.entity.as_str(),
                        id,
                        was.and_then(|s| s.json.clone()),
                        is.and_then(|s| s.json.clone())
                    );
                }
            }
        }
    }};
}
pub(crate) use audit_import;
