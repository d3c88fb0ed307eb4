package main

// Crash safety, tested on the real binary: the server and the spreadsheet
// import are killed with SIGKILL (no deferred function runs, nothing is
// flushed) at the worst moments, restarted, and the database checked.
//
//   - A burst of report PUTs from several reporters: every report the
//     server acknowledged with 200 is there afterwards, at its version or
//     a later one, and the audit chain verifies.
//   - A large `gongfu import reports`, thousands of rows in one
//     transaction: after the kill the rows are all there or none is.
//
// The binary is built with go build into a temporary directory; the test
// needs the go command and is skipped with -short.

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"gongfu"
	"gongfu/demo"
	"gongfu/xlsx"
)

// binary builds gongfu into t's temporary directory and returns its path,
// skipping the test with -short or without the go command. The build cache
// makes a second build in the same run a link only.
func binary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and kills the binary; skipped with -short")
	}
	gocmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to build the binary with")
	}
	path := filepath.Join(t.TempDir(), "gongfu")
	cmd := exec.Command(gocmd, "build", "-o", path, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return path
}

// gf runs the binary to completion and returns its exit code and output.
func gf(t *testing.T, bin, stdin string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, out.String(), errb.String()
	case errors.As(err, &ee):
		return ee.ExitCode(), out.String(), errb.String()
	}
	t.Fatalf("run %v: %v", args, err)
	return 0, "", ""
}

// mustGF runs the binary and fails t unless it exits 0.
func mustGF(t *testing.T, bin, stdin string, args ...string) string {
	t.Helper()
	code, out, stderr := gf(t, bin, stdin, args...)
	if code != 0 {
		t.Fatalf("gongfu %s: exit %d\n%s%s", strings.Join(args, " "), code, out, stderr)
	}
	return out
}

// server is a running `gongfu serve`.
type server struct {
	cmd  *exec.Cmd
	base string
	log  string        // stderr, for failures
	done chan struct{} // closed when the process has exited, with err set
	err  error
}

// startServer runs `gongfu serve` on a free port of the loopback and waits
// until it answers.
func startServer(t *testing.T, bin, db, logPath string) *server {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--db", db)
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = logf
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, log: logPath, done: make(chan struct{})}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if _, a, ok := strings.Cut(sc.Text(), "http://"); ok {
				addr <- strings.TrimSuffix(a, "/")
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	go func() {
		s.err = cmd.Wait()
		logf.Close()
		close(s.done)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-s.done
	})
	select {
	case a := <-addr:
		s.base = "http://" + a
	case <-s.done:
		t.Fatalf("gongfu serve exited: %v\n%s", s.err, tail(logPath))
	case <-time.After(2 * time.Minute):
		t.Fatalf("gongfu serve did not start\n%s", tail(logPath))
	}
	return s
}

// tail returns the end of a log file.
func tail(path string) string {
	b, _ := os.ReadFile(path)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// api sends a JSON request and decodes a JSON answer into out (when not nil).
func api(ctx context.Context, c *http.Client, method, url, token string, body any, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err // a response cut short is not an acknowledgement
	}
	if out != nil && resp.StatusCode == 200 {
		if err := json.Unmarshal(b, out); err != nil {
			return 0, err
		}
	}
	return resp.StatusCode, nil
}

// crashCounties are the areas whose reporters take part in the burst.
var crashCounties = []string{"鹿城区", "龙湾区", "瓯海区", "洞头区", "永嘉县", "平阳县", "苍南县", "瑞安市"}

const crashPassword = "Crash-test-pw-1"

// ack is a report the server acknowledged.
type ack struct {
	value   float64
	version int64
}

