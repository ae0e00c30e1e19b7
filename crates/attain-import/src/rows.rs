//! Reading the rows of a mapped file: typed cells, every problem recorded
//! with its row, column and value, and the owners a file names.

use std::collections::HashMap;

use attain_core::ImportProblem;
use attain_core::{Currency, ExternalId, Login, Money, UserId};
use attain_store::{Actor, NewOwner, NewOwners, OwnerRef, Store};
use chrono::{DateTime, NaiveDate, Utc};

use super::mapping::Columns;
use super::parse::{
    DateStyle, DecimalMark, Decimals, MarkEvidence, amount_number, mark_evidence, normalise_number,
    parse_amount_as, parse_date_as, parse_datetime, parse_int_as, parse_percent,
};
use super::source::Table;
use super::{ImportOptions, presets};
use attain_app::AppResult;

/// A file being read: its columns, how it writes dates, the currency of
/// amounts without one, and what was found wrong so far.
pub(crate) struct Sheet<'a> {
    pub file: &'a str,
    pub table: &'a Table,
    pub columns: Columns,
    pub dates: DateStyle,
    pub currency: Currency,
    pub problems: Vec<ImportProblem>,
    pub notes: Vec<String>,
    /// How each column of numbers reads an ambiguous `1.000`.
    decimals: HashMap<usize, Decimals>,
    /// The mapping file's decimal mark, for every number.
    decimal_given: Option<DecimalMark>,
    /// Keys in Attain's own form that stored records have: a row may name
    /// them, no others (see [`super::OWN_KEY_PREFIX`]).
    pub own_keys_in_use: std::collections::HashSet<String>,
    seen: HashMap<String, usize>,
    defaults: Vec<(super::Fallback, usize)>,
    /// The columns no field reads, with how many rows have a value there:
    /// counted when the sheet is made, so the rows may go before the report.
    unused: Vec<super::UnusedColumn>,
}

