//! The demo company: a realistic sales organisation with three years of
//! history, identical for the same seed, scale and as-of date.
//!
//! What makes it look real: regions and teams of different sizes; reps with
//! different talent, some improving and some declining over the years, some
//! joining late; seasonality (a slow February around Spring Festival, strong
//! quarter ends and December); deal sizes by customer size; cycle lengths and
//! win rates that vary by rep and segment; repeat orders from customers
//! that eventually churn; instalment payments, some late, some refunds;
//! activities, service tickets, CSAT and NPS answers, marketing spend by
//! channel, training, competitors and market sizes.
//!
//! The simulation uses floating point for probabilities and shapes only;
//! every amount becomes exact minor units before it is stored.
//! Amounts in minor units are written `yuan_fen`: `18_000_00` is ¥18,000.00.
#![allow(
    clippy::float_arithmetic,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_precision_loss,
    clippy::inconsistent_digit_grouping
)]

use attain_core::sales::{
    Activity, ActivityKind, Channel, Competitor, Contact, Course, CourseKind, Customer,
    CustomerSize, CustomerStatus, Deal, DealStatus, Enrolment, ExchangeRate, ForecastCategory,
    MarketSize, Order, OrderLine, Payment, Product, Refund, Spend, SpendKind, StageChange,
    SurveyKind, SurveyResponse, Ticket, TicketPriority,
};
use attain_core::{
    CompetitorId, ContactId, CourseId, Currency, CustomerId, DealId, Login, Money, OrderId,
    OrgUnitId, OrgUnitKind, ProductId, Role, UserId,
};
use attain_store::{Actor, NewOrgUnit, NewUser, SalesBatch, Store};
use chrono::{Datelike, Days, Months, NaiveDate, TimeZone, Utc};
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, LogNormal, Poisson};

use attain_app::{AppError, AppResult};

/// How big the demo company is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// About 30 reps: quick to build, for tests and a first look.
    Small,
    /// About 150 reps and thousands of customers: the default.
    Medium,
    /// About 5,000 reps and more than ten million order lines: for benchmarks.
    Large,
}

impl std::str::FromStr for Scale {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "small" => Ok(Scale::Small),
            "medium" => Ok(Scale::Medium),
            "large" => Ok(Scale::Large),
            other => Err(format!(
                "'{other}' is not a scale: expected small, medium or large"
            )),
        }
    }
}

struct Params {
    regions: usize,
    teams_per_region: usize,
    reps_per_team: usize,
    /// New deals a typical rep opens per month.
    deals_per_month: f64,
    /// Repeat orders an active customer places per year.
    reorders_per_year: f64,
}

impl Scale {
    fn params(self) -> Params {
        match self {
            Scale::Small => Params {
                regions: 3,
                teams_per_region: 2,
                reps_per_team: 5,
                deals_per_month: 4.0,
                reorders_per_year: 2.0,
            },
            Scale::Medium => Params {
                regions: 6,
                teams_per_region: 4,
                reps_per_team: 7,
                deals_per_month: 5.0,
                reorders_per_year: 2.5,
            },
            Scale::Large => Params {
                regions: 25,
                teams_per_region: 20,
                reps_per_team: 11,
                deals_per_month: 8.0,
                reorders_per_year: 9.0,
            },
        }
    }
}

/// What to build.
#[derive(Debug, Clone, Copy)]
pub struct DemoOptions {
    /// Random seed: the same seed, scale and as-of date give the same company.
    pub seed: u64,
    /// Size.
    pub scale: Scale,
    /// The last day of history (three years end here).
    pub as_of: NaiveDate,
}

/// What was built.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DemoSummary {
    /// Org units.
    pub units: usize,
    /// Reps.
    pub reps: usize,
    /// Everyone (reps, managers, ops, admin).
    pub users: usize,
    /// Customers.
    pub customers: usize,
    /// Deals.
    pub deals: usize,
    /// Orders.
    pub orders: usize,
    /// Order lines.
    pub order_lines: usize,
    /// Payments.
    pub payments: usize,
    /// Activities.
    pub activities: usize,
    /// Service tickets.
    pub tickets: usize,
}

const REGIONS: &[(&str, &[&str])] = &[
    (
        "East China 华东",
        &[
            "Shanghai 上海",
            "Hangzhou 杭州",
            "Nanjing 南京",
            "Suzhou 苏州",
            "Ningbo 宁波",
        ],
    ),
    (
        "North China 华北",
        &[
            "Beijing 北京",
            "Tianjin 天津",
            "Shijiazhuang 石家庄",
            "Taiyuan 太原",
        ],
    ),
    (
        "South China 华南",
        &[
            "Guangzhou 广州",
            "Shenzhen 深圳",
            "Xiamen 厦门",
            "Nanning 南宁",
        ],
    ),
    (
        "West China 西部",
        &[
            "Chengdu 成都",
            "Chongqing 重庆",
            "Xi'an 西安",
            "Kunming 昆明",
        ],
    ),
    (
        "Central China 华中",
        &[
            "Wuhan 武汉",
            "Changsha 长沙",
            "Zhengzhou 郑州",
            "Hefei 合肥",
        ],
    ),
    (
        "Northeast 东北",
        &[
            "Shenyang 沈阳",
            "Dalian 大连",
            "Harbin 哈尔滨",
            "Changchun 长春",
        ],
    ),
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
    ("lin", "林"),
    ("he", "何"),
    ("guo", "郭"),
    ("ma", "马"),
    ("luo", "罗"),
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
    ("gang", "刚"),
    ("li", "丽"),
    ("hao", "浩"),
    ("yu", "宇"),
    ("xin", "欣"),
    ("bo", "博"),
];

