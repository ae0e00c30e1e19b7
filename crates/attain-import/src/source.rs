//! From a file's bytes to a table of trimmed strings: CSV (any delimiter;
//! UTF-8 with or without BOM, GB18030 as Chinese Excel saves it, or the
//! encoding a mapping file names) or XLSX.

use attain_core::ImportProblem;

/// A decoded file: its header and rows, cells trimmed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    /// File name, for messages.
    pub file: String,
    /// Column headers.
    pub header: Vec<String>,
    /// Rows, each as long as the header, with their 1-based line numbers.
    pub rows: Vec<(usize, Vec<String>)>,
    /// What reading the file decided that the person should know (the
    /// encoding it was read in when that was not UTF-8).
    pub notes: Vec<String>,
}

/// The text encodings a CSV file may be in besides UTF-8 (which is found
/// by itself): what a mapping file's `encoding` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    /// UTF-8, with or without BOM; invalid bytes are problems of their rows.
    Utf8,
    /// GB18030, a superset of GBK and GB2312: how Chinese Excel saves CSV.
    Gb18030,
    /// Windows-1252 (a superset of Latin-1): how Western European Excel saves CSV.
    Windows1252,
}

impl TextEncoding {
    /// Reads a mapping file's `encoding`: `utf-8`, `gb18030` (or `gbk`,
    /// `gb2312`), `windows-1252` (or `latin-1`, `iso-8859-1`, `cp1252`).
    pub fn from_label(label: &str) -> Result<Self, String> {
        match label.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "utf-8" | "utf8" => Ok(Self::Utf8),
            "gb18030" | "gbk" | "gb2312" | "cp936" => Ok(Self::Gb18030),
            "windows-1252" | "cp1252" | "latin-1" | "latin1" | "iso-8859-1" => {
                Ok(Self::Windows1252)
            }
            other => Err(format!(
                "encoding '{other}' is not one Attain reads: expected utf-8, gb18030 or windows-1252"
            )),
        }
    }

    /// The name people know it by.
    pub fn name(self) -> &'static str {
        match self {
            Self::Utf8 => "UTF-8",
            Self::Gb18030 => "GB18030",
            Self::Windows1252 => "Windows-1252",
        }
    }

    fn encoding(self) -> &'static encoding_rs::Encoding {
        match self {
            Self::Utf8 => encoding_rs::UTF_8,
            Self::Gb18030 => encoding_rs::GB18030,
            Self::Windows1252 => encoding_rs::WINDOWS_1252,
        }
    }
}

/// A file's text: each byte sequence the encoding could not read became
/// U+FFFD, listed with its offset in `text` and its bytes, so the rows
/// holding it can be named.
struct Decoded {
    text: String,
    encoding: &'static str,
    invalid: Vec<(usize, Vec<u8>)>,
    note: Option<String>,
}

/// UTF-8 with each invalid sequence replaced and listed; also counts the
/// valid multi-byte characters.
fn decode_utf8(bytes: &[u8]) -> (Decoded, usize) {
    let mut text = String::with_capacity(bytes.len());
    let mut invalid = Vec::new();
    let mut multibyte = 0;
    for chunk in bytes.utf8_chunks() {
        text.push_str(chunk.valid());
        multibyte += chunk.valid().chars().filter(|c| c.len_utf8() > 1).count();
        if !chunk.invalid().is_empty() {
            invalid.push((text.len(), chunk.invalid().to_vec()));
            text.push(char::REPLACEMENT_CHARACTER);
        }
    }
    let decoded = Decoded {
        text,
        encoding: TextEncoding::Utf8.name(),
        invalid,
        note: None,
    };
    (decoded, multibyte)
}

