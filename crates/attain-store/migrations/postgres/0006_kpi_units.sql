-- The monthly rollup summed per org unit the owners belong to (their
-- current unit): goal pages and breakdowns by team or region read a few
-- thousand rows instead of every rep's. Ancestors are folded at query time
-- from the org tree, so moving a unit needs no refresh; moving a person
-- refreshes his old and new unit.

CREATE TABLE kpi_unit_month (
    unit_id                BIGINT NOT NULL,
    month                  TEXT NOT NULL,
    currency               TEXT NOT NULL,
    order_amount_minor     BIGINT NOT NULL DEFAULT 0,
    refund_amount_minor    BIGINT NOT NULL DEFAULT 0,
    order_cost_minor       BIGINT NOT NULL DEFAULT 0,
    bookings_minor         BIGINT NOT NULL DEFAULT 0,
    pipeline_minor         BIGINT NOT NULL DEFAULT 0,
    payments_minor         BIGINT NOT NULL DEFAULT 0,
    orders                 BIGINT NOT NULL DEFAULT 0,
    deals_won              BIGINT NOT NULL DEFAULT 0,
    deals_lost             BIGINT NOT NULL DEFAULT 0,
    won_cycle_days         BIGINT NOT NULL DEFAULT 0,
    activities             BIGINT NOT NULL DEFAULT 0,
    tickets                BIGINT NOT NULL DEFAULT 0,
    responded_tickets      BIGINT NOT NULL DEFAULT 0,
    first_response_seconds BIGINT NOT NULL DEFAULT 0,
    resolved_tickets       BIGINT NOT NULL DEFAULT 0,
    resolution_seconds     BIGINT NOT NULL DEFAULT 0,
    csat_responses         BIGINT NOT NULL DEFAULT 0,
    csat_satisfied         BIGINT NOT NULL DEFAULT 0,
    nps_responses          BIGINT NOT NULL DEFAULT 0,
    nps_promoters          BIGINT NOT NULL DEFAULT 0,
    nps_detractors         BIGINT NOT NULL DEFAULT 0,
    enrolments_due         BIGINT NOT NULL DEFAULT 0,
    enrolments_completed   BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (unit_id, month, currency)
);
CREATE INDEX kpi_unit_month_month ON kpi_unit_month (month);
