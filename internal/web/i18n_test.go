package web

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/cases"
)

// TestCataloguesMatch: every key exists in every language, and no text is
// empty.
func TestCataloguesMatch(t *testing.T) {
	c := loadCatalog()
	for _, l := range languages {
		for _, k := range c.keys(l) {
			if !c.has(k) {
				t.Errorf("key %q is in %s but not in every catalogue", k, l)
			}
			if strings.TrimSpace(c[l][k]) == "" {
				t.Errorf("key %q is empty in %s", k, l)
			}
		}
	}
}

// keyUses finds the catalogue keys named literally: {{.T "key"}} and
// {{$.T "key"}} in templates; .T("key"), newPage(w, r, "key"),
// redirect(w, r, url, "key") and msg("key") in the page code.
var keyUses = []*regexp.Regexp{
	regexp.MustCompile(`\.T "([^"]+)"`),
	regexp.MustCompile(`\.T\("([^"]+)"[,)]`),
	regexp.MustCompile(`newPage\(w, r, "([^"]+)"\)`),
	regexp.MustCompile(`redirect\([^)]*, "([a-z_]+\.[a-z0-9_.]+)"\)`),
	regexp.MustCompile(`msg\("([^"]+)"\)`),
	regexp.MustCompile(`"(flash\.[a-z_]+)"`),
}

// TestTemplatesUseKnownKeys: templates and page code name only keys that
// exist in every catalogue, and the keys built at run time (roles, lights)
// exist too.
func TestTemplatesUseKnownKeys(t *testing.T) {
	c := loadCatalog()
	check := func(file string, text string) {
		for _, re := range keyUses {
			for _, m := range re.FindAllStringSubmatch(text, -1) {
				if !c.has(m[1]) {
					t.Errorf("%s uses key %q, missing from a catalogue", file, m[1])
				}
			}
		}
	}
	err := fs.WalkDir(templateFS, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := templateFS.ReadFile(p)
		check(p, string(b))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	goFiles, _ := filepath.Glob("page*.go")
	for _, f := range goFiles {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		check(f, string(b))
	}
	for _, r := range auth.Roles {
		if !c.has("role." + string(r)) {
			t.Errorf("no key for role %s", r)
		}
	}
	for _, k := range []string{"role.system", "role.anonymous"} {
		if !c.has(k) {
			t.Errorf("no key %s", k)
		}
	}
	for _, sat := range []cases.Satisfaction{cases.Satisfied, cases.Basic, cases.Unsatisfied} {
		if !c.has("rate." + string(sat)) {
			t.Errorf("no key for satisfaction %s", sat)
		}
	}
	for _, l := range []cases.Light{cases.LightGreen, cases.LightYellow, cases.LightRed} {
		if !c.has("light." + string(l)) {
			t.Errorf("no key for light %s", l)
		}
	}
}

// TestEveryPageRenders: every page template parses with the layout and
// names only static files that exist (loadViews panics otherwise).
func TestEveryPageRenders(t *testing.T) {
	v := loadViews(nil)
	if len(v.pages) == 0 {
		t.Fatal("no pages")
	}
	for _, name := range []string{"app.css", "app.js", "htmx.min.js", "favicon.svg"} {
		if v.assets.url(name) == "" {
			t.Errorf("no %s", name)
		}
	}
}
