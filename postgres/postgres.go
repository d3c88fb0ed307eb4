// Package postgres is gongfu's server-backed store: gongfu.Store on a
// PostgreSQL database through github.com/jackc/pgx/v5, pure Go like the rest
// of gongfu, so the binary still builds with CGO_ENABLED=0.
//
// # Why
//
// The SQLite store (package sqlite) needs nothing but a file and suits a
// single server. A city that runs gongfu on several servers behind a load
// balancer, keeps its data on the government cloud's managed PostgreSQL, or
// wants the DBA's tools (pg_dump, streaming replicas, point-in-time
// recovery) gives `--db postgres://…` instead. Both stores pass the one
// conformance suite (package storetest), so the rest of gongfu cannot tell
// them apart and a deployment can move from one to the other.
//
// # Connections
//
// A DB holds a pgxpool.Pool on pgx's native interface rather than
// database/sql with pgx's stdlib adapter. gongfu needs none of database/sql's
// driver neutrality (each store is its own package), and the native
// interface is faster and more exact: values go in PostgreSQL's binary
// formats without database/sql's per-value boxing and conversion, every
// connection caches its prepared statements by itself, batches and errors
// are pgx's own (*pgconn.PgError with its SQLSTATE, which the translation
// below relies on), and cancelling a context cancels the query on the
// server. The pool's size and lifetimes come from the URL (pool_max_conns,
// pool_max_conn_lifetime, …); a connection that cannot be made within
// connect_timeout (10 s unless the URL says otherwise) fails the call.
// Behind PgBouncer in transaction mode, add default_query_exec_mode=exec
// to the URL, since prepared statements do not survive there.
//
// # Durability
//
// Every connection runs with synchronous_commit on (set at connect time
// unless the URL sets it otherwise, say to remote_apply for a synchronous
// standby): a commit that has returned is in the server's write-ahead log
// on disk, so it survives the server being killed and the machine losing
// power. That is stronger than the SQLite store's synchronous=NORMAL,
// which may lose the last commits on a power cut: a database server is
// shared by many clients and worth a flush per commit.
//
// # Writers and readers
//
// Every write transaction is READ COMMITTED and first locks the single row
// of chain_head (SELECT … FOR UPDATE), the head of the audit chain that it
// will extend. Writers, in one process or on several servers, so take
// turns in the order of their audit entries, as on SQLite's single write
// connection: each one sees everything its predecessors committed, its
// checks (versions, locks, duplicates) cannot race, and since all take the
// same lock first they cannot deadlock. Within a process writers also
// queue before they take a connection, so that writers waiting for the
// lock never hold the whole pool: readers always find a connection, and
// never wait for writers (MVCC). A read of several statements runs in one
// REPEATABLE READ READ ONLY transaction, one snapshot.
//
// A writer waits for another server's transaction at most lock_timeout
// (30 s unless the URL sets it), then fails with ECONFLICT, as SQLite's
// busy timeout does; a transaction left idle by a frozen client is ended
// by the server after idle_in_transaction_session_timeout (60 s), which
// releases the lock. A serialization failure or deadlock (40001, 40P01),
// which only a PostgreSQL-compatible distributed engine would raise here,
// rolls the attempt back and runs it again, a few times, with backoff.
// The SQL keeps to what such engines accept where that is easy: no
// LISTEN/NOTIFY, triggers or stored procedures, and the plan's order comes
// from explicit position columns, never from row order or ids (lists of
// notices and supervisions are newest first by id, as on SQLite).
//
// # Schema
//
// Migrations are the files in migrations/, compiled in, with the same names
// as the SQLite store's and the same table and column names in PostgreSQL's
// types. Open applies those not yet recorded in schema_migrations, in name
// order, in one transaction that first takes pg_advisory_xact_lock for the
// schema, so several gongfu servers starting at once migrate it exactly
// once (the others wait, then find nothing to do). A released file is
// never edited; opening a database migrated by a newer gongfu fails rather
// than guessing. Tables live in the first schema of search_path: give
// ?search_path=gongfu in the URL to keep them apart from others'.
//
// # What differs from the SQLite store
//
//   - Times are TIMESTAMPTZ, microsecond precision: DB.Now is truncated to
//     the microsecond (a session's times are stored so too), so that a
//     time a method returns equals the one read back. The audit entry's
//     time is the exact RFC 3339 text its hash covers, as on SQLite.
//   - Text cannot hold a NUL character or invalid UTF-8; such input is
//     refused with EINVALID instead of being stored.
//   - Orgs are ordered by path byte by byte (COLLATE "C"), as SQLite's
//     BINARY does, whatever the database's own collation; periods too.
//   - The units answering for an item keep their order in a pos column;
//     SQLite's tables rely on rowid order.
//   - Ids come from identity sequences, which a rolled-back insert advances:
//     ids may have gaps.
//
// # Errors
//
// Driver errors are translated here: a unique violation (23505) becomes
// ECONFLICT, a foreign-key violation (23503) or a check violation EINVALID,
// a data exception (class 22: a NUL, bad UTF-8, a number out of range)
// EINVALID, a row too large for an index ETOOLARGE, serialization failures
// that outlast the retries ECONFLICT. The *gongfu.Error a caller sees never
// holds SQL or driver text; the driver error stays in the chain (for logs)
// behind it.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"math/rand/v2"
	"net/url"
	"sort"
	"strings"
	"time"

	"gongfu"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Compile-time check that DB is a complete store.
