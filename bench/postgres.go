package bench

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"gongfu/live"
	"gongfu/progress"
)

// The PostgreSQL setup, as an expert would make it for this workload:
//
//   - Each run works in a schema of its own (gongfu_bench_<pid>_<time>),
//     dropped at the end, so a bench never touches other data.
//   - The same fact table as SQLite's, int4 keys and float8 figures, and a
//     regular (logged) table, not UNLOGGED: an unlogged table is emptied
//     after a crash, so writes to it are not acknowledged in the sense the
//     write-to-visible figure measures (surviving SIGKILL of the server).
//     The load pays for the WAL; it is not one of the goals measured.
//   - COPY (binary, pgx CopyFrom) in key order, then the primary key
//     (township, target, month, village) INCLUDE (value, den) and a
//     covering index per query, each (keys) INCLUDE (value, den), built
//     with maintenance_work_mem = 1GB; then VACUUM (ANALYZE), which also
//     sets the visibility map so that every query is an index-only scan.
//   - Sessions run with jit = off (JIT compilation costs more than these
//     short queries take), work_mem = 64MB, statements prepared once (pgx's
//     statement cache), parallel query left at the server's setting.
//   - Writes commit with synchronous_commit = on, the default: durable.
//
// The server's own configuration (shared_buffers and so on) is left as
// found; the table and indexes of a province fit in the OS page cache.
type pgEngine struct {
	ds     *Dataset
	conn   *pgx.Conn // queries
	wconn  *pgx.Conn // writes, so that visibility is across sessions
	schema string
	sql    [numKinds]string
}

