package bench

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strings"
	"time"

	"gongfu/live"
	"gongfu/progress"

	_ "modernc.org/sqlite" // the pure-Go SQLite driver, as the sqlite store uses
)

// The SQLite setup, as an expert would make it for this workload:
//
//   - One fact table carrying the hierarchy beside the village, so that no
//     query joins: vals(township, target, month, village, county, city,
//     value, den). ("values" is an SQL keyword.) It is WITHOUT ROWID with
//     the primary key (township, target, month, village): the key a write
//     updates by, and in that order it also answers the township trend by
//     a range scan, so that query needs no index of its own.
//   - The load inserts in key order (an append to the B-tree) with a
//     prepared multi-row INSERT, in transactions of about a million rows,
//     with journal_mode=OFF and synchronous=OFF. That is honest for a bulk
//     load into a fresh file: a crash mid-load may leave the file corrupt,
//     and the load is then simply redone; no acknowledged write depends on
//     it until it is complete. The indexes are created after the
//     load (sorting once is far cheaper than maintaining them row by row),
//     then ANALYZE.
//   - A covering index per remaining query, so that each reads only index
//     pages in the order its GROUP BY needs: (city, month, target, value,
//     den), (county, month, target, value, den) and (month, target, county,
//     value, den) for the equalization.
//   - A 1 GiB page cache and a memory-mapped file, temp_store=MEMORY, and
//     two sorter threads for CREATE INDEX.
//   - After the load the file is switched to WAL; writes run with
//     synchronous=FULL, so that an acknowledged write survives a SIGKILL
//     and a power cut alike.
type sqliteEngine struct {
	db    *sql.DB
	ds    *Dataset
	path  string
	q     [numKinds]*sql.Stmt
	write *sql.Stmt
}

// sqliteDSN returns the DSN of path with the load-time or serving pragmas.
func sqliteDSN(path string, load bool) string {
	mode := "&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)"
	if load {
		mode = "&_pragma=journal_mode(OFF)&_pragma=synchronous(OFF)"
	}
	return path + "?_pragma=busy_timeout(5000)" + mode + "&_pragma=cache_size(-1048576)" +
		"&_pragma=temp_store(MEMORY)&_pragma=mmap_size(34359738368)&_pragma=threads(2)"
}

func sqliteOpenDB(path string, load bool) (*sql.DB, error) {
	db, err := sql.Open("sqlite", sqliteDSN(path, load))
	if err != nil {
		return nil, err
	}
	// One connection, never recycled: the pragmas are per connection.
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	return db, nil
}

func openSQLite(ctx context.Context, path string, ds *Dataset) (*sqliteEngine, error) {
	db, err := sqliteOpenDB(path, true)
	if err != nil {
		return nil, err
	}
	e := &sqliteEngine{db: db, ds: ds, path: path}
	if _, err := db.ExecContext(ctx, `DROP TABLE IF EXISTS vals`); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	if _, err := db.ExecContext(ctx, `CREATE TABLE vals (
		township INTEGER NOT NULL, target INTEGER NOT NULL, month INTEGER NOT NULL, village INTEGER NOT NULL,
		county INTEGER NOT NULL, city INTEGER NOT NULL, value REAL NOT NULL, den REAL,
		PRIMARY KEY (township, target, month, village)) WITHOUT ROWID`); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	return e, nil
}

// sqliteBatch is the rows per INSERT statement (8 parameters each, well
// under SQLite's limit of 32,766).
const sqliteBatch = 256

