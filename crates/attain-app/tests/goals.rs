//! Goals on both backends, over the demo company: cascades add up exactly
//! and follow history, revisions carry down with their reasons and are
//! audited, managers and reps see and change exactly what they may, and
//! the SMART check explains itself.
#![allow(clippy::unwrap_used, missing_docs)]

use std::collections::HashMap;

use attain_app::AppError;
use attain_app::goals::{self, By, GoalSpec, SplitInto, SplitMethod};
use attain_core::goal::{SmartLetter, SmartReason, split_target};
use attain_core::{GoalId, OrgUnitKind, Principal, Role, Visibility};
use attain_demo::{DemoOptions, Scale};
use attain_kpi::{Dim, Engine, KpiQuery, Scope};
use attain_store::{Goal, GoalFilter, Store, StoreError, principal_of};
use attain_testkit::store_test;
use chrono::NaiveDate;
use rust_decimal::Decimal;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

const TODAY: &str = "2026-06-30";

async fn company(store: &Store) {
    let options = DemoOptions {
        seed: 11,
        scale: Scale::Small,
        as_of: d(TODAY),
    };
    attain_demo::build(store, options, "not-a-real-hash", |_, _| {})
        .await
        .unwrap();
}

async fn all_goals(store: &Store, filter: GoalFilter) -> Vec<Goal> {
    store
        .goals_visible(&Visibility::Everything, &filter, 0, i64::MAX)
        .await
        .unwrap()
}

async fn children(store: &Store, id: GoalId) -> Vec<Goal> {
    all_goals(
        store,
        GoalFilter {
            parent: Some(id),
            ..GoalFilter::default()
        },
    )
    .await
}

async fn top(store: &Store, metric: &str, period: &str) -> Goal {
    store
        .goal_for(
            &metric.into(),
            &attain_core::Scope::Company,
            &period.parse().unwrap(),
        )
        .await
        .unwrap()
        .unwrap()
}

async fn person(store: &Store, role: Role, kind: Option<OrgUnitKind>) -> Principal {
    let tree = store.org_tree().await.unwrap();
    let user = store
        .users()
        .await
        .unwrap()
        .into_iter()
        .find(|u| {
            u.role == role
                && kind.is_none_or(|k| tree.unit(u.unit).is_some_and(|unit| unit.kind == k))
        })
        .unwrap();
    principal_of(&user)
}

store_test!(async fn the_cascade_adds_up_exactly_and_follows_last_years_shares(store) {
    company(&store).await;
    let engine = Engine::new(&store).await.unwrap();
    let annual = top(&store, "revenue", "FY2026").await;
    assert_eq!(annual.split, "units/history:FY2025");
    assert_eq!(annual.currency.map(|c| c.code()), Some("CNY"));
    // Every level adds up exactly, down to the reps.
    let mut checked = 0;
    let mut level = vec![annual.clone()];
    while let Some(goal) = level.pop() {
        let parts = children(&store, goal.id).await;
        if parts.is_empty() {
            continue;
        }
        let sum: i64 = parts.iter().map(|g| g.target_units).sum();
        assert_eq!(sum, goal.target_units, "parts of goal {}", goal.id);
        checked += 1;
        level.extend(parts);
    }
    let tree = engine.tree();
    let teams = tree.units().filter(|u| u.kind == OrgUnitKind::Team).count();
    assert!(checked > teams, "{checked} split goals for {teams} teams");
    // The regions' shares are last year's revenue shares, computed here
    // from a breakdown query of its own.
    let regions = children(&store, annual.id).await;
    let last_year = engine
        .answer(&KpiQuery {
            metric: "revenue".into(),
            formula: None,
            period: engine.calendar().parse("FY2025").unwrap(),
            scope: Scope::Company,
            by: vec![Dim::Region],
            target: None,
        })
        .await
        .unwrap();
    let by_region: HashMap<String, Decimal> = last_year
        .rows
        .iter()
        .map(|r| (r.keys[0].clone(), r.value.unwrap()))
        .collect();
    let weights: Vec<Decimal> = regions
        .iter()
        .map(|g| by_region[&g.scope.key().trim_start_matches("unit:").to_owned()])
        .collect();
    let expected = split_target(annual.target(), 2, &weights).unwrap();
    assert_eq!(
        regions.iter().map(Goal::target).collect::<Vec<_>>(),
        expected
    );
    // Reps' goals belong to reps of the team whose goal they split.
    for region in &regions {
        for team in children(&store, region.id).await {
            let Scope::Unit(unit) = team.scope.clone() else { panic!("{:?}", team.scope) };
            for rep in children(&store, team.id).await {
                assert!(tree.user_is_within(rep.user.unwrap(), unit));
            }
        }
    }
});

