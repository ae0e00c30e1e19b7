//! Moving out and in again (issue 12, point 6): the demo company exported
//! in the generic layout and imported as one folder into an empty database
//! answers every KPI of the catalogue the same, to the cent, for several
//! periods and breakdowns, on SQLite and on PostgreSQL.
#![allow(clippy::unwrap_used, missing_docs)]

use attain_app::goals::By;
use attain_core::Metric;
use attain_demo::{DemoOptions, Scale};
use attain_import::all::{FolderOptions, import_folder, plan};
use attain_kpi::{Dim, Engine, KpiQuery, Scope};
use attain_store::Store;
use rust_decimal::Decimal;

/// One answer as names and values, in an order that does not depend on
/// the IDs either database gave its records.
type Rows = Vec<(Vec<String>, Option<Decimal>)>;

async fn answers(store: &Store) -> Vec<(String, Rows)> {
    let engine = Engine::new(store).await.unwrap();
    let mut all = Vec::new();
    for period in ["FY2024", "FY2025", "FY2026-Q3", "2026-11"] {
        let p = engine.calendar().parse(period).unwrap();
        for metric in Metric::ALL {
            for by in [
                vec![],
                vec![Dim::Rep],
                vec![Dim::Region],
                vec![Dim::Team],
                vec![Dim::Month],
                vec![Dim::Product],
                vec![Dim::Segment],
                vec![Dim::Channel],
            ] {
                let query = KpiQuery {
                    metric: metric.into(),
                    formula: None,
                    period: p,
                    scope: Scope::Company,
                    by: by.clone(),
                    target: None,
                };
                let what = format!("{} {period} {by:?}", metric.key());
                let mut rows: Rows = match engine.answer(&query).await {
                    // A channel is named by its key, which an import makes
                    // from the channel's name: compare its figures alone.
                    Ok(a) if by == [Dim::Channel] => {
                        a.rows.into_iter().map(|r| (Vec::new(), r.value)).collect()
                    }
                    Ok(a) => a.rows.into_iter().map(|r| (r.labels, r.value)).collect(),
                    Err(e) => vec![(vec![format!("error: {e}")], None)],
                };
                rows.sort();
                all.push((what, rows));
            }
        }
    }
    all
}

