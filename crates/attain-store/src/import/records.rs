//! The other imported records (customers, contacts, products, payments,
//! refunds, activities, tickets, surveys, spend, enrolments, rates, market
//! sizes, competitors, territories, courses): what a row becomes, where it
//! is written, and the one upsert that writes them.

use std::collections::{HashMap, HashSet};

use attain_core::sales::{
    ActivityKind, Channel, CustomerSize, CustomerStatus, MarketSize, SpendKind, SurveyKind,
    TicketPriority,
};
use attain_core::{ContactId, CustomerId, DealId, ExternalId, Money, OrderId, OrgUnitId, UserId};
use chrono::{DateTime, NaiveDate, Utc};

use crate::access::{AuditAction, audit};
use crate::bulk::{Val, bulk_insert};
use crate::facts::{
    ACTIVITIES_TARGET, ActivityRow, COMPETITORS_TARGET, CONTACTS_TARGET, COURSES_TARGET,
    CUSTOMERS_TARGET, CompetitorRow, ContactRow, CourseRow, CustomerRow, ENROLMENTS_TARGET,
    EXCHANGE_RATES_TARGET, EnrolmentRow, Fact, MARKET_SIZES_TARGET, MarketSizeRow, MoneyMove,
    PAYMENTS_TARGET, PRODUCTS_TARGET, PaymentRow, ProductRow, REFUNDS_TARGET, RateRow, RefundRow,
    SPEND_TARGET, SURVEYS_TARGET, SpendRow, SurveyRow, TERRITORIES_TARGET, TICKETS_TARGET,
    TerritoryRow, TicketRow, insert_one,
};
use crate::kpi::{Touched, refresh_rollups};
use crate::snapshot::{Changes, ImportAudit, Target, audit_import, snapshots, snapshots_by_id};
use crate::{Actor, Store, StoreError, StoreResult, in_serial_write};

use super::*;

/// A customer (account) read from a file.
#[derive(Debug, Clone)]
pub struct ImportedCustomer {
    /// Key for re-imports: the file's ID, or one derived from the name.
    pub external_id: ExternalId,
    /// A stored customer this row updates although it has no external ID yet
    /// (found by name).
    pub existing: Option<CustomerId>,
    /// Name.
    pub name: String,
    /// Industry.
    pub industry: Option<String>,
    /// Region.
    pub region: Option<String>,
    /// Size band.
    pub size: Option<CustomerSize>,
    /// Segment.
    pub segment: Option<String>,
    /// Source channel (created when new).
    pub source_channel: Option<Channel>,
    /// Owner; none puts the customer in the pool (客户公海).
    pub owner: Option<OwnerRef>,
    /// Lifecycle state.
    pub status: CustomerStatus,
    /// Created.
    pub created_on: NaiveDate,
}

/// A contact person read from a file.
#[derive(Debug, Clone)]
pub struct ImportedContact {
    /// Key for re-imports.
    pub external_id: ExternalId,
    /// The customer the person works for, if any (private contacts have none).
    pub customer: Option<CustomerRef>,
    /// Full name.
    pub name: String,
    /// Job title.
    pub title: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Phone or mobile.
    pub phone: Option<String>,
    /// Owner.
    pub owner: Option<OwnerRef>,
}

/// A product read from a file; its SKU is the key for re-imports.
#[derive(Debug, Clone)]
pub struct ImportedProduct {
    /// SKU / product code.
    pub sku: String,
    /// Name.
    pub name: String,
    /// Category (product family).
    pub category: String,
    /// List price.
    pub list_price: Money,
    /// Unit cost, for margin.
    pub unit_cost: Money,
    /// Still sold.
    pub active: bool,
    /// ID in the source system.
    pub external_id: Option<ExternalId>,
}

/// A payment received (回款) or a refund, read from a file.
#[derive(Debug, Clone)]
pub struct ImportedMoneyMove {
    /// Key for re-imports.
    pub external_id: ExternalId,
    /// The order it pays or refunds.
    pub order: OrderId,
    /// Date received or refunded.
    pub on: NaiveDate,
    /// Amount (positive).
    pub amount: Money,
    /// Payment method, or refund reason.
    pub note: Option<String>,
}

