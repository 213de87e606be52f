-- +goose Up
-- region_boundaries holds every version of a region's boundary: a GeoJSON
-- Polygon or MultiPolygon valid from valid_from up to (not including)
-- valid_to; the current version has no valid_to. The bounding box lets
-- neighbour checks and the spatial index skip parsing.
CREATE TABLE region_boundaries (
    id         INTEGER PRIMARY KEY,
    region_id  INTEGER NOT NULL REFERENCES regions (id),
    geojson    TEXT NOT NULL,
    min_lon    REAL NOT NULL,
    min_lat    REAL NOT NULL,
    max_lon    REAL NOT NULL,
    max_lat    REAL NOT NULL,
    valid_from DATE NOT NULL,
    valid_to   DATE,
    created_at TIMESTAMP NOT NULL,
    CHECK (valid_to IS NULL OR valid_to > valid_from)
);
CREATE UNIQUE INDEX region_boundaries_current ON region_boundaries (region_id) WHERE valid_to IS NULL;
CREATE INDEX region_boundaries_region ON region_boundaries (region_id, valid_from);

-- +goose Down
DROP TABLE region_boundaries;
