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
            "ownerid",
            "owner id",
            "deal owner.id",
            "负责人",
            "负责人邮箱",
        ],
    ),
    (
        "amount",
        &[
            "amount",
            "商机金额",
            "商机金额（元）",
            "商机金额(元)",
            "金额",
            "金额（元）",
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
            "created time",
            "created date",
            "createddate",
            "create date",
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

/// One `required column … is missing` problem per required field without a column.
pub(crate) fn missing_columns(
    file: &str,
    columns: &[(&'static str, Option<usize>)],
    required: &[&str],
    fields: &[(&'static str, &[&str])],
) -> Vec<super::ImportProblem> {
    required
        .iter()
        .filter(|field| columns.iter().any(|(f, c)| f == *field && c.is_none()))
        .map(|field| {
            let aliases = fields
                .iter()
                .find(|(f, _)| f == field)
                .map(|(_, a)| a.join(", "))
                .unwrap_or_default();
            super::ImportProblem {
                file: file.to_owned(),
                row: 1,
                column: None,
                message: format!(
                    "required column '{field}' is missing; expected one of: {aliases}"
                ),
                value: None,
            }
        })
        .collect()
}

/// Which column holds each field, by header.
pub(crate) fn map_columns(
    header: &[String],
    fields: &[(&'static str, &[&str])],
) -> Vec<(&'static str, Option<usize>)> {
    let normalised: Vec<String> = header.iter().map(|h| h.trim().to_lowercase()).collect();
    fields
        .iter()
        .map(|(field, aliases)| {
            (
                *field,
                aliases
                    .iter()
                    .find_map(|a| normalised.iter().position(|h| h == a)),
            )
        })
        .collect()
}

/// Status from a stage name, as the CRMs write won and lost.
pub(crate) fn status_of_stage(stage: &str) -> attain_core::sales::DealStatus {
    use attain_core::sales::DealStatus;
    let s = stage.trim().to_lowercase();
    if s.contains("won") || s.contains("赢单") || s == "closedwon" || s.contains("成交") {
        DealStatus::Won
    } else if s.contains("lost") || s.contains("输单") || s.contains("丢单") || s == "closedlost"
    {
        DealStatus::Lost
    } else {
        DealStatus::Open
    }
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
        &["owner", "order owner", "sales rep", "ownerid", "负责人"],
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
