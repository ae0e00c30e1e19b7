//! A person's unit has dates, on both backends, over the demo company: a
//! rep moved from one team to a team of another region in the middle of a
//! quarter, and the team, region and company figures read both ways the
//! `unit_credit` setting offers. The expected figures come from the rep's
//! own figures over the days before and after his move (which no unit
//! enters), so the unit paths are checked against another path.
#![allow(clippy::unwrap_used, missing_docs)]

use attain_app::goals::By;
use attain_app::{settings, users};
use attain_core::{OrgUnitId, OrgUnitKind, Role, SettingKey, UserId};
use attain_demo::{DemoOptions, Scale};
use attain_kpi::{Dim, Engine, KpiQuery, Scope};
use attain_store::{Actor, Store, UserChanges};
use attain_testkit::store_test;
use chrono::NaiveDate;
use rust_decimal::Decimal;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

const TODAY: &str = "2026-06-30";
/// Metrics summed from the day and month rollups, from the products', and
/// from the customers' first orders.
const METRICS: [&str; 5] = [
    "revenue",
    "deals_won",
    "activities",
    "new_customers",
    "bookings",
];

async fn company(store: &Store) {
    let options = DemoOptions {
        seed: 5,
        scale: Scale::Small,
        as_of: d(TODAY),
    };
    attain_demo::build(store, options, "not-a-real-hash", |_, _| {})
        .await
        .unwrap();
}

async fn value(store: &Store, metric: &str, period: &str, scope: Scope) -> Decimal {
    let engine = Engine::new(store).await.unwrap();
    let q = KpiQuery {
        metric: metric.into(),
        formula: None,
        period: engine.calendar().parse(period).unwrap(),
        scope,
        by: Vec::new(),
        target: None,
    };
    engine.answer(&q).await.unwrap().rows[0]
        .value
        .unwrap_or_default()
}

/// Each row's value by its first key, for a breakdown.
async fn by(
    store: &Store,
    metric: &str,
    period: &str,
    scope: Scope,
    dims: Vec<Dim>,
) -> std::collections::BTreeMap<String, Decimal> {
    let engine = Engine::new(store).await.unwrap();
    let q = KpiQuery {
        metric: metric.into(),
        formula: None,
        period: engine.calendar().parse(period).unwrap(),
        scope,
        by: dims,
        target: None,
    };
    engine
        .answer(&q)
        .await
        .unwrap()
        .rows
        .into_iter()
        .map(|r| (r.keys.join(" "), r.value.unwrap_or_default()))
        .collect()
}

struct Setup {
    rep: UserId,
    from_team: OrgUnitId,
    to_team: OrgUnitId,
    from_region: OrgUnitId,
    to_region: OrgUnitId,
}

/// A rep with revenue on both sides of `moved` in Q2, and a team of
/// another region.
async fn setup(store: &Store, moved: NaiveDate) -> Setup {
    let tree = store.org_tree().await.unwrap();
    let units = store.org_units().await.unwrap();
    let region_of = |u: OrgUnitId| {
        tree.ancestors(u)
            .find(|a| a.kind == OrgUnitKind::Region)
            .unwrap()
            .id
    };
    for user in store
        .users()
        .await
        .unwrap()
        .into_iter()
        .filter(|u| u.role == Role::Rep && u.active)
    {
        let before = value(
            store,
            "revenue",
            &format!("2026-04-01..{}", moved.pred_opt().unwrap()),
            Scope::Rep(user.id),
        )
        .await;
        let after = value(
            store,
            "revenue",
            &format!("{moved}..2026-06-30"),
            Scope::Rep(user.id),
        )
        .await;
        if before.is_zero() || after.is_zero() {
            continue;
        }
        let from_region = region_of(user.unit);
        let Some(to) = units
            .iter()
            .find(|u| u.kind == OrgUnitKind::Team && region_of(u.id) != from_region)
        else {
            continue;
        };
        return Setup {
            rep: user.id,
            from_team: user.unit,
            to_team: to.id,
            from_region,
            to_region: region_of(to.id),
        };
    }
    panic!("the demo has a rep with sales before and after {moved} and two regions");
}

