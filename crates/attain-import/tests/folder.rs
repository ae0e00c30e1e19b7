//! A whole company's folder in one transaction (issue 12, point 5), on
//! both backends.
#![allow(clippy::unwrap_used, missing_docs)]

use attain_app::AppError;
use attain_app::goals::By;
use attain_core::{Login, OrgUnitKind};
use attain_import::all::{CompanyFile, Content, FileReport, FolderOptions, import_folder, plan};
use attain_import::{Entity, Preset};
use attain_store::{NewOrgUnit, Store};
use attain_testkit::store_test;
use rust_decimal::Decimal;

const PEOPLE: &str = "login,name,email,role,unit,manager\n\
lin,Lin Wei,lin@example.com,manager,North,\n\
ana,Ana Li,ana@example.com,rep,North/N1,lin\n\
bo,Bo Chen,,rep,North/N1,lin\n";

const CUSTOMERS: &str = "external_id,name,industry,region,segment,source,owner,status,created\n\
C1,Alpha Ltd,Tech,East,SMB,Web,ana,active,2025-01-05\n\
C2,Beta Co,Retail,East,Enterprise,Referral,bo,active,2025-02-05\n";

const DEALS: &str = "external_id,name,customer_external_id,owner,amount,currency,stage,close_date,created\n\
D1,Alpha big,C1,ana,100000,CNY,Closed Won,2026-03-10,2026-01-02\n\
D2,Beta one,C2,bo,50000,CNY,Closed Lost,2026-03-20,2026-02-02\n";

const ORDERS: &str = "number,order_date,customer_external_id,owner,amount,currency\n\
O1,2026-03-12,C1,ana,100000,CNY\n\
O2,2026-03-14,C2,bo,30000.50,CNY\n";

const PAYMENTS: &str = "external_id,order,date,amount,currency\n\
P1,O1,2026-03-20,60000,CNY\n\
P2,O2,2026-03-25,30000.50,CNY\n";

const SPEND: &str = "external_id,channel,kind,date,amount,currency,unit\n\
S1,Web,marketing,2026-03-01,5000,CNY,North\n";

async fn company(store: &Store) {
    let mut settings = store.settings().await.unwrap();
    settings.base_currency = attain_core::Currency::from_code("CNY").unwrap();
    store.update_settings(&settings).await.unwrap();
    let root = store
        .create_org_unit(&NewOrgUnit {
            parent: None,
            name: "Acme".into(),
            kind: OrgUnitKind::Company,
            external_id: None,
        })
        .await
        .unwrap();
    store
        .create_org_unit(&NewOrgUnit {
            parent: Some(root),
            name: "North".into(),
            kind: OrgUnitKind::Region,
            external_id: None,
        })
        .await
        .unwrap();
}

/// The folder's files, given in an order unlike the one they must be
/// imported in.
fn folder(payments: &str) -> Vec<CompanyFile> {
    let files = vec![
        ("co/payments.csv", payments),
        ("co/spend.csv", SPEND),
        ("co/orders.csv", ORDERS),
        ("co/Opportunities.csv", DEALS),
        ("co/customers.csv", CUSTOMERS),
        ("co/people.csv", PEOPLE),
    ];
    plan(
        files
            .into_iter()
            .map(|(n, t)| (n.to_owned(), t.as_bytes().to_vec()))
            .collect(),
        Vec::new(),
    )
    .unwrap()
}

fn options(dry_run: bool) -> FolderOptions {
    FolderOptions {
        preset: Preset::Generic,
        dry_run,
        create_missing_owners: false,
        create_units: true,
        clock: attain_core::Clock::on_day(chrono::NaiveDate::from_ymd_opt(2026, 12, 7).unwrap()),
        actor: None,
        max_new_people: None,
    }
}

async fn metric(store: &Store, metric: &str, period: &str) -> Option<Decimal> {
    let engine = attain_kpi::Engine::new(store).await.unwrap();
    let period = engine.calendar().parse(period).unwrap();
    let answer = engine
        .answer(&attain_kpi::KpiQuery {
            metric: metric.into(),
            formula: None,
            period,
            scope: attain_kpi::Scope::Company,
            by: vec![],
            target: None,
        })
        .await
        .unwrap();
    answer.rows[0].value
}

/// What the database holds, table by table, to show that nothing changed.
async fn counts(store: &Store) -> Vec<i64> {
    let mut counts = vec![i64::try_from(store.users().await.unwrap().len()).unwrap()];
    counts.push(i64::try_from(store.org_units().await.unwrap().len()).unwrap());
    for table in [
        "customers",
        "deals",
        "orders",
        "payments",
        "spend",
        "channels",
    ] {
        counts.push(store.count_rows(table).await.unwrap());
    }
    counts
}

