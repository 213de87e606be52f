package ledger

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// CLIProgress returns a Progress callback for ImportOptions and
// ExportOptions that draws a progress bar labelled label on w — normally
// os.Stderr for `gridwork import` and `gridwork export`.
//
// It draws only when w is a terminal, so logs and pipes stay clean; passing
// a writer that is not an *os.File (a buffer, a log sink) forces drawing.
// A nil w draws nothing.
//
// The callback follows the Progress convention of this package: total < 0
// while the total is not known yet (reading a file, streaming an export),
// which shows a spinner with the count, then the real total, which shows a
// bar; done == total finishes the bar and ends the line.
func CLIProgress(w io.Writer, label string) func(done, total int) {
	if w == nil {
		return func(int, int) {}
	}
	if f, ok := w.(*os.File); ok && !term.IsTerminal(int(f.Fd())) {
		return func(int, int) {}
	}
	var (
		bar      *progressbar.ProgressBar
		barTotal int
		finished bool
	)
	return func(done, total int) {
		if total < 0 {
			total = -1
		}
		if bar == nil || total != barTotal {
			if bar != nil && !finished {
				_ = bar.Finish()
			}
			bar, barTotal, finished = nil, total, false
			if total == 0 {
				return // nothing to show, and progressbar refuses a zero max
			}
			bar = progressbar.NewOptions(total,
				progressbar.OptionSetWriter(w),
				progressbar.OptionSetDescription(label),
				progressbar.OptionShowCount(),
				progressbar.OptionSetWidth(30),
				progressbar.OptionThrottle(100*time.Millisecond),
				progressbar.OptionSetItsString("rows"),
				progressbar.OptionShowIts(),
				progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }),
			)
		}
		if bar == nil || finished {
			return
		}
		_ = bar.Set(done)
		if total > 0 && done >= total {
			_ = bar.Finish()
			finished = true
		}
	}
}
