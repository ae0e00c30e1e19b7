//! The KPI catalogue (the contract of shared/docs/product.md) and custom
//! metrics: formulas over base measures and other metrics, parsed with
//! errors that name the position, checked for unknown names and cycles.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use rust_decimal::Decimal;

/// What a metric's values are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Unit {
    /// An amount in the org's base currency.
    Money,
    /// A count of things.
    Count,
    /// A percentage (0–100).
    Percent,
    /// A plain ratio (1.5 = one and a half times).
    Ratio,
    /// Days.
    Days,
    /// Hours.
    Hours,
    /// A score (NPS, −100 to 100).
    Score,
}

impl Unit {
    /// Key used in files and the API.
    pub fn key(self) -> &'static str {
        match self {
            Unit::Money => "money",
            Unit::Count => "count",
            Unit::Percent => "percent",
            Unit::Ratio => "ratio",
            Unit::Days => "days",
            Unit::Hours => "hours",
            Unit::Score => "score",
        }
    }
}

/// Whether a higher value is good news.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// More is better (revenue).
    HigherIsBetter,
    /// Less is better (churn, CAC, response time).
    LowerIsBetter,
}

/// One built-in metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MetricDef {
    /// Stable key.
    pub key: &'static str,
    /// Name in English.
    pub name_en: &'static str,
    /// Name in Chinese.
    pub name_zh: &'static str,
    /// Unit of its values.
    pub unit: Unit,
    /// Which way is good.
    pub direction: Direction,
    /// One-line definition, English.
    pub definition_en: &'static str,
    /// One-line definition, Chinese.
    pub definition_zh: &'static str,
}

const fn m(
    key: &'static str,
    name_en: &'static str,
    name_zh: &'static str,
    unit: Unit,
    direction: Direction,
    definition_en: &'static str,
    definition_zh: &'static str,
) -> MetricDef {
    MetricDef {
        key,
        name_en,
        name_zh,
        unit,
        direction,
        definition_en,
        definition_zh,
    }
}

use Direction::{HigherIsBetter as Up, LowerIsBetter as Down};

