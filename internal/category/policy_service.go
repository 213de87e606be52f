package category

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/calendar"
	"github.com/gridwork/gridwork/internal/sqldb"
)

// checkPolicyKey checks what a policy or a lookup applies to; empty
// urgency and tier ("any") are allowed only in a policy.
func checkPolicyKey(u Urgency, t Tier, st Step, policy bool) error {
	if !st.Valid() {
		return apperr.Invalidf("step", "环节“%s”无效（应为 register、dispatch、accept、handle 或 verify）",
			"step %q is not valid (register, dispatch, accept, handle or verify)", st)
	}
	if !(u.Valid() || policy && u == "") {
		return apperr.Invalidf("urgency", "紧急程度“%s”无效（应为 normal 或 urgent）", "urgency %q is not valid (normal or urgent)", u)
	}
	if !(t.Valid() || policy && t == "") {
		return apperr.Invalidf("tier", "层级“%s”无效（应为 grid、community、street、district 或 city）",
			"tier %q is not valid (grid, community, street, district or city)", t)
	}
	return nil
}

// LimitFor returns the time limit of step st for a case of category code
// at urgency u and tier t: the most specific policy wins — one for the
// category itself over one for its nearest ancestor over one for any
// category; among those, one for the urgency over any urgency, then one for
// the tier over any tier. Without a policy: register and dispatch 30m
// (urgent 10m), accept 1h, verify 1h, and handle the category's own
// handle limit (urgent: its urgent limit, else half its handle limit),
// taken from its nearest ancestor that has one, or 5wd. A policy row, even
// one for any category, wins over these defaults: a category's own limits
// are what applies when no policy speaks. Invalid on fields
// "category", "urgency", "tier" or "step"; NotFound for an unknown category
// (retired ones have limits still).
//
// It checks no permission, like calendar.Current: the limits are published
// reference data that every intake needs, an anonymous resident's report
// included, and they reveal nothing of any region.
func (s *Service) LimitFor(ctx context.Context, code string, u Urgency, t Tier, st Step) (calendar.Limit, error) {
	ch, err := s.ExplainLimit(ctx, code, u, t, st)
	if err != nil {
		return calendar.Limit{}, err
	}
	return ch.Limit, nil
}

// ExplainLimit is LimitFor that also says where the limit came from, for
// the administration pages and for tests.
func (s *Service) ExplainLimit(ctx context.Context, code string, u Urgency, t Tier, st Step) (*LimitChoice, error) {
	ch, err := s.explainLimit(ctx, code, u, t, st)
	if err != nil {
		return nil, fmt.Errorf("category: limit of %s %s/%s/%s: %w", code, st, u, t, err)
	}
	return ch, nil
}

func (s *Service) explainLimit(ctx context.Context, code string, u Urgency, t Tier, st Step) (*LimitChoice, error) {
	if err := checkPolicyKey(u, t, st, false); err != nil {
		return nil, err
	}
	c, err := lookupCode("category", code)
	if err != nil {
		return nil, err
	}
	snap, chain, err := s.chain(ctx, c)
	if err != nil {
		return nil, err
	}
	rank := make(map[string]int, len(chain))
	for i, cat := range chain {
		rank[cat.Code] = i
	}
	// Specificity as a tuple compared in order: category distance (the
	// category 0, its parent 1 …, any category last), then urgency, then tier.
	score := func(p *TimeLimit) [3]int {
		k := [3]int{len(chain), 1, 1}
		if p.CategoryCode != "" {
			k[0] = rank[p.CategoryCode]
		}
		if p.Urgency != "" {
			k[1] = 0
		}
		if p.Tier != "" {
			k[2] = 0
		}
		return k
	}
	var best *TimeLimit
	for _, p := range snap.policies[st] {
		if p.Urgency != "" && p.Urgency != u || p.Tier != "" && p.Tier != t {
			continue
		}
		if _, inChain := rank[p.CategoryCode]; p.CategoryCode != "" && !inChain {
			continue
		}
		if best == nil || less(score(p), score(best)) {
			best = p
		}
	}
	if best != nil {
		cp := *best
		return &LimitChoice{Limit: best.Limit, Policy: &cp}, nil
	}
	if st != StepHandle {
		return &LimitChoice{Limit: stepDefault(st, u), Default: "step"}, nil
	}
	for _, cat := range chain {
		if cat.HandleLimit == nil && cat.UrgentLimit == nil {
			continue
		}
		ch := &LimitChoice{Default: "category", Category: cat.Code}
		switch {
		case u == Urgent && cat.UrgentLimit != nil:
			ch.Limit = *cat.UrgentLimit
		case u == Urgent:
			ch.Limit = half(*cat.HandleLimit, s.hoursPerDay(ctx))
		case cat.HandleLimit != nil:
			ch.Limit = *cat.HandleLimit
		default:
			// Only an urgent limit: the normal case gets the fallback, never
			// less time than the urgent one.
			continue
		}
		return ch, nil
	}
	fallback := limitHandle
	if u == Urgent {
		fallback = half(limitHandle, s.hoursPerDay(ctx))
	}
	return &LimitChoice{Limit: fallback, Default: "fallback"}, nil
}

