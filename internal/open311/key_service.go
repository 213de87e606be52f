package open311

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/sqldb"
)

// A key is a machine account that files cases in its jurisdictions, so
// managing it needs what managing accounts there needs: user.write over
// every jurisdiction it has or gets (a county administrator, or the
// system). Reading keys needs user.read over one of them.

// checkWrite checks user.write over each jurisdiction path.
func checkWrite(ctx context.Context, paths []string) error {
	for _, p := range paths {
		if err := auth.Check(ctx, auth.ActUserWrite, auth.Resource{RegionPath: p}); err != nil {
			return err
		}
	}
	return nil
}

// canRead reports whether the actor in ctx holds user.read over one of
// paths.
func canRead(ctx context.Context, paths []string) bool {
	a, ok := auth.ActorFrom(ctx)
	if !ok {
		return false
	}
	for _, p := range paths {
		if auth.Can(a, auth.ActUserRead, auth.Resource{RegionPath: p}) {
			return true
		}
	}
	return false
}

// jurisdictionsOf resolves division codes to jurisdictions: Invalid on
// "jurisdictions" for an empty list or a code that is no county.
func (s *Service) jurisdictionsOf(ctx context.Context, codes []string) ([]*Jurisdiction, error) {
	var out []*Jurisdiction
	for _, c := range codes {
		c = strings.TrimSpace(c)
		if c == "" || slices.ContainsFunc(out, func(j *Jurisdiction) bool { return j.ID == c }) {
			continue
		}
		j, err := s.findJurisdiction(system(ctx), c, nil)
		if apperr.CodeOf(err) == apperr.NotFound {
			return nil, apperr.Invalidf("jurisdictions", "“%s”不是本系统所服务区县的行政区划代码", "%q is not the division code of a county this server serves", c)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, j)
	}
	if len(out) == 0 {
		return nil, apperr.Invalidf("jurisdictions", "请至少指定一个区县", "name at least one jurisdiction (county division code)")
	}
	return out, nil
}

func paths(js []*Jurisdiction) []string {
	out := make([]string, len(js))
	for i, j := range js {
		out[i] = j.Path
	}
	return out
}

// CreateKey makes a key for a client and returns it with its secret, which
// is never shown again. Errors, writing nothing: Invalid on "client",
// "jurisdictions" or "per_minute"; Forbidden without user.write over every
// jurisdiction.
func (s *Service) CreateKey(ctx context.Context, in KeyInput) (*Key, string, error) {
	k, secret, err := s.createKey(ctx, in)
	if err != nil {
		return nil, "", wrapKey("create key", err)
	}
	return k, secret, nil
}

func (s *Service) createKey(ctx context.Context, in KeyInput) (*Key, string, error) {
	a, ok := auth.ActorFrom(ctx)
	if !ok {
		return nil, "", apperr.ErrUnauthenticated()
	}
	name, err := checkClientName(in.Client)
	if err != nil {
		return nil, "", err
	}
	rate, err := checkPerMinute(in.PerMinute)
	if err != nil {
		return nil, "", err
	}
	js, err := s.jurisdictionsOf(ctx, in.Jurisdictions)
	if err != nil {
		return nil, "", err
	}
	if err := checkWrite(ctx, paths(js)); err != nil {
		return nil, "", err
	}
	secret, err := newSecret()
	if err != nil {
		return nil, "", err
	}
	var id int64
	err = s.db.Transact(ctx, func(tx *sqldb.Tx) error {
		var by any
		if !a.System && a.UserID != 0 {
			by = a.UserID
		}
		id, err = tx.InsertID(ctx, `INSERT INTO open311_keys (client, prefix, key_hash, per_minute, active, created_by, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id`, name, secret[:keyShown], hashSecret(secret), rate, true, by, tx.Now)
		if err != nil {
			return err
		}
		return setJurisdictions(ctx, tx, id, js)
	})
	if err != nil {
		return nil, "", err
	}
	k, err := s.present(ctx, id)
	if err != nil {
		return nil, "", err
	}
	return k, secret, nil
}

// UpdateKey changes a key: its client name, rate, jurisdictions, or turns it
// off (Active false) and on. Errors, writing nothing: NotFound when the key
// does not exist or the actor may not see it; Forbidden without user.write
// over every jurisdiction it has and gets; Invalid naming the field.
func (s *Service) UpdateKey(ctx context.Context, id int64, upd KeyUpdate) (*Key, error) {
	if _, ok := auth.ActorFrom(ctx); !ok {
		return nil, wrapKey("update key", apperr.ErrUnauthenticated())
	}
	err := s.db.Transact(ctx, func(tx *sqldb.Tx) error {
		kr, err := loadKey(ctx, tx, id)
		if err != nil {
			return err
		}
		if !canRead(ctx, kr.paths) {
			return errKeyNotFound(id)
		}
		if err := checkWrite(ctx, kr.paths); err != nil {
			return err
		}
		k := kr.key
		if upd.Client != nil {
			if k.Client, err = checkClientName(*upd.Client); err != nil {
				return err
			}
		}
		if upd.PerMinute != nil {
			if *upd.PerMinute == 0 {
				return apperr.Invalidf("per_minute", "每分钟请求数须在 1–%d 之间", "per_minute must be from 1 to %d", MaxPerMinute)
			}
			if k.PerMinute, err = checkPerMinute(*upd.PerMinute); err != nil {
				return err
			}
		}
		if upd.Active != nil {
			k.Active = *upd.Active
		}
		if upd.Jurisdictions != nil {
			js, err := s.jurisdictionsOf(ctx, upd.Jurisdictions)
			if err != nil {
				return err
			}
			if err := checkWrite(ctx, paths(js)); err != nil {
				return err
			}
			if err := setJurisdictions(ctx, tx, id, js); err != nil {
				return err
			}
		}
		_, err = tx.Exec(ctx, `UPDATE open311_keys SET client = $2, per_minute = $3, active = $4, updated_at = $5 WHERE id = $1`,
			id, k.Client, k.PerMinute, k.Active, tx.Now)
		return err
	})
	if err != nil {
		return nil, wrapKey("update key", err)
	}
	k, err := s.present(ctx, id)
	if err != nil {
		return nil, wrapKey("update key", err)
	}
	return k, nil
}

