package http_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"gongfu"
	"gongfu/password"
)

// secServer is a test server with a clock the test moves and one account
// per role, the three administrators included.
type secServer struct {
	*testServer
	mu  sync.Mutex
	now time.Time
}

func newSecServer(t *testing.T) *secServer {
	t.Helper()
	ts := newTestServer(t)
	s := &secServer{testServer: ts, now: time.Date(2020, 7, 10, 9, 0, 0, 0, time.UTC)}
	ts.Now = s.clock
	ts.db.Now = s.clock
	ts.Security.SingleSession = true // the default; the shared fixture turns it off
	ts.seed(t)
	ts.addUser(t, "admin", gongfu.RoleAdmin, "")
	ts.addUser(t, "sec", gongfu.RoleSecurityAdmin, "")
	ts.addUser(t, "aud", gongfu.RoleAuditAdmin, "")
	ts.addUser(t, "coord", gongfu.RoleCoordinator, "")
	ts.addUser(t, "boss", gongfu.RoleLeader, "")
	ts.addUser(t, "lc", gongfu.RoleReporter, "鹿城区")
	return s
}

func (s *secServer) clock() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now
}

func (s *secServer) advance(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = s.now.Add(d)
}

var jsonCT = map[string]string{"Content-Type": "application/json"}

func bearer(tok string) map[string]string { return map[string]string{"Authorization": "Bearer " + tok} }

// apiLogin posts credentials to the API.
func (s *secServer) apiLogin(t *testing.T, name, pw, otp string) response {
	t.Helper()
	b, _ := json.Marshal(map[string]string{"username": name, "password": pw, "otp": otp})
	return s.do(t, nil, "POST", "/api/v1/session", strings.NewReader(string(b)), jsonCT)
}

func pw(name string) string { return "pw-" + name + "-Secret1" }

// errCode is the code of an API error body.
func errCode(body string) string {
	var out struct {
		Error struct{ Code string }
	}
	json.Unmarshal([]byte(body), &out)
	return out.Error.Code
}