/// An activity read from a file.
#[derive(Debug, Clone)]
pub struct ImportedActivity {
    /// Key for re-imports.
    pub external_id: ExternalId,
    /// Call, visit, meeting, e-mail or other.
    pub kind: ActivityKind,
    /// Who did it.
    pub owner: OwnerRef,
    /// With which customer.
    pub customer: Option<CustomerLink>,
    /// About which deal.
    pub deal: Option<DealId>,
    /// With which contact.
    pub contact: Option<ContactId>,
    /// The lead it was with (Attain keeps no leads), by the lead's ID.
    pub lead_external_id: Option<String>,
    /// Another record it names that Attain does not keep (a case, a
    /// campaign), by its ID.
    pub related_external_id: Option<String>,
    /// When.
    pub occurred_on: NaiveDate,
    /// Subject.
    pub subject: Option<String>,
}

/// A service ticket read from a file.
#[derive(Debug, Clone)]
pub struct ImportedTicket {
    /// Key for re-imports.
    pub external_id: ExternalId,
    /// Customer, if the row or its contact names one.
    pub customer: Option<CustomerLink>,
    /// The contact who raised it.
    pub contact: Option<ContactId>,
    /// Opened.
    pub opened_at: DateTime<Utc>,
    /// First response.
    pub first_response_at: Option<DateTime<Utc>>,
    /// Resolved.
    pub resolved_at: Option<DateTime<Utc>>,
    /// Priority.
    pub priority: TicketPriority,
    /// Category.
    pub category: Option<String>,
    /// Subject.
    pub subject: Option<String>,
}

/// A CSAT or NPS survey response read from a file.
#[derive(Debug, Clone)]
pub struct ImportedSurvey {
    /// Key for re-imports.
    pub external_id: ExternalId,
    /// Customer.
    pub customer: CustomerRef,
    /// CSAT (1–5) or NPS (0–10).
    pub kind: SurveyKind,
    /// Score.
    pub score: u8,
    /// Date.
    pub responded_on: NaiveDate,
    /// Comment.
    pub comment: Option<String>,
}

/// Marketing or sales spend read from a file.
#[derive(Debug, Clone)]
pub struct ImportedSpend {
    /// Key for re-imports.
    pub external_id: ExternalId,
    /// Channel (created when new).
    pub channel: Channel,
    /// Marketing or sales.
    pub kind: SpendKind,
    /// Date.
    pub spent_on: NaiveDate,
    /// Amount.
    pub amount: Money,
    /// Org unit it is charged to.
    pub unit: Option<OrgUnitId>,
    /// Description.
    pub description: Option<String>,
}

/// A training enrolment read from a file.
#[derive(Debug, Clone)]
pub struct ImportedEnrolment {
    /// Key for re-imports.
    pub external_id: ExternalId,
    /// Course name (created when new, as a skill course).
    pub course: String,
    /// Who is enrolled.
    pub user: UserId,
    /// Assigned.
    pub assigned_on: NaiveDate,
    /// Due.
    pub due_on: NaiveDate,
    /// Completed.
    pub completed_on: Option<NaiveDate>,
    /// Score, 0–100.
    pub score: Option<u8>,
}

/// An exchange rate for a month: one unit of `currency` in base currency.
#[derive(Debug, Clone)]
pub struct ImportedRate {
    /// ISO code.
    pub currency: String,
    /// `YYYY-MM`.
    pub month: String,
    /// Exact decimal text.
    pub rate_to_base: String,
}

/// A competitor read from a file; its name is unique.
#[derive(Debug, Clone)]
pub struct ImportedCompetitor {
    /// Key for re-imports.
    pub external_id: ExternalId,
    /// Name.
    pub name: String,
    /// Website.
    pub website: Option<String>,
    /// `lower`, `similar` or `higher` than ours.
    pub price_position: Option<String>,
    /// Strengths.
    pub strengths: Option<String>,
    /// Weaknesses.
    pub weaknesses: Option<String>,
}

