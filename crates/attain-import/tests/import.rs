//! Importing deals from real CRM export layouts, on both backends.
#![allow(clippy::unwrap_used, missing_docs)]

use attain_app::AppError;
use attain_app::AppResult;
use attain_app::users::{self, NewAccount};
use attain_core::{Login, OrgUnitKind, Role, Visibility};
use attain_import::{Entity, ImportOptions, ImportReport, Mapping, Preset};
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

/// Imports an exchange rate for `currency` from `month` (`YYYY-MM`) on.
async fn rate(store: &Store, currency: &str, month: &str) {
    let file = format!("Currency,Month,Rate\n{currency},{month},7.5\n");
    import(
        store,
        Entity::ExchangeRates,
        "rates.csv",
        file.as_bytes(),
        Preset::Generic,
        false,
        false,
    )
    .await
    .unwrap();
}

/// Runs an import the way the CLI does.
async fn import(
    store: &Store,
    entity: Entity,
    file: &str,
    bytes: &[u8],
    preset: Preset,
    dry_run: bool,
    create_missing_owners: bool,
) -> AppResult<ImportReport> {
    let options = ImportOptions {
        preset,
        dry_run,
        create_missing_owners,
        ..ImportOptions::default()
    };
    attain_import::import(store, entity, file, bytes, &options, &|_| {}).await
}

async fn import_deals(
    store: &Store,
    file: &str,
    bytes: &[u8],
    preset: Preset,
    dry_run: bool,
    create_missing_owners: bool,
) -> AppResult<ImportReport> {
    import(
        store,
        Entity::Deals,
        file,
        bytes,
        preset,
        dry_run,
        create_missing_owners,
    )
    .await
}

async fn import_orders(store: &Store, file: &str, bytes: &[u8]) -> AppResult<ImportReport> {
    import(
        store,
        Entity::Orders,
        file,
        bytes,
        Preset::Generic,
        false,
        false,
    )
    .await
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
    assert_eq!((report.rows, report.counts.created, report.counts.customers_created), (3, 3, 2));
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
    assert_eq!((again.counts.created, again.counts.updated, again.counts.customers_created), (0, 3, 0));
    assert_eq!(deals(&store).await, first, "re-importing the same file changes nothing");
    assert_eq!(store.count_rows("customers").await.unwrap(), 2);
});

store_test!(async fn a_salesforce_report_with_us_dates_imports(store) {
    org(&store).await;
    rate(&store, "USD", "2026-01").await;
    let file = "Opportunity Owner,Account Name,Opportunity Name,Type,Lead Source,Amount,Expected Revenue,Close Date,Next Step,Stage,Probability (%),Fiscal Period,Age,Created Date,Opportunity ID\n\
Jane Smith,Globex,Globex renewal,Existing Business,Partner,\"$45,000.00\",\"$40,500.00\",10/31/2026,Send quote,Proposal/Price Quote,75%,Q4-2026,30,9/1/2026,0065g00000AbCdE\n";
    let report = import_deals(&store, "sf.csv", file.as_bytes(), Preset::Salesforce, false, false).await.unwrap();
    assert_eq!(report.counts.created, 1);
    let d = &deals(&store).await[0];
    assert_eq!(d.expected_close_on, chrono::NaiveDate::from_ymd_opt(2026, 10, 31).unwrap());
    assert_eq!(d.probability, 75);
    assert_eq!(d.forecast_category, attain_core::sales::ForecastCategory::Commit);
    assert_eq!(d.amount.amount().to_string(), "45000.00");
    assert_eq!(d.amount.currency(), attain_core::Currency::USD, "the $ names the currency");
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
    assert_eq!((report.counts.created, report.counts.customers_created), (3, 3));
    let all = deals(&store).await;
    let won = all.iter().find(|d| d.name == "华东实验室项目").unwrap();
    assert_eq!((won.status, won.amount.amount().to_string()), (attain_core::sales::DealStatus::Won, "1280000.00".to_owned()));
    let lost = all.iter().find(|d| d.name == "苏州产线升级").unwrap();
    assert_eq!((lost.status, lost.lost_reason.as_deref()), (attain_core::sales::DealStatus::Lost, Some("价格")));
    assert!(!report.notes.is_empty(), "no ID column: the person is told how rows are matched");
    let again = import_deals(&store, "商机.csv", &gbk, Preset::Fxiaoke, false, false).await.unwrap();
    assert_eq!(again.counts.created, 0, "matched by name and customer");
});

store_test!(async fn a_hubspot_export_imports(store) {
    org(&store).await;
    let file = "Record ID,Deal Name,Deal Stage,Amount,Close Date,Deal owner,Pipeline,Create Date,Associated Company\n\
9876543210,Website redesign,Closed won,7200,2026-02-28,jane@acme.com,Sales Pipeline,2026-01-05,Initech\n";
    let report = import_deals(&store, "hubspot-crm-exports-all-deals.csv", file.as_bytes(), Preset::Hubspot, false, false).await.unwrap();
    assert_eq!(report.counts.created, 1);
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
        "deals.csv: 2 unknown owner(s): Ghost Rep, Nobody Here (add them as users, or import with --create-missing-owners)",
        "deals.csv:3:Deal Owner: unknown owner: no user has this login, e-mail, name or ID (Nobody Here)",
        "deals.csv:4:Amount: not an amount (12a)",
        "deals.csv:5:Closing Date: not a date (expected e.g. 2026-07-14, 2026/07/14, 07/14/2026 or 2026年7月14日) (2026-02-30)",
        "deals.csv:5:Deal Owner: unknown owner: no user has this login, e-mail, name or ID (Ghost Rep)",
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
    assert!(text.iter().any(|t| t.starts_with("x.csv:1: required column 'customer' or 'customer_external_id' is missing; expected one of:")), "{text:?}");
    assert!(text.iter().any(|t| t.contains("'close_date'")));
});

store_test!(async fn unknown_owners_can_be_created_and_a_dry_run_writes_nothing(store) {
    org(&store).await;
    let file = "Record Id,Deal Owner,Amount,Deal Name,Closing Date,Account Name,Stage\n\
zcrm_1,li.na@acme.cn,100,A,2026-01-01,Acme,Closed Won\n\
zcrm_2,Zhao Lei,200,B,2026-01-01,Acme,Qualification\n";
    let dry = import_deals(&store, "d.csv", file.as_bytes(), Preset::Zoho, true, true).await.unwrap();
    assert!(dry.dry_run);
    assert_eq!(dry.owners_created, vec!["li.na@acme.cn".to_owned(), "Zhao Lei".to_owned()]);
    assert_eq!(store.count_rows("deals").await.unwrap(), 0);
    assert_eq!(store.count_rows("users").await.unwrap(), 2);
    let report = import_deals(&store, "d.csv", file.as_bytes(), Preset::Zoho, false, true).await.unwrap();
    assert_eq!(report.counts.created, 2);
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
    let report = import_orders(&store, "orders.csv", ORDERS.as_bytes()).await.unwrap();
    assert_eq!((report.counts.created, report.counts.lines, report.counts.customers_created), (2, 3, 2));
    let orders = store.orders_visible(&Visibility::Everything, &attain_store::OrderFilter::default(), 0, 10).await.unwrap();
    let so1 = orders.items.iter().find(|o| o.number == "SO-1").unwrap();
    assert_eq!(so1.total.amount().to_string(), "2500.00");
    let so2 = orders.items.iter().find(|o| o.number == "SO-2").unwrap();
    assert_eq!(so2.total.amount().to_string(), "3000.00", "amount from unit price × quantity");
    let again = import_orders(&store, "orders.csv", ORDERS.as_bytes()).await.unwrap();
    assert_eq!((again.counts.created, again.counts.updated), (0, 2));
    assert_eq!(store.count_rows("order_lines").await.unwrap(), 3, "lines replaced, not duplicated");
    assert_eq!(store.count_rows("orders").await.unwrap(), 2);

    // A later file changes one order (two lines where it had one), adds
    // one for a new customer and one for a customer created above: the
    // changed order's lines are replaced, the new ones are added.
    let later = "订单编号,下单日期,客户名称,负责人,产品编号,数量,单价,金额\n\
SO-2,2026-03-05,Nova Labs,jane,AN-100,1,1000,\n\
SO-2,2026-03-05,Nova Labs,jane,AN-200,2,500,\n\
SO-3,2026-03-09,Kestrel Works,jane,AN-200,1,500,\n\
SO-4,2026-03-10,上海华信科技,王伟,AN-100,1,1000,\n";
    let report = import_orders(&store, "later.csv", later.as_bytes()).await.unwrap();
    assert_eq!((report.counts.created, report.counts.updated, report.counts.unchanged), (2, 1, 0));
    assert_eq!((report.counts.lines, report.counts.customers_created), (4, 1));
    assert_eq!(store.count_rows("order_lines").await.unwrap(), 2 + 2 + 1 + 1);
    let orders = store.orders_visible(&Visibility::Everything, &attain_store::OrderFilter::default(), 0, 10).await.unwrap();
    let total = |n: &str| orders.items.iter().find(|o| o.number == n).unwrap().total.amount().to_string();
    assert_eq!((total("SO-1"), total("SO-2"), total("SO-3"), total("SO-4")), ("2500.00".into(), "2000.00".into(), "500.00".into(), "1000.00".into()));
    let customer = |n: &str| orders.items.iter().find(|o| o.number == n).unwrap().customer;
    assert_eq!(customer("SO-4"), customer("SO-1"), "a customer created by an earlier file is found, not created again");
    assert_ne!(customer("SO-3"), customer("SO-2"));
});

store_test!(async fn an_orders_file_with_unknown_products_stores_nothing(store) {
    org(&store).await;
    products(&store).await;
    let bad = "Order Number,Order Date,Customer,Owner,Product,Quantity,Amount\nSO-9,2026-01-01,Acme,jane,NOPE-1,1,10\nSO-10,2026-01-01,Acme,jane,AN-100,0,10\n";
    let err = import_orders(&store, "o.csv", bad.as_bytes()).await.unwrap_err();
    let AppError::Import(problems) = err else { panic!("{err}") };
    let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert_eq!(lines, vec![
        "o.csv:2:Product: unknown product: no product has this SKU or name (NOPE-1)",
        "o.csv:3:Quantity: a quantity is a whole number from 1 to 1000000000 (0)",
    ]);
    assert_eq!(store.count_rows("orders").await.unwrap(), 0);
});

async fn rep_with_external_id(store: &Store, login: &str, name: &str, external: &str) {
    let unit = store.org_units().await.unwrap()[0].id;
    let account = NewAccount {
        login: Login::new(login).unwrap(),
        display_name: name.into(),
        email: None,
        unit,
        role: Role::Rep,
        password: Some("Quota-2026-xyz".into()),
        external_id: Some(attain_core::ExternalId::new(external).unwrap()),
    };
    users::create_user(store, &Actor::named("test"), None, account)
        .await
        .unwrap();
}