func less(a, b [3]int) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}

// hoursPerDay is the length of a working day on the calendar (0 when
// there is no calendar; half then assumes 8 hours).
func (s *Service) hoursPerDay(ctx context.Context) time.Duration {
	if s.cal == nil {
		return 0
	}
	c, err := s.cal.Current(ctx)
	if err != nil {
		return 0
	}
	var d time.Duration
	for _, sp := range c.Hours() {
		d += sp.End - sp.Start
	}
	return d
}

// policyCols are the columns scanPolicy reads, in order.
const policyCols = `id, category_code, urgency, tier, step, "limit", note, created_at, updated_at`

func scanPolicy(sc sqldb.Scanner) (*TimeLimit, error) {
	var p TimeLimit
	var code, urg, tier sql.NullString
	var lim string
	if err := sc.Scan(&p.ID, &code, &urg, &tier, &p.Step, &lim, &p.Note, &p.CreatedAt, &p.UpdatedAt); err != nil {
		return nil, err
	}
	p.CategoryCode, p.Urgency, p.Tier = code.String, Urgency(urg.String), Tier(tier.String)
	l, err := calendar.ParseLimit(lim)
	if err != nil {
		return nil, errors.New("category: stored policy limit " + lim + " does not parse")
	}
	p.Limit = l
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	return &p, nil
}

func queryPolicies(ctx context.Context, q sqldb.Querier, query string, args ...any) ([]*TimeLimit, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*TimeLimit
	for rows.Next() {
		p, err := scanPolicy(rows)
		if err != nil {
			return nil, sqldb.Translate(err)
		}
		out = append(out, p)
	}
	return out, sqldb.Translate(rows.Err())
}

func policyByID(ctx context.Context, q sqldb.Querier, id int64) (*TimeLimit, error) {
	p, err := scanPolicy(q.QueryRow(ctx, `SELECT `+policyCols+` FROM time_limits WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFoundf("时限规则 %d 不存在", "time-limit policy %d not found", id)
	}
	if err != nil {
		return nil, sqldb.Translate(err)
	}
	return p, nil
}

// checkNote trims and bounds a policy's note.
func checkNote(s string) (string, error) {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > 200 {
		return "", apperr.Invalidf("note", "备注过长（最多 200 字）", "the note is too long (at most 200 characters)")
	}
	return s, nil
}

// CreateTimeLimit adds a policy. Invalid on "step", "urgency", "tier",
// "limit", "note", or "category_code" for an unknown category; Conflict on
// "step" when a policy for the same category, urgency, tier and step exists.
// Needs the system or region.write at a county.
func (s *Service) CreateTimeLimit(ctx context.Context, in TimeLimitInput) (*TimeLimit, error) {
	var p *TimeLimit
	err := s.db.Transact(ctx, func(tx *sqldb.Tx) error {
		if err := checkDictionaryWrite(ctx, tx); err != nil {
			return err
		}
		s.dropAfterCommit(tx)
		if err := checkPolicyKey(in.Urgency, in.Tier, in.Step, true); err != nil {
			return err
		}
		code := normCode(in.CategoryCode)
		if code != "" {
			if e := checkCode("category_code", code); e != nil {
				return e
			}
			if _, err := categoryByCode(ctx, tx, code); apperr.CodeOf(err) == apperr.NotFound {
				return apperr.Invalidf("category_code", "分类 %s 不存在", "category %s does not exist", code)
			} else if err != nil {
				return err
			}
		}
		lim, err := calendar.ParseLimit(in.Limit)
		if err != nil {
			return err
		}
		note, err := checkNote(in.Note)
		if err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM time_limits WHERE step = $1 AND COALESCE(category_code, '') = $2
			AND COALESCE(urgency, '') = $3 AND COALESCE(tier, '') = $4`, string(in.Step), code, string(in.Urgency), string(in.Tier)).Scan(&n); err != nil {
			return sqldb.Translate(err)
		}
		if n > 0 {
			return apperr.Conflictf("step", "已有相同分类、紧急程度、层级和环节的时限规则", "a policy for the same category, urgency, tier and step exists")
		}
		p = &TimeLimit{CategoryCode: code, Urgency: in.Urgency, Tier: in.Tier, Step: in.Step, Limit: lim, Note: note,
			CreatedAt: tx.Now, UpdatedAt: tx.Now}
		p.ID, err = tx.InsertID(ctx, `INSERT INTO time_limits (category_code, urgency, tier, step, "limit", note, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id`,
			nullText(code), nullText(string(in.Urgency)), nullText(string(in.Tier)), string(in.Step), lim.String(), note, tx.Now)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("category: create time limit: %w", err)
	}
	return p, nil
}

