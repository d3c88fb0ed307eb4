package http

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"gongfu"
	"gongfu/password"
)

// Cookie names. The session cookie holds the secret token; the CSRF cookie
// holds a random value every state-changing form must echo (double submit),
// which a page on another site can neither read nor set.
const (
	sessionCookie = "gongfu_session"
	csrfCookie    = "gongfu_csrf"
	csrfField     = "csrf"
)

// newToken returns a random 256-bit token and the id it is stored under.
func newToken() (token, id string) {
	var b [32]byte
	rand.Read(b[:])
	token = base64.RawURLEncoding.EncodeToString(b[:])
	return token, tokenID(token)
}

// tokenID is the hash a token is stored under.
func tokenID(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// clientIP is the peer address; a reverse proxy in front must be trusted
// explicitly before X-Forwarded-For could be, so it is not read here.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// throttle counts failed logins per account and client address, and refuses
// further attempts for a while once the count reaches max.
type throttle struct {
	mu     sync.Mutex
	max    int
	window time.Duration
	fails  map[string][]time.Time
}

func newThrottle(max int, window time.Duration) *throttle {
	return &throttle{max: max, window: window, fails: map[string][]time.Time{}}
}

// keys are the counters a login attempt touches: the account from this
// address, and the account from anywhere (at four times the limit) so that
// spreading guesses over addresses does not help.
func (t *throttle) keys(user, ip string) []string {
	return []string{"u|" + user + "|" + ip, "a|" + user}
}

// blocked reports whether attempts for user from ip are refused now.
func (t *throttle) blocked(user, ip string, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	for i, k := range t.keys(user, ip) {
		limit := t.max
		if i == 1 {
			limit = 4 * t.max
		}
		if len(t.recent(k, now)) >= limit {
			return true
		}
	}
	return false
}

// fail records a failed attempt.
func (t *throttle) fail(user, ip string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.fails) > 100000 { // bound memory under a spray of user names
		clear(t.fails)
	}
	for _, k := range t.keys(user, ip) {
		t.fails[k] = append(t.recent(k, now), now)
	}
}

// reset forgets failures after a successful login from ip.
func (t *throttle) reset(user, ip string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.fails, t.keys(user, ip)[0])
}

func (t *throttle) recent(k string, now time.Time) []time.Time {
	ts := t.fails[k]
	i := 0
	for i < len(ts) && now.Sub(ts[i]) > t.window {
		i++
	}
	ts = ts[i:]
	t.fails[k] = ts
	return ts
}

// login checks credentials and opens a session, returning its token.
func (s *Server) login(r *http.Request, name, pw string) (string, *gongfu.User, error) {
	now, ip := s.Now(), clientIP(r)
	if name == "" || pw == "" {
		return "", nil, gongfu.Errorf(gongfu.EINVALID, "请输入用户名和密码", "enter a user name and a password")
	}
	if len(name) > 64 || len(pw) > 256 {
		return "", nil, gongfu.Errorf(gongfu.EUNAUTHORIZED, "用户名或密码错误", "wrong user name or password")
	}
	if s.throttle.blocked(name, ip, now) {
		return "", nil, gongfu.Errorf(gongfu.ETOOMANY, "登录失败次数过多，请 15 分钟后再试", "too many failed logins; try again in 15 minutes")
	}
	u, err := s.Store.FindUserByName(r.Context(), name)
	if err != nil && gongfu.ErrorCode(err) != gongfu.ENOTFOUND {
		return "", nil, err
	}
	if u == nil || err != nil {
		password.CheckNone(pw)
		s.throttle.fail(name, ip, now)
		return "", nil, gongfu.Errorf(gongfu.EUNAUTHORIZED, "用户名或密码错误", "wrong user name or password")
	}
	if !password.Check(u.PasswordHash, pw) {
		s.throttle.fail(name, ip, now)
		return "", nil, gongfu.Errorf(gongfu.EUNAUTHORIZED, "用户名或密码错误", "wrong user name or password")
	}
	s.throttle.reset(name, ip)
	token, id := newToken()
	sess := &gongfu.Session{ID: id, UserID: u.ID, CreatedAt: now, LastSeen: now, ExpiresAt: now.Add(7 * 24 * time.Hour)}
	if err := s.Store.CreateSession(gongfu.WithActor(r.Context(), u), sess); err != nil {
		return "", nil, err
	}
	return token, u, nil
}

