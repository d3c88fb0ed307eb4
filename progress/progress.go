// Package progress is the one progress reporter of gongfu's long
// command-line jobs (import reports, backup, restore, bench), so that they
// all look and behave alike:
//
//   - it writes to stderr only, so that stdout stays clean for scripts;
//   - it is silent under --quiet: For returns a nil *Reporter, whose every
//     method does nothing, and the commands need no "if" around each call;
//   - on a terminal it redraws one line in place (phase, bar, percent,
//     count, rate, elapsed time; a spinner when the total is not known), at
//     most ten times a second, and leaves a done line behind;
//   - anywhere else (a CI log, a file, a pipe) it prints occasional whole
//     lines: the start of a phase, each quarter passed, a line every 15
//     seconds of a long silent step, and the done line.
//
// A step whose work gives no progress to count (one database transaction,
// a VACUUM INTO) is a phase without a total: it shows elapsed time, and a
// growing count when there is one, never an invented percentage.
package progress

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Reporter shows the progress of one phase at a time. It is safe for use by
// several goroutines. A nil *Reporter shows nothing.
type Reporter struct {
	mu     sync.Mutex
	w      io.Writer
	tty    bool
	cols   int // display columns a terminal line may use
	phase  string
	bytes  bool // the counts are bytes
	total  int64
	done   int64
	start  time.Time
	last   time.Time // of the last line printed (not a terminal)
	step   int64     // the quarter last reported (not a terminal)
	width  int       // display width of the line drawn on a terminal
	spin   int
	active bool
	now    func() time.Time
	every  time.Duration // between ticks

	stopTick, tickDone chan struct{}
}

// Heartbeat is how often a phase prints a line when nothing else was
// printed, when the output is not a terminal.
const Heartbeat = 15 * time.Second

// redraw is how often a terminal line is redrawn.
const redraw = 100 * time.Millisecond

// New returns a reporter writing to w; tty says whether w is a terminal.
// A nil w gives a nil reporter, which shows nothing.
func New(w io.Writer, tty bool) *Reporter {
	if w == nil {
		return nil
	}
	every := Heartbeat / 15
	if tty {
		every = redraw
	}
	return &Reporter{w: w, tty: tty, cols: columns(), now: time.Now, every: every}
}

// For is the reporter of a command: on w (its stderr), nil (silent) when
// quiet, redrawn in place when w is a terminal.
func For(w io.Writer, quiet bool) *Reporter {
	if quiet {
		return nil
	}
	return New(w, IsTerminal(w))
}

// IsTerminal reports whether w is a terminal (a character device).
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || f == nil {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// columns is the width of a terminal line: $COLUMNS when the shell exports
// it, else the classic 80; one column is left free so that a full line
// does not wrap.
func columns() int {
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n >= 20 {
		return n - 1
	}
	return 79
}

// Begin starts a phase of total units (0 when the total is not known: the
// phase is then shown as a step with its elapsed time). A phase still
// running is ended first. Every phase needs an End, EndWith or Stop, which
// stop the goroutine redrawing it; a command defers Stop for its error
// paths.
func (p *Reporter) Begin(phase string, total int64) { p.begin(phase, total, false) }

// BeginBytes starts a phase counted in bytes.
func (p *Reporter) BeginBytes(phase string, total int64) { p.begin(phase, total, true) }

func (p *Reporter) begin(phase string, total int64, bytes bool) {
	if p == nil {
		return
	}
	p.End()
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	p.phase, p.bytes, p.total, p.done, p.step = phase, bytes, max(total, 0), 0, 0
	p.start, p.last, p.active, p.spin = now, now, true, 0
	if p.tty {
		p.draw(now)
	} else {
		fmt.Fprintf(p.w, "%s …\n", phase)
	}
	p.startTicker()
}

// Add counts n more units done.
func (p *Reporter) Add(n int64) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done += n
	p.quarter()
}

// Set sets the units done so far, for work that reports a running total.
func (p *Reporter) Set(done int64) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done = done
	p.quarter()
}

// SetTotal sets the total of the running phase once it is known.
func (p *Reporter) SetTotal(total int64) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.total = max(total, 0)
}

// quarter prints a line when the phase passes a quarter of its total, off a
// terminal; a terminal is redrawn by the ticker.
func (p *Reporter) quarter() {
	if p.tty || !p.active || p.total <= 0 {
		return
	}
	q := 4 * min(p.done, p.total) / p.total
	if q > p.step && q < 4 {
		p.step = q
		now := p.now()
		p.last = now
		fmt.Fprintf(p.w, "%s: %s\n", p.phase, p.status(now))
	}
}

