package bench

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Progress draws a progress bar on a terminal (phase, bar, percent, count,
// rate, redrawn in place at most ten times a second) or, on anything else
// (a CI log), prints a line when a phase passes each quarter or every 15
// seconds. A nil *Progress prints nothing.
type Progress struct {
	mu    sync.Mutex
	w     io.Writer
	tty   bool
	phase string
	total int64
	done  int64
	start time.Time
	last  time.Time
	step  int64 // the quarter last reported (non-terminal)
	width int   // of the last drawn line, to blank it
}

// NewProgress returns a progress display on w; tty says whether w is a
// terminal.
func NewProgress(w io.Writer, tty bool) *Progress { return &Progress{w: w, tty: tty} }

// Begin starts a phase of total units (0 when unknown).
func (p *Progress) Begin(phase string, total int64) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.phase, p.total, p.done, p.step = phase, total, 0, 0
	p.start, p.last = time.Now(), time.Now()
	if p.tty {
		p.draw()
	} else {
		fmt.Fprintf(p.w, "%s …\n", phase)
	}
}

// Add counts n more units done.
func (p *Progress) Add(n int64) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done += n
	now := time.Now()
	if p.tty {
		if now.Sub(p.last) >= 100*time.Millisecond {
			p.last = now
			p.draw()
		}
		return
	}
	q := int64(0)
	if p.total > 0 {
		q = 4 * p.done / p.total
	}
	if q > p.step && q < 4 || now.Sub(p.last) >= 15*time.Second {
		p.step, p.last = max(p.step, q), now
		fmt.Fprintf(p.w, "%s: %s\n", p.phase, p.status(now))
	}
}

// End finishes the phase with its elapsed time and rate.
func (p *Progress) End() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	line := fmt.Sprintf("%s: done in %s", p.phase, now.Sub(p.start).Round(10*time.Millisecond))
	if p.done > 0 {
		line += fmt.Sprintf(", %s (%s/s)", count(p.done), count(int64(float64(p.done)/now.Sub(p.start).Seconds())))
	}
	if p.tty {
		fmt.Fprintf(p.w, "\r%-*s\n", p.width, line)
		p.width = 0
	} else {
		fmt.Fprintln(p.w, line)
	}
}

func (p *Progress) status(now time.Time) string {
	el := now.Sub(p.start).Seconds()
	rate := ""
	if el > 0 && p.done > 0 {
		rate = fmt.Sprintf(" %s/s", count(int64(float64(p.done)/el)))
	}
	if p.total > 0 {
		return fmt.Sprintf("%3.0f%% %s/%s%s", 100*float64(p.done)/float64(p.total), count(p.done), count(p.total), rate)
	}
	return fmt.Sprintf("%s%s %.0fs", count(p.done), rate, el)
}

func (p *Progress) draw() {
	bar := ""
	if p.total > 0 {
		n := int(20 * p.done / p.total)
		n = min(max(n, 0), 20)
		bar = "[" + strings.Repeat("#", n) + strings.Repeat(".", 20-n) + "] "
	}
	line := fmt.Sprintf("%-22s %s%s", p.phase, bar, p.status(time.Now()))
	fmt.Fprintf(p.w, "\r%-*s", p.width, line)
	p.width = max(p.width, len([]rune(line)))
}

// count formats n with k/M suffixes: 24.5M, 310k, 999.
func count(n int64) string {
	switch {
	case n >= 10_000_000:
		return fmt.Sprintf("%.1fM", float64(n)/1e6)
	case n >= 1_000_000:
		return fmt.Sprintf("%.2fM", float64(n)/1e6)
	case n >= 10_000:
		return fmt.Sprintf("%.0fk", float64(n)/1e3)
	}
	return fmt.Sprint(n)
}
