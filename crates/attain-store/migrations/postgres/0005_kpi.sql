-- KPI rollups: additive measures per owner and day (and per owner and
-- month, summed from the days), first orders of customers, and customers'
-- active spells for churn. Derived from the facts, maintained in the same
-- transaction as every write, rebuildable with `attain rollup rebuild`.
-- Money columns are minor units of the row's currency; count columns live
-- in the row whose currency is '' so that money rows can be converted per
-- currency and counts are never counted twice. Days are 'YYYY-MM-DD' and
-- months 'YYYY-MM' text on both backends.

CREATE TABLE kpi_owner_day (
    owner_id               BIGINT NOT NULL,
    day                    TEXT NOT NULL,
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
    PRIMARY KEY (owner_id, day, currency)
);
CREATE INDEX kpi_owner_day_day ON kpi_owner_day (day);

CREATE TABLE kpi_owner_month (
    owner_id               BIGINT NOT NULL,
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
    PRIMARY KEY (owner_id, month, currency)
);
CREATE INDEX kpi_owner_month_month ON kpi_owner_month (month);

-- The first confirmed order of every customer that has one: new customers.
CREATE TABLE customer_firsts (
    customer_id BIGINT PRIMARY KEY,
    owner_id    BIGINT,
    channel     TEXT,
    first_on    TEXT NOT NULL
);
CREATE INDEX customer_firsts_owner ON customer_firsts (owner_id, first_on);
CREATE INDEX customer_firsts_first ON customer_firsts (first_on);

-- Active spells: a customer is active from an order until the org's
-- inactivity window has passed without another order.
CREATE TABLE customer_spells (
    customer_id BIGINT NOT NULL,
    owner_id    BIGINT,
    start_on    TEXT NOT NULL,
    inactive_on TEXT NOT NULL,
    PRIMARY KEY (customer_id, start_on)
);
CREATE INDEX customer_spells_owner ON customer_spells (owner_id, inactive_on);
CREATE INDEX customer_spells_inactive ON customer_spells (inactive_on);