store_test!(async fn salesforce_data_loader_exports_resolve_accounts_and_owners_by_id(store) {
    org(&store).await;
    rep_with_external_id(&store, "amy", "Amy Chen", "0055g00000AmYAAA").await;
    let accounts = "Id,Name,OwnerId,Industry,BillingState,NumberOfEmployees,Type,AccountSource,CreatedDate\n\
0015g00000GlObX,Globex Corporation,0055g00000AmYAAA,Manufacturing,Shanghai,1200,Customer - Direct,Partner,2025-11-02T08:30:00.000+0000\n\
0015g00000InItC,Initech,0055g00000AmYAAA,Technology,Beijing,85,Prospect,Web,2026-01-20T02:00:00.000+0000\n";
    let report = import(&store, Entity::Customers, "Account.csv", accounts.as_bytes(), Preset::Salesforce, false, false).await.unwrap();
    assert_eq!((report.counts.created, report.counts.updated), (2, 0));
    let opportunities = "Id,IsDeleted,AccountId,Name,StageName,Amount,Probability,CloseDate,IsClosed,IsWon,ForecastCategoryName,CurrencyIsoCode,OwnerId,CreatedDate\n\
0065g00000OpP0,true,0015g00000GlObX,Deleted one,Closed Won,1,100,2026-03-31,true,true,Closed,CNY,0055g00000AmYAAA,2026-01-05T09:00:00.000+0000\n\
0065g00000OpP1,false,0015g00000GlObX,Globex line 2,Closed Won,250000,100,2026-03-31,true,true,Closed,CNY,0055g00000AmYAAA,2026-01-05T09:00:00.000+0000\n\
0065g00000OpP2,false,0015g00000InItC,Initech pilot,Perception Analysis,40000,70,2026-09-30,false,false,Best Case,CNY,0055g00000AmYAAA,2026-06-01T09:00:00.000+0000\n\
0065g00000OpP3,false,0015g00000InItC,Initech phase 0,Custom Stage X,5000,0,2026-02-28,true,false,Omitted,CNY,0055g00000AmYAAA,2026-01-01T09:00:00.000+0000\n\
0065g00000OpP4,false,0015g00000InItC,Initech early idea,Prospecting,,10,2026-12-31,false,false,Pipeline,CNY,0055g00000AmYAAA,2026-06-01T09:00:00.000+0000\n";
    let report = import_deals(&store, "Opportunity.csv", opportunities.as_bytes(), Preset::Salesforce, false, false).await.unwrap();
    assert_eq!((report.counts.created, report.counts.customers_created), (4, 0), "accounts found by their IDs; the deleted row skipped");
    assert!(report.notes.iter().any(|n| n.contains("1 rows marked deleted")), "{:?}", report.notes);
    assert!(report.defaults.iter().any(|d| d.to_string() == "1 deals have no amount: they count as 0"), "{:?}", report.defaults);
    let amy = store.user_by_login(&Login::new("amy").unwrap()).await.unwrap().id;
    let all = deals(&store).await;
    assert!(all.iter().all(|d| d.owner == amy), "owners found by Salesforce user ID");
    let pilot = all.iter().find(|d| d.name == "Initech pilot").unwrap();
    assert_eq!((pilot.status, pilot.forecast_category), (attain_core::sales::DealStatus::Open, attain_core::sales::ForecastCategory::BestCase));
    let phase0 = all.iter().find(|d| d.name == "Initech phase 0").unwrap();
    assert_eq!(phase0.status, attain_core::sales::DealStatus::Lost, "IsClosed without IsWon is lost, whatever the stage is called");
    let customers = store.customers_visible(&Visibility::Everything, &attain_store::CustomerFilter::default(), 0, 10).await.unwrap().items;
    let globex = customers.iter().find(|c| c.name == "Globex Corporation").unwrap();
    assert_eq!(globex.size, Some(attain_core::sales::CustomerSize::Enterprise));
    assert_eq!(globex.region.as_deref(), Some("Shanghai"));
    assert_eq!(globex.owner, Some(amy));
    assert_eq!(globex.created_on, chrono::NaiveDate::from_ymd_opt(2025, 11, 2).unwrap());
    assert!(report.notes.iter().any(|n| n.contains("Custom Stage X")), "{:?}", report.notes);
});

store_test!(async fn zoho_accounts_then_contacts_and_customers_found_by_name_are_updated(store) {
    org(&store).await;
    // A deal import creates "Nova Labs" without any details.
    import_deals(&store, "Deals.csv", ZOHO.as_bytes(), Preset::Zoho, false, false).await.unwrap();
    let accounts = "Account Owner,Account Name,Phone,Website,Account Type,Industry,Billing City,Billing State,Employees,Created Time\n\
Jane Smith,Nova Labs,+86 21 5555,nova.example,Key Account,Biotech,Shanghai,Shanghai,40,2025-05-01 10:00:00\n\
,Pool Prospect Ltd,,,,,Hangzhou,Zhejiang,,2026-02-01 10:00:00\n";
    let report = import(&store, Entity::Customers, "Accounts.csv", accounts.as_bytes(), Preset::Zoho, false, false).await.unwrap();
    assert_eq!((report.counts.created, report.counts.updated), (1, 1), "Nova Labs was updated, not duplicated");
    let again = import(&store, Entity::Customers, "Accounts.csv", accounts.as_bytes(), Preset::Zoho, false, false).await.unwrap();
    assert_eq!((again.counts.created, again.counts.updated), (0, 2));
    let customers = store.customers_visible(&Visibility::Everything, &attain_store::CustomerFilter::default(), 0, 10).await.unwrap().items;
    assert_eq!(customers.len(), 3);
    let nova = customers.iter().find(|c| c.name == "Nova Labs").unwrap();
    assert_eq!((nova.industry.as_deref(), nova.segment.as_deref()), (Some("Biotech"), Some("Key Account")));
    let pool = customers.iter().find(|c| c.name == "Pool Prospect Ltd").unwrap();
    assert!(pool.in_pool && pool.owner.is_none(), "no owner: the customer sits in the pool");

    let contacts = "Record Id,Contact Owner.id,Contact Owner,First Name,Last Name,Email,Phone,Title,Account Name.id,Account Name\n\
zcrm_901,,Jane Smith,Li,Na,li.na@nova.example,138,CTO,zcrm_77,Nova Labs\n\
zcrm_902,,Jane Smith,Tom,Baker,tom@new.example,139,Buyer,,New Customer Co\n";
    let report = import(&store, Entity::Contacts, "Contacts.csv", contacts.as_bytes(), Preset::Zoho, false, false).await.unwrap();
    assert_eq!((report.counts.created, report.counts.customers_created), (2, 1));
    assert_eq!(store.count_rows("contacts").await.unwrap(), 2);
    let again = import(&store, Entity::Contacts, "Contacts.csv", contacts.as_bytes(), Preset::Zoho, false, false).await.unwrap();
    assert_eq!((again.counts.created, again.counts.updated), (0, 2));
});

store_test!(async fn an_xlsx_workbook_imports_with_its_dates_and_numbers(store) {
    org(&store).await;
    let bytes = include_bytes!("fixtures/fxiaoke-deals.xlsx");
    let report = import_deals(&store, "商机.xlsx", bytes, Preset::Fxiaoke, false, false).await.map_err(|e| if let AppError::Import(p) = &e { format!("{p:?}") } else { e.to_string() }).unwrap();
    assert_eq!(report.counts.created, 2);
    let all = deals(&store).await;
    let won = all.iter().find(|d| d.name == "华东实验室项目").unwrap();
    assert_eq!(won.amount.amount().to_string(), "1280000.50");
    assert_eq!(won.closed_on, chrono::NaiveDate::from_ymd_opt(2026, 5, 18));
    assert_eq!(won.created_on, chrono::NaiveDate::from_ymd_opt(2026, 2, 3).unwrap());
    let open = all.iter().find(|d| d.name == "南京试点").unwrap();
    assert_eq!((open.status, open.probability), (attain_core::sales::DealStatus::Open, 75));
    let err = import_deals(&store, "broken.xlsx", b"PK\x03\x04not really a zip", Preset::Fxiaoke, false, false).await.unwrap_err();
    assert!(err.to_string().contains("broken.xlsx"), "{err}");
});

store_test!(async fn a_mapping_file_names_columns_stages_and_the_date_layout(store) {
    org(&store).await;
    rate(&store, "EUR", "2026-01").await;
    let mapping = Mapping::parse(
        "map.toml",
        "date_format = \"%d.%m.%Y\"\ncurrency = \"EUR\"\n[columns]\nname = \"Vorgang\"\ncustomer = \"Firma\"\namount = \"Wert\"\nclose_date = \"Abschluss\"\nowner = \"Betreuer\"\nstage = \"Phase\"\n[stages]\n\"Auftrag\" = \"won\"\n\"Angebot\" = { status = \"open\", probability = 60 }\n",
    )
    .unwrap();
    let file = "Vorgang;Firma;Wert;Abschluss;Betreuer;Phase\nPumpen;Müller GmbH;1.200,50;03.04.2026;jane;Auftrag\nFilter;Müller GmbH;800;15.09.2026;jane;Angebot\n";
    let options = ImportOptions { mapping, ..ImportOptions::default() };
    let report = attain_import::import(&store, Entity::Deals, "de.csv", file.as_bytes(), &options, &|_| {}).await.unwrap();
    assert_eq!(report.counts.created, 2);
    assert!(report.columns.contains(&("name".to_owned(), Some("Vorgang".to_owned()))));
    let all = deals(&store).await;
    let pumps = all.iter().find(|d| d.name == "Pumpen").unwrap();
    assert_eq!(pumps.status, attain_core::sales::DealStatus::Won);
    assert_eq!(pumps.closed_on, chrono::NaiveDate::from_ymd_opt(2026, 4, 3));
    assert_eq!(pumps.amount.currency(), attain_core::Currency::EUR);
    assert_eq!(pumps.amount.amount().to_string(), "1200.50", "a decimal comma");
    let filters = all.iter().find(|d| d.name == "Filter").unwrap();
    assert_eq!(filters.probability, 60);
});

store_test!(async fn day_first_dates_are_recognised_from_the_file(store) {
    org(&store).await;
    let file = "Deal Name,Account Name,Deal Owner,Amount,Stage,Closing Date\nA,Acme,jane,1,Qualification,03/04/2026\nB,Acme,jane,1,Qualification,25/04/2026\n";
    import_deals(&store, "uk.csv", file.as_bytes(), Preset::Zoho, false, false).await.unwrap();
    let a = deals(&store).await.into_iter().find(|d| d.name == "A").unwrap();
    assert_eq!(a.expected_close_on, chrono::NaiveDate::from_ymd_opt(2026, 4, 3).unwrap(), "25/04 shows the file is day-first");
});

store_test!(async fn payments_refunds_and_service_data_import_and_reimport_idempotently(store) {
    org(&store).await;
    products(&store).await;
    import_orders(&store, "orders.csv", ORDERS.as_bytes()).await.unwrap();
    let files: &[(Entity, &str, &str, usize)] = &[
        (Entity::Payments, "回款.csv", "订单编号,回款日期,回款金额,回款方式\nSO-1,2026-03-20,\"1,500.00\",银行转账\nSO-1,2026-04-20,1000,银行转账\nSO-2,2026-03-30,3000,\n", 3),
        (Entity::Refunds, "refunds.csv", "Order Number,Refund Date,Refund Amount,Reason\nSO-2,2026-04-02,300,Damaged unit\n", 1),
        (Entity::Activities, "activities.csv", "Type,Date,Owner,Account Name,Subject\nCall,2026-03-02,jane,Nova Labs,Intro call\nVisit,2026-03-03,王伟,上海华信科技,现场演示\n电话,2026-03-03,王伟,上海华信科技,跟进\n", 3),
        (Entity::Tickets, "cases.csv", "Case Number,Account Name,Created Date,First Response,Resolved,Priority,Type,Subject\n00001027,Nova Labs,2026-03-05 09:00,2026-03-05 11:30,2026-03-07 17:00,High,Hardware,Analyzer error E12\n00001028,Nova Labs,2026-03-09 10:00,,,Low,Question,Manual\n", 2),
        (Entity::Surveys, "surveys.csv", "Account Name,Survey,Score,Date,Comment\nNova Labs,CSAT,4,2026-03-08,Quick fix\nNova Labs,NPS,9,2026-03-31,\n上海华信科技,NPS,6,2026-03-31,\n", 3),
        (Entity::Spend, "spend.csv", "Channel,Kind,Date,Amount,Description\nTrade Show,marketing,2026-03-15,\"20,000.00\",Analytica booth\nweb,marketing,2026-03-01,5000,Search ads\n", 2),
        (Entity::Enrolments, "training.csv", "Course,User,Assigned,Due,Completed,Score\nNegotiation basics,jane,2026-01-10,2026-02-10,2026-02-01,88\nAnalyzer X product,wang.wei@acme.cn,2026-01-10,2026-02-10,,\n", 2),
        (Entity::MarketSizes, "market.csv", "Segment,Region,Period,Market Size\nLife science,East,2026,\"500,000,000\"\nLife science,North,FY2026,300000000\n", 2),
        (Entity::ExchangeRates, "rates.csv", "Currency,Month,Rate\nUSD,2026-03,7.1234\nEUR,2026-03,7.80\n", 2),
        (Entity::Competitors, "competitors.csv", "Competitor,Website,Price Position,Strengths\nAgilent,agilent.example,higher,Brand\n岛津,shimadzu.example,similar,渠道\n", 2),
        (Entity::Territories, "territories.csv", "Territory,Parent\nChina,\nEast China,China\nShanghai,East China\n", 3),
        (Entity::Courses, "courses.csv", "Course,Type\nValue selling,skill\nAnalyzer X deep dive,product\n", 2),
    ];
    for (entity, name, text, n) in files {
        let report = import(&store, *entity, name, text.as_bytes(), Preset::Generic, false, false).await.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!((report.counts.created, report.counts.updated), (*n, 0), "{name}");
        let again = import(&store, *entity, name, text.as_bytes(), Preset::Generic, false, false).await.unwrap();
        assert_eq!((again.counts.created, again.counts.updated), (0, *n), "{name}: a re-import changes nothing");
    }
    for (table, n) in [("payments", 3), ("refunds", 1), ("activities", 3), ("tickets", 2), ("survey_responses", 3), ("spend", 2), ("enrolments", 2), ("courses", 4), ("market_sizes", 2), ("exchange_rates", 2), ("competitors", 2), ("territories", 3)] {
        assert_eq!(store.count_rows(table).await.unwrap(), n, "{table}");
    }
});

