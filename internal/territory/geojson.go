package territory

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// geoErr is an Invalid error on the geojson field.
func geoErr(zh, en string) *apperr.Error { return apperr.New(apperr.Invalid, "geojson", zh, en) }

// ParseBoundary decodes a boundary given as a GeoJSON Polygon or
// MultiPolygon, or a Feature or a FeatureCollection holding exactly one of
// those, and validates it: closed rings of at least 4 positions, coordinates
// in range, no self-intersection, no zero area, holes inside their polygon,
// parts of a MultiPolygon not overlapping. Errors are Invalid on field
// "geojson" and say where the problem is.
func ParseBoundary(data []byte) (orb.MultiPolygon, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return nil, geoErr("请提供边界（GeoJSON）", "the boundary (GeoJSON) is required")
	}
	if !json.Valid(data) {
		return nil, geoErr("边界不是有效的 JSON", "the boundary is not valid JSON")
	}
	var head struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, geoErr("边界须为 GeoJSON 对象", "the boundary must be a GeoJSON object")
	}
	var g orb.Geometry
	switch head.Type {
	case "Polygon", "MultiPolygon":
		geom, err := geojson.UnmarshalGeometry(data)
		if err != nil {
			return nil, apperr.Wrap(err, apperr.Invalid, "geojson", "边界的坐标格式错误", "the boundary's coordinates are malformed")
		}
		g = geom.Geometry()
	case "Feature":
		f, err := geojson.UnmarshalFeature(data)
		if err != nil {
			return nil, apperr.Wrap(err, apperr.Invalid, "geojson", "GeoJSON 要素格式错误", "the GeoJSON feature is malformed")
		}
		g = f.Geometry
	case "FeatureCollection":
		fc, err := geojson.UnmarshalFeatureCollection(data)
		if err != nil {
			return nil, apperr.Wrap(err, apperr.Invalid, "geojson", "GeoJSON 要素集格式错误", "the GeoJSON feature collection is malformed")
		}
		if len(fc.Features) != 1 {
			return nil, apperr.Invalidf("geojson", "要素集须恰好包含一个要素，实有%d个", "the feature collection must hold exactly one feature, not %d", len(fc.Features))
		}
		g = fc.Features[0].Geometry
	case "":
		return nil, geoErr("GeoJSON 缺少 type 字段", "the GeoJSON has no type")
	default:
		return nil, apperr.Invalidf("geojson", "边界须为 Polygon 或 MultiPolygon，不能是 %s", "the boundary must be a Polygon or MultiPolygon, not a %s", head.Type)
	}
	var mp orb.MultiPolygon
	switch v := g.(type) {
	case orb.Polygon:
		mp = orb.MultiPolygon{v}
	case orb.MultiPolygon:
		mp = v
	case nil:
		return nil, geoErr("GeoJSON 要素没有几何图形", "the GeoJSON feature has no geometry")
	default:
		return nil, apperr.Invalidf("geojson", "边界须为 Polygon 或 MultiPolygon，不能是 %s", "the boundary must be a Polygon or MultiPolygon, not a %s", v.GeoJSONType())
	}
	if err := validateMultiPolygon(mp); err != nil {
		return nil, err
	}
	return mp, nil
}

// marshalBoundary returns the stored form of a boundary: a bare Polygon
// when it has one part, else a MultiPolygon.
func marshalBoundary(mp orb.MultiPolygon) ([]byte, error) {
	var g orb.Geometry = mp
	if len(mp) == 1 {
		g = mp[0]
	}
	b, err := json.Marshal(geojson.NewGeometry(g))
	if err != nil {
		return nil, fmt.Errorf("territory: marshal boundary: %w", err)
	}
	return b, nil
}

// ringName names ring ri of polygon pi for error messages (1-based).
func ringName(multi bool, pi, ri int) (zh, en string) {
	ring := fmt.Sprintf("第%d个环（外环）", ri+1)
	ringEN := fmt.Sprintf("ring %d (outer)", ri+1)
	if ri > 0 {
		ring = fmt.Sprintf("第%d个环（内环）", ri+1)
		ringEN = fmt.Sprintf("ring %d (hole)", ri+1)
	}
	if !multi {
		return ring, ringEN
	}
	return fmt.Sprintf("第%d个多边形的", pi+1) + ring, fmt.Sprintf("polygon %d %s", pi+1, ringEN)
}

