-- Files uploaded in the web UI, kept between the dry run and the confirmed
-- import (any instance may serve the confirmation), then deleted.
CREATE TABLE import_uploads (
    id                    INTEGER PRIMARY KEY,
    user_id               INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at            TEXT    NOT NULL,
    file_name             TEXT    NOT NULL,
    entity                TEXT    NOT NULL,
    preset                TEXT    NOT NULL,
    create_missing_owners INTEGER NOT NULL DEFAULT 0,
    columns_json          TEXT    NOT NULL DEFAULT '{}',
    bytes                 BLOB    NOT NULL
);
CREATE INDEX import_uploads_user ON import_uploads (user_id);
