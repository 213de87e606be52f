-- +goose Up
-- open311_requests are what an Open311 POST carried beside the case it
-- created (the case itself lives in cases, channel 'api'): the key (the
-- client) and jurisdiction it came through, the client's idempotency token,
-- the address text and media URL it gave, the reporter's e-mail (encrypted
-- with people.Keyring, column name "open311_email"), device and account ids,
-- the service attributes as a JSON object {code: [values]}, and digest, a
-- keyed hash of the request's arguments (people.Keyring blind index), so
-- that a token reused for different arguments is told from a retry.
CREATE TABLE open311_requests (
    case_id      BIGINT PRIMARY KEY REFERENCES cases (id),
    key_id       BIGINT NOT NULL REFERENCES open311_keys (id),
    region_id    BIGINT NOT NULL REFERENCES regions (id),
    token        TEXT,
    digest       TEXT NOT NULL DEFAULT '',
    address      TEXT NOT NULL DEFAULT '',
    media_url    TEXT NOT NULL DEFAULT '',
    email        BYTEA,
    device_id    TEXT NOT NULL DEFAULT '',
    account_id   TEXT NOT NULL DEFAULT '',
    attributes   TEXT NOT NULL DEFAULT '{}',
    created_at   TIMESTAMPTZ NOT NULL,
    UNIQUE (key_id, token)
);
CREATE INDEX open311_requests_key ON open311_requests (key_id, created_at);

-- +goose Down
DROP TABLE open311_requests;
