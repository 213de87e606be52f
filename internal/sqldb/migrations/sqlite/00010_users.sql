-- +goose Up
-- users are the accounts that sign in. Usernames are stored lower-cased so
-- that the unique index is case-insensitive on both engines.
CREATE TABLE users (
    id                  INTEGER PRIMARY KEY,
    username            TEXT NOT NULL UNIQUE CHECK (username = lower(username)),
    display_name        TEXT NOT NULL,
    phone               TEXT,
    password_hash       TEXT NOT NULL,
    disabled            BOOLEAN NOT NULL DEFAULT FALSE,
    failed_logins       INTEGER NOT NULL DEFAULT 0,
    locked_until        TIMESTAMP,
    password_changed_at TIMESTAMP NOT NULL,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL
);

-- user_grants are roles held at a scope. scope_path is the materialised path
-- of the scope's root, copied at grant time so that scoped user lists and
-- authorisation need no join into territory or party tables.
CREATE TABLE user_grants (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       TEXT NOT NULL,
    scope_kind TEXT NOT NULL CHECK (scope_kind IN ('region', 'party', 'self')),
    scope_id   INTEGER NOT NULL,
    scope_path TEXT NOT NULL,
    granted_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (user_id, role, scope_kind, scope_id)
);
CREATE INDEX user_grants_scope ON user_grants (scope_kind, scope_path);

-- +goose Down
DROP TABLE user_grants;
DROP TABLE users;
