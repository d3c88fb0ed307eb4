package loadtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"gongfu"
	"gongfu/postgres"
	"gongfu/sqlite"
)

// openStore makes the run's working directory (server log, SQLite file)
// and opens a new, empty store: a SQLite file there, or a new schema of the
// PostgreSQL database of o.DB.
func (r *runner) openStore(ctx context.Context) error {
	dir, err := os.MkdirTemp(r.o.Dir, "gongfu-loadtest-")
	if err != nil {
		return fmt.Errorf("无法建立工作目录 (cannot make the working directory): %w", err)
	}
	r.work = dir
	r.res.WorkDir = dir
	if r.o.DB == "" {
		r.res.Store = "sqlite"
		r.dsn = filepath.Join(dir, "gongfu.db")
		r.res.Database = r.dsn
		db, err := sqlite.Open(ctx, r.dsn)
		if err != nil {
			return fmt.Errorf("打开 SQLite 数据库失败 (open SQLite database %s): %w", r.dsn, err)
		}
		r.store = db
		return nil
	}
	r.res.Store = "postgres"
	var b [6]byte
	rand.Read(b[:])
	schema := "gongfu_loadtest_" + hex.EncodeToString(b[:])
	if err := pgAdmin(ctx, r.o.DB, `CREATE SCHEMA `+pgx.Identifier{schema}.Sanitize()); err != nil {
		return fmt.Errorf("在 PostgreSQL 中建立模式失败 (create schema %s in %s): %w", schema, postgres.RedactURL(r.o.DB), err)
	}
	r.schema = schema
	r.res.Schema = schema
	u, err := url.Parse(r.o.DB)
	if err != nil {
		return fmt.Errorf("PostgreSQL URL 无效 (bad PostgreSQL URL %s): %w", postgres.RedactURL(r.o.DB), err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	r.dsn = u.String()
	r.res.Database = postgres.RedactURL(r.dsn)
	db, err := postgres.Open(ctx, r.dsn)
	if err != nil {
		return fmt.Errorf("打开 PostgreSQL 数据库失败 (open PostgreSQL database %s): %w", postgres.RedactURL(r.dsn), err)
	}
	r.store = db
	return nil
}

// reopen opens the run's store again, after the server has closed it.
func (r *runner) reopen(ctx context.Context) (gongfu.Store, error) {
	if r.schema == "" {
		db, err := sqlite.Open(ctx, r.dsn)
		if err != nil {
			return nil, fmt.Errorf("重新打开 SQLite 数据库失败 (reopen %s): %w", r.dsn, err)
		}
		return db, nil
	}
	db, err := postgres.Open(ctx, r.dsn)
	if err != nil {
		return nil, fmt.Errorf("重新打开 PostgreSQL 数据库失败 (reopen %s): %w", postgres.RedactURL(r.dsn), err)
	}
	return db, nil
}

// pgAdmin runs one statement on its own connection to dsn (pool parameters
// such as pool_max_conns are accepted and ignored).
func pgAdmin(ctx context.Context, dsn, sql string) error {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return err
	}
	conn, err := pgx.ConnectConfig(ctx, cfg.ConnConfig)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	_, err = conn.Exec(ctx, sql)
	return err
}

// cleanup stops what is still running and removes what the run made,
// unless Keep: the working directory and the PostgreSQL schema.
func (r *runner) cleanup() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if r.stop != nil {
		r.stop(ctx)
		r.stop = nil
	}
	if r.store != nil {
		r.store.Close()
		r.store = nil
	}
	if r.logFile != nil {
		r.logFile.Close()
		r.logFile = nil
	}
	if r.o.Keep {
		return
	}
	if r.schema != "" {
		if err := pgAdmin(ctx, r.o.DB, `DROP SCHEMA `+pgx.Identifier{r.schema}.Sanitize()+` CASCADE`); err != nil && r.res != nil {
			r.res.CleanupError = fmt.Sprintf("删除模式 %s 失败 (drop schema): %v", r.schema, err)
		}
	}
	if r.work != "" {
		os.RemoveAll(r.work)
	}
}
