//! Goals, their revisions and check-ins: read within the reader's
//! visibility, written in one transaction per change with every goal
//! touched in the audit log (who, when, before, after).

use attain_core::goal::{GoalDirection, target_value};
use attain_core::{Currency, GoalId, MetricKey, OrgUnitId, PeriodKey, Scope, UserId, Visibility};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use crate::BeginWrite as _;
use crate::access::audit;
use crate::{Actor, AuditAction, Store, StoreError, StoreResult, on_pool};

/// A stored goal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Goal {
    /// Its ID.
    pub id: GoalId,
    /// The goal it is a part of.
    pub parent: Option<GoalId>,
    /// A name people gave it ('' when the metric, scope and period say it all).
    pub name: String,
    /// Metric key (built-in or custom).
    pub metric: MetricKey,
    /// Whose figures it measures (stored as its key: `company`, `unit:ID`, …).
    pub scope: Scope,
    /// The unit it belongs to (company and unit scopes).
    pub unit: Option<OrgUnitId>,
    /// The person it belongs to (rep scope).
    pub user: Option<UserId>,
    /// Period key (`FY2026`, `2026-Q3`, `2026-07`, …).
    pub period: PeriodKey,
    /// First day of the period.
    pub start: NaiveDate,
    /// First day after the period.
    pub end: NaiveDate,
    /// Target as whole units of `10^-scale`.
    pub target_units: i64,
    /// Decimals of the target.
    pub scale: u32,
    /// Currency of a money target (none otherwise).
    pub currency: Option<Currency>,
    /// At least or at most.
    pub direction: GoalDirection,
    /// How its children were split ('' when it has none).
    pub split: String,
    /// Who created it (the audit log says when).
    pub created_by: String,
}

impl Goal {
    /// The target as a decimal.
    pub fn target(&self) -> Decimal {
        target_value(self.target_units, self.scale)
    }

    fn audit_json(&self) -> serde_json::Value {
        serde_json::json!({
            "parent": self.parent.map(GoalId::raw),
            "name": self.name,
            "metric": self.metric.key(),
            "scope": self.scope.key(),
            "period": self.period.to_string(),
            "target": self.target().to_string(),
            "currency": self.currency.map_or("", |c| c.code()),
            "direction": self.direction.key(),
            "split": self.split,
        })
    }
}

/// A goal to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewGoal {
    /// The goal it is a part of.
    pub parent: Option<GoalId>,
    /// Optional name.
    pub name: String,
    /// Metric key.
    pub metric: MetricKey,
    /// Whose figures it measures.
    pub scope: Scope,
    /// Unit it belongs to (company and unit scopes).
    pub unit: Option<OrgUnitId>,
    /// Person it belongs to (rep scope).
    pub user: Option<UserId>,
    /// Period key.
    pub period: PeriodKey,
    /// First day of the period.
    pub start: NaiveDate,
    /// First day after it.
    pub end: NaiveDate,
    /// Target in whole units of `10^-scale`.
    pub target_units: i64,
    /// Decimals of the target.
    pub scale: u32,
    /// Currency of a money target (none otherwise).
    pub currency: Option<Currency>,
    /// At least or at most.
    pub direction: GoalDirection,
}

impl NewGoal {
    fn audit_json(&self) -> serde_json::Value {
        serde_json::json!({
            "parent": self.parent.map(GoalId::raw),
            "name": self.name,
            "metric": self.metric.key(),
            "scope": self.scope.key(),
            "period": self.period.to_string(),
            "target": target_value(self.target_units, self.scale).to_string(),
            "currency": self.currency.map_or("", |c| c.code()),
            "direction": self.direction.key(),
        })
    }
}

/// A change of one goal's target, with its reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revision {
    /// The goal.
    pub goal: GoalId,
    /// The new target in the goal's units.
    pub new_units: i64,
    /// Why.
    pub reason: String,
}

/// Everything one goal operation changes, written in one transaction:
/// new goals, revised targets, goals taken under a parent, and the split
/// note of the goal that was split.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GoalChanges {
    /// Goals to create.
    pub create: Vec<NewGoal>,
    /// Targets to change (each kept as a revision).
    pub revise: Vec<Revision>,
    /// Existing goals to place under a parent: (goal, parent).
    pub adopt: Vec<(GoalId, GoalId)>,
    /// The goal whose children these are, and how they were split.
    pub split: Option<(GoalId, String)>,
}

