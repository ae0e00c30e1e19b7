//! Bulk inserts, the way large loads (imports, the demo) reach the
//! database inside the caller's transaction: on SQLite one statement per
//! chunk of rows bound as one JSON document, on PostgreSQL `COPY` for
//! plain inserts and multi-row statements for upserts.

use std::fmt::Write as _;
use std::future::Future;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};

/// One bound value of a bulk insert.
#[derive(Debug, Clone)]
pub(crate) enum Val {
    I64(i64),
    OptI64(Option<i64>),
    Text(String),
    OptText(Option<String>),
    Date(NaiveDate),
    OptDate(Option<NaiveDate>),
    Bool(bool),
    Ts(DateTime<Utc>),
    OptTs(Option<DateTime<Utc>>),
}

/// SQLite allows 32,766 bound parameters per statement, PostgreSQL 65,535;
/// staying under the smaller keeps one code path for both.
const MAX_PARAMS: usize = 32_000;

/// How a backend numbers parameters. On SQLite every numbered or named
/// parameter (`$1`, `?1`) is looked up in a list when sqlx binds it, which
/// makes a statement with thousands of them quadratic; bare `?` is not.
pub(crate) trait Placeholder {
    /// The character before a parameter number.
    const PREFIX: char;
    /// Rows per statement beyond which a multi-row insert stops paying off
    /// (measured with `attain demo`: on SQLite 50 to 500 rows differ by
    /// about 10 %; PostgreSQL saves a round trip per statement).
    const MAX_ROWS: usize;
}

impl Placeholder for sqlx::Sqlite {
    const PREFIX: char = '?';
    const MAX_ROWS: usize = 100;
}

impl Placeholder for sqlx::Postgres {
    const PREFIX: char = '$';
    const MAX_ROWS: usize = 1_000;
}

/// What a write runs on: a transaction, or a connection inside one (a
/// batch's), of one backend.
pub(crate) trait OnBackend {
    /// The backend.
    type Db: sqlx::Database + Placeholder;
}

impl<DB: sqlx::Database + Placeholder> OnBackend for sqlx::Transaction<'_, DB> {
    type Db = DB;
}

impl OnBackend for &mut sqlx::SqliteConnection {
    type Db = sqlx::Sqlite;
}

impl OnBackend for &mut sqlx::PgConnection {
    type Db = sqlx::Postgres;
}

/// The parameter prefix and row limit of the backend a write runs on.
pub(crate) fn dialect_of<T: OnBackend>(_: &T) -> (char, usize) {
    (T::Db::PREFIX, T::Db::MAX_ROWS)
}

/// `INSERT INTO table (cols) VALUES ($1,…),(…)` for `rows` rows, numbering
/// parameters with `prefix`.
pub(crate) fn insert_sql(table: &str, columns: &[&str], rows: usize, prefix: char) -> String {
    let mut sql = String::with_capacity(32 + rows * columns.len() * 6);
    sql.push_str("INSERT INTO ");
    sql.push_str(table);
    sql.push_str(" (");
    sql.push_str(&columns.join(", "));
    sql.push_str(") VALUES ");
    let mut n = 1;
    for r in 0..rows {
        if r > 0 {
            sql.push(',');
        }
        sql.push('(');
        for c in 0..columns.len() {
            if c > 0 {
                sql.push(',');
            }
            sql.push(prefix);
            if prefix == '$' {
                sql.push_str(&n.to_string());
            }
            n += 1;
        }
        sql.push(')');
    }
    sql
}

/// Rows per multi-row statement on PostgreSQL.
fn pg_rows(columns: &[&str]) -> usize {
    chunk_rows(columns.len(), <sqlx::Postgres as Placeholder>::MAX_ROWS)
}

/// Rows per statement for a table of `columns` columns.
pub(crate) fn chunk_rows(columns: usize, max_rows: usize) -> usize {
    (MAX_PARAMS / columns.max(1)).clamp(1, max_rows)
}

/// Rows of one JSON document a SQLite insert reads (about 60 bytes a row):
/// large enough that statements cost nothing, small enough to stay a few
/// hundred kilobytes.
const JSON_ROWS: usize = 5_000;

/// Bytes of `COPY` data sent to PostgreSQL at a time.
const COPY_CHUNK: usize = 1 << 20;

