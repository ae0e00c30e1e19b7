//! Files Attain writes for other programs (payroll, KPI extracts): CSV with
//! every text cell safe to open in a spreadsheet; and the whole company in
//! the generic import layout, for moving it to another database.
//!
//! A cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return is
//! read by Excel, LibreOffice and Google Sheets as a formula, so a person
//! named `=HYPERLINK("http://evil.example","x")` would become a link in the
//! payroll clerk's sheet. Text cells get a leading apostrophe then, which
//! spreadsheets show as plain text; numbers Attain formats itself are
//! written as they are.

use std::borrow::Cow;

/// One cell of a row.
#[derive(Debug, Clone, Copy)]
pub enum Cell<'a> {
    /// Text that came from people or files: names, logins, labels.
    Text(&'a str),
    /// A number, date or code Attain formatted itself.
    Plain(&'a str),
}

/// Text as written into a cell: prefixed with an apostrophe when a
/// spreadsheet would otherwise read it as a formula.
pub fn neutralise(text: &str) -> Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// A CSV file being written in memory.
pub struct CsvOut {
    writer: csv::Writer<Vec<u8>>,
}

impl CsvOut {
    /// A file with this header row.
    pub fn new(header: &[&str]) -> Self {
        let mut out = Self {
            writer: csv::Writer::from_writer(Vec::new()),
        };
        // Writing to memory fails only on a quoting bug; the header is ours.
        let _ = out.writer.write_record(header);
        out
    }

    /// Appends a row.
    pub fn row(&mut self, cells: &[Cell<'_>]) {
        let fields = cells.iter().map(|c| match c {
            Cell::Text(t) => neutralise(t),
            Cell::Plain(p) => Cow::Borrowed(*p),
        });
        // Writing to a Vec cannot fail for I/O reasons.
        let _ = self.writer.write_record(fields.map(|f| f.into_owned()));
    }

    /// The whole file.
    pub fn finish(self) -> String {
        let bytes = self.writer.into_inner().unwrap_or_default();
        String::from_utf8(bytes).unwrap_or_default()
    }
}

/// A whole company's records in the generic import layout, one table per
/// entity that has any (people, customers, …), in the order an import
/// needs them: `attain import all` of the files they are written to, into
/// an empty database, gives the same records back. For administrators
/// (and the shell): it holds everyone's records.
pub async fn company_tables(
    store: &attain_store::Store,
    by: crate::goals::By<'_>,
) -> crate::AppResult<Vec<attain_store::ExportTable>> {
    if let crate::goals::By::Person(p) = by {
        crate::AppError::unless_allowed(
            p.can_manage_users(),
            "only an administrator exports the whole company",
        )?;
    }
    let mut tables = Vec::new();
    for entity in attain_store::export_entities() {
        let table = store.export(entity).await?;
        if !table.rows.is_empty() {
            tables.push(table);
        }
    }
    Ok(tables)
}

/// A table of [`company_tables`] as CSV. Values are written exactly as
/// stored, without the apostrophe that Attain's reports put before a cell
/// a spreadsheet would read as a formula: the files are for importing, and
/// an import must read back the name it wrote.
pub fn table_csv(table: &attain_store::ExportTable) -> crate::AppResult<String> {
    let failed = |e: &dyn std::fmt::Display| {
        crate::AppError::Internal(format!("writing {}.csv: {e}", table.entity))
    };
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record(&table.header)
        .and_then(|()| table.rows.iter().try_for_each(|r| writer.write_record(r)))
        .map_err(|e| failed(&e))?;
    let bytes = writer.into_inner().map_err(|e| failed(&e))?;
    String::from_utf8(bytes).map_err(|e| failed(&e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_that_is_a_formula_is_written_as_text() {
        let mut out = CsvOut::new(&["name", "amount"]);
        out.row(&[
            Cell::Text("=HYPERLINK(\"http://evil.example\",\"x\")"),
            Cell::Plain("-12.50"),
        ]);
        out.row(&[Cell::Text("+1 555"), Cell::Plain("3")]);
        out.row(&[Cell::Text("@SUM(A1)"), Cell::Plain("0")]);
        out.row(&[Cell::Text("-2+3"), Cell::Plain("1")]);
        out.row(&[Cell::Text("\tcmd"), Cell::Plain("1")]);
        out.row(&[Cell::Text("张三, Jr."), Cell::Plain("1")]);
        assert_eq!(
            out.finish(),
            "name,amount\n\
             \"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\",-12.50\n\
             '+1 555,3\n\
             '@SUM(A1),0\n\
             '-2+3,1\n\
             '\tcmd,1\n\
             \"张三, Jr.\",1\n"
        );
    }
}
