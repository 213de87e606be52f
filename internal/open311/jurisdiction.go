package open311

import (
	"context"
	"fmt"
	"strings"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/territory"
)

// Jurisdiction is a county-level region served over Open311; its
// jurisdiction_id is the region's division code.
type Jurisdiction struct {
	ID       string // the division code, e.g. "330110"
	RegionID int64
	Path     string // the region's materialised path
	Name     string
}

// covers reports whether the region at path lies in the jurisdiction.
func (j *Jurisdiction) covers(path string) bool { return strings.HasPrefix(path, j.Path) }

// FindJurisdiction returns the jurisdiction a request names. An empty id
// is allowed when the server serves one county, or when the caller's key
// is for one jurisdiction only (its own is meant). Errors: NotFound on
// "jurisdiction_id" for an unknown id or one that is no county; Invalid on
// "jurisdiction_id" when it is needed and missing.
//
// The list of jurisdictions is public (as the services are), so no
// permission is checked.
func (s *Service) FindJurisdiction(ctx context.Context, id string, cl *Client) (*Jurisdiction, error) {
	j, err := s.findJurisdiction(system(ctx), strings.TrimSpace(id), cl)
	if err != nil {
		return nil, fmt.Errorf("open311: jurisdiction %q: %w", id, err)
	}
	return j, nil
}

func (s *Service) findJurisdiction(ctx context.Context, id string, cl *Client) (*Jurisdiction, error) {
	if id == "" {
		if cl != nil && len(cl.Jurisdictions) == 1 {
			r, err := s.terr.FindRegionByID(ctx, cl.Jurisdictions[0])
			if err != nil {
				return nil, err
			}
			return jurisdictionOf(r), nil
		}
		level := territory.LevelCounty
		rs, total, err := s.terr.FindRegions(ctx, territory.RegionFilter{Level: &level, Limit: 2})
		if err != nil {
			return nil, err
		}
		switch total {
		case 0:
			return nil, apperr.New(apperr.NotFound, "jurisdiction_id", "本系统尚未设置任何区县", "this server serves no jurisdiction yet")
		case 1:
			return jurisdictionOf(rs[0]), nil
		}
		return nil, apperr.Invalidf("jurisdiction_id", "本系统服务多个区县，请提供 jurisdiction_id（区县行政区划代码）",
			"this server serves several jurisdictions: jurisdiction_id (the county's division code) is required")
	}
	r, err := s.terr.FindRegionByCode(ctx, id)
	if apperr.CodeOf(err) == apperr.NotFound || apperr.CodeOf(err) == apperr.Invalid || err == nil && r.Level != territory.LevelCounty {
		return nil, apperr.Newf(apperr.NotFound, "jurisdiction_id", "jurisdiction_id“%s”不存在：应为本系统所服务区县的行政区划代码",
			"jurisdiction_id %q was not found: it is the division code of a county this server serves", id)
	}
	if err != nil {
		return nil, err
	}
	return jurisdictionOf(r), nil
}

func jurisdictionOf(r *territory.Region) *Jurisdiction {
	return &Jurisdiction{ID: r.Code, RegionID: r.ID, Path: r.Path, Name: r.Name}
}
