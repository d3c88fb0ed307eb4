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
	RoleAdmin       Role = "admin"       // 系统管理员: accounts and configuration
	RoleCoordinator Role = "coordinator" // plan office: plans, decomposition, review, supervision
	RoleReporter    Role = "reporter"    // reports what its org answers for
	RoleLeader      Role = "leader"      // reads everything
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	switch r {
	case RoleAdmin, RoleCoordinator, RoleReporter, RoleLeader:
		return true
	}
	return false
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
}

// Validate checks a user before it is stored.
func (u *User) Validate() error {
	if len(u.Name) < 2 || len(u.Name) > 64 {
		return Errorf(EINVALID, "用户名长度应为 2–64 个字符", "a user name has 2-64 characters")
	}
	for _, r := range u.Name {
		if r <= ' ' || r == '/' || r == '\\' || r == '"' || r == '\'' || r == '<' || r == '>' {
			return Errorf(EINVALID, "用户名 %q 含有不允许的字符", "user name %q holds a character that is not allowed", u.Name)
		}
	}
	if !u.Role.Valid() {
		return Errorf(EINVALID, "角色 %q 无效（admin、coordinator、reporter、leader）", "role %q is not one of admin, coordinator, reporter, leader", u.Role)
	}
	if u.Role == RoleReporter && u.OrgID == 0 {
		return Errorf(EINVALID, "填报员必须属于一个单位（--org）", "a reporter must belong to an org (--org)")
	}
	if u.PasswordHash == "" {
		return Errorf(EINVALID, "缺少密码", "a password is required")
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
}
