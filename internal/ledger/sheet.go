package ledger

import "github.com/xuri/excelize/v2"

// addSheet adds a sheet called name to f. The first one takes over the
// blank sheet a new file starts with, so that no empty sheet is left
// before the data.
func addSheet(f *excelize.File, first bool, name string) error {
	if first {
		return f.SetSheetName(f.GetSheetName(0), name)
	}
	_, err := f.NewSheet(name)
	return err
}
