package ledger

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

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
	return &Importer{db: db, places: places, people: people, chunk: 2000}
}

// ImportOptions tune Import.
type ImportOptions struct {
	// GoodRowsOnly commits the good rows when some rows are bad. By default
	// one bad row anywhere rolls the whole file back. Either way every bad
	// row is reported.
	GoodRowsOnly bool
	// Progress, if set, is called with the rows done so far and total < 0
	// while the file is being read and written (the total is not known
	// until the last row is read), then once with done == total.
	Progress func(done, total int)
}

// errRollback makes Transact roll back a file that must not be applied.
var errRollback = errors.New("ledger: roll back")

// Import reads a ledger workbook from r and applies it in one transaction:
// buildings, then households, then residents. Pass 1 checks every cell's
// form; pass 2 hands the rows that passed to the services, which check the
// domain rules and the actor's permission row by row (place.write,
// resident.write) and report the bad ones. The two passes overlap: pass 1
// reads ahead while pass 2 writes what it has read. By default the
// transaction is rolled back if any row of the file is bad; with
// GoodRowsOnly the good rows are committed. A sheet whose header is
// unusable (a required column missing, a column twice, no header at all)
// stops the file before anything is written, whatever the options: its rows
// cannot be read reliably.
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
	ob, err := openWorkbook(r)
	if err != nil {
		return nil, fmt.Errorf("ledger: import: %w", err)
	}
	defer ob.Close()
	wb := ob.wb
	if ob.fatal() {
		// Read on for the other sheets' form errors and the row counts.
		if err := ob.drain(func(n int) { progress(n, -1) }); err != nil {
			return nil, fmt.Errorf("ledger: import: %w", err)
		}
		return buildReport(wb, nil, false), nil
	}
	var created map[string]int
	err = im.db.Transact(ctx, func(tx *sqldb.Tx) error {
		created = map[string]int{}
		if err := im.apply(ctx, tx, ob, created, progress); err != nil {
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
		if len(sd.errs) > 0 || len(sd.late) > 0 {
			return true
		}
	}
	return false
}

// chunk is a run of rows of one sheet that pass 1 has read and checked,
// bad ones included, in row order.
type chunk struct {
	sd   *sheetData
	recs []*record
}

// read is pass 1 as a producer: it reads the sheets in order and sends
// their rows in chunks of up to size rows until done or stop is closed.
func (ob *openedBook) read(size int, out chan<- chunk, stop <-chan struct{}) error {
	for _, sr := range ob.readers {
		recs := make([]*record, 0, size)
		for {
			rec, err := sr.next()
			if err != nil {
				return err
			}
			if rec != nil {
				recs = append(recs, rec)
			}
			if len(recs) == size || (sr.done && len(recs) > 0) {
				select {
				case out <- chunk{sd: sr.sd, recs: recs}:
				case <-stop:
					return nil
				}
				recs = make([]*record, 0, size)
			}
			if sr.done {
				break
			}
		}
	}
	return nil
}

// apply is pass 2 as the consumer of pass 1: the services check and insert
// the good rows of each chunk inside tx while pass 1 reads the next ones.
func (im *Importer) apply(ctx context.Context, tx *sqldb.Tx, ob *openedBook, created map[string]int, progress func(int, int)) (err error) {
	chunks := make(chan chunk, 2)
	stop := make(chan struct{})
	finished := make(chan struct{})
	var readErr error
	go func() {
		defer close(finished)
		defer close(chunks)
		readErr = ob.read(im.chunk, chunks, stop)
	}()
	defer func() {
		close(stop) // release the reader if pass 2 gave up early
		<-finished
	}()
	done := 0
	for c := range chunks {
		if err := im.applyChunk(ctx, tx, ob.wb, c, created); err != nil {
			return err
		}
		done += len(c.recs)
		progress(done, -1)
	}
	if readErr != nil {
		return readErr
	}
	progress(done, done)
	return nil
}

// applyChunk hands the good rows of a chunk to the service of its sheet.
// Rows whose building or household is a bad row of this file are bad for
// that reason, said plainly, rather than for a place "not found".
func (im *Importer) applyChunk(ctx context.Context, tx *sqldb.Tx, wb *workbook, c chunk, created map[string]int) error {
	sd := c.sd
	if sd.failedUp == nil {
		// The sheet above is complete: pass 1 has moved past it.
		switch sd.spec.Key {
		case SheetHouseholds:
			sd.failedUp = failedKeys(wb.sheet(SheetBuildings), "grid_code", "compound", "name")
		case SheetResidents:
			sd.failedUp = failedKeys(wb.sheet(SheetHouseholds), "grid_code", "compound", "building", "unit", "room")
		default:
			sd.failedUp = map[string]int{}
		}
	}
	good := make([]*record, 0, len(c.recs))
	for _, rec := range c.recs {
		if rec.Bad {
			continue
		}
		switch sd.spec.Key {
		case SheetHouseholds:
			if r, ok := sd.failedUp[sd.key(rec, "grid_code", "compound", "building")]; ok {
				sd.fail(rec, apperr.Invalidf("building", "所在楼栋（楼栋表第%d行）有错误", "its building (buildings row %d) has errors", r))
				continue
			}
		case SheetResidents:
			if r, ok := sd.failedUp[sd.key(rec, "grid_code", "compound", "building", "unit", "room")]; ok {
				sd.fail(rec, apperr.Invalidf("household", "所在房屋（房屋表第%d行）有错误", "its household (households row %d) has errors", r))
				continue
			}
		}
		good = append(good, rec)
	}
	if len(good) == 0 {
		return nil
	}
	var (
		n   int
		bad []apperr.RowError
		err error
	)
	switch sd.spec.Key {
	case SheetBuildings:
		rows := make([]territory.BuildingRow, len(good))
		for i, rec := range good {
			rows[i] = buildingRow(sd, rec)
		}
		n, bad, err = im.places.ImportBuildings(ctx, tx, rows)
	case SheetHouseholds:
		rows := make([]territory.HouseholdRow, len(good))
		for i, rec := range good {
			rows[i] = householdRow(sd, rec)
		}
		n, bad, err = im.places.ImportHouseholds(ctx, tx, rows)
	case SheetResidents:
		n, bad, err = im.importResidents(ctx, tx, sd, good)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", sd.spec.Key, err)
	}
	created[sd.spec.Key] += n
	sd.absorb(good, bad)
	// The good rows are done with: drop their cells, so that memory holds
	// the bad rows (for the error workbook) and the identities the next
	// sheet checks against, not the whole file.
	for _, rec := range good {
		if !rec.Bad {
			rec.Raw = nil
			if sd.spec.Key == SheetResidents {
				rec.Val = nil
			}
		}
	}
	return nil
}

// importResidents resolves the rows' households, then imports them.
func (im *Importer) importResidents(ctx context.Context, tx *sqldb.Tx, sd *sheetData, good []*record) (int, []apperr.RowError, error) {
	rows := make([]people.ResidentRow, len(good))
	keys := make([]territory.HouseholdKey, 0, len(good))
	seen := make(map[territory.HouseholdKey]bool, len(good))
	for i, rec := range good {
		rows[i] = residentRow(sd, rec)
		k := householdKey(rows[i])
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	refs, err := im.places.ResolveHouseholds(ctx, tx, keys)
	if err != nil {
		return 0, nil, err
	}
	// A row whose household is not found (or not visible to the actor) is
	// bad here, with the place it names; the rest go to the people service.
	byRow := make(map[int]people.HouseholdRef, len(rows))
	found := rows[:0:0]
	for i, r := range rows {
		ref, ok := refs[householdKey(r)]
		if !ok {
			sd.fail(good[i], householdNotFound(r))
			continue
		}
		byRow[r.Row] = people.HouseholdRef{ID: ref.ID, RegionPath: ref.RegionPath}
		found = append(found, r)
	}
	if len(found) == 0 {
		return 0, nil, nil
	}
	return im.people.ImportResidents(ctx, tx, found, byRow)
}

// householdNotFound says which household a resident row names.
func householdNotFound(r people.ResidentRow) *apperr.Error {
	place := strings.Join(strings.Fields(strings.Join([]string{r.Compound, r.Building, r.Unit, r.Room}, " ")), " ")
	return apperr.New(apperr.Invalid, "household",
		fmt.Sprintf("找不到房屋：网格 %s，%s；请先在房屋表中登记", r.GridCode, place),
		fmt.Sprintf("no such household: grid %s, %s; register it in the households sheet first", r.GridCode, place))
}

// absorb takes the bad rows a service reported on recs into the sheet.
func (sd *sheetData) absorb(recs []*record, bad []apperr.RowError) {
	for _, e := range bad {
		if e.Err == nil {
			e.Err = apperr.New(apperr.Invalid, "", "无效", "invalid")
		}
		rec := findRecord(recs, e.Row)
		if rec == nil {
			// Not a row of this chunk: keep the report honest anyway.
			sd.late = append(sd.late, apperr.RowError{Sheet: sd.spec.Key, Row: e.Row, Err: e.Err})
			continue
		}
		sd.fail(rec, e.Err)
	}
}

// findRecord finds row n among recs, which are in row order.
func findRecord(recs []*record, n int) *record {
	i := sort.Search(len(recs), func(i int) bool { return recs[i].Row >= n })
	if i < len(recs) && recs[i].Row == n {
		return recs[i]
	}
	return nil
}

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