/// `bytes` in `encoding`, each malformed sequence replaced and listed.
fn decode_with(bytes: &[u8], encoding: TextEncoding) -> Decoded {
    if encoding == TextEncoding::Utf8 {
        return decode_utf8(bytes).0;
    }
    let mut decoder = encoding.encoding().new_decoder_without_bom_handling();
    let mut text = String::with_capacity(
        decoder
            .max_utf8_buffer_length_without_replacement(bytes.len())
            .unwrap_or(bytes.len().saturating_mul(3)),
    );
    let mut invalid = Vec::new();
    let mut read = 0;
    loop {
        let (result, n) =
            decoder.decode_to_string_without_replacement(&bytes[read..], &mut text, true);
        read += n;
        match result {
            encoding_rs::DecoderResult::InputEmpty => break,
            encoding_rs::DecoderResult::OutputFull => text.reserve(bytes.len() - read + 16),
            encoding_rs::DecoderResult::Malformed(bad, after) => {
                let end = read.saturating_sub(usize::from(after));
                let start = end.saturating_sub(usize::from(bad));
                invalid.push((text.len(), bytes[start..end].to_vec()));
                text.reserve(3);
                text.push(char::REPLACEMENT_CHARACTER);
            }
        }
    }
    Decoded {
        text,
        encoding: encoding.name(),
        invalid,
        note: None,
    }
}

/// Whether GB18030 text is plausibly Chinese rather than a Western
/// single-byte encoding that happens to decode: in Chinese text nearly
/// every double-byte character has a trail byte of 0x80 or more (all of
/// GB2312 does), while an accented letter of Latin-1 followed by a plain
/// letter (`M\xFCller`) makes a "character" whose trail byte is ASCII.
fn plausibly_chinese(bytes: &[u8]) -> bool {
    let (mut pairs, mut ascii_trail) = (0_usize, 0_usize);
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if !(0x81..=0xFE).contains(&b) {
            i += 1;
            continue;
        }
        match bytes.get(i + 1) {
            Some(0x30..=0x39) => i += 4,
            Some(trail) => {
                pairs += 1;
                if *trail < 0x80 {
                    ascii_trail += 1;
                }
                i += 2;
            }
            None => i += 1,
        }
    }
    ascii_trail * 2 <= pairs
}

/// A CSV file's text. A BOM says the encoding; so does a mapping file's
/// `encoding`. Otherwise the file is UTF-8, and a few invalid sequences in
/// it are problems of their rows, never a reason to read the whole file
/// otherwise. Only a file that is mostly not UTF-8 (fewer valid multi-byte
/// characters than invalid sequences) and that reads cleanly and plausibly
/// as GB18030 is read as GB18030 (how Chinese Excel saves CSV), and the
/// report says so.
fn decode(bytes: &[u8], encoding: Option<TextEncoding>) -> Decoded {
    if let Some((bom, length)) = encoding_rs::Encoding::for_bom(bytes) {
        let bytes = &bytes[length..];
        if bom == encoding_rs::UTF_8 {
            return decode_utf8(bytes).0;
        }
        // UTF-16, as Excel saves "Unicode text".
        let (text, malformed) = bom.decode_without_bom_handling(bytes);
        return Decoded {
            text: text.into_owned(),
            encoding: bom.name(),
            invalid: Vec::new(),
            note: malformed.then(|| {
                format!(
                    "the file is {} but has bytes that are not: each was read as \u{FFFD}",
                    bom.name()
                )
            }),
        };
    }
    if let Some(encoding) = encoding {
        return decode_with(bytes, encoding);
    }
    let (utf8, multibyte) = decode_utf8(bytes);
    if utf8.invalid.is_empty() || multibyte >= utf8.invalid.len() {
        return utf8;
    }
    if plausibly_chinese(bytes)
        && let Some(text) =
            encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(bytes)
    {
        return Decoded {
            text: text.into_owned(),
            encoding: TextEncoding::Gb18030.name(),
            invalid: Vec::new(),
            note: Some(
                "read as GB18030 (Chinese Excel); if names look wrong, save the file as UTF-8"
                    .into(),
            ),
        };
    }
    utf8
}

