//! Importing other CRMs' export files, all or nothing.
//!
//! A file (CSV in UTF-8 with or without BOM, GB18030 or Windows-1252 —
//! detected, or named by a mapping file — with any delimiter; or XLSX) is read, its header mapped to Attain's fields by a preset (Zoho,
//! Salesforce, Fxiaoke, HubSpot, generic) or a mapping file, every row
//! parsed and checked, and references resolved (customers by external ID
//! or name, created when missing; owners by external ID, login, e-mail or
//! name). Every problem is reported as `file:row:column: what is wrong
//! (value)`; if there is any, nothing is written. Otherwise the rows are
//! written in one transaction, keyed by external ID (or a key derived from
//! the row), so importing the same file again changes nothing.

pub mod all;
mod deals;
mod mapping;
mod orders;
mod parse;
pub mod people;
mod presets;
mod records;
mod rows;
mod source;
pub mod xlsx;

use attain_store::{Actor, ImportCounts, Store};

pub use attain_core::ImportProblem;
pub use mapping::{MAX_MAPPING_BYTES, Mapping};
pub use parse::{DateStyle, DecimalMark, parse_amount, parse_date_as};
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
pub use source::{
    ReadLimits, Table, TextEncoding, read_any, read_any_as, read_any_within, read_table,
    read_table_within,
};

use attain_app::{AppError, AppResult};

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

    /// How its records are changed one by one (their table and re-import
    /// key), for those that can be (exchange rates cannot): the store's
    /// one list of them.
    pub fn by_id(self) -> Option<&'static attain_store::RecordKind> {
        attain_store::record_kind(self.key())
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
    /// Audit each record (with its fields before and after) rather than
    /// the file as a whole: what API writes do.
    pub audit_each_record: bool,
    /// Where "today" comes from, for the dates an import fills in (a
    /// stage change's day, a customer first named by a contact).
    pub clock: attain_core::Clock,
}

impl Default for ImportOptions {
    fn default() -> Self {
        Self {
            preset: Preset::Generic,
            mapping: Mapping::default(),
            dry_run: false,
            create_missing_owners: false,
            actor: None,
            audit_each_record: false,
            clock: attain_core::Clock::system(),
        }
    }
}

impl ImportOptions {
    /// How a write of `entity` read from `table` goes into the audit log:
    /// as the importing person (or `import`), for the file or each record.
    pub(crate) fn audit(&self, entity: Entity, table: &Table) -> attain_store::ImportAudit {
        attain_store::ImportAudit {
            actor: self.actor.clone().unwrap_or_else(|| Actor::named("import")),
            entity: entity.key().to_owned(),
            today: self.clock.today(),
            scope: if self.audit_each_record {
                attain_store::AuditScope::Records
            } else {
                attain_store::AuditScope::File(table.file.clone())
            },
        }
    }
}

/// How the keys Attain gives records that have no external ID begin
/// (`attain:deals:141`, see `Store::record_key`). A caller who gave a new
/// record such an ID could take the key of another record and block its
/// replacement, so an import accepts one only where a record has it
/// already (see [`own_keys_in_use`]).
pub const OWN_KEY_PREFIX: &str = "attain:";

/// Whether `text` is in Attain's own key form (`attain:…`, any case).
pub(crate) fn is_own_key(text: &str) -> bool {
    text.get(..OWN_KEY_PREFIX.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(OWN_KEY_PREFIX))
}

