//! Storage errors in the caller's terms.

/// What went wrong in storage. The web layer maps these to HTTP statuses;
/// nothing here knows HTTP.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database URL or options are unusable.
    #[error("database configuration: {0}")]
    Config(String),
    /// The record asked for does not exist.
    #[error("{entity} {id} not found")]
    NotFound {
        /// What kind of record.
        entity: &'static str,
        /// Its identifier as given.
        id: String,
    },
    /// A unique value is already taken (a login, an external ID, a second root).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The change breaks a rule of the data (a missing parent, a bad value).
    #[error("invalid: {0}")]
    Invalid(String),
    /// Stored data could not be read back into domain types.
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// Migrations could not be applied.
    #[error("migration {version} ({name}): {message}")]
    Migration {
        /// The migration's version.
        version: i64,
        /// The migration's name.
        name: String,
        /// What failed.
        message: String,
    },
    /// The database itself failed (connection lost, disk full, ...).
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
}

impl StoreError {
    /// A batch's store used after the batch committed or rolled back.
    pub(crate) fn batch_ended() -> Self {
        Self::Invalid("the import batch has already ended".into())
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        use sqlx::error::ErrorKind;
        if let Some(db) = err.as_database_error() {
            let message = db.message().to_owned();
            // A sum past i64 (SQLite's "integer overflow", PostgreSQL's
            // numeric_value_out_of_range) is a figure too large, not an outage.
            // A NUL in text: PostgreSQL refuses it (22021), in the user's terms.
            if db.code().as_deref() == Some("22021") {
                return StoreError::Invalid(
                    "the text contains a character that cannot be stored (a NUL byte)".into(),
                );
            }
            if message.contains("integer overflow") || db.code().as_deref() == Some("22003") {
                return StoreError::Invalid(format!(
                    "a total is larger than Attain can add up (about 9.2 × 10^18 of the smallest unit): {message}"
                ));
            }
            let violation = Violation::of(db);
            match db.kind() {
                ErrorKind::UniqueViolation => return StoreError::Conflict(violation.unique()),
                ErrorKind::ForeignKeyViolation => {
                    return StoreError::Invalid(violation.foreign_key());
                }
                ErrorKind::NotNullViolation => return StoreError::Invalid(violation.not_null()),
                ErrorKind::CheckViolation => return StoreError::Invalid(message),
                _ => {}
            }
        }
        StoreError::Database(err)
    }
}

/// What a constraint violation is about, as far as the backend says: the
/// table written, its columns, and for a refused delete the table whose
/// record was to go. SQLite says `UNIQUE constraint failed: deals.external_id`
/// or only `FOREIGN KEY constraint failed`; PostgreSQL gives the table, and
/// the columns in its detail (`Key (external_id)=(…) already exists.`).
#[derive(Debug, Default, PartialEq, Eq)]
struct Violation {
    table: Option<String>,
    columns: Vec<String>,
    /// A delete (or key change) refused because other records refer to
    /// this table's record.
    referenced: Option<String>,
}

/// The kind of record `table` holds, in words (`survey_responses` →
/// `survey response`).
pub(crate) fn record_noun(table: &str) -> String {
    match table {
        "users" => "user".to_owned(),
        "org_units" => "org unit".to_owned(),
        "order_lines" => "order line".to_owned(),
        "survey_responses" => "survey response".to_owned(),
        "spend" => "spend record".to_owned(),
        "market_sizes" => "market size".to_owned(),
        "exchange_rates" => "exchange rate".to_owned(),
        "api_tokens" => "API token".to_owned(),
        "plan_rates" => "plan rate".to_owned(),
        "custom_metrics" => "custom metric".to_owned(),
        "payout_runs" => "payout run".to_owned(),
        "plan_assignments" => "plan assignment".to_owned(),
        "import_uploads" => "upload".to_owned(),
        "deal_stage_history" => "stage change".to_owned(),
        "activities" => "activity".to_owned(),
        "territories" => "territory".to_owned(),
        other => other.strip_suffix('s').unwrap_or(other).replace('_', " "),
    }
}

/// The quoted name after `prefix` in `text`.
fn quoted_after(text: &str, prefix: &str) -> Option<String> {
    let rest = &text[text.find(prefix)? + prefix.len()..];
    let rest = rest.strip_prefix('"')?;
    Some(rest[..rest.find('"')?].to_owned())
}

/// `lower(login)` → `login`: the column inside an expression index.
fn column_name(expression: &str) -> String {
    let inner = match (expression.find('('), expression.rfind(')')) {
        (Some(open), Some(close)) if open < close => &expression[open + 1..close],
        _ => expression,
    };
    inner.trim().trim_matches('"').to_owned()
}

