-- +goose Up
-- inbox is each user's in-app notifications, written by notify.Publish in
-- the same transaction as the change they report. case_id carries no
-- foreign key: cases are created by a later migration and an inbox item
-- may outlive the case it names. read_at is NULL until the user reads it.
CREATE TABLE inbox (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    case_id    INTEGER,
    kind       TEXT NOT NULL CHECK (kind <> ''),
    title_zh   TEXT NOT NULL,
    title_en   TEXT NOT NULL,
    body       TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    read_at    TIMESTAMP
);
-- A user's newest items first, and the unread badge, are the two queries.
CREATE INDEX inbox_user ON inbox (user_id, id);
CREATE INDEX inbox_unread ON inbox (user_id, id) WHERE read_at IS NULL;

-- +goose Down
DROP TABLE inbox;
