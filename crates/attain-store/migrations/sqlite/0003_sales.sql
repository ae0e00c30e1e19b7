-- Sales data: the CRM core. Money is INTEGER minor units next to a currency
-- code; dates are TEXT 'YYYY-MM-DD'; instants TEXT RFC 3339 UTC; exact
-- decimals (FX rates) TEXT. Every imported entity has a unique external_id.

ALTER TABLE org_settings ADD COLUMN revenue_basis TEXT NOT NULL DEFAULT 'orders' CHECK (revenue_basis IN ('orders', 'bookings', 'cash'));
ALTER TABLE org_settings ADD COLUMN inactivity_days INTEGER NOT NULL DEFAULT 365 CHECK (inactivity_days > 0);

CREATE TABLE channels (
    key  TEXT PRIMARY KEY CHECK (length(key) > 0),
    name TEXT NOT NULL
);

CREATE TABLE territories (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    parent_id   INTEGER REFERENCES territories (id),
    external_id TEXT UNIQUE
);

CREATE TABLE products (
    id               INTEGER PRIMARY KEY,
    sku              TEXT    NOT NULL UNIQUE,
    name             TEXT    NOT NULL,
    category         TEXT    NOT NULL,
    currency         TEXT    NOT NULL CHECK (length(currency) = 3),
    list_price_minor INTEGER NOT NULL CHECK (list_price_minor >= 0),
    unit_cost_minor  INTEGER NOT NULL CHECK (unit_cost_minor >= 0),
    active           INTEGER NOT NULL DEFAULT 1,
    external_id      TEXT UNIQUE
);

CREATE TABLE customers (
    id             INTEGER PRIMARY KEY,
    name           TEXT    NOT NULL,
    industry       TEXT,
    region         TEXT,
    size           TEXT    CHECK (size IN ('small', 'medium', 'large', 'enterprise')),
    segment        TEXT,
    source_channel TEXT    REFERENCES channels (key),
    owner_id       INTEGER REFERENCES users (id),
    territory_id   INTEGER REFERENCES territories (id),
    status         TEXT    NOT NULL DEFAULT 'prospect' CHECK (status IN ('prospect', 'active', 'inactive', 'churned')),
    in_pool        INTEGER NOT NULL DEFAULT 0,
    created_on     TEXT    NOT NULL,
    external_id    TEXT UNIQUE
);
CREATE INDEX customers_owner ON customers (owner_id);
CREATE INDEX customers_name ON customers (name);

CREATE TABLE contacts (
    id          INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    name        TEXT    NOT NULL,
    title       TEXT,
    email       TEXT,
    phone       TEXT,
    owner_id    INTEGER REFERENCES users (id),
    external_id TEXT UNIQUE
);
CREATE INDEX contacts_customer ON contacts (customer_id);

CREATE TABLE competitors (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL UNIQUE,
    website        TEXT,
    price_position TEXT CHECK (price_position IN ('lower', 'similar', 'higher')),
    strengths      TEXT,
    weaknesses     TEXT,
    external_id    TEXT UNIQUE
);

CREATE TABLE deals (
    id                INTEGER PRIMARY KEY,
    name              TEXT    NOT NULL,
    customer_id       INTEGER NOT NULL REFERENCES customers (id),
    owner_id          INTEGER NOT NULL REFERENCES users (id),
    currency          TEXT    NOT NULL CHECK (length(currency) = 3),
    amount_minor      INTEGER NOT NULL CHECK (amount_minor >= 0),
    stage             TEXT    NOT NULL,
    probability       INTEGER NOT NULL CHECK (probability BETWEEN 0 AND 100),
    forecast_category TEXT    NOT NULL CHECK (forecast_category IN ('commit', 'best_case', 'pipeline', 'omitted', 'closed')),
    status            TEXT    NOT NULL CHECK (status IN ('open', 'won', 'lost')),
    created_on        TEXT    NOT NULL,
    expected_close_on TEXT    NOT NULL,
    closed_on         TEXT,
    lost_reason       TEXT,
    source_channel    TEXT    REFERENCES channels (key),
    external_id       TEXT UNIQUE,
    CHECK ((status = 'open') = (closed_on IS NULL))
);
CREATE INDEX deals_owner ON deals (owner_id);
CREATE INDEX deals_customer ON deals (customer_id);
CREATE INDEX deals_closed ON deals (status, closed_on);
CREATE INDEX deals_expected ON deals (status, expected_close_on);

CREATE TABLE deal_stage_history (
    id         INTEGER PRIMARY KEY,
    deal_id    INTEGER NOT NULL REFERENCES deals (id) ON DELETE CASCADE,
    stage      TEXT    NOT NULL,
    entered_on TEXT    NOT NULL
);
CREATE INDEX deal_stage_history_deal ON deal_stage_history (deal_id, entered_on);

CREATE TABLE deal_competitors (
    deal_id       INTEGER NOT NULL REFERENCES deals (id) ON DELETE CASCADE,
    competitor_id INTEGER NOT NULL REFERENCES competitors (id),
    PRIMARY KEY (deal_id, competitor_id)
);

