package main

import (
	"context"
	"fmt"
	"strings"

	"gongfu"
	"gongfu/sqlite"
)

// defaultDB is the embedded database file used when --db is not given.
const defaultDB = "gongfu.db"

// openStore opens the database named by dsn: a file path for the embedded
// SQLite store, or a postgres:// URL.
func openStore(ctx context.Context, dsn string) (gongfu.Store, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return nil, gongfu.Errorf(gongfu.EINVALID, "此版本尚不支持 PostgreSQL，请使用 SQLite 文件路径", "this build does not support PostgreSQL yet; give a SQLite file path")
	}
	db, err := sqlite.Open(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", dsn, err)
	}
	return db, nil
}
