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

/// Whose pay a principal may read, in the form storage filters by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayVisibility {
    /// Everyone's (admins, sales ops).
    Everything,
    /// A manager's own, and that of the people below him (see
    /// [`Principal::is_above`]).
    Below {
        /// His unit.
        unit: OrgUnitId,
        /// Himself.
        manager: UserId,
    },
    /// One's own.
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

    /// Whether `person` (whose role is `role`) is strictly below this
    /// principal: in a unit under his, or a rep or viewer of his own unit —
    /// never himself, nor a peer manager beside him. Whose goals a manager
    /// sets and whose pay he sees.
    pub fn is_above(&self, person: UserId, role: Role, tree: &OrgTree) -> bool {
        person != self.user
            && tree.user_is_within(person, self.unit)
            && (tree.unit_of(person) != Some(self.unit) || matches!(role, Role::Rep | Role::Viewer))
    }

    /// Whether the principal may see `person`'s (whose role is `role`)
    /// commission, bonus and payouts: ops and admins anyone's, everyone his
    /// own, a manager those of the people below him.
    pub fn can_see_pay_of(&self, person: UserId, role: Role, tree: &OrgTree) -> bool {
        match self.role {
            Role::Admin | Role::SalesOps => true,
            _ if person == self.user => true,
            Role::Manager => self.is_above(person, role, tree),
            Role::Rep | Role::Viewer => false,
        }
    }

    /// Whose commission statements the principal may read. The same rule
    /// as [`Self::can_see_pay_of`], in the form storage filters by.
    pub fn pay_visibility(&self) -> PayVisibility {
        match self.role {
            Role::Admin | Role::SalesOps => PayVisibility::Everything,
            Role::Manager => PayVisibility::Below {
                unit: self.unit,
                manager: self.user,
            },
            Role::Rep | Role::Viewer => PayVisibility::Own(self.user),
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
    /// 22 a second team A manager@3, 30 rep@3, 31 rep@4, 32 rep@6, 40 viewer@2.
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
                (22, 3),
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
        assert!(rep.can_see_pay_of(p(30), Role::Rep, &t));
        assert!(!rep.can_see_pay_of(p(31), Role::Rep, &t));
        assert!(
            !rep.can_see_pay_of(p(21), Role::Manager, &t),
            "not even his manager's"
        );
    }

    #[test]
    fn a_manager_sees_exactly_his_subtree() {
        let t = tree();
        let east = who(20, Role::Manager, 2);
        for visible in [20, 21, 30, 31, 40] {
            assert!(east.can_see_records_of(p(visible), &t), "{visible}");
            assert!(east.can_see_pay_of(p(visible), Role::Rep, &t), "{visible}");
        }
        for hidden in [10, 11, 32] {
            assert!(!east.can_see_records_of(p(hidden), &t), "{hidden}");
            assert!(!east.can_see_pay_of(p(hidden), Role::Rep, &t), "{hidden}");
        }
        let team_a = who(21, Role::Manager, 3);
        assert!(
            !team_a.can_see_pay_of(p(31), Role::Rep, &t),
            "a sibling team is not his"
        );
        assert!(
            !team_a.can_see_pay_of(p(20), Role::Manager, &t),
            "his own manager's pay is not his to see"
        );
    }

    /// Storage filters statements by `pay_visibility`; it must say exactly
    /// what `can_see_pay_of` says, for every role and person.
    #[test]
    fn pay_visibility_agrees_with_can_see_pay_of() {
        let t = tree();
        let people = [
            (10, Role::Admin, 1),
            (11, Role::SalesOps, 1),
            (20, Role::Manager, 2),
            (21, Role::Manager, 3),
            (22, Role::Manager, 3),
            (30, Role::Rep, 3),
            (31, Role::Rep, 4),
            (32, Role::Rep, 6),
            (40, Role::Viewer, 2),
        ];
        for (user, role, unit) in people {
            let who = who(user, role, unit);
            for (person, person_role, person_unit) in people {
                // What the SQL of the store says for each form.
                let by_filter = match who.pay_visibility() {
                    PayVisibility::Everything => true,
                    PayVisibility::Below { unit, manager } => {
                        manager == p(person)
                            || (t.user_is_within(p(person), unit)
                                && (u(person_unit) != unit
                                    || matches!(person_role, Role::Rep | Role::Viewer)))
                    }
                    PayVisibility::Own(me) => me == p(person),
                };
                assert_eq!(
                    by_filter,
                    who.can_see_pay_of(p(person), person_role, &t),
                    "{role:?} {user} on {person}"
                );
            }
        }
        // Found by attack: a manager read a peer manager's statement.
        let team_a = who(21, Role::Manager, 3);
        assert!(!team_a.can_see_pay_of(p(22), Role::Manager, &t));
        assert!(team_a.can_see_pay_of(p(30), Role::Rep, &t));
    }

    #[test]
    fn a_viewer_sees_his_subtree_but_no_pay_and_cannot_write() {
        let t = tree();
        let viewer = who(40, Role::Viewer, 2);
        assert!(viewer.can_see_records_of(p(31), &t));
        assert!(!viewer.can_see_pay_of(p(31), Role::Rep, &t));
        assert!(!viewer.can_write());
    }

    #[test]
    fn ops_and_admin_see_everything_but_only_admin_manages_users() {
        let t = tree();
        let ops = who(11, Role::SalesOps, 1);
        let admin = who(10, Role::Admin, 1);
        assert!(
            ops.can_see_pay_of(p(32), Role::Rep, &t) && admin.can_see_pay_of(p(32), Role::Rep, &t)
        );
        assert!(ops.can_read_audit_log() && admin.can_read_audit_log());
        assert!(!ops.can_manage_users() && admin.can_manage_users());
        assert!(!who(20, Role::Manager, 2).can_read_audit_log());
    }
}