/// Every built-in metric, in the order product.md lists them.
pub const CATALOGUE: &[MetricDef] = &[
    m(
        "revenue",
        "Revenue",
        "销售额",
        Unit::Money,
        Up,
        "Order amounts net of refunds, by order date (or bookings or cash, as the org's revenue basis says)",
        "按下单日期统计的订单金额（扣除退款）；组织可改用签单额或回款额作为收入口径",
    ),
    m(
        "bookings",
        "Bookings",
        "签单额",
        Unit::Money,
        Up,
        "Amounts of deals won, by close date",
        "按成交日期统计的赢单金额",
    ),
    m(
        "payments",
        "Payments received",
        "回款额",
        Unit::Money,
        Up,
        "Payments received, by date received",
        "按到账日期统计的回款",
    ),
    m(
        "deals_won",
        "Deals won",
        "赢单数",
        Unit::Count,
        Up,
        "Deals won, by close date",
        "按成交日期统计的赢单数量",
    ),
    m(
        "win_rate",
        "Win rate",
        "赢单率",
        Unit::Percent,
        Up,
        "Won ÷ (won + lost), deals closed in the period",
        "期间内关闭的商机中：赢单 ÷（赢单 + 输单）",
    ),
    m(
        "avg_deal_size",
        "Average deal size",
        "平均单笔金额",
        Unit::Money,
        Up,
        "Bookings ÷ deals won",
        "签单额 ÷ 赢单数",
    ),
    m(
        "sales_cycle_days",
        "Sales cycle",
        "销售周期",
        Unit::Days,
        Down,
        "Mean days from creation to win, deals won in the period",
        "期间内赢单商机从创建到赢单的平均天数",
    ),
    m(
        "pipeline",
        "Open pipeline",
        "在途商机",
        Unit::Money,
        Up,
        "Amounts of open deals expected to close in the period",
        "预计在期间内成交的未关闭商机金额",
    ),
    m(
        "pipeline_coverage",
        "Pipeline coverage",
        "商机覆盖率",
        Unit::Ratio,
        Up,
        "Pipeline ÷ (target − actual to date)",
        "在途商机 ÷（目标 − 已完成）",
    ),
    m(
        "new_customers",
        "New customers",
        "新增客户",
        Unit::Count,
        Up,
        "Customers whose first order falls in the period",
        "首单落在期间内的客户数",
    ),
    m(
        "growth_yoy",
        "Growth year on year",
        "同比增长率",
        Unit::Percent,
        Up,
        "(This period − same period last year) ÷ same period last year, of revenue",
        "（本期 − 去年同期）÷ 去年同期（销售额）",
    ),
    m(
        "growth_pop",
        "Growth on previous period",
        "环比增长率",
        Unit::Percent,
        Up,
        "(This period − previous period) ÷ previous period, of revenue",
        "（本期 − 上期）÷ 上期（销售额）",
    ),
    m(
        "cac",
        "Customer acquisition cost",
        "获客成本",
        Unit::Money,
        Down,
        "Sales and marketing spend ÷ new customers; per channel, that channel's spend ÷ its new customers",
        "销售与市场费用 ÷ 新增客户；按渠道时为该渠道费用 ÷ 该渠道新增客户",
    ),
    m(
        "clv",
        "Customer lifetime value",
        "客户终身价值",
        Unit::Money,
        Up,
        "Average gross margin per customer per year × expected lifetime (1 ÷ annual churn rate)",
        "每客户年均毛利 × 预期生命周期（1 ÷ 年流失率）",
    ),
    m(
        "clv_cac",
        "CLV : CAC",
        "终身价值与获客成本比",
        Unit::Ratio,
        Up,
        "Customer lifetime value ÷ customer acquisition cost",
        "客户终身价值 ÷ 获客成本",
    ),
    m(
        "csat",
        "Customer satisfaction",
        "客户满意度",
        Unit::Percent,
        Up,
        "Share of CSAT responses scoring 4 or 5 (of 5)",
        "CSAT 评分为 4 或 5 分（满分 5）的占比",
    ),
    m(
        "nps",
        "Net promoter score",
        "净推荐值",
        Unit::Score,
        Up,
        "% promoters (9–10) − % detractors (0–6)",
        "推荐者（9–10 分）占比 − 贬损者（0–6 分）占比",
    ),
    m(
        "churn_rate",
        "Customer churn",
        "客户流失率",
        Unit::Percent,
        Down,
        "Customers active at the start who became inactive during the period ÷ customers active at the start",
        "期初活跃客户中期间内变为不活跃的比例",
    ),
    m(
        "activities",
        "Activities",
        "跟进次数",
        Unit::Count,
        Up,
        "Calls, visits, meetings and e-mails logged",
        "记录的电话、拜访、会议和邮件次数",
    ),
    m(
        "first_response_hours",
        "First response time",
        "首次响应时长",
        Unit::Hours,
        Down,
        "Mean hours from a ticket's opening to its first response, tickets opened in the period",
        "期间内新建工单从创建到首次响应的平均小时数",
    ),
    m(
        "resolution_hours",
        "Resolution time",
        "解决时长",
        Unit::Hours,
        Down,
        "Mean hours from a ticket's opening to its resolution, tickets opened in the period",
        "期间内新建工单从创建到解决的平均小时数",
    ),
    m(
        "training_completion",
        "Training completion",
        "培训完成率",
        Unit::Percent,
        Up,
        "Completed ÷ assigned enrolments due in the period",
        "期间内到期的培训中已完成 ÷ 已分配",
    ),
    m(
        "market_share",
        "Market share",
        "市场占有率",
        Unit::Percent,
        Up,
        "Revenue ÷ market size for the segment and period",
        "销售额 ÷ 对应细分市场和期间的市场规模",
    ),
];

/// A built-in metric by key.
pub fn metric(key: &str) -> Option<&'static MetricDef> {
    CATALOGUE.iter().find(|m| m.key == key)
}