const INDUSTRIES: &[&str] = &[
    "Manufacturing 制造",
    "Healthcare 医疗",
    "Education 教育",
    "Energy 能源",
    "Retail 零售",
    "Logistics 物流",
    "Government 政府",
    "Research 科研",
];
const COMPANY_WORDS: &[&str] = &[
    "Huaxin 华信",
    "Zhongke 中科",
    "Tianyu 天宇",
    "Hengtong 恒通",
    "Jinhai 金海",
    "Dongfang 东方",
    "Xinda 信达",
    "Boyuan 博远",
    "Lianchuang 联创",
    "Ruifeng 瑞丰",
    "Yongsheng 永盛",
    "Kaida 凯达",
    "Minghui 明辉",
    "Taihe 泰和",
    "Changjiang 长江",
    "Baiyun 白云",
];
const COMPANY_KINDS: &[&str] = &[
    "Technology 科技",
    "Industrial 实业",
    "Medical 医疗器械",
    "Precision 精密",
    "Electronics 电子",
    "Instruments 仪器",
    "Labs 实验室",
    "Group 集团",
];
const CHANNELS: &[(&str, &str, f64)] = &[
    ("web", "Website 官网", 0.22),
    ("referral", "Referral 转介绍", 0.18),
    ("trade_show", "Trade show 展会", 0.16),
    ("partner", "Partner 渠道伙伴", 0.16),
    ("outbound", "Outbound 电话开发", 0.18),
    ("online_ads", "Online ads 线上广告", 0.10),
];
const STAGES: &[(&str, u8)] = &[
    ("Qualification 初步接洽", 10),
    ("Needs analysis 需求确认", 25),
    ("Proposal 方案报价", 50),
    ("Negotiation 商务谈判", 75),
];
const LOST_REASONS: &[&str] = &[
    "Price 价格",
    "Competitor 竞品",
    "No budget 无预算",
    "Timing 时机",
    "Requirements 需求不符",
];

/// Month weights: slow Spring Festival, strong quarter ends and December.
const SEASON: [f64; 12] = [
    0.85, 0.6, 1.1, 0.95, 1.0, 1.15, 0.9, 0.95, 1.15, 0.95, 1.05, 1.35,
];

fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

fn poisson(rng: &mut ChaCha8Rng, lambda: f64) -> u64 {
    if lambda <= 0.0 {
        return 0;
    }
    Poisson::new(lambda)
        .map(|d| d.sample(rng) as u64)
        .unwrap_or(0)
}

fn lognormal(rng: &mut ChaCha8Rng, median: f64, sigma: f64) -> f64 {
    LogNormal::new(median.ln(), sigma)
        .map(|d| d.sample(rng))
        .unwrap_or(median)
}

fn cny(minor: i64) -> Money {
    Money::from_minor_units(minor, Currency::CNY)
}

fn add_days(d: NaiveDate, n: i64) -> NaiveDate {
    if n >= 0 {
        d + Days::new(n as u64)
    } else {
        d - Days::new((-n) as u64)
    }
}

struct Rep {
    id: UserId,
    region: usize,
    talent: f64,
    /// Yearly change of productivity: some improve, some decline.
    trend: f64,
    joined: NaiveDate,
}

/// Creates the org (units and people) and returns the reps to simulate.
async fn build_org(
    store: &Store,
    params: &Params,
    password_hash: &str,
    rng: &mut ChaCha8Rng,
    start: NaiveDate,
) -> AppResult<(Vec<Rep>, Vec<OrgUnitId>, usize, usize)> {
    let actor = Actor::named("demo");
    let company = store
        .create_org_unit(&NewOrgUnit {
            parent: None,
            name: "Huaxia Instruments 华夏仪器".into(),
            kind: OrgUnitKind::Company,
            external_id: None,
        })
        .await?;
    let mut units = 1;
    let mut users = 0;
    let mut person = 0_usize;
    let create =
        async |login: String, name: String, unit: OrgUnitId, role: Role| -> AppResult<UserId> {
            let user = NewUser {
                email: Some(format!("{login}@huaxia.example")),
                login: Login::new(&login).map_err(|e| AppError::Internal(e.to_string()))?,
                display_name: name,
                unit,
                role,
                external_id: None,
            };
            Ok(store
                .create_user_audited(&actor, &user, password_hash, false)
                .await?
                .id)
        };
    create(
        "admin".into(),
        "System administrator 系统管理员".into(),
        company,
        Role::Admin,
    )
    .await?;
    create(
        "ops".into(),
        "Sales operations 销售运营".into(),
        company,
        Role::SalesOps,
    )
    .await?;
    create(
        "ceo".into(),
        "Head of sales 销售总监".into(),
        company,
        Role::Manager,
    )
    .await?;
    users += 3;
    let mut next_person = |rng: &mut ChaCha8Rng| {
        let (s_en, s_zh) = *pick(rng, SURNAMES);
        let (g_en, g_zh) = *pick(rng, GIVEN);
        person += 1;
        (format!("{g_en}.{s_en}{person}"), format!("{s_zh}{g_zh}"))
    };
    let mut reps = Vec::new();
    let mut regions = Vec::new();
    for r in 0..params.regions {
        let (region_name, cities) = REGIONS[r % REGIONS.len()];
        let region_name = if r < REGIONS.len() {
            region_name.to_owned()
        } else {
            format!("{region_name} {}", r / REGIONS.len() + 1)
        };
        let region = store
            .create_org_unit(&NewOrgUnit {
                parent: Some(company),
                name: region_name,
                kind: OrgUnitKind::Region,
                external_id: None,
            })
            .await?;
        regions.push(region);
        units += 1;
        let (login, name) = next_person(rng);
        create(login, name, region, Role::Manager).await?;
        users += 1;
        // Regions differ in size: the first teams are always there, later ones less often.
        let teams = if params.teams_per_region > 2 {
            params.teams_per_region - usize::from(rng.random_bool(0.3))
        } else {
            params.teams_per_region
        };
        for t in 0..teams {
            let city = cities[t % cities.len()];
            let team_name = if t < cities.len() {
                format!("{city} team")
            } else {
                format!("{city} team {}", t / cities.len() + 1)
            };
            let team = store
                .create_org_unit(&NewOrgUnit {
                    parent: Some(region),
                    name: team_name,
                    kind: OrgUnitKind::Team,
                    external_id: None,
                })
                .await?;
            units += 1;
            let (login, name) = next_person(rng);
            create(login, name, team, Role::Manager).await?;
            users += 1;
            let size = params.reps_per_team + rng.random_range(0..=2) - 1;
            for _ in 0..size {
                let (login, name) = next_person(rng);
                let id = create(login, name, team, Role::Rep).await?;
                users += 1;
                // A quarter of the reps joined during the three years.
                let joined = if rng.random_bool(0.25) {
                    add_days(start, rng.random_range(60..900))
                } else {
                    start
                };
                reps.push(Rep {
                    id,
                    region: r,
                    talent: lognormal(rng, 1.0, 0.35),
                    trend: rng.random_range(-0.25..0.35),
                    joined,
                });
            }
        }
    }
    Ok((reps, regions, units, users))
}