/// The problem of a cell holding bytes its file's encoding cannot read.
fn undecodable(
    file: &str,
    row: usize,
    column: String,
    encoding: &str,
    bytes: &[Vec<u8>],
    value: &str,
) -> ImportProblem {
    let shown: Vec<String> = bytes
        .iter()
        .flatten()
        .map(|b| format!("0x{b:02X}"))
        .collect();
    let what = if shown.len() == 1 { "byte" } else { "bytes" };
    let hint = if encoding == TextEncoding::Utf8.name() {
        "save the file as UTF-8, or name its encoding in a mapping file (encoding = \"windows-1252\" or \"gb18030\")"
    } else {
        "save the file as UTF-8, or name its encoding in a mapping file"
    };
    ImportProblem {
        file: file.to_owned(),
        row,
        column: Some(column),
        message: format!(
            "{what} {} cannot be read as {encoding}: {hint}",
            shown.join(" ")
        ),
        value: Some(value.to_owned()),
    }
}

/// The problems of one record whose text spans `range` of the decoded
/// text: one per cell holding a sequence the encoding could not read, in
/// the order they come.
fn undecodable_cells(
    file: &str,
    line: usize,
    header: &[String],
    cells: &csv::StringRecord,
    decoded: &Decoded,
    range: std::ops::Range<usize>,
) -> Vec<ImportProblem> {
    let mut bad = decoded
        .invalid
        .iter()
        .filter(|(at, _)| range.contains(at))
        .map(|(_, b)| b.clone());
    let mut problems = Vec::new();
    for (i, cell) in cells.iter().enumerate() {
        let count = cell.matches(char::REPLACEMENT_CHARACTER).count();
        if count == 0 {
            continue;
        }
        let bytes: Vec<Vec<u8>> = bad.by_ref().take(count).collect();
        if bytes.is_empty() {
            continue;
        }
        let column = header
            .get(i)
            .filter(|h| !h.is_empty())
            .cloned()
            .unwrap_or_else(|| format!("column {}", i + 1));
        problems.push(undecodable(
            file,
            line,
            column,
            decoded.encoding,
            &bytes,
            cell.trim(),
        ));
    }
    problems
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
    read_csv(file, bytes, limits, None)
}