// Load inserts the dataset's rows; it returns how many.
//
// It works on the driver's connection directly (sql.Conn.Raw): one
// statement prepared once, explicit BEGIN/COMMIT, and the arguments handed
// to the driver as they are, skipping database/sql's per-argument
// conversion, which a profile showed costing a fifth of the load.
func (e *sqliteEngine) Load(ctx context.Context, pr *progress.Reporter) (int64, error) {
	const cols = "(township, target, month, village, county, city, value, den)"
	ph := strings.TrimSuffix(strings.Repeat("(?,?,?,?,?,?,?,?),", sqliteBatch), ",")
	conn, err := e.db.Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	var n int64
	err = conn.Raw(func(dc any) error {
		c, ok1 := dc.(driver.ConnPrepareContext)
		x, ok2 := dc.(driver.ExecerContext)
		if !ok1 || !ok2 {
			return fmt.Errorf("the SQLite driver does not prepare or execute with a context")
		}
		exec := func(q string, args []driver.NamedValue) error {
			_, err := x.ExecContext(ctx, q, args)
			return err
		}
		st, err := c.PrepareContext(ctx, "INSERT INTO vals "+cols+" VALUES "+ph)
		if err != nil {
			return err
		}
		defer st.Close()
		full, ok := st.(driver.StmtExecContext)
		if !ok {
			return fmt.Errorf("the SQLite driver does not execute statements with a context")
		}
		if err := exec("BEGIN", nil); err != nil {
			return err
		}
		args := make([]driver.NamedValue, 8*sqliteBatch)
		for i := range args {
			args[i].Ordinal = i + 1
		}
		var rows, inTx int64
		var ferr error
		flush := func() bool {
			if rows == 0 {
				return true
			}
			if rows == sqliteBatch {
				_, ferr = full.ExecContext(ctx, args)
			} else {
				ferr = exec("INSERT INTO vals "+cols+" VALUES "+ph[:rows*18-1], args[:8*rows])
			}
			if ferr != nil {
				return false
			}
			n += rows
			inTx += rows
			pr.Add(rows)
			rows = 0
			if inTx >= 1<<20 {
				if ferr = exec("COMMIT", nil); ferr != nil {
					return false
				}
				if ferr = exec("BEGIN", nil); ferr != nil {
					return false
				}
				inTx = 0
				if ferr = ctx.Err(); ferr != nil {
					return false
				}
			}
			return true
		}
		e.ds.Each(0, e.ds.Townships, func(r *Row) bool {
			a := args[8*rows : 8*rows+8]
			a[0].Value, a[1].Value, a[2].Value, a[3].Value = int64(r.Township), int64(r.Target), int64(r.Month), int64(r.Village)
			a[4].Value, a[5].Value, a[6].Value, a[7].Value = int64(r.County), int64(r.City), r.Value, nil
			if r.Rate {
				a[7].Value = r.Den
			}
			if rows++; rows == sqliteBatch {
				return flush()
			}
			return true
		})
		if ferr == nil {
			flush()
		}
		if ferr == nil {
			ferr = exec("COMMIT", nil)
		}
		if ferr != nil {
			exec("ROLLBACK", nil)
		}
		return ferr
	})
	if err != nil {
		return n, fmt.Errorf("sqlite load: %w", err)
	}
	return n, nil
}

// Index creates the query indexes, runs ANALYZE (with analysis_limit, as
// SQLite advises for large tables: it samples the indexes instead of
// reading all of them, and the plans here do not depend on fine
// statistics), switches to WAL with synchronous=FULL, and prepares the
// statements.
func (e *sqliteEngine) Index(ctx context.Context, pr *progress.Reporter) error {
	for _, s := range []string{
		`CREATE INDEX vals_city ON vals (city, month, target, value, den)`,
		`CREATE INDEX vals_county ON vals (county, month, target, value, den)`,
		`CREATE INDEX vals_month ON vals (month, target, county, value, den)`,
		`PRAGMA analysis_limit=1000`,
		`ANALYZE`,
	} {
		long := !strings.HasPrefix(s, "PRAGMA")
		if long {
			pr.Begin("sqlite: "+strings.SplitN(s, " (", 2)[0], 0)
		}
		if _, err := e.db.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("sqlite: %s: %w", s, err)
		}
		if long {
			pr.End()
		}
	}
	// Reopen with the serving pragmas (WAL, synchronous=FULL) and check
	// they hold: the write-to-visible figure must be for durable writes.
	if err := e.db.Close(); err != nil {
		return err
	}
	var err error
	if e.db, err = sqliteOpenDB(e.path, false); err != nil {
		return err
	}
	var mode string
	var sync int
	if err := e.db.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil {
		return err
	}
	if err := e.db.QueryRowContext(ctx, `PRAGMA synchronous`).Scan(&sync); err != nil {
		return err
	}
	if mode != "wal" || sync != 2 {
		return fmt.Errorf("sqlite: journal_mode %s, synchronous %d; want wal and 2 (FULL)", mode, sync)
	}
	return e.prepare(ctx)
}