/// A kept revision of a target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoalRevision {
    /// When.
    pub at: DateTime<Utc>,
    /// Who (login, `cli` or `system`).
    pub actor: String,
    /// The target before.
    pub old_target: Decimal,
    /// The target after.
    pub new_target: Decimal,
    /// Why.
    pub reason: String,
}

/// A check-in on a goal: a comment and a confidence level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoalCheckin {
    /// When.
    pub at: DateTime<Utc>,
    /// Who wrote it.
    pub author: String,
    /// Confidence of reaching the goal, 0 to 100 %.
    pub confidence: u8,
    /// The comment.
    pub comment: String,
}

/// Which goals to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GoalFilter {
    /// Only goals of this period key.
    pub period: Option<PeriodKey>,
    /// Only goals whose period overlaps `[from, to)`.
    pub overlapping: Option<(NaiveDate, NaiveDate)>,
    /// Only goals of this metric.
    pub metric: Option<MetricKey>,
    /// Only goals of this scope.
    pub scope: Option<Scope>,
    /// Only the children of this goal.
    pub parent: Option<GoalId>,
}

type GoalRow = (
    i64,
    Option<i64>,
    String,
    String,
    String,
    Option<i64>,
    Option<i64>,
    String,
    NaiveDate,
    NaiveDate,
    i64,
    i32,
    String,
    String,
    String,
    String,
);

const GOAL_COLUMNS: &str = "g.id, g.parent_id, g.name, g.metric, g.scope, g.org_unit_id, g.user_id, g.period, g.period_start, g.period_end, g.target_units, g.target_scale, g.currency, g.direction, g.split, g.created_by";

fn goal_from_row(row: GoalRow) -> StoreResult<Goal> {
    let (
        id,
        parent,
        name,
        metric,
        scope,
        unit,
        user,
        period,
        start,
        end,
        target_units,
        scale,
        currency,
        direction,
        split,
        created_by,
    ) = row;
    Ok(Goal {
        id: GoalId::from_raw(id),
        parent: parent.map(GoalId::from_raw),
        name,
        metric: MetricKey::parse(&metric),
        scope: Scope::parse_key(&scope)
            .map_err(|e| StoreError::Corrupt(format!("goal {id} scope: {e}")))?,
        unit: unit.map(OrgUnitId::from_raw),
        user: user.map(UserId::from_raw),
        period: period
            .parse()
            .map_err(|e| StoreError::Corrupt(format!("goal {id} period: {e}")))?,
        start,
        end,
        target_units,
        scale: u32::try_from(scale).map_err(|_| StoreError::Corrupt(format!("goal {id} scale")))?,
        currency: if currency.is_empty() {
            None
        } else {
            Some(
                Currency::from_code(&currency)
                    .map_err(|e| StoreError::Corrupt(format!("goal {id} currency: {e}")))?,
            )
        },
        direction: direction
            .parse()
            .map_err(|e: String| StoreError::Corrupt(format!("goal {id}: {e}")))?,
        split,
        created_by,
    })
}

/// The visibility filter of goals: everything; goals of units in a subtree
/// and of the people in it; or a person's own goals. `$1` is the scope key.
fn visibility_clause(visibility: &Visibility) -> (&'static str, &'static str, i64) {
    match visibility {
        Visibility::Everything => ("", "CAST($1 AS BIGINT) = 0", 0),
        Visibility::Subtree(unit) => (
            crate::sales::SCOPE_CTE,
            "(g.org_unit_id IN (SELECT id FROM scope_units) OR g.user_id IN (SELECT su.id FROM users su WHERE su.org_unit_id IN (SELECT id FROM scope_units)))",
            unit.raw(),
        ),
        Visibility::Own(user) => ("", "g.user_id = $1", user.raw()),
    }
}

/// How deep goals nest: company → region → team → rep → month is five;
/// recursive reads stop here whatever the data says.
pub const MAX_GOAL_DEPTH: i64 = 32;

/// The goals above `$1` (its parent, the parent's parent, …), at most
/// `$2` levels up.
const GOAL_ANCESTORS: &str = "WITH RECURSIVE above(id, parent_id, depth) AS (\
     SELECT id, parent_id, 0 FROM goals WHERE id = $1 \
     UNION ALL SELECT g.id, g.parent_id, a.depth + 1 FROM goals g JOIN above a ON g.id = a.parent_id WHERE a.depth < $2) \
     SELECT id FROM above WHERE depth > 0";