fn reference_data(rng: &mut ChaCha8Rng) -> SalesBatch {
    let mut b = SalesBatch {
        channels: CHANNELS
            .iter()
            .map(|(k, n, _)| Channel {
                key: (*k).into(),
                name: (*n).into(),
            })
            .collect(),
        ..SalesBatch::default()
    };
    let catalogue: &[(&str, &str, i64)] = &[
        ("Analyzers 分析仪", "AN", 18_000_00),
        ("Sensors 传感器", "SE", 2_400_00),
        ("Lab equipment 实验设备", "LB", 56_000_00),
        ("Software 软件", "SW", 9_800_00),
        ("Service contracts 服务合同", "SV", 12_000_00),
        ("Consumables 耗材", "CO", 680_00),
    ];
    let mut id = 1;
    for (category, prefix, base) in catalogue {
        for model in 1..=5 {
            let price = base * (60 + rng.random_range(0..90)) / 100;
            let margin = rng.random_range(35..70);
            b.products.push(Product {
                id: ProductId::from_raw(id),
                sku: format!("{prefix}-{:03}", model * 100 + rng.random_range(0..100)),
                name: format!(
                    "{} {prefix}{}",
                    category.split(' ').next().unwrap_or(category),
                    model * 100
                ),
                category: (*category).into(),
                list_price: cny(price),
                unit_cost: cny(price * (100 - margin) / 100),
                active: model < 5 || rng.random_bool(0.5),
                external_id: None,
            });
            id += 1;
        }
    }
    let competitors: &[(&str, &str, &str, &str)] = &[
        (
            "Keyuan 科远",
            "lower",
            "Low prices, fast delivery",
            "Weak service network",
        ),
        (
            "Precisa 普瑞萨",
            "higher",
            "Brand, accuracy",
            "Expensive, slow to customise",
        ),
        (
            "Tianrui 天瑞",
            "similar",
            "Strong in South China",
            "Narrow product range",
        ),
        (
            "Labtech 莱博",
            "higher",
            "Software integration",
            "Long lead times",
        ),
        (
            "Anhe 安禾",
            "lower",
            "Government relationships",
            "Quality complaints",
        ),
    ];
    b.competitors = competitors
        .iter()
        .enumerate()
        .map(|(i, (name, price, s, w))| Competitor {
            id: CompetitorId::from_raw(i as i64 + 1),
            name: (*name).into(),
            price_position: Some((*price).into()),
            strengths: Some((*s).into()),
            weaknesses: Some((*w).into()),
        })
        .collect();
    let courses: &[(&str, CourseKind)] = &[
        ("Consultative selling 顾问式销售", CourseKind::Skill),
        ("Negotiation 谈判技巧", CourseKind::Skill),
        ("Key account management 大客户管理", CourseKind::Skill),
        ("Pipeline hygiene 商机管理", CourseKind::Skill),
        ("Analyzer product line 分析仪产品线", CourseKind::Product),
        ("Lab equipment 实验设备", CourseKind::Product),
        ("Software suite 软件套件", CourseKind::Product),
    ];
    b.courses = courses
        .iter()
        .enumerate()
        .map(|(i, (n, k))| Course {
            id: CourseId::from_raw(i as i64 + 1),
            name: (*n).into(),
            kind: *k,
        })
        .collect();
    b
}

/// The simulation state carried across reps.
struct Sim<'a> {
    rng: ChaCha8Rng,
    params: Params,
    products: Vec<Product>,
    start: NaiveDate,
    as_of: NaiveDate,
    next_customer: i64,
    next_deal: i64,
    next_order: i64,
    regions: &'a [OrgUnitId],
    /// The build's seed: contacts and exchange rates draw from their own
    /// streams derived from it, so adding them leaves the sales history as it was.
    seed: u64,
    next_contact: i64,
}

const TITLES: &[&str] = &[
    "采购经理 Purchasing manager",
    "实验室主任 Lab director",
    "技术总监 CTO",
    "总经理 General manager",
    "设备工程师 Equipment engineer",
    "质量经理 Quality manager",
    "财务经理 Finance manager",
];

fn channel(rng: &mut ChaCha8Rng) -> String {
    let x: f64 = rng.random();
    let mut acc = 0.0;
    for (key, _, weight) in CHANNELS {
        acc += weight;
        if x < acc {
            return (*key).to_owned();
        }
    }
    CHANNELS[0].0.to_owned()
}

