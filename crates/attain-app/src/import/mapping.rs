//! Which column of a file holds which field: the preset's aliases, or a
//! mapping file (`--mapping MAP.toml`) that names columns, stages, the date
//! layout and the default currency for files no preset knows.
//!
//! ```toml
//! date_format = "%d.%m.%Y"   # chrono layout; otherwise found from the file
//! currency = "EUR"           # for files without a currency column
//!
//! [columns]                  # Attain field = header in the file
//! name = "Opportunity Title"
//! lost_reason = ""           # "": not in this file, whatever an alias matches
//! amount = "Value (EUR)"
//!
//! [stages]                   # stage as written = open | won | lost
//! "Contract signed" = "won"
//! "Dead" = "lost"
//! "Shortlisted" = { status = "open", probability = 60 }
//! ```

use std::collections::HashMap;

use attain_core::sales::DealStatus;
use serde::Deserialize;

use super::parse::{DateStyle, ImportProblem};
use super::presets::StageRule;

/// The largest mapping file Attain reads: 256 KiB, hundreds of times what
/// a mapping of every field and stage of a CRM takes.
pub const MAX_MAPPING_BYTES: usize = 256 * 1024;

/// A mapping file, checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mapping {
    /// Field → header, as written in the file.
    pub columns: HashMap<String, String>,
    /// Stage (lower-cased) → meaning.
    pub stages: HashMap<String, StageRule>,
    /// Explicit date layout.
    pub date_format: Option<String>,
    /// Default currency code.
    pub currency: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MappingFile {
    #[serde(default)]
    columns: HashMap<String, String>,
    #[serde(default)]
    stages: HashMap<String, StageFile>,
    date_format: Option<String>,
    currency: Option<String>,
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
                stage.trim().to_lowercase(),
                StageRule {
                    status,
                    probability,
                },
            );
        }
        if let Some(f) = &raw.date_format {
            let probe = chrono::NaiveDate::from_ymd_opt(2026, 7, 14).unwrap_or_default();
            let written = probe.format(f).to_string();
            if chrono::NaiveDate::parse_from_str(&written, f) != Ok(probe) {
                return Err(problem(
                    0,
                    format!("date_format '{f}' cannot read a date back (use e.g. %d.%m.%Y)"),
                ));
            }
        }
        Ok(Self {
            columns: raw
                .columns
                .into_iter()
                .map(|(k, v)| (k.trim().to_lowercase(), v))
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

/// Where each field of an entity sits in a file.
#[derive(Debug, Clone)]
pub(crate) struct Columns {
    fields: Vec<(&'static str, Option<usize>)>,
}

impl Columns {
    /// Maps `header` to `fields`: the mapping file's choice first, then the
    /// aliases in order. Problems: a mapping naming an unknown field or a
    /// header the file lacks, and required fields without a column (a
    /// requirement `a|b` is met by either).
    pub(crate) fn resolve(
        file: &str,
        header: &[String],
        fields: &'static [(&'static str, &'static [&'static str])],
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
        let mut chosen: HashMap<&str, Option<usize>> = HashMap::new();
        let mut names: Vec<&String> = mapping.columns.keys().collect();
        names.sort();
        for field in names {
            let column = &mapping.columns[field];
            let Some((key, _)) = fields.iter().find(|(k, _)| k == field) else {
                let known: Vec<&str> = fields.iter().map(|(k, _)| *k).collect();
                problems.push(problem(format!(
                    "the mapping names a field '{field}' this import does not have; its fields are: {}",
                    known.join(", ")
                )));
                continue;
            };
            if column.trim().is_empty() {
                // Explicitly "not in this file", even if an alias matches.
                chosen.insert(key, None);
                continue;
            }
            match normalised
                .iter()
                .position(|h| *h == column.trim().to_lowercase())
            {
                Some(i) => {
                    chosen.insert(key, Some(i));
                }
                None => problems.push(problem(format!(
                    "the mapping puts '{field}' in a column '{column}' the file does not have"
                ))),
            }
        }
        let columns = Self {
            fields: fields
                .iter()
                .map(|(field, aliases)| {
                    let column = chosen.get(field).copied().unwrap_or_else(|| {
                        aliases
                            .iter()
                            .find_map(|a| normalised.iter().position(|h| h == a))
                    });
                    (*field, column)
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
                    let column = match mapping.columns.get(*field) {
                        Some(c) if c.trim().is_empty() => None,
                        Some(c) => normalised
                            .iter()
                            .position(|h| *h == c.trim().to_lowercase()),
                        None => aliases
                            .iter()
                            .find_map(|a| normalised.iter().position(|h| h == a)),
                    };
                    (*field, column)
                })
                .collect(),
        }
    }

    /// The column of a field, if the file has it.
    pub(crate) fn get(&self, field: &str) -> Option<usize> {
        self.fields
            .iter()
            .find(|(f, _)| *f == field)
            .and_then(|(_, c)| *c)
    }

    /// Fields and the headers they were read from, for the mapping preview.
    pub(crate) fn matched<'h>(&self, header: &'h [String]) -> Vec<(&'static str, Option<&'h str>)> {
        self.fields
            .iter()
            .map(|(f, c)| (*f, c.and_then(|i| header.get(i)).map(String::as_str)))
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
