package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"gongfu"
	"gongfu/demo"
	"gongfu/extract"
	gongfuhttp "gongfu/http"
	"gongfu/password"
	"gongfu/region"
	"gongfu/sqlite"
)

// testServer is a real server on a random port over a real SQLite file.
type testServer struct {
	*gongfuhttp.Server
	db   *sqlite.DB
	base string
}

func newTestServer(t *testing.T) *testServer {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "g.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	srv := gongfuhttp.NewServer(db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	srv.Extract = func(name string, data []byte) (*gongfu.Plan, []string, error) {
		res, err := extract.Document(name, data)
		if err != nil {
			return nil, nil, err
		}
		return res.Plan, res.Warnings, nil
	}
	srv.PlanOrgs = region.PlanOrgs
	// The fixtures log one account in both through the API and through
	// the login form, as two people sharing it never would; one live
	// session per account (the default) is tested in security_test.go.
	srv.Security.SingleSession = false
	if err := srv.Open("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close(context.Background()) })
	return &testServer{Server: srv, db: db, base: "http://" + srv.Addr()}
}

// seed imports the demo plan and returns its id.
func (ts *testServer) seed(t *testing.T) int64 {
	t.Helper()
	orgs, err := region.ParseCSV(demo.CountiesCSV)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.db.EnsureOrgs(context.Background(), orgs); err != nil {
		t.Fatal(err)
	}
	res, err := extract.Document(demo.PlanName, demo.PlanText)
	if err != nil {
		t.Fatal(err)
	}
	ir, err := ts.db.ImportPlan(context.Background(), res.Plan, region.PlanOrgs(res.Plan))
	if err != nil {
		t.Fatal(err)
	}
	return ir.PlanID
}

func (ts *testServer) addUser(t *testing.T, name string, role gongfu.Role, org string) {
	t.Helper()
	u := &gongfu.User{Name: name, Role: role}
	if org != "" {
		o, err := ts.db.FindOrg(context.Background(), org)
		if err != nil {
			t.Fatal(err)
		}
		u.OrgID = o.ID
	}
	u.PasswordHash, _ = password.Hash("pw-" + name + "-Secret1")
	if err := ts.db.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
}

type response struct {
	status int
	header http.Header
	body   string
}

func (ts *testServer) do(t *testing.T, c *http.Client, method, path string, body io.Reader, hdr map[string]string) response {
	t.Helper()
	req, err := http.NewRequest(method, ts.base+path, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, resp.Header, string(b)}
}

func (ts *testServer) token(t *testing.T, name string) string {
	t.Helper()
	r := ts.do(t, nil, "POST", "/api/v1/session", strings.NewReader(`{"username":"`+name+`","password":"pw-`+name+`-Secret1"}`), map[string]string{"Content-Type": "application/json"})
	if r.status != 200 {
		t.Fatalf("login %s: %d %s", name, r.status, r.body)
	}
	var out struct{ Token string }
	json.Unmarshal([]byte(r.body), &out)
	return out.Token
}

func TestPublicPagesAndAPI(t *testing.T) {
	ts := newTestServer(t)
	id := ts.seed(t)
	pid := itoa(id)
	for _, tc := range []struct {
		path   string
		status int
		want   string
	}{
		{"/healthz", 200, "ok"},
		{"/", 200, "2020年温州市基本公共服务体系建设行动计划"},
		{"/plans/" + pid, 200, "加快推进教育现代化工程"},
		{"/plans/" + pid + "/domains/1", 200, "加快学前教育公益普惠发展"},
		{"/plans/" + pid + "/tasks/1", 200, "<mark>新（扩）建幼儿园80所</mark>"},
		{"/plans/" + pid + "/targets/1.1", 200, "≥ 80 所"},
		{"/plans/" + pid + "/targets/6.3", 200, "≤ 2.8%"},
		{"/plans/" + pid + "/tasks/99", 404, "找不到该任务"},
		{"/plans/" + pid + "/targets/nope", 404, "找不到该指标"},
		{"/plans/999", 404, "出错了"},
		{"/plans/abc", 404, ""},
		{"/orgs", 200, "温州市/鹿城区"},
		{"/api/v1/plans", 200, `"title":"2020年温州市基本公共服务体系建设行动计划"`},
		{"/api/v1/plans/" + pid, 200, `"id":"1.1"`},
		{"/api/v1/plans/999", 404, `"code":"not_found"`},
		{"/api/v1/plans/1%27%20OR%20%271%27=%271", 404, `"code":"not_found"`},
		{"/api/v1/orgs?kind=county", 200, `"name":"瑞安市"`},
		{"/api/v1/orgs?kind=bogus", 422, `"code":"invalid"`},
		{"/api/v1/nothing", 404, `"code":"not_found"`},
	} {
		r := ts.do(t, nil, "GET", tc.path, nil, nil)
		if r.status != tc.status || !strings.Contains(r.body, tc.want) {
			t.Errorf("GET %s = %d, want %d containing %q; body: %.300s", tc.path, r.status, tc.status, tc.want, r.body)
		}
		if h := r.header.Get("Content-Security-Policy"); !strings.Contains(h, "frame-ancestors 'none'") || strings.Contains(h, "unsafe-inline") {
			t.Errorf("GET %s: CSP %q", tc.path, h)
		}
		if r.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: no nosniff", tc.path)
		}
		if strings.Contains(strings.ToLower(r.body), "sqlite") || strings.Contains(r.body, "goroutine") {
			t.Errorf("GET %s leaks internals: %.200s", tc.path, r.body)
		}
	}
}