store_test!(async fn a_revision_keeps_its_reason_carries_down_and_is_audited(store) {
    company(&store).await;
    let engine = Engine::new(&store).await.unwrap();
    let q = top(&store, "revenue", "FY2026-Q2").await;
    // The demo raised it once already.
    let history = store.goal_revisions(q.id).await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].new_target - history[0].old_target, Decimal::from(500_000));
    let ops = person(&store, Role::SalesOps, None).await;
    let new_target = q.target() + Decimal::new(12_345_67, 2);
    let changed = goals::revise(&engine, By::Person(&ops), q.id, new_target, "Price increase from May")
        .await
        .unwrap();
    let parts = children(&store, q.id).await;
    assert_eq!(changed, 1 + parts.len());
    assert_eq!(store.goal(q.id).await.unwrap().target(), new_target);
    assert_eq!(parts.iter().map(Goal::target).sum::<Decimal>(), new_target);
    let kept = store.goal_revisions(q.id).await.unwrap();
    let last = kept.last().unwrap();
    assert_eq!((last.old_target, last.new_target), (q.target(), new_target));
    assert_eq!(last.reason, "Price increase from May");
    assert_eq!(last.actor, ops.login.as_str());
    let part = store.goal_revisions(parts[0].id).await.unwrap();
    assert!(part.last().unwrap().reason.contains("Price increase from May"));
    // The audit log has the goal before and after.
    let entry = store
        .audit_log(Some("goal"), 500, None)
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.entity_id == q.id.to_string() && e.action == "update")
        .unwrap();
    assert_eq!(entry.actor, ops.login.as_str());
    assert_eq!(entry.before.unwrap()["target"], q.target().to_string());
    assert_eq!(entry.after.as_ref().unwrap()["target"], new_target.to_string());
    assert_eq!(entry.after.unwrap()["reason"], "Price increase from May");
    // A part of a split changes only through its parent.
    let err = goals::revise(&engine, By::Person(&ops), parts[0].id, Decimal::ONE, "why not")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("split goal"), "{err}");
    // A revision needs a reason, and a target keeps its unit's precision.
    let err = goals::revise(&engine, By::Person(&ops), q.id, Decimal::ONE, "  ").await.unwrap_err();
    assert!(err.to_string().contains("reason"), "{err}");
    let err = goals::revise(&engine, By::Person(&ops), q.id, Decimal::new(1_001, 3), "x").await.unwrap_err();
    assert!(err.to_string().contains("decimal"), "{err}");
});