/// The cells of `table` in Attain's own key form that are the keys of
/// stored records of `entity`: a file or request may name them (to update
/// those records, as a replacement through the API does), no others.
pub(crate) async fn own_keys_in_use(
    store: &Store,
    entity: Entity,
    table: &Table,
) -> AppResult<std::collections::HashSet<String>> {
    let cells: Vec<&str> = table
        .rows
        .iter()
        .flat_map(|(_, cells)| cells.iter().map(String::as_str))
        .filter(|c| is_own_key(c))
        .collect();
    match entity.by_id() {
        Some(kind) if !cells.is_empty() => Ok(store.keys_in_use(kind.entity, &cells).await?),
        _ => Ok(std::collections::HashSet::new()),
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

/// A column of the file that no field read: its values are not stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnusedColumn {
    /// Its position in the header, from 1.
    pub position: usize,
    /// Its header ("" when it has none).
    pub header: String,
    /// Rows with a value in it.
    pub values: usize,
}

impl std::fmt::Display for UnusedColumn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.header.is_empty() {
            write!(f, "column {} (no header)", self.position)
        } else {
            write!(f, "'{}'", self.header)
        }
    }
}

/// What Attain used where rows did not say: each is counted in the report,
/// with what it means for the figures.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Fallback {
    /// A field's own column was empty; the value came from a fallback
    /// column (a mapping's `field = ["a", "b"]` or a preset's).
    FromColumn {
        /// Attain's field.
        field: String,
        /// The header the value was read from.
        column: String,
    },
    /// Deals without a creation date were created on their close date.
    DealCreatedOnClose,
    /// Won or lost deals created after their close date were created on it.
    DealCreatedAfterClose,
    /// Deals without an amount count as 0.
    DealAmountZero,
    /// Deals with neither a probability nor a stage that gives one.
    DealProbabilityByStatus,
    /// An empty yes/no cell (how Salesforce Data Loader writes false).
    EmptyIsFalse {
        /// The header of the column.
        column: String,
    },
    /// Amounts with more decimals than their currency keeps were rounded
    /// half-even to its minor unit.
    AmountRounded {
        /// The header of the column.
        column: String,
    },
    /// Customers without a creation date were created on the import's day.
    CustomerCreatedToday,
    /// Customers without a status are prospects.
    CustomerProspect,
    /// Contacts without a customer (Salesforce's private contacts).
    ContactWithoutCustomer,
    /// Products without a list price have 0.
    ProductListPriceZero,
    /// Products without a unit cost cost 0.
    ProductCostZero,
    /// Products without a category are 'Uncategorised'.
    ProductUncategorised,
    /// Order lines without a quantity have 1.
    OrderQuantityOne,
    /// Order lines without a product.
    OrderLineWithoutProduct,
    /// Spend without a kind is marketing spend.
    SpendMarketing,
    /// Activities of a type that is no call, visit, meeting or e-mail.
    ActivityOther,
    /// Activities with a lead, which Attain does not import: its ID is kept.
    ActivityWithLead,
    /// Activities naming a record Attain does not keep (a case, a campaign):
    /// its ID is kept.
    ActivityRelatedKept,
    /// Tickets that name only a contact got the contact's customer.
    TicketCustomerOfContact,
    /// Tickets whose contact has no customer are kept without one.
    TicketWithoutCustomer,
    /// Courses without a kind are skill courses.
    CourseSkill,
    /// Payments larger than what was left to pay on their order (its
    /// total less earlier payments, stored and in the file): kept.
    PaymentBeyondOrder,
}

impl Fallback {
    /// One of every kind (with sample column and field names), for checking
    /// that each has a message wherever reports are shown.
    pub fn every_kind() -> Vec<Fallback> {
        let column = || "Column".to_owned();
        vec![
            Self::FromColumn {
                field: "field".into(),
                column: column(),
            },
            Self::DealCreatedOnClose,
            Self::DealCreatedAfterClose,
            Self::DealAmountZero,
            Self::DealProbabilityByStatus,
            Self::EmptyIsFalse { column: column() },
            Self::AmountRounded { column: column() },
            Self::CustomerCreatedToday,
            Self::CustomerProspect,
            Self::ContactWithoutCustomer,
            Self::ProductListPriceZero,
            Self::ProductCostZero,
            Self::ProductUncategorised,
            Self::OrderQuantityOne,
            Self::OrderLineWithoutProduct,
            Self::SpendMarketing,
            Self::ActivityOther,
            Self::ActivityWithLead,
            Self::ActivityRelatedKept,
            Self::TicketCustomerOfContact,
            Self::TicketWithoutCustomer,
            Self::CourseSkill,
            Self::PaymentBeyondOrder,
        ]
    }

