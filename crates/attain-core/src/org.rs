//! The org hierarchy: company → regions → departments/teams (any depth) → people.
//!
//! [`OrgTree`] is built once from the units and memberships storage loaded,
//! and then answers the questions visibility, roll-ups and cascades ask all
//! the time: "is this unit inside that one?", "who is in this subtree?",
//! "what are this unit's ancestors?". Units are laid out in pre-order, so a
//! subtree is one contiguous slice and membership is two integer comparisons;
//! people are sorted by their unit's position, so the people of a subtree are
//! a contiguous slice too.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use crate::ids::{OrgUnitId, UserId};

/// What an org unit is. Only labels: depth is free, so a team may sit under a
/// department under a region, or straight under the company.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrgUnitKind {
    /// The whole organisation; exactly one, at the root.
    Company,
    /// A geographic region.
    Region,
    /// A department or business unit.
    Department,
    /// A sales team.
    Team,
}

impl OrgUnitKind {
    /// Every kind, in hierarchy order.
    pub const ALL: [OrgUnitKind; 4] = [Self::Company, Self::Region, Self::Department, Self::Team];

    /// Stable lower-case key used in storage, URLs and the CLI.
    pub fn key(self) -> &'static str {
        match self {
            Self::Company => "company",
            Self::Region => "region",
            Self::Department => "department",
            Self::Team => "team",
        }
    }
}

impl fmt::Display for OrgUnitKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// Error for an unknown org unit kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not an org unit kind: expected company, region, department or team")]
pub struct UnknownOrgUnitKind(pub String);

impl FromStr for OrgUnitKind {
    type Err = UnknownOrgUnitKind;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|k| k.key() == lower)
            .ok_or_else(|| UnknownOrgUnitKind(s.to_owned()))
    }
}

/// One org unit as loaded from storage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgUnit {
    /// Its ID.
    pub id: OrgUnitId,
    /// Its parent; `None` only for the company at the root.
    pub parent: Option<OrgUnitId>,
    /// Display name.
    pub name: String,
    /// What kind of unit it is.
    pub kind: OrgUnitKind,
}

/// Why a set of units and memberships is not a valid tree.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrgTreeError {
    /// No unit without a parent.
    #[error("the organisation has no root unit")]
    NoRoot,
    /// More than one unit without a parent.
    #[error("the organisation has more than one root unit: {0} and {1}")]
    SeveralRoots(OrgUnitId, OrgUnitId),
    /// The same unit ID twice.
    #[error("org unit {0} appears twice")]
    DuplicateUnit(OrgUnitId),
    /// A parent that is not in the set.
    #[error("org unit {unit} names parent {parent}, which does not exist")]
    UnknownParent {
        /// The child.
        unit: OrgUnitId,
        /// The missing parent.
        parent: OrgUnitId,
    },
    /// Units that cannot be reached from the root: they form a cycle.
    #[error("org unit {0} is part of a cycle")]
    Cycle(OrgUnitId),
    /// A person placed in a unit that is not in the set.
    #[error("user {user} belongs to org unit {unit}, which does not exist")]
    UnknownUnitForUser {
        /// The person.
        user: UserId,
        /// The missing unit.
        unit: OrgUnitId,
    },
    /// The same person twice.
    #[error("user {0} appears twice")]
    DuplicateUser(UserId),
}

#[derive(Debug, Clone)]
struct Node {
    unit: OrgUnit,
    parent_pos: Option<usize>,
    depth: u32,
    /// Position one past the last descendant: the subtree is `pos..subtree_end`.
    subtree_end: usize,
    children: Vec<usize>,
}

/// A validated org tree with fast subtree and ancestor queries.
#[derive(Debug, Clone)]
pub struct OrgTree {
    nodes: Vec<Node>,
    unit_ids: Vec<OrgUnitId>,
    position: HashMap<OrgUnitId, usize>,
    /// (unit position, user), sorted.
    members: Vec<(usize, UserId)>,
    member_unit: HashMap<UserId, usize>,
}