store_test!(async fn broken_files_of_every_kind_are_refused_row_by_row(store) {
    org(&store).await;
    products(&store).await;
    import_orders(&store, "orders.csv", ORDERS.as_bytes()).await.unwrap();
    let cases: &[(Entity, &str, &[&str])] = &[
        (Entity::Payments, "Order Number,Payment Date,Amount\nSO-404,2026-03-01,10\nSO-1,yesterday,10\nSO-1,2026-03-01,-5\n", &[
            "p.csv:2:Order Number: no order has this number (import the orders first) (SO-404)",
            "p.csv:3:Payment Date: not a date (expected e.g. 2026-07-14, 2026/07/14, 14/07/2026 or 2026年7月14日) (yesterday)",
            "p.csv:4:Amount: an amount cannot be negative (-5)",
        ]),
        (Entity::Surveys, "Customer,Kind,Score,Date\nAcme,csat,9,2026-01-01\nAcme,ces,3,2026-01-01\n", &[
            "p.csv:2:Score: a CSAT score is 1 to 5 (9)",
            "p.csv:3:Kind: expected csat or nps (ces)",
        ]),
        (Entity::Tickets, "Customer,Opened,Resolved,Priority\nAcme,2026-01-02 10:00,2026-01-01 10:00,high\nAcme,2026-01-02,,whenever\n", &[
            "p.csv:2:Resolved: a ticket cannot be resolved before it was opened (2026-01-01 10:00)",
            "p.csv:3:Priority: expected low, normal, high or urgent (whenever)",
        ]),
        // Issue 10, item 9: a rate of 10^28 made the KPI engine's conversion overflow.
        (Entity::ExchangeRates, "Currency,Month,Rate\nUSD,2026-03,79228162514264337593543950335\nEUR,2026-03,0\n", &[
            "p.csv:2:Rate: a rate is a positive decimal number of at most 1000000 (79228162514264337593543950335)",
            "p.csv:3:Rate: a rate is a positive decimal number of at most 1000000 (0)",
        ]),
        (Entity::Activities, "Kind,Date,Owner\ncall,2026-01-01,nobody\n", &[
            "p.csv: 1 unknown owner(s): nobody (add them as users, or import with --create-missing-owners)",
            "p.csv:2:Owner: unknown owner: no user has this login, e-mail, name or ID (nobody)",
        ]),
    ];
    for (entity, text, expected) in cases {
        let err = import(&store, *entity, "p.csv", text.as_bytes(), Preset::Generic, false, false).await.unwrap_err();
        let AppError::Import(problems) = err else { panic!("{err}") };
        let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(lines, *expected, "{entity:?}");
    }
    for table in ["payments", "survey_responses", "tickets", "activities"] {
        assert_eq!(store.count_rows(table).await.unwrap(), 0, "{table}: nothing stored");
    }
});

store_test!(async fn created_owners_are_audited_and_written_with_the_import(store) {
    org(&store).await;
    let file = "Type,Date,Owner,Owner Id\ncall,2026-01-01,Zhao Lei,0055g000ZHAO\nvisit,2026-01-02,,0055g000ZHAO\n";
    let report = import(&store, Entity::Activities, "a.csv", file.as_bytes(), Preset::Salesforce, false, true).await.unwrap();
    assert_eq!((report.counts.created, report.counts.owners_created), (2, 1), "one person, named once by name and once by ID");
    let log = store.audit_log(Some("user"), 50, None).await.unwrap();
    assert!(log.iter().any(|e| e.entity == "user" && e.actor == "import"), "{log:?}");
});

store_test!(async fn amounts_in_wan_yuan_columns_and_conflicting_currencies(store) {
    org(&store).await;
    let file = "商机名称,客户名称,销售阶段,商机金额（万元）,预计成交日期,负责人\n大单,上海华信科技,赢单,12.5,2026/05/18,王伟\n";
    import_deals(&store, "商机.csv", file.as_bytes(), Preset::Fxiaoke, false, false).await.unwrap();
    assert_eq!(deals(&store).await[0].amount.amount().to_string(), "125000.00", "a 万元 column is ten thousands");
    let file = "Deal Name,Account Name,Deal Owner,Amount,Currency,Stage,Closing Date\nX,Acme,jane,$100,EUR,Qualification,2026-01-01\n";
    let err = import_deals(&store, "d.csv", file.as_bytes(), Preset::Zoho, false, false).await.unwrap_err();
    let AppError::Import(problems) = err else { panic!("{err}") };
    assert_eq!(problems[0].to_string(), "d.csv:2:Amount: the amount is in USD but the currency column says EUR ($100)");
});

// ---------------------------------------------------------------- issue 10

/// The problems of a refused import, one line each.
fn problems_of(result: AppResult<ImportReport>) -> Vec<String> {
    match result {
        Err(AppError::Import(problems)) => problems.iter().map(ToString::to_string).collect(),
        Err(other) => panic!("expected import problems, got {other}"),
        Ok(report) => panic!("expected import problems, got {report:?}"),
    }
}

store_test!(async fn amounts_beyond_ten_trillion_are_refused_at_import_with_row_and_column(store) {
    // Issue 10, item 9: two won deals of 5×10^16 were stored and their
    // bookings overflowed every total above them.
    org(&store).await;
    let file = "Deal Name,Account Name,Deal Owner,Amount,Stage,Closing Date\n\
Huge 1,Acme,jane,50000000000000000,Closed Won,2026-03-01\n\
Huge 2,Acme,jane,\"50,000,000,000,000,000\",Closed Won,2026-03-02\n";
    let lines = problems_of(import_deals(&store, "big.csv", file.as_bytes(), Preset::Zoho, false, false).await);
    assert_eq!(lines, vec![
        "big.csv:2:Amount: 50000000000000000 is too large: amounts are at most 10000000000000.00 either side of zero (50000000000000000)",
        "big.csv:3:Amount: 50000000000000000 is too large: amounts are at most 10000000000000.00 either side of zero (50,000,000,000,000,000)",
    ]);
    assert_eq!(store.count_rows("deals").await.unwrap(), 0);
});

store_test!(async fn quantities_times_prices_beyond_the_limit_and_lines_without_any_amount_are_refused(store) {
    // Issue 10, item 9: a unit price × quantity that overflowed, and a line
    // with neither amount nor unit price, were dropped without a word.
    org(&store).await;
    products(&store).await;
    let file = "Order Number,Order Date,Customer,Owner,Product,Quantity,Unit Price,Amount\n\
SO-1,2026-01-01,Acme,jane,AN-100,1000000000,9000000,\n\
SO-2,2026-01-01,Acme,jane,AN-100,2,,\n\
SO-3,2026-01-01,Acme,jane,AN-100,1000000001,1,\n\
SO-4,2026-01-01,Acme,jane,AN-100,1,,9000000000000\n\
SO-4,2026-01-01,Acme,jane,AN-200,1,,9000000000000\n";
    let lines = problems_of(import_orders(&store, "o.csv", file.as_bytes()).await);
    assert_eq!(lines, vec![
        "o.csv:2:Unit Price: 9000000.00 CNY × 1000000000 is beyond the largest amount Attain stores (9000000)",
        "o.csv:3:Amount: a line needs an amount or a unit price ()",
        "o.csv:4:Quantity: a quantity is a whole number from 1 to 1000000000 (1000000001)",
        "o.csv:6:Amount: order SO-4's total would be beyond the largest amount Attain stores (9000000000000)",
    ]);
    assert_eq!(store.count_rows("orders").await.unwrap(), 0);
});

/// A defaulted count from a report, by its key.
fn defaulted(report: &ImportReport, key: &str) -> Option<usize> {
    report
        .defaults
        .iter()
        .find(|d| d.fallback.key() == key)
        .map(|d| d.rows)
}

/// The created records of a kind from a report: (count, first names).
fn created(report: &ImportReport, kind: &str) -> Option<(usize, Vec<String>)> {
    report
        .created
        .iter()
        .find(|c| c.kind.key() == kind)
        .map(|c| (c.count, c.first.clone()))
}

/// A report as a dry run would give it: what was written cleared.
fn as_dry_run(report: &ImportReport) -> ImportReport {
    ImportReport {
        dry_run: true,
        counts: Default::default(),
        ..report.clone()
    }
}

store_test!(async fn a_customer_source_that_names_no_channel_yet_creates_the_channel(store) {
    // Issue 10, item 5a: customers imported before the spend file (which
    // created channels) lost their channel, and new customers and CAC by
    // channel read empty.
    org(&store).await;
    let customers = "Account Name,Account Owner,Lead Source,Created Time\nNova Labs,jane,Trade Show,2026-01-05\nOrion Medical,jane,Web,2026-01-06\nInitech,jane,,2026-01-07\n";
    let dry = import(&store, Entity::Customers, "Accounts.csv", customers.as_bytes(), Preset::Zoho, true, false).await.unwrap();
    assert_eq!(created(&dry, "channels"), Some((2, vec!["Trade Show".to_owned(), "Web".to_owned()])));
    let report = import(&store, Entity::Customers, "Accounts.csv", customers.as_bytes(), Preset::Zoho, false, false).await.unwrap();
    assert_eq!(report.counts.channels_created, 2);
    assert_eq!(as_dry_run(&report), dry, "the dry run reports exactly what the import does");
    let all = store.customers_visible(&Visibility::Everything, &attain_store::CustomerFilter::default(), 0, 10).await.unwrap().items;
    let nova = all.iter().find(|c| c.name == "Nova Labs").unwrap();
    assert_eq!(nova.source_channel.as_deref(), Some("trade_show"), "the channel is kept, not dropped");
    let channels = store.records_visible("channels", &Visibility::Everything, &attain_store::RecordFilter::default(), 0, 10).await.unwrap().items;
    assert_eq!(channels.len(), 2);
    assert!(channels.iter().any(|c| c.fields.contains(&("name", attain_store::FieldValue::Text("Trade Show".into())))));

    // Deals name a channel too; the spend file then finds the channels there.
    let deals_file = "Deal Name,Account Name,Deal Owner,Amount,Stage,Closing Date,Lead Source\nBooth lead,Nova Labs,jane,100,Closed Won,2026-02-01,Partner Referral\n";
    let report = import_deals(&store, "d.csv", deals_file.as_bytes(), Preset::Zoho, false, false).await.unwrap();
    assert_eq!(created(&report, "channels"), Some((1, vec!["Partner Referral".to_owned()])));
    let spend = "Channel,Date,Amount\nTrade Show,2026-01-10,5000\n";
    let report = import(&store, Entity::Spend, "spend.csv", spend.as_bytes(), Preset::Generic, false, false).await.unwrap();
    assert_eq!(report.created, vec![], "the channel exists already");
    assert_eq!(defaulted(&report, "spend-marketing"), Some(1), "spend without a kind is marketing, said in the report");

    // New customers by channel: Nova Labs' first order counts for trade_show.
    products(&store).await;
    let orders = "Order Number,Order Date,Customer,Owner,Product,Quantity,Amount\nSO-1,2026-01-20,Nova Labs,jane,AN-100,1,1000\n";
    import_orders(&store, "o.csv", orders.as_bytes()).await.unwrap();
    let engine = attain_kpi::Engine::new(&store).await.unwrap();
    let period = engine.calendar().parse("2026-01").unwrap();
    let answer = engine.answer(&attain_kpi::KpiQuery { metric: "new_customers".into(), formula: None, period, scope: attain_kpi::Scope::Company, by: vec![attain_kpi::Dim::Channel], target: None }).await.unwrap();
    let trade_show = answer.rows.iter().find(|r| r.keys[0] == "trade_show").expect("a row for the channel");
    assert_eq!(trade_show.value, Some(rust_decimal::Decimal::ONE));
});

