// Package notify tells people what happened: an in-app inbox per user, a
// live event stream for server-sent events, and a webhook outbox (signed,
// retried with backoff, at least once, with a dead-letter list) for SMS
// and WeChat gateways. Events are published inside the transaction of the
// change they report: inbox and outbox rows commit or roll back with it,
// and live subscribers hear of it only after the commit.
package notify

import (
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gridwork/gridwork/internal/apperr"
)

// Event is something that happened to a case (or, with CaseID 0, anything
// else a user should hear of). The case service fills it; notify stores it
// in inboxes and the outbox and fans it out to live subscribers. Receivers
// must treat an Event's slices and maps as read-only: subscribers share them.
type Event struct {
	// Kind names the event for filters and receivers, dotted and lower
	// case: "case.reported", "case.dispatched", "case.supervised" …
	Kind       string `json:"kind"`
	CaseID     int64  `json:"case_id,omitempty"`
	CaseNumber string `json:"case_number,omitempty"`
	// RegionPath is the materialised path of the region the event belongs
	// to (the case's grid); it decides who may see the event live and
	// which region-bound webhooks receive it.
	RegionPath string `json:"region_path,omitempty"`
	Action     string `json:"action,omitempty"`
	FromState  string `json:"from_state,omitempty"`
	ToState    string `json:"to_state,omitempty"`
	ActorName  string `json:"actor_name,omitempty"`
	// At is when it happened; Publish sets the transaction's time if zero.
	At time.Time `json:"at"`
	// Recipients are the users who get an inbox item (and always see the
	// event live, whatever their scopes).
	Recipients []int64 `json:"recipients,omitempty"`
	// Public holds extra data safe to show to anyone who may see the
	// event; it is sent to webhooks as is. It must marshal to JSON.
	Public map[string]any `json:"public,omitempty"`

	// TitleZH, TitleEN and Body are the inbox item's text; Publish derives
	// the titles from the case number and action when they are empty.
	TitleZH string `json:"title_zh,omitempty"`
	TitleEN string `json:"title_en,omitempty"`
	Body    string `json:"body,omitempty"`

	// Missed is set by the broker on an event delivered to a live
	// subscriber: how many events were dropped to make room for this one
	// because the subscriber was too slow (summed over what it reads, the
	// events it lost). A client seeing Missed > 0 should reload what it
	// shows. Never stored or sent out.
	Missed int `json:"missed,omitempty"`
}

// Limits on what an event carries into inbox rows.
const (
	maxKindLen   = 64
	maxTitleLen  = 200
	maxBodyLen   = 2000
	maxRecipient = 10000
)

// kindRe is a dotted lower-case name such as "case.dispatched".
var kindRe = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$`)

// pathRe is a materialised path such as "/1/4/17/".
var pathRe = regexp.MustCompile(`^(/[0-9]+)+/$`)

// prepare checks e and fills its defaults: At from now, the titles from
// the case number and action, recipients without duplicates or zeros.
func (e Event) prepare(now time.Time) (Event, error) {
	e.Kind = strings.TrimSpace(e.Kind)
	if e.Kind == "" || len(e.Kind) > maxKindLen || !kindRe.MatchString(e.Kind) {
		return e, apperr.Invalidf("kind", "事件类型“%s”无效（应为小写点分名称，如 case.dispatched）",
			"event kind %q is not valid (a dotted lower-case name such as case.dispatched)", e.Kind)
	}
	if e.RegionPath != "" && !pathRe.MatchString(e.RegionPath) {
		return e, apperr.Invalidf("region_path", "区域路径“%s”无效", "region path %q is not valid", e.RegionPath)
	}
	if e.At.IsZero() {
		e.At = now
	}
	e.At = e.At.UTC()
	if e.TitleZH == "" {
		e.TitleZH = defaultTitleZH(e)
	}
	if e.TitleEN == "" {
		e.TitleEN = defaultTitleEN(e)
	}
	for _, f := range []struct {
		field, zh, en, s string
		max              int
	}{
		{"title_zh", "中文标题", "the Chinese title", e.TitleZH, maxTitleLen},
		{"title_en", "英文标题", "the English title", e.TitleEN, maxTitleLen},
		{"body", "正文", "the body", e.Body, maxBodyLen},
	} {
		if !utf8.ValidString(f.s) {
			return e, apperr.Invalidf(f.field, "%[1]s含有无效字符", "%[2]s contains invalid characters", f.zh, f.en)
		}
		if n := utf8.RuneCountInString(f.s); n > f.max {
			return e, apperr.Invalidf(f.field, "%[1]s不能超过%[3]d个字符（现有%[4]d个）", "%[2]s must be at most %[3]d characters, not %[4]d", f.zh, f.en, f.max, n)
		}
	}
	if len(e.Recipients) > maxRecipient {
		return e, apperr.Invalidf("recipients", "收件人不能超过%d个", "at most %d recipients", maxRecipient)
	}
	e.Recipients = uniqueIDs(e.Recipients)
	e.Missed = 0
	return e, nil
}

func defaultTitleZH(e Event) string {
	subject := "通知"
	if e.CaseNumber != "" {
		subject = "案件 " + e.CaseNumber
	}
	switch {
	case e.Action != "" && e.ToState != "":
		return subject + "：" + e.Action + " → " + e.ToState
	case e.Action != "":
		return subject + "：" + e.Action
	}
	return subject + "：" + e.Kind
}

func defaultTitleEN(e Event) string {
	subject := "Notice"
	if e.CaseNumber != "" {
		subject = "Case " + e.CaseNumber
	}
	switch {
	case e.Action != "" && e.ToState != "":
		return subject + ": " + e.Action + " → " + e.ToState
	case e.Action != "":
		return subject + ": " + e.Action
	}
	return subject + ": " + e.Kind
}

// uniqueIDs returns ids without zeros and repeats, in first-seen order.
func uniqueIDs(ids []int64) []int64 {
	if len(ids) == 0 {
		return nil
	}
	seen := make(map[int64]bool, len(ids))
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if id > 0 && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// isRecipient reports whether user id is one of e's recipients.
func (e Event) isRecipient(id int64) bool {
	if id == 0 {
		return false
	}
	for _, r := range e.Recipients {
		if r == id {
			return true
		}
	}
	return false
}