    /// A stable name: the web's message key is `import-default-<key>`, the
    /// API's `code`.
    pub fn key(&self) -> &'static str {
        match self {
            Self::FromColumn { .. } => "from-column",
            Self::DealCreatedOnClose => "deal-created-on-close",
            Self::DealCreatedAfterClose => "deal-created-after-close",
            Self::DealAmountZero => "deal-amount-zero",
            Self::DealProbabilityByStatus => "deal-probability-by-status",
            Self::EmptyIsFalse { .. } => "empty-is-false",
            Self::AmountRounded { .. } => "amount-rounded",
            Self::CustomerCreatedToday => "customer-created-today",
            Self::CustomerProspect => "customer-prospect",
            Self::ContactWithoutCustomer => "contact-without-customer",
            Self::ProductListPriceZero => "product-list-price-zero",
            Self::ProductCostZero => "product-cost-zero",
            Self::ProductUncategorised => "product-uncategorised",
            Self::OrderQuantityOne => "order-quantity-one",
            Self::OrderLineWithoutProduct => "order-line-without-product",
            Self::SpendMarketing => "spend-marketing",
            Self::ActivityOther => "activity-other",
            Self::ActivityWithLead => "activity-with-lead",
            Self::ActivityRelatedKept => "activity-related-kept",
            Self::TicketCustomerOfContact => "ticket-customer-of-contact",
            Self::TicketWithoutCustomer => "ticket-without-customer",
            Self::CourseSkill => "course-skill",
            Self::PaymentBeyondOrder => "payment-beyond-order",
        }
    }

    /// The header or field the sentence names (`column` in the web's
    /// message), if any.
    pub fn column(&self) -> Option<&str> {
        match self {
            Self::FromColumn { column, .. }
            | Self::EmptyIsFalse { column }
            | Self::AmountRounded { column } => Some(column),
            _ => None,
        }
    }

    /// The Attain field of [`Self::FromColumn`] (`field` in the web's message).
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::FromColumn { field, .. } => Some(field),
            _ => None,
        }
    }

    /// In English, for `rows` rows, with what it means for the figures.
    pub fn sentence(&self, rows: usize) -> String {
        let n = rows;
        match self {
            Self::FromColumn { field, column } => {
                format!("{n} rows had no {field} in its own column: it was read from '{column}'")
            }
            Self::DealCreatedOnClose => format!(
                "{n} deals have no creation date: they were created on their close date, so their sales cycle reads 0 days"
            ),
            Self::DealCreatedAfterClose => format!(
                "{n} won or lost deals were created after their close date: their creation date is the close date"
            ),
            Self::DealAmountZero => format!("{n} deals have no amount: they count as 0"),
            Self::DealProbabilityByStatus => format!(
                "{n} deals have no probability and their stage gives none: 10% if open, 100% if won, 0% if lost"
            ),
            Self::EmptyIsFalse { column } => {
                format!("{n} rows have an empty '{column}': read as false")
            }
            Self::AmountRounded { column } => format!(
                "{n} amounts in '{column}' have more decimals than their currency keeps: rounded half-even to its smallest unit"
            ),
            Self::CustomerCreatedToday => {
                format!("{n} customers have no creation date: they were created today")
            }
            Self::CustomerProspect => {
                format!("{n} customers have no status: they are prospects")
            }
            Self::ContactWithoutCustomer => {
                format!("{n} contacts have no customer: they are kept without one")
            }
            Self::ProductListPriceZero => {
                format!("{n} products have no list price: it is 0")
            }
            Self::ProductCostZero => {
                format!("{n} products have no unit cost: it is 0, so their margin reads 100%")
            }
            Self::ProductUncategorised => {
                format!("{n} products have no category: they are 'Uncategorised'")
            }
            Self::OrderQuantityOne => format!("{n} order lines have no quantity: it is 1"),
            Self::OrderLineWithoutProduct => format!(
                "{n} order lines have no product: they count for revenue but for no product, at a cost of 0"
            ),
            Self::SpendMarketing => {
                format!("{n} spend rows have no kind: they are marketing spend")
            }
            Self::ActivityOther => format!(
                "{n} activities are no call, visit, meeting or e-mail: they are kept as 'other' and not counted as activities"
            ),
            Self::ActivityWithLead => format!(
                "{n} activities are with a lead, which Attain does not import: the lead's ID is kept with them"
            ),
            Self::ActivityRelatedKept => format!(
                "{n} activities name a record Attain does not keep (a case, a campaign, …): its ID is kept with them"
            ),
            Self::TicketCustomerOfContact => {
                format!("{n} tickets name only a contact: their customer is the contact's")
            }
            Self::TicketWithoutCustomer => format!(
                "{n} tickets have no customer (nor does their contact): they are kept without one"
            ),
            Self::CourseSkill => format!("{n} courses have no kind: they are skill courses"),
            Self::PaymentBeyondOrder => {
                format!("{n} payments exceed what was left to pay on their order: kept as paid")
            }
        }
    }
}

