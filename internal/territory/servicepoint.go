package territory

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/sqldb"
)

// ServicePointKind is what a service point offers.
type ServicePointKind string

// The service point kinds.
const (
	ServicePointMediationRoom      ServicePointKind = "mediation_room"       // 调解室
	ServicePointPolicePost         ServicePointKind = "police_post"          // 警务室
	ServicePointPartyServiceCenter ServicePointKind = "party_service_center" // 党群服务中心
	ServicePointWarmStation        ServicePointKind = "warm_station"         // 暖心驿站 (couriers)
)

// Label returns the kind's name for users.
func (k ServicePointKind) Label() apperr.Text {
	switch k {
	case ServicePointMediationRoom:
		return apperr.Text{ZH: "调解室", EN: "mediation room"}
	case ServicePointPolicePost:
		return apperr.Text{ZH: "警务室", EN: "police post"}
	case ServicePointPartyServiceCenter:
		return apperr.Text{ZH: "党群服务中心", EN: "party-mass service centre"}
	case ServicePointWarmStation:
		return apperr.Text{ZH: "暖心驿站", EN: "warm station"}
	}
	return apperr.Text{ZH: string(k), EN: string(k)}
}

// ParseServicePointKind accepts a kind's code or its Chinese label.
func ParseServicePointKind(s string) (ServicePointKind, bool) {
	s = strings.TrimSpace(s)
	for _, k := range []ServicePointKind{ServicePointMediationRoom, ServicePointPolicePost, ServicePointPartyServiceCenter, ServicePointWarmStation} {
		if s == string(k) || s == k.Label().ZH {
			return k, true
		}
	}
	return "", false
}

