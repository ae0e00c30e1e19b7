//! Commission plans, plan assignments, payout runs and statements. Plans,
//! assignments and every change of a run are audited; statements are read
//! through the reader's pay visibility (his own, his subtree's, or all), so
//! nobody reads a commission he may not see, even by guessing an ID.

use attain_core::comp::{PlanRules, Tier};
use attain_core::{Currency, Money, PayVisibility, PayoutRunId, PlanId, StatementId, UserId};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::BeginWrite as _;
use crate::access::audit;
use crate::{Actor, AuditAction, Store, StoreError, StoreResult, on_pool};

/// A stored commission plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Its ID.
    pub id: PlanId,
    /// Name, unique.
    pub name: String,
    /// The metric credited to the person (revenue, bookings, payments).
    pub metric: String,
    /// Tiers, threshold and cap.
    pub rules: PlanRules,
}

/// A plan to create or replace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPlan {
    /// Name.
    pub name: String,
    /// Credited metric.
    pub metric: String,
    /// Rules (checked by the caller).
    pub rules: PlanRules,
}

/// A person on a plan for a span of days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    /// Its ID.
    pub id: i64,
    /// The plan.
    pub plan: PlanId,
    /// The person.
    pub user: UserId,
    /// First day on the plan.
    pub from: NaiveDate,
    /// Last day on the plan (`None` while it lasts).
    pub to: Option<NaiveDate>,
}

/// Where a payout run is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RunStatus {
    /// Calculated; may be recalculated.
    Draft,
    /// Approved by sales ops; no more recalculation.
    Approved,
    /// Final: exported to payroll, never changed.
    Locked,
}

impl RunStatus {
    /// Key used in storage, the API and the message catalogues.
    pub fn key(self) -> &'static str {
        match self {
            RunStatus::Draft => "draft",
            RunStatus::Approved => "approved",
            RunStatus::Locked => "locked",
        }
    }

    fn parse(text: &str) -> StoreResult<Self> {
        match text {
            "draft" => Ok(RunStatus::Draft),
            "approved" => Ok(RunStatus::Approved),
            "locked" => Ok(RunStatus::Locked),
            other => Err(StoreError::Corrupt(format!("run status '{other}'"))),
        }
    }
}

/// A payout run: one period's statements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayoutRun {
    /// Its ID.
    pub id: PayoutRunId,
    /// Period key.
    pub period: String,
    /// First day of the period.
    pub start: NaiveDate,
    /// First day after it.
    pub end: NaiveDate,
    /// Draft, approved or locked.
    pub status: RunStatus,
    /// Who calculated it.
    pub created_by: String,
    /// When.
    pub created_at: DateTime<Utc>,
    /// Who approved it and when.
    pub approved: Option<(String, DateTime<Utc>)>,
    /// Who locked it and when.
    pub locked: Option<(String, DateTime<Utc>)>,
    /// Statements in it.
    pub statements: i64,
    /// Sum of their commissions, in minor units of `currency`.
    pub total_minor: i64,
}

/// A statement to store in a run.
#[derive(Debug, Clone, PartialEq)]
pub struct NewStatement {
    /// The person.
    pub user: UserId,
    /// The plan he was on.
    pub plan: PlanId,
    /// Credited amount.
    pub credited: Money,
    /// Quota, if there is one.
    pub quota: Option<Money>,
    /// What is paid.
    pub commission: Money,
    /// Every step of the calculation.
    pub trace: PayTrace,
}

