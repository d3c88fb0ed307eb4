package http_test

// Tests over every route the server has. The routes are read from the
// package's source — every mux.Handle and mux.HandleFunc call — rather than
// from a list kept by hand, so that a route added tomorrow is swept by the
// CSRF, header, injection and size tests the day it is added. A pattern
// that is not a string literal fails TestRouteTable: it could hide a route.

import (
	"bytes"
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"mime/multipart"
	"net/http"
	"net/url"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gongfu"
	gongfuhttp "gongfu/http"
)

// route is one registration: its method ("" for any), its pattern's path
// and where it is registered.
type route struct {
	method, path, where string
}

// pattern is the route as registered: "GET /plans/{id}".
func (r route) pattern() string {
	if r.method == "" {
		return r.path
	}
	return r.method + " " + r.path
}

// api reports whether the route is part of the JSON API.
func (r route) api() bool { return strings.HasPrefix(r.path, "/api/") }

// unsafe reports whether the route's method changes state.
func (r route) unsafe() bool {
	switch r.method {
	case "GET", "HEAD", "OPTIONS":
		return false
	}
	return true
}

// sourceFiles parses the package's non-test Go files.
func sourceFiles(t *testing.T) (*token.FileSet, []*ast.File) {
	t.Helper()
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, n := range names {
		if strings.HasSuffix(n, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, n, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	if len(files) < 10 {
		t.Fatalf("found %d source files; is the test running in the package directory?", len(files))
	}
	return fset, files
}

// allRoutes returns every route registered in the package's source.
func allRoutes(t *testing.T) []route {
	t.Helper()
	fset, files := sourceFiles(t)
	var out []route
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || (sel.Sel.Name != "Handle" && sel.Sel.Name != "HandleFunc") || len(call.Args) != 2 {
				return true
			}
			where := fset.Position(call.Pos()).String()
			lit, ok := call.Args[0].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				t.Errorf("%s: a route whose pattern is not a string literal; the security tests cannot see it", where)
				return true
			}
			p, _ := strconv.Unquote(lit.Value)
			r := route{path: p, where: where}
			if m, rest, ok := strings.Cut(p, " "); ok {
				r.method, r.path = m, strings.TrimSpace(rest)
			}
			out = append(out, r)
			return true
		})
	}
	return out
}

// TestRouteTable: the routes read from the source are the server's: each
// one's filled-in path is served by exactly its own pattern.
func TestRouteTable(t *testing.T) {
	routes := allRoutes(t)
	if len(routes) < 90 {
		t.Fatalf("%d routes read from the source, want the ninety and more the server has", len(routes))
	}
	seen := map[string]bool{}
	f := &sweep{plan: "1", lc: "2", ra: "3", sv: "1", att: "1"}
	for _, r := range routes {
		if seen[r.pattern()] {
			t.Errorf("%s registered twice", r.pattern())
		}
		seen[r.pattern()] = true
		method := r.method
		if method == "" {
			method = "PATCH"
		}
		if got := gongfuhttp.MatchRoute(method, f.fill(r, nil)); got != r.pattern() {
			t.Errorf("%s (%s): %s %s is served by %q", r.pattern(), r.where, method, f.fill(r, nil), got)
		}
	}
	for _, want := range []string{"POST /login", "POST /report/upload", "PUT /api/v1/plans/{planID}/reports/{targetID}/{orgID}/{period}", "GET /audit"} {
		if !seen[want] {
			t.Errorf("the route table lacks %s", want)
		}
	}
}

// sweep is a server over the seed plan with an account of every role, a
// browser session and an API token for each, a report, an attachment and a
// 督办单 (supervision notice) of 鹿城区, and the ids the routes need.
type sweep struct {
	*testServer
	logs              *logBuffer
	path              string // the database file
	plan, lc, ra      string
	sv, att           string
	tok               map[string]string
	browser           map[string]*clientSession
	users             []string
	plans, orgs, accs int
}