store_test!(async fn people_see_and_set_exactly_the_goals_their_place_allows(store) {
    company(&store).await;
    let engine = Engine::new(&store).await.unwrap();
    let tree = engine.tree().clone();
    let rep = person(&store, Role::Rep, None).await;
    let everything = all_goals(&store, GoalFilter::default()).await;
    // A rep sees his own goals only; another rep's is not found, as if it did not exist.
    let mine = store
        .goals_visible(&rep.visibility(), &GoalFilter::default(), 0, 1000)
        .await
        .unwrap();
    assert!(!mine.is_empty());
    assert!(mine.iter().all(|g| g.user == Some(rep.user)));
    let other = everything
        .iter()
        .find(|g| g.user.is_some_and(|u| u != rep.user))
        .unwrap();
    assert!(matches!(
        store.goal_visible(&rep.visibility(), other.id).await,
        Err(StoreError::NotFound { .. })
    ));
    let err = goals::revise(&engine, By::Person(&rep), other.id, Decimal::ONE, "x").await.unwrap_err();
    assert!(matches!(err, AppError::Store(StoreError::NotFound { .. })), "{err}");
    let own = mine[0].id;
    let err = goals::revise(&engine, By::Person(&rep), own, Decimal::ONE, "x").await.unwrap_err();
    assert!(matches!(err, AppError::Forbidden(_)), "{err}");
    goals::check_in(&engine, By::Person(&rep), own, 80, "Two demos booked").await.unwrap();
    assert_eq!(store.goal_checkins(own).await.unwrap()[0].author, rep.login.as_str());

    // A team manager sees exactly his team's goals and his reps'.
    let manager = person(&store, Role::Manager, Some(OrgUnitKind::Team)).await;
    let seen = store
        .goals_visible(&manager.visibility(), &GoalFilter::default(), 0, 100_000)
        .await
        .unwrap();
    let expected: Vec<GoalId> = everything
        .iter()
        .filter(|g| {
            g.unit.is_some_and(|u| tree.is_within(u, manager.unit))
                || g.user.is_some_and(|u| tree.user_is_within(u, manager.unit))
        })
        .map(|g| g.id)
        .collect();
    assert_eq!(seen.iter().map(|g| g.id).collect::<Vec<_>>(), expected);
    assert!(seen.iter().any(|g| g.user.is_some()));
    // He splits his team's goal across his reps (by weights) but does not set it.
    let team_goal = seen
        .iter()
        .find(|g| g.unit == Some(manager.unit) && g.metric == "revenue" && g.period == "FY2026")
        .unwrap();
    let err = goals::revise(&engine, By::Person(&manager), team_goal.id, Decimal::ONE, "x")
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Forbidden(_)), "{err}");
    let reps = children(&store, team_goal.id).await;
    let weights: Vec<(String, Decimal)> = reps
        .iter()
        .enumerate()
        .map(|(i, g)| (g.user.unwrap().to_string(), Decimal::from(i as i64 + 1)))
        .collect();
    let parts = goals::split(&engine, By::Person(&manager), team_goal.id, SplitInto::Reps, &SplitMethod::Weights(weights.clone()))
        .await
        .unwrap();
    assert_eq!(parts.len(), reps.len());
    let w: Vec<Decimal> = weights.iter().map(|(_, w)| *w).collect();
    let after = children(&store, team_goal.id).await;
    assert_eq!(after.len(), reps.len(), "re-split, not duplicated");
    assert_eq!(
        after.iter().map(Goal::target).collect::<Vec<_>>(),
        split_target(team_goal.target(), 2, &w).unwrap()
    );
    assert_eq!(store.goal(team_goal.id).await.unwrap().split, "reps/weights");
    let err = goals::split(&engine, By::Person(&manager), team_goal.id, SplitInto::Reps, &SplitMethod::Weights(vec![("nobody".into(), Decimal::ONE)]))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("'nobody' is not one of the parts"), "{err}");
    // He may not set a company goal; the head of sales may.
    let spec = GoalSpec {
        metric: "deals_won".into(),
        scope: Scope::Company,
        period: engine.calendar().parse("2026-Q3").unwrap(),
        target: Decimal::from(120),
        direction: None,
        parent: None,
        name: String::new(),
    };
    let err = goals::create(&engine, By::Person(&manager), &spec).await.unwrap_err();
    assert!(matches!(err, AppError::Forbidden(_)), "{err}");
    let head = principal_of(&store.user_by_login(&attain_core::Login::new("ceo").unwrap()).await.unwrap());
    let id = goals::create(&engine, By::Person(&head), &spec).await.unwrap();
    let months = goals::split(&engine, By::Person(&head), id, SplitInto::Months, &SplitMethod::History(None))
        .await
        .unwrap();
    assert_eq!(months.iter().map(|m| m.period.as_str()).collect::<Vec<_>>(), ["2026-07", "2026-08", "2026-09"]);
    assert_eq!(months.iter().map(|m| m.target).sum::<Decimal>(), Decimal::from(120));
    assert_eq!(store.goal(id).await.unwrap().split, "months/seasonal");
    // The same goal twice is a conflict that names it.
    let err = goals::create(&engine, By::Person(&head), &spec).await.unwrap_err();
    assert!(err.to_string().contains("already a deals_won goal"), "{err}");
    // Deleting the goal takes its months along, all audited.
    let gone = goals::delete(&engine, By::Person(&head), id).await.unwrap();
    assert_eq!(gone, 4);
    let deletes = store.audit_log(Some("goal"), 100, None).await.unwrap();
    assert_eq!(deletes.iter().filter(|e| e.action == "delete").count(), 4);
});

