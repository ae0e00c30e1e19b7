//! The storage suite: every test body runs unchanged on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, missing_docs)]

use attain_core::{
    Currency, ExternalId, FiscalCalendar, FiscalYearLabel, Login, Money, OrgUnitId, OrgUnitKind,
    Role, UserId,
};
use attain_store::{
    NewOrgUnit, NewUser, OrgSettings, Store, StoreError, money_from_columns, money_to_columns,
};
use attain_testkit::store_test;

fn unit(parent: Option<OrgUnitId>, name: &str, kind: OrgUnitKind) -> NewOrgUnit {
    NewOrgUnit {
        parent,
        name: name.into(),
        kind,
        external_id: None,
    }
}

fn rep(login: &str, unit: OrgUnitId) -> NewUser {
    NewUser {
        login: Login::new(login).unwrap(),
        display_name: login.to_uppercase(),
        email: Some(format!("{login}@example.com")),
        unit,
        role: Role::Rep,
        external_id: None,
    }
}

/// Company → East, West; East → Team A.
async fn small_org(store: &Store) -> (OrgUnitId, OrgUnitId, OrgUnitId, OrgUnitId) {
    let company = store
        .create_org_unit(&unit(None, "Acme", OrgUnitKind::Company))
        .await
        .unwrap();
    let east = store
        .create_org_unit(&unit(Some(company), "East", OrgUnitKind::Region))
        .await
        .unwrap();
    let west = store
        .create_org_unit(&unit(Some(company), "West", OrgUnitKind::Region))
        .await
        .unwrap();
    let team = store
        .create_org_unit(&unit(Some(east), "Team A", OrgUnitKind::Team))
        .await
        .unwrap();
    (company, east, west, team)
}

store_test!(async fn migrating_twice_applies_nothing_the_second_time(store) {
    assert_eq!(store.migrate().await.unwrap(), 0);
    store.ping().await.unwrap();
});

store_test!(async fn a_new_database_has_default_settings_that_can_be_changed(store) {
    let settings = store.settings().await.unwrap();
    assert_eq!(settings.base_currency, Currency::CNY);
    assert_eq!(settings.calendar, FiscalCalendar::default());
    assert_eq!(settings, OrgSettings::default());
    let changed = OrgSettings {
        name: "Acme 中国".into(),
        base_currency: Currency::USD,
        calendar: FiscalCalendar::new(4, FiscalYearLabel::StartYear).unwrap().with_week_start(chrono::Weekday::Sun),
        time_zone: "Asia/Shanghai".parse().unwrap(),
        revenue_basis: attain_core::sales::RevenueBasis::Cash,
        churn_inactive_days: 90,
        default_language: attain_core::Language::ZhCn,
        unit_credit: attain_core::UnitCredit::TransactionDate,
    };
    store.update_settings(&changed).await.unwrap();
    // Every setting reads back as it was written, on both backends.
    assert_eq!(store.settings().await.unwrap(), changed);
});

store_test!(async fn an_org_tree_reads_back_with_its_people(store) {
    let (company, east, west, team) = small_org(&store).await;
    let ana = store.create_user(&rep("ana", team)).await.unwrap();
    let bo = store.create_user(&rep("bo", west)).await.unwrap();
    let tree = store.org_tree().await.unwrap();
    assert_eq!(tree.root().id, company);
    assert_eq!(tree.unit_count(), 4);
    assert_eq!(tree.subtree(east), &[east, team]);
    assert_eq!(tree.users_within(east).collect::<Vec<_>>(), vec![ana]);
    assert!(tree.user_is_within(bo, company));
    assert_eq!(tree.path(team), vec!["Acme", "East", "Team A"]);
});

store_test!(async fn users_read_back_by_id_and_by_login(store) {
    let (_, _, _, team) = small_org(&store).await;
    let id = store.create_user(&rep("Li.Wei", team)).await.unwrap();
    let user = store.user(id).await.unwrap();
    assert_eq!(user.login.as_str(), "li.wei");
    assert_eq!(user.role, Role::Rep);
    assert!(user.active);
    assert_eq!(store.user_by_login(&Login::new("LI.WEI").unwrap()).await.unwrap(), user);
    assert_eq!(store.users().await.unwrap(), vec![user]);
    let missing = store.user(UserId::from_raw(9999)).await.unwrap_err();
    assert!(matches!(missing, StoreError::NotFound { entity: "user", .. }), "{missing}");
});