/// A sales territory read from a file.
#[derive(Debug, Clone)]
pub struct ImportedTerritory {
    /// Key for re-imports.
    pub external_id: ExternalId,
    /// Name.
    pub name: String,
    /// Parent territory by name (must exist, or come earlier in the file).
    pub parent: Option<String>,
}

/// A training course read from a file.
#[derive(Debug, Clone)]
pub struct ImportedCourse {
    /// Key for re-imports.
    pub external_id: ExternalId,
    /// Name.
    pub name: String,
    /// Skill or product course.
    pub kind: attain_core::sales::CourseKind,
}

/// The records of one imported file of an entity without lines.
#[derive(Debug, Clone)]
pub enum ImportRecords {
    /// Customers (accounts).
    Customers(Vec<ImportedCustomer>),
    /// Contacts.
    Contacts(Vec<ImportedContact>),
    /// Products.
    Products(Vec<ImportedProduct>),
    /// Payments received.
    Payments(Vec<ImportedMoneyMove>),
    /// Refunds.
    Refunds(Vec<ImportedMoneyMove>),
    /// Activities.
    Activities(Vec<ImportedActivity>),
    /// Service tickets.
    Tickets(Vec<ImportedTicket>),
    /// CSAT and NPS responses.
    Surveys(Vec<ImportedSurvey>),
    /// Spend.
    Spend(Vec<ImportedSpend>),
    /// Training enrolments.
    Enrolments(Vec<ImportedEnrolment>),
    /// Market sizes.
    MarketSizes(Vec<MarketSize>),
    /// Exchange rates.
    ExchangeRates(Vec<ImportedRate>),
    /// Competitors.
    Competitors(Vec<ImportedCompetitor>),
    /// Territories.
    Territories(Vec<ImportedTerritory>),
    /// Courses.
    Courses(Vec<ImportedCourse>),
}