store_test!(async fn a_deals_file_says_which_columns_it_did_not_use_and_which_deals_have_no_creation_date(store) {
    // Issue 10, item 5b: a creation date column called created_date was
    // ignored without a word, and every deal was created on its close date.
    org(&store).await;
    let file = "name,customer,owner,amount,stage,close_date,created_date,Notes,\n\
A,Acme,jane,100,Closed Won,2026-03-31,2026-01-02,call back,\n\
B,Acme,jane,100,Closed Won,2026-03-31,,,x\n";
    let report = import_deals(&store, "d.csv", file.as_bytes(), Preset::Generic, false, false).await.unwrap();
    let a = deals(&store).await.into_iter().find(|d| d.name == "A").unwrap();
    assert_eq!(a.created_on, chrono::NaiveDate::from_ymd_opt(2026, 1, 2).unwrap(), "created_date is the creation date");
    let unused: Vec<String> = report.unused_columns.iter().map(|c| format!("{c}: {}", c.values)).collect();
    assert_eq!(unused, vec!["'Notes': 1", "column 9 (no header): 1"]);
    assert_eq!(defaulted(&report, "deal-created-on-close"), Some(1));
    let sentence = report.defaults.iter().find(|d| d.fallback.key() == "deal-created-on-close").unwrap().to_string();
    assert_eq!(sentence, "1 deals have no creation date: they were created on their close date, so their sales cycle reads 0 days");
    let dry = import_deals(&store, "d.csv", file.as_bytes(), Preset::Generic, true, false).await.unwrap();
    assert_eq!((dry.unused_columns.clone(), dry.defaults.clone()), (report.unused_columns.clone(), report.defaults.clone()), "a dry run says the same");
});

store_test!(async fn a_mapping_names_fallback_columns_and_the_first_non_empty_wins(store) {
    // Issue 10, item 5g.
    org(&store).await;
    let mapping = Mapping::parse("map.toml", "[columns]\nclose_date = [\"closed_date\", \"expected_close_date\"]\n").unwrap();
    let file = "name,customer,owner,amount,stage,closed_date,expected_close_date\n\
Won one,Acme,jane,100,Closed Won,2026-03-31,2026-02-28\n\
Open one,Acme,jane,100,Qualification,,2026-09-30\n\
Bad one,Acme,jane,100,Qualification,,someday\n";
    let options = ImportOptions { mapping, ..ImportOptions::default() };
    let lines = problems_of(attain_import::import(&store, Entity::Deals, "f.csv", file.as_bytes(), &options, &|_| {}).await);
    assert_eq!(lines, vec!["f.csv:4:expected_close_date: not a date (expected e.g. 2026-07-14, 2026/07/14, 14/07/2026 or 2026年7月14日) (someday)"], "the problem names the column the value came from");
    let file = file.lines().take(3).collect::<Vec<_>>().join("\n");
    let report = attain_import::import(&store, Entity::Deals, "f.csv", file.as_bytes(), &options, &|_| {}).await.unwrap();
    let all = deals(&store).await;
    assert_eq!(all.iter().find(|d| d.name == "Won one").unwrap().closed_on, chrono::NaiveDate::from_ymd_opt(2026, 3, 31));
    assert_eq!(all.iter().find(|d| d.name == "Open one").unwrap().expected_close_on, chrono::NaiveDate::from_ymd_opt(2026, 9, 30).unwrap());
    assert!(report.unused_columns.is_empty(), "a fallback column is used: {:?}", report.unused_columns);
    let from = report.defaults.iter().find(|d| d.fallback.key() == "from-column").unwrap();
    assert_eq!(from.to_string(), "1 rows had no close_date in its own column: it was read from 'expected_close_date'");
});

store_test!(async fn a_customer_column_holding_external_ids_finds_the_customers_and_created_ones_are_listed(store) {
    // Issue 10, item 5c: a deals file whose customer column held the
    // accounts' IDs created 392 customers named "C0343".
    org(&store).await;
    let customers = "external_id,name\nC0001,Nova Labs\nC0002,Orion Medical\n";
    import(&store, Entity::Customers, "customers.csv", customers.as_bytes(), Preset::Generic, false, false).await.unwrap();
    let mut file = String::from("name,customer,owner,amount,stage,close_date\nA,C0001,jane,1,Qualification,2026-09-30\nB,C0002,jane,1,Qualification,2026-09-30\n");
    for i in 0..12 {
        file.push_str(&format!("N{i},New Co {i:02},jane,1,Qualification,2026-09-30\n"));
    }
    let dry = import_deals(&store, "d.csv", file.as_bytes(), Preset::Generic, true, false).await.unwrap();
    let (count, first) = created(&dry, "customers").unwrap();
    assert_eq!(count, 12);
    assert_eq!(first.len(), 10, "the first ten names");
    assert_eq!(first[0], "New Co 00");
    assert_eq!(dry.created[0].to_string(), "12 customers created: New Co 00, New Co 01, New Co 02, New Co 03, New Co 04, New Co 05, New Co 06, New Co 07, New Co 08, New Co 09 and 2 more");
    let report = import_deals(&store, "d.csv", file.as_bytes(), Preset::Generic, false, false).await.unwrap();
    assert_eq!(report.counts.customers_created, 12);
    assert_eq!(as_dry_run(&report), dry);
    assert_eq!(store.count_rows("customers").await.unwrap(), 14, "no customer named C0001");
    let a = deals(&store).await.into_iter().find(|d| d.name == "A").unwrap();
    let nova = store.customers_visible(&Visibility::Everything, &attain_store::CustomerFilter::default(), 0, 20).await.unwrap().items.into_iter().find(|c| c.name == "Nova Labs").unwrap();
    assert_eq!(a.customer, nova.id);
});

store_test!(async fn order_totals_without_products_import_and_count_for_revenue(store) {
    // Issue 10, item 5d: orders without products were refused
    // ("required column 'product'").
    org(&store).await;
    products(&store).await;
    let file = "Order Number,Order Date,Customer,Owner,Amount\nSO-1,2026-03-02,Nova Labs,jane,\"1,200.50\"\nSO-2,2026-03-09,Nova Labs,jane,800\nSO-3,2026-04-01,Orion,jane,50\n";
    let report = import_orders(&store, "totals.csv", file.as_bytes()).await.unwrap();
    assert_eq!((report.counts.created, report.counts.lines), (3, 3));
    assert_eq!(defaulted(&report, "order-line-without-product"), Some(3));
    assert_eq!(defaulted(&report, "order-quantity-one"), Some(3));
    // Mixed: a line with a product and one without in one order.
    let mixed = "Order Number,Order Date,Customer,Owner,Product,Quantity,Amount\nSO-4,2026-03-15,Orion,jane,AN-100,2,2000\nSO-4,2026-03-15,Orion,jane,,1,99.50\n";
    import_orders(&store, "mixed.csv", mixed.as_bytes()).await.unwrap();
    let engine = attain_kpi::Engine::new(&store).await.unwrap();
    let march = engine.calendar().parse("2026-03").unwrap();
    let revenue = engine.answer(&attain_kpi::KpiQuery { metric: "revenue".into(), formula: None, period: march, scope: attain_kpi::Scope::Company, by: vec![], target: None }).await.unwrap();
    // By hand: 1,200.50 + 800 + 2,000 + 99.50 in March.
    assert_eq!(revenue.rows[0].value, Some("4100.00".parse().unwrap()));
    let by_product = engine.answer(&attain_kpi::KpiQuery { metric: "revenue".into(), formula: None, period: march, scope: attain_kpi::Scope::Company, by: vec![attain_kpi::Dim::Product], target: None }).await.unwrap();
    let total: rust_decimal::Decimal = by_product.rows.iter().filter_map(|r| r.value).sum();
    assert_eq!(total, "2000.00".parse().unwrap(), "lines without a product count for no product");
    // Products without a list price, with the defaults said.
    let file = "sku,name\nSRV-1,Service visit\n";
    let report = import(&store, Entity::Products, "p.csv", file.as_bytes(), Preset::Generic, false, false).await.unwrap();
    assert_eq!(report.counts.created, 1);
    assert_eq!((defaulted(&report, "product-list-price-zero"), defaulted(&report, "product-cost-zero"), defaulted(&report, "product-uncategorised")), (Some(1), Some(1), Some(1)));
});

store_test!(async fn enrolments_say_which_courses_they_create_and_a_missing_parent_territory_is_a_row_problem(store) {
    // Issue 10, item 5a: courses were created for enrolments without a
    // word, and a territory naming an unknown parent failed the whole
    // import without naming its row.
    org(&store).await;
    let file = "Course,User,Assigned,Due\nNegotiation basics,jane,2026-01-10,2026-02-10\nNegotiation basics,wang.wei,2026-01-10,2026-02-10\nValue selling,jane,2026-01-10,2026-02-10\n";
    let report = import(&store, Entity::Enrolments, "e.csv", file.as_bytes(), Preset::Generic, false, false).await.unwrap();
    assert_eq!(created(&report, "courses"), Some((2, vec!["Negotiation basics".to_owned(), "Value selling".to_owned()])));
    assert_eq!(report.counts.courses_created, 2);
    let file = "Territory,Parent\nChina,\nShanghai,East China\n";
    let lines = problems_of(import(&store, Entity::Territories, "t.csv", file.as_bytes(), Preset::Generic, false, false).await);
    assert_eq!(lines, vec!["t.csv:3:Parent: no territory has this name, here or in the file (East China)"]);
    let file = "Territory,Parent\nShanghai,East China\nEast China,China\nChina,\n";
    let report = import(&store, Entity::Territories, "t.csv", file.as_bytes(), Preset::Generic, false, false).await.unwrap();
    assert_eq!(report.counts.created, 3, "a parent may come later in the file");
});

store_test!(async fn a_new_customer_named_once_by_id_and_once_by_name_is_created_once(store) {
    // The write used to look names up only among the customers that
    // existed before the import, so the second row created a twin.
    org(&store).await;
    let file = "name,customer,customer_external_id,owner,amount,stage,close_date\nA,Zenith Ltd,Z-1,jane,1,Qualification,2026-09-30\nB,Zenith Ltd,,jane,1,Qualification,2026-09-30\n";
    let report = import_deals(&store, "d.csv", file.as_bytes(), Preset::Generic, false, false).await.unwrap();
    assert_eq!((report.counts.customers_created, created(&report, "customers").map(|c| c.0)), (1, Some(1)));
    assert_eq!(store.count_rows("customers").await.unwrap(), 1);
});

store_test!(async fn customers_without_a_creation_date_or_status_say_what_they_were_given(store) {
    org(&store).await;
    let file = "name,status,created\nA,,\nB,active,2025-01-01\n";
    let report = import(&store, Entity::Customers, "c.csv", file.as_bytes(), Preset::Generic, false, false).await.unwrap();
    assert_eq!((defaulted(&report, "customer-created-today"), defaulted(&report, "customer-prospect")), (Some(1), Some(1)));
});

