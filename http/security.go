package http

import (
	"context"
	"crypto/subtle"
	"encoding/base32"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"gongfu"
	"gongfu/password"
)

// Security holds the application-level controls of 等保 2.0 level 3
// (GB/T 22239-2019, 8.1.4 身份鉴别 and 访问控制, 8.1.4.3 安全审计). Each is
// configurable; DefaultSecurity gives the values a level-3 review expects,
// except Require2FA, which is off so that `serve --demo` logs in with a
// password alone (turn it on in production: `gongfu serve --require-2fa`).
type Security struct {
	// IdleTimeout ends a session after this long without a request
	// (automatic logout; default 30 minutes). ≤ 0 means the default.
	IdleTimeout time.Duration
	// MaxLifetime ends a session this long after login however active it
	// is (default 12 hours). ≤ 0 means the default.
	MaxLifetime time.Duration
	// SingleSession keeps one live session per account: a login ends the
	// account's other sessions (default true).
	SingleSession bool
	// PasswordMaxAge is how long a password lasts before its owner must
	// change it (default 90 days; 0 turns expiry off). It counts from the
	// last change, or the account's creation.
	PasswordMaxAge time.Duration
	// Require2FA makes the roles in TOTPRoles enrol a second factor
	// (RFC 6238 TOTP) before they can do anything else (default false).
	// Any account may enrol one; once enrolled, its login asks for it.
	Require2FA bool
	// TOTPRoles are the roles Require2FA applies to (default the three
	// administrators: admin, secadmin, auditor).
	TOTPRoles []gongfu.Role
	// MinPasswordLength and PasswordClasses tighten the password rule:
	// at least this many characters of at least this many of the four
	// classes (lower case, upper case, digits, symbols). The level-3
	// rule, 8 characters of 3 classes (password.Strong), is the floor:
	// values below it (0 included) mean it.
	MinPasswordLength int
	PasswordClasses   int
	// MaxFailures failed logins (or second-factor codes) of an account
	// from one address within LockoutWindow lock it out for the rest of
	// the window (defaults 5 and 15 minutes; from all addresses together,
	// four times as many).
	MaxFailures   int
	LockoutWindow time.Duration
}

// DefaultSecurity returns the 等保 level-3 defaults described on Security.
func DefaultSecurity() Security {
	return Security{
		IdleTimeout:    30 * time.Minute,
		MaxLifetime:    12 * time.Hour,
		SingleSession:  true,
		PasswordMaxAge: 90 * 24 * time.Hour,
		TOTPRoles:      []gongfu.Role{gongfu.RoleAdmin, gongfu.RoleSecurityAdmin, gongfu.RoleAuditAdmin},
		MaxFailures:    5,
		LockoutWindow:  15 * time.Minute,
	}
}

func (c *Security) idleTimeout() time.Duration {
	if c.IdleTimeout <= 0 {
		return 30 * time.Minute
	}
	return c.IdleTimeout
}

func (c *Security) maxLifetime() time.Duration {
	if c.MaxLifetime <= 0 {
		return 12 * time.Hour
	}
	return c.MaxLifetime
}

func (c *Security) lockoutWindow() time.Duration {
	if c.LockoutWindow <= 0 {
		return 15 * time.Minute
	}
	return c.LockoutWindow
}

// passwordProblem says why pw breaks the password rule, "" when it does
// not: password.Strong's level-3 rule, tightened by MinPasswordLength and
// PasswordClasses.
func (c *Security) passwordProblem(pw string) string {
	if why := password.Strong(pw); why != "" {
		return why
	}
	if n := c.MinPasswordLength; len([]rune(pw)) < n {
		return gongfu.Detailf("密码至少 %d 位", n)
	}
	if c.PasswordClasses > 3 {
		var classes [4]bool
		for _, r := range pw {
			switch {
			case r >= 'a' && r <= 'z':
				classes[0] = true
			case r >= 'A' && r <= 'Z':
				classes[1] = true
			case r >= '0' && r <= '9':
				classes[2] = true
			default:
				classes[3] = true
			}
		}
		if !classes[0] || !classes[1] || !classes[2] || !classes[3] {
			return gongfu.Detail("密码需同时包含大写字母、小写字母、数字和符号")
		}
	}
	return ""
}

func (c *Security) maxFailures() int {
	if c.MaxFailures <= 0 {
		return 5
	}
	return c.MaxFailures
}

