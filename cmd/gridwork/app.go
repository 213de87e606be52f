package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/calendar"
	"github.com/gridwork/gridwork/internal/cases"
	"github.com/gridwork/gridwork/internal/category"
	"github.com/gridwork/gridwork/internal/ledger"
	"github.com/gridwork/gridwork/internal/media"
	"github.com/gridwork/gridwork/internal/notify"
	"github.com/gridwork/gridwork/internal/open311"
	"github.com/gridwork/gridwork/internal/people"
	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/stats"
	"github.com/gridwork/gridwork/internal/territory"
)

// app holds the opened database and the domain services, wired once.
type app struct {
	cfg       Config
	log       *slog.Logger
	db        *sqldb.DB
	auth      *auth.Service
	territory *territory.Service
	people    *people.Service
	ledger    *ledger.Importer
	exporter  *ledger.Exporter
	calendar  *calendar.Service
	category  *category.Service
	media     *media.Service
	notify    *notify.Service
	live      *notify.PgBroker // live events between processes; nil on SQLite
	webhooks  *notify.Worker
	cases     *cases.Service
	stats     *stats.Service
	open311   *open311.Service
	zone      *time.Location
}

// appOptions tune openApp for the command at hand.
type appOptions struct {
	needKey  bool              // refuse to start without a PII key
	argon2   auth.Argon2Params // zero: the production default
	now      func() time.Time
	noLoadIx bool // skip loading the point→grid index (short-lived commands)
}

func newLogger(cfg Config, w io.Writer) (*slog.Logger, error) {
	level, err := cfg.slogLevel()
	if err != nil {
		return nil, err
	}
	opts := &slog.HandlerOptions{Level: level}
	switch cfg.LogFormat {
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	case "text", "":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("log format %q: want text or json", cfg.LogFormat)
}

// openToolApp opens the app for a command that runs once and exits (user,
// verify-history, stats): the logger of cfg, the database migrated, the
// point → grid index not loaded.
func openToolApp(ctx context.Context, env *Env, cfg Config) (*app, error) {
	log, err := newLogger(cfg, env.Stderr)
	if err != nil {
		return nil, err
	}
	return openApp(ctx, cfg, log, appOptions{noLoadIx: true})
}

// openApp opens and migrates the database and builds the services.
func openApp(ctx context.Context, cfg Config, log *slog.Logger, opt appOptions) (*app, error) {
	if opt.now == nil {
		opt.now = time.Now
	}
	var keys *people.Keyring
	if cfg.PIIKey != "" {
		master, err := people.ParseKey(cfg.PIIKey)
		if err != nil {
			return nil, errors.New("GRIDWORK_PII_KEY / --pii-key: " + userMessage(err))
		}
		if keys, err = people.NewKeyring(master); err != nil {
			return nil, err
		}
	} else if opt.needKey {
		return nil, errors.New("no PII key: set GRIDWORK_PII_KEY or --pii-key to a 32-byte key (base64 or hex); " +
			"'gridwork demo' generates one for its demo data")
	}
	db, err := sqldb.Open(ctx, cfg.DB, sqldb.Options{Now: opt.now, Logger: log})
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	a := &app{cfg: cfg, log: log, db: db}
	a.territory = territory.NewService(db)
	a.people = people.NewService(db, keys)
	a.auth = auth.NewService(db, a.resolveScope, auth.Options{
		Now: opt.now, SessionTTL: cfg.SessionTTL, SessionIdle: cfg.SessionIdle, Argon2: opt.argon2, Logger: log,
	})
	a.ledger = ledger.NewImporter(db, a.territory, a.people)
	a.exporter = ledger.NewExporter(a.territory, a.people)
	if err := a.openCaseLoop(ctx, keys, opt.now); err != nil {
		db.Close()
		return nil, err
	}
	if !opt.noLoadIx {
		if err := a.territory.LoadIndex(auth.WithActor(ctx, auth.SystemActor())); err != nil {
			db.Close()
			return nil, err
		}
	}
	return a, nil
}

// openCaseLoop builds the services of the case loop and seeds the work
// calendar and the category dictionary (idempotent; administrators' edits
// are kept).
func (a *app) openCaseLoop(ctx context.Context, keys *people.Keyring, now func() time.Time) error {
	hours, err := calendar.ParseHours(a.cfg.WorkHours)
	if err != nil {
		return errors.New("GRIDWORK_WORK_HOURS / --work-hours: " + userMessage(err))
	}
	loc, err := time.LoadLocation(a.cfg.TimeZone)
	if err != nil {
		return fmt.Errorf("--tz %s: %w", a.cfg.TimeZone, err)
	}
	a.zone = loc
	a.calendar = calendar.NewService(a.db, calendar.Options{Now: now, Hours: hours, Location: loc})
	a.category = category.NewService(a.db, a.calendar)
	sys := auth.WithActor(ctx, auth.SystemActor())
	if _, err := a.calendar.SeedDefaults(sys); err != nil {
		return err
	}
	if _, err := a.category.SeedDefaults(sys); err != nil {
		return err
	}
	mediaDir := a.cfg.MediaDir
	if mediaDir == "" {
		mediaDir = defaultMediaDir(a.cfg.DB)
	}
	store, err := media.NewDiskStore(mediaDir)
	if err != nil {
		return fmt.Errorf("--media-dir %s: %w", mediaDir, err)
	}
	a.media = media.NewService(a.db, store, media.Options{})
	a.webhooks = notify.NewWorker(a.db, notify.WorkerOptions{Now: now, Logger: a.log})
	var broker notify.Broker // in memory on SQLite: one process
	if a.db.Dialect == sqldb.Postgres {
		if a.live, err = notify.NewPgBroker(ctx, a.db, notify.PgBrokerOptions{Logger: a.log}); err != nil {
			return err
		}
		broker = a.live
	}
	a.notify = notify.NewService(a.db, notify.Options{Broker: broker, Wake: a.webhooks.Wake, Logger: a.log})
	a.stats = stats.NewService(a.db, stats.Options{Now: now, Zone: loc, Logger: a.log})
	a.cases = cases.NewService(cases.Deps{
		DB: a.db, Auth: a.auth, Territory: a.territory, Keys: keys, Category: a.category,
		Calendar: a.calendar, Media: a.media, Notify: a.notify, Observer: a.stats.Recorder(),
	}, cases.Options{Now: now, Logger: a.log, GroupMax: a.cfg.GroupMax, GroupLinger: a.cfg.GroupLinger})
	a.open311 = open311.NewService(open311.Deps{DB: a.db, Cases: a.cases, Category: a.category, Territory: a.territory, Media: a.media, Keys: keys},
		open311.Options{Now: now, Zone: loc})
	return nil
}

// defaultMediaDir keeps photos beside a SQLite file, or in ./gridwork-media
// for PostgreSQL.
func defaultMediaDir(dsn string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return "gridwork-media"
	}
	return filepath.Join(filepath.Dir(strings.TrimPrefix(dsn, "sqlite:")), "media")
}