store_test!(async fn a_refund_beyond_what_is_left_of_its_order_is_refused_naming_what_is_left(store) {
    // Issue 10, item 5e: a refund of 40,000 on a 30,000 order was accepted
    // and drove the credited amount negative.
    org(&store).await;
    let orders = "Order Number,Order Date,Customer,Owner,Amount\nSO-1,2026-03-01,Nova Labs,jane,30000\nSO-2,2026-03-01,Nova Labs,jane,1000\n";
    import_orders(&store, "o.csv", orders.as_bytes()).await.unwrap();
    let lines = problems_of(import(&store, Entity::Refunds, "r.csv", b"Order Number,Refund Date,Refund Amount\nSO-1,2026-03-05,40000\n", Preset::Generic, false, false).await);
    assert_eq!(lines, vec!["r.csv:2:Refund Amount: is more than is left to refund of order SO-1: 30000.00 (its total less earlier refunds) (40000)"]);
    // Stored refunds and earlier rows of the same file count.
    let first = "Order Number,Refund Date,Refund Amount\nSO-1,2026-03-05,5000\n";
    import(&store, Entity::Refunds, "r1.csv", first.as_bytes(), Preset::Generic, false, false).await.unwrap();
    let second = "Order Number,Refund Date,Refund Amount\nSO-1,2026-03-06,20000\nSO-2,2026-03-06,1000\nSO-1,2026-03-07,6000\n";
    let lines = problems_of(import(&store, Entity::Refunds, "r2.csv", second.as_bytes(), Preset::Generic, false, false).await);
    assert_eq!(lines, vec!["r2.csv:4:Refund Amount: is more than is left to refund of order SO-1: 5000.00 (its total less earlier refunds) (6000)"]);
    assert_eq!(store.count_rows("refunds").await.unwrap(), 1, "nothing of the refused file is stored");
    // A re-import replaces its own refunds rather than counting them twice.
    let again = import(&store, Entity::Refunds, "r1.csv", first.as_bytes(), Preset::Generic, false, false).await.unwrap();
    assert_eq!(again.counts.updated, 1);
    let lines = problems_of(import(&store, Entity::Refunds, "r3.csv", b"Order Number,Refund Date,Refund Amount\nSO-2,2026-03-06,USD 10\n", Preset::Generic, false, false).await);
    assert_eq!(lines, vec!["r3.csv:2:Refund Amount: order SO-2 is in CNY; a refund of it must be too (USD 10)"]);
});

/// The rows of a fixture as header → value maps, read independently of the importer.
fn fixture_rows(bytes: &[u8]) -> Vec<std::collections::HashMap<String, String>> {
    let text = std::str::from_utf8(bytes)
        .unwrap()
        .trim_start_matches('\u{feff}');
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    reader
        .records()
        .map(|r| {
            header
                .iter()
                .cloned()
                .zip(r.unwrap().iter().map(str::to_owned))
                .collect()
        })
        .collect()
}

fn count_where(
    rows: &[std::collections::HashMap<String, String>],
    keep: impl Fn(&std::collections::HashMap<String, String>) -> bool,
) -> usize {
    rows.iter().filter(|r| keep(r)).count()
}

async fn activities_kpi(store: &Store) -> Option<rust_decimal::Decimal> {
    let engine = attain_kpi::Engine::new(store).await.unwrap();
    let period = engine.calendar().parse("2021-01-01..2024-12-31").unwrap();
    let q = attain_kpi::KpiQuery {
        metric: "activities".into(),
        formula: None,
        period,
        scope: attain_kpi::Scope::Company,
        by: vec![],
        target: None,
    };
    engine.answer(&q).await.unwrap().rows[0].value
}

store_test!(async fn a_salesforce_export_imports_every_row_of_its_five_files(store) {
    // Issue 10, item 5f: of a real export of a Salesforce org, only the
    // accounts went in: empty IsClosed/IsWon were "expected true or false",
    // contacts without an account and cases naming only a contact "need a
    // customer", tasks about an account named "no deal", and TaskSubtype
    // "Task" was no kind. See fixtures/salesforce/SOURCE.md.
    org(&store).await;
    let account = include_bytes!("fixtures/salesforce/Account.csv");
    let contact = include_bytes!("fixtures/salesforce/Contact.csv");
    let opportunity = include_bytes!("fixtures/salesforce/Opportunity.csv");
    let case = include_bytes!("fixtures/salesforce/Case.csv");
    let task = include_bytes!("fixtures/salesforce/Task.csv");
    let (accounts, contacts, opportunities, cases, tasks) = (fixture_rows(account), fixture_rows(contact), fixture_rows(opportunity), fixture_rows(case), fixture_rows(task));
    let run = |entity, file, bytes: &'static [u8]| {
        let store = store.clone();
        async move {
            let dry = import(&store, entity, file, bytes, Preset::Salesforce, true, true).await.unwrap_or_else(|e| panic!("{file}: {e:?}"));
            let report = import(&store, entity, file, bytes, Preset::Salesforce, false, true).await.unwrap_or_else(|e| panic!("{file}: {e:?}"));
            assert_eq!(as_dry_run(&report), dry, "{file}: the dry run reports what the import does");
            assert_eq!((report.rows, report.counts.created), (bytes_rows(bytes), bytes_rows(bytes)), "{file}");
            report
        }
    };
    fn bytes_rows(bytes: &[u8]) -> usize {
        fixture_rows(bytes).len()
    }

    let report = run(Entity::Customers, "Account.csv", account).await;
    assert_eq!(report.owners_created, vec!["005Ec000004o8yHIAQ".to_owned(), "005Ec000004oBPNIA2".to_owned()]);
    let website = report.unused_columns.iter().find(|c| c.header == "Website").expect("Website is listed as unused");
    assert_eq!(website.values, count_where(&accounts, |r| !r["Website"].is_empty()));

    let report = run(Entity::Contacts, "Contact.csv", contact).await;
    assert_eq!(defaulted(&report, "contact-without-customer"), Some(count_where(&contacts, |r| r["AccountId"].is_empty())));
    assert_eq!(defaulted(&report, "contact-without-customer"), Some(84));
    assert!(report.created.is_empty(), "every AccountId names an imported account: {:?}", report.created);

    let report = run(Entity::Deals, "Opportunity.csv", opportunity).await;
    let empty = |column: &str| report.defaults.iter().find(|d| d.fallback == attain_import::Fallback::EmptyIsFalse { column: column.into() }).map(|d| d.rows);
    assert_eq!(empty("IsClosed"), Some(count_where(&opportunities, |r| r["IsClosed"].is_empty())));
    assert_eq!(empty("IsWon"), Some(count_where(&opportunities, |r| r["IsWon"].is_empty())));
    assert!(report.created.is_empty(), "{:?}", report.created);
    let all = deals(&store).await;
    let won = all.iter().filter(|d| d.status == attain_core::sales::DealStatus::Won).count();
    assert_eq!(won, count_where(&opportunities, |r| r["IsWon"] == "1"));
    let lost = all.iter().filter(|d| d.status == attain_core::sales::DealStatus::Lost).count();
    assert_eq!(lost, count_where(&opportunities, |r| r["IsClosed"] == "1" && r["IsWon"].is_empty()));

    let report = run(Entity::Tickets, "Case.csv", case).await;
    let contact_account: std::collections::HashMap<&str, &str> = contacts.iter().map(|r| (r["Id"].as_str(), r["AccountId"].as_str())).collect();
    let without = count_where(&cases, |r| r["AccountId"].is_empty() && contact_account[r["ContactId"].as_str()].is_empty());
    let through_contact = count_where(&cases, |r| r["AccountId"].is_empty() && !contact_account[r["ContactId"].as_str()].is_empty());
    assert_eq!(defaulted(&report, "ticket-without-customer"), Some(without));
    assert_eq!(defaulted(&report, "ticket-customer-of-contact"), Some(through_contact).filter(|n| *n > 0));
    assert_eq!(without + through_contact, 26);

    let report = run(Entity::Activities, "Task.csv", task).await;
    assert_eq!(defaulted(&report, "activity-other"), Some(tasks.len()), "TaskSubtype 'Task' is a to-do: kept as other");
    assert!(report.notes.iter().any(|n| n.ends_with("kept as 'other' (no call, visit, meeting or e-mail): Task")), "{:?}", report.notes);
    assert_eq!(defaulted(&report, "activity-with-lead"), Some(count_where(&tasks, |r| r["WhoId"].starts_with("00Q"))));
    let type_c = report.unused_columns.iter().find(|c| c.header == "Type__c").expect("the org's own type column is listed");
    assert_eq!(type_c.values, tasks.len());

    for (table, rows) in [("customers", accounts.len()), ("contacts", contacts.len()), ("deals", opportunities.len()), ("tickets", cases.len()), ("activities", tasks.len())] {
        assert_eq!(store.count_rows(table).await.unwrap(), rows as i64, "{table}: every row is stored");
    }
    let stored = store.records_visible("activities", &Visibility::Everything, &attain_store::RecordFilter::default(), 0, 100).await.unwrap().items;
    let with = |field: &str| stored.iter().filter(|r| !matches!(r.fields.iter().find(|(n, _)| *n == field).unwrap().1, attain_store::FieldValue::Null)).count();
    assert_eq!(with("contact_id"), count_where(&tasks, |r| r["WhoId"].starts_with("003")), "tasks with a contact keep it");
    assert_eq!(with("lead_external_id"), count_where(&tasks, |r| r["WhoId"].starts_with("00Q")));
    assert!(with("customer_id") >= count_where(&tasks, |r| r["WhatId"].starts_with("001")), "a WhatId naming an account is the activity's customer");

    // To-dos are no sales activities; with the org's own type column
    // mapped, calls, meetings and e-mails count (and the rollups kept by
    // the import equal a rebuild).
    assert_eq!(activities_kpi(&store).await, Some(rust_decimal::Decimal::ZERO));
    let mapping = Mapping::parse("task.toml", "[columns]\nkind = [\"Type__c\", \"TaskSubtype\"]\n").unwrap();
    let options = ImportOptions { preset: Preset::Salesforce, mapping, ..ImportOptions::default() };
    let report = attain_import::import(&store, Entity::Activities, "Task.csv", task, &options, &|_| {}).await.unwrap();
    assert_eq!(report.counts.updated, tasks.len());
    let counted = count_where(&tasks, |r| ["Call", "Email", "Meeting"].contains(&r["Type__c"].as_str()));
    assert_eq!(activities_kpi(&store).await, Some(rust_decimal::Decimal::from(counted)));
    store.rebuild_rollups().await.unwrap();
    assert_eq!(activities_kpi(&store).await, Some(rust_decimal::Decimal::from(counted)));
});

store_test!(async fn order_statuses_nobody_knows_are_named_in_the_report(store) {
    // An order status other than cancelled was read as confirmed without a word.
    org(&store).await;
    let file = "Order Number,Order Date,Customer,Owner,Amount,Status\nSO-1,2026-03-01,Acme,jane,10,Draft\nSO-2,2026-03-01,Acme,jane,10,Cancelled\nSO-3,2026-03-01,Acme,jane,10,Delivered\n";
    let report = import_orders(&store, "o.csv", file.as_bytes()).await.unwrap();
    assert!(report.notes.contains(&"order statuses read as confirmed (only cancelled orders count for nothing): Draft".to_owned()), "{:?}", report.notes);
});

store_test!(async fn rows_exported_as_deleted_are_skipped_and_counted_for_every_entity(store) {
    // Found while importing real exports: IsDeleted was honoured for deals
    // only, so an "export all" brought deleted accounts and contacts back.
    // Salesforce's weekly export writes an empty lookup as 000000000000000AAA.
    org(&store).await;
    let accounts = b"Id,IsDeleted,Name,OwnerId\n001A,0,Kept Account,\n001B,1,Deleted Account,\n001C,,Also Kept,\n";
    let report = import(&store, Entity::Customers, "Account.csv", accounts, Preset::Salesforce, false, true).await.unwrap();
    assert_eq!((report.rows, report.counts.created), (3, 2));
    assert!(report.notes.iter().any(|n| n == "1 rows marked deleted (IsDeleted) were skipped"), "{:?}", report.notes);
    assert!(report.unused_columns.iter().all(|c| c.header != "IsDeleted"), "the column was read");
    let contacts = b"\"Id\",\"IsDeleted\",\"AccountId\",\"LastName\"\n\"003A\",\"0\",\"000000000000000AAA\",\"Private\"\n\"003B\",\"1\",\"001A\",\"Gone\"\n\"003C\",\"0\",\"001A\",\"Works There\"\n";
    let report = import(&store, Entity::Contacts, "Contact.csv", contacts, Preset::Salesforce, false, true).await.unwrap();
    assert_eq!((report.rows, report.counts.created), (3, 2), "{:?}", report.notes);
    assert_eq!(store.count_rows("contacts").await.unwrap(), 2);
    assert_eq!(store.count_rows("customers").await.unwrap(), 2, "no customer named 000000000000000AAA was created");
});