// UpdateTimeLimit changes a policy's limit or note. Needs the system or
// region.write at a county.
func (s *Service) UpdateTimeLimit(ctx context.Context, id int64, upd TimeLimitUpdate) (*TimeLimit, error) {
	var p *TimeLimit
	err := s.db.Transact(ctx, func(tx *sqldb.Tx) error {
		if err := checkDictionaryWrite(ctx, tx); err != nil {
			return err
		}
		s.dropAfterCommit(tx)
		var err error
		if p, err = policyByID(ctx, tx, id); err != nil {
			return err
		}
		if upd.Limit != nil {
			if p.Limit, err = calendar.ParseLimit(*upd.Limit); err != nil {
				return err
			}
		}
		if upd.Note != nil {
			if p.Note, err = checkNote(*upd.Note); err != nil {
				return err
			}
		}
		p.UpdatedAt = tx.Now
		_, err = tx.Exec(ctx, `UPDATE time_limits SET "limit" = $1, note = $2, updated_at = $3 WHERE id = $4`,
			p.Limit.String(), p.Note, tx.Now, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("category: update time limit %d: %w", id, err)
	}
	return p, nil
}

// DeleteTimeLimit removes a policy; LimitFor falls back to the next most
// specific. Needs the system or region.write at a county.
func (s *Service) DeleteTimeLimit(ctx context.Context, id int64) error {
	err := s.db.Transact(ctx, func(tx *sqldb.Tx) error {
		if err := checkDictionaryWrite(ctx, tx); err != nil {
			return err
		}
		s.dropAfterCommit(tx)
		if _, err := policyByID(ctx, tx, id); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM time_limits WHERE id = $1`, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("category: delete time limit %d: %w", id, err)
	}
	return nil
}

// FindTimeLimitByID returns a policy to staff (region.read anywhere).
func (s *Service) FindTimeLimitByID(ctx context.Context, id int64) (*TimeLimit, error) {
	if _, _, err := auth.Scoped(ctx, auth.ActRegionRead); err != nil {
		return nil, err
	}
	p, err := policyByID(ctx, s.db, id)
	if err != nil {
		return nil, fmt.Errorf("category: find time limit %d: %w", id, err)
	}
	return p, nil
}

// FindTimeLimits lists policies to staff (region.read anywhere), ordered
// by step, category, urgency and tier, with the total before paging.
func (s *Service) FindTimeLimits(ctx context.Context, f TimeLimitFilter) ([]*TimeLimit, int, error) {
	if _, _, err := auth.Scoped(ctx, auth.ActRegionRead); err != nil {
		return nil, 0, err
	}
	w := &sqldb.Where{}
	if f.CategoryCode != nil {
		if c := normCode(*f.CategoryCode); c == "" {
			w.Add("category_code IS NULL")
		} else {
			w.Add("category_code = " + w.Arg(c))
		}
	}
	if f.Step != nil {
		w.Add("step = " + w.Arg(string(*f.Step)))
	}
	var total int
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM time_limits`+w.String(), w.Args()...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("category: count time limits: %w", sqldb.Translate(err))
	}
	limit, offset := sqldb.Page(f.Limit, f.Offset, defaultLimit, maxLimit)
	ps, err := queryPolicies(ctx, s.db, `SELECT `+policyCols+` FROM time_limits`+w.String()+
		` ORDER BY step, COALESCE(category_code, ''), COALESCE(urgency, ''), COALESCE(tier, ''), id LIMIT `+w.Arg(limit)+` OFFSET `+w.Arg(offset), w.Args()...)
	if err != nil {
		return nil, 0, fmt.Errorf("category: find time limits: %w", err)
	}
	return ps, total, nil
}
