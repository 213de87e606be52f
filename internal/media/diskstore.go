package media

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
	"time"
)

// tempDir is the folder of a DiskStore where blobs are written before they
// are renamed under their key.
const tempDir = "tmp"

// staleTemp is the age past which NewDiskStore removes a temporary file: one
// left by a process that died mid-write. Live writes take seconds at most.
const staleTemp = time.Hour

// DiskStore is a Store in a directory of the local file system. A blob is
// written to a temporary file, synced, then renamed under its key and the
// directory synced, so after a crash a key holds either its whole blob or
// nothing. Directories are created 0700 and files 0600: photos are personal
// data. All access goes through an os.Root, so no key can reach outside the
// directory.
type DiskStore struct {
	root *os.Root
}

// NewDiskStore opens (creating it if needed) the store in dir and removes
// temporary files that a crashed process left behind. Close it when done.
func NewDiskStore(dir string) (*DiskStore, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("media: create store %s: %w", dir, err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("media: open store %s: %w", dir, err)
	}
	d := &DiskStore{root: root}
	if err := root.Mkdir(tempDir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		root.Close()
		return nil, fmt.Errorf("media: create %s/%s: %w", dir, tempDir, err)
	}
	if err := d.sweep(time.Now().Add(-staleTemp)); err != nil {
		root.Close()
		return nil, err
	}
	return d, nil
}

// Close releases the store's directory handle.
func (d *DiskStore) Close() error { return d.root.Close() }

// sweep removes temporary files last modified before cutoff.
func (d *DiskStore) sweep(cutoff time.Time) error {
	entries, err := fs.ReadDir(d.root.FS(), tempDir)
	if err != nil {
		return fmt.Errorf("media: list temporary files: %w", err)
	}
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || !info.ModTime().Before(cutoff) {
			continue
		}
		if err := d.root.Remove(tempDir + "/" + e.Name()); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("media: remove stale %s: %w", e.Name(), err)
		}
	}
	return nil
}

// Put implements Store. A key already present is kept as it is and r is not
// read: keys name content.
func (d *DiskStore) Put(ctx context.Context, key string, r io.Reader) (err error) {
	if err := checkKey(key); err != nil {
		return err
	}
	if info, err := d.root.Stat(key); err == nil && info.Mode().IsRegular() {
		return nil
	}
	var rnd [12]byte
	_, _ = rand.Read(rnd[:])
	tmp := tempDir + "/put-" + hex.EncodeToString(rnd[:])
	f, err := d.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("media: put %s: %w", key, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			_ = d.root.Remove(tmp)
		}
	}()
	if _, err := io.Copy(f, ctxReader{ctx, r}); err != nil {
		return fmt.Errorf("media: put %s: %w", key, err)
	}
	// The data must be on disk before the name points at it, or a crash
	// could leave a complete-looking key over an empty or partial file.
	if err := f.Sync(); err != nil {
		return fmt.Errorf("media: put %s: sync: %w", key, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("media: put %s: close: %w", key, err)
	}
	dir := path.Dir(key)
	if err := d.mkdirs(dir); err != nil {
		return fmt.Errorf("media: put %s: %w", key, err)
	}
	if err := d.root.Rename(tmp, key); err != nil {
		return fmt.Errorf("media: put %s: rename: %w", key, err)
	}
	if err := d.syncDir(dir); err != nil {
		return fmt.Errorf("media: put %s: %w", key, err)
	}
	return nil
}

// mkdirs creates dir and its missing parents, syncing each parent after a
// child is created so that the new directory survives a crash.
func (d *DiskStore) mkdirs(dir string) error {
	if dir == "." {
		return nil
	}
	cur := ""
	for _, el := range strings.Split(dir, "/") {
		parent := cur
		if parent == "" {
			parent = "."
			cur = el
		} else {
			cur += "/" + el
		}
		err := d.root.Mkdir(cur, 0o700)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("create %s: %w", cur, err)
		}
		if err := d.syncDir(parent); err != nil {
			return err
		}
	}
	return nil
}

// syncDir makes the entries of dir (a rename, a new child) durable.
func (d *DiskStore) syncDir(dir string) error {
	f, err := d.root.Open(dir)
	if err != nil {
		return fmt.Errorf("open %s: %w", dir, err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// Open implements Store.
func (d *DiskStore) Open(_ context.Context, key string) (io.ReadCloser, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	f, err := d.root.Open(key)
	if err != nil {
		return nil, fmt.Errorf("media: open %s: %w", key, err)
	}
	return f, nil
}

// Delete implements Store.
func (d *DiskStore) Delete(_ context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if err := d.root.Remove(key); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("media: delete %s: %w", key, err)
	}
	if err := d.syncDir(path.Dir(key)); err != nil {
		return fmt.Errorf("media: delete %s: %w", key, err)
	}
	return nil
}
