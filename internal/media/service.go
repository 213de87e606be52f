package media

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"

	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/sqldb"
)

// Defaults for Options.
const (
	DefaultMaxBytes  = 10 << 20   // 10 MiB: a full-resolution phone photo
	DefaultMaxPixels = 40_000_000 // above any phone camera; more is a decompression bomb
)

// Options tune the checks. The zero value means the defaults.
type Options struct {
	MaxBytes  int64 // largest upload accepted, in bytes
	MaxPixels int64 // largest width × height accepted
}

// Service checks, strips, stores and records photos. It is safe for
// concurrent use.
type Service struct {
	db    *sqldb.DB
	store Store
	opt   Options
}

// NewService returns a service writing rows to db and blobs to store.
func NewService(db *sqldb.DB, store Store, opt Options) *Service {
	if opt.MaxBytes <= 0 {
		opt.MaxBytes = DefaultMaxBytes
	}
	if opt.MaxPixels <= 0 {
		opt.MaxPixels = DefaultMaxPixels
	}
	return &Service{db: db, store: store, opt: opt}
}

// Upload reads one photo from r and stores it. The type comes from the
// bytes alone (JPEG, PNG or WebP); the header is decoded to get the size
// and to refuse corrupt files and decompression bombs; the container is
// walked end to end, which refuses truncated files; and unless keepLocation
// is set, Exif, XMP and IPTC metadata are stripped (see walkJPEG, walkPNG,
// walkWebP) and the result is decoded again. Any failure is an Invalid
// error on field "photo" and stores nothing. Reading stops one byte past
// Options.MaxBytes.
//
// Upload checks no permission: the case service decides who may report,
// anonymous reporters included. It records the signed-in user in ctx, if
// any, as the uploader.
//
// Identical stored bytes are kept once: the blob key is the SHA-256 of the
// content. Each call still gets its own attachment row (its own ID, uploader
// and time) pointing at the shared blob, so that one reporter's upload never
// hands another reporter's attachment, or its uploader, back to them.
//
// The blob is written, and synced, before the row: a crash in between leaves
// an unreferenced blob, never a row without its photo.
func (s *Service) Upload(ctx context.Context, r io.Reader, keepLocation bool) (*Attachment, error) {
	data, err := io.ReadAll(io.LimitReader(ctxReader{ctx, r}, s.opt.MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("media: read photo: %w", err)
	}
	if int64(len(data)) > s.opt.MaxBytes {
		return nil, fmt.Errorf("media: upload: %w", tooLarge(s.opt.MaxBytes))
	}
	c, err := check(data, keepLocation, s.opt.MaxPixels)
	if err != nil {
		return nil, fmt.Errorf("media: upload: %w", err)
	}
	sum := sha256.Sum256(c.data)
	a := &Attachment{
		SHA256:           hex.EncodeToString(sum[:]),
		ContentType:      c.contentType,
		Size:             int64(len(c.data)),
		Width:            c.width,
		Height:           c.height,
		LocationStripped: c.stripped,
	}
	a.StorageKey = Key(a.SHA256)
	if actor, ok := auth.ActorFrom(ctx); ok && !actor.System {
		a.UploadedBy = actor.UserID
	}
	if err := s.store.Put(ctx, a.StorageKey, bytes.NewReader(c.data)); err != nil {
		return nil, fmt.Errorf("media: upload: store blob: %w", err)
	}
	err = s.db.Transact(ctx, func(tx *sqldb.Tx) error { return insertAttachment(ctx, tx, a) })
	if err != nil {
		return nil, fmt.Errorf("media: upload: record attachment: %w", err)
	}
	return a, nil
}

// Open returns the attachment with the given ID and a reader of its bytes,
// which the caller must close. Like FindAttachmentByID it checks no
// permission. The reader verifies the bytes against the recorded SHA-256
// and size as they stream: reading to the end of a blob that has changed on
// disk returns an error instead of io.EOF.
func (s *Service) Open(ctx context.Context, id int64) (*Attachment, io.ReadCloser, error) {
	a, err := s.FindAttachmentByID(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	rc, err := s.store.Open(ctx, a.StorageKey)
	if err != nil {
		return nil, nil, fmt.Errorf("media: open attachment %d: %w", id, err)
	}
	return a, &verifyingReader{rc: rc, h: sha256.New(), want: a.SHA256, size: a.Size, id: id}, nil
}

// errChecksum reports a stored blob that no longer matches its row.
var errChecksum = errors.New("media: stored photo does not match its checksum")

// verifyingReader hashes what passes through and checks it at EOF.
type verifyingReader struct {
	rc   io.ReadCloser
	h    hash.Hash
	n    int64
	want string
	size int64
	id   int64
}

func (v *verifyingReader) Read(p []byte) (int, error) {
	n, err := v.rc.Read(p)
	v.h.Write(p[:n])
	v.n += int64(n)
	if v.n > v.size {
		return n, fmt.Errorf("attachment %d: %w (longer than %d bytes)", v.id, errChecksum, v.size)
	}
	if err == io.EOF && (v.n != v.size || hex.EncodeToString(v.h.Sum(nil)) != v.want) {
		return n, fmt.Errorf("attachment %d: %w", v.id, errChecksum)
	}
	return n, err
}

func (v *verifyingReader) Close() error { return v.rc.Close() }
