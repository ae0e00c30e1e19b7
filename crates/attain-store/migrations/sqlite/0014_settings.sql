-- The settings an administrator sets when the company moves in, beyond
-- name, currency, fiscal year, revenue basis and churn window: the time
-- zone the organisation's "today" is read in ('server': the machine's),
-- the day weeks start on, and the language of people who chose none.
ALTER TABLE org_settings ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'server' CHECK (length(time_zone) BETWEEN 1 AND 64);
ALTER TABLE org_settings ADD COLUMN week_start TEXT NOT NULL DEFAULT 'monday' CHECK (week_start IN ('monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'));
ALTER TABLE org_settings ADD COLUMN default_language TEXT NOT NULL DEFAULT 'en' CHECK (default_language IN ('en', 'zh-CN'));
