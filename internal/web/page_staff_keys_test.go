package web

import (
	"testing"

	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/cases"
	"github.com/gridwork/gridwork/internal/territory"
)

// TestStaffKeysBuiltAtRunTime: the consoles' catalogue keys that templates
// build from values (channels, supervision levels, notes per action, code
// hints per level, scope kinds, category fields, patrol boxes) exist in
// every catalogue; TestTemplatesUseKnownKeys sees only literal keys.
func TestStaffKeysBuiltAtRunTime(t *testing.T) {
	c := loadCatalog()
	var keys []string
	for _, ch := range cases.Channels {
		keys = append(keys, "staff.channel_"+string(ch))
	}
	for _, l := range []cases.Supervision{cases.SuperviseNormal, cases.SuperviseYellow, cases.SuperviseRed} {
		keys = append(keys, "dispatch.level_"+string(l))
	}
	for _, tr := range cases.Machine() {
		for _, n := range tr.Needs {
			if n == cases.NeedNote && tr.Who != cases.WhoReporter {
				keys = append(keys, "staff.note_"+string(tr.Action))
			}
		}
	}
	for _, l := range territory.Levels {
		if cl := childLevel(l); cl != "" {
			keys = append(keys, "admin.code_hint_"+string(cl))
		}
	}
	for _, k := range []auth.ScopeKind{auth.ScopeRegion, auth.ScopeParty, auth.ScopeSelf} {
		keys = append(keys, "admin.scope_"+string(k))
	}
	for _, f := range (categoryPage{}).TextFields() {
		keys = append(keys, "admin.cat_"+f)
	}
	keys = append(keys, "admin.cat_icon")
	for _, f := range (patrolPage{}).ItemBoxes() {
		keys = append(keys, "worker."+f)
	}
	for _, k := range keys {
		if !c.has(k) {
			t.Errorf("no key %s", k)
		}
	}
}