impl OrgTree {
    /// Builds and validates the tree: exactly one root, every parent known,
    /// no cycles, every person in a known unit and listed once.
    pub fn build(
        units: Vec<OrgUnit>,
        memberships: impl IntoIterator<Item = (UserId, OrgUnitId)>,
    ) -> Result<Self, OrgTreeError> {
        let mut by_id: HashMap<OrgUnitId, OrgUnit> = HashMap::with_capacity(units.len());
        let mut root: Option<OrgUnitId> = None;
        let mut kids: HashMap<OrgUnitId, Vec<OrgUnitId>> = HashMap::new();
        for unit in &units {
            match unit.parent {
                None => match root {
                    Some(other) => return Err(OrgTreeError::SeveralRoots(other, unit.id)),
                    None => root = Some(unit.id),
                },
                Some(p) => kids.entry(p).or_default().push(unit.id),
            }
        }
        for unit in units {
            let id = unit.id;
            if by_id.insert(id, unit).is_some() {
                return Err(OrgTreeError::DuplicateUnit(id));
            }
        }
        for unit in by_id.values() {
            if let Some(parent) = unit.parent
                && !by_id.contains_key(&parent)
            {
                return Err(OrgTreeError::UnknownParent {
                    unit: unit.id,
                    parent,
                });
            }
        }
        let root = root.ok_or(OrgTreeError::NoRoot)?;
        for list in kids.values_mut() {
            list.sort();
        }

        // Iterative pre-order walk from the root.
        let mut nodes: Vec<Node> = Vec::with_capacity(by_id.len());
        let mut position = HashMap::with_capacity(by_id.len());
        let mut stack: Vec<(OrgUnitId, Option<usize>, u32)> = vec![(root, None, 0)];
        while let Some((id, parent_pos, depth)) = stack.pop() {
            let pos = nodes.len();
            let unit = by_id.remove(&id).ok_or(OrgTreeError::Cycle(id))?;
            position.insert(id, pos);
            if let Some(pp) = parent_pos {
                nodes[pp].children.push(pos);
            }
            nodes.push(Node {
                unit,
                parent_pos,
                depth,
                subtree_end: pos + 1,
                children: Vec::new(),
            });
            if let Some(children) = kids.get(&id) {
                for child in children.iter().rev() {
                    stack.push((*child, Some(pos), depth + 1));
                }
            }
        }
        if let Some(unreached) = by_id.keys().min() {
            return Err(OrgTreeError::Cycle(*unreached));
        }
        // Subtree ends: children come after parents in pre-order, so a reverse
        // pass sees every descendant before its ancestor.
        for pos in (0..nodes.len()).rev() {
            let end = nodes[pos].subtree_end;
            if let Some(pp) = nodes[pos].parent_pos
                && nodes[pp].subtree_end < end
            {
                nodes[pp].subtree_end = end;
            }
        }

        let mut members = Vec::new();
        let mut member_unit = HashMap::new();
        for (user, unit) in memberships {
            let pos = *position
                .get(&unit)
                .ok_or(OrgTreeError::UnknownUnitForUser { user, unit })?;
            if member_unit.insert(user, pos).is_some() {
                return Err(OrgTreeError::DuplicateUser(user));
            }
            members.push((pos, user));
        }
        members.sort_unstable();
        let unit_ids = nodes.iter().map(|n| n.unit.id).collect();
        Ok(Self {
            nodes,
            unit_ids,
            position,
            members,
            member_unit,
        })
    }

    fn pos(&self, id: OrgUnitId) -> Option<usize> {
        self.position.get(&id).copied()
    }

    /// The company at the root.
    pub fn root(&self) -> &OrgUnit {
        &self.nodes[0].unit
    }

    /// Number of units.
    pub fn unit_count(&self) -> usize {
        self.nodes.len()
    }

    /// Number of people placed in units.
    pub fn member_count(&self) -> usize {
        self.members.len()
    }

    /// A unit by ID.
    pub fn unit(&self, id: OrgUnitId) -> Option<&OrgUnit> {
        self.pos(id).map(|p| &self.nodes[p].unit)
    }

    /// Every unit in pre-order (parents before children, siblings by ID).
    pub fn units(&self) -> impl Iterator<Item = &OrgUnit> {
        self.nodes.iter().map(|n| &n.unit)
    }

    /// Depth of a unit: 0 for the company.
    pub fn depth(&self, id: OrgUnitId) -> Option<u32> {
        self.pos(id).map(|p| self.nodes[p].depth)
    }

    /// Direct children of a unit, by ID.
    pub fn children(&self, id: OrgUnitId) -> impl Iterator<Item = &OrgUnit> {
        self.pos(id).into_iter().flat_map(move |p| {
            self.nodes[p]
                .children
                .iter()
                .map(move |c| &self.nodes[*c].unit)
        })
    }

    /// The units above `id`, nearest first, ending at the company.
    pub fn ancestors(&self, id: OrgUnitId) -> impl Iterator<Item = &OrgUnit> {
        let mut next = self.pos(id).and_then(|p| self.nodes[p].parent_pos);
        std::iter::from_fn(move || {
            let pos = next?;
            next = self.nodes[pos].parent_pos;
            Some(&self.nodes[pos].unit)
        })
    }

