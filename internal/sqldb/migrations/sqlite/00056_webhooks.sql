-- +goose Up
-- webhooks are outgoing subscriptions (SMS and WeChat gateways) managed by
-- administrators. kinds is a comma list of event kinds ("case.dispatched",
-- or "case.*" for a family); empty means every kind. region_path limits
-- the subscription to events in one region subtree; NULL means everywhere
-- (only the system may create those). secret signs every request body.
CREATE TABLE webhooks (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL CHECK (name <> ''),
    url         TEXT NOT NULL CHECK (url <> ''),
    secret      TEXT NOT NULL CHECK (length(secret) >= 16),
    kinds       TEXT NOT NULL DEFAULT '',
    region_path TEXT,
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    created_by  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX webhooks_region ON webhooks (region_path);

-- webhook_deliveries is the outbox: one row per event and matching webhook,
-- written in the transaction that caused the event, sent by notify.Worker
-- at least once. next_attempt_at is both the retry time and the lease a
-- worker takes while it sends; attempts counts the sends started. A row
-- that fails max attempts becomes 'dead' (the dead-letter list) until an
-- administrator redelivers it. event_json is kept as text, byte for byte,
-- because receivers verify the signature over the exact body.
CREATE TABLE webhook_deliveries (
    id              INTEGER PRIMARY KEY,
    webhook_id      INTEGER NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_kind      TEXT NOT NULL,
    event_json      TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'dead')),
    last_error      TEXT NOT NULL DEFAULT '',
    last_status     INTEGER,
    created_at      TIMESTAMP NOT NULL,
    delivered_at    TIMESTAMP
);
-- The worker's claim reads only due pending rows.
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_status ON webhook_deliveries (status, id);
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, id);

-- +goose Down
DROP TABLE webhook_deliveries;
DROP TABLE webhooks;