store_test!(async fn a_rep_moved_mid_quarter_counts_for_the_team_each_setting_says_on_both_sides_of_his_move(store) {
    company(&store).await;
    let moved = d("2026-05-14");
    let s = setup(&store, moved).await;
    let periods = ["2026-Q2", "2026-04-10..2026-06-20", "2026-05", "FY2026"];
    let scopes = [Scope::Unit(s.from_team), Scope::Unit(s.to_team), Scope::Unit(s.from_region), Scope::Unit(s.to_region), Scope::Company];
    // Before the move: the figures of each scope, and the rep's before and after the day.
    let mut was = std::collections::HashMap::new();
    let mut rep_after = std::collections::HashMap::new();
    let mut rep_all = std::collections::HashMap::new();
    for m in METRICS {
        for p in periods {
            for sc in &scopes {
                was.insert((m, p, format!("{sc:?}")), value(&store, m, p, sc.clone()).await);
            }
            let engine = Engine::new(&store).await.unwrap();
            let period = engine.calendar().parse(p).unwrap();
            let (start, end) = (period.start(), period.end());
            rep_all.insert((m, p), value(&store, m, p, Scope::Rep(s.rep)).await);
            let part = if moved > end {
                Decimal::ZERO
            } else {
                value(&store, m, &format!("{}..{end}", moved.max(start)), Scope::Rep(s.rep)).await
            };
            rep_after.insert((m, p), part);
        }
    }
    assert!(!rep_after[&("revenue", "2026-Q2")].is_zero() && rep_after[&("revenue", "2026-Q2")] < rep_all[&("revenue", "2026-Q2")]);

    let changes = UserChanges { unit: Some(s.to_team), unit_from: Some(moved), ..UserChanges::default() };
    users::update_user(&store, &Actor::named("test"), None, s.rep, changes, d(TODAY)).await.unwrap();
    let history = store.memberships(s.rep).await.unwrap();
    assert_eq!(history.len(), 2, "{history:?}");
    assert_eq!((history[0].unit, history[0].from, history[0].until), (s.from_team, None, Some(moved)));
    assert_eq!((history[1].unit, history[1].from, history[1].until), (s.to_team, Some(moved), None));

    for credit in ["current", "transaction_date", "current"] {
        settings::change(&store, By::Cli, &[(SettingKey::UnitCredit, credit.to_owned())]).await.ok();
        assert_eq!(store.settings().await.unwrap().unit_credit.key(), credit);
        for m in METRICS {
            for p in periods {
                // What leaves the old team and joins the new one: all of it today, or what he sold from his move on.
                let moves = if credit == "current" { rep_all[&(m, p)] } else { rep_after[&(m, p)] };
                let expect = [
                    was[&(m, p, format!("{:?}", Scope::Unit(s.from_team)))] - moves,
                    was[&(m, p, format!("{:?}", Scope::Unit(s.to_team)))] + moves,
                    was[&(m, p, format!("{:?}", Scope::Unit(s.from_region)))] - moves,
                    was[&(m, p, format!("{:?}", Scope::Unit(s.to_region)))] + moves,
                    was[&(m, p, format!("{:?}", Scope::Company))],
                ];
                for (sc, want) in scopes.iter().zip(expect) {
                    assert_eq!(value(&store, m, p, sc.clone()).await, want, "{credit}: {m} of {sc:?} in {p}");
                }
                // A breakdown by team says the same as each team's own figure.
                let teams = by(&store, m, p, Scope::Company, vec![Dim::Team]).await;
                assert_eq!(teams.get(&s.from_team.raw().to_string()).copied().unwrap_or_default(), expect[0], "{credit}: {m} by team in {p}");
                assert_eq!(teams.get(&s.to_team.raw().to_string()).copied().unwrap_or_default(), expect[1], "{credit}: {m} by team in {p}");
                // The rep's own figure never depends on his units.
                assert_eq!(value(&store, m, p, Scope::Rep(s.rep)).await, rep_all[&(m, p)]);
            }
        }
        // The region × month grid of the quarter adds up to each region's figure.
        let grid = by(&store, "revenue", "2026-Q2", Scope::Company, vec![Dim::Region, Dim::Month]).await;
        for (region, i) in [(s.from_region, 2), (s.to_region, 3)] {
            let sum: Decimal = grid.iter().filter(|(k, _)| k.starts_with(&format!("{} ", region.raw()))).map(|(_, v)| *v).sum();
            let moves = if credit == "current" { rep_all[&("revenue", "2026-Q2")] } else { rep_after[&("revenue", "2026-Q2")] };
            let want = if i == 2 { was[&("revenue", "2026-Q2", format!("{:?}", Scope::Unit(region)))] - moves } else { was[&("revenue", "2026-Q2", format!("{:?}", Scope::Unit(region)))] + moves };
            assert_eq!(sum, want, "{credit}: region {region} by month");
        }
        // The rep's rows under a team: he is in the old team's breakdown by
        // rep only with what he sold there.
        let reps = by(&store, "revenue", "2026-Q2", Scope::Unit(s.from_team), vec![Dim::Rep]).await;
        let his = reps.get(&s.rep.raw().to_string()).copied().unwrap_or_default();
        let want = if credit == "current" { Decimal::ZERO } else { rep_all[&("revenue", "2026-Q2")] - rep_after[&("revenue", "2026-Q2")] };
        assert_eq!(his, want, "{credit}: the rep in his old team's breakdown");
        // What the incremental refresh kept is what a full rebuild gives.
        let before_rebuild = value(&store, "revenue", "2026-Q2", Scope::Unit(s.to_team)).await;
        store.rebuild_rollups().await.unwrap();
        assert_eq!(value(&store, "revenue", "2026-Q2", Scope::Unit(s.to_team)).await, before_rebuild);
    }
});