/// A [`Fallback`] and the rows it was used for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Defaulted {
    /// What was used.
    pub fallback: Fallback,
    /// For how many rows.
    pub rows: usize,
}

impl std::fmt::Display for Defaulted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.fallback.sentence(self.rows))
    }
}

/// What kind of record an import creates because its rows name one that
/// does not exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreatedKind {
    /// Customers named by deals, orders, contacts, activities, tickets or surveys.
    Customers,
    /// Channels named by deals' and customers' sources and by spend.
    Channels,
    /// Courses named by enrolments.
    Courses,
}

impl CreatedKind {
    /// A stable name (`customers`, `channels`, `courses`).
    pub fn key(self) -> &'static str {
        match self {
            Self::Customers => "customers",
            Self::Channels => "channels",
            Self::Courses => "courses",
        }
    }
}

/// Records of one kind an import creates, or in a dry run would create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created {
    /// Of which kind.
    pub kind: CreatedKind,
    /// How many.
    pub count: usize,
    /// The names of the first ten, in file order.
    pub first: Vec<String>,
}

impl Created {
    /// How many names a report lists.
    pub const LISTED: usize = 10;

    fn of(kind: CreatedKind, names: Vec<String>) -> Option<Self> {
        (!names.is_empty()).then(|| Self {
            kind,
            count: names.len(),
            first: names.into_iter().take(Self::LISTED).collect(),
        })
    }
}

impl Created {
    /// How many are not among [`Self::first`].
    pub fn more(&self) -> usize {
        self.count.saturating_sub(self.first.len())
    }
}

impl std::fmt::Display for Created {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {} created: {}",
            self.count,
            self.kind.key(),
            self.first.join(", ")
        )?;
        if self.more() > 0 {
            write!(f, " and {} more", self.more())?;
        }
        Ok(())
    }
}

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
    /// The file's columns no field read, in file order.
    pub unused_columns: Vec<UnusedColumn>,
    /// What Attain used where rows did not say, and for how many rows.
    pub defaults: Vec<Defaulted>,
    /// Customers, channels and courses the rows name that do not exist
    /// and are created (owners: [`Self::owners_created`]).
    pub created: Vec<Created>,
}