impl ImportRecords {
    /// Number of records.
    pub fn len(&self) -> usize {
        match self {
            Self::Customers(v) => v.len(),
            Self::Contacts(v) => v.len(),
            Self::Products(v) => v.len(),
            Self::Payments(v) | Self::Refunds(v) => v.len(),
            Self::Activities(v) => v.len(),
            Self::Tickets(v) => v.len(),
            Self::Surveys(v) => v.len(),
            Self::Spend(v) => v.len(),
            Self::Enrolments(v) => v.len(),
            Self::MarketSizes(v) => v.len(),
            Self::ExchangeRates(v) => v.len(),
            Self::Competitors(v) => v.len(),
            Self::Territories(v) => v.len(),
            Self::Courses(v) => v.len(),
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The statement (ending in `IN`) that finds whose rollups records with
    /// given keys belong to, as (owner, customer); `None` when the entity
    /// feeds no rollup.
    fn touch_query(&self) -> Option<&'static str> {
        Some(match self {
            Self::Customers(_) => "SELECT owner_id, id FROM customers WHERE external_id IN",
            Self::Payments(_) => {
                "SELECT o.owner_id, o.customer_id FROM payments x JOIN orders o ON o.id = x.order_id WHERE x.external_id IN"
            }
            Self::Refunds(_) => {
                "SELECT o.owner_id, o.customer_id FROM refunds x JOIN orders o ON o.id = x.order_id WHERE x.external_id IN"
            }
            // Their customers' months hold them by segment and channel.
            Self::Activities(_) => {
                "SELECT owner_id, customer_id FROM activities WHERE external_id IN"
            }
            Self::Tickets(_) => {
                "SELECT cu.owner_id, t.customer_id FROM tickets t LEFT JOIN customers cu ON cu.id = t.customer_id WHERE t.external_id IN"
            }
            Self::Surveys(_) => {
                "SELECT cu.owner_id, s.customer_id FROM survey_responses s JOIN customers cu ON cu.id = s.customer_id WHERE s.external_id IN"
            }
            Self::Enrolments(_) => "SELECT user_id, NULL FROM enrolments WHERE external_id IN",
            _ => return None,
        })
    }

    /// The records' external IDs.
    fn keys(&self) -> Vec<&str> {
        match self {
            Self::Customers(v) => v.iter().map(|r| r.external_id.as_str()).collect(),
            Self::Contacts(v) => v.iter().map(|r| r.external_id.as_str()).collect(),
            Self::Payments(v) | Self::Refunds(v) => {
                v.iter().map(|r| r.external_id.as_str()).collect()
            }
            Self::Activities(v) => v.iter().map(|r| r.external_id.as_str()).collect(),
            Self::Tickets(v) => v.iter().map(|r| r.external_id.as_str()).collect(),
            Self::Surveys(v) => v.iter().map(|r| r.external_id.as_str()).collect(),
            Self::Spend(v) => v.iter().map(|r| r.external_id.as_str()).collect(),
            Self::Enrolments(v) => v.iter().map(|r| r.external_id.as_str()).collect(),
            Self::Competitors(v) => v.iter().map(|r| r.external_id.as_str()).collect(),
            Self::Territories(v) => v.iter().map(|r| r.external_id.as_str()).collect(),
            Self::Courses(v) => v.iter().map(|r| r.external_id.as_str()).collect(),
            Self::Products(_) | Self::MarketSizes(_) | Self::ExchangeRates(_) => Vec::new(),
        }
    }

    /// Where the records go.
    fn target(&self) -> &'static Target {
        match self {
            Self::Customers(_) => &CUSTOMERS_TARGET,
            Self::Contacts(_) => &CONTACTS_TARGET,
            Self::Products(_) => &PRODUCTS_TARGET,
            Self::Payments(_) => &PAYMENTS_TARGET,
            Self::Refunds(_) => &REFUNDS_TARGET,
            Self::Activities(_) => &ACTIVITIES_TARGET,
            Self::Tickets(_) => &TICKETS_TARGET,
            Self::Surveys(_) => &SURVEYS_TARGET,
            Self::Spend(_) => &SPEND_TARGET,
            Self::Enrolments(_) => &ENROLMENTS_TARGET,
            Self::MarketSizes(_) => &MARKET_SIZES_TARGET,
            Self::ExchangeRates(_) => &EXCHANGE_RATES_TARGET,
            Self::Competitors(_) => &COMPETITORS_TARGET,
            Self::Territories(_) => &TERRITORIES_TARGET,
            Self::Courses(_) => &COURSES_TARGET,
        }
    }

    /// Each record's key as its [`Target`] reads it back (its key
    /// columns joined by `|`).
    fn audit_keys(&self) -> Vec<String> {
        match self {
            Self::Products(v) => v.iter().map(|p| p.sku.clone()).collect(),
            Self::Competitors(v) => v.iter().map(|c| c.name.clone()).collect(),
            Self::MarketSizes(v) => v
                .iter()
                .map(|m| format!("{}|{}|{}", m.segment, m.region, m.period))
                .collect(),
            Self::ExchangeRates(v) => v
                .iter()
                .map(|r| format!("{}|{}", r.currency, r.month))
                .collect(),
            _ => self.keys().into_iter().map(str::to_owned).collect(),
        }
    }

    /// The channels the records name (customers' sources, spend's channels).
    pub fn channels(&self) -> Vec<&Channel> {
        match self {
            Self::Customers(v) => v.iter().filter_map(|c| c.source_channel.as_ref()).collect(),
            Self::Spend(v) => v.iter().map(|s| &s.channel).collect(),
            _ => Vec::new(),
        }
    }

    /// Customers the records name, each with what a new one would start
    /// with (owner, first date, whether active).
    fn customer_refs(
        &self,
        owners: &[UserId],
        today: NaiveDate,
    ) -> StoreResult<Vec<NewCustomerSeed<'_>>> {
        let mut refs = Vec::new();
        match self {
            Self::Contacts(v) => {
                for c in v {
                    if let Some(customer) = &c.customer {
                        let owner = c.owner.map(|o| owner_id(o, owners)).transpose()?;
                        refs.push((customer, owner, today, false));
                    }
                }
            }
            Self::Activities(v) => {
                for a in v {
                    if let Some(CustomerLink::Named(c)) = &a.customer {
                        refs.push((c, Some(owner_id(a.owner, owners)?), a.occurred_on, false));
                    }
                }
            }
            Self::Tickets(v) => {
                for t in v {
                    if let Some(CustomerLink::Named(c)) = &t.customer {
                        refs.push((c, None, t.opened_at.date_naive(), true));
                    }
                }
            }
            Self::Surveys(v) => {
                refs.extend(v.iter().map(|s| (&s.customer, None, s.responded_on, true)));
            }
            _ => {}
        }
        Ok(refs)
    }
}

