package open311

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/cases"
)

// RequestFilter selects requests (GET requests). Zero fields do not filter.
type RequestFilter struct {
	// IDs (service_request_id) overrides every other filter.
	IDs []string
	// ServiceCodes are service codes, any of which matches.
	ServiceCodes []string
	// Start and End bound requested_datetime, both included; they may not
	// span more than 90 days. Without either (and without the updated_*
	// bounds) the window is the last 90 days; with one, the 90 days after
	// Start or before End.
	Start, End *time.Time
	Statuses   []string      // "open", "closed"
	Details    []cases.State // extension status_detail: Gridwork states
	// UpdatedAfter (excluded) and UpdatedBefore (included) bound
	// updated_datetime (extension). Given without Start and End, they
	// replace the default window rather than narrow it.
	UpdatedAfter, UpdatedBefore *time.Time
	BBox                        *BBox // extension: the point lies in the box
	Page                        int   // extension: 1-based; 1 if 0
	PageSize                    int   // extension: 1 to 1000; 1000 if 0
}

// BBox is a bounding box in WGS84 degrees, edges included.
type BBox struct{ MinLon, MinLat, MaxLon, MaxLat float64 }

// Limits of GET requests (GeoReport v2, "Response Volume": 90 days or the
// first 1000 requests, whichever is smallest).
const (
	window      = 90 * 24 * time.Hour
	maxPageSize = 1000
	maxIDs      = 100
	casesPage   = 500 // cases.FindCases' largest page: a page of 1000 takes two reads
)

// visible reports whether the caller may read case c (its extras ex, nil
// when it did not come over Open311): it lies in the jurisdiction, and it
// is public or the caller's key filed it.
func visible(c Caller, cs *cases.Case, ex *extras) bool {
	if !c.Jurisdiction.covers(cs.RegionPath) {
		return false
	}
	return cs.Public || owns(c, ex)
}

// owns reports whether the caller's key filed the request.
func owns(c Caller, ex *extras) bool {
	return c.Client != nil && ex != nil && ex.keyID == c.Client.KeyID
}

// check checks the filter's values and fills in the window.
func (f *RequestFilter) check(now time.Time) error {
	if len(f.IDs) > maxIDs {
		return apperr.Invalidf("service_request_id", "一次最多查询 %d 个 service_request_id", "at most %d service_request_id at once", maxIDs)
	}
	for _, st := range f.Statuses {
		if st != "open" && st != "closed" {
			return apperr.Invalidf("status", "status“%s”无效：应为 open 或 closed", "status %q is not valid: open or closed", st)
		}
	}
	for _, st := range f.Details {
		if !st.Valid() {
			return apperr.Invalidf("status_detail", "status_detail“%s”无效", "status_detail %q is not valid", st)
		}
	}
	if f.Page == 0 {
		f.Page = 1
	}
	if f.Page < 1 {
		return apperr.Invalidf("page", "page 应为正整数", "page must be a positive whole number")
	}
	if f.PageSize == 0 {
		f.PageSize = maxPageSize
	}
	if f.PageSize < 1 || f.PageSize > maxPageSize {
		return apperr.Invalidf("page_size", "page_size 应在 1–%d 之间", "page_size must be from 1 to %d", maxPageSize)
	}
	if f.BBox != nil && (f.BBox.MinLon > f.BBox.MaxLon || f.BBox.MinLat > f.BBox.MaxLat) {
		return apperr.Invalidf("bbox", "bbox 应为 最小经度,最小纬度,最大经度,最大纬度", "bbox must be minlon,minlat,maxlon,maxlat")
	}
	if err := span("start_date", "end_date", &f.Start, &f.End, false); err != nil {
		return err
	}
	if err := span("updated_after", "updated_before", &f.UpdatedAfter, &f.UpdatedBefore, true); err != nil {
		return err
	}
	if f.Start == nil && f.End == nil && f.UpdatedAfter == nil && f.UpdatedBefore == nil {
		end := now
		start := end.Add(-window)
		f.Start, f.End = &start, &end
	}
	return nil
}

// span checks a pair of bounds: the second not before the first, at most
// 90 days apart; with one given, the other is 90 days from it (unless open
// is set, when a missing bound stays open).
func span(fromField, toField string, from, to **time.Time, open bool) error {
	switch {
	case *from != nil && *to != nil:
		if (*to).Before(**from) {
			return apperr.Invalidf(toField, "%s 不能早于 %s", "%s may not be before %s", toField, fromField)
		}
		if (*to).Sub(**from) > window {
			return apperr.Invalidf(toField, "%s 与 %s 相隔不能超过 90 天", "%s and %s may not span more than 90 days", fromField, toField)
		}
	case open:
	case *from != nil:
		t := (*from).Add(window)
		*to = &t
	case *to != nil:
		t := (*to).Add(-window)
		*from = &t
	}
	return nil
}

