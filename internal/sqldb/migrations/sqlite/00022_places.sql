-- +goose Up
-- buildings are the buildings (楼栋) of a grid, or the courtyards (院落) of a
-- village; compound is the residential compound (小区) or natural village
-- (自然村) they stand in ('' when none). region_path is the grid's path,
-- copied so that scoped lists need no join.
CREATE TABLE buildings (
    id          INTEGER PRIMARY KEY,
    grid_id     INTEGER NOT NULL REFERENCES regions (id),
    region_path TEXT NOT NULL,
    compound    TEXT NOT NULL DEFAULT '',
    name        TEXT NOT NULL CHECK (name <> ''),
    kind        TEXT NOT NULL CHECK (kind IN ('building', 'courtyard')),
    address     TEXT NOT NULL DEFAULT '',
    lon         REAL,
    lat         REAL,
    floors      INTEGER NOT NULL DEFAULT 0 CHECK (floors >= 0),
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    UNIQUE (grid_id, compound, name)
);
CREATE INDEX buildings_region_path ON buildings (region_path, id);

-- units are the entrances (单元) of a building; a courtyard or bungalow has
-- one unit named ''.
CREATE TABLE units (
    id          INTEGER PRIMARY KEY,
    building_id INTEGER NOT NULL REFERENCES buildings (id),
    name        TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    UNIQUE (building_id, name)
);

-- households are the rooms (户) of a unit. building_id and region_path are
-- copied from the unit's building for scoped lists and per-building loads.
CREATE TABLE households (
    id          INTEGER PRIMARY KEY,
    unit_id     INTEGER NOT NULL REFERENCES units (id),
    building_id INTEGER NOT NULL REFERENCES buildings (id),
    region_path TEXT NOT NULL,
    room        TEXT NOT NULL CHECK (room <> ''),
    kind        TEXT NOT NULL CHECK (kind IN ('owner', 'rented', 'vacant', 'other')),
    area_m2     REAL CHECK (area_m2 IS NULL OR area_m2 > 0),
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    UNIQUE (unit_id, room)
);
CREATE INDEX households_region_path ON households (region_path, id);
CREATE INDEX households_building ON households (building_id);

-- +goose Down
DROP TABLE households;
DROP TABLE units;
DROP TABLE buildings;