/// A built-in metric of the catalogue as a type: every list of metrics the
/// code keeps (what each one sums, how it is computed) is a `match` the
/// compiler checks for completeness, so a metric added here cannot be
/// forgotten there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Metric {
    /// `revenue`.
    Revenue,
    /// `bookings`.
    Bookings,
    /// `payments`.
    Payments,
    /// `deals_won`.
    DealsWon,
    /// `win_rate`.
    WinRate,
    /// `avg_deal_size`.
    AvgDealSize,
    /// `sales_cycle_days`.
    SalesCycleDays,
    /// `pipeline`.
    Pipeline,
    /// `pipeline_coverage`.
    PipelineCoverage,
    /// `new_customers`.
    NewCustomers,
    /// `growth_yoy`.
    GrowthYoy,
    /// `growth_pop`.
    GrowthPop,
    /// `cac`.
    Cac,
    /// `clv`.
    Clv,
    /// `clv_cac`.
    ClvCac,
    /// `csat`.
    Csat,
    /// `nps`.
    Nps,
    /// `churn_rate`.
    ChurnRate,
    /// `activities`.
    Activities,
    /// `first_response_hours`.
    FirstResponseHours,
    /// `resolution_hours`.
    ResolutionHours,
    /// `training_completion`.
    TrainingCompletion,
    /// `market_share`.
    MarketShare,
}

impl Metric {
    /// Every built-in metric, in catalogue order.
    pub const ALL: [Metric; 23] = [
        Metric::Revenue,
        Metric::Bookings,
        Metric::Payments,
        Metric::DealsWon,
        Metric::WinRate,
        Metric::AvgDealSize,
        Metric::SalesCycleDays,
        Metric::Pipeline,
        Metric::PipelineCoverage,
        Metric::NewCustomers,
        Metric::GrowthYoy,
        Metric::GrowthPop,
        Metric::Cac,
        Metric::Clv,
        Metric::ClvCac,
        Metric::Csat,
        Metric::Nps,
        Metric::ChurnRate,
        Metric::Activities,
        Metric::FirstResponseHours,
        Metric::ResolutionHours,
        Metric::TrainingCompletion,
        Metric::MarketShare,
    ];

    /// Its stable key.
    pub fn key(self) -> &'static str {
        match self {
            Metric::Revenue => "revenue",
            Metric::Bookings => "bookings",
            Metric::Payments => "payments",
            Metric::DealsWon => "deals_won",
            Metric::WinRate => "win_rate",
            Metric::AvgDealSize => "avg_deal_size",
            Metric::SalesCycleDays => "sales_cycle_days",
            Metric::Pipeline => "pipeline",
            Metric::PipelineCoverage => "pipeline_coverage",
            Metric::NewCustomers => "new_customers",
            Metric::GrowthYoy => "growth_yoy",
            Metric::GrowthPop => "growth_pop",
            Metric::Cac => "cac",
            Metric::Clv => "clv",
            Metric::ClvCac => "clv_cac",
            Metric::Csat => "csat",
            Metric::Nps => "nps",
            Metric::ChurnRate => "churn_rate",
            Metric::Activities => "activities",
            Metric::FirstResponseHours => "first_response_hours",
            Metric::ResolutionHours => "resolution_hours",
            Metric::TrainingCompletion => "training_completion",
            Metric::MarketShare => "market_share",
        }
    }

    /// Its entry in the catalogue (names, unit, direction, definition).
    pub fn def(self) -> &'static MetricDef {
        &CATALOGUE[self as usize]
    }

    /// The built-in metric with this key.
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.key() == key)
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// What a KPI question or a formula names: a built-in metric, a base
/// measure of the rollups by its name (`order_amount`, `deals_lost`, …), or
/// anything else — a custom metric's key, a measure's column name
/// (`order_amount_minor`, which the engine also reads), or the label of a
/// formula asked directly, each kept as written. A built-in metric wins
/// over a measure of the same name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MetricKey {
    /// A metric of the catalogue.
    Builtin(Metric),
    /// A base measure.
    Measure(crate::Measure),
    /// A custom metric's key (or a formula's label).
    Custom(String),
}

impl MetricKey {
    /// Reads a name as a built-in metric, else a base measure, else custom.
    pub fn parse(name: &str) -> Self {
        if let Some(m) = Metric::from_key(name) {
            Self::Builtin(m)
        } else if let Some(m) = crate::Measure::ALL.into_iter().find(|m| m.name() == name) {
            Self::Measure(m)
        } else {
            Self::Custom(name.to_owned())
        }
    }

    /// The name as written in queries, formulas and answers.
    pub fn key(&self) -> &str {
        match self {
            Self::Builtin(m) => m.key(),
            Self::Measure(m) => m.name(),
            Self::Custom(key) => key,
        }
    }

    /// The built-in metric, if it is one.
    pub fn builtin(&self) -> Option<Metric> {
        match self {
            Self::Builtin(m) => Some(*m),
            _ => None,
        }
    }
}