func newSweep(t *testing.T) *sweep {
	t.Helper()
	// The sweeps send wrong passwords by the hundred; the lockout
	// (tested in security_test.go) would shut the accounts out.
	ts, logs, path := newLoggedServer(t, func(srv *gongfuhttp.Server) { srv.Security.MaxFailures = 1 << 20 })
	s := &sweep{testServer: ts, logs: logs, path: path, plan: "1", tok: map[string]string{}, browser: map[string]*clientSession{},
		users: []string{"admin", "sec", "aud", "coord", "boss", "lc", "ra", "jy"}}
	ctx := gongfu.WithActor(context.Background(), &gongfu.User{Name: "fixture"})
	for name, dst := range map[string]*string{"鹿城区": &s.lc, "瑞安市": &s.ra} {
		o, err := ts.db.FindOrg(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		*dst = itoa(o.ID)
	}
	k := gongfu.ReportKey{PlanID: 1, ItemID: "1.1", OrgID: mustID(t, s.lc), Period: "2020-05"}
	v := 3.0
	if err := ts.db.SaveReport(ctx, &gongfu.Report{ReportKey: k, Value: &v, Note: "初始"}, -1); err != nil {
		t.Fatal(err)
	}
	a := &gongfu.Attachment{Key: k, Name: "验收.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.4 x")}
	if err := ts.db.AddAttachment(ctx, a); err != nil {
		t.Fatal(err)
	}
	s.att = itoa(a.ID)
	sv := &gongfu.Supervision{PlanID: 1, ItemID: "1.1", OrgID: k.OrgID, Period: "2020-05", Light: "red",
		Text: "请说明滞后原因", Deadline: "2020-07-31"}
	if err := ts.db.CreateSupervision(ctx, sv); err != nil {
		t.Fatal(err)
	}
	s.sv = itoa(sv.ID)
	for _, u := range s.users {
		s.tok[u] = ts.token(t, u)
		s.browser[u] = s.login(t, u)
	}
	s.plans, s.orgs, s.accs = s.counts(t)
	return s
}

// login logs a browser in through the login form.
func (s *sweep) login(t *testing.T, name string) *clientSession {
	t.Helper()
	b := s.anonymous(t)
	r := s.do(t, b.c, "POST", "/login", strings.NewReader(url.Values{"csrf": {b.csrf}, "username": {name}, "password": {pw(name)}}.Encode()), formCT)
	if r.status != 303 {
		t.Fatalf("login %s = %d %.300s", name, r.status, r.body)
	}
	return b
}

// anonymous is a browser that has visited the login form: it holds a CSRF
// cookie and token, and no session.
func (s *sweep) anonymous(t *testing.T) *clientSession {
	t.Helper()
	c := formClient()
	m := csrfRe.FindStringSubmatch(s.do(t, c, "GET", "/login", nil, nil).body)
	if m == nil {
		t.Fatal("no CSRF token on the login form")
	}
	return &clientSession{c: c, csrf: m[1]}
}

