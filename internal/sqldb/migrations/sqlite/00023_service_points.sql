-- +goose Up
-- service_points are the points of service on the map: mediation rooms,
-- police posts, party-mass service centres and couriers' warm stations.
CREATE TABLE service_points (
    id          INTEGER PRIMARY KEY,
    region_id   INTEGER NOT NULL REFERENCES regions (id),
    region_path TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('mediation_room', 'police_post', 'party_service_center', 'warm_station')),
    name        TEXT NOT NULL CHECK (name <> ''),
    address     TEXT NOT NULL DEFAULT '',
    lon         REAL NOT NULL,
    lat         REAL NOT NULL,
    phone       TEXT NOT NULL DEFAULT '',
    hours       TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX service_points_region_path ON service_points (region_path, id);

-- +goose Down
DROP TABLE service_points;
