package http_test

// Operations: structured logs with a request id, and the request id in the
// audit trail's security events, so that an auditor can go from an entry
// to the log lines of its request and back.

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"gongfu"
	"gongfu/extract"
	gongfuhttp "gongfu/http"
	"gongfu/region"
	"gongfu/sqlite"
)

// logBuffer collects a server's JSON log lines; it is safe for the
// server's goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// lines returns the log lines written so far, decoded.
func (b *logBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(b.buf.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q is not JSON: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

// errors returns the log lines at level ERROR.
func (b *logBuffer) errors(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range b.lines(t) {
		if l["level"] == "ERROR" {
			out = append(out, l)
		}
	}
	return out
}

// withRID returns the log lines of request id rid.
func (b *logBuffer) withRID(t *testing.T, rid string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range b.lines(t) {
		if l["rid"] == rid {
			out = append(out, l)
		}
	}
	return out
}

// newLoggedServer is newTestServer with the server's log kept, as JSON
// lines, in the returned buffer, the clock at 10 July 2020, the seed plan
// and the accounts of newSecServer, with the path of its database file.
// Each of configure, when given, changes the server before it opens.
func newLoggedServer(t *testing.T, configure ...func(*gongfuhttp.Server)) (*testServer, *logBuffer, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "g.db")
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	logs := &logBuffer{}
	srv := gongfuhttp.NewServer(db, slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	srv.Extract = func(name string, data []byte) (*gongfu.Plan, []string, error) {
		res, err := extract.Document(name, data)
		if err != nil {
			return nil, nil, err
		}
		return res.Plan, res.Warnings, nil
	}
	srv.PlanOrgs = region.PlanOrgs
	srv.Security.SingleSession = false
	now := func() time.Time { return time.Date(2020, 7, 10, 9, 0, 0, 0, time.UTC) }
	srv.Now, db.Now = now, now
	ts := &testServer{Server: srv, db: db}
	ts.seed(t)
	for _, u := range []struct {
		name string
		role gongfu.Role
		org  string
	}{
		{"admin", gongfu.RoleAdmin, ""}, {"sec", gongfu.RoleSecurityAdmin, ""}, {"aud", gongfu.RoleAuditAdmin, ""},
		{"coord", gongfu.RoleCoordinator, ""}, {"boss", gongfu.RoleLeader, ""},
		{"lc", gongfu.RoleReporter, "鹿城区"}, {"ra", gongfu.RoleReporter, "瑞安市"}, {"jy", gongfu.RoleReporter, "市教育局"},
	} {
		ts.addUser(t, u.name, u.role, u.org)
	}
	for _, c := range configure {
		c(srv)
	}
	if err := srv.Open("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close(context.Background()) })
	ts.base = "http://" + srv.Addr()
	return ts, logs, path
}

// line waits for the log line msg of request rid (the request's own line
// is written after its answer has gone) and returns it, nil when it does
// not come.
func (b *logBuffer) line(t *testing.T, rid, msg string) map[string]any {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		for _, l := range b.withRID(t, rid) {
			if l["msg"] == msg {
				return l
			}
		}
		if time.Now().After(deadline) {
			return nil
		}
	}
}

// ridOf returns the request id a response carries.
func ridOf(t *testing.T, r response) string {
	t.Helper()
	rid := r.header.Get("X-Request-Id")
	if len(rid) != 16 {
		t.Fatalf("X-Request-Id %q, want 16 hex digits", rid)
	}
	return rid
}

// TestRequestLogs: every request has its own id, sent as X-Request-Id and
// written on its log line (log/slog, here as JSON) with method, path and
// status; an internal error is logged with the same id, and its answer
// shows neither the error's text nor a stack trace.
func TestRequestLogs(t *testing.T) {
	ts, logs, _ := newLoggedServer(t)
	seen := map[string]bool{}
	for _, path := range []string{"/", "/plans/1", "/api/v1/plans", "/no/such/page", "/healthz"} {
		r := ts.do(t, nil, "GET", path, nil, nil)
		rid := ridOf(t, r)
		if seen[rid] {
			t.Errorf("request id %s used twice", rid)
		}
		seen[rid] = true
		line := logs.line(t, rid, "request")
		if line == nil || line["method"] != "GET" || line["path"] != path || line["status"] != float64(r.status) ||
			line["time"] == nil || line["level"] != "INFO" {
			t.Errorf("GET %s (%d): log line %v", path, r.status, line)
		}
	}

	// An internal error: the store fails under a request.
	tok := ts.token(t, "coord")
	ts.db.Close()
	r := ts.do(t, nil, "GET", "/api/v1/plans", nil, bearer(tok))
	rid := ridOf(t, r)
	if r.status != 500 || strings.Contains(r.body, "sql") || strings.Contains(r.body, "closed") {
		t.Errorf("internal error answered %d %s", r.status, r.body)
	}
	fault := logs.line(t, rid, "internal error")
	if fault == nil || fault["level"] != "ERROR" || !strings.Contains(fault["err"].(string), "closed") || fault["path"] != "/api/v1/plans" {
		t.Errorf("the internal error's log line %v, want the error with rid %s", fault, rid)
	}
}

// TestSecurityEventsCarryRequestID: the security events the server itself
// records (failed logins, lockouts, a wrong current password, exports, an
// unlock) end their result with "; rid <id>", the X-Request-Id of the
// request and the rid of its log line.
func TestSecurityEventsCarryRequestID(t *testing.T) {
	ts, logs, _ := newLoggedServer(t)
	login := func(name, pw string) response {
		return ts.do(t, nil, "POST", "/api/v1/session", strings.NewReader(`{"username":"`+name+`","password":"`+pw+`"}`), jsonCT)
	}
	// entry returns the newest entry of action, failing when its result
	// does not end with the request id of r.
	entry := func(what, action string, r response) gongfu.AuditEntry {
		t.Helper()
		es, err := ts.db.FindAudit(t.Context(), 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		var last *gongfu.AuditEntry
		for i := range es {
			if es[i].Action == action {
				last = &es[i]
			}
		}
		rid := ridOf(t, r)
		if last == nil || !strings.HasSuffix(last.Result, "; rid "+rid) {
			t.Errorf("%s: entry %+v, want its result to end with the request id %s", what, last, rid)
			return gongfu.AuditEntry{}
		}
		if logs.line(t, rid, "request") == nil {
			t.Errorf("%s: no log line with rid %s", what, rid)
		}
		return *last
	}

	r := login("lc", "Wrong-guess-1")
	if e := entry("a wrong password", "user.login", r); !strings.HasPrefix(e.Result, "denied: wrong password; ip 127.0.0.1; rid ") {
		t.Errorf("failed login result %q", e.Result)
	}
	entry("an unknown user", "user.login", login("ghost", "Wrong-guess-2"))
	for range 3 {
		login("lc", "Wrong-guess-3")
	}
	r = login("lc", "Wrong-guess-4") // the fifth: the lockout
	entry("the failure that locks out", "user.lockout", r)

	sec := ts.token(t, "sec")
	r = ts.do(t, nil, "POST", "/api/v1/users/lc/unlock", nil, bearer(sec))
	if r.status != 204 {
		t.Fatalf("unlock = %d %s", r.status, r.body)
	}
	if e := entry("an unlock", "user.unlock", r); !strings.HasPrefix(e.Result, "ok; rid ") {
		t.Errorf("unlock result %q", e.Result)
	}

	c := formClient()
	m := csrfRe.FindStringSubmatch(ts.do(t, c, "GET", "/login", nil, nil).body)
	form := func(path string, v url.Values) response {
		return ts.do(t, c, "POST", path, strings.NewReader(v.Encode()), formCT)
	}
	if r := form("/login", url.Values{"csrf": {m[1]}, "username": {"coord"}, "password": {pw("coord")}}); r.status != 303 {
		t.Fatalf("login = %d", r.status)
	}
	r = form("/account/password", url.Values{"csrf": {m[1]}, "current": {"Not-my-password-1"}, "new": {"N3w-Secret-pw"}, "confirm": {"N3w-Secret-pw"}})
	entry("a wrong current password", "user.password", r)

	r = ts.do(t, c, "GET", "/plans/1/decomposition.xlsx", nil, nil)
	if r.status != 200 {
		t.Fatalf("decomposition = %d", r.status)
	}
	if e := entry("an export", "export", r); e.Object != "plan/1/decomposition.xlsx" || e.Actor != "coord" {
		t.Errorf("export entry %+v", e)
	}
	if seq, err := ts.db.VerifyAudit(t.Context()); seq != 0 || err != nil {
		t.Errorf("VerifyAudit = %d %v", seq, err)
	}
}