store_test!(async fn amounts_with_more_decimals_than_their_currency_are_rounded_and_counted(store) {
    // Found while importing: 1,234.567 yuan was stored as 1,234.57 without a word.
    org(&store).await;
    let deals = b"name,customer,owner,amount,stage,close_date,created\nA,Nova,ana,1234.567,Closed Won,2026-03-31,2026-01-05\nB,Nova,ana,10.005,Closed Won,2026-03-31,2026-01-05\nC,Nova,ana,99.99,Closed Won,2026-03-31,2026-01-05\n";
    let report = import(&store, Entity::Deals, "deals.csv", deals, Preset::Generic, false, true).await.unwrap();
    let rounded = report.defaults.iter().find(|d| d.fallback.key() == "amount-rounded").expect("the rounding is reported");
    assert_eq!(rounded.rows, 2);
    assert_eq!(rounded.to_string(), "2 amounts in 'amount' have more decimals than their currency keeps: rounded half-even to its smallest unit");
});

store_test!(async fn concurrent_imports_queue_instead_of_failing_or_duplicating_customers(store) {
    // Found by attack: two concurrent bulk writes ended in "database is
    // locked" on SQLite, and on PostgreSQL in a duplicate rollup key or
    // 6,000 customers for 3,000 names.
    org(&store).await;
    let file = |tag: &str| {
        let mut csv = String::from("external_id,name,customer,owner,amount,stage,close_date,created\n");
        for i in 0..1500 {
            csv.push_str(&format!("{tag}-{i},Deal {i},Shared Customer {},ana,{},Closed Won,2026-03-{:02},2026-01-05\n", i % 300, 100 + i, 1 + i % 28));
        }
        csv
    };
    let (a, b, c) = (file("A"), file("B"), file("C"));
    let run = |text: String| {
        let store = store.clone();
        tokio::spawn(async move { import(&store, Entity::Deals, "deals.csv", text.as_bytes(), Preset::Generic, false, true).await })
    };
    let (ra, rb, rc) = (run(a), run(b), run(c));
    for r in [ra.await.unwrap(), rb.await.unwrap(), rc.await.unwrap()] {
        r.unwrap();
    }
    assert_eq!(store.count_rows("deals").await.unwrap(), 4500);
    assert_eq!(store.count_rows("customers").await.unwrap(), 300, "each customer created once");
    let kept = store.count_rows("kpi_owner_day").await.unwrap();
    store.rebuild_rollups().await.unwrap();
    assert_eq!(store.count_rows("kpi_owner_day").await.unwrap(), kept, "rollups kept by the three imports equal a rebuild");
});

// ------------------------------------------------------- attack session 2

store_test!(async fn a_utf8_deals_file_with_one_bad_byte_is_not_read_as_chinese_excel(store) {
    // H2: a Chinese UTF-8 file with one byte 0x80 was decoded whole as
    // GB18030: customers named 鍖椾含鍗庝负瀹㈡埛0 and 赢单 read as 璧㈠崟 (open).
    org(&store).await;
    let mut file = String::from("商机名称,客户名称,销售阶段,商机金额（元）,预计成交日期,负责人\n");
    for i in 0..5 {
        file.push_str(&format!("项目{i},北京华为客户{i},赢单,1000,2026/05/18,王伟\n"));
    }
    let mut bytes = file.into_bytes();
    bytes.extend_from_slice(b"Bad row,Acme\x80,\xE8\xB5\xA2\xE5\x8D\x95,1000,2026/05/18,jane\n");
    let lines = problems_of(import_deals(&store, "商机.csv", &bytes, Preset::Fxiaoke, false, false).await);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].starts_with("商机.csv:7:客户名称: byte 0x80 cannot be read as UTF-8"), "{lines:?}");
    // Without the bad row the file is UTF-8 and 赢单 is won.
    let cut = bytes.len() - b"Bad row,Acme\x80,\xE8\xB5\xA2\xE5\x8D\x95,1000,2026/05/18,jane\n".len();
    let report = import_deals(&store, "商机.csv", &bytes[..cut], Preset::Fxiaoke, false, false).await.unwrap();
    assert!(report.notes.iter().all(|n| !n.contains("GB18030")), "{:?}", report.notes);
    let all = deals(&store).await;
    assert_eq!(all.len(), 5);
    assert!(all.iter().all(|d| d.status == attain_core::sales::DealStatus::Won && d.stage == "赢单"));
    let customers = store.customers_visible(&Visibility::Everything, &attain_store::CustomerFilter::default(), 0, 10).await.unwrap().items;
    assert!(customers.iter().any(|c| c.name == "北京华为客户0"), "{customers:?}");
});

store_test!(async fn a_latin1_file_reads_rightly_when_the_mapping_names_its_encoding(store) {
    // H2: a Latin-1 file turned Müller GmbH into M黮ler GmbH.
    org(&store).await;
    let bytes = b"name,customer,owner,amount,stage,close_date\nPumpen,M\xFCller GmbH,jane,100,Closed Won,2026-03-31\n";
    let lines = problems_of(import_deals(&store, "de.csv", bytes, Preset::Generic, false, false).await);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].starts_with("de.csv:2:customer: byte 0xFC cannot be read as UTF-8"), "{lines:?}");
    let mapping = Mapping::parse("map.toml", "encoding = \"windows-1252\"\n").unwrap();
    let options = ImportOptions { mapping, ..ImportOptions::default() };
    attain_import::import(&store, Entity::Deals, "de.csv", bytes, &options, &|_| {}).await.unwrap();
    let customers = store.customers_visible(&Visibility::Everything, &attain_store::CustomerFilter::default(), 0, 10).await.unwrap().items;
    assert_eq!(customers[0].name, "Müller GmbH");
    let err = Mapping::parse("map.toml", "encoding = \"ebcdic\"\n").unwrap_err();
    assert!(err.message.contains("expected utf-8, gb18030 or windows-1252"), "{err}");
});

store_test!(async fn a_gbk_file_says_it_was_read_as_gb18030(store) {
    org(&store).await;
    let text = "商机名称,客户名称,销售阶段,商机金额（元）,预计成交日期,负责人\n华东实验室项目,上海华信科技有限公司,赢单,1000,2026/05/18,王伟\n";
    let (gbk, _, _) = encoding_rs::GBK.encode(text);
    let report = import_deals(&store, "商机.csv", &gbk, Preset::Fxiaoke, false, false).await.unwrap();
    assert!(report.notes.contains(&"read as GB18030 (Chinese Excel); if names look wrong, save the file as UTF-8".to_owned()), "{:?}", report.notes);
});

store_test!(async fn stages_that_only_contain_a_won_word_are_open_and_named_in_the_note(store) {
    // H3: 未成交, 待成交, 预计成交, Won't pursue and Not won were stored as
    // won with probability 100 because stages were matched by substring.
    org(&store).await;
    let mut file = String::from("name,customer,owner,amount,stage,close_date\n");
    for (i, stage) in ["未成交", "待成交", "预计成交", "Won't pursue", "Not won", "closed  WON", "赢单"].iter().enumerate() {
        file.push_str(&format!("D{i},Acme,jane,100,{stage},2026-09-30\n"));
    }
    for preset in [Preset::Generic, Preset::Fxiaoke] {
        let report = import_deals(&store, "d.csv", file.as_bytes(), preset, true, false).await.unwrap();
        let note = report.notes.iter().find(|n| n.starts_with("stages read as open")).unwrap_or_else(|| panic!("{:?}", report.notes));
        for stage in ["未成交", "待成交", "预计成交", "Won't pursue", "Not won"] {
            assert!(note.contains(stage), "{preset:?}: {note}");
        }
    }
    import_deals(&store, "d.csv", file.as_bytes(), Preset::Generic, false, false).await.unwrap();
    let all = deals(&store).await;
    let status = |name: &str| {
        let d = all.iter().find(|d| d.name == name).unwrap();
        (d.status, d.probability)
    };
    use attain_core::sales::DealStatus::{Open, Won};
    for name in ["D0", "D1", "D2", "D3", "D4"] {
        assert_eq!(status(name), (Open, 10), "{name}");
    }
    assert_eq!(status("D5"), (Won, 100), "an exact name, whatever its case and spaces");
    assert_eq!(status("D6"), (Won, 100));
});

store_test!(async fn european_amounts_are_read_with_the_decimal_comma_their_file_shows(store) {
    // H4: a ';'-delimited EUR file with 12.345,67, 1.000, 2.500 and 999,50
    // stored 12,345.67, 1.00, 2.50 and 999.50.
    org(&store).await;
    rate(&store, "EUR", "2026-01").await;
    let file = "name;customer;owner;amount;currency;stage;close_date\nA;Müller GmbH;jane;12.345,67;EUR;Closed Won;2026-03-31\nB;Müller GmbH;jane;1.000;EUR;Closed Won;2026-03-31\nC;Müller GmbH;jane;2.500;EUR;Closed Won;2026-03-31\nD;Müller GmbH;jane;999,50;EUR;Closed Won;2026-03-31\n";
    let report = import_deals(&store, "eur.csv", file.as_bytes(), Preset::Generic, false, false).await.unwrap();
    assert!(report.notes.iter().any(|n| n.starts_with("numbers such as 1.000 were read with ',' as their decimal mark")), "{:?}", report.notes);
    let amount = |name: &str, all: &[attain_core::sales::Deal]| all.iter().find(|d| d.name == name).unwrap().amount.amount().to_string();
    let all = deals(&store).await;
    assert_eq!([amount("A", &all), amount("B", &all), amount("C", &all), amount("D", &all)], ["12345.67", "1000.00", "2500.00", "999.50"]);
});

store_test!(async fn ambiguous_amounts_are_read_by_the_mark_the_file_or_the_mapping_shows_else_as_thousands(store) {
    // H4: nothing in this file shows whether 1.000 is a thousand or one,
    // and 1.234 silently became 1.23. Read as thousands (amounts are not
    // written with three decimals), and the report says so.
    org(&store).await;
    let file = "name,customer,owner,amount,stage,close_date\nA,Acme,jane,1.000,Closed Won,2026-03-31\nB,Acme,jane,5000,Closed Won,2026-03-31\nC,Acme,jane,1.234,Closed Won,2026-03-31\n";
    let report = import_deals(&store, "d.csv", file.as_bytes(), Preset::Generic, true, false).await.unwrap();
    assert!(report.notes.iter().any(|n| n.contains("numbers such as 1.000 were read as whole thousands")), "{:?}", report.notes);
    // Values that show the mark both ways leave nothing to decide by: refused.
    let conflicting = format!("{file}D,Acme,jane,\"2,50\",Closed Won,2026-03-31\nE,Acme,jane,99.95,Closed Won,2026-03-31\n");
    let lines = problems_of(import_deals(&store, "d.csv", conflicting.as_bytes(), Preset::Generic, true, false).await);
    assert!(lines.iter().any(|l| l.starts_with("d.csv:2:amount: is ambiguous: it could be 1000 or 1, and the file's amounts use both")), "{lines:?}");
    assert_eq!(store.count_rows("deals").await.unwrap(), 0);
    // A value that shows the point decides: 1.234 is then one and a bit,
    // stored rounded and counted as rounded.
    let decided = format!("{file}D,Acme,jane,99.95,Closed Won,2026-03-31\n");
    let report = import_deals(&store, "d.csv", decided.as_bytes(), Preset::Generic, true, false).await.unwrap();
    assert_eq!(defaulted(&report, "amount-rounded"), Some(1));
    // A mapping file may say.
    let mapping = Mapping::parse("map.toml", "decimal = \",\"\n").unwrap();
    let options = ImportOptions { mapping, ..ImportOptions::default() };
    attain_import::import(&store, Entity::Deals, "d.csv", file.as_bytes(), &options, &|_| {}).await.unwrap();
    let all = deals(&store).await;
    assert_eq!(all.iter().find(|d| d.name == "C").unwrap().amount.amount().to_string(), "1234.00");
    assert!(Mapping::parse("map.toml", "decimal = \"x\"\n").is_err());
    // Exchange rates read their decimal comma too (7,80 was read as 780).
    let report = import(&store, Entity::ExchangeRates, "r.csv", b"Currency;Month;Rate\nEUR;2026-03;7,80\nUSD;2026-03;7,1234\n", Preset::Generic, false, false).await.unwrap();
    assert_eq!(report.counts.created, 2);
    let rates = store.exchange_rates().await.unwrap();
    assert_eq!(rates[&("EUR".to_owned(), "2026-03".to_owned())], "7.8");
});