/// What an import's rows name that does not exist yet, as the write will
/// create it: customers found as [`attain_store::CustomerIndex`] finds
/// them, channels by key, courses by name. Asked before writing, so a dry
/// run reports exactly what the real run does.
pub(crate) async fn to_create(
    store: &Store,
    customers: Vec<&attain_store::CustomerRef>,
    channels: Vec<&attain_core::sales::Channel>,
    courses: Vec<&str>,
) -> AppResult<Vec<Created>> {
    let mut created = Vec::new();
    if !customers.is_empty() {
        let index = store.customer_index().await?;
        let names = index
            .to_create(customers)
            .into_iter()
            .map(|c| c.name.clone())
            .collect();
        created.extend(Created::of(CreatedKind::Customers, names));
    }
    if !channels.is_empty() {
        let mut known = store.channel_keys().await?;
        let names = channels
            .into_iter()
            .filter(|c| known.insert(c.key.clone()))
            .map(|c| c.name.clone())
            .collect();
        created.extend(Created::of(CreatedKind::Channels, names));
    }
    if !courses.is_empty() {
        let mut known = store.course_names().await?;
        let names = courses
            .into_iter()
            .filter(|c| known.insert((*c).to_owned()))
            .map(str::to_owned)
            .collect();
        created.extend(Created::of(CreatedKind::Courses, names));
    }
    Ok(created)
}

/// A file a person imports (the upload page): [`import`], for the people
/// who run the data ([`attain_core::Principal::can_import`]), whoever calls.
pub async fn import_for(
    store: &Store,
    by: &attain_core::Principal,
    entity: Entity,
    file: &str,
    bytes: &[u8],
    options: &ImportOptions,
    on_step: OnStep<'_>,
) -> AppResult<ImportReport> {
    may_import(by)?;
    import(store, entity, file, bytes, options, on_step).await
}

/// Rows already read into a table that a person imports or previews (the
/// upload page): [`import_table`], for the people who run the data.
pub async fn import_table_for(
    store: &Store,
    by: &attain_core::Principal,
    entity: Entity,
    table: Table,
    problems: Vec<ImportProblem>,
    options: &ImportOptions,
    on_step: OnStep<'_>,
) -> AppResult<ImportReport> {
    may_import(by)?;
    import_table(store, entity, table, problems, options, on_step).await
}

fn may_import(by: &attain_core::Principal) -> AppResult<()> {
    AppError::unless_allowed(
        by.can_import(),
        "importing data is for sales ops and admins",
    )
}

/// Imports `bytes` (a file called `file`) as `entity`. On any problem
/// nothing is written and every problem is returned. It does not ask who
/// imports: the shell calls it; a person's import goes through
/// [`import_for`].
pub async fn import(
    store: &Store,
    entity: Entity,
    file: &str,
    bytes: &[u8],
    options: &ImportOptions,
    on_step: OnStep<'_>,
) -> AppResult<ImportReport> {
    let (table, problems) =
        read_any_as(file, bytes, &ReadLimits::DEFAULT, options.mapping.encoding)
            .map_err(AppError::Import)?;
    import_table(store, entity, table, problems, options, on_step).await
}

/// Records a person writes through the API (JSON objects read as a table):
/// the same checks and the same writer as a file, for sales operations and
/// administrators only, whoever calls.
pub async fn write_for(
    store: &Store,
    by: &attain_core::Principal,
    entity: Entity,
    table: Table,
    options: &ImportOptions,
) -> AppResult<ImportReport> {
    attain_app::records::may_write(by)?;
    import_table(store, entity, table, Vec::new(), options, &|_| {}).await
}

/// Imports rows that are already a table, with the problems found while
/// reading it. It does not ask who imports: a person's rows go through
/// [`import_table_for`] (a file) or [`write_for`] (the API).
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
    let rows = table.rows.len();
    let (mut table, deleted) = without_deleted_rows(table, options.preset);
    let read_notes = std::mem::take(&mut table.notes);
    let mut problems = problems;
    problems.extend(without_nul_rows(&mut table));
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
                table,
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
        report.notes.splice(0..0, read_notes);
        report.rows = rows;
        report.dry_run = options.dry_run;
        if deleted > 0 {
            report.notes.push(format!(
                "{deleted} rows marked deleted (IsDeleted) were skipped"
            ));
        }
        report
    })
}

