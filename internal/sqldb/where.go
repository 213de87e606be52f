package sqldb

import (
	"fmt"
	"strings"
)

// Where builds the WHERE clause of a list query whose filters are optional,
// numbering placeholders ($1, $2 …) as arguments are added. The zero value
// is ready to use.
type Where struct {
	conds []string
	args  []any
}

// Arg adds an argument and returns its placeholder.
func (w *Where) Arg(v any) string {
	w.args = append(w.args, v)
	return fmt.Sprintf("$%d", len(w.args))
}

// Add adds a condition; conditions are joined with AND.
func (w *Where) Add(cond string) { w.conds = append(w.conds, cond) }

// Subtree adds "col lies in one of the subtrees at paths" (see Subtree);
// no paths means no rows.
func (w *Where) Subtree(col string, paths []string) { w.Add(w.SubtreeCond(col, paths)) }

// SubtreeCond adds the arguments of "col lies in one of the subtrees at
// paths" and returns the condition without adding it, for callers that
// combine it with others (an OR of scopes).
func (w *Where) SubtreeCond(col string, paths []string) string {
	cond, args := Subtree(col, paths, len(w.args)+1)
	w.args = append(w.args, args...)
	return cond
}

// Scope adds the actor's region scope on col, unless all is set (the system
// actor, whose queries need no scope): pass what auth.Scoped returned.
func (w *Where) Scope(col string, paths []string, all bool) {
	if !all {
		w.Subtree(col, paths)
	}
}

// ArgList adds each of vals as an argument of w and returns their
// placeholders, comma-separated, for an IN (…) list or a VALUES row. (A
// function rather than a method, since methods cannot take type
// parameters.)
func ArgList[V any](w *Where, vals []V) string {
	ph := make([]string, len(vals))
	for i, v := range vals {
		ph[i] = w.Arg(v)
	}
	return strings.Join(ph, ", ")
}

// Args returns the arguments in placeholder order.
func (w *Where) Args() []any { return w.args }

// String returns " WHERE …", or "" when there is no condition.
func (w *Where) String() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// LikeContains returns a LIKE pattern matching s anywhere, its wildcards
// escaped; the query must say ESCAPE '\'.
func LikeContains(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(s) + "%"
}

// Page returns the limit and offset of a list query: def when limit is not
// positive, never more than maxLimit (one request must not read a whole
// table), and an offset of at least 0.
func Page(limit, offset, def, maxLimit int) (int, int) {
	if limit <= 0 {
		limit = def
	}
	return min(limit, maxLimit), max(offset, 0)
}
