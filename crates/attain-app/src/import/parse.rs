//! From bytes to a table of trimmed strings, and the value parsers every
//! entity shares (amounts, dates, percentages).

use std::fmt;

use attain_core::{Currency, Money};
use chrono::NaiveDate;
use rust_decimal::Decimal;

/// One problem in an import file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportProblem {
    /// File name as given.
    pub file: String,
    /// 1-based line number in the file (the header is line 1); 0 for the file as a whole.
    pub row: usize,
    /// Column header, if the problem is in one cell.
    pub column: Option<String>,
    /// What is wrong.
    pub message: String,
    /// The offending value, if any.
    pub value: Option<String>,
}

impl fmt::Display for ImportProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.row)?;
        if let Some(column) = &self.column {
            write!(f, ":{column}")?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(value) = &self.value {
            write!(f, " ({value})")?;
        }
        Ok(())
    }
}

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

/// Parses an amount as exports write it: currency symbols and codes,
/// thousands separators (`,`, spaces, `，`), a unit suffix (`元`, `万元`).
pub fn parse_amount(text: &str, currency: Currency) -> Result<Money, String> {
    let mut t = text.trim().to_owned();
    let mut scale = Decimal::ONE;
    if let Some(rest) = t.strip_suffix("万元").or_else(|| t.strip_suffix('万')) {
        t = rest.to_owned();
        scale = Decimal::from(10_000);
    }
    for token in [
        "CNY", "RMB", "USD", "EUR", "元", "¥", "￥", "$", "€", "US", "CN",
    ] {
        t = t.replace(token, "");
    }
    let negative = t.starts_with('(') && t.ends_with(')');
    let cleaned: String = t
        .chars()
        .filter(|c| !matches!(c, ',' | '，' | ' ' | '\u{a0}' | '(' | ')' | '\''))
        .collect();
    if cleaned.is_empty() {
        return Err("not an amount".into());
    }
    let money = Money::parse(&cleaned, currency).map_err(|_| "not an amount".to_owned())?;
    let money = money.checked_mul(scale).map_err(|e| e.to_string())?;
    Ok(if negative { money.negated() } else { money })
}

/// Date layouts the supported CRMs write, tried in order. US month-first
/// comes before day-first because Salesforce and HubSpot exports use it.
const DATE_FORMATS: &[&str] = &[
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y.%m.%d",
    "%Y年%m月%d日",
    "%m/%d/%Y",
    "%d.%m.%Y",
    "%d-%b-%Y",
    "%b %d, %Y",
    "%d %b %Y",
    "%Y%m%d",
];

/// Parses a date, or a date-time whose date part is taken.
pub fn parse_date(text: &str) -> Result<NaiveDate, String> {
    let t = text.trim();
    let date_part = t.split(['T', ' ']).next().unwrap_or(t);
    for candidate in [t, date_part] {
        for format in DATE_FORMATS {
            if let Ok(d) = NaiveDate::parse_from_str(candidate, format) {
                return Ok(d);
            }
        }
    }
    // "Mar 12, 2024 10:00 AM" style: try the first three words.
    let words: Vec<&str> = t.split_whitespace().take(3).collect();
    if words.len() == 3
        && let Ok(d) = NaiveDate::parse_from_str(&words.join(" "), "%b %d, %Y")
    {
        return Ok(d);
    }
    Err("not a date (expected e.g. 2026-07-14, 2026/07/14, 07/14/2026 or 2026年7月14日)".into())
}

/// Parses a percentage such as `75`, `75%` or `0.75`.
pub fn parse_percent(text: &str) -> Result<u8, String> {
    let t = text.trim().trim_end_matches('%').trim();
    let value: Decimal = t.parse().map_err(|_| "not a percentage".to_owned())?;
    let value = if value <= Decimal::ONE && t.contains('.') {
        value * Decimal::from(100)
    } else {
        value
    };
    let rounded = value.round();
    if rounded < Decimal::ZERO || rounded > Decimal::from(100) {
        return Err("a percentage must be between 0 and 100".into());
    }
    u8::try_from(rounded.mantissa() / 10_i128.pow(rounded.scale()))
        .map_err(|_| "not a percentage".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_as_crms_export_them_are_read_exactly() {
        let cases = [
            ("1,234.56", "1234.56"),
            ("¥1,234.50", "1234.50"),
            ("CNY 99", "99"),
            ("12.5万元", "125000.0"),
            ("1 000 000", "1000000"),
            ("(200)", "-200"),
            ("$3,000", "3000"),
        ];
        for (input, expected) in cases {
            let m = parse_amount(input, Currency::CNY).unwrap();
            assert_eq!(m.amount(), expected.parse::<Decimal>().unwrap(), "{input}");
        }
        for bad in ["", "abc", "1.2.3", "--"] {
            assert!(parse_amount(bad, Currency::CNY).is_err(), "{bad}");
        }
    }

    #[test]
    fn dates_in_every_supported_layout() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 12).unwrap();
        for input in [
            "2026-03-12",
            "2026/03/12",
            "03/12/2026",
            "2026年3月12日",
            "12-Mar-2026",
            "Mar 12, 2026",
            "2026-03-12 10:00:00",
            "2026-03-12T10:00:00Z",
            "Mar 12, 2026 10:00 AM",
        ] {
            assert_eq!(parse_date(input), Ok(d), "{input}");
        }
        assert!(parse_date("2026-13-45").is_err());
        assert!(parse_date("soon").is_err());
    }

    #[test]
    fn percentages() {
        assert_eq!(parse_percent("75%"), Ok(75));
        assert_eq!(parse_percent("0.75"), Ok(75));
        assert_eq!(parse_percent("100"), Ok(100));
        assert!(parse_percent("150").is_err());
    }

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
