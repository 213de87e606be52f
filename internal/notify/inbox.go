package notify

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/sqldb"
)

// InboxItem is one notification in a user's inbox.
type InboxItem struct {
	ID        int64
	UserID    int64
	CaseID    int64 // 0 when the event was not about a case
	Kind      string
	TitleZH   string
	TitleEN   string
	Body      string
	CreatedAt time.Time
	ReadAt    *time.Time // nil while unread
}

// InboxFilter narrows FindInbox; nil fields do not filter.
type InboxFilter struct {
	Unread *bool // true: unread only; false: read only
	Limit  int   // 50 if 0; at most 500
	Offset int
}

// maxMarkRead bounds the ids of one MarkRead call.
const maxMarkRead = 500

// inboxOwner returns the user whose inbox the actor in ctx may use: its
// own, and nobody else's. An inbox needs no role — every signed-in user
// has one — but it needs a user: the system actor has none.
func inboxOwner(ctx context.Context) (int64, error) {
	a, ok := auth.ActorFrom(ctx)
	if !ok {
		return 0, apperr.ErrUnauthenticated()
	}
	if a.UserID == 0 {
		return 0, apperr.New(apperr.Forbidden, "", "此账户没有收件箱", "this actor has no inbox")
	}
	return a.UserID, nil
}

// FindInbox lists the actor's own inbox items matching f, newest first,
// with the total count before paging. Errors: Unauthenticated, Forbidden
// (an actor without a user, such as the system).
func (s *Service) FindInbox(ctx context.Context, f InboxFilter) ([]*InboxItem, int, error) {
	uid, err := inboxOwner(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("notify: find inbox: %w", err)
	}
	w := &sqldb.Where{}
	w.Add("user_id = " + w.Arg(uid))
	if f.Unread != nil {
		if *f.Unread {
			w.Add("read_at IS NULL")
		} else {
			w.Add("read_at IS NOT NULL")
		}
	}
	var total int
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM inbox`+w.String(), w.Args()...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("notify: count inbox: %w", sqldb.Translate(err))
	}
	limit, offset := sqldb.Page(f.Limit, f.Offset, defaultLimit, maxLimit)
	q := `SELECT id, user_id, case_id, kind, title_zh, title_en, body, created_at, read_at FROM inbox` +
		w.String() + ` ORDER BY id DESC LIMIT ` + w.Arg(limit) + ` OFFSET ` + w.Arg(offset)
	rows, err := s.db.Query(ctx, q, w.Args()...)
	if err != nil {
		return nil, 0, fmt.Errorf("notify: find inbox: %w", err)
	}
	defer rows.Close()
	items := []*InboxItem{}
	for rows.Next() {
		it, err := scanInboxItem(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("notify: find inbox: %w", err)
		}
		items = append(items, it)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("notify: find inbox: %w", sqldb.Translate(err))
	}
	return items, total, nil
}

func scanInboxItem(sc sqldb.Scanner) (*InboxItem, error) {
	var it InboxItem
	var caseID sql.NullInt64
	var readAt sql.NullTime
	if err := sc.Scan(&it.ID, &it.UserID, &caseID, &it.Kind, &it.TitleZH, &it.TitleEN, &it.Body, &it.CreatedAt, &readAt); err != nil {
		return nil, sqldb.Translate(err)
	}
	it.CaseID = caseID.Int64
	it.CreatedAt = it.CreatedAt.UTC()
	if readAt.Valid {
		t := readAt.Time.UTC()
		it.ReadAt = &t
	}
	return &it, nil
}

// UnreadCount returns the number of unread items in the actor's inbox.
// Errors as FindInbox.
func (s *Service) UnreadCount(ctx context.Context) (int, error) {
	uid, err := inboxOwner(ctx)
	if err != nil {
		return 0, fmt.Errorf("notify: unread count: %w", err)
	}
	var n int
	err = s.db.QueryRow(ctx, `SELECT count(*) FROM inbox WHERE user_id = $1 AND read_at IS NULL`, uid).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("notify: unread count: %w", sqldb.Translate(err))
	}
	return n, nil
}

// MarkRead marks the actor's inbox items ids as read (items already read
// keep their first read time). Every id must be one of the actor's own
// items: an id that is not — someone else's or none at all — is NotFound
// and nothing is marked. Errors: Invalid on field "ids" (none, more than
// 500, or not positive), NotFound, and those of FindInbox.
func (s *Service) MarkRead(ctx context.Context, ids []int64) error {
	uid, err := inboxOwner(ctx)
	if err != nil {
		return fmt.Errorf("notify: mark read: %w", err)
	}
	if len(ids) == 0 {
		return fmt.Errorf("notify: mark read: %w", apperr.Invalidf("ids", "请指定要标记为已读的消息", "name the items to mark as read"))
	}
	if len(ids) > maxMarkRead {
		return fmt.Errorf("notify: mark read: %w", apperr.Invalidf("ids", "一次最多标记%d条消息", "at most %d items at a time", maxMarkRead))
	}
	for _, id := range ids {
		if id <= 0 {
			return fmt.Errorf("notify: mark read: %w", apperr.Invalidf("ids", "消息编号 %d 无效", "item id %d is not valid", id))
		}
	}
	ids = uniqueIDs(ids)
	err = s.db.Transact(ctx, func(tx *sqldb.Tx) error {
		w := &sqldb.Where{}
		w.Add("user_id = " + w.Arg(uid))
		w.Add("id IN (" + sqldb.ArgList(w, ids) + ")")
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM inbox`+w.String(), w.Args()...).Scan(&n); err != nil {
			return sqldb.Translate(err)
		}
		if n != len(ids) {
			return apperr.NotFoundf("消息不存在", "no such inbox item")
		}
		now := w.Arg(tx.Now)
		w.Add("read_at IS NULL")
		_, err := tx.Exec(ctx, `UPDATE inbox SET read_at = `+now+w.String(), w.Args()...)
		return err
	})
	if err != nil {
		return fmt.Errorf("notify: mark read: %w", err)
	}
	return nil
}