func TestCrashDuringReportBurst(t *testing.T) {
	bin := binary(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "g.db")
	logPath := filepath.Join(dir, "serve.log")
	mustGF(t, bin, "", "plan", "import", writeFile(t, dir, "seed.txt", demo.PlanText), "--db", db, "--quiet")
	for i, c := range crashCounties {
		mustGF(t, bin, crashPassword+"\n", "user", "add", fmt.Sprintf("r%d", i), "--role", "reporter", "--org", c, "--db", db)
	}

	client := &http.Client{Timeout: time.Minute}
	ctx := t.Context()
	var item string
	orgIDs := map[string]int64{}
	login := func(base string, i int) string {
		var out struct{ Token string }
		code, err := api(ctx, client, "POST", base+"/api/v1/session", "",
			map[string]string{"username": fmt.Sprintf("r%d", i), "password": crashPassword}, &out)
		if err != nil || code != 200 || out.Token == "" {
			t.Fatalf("login r%d: %d %v", i, code, err)
		}
		return out.Token
	}

	var (
		mu     sync.Mutex
		acked  = map[gongfu.ReportKey]ack{}
		nacks  atomic.Int64
		value  atomic.Int64 // every PUT a larger value, so no year-to-date figure falls
		rounds = 3
	)
	const minAcks = 100 // acknowledgements before a kill, at least
	for round := range rounds {
		srv := startServer(t, bin, db, logPath)
		if item == "" {
			var p gongfu.Plan
			if code, err := api(ctx, client, "GET", srv.base+"/api/v1/plans/1", "", nil, &p); err != nil || code != 200 {
				t.Fatalf("plan: %d %v", code, err)
			}
			for _, d := range p.Domains {
				for _, k := range d.Tasks {
					for _, g := range k.Targets {
						if g.Kind == gongfu.KindIncrement && item == "" {
							item = g.ID
						}
					}
				}
			}
			var orgs []struct {
				ID   int64
				Name string
			}
			if code, err := api(ctx, client, "GET", srv.base+"/api/v1/orgs", "", nil, &orgs); err != nil || code != 200 {
				t.Fatalf("orgs: %d %v", code, err)
			}
			for _, o := range orgs {
				orgIDs[o.Name] = o.ID
			}
		}
		tokens := make([]string, len(crashCounties))
		for i := range crashCounties {
			tokens[i] = login(srv.base, i)
		}

		start := nacks.Load()
		var wg sync.WaitGroup
		var unexpected atomic.Value
		for i, county := range crashCounties {
			wg.Go(func() {
				for {
					v := float64(value.Add(1))
					k := gongfu.ReportKey{PlanID: 1, ItemID: item, OrgID: orgIDs[county],
						Period: gongfu.MonthPeriod(2020, 1+int(v)%12).String()}
					var rep gongfu.Report
					url := fmt.Sprintf("%s/api/v1/plans/1/reports/%s/%d/%s", srv.base, k.ItemID, k.OrgID, k.Period)
					code, err := api(ctx, client, "PUT", url, tokens[i], map[string]any{"value": v}, &rep)
					if err != nil {
						return // the server is gone
					}
					if code != 200 {
						unexpected.Store(fmt.Sprintf("PUT %s: %d", url, code))
						return
					}
					if *rep.Value != v || rep.Version <= 0 {
						unexpected.Store(fmt.Sprintf("PUT %s answered %+v", url, rep))
						return
					}
					mu.Lock()
					if a, ok := acked[k]; !ok || rep.Version > a.version {
						acked[k] = ack{v, rep.Version}
					}
					mu.Unlock()
					nacks.Add(1)
				}
			})
		}
		// Kill once the burst is well under way, at a moment that varies.
		want := int64(minAcks + rand.IntN(minAcks))
		deadline := time.Now().Add(2 * time.Minute)
		for nacks.Load()-start < want && unexpected.Load() == nil && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		time.Sleep(time.Duration(rand.IntN(20)) * time.Millisecond)
		srv.cmd.Process.Kill() // SIGKILL
		<-srv.done
		wg.Wait()
		if u := unexpected.Load(); u != nil {
			t.Fatalf("round %d: %v\n%s", round, u, tail(logPath))
		}
		t.Logf("round %d: %d reports acknowledged before SIGKILL", round, nacks.Load()-start)
	}
	if nacks.Load() < int64(rounds*minAcks) {
		t.Fatalf("only %d acknowledgements", nacks.Load())
	}

	// Restart: every acknowledged report is there, at its version or later.
	srv := startServer(t, bin, db, logPath)
	tokens := make([]string, len(crashCounties))
	for i := range crashCounties {
		tokens[i] = login(srv.base, i)
	}
	county := map[int64]int{}
	for i, c := range crashCounties {
		county[orgIDs[c]] = i
	}
	for k, a := range acked {
		var rep gongfu.Report
		url := fmt.Sprintf("%s/api/v1/plans/1/reports/%s/%d/%s", srv.base, k.ItemID, k.OrgID, k.Period)
		code, err := api(ctx, client, "GET", url, tokens[county[k.OrgID]], nil, &rep)
		if err != nil || code != 200 {
			t.Errorf("acknowledged report %s is missing: %d %v", k, code, err)
			continue
		}
		if rep.Version < a.version || rep.Version == a.version && (rep.Value == nil || *rep.Value != a.value) {
			t.Errorf("report %s: version %d value %v, acknowledged version %d value %v", k, rep.Version, rep.Value, a.version, a.value)
		}
	}
	t.Logf("%d acknowledged reports (%d keys) all present after %d kills", nacks.Load(), len(acked), rounds)

	// SIGTERM stops the server gracefully: exit 0.
	srv.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-srv.done:
		if srv.err != nil {
			t.Errorf("after SIGTERM: %v\n%s", srv.err, tail(logPath))
		}
	case <-time.After(time.Minute):
		t.Errorf("the server did not stop on SIGTERM")
	}
	if out := mustGF(t, bin, "", "audit", "verify", "--db", db); !strings.Contains(out, "审计链完好") {
		t.Errorf("audit verify: %s", out)
	}
}

