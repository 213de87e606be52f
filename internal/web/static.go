package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
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
	ctype  string
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
			ctype: mime.TypeByExtension(ext)}
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
	w.Header().Set("Content-Type", x.ctype)
	w.Header().Set("Cache-Control", cache)
	http.ServeContent(w, r, x.name, time.Time{}, bytes.NewReader(x.body))
}
