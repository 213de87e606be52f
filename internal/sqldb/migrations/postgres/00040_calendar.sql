-- +goose Up
-- calendar_years are the years the work calendar knows, each resting on a
-- source (the State Council's holiday notice). A deadline that needs a day
-- of any other year is refused rather than guessed.
CREATE TABLE calendar_years (
    year       INTEGER PRIMARY KEY CHECK (year BETWEEN 2000 AND 2100),
    source     TEXT NOT NULL CHECK (source <> ''),
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- calendar_days are the exceptions to the Monday–Friday rule in a known
-- year: 'off' for a day of a holiday block (weekend days inside it
-- included), 'work' for a Saturday or Sunday that is a working day (调休).
-- year repeats the day's year so that a year's days are one index range.
CREATE TABLE calendar_days (
    day        DATE PRIMARY KEY,
    year       INTEGER NOT NULL REFERENCES calendar_years (year),
    kind       TEXT NOT NULL CHECK (kind IN ('off', 'work')),
    name       TEXT NOT NULL CHECK (name <> ''),
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX calendar_days_year ON calendar_days (year, day);

-- +goose Down
DROP TABLE calendar_days;
DROP TABLE calendar_years;