// tick redraws a terminal line (with the spinner of a step), or prints a
// heartbeat line off a terminal when nothing was printed for a while.
func (p *Reporter) tick() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.active {
		return
	}
	now := p.now()
	if p.tty {
		p.spin++
		p.draw(now)
		return
	}
	if now.Sub(p.last) >= Heartbeat {
		p.last = now
		fmt.Fprintf(p.w, "%s: %s\n", p.phase, p.status(now))
	}
}

// End finishes the phase with a done line: its elapsed time, and the units
// done with their rate.
func (p *Reporter) End() { p.finish("", false) }

// EndWith finishes the phase with a done line carrying its result (a size,
// a count of rows written) instead of the units and rate.
func (p *Reporter) EndWith(format string, args ...any) {
	p.finish(fmt.Sprintf(format, args...), true)
}

func (p *Reporter) finish(result string, with bool) {
	if p == nil {
		return
	}
	p.halt()
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.active {
		return
	}
	p.active = false
	now := p.now()
	el := now.Sub(p.start)
	line := fmt.Sprintf("%s: 完成 (done), %s", p.phase, elapsed(el))
	switch {
	case with && result != "":
		line += ", " + result
	case !with && p.done > 0:
		line += ", " + p.amount(p.done)
		if r := p.rate(el); r != "" {
			line += ", " + r
		}
	}
	p.put(line)
}

// Stop abandons the running phase without a done line: a terminal line is
// erased, so that an error message printed next starts on a clean line.
// It does nothing when no phase runs, so a command can defer it.
func (p *Reporter) Stop() {
	if p == nil {
		return
	}
	p.halt()
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.active {
		return
	}
	p.active = false
	if p.tty && p.width > 0 {
		fmt.Fprintf(p.w, "\r%s\r", strings.Repeat(" ", p.width))
		p.width = 0
	}
}

// Printf prints a line of its own (a note, a warning) without garbling the
// line drawn on a terminal, which is drawn again below it.
func (p *Reporter) Printf(format string, args ...any) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.put(strings.TrimRight(fmt.Sprintf(format, args...), "\n"))
	if p.active && p.tty {
		p.draw(p.now())
	}
}

// put prints a whole line, over the line drawn on a terminal.
func (p *Reporter) put(line string) {
	if p.tty {
		pad := max(p.width-Width(line), 0)
		fmt.Fprintf(p.w, "\r%s%s\n", line, strings.Repeat(" ", pad))
		p.width = 0
		return
	}
	fmt.Fprintln(p.w, line)
}

// startTicker starts the goroutine redrawing the line (a terminal) or
// printing heartbeats (elsewhere); p.mu is held.
func (p *Reporter) startTicker() {
	stop, done := make(chan struct{}), make(chan struct{})
	p.stopTick, p.tickDone = stop, done
	go func() {
		defer close(done)
		t := time.NewTicker(p.every)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				p.tick()
			}
		}
	}()
}

// halt stops the ticker and waits until it has stopped; p.mu is not held.
func (p *Reporter) halt() {
	p.mu.Lock()
	stop, done := p.stopTick, p.tickDone
	p.stopTick, p.tickDone = nil, nil
	p.mu.Unlock()
	if stop != nil {
		close(stop)
		<-done
	}
}