async fn an_exported_company_imported_into_an_empty_database_answers_the_same(
    from: &Store,
    into: &Store,
    xlsx: bool,
) {
    let options = DemoOptions {
        seed: 11,
        scale: Scale::Small,
        as_of: "2026-11-30".parse().unwrap(),
    };
    attain_demo::build(from, options, "not-a-real-hash", |_, _| {})
        .await
        .unwrap();
    // People who moved between teams, with team figures credited by each
    // sale's date: the export carries when they moved.
    let teams: Vec<_> = from
        .org_units()
        .await
        .unwrap()
        .into_iter()
        .filter(|u| u.kind == attain_core::OrgUnitKind::Team)
        .collect();
    let reps: Vec<_> = from
        .users()
        .await
        .unwrap()
        .into_iter()
        .filter(|u| u.role == attain_core::Role::Rep && u.active)
        .collect();
    let actor = attain_store::Actor::named("test");
    for (rep, moves) in reps
        .iter()
        .zip([&["2025-03-03", "2026-08-17"][..], &["2026-10-05"][..]])
    {
        let mut now = rep.unit;
        for day in moves {
            let to = teams
                .iter()
                .find(|t| t.id != now && t.id != rep.unit)
                .unwrap()
                .id;
            assert!(
                from.move_user(&actor, rep.id, to, day.parse().unwrap())
                    .await
                    .unwrap()
            );
            now = to;
        }
    }
    let mut settings = from.settings().await.unwrap();
    settings.unit_credit = attain_core::UnitCredit::TransactionDate;
    from.update_settings(&settings).await.unwrap();
    from.rebuild_rollups().await.unwrap();
    let tables = attain_app::export::company_tables(from, By::Cli)
        .await
        .unwrap();
    // Every column is a field the generic import reads.
    for table in &tables {
        if table.entity == "people" {
            continue;
        }
        let entity: attain_import::Entity = table.entity.parse().unwrap();
        let fields: Vec<&str> = entity.fields().into_iter().map(|(f, _)| f).collect();
        for column in &table.header {
            assert!(
                fields.contains(column),
                "{}: {column} is a field of {fields:?}",
                table.entity
            );
        }
    }
    let files: Vec<(String, Vec<u8>)> = tables
        .iter()
        .map(|t| {
            if xlsx {
                let bytes = attain_import::xlsx::workbook(t.entity, &t.header, &t.rows).unwrap();
                (format!("{}.xlsx", t.entity), bytes)
            } else {
                let text = attain_app::export::table_csv(t).unwrap();
                (format!("{}.csv", t.entity), text.into_bytes())
            }
        })
        .collect();
    let ext = if xlsx { "xlsx" } else { "csv" };
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    for expected in [
        "people",
        "customers",
        "deals",
        "orders",
        "payments",
        "refunds",
        "activities",
        "tickets",
        "surveys",
        "spend",
        "enrolments",
        "market-sizes",
        "exchange-rates",
    ] {
        let expected = format!("{expected}.{ext}");
        assert!(
            names.contains(&expected.as_str()),
            "{expected} in {names:?}"
        );
    }
    // The new database: its settings first, as the export says.
    into.update_settings(&from.settings().await.unwrap())
        .await
        .unwrap();
    let folder = plan(files, Vec::new()).unwrap();
    let options = FolderOptions {
        preset: attain_import::Preset::Generic,
        dry_run: false,
        create_missing_owners: false,
        create_units: true,
        clock: attain_core::Clock::on_day("2026-12-07".parse().unwrap()),
        actor: None,
        max_new_people: None,
    };
    let report = import_folder(into, By::Cli, folder, &options)
        .await
        .unwrap()
        .commit()
        .await
        .unwrap();
    assert_eq!(
        report.notes.len(),
        1,
        "the company unit was created: {:?}",
        report.notes
    );
    for table in [
        "customers",
        "deals",
        "orders",
        "order_lines",
        "payments",
        "refunds",
        "activities",
        "tickets",
        "spend",
    ] {
        assert_eq!(
            into.count_rows(table).await.unwrap(),
            from.count_rows(table).await.unwrap(),
            "{table}"
        );
    }

    let before = answers(from).await;
    let after = answers(into).await;
    assert_eq!(before.len(), after.len());
    let mut differ = Vec::new();
    let mut with_values = 0;
    for ((what, a), (_, b)) in before.iter().zip(&after) {
        if a.iter().any(|(_, v)| v.is_some()) {
            with_values += 1;
        }
        if a != b {
            differ.push(format!("{what}:\n  before {a:?}\n  after  {b:?}"));
        }
    }
    assert!(
        differ.is_empty(),
        "{} answers differ:\n{}",
        differ.len(),
        differ.join("\n")
    );
    // The comparison compared figures, not empty answers.
    assert!(
        with_values > before.len() / 2,
        "{with_values} of {} answers have figures",
        before.len()
    );
}

#[tokio::test]
async fn an_exported_sqlite_company_imported_into_an_empty_database_answers_every_kpi_the_same() {
    let from = attain_testkit::sqlite_store().await;
    let into = attain_testkit::sqlite_store().await;
    an_exported_company_imported_into_an_empty_database_answers_the_same(
        &from.store,
        &into.store,
        false,
    )
    .await;
}

#[tokio::test]
async fn a_company_exported_as_workbooks_imported_into_an_empty_database_answers_every_kpi_the_same()
 {
    let from = attain_testkit::sqlite_store().await;
    let into = attain_testkit::sqlite_store().await;
    an_exported_company_imported_into_an_empty_database_answers_the_same(
        &from.store,
        &into.store,
        true,
    )
    .await;
}

#[tokio::test]
async fn an_exported_postgres_company_imported_into_an_empty_database_answers_every_kpi_the_same() {
    let Some(from) = attain_testkit::postgres_store().await else {
        eprintln!("skipped: {} is not set", attain_testkit::POSTGRES_URL_VAR);
        return;
    };
    let Some(into) = attain_testkit::postgres_store().await else {
        return;
    };
    an_exported_company_imported_into_an_empty_database_answers_the_same(
        &from.store,
        &into.store,
        false,
    )
    .await;
    from.cleanup().await;
    into.cleanup().await;
}
