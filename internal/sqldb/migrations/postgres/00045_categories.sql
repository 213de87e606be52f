-- +goose Up
-- categories is the case-category dictionary (案件分类): components (部件),
-- events (事件), social-governance types (综治), hotline subjects (热线) and
-- the nature of a request (诉求性质), as a tree through parent_code. Limits
-- are stored as their text ("6h", "4wh", "15wd") and parsed by the calendar
-- package. local marks a deployment's own rows (codes starting with L, which
-- cannot collide with the standard's); a row referenced elsewhere is retired
-- (active = false) rather than deleted. edited_at is set when an
-- administrator changes a row, so that re-seeding leaves it alone.
CREATE TABLE categories (
    code                 TEXT COLLATE "C" NOT NULL PRIMARY KEY CHECK (code <> ''),
    parent_code          TEXT COLLATE "C" REFERENCES categories (code),
    kind                 TEXT NOT NULL CHECK (kind IN ('component', 'event', 'social', 'request_nature', 'hotline')),
    name_zh              TEXT NOT NULL CHECK (name_zh <> ''),
    name_en              TEXT NOT NULL DEFAULT '',
    filing_condition_zh  TEXT NOT NULL DEFAULT '',
    closing_condition_zh TEXT NOT NULL DEFAULT '',
    department_zh        TEXT NOT NULL DEFAULT '',
    handle_limit         TEXT,
    urgent_limit         TEXT,
    source               TEXT NOT NULL DEFAULT '',
    local                BOOLEAN NOT NULL DEFAULT FALSE,
    active               BOOLEAN NOT NULL DEFAULT TRUE,
    icon                 TEXT NOT NULL DEFAULT '',
    edited_at            TIMESTAMPTZ,
    created_at           TIMESTAMPTZ NOT NULL,
    updated_at           TIMESTAMPTZ NOT NULL,
    CHECK (parent_code IS NULL OR parent_code <> code)
);
CREATE INDEX categories_parent ON categories (parent_code, code);
CREATE INDEX categories_kind ON categories (kind, code);

-- +goose Down
DROP TABLE categories;