store_test!(async fn a_whole_company_folder_is_imported_in_dependency_order_whatever_order_its_files_come_in(store) {
    company(&store).await;
    let files = folder(PAYMENTS);
    let order: Vec<Content> = files.iter().map(|f| f.content).collect();
    assert_eq!(
        order,
        [
            Content::People,
            Content::Records(Entity::Customers),
            Content::Records(Entity::Deals),
            Content::Records(Entity::Orders),
            Content::Records(Entity::Payments),
            Content::Records(Entity::Spend),
        ]
    );
    let staged = import_folder(&store, By::Cli, files, &options(false)).await.unwrap();
    // Nothing is visible before the batch commits.
    assert!(store.user_by_login(&Login::new("ana").unwrap()).await.is_err());
    let report = staged.commit().await.unwrap();
    assert_eq!(report.files.len(), 6);
    let people = report.people().unwrap();
    assert_eq!((people.created, people.one_time_passwords.len()), (3, 3));
    for done in &report.files {
        if let FileReport::Records(r) = &done.report {
            assert_eq!(r.counts.created, r.records, "{}", done.name);
        }
    }
    // Owners came from the people file, orders of the payments from the
    // orders file, the spend's channel from the customers' source.
    let ana = store.user_by_login(&Login::new("ana").unwrap()).await.unwrap();
    let n1 = store.org_tree().await.unwrap().find("North/N1").unwrap();
    assert_eq!(ana.unit, n1);
    assert_eq!(store.count_rows("channels").await.unwrap(), 2, "Web and Referral, once each");
    // By hand: 100,000 + 30,000.50 of orders in March; 60,000 + 30,000.50 paid.
    assert_eq!(metric(&store, "revenue", "2026-03").await, Some("130000.50".parse().unwrap()));
    assert_eq!(metric(&store, "payments", "2026-03").await, Some("90000.50".parse().unwrap()));
    // One won of two closed deals.
    assert_eq!(metric(&store, "win_rate", "2026-03").await, Some("50".parse().unwrap()), "one won of two closed, in percent");

    // The same folder again changes nothing.
    let before = counts(&store).await;
    let again = import_folder(&store, By::Cli, folder(PAYMENTS), &options(false)).await.unwrap().commit().await.unwrap();
    assert_eq!(again.people().unwrap().created, 0);
    assert_eq!(counts(&store).await, before);
});

store_test!(async fn a_problem_in_the_last_file_of_a_folder_stores_none_of_the_files_before_it(store) {
    company(&store).await;
    let before = counts(&store).await;
    let bad = format!("{PAYMENTS}P3,O9,2026-03-26,10,CNY\n");
    let failure = import_folder(&store, By::Cli, folder(&bad), &options(false)).await.unwrap_err();
    assert_eq!(failure.file.as_deref(), Some("co/payments.csv"));
    assert_eq!(failure.unchecked, ["co/spend.csv"]);
    let AppError::Import(problems) = &failure.error else { panic!("{failure}") };
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].row, 4);
    assert_eq!(problems[0].value.as_deref(), Some("O9"));
    assert_eq!(counts(&store).await, before, "the people, customers, deals and orders before it are not stored");

    // A dry run checks each file against the ones before it and stores nothing.
    let dry = import_folder(&store, By::Cli, folder(PAYMENTS), &options(true)).await.unwrap().rollback().await.unwrap();
    assert!(dry.dry_run);
    assert_eq!(dry.files.len(), 6);
    assert!(dry.files.iter().all(|f| match &f.report {
        FileReport::People(p) => p.dry_run,
        FileReport::Records(r) => r.dry_run,
    }));
    assert_eq!(counts(&store).await, before);
    // The store works as before once the batch has ended.
    assert!(store.user_by_login(&Login::new("ana").unwrap()).await.is_err());
});

