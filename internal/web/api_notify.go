package web

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/notify"
)

// inboxItemJSON is one notification of the actor's inbox.
type inboxItemJSON struct {
	ID        int64      `json:"id"`
	CaseID    int64      `json:"case_id,omitempty"`
	Kind      string     `json:"kind"`
	Title     string     `json:"title"` // in the request's language
	TitleZH   string     `json:"title_zh"`
	TitleEN   string     `json:"title_en"`
	Body      string     `json:"body"`
	CreatedAt time.Time  `json:"created_at"`
	ReadAt    *time.Time `json:"read_at"` // null while unread
}

// markReadRequest marks the items ids read, or every unread item with all.
type markReadRequest struct {
	IDs []int64 `json:"ids,omitempty"`
	All bool    `json:"all,omitempty"`
}

// unreadJSON is the number of unread notifications.
type unreadJSON struct {
	Unread int `json:"unread"`
}

func (s *Server) handleInbox(w http.ResponseWriter, r *http.Request) error {
	limit, offset, err := paging(r, 500)
	if err != nil {
		return err
	}
	f := notify.InboxFilter{Limit: limit, Offset: offset}
	if f.Unread, err = optBool(r, "unread"); err != nil {
		return err
	}
	list, total, err := s.notify.FindInbox(r.Context(), f)
	if err != nil {
		return err
	}
	lang := langOf(r)
	writePage(w, list, total, limit, offset, func(it *notify.InboxItem) inboxItemJSON {
		title := it.TitleZH
		if lang == "en" && it.TitleEN != "" {
			title = it.TitleEN
		}
		return inboxItemJSON{ID: it.ID, CaseID: it.CaseID, Kind: it.Kind, Title: title, TitleZH: it.TitleZH, TitleEN: it.TitleEN,
			Body: it.Body, CreatedAt: it.CreatedAt, ReadAt: it.ReadAt}
	})
	return nil
}

func (s *Server) handleMarkRead(w http.ResponseWriter, r *http.Request) error {
	var in markReadRequest
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	var err error
	switch {
	case in.All && len(in.IDs) > 0:
		err = apperr.Invalidf("ids", "指定 all 时不能再列出 ids", "give either ids or all, not both")
	case in.All:
		_, err = s.notify.MarkAllRead(r.Context())
	default:
		err = s.notify.MarkRead(r.Context(), in.IDs)
	}
	if err != nil {
		return err
	}
	return s.handleUnreadCount(w, r)
}

func (s *Server) handleUnreadCount(w http.ResponseWriter, r *http.Request) error {
	n, err := s.notify.UnreadCount(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, unreadJSON{Unread: n})
	return nil
}

// webhookJSON is a webhook as the API shows it: never with its secret.
type webhookJSON struct {
	ID         int64     `json:"id"`
	Name       string    `json:"name"`
	URL        string    `json:"url"`
	Kinds      []string  `json:"kinds"`       // exact kinds or families ("case.*"); none: every kind
	RegionID   int64     `json:"region_id"`   // 0: every region
	RegionPath string    `json:"region_path"` // "": every region
	Active     bool      `json:"active"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// webhookCreatedJSON is a new webhook; secret is set only when the server
// generated it, and is shown this once.
type webhookCreatedJSON struct {
	ID         int64     `json:"id"`
	Name       string    `json:"name"`
	URL        string    `json:"url"`
	Kinds      []string  `json:"kinds"`
	RegionID   int64     `json:"region_id"`
	RegionPath string    `json:"region_path"`
	Active     bool      `json:"active"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
	Secret     string    `json:"secret,omitempty"`
}

// regionIDOfPath is the last id of a materialised path ("/1/4/17/" → 17),
// 0 for "".
func regionIDOfPath(p string) int64 {
	t := strings.TrimSuffix(p, "/")
	id, _ := strconv.ParseInt(t[strings.LastIndex(t, "/")+1:], 10, 64)
	return id
}

func toWebhookJSON(h *notify.Webhook) webhookJSON {
	return webhookJSON{ID: h.ID, Name: h.Name, URL: h.URL, Kinds: nonNil(h.Kinds), RegionID: regionIDOfPath(h.RegionPath),
		RegionPath: h.RegionPath, Active: h.Active, CreatedAt: h.CreatedAt, UpdatedAt: h.UpdatedAt}
}

// webhookInputJSON creates a webhook. Without region_id it receives the
// events of every region, which only the system may set up. Without a
// secret the server generates one.
type webhookInputJSON struct {
	Name     string   `json:"name"`
	URL      string   `json:"url"`
	Secret   string   `json:"secret,omitempty"`
	Kinds    []string `json:"kinds,omitempty"`
	RegionID int64    `json:"region_id,omitempty"`
	Active   *bool    `json:"active"`
}

// webhookUpdateJSON changes a webhook; absent fields stay. Its region is
// fixed at creation.
type webhookUpdateJSON struct {
	Name   *string   `json:"name"`
	URL    *string   `json:"url"`
	Secret *string   `json:"secret"`
	Kinds  *[]string `json:"kinds"`
	Active *bool     `json:"active"`
}