// bigPlan is a plan document of 300 tasks and 3,300 targets for Wenzhou,
// so that a county's template has thousands of rows.
func bigPlan() []byte {
	things := []string{"幼儿园", "公办园", "养老机构", "社区卫生服务站", "文化礼堂", "体育场地", "保障性住房", "托育机构", "职业技能培训点", "公交线路"}
	units := []string{"所", "个", "家", "人", "万人", "张", "公里", "套"}
	var b strings.Builder
	b.WriteString("2020年温州市基本公共服务体系建设行动计划（压力测试）\n\n一、重点任务\n\n")
	for d := 1; d <= 30; d++ {
		fmt.Fprintf(&b, "（%d）加快推进第%d项民生工程\n", d, d)
		for k := 1; k <= 10; k++ {
			var s []string
			for g, th := range things {
				s = append(s, fmt.Sprintf("新建%s%d%s", th, d*100+k*10+g, units[g%len(units)]))
			}
			fmt.Fprintf(&b, "%d.推进第%d-%d项工作。%s。（牵头单位：市发展改革委）\n", k, d, k, strings.Join(s, "，"))
		}
		b.WriteString("\n")
	}
	return []byte(b.String())
}

// filledTemplate exports the 鹿城区 template of the big plan and fills
// every row, returning the file and its row count.
func bigFilledTemplate(t *testing.T, bin, dir, db string) (string, int) {
	t.Helper()
	tmpl := filepath.Join(dir, "template.xlsx")
	mustGF(t, bin, "", "export", "template", "--plan", "1", "--org", "鹿城区", "--period", "2020-05", "--out", tmpl, "--db", db, "--quiet")
	f, err := excelize.OpenFile(tmpl)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(xlsx.TemplateSheet)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for i, r := range rows[1:] {
		row := i + 2
		if len(r) == 0 || r[0] == "" {
			continue
		}
		cells := map[string]any{fmt.Sprintf("F%d", row): float64(n%97 + 1)}
		if strings.Contains(r[0], ".m") { // a milestone: a stage, not a value
			cells = map[string]any{fmt.Sprintf("I%d", row): "推进中", fmt.Sprintf("J%d", row): 50}
		}
		for c, v := range cells {
			if err := f.SetCellValue(xlsx.TemplateSheet, c, v); err != nil {
				t.Fatal(err)
			}
		}
		n++
	}
	filled := filepath.Join(dir, "filled.xlsx")
	if err := f.SaveAs(filled); err != nil {
		t.Fatal(err)
	}
	return filled, n
}