/// A connection that writes many rows at once, each backend its fastest
/// way: SQLite reads a chunk of rows as one bound JSON document
/// (`json_each`), so a row costs no per-value binding; PostgreSQL streams
/// plain inserts with `COPY` and upserts as multi-row statements.
pub(crate) trait BulkInsert {
    /// Inserts `rows` into `table` (`columns` in order), each statement
    /// followed by `suffix` (an upsert's `ON CONFLICT …`), reporting rows
    /// written to `progress`.
    fn insert_rows(
        &mut self,
        table: &str,
        columns: &[&str],
        rows: &[Vec<Val>],
        suffix: &str,
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> impl Future<Output = Result<(), sqlx::Error>> + Send;

    /// Inserts `rows` like [`Self::insert_rows`] and answers each new
    /// row's ID with its text column `key` (which must tell the rows
    /// apart: the order rows come back in is not the order they went in).
    fn insert_returning(
        &mut self,
        table: &str,
        columns: &[&str],
        rows: &[Vec<Val>],
        key: &str,
    ) -> impl Future<Output = Result<Vec<(i64, String)>, sqlx::Error>> + Send;
}

impl BulkInsert for sqlx::SqliteConnection {
    async fn insert_rows(
        &mut self,
        table: &str,
        columns: &[&str],
        rows: &[Vec<Val>],
        suffix: &str,
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> Result<(), sqlx::Error> {
        if rows.is_empty() {
            return Ok(());
        }
        // Our constants and an upsert suffix of our own; the data is bound.
        let sql = json_insert_sql(table, columns, suffix);
        let mut json = Vec::new();
        for chunk in rows.chunks(JSON_ROWS) {
            let text = json_text(&mut json, chunk)?;
            sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(text)
                .execute(&mut *self)
                .await?;
            progress(chunk.len() as u64);
        }
        Ok(())
    }

    async fn insert_returning(
        &mut self,
        table: &str,
        columns: &[&str],
        rows: &[Vec<Val>],
        key: &str,
    ) -> Result<Vec<(i64, String)>, sqlx::Error> {
        let returning = format!(" RETURNING id, {key}");
        // Our constants; the data is bound.
        let sql = json_insert_sql(table, columns, &returning);
        let mut json = Vec::new();
        let mut ids = Vec::with_capacity(rows.len());
        for chunk in rows.chunks(JSON_ROWS) {
            let text = json_text(&mut json, chunk)?;
            ids.extend(
                sqlx::query_as::<_, (i64, String)>(sqlx::AssertSqlSafe(sql.as_str()))
                    .bind(text)
                    .fetch_all(&mut *self)
                    .await?,
            );
        }
        Ok(ids)
    }
}

impl BulkInsert for sqlx::PgConnection {
    async fn insert_rows(
        &mut self,
        table: &str,
        columns: &[&str],
        rows: &[Vec<Val>],
        suffix: &str,
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> Result<(), sqlx::Error> {
        if rows.is_empty() {
            return Ok(());
        }
        if suffix.is_empty() {
            // Table and columns are constants of ours.
            let statement = format!("COPY {table} ({}) FROM STDIN", columns.join(", "));
            let mut copy = self.copy_in_raw(&statement).await?;
            let mut data = String::with_capacity(COPY_CHUNK + 4096);
            let mut pending = 0_u64;
            for row in rows {
                copy_row(&mut data, row);
                pending += 1;
                if data.len() >= COPY_CHUNK {
                    if let Err(e) = copy.send(data.as_bytes()).await {
                        copy.abort("write failed").await.ok();
                        return Err(e);
                    }
                    data.clear();
                    progress(pending);
                    pending = 0;
                }
            }
            if !data.is_empty()
                && let Err(e) = copy.send(data.as_bytes()).await
            {
                copy.abort("write failed").await.ok();
                return Err(e);
            }
            copy.finish().await?;
            progress(pending);
            return Ok(());
        }
        for chunk in rows.chunks(pg_rows(columns)) {
            let sql = insert_sql(table, columns, chunk.len(), '$') + suffix;
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for row in chunk {
                for value in row {
                    query = bind_val!(query, value);
                }
            }
            query.execute(&mut *self).await?;
            progress(chunk.len() as u64);
        }
        Ok(())
    }

    async fn insert_returning(
        &mut self,
        table: &str,
        columns: &[&str],
        rows: &[Vec<Val>],
        key: &str,
    ) -> Result<Vec<(i64, String)>, sqlx::Error> {
        let mut ids = Vec::with_capacity(rows.len());
        for chunk in rows.chunks(pg_rows(columns)) {
            let sql = insert_sql(table, columns, chunk.len(), '$') + " RETURNING id, " + key;
            let mut query = sqlx::query_as::<_, (i64, String)>(sqlx::AssertSqlSafe(sql));
            for row in chunk {
                for value in row {
                    query = bind_val!(query, value);
                }
            }
            ids.extend(query.fetch_all(&mut *self).await?);
        }
        Ok(ids)
    }
}

/// `rows` as the text of one JSON array in `buf`: text, never a blob
/// (SQLite reads a blob as its binary JSON).
fn json_text<'b>(buf: &'b mut Vec<u8>, rows: &[Vec<Val>]) -> Result<&'b str, sqlx::Error> {
    buf.clear();
    json_rows(buf, rows).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    std::str::from_utf8(buf).map_err(|e| sqlx::Error::Encode(Box::new(e)))
}

/// `INSERT INTO table (cols) SELECT value->>0, … FROM json_each(?) WHERE
/// true suffix`: the rows of one bound JSON array of arrays, in order
/// (`WHERE true` keeps an upsert's `ON CONFLICT` from reading as a join).
pub(crate) fn json_insert_sql(table: &str, columns: &[&str], suffix: &str) -> String {
    let values: Vec<String> = (0..columns.len()).map(|i| format!("value->>{i}")).collect();
    format!(
        "INSERT INTO {table} ({}) SELECT {} FROM json_each(?) WHERE true{suffix}",
        columns.join(", "),
        values.join(", ")
    )
}

/// Appends `rows` as one JSON array of arrays, each value as SQLite would
/// store it when bound: dates and timestamps as sqlx writes them, booleans
/// as `true`/`false` (read back as 1 and 0).
pub(crate) fn json_rows(out: &mut Vec<u8>, rows: &[Vec<Val>]) -> serde_json::Result<()> {
    out.push(b'[');
    for (r, row) in rows.iter().enumerate() {
        if r > 0 {
            out.push(b',');
        }
        out.push(b'[');
        for (c, value) in row.iter().enumerate() {
            if c > 0 {
                out.push(b',');
            }
            json_value(out, value)?;
        }
        out.push(b']');
    }
    out.push(b']');
    Ok(())
}

fn json_value(out: &mut Vec<u8>, value: &Val) -> serde_json::Result<()> {
    match value {
        Val::I64(v) | Val::OptI64(Some(v)) => serde_json::to_writer(out, v),
        Val::Text(v) | Val::OptText(Some(v)) => serde_json::to_writer(out, v),
        Val::Date(v) | Val::OptDate(Some(v)) => {
            serde_json::to_writer(out, &v.format("%F").to_string())
        }
        Val::Bool(v) => serde_json::to_writer(out, v),
        Val::Ts(v) | Val::OptTs(Some(v)) => {
            serde_json::to_writer(out, &v.to_rfc3339_opts(SecondsFormat::AutoSi, false))
        }
        Val::OptI64(None) | Val::OptText(None) | Val::OptDate(None) | Val::OptTs(None) => {
            out.extend_from_slice(b"null");
            Ok(())
        }
    }
}

/// Appends one row in `COPY`'s text format: tab-separated, `\N` for NULL,
/// backslash, tab and line breaks escaped.
pub(crate) fn copy_row(out: &mut String, row: &[Val]) {
    for (c, value) in row.iter().enumerate() {
        if c > 0 {
            out.push('\t');
        }
        match value {
            Val::I64(v) | Val::OptI64(Some(v)) => {
                let _ = write!(out, "{v}");
            }
            Val::Text(v) | Val::OptText(Some(v)) => {
                for ch in v.chars() {
                    match ch {
                        '\\' => out.push_str("\\\\"),
                        '\t' => out.push_str("\\t"),
                        '\n' => out.push_str("\\n"),
                        '\r' => out.push_str("\\r"),
                        c => out.push(c),
                    }
                }
            }
            Val::Date(v) | Val::OptDate(Some(v)) => {
                let _ = write!(out, "{}", v.format("%F"));
            }
            Val::Bool(v) => out.push(if *v { 't' } else { 'f' }),
            Val::Ts(v) | Val::OptTs(Some(v)) => {
                // Microseconds, as PostgreSQL keeps them and sqlx binds them.
                out.push_str(&v.to_rfc3339_opts(SecondsFormat::Micros, true));
            }
            Val::OptI64(None) | Val::OptText(None) | Val::OptDate(None) | Val::OptTs(None) => {
                out.push_str("\\N");
            }
        }
    }
    out.push('\n');
}

/// Binds one [`Val`] to `$query` (either backend) and evaluates to the query.
macro_rules! bind_val {
    ($query:ident, $value:expr) => {
        match $value {
            $crate::bulk::Val::I64(v) => $query.bind(*v),
            $crate::bulk::Val::OptI64(v) => $query.bind(*v),
            $crate::bulk::Val::Text(v) => $query.bind(v.as_str()),
            $crate::bulk::Val::OptText(v) => $query.bind(v.as_deref()),
            $crate::bulk::Val::Date(v) => $query.bind(*v),
            $crate::bulk::Val::OptDate(v) => $query.bind(*v),
            $crate::bulk::Val::Bool(v) => $query.bind(*v),
            $crate::bulk::Val::Ts(v) => $query.bind(*v),
            $crate::bulk::Val::OptTs(v) => $query.bind(*v),
        }
    };
}
pub(crate) use bind_val;

/// Inserts `rows` into `$table` inside the open transaction `$tx` (either
/// backend). `$table` and `$columns` are compile-time constants of ours;
/// every value is bound.
macro_rules! bulk_insert {
    ($tx:ident, $table:expr, $columns:expr, $rows:expr) => {
        $crate::bulk::bulk_insert!($tx, $table, $columns, $rows, "")
    };
    ($tx:ident, $table:expr, $columns:expr, $rows:expr, $suffix:expr) => {
        $crate::bulk::bulk_insert!($tx, $table, $columns, $rows, $suffix, &|_: u64| {})
    };
    ($tx:ident, $table:expr, $columns:expr, $rows:expr, $suffix:expr, $progress:expr) => {{
        use $crate::bulk::BulkInsert as _;
        let rows: &[Vec<$crate::bulk::Val>] = $rows;
        $tx.insert_rows($table, $columns, rows, $suffix, $progress)
            .await?;
    }};
}
pub(crate) use bulk_insert;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_statements_have_one_placeholder_per_value() {
        assert_eq!(
            insert_sql("t", &["a", "b"], 2, '$'),
            "INSERT INTO t (a, b) VALUES ($1,$2),($3,$4)"
        );
        assert_eq!(
            insert_sql("t", &["a"], 2, '?'),
            "INSERT INTO t (a) VALUES (?),(?)"
        );
        assert_eq!(chunk_rows(16, 1_000), 1_000);
        assert_eq!(chunk_rows(40, 1_000), 800);
    }