/// Every step of a commission calculation, kept with its statement so the
/// figure can be explained later exactly as it was computed (the plan, the
/// quota and where it came from, each band of the tiers). Stored as JSON
/// whose amounts are exact decimal strings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PayTrace {
    /// The plan's name at the time.
    pub plan: String,
    /// The metric that was credited.
    pub metric: String,
    /// The period paid.
    pub period: String,
    /// What was credited, in the statement's currency.
    #[serde(with = "rust_decimal::serde::str")]
    pub credited: Decimal,
    /// The quota, if there was one.
    #[serde(default, with = "rust_decimal::serde::str_option")]
    pub quota: Option<Decimal>,
    /// The goal the quota came from.
    #[serde(default)]
    pub quota_source: Option<QuotaSource>,
    /// credited ÷ quota, to six places.
    #[serde(default, with = "rust_decimal::serde::str_option")]
    pub attainment: Option<Decimal>,
    /// Each band of the tiers and what it earned.
    #[serde(default)]
    pub lines: Vec<TraceLine>,
    /// Sum of the lines before the threshold and the cap.
    #[serde(with = "rust_decimal::serde::str")]
    pub earned: Decimal,
    /// The plan's threshold (a fraction of quota), if any.
    #[serde(default, with = "rust_decimal::serde::str_option")]
    pub threshold: Option<Decimal>,
    /// Whether the threshold was missed, so nothing is paid.
    #[serde(default)]
    pub below_threshold: bool,
    /// The plan's cap, if any.
    #[serde(default, with = "rust_decimal::serde::str_option")]
    pub cap: Option<Decimal>,
    /// How much the cap took off.
    #[serde(with = "rust_decimal::serde::str")]
    pub capped_by: Decimal,
    /// What is paid.
    #[serde(with = "rust_decimal::serde::str")]
    pub total: Decimal,
    /// ISO code of the amounts.
    pub currency: String,
}

/// The goal a quota came from: its target for its own period, and for a
/// part of that period the days counted (the quota in proportion).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuotaSource {
    /// The goal's ID.
    pub goal: i64,
    /// The goal's period.
    pub period: String,
    /// The goal's target.
    #[serde(with = "rust_decimal::serde::str")]
    pub target: Decimal,
    /// Days of the paid period, when the goal's period is longer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days: Option<i64>,
    /// Days of the goal's period, when prorated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub of_days: Option<i64>,
}

/// One band of the tiers: attainment from `from` to `to` (fractions),
/// the credited amount that fell in it, its rate and what it earned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraceLine {
    /// Attainment where the band starts.
    #[serde(with = "rust_decimal::serde::str")]
    pub from: Decimal,
    /// Where it ends (none: open).
    #[serde(default, with = "rust_decimal::serde::str_option")]
    pub to: Option<Decimal>,
    /// The credited amount in the band.
    #[serde(with = "rust_decimal::serde::str")]
    pub base: Decimal,
    /// Its rate.
    #[serde(with = "rust_decimal::serde::str")]
    pub rate: Decimal,
    /// What it earned.
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: Decimal,
}

/// A stored statement.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// Its ID.
    pub id: StatementId,
    /// The run.
    pub run: PayoutRunId,
    /// The run's period.
    pub period: String,
    /// The run's status.
    pub status: RunStatus,
    /// The person.
    pub user: UserId,
    /// His name.
    pub user_name: String,
    /// The plan.
    pub plan: PlanId,
    /// The plan's name.
    pub plan_name: String,
    /// Credited amount.
    pub credited: Money,
    /// Quota.
    pub quota: Option<Money>,
    /// What is paid.
    pub commission: Money,
    /// Every step of the calculation.
    pub trace: PayTrace,
}

fn rules_json(rules: &PlanRules) -> String {
    serde_json::Value::Array(
        rules
            .tiers
            .iter()
            .map(|t| serde_json::json!({"from": t.from.to_string(), "rate": t.rate.to_string()}))
            .collect(),
    )
    .to_string()
}

fn dec(text: &str, what: &str) -> StoreResult<Decimal> {
    text.parse()
        .map_err(|_| StoreError::Corrupt(format!("{what}: '{text}' is not a decimal")))
}

type PlanRow = (
    i64,
    String,
    String,
    String,
    Option<String>,
    Option<i64>,
    String,
);

