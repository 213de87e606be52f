package media

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func mustDiskStore(t *testing.T, dir string) *DiskStore {
	t.Helper()
	d, err := NewDiskStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// tempFiles lists the store's temporary files.
func tempFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(dir, tempDir))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func mode(t *testing.T, path string) fs.FileMode {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return info.Mode().Perm()
}

func TestDiskStoreRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "blobs")
	d := mustDiskStore(t, dir)
	ctx := context.Background()
	data := mustPNG(t, 7, 7)
	key := Key(sha256Hex(data))
	if err := d.Put(ctx, key, bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	rc, err := d.Open(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read back %d bytes, err %v", len(got), err)
	}
	// Photos are personal data: owner-only directories and files.
	for _, p := range []string{dir, filepath.Join(dir, tempDir), filepath.Join(dir, key[:2]), filepath.Join(dir, key[:5])} {
		if m := mode(t, p); m != 0o700 {
			t.Errorf("%s: mode %o, want 700", p, m)
		}
	}
	if m := mode(t, filepath.Join(dir, key)); m != 0o600 {
		t.Errorf("blob mode %o, want 600", m)
	}
	if names := tempFiles(t, dir); len(names) != 0 {
		t.Fatalf("temporary files left: %v", names)
	}

	// Keys name content: a second Put of a present key does not read r.
	if err := d.Put(ctx, key, failingReader{t}); err != nil {
		t.Fatal(err)
	}

	if err := d.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Open(ctx, key); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("open after delete: %v, want not-exist", err)
	}
	if err := d.Delete(ctx, key); err != nil {
		t.Fatalf("deleting a missing key: %v", err)
	}
}

// failingReader fails the test if read.
type failingReader struct{ t *testing.T }

func (f failingReader) Read([]byte) (int, error) {
	f.t.Error("reader was read")
	return 0, io.EOF
}

// TestDiskStoreNeverShowsPartialBlobs holds a Put half-way through its
// write: the final key must not exist until the write is complete, only a
// temporary file; and a write that fails leaves neither.
func TestDiskStoreNeverShowsPartialBlobs(t *testing.T) {
	dir := t.TempDir()
	d := mustDiskStore(t, dir)
	ctx := context.Background()
	data := bytes.Repeat([]byte("photo bytes "), 10000)
	key := Key(sha256Hex(data))
	final := filepath.Join(dir, key)

	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- d.Put(ctx, key, pr) }()
	if _, err := pw.Write(data[:len(data)/2]); err != nil {
		t.Fatal(err)
	}
	// Put has consumed half the data, so its temporary file exists.
	if _, err := os.Stat(final); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("final key visible mid-write: %v", err)
	}
	if names := tempFiles(t, dir); len(names) != 1 {
		t.Fatalf("temporary files mid-write: %v, want one", names)
	}
	if _, err := pw.Write(data[len(data)/2:]); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(final); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("final blob: %d bytes, err %v", len(got), err)
	}
	if names := tempFiles(t, dir); len(names) != 0 {
		t.Fatalf("temporary files after Put: %v", names)
	}

	// The client goes away mid-upload: an error, nothing under the key,
	// no temporary file.
	broken := io.MultiReader(bytes.NewReader(data[:100]), errReader{io.ErrUnexpectedEOF})
	other := Key(sha256Hex([]byte("other")))
	if err := d.Put(ctx, other, broken); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("put from a broken reader: %v", err)
	}
	if _, err := d.Open(ctx, other); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("broken put visible: %v", err)
	}
	if names := tempFiles(t, dir); len(names) != 0 {
		t.Fatalf("temporary files after a failed Put: %v", names)
	}

	// So does a cancelled request.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := d.Put(cctx, other, bytes.NewReader(data)); !errors.Is(err, context.Canceled) {
		t.Fatalf("put with a cancelled context: %v", err)
	}
	if _, err := d.Open(ctx, other); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("cancelled put visible: %v", err)
	}
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// TestDiskStoreSweepsStaleTempFiles: a process killed mid-write leaves a
// temporary file; the next start removes it once it is old enough not to
// belong to a live writer.
func TestDiskStoreSweepsStaleTempFiles(t *testing.T) {
	dir := t.TempDir()
	mustDiskStore(t, dir).Close()
	stale := filepath.Join(dir, tempDir, "put-stale")
	fresh := filepath.Join(dir, tempDir, "put-fresh")
	for _, p := range []string{stale, fresh} {
		if err := os.WriteFile(p, []byte("half a photo"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-2 * staleTemp)
	if err := os.Chtimes(stale, old, old); err != nil {
		t.Fatal(err)
	}
	mustDiskStore(t, dir)
	if names := tempFiles(t, dir); len(names) != 1 || names[0] != "put-fresh" {
		t.Fatalf("temporary files after restart: %v, want only put-fresh", names)
	}
}

func TestStoreKeys(t *testing.T) {
	d := mustDiskStore(t, t.TempDir())
	m := NewMemStore()
	ctx := context.Background()
	for _, key := range []string{"", "/etc/passwd", "../escape", "ab/../../escape", "ab//cd", "ab/./cd", "AB/cd", "ab/cd/", "tmp", "tmp/put-x", "ab/cd\x00"} {
		if err := d.Put(ctx, key, bytes.NewReader([]byte("x"))); !errors.Is(err, errBadKey) {
			t.Errorf("disk put %q: %v, want a bad-key error", key, err)
		}
		if _, err := d.Open(ctx, key); !errors.Is(err, errBadKey) {
			t.Errorf("disk open %q: %v, want a bad-key error", key, err)
		}
		if err := d.Delete(ctx, key); !errors.Is(err, errBadKey) {
			t.Errorf("disk delete %q: %v, want a bad-key error", key, err)
		}
		if err := m.Put(ctx, key, bytes.NewReader([]byte("x"))); !errors.Is(err, errBadKey) {
			t.Errorf("memory put %q: %v, want a bad-key error", key, err)
		}
	}
	sum := sha256Hex([]byte("x"))
	if got, want := Key(sum), sum[:2]+"/"+sum[2:4]+"/"+sum; got != want || checkKey(got) != nil {
		t.Fatalf("Key = %q, want %q and valid", got, want)
	}
}

// Several requests storing the same photo at once all succeed and leave one
// whole blob.
func TestDiskStoreConcurrentPuts(t *testing.T) {
	dir := t.TempDir()
	d := mustDiskStore(t, dir)
	data := mustJPEG(t, 32, 32)
	key := Key(sha256Hex(data))
	errs := make(chan error, 8)
	for range 8 {
		go func() { errs <- d.Put(context.Background(), key, bytes.NewReader(data)) }()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if got, err := os.ReadFile(filepath.Join(dir, key)); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("blob: %d bytes, err %v", len(got), err)
	}
	if names := tempFiles(t, dir); len(names) != 0 {
		t.Fatalf("temporary files left: %v", names)
	}
}
