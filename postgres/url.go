package postgres

import (
	"net/url"
	"strings"
)

// IsURL reports whether dsn names a PostgreSQL database (postgres://… or
// postgresql://…) rather than a SQLite file: the one rule every command
// taking --db applies.
func IsURL(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// RedactURL is dsn with its password, if any, shown as xxxxx, so that an
// error message, a log line or a printed result does not give it away.
func RedactURL(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "(PostgreSQL URL)"
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.String()
}
