-- The monthly rollup summed per org unit the owners belong to (their
-- current unit): goal pages and breakdowns by team or region read a few
-- thousand rows instead of every rep's. Ancestors are folded at query time
-- from the org tree, so moving a unit needs no refresh; moving a person
-- refreshes his old and new unit.

CREATE TABLE kpi_unit_month (
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
    PRIMARY KEY (unit_id, month, currency)
);
CREATE INDEX kpi_unit_month_month ON kpi_unit_month (month);
