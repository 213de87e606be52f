package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"
)

//go:embed static
var staticFS embed.FS

// asset is one embedded static file.
type asset struct {
	name   string // "app.css"
	hashed string // "app.3f2a9c1b7d.css"
	body   []byte
	gz     []byte // body gzipped, nil when that does not make it smaller
	ctype  string
	etag   string
}

// assets are the embedded static files, addressed by content-hashed names
// so that they can be cached for a year: a changed file gets a new name.
type assets struct {
	byName   map[string]*asset // by plain name
	byHashed map[string]*asset // by hashed name
}

// loadAssets reads and hashes the embedded static files once, at start-up.
func loadAssets() *assets {
	a := &assets{byName: map[string]*asset{}, byHashed: map[string]*asset{}}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(p, "static/")
		sum := sha256.Sum256(body)
		ext := path.Ext(name)
		x := &asset{name: name, body: body, hashed: strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:5]) + ext,
			ctype: mime.TypeByExtension(ext), etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
		if gz := gzipped(body); len(gz) < len(body)*9/10 {
			x.gz = gz
		}
		if x.ctype == "" {
			x.ctype = http.DetectContentType(body)
		}
		a.byName[name], a.byHashed[x.hashed] = x, x
		return nil
	})
	if err != nil {
		panic("web: embedded static files: " + err.Error())
	}
	return a
}

// url returns the content-hashed URL of a static file; an unknown name
// panics at the first render, which the template tests catch.
func (a *assets) url(name string) string {
	x, ok := a.byName[name]
	if !ok {
		panic("web: no static file " + name)
	}
	return "/static/" + x.hashed
}

// handleStatic serves /static/{file}: hashed names for a year, plain names
// (for tools and old links) revalidated each time.
func (s *Server) handleStatic(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	x, ok := s.views.assets.byHashed[name]
	cache := "public, max-age=31536000, immutable"
	if !ok {
		if x, ok = s.views.assets.byName[name]; !ok {
			http.NotFound(w, r)
			return
		}
		cache = "no-cache"
	}
	h := w.Header()
	h.Set("Content-Type", x.ctype)
	h.Set("Cache-Control", cache)
	h.Set("ETag", x.etag)
	if x.gz != nil {
		h.Set("Vary", "Accept-Encoding")
		if acceptsGzip(r) && r.Header.Get("Range") == "" {
			if r.Header.Get("If-None-Match") == x.etag {
				w.WriteHeader(http.StatusNotModified)
				return
			}
			h.Set("Content-Encoding", "gzip")
			h.Set("Content-Length", strconv.Itoa(len(x.gz)))
			if r.Method != http.MethodHead {
				_, _ = w.Write(x.gz)
			}
			return
		}
	}
	http.ServeContent(w, r, x.name, time.Time{}, bytes.NewReader(x.body))
}

// gzipped returns b compressed; pages and static files are text that
// shrinks to a fifth, which a phone on a slow network feels.
func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = zw.Write(b)
	_ = zw.Close()
	return buf.Bytes()
}

// acceptsGzip reports whether the client takes gzip.
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") && strings.ReplaceAll(q, " ", "") != "q=0" {
			return true
		}
	}
	return false
}
