-- +goose Up
-- party_orgs is the party-organisation tree: committee (党委) → general
-- branch (党总支) → branch (党支部) → group (党小组); which kind may sit
-- under which is checked by the people package. path is the materialised
-- path of ids ("/1/5/"). An organisation may be tied to a region ("one
-- branch per grid") or a building ("a party group per building");
-- region_path is the path of its own region or else of its nearest
-- ancestor's, copied at creation, so that region-scoped staff see it.
CREATE TABLE party_orgs (
    id          INTEGER PRIMARY KEY,
    parent_id   INTEGER REFERENCES party_orgs (id),
    kind        TEXT NOT NULL CHECK (kind IN ('committee', 'general_branch', 'branch', 'group')),
    name        TEXT NOT NULL CHECK (name <> ''),
    path        TEXT NOT NULL,
    region_id   INTEGER REFERENCES regions (id),
    region_path TEXT,
    building_id INTEGER REFERENCES buildings (id),
    sector      TEXT NOT NULL CHECK (sector IN ('region', 'enterprise', 'social_org', 'industry')),
    sector_name TEXT NOT NULL DEFAULT '',
    secretary   TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX party_orgs_path ON party_orgs (path);
CREATE INDEX party_orgs_parent ON party_orgs (parent_id);
CREATE INDEX party_orgs_region ON party_orgs (region_id, kind);
CREATE INDEX party_orgs_region_path ON party_orgs (region_path);

-- party_members are the members of an organisation: in service (在职),
-- retired (离退休) or mobile (流动). A member may be a resident and may have
-- an account; reported_region_id is the community an in-service member has
-- reported to (在职党员到社区报到).
CREATE TABLE party_members (
    id                 INTEGER PRIMARY KEY,
    org_id             INTEGER NOT NULL REFERENCES party_orgs (id),
    resident_id        INTEGER UNIQUE REFERENCES residents (id) ON DELETE SET NULL,
    user_id            INTEGER REFERENCES users (id) ON DELETE SET NULL,
    name               TEXT NOT NULL CHECK (name <> ''),
    category           TEXT NOT NULL CHECK (category IN ('in_service', 'retired', 'mobile')),
    joined_on          DATE,
    reported_region_id INTEGER REFERENCES regions (id),
    created_at         TIMESTAMP NOT NULL
);
CREATE INDEX party_members_org ON party_members (org_id, id);
CREATE INDEX party_members_reported ON party_members (reported_region_id);

-- +goose Down
DROP TABLE party_members;
DROP TABLE party_orgs;
