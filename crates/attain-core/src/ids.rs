//! Typed identifiers.
//!
//! Every entity has its own ID newtype so that a user ID can never be passed
//! where an org unit ID is expected. IDs are opaque: they are assigned by
//! storage and only compared, hashed, printed and parsed.

use std::fmt;
use std::str::FromStr;

/// Error returned when a string is not a valid ID.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{value}' is not a valid {kind}: expected a positive whole number")]
pub struct IdParseError {
    /// Which kind of ID was expected (e.g. `user ID`).
    pub kind: &'static str,
    /// The text that failed to parse.
    pub value: String,
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $kind:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(i64);

        impl $name {
            /// Wraps a raw database key. Only storage should call this.
            pub const fn from_raw(raw: i64) -> Self {
                Self(raw)
            }

            /// The raw database key. Only storage and wire formats should call this.
            pub const fn raw(self) -> i64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }

        impl FromStr for $name {
            type Err = IdParseError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s.trim().parse::<i64>() {
                    Ok(n) if n > 0 => Ok(Self(n)),
                    _ => Err(IdParseError { kind: $kind, value: s.to_owned() }),
                }
            }
        }
    };
}

id_type!(
    /// Identifies an org unit (company, region, department, team).
    OrgUnitId,
    "org unit ID"
);
id_type!(
    /// Identifies a user: a rep, a manager, or anyone who signs in.
    UserId,
    "user ID"
);

id_type!(
    /// Identifies a customer (account).
    CustomerId,
    "customer ID"
);
id_type!(
    /// Identifies a contact person at a customer.
    ContactId,
    "contact ID"
);
id_type!(
    /// Identifies a product.
    ProductId,
    "product ID"
);
id_type!(
    /// Identifies a deal (opportunity).
    DealId,
    "deal ID"
);
id_type!(
    /// Identifies an order (contract).
    OrderId,
    "order ID"
);
id_type!(
    /// Identifies a competitor.
    CompetitorId,
    "competitor ID"
);
id_type!(
    /// Identifies a training course.
    CourseId,
    "course ID"
);
id_type!(
    /// Identifies a commission plan.
    PlanId,
    "plan ID"
);
id_type!(
    /// Identifies a payout run.
    PayoutRunId,
    "payout run ID"
);
id_type!(
    /// Identifies a commission statement.
    StatementId,
    "statement ID"
);
id_type!(
    /// Identifies a goal.
    GoalId,
    "goal ID"
);
id_type!(
    /// Identifies a sales territory.
    TerritoryId,
    "territory ID"
);

/// The identifier a record carries in the system it was imported from
/// (a Zoho `Record Id`, a Salesforce `Id`, a Fxiaoke `_id`, ...).
///
/// Re-imports match on it, so it is kept verbatim apart from trimming.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ExternalId(String);

/// Error returned for an empty external ID.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("an external ID must not be empty")]
pub struct EmptyExternalId;

impl ExternalId {
    /// Accepts any non-blank text, trimmed.
    pub fn new(value: impl AsRef<str>) -> Result<Self, EmptyExternalId> {
        let trimmed = value.as_ref().trim();
        if trimmed.is_empty() {
            Err(EmptyExternalId)
        } else {
            Ok(Self(trimmed.to_owned()))
        }
    }

    /// The identifier as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ExternalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_only_positive_integers() {
        assert_eq!("42".parse::<UserId>(), Ok(UserId::from_raw(42)));
        let err = "-1".parse::<UserId>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "'-1' is not a valid user ID: expected a positive whole number"
        );
        assert!("abc".parse::<OrgUnitId>().is_err());
        assert!("0".parse::<OrgUnitId>().is_err());
    }

    #[test]
    fn external_ids_are_trimmed_and_never_blank() {
        assert_eq!(ExternalId::new("  zcrm_123 ").unwrap().as_str(), "zcrm_123");
        assert_eq!(ExternalId::new("   "), Err(EmptyExternalId));
    }
}