// MarkAllRead marks every unread item of the actor's inbox as read and
// returns how many it marked. Errors as FindInbox.
func (s *Service) MarkAllRead(ctx context.Context) (int, error) {
	uid, err := inboxOwner(ctx)
	if err != nil {
		return 0, fmt.Errorf("notify: mark all read: %w", err)
	}
	var n int64
	err = s.db.Transact(ctx, func(tx *sqldb.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE inbox SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL`, tx.Now, uid)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("notify: mark all read: %w", err)
	}
	return int(n), nil
}

// inboxChunk bounds the rows of one multi-row insert (8 arguments each).
const inboxChunk = 500

// insertInbox writes one inbox item per recipient of e.
func insertInbox(ctx context.Context, tx *sqldb.Tx, e Event) error {
	var caseID sql.NullInt64
	if e.CaseID != 0 {
		caseID = sql.NullInt64{Int64: e.CaseID, Valid: true}
	}
	for start := 0; start < len(e.Recipients); start += inboxChunk {
		chunk := e.Recipients[start:min(start+inboxChunk, len(e.Recipients))]
		w := &sqldb.Where{}
		q := []byte(`INSERT INTO inbox (user_id, case_id, kind, title_zh, title_en, body, created_at) VALUES `)
		// The values shared by every row are bound once.
		shared := fmt.Sprintf("%s, %s, %s, %s, %s, %s", w.Arg(caseID), w.Arg(e.Kind), w.Arg(e.TitleZH), w.Arg(e.TitleEN), w.Arg(e.Body), w.Arg(tx.Now))
		for i, uid := range chunk {
			if i > 0 {
				q = append(q, ", "...)
			}
			q = append(q, "("+w.Arg(uid)+", "+shared+")"...)
		}
		if _, err := tx.Exec(ctx, string(q), w.Args()...); err != nil {
			if apperr.CodeOf(err) == apperr.Invalid {
				return apperr.Wrap(err, apperr.Invalid, "recipients", "收件人中有不存在的用户", "a recipient is not a known user")
			}
			return err
		}
	}
	return nil
}
