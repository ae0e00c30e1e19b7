-- Rollups for scopes that are not people: every measure per customer and
-- month (segment, region, industry, channel, size and territory scopes join
-- the customer's current attributes at query time, so changing a customer's
-- segment needs no refresh), and order lines per owner, product and month.

CREATE TABLE kpi_customer_month (
    customer_id            INTEGER NOT NULL,
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
    PRIMARY KEY (customer_id, month, currency)
);
CREATE INDEX kpi_customer_month_month ON kpi_customer_month (month);

CREATE TABLE kpi_product_month (
    owner_id          INTEGER NOT NULL,
    product_id        INTEGER NOT NULL,
    month             TEXT NOT NULL,
    currency          TEXT NOT NULL,
    line_amount_minor INTEGER NOT NULL DEFAULT 0,
    line_cost_minor   INTEGER NOT NULL DEFAULT 0,
    quantity          INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (owner_id, product_id, month, currency)
);
CREATE INDEX kpi_product_month_product ON kpi_product_month (product_id, month);
