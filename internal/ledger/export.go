package ledger

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/people"
	"github.com/gridwork/gridwork/internal/territory"
	"github.com/xuri/excelize/v2"
)

// Exporter writes ledger workbooks from the territory and people services.
type Exporter struct {
	places *territory.Service
	people *people.Service
}

// NewExporter returns an exporter reading through the territory and people
// services.
func NewExporter(places *territory.Service, people *people.Service) *Exporter {
	return &Exporter{places: places, people: people}
}

// ExportOptions choose what Export writes.
type ExportOptions struct {
	// RegionID or RegionPath names the subtree to export (either is
	// enough). With neither, the system exports everything and a user the
	// one region it holds ledger.export at.
	RegionID   int64
	RegionPath string
	// Sheets lists the sheets to write, by key (SheetBuildings…) or name
	// (楼栋, Residents…); all three when empty.
	Sheets []string
	// Reveal writes full ID numbers and phones, which the people service
	// allows with resident.pii and records with Reason. Otherwise they are
	// masked, and the file cannot be imported again as it is.
	Reveal bool
	Reason string
	// Lang is the language of sheet names, column titles and labels: "en"
	// or Chinese (the default).
	Lang string
	// Progress, if set, is called with the rows written so far and
	// total < 0, then once with done == total at the end.
	Progress func(done, total int)
}

// Export streams the chosen sheets of a region subtree to w as a ledger
// workbook with the template's columns, drop-downs included, so that the
// file, once revealed, imports unchanged into an empty database. The actor
// needs ledger.export at the region, and the services' read permissions.
func (ex *Exporter) Export(ctx context.Context, w io.Writer, opt ExportOptions) error {
	id, path, err := ex.region(ctx, opt)
	if err != nil {
		return fmt.Errorf("ledger: export: %w", err)
	}
	keys, err := sheetKeys(opt.Sheets)
	if err != nil {
		return fmt.Errorf("ledger: export: %w", err)
	}
	lang := "zh"
	if opt.Lang == "en" {
		lang = "en"
	}
	progress := opt.Progress
	if progress == nil {
		progress = func(int, int) {}
	}
	f := excelize.NewFile()
	defer f.Close()
	st, err := newStyles(f)
	if err != nil {
		return err
	}
	done := 0
	for i, key := range keys {
		spec := specs[key]
		name := spec.title(lang)
		if err := addSheet(f, i == 0, name); err != nil {
			return fmt.Errorf("ledger: export: %w", err)
		}
		sw, err := startSheet(f, name, spec, lang, st)
		if err != nil {
			return fmt.Errorf("ledger: export %s: %w", key, err)
		}
		row := 1
		put := func(cells []any) error {
			row++
			for j, c := range spec.Columns {
				if s, ok := cells[j].(string); ok && textColumn(c) {
					cells[j] = excelize.Cell{StyleID: st.text, Value: s}
				}
			}
			cell, _ := excelize.CoordinatesToCellName(1, row)
			if err := sw.SetRow(cell, cells); err != nil {
				return err
			}
			if done++; done%1000 == 0 {
				progress(done, -1)
			}
			return nil
		}
		switch key {
		case SheetBuildings:
			err = ex.places.EachBuilding(ctx, id, func(b territory.BuildingRow) error { return put(buildingCells(b, lang)) })
		case SheetHouseholds:
			err = ex.places.EachHousehold(ctx, id, func(h territory.HouseholdRow) error { return put(householdCells(h, lang)) })
		case SheetResidents:
			err = ex.people.EachResident(ctx, path, opt.Reveal, opt.Reason, func(r people.ResidentRow) error { return put(residentCells(r, lang)) })
		}
		if err != nil {
			return fmt.Errorf("ledger: export %s: %w", key, err)
		}
		if err := addDropDowns(f, name, spec, lang); err != nil {
			return fmt.Errorf("ledger: export %s: %w", key, err)
		}
		if err := sw.Flush(); err != nil {
			return fmt.Errorf("ledger: export %s: %w", key, err)
		}
	}
	f.SetActiveSheet(0)
	if err := f.Write(w); err != nil {
		return fmt.Errorf("ledger: export: write: %w", err)
	}
	progress(done, done)
	return nil
}

// startSheet opens a stream writer on a data sheet and writes its column
// layout and header row.
func startSheet(f *excelize.File, name string, spec *sheetSpec, lang string, st *bookStyles) (*excelize.StreamWriter, error) {
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return nil, err
	}
	for j, c := range spec.Columns {
		if err := sw.SetColWidth(j+1, j+1, c.Width); err != nil {
			return nil, err
		}
		if textColumn(c) {
			if err := sw.SetColStyle(j+1, j+1, st.text); err != nil {
				return nil, err
			}
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return nil, err
	}
	return sw, sw.SetRow("A1", headerCells(spec, lang, st))
}

// region resolves the subtree to export and checks ledger.export there.
func (ex *Exporter) region(ctx context.Context, opt ExportOptions) (int64, string, error) {
	id, path := opt.RegionID, opt.RegionPath
	switch {
	case path == "" && id != 0:
		p, err := ex.places.PathOf(ctx, id)
		if err != nil {
			return 0, "", err
		}
		path = p
	case path != "" && id == 0:
		id = pathID(path)
		if id == 0 {
			return 0, "", apperr.Invalidf("region_path", "区域路径“%s”无效", "region path %q is not valid", path)
		}
	case path != "" && pathID(path) != id:
		// The places and the people are read by id and by path: they must
		// name the same region.
		return 0, "", apperr.Invalidf("region_path", "区域路径“%s”与区域 %d 不符", "region path %q is not that of region %d", path, id)
	case path == "" && id == 0:
		paths, all, err := auth.Scoped(ctx, auth.ActLedgerExport)
		if err != nil {
			return 0, "", err
		}
		if all {
			return 0, "", nil
		}
		if len(paths) != 1 {
			return 0, "", apperr.Invalidf("region_id", "请选择要导出的区域", "choose the region to export")
		}
		path, id = paths[0], pathID(paths[0])
	}
	if err := auth.Check(ctx, auth.ActLedgerExport, auth.Resource{RegionPath: path}); err != nil {
		return 0, "", err
	}
	return id, path, nil
}

// pathID returns the region id a materialised path ends in ("/1/4/17/" →
// 17), or 0.
func pathID(path string) int64 {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	id, err := strconv.ParseInt(parts[len(parts)-1], 10, 64)
	if err != nil || id <= 0 {
		return 0
	}
	return id
}

// sheetKeys resolves the requested sheets, in import order.
func sheetKeys(names []string) ([]string, error) {
	if len(names) == 0 {
		return allSheets, nil
	}
	want := map[string]bool{}
	for _, n := range names {
		s := specByName(n)
		if s == nil {
			return nil, apperr.Invalidf("sheets", "未知的工作表“%s”（应为楼栋、房屋或居民）", "unknown sheet %q (buildings, households or residents)", n)
		}
		want[s.Key] = true
	}
	var out []string
	for _, k := range allSheets {
		if want[k] {
			out = append(out, k)
		}
	}
	return out, nil
}