// secState is the server's in-memory security state: logins waiting for
// their second factor, and the last TOTP step each account used (a code
// works once). Its zero value is ready to use.
type secState struct {
	mu      sync.Mutex
	pending map[string]pendingLogin // by token id
	steps   map[int64]int64         // user id → last TOTP step accepted
}

// pendingLogin is a login whose password was right, waiting for the code.
type pendingLogin struct {
	userID  int64
	next    string
	expires time.Time
}

// pendingTTL is how long the second step of a login may take.
const pendingTTL = 5 * time.Minute

// newPending records a login waiting for its second factor and returns the
// token naming it.
func (st *secState) newPending(userID int64, next string, now time.Time) string {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.pending == nil {
		st.pending = map[string]pendingLogin{}
	}
	for k, p := range st.pending {
		if now.After(p.expires) {
			delete(st.pending, k)
		}
	}
	if len(st.pending) > 10000 {
		clear(st.pending)
	}
	token, id := newToken()
	st.pending[id] = pendingLogin{userID: userID, next: next, expires: now.Add(pendingTTL)}
	return token
}

// findPending returns the waiting login of token, false when there is none
// or it expired.
func (st *secState) findPending(token string, now time.Time) (pendingLogin, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	p, ok := st.pending[tokenID(token)]
	if !ok || now.After(p.expires) {
		return pendingLogin{}, false
	}
	return p, true
}

// dropPending forgets the waiting login of token.
func (st *secState) dropPending(token string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	delete(st.pending, tokenID(token))
}

// useStep accepts TOTP step for the user unless it (or a later one) was
// used already, which would be a replayed code.
func (st *secState) useStep(userID, step int64) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.steps == nil {
		st.steps = map[int64]int64{}
	}
	if last, ok := st.steps[userID]; ok && step <= last {
		return false
	}
	st.steps[userID] = step
	return true
}

// Reasons a logged-in account may do nothing but fix its credentials; the
// API reports them as the error code.
const (
	reasonPasswordExpired = "password_expired"
	reasonTOTPRequired    = "totp_enrolment_required"
	reasonOTPRequired     = "otp_required"
)

// passwordExpired reports whether u's password is older than the maximum age.
func (s *Server) passwordExpired(u *gongfu.User) bool {
	if s.Security.PasswordMaxAge <= 0 {
		return false
	}
	changed := u.PasswordChangedAt
	if changed.IsZero() {
		changed = u.CreatedAt
	}
	return s.Now().Sub(changed) > s.Security.PasswordMaxAge
}

// totpRequired reports whether u must use a second factor.
func (s *Server) totpRequired(u *gongfu.User) bool {
	return s.Security.Require2FA && slices.Contains(s.Security.TOTPRoles, u.Role)
}

// restriction is why u, though logged in, may only fix its credentials:
// an expired password, or a second factor required but not enrolled; ""
// when there is none.
func (s *Server) restriction(u *gongfu.User) string {
	switch {
	case s.passwordExpired(u):
		return reasonPasswordExpired
	case s.totpRequired(u) && !u.HasTOTP():
		return reasonTOTPRequired
	}
	return ""
}

// restrictionError is the message of a restriction.
func restrictionError(why string) *gongfu.Error {
	if why == reasonTOTPRequired {
		return gongfu.Failf(gongfu.EFORBIDDEN, "您的角色须启用双因素认证：请在浏览器中打开 /account/2fa 完成绑定")
	}
	return gongfu.Failf(gongfu.EFORBIDDEN, "密码已过期，请先修改密码")
}

// writeReason writes an API error whose code is a reason more precise than
// the domain's codes (the status says which kind it is).
func writeReason(w http.ResponseWriter, status int, reason string, e *gongfu.Error) error {
	return writeJSON(w, status, map[string]any{"error": map[string]any{
		"code": reason, "message": e.Message, "message_en": e.MessageEN}})
}

// restrictedPaths may be used by an account with a restriction.
var restrictedPaths = map[string]bool{
	"/login": true, "/login/otp": true, "/logout": true,
	"/account/password": true, "/account/2fa": true,
	"/api/v1/session": true, "/api/v1/account/password": true,
}