// FindKeyByID returns a key the actor may see (user.read over one of its
// jurisdictions); NotFound otherwise.
func (s *Service) FindKeyByID(ctx context.Context, id int64) (*Key, error) {
	kr, err := loadKey(ctx, s.db, id)
	if err == nil && !canRead(ctx, kr.paths) {
		err = errKeyNotFound(id)
	}
	if err != nil {
		if _, ok := auth.ActorFrom(ctx); !ok {
			err = apperr.ErrUnauthenticated()
		}
		return nil, wrapKey("find key", err)
	}
	k, err := s.withCodes(ctx, kr)
	if err != nil {
		return nil, wrapKey("find key", err)
	}
	return k, nil
}

// FindKeys lists the keys the actor may see (user.read over one of their
// jurisdictions), newest first, with the total before paging.
func (s *Service) FindKeys(ctx context.Context, f KeyFilter) ([]*Key, int, error) {
	ps, all, err := auth.Scoped(ctx, auth.ActUserRead)
	if err != nil {
		return nil, 0, wrapKey("find keys", err)
	}
	w := &sqldb.Where{}
	if !all {
		w.Add(`id IN (SELECT kj.key_id FROM open311_key_jurisdictions kj WHERE ` + w.SubtreeCond("kj.region_path", ps) + `)`)
	}
	if f.Active != nil {
		w.Add("active = " + w.Arg(*f.Active))
	}
	var total int
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM open311_keys`+w.String(), w.Args()...).Scan(&total); err != nil {
		return nil, 0, wrapKey("find keys", sqldb.Translate(err))
	}
	limit, offset := sqldb.Page(f.Limit, f.Offset, 50, 500)
	rows, err := s.db.Query(ctx, `SELECT `+keyColumns+` FROM open311_keys`+w.String()+
		` ORDER BY id DESC LIMIT `+w.Arg(limit)+` OFFSET `+w.Arg(offset), w.Args()...)
	if err != nil {
		return nil, 0, wrapKey("find keys", sqldb.Translate(err))
	}
	var keys []*Key
	for rows.Next() {
		k, err := scanKey(rows)
		if err != nil {
			rows.Close()
			return nil, 0, wrapKey("find keys", err)
		}
		keys = append(keys, k)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, wrapKey("find keys", sqldb.Translate(err))
	}
	krs, err := loadJurisdictions(ctx, s.db, keys)
	if err != nil {
		return nil, 0, wrapKey("find keys", err)
	}
	out := make([]*Key, 0, len(krs))
	for _, kr := range krs {
		k, err := s.withCodes(ctx, kr)
		if err != nil {
			return nil, 0, wrapKey("find keys", err)
		}
		out = append(out, k)
	}
	return out, total, nil
}

// present reads key id back for its maker.
func (s *Service) present(ctx context.Context, id int64) (*Key, error) {
	kr, err := loadKey(ctx, s.db, id)
	if err != nil {
		return nil, err
	}
	return s.withCodes(ctx, kr)
}

// withCodes fills in a key's jurisdictions as division codes.
func (s *Service) withCodes(ctx context.Context, kr *keyRow) (*Key, error) {
	k := kr.key
	k.Jurisdictions = []string{}
	for _, id := range kr.regions {
		r, err := s.terr.FindRegionByID(system(ctx), id)
		if err != nil {
			return nil, err
		}
		k.Jurisdictions = append(k.Jurisdictions, r.Code)
	}
	return k, nil
}

// Authenticate returns the client of an api_key secret and records its
// use. Errors are Forbidden on "api_key" (the specification's 403): the
// key is missing, unknown or turned off.
func (s *Service) Authenticate(ctx context.Context, secret string) (*Client, error) {
	secret = strings.TrimSpace(secret)
	if secret == "" {
		return nil, apperr.New(apperr.Forbidden, "api_key", "缺少 api_key", "api_key is missing")
	}
	if !strings.HasPrefix(secret, keyPrefix) || len(secret) > 128 {
		return nil, errBadKey()
	}
	k, err := scanKey(s.db.QueryRow(ctx, `SELECT `+keyColumns+` FROM open311_keys WHERE key_hash = $1`, hashSecret(secret)))
	if apperr.CodeOf(err) == apperr.NotFound {
		return nil, errBadKey()
	}
	if err != nil {
		return nil, wrapKey("authenticate", err)
	}
	if !k.Active {
		return nil, apperr.New(apperr.Forbidden, "api_key", "该 api_key 已停用", "this api_key has been turned off")
	}
	krs, err := loadJurisdictions(ctx, s.db, []*Key{k})
	if err != nil {
		return nil, wrapKey("authenticate", err)
	}
	now := s.opt.Now().UTC()
	if k.LastUsedAt == nil || now.Sub(*k.LastUsedAt) >= time.Minute {
		if err := s.db.Transact(ctx, func(tx *sqldb.Tx) error { return touchKey(ctx, tx, k.ID, now) }); err != nil {
			return nil, wrapKey("authenticate", err)
		}
	}
	return &Client{KeyID: k.ID, Name: k.Client, Jurisdictions: krs[0].regions, PerMinute: k.PerMinute}, nil
}

func errBadKey() error {
	return apperr.New(apperr.Forbidden, "api_key", "api_key 无效", "invalid api_key")
}