// counts returns how many plans, orgs and accounts the store holds.
func (s *sweep) counts(t *testing.T) (plans, orgs, users int) {
	t.Helper()
	ctx := context.Background()
	ps, err := s.db.FindPlans(ctx)
	if err != nil {
		t.Fatal(err)
	}
	os, err := s.db.FindOrgs(ctx, gongfu.OrgFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range s.users {
		if _, err := s.db.FindUserByName(ctx, u); err == nil {
			users++
		}
	}
	return len(ps), len(os), users
}

// head returns the audit head: every change to the store moves it.
func (s *sweep) head(t *testing.T) int64 {
	t.Helper()
	h, err := s.db.AuditHead(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// wildcardRe matches a pattern's wildcards.
var wildcardRe = regexp.MustCompile(`\{([A-Za-z$]+)(\.\.\.)?\}`)

// fill returns r's path with its wildcards filled in with ids that exist
// (the seed plan, 鹿城区, its report of 2020-05, attachment and supervision
// notice), except those named in with, which take the (path-escaped)
// value given there.
func (s *sweep) fill(r route, with map[string]string) string {
	p := wildcardRe.ReplaceAllStringFunc(r.path, func(w string) string {
		name := wildcardRe.FindStringSubmatch(w)[1]
		if v, ok := with[name]; ok {
			return url.PathEscape(v)
		}
		switch name {
		case "$":
			return ""
		case "id":
			switch {
			case strings.Contains(r.path, "/supervisions/"):
				return s.sv
			case strings.Contains(r.path, "/attachments/"):
				return s.att
			}
			return s.plan
		case "planID":
			return s.plan
		case "targetID", "tid", "itemID":
			return "1.1"
		case "orgID":
			return s.lc
		case "period":
			return "2020-05"
		case "no":
			return "1"
		case "verb":
			return "submit"
		case "name":
			return "lc"
		case "lang":
			return "en"
		}
		return "x"
	})
	if strings.HasSuffix(p, "/") && p != "/" {
		p += "x" // a subtree: /static/, /api/
	}
	return p
}

// wildcards returns the names of r's wildcards.
func wildcards(r route) []string {
	var out []string
	for _, m := range wildcardRe.FindAllStringSubmatch(r.path, -1) {
		if m[1] != "$" {
			out = append(out, m[1])
		}
	}
	return out
}

// multipartBody is a form as a browser posts it: fields and one file.
func multipartBody(fields url.Values, file []byte) (*bytes.Buffer, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	fw, _ := mw.CreateFormFile("file", "f.txt")
	fw.Write(file)
	mw.Close()
	return &buf, mw.FormDataContentType()
}

// csrfRefusal is what a page says when a form's CSRF check fails.
const csrfRefusal = "表单已过期或来源不明"

// apiCSRFRefusal is what the API says to a state-changing call made with
// the browser's session cookie and without the X-CSRF-Token header.
const apiCSRFRefusal = "须带 X-CSRF-Token 请求头"

// TestCSRFEveryForm: every state-changing form route (POST and the like,
// outside /api/) refuses a request without the CSRF token, with a wrong
// token, or from another origin with the right token, for every account
// and for a visitor, and changes nothing (the audit head stays); the
// refusal is the CSRF check's own (403 and its message) for at least one
// account, and the same request with the right token passes the check.
func TestCSRFEveryForm(t *testing.T) {
	s := newSweep(t)
	n := 0
	for _, r := range allRoutes(t) {
		if !r.unsafe() || r.api() {
			continue
		}
		n++
		path := s.fill(r, nil)
		method := r.method
		if method == "" {
			method = "POST"
		}
		reached := false
		for _, who := range append(slices.Clone(s.users), "") {
			b := s.browser[who]
			if who == "" {
				b = s.anonymous(t)
			}
			refused := 0
			for _, forgery := range []struct {
				name  string
				token string
				hdr   map[string]string
			}{
				{"no token", "", nil},
				{"a wrong token", strings.Repeat("A", len(b.csrf)), nil},
				{"another origin", b.csrf, map[string]string{"Origin": "http://evil.example"}},
			} {
				before := s.head(t)
				fields := url.Values{"plan": {s.plan}, "period": {"2020-05"}}
				if forgery.token != "" {
					fields.Set("csrf", forgery.token)
				}
				body, ct := multipartBody(fields, []byte("x"))
				hdr := map[string]string{"Content-Type": ct}
				for k, v := range forgery.hdr {
					hdr[k] = v
				}
				resp := s.do(t, b.c, method, path, body, hdr)
				if resp.status < 400 {
					t.Errorf("%s as %q with %s: %d, want it refused", r.pattern(), who, forgery.name, resp.status)
				}
				if after := s.head(t); after != before {
					t.Errorf("%s as %q with %s changed the store (audit head %d → %d)", r.pattern(), who, forgery.name, before, after)
				}
				if resp.status == 403 && strings.Contains(resp.body, csrfRefusal) {
					refused++
				}
			}
			if refused == 3 && !reached && who != "" {
				reached = true
				// With the right token the check passes (whatever the
				// handler then makes of the empty form). A fresh login,
				// as the genuine request may end the session (logout).
				g := s.login(t, who)
				body, ct := multipartBody(url.Values{"csrf": {g.csrf}, "plan": {s.plan}, "period": {"2020-05"}}, []byte("x"))
				if resp := s.do(t, g.c, method, path, body, map[string]string{"Content-Type": ct}); strings.Contains(resp.body, csrfRefusal) {
					t.Errorf("%s as %q with the right token: %d, refused by the CSRF check", r.pattern(), who, resp.status)
				}
			}
		}
		if !reached {
			t.Errorf("%s (%s): no account's forged request was refused by the CSRF check; is the form checked?", r.pattern(), r.where)
		}
	}
	if n < 15 {
		t.Errorf("only %d form routes swept", n)
	}
}

// TestCSRFThroughTheAPI: the JSON API's state-changing routes take the
// browser's session cookie only with the X-CSRF-Token header (a page on
// another site can make the browser send the cookie, not the header);
// scripts with a bearer token are not affected.
func TestCSRFThroughTheAPI(t *testing.T) {
	s := newSweep(t)
	n := 0
	for _, r := range allRoutes(t) {
		if !r.unsafe() || !r.api() {
			continue
		}
		n++
		path := s.fill(r, nil)
		method := r.method
		if method == "" {
			method = "POST"
		}
		for _, who := range s.users {
			b := s.browser[who]
			for _, forgery := range []struct {
				name string
				ct   string
				body string
				hdr  map[string]string
			}{
				{"a JSON body without a Content-Type (no-cors fetch)", "", `{}`, nil},
				{"a form", "application/x-www-form-urlencoded", "a=1", nil},
				{"a multipart form", "multipart/form-data; boundary=x", "--x--\r\n", nil},
				{"a wrong header", "application/json", `{}`, map[string]string{"X-CSRF-Token": strings.Repeat("A", len(b.csrf))}},
				{"another origin", "application/json", `{}`, map[string]string{"X-CSRF-Token": b.csrf, "Origin": "http://evil.example"}},
			} {
				before := s.head(t)
				hdr := map[string]string{}
				if forgery.ct != "" {
					hdr["Content-Type"] = forgery.ct
				}
				for k, v := range forgery.hdr {
					hdr[k] = v
				}
				resp := s.do(t, b.c, method, path, strings.NewReader(forgery.body), hdr)
				if resp.status != 403 || !strings.Contains(resp.body, apiCSRFRefusal) || !strings.Contains(resp.body, `"code":"forbidden"`) {
					t.Errorf("%s by %s's browser with %s: %d %.200s, want the CSRF refusal", r.pattern(), who, forgery.name, resp.status, resp.body)
				}
				if after := s.head(t); after != before {
					t.Errorf("%s by %s's browser with %s changed the store", r.pattern(), who, forgery.name)
				}
			}
		}
		// With the header, or a bearer token, the check passes.
		for _, hdr := range []map[string]string{
			{"X-CSRF-Token": s.browser["coord"].csrf, "Origin": s.base},
			bearer(s.tok["coord"]),
		} {
			hdr["Content-Type"] = "application/json"
			c := s.browser["coord"].c
			if hdr["Authorization"] != "" {
				c = nil
			}
			if resp := s.do(t, c, method, path, strings.NewReader(`{}`), hdr); strings.Contains(resp.body, apiCSRFRefusal) {
				t.Errorf("%s with %v: refused by the CSRF check", r.pattern(), hdr)
			}
		}
		// Logging out through the API may have ended coord's browser session.
		s.browser["coord"] = s.login(t, "coord")
	}
	if n < 20 {
		t.Errorf("only %d API routes swept", n)
	}
}

// TestSecurityHeadersEveryRoute: every answer of every route — pages,
// downloads, the API, redirects, errors, 404 and 405, static files — to a
// visitor and to a logged-in browser carries the security headers: a
// Content-Security-Policy without inline or eval'd scripts that forbids
// framing and plugins, X-Content-Type-Options, X-Frame-Options and a
// Referrer-Policy. No HTML page holds an inline script or event handler
// the policy would block.
func TestSecurityHeadersEveryRoute(t *testing.T) {
	s := newSweep(t)
	home := s.do(t, nil, "GET", "/", nil, nil)
	css := regexp.MustCompile(`href="(/static/[^"]+)"`).FindStringSubmatch(home.body)
	if css == nil {
		t.Fatal("no stylesheet on the home page")
	}
	type req struct{ method, path string }
	reqs := []req{{"GET", css[1]}, {"GET", "/no/such/page"}, {"BREW", "/"}, {"PUT", "/login"}, {"DELETE", "/plans/1"},
		{"GET", "/plans/999"}, {"GET", "/api/v1/plans/999"}, {"GET", "/static/../../go.mod"}}
	for _, r := range allRoutes(t) {
		m := r.method
		if m == "" {
			m = "POST"
		}
		reqs = append(reqs, req{m, s.fill(r, nil)})
	}
	inline := regexp.MustCompile(`(?i)<script(\s[^>]*)?>|\son[a-z]+\s*=|javascript:`)
	n := 0
	for _, rq := range reqs {
		for _, who := range []string{"", "coord", "lc", "aud"} {
			var c *http.Client
			if who != "" {
				c = s.browser[who].c
			}
			var body *strings.Reader
			hdr := map[string]string{}
			if rq.method != "GET" {
				body = strings.NewReader("")
				hdr["Content-Type"] = "application/x-www-form-urlencoded"
			}
			var resp response
			if body != nil {
				resp = s.do(t, c, rq.method, rq.path, body, hdr)
			} else {
				resp = s.do(t, c, rq.method, rq.path, nil, hdr)
			}
			n++
			what := rq.method + " " + rq.path + " as " + who
			checkSecurityHeaders(t, what, resp)
			if strings.HasPrefix(resp.header.Get("Content-Type"), "text/html") {
				for _, m := range inline.FindAllStringSubmatch(resp.body, -1) {
					if strings.HasPrefix(strings.ToLower(m[0]), "<script") && (strings.Contains(m[1], "src=") || strings.Contains(m[1], `type="application/json"`)) {
						continue
					}
					t.Errorf("%s: inline script %q, which the policy blocks", what, m[0])
				}
			}
		}
		if rq.path == "/logout" {
			for _, who := range []string{"coord", "lc", "aud"} {
				s.browser[who] = s.login(t, who)
			}
		}
	}
	t.Logf("%d answers checked", n)
}

// checkSecurityHeaders fails t unless resp carries the security headers.
func checkSecurityHeaders(t *testing.T, what string, resp response) {
	t.Helper()
	h := resp.header
	csp := map[string][]string{}
	for _, d := range strings.Split(h.Get("Content-Security-Policy"), ";") {
		f := strings.Fields(d)
		if len(f) > 0 {
			csp[f[0]] = f[1:]
		}
	}
	script, ok := csp["script-src"]
	if !ok {
		script = csp["default-src"]
	}
	switch {
	case len(script) == 0:
		t.Errorf("%s (%d): no script-src in the CSP %q", what, resp.status, h.Get("Content-Security-Policy"))
	case slices.ContainsFunc(script, func(v string) bool {
		return v == "'unsafe-inline'" || v == "'unsafe-eval'" || v == "*" || v == "data:" || strings.HasPrefix(v, "http:")
	}):
		t.Errorf("%s: script-src %v allows inline, eval'd or foreign scripts", what, script)
	}
	if fa := csp["frame-ancestors"]; !reflect.DeepEqual(fa, []string{"'none'"}) && !reflect.DeepEqual(fa, []string{"'self'"}) {
		t.Errorf("%s: frame-ancestors %v", what, fa)
	}
	if !reflect.DeepEqual(csp["object-src"], []string{"'none'"}) {
		t.Errorf("%s: object-src %v", what, csp["object-src"])
	}
	if v := h.Get("X-Content-Type-Options"); v != "nosniff" {
		t.Errorf("%s: X-Content-Type-Options %q", what, v)
	}
	if v := h.Get("X-Frame-Options"); v != "DENY" && v != "SAMEORIGIN" {
		t.Errorf("%s: X-Frame-Options %q", what, v)
	}
	switch h.Get("Referrer-Policy") {
	case "no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin":
	default:
		t.Errorf("%s: Referrer-Policy %q", what, h.Get("Referrer-Policy"))
	}
	if h.Get("X-Request-Id") == "" {
		t.Errorf("%s: no X-Request-Id", what)
	}
}