impl<'a> Sheet<'a> {
    /// Maps the file's columns; `date_fields` are the fields whose values
    /// show the file's date order, `number_fields` those whose values show
    /// its decimal mark.
    /// The file's own problems (cut-off lines) are kept: they are reported
    /// with the rows', or with the header's when the mapping fails.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        table: &'a Table,
        fields: &'static [(&'static str, &'static [&'static str])],
        fallbacks: &[(&str, &[&str])],
        required: &[&str],
        options: &ImportOptions,
        base_currency: Currency,
        date_fields: &[&str],
        number_fields: &[&str],
        file_problems: Vec<ImportProblem>,
    ) -> Result<Self, attain_app::AppError> {
        Self::of_rows(
            table,
            &table.rows,
            fields,
            fallbacks,
            required,
            options,
            base_currency,
            date_fields,
            number_fields,
            file_problems,
        )
    }

    /// [`Self::new`] for a table whose rows are given apart (`table` may
    /// hold only the header): the date order, decimal marks and unused
    /// columns are read from `rows`, which the caller may then consume.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn of_rows(
        table: &'a Table,
        rows: &[(usize, Vec<String>)],
        fields: &'static [(&'static str, &'static [&'static str])],
        fallbacks: &[(&str, &[&str])],
        required: &[&str],
        options: &ImportOptions,
        base_currency: Currency,
        date_fields: &[&str],
        number_fields: &[&str],
        file_problems: Vec<ImportProblem>,
    ) -> Result<Self, attain_app::AppError> {
        let mut sheet = Self::mapped(
            table,
            rows,
            fields,
            fallbacks,
            required,
            options,
            base_currency,
            date_fields,
            number_fields,
        )
        .map_err(|p| super::fail(file_problems.clone(), p))?;
        sheet.problems = file_problems;
        Ok(sheet)
    }

    #[allow(clippy::too_many_arguments)]
    fn mapped(
        table: &'a Table,
        rows: &[(usize, Vec<String>)],
        fields: &'static [(&'static str, &'static [&'static str])],
        fallbacks: &[(&str, &[&str])],
        required: &[&str],
        options: &ImportOptions,
        base_currency: Currency,
        date_fields: &[&str],
        number_fields: &[&str],
    ) -> Result<Self, Vec<ImportProblem>> {
        let file = table.file.as_str();
        let columns = Columns::resolve(
            file,
            &table.header,
            fields,
            fallbacks,
            required,
            &options.mapping,
        )?;
        let currency = match &options.mapping.currency {
            Some(code) => Currency::from_code(code).map_err(|e| {
                vec![ImportProblem {
                    file: file.to_owned(),
                    row: 0,
                    column: None,
                    message: format!("the mapping's currency: {e}"),
                    value: Some(code.clone()),
                }]
            })?,
            None => base_currency,
        };
        let default = options
            .mapping
            .date_style()
            .unwrap_or_else(|| presets::default_date_style(options.preset));
        let date_columns: Vec<usize> = date_fields
            .iter()
            .flat_map(|f| columns.all(f).iter().copied())
            .collect();
        let values = rows.iter().flat_map(|(_, cells)| {
            date_columns
                .iter()
                .filter_map(|&c| cells.get(c).map(String::as_str))
        });
        let (dates, ambiguous) = DateStyle::infer(values, default);
        let mut notes = Vec::new();
        if ambiguous {
            notes.push(format!(
                "dates such as 03/04 were read {} (the preset's default); set date_format in a mapping file if that is wrong",
                if dates == DateStyle::DayFirst { "day first" } else { "month first" }
            ));
        }
        let number_columns: Vec<usize> = number_fields
            .iter()
            .flat_map(|f| columns.all(f).iter().copied())
            .collect();
        let decimals = decimal_marks(rows, &number_columns, options.mapping.decimal, &mut notes);
        let unused = (0..table.header.len())
            .filter(|&i| !columns.uses(i))
            .map(|i| super::UnusedColumn {
                position: i + 1,
                header: table.header[i].clone(),
                values: rows
                    .iter()
                    .filter(|(_, cells)| cells.get(i).is_some_and(|v| !v.is_empty()))
                    .count(),
            })
            .collect();
        Ok(Self {
            file,
            table,
            columns,
            dates,
            currency,
            problems: Vec::new(),
            notes,
            decimals,
            decimal_given: options.mapping.decimal,
            own_keys_in_use: std::collections::HashSet::new(),
            seen: HashMap::new(),
            defaults: Vec::new(),
            unused,
        })
    }

    /// How the numbers of `column` are read (see [`decimal_marks`]).
    fn decimals_of(&self, column: Option<usize>) -> Decimals {
        column
            .and_then(|c| self.decimals.get(&c).copied())
            .or(self.decimal_given.map(Decimals::Given))
            .unwrap_or(Decimals::Unknown)
    }

    /// The reader of one data row. A field whose own cell is empty and
    /// whose value comes from a fallback column is counted for the report.
    pub(crate) fn row<'s>(&'s mut self, line: usize, cells: &'s [String]) -> Row<'s, 'a> {
        let used: Vec<(&'static str, usize)> = self
            .columns
            .with_fallbacks()
            .filter_map(|(field, columns)| {
                let filled = |c: &usize| cells.get(*c).is_some_and(|v| !v.is_empty());
                match columns.iter().position(filled) {
                    Some(i) if i > 0 => Some((field, columns[i])),
                    _ => None,
                }
            })
            .collect();
        for (field, column) in used {
            let column = self.table.header.get(column).cloned().unwrap_or_default();
            self.count(super::Fallback::FromColumn {
                field: field.to_owned(),
                column,
            });
        }
        Row {
            line,
            cells,
            sheet: self,
        }
    }

    /// Counts one row for which `fallback` was used.
    pub(crate) fn count(&mut self, fallback: super::Fallback) {
        match self.defaults.iter_mut().find(|(f, _)| *f == fallback) {
            Some((_, n)) => *n += 1,
            None => self.defaults.push((fallback, 1)),
        }
    }

    /// The columns no field read, with how many rows have a value there.
    pub(crate) fn unused_columns(&self) -> Vec<super::UnusedColumn> {
        self.unused.clone()
    }

    /// The header of the column `field` is read from (the field's name when
    /// none is).
    pub(crate) fn header_of_field(&self, field: &str) -> String {
        self.columns
            .get(field)
            .and_then(|i| self.table.header.get(i))
            .cloned()
            .unwrap_or_else(|| field.to_owned())
    }

    /// What reading the file decided that the person should know.
    pub(crate) fn take_notes(&mut self) -> Vec<String> {
        std::mem::take(&mut self.notes)
    }

    /// What the import will write, before it writes: the report of a dry
    /// run, with the columns no field read and the defaults used.
    pub(crate) fn report(&mut self, records: usize, owners: &Owners) -> super::ImportReport {
        let unused_columns = self.unused_columns();
        super::ImportReport {
            records,
            owners_created: owners.new_names(),
            notes: std::mem::take(&mut self.notes),
            columns: super::matched_columns(&self.columns, &self.table.header),
            unused_columns,
            defaults: std::mem::take(&mut self.defaults)
                .into_iter()
                .map(|(fallback, rows)| super::Defaulted { fallback, rows })
                .collect(),
            ..super::ImportReport::default()
        }
    }

    /// Sorted problems, or `Ok` when there are none.
    pub(crate) fn finish(&mut self) -> Result<(), Vec<ImportProblem>> {
        if self.problems.is_empty() {
            Ok(())
        } else {
            let mut problems = std::mem::take(&mut self.problems);
            problems.sort_by_key(|p| p.row);
            Err(problems)
        }
    }
}

