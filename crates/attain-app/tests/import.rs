//! Importing deals from real CRM export layouts, on both backends.
#![allow(clippy::unwrap_used, missing_docs)]

use attain_app::AppError;
use attain_app::import::{Preset, import_deals};
use attain_app::users::{self, NewAccount};
use attain_core::{Login, OrgUnitKind, Role, Visibility};
use attain_store::{Actor, DealFilter, NewOrgUnit, Store};
use attain_testkit::store_test;

async fn org(store: &Store) {
    let company = store
        .create_org_unit(&NewOrgUnit {
            parent: None,
            name: "Acme".into(),
            kind: OrgUnitKind::Company,
            external_id: None,
        })
        .await
        .unwrap();
    for (login, name, email) in [
        ("wang.wei", "王伟", "wang.wei@acme.cn"),
        ("jane", "Jane Smith", "jane@acme.com"),
    ] {
        let account = NewAccount {
            login: Login::new(login).unwrap(),
            display_name: name.into(),
            email: Some(email.into()),
            unit: company,
            role: Role::Rep,
            password: Some("Quota-2026-xyz".into()),
            external_id: None,
        };
        users::create_user(store, &Actor::named("test"), None, account)
            .await
            .unwrap();
    }
}

async fn deals(store: &Store) -> Vec<attain_core::sales::Deal> {
    store
        .deals_visible(&Visibility::Everything, &DealFilter::default(), 0, 1000)
        .await
        .unwrap()
        .items
}

const ZOHO: &str = "Record Id,Deal Owner.id,Deal Owner,Amount,Deal Name,Closing Date,Account Name.id,Account Name,Stage,Lead Source,Reason For Loss,Created Time\n\
zcrm_4876876000000412001,zcrm_1,Jane Smith,\"12,500.00\",Lab build-out,2026-03-30,zcrm_77,Nova Labs,Closed Won,Web,,2026-01-12 09:15:00\n\
zcrm_4876876000000412002,zcrm_1,Jane Smith,8000,Sensor refresh,2026-04-15,zcrm_77,Nova Labs,Closed Lost,Referral,Price,2026-02-01 10:00:00\n\
zcrm_4876876000000412003,zcrm_2,wang.wei@acme.cn,30000,Analyzer line,2026-09-30,zcrm_78,Orion Medical,Negotiation/Review,Trade Show,,2026-06-01 11:00:00\n";

store_test!(async fn a_zoho_export_imports_and_a_second_import_changes_nothing(store) {
    org(&store).await;
    let report = import_deals(&store, "Deals_2026.csv", ZOHO.as_bytes(), Preset::Zoho, false, false).await.unwrap();
    assert_eq!((report.rows, report.counts.deals_created, report.counts.customers_created), (3, 3, 2));
    let first = deals(&store).await;
    let won = first.iter().find(|d| d.name == "Lab build-out").unwrap();
    assert_eq!(won.status, attain_core::sales::DealStatus::Won);
    assert_eq!(won.amount.amount().to_string(), "12500.00");
    assert_eq!(won.closed_on, Some(chrono::NaiveDate::from_ymd_opt(2026, 3, 30).unwrap()));
    assert_eq!(won.created_on, chrono::NaiveDate::from_ymd_opt(2026, 1, 12).unwrap());
    assert_eq!(won.external_id.as_ref().unwrap().as_str(), "4876876000000412001", "Zoho's zcrm_ prefix is stripped");
    let lost = first.iter().find(|d| d.name == "Sensor refresh").unwrap();
    assert_eq!(lost.lost_reason.as_deref(), Some("Price"));
    let open = first.iter().find(|d| d.name == "Analyzer line").unwrap();
    assert_eq!(open.status, attain_core::sales::DealStatus::Open);
    assert_eq!(open.owner, store.user_by_login(&Login::new("wang.wei").unwrap()).await.unwrap().id, "owner found by e-mail");

    let again = import_deals(&store, "Deals_2026.csv", ZOHO.as_bytes(), Preset::Zoho, false, false).await.unwrap();
    assert_eq!((again.counts.deals_created, again.counts.deals_updated, again.counts.customers_created), (0, 3, 0));
    assert_eq!(deals(&store).await, first, "re-importing the same file changes nothing");
    assert_eq!(store.count_rows("customers").await.unwrap(), 2);
});

store_test!(async fn a_salesforce_report_with_us_dates_imports(store) {
    org(&store).await;
    let file = "Opportunity Owner,Account Name,Opportunity Name,Type,Lead Source,Amount,Expected Revenue,Close Date,Next Step,Stage,Probability (%),Fiscal Period,Age,Created Date,Opportunity ID\n\
Jane Smith,Globex,Globex renewal,Existing Business,Partner,\"$45,000.00\",\"$40,500.00\",10/31/2026,Send quote,Proposal/Price Quote,75%,Q4-2026,30,9/1/2026,0065g00000AbCdE\n";
    let report = import_deals(&store, "sf.csv", file.as_bytes(), Preset::Salesforce, false, false).await.unwrap();
    assert_eq!(report.counts.deals_created, 1);
    let d = &deals(&store).await[0];
    assert_eq!(d.expected_close_on, chrono::NaiveDate::from_ymd_opt(2026, 10, 31).unwrap());
    assert_eq!(d.probability, 75);
    assert_eq!(d.forecast_category, attain_core::sales::ForecastCategory::Commit);
    assert_eq!(d.amount.amount().to_string(), "45000.00");
});