store_test!(async fn a_folder_is_imported_by_whom_the_rules_allow(store) {
    company(&store).await;
    let tree = store.org_tree().await.unwrap();
    let north = tree.find("North").unwrap();
    let principal = |role| attain_core::Principal {
        user: attain_core::UserId::from_raw(1),
        login: Login::new("someone").unwrap(),
        display_name: "Someone".into(),
        role,
        unit: north,
    };
    let ops = principal(attain_core::Role::SalesOps);
    let rep = principal(attain_core::Role::Rep);
    let failure = import_folder(&store, By::Person(&rep), folder(PAYMENTS), &options(false)).await.unwrap_err();
    assert!(matches!(failure.error, AppError::Forbidden(_)), "{failure}");
    // Sales ops import data, not people: the people file is refused, and
    // with it the folder.
    let failure = import_folder(&store, By::Person(&ops), folder(PAYMENTS), &options(false)).await.unwrap_err();
    assert_eq!(failure.file.as_deref(), Some("co/people.csv"));
    assert!(matches!(failure.error, AppError::Forbidden(_)), "{failure}");
    assert_eq!(store.count_rows("customers").await.unwrap(), 0);
});

#[test]
fn a_folder_says_which_files_it_cannot_import_and_which_mapping_reads_nothing() {
    let file = |n: &str| (n.to_owned(), b"a,b\n1,2\n".to_vec());
    let Err(AppError::Import(problems)) = plan(
        vec![
            file("d/deals.csv"),
            file("d/opportunities.xlsx"),
            file("d/notes.md"),
            file("d/invoices.csv"),
        ],
        vec![
            ("m/leads.toml".into(), String::new()),
            ("m/deals.toml".into(), "[columns]\nname = 3\n".into()),
        ],
    ) else {
        panic!("refused")
    };
    let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert_eq!(text.len(), 5, "{text:#?}");
    assert!(
        text[0].starts_with("d/opportunities.xlsx: holds deals like d/deals.csv"),
        "{text:#?}"
    );
    assert!(
        text[1].starts_with("d/notes.md: not a data file"),
        "{text:#?}"
    );
    assert!(
        text[2].starts_with("d/invoices.csv: Attain does not know what this file holds"),
        "{text:#?}"
    );
    assert!(
        text[3].starts_with("m/leads.toml: a mapping for no file"),
        "{text:#?}"
    );
    assert!(
        text[4].starts_with("m/deals.toml"),
        "a mapping that does not parse: {text:#?}"
    );
    // A mapping named after the content reads the file of another name.
    let planned = plan(
        vec![file("d/accounts.csv")],
        vec![(
            "m/customers.toml".into(),
            "[columns]\nname = \"Account\"\n".into(),
        )],
    )
    .unwrap();
    assert_eq!(planned[0].content, Content::Records(Entity::Customers));
    assert_eq!(
        planned[0].mapping.columns.get("name").map(Vec::len),
        Some(1)
    );
    assert!(matches!(
        plan(Vec::new(), Vec::new()),
        Err(AppError::Invalid(_))
    ));
}

store_test!(async fn a_unit_created_by_a_people_file_has_the_same_kind_whichever_row_names_it_first(store) {
    // Found while exporting: a manager's row naming "West" before his
    // team's rows named "West/W1" made West a team with a team below it.
    company(&store).await;
    let file = "login,name,role,unit\n\
        mia,Mia Xu,manager,West\n\
        tom,Tom Lu,rep,West/W1\n\
        sue,Sue Ma,rep,East/E1/Key\n\
        eve,Eve Ho,manager,East/E1\n";
    let options = attain_import::people::PeopleOptions {
        create_units: true,
        dry_run: false,
        mapping: attain_import::Mapping::default(),
        clock: attain_core::Clock::on_day(chrono::NaiveDate::from_ymd_opt(2026, 12, 7).unwrap()),
        max_new: None,
    };
    attain_import::people::import_people(&store, By::Cli, "people.csv", file.as_bytes(), &options).await.unwrap();
    let tree = store.org_tree().await.unwrap();
    let kind = |path: &str| tree.unit(tree.find(path).unwrap()).unwrap().kind;
    assert_eq!(kind("West"), OrgUnitKind::Region);
    assert_eq!(kind("West/W1"), OrgUnitKind::Team);
    assert_eq!(kind("East"), OrgUnitKind::Region);
    assert_eq!(kind("East/E1"), OrgUnitKind::Department);
    assert_eq!(kind("East/E1/Key"), OrgUnitKind::Team);
});

