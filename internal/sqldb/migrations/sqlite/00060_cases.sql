-- +goose Up
-- cases are the case loop's cases (DESIGN §3). A row is derived from the
-- case's events (case_events): every event's data carries the fields it
-- changed, so folding the events rebuilds the row (cases.VerifyHistory
-- checks it). version is the seq of the last event and serves optimistic
-- concurrency; last_hash is that event's hash, the next event's prev_hash.
-- region_path is where the case is (its grid, or the smallest region
-- containing its location) and scopes reading; queue_path is the region
-- whose queue holds it at its current tier and scopes dispatching.
-- The reporter's phone of an anonymous report is encrypted (people.Keyring,
-- column name "reporter_phone") with a blind index for idempotency.
-- Timers: step_* is the clock of the current step (the one the traffic
-- light shows), handle_* the handling clock, which runs from dispatch;
-- durations are nanoseconds on the limit's own clock; the light is green
-- up to *_yellow_at, yellow up to *_red_at, red after. next_check_at is when
-- the ticker must look at the case again (NULL: never).
CREATE TABLE cases (
    id                     INTEGER PRIMARY KEY,
    number                 TEXT NOT NULL UNIQUE,
    channel                TEXT NOT NULL CHECK (channel IN ('resident', 'grid_worker', 'building_head', 'courier_volunteer', 'hotline', 'walk_in', 'api')),
    hotline_ticket         TEXT NOT NULL DEFAULT '',
    category_code          TEXT NOT NULL REFERENCES categories (code),
    nature                 TEXT NOT NULL DEFAULT '',
    urgency                TEXT NOT NULL CHECK (urgency IN ('normal', 'urgent')),
    title                  TEXT NOT NULL,
    description            TEXT NOT NULL DEFAULT '',
    lon                    REAL,
    lat                    REAL,
    building_id            INTEGER REFERENCES buildings (id),
    unit_id                INTEGER REFERENCES units (id),
    region_id              INTEGER NOT NULL REFERENCES regions (id),
    region_path            TEXT NOT NULL,
    grid_id                INTEGER REFERENCES regions (id),
    queue_region_id        INTEGER NOT NULL REFERENCES regions (id),
    queue_path             TEXT NOT NULL,
    queue_parent_id        INTEGER REFERENCES regions (id),
    tier                   TEXT NOT NULL CHECK (tier IN ('grid', 'community', 'street', 'district', 'city')),
    state                  TEXT NOT NULL CHECK (state IN ('reported', 'registered', 'rejected', 'dispatched', 'in_progress', 'handled', 'verified', 'closed')),
    suspended_at           TIMESTAMP,
    merged_into            INTEGER REFERENCES cases (id),
    supervision            TEXT NOT NULL CHECK (supervision IN ('normal', 'yellow', 'red')),
    public                 BOOLEAN NOT NULL,
    allow_location         BOOLEAN NOT NULL,
    anonymous              BOOLEAN NOT NULL,
    reporter_user_id       INTEGER REFERENCES users (id),
    reporter_name          TEXT NOT NULL DEFAULT '',
    reporter_phone         BLOB,
    reporter_phone_index   BLOB,
    department_id          INTEGER REFERENCES departments (id),
    assignee_user_id       INTEGER REFERENCES users (id),
    assignee_department_id INTEGER REFERENCES departments (id),
    assignee_name          TEXT NOT NULL DEFAULT '',
    handler_user_id        INTEGER REFERENCES users (id),
    rating_satisfaction    TEXT CHECK (rating_satisfaction IN ('satisfied', 'basic', 'unsatisfied')),
    rating_stars           INTEGER CHECK (rating_stars BETWEEN 1 AND 5),
    rating_comment         TEXT,
    rated_at               TIMESTAMP,
    extension_limit        TEXT,
    extension_reason       TEXT,
    extension_by           INTEGER REFERENCES users (id),
    extension_at           TIMESTAMP,
    step                   TEXT CHECK (step IN ('register', 'dispatch', 'accept', 'handle', 'verify')),
    step_started_at        TIMESTAMP,
    step_limit             TEXT,
    step_extra             BIGINT,
    step_suspended         BIGINT,
    due_at                 TIMESTAMP,
    yellow_at              TIMESTAMP,
    red_at                 TIMESTAMP,
    handle_started_at      TIMESTAMP,
    handle_limit           TEXT,
    handle_extra           BIGINT,
    handle_suspended       BIGINT,
    handle_due_at          TIMESTAMP,
    handle_yellow_at       TIMESTAMP,
    handle_red_at          TIMESTAMP,
    register_due_at        TIMESTAMP,
    dispatch_due_at        TIMESTAMP,
    accept_due_at          TIMESTAMP,
    handling_due_at        TIMESTAMP,
    verify_due_at          TIMESTAMP,
    next_check_at          TIMESTAMP,
    reported_at            TIMESTAMP NOT NULL,
    registered_at          TIMESTAMP,
    dispatched_at          TIMESTAMP,
    accepted_at            TIMESTAMP,
    handled_at             TIMESTAMP,
    verified_at            TIMESTAMP,
    closed_at              TIMESTAMP,
    reopened               INTEGER NOT NULL DEFAULT 0,
    escalated              INTEGER NOT NULL DEFAULT 0,
    attachments            TEXT NOT NULL DEFAULT '[]',
    idempotency_scope      TEXT,
    idempotency_key        TEXT,
    idempotency_hash       TEXT,
    version                INTEGER NOT NULL CHECK (version > 0),
    last_hash              TEXT NOT NULL,
    created_at             TIMESTAMP NOT NULL,
    updated_at             TIMESTAMP NOT NULL,
    UNIQUE (idempotency_scope, idempotency_key)
);
CREATE INDEX cases_region_path ON cases (region_path);
CREATE INDEX cases_queue ON cases (queue_path, state);
CREATE INDEX cases_next_check ON cases (next_check_at) WHERE next_check_at IS NOT NULL;
CREATE INDEX cases_assignee_user ON cases (assignee_user_id) WHERE assignee_user_id IS NOT NULL;
CREATE INDEX cases_assignee_department ON cases (assignee_department_id) WHERE assignee_department_id IS NOT NULL;
CREATE INDEX cases_reporter ON cases (reporter_user_id) WHERE reporter_user_id IS NOT NULL;
CREATE INDEX cases_reported_at ON cases (reported_at);
CREATE INDEX cases_category ON cases (category_code);

