package ledger

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/people"
	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/territory"
)

// Importer applies ledger workbooks through the territory and people
// services, which own the rules and the SQL.
type Importer struct {
	db     *sqldb.DB
	places *territory.Service
	people *people.Service
	chunk  int // rows per service call; progress moves once per chunk
}

// NewImporter returns an importer writing to db through the territory
// (buildings, households) and people (residents) services.
func NewImporter(db *sqldb.DB, places *territory.Service, people *people.Service) *Importer {
	return &Importer{db: db, places: places, people: people, chunk: 5000}
}

// ImportOptions tune Import.
type ImportOptions struct {
	// GoodRowsOnly commits the good rows when some rows are bad. By default
	// one bad row anywhere rolls the whole file back. Either way every bad
	// row is reported.
	GoodRowsOnly bool
	// Progress, if set, is called as rows are read (total < 0: not known
	// yet) and then as they are written (total: the rows of the file).
	Progress func(done, total int)
}

// errRollback makes Transact roll back a file that must not be applied.
var errRollback = errors.New("ledger: roll back")

// Import reads a ledger workbook from r and applies it in one transaction:
// buildings, then households, then residents. Pass 1 checks every cell's
// form; pass 2 hands the rows that passed to the services, which check the
// domain rules and the actor's permission row by row (place.write,
// resident.write) and report the bad ones. By default the transaction is
// rolled back if any row of the file is bad; with GoodRowsOnly the good rows
// are committed. A sheet whose header is unusable (a required column
// missing, a column twice, no header at all) stops the file before pass 2,
// whatever the options: its rows cannot be read reliably.
//
// The returned error is for a file that is not a ledger at all (Invalid),
// an actor without ledger.import anywhere (Forbidden, Unauthenticated) and
// failures of the database; bad rows are in the Report.
func (im *Importer) Import(ctx context.Context, r io.Reader, opt ImportOptions) (*Report, error) {
	if _, _, err := auth.Scoped(ctx, auth.ActLedgerImport); err != nil {
		return nil, fmt.Errorf("ledger: import: %w", err)
	}
	progress := opt.Progress
	if progress == nil {
		progress = func(int, int) {}
	}
	wb, err := readWorkbook(r, func(n int) { progress(n, -1) })
	if err != nil {
		return nil, fmt.Errorf("ledger: import: %w", err)
	}
	for _, sd := range wb.sheets {
		if sd.fatal {
			return buildReport(wb, nil, false), nil
		}
	}
	var created map[string]int
	err = im.db.Transact(ctx, func(tx *sqldb.Tx) error {
		created = map[string]int{}
		if err := im.apply(ctx, tx, wb, created, progress); err != nil {
			return err
		}
		if !opt.GoodRowsOnly && wb.hasErrors() {
			return errRollback
		}
		return nil
	})
	if err != nil && !errors.Is(err, errRollback) {
		return nil, fmt.Errorf("ledger: import: %w", err)
	}
	return buildReport(wb, created, err == nil), nil
}

// hasErrors reports whether any row of the file is bad.
func (wb *workbook) hasErrors() bool {
	for _, sd := range wb.sheets {
		if len(sd.errs) > 0 {
			return true
		}
	}
	return false
}

// apply is pass 2: the services check and insert the good rows, sheet by
// sheet and chunk by chunk, inside tx.
func (im *Importer) apply(ctx context.Context, tx *sqldb.Tx, wb *workbook, created map[string]int, progress func(int, int)) error {
	p := &pass2{total: 0, progress: progress}
	for _, sd := range wb.sheets {
		p.total += len(sd.records)
	}
	progress(0, p.total)
	if sd := wb.sheet(SheetBuildings); sd != nil {
		if err := im.applyBuildings(ctx, tx, sd, created, p); err != nil {
			return err
		}
	}
	if sd := wb.sheet(SheetHouseholds); sd != nil {
		if err := im.applyHouseholds(ctx, tx, sd, wb.sheet(SheetBuildings), created, p); err != nil {
			return err
		}
	}
	if sd := wb.sheet(SheetResidents); sd != nil {
		if err := im.applyResidents(ctx, tx, sd, wb.sheet(SheetHouseholds), created, p); err != nil {
			return err
		}
	}
	return nil
}

// pass2 counts progress over the rows of every sheet.
type pass2 struct {
	done, total int
	progress    func(int, int)
}

func (p *pass2) add(n int) {
	p.done += n
	p.progress(p.done, p.total)
}

func (im *Importer) applyBuildings(ctx context.Context, tx *sqldb.Tx, sd *sheetData, created map[string]int, p *pass2) error {
	good := sd.good()
	p.add(len(sd.records) - len(good))
	for start := 0; start < len(good); start += im.chunk {
		recs := good[start:min(start+im.chunk, len(good))]
		rows := make([]territory.BuildingRow, len(recs))
		for i, rec := range recs {
			rows[i] = buildingRow(sd, rec)
		}
		n, bad, err := im.places.ImportBuildings(ctx, tx, rows)
		if err != nil {
			return fmt.Errorf("buildings: %w", err)
		}
		created[sd.spec.Key] += n
		sd.absorb(bad)
		p.add(len(recs))
	}
	return nil
}