// FindRequests lists the requests the caller may read (GET requests): the
// public ones of the jurisdiction, and those its key filed. Newest first,
// paged (extension page/page_size; the first 1000 by default).
//
// Every filter, visibility included, is a condition of cases.FindCases'
// query (see caseFilter), which reads only the page asked for: a window
// holds as many requests as it holds, and a client walks them page by page.
func (s *Service) FindRequests(ctx context.Context, c Caller, f RequestFilter) (ServiceRequests, error) {
	out, err := s.findRequests(ctx, c, f)
	if err != nil {
		return nil, fmt.Errorf("open311: find requests: %w", err)
	}
	return out, nil
}

// found is a case with its extras, as a read finds it.
type found struct {
	c  *cases.Case
	ex *extras
}

func (s *Service) findRequests(ctx context.Context, c Caller, f RequestFilter) (ServiceRequests, error) {
	if err := f.check(s.opt.Now()); err != nil {
		return nil, err
	}
	out := ServiceRequests{}
	cf, ok := f.caseFilter(c)
	if !ok {
		return out, nil
	}
	sys := system(ctx)
	p, err := s.presenter(sys, c)
	if err != nil {
		return nil, err
	}
	// A page larger than FindCases' is read in parts; a case reported
	// between two parts shifts the list by one, so the second part may
	// repeat the first's last case, which is skipped.
	seen := map[int64]bool{}
	cf.Offset = (f.Page - 1) * f.PageSize
	for end := cf.Offset + f.PageSize; cf.Offset < end; {
		cf.Limit = min(end-cf.Offset, s.part)
		part, total, err := s.cs.FindCases(sys, cf)
		if err != nil {
			return nil, err
		}
		ids := make([]int64, len(part))
		for i, x := range part {
			ids[i] = x.ID
		}
		exs, err := extrasOf(sys, s.db, ids)
		if err != nil {
			return nil, err
		}
		for _, x := range part {
			if seen[x.ID] {
				continue
			}
			seen[x.ID] = true
			r, err := p.request(x, exs[x.ID])
			if err != nil {
				return nil, err
			}
			out = append(out, r)
		}
		cf.Offset += len(part)
		if len(part) < cf.Limit || cf.Offset >= total {
			break
		}
	}
	return out, nil
}

// caseFilter is f (checked) as the cases FindRequests reads for caller c,
// newest first: those of the jurisdiction that are public or that c's key
// filed (a condition on open311_requests, in the same query, however many
// the key filed), and then either the ids asked for (which override the
// other filters) or the rest of f. ok is false when nothing can match (no
// id asked for is a number).
func (f *RequestFilter) caseFilter(c Caller) (cf cases.CaseFilter, ok bool) {
	public := true
	cf = cases.CaseFilter{RegionOf: &c.Jurisdiction.RegionID, Public: &public, Order: cases.OrderNewest}
	if c.Client != nil {
		cf.PublicOr = filedBy(c.Client.KeyID)
	}
	if len(f.IDs) > 0 {
		for _, raw := range f.IDs {
			// The specification returns what it finds: an id that is no
			// number is one that does not exist.
			if id, err := strconv.ParseInt(strings.TrimSpace(raw), 10, 64); err == nil && id > 0 && !slices.Contains(cf.IDs, id) {
				cf.IDs = append(cf.IDs, id)
			}
		}
		return cf, len(cf.IDs) > 0
	}
	cf.States, cf.Categories = f.Details, f.ServiceCodes
	cf.From = f.Start
	if f.End != nil {
		to := f.End.Add(time.Microsecond) // End is included, To is not (PostgreSQL keeps microseconds)
		cf.To = &to
	}
	if f.UpdatedAfter != nil {
		from := f.UpdatedAfter.Add(time.Microsecond) // excluded
		cf.UpdatedFrom = &from
	}
	if f.UpdatedBefore != nil {
		to := f.UpdatedBefore.Add(time.Microsecond) // included
		cf.UpdatedTo = &to
	}
	// One of the two statuses narrows; both or neither do not.
	if open, closed := slices.Contains(f.Statuses, "open"), slices.Contains(f.Statuses, "closed"); open != closed {
		cf.Open = &open
	}
	if b := f.BBox; b != nil {
		cf.BBox = &[4]float64{b.MinLon, b.MinLat, b.MaxLon, b.MaxLat}
	}
	return cf, true
}

