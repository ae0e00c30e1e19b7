//! The organisation's settings on both backends, over the demo company:
//! only administrators change them, a change is all or nothing and
//! audited, goals keep their dates when the fiscal calendar moves under
//! them, and a new churn window is what the churn figures follow.
#![allow(clippy::unwrap_used, missing_docs)]

use attain_app::AppError;
use attain_app::goals::By;
use attain_app::settings;
use attain_core::{PeriodKey, Role, Scope, SettingKey, Visibility};
use attain_demo::{DemoOptions, Scale};
use attain_kpi::{Engine, KpiQuery};
use attain_store::{GoalFilter, Store, principal_of};
use attain_testkit::store_test;
use chrono::NaiveDate;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

async fn company(store: &Store) {
    let options = DemoOptions {
        seed: 11,
        scale: Scale::Small,
        as_of: d("2026-06-30"),
    };
    attain_demo::build(store, options, "not-a-real-hash", |_, _| {})
        .await
        .unwrap();
}

async fn someone(store: &Store, role: Role) -> attain_core::Principal {
    let user = store
        .users()
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.role == role)
        .unwrap();
    principal_of(&user)
}

fn set(pairs: &[(SettingKey, &str)]) -> Vec<(SettingKey, String)> {
    pairs.iter().map(|(k, v)| (*k, (*v).to_owned())).collect()
}

store_test!(async fn only_an_administrator_changes_the_settings_and_a_bad_value_changes_nothing(store) {
    company(&store).await;
    let before = store.settings().await.unwrap();
    for role in [Role::SalesOps, Role::Manager, Role::Rep] {
        let p = someone(&store, role).await;
        let err = settings::change(&store, By::Person(&p), &set(&[(SettingKey::CompanyName, "Taken over")])).await.unwrap_err();
        assert!(matches!(err, AppError::Forbidden(_)), "{role:?}: {err:?}");
    }
    let admin = someone(&store, Role::Admin).await;
    // One bad value among good ones: none is applied.
    let err = settings::change(
        &store,
        By::Person(&admin),
        &set(&[(SettingKey::CompanyName, "Renamed"), (SettingKey::TimeZone, "Moon/Base")]),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("time_zone: 'Moon/Base'"), "{err}");
    assert_eq!(store.settings().await.unwrap(), before);

    let done = settings::change(
        &store,
        By::Person(&admin),
        &set(&[(SettingKey::CompanyName, "华东仪器"), (SettingKey::TimeZone, "Asia/Shanghai"), (SettingKey::DefaultLanguage, "zh-CN"), (SettingKey::WeekStart, "sunday")]),
    )
    .await
    .unwrap();
    assert_eq!(done.changed, vec![SettingKey::CompanyName, SettingKey::TimeZone, SettingKey::WeekStart, SettingKey::DefaultLanguage]);
    let now = store.settings().await.unwrap();
    assert_eq!(now.name, "华东仪器");
    assert_eq!(now.get(SettingKey::TimeZone), "Asia/Shanghai");
    assert_eq!(now.calendar.week_start(), chrono::Weekday::Sun);
    let entry = store.audit_log(Some("settings"), 1, None).await.unwrap().remove(0);
    assert_eq!(entry.actor_id, Some(admin.user));
    assert_eq!(entry.before.unwrap()["company_name"], before.name.as_str());
    assert_eq!(entry.after.unwrap()["company_name"], "华东仪器");
    // The same values again change nothing and log nothing.
    let again = settings::change(&store, By::Cli, &set(&[(SettingKey::CompanyName, "华东仪器")])).await.unwrap();
    assert!(again.changed.is_empty());
    assert_eq!(store.audit_log(Some("settings"), 10, None).await.unwrap().len(), 1);
});

