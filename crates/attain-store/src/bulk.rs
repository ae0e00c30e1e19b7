//! Batched multi-row inserts, the way large loads (imports, the demo) reach
//! the database: one statement per chunk of rows, as many rows as the
//! backend's bind limit allows, inside the caller's transaction.

use chrono::{DateTime, NaiveDate, Utc};

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

/// Rows per statement for a table of `columns` columns.
pub(crate) fn chunk_rows(columns: usize, max_rows: usize) -> usize {
    (MAX_PARAMS / columns.max(1)).clamp(1, max_rows)
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
        $crate::bulk::bulk_insert!($tx, $table, $columns, $rows, $suffix, |_: u64| {})
    };
    ($tx:ident, $table:expr, $columns:expr, $rows:expr, $suffix:expr, $progress:expr) => {{
        let columns: &[&str] = $columns;
        let rows: &[Vec<$crate::bulk::Val>] = $rows;
        let (prefix, max_rows) = $crate::bulk::dialect_of(&$tx);
        for chunk in rows.chunks($crate::bulk::chunk_rows(columns.len(), max_rows)) {
            let mut sql = $crate::bulk::insert_sql($table, columns, chunk.len(), prefix);
            sql.push_str($suffix);
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for row in chunk {
                for value in row {
                    query = $crate::bulk::bind_val!(query, value);
                }
            }
            query.execute(&mut *$tx).await?;
            ($progress)(chunk.len() as u64);
        }
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
}