    fn awkward_row() -> Vec<Val> {
        let day = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        vec![
            Val::I64(-9_223_372_036_854_775_808),
            Val::OptI64(None),
            Val::Text("tab\there \"quoted\" back\\slash\nline 客户".into()),
            Val::OptText(None),
            Val::Date(day),
            Val::Bool(true),
            Val::Ts(day.and_hms_opt(8, 30, 0).unwrap().and_utc()),
        ]
    }

    #[test]
    fn json_rows_are_one_array_of_arrays_with_every_value_escaped() {
        let mut out = Vec::new();
        json_rows(&mut out, &[awkward_row(), vec![Val::Bool(false)]]).unwrap();
        let text = String::from_utf8(out).unwrap();
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            back,
            serde_json::json!([
                [
                    i64::MIN,
                    null,
                    "tab\there \"quoted\" back\\slash\nline 客户",
                    null,
                    "2026-03-01",
                    true,
                    "2026-03-01T08:30:00+00:00"
                ],
                [false]
            ])
        );
        assert_eq!(
            json_insert_sql("t", &["a", "b"], " ON CONFLICT (a) DO NOTHING"),
            "INSERT INTO t (a, b) SELECT value->>0, value->>1 FROM json_each(?) WHERE true ON CONFLICT (a) DO NOTHING"
        );
    }

    #[test]
    fn copy_rows_escape_what_copy_reads_as_structure() {
        let mut out = String::new();
        copy_row(&mut out, &awkward_row());
        assert_eq!(
            out,
            "-9223372036854775808\t\\N\ttab\\there \"quoted\" back\\\\slash\\nline 客户\t\\N\t2026-03-01\tt\t2026-03-01T08:30:00.000000Z\n"
        );
    }
}