impl Store {
    /// Goals the reader may see, by period start, scope and metric.
    pub async fn goals_visible(
        &self,
        visibility: &Visibility,
        filter: &GoalFilter,
        offset: i64,
        limit: i64,
    ) -> StoreResult<Vec<Goal>> {
        let (with, clause, key) = visibility_clause(visibility);
        let (from, to) = filter.overlapping.unzip();
        // Every filter is a bound parameter; the text only chooses the visibility form.
        let sql = format!(
            "{with}SELECT {GOAL_COLUMNS} FROM goals g WHERE {clause} \
             AND ($2 = '' OR g.period = $2) AND ($3 = '' OR g.metric = $3) AND ($4 = '' OR g.scope = $4) \
             AND (CAST($5 AS BIGINT) = 0 OR g.parent_id = $5) \
             AND ($6 = 0 OR (g.period_start < $7 AND g.period_end > $8)) \
             ORDER BY g.period_start, g.period_end DESC, g.org_unit_id IS NULL, g.id LIMIT $9 OFFSET $10"
        );
        let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
        let rows: Vec<GoalRow> = on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(key)
                .bind(filter.period.map_or_else(String::new, |p| p.to_string()))
                .bind(filter.metric.as_ref().map_or("", MetricKey::key))
                .bind(filter.scope.as_ref().map_or(String::new(), Scope::key))
                .bind(filter.parent.map_or(0, GoalId::raw))
                .bind(i32::from(filter.overlapping.is_some()))
                .bind(to.unwrap_or(epoch))
                .bind(from.unwrap_or(epoch))
                .bind(limit)
                .bind(offset)
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(goal_from_row).collect()
    }