fn plan_from_row(row: PlanRow) -> StoreResult<Plan> {
    let (id, name, metric, tiers, threshold, cap, currency) = row;
    let currency =
        Currency::from_code(&currency).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let raw: Vec<serde_json::Value> = serde_json::from_str(&tiers)
        .map_err(|e| StoreError::Corrupt(format!("plan {id} tiers: {e}")))?;
    let mut parsed = Vec::with_capacity(raw.len());
    for t in raw {
        let field = |k: &str| {
            t.get(k)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_owned()
        };
        parsed.push(Tier {
            from: dec(&field("from"), "tier")?,
            rate: dec(&field("rate"), "tier")?,
        });
    }
    Ok(Plan {
        id: PlanId::from_raw(id),
        name,
        metric,
        rules: PlanRules {
            tiers: parsed,
            threshold: threshold.map(|t| dec(&t, "threshold")).transpose()?,
            cap: cap.map(|c| Money::from_minor_units(c, currency)),
        },
    })
}

fn plan_json(plan: &NewPlan) -> serde_json::Value {
    serde_json::json!({
        "name": plan.name,
        "metric": plan.metric,
        "tiers": serde_json::from_str::<serde_json::Value>(&rules_json(&plan.rules)).unwrap_or_default(),
        "threshold": plan.rules.threshold.map(|t| t.to_string()),
        "cap": plan.rules.cap.map(|c| c.amount().to_string()),
    })
}

const PLAN_COLUMNS: &str = "id, name, metric, tiers_json, threshold, cap_minor, currency";

type RunRow = (
    i64,
    String,
    NaiveDate,
    NaiveDate,
    String,
    String,
    DateTime<Utc>,
    Option<String>,
    Option<DateTime<Utc>>,
    Option<String>,
    Option<DateTime<Utc>>,
    i64,
    Option<i64>,
);

const RUN_SELECT: &str = "SELECT r.id, r.period, r.period_start, r.period_end, r.status, r.created_by, r.created_at, r.approved_by, r.approved_at, r.locked_by, r.locked_at, \
    (SELECT COUNT(*) FROM statements s WHERE s.run_id = r.id), (SELECT CAST(SUM(s.commission_minor) AS BIGINT) FROM statements s WHERE s.run_id = r.id) FROM payout_runs r";

fn run_from_row(row: RunRow) -> StoreResult<PayoutRun> {
    let (id, period, start, end, status, created_by, created_at, ab, aa, lb, la, n, total) = row;
    Ok(PayoutRun {
        id: PayoutRunId::from_raw(id),
        period,
        start,
        end,
        status: RunStatus::parse(&status)?,
        created_by,
        created_at,
        approved: ab.zip(aa),
        locked: lb.zip(la),
        statements: n,
        total_minor: total.unwrap_or(0),
    })
}

type StatementRow = (
    i64,
    i64,
    String,
    String,
    i64,
    String,
    i64,
    String,
    i64,
    Option<i64>,
    i64,
    String,
    String,
);

const STATEMENT_SELECT: &str = "SELECT s.id, s.run_id, r.period, r.status, s.user_id, u.display_name, s.plan_id, p.name, s.credited_minor, s.quota_minor, s.commission_minor, s.currency, s.trace_json \
    FROM statements s JOIN payout_runs r ON r.id = s.run_id JOIN users u ON u.id = s.user_id JOIN comp_plans p ON p.id = s.plan_id";

fn statement_from_row(row: StatementRow) -> StoreResult<Statement> {
    let (
        id,
        run,
        period,
        status,
        user,
        user_name,
        plan,
        plan_name,
        credited,
        quota,
        commission,
        currency,
        trace,
    ) = row;
    let currency =
        Currency::from_code(&currency).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    Ok(Statement {
        id: StatementId::from_raw(id),
        run: PayoutRunId::from_raw(run),
        period,
        status: RunStatus::parse(&status)?,
        user: UserId::from_raw(user),
        user_name,
        plan: PlanId::from_raw(plan),
        plan_name,
        credited: Money::from_minor_units(credited, currency),
        quota: quota.map(|q| Money::from_minor_units(q, currency)),
        commission: Money::from_minor_units(commission, currency),
        trace: serde_json::from_str(&trace)
            .map_err(|e| StoreError::Corrupt(format!("statement {id} trace: {e}")))?,
    })
}