func (e *sqliteEngine) prepare(ctx context.Context) error {
	qs := [numKinds]string{
		CityOverview:  `SELECT target, SUM(value), TOTAL(den), COUNT(*) FROM vals WHERE city = ?1 AND month = ?2 GROUP BY target`,
		CountyTable:   `SELECT target, SUM(value), TOTAL(den), COUNT(*) FROM vals WHERE county = ?1 AND month = ?2 GROUP BY target`,
		TownshipTrend: `SELECT month, SUM(value), TOTAL(den), COUNT(*) FROM vals WHERE township = ?1 AND target = ?2 GROUP BY month`,
		Equalization: `SELECT county * ` + fmt.Sprint(e.ds.Targets) + ` + target, SUM(value), TOTAL(den), COUNT(*) FROM vals
			WHERE month = ?1 AND target IN (` + rateList(e.ds) + `) GROUP BY target, county`,
	}
	for k, s := range qs {
		st, err := e.db.PrepareContext(ctx, s)
		if err != nil {
			return fmt.Errorf("sqlite: prepare %s: %w", QueryKind(k), err)
		}
		e.q[k] = st
	}
	var err error
	e.write, err = e.db.PrepareContext(ctx, `UPDATE vals SET value = ?1, den = ?2 WHERE township = ?3 AND target = ?4 AND month = ?5 AND village = ?6`)
	return err
}

func (e *sqliteEngine) Name() string { return "sqlite" }

func (e *sqliteEngine) Answer(ctx context.Context, q Query) (Answer, error) {
	var rows *sql.Rows
	var err error
	switch q.Kind {
	case CityOverview:
		rows, err = e.q[q.Kind].QueryContext(ctx, q.City, q.Month)
	case CountyTable:
		rows, err = e.q[q.Kind].QueryContext(ctx, q.County, q.Month)
	case TownshipTrend:
		rows, err = e.q[q.Kind].QueryContext(ctx, q.Township, q.Target)
	default:
		rows, err = e.q[q.Kind].QueryContext(ctx, q.Month)
	}
	if err != nil {
		return Answer{}, err
	}
	aggs, err := scanAggs(rows, aggLen(e.ds, q.Kind))
	if err != nil {
		return Answer{}, err
	}
	return aggAnswer(e.ds, q, aggs), nil
}

// scanAggs reads (key, sum, den, count) rows into roll-ups by key.
func scanAggs(rows *sql.Rows, n int) ([]live.Agg, error) {
	defer rows.Close()
	aggs := make([]live.Agg, n)
	for rows.Next() {
		var k int
		var a live.Agg
		if err := rows.Scan(&k, &a.Sum, &a.Den, &a.N); err != nil {
			return nil, err
		}
		if k < 0 || k >= n {
			return nil, fmt.Errorf("key %d out of range", k)
		}
		aggs[k] = a
	}
	return aggs, rows.Err()
}

func (e *sqliteEngine) Write(ctx context.Context, r Row) error {
	var den any
	if r.Rate {
		den = r.Den
	}
	_, err := e.write.ExecContext(ctx, r.Value, den, r.Township, r.Target, r.Month, r.Village)
	return err
}

// Scan reads the fact table back, as gongfu's start-up builds its index
// from the store.
func (e *sqliteEngine) Scan(ctx context.Context, fn func(live.Leaf)) error {
	rows, err := e.db.QueryContext(ctx, `SELECT village, target, month, value, den FROM vals`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var l live.Leaf
		var den sql.NullFloat64
		if err := rows.Scan(&l.Village, &l.Target, &l.Month, &l.Value, &den); err != nil {
			return err
		}
		l.Den = den.Float64
		fn(l)
	}
	return rows.Err()
}

func (e *sqliteEngine) Close() error {
	for _, s := range e.q {
		if s != nil {
			s.Close()
		}
	}
	if e.write != nil {
		e.write.Close()
	}
	return e.db.Close()
}

// since returns the milliseconds since t.
func since(t time.Time) float64 { return float64(time.Since(t).Nanoseconds()) / 1e6 }