/// The decimal mark of each column of numbers: the mapping file's, else
/// the one the column's unambiguous values show (`12.345,67`, `999,50`),
/// else the one the file's other number columns show; a column whose
/// values show both is conflicting. Where ambiguous values (`1.000`) are
/// read by a mark the values showed, a note says so.
fn decimal_marks(
    rows: &[(usize, Vec<String>)],
    columns: &[usize],
    given: Option<DecimalMark>,
    notes: &mut Vec<String>,
) -> HashMap<usize, Decimals> {
    use std::collections::BTreeSet;
    let mut shown: HashMap<usize, BTreeSet<DecimalMark>> = HashMap::new();
    let mut ambiguous: HashMap<usize, String> = HashMap::new();
    for (_, cells) in rows {
        for &c in columns {
            let Some(value) = cells.get(c).filter(|v| !v.is_empty()) else {
                continue;
            };
            match mark_evidence(&amount_number(value).0) {
                MarkEvidence::Shows(mark) => {
                    shown.entry(c).or_default().insert(mark);
                }
                MarkEvidence::Ambiguous => {
                    ambiguous.entry(c).or_insert_with(|| value.clone());
                }
                MarkEvidence::Silent => {}
            }
        }
    }
    let in_file: BTreeSet<DecimalMark> = shown.values().flatten().copied().collect();
    let mut read_as: std::collections::BTreeMap<DecimalMark, &str> = Default::default();
    let mut assumed: Option<&String> = None;
    let decided = columns
        .iter()
        .map(|&c| {
            let decision = match given {
                Some(mark) => Decimals::Given(mark),
                None => match Decimals::of_shown(shown.get(&c).unwrap_or(&BTreeSet::new())) {
                    Decimals::Unknown => match Decimals::of_shown(&in_file) {
                        // Nothing in the file shows the mark: 1,200 and
                        // 1.200 are twelve hundred, and the report says so.
                        Decimals::Unknown if ambiguous.contains_key(&c) => Decimals::Grouping,
                        from_file => from_file,
                    },
                    own => own,
                },
            };
            match (decision, ambiguous.get(&c)) {
                (Decimals::Shown(mark), Some(example)) => {
                    read_as.entry(mark).or_insert(example);
                }
                (Decimals::Grouping, Some(example)) => {
                    assumed.get_or_insert(example);
                }
                _ => {}
            }
            (c, decision)
        })
        .collect();
    for (mark, example) in read_as {
        notes.push(format!(
            "numbers such as {example} were read with '{}' as their decimal mark, as the file's other amounts show; set decimal in a mapping file if that is wrong",
            mark.char()
        ));
    }
    if let Some(example) = assumed {
        notes.push(format!(
            "no amount in the file shows its decimal mark: numbers such as {example} were read as whole thousands (the separator groups digits); set decimal in a mapping file if they are decimals"
        ));
    }
    decided
}

/// The months for which each currency has an exchange rate: money in a
/// currency other than the base one is converted, wherever a KPI, goal
/// or payout adds it up, at the latest rate on or before its month — an
/// amount without one would make all of them fail later.
pub(crate) struct Rates {
    base: Currency,
    months: std::collections::BTreeSet<(String, String)>,
}

impl Rates {
    /// The stored rates.
    pub(crate) async fn load(store: &Store, base: Currency) -> AppResult<Self> {
        Ok(Self {
            base,
            months: store.exchange_rates().await?.into_keys().collect(),
        })
    }