impl Sim<'_> {
    fn new_customer(
        &mut self,
        b: &mut SalesBatch,
        owner: UserId,
        region: usize,
        created_on: NaiveDate,
    ) -> (CustomerId, CustomerSize) {
        let rng = &mut self.rng;
        let id = CustomerId::from_raw(self.next_customer);
        self.next_customer += 1;
        let size = match rng.random_range(0..100) {
            0..55 => CustomerSize::Small,
            55..82 => CustomerSize::Medium,
            82..96 => CustomerSize::Large,
            _ => CustomerSize::Enterprise,
        };
        let segment = match size {
            CustomerSize::Small => "SMB 中小客户",
            CustomerSize::Medium => "Mid-market 中型客户",
            CustomerSize::Large | CustomerSize::Enterprise => "Key account 大客户",
        };
        let (_, cities) = REGIONS[region % REGIONS.len()];
        let city = pick(rng, cities);
        let name = format!(
            "{} {} {}",
            city.split(' ').next().unwrap_or(city),
            pick(rng, COMPANY_WORDS),
            pick(rng, COMPANY_KINDS)
        );
        b.customers.push(Customer {
            id,
            name: format!("{name} #{}", id.raw()),
            industry: Some((*pick(rng, INDUSTRIES)).into()),
            region: Some((*city).into()),
            size: Some(size),
            segment: Some(segment.into()),
            source_channel: Some(channel(rng)),
            owner: Some(owner),
            territory: None,
            status: CustomerStatus::Prospect,
            in_pool: false,
            created_on,
            external_id: None,
        });
        self.contacts_of(b, id, owner);
        (id, size)
    }

    /// Order lines worth about `target` minor units.
    fn lines(&mut self, order: OrderId, target: i64) -> Vec<OrderLine> {
        let rng = &mut self.rng;
        let count = rng.random_range(1..=4_usize);
        let mut lines = Vec::with_capacity(count);
        for i in 0..count {
            let product = &self.products[rng.random_range(0..self.products.len())];
            let share = if i + 1 == count {
                1.0
            } else {
                rng.random_range(0.2..0.6)
            };
            let budget =
                (target as f64 * share / (count - i) as f64 * (count - i).min(2) as f64).max(1.0);
            let list = product.list_price.to_minor_units().unwrap_or(1).max(1);
            let quantity = ((budget / list as f64).round() as i64).clamp(1, 500);
            let discount = rng.random_range(0..=20);
            let unit = list * (100 - discount) / 100;
            let cost = product.unit_cost.to_minor_units().unwrap_or(0) * quantity;
            lines.push(OrderLine {
                order,
                product: Some(product.id),
                quantity,
                unit_price: cny(unit),
                amount: cny(unit * quantity),
                cost: cny(cost),
            });
        }
        lines
    }

    fn order(
        &mut self,
        b: &mut SalesBatch,
        customer: CustomerId,
        owner: UserId,
        deal: Option<DealId>,
        date: NaiveDate,
        target: i64,
    ) -> (OrderId, i64) {
        let id = OrderId::from_raw(self.next_order);
        self.next_order += 1;
        let lines = self.lines(id, target);
        let total: i64 = lines
            .iter()
            .map(|l| l.amount.to_minor_units().unwrap_or(0))
            .sum();
        b.order_lines.extend(lines);
        b.orders.push(Order {
            id,
            number: format!("SO{}{:07}", date.format("%y%m"), id.raw()),
            customer,
            owner,
            deal,
            order_date: date,
            total: cny(total),
            cancelled: false,
            external_id: None,
        });
        // Payment in one to three instalments; late payers exist.
        let rng = &mut self.rng;
        let instalments = rng.random_range(1..=3_i64);
        let late = rng.random_bool(0.15);
        let mut paid = 0;
        for k in 0..instalments {
            let amount = if k + 1 == instalments {
                total - paid
            } else {
                total / instalments
            };
            paid += amount;
            let delay = 15
                + k * 30
                + rng.random_range(0..20)
                + if late { rng.random_range(30..120) } else { 0 };
            let received = add_days(date, delay);
            if received <= self.as_of && amount > 0 {
                b.payments.push(Payment {
                    order: id,
                    received_on: received,
                    amount: cny(amount),
                    method: Some(if rng.random_bool(0.8) {
                        "bank transfer".into()
                    } else {
                        "acceptance bill".into()
                    }),
                    external_id: None,
                });
            }
        }
        if rng.random_bool(0.02) {
            let refunded_on = add_days(date, rng.random_range(10..60));
            if refunded_on <= self.as_of {
                let amount = total * rng.random_range(5..30) / 100;
                if amount > 0 {
                    b.refunds.push(Refund {
                        order: id,
                        refunded_on,
                        amount: cny(amount),
                        reason: Some("Returned goods 退货".into()),
                        external_id: None,
                    });
                }
            }
        }
        (id, total)
    }

    fn deal_value(&mut self, size: CustomerSize) -> i64 {
        let median = match size {
            CustomerSize::Small => 18_000.0,
            CustomerSize::Medium => 60_000.0,
            CustomerSize::Large => 220_000.0,
            CustomerSize::Enterprise => 650_000.0,
        };
        (lognormal(&mut self.rng, median, 0.6) * 100.0) as i64
    }

    /// Three years of one rep's work.
    fn simulate_rep(&mut self, b: &mut SalesBatch, rep: &Rep) {
        let mut customers: Vec<(CustomerId, CustomerSize, NaiveDate, bool)> = Vec::new();
        // Reps who were there when history begins inherit a book of customers
        // who bought before it and keep reordering (or leave) during it.
        if rep.joined <= self.start {
            for _ in 0..poisson(&mut self.rng, 18.0 * rep.talent) {
                let since = add_days(self.start, -self.rng.random_range(30..900));
                let (c, size) = self.new_customer(b, rep.id, rep.region, since);
                if let Some(record) = b.customers.iter_mut().rev().find(|x| x.id == c) {
                    record.status = CustomerStatus::Active;
                }
                customers.push((c, size, since, true));
            }
        }
        let mut month =
            NaiveDate::from_ymd_opt(rep.joined.year(), rep.joined.month(), 1).unwrap_or(rep.joined);
        while month <= self.as_of {
            let years_in = (month - self.start).num_days() as f64 / 365.0;
            let season = SEASON[month.month0() as usize];
            let productivity = (rep.talent * (1.0 + rep.trend * years_in)).max(0.2);
            let new_deals = poisson(
                &mut self.rng,
                self.params.deals_per_month * season * productivity,
            );
            for _ in 0..new_deals {
                let created = add_days(month, self.rng.random_range(0..28));
                if created > self.as_of {
                    continue;
                }
                let reuse = !customers.is_empty() && self.rng.random_bool(0.35);
                let (customer, size) = if reuse {
                    let (c, s, _, _) = customers[self.rng.random_range(0..customers.len())];
                    (c, s)
                } else {
                    let (c, s) = self.new_customer(b, rep.id, rep.region, created);
                    customers.push((c, s, created, false));
                    (c, s)
                };
                self.deal(b, rep, customer, size, created, &mut customers);
            }
            // Prospecting activities not tied to a deal.
            for _ in 0..poisson(&mut self.rng, 6.0 * productivity) {
                let day = add_days(month, self.rng.random_range(0..28));
                if day <= self.as_of {
                    let customer = (!customers.is_empty())
                        .then(|| customers[self.rng.random_range(0..customers.len())].0);
                    b.activities.push(Activity {
                        kind: *pick(
                            &mut self.rng,
                            &[ActivityKind::Call, ActivityKind::Email, ActivityKind::Call],
                        ),
                        owner: rep.id,
                        customer,
                        deal: None,
                        occurred_on: day,
                        subject: Some("Follow-up 跟进".into()),
                    });
                }
            }
            month = month
                .checked_add_months(Months::new(1))
                .unwrap_or(self.as_of + Days::new(1));
        }
        // Repeat business and service for every customer that bought.
        for (customer, size, first, bought) in customers {
            if !bought {
                continue;
            }
            self.after_sales(b, rep, customer, size, first);
        }
        // Prospects that never bought and went quiet drift back to the customer pool (客户公海).
        let cutoff = add_days(self.as_of, -180);
        for c in b.customers.iter_mut().filter(|c| {
            c.owner == Some(rep.id) && c.status == CustomerStatus::Prospect && c.created_on < cutoff
        }) {
            if self.rng.random_bool(0.3) {
                c.owner = None;
                c.in_pool = true;
            }
        }
    }

    fn deal(
        &mut self,
        b: &mut SalesBatch,
        rep: &Rep,
        customer: CustomerId,
        size: CustomerSize,
        created: NaiveDate,
        customers: &mut [(CustomerId, CustomerSize, NaiveDate, bool)],
    ) {
        let id = DealId::from_raw(self.next_deal);
        self.next_deal += 1;
        let amount = self.deal_value(size);
        let cycle_median = match size {
            CustomerSize::Small => 28.0,
            CustomerSize::Medium => 45.0,
            CustomerSize::Large => 75.0,
            CustomerSize::Enterprise => 110.0,
        };
        let cycle = lognormal(&mut self.rng, cycle_median / rep.talent.sqrt(), 0.45)
            .round()
            .clamp(5.0, 400.0) as i64;
        let close = add_days(created, cycle);
        let win_p = (0.28 * rep.talent.powf(0.7)).clamp(0.08, 0.7);
        let src = Some(channel(&mut self.rng));
        let competitors: Vec<CompetitorId> = (0..self.rng.random_range(0..=2_i64))
            .map(|_| CompetitorId::from_raw(self.rng.random_range(1..=5)))
            .collect();
        let mut seen = Vec::new();
        for c in competitors {
            if !seen.contains(&c) {
                seen.push(c);
                b.deal_competitors.push((id, c));
            }
        }
        let reached = if close <= self.as_of {
            STAGES.len()
        } else {
            let elapsed = (self.as_of - created).num_days() as f64 / cycle as f64;
            ((elapsed * STAGES.len() as f64) as usize + 1).clamp(1, STAGES.len())
        };
        let name = format!(
            "{} {}",
            pick(
                &mut self.rng,
                &[
                    "Upgrade 升级",
                    "New line 新产线",
                    "Lab build-out 实验室建设",
                    "Renewal 续约",
                    "Expansion 扩容",
                    "Pilot 试点"
                ]
            ),
            id.raw()
        );
        let (status, stage, probability, forecast, closed_on, lost_reason) = if close <= self.as_of
        {
            if self.rng.random_bool(win_p) {
                (
                    DealStatus::Won,
                    "Won 赢单".to_owned(),
                    100,
                    ForecastCategory::Closed,
                    Some(close),
                    None,
                )
            } else {
                // Lost deals stop somewhere along the way.
                let lost_on = add_days(
                    created,
                    (cycle as f64 * self.rng.random_range(0.4..1.0)) as i64,
                );
                (
                    DealStatus::Lost,
                    "Lost 输单".to_owned(),
                    0,
                    ForecastCategory::Closed,
                    Some(lost_on),
                    Some((*pick(&mut self.rng, LOST_REASONS)).to_owned()),
                )
            }
        } else {
            let (stage, p) = STAGES[reached - 1];
            let forecast = match p {
                75.. => ForecastCategory::Commit,
                50.. => ForecastCategory::BestCase,
                _ => ForecastCategory::Pipeline,
            };
            (DealStatus::Open, stage.to_owned(), p, forecast, None, None)
        };
        // The stages it went through, up to the day it closed (or today).
        let last_day = closed_on.unwrap_or(self.as_of);
        for (i, (stage_name, _)) in STAGES.iter().enumerate().take(reached) {
            let entered = add_days(created, cycle * i as i64 / STAGES.len() as i64).min(self.as_of);
            if entered <= last_day {
                b.stage_changes.push(StageChange {
                    deal: id,
                    stage: (*stage_name).into(),
                    entered_on: entered,
                });
            }
        }
        if status != DealStatus::Open {
            b.stage_changes.push(StageChange {
                deal: id,
                stage: stage.clone(),
                entered_on: closed_on.unwrap_or(close),
            });
        }
        // Open deals: some reps let expected dates slip into the past.
        let expected = if status == DealStatus::Open && self.rng.random_bool(0.1) {
            add_days(self.as_of, -self.rng.random_range(1..30))
        } else {
            close
        };
        b.deals.push(Deal {
            id,
            name,
            customer,
            owner: rep.id,
            amount: cny(amount),
            stage,
            probability,
            forecast_category: forecast,
            status,
            created_on: created,
            expected_close_on: expected,
            closed_on,
            lost_reason,
            source_channel: src,
            external_id: None,
        });
        // Activities along the deal's life.
        let end = closed_on.unwrap_or(self.as_of);
        let span = (end - created).num_days().max(1);
        for _ in 0..poisson(&mut self.rng, 2.0 + span as f64 / 12.0) {
            let day = add_days(created, self.rng.random_range(0..=span));
            let kind = *pick(
                &mut self.rng,
                &[
                    ActivityKind::Call,
                    ActivityKind::Call,
                    ActivityKind::Email,
                    ActivityKind::Visit,
                    ActivityKind::Meeting,
                ],
            );
            b.activities.push(Activity {
                kind,
                owner: rep.id,
                customer: Some(customer),
                deal: Some(id),
                occurred_on: day,
                subject: None,
            });
        }
        if status == DealStatus::Won {
            self.order(b, customer, rep.id, Some(id), close, amount);
            if let Some(entry) = customers.iter_mut().find(|c| c.0 == customer) {
                entry.3 = true;
            }
            if let Some(c) = b.customers.iter_mut().find(|c| c.id == customer) {
                c.status = CustomerStatus::Active;
            }
        }
    }

    fn after_sales(
        &mut self,
        b: &mut SalesBatch,
        rep: &Rep,
        customer: CustomerId,
        size: CustomerSize,
        first: NaiveDate,
    ) {
        // Each year a customer may leave for good.
        let churn_per_year = match size {
            CustomerSize::Small => 0.3,
            CustomerSize::Medium => 0.2,
            _ => 0.1,
        };
        let lifetime_days =
            (-(1.0 - self.rng.random::<f64>()).ln() / churn_per_year * 365.0) as i64;
        let last_day = add_days(first, lifetime_days).min(self.as_of);
        let mut day = first;
        loop {
            let gap =
                lognormal(&mut self.rng, 365.0 / self.params.reorders_per_year, 0.5) as i64 + 7;
            day = add_days(day, gap);
            if day > last_day {
                break;
            }
            if day < self.start {
                continue;
            }
            let season = SEASON[day.month0() as usize];
            let value = (self.deal_value(size) as f64 / 3.0 * season) as i64;
            self.order(b, customer, rep.id, None, day, value.max(500_00));
        }
        let churned = last_day < self.as_of && (self.as_of - last_day).num_days() > 365;
        if let Some(c) = b.customers.iter_mut().find(|c| c.id == customer) {
            c.status = if churned {
                CustomerStatus::Churned
            } else if (self.as_of - last_day).num_days() > 365 {
                CustomerStatus::Inactive
            } else {
                CustomerStatus::Active
            };
        }
        // Service tickets and surveys while the customer is with us.
        let first = first.max(self.start);
        if last_day < first {
            return;
        }
        let years = ((last_day - first).num_days() as f64 / 365.0).max(0.1);
        for _ in 0..poisson(&mut self.rng, 1.5 * years) {
            let opened_day = add_days(
                first,
                self.rng
                    .random_range(0..=(last_day - first).num_days().max(0)),
            );
            let opened = Utc.from_utc_datetime(
                &opened_day
                    .and_hms_opt(
                        self.rng.random_range(8..19),
                        self.rng.random_range(0..60),
                        0,
                    )
                    .unwrap_or_default(),
            );
            let priority = *pick(
                &mut self.rng,
                &[
                    TicketPriority::Low,
                    TicketPriority::Normal,
                    TicketPriority::Normal,
                    TicketPriority::High,
                    TicketPriority::Urgent,
                ],
            );
            let response_h = lognormal(
                &mut self.rng,
                match priority {
                    TicketPriority::Urgent => 1.0,
                    TicketPriority::High => 3.0,
                    _ => 8.0,
                },
                0.8,
            );
            let resolve_h = response_h + lognormal(&mut self.rng, 30.0, 0.9);
            let first_response = opened + chrono::Duration::minutes((response_h * 60.0) as i64);
            let resolved = opened + chrono::Duration::minutes((resolve_h * 60.0) as i64);
            let now = Utc.from_utc_datetime(&self.as_of.and_hms_opt(23, 59, 0).unwrap_or_default());
            b.tickets.push(Ticket {
                customer,
                opened_at: opened,
                first_response_at: (first_response <= now).then_some(first_response),
                resolved_at: (resolved <= now).then_some(resolved),
                priority,
                category: Some(
                    (*pick(
                        &mut self.rng,
                        &[
                            "Installation 安装",
                            "Calibration 校准",
                            "Repair 维修",
                            "Software 软件",
                            "Billing 账务",
                        ],
                    ))
                    .into(),
                ),
                subject: None,
            });
            if resolved <= now && self.rng.random_bool(0.45) {
                // Slow resolutions make unhappy customers.
                let base: f64 = if resolve_h < 24.0 {
                    4.4
                } else if resolve_h < 72.0 {
                    3.8
                } else {
                    2.9
                };
                let score = (base + self.rng.random_range(-1.2..1.2))
                    .round()
                    .clamp(1.0, 5.0) as u8;
                b.surveys.push(SurveyResponse {
                    customer,
                    kind: SurveyKind::Csat,
                    score,
                    responded_on: resolved.date_naive(),
                    comment: None,
                });
            }
        }
        let mut survey_day = add_days(first, 90);
        while survey_day <= last_day {
            if self.rng.random_bool(0.35) {
                let score = (7.5 + rep.talent + self.rng.random_range(-3.5..2.5))
                    .round()
                    .clamp(0.0, 10.0) as u8;
                b.surveys.push(SurveyResponse {
                    customer,
                    kind: SurveyKind::Nps,
                    score,
                    responded_on: survey_day,
                    comment: None,
                });
            }
            survey_day = add_days(survey_day, 365);
        }
    }

    fn company_wide(&mut self, b: &mut SalesBatch, reps: &[Rep]) {
        // Marketing spend by channel and month; sales spend by region and month.
        let mut month =
            NaiveDate::from_ymd_opt(self.start.year(), self.start.month(), 1).unwrap_or(self.start);
        let scale = reps.len() as f64 / 30.0;
        while month <= self.as_of {
            let season = SEASON[month.month0() as usize];
            for (key, _, weight) in CHANNELS {
                let amount = (lognormal(
                    &mut self.rng,
                    40_000.0 * weight * 6.0 * scale * season,
                    0.25,
                ) * 100.0) as i64;
                b.spend.push(Spend {
                    channel: (*key).into(),
                    kind: SpendKind::Marketing,
                    spent_on: month,
                    amount: cny(amount),
                    unit: None,
                    description: Some("Campaigns 市场活动".into()),
                });
            }
            for region in self.regions {
                let amount = (lognormal(
                    &mut self.rng,
                    25_000.0 * scale / self.regions.len() as f64 * 6.0,
                    0.3,
                ) * 100.0) as i64;
                b.spend.push(Spend {
                    channel: "outbound".into(),
                    kind: SpendKind::Sales,
                    spent_on: month,
                    amount: cny(amount),
                    unit: Some(*region),
                    description: Some("Travel and entertainment 差旅招待".into()),
                });
            }
            month = month
                .checked_add_months(Months::new(1))
                .unwrap_or(self.as_of + Days::new(1));
        }
        // Training: each rep is assigned a few courses; most finish them.
        for rep in reps {
            for _ in 0..self.rng.random_range(2..=5) {
                let assigned = add_days(
                    rep.joined.max(self.start),
                    self.rng.random_range(
                        0..=(self.as_of - rep.joined.max(self.start)).num_days().max(1),
                    ),
                );
                let due = add_days(assigned, 30);
                let completed = (self.rng.random_bool((0.6 + 0.2 * rep.talent).min(0.95)))
                    .then(|| add_days(assigned, self.rng.random_range(3..45)))
                    .filter(|d| *d <= self.as_of);
                b.enrolments.push(Enrolment {
                    course: CourseId::from_raw(self.rng.random_range(1..=7)),
                    user: rep.id,
                    assigned_on: assigned,
                    due_on: due,
                    completed_on: completed,
                    score: completed.map(|_| {
                        (60.0 + 15.0 * rep.talent + self.rng.random_range(-10.0..15.0))
                            .clamp(0.0, 100.0) as u8
                    }),
                });
            }
        }
        // Market size per segment and region for each fiscal year.
        for year in self.start.year()..=self.as_of.year() {
            for (region, _) in REGIONS.iter().take(self.params.regions.min(REGIONS.len())) {
                for (segment, base) in [
                    ("SMB 中小客户", 80_000_000.0),
                    ("Mid-market 中型客户", 150_000_000.0),
                    ("Key account 大客户", 320_000_000.0),
                ] {
                    let amount = (base * scale / 5.0
                        * (1.0 + 0.06 * f64::from(year - self.start.year()))
                        * self.rng.random_range(0.8..1.2)
                        * 100.0) as i64;
                    b.market_sizes.push(MarketSize {
                        segment: segment.into(),
                        region: (*region).into(),
                        period: format!("FY{year}"),
                        amount: cny(amount),
                    });
                }
            }
        }
    }
}