store_test!(async fn a_second_company_at_the_root_is_a_conflict(store) {
    small_org(&store).await;
    let err = store.create_org_unit(&unit(None, "Other", OrgUnitKind::Company)).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    assert!(err.to_string().contains("already has a company"), "{err}");
});

store_test!(async fn a_unit_under_a_missing_parent_is_invalid_and_stores_nothing(store) {
    small_org(&store).await;
    let err = store
        .create_org_unit(&unit(Some(OrgUnitId::from_raw(777)), "Ghost", OrgUnitKind::Team))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err}");
    assert!(err.to_string().contains("parent org unit 777 does not exist"), "{err}");
    assert_eq!(store.org_units().await.unwrap().len(), 4);
});

store_test!(async fn duplicate_logins_and_external_ids_are_conflicts(store) {
    let (_, east, _, team) = small_org(&store).await;
    store.create_user(&rep("ana", team)).await.unwrap();
    let err = store.create_user(&rep("ANA", east)).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    let mut tagged = unit(Some(east), "Team B", OrgUnitKind::Team);
    tagged.external_id = Some(ExternalId::new("zcrm_1").unwrap());
    store.create_org_unit(&tagged).await.unwrap();
    let err = store.create_org_unit(&tagged).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
});

store_test!(async fn a_user_in_a_missing_unit_is_invalid(store) {
    small_org(&store).await;
    let err = store.create_user(&rep("ana", OrgUnitId::from_raw(555))).await.unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err}");
    assert!(store.users().await.unwrap().is_empty());
});

store_test!(async fn money_columns_hold_the_full_range_without_loss(store) {
    let max = attain_core::money::MAX_AMOUNT_MINOR;
    for minor in [0, 1, -1, 123_456_789_012, max, -max] {
        let money = Money::from_minor_units(minor, Currency::CNY);
        let (stored, currency) = money_to_columns(&money).unwrap();
        let echoed = store.echo_bigint(stored).await.unwrap();
        assert_eq!(money_from_columns(echoed, currency).unwrap(), money);
    }
    // Beyond ten trillion nothing is stored: sums of stored amounts cannot overflow.
    for minor in [max + 1, -max - 1, i64::MAX, i64::MIN] {
        let money = Money::from_minor_units(minor, Currency::CNY);
        assert!(money_to_columns(&money).is_err(), "{minor}");
    }
    assert_eq!(store.echo_bigint(i64::MAX).await.unwrap(), i64::MAX, "the column itself holds any i64");
});

store_test!(async fn a_total_beyond_an_i64_is_an_error_in_the_users_terms(store) {
    // Found by the import session: rollup and KPI sums of many amounts at
    // the limit overflowed into a raw database error.
    assert_eq!(store.sum_bigints(1, 2).await.unwrap(), 3);
    let err = store.sum_bigints(i64::MAX, 1).await.unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err:?}");
    assert!(err.to_string().contains("larger than Attain can add up"), "{err}");
});

/// A customer without owner, ID `id`.
fn customer(id: i64, name: &str) -> attain_core::sales::Customer {
    attain_core::sales::Customer {
        id: attain_core::CustomerId::from_raw(id),
        name: name.into(),
        industry: None,
        region: None,
        size: None,
        segment: None,
        source_channel: None,
        owner: None,
        territory: None,
        status: attain_core::sales::CustomerStatus::Prospect,
        in_pool: true,
        created_on: chrono::NaiveDate::from_ymd_opt(2026, 1, 5).unwrap(),
        external_id: None,
    }
}

fn contact(id: i64, customer: i64) -> attain_core::sales::Contact {
    attain_core::sales::Contact {
        id: attain_core::ContactId::from_raw(id),
        customer: Some(attain_core::CustomerId::from_raw(customer)),
        name: format!("Contact {id}"),
        title: None,
        email: None,
        phone: None,
        owner: None,
        external_id: None,
    }
}

