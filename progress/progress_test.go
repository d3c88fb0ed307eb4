package progress

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// clock is a fake time the tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// syncBuffer is a buffer the ticker goroutine may write while a test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// fake returns a reporter on a fake clock whose ticker never fires by
// itself: the tests call tick.
func fake(tty bool) (*Reporter, *syncBuffer, *clock) {
	var buf syncBuffer
	c := &clock{t: time.Date(2020, 5, 1, 9, 0, 0, 0, time.UTC)}
	p := New(&buf, tty)
	p.now, p.every, p.cols = c.now, time.Hour, 79
	return p, &buf, c
}

func TestProgressNotTerminal(t *testing.T) {
	p, buf, c := fake(false)
	p.Begin("读取工作簿 (reading the workbook)", 20000)
	for range 10 {
		c.advance(100 * time.Millisecond)
		p.Add(2000)
	}
	p.End()
	got := buf.String()
	if strings.Contains(got, "\r") {
		t.Errorf("carriage return off a terminal: %q", got)
	}
	lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	want := []string{
		"读取工作簿 (reading the workbook) …",
		"读取工作簿 (reading the workbook):  30% 6000/20k 20k/s 300ms",
		"读取工作簿 (reading the workbook):  50% 10k/20k 20k/s 500ms",
		"读取工作簿 (reading the workbook):  80% 16k/20k 20k/s 800ms",
		"读取工作簿 (reading the workbook): 完成 (done), 1s, 20k, 20k/s",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", got, strings.Join(want, "\n"))
	}
}

func TestProgressRates(t *testing.T) {
	p, buf, c := fake(false)
	p.Begin("sqlite: insert", 0)
	c.advance(2 * time.Second)
	p.Add(5000)
	if s := p.status(c.now()); s != "5000 2500/s 2s" {
		t.Errorf("status %q", s)
	}
	c.advance(2 * time.Second)
	p.Set(2_000_000)
	if s := p.status(c.now()); s != "2.00M 500k/s 4s" {
		t.Errorf("status %q", s)
	}
	p.End()
	if !strings.HasSuffix(buf.String(), "sqlite: insert: 完成 (done), 4s, 2.00M, 500k/s\n") {
		t.Errorf("done line: %q", buf.String())
	}

	p.BeginBytes("复制 (copying)", 0)
	p.SetTotal(10 << 20)
	c.advance(time.Second)
	p.Set(5 << 20)
	if s := p.status(c.now()); s != " 50% 5.0 MB/10.0 MB 5.0 MB/s 1s" {
		t.Errorf("bytes status %q", s)
	}
	// No rate before there is time to measure it, nor with nothing done.
	p.Begin("x", 0)
	p.Add(10)
	if s := p.status(c.now()); s != "10 0s" {
		t.Errorf("status at once %q", s)
	}
	p.Stop()
}

func TestProgressDoneLine(t *testing.T) {
	p, buf, c := fake(false)
	p.Begin("写入数据库 (writing to the database)", 0)
	c.advance(310 * time.Millisecond)
	p.EndWith("%d 条报告 (reports)", 326)
	p.End() // a second end prints nothing
	p.Stop()
	want := "写入数据库 (writing to the database) …\n写入数据库 (writing to the database): 完成 (done), 310ms, 326 条报告 (reports)\n"
	if buf.String() != want {
		t.Errorf("got %q\nwant %q", buf.String(), want)
	}
	// A step ended with nothing counted shows its time only; a long one
	// in minutes.
	buf.b.Reset()
	p.Begin("备份 (backing up)", 0)
	c.advance(2*time.Minute + 5*time.Second)
	p.End()
	if !strings.HasSuffix(buf.String(), "备份 (backing up): 完成 (done), 2m05s\n") {
		t.Errorf("got %q", buf.String())
	}
	// Begin ends the phase before.
	buf.b.Reset()
	p.Begin("a", 3)
	p.Add(3)
	p.Begin("b", 0)
	p.Stop()
	if got := buf.String(); got != "a …\na: 完成 (done), 0s, 3\nb …\n" {
		t.Errorf("got %q", got)
	}
}

