-- +goose Up
-- handle_late records that a case's current round of handling missed its
-- deadline before it ended (escalated or returned after the handling clock
-- ran over): the next dispatch restarts the clock, but the on-time figures
-- must still count the round late (cases.Case.HandleLate).
ALTER TABLE cases ADD COLUMN handle_late BOOLEAN NOT NULL DEFAULT FALSE;

-- +goose Down
ALTER TABLE cases DROP COLUMN handle_late;
