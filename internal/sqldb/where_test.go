package sqldb_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/sqldb/sqldbtest"
)

func TestPage(t *testing.T) {
	for _, c := range []struct {
		limit, offset         int
		wantLimit, wantOffset int
	}{
		{0, 0, 50, 0},
		{-3, -7, 50, 0},
		{20, 40, 20, 40},
		{1000, 5, 1000, 5},
		{1001, 5, 1000, 5},
	} {
		l, o := sqldb.Page(c.limit, c.offset, 50, 1000)
		if l != c.wantLimit || o != c.wantOffset {
			t.Errorf("Page(%d, %d, 50, 1000) = %d, %d; want %d, %d", c.limit, c.offset, l, o, c.wantLimit, c.wantOffset)
		}
	}
}

// TestWhere runs a query built with every part of Where on both engines:
// numbered placeholders, an IN list, a subtree in an OR, and an escaped
// LIKE pattern.
func TestWhere(t *testing.T) {
	sqldbtest.Engines(t, sqldbtest.Options{}, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		// Path columns are compared byte by byte (COLLATE "C" on
		// PostgreSQL), as in the migrations.
		ddl := `CREATE TABLE where_test (k TEXT PRIMARY KEY)`
		if db.Dialect == sqldb.Postgres {
			ddl = `CREATE TABLE where_test (k TEXT COLLATE "C" PRIMARY KEY)`
		}
		err := db.Transact(ctx, func(tx *sqldb.Tx) error {
			if _, err := tx.Exec(ctx, ddl); err != nil {
				return err
			}
			for _, k := range []string{"/1/", "/1/4/", "/1/4/17/", "/2/", "a%b", "a_b", "axb"} {
				if _, err := tx.Exec(ctx, `INSERT INTO where_test (k) VALUES ($1)`, k); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		keys := func(w *sqldb.Where) []string {
			t.Helper()
			rows, err := db.Query(ctx, `SELECT k FROM where_test`+w.String()+` ORDER BY k`, w.Args()...)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			out := []string{}
			for rows.Next() {
				var k string
				if err := rows.Scan(&k); err != nil {
					t.Fatal(err)
				}
				out = append(out, k)
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			return out
		}

		var w sqldb.Where
		if w.String() != "" {
			t.Fatalf("empty Where = %q", w.String())
		}
		w.Add("k <> " + w.Arg("/1/"))
		w.Add("(" + w.SubtreeCond("k", []string{"/1/4/"}) + " OR k IN (" + sqldb.ArgList(&w, []string{"/1/", "/2/", "axb"}) + "))")
		if diff := cmp.Diff([]string{"/1/4/", "/1/4/17/", "/2/", "axb"}, keys(&w)); diff != "" {
			t.Errorf("subtree or list (-want +got):\n%s", diff)
		}

		w = sqldb.Where{}
		w.Add("k LIKE " + w.Arg(sqldb.LikeContains("a%")) + ` ESCAPE '\'`)
		if diff := cmp.Diff([]string{"a%b"}, keys(&w)); diff != "" {
			t.Errorf("LIKE with an escaped %% (-want +got):\n%s", diff)
		}

		w = sqldb.Where{}
		w.Scope("k", nil, true)
		if got := len(keys(&w)); got != 7 {
			t.Errorf("Scope for the system: %d rows, want 7", got)
		}
		w = sqldb.Where{}
		w.Scope("k", nil, false)
		if got := keys(&w); len(got) != 0 {
			t.Errorf("Scope with no paths: %v, want none", got)
		}
	})
}
