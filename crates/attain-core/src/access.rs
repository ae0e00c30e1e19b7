//! Who may see and do what.
//!
//! The rules, in one place:
//! - **admin** and **sales ops** see everything; only admin manages users.
//! - A **manager** sees the org subtree of the unit he belongs to.
//! - A **rep** sees his own records only (team aggregates come through
//!   reports, never through another rep's records).
//! - A **viewer** sees the subtree of his unit, read-only, without pay.
//! - A person's **compensation** is visible to that person, to managers of a
//!   unit at or above his, to sales ops and to admin. Nobody else.
//!
//! Storage turns a [`Visibility`] into a filter under every query, so a page
//! or an API endpoint cannot forget to apply it.

use crate::ids::{OrgUnitId, UserId};
use crate::org::OrgTree;
use crate::user::{Login, Role};

/// The person a request acts for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The user.
    pub user: UserId,
    /// Sign-in name.
    pub login: Login,
    /// Name shown in the interface.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// The unit he belongs to.
    pub unit: OrgUnitId,
}

/// Which records a principal may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// The whole organisation.
    Everything,
    /// Everything owned by people in this unit or below it.
    Subtree(OrgUnitId),
    /// Only what this person owns.
    Own(UserId),
}

impl Principal {
    /// What this principal may read.
    pub fn visibility(&self) -> Visibility {
        match self.role {
            Role::Admin | Role::SalesOps => Visibility::Everything,
            Role::Manager | Role::Viewer => Visibility::Subtree(self.unit),
            Role::Rep => Visibility::Own(self.user),
        }
    }

    /// Whether the principal may read records owned by `owner`.
    pub fn can_see_records_of(&self, owner: UserId, tree: &OrgTree) -> bool {
        match self.visibility() {
            Visibility::Everything => true,
            Visibility::Subtree(unit) => owner == self.user || tree.user_is_within(owner, unit),
            Visibility::Own(me) => owner == me,
        }
    }

    /// Whether the principal may see `person`'s commission, bonus and payouts.
    pub fn can_see_pay_of(&self, person: UserId, tree: &OrgTree) -> bool {
        match self.role {
            Role::Admin | Role::SalesOps => true,
            _ if person == self.user => true,
            Role::Manager => tree.user_is_within(person, self.unit),
            Role::Rep | Role::Viewer => false,
        }
    }

    /// Whose commission statements the principal may read: everyone's
    /// (admin, sales ops), the people in his subtree (a manager), or his
    /// own (a rep, a viewer). The same rule as [`Self::can_see_pay_of`], in
    /// the form storage filters by.
    pub fn pay_visibility(&self) -> Visibility {
        match self.role {
            Role::Admin | Role::SalesOps => Visibility::Everything,
            Role::Manager => Visibility::Subtree(self.unit),
            Role::Rep | Role::Viewer => Visibility::Own(self.user),
        }
    }

    /// Whether the principal defines commission plans and runs, approves
    /// and locks payouts.
    pub fn can_run_payouts(&self) -> bool {
        matches!(self.role, Role::Admin | Role::SalesOps)
    }

    /// Whether the principal may create users, change roles and reset passwords.
    pub fn can_manage_users(&self) -> bool {
        self.role == Role::Admin
    }

    /// Whether the principal may read the audit log.
    pub fn can_read_audit_log(&self) -> bool {
        matches!(self.role, Role::Admin | Role::SalesOps)
    }

    /// Whether the principal may import other systems' data (it writes
    /// records of every owner, so it is for the people who run the data).
    pub fn can_import(&self) -> bool {
        matches!(self.role, Role::Admin | Role::SalesOps)
    }

