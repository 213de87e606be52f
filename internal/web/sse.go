package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/gridwork/gridwork/internal/notify"
)

// sseHeartbeat keeps idle streams (and the proxies in between) alive.
const sseHeartbeat = 25 * time.Second

// liveEventJSON is what a browser receives of a live event: no recipients,
// no inbox text meant for others.
type liveEventJSON struct {
	Kind       string         `json:"kind"`
	CaseID     int64          `json:"case_id,omitempty"`
	CaseNumber string         `json:"case_number,omitempty"`
	Action     string         `json:"action,omitempty"`
	FromState  string         `json:"from_state,omitempty"`
	ToState    string         `json:"to_state,omitempty"`
	At         time.Time      `json:"at"`
	Public     map[string]any `json:"public,omitempty"`
	Missed     int            `json:"missed,omitempty"`
}

// handleStream is the server-sent-events stream of the case events the
// signed-in actor may see. Each event is "event: <kind>" with a JSON data
// line; a comment line every 25 s keeps the connection open.
func (s *Server) handleStream(w http.ResponseWriter, r *http.Request) error {
	a, err := requireActor(r)
	if err != nil {
		return err
	}
	rc := http.NewResponseController(w)
	events, cancel := s.notify.Subscribe(r.Context(), a)
	defer cancel()
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	// No write deadline for this response: it lives as long as the client.
	_ = rc.SetWriteDeadline(time.Time{})
	fmt.Fprint(w, ": connected\n\n")
	if err := rc.Flush(); err != nil {
		return nil
	}
	beat := time.NewTicker(sseHeartbeat)
	defer beat.Stop()
	for {
		select {
		case <-r.Context().Done():
			return nil
		case <-beat.C:
			if _, err := fmt.Fprint(w, ": ping\n\n"); err != nil {
				return nil
			}
		case e, ok := <-events:
			if !ok {
				return nil
			}
			if err := writeEvent(w, e); err != nil {
				return nil
			}
		}
		if err := rc.Flush(); err != nil {
			return nil
		}
	}
}

func writeEvent(w http.ResponseWriter, e notify.Event) error {
	b, err := json.Marshal(liveEventJSON{Kind: e.Kind, CaseID: e.CaseID, CaseNumber: e.CaseNumber, Action: e.Action,
		FromState: e.FromState, ToState: e.ToState, At: e.At, Public: e.Public, Missed: e.Missed})
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "event: %s\ndata: %s\n\n", e.Kind, b)
	return err
}
