package notify

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/sqldb"
)

// Webhook is an outgoing subscription: events of its kinds in its region
// subtree are POSTed, signed with its secret, to its URL. The secret is
// write-only: it is never read back.
type Webhook struct {
	ID   int64
	Name string
	URL  string
	// Kinds are the event kinds it receives: exact ("case.dispatched") or a
	// family ("case.*"); none means every kind.
	Kinds []string
	// RegionPath limits it to events in that region subtree; "" means
	// every region (only the system manages those).
	RegionPath string
	Active     bool
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// WebhookInput is a new webhook.
type WebhookInput struct {
	Name       string
	URL        string // http or https
	Secret     string // at least 16 characters; signs every request
	Kinds      []string
	RegionPath string
	Active     *bool // true if nil
}

// WebhookUpdate changes a webhook; nil fields stay as they are. The region
// is fixed at creation.
type WebhookUpdate struct {
	Name   *string
	URL    *string
	Secret *string
	Kinds  *[]string
	Active *bool
}

// WebhookFilter narrows FindWebhooks; nil fields do not filter.
type WebhookFilter struct {
	Active *bool
	Limit  int // 50 if 0; at most 500
	Offset int
}

// Limits on webhook fields.
const (
	maxWebhookName = 100
	maxURLLen      = 2000
	minSecretLen   = 16
	maxSecretLen   = 256
	maxKinds       = 50
)

// webhookAdmin checks that the actor in ctx may manage webhooks bound to
// regionPath: user.write at a scope covering it. Webhooks for every region
// ("") are the system's.
func webhookAdmin(ctx context.Context, regionPath string) error {
	if _, _, err := auth.Scoped(ctx, auth.ActUserWrite); err != nil {
		return err
	}
	return auth.Check(ctx, auth.ActUserWrite, auth.Resource{RegionPath: regionPath})
}

// CreateWebhook adds a webhook. The actor needs user.write at a scope
// covering in.RegionPath; a webhook for every region needs the system.
// Errors: Invalid naming the field ("name", "url", "secret", "kinds",
// "region_path"), Forbidden, Unauthenticated.
func (s *Service) CreateWebhook(ctx context.Context, in WebhookInput) (*Webhook, error) {
	h, err := checkWebhook(in)
	if err == nil {
		err = checkSecret(in.Secret)
	}
	if err == nil {
		err = webhookAdmin(ctx, h.RegionPath)
	}
	if err == nil {
		err = s.db.Transact(ctx, func(tx *sqldb.Tx) error {
			var region sql.NullString
			var createdBy sql.NullInt64
			if h.RegionPath != "" {
				region = sql.NullString{String: h.RegionPath, Valid: true}
			}
			if a, _ := auth.ActorFrom(ctx); a.UserID != 0 {
				createdBy = sql.NullInt64{Int64: a.UserID, Valid: true}
			}
			h.CreatedAt, h.UpdatedAt = tx.Now, tx.Now
			var err error
			h.ID, err = tx.InsertID(ctx, `INSERT INTO webhooks (name, url, secret, kinds, region_path, active, created_by, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id`,
				h.Name, h.URL, in.Secret, strings.Join(h.Kinds, ","), region, h.Active, createdBy, tx.Now)
			return err
		})
	}
	if err != nil {
		return nil, fmt.Errorf("notify: create webhook %q: %w", strings.TrimSpace(in.Name), err)
	}
	return h, nil
}

// UpdateWebhook changes a webhook. The actor needs user.write covering
// its region. Errors as CreateWebhook, and NotFound.
func (s *Service) UpdateWebhook(ctx context.Context, id int64, up WebhookUpdate) (*Webhook, error) {
	var h *Webhook
	err := s.db.Transact(ctx, func(tx *sqldb.Tx) error {
		var err error
		if h, err = webhookByID(ctx, tx, id); err != nil {
			return err
		}
		if err := webhookAdmin(ctx, h.RegionPath); err != nil {
			return err
		}
		in := WebhookInput{Name: h.Name, URL: h.URL, Kinds: h.Kinds, RegionPath: h.RegionPath, Active: &h.Active}
		if up.Name != nil {
			in.Name = *up.Name
		}
		if up.URL != nil {
			in.URL = *up.URL
		}
		if up.Kinds != nil {
			in.Kinds = *up.Kinds
		}
		if up.Active != nil {
			in.Active = up.Active
		}
		next, err := checkWebhook(in)
		if err != nil {
			return err
		}
		if up.Secret != nil {
			if err := checkSecret(*up.Secret); err != nil {
				return err
			}
		}
		next.ID, next.CreatedAt, next.UpdatedAt = h.ID, h.CreatedAt, tx.Now
		h = next
		if _, err := tx.Exec(ctx, `UPDATE webhooks SET name = $1, url = $2, kinds = $3, active = $4, updated_at = $5 WHERE id = $6`,
			h.Name, h.URL, strings.Join(h.Kinds, ","), h.Active, tx.Now, id); err != nil {
			return err
		}
		if up.Secret != nil {
			_, err = tx.Exec(ctx, `UPDATE webhooks SET secret = $1 WHERE id = $2`, *up.Secret, id)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("notify: update webhook %d: %w", id, err)
	}
	return h, nil
}

// DeleteWebhook removes a webhook and its deliveries. The actor needs
// user.write covering its region. Errors: NotFound, Forbidden.
func (s *Service) DeleteWebhook(ctx context.Context, id int64) error {
	err := s.db.Transact(ctx, func(tx *sqldb.Tx) error {
		h, err := webhookByID(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := webhookAdmin(ctx, h.RegionPath); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM webhooks WHERE id = $1`, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("notify: delete webhook %d: %w", id, err)
	}
	return nil
}

// FindWebhookByID returns a webhook the actor may manage. Errors:
// NotFound, Forbidden.
func (s *Service) FindWebhookByID(ctx context.Context, id int64) (*Webhook, error) {
	if _, _, err := auth.Scoped(ctx, auth.ActUserWrite); err != nil {
		return nil, fmt.Errorf("notify: find webhook %d: %w", id, err)
	}
	h, err := webhookByID(ctx, s.db, id)
	if err == nil {
		err = webhookAdmin(ctx, h.RegionPath)
	}
	if err != nil {
		return nil, fmt.Errorf("notify: find webhook %d: %w", id, err)
	}
	return h, nil
}

// FindWebhooks lists the webhooks bound to regions inside the actor's
// user.write scopes (all of them for the system), by id, with the total
// count before paging.
func (s *Service) FindWebhooks(ctx context.Context, f WebhookFilter) ([]*Webhook, int, error) {
	paths, all, err := auth.Scoped(ctx, auth.ActUserWrite)
	if err != nil {
		return nil, 0, fmt.Errorf("notify: find webhooks: %w", err)
	}
	w := &sqldb.Where{}
	w.Scope("region_path", paths, all)
	if f.Active != nil {
		w.Add("active = " + w.Arg(*f.Active))
	}
	var total int
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM webhooks`+w.String(), w.Args()...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("notify: count webhooks: %w", sqldb.Translate(err))
	}
	limit, offset := sqldb.Page(f.Limit, f.Offset, defaultLimit, maxLimit)
	rows, err := s.db.Query(ctx, `SELECT `+webhookColumns+` FROM webhooks`+w.String()+
		` ORDER BY id LIMIT `+w.Arg(limit)+` OFFSET `+w.Arg(offset), w.Args()...)
	if err != nil {
		return nil, 0, fmt.Errorf("notify: find webhooks: %w", err)
	}
	defer rows.Close()
	out := []*Webhook{}
	for rows.Next() {
		h, err := scanWebhook(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("notify: find webhooks: %w", err)
		}
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("notify: find webhooks: %w", sqldb.Translate(err))
	}
	return out, total, nil
}

const webhookColumns = `id, name, url, kinds, region_path, active, created_at, updated_at`

func webhookByID(ctx context.Context, q sqldb.Querier, id int64) (*Webhook, error) {
	h, err := scanWebhook(q.QueryRow(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE id = $1`, id))
	if apperr.CodeOf(err) == apperr.NotFound {
		return nil, apperr.NotFoundf("Webhook %d 不存在", "webhook %d does not exist", id)
	}
	return h, err
}

func scanWebhook(sc sqldb.Scanner) (*Webhook, error) {
	var h Webhook
	var kinds string
	var region sql.NullString
	if err := sc.Scan(&h.ID, &h.Name, &h.URL, &kinds, &region, &h.Active, &h.CreatedAt, &h.UpdatedAt); err != nil {
		return nil, sqldb.Translate(err)
	}
	h.Kinds = splitKinds(kinds)
	h.RegionPath = region.String
	h.CreatedAt, h.UpdatedAt = h.CreatedAt.UTC(), h.UpdatedAt.UTC()
	return &h, nil
}

// splitKinds parses the stored comma list.
func splitKinds(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

// checkWebhook validates in (but its secret) and returns the webhook it
// describes.
func checkWebhook(in WebhookInput) (*Webhook, error) {
	h := &Webhook{Active: in.Active == nil || *in.Active, RegionPath: strings.TrimSpace(in.RegionPath)}
	h.Name = strings.TrimSpace(in.Name)
	switch n := utf8.RuneCountInString(h.Name); {
	case n == 0:
		return nil, apperr.Invalidf("name", "请填写 Webhook 名称", "the webhook name is required")
	case n > maxWebhookName:
		return nil, apperr.Invalidf("name", "Webhook 名称不能超过%d个字符（现有%d个）", "the webhook name must be at most %d characters, not %d", maxWebhookName, n)
	case !printable(h.Name):
		return nil, apperr.Invalidf("name", "Webhook 名称含有无效字符", "the webhook name contains invalid characters")
	}
	h.URL = strings.TrimSpace(in.URL)
	if err := checkURL(h.URL); err != nil {
		return nil, err
	}
	kinds, err := checkKinds(in.Kinds)
	if err != nil {
		return nil, err
	}
	h.Kinds = kinds
	if h.RegionPath != "" && !pathRe.MatchString(h.RegionPath) {
		return nil, apperr.Invalidf("region_path", "区域路径“%s”无效（应如 /1/4/17/）", "region path %q is not valid (like /1/4/17/)", h.RegionPath)
	}
	return h, nil
}

// checkSecret accepts 16 to 256 printable characters.
func checkSecret(s string) error {
	if n := utf8.RuneCountInString(s); n < minSecretLen || n > maxSecretLen || !printable(s) {
		return apperr.Invalidf("secret", "签名密钥应为%d至%d个可打印字符", "the signing secret must be %d to %d printable characters", minSecretLen, maxSecretLen)
	}
	return nil
}

// checkURL accepts absolute http and https URLs with a host.
func checkURL(s string) error {
	if s == "" {
		return apperr.Invalidf("url", "请填写 Webhook 地址", "the webhook URL is required")
	}
	if len(s) > maxURLLen {
		return apperr.Invalidf("url", "Webhook 地址不能超过%d个字符", "the webhook URL must be at most %d characters", maxURLLen)
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "" {
		return apperr.Invalidf("url", "Webhook 地址应为以 http:// 或 https:// 开头的完整网址", "the webhook URL must be an absolute http:// or https:// address")
	}
	return nil
}

// checkKinds validates and de-duplicates kind patterns: "case.dispatched"
// or "case.*".
func checkKinds(kinds []string) ([]string, error) {
	if len(kinds) > maxKinds {
		return nil, apperr.Invalidf("kinds", "事件类型不能超过%d个", "at most %d event kinds", maxKinds)
	}
	out := make([]string, 0, len(kinds))
	seen := map[string]bool{}
	for _, k := range kinds {
		k = strings.TrimSpace(k)
		name := strings.TrimSuffix(k, ".*")
		if len(k) > maxKindLen || !kindRe.MatchString(name) {
			return nil, apperr.Invalidf("kinds", "事件类型“%s”无效（如 case.dispatched 或 case.*）", "event kind %q is not valid (like case.dispatched or case.*)", k)
		}
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out, nil
}

// printable reports whether s is valid UTF-8 without control characters.
func printable(s string) bool {
	return utf8.ValidString(s) && strings.IndexFunc(s, unicode.IsControl) < 0
}

// kindMatches reports whether kind is among patterns (none means all).
func kindMatches(patterns []string, kind string) bool {
	if len(patterns) == 0 {
		return true
	}
	for _, p := range patterns {
		if p == kind || (strings.HasSuffix(p, ".*") && strings.HasPrefix(kind, p[:len(p)-1])) {
			return true
		}
	}
	return false
}

// queueDeliveries writes one outbox row per active webhook that wants e,
// and returns how many it wrote. The webhooks are read afresh in the
// transaction rather than cached, so that a change made a moment ago by
// another process is honoured; the matching itself is done here, as plain
// SQL made it slower to prepare than the rows are to read.
func queueDeliveries(ctx context.Context, tx *sqldb.Tx, e Event, body []byte) (int, error) {
	rows, err := tx.Query(ctx, `SELECT id, kinds, region_path FROM webhooks WHERE active ORDER BY id`)
	if err != nil {
		return 0, err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		var kinds string
		var region sql.NullString
		if err := rows.Scan(&id, &kinds, &region); err != nil {
			rows.Close()
			return 0, sqldb.Translate(err)
		}
		inRegion := !region.Valid || (e.RegionPath != "" && strings.HasPrefix(e.RegionPath, region.String))
		if inRegion && kindMatches(splitKinds(kinds), e.Kind) {
			ids = append(ids, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, sqldb.Translate(err)
	}
	if len(ids) == 0 {
		return 0, nil
	}
	// Read all, then write (a connection cannot do both at once), all the
	// rows in one statement.
	w := &sqldb.Where{}
	shared := w.Arg(e.Kind) + ", " + w.Arg(string(body)) + ", 0, "
	now := w.Arg(tx.Now)
	shared += now + ", 'pending', '', " + now
	values := make([]string, len(ids))
	for i, id := range ids {
		values[i] = "(" + w.Arg(id) + ", " + shared + ")"
	}
	_, err = tx.Exec(ctx, `INSERT INTO webhook_deliveries (webhook_id, event_kind, event_json, attempts, next_attempt_at, status, last_error, created_at)
		VALUES `+strings.Join(values, ", "), w.Args()...)
	if err != nil {
		return 0, err
	}
	return len(ids), nil
}
