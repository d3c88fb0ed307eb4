package main

import (
	"context"
	"fmt"

	"gongfu"
	"gongfu/postgres"
	"gongfu/sqlite"
)

// defaultDB is the embedded database file used when --db is not given.
const defaultDB = "gongfu.db"

// openStore opens the database named by dsn: a postgres:// or postgresql://
// URL for the PostgreSQL store (pgx's parameters and run-time parameters
// such as ?search_path=gongfu may be given), else a file path for the
// embedded SQLite store. Either way the schema is brought up to date.
func openStore(ctx context.Context, dsn string) (gongfu.Store, error) {
	if postgres.IsURL(dsn) {
		db, err := postgres.Open(ctx, dsn)
		if err != nil {
			return nil, fmt.Errorf("open database %s: %w", postgres.RedactURL(dsn), err)
		}
		return db, nil
	}
	db, err := sqlite.Open(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", dsn, err)
	}
	return db, nil
}
