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
//! Every decision is a method of [`Principal`]: which records and figures he
//! reads, whose goals he sets, whether he runs pay, writes or imports
//! records, manages units and users, reads the audit log. The use cases ask
//! these; handlers never decide. Storage turns a [`Visibility`] into a
//! filter under every query, so a page or an API endpoint cannot forget to
//! apply it.

use crate::ids::{OrgUnitId, UserId};
use crate::org::OrgTree;
use crate::scope::Scope;
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

    /// Whether the principal may define or remove the company's custom
    /// metrics (they change figures everyone reads).
    pub fn can_define_metrics(&self) -> bool {
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

    /// Whether the principal writes and deletes sales records through the
    /// API: like an import, it touches every owner's records.
    pub fn can_write_records(&self) -> bool {
        self.can_import()
    }

    /// Whether the principal creates, renames, moves and removes org units.
    pub fn can_manage_units(&self) -> bool {
        self.role == Role::Admin
    }

    /// Whether the principal changes the organisation's settings (name,
    /// currency, fiscal calendar, time zone, …).
    pub fn can_change_settings(&self) -> bool {
        self.role == Role::Admin
    }

    /// Whether the principal may read the figures of `scope` (KPIs, goals'
    /// actuals): admins and ops any; a manager or viewer his unit's subtree
    /// and its people (the head of sales, whose unit is the company, also
    /// company-wide, customer and product figures); a rep his own.
    pub fn may_see_scope(&self, scope: &Scope, tree: &OrgTree) -> bool {
        match (self.visibility(), scope) {
            (Visibility::Everything, Scope::Unit(u)) => tree.unit(*u).is_some(),
            (Visibility::Everything, _) => true,
            (Visibility::Subtree(root), Scope::Unit(u)) => {
                tree.unit(*u).is_some() && tree.is_within(*u, root)
            }
            (Visibility::Subtree(root), _) if tree.root().id == root => true,
            (Visibility::Subtree(root), Scope::Rep(r)) => tree.user_is_within(*r, root),
            (Visibility::Own(me), Scope::Rep(r)) => me == *r,
            // Customer and product figures are company-wide.
            _ => false,
        }
    }

    /// Whether the principal sets any goal at all (the goal form is shown).
    pub fn sets_goals(&self) -> bool {
        matches!(self.role, Role::Admin | Role::SalesOps | Role::Manager)
    }

    /// Whether the principal may set or change a goal on `scope`: admins
    /// and ops any; the head of sales (a manager of the whole company) any;
    /// another manager those of the units strictly below his and of the
    /// people strictly below him (see [`Self::is_above`]); nobody else.
    /// `role_of` gives a person's role (`None`: no such person).
    pub fn may_set_goals_on(
        &self,
        scope: &Scope,
        role_of: &dyn Fn(UserId) -> Option<Role>,
        tree: &OrgTree,
    ) -> bool {
        match self.role {
            Role::Admin | Role::SalesOps => true,
            Role::Manager if tree.root().id == self.unit => true,
            Role::Manager => match scope {
                Scope::Unit(u) => {
                    *u != self.unit && tree.unit(*u).is_some() && tree.is_within(*u, self.unit)
                }
                Scope::Rep(r) => role_of(*r).is_some_and(|role| self.is_above(*r, role, tree)),
                _ => false,
            },
            Role::Rep | Role::Viewer => false,
        }
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

    /// Every decision as a table: role × action × target. A change of rule
    /// changes a row here, in one place.
    #[test]
    fn every_decision_by_role_action_and_target() {
        let t = tree();
        let roles = |id: UserId| match id.raw() {
            10 => Some(Role::Admin),
            11 => Some(Role::SalesOps),
            20..=22 => Some(Role::Manager),
            30..=32 => Some(Role::Rep),
            40 => Some(Role::Viewer),
            _ => None,
        };
        let admin = who(10, Role::Admin, 1);
        let ops = who(11, Role::SalesOps, 1);
        let head = who(20, Role::Manager, 1);
        let east = who(20, Role::Manager, 2);
        let team_a = who(21, Role::Manager, 3);
        let rep = who(30, Role::Rep, 3);
        let viewer = who(40, Role::Viewer, 2);
        let everyone = [&admin, &ops, &head, &east, &team_a, &rep, &viewer];
        let name =
            |w: &Principal| format!("{:?} {} of unit {}", w.role, w.user.raw(), w.unit.raw());

        // Actions without a target: admin, ops, head, east, team A, rep, viewer.
        type Flat = fn(&Principal) -> bool;
        let flat: &[(&str, Flat, [bool; 7])] = &[
            (
                "run payouts",
                Principal::can_run_payouts,
                [true, true, false, false, false, false, false],
            ),
            (
                "manage users",
                Principal::can_manage_users,
                [true, false, false, false, false, false, false],
            ),
            (
                "manage units",
                Principal::can_manage_units,
                [true, false, false, false, false, false, false],
            ),
            (
                "change the settings",
                Principal::can_change_settings,
                [true, false, false, false, false, false, false],
            ),
            (
                "read the audit log",
                Principal::can_read_audit_log,
                [true, true, false, false, false, false, false],
            ),
            (
                "define metrics",
                Principal::can_define_metrics,
                [true, true, false, false, false, false, false],
            ),
            (
                "import",
                Principal::can_import,
                [true, true, false, false, false, false, false],
            ),
            (
                "write records",
                Principal::can_write_records,
                [true, true, false, false, false, false, false],
            ),
            (
                "write at all",
                Principal::can_write,
                [true, true, true, true, true, true, false],
            ),
            (
                "set goals at all",
                Principal::sets_goals,
                [true, true, true, true, true, false, false],
            ),
        ];
        for (action, decide, expected) in flat {
            for (w, want) in everyone.iter().zip(expected) {
                assert_eq!(decide(w), *want, "{} may {action}", name(w));
            }
        }

        // Actions on a scope: see its figures, set its goals.
        let company = Scope::Company;
        let east_unit = Scope::Unit(u(2));
        let team_a_unit = Scope::Unit(u(3));
        let west_unit = Scope::Unit(u(5));
        let no_unit = Scope::Unit(u(99));
        let rep_a = Scope::Rep(p(30));
        let rep_c = Scope::Rep(p(32));
        let peer = Scope::Rep(p(22));
        let segment = Scope::Customers(crate::scope::CustomerAttr::Segment, "SMB".into());
        let targets = [
            &company,
            &east_unit,
            &team_a_unit,
            &west_unit,
            &no_unit,
            &rep_a,
            &rep_c,
            &peer,
            &segment,
        ];
        //          company east  teamA west  none  rep30 rep32 peer22 segment
        let see: [[bool; 9]; 7] = [
            [true, true, true, true, false, true, true, true, true], // admin
            [true, true, true, true, false, true, true, true, true], // ops
            [true, true, true, true, false, true, true, true, true], // head of sales
            [false, true, true, false, false, true, false, true, false], // east manager
            [false, false, true, false, false, true, false, true, false], // team A manager
            [false, false, false, false, false, true, false, false, false], // rep 30
            [false, true, true, false, false, true, false, true, false], // viewer of east
        ];
        let set: [[bool; 9]; 7] = [
            [true, true, true, true, true, true, true, true, true], // admin
            [true, true, true, true, true, true, true, true, true], // ops
            [true, true, true, true, true, true, true, true, true], // head of sales
            [false, false, true, false, false, true, false, true, false], // east manager: below him
            [false, false, false, false, false, true, false, false, false], // team A: his reps, not his peer
            [false; 9],                                                     // rep
            [false; 9],                                                     // viewer
        ];
        for (i, w) in everyone.iter().enumerate() {
            for (j, scope) in targets.iter().enumerate() {
                assert_eq!(
                    w.may_see_scope(scope, &t),
                    see[i][j],
                    "{} sees {scope:?}",
                    name(w)
                );
                assert_eq!(
                    w.may_set_goals_on(scope, &roles, &t),
                    set[i][j],
                    "{} sets goals on {scope:?}",
                    name(w)
                );
            }
        }
    }
}
