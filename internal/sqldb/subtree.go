package sqldb

import (
	"fmt"
	"strings"
)

// Subtree returns a SQL condition true for rows whose materialised-path
// column col ("/1/4/17/") lies in any of the subtrees rooted at paths, and
// its arguments, numbered from $next. It uses ranges rather than LIKE so
// that an ordinary index on col serves it on both engines (PostgreSQL path
// columns are declared COLLATE "C"). No paths yields a condition that is
// always false.
func Subtree(col string, paths []string, next int) (string, []any) {
	if len(paths) == 0 {
		return "1 = 0", nil
	}
	parts := make([]string, 0, len(paths))
	args := make([]any, 0, 2*len(paths))
	for _, p := range paths {
		parts = append(parts, fmt.Sprintf("(%s >= $%d AND %s < $%d)", col, next, col, next+1))
		args = append(args, p, PathUpperBound(p))
		next += 2
	}
	return "(" + strings.Join(parts, " OR ") + ")", args
}

// PathUpperBound returns the smallest string greater than every path that
// starts with p, for p ending in "/": the trailing "/" becomes "0", the next
// byte up.
func PathUpperBound(p string) string {
	if p == "" {
		return "\xff"
	}
	return p[:len(p)-1] + string(p[len(p)-1]+1)
}