// currentUser returns the logged-in user of r (bearer token first, then the
// session cookie), or nil for the public. An expired or idle session counts
// as none.
func (s *Server) currentUser(r *http.Request) (*gongfu.User, *gongfu.Session, error) {
	token := ""
	if h := r.Header.Get("Authorization"); h != "" {
		t, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return nil, nil, gongfu.Errorf(gongfu.EUNAUTHORIZED, "Authorization 头应为 Bearer 令牌", "the Authorization header must be a Bearer token")
		}
		token = strings.TrimSpace(t)
	} else if c, err := r.Cookie(sessionCookie); err == nil {
		token = c.Value
	}
	if token == "" {
		return nil, nil, nil
	}
	sess, u, err := s.Store.FindSession(r.Context(), tokenID(token))
	if gongfu.ErrorCode(err) == gongfu.ENOTFOUND {
		return nil, nil, nil
	} else if err != nil {
		return nil, nil, err
	}
	now := s.Now()
	if now.After(sess.ExpiresAt) || now.Sub(sess.LastSeen) > s.SessionTTL {
		_ = s.Store.DeleteSession(r.Context(), sess.ID)
		return nil, nil, nil
	}
	if now.Sub(sess.LastSeen) > time.Minute {
		if err := s.Store.TouchSession(r.Context(), sess.ID, now); err != nil {
			return nil, nil, err
		}
	}
	return u, sess, nil
}

// canNow decides whether the caller of r may do act (see policy.go).
func (s *Server) canNow(r *http.Request, act action) error {
	u, _, err := s.currentUser(r)
	if err != nil {
		return err
	}
	return s.can(r.Context(), u, act, scope{})
}

// apiLogin: POST /api/v1/session {"username","password"} → {"token": …}.
func (s *Server) apiLogin(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	token, u, err := s.login(r, in.Username, in.Password)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"token": token, "user": u})
}

// apiLogout ends the caller's session.
func (s *Server) apiLogout(w http.ResponseWriter, r *http.Request) error {
	_, sess, err := s.currentUser(r)
	if err != nil {
		return err
	}
	if sess == nil {
		return gongfu.Errorf(gongfu.EUNAUTHORIZED, "请先登录", "please log in")
	}
	if err := s.Store.DeleteSession(r.Context(), sess.ID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// secure reports whether cookies must be marked Secure: the request came
// over TLS.
func secure(r *http.Request) bool { return r.TLS != nil }

// csrfToken returns the CSRF value for r, setting the cookie when it is new.
func csrfToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) >= 32 {
		return c.Value
	}
	tok, _ := newToken()
	http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: tok, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: secure(r)})
	return tok
}

// checkCSRF rejects a state-changing form whose token does not match the
// CSRF cookie, or that comes from another origin.
func checkCSRF(r *http.Request) error {
	bad := gongfu.Errorf(gongfu.EFORBIDDEN, "表单已过期或来源不明，请刷新页面后重试", "the form expired or came from elsewhere; reload the page and try again")
	if o := r.Header.Get("Origin"); o != "" && o != "null" {
		if !strings.HasSuffix(o, "://"+r.Host) {
			return bad
		}
	}
	c, err := r.Cookie(csrfCookie)
	if err != nil || len(c.Value) < 32 {
		return bad
	}
	if subtle.ConstantTimeCompare([]byte(c.Value), []byte(r.PostFormValue(csrfField))) != 1 {
		return bad
	}
	return nil
}