func TestProgressHeartbeat(t *testing.T) {
	p, buf, c := fake(false)
	p.Begin("正在备份 (backing up)", 0)
	c.advance(10 * time.Second)
	p.tick()
	if strings.Count(buf.String(), "\n") != 1 {
		t.Errorf("a line before the heartbeat: %q", buf.String())
	}
	c.advance(6 * time.Second)
	p.tick()
	p.tick()
	if !strings.HasSuffix(buf.String(), "正在备份 (backing up): 16s\n") || strings.Count(buf.String(), "\n") != 2 {
		t.Errorf("heartbeat: %q", buf.String())
	}
	p.Stop()
	p.tick() // after the phase: nothing
	if strings.Count(buf.String(), "\n") != 2 {
		t.Errorf("after Stop: %q", buf.String())
	}
}

func TestProgressTerminal(t *testing.T) {
	p, buf, c := fake(true)
	p.Begin("读取工作簿 (reading the workbook)", 200)
	c.advance(time.Second)
	p.Set(100)
	p.tick()
	got := buf.String()
	bar := got[strings.LastIndex(got, "\r")+1:]
	m := regexp.MustCompile(`^读取工作簿 \(reading the workbook\) \[(#*)(\.*)\]  50% 100/200 100/s 1s$`).FindStringSubmatch(bar)
	if m == nil || len(m[2])-len(m[1]) > 1 || len(m[1]) > len(m[2]) || len(m[1]) < minBar/2 || Width(bar) > 79 {
		t.Errorf("bar: %q", got)
	}
	if strings.Contains(got, "\n") {
		t.Errorf("a terminal line ended early: %q", got)
	}
	c.advance(time.Second)
	p.Set(200)
	p.End()
	got = buf.String()
	last := got[strings.LastIndex(got, "\r")+1:]
	if !strings.HasPrefix(last, "读取工作簿 (reading the workbook): 完成 (done), 2s, 200, 100/s") || !strings.HasSuffix(last, "\n") {
		t.Errorf("done line: %q", last)
	}
	// The done line blanks what is left of the longer bar line.
	if Width(strings.TrimSuffix(last, "\n")) < Width(bar) {
		t.Errorf("done line does not cover the bar: %q", last)
	}

	// A step spins; Stop erases it.
	buf.b.Reset()
	p.Begin("正在备份 (backing up)", 0)
	var seen []string
	for range 4 {
		c.advance(250 * time.Millisecond)
		p.tick()
		out := buf.String()
		seen = append(seen, out[strings.LastIndex(out, "\r")+1:])
	}
	spins := map[string]bool{}
	for _, s := range seen {
		spins[strings.Fields(strings.TrimPrefix(s, "正在备份 (backing up) "))[0]] = true
	}
	if len(spins) != 4 || !strings.Contains(seen[3], "1s") {
		t.Errorf("spinner: %q", seen)
	}
	p.Stop()
	out := buf.String()
	if !regexp.MustCompile(`\r +\r$`).MatchString(out) || strings.Contains(out, "\n") {
		t.Errorf("Stop: %q", out)
	}

	// Printf keeps the bar whole below its line.
	buf.b.Reset()
	p.Begin("x", 10)
	p.Printf("提示 (note): %d", 1)
	p.Stop()
	if out := buf.String(); !strings.Contains(out, "\r提示 (note): 1") || !strings.Contains(out, "\n\rx [") {
		t.Errorf("Printf: %q", out)
	}
}

func TestProgressTerminalWidth(t *testing.T) {
	p, buf, c := fake(true)
	p.cols = 40
	p.Begin(strings.Repeat("很长的阶段名称", 10), 100)
	p.Stop()
	line := strings.Trim(buf.String(), "\r ")
	if Width(line) > 40 || !strings.Contains(line, "…") || !strings.Contains(line, "[..........]   0% 0/100 0s") {
		t.Errorf("not truncated to 40 columns: %q (%d)", line, Width(line))
	}
	// On a narrow terminal the rate goes before the phase is cut; the bar
	// keeps its width while the figures grow.
	buf.b.Reset()
	p.cols = 60
	p.BeginBytes("复制 (copying)", 200<<20)
	var widths []int
	for _, n := range []int64{1 << 20, 50 << 20, 100 << 20, 200 << 20} {
		c.advance(time.Second)
		p.Set(n)
		p.tick()
		out := buf.String()
		line := out[strings.LastIndex(out, "\r")+1:]
		if Width(strings.TrimRight(line, " ")) > 60 || !strings.HasPrefix(line, "复制 (copying) [") {
			t.Errorf("line of %d: %q", n, line)
		}
		widths = append(widths, strings.Index(line, "]"))
	}
	if widths[0] != widths[3] || !strings.Contains(buf.String(), "100% 200.0 MB/200.0 MB 4s") {
		t.Errorf("bar ends at %v: %q", widths, buf.String())
	}
	p.Stop()
}

