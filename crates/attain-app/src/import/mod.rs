//! Importing other CRMs' export files, all or nothing.
//!
//! A file (CSV in UTF-8, UTF-8 with BOM or GB18030, any delimiter; or
//! XLSX) is read, its header mapped to Attain's fields by a preset (Zoho,
//! Salesforce, Fxiaoke, HubSpot, generic) or a mapping file, every row
//! parsed and checked, and references resolved (customers by external ID
//! or name, created when missing; owners by external ID, login, e-mail or
//! name). Every problem is reported as `file:row:column: what is wrong
//! (value)`; if there is any, nothing is written. Otherwise the rows are
//! written in one transaction, keyed by external ID (or a key derived from
//! the row), so importing the same file again changes nothing.

mod deals;
mod mapping;
mod orders;
mod parse;
mod presets;
mod records;
mod rows;
mod source;

use attain_store::{Actor, ImportCounts, Store};

pub use mapping::{MAX_MAPPING_BYTES, Mapping};
pub use parse::{DateStyle, ImportProblem, parse_amount, parse_date_as};
pub use presets::{Preset, StageRule};

impl Preset {
    /// Every preset, for pickers.
    pub const ALL: [Preset; 5] = [
        Preset::Generic,
        Preset::Zoho,
        Preset::Salesforce,
        Preset::Fxiaoke,
        Preset::Hubspot,
    ];

    /// The name used on the command line and in forms.
    pub fn key(self) -> &'static str {
        match self {
            Preset::Zoho => "zoho",
            Preset::Salesforce => "salesforce",
            Preset::Fxiaoke => "fxiaoke",
            Preset::Hubspot => "hubspot",
            Preset::Generic => "generic",
        }
    }
}
pub use source::{ReadLimits, Table, read_any, read_any_within, read_table, read_table_within};

use crate::{AppError, AppResult};

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    /// Deals (opportunities, 商机).
    Deals,
    /// Orders (sales orders, contracts), one row per line.
    Orders,
    /// Customers (accounts, 客户).
    Customers,
    /// Contacts.
    Contacts,
    /// Products.
    Products,
    /// Payments received (回款).
    Payments,
    /// Refunds.
    Refunds,
    /// Activities (calls, visits, meetings, e-mails).
    Activities,
    /// Service tickets (cases).
    Tickets,
    /// CSAT and NPS survey responses.
    Surveys,
    /// Marketing and sales spend.
    Spend,
    /// Training enrolments.
    Enrolments,
    /// Market sizes by segment, region and period.
    MarketSizes,
    /// Monthly exchange rates to the base currency.
    ExchangeRates,
    /// Competitors.
    Competitors,
    /// Territories.
    Territories,
    /// Training courses.
    Courses,
}

impl Entity {
    /// Every entity, in the order a full migration imports them.
    pub const ALL: [Entity; 17] = [
        Self::Territories,
        Self::Competitors,
        Self::Courses,
        Self::Products,
        Self::Customers,
        Self::Contacts,
        Self::Deals,
        Self::Orders,
        Self::Payments,
        Self::Refunds,
        Self::Activities,
        Self::Tickets,
        Self::Surveys,
        Self::Spend,
        Self::Enrolments,
        Self::MarketSizes,
        Self::ExchangeRates,
    ];

    /// The name used on the command line and in URLs.
    pub fn key(self) -> &'static str {
        match self {
            Self::Deals => "deals",
            Self::Orders => "orders",
            Self::Customers => "customers",
            Self::Contacts => "contacts",
            Self::Products => "products",
            Self::Payments => "payments",
            Self::Refunds => "refunds",
            Self::Activities => "activities",
            Self::Tickets => "tickets",
            Self::Surveys => "surveys",
            Self::Spend => "spend",
            Self::Enrolments => "enrolments",
            Self::MarketSizes => "market-sizes",
            Self::ExchangeRates => "exchange-rates",
            Self::Competitors => "competitors",
            Self::Territories => "territories",
            Self::Courses => "courses",
        }
    }

    /// Attain's fields for this entity and the headers that fill them.
    pub fn fields(self) -> Vec<(&'static str, Vec<&'static str>)> {
        self.field_list()
            .iter()
            .map(|(f, a)| (*f, a.to_vec()))
            .collect()
    }

    fn field_list(self) -> &'static [(&'static str, &'static [&'static str])] {
        use presets::*;
        match self {
            Self::Deals => DEAL_FIELDS,
            Self::Orders => ORDER_FIELDS,
            Self::Customers => CUSTOMER_FIELDS,
            Self::Contacts => CONTACT_FIELDS,
            Self::Products => PRODUCT_FIELDS,
            Self::Payments => PAYMENT_FIELDS,
            Self::Refunds => REFUND_FIELDS,
            Self::Activities => ACTIVITY_FIELDS,
            Self::Tickets => TICKET_FIELDS,
            Self::Surveys => SURVEY_FIELDS,
            Self::Spend => SPEND_FIELDS,
            Self::Enrolments => ENROLMENT_FIELDS,
            Self::MarketSizes => MARKET_SIZE_FIELDS,
            Self::ExchangeRates => RATE_FIELDS,
            Self::Competitors => COMPETITOR_FIELDS,
            Self::Territories => TERRITORY_FIELDS,
            Self::Courses => COURSE_FIELDS,
        }
    }
}

