//! The demo organisation: a fresh database with a company, its regions,
//! teams and people, so `attain demo` shows a living instance.
//!
//! This is the foundation's org skeleton; the sales-data issue grows it into
//! three years of customers, deals, orders and payments.

use anyhow::{Context, bail};
use attain_app::auth;
use attain_core::{Currency, FiscalCalendar, Login, OrgUnitId, OrgUnitKind, Role};
use attain_store::{Actor, DatabaseConfig, NewOrgUnit, NewUser, OrgSettings, Store};

/// Regions with their teams (English name, Chinese city).
const REGIONS: &[(&str, &[&str])] = &[
    (
        "East China 华东",
        &["Shanghai 上海", "Hangzhou 杭州", "Nanjing 南京"],
    ),
    ("North China 华北", &["Beijing 北京", "Tianjin 天津"]),
    ("South China 华南", &["Guangzhou 广州", "Shenzhen 深圳"]),
    ("West China 西部", &["Chengdu 成都", "Chongqing 重庆"]),
];

const SURNAMES: &[(&str, &str)] = &[
    ("wang", "王"),
    ("li", "李"),
    ("zhang", "张"),
    ("liu", "刘"),
    ("chen", "陈"),
    ("yang", "杨"),
    ("zhao", "赵"),
    ("huang", "黄"),
    ("zhou", "周"),
    ("wu", "吴"),
    ("xu", "徐"),
    ("sun", "孙"),
    ("hu", "胡"),
    ("zhu", "朱"),
    ("gao", "高"),
];
const GIVEN: &[(&str, &str)] = &[
    ("wei", "伟"),
    ("fang", "芳"),
    ("na", "娜"),
    ("min", "敏"),
    ("jing", "静"),
    ("lei", "磊"),
    ("qiang", "强"),
    ("jun", "军"),
    ("yang", "洋"),
    ("yong", "勇"),
    ("yan", "艳"),
    ("jie", "杰"),
    ("tao", "涛"),
    ("ming", "明"),
    ("chao", "超"),
    ("xiu", "秀"),
    ("hui", "慧"),
    ("ping", "平"),
];

/// Reps per team.
const REPS_PER_TEAM: usize = 6;

/// Creates a fresh demo database at `config` and returns the open store with
/// the password every demo account shares (random for each build: even a
/// demo has no well-known password).
///
/// A SQLite file is replaced; a PostgreSQL database must be empty, since
/// wiping a server database is not something a demo command should do.
pub async fn build(config: &DatabaseConfig) -> anyhow::Result<(Store, String)> {
    if let DatabaseConfig::Sqlite { path } = config {
        for suffix in ["", "-wal", "-shm"] {
            let mut file = path.as_os_str().to_owned();
            file.push(suffix);
            match std::fs::remove_file(&file) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(e).with_context(|| {
                        format!("removing the old demo file {}", file.to_string_lossy())
                    });
                }
            }
        }
    }
    let store = Store::open(config)
        .await
        .with_context(|| format!("opening {}", config.describe()))?;
    if !store.org_units().await?.is_empty() {
        bail!(
            "{} already holds an organisation; the demo needs an empty database",
            config.describe()
        );
    }
    let password = attain_app::secrets::new_password()?;
    let hash = auth::hash_password(&password).await?;
    seed(&store, &hash)
        .await
        .context("writing the demo organisation")?;
    Ok((store, password))
}

/// Prints the demo sign-ins: one per role, and a team's manager with a rep.
pub async fn print_logins(store: &Store, password: &str) -> anyhow::Result<()> {
    let users = store.users().await?;
    let first = |role: Role| users.iter().find(|u| u.role == role);
    let team_manager = users.iter().filter(|u| u.role == Role::Manager).nth(2);
    let rep = first(Role::Rep);
    println!("Demo sign-ins (password for all: {password}):");
    let mut shown = vec![
        first(Role::Admin),
        first(Role::SalesOps),
        first(Role::Manager),
        team_manager,
        rep,
    ];
    shown.dedup_by_key(|u| u.map(|u| u.id));
    for user in shown.into_iter().flatten() {
        println!(
            "  {:<18} {} ({})",
            user.login.as_str(),
            user.display_name,
            user.role
        );
    }
    Ok(())
}

fn person(index: usize) -> (String, String) {
    let (s_en, s_zh) = SURNAMES[index % SURNAMES.len()];
    let (g_en, g_zh) = GIVEN[(index * 7 + index / SURNAMES.len()) % GIVEN.len()];
    (format!("{g_en}.{s_en}{index}"), format!("{s_zh}{g_zh}"))
}

async fn seed(store: &Store, password_hash: &str) -> anyhow::Result<()> {
    store
        .update_settings(&OrgSettings {
            name: "Huaxia Instruments 华夏仪器".into(),
            base_currency: Currency::CNY,
            calendar: FiscalCalendar::default(),
        })
        .await?;
    let unit = |parent: Option<OrgUnitId>, name: &str, kind| NewOrgUnit {
        parent,
        name: name.to_owned(),
        kind,
        external_id: None,
    };
    let company = store
        .create_org_unit(&unit(
            None,
            "Huaxia Instruments 华夏仪器",
            OrgUnitKind::Company,
        ))
        .await?;
    let actor = Actor::named("demo");
    let actor = &actor;
    let add_user = |login: String, name: String, unit: OrgUnitId, role: Role| async move {
        let user = NewUser {
            login: Login::new(&login)?,
            email: Some(format!("{login}@huaxia.example")),
            display_name: name,
            unit,
            role,
            external_id: None,
        };
        store
            .create_user_audited(actor, &user, password_hash, false)
            .await
            .with_context(|| format!("adding {login}"))
    };
    add_user(
        "admin".into(),
        "System administrator".into(),
        company,
        Role::Admin,
    )
    .await?;
    add_user(
        "ops".into(),
        "Sales operations 销售运营".into(),
        company,
        Role::SalesOps,
    )
    .await?;
    add_user(
        "ceo".into(),
        "Head of sales 销售总监".into(),
        company,
        Role::Manager,
    )
    .await?;
    let mut index = 0;
    for (region_name, teams) in REGIONS {
        let region = store
            .create_org_unit(&unit(Some(company), region_name, OrgUnitKind::Region))
            .await?;
        let (login, name) = person(index);
        index += 1;
        add_user(login, name, region, Role::Manager).await?;
        for team_name in *teams {
            let team = store
                .create_org_unit(&unit(
                    Some(region),
                    &format!("{team_name} team"),
                    OrgUnitKind::Team,
                ))
                .await?;
            let (login, name) = person(index);
            index += 1;
            add_user(login, name, team, Role::Manager).await?;
            for _ in 0..REPS_PER_TEAM {
                let (login, name) = person(index);
                index += 1;
                add_user(login, name, team, Role::Rep).await?;
            }
        }
    }
    Ok(())
}
