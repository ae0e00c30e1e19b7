//! Commission on both backends, over the demo company: statements match a
//! calculation done here by hand from the KPI engine's figures and the
//! reps' goals; runs are approved and locked, then never recalculated; and
//! each person reads exactly the statements his role allows.
#![allow(clippy::unwrap_used, missing_docs)]

use attain_app::AppError;
use attain_app::goals::By;
use attain_app::pay::{self, PlanSpec};
use attain_core::comp::Tier;
use attain_core::{Money, OrgUnitKind, Role};
use attain_demo::{DemoOptions, Scale};
use attain_kpi::{Engine, Scope};
use attain_store::{RunStatus, Store, StoreError, principal_of};
use attain_testkit::store_test;
use chrono::NaiveDate;
use rust_decimal::Decimal;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

async fn company(store: &Store) {
    let options = DemoOptions {
        seed: 5,
        scale: Scale::Small,
        as_of: d("2026-06-30"),
    };
    attain_demo::build(store, options, "not-a-real-hash", |_, _| {})
        .await
        .unwrap();
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

store_test!(async fn statements_follow_the_plan_step_by_step(store) {
    company(&store).await;
    let engine = Engine::new(&store).await.unwrap();
    let runs = store.payout_runs().await.unwrap();
    let summary: Vec<(&str, RunStatus)> = runs.iter().map(|r| (r.period.as_str(), r.status)).collect();
    assert_eq!(summary, vec![("FY2026-Q2", RunStatus::Draft), ("FY2026-Q1", RunStatus::Locked)]);
    let q2 = &runs[0];
    let reps = store.users().await.unwrap().into_iter().filter(|u| u.role == Role::Rep && u.active).count();
    assert_eq!(q2.statements as usize, reps, "every rep is on the plan");
    let statements = store.statements_visible(&attain_core::PayVisibility::Everything, Some(q2.id), None, 0, 1000).await.unwrap();
    assert_eq!(statements.iter().map(|s| s.commission.to_minor_units().unwrap()).sum::<i64>(), q2.total_minor);
    let period = engine.calendar().parse("FY2026-Q2").unwrap();
    let mut paid_in_every_tier = false;
    for s in &statements {
        // Credited: the rep's revenue for the quarter from the engine.
        let revenue = attain_app::goals::actual(&engine, &"revenue".into(), &Scope::Rep(s.user), period).await.unwrap().unwrap_or_default();
        assert_eq!(s.credited, Money::new(revenue, s.credited.currency()).rounded());
        // Quota: his FY2026 revenue goal × 91 / 365.
        let goal = store.goal_for(&"revenue".into(), &Scope::Rep(s.user), &"FY2026".parse().unwrap()).await.unwrap().unwrap();
        let quota = Money::new(goal.target() * Decimal::from(91) / Decimal::from(365), s.credited.currency()).rounded();
        if quota.is_zero() {
            // No history, so no share of the goal: the base rate on everything.
            assert_eq!(s.quota, None);
            let base = Money::new(s.credited.amount().max(Decimal::ZERO) * dec("0.02"), s.credited.currency()).rounded();
            assert_eq!(s.commission, base);
            continue;
        }
        assert_eq!(s.quota, Some(quota));
        let source = s.trace.quota_source.as_ref().unwrap();
        assert_eq!((source.goal, source.days, source.of_days), (goal.id.raw(), Some(91), Some(365)));
        // The plan by hand: 2 % to half the quota, 4 % to the quota, 7 % above; nothing under 30 %; at most 250,000.
        let c = s.credited.amount().max(Decimal::ZERO);
        let q = quota.amount();
        let half = Money::new(q * dec("0.5"), s.credited.currency()).rounded().amount();
        let cut = |x: Decimal| Money::new(x, s.credited.currency()).rounded().amount();
        let slices = [
            (c.min(half), dec("0.02")),
            ((c.min(q) - half).max(Decimal::ZERO), dec("0.04")),
            ((c - q).max(Decimal::ZERO), dec("0.07")),
        ];
        let earned: Decimal = slices.iter().map(|(b, r)| cut(*b * *r)).sum();
        let expected = if c / q < dec("0.3") { Decimal::ZERO } else { earned.min(dec("250000")) };
        assert_eq!(s.commission.amount(), expected, "statement {} of {}", s.id, s.user_name);
        // The trace adds up as printed.
        let lines: Decimal = s.trace.lines.iter().map(|l| l.amount).sum();
        assert_eq!(lines, s.trace.earned);
        paid_in_every_tier |= s.trace.lines.len() == 3;
    }
    assert!(paid_in_every_tier, "someone beat his quota");
});

store_test!(async fn each_person_reads_exactly_the_statements_his_role_allows(store) {
    company(&store).await;
    // A second manager beside a team's manager, on the plan and in the draft run:
    // found by attack, his statement was readable by his peer.
    let tree = store.org_tree().await.unwrap();
    let first = store.users().await.unwrap().into_iter().find(|u| u.role == Role::Manager && tree.unit(u.unit).is_some_and(|x| x.kind == OrgUnitKind::Team)).unwrap();
    let account = attain_app::users::NewAccount {
        login: attain_core::Login::new("peer.mgr").unwrap(),
        display_name: "Peer Manager".into(),
        email: None,
        unit: first.unit,
        role: Role::Manager,
        password: None,
        external_id: None,
    };
    let (peer, _) = attain_app::users::create_user(&store, &attain_store::Actor::named("test"), None, account).await.unwrap();
    let plan = store.plans().await.unwrap().remove(0);
    pay::assign(&store, By::Cli, plan.id, &[peer.id], d("2026-01-01"), None).await.unwrap();
    let engine = Engine::new(&store).await.unwrap();
    let q2 = store.payout_runs().await.unwrap().remove(0);
    pay::calculate(&engine, By::Cli, engine.calendar().parse("FY2026-Q2").unwrap(), Some(q2.id)).await.unwrap();
    let users = store.users().await.unwrap();
    let role_of = |id| users.iter().find(|u| u.id == id).map(|u| u.role).unwrap();
    let all = store.statements_visible(&attain_core::PayVisibility::Everything, None, None, 0, 10_000).await.unwrap();
    let rep = principal_of(users.iter().find(|u| u.role == Role::Rep).unwrap());
    let mine = store.statements_visible(&rep.pay_visibility(), None, None, 0, 10_000).await.unwrap();
    assert_eq!(mine.len(), 2, "Q1 and Q2");
    assert!(mine.iter().all(|s| s.user == rep.user));
    for s in all.iter().filter(|s| s.user != rep.user).take(20) {
        assert!(matches!(store.statement_visible(&rep.pay_visibility(), s.id).await, Err(StoreError::NotFound { .. })));
    }
    // A team manager reads his reps' statements and nobody else's.
    let manager = principal_of(&first);
    let seen = store.statements_visible(&manager.pay_visibility(), None, None, 0, 10_000).await.unwrap();
    assert!(all.iter().any(|s| s.user == peer.id), "the peer has a statement");
    assert!(seen.iter().all(|s| s.user != peer.id), "a manager does not read his peer's pay");
    let expected: Vec<_> = all.iter().filter(|s| manager.can_see_pay_of(s.user, role_of(s.user), &tree)).map(|s| s.id).collect();
    let mut got: Vec<_> = seen.iter().map(|s| s.id).collect();
    got.sort_unstable();
    let mut want = expected.clone();
    want.sort_unstable();
    assert_eq!(got, want);
    assert!(!got.is_empty() && got.len() < all.len());
    // A viewer of a region reads no one's pay.
    let region = tree.units().find(|u| u.kind == OrgUnitKind::Region).unwrap().id;
    let viewer = attain_core::Principal { role: Role::Viewer, unit: region, ..manager.clone() };
    let viewer_sees = store.statements_visible(&viewer.pay_visibility(), None, None, 0, 10_000).await.unwrap();
    assert!(viewer_sees.iter().all(|s| s.user == viewer.user));
});

store_test!(async fn runs_are_approved_and_locked_and_then_never_change(store) {
    company(&store).await;
    let engine = Engine::new(&store).await.unwrap();
    let users = store.users().await.unwrap();
    let ops = principal_of(users.iter().find(|u| u.role == Role::SalesOps).unwrap());
    let rep = principal_of(users.iter().find(|u| u.role == Role::Rep).unwrap());
    let q2 = store.payout_runs().await.unwrap().remove(0);
    let period = engine.calendar().parse("FY2026-Q2").unwrap();
    // Only sales ops and admins run payouts.
    let err = pay::calculate(&engine, By::Person(&rep), period, Some(q2.id)).await.unwrap_err();
    assert!(matches!(err, AppError::Forbidden(_)), "{err}");
    // One run per period.
    let err = pay::calculate(&engine, By::Person(&ops), period, None).await.unwrap_err();
    assert!(err.to_string().contains("already covers"), "{err}");
    // Found by attack: a run whose period overlaps another under another
    // name (a month of the quarter, the fiscal year, a day, a range) was
    // calculated, approved, locked and exported: the same sales paid twice.
    for other in ["2026-06", "FY2026", "2026-06-30", "2016-07-01..2026-06-29", "2026-Q1"] {
        let p = engine.calendar().parse(other).unwrap();
        let err = pay::calculate(&engine, By::Person(&ops), p, None).await.unwrap_err();
        assert!(err.to_string().contains("already covers days of"), "{other}: {err}");
    }
    assert_eq!(store.payout_runs().await.unwrap().len(), 2, "no run was made");
    // A draft is recalculated to the same figures.
    pay::calculate(&engine, By::Person(&ops), period, Some(q2.id)).await.unwrap();
    let again = store.payout_run(q2.id).await.unwrap();
    assert_eq!((again.statements, again.total_minor), (q2.statements, q2.total_minor));
    assert!(store.audit_log(Some("statement"), 10, None).await.unwrap().is_empty(), "nothing changed, nothing to record");
    // A rep whose name is a spreadsheet formula (found by reading the code).
    let evil = "=HYPERLINK(\"http://evil.example\",\"x\")";
    let changes = attain_store::UserChanges { display_name: Some(evil.into()), ..Default::default() };
    attain_app::users::update_user(&store, &attain_store::Actor::named("test"), None, rep.user, changes, chrono::NaiveDate::from_ymd_opt(2026, 6, 30).unwrap()).await.unwrap();
    // A plan change and a recalculation: each changed statement is recorded with before and after.
    let plan = store.plans().await.unwrap().remove(0);
    let richer = PlanSpec {
        name: plan.name.clone(),
        metric: plan.metric.clone(),
        tiers: plan.rules.tiers.iter().map(|t| Tier { from: t.from, rate: t.rate + dec("0.01") }).collect(),
        threshold: plan.rules.threshold,
        cap: None,
    };
    pay::save_plan(&engine, By::Person(&ops), Some(plan.id), &richer).await.unwrap();
    pay::calculate(&engine, By::Person(&ops), period, Some(q2.id)).await.unwrap();
    let changed = store.audit_log(Some("statement"), 1000, None).await.unwrap();
    assert!(!changed.is_empty());
    for e in &changed {
        assert!(dec(e.after.as_ref().unwrap()["commission"].as_str().unwrap()) > dec(e.before.as_ref().unwrap()["commission"].as_str().unwrap()));
    }
    assert!(store.payout_run(q2.id).await.unwrap().total_minor > q2.total_minor);
    // Locking needs approval first; once approved nothing is recalculated.
    let err = pay::advance(&store, By::Person(&ops), q2.id, RunStatus::Locked).await.unwrap_err();
    assert!(err.to_string().contains("only a approved run") || err.to_string().contains("draft"), "{err}");
    pay::advance(&store, By::Person(&ops), q2.id, RunStatus::Approved).await.unwrap();
    let err = pay::calculate(&engine, By::Person(&ops), period, Some(q2.id)).await.unwrap_err();
    assert!(err.to_string().contains("only a draft"), "{err}");
    let err = pay::payroll_csv(&store, By::Person(&ops), q2.id).await.unwrap_err();
    assert!(err.to_string().contains("lock it"), "{err}");
    pay::advance(&store, By::Person(&ops), q2.id, RunStatus::Locked).await.unwrap();
    let csv = pay::payroll_csv(&store, By::Person(&ops), q2.id).await.unwrap();
    assert_eq!(csv.lines().count() as i64, q2.statements + 1);
    assert!(csv.starts_with("period,login,name,external_id,amount,currency\nFY2026-Q2,"));
    assert!(csv.contains(",\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\","), "the name is text, not a formula:\n{csv}");
    assert!(!csv.contains(",=HYPERLINK") && !csv.contains(",\"=HYPERLINK"));
    // Every step is in the audit log.
    let log = store.audit_log(Some("payout_run"), 100, None).await.unwrap();
    let steps: Vec<String> = log.iter().filter(|e| e.entity_id == q2.id.to_string()).map(|e| e.after.as_ref().unwrap()["status"].as_str().unwrap().to_owned()).collect();
    assert_eq!(steps, ["locked", "approved", "draft", "draft", "draft"]);
});

store_test!(async fn plans_and_assignments_are_checked(store) {
    company(&store).await;
    let engine = Engine::new(&store).await.unwrap();
    let spec = |metric: &str, tiers: Vec<Tier>| PlanSpec { name: "Key accounts".into(), metric: metric.into(), tiers, threshold: None, cap: None };
    let tier = |from: &str, rate: &str| Tier { from: dec(from), rate: dec(rate) };
    let err = pay::save_plan(&engine, By::Cli, None, &spec("win_rate", vec![tier("0", "0.05")])).await.unwrap_err();
    assert!(err.to_string().contains("not an amount credited"), "{err}");
    let err = pay::save_plan(&engine, By::Cli, None, &spec("bookings", vec![tier("0", "0.05"), tier("0", "0.06")])).await.unwrap_err();
    assert!(err.to_string().contains("increasing"), "{err}");
    let id = pay::save_plan(&engine, By::Cli, None, &spec("bookings", vec![tier("0", "0.05"), tier("1", "0.1")])).await.unwrap();
    let rep = store.users().await.unwrap().into_iter().find(|u| u.role == Role::Rep).unwrap();
    let err = pay::assign(&store, By::Cli, id, &[rep.id], d("2026-03-01"), None).await.unwrap_err();
    assert!(err.to_string().contains("already on plan"), "{err}");
    // A plan with nobody on it is deleted; one in use is not.
    pay::delete_plan(&store, By::Cli, id).await.unwrap();
    let used = store.plans().await.unwrap()[0].id;
    let err = pay::delete_plan(&store, By::Cli, used).await.unwrap_err();
    assert!(err.to_string().contains("has people on it"), "{err}");
    let audit = store.audit_log(Some("plan"), 10, None).await.unwrap();
    assert_eq!(audit[0].action, "delete");
    assert_eq!(audit[0].before.as_ref().unwrap()["tiers"][1]["rate"], "0.1");
});

store_test!(async fn viewers_and_distant_years_are_not_put_on_a_plan(store) {
    company(&store).await;
    let plan = store.plans().await.unwrap().remove(0);
    let tree = store.org_tree().await.unwrap();
    let unit = tree.units().next().unwrap().id;
    let account = attain_app::users::NewAccount {
        login: attain_core::Login::new("vera.viewer").unwrap(),
        display_name: "Vera".into(),
        email: None,
        unit,
        role: Role::Viewer,
        password: None,
        external_id: None,
    };
    let (viewer, _) = attain_app::users::create_user(&store, &attain_store::Actor::named("test"), None, account).await.unwrap();
    let err = pay::assign(&store, By::Cli, plan.id, &[viewer.id], d("2026-01-01"), None).await.unwrap_err();
    assert!(err.to_string().contains("vera.viewer are viewers"), "{err}");
    let rep = store.users().await.unwrap().into_iter().find(|u| u.role == Role::Rep).unwrap();
    let err = pay::assign(&store, By::Cli, plan.id, &[rep.id], d("0999-01-01"), None).await.unwrap_err();
    assert!(err.to_string().contains("outside 1900 to 2199"), "{err}");
});
