-- +goose Up
-- regions is the region tree: (city →) county → township → village → grid.
-- code is the national statistical division code (6, 12 or 15 digits);
-- kind is derived from the code ranges by the territory package. path is the
-- materialised path of ids ("/1/4/17/") that scopes every subtree query.
CREATE TABLE regions (
    id         INTEGER PRIMARY KEY,
    parent_id  INTEGER REFERENCES regions (id),
    level      TEXT NOT NULL CHECK (level IN ('city', 'county', 'township', 'village', 'grid')),
    kind       TEXT NOT NULL CHECK (kind IN ('city', 'district', 'county', 'street', 'town', 'township', 'farm',
                                              'community', 'village', 'grid')),
    code       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL CHECK (name <> ''),
    path       TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX regions_parent ON regions (parent_id, code);
CREATE INDEX regions_path ON regions (path);
CREATE INDEX regions_level_code ON regions (level, code);

-- +goose Down
DROP TABLE regions;
