-- Rollups for scopes that are not people: every measure per customer and
-- month (segment, region, industry, channel, size and territory scopes join
-- the customer's current attributes at query time, so changing a customer's
-- segment needs no refresh), and order lines per owner, product and month.

CREATE TABLE kpi_customer_month (
    customer_id            BIGINT NOT NULL,
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
    PRIMARY KEY (customer_id, month, currency)
);
CREATE INDEX kpi_customer_month_month ON kpi_customer_month (month);

CREATE TABLE kpi_product_month (
    owner_id          BIGINT NOT NULL,
    product_id        BIGINT NOT NULL,
    month             TEXT NOT NULL,
    currency          TEXT NOT NULL,
    line_amount_minor BIGINT NOT NULL DEFAULT 0,
    line_cost_minor   BIGINT NOT NULL DEFAULT 0,
    quantity          BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (owner_id, product_id, month, currency)
);
CREATE INDEX kpi_product_month_product ON kpi_product_month (product_id, month);