/// Order lines per write: large enough for fast batches, small enough to
/// keep memory flat at the large scale.
const LINES_PER_WRITE: usize = 60_000;

/// Builds the demo company into an empty store: its settings (name, base
/// currency, fiscal year), org and people, three years of facts, then the
/// rollups, the goals of the year of `as_of` and its payout runs.
/// `password_hash` is set for every demo account. `progress` is called
/// after each write with the number of reps done and the total.
pub async fn build(
    store: &Store,
    options: DemoOptions,
    password_hash: &str,
    mut progress: impl FnMut(usize, usize),
) -> AppResult<DemoSummary> {
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    let params = options.scale.params();
    let start = options
        .as_of
        .checked_sub_months(Months::new(36))
        .map(|d| d + Days::new(1))
        .ok_or_else(|| AppError::Invalid(format!("--as-of {} is too early", options.as_of)))?;
    store
        .update_settings(&attain_store::OrgSettings {
            name: "Huaxia Instruments 华夏仪器".into(),
            base_currency: Currency::CNY,
            calendar: attain_core::FiscalCalendar::default(),
            ..attain_store::OrgSettings::default()
        })
        .await?;
    let (reps, regions, units, users) =
        build_org(store, &params, password_hash, &mut rng, start).await?;
    let reference = reference_data(&mut rng);
    let products = reference.products.clone();
    store.insert_sales_batch(&reference).await?;
    // The demo fills an empty database: indexes are built once at the end.
    let indexes = store.drop_fact_indexes().await?;
    let mut sim = Sim {
        rng,
        params,
        products,
        start,
        as_of: options.as_of,
        next_customer: 1,
        next_deal: 1,
        next_order: 1,
        regions: &regions,
        seed: options.seed,
        next_contact: 1,
    };
    let mut summary = DemoSummary {
        units,
        users,
        reps: reps.len(),
        ..DemoSummary::default()
    };
    let mut batch = SalesBatch::default();
    let count = |b: &SalesBatch, s: &mut DemoSummary| {
        s.customers += b.customers.len();
        s.deals += b.deals.len();
        s.orders += b.orders.len();
        s.order_lines += b.order_lines.len();
        s.payments += b.payments.len();
        s.activities += b.activities.len();
        s.tickets += b.tickets.len();
    };
    let mut generating = std::time::Duration::ZERO;
    let mut writing = std::time::Duration::ZERO;
    for (i, rep) in reps.iter().enumerate() {
        let t = std::time::Instant::now();
        sim.simulate_rep(&mut batch, rep);
        generating += t.elapsed();
        if batch.order_lines.len() >= LINES_PER_WRITE || i + 1 == reps.len() {
            sim.company_wide_if_last(&mut batch, &reps, i + 1 == reps.len());
            count(&batch, &mut summary);
            let t = std::time::Instant::now();
            store.insert_sales_batch(&batch).await?;
            writing += t.elapsed();
            batch = SalesBatch::default();
            progress(i + 1, reps.len());
        }
    }
    let t = std::time::Instant::now();
    store.restore_indexes(&indexes).await?;
    writing += t.elapsed();
    store.sync_id_sequences().await?;
    let t = std::time::Instant::now();
    store.rebuild_rollups().await?;
    let rollups = t.elapsed();
    seed_goals(store, options.as_of).await?;
    seed_pay(store, options.as_of).await?;
    tracing::info!(
        generating_ms = generating.as_millis() as u64,
        writing_ms = writing.as_millis() as u64,
        rollups_ms = rollups.as_millis() as u64,
        "demo data built"
    );
    Ok(summary)
}