var _ gongfu.Store = (*DB)(nil)

// connectTimeout bounds connecting when the URL sets no connect_timeout.
const connectTimeout = 10 * time.Second

// maxAttempts is how often a write transaction runs before a serialization
// failure or deadlock is given up as ECONFLICT.
const maxAttempts = 5

// DB is the PostgreSQL store. Its methods are safe for concurrent use.
type DB struct {
	pool *pgxpool.Pool
	// writer is held by the process's one write transaction at a time,
	// taken before its connection (see the package comment).
	writer chan struct{}

	// Now returns the current time; tests set it to make times predictable.
	// Set it before using the DB, not while methods run.
	Now func() time.Time
}

// Open connects to the PostgreSQL database at dsn (postgres://… or
// postgresql://…, or a key=value connection string; pgx's parameters and
// any run-time parameter such as search_path may be given) and brings its
// schema up to date.
func Open(ctx context.Context, dsn string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgx quotes the URL with its password masked; mask it again in
		// case a malformed URL hid it from pgx, and show why it is wrong.
		msg := err.Error()
		if u, perr := url.Parse(dsn); perr == nil {
			if pw, ok := u.User.Password(); ok && pw != "" {
				msg = strings.ReplaceAll(msg, pw, "xxxxx")
			}
		}
		e := gongfu.Failf(gongfu.EINVALID, "PostgreSQL 连接地址无效")
		e.Details = []string{msg}
		return nil, e
	}
	if !strings.Contains(dsn, "pool_max_conns") {
		// pgx's default, max(4, CPUs), made logins and report saves queue
		// for a connection on a deadline morning (gongfu loadtest); a
		// server holds a handful of short transactions at once, and 16
		// per server stays far below PostgreSQL's max_connections (100)
		// for a few servers. The URL's pool_max_conns overrides it.
		cfg.MaxConns = defaultMaxConns
	}
	return OpenConfig(ctx, cfg)
}

// defaultMaxConns is the pool size when the URL sets none.
const defaultMaxConns = 16

// sessionDefaults are the run-time parameters every connection gets unless
// the configuration sets them (see the package comment).
var sessionDefaults = map[string]string{
	"synchronous_commit":                  "on",
	"application_name":                    "gongfu",
	"lock_timeout":                        "30s",
	"idle_in_transaction_session_timeout": "60s",
}

