-- +goose Up
-- case_events is the append-only history of every case: one row per
-- transition, hash-chained per case (hash = SHA-256 over prev_hash and a
-- canonical encoding of the row, see internal/cases/history.go). The
-- triggers refuse UPDATE and DELETE, so an edit needs a schema change, and
-- the chain shows any edit made that way. data is JSON text kept byte for
-- byte as hashed.
CREATE TABLE case_events (
    id            INTEGER PRIMARY KEY,
    case_id       INTEGER NOT NULL REFERENCES cases (id),
    seq           INTEGER NOT NULL CHECK (seq > 0),
    action        TEXT NOT NULL,
    actor_user_id INTEGER REFERENCES users (id),
    actor_name    TEXT NOT NULL,
    actor_role    TEXT NOT NULL,
    from_state    TEXT NOT NULL,
    to_state      TEXT NOT NULL,
    from_tier     TEXT NOT NULL,
    to_tier       TEXT NOT NULL,
    note          TEXT NOT NULL DEFAULT '',
    data          TEXT NOT NULL,
    attachments   TEXT NOT NULL DEFAULT '[]',
    at            TIMESTAMP NOT NULL,
    prev_hash     TEXT NOT NULL,
    hash          TEXT NOT NULL,
    UNIQUE (case_id, seq)
);
CREATE INDEX case_events_at ON case_events (at);
CREATE INDEX case_events_action ON case_events (action, at);

-- +goose StatementBegin
CREATE TRIGGER case_events_no_update BEFORE UPDATE ON case_events
BEGIN
    SELECT RAISE(ABORT, 'case_events is append-only');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER case_events_no_delete BEFORE DELETE ON case_events
BEGIN
    SELECT RAISE(ABORT, 'case_events is append-only');
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER case_events_no_delete;
DROP TRIGGER case_events_no_update;
DROP TABLE case_events;
