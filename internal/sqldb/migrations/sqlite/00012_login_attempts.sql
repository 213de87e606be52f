-- +goose Up
-- login_attempts is the audit trail of sign-ins, successful or not. Writing
-- one row for every answered attempt, whether the username exists or not,
-- also keeps the two failure paths equally slow.
CREATE TABLE login_attempts (
    id         INTEGER PRIMARY KEY,
    username   TEXT NOT NULL,
    user_id    INTEGER REFERENCES users (id) ON DELETE SET NULL,
    ip         TEXT NOT NULL DEFAULT '',
    user_agent TEXT NOT NULL DEFAULT '',
    result     TEXT NOT NULL CHECK (result IN ('ok', 'bad_password', 'unknown_user', 'locked', 'disabled')),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX login_attempts_username ON login_attempts (username, created_at);
CREATE INDEX login_attempts_created ON login_attempts (created_at);

-- +goose Down
DROP TABLE login_attempts;
