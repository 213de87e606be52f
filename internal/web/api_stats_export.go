package web

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/stats"
)

// handleStatsExport answers a KPI table of a region's children (or of the
// categories, channels, departments or persons) over [from, to) as .xlsx
// or CSV: ?region_id=…&from=2026-10-01&to=2026-11-01&by=region&format=xlsx.
func (s *Server) handleStatsExport(w http.ResponseWriter, r *http.Request) error {
	id, err := requiredID(r, "region_id")
	if err != nil {
		return err
	}
	from, err := s.parseDay(r, "from")
	if err != nil {
		return err
	}
	to, err := s.parseDay(r, "to")
	if err != nil {
		return err
	}
	format, err := stats.ParseFormat(r.URL.Query().Get("format"))
	if err != nil {
		return err
	}
	limit, err := queryInt(r, "limit", 0, 0, 1000)
	if err != nil {
		return err
	}
	t, err := s.stats.Table(r.Context(), stats.TableOptions{RegionID: id, From: from, To: to,
		By: stats.Dim(r.URL.Query().Get("by")), Limit: limit, Lang: langOf(r)})
	if err != nil {
		return err
	}
	// Written in memory first, so that a failure is a JSON error rather
	// than a truncated file; a table has at most a few thousand rows.
	var buf bytes.Buffer
	if err := t.Write(&buf, format); err != nil {
		return err
	}
	ctype := xlsxType
	if format == stats.FormatCSV {
		ctype = "text/csv; charset=utf-8"
	}
	return writeDownload(w, ctype, t.FileName(format), buf.Bytes())
}

// handleStatsMonthly answers the monthly report of a region as .xlsx:
// ?region_id=…&month=2026-10.
func (s *Server) handleStatsMonthly(w http.ResponseWriter, r *http.Request) error {
	id, err := requiredID(r, "region_id")
	if err != nil {
		return err
	}
	month, err := s.stats.ParseMonth(r.URL.Query().Get("month"))
	if err != nil {
		return err
	}
	m, err := s.stats.Monthly(r.Context(), stats.MonthlyOptions{RegionID: id, Month: month, Lang: langOf(r)})
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := m.WriteXLSX(&buf); err != nil {
		return err
	}
	return writeDownload(w, xlsxType, m.FileName(), buf.Bytes())
}

// requiredID parses a required positive integer query parameter.
func requiredID(r *http.Request, name string) (int64, error) {
	id, err := queryID(r, name)
	if err == nil && id == 0 {
		err = apperr.Invalidf(name, "请指定 %s", "%s is required", name)
	}
	return id, err
}

// writeDownload answers a file to save, named in UTF-8 (RFC 6266 and RFC
// 8187, with an ASCII name for old clients).
func writeDownload(w http.ResponseWriter, ctype, name string, body []byte) error {
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Content-Disposition", contentDisposition(name))
	h.Set("Cache-Control", "no-store")
	_, err := w.Write(body)
	return err
}

// contentDisposition is an attachment header for a UTF-8 file name:
// filename= holds an ASCII stand-in ("gridwork-" and what is left of the
// name without its other characters), filename*= the name itself,
// percent-encoded.
func contentDisposition(name string) string {
	var ascii, enc strings.Builder
	dash := false
	for _, c := range name {
		switch {
		case c < utf8.RuneSelf && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("-._", c)):
			ascii.WriteRune(c)
			dash = false
		case !dash && ascii.Len() > 0:
			ascii.WriteByte('_')
			dash = true
		}
		// RFC 8187 attr-char: ALPHA / DIGIT / "!#$&+-.^_`|~"; the rest is
		// percent-encoded UTF-8.
		if c < utf8.RuneSelf && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("!#$&+-.^_`|~", c)) {
			enc.WriteRune(c)
			continue
		}
		var b [utf8.UTFMax]byte
		for _, x := range b[:utf8.EncodeRune(b[:], c)] {
			fmt.Fprintf(&enc, "%%%02X", x)
		}
	}
	fallback := "gridwork-" + strings.Trim(strings.ReplaceAll(ascii.String(), "_.", "."), "_")
	return `attachment; filename="` + fallback + `"; filename*=UTF-8''` + enc.String()
}
