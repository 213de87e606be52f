package web

import (
	"context"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/cases"
	"github.com/gridwork/gridwork/internal/category"
)

// iconGlyphs draw category.Icons as emoji: every phone has a colour emoji
// font, and they cost no download. The glyph is decoration (aria-hidden);
// the category's name is the label.
var iconGlyphs = map[string]string{
	"water": "🚰", "drain": "🕳️", "heating": "♨️", "gas": "🔥", "power": "⚡", "light": "💡", "manhole": "⭕",
	"trash": "🗑️", "toilet": "🚻", "road": "🛣️", "bridge": "🌉", "traffic": "🚦", "parking": "🅿️", "car": "🚗",
	"bike": "🚲", "bus": "🚌", "sign": "🪧", "tree": "🌳", "building": "🏢", "house": "🏠", "construction": "🚧",
	"ad": "📢", "stall": "🛒", "shop": "🏪", "snow": "❄️", "cable": "🔌", "phone": "📶", "fire": "🧯",
	"warning": "⚠️", "environment": "🌫️", "noise": "🔊", "pet": "🐕", "elevator": "🛗", "dispute": "🤝",
	"police": "👮", "shield": "🛡️", "people": "👥", "health": "🏥", "school": "🏫", "money": "💰",
	"city": "🏙️", "question": "❓", "help": "🆘", "complaint": "📣", "report": "📝", "idea": "💡",
	"thanks": "👍", "other": "📌",
}

// glyph returns the emoji of an icon name, the default for "" or unknown.
func glyph(icon string) string {
	if g, ok := iconGlyphs[icon]; ok {
		return g
	}
	return iconGlyphs["other"]
}

// pickerItem is one category a resident may choose.
type pickerItem struct {
	Code, Name, Glyph string
	Search            string // what the search box matches: both names and the code, lower case
	Checked           bool   // the category chosen
}

// pickerGroup is a class of categories.
type pickerGroup struct {
	Code, Name string
	Items      []pickerItem
	Open       bool // holds the category chosen
}

// residentKinds are the kinds a resident reports in; hotline subjects are
// for 12345 transfers and request natures are no case category.
var residentKinds = []string{category.KindEvent, category.KindSocial, category.KindComponent}

// classOrder puts the classes a resident most often needs first: the
// deployment's own (emergencies, livelihood services), then social
// governance, city events, and city components.
func classRank(c *category.Category) int {
	switch {
	case c.Local:
		return 0
	case c.Kind == category.KindSocial:
		return 1
	case c.Kind == category.KindEvent:
		return 2
	}
	return 3
}

// defaultCommon are offered as the most common choices where no case has
// been reported yet (codes of the shipped local rows; missing ones are
// skipped).
var defaultCommon = []string{"LS0501", "LS0502", "LS0503", "LE0104", "LS0506", "LE0105", "LS0504", "LS0505"}

// commonCount is how many "most common" categories the picker shows.
const commonCount = 8

// picker is the category picker: the most common categories of the
// resident's community first, then every class with its categories.
type picker struct {
	Common []pickerItem
	Groups []pickerGroup
}

