-- Commission plans, who is on which plan when, payout runs and the
-- statement of each person in a run with its full calculation.
CREATE TABLE comp_plans (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL UNIQUE CHECK (length(trim(name)) > 0),
    -- The metric credited to the person (revenue, bookings, payments).
    metric        TEXT    NOT NULL,
    -- [{"from": "0.5", "rate": "0.05"}, …] as exact decimal strings.
    tiers_json    TEXT    NOT NULL,
    threshold     TEXT,
    cap_minor     INTEGER CHECK (cap_minor >= 0),
    currency      TEXT    NOT NULL,
    created_at    TEXT    NOT NULL
);

CREATE TABLE plan_assignments (
    id            INTEGER PRIMARY KEY,
    plan_id       INTEGER NOT NULL REFERENCES comp_plans (id) ON DELETE RESTRICT,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    valid_from    TEXT    NOT NULL,
    -- Last day on the plan; NULL while it lasts.
    valid_to      TEXT,
    CHECK (valid_to IS NULL OR valid_to >= valid_from)
);
CREATE INDEX plan_assignments_user ON plan_assignments (user_id);

CREATE TABLE payout_runs (
    id            INTEGER PRIMARY KEY,
    period        TEXT    NOT NULL,
    period_start  TEXT    NOT NULL,
    period_end    TEXT    NOT NULL,
    status        TEXT    NOT NULL CHECK (status IN ('draft', 'approved', 'locked')),
    created_by    TEXT    NOT NULL,
    created_at    TEXT    NOT NULL,
    approved_by   TEXT,
    approved_at   TEXT,
    locked_by     TEXT,
    locked_at     TEXT
);
CREATE INDEX payout_runs_period ON payout_runs (period_start);

CREATE TABLE statements (
    id               INTEGER PRIMARY KEY,
    run_id           INTEGER NOT NULL REFERENCES payout_runs (id) ON DELETE CASCADE,
    user_id          INTEGER NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    plan_id          INTEGER NOT NULL REFERENCES comp_plans (id) ON DELETE RESTRICT,
    credited_minor   INTEGER NOT NULL,
    quota_minor      INTEGER,
    commission_minor INTEGER NOT NULL,
    currency         TEXT    NOT NULL,
    -- Every step of the calculation, for the statement page and disputes.
    trace_json       TEXT    NOT NULL,
    UNIQUE (run_id, user_id)
);
CREATE INDEX statements_user ON statements (user_id);