func (im *Importer) applyHouseholds(ctx context.Context, tx *sqldb.Tx, sd, buildings *sheetData, created map[string]int, p *pass2) error {
	// A household whose building is a bad row of this file is bad for that
	// reason, said plainly, rather than for a building "not found".
	failed := failedKeys(buildings, "grid_code", "compound", "name")
	for _, rec := range sd.good() {
		if r, ok := failed[sd.key(rec, "grid_code", "compound", "building")]; ok {
			sd.bad(rec, apperr.Invalidf("building", "所在楼栋（楼栋表第%d行）有错误", "its building (buildings row %d) has errors", r))
		}
	}
	good := sd.good()
	p.add(len(sd.records) - len(good))
	for start := 0; start < len(good); start += im.chunk {
		recs := good[start:min(start+im.chunk, len(good))]
		rows := make([]territory.HouseholdRow, len(recs))
		for i, rec := range recs {
			rows[i] = householdRow(sd, rec)
		}
		n, bad, err := im.places.ImportHouseholds(ctx, tx, rows)
		if err != nil {
			return fmt.Errorf("households: %w", err)
		}
		created[sd.spec.Key] += n
		sd.absorb(bad)
		p.add(len(recs))
	}
	return nil
}

func (im *Importer) applyResidents(ctx context.Context, tx *sqldb.Tx, sd, households *sheetData, created map[string]int, p *pass2) error {
	failed := failedKeys(households, "grid_code", "compound", "building", "unit", "room")
	for _, rec := range sd.good() {
		if r, ok := failed[sd.key(rec, "grid_code", "compound", "building", "unit", "room")]; ok {
			sd.bad(rec, apperr.Invalidf("household", "所在房屋（房屋表第%d行）有错误", "its household (households row %d) has errors", r))
		}
	}
	good := sd.good()
	p.add(len(sd.records) - len(good))
	for start := 0; start < len(good); start += im.chunk {
		recs := good[start:min(start+im.chunk, len(good))]
		rows := make([]people.ResidentRow, len(recs))
		keys := make([]territory.HouseholdKey, 0, len(recs))
		seen := make(map[territory.HouseholdKey]bool, len(recs))
		for i, rec := range recs {
			rows[i] = residentRow(sd, rec)
			k := householdKey(rows[i])
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
		refs, err := im.places.ResolveHouseholds(ctx, tx, keys)
		if err != nil {
			return fmt.Errorf("residents: %w", err)
		}
		// Rows whose household was not found get no entry: the people
		// service reports them on "household".
		byRow := make(map[int]people.HouseholdRef, len(rows))
		for _, r := range rows {
			if ref, ok := refs[householdKey(r)]; ok {
				byRow[r.Row] = people.HouseholdRef{ID: ref.ID, RegionPath: ref.RegionPath}
			}
		}
		n, bad, err := im.people.ImportResidents(ctx, tx, rows, byRow)
		if err != nil {
			return fmt.Errorf("residents: %w", err)
		}
		created[sd.spec.Key] += n
		sd.absorb(bad)
		p.add(len(recs))
	}
	return nil
}

// good returns the records that are not (yet) bad.
func (sd *sheetData) good() []*record {
	out := make([]*record, 0, len(sd.records))
	for _, rec := range sd.records {
		if !rec.Bad {
			out = append(out, rec)
		}
	}
	return out
}

// absorb takes the bad rows a service reported into the sheet.
func (sd *sheetData) absorb(bad []apperr.RowError) {
	for _, e := range bad {
		e.Sheet = sd.spec.Key
		if e.Err == nil {
			e.Err = apperr.New(apperr.Invalid, "", "无效", "invalid")
		}
		if k, ok := serviceFields[sd.spec.Key][e.Err.Field]; ok {
			c := *e.Err
			c.Field = k
			e.Err = &c
		}
		if rec := sd.record(e.Row); rec != nil {
			rec.Bad = true
		}
		sd.errs = append(sd.errs, e)
	}
}

// serviceFields maps the field names the services report to this
// package's column keys, where they differ.
var serviceFields = map[string]map[string]string{}

// key joins the normalised values of the named columns.
func (sd *sheetData) key(rec *record, cols ...string) string {
	k := ""
	for _, c := range cols {
		k += sd.val(rec, c) + "\x00"
	}
	return k
}

// failedKeys maps the identity of each bad row of sd to its row number, for
// the rows that depend on it; an identity also held by a good row (a
// duplicate's original) is not failed.
func failedKeys(sd *sheetData, cols ...string) map[string]int {
	out := map[string]int{}
	if sd == nil {
		return out
	}
	ok := map[string]bool{}
	for _, rec := range sd.records {
		if !rec.Bad {
			ok[sd.key(rec, cols...)] = true
		}
	}
	for _, rec := range sd.records {
		if k := sd.key(rec, cols...); rec.Bad && !ok[k] {
			if _, seen := out[k]; !seen {
				out[k] = rec.Row
			}
		}
	}
	return out
}
