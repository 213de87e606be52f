package media

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/sqldb"
)

// Attachment is a stored photo. Its bytes are in the Store under
// StorageKey; several attachments may share one blob (see Service.Upload).
type Attachment struct {
	ID          int64
	SHA256      string // lower-case hex digest of the stored bytes
	ContentType string // TypeJPEG, TypePNG or TypeWebP, from the content
	Size        int64  // bytes stored (after stripping)
	Width       int
	Height      int
	// LocationStripped is true when Exif, XMP and IPTC metadata — where GPS
	// coordinates live — were removed before storing; false when the
	// reporter allowed the location to be kept and the file is stored as
	// uploaded.
	LocationStripped bool
	StorageKey       string
	UploadedBy       int64 // the signed-in uploader's user ID; 0 when anonymous or the system
	CreatedAt        time.Time
}

const attachmentColumns = `id, sha256, content_type, size, width, height, location_stripped, storage_key, uploaded_by, created_at`

func scanAttachment(row sqldb.Scanner) (*Attachment, error) {
	var a Attachment
	var by sql.NullInt64
	err := row.Scan(&a.ID, &a.SHA256, &a.ContentType, &a.Size, &a.Width, &a.Height,
		&a.LocationStripped, &a.StorageKey, &by, &a.CreatedAt)
	if err != nil {
		return nil, err
	}
	a.UploadedBy = by.Int64
	a.CreatedAt = a.CreatedAt.UTC()
	return &a, nil
}

// insertAttachment writes a's row and sets its ID and CreatedAt.
func insertAttachment(ctx context.Context, tx *sqldb.Tx, a *Attachment) error {
	a.CreatedAt = tx.Now
	by := sql.NullInt64{Int64: a.UploadedBy, Valid: a.UploadedBy != 0}
	id, err := tx.InsertID(ctx, `INSERT INTO attachments
		(sha256, content_type, size, width, height, location_stripped, storage_key, uploaded_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		a.SHA256, a.ContentType, a.Size, a.Width, a.Height, a.LocationStripped, a.StorageKey, by, a.CreatedAt)
	if err != nil {
		return err
	}
	a.ID = id
	return nil
}

// FindAttachmentByID returns the attachment with the given ID, or a
// NotFound error. It checks no permission: the caller has decided that the
// actor may see the case the attachment belongs to.
func (s *Service) FindAttachmentByID(ctx context.Context, id int64) (*Attachment, error) {
	a, err := scanAttachment(s.db.QueryRow(ctx, `SELECT `+attachmentColumns+` FROM attachments WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		err = apperr.Wrap(err, apperr.NotFound, "", "附件不存在", "no such attachment")
	}
	if err != nil {
		return nil, fmt.Errorf("media: find attachment %d: %w", id, sqldb.Translate(err))
	}
	return a, nil
}
