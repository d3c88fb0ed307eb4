package gongfu

import (
	"context"
	"time"
)

// Role is what a user may do. Permissions are decided in one place (the http
// package's policy) from the role and the user's org, never per handler.
type Role string

// The roles. The public has no account and no role.
const (
	RoleAdmin       Role = "admin"       // 系统管理员: system configuration, plans, orgs, creating accounts
	RoleCoordinator Role = "coordinator" // plan office: plans, decomposition, review, supervision
	RoleReporter    Role = "reporter"    // reports what its org answers for
	RoleLeader      Role = "leader"      // reads everything
	// The other two of 三员分立 (GB/T 22239-2019 separation of duties): no
	// role both manages accounts and reads the audit trail, and neither of
	// these sees business data.
	RoleSecurityAdmin Role = "secadmin" // 安全管理员: accounts' security (unlock, reset 2FA, password policy)
	RoleAuditAdmin    Role = "auditor"  // 审计管理员: reads and verifies the audit trail, nothing else
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	switch r {
	case RoleAdmin, RoleCoordinator, RoleReporter, RoleLeader, RoleSecurityAdmin, RoleAuditAdmin:
		return true
	}
	return false
}

// Privileged reports whether r is one of the three administrator roles of
// 三员分立 (admin, secadmin, auditor). They are assigned from the command
// line only, never through the web, so that no administrator can give
// himself another's powers.
func (r Role) Privileged() bool {
	return r == RoleAdmin || r == RoleSecurityAdmin || r == RoleAuditAdmin
}

// User is an account.
type User struct {
	ID   int64  `json:"id"`
	Name string `json:"name"` // the login name
	Role Role   `json:"role"`
	// OrgID is the org a reporter reports for; 0 for roles without one.
	OrgID        int64     `json:"org_id,omitempty"`
	PasswordHash string    `json:"-"`
	CreatedAt    time.Time `json:"created_at"`
	// PasswordChangedAt is when the password was last set (CreatedAt for a
	// password never changed); password expiry counts from it.
	PasswordChangedAt time.Time `json:"password_changed_at"`
	// TOTPSecret is the base32 RFC 6238 secret of the account's second
	// factor, "" when it has none. It never leaves the server but once, on
	// the enrolment page.
	TOTPSecret string `json:"-"`
}

// HasTOTP reports whether the account has a second factor enrolled.
func (u *User) HasTOTP() bool { return u.TOTPSecret != "" }

// Validate checks a user before it is stored.
func (u *User) Validate() error {
	if len(u.Name) < 2 || len(u.Name) > 64 {
		return Failf(EINVALID, "用户名长度应为 2–64 个字符")
	}
	for _, r := range u.Name {
		if r <= ' ' || r == '/' || r == '\\' || r == '"' || r == '\'' || r == '<' || r == '>' {
			return Failf(EINVALID, "用户名 %q 含有不允许的字符", u.Name)
		}
	}
	if !u.Role.Valid() {
		return Failf(EINVALID, "角色 %q 无效（admin、coordinator、reporter、leader、secadmin、auditor）", u.Role)
	}
	if u.Role == RoleReporter && u.OrgID == 0 {
		return Failf(EINVALID, "填报员必须属于一个单位（--org）")
	}
	if u.PasswordHash == "" {
		return Failf(EINVALID, "缺少密码")
	}
	return nil
}

// UserService stores accounts.
type UserService interface {
	// CreateUser stores u (with its password already hashed) and sets u.ID.
	// ECONFLICT when the name is taken.
	CreateUser(ctx context.Context, u *User) error
	// FindUserByName returns the account, ENOTFOUND when there is none.
	FindUserByName(ctx context.Context, name string) (*User, error)
	// FindUserByID returns the account, ENOTFOUND when there is none.
	FindUserByID(ctx context.Context, id int64) (*User, error)
	// SetPassword replaces the account's password hash and records the time
	// (PasswordChangedAt), with a "user.password" audit entry that never
	// holds the hash. ENOTFOUND when there is no such account.
	SetPassword(ctx context.Context, userID int64, hash string) error
	// SetTOTP enrols a second factor: secret (base32) and the hashes of
	// fresh one-time recovery codes, replacing any earlier ones
	// ("user.2fa.enrol"). An empty secret removes the factor and its codes
	// ("user.2fa.disable"). Neither secret nor codes reach the audit trail.
	SetTOTP(ctx context.Context, userID int64, secret string, recoveryHashes []string) error
	// UseRecoveryCode spends the unused recovery code with hash
	// ("user.2fa.recovery"); ENOTFOUND when the account has no such unused
	// code. A code works once.
	UseRecoveryCode(ctx context.Context, userID int64, hash string) error
	// SetUserRole changes the account's role ("user.role", old and new
	// role). EINVALID for an unknown role or a reporter without an org.
	SetUserRole(ctx context.Context, userID int64, role Role) error
}

type actorKey struct{}

// WithActor returns ctx carrying the user who acts, so that stores can record
// who made each change in the audit trail without every method taking a user.
func WithActor(ctx context.Context, u *User) context.Context {
	return context.WithValue(ctx, actorKey{}, u)
}

// ActorFrom returns the acting user of ctx, nil for the system itself (the
// command line run by an operator, start-up, the demo loader).
func ActorFrom(ctx context.Context) *User {
	u, _ := ctx.Value(actorKey{}).(*User)
	return u
}

// ActorName names who acts in ctx for the audit trail: the user name, or
// "system" for work the operator started from the command line.
func ActorName(ctx context.Context) string {
	if u := ActorFrom(ctx); u != nil {
		return u.Name
	}
	return "system"
}

// Session is a login: a browser cookie or an API bearer token. Only a hash of
// the token is stored, so a copy of the database does not let anyone log in.
type Session struct {
	ID        string    // hex SHA-256 of the token
	UserID    int64     //
	CreatedAt time.Time //
	ExpiresAt time.Time // absolute end; idle timeout is checked against LastSeen
	LastSeen  time.Time
}

// Check rejects a session no store may keep: one without an id or a user,
// or one that expires before it begins. Both stores call it before writing.
func (s *Session) Check() error {
	if s == nil || s.ID == "" || s.UserID == 0 {
		return Failf(EINVALID, "会话缺少标识或用户")
	}
	if !s.ExpiresAt.After(s.CreatedAt) {
		return Failf(EINVALID, "会话的过期时间应晚于创建时间")
	}
	return nil
}

// SessionService stores logins. Server-side sessions (rather than signed
// stateless tokens) are what makes logout and "one live session per account"
// take effect at once.
type SessionService interface {
	// CreateSession stores s.
	CreateSession(ctx context.Context, s *Session) error
	// FindSession returns the session with id and its user; ENOTFOUND when
	// there is none or it has expired.
	FindSession(ctx context.Context, id string) (*Session, *User, error)
	// TouchSession records activity on the session at t.
	TouchSession(ctx context.Context, id string, t time.Time) error
	// DeleteSession ends one session (logout).
	DeleteSession(ctx context.Context, id string) error
	// DeleteUserSessions ends every session of the user (one live session
	// per account; a password change), with one "user.logout" audit entry
	// naming how many ended when there were any.
	DeleteUserSessions(ctx context.Context, userID int64) error
	// ReplaceUserSessions ends every session of s's user, as
	// DeleteUserSessions does, and stores s, as CreateSession does, in one
	// transaction: the login of an account allowed one live session. One
	// write instead of two matters on a deadline morning, when logins
	// queue for the store's single writer.
	ReplaceUserSessions(ctx context.Context, s *Session) error
}
