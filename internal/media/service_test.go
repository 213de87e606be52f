package media

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/sqldb/sqldbtest"
)

var testNow = time.Date(2026, 3, 6, 22, 40, 0, 0, time.UTC)

// fixture is a service with its own in-memory store. The subtests share one database per engine (migrating a fresh
// PostgreSQL schema is most of the time a test takes), so "nothing was
// stored" is measured against the row count when the fixture was made.
type fixture struct {
	db    *sqldb.DB
	store *MemStore
	svc   *Service
	rows  int
}

func newFixture(t *testing.T, db *sqldb.DB, opt Options) *fixture {
	t.Helper()
	store := NewMemStore()
	return &fixture{db: db, store: store, svc: NewService(db, store, opt), rows: countRows(t, db)}
}

func countRows(t *testing.T, db *sqldb.DB) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), `SELECT COUNT(*) FROM attachments`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestService runs the service's tests on each engine, one database each.
func TestService(t *testing.T) {
	sqldbtest.Engines(t, sqldbtest.Options{Now: func() time.Time { return testNow }}, func(t *testing.T, db *sqldb.DB) {
		for _, tc := range []struct {
			name string
			fn   func(t *testing.T, db *sqldb.DB)
		}{
			{"UploadEachFormat", testUploadEachFormat},
			{"UploadRejectsBadPhotos", testUploadRejectsBadPhotos},
			{"UploadSizeLimit", testUploadSizeLimit},
			{"UploadPixelLimit", testUploadPixelLimit},
			{"UploadDedupesBlobs", testUploadDedupesBlobs},
			{"Open", testOpen},
			{"UploadOnDisk", testUploadOnDisk},
			{"UploadCancelled", testUploadCancelled},
		} {
			t.Run(tc.name, func(t *testing.T) { tc.fn(t, db) })
		}
	})
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// mustUser inserts an account and returns its ID.
func mustUser(t *testing.T, db *sqldb.DB, name string) int64 {
	t.Helper()
	var id int64
	err := db.Transact(context.Background(), func(tx *sqldb.Tx) error {
		var err error
		id, err = tx.InsertID(context.Background(), `INSERT INTO users
			(username, display_name, password_hash, password_changed_at, created_at, updated_at)
			VALUES ($1, $1, 'x', $2, $2, $2) RETURNING id`, name, tx.Now)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// assertNothingStored checks that no attachment row and no blob exist.
func (f *fixture) assertNothingStored(t *testing.T) {
	t.Helper()
	if n := countRows(t, f.db); n != f.rows || len(f.store.Keys()) != 0 {
		t.Fatalf("%d new rows and blobs %v stored, want none", n-f.rows, f.store.Keys())
	}
}

// readAll opens attachment id and reads it whole.
func (f *fixture) readAll(t *testing.T, id int64) (*Attachment, []byte) {
	t.Helper()
	a, rc, err := f.svc.Open(context.Background(), id)
	if err != nil {
		t.Fatalf("open %d: %v", id, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read %d: %v", id, err)
	}
	return a, b
}

func testUploadEachFormat(t *testing.T, db *sqldb.DB) {
	f := newFixture(t, db, Options{})
	reporter := mustUser(t, db, "reporter")
	ctx := auth.WithActor(context.Background(), &auth.Actor{UserID: reporter, Name: "reporter"})
	plainJPEG, plainPNG := mustJPEG(t, 40, 30), mustPNG(t, 20, 10)
	webpIn, webpOut := webpWithMetadata()
	for _, tc := range []struct {
		name        string
		in, stored  []byte
		keep        bool
		contentType string
		w, h        int
	}{
		{"jpeg", spliceJPEG(plainJPEG, jpegMetadata(0)), plainJPEG, false, TypeJPEG, 40, 30},
		{"jpeg kept", spliceJPEG(plainJPEG, jpegMetadata(0)), spliceJPEG(plainJPEG, jpegMetadata(0)), true, TypeJPEG, 40, 30},
		{"png", splicePNG(plainPNG, pngMetadata()...), plainPNG, false, TypePNG, 20, 10},
		{"webp", webpIn, webpOut, false, TypeWebP, 3, 2},
		{"webp kept", webpIn, webpIn, true, TypeWebP, 3, 2},
	} {
		a, err := f.svc.Upload(ctx, bytes.NewReader(tc.in), tc.keep)
		if err != nil {
			t.Fatalf("%s: upload: %v", tc.name, err)
		}
		sha := sha256Hex(tc.stored)
		want := &Attachment{
			ID: a.ID, SHA256: sha, ContentType: tc.contentType, Size: int64(len(tc.stored)),
			Width: tc.w, Height: tc.h, LocationStripped: !tc.keep, StorageKey: sha[:2] + "/" + sha[2:4] + "/" + sha,
			UploadedBy: reporter, CreatedAt: testNow,
		}
		if diff := cmp.Diff(want, a); diff != "" {
			t.Fatalf("%s: attachment (-want +got):\n%s", tc.name, diff)
		}
		found, err := f.svc.FindAttachmentByID(context.Background(), a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, found); diff != "" {
			t.Fatalf("%s: stored row (-want +got):\n%s", tc.name, diff)
		}
		opened, data := f.readAll(t, a.ID)
		if diff := cmp.Diff(want, opened); diff != "" {
			t.Fatalf("%s: opened (-want +got):\n%s", tc.name, diff)
		}
		if !bytes.Equal(data, tc.stored) {
			t.Fatalf("%s: stored bytes differ from the expected ones", tc.name)
		}
		if !tc.keep && bytes.Contains(data, []byte(secret)) {
			t.Fatalf("%s: location metadata stored", tc.name)
		}
		mustDecode(t, tc.contentType, data)
	}
}

func testUploadRejectsBadPhotos(t *testing.T, db *sqldb.DB) {
	f := newFixture(t, db, Options{})
	for name, bad := range badInputs(t) {
		for _, keep := range []bool{false, true} {
			_, err := f.svc.Upload(context.Background(), bytes.NewReader(bad.bytes), keep)
			t.Run(fmt.Sprintf("%s/keep=%v", name, keep), func(t *testing.T) { assertPhotoError(t, err, bad.msg) })
		}
	}
	f.assertNothingStored(t)
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func testUploadSizeLimit(t *testing.T, db *sqldb.DB) {
	// The default limit, 10 MiB, is enforced while reading: a 64 MiB
	// upload is abandoned one byte past the limit.
	f := newFixture(t, db, Options{})
	src := &countingReader{r: io.MultiReader(bytes.NewReader(mustJPEG(t, 8, 8)), io.LimitReader(zeros{}, 64<<20))}
	_, err := f.svc.Upload(context.Background(), src, false)
	assertPhotoError(t, err, "must not be larger than 10 MiB")
	if e := apperr.As(err); e.Msg.ZH != "照片不能超过 10 MiB" {
		t.Fatalf("Chinese message %q", e.Msg.ZH)
	}
	if src.n > DefaultMaxBytes+1 {
		t.Fatalf("read %d bytes, want at most %d", src.n, DefaultMaxBytes+1)
	}
	f.assertNothingStored(t)

	// Exactly at a limit is allowed; one byte over is not.
	j := mustJPEG(t, 16, 16)
	small := newFixture(t, db, Options{MaxBytes: int64(len(j)) - 1})
	_, err = small.svc.Upload(context.Background(), bytes.NewReader(j), true)
	assertPhotoError(t, err, "must not be larger than")
	exact := newFixture(t, db, Options{MaxBytes: int64(len(j))})
	if _, err := exact.svc.Upload(context.Background(), bytes.NewReader(j), true); err != nil {
		t.Fatalf("upload at the limit: %v", err)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func testUploadPixelLimit(t *testing.T, db *sqldb.DB) {
	f := newFixture(t, db, Options{MaxPixels: 100})
	_, err := f.svc.Upload(context.Background(), bytes.NewReader(mustPNG(t, 11, 10)), false)
	assertPhotoError(t, err, "too many pixels (11×10); the limit is 100 pixels")
	f.assertNothingStored(t)
	if _, err := f.svc.Upload(context.Background(), bytes.NewReader(mustPNG(t, 10, 10)), false); err != nil {
		t.Fatalf("10×10 under a 100-pixel limit: %v", err)
	}
}

func testUploadDedupesBlobs(t *testing.T, db *sqldb.DB) {
	f := newFixture(t, db, Options{})
	worker := mustUser(t, db, "worker")
	in := spliceJPEG(mustJPEG(t, 24, 24), jpegMetadata(6))
	anon, err := f.svc.Upload(context.Background(), bytes.NewReader(in), false)
	if err != nil {
		t.Fatal(err)
	}
	ctx := auth.WithActor(context.Background(), &auth.Actor{UserID: worker})
	again, err := f.svc.Upload(ctx, bytes.NewReader(in), false)
	if err != nil {
		t.Fatal(err)
	}
	sys, err := f.svc.Upload(auth.WithActor(context.Background(), auth.SystemActor()), bytes.NewReader(in), false)
	if err != nil {
		t.Fatal(err)
	}
	// One blob, three rows: each upload keeps its own uploader.
	if anon.ID == again.ID || again.ID == sys.ID || anon.StorageKey != again.StorageKey || again.StorageKey != sys.StorageKey {
		t.Fatalf("ids %d %d %d, keys %s %s %s", anon.ID, again.ID, sys.ID, anon.StorageKey, again.StorageKey, sys.StorageKey)
	}
	if got := f.store.Keys(); len(got) != 1 {
		t.Fatalf("blobs %v, want one", got)
	}
	if anon.UploadedBy != 0 || again.UploadedBy != worker || sys.UploadedBy != 0 {
		t.Fatalf("uploaded by %d, %d, %d; want 0, %d, 0", anon.UploadedBy, again.UploadedBy, sys.UploadedBy, worker)
	}
	// Keeping the location stores different bytes, so a second blob.
	kept, err := f.svc.Upload(ctx, bytes.NewReader(in), true)
	if err != nil {
		t.Fatal(err)
	}
	if kept.StorageKey == anon.StorageKey || len(f.store.Keys()) != 2 {
		t.Fatalf("kept upload shares the stripped blob")
	}
}

func testOpen(t *testing.T, db *sqldb.DB) {
	f := newFixture(t, db, Options{})
	ctx := context.Background()
	if _, _, err := f.svc.Open(ctx, 12345); apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("open missing: %v, want not found", err)
	}
	if _, err := f.svc.FindAttachmentByID(ctx, 12345); apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("find missing: %v, want not found", err)
	}

	a, err := f.svc.Upload(ctx, bytes.NewReader(mustPNG(t, 5, 5)), false)
	if err != nil {
		t.Fatal(err)
	}
	// A blob changed behind the database's back is caught on reading.
	if err := f.store.Put(ctx, a.StorageKey, bytes.NewReader(mustPNG(t, 6, 6))); err != nil {
		t.Fatal(err)
	}
	_, rc, err := f.svc.Open(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(rc); !errors.Is(err, errChecksum) {
		t.Fatalf("reading a changed blob: %v, want a checksum error", err)
	}
	rc.Close()
	// A missing blob is an error, not an empty photo.
	if err := f.store.Delete(ctx, a.StorageKey); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.Open(ctx, a.ID); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("open with the blob gone: %v", err)
	}
}

func testUploadOnDisk(t *testing.T, db *sqldb.DB) {
	store, err := NewDiskStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	svc := NewService(db, store, Options{})
	with, want := webpWithMetadata()
	a, err := svc.Upload(context.Background(), bytes.NewReader(with), false)
	if err != nil {
		t.Fatal(err)
	}
	_, rc, err := svc.Open(context.Background(), a.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	got, err := io.ReadAll(rc)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("read back %d bytes, err %v", len(got), err)
	}
}

// A cancelled request stores nothing.
func testUploadCancelled(t *testing.T, db *sqldb.DB) {
	f := newFixture(t, db, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := f.svc.Upload(ctx, bytes.NewReader(mustPNG(t, 4, 4)), false); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	f.assertNothingStored(t)
}

func BenchmarkUpload(b *testing.B) {
	db := sqldbtest.SQLite(b, sqldbtest.Options{})
	store, err := NewDiskStore(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	svc := NewService(db, store, Options{})
	// A comment segment (kept by stripping) holds a counter, so that each
	// upload is a new blob and the benchmark measures real writes.
	meta := append(jpegMetadata(6), jpegSegment(0xFE, make([]byte, 8))...)
	in := spliceJPEG(mustJPEG(b, 1600, 1200), meta)
	counter := in[2+len(meta)-8 : 2+len(meta)]
	b.SetBytes(int64(len(in)))
	var i uint64
	for b.Loop() {
		i++
		binary.BigEndian.PutUint64(counter, i)
		if _, err := svc.Upload(context.Background(), bytes.NewReader(in), false); err != nil {
			b.Fatal(err)
		}
	}
}