func TestAPIPlanJSONRoundTrip(t *testing.T) {
	ts := newTestServer(t)
	id := ts.seed(t)
	r := ts.do(t, nil, "GET", "/api/v1/plans", nil, nil)
	var list []gongfu.PlanSummary
	if err := json.Unmarshal([]byte(r.body), &list); err != nil || len(list) != 1 || list[0].ID != id {
		t.Fatalf("plans = %v %s", err, r.body)
	}
	if c := list[0].Counts; c.Domains != 8 || c.Tasks != 30 {
		t.Errorf("counts = %+v", c)
	}
	r = ts.do(t, nil, "GET", "/api/v1/plans/"+itoa(id), nil, nil)
	var p gongfu.Plan
	if err := json.Unmarshal([]byte(r.body), &p); err != nil {
		t.Fatal(err)
	}
	want, _ := extract.Document(demo.PlanName, demo.PlanText)
	want.Plan.ID = id
	a, _ := json.Marshal(want.Plan)
	b, _ := json.Marshal(&p)
	if !bytes.Equal(a, b) {
		t.Errorf("API plan differs from the extracted plan")
	}
	r = ts.do(t, nil, "GET", "/api/v1/orgs", nil, nil)
	var orgs []struct {
		ID     int64
		Name   string
		Kind   string
		Parent *int64
	}
	json.Unmarshal([]byte(r.body), &orgs)
	byName := map[string]int64{}
	for _, o := range orgs {
		byName[o.Name] = o.ID
	}
	if len(orgs) < 13 || byName["温州市"] == 0 || byName["市教育局"] == 0 {
		t.Fatalf("orgs = %s", r.body)
	}
	for _, o := range orgs {
		if o.Name == "鹿城区" && (o.Parent == nil || *o.Parent != byName["温州市"] || o.Kind != "county") {
			t.Errorf("鹿城区 = %+v", o)
		}
		if o.Name == "温州市" && o.Parent != nil {
			t.Errorf("温州市 has a parent")
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestLoginAndThrottle(t *testing.T) {
	ts := newTestServer(t)
	ts.seed(t)
	ts.addUser(t, "lc", gongfu.RoleReporter, "鹿城区")
	json := map[string]string{"Content-Type": "application/json"}
	if r := ts.do(t, nil, "POST", "/api/v1/session", strings.NewReader(`{"username":"lc","password":"wrong"}`), json); r.status != 401 {
		t.Errorf("wrong password = %d", r.status)
	}
	if r := ts.do(t, nil, "POST", "/api/v1/session", strings.NewReader(`{"username":"nobody","password":"wrong"}`), json); r.status != 401 {
		t.Errorf("unknown user = %d", r.status)
	}
	if r := ts.do(t, nil, "POST", "/api/v1/session", strings.NewReader(`{"username":"lc"`), json); r.status != 422 {
		t.Errorf("broken JSON = %d", r.status)
	}
	if r := ts.do(t, nil, "POST", "/api/v1/session", strings.NewReader(`{"username":"lc","password":"x","extra":1}`), json); r.status != 422 {
		t.Errorf("unknown field = %d", r.status)
	}
	big := `{"username":"` + strings.Repeat("a", 2<<20) + `"}`
	if r := ts.do(t, nil, "POST", "/api/v1/session", strings.NewReader(big), json); r.status != 413 {
		t.Errorf("2 MB body = %d", r.status)
	}
	tok := ts.token(t, "lc")
	if tok == "" {
		t.Fatal("no token")
	}
	var codes []int
	for i := 0; i < 8; i++ {
		codes = append(codes, ts.do(t, nil, "POST", "/api/v1/session", strings.NewReader(`{"username":"lc","password":"bad"}`), json).status)
	}
	if codes[0] != 401 || codes[len(codes)-1] != 429 {
		t.Errorf("repeated failures: %v, want 401 first and 429 last", codes)
	}
	// A token survives the throttle, and logout ends it.
	auth := map[string]string{"Authorization": "Bearer " + tok}
	if r := ts.do(t, nil, "DELETE", "/api/v1/session", nil, auth); r.status != 204 {
		t.Errorf("logout = %d", r.status)
	}
	if r := ts.do(t, nil, "DELETE", "/api/v1/session", nil, auth); r.status != 401 {
		t.Errorf("second logout with the same token = %d, want 401", r.status)
	}
}

// upload posts a plan document as multipart form data with a bearer token.
func (ts *testServer) upload(t *testing.T, tok, name string, data []byte) response {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(data)
	mw.Close()
	hdr := map[string]string{"Content-Type": mw.FormDataContentType()}
	if tok != "" {
		hdr["Authorization"] = "Bearer " + tok
	}
	return ts.do(t, nil, "POST", "/api/v1/plans", &buf, hdr)
}

func TestImportOverHTTP(t *testing.T) {
	ts := newTestServer(t)
	ts.seed(t)
	ts.addUser(t, "coord", gongfu.RoleCoordinator, "")
	ts.addUser(t, "lc", gongfu.RoleReporter, "鹿城区")
	if r := ts.upload(t, "", "p.txt", demo.PlanText); r.status != 401 {
		t.Errorf("anonymous import = %d, want 401", r.status)
	}
	if r := ts.upload(t, ts.token(t, "lc"), "p.txt", demo.PlanText); r.status != 403 {
		t.Errorf("reporter import = %d, want 403", r.status)
	}
	tok := ts.token(t, "coord")
	if r := ts.upload(t, tok, "p.txt", demo.PlanText); r.status != 200 || !strings.Contains(r.body, `"created":false`) {
		t.Errorf("re-import of the seed = %d %s, want 200 created:false", r.status, r.body)
	}
	for _, tc := range []struct {
		name   string
		data   []byte
		status int
	}{
		{"empty.txt", nil, 422},
		{"binary.txt", []byte{0, 1, 2, 3, 0xff, 0xfe, 0, 0, 7}, 422},
		{"notaplan.txt", []byte("今天天气很好，我们去公园散步。明天也许会下雨。"), 422},
		{"fake.docx", []byte("this is not a zip"), 422},
		{"huge.txt", bytes.Repeat([]byte("一"), 8<<20), 413},
	} {
		r := ts.upload(t, tok, tc.name, tc.data)
		if r.status != tc.status || !strings.Contains(r.body, `"message"`) {
			t.Errorf("%s: %d %.200s, want %d with a message", tc.name, r.status, r.body, tc.status)
		}
	}
	r := ts.do(t, nil, "GET", "/api/v1/plans", nil, nil)
	if n := strings.Count(r.body, `"title"`); n != 1 {
		t.Errorf("after bad imports there are %d plans, want 1", n)
	}
}

// formClient is a browser-like client: a cookie jar, no redirects followed.
func formClient() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func TestBrowserLoginCSRFAndLogout(t *testing.T) {
	ts := newTestServer(t)
	ts.seed(t)
	ts.addUser(t, "coord", gongfu.RoleCoordinator, "")
	c := formClient()
	page := ts.do(t, c, "GET", "/login", nil, nil)
	m := csrfRe.FindStringSubmatch(page.body)
	if m == nil {
		t.Fatal("login form has no CSRF field")
	}
	form := func(v url.Values) io.Reader { return strings.NewReader(v.Encode()) }
	ct := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	// Without the token the form is refused.
	r := ts.do(t, c, "POST", "/login", form(url.Values{"username": {"coord"}, "password": {"pw-coord-Secret1"}}), ct)
	if r.status != 403 {
		t.Errorf("login without CSRF token = %d, want 403", r.status)
	}
	r = ts.do(t, c, "POST", "/login", form(url.Values{"csrf": {m[1]}, "username": {"coord"}, "password": {"pw-coord-Secret1"}, "next": {"/import"}}), ct)
	if r.status != 303 || r.header.Get("Location") != "/import" {
		t.Fatalf("login = %d to %q", r.status, r.header.Get("Location"))
	}
	sc := r.header.Get("Set-Cookie")
	if !strings.Contains(sc, "HttpOnly") || !strings.Contains(sc, "SameSite=Lax") {
		t.Errorf("session cookie %q lacks HttpOnly or SameSite", sc)
	}
	if r := ts.do(t, c, "GET", "/import", nil, nil); r.status != 200 || !strings.Contains(r.body, `enctype="multipart/form-data"`) {
		t.Errorf("import page after login = %d", r.status)
	}
	// Logging out with a forged token fails; with the real one it ends the session.
	if r := ts.do(t, c, "POST", "/logout", form(url.Values{"csrf": {strings.Repeat("x", 43)}}), ct); r.status != 403 {
		t.Errorf("logout with forged token = %d, want 403", r.status)
	}
	if r := ts.do(t, c, "POST", "/logout", form(url.Values{"csrf": {m[1]}}), ct); r.status != 303 {
		t.Errorf("logout = %d", r.status)
	}
	if r := ts.do(t, c, "GET", "/import", nil, nil); r.status != 303 || !strings.HasPrefix(r.header.Get("Location"), "/login") {
		t.Errorf("import page after logout = %d %q, want a redirect to /login", r.status, r.header.Get("Location"))
	}
}

func TestEscaping(t *testing.T) {
	ts := newTestServer(t)
	p := &gongfu.Plan{Title: `<script>alert(1)</script>行动计划`, Year: 2024, Issuer: "x", Domains: []gongfu.Domain{{
		No: 1, Title: `"><img src=x onerror=alert(1)>`, Units: []string{`<b>局<b>`},
		Tasks: []gongfu.Task{{No: 1, Title: "<i>任务</i>", Units: []string{}, Targets: []gongfu.Target{{
			ID: "1.1", Name: "<svg onload=x>", Kind: gongfu.KindIncrement, Op: gongfu.OpAtLeast, Value: 1, Unit: "个", Source: "<u>1个</u>"}},
			Milestones: []gongfu.Milestone{}}},
	}}, Unparsed: []string{"<script>2</script>"}}
	orgs := []*gongfu.Org{{Name: `<b>局<b>`, Kind: gongfu.OrgDepartment, Path: `<b>局<b>`}}
	ir, err := ts.db.ImportPlan(context.Background(), p, orgs)
	if err != nil {
		t.Fatal(err)
	}
	id := itoa(ir.PlanID)
	for _, path := range []string{"/", "/plans/" + id, "/plans/" + id + "/domains/1", "/plans/" + id + "/tasks/1", "/plans/" + id + "/targets/1.1", "/orgs"} {
		r := ts.do(t, nil, "GET", path, nil, nil)
		for _, bad := range []string{"<script>", "<img", "<svg", "<b>局", "<i>任务", "<u>1个"} {
			if strings.Contains(r.body, bad) {
				t.Errorf("%s contains unescaped %s", path, bad)
			}
		}
	}
}

func TestStaticAssets(t *testing.T) {
	ts := newTestServer(t)
	home := ts.do(t, nil, "GET", "/", nil, nil)
	m := regexp.MustCompile(`href="(/static/[^"]+\.css)"`).FindStringSubmatch(home.body)
	if m == nil {
		t.Fatal("no stylesheet link")
	}
	r := ts.do(t, nil, "GET", m[1], nil, nil)
	if r.status != 200 || !strings.Contains(r.header.Get("Cache-Control"), "immutable") || !strings.Contains(r.body, "--ink") {
		t.Errorf("stylesheet = %d %q", r.status, r.header.Get("Cache-Control"))
	}
	if r := ts.do(t, nil, "GET", "/static/x/../../go.mod", nil, nil); r.status == 200 {
		t.Errorf("path traversal served a file")
	}
}

func TestEnglish(t *testing.T) {
	ts := newTestServer(t)
	ts.seed(t)
	r := ts.do(t, nil, "GET", "/plans/1", nil, map[string]string{"Cookie": "lang=en"})
	if !strings.Contains(r.body, "Domains") || !strings.Contains(r.body, "加快推进教育现代化工程") {
		t.Errorf("English page lacks English labels or the plan's own text")
	}
	if !strings.Contains(r.body, `lang="en"`) {
		t.Errorf("English page not marked lang=en")
	}
}