// audit returns the whole trail as the auditor reads it.
func (s *secServer) audit(t *testing.T) []gongfu.AuditEntry {
	t.Helper()
	es, err := s.db.FindAudit(t.Context(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// find returns the entries of action whose result starts with result.
func find(es []gongfu.AuditEntry, action, result string) []gongfu.AuditEntry {
	var out []gongfu.AuditEntry
	for _, e := range es {
		if e.Action == action && strings.HasPrefix(e.Result, result) {
			out = append(out, e)
		}
	}
	return out
}

// formLogin logs a browser in through the form (no second factor) and
// returns it with its CSRF token.
func (s *secServer) formLogin(t *testing.T, c *http.Client, name string) string {
	t.Helper()
	m := csrfRe.FindStringSubmatch(s.do(t, c, "GET", "/login", nil, nil).body)
	if m == nil {
		t.Fatal("no CSRF token on the login form")
	}
	r := s.do(t, c, "POST", "/login", strings.NewReader(url.Values{"csrf": {m[1]}, "username": {name}, "password": {pw(name)}}.Encode()), formCT)
	if r.status != 303 {
		t.Fatalf("login %s = %d %.300s", name, r.status, r.body)
	}
	return m[1]
}

var formCT = map[string]string{"Content-Type": "application/x-www-form-urlencoded"}

func (s *secServer) post(t *testing.T, c *http.Client, path string, v url.Values) response {
	t.Helper()
	return s.do(t, c, "POST", path, strings.NewReader(v.Encode()), formCT)
}

// sessionCookie is the session cookie a response set, "" when none.
func sessionCookie(r response) string {
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		if c.Name == "gongfu_session" {
			return c.Value
		}
	}
	return ""
}

// TestAuditOnlyForTheAuditor: 三员分立 — the audit administrator alone reads
// the trail; the system administrator cannot, and no one can change it.
func TestAuditOnlyForTheAuditor(t *testing.T) {
	s := newSecServer(t)
	for _, who := range []string{"admin", "sec", "coord", "boss", "lc"} {
		tok := s.token(t, who)
		for _, path := range []string{"/api/v1/audit", "/api/v1/audit/verify", "/audit"} {
			if r := s.do(t, nil, "GET", path, nil, bearer(tok)); r.status != 403 {
				t.Errorf("%s GET %s = %d, want 403", who, path, r.status)
			}
		}
	}
	if r := s.do(t, nil, "GET", "/api/v1/audit", nil, nil); r.status != 401 {
		t.Errorf("anonymous GET /api/v1/audit = %d, want 401", r.status)
	}
	tok := s.token(t, "aud")
	r := s.do(t, nil, "GET", "/api/v1/audit?after=0&limit=5", nil, bearer(tok))
	var es []gongfu.AuditEntry
	if err := json.Unmarshal([]byte(r.body), &es); r.status != 200 || err != nil || len(es) != 5 || es[0].Seq != 1 {
		t.Fatalf("auditor GET /api/v1/audit = %d %v (%d entries) %.300s", r.status, err, len(es), r.body)
	}
	r = s.do(t, nil, "GET", "/api/v1/audit?after="+itoa(es[4].Seq)+"&limit=1000", nil, bearer(tok))
	json.Unmarshal([]byte(r.body), &es)
	if len(es) == 0 || es[0].Seq != 6 {
		t.Errorf("second page starts at %v", es)
	}
	for _, bad := range []string{"?after=-1", "?limit=0", "?limit=1001", "?after=x"} {
		if r := s.do(t, nil, "GET", "/api/v1/audit"+bad, nil, bearer(tok)); r.status != 422 {
			t.Errorf("GET /api/v1/audit%s = %d, want 422", bad, r.status)
		}
	}
	if r := s.do(t, nil, "GET", "/api/v1/audit/verify", nil, bearer(tok)); r.status != 200 || !strings.Contains(r.body, `"ok":true`) {
		t.Errorf("verify = %d %s", r.status, r.body)
	}
	// There is no way to edit or delete an entry.
	for _, m := range []string{"PUT", "DELETE", "POST", "PATCH"} {
		for _, path := range []string{"/api/v1/audit", "/api/v1/audit/1"} {
			if r := s.do(t, nil, m, path, strings.NewReader(`{}`), bearer(tok)); r.status != 404 && r.status != 405 {
				t.Errorf("%s %s = %d, want 404 or 405", m, path, r.status)
			}
		}
	}
	// The page, with filters.
	c := formClient()
	s.formLogin(t, c, "aud")
	page := s.do(t, c, "GET", "/audit?type=user.login&actor=coord", nil, nil)
	if page.status != 200 || !strings.Contains(page.body, "<td>user.login</td><td>coord</td>") ||
		strings.Contains(page.body, "<td>boss</td>") || strings.Contains(page.body, "user.create") {
		t.Errorf("filtered audit page = %d %.2000s", page.status, page.body)
	}
	page = s.do(t, c, "GET", "/audit?verify=1&from=2020-07-10&to=2020-07-10", nil, nil)
	if !strings.Contains(page.body, `id="audit-check"`) || !strings.Contains(page.body, "哈希链完好") || !strings.Contains(page.body, "user.create") {
		t.Errorf("audit page with verification lacks the result or the day's entries")
	}
	if page := s.do(t, c, "GET", "/audit?from=2020-07-11", nil, nil); strings.Contains(page.body, "<td>user.create</td>") {
		t.Errorf("entries of 10 July shown from 11 July")
	}
	if !strings.Contains(s.do(t, c, "GET", "/", nil, nil).body, `href="/audit"`) {
		t.Errorf("the auditor's menu lacks the audit log")
	}
}

// TestRoleChangesAndSecurityAdmin: the system administrator moves accounts
// between business roles only; the security administrator unlocks and
// resets second factors; each is recorded.
func TestRoleChangesAndSecurityAdmin(t *testing.T) {
	s := newSecServer(t)
	admin, sec, coord := s.token(t, "admin"), s.token(t, "sec"), s.token(t, "coord")
	put := func(tok, name, role string) int {
		return s.do(t, nil, "PUT", "/api/v1/users/"+name+"/role", strings.NewReader(`{"role":"`+role+`"}`),
			map[string]string{"Authorization": "Bearer " + tok, "Content-Type": "application/json"}).status
	}
	for _, tc := range []struct {
		tok, name, role string
		want            int
	}{
		{coord, "boss", "coordinator", 403},
		{sec, "boss", "coordinator", 403},
		{admin, "boss", "auditor", 403},      // administrator roles: command line only
		{admin, "aud", "leader", 403},        // nor taken away through the web
		{admin, "admin", "coordinator", 403}, // nor one's own
		{admin, "boss", "emperor", 422},
		{admin, "nobody", "leader", 404},
		{admin, "boss", "coordinator", 204},
	} {
		if got := put(tc.tok, tc.name, tc.role); got != tc.want {
			t.Errorf("PUT role %s → %s = %d, want %d", tc.name, tc.role, got, tc.want)
		}
	}
	if u, _ := s.db.FindUserByName(t.Context(), "boss"); u.Role != gongfu.RoleCoordinator {
		t.Errorf("boss is %s", u.Role)
	}
	if es := find(s.audit(t), "user.role", "ok"); len(es) != 1 || es[0].Actor != "admin" || es[0].Old != "leader" || es[0].New != "coordinator" {
		t.Errorf("role change entries %+v", es)
	}

	// Lock lc out, then the security administrator unlocks.
	for range 5 {
		s.apiLogin(t, "lc", "wrong", "")
	}
	if r := s.apiLogin(t, "lc", pw("lc"), ""); r.status != 429 {
		t.Fatalf("locked-out login = %d", r.status)
	}
	if r := s.do(t, nil, "POST", "/api/v1/users/lc/unlock", nil, bearer(admin)); r.status != 403 {
		t.Errorf("admin unlock = %d, want 403", r.status)
	}
	if r := s.do(t, nil, "POST", "/api/v1/users/lc/unlock", nil, bearer(sec)); r.status != 204 {
		t.Errorf("secadmin unlock = %d", r.status)
	}
	if r := s.apiLogin(t, "lc", pw("lc"), ""); r.status != 200 {
		t.Errorf("login after unlock = %d", r.status)
	}
	if es := find(s.audit(t), "user.unlock", "ok"); len(es) != 1 || es[0].Actor != "sec" {
		t.Errorf("unlock entries %+v", es)
	}
	// Reset a second factor: not one's own, not by the system administrator.
	u, _ := s.db.FindUserByName(t.Context(), "aud")
	if err := s.db.SetTOTP(t.Context(), u.ID, password.NewTOTPSecret(), nil); err != nil {
		t.Fatal(err)
	}
	if r := s.do(t, nil, "DELETE", "/api/v1/users/aud/2fa", nil, bearer(admin)); r.status != 403 {
		t.Errorf("admin reset 2FA = %d, want 403", r.status)
	}
	if r := s.do(t, nil, "DELETE", "/api/v1/users/sec/2fa", nil, bearer(sec)); r.status != 403 {
		t.Errorf("secadmin resetting his own 2FA = %d, want 403", r.status)
	}
	if r := s.do(t, nil, "DELETE", "/api/v1/users/aud/2fa", nil, bearer(sec)); r.status != 204 {
		t.Errorf("secadmin reset 2FA = %d", r.status)
	}
	if u, _ := s.db.FindUserByName(t.Context(), "aud"); u.HasTOTP() {
		t.Errorf("aud still has a second factor")
	}
	// The security administrator sees no business data.
	if r := s.do(t, nil, "GET", "/api/v1/plans/1/reports", nil, bearer(sec)); r.status != 403 {
		t.Errorf("secadmin reading reports = %d, want 403", r.status)
	}
}

// TestSingleSession: a new login ends the account's other sessions, and
// only when Security.SingleSession is on.
func TestSingleSession(t *testing.T) {
	s := newSecServer(t)
	first := s.token(t, "aud")
	second := s.token(t, "aud")
	if r := s.do(t, nil, "GET", "/api/v1/audit/verify", nil, bearer(first)); r.status != 401 {
		t.Errorf("first session after a second login = %d, want 401", r.status)
	}
	if r := s.do(t, nil, "GET", "/api/v1/audit/verify", nil, bearer(second)); r.status != 200 {
		t.Errorf("second session = %d", r.status)
	}
	// A browser whose session ended that way is sent to log in, with a message.
	c := formClient()
	s.formLogin(t, c, "aud")
	s.token(t, "aud")
	r := s.do(t, c, "GET", "/audit", nil, nil)
	if r.status != 303 || !strings.HasPrefix(r.header.Get("Location"), "/login?expired=1") {
		t.Errorf("ended browser session = %d %q, want a redirect to /login?expired=1", r.status, r.header.Get("Location"))
	}
	if r := s.do(t, c, "GET", "/login?expired=1", nil, nil); !strings.Contains(r.body, "会话已超时或已在别处登录") {
		t.Errorf("login page lacks the automatic-logout message")
	}
	s.Security.SingleSession = false
	a, b := s.token(t, "boss"), s.token(t, "boss")
	for _, tok := range []string{a, b} {
		if r := s.do(t, nil, "DELETE", "/api/v1/session", nil, bearer(tok)); r.status != 204 {
			t.Errorf("with SingleSession off, a parallel session = %d, want 204", r.status)
		}
	}
}

// TestSessionFixationAndLogout: the session token is always new at login,
// a token planted before login is never accepted, and logout ends the
// session on the server so that a copy of the old cookie or token is
// refused.
func TestSessionFixationAndLogout(t *testing.T) {
	s := newSecServer(t)
	c := formClient()
	base, _ := url.Parse(s.base)
	planted := "attacker-chosen-token-0123456789abcdefghijklmno"
	c.Jar.SetCookies(base, []*http.Cookie{{Name: "gongfu_session", Value: planted, Path: "/"}})
	m := csrfRe.FindStringSubmatch(s.do(t, c, "GET", "/login", nil, nil).body)
	r := s.post(t, c, "/login", url.Values{"csrf": {m[1]}, "username": {"aud"}, "password": {pw("aud")}})
	got := sessionCookie(r)
	if r.status != 303 || got == "" || got == planted {
		t.Fatalf("login = %d, session cookie %q: want a new token", r.status, got)
	}
	cookie := func(v string) map[string]string { return map[string]string{"Cookie": "gongfu_session=" + v} }
	if r := s.do(t, nil, "GET", "/api/v1/audit/verify", nil, cookie(planted)); r.status != 401 {
		t.Errorf("planted token after login = %d, want 401", r.status)
	}
	if r := s.do(t, nil, "GET", "/api/v1/audit/verify", nil, bearer(planted)); r.status != 401 {
		t.Errorf("planted token as bearer = %d, want 401", r.status)
	}
	if r := s.do(t, nil, "GET", "/api/v1/audit/verify", nil, cookie(got)); r.status != 200 {
		t.Fatalf("new session = %d", r.status)
	}
	// Logging in again from the same browser rotates the token too.
	s.Security.SingleSession = false
	r = s.post(t, c, "/login", url.Values{"csrf": {m[1]}, "username": {"aud"}, "password": {pw("aud")}})
	again := sessionCookie(r)
	if again == "" || again == got {
		t.Errorf("second login kept the token")
	}
	if r := s.do(t, nil, "GET", "/api/v1/audit/verify", nil, cookie(got)); r.status != 401 {
		t.Errorf("the browser's previous token after a new login = %d, want 401", r.status)
	}
	// Logout ends it server-side: replaying the cookie fails.
	if r := s.post(t, c, "/logout", url.Values{"csrf": {m[1]}}); r.status != 303 {
		t.Fatalf("logout = %d", r.status)
	}
	if r := s.do(t, nil, "GET", "/api/v1/audit/verify", nil, cookie(again)); r.status != 401 {
		t.Errorf("cookie replayed after logout = %d, want 401", r.status)
	}
	tok := s.token(t, "aud")
	if r := s.do(t, nil, "DELETE", "/api/v1/session", nil, bearer(tok)); r.status != 204 {
		t.Fatalf("API logout = %d", r.status)
	}
	if r := s.do(t, nil, "GET", "/api/v1/audit/verify", nil, bearer(tok)); r.status != 401 {
		t.Errorf("token replayed after logout = %d, want 401", r.status)
	}
	if es := find(s.audit(t), "user.logout", "ok"); len(es) < 2 {
		t.Errorf("%d logout entries, want at least 2", len(es))
	}
}

// TestIdleTimeoutAndLifetime: a session ends after IdleTimeout without a
// request (30 minutes by default) and MaxLifetime after login whatever.
func TestIdleTimeoutAndLifetime(t *testing.T) {
	s := newSecServer(t)
	if s.Security.IdleTimeout != 30*time.Minute {
		t.Errorf("default idle timeout %v, want 30m", s.Security.IdleTimeout)
	}
	verify := func(tok string) int {
		return s.do(t, nil, "GET", "/api/v1/audit/verify", nil, bearer(tok)).status
	}
	tok := s.token(t, "aud")
	s.advance(29 * time.Minute)
	if got := verify(tok); got != 200 {
		t.Fatalf("after 29 idle minutes = %d", got)
	}
	s.advance(31 * time.Minute)
	if got := verify(tok); got != 401 {
		t.Errorf("after 31 idle minutes = %d, want 401", got)
	}
	// Browser: automatic logout sends to the login form.
	c := formClient()
	s.formLogin(t, c, "aud")
	s.advance(31 * time.Minute)
	if r := s.do(t, c, "GET", "/audit", nil, nil); r.status != 303 || !strings.HasPrefix(r.header.Get("Location"), "/login?expired=1") {
		t.Errorf("idle browser = %d %q", r.status, r.header.Get("Location"))
	}
	// Configurable, and the absolute lifetime holds however active.
	s.Security.IdleTimeout = 5 * time.Minute
	s.Security.MaxLifetime = time.Hour
	tok = s.token(t, "aud")
	s.advance(6 * time.Minute)
	if got := verify(tok); got != 401 {
		t.Errorf("after 6 idle minutes with a 5-minute timeout = %d", got)
	}
	tok = s.token(t, "aud")
	for range 14 {
		s.advance(4 * time.Minute)
		if got := verify(tok); got != 200 {
			t.Fatalf("active session within its lifetime = %d", got)
		}
	}
	s.advance(5 * time.Minute)
	if got := verify(tok); got != 401 {
		t.Errorf("active session past its lifetime = %d, want 401", got)
	}
}

// TestPasswordExpiry: after PasswordMaxAge the account can do nothing but
// change its password — by form or by API — to a strong, different one.
func TestPasswordExpiry(t *testing.T) {
	s := newSecServer(t)
	s.advance(91 * 24 * time.Hour)
	r := s.apiLogin(t, "coord", pw("coord"), "")
	if r.status != 403 || errCode(r.body) != "password_expired" || strings.Contains(r.body, "token") {
		t.Errorf("API login with an expired password = %d %s", r.status, r.body)
	}
	c := formClient()
	csrf := s.formLogin(t, c, "coord")
	for _, path := range []string{"/", "/import", "/plans/1"} {
		if r := s.do(t, c, "GET", path, nil, nil); r.status != 303 || r.header.Get("Location") != "/account/password" {
			t.Errorf("GET %s with an expired password = %d %q", path, r.status, r.header.Get("Location"))
		}
	}
	if r := s.do(t, c, "GET", "/api/v1/plans", nil, nil); r.status != 403 || errCode(r.body) != "password_expired" {
		t.Errorf("API with an expired password = %d %s", r.status, r.body)
	}
	page := s.do(t, c, "GET", "/account/password", nil, nil)
	if page.status != 200 || !strings.Contains(page.body, "密码已过期") {
		t.Fatalf("password page = %d", page.status)
	}
	change := func(cur, nw, confirm string) response {
		return s.post(t, c, "/account/password", url.Values{"csrf": {csrf}, "current": {cur}, "new": {nw}, "confirm": {confirm}})
	}
	if r := s.do(t, c, "POST", "/account/password", strings.NewReader(url.Values{"current": {pw("coord")}, "new": {"N3w-Secret-pw"}, "confirm": {"N3w-Secret-pw"}}.Encode()), formCT); r.status != 403 {
		t.Errorf("change without CSRF = %d", r.status)
	}
	for _, tc := range []struct{ cur, nw, confirm, want string }{
		{"wrong", "N3w-Secret-pw", "N3w-Secret-pw", "当前密码不正确"},
		{pw("coord"), pw("coord"), pw("coord"), "不能与当前密码相同"},
		{pw("coord"), "weakweak", "weakweak", "强度不足"},
		{pw("coord"), "N3w-Secret-pw", "N3w-Secret-px", "不一致"},
	} {
		if r := change(tc.cur, tc.nw, tc.confirm); r.status != 422 || !strings.Contains(r.body, tc.want) {
			t.Errorf("change %q → %q = %d, want 422 %q", tc.cur, tc.nw, r.status, tc.want)
		}
	}
	r = change(pw("coord"), "N3w-Secret-pw", "N3w-Secret-pw")
	if r.status != 303 || sessionCookie(r) == "" {
		t.Fatalf("change = %d %.300s", r.status, r.body)
	}
	if r := s.do(t, c, "GET", "/import", nil, nil); r.status != 200 {
		t.Errorf("import page after the change = %d", r.status)
	}
	es := find(s.audit(t), "user.password", "")
	if len(es) != 2 || !strings.HasPrefix(es[0].Result, "denied: wrong current password; rid ") || !strings.HasPrefix(es[1].Result, "ok; rid ") {
		t.Errorf("password entries %+v", es)
	}
	for _, e := range s.audit(t) {
		if strings.Contains(e.Old+e.New+e.Object+e.Result, "N3w-Secret") {
			t.Errorf("entry %d holds the password", e.Seq)
		}
	}
	// By API, without a session: the credentials are checked as at login.
	put := func(body string) response {
		return s.do(t, nil, "PUT", "/api/v1/account/password", strings.NewReader(body), jsonCT)
	}
	if r := put(`{"username":"boss","password":"wrong","new_password":"B0ss-new-pw"}`); r.status != 401 {
		t.Errorf("API change with a wrong password = %d", r.status)
	}
	if r := put(`{"username":"boss","password":"` + pw("boss") + `","new_password":"B0ss-new-pw"}`); r.status != 200 || !strings.Contains(r.body, `"token"`) {
		t.Errorf("API change = %d %s", r.status, r.body)
	}
	if r := s.apiLogin(t, "boss", "B0ss-new-pw", ""); r.status != 200 {
		t.Errorf("login with the new password = %d", r.status)
	}
	// Expiry off.
	s.Security.PasswordMaxAge = 0
	if r := s.apiLogin(t, "lc", pw("lc"), ""); r.status != 200 {
		t.Errorf("login with expiry off = %d", r.status)
	}
}

var secretRe = regexp.MustCompile(`id="totp-secret">([A-Z2-7]+)<`)
var codeRe = regexp.MustCompile(`<code>([a-z2-7]{5}-[a-z2-7]{5})</code>`)

// TestTOTP: enrolment, the second login step (form and API), recovery
// codes that work once, throttled failures, and Require2FA.
func TestTOTP(t *testing.T) {
	s := newSecServer(t)
	c := formClient()
	csrf := s.formLogin(t, c, "aud")
	page := s.do(t, c, "GET", "/account/2fa", nil, nil)
	m := secretRe.FindStringSubmatch(page.body)
	if m == nil || !strings.Contains(page.body, "otpauth://totp/gongfu:aud?") {
		t.Fatalf("enrolment page lacks the secret or the URI: %.1500s", page.body)
	}
	secret := m[1]
	enrol := func(code string) response {
		return s.post(t, c, "/account/2fa", url.Values{"csrf": {csrf}, "op": {"enrol"}, "secret": {secret}, "otp": {code}})
	}
	if r := enrol("000000"); r.status != 422 {
		t.Errorf("enrol with a wrong code = %d", r.status)
	}
	code, _ := password.TOTP(secret, s.clock())
	r := enrol(code)
	codes := codeRe.FindAllStringSubmatch(r.body, -1)
	if r.status != 200 || len(codes) != 10 {
		t.Fatalf("enrol = %d with %d recovery codes", r.status, len(codes))
	}
	if page := s.do(t, c, "GET", "/account/2fa", nil, nil); strings.Contains(page.body, codes[0][1]) || strings.Contains(page.body, secret) {
		t.Errorf("the recovery codes or the secret are shown again")
	}

	// Form login now has a second step.
	c2 := formClient()
	m = csrfRe.FindStringSubmatch(s.do(t, c2, "GET", "/login", nil, nil).body)
	r = s.post(t, c2, "/login", url.Values{"csrf": {m[1]}, "username": {"aud"}, "password": {pw("aud")}, "next": {"/audit"}})
	if r.status != 200 || !strings.Contains(r.body, `action="/login/otp"`) || sessionCookie(r) != "" {
		t.Fatalf("password step = %d (session cookie %q)", r.status, sessionCookie(r))
	}
	if r := s.post(t, c2, "/login/otp", url.Values{"csrf": {m[1]}, "otp": {"123456"}}); r.status != 401 {
		t.Errorf("wrong code = %d", r.status)
	}
	// The code used to enrol is not accepted again (replay).
	if r := s.post(t, c2, "/login/otp", url.Values{"csrf": {m[1]}, "otp": {code}}); r.status != 401 {
		t.Errorf("replayed code = %d, want 401", r.status)
	}
	s.advance(30 * time.Second)
	code, _ = password.TOTP(secret, s.clock())
	r = s.post(t, c2, "/login/otp", url.Values{"csrf": {m[1]}, "otp": {code}})
	if r.status != 303 || r.header.Get("Location") != "/audit" || sessionCookie(r) == "" {
		t.Fatalf("second step = %d %q", r.status, r.header.Get("Location"))
	}
	if r := s.do(t, c2, "GET", "/audit", nil, nil); r.status != 200 {
		t.Errorf("audit page after a two-step login = %d", r.status)
	}

	// API: the code is required; a recovery code works once.
	if r := s.apiLogin(t, "aud", pw("aud"), ""); r.status != 401 || errCode(r.body) != "otp_required" {
		t.Errorf("API login without a code = %d %s", r.status, r.body)
	}
	s.advance(30 * time.Second)
	code, _ = password.TOTP(secret, s.clock())
	if r := s.apiLogin(t, "aud", pw("aud"), code); r.status != 200 {
		t.Errorf("API login with the code = %d %s", r.status, r.body)
	}
	rc := strings.ToUpper(codes[3][1])
	if r := s.apiLogin(t, "aud", pw("aud"), rc); r.status != 200 {
		t.Errorf("API login with a recovery code = %d %s", r.status, r.body)
	}
	if r := s.apiLogin(t, "aud", pw("aud"), rc); r.status != 401 {
		t.Errorf("the same recovery code again = %d, want 401", r.status)
	}
	// Wrong codes are throttled like wrong passwords.
	var last int
	for range 6 {
		last = s.apiLogin(t, "aud", pw("aud"), "999999").status
	}
	if last != 429 {
		t.Errorf("after 6 wrong codes = %d, want 429", last)
	}
	es := s.audit(t)
	if len(find(es, "user.2fa.enrol", "ok")) != 1 || len(find(es, "user.2fa.recovery", "ok")) != 1 ||
		len(find(es, "user.login", "denied: wrong code")) < 5 || len(find(es, "user.lockout", "locked")) != 1 {
		t.Errorf("2FA events missing from the trail")
	}
	for _, e := range es {
		if strings.Contains(e.Old+e.New+e.Result+e.Object, secret) || strings.Contains(e.Old+e.New+e.Result, codes[3][1]) {
			t.Errorf("entry %d holds the secret or a recovery code", e.Seq)
		}
	}

	// Require2FA: an administrator without a factor must enrol first.
	s.Security.Require2FA = true
	if r := s.apiLogin(t, "sec", pw("sec"), ""); r.status != 403 || errCode(r.body) != "totp_enrolment_required" {
		t.Errorf("API login of secadmin without 2FA = %d %s", r.status, r.body)
	}
	c3 := formClient()
	s.formLogin(t, c3, "sec")
	if r := s.do(t, c3, "GET", "/", nil, nil); r.status != 303 || r.header.Get("Location") != "/account/2fa" {
		t.Errorf("secadmin without 2FA GET / = %d %q", r.status, r.header.Get("Location"))
	}
	if r := s.do(t, c3, "GET", "/account/2fa", nil, nil); r.status != 200 || !strings.Contains(r.body, "必须启用双因素认证") {
		t.Errorf("enrolment page for a required role = %d", r.status)
	}
	if r := s.apiLogin(t, "boss", pw("boss"), ""); r.status != 200 {
		t.Errorf("a leader is not required to use 2FA: %d", r.status)
	}
}

// TestSecurityEvents: failed logins (never the password), lockouts and
// exports are in the trail with time, type, subject, object and result.
func TestSecurityEvents(t *testing.T) {
	s := newSecServer(t)
	s.apiLogin(t, "lc", "Guess-1-secret", "")
	s.apiLogin(t, "ghost", "Guess-2-secret", "")
	for range 4 {
		s.apiLogin(t, "lc", "Guess-3-secret", "")
	}
	if r := s.apiLogin(t, "lc", pw("lc"), ""); r.status != 429 {
		t.Errorf("login while locked out = %d, want 429", r.status)
	}
	es := s.audit(t)
	fails := find(es, "user.login", "denied")
	if len(fails) != 6 || fails[0].Actor != "lc" || fails[0].Object == "" || !strings.Contains(fails[0].Result, "wrong password") ||
		fails[1].Actor != "ghost" || fails[1].Object != "user/unknown" || fails[0].At.IsZero() {
		t.Errorf("failed logins %+v", fails)
	}
	if locks := find(es, "user.lockout", "locked"); len(locks) != 1 || locks[0].Actor != "lc" {
		t.Errorf("lockouts %+v", locks)
	}
	for _, e := range es {
		if strings.Contains(e.Actor+e.Object+e.Old+e.New+e.Reason+e.Result, "Guess-") {
			t.Errorf("entry %d holds a password", e.Seq)
		}
	}
	// Exports.
	c := formClient()
	s.formLogin(t, c, "coord")
	if ok := find(s.audit(t), "user.login", "ok"); len(ok) != 1 || ok[0].Actor != "coord" {
		t.Errorf("successful logins %+v", ok)
	}
	if r := s.do(t, c, "GET", "/plans/1/decomposition.xlsx", nil, nil); r.status != 200 {
		t.Fatalf("decomposition download = %d", r.status)
	}
	if ex := find(s.audit(t), "export", "ok"); len(ex) != 1 || ex[0].Actor != "coord" || ex[0].Object != "plan/1/decomposition.xlsx" {
		t.Errorf("export entries %+v", ex)
	}
	// The chain holds through them all.
	if seq, err := s.db.VerifyAudit(t.Context()); seq != 0 || err != nil {
		t.Errorf("VerifyAudit = %d %v", seq, err)
	}
}

// TestMaskingInLists: phone and ID numbers in free text are masked in list
// views and shown whole on the single report's page.
func TestMaskingInLists(t *testing.T) {
	f := newReportFixture(t)
	note := "张三13812345678身份证330302199001011234.pdf"
	if r := f.put(t, "lc", "1.1", f.lc, "2020-06", `{"value": 5, "note": "`+note+`"}`); r.status != 200 {
		t.Fatalf("put = %d %s", r.status, r.body)
	}
	if r := f.post(t, "lc", "1.1", f.lc, "2020-06", "submit", ""); r.status != 200 {
		t.Fatalf("submit = %d %s", r.status, r.body)
	}
	coord := f.loginForm(t, "coord")
	r := f.do(t, coord.c, "GET", "/review?plan="+f.plan+"&period=2020-06", nil, nil)
	if r.status != 200 || !strings.Contains(r.body, "张三138****5678身份证330302********1234.pdf") ||
		strings.Contains(r.body, "13812345678") || strings.Contains(r.body, "330302199001011234") {
		t.Errorf("review list = %d, want the note masked", r.status)
	}
	// The reporter's own entry form shows it whole.
	lc := f.loginForm(t, "lc")
	r = f.do(t, lc.c, "GET", "/report/"+f.plan+"/1.1/"+f.lc+"/2020-06", nil, nil)
	if r.status != 200 || !strings.Contains(r.body, note) {
		t.Errorf("entry form = %d, want the whole note", r.status)
	}
}

// TestLoginThrottleForm: the login form locks an account out as the API
// does — 401 for each wrong password, then 429 even for the right one,
// from the same address, until the window has passed — and the page says
// so without saying whether the account exists.
func TestLoginThrottleForm(t *testing.T) {
	s := newSecServer(t)
	c := formClient()
	m := csrfRe.FindStringSubmatch(s.do(t, c, "GET", "/login", nil, nil).body)
	login := func(name, password string) response {
		return s.post(t, c, "/login", url.Values{"csrf": {m[1]}, "username": {name}, "password": {password}})
	}
	var codes []int
	for range 5 {
		r := login("lc", "Wrong-guess-1")
		codes = append(codes, r.status)
		if !strings.Contains(r.body, "用户名或密码错误") {
			t.Errorf("a wrong password's page lacks the message")
		}
	}
	r := login("lc", pw("lc"))
	codes = append(codes, r.status)
	if !slices.Equal(codes, []int{401, 401, 401, 401, 401, 429}) || !strings.Contains(r.body, "登录失败次数过多") || sessionCookie(r) != "" {
		t.Errorf("form logins = %v, want five 401s then 429 without a session", codes)
	}
	// An unknown account is answered alike, and locked out alike.
	for range 5 {
		if r := login("ghost", "Wrong-guess-1"); r.status != 401 || !strings.Contains(r.body, "用户名或密码错误") {
			t.Errorf("unknown account = %d", r.status)
		}
	}
	if r := login("ghost", "Wrong-guess-1"); r.status != 429 {
		t.Errorf("unknown account after five failures = %d, want 429", r.status)
	}
	s.advance(16 * time.Minute)
	if r := login("lc", pw("lc")); r.status != 303 || sessionCookie(r) == "" {
		t.Errorf("login after the lockout window = %d", r.status)
	}
}

// TestPasswordRuleConfigurable: the level-3 rule (8 characters, three of
// four classes) holds by default and cannot be loosened; MinPasswordLength
// and PasswordClasses tighten it, for the form and the API alike.
func TestPasswordRuleConfigurable(t *testing.T) {
	s := newSecServer(t)
	change := func(name, cur, next string) response {
		return s.do(t, nil, "PUT", "/api/v1/account/password",
			strings.NewReader(`{"username":"`+name+`","password":"`+cur+`","new_password":"`+next+`"}`), jsonCT)
	}
	s.Security.MinPasswordLength, s.Security.PasswordClasses = 4, 1 // below the floor: the floor holds
	for _, weak := range []string{"Ab1-xyz", "abcdefgh", "abcd1234"} {
		if r := change("boss", pw("boss"), weak); r.status != 422 || !strings.Contains(r.body, "强度不足") {
			t.Errorf("%q under the level-3 rule = %d %s", weak, r.status, r.body)
		}
	}
	s.Security.MinPasswordLength, s.Security.PasswordClasses = 12, 4
	for _, tc := range []struct{ pw, want string }{
		{"Abcdefgh-12", "至少 12 位"},              // 11 characters
		{"Abcdefghij12", "同时包含大写字母、小写字母、数字和符号"}, // no symbol
	} {
		if r := change("boss", pw("boss"), tc.pw); r.status != 422 || !strings.Contains(r.body, tc.want) {
			t.Errorf("%q under 12 characters of 4 classes = %d %s, want %q", tc.pw, r.status, r.body, tc.want)
		}
	}
	if r := change("boss", pw("boss"), "Abcdefgh-123"); r.status != 200 {
		t.Errorf("a password of 12 characters and 4 classes = %d %s", r.status, r.body)
	}
	// The form applies the same rule.
	c := formClient()
	csrf := s.formLogin(t, c, "coord")
	r := s.post(t, c, "/account/password", url.Values{"csrf": {csrf}, "current": {pw("coord")}, "new": {"Abcdefghij12"}, "confirm": {"Abcdefghij12"}})
	if r.status != 422 || !strings.Contains(r.body, "同时包含") {
		t.Errorf("the form with a 3-class password = %d", r.status)
	}
}
