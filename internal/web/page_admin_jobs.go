package web

import (
	"bytes"
	"context"
	"sort"
	"sync"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/ledger"
)

// Ledger imports from the administration run in the background so that
// the page can show their progress: the upload starts a job, the job's
// page polls it, and the finished job keeps its report (every bad row)
// for a while. Jobs live in the memory of the process that runs them.
const (
	jobKeep       = time.Hour // how long a finished job's report stays
	jobsPerPerson = 1         // imports one administrator may run at once
)

// importJob is one import running or done.
type importJob struct {
	ID      string
	Owner   int64
	File    string
	Good    bool // apply the good rows only
	Started time.Time

	mu       sync.Mutex
	done     int
	total    int // < 0 while unknown
	finished *time.Time
	report   *ledger.Report
	err      error
}

// jobView is a consistent copy of a job's state for a page.
type jobView struct {
	ID, File string
	Good     bool
	Started  time.Time
	Done     int
	Total    int
	Finished *time.Time
	Report   *ledger.Report
	Err      error
	Percent  int // 0–100 when the total is known, -1 otherwise
}

// View returns a consistent copy of the job's state.
func (j *importJob) View() jobView {
	j.mu.Lock()
	defer j.mu.Unlock()
	v := jobView{ID: j.ID, File: j.File, Good: j.Good, Started: j.Started, Done: j.done, Total: j.total, Finished: j.finished,
		Report: j.report, Err: j.err, Percent: -1}
	if j.total > 0 {
		v.Percent = min(100, j.done*100/j.total)
	}
	return v
}

// importJobs are the jobs of this process.
type importJobs struct {
	mu   sync.Mutex
	jobs map[string]*importJob
	now  func() time.Time
}

func newImportJobs(now func() time.Time) *importJobs {
	return &importJobs{jobs: map[string]*importJob{}, now: now}
}

// start runs an import of data as actor a in the background. The job keeps
// the actor (the importer checks its rights row by row) but not the
// request's cancellation: the import goes on after the upload's response.
func (js *importJobs) start(ctx context.Context, a *auth.Actor, file string, data []byte, good bool, im *ledger.Importer) (*importJob, error) {
	js.mu.Lock()
	now := js.now()
	running := 0
	for id, j := range js.jobs {
		v := j.View()
		if v.Finished != nil && now.Sub(*v.Finished) > jobKeep {
			delete(js.jobs, id)
			continue
		}
		if j.Owner == a.UserID && v.Finished == nil {
			running++
		}
	}
	if running >= jobsPerPerson {
		js.mu.Unlock()
		return nil, apperr.New(apperr.TooMany, "file", "您已有一个导入正在进行，请等它完成后再导入", "an import of yours is still running; wait for it to finish")
	}
	j := &importJob{ID: staffKey(), Owner: a.UserID, File: file, Good: good, Started: now, total: -1}
	js.jobs[j.ID] = j
	js.mu.Unlock()

	bg := auth.WithActor(context.WithoutCancel(ctx), a)
	go func() {
		rep, err := im.Import(bg, bytes.NewReader(data), ledger.ImportOptions{GoodRowsOnly: good, Progress: func(done, total int) {
			j.mu.Lock()
			j.done, j.total = done, total
			j.mu.Unlock()
		}})
		end := js.now()
		j.mu.Lock()
		j.report, j.err, j.finished = rep, err, &end
		j.mu.Unlock()
	}()
	return j, nil
}

// get returns a job of owner's.
func (js *importJobs) get(id string, owner int64) (*importJob, bool) {
	js.mu.Lock()
	defer js.mu.Unlock()
	j, ok := js.jobs[id]
	if !ok || j.Owner != owner {
		return nil, false
	}
	return j, true
}

// of returns owner's jobs, newest first.
func (js *importJobs) of(owner int64) []*importJob {
	js.mu.Lock()
	defer js.mu.Unlock()
	var out []*importJob
	for _, j := range js.jobs {
		if j.Owner == owner {
			out = append(out, j)
		}
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Started.After(out[b].Started) })
	return out
}