// gate works out who each request comes from once (see authState), sends
// an account with an expired password or a missing second factor to fix
// that before anything else, and sends a browser whose session has ended
// (idle timeout, a login elsewhere) to the login form with a message.
//
// It also holds two rules for every route, so that a new route cannot
// forget them: no request body beyond maxRequestBytes (413 before any
// handler runs), and no state-changing API call on the strength of the
// browser's session cookie alone (see apiCSRF).
func (s *Server) gate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > maxRequestBytes {
			s.refuseTooLarge(w, r)
			return
		}
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = http.MaxBytesReader(w, r.Body, maxRequestBytes)
		}
		p := r.URL.Path
		if strings.HasPrefix(p, "/static/") || p == "/healthz" || strings.HasPrefix(p, "/lang/") {
			next.ServeHTTP(w, r)
			return
		}
		a := s.authenticate(r)
		r = r.WithContext(context.WithValue(r.Context(), keySession, &a))
		api := strings.HasPrefix(p, "/api/")
		if api && a.user != nil {
			if err := apiCSRF(r); err != nil {
				writeJSON(w, http.StatusForbidden, map[string]any{"error": map[string]any{
					"code": gongfu.EFORBIDDEN, "message": err.Message, "message_en": err.MessageEN}})
				return
			}
		}
		if a.user != nil && !restrictedPaths[p] {
			if why := s.restriction(a.user); why != "" {
				switch {
				case api:
					writeReason(w, http.StatusForbidden, why, restrictionError(why))
				case r.Method == http.MethodGet || r.Method == http.MethodHead:
					to := "/account/password"
					if why == reasonTOTPRequired {
						to = "/account/2fa"
					}
					http.Redirect(w, r, to, http.StatusSeeOther)
				default:
					s.renderStatus(w, r, http.StatusForbidden, "error", translate(langOf(r), "error.title"),
						map[string]any{"Message": restrictionError(why).Error()})
				}
				return
			}
		}
		if a.stale && !api {
			http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
				SameSite: http.SameSiteLaxMode, Secure: secure(r)})
			if r.Method == http.MethodGet && p != "/login" {
				http.Redirect(w, r, "/login?expired=1&next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// maxRequestBytes is the most any request may send: the largest upload
// (a plan document, MaxUploadBytes) with its form's overhead. Handlers set
// tighter limits of their own (MaxBodyBytes for JSON and forms).
const maxRequestBytes = MaxUploadBytes + 64<<10

// refuseTooLarge answers a request whose declared body exceeds
// maxRequestBytes with 413, as JSON for the API and as a page otherwise.
func (s *Server) refuseTooLarge(w http.ResponseWriter, r *http.Request) {
	e := gongfu.Failf(gongfu.ETOOLARGE, "请求体超过 %d MB", maxRequestBytes>>20)
	w.Header().Set("Connection", "close") // the body is not read
	if strings.HasPrefix(r.URL.Path, "/api/") {
		writeJSON(w, http.StatusRequestEntityTooLarge, map[string]any{"error": map[string]any{
			"code": gongfu.ETOOLARGE, "message": e.Message, "message_en": e.MessageEN}})
		return
	}
	s.renderStatus(w, r, http.StatusRequestEntityTooLarge, "error", translate(langOf(r), "error.title"),
		map[string]any{"Message": e.Error()})
}

// csrfHeader is the header a page's script would send its CSRF token in
// when it calls the API with the browser's session (see apiCSRF).
const csrfHeader = "X-CSRF-Token"

// apiCSRF refuses a state-changing API request (any method but GET, HEAD
// and OPTIONS) authenticated by the session cookie rather than an
// Authorization header, unless it carries the CSRF token in the
// X-CSRF-Token header and, when it says where it comes from, comes from
// this origin. A page elsewhere can make a browser send the cookie with a
// form or a no-cors fetch (a multipart upload, a JSON body without a
// Content-Type), but it can neither read the token nor set the header.
// Scripts use bearer tokens and are not affected.
func apiCSRF(r *http.Request) *gongfu.Error {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return nil
	}
	if r.Header.Get("Authorization") != "" {
		return nil
	}
	bad := gongfu.Failf(gongfu.EFORBIDDEN, "用浏览器会话调用接口须带 X-CSRF-Token 请求头；脚本请使用 Authorization: Bearer 令牌")
	if o := r.Header.Get("Origin"); o != "" && o != "null" && !strings.HasSuffix(o, "://"+r.Host) {
		return bad
	}
	c, err := r.Cookie(csrfCookie)
	if err != nil || len(c.Value) < 32 ||
		subtle.ConstantTimeCompare([]byte(c.Value), []byte(r.Header.Get(csrfHeader))) != 1 {
		return bad
	}
	return nil
}

// securityEvent records a security event (an export, a failed login) in the
// audit trail with the acting user of ctx as its subject. The store ends
// the result with the request id ("ok; rid 0123456789abcdef"), as it does
// for every entry written for a request (gongfu.WithRequestID), so that an
// auditor can find the log lines of an entry and the entry of a log line.
func (s *Server) securityEvent(ctx context.Context, action, object, result string) error {
	return s.Store.AppendEvent(ctx, action, object, result)
}

// securityEventLogged records an event where failing to record it must not
// change the answer (a failed login stays failed); the failure is logged.
func (s *Server) securityEventLogged(ctx context.Context, action, object, result string) {
	if err := s.securityEvent(ctx, action, object, result); err != nil {
		s.Logger.Error("security event", "rid", requestID(ctx), "action", action, "object", object, "err", err)
	}
}

// securityRoutes registers the login flow, the account pages and the
// security administrator's API.
func (s *Server) securityRoutes(mux *http.ServeMux) {
	mux.Handle("GET /login", s.page(s.loginPage))
	mux.Handle("POST /login", s.page(s.loginSubmit))
	mux.Handle("POST /login/otp", s.page(s.loginOTPSubmit))
	mux.Handle("POST /logout", s.page(s.logoutSubmit))
	mux.Handle("GET /account/password", s.page(s.passwordPage))
	mux.Handle("POST /account/password", s.page(s.passwordSubmit))
	mux.Handle("GET /account/2fa", s.page(s.totpPage))
	mux.Handle("POST /account/2fa", s.page(s.totpSubmit))
	mux.Handle("PUT /api/v1/account/password", s.api(s.apiChangePassword))
	mux.Handle("POST /api/v1/users/{name}/unlock", s.api(s.apiUnlock))
	mux.Handle("DELETE /api/v1/users/{name}/2fa", s.api(s.apiResetTOTP))
	mux.Handle("PUT /api/v1/users/{name}/role", s.api(s.apiSetRole))
	s.auditRoutes(mux)
}

// Cookie of a login waiting for its second factor: only the second step's
// form reads it.
const mfaCookie = "gongfu_mfa"

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) error {
	data := map[string]any{"Next": safeNext(r.URL.Query().Get("next"))}
	if r.URL.Query().Get("expired") != "" {
		data["Notice"] = translate(langOf(r), "login.expired")
	}
	return s.render(w, r, "login", translate(langOf(r), "login.title"), data)
}

