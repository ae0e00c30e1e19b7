-- People as a company's HR file has them: who a person reports to, and
-- when he started and left. Someone who left is deactivated, never
-- deleted: his history and credit stay.
ALTER TABLE users ADD COLUMN manager_id INTEGER REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE users ADD COLUMN start_date TEXT;
ALTER TABLE users ADD COLUMN end_date TEXT;
