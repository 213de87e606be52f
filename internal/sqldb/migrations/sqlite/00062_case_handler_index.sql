-- +goose Up
-- Lists find the cases a user handled (handler_user_id) beside those it
-- reported or is assigned: every term of the scope has its index, so that
-- the engines combine index scans instead of reading every case.
CREATE INDEX cases_handler ON cases (handler_user_id) WHERE handler_user_id IS NOT NULL;

-- +goose Down
DROP INDEX cases_handler;