// setSession gives the browser its new session cookie.
func setSession(w http.ResponseWriter, r *http.Request, token string) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: secure(r)})
}

// loginSubmit checks the password; an account with a second factor goes on
// to the code form, any other is logged in.
func (s *Server) loginSubmit(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	if err := checkCSRF(r); err != nil {
		return err
	}
	lang, next := langOf(r), safeNext(r.PostFormValue("next"))
	u, err := s.checkPassword(r, r.PostFormValue("username"), r.PostFormValue("password"))
	if err != nil {
		code := gongfu.ErrorCode(err)
		if code == gongfu.EUNAUTHORIZED || code == gongfu.EINVALID || code == gongfu.ETOOMANY {
			s.renderStatus(w, r, statusOf(code), "login", translate(lang, "login.title"), map[string]any{
				"Next": next, "Error": gongfu.ErrorMessage(err), "Username": r.PostFormValue("username")})
			return nil
		}
		return err
	}
	if u.HasTOTP() {
		token := s.sec.newPending(u.ID, next, s.Now())
		http.SetCookie(w, &http.Cookie{Name: mfaCookie, Value: token, Path: "/login", HttpOnly: true,
			SameSite: http.SameSiteStrictMode, Secure: secure(r), MaxAge: int(pendingTTL / time.Second)})
		return s.render(w, r, "login_otp", translate(lang, "login.otp.title"), map[string]any{})
	}
	token, err := s.openSession(r, u)
	if err != nil {
		return err
	}
	setSession(w, r, token)
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// loginOTPSubmit is the second step of a login: the authenticator code or a
// recovery code.
func (s *Server) loginOTPSubmit(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	if err := checkCSRF(r); err != nil {
		return err
	}
	lang := langOf(r)
	c, err := r.Cookie(mfaCookie)
	var p pendingLogin
	ok := false
	if err == nil {
		p, ok = s.sec.findPending(c.Value, s.Now())
	}
	if !ok {
		s.renderStatus(w, r, http.StatusUnauthorized, "login", translate(lang, "login.title"), map[string]any{
			"Next": "/", "Error": translate(lang, "login.otp.expired")})
		return nil
	}
	u, err := s.Store.FindUserByID(r.Context(), p.userID)
	if err != nil {
		return err
	}
	if err := s.checkSecondFactor(r, u, r.PostFormValue("otp")); err != nil {
		code := gongfu.ErrorCode(err)
		if code == gongfu.ETOOMANY {
			s.sec.dropPending(c.Value)
			s.renderStatus(w, r, http.StatusTooManyRequests, "login", translate(lang, "login.title"), map[string]any{
				"Next": p.next, "Error": gongfu.ErrorMessage(err)})
			return nil
		}
		if code == gongfu.EUNAUTHORIZED {
			s.renderStatus(w, r, http.StatusUnauthorized, "login_otp", translate(lang, "login.otp.title"), map[string]any{
				"Error": gongfu.ErrorMessage(err)})
			return nil
		}
		return err
	}
	s.sec.dropPending(c.Value)
	http.SetCookie(w, &http.Cookie{Name: mfaCookie, Value: "", Path: "/login", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: secure(r)})
	token, err := s.openSession(r, u)
	if err != nil {
		return err
	}
	setSession(w, r, token)
	http.Redirect(w, r, p.next, http.StatusSeeOther)
	return nil
}

func (s *Server) logoutSubmit(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	if err := checkCSRF(r); err != nil {
		return err
	}
	if _, sess, err := s.currentUser(r); err != nil {
		return err
	} else if sess != nil {
		if err := s.Store.DeleteSession(r.Context(), sess.ID); err != nil {
			return err
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: secure(r)})
	http.Redirect(w, r, "/", http.StatusSeeOther)
	return nil
}

// changePassword checks and stores u's new password: the current one must
// be right (failures count towards the lockout), the new one strong,
// different from the current one and typed twice alike (confirm "" skips
// that check, for the API). Every session of u ends; the caller opens a
// new one.
func (s *Server) changePassword(r *http.Request, u *gongfu.User, current, next, confirm string, checkCurrent bool) error {
	ctx := gongfu.WithActor(r.Context(), u)
	object := "user/" + strconv.FormatInt(u.ID, 10)
	if checkCurrent {
		if s.throttle.blocked(u.Name, clientIP(r), s.Now()) {
			return s.tooMany()
		}
		if !password.Check(u.PasswordHash, current) {
			s.throttle.fail(u.Name, clientIP(r), s.Now())
			s.securityEventLogged(ctx, "user.password", object, "denied: wrong current password")
			return gongfu.Failf(gongfu.EINVALID, "当前密码不正确")
		}
	}
	if confirm != "" && confirm != next {
		return gongfu.Failf(gongfu.EINVALID, "两次输入的新密码不一致")
	}
	if len(next) > 256 {
		return gongfu.Failf(gongfu.EINVALID, "密码过长")
	}
	if why := s.Security.passwordProblem(next); why != "" {
		return gongfu.Failf(gongfu.EINVALID, "新密码强度不足：%s", why)
	}
	if next == current || password.Check(u.PasswordHash, next) {
		return gongfu.Failf(gongfu.EINVALID, "新密码不能与当前密码相同")
	}
	hash, err := password.Hash(next)
	if err != nil {
		return err
	}
	if err := s.Store.SetPassword(ctx, u.ID, hash); err != nil {
		return err
	}
	u.PasswordHash, u.PasswordChangedAt = hash, s.Now()
	return s.Store.DeleteUserSessions(ctx, u.ID)
}

func (s *Server) passwordPage(w http.ResponseWriter, r *http.Request) error {
	u, err := s.userOf(r)
	if err != nil {
		return err
	}
	return s.render(w, r, "account_password", translate(langOf(r), "account.password.title"), map[string]any{
		"Expired": s.passwordExpired(u), "OK": r.URL.Query().Get("ok") != "", "MaxAgeDays": int(s.Security.PasswordMaxAge.Hours() / 24)})
}

func (s *Server) passwordSubmit(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	if err := checkCSRF(r); err != nil {
		return err
	}
	u, err := s.userOf(r)
	if err != nil {
		return err
	}
	err = s.changePassword(r, u, r.PostFormValue("current"), r.PostFormValue("new"), r.PostFormValue("confirm"), true)
	if code := gongfu.ErrorCode(err); code == gongfu.EINVALID || code == gongfu.ETOOMANY {
		s.renderStatus(w, r, statusOf(code), "account_password", translate(langOf(r), "account.password.title"), map[string]any{
			"Expired": s.passwordExpired(u), "Error": gongfu.ErrorMessage(err)})
		return nil
	} else if err != nil {
		return err
	}
	token, err := s.openSession(r, u)
	if err != nil {
		return err
	}
	setSession(w, r, token)
	http.Redirect(w, r, "/account/password?ok=1", http.StatusSeeOther)
	return nil
}

// apiChangePassword: PUT /api/v1/account/password
// {"username","password","new_password","otp"} → {"token"}. With a session
// the caller is its user; without one (an expired password opens none) the
// credentials are checked as at login. Every session of the account ends
// and the answer holds a new token.
func (s *Server) apiChangePassword(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Username    string `json:"username"`
		Password    string `json:"password"`
		NewPassword string `json:"new_password"`
		OTP         string `json:"otp"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	u, _, err := s.currentUser(r)
	if err != nil {
		return err
	}
	checkCurrent := true
	if u == nil {
		if u, err = s.checkPassword(r, in.Username, in.Password); err != nil {
			return err
		}
		if u.HasTOTP() {
			if err := s.checkSecondFactor(r, u, in.OTP); err == errOTPRequired {
				return writeReason(w, http.StatusUnauthorized, reasonOTPRequired, errOTPRequired)
			} else if err != nil {
				return err
			}
		}
		checkCurrent = false
	}
	if err := s.changePassword(r, u, in.Password, in.NewPassword, "", checkCurrent); err != nil {
		return err
	}
	token, err := s.openSession(r, u)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"token": token})
}

// totpIssuer names gongfu in authenticator apps.
const totpIssuer = "gongfu"

// validSecret reports whether s is a secret this server could have made.
func validSecret(s string) bool {
	b, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(s)
	return err == nil && len(b) == 20
}

// totpPage shows the account's second factor: enrolment (the otpauth URI
// and the secret as text, then a code to confirm) or, once enrolled, the
// form that removes it.
func (s *Server) totpPage(w http.ResponseWriter, r *http.Request) error {
	u, err := s.userOf(r)
	if err != nil {
		return err
	}
	return s.renderTOTP(w, r, http.StatusOK, u, password.NewTOTPSecret(), "")
}

func (s *Server) renderTOTP(w http.ResponseWriter, r *http.Request, status int, u *gongfu.User, secret, problem string) error {
	data := map[string]any{"Enrolled": u.HasTOTP(), "Required": s.totpRequired(u), "Error": problem}
	if !u.HasTOTP() {
		data["Secret"], data["URI"] = secret, password.TOTPURI(totpIssuer, u.Name, secret)
	}
	s.renderStatus(w, r, status, "account_2fa", translate(langOf(r), "account.2fa.title"), data)
	return nil
}

// totpSubmit enrols (op=enrol: the secret shown and a code from the app)
// or removes (op=disable: the password) the second factor. The recovery
// codes are shown once, on the answer to the enrolment.
func (s *Server) totpSubmit(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	if err := checkCSRF(r); err != nil {
		return err
	}
	u, err := s.userOf(r)
	if err != nil {
		return err
	}
	ctx, lang := gongfu.WithActor(r.Context(), u), langOf(r)
	switch r.PostFormValue("op") {
	case "enrol":
		if u.HasTOTP() {
			return gongfu.Failf(gongfu.ECONFLICT, "已启用双因素认证；如需更换，请先停用")
		}
		secret := r.PostFormValue("secret")
		if !validSecret(secret) {
			return gongfu.Failf(gongfu.EINVALID, "密钥无效，请刷新页面重试")
		}
		step, ok := password.CheckTOTP(secret, r.PostFormValue("otp"), s.Now())
		if !ok || !s.sec.useStep(u.ID, step) {
			return s.renderTOTP(w, r, http.StatusUnprocessableEntity, u, secret, translate(lang, "account.2fa.wrong"))
		}
		codes := password.NewRecoveryCodes(10)
		hashes := make([]string, len(codes))
		for i, c := range codes {
			hashes[i] = password.HashRecoveryCode(c)
		}
		if err := s.Store.SetTOTP(ctx, u.ID, secret, hashes); err != nil {
			return err
		}
		return s.render(w, r, "account_2fa", translate(lang, "account.2fa.title"), map[string]any{"Enrolled": true, "Codes": codes})
	case "disable":
		if !u.HasTOTP() {
			return gongfu.Failf(gongfu.EINVALID, "未启用双因素认证")
		}
		if s.totpRequired(u) {
			return gongfu.Failf(gongfu.EFORBIDDEN, "您的角色必须使用双因素认证，不能停用")
		}
		if !password.Check(u.PasswordHash, r.PostFormValue("password")) {
			s.throttle.fail(u.Name, clientIP(r), s.Now())
			return s.renderTOTP(w, r, http.StatusUnprocessableEntity, u, "", translate(lang, "account.2fa.badpw"))
		}
		if err := s.Store.SetTOTP(ctx, u.ID, "", nil); err != nil {
			return err
		}
		http.Redirect(w, r, "/account/2fa", http.StatusSeeOther)
		return nil
	}
	return gongfu.Failf(gongfu.EINVALID, "未知操作")
}

// userNamed returns the account named by the {name} path value.
func (s *Server) userNamed(r *http.Request) (*gongfu.User, error) {
	name, _ := url.PathUnescape(r.PathValue("name"))
	return s.Store.FindUserByName(r.Context(), name)
}

// apiUnlock: POST /api/v1/users/{name}/unlock — the security
// administrator lifts a lockout.
func (s *Server) apiUnlock(w http.ResponseWriter, r *http.Request) error {
	me, err := s.userOf(r)
	if err != nil {
		return err
	}
	if err := s.can(r.Context(), me, actManageSecurity, scope{}); err != nil {
		return err
	}
	u, err := s.userNamed(r)
	if err != nil {
		return err
	}
	s.throttle.unlock(u.Name)
	if err := s.securityEvent(gongfu.WithActor(r.Context(), me), "user.unlock", "user/"+strconv.FormatInt(u.ID, 10), "ok"); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// apiResetTOTP: DELETE /api/v1/users/{name}/2fa — the security
// administrator removes a lost second factor (the owner enrols again).
// Not his own: another security administrator does that.
func (s *Server) apiResetTOTP(w http.ResponseWriter, r *http.Request) error {
	me, err := s.userOf(r)
	if err != nil {
		return err
	}
	if err := s.can(r.Context(), me, actManageSecurity, scope{}); err != nil {
		return err
	}
	u, err := s.userNamed(r)
	if err != nil {
		return err
	}
	if u.ID == me.ID {
		return gongfu.Failf(gongfu.EFORBIDDEN, "不能重置自己的双因素认证")
	}
	if err := s.Store.SetTOTP(gongfu.WithActor(r.Context(), me), u.ID, "", nil); err != nil {
		return err
	}
	if err := s.Store.DeleteUserSessions(gongfu.WithActor(r.Context(), me), u.ID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// apiSetRole: PUT /api/v1/users/{name}/role {"role"} — the system
// administrator moves an account between the business roles. The three
// administrator roles are given from the command line only, and no one
// changes his own role, so no one can gather the powers 三员分立 separates.
func (s *Server) apiSetRole(w http.ResponseWriter, r *http.Request) error {
	me, err := s.userOf(r)
	if err != nil {
		return err
	}
	if err := s.can(r.Context(), me, actManageUsers, scope{}); err != nil {
		return err
	}
	var in struct {
		Role gongfu.Role `json:"role"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	u, err := s.userNamed(r)
	if err != nil {
		return err
	}
	if u.ID == me.ID || u.Role.Privileged() || in.Role.Privileged() {
		return gongfu.Failf(gongfu.EFORBIDDEN, "管理员角色只能在命令行中授予，且不能修改自己的角色")
	}
	if err := s.Store.SetUserRole(gongfu.WithActor(r.Context(), me), u.ID, in.Role); err != nil {
		return err
	}
	if err := s.Store.DeleteUserSessions(gongfu.WithActor(r.Context(), me), u.ID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