store_test!(async fn a_move_is_dated_today_or_earlier_and_after_the_last_one_and_a_same_day_move_corrects_it(store) {
    company(&store).await;
    let s = setup(&store, d("2026-05-14")).await;
    let admin = Actor::named("test");
    // In the future: refused, nothing changes.
    let err = users::move_user(&store, &admin, None, s.rep, s.to_team, d("2026-07-01"), d(TODAY)).await.unwrap_err();
    assert!(err.to_string().contains("in the future"), "{err}");
    assert_eq!(store.memberships(s.rep).await.unwrap().len(), 1);
    assert!(users::move_user(&store, &admin, None, s.rep, s.to_team, d("2026-05-14"), d(TODAY)).await.unwrap());
    // Before his last move: refused.
    let err = users::move_user(&store, &admin, None, s.rep, s.from_team, d("2026-05-01"), d(TODAY)).await.unwrap_err();
    assert!(err.to_string().contains("before the last one (2026-05-14)"), "{err}");
    // To where he is: nothing to do.
    assert!(!users::move_user(&store, &admin, None, s.rep, s.to_team, d("2026-06-01"), d(TODAY)).await.unwrap());
    // The same day to a third team corrects the move; back to the first
    // team on that day undoes it.
    let units = store.org_units().await.unwrap();
    let third = units.iter().find(|u| u.kind == OrgUnitKind::Team && u.id != s.from_team && u.id != s.to_team).unwrap().id;
    assert!(users::move_user(&store, &admin, None, s.rep, third, d("2026-05-14"), d(TODAY)).await.unwrap());
    let h = store.memberships(s.rep).await.unwrap();
    assert_eq!(h.iter().map(|m| m.unit).collect::<Vec<_>>(), vec![s.from_team, third]);
    assert!(users::move_user(&store, &admin, None, s.rep, s.from_team, d("2026-05-14"), d(TODAY)).await.unwrap());
    let h = store.memberships(s.rep).await.unwrap();
    assert_eq!(h.len(), 1, "{h:?}");
    assert_eq!((h[0].unit, h[0].from, h[0].until), (s.from_team, None, None));
    assert_eq!(store.user(s.rep).await.unwrap().unit, s.from_team);
    // A unit that does not exist is named.
    let err = users::move_user(&store, &admin, None, s.rep, OrgUnitId::from_raw(999_999), d("2026-06-01"), d(TODAY)).await.unwrap_err();
    assert!(err.to_string().contains("999999"), "{err}");
    // Someone other than an administrator may not move people.
    let manager = store.users().await.unwrap().into_iter().find(|u| u.role == Role::Manager).unwrap();
    let p = attain_store::principal_of(&manager);
    assert!(users::move_user(&store, &admin, Some(&p), s.rep, s.to_team, d("2026-06-01"), d(TODAY)).await.is_err());
    // Every person has memberships that cover all of time, once.
    for u in store.users().await.unwrap() {
        let h = store.memberships(u.id).await.unwrap();
        assert_eq!(h.first().unwrap().from, None, "{}", u.login);
        assert_eq!(h.last().unwrap().until, None, "{}", u.login);
        assert_eq!(h.last().unwrap().unit, u.unit, "{}", u.login);
        for w in h.windows(2) {
            assert_eq!(w[0].until, w[1].from, "{}", u.login);
        }
    }
});