store_test!(async fn activities_tickets_and_surveys_imported_on_their_own_count_by_segment_at_once(store) {
    // Found by the export round trip: their imports refreshed their owners'
    // rollups but not their customers', so by segment they read 0 until a
    // rollup rebuild.
    company(&store).await;
    let staged = import_folder(&store, By::Cli, folder(PAYMENTS), &options(false)).await.unwrap();
    staged.commit().await.unwrap();
    let one = |entity: Entity, text: &str| {
        let store = store.clone();
        let text = text.to_owned();
        async move {
            attain_import::import(&store, entity, "f.csv", text.as_bytes(), &attain_import::ImportOptions::default(), &|_| {})
                .await
                .unwrap()
        }
    };
    one(Entity::Activities, "external_id,kind,date,owner,customer_external_id\nA1,call,2026-03-02,ana,C1\nA2,visit,2026-03-03,bo,C2\nA3,call,2026-03-04,bo,C2\n").await;
    one(Entity::Surveys, "external_id,customer_external_id,kind,score,date\nS1,C1,csat,5,2026-03-05\nS2,C2,csat,2,2026-03-06\n").await;
    let by_segment = |metric: &'static str| {
        let store = store.clone();
        async move {
            let engine = attain_kpi::Engine::new(&store).await.unwrap();
            let period = engine.calendar().parse("2026-03").unwrap();
            let answer = engine
                .answer(&attain_kpi::KpiQuery { metric: metric.into(), formula: None, period, scope: attain_kpi::Scope::Company, by: vec![attain_kpi::Dim::Segment], target: None })
                .await
                .unwrap();
            let mut rows: Vec<(String, Option<Decimal>)> = answer.rows.into_iter().map(|r| (r.labels[0].clone(), r.value)).collect();
            rows.sort();
            rows
        }
    };
    // By hand: Alpha (SMB) one call; Beta (Enterprise) a visit and a call.
    assert_eq!(
        by_segment("activities").await,
        [("Enterprise".to_owned(), Some(Decimal::from(2))), ("SMB".to_owned(), Some(Decimal::from(1)))]
    );
    // CSAT: the share scoring 4 or 5.
    assert_eq!(
        by_segment("csat").await,
        [("Enterprise".to_owned(), Some(Decimal::ZERO)), ("SMB".to_owned(), Some(Decimal::from(100)))]
    );
});

store_test!(async fn a_folder_with_amounts_in_another_currency_imports_its_exchange_rates_before_them(store) {
    // Found in review: rates came last, so a folder whose orders are in
    // dollars was refused for want of the rates it held.
    company(&store).await;
    let files = vec![
        ("co/orders.csv".to_owned(), b"number,order_date,customer_external_id,owner,amount,currency\nO1,2026-03-12,C1,ana,1000,USD\n".to_vec()),
        ("co/exchange-rates.csv".to_owned(), b"currency,month,rate\nUSD,2026-03,7.25\n".to_vec()),
        ("co/customers.csv".to_owned(), CUSTOMERS.as_bytes().to_vec()),
        ("co/people.csv".to_owned(), PEOPLE.as_bytes().to_vec()),
    ];
    let planned = plan(files, Vec::new()).unwrap();
    assert_eq!(planned[1].content, Content::Records(Entity::ExchangeRates));
    import_folder(&store, By::Cli, planned, &options(false)).await.unwrap().commit().await.unwrap();
    // By hand: 1,000 dollars at 7.25.
    assert_eq!(metric(&store, "revenue", "2026-03").await, Some("7250.00".parse().unwrap()));
});

store_test!(async fn a_dry_run_of_a_folder_cannot_be_committed(store) {
    company(&store).await;
    let staged = import_folder(&store, By::Cli, folder(PAYMENTS), &options(true)).await.unwrap();
    assert!(matches!(staged.commit().await, Err(AppError::Invalid(_))));
    assert_eq!(store.count_rows("customers").await.unwrap(), 0);
});

#[test]
fn a_second_mapping_for_one_file_is_refused_and_system_files_are_not_the_companys() {
    let file = |n: &str| (n.to_owned(), b"a,b\n1,2\n".to_vec());
    let Err(AppError::Import(problems)) = plan(
        vec![file("d/accounts.csv")],
        vec![
            ("d/accounts.toml".into(), String::new()),
            ("m/customers.toml".into(), String::new()),
        ],
    ) else {
        panic!("refused")
    };
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0]
            .to_string()
            .contains("a second mapping for d/accounts.csv, which d/accounts.toml maps already"),
        "{problems:?}"
    );
    for name in [
        "d/.DS_Store",
        "d/Thumbs.db",
        "d/desktop.ini",
        "d/~$deals.xlsx",
        "__MACOSX/d/._deals.csv",
    ] {
        assert!(attain_import::all::is_system_file(name), "{name}");
    }
    assert!(!attain_import::all::is_system_file("d/deals.csv"));
}
