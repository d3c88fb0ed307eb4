// Package sqlite is gongfu's embedded store: gongfu.Store on a single SQLite
// file through modernc.org/sqlite, a pure-Go SQLite, so the one binary builds
// with CGO_ENABLED=0 and needs no database server.
//
// # Connections
//
// Following PocketBase, a DB holds two pools on the same file: a write pool of
// exactly one connection, whose transactions begin IMMEDIATE so that a writer
// takes the write lock at BEGIN instead of failing half-way with SQLITE_BUSY,
// and a read pool of a few query-only connections. Writes within the process
// queue on the one connection; readers never wait for them (WAL). Every
// connection sets busy_timeout first, so that another process (a command-line
// import beside a running server) waits up to five seconds for the lock
// rather than failing at once.
//
// # Durability
//
// The database runs in WAL mode with synchronous=NORMAL. A commit that has
// returned survives the process being killed (SIGKILL, a crash, an OOM kill):
// it is in the WAL file, which the next open replays. It may be lost if the
// machine loses power or the kernel crashes before the WAL is synced at the
// next checkpoint. That is the trade PocketBase and most embedded deployments
// make: full fsync on every commit would cost a disk flush per report, and a
// power cut loses at most the last moments of work, which the audit chain
// then shows consistently (the chain and its head are committed together).
//
// # Schema
//
// Migrations are the files in migrations/, compiled in, applied in name
// order at Open, each in its own transaction, and recorded in
// schema_migrations. They are append-only: a released file is never edited.
// Opening a database migrated by a newer binary fails rather than guessing.
// Table and column names are the same as the PostgreSQL store's.
//
// Times are stored as UTC text: audit entries in RFC 3339 with the shortest
// fraction (exactly the form their hash covers), other timestamps with a fixed
// nine-digit fraction so that they sort as text. Dates are 'YYYY-MM-DD' or
// NULL.
//
// # Sessions
//
// DB also implements gongfu.SessionService: logins live beside the accounts
// they belong to, and logging in and out are audited like any change.
//
// # Errors
//
// Driver errors are translated here: a unique violation becomes ECONFLICT, a
// foreign-key violation EINVALID, a busy database ECONFLICT. The *gongfu.Error
// a caller sees never holds SQL or driver text; the driver error stays in
// the chain (for logs) behind it.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"gongfu"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// readConns is the size of the read pool: enough for a handful of concurrent
// page loads on a small server; SQLite readers scale with cores, not more.
const readConns = 4

// busyTimeoutMS is how long a connection waits for another process's lock.
const busyTimeoutMS = 5000

//go:embed migrations/*.sql
var migrationFS embed.FS

// Compile-time check that DB is a complete store.
var _ gongfu.Store = (*DB)(nil)

// DB is the SQLite store. Its methods are safe for concurrent use.
type DB struct {
	write *sql.DB // one connection, BEGIN IMMEDIATE
	read  *sql.DB // query-only pool

	// Now returns the current time; tests set it to make times predictable.
	// Set it before using the DB, not while methods run.
	Now func() time.Time
}

// memSeq numbers in-memory databases so that each Open(":memory:") gets its own.
var memSeq atomic.Int64

// Open opens (creating if needed) the database file at path and brings its
// schema up to date. path "" or ":memory:" opens a private in-memory database
// that lives until Close, for tests and demos; it cannot use WAL, so there
// readers and the writer take turns (busy_timeout) instead.
func Open(ctx context.Context, path string) (*DB, error) {
	var name string
	var base url.Values
	if path == "" || path == ":memory:" {
		// The memdb VFS lets several connections share one in-memory database
		// (with locking) when its name starts with "/"; a plain ":memory:" would
		// give every pooled connection its own empty database.
		name = fmt.Sprintf("file:/gongfu-mem-%d", memSeq.Add(1))
		base = url.Values{"vfs": {"memdb"}}
	} else if strings.Contains(path, "?") {
		// The driver splits the DSN at the first "?"; such a path must be
		// written as a URI with the "?" escaped.
		name = "file:" + (&url.URL{Path: filepath.ToSlash(path)}).EscapedPath()
		base = url.Values{}
	} else {
		// A plain file name: SQLite reads it as is (only names starting
		// with "file:" are URIs), which also keeps Windows paths simple.
		name = path
		base = url.Values{}
	}
	db := &DB{Now: time.Now}

	// Pragmas: busy_timeout first (the driver also sorts it first), so that
	// the others, journal_mode in particular, wait for a lock instead of
	// failing.
	w := cloneValues(base)
	w.Set("_txlock", "immediate")
	w["_pragma"] = []string{
		fmt.Sprintf("busy_timeout(%d)", busyTimeoutMS),
		"journal_mode(WAL)",
		"foreign_keys(1)",
		"synchronous(NORMAL)",
	}
	var err error
	if db.write, err = sql.Open("sqlite", name+"?"+encodeValues(w)); err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	db.write.SetMaxOpenConns(1)
	db.write.SetMaxIdleConns(1)
	db.write.SetConnMaxLifetime(0)
	db.write.SetConnMaxIdleTime(0)
	if err := db.write.PingContext(ctx); err != nil {
		db.write.Close()
		return nil, fmt.Errorf("open database: %w", err)
	}
	if err := db.migrate(ctx); err != nil {
		db.write.Close()
		return nil, err
	}

	r := cloneValues(base)
	r["_pragma"] = []string{
		fmt.Sprintf("busy_timeout(%d)", busyTimeoutMS),
		"foreign_keys(1)",
		"query_only(1)",
	}
	if db.read, err = sql.Open("sqlite", name+"?"+encodeValues(r)); err != nil {
		db.write.Close()
		return nil, fmt.Errorf("open database: %w", err)
	}
	db.read.SetMaxOpenConns(readConns)
	db.read.SetMaxIdleConns(readConns)
	if err := db.read.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open database: %w", err)
	}
	return db, nil
}