    /// IDs of `id` and every unit below it, in pre-order. Empty for an unknown unit.
    pub fn subtree(&self, id: OrgUnitId) -> &[OrgUnitId] {
        match self.pos(id) {
            Some(p) => &self.unit_ids[p..self.nodes[p].subtree_end],
            None => &[],
        }
    }

    /// Whether `unit` is `ancestor` itself or lies below it.
    pub fn is_within(&self, unit: OrgUnitId, ancestor: OrgUnitId) -> bool {
        match (self.pos(unit), self.pos(ancestor)) {
            (Some(u), Some(a)) => a <= u && u < self.nodes[a].subtree_end,
            _ => false,
        }
    }

    /// The unit a person belongs to.
    pub fn unit_of(&self, user: UserId) -> Option<OrgUnitId> {
        self.member_unit.get(&user).map(|p| self.unit_ids[*p])
    }

    /// Whether a person belongs to `unit` or any unit below it.
    pub fn user_is_within(&self, user: UserId, unit: OrgUnitId) -> bool {
        match (self.member_unit.get(&user), self.pos(unit)) {
            (Some(u), Some(a)) => a <= *u && *u < self.nodes[a].subtree_end,
            _ => false,
        }
    }

    /// Everyone in `unit` or below it, grouped by unit in pre-order.
    pub fn users_within(&self, unit: OrgUnitId) -> impl Iterator<Item = UserId> + '_ {
        let slice: &[(usize, UserId)] = match self.pos(unit) {
            Some(a) => {
                let end = self.nodes[a].subtree_end;
                let lo = self.members.partition_point(|(p, _)| *p < a);
                let hi = self.members.partition_point(|(p, _)| *p < end);
                &self.members[lo..hi]
            }
            None => &[],
        };
        slice.iter().map(|(_, u)| *u)
    }

    /// Names from the company down to `id`, e.g. `["Acme", "East", "Shanghai team"]`.
    pub fn path(&self, id: OrgUnitId) -> Vec<&str> {
        let mut names: Vec<&str> = self.ancestors(id).map(|u| u.name.as_str()).collect();
        names.reverse();
        if let Some(unit) = self.unit(id) {
            names.push(&unit.name);
        }
        names
    }

    /// The unit `text` names: its ID, its path from the company or from
    /// any unit down (`North/N1`, `Acme/North/N1`, separated by `/`), or its
    /// name when only one unit has it. How the command line and files name
    /// units.
    pub fn find(&self, text: &str) -> Result<OrgUnitId, UnitLookupError> {
        let text = text.trim();
        // A name of its own first: a unit may have a '/' in its name, or
        // be called "2026".
        let named: Vec<OrgUnitId> = self
            .units()
            .filter(|u| u.name == text)
            .map(|u| u.id)
            .collect();
        let by_id = text
            .parse::<i64>()
            .ok()
            .map(OrgUnitId::from_raw)
            .filter(|id| self.unit(*id).is_some());
        match (named.as_slice(), by_id) {
            ([one], None) => return Ok(*one),
            ([one], Some(id)) if *one == id => return Ok(id),
            ([], Some(id)) => return Ok(id),
            (_, Some(id)) => {
                let mut paths: Vec<String> =
                    named.iter().map(|n| self.path(*n).join("/")).collect();
                paths.push(format!("the unit with ID {id}"));
                return Err(UnitLookupError::Ambiguous {
                    text: text.to_owned(),
                    paths,
                });
            }
            _ => {}
        }
        if text.parse::<i64>().is_ok() && named.is_empty() {
            return Err(UnitLookupError::NotFound(text.to_owned()));
        }
        let wanted: Vec<&str> = text
            .split('/')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect();
        if wanted.is_empty() {
            return Err(UnitLookupError::NotFound(text.to_owned()));
        }
        let matches: Vec<OrgUnitId> = self
            .units()
            .filter(|u| {
                let path = self.path(u.id);
                path.len() >= wanted.len() && path[path.len() - wanted.len()..] == wanted[..]
            })
            .map(|u| u.id)
            .collect();
        match matches.as_slice() {
            [one] => Ok(*one),
            [] => Err(UnitLookupError::NotFound(text.to_owned())),
            several => Err(UnitLookupError::Ambiguous {
                text: text.to_owned(),
                paths: several.iter().map(|id| self.path(*id).join("/")).collect(),
            }),
        }
    }
}