    /// Whether the principal may change data at all (viewers may not).
    pub fn can_write(&self) -> bool {
        self.role != Role::Viewer
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::{OrgUnit, OrgUnitKind};

    fn u(id: i64) -> OrgUnitId {
        OrgUnitId::from_raw(id)
    }
    fn p(id: i64) -> UserId {
        UserId::from_raw(id)
    }

    /// 1 company; 2 East (3 Team A, 4 Team B); 5 West (6 Team C).
    /// People: 10 admin@1, 11 ops@1, 20 east manager@2, 21 team A manager@3,
    /// 30 rep@3, 31 rep@4, 32 rep@6, 40 viewer@2.
    fn tree() -> OrgTree {
        let unit = |id, parent: Option<i64>| OrgUnit {
            id: u(id),
            parent: parent.map(u),
            name: format!("{id}"),
            kind: if parent.is_none() {
                OrgUnitKind::Company
            } else {
                OrgUnitKind::Team
            },
        };
        OrgTree::build(
            vec![
                unit(1, None),
                unit(2, Some(1)),
                unit(3, Some(2)),
                unit(4, Some(2)),
                unit(5, Some(1)),
                unit(6, Some(5)),
            ],
            [
                (10, 1),
                (11, 1),
                (20, 2),
                (21, 3),
                (30, 3),
                (31, 4),
                (32, 6),
                (40, 2),
            ]
            .map(|(x, y)| (p(x), u(y))),
        )
        .unwrap()
    }

    fn who(user: i64, role: Role, unit: i64) -> Principal {
        Principal {
            user: p(user),
            login: Login::new(&format!("u{user}")).unwrap(),
            display_name: String::new(),
            role,
            unit: u(unit),
        }
    }

    #[test]
    fn a_rep_sees_only_his_own_records_and_pay() {
        let t = tree();
        let rep = who(30, Role::Rep, 3);
        assert!(rep.can_see_records_of(p(30), &t));
        assert!(!rep.can_see_records_of(p(31), &t));
        assert!(rep.can_see_pay_of(p(30), &t));
        assert!(!rep.can_see_pay_of(p(31), &t));
        assert!(!rep.can_see_pay_of(p(21), &t), "not even his manager's");
    }

    #[test]
    fn a_manager_sees_exactly_his_subtree() {
        let t = tree();
        let east = who(20, Role::Manager, 2);
        for visible in [20, 21, 30, 31, 40] {
            assert!(east.can_see_records_of(p(visible), &t), "{visible}");
            assert!(east.can_see_pay_of(p(visible), &t), "{visible}");
        }
        for hidden in [10, 11, 32] {
            assert!(!east.can_see_records_of(p(hidden), &t), "{hidden}");
            assert!(!east.can_see_pay_of(p(hidden), &t), "{hidden}");
        }
        let team_a = who(21, Role::Manager, 3);
        assert!(
            !team_a.can_see_pay_of(p(31), &t),
            "a sibling team is not his"
        );
        assert!(
            !team_a.can_see_pay_of(p(20), &t),
            "his own manager's pay is not his to see"
        );
    }

    /// Storage filters statements by `pay_visibility`; it must say exactly
    /// what `can_see_pay_of` says, for every role and person.
    #[test]
    fn pay_visibility_agrees_with_can_see_pay_of() {
        let t = tree();
        let people = [10, 11, 20, 21, 30, 31, 32, 40];
        let roles = [
            (10, Role::Admin, 1),
            (11, Role::SalesOps, 1),
            (20, Role::Manager, 2),
            (21, Role::Manager, 3),
            (30, Role::Rep, 3),
            (40, Role::Viewer, 2),
        ];
        for (user, role, unit) in roles {
            let who = who(user, role, unit);
            for person in people {
                let by_filter = match who.pay_visibility() {
                    Visibility::Everything => true,
                    Visibility::Subtree(u) => t.user_is_within(p(person), u),
                    Visibility::Own(me) => me == p(person),
                };
                assert_eq!(
                    by_filter,
                    who.can_see_pay_of(p(person), &t),
                    "{role:?} {user} on {person}"
                );
            }
        }
    }

    #[test]
    fn a_viewer_sees_his_subtree_but_no_pay_and_cannot_write() {
        let t = tree();
        let viewer = who(40, Role::Viewer, 2);
        assert!(viewer.can_see_records_of(p(31), &t));
        assert!(!viewer.can_see_pay_of(p(31), &t));
        assert!(!viewer.can_write());
    }

    #[test]
    fn ops_and_admin_see_everything_but_only_admin_manages_users() {
        let t = tree();
        let ops = who(11, Role::SalesOps, 1);
        let admin = who(10, Role::Admin, 1);
        assert!(ops.can_see_pay_of(p(32), &t) && admin.can_see_pay_of(p(32), &t));
        assert!(ops.can_read_audit_log() && admin.can_read_audit_log());
        assert!(!ops.can_manage_users() && admin.can_manage_users());
        assert!(!who(20, Role::Manager, 2).can_read_audit_log());
    }
}
