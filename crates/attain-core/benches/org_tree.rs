//! Org tree queries at the size of a large sales organisation:
//! 10,000 people in ~1,100 units five levels deep.
#![allow(missing_docs)]

use attain_core::{OrgTree, OrgUnit, OrgUnitId, OrgUnitKind, UserId};

fn main() {
    divan::main();
}

/// Company → 10 regions → 10 departments each → 10 teams each, people spread over teams.
fn large_org() -> (Vec<OrgUnit>, Vec<(UserId, OrgUnitId)>) {
    let mut units = vec![OrgUnit {
        id: OrgUnitId::from_raw(1),
        parent: None,
        name: "Company".into(),
        kind: OrgUnitKind::Company,
    }];
    let mut next = 2;
    let mut teams = Vec::new();
    for _ in 0..10 {
        let region = OrgUnitId::from_raw(next);
        next += 1;
        units.push(OrgUnit {
            id: region,
            parent: Some(OrgUnitId::from_raw(1)),
            name: "R".into(),
            kind: OrgUnitKind::Region,
        });
        for _ in 0..10 {
            let dept = OrgUnitId::from_raw(next);
            next += 1;
            units.push(OrgUnit {
                id: dept,
                parent: Some(region),
                name: "D".into(),
                kind: OrgUnitKind::Department,
            });
            for _ in 0..10 {
                let team = OrgUnitId::from_raw(next);
                next += 1;
                units.push(OrgUnit {
                    id: team,
                    parent: Some(dept),
                    name: "T".into(),
                    kind: OrgUnitKind::Team,
                });
                teams.push(team);
            }
        }
    }
    let people = (0..10_000)
        .map(|i| {
            (
                UserId::from_raw(i + 1),
                teams[(i as usize * 7) % teams.len()],
            )
        })
        .collect();
    (units, people)
}

#[divan::bench]
fn build_tree_of_10k_people(bencher: divan::Bencher) {
    let (units, people) = large_org();
    bencher.bench(|| OrgTree::build(units.clone(), people.clone()));
}

#[divan::bench]
fn people_in_one_region(bencher: divan::Bencher) {
    let (units, people) = large_org();
    let tree = OrgTree::build(units, people).expect("valid org");
    let region = OrgUnitId::from_raw(2);
    bencher.bench(|| tree.users_within(divan::black_box(region)).count());
}

#[divan::bench]
fn check_10k_people_against_a_region(bencher: divan::Bencher) {
    let (units, people) = large_org();
    let tree = OrgTree::build(units, people).expect("valid org");
    let region = OrgUnitId::from_raw(2);
    bencher.bench(|| {
        (1..=10_000)
            .filter(|i| tree.user_is_within(UserId::from_raw(*i), region))
            .count()
    });
}

#[divan::bench]
fn ancestors_of_every_team(bencher: divan::Bencher) {
    let (units, people) = large_org();
    let tree = OrgTree::build(units.clone(), people).expect("valid org");
    bencher.bench(|| {
        units
            .iter()
            .map(|u| tree.ancestors(u.id).count())
            .sum::<usize>()
    });
}