// OpenConfig is Open with a parsed configuration, for callers that set
// fields of their own (tests set RuntimeParams["search_path"]). It sets
// the parameters of sessionDefaults that cfg does not set, and a connect
// timeout when cfg has none. cfg must not be used afterwards.
func OpenConfig(ctx context.Context, cfg *pgxpool.Config) (*DB, error) {
	cc := cfg.ConnConfig
	if cc.RuntimeParams == nil {
		cc.RuntimeParams = map[string]string{}
	}
	for k, v := range sessionDefaults {
		if _, ok := cc.RuntimeParams[k]; !ok {
			cc.RuntimeParams[k] = v
		}
	}
	if cc.ConnectTimeout == 0 {
		cc.ConnectTimeout = connectTimeout
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	db := &DB{pool: pool, writer: make(chan struct{}, 1), Now: time.Now}
	if err := db.migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return db, nil
}

// Close closes the pool, waiting for connections in use to be returned.
func (db *DB) Close() error {
	db.pool.Close()
	return nil
}

// now is db.Now in UTC, truncated to PostgreSQL's microsecond and without
// the monotonic reading.
func (db *DB) now() time.Time {
	t := time.Now()
	if db.Now != nil {
		t = db.Now()
	}
	return t.UTC().Truncate(time.Microsecond)
}

// migrationNames returns the embedded migration files in name order.
func migrationNames() ([]string, error) {
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	for i, n := range names {
		names[i] = strings.TrimPrefix(n, "migrations/")
	}
	sort.Strings(names)
	return names, nil
}

// migrationLockKey is the advisory lock guarding migrations of schema: the
// same key in every gongfu process, a different one per schema, so that
// servers sharing a schema take turns and different schemas do not wait.
func migrationLockKey(schema string) int64 {
	h := fnv.New64a()
	h.Write([]byte("gongfu migrate\x00" + schema))
	return int64(h.Sum64())
}

// migrate applies the embedded migrations not yet recorded, in name order,
// all in one transaction holding the schema's advisory lock.
func (db *DB) migrate(ctx context.Context) error {
	names, err := migrationNames()
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	known := map[string]bool{}
	for _, n := range names {
		known[n] = true
	}
	tx, err := db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return translate(err) // cannot connect: pgx's message says why
	}
	defer tx.Rollback(context.WithoutCancel(ctx))

	var schema pgtype.Text
	if err := tx.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return fmt.Errorf("migrate: %w", translate(err))
	}
	if !schema.Valid {
		return gongfu.Failf(gongfu.EINVALID, "search_path 中没有已存在的模式，无法建表")
	}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLockKey(schema.String)); err != nil {
		return fmt.Errorf("migrate: %w", translate(err))
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    TEXT        PRIMARY KEY,
		applied_at TIMESTAMPTZ NOT NULL
	)`); err != nil {
		return fmt.Errorf("migrate: %w", translate(err))
	}
	applied := map[string]bool{}
	err = eachRow(ctx, tx, `SELECT version FROM schema_migrations`, nil, func(r pgx.Rows) error {
		var v string
		if err := r.Scan(&v); err != nil {
			return err
		}
		applied[v] = true
		return nil
	})
	if err != nil {
		return fmt.Errorf("migrate: %w", translate(err))
	}
	for v := range applied {
		if !known[v] {
			return gongfu.Failf(gongfu.EINVALID,
				"数据库结构版本 %s 比本程序新，请使用新版程序", v)
		}
	}
	now := db.now()
	for _, n := range names {
		if applied[n] {
			continue
		}
		body, err := migrationFS.ReadFile("migrations/" + n)
		if err != nil {
			return fmt.Errorf("migrate %s: %w", n, err)
		}
		// No arguments: pgx sends it with the simple protocol, which runs
		// a file of several statements.
		if _, err := tx.Exec(ctx, string(body)); err != nil {
			return fmt.Errorf("migrate %s: %w", n, translate(err))
		}
		if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)`, n, now); err != nil {
			return fmt.Errorf("migrate %s: %w", n, translate(err))
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("migrate: %w", translate(err))
	}
	return nil
}

