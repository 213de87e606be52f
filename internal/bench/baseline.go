package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/gridwork/gridwork/internal/sqldb"
)

// Baseline is the limit every figure is read against: a bare net/http
// handler that inserts one row per request into a table of the same engine,
// with the same durability (it writes through sqldb: SQLite in WAL with
// synchronous=FULL and its single writer, or PostgreSQL), and answers 201
// once the row is committed. It runs inside the bench process.
type Baseline struct {
	URL string
	srv *http.Server
	db  *sqldb.DB
}

// baselineDDL is the baseline's scratch table, per engine. It lives in a
// database (SQLite file or PostgreSQL schema) of its own, never in
// Gridwork's schema, so it needs no migration.
func baselineDDL(d sqldb.Dialect) string {
	if d == sqldb.Postgres {
		return `CREATE TABLE IF NOT EXISTS bench_rows (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL)`
	}
	return `CREATE TABLE IF NOT EXISTS bench_rows (id INTEGER PRIMARY KEY, body TEXT NOT NULL, created_at TIMESTAMP NOT NULL)`
}

// StartBaseline creates the scratch table in db and serves the handler on
// a free local port. Close stops it (db stays open: the caller's).
func StartBaseline(ctx context.Context, db *sqldb.DB) (*Baseline, error) {
	if err := db.Transact(ctx, func(tx *sqldb.Tx) error {
		_, err := tx.Exec(ctx, baselineDDL(db.Dialect))
		return err
	}); err != nil {
		return nil, fmt.Errorf("bench: baseline table: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	b := &Baseline{URL: "http://" + ln.Addr().String(), db: db}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /rows", b.insert)
	b.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = b.srv.Serve(ln) }()
	return b, nil
}

// insert stores the request body as one row, as a JSON API handler would:
// decode, write in a transaction, answer with the id.
func (b *Baseline) insert(w http.ResponseWriter, r *http.Request) {
	var in map[string]any
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&in); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	body, _ := json.Marshal(in)
	var id int64
	err := b.db.Transact(r.Context(), func(tx *sqldb.Tx) error {
		var err error
		id, err = tx.InsertID(r.Context(), `INSERT INTO bench_rows (body, created_at) VALUES ($1, $2) RETURNING id`, string(body), tx.Now)
		return err
	})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(map[string]int64{"id": id})
}

// Close stops the handler.
func (b *Baseline) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := b.srv.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// RunBaseline drives the baseline with the same client, concurrency and
// duration as the scenarios, each request carrying a report as intake
// does. t gives the buildings of the reports.
func RunBaseline(ctx context.Context, b *Baseline, t *Target, opt Options) (*Result, error) {
	opt.defaults()
	c := &apiClient{base: b.URL, http: newHTTPClient(opt.Concurrency)}
	_, channel, err := t.reporters()
	if err != nil {
		return nil, err
	}
	workers := make([]worker, opt.Concurrency)
	for i := range workers {
		rng := newRand(i, ScenarioBaseline)
		workers[i] = func(ctx context.Context) (string, error) {
			return ScenarioBaseline, c.call(ctx, "POST", "/rows", "", t.reportBody(rng, channel), nil, 201)
		}
	}
	return drive(ctx, ScenarioBaseline, workers, opt)
}
