package web

import (
	"bytes"
	"net/http"
	"strings"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/ledger"
)

// maxLedgerUpload bounds an uploaded workbook.
const maxLedgerUpload = 64 << 20

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

func (s *Server) handleLedgerTemplate(w http.ResponseWriter, r *http.Request) error {
	var buf bytes.Buffer
	if err := ledger.WriteTemplate(&buf, langOf(r)); err != nil {
		return err
	}
	w.Header().Set("Content-Type", xlsxType)
	w.Header().Set("Content-Disposition", `attachment; filename="gridwork-ledger-template.xlsx"`)
	_, err := w.Write(buf.Bytes())
	return err
}

// ledgerReportJSON is the outcome of an import: every bad row, and whether
// anything was written.
type ledgerReportJSON struct {
	Applied bool              `json:"applied"`
	Sheets  []ledgerSheetJSON `json:"sheets"`
	Errors  []ledgerRowJSON   `json:"errors"`
}

type ledgerSheetJSON struct {
	Name    string `json:"name"`
	Rows    int    `json:"rows"`
	Created int    `json:"created"`
}

type ledgerRowJSON struct {
	Sheet   string `json:"sheet"`
	Row     int    `json:"row"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

// handleLedgerImport takes a multipart upload (field "file"; form value
// good_rows_only=true to apply the good rows when some are bad). The answer
// is 200 with the report when the file was applied, 422 with the report when
// bad rows stopped it.
func (s *Server) handleLedgerImport(w http.ResponseWriter, r *http.Request) error {
	if _, _, err := auth.Scoped(r.Context(), auth.ActLedgerImport); err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxLedgerUpload)
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		return apperr.Invalidf("file", "上传失败或文件超过 64 MB", "the upload failed or the file is larger than 64 MB")
	}
	defer r.MultipartForm.RemoveAll()
	f, hdr, err := r.FormFile("file")
	if err != nil {
		return apperr.Invalidf("file", "请选择要导入的 .xlsx 文件", "choose an .xlsx file to import")
	}
	defer f.Close()
	if !strings.HasSuffix(strings.ToLower(hdr.Filename), ".xlsx") {
		return apperr.Invalidf("file", "只能导入 .xlsx 文件", "only .xlsx files can be imported")
	}
	rep, err := s.ledger.Import(r.Context(), f, ledger.ImportOptions{GoodRowsOnly: r.FormValue("good_rows_only") == "true"})
	if err != nil {
		return err
	}
	lang := langOf(r)
	out := ledgerReportJSON{Applied: rep.Applied, Sheets: []ledgerSheetJSON{}, Errors: []ledgerRowJSON{}}
	for _, sh := range rep.Sheets {
		out.Sheets = append(out.Sheets, ledgerSheetJSON{Name: sh.Name, Rows: sh.Rows, Created: sh.Created})
	}
	for _, e := range rep.Errors {
		out.Errors = append(out.Errors, ledgerRowJSON{Sheet: e.Sheet, Row: e.Row, Field: e.Err.Field, Message: e.Err.Msg.In(lang)})
	}
	status := http.StatusOK
	if !rep.Applied {
		status = http.StatusUnprocessableEntity
	}
	writeJSON(w, status, out)
	return nil
}

// handleLedgerExport streams a workbook of a region subtree:
// ?region_id=…&sheets=buildings,households,residents[&reveal=true&reason=…].
func (s *Server) handleLedgerExport(w http.ResponseWriter, r *http.Request) error {
	id, err := queryID(r, "region_id")
	if err != nil {
		return err
	}
	if id == 0 {
		return apperr.Invalidf("region_id", "请指定要导出的区域", "region_id is required")
	}
	rg, err := s.territory.FindRegionByID(r.Context(), id)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	opt := ledger.ExportOptions{RegionID: rg.ID, RegionPath: rg.Path, Reveal: q.Get("reveal") == "true", Reason: q.Get("reason"), Lang: langOf(r)}
	if sh := q.Get("sheets"); sh != "" {
		opt.Sheets = strings.Split(sh, ",")
	}
	// Export into memory first so that an error becomes a proper JSON error
	// rather than a truncated file.
	var buf bytes.Buffer
	if err := s.exporter.Export(r.Context(), &buf, opt); err != nil {
		return err
	}
	w.Header().Set("Content-Type", xlsxType)
	w.Header().Set("Content-Disposition", `attachment; filename="gridwork-ledger-`+rg.Code+`.xlsx"`)
	w.Header().Set("Cache-Control", "no-store")
	_, err = w.Write(buf.Bytes())
	return err
}
