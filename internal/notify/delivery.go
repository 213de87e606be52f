package notify

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/sqldb"
)

// DeliveryStatus is where a webhook delivery stands.
type DeliveryStatus string

// The delivery statuses. Dead deliveries form the dead-letter list.
const (
	DeliveryPending   DeliveryStatus = "pending"
	DeliveryDelivered DeliveryStatus = "delivered"
	DeliveryDead      DeliveryStatus = "dead"
)

// Valid reports whether s is a known status.
func (s DeliveryStatus) Valid() bool {
	return s == DeliveryPending || s == DeliveryDelivered || s == DeliveryDead
}

// Delivery is one event on its way to one webhook (an outbox row).
type Delivery struct {
	ID            int64
	WebhookID     int64
	Kind          string          // the event's kind
	Event         json.RawMessage // the request body, exactly as sent
	Attempts      int             // sends started so far
	NextAttemptAt time.Time       // when a pending delivery is next tried
	Status        DeliveryStatus
	LastError     string     // why the last attempt failed; "" after success
	LastStatus    int        // HTTP status of the last attempt; 0 if none came back
	CreatedAt     time.Time  // when the event was published
	DeliveredAt   *time.Time // when a 2xx came back
}

// DeliveryFilter narrows FindDeliveries; nil fields do not filter.
type DeliveryFilter struct {
	Status    *DeliveryStatus
	WebhookID *int64
	Limit     int // 50 if 0; at most 500
	Offset    int
}

const deliveryColumns = `d.id, d.webhook_id, d.event_kind, d.event_json, d.attempts, d.next_attempt_at, d.status,
	d.last_error, d.last_status, d.created_at, d.delivered_at`

func scanDelivery(sc sqldb.Scanner) (*Delivery, error) {
	var d Delivery
	var body string
	var lastStatus sql.NullInt64
	var deliveredAt sql.NullTime
	if err := sc.Scan(&d.ID, &d.WebhookID, &d.Kind, &body, &d.Attempts, &d.NextAttemptAt, &d.Status,
		&d.LastError, &lastStatus, &d.CreatedAt, &deliveredAt); err != nil {
		return nil, sqldb.Translate(err)
	}
	d.Event = json.RawMessage(body)
	d.LastStatus = int(lastStatus.Int64)
	d.NextAttemptAt, d.CreatedAt = d.NextAttemptAt.UTC(), d.CreatedAt.UTC()
	if deliveredAt.Valid {
		t := deliveredAt.Time.UTC()
		d.DeliveredAt = &t
	}
	return &d, nil
}

// FindDeliveries lists the deliveries of the webhooks the actor may manage
// (see FindWebhooks), newest first, with the total count before paging.
// With Status "dead" it is the dead-letter list. Errors: Invalid on field
// "status", Forbidden, Unauthenticated.
func (s *Service) FindDeliveries(ctx context.Context, f DeliveryFilter) ([]*Delivery, int, error) {
	paths, all, err := auth.Scoped(ctx, auth.ActUserWrite)
	if err != nil {
		return nil, 0, fmt.Errorf("notify: find deliveries: %w", err)
	}
	w := &sqldb.Where{}
	w.Scope("h.region_path", paths, all)
	if f.Status != nil {
		if !f.Status.Valid() {
			return nil, 0, fmt.Errorf("notify: find deliveries: %w", apperr.Invalidf("status",
				"投递状态“%s”无效（应为 pending、delivered 或 dead）", "delivery status %q is not valid (pending, delivered or dead)", *f.Status))
		}
		w.Add("d.status = " + w.Arg(string(*f.Status)))
	}
	if f.WebhookID != nil {
		w.Add("d.webhook_id = " + w.Arg(*f.WebhookID))
	}
	from := ` FROM webhook_deliveries d JOIN webhooks h ON h.id = d.webhook_id`
	var total int
	if err := s.db.QueryRow(ctx, `SELECT count(*)`+from+w.String(), w.Args()...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("notify: count deliveries: %w", sqldb.Translate(err))
	}
	limit, offset := sqldb.Page(f.Limit, f.Offset, defaultLimit, maxLimit)
	rows, err := s.db.Query(ctx, `SELECT `+deliveryColumns+from+w.String()+
		` ORDER BY d.id DESC LIMIT `+w.Arg(limit)+` OFFSET `+w.Arg(offset), w.Args()...)
	if err != nil {
		return nil, 0, fmt.Errorf("notify: find deliveries: %w", err)
	}
	defer rows.Close()
	out := []*Delivery{}
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("notify: find deliveries: %w", err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("notify: find deliveries: %w", sqldb.Translate(err))
	}
	return out, total, nil
}

// FindDeliveryByID returns a delivery of a webhook the actor may manage.
// Errors: NotFound, Forbidden, Unauthenticated.
func (s *Service) FindDeliveryByID(ctx context.Context, id int64) (*Delivery, error) {
	if _, _, err := auth.Scoped(ctx, auth.ActUserWrite); err != nil {
		return nil, fmt.Errorf("notify: find delivery %d: %w", id, err)
	}
	d, region, err := deliveryByID(ctx, s.db, id)
	if err == nil {
		err = webhookAdmin(ctx, region)
	}
	if err != nil {
		return nil, fmt.Errorf("notify: find delivery %d: %w", id, err)
	}
	return d, nil
}

// deliveryByID returns a delivery and its webhook's region path.
func deliveryByID(ctx context.Context, q sqldb.Querier, id int64) (*Delivery, string, error) {
	var region sql.NullString
	row := q.QueryRow(ctx, `SELECT `+deliveryColumns+`, h.region_path FROM webhook_deliveries d
		JOIN webhooks h ON h.id = d.webhook_id WHERE d.id = $1`, id)
	d, err := scanDelivery(sqldb.ScanFunc(func(dest ...any) error { return row.Scan(append(dest, &region)...) }))
	if apperr.CodeOf(err) == apperr.NotFound {
		return nil, "", apperr.NotFoundf("投递记录 %d 不存在", "delivery %d does not exist", id)
	}
	if err != nil {
		return nil, "", err
	}
	return d, region.String, nil
}

// Redeliver takes a dead delivery off the dead-letter list: it becomes
// pending again with its attempts reset, due at once. The actor needs
// user.write covering the webhook's region. Errors: NotFound, Forbidden,
// Conflict on field "status" when the delivery is not dead.
func (s *Service) Redeliver(ctx context.Context, id int64) error {
	if _, _, err := auth.Scoped(ctx, auth.ActUserWrite); err != nil {
		return fmt.Errorf("notify: redeliver %d: %w", id, err)
	}
	err := s.db.Transact(ctx, func(tx *sqldb.Tx) error {
		d, region, err := deliveryByID(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := webhookAdmin(ctx, region); err != nil {
			return err
		}
		if d.Status != DeliveryDead {
			return apperr.Conflictf("status", "只能重新投递已失败（dead）的记录，此记录状态为 %s",
				"only dead deliveries can be redelivered; this one is %s", d.Status)
		}
		if _, err := tx.Exec(ctx, `UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = $1
			WHERE id = $2 AND status = 'dead'`, tx.Now, id); err != nil {
			return err
		}
		if s.wake != nil {
			tx.AfterCommit(s.wake)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("notify: redeliver %d: %w", id, err)
	}
	return nil
}