-- case_numbers hands out the per-day sequence of case numbers
-- (GW20260306-000123); day is the local date as YYYYMMDD.
CREATE TABLE case_numbers (
    day  TEXT PRIMARY KEY,
    last INTEGER NOT NULL
);

-- case_followers are the users told of every change of a case besides its
-- reporter and handlers: the reporters of the duplicates merged into it.
CREATE TABLE case_followers (
    case_id    INTEGER NOT NULL REFERENCES cases (id),
    user_id    INTEGER NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (case_id, user_id)
);
CREATE INDEX case_followers_user ON case_followers (user_id);

-- case_involved are the departments an assignee brought in as co-handlers.
CREATE TABLE case_involved (
    case_id       INTEGER NOT NULL REFERENCES cases (id),
    department_id INTEGER NOT NULL REFERENCES departments (id),
    created_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (case_id, department_id)
);
CREATE INDEX case_involved_department ON case_involved (department_id);

-- case_attachments index the photos of a case's events (which list them
-- too), so that reading a photo can be authorised through its case.
CREATE TABLE case_attachments (
    case_id       INTEGER NOT NULL REFERENCES cases (id),
    attachment_id INTEGER NOT NULL REFERENCES attachments (id),
    seq           INTEGER NOT NULL,
    PRIMARY KEY (case_id, attachment_id)
);
CREATE INDEX case_attachments_attachment ON case_attachments (attachment_id);

-- +goose Down
DROP TABLE case_attachments;
DROP TABLE case_involved;
DROP TABLE case_followers;
DROP TABLE case_numbers;
DROP TABLE cases;