store_test!(async fn a_fxiaoke_export_saved_by_chinese_excel_in_gbk_imports(store) {
    org(&store).await;
    let text = "商机名称,客户名称,销售阶段,商机金额（元）,预计成交日期,负责人,赢率,创建时间,输单原因\n\
华东实验室项目,上海华信科技,赢单,\"1,280,000.00\",2026/05/18,王伟,100%,2026-02-03 10:20,\n\
苏州产线升级,苏州恒通精密,输单,56000,2026/06/01,王伟,0%,2026-03-01 09:00,价格\n\
南京试点,南京金海仪器,方案/报价,99000,2026/12/20,王伟,50%,2026-08-01 14:00,\n";
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(text);
    assert!(!unmappable);
    let report = import_deals(&store, "商机.csv", &gbk, Preset::Fxiaoke, false, false).await.unwrap();
    assert_eq!((report.counts.deals_created, report.counts.customers_created), (3, 3));
    let all = deals(&store).await;
    let won = all.iter().find(|d| d.name == "华东实验室项目").unwrap();
    assert_eq!((won.status, won.amount.amount().to_string()), (attain_core::sales::DealStatus::Won, "1280000.00".to_owned()));
    let lost = all.iter().find(|d| d.name == "苏州产线升级").unwrap();
    assert_eq!((lost.status, lost.lost_reason.as_deref()), (attain_core::sales::DealStatus::Lost, Some("价格")));
    assert!(!report.notes.is_empty(), "no ID column: the person is told how rows are matched");
    let again = import_deals(&store, "商机.csv", &gbk, Preset::Fxiaoke, false, false).await.unwrap();
    assert_eq!(again.counts.deals_created, 0, "matched by name and customer");
});

store_test!(async fn a_hubspot_export_imports(store) {
    org(&store).await;
    let file = "Record ID,Deal Name,Deal Stage,Amount,Close Date,Deal owner,Pipeline,Create Date,Associated Company\n\
9876543210,Website redesign,Closed won,7200,2026-02-28,jane@acme.com,Sales Pipeline,2026-01-05,Initech\n";
    let report = import_deals(&store, "hubspot-crm-exports-all-deals.csv", file.as_bytes(), Preset::Hubspot, false, false).await.unwrap();
    assert_eq!(report.counts.deals_created, 1);
    assert_eq!(deals(&store).await[0].status, attain_core::sales::DealStatus::Won);
});

store_test!(async fn a_broken_file_stores_nothing_and_reports_every_bad_row(store) {
    org(&store).await;
    let file = "Record Id,Deal Owner,Amount,Deal Name,Closing Date,Account Name,Stage\n\
zcrm_1,Jane Smith,100,Good row,2026-01-01,Acme,Closed Won\n\
zcrm_2,Nobody Here,100,Who owns this,2026-01-01,Acme,Closed Won\n\
zcrm_3,Jane Smith,12a,Bad amount,2026-01-01,Acme,Closed Won\n\
zcrm_4,Ghost Rep,100,Bad date,2026-02-30,Acme,Closed Won\n\
zcrm_5,Jane Smith,100,Cut off";
    let err = import_deals(&store, "deals.csv", file.as_bytes(), Preset::Zoho, false, false).await.unwrap_err();
    let AppError::Import(problems) = err else { panic!("expected import problems, got {err}") };
    let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert_eq!(lines, vec![
        "deals.csv:3:Deal Owner: unknown owner: no user has this login, e-mail or name (add the user, or import with --create-missing-owners) (Nobody Here)",
        "deals.csv:4:Amount: not an amount (12a)",
        "deals.csv:5:Closing Date: not a date (expected e.g. 2026-07-14, 2026/07/14, 07/14/2026 or 2026年7月14日) (2026-02-30)",
        "deals.csv:5:Deal Owner: unknown owner: no user has this login, e-mail or name (add the user, or import with --create-missing-owners) (Ghost Rep)",
        "deals.csv:6: has 4 cells, the header has 7 (a cut-off line or a stray delimiter?)",
    ]);
    assert_eq!(store.count_rows("deals").await.unwrap(), 0, "nothing stored");
    assert_eq!(store.count_rows("customers").await.unwrap(), 0);
});

store_test!(async fn missing_required_columns_are_named(store) {
    org(&store).await;
    let err = import_deals(&store, "x.csv", b"Deal Name,Amount\nA,1\n", Preset::Zoho, false, false).await.unwrap_err();
    let AppError::Import(problems) = err else { panic!("{err}") };
    let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert!(text.iter().any(|t| t.starts_with("x.csv:1: required column 'customer' is missing; expected one of:")), "{text:?}");
    assert!(text.iter().any(|t| t.contains("'close_date'")));
});

