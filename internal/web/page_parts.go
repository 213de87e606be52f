package web

import (
	"strconv"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/cases"
)

// fieldRef is one form field for the "field-error" partial.
type fieldRef struct {
	Name  string // the field's name, also the stem of its error's id ("title-err")
	Error string // the error shown beside it, "" for none
}

// Field returns a form field for the "field-error" partial:
// {{template "field-error" (.Field "title")}}.
func (p Page) Field(name string) fieldRef { return fieldRef{Name: name, Error: p.Errors[name]} }

// In returns a domain's bilingual text in the page's language.
func (p Page) In(t apperr.Text) string { return t.In(p.Lang) }

// stateBadge is a case state for the "state" partial.
type stateBadge struct{ Code, Label string }

// State returns a case state for the "state" partial:
// {{template "state" ($.State .State)}}.
func (p Page) State(s cases.State) stateBadge {
	return stateBadge{Code: string(s), Label: s.Label().In(p.Lang)}
}

// lightBadge is a traffic light for the "light" partial.
type lightBadge struct{ Code, Label string }

// Light returns a traffic light for the "light" partial (nothing is shown
// for a case with no running step).
func (p Page) Light(l cases.Light) lightBadge {
	if l == cases.LightNone {
		return lightBadge{}
	}
	return lightBadge{Code: string(l), Label: p.T("light." + string(l))}
}

// Role names a role ("grid_worker", and "system" or "anonymous" on events)
// in the page's language.
func (p Page) Role(role string) string {
	key := "role." + role
	if p.v.cat.has(key) {
		return p.T(key)
	}
	return role
}

// timelineStep is one row of the "timeline" partial.
type timelineStep struct {
	ISO, When string
	Label     string
	By        string   // the kind of worker, never a name
	Note      string   // feedback, reasons, the rating's comment
	Photos    []string // photo URLs, only for viewers who may see them
}

// timelineView is the data of the "timeline" partial.
type timelineView struct {
	Steps    []timelineStep
	PhotoAlt string
}

// Timeline prepares a case's timeline for the "timeline" partial. withNotes
// and withPhotos say whether the viewer may see the notes and the photos
// (the reporter may; the public page shows steps and dates only).
func (p Page) Timeline(es []cases.TimelineEntry, withNotes, withPhotos bool) timelineView {
	v := timelineView{PhotoAlt: p.T("case.photo_alt")}
	for _, e := range es {
		label := e.Label
		if p.Lang == "en" {
			label = e.LabelEN
		}
		st := timelineStep{ISO: e.At.UTC().Format(time.RFC3339), When: p.Time(e.At), Label: label}
		if e.By != "" && e.By != "system" {
			st.By = p.Role(e.By)
		}
		if withNotes {
			st.Note = e.Note
		}
		if withPhotos {
			for _, id := range e.Attachments {
				st.Photos = append(st.Photos, "/api/v1/photos/"+strconv.FormatInt(id, 10))
			}
		}
		v.Steps = append(v.Steps, st)
	}
	return v
}
