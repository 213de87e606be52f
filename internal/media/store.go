package media

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
)

// Store keeps blobs under keys. Keys name content (see Key): the same key
// always means the same bytes, so a store may keep a blob it already holds
// instead of writing it again. Implementations must be safe for concurrent
// use, and a blob must be visible under its key only once it is complete.
type Store interface {
	// Put stores everything read from r under key. It returns r's error if
	// reading fails, and nothing is then visible under key.
	Put(ctx context.Context, key string, r io.Reader) error
	// Open returns the blob under key; the error satisfies
	// errors.Is(err, fs.ErrNotExist) when there is none.
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	// Delete removes the blob under key; deleting a missing key is not an
	// error.
	Delete(ctx context.Context, key string) error
}

// Key returns the storage key of content with the given lower-case hex
// SHA-256: "ab/cd/abcd…", two levels of fan-out so that no directory of a
// disk store grows past 65,536 entries before the third level.
func Key(sha256Hex string) string {
	return sha256Hex[:2] + "/" + sha256Hex[2:4] + "/" + sha256Hex
}

// errBadKey is returned for keys a store refuses.
var errBadKey = errors.New("media: invalid storage key")

// checkKey accepts relative slash-separated keys of lower-case letters,
// digits, '.', '_' and '-', with no empty, "." or ".." element, outside the
// stores' private "tmp" area.
func checkKey(key string) error {
	if key == "" || len(key) > 255 || path.Clean(key) != key || strings.HasPrefix(key, "/") ||
		key == tempDir || strings.HasPrefix(key, tempDir+"/") {
		return fmt.Errorf("%w: %q", errBadKey, key)
	}
	for _, el := range strings.Split(key, "/") {
		if el == "." || el == ".." {
			return fmt.Errorf("%w: %q", errBadKey, key)
		}
	}
	for _, c := range key {
		ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-' || c == '/'
		if !ok {
			return fmt.Errorf("%w: %q", errBadKey, key)
		}
	}
	return nil
}

// ctxReader stops a copy when its context is cancelled, so a slow client
// upload does not outlive its request.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
