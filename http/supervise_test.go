package http_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// loginForm logs a browser-like client in through the login form.
func (f *reportFixture) loginForm(t *testing.T, name string) *clientSession {
	t.Helper()
	c := formClient()
	page := f.do(t, c, "GET", "/login", nil, nil)
	m := csrfRe.FindStringSubmatch(page.body)
	if m == nil {
		t.Fatal("no CSRF token on the login form")
	}
	r := f.do(t, c, "POST", "/login", strings.NewReader(url.Values{"csrf": {m[1]}, "username": {name}, "password": {"pw-" + name + "-Secret1"}}.Encode()),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	if r.status != 303 {
		t.Fatalf("login %s = %d", name, r.status)
	}
	return &clientSession{c: c, csrf: m[1]}
}

// clientSession is a logged-in browser: its cookie jar and CSRF token.
type clientSession struct {
	c    *http.Client
	csrf string
}

func TestSupervisionPages(t *testing.T) {
	f := newReportFixture(t)
	coord := f.loginForm(t, "coord")
	client := coord.c
	form := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}

	r := f.do(t, client, "GET", "/plans/"+f.plan+"/quotas", nil, nil)
	if r.status != 200 || !strings.Contains(r.body, "新（扩）建幼儿园") || !strings.Contains(r.body, "鹿城区") {
		t.Fatalf("quotas page = %d", r.status)
	}
	r = f.do(t, client, "POST", "/plans/"+f.plan+"/quotas/1.1", strings.NewReader(url.Values{"csrf": {coord.csrf}, "split": {"population"}}.Encode()), form)
	if r.status != 303 {
		t.Fatalf("split by population = %d %s", r.status, r.body)
	}
	r = f.do(t, client, "GET", "/plans/"+f.plan+"/quotas", nil, nil)
	if !strings.Contains(r.body, ">80<") {
		t.Errorf("quotas page lacks the total 80 after the split")
	}
	r = f.do(t, client, "POST", "/plans/"+f.plan+"/quotas/1.2", strings.NewReader(url.Values{"csrf": {coord.csrf}, "q" + f.lc: {"abc"}}.Encode()), form)
	if r.status != 422 || !strings.Contains(r.body, "abc") || !strings.Contains(r.body, `role="alert"`) {
		t.Errorf("bad quota = %d", r.status)
	}
	if r := f.do(t, client, "POST", "/plans/"+f.plan+"/quotas/1.2", strings.NewReader(url.Values{"q" + f.lc: {"3"}}.Encode()), form); r.status != 403 {
		t.Errorf("quota form without CSRF = %d, want 403", r.status)
	}
	r = f.do(t, client, "GET", "/missing?plan="+f.plan+"&period=2020-05", nil, nil)
	if r.status != 200 || !strings.Contains(r.body, "瑞安市") || !strings.Contains(r.body, "2020-06-05") {
		t.Fatalf("missing page = %d", r.status)
	}
	r = f.do(t, client, "POST", "/missing", strings.NewReader(url.Values{"csrf": {coord.csrf}, "plan": {f.plan}, "period": {"2020-05"}}.Encode()), form)
	if r.status != 303 || !strings.Contains(r.header.Get("Location"), "sent=") {
		t.Fatalf("remind = %d %q", r.status, r.header.Get("Location"))
	}
	lc := f.loginForm(t, "lc")
	r = f.do(t, lc.c, "GET", "/notices", nil, nil)
	if r.status != 200 || !strings.Contains(r.body, "催报") {
		t.Errorf("notices page = %d", r.status)
	}
	if r := f.do(t, lc.c, "GET", "/missing", nil, nil); r.status != 403 {
		t.Errorf("reporter on the 催报 page = %d, want 403", r.status)
	}
	if r := f.do(t, lc.c, "GET", "/plans/"+f.plan+"/quotas/1.1", nil, nil); r.status != 403 {
		t.Errorf("reporter on the quota form = %d, want 403", r.status)
	}
}
