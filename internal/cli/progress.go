package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/mattn/go-isatty"
)

// progressInterval is the shortest time between two redraws of a progress bar.
const progressInterval = 200 * time.Millisecond

// progress draws a progress bar on one terminal line. A nil *progress draws nothing, so
// callers need not check whether output is a terminal. Safe for concurrent use.
type progress struct {
	mu    sync.Mutex
	w     io.Writer
	label string
	unit  string
	total int64
	done  int64
	start time.Time
	drawn time.Time
}

// newProgress returns a progress bar on w when w is a terminal, else nil. total is the
// amount expected, 0 when unknown; unit names what is counted.
func newProgress(w io.Writer, label, unit string, total int64) *progress {
	if !isTerminal(w) {
		return nil
	}
	return &progress{w: w, label: label, unit: unit, total: total, start: time.Now()}
}

// isTerminal reports whether w is a terminal. Other character devices, such as /dev/null,
// are not terminals.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	return isatty.IsTerminal(f.Fd())
}

// add counts n more units and redraws at most every progressInterval.
func (p *progress) add(n int64) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done += n
	if time.Since(p.drawn) >= progressInterval {
		p.draw()
	}
}

// finish draws the final state and ends the line.
func (p *progress) finish() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.draw()
	fmt.Fprintln(p.w)
}

func (p *progress) draw() {
	p.drawn = time.Now()
	rate := float64(p.done) / max(time.Since(p.start).Seconds(), 1e-3)
	if p.total <= 0 {
		fmt.Fprintf(p.w, "\r%s %d %s (%.0f/s) ", p.label, p.done, p.unit, rate)
		return
	}
	const width = 30
	frac := min(float64(p.done)/float64(p.total), 1)
	filled := int(frac * width)
	fmt.Fprintf(p.w, "\r%s [%s%s] %3.0f%% %d/%d %s (%.0f/s) ", p.label,
		strings.Repeat("#", filled), strings.Repeat(".", width-filled), frac*100, p.done,
		p.total, p.unit, rate)
}