CREATE TABLE orders (
    id          INTEGER PRIMARY KEY,
    number      TEXT    NOT NULL UNIQUE,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    owner_id    INTEGER NOT NULL REFERENCES users (id),
    deal_id     INTEGER REFERENCES deals (id),
    order_date  TEXT    NOT NULL,
    currency    TEXT    NOT NULL CHECK (length(currency) = 3),
    total_minor INTEGER NOT NULL,
    status      TEXT    NOT NULL DEFAULT 'confirmed' CHECK (status IN ('confirmed', 'cancelled')),
    external_id TEXT UNIQUE
);
CREATE INDEX orders_owner_date ON orders (owner_id, order_date);
CREATE INDEX orders_customer_date ON orders (customer_id, order_date);
CREATE INDEX orders_date ON orders (order_date);

CREATE TABLE order_lines (
    id               INTEGER PRIMARY KEY,
    order_id         INTEGER NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    product_id       INTEGER NOT NULL REFERENCES products (id),
    quantity         INTEGER NOT NULL CHECK (quantity > 0),
    unit_price_minor INTEGER NOT NULL,
    amount_minor     INTEGER NOT NULL,
    cost_minor       INTEGER NOT NULL
);
CREATE INDEX order_lines_order ON order_lines (order_id);

CREATE TABLE payments (
    id          INTEGER PRIMARY KEY,
    order_id    INTEGER NOT NULL REFERENCES orders (id),
    received_on TEXT    NOT NULL,
    currency    TEXT    NOT NULL CHECK (length(currency) = 3),
    amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
    method      TEXT,
    external_id TEXT UNIQUE
);
CREATE INDEX payments_order ON payments (order_id);
CREATE INDEX payments_received ON payments (received_on);

CREATE TABLE refunds (
    id           INTEGER PRIMARY KEY,
    order_id     INTEGER NOT NULL REFERENCES orders (id),
    refunded_on  TEXT    NOT NULL,
    currency     TEXT    NOT NULL CHECK (length(currency) = 3),
    amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
    reason       TEXT,
    external_id  TEXT UNIQUE
);
CREATE INDEX refunds_order ON refunds (order_id);

CREATE TABLE spend (
    id           INTEGER PRIMARY KEY,
    channel      TEXT    NOT NULL REFERENCES channels (key),
    kind         TEXT    NOT NULL CHECK (kind IN ('marketing', 'sales')),
    spent_on     TEXT    NOT NULL,
    currency     TEXT    NOT NULL CHECK (length(currency) = 3),
    amount_minor INTEGER NOT NULL CHECK (amount_minor >= 0),
    org_unit_id  INTEGER REFERENCES org_units (id),
    description  TEXT,
    external_id  TEXT UNIQUE
);
CREATE INDEX spend_date ON spend (spent_on);

CREATE TABLE activities (
    id          INTEGER PRIMARY KEY,
    kind        TEXT    NOT NULL CHECK (kind IN ('call', 'visit', 'meeting', 'email')),
    owner_id    INTEGER NOT NULL REFERENCES users (id),
    customer_id INTEGER REFERENCES customers (id),
    deal_id     INTEGER REFERENCES deals (id),
    occurred_on TEXT    NOT NULL,
    subject     TEXT,
    external_id TEXT UNIQUE
);
CREATE INDEX activities_owner_date ON activities (owner_id, occurred_on);

CREATE TABLE tickets (
    id                INTEGER PRIMARY KEY,
    customer_id       INTEGER NOT NULL REFERENCES customers (id),
    opened_at         TEXT    NOT NULL,
    first_response_at TEXT,
    resolved_at       TEXT,
    priority          TEXT    NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    category          TEXT,
    subject           TEXT,
    external_id       TEXT UNIQUE
);
CREATE INDEX tickets_customer ON tickets (customer_id);
CREATE INDEX tickets_opened ON tickets (opened_at);

CREATE TABLE survey_responses (
    id           INTEGER PRIMARY KEY,
    customer_id  INTEGER NOT NULL REFERENCES customers (id),
    kind         TEXT    NOT NULL CHECK (kind IN ('csat', 'nps')),
    score        INTEGER NOT NULL,
    responded_on TEXT    NOT NULL,
    comment      TEXT,
    external_id  TEXT UNIQUE,
    CHECK ((kind = 'csat' AND score BETWEEN 1 AND 5) OR (kind = 'nps' AND score BETWEEN 0 AND 10))
);
CREATE INDEX survey_responses_date ON survey_responses (responded_on);

CREATE TABLE courses (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('skill', 'product')),
    external_id TEXT UNIQUE
);

CREATE TABLE enrolments (
    id           INTEGER PRIMARY KEY,
    course_id    INTEGER NOT NULL REFERENCES courses (id),
    user_id      INTEGER NOT NULL REFERENCES users (id),
    assigned_on  TEXT    NOT NULL,
    due_on       TEXT    NOT NULL,
    completed_on TEXT,
    score        INTEGER CHECK (score BETWEEN 0 AND 100),
    external_id  TEXT UNIQUE
);
CREATE INDEX enrolments_user ON enrolments (user_id);

CREATE TABLE market_sizes (
    id           INTEGER PRIMARY KEY,
    segment      TEXT    NOT NULL,
    region       TEXT    NOT NULL,
    period       TEXT    NOT NULL,
    currency     TEXT    NOT NULL CHECK (length(currency) = 3),
    amount_minor INTEGER NOT NULL CHECK (amount_minor >= 0),
    UNIQUE (segment, region, period)
);

CREATE TABLE exchange_rates (
    currency     TEXT NOT NULL CHECK (length(currency) = 3),
    month        TEXT NOT NULL CHECK (length(month) = 7),
    rate_to_base TEXT NOT NULL,
    PRIMARY KEY (currency, month)
);