/// The pay-visibility filter of statements; `$1` is the scope key.
/// The filter of [`PayVisibility`] on statements `s` of users `u`: the
/// CTE it needs, the condition (binding `$1`) and `$1`'s value. A manager
/// sees his own and the pay of the people below him: units under his, and
/// the reps and viewers of his own unit (`Principal::is_above`).
fn pay_clause(visibility: &PayVisibility) -> (&'static str, String, i64) {
    match visibility {
        PayVisibility::Everything => ("", "CAST($1 AS BIGINT) = 0".into(), 0),
        PayVisibility::Below { unit, manager } => (
            crate::sales::SCOPE_CTE,
            // The manager's ID is a typed ID, written as digits.
            format!(
                "(s.user_id = {} OR (u.org_unit_id IN (SELECT id FROM scope_units) AND (u.org_unit_id <> $1 OR u.role IN ('rep', 'viewer'))))",
                manager.raw()
            ),
            unit.raw(),
        ),
        PayVisibility::Own(user) => ("", "s.user_id = $1".into(), user.raw()),
    }
}

fn minor(money: &Money) -> StoreResult<i64> {
    money
        .to_minor_units()
        .map_err(|e| StoreError::Invalid(format!("cannot store {money}: {e}")))
}

impl Store {
    /// Every commission plan, by name.
    pub async fn plans(&self) -> StoreResult<Vec<Plan>> {
        let sql = format!("SELECT {PLAN_COLUMNS} FROM comp_plans ORDER BY name");
        let rows: Vec<PlanRow> = on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await?
        });
        rows.into_iter().map(plan_from_row).collect()
    }

    /// One plan.
    pub async fn plan(&self, id: PlanId) -> StoreResult<Plan> {
        let sql = format!("SELECT {PLAN_COLUMNS} FROM comp_plans WHERE id = $1");
        let row: Option<PlanRow> = on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id.raw()).fetch_optional(pool).await?
        });
        row.map(plan_from_row)
            .transpose()?
            .ok_or_else(|| StoreError::NotFound {
                entity: "plan",
                id: id.to_string(),
            })
    }

    /// Creates (`id` None) or replaces a plan, audited. The cap is stored
    /// in the currency of the plan (the base currency).
    pub async fn save_plan_audited(
        &self,
        actor: &Actor,
        id: Option<PlanId>,
        plan: &NewPlan,
        currency: Currency,
    ) -> StoreResult<PlanId> {
        let before = match id {
            Some(id) => Some(self.plan(id).await?),
            None => None,
        };
        let cap = plan.rules.cap.as_ref().map(minor).transpose()?;
        let tiers = rules_json(&plan.rules);
        let threshold = plan.rules.threshold.map(|t| t.to_string());
        let name = plan.name.trim();
        let saved = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let saved: i64 = match id {
                None => sqlx::query_scalar("INSERT INTO comp_plans (name, metric, tiers_json, threshold, cap_minor, currency, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
                    .bind(name).bind(&plan.metric).bind(&tiers).bind(&threshold).bind(cap).bind(currency.code()).bind(Utc::now())
                    .fetch_one(&mut *tx).await.map_err(|e| taken(e, name))?,
                Some(id) => {
                    sqlx::query("UPDATE comp_plans SET name = $1, metric = $2, tiers_json = $3, threshold = $4, cap_minor = $5, currency = $6 WHERE id = $7")
                        .bind(name).bind(&plan.metric).bind(&tiers).bind(&threshold).bind(cap).bind(currency.code()).bind(id.raw())
                        .execute(&mut *tx).await.map_err(|e| taken(e, name))?;
                    id.raw()
                }
            };
            let before_json = before.as_ref().map(|b| plan_json(&NewPlan { name: b.name.clone(), metric: b.metric.clone(), rules: b.rules.clone() }));
            let action = if before.is_some() { AuditAction::Update } else { AuditAction::Create };
            audit!(tx, actor, action, "plan", saved.to_string(), before_json, Some(plan_json(plan)));
            tx.commit().await?;
            saved
        });
        Ok(PlanId::from_raw(saved))
    }

    /// Deletes a plan nobody was ever paid on, audited.
    pub async fn delete_plan_audited(&self, actor: &Actor, id: PlanId) -> StoreResult<()> {
        let before = self.plan(id).await?;
        on_pool!(self, pool => {
            let used: i64 = sqlx::query_scalar("SELECT (SELECT COUNT(*) FROM statements WHERE plan_id = $1) + (SELECT COUNT(*) FROM plan_assignments WHERE plan_id = $1)")
                .bind(id.raw()).fetch_one(pool).await?;
            if used > 0 {
                return Err(StoreError::Conflict(format!("plan '{}' has people on it or statements calculated on it; end the assignments instead", before.name)));
            }
            let mut tx = pool.begin_write().await?;
            sqlx::query("DELETE FROM comp_plans WHERE id = $1").bind(id.raw()).execute(&mut *tx).await?;
            audit!(tx, actor, AuditAction::Delete, "plan", id.to_string(), Some(plan_json(&NewPlan { name: before.name.clone(), metric: before.metric.clone(), rules: before.rules.clone() })), None::<serde_json::Value>);
            tx.commit().await?;
        });
        Ok(())
    }

    /// Assignments, optionally of one plan.
    pub async fn assignments(&self, plan: Option<PlanId>) -> StoreResult<Vec<Assignment>> {
        let rows: Vec<(i64, i64, i64, NaiveDate, Option<NaiveDate>)> = on_pool!(self, pool => {
            sqlx::query_as("SELECT id, plan_id, user_id, valid_from, valid_to FROM plan_assignments WHERE (CAST($1 AS BIGINT) = 0 OR plan_id = $1) ORDER BY user_id, valid_from")
                .bind(plan.map_or(0, PlanId::raw))
                .fetch_all(pool)
                .await?
        });
        Ok(rows
            .into_iter()
            .map(|(id, plan, user, from, to)| Assignment {
                id,
                plan: PlanId::from_raw(plan),
                user: UserId::from_raw(user),
                from,
                to,
            })
            .collect())
    }

    /// Puts people on a plan from a day (until a day, or for good), audited.
    /// A person is on one plan at a time: an overlapping assignment is a conflict.
    pub async fn assign_plan_audited(
        &self,
        actor: &Actor,
        plan: PlanId,
        users: &[UserId],
        from: NaiveDate,
        to: Option<NaiveDate>,
    ) -> StoreResult<usize> {
        self.plan(plan).await?;
        if to.is_some_and(|t| t < from) {
            return Err(StoreError::Invalid(format!(
                "to: {} is before from: {from}",
                to.unwrap_or(from)
            )));
        }
        let known: std::collections::HashSet<UserId> =
            self.users().await?.into_iter().map(|u| u.id).collect();
        if let Some(unknown) = users.iter().find(|u| !known.contains(u)) {
            return Err(StoreError::Invalid(format!(
                "users: user {unknown} does not exist"
            )));
        }
        let existing = self.assignments(None).await?;
        for user in users {
            if let Some(a) = existing.iter().find(|a| {
                a.user == *user
                    && a.from <= to.unwrap_or(NaiveDate::MAX)
                    && a.to.is_none_or(|t| t >= from)
            }) {
                return Err(StoreError::Conflict(format!(
                    "user {user} is already on plan {} from {}{}",
                    a.plan,
                    a.from,
                    a.to.map_or_else(String::new, |t| format!(" to {t}"))
                )));
            }
        }
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            for user in users {
                let id: i64 = sqlx::query_scalar("INSERT INTO plan_assignments (plan_id, user_id, valid_from, valid_to) VALUES ($1, $2, $3, $4) RETURNING id")
                    .bind(plan.raw()).bind(user.raw()).bind(from).bind(to)
                    .fetch_one(&mut *tx).await?;
                audit!(tx, actor, AuditAction::Create, "plan_assignment", id.to_string(), None::<serde_json::Value>,
                    Some(serde_json::json!({"plan": plan.raw(), "user": user.raw(), "from": from.to_string(), "to": to.map(|t| t.to_string())})));
            }
            tx.commit().await?;
        });
        Ok(users.len())
    }

    /// Every payout run, newest period first.
    pub async fn payout_runs(&self) -> StoreResult<Vec<PayoutRun>> {
        let sql = format!("{RUN_SELECT} ORDER BY r.period_start DESC, r.id DESC");
        let rows: Vec<RunRow> = on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await?
        });
        rows.into_iter().map(run_from_row).collect()
    }

    /// One payout run.
    pub async fn payout_run(&self, id: PayoutRunId) -> StoreResult<PayoutRun> {
        let sql = format!("{RUN_SELECT} WHERE r.id = $1");
        let row: Option<RunRow> = on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id.raw()).fetch_optional(pool).await?
        });
        row.map(run_from_row)
            .transpose()?
            .ok_or_else(|| StoreError::NotFound {
                entity: "payout run",
                id: id.to_string(),
            })
    }

    /// Stores a run's statements: a new draft run (`id` None), or the
    /// recalculation of a draft (its statements replaced). Audited with the
    /// run's totals before and after.
    pub async fn save_payout_run_audited(
        &self,
        actor: &Actor,
        id: Option<PayoutRunId>,
        period: (&str, NaiveDate, NaiveDate),
        statements: &[NewStatement],
    ) -> StoreResult<PayoutRunId> {
        let before = match id {
            Some(id) => {
                let run = self.payout_run(id).await?;
                if run.status != RunStatus::Draft {
                    return Err(StoreError::Conflict(format!(
                        "payout run {id} is {}; only a draft is recalculated",
                        run.status.key()
                    )));
                }
                Some(run)
            }
            None => None,
        };
        let mut rows = Vec::with_capacity(statements.len());
        for s in statements {
            rows.push((
                s,
                minor(&s.credited)?,
                s.quota.as_ref().map(minor).transpose()?,
                minor(&s.commission)?,
            ));
        }
        let total: i64 = rows.iter().map(|r| r.3).sum();
        let now = Utc::now();
        let saved = on_pool!(self, pool => {
            // Runs take turns, so two overlapping runs cannot both be created.
            let mut tx = pool.begin_serial().await?;
            if id.is_none() {
                let overlapping: Option<(i64, String)> = sqlx::query_as("SELECT id, period FROM payout_runs WHERE period_start < $1 AND $2 < period_end ORDER BY id LIMIT 1")
                    .bind(period.2).bind(period.1).fetch_optional(&mut *tx).await?;
                if let Some((other, name)) = overlapping {
                    return Err(StoreError::Conflict(format!(
                        "payout run {other} ({name}) already covers days of {}; a period is paid by one run only",
                        period.0
                    )));
                }
            }
            let run_id: i64 = match id {
                None => sqlx::query_scalar("INSERT INTO payout_runs (period, period_start, period_end, status, created_by, created_at) VALUES ($1, $2, $3, 'draft', $4, $5) RETURNING id")
                    .bind(period.0).bind(period.1).bind(period.2).bind(actor.label.as_str()).bind(now)
                    .fetch_one(&mut *tx).await?,
                Some(id) => {
                    // Each person whose commission a recalculation changes gets his own entry.
                    let old: Vec<(i64, i64, String)> = sqlx::query_as("SELECT user_id, commission_minor, currency FROM statements WHERE run_id = $1")
                        .bind(id.raw()).fetch_all(&mut *tx).await?;
                    for (user, was, currency) in &old {
                        let now_minor = rows.iter().find(|r| r.0.user.raw() == *user).map(|r| r.3);
                        if now_minor != Some(*was) {
                            let money = |m: i64| Currency::from_code(currency).map(|c| Money::from_minor_units(m, c).amount().to_string()).unwrap_or_default();
                            audit!(tx, actor, AuditAction::Update, "statement", format!("{id}/{user}"),
                                Some(serde_json::json!({"user": user, "commission": money(*was)})),
                                Some(serde_json::json!({"user": user, "commission": now_minor.map(money)})));
                        }
                    }
                    sqlx::query("DELETE FROM statements WHERE run_id = $1").bind(id.raw()).execute(&mut *tx).await?;
                    sqlx::query("UPDATE payout_runs SET created_by = $1, created_at = $2 WHERE id = $3").bind(actor.label.as_str()).bind(now).bind(id.raw()).execute(&mut *tx).await?;
                    id.raw()
                }
            };
            for (s, credited, quota, commission) in &rows {
                sqlx::query("INSERT INTO statements (run_id, user_id, plan_id, credited_minor, quota_minor, commission_minor, currency, trace_json) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                    .bind(run_id).bind(s.user.raw()).bind(s.plan.raw()).bind(*credited).bind(*quota).bind(*commission)
                    .bind(s.commission.currency().code()).bind(serde_json::to_string(&s.trace).map_err(|e| StoreError::Invalid(format!("statement trace: {e}")))?)
                    .execute(&mut *tx).await?;
            }
            self.checkpoint("payout-run:statements-written");
            let summary = |n: i64, total: i64| serde_json::json!({"period": period.0, "status": "draft", "statements": n, "total_minor": total});
            let (action, before_json) = match &before {
                Some(b) => (AuditAction::Update, Some(summary(b.statements, b.total_minor))),
                None => (AuditAction::Create, None),
            };
            audit!(tx, actor, action, "payout_run", run_id.to_string(), before_json, Some(summary(rows.len() as i64, total)));
            tx.commit().await?;
            run_id
        });
        Ok(PayoutRunId::from_raw(saved))
    }

    /// Moves a run from draft to approved, or from approved to locked, audited.
    pub async fn advance_payout_run_audited(
        &self,
        actor: &Actor,
        id: PayoutRunId,
        to: RunStatus,
    ) -> StoreResult<()> {
        let run = self.payout_run(id).await?;
        let (from, by, at) = match to {
            RunStatus::Approved => (RunStatus::Draft, "approved_by", "approved_at"),
            RunStatus::Locked => (RunStatus::Approved, "locked_by", "locked_at"),
            RunStatus::Draft => {
                return Err(StoreError::Invalid("a run never goes back to draft".into()));
            }
        };
        if run.status != from {
            return Err(StoreError::Conflict(format!(
                "payout run {id} is {}; only a {} run can become {}",
                run.status.key(),
                from.key(),
                to.key()
            )));
        }
        // The column names come from the match above, never from input.
        let sql = format!(
            "UPDATE payout_runs SET status = $1, {by} = $2, {at} = $3 WHERE id = $4 AND status = $5"
        );
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let done = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(to.key()).bind(actor.label.as_str()).bind(Utc::now()).bind(id.raw()).bind(from.key())
                .execute(&mut *tx).await?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Conflict(format!("payout run {id} changed meanwhile")));
            }
            audit!(tx, actor, AuditAction::Update, "payout_run", id.to_string(),
                Some(serde_json::json!({"status": from.key()})), Some(serde_json::json!({"status": to.key(), "statements": run.statements, "total_minor": run.total_minor})));
            tx.commit().await?;
        });
        Ok(())
    }

    /// Statements the reader may see (by pay visibility), optionally of one
    /// run or one person, newest period first.
    pub async fn statements_visible(
        &self,
        visibility: &PayVisibility,
        run: Option<PayoutRunId>,
        user: Option<UserId>,
        offset: i64,
        limit: i64,
    ) -> StoreResult<Vec<Statement>> {
        let (with, clause, key) = pay_clause(visibility);
        let sql = format!(
            "{with}{STATEMENT_SELECT} WHERE {clause} AND (CAST($2 AS BIGINT) = 0 OR s.run_id = $2) AND (CAST($3 AS BIGINT) = 0 OR s.user_id = $3) \
             ORDER BY r.period_start DESC, s.run_id DESC, u.display_name, s.id LIMIT $4 OFFSET $5"
        );
        let rows: Vec<StatementRow> = on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(key)
                .bind(run.map_or(0, PayoutRunId::raw))
                .bind(user.map_or(0, UserId::raw))
                .bind(limit)
                .bind(offset)
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(statement_from_row).collect()
    }

    /// One statement, if the reader may see it; `NotFound` otherwise.
    pub async fn statement_visible(
        &self,
        visibility: &PayVisibility,
        id: StatementId,
    ) -> StoreResult<Statement> {
        let (with, clause, key) = pay_clause(visibility);
        let sql = format!("{with}{STATEMENT_SELECT} WHERE {clause} AND s.id = $2");
        let row: Option<StatementRow> = on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(key).bind(id.raw()).fetch_optional(pool).await?
        });
        row.map(statement_from_row)
            .transpose()?
            .ok_or_else(|| StoreError::NotFound {
                entity: "statement",
                id: id.to_string(),
            })
    }
}