impl From<&str> for MetricKey {
    fn from(name: &str) -> Self {
        Self::parse(name)
    }
}

impl From<String> for MetricKey {
    fn from(name: String) -> Self {
        Self::parse(&name)
    }
}

impl From<&String> for MetricKey {
    fn from(name: &String) -> Self {
        Self::parse(name)
    }
}

impl From<Metric> for MetricKey {
    fn from(metric: Metric) -> Self {
        Self::Builtin(metric)
    }
}

impl PartialEq<&str> for MetricKey {
    fn eq(&self, other: &&str) -> bool {
        self.key() == *other
    }
}

impl fmt::Display for MetricKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// A formula of a custom metric.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A number written in the formula.
    Number(Decimal),
    /// A metric or base measure by key.
    Name(String),
    /// `-x`.
    Neg(Box<Expr>),
    /// `a + b`, `a - b`, `a * b`, `a / b`.
    Binary(Box<Expr>, Op, Box<Expr>),
}

/// An arithmetic operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// +
    Add,
    /// −
    Sub,
    /// ×
    Mul,
    /// ÷
    Div,
}

/// The longest formula accepted, in characters: enough for any real metric,
/// and it bounds the work and the depth of the expression tree.
pub const MAX_FORMULA_CHARS: usize = 1_000;

/// The deepest nesting of parentheses and signs accepted in a formula.
pub const MAX_FORMULA_DEPTH: usize = 32;

/// Why a formula was refused, and where (1-based character position).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("position {position}: {reason}")]
pub struct FormulaError {
    /// 1-based character position in the formula (0: the formula as a whole).
    pub position: usize,
    /// What is wrong.
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Number(Decimal),
    Name(String),
    Op(char),
    Open,
    Close,
}

fn tokenize(text: &str) -> Result<Vec<(usize, Token)>, FormulaError> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let position = i + 1;
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_digit()
            || (c == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit))
        {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            let literal: String = chars[start..i].iter().collect();
            let value = literal.parse::<Decimal>().map_err(|_| FormulaError {
                position,
                reason: format!("'{literal}' is not a number"),
            })?;
            tokens.push((position, Token::Number(value)));
        } else if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            let name: String = chars[start..i].iter().collect();
            tokens.push((position, Token::Name(name.to_ascii_lowercase())));
        } else {
            let token = match c {
                '+' | '-' | '*' | '/' => Token::Op(c),
                '×' => Token::Op('*'),
                '÷' => Token::Op('/'),
                '(' | '（' => Token::Open,
                ')' | '）' => Token::Close,
                other => {
                    return Err(FormulaError {
                        position,
                        reason: format!(
                            "'{other}' is not allowed (use names, numbers, + - * / and parentheses)"
                        ),
                    });
                }
            };
            tokens.push((position, token));
            i += 1;
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<(usize, Token)>,
    next: usize,
    end: usize,
    /// Parentheses and signs open around the current position.
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.next).map(|(_, t)| t)
    }

    fn position(&self) -> usize {
        self.tokens.get(self.next).map_or(self.end, |(p, _)| *p)
    }

    fn expr(&mut self) -> Result<Expr, FormulaError> {
        let mut left = self.term()?;
        while let Some(Token::Op(c @ ('+' | '-'))) = self.peek() {
            let op = if *c == '+' { Op::Add } else { Op::Sub };
            self.next += 1;
            let right = self.term()?;
            left = Expr::Binary(Box::new(left), op, Box::new(right));
        }
        Ok(left)
    }

    fn term(&mut self) -> Result<Expr, FormulaError> {
        let mut left = self.factor()?;
        while let Some(Token::Op(c @ ('*' | '/'))) = self.peek() {
            let op = if *c == '*' { Op::Mul } else { Op::Div };
            self.next += 1;
            let right = self.factor()?;
            left = Expr::Binary(Box::new(left), op, Box::new(right));
        }
        Ok(left)
    }

    fn factor(&mut self) -> Result<Expr, FormulaError> {
        let position = self.position();
        if self.depth >= MAX_FORMULA_DEPTH {
            return Err(FormulaError {
                position,
                reason: format!(
                    "parentheses and signs are nested more than {MAX_FORMULA_DEPTH} deep"
                ),
            });
        }
        self.depth += 1;
        let factor = self.factor_inner(position);
        self.depth -= 1;
        factor
    }

    fn factor_inner(&mut self, position: usize) -> Result<Expr, FormulaError> {
        let token = self.tokens.get(self.next).map(|(_, t)| t.clone());
        self.next += 1;
        match token {
            Some(Token::Number(n)) => Ok(Expr::Number(n)),
            Some(Token::Name(n)) => Ok(Expr::Name(n)),
            Some(Token::Op('-')) => Ok(Expr::Neg(Box::new(self.factor()?))),
            Some(Token::Open) => {
                let inner = self.expr()?;
                match self.peek() {
                    Some(Token::Close) => {
                        self.next += 1;
                        Ok(inner)
                    }
                    _ => Err(FormulaError {
                        position: self.position(),
                        reason: format!("a ')' is missing for the '(' at position {position}"),
                    }),
                }
            }
            Some(Token::Close) => Err(FormulaError {
                position,
                reason: "a ')' without its '('".into(),
            }),
            Some(Token::Op(c)) => Err(FormulaError {
                position,
                reason: format!("'{c}' needs a value before it"),
            }),
            None => Err(FormulaError {
                position,
                reason: "the formula ends where a value is expected".into(),
            }),
        }
    }
}

