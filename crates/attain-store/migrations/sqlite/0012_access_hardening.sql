-- API tokens may expire; sign-in attempts are counted per login and address.
ALTER TABLE api_tokens ADD COLUMN expires_at TEXT;
CREATE INDEX login_failures_pair ON login_failures (login, address, at);
DROP INDEX login_failures_login;

-- Fixed plan rates: goals and pay convert a currency at one rate per fiscal
-- year, so attainment and commission do not move with exchange rates.
CREATE TABLE plan_rates (
    currency     TEXT    NOT NULL CHECK (length(currency) = 3),
    fiscal_year  INTEGER NOT NULL,
    rate_to_base TEXT    NOT NULL,
    PRIMARY KEY (currency, fiscal_year)
);