    /// Why `money` dated `on` cannot be converted to the base currency,
    /// if it cannot: no rate for its currency on or before its month.
    pub(crate) fn missing(&self, money: &Money, on: NaiveDate) -> Option<String> {
        let code = money.currency().code();
        let month = month_of(on);
        let covered = money.currency() == self.base
            || money.amount().is_zero()
            || self
                .months
                .range((code.to_owned(), String::new())..=(code.to_owned(), month.clone()))
                .next()
                .is_some();
        (!covered).then(|| {
            format!(
                "no exchange rate for {code} on or before {month}: import exchange rates for {code} first"
            )
        })
    }
}

/// `2026-06` for a day in June 2026.
fn month_of(on: NaiveDate) -> String {
    on.format("%Y-%m").to_string()
}

/// One data row of a [`Sheet`].
pub(crate) struct Row<'s, 'a> {
    pub line: usize,
    cells: &'s [String],
    sheet: &'s mut Sheet<'a>,
}

impl Row<'_, '_> {
    /// Whether the file has a column for `field`.
    pub(crate) fn has(&self, field: &str) -> bool {
        self.sheet.columns.get(field).is_some()
    }

    /// The column a field's value comes from: the first of its columns
    /// whose cell is not empty, else its own.
    fn source(&self, field: &str) -> Option<usize> {
        let columns = self.sheet.columns.all(field);
        columns
            .iter()
            .copied()
            .find(|&c| self.cells.get(c).is_some_and(|v| !v.is_empty()))
            .or_else(|| columns.first().copied())
    }

    /// The trimmed cell of `field` ("" without a column).
    pub(crate) fn text(&self, field: &str) -> &str {
        self.source(field)
            .and_then(|i| self.cells.get(i))
            .map_or("", |s| s.as_str())
    }

    /// Counts this row for `fallback` in the report.
    pub(crate) fn defaulted(&mut self, fallback: super::Fallback) {
        self.sheet.count(fallback);
    }

    /// The cell of `field`, if not empty.
    pub(crate) fn opt(&self, field: &str) -> Option<String> {
        Some(self.text(field).to_owned()).filter(|s| !s.is_empty())
    }

    /// Records a problem with the cell of `field`.
    pub(crate) fn bad(&mut self, field: &str, message: impl Into<String>) {
        let column = self
            .source(field)
            .and_then(|i| self.sheet.table.header.get(i))
            .cloned()
            .unwrap_or_else(|| field.to_owned());
        let value = self.text(field).to_owned();
        self.sheet.problems.push(ImportProblem {
            file: self.sheet.file.to_owned(),
            row: self.line,
            column: Some(column),
            message: message.into(),
            value: Some(value),
        });
    }

    /// The cell of `field`; empty is a problem (`what` says what is missing).
    pub(crate) fn required(&mut self, field: &str, what: &str) -> Option<String> {
        let value = self.opt(field);
        if value.is_none() {
            self.bad(field, format!("{what} is required"));
        }
        value
    }