/// The demo's goals for the year and quarter of `as_of`: revenue cascaded
/// from the company to regions, teams and reps by last year's shares, a
/// quarter's revenue split into months by season, new customers and a win
/// rate; a revision with its reason, and check-ins.
async fn seed_goals(store: &Store, as_of: NaiveDate) -> AppResult<()> {
    use attain_app::goals::{self, By, GoalSpec, SplitInto, SplitMethod};
    use attain_core::Granularity;
    use attain_kpi::{Engine, Scope};
    let engine = Engine::new(store).await?;
    let calendar = engine.calendar();
    let year = calendar.period_containing(as_of, Granularity::FiscalYear)?;
    let quarter = calendar.period_containing(as_of, Granularity::FiscalQuarter)?;
    let grow = |base: Option<rust_decimal::Decimal>, pct: i64, round: i64| {
        let base = base.unwrap_or_default() * rust_decimal::Decimal::new(100 + pct, 2);
        let step = rust_decimal::Decimal::from(round);
        ((base / step).round() * step).max(step)
    };
    let spec = |metric: &str, period, target, name: &str| GoalSpec {
        metric: metric.into(),
        scope: Scope::Company,
        period,
        target,
        direction: None,
        parent: None,
        name: name.into(),
    };
    let last = |p: attain_core::Period, metric: &'static str| {
        let engine = &engine;
        async move {
            goals::actual(
                engine,
                &metric.into(),
                &Scope::Company,
                p.same_period_last_year()?,
            )
            .await
        }
    };
    let history = SplitMethod::History(None);
    // The year's revenue, down to every rep.
    let target = grow(last(year, "revenue").await?, 15, 100_000);
    let annual = goals::create(
        &engine,
        By::System,
        &spec("revenue", year, target, "Annual revenue 年度销售额"),
    )
    .await?;
    let regions = goals::split(&engine, By::System, annual, SplitInto::Units, &history).await?;
    for region in regions {
        let teams =
            goals::split(&engine, By::System, region.goal, SplitInto::Units, &history).await?;
        for team in teams {
            goals::split(&engine, By::System, team.goal, SplitInto::Reps, &history).await?;
        }
    }
    // The quarter: revenue by region and by month, raised once with a reason.
    let target = grow(last(quarter, "revenue").await?, 12, 100_000);
    let q = goals::create(&engine, By::System, &spec("revenue", quarter, target, "")).await?;
    goals::split(&engine, By::System, q, SplitInto::Units, &history).await?;
    goals::revise(
        &engine,
        By::System,
        q,
        target + rust_decimal::Decimal::from(500_000),
        "Two key-account renewals moved into this quarter 两个大客户续约提前到本季度",
    )
    .await?;
    let target = grow(last(quarter, "new_customers").await?, 10, 1);
    let nc = goals::create(
        &engine,
        By::System,
        &spec("new_customers", quarter, target, ""),
    )
    .await?;
    goals::split(&engine, By::System, nc, SplitInto::Units, &history).await?;
    let wr = goals::create(
        &engine,
        By::System,
        &spec("win_rate", quarter, rust_decimal::Decimal::from(35), ""),
    )
    .await?;
    goals::split(
        &engine,
        By::System,
        wr,
        SplitInto::Units,
        &SplitMethod::Equal,
    )
    .await?;
    goals::check_in(&engine, By::System, q, 70, "Pipeline is healthy; two large deals to close in the last month. 管道健康，最后一个月有两笔大单待签。").await?;
    goals::check_in(
        &engine,
        By::System,
        annual,
        60,
        "Behind in the first half, catching up since. 上半年落后，之后在追赶。",
    )
    .await?;
    Ok(())
}