// findOne returns request id if the caller may read it: NotFound on
// "service_request_id" otherwise (as for a request that does not exist).
func (s *Service) findOne(ctx context.Context, c Caller, raw string) (*found, error) {
	id, err := strconv.ParseInt(strings.TrimSpace(raw), 10, 64)
	notFound := apperr.Newf(apperr.NotFound, "service_request_id", "service_request_id“%s”不存在", "service_request_id %q was not found", raw)
	if err != nil || id <= 0 {
		return nil, notFound
	}
	cs, err := s.cs.FindCaseByID(ctx, id)
	if apperr.CodeOf(err) == apperr.NotFound {
		return nil, notFound
	}
	if err != nil {
		return nil, err
	}
	exs, err := extrasOf(ctx, s.db, []int64{id})
	if err != nil {
		return nil, err
	}
	if !visible(c, cs, exs[id]) {
		return nil, notFound
	}
	return &found{c: cs, ex: exs[id]}, nil
}

// FindRequest returns one request the caller may read (GET
// requests/{id}), as a list of one. NotFound on "service_request_id" for
// a request that does not exist, lies in another jurisdiction, or is
// neither public nor filed by the caller's key.
func (s *Service) FindRequest(ctx context.Context, c Caller, id string) (ServiceRequests, error) {
	sys := system(ctx)
	fd, err := s.findOne(sys, c, id)
	if err != nil {
		return nil, fmt.Errorf("open311: find request %q: %w", id, err)
	}
	p, err := s.presenter(sys, c)
	if err != nil {
		return nil, fmt.Errorf("open311: find request %q: %w", id, err)
	}
	r, err := p.request(fd.c, fd.ex)
	if err != nil {
		return nil, fmt.Errorf("open311: find request %q: %w", id, err)
	}
	return ServiceRequests{r}, nil
}

// FindUpdates returns a request's updates feed (extension, GET
// requests/{id}/updates): the public steps of its case's history (the
// reporter's timeline), oldest first. The notes of the steps (feedback, a
// rejection's reason …) are shown to the client that filed the request
// only. Errors as FindRequest.
func (s *Service) FindUpdates(ctx context.Context, c Caller, id string) (RequestUpdates, error) {
	sys := system(ctx)
	fd, err := s.findOne(sys, c, id)
	if err != nil {
		return nil, fmt.Errorf("open311: updates of %q: %w", id, err)
	}
	steps, err := s.cs.Timeline(sys, fd.c.ID)
	if err != nil {
		return nil, fmt.Errorf("open311: updates of %q: %w", id, err)
	}
	rid := strconv.FormatInt(fd.c.ID, 10)
	out := RequestUpdates{}
	for _, st := range steps {
		desc := st.Label
		if c.Lang == "en" && st.LabelEN != "" {
			desc = st.LabelEN
		}
		if owns(c, fd.ex) && st.Note != "" {
			desc += "：" + st.Note
			if c.Lang == "en" {
				desc = strings.Replace(desc, "：", ": ", 1)
			}
		}
		out = append(out, RequestUpdate{UpdateID: rid + "_" + strconv.FormatInt(st.Seq, 10), ServiceRequestID: rid,
			Status: statusOf(st.State), StatusDetail: string(st.State), UpdatedDatetime: W3C(st.At, s.opt.Zone), Description: desc})
	}
	return out, nil
}

// FindToken returns the request a client's token created (GET
// tokens/{token}). Tokens are the client's own idempotency tokens (see
// RequestInput.Token), so the api_key that sent it is needed: Forbidden on
// "api_key" without one; NotFound on "token" for an unknown token or one
// whose request lies in another jurisdiction.
func (s *Service) FindToken(ctx context.Context, c Caller, token string) (RequestTokens, error) {
	if c.Client == nil {
		return nil, apperr.New(apperr.Forbidden, "api_key", "查询 token 须提供提交时所用的 api_key", "looking up a token needs the api_key that sent it")
	}
	id, _, err := caseOfToken(ctx, s.db, c.Client.KeyID, strings.TrimSpace(token))
	if err == nil {
		var cs *cases.Case
		if cs, err = s.cs.FindCaseByID(system(ctx), id); err == nil && !c.Jurisdiction.covers(cs.RegionPath) {
			err = apperr.Newf(apperr.NotFound, "token", "token“%s”不存在", "token %q was not found", token)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("open311: token %q: %w", token, err)
	}
	return RequestTokens{{ServiceRequestID: strconv.FormatInt(id, 10), Token: token}}, nil
}

// statusOf is the protocol's status of a state: closed for the final
// states (closed, rejected), open for the rest.
func statusOf(st cases.State) string {
	if st.Open() {
		return "open"
	}
	return "closed"
}
