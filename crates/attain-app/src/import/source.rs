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

/// How much of a file Attain reads. A file beyond any limit is refused
/// with an error that names the file and the limit, before it can make
/// the process allocate without bound (a workbook whose shared-string
/// table claims four billion entries, a cell at XFD1048576, a ZIP that
/// unpacks to terabytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadLimits {
    /// Data rows per file.
    pub rows: usize,
    /// Columns per row (the header's, and a workbook's widest row).
    pub columns: usize,
    /// Bytes per cell.
    pub cell_bytes: usize,
    /// Non-empty cells of a workbook's sheet.
    pub cells: usize,
    /// Entries a workbook's shared-string table may declare.
    pub shared_strings: u64,
    /// What all the parts of a workbook may unpack to, in bytes.
    pub uncompressed_bytes: u64,
}

impl ReadLimits {
    /// The limits of every import: five million rows (a million-row
    /// order-lines export with room to spare), 2,000 columns (Salesforce
    /// objects have at most about 900 fields), 1 MiB per cell (a Salesforce
    /// long text is at most 131,072 characters), twenty million cells and
    /// ten million shared strings per workbook, which may unpack to 1 GiB.
    pub const DEFAULT: Self = Self {
        rows: 5_000_000,
        columns: 2_000,
        cell_bytes: 1 << 20,
        cells: 20_000_000,
        shared_strings: 10_000_000,
        uncompressed_bytes: 1 << 30,
    };
}

impl Default for ReadLimits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// `1234567` as `1,234,567`, for limits in messages.
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn whole_file(file: &str, message: String) -> ImportProblem {
    ImportProblem {
        file: file.to_owned(),
        row: 0,
        column: None,
        message,
        value: None,
    }
}

fn too_many_rows(file: &str, limits: &ReadLimits) -> Vec<ImportProblem> {
    vec![whole_file(
        file,
        format!(
            "has more than {} data rows, the most Attain imports from one file (split it)",
            grouped(limits.rows as u64)
        ),
    )]
}

fn too_many_columns(file: &str, columns: usize, limits: &ReadLimits) -> Vec<ImportProblem> {
    vec![ImportProblem {
        file: file.to_owned(),
        row: 1,
        column: None,
        message: format!(
            "has {} columns; Attain reads at most {} columns per row",
            grouped(columns as u64),
            grouped(limits.columns as u64)
        ),
        value: None,
    }]
}

/// The problem of a cell longer than the limit (its value is not echoed).
fn cell_too_long(
    file: &str,
    row: usize,
    column: String,
    bytes: usize,
    limits: &ReadLimits,
) -> ImportProblem {
    ImportProblem {
        file: file.to_owned(),
        row,
        column: Some(column),
        message: format!(
            "a cell of {} bytes; Attain reads cells of at most {} bytes",
            grouped(bytes as u64),
            grouped(limits.cell_bytes as u64)
        ),
        value: None,
    }
}

/// Decodes and splits a CSV file. A row with a different number of cells
/// than the header (a truncated last line, a stray delimiter) is a problem;
/// the well-formed rows are returned beside those problems so that every
/// bad row of a file is reported at once.
pub fn read_table(
    file: &str,
    bytes: &[u8],
) -> Result<(Table, Vec<ImportProblem>), Vec<ImportProblem>> {
    read_table_within(file, bytes, &ReadLimits::DEFAULT)
}

