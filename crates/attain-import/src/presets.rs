//! How each CRM names the columns of its exports (see
//! shared/docs/crm-exports.md). Headers match case-insensitively after
//! trimming; the first matching alias wins; a mapping file can add more.

/// A source CRM whose export layout Attain knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    /// Zoho CRM (field labels, `Record Id`, `Deal Owner`).
    Zoho,
    /// Salesforce (report labels or Data Loader API names).
    Salesforce,
    /// 纷享销客 Fxiaoke (Chinese labels).
    Fxiaoke,
    /// HubSpot (deal labels).
    Hubspot,
    /// Attain's own column names.
    Generic,
}

impl std::str::FromStr for Preset {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "zoho" => Ok(Self::Zoho),
            "salesforce" | "sfdc" => Ok(Self::Salesforce),
            "fxiaoke" | "纷享销客" => Ok(Self::Fxiaoke),
            "hubspot" => Ok(Self::Hubspot),
            "generic" => Ok(Self::Generic),
            other => Err(format!(
                "'{other}' is not a preset: expected zoho, salesforce, fxiaoke, hubspot or generic"
            )),
        }
    }
}

/// Attain's deal fields and the headers each preset uses for them.
pub(crate) const DEAL_FIELDS: &[(&str, &[&str])] = &[
    (
        "external_id",
        &[
            "external_id",
            "record id",
            "id",
            "opportunity id",
            "deal id",
            "record id (deal)",
            "商机编号",
            "_id",
            "数据id",
        ],
    ),
    (
        "name",
        &[
            "name",
            "deal name",
            "opportunity name",
            "potential name",
            "商机名称",
        ],
    ),
    (
        "customer",
        &[
            "customer",
            "account name",
            "account",
            "associated company",
            "company name",
            "客户名称",
        ],
    ),
    (
        "customer_external_id",
        &[
            "customer_external_id",
            "account name.id",
            "accountid",
            "account id",
            "company name.id",
            "客户编号",
        ],
    ),
    (
        "owner",
        &[
            "owner",
            "deal owner",
            "opportunity owner",
            "potential owner",
            "负责人",
            "负责人邮箱",
        ],
    ),
    (
        "owner_external_id",
        &[
            "owner_external_id",
            "deal owner.id",
            "potential owner.id",
            "opportunity owner.id",
            "ownerid",
            "owner id",
            "smownerid",
            "负责人id",
        ],
    ),
    ("is_won", &["is_won", "iswon", "won"]),
    ("is_closed", &["is_closed", "isclosed", "closed"]),
    (
        "amount",
        &[
            "amount",
            "商机金额",
            "商机金额（元）",
            "商机金额(元)",
            "金额",
            "金额（元）",
            "商机金额（万元）",
            "商机金额(万元)",
            "金额（万元）",
            "金额(万元)",
        ],
    ),
    (
        "currency",
        &["currency", "currencyisocode", "currency iso code", "币种"],
    ),
    (
        "stage",
        &["stage", "deal stage", "stagename", "销售阶段", "阶段"],
    ),
    (
        "probability",
        &["probability", "probability (%)", "赢率", "赢单率"],
    ),
    (
        "close_date",
        &[
            "close_date",
            "closed_date",
            "expected_close_date",
            "closing date",
            "close date",
            "closedate",
            "预计成交日期",
            "结单日期",
            "成交日期",
        ],
    ),
    (
        "created",
        &[
            "created",
            "created_date",
            "created_at",
            "created_on",
            "create_time",
            "created time",
            "created date",
            "createddate",
            "create date",
            "creation date",
            "date created",
            "创建时间",
            "创建日期",
        ],
    ),
    (
        "source",
        &["source", "lead source", "leadsource", "商机来源", "来源"],
    ),
    (
        "lost_reason",
        &[
            "lost_reason",
            "reason for loss",
            "closed lost reason",
            "输单原因",
        ],
    ),
    (
        "forecast_category",
        &[
            "forecast_category",
            "forecast category",
            "forecastcategoryname",
            "forecastcategory",
            "预测类别",
        ],
    ),
];

