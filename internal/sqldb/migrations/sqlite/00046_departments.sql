-- +goose Up
-- departments are the bodies that handle cases (职能部门/专业部门): a
-- property company, a utility, a police post, urban management … each
-- registered at a region and serving its subtree. region_path is the
-- region's materialised path, copied at creation. A category names its
-- department by name (categories.department_zh); routing picks the
-- department of that name registered nearest above the case's region.
CREATE TABLE departments (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL CHECK (name <> ''),
    kind        TEXT NOT NULL CHECK (kind IN ('property', 'utility', 'police', 'urban_management', 'government', 'social', 'other')),
    region_id   INTEGER NOT NULL REFERENCES regions (id),
    region_path TEXT NOT NULL,
    phone       TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    UNIQUE (region_id, name)
);
CREATE INDEX departments_name_path ON departments (name, region_path);
CREATE INDEX departments_region_path ON departments (region_path);

-- department_members are the accounts that act for a department.
CREATE TABLE department_members (
    department_id INTEGER NOT NULL REFERENCES departments (id) ON DELETE CASCADE,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (department_id, user_id)
);
CREATE INDEX department_members_user ON department_members (user_id);

-- +goose Down
DROP TABLE department_members;
DROP TABLE departments;