/// Why a unit's name, path or ID found no single unit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnitLookupError {
    /// No unit has this ID, name or path.
    #[error("no org unit has the ID, name or path '{0}'")]
    NotFound(String),
    /// Several units end in this path.
    #[error("several org units are called '{text}': {}; give more of the path or the ID", paths.join(", "))]
    Ambiguous {
        /// What was given.
        text: String,
        /// The full paths of the units it could mean.
        paths: Vec<String>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn unit(id: i64, parent: Option<i64>, kind: OrgUnitKind) -> OrgUnit {
        OrgUnit {
            id: OrgUnitId::from_raw(id),
            parent: parent.map(OrgUnitId::from_raw),
            name: format!("unit {id}"),
            kind,
        }
    }

    fn u(id: i64) -> OrgUnitId {
        OrgUnitId::from_raw(id)
    }

    fn sample() -> OrgTree {
        // 1 company; 2, 3 regions; 4, 5 teams under 2; 6 team under 3; 7 sub-team under 4.
        let units = vec![
            unit(7, Some(4), OrgUnitKind::Team),
            unit(1, None, OrgUnitKind::Company),
            unit(2, Some(1), OrgUnitKind::Region),
            unit(3, Some(1), OrgUnitKind::Region),
            unit(4, Some(2), OrgUnitKind::Team),
            unit(5, Some(2), OrgUnitKind::Team),
            unit(6, Some(3), OrgUnitKind::Team),
        ];
        let people = [(10, 4), (11, 5), (12, 6), (13, 7), (14, 1)]
            .map(|(p, un)| (UserId::from_raw(p), u(un)));
        OrgTree::build(units, people).unwrap()
    }

    #[test]
    fn a_region_subtree_holds_its_teams_and_their_people() {
        let t = sample();
        assert_eq!(t.subtree(u(2)), &[u(2), u(4), u(7), u(5)]);
        let people: Vec<i64> = t.users_within(u(2)).map(|x| x.raw()).collect();
        assert_eq!(people, vec![10, 13, 11]);
        assert!(t.user_is_within(UserId::from_raw(13), u(2)));
        assert!(!t.user_is_within(UserId::from_raw(12), u(2)));
        assert_eq!(t.users_within(u(1)).count(), 5);
        assert_eq!(t.path(u(7)), vec!["unit 1", "unit 2", "unit 4", "unit 7"]);
        assert_eq!(t.depth(u(7)), Some(3));
        let kids: Vec<_> = t.children(u(2)).map(|x| x.id).collect();
        assert_eq!(kids, vec![u(4), u(5)]);
    }

    #[test]
    fn a_unit_is_found_by_id_path_or_unique_name() {
        let mut units = vec![
            unit(1, None, OrgUnitKind::Company),
            unit(2, Some(1), OrgUnitKind::Region),
            unit(3, Some(1), OrgUnitKind::Region),
            unit(4, Some(2), OrgUnitKind::Team),
            unit(5, Some(3), OrgUnitKind::Team),
        ];
        for (id, name) in [
            (1, "Acme"),
            (2, "North"),
            (3, "South"),
            (4, "Sales 1"),
            (5, "Sales 1"),
        ] {
            units[id - 1].name = name.into();
        }
        let t = OrgTree::build(units, []).unwrap();
        assert_eq!(t.find("2"), Ok(u(2)));
        assert_eq!(t.find("North"), Ok(u(2)));
        assert_eq!(t.find(" North / Sales 1 "), Ok(u(4)));
        assert_eq!(t.find("Acme/South/Sales 1"), Ok(u(5)));
        assert_eq!(t.find("Acme"), Ok(u(1)));
        let err = t.find("Sales 1").unwrap_err();
        assert_eq!(
            err.to_string(),
            "several org units are called 'Sales 1': Acme/North/Sales 1, Acme/South/Sales 1; give more of the path or the ID"
        );
        assert_eq!(t.find("99"), Err(UnitLookupError::NotFound("99".into())));
        // A unit called like another's ID is not taken for it silently.
        let mut units = vec![
            unit(1, None, OrgUnitKind::Company),
            unit(2, Some(1), OrgUnitKind::Team),
        ];
        units[1].name = "1".into();
        let t2 = OrgTree::build(units, []).unwrap();
        assert!(matches!(
            t2.find("1"),
            Err(UnitLookupError::Ambiguous { .. })
        ));
        assert_eq!(t2.find("2"), Ok(u(2)));
        assert_eq!(
            t.find("East/Sales 1"),
            Err(UnitLookupError::NotFound("East/Sales 1".into()))
        );
        assert_eq!(t.find("//"), Err(UnitLookupError::NotFound("//".into())));
        // A path matches whole names only.
        assert!(t.find("orth/Sales 1").is_err());
    }

    #[test]
    fn broken_hierarchies_are_refused() {
        let company = unit(1, None, OrgUnitKind::Company);
        assert_eq!(
            OrgTree::build(vec![], []).unwrap_err(),
            OrgTreeError::NoRoot
        );
        assert_eq!(
            OrgTree::build(
                vec![company.clone(), unit(2, None, OrgUnitKind::Company)],
                []
            )
            .unwrap_err(),
            OrgTreeError::SeveralRoots(u(1), u(2))
        );
        assert_eq!(
            OrgTree::build(
                vec![company.clone(), unit(2, Some(9), OrgUnitKind::Team)],
                []
            )
            .unwrap_err(),
            OrgTreeError::UnknownParent {
                unit: u(2),
                parent: u(9)
            }
        );
        let cycle = vec![
            company.clone(),
            unit(2, Some(3), OrgUnitKind::Team),
            unit(3, Some(2), OrgUnitKind::Team),
        ];
        assert_eq!(
            OrgTree::build(cycle, []).unwrap_err(),
            OrgTreeError::Cycle(u(2))
        );
        assert_eq!(
            OrgTree::build(vec![company.clone()], [(UserId::from_raw(5), u(8))]).unwrap_err(),
            OrgTreeError::UnknownUnitForUser {
                user: UserId::from_raw(5),
                unit: u(8)
            }
        );
        let twice = [(UserId::from_raw(5), u(1)), (UserId::from_raw(5), u(1))];
        assert_eq!(
            OrgTree::build(vec![company], twice).unwrap_err(),
            OrgTreeError::DuplicateUser(UserId::from_raw(5))
        );
    }

    #[test]
    fn unit_kinds_parse_from_their_keys() {
        assert_eq!("Region".parse::<OrgUnitKind>(), Ok(OrgUnitKind::Region));
        assert!("squad".parse::<OrgUnitKind>().is_err());
    }

    /// Random trees: unit i (i >= 1) hangs under a random earlier unit.
    fn random_tree() -> impl Strategy<Value = (Vec<usize>, Vec<usize>)> {
        (1_usize..60).prop_flat_map(|n| {
            let parents = (1..n).map(|i| 0..i).collect::<Vec<_>>();
            (parents, proptest::collection::vec(0..n, 0..100))
        })
    }

    proptest! {
        #[test]
        fn subtree_queries_agree_with_walking_parents((parents, people) in random_tree()) {
            let mut units = vec![unit(1, None, OrgUnitKind::Company)];
            for (i, p) in parents.iter().enumerate() {
                units.push(unit(i as i64 + 2, Some(*p as i64 + 1), OrgUnitKind::Team));
            }
            let parent_of = |id: i64| -> Option<i64> { if id == 1 { None } else { Some(parents[(id - 2) as usize] as i64 + 1) } };
            let within = |mut x: i64, a: i64| loop { if x == a { return true; } match parent_of(x) { Some(p) => x = p, None => return false } };
            let memberships: Vec<_> = people.iter().enumerate().map(|(i, un)| (UserId::from_raw(i as i64 + 1), u(*un as i64 + 1))).collect();
            let tree = OrgTree::build(units.clone(), memberships.clone()).unwrap();
            for a in &units {
                let mut expected: Vec<i64> = units.iter().filter(|x| within(x.id.raw(), a.id.raw())).map(|x| x.id.raw()).collect();
                let mut got: Vec<i64> = tree.subtree(a.id).iter().map(|x| x.raw()).collect();
                expected.sort(); got.sort();
                prop_assert_eq!(got, expected);
                let mut expected_people: Vec<i64> = memberships.iter().filter(|(_, un)| within(un.raw(), a.id.raw())).map(|(p, _)| p.raw()).collect();
                let mut got_people: Vec<i64> = tree.users_within(a.id).map(|p| p.raw()).collect();
                expected_people.sort(); got_people.sort();
                prop_assert_eq!(got_people, expected_people);
                let ancestors: Vec<i64> = tree.ancestors(a.id).map(|x| x.id.raw()).collect();
                let mut walk = vec![]; let mut x = a.id.raw();
                while let Some(p) = parent_of(x) { walk.push(p); x = p; }
                prop_assert_eq!(ancestors, walk);
            }
        }
    }
}
