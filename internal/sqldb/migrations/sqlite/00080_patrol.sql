-- +goose Up
-- patrol_visits are grid workers' patrol visits (巡查走访, DESIGN §4): who
-- walked which grid on which day, with a note. region_path is the grid's
-- path, copied so that scoped lists need no join; user_name is kept as it
-- was when the visit was recorded. idempotency_key lets a phone resend a
-- visit after a dropped connection without recording it twice.
CREATE TABLE patrol_visits (
    id              INTEGER PRIMARY KEY,
    grid_id         INTEGER NOT NULL REFERENCES regions (id),
    region_path     TEXT NOT NULL,
    user_id         INTEGER REFERENCES users (id),
    user_name       TEXT NOT NULL,
    visited_on      DATE NOT NULL,
    note            TEXT NOT NULL DEFAULT '',
    households      INTEGER NOT NULL DEFAULT 0 CHECK (households >= 0),
    idempotency_key TEXT,
    created_at      TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX patrol_visits_idempotency ON patrol_visits (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX patrol_visits_region_path ON patrol_visits (region_path, visited_on);
CREATE INDEX patrol_visits_user ON patrol_visits (user_id, visited_on);

-- patrol_households are the households seen on a visit.
CREATE TABLE patrol_households (
    visit_id     INTEGER NOT NULL REFERENCES patrol_visits (id) ON DELETE CASCADE,
    household_id INTEGER NOT NULL REFERENCES households (id),
    PRIMARY KEY (visit_id, household_id)
);

-- patrol_items are what a visit did besides seeing households: policy talks
-- (政策宣传), mediations (矛盾调解), errands run for residents (代办) and
-- findings, each of which became a case (case_id).
CREATE TABLE patrol_items (
    id           INTEGER PRIMARY KEY,
    visit_id     INTEGER NOT NULL REFERENCES patrol_visits (id) ON DELETE CASCADE,
    seq          INTEGER NOT NULL CHECK (seq > 0),
    kind         TEXT NOT NULL CHECK (kind IN ('policy_talk', 'mediation', 'errand', 'finding')),
    note         TEXT NOT NULL DEFAULT '',
    household_id INTEGER REFERENCES households (id),
    case_id      INTEGER REFERENCES cases (id),
    CHECK ((kind = 'finding') = (case_id IS NOT NULL)),
    UNIQUE (visit_id, seq)
);
CREATE INDEX patrol_items_case ON patrol_items (case_id) WHERE case_id IS NOT NULL;

-- +goose Down
DROP TABLE patrol_items;
DROP TABLE patrol_households;
DROP TABLE patrol_visits;