impl Violation {
    fn of(db: &dyn sqlx::error::DatabaseError) -> Self {
        let message = db.message();
        if let Some(pg) = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
            let columns: Vec<String> = pg
                .detail()
                .and_then(|d| {
                    let start = d.find("Key (")? + "Key (".len();
                    let end = start + d[start..].find(")=")?;
                    Some(d[start..end].to_owned())
                })
                .map(|list| list.split(", ").map(column_name).collect())
                .unwrap_or_default();
            let table = pg
                .table()
                .map(str::to_owned)
                .or_else(|| quoted_after(message, "of relation "));
            let columns = match (pg.column(), columns) {
                (Some(c), found) if found.is_empty() => vec![c.to_owned()],
                (_, found) => found,
            };
            return Self {
                table,
                columns,
                referenced: message
                    .starts_with("update or delete on table")
                    .then(|| quoted_after(message, "on table "))
                    .flatten(),
            };
        }
        // SQLite: "UNIQUE constraint failed: t.a, t.b", "NOT NULL constraint failed: t.a".
        let Some((_, list)) = message.split_once("constraint failed: ") else {
            return Self::default();
        };
        let mut table = None;
        let mut columns = Vec::new();
        for qualified in list.split(", ") {
            if let Some((t, c)) = qualified.trim().split_once('.') {
                table.get_or_insert_with(|| t.to_owned());
                columns.push(c.to_owned());
            }
        }
        Self {
            table,
            columns,
            referenced: None,
        }
    }

    /// The kind of record a table holds, in words.
    fn kind(table: Option<&str>) -> String {
        table.map_or_else(|| "record".to_owned(), record_noun)
    }

    /// A column in words.
    fn field(column: &str) -> String {
        match column {
            "external_id" => "external ID".to_owned(),
            "sku" => "SKU".to_owned(),
            "email" => "e-mail".to_owned(),
            other => other.strip_suffix("_id").unwrap_or(other).replace('_', " "),
        }
    }

    /// The fields, as a list in words (`segment, region and period`).
    fn fields(&self) -> Option<String> {
        let words: Vec<String> = self.columns.iter().map(|c| Self::field(c)).collect();
        match words.split_last() {
            None => None,
            Some((last, [])) => Some(last.clone()),
            Some((last, rest)) => Some(format!("{} and {last}", rest.join(", "))),
        }
    }

    fn unique(&self) -> String {
        let kind = Self::kind(self.table.as_deref());
        match self.fields() {
            Some(fields) => format!("another {kind} already has this {fields}"),
            None => format!("another {kind} already has this value"),
        }
    }

    fn foreign_key(&self) -> String {
        if let Some(referenced) = &self.referenced {
            return format!(
                "this {} cannot be deleted or changed: other records still refer to it ({}s)",
                Self::kind(Some(referenced)),
                Self::kind(self.table.as_deref())
            );
        }
        match (&self.table, self.columns.first()) {
            (Some(table), Some(column)) => format!(
                "a {} names a {} that does not exist",
                Self::kind(Some(table)),
                Self::field(column)
            ),
            // SQLite says no more than that a reference broke.
            _ => "other records still refer to it, or it names a record that does not exist"
                .to_owned(),
        }
    }

    fn not_null(&self) -> String {
        match self.fields() {
            Some(fields) => format!("a {} needs a {fields}", Self::kind(self.table.as_deref())),
            None => "a required value is missing".to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constraint_violations_read_as_sentences_about_records_and_fields() {
        let v = |table: &str, columns: &[&str]| Violation {
            table: Some(table.into()),
            columns: columns.iter().map(|c| (*c).to_owned()).collect(),
            referenced: None,
        };
        assert_eq!(
            v("deals", &["external_id"]).unique(),
            "another deal already has this external ID"
        );
        assert_eq!(
            v("market_sizes", &["segment", "region", "period"]).unique(),
            "another market size already has this segment, region and period"
        );
        assert_eq!(
            v("deals", &["customer_id"]).foreign_key(),
            "a deal names a customer that does not exist"
        );
        let refused = Violation {
            referenced: Some("customers".into()),
            ..v("deals", &["id"])
        };
        assert_eq!(
            refused.foreign_key(),
            "this customer cannot be deleted or changed: other records still refer to it (deals)"
        );
        assert_eq!(column_name("lower(login)"), "login");
        assert_eq!(
            quoted_after(
                "null value in column \"name\" of relation \"deals\"",
                "of relation "
            ),
            Some("deals".into())
        );
    }
}
