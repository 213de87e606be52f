-- +goose Up
-- residents are the people of the territory. region_path is copied from the
-- household (or the region the resident is registered to) so that scoped
-- lists need no join. ID numbers and phones are stored only encrypted
-- (AES-256-GCM, *_enc) beside a blind index (HMAC-SHA256, *_hash) for exact
-- lookup and duplicate detection.
CREATE TABLE residents (
    id             INTEGER PRIMARY KEY,
    household_id   INTEGER REFERENCES households (id),
    region_path    TEXT NOT NULL,
    name           TEXT NOT NULL CHECK (name <> ''),
    gender         TEXT NOT NULL CHECK (gender IN ('', 'male', 'female')),
    birth_date     DATE,
    id_number_enc  BLOB,
    id_number_hash BLOB UNIQUE,
    phone_enc      BLOB,
    phone_hash     BLOB,
    relation       TEXT NOT NULL CHECK (relation IN ('', 'head', 'spouse', 'child', 'parent', 'other')),
    party_member   BOOLEAN NOT NULL DEFAULT FALSE,
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);
CREATE INDEX residents_region_path ON residents (region_path, id);
CREATE INDEX residents_household ON residents (household_id);
CREATE INDEX residents_phone_hash ON residents (phone_hash);

-- resident_tags mark residents who need particular attention; the tag set
-- is closed.
CREATE TABLE resident_tags (
    resident_id INTEGER NOT NULL REFERENCES residents (id) ON DELETE CASCADE,
    tag         TEXT NOT NULL CHECK (tag IN ('elderly_alone', 'elderly', 'disabled', 'low_income', 'veteran',
                                             'returnee', 'left_behind_child', 'special_care', 'key_person', 'mobile')),
    PRIMARY KEY (resident_id, tag)
);
CREATE INDEX resident_tags_tag ON resident_tags (tag, resident_id);

-- pii_views is the audit of every view of a person's full personal data
-- (one row per reveal, one per revealing export). It outlives the residents
-- and users it names, so it has no foreign keys. region_path is the
-- resident's region, or the subtree of an export, so that auditors see the
-- views in their scope.
CREATE TABLE pii_views (
    id            INTEGER PRIMARY KEY,
    actor_user_id INTEGER,
    actor_name    TEXT NOT NULL,
    resident_id   INTEGER,
    region_path   TEXT NOT NULL,
    fields        TEXT NOT NULL,
    reason        TEXT NOT NULL CHECK (reason <> ''),
    at            TIMESTAMP NOT NULL
);
CREATE INDEX pii_views_region_at ON pii_views (region_path, at);
CREATE INDEX pii_views_resident ON pii_views (resident_id, at);
CREATE INDEX pii_views_actor ON pii_views (actor_user_id, at);

-- +goose Down
DROP TABLE pii_views;
DROP TABLE resident_tags;
DROP TABLE residents;