/// [`read_table`] within `limits`: more rows or header columns than the
/// limits is an error; a cell longer than the limit is a problem of its row.
pub fn read_table_within(
    file: &str,
    bytes: &[u8],
    limits: &ReadLimits,
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
    if header.len() > limits.columns {
        return Err(too_many_columns(file, header.len(), limits));
    }
    let mut problems = Vec::new();
    for (i, h) in header.iter().enumerate() {
        if h.len() > limits.cell_bytes {
            problems.push(cell_too_long(
                file,
                1,
                format!("column {}", i + 1),
                h.len(),
                limits,
            ));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        match record {
            Ok(r) => {
                let line = r
                    .position()
                    .map_or(0, |p| usize::try_from(p.line()).unwrap_or(0));
                if r.iter().all(|c| c.trim().is_empty()) {
                    continue;
                }
                if rows.len() + problems.len() >= limits.rows {
                    return Err(too_many_rows(file, limits));
                }
                if r.len() != header.len() {
                    problems.push(problem(line, format!("has {} cells, the header has {} (a cut-off line or a stray delimiter?)", r.len(), header.len())));
                    continue;
                }
                let long: Vec<ImportProblem> = r
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| c.len() > limits.cell_bytes)
                    .map(|(i, c)| {
                        let column = header
                            .get(i)
                            .filter(|h| !h.is_empty())
                            .cloned()
                            .unwrap_or_else(|| format!("column {}", i + 1));
                        cell_too_long(file, line, column, c.len(), limits)
                    })
                    .collect();
                if !long.is_empty() {
                    problems.extend(long);
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
    read_any_within(file, bytes, &ReadLimits::DEFAULT)
}

/// [`read_any`] within `limits`.
pub fn read_any_within(
    file: &str,
    bytes: &[u8],
    limits: &ReadLimits,
) -> Result<(Table, Vec<ImportProblem>), Vec<ImportProblem>> {
    if is_xlsx(file, bytes) {
        read_xlsx(file, bytes, limits)
    } else {
        read_table_within(file, bytes, limits)
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

/// The number in a start tag's attribute (`uniqueCount="12"`), if any.
fn attribute_number(tag: &str, name: &str) -> Option<u64> {
    [format!(" {name}=\""), format!(" {name}='")]
        .iter()
        .find_map(|needle| {
            let start = tag.find(needle.as_str())? + needle.len();
            let digits: String = tag[start..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            // More digits than a u64 holds is more than any limit.
            Some(digits.parse::<u64>().unwrap_or(u64::MAX))
        })
}

/// Checks a workbook before calamine unpacks it: what its parts declare
/// they unpack to, and how many strings its shared-string table claims
/// (calamine reserves room for that many up front).
fn check_workbook(file: &str, bytes: &[u8], limits: &ReadLimits) -> Result<(), Vec<ImportProblem>> {
    use std::io::Read;
    let fail = |message: String| vec![whole_file(file, message)];
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| fail(format!("not a readable XLSX workbook: {e}")))?;
    let mut total: u64 = 0;
    let mut shared_strings = None;
    for i in 0..zip.len() {
        let entry = zip
            .by_index_raw(i)
            .map_err(|e| fail(format!("not a readable XLSX workbook: {e}")))?;
        total = total.saturating_add(entry.size());
        if entry
            .name()
            .is_ok_and(|n| n.to_ascii_lowercase().ends_with("sharedstrings.xml"))
        {
            shared_strings = Some(i);
        }
    }
    if total > limits.uncompressed_bytes {
        return Err(fail(format!(
            "unpacks to {} bytes; Attain reads workbooks of at most {} bytes unpacked",
            grouped(total),
            grouped(limits.uncompressed_bytes)
        )));
    }
    if let Some(i) = shared_strings {
        let entry = zip
            .by_index(i)
            .map_err(|e| fail(format!("not a readable XLSX workbook: {e}")))?;
        // The table's start tag is at the top of the part.
        let mut head = Vec::new();
        entry
            .take(4096)
            .read_to_end(&mut head)
            .map_err(|e| fail(format!("not a readable XLSX workbook: {e}")))?;
        let head = String::from_utf8_lossy(&head).replace(['\n', '\r', '\t'], " ");
        if let Some(start) = head.find("sst ") {
            let tag = &head[start..head[start..].find('>').map_or(head.len(), |e| start + e)];
            let claimed = ["uniqueCount", "count"]
                .iter()
                .filter_map(|name| attribute_number(tag, name))
                .max()
                .unwrap_or(0);
            if claimed > limits.shared_strings {
                return Err(fail(format!(
                    "claims {} shared strings; Attain reads workbooks of at most {} strings",
                    grouped(claimed),
                    grouped(limits.shared_strings)
                )));
            }
        }
    }
    Ok(())
}

/// `0` → `A`, `27` → `AB`: a column as a spreadsheet names it.
fn column_letters(mut index: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + u8::try_from(index % 26).unwrap_or(0));
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// Reads the first worksheet of an XLSX workbook cell by cell within
/// `limits`; row numbers are the spreadsheet's own. Columns with values
/// right of the header get an empty header, so the report can say they
/// were not used.
fn read_xlsx(
    file: &str,
    bytes: &[u8],
    limits: &ReadLimits,
) -> Result<(Table, Vec<ImportProblem>), Vec<ImportProblem>> {
    use calamine::Reader;
    let fail = |message: String| vec![whole_file(file, message)];
    check_workbook(file, bytes, limits)?;
    let mut book: calamine::Xlsx<_> = calamine::Xlsx::new(std::io::Cursor::new(bytes))
        .map_err(|e| fail(format!("not a readable XLSX workbook: {e}")))?;
    let Some(sheet) = book.sheet_names().first().cloned() else {
        return Err(fail("the workbook has no worksheet".into()));
    };
    let mut reader = book
        .worksheet_cells_reader(&sheet)
        .map_err(|e| fail(format!("cannot read the first worksheet: {e}")))?;
    // Non-empty cells by row; cells may come out of order.
    let mut by_row: std::collections::BTreeMap<u32, Vec<(usize, String)>> =
        std::collections::BTreeMap::new();
    let mut cells = 0_usize;
    let mut problems = Vec::new();
    loop {
        let cell = match reader.next_cell() {
            Ok(Some(cell)) => cell,
            Ok(None) => break,
            Err(e) => return Err(fail(format!("cannot read the first worksheet: {e}"))),
        };
        let text = cell_text(&calamine::Data::from(cell.get_value().clone()));
        if text.is_empty() {
            continue;
        }
        let (row, column) = cell.get_position();
        let column = column as usize;
        if column >= limits.columns {
            return Err(vec![ImportProblem {
                file: file.to_owned(),
                row: row as usize + 1,
                column: Some(column_letters(column)),
                message: format!(
                    "a value in column {}; Attain reads at most {} columns per row",
                    column_letters(column),
                    grouped(limits.columns as u64)
                ),
                value: None,
            }]);
        }
        cells += 1;
        if cells > limits.cells {
            return Err(fail(format!(
                "has more than {} cells with values; Attain reads at most {} per workbook",
                grouped(limits.cells as u64),
                grouped(limits.cells as u64)
            )));
        }
        if !by_row.contains_key(&row) && by_row.len() > limits.rows {
            return Err(too_many_rows(file, limits));
        }
        if text.len() > limits.cell_bytes {
            problems.push(cell_too_long(
                file,
                row as usize + 1,
                column_letters(column),
                text.len(),
                limits,
            ));
            continue;
        }
        by_row.entry(row).or_default().push((column, text));
    }
    let mut rows = by_row.into_iter();
    let Some((_, header_cells)) = rows.next() else {
        return Err(fail("the file is empty".into()));
    };
    let mut rows: Vec<(u32, Vec<(usize, String)>)> = rows.collect();
    let width = header_cells
        .iter()
        .chain(rows.iter().flat_map(|(_, cells)| cells.iter()))
        .map(|(c, _)| c + 1)
        .max()
        .unwrap_or(0);
    let spread = |cells: Vec<(usize, String)>| {
        let mut values = vec![String::new(); width];
        for (c, text) in cells {
            if let Some(v) = values.get_mut(c) {
                *v = text;
            }
        }
        values
    };
    let header = spread(header_cells);
    let data = rows
        .drain(..)
        .map(|(row, cells)| (row as usize + 1, spread(cells)))
        .collect();
    Ok((
        Table {
            file: file.to_owned(),
            header,
            rows: data,
        },
        problems,
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

    /// A workbook of the given parts, stored uncompressed, with the
    /// package and workbook relationships calamine needs.
    pub(crate) fn workbook(shared_strings: Option<&str>, sheet: &str) -> Vec<u8> {
        use std::io::Write;
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        let mut parts = vec![
            ("[Content_Types].xml", "<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>".to_owned()),
            ("_rels/.rels", "<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>".to_owned()),
            ("xl/workbook.xml", "<?xml version=\"1.0\"?><workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><sheets><sheet name=\"Sheet1\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>".to_owned()),
            ("xl/_rels/workbook.xml.rels", "<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet1.xml\"/><Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings\" Target=\"sharedStrings.xml\"/></Relationships>".to_owned()),
            ("xl/worksheets/sheet1.xml", format!("<?xml version=\"1.0\"?><worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">{sheet}</worksheet>")),
        ];
        if let Some(strings) = shared_strings {
            parts.push((
                "xl/sharedStrings.xml",
                format!("<?xml version=\"1.0\"?>{strings}"),
            ));
        }
        for (name, text) in parts {
            zip.start_file(name, options).unwrap();
            zip.write_all(text.as_bytes()).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }

    const HEADER_AND_ROW: &str = "<sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>name</t></is></c></row><row r=\"2\"><c r=\"A2\" t=\"inlineStr\"><is><t>Acme</t></is></c></row></sheetData>";

    #[test]
    fn a_small_workbook_reads_cell_by_cell() {
        let bytes = workbook(None, HEADER_AND_ROW);
        let (table, problems) = read_any("ok.xlsx", &bytes).unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(table.header, vec!["name"]);
        assert_eq!(table.rows, vec![(2, vec!["Acme".to_owned()])]);
    }

    #[test]
    fn a_workbook_claiming_billions_of_shared_strings_is_refused_before_it_is_read() {
        // Issue 10, item 8: calamine reserved room for uniqueCount strings
        // up front and the process aborted.
        let strings = "<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" count=\"4000000000\" uniqueCount=\"4000000000\"><si><t>x</t></si></sst>";
        let sheet = format!("<dimension ref=\"A1:XFD1048576\"/>{HEADER_AND_ROW}");
        let bytes = workbook(Some(strings), &sheet);
        let err = read_any("hostile.xlsx", &bytes).unwrap_err();
        assert_eq!(
            err[0].to_string(),
            "hostile.xlsx: claims 4,000,000,000 shared strings; Attain reads workbooks of at most 10,000,000 strings"
        );
    }

    #[test]
    fn a_worksheet_spanning_the_whole_grid_is_read_sparsely_and_its_far_cells_refused() {
        // Issue 10, item 8: two cells at A1 and XFD1048576 made calamine
        // allocate a dense range of 17 billion cells.
        let sheet = "<dimension ref=\"A1:XFD1048576\"/><sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>name</t></is></c></row><row r=\"1048576\"><c r=\"XFD1048576\" t=\"inlineStr\"><is><t>far</t></is></c></row></sheetData>";
        let bytes = workbook(None, sheet);
        let err = read_any("grid.xlsx", &bytes).unwrap_err();
        assert_eq!(
            err[0].to_string(),
            "grid.xlsx:1048576:XFD: a value in column XFD; Attain reads at most 2,000 columns per row"
        );
        // Within a limit that admits the column, nothing dense is built:
        // the far cell is one value in one row.
        let wide = ReadLimits {
            columns: 20_000,
            ..ReadLimits::DEFAULT
        };
        let (table, _) = read_any_within("grid.xlsx", &bytes, &wide).unwrap();
        assert_eq!(table.rows.len(), 1);
        assert_eq!(table.rows[0].0, 1_048_576);
        assert_eq!(table.header.len(), 16_384);
    }

    #[test]
    fn a_workbook_that_unpacks_beyond_the_limit_and_too_many_cells_are_refused_by_name() {
        let bytes = workbook(None, HEADER_AND_ROW);
        let small = ReadLimits {
            uncompressed_bytes: 100,
            ..ReadLimits::DEFAULT
        };
        let err = read_any_within("big.xlsx", &bytes, &small).unwrap_err();
        assert!(
            err[0]
                .to_string()
                .ends_with("bytes; Attain reads workbooks of at most 100 bytes unpacked"),
            "{err:?}"
        );
        let one_cell = ReadLimits {
            cells: 1,
            ..ReadLimits::DEFAULT
        };
        let err = read_any_within("big.xlsx", &bytes, &one_cell).unwrap_err();
        assert_eq!(
            err[0].to_string(),
            "big.xlsx: has more than 1 cells with values; Attain reads at most 1 per workbook"
        );
    }

    #[test]
    fn csv_rows_columns_and_cells_beyond_the_limits_are_refused_naming_the_limit() {
        let limits = ReadLimits {
            rows: 2,
            columns: 3,
            cell_bytes: 5,
            ..ReadLimits::DEFAULT
        };
        let err = read_table_within("r.csv", b"a,b\n1,2\n3,4\n5,6\n", &limits).unwrap_err();
        assert_eq!(
            err[0].to_string(),
            "r.csv: has more than 2 data rows, the most Attain imports from one file (split it)"
        );
        let err = read_table_within("c.csv", b"a,b,c,d\n1,2,3,4\n", &limits).unwrap_err();
        assert_eq!(
            err[0].to_string(),
            "c.csv:1: has 4 columns; Attain reads at most 3 columns per row"
        );
        let (table, problems) =
            read_table_within("l.csv", b"a,b\n1,123456\n2,3\n", &limits).unwrap();
        assert_eq!(table.rows.len(), 1);
        assert_eq!(
            problems[0].to_string(),
            "l.csv:2:b: a cell of 6 bytes; Attain reads cells of at most 5 bytes"
        );
    }
}
