package http

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"net"
	"net/http"
	"runtime"
	"strconv"
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

// fail records a failed attempt and reports whether it is the one that
// locks the account out (from ip, or from everywhere).
func (t *throttle) fail(user, ip string, now time.Time) (locked bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.fails) > 100000 { // bound memory under a spray of user names
		clear(t.fails)
	}
	for i, k := range t.keys(user, ip) {
		t.fails[k] = append(t.recent(k, now), now)
		limit := t.max
		if i == 1 {
			limit = 4 * t.max
		}
		if len(t.fails[k]) == limit {
			locked = true
		}
	}
	return locked
}

// unlock forgets every failure of user, from any address (the security
// administrator's unlock).
func (t *throttle) unlock(user string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for k := range t.fails {
		if k == "a|"+user || strings.HasPrefix(k, "u|"+user+"|") {
			delete(t.fails, k)
		}
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

// errOTPRequired is login's answer when the password is right and the
// account has a second factor but no code was given.
var errOTPRequired = gongfu.Failf(gongfu.EUNAUTHORIZED, "请输入动态验证码或恢复码")

// wrongLogin is the one message of every failed password check, so that it
// does not reveal which accounts exist.
func wrongLogin() error {
	return gongfu.Failf(gongfu.EUNAUTHORIZED, "用户名或密码错误")
}

// tooMany is the answer while an account is locked out.
func (s *Server) tooMany() error {
	m := int(s.Security.lockoutWindow().Minutes())
	return gongfu.Failf(gongfu.ETOOMANY, "登录失败次数过多，请 %d 分钟后再试", m)
}

// loginFailed counts a failed attempt for name from ip and records it in the
// audit trail (never the password), with a lockout event when this failure
// reaches the limit.
func (s *Server) loginFailed(r *http.Request, name string, u *gongfu.User, why string) {
	now, ip := s.Now(), clientIP(r)
	locked := s.throttle.fail(name, ip, now)
	object := "user/unknown"
	actor := &gongfu.User{Name: name}
	if u != nil {
		object, actor = "user/"+strconv.FormatInt(u.ID, 10), u
	}
	ctx := gongfu.WithActor(r.Context(), actor)
	s.securityEventLogged(ctx, "user.login", object, "denied: "+why+"; ip "+ip)
	if locked {
		s.securityEventLogged(ctx, "user.lockout", object, "locked for "+s.Security.lockoutWindow().String()+"; ip "+ip)
	}
}

// hashWait bounds how long a login waits for a password check to start.
const hashWait = 30 * time.Second

// hashSlot waits for one of GOMAXPROCS slots to check a password in, and
// returns its release. A check (argon2id, 19 MiB, two passes) is about
// 25 ms of one core and holds 19 MiB: unbounded, the two thousand logins
// of a deadline morning ran all at once, took 7 GiB and starved every
// other request of CPU (gongfu loadtest). Bounded, they queue in arrival
// order, memory stays at a few dozen MiB, and the rest of the server keeps
// its share of the cores. A login that cannot start within hashWait, or
// whose client gave up, is refused with ETOOMANY (429) rather than left to
// time out.
func (s *Server) hashSlot(ctx context.Context) (func(), error) {
	s.hashOnce.Do(func() { s.hashSlots = make(chan struct{}, runtime.GOMAXPROCS(0)) })
	t := time.NewTimer(hashWait)
	defer t.Stop()
	select {
	case s.hashSlots <- struct{}{}:
		return func() { <-s.hashSlots }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-t.C:
		return nil, gongfu.Failf(gongfu.ETOOMANY, "正在登录的人太多，请稍后再试")
	}
}

// checkPassword checks a user name and password, throttled per account and
// address, and returns the account.
func (s *Server) checkPassword(r *http.Request, name, pw string) (*gongfu.User, error) {
	now, ip := s.Now(), clientIP(r)
	if name == "" || pw == "" {
		return nil, gongfu.Failf(gongfu.EINVALID, "请输入用户名和密码")
	}
	if len(name) > 64 || len(pw) > 256 {
		return nil, wrongLogin()
	}
	if s.throttle.blocked(name, ip, now) {
		return nil, s.tooMany()
	}
	u, err := s.Store.FindUserByName(r.Context(), name)
	if err != nil && gongfu.ErrorCode(err) != gongfu.ENOTFOUND {
		return nil, err
	}
	known := u != nil && err == nil
	release, err := s.hashSlot(r.Context())
	if err != nil {
		return nil, err
	}
	// The slot is held for the hash only, not for the failure's audit
	// write after it.
	ok := false
	if known {
		ok = password.Check(u.PasswordHash, pw)
	} else {
		password.CheckNone(pw) // an unknown name costs the same
	}
	release()
	switch {
	case !known:
		s.loginFailed(r, name, nil, "unknown user")
		return nil, wrongLogin()
	case !ok:
		s.loginFailed(r, name, u, "wrong password")
		return nil, wrongLogin()
	}
	return u, nil
}

// checkSecondFactor checks a TOTP code (once per time step: a code seen
// before is refused) or spends a recovery code, throttled like passwords.
func (s *Server) checkSecondFactor(r *http.Request, u *gongfu.User, code string) error {
	now, ip := s.Now(), clientIP(r)
	if s.throttle.blocked(u.Name, ip, now) {
		return s.tooMany()
	}
	code = strings.TrimSpace(code)
	if code == "" {
		return errOTPRequired
	}
	bad := gongfu.Failf(gongfu.EUNAUTHORIZED, "动态验证码错误或已使用")
	if password.IsRecoveryCode(code) {
		err := s.Store.UseRecoveryCode(gongfu.WithActor(r.Context(), u), u.ID, password.HashRecoveryCode(code))
		if gongfu.ErrorCode(err) == gongfu.ENOTFOUND {
			s.loginFailed(r, u.Name, u, "wrong recovery code")
			return bad
		}
		return err
	}
	step, ok := password.CheckTOTP(u.TOTPSecret, code, now)
	if !ok || !s.sec.useStep(u.ID, step) {
		s.loginFailed(r, u.Name, u, "wrong code")
		return bad
	}
	return nil
}

// openSession starts a session for u with a new random token: the token is
// never one the client brought (no session fixation). With SingleSession
// the account's other sessions end; otherwise the session this browser
// held before, if any, does.
func (s *Server) openSession(r *http.Request, u *gongfu.User) (string, error) {
	ctx := gongfu.WithActor(r.Context(), u)
	s.throttle.reset(u.Name, clientIP(r))
	now := s.Now()
	token, id := newToken()
	sess := &gongfu.Session{ID: id, UserID: u.ID, CreatedAt: now, LastSeen: now, ExpiresAt: now.Add(s.Security.maxLifetime())}
	if s.Security.SingleSession {
		// One transaction, not two: logins queue for the writer on a
		// deadline morning.
		if err := s.Store.ReplaceUserSessions(ctx, sess); err != nil {
			return "", err
		}
		return token, nil
	}
	if _, old, err := s.currentUser(r); err == nil && old != nil {
		if err := s.Store.DeleteSession(r.Context(), old.ID); err != nil {
			return "", err
		}
	}
	if err := s.Store.CreateSession(ctx, sess); err != nil {
		return "", err
	}
	return token, nil
}

// login checks credentials and the second factor when the account has one
// (errOTPRequired when otp is empty) and opens a session, returning its
// token.
func (s *Server) login(r *http.Request, name, pw, otp string) (string, *gongfu.User, error) {
	u, err := s.checkPassword(r, name, pw)
	if err != nil {
		return "", nil, err
	}
	if u.HasTOTP() {
		if err := s.checkSecondFactor(r, u, otp); err != nil {
			return "", u, err
		}
	}
	token, err := s.openSession(r, u)
	if err != nil {
		return "", nil, err
	}
	return token, u, nil
}

// authState is who a request comes from, worked out once per request (by
// gate) and kept in its context.
type authState struct {
	user *gongfu.User
	sess *gongfu.Session
	err  error
	// stale: the request carried a session cookie that names no live
	// session (idle, expired, ended by a login elsewhere or by logout).
	stale bool
}

// currentUser returns the logged-in user of r (bearer token first, then the
// session cookie), or nil for the public. An expired or idle session counts
// as none.
func (s *Server) currentUser(r *http.Request) (*gongfu.User, *gongfu.Session, error) {
	if a, ok := r.Context().Value(keySession).(*authState); ok {
		return a.user, a.sess, a.err
	}
	a := s.authenticate(r)
	return a.user, a.sess, a.err
}

// authenticate finds the session of r's token and ends it when it has been
// idle longer than the idle timeout or outlived its absolute lifetime.
func (s *Server) authenticate(r *http.Request) authState {
	token, cookie := "", false
	if h := r.Header.Get("Authorization"); h != "" {
		t, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return authState{err: gongfu.Failf(gongfu.EUNAUTHORIZED, "Authorization 头应为 Bearer 令牌")}
		}
		token = strings.TrimSpace(t)
	} else if c, err := r.Cookie(sessionCookie); err == nil {
		token, cookie = c.Value, true
	}
	if token == "" {
		return authState{}
	}
	sess, u, err := s.Store.FindSession(r.Context(), tokenID(token))
	if gongfu.ErrorCode(err) == gongfu.ENOTFOUND {
		return authState{stale: cookie}
	} else if err != nil {
		return authState{err: err}
	}
	now := s.Now()
	if now.After(sess.ExpiresAt) || now.Sub(sess.LastSeen) > s.Security.idleTimeout() {
		_ = s.Store.DeleteSession(r.Context(), sess.ID)
		return authState{stale: cookie}
	}
	if now.Sub(sess.LastSeen) > time.Minute {
		if err := s.Store.TouchSession(r.Context(), sess.ID, now); err != nil {
			return authState{err: err}
		}
	}
	return authState{user: u, sess: sess}
}

// canNow decides whether the caller of r may do act (see policy.go).
func (s *Server) canNow(r *http.Request, act action) error {
	u, _, err := s.currentUser(r)
	if err != nil {
		return err
	}
	return s.can(r.Context(), u, act, scope{})
}

// apiLogin: POST /api/v1/session {"username","password","otp"} → {"token": …}.
// otp is the authenticator code (or a recovery code) of an account with a
// second factor: without it the answer is 401 with code "otp_required". An
// expired password is 403 "password_expired" and opens no session: change
// it with PUT /api/v1/account/password, giving the credentials.
func (s *Server) apiLogin(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Username string `json:"username"`
		Password string `json:"password"`
		OTP      string `json:"otp"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	u, err := s.checkPassword(r, in.Username, in.Password)
	if err != nil {
		return err
	}
	if u.HasTOTP() {
		if err := s.checkSecondFactor(r, u, in.OTP); err == errOTPRequired {
			return writeReason(w, http.StatusUnauthorized, reasonOTPRequired, errOTPRequired)
		} else if err != nil {
			return err
		}
	}
	if why := s.restriction(u); why != "" {
		return writeReason(w, http.StatusForbidden, why, restrictionError(why))
	}
	token, err := s.openSession(r, u)
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
		return gongfu.Failf(gongfu.EUNAUTHORIZED, "请先登录")
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
	bad := gongfu.Failf(gongfu.EFORBIDDEN, "表单已过期或来源不明，请刷新页面后重试")
	if o := r.Header.Get("Origin"); o != "" && o != "null" {
		if !strings.HasSuffix(o, "://"+r.Host) {
			return bad
		}
	}
	// A body over the handler's limit is too large, not a forgery.
	// (ParseMultipartForm drops ParseForm's error for a form that is not
	// multipart: each is asked.)
	for _, parse := range []func() error{r.ParseForm, func() error { return r.ParseMultipartForm(32 << 20) }} {
		if err := parse(); err != nil && tooLarge(err) {
			return gongfu.Failf(gongfu.ETOOLARGE, "表单超过 %d KB", MaxBodyBytes>>10)
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
