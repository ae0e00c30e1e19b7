//! The CRM core: customers, deals, orders, payments and what surrounds them.
//!
//! Records here are plain domain data, valid by construction where it
//! matters (amounts are [`Money`], dates are civil dates). Storage keeps them,
//! importers and the demo generator produce them, the KPI engine reads them.
//! Attribution follows product.md: a deal counts for its owner; an order and
//! its payments and refunds for the order's owner; a customer (and its
//! tickets and surveys) for the customer's owner; spend for its channel.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};

use crate::ids::{
    CompetitorId, CourseId, CustomerId, DealId, ExternalId, OrderId, OrgUnitId, ProductId,
    TerritoryId, UserId,
};
use crate::money::Money;

/// Error for a value outside a closed list.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{value}' is not a valid {what}: expected {expected}")]
pub struct UnknownValue {
    /// What was being parsed.
    pub what: &'static str,
    /// The value given.
    pub value: String,
    /// The accepted values.
    pub expected: String,
}

macro_rules! key_enum {
    ($(#[$doc:meta])* $name:ident, $what:literal, { $($(#[$vdoc:meta])* $variant:ident => $key:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vdoc])* $variant),+ }

        impl $name {
            /// Every value, in order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// Stable key used in storage, files and the API.
            pub fn key(self) -> &'static str {
                match self { $($name::$variant => $key),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(self.key()) }
        }

        impl FromStr for $name {
            type Err = UnknownValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let wanted = s.trim().to_ascii_lowercase().replace([' ', '-'], "_");
                Self::ALL.iter().copied().find(|v| v.key() == wanted).ok_or_else(|| UnknownValue {
                    what: $what,
                    value: s.to_owned(),
                    expected: Self::ALL.iter().map(|v| v.key()).collect::<Vec<_>>().join(", "),
                })
            }
        }
    };
}

key_enum!(
    /// Where a deal stands.
    DealStatus, "deal status", {
        /// Still being worked.
        Open => "open",
        /// Closed and won.
        Won => "won",
        /// Closed and lost.
        Lost => "lost",
    }
);

key_enum!(
    /// The rep's call on an open deal, as forecasts use it.
    ForecastCategory, "forecast category", {
        /// Will close in the period.
        Commit => "commit",
        /// Could close with luck.
        BestCase => "best_case",
        /// Early.
        Pipeline => "pipeline",
        /// Not counted.
        Omitted => "omitted",
        /// Already won or lost.
        Closed => "closed",
    }
);

key_enum!(
    /// Size band of a customer.
    CustomerSize, "customer size", {
        /// Fewer than 50 employees.
        Small => "small",
        /// 50 to 499.
        Medium => "medium",
        /// 500 to 4,999.
        Large => "large",
        /// 5,000 or more.
        Enterprise => "enterprise",
    }
);

key_enum!(
    /// Lifecycle state of a customer.
    CustomerStatus, "customer status", {
        /// No order yet.
        Prospect => "prospect",
        /// Ordering.
        Active => "active",
        /// No order for the inactivity window.
        Inactive => "inactive",
        /// Gone for good.
        Churned => "churned",
    }
);

key_enum!(
    /// A logged sales activity.
    ActivityKind, "activity kind", {
        /// Phone call.
        Call => "call",
        /// On-site visit.
        Visit => "visit",
        /// Meeting (online or in person).
        Meeting => "meeting",
        /// E-mail.
        Email => "email",
        /// Anything else a CRM logs (a to-do, a LinkedIn message, a
        /// cadence step): kept, but not counted as a sales activity.
        Other => "other",
    }
);

key_enum!(
    /// Urgency of a service ticket.
    TicketPriority, "ticket priority", {
        /// Low.
        Low => "low",
        /// Normal.
        Normal => "normal",
        /// High.
        High => "high",
        /// Urgent.
        Urgent => "urgent",
    }
);

key_enum!(
    /// Survey type.
    SurveyKind, "survey kind", {
        /// Customer satisfaction, 1 to 5.
        Csat => "csat",
        /// Net promoter score, 0 to 10.
        Nps => "nps",
    }
);

key_enum!(
    /// Spend type.
    SpendKind, "spend kind", {
        /// Marketing spend (campaigns, events, ads).
        Marketing => "marketing",
        /// Sales spend (travel, entertainment, tools).
        Sales => "sales",
    }
);