/// How each preset's exports write dates like 03/04/2026 when nothing in
/// the file settles it.
pub(crate) fn default_date_style(preset: Preset) -> super::parse::DateStyle {
    use super::parse::DateStyle;
    match preset {
        Preset::Zoho | Preset::Salesforce | Preset::Hubspot => DateStyle::MonthFirst,
        Preset::Fxiaoke | Preset::Generic => DateStyle::DayFirst,
    }
}

/// A stage's meaning: open, won or lost, and the win probability the CRM
/// gives it by default (used when the file has no probability column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StageRule {
    /// Open, won or lost.
    pub status: attain_core::sales::DealStatus,
    /// Default probability in percent.
    pub probability: Option<u8>,
}

/// The standard pipelines of the CRMs: (stage, status, probability), the
/// names written as [`stage_key`] makes them (lower case, no spaces).
/// Zoho and Salesforce share Salesforce's classic stage names; `Generic`
/// lists the stages Attain itself writes (its demo, its own exports).
const STAGES: &[(Preset, &str, char, u8)] = &[
    (Preset::Salesforce, "prospecting", 'o', 10),
    (Preset::Salesforce, "qualification", 'o', 10),
    (Preset::Salesforce, "needsanalysis", 'o', 20),
    (Preset::Salesforce, "valueproposition", 'o', 50),
    (Preset::Salesforce, "id.decisionmakers", 'o', 60),
    (Preset::Salesforce, "perceptionanalysis", 'o', 70),
    (Preset::Salesforce, "proposal/pricequote", 'o', 75),
    (Preset::Salesforce, "negotiation/review", 'o', 90),
    (Preset::Salesforce, "closedwon", 'w', 100),
    (Preset::Salesforce, "closedlost", 'l', 0),
    (Preset::Zoho, "qualification", 'o', 10),
    (Preset::Zoho, "needsanalysis", 'o', 20),
    (Preset::Zoho, "valueproposition", 'o', 40),
    (Preset::Zoho, "identifydecisionmakers", 'o', 60),
    (Preset::Zoho, "id.decisionmakers", 'o', 60),
    (Preset::Zoho, "perceptionanalysis", 'o', 70),
    (Preset::Zoho, "proposal/pricequote", 'o', 75),
    (Preset::Zoho, "negotiation/review", 'o', 90),
    (Preset::Zoho, "closedwon", 'w', 100),
    (Preset::Zoho, "closedlost", 'l', 0),
    (Preset::Zoho, "closed-losttocompetition", 'l', 0),
    (Preset::Zoho, "closedlosttocompetition", 'l', 0),
    (Preset::Hubspot, "appointmentscheduled", 'o', 20),
    (Preset::Hubspot, "qualifiedtobuy", 'o', 40),
    (Preset::Hubspot, "presentationscheduled", 'o', 60),
    (Preset::Hubspot, "decisionmakerboughtin", 'o', 80),
    (Preset::Hubspot, "decisionmakerbought-in", 'o', 80),
    (Preset::Hubspot, "contractsent", 'o', 90),
    (Preset::Hubspot, "closedwon", 'w', 100),
    (Preset::Hubspot, "closedlost", 'l', 0),
    (Preset::Fxiaoke, "验证客户", 'o', 10),
    (Preset::Fxiaoke, "需求确定", 'o', 30),
    (Preset::Fxiaoke, "方案/报价", 'o', 50),
    (Preset::Fxiaoke, "方案报价", 'o', 50),
    (Preset::Fxiaoke, "谈判审核", 'o', 80),
    (Preset::Fxiaoke, "商务谈判", 'o', 80),
    (Preset::Fxiaoke, "赢单", 'w', 100),
    (Preset::Fxiaoke, "输单", 'l', 0),
    (Preset::Fxiaoke, "无效", 'l', 0),
    (Preset::Generic, "won", 'w', 100),
    (Preset::Generic, "lost", 'l', 0),
    (Preset::Generic, "won赢单", 'w', 100),
    (Preset::Generic, "lost输单", 'l', 0),
    (Preset::Generic, "qualification初步接洽", 'o', 10),
    (Preset::Generic, "needsanalysis需求确认", 'o', 25),
    (Preset::Generic, "proposal方案报价", 'o', 50),
    (Preset::Generic, "negotiation商务谈判", 'o', 75),
];