// spinner turns while a step without a total runs.
var spinner = []string{"|", "/", "-", `\`}

// draw redraws the terminal line; p.mu is held. A line wider than the
// terminal would wrap and every redraw would add a line: the bar narrows
// first, then the rate goes, then the phase is cut.
func (p *Reporter) draw(now time.Time) {
	parts := p.parts(now)
	var rest string
	for _, drop := range []bool{false, true} {
		status := parts
		if drop && len(parts) > 1 {
			status = slices.Delete(slices.Clone(parts), len(parts)-2, len(parts)-1) // the rate, before the time
		}
		text := strings.Join(status, " ")
		if p.total <= 0 {
			rest = spinner[p.spin%len(spinner)] + " " + text
		} else {
			// The bar's width is set by the widest status the phase can
			// have, so that it does not jump as the figures grow.
			widest := 4 + 1 + 2*Width(p.amount(p.total)) + 1 + 1 + Width(p.amount(p.total)) + 2 + 1 + 6
			cells := min(max(p.cols-Width(p.phase)-widest-4, minBar), maxBar)
			n := int(min(max(int64(cells)*p.done/p.total, 0), int64(cells)))
			rest = "[" + strings.Repeat("#", n) + strings.Repeat(".", cells-n) + "] " + text
		}
		if Width(p.phase)+1+Width(rest) <= p.cols || p.rate(now.Sub(p.start)) == "" {
			break
		}
	}
	phase := p.phase
	if room := p.cols - Width(rest) - 1; Width(phase) > room {
		phase = Truncate(phase, room)
	}
	line := phase + " " + rest
	w := Width(line)
	fmt.Fprintf(p.w, "\r%s%s", line, strings.Repeat(" ", max(p.width-w, 0)))
	p.width = w
}

// The bar's cells: as many as fit between these.
const minBar, maxBar = 10, 20

// status is the progress so far: percent and count of the total, or the
// count alone; the rate; the elapsed time.
func (p *Reporter) status(now time.Time) string { return strings.Join(p.parts(now), " ") }

// parts are status's parts; the rate, when there is one, is the one before
// the last.
func (p *Reporter) parts(now time.Time) []string {
	el := now.Sub(p.start)
	var parts []string
	switch {
	case p.total > 0:
		parts = append(parts, fmt.Sprintf("%3.0f%%", 100*float64(min(max(p.done, 0), p.total))/float64(p.total)),
			p.amount(p.done)+"/"+p.amount(p.total))
	case p.done > 0:
		parts = append(parts, p.amount(p.done))
	}
	if r := p.rate(el); r != "" {
		parts = append(parts, r)
	}
	return append(parts, elapsed(el))
}

// amount formats a count of the phase's units.
func (p *Reporter) amount(n int64) string {
	if p.bytes {
		return Bytes(n)
	}
	return Count(n)
}

// rate is the units done per second, "" before there is one to show.
func (p *Reporter) rate(el time.Duration) string {
	s := el.Seconds()
	if p.done <= 0 || s < 0.05 {
		return ""
	}
	return p.amount(int64(float64(p.done)/s)) + "/s"
}

// elapsed shows a duration to a sensible precision: 120ms, 3.4s, 2m05s.
func elapsed(d time.Duration) string {
	switch {
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(100 * time.Millisecond).String()
	}
	d = d.Round(time.Second)
	return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
}

// Count formats n with k and M suffixes: 999, 9999, 310k, 2.45M, 24.5M.
func Count(n int64) string {
	switch {
	case n >= 10_000_000:
		return fmt.Sprintf("%.1fM", float64(n)/1e6)
	case n >= 1_000_000:
		return fmt.Sprintf("%.2fM", float64(n)/1e6)
	case n >= 10_000:
		return fmt.Sprintf("%.0fk", float64(n)/1e3)
	}
	return strconv.FormatInt(n, 10)
}

// Bytes formats a byte count: 512 B, 12.5 KB, 3.4 MB, 1.20 GB (units of
// 1024).
func Bytes(n int64) string {
	const k = 1024
	switch {
	case n >= k*k*k:
		return fmt.Sprintf("%.2f GB", float64(n)/(k*k*k))
	case n >= k*k:
		return fmt.Sprintf("%.1f MB", float64(n)/(k*k))
	case n >= k:
		return fmt.Sprintf("%.1f KB", float64(n)/k)
	}
	return fmt.Sprintf("%d B", n)
}

// Width is the number of terminal columns s takes: two for the wide
// characters of Chinese, Japanese and Korean and their full-width forms,
// none for combining marks, one for the rest.
func Width(s string) int {
	n := 0
	for _, r := range s {
		n += runeWidth(r)
	}
	return n
}

// Truncate shortens s to at most cols columns, ending it with "…" when it
// was cut.
func Truncate(s string, cols int) string {
	if Width(s) <= cols {
		return s
	}
	if cols <= 0 {
		return ""
	}
	n := 0
	for i, r := range s {
		if n+runeWidth(r) > cols-1 {
			return s[:i] + "…"
		}
		n += runeWidth(r)
	}
	return s
}

func runeWidth(r rune) int {
	switch {
	case r == utf8.RuneError, r < 0x20, r >= 0x7f && r < 0xa0:
		return 0
	case r >= 0x300 && r <= 0x36f, r >= 0x200b && r <= 0x200f, r >= 0xfe00 && r <= 0xfe0f:
		return 0 // combining marks, zero-width spaces, variation selectors
	case r >= 0x1100 && r <= 0x115f, r >= 0x2e80 && r <= 0x303e, r >= 0x3041 && r <= 0x33ff,
		r >= 0x3400 && r <= 0x4dbf, r >= 0x4e00 && r <= 0x9fff, r >= 0xa000 && r <= 0xa4cf,
		r >= 0xac00 && r <= 0xd7a3, r >= 0xf900 && r <= 0xfaff, r >= 0xfe30 && r <= 0xfe4f,
		r >= 0xff00 && r <= 0xff60, r >= 0xffe0 && r <= 0xffe6, r >= 0x20000 && r <= 0x3fffd:
		return 2
	}
	return 1
}