// querier is what pgx.Tx, *pgxpool.Pool and *wtx have in common.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// wtx is a write transaction holding the lock on chain_head, with the head
// as it stands within the transaction.
type wtx struct {
	pgx.Tx
	headSeq  int64
	headHash string
	// maxSeq is the largest seq in audit_log, read at the first entry the
	// transaction appends (maxKnown) and kept up to date after it.
	maxSeq   int64
	maxKnown bool
	// moved is set once the transaction appended an entry, so that
	// chain_head is written, once, before the commit.
	moved bool
}

// lockHead takes the write lock: the chain_head row, FOR UPDATE. A head row
// deleted behind the store's back is put back at (0, "") first, as the
// SQLite store reads a missing one; VerifyAudit reports the damage either
// way, and writers still have a row to line up on.
//
// The same round trip reads the largest seq in audit_log (maxSeq), which
// appendAudit needs before the first entry: a write is a handful of round
// trips, and on a deadline morning every one of them is spent holding the
// lock all writers queue for. (After waiting for the lock, the head row is
// read as the previous writer left it, while the subquery sees the rows of
// the statement's start: a writer's own entries always move the head too,
// so only rows inserted behind the store's back at that very moment could
// be missed, and the insert would then fail on the primary key, not
// corrupt the chain.)
func (w *wtx) lockHead(ctx context.Context) error {
	const lock = `SELECT seq, hash, (SELECT COALESCE(MAX(seq), 0) FROM audit_log) FROM chain_head WHERE id = 1 FOR UPDATE`
	err := w.QueryRow(ctx, lock).Scan(&w.headSeq, &w.headHash, &w.maxSeq)
	if errors.Is(err, pgx.ErrNoRows) {
		if _, err := w.Exec(ctx, `INSERT INTO chain_head (id, seq, hash) VALUES (1, 0, '') ON CONFLICT (id) DO NOTHING`); err != nil {
			return fmt.Errorf("audit head: %w", err)
		}
		err = w.QueryRow(ctx, lock).Scan(&w.headSeq, &w.headHash, &w.maxSeq)
	}
	if err != nil {
		return fmt.Errorf("audit head: %w", err)
	}
	w.maxKnown = true
	return nil
}

// saveHead writes the head the transaction moved to.
func (w *wtx) saveHead(ctx context.Context) error {
	if !w.moved {
		return nil
	}
	if _, err := w.Exec(ctx, `UPDATE chain_head SET seq = $1, hash = $2 WHERE id = 1`, w.headSeq, w.headHash); err != nil {
		return fmt.Errorf("audit head: %w", err)
	}
	return nil
}

// inWrite runs fn in a write transaction (READ COMMITTED, chain_head locked
// first) and commits when fn returns nil; any error rolls everything back.
// Every public method that writes owns exactly one such transaction. A
// serialization failure or deadlock runs fn again in a new transaction, so
// fn must set nothing outside itself that a second run would not set anew:
// callers copy results to their arguments after inWrite succeeds.
func (db *DB) inWrite(ctx context.Context, fn func(tx *wtx) error) error {
	for attempt := 1; ; attempt++ {
		err := db.writeOnce(ctx, fn)
		if err == nil || attempt == maxAttempts || !retryable(err) {
			return translate(err)
		}
		// Back off 5–10 ms, 10–20 ms, … so that the retried writers spread.
		d := time.Duration(5<<(attempt-1)) * time.Millisecond
		d += rand.N(d)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(d):
		}
	}
}

// writeOnce is one attempt of inWrite.
func (db *DB) writeOnce(ctx context.Context, fn func(tx *wtx) error) error {
	select {
	case db.writer <- struct{}{}:
		defer func() { <-db.writer }()
	case <-ctx.Done():
		return ctx.Err()
	}
	tx, err := db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return err
	}
	// A no-op after Commit; after a failure it ends the transaction even
	// when ctx is what failed.
	defer tx.Rollback(context.WithoutCancel(ctx))
	w := &wtx{Tx: tx}
	if err := w.lockHead(ctx); err != nil {
		return err
	}
	if err := fn(w); err != nil {
		return err
	}
	if err := w.saveHead(ctx); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// inRead runs fn in a read-only REPEATABLE READ transaction, so that a