// countReports counts the reports of 鹿城区 for 2020-05 and checks the
// database file's integrity, opening it as a plain SQLite file.
func countReports(t *testing.T, db string) int {
	t.Helper()
	conn, err := sql.Open("sqlite", db+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var check string
	if err := conn.QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check: %q %v", check, err)
	}
	var n int
	if err := conn.QueryRow(`SELECT COUNT(*) FROM reports r JOIN orgs o ON o.id = r.org_id
		WHERE o.name = '鹿城区' AND r.period = '2020-05'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// copyFile copies a database file (closed cleanly: no -wal).
func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeLocked reports whether another connection holds the write lock of
// the database (is inside a write transaction), by trying to take it
// without waiting.
func writeLocked(conn *sql.DB) bool {
	_, err := conn.Exec(`BEGIN IMMEDIATE`)
	if err != nil {
		return strings.Contains(err.Error(), "SQLITE_BUSY") || strings.Contains(err.Error(), "locked")
	}
	conn.Exec(`ROLLBACK`)
	return false
}

// killAt says when killImport kills the import.
type killAt struct {
	name  string
	event string        // "start", "lock" (its write transaction began) or "unlock" (it ended)
	delay time.Duration // after the event
}

// lockTimes are when a run's write transaction began and ended, since the
// run started, 0 when not seen.
type lockTimes struct {
	lockAt, unlockAt time.Duration
}

// watch looks at the write lock once, notes when it was first taken and
// released, and returns the timer of k's kill when this look saw k's event
// (nil otherwise).
func (lt *lockTimes) watch(probe *sql.DB, start time.Time, k killAt) <-chan time.Time {
	locked := writeLocked(probe)
	switch {
	case locked && lt.lockAt == 0:
		lt.lockAt = time.Since(start)
		if k.event == "lock" {
			return time.After(k.delay)
		}
	case !locked && lt.lockAt != 0 && lt.unlockAt == 0:
		lt.unlockAt = time.Since(start)
		if k.event == "unlock" {
			return time.After(k.delay)
		}
	}
	return nil
}

// importRun is what became of one run of the import.
type importRun struct {
	killed bool
	lockTimes
	total time.Duration
}

// killImport runs `gongfu import reports` on db, watching its write lock
// from another connection, and kills it with SIGKILL as k says (never when
// k.event is "").
func killImport(t *testing.T, bin, filled, db string, k killAt) importRun {
	t.Helper()
	probe, err := sql.Open("sqlite", db+"?_pragma=busy_timeout(0)")
	if err != nil {
		t.Fatal(err)
	}
	defer probe.Close()
	probe.SetMaxOpenConns(1)
	cmd := exec.Command(bin, "import", "reports", filled, "--db", db, "--quiet")
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	var run importRun
	var fire <-chan time.Time
	if k.event == "start" {
		fire = time.After(k.delay)
	}
	var werr error
loop:
	for {
		select {
		case werr = <-exited:
			break loop
		case <-fire:
			run.killed = cmd.Process.Kill() == nil
			werr = <-exited
			break loop
		default:
		}
		if f := run.watch(probe, start, k); f != nil {
			fire = f
		}
		time.Sleep(200 * time.Microsecond)
	}
	run.total = time.Since(start)
	if werr == nil {
		run.killed = false // it finished first
	} else if !run.killed {
		t.Fatalf("%s: the import failed on its own: %v\n%s", k.name, werr, stderr.String())
	}
	return run
}

func TestCrashDuringSpreadsheetImport(t *testing.T) {
	bin := binary(t)
	dir := t.TempDir()
	pristine := filepath.Join(dir, "pristine.db")
	mustGF(t, bin, "", "plan", "import", writeFile(t, dir, "big.txt", bigPlan()), "--db", pristine, "--quiet")
	filled, rows := bigFilledTemplate(t, bin, dir, pristine)
	if rows < 3000 {
		t.Fatalf("the template has %d rows, want thousands", rows)
	}

	// An uninterrupted import stores every row (the "all" of all-or-none),
	// and shows how long its write transaction holds the lock.
	whole := filepath.Join(dir, "whole.db")
	copyFile(t, pristine, whole)
	full := killImport(t, bin, filled, whole, killAt{name: "uninterrupted"})
	if n := countReports(t, whole); n != rows {
		t.Fatalf("an uninterrupted import stored %d of %d rows", n, rows)
	}
	tx := full.unlockAt - full.lockAt
	t.Logf("%d rows import in %v; the write transaction from %v to %v", rows, full.total, full.lockAt, full.unlockAt)

	// Kill it inside its write transaction (at its start, half-way, near
	// its end), just after it, and at fixed fractions of a whole run.
	attempts := []killAt{
		{"as the transaction begins", "lock", 0},
		{"half-way through the transaction", "lock", tx / 2},
		{"near the end of the transaction", "lock", tx * 9 / 10},
		{"just after the commit", "unlock", 0},
		{"at 30% of a whole run", "start", full.total * 3 / 10},
		{"at 60% of a whole run", "start", full.total * 6 / 10},
		{"at 90% of a whole run", "start", full.total * 9 / 10},
	}
	var none, all, inTx int
	for i, a := range attempts {
		db := filepath.Join(dir, fmt.Sprintf("kill-%d.db", i))
		copyFile(t, pristine, db)
		run := killImport(t, bin, filled, db, a)
		n := countReports(t, db)
		switch n {
		case 0:
			none++
		case rows:
			all++
		default:
			t.Errorf("%s: %d of %d rows stored: an import was cut in half", a.name, n, rows)
		}
		if run.killed && run.lockAt > 0 && run.unlockAt == 0 {
			inTx++
		}
		if code, out, stderr := gf(t, bin, "", "audit", "verify", "--db", db); code != 0 {
			t.Errorf("%s: audit verify: exit %d\n%s%s", a.name, code, out, stderr)
		}
		t.Logf("%s: killed %v at %v (lock %v–%v) → %d rows", a.name, run.killed, run.total, run.lockAt, run.unlockAt, n)
	}
	t.Logf("all-or-none held: %d runs with none, %d with all, %d killed inside the write transaction", none, all, inTx)
	if inTx == 0 {
		t.Errorf("no run was killed inside the write transaction; the test proved nothing")
	}
}

// webSession is a browser logged in to a server: its cookie jar and the
// CSRF token of its forms.
type webSession struct {
	c          *http.Client
	base, csrf string
}

// do sends a request of the browser and returns the answer's status and body.
func (w *webSession) do(ctx context.Context, method, path, ct string, body io.Reader) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, method, w.base+path, body)
	if err != nil {
		return 0, "", err
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	resp, err := w.c.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// webLogin logs the reporter r0 (鹿城区) in through the login form of the
// server at base, as a browser does.
func webLogin(ctx context.Context, base string) (*webSession, error) {
	jar, _ := cookiejar.New(nil)
	w := &webSession{base: base, c: &http.Client{Jar: jar, Timeout: 2 * time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	_, page, err := w.do(ctx, "GET", "/login", "", nil)
	if err != nil {
		return nil, err
	}
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page)
	if m == nil {
		return nil, fmt.Errorf("no CSRF token on the login form")
	}
	w.csrf = m[1]
	form := url.Values{"csrf": {w.csrf}, "username": {"r0"}, "password": {crashPassword}}
	if code, _, err := w.do(ctx, "POST", "/login", "application/x-www-form-urlencoded", strings.NewReader(form.Encode())); err != nil || code != 303 {
		return nil, fmt.Errorf("login: %d %v", code, err)
	}
	return w, nil
}

// upload posts the filled template through the report list's upload form
// (POST /report/upload) and returns the answer's status, 303 when the
// whole template was imported, or an error when the server went away.
func (w *webSession) upload(ctx context.Context, filled []byte) (int, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range map[string]string{"csrf": w.csrf, "plan": "1", "period": "2020-05"} {
		mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("file", "鹿城区-2020-05.xlsx")
	fw.Write(filled)
	mw.Close()
	code, _, err := w.do(ctx, "POST", "/report/upload", mw.FormDataContentType(), &buf)
	return code, err
}

// uploadRun is what became of one upload to a server killed as killAt says.
type uploadRun struct {
	status int // the answer, 0 when there was none
	killed bool
	lockTimes
	total time.Duration
}

// killUpload starts `gongfu serve` on db, logs in and uploads filled
// through the web form, watches the database's write lock from another connection and
// kills the server with SIGKILL as k says (never when k.event is "").
func killUpload(t *testing.T, bin, db, logPath string, filled []byte, k killAt) uploadRun {
	t.Helper()
	srv := startServer(t, bin, db, logPath)
	probe, err := sql.Open("sqlite", db+"?_pragma=busy_timeout(0)")
	if err != nil {
		t.Fatal(err)
	}
	defer probe.Close()
	probe.SetMaxOpenConns(1)
	type answer struct {
		code int
		err  error
	}
	web, err := webLogin(t.Context(), srv.base)
	if err != nil {
		t.Fatalf("%s: %v\n%s", k.name, err, tail(logPath))
	}
	done := make(chan answer, 1)
	start := time.Now()
	go func() {
		code, err := web.upload(t.Context(), filled)
		done <- answer{code, err}
	}()
	var run uploadRun
	var fire <-chan time.Time
	if k.event == "start" {
		fire = time.After(k.delay)
	}
	kill := func() {
		run.killed = srv.cmd.Process.Kill() == nil
		<-srv.done
	}
loop:
	for {
		select {
		case a := <-done:
			run.status = a.code
			if a.err != nil && !run.killed {
				t.Fatalf("%s: upload: %v\n%s", k.name, a.err, tail(logPath))
			}
			break loop
		case <-fire:
			kill()
			fire = nil
		default:
		}
		if run.killed {
			time.Sleep(time.Millisecond)
			continue
		}
		if f := run.watch(probe, start, k); f != nil {
			fire = f
		}
		time.Sleep(200 * time.Microsecond)
	}
	run.total = time.Since(start)
	if !run.killed {
		kill()
	}
	return run
}

// TestCrashDuringSpreadsheetUpload kills the server (SIGKILL) while a
// reporter's upload of a template of thousands of rows is being imported —
// inside its write transaction, just after it, at fractions of a whole run
// — restarts it on the same database and checks that the upload is there
// whole or not at all, whole whenever the browser had been told it was
// imported, and that the audit chain verifies.
// uploadFixture builds the binary and a database with the big plan and
// 鹿城区's reporter r0, and fills r0's template: the binary, the test's
// directory, the database, the filled workbook and its row count.
func uploadFixture(t *testing.T) (bin, dir, pristine string, filled []byte, rows int) {
	t.Helper()
	bin = binary(t)
	dir = t.TempDir()
	pristine = filepath.Join(dir, "pristine.db")
	mustGF(t, bin, "", "plan", "import", writeFile(t, dir, "big.txt", bigPlan()), "--db", pristine, "--quiet")
	mustGF(t, bin, crashPassword+"\n", "user", "add", "r0", "--role", "reporter", "--org", "鹿城区", "--db", pristine)
	path, rows := bigFilledTemplate(t, bin, dir, pristine)
	filled, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return bin, dir, pristine, filled, rows
}

func TestCrashDuringSpreadsheetUpload(t *testing.T) {
	bin, dir, pristine, filled, rows := uploadFixture(t)
	logPath := filepath.Join(dir, "serve.log")

	whole := filepath.Join(dir, "whole.db")
	copyFile(t, pristine, whole)
	full := killUpload(t, bin, whole, logPath, filled, killAt{name: "uninterrupted"})
	if full.status != 303 {
		t.Fatalf("an uninterrupted upload answered %d\n%s", full.status, tail(logPath))
	}
	if n := countReports(t, whole); n != rows {
		t.Fatalf("an uninterrupted upload stored %d of %d rows", n, rows)
	}
	tx := full.unlockAt - full.lockAt
	t.Logf("%d rows upload in %v; the write transaction from %v to %v", rows, full.total, full.lockAt, full.unlockAt)

	attempts := []killAt{
		{"as the transaction begins", "lock", 0},
		{"half-way through the transaction", "lock", tx / 2},
		{"near the end of the transaction", "lock", tx * 9 / 10},
		{"just after the commit", "unlock", 0},
		{"at half a whole upload", "start", full.total / 2},
	}
	inTx := 0
	for i, a := range attempts {
		db := filepath.Join(dir, fmt.Sprintf("kill-%d.db", i))
		copyFile(t, pristine, db)
		run := killUpload(t, bin, db, logPath, filled, a)
		// Restart on the database the killed server left, as an
		// operator would, and stop it again.
		srv := startServer(t, bin, db, logPath)
		srv.cmd.Process.Kill()
		<-srv.done
		n := countReports(t, db)
		if n != 0 && n != rows {
			t.Errorf("%s: %d of %d rows stored: an upload was cut in half", a.name, n, rows)
		}
		if run.status == 303 && n != rows {
			t.Errorf("%s: the browser was told the upload was imported, but %d of %d rows are there", a.name, n, rows)
		}
		if run.killed && run.lockAt > 0 && run.unlockAt == 0 {
			inTx++
		}
		if code, out, stderr := gf(t, bin, "", "audit", "verify", "--db", db); code != 0 {
			t.Errorf("%s: audit verify: exit %d\n%s%s", a.name, code, out, stderr)
		}
		t.Logf("%s: answer %d, killed %v at %v (lock %v–%v) → %d rows", a.name, run.status, run.killed, run.total, run.lockAt, run.unlockAt, n)
	}
	if inTx == 0 {
		t.Errorf("no run was killed inside the write transaction; the test proved nothing")
	}
}

// TestSIGTERMDuringUpload: SIGTERM reaching the server while it imports an
// upload inside its write transaction lets the request finish — the
// browser is told the template was imported, every row is there — and
// the server then exits 0 and takes no new connection.
func TestSIGTERMDuringUpload(t *testing.T) {
	bin, dir, db, filled, rows := uploadFixture(t)
	logPath := filepath.Join(dir, "serve.log")
	srv := startServer(t, bin, db, logPath)
	probe, err := sql.Open("sqlite", db+"?_pragma=busy_timeout(0)")
	if err != nil {
		t.Fatal(err)
	}
	defer probe.Close()
	probe.SetMaxOpenConns(1)
	web, err := webLogin(t.Context(), srv.base)
	if err != nil {
		t.Fatal(err)
	}
	type answer struct {
		code int
		err  error
	}
	done := make(chan answer, 1)
	go func() {
		code, err := web.upload(t.Context(), filled)
		done <- answer{code, err}
	}()
	deadline := time.Now().Add(time.Minute)
	for !writeLocked(probe) {
		if time.Now().After(deadline) {
			t.Fatalf("the upload never began its write transaction\n%s", tail(logPath))
		}
		time.Sleep(200 * time.Microsecond)
	}
	srv.cmd.Process.Signal(syscall.SIGTERM)
	a := <-done
	if a.err != nil || a.code != 303 {
		t.Errorf("the upload in flight at SIGTERM: %d %v, want 303 (imported)\n%s", a.code, a.err, tail(logPath))
	}
	select {
	case <-srv.done:
		if srv.err != nil {
			t.Errorf("after SIGTERM: %v\n%s", srv.err, tail(logPath))
		}
	case <-time.After(time.Minute):
		t.Fatal("the server did not stop on SIGTERM")
	}
	if n := countReports(t, db); n != rows {
		t.Errorf("%d of %d rows stored", n, rows)
	}
	if _, err := http.Get(srv.base + "/healthz"); err == nil {
		t.Errorf("the server still answers after SIGTERM")
	}
	if code, out, stderr := gf(t, bin, "", "audit", "verify", "--db", db); code != 0 {
		t.Errorf("audit verify: exit %d\n%s%s", code, out, stderr)
	}
}

// TestBackupDuringUpload runs `gongfu backup` against the database of a
// running `gongfu serve` again and again while the server imports an
// upload of thousands of rows in one transaction. Each backup is a
// consistent snapshot: its integrity check passes, its audit chain
// verifies and is the beginning of the live one, and it holds the upload
// whole or not at all. `gongfu restore` of each gives a database equal to
// the backup, table by table.
func TestBackupDuringUpload(t *testing.T) {
	bin, dir, db, filled, rows := uploadFixture(t)
	logPath := filepath.Join(dir, "serve.log")
	srv := startServer(t, bin, db, logPath)
	web, err := webLogin(t.Context(), srv.base)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan int, 1)
	go func() {
		code, _ := web.upload(t.Context(), filled)
		done <- code
	}()
	var files []string
	for i := 0; ; i++ {
		f := filepath.Join(dir, fmt.Sprintf("backup-%d.db", i))
		if code, out, stderr := gf(t, bin, "", "backup", f, "--db", db, "--quiet"); code != 0 {
			t.Fatalf("backup while serving: exit %d\n%s%s", code, out, stderr)
		}
		files = append(files, f)
		select {
		case code := <-done:
			if code != 303 {
				t.Fatalf("the upload answered %d\n%s", code, tail(logPath))
			}
		default:
			continue
		}
		break
	}
	f := filepath.Join(dir, "backup-after.db")
	mustGF(t, bin, "", "backup", f, "--db", db, "--quiet")
	files = append(files, f)
	srv.cmd.Process.Signal(syscall.SIGTERM)
	<-srv.done
	live := auditRows(t, db)
	some := map[int]int{}
	for i, f := range files {
		n := countReports(t, f) // with the integrity check
		if n != 0 && n != rows {
			t.Errorf("backup %d holds %d of the upload's %d rows: not a consistent snapshot", i, n, rows)
		}
		some[n]++
		if code, out, stderr := gf(t, bin, "", "audit", "verify", "--db", f); code != 0 {
			t.Errorf("backup %d: audit verify: exit %d\n%s%s", i, code, out, stderr)
		}
		if got := auditRows(t, f); len(got) > len(live) || !slices.Equal(got, live[:len(got)]) {
			t.Errorf("backup %d: its %d audit entries are not the beginning of the live trail's %d", i, len(got), len(live))
		}
		restored := filepath.Join(dir, fmt.Sprintf("restored-%d.db", i))
		mustGF(t, bin, "", "restore", f, "--db", restored, "--quiet")
		compareTables(t, tables(t, restored), tables(t, f))
	}
	if some[rows] == 0 {
		t.Errorf("no backup holds the upload")
	}
	t.Logf("%d backups: %d before the upload's commit, %d after", len(files), some[0], some[rows])
}

// auditRows returns the audit trail of a database file as text, in order.
func auditRows(t *testing.T, path string) []string {
	t.Helper()
	conn, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rows, err := conn.Query(`SELECT seq, hash FROM audit_log ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var seq int64
		var hash string
		if err := rows.Scan(&seq, &hash); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprint(seq, " ", hash))
	}
	return out
}