impl Expr {
    /// Parses a formula such as `payments / revenue` or `(bookings - 1000) / activities`.
    /// Formulas longer than [`MAX_FORMULA_CHARS`] or nested deeper than
    /// [`MAX_FORMULA_DEPTH`] are refused, so no caller can make the parser
    /// or the evaluator recurse without bound.
    pub fn parse(text: &str) -> Result<Expr, FormulaError> {
        let length = text.chars().count();
        if length > MAX_FORMULA_CHARS {
            return Err(FormulaError {
                position: 0,
                reason: format!(
                    "the formula has {length} characters; at most {MAX_FORMULA_CHARS} are allowed"
                ),
            });
        }
        let tokens = tokenize(text)?;
        if tokens.is_empty() {
            return Err(FormulaError {
                position: 0,
                reason: "the formula is empty".into(),
            });
        }
        let mut parser = Parser {
            end: text.chars().count() + 1,
            tokens,
            next: 0,
            depth: 0,
        };
        let expr = parser.expr()?;
        if let Some(token) = parser.peek() {
            let position = parser.position();
            return Err(FormulaError {
                position,
                reason: match token {
                    Token::Close => "a ')' without its '('".into(),
                    _ => "an operator is missing before this".into(),
                },
            });
        }
        Ok(expr)
    }

    /// The names the formula uses, each once.
    pub fn names(&self) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        self.collect(&mut out);
        out
    }

    fn collect(&self, out: &mut BTreeSet<String>) {
        match self {
            Expr::Number(_) => {}
            Expr::Name(n) => {
                out.insert(n.clone());
            }
            Expr::Neg(e) => e.collect(out),
            Expr::Binary(a, _, b) => {
                a.collect(out);
                b.collect(out);
            }
        }
    }

    /// The value for the given values of its names; `None` when a name has
    /// no value or a division by zero occurs (the metric has no value then).
    pub fn eval(&self, value_of: &dyn Fn(&str) -> Option<Decimal>) -> Option<Decimal> {
        match self {
            Expr::Number(n) => Some(*n),
            Expr::Name(n) => value_of(n),
            Expr::Neg(e) => e.eval(value_of).map(|v| -v),
            Expr::Binary(a, op, b) => {
                let (a, b) = (a.eval(value_of)?, b.eval(value_of)?);
                match op {
                    Op::Add => a.checked_add(b),
                    Op::Sub => a.checked_sub(b),
                    Op::Mul => a.checked_mul(b),
                    Op::Div if b.is_zero() => None,
                    Op::Div => a.checked_div(b),
                }
            }
        }
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Number(n) => write!(f, "{n}"),
            Expr::Name(n) => f.write_str(n),
            Expr::Neg(e) => write!(f, "-({e})"),
            Expr::Binary(a, op, b) => {
                let op = match op {
                    Op::Add => '+',
                    Op::Sub => '-',
                    Op::Mul => '*',
                    Op::Div => '/',
                };
                write!(f, "({a} {op} {b})")
            }
        }
    }
}

