package open311

import (
	"strconv"
	"strings"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
)

// The parsers of query arguments, shared by the HTTP layer: each names the
// argument in its Invalid error.

// ParseTime parses a W3C date-time argument (zone required, as the
// specification says); "" is no time.
func ParseTime(field, s string) (*time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return nil, apperr.Invalidf(field, "%s 应为带时区的 W3C 时间，如 2010-01-01T00:00:00Z", "%s must be a W3C date-time with its zone, e.g. 2010-01-01T00:00:00Z", field)
	}
	return &t, nil
}

// ParseBBox parses bbox=minlon,minlat,maxlon,maxlat; "" is no box.
func ParseBBox(s string) (*BBox, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	parts := strings.Split(s, ",")
	bad := apperr.Invalidf("bbox", "bbox 应为 最小经度,最小纬度,最大经度,最大纬度", "bbox must be minlon,minlat,maxlon,maxlat")
	if len(parts) != 4 {
		return nil, bad
	}
	var v [4]float64
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil {
			return nil, bad
		}
		v[i] = f
	}
	return &BBox{MinLon: v[0], MinLat: v[1], MaxLon: v[2], MaxLat: v[3]}, nil
}

// SplitList splits a comma-separated argument, dropping empty items; the
// specification lets service_request_id, service_code and status carry
// several values this way.
func SplitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
