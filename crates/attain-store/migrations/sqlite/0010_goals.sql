-- Goals: a metric + a scope + a period + a target + a direction, cascaded
-- down a tree (children of an additive goal add up exactly to it), with
-- every revision of a target kept (old, new, reason, who, when) and
-- check-ins (a comment and a confidence level).
CREATE TABLE goals (
    id            INTEGER PRIMARY KEY,
    parent_id     INTEGER REFERENCES goals (id) ON DELETE CASCADE,
    name          TEXT    NOT NULL DEFAULT '',
    metric        TEXT    NOT NULL CHECK (length(metric) > 0),
    -- The KPI scope key: company, unit:ID, rep:ID, segment:…, product:ID, …
    scope         TEXT    NOT NULL,
    -- The unit (company and unit scopes) or person (rep scope) it belongs
    -- to, which visibility follows; both NULL for customer and product scopes.
    org_unit_id   INTEGER REFERENCES org_units (id) ON DELETE RESTRICT,
    user_id       INTEGER REFERENCES users (id) ON DELETE RESTRICT,
    period        TEXT    NOT NULL,
    period_start  TEXT    NOT NULL,
    period_end    TEXT    NOT NULL,
    -- The target is target_units × 10^-target_scale: minor units of the
    -- base currency for money, whole items for counts.
    target_units  INTEGER NOT NULL CHECK (target_units >= 0),
    target_scale  INTEGER NOT NULL CHECK (target_scale BETWEEN 0 AND 4),
    currency      TEXT    NOT NULL DEFAULT '',
    direction     TEXT    NOT NULL CHECK (direction IN ('at_least', 'at_most')),
    -- How its children were split, e.g. "history:FY2025" ('' without children).
    split         TEXT    NOT NULL DEFAULT '',
    created_by    TEXT    NOT NULL,
    created_at    TEXT    NOT NULL,
    UNIQUE (metric, scope, period)
);
CREATE INDEX goals_parent ON goals (parent_id);
CREATE INDEX goals_period ON goals (period_start);
CREATE INDEX goals_unit ON goals (org_unit_id);
CREATE INDEX goals_user ON goals (user_id);

CREATE TABLE goal_revisions (
    id          INTEGER PRIMARY KEY,
    goal_id     INTEGER NOT NULL REFERENCES goals (id) ON DELETE CASCADE,
    at          TEXT    NOT NULL,
    actor_id    INTEGER REFERENCES users (id),
    actor       TEXT    NOT NULL,
    old_units   INTEGER NOT NULL,
    new_units   INTEGER NOT NULL,
    reason      TEXT    NOT NULL CHECK (length(trim(reason)) > 0)
);
CREATE INDEX goal_revisions_goal ON goal_revisions (goal_id);

CREATE TABLE goal_checkins (
    id          INTEGER PRIMARY KEY,
    goal_id     INTEGER NOT NULL REFERENCES goals (id) ON DELETE CASCADE,
    at          TEXT    NOT NULL,
    user_id     INTEGER REFERENCES users (id),
    author      TEXT    NOT NULL,
    confidence  INTEGER NOT NULL CHECK (confidence BETWEEN 0 AND 100),
    comment     TEXT    NOT NULL
);
CREATE INDEX goal_checkins_goal ON goal_checkins (goal_id);
