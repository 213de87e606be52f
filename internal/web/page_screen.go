package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/territory"
)

// The command-centre big screen (/screen): a 1920×1080 dark page drawn by
// static/screen.js with ECharts from the /api/v1/stats endpoints, refreshed
// by the live stream. The page itself carries only the region, the way up
// to the actor's own scope, the dates and the texts the script needs.

// screenRoles may open the big screen; the stats service checks case.read
// over the region on every call besides.
var screenRoles = []auth.Role{auth.RoleLeader, auth.RoleDispatcher, auth.RoleAdmin, auth.RoleBranchSecretary}

// screenCrumb is one step of the breadcrumb, from the actor's own scope down
// to the region shown.
type screenCrumb struct {
	ID      int64
	Name    string
	Current bool
}

// screenPage is the data of templates/screen.html.
type screenPage struct {
	Page
	Region *territory.Region
	Level  string // the region's kind, translated ("街道", "社区" …)
	Crumbs []screenCrumb
	// Today is the local date of the page's rendering (2026-03-09); the
	// script counts its periods from it: 30 days up to and including it.
	Today, From, To string
	Kinds           string // the live event kinds that refresh the screen
	// ExportURL downloads the 30 days' KPI table of the child regions and
	// MonthlyURL last month's report, both as .xlsx.
	ExportURL, MonthlyURL string
	// Texts are the catalogue texts the script draws (chart names, units),
	// in the page's language, sent as a JSON data block.
	Texts map[string]string
}

// screenTexts are the catalogue keys the script needs, without their
// "screen." prefix.
var screenTexts = []string{
	"reported", "closed", "overdue", "open", "trend_reported", "trend_closed", "cases", "tier.grid", "tier.community",
	"tier.street", "tier.district", "tier.city", "satisfaction", "on_time_closure", "handled", "on_time", "load.none",
	"load.open", "load.some", "load.many", "no_data", "open_overdue", "feed_empty", "live_on", "live_off",
	"ratings", "satisfied", "closure_rate", "grid_share", "rework_rate", "avg_handle_hours", "hours",
}

// handleScreen shows the big screen of ?region= (the actor's own top region
// by default). Someone without case.read over the region gets 403.
func (s *Server) handleScreen(w http.ResponseWriter, r *http.Request) error {
	a, err := requireRole(r, screenRoles...)
	if err != nil {
		return err
	}
	ctx := r.Context()
	id := topRegionOf(a)
	if v := r.URL.Query().Get("region"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return apperr.Invalidf("region", "区域编号无效", "the region id is not valid")
		}
		id = n
	}
	if id == 0 {
		return apperr.ErrForbidden()
	}
	reg, err := s.territory.FindRegionByID(ctx, id)
	if err != nil {
		return err
	}
	if err := auth.Check(ctx, auth.ActCaseRead, auth.Resource{RegionPath: reg.Path}); err != nil {
		return err
	}
	p := screenPage{Page: s.newPage(w, r, "screen.title"), Region: reg, Texts: map[string]string{}, Kinds: liveKinds()}
	p.Title = reg.Name + " · " + p.Title
	p.Level = reg.Kind.Label().In(p.Lang)
	if p.Crumbs, err = s.screenCrumbs(ctx, a, reg); err != nil {
		return err
	}
	today := p.Now().In(s.zone)
	day := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, s.zone)
	p.Today = day.Format(time.DateOnly)
	p.From = day.AddDate(0, 0, -29).Format(time.DateOnly)
	p.To = day.AddDate(0, 0, 1).Format(time.DateOnly)
	q := url.Values{"region_id": {strconv.FormatInt(reg.ID, 10)}}
	q.Set("month", time.Date(day.Year(), day.Month()-1, 1, 0, 0, 0, 0, s.zone).Format("2006-01"))
	p.MonthlyURL = "/api/v1/stats/monthly?" + q.Encode()
	q.Del("month")
	q.Set("from", p.From)
	q.Set("to", p.To)
	q.Set("by", "region")
	q.Set("format", "xlsx")
	p.ExportURL = "/api/v1/stats/export?" + q.Encode()
	for _, k := range screenTexts {
		p.Texts[k] = p.T("screen." + k)
	}
	// Its own document (no site header or footer), with the pages' headers
	// and CSP unchanged: ECharts draws on canvas, tooltips included
	// (renderMode "richText"), so it needs no inline style.
	s.renderBlock(w, r, http.StatusOK, "screen.html", "screen", p)
	return nil
}

// topRegionOf returns the highest region at which a holds case.read through
// one of the big screen's roles, 0 when none.
func topRegionOf(a *auth.Actor) int64 {
	var best auth.Scope
	for _, g := range a.Grants {
		if g.Scope.Kind != auth.ScopeRegion || !auth.RoleAllows(g.Role, auth.ActCaseRead) || !hasScreenRole(g.Role) {
			continue
		}
		if best.ID == 0 || strings.Count(g.Scope.Path, "/") < strings.Count(best.Path, "/") {
			best = g.Scope
		}
	}
	return best.ID
}

func hasScreenRole(r auth.Role) bool { return slices.Contains(screenRoles, r) }

// screenCrumbs returns the regions from the highest ancestor of reg that
// the actor may read cases of, down to reg.
func (s *Server) screenCrumbs(ctx context.Context, a *auth.Actor, reg *territory.Region) ([]screenCrumb, error) {
	var out []screenCrumb
	parts := strings.Split(strings.Trim(reg.Path, "/"), "/")
	for i, part := range parts {
		path := "/" + strings.Join(parts[:i+1], "/") + "/"
		if !auth.Can(a, auth.ActCaseRead, auth.Resource{RegionPath: path}) {
			continue
		}
		id, err := strconv.ParseInt(part, 10, 64)
		if err != nil {
			continue
		}
		if id == reg.ID {
			out = append(out, screenCrumb{ID: id, Name: reg.Name, Current: true})
			continue
		}
		anc, err := s.territory.FindRegionByID(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, screenCrumb{ID: id, Name: anc.Name})
	}
	return out, nil
}