key_enum!(
    /// Training course type.
    CourseKind, "course kind", {
        /// Selling skills.
        Skill => "skill",
        /// Product knowledge.
        Product => "product",
    }
);

key_enum!(
    /// What "revenue" means for an organisation (product.md).
    RevenueBasis, "revenue basis", {
        /// Order amounts net of refunds, by order date (the default).
        Orders => "orders",
        /// Won deal amounts by close date.
        Bookings => "bookings",
        /// Payments by received date.
        Cash => "cash",
    }
);

/// A sales channel a customer or deal came from (`web`, `referral`, …).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Channel {
    /// Stable key.
    pub key: String,
    /// Display name.
    pub name: String,
}

/// A product in the catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Product {
    /// ID.
    pub id: ProductId,
    /// Stock-keeping unit, unique.
    pub sku: String,
    /// Name.
    pub name: String,
    /// Category (for product-level KPIs).
    pub category: String,
    /// List price per unit.
    pub list_price: Money,
    /// Cost per unit, for margin.
    pub unit_cost: Money,
    /// Still sold.
    pub active: bool,
    /// ID in the source system.
    pub external_id: Option<ExternalId>,
}

/// A customer (account).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Customer {
    /// ID.
    pub id: CustomerId,
    /// Name.
    pub name: String,
    /// Industry.
    pub industry: Option<String>,
    /// Geographic region (province, city or area).
    pub region: Option<String>,
    /// Size band.
    pub size: Option<CustomerSize>,
    /// Segment (e.g. SMB, mid-market, key account).
    pub segment: Option<String>,
    /// Channel the customer came from.
    pub source_channel: Option<String>,
    /// Owner; `None` while in the customer pool (客户公海).
    pub owner: Option<UserId>,
    /// Territory.
    pub territory: Option<TerritoryId>,
    /// Lifecycle state.
    pub status: CustomerStatus,
    /// Sits in the unassigned customer pool.
    pub in_pool: bool,
    /// When the record was created.
    pub created_on: NaiveDate,
    /// ID in the source system.
    pub external_id: Option<ExternalId>,
}

/// A deal (opportunity).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deal {
    /// ID.
    pub id: DealId,
    /// Name.
    pub name: String,
    /// Customer.
    pub customer: CustomerId,
    /// Owner (the deal counts for him).
    pub owner: UserId,
    /// Amount.
    pub amount: Money,
    /// Stage name as the CRM calls it.
    pub stage: String,
    /// Win probability in percent.
    pub probability: u8,
    /// Forecast category.
    pub forecast_category: ForecastCategory,
    /// Open, won or lost.
    pub status: DealStatus,
    /// Created.
    pub created_on: NaiveDate,
    /// Expected close date.
    pub expected_close_on: NaiveDate,
    /// Actual close date (won or lost deals only).
    pub closed_on: Option<NaiveDate>,
    /// Why it was lost.
    pub lost_reason: Option<String>,
    /// Channel the deal came from.
    pub source_channel: Option<String>,
    /// ID in the source system.
    pub external_id: Option<ExternalId>,
}

/// A deal entering a stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageChange {
    /// The deal.
    pub deal: DealId,
    /// The stage entered.
    pub stage: String,
    /// When.
    pub entered_on: NaiveDate,
}

/// An order (contract).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    /// ID.
    pub id: OrderId,
    /// Order number, unique.
    pub number: String,
    /// Customer.
    pub customer: CustomerId,
    /// Owner (the order, its payments and refunds count for him).
    pub owner: UserId,
    /// The deal it came from, if any.
    pub deal: Option<DealId>,
    /// Order date (revenue date).
    pub order_date: NaiveDate,
    /// Total of its lines.
    pub total: Money,
    /// Cancelled orders count for nothing.
    pub cancelled: bool,
    /// ID in the source system.
    pub external_id: Option<ExternalId>,
}

/// One line of an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderLine {
    /// The order.
    pub order: OrderId,
    /// The product, if the source named one (a file of order totals does not).
    pub product: Option<ProductId>,
    /// Units.
    pub quantity: i64,
    /// Price per unit after discount.
    pub unit_price: Money,
    /// Line amount.
    pub amount: Money,
    /// Line cost, for margin.
    pub cost: Money,
}

