package web

import (
	"embed"
	"encoding/json"
	"fmt"
	"sort"
)

//go:embed i18n/*.json
var i18nFS embed.FS

// languages are the pages' languages, the default first.
var languages = []string{"zh", "en"}

// catalog holds the pages' message catalogues: language → key → text.
// Every string a page shows comes from it; a text may hold fmt verbs
// filled by the arguments of Page.T.
type catalog map[string]map[string]string

// loadCatalog reads the embedded catalogues once, at start-up.
func loadCatalog() catalog {
	c := catalog{}
	for _, l := range languages {
		b, err := i18nFS.ReadFile("i18n/" + l + ".json")
		if err != nil {
			panic("web: message catalogue " + l + ": " + err.Error())
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			panic("web: message catalogue " + l + ": " + err.Error())
		}
		c[l] = m
	}
	return c
}

// text returns the message of key in lang, formatted with args. A missing
// key shows as the key itself (the catalogue test keeps that from
// shipping), falling back to Chinese first.
func (c catalog) text(lang, key string, args ...any) string {
	s, ok := c[lang][key]
	if !ok {
		if s, ok = c[languages[0]][key]; !ok {
			return key
		}
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// has reports whether key exists in every language.
func (c catalog) has(key string) bool {
	for _, l := range languages {
		if _, ok := c[l][key]; !ok {
			return false
		}
	}
	return true
}

// keys returns the keys of one language, sorted.
func (c catalog) keys(lang string) []string {
	out := make([]string, 0, len(c[lang]))
	for k := range c[lang] {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