fn product(id: i64, sku: &str) -> attain_core::sales::Product {
    let cny = |m| Money::from_minor_units(m, Currency::CNY);
    attain_core::sales::Product {
        id: attain_core::ProductId::from_raw(id),
        sku: sku.into(),
        name: format!("Product {id}"),
        category: "Analyzers".into(),
        list_price: cny(100_00),
        unit_cost: cny(40_00),
        active: true,
        external_id: None,
    }
}

store_test!(async fn unique_and_foreign_key_violations_read_as_sentences_not_database_text(store) {
    // Found by attack: a write refused by a constraint showed people
    // "UNIQUE constraint failed: deals.external_id" or PostgreSQL's
    // constraint names.
    let raw = ["UNIQUE", "constraint", "violates", "duplicate key", "FOREIGN KEY", "_fkey", "_key"];
    let says_no_database_text = |err: &StoreError| {
        let text = err.to_string();
        assert!(raw.iter().all(|r| !text.contains(r)), "database text leaked: {text}");
    };
    let batch = attain_store::SalesBatch { products: vec![product(1, "AN-1"), product(2, "AN-1")], ..Default::default() };
    let err = store.insert_sales_batch(&batch).await.unwrap_err();
    says_no_database_text(&err);
    assert!(matches!(&err, StoreError::Conflict(m) if m == "another product already has this SKU"), "{err}");

    let survey = attain_core::sales::SurveyResponse {
        customer: attain_core::CustomerId::from_raw(1),
        kind: attain_core::sales::SurveyKind::Nps,
        score: 9,
        responded_on: chrono::NaiveDate::from_ymd_opt(2026, 2, 1).unwrap(),
        comment: None,
    };
    let batch = attain_store::SalesBatch { customers: vec![customer(1, "Nova Labs")], surveys: vec![survey], ..Default::default() };
    store.insert_sales_batch(&batch).await.unwrap();
    let err = store.delete_record(&attain_store::Actor::named("test"), "customers", 1).await.unwrap_err();
    says_no_database_text(&err);
    assert!(matches!(&err, StoreError::Conflict(m) if m == "this customer cannot be deleted: other records still refer to it; delete or move them first"), "{err}");

    let batch = attain_store::SalesBatch { contacts: vec![contact(2, 999)], ..Default::default() };
    let err = store.insert_sales_batch(&batch).await.unwrap_err();
    says_no_database_text(&err);
    let expected = match store.backend() {
        attain_store::Backend::Postgres => "a contact names a customer that does not exist",
        // SQLite says no more than that a reference broke.
        attain_store::Backend::Sqlite => "other records still refer to it, or it names a record that does not exist",
    };
    assert!(matches!(&err, StoreError::Invalid(m) if m == expected), "{err}");
});

store_test!(async fn the_demo_and_an_import_write_customers_through_one_writer_that_keeps_the_territory(store) {
    // One writer per fact table: a re-import of a customer the demo wrote
    // updates what the file carries and keeps what files never carry
    // (the territory), instead of setting it to nothing.
    use attain_store::{AuditScope, ImportAudit, ImportRecords, ImportedCustomer, ImportedTerritory, NewOwners};
    let day = chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
    let audit = |entity: &str| ImportAudit { actor: attain_store::Actor::named("test"), entity: entity.into(), scope: AuditScope::File("f.csv".into()), today: day };
    let territories = ImportRecords::Territories(vec![ImportedTerritory { external_id: ExternalId::new("T-east").unwrap(), name: "East".into(), parent: None }]);
    store.import_records(&territories, &NewOwners::default(), &audit("territories"), &|_| {}).await.unwrap();
    // The only territory has the first ID (a wrong one would break the
    // customer's foreign key below).
    let east = attain_core::TerritoryId::from_raw(1);
    let mut c = customer(1, "Nova Labs");
    c.territory = Some(east);
    c.external_id = Some(ExternalId::new("C-1").unwrap());
    store.insert_sales_batch(&attain_store::SalesBatch { customers: vec![c], ..Default::default() }).await.unwrap();

    let file = ImportRecords::Customers(vec![ImportedCustomer {
        external_id: ExternalId::new("C-1").unwrap(),
        existing: None,
        name: "Nova Labs Ltd".into(),
        industry: Some("Biotech".into()),
        region: None,
        size: None,
        segment: None,
        source_channel: None,
        owner: None,
        status: attain_core::sales::CustomerStatus::Active,
        created_on: day,
    }]);
    let counts = store.import_records(&file, &NewOwners::default(), &audit("customers"), &|_| {}).await.unwrap();
    assert_eq!((counts.created, counts.updated), (0, 1));
    let all = store.customers_visible(&attain_core::Visibility::Everything, &Default::default(), 0, 10).await.unwrap();
    let [stored] = all.items.as_slice() else { panic!("one customer, got {:?}", all.items) };
    assert_eq!(stored.name, "Nova Labs Ltd");
    assert_eq!(stored.industry.as_deref(), Some("Biotech"));
    assert_eq!(stored.status, attain_core::sales::CustomerStatus::Active);
    assert_eq!(stored.territory, Some(east), "the import kept the demo's territory");
});