fn rule(status: char, probability: u8) -> StageRule {
    use attain_core::sales::DealStatus;
    StageRule {
        status: match status {
            'w' => DealStatus::Won,
            'l' => DealStatus::Lost,
            _ => DealStatus::Open,
        },
        probability: Some(probability),
    }
}

/// A stage name as stages are looked up: lower case, without spaces, so
/// `Closed Won`, `closed won` and `ClosedWon` are one stage.
pub(crate) fn stage_key(stage: &str) -> String {
    stage
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

/// What a stage means under `preset`: only a stage the preset's CRM names
/// exactly (ignoring case and spaces) is won or lost — `Generic`, Attain's
/// own layout, knows its own stages and then every CRM's. A name that only
/// contains a won or lost word (`Not won`, `未成交`, `预计成交`) is `None`:
/// read as open, and named in the import's note.
pub(crate) fn stage_rule(preset: Preset, stage: &str) -> Option<StageRule> {
    let key = stage_key(stage);
    let own = STAGES.iter().filter(|(p, ..)| *p == preset);
    let others = STAGES
        .iter()
        .filter(|(p, ..)| preset == Preset::Generic && *p != Preset::Generic);
    own.chain(others)
        .find(|(_, name, ..)| *name == key)
        .map(|(_, _, status, p)| rule(*status, *p))
}

/// Attain's order-line fields and the headers each preset uses for them.
/// One row is one order line; lines of an order share its number.
pub(crate) const ORDER_FIELDS: &[(&str, &[&str])] = &[
    (
        "number",
        &[
            "number",
            "order number",
            "so number",
            "sales order number",
            "order no",
            "订单编号",
            "订单号",
            "合同编号",
        ],
    ),
    (
        "order_date",
        &[
            "order_date",
            "order date",
            "date",
            "orderdate",
            "effective date",
            "下单日期",
            "订单日期",
            "签约日期",
        ],
    ),
    (
        "customer",
        &["customer", "account name", "account", "company", "客户名称"],
    ),
    (
        "customer_external_id",
        &[
            "customer_external_id",
            "account name.id",
            "accountid",
            "客户编号",
        ],
    ),
    (
        "owner",
        &[
            "owner",
            "order owner",
            "sales order owner",
            "sales rep",
            "负责人",
        ],
    ),
    (
        "owner_external_id",
        &[
            "owner_external_id",
            "order owner.id",
            "sales order owner.id",
            "ownerid",
            "owner id",
            "负责人id",
        ],
    ),
    (
        "deal_external_id",
        &[
            "deal_external_id",
            "deal name.id",
            "opportunityid",
            "opportunity id",
            "商机编号",
        ],
    ),
    (
        "product",
        &[
            "product",
            "sku",
            "product code",
            "product name",
            "productcode",
            "产品编号",
            "产品名称",
            "产品",
        ],
    ),
    ("quantity", &["quantity", "qty", "数量"]),
    (
        "unit_price",
        &["unit_price", "unit price", "list price", "单价"],
    ),
    (
        "amount",
        &[
            "amount",
            "line amount",
            "total",
            "total price",
            "金额",
            "小计",
        ],
    ),
    ("currency", &["currency", "currencyisocode", "币种"]),
    ("status", &["status", "order status", "订单状态"]),
];

/// Header aliases shared by several entities.
const CUSTOMER: &[&str] = &[
    "customer",
    "account name",
    "account",
    "company",
    "company name",
    "associated company",
    "客户名称",
    "客户",
];
const CUSTOMER_EXTERNAL_ID: &[&str] = &[
    "customer_external_id",
    "account name.id",
    "accountid",
    "account id",
    "company name.id",
    "客户编号",
    "客户id",
];
const OWNER_EXTERNAL_ID: &[&str] = &[
    "owner_external_id",
    "owner.id",
    "account owner.id",
    "contact owner.id",
    "ownerid",
    "owner id",
    "负责人id",
];
const CURRENCY: &[&str] = &["currency", "currencyisocode", "currency iso code", "币种"];

/// Customer (account) fields.
pub(crate) const CUSTOMER_FIELDS: &[(&str, &[&str])] = &[
    (
        "external_id",
        &[
            "external_id",
            "record id",
            "id",
            "_id",
            "数据id",
            "account id",
            "company id",
            "客户编号",
            "客户id",
        ],
    ),
    (
        "name",
        &[
            "name",
            "account name",
            "company name",
            "customer",
            "客户名称",
            "公司名称",
        ],
    ),
    ("industry", &["industry", "行业", "所属行业"]),
    (
        "region",
        &[
            "region",
            "billing state",
            "billing address - state / province",
            "billingstate",
            "billing city",
            "billing address - city",
            "billingcity",
            "state/region",
            "city",
            "地区",
            "省份",
            "所在地区",
            "城市",
        ],
    ),
    (
        "size",
        &[
            "size",
            "employees",
            "numberofemployees",
            "number of employees",
            "客户规模",
            "人员规模",
            "规模",
        ],
    ),
    (
        "segment",
        &[
            "segment",
            "客户级别",
            "客户类型",
            "细分市场",
            "account type",
            "type",
        ],
    ),
    (
        "source",
        &[
            "source",
            "lead source",
            "accountsource",
            "account source",
            "客户来源",
            "来源",
        ],
    ),
    (
        "owner",
        &["owner", "account owner", "company owner", "负责人"],
    ),
    ("owner_external_id", OWNER_EXTERNAL_ID),
    ("status", &["status", "客户状态", "状态", "lifecycle stage"]),
    (
        "created",
        &[
            "created",
            "created_date",
            "created_at",
            "created_on",
            "create_time",
            "created time",
            "created date",
            "createddate",
            "create date",
            "creation date",
            "date created",
            "创建时间",
            "创建日期",
        ],
    ),
];

/// Contact fields.
pub(crate) const CONTACT_FIELDS: &[(&str, &[&str])] = &[
    (
        "external_id",
        &[
            "external_id",
            "record id",
            "id",
            "_id",
            "contact id",
            "联系人编号",
            "数据id",
        ],
    ),
    (
        "name",
        &["name", "contact name", "full name", "联系人姓名", "姓名"],
    ),
    (
        "first_name",
        &["first_name", "first name", "firstname", "名"],
    ),
    ("last_name", &["last_name", "last name", "lastname", "姓"]),
    ("customer", CUSTOMER),
    ("customer_external_id", CUSTOMER_EXTERNAL_ID),
    ("title", &["title", "job title", "职务", "职位"]),
    (
        "email",
        &["email", "e-mail", "email address", "邮箱", "电子邮件"],
    ),
    (
        "phone",
        &[
            "phone",
            "mobile",
            "mobilephone",
            "phone number",
            "电话",
            "手机",
        ],
    ),
    ("owner", &["owner", "contact owner", "负责人"]),
    ("owner_external_id", OWNER_EXTERNAL_ID),
];

/// Product fields; the SKU is the key.
pub(crate) const PRODUCT_FIELDS: &[(&str, &[&str])] = &[
    (
        "external_id",
        &["external_id", "record id", "id", "product id", "产品id"],
    ),
    (
        "sku",
        &[
            "sku",
            "product code",
            "productcode",
            "产品编号",
            "产品编码",
            "物料编码",
        ],
    ),
    ("name", &["name", "product name", "产品名称"]),
    (
        "category",
        &[
            "category",
            "product category",
            "product family",
            "family",
            "产品分类",
            "产品类别",
        ],
    ),
    (
        "list_price",
        &[
            "list_price",
            "list price",
            "unit price",
            "unitprice",
            "标准价格",
            "价格",
            "单价",
        ],
    ),
    (
        "unit_cost",
        &["unit_cost", "unit cost", "cost", "成本", "成本价"],
    ),
    (
        "active",
        &["active", "product active", "isactive", "是否上架"],
    ),
    ("currency", CURRENCY),
];

/// Payment (回款) fields.
pub(crate) const PAYMENT_FIELDS: &[(&str, &[&str])] = &[
    (
        "external_id",
        &["external_id", "id", "record id", "payment id", "回款编号"],
    ),
    (
        "order",
        &[
            "order",
            "order number",
            "so number",
            "order no",
            "订单编号",
            "合同编号",
        ],
    ),
    (
        "date",
        &[
            "date",
            "received_on",
            "payment date",
            "received date",
            "回款日期",
        ],
    ),
    ("amount", &["amount", "payment amount", "回款金额", "金额"]),
    ("currency", CURRENCY),
    (
        "method",
        &["method", "payment method", "回款方式", "付款方式"],
    ),
];

/// Refund fields.
pub(crate) const REFUND_FIELDS: &[(&str, &[&str])] = &[
    (
        "external_id",
        &["external_id", "id", "record id", "refund id", "退款编号"],
    ),
    (
        "order",
        &[
            "order",
            "order number",
            "so number",
            "order no",
            "订单编号",
            "合同编号",
        ],
    ),
    ("date", &["date", "refunded_on", "refund date", "退款日期"]),
    ("amount", &["amount", "refund amount", "退款金额", "金额"]),
    ("currency", CURRENCY),
    ("reason", &["reason", "refund reason", "退款原因"]),
];

/// Activity fields.
pub(crate) const ACTIVITY_FIELDS: &[(&str, &[&str])] = &[
    (
        "external_id",
        &["external_id", "record id", "id", "activity id", "活动编号"],
    ),
    (
        "kind",
        &[
            "kind",
            "type",
            "activity type",
            "task type",
            "tasksubtype",
            "活动类型",
            "跟进方式",
        ],
    ),
    (
        "date",
        &[
            "date",
            "occurred_on",
            "activity date",
            "activitydate",
            "call start time",
            "start date",
            "due date",
            "活动日期",
            "跟进时间",
        ],
    ),
    (
        "owner",
        &[
            "owner",
            "assigned to",
            "activity owner",
            "call owner",
            "负责人",
        ],
    ),
    ("owner_external_id", OWNER_EXTERNAL_ID),
    ("customer", CUSTOMER),
    ("customer_external_id", CUSTOMER_EXTERNAL_ID),
    (
        "deal_external_id",
        &["deal_external_id", "deal id", "opportunity id", "商机编号"],
    ),
    (
        "contact_external_id",
        &[
            "contact_external_id",
            "whoid",
            "who id",
            "contactid",
            "contact id",
            "联系人编号",
        ],
    ),
    (
        "related_external_id",
        &["related_external_id", "whatid", "what id", "related to id"],
    ),
    ("subject", &["subject", "主题", "跟进内容", "内容"]),
];

/// Service ticket fields.
pub(crate) const TICKET_FIELDS: &[(&str, &[&str])] = &[
    (
        "external_id",
        &[
            "external_id",
            "record id",
            "id",
            "case id",
            "case number",
            "ticket id",
            "工单编号",
        ],
    ),
    ("customer", CUSTOMER),
    ("customer_external_id", CUSTOMER_EXTERNAL_ID),
    (
        "contact_external_id",
        &[
            "contact_external_id",
            "contactid",
            "contact id",
            "联系人编号",
        ],
    ),
    (
        "opened",
        &[
            "opened",
            "opened_at",
            "created",
            "created_date",
            "created_at",
            "created date",
            "created time",
            "createddate",
            "创建时间",
        ],
    ),
    (
        "first_response",
        &[
            "first_response",
            "first_response_at",
            "first response",
            "first response time",
            "首次响应时间",
        ],
    ),
    (
        "resolved",
        &[
            "resolved",
            "resolved_at",
            "closed date",
            "closeddate",
            "resolved time",
            "解决时间",
        ],
    ),
    ("priority", &["priority", "优先级"]),
    (
        "category",
        &["category", "type", "case type", "类别", "工单类型"],
    ),
    ("subject", &["subject", "主题", "标题"]),
];

/// Survey response fields.
pub(crate) const SURVEY_FIELDS: &[(&str, &[&str])] = &[
    (
        "external_id",
        &["external_id", "id", "response id", "问卷编号"],
    ),
    ("customer", CUSTOMER),
    ("customer_external_id", CUSTOMER_EXTERNAL_ID),
    (
        "kind",
        &["kind", "survey", "survey type", "type", "问卷类型"],
    ),
    ("score", &["score", "rating", "评分", "分数"]),
    (
        "date",
        &[
            "date",
            "responded_on",
            "response date",
            "submitted",
            "填写日期",
        ],
    ),
    (
        "comment",
        &["comment", "comments", "feedback", "评论", "意见"],
    ),
];

/// Spend fields.
pub(crate) const SPEND_FIELDS: &[(&str, &[&str])] = &[
    (
        "external_id",
        &["external_id", "id", "expense id", "费用编号"],
    ),
    ("channel", &["channel", "campaign type", "渠道"]),
    ("kind", &["kind", "spend type", "费用类型"]),
    ("date", &["date", "spent_on", "expense date", "费用日期"]),
    (
        "amount",
        &["amount", "actual cost", "actualcost", "cost", "金额"],
    ),
    ("currency", CURRENCY),
    ("unit", &["unit", "team", "department", "部门", "团队"]),
    (
        "description",
        &["description", "campaign name", "name", "说明", "描述"],
    ),
];

/// Training enrolment fields.
pub(crate) const ENROLMENT_FIELDS: &[(&str, &[&str])] = &[
    (
        "external_id",
        &["external_id", "id", "enrolment id", "enrollment id"],
    ),
    ("course", &["course", "course name", "课程", "课程名称"]),
    (
        "user",
        &[
            "user", "learner", "employee", "rep", "email", "学员", "员工",
        ],
    ),
    (
        "assigned",
        &["assigned", "assigned_on", "assigned date", "分配日期"],
    ),
    ("due", &["due", "due_on", "due date", "截止日期"]),
    (
        "completed",
        &["completed", "completed_on", "completion date", "完成日期"],
    ),
    ("score", &["score", "成绩", "分数"]),
];

/// Market size fields.
pub(crate) const MARKET_SIZE_FIELDS: &[(&str, &[&str])] = &[
    ("segment", &["segment", "细分市场"]),
    ("region", &["region", "地区"]),
    ("period", &["period", "year", "期间", "年份"]),
    ("amount", &["amount", "market size", "tam", "市场规模"]),
    ("currency", CURRENCY),
];

/// Exchange rate fields.
pub(crate) const RATE_FIELDS: &[(&str, &[&str])] = &[
    (
        "currency",
        &["currency", "currency code", "isocode", "币种"],
    ),
    ("month", &["month", "period", "月份"]),
    (
        "rate",
        &[
            "rate",
            "rate_to_base",
            "conversion rate",
            "conversionrate",
            "汇率",
        ],
    ),
];

/// Competitor fields; the name is the key.
pub(crate) const COMPETITOR_FIELDS: &[(&str, &[&str])] = &[
    (
        "external_id",
        &["external_id", "id", "competitor id", "竞争对手编号"],
    ),
    (
        "name",
        &[
            "name",
            "competitor",
            "competitor name",
            "竞争对手",
            "竞争对手名称",
        ],
    ),
    ("website", &["website", "url", "网站"]),
    (
        "price_position",
        &["price_position", "price position", "pricing", "价格定位"],
    ),
    ("strengths", &["strengths", "strength", "优势"]),
    ("weaknesses", &["weaknesses", "weakness", "劣势"]),
];

/// Territory fields.
pub(crate) const TERRITORY_FIELDS: &[(&str, &[&str])] = &[
    (
        "external_id",
        &["external_id", "id", "territory id", "区域编号"],
    ),
    (
        "name",
        &["name", "territory", "territory name", "区域", "区域名称"],
    ),
    ("parent", &["parent", "parent territory", "上级区域"]),
];

/// Training course fields.
pub(crate) const COURSE_FIELDS: &[(&str, &[&str])] = &[
    (
        "external_id",
        &["external_id", "id", "course id", "课程编号"],
    ),
    (
        "name",
        &["name", "course", "course name", "课程", "课程名称"],
    ),
    ("kind", &["kind", "type", "course type", "课程类型"]),
];

/// Columns a field falls back to, per entity, when its own cell is empty:
/// Salesforce tasks often leave `Type` empty and always set `TaskSubtype`,
/// and a task without a due date (`ActivityDate`) still has its
/// `CreatedDate`. Each use is counted in the report.
pub(crate) fn fallbacks(
    entity: super::Entity,
) -> &'static [(&'static str, &'static [&'static str])] {
    match entity {
        super::Entity::Activities => &[
            ("kind", &["tasksubtype", "eventsubtype"]),
            ("date", &["createddate", "created date", "created"]),
        ],
        _ => &[],
    }
}