store_test!(async fn the_smart_check_says_why_letter_by_letter(store) {
    company(&store).await;
    let engine = Engine::new(&store).await.unwrap();
    let annual = top(&store, "revenue", "FY2026").await;
    let checks = goals::smart(&engine, &annual, d(TODAY)).await.unwrap();
    let letters: String = checks.iter().map(|c| c.letter.letter()).collect();
    assert_eq!(letters, "SMART");
    assert_eq!(checks[1].reason, SmartReason::HasData);
    assert_eq!(checks[3].reason, SmartReason::CompanyObjective);
    match &checks[2].reason {
        SmartReason::Growth { required, windows, reached, .. } => {
            assert_eq!(*windows, 12, "twelve trailing years ending at each month");
            // The same count, window by window, from the engine here: the
            // windows end where the goal starts.
            let mut by_hand = 0;
            for i in 0..12_u32 {
                let end = d("2026-01-01").checked_sub_months(chrono::Months::new(i)).unwrap();
                let start = end.checked_sub_months(chrono::Months::new(12)).unwrap();
                let window = engine.calendar().period(attain_core::PeriodKey::Range(start, end.pred_opt().unwrap())).unwrap();
                let now = goals::actual(&engine, &"revenue".into(), &Scope::Company, window).await.unwrap().unwrap();
                let before = goals::actual(&engine, &"revenue".into(), &Scope::Company, window.same_period_last_year().unwrap()).await.unwrap().unwrap();
                if !before.is_zero() && now / before - Decimal::ONE >= *required {
                    by_hand += 1;
                }
            }
            assert_eq!(*reached, by_hand);
            // The demo asks for 15 % on last year (rounded to 100,000).
            assert!((Decimal::new(13, 2)..Decimal::new(17, 2)).contains(required), "{required}");
        }
        other => panic!("{other:?}"),
    }
    assert!(checks[2].probability.is_some());
    assert_eq!(checks[4].reason, SmartReason::Period { days_left: 185 });
    let region = children(&store, annual.id).await.remove(0);
    let checks = goals::smart(&engine, &region, d(TODAY)).await.unwrap();
    assert_eq!(checks[3].reason, SmartReason::ChildOf(annual.id.raw()));
    // A ratio is judged by level.
    let wr = top(&store, "win_rate", "FY2026-Q2").await;
    let checks = goals::smart(&engine, &wr, d(TODAY)).await.unwrap();
    assert_eq!(checks[2].letter, SmartLetter::Achievable);
    assert!(matches!(checks[2].reason, SmartReason::Level { windows: 12, .. }), "{:?}", checks[2].reason);
    // Its regions inherit the target rather than splitting it.
    for part in children(&store, wr.id).await {
        assert_eq!(part.target(), Decimal::from(35));
    }
    // Progress: actual, attainment and status from the KPI engine.
    let views = goals::views(&engine, vec![annual.clone()], d(TODAY)).await.unwrap();
    let actual = goals::actual(&engine, &"revenue".into(), &Scope::Company, engine.calendar().parse("FY2026").unwrap()).await.unwrap().unwrap();
    assert_eq!(views[0].actual, Some(actual));
    let progress = views[0].progress.unwrap();
    assert_eq!(progress.attainment, Some(actual / annual.target()));
    assert_eq!(progress.elapsed, Decimal::from(181) / Decimal::from(365));
});

store_test!(async fn goals_measured_in_batches_equal_goals_measured_one_by_one(store) {
    company(&store).await;
    let engine = Engine::new(&store).await.unwrap();
    let everything = all_goals(&store, GoalFilter::default()).await;
    assert!(everything.iter().any(|g| g.metric == "new_customers" && g.unit.is_some()));
    assert!(everything.iter().any(|g| g.metric == "win_rate" && g.unit.is_some()));
    let views = goals::views(&engine, everything.clone(), d(TODAY)).await.unwrap();
    for (goal, view) in everything.iter().zip(&views) {
        let scope = goal.scope.clone();
        let period = engine.calendar().period(goal.period).unwrap();
        let alone = goals::actual(&engine, &goal.metric, &scope, period).await.unwrap();
        assert_eq!(view.actual, alone, "goal {} ({} {} {})", goal.id, goal.metric, goal.scope.key(), goal.period);
    }
});

