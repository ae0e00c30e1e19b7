//! From a file's bytes to a table of trimmed strings: CSV (any delimiter,
//! UTF-8 with or without BOM, or GB18030 as Chinese Excel saves it) or XLSX.

use super::parse::ImportProblem;

/// A decoded file: its header and rows, cells trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// File name, for messages.
    pub file: String,
    /// Column headers.
    pub header: Vec<String>,
    /// Rows, each as long as the header, with their 1-based line numbers.
    pub rows: Vec<(usize, Vec<String>)>,
}

/// UTF-8 (a BOM is dropped) or, when the bytes are not UTF-8, GB18030 (a
/// superset of GBK, as Chinese Excel saves CSV).
fn decode(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => encoding_rs::GB18030.decode(bytes).0.into_owned(),
    }
}

/// The delimiter that splits the header line into the most columns.
fn sniff_delimiter(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or_default();
    [b',', b';', b'\t', b'|']
        .into_iter()
        .max_by_key(|d| header.bytes().filter(|b| b == d).count())
        .unwrap_or(b',')
}

/// Decodes and splits a CSV file. A row with a different number of cells
/// than the header (a truncated last line, a stray delimiter) is a problem;
/// the well-formed rows are returned beside those problems so that every
/// bad row of a file is reported at once.
pub fn read_table(
    file: &str,
    bytes: &[u8],
) -> Result<(Table, Vec<ImportProblem>), Vec<ImportProblem>> {
    let text = decode(bytes);
    let problem = |row: usize, message: String| ImportProblem {
        file: file.to_owned(),
        row,
        column: None,
        message,
        value: None,
    };
    if text.trim().is_empty() {
        return Err(vec![problem(0, "the file is empty".into())]);
    }
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(sniff_delimiter(&text))
        .flexible(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|c| c.trim().to_owned()).collect(),
        Err(e) => return Err(vec![problem(1, format!("cannot read the header: {e}"))]),
    };
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for record in reader.records() {
        match record {
            Ok(r) => {
                let line = r
                    .position()
                    .map_or(0, |p| usize::try_from(p.line()).unwrap_or(0));
                if r.iter().all(|c| c.trim().is_empty()) {
                    continue;
                }
                if r.len() != header.len() {
                    problems.push(problem(line, format!("has {} cells, the header has {} (a cut-off line or a stray delimiter?)", r.len(), header.len())));
                    continue;
                }
                rows.push((line, r.iter().map(|c| c.trim().to_owned()).collect()));
            }
            Err(e) => {
                let line = e
                    .position()
                    .map_or(0, |p| usize::try_from(p.line()).unwrap_or(0));
                problems.push(problem(line, format!("cannot be read: {e}")));
            }
        }
    }
    Ok((
        Table {
            file: file.to_owned(),
            header,
            rows,
        },
        problems,
    ))
}

/// Whether the bytes are an XLSX workbook (a ZIP archive).
fn is_xlsx(file: &str, bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || file.to_ascii_lowercase().ends_with(".xlsx")
}

/// Reads a CSV or XLSX file (the first worksheet of a workbook).
pub fn read_any(
    file: &str,
    bytes: &[u8],
) -> Result<(Table, Vec<ImportProblem>), Vec<ImportProblem>> {
    if is_xlsx(file, bytes) {
        read_xlsx(file, bytes)
    } else {
        read_table(file, bytes)
    }
}

/// A cell as text the value parsers understand: whole numbers without a
/// fraction, dates as ISO dates, date-times as ISO date-times.
fn cell_text(cell: &calamine::Data) -> String {
    use calamine::Data;
    match cell {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.trim().to_owned(),
        Data::Int(i) => i.to_string(),
        // Display prints the shortest text that reads back as the same
        // float: what Excel shows for 1234.56, never 1234.5599999.
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => match d.as_datetime() {
            Some(t) if t.time() == chrono::NaiveTime::MIN => t.date().to_string(),
            Some(t) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
            None => d.to_string(),
        },
        Data::Error(e) => format!("#{e}"),
    }
}

/// Reads the first worksheet of an XLSX workbook; row numbers are the
/// spreadsheet's own.
fn read_xlsx(file: &str, bytes: &[u8]) -> Result<(Table, Vec<ImportProblem>), Vec<ImportProblem>> {
    use calamine::Reader;
    let problem = |row: usize, message: String| ImportProblem {
        file: file.to_owned(),
        row,
        column: None,
        message,
        value: None,
    };
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes))
        .map_err(|e| vec![problem(0, format!("not a readable XLSX workbook: {e}"))])?;
    let range = match book.worksheet_range_at(0) {
        Some(Ok(range)) => range,
        Some(Err(e)) => {
            return Err(vec![problem(
                0,
                format!("cannot read the first worksheet: {e}"),
            )]);
        }
        None => return Err(vec![problem(0, "the workbook has no worksheet".into())]),
    };
    let first_row = range.start().map_or(0, |(r, _)| r as usize);
    let mut rows = range.rows().enumerate();
    let header: Vec<String> = match rows.next() {
        Some((_, cells)) => cells.iter().map(cell_text).collect(),
        None => return Err(vec![problem(0, "the file is empty".into())]),
    };
    // Trailing empty header cells are formatting, not columns.
    let width = header
        .iter()
        .rposition(|h| !h.is_empty())
        .map_or(0, |i| i + 1);
    let header: Vec<String> = header.into_iter().take(width).collect();
    let mut data = Vec::new();
    for (i, cells) in rows {
        let values: Vec<String> = (0..width)
            .map(|c| cells.get(c).map(cell_text).unwrap_or_default())
            .collect();
        if values.iter().all(String::is_empty) {
            continue;
        }
        data.push((first_row + i + 1, values));
    }
    Ok((
        Table {
            file: file.to_owned(),
            header,
            rows: data,
        },
        Vec::new(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_decode_from_utf8_with_bom_and_from_gbk_with_any_delimiter() {
        let utf8 = "\u{feff}商机名称;金额\n测试;100\n";
        let (t, _) = read_table("a.csv", utf8.as_bytes()).unwrap();
        assert_eq!(t.header, vec!["商机名称", "金额"]);
        assert_eq!(t.rows, vec![(2, vec!["测试".to_owned(), "100".to_owned()])]);
        let (gbk, _, _) = encoding_rs::GBK.encode("商机名称\t金额\n测试\t1,000\n");
        let (t, _) = read_table("b.csv", &gbk).unwrap();
        assert_eq!(t.header, vec!["商机名称", "金额"]);
        assert_eq!(t.rows[0].1[1], "1,000");
    }

    #[test]
    fn a_cut_off_last_line_is_reported_with_its_line_number() {
        let (table, err) =
            read_table("deals.csv", b"Deal Name,Amount,Stage\nA,1,Won\nB,2").unwrap();
        assert_eq!(table.rows.len(), 1);
        assert_eq!(err.len(), 1);
        assert_eq!(
            err[0].to_string(),
            "deals.csv:3: has 2 cells, the header has 3 (a cut-off line or a stray delimiter?)"
        );
    }
}
