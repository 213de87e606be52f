-- +goose Up
-- stats_daily are the KPI rollups (internal/stats): the counters of the case
-- events of one local day (Asia/Shanghai, day = yyyymmdd), added to the
-- case's region and to every ancestor, in total (dim '' key '') and under
-- the case's category ('category', code), channel ('channel'), assigned
-- department ('department', id) and person ('person', user id). A KPI of
-- any region subtree is a range read of one region's rows. The columns are
-- the fields of stats.Counters; h0..h11 are the handling-time histogram.
CREATE TABLE stats_daily (
    region_id         BIGINT NOT NULL,
    dim               TEXT NOT NULL,
    key               TEXT NOT NULL,
    day               INTEGER NOT NULL,
    reported          BIGINT NOT NULL DEFAULT 0,
    registered        BIGINT NOT NULL DEFAULT 0,
    rejected          BIGINT NOT NULL DEFAULT 0,
    cancelled         BIGINT NOT NULL DEFAULT 0,
    register_due      BIGINT NOT NULL DEFAULT 0,
    register_on_time  BIGINT NOT NULL DEFAULT 0,
    dispatched        BIGINT NOT NULL DEFAULT 0,
    dispatch_due      BIGINT NOT NULL DEFAULT 0,
    dispatch_on_time  BIGINT NOT NULL DEFAULT 0,
    returned          BIGINT NOT NULL DEFAULT 0,
    rework            BIGINT NOT NULL DEFAULT 0,
    handled           BIGINT NOT NULL DEFAULT 0,
    handle_due        BIGINT NOT NULL DEFAULT 0,
    handle_on_time    BIGINT NOT NULL DEFAULT 0,
    verify_due        BIGINT NOT NULL DEFAULT 0,
    verify_on_time    BIGINT NOT NULL DEFAULT 0,
    verified          BIGINT NOT NULL DEFAULT 0,
    closed            BIGINT NOT NULL DEFAULT 0,
    closed_on_time    BIGINT NOT NULL DEFAULT 0,
    closed_grid       BIGINT NOT NULL DEFAULT 0,
    closed_community  BIGINT NOT NULL DEFAULT 0,
    closed_street     BIGINT NOT NULL DEFAULT 0,
    closed_district   BIGINT NOT NULL DEFAULT 0,
    closed_city       BIGINT NOT NULL DEFAULT 0,
    reopened          BIGINT NOT NULL DEFAULT 0,
    escalated         BIGINT NOT NULL DEFAULT 0,
    supervised        BIGINT NOT NULL DEFAULT 0,
    ratings           BIGINT NOT NULL DEFAULT 0,
    satisfied         BIGINT NOT NULL DEFAULT 0,
    basic             BIGINT NOT NULL DEFAULT 0,
    unsatisfied       BIGINT NOT NULL DEFAULT 0,
    handle_seconds    BIGINT NOT NULL DEFAULT 0,
    timed             BIGINT NOT NULL DEFAULT 0,
    overtime_milli    BIGINT NOT NULL DEFAULT 0,
    overtime          BIGINT NOT NULL DEFAULT 0,
    h0                BIGINT NOT NULL DEFAULT 0,
    h1                BIGINT NOT NULL DEFAULT 0,
    h2                BIGINT NOT NULL DEFAULT 0,
    h3                BIGINT NOT NULL DEFAULT 0,
    h4                BIGINT NOT NULL DEFAULT 0,
    h5                BIGINT NOT NULL DEFAULT 0,
    h6                BIGINT NOT NULL DEFAULT 0,
    h7                BIGINT NOT NULL DEFAULT 0,
    h8                BIGINT NOT NULL DEFAULT 0,
    h9                BIGINT NOT NULL DEFAULT 0,
    h10               BIGINT NOT NULL DEFAULT 0,
    h11               BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (region_id, dim, key, day)
) WITHOUT ROWID;

-- stats_pending queues the facts of committed case events (written in the
-- case's transaction, one row per transaction) until the projector adds
-- them to stats_daily and deletes them, in one transaction: exactly once.
CREATE TABLE stats_pending (
    id         INTEGER PRIMARY KEY,
    events     INTEGER NOT NULL,
    facts      TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- cases_open serves the live figures (open, overdue, backlog age) of a
-- region subtree: the open cases only, and every column those read (the
-- state for "not yet handled", the dimension columns for breakdowns), so
-- that counting the open cases of a district reads the index alone.
CREATE INDEX cases_open ON cases (region_path, handling_due_at, due_at, suspended_at, reported_at, state,
    category_code, channel, assignee_department_id, assignee_user_id)
    WHERE state NOT IN ('closed', 'rejected');

-- +goose Down
DROP INDEX cases_open;
DROP TABLE stats_pending;
DROP TABLE stats_daily;