fn taken(err: sqlx::Error, name: &str) -> StoreError {
    if let sqlx::Error::Database(db) = &err
        && db.is_unique_violation()
    {
        return StoreError::Conflict(format!("a plan named '{name}' exists already"));
    }
    err.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A statement written before the trace was typed (by `json!`, every
    /// amount a decimal string) still reads, and writes back the same JSON.
    #[test]
    fn a_trace_stored_before_it_was_typed_reads_and_writes_back_the_same() {
        let stored = r#"{"plan":"Reps 2026","metric":"revenue","period":"2026-Q1","credited":"123456.78","quota":"100000.00","quota_source":{"goal":12,"period":"FY2026","target":"400000","days":90,"of_days":365},"attainment":"1.234568","lines":[{"from":"0","to":"1","base":"100000.00","rate":"0.04","amount":"4000.00"},{"from":"1","to":null,"base":"23456.78","rate":"0.07","amount":"1641.97"}],"earned":"5641.97","threshold":"0.3","below_threshold":false,"cap":null,"capped_by":"0.00","total":"5641.97","currency":"CNY"}"#;
        let trace: PayTrace = serde_json::from_str(stored).unwrap();
        assert_eq!(trace.credited, Decimal::new(12345678, 2));
        assert_eq!(
            trace.quota_source.as_ref().and_then(|q| q.of_days),
            Some(365)
        );
        assert_eq!(trace.lines[1].to, None);
        assert_eq!(trace.cap, None);
        let again: serde_json::Value = serde_json::to_value(&trace).unwrap();
        let before: serde_json::Value = serde_json::from_str(stored).unwrap();
        assert_eq!(again, before, "the same JSON, key for key");
        // A goal's own period: no days.
        let whole = r#"{"goal":3,"period":"2026-Q1","target":"5"}"#;
        let source: QuotaSource = serde_json::from_str(whole).unwrap();
        assert_eq!(serde_json::to_string(&source).unwrap(), whole);
        assert!(
            serde_json::from_str::<PayTrace>(r#"{"plan":"x"}"#).is_err(),
            "a trace without its amounts is refused"
        );
    }
}