/// Money received against an order (回款).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    /// The order.
    pub order: OrderId,
    /// Received.
    pub received_on: NaiveDate,
    /// Amount.
    pub amount: Money,
    /// Bank transfer, card, …
    pub method: Option<String>,
    /// ID in the source system.
    pub external_id: Option<ExternalId>,
}

/// Money returned against an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refund {
    /// The order.
    pub order: OrderId,
    /// Refunded.
    pub refunded_on: NaiveDate,
    /// Amount.
    pub amount: Money,
    /// Why.
    pub reason: Option<String>,
    /// ID in the source system.
    pub external_id: Option<ExternalId>,
}

/// Marketing or sales spend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spend {
    /// Channel key.
    pub channel: String,
    /// Marketing or sales.
    pub kind: SpendKind,
    /// Date.
    pub spent_on: NaiveDate,
    /// Amount.
    pub amount: Money,
    /// Org unit it was booked to, if any.
    pub unit: Option<OrgUnitId>,
    /// What it was for.
    pub description: Option<String>,
}

/// A logged sales activity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activity {
    /// Kind.
    pub kind: ActivityKind,
    /// Who.
    pub owner: UserId,
    /// With which customer.
    pub customer: Option<CustomerId>,
    /// About which deal.
    pub deal: Option<DealId>,
    /// When.
    pub occurred_on: NaiveDate,
    /// Subject.
    pub subject: Option<String>,
}

/// A service ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    /// Customer.
    pub customer: CustomerId,
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

/// A CSAT or NPS survey response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurveyResponse {
    /// Customer.
    pub customer: CustomerId,
    /// CSAT or NPS.
    pub kind: SurveyKind,
    /// 1–5 for CSAT, 0–10 for NPS.
    pub score: u8,
    /// When.
    pub responded_on: NaiveDate,
    /// Free text.
    pub comment: Option<String>,
}

/// A competitor profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Competitor {
    /// ID.
    pub id: CompetitorId,
    /// Name.
    pub name: String,
    /// Price position against us: lower, similar or higher.
    pub price_position: Option<String>,
    /// Strengths.
    pub strengths: Option<String>,
    /// Weaknesses.
    pub weaknesses: Option<String>,
}

/// A training course.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Course {
    /// ID.
    pub id: CourseId,
    /// Name.
    pub name: String,
    /// Skill or product.
    pub kind: CourseKind,
}

/// A course assigned to a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrolment {
    /// Course.
    pub course: CourseId,
    /// Person.
    pub user: UserId,
    /// Assigned.
    pub assigned_on: NaiveDate,
    /// Due.
    pub due_on: NaiveDate,
    /// Completed.
    pub completed_on: Option<NaiveDate>,
    /// Score 0–100.
    pub score: Option<u8>,
}

/// A person at a customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    /// ID.
    pub id: crate::ids::ContactId,
    /// The customer the person works for, if any (a CRM's private contacts
    /// have none).
    pub customer: Option<CustomerId>,
    /// Full name.
    pub name: String,
    /// Job title.
    pub title: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// The rep who looks after the contact.
    pub owner: Option<UserId>,
    /// ID in the source system.
    pub external_id: Option<ExternalId>,
}

/// What one unit of a currency was worth in the base currency in a month:
/// how amounts in other currencies are converted for KPIs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExchangeRate {
    /// The foreign currency.
    pub currency: crate::money::Currency,
    /// First day of the month.
    pub month: NaiveDate,
    /// Base-currency units per unit of `currency`, exact.
    pub rate_to_base: rust_decimal::Decimal,
}

/// Size of a market segment in a region for a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarketSize {
    /// Segment.
    pub segment: String,
    /// Region.
    pub region: String,
    /// Period in the period notation (e.g. `FY2026`).
    pub period: String,
    /// Size.
    pub amount: Money,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_lists_parse_leniently_and_print_their_key() {
        assert_eq!(
            "Best Case".parse::<ForecastCategory>(),
            Ok(ForecastCategory::BestCase)
        );
        assert_eq!("WON".parse::<DealStatus>(), Ok(DealStatus::Won));
        let err = "maybe".parse::<DealStatus>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "'maybe' is not a valid deal status: expected open, won, lost"
        );
        assert_eq!(ActivityKind::Visit.to_string(), "visit");
    }
}
