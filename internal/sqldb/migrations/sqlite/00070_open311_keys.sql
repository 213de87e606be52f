-- +goose Up
-- open311_keys are the API keys of Open311 GeoReport v2 clients (issue 6):
-- one per client system (a FixMyStreet install, a city back office …). The
-- secret is shown once when the key is made; only its SHA-256 (hex) is kept,
-- and prefix (its first characters) names it in lists. per_minute bounds the
-- requests a key may send a minute; an inactive key is refused.
-- last_used_at is refreshed at most once a minute.
CREATE TABLE open311_keys (
    id           INTEGER PRIMARY KEY,
    client       TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    key_hash     TEXT NOT NULL UNIQUE CHECK (length(key_hash) = 64),
    per_minute   INTEGER NOT NULL CHECK (per_minute > 0),
    active       BOOLEAN NOT NULL,
    created_by   INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP
);

-- open311_key_jurisdictions are the jurisdictions (county-level regions,
-- named by their division code in the protocol) a key may file requests in.
-- region_path is the county's materialised path (paths never change), so
-- that key lists are scoped to the administrator's regions in SQL.
CREATE TABLE open311_key_jurisdictions (
    key_id      INTEGER NOT NULL REFERENCES open311_keys (id) ON DELETE CASCADE,
    region_id   INTEGER NOT NULL REFERENCES regions (id),
    region_path TEXT NOT NULL,
    PRIMARY KEY (key_id, region_id)
);
CREATE INDEX open311_key_jurisdictions_path ON open311_key_jurisdictions (region_path);

-- +goose Down
DROP TABLE open311_key_jurisdictions;
DROP TABLE open311_keys;