func openPG(ctx context.Context, url string, ds *Dataset) (*pgEngine, error) {
	e := &pgEngine{ds: ds, schema: fmt.Sprintf("gongfu_bench_%d_%d", os.Getpid(), time.Now().UnixNano())}
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	cfg.RuntimeParams["jit"] = "off"
	cfg.RuntimeParams["work_mem"] = "64MB"
	cfg.RuntimeParams["maintenance_work_mem"] = "1GB"
	cfg.RuntimeParams["search_path"] = e.schema
	if e.conn, err = pgx.ConnectConfig(ctx, cfg); err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if _, err := e.conn.Exec(ctx, `CREATE SCHEMA `+e.schema); err != nil {
		e.conn.Close(ctx)
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if e.wconn, err = pgx.ConnectConfig(ctx, cfg); err != nil {
		e.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if _, err := e.conn.Exec(ctx, `CREATE TABLE vals (
		township int4 NOT NULL, target int4 NOT NULL, month int4 NOT NULL, village int4 NOT NULL,
		county int4 NOT NULL, city int4 NOT NULL, value float8 NOT NULL, den float8)`); err != nil {
		e.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return e, nil
}

// Load copies the dataset into the table.
func (e *pgEngine) Load(ctx context.Context, pr *progress.Reporter) (int64, error) {
	rows := make(chan []Row, 8)
	gctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() { // generate while the server parses
		defer close(rows)
		batch := make([]Row, 0, 4096)
		e.ds.Each(0, e.ds.Townships, func(r *Row) bool {
			batch = append(batch, *r)
			if len(batch) == cap(batch) {
				select {
				case rows <- batch:
				case <-gctx.Done():
					return false
				}
				batch = make([]Row, 0, 4096)
			}
			return true
		})
		if len(batch) > 0 {
			select {
			case rows <- batch:
			case <-gctx.Done():
			}
		}
	}()
	var cur []Row
	vals := make([]any, 8)
	src := pgx.CopyFromFunc(func() ([]any, error) {
		if len(cur) == 0 {
			var ok bool
			if cur, ok = <-rows; !ok {
				return nil, nil
			}
			pr.Add(int64(len(cur)))
		}
		r := &cur[0]
		cur = cur[1:]
		vals[0], vals[1], vals[2], vals[3] = r.Township, r.Target, r.Month, r.Village
		vals[4], vals[5], vals[6] = r.County, r.City, r.Value
		if r.Rate {
			vals[7] = r.Den
		} else {
			vals[7] = nil
		}
		return vals, nil
	})
	n, err := e.conn.CopyFrom(ctx, pgx.Identifier{e.schema, "vals"},
		[]string{"township", "target", "month", "village", "county", "city", "value", "den"}, src)
	if err != nil {
		return n, fmt.Errorf("postgres copy: %w", err)
	}
	return n, nil
}

// Index builds the key and indexes and runs VACUUM (ANALYZE).
func (e *pgEngine) Index(ctx context.Context, pr *progress.Reporter) error {
	for _, s := range []string{
		`ALTER TABLE vals ADD CONSTRAINT vals_pkey PRIMARY KEY (township, target, month, village) INCLUDE (value, den)`,
		`CREATE INDEX vals_city ON vals (city, month, target) INCLUDE (value, den)`,
		`CREATE INDEX vals_county ON vals (county, month, target) INCLUDE (value, den)`,
		`CREATE INDEX vals_month ON vals (month, target, county) INCLUDE (value, den)`,
		`VACUUM (ANALYZE) vals`,
	} {
		pr.Begin("postgres: "+strings.SplitN(s, " (", 2)[0], 0)
		if _, err := e.conn.Exec(ctx, s); err != nil {
			return fmt.Errorf("postgres: %s: %w", s, err)
		}
		pr.End()
	}
	e.sql = [numKinds]string{
		CityOverview:  `SELECT target, sum(value), coalesce(sum(den), 0), count(*)::int4 FROM vals WHERE city = $1 AND month = $2 GROUP BY target`,
		CountyTable:   `SELECT target, sum(value), coalesce(sum(den), 0), count(*)::int4 FROM vals WHERE county = $1 AND month = $2 GROUP BY target`,
		TownshipTrend: `SELECT month, sum(value), coalesce(sum(den), 0), count(*)::int4 FROM vals WHERE township = $1 AND target = $2 GROUP BY month`,
		Equalization: `SELECT county * ` + strconv.Itoa(e.ds.Targets) + ` + target, sum(value), coalesce(sum(den), 0), count(*)::int4 FROM vals
			WHERE month = $1 AND target IN (` + rateList(e.ds) + `) GROUP BY target, county`,
	}
	return nil
}

func (e *pgEngine) Name() string { return "postgres" }

func (e *pgEngine) Answer(ctx context.Context, q Query) (Answer, error) {
	var rows pgx.Rows
	var err error
	switch q.Kind {
	case CityOverview:
		rows, err = e.conn.Query(ctx, e.sql[q.Kind], q.City, q.Month)
	case CountyTable:
		rows, err = e.conn.Query(ctx, e.sql[q.Kind], q.County, q.Month)
	case TownshipTrend:
		rows, err = e.conn.Query(ctx, e.sql[q.Kind], q.Township, q.Target)
	default:
		rows, err = e.conn.Query(ctx, e.sql[q.Kind], q.Month)
	}
	if err != nil {
		return Answer{}, err
	}
	defer rows.Close()
	n := aggLen(e.ds, q.Kind)
	aggs := make([]live.Agg, n)
	for rows.Next() {
		var k int32
		var a live.Agg
		if err := rows.Scan(&k, &a.Sum, &a.Den, &a.N); err != nil {
			return Answer{}, err
		}
		if k < 0 || int(k) >= n {
			return Answer{}, fmt.Errorf("postgres: key %d out of range", k)
		}
		aggs[k] = a
	}
	if err := rows.Err(); err != nil {
		return Answer{}, err
	}
	return aggAnswer(e.ds, q, aggs), nil
}

func (e *pgEngine) Write(ctx context.Context, r Row) error {
	var den any
	if r.Rate {
		den = r.Den
	}
	_, err := e.wconn.Exec(ctx, `UPDATE vals SET value = $1, den = $2 WHERE township = $3 AND target = $4 AND month = $5 AND village = $6`,
		r.Value, den, r.Township, r.Target, r.Month, r.Village)
	return err
}

// BackendRSS returns the resident memory of the query session's server
// process in MiB, when the server runs on this machine and /proc is
// readable; 0 otherwise.
func (e *pgEngine) BackendRSS(ctx context.Context) float64 {
	var pid int
	if err := e.conn.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
		return 0
	}
	return procRSS(fmt.Sprintf("/proc/%d/status", pid))
}

// Close drops the run's schema and closes the sessions.
func (e *pgEngine) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var err error
	if e.wconn != nil {
		e.wconn.Close(ctx)
	}
	if e.conn != nil && !e.conn.IsClosed() {
		_, err = e.conn.Exec(ctx, `DROP SCHEMA IF EXISTS `+e.schema+` CASCADE`)
		e.conn.Close(ctx)
	}
	return err
}