// method issuing several queries sees one snapshot of the database.
func (db *DB) inRead(ctx context.Context, fn func(tx pgx.Tx) error) error {
	tx, err := db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return translate(err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if err := fn(tx); err != nil {
		return translate(err)
	}
	return translate(tx.Commit(ctx))
}

// eachRow runs q and calls fn for every row.
func eachRow(ctx context.Context, q querier, sql string, args []any, fn func(pgx.Rows) error) error {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// params numbers the placeholders of a query built piece by piece.
type params []any

// add appends v and returns its placeholder ($1, $2, …).
func (p *params) add(v any) string {
	*p = append(*p, v)
	return fmt.Sprintf("$%d", len(*p))
}

// nullDate maps the empty Date to NULL; a date is sent as its ISO text.
func nullDate(d gongfu.Date) any {
	if d == "" {
		return nil
	}
	return string(d)
}

// dateOf maps a DATE column to a Date, NULL to "".
func dateOf(d pgtype.Date) gongfu.Date {
	if !d.Valid || d.InfinityModifier != pgtype.Finite {
		return ""
	}
	return gongfu.Date(d.Time.Format(time.DateOnly))
}

// timeOf maps a nullable TIMESTAMPTZ to UTC, NULL to the zero time.
func timeOf(t pgtype.Timestamptz) time.Time {
	if !t.Valid || t.InfinityModifier != pgtype.Finite {
		return time.Time{}
	}
	return t.Time.UTC()
}

// nullID maps id 0 (none) to NULL.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// SQLSTATE codes the store acts on.
const (
	codeUniqueViolation      = "23505"
	codeForeignKeyViolation  = "23503"
	codeCheckViolation       = "23514"
	codeSerializationFailure = "40001"
	codeDeadlockDetected     = "40P01"
	codeLockNotAvailable     = "55P03"
	codeProgramLimitExceeded = "54000"
	codeDiskFull             = "53100"
	codeReadOnlyTransaction  = "25006"
)

// pgCode returns the SQLSTATE of the first *pgconn.PgError in err's chain.
func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// retryable reports whether a transaction that failed with err may succeed
// when run again.
func retryable(err error) bool {
	var ge *gongfu.Error
	if errors.As(err, &ge) {
		return false
	}
	switch pgCode(err) {
	case codeSerializationFailure, codeDeadlockDetected:
		return true
	}
	return false
}

// isUnique reports whether err is a unique-constraint violation.
func isUnique(err error) bool { return pgCode(err) == codeUniqueViolation }

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
	code := pgCode(err)
	var e *gongfu.Error
	switch {
	case code == "":
		return err
	case code == codeUniqueViolation:
		e = gongfu.Failf(gongfu.ECONFLICT, "数据已存在")
	case code == codeForeignKeyViolation:
		e = gongfu.Failf(gongfu.EINVALID, "引用的数据不存在")
	case code == codeCheckViolation:
		e = gongfu.Failf(gongfu.EINVALID, "数据不符合要求")
	case strings.HasPrefix(code, "22"):
		e = gongfu.Failf(gongfu.EINVALID, "数据含有无法保存的字符或超出范围的数值")
	case code == codeSerializationFailure || code == codeDeadlockDetected || code == codeLockNotAvailable:
		e = gongfu.Failf(gongfu.ECONFLICT, "数据库繁忙，请稍后重试")
	case code == codeProgramLimitExceeded:
		e = gongfu.Failf(gongfu.ETOOLARGE, "数据过大，无法保存")
	case code == codeDiskFull:
		e = gongfu.Failf(gongfu.ETOOLARGE, "磁盘空间不足")
	case code == codeReadOnlyTransaction:
		e = gongfu.Failf(gongfu.EFORBIDDEN, "数据库为只读")
	default:
		return err
	}
	return &wrapped{e: e, cause: err}
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