func (s *Server) handleListWebhooks(w http.ResponseWriter, r *http.Request) error {
	limit, offset, err := paging(r, 500)
	if err != nil {
		return err
	}
	f := notify.WebhookFilter{Limit: limit, Offset: offset}
	if f.Active, err = optBool(r, "active"); err != nil {
		return err
	}
	list, total, err := s.notify.FindWebhooks(r.Context(), f)
	if err != nil {
		return err
	}
	writePage(w, list, total, limit, offset, toWebhookJSON)
	return nil
}

func (s *Server) handleGetWebhook(w http.ResponseWriter, r *http.Request) error {
	return writeFound(w, r, s.notify.FindWebhookByID, toWebhookJSON)
}

func (s *Server) handleCreateWebhook(w http.ResponseWriter, r *http.Request) error {
	var in webhookInputJSON
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	var path string
	if in.RegionID < 0 {
		return apperr.Invalidf("region_id", "region_id 必须是正整数", "region_id must be a positive integer")
	}
	if in.RegionID > 0 {
		rg, err := s.territory.FindRegionByID(r.Context(), in.RegionID)
		if apperr.CodeOf(err) == apperr.NotFound {
			return apperr.Invalidf("region_id", "区域 %d 不存在", "region %d does not exist", in.RegionID)
		}
		if err != nil {
			return err
		}
		path = rg.Path
	}
	secret, generated := in.Secret, false
	if secret == "" {
		var b [32]byte
		_, _ = rand.Read(b[:])
		secret, generated = hex.EncodeToString(b[:]), true
	}
	h, err := s.notify.CreateWebhook(r.Context(), notify.WebhookInput{Name: in.Name, URL: in.URL, Secret: secret,
		Kinds: in.Kinds, RegionPath: path, Active: in.Active})
	if err != nil {
		return err
	}
	j := toWebhookJSON(h)
	out := webhookCreatedJSON{ID: j.ID, Name: j.Name, URL: j.URL, Kinds: j.Kinds, RegionID: j.RegionID, RegionPath: j.RegionPath,
		Active: j.Active, CreatedAt: j.CreatedAt, UpdatedAt: j.UpdatedAt}
	if generated {
		out.Secret = secret
	}
	writeJSON(w, http.StatusCreated, out)
	return nil
}

func (s *Server) handleUpdateWebhook(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in webhookUpdateJSON
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	h, err := s.notify.UpdateWebhook(r.Context(), id, notify.WebhookUpdate{Name: in.Name, URL: in.URL, Secret: in.Secret, Kinds: in.Kinds, Active: in.Active})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toWebhookJSON(h))
	return nil
}

func (s *Server) handleDeleteWebhook(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.notify.DeleteWebhook(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// deliveryJSON is one event on its way to one webhook.
type deliveryJSON struct {
	ID            int64                 `json:"id"`
	WebhookID     int64                 `json:"webhook_id"`
	Kind          string                `json:"kind"`
	Event         json.RawMessage       `json:"event"` // the request body, exactly as sent
	Attempts      int                   `json:"attempts"`
	NextAttemptAt time.Time             `json:"next_attempt_at"`
	Status        notify.DeliveryStatus `json:"status"`
	LastError     string                `json:"last_error"`
	LastStatus    int                   `json:"last_status"` // HTTP status of the last attempt; 0 if none came back
	CreatedAt     time.Time             `json:"created_at"`
	DeliveredAt   *time.Time            `json:"delivered_at"`
}

func toDeliveryJSON(d *notify.Delivery) deliveryJSON {
	return deliveryJSON{ID: d.ID, WebhookID: d.WebhookID, Kind: d.Kind, Event: d.Event, Attempts: d.Attempts,
		NextAttemptAt: d.NextAttemptAt, Status: d.Status, LastError: d.LastError, LastStatus: d.LastStatus,
		CreatedAt: d.CreatedAt, DeliveredAt: d.DeliveredAt}
}

func (s *Server) handleListDeliveries(w http.ResponseWriter, r *http.Request) error {
	limit, offset, err := paging(r, 500)
	if err != nil {
		return err
	}
	f := notify.DeliveryFilter{Limit: limit, Offset: offset}
	if st := optString(r, "status"); st != nil {
		ds := notify.DeliveryStatus(*st)
		f.Status = &ds
	}
	if f.WebhookID, err = optID(r, "webhook_id"); err != nil {
		return err
	}
	list, total, err := s.notify.FindDeliveries(r.Context(), f)
	if err != nil {
		return err
	}
	writePage(w, list, total, limit, offset, toDeliveryJSON)
	return nil
}

func (s *Server) handleRedeliver(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.notify.Redeliver(r.Context(), id); err != nil {
		return err
	}
	return writeFound(w, r, s.notify.FindDeliveryByID, toDeliveryJSON)
}
