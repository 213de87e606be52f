package category

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"sort"

	"github.com/gridwork/gridwork/internal/sqldb"
)

// seedFiles are the seed dictionary: categories.csv, a copy of the shared
// seed (standard C and E codes as transcribed, unverified, and Gridwork's own
// S and N codes; see the package documentation and
// ../shared/data/categories.md), and local.csv, Gridwork's local demo rows.
//
//go:embed data/categories.csv data/local.csv
var seedFiles embed.FS

// seedSet is the parsed seed: its rows parents first, and the codes of the
// standard file, which local rows may not take.
type seedSet struct {
	rows  []*Category
	std   map[string]bool
	codes map[string]bool // every seed code
}

// loadSeed parses and checks the embedded seed files.
func loadSeed() (*seedSet, error) {
	s := &seedSet{std: map[string]bool{}}
	stdRows, err := seedRows("data/categories.csv")
	if err != nil {
		return nil, err
	}
	for _, r := range stdRows {
		s.std[normCode(r.cells[fCode])] = true
	}
	localRows, err := seedRows("data/local.csv")
	if err != nil {
		return nil, err
	}
	var all []*Category
	for i, r := range append(stdRows, localRows...) {
		c, errs := fromRow(r, nil, s.std)
		if len(errs) > 0 {
			return nil, fmt.Errorf("category: seed row %d (%s): %w", r.n, r.cells[fCode], errs)
		}
		if i < len(stdRows) {
			// The standard file has no icon column: pick one from the names.
			c.Icon = standardIcon(c.Code, c.ParentCode, c.NameZH)
		}
		all = append(all, c)
	}
	d := newDict(all)
	if len(d.byCode) != len(all) {
		return nil, fmt.Errorf("category: seed has %d rows but %d distinct codes", len(all), len(d.byCode))
	}
	for _, c := range all {
		if errs := d.checkTree(c); len(errs) > 0 {
			return nil, fmt.Errorf("category: seed row %s: %w", c.Code, errs)
		}
	}
	s.rows = byDepth(d, all)
	s.codes = make(map[string]bool, len(all))
	for _, c := range all {
		s.codes[c.Code] = true
	}
	return s, nil
}

// seedRows reads one embedded seed file.
func seedRows(name string) ([]csvRow, error) {
	b, err := seedFiles.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("category: seed %s: %w", name, err)
	}
	rows, bad, err := readCSV(bytes.NewReader(b))
	if err == nil && len(bad) > 0 {
		err = bad[0]
	}
	if err != nil {
		return nil, fmt.Errorf("category: seed %s: %w", name, err)
	}
	return rows, nil
}

// byDepth orders categories parents first (then by code), the order in
// which they can be inserted under the foreign key on parent_code.
func byDepth(d *dict, cs []*Category) []*Category {
	out := append([]*Category(nil), cs...)
	depth := make(map[string]int, len(out))
	for _, c := range out {
		depth[c.Code] = d.depth(c)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if depth[out[i].Code] != depth[out[j].Code] {
			return depth[out[i].Code] < depth[out[j].Code]
		}
		return out[i].Code < out[j].Code
	})
	return out
}

// SeedResult counts what SeedDefaults wrote.
type SeedResult struct {
	Created int // seed rows that were missing
	Updated int // rows as seeded earlier, brought up to the current seed
	Kept    int // rows an administrator has edited, left alone
}

// SeedDefaults writes the embedded seed dictionary: it inserts the rows
// that are missing and brings rows as seeded earlier (never edited by an
// administrator) up to the current seed; rows an administrator has edited,
// retired or imported are left alone. It is idempotent: a second run writes
// nothing. A new seed row under a category an administrator retired is
// inserted retired. Needs the system or region.write at a county or above.
func (s *Service) SeedDefaults(ctx context.Context) (SeedResult, error) {
	var res SeedResult
	err := s.db.Transact(ctx, func(tx *sqldb.Tx) error {
		res = SeedResult{}
		if err := checkDictionaryWrite(ctx, tx); err != nil {
			return err
		}
		s.dropAfterCommit(tx)
		stored, err := allCategories(ctx, tx)
		if err != nil {
			return err
		}
		d := newDict(stored)
		for _, sc := range s.seed.rows {
			c := *sc
			old := d.byCode[c.Code]
			switch {
			case old == nil:
				if p := d.byCode[c.ParentCode]; p != nil && !p.Active {
					c.Active = false
				}
				c.CreatedAt, c.UpdatedAt = tx.Now, tx.Now
				if err := insertCategory(ctx, tx, &c); err != nil {
					return err
				}
				d.put(&c)
				res.Created++
			case old.EditedAt != nil:
				res.Kept++
			case !old.same(&c):
				c.CreatedAt, c.UpdatedAt = old.CreatedAt, tx.Now
				if err := updateCategory(ctx, tx, &c); err != nil {
					return err
				}
				d.put(&c)
				res.Updated++
			}
		}
		return nil
	})
	if err != nil {
		return SeedResult{}, fmt.Errorf("category: seed defaults: %w", err)
	}
	return res, nil
}

// SeedCodes returns the codes of the embedded seed, standard rows first,
// each group parents first (for tests and the demo generator).
func (s *Service) SeedCodes() (standard, local []string) {
	for _, c := range s.seed.rows {
		if c.Local {
			local = append(local, c.Code)
		} else {
			standard = append(standard, c.Code)
		}
	}
	return standard, local
}
