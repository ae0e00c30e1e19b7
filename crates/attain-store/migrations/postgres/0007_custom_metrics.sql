-- Custom metrics: formulas over the catalogue's metrics and base measures,
-- defined by sales ops and usable wherever a built-in metric is.
CREATE TABLE custom_metrics (
    key        TEXT PRIMARY KEY CHECK (length(key) > 0),
    name_en    TEXT NOT NULL,
    name_zh    TEXT NOT NULL,
    formula    TEXT NOT NULL,
    unit       TEXT NOT NULL CHECK (unit IN ('money', 'count', 'percent', 'ratio', 'days', 'hours', 'score')),
    updated_at TIMESTAMPTZ NOT NULL
);
