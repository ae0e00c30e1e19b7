-- What imports of real exports need to store everything they are given.
--
-- An order line may have no product: a file of order totals imports as
-- orders with one line each, which count for revenue and for no product.
-- SQLite cannot drop a NOT NULL, so the table is rebuilt (nothing refers
-- to order lines).
CREATE TABLE order_lines_rebuilt (
    id               INTEGER PRIMARY KEY,
    order_id         INTEGER NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    product_id       INTEGER REFERENCES products (id),
    quantity         INTEGER NOT NULL CHECK (quantity > 0),
    unit_price_minor INTEGER NOT NULL,
    amount_minor     INTEGER NOT NULL,
    cost_minor       INTEGER NOT NULL
);
INSERT INTO order_lines_rebuilt (id, order_id, product_id, quantity, unit_price_minor, amount_minor, cost_minor)
    SELECT id, order_id, product_id, quantity, unit_price_minor, amount_minor, cost_minor FROM order_lines;
DROP TABLE order_lines;
ALTER TABLE order_lines_rebuilt RENAME TO order_lines;
CREATE INDEX order_lines_order ON order_lines (order_id);

-- A contact may work for no customer (Salesforce's private contacts).
CREATE TABLE contacts_rebuilt (
    id          INTEGER PRIMARY KEY,
    customer_id INTEGER REFERENCES customers (id) ON DELETE CASCADE,
    name        TEXT    NOT NULL,
    title       TEXT,
    email       TEXT,
    phone       TEXT,
    owner_id    INTEGER REFERENCES users (id),
    external_id TEXT UNIQUE
);
INSERT INTO contacts_rebuilt (id, customer_id, name, title, email, phone, owner_id, external_id)
    SELECT id, customer_id, name, title, email, phone, owner_id, external_id FROM contacts;
DROP TABLE contacts;
ALTER TABLE contacts_rebuilt RENAME TO contacts;
CREATE INDEX contacts_customer ON contacts (customer_id);

-- A ticket (a Salesforce case) may name only a contact; its customer is
-- the contact's, if the contact has one.
CREATE TABLE tickets_rebuilt (
    id                INTEGER PRIMARY KEY,
    customer_id       INTEGER REFERENCES customers (id),
    contact_id        INTEGER REFERENCES contacts (id),
    opened_at         TEXT    NOT NULL,
    first_response_at TEXT,
    resolved_at       TEXT,
    priority          TEXT    NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    category          TEXT,
    subject           TEXT,
    external_id       TEXT UNIQUE
);
INSERT INTO tickets_rebuilt (id, customer_id, opened_at, first_response_at, resolved_at, priority, category, subject, external_id)
    SELECT id, customer_id, opened_at, first_response_at, resolved_at, priority, category, subject, external_id FROM tickets;
DROP TABLE tickets;
ALTER TABLE tickets_rebuilt RENAME TO tickets;
CREATE INDEX tickets_customer ON tickets (customer_id);
CREATE INDEX tickets_opened ON tickets (opened_at);

-- An activity relates to whatever its source names: a customer, a deal, a
-- contact, a lead (Attain keeps no leads: the lead's ID is kept) or
-- another record Attain does not keep (a case, a campaign), by its ID.
-- 'other' holds the CRMs' to-dos and types that are no call, visit,
-- meeting or e-mail; the activities KPI does not count them.
CREATE TABLE activities_rebuilt (
    id                  INTEGER PRIMARY KEY,
    kind                TEXT    NOT NULL CHECK (kind IN ('call', 'visit', 'meeting', 'email', 'other')),
    owner_id            INTEGER NOT NULL REFERENCES users (id),
    customer_id         INTEGER REFERENCES customers (id),
    deal_id             INTEGER REFERENCES deals (id),
    contact_id          INTEGER REFERENCES contacts (id),
    lead_external_id    TEXT,
    related_external_id TEXT,
    occurred_on         TEXT    NOT NULL,
    subject             TEXT,
    external_id         TEXT UNIQUE
);
INSERT INTO activities_rebuilt (id, kind, owner_id, customer_id, deal_id, occurred_on, subject, external_id)
    SELECT id, kind, owner_id, customer_id, deal_id, occurred_on, subject, external_id FROM activities;
DROP TABLE activities;
ALTER TABLE activities_rebuilt RENAME TO activities;
CREATE INDEX activities_owner_date ON activities (owner_id, occurred_on);
