//! Which column of a file holds which field: the preset's aliases, or a
//! mapping file (`--mapping MAP.toml`) that names columns, stages, the date
//! layout and the default currency for files no preset knows.
//!
//! ```toml
//! date_format = "%d.%m.%Y"   # chrono layout; otherwise found from the file
//! currency = "EUR"           # for files without a currency column
//! encoding = "windows-1252"  # utf-8, gb18030 or windows-1252; otherwise found from the file
//! decimal = ","              # the decimal mark; otherwise found from the file's amounts
//!
//! [columns]                  # Attain field = header in the file
//! name = "Opportunity Title"
//! lost_reason = ""           # "": not in this file, whatever an alias matches
//! amount = "Value (EUR)"
//! close_date = ["closed_date", "expected_close_date"]  # the first non-empty
//!
//! [stages]                   # stage as written = open | won | lost
//! "Contract signed" = "won"
//! "Dead" = "lost"
//! "Shortlisted" = { status = "open", probability = 60 }
//! ```

use std::collections::HashMap;

use attain_core::sales::DealStatus;
use serde::Deserialize;

use super::parse::{DateStyle, DecimalMark};
use super::presets::StageRule;
use super::source::TextEncoding;
use attain_core::ImportProblem;

/// The largest mapping file Attain reads: 256 KiB, hundreds of times what
/// a mapping of every field and stage of a CRM takes.
pub const MAX_MAPPING_BYTES: usize = 256 * 1024;

