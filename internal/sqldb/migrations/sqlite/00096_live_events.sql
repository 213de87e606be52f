-- +goose Up
-- PostgreSQL only: live events between serve processes (NOTIFY and the
-- live_events table of oversized events). A SQLite database has one
-- process, whose broker is in memory; the number is kept in step.
SELECT 1;

-- +goose Down
SELECT 1;