impl Sim<'_> {
    /// One to three people at a new customer, from the customer's own stream.
    fn contacts_of(&mut self, b: &mut SalesBatch, customer: CustomerId, owner: UserId) {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed ^ customer.raw().rotate_left(17) as u64);
        for _ in 0..rng.random_range(1..=3_u32) {
            let (s_en, s_zh) = *pick(&mut rng, SURNAMES);
            let (g_en, g_zh) = *pick(&mut rng, GIVEN);
            let id = self.next_contact;
            self.next_contact += 1;
            b.contacts.push(Contact {
                id: ContactId::from_raw(id),
                customer: Some(customer),
                name: format!("{s_zh}{g_zh}"),
                title: Some((*pick(&mut rng, TITLES)).into()),
                email: Some(format!(
                    "{g_en}.{s_en}.{id}@customer{}.example.cn",
                    customer.raw()
                )),
                phone: Some(format!(
                    "1{}{:08}",
                    rng.random_range(30..90_u32),
                    rng.random_range(0..100_000_000_u32)
                )),
                owner: Some(owner),
                external_id: None,
            });
        }
    }

    /// Monthly rates of the currencies some customers pay in, as a random
    /// walk from their 2026 levels (one stream per currency).
    fn exchange_rates(&self, b: &mut SalesBatch) {
        let hkd = Currency::from_code("HKD").unwrap_or(Currency::USD);
        for (i, (currency, start_fen)) in [
            (Currency::USD, 7_10_i64 * 100),
            (Currency::EUR, 7_80 * 100),
            (hkd, 91 * 100),
        ]
        .into_iter()
        .enumerate()
        {
            let mut rng = ChaCha8Rng::seed_from_u64(self.seed.wrapping_add(0xE7 + i as u64));
            // Rates in ten-thousandths of a yuan, exact.
            let mut rate = start_fen;
            let mut month = NaiveDate::from_ymd_opt(self.start.year(), self.start.month(), 1)
                .unwrap_or(self.start);
            while month <= self.as_of {
                b.exchange_rates.push(ExchangeRate {
                    currency,
                    month,
                    rate_to_base: rust_decimal::Decimal::new(rate, 4),
                });
                rate += rate * rng.random_range(-150..=150_i64) / 10_000;
                match month.checked_add_months(Months::new(1)) {
                    Some(next) => month = next,
                    None => break,
                }
            }
        }
    }

    fn company_wide_if_last(&mut self, b: &mut SalesBatch, reps: &[Rep], last: bool) {
        if last {
            self.company_wide(b, reps);
            self.exchange_rates(b);
        }
    }
}