/// A mapping file, checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mapping {
    /// Field → headers, as written in the file: the first whose cell is
    /// not empty gives a row's value; none (or one empty header) means
    /// "not in this file".
    pub columns: HashMap<String, Vec<String>>,
    /// Stage (lower case, without spaces, so that case and spacing do not
    /// matter) → meaning.
    pub stages: HashMap<String, StageRule>,
    /// Explicit date layout.
    pub date_format: Option<String>,
    /// Default currency code.
    pub currency: Option<String>,
    /// The text encoding of a CSV file, when its bytes do not show it.
    pub encoding: Option<TextEncoding>,
    /// The decimal mark of every number, when the file's values do not
    /// show it.
    pub decimal: Option<DecimalMark>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MappingFile {
    #[serde(default)]
    columns: HashMap<String, ColumnsFile>,
    #[serde(default)]
    stages: HashMap<String, StageFile>,
    date_format: Option<String>,
    currency: Option<String>,
    encoding: Option<String>,
    decimal: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum ColumnsFile {
    One(String),
    InOrder(Vec<String>),
}

#[derive(Deserialize)]
#[serde(untagged)]
enum StageFile {
    Status(String),
    Full {
        status: String,
        probability: Option<u8>,
    },
}

impl Mapping {
    /// Reads a mapping file; a problem names the file and, for TOML
    /// errors, the line.
    pub fn parse(file: &str, text: &str) -> Result<Self, ImportProblem> {
        let problem = |row: usize, message: String| ImportProblem {
            file: file.to_owned(),
            row,
            column: None,
            message,
            value: None,
        };
        if text.len() > MAX_MAPPING_BYTES {
            return Err(problem(
                0,
                format!("a mapping file is at most {MAX_MAPPING_BYTES} bytes; this one is larger"),
            ));
        }
        let raw: MappingFile = toml::from_str(text).map_err(|e| {
            let line = e.span().map_or(0, |s| {
                text[..s.start.min(text.len())].lines().count().max(1)
            });
            problem(line, e.message().trim().to_owned())
        })?;
        let mut stages = HashMap::new();
        for (stage, meaning) in raw.stages {
            let (status, probability) = match meaning {
                StageFile::Status(s) => (s, None),
                StageFile::Full {
                    status,
                    probability,
                } => (status, probability),
            };
            let status = match status.trim().to_lowercase().as_str() {
                "open" => DealStatus::Open,
                "won" => DealStatus::Won,
                "lost" => DealStatus::Lost,
                other => {
                    return Err(problem(
                        0,
                        format!("stage '{stage}': '{other}' is not open, won or lost"),
                    ));
                }
            };
            if probability.is_some_and(|p| p > 100) {
                return Err(problem(
                    0,
                    format!("stage '{stage}': a probability is 0 to 100"),
                ));
            }
            stages.insert(
                super::presets::stage_key(&stage),
                StageRule {
                    status,
                    probability,
                },
            );
        }
        if let Some(f) = &raw.date_format {
            use std::fmt::Write as _;
            let probe = chrono::NaiveDate::from_ymd_opt(2026, 7, 14).unwrap_or_default();
            // A layout chrono cannot write (`%r` on a date, a lone `%`) is an
            // error here, not a panic: `to_string` would unwrap it.
            let mut written = String::new();
            let writable = write!(written, "{}", probe.format(f)).is_ok();
            if !writable || chrono::NaiveDate::parse_from_str(&written, f) != Ok(probe) {
                return Err(problem(
                    0,
                    format!("date_format '{f}' cannot read a date back (use e.g. %d.%m.%Y)"),
                ));
            }
        }
        let encoding = raw
            .encoding
            .as_deref()
            .map(TextEncoding::from_label)
            .transpose()
            .map_err(|e| problem(0, e))?;
        let decimal = raw
            .decimal
            .as_deref()
            .map(DecimalMark::from_label)
            .transpose()
            .map_err(|e| problem(0, e))?;
        Ok(Self {
            encoding,
            decimal,
            columns: raw
                .columns
                .into_iter()
                .map(|(k, v)| {
                    let headers = match v {
                        ColumnsFile::One(h) => vec![h],
                        ColumnsFile::InOrder(hs) => hs,
                    };
                    let headers = headers
                        .into_iter()
                        .filter(|h| !h.trim().is_empty())
                        .collect();
                    (k.trim().to_lowercase(), headers)
                })
                .collect(),
            stages,
            date_format: raw.date_format,
            currency: raw.currency,
        })
    }

    /// The explicit date style, if the file sets one.
    pub(crate) fn date_style(&self) -> Option<DateStyle> {
        self.date_format.clone().map(DateStyle::Format)
    }
}

/// Where each field of an entity sits in a file: its column, then the
/// columns it falls back to, in order, when a row's cell is empty.
#[derive(Debug, Clone)]
pub(crate) struct Columns {
    fields: Vec<(&'static str, Vec<usize>)>,
}

/// The columns a field reads: the mapping's choice, else the first alias
/// the header has, then (without a mapping choice) the preset's fallbacks.
fn columns_of(
    field: &str,
    aliases: &[&str],
    fallbacks: &[(&str, &[&str])],
    normalised: &[String],
    chosen: Option<&Vec<usize>>,
) -> Vec<usize> {
    if let Some(chosen) = chosen {
        return chosen.clone();
    }
    let position = |a: &&str| normalised.iter().position(|h| h == a);
    let mut columns: Vec<usize> = aliases.iter().find_map(position).into_iter().collect();
    for (_, more) in fallbacks.iter().filter(|(f, _)| *f == field) {
        for c in more.iter().filter_map(position) {
            if !columns.contains(&c) {
                columns.push(c);
            }
        }
    }
    columns
}

impl Columns {
    /// Maps `header` to `fields`: the mapping file's choice first, then the
    /// aliases in order, then the preset's `fallbacks` (columns read when a
    /// field's own cell is empty). Problems: a mapping naming an unknown
    /// field or a header the file lacks, and required fields without a
    /// column (a requirement `a|b` is met by either).
    pub(crate) fn resolve(
        file: &str,
        header: &[String],
        fields: &'static [(&'static str, &'static [&'static str])],
        fallbacks: &[(&str, &[&str])],
        required: &[&str],
        mapping: &Mapping,
    ) -> Result<Self, Vec<ImportProblem>> {
        let normalised: Vec<String> = header.iter().map(|h| h.trim().to_lowercase()).collect();
        let mut problems = Vec::new();
        let problem = |message: String| ImportProblem {
            file: file.to_owned(),
            row: 1,
            column: None,
            message,
            value: None,
        };
        let mut chosen: HashMap<&str, Vec<usize>> = HashMap::new();
        let mut names: Vec<&String> = mapping.columns.keys().collect();
        names.sort();
        for field in names {
            let Some((key, _)) = fields.iter().find(|(k, _)| k == field) else {
                let known: Vec<&str> = fields.iter().map(|(k, _)| *k).collect();
                problems.push(problem(format!(
                    "the mapping names a field '{field}' this import does not have; its fields are: {}",
                    known.join(", ")
                )));
                continue;
            };
            // No header: explicitly "not in this file", even if an alias matches.
            let mut columns = Vec::new();
            for column in &mapping.columns[field] {
                match normalised
                    .iter()
                    .position(|h| *h == column.trim().to_lowercase())
                {
                    Some(i) if !columns.contains(&i) => columns.push(i),
                    Some(_) => {}
                    None => problems.push(problem(format!(
                        "the mapping puts '{field}' in a column '{column}' the file does not have"
                    ))),
                }
            }
            chosen.insert(key, columns);
        }
        let columns = Self {
            fields: fields
                .iter()
                .map(|(field, aliases)| {
                    let columns =
                        columns_of(field, aliases, fallbacks, &normalised, chosen.get(field));
                    (*field, columns)
                })
                .collect(),
        };
        for requirement in required {
            let options: Vec<&str> = requirement.split('|').collect();
            if options.iter().all(|f| columns.get(f).is_none()) {
                let aliases: Vec<&str> = fields
                    .iter()
                    .filter(|(f, _)| options.contains(f))
                    .flat_map(|(_, a)| a.iter().copied())
                    .collect();
                problems.push(problem(format!(
                    "required column '{}' is missing; expected one of: {}",
                    options.join("' or '"),
                    aliases.join(", ")
                )));
            }
        }
        if problems.is_empty() {
            Ok(columns)
        } else {
            Err(problems)
        }
    }

    /// Like [`Self::resolve`] but never failing: what the preview shows
    /// while the person is still choosing columns.
    pub(crate) fn loose(
        header: &[String],
        fields: &'static [(&'static str, &'static [&'static str])],
        mapping: &Mapping,
    ) -> Self {
        let normalised: Vec<String> = header.iter().map(|h| h.trim().to_lowercase()).collect();
        Self {
            fields: fields
                .iter()
                .map(|(field, aliases)| {
                    let chosen = mapping.columns.get(*field).map(|headers| {
                        headers
                            .iter()
                            .filter_map(|c| {
                                normalised
                                    .iter()
                                    .position(|h| *h == c.trim().to_lowercase())
                            })
                            .collect::<Vec<usize>>()
                    });
                    let columns = columns_of(field, aliases, &[], &normalised, chosen.as_ref());
                    (*field, columns)
                })
                .collect(),
        }
    }

    /// The column of a field (its first), if the file has it.
    pub(crate) fn get(&self, field: &str) -> Option<usize> {
        self.all(field).first().copied()
    }

    /// Every column a field reads, its own first.
    pub(crate) fn all(&self, field: &str) -> &[usize] {
        self.fields
            .iter()
            .find(|(f, _)| *f == field)
            .map_or(&[], |(_, c)| c.as_slice())
    }

    /// The fields that fall back to other columns, with those columns.
    pub(crate) fn with_fallbacks(&self) -> impl Iterator<Item = (&'static str, &[usize])> {
        self.fields
            .iter()
            .filter(|(_, c)| c.len() > 1)
            .map(|(f, c)| (*f, c.as_slice()))
    }

    /// Whether some field reads column `index`.
    pub(crate) fn uses(&self, index: usize) -> bool {
        self.fields.iter().any(|(_, c)| c.contains(&index))
    }

    /// Fields and the headers they were read from, for the mapping preview.
    pub(crate) fn matched<'h>(&self, header: &'h [String]) -> Vec<(&'static str, Option<&'h str>)> {
        self.fields
            .iter()
            .map(|(f, c)| {
                (
                    *f,
                    c.first().and_then(|i| header.get(*i)).map(String::as_str),
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIELDS: &[(&str, &[&str])] = &[
        ("name", &["name", "deal name"]),
        ("amount", &["amount"]),
        ("owner", &["owner"]),
        ("owner_external_id", &["owner_external_id", "ownerid"]),
    ];

    fn header(h: &[&str]) -> Vec<String> {
        h.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn a_mapping_file_overrides_the_aliases_and_is_checked() {
        let m = Mapping::parse(
            "map.toml",
            "date_format = \"%d.%m.%Y\"\n[columns]\nname = \"Title\"\n[stages]\n\"Signed\" = \"won\"\n\"Shortlist\" = { status = \"open\", probability = 60 }\n",
        )
        .unwrap();
        assert_eq!(m.stages["signed"].status, DealStatus::Won);
        assert_eq!(m.stages["shortlist"].probability, Some(60));
        let c = Columns::resolve(
            "f.csv",
            &header(&["Deal Name", "Title", "Amount", "OwnerId"]),
            FIELDS,
            &[],
            &["name", "amount", "owner|owner_external_id"],
            &m,
        )
        .unwrap();
        assert_eq!(c.get("name"), Some(1));
        assert_eq!(c.get("owner_external_id"), Some(3));
        assert_eq!(c.get("owner"), None);
    }

    #[test]
    fn bad_mappings_and_missing_columns_are_named() {
        let err = Mapping::parse("map.toml", "[columns]\nname = \n").unwrap_err();
        assert_eq!(err.file, "map.toml");
        assert_eq!(err.row, 2);
        let err = Mapping::parse("map.toml", "[stages]\nX = \"maybe\"\n").unwrap_err();
        assert!(
            err.message.contains("'maybe' is not open, won or lost"),
            "{err}"
        );
        assert!(Mapping::parse("map.toml", "colums = 1\n").is_err());
        // Found by fuzzing: a layout chrono cannot write (%r on a date, a
        // lone %) panicked while the mapping was checked.
        for layout in ["%d.%r", "%", "%Y-%m-%", "%H:%M"] {
            let err =
                Mapping::parse("map.toml", &format!("date_format = \"{layout}\"\n")).unwrap_err();
            assert!(
                err.message.contains("cannot read a date back"),
                "{layout}: {err}"
            );
        }
        // Issue 10, item 8: a mapping file has a size limit, named.
        let huge = format!("# {}\n", "x".repeat(MAX_MAPPING_BYTES));
        let err = Mapping::parse("huge.toml", &huge).unwrap_err();
        assert_eq!(
            err.to_string(),
            "huge.toml: a mapping file is at most 262144 bytes; this one is larger"
        );
        let m = Mapping::parse("m.toml", "[columns]\nnmae = \"X\"\namount = \"Value\"\n").unwrap();
        let problems = Columns::resolve(
            "f.csv",
            &header(&["Name"]),
            FIELDS,
            &[],
            &["name", "amount", "owner|owner_external_id"],
            &m,
        )
        .unwrap_err();
        let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(text.len(), 4, "{text:#?}");
        assert!(text[0].contains("column 'Value'"));
        assert!(text[1].contains("field 'nmae'"));
        assert!(text[3].contains("'owner' or 'owner_external_id'"));
    }
}