/// Takes the rows holding a NUL character out of `table` and returns a
/// problem for each such cell (and for such a header). Neither database
/// keeps it faithfully: PostgreSQL refuses the whole write, SQLite stores
/// it — so the file, form or request says where it is.
fn without_nul_rows(table: &mut Table) -> Vec<ImportProblem> {
    let problem = |row: usize, column: String, value: &str| ImportProblem {
        file: table.file.clone(),
        row,
        column: Some(column),
        message: "contains a NUL character (0x00), which Attain does not store".into(),
        value: Some(value.replace('\0', "\\0")),
    };
    let mut problems: Vec<ImportProblem> = table
        .header
        .iter()
        .enumerate()
        .filter(|(_, h)| h.contains('\0'))
        .map(|(i, h)| problem(1, format!("column {}", i + 1), h))
        .collect();
    table.rows.retain(|(line, cells)| {
        let mut clean = true;
        for (i, cell) in cells.iter().enumerate().filter(|(_, c)| c.contains('\0')) {
            let column = table
                .header
                .get(i)
                .filter(|h| !h.is_empty() && !h.contains('\0'))
                .cloned()
                .unwrap_or_else(|| format!("column {}", i + 1));
            problems.push(problem(*line, column, cell));
            clean = false;
        }
        clean
    });
    problems
}

/// Salesforce's empty lookup in its weekly Data Export.
const SALESFORCE_NO_ID: &str = "000000000000000AAA";

/// The table without the rows a CRM exported as deleted (Salesforce's
/// "export all" writes them with `IsDeleted` true) and without that column,
/// which is then read; with the Salesforce preset, its empty-lookup ID
/// `000000000000000AAA` reads as empty. Returns how many rows were left out,
/// which the report says.
fn without_deleted_rows(mut table: Table, preset: Preset) -> (Table, usize) {
    if preset == Preset::Salesforce {
        for (_, cells) in &mut table.rows {
            for cell in cells.iter_mut().filter(|c| c.trim() == SALESFORCE_NO_ID) {
                cell.clear();
            }
        }
    }
    let Some(column) = table.header.iter().position(|h| {
        matches!(
            h.trim().to_ascii_lowercase().replace(' ', "_").as_str(),
            "isdeleted" | "is_deleted"
        )
    }) else {
        return (table, 0);
    };
    let before = table.rows.len();
    table.rows.retain(|(_, cells)| {
        cells
            .get(column)
            .is_none_or(|c| deals::yes_no(c) != Some(true))
    });
    table.header.remove(column);
    for (_, cells) in &mut table.rows {
        if column < cells.len() {
            cells.remove(column);
        }
    }
    let deleted = before - table.rows.len();
    (table, deleted)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entity_but_exchange_rates_can_be_changed_by_id_under_its_own_name() {
        for entity in Entity::ALL {
            match entity.by_id() {
                Some(kind) => {
                    assert_eq!(kind.entity, entity.key(), "{entity:?}");
                    assert!(
                        entity.fields().iter().any(|(f, _)| *f == kind.key)
                            || entity == Entity::MarketSizes,
                        "{entity:?}: a replacement fills {}, a field of the entity",
                        kind.key
                    );
                }
                None => assert_eq!(entity, Entity::ExchangeRates),
            }
        }
    }

    #[test]
    fn every_fallback_has_its_own_key_and_names_what_it_used() {
        let all = Fallback::every_kind();
        let mut keys: Vec<&str> = all.iter().map(Fallback::key).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), all.len());
        for f in &all {
            assert!(f.sentence(3).starts_with("3 "), "{f:?}");
        }
    }
}
