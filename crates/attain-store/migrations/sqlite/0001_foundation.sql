-- Foundation: organisation settings, the org tree, users.
-- SQLite dialect. Dates and instants are TEXT (ISO 8601, UTC); money is
-- INTEGER minor units next to a currency code.

CREATE TABLE org_settings (
    id                 INTEGER PRIMARY KEY CHECK (id = 1),
    name               TEXT    NOT NULL,
    base_currency      TEXT    NOT NULL CHECK (length(base_currency) = 3),
    fiscal_first_month INTEGER NOT NULL CHECK (fiscal_first_month BETWEEN 1 AND 12),
    fiscal_year_label  TEXT    NOT NULL CHECK (fiscal_year_label IN ('end_year', 'start_year'))
);
INSERT INTO org_settings (id, name, base_currency, fiscal_first_month, fiscal_year_label)
VALUES (1, 'My company', 'CNY', 1, 'end_year');

CREATE TABLE org_units (
    id          INTEGER PRIMARY KEY,
    parent_id   INTEGER REFERENCES org_units (id) ON DELETE RESTRICT,
    name        TEXT    NOT NULL CHECK (length(trim(name)) > 0),
    kind        TEXT    NOT NULL CHECK (kind IN ('company', 'region', 'department', 'team')),
    external_id TEXT    UNIQUE,
    created_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX org_units_parent ON org_units (parent_id);
-- Exactly one company at the root.
CREATE UNIQUE INDEX org_units_single_root ON org_units ((parent_id IS NULL)) WHERE parent_id IS NULL;

CREATE TABLE users (
    id           INTEGER PRIMARY KEY,
    login        TEXT    NOT NULL UNIQUE,
    display_name TEXT    NOT NULL CHECK (length(trim(display_name)) > 0),
    email        TEXT,
    org_unit_id  INTEGER NOT NULL REFERENCES org_units (id) ON DELETE RESTRICT,
    role         TEXT    NOT NULL CHECK (role IN ('admin', 'sales_ops', 'manager', 'rep', 'viewer')),
    active       INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    external_id  TEXT    UNIQUE,
    created_at   TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX users_org_unit ON users (org_unit_id);