store_test!(async fn a_nul_character_in_a_cell_is_a_problem_of_its_row_on_both_backends(store) {
    // M2: on PostgreSQL a NUL failed the whole import with "invalid byte
    // sequence for encoding UTF8: 0x00"; SQLite stored it silently.
    org(&store).await;
    let file = b"name,customer,owner,amount,stage,close_date\nGood,Acme,jane,1,Closed Won,2026-03-31\nBad\0name,Acme,jane,1,Closed Won,2026-03-31\n";
    let lines = problems_of(import_deals(&store, "d.csv", file, Preset::Generic, false, false).await);
    assert_eq!(lines, vec!["d.csv:3:name: contains a NUL character (0x00), which Attain does not store (Bad\\0name)"]);
    // The JSON API's path: a table handed to import_table.
    let table = attain_import::Table {
        file: "body".into(),
        header: ["name", "customer", "owner", "amount", "stage", "close_date"].map(String::from).to_vec(),
        rows: vec![(1, ["X", "Acme\0", "jane", "1", "Closed Won", "2026-03-31"].map(String::from).to_vec())],
        notes: Vec::new(),
    };
    let lines = problems_of(attain_import::import_table(&store, Entity::Deals, table, Vec::new(), &ImportOptions::default(), &|_| {}).await);
    assert_eq!(lines, vec!["body:1:customer: contains a NUL character (0x00), which Attain does not store (Acme\\0)"]);
    assert_eq!(store.count_rows("deals").await.unwrap(), 0);
    assert_eq!(store.count_rows("customers").await.unwrap(), 0);
});

store_test!(async fn dates_before_1900_or_after_2199_are_refused_naming_row_column_and_value(store) {
    // M4: 0001-01-01, 0026-05-01 (a typo for 2026), 0999-12-31 and
    // 9999-12-31 imported silently and never appeared in any KPI.
    org(&store).await;
    let file = "name,customer,owner,amount,stage,close_date\nA,Acme,jane,1,Closed Won,0001-01-01\nB,Acme,jane,1,Closed Won,0026-05-01\nC,Acme,jane,1,Closed Won,0999-12-31\nD,Acme,jane,1,Closed Won,9999-12-31\nE,Acme,jane,1,Closed Won,2026-05-01\n";
    let lines = problems_of(import_deals(&store, "d.csv", file.as_bytes(), Preset::Generic, false, false).await);
    let expected: Vec<String> = [(2, "0001-01-01"), (3, "0026-05-01"), (4, "0999-12-31"), (5, "9999-12-31")]
        .iter()
        .map(|(row, value)| format!("d.csv:{row}:close_date: a date before 1900-01-01 or after 2199-12-31 is refused (a typo for another year, or a placeholder?) ({value})"))
        .collect();
    assert_eq!(lines, expected);
    let lines = problems_of(import(&store, Entity::ExchangeRates, "r.csv", b"Currency,Month,Rate\nUSD,0026-05,7.1\n", Preset::Generic, false, false).await);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].starts_with("r.csv:2:Month: a date before 1900-01-01"), "{lines:?}");
    let lines = problems_of(import(&store, Entity::Tickets, "t.csv", b"Customer,Opened,Priority\nAcme,9999-12-31T10:00:00Z,high\n", Preset::Generic, false, false).await);
    assert!(lines[0].starts_with("t.csv:2:Opened: a date before 1900-01-01"), "{lines:?}");
    assert_eq!(store.count_rows("deals").await.unwrap(), 0);
});

/// Adds an active rep.
async fn person(
    store: &Store,
    login: &str,
    name: &str,
    email: Option<&str>,
) -> attain_core::UserId {
    let unit = store.org_units().await.unwrap()[0].id;
    let account = NewAccount {
        login: Login::new(login).unwrap(),
        display_name: name.into(),
        email: email.map(str::to_owned),
        unit,
        role: Role::Rep,
        password: Some("Quota-2026-xyz".into()),
        external_id: None,
    };
    users::create_user(store, &Actor::named("test"), None, account)
        .await
        .unwrap()
        .0
        .id
}

store_test!(async fn an_owner_name_two_people_share_is_a_problem_listing_their_logins(store) {
    // M5: with two users displayed as 张伟, a deal owned by 张伟 went to
    // the first of them without a word.
    org(&store).await;
    person(&store, "zhang.wei", "张伟", None).await;
    person(&store, "zhang.wei2", "张伟", None).await;
    let file = "name,customer,owner,amount,stage,close_date\nA,Acme,张伟,1,Closed Won,2026-03-31\nB,Acme,zhang.wei2,1,Closed Won,2026-03-31\n";
    let lines = problems_of(import_deals(&store, "d.csv", file.as_bytes(), Preset::Generic, false, true).await);
    assert_eq!(lines, vec!["d.csv:2:owner: more than one person could be meant: '张伟' is the name of several people (zhang.wei, zhang.wei2): write the login of the one meant (张伟)"]);
    assert_eq!(store.count_rows("users").await.unwrap(), 4, "nobody was created for the shared name");
    let enrolments = "Course,User,Assigned,Due\nValue selling,张伟,2026-01-10,2026-02-10\n";
    let lines = problems_of(import(&store, Entity::Enrolments, "e.csv", enrolments.as_bytes(), Preset::Generic, false, false).await);
    assert!(lines[0].contains("(zhang.wei, zhang.wei2)"), "{lines:?}");
});

store_test!(async fn a_login_is_matched_before_another_persons_e_mail(store) {
    // M5: after user 52's e-mail was set to min.zhao4, owner min.zhao4 was
    // credited to user 52 instead of the user whose login it is.
    org(&store).await;
    let min = person(&store, "min.zhao4", "Min Zhao", Some("min@acme.cn")).await;
    // A later user whose e-mail field holds the first one's login.
    let other = person(&store, "li.na", "Li Na", Some("min.zhao4")).await;
    let file = "name,customer,owner,amount,stage,close_date\nA,Acme,min.zhao4,1,Closed Won,2026-03-31\nB,Acme,MIN@acme.cn,1,Closed Won,2026-03-31\nC,Acme,Li Na,1,Closed Won,2026-03-31\n";
    import_deals(&store, "d.csv", file.as_bytes(), Preset::Generic, false, false).await.unwrap();
    let all = deals(&store).await;
    let owner = |name: &str| all.iter().find(|d| d.name == name).unwrap().owner;
    assert_eq!((owner("A"), owner("B"), owner("C")), (min, min, other));
});

store_test!(async fn money_in_a_currency_without_an_exchange_rate_for_its_month_is_refused_by_row(store) {
    // H6: one JPY order without an exchange rate imported without a word,
    // and afterwards company-wide KPIs, goal pages and payout runs failed
    // with "no exchange rate for JPY".
    org(&store).await;
    let orders = "Order Number,Order Date,Customer,Owner,Amount,Currency,Status\nSO-1,2026-06-15,Acme,jane,10000,JPY,\nSO-2,2026-06-15,Acme,jane,100,CNY,\nSO-3,2026-06-15,Acme,jane,500,JPY,Cancelled\n";
    let lines = problems_of(import_orders(&store, "o.csv", orders.as_bytes()).await);
    assert_eq!(lines, vec!["o.csv:2:Currency: no exchange rate for JPY on or before 2026-06: import exchange rates for JPY first (JPY)"]);
    let deals_file = "name,customer,owner,amount,stage,close_date\nA,Acme,jane,JPY 5000,Closed Won,2026-06-30\nB,Acme,jane,JPY 0,Qualification,2026-06-30\n";
    let lines = problems_of(import_deals(&store, "d.csv", deals_file.as_bytes(), Preset::Generic, false, false).await);
    assert_eq!(lines, vec!["d.csv:2:amount: no exchange rate for JPY on or before 2026-06: import exchange rates for JPY first (JPY 5000)"]);
    let spend = "Channel,Date,Amount,Currency\nWeb,2026-06-01,100,JPY\n";
    assert_eq!(problems_of(import(&store, Entity::Spend, "s.csv", spend.as_bytes(), Preset::Generic, false, false).await).len(), 1);
    // The API's path, a table handed to import_table, is checked the same.
    let table = attain_import::Table {
        file: "body".into(),
        header: ["name", "customer", "owner", "amount", "currency", "stage", "close_date"].map(String::from).to_vec(),
        rows: vec![(1, ["X", "Acme", "jane", "1", "JPY", "Closed Won", "2026-06-30"].map(String::from).to_vec())],
        notes: Vec::new(),
    };
    let lines = problems_of(attain_import::import_table(&store, Entity::Deals, table, Vec::new(), &ImportOptions::default(), &|_| {}).await);
    assert_eq!(lines, vec!["body:1:currency: no exchange rate for JPY on or before 2026-06: import exchange rates for JPY first (JPY)"]);
    // A rate from a later month does not convert June; one from May does.
    rate(&store, "JPY", "2026-07").await;
    assert_eq!(problems_of(import_orders(&store, "o.csv", orders.as_bytes()).await).len(), 1);
    rate(&store, "JPY", "2026-05").await;
    import_orders(&store, "o.csv", orders.as_bytes()).await.unwrap();
    import_deals(&store, "d.csv", deals_file.as_bytes(), Preset::Generic, false, false).await.unwrap();
    // Payments of the order and refunds need a rate for their own month too.
    import(&store, Entity::Payments, "p.csv", b"Order Number,Payment Date,Amount,Currency\nSO-1,2026-06-20,10000,JPY\n", Preset::Generic, false, false).await.unwrap();
    let engine = attain_kpi::Engine::new(&store).await.unwrap();
    let year = engine.calendar().parse("2026").unwrap();
    let revenue = engine.answer(&attain_kpi::KpiQuery { metric: "revenue".into(), formula: None, period: year, scope: attain_kpi::Scope::Company, by: vec![], target: None }).await.unwrap();
    // By hand: 10,000 JPY at 7.5 plus 100 CNY (the cancelled order counts for nothing).
    assert_eq!(revenue.rows[0].value, Some("75100".parse().unwrap()));
});

store_test!(async fn a_customers_file_completes_the_customer_a_deals_file_created_from_its_id(store) {
    // M7: deals naming CUST-9001 created a placeholder customer of that
    // name; the customers file with external_id CUST-9001 then created a
    // second customer and the deal stayed on the placeholder.
    org(&store).await;
    let deals_file = "name,customer,owner,amount,stage,close_date\nBig one,CUST-9001,jane,100,Closed Won,2026-03-31\nOther,Nova Labs,jane,100,Closed Won,2026-03-31\n";
    import_deals(&store, "d.csv", deals_file.as_bytes(), Preset::Generic, false, false).await.unwrap();
    assert_eq!(store.count_rows("customers").await.unwrap(), 2);
    let customers = "external_id,name,industry\nCUST-9001,Real Customer Ltd,Biotech\nC-2,Nova Labs,Pharma\nC-3,Brand New Co,\n";
    let dry = import(&store, Entity::Customers, "c.csv", customers.as_bytes(), Preset::Generic, true, false).await.unwrap();
    let report = import(&store, Entity::Customers, "c.csv", customers.as_bytes(), Preset::Generic, false, false).await.unwrap();
    assert_eq!(dry.notes, report.notes, "the dry run says the same");
    assert!(report.notes.contains(&"2 customers created earlier from references were completed: CUST-9001 → Real Customer Ltd, Nova Labs".to_owned()), "{:?}", report.notes);
    assert_eq!((report.counts.created, report.counts.updated), (1, 2));
    assert_eq!(store.count_rows("customers").await.unwrap(), 3, "no second Real Customer Ltd, no second Nova Labs");
    let all = store.customers_visible(&Visibility::Everything, &attain_store::CustomerFilter::default(), 0, 10).await.unwrap().items;
    let real = all.iter().find(|c| c.name == "Real Customer Ltd").unwrap();
    assert_eq!((real.external_id.as_ref().map(|e| e.as_str()), real.industry.as_deref()), (Some("CUST-9001"), Some("Biotech")));
    let deal = deals(&store).await.into_iter().find(|d| d.name == "Big one").unwrap();
    assert_eq!(deal.customer, real.id, "the deal is on the completed customer");
    let again = import(&store, Entity::Customers, "c.csv", customers.as_bytes(), Preset::Generic, false, false).await.unwrap();
    assert!(again.notes.is_empty(), "{:?}", again.notes);
    assert_eq!(store.count_rows("customers").await.unwrap(), 3);
});