/// Table, columns, conflict key and rows of records whose references are resolved.
struct Upsert {
    target: &'static Target,
    rows: Vec<Vec<Val>>,
}

impl Upsert {
    fn of<F: Fact>(facts: impl IntoIterator<Item = StoreResult<F>>) -> StoreResult<Self> {
        Ok(Self {
            target: F::TARGET,
            rows: facts
                .into_iter()
                .map(|f| f?.values())
                .collect::<StoreResult<_>>()?,
        })
    }
}

fn ext(e: &ExternalId) -> Option<&str> {
    Some(e.as_str())
}

fn upsert_of(
    records: &ImportRecords,
    customers: &HashMap<CustomerRef, CustomerId>,
    owners: &[UserId],
    courses: &HashMap<String, i64>,
    territories: &HashMap<String, i64>,
) -> StoreResult<Upsert> {
    let owner = |o: OwnerRef| owner_id(o, owners).map(UserId::raw);
    let opt_owner = |o: Option<OwnerRef>| o.map(owner).transpose();
    match records {
        ImportRecords::Customers(v) => Upsert::of(v.iter().map(|c| {
            Ok(CustomerRow {
                name: &c.name,
                industry: c.industry.as_deref(),
                region: c.region.as_deref(),
                size: c.size,
                segment: c.segment.as_deref(),
                source_channel: c.source_channel.as_ref().map(|k| k.key.as_str()),
                owner: opt_owner(c.owner)?,
                territory: None,
                status: c.status,
                in_pool: c.owner.is_none(),
                created_on: c.created_on,
                external_id: ext(&c.external_id),
            })
        })),
        ImportRecords::Contacts(v) => Upsert::of(v.iter().map(|c| {
            Ok(ContactRow {
                customer: c
                    .customer
                    .as_ref()
                    .map(|r| customer_of(customers, r))
                    .transpose()?,
                name: &c.name,
                title: c.title.as_deref(),
                email: c.email.as_deref(),
                phone: c.phone.as_deref(),
                owner: opt_owner(c.owner)?,
                external_id: ext(&c.external_id),
            })
        })),
        ImportRecords::Products(v) => Upsert::of(v.iter().map(|p| {
            Ok(ProductRow {
                sku: &p.sku,
                name: &p.name,
                category: &p.category,
                list_price: &p.list_price,
                unit_cost: &p.unit_cost,
                active: p.active,
                external_id: p.external_id.as_ref().map(ExternalId::as_str),
            })
        })),
        ImportRecords::Payments(v) => Upsert::of(v.iter().map(|p| Ok(PaymentRow(p.row())))),
        ImportRecords::Refunds(v) => Upsert::of(v.iter().map(|p| Ok(RefundRow(p.row())))),
        ImportRecords::Activities(v) => Upsert::of(v.iter().map(|a| {
            Ok(ActivityRow {
                kind: a.kind,
                owner: owner(a.owner)?,
                customer: linked_customer(customers, a.customer.as_ref())?,
                deal: a.deal.map(DealId::raw),
                contact: a.contact.map(ContactId::raw),
                lead_external_id: a.lead_external_id.as_deref(),
                related_external_id: a.related_external_id.as_deref(),
                occurred_on: a.occurred_on,
                subject: a.subject.as_deref(),
                external_id: ext(&a.external_id),
            })
        })),
        ImportRecords::Tickets(v) => Upsert::of(v.iter().map(|t| {
            Ok(TicketRow {
                customer: linked_customer(customers, t.customer.as_ref())?,
                contact: t.contact.map(ContactId::raw),
                opened_at: t.opened_at,
                first_response_at: t.first_response_at,
                resolved_at: t.resolved_at,
                priority: t.priority,
                category: t.category.as_deref(),
                subject: t.subject.as_deref(),
                external_id: ext(&t.external_id),
            })
        })),
        ImportRecords::Surveys(v) => Upsert::of(v.iter().map(|s| {
            Ok(SurveyRow {
                customer: customer_of(customers, &s.customer)?,
                kind: s.kind,
                score: s.score,
                responded_on: s.responded_on,
                comment: s.comment.as_deref(),
                external_id: ext(&s.external_id),
            })
        })),
        ImportRecords::Spend(v) => Upsert::of(v.iter().map(|s| {
            Ok(SpendRow {
                channel: &s.channel.key,
                kind: s.kind,
                spent_on: s.spent_on,
                amount: &s.amount,
                unit: s.unit.map(OrgUnitId::raw),
                description: s.description.as_deref(),
                external_id: ext(&s.external_id),
            })
        })),
        ImportRecords::Enrolments(v) => Upsert::of(v.iter().map(|e| {
            Ok(EnrolmentRow {
                course: courses.get(&e.course).copied().ok_or_else(|| {
                    StoreError::Invalid(format!("course {} unresolved", e.course))
                })?,
                user: e.user.raw(),
                assigned_on: e.assigned_on,
                due_on: e.due_on,
                completed_on: e.completed_on,
                score: e.score,
                external_id: ext(&e.external_id),
            })
        })),
        ImportRecords::MarketSizes(v) => Upsert::of(v.iter().map(|m| {
            Ok(MarketSizeRow {
                segment: &m.segment,
                region: &m.region,
                period: &m.period,
                amount: &m.amount,
            })
        })),
        ImportRecords::Competitors(v) => Upsert::of(v.iter().map(|c| {
            Ok(CompetitorRow {
                name: &c.name,
                website: c.website.as_deref(),
                price_position: c.price_position.as_deref(),
                strengths: c.strengths.as_deref(),
                weaknesses: c.weaknesses.as_deref(),
                external_id: ext(&c.external_id),
            })
        })),
        ImportRecords::Territories(v) => Upsert::of(v.iter().map(|t| {
            Ok(TerritoryRow {
                name: &t.name,
                parent: t.parent.as_ref().and_then(|p| territories.get(p).copied()),
                external_id: ext(&t.external_id),
            })
        })),
        ImportRecords::Courses(v) => Upsert::of(v.iter().map(|c| {
            Ok(CourseRow {
                name: &c.name,
                kind: c.kind,
                external_id: ext(&c.external_id),
            })
        })),
        ImportRecords::ExchangeRates(v) => Upsert::of(v.iter().map(|r| {
            Ok(RateRow {
                currency: &r.currency,
                month: r.month.clone(),
                rate_to_base: r.rate_to_base.clone(),
            })
        })),
    }
}