store_test!(async fn unknown_owners_can_be_created_and_a_dry_run_writes_nothing(store) {
    org(&store).await;
    let file = "Record Id,Deal Owner,Amount,Deal Name,Closing Date,Account Name,Stage\n\
zcrm_1,li.na@acme.cn,100,A,2026-01-01,Acme,Closed Won\n\
zcrm_2,Zhao Lei,200,B,2026-01-01,Acme,Qualification\n";
    let dry = import_deals(&store, "d.csv", file.as_bytes(), Preset::Zoho, true, true).await.unwrap();
    assert!(dry.dry_run);
    assert_eq!(dry.owners_created, vec!["Zhao Lei".to_owned(), "li.na@acme.cn".to_owned()]);
    assert_eq!(store.count_rows("deals").await.unwrap(), 0);
    assert_eq!(store.count_rows("users").await.unwrap(), 2);
    let report = import_deals(&store, "d.csv", file.as_bytes(), Preset::Zoho, false, true).await.unwrap();
    assert_eq!(report.counts.deals_created, 2);
    let tree = store.org_tree().await.unwrap();
    let imported = tree.units().find(|u| u.name == "Imported").unwrap().id;
    assert_eq!(tree.users_within(imported).count(), 2);
    assert!(store.user_by_login(&Login::new("li.na").unwrap()).await.is_ok(), "login from the e-mail");
});

async fn products(store: &Store) {
    use attain_core::{Currency, Money, ProductId};
    let cny = |m| Money::from_minor_units(m, Currency::CNY);
    let products = (1..=2)
        .map(|i| attain_core::sales::Product {
            id: ProductId::from_raw(i),
            sku: format!("AN-{i}00"),
            name: format!("Analyzer {i}"),
            category: "Analyzers".into(),
            list_price: cny(1_000_00),
            unit_cost: cny(400_00),
            active: true,
            external_id: None,
        })
        .collect();
    store
        .insert_sales_batch(&attain_store::SalesBatch {
            products,
            ..Default::default()
        })
        .await
        .unwrap();
    store.sync_id_sequences().await.unwrap();
}

const ORDERS: &str = "订单编号,下单日期,客户名称,负责人,产品编号,数量,单价,金额\n\
SO-1,2026-03-01,上海华信科技,王伟,AN-100,2,\"1,000.00\",\"2,000.00\"\n\
SO-1,2026-03-01,上海华信科技,王伟,AN-200,1,500,500\n\
SO-2,2026-03-05,Nova Labs,jane,AN-100,3,1000,\n";

store_test!(async fn order_lines_import_into_orders_and_a_reimport_changes_nothing(store) {
    org(&store).await;
    products(&store).await;
    let report = attain_app::import::import_orders(&store, "orders.csv", ORDERS.as_bytes(), Preset::Generic, false).await.unwrap();
    assert_eq!((report.counts.orders_created, report.counts.lines, report.counts.customers_created), (2, 3, 2));
    let orders = store.orders_visible(&Visibility::Everything, &attain_store::OrderFilter::default(), 0, 10).await.unwrap();
    let so1 = orders.items.iter().find(|o| o.number == "SO-1").unwrap();
    assert_eq!(so1.total.amount().to_string(), "2500.00");
    let so2 = orders.items.iter().find(|o| o.number == "SO-2").unwrap();
    assert_eq!(so2.total.amount().to_string(), "3000.00", "amount from unit price × quantity");
    let again = attain_app::import::import_orders(&store, "orders.csv", ORDERS.as_bytes(), Preset::Generic, false).await.unwrap();
    assert_eq!((again.counts.orders_created, again.counts.orders_updated), (0, 2));
    assert_eq!(store.count_rows("order_lines").await.unwrap(), 3, "lines replaced, not duplicated");
    assert_eq!(store.count_rows("orders").await.unwrap(), 2);
});

store_test!(async fn an_orders_file_with_unknown_products_stores_nothing(store) {
    org(&store).await;
    products(&store).await;
    let bad = "Order Number,Order Date,Customer,Owner,Product,Quantity,Amount\nSO-9,2026-01-01,Acme,jane,NOPE-1,1,10\nSO-10,2026-01-01,Acme,jane,AN-100,0,10\n";
    let err = attain_app::import::import_orders(&store, "o.csv", bad.as_bytes(), Preset::Generic, false).await.unwrap_err();
    let AppError::Import(problems) = err else { panic!("{err}") };
    let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert_eq!(lines, vec![
        "o.csv:2:Product: unknown product: no product has this SKU or name (NOPE-1)",
        "o.csv:3:Quantity: a quantity must be a positive whole number (0)",
    ]);
    assert_eq!(store.count_rows("orders").await.unwrap(), 0);
});