store_test!(async fn one_customer_completed_from_a_reference_is_said_in_the_singular(store) {
    org(&store).await;
    import_deals(&store, "d.csv", b"name,customer,owner,amount,stage,close_date\nA,CUST-9001,jane,1,Closed Won,2026-03-31\n", Preset::Generic, false, false).await.unwrap();
    let report = import(&store, Entity::Customers, "c.csv", b"external_id,name\nCUST-9001,Real Customer Ltd\n", Preset::Generic, false, false).await.unwrap();
    assert_eq!(report.notes, vec!["1 customer created earlier from a reference was completed: CUST-9001 → Real Customer Ltd"]);
    assert_eq!(store.count_rows("customers").await.unwrap(), 1);
});

store_test!(async fn payments_beyond_what_is_left_to_pay_are_kept_and_counted_in_the_report(store) {
    // L2: a payment of 100,000 on an order of 100 was accepted with no note.
    org(&store).await;
    import_orders(&store, "o.csv", b"Order Number,Order Date,Customer,Owner,Amount\nSO-1,2026-03-01,Acme,jane,100\nSO-2,2026-03-01,Acme,jane,1000\n").await.unwrap();
    let report = import(&store, Entity::Payments, "p.csv", b"Order Number,Payment Date,Amount\nSO-1,2026-03-05,100000\n", Preset::Generic, false, false).await.unwrap();
    assert_eq!(report.counts.created, 1, "kept, not refused");
    let beyond = report.defaults.iter().find(|d| d.fallback.key() == "payment-beyond-order").expect("counted");
    assert_eq!(beyond.to_string(), "1 payments exceed what was left to pay on their order: kept as paid");
    // Stored payments and earlier rows of the file count; a re-import
    // replaces its own payments rather than counting them twice.
    import(&store, Entity::Payments, "p1.csv", b"Order Number,Payment Date,Amount\nSO-2,2026-03-05,600\n", Preset::Generic, false, false).await.unwrap();
    let report = import(&store, Entity::Payments, "p2.csv", b"Order Number,Payment Date,Amount\nSO-2,2026-03-06,300\nSO-2,2026-03-07,200\n", Preset::Generic, false, false).await.unwrap();
    assert_eq!(defaulted(&report, "payment-beyond-order"), Some(1));
    let again = import(&store, Entity::Payments, "p1.csv", b"Order Number,Payment Date,Amount\nSO-2,2026-03-05,600\n", Preset::Generic, false, false).await.unwrap();
    assert_eq!(defaulted(&again, "payment-beyond-order"), Some(1), "600 of the 500 left once 300 and 200 are paid");
    let replaced = import(&store, Entity::Payments, "p3.csv", b"Order Number,Payment Date,Amount\nSO-1,2026-03-05,100000\n", Preset::Generic, true, false).await.unwrap();
    assert_eq!(defaulted(&replaced, "payment-beyond-order"), Some(1), "the stored payment it replaces does not count");
});

store_test!(async fn every_import_is_audited_once_with_its_file_and_what_it_created_changed_and_left(store) {
    // M8: imports added nothing to the audit log.
    org(&store).await;
    let file = "external_id,name,customer,owner,amount,stage,close_date\nD1,A,Acme,jane,100,Closed Won,2026-03-31\nD2,B,Acme,jane,200,Closed Won,2026-03-31\nD3,C,Acme,jane,300,Qualification,2026-09-30\n";
    let run = |text: String, dry_run: bool| {
        let store = store.clone();
        async move {
            let options = ImportOptions { dry_run, actor: Some(Actor::named("attain import")), ..ImportOptions::default() };
            attain_import::import(&store, Entity::Deals, "deals-2026.csv", text.as_bytes(), &options, &|_| {}).await.unwrap()
        }
    };
    run(file.to_owned(), true).await;
    assert!(store.audit_log(Some("import"), 10, None).await.unwrap().is_empty(), "a dry run writes no entry");
    let report = run(file.to_owned(), false).await;
    assert_eq!((report.counts.created, report.counts.updated, report.counts.unchanged), (3, 0, 0));
    let again = run(file.to_owned(), false).await;
    assert_eq!((again.counts.created, again.counts.updated, again.counts.unchanged), (0, 3, 3));
    let changed = run(file.replace("D2,B,Acme,jane,200", "D2,B,Acme,jane,250"), false).await;
    assert_eq!((changed.counts.created, changed.counts.updated, changed.counts.unchanged), (0, 3, 2));
    let log = store.audit_log(Some("import"), 10, None).await.unwrap();
    assert_eq!(log.len(), 3, "one entry per import: {log:?}");
    let counts: Vec<(i64, i64, i64)> = log.iter().rev().map(|e| {
        let a = e.after.as_ref().unwrap();
        (a["created"].as_i64().unwrap(), a["updated"].as_i64().unwrap(), a["unchanged"].as_i64().unwrap())
    }).collect();
    assert_eq!(counts, vec![(3, 0, 0), (0, 0, 3), (0, 1, 2)]);
    let first = log.last().unwrap();
    assert_eq!((first.actor.as_str(), first.action.as_str(), first.entity_id.as_str()), ("attain import", "create", "deals"));
    assert_eq!(first.after.as_ref().unwrap()["file"], "deals-2026.csv");
    // Orders with their lines and records of every other kind are counted alike.
    import_orders(&store, "o.csv", ORDERS_WITHOUT_PRODUCTS.as_bytes()).await.unwrap();
    let again = import_orders(&store, "o.csv", ORDERS_WITHOUT_PRODUCTS.as_bytes()).await.unwrap();
    assert_eq!((again.counts.updated, again.counts.unchanged), (2, 2));
    let changed = import_orders(&store, "o.csv", ORDERS_WITHOUT_PRODUCTS.replace(",2,500", ",3,500").as_bytes()).await.unwrap();
    assert_eq!((changed.counts.updated, changed.counts.unchanged), (2, 1), "a changed line changes its order");
    let rates = "Currency,Month,Rate\nUSD,2026-03,7.1\nEUR,2026-03,7.8\n";
    import(&store, Entity::ExchangeRates, "r.csv", rates.as_bytes(), Preset::Generic, false, false).await.unwrap();
    let again = import(&store, Entity::ExchangeRates, "r.csv", rates.replace("7.8", "7.9").as_bytes(), Preset::Generic, false, false).await.unwrap();
    assert_eq!((again.counts.updated, again.counts.unchanged), (2, 1));
    assert_eq!(store.audit_log(Some("import"), 50, None).await.unwrap().len(), 8);
});

const ORDERS_WITHOUT_PRODUCTS: &str = "Order Number,Order Date,Customer,Owner,Quantity,Amount\nSO-1,2026-03-01,Acme,jane,1,100\nSO-1,2026-03-01,Acme,jane,2,500\nSO-2,2026-03-02,Acme,jane,1,70\n";

store_test!(async fn a_customer_completed_from_a_reference_counts_as_updated_not_unchanged(store) {
    org(&store).await;
    import_deals(&store, "d.csv", b"name,customer,owner,amount,stage,close_date\nA,Nova Labs,jane,1,Closed Won,2026-03-31\n", Preset::Generic, false, false).await.unwrap();
    let report = import(&store, Entity::Customers, "c.csv", b"external_id,name\nC-1,Nova Labs\n", Preset::Generic, false, false).await.unwrap();
    assert_eq!((report.counts.created, report.counts.updated, report.counts.unchanged), (0, 1, 0));
});

store_test!(async fn a_rate_or_competitor_twice_in_one_file_is_a_problem_of_its_second_row(store) {
    // Found while auditing imports: the same currency and month (or
    // competitor name) twice in a file made PostgreSQL refuse the whole
    // import with "ON CONFLICT DO UPDATE command cannot affect row a
    // second time", while SQLite kept the last row without a word.
    org(&store).await;
    let lines = problems_of(import(&store, Entity::ExchangeRates, "r.csv", b"Currency,Month,Rate\nUSD,2026-03,7.1\nUSD,2026-03,7.2\n", Preset::Generic, false, false).await);
    assert_eq!(lines, vec!["r.csv:3:Month: this currency and month appear twice (first on line 2) (2026-03)"]);
    let lines = problems_of(import(&store, Entity::Competitors, "c.csv", b"external_id,name\nC1,Agilent\nC2,Agilent\n", Preset::Generic, false, false).await);
    assert_eq!(lines, vec!["c.csv:3:name: the same competitor appears twice (first on line 2) (Agilent)"]);
    assert_eq!((store.count_rows("exchange_rates").await.unwrap(), store.count_rows("competitors").await.unwrap()), (0, 0));
});

store_test!(async fn a_european_quantity_of_1_000_is_a_thousand_not_one(store) {
    // Found with H4: a quantity 1.000 in a file with decimal commas was
    // read as one, and the line's amount (unit price × quantity) 1,000
    // times too small.
    org(&store).await;
    let file = "Order Number;Order Date;Customer;Owner;Quantity;Unit Price\nSO-1;2026-03-01;Acme;jane;1.000;2,50\n";
    import_orders(&store, "o.csv", file.as_bytes()).await.unwrap();
    let orders = store.orders_visible(&Visibility::Everything, &attain_store::OrderFilter::default(), 0, 10).await.unwrap();
    assert_eq!(orders.items[0].total.amount().to_string(), "2500.00");
    // Nothing deciding, a quantity's separator groups thousands.
    let undecided = "Order Number,Order Date,Customer,Owner,Quantity,Amount\nSO-2,2026-03-01,Acme,jane,1.000,100\n";
    import_orders(&store, "o.csv", undecided.as_bytes()).await.unwrap();
});

store_test!(async fn records_written_or_imported_by_a_person_need_the_right_to(store) {
    org(&store).await;
    let rep = store.users().await.unwrap().into_iter().find(|u| u.login.as_str() == "jane").unwrap();
    let rep = attain_store::principal_of(&rep);
    let table = attain_import::Table {
        file: "request".into(),
        header: vec!["sku".into(), "name".into(), "list_price".into()],
        rows: vec![(2, vec!["W".into(), "Widget".into(), "100".into()])],
        ..attain_import::Table::default()
    };
    let options = ImportOptions::default();
    let err = attain_import::write_for(&store, &rep, Entity::Products, table.clone(), &options).await.unwrap_err();
    assert!(matches!(err, AppError::Forbidden(_)), "{err}");
    assert_eq!(store.count_rows("products").await.unwrap(), 0, "nothing written");
    let file = b"sku,name,list_price\nW,Widget,100\n";
    let err = attain_import::import_for(&store, &rep, Entity::Products, "p.csv", file, &options, &|_| {}).await.unwrap_err();
    assert!(matches!(err, AppError::Forbidden(_)), "a rep imports nothing: {err}");
    assert_eq!(store.count_rows("products").await.unwrap(), 0);
    let ops = attain_core::Principal { role: Role::SalesOps, ..rep };
    let report = attain_import::write_for(&store, &ops, Entity::Products, table, &options).await.unwrap();
    assert_eq!(report.counts.created, 1);
    assert_eq!(store.count_rows("products").await.unwrap(), 1);
});

store_test!(async fn an_orders_file_says_which_columns_it_did_not_use_and_where_dates_read_day_first(store) {
    // The orders importer frees each row once read: what the report says
    // of the whole file (unused columns with their counts, the date order
    // its values show) is read before.
    org(&store).await;
    products(&store).await;
    let file = "Order Number,Order Date,Customer,Owner,Product,Quantity,Amount,Notes\n\
SO-1,03/04/2026,Acme,jane,AN-100,1,100,call back\n\
SO-2,25/04/2026,Acme,jane,AN-100,1,100,\n\
SO-3,26/04/2026,Acme,jane,AN-100,1,100,again\n";
    let report = import_orders(&store, "o.csv", file.as_bytes()).await.unwrap();
    let unused: Vec<String> = report.unused_columns.iter().map(|c| format!("{c}: {}", c.values)).collect();
    assert_eq!(unused, vec!["'Notes': 2"]);
    let orders = store.orders_visible(&Visibility::Everything, &attain_store::OrderFilter::default(), 0, 10).await.unwrap();
    let so1 = orders.items.iter().find(|o| o.number == "SO-1").unwrap();
    assert_eq!(so1.order_date, chrono::NaiveDate::from_ymd_opt(2026, 4, 3).unwrap(), "25/04 shows the file puts the day first");
});