impl ImportedMoneyMove {
    fn row(&self) -> MoneyMove<'_> {
        MoneyMove {
            order: self.order.raw(),
            on: self.on,
            amount: &self.amount,
            note: self.note.as_deref(),
            external_id: Some(self.external_id.as_str()),
        }
    }
}

impl Store {
    /// Writes the records of one file in one transaction: all or none.
    /// Records whose key (external ID, SKU, or segment/region/period for
    /// market sizes, currency/month for rates) exists are updated.
    pub async fn import_records(
        &self,
        records: &ImportRecords,
        owners: &NewOwners,
        audit: &ImportAudit,
        progress: Progress<'_>,
    ) -> StoreResult<ImportCounts> {
        let mut counts = ImportCounts {
            owners_created: owners.people.len(),
            ..ImportCounts::default()
        };
        in_serial_write!(self, tx => {
            let created_owners = create_owners!(tx, owners);
            let target = records.target();
            let owned_keys = records.audit_keys();
            let keys: Vec<&str> = owned_keys.iter().map(String::as_str).collect();
            let mut was = snapshots!(tx, target, &keys, audit.per_record());
            // Customers found by name get their key below: as they were.
            if let ImportRecords::Customers(v) = records {
                let adopted: Vec<(i64, &str)> = v.iter().filter_map(|c| Some((c.existing?.raw(), c.external_id.as_str()))).collect();
                was.extend(snapshots_by_id!(tx, target, &adopted, audit.per_record()));
            }
            let refs = records.customer_refs(&created_owners, audit.today)?;
            let customers = if refs.is_empty() {
                HashMap::new()
            } else {
                let (ids, created) = resolve_customers!(tx, refs.into_iter());
                counts.customers_created = created;
                ids
            };
            // Customers found by name take the file's key before the upsert.
            if let ImportRecords::Customers(v) = records {
                for c in v {
                    if let Some(id) = c.existing {
                        sqlx::query("UPDATE customers SET external_id = $1 WHERE id = $2")
                            .bind(c.external_id.as_str())
                            .bind(id.raw())
                            .execute(&mut *tx)
                            .await?;
                    }
                }
            }
            let mut touched = Touched::default();
            if let Some(sql) = records.touch_query() {
                touch(&mut touched, previous_owners!(tx, sql, records.keys()));
            }
            let mut courses: HashMap<String, i64> = HashMap::new();
            if let ImportRecords::Enrolments(v) = records {
                let rows: Vec<(String, i64)> = sqlx::query_as("SELECT name, id FROM courses").fetch_all(&mut *tx).await?;
                courses.extend(rows);
                for e in v {
                    if !courses.contains_key(&e.course) {
                        let id = insert_one!(tx, CourseRow { name: &e.course, kind: attain_core::sales::CourseKind::Skill, external_id: None }, "");
                        courses.insert(e.course.clone(), id);
                        counts.courses_created += 1;
                    }
                }
            }
            counts.channels_created = create_channels!(tx, records.channels());
            // Territories name their parent: parents are written first, one
            // level at a time, so a file may hold a whole hierarchy.
            let mut territories: HashMap<String, i64> = HashMap::new();
            let mut created_first = 0_usize;
            if let ImportRecords::Territories(v) = records {
                let rows: Vec<(String, i64)> = sqlx::query_as("SELECT name, id FROM territories").fetch_all(&mut *tx).await?;
                territories.extend(rows);
                for t in v {
                    if !territories.contains_key(&t.name) {
                        let row = TerritoryRow { name: &t.name, parent: None, external_id: Some(t.external_id.as_str()) };
                        let id = insert_one!(tx, row, &TERRITORIES_TARGET.upsert_suffix());
                        territories.insert(t.name.clone(), id);
                        created_first += 1;
                    }
                }
                for t in v {
                    if let Some(parent) = &t.parent
                        && !territories.contains_key(parent)
                    {
                        return Err(StoreError::Invalid(format!("territory {}: no territory is called {parent}", t.name)));
                    }
                }
            }
            let upsert = upsert_of(records, &customers, &created_owners, &courses, &territories)?;
            let count_sql = format!("SELECT COUNT(*) FROM {}", upsert.target.table);
            let before: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(count_sql.clone())).fetch_one(&mut *tx).await?;
            let suffix = upsert.target.upsert_suffix();
            bulk_insert!(tx, upsert.target.table, upsert.target.columns, &upsert.rows, &suffix, progress);
            let after: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(count_sql)).fetch_one(&mut *tx).await?;
            if let Some(sql) = records.touch_query() {
                touch(&mut touched, previous_owners!(tx, sql, records.keys()));
                refresh_rollups!(self, tx, Some(&touched));
            }
            counts.created = usize::try_from(after - before).unwrap_or(0) + created_first;
            counts.updated = records.len().saturating_sub(counts.created);
            let is = snapshots!(tx, target, &audit.keys_after(&keys, &was), audit.per_record());
            let changes = Changes::of(&keys, &was, &is);
            counts.unchanged = changes.unchanged.min(counts.updated);
            audit_import!(tx, audit, &changes, &counts);
        });
        Ok(counts)
    }
}