// ServicePoint is a point of service on the map, belonging to a region of
// any level.
type ServicePoint struct {
	ID         int64
	RegionID   int64
	RegionPath string
	Kind       ServicePointKind
	Name       string
	Address    string
	Lon, Lat   float64
	Phone      string
	Hours      string // opening hours, free text ("周一至周五 8:30–17:30")
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// ServicePointInput creates a service point.
type ServicePointInput struct {
	RegionID int64
	Kind     ServicePointKind
	Name     string
	Address  string
	Lon, Lat float64
	Phone    string
	Hours    string
}

// ServicePointUpdate changes a service point; nil fields stay as they are.
type ServicePointUpdate struct {
	Kind     *ServicePointKind
	Name     *string
	Address  *string
	Lon, Lat *float64
	Phone    *string
	Hours    *string
}

// ServicePointFilter selects service points; nil fields do not filter.
type ServicePointFilter struct {
	RegionID  *int64
	SubtreeOf *int64
	Kind      *ServicePointKind
	Offset    int
	Limit     int
}

const servicePointCols = `id, region_id, region_path, kind, name, address, lon, lat, phone, hours, created_at, updated_at`

func scanServicePoint(sc sqldb.Scanner) (*ServicePoint, error) {
	var p ServicePoint
	if err := sc.Scan(&p.ID, &p.RegionID, &p.RegionPath, &p.Kind, &p.Name, &p.Address, &p.Lon, &p.Lat, &p.Phone, &p.Hours,
		&p.CreatedAt, &p.UpdatedAt); err != nil {
		return nil, err
	}
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	return &p, nil
}

func servicePointByID(ctx context.Context, q sqldb.Querier, id int64) (*ServicePoint, error) {
	p, err := scanServicePoint(q.QueryRow(ctx, `SELECT `+servicePointCols+` FROM service_points WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFoundf("服务点 %d 不存在", "service point %d not found", id)
	}
	if err != nil {
		return nil, sqldb.Translate(err)
	}
	return p, nil
}

// checkServicePoint checks and normalises p's fields in place.
func checkServicePoint(p *ServicePoint) error {
	k, ok := ParseServicePointKind(string(p.Kind))
	if !ok {
		return apperr.Invalidf("kind", "服务点类型“%s”无效（调解室、警务室、党群服务中心或暖心驿站）",
			"service point kind %q is not valid (mediation_room, police_post, party_service_center or warm_station)", p.Kind)
	}
	p.Kind = k
	var err error
	if p.Name, err = checkText("name", apperr.Text{ZH: "服务点名称", EN: "the name"}, p.Name, true, 100); err != nil {
		return err
	}
	if p.Address, err = checkText("address", labelAddress, p.Address, false, 200); err != nil {
		return err
	}
	if err := checkPoint(p.Lon, p.Lat); err != nil {
		return err
	}
	if p.Phone, err = checkText("phone", apperr.Text{ZH: "电话", EN: "the phone"}, p.Phone, false, 30); err != nil {
		return err
	}
	for _, r := range p.Phone {
		if !(r >= '0' && r <= '9') && !strings.ContainsRune("+-() ", r) {
			return apperr.Invalidf("phone", "电话“%s”只能包含数字、空格和 + - ( )", "phone %q may hold only digits, spaces and + - ( )", p.Phone)
		}
	}
	if p.Hours, err = checkText("hours", apperr.Text{ZH: "开放时间", EN: "the opening hours"}, p.Hours, false, 100); err != nil {
		return err
	}
	return nil
}

// CreateServicePoint adds a service point to a region. The actor needs
// service_point.write at the region.
func (s *Service) CreateServicePoint(ctx context.Context, in ServicePointInput) (*ServicePoint, error) {
	if _, _, err := auth.Scoped(ctx, auth.ActServicePointWrite); err != nil {
		return nil, err
	}
	var p *ServicePoint
	err := s.db.Transact(ctx, func(tx *sqldb.Tx) error {
		r, err := regionByID(ctx, tx, in.RegionID)
		if apperr.CodeOf(err) == apperr.NotFound {
			return apperr.Invalidf("region_id", "区域 %d 不存在", "region %d does not exist", in.RegionID)
		}
		if err != nil {
			return err
		}
		if err := auth.Check(ctx, auth.ActServicePointWrite, auth.Resource{RegionPath: r.Path}); err != nil {
			return err
		}
		p = &ServicePoint{RegionID: r.ID, RegionPath: r.Path, Kind: in.Kind, Name: in.Name, Address: in.Address, Lon: in.Lon, Lat: in.Lat,
			Phone: in.Phone, Hours: in.Hours, CreatedAt: tx.Now, UpdatedAt: tx.Now}
		if err := checkServicePoint(p); err != nil {
			return err
		}
		p.ID, err = tx.InsertID(ctx, `INSERT INTO service_points (region_id, region_path, kind, name, address, lon, lat, phone, hours, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id`,
			p.RegionID, p.RegionPath, string(p.Kind), p.Name, p.Address, p.Lon, p.Lat, p.Phone, p.Hours, tx.Now)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("territory: create service point %q: %w", in.Name, err)
	}
	return p, nil
}

// FindServicePointByID returns a service point the actor may read
// (place.read).
func (s *Service) FindServicePointByID(ctx context.Context, id int64) (*ServicePoint, error) {
	if _, _, err := auth.Scoped(ctx, auth.ActPlaceRead); err != nil {
		return nil, err
	}
	p, err := servicePointByID(ctx, s.db, id)
	if err != nil {
		return nil, fmt.Errorf("territory: find service point %d: %w", id, err)
	}
	if err := auth.Check(ctx, auth.ActPlaceRead, auth.Resource{RegionPath: p.RegionPath}); err != nil {
		return nil, err
	}
	return p, nil
}

// FindServicePoints lists the service points matching f inside the actor's
// place.read scopes, with the total before paging.
func (s *Service) FindServicePoints(ctx context.Context, f ServicePointFilter) ([]*ServicePoint, int, error) {
	paths, all, err := auth.Scoped(ctx, auth.ActPlaceRead)
	if err != nil {
		return nil, 0, err
	}
	w := &sqldb.Where{}
	w.Scope("region_path", paths, all)
	if f.RegionID != nil {
		w.Add("region_id = " + w.Arg(*f.RegionID))
	}
	if f.SubtreeOf != nil {
		p, err := subtreePath(ctx, s.db, *f.SubtreeOf)
		if err != nil {
			return nil, 0, fmt.Errorf("territory: find service points: %w", err)
		}
		w.Subtree("region_path", []string{p})
	}
	if f.Kind != nil {
		w.Add("kind = " + w.Arg(string(*f.Kind)))
	}
	var total int
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM service_points`+w.String(), w.Args()...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("territory: count service points: %w", sqldb.Translate(err))
	}
	limit, offset := sqldb.Page(f.Limit, f.Offset, defaultLimit, maxLimit)
	rows, err := s.db.Query(ctx, `SELECT `+servicePointCols+` FROM service_points`+w.String()+` ORDER BY id LIMIT `+w.Arg(limit)+` OFFSET `+w.Arg(offset), w.Args()...)
	if err != nil {
		return nil, 0, fmt.Errorf("territory: find service points: %w", err)
	}
	defer rows.Close()
	var out []*ServicePoint
	for rows.Next() {
		p, err := scanServicePoint(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("territory: find service points: %w", sqldb.Translate(err))
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("territory: find service points: %w", sqldb.Translate(err))
	}
	return out, total, nil
}

// UpdateServicePoint changes a service point. The actor needs
// service_point.write at its region.
func (s *Service) UpdateServicePoint(ctx context.Context, id int64, upd ServicePointUpdate) (*ServicePoint, error) {
	if _, _, err := auth.Scoped(ctx, auth.ActServicePointWrite); err != nil {
		return nil, err
	}
	var p *ServicePoint
	err := s.db.Transact(ctx, func(tx *sqldb.Tx) error {
		var err error
		if p, err = servicePointByID(ctx, tx, id); err != nil {
			return err
		}
		if err := auth.Check(ctx, auth.ActServicePointWrite, auth.Resource{RegionPath: p.RegionPath}); err != nil {
			return err
		}
		if upd.Kind != nil {
			p.Kind = *upd.Kind
		}
		if upd.Name != nil {
			p.Name = *upd.Name
		}
		if upd.Address != nil {
			p.Address = *upd.Address
		}
		if upd.Lon != nil {
			p.Lon = *upd.Lon
		}
		if upd.Lat != nil {
			p.Lat = *upd.Lat
		}
		if upd.Phone != nil {
			p.Phone = *upd.Phone
		}
		if upd.Hours != nil {
			p.Hours = *upd.Hours
		}
		if err := checkServicePoint(p); err != nil {
			return err
		}
		p.UpdatedAt = tx.Now
		_, err = tx.Exec(ctx, `UPDATE service_points SET kind = $1, name = $2, address = $3, lon = $4, lat = $5, phone = $6, hours = $7, updated_at = $8
			WHERE id = $9`, string(p.Kind), p.Name, p.Address, p.Lon, p.Lat, p.Phone, p.Hours, tx.Now, p.ID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("territory: update service point %d: %w", id, err)
	}
	return p, nil
}

// DeleteServicePoint removes a service point. The actor needs
// service_point.write at its region.
func (s *Service) DeleteServicePoint(ctx context.Context, id int64) error {
	if _, _, err := auth.Scoped(ctx, auth.ActServicePointWrite); err != nil {
		return err
	}
	err := s.db.Transact(ctx, func(tx *sqldb.Tx) error {
		p, err := servicePointByID(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := auth.Check(ctx, auth.ActServicePointWrite, auth.Resource{RegionPath: p.RegionPath}); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM service_points WHERE id = $1`, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("territory: delete service point %d: %w", id, err)
	}
	return nil
}