    /// Runs a parser on a non-empty cell: `Some(None)` for empty,
    /// `Some(Some(v))` parsed, `None` after recording the problem.
    fn optional<T>(
        &mut self,
        field: &str,
        parse: impl FnOnce(&str, &Sheet<'_>) -> Result<T, String>,
    ) -> Option<Option<T>> {
        let text = self.text(field).to_owned();
        if text.is_empty() {
            return Some(None);
        }
        match parse(&text, self.sheet) {
            Ok(v) => Some(Some(v)),
            Err(e) => {
                self.bad(field, e);
                None
            }
        }
    }

    /// Like [`Self::optional`], but empty is a problem too.
    fn mandatory<T>(
        &mut self,
        field: &str,
        what: &str,
        parse: impl FnOnce(&str, &Sheet<'_>) -> Result<T, String>,
    ) -> Option<T> {
        match self.optional(field, parse) {
            Some(Some(v)) => Some(v),
            Some(None) => {
                self.bad(field, format!("{what} is required"));
                None
            }
            None => None,
        }
    }

    /// A required date.
    pub(crate) fn date(&mut self, field: &str, what: &str) -> Option<NaiveDate> {
        self.mandatory(field, what, |t, s| parse_date_as(t, &s.dates))
    }

    /// An optional date.
    pub(crate) fn opt_date(&mut self, field: &str) -> Option<Option<NaiveDate>> {
        self.optional(field, |t, s| parse_date_as(t, &s.dates))
    }

    /// A required instant.
    pub(crate) fn datetime(&mut self, field: &str, what: &str) -> Option<DateTime<Utc>> {
        self.mandatory(field, what, |t, s| parse_datetime(t, &s.dates))
    }

    /// An optional instant.
    pub(crate) fn opt_datetime(&mut self, field: &str) -> Option<Option<DateTime<Utc>>> {
        self.optional(field, |t, s| parse_datetime(t, &s.dates))
    }

    /// The row's currency: its currency column, or the file's default.
    pub(crate) fn currency(&mut self) -> Option<Currency> {
        let default = self.sheet.currency;
        self.optional("currency", |t, _| {
            Currency::from_code(t).map_err(|e| e.to_string())
        })
        .map(|c| c.unwrap_or(default))
    }

    /// The header of the column a field's value comes from.
    pub(crate) fn header_of(&self, field: &str) -> &str {
        self.source(field)
            .and_then(|i| self.sheet.table.header.get(i))
            .map_or("", String::as_str)
    }

    /// Parses an amount: in the currency the text names (`$1,200`) unless
    /// the row's currency column says otherwise (a problem), else in
    /// `currency`; scaled by 10,000 when the header says 万元.
    fn amount(&self, field: &str, text: &str, currency: Currency) -> Result<Money, String> {
        let named = super::parse::amount_currency(text);
        let currency = match named {
            Some(n) if n != currency && !self.text("currency").is_empty() => {
                return Err(format!(
                    "the amount is in {} but the currency column says {}",
                    n.code(),
                    currency.code()
                ));
            }
            Some(n) => n,
            None => currency,
        };
        let decimals = self.sheet.decimals_of(self.source(field));
        let money = parse_amount_as(text, currency, decimals)?;
        if self.header_of(field).contains('万') && !text.contains('万') {
            return money
                .checked_mul(rust_decimal::Decimal::from(10_000))
                .map_err(|e| e.to_string())
                .and_then(super::parse::storable);
        }
        Ok(money)
    }

    /// A required amount in `currency` (see [`Self::amount`]); negative
    /// amounts are a problem.
    pub(crate) fn money(&mut self, field: &str, what: &str, currency: Currency) -> Option<Money> {
        let text = self.text(field).to_owned();
        let m = self.mandatory(field, what, |_, _| Ok(())).and_then(|()| {
            self.amount(field, &text, currency)
                .map_err(|e| self.bad(field, e))
                .ok()
        })?;
        if m.amount().is_sign_negative() {
            self.bad(field, format!("{what} cannot be negative"));
            return None;
        }
        self.note_rounding(field, &m);
        Some(m)
    }

    /// Whether `money` of `field`, dated `on`, can be converted to the
    /// base currency; if not, a problem of the row (on its currency
    /// column, if it has one) names the currency and the month.
    pub(crate) fn convertible(
        &mut self,
        rates: &Rates,
        field: &str,
        money: &Money,
        on: NaiveDate,
    ) -> bool {
        let Some(message) = rates.missing(money, on) else {
            return true;
        };
        let field = if self.text("currency").is_empty() {
            field
        } else {
            "currency"
        };
        self.bad(field, message);
        false
    }

    /// Counts an amount with more decimals than its currency keeps: it is
    /// stored rounded half-even, and the report says so.
    fn note_rounding(&mut self, field: &str, m: &Money) {
        if m.rounded() != *m {
            let column = self.header_of(field).to_owned();
            self.defaulted(super::Fallback::AmountRounded { column });
        }
    }

    /// An optional non-negative amount.
    pub(crate) fn opt_money(&mut self, field: &str, currency: Currency) -> Option<Option<Money>> {
        let text = self.text(field).to_owned();
        let m = if text.is_empty() {
            None
        } else {
            Some(
                self.amount(field, &text, currency)
                    .map_err(|e| self.bad(field, e))
                    .ok()?,
            )
        };
        if m.is_some_and(|m| m.amount().is_sign_negative()) {
            self.bad(field, "cannot be negative");
            return None;
        }
        if let Some(m) = &m {
            self.note_rounding(field, m);
        }
        Some(m)
    }

    /// A decimal number (an exchange rate), its separators read like an
    /// amount's; `None` for an empty cell.
    pub(crate) fn number(&self, field: &str) -> Option<Result<rust_decimal::Decimal, String>> {
        let text = self.text(field);
        if text.is_empty() {
            return None;
        }
        let decimals = self.sheet.decimals_of(self.source(field));
        let (compact, _, _) = amount_number(text);
        Some(
            normalise_number(&compact, decimals)
                .map_err(|e| e.describe("a number"))
                .and_then(|n| n.parse().map_err(|_| "not a number".to_owned())),
        )
    }

    /// An optional whole number within `range`.
    pub(crate) fn opt_int(
        &mut self,
        field: &str,
        range: std::ops::RangeInclusive<i64>,
    ) -> Option<Option<i64>> {
        let decimals = self.sheet.decimals_of(self.source(field));
        self.optional(field, |t, _| {
            let v = parse_int_as(t, decimals)?;
            if range.contains(&v) {
                Ok(v)
            } else {
                Err(format!(
                    "must be between {} and {}",
                    range.start(),
                    range.end()
                ))
            }
        })
    }

    /// An optional percentage.
    pub(crate) fn opt_percent(&mut self, field: &str) -> Option<Option<u8>> {
        self.optional(field, |t, _| parse_percent(t))
    }

    /// A value from a fixed list: `choose` maps the lower-cased cell to a
    /// value; `expected` lists the accepted words for the message.
    pub(crate) fn choice<T>(
        &mut self,
        field: &str,
        expected: &str,
        choose: impl FnOnce(&str) -> Option<T>,
    ) -> Option<Option<T>> {
        self.optional(field, |t, _| {
            choose(&t.to_lowercase()).ok_or_else(|| format!("expected {expected}"))
        })
    }

    /// The record's key: the file's ID column (Zoho's `zcrm_` prefix
    /// dropped), or `derived` when the file has none. A key seen earlier in
    /// the file is a problem.
    pub(crate) fn key(
        &mut self,
        field: &str,
        derived: impl FnOnce() -> String,
    ) -> Option<ExternalId> {
        let text = match self.text(field) {
            "" => derived(),
            id if super::is_own_key(id) && !self.sheet.own_keys_in_use.contains(id) => {
                self.bad(
                    field,
                    format!(
                        "IDs beginning with '{}' are the ones Attain gives records that have none, and no record has this one; choose another ID",
                        super::OWN_KEY_PREFIX
                    ),
                );
                return None;
            }
            id => id.trim_start_matches("zcrm_").to_owned(),
        };
        let key = match ExternalId::new(&text) {
            Ok(k) => k,
            Err(e) => {
                self.bad(field, e.to_string());
                return None;
            }
        };
        if let Some(first) = self.sheet.seen.insert(text, self.line) {
            self.bad(
                field,
                format!("the same record appears twice in the file (first on line {first})"),
            );
            return None;
        }
        Some(key)
    }

    /// A key derived from the row's content, numbered so that two rows
    /// with the same content (two equal payments on one day) stay two.
    pub(crate) fn derived_key(&self, prefix: &str, fields: &[&str]) -> String {
        let parts: Vec<&str> = fields.iter().map(|f| self.text(f)).collect();
        let base = format!("{prefix}:{}", parts.join("|"));
        let mut n = 1;
        let mut key = base.clone();
        while self.sheet.seen.contains_key(&key) {
            n += 1;
            key = format!("{base}#{n}");
        }
        key
    }

    /// The row's owner from the `owner` (login, e-mail or name) and
    /// `owner_external_id` columns; `None` (with the problem recorded at
    /// the end) for an unknown owner.
    pub(crate) fn owner(&mut self, owners: &mut Owners, what: &str) -> Option<OwnerRef> {
        let external = self
            .text("owner_external_id")
            .trim_start_matches("zcrm_")
            .to_owned();
        let name = self.text("owner").to_owned();
        if name.is_empty() && external.is_empty() {
            let field = if self.has("owner") {
                "owner"
            } else {
                "owner_external_id"
            };
            self.bad(field, format!("{what} needs an owner"));
            return None;
        }
        let field = if name.is_empty() {
            "owner_external_id"
        } else {
            "owner"
        };
        let column = self.header_of(field).to_owned();
        owners.resolve(&name, &external, self.line, &column)
    }

    /// An optional owner (customers and contacts may have none).
    pub(crate) fn opt_owner(&mut self, owners: &mut Owners) -> Option<Option<OwnerRef>> {
        if self.text("owner").is_empty() && self.text("owner_external_id").is_empty() {
            return Some(None);
        }
        self.owner(owners, "").map(Some)
    }
}

/// Who the owner columns of a file name: existing users by external ID,
/// then login, then e-mail, then display name — the first of these that
/// any active user has decides, and a value several people share at that
/// level is a problem listing their logins; the rest unknown (a problem
/// per row and one listing them all) or, with `--create-missing-owners`,
/// to be created.
pub(crate) struct Owners {
    by_external: HashMap<String, Vec<Person>>,
    by_login: HashMap<String, Person>,
    by_email: HashMap<String, Vec<Person>>,
    by_name: HashMap<String, Vec<Person>>,
    taken_logins: std::collections::HashSet<String>,
    create: bool,
    new: Vec<(String, Option<String>)>,
    new_index: HashMap<String, usize>,
    unknown: Vec<(usize, String, String)>,
    /// (line, column, value, why): owners several people could be.
    ambiguous: Vec<(usize, String, String, String)>,
}

/// An active user an owner value may name.
#[derive(Debug, Clone)]
struct Person {
    id: UserId,
    login: String,
}

/// What an owner value names.
enum Found {
    /// One person.
    One(UserId),
    /// Several people at the first level any matched: why, in words.
    Several(String),
    /// Nobody.
    Nobody,
}

impl Found {
    fn of(people: &[Person], value: &str, level: &str) -> Self {
        match people {
            [] => Self::Nobody,
            [one] => Self::One(one.id),
            several => {
                let mut logins: Vec<&str> = several.iter().map(|p| p.login.as_str()).collect();
                logins.sort_unstable();
                Self::Several(format!(
                    "'{value}' is the {level} of several people ({}): write the login of the one meant",
                    logins.join(", ")
                ))
            }
        }
    }
}

impl Owners {
    /// Active users, indexed.
    pub(crate) async fn load(store: &Store, create: bool) -> AppResult<Self> {
        let mut owners = Self {
            by_external: HashMap::new(),
            by_login: HashMap::new(),
            by_email: HashMap::new(),
            by_name: HashMap::new(),
            taken_logins: std::collections::HashSet::new(),
            create,
            new: Vec::new(),
            new_index: HashMap::new(),
            unknown: Vec::new(),
            ambiguous: Vec::new(),
        };
        for u in store.users().await? {
            owners.taken_logins.insert(u.login.as_str().to_owned());
            if !u.active {
                continue;
            }
            let person = Person {
                id: u.id,
                login: u.login.as_str().to_owned(),
            };
            owners
                .by_login
                .insert(u.login.as_str().to_lowercase(), person.clone());
            owners
                .by_name
                .entry(u.display_name.trim().to_lowercase())
                .or_default()
                .push(person.clone());
            if let Some(e) = u.email.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
                owners
                    .by_email
                    .entry(e.to_lowercase())
                    .or_default()
                    .push(person.clone());
            }
            if let Some(x) = &u.external_id {
                owners
                    .by_external
                    .entry(x.as_str().to_owned())
                    .or_default()
                    .push(person);
            }
        }
        Ok(owners)
    }

    /// The person a value names: by external ID, then login, then e-mail,
    /// then display name; the first level with a match decides.
    fn find(&self, value: &str) -> Found {
        let value = value.trim();
        if value.is_empty() {
            return Found::Nobody;
        }
        let key = value.to_lowercase();
        if let Some(people) = self.by_external.get(value) {
            return Found::of(people, value, "external ID");
        }
        if let Some(person) = self.by_login.get(&key) {
            return Found::One(person.id);
        }
        if let Some(people) = self.by_email.get(&key) {
            return Found::of(people, value, "e-mail");
        }
        match self.by_name.get(&key) {
            Some(people) => Found::of(people, value, "name"),
            None => Found::Nobody,
        }
    }

    /// An existing user by external ID, login, e-mail or name (no
    /// creation): for enrolments, which name people rather than owners.
    /// `Err` says which people a shared value could be.
    pub(crate) fn existing(&self, name: &str) -> Result<Option<UserId>, String> {
        match self.find(name) {
            Found::One(id) => Ok(Some(id)),
            Found::Several(why) => Err(why),
            Found::Nobody => Ok(None),
        }
    }

    fn resolve(
        &mut self,
        name: &str,
        external: &str,
        line: usize,
        column: &str,
    ) -> Option<OwnerRef> {
        let by_external = match self.by_external.get(external) {
            Some(people) if !external.is_empty() => Found::of(people, external, "external ID"),
            _ => Found::Nobody,
        };
        let found = match by_external {
            Found::Nobody => self.find(name),
            found => found,
        };
        match found {
            Found::One(id) => return Some(OwnerRef::Existing(id)),
            Found::Several(why) => {
                let shown = if name.trim().is_empty() {
                    external
                } else {
                    name.trim()
                };
                self.ambiguous
                    .push((line, column.to_owned(), shown.to_owned(), why));
                return None;
            }
            Found::Nobody => {}
        }
        let key = if external.is_empty() {
            name.trim().to_lowercase()
        } else {
            external.to_owned()
        };
        if self.create {
            let index = match self.new_index.get(&key) {
                Some(&i) => i,
                None => {
                    let display = if name.trim().is_empty() {
                        external
                    } else {
                        name.trim()
                    };
                    self.new.push((
                        display.to_owned(),
                        Some(external.to_owned()).filter(|e| !e.is_empty()),
                    ));
                    self.new_index.insert(key, self.new.len() - 1);
                    self.new.len() - 1
                }
            };
            return Some(OwnerRef::New(index));
        }
        let shown = if name.trim().is_empty() {
            external
        } else {
            name.trim()
        };
        self.unknown
            .push((line, column.to_owned(), shown.to_owned()));
        None
    }

    /// Records the owners that could not be found as problems: one per
    /// row, one that lists every unknown name, and one per row naming a
    /// value several people share.
    pub(crate) fn report_problems(&self, sheet: &mut Sheet<'_>) {
        for (line, column, value, why) in &self.ambiguous {
            sheet.problems.push(ImportProblem {
                file: sheet.file.to_owned(),
                row: *line,
                column: Some(column.clone()),
                message: format!("more than one person could be meant: {why}"),
                value: Some(value.clone()),
            });
        }
        if self.unknown.is_empty() {
            return;
        }
        let mut names: Vec<&str> = self.unknown.iter().map(|(_, _, n)| n.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        sheet.problems.push(ImportProblem {
            file: sheet.file.to_owned(),
            row: 0,
            column: None,
            message: format!(
                "{} unknown owner(s): {} (add them as users, or import with --create-missing-owners)",
                names.len(),
                names.join(", ")
            ),
            value: None,
        });
        for (line, column, name) in &self.unknown {
            sheet.problems.push(ImportProblem {
                file: sheet.file.to_owned(),
                row: *line,
                column: Some(column.clone()),
                message: "unknown owner: no user has this login, e-mail, name or ID".into(),
                value: Some(name.clone()),
            });
        }
    }

    /// Names of the owners the import creates.
    pub(crate) fn new_names(&self) -> Vec<String> {
        self.new.iter().map(|(n, _)| n.clone()).collect()
    }

    /// The people to create, with unused logins and one unknown password.
    pub(crate) async fn new_owners(&self, actor: Option<Actor>) -> AppResult<NewOwners> {
        if self.new.is_empty() {
            return Ok(NewOwners::default());
        }
        // Nobody learns this password: an admin resets it to let a person in.
        let hash = attain_app::auth::hash_password(&attain_app::secrets::new_password()?).await?;
        let mut taken = self.taken_logins.clone();
        let mut people = Vec::with_capacity(self.new.len());
        for (i, (name, external)) in self.new.iter().enumerate() {
            let base = name
                .split('@')
                .next()
                .unwrap_or_default()
                .to_lowercase()
                .replace(' ', ".");
            let mut login = Login::new(&base)
                .map(|l| l.to_string())
                .unwrap_or_else(|_| format!("imported.{}", i + 1));
            let mut n = 1;
            while taken.contains(&login) {
                n += 1;
                login = format!("imported.{}.{n}", i + 1);
            }
            taken.insert(login.clone());
            people.push(NewOwner {
                login: Login::new(&login)
                    .map_err(|e| attain_app::AppError::Internal(e.to_string()))?,
                display_name: name.clone(),
                email: name.contains('@').then(|| name.clone()),
                external_id: external.as_ref().and_then(|e| ExternalId::new(e).ok()),
                password_hash: hash.clone(),
            });
        }
        Ok(NewOwners { people, actor })
    }
}
