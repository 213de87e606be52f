-- +goose Up
-- PostgreSQL only: triggers announcing region and boundary changes to the
-- other serve processes. A SQLite database has one process, which updates
-- its own index; the number is kept in step.
SELECT 1;

-- +goose Down
SELECT 1;