store_test!(async fn goals_keep_their_dates_when_the_fiscal_year_moves(store) {
    company(&store).await;
    let all = |store: &Store| {
        let store = store.clone();
        async move { store.goals_visible(&Visibility::Everything, &GoalFilter::default(), 0, i64::MAX).await.unwrap() }
    };
    let before = all(&store).await;
    let annual = before.iter().find(|g| g.period == "FY2026" && g.scope == Scope::Company && g.parent.is_none()).unwrap().clone();
    assert_eq!((annual.start, annual.end), (d("2026-01-01"), d("2027-01-01")));
    let done = settings::change(&store, By::Cli, &set(&[(SettingKey::FiscalYearStartMonth, "4")])).await.unwrap();
    assert_eq!(done.changed, vec![SettingKey::FiscalYearStartMonth]);
    let after = all(&store).await;
    assert_eq!(after.len(), before.len());
    for (b, a) in before.iter().zip(&after) {
        assert_eq!((a.id, a.start, a.end, a.target_units), (b.id, b.start, b.end, b.target_units), "goal {} kept its dates and target", b.id);
        // The stored key names the stored dates in the new calendar.
        let p = done.after.calendar.period(a.period).unwrap();
        assert_eq!((p.start(), p.end()), (a.start, a.end), "goal {} is named {}", a.id, a.period);
    }
    // The calendar year 2026 is no fiscal year when the year starts in
    // April: the annual goal is named 2026 and reported unaligned; its
    // second quarter is the first of FY2027 now, still a fiscal period.
    let moved = done.goals_moved.iter().find(|m| m.goal == annual.id).unwrap();
    assert_eq!((moved.from, moved.to), (PeriodKey::FiscalYear(2026), PeriodKey::Year(2026)));
    assert!(moved.unaligned());
    let q2 = done.goals_moved.iter().find(|m| m.from == PeriodKey::FiscalQuarter(2026, 2)).unwrap();
    assert_eq!(q2.to, PeriodKey::FiscalQuarter(2027, 1));
    assert!(!q2.unaligned());
    assert_eq!(done.unaligned().count(), done.goals_moved.iter().filter(|m| m.from == PeriodKey::FiscalYear(2026)).count());
    // Calendar months do not move.
    assert!(done.goals_moved.iter().all(|m| !matches!(m.from, PeriodKey::Month(..))));
});

store_test!(async fn a_new_churn_window_is_what_the_churn_figures_follow(store) {
    company(&store).await;
    let churn = |store: &Store| {
        let store = store.clone();
        async move {
            let engine = Engine::new(&store).await.unwrap();
            let q = KpiQuery {
                metric: "churn_rate".into(),
                formula: None,
                period: engine.calendar().parse("FY2026-H1").unwrap(),
                scope: Scope::Company,
                by: Vec::new(),
                target: None,
            };
            engine.answer(&q).await.unwrap().rows[0].value
        }
    };
    let yearly = churn(&store).await;
    settings::change(&store, By::Cli, &set(&[(SettingKey::ChurnInactiveDays, "60")])).await.unwrap();
    let two_months = churn(&store).await;
    // Customers who order a few times a year lapse under a 60-day window.
    assert!(two_months > yearly, "churn with 60 days {two_months:?} > with 365 {yearly:?}");
    settings::change(&store, By::Cli, &set(&[(SettingKey::ChurnInactiveDays, "365")])).await.unwrap();
    assert_eq!(churn(&store).await, yearly, "the rollups follow the window back");
});

store_test!(async fn quarters_that_trade_names_and_weeks_of_a_new_week_start_keep_their_dates(store) {
    company(&store).await;
    // Four quarterly goals of one metric and scope: under an April fiscal
    // year each takes the name another gives up (FY2026-Q1 becomes
    // FY2026-Q4 while the old FY2026-Q4 becomes FY2027-Q3).
    let engine = Engine::new(&store).await.unwrap();
    let spec = |period: &str| attain_app::goals::GoalSpec {
        metric: "new_customers".into(),
        scope: Scope::Company,
        period: engine.calendar().parse(period).unwrap(),
        target: rust_decimal::Decimal::from(10),
        direction: None,
        parent: None,
        name: String::new(),
    };
    let mut ids = Vec::new();
    for q in ["FY2026-Q1", "FY2026-Q3", "FY2026-Q4", "2026-W20"] {
        ids.push(attain_app::goals::create(&engine, By::Cli, &spec(q)).await.unwrap());
    }
    let done = settings::change(&store, By::Cli, &set(&[(SettingKey::FiscalYearStartMonth, "4")])).await.unwrap();
    let mut keys = Vec::new();
    for id in &ids {
        keys.push(store.goal(*id).await.unwrap().period.to_string());
    }
    assert_eq!(keys, ["FY2026-Q4", "FY2027-Q2", "FY2027-Q3", "2026-W20"], "a calendar week does not move with the fiscal year");
    assert!(done.goals_moved.iter().any(|m| m.goal == ids[2] && m.from == PeriodKey::FiscalQuarter(2026, 4)));
    // A new week start: the week goal keeps its dates, which are no week now.
    let before = store.goal(ids[3]).await.unwrap();
    let done = settings::change(&store, By::Cli, &set(&[(SettingKey::WeekStart, "sunday")])).await.unwrap();
    let after = store.goal(ids[3]).await.unwrap();
    assert_eq!((after.start, after.end), (before.start, before.end));
    assert!(matches!(after.period, PeriodKey::Range(..)), "{}", after.period);
    let moved = done.goals_moved.iter().find(|m| m.goal == ids[3]).unwrap();
    assert!(moved.unaligned(), "a week goal that is no week any more is reported");
    // The base currency cannot change under money goals.
    let err = settings::change(&store, By::Cli, &set(&[(SettingKey::BaseCurrency, "USD")])).await.unwrap_err();
    assert!(err.to_string().contains("goals have targets in CNY"), "{err}");
    assert_eq!(store.settings().await.unwrap().base_currency.code(), "CNY");
});