/// A field list is usable only if every key is unique; the tests check it.
#[cfg(test)]
pub(crate) const ALL_FIELD_LISTS: &[&[(&str, &[&str])]] = &[
    DEAL_FIELDS,
    ORDER_FIELDS,
    CUSTOMER_FIELDS,
    CONTACT_FIELDS,
    PRODUCT_FIELDS,
    PAYMENT_FIELDS,
    REFUND_FIELDS,
    ACTIVITY_FIELDS,
    TICKET_FIELDS,
    SURVEY_FIELDS,
    SPEND_FIELDS,
    ENROLMENT_FIELDS,
    MARKET_SIZE_FIELDS,
    RATE_FIELDS,
    COMPETITOR_FIELDS,
    TERRITORY_FIELDS,
    COURSE_FIELDS,
];

#[cfg(test)]
mod tests {
    use super::*;
    use attain_core::sales::DealStatus;

    #[test]
    fn field_keys_are_unique_and_aliases_lower_case() {
        for list in ALL_FIELD_LISTS {
            let mut keys: Vec<&str> = list.iter().map(|(k, _)| *k).collect();
            keys.sort_unstable();
            let before = keys.len();
            keys.dedup();
            assert_eq!(before, keys.len(), "{keys:?}");
            for (key, aliases) in *list {
                assert!(aliases.contains(key), "{key} must match its own name");
                for a in *aliases {
                    assert_eq!(*a, a.to_lowercase(), "{a}");
                }
            }
        }
    }

