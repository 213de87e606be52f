-- +goose Up
-- time_limits are the time-limit policies (DESIGN §3): per category ×
-- urgency × tier × step, NULL meaning "any". The most specific row wins
-- (category exact > ancestor category > any; then urgency, then tier); the
-- category package falls back to built-in defaults when no row matches.
-- "limit" is the limit's text ("30m", "4wh", "5wd"); the unique index
-- treats NULL as one value so that a combination is set at most once.
CREATE TABLE time_limits (
    id            INTEGER PRIMARY KEY,
    category_code TEXT REFERENCES categories (code),
    urgency       TEXT CHECK (urgency IN ('normal', 'urgent')),
    tier          TEXT CHECK (tier IN ('grid', 'community', 'street', 'district', 'city')),
    step          TEXT NOT NULL CHECK (step IN ('register', 'dispatch', 'accept', 'handle', 'verify')),
    "limit"       TEXT NOT NULL CHECK ("limit" <> ''),
    note          TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX time_limits_key ON time_limits (step, COALESCE(category_code, ''), COALESCE(urgency, ''), COALESCE(tier, ''));
CREATE INDEX time_limits_category ON time_limits (category_code);

-- +goose Down
DROP TABLE time_limits;