    /// One goal, if the reader may see it; `NotFound` otherwise, exactly as
    /// for a goal that does not exist.
    pub async fn goal_visible(&self, visibility: &Visibility, id: GoalId) -> StoreResult<Goal> {
        let (with, clause, key) = visibility_clause(visibility);
        let sql = format!("{with}SELECT {GOAL_COLUMNS} FROM goals g WHERE {clause} AND g.id = $2");
        let row: Option<GoalRow> = on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(key).bind(id.raw()).fetch_optional(pool).await?
        });
        row.map(goal_from_row)
            .transpose()?
            .ok_or_else(|| StoreError::NotFound {
                entity: "goal",
                id: id.to_string(),
            })
    }

    /// A goal regardless of visibility (for the rules that check it).
    pub async fn goal(&self, id: GoalId) -> StoreResult<Goal> {
        self.goal_visible(&Visibility::Everything, id).await
    }

    /// The goal for a metric, scope and period, if one exists.
    pub async fn goal_for(
        &self,
        metric: &MetricKey,
        scope: &Scope,
        period: &PeriodKey,
    ) -> StoreResult<Option<Goal>> {
        let sql = format!(
            "SELECT {GOAL_COLUMNS} FROM goals g WHERE g.metric = $1 AND g.scope = $2 AND g.period = $3"
        );
        let row: Option<GoalRow> = on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(metric.key()).bind(scope.key()).bind(period.to_string()).fetch_optional(pool).await?
        });
        row.map(goal_from_row).transpose()
    }

    /// The goals with these IDs, read in a few statements whatever their
    /// number (a revision may carry down to thousands of parts).
    async fn goals_by_id(
        &self,
        ids: &[GoalId],
    ) -> StoreResult<std::collections::HashMap<GoalId, Goal>> {
        let mut out = std::collections::HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            // Only numbered placeholders are spliced in; the IDs are bound.
            let sql = format!(
                "SELECT {GOAL_COLUMNS} FROM goals g WHERE g.id IN ({})",
                marks.join(", ")
            );
            let rows: Vec<GoalRow> = on_pool!(self, pool => {
                let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql));
                for id in chunk {
                    query = query.bind(id.raw());
                }
                query.fetch_all(pool).await?
            });
            for row in rows {
                let goal = goal_from_row(row)?;
                out.insert(goal.id, goal);
            }
        }
        Ok(out)
    }

    /// Every goal below `id` (children, their children, …), parents first,
    /// at most [`MAX_GOAL_DEPTH`] levels down (a bound even if the data
    /// held a cycle).
    pub async fn goal_descendants(&self, id: GoalId) -> StoreResult<Vec<Goal>> {
        let sql = format!(
            "WITH RECURSIVE below(id, depth) AS (SELECT id, 1 FROM goals WHERE parent_id = $1 \
             UNION ALL SELECT c.id, b.depth + 1 FROM goals c JOIN below b ON c.parent_id = b.id WHERE b.depth < $2) \
             SELECT {GOAL_COLUMNS} FROM goals g JOIN (SELECT id, MIN(depth) AS depth FROM below GROUP BY id) b ON b.id = g.id ORDER BY b.depth, g.id"
        );
        let rows: Vec<GoalRow> = on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id.raw()).bind(MAX_GOAL_DEPTH).fetch_all(pool).await?
        });
        rows.into_iter().map(goal_from_row).collect()
    }

    /// Applies one goal operation in a transaction, auditing every goal it
    /// creates or changes; returns the IDs of the goals created, in order.
    pub async fn apply_goal_changes(
        &self,
        actor: &Actor,
        changes: &GoalChanges,
    ) -> StoreResult<Vec<GoalId>> {
        let ids: Vec<GoalId> = changes.revise.iter().map(|r| r.goal).collect();
        let mut known = self.goals_by_id(&ids).await?;
        let mut befores = Vec::with_capacity(ids.len());
        for id in &ids {
            befores.push(known.get(id).cloned().ok_or_else(|| StoreError::NotFound {
                entity: "goal",
                id: id.to_string(),
            })?);
        }
        let adopt_ids: Vec<GoalId> = changes.adopt.iter().map(|(g, _)| *g).collect();
        known = self.goals_by_id(&adopt_ids).await?;
        let mut adopted = Vec::with_capacity(adopt_ids.len());
        for id in &adopt_ids {
            adopted.push(known.remove(id).ok_or_else(|| StoreError::NotFound {
                entity: "goal",
                id: id.to_string(),
            })?);
        }
        let split_before = match &changes.split {
            Some((goal, _)) => Some(self.goal(*goal).await?),
            None => None,
        };
        let now = Utc::now();
        let mut created = Vec::new();
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            for g in &changes.create {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO goals (parent_id, name, metric, scope, org_unit_id, user_id, period, period_start, period_end, target_units, target_scale, currency, direction, created_by, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id",
                )
                .bind(g.parent.map(GoalId::raw))
                .bind(g.name.trim())
                .bind(g.metric.key())
                .bind(g.scope.key())
                .bind(g.unit.map(OrgUnitId::raw))
                .bind(g.user.map(UserId::raw))
                .bind(g.period.to_string())
                .bind(g.start)
                .bind(g.end)
                .bind(g.target_units)
                .bind(i32::try_from(g.scale).unwrap_or(i32::MAX))
                .bind(g.currency.map_or("", |c| c.code()))
                .bind(g.direction.key())
                .bind(actor.label.as_str())
                .bind(now)
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| duplicate_goal(e, g))?;
                audit!(tx, actor, AuditAction::Create, "goal", id.to_string(), None::<serde_json::Value>, Some(g.audit_json()));
                created.push(GoalId::from_raw(id));
            }
            for (goal, parent) in &changes.adopt {
                // A goal may not become a part of itself or of its own parts.
                let above: Vec<i64> = sqlx::query_scalar(GOAL_ANCESTORS).bind(parent.raw()).bind(MAX_GOAL_DEPTH).fetch_all(&mut *tx).await?;
                if parent == goal || above.contains(&goal.raw()) {
                    return Err(StoreError::Invalid(format!(
                        "goal {goal} cannot become a part of goal {parent}: goal {parent} is already a part of goal {goal}"
                    )));
                }
                if above.len() >= usize::try_from(MAX_GOAL_DEPTH).unwrap_or(usize::MAX) {
                    return Err(StoreError::Invalid(format!(
                        "goal {parent} is {MAX_GOAL_DEPTH} levels deep: goals nest at most that deep"
                    )));
                }
                sqlx::query("UPDATE goals SET parent_id = $1 WHERE id = $2").bind(parent.raw()).bind(goal.raw()).execute(&mut *tx).await?;
            }
            for before in &adopted {
                let parent = changes.adopt.iter().find(|(g, _)| *g == before.id).map(|(_, p)| *p);
                let after = Goal { parent, ..before.clone() };
                audit!(tx, actor, AuditAction::Update, "goal", before.id.to_string(), Some(before.audit_json()), Some(after.audit_json()));
            }
            for (r, before) in changes.revise.iter().zip(&befores) {
                if r.reason.trim().is_empty() {
                    return Err(StoreError::Invalid(format!("goal {}: a revision needs a reason", r.goal)));
                }
                if r.new_units == before.target_units {
                    continue;
                }
                sqlx::query("UPDATE goals SET target_units = $1 WHERE id = $2").bind(r.new_units).bind(r.goal.raw()).execute(&mut *tx).await?;
                sqlx::query("INSERT INTO goal_revisions (goal_id, at, actor_id, actor, old_units, new_units, reason) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                    .bind(r.goal.raw())
                    .bind(now)
                    .bind(actor.user.map(UserId::raw))
                    .bind(actor.label.as_str())
                    .bind(before.target_units)
                    .bind(r.new_units)
                    .bind(r.reason.trim())
                    .execute(&mut *tx)
                    .await?;
                let after = Goal { target_units: r.new_units, ..before.clone() };
                let mut after_json = after.audit_json();
                after_json["reason"] = serde_json::Value::String(r.reason.trim().to_owned());
                audit!(tx, actor, AuditAction::Update, "goal", r.goal.to_string(), Some(before.audit_json()), Some(after_json));
            }
            if let (Some((goal, how)), Some(before)) = (&changes.split, &split_before)
                && *how != before.split
            {
                sqlx::query("UPDATE goals SET split = $1 WHERE id = $2").bind(how).bind(goal.raw()).execute(&mut *tx).await?;
                let after = Goal { split: how.clone(), ..before.clone() };
                audit!(tx, actor, AuditAction::Update, "goal", goal.to_string(), Some(before.audit_json()), Some(after.audit_json()));
            }
            tx.commit().await?;
        });
        Ok(created)
    }

    /// Deletes a goal and everything below it, auditing each one.
    pub async fn delete_goal_audited(&self, actor: &Actor, id: GoalId) -> StoreResult<usize> {
        let goal = self.goal(id).await?;
        let mut gone = self.goal_descendants(id).await?;
        gone.insert(0, goal);
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            for g in gone.iter().rev() {
                audit!(tx, actor, AuditAction::Delete, "goal", g.id.to_string(), Some(g.audit_json()), None::<serde_json::Value>);
            }
            sqlx::query("DELETE FROM goals WHERE id = $1").bind(id.raw()).execute(&mut *tx).await?;
            tx.commit().await?;
        });
        Ok(gone.len())
    }

    /// Every kept revision of a goal's target, oldest first.
    pub async fn goal_revisions(&self, id: GoalId) -> StoreResult<Vec<GoalRevision>> {
        let scale = self.goal(id).await?.scale;
        let rows: Vec<(DateTime<Utc>, String, i64, i64, String)> = on_pool!(self, pool => {
            sqlx::query_as("SELECT at, actor, old_units, new_units, reason FROM goal_revisions WHERE goal_id = $1 ORDER BY id")
                .bind(id.raw())
                .fetch_all(pool)
                .await?
        });
        Ok(rows
            .into_iter()
            .map(|(at, actor, old, new, reason)| GoalRevision {
                at,
                actor,
                old_target: target_value(old, scale),
                new_target: target_value(new, scale),
                reason,
            })
            .collect())
    }

    /// Adds a check-in to a goal.
    pub async fn add_goal_checkin(
        &self,
        actor: &Actor,
        id: GoalId,
        confidence: u8,
        comment: &str,
    ) -> StoreResult<()> {
        if confidence > 100 {
            return Err(StoreError::Invalid(format!(
                "confidence: {confidence} is not between 0 and 100"
            )));
        }
        on_pool!(self, pool => {
            sqlx::query("INSERT INTO goal_checkins (goal_id, at, user_id, author, confidence, comment) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(id.raw())
                .bind(Utc::now())
                .bind(actor.user.map(UserId::raw))
                .bind(actor.label.as_str())
                .bind(i32::from(confidence))
                .bind(comment.trim())
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// A goal's check-ins, newest first.
    pub async fn goal_checkins(&self, id: GoalId) -> StoreResult<Vec<GoalCheckin>> {
        let rows: Vec<(DateTime<Utc>, String, i32, String)> = on_pool!(self, pool => {
            sqlx::query_as("SELECT at, author, confidence, comment FROM goal_checkins WHERE goal_id = $1 ORDER BY id DESC")
                .bind(id.raw())
                .fetch_all(pool)
                .await?
        });
        Ok(rows
            .into_iter()
            .map(|(at, author, confidence, comment)| GoalCheckin {
                at,
                author,
                confidence: u8::try_from(confidence).unwrap_or(0),
                comment,
            })
            .collect())
    }
}

/// A second goal for the same metric, scope and period is a conflict that
/// names them.
fn duplicate_goal(err: sqlx::Error, goal: &NewGoal) -> StoreError {
    if let sqlx::Error::Database(db) = &err
        && db.is_unique_violation()
    {
        return StoreError::Conflict(format!(
            "there is already a {} goal for {} in {}",
            goal.metric,
            goal.scope.key(),
            goal.period
        ));
    }
    err.into()
}