// validateMultiPolygon checks every ring and part; see ParseBoundary.
func validateMultiPolygon(mp orb.MultiPolygon) error {
	if len(mp) == 0 {
		return geoErr("边界没有任何多边形", "the boundary has no polygon")
	}
	multi := len(mp) > 1
	for pi, p := range mp {
		if len(p) == 0 {
			return apperr.Invalidf("geojson", "第%d个多边形没有环", "polygon %d has no ring", pi+1)
		}
		for ri, r := range p {
			if err := validateRing(r, multi, pi, ri); err != nil {
				return err
			}
		}
		for ri, r := range p {
			if collinear(r) {
				zh, en := ringName(multi, pi, ri)
				return apperr.Invalidf("geojson", "%[1]s的面积为零（所有点在一条直线上）", "%[2]s has zero area (all its positions lie on one line)", zh, en)
			}
		}
		if r1, r2, at, ok := selfIntersection(p); ok {
			zh1, en1 := ringName(multi, pi, r1)
			if r1 == r2 {
				return apperr.Invalidf("geojson", "%[1]s自相交（在 %.7[3]f, %.7[4]f 附近）", "%[2]s intersects itself (near %.7[3]f, %.7[4]f)", zh1, en1, at[0], at[1])
			}
			zh2, en2 := ringName(multi, pi, r2)
			return apperr.Invalidf("geojson", "%[1]s与%[2]s相交（在 %.7[5]f, %.7[6]f 附近）", "%[3]s and %[4]s intersect (near %.7[5]f, %.7[6]f)", zh1, zh2, en1, en2, at[0], at[1])
		}
		for ri, r := range p {
			if ringAreaZero(r) {
				zh, en := ringName(multi, pi, ri)
				return apperr.Invalidf("geojson", "%[1]s的面积为零", "%[2]s has zero area", zh, en)
			}
		}
		for ri := 1; ri < len(p); ri++ {
			if !planarRingContainsRing(p[0], p[ri]) {
				zh, en := ringName(multi, pi, ri)
				return apperr.Invalidf("geojson", "%[1]s不在外环之内", "%[2]s lies outside the outer ring", zh, en)
			}
		}
		if polygonArea(p) <= 0 {
			return apperr.Invalidf("geojson", "第%d个多边形的面积为零", "polygon %d has zero area", pi+1)
		}
	}
	for i := range mp {
		for j := i + 1; j < len(mp); j++ {
			if polygonsOverlap(mp[i], mp[j]) {
				return apperr.Invalidf("geojson", "第%d个多边形与第%d个多边形重叠", "polygons %d and %d overlap", i+1, j+1)
			}
		}
	}
	return nil
}

// validateRing checks one ring on its own: enough positions, coordinates in
// range, closed.
func validateRing(r orb.Ring, multi bool, pi, ri int) error {
	zh, en := ringName(multi, pi, ri)
	if len(r) < 4 {
		return apperr.Invalidf("geojson", "%[1]s只有%[3]d个坐标点，至少需要4个（首尾相同）", "%[2]s has %[3]d positions; a ring needs at least 4 (first = last)", zh, en, len(r))
	}
	for i, pt := range r {
		if math.IsNaN(pt[0]) || math.IsNaN(pt[1]) || pt[0] < -180 || pt[0] > 180 || pt[1] < -90 || pt[1] > 90 {
			return apperr.Invalidf("geojson", "%[1]s的第%[3]d个坐标 (%[4]g, %[5]g) 超出范围（经度 −180–180，纬度 −90–90）",
				"%[2]s position %[3]d (%[4]g, %[5]g) is out of range (longitude −180..180, latitude −90..90)", zh, en, i+1, pt[0], pt[1])
		}
	}
	if r[0] != r[len(r)-1] {
		return apperr.Invalidf("geojson", "%[1]s未闭合：首尾坐标不同", "%[2]s is not closed: its first and last positions differ", zh, en)
	}
	if len(dedupe(r)) < 4 {
		return apperr.Invalidf("geojson", "%[1]s去掉重复点后不足4个坐标点", "%[2]s has fewer than 4 positions once repeated points are dropped", zh, en)
	}
	return nil
}