/// Checks a set of custom metrics (key → formula) against the names that
/// exist (built-in metrics and base measures): every name known, no metric
/// defined through itself. Errors name the metric.
pub fn check_custom(
    custom: &BTreeMap<String, Expr>,
    known: &dyn Fn(&str) -> bool,
) -> Result<(), (String, FormulaError)> {
    for (key, expr) in custom {
        if known(key) {
            return Err((
                key.clone(),
                FormulaError {
                    position: 0,
                    reason: format!("'{key}' is already a built-in name"),
                },
            ));
        }
        for name in expr.names() {
            if !known(&name) && !custom.contains_key(&name) {
                return Err((
                    key.clone(),
                    FormulaError {
                        position: 0,
                        reason: format!("unknown name '{name}'"),
                    },
                ));
            }
        }
    }
    // Depth-first search for a cycle through custom metrics.
    fn visit<'a>(
        key: &'a str,
        custom: &'a BTreeMap<String, Expr>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) -> Result<(), Vec<String>> {
        if done.contains(key) {
            return Ok(());
        }
        if let Some(i) = path.iter().position(|k| *k == key) {
            let mut cycle: Vec<String> = path[i..].iter().map(|k| (*k).to_owned()).collect();
            cycle.push(key.to_owned());
            return Err(cycle);
        }
        path.push(key);
        if let Some((_, expr)) = custom.get_key_value(key) {
            for name in expr.names() {
                if let Some((name, _)) = custom.get_key_value(name.as_str()) {
                    visit(name, custom, path, done)?;
                }
            }
        }
        path.pop();
        done.insert(key);
        Ok(())
    }
    let mut done = BTreeSet::new();
    for key in custom.keys() {
        visit(key, custom, &mut Vec::new(), &mut done).map_err(|cycle| {
            (
                key.clone(),
                FormulaError {
                    position: 0,
                    reason: format!("defined through itself: {}", cycle.join(" → ")),
                },
            )
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metric_type_is_its_catalogue_entry_and_back() {
        assert_eq!(
            Metric::ALL.len(),
            CATALOGUE.len(),
            "one variant per catalogue entry"
        );
        for (i, m) in Metric::ALL.into_iter().enumerate() {
            assert_eq!(m as usize, i, "{m} in catalogue order");
            assert_eq!(
                CATALOGUE[i].key,
                m.key(),
                "variant {m:?} is catalogue entry {i}"
            );
            assert_eq!(Metric::from_key(m.key()), Some(m));
            assert_eq!(MetricKey::parse(m.key()), MetricKey::Builtin(m));
        }
        assert_eq!(
            MetricKey::parse("order_amount"),
            MetricKey::Measure(crate::Measure::OrderAmount)
        );
        assert_eq!(
            MetricKey::parse("cash_pct"),
            MetricKey::Custom("cash_pct".into())
        );
        assert_eq!(MetricKey::parse("win_rate").key(), "win_rate");
    }

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn the_catalogue_has_every_kpi_of_the_contract_once() {
        let keys = [
            "revenue",
            "bookings",
            "payments",
            "deals_won",
            "win_rate",
            "avg_deal_size",
            "sales_cycle_days",
            "pipeline",
            "pipeline_coverage",
            "new_customers",
            "growth_yoy",
            "growth_pop",
            "cac",
            "clv",
            "clv_cac",
            "csat",
            "nps",
            "churn_rate",
            "activities",
            "first_response_hours",
            "resolution_hours",
            "training_completion",
            "market_share",
        ];
        for key in keys {
            let m = metric(key).unwrap_or_else(|| panic!("{key} missing"));
            assert!(
                !m.name_zh.is_empty() && !m.definition_en.is_empty() && !m.definition_zh.is_empty()
            );
        }
        assert_eq!(CATALOGUE.len(), keys.len());
        assert_eq!(
            metric("churn_rate").unwrap().direction,
            Direction::LowerIsBetter
        );
    }

    #[test]
    fn formulas_parse_with_precedence_and_evaluate_exactly() {
        let e = Expr::parse("payments / revenue").unwrap();
        assert_eq!(
            e.names().into_iter().collect::<Vec<_>>(),
            vec!["payments", "revenue"]
        );
        let values = |n: &str| match n {
            "payments" => Some(d("1000.10")),
            "revenue" => Some(d("3000.30")),
            "activities" => Some(d("0")),
            _ => None,
        };
        assert_eq!(e.eval(&values).unwrap().round_dp(6), d("0.333333"));
        let e = Expr::parse("(revenue - payments) * 2 + -1").unwrap();
        assert_eq!(e.to_string(), "(((revenue - payments) * 2) + -(1))");
        assert_eq!(e.eval(&values), Some(d("3999.40")));
        assert_eq!(
            Expr::parse("bookings / activities").unwrap().eval(&values),
            None,
            "no value when dividing by zero"
        );
        assert_eq!(
            Expr::parse("revenue ÷ （payments）")
                .unwrap()
                .eval(&values)
                .unwrap()
                .round_dp(2),
            d("3.00")
        );
    }

    #[test]
    fn broken_formulas_say_where_and_why() {
        let cases = [
            ("", 0, "the formula is empty"),
            (
                "revenue /",
                10,
                "the formula ends where a value is expected",
            ),
            (
                "(revenue - payments",
                20,
                "a ')' is missing for the '(' at position 1",
            ),
            ("revenue payments", 9, "an operator is missing before this"),
            ("revenue) ", 8, "a ')' without its '('"),
            (
                "revenue % 2",
                9,
                "'%' is not allowed (use names, numbers, + - * / and parentheses)",
            ),
            ("* revenue", 1, "'*' needs a value before it"),
            ("1.2.3", 1, "'1.2.3' is not a number"),
        ];
        for (text, position, reason) in cases {
            let err = Expr::parse(text).unwrap_err();
            assert_eq!(
                (err.position, err.reason.as_str()),
                (position, reason),
                "{text}"
            );
        }
    }

    #[test]
    fn a_formula_nested_thirty_thousand_deep_is_refused_not_a_stack_overflow() {
        // The request that once aborted the server: 30,000 '(' and a 1.
        let deep = format!("{}1", "(".repeat(30_000));
        let err = Expr::parse(&deep).unwrap_err();
        assert_eq!(
            err.reason,
            "the formula has 30001 characters; at most 1000 are allowed"
        );
        let nested = format!("{}1{}", "(".repeat(33), ")".repeat(33));
        let err = Expr::parse(&nested).unwrap_err();
        assert_eq!(
            (err.position, err.reason.as_str()),
            (33, "parentheses and signs are nested more than 32 deep")
        );
        let signs = format!("{}1", "-".repeat(40));
        assert!(Expr::parse(&signs).unwrap_err().reason.contains("32 deep"));
        let fine = format!("{}1{}", "(".repeat(31), ")".repeat(31));
        assert_eq!(Expr::parse(&fine), Ok(Expr::Number(Decimal::ONE)));
        // The longest chain allowed evaluates (and drops) without trouble.
        let chain = format!("1{}", "+1".repeat(499));
        let e = Expr::parse(&chain).unwrap();
        assert_eq!(e.eval(&|_| None), Some(Decimal::from(500)));
    }

    #[test]
    fn custom_metrics_are_checked_for_unknown_names_and_cycles() {
        let known = |n: &str| metric(n).is_some() || n == "order_amount";
        let mut custom = BTreeMap::new();
        custom.insert(
            "cash_ratio".to_owned(),
            Expr::parse("payments / revenue").unwrap(),
        );
        custom.insert(
            "double_cash".to_owned(),
            Expr::parse("cash_ratio * 2").unwrap(),
        );
        assert!(check_custom(&custom, &known).is_ok());
        custom.insert("typo".to_owned(), Expr::parse("revenu / 2").unwrap());
        let (key, err) = check_custom(&custom, &known).unwrap_err();
        assert_eq!(
            (key.as_str(), err.reason.as_str()),
            ("typo", "unknown name 'revenu'")
        );
        custom.remove("typo");
        custom.insert("a".to_owned(), Expr::parse("b + 1").unwrap());
        custom.insert("b".to_owned(), Expr::parse("c * 2").unwrap());
        custom.insert("c".to_owned(), Expr::parse("a / revenue").unwrap());
        let (_, err) = check_custom(&custom, &known).unwrap_err();
        assert_eq!(err.reason, "defined through itself: a → b → c → a");
        let mut shadow = BTreeMap::new();
        shadow.insert("revenue".to_owned(), Expr::parse("payments").unwrap());
        assert!(check_custom(&shadow, &known).is_err());
    }
}
