-- +goose Up
-- stats_monthly holds the same counters as stats_daily summed per calendar
-- month (internal/stats): month is the local yyyymmdd of the month's first
-- day (yyyymm01). The projector adds each event's counters to its day row
-- and to its month row in one transaction, so a month row is always the
-- sum of its days. A query over a period reads the whole months here and
-- only the days at its edges from stats_daily: a district's year-long
-- ranking of its handlers reads about 30 days and 11 months of rows per
-- handler instead of 365 days.
CREATE TABLE stats_monthly (
    region_id         BIGINT NOT NULL,
    dim               TEXT NOT NULL,
    key               TEXT NOT NULL,
    month             INTEGER NOT NULL,
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
    PRIMARY KEY (region_id, dim, key, month)
) WITHOUT ROWID;

-- The rankings' index, as stats_daily_rank: one region's rows of a
-- dimension by month across all its keys, covering the ranking's sums.
CREATE INDEX stats_monthly_rank ON stats_monthly (region_id, dim, month, key, reported, handled);

-- Backfill: the months of the days already rolled up, so that an upgraded
-- database answers the same sums without a rebuild.
INSERT INTO stats_monthly (region_id, dim, key, month,
    reported, registered, rejected, cancelled, register_due, register_on_time, dispatched, dispatch_due,
    dispatch_on_time, returned, rework, handled, handle_due, handle_on_time, verify_due, verify_on_time,
    verified, closed, closed_on_time, closed_grid, closed_community, closed_street, closed_district, closed_city,
    reopened, escalated, supervised, ratings, satisfied, basic, unsatisfied, handle_seconds,
    timed, overtime_milli, overtime, h0, h1, h2, h3, h4,
    h5, h6, h7, h8, h9, h10, h11)
SELECT region_id, dim, key, (day / 100) * 100 + 1,
    sum(reported), sum(registered), sum(rejected), sum(cancelled), sum(register_due), sum(register_on_time), sum(dispatched), sum(dispatch_due),
    sum(dispatch_on_time), sum(returned), sum(rework), sum(handled), sum(handle_due), sum(handle_on_time), sum(verify_due), sum(verify_on_time),
    sum(verified), sum(closed), sum(closed_on_time), sum(closed_grid), sum(closed_community), sum(closed_street), sum(closed_district), sum(closed_city),
    sum(reopened), sum(escalated), sum(supervised), sum(ratings), sum(satisfied), sum(basic), sum(unsatisfied), sum(handle_seconds),
    sum(timed), sum(overtime_milli), sum(overtime), sum(h0), sum(h1), sum(h2), sum(h3), sum(h4),
    sum(h5), sum(h6), sum(h7), sum(h8), sum(h9), sum(h10), sum(h11)
FROM stats_daily
GROUP BY region_id, dim, key, day / 100;

-- +goose Down
DROP INDEX stats_monthly_rank;
DROP TABLE stats_monthly;
