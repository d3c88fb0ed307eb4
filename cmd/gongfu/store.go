package main

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"gongfu"
	"gongfu/postgres"
	"gongfu/sqlite"
)

// defaultDB is the embedded database file used when --db is not given.
const defaultDB = "gongfu.db"

// isPostgresURL reports whether dsn names a PostgreSQL database
// (postgres://… or postgresql://…) rather than a SQLite file.
func isPostgresURL(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// openStore opens the database named by dsn: a postgres:// or postgresql://
// URL for the PostgreSQL store (pgx's parameters and run-time parameters
// such as ?search_path=gongfu may be given), else a file path for the
// embedded SQLite store. Either way the schema is brought up to date.
func openStore(ctx context.Context, dsn string) (gongfu.Store, error) {
	if isPostgresURL(dsn) {
		db, err := postgres.Open(ctx, dsn)
		if err != nil {
			return nil, fmt.Errorf("open database %s: %w", redactURL(dsn), err)
		}
		return db, nil
	}
	db, err := sqlite.Open(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", dsn, err)
	}
	return db, nil
}

// redactURL is dsn with its password, if any, shown as xxxxx, so that an
// error message or a log line does not give it away.
func redactURL(dsn string) string {
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