fn read_csv(
    file: &str,
    bytes: &[u8],
    limits: &ReadLimits,
    encoding: Option<TextEncoding>,
) -> Result<(Table, Vec<ImportProblem>), Vec<ImportProblem>> {
    let decoded = decode(bytes, encoding);
    let text = decoded.text.as_str();
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
        .delimiter(sniff_delimiter(text))
        .flexible(true)
        .from_reader(text.as_bytes());
    let header_cells = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => return Err(vec![problem(1, format!("cannot read the header: {e}"))]),
    };
    let header: Vec<String> = header_cells.iter().map(|c| c.trim().to_owned()).collect();
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
    let mut start = usize::try_from(reader.position().byte()).unwrap_or(usize::MAX);
    if !decoded.invalid.is_empty() {
        let columns: Vec<String> = (1..=header.len()).map(|i| format!("column {i}")).collect();
        problems.extend(undecodable_cells(
            file,
            1,
            &columns,
            &header_cells,
            &decoded,
            0..start,
        ));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        let read = reader.read_record(&mut record);
        let end = usize::try_from(reader.position().byte()).unwrap_or(usize::MAX);
        let range = start..end;
        start = end;
        let r = match read {
            Ok(false) => break,
            Ok(true) => &record,
            Err(e) => {
                let line = e
                    .position()
                    .map_or(0, |p| usize::try_from(p.line()).unwrap_or(0));
                problems.push(problem(line, format!("cannot be read: {e}")));
                if range.is_empty() {
                    break;
                }
                continue;
            }
        };
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
            problems.push(problem(
                line,
                format!(
                    "has {} cells, the header has {} (a cut-off line or a stray delimiter?)",
                    r.len(),
                    header.len()
                ),
            ));
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
        if !decoded.invalid.is_empty() {
            let bad = undecodable_cells(file, line, &header, r, &decoded, range);
            if !bad.is_empty() {
                problems.extend(bad);
                continue;
            }
        }
        rows.push((line, r.iter().map(|c| c.trim().to_owned()).collect()));
    }
    Ok((
        Table {
            file: file.to_owned(),
            header,
            rows,
            notes: decoded.note.into_iter().collect(),
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
    read_any_as(file, bytes, limits, None)
}

/// [`read_any_within`], a CSV file in `encoding` when one is given (a
/// mapping file's `encoding`) rather than the one its bytes show.
pub fn read_any_as(
    file: &str,
    bytes: &[u8],
    limits: &ReadLimits,
    encoding: Option<TextEncoding>,
) -> Result<(Table, Vec<ImportProblem>), Vec<ImportProblem>> {
    if is_xlsx(file, bytes) {
        read_xlsx(file, bytes, limits)
    } else {
        read_csv(file, bytes, limits, encoding)
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
    let bad = bad_shared_string_indices(file, &mut zip);
    if !bad.is_empty() {
        return Err(bad);
    }
    Ok(())
}

/// The most cells with a bad shared-string index a problem list names.
const BAD_INDICES_LISTED: usize = 100;

/// A workbook's parts, read from its bytes.
type Archive<'b> = zip::ZipArchive<std::io::Cursor<&'b [u8]>>;

/// A part of a workbook, read as XML.
type Part<'z, 'b> =
    quick_xml::Reader<std::io::BufReader<zip::read::ZipFile<'z, std::io::Cursor<&'b [u8]>>>>;

/// A part of the workbook as an XML reader, if the part exists.
fn xml_part<'z, 'b>(zip: &'z mut Archive<'b>, name: &str) -> Option<Part<'z, 'b>> {
    let entry = zip.by_name(name).ok()?;
    Some(quick_xml::Reader::from_reader(std::io::BufReader::new(
        entry,
    )))
}

/// The value of the attribute whose local name is `name`.
fn attribute(e: &quick_xml::events::BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name)
        .map(|a| a.value.into_owned())
}

/// The path of the first worksheet, found as calamine finds it: the first
/// `<sheet>` of `xl/workbook.xml` and its relationship's target.
fn first_sheet_path(zip: &mut Archive<'_>) -> Option<String> {
    use quick_xml::events::Event;
    let mut buf = Vec::new();
    let id = {
        let mut xml = xml_part(zip, "xl/workbook.xml")?;
        loop {
            buf.clear();
            match xml.read_event_into(&mut buf).ok()? {
                Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "sheet" => {
                    break attribute(&e, "id")?;
                }
                Event::Eof => return None,
                _ => {}
            }
        }
    };
    let mut xml = xml_part(zip, "xl/_rels/workbook.xml.rels")?;
    loop {
        buf.clear();
        match xml.read_event_into(&mut buf).ok()? {
            Event::Start(e) | Event::Empty(e)
                if e.local_name().as_ref() == "Relationship"
                    && attribute(&e, "Id").as_deref() == Some(id.as_str()) =>
            {
                let target = attribute(&e, "Target")?;
                return Some(match target.strip_prefix('/') {
                    Some(absolute) => absolute.to_owned(),
                    None => format!("xl/{target}"),
                });
            }
            Event::Eof => return None,
            _ => {}
        }
    }
}

/// How many strings the shared-string table holds (its `<si>` entries).
fn shared_string_count(zip: &mut Archive<'_>) -> u64 {
    use quick_xml::events::Event;
    let Some(mut xml) = xml_part(zip, "xl/sharedStrings.xml") else {
        return 0;
    };
    let mut buf = Vec::new();
    let mut count = 0;
    loop {
        buf.clear();
        match xml.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == "si" => {
                count += 1;
            }
            Ok(Event::Eof) | Err(_) => return count,
            _ => {}
        }
    }
}

/// The cells of the first worksheet whose shared-string index is not an
/// index into the workbook's shared strings (`-1`, a number beyond the
/// table or beyond any integer): calamine reads a malformed one as string
/// 0, so the cell would silently hold another cell's text.
fn bad_shared_string_indices(file: &str, zip: &mut Archive<'_>) -> Vec<ImportProblem> {
    use quick_xml::events::Event;
    let Some(sheet) = first_sheet_path(zip) else {
        return Vec::new();
    };
    let strings = shared_string_count(zip);
    let Some(mut xml) = xml_part(zip, &sheet) else {
        return Vec::new();
    };
    let mut problems = Vec::new();
    let mut bad = 0_usize;
    let mut buf = Vec::new();
    // The reference of the shared-string cell being read, and whether its value is.
    let mut cell: Option<String> = None;
    let mut in_value = false;
    let mut value = String::new();
    loop {
        buf.clear();
        match xml.read_event_into(&mut buf) {
            Ok(Event::Start(e)) if e.local_name().as_ref() == "c" => {
                cell = (attribute(&e, "t").as_deref() == Some("s"))
                    .then(|| attribute(&e, "r").unwrap_or_default());
            }
            Ok(Event::Start(e)) if e.local_name().as_ref() == "v" && cell.is_some() => {
                in_value = true;
                value.clear();
            }
            Ok(Event::Text(t)) if in_value => value.push_str(t.as_ref()),
            Ok(Event::End(e)) if e.local_name().as_ref() == "v" && in_value => {
                in_value = false;
                let index = value
                    .parse::<u64>()
                    .ok()
                    .filter(|_| value.bytes().all(|b| b.is_ascii_digit()));
                if !value.is_empty() && index.is_none_or(|i| i >= strings) {
                    bad += 1;
                    if problems.len() < BAD_INDICES_LISTED {
                        let reference = cell.clone().unwrap_or_default();
                        let letters: String = reference
                            .chars()
                            .take_while(char::is_ascii_alphabetic)
                            .collect();
                        let row = reference[letters.len()..].parse().unwrap_or(0);
                        problems.push(ImportProblem {
                            file: file.to_owned(),
                            row,
                            column: (!letters.is_empty()).then_some(letters),
                            message: format!(
                                "cell {reference} names shared string {value}, but the workbook has {} shared strings (indices 0 to {}): a damaged workbook (open and save it again in Excel)",
                                grouped(strings),
                                grouped(strings.saturating_sub(1))
                            ),
                            value: None,
                        });
                    }
                }
            }
            Ok(Event::End(e)) if e.local_name().as_ref() == "c" => cell = None,
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
    }
    if bad > problems.len() {
        problems.push(whole_file(
            file,
            format!(
                "and {} more cells name shared strings the workbook does not have",
                grouped((bad - problems.len()) as u64)
            ),
        ));
    }
    problems
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
            notes: Vec::new(),
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
    fn a_utf8_file_with_one_bad_byte_is_read_as_utf8_and_the_byte_named_by_row_and_column() {
        // Attack H2: one byte 0x80 made the whole file read as GB18030, so
        // 北京华为客户0 became 鍖椾含鍗庝负瀹㈡埛0 and 赢单 became 璧㈠崟.
        let mut bytes = "客户名称,阶段\n北京华为客户0,赢单\n".as_bytes().to_vec();
        bytes.extend_from_slice(b"Bad\x80 row,\xE8\xB5\xA2\xE5\x8D\x95\n");
        bytes.extend_from_slice("上海客户,输单\n".as_bytes());
        let (table, problems) = read_table("d.csv", &bytes).unwrap();
        assert_eq!(table.header, vec!["客户名称", "阶段"]);
        assert_eq!(
            table.rows,
            vec![
                (2, vec!["北京华为客户0".to_owned(), "赢单".to_owned()]),
                (4, vec!["上海客户".to_owned(), "输单".to_owned()]),
            ]
        );
        assert!(table.notes.is_empty(), "{:?}", table.notes);
        let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            vec![
                "d.csv:3:客户名称: byte 0x80 cannot be read as UTF-8: save the file as UTF-8, or name its encoding in a mapping file (encoding = \"windows-1252\" or \"gb18030\") (Bad\u{FFFD} row)"
            ]
        );
    }

    #[test]
    fn a_latin1_file_is_not_read_as_chinese_and_reads_rightly_when_its_encoding_is_named() {
        // Attack H2: Müller GmbH in Latin-1 was read as M黮ler GmbH.
        let bytes = b"name,city\nM\xFCller GmbH,K\xF6ln\n";
        let (table, problems) = read_table("de.csv", bytes).unwrap();
        assert!(table.rows.is_empty());
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert_eq!(problems[0].column.as_deref(), Some("name"));
        assert!(
            problems[0]
                .message
                .starts_with("byte 0xFC cannot be read as UTF-8"),
            "{problems:?}"
        );
        assert!(
            problems[1]
                .message
                .starts_with("byte 0xF6 cannot be read as UTF-8"),
            "{problems:?}"
        );
        let (table, problems) = read_any_as(
            "de.csv",
            bytes,
            &ReadLimits::DEFAULT,
            Some(TextEncoding::Windows1252),
        )
        .unwrap();
        assert!(problems.is_empty());
        assert_eq!(table.rows[0].1, vec!["Müller GmbH", "Köln"]);
    }

    #[test]
    fn a_chinese_excel_file_is_read_as_gb18030_and_the_report_says_so() {
        let text = "商机名称,客户名称,销售阶段\n华东实验室项目,上海华信科技有限公司,赢单\n苏州产线升级,朱镕基贸易公司,输单\n";
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        let (table, problems) = read_table("商机.csv", &gbk).unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(table.rows[1].1[1], "朱镕基贸易公司");
        assert_eq!(
            table.notes,
            vec!["read as GB18030 (Chinese Excel); if names look wrong, save the file as UTF-8"]
        );
        let (table, _) = read_any_as(
            "商机.csv",
            &gbk,
            &ReadLimits::DEFAULT,
            Some(TextEncoding::Gb18030),
        )
        .unwrap();
        assert_eq!(table.rows[0].1[2], "赢单");
        assert!(table.notes.is_empty(), "named, not guessed");
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
    fn a_cell_naming_a_shared_string_the_workbook_does_not_have_is_a_problem_naming_the_cell() {
        // Attack L3: a cell whose shared-string index was -1 or
        // 18446744073709551617 silently read string 0 ("name").
        let strings = "<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" count=\"3\" uniqueCount=\"3\"><si><t>name</t></si><si><t>Acme</t></si><si><t>Globex</t></si></sst>";
        let row = |cells: &str| {
            format!(
                "<sheetData><row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c></row><row r=\"2\">{cells}</row></sheetData>"
            )
        };
        let good = workbook(Some(strings), &row("<c r=\"A2\" t=\"s\"><v>2</v></c>"));
        let (table, problems) = read_any("ok.xlsx", &good).unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(table.rows, vec![(2, vec!["Globex".to_owned()])]);
        let bad = workbook(
            Some(strings),
            &row(
                "<c r=\"A2\" t=\"s\"><v>-1</v></c><c r=\"B2\" t=\"s\"><v>18446744073709551617</v></c><c r=\"C2\" t=\"s\"><v>3</v></c><c r=\"D2\"><v>-1</v></c>",
            ),
        );
        let err = read_any("bad.xlsx", &bad).unwrap_err();
        let lines: Vec<String> = err.iter().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            vec![
                "bad.xlsx:2:A: cell A2 names shared string -1, but the workbook has 3 shared strings (indices 0 to 2): a damaged workbook (open and save it again in Excel)",
                "bad.xlsx:2:B: cell B2 names shared string 18446744073709551617, but the workbook has 3 shared strings (indices 0 to 2): a damaged workbook (open and save it again in Excel)",
                "bad.xlsx:2:C: cell C2 names shared string 3, but the workbook has 3 shared strings (indices 0 to 2): a damaged workbook (open and save it again in Excel)",
            ]
        );
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