impl std::str::FromStr for Entity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim().to_lowercase().replace('_', "-");
        let found = match s.as_str() {
            "opportunities" | "potentials" => Some(Self::Deals),
            "accounts" | "companies" => Some(Self::Customers),
            "sales-orders" | "contracts" => Some(Self::Orders),
            "cases" => Some(Self::Tickets),
            "enrollments" => Some(Self::Enrolments),
            "rates" => Some(Self::ExchangeRates),
            _ => Self::ALL.into_iter().find(|e| e.key() == s),
        };
        found.ok_or_else(|| {
            let names: Vec<&str> = Self::ALL.iter().map(|e| e.key()).collect();
            format!(
                "'{s}' is not something Attain imports: expected one of {}",
                names.join(", ")
            )
        })
    }
}

/// How to read a file.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// Whose export layout it is.
    pub preset: Preset,
    /// Column, stage, date and currency overrides.
    pub mapping: Mapping,
    /// Check everything, write nothing.
    pub dry_run: bool,
    /// Create owners nobody here matches, as reps in an `Imported` unit.
    pub create_missing_owners: bool,
    /// Who imports, for the audit log of created owners.
    pub actor: Option<Actor>,
}

impl Default for ImportOptions {
    fn default() -> Self {
        Self {
            preset: Preset::Generic,
            mapping: Mapping::default(),
            dry_run: false,
            create_missing_owners: false,
            actor: None,
        }
    }
}

/// Where an import is, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportStep {
    /// The file is read; `rows` data rows are being checked.
    Checking {
        /// Data rows.
        rows: u64,
    },
    /// Checking passed; `records` rows are being written.
    Writing {
        /// Rows to write (order lines for orders).
        records: u64,
    },
    /// This many more rows were written.
    Wrote(u64),
}

/// Receives [`ImportStep`]s.
pub type OnStep<'a> = &'a (dyn Fn(ImportStep) + Send + Sync);

/// What an import did, or in a dry run would do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Data rows read.
    pub rows: usize,
    /// Records they make (orders group several lines).
    pub records: usize,
    /// Nothing was written.
    pub dry_run: bool,
    /// What was written (zero in a dry run).
    pub counts: ImportCounts,
    /// Owners created, or in a dry run to be created.
    pub owners_created: Vec<String>,
    /// Remarks for the person importing (e.g. a missing ID column).
    pub notes: Vec<String>,
    /// Each field and the column it was read from.
    pub columns: Vec<(String, Option<String>)>,
}

/// Imports `bytes` (a file called `file`) as `entity`. On any problem
/// nothing is written and every problem is returned.
pub async fn import(
    store: &Store,
    entity: Entity,
    file: &str,
    bytes: &[u8],
    options: &ImportOptions,
    on_step: OnStep<'_>,
) -> AppResult<ImportReport> {
    let (table, problems) = read_any(file, bytes).map_err(AppError::Import)?;
    import_table(store, entity, table, problems, options, on_step).await
}

/// Imports rows that are already a table (an API request's JSON objects,
/// say), with the problems found while reading it.
pub async fn import_table(
    store: &Store,
    entity: Entity,
    table: Table,
    problems: Vec<ImportProblem>,
    options: &ImportOptions,
    on_step: OnStep<'_>,
) -> AppResult<ImportReport> {
    on_step(ImportStep::Checking {
        rows: table.rows.len() as u64,
    });
    let settings = store.settings().await?;
    let result = match entity {
        Entity::Deals => {
            deals::import(
                store,
                &table,
                problems,
                options,
                settings.base_currency,
                on_step,
            )
            .await
        }
        Entity::Orders => {
            orders::import(
                store,
                &table,
                problems,
                options,
                settings.base_currency,
                on_step,
            )
            .await
        }
        other => {
            records::import(
                store,
                other,
                &table,
                problems,
                options,
                settings.base_currency,
                on_step,
            )
            .await
        }
    };
    result.map(|mut report| {
        report.rows = table.rows.len();
        report.dry_run = options.dry_run;
        report
    })
}

/// The file's own problems (cut-off lines) plus the mapping's, as one error.
fn fail(mut problems: Vec<ImportProblem>, more: Vec<ImportProblem>) -> AppError {
    problems.extend(more);
    problems.sort_by_key(|p| p.row);
    AppError::Import(problems)
}

/// One field of an entity as the preview shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldMatch {
    /// Attain's field.
    pub field: &'static str,
    /// The column it is read from, by index into the header.
    pub column: Option<usize>,
    /// Whether a file must have it (`a|b` requirements count for both).
    pub required: bool,
    /// The other fields that meet the same requirement (`customer` for
    /// `customer_external_id`): either will do.
    pub alternatives: Vec<&'static str>,
}

/// How the columns of `header` map to `entity`'s fields under `preset`'s
/// aliases and `mapping`: for the web preview, before and after the
/// person changes a choice.
pub fn preview_columns(entity: Entity, header: &[String], mapping: &Mapping) -> Vec<FieldMatch> {
    let required = required_fields(entity);
    let columns = mapping::Columns::loose(header, entity.field_list(), mapping);
    entity
        .field_list()
        .iter()
        .map(|(field, _)| FieldMatch {
            field,
            column: columns.get(field),
            required: required.iter().any(|r| r.split('|').any(|f| f == *field)),
            alternatives: required
                .iter()
                .filter(|r| r.split('|').any(|f| f == *field))
                .flat_map(|r| r.split('|'))
                .filter(|f| f != field)
                .collect(),
        })
        .collect()
}

fn required_fields(entity: Entity) -> &'static [&'static str] {
    match entity {
        Entity::Deals => deals::REQUIRED,
        Entity::Orders => orders::REQUIRED,
        other => records::requirements(other).0,
    }
}

/// Attain's fields matched to the file's headers, for the report.
fn matched_columns(columns: &mapping::Columns, header: &[String]) -> Vec<(String, Option<String>)> {
    columns
        .matched(header)
        .into_iter()
        .map(|(f, h)| (f.to_owned(), h.map(str::to_owned)))
        .collect()
}