// buildPicker returns the picker in lang for a reporter in region (0 when
// unknown), with the category chosen marked. The dictionary is public
// reference data (FindCategories checks no permission).
func (s *Server) buildPicker(ctx context.Context, lang string, regionID int64, chosen string) (*picker, error) {
	active := true
	all, _, err := s.category.FindCategories(ctx, category.CategoryFilter{Active: &active, Limit: 5000})
	if err != nil {
		return nil, err
	}
	name := func(c *category.Category) string {
		if lang == "en" && c.NameEN != "" {
			return c.NameEN
		}
		return c.NameZH
	}
	parents := map[string]bool{}
	byCode := map[string]*category.Category{}
	for _, c := range all {
		byCode[c.Code] = c
		if c.ParentCode != "" {
			parents[c.ParentCode] = true
		}
	}
	item := func(c *category.Category) pickerItem {
		return pickerItem{Code: c.Code, Name: name(c), Glyph: glyph(c.Icon), Checked: c.Code == chosen,
			Search: strings.ToLower(c.NameZH + " " + c.NameEN + " " + c.Code)}
	}
	var classes []*category.Category
	children := map[string][]pickerItem{}
	for _, c := range all {
		if !slices.Contains(residentKinds, c.Kind) {
			continue
		}
		if c.ParentCode == "" {
			classes = append(classes, c)
			continue
		}
		if parents[c.Code] {
			continue // a class within a class: its leaves are listed
		}
		top := c
		for top.ParentCode != "" && byCode[top.ParentCode] != nil {
			top = byCode[top.ParentCode]
		}
		children[top.Code] = append(children[top.Code], item(c))
	}
	sort.SliceStable(classes, func(i, j int) bool { return classRank(classes[i]) < classRank(classes[j]) })
	p := &picker{}
	for _, c := range classes {
		items := children[c.Code]
		if len(items) == 0 {
			items = []pickerItem{item(c)} // a class without sub-categories is chosen itself
		}
		p.Groups = append(p.Groups, pickerGroup{Code: c.Code, Name: name(c), Items: items})
	}
	common := map[string]bool{}
	for _, code := range s.commonCategories(ctx, regionID) {
		if c, ok := byCode[code]; ok && c.Active && slices.Contains(residentKinds, c.Kind) && !parents[code] && len(p.Common) < commonCount {
			p.Common = append(p.Common, item(c))
			common[code] = true
		}
	}
	// A common category is listed once, on top (radio ids stay unique).
	for i := range p.Groups {
		g := &p.Groups[i]
		g.Items = slices.DeleteFunc(g.Items, func(it pickerItem) bool { return common[it.Code] })
	}
	p.Groups = slices.DeleteFunc(p.Groups, func(g pickerGroup) bool { return len(g.Items) == 0 })
	for i := range p.Groups {
		p.Groups[i].Open = slices.ContainsFunc(p.Groups[i].Items, func(it pickerItem) bool { return it.Checked })
	}
	return p, nil
}

// popularTTL is how long a community's most common categories are kept.
const popularTTL = 10 * time.Minute

// popularCache remembers the most common categories per community.
type popularCache struct {
	mu sync.Mutex
	m  map[int64]popularEntry
}

type popularEntry struct {
	codes []string
	at    time.Time
}

// commonCategories returns category codes, most reported first in the last
// 90 days in the community of regionID (read as the system: only counts
// leave this function), completed with defaultCommon.
func (s *Server) commonCategories(ctx context.Context, regionID int64) []string {
	var codes []string
	if regionID != 0 {
		if comm, err := s.communityOf(ctx, regionID); err == nil {
			codes = s.popularIn(ctx, comm.ID)
		}
	}
	for _, c := range defaultCommon {
		if !slices.Contains(codes, c) {
			codes = append(codes, c)
		}
	}
	return codes
}

func (s *Server) popularIn(ctx context.Context, communityID int64) []string {
	pc := s.views.popular
	now := s.now()
	pc.mu.Lock()
	e, ok := pc.m[communityID]
	pc.mu.Unlock()
	if ok && now.Sub(e.at) < popularTTL {
		return e.codes
	}
	from := now.Add(-90 * 24 * time.Hour)
	list, _, err := s.cases.FindCases(auth.WithActor(ctx, auth.SystemActor()), cases.CaseFilter{RegionOf: &communityID, From: &from, Limit: 500})
	if err != nil {
		s.log.WarnContext(ctx, "common categories", "err", err, "community", communityID)
		return nil
	}
	count := map[string]int{}
	for _, c := range list {
		count[c.Category]++
	}
	codes := make([]string, 0, len(count))
	for c := range count {
		codes = append(codes, c)
	}
	sort.Slice(codes, func(i, j int) bool {
		if count[codes[i]] != count[codes[j]] {
			return count[codes[i]] > count[codes[j]]
		}
		return codes[i] < codes[j]
	})
	pc.mu.Lock()
	pc.m[communityID] = popularEntry{codes: codes, at: now}
	pc.mu.Unlock()
	return codes
}
