package category

import (
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/calendar"
)

// The kinds of category (Category.Kind). A sub-category has its parent's kind.
const (
	KindComponent     = "component"      // 部件: a managed object (manhole cover, street light …)
	KindEvent         = "event"          // 事件: a happening in the city (rubbish, illegal parking, emergencies …)
	KindSocial        = "social"         // 综治: disputes, hazards, special groups, livelihood services
	KindHotline       = "hotline"        // 热线: the 12345 hotline's subject classes
	KindRequestNature = "request_nature" // 诉求性质: consultation, help, complaint, report, suggestion, thanks
)

// Kinds lists the kinds in a stable order.
var Kinds = []string{KindComponent, KindEvent, KindSocial, KindHotline, KindRequestNature}

// ValidKind reports whether k is one of Kinds.
func ValidKind(k string) bool {
	for _, x := range Kinds {
		if x == k {
			return true
		}
	}
	return false
}

// KindLabel names a kind for people.
func KindLabel(k string) apperr.Text {
	switch k {
	case KindComponent:
		return apperr.Text{ZH: "部件", EN: "component"}
	case KindEvent:
		return apperr.Text{ZH: "事件", EN: "event"}
	case KindSocial:
		return apperr.Text{ZH: "综治", EN: "social governance"}
	case KindHotline:
		return apperr.Text{ZH: "热线", EN: "hotline"}
	case KindRequestNature:
		return apperr.Text{ZH: "诉求性质", EN: "nature of request"}
	}
	return apperr.Text{ZH: k, EN: k}
}

// Category is an entry of the dictionary.
type Category struct {
	Code       string // e.g. "E06010"; local rows start with "L"
	ParentCode string // "" for a top-level class
	Kind       string // one of Kinds
	NameZH     string
	NameEN     string
	// FilingCondition (立案条件) says when a report becomes a case of this
	// category; ClosingCondition (结案条件) when it may be closed.
	FilingCondition  string
	ClosingCondition string
	// DepartmentName (处置部门) is the name of the department responsible,
	// matched against Department.Name by DepartmentFor.
	DepartmentName string
	// HandleLimit is the default limit of the handle step at normal urgency,
	// UrgentLimit at urgent; nil when the row has none (see LimitFor).
	HandleLimit *calendar.Limit
	UrgentLimit *calendar.Limit
	Source      string // what the row rests on
	Local       bool   // this deployment's own row, not the standard's
	Active      bool   // false once retired: kept for the cases that use it
	Icon        string // one of Icons' names, "" for the pickers' default
	// EditedAt is when an administrator last changed the row (nil for rows
	// as seeded); SeedDefaults leaves edited rows alone.
	EditedAt  *time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
}

// CategoryInput creates a category. HandleLimit and UrgentLimit are limits
// as text ("6h", "4wh", "15wd"; "" for none). New categories are active.
type CategoryInput struct {
	Code             string
	ParentCode       string
	Kind             string
	NameZH           string
	NameEN           string
	FilingCondition  string
	ClosingCondition string
	DepartmentName   string
	HandleLimit      string
	UrgentLimit      string
	Source           string
	Local            bool
	Icon             string
}

// CategoryUpdate changes a category; nil fields stay as they are, "" clears
// a text or a limit. Code, kind and the local flag do not change: a
// different code is a different category.
type CategoryUpdate struct {
	ParentCode       *string
	NameZH           *string
	NameEN           *string
	FilingCondition  *string
	ClosingCondition *string
	DepartmentName   *string
	HandleLimit      *string
	UrgentLimit      *string
	Source           *string
	Active           *bool
	Icon             *string
}

// CategoryFilter selects categories; nil fields do not filter.
type CategoryFilter struct {
	Kind       *string
	ParentCode *string // "" selects the top-level classes
	Active     *bool
	Local      *bool
	Search     *string // part of the code or of either name
	Offset     int
	Limit      int // default 50, at most 5000 (the whole dictionary)
}

// same reports whether two categories hold the same values (timestamps
// aside): an import or a re-seed rewrites only rows that differ.
func (c *Category) same(o *Category) bool {
	return c.Code == o.Code && c.ParentCode == o.ParentCode && c.Kind == o.Kind && c.NameZH == o.NameZH &&
		c.NameEN == o.NameEN && c.FilingCondition == o.FilingCondition && c.ClosingCondition == o.ClosingCondition &&
		c.DepartmentName == o.DepartmentName && limitText(c.HandleLimit) == limitText(o.HandleLimit) &&
		limitText(c.UrgentLimit) == limitText(o.UrgentLimit) && c.Source == o.Source && c.Local == o.Local &&
		c.Active == o.Active && c.Icon == o.Icon
}

// limitText is a limit's text, "" for none.
func limitText(l *calendar.Limit) string {
	if l == nil {
		return ""
	}
	return l.String()
}

// clone returns a copy of c sharing nothing with it, for handing out
// entries of the cached snapshot.
func (c *Category) clone() *Category {
	cp := *c
	for _, l := range []**calendar.Limit{&cp.HandleLimit, &cp.UrgentLimit} {
		if *l != nil {
			v := **l
			*l = &v
		}
	}
	if cp.EditedAt != nil {
		t := *cp.EditedAt
		cp.EditedAt = &t
	}
	return &cp
}
