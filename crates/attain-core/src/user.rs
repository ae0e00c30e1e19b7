//! People who sign in: logins and roles.

use std::fmt;
use std::str::FromStr;

/// What a person may do and see. Visibility along the org tree is decided
/// from the role plus the person's place in the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Runs the installation: users, settings, everything.
    Admin,
    /// Sales operations / compensation admin: data, KPIs, plans, payouts.
    SalesOps,
    /// Manages the org subtree of his unit.
    Manager,
    /// A sales representative: his own goals, deals and pay.
    Rep,
    /// Read-only access to what his unit may see, no pay data.
    Viewer,
}

impl Role {
    /// Every role, most powerful first.
    pub const ALL: [Role; 5] = [
        Self::Admin,
        Self::SalesOps,
        Self::Manager,
        Self::Rep,
        Self::Viewer,
    ];

    /// Stable key used in storage, the API and the CLI.
    pub fn key(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::SalesOps => "sales_ops",
            Self::Manager => "manager",
            Self::Rep => "rep",
            Self::Viewer => "viewer",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// Error for an unknown role.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a role: expected admin, sales_ops, manager, rep or viewer")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let key = s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        Self::ALL
            .into_iter()
            .find(|r| r.key() == key)
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

/// A sign-in name: 1 to 64 characters of lower-case letters, digits and
/// `. _ - @`, so it is safe in URLs, logs and file names. Input is lower-cased,
/// so `Li.Wei` and `li.wei` are the same login.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Login(String);

/// Error for an unusable login.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a valid login: use 1 to 64 letters, digits, '.', '_', '-' or '@'")]
pub struct InvalidLogin(pub String);

impl Login {
    /// Validates and lower-cases a login.
    pub fn new(text: &str) -> Result<Self, InvalidLogin> {
        let lower = text.trim().to_ascii_lowercase();
        let ok = !lower.is_empty()
            && lower.len() <= 64
            && lower
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-@".contains(&b));
        if ok {
            Ok(Self(lower))
        } else {
            Err(InvalidLogin(text.to_owned()))
        }
    }

    /// The login as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Login {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins_are_lower_cased_and_restricted() {
        assert_eq!(Login::new(" Li.Wei ").unwrap().as_str(), "li.wei");
        assert!(Login::new("").is_err());
        assert!(Login::new("a b").is_err());
        assert!(Login::new("王伟").is_err());
        assert!(Login::new(&"x".repeat(65)).is_err());
    }

    #[test]
    fn roles_parse_from_their_keys() {
        assert_eq!("sales-ops".parse::<Role>(), Ok(Role::SalesOps));
        assert_eq!("Manager".parse::<Role>(), Ok(Role::Manager));
        assert_eq!(
            "boss".parse::<Role>().unwrap_err().to_string(),
            "'boss' is not a role: expected admin, sales_ops, manager, rep or viewer"
        );
    }
}