// Close closes both pools. An in-memory database is gone afterwards.
func (db *DB) Close() error {
	var errs []error
	if db.read != nil {
		errs = append(errs, db.read.Close())
	}
	if db.write != nil {
		errs = append(errs, db.write.Close())
	}
	return errors.Join(errs...)
}

// cloneValues copies v so the write and read DSNs do not share slices.
func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// encodeValues is url.Values.Encode without escaping the parentheses of
// _pragma values, which the driver reads literally (it does unescape, but
// keeping them readable helps when a DSN is logged).
func encodeValues(v url.Values) string {
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		for _, s := range v[k] {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(url.QueryEscape(k))
			b.WriteByte('=')
			s = url.QueryEscape(s)
			s = strings.NewReplacer("%28", "(", "%29", ")").Replace(s)
			b.WriteString(s)
		}
	}
	return b.String()
}

// migrate applies the embedded migrations not yet recorded, in name order,
// each in its own transaction with its schema_migrations row.
func (db *DB) migrate(ctx context.Context) error {
	if _, err := db.write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    TEXT PRIMARY KEY,
		applied_at TEXT NOT NULL
	)`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	sort.Strings(names)
	known := map[string]bool{}
	for i, n := range names {
		names[i] = strings.TrimPrefix(n, "migrations/")
		known[names[i]] = true
	}

	applied := map[string]bool{}
	rows, err := db.write.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return fmt.Errorf("migrate: %w", err)
		}
		applied[v] = true
	}
	if err := rows.Close(); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for v := range applied {
		if !known[v] {
			return gongfu.Failf(gongfu.EINVALID,
				"数据库结构版本 %s 比本程序新，请使用新版程序", v)
		}
	}

	for _, n := range names {
		if applied[n] {
			continue
		}
		body, err := migrationFS.ReadFile("migrations/" + n)
		if err != nil {
			return fmt.Errorf("migrate %s: %w", n, err)
		}
		err = db.inWrite(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`,
				n, formatTime(db.now()))
			return err
		})
		if err != nil {
			return fmt.Errorf("migrate %s: %w", n, err)
		}
	}
	return nil
}

// now is db.Now in UTC, without the monotonic reading.
func (db *DB) now() time.Time {
	if db.Now == nil {
		return time.Now().UTC()
	}
	return db.Now().UTC()
}

// inWrite runs fn in a transaction on the write connection (BEGIN IMMEDIATE)
// and commits when fn returns nil; any error rolls everything back. Every
// public method that writes owns exactly one such transaction.
func (db *DB) inWrite(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return translate(err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return translate(err)
	}
	return translate(tx.Commit())
}

// inRead runs fn in a read transaction, so that a method issuing several
// queries sees one snapshot of the database.
func (db *DB) inRead(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return translate(err)
	}
	defer tx.Rollback()
	return translate(fn(tx))
}

// timeFormat is RFC 3339 with a fixed nine-digit fraction, so that stored
// times sort as text.
const timeFormat = "2006-01-02T15:04:05.000000000Z07:00"

// formatTime writes t for storage (UTC, fixed width).
func formatTime(t time.Time) string { return t.UTC().Format(timeFormat) }

// parseTime reads a time written by formatTime or as RFC 3339.
func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("bad stored time %q: %w", s, err)
	}
	return t.UTC(), nil
}

// nullDate maps the empty Date to NULL.
func nullDate(d gongfu.Date) any {
	if d == "" {
		return nil
	}
	return string(d)
}

// nullID maps id 0 (none) to NULL.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// translate turns driver errors a caller can act on into *gongfu.Error,
// keeping the driver error behind it in the chain for logs. Other errors,
// including *gongfu.Error and context errors, pass through.
func translate(err error) error {
	if err == nil {
		return nil
	}
	var ge *gongfu.Error
	if errors.As(err, &ge) {
		return err
	}
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return err
	}
	var e *gongfu.Error
	switch code := se.Code(); {
	case code == sqlite3.SQLITE_CONSTRAINT_UNIQUE || code == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		e = gongfu.Failf(gongfu.ECONFLICT, "数据已存在")
	case code == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		e = gongfu.Failf(gongfu.EINVALID, "引用的数据不存在")
	case code&0xff == sqlite3.SQLITE_BUSY || code&0xff == sqlite3.SQLITE_LOCKED:
		e = gongfu.Failf(gongfu.ECONFLICT, "数据库繁忙，请稍后重试")
	case code&0xff == sqlite3.SQLITE_FULL:
		e = gongfu.Failf(gongfu.ETOOLARGE, "磁盘空间不足")
	case code&0xff == sqlite3.SQLITE_READONLY:
		e = gongfu.Failf(gongfu.EFORBIDDEN, "数据库为只读")
	default:
		return err
	}
	return &wrapped{e: e, cause: err}
}

// isUnique reports whether err is a unique-constraint violation.
func isUnique(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) &&
		(se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
}

// wrapped is a *gongfu.Error with the driver error that caused it. errors.As
// finds the *gongfu.Error (so codes and messages work); Error() gives both,
// for logs.
type wrapped struct {
	e     *gongfu.Error
	cause error
}

func (w *wrapped) Error() string   { return w.e.Error() + ": " + w.cause.Error() }
func (w *wrapped) Unwrap() []error { return []error{w.e, w.cause} }
