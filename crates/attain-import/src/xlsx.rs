//! Writing a table as an XLSX workbook (`attain export --format xlsx`): one
//! sheet, every cell a text cell, so a spreadsheet shows each value as it
//! was stored (no formula, no date or number guessed from it) and the
//! importer reads it back exactly.

use std::io::Write;

/// The most rows a sheet holds (Excel's limit, the header included).
pub const MAX_ROWS: usize = 1_048_576;

/// Why a table cannot be a workbook.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum XlsxError {
    /// More rows than a sheet holds.
    #[error(
        "{rows} rows do not fit in a sheet (at most {MAX_ROWS}, with the header): export as CSV"
    )]
    TooManyRows {
        /// The table's rows.
        rows: usize,
    },
    /// A value holds a control character XML cannot carry.
    #[error(
        "row {row}, column {column}: the value holds a control character a workbook cannot keep: export as CSV"
    )]
    ControlCharacter {
        /// The data row, from 1.
        row: usize,
        /// The column's header.
        column: String,
    },
    /// The zip container could not be written.
    #[error("writing the workbook: {0}")]
    Zip(String),
}

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#;

const ROOT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;

const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#;

fn escape(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
}

/// A column's letters (`A`, …, `Z`, `AA`, …) from its index, from 0.
fn column_letters(mut index: usize) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push(b'A' + u8::try_from(index % 26).unwrap_or(0));
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
}

/// One sheet named `sheet` with `header` and `rows`, every cell text.
pub fn workbook(sheet: &str, header: &[&str], rows: &[Vec<String>]) -> Result<Vec<u8>, XlsxError> {
    if rows.len() >= MAX_ROWS {
        return Err(XlsxError::TooManyRows { rows: rows.len() });
    }
    let mut xml = String::with_capacity(256 + rows.len() * header.len() * 24);
    xml.push_str(r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#);
    let header_row: Vec<String> = header.iter().map(|h| (*h).to_owned()).collect();
    for (r, cells) in std::iter::once(&header_row).chain(rows).enumerate() {
        xml.push_str(&format!(r#"<row r="{}">"#, r + 1));
        for (c, value) in cells.iter().enumerate() {
            if value.is_empty() {
                continue;
            }
            if value
                .chars()
                .any(|ch| ch.is_control() && !matches!(ch, '\t' | '\n' | '\r'))
            {
                return Err(XlsxError::ControlCharacter {
                    row: r,
                    column: header.get(c).copied().unwrap_or_default().to_owned(),
                });
            }
            xml.push_str(&format!(
                r#"<c r="{}{}" t="inlineStr"><is><t xml:space="preserve">"#,
                column_letters(c),
                r + 1
            ));
            escape(value, &mut xml);
            xml.push_str("</t></is></c>");
        }
        xml.push_str("</row>");
    }
    xml.push_str("</sheetData></worksheet>");
    let mut name = String::new();
    // A sheet name is at most 31 characters, without []:*?/\.
    let short: String = sheet
        .chars()
        .filter(|c| !"[]:*?/\\".contains(*c))
        .take(31)
        .collect();
    escape(&short, &mut name);
    let workbook = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>"#
    );
    let zip_error = |e: &dyn std::fmt::Display| XlsxError::Zip(e.to_string());
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (path, text) in [
        ("[Content_Types].xml", CONTENT_TYPES),
        ("_rels/.rels", ROOT_RELS),
        ("xl/workbook.xml", workbook.as_str()),
        ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
        ("xl/worksheets/sheet1.xml", xml.as_str()),
    ] {
        zip.start_file(path, options).map_err(|e| zip_error(&e))?;
        zip.write_all(text.as_bytes()).map_err(|e| zip_error(&e))?;
    }
    let cursor = zip.finish().map_err(|e| zip_error(&e))?;
    Ok(cursor.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_lettered_as_spreadsheets_letter_them() {
        let letters: Vec<String> = [0, 25, 26, 27, 51, 52, 701, 702]
            .into_iter()
            .map(column_letters)
            .collect();
        assert_eq!(letters, ["A", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA"]);
    }

    #[test]
    fn a_workbook_reads_back_cell_for_cell_as_text() {
        let rows = vec![
            vec![
                "O1".to_owned(),
                "=SUM(A1)".to_owned(),
                String::new(),
                "1200.50".to_owned(),
            ],
            vec![
                "O2".to_owned(),
                "<Beta & \"Co\">".to_owned(),
                "华东".to_owned(),
                "007".to_owned(),
            ],
        ];
        let bytes = workbook("orders", &["number", "name", "region", "amount"], &rows).unwrap();
        let (table, problems) = crate::read_any("orders.xlsx", &bytes).unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(table.header, ["number", "name", "region", "amount"]);
        let read: Vec<Vec<String>> = table.rows.into_iter().map(|(_, cells)| cells).collect();
        assert_eq!(read, rows);
    }

    #[test]
    fn a_value_a_workbook_cannot_keep_is_refused_by_row_and_column() {
        let rows = vec![vec!["a\u{1}b".to_owned()]];
        assert_eq!(
            workbook("x", &["name"], &rows),
            Err(XlsxError::ControlCharacter {
                row: 1,
                column: "name".into()
            })
        );
    }
}
