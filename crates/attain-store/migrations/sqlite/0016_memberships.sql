-- A person's unit has dates. Each membership holds from `valid_from`
-- (NULL: since always) until the day before `valid_to` (NULL: still
-- today), and a person's memberships cover all of time without a gap, so
-- whichever way a transaction is credited it is counted for exactly one
-- unit. The first one is what the person's unit was when history began.
CREATE TABLE unit_memberships (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    org_unit_id INTEGER NOT NULL REFERENCES org_units (id),
    valid_from  TEXT,
    valid_to    TEXT,
    CHECK (valid_from IS NULL OR valid_to IS NULL OR valid_from < valid_to)
);
CREATE INDEX unit_memberships_user ON unit_memberships (user_id, valid_from);
CREATE INDEX unit_memberships_unit ON unit_memberships (org_unit_id);
-- One open membership per person: two would count his sales twice.
CREATE UNIQUE INDEX unit_memberships_open ON unit_memberships (user_id) WHERE valid_to IS NULL;
INSERT INTO unit_memberships (user_id, org_unit_id) SELECT id, org_unit_id FROM users;
-- Whoever adds a person, his first membership holds for all time until he moves.
CREATE TRIGGER users_first_membership AFTER INSERT ON users
BEGIN
    INSERT INTO unit_memberships (user_id, org_unit_id) VALUES (NEW.id, NEW.org_unit_id);
END;

-- Whether KPIs by unit credit a transaction to the unit its owner is in
-- today ('current') or to the one he was in on its date ('transaction_date').
ALTER TABLE org_settings ADD COLUMN unit_credit TEXT NOT NULL DEFAULT 'current' CHECK (unit_credit IN ('current', 'transaction_date'));

-- The owners' months per unit they are credited to: one row per owner,
-- unit and month (two units in the month someone moved, when credit
-- follows the transaction's date). Unit scopes read their whole months
-- here; the unit rollup sums it.
CREATE TABLE kpi_member_month (
    owner_id               INTEGER NOT NULL,
    unit_id                INTEGER NOT NULL,
    month                  TEXT NOT NULL,
    currency               TEXT NOT NULL,
    order_amount_minor     INTEGER NOT NULL DEFAULT 0,
    refund_amount_minor    INTEGER NOT NULL DEFAULT 0,
    order_cost_minor       INTEGER NOT NULL DEFAULT 0,
    bookings_minor         INTEGER NOT NULL DEFAULT 0,
    pipeline_minor         INTEGER NOT NULL DEFAULT 0,
    payments_minor         INTEGER NOT NULL DEFAULT 0,
    orders                 INTEGER NOT NULL DEFAULT 0,
    deals_won              INTEGER NOT NULL DEFAULT 0,
    deals_lost             INTEGER NOT NULL DEFAULT 0,
    won_cycle_days         INTEGER NOT NULL DEFAULT 0,
    activities             INTEGER NOT NULL DEFAULT 0,
    tickets                INTEGER NOT NULL DEFAULT 0,
    responded_tickets      INTEGER NOT NULL DEFAULT 0,
    first_response_seconds INTEGER NOT NULL DEFAULT 0,
    resolved_tickets       INTEGER NOT NULL DEFAULT 0,
    resolution_seconds     INTEGER NOT NULL DEFAULT 0,
    csat_responses         INTEGER NOT NULL DEFAULT 0,
    csat_satisfied         INTEGER NOT NULL DEFAULT 0,
    nps_responses          INTEGER NOT NULL DEFAULT 0,
    nps_promoters          INTEGER NOT NULL DEFAULT 0,
    nps_detractors         INTEGER NOT NULL DEFAULT 0,
    enrolments_due         INTEGER NOT NULL DEFAULT 0,
    enrolments_completed   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (owner_id, unit_id, month, currency)
);
CREATE INDEX kpi_member_month_unit ON kpi_member_month (unit_id, month);
INSERT INTO kpi_member_month (owner_id, unit_id, month, currency, order_amount_minor, refund_amount_minor, order_cost_minor, bookings_minor, pipeline_minor, payments_minor, orders, deals_won, deals_lost, won_cycle_days, activities, tickets, responded_tickets, first_response_seconds, resolved_tickets, resolution_seconds, csat_responses, csat_satisfied, nps_responses, nps_promoters, nps_detractors, enrolments_due, enrolments_completed)
    SELECT t.owner_id, u.org_unit_id, t.month, t.currency, t.order_amount_minor, t.refund_amount_minor, t.order_cost_minor, t.bookings_minor, t.pipeline_minor, t.payments_minor, t.orders, t.deals_won, t.deals_lost, t.won_cycle_days, t.activities, t.tickets, t.responded_tickets, t.first_response_seconds, t.resolved_tickets, t.resolution_seconds, t.csat_responses, t.csat_satisfied, t.nps_responses, t.nps_promoters, t.nps_detractors, t.enrolments_due, t.enrolments_completed
    FROM kpi_owner_month t JOIN users u ON u.id = t.owner_id;

-- Product months carry the unit they are credited to as well.
CREATE TABLE kpi_product_month_new (
    owner_id          INTEGER NOT NULL,
    unit_id           INTEGER NOT NULL,
    product_id        INTEGER NOT NULL,
    month             TEXT NOT NULL,
    currency          TEXT NOT NULL,
    line_amount_minor INTEGER NOT NULL DEFAULT 0,
    line_cost_minor   INTEGER NOT NULL DEFAULT 0,
    quantity          INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (owner_id, unit_id, product_id, month, currency)
);
INSERT INTO kpi_product_month_new (owner_id, unit_id, product_id, month, currency, line_amount_minor, line_cost_minor, quantity)
    SELECT p.owner_id, u.org_unit_id, p.product_id, p.month, p.currency, p.line_amount_minor, p.line_cost_minor, p.quantity
    FROM kpi_product_month p JOIN users u ON u.id = p.owner_id;
DROP TABLE kpi_product_month;
ALTER TABLE kpi_product_month_new RENAME TO kpi_product_month;
CREATE INDEX kpi_product_month_product ON kpi_product_month (product_id, month);
CREATE INDEX kpi_product_month_unit ON kpi_product_month (unit_id, month);
