-- +goose Up
-- attachments are stored photos. The bytes live in the media blob store
-- under storage_key, named by their SHA-256, so several rows (one per
-- upload) may share one blob. width and height come from the decoded header;
-- location_stripped says whether Exif/XMP/IPTC metadata was removed.
CREATE TABLE attachments (
    id                INTEGER PRIMARY KEY,
    sha256            TEXT NOT NULL CHECK (length(sha256) = 64),
    content_type      TEXT NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/webp')),
    size              INTEGER NOT NULL CHECK (size > 0),
    width             INTEGER NOT NULL CHECK (width > 0),
    height            INTEGER NOT NULL CHECK (height > 0),
    location_stripped BOOLEAN NOT NULL,
    storage_key       TEXT NOT NULL,
    uploaded_by       INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at        TIMESTAMP NOT NULL
);
CREATE INDEX attachments_sha256 ON attachments (sha256);
CREATE INDEX attachments_uploaded_by ON attachments (uploaded_by);

-- +goose Down
DROP TABLE attachments;