store_test!(async fn a_manager_cannot_set_goals_for_a_peer_manager_in_his_own_unit(store) {
    company(&store).await;
    let manager = person(&store, Role::Manager, Some(OrgUnitKind::Team)).await;
    let account = attain_app::users::NewAccount {
        login: attain_core::Login::new("peer.manager").unwrap(),
        display_name: "Peer".into(),
        email: None,
        unit: manager.unit,
        role: Role::Manager,
        password: None,
        external_id: None,
    };
    let (peer, _) = attain_app::users::create_user(&store, &attain_store::Actor::named("test"), None, account).await.unwrap();
    let engine = Engine::new(&store).await.unwrap();
    let spec = |scope| GoalSpec {
        metric: "revenue".into(),
        scope,
        period: engine.calendar().parse("2026-Q4").unwrap(),
        target: Decimal::from(1000),
        direction: None,
        parent: None,
        name: String::new(),
    };
    let err = goals::create(&engine, By::Person(&manager), &spec(Scope::Rep(peer.id))).await.unwrap_err();
    assert!(matches!(err, AppError::Forbidden(_)), "{err}");
    // A rep of his own team is below him.
    let tree = engine.tree();
    let rep = store.users().await.unwrap().into_iter()
        .find(|u| u.role == Role::Rep && tree.unit_of(u.id) == Some(manager.unit))
        .unwrap();
    goals::create(&engine, By::Person(&manager), &spec(Scope::Rep(rep.id))).await.unwrap();
    assert!(!goals::may_set(By::Person(&manager), &Scope::Unit(manager.unit), &engine), "nor his own unit");
});

store_test!(async fn a_goal_cannot_become_a_part_of_its_own_part(store) {
    // Found by reading the code: splitting into months could adopt a goal
    // that is the split goal's own ancestor; revising or deleting then
    // looped. The goal rules now keep a part within its goal's period and
    // scope, and the store refuses any adoption that would close a cycle.
    company(&store).await;
    let engine = Engine::new(&store).await.unwrap();
    let annual = top(&store, "revenue", "FY2026").await;
    let region = children(&store, annual.id).await.remove(0);
    let changes = attain_store::GoalChanges { adopt: vec![(annual.id, region.id)], ..Default::default() };
    let err = store.apply_goal_changes(&attain_store::Actor::named("test"), &changes).await.unwrap_err();
    assert!(err.to_string().contains(&format!("goal {} is already a part of goal {}", region.id, annual.id)), "{err}");
    let itself = attain_store::GoalChanges { adopt: vec![(annual.id, annual.id)], ..Default::default() };
    assert!(store.apply_goal_changes(&attain_store::Actor::named("test"), &itself).await.is_err());
    assert_eq!(store.goal(annual.id).await.unwrap().parent, None, "nothing changed");
    // Revising and deleting still finish.
    goals::revise(&engine, By::Cli, annual.id, annual.target() + Decimal::ONE, "reforecast").await.unwrap();
    assert!(goals::delete(&engine, By::Cli, annual.id).await.unwrap() > 1);
});

store_test!(async fn a_part_or_supporting_goal_lies_within_its_goals_period_and_scope(store) {
    // Found by attack: a company goal under a region's, a Hangzhou rep under
    // Shanghai and 2030-01 under FY2029 were all accepted; revising the
    // parent then rescaled goals outside it. A goal of another metric may
    // support it, within the same bounds.
    company(&store).await;
    let engine = Engine::new(&store).await.unwrap();
    let tree = engine.tree().clone();
    let regions: Vec<_> = tree.units().filter(|u| u.kind == OrgUnitKind::Region).map(|u| u.id).collect();
    let region_goal = all_goals(&store, GoalFilter::default()).await.into_iter()
        .find(|g| g.unit == Some(regions[0]) && g.metric == "revenue" && g.period == "FY2026" && g.user.is_none())
        .unwrap();
    let spec = |metric: &str, scope: Scope, period: &str| GoalSpec {
        metric: metric.into(),
        scope,
        period: engine.calendar().parse(period).unwrap(),
        target: Decimal::from(100),
        direction: None,
        parent: Some(region_goal.id),
        name: String::new(),
    };
    let rep_elsewhere = store.users().await.unwrap().into_iter()
        .find(|u| u.role == Role::Rep && !tree.user_is_within(u.id, regions[0]))
        .unwrap();
    for (bad, why) in [
        (spec("revenue", Scope::Company, "2026-Q3"), "is not within goal"),
        (spec("revenue", Scope::Unit(regions[1]), "2026-Q3"), "is not within goal"),
        (spec("revenue", Scope::Rep(rep_elsewhere.id), "2026-Q3"), "is not within goal"),
        (spec("revenue", Scope::Unit(regions[0]), "2027-01"), "is not within goal"),
        (spec("bookings", Scope::Unit(regions[1]), "2026-Q3"), "is not within goal"),
    ] {
        let err = goals::create(&engine, By::Cli, &bad).await.unwrap_err();
        assert!(err.to_string().contains(why), "{err}");
    }
    goals::create(&engine, By::Cli, &spec("activities", Scope::Unit(regions[0]), "2026-Q3")).await.unwrap();
});