/// The demo's plan: every rep on it from the start of the fiscal year of
/// `as_of`; each finished quarter of that year calculated, all but the last
/// approved and locked.
async fn seed_pay(store: &Store, as_of: NaiveDate) -> AppResult<()> {
    use attain_app::goals::By;
    use attain_app::pay::{PlanSpec, advance, assign, calculate, save_plan};
    use attain_core::comp::Tier;
    use attain_store::RunStatus;
    use rust_decimal::Decimal;
    let engine = attain_kpi::Engine::new(store).await?;
    let calendar = engine.calendar();
    let year = calendar.period_containing(as_of, attain_core::Granularity::FiscalYear)?;
    let pct = |n: i64| Decimal::new(n, 2);
    let plan = save_plan(
        &engine,
        By::System,
        None,
        &PlanSpec {
            name: "Sales rep plan 销售代表提成方案".into(),
            metric: "revenue".into(),
            tiers: vec![
                Tier {
                    from: Decimal::ZERO,
                    rate: pct(2),
                },
                Tier {
                    from: pct(50),
                    rate: pct(4),
                },
                Tier {
                    from: Decimal::ONE,
                    rate: pct(7),
                },
            ],
            threshold: Some(pct(30)),
            cap: Some(Decimal::from(250_000)),
        },
    )
    .await?;
    let reps: Vec<UserId> = store
        .users()
        .await?
        .into_iter()
        .filter(|u| u.role == Role::Rep && u.active)
        .map(|u| u.id)
        .collect();
    assign(store, By::System, plan, &reps, year.start(), None).await?;
    let quarters: Vec<attain_core::Period> = year
        .sub_periods()
        .into_iter()
        .flat_map(|h| h.sub_periods())
        .filter(|q| q.last_day() <= as_of)
        .collect();
    for (i, q) in quarters.iter().enumerate() {
        let run = calculate(&engine, By::System, *q, None).await?;
        if i + 1 < quarters.len() {
            advance(store, By::System, run, RunStatus::Approved).await?;
            advance(store, By::System, run, RunStatus::Locked).await?;
        }
    }
    Ok(())
}