store_test!(async fn a_backup_is_a_copy_that_reads_the_same_on_sqlite_and_postgres_says_to_use_pg_dump(store) {
    store
        .create_org_unit(&NewOrgUnit { parent: None, name: "Acme".into(), kind: OrgUnitKind::Company, external_id: None })
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("backup.db");
    match store.backend() {
        attain_store::Backend::Sqlite => {
            store.backup_to(&file).await.unwrap();
            let copy = Store::open(&attain_store::DatabaseConfig::sqlite_file(&file)).await.unwrap();
            assert_eq!(copy.org_units().await.unwrap(), store.org_units().await.unwrap());
            copy.close().await;
            // A second backup to the same file is refused, the first kept.
            assert!(store.backup_to(&file).await.is_err());
        }
        attain_store::Backend::Postgres => {
            let err = store.backup_to(&file).await.unwrap_err().to_string();
            assert!(err.contains("pg_dump"), "{err}");
            assert!(!file.exists());
        }
    }
});

store_test!(async fn bulk_writes_keep_every_character_and_every_empty_value_as_given(store) {
    // Bulk writes reach SQLite as one JSON document per chunk and
    // PostgreSQL through COPY: text that either format reads as structure
    // (quotes, backslashes, tabs, line breaks, a literal \N) must arrive as
    // written, and an empty optional value as NULL, not as text.
    let awkward = [
        "Tab\there",
        "Line\nbreak and\r\nCRLF",
        "Back\\slash \\N and \\t",
        "\"Quoted\" 'single'",
        "客户 Ünïcödé 🚀",
        "\\N",
        "",
    ];
    let mut customers = Vec::new();
    for (i, name) in awkward.iter().enumerate() {
        let id = i64::try_from(i).unwrap() + 1;
        let mut c = customer(id, &format!("{id}: {name}"));
        c.industry = Some((*name).to_owned());
        c.in_pool = i % 2 == 0;
        customers.push(c);
    }
    // More rows than one chunk of either format.
    for id in 8..=6_010 {
        customers.push(customer(id, &format!("Filler {id}")));
    }
    store.insert_sales_batch(&attain_store::SalesBatch { customers, ..Default::default() }).await.unwrap();
    // By name: the awkward ones ("1: …") come before the fillers.
    let page = store.customers_visible(&attain_core::Visibility::Everything, &Default::default(), 0, 1_000).await.unwrap();
    assert_eq!(page.total, 6_010);
    for (i, name) in awkward.iter().enumerate() {
        let id = i64::try_from(i).unwrap() + 1;
        let stored = page.items.iter().find(|c| c.id.raw() == id).unwrap();
        assert_eq!(stored.name, format!("{id}: {name}"));
        assert_eq!(stored.industry.as_deref(), Some(*name), "customer {id}");
        assert_eq!(stored.region, None, "an empty optional value is NULL");
        assert_eq!(stored.in_pool, i % 2 == 0);
        assert_eq!(stored.created_on, chrono::NaiveDate::from_ymd_opt(2026, 1, 5).unwrap());
    }
    let filler = |n: i64| attain_store::CustomerFilter { name_contains: Some(format!("Filler {n}")), ..Default::default() };
    let last = store.customers_visible(&attain_core::Visibility::Everything, &filler(6_010), 0, 10).await.unwrap();
    assert_eq!(last.items.iter().map(|c| c.id.raw()).collect::<Vec<_>>(), [6_010]);
});