    #[test]
    fn stages_mean_what_each_crm_means_by_them() {
        let r = stage_rule(Preset::Fxiaoke, "谈判审核").unwrap();
        assert_eq!((r.status, r.probability), (DealStatus::Open, Some(80)));
        let r = stage_rule(Preset::Salesforce, "Closed Won").unwrap();
        assert_eq!(r.status, DealStatus::Won);
        let r = stage_rule(Preset::Zoho, "Closed-Lost to Competition").unwrap();
        assert_eq!(r.status, DealStatus::Lost);
        let r = stage_rule(Preset::Hubspot, "closedwon").unwrap();
        assert_eq!(r.status, DealStatus::Won);
        assert_eq!(
            stage_rule(Preset::Zoho, "Value Proposition")
                .unwrap()
                .probability,
            Some(40)
        );
        assert_eq!(
            stage_rule(Preset::Salesforce, "Value Proposition")
                .unwrap()
                .probability,
            Some(50)
        );
        assert!(stage_rule(Preset::Generic, "Our own stage").is_none());
        assert_eq!(
            stage_rule(Preset::Hubspot, "Closed  WON").unwrap().status,
            DealStatus::Won,
            "case and spaces do not matter"
        );
        assert_eq!(
            stage_rule(Preset::Generic, "Won 赢单").unwrap().status,
            DealStatus::Won,
            "Attain's own stages"
        );
    }

    #[test]
    fn a_stage_that_only_contains_a_won_or_lost_word_is_not_won_or_lost() {
        // Attack H3: stages were matched by substring, so 未成交 ("not
        // closed"), 待成交, 预计成交, Won't pursue and Not won were stored
        // as won with probability 100.
        for preset in [
            Preset::Generic,
            Preset::Zoho,
            Preset::Salesforce,
            Preset::Fxiaoke,
            Preset::Hubspot,
        ] {
            for stage in [
                "未成交",
                "待成交",
                "预计成交",
                "Won't pursue",
                "Not won",
                "Won - signed",
                "Lost interest?",
                "丢单风险",
            ] {
                assert_eq!(stage_rule(preset, stage), None, "{preset:?} {stage}");
            }
        }
        // Each CRM's names mean what that CRM means, no other's.
        assert_eq!(stage_rule(Preset::Zoho, "赢单"), None);
        assert_eq!(stage_rule(Preset::Fxiaoke, "Closed Won"), None);
        assert_eq!(
            stage_rule(Preset::Generic, "赢单").unwrap().status,
            DealStatus::Won
        );
    }
}