// TestTicker runs the real ticker: a terminal line is redrawn while
// nothing else happens, and End waits for the ticker to stop.
func TestProgressTicker(t *testing.T) {
	var buf syncBuffer
	p := New(&buf, true)
	p.Begin("step", 0)
	deadline := time.Now().Add(5 * time.Second)
	for strings.Count(buf.String(), "\r") < 3 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	p.End()
	n := len(buf.String())
	time.Sleep(250 * time.Millisecond)
	if got := buf.String(); strings.Count(got, "\r") < 3 || len(got) != n || !strings.HasSuffix(got, "\n") {
		t.Errorf("ticker: %q", got)
	}
}

func TestProgressQuietAndNil(t *testing.T) {
	var buf bytes.Buffer
	for name, p := range map[string]*Reporter{"For quiet": For(&buf, true), "New nil": New(nil, false), "nil": nil} {
		if p != nil {
			t.Errorf("%s: not nil", name)
		}
		p.Begin("x", 10)
		p.BeginBytes("x", 10)
		p.Add(1)
		p.Set(5)
		p.SetTotal(20)
		p.Printf("y")
		p.EndWith("z")
		p.End()
		p.Stop()
	}
	if buf.Len() != 0 {
		t.Errorf("quiet wrote %q", buf.String())
	}
	if p := For(&buf, false); p == nil || p.tty {
		t.Errorf("For a buffer: %+v", p)
	}
}

// TestProgressOddFigures: counts below zero or past the total, a total
// set below zero, an empty phase: drawn as well as can be, never a panic.
func TestProgressOddFigures(t *testing.T) {
	for _, tty := range []bool{true, false} {
		p, buf, c := fake(tty)
		p.cols = 1
		p.Begin("", -5)
		p.Add(-10)
		p.tick()
		p.SetTotal(-1)
		p.SetTotal(10)
		p.Set(-3)
		p.tick()
		c.advance(time.Second)
		p.Set(25)
		p.tick()
		p.Printf("%s", "")
		p.EndWith("")
		if buf.String() == "" {
			t.Errorf("tty %v: nothing written", tty)
		}
	}
}

func TestProgressIsTerminal(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var nilFile *os.File
	if IsTerminal(f) || IsTerminal(&bytes.Buffer{}) || IsTerminal(nil) || IsTerminal(nilFile) {
		t.Error("a file, a buffer or nil taken for a terminal")
	}
}

func TestProgressFormats(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 9999: "9999", 310_000: "310k", 2_450_000: "2.45M", 24_500_000: "24.5M"} {
		if got := Count(n); got != want {
			t.Errorf("Count(%d) = %q, want %q", n, got, want)
		}
	}
	for n, want := range map[int64]string{512: "512 B", 12800: "12.5 KB", 3565158: "3.4 MB", 1288490189: "1.20 GB"} {
		if got := Bytes(n); got != want {
			t.Errorf("Bytes(%d) = %q, want %q", n, got, want)
		}
	}
	for d, want := range map[time.Duration]string{120 * time.Millisecond: "120ms", 3420 * time.Millisecond: "3.4s", 125 * time.Second: "2m05s"} {
		if got := elapsed(d); got != want {
			t.Errorf("elapsed(%v) = %q, want %q", d, got, want)
		}
	}
	if w := Width("写入数据库 (db)"); w != 15 {
		t.Errorf("Width = %d", w)
	}
	if got := Truncate("写入数据库", 7); got != "写入数…" || Width(got) > 7 {
		t.Errorf("Truncate = %q", got)
	}
	if got := Truncate("\xff\xfeabc", 2); Width(got) > 2 {
		t.Errorf("Truncate of bad UTF-8 = %q", got)
	}
}