// resolveScope turns a grant's scope into its materialised path, with the
// territory (regions) or people (party organisations) tree.
func (a *app) resolveScope(ctx context.Context, kind auth.ScopeKind, id int64) (string, error) {
	switch kind {
	case auth.ScopeRegion, auth.ScopeSelf:
		return a.territory.PathOf(ctx, id)
	case auth.ScopeParty:
		return a.people.OrgPathOf(ctx, id)
	}
	return "", apperr.Invalidf("scope_kind", "未知的范围类型 %q", "unknown scope kind %q", kind)
}

// Close lets the case loop commit the writes it has accepted, then closes
// the database.
func (a *app) Close() error {
	if a.cases != nil {
		a.cases.Close()
	}
	return a.db.Close()
}

// userMessage renders an error for the terminal: the English safe message
// with its field for apperr errors, the plain text otherwise.
func userMessage(err error) string {
	var list apperr.List
	if errors.As(err, &list) && len(list) > 1 {
		s := ""
		for i, e := range list {
			if i > 0 {
				s += "; "
			}
			s += describe(e)
		}
		return s
	}
	if e := apperr.As(err); e != nil && e.Code != apperr.Internal {
		return describe(e)
	}
	return err.Error()
}

func describe(e *apperr.Error) string {
	msg := e.Msg.ZH
	if e.Msg.EN != "" {
		msg += " / " + e.Msg.EN
	}
	if e.Field != "" {
		return e.Field + ": " + msg
	}
	return msg
}

// openDB opens the database without migrating it or building services.
func openDB(ctx context.Context, cfg Config, log *slog.Logger) (*sqldb.DB, error) {
	return sqldb.Open(ctx, cfg.DB, sqldb.Options{Logger: log})
}
