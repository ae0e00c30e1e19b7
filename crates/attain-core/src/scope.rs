//! The words of a KPI question that are not its metric or period: whose
//! figures ([`Scope`], with the customer attributes that scope them) and
//! how they are broken down ([`Breakdown`]). Typed here, in the domain, so
//! the engine, the store, goals and every entry point share them.

use crate::ids::{OrgUnitId, ProductId, UserId};

/// A customer attribute that scopes or breaks down customer-linked figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CustomerAttr {
    /// Segment (SMB, key account, …).
    Segment,
    /// Region of the customer (province, city).
    Region,
    /// Industry.
    Industry,
    /// Source channel.
    Channel,
    /// Size band.
    Size,
    /// Territory (by ID).
    Territory,
}

/// Whose figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// The whole organisation.
    Company,
    /// An org unit and everything below it.
    Unit(OrgUnitId),
    /// One person.
    Rep(UserId),
    /// Customers whose attribute has a value (segment, region, industry,
    /// channel, size or territory): customer-linked figures, whole months.
    Customers(CustomerAttr, String),
    /// One product's order lines (revenue before refunds, which belong to
    /// orders, not lines).
    Product(ProductId),
    /// A product category's order lines.
    Category(String),
}

impl Scope {
    /// Parses `company`, `unit:ID`, `rep:ID`, `segment:…`, `area:…` (the
    /// customer's region), `industry:…`, `channel:…`, `size:…`,
    /// `territory:ID`, `product:ID` or `category:…`.
    pub fn parse_key(text: &str) -> Result<Scope, String> {
        let text = text.trim();
        if text.is_empty() || text == "company" {
            return Ok(Scope::Company);
        }
        let Some((kind, value)) = text.split_once(':') else {
            return Err(format!("'{text}' is not company or KIND:VALUE"));
        };
        let id = || {
            value
                .trim()
                .parse::<i64>()
                .map_err(|_| format!("'{value}' is not an ID"))
        };
        Ok(match kind.trim() {
            "unit" => Scope::Unit(OrgUnitId::from_raw(id()?)),
            "rep" => Scope::Rep(UserId::from_raw(id()?)),
            "product" => Scope::Product(ProductId::from_raw(id()?)),
            "category" => Scope::Category(value.trim().to_owned()),
            "segment" => Scope::Customers(CustomerAttr::Segment, value.trim().to_owned()),
            "area" => Scope::Customers(CustomerAttr::Region, value.trim().to_owned()),
            "industry" => Scope::Customers(CustomerAttr::Industry, value.trim().to_owned()),
            "channel" => Scope::Customers(CustomerAttr::Channel, value.trim().to_owned()),
            "size" => Scope::Customers(CustomerAttr::Size, value.trim().to_owned()),
            "territory" => Scope::Customers(CustomerAttr::Territory, id()?.to_string()),
            other => {
                return Err(format!(
                    "'{other}' is not a scope kind: expected unit, rep, segment, area, industry, channel, size, territory, product or category"
                ));
            }
        })
    }

    /// The key [`Self::parse_key`] reads.
    pub fn key(&self) -> String {
        match self {
            Scope::Company => "company".into(),
            Scope::Unit(u) => format!("unit:{}", u.raw()),
            Scope::Rep(r) => format!("rep:{}", r.raw()),
            Scope::Product(p) => format!("product:{}", p.raw()),
            Scope::Category(c) => format!("category:{c}"),
            Scope::Customers(attr, value) => {
                let kind = match attr {
                    CustomerAttr::Segment => "segment",
                    CustomerAttr::Region => "area",
                    CustomerAttr::Industry => "industry",
                    CustomerAttr::Channel => "channel",
                    CustomerAttr::Size => "size",
                    CustomerAttr::Territory => "territory",
                };
                format!("{kind}:{value}")
            }
        }
    }
}

/// How to break a figure down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Breakdown {
    /// Per person who owns facts in the scope.
    Rep,
    /// Per child unit of the scope's unit (teams of a region, regions of the company).
    Unit,
    /// Per team (every unit of kind team) in the scope.
    Team,
    /// Per region (every unit of kind region) in the scope.
    Region,
    /// Per calendar month.
    Month,
    /// Per ISO week.
    Week,
    /// Per quarter (fiscal).
    Quarter,
    /// Per customer segment (company-wide).
    Segment,
    /// Per customer source channel (company-wide).
    Channel,
    /// Per customer industry (company-wide).
    Industry,
    /// Per product (revenue of order lines).
    Product,
    /// Per product category (revenue of order lines).
    Category,
}

impl std::str::FromStr for Breakdown {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_lowercase().as_str() {
            "rep" | "person" | "owner" => Ok(Breakdown::Rep),
            "unit" | "child" => Ok(Breakdown::Unit),
            "team" => Ok(Breakdown::Team),
            "region" => Ok(Breakdown::Region),
            "month" => Ok(Breakdown::Month),
            "week" => Ok(Breakdown::Week),
            "quarter" => Ok(Breakdown::Quarter),
            "segment" => Ok(Breakdown::Segment),
            "channel" => Ok(Breakdown::Channel),
            "industry" => Ok(Breakdown::Industry),
            "product" => Ok(Breakdown::Product),
            "category" => Ok(Breakdown::Category),
            other => Err(format!(
                "'{other}' is not a breakdown: expected rep, unit, team, region, month, week, quarter, segment, channel, industry, product or category"
            )),
        }
    }
}

impl Breakdown {
    /// Whether it breaks a figure down by time.
    pub fn is_time(self) -> bool {
        matches!(
            self,
            Breakdown::Month | Breakdown::Week | Breakdown::Quarter
        )
    }

    /// Whether it breaks a figure down by a customer's or product's attribute.
    pub fn is_attribute(self) -> bool {
        matches!(
            self,
            Breakdown::Segment
                | Breakdown::Channel
                | Breakdown::Industry
                | Breakdown::Product
                | Breakdown::Category
        )
    }
}
