-- +goose Up
-- stats_open rolls up the open cases (not closed, not rejected; a merged
-- duplicate is closed) as they are now (internal/stats): per region and
-- every ancestor × dim/key as stats_daily, by due_day, the local yyyymmdd
-- of the case's overdue threshold (its handling deadline, or before
-- dispatch its current step's deadline; 0 when it cannot fall due, e.g. a
-- case suspended before its deadline). open counts the cases, unhandled
-- those not yet handled, reported_sum sums their reported_at (unix
-- seconds) for the backlog's average age. Each case event moves the case's
-- contribution, so the figures of a district are a range read.
CREATE TABLE stats_open (
    region_id    BIGINT NOT NULL,
    dim          TEXT NOT NULL,
    key          TEXT NOT NULL,
    due_day      INTEGER NOT NULL,
    open         BIGINT NOT NULL DEFAULT 0,
    unhandled    BIGINT NOT NULL DEFAULT 0,
    reported_sum BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (region_id, dim, key, due_day)
);

-- stats_open_age counts the open cases by the local day they were reported
-- (yyyymmdd), for the backlog's p90 age.
CREATE TABLE stats_open_age (
    region_id    BIGINT NOT NULL,
    dim          TEXT NOT NULL,
    key          TEXT NOT NULL,
    reported_day INTEGER NOT NULL,
    open         BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (region_id, dim, key, reported_day)
);

-- The open cases falling due today are counted exactly from cases: these
-- indexes start with the threshold, so the count visits today's only, and
-- cover what it reads (suspension, state, the dimension columns).
CREATE INDEX cases_open_handling_due ON cases (handling_due_at, region_path, suspended_at, state,
    category_code, channel, assignee_department_id, assignee_user_id)
    WHERE state NOT IN ('closed', 'rejected') AND handling_due_at IS NOT NULL;
CREATE INDEX cases_open_step_due ON cases (due_at, region_path, suspended_at, state,
    category_code, channel, assignee_department_id, assignee_user_id)
    WHERE state NOT IN ('closed', 'rejected') AND handling_due_at IS NULL;

-- Rankings (the handlers, the categories of a district over 30 days) read
-- one region's rows of a dimension for a period across all its keys: this
-- index finds them by day, where the primary key would visit every key's
-- whole history, and covers the sums a ranking orders by.
CREATE INDEX stats_daily_rank ON stats_daily (region_id, dim, day, key, reported, handled);

-- +goose Down
DROP INDEX stats_daily_rank;
DROP INDEX cases_open_step_due;
DROP INDEX cases_open_handling_due;
DROP TABLE stats_open_age;
DROP TABLE stats_open;
