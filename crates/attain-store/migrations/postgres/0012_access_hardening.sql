-- API tokens may expire; sign-in attempts are counted per login and address.
ALTER TABLE api_tokens ADD COLUMN expires_at TIMESTAMPTZ;
CREATE INDEX login_failures_pair ON login_failures (login, address, at);
DROP INDEX login_failures_login;
