package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/cases"
)

// TestVerifyHistoryDetectsTampering: gridwork verify-history passes on an
// untouched history and names the case and event once a stored event has
// been edited behind the application's back.
func TestVerifyHistoryDetectsTampering(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	if code, out, errOut := gridwork(ctx, nil, "demo", "-size", "village", "-no-serve", "-dir", dir); code != 0 {
		t.Fatalf("demo: %d %s %s", code, out, errOut)
	}
	key, err := os.ReadFile(filepath.Join(dir, "pii.key"))
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"GRIDWORK_DB": filepath.Join(dir, "demo.db"), "GRIDWORK_PII_KEY": strings.TrimSpace(string(key))}
	cfg := defaultConfig()
	cfg.DB, cfg.PIIKey = env["GRIDWORK_DB"], env["GRIDWORK_PII_KEY"]
	a, err := openApp(ctx, cfg, slog.New(slog.DiscardHandler), appOptions{noLoadIx: true})
	if err != nil {
		t.Fatal(err)
	}
	sys := auth.WithActor(ctx, auth.SystemActor())
	var building int64
	if err := a.db.QueryRow(ctx, `SELECT id FROM buildings ORDER BY id LIMIT 1`).Scan(&building); err != nil {
		t.Fatal(err)
	}
	c, err := a.cases.Report(sys, cases.ReportInput{Channel: cases.ChannelWalkIn, Category: "LE0102", Title: "楼道暖气管漏水",
		BuildingID: building, ReporterName: "王阿姨", ReporterPhone: "13912345678"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.cases.Act(sys, c.ID, cases.ActInput{Action: cases.ActRegister, Version: c.Version}); err != nil {
		t.Fatal(err)
	}
	a.Close()

	if code, out, errOut := gridwork(ctx, env, "verify-history"); code != 0 || !strings.Contains(out, "every hash chain verifies") {
		t.Fatalf("verify-history on an untouched history: %d %s %s", code, out, errOut)
	}
	// Someone with database access edits the note of the registration.
	db, err := openDB(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	// The demo's generated history is left alone: only this case is edited.
	for _, q := range []string{`DROP TRIGGER case_events_no_update`, fmt.Sprintf(`UPDATE case_events SET note = '篡改' WHERE seq = 2 AND case_id = %d`, c.ID)} {
		if _, err := db.WriterPool().ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()
	code, out, errOut := gridwork(ctx, env, "verify-history")
	if code != 1 || !strings.Contains(errOut, "history broken") || !strings.Contains(errOut, c.Number) || !strings.Contains(errOut, "event 2") {
		t.Fatalf("verify-history after tampering: %d %s %s; want a failure naming %s event 2", code, out, errOut, c.Number)
	}
}
