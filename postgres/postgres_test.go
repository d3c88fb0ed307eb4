package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gongfu"
	"gongfu/storetest"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// envURL names the variable holding the test server's URL. CI sets it
// (.ci/run) and insists that the server answers; a developer without
// PostgreSQL leaves it unset and these tests skip.
const envURL = "GONGFU_TEST_PG"

// TestMain fails the whole package at once, with one clear message, when
// GONGFU_TEST_PG is set but its server cannot be reached: set means "test
// against PostgreSQL", and a quiet skip would hide that nothing was tested.
func TestMain(m *testing.M) {
	if u := os.Getenv(envURL); u != "" {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		conn, err := pgx.Connect(ctx, u)
		if err == nil {
			err = conn.Ping(ctx)
			conn.Close(ctx)
		}
		cancel()
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s is set but PostgreSQL cannot be reached: %v\n", envURL, err)
			os.Exit(1)
		}
	}
	os.Exit(m.Run())
}

// serverURL returns the test server's URL, skipping t when none is set.
func serverURL(t *testing.T) string {
	t.Helper()
	u := os.Getenv(envURL)
	if u == "" {
		t.Skipf("%s is not set: no PostgreSQL to test against (e.g. %s='postgres://postgres@127.0.0.1:5432/test?sslmode=disable')", envURL, envURL)
	}
	return u
}

// newSchema creates a schema of its own for t (gongfu_test_<random>) and
// drops it, with everything in it, when t ends.
func newSchema(t *testing.T) string {
	t.Helper()
	u := serverURL(t)
	b := make([]byte, 8)
	rand.Read(b)
	name := "gongfu_test_" + hex.EncodeToString(b)
	exec := func(ctx context.Context, sql string) error {
		conn, err := pgx.Connect(ctx, u)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, sql)
		return err
	}
	if err := exec(t.Context(), `CREATE SCHEMA `+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		// t.Context is done by now: clean up on a context of its own.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := exec(ctx, `DROP SCHEMA `+pgx.Identifier{name}.Sanitize()+` CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", name, err)
		}
	})
	return name
}

// schemaConfig is the pool configuration for the server with search_path
// set to schema.
func schemaConfig(t *testing.T, schema string) *pgxpool.Config {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(serverURL(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg.ConnConfig.RuntimeParams["search_path"] = schema
	return cfg
}

// openSchema opens a store on schema, closed at the end of the test.
func openSchema(t *testing.T, schema string) *DB {
	t.Helper()
	db, err := OpenConfig(t.Context(), schemaConfig(t, schema))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// openTemp opens a store on a new, empty schema.
func openTemp(t *testing.T) *DB {
	t.Helper()
	return openSchema(t, newSchema(t))
}

// tamper edits or deletes audit rows with raw SQL, as someone with a
// superuser's psql would.
func tamper(t *testing.T, s gongfu.Store, how storetest.Tampering, seq int64) {
	t.Helper()
	db := s.(*DB)
	var q string
	switch how {
	case storetest.EditEntry:
		q = `UPDATE audit_log SET new = new || '0' WHERE seq = $1`
	case storetest.DeleteEntry:
		q = `DELETE FROM audit_log WHERE seq = $1`
	default:
		t.Fatalf("unknown tampering %v", how)
	}
	tag, err := db.pool.Exec(t.Context(), q, seq)
	if err != nil {
		t.Fatal(err)
	}
	if n := tag.RowsAffected(); n != 1 {
		t.Fatalf("%v of audit entry %d changed %d rows", how, seq, n)
	}
}

func TestConformance(t *testing.T) {
	serverURL(t)
	storetest.Run(t, func(t *testing.T) gongfu.Store { return openTemp(t) }, tamper)
}

// sqliteMigrations are the file names of the SQLite store's migrations.
func sqliteMigrations(t *testing.T) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("..", "sqlite", "migrations", "*.sql"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("sqlite migrations: %v %v", paths, err)
	}
	var names []string
	for _, p := range paths {
		names = append(names, filepath.Base(p))
	}
	slices.Sort(names)
	return names
}

// TestSameMigrationsAsSQLite keeps the two stores' schemas in step: every
// SQLite migration has its PostgreSQL counterpart of the same name. It
// needs no server.
func TestSameMigrationsAsSQLite(t *testing.T) {
	got, err := migrationNames()
	if err != nil {
		t.Fatal(err)
	}
	if want := sqliteMigrations(t); !slices.Equal(got, want) {
		t.Errorf("postgres migrations %v, sqlite migrations %v: write the missing ones", got, want)
	}
}

// tableColumns returns "table.column" for every column of the tables in
// the current schema.
func tableColumns(t *testing.T, db *DB) []string {
	t.Helper()
	var out []string
	err := eachRow(t.Context(), db.pool, `SELECT table_name, column_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name <> 'schema_migrations'`, nil, func(r pgx.Rows) error {
		var tbl, col string
		if err := r.Scan(&tbl, &col); err != nil {
			return err
		}
		out = append(out, tbl+"."+col)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// TestSameColumnsAsSQLite: the tables and columns are SQLite's, plus the pos
// of the unit tables that SQLite's rowid stands in for.
func TestSameColumnsAsSQLite(t *testing.T) {
	db := openTemp(t)
	got := tableColumns(t, db)
	// The SQLite schema, read from its migration files' CREATE TABLEs.
	var want []string
	for _, name := range sqliteMigrations(t) {
		b, err := os.ReadFile(filepath.Join("..", "sqlite", "migrations", name))
		if err != nil {
			t.Fatal(err)
		}
		table := ""
		for _, line := range strings.Split(string(b), "\n") {
			f := strings.Fields(line)
			switch {
			case len(f) >= 3 && f[0] == "CREATE" && f[1] == "TABLE":
				table = f[2]
			case len(f) >= 6 && f[0] == "ALTER" && f[1] == "TABLE" && f[3] == "ADD" && f[4] == "COLUMN":
				want = append(want, f[2]+"."+f[5])
			case table != "" && len(f) > 0 && f[0] == ");":
				table = ""
			case table != "" && len(f) >= 2 && !strings.HasPrefix(f[0], "--") && f[0] == strings.ToLower(f[0]):
				// A column: its name is lower case; PRIMARY, UNIQUE and
				// CHECK lines start with a keyword in capitals.
				want = append(want, table+"."+f[0])
			}
		}
	}
	want = append(want, "target_units.pos", "milestone_units.pos")
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("columns differ from SQLite's\n got %v\nwant %v", got, want)
	}
}

func appliedMigrations(t *testing.T, db *DB) []string {
	t.Helper()
	var out []string
	err := eachRow(t.Context(), db.pool, `SELECT version FROM schema_migrations ORDER BY version`, nil, func(r pgx.Rows) error {
		var v string
		if err := r.Scan(&v); err != nil {
			return err
		}
		out = append(out, v)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestMigrationsIdempotent(t *testing.T) {
	schema := newSchema(t)
	ctx := t.Context()
	db, err := OpenConfig(ctx, schemaConfig(t, schema))
	if err != nil {
		t.Fatal(err)
	}
	want, err := migrationNames()
	if err != nil {
		t.Fatal(err)
	}
	if got := appliedMigrations(t, db); !slices.Equal(got, want) {
		t.Errorf("applied %v, want %v", got, want)
	}
	res, err := db.ImportPlan(ctx, storetest.SamplePlan(), storetest.SampleOrgs())
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	for range 2 {
		db := openSchema(t, schema)
		if got := appliedMigrations(t, db); !slices.Equal(got, want) {
			t.Errorf("after reopening: applied %v, want %v", got, want)
		}
		p, err := db.FindPlanByID(ctx, res.PlanID)
		if err != nil {
			t.Fatalf("plan lost on reopen: %v", err)
		}
		if p.Title != storetest.SamplePlan().Title {
			t.Errorf("reopened plan title %q", p.Title)
		}
		if seq, err := db.VerifyAudit(ctx); seq != 0 || err != nil {
			t.Errorf("VerifyAudit after reopen = %d, %v", seq, err)
		}
	}
}

// TestConcurrentOpensMigrateOnce starts several stores on one new schema at
// the same moment, as several gongfu servers starting together would: the
// advisory lock lets one migrate and the others find nothing to do.
func TestConcurrentOpensMigrateOnce(t *testing.T) {
	schema := newSchema(t)
	const n = 6
	dbs := make([]*DB, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		cfg := schemaConfig(t, schema)
		wg.Go(func() {
			<-start
			dbs[i], errs[i] = OpenConfig(t.Context(), cfg)
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("open %d: %v", i, err)
		} else {
			t.Cleanup(func() { dbs[i].Close() })
		}
	}
	if t.Failed() {
		return
	}
	want, _ := migrationNames()
	if got := appliedMigrations(t, dbs[0]); !slices.Equal(got, want) {
		t.Errorf("applied %v, want each of %v once", got, want)
	}
	// Every store works on the one schema, and they share one chain.
	for i, db := range dbs {
		u := &gongfu.User{Name: fmt.Sprintf("server%d", i), Role: gongfu.RoleLeader, PasswordHash: "h"}
		if err := db.CreateUser(t.Context(), u); err != nil {
			t.Fatal(err)
		}
	}
	if head, _ := dbs[0].AuditHead(t.Context()); head != n {
		t.Errorf("audit head %d, want %d", head, n)
	}
	if seq, err := dbs[n-1].VerifyAudit(t.Context()); seq != 0 || err != nil {
		t.Errorf("VerifyAudit = %d, %v", seq, err)
	}
}

// TestConcurrentSavesFromTwoServers saves reports from two stores on one
// schema (two gongfu servers behind a load balancer) and from several
// goroutines on each: every save lands, and the chain they share holds.
func TestConcurrentSavesFromTwoServers(t *testing.T) {
	schema := newSchema(t)
	a, b := openSchema(t, schema), openSchema(t, schema)
	ctx := t.Context()
	orgs := storetest.SampleOrgs()
	var counties []*gongfu.Org
	for i := range 4 {
		name := fmt.Sprintf("测试%d县", i+1)
		counties = append(counties, &gongfu.Org{Name: name, Kind: gongfu.OrgCounty, Path: "温州市/" + name})
	}
	if _, err := a.EnsureOrgs(ctx, append(append([]*gongfu.Org{}, orgs...), counties...)); err != nil {
		t.Fatal(err)
	}
	res, err := b.ImportPlan(ctx, storetest.SamplePlan(), orgs)
	if err != nil {
		t.Fatal(err)
	}
	before, _ := a.AuditHead(ctx)

	const perWriter = 12
	var wg sync.WaitGroup
	var saves atomic.Int64
	errs := make(chan error, 100)
	start := make(chan struct{})
	for w, c := range counties {
		for s, db := range []*DB{a, b} {
			wg.Go(func() {
				<-start
				wctx := gongfu.WithActor(ctx, &gongfu.User{Name: fmt.Sprintf("rep%d-%d", w, s)})
				for m := range perWriter / 2 {
					period := fmt.Sprintf("2020-%02d", m*2+s+1)
					k := gongfu.ReportKey{PlanID: res.PlanID, ItemID: "1.1", OrgID: c.ID, Period: period}
					v := float64(m)
					r := &gongfu.Report{ReportKey: k, Value: &v}
					if err := db.SaveReport(wctx, r, 0); err != nil {
						errs <- err
						return
					}
					v2 := v + 0.5
					r.Value = &v2
					if err := db.SaveReport(wctx, r, 1); err != nil {
						errs <- err
						return
					}
					// A batch and a status change too, racing the others.
					if _, err := db.SetReportStatuses(wctx, []gongfu.ReportKey{k}, []gongfu.ReportStatus{gongfu.StatusDraft}, gongfu.StatusSubmitted, ""); err != nil {
						errs <- err
						return
					}
					saves.Add(3)
				}
			})
		}
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	want := int64(len(counties) * perWriter * 3)
	if got := saves.Load(); got != want {
		t.Fatalf("%d changes made, want %d", got, want)
	}
	if head, _ := b.AuditHead(ctx); head-before != want {
		t.Errorf("audit head moved by %d, want %d", head-before, want)
	}
	for _, db := range []*DB{a, b} {
		if seq, err := db.VerifyAudit(ctx); seq != 0 || err != nil {
			t.Errorf("VerifyAudit = %d, %v", seq, err)
		}
	}
	reps, err := a.FindReports(ctx, gongfu.ReportFilter{PlanID: res.PlanID, Status: gongfu.StatusSubmitted})
	if err != nil {
		t.Fatal(err)
	}
	if len(reps) != len(counties)*perWriter {
		t.Errorf("%d submitted reports, want %d", len(reps), len(counties)*perWriter)
	}
	for _, r := range reps {
		if r.Version != 3 || *r.Value != float64(int(*r.Value))+0.5 {
			t.Errorf("report %s: version %d value %v", r.ReportKey, r.Version, *r.Value)
		}
	}
}

func TestMigrationFromNewerProgramRefused(t *testing.T) {
	schema := newSchema(t)
	db := openSchema(t, schema)
	if _, err := db.pool.Exec(t.Context(),
		`INSERT INTO schema_migrations (version, applied_at) VALUES ('9999_future.sql', now())`); err != nil {
		t.Fatal(err)
	}
	_, err := OpenConfig(t.Context(), schemaConfig(t, schema))
	if code := gongfu.ErrorCode(err); code != gongfu.EINVALID {
		t.Errorf("opening a newer database: %v (code %q), want EINVALID", err, code)
	}
}

func TestNoSchemaInSearchPath(t *testing.T) {
	cfg := schemaConfig(t, "gongfu_test_does_not_exist")
	_, err := OpenConfig(t.Context(), cfg)
	if code := gongfu.ErrorCode(err); code != gongfu.EINVALID || !strings.Contains(gongfu.ErrorMessage(err), "search_path") {
		t.Errorf("open with no schema: %v (code %q), want EINVALID naming search_path", err, code)
	}
}

// TestOpenURL opens by URL with search_path as a query parameter, which pgx
// sends as a run-time parameter: the way `--db postgres://…?search_path=x`
// keeps gongfu's tables in a schema of their own.
func TestOpenURL(t *testing.T) {
	schema := newSchema(t)
	u, err := url.Parse(serverURL(t))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	db, err := Open(t.Context(), u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var where string
	if err := db.pool.QueryRow(t.Context(), `SELECT table_schema FROM information_schema.tables WHERE table_name = 'audit_log'
		AND table_schema = $1`, schema).Scan(&where); err != nil {
		t.Fatalf("audit_log not in schema %s: %v", schema, err)
	}
	for _, bad := range []string{"postgres://user:secret@[::1", "postgres://user:secret@host:notaport/db", "postgres://user:secret@host/db?sslmode=maybe"} {
		_, err := Open(t.Context(), bad)
		all := fmt.Sprint(err, gongfu.ErrorDetails(err))
		if gongfu.ErrorCode(err) != gongfu.EINVALID || strings.Contains(all, "secret") || len(gongfu.ErrorDetails(err)) == 0 {
			t.Errorf("bad URL %s: %s; want EINVALID saying why, without the password", bad, all)
		}
	}
}

// TestSessionSettings checks what every connection is set to: durable
// commits and a name in pg_stat_activity.
func TestSessionSettings(t *testing.T) {
	db := openTemp(t)
	for name, want := range map[string]string{"synchronous_commit": "on", "application_name": "gongfu",
		"lock_timeout": "30s", "idle_in_transaction_session_timeout": "1min"} {
		var got string
		if err := db.pool.QueryRow(t.Context(), `SELECT current_setting($1)`, name).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	// The URL's choice wins.
	cfg := schemaConfig(t, newSchema(t))
	cfg.ConnConfig.RuntimeParams["synchronous_commit"] = "remote_apply"
	other, err := OpenConfig(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	var got string
	other.pool.QueryRow(t.Context(), `SHOW synchronous_commit`).Scan(&got)
	if got != "remote_apply" {
		t.Errorf("synchronous_commit = %q with remote_apply asked for", got)
	}
}

// TestNoOtherAuditTable guards the rule that only the audit log has "audit"
// in its name: an outside check tampers with every such table and expects
// VerifyAudit to notice.
func TestNoOtherAuditTable(t *testing.T) {
	db := openTemp(t)
	var names []string
	err := eachRow(t.Context(), db.pool, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_name LIKE '%audit%'`, nil, func(r pgx.Rows) error {
		var n string
		if err := r.Scan(&n); err != nil {
			return err
		}
		names = append(names, n)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(names, []string{"audit_log"}) {
		t.Errorf("tables named like audit: %v, want only audit_log", names)
	}
}

// TestTamperFirstRowAnyColumn edits each column of the first audit row in
// turn and expects VerifyAudit to report entry 1 every time, never an
// internal error.
func TestTamperFirstRowAnyColumn(t *testing.T) {
	serverURL(t)
	edits := []string{
		`UPDATE audit_log SET at = '2001-01-01T00:00:00Z' WHERE seq = 1`,
		`UPDATE audit_log SET at = 'yesterday' WHERE seq = 1`,
		`UPDATE audit_log SET actor = 'mallory' WHERE seq = 1`,
		`UPDATE audit_log SET action = 'x' WHERE seq = 1`,
		`UPDATE audit_log SET object = 'org/999' WHERE seq = 1`,
		`UPDATE audit_log SET old = 'x' WHERE seq = 1`,
		`UPDATE audit_log SET new = '' WHERE seq = 1`,
		`UPDATE audit_log SET reason = 42 WHERE seq = 1`,
		`UPDATE audit_log SET result = 'failed' WHERE seq = 1`,
		`UPDATE audit_log SET prev = 'abc' WHERE seq = 1`,
		`UPDATE audit_log SET hash = upper(hash) WHERE seq = 1`,
		`UPDATE audit_log SET seq = 100 WHERE seq = 1`,
		`ALTER TABLE audit_log ALTER COLUMN reason DROP NOT NULL; UPDATE audit_log SET reason = NULL WHERE seq = 1`,
	}
	for _, q := range edits {
		t.Run(q, func(t *testing.T) {
			db := openTemp(t)
			ctx := t.Context()
			if _, err := db.EnsureOrgs(ctx, storetest.SampleOrgs()); err != nil {
				t.Fatal(err)
			}
			if _, err := db.pool.Exec(ctx, q); err != nil {
				t.Fatal(err)
			}
			seq, err := db.VerifyAudit(ctx)
			if seq != 1 || gongfu.ErrorCode(err) != gongfu.EINVALID {
				t.Errorf("VerifyAudit = %d, %v; want 1, EINVALID", seq, err)
			}
		})
	}
}

// TestChainHeadMissing: deleting the head row is tampering too, and the
// next change still has a row to line up on.
func TestChainHeadMissing(t *testing.T) {
	db := openTemp(t)
	ctx := t.Context()
	if _, err := db.EnsureOrgs(ctx, storetest.SampleOrgs()[:2]); err != nil {
		t.Fatal(err)
	}
	if _, err := db.pool.Exec(ctx, `DELETE FROM chain_head`); err != nil {
		t.Fatal(err)
	}
	if seq, err := db.VerifyAudit(ctx); seq != 1 || err == nil {
		t.Errorf("VerifyAudit without a head = %d, %v; want 1", seq, err)
	}
	if err := db.CreateUser(ctx, &gongfu.User{Name: "admin", Role: gongfu.RoleAdmin, PasswordHash: "h"}); err != nil {
		t.Fatalf("write after the head was deleted: %v", err)
	}
	if seq, err := db.VerifyAudit(ctx); seq == 0 || err == nil {
		t.Errorf("VerifyAudit after a later change = %d, %v; want the damage still shown", seq, err)
	}
}

// TestAuditRowsAddedOutsideDoNotBlockWrites: a row inserted behind the
// store's back is reported, and later changes still succeed.
func TestAuditRowsAddedOutsideDoNotBlockWrites(t *testing.T) {
	db := openTemp(t)
	ctx := t.Context()
	if _, err := db.EnsureOrgs(ctx, storetest.SampleOrgs()[:1]); err != nil {
		t.Fatal(err)
	}
	if _, err := db.pool.Exec(ctx, `INSERT INTO audit_log (seq, at, actor, action, object, prev, hash)
		VALUES (2, '2020-01-01T00:00:00Z', 'x', 'x', 'x', 'x', 'x')`); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateUser(ctx, &gongfu.User{Name: "admin", Role: gongfu.RoleAdmin, PasswordHash: "h"}); err != nil {
		t.Fatalf("write after an outside row: %v", err)
	}
	if seq, err := db.VerifyAudit(ctx); seq != 2 || err == nil {
		t.Errorf("VerifyAudit = %d, %v; want 2", seq, err)
	}
}

// TestClock: DB.Now sets every time the store records, truncated to
// PostgreSQL's microsecond, and the audit chain hashes that same time.
func TestClock(t *testing.T) {
	db := openTemp(t)
	ctx := t.Context()
	now := time.Date(2020, 5, 6, 7, 8, 9, 123456789, time.FixedZone("CST", 8*3600))
	want := now.Truncate(time.Microsecond)
	db.Now = func() time.Time { return now }
	if _, err := db.ImportPlan(ctx, storetest.SamplePlan(), storetest.SampleOrgs()); err != nil {
		t.Fatal(err)
	}
	list, err := db.FindPlans(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || !list[0].Imported.Equal(want) || list[0].Imported.Location() != time.UTC {
		t.Errorf("imported at %v, want %v in UTC", list[0].Imported, want)
	}
	u := &gongfu.User{Name: "admin", Role: gongfu.RoleAdmin, PasswordHash: "h"}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	got, err := db.FindUserByID(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.CreatedAt.Equal(want) || got.CreatedAt != u.CreatedAt {
		t.Errorf("created at %v, returned %v, want %v", got.CreatedAt, u.CreatedAt, want)
	}
	es, err := db.FindAudit(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if !e.At.Equal(want) {
			t.Errorf("audit entry %d at %v, want %v", e.Seq, e.At, want)
		}
	}
	var at string
	if err := db.pool.QueryRow(ctx, `SELECT at FROM audit_log WHERE seq = 1`).Scan(&at); err != nil {
		t.Fatal(err)
	}
	if at != "2020-05-05T23:08:09.123456Z" {
		t.Errorf("stored audit time %q, want the RFC 3339 text the hash covers", at)
	}
	if seq, err := db.VerifyAudit(ctx); seq != 0 || err != nil {
		t.Errorf("VerifyAudit = %d, %v", seq, err)
	}
}

// TestNewestFirstAcrossSecondBoundary: plans list by import time, newest
// first, whatever order their ids are in.
func TestNewestFirstAcrossSecondBoundary(t *testing.T) {
	db := openTemp(t)
	ctx := t.Context()
	times := []time.Time{
		time.Date(2020, 1, 1, 0, 0, 5, 500_000_000, time.UTC),
		time.Date(2020, 1, 1, 0, 0, 6, 0, time.UTC),
		time.Date(2020, 1, 1, 0, 0, 5, 0, time.UTC),
	}
	var ids []int64
	for i, at := range times {
		db.Now = func() time.Time { return at }
		p := storetest.SamplePlan()
		p.Title = fmt.Sprintf("计划 %d", i)
		res, err := db.ImportPlan(ctx, p, storetest.SampleOrgs())
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, res.PlanID)
	}
	list, err := db.FindPlans(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	for _, s := range list {
		got = append(got, s.ID)
	}
	if want := []int64{ids[1], ids[0], ids[2]}; !slices.Equal(got, want) {
		t.Errorf("order %v, want %v", got, want)
	}
}

// TestResponsibility checks who answers for each item, and that pos keeps
// the plan's order: the task's units when it names any, else the domain's;
// the first leads; repeats count once.
func TestResponsibility(t *testing.T) {
	db := openTemp(t)
	ctx := t.Context()
	res, err := db.ImportPlan(ctx, storetest.SamplePlan(), storetest.SampleOrgs())
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		Key, Org string
		Lead     bool
		Pos      int
	}
	query := func(q string) []row {
		var out []row
		err := eachRow(ctx, db.pool, q, []any{res.PlanID}, func(rows pgx.Rows) error {
			var r row
			if err := rows.Scan(&r.Key, &r.Org, &r.Lead, &r.Pos); err != nil {
				return err
			}
			out = append(out, r)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	got := query(`SELECT g.key, o.name, u.lead, u.pos FROM target_units u JOIN targets g ON g.id = u.target_id
		JOIN orgs o ON o.id = u.org_id WHERE g.plan_id = $1 ORDER BY g.key, u.pos`)
	want := []row{
		{"1.1", "市教育局", true, 0}, {"1.1", "市发展改革委", false, 1}, {"1.1", "市财政局", false, 2},
		{"1.2", "市教育局", true, 0}, {"1.2", "市发展改革委", false, 1}, {"1.2", "市财政局", false, 2},
		{"2.1", "市人力社保局", true, 0}, {"2.1", "市教育局", false, 1},
		{"3.1", "市卫生健康委", true, 0}, {"3.1", "市财政局", false, 1},
		{"3.2", "市卫生健康委", true, 0}, {"3.2", "市财政局", false, 1},
	}
	if !slices.Equal(got, want) {
		t.Errorf("target units\n got %v\nwant %v", got, want)
	}
	got = query(`SELECT m.key, o.name, u.lead, u.pos FROM milestone_units u JOIN milestones m ON m.id = u.milestone_id
		JOIN orgs o ON o.id = u.org_id WHERE m.plan_id = $1 ORDER BY m.key, u.pos`)
	want = []row{
		{"1.m1", "市教育局", true, 0}, {"1.m1", "市发展改革委", false, 1}, {"1.m1", "市财政局", false, 2},
		{"1.m2", "市教育局", true, 0}, {"1.m2", "市发展改革委", false, 1}, {"1.m2", "市财政局", false, 2},
		{"3.m1", "市卫生健康委", true, 0}, {"3.m1", "市财政局", false, 1},
	}
	if !slices.Equal(got, want) {
		t.Errorf("milestone units\n got %v\nwant %v", got, want)
	}
}

func TestErrorsHideSQL(t *testing.T) {
	db := openTemp(t)
	ctx := t.Context()
	u := &gongfu.User{Name: "admin", Role: gongfu.RoleAdmin, PasswordHash: "h"}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	// A unique violation the store does not anticipate still becomes
	// ECONFLICT with a message free of SQL, the driver text kept for logs.
	_, err := db.pool.Exec(ctx, `INSERT INTO users (name, role, password_hash, created_at) VALUES ('admin', 'admin', 'h', now())`)
	err = fmt.Errorf("context: %w", translate(err))
	if code := gongfu.ErrorCode(err); code != gongfu.ECONFLICT {
		t.Errorf("code %q, want conflict", code)
	}
	if msg := gongfu.ErrorMessage(err); strings.Contains(msg, "users") || strings.Contains(msg, "23505") {
		t.Errorf("message leaks SQL: %s", msg)
	}
	if !strings.Contains(err.Error(), "23505") {
		t.Errorf("driver error lost for logs: %s", err)
	}
	// A foreign-key violation is EINVALID, as on SQLite.
	_, err = db.pool.Exec(ctx, `INSERT INTO orgs (name, kind, parent_id, path) VALUES ('x', 'city', 999, 'x')`)
	if code := gongfu.ErrorCode(translate(err)); code != gongfu.EINVALID {
		t.Errorf("foreign-key violation translates to %q, want %q", code, gongfu.EINVALID)
	}
}

// TestTextPostgreSQLCannotHold: a NUL character or invalid UTF-8, which
// SQLite would store, is refused as EINVALID and nothing is written.
func TestTextPostgreSQLCannotHold(t *testing.T) {
	db := openTemp(t)
	ctx := t.Context()
	res, err := db.ImportPlan(ctx, storetest.SamplePlan(), storetest.SampleOrgs())
	if err != nil {
		t.Fatal(err)
	}
	city, err := db.FindOrg(ctx, "温州市")
	if err != nil {
		t.Fatal(err)
	}
	head, _ := db.AuditHead(ctx)
	v := 1.0
	for _, note := range []string{"a\x00b", "bad \xff utf-8"} {
		r := &gongfu.Report{ReportKey: gongfu.ReportKey{PlanID: res.PlanID, ItemID: "1.1", OrgID: city.ID, Period: "2020-05"}, Value: &v, Note: note}
		err := db.SaveReport(ctx, r, 0)
		if gongfu.ErrorCode(err) != gongfu.EINVALID {
			t.Errorf("note %q: %v, want EINVALID", note, err)
		}
		err = db.SaveReports(ctx, []*gongfu.Report{r})
		if gongfu.ErrorCode(err) != gongfu.EINVALID || !strings.Contains(gongfu.ErrorMessage(err), "第 1 条") {
			t.Errorf("note %q in a batch: %v, want EINVALID naming report 1", note, err)
		}
	}
	if h, _ := db.AuditHead(ctx); h != head {
		t.Errorf("refused saves moved the audit head from %d to %d", head, h)
	}
}

func TestCanceledContext(t *testing.T) {
	db := openTemp(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := db.ImportPlan(ctx, storetest.SamplePlan(), storetest.SampleOrgs())
	if !errors.Is(err, context.Canceled) {
		t.Errorf("import with a canceled context: %v", err)
	}
	if list, err := db.FindPlans(t.Context()); err != nil || len(list) != 0 {
		t.Errorf("plans after a canceled import: %d, %v", len(list), err)
	}
}

// TestSerializationFailureRetried: a transaction that fails with 40001 or
// 40P01 runs again and its work lands once; other errors are not retried.
func TestSerializationFailureRetried(t *testing.T) {
	db := openTemp(t)
	ctx := t.Context()
	for _, code := range []string{codeSerializationFailure, codeDeadlockDetected} {
		runs := 0
		err := db.inWrite(ctx, func(tx *wtx) error {
			runs++
			if _, err := db.appendAudit(ctx, tx, "test.retry", code, "", "", "", "ok"); err != nil {
				return err
			}
			if runs == 1 {
				return fmt.Errorf("wrapped: %w", &pgconn.PgError{Code: code})
			}
			return nil
		})
		if err != nil || runs != 2 {
			t.Errorf("%s: err %v after %d runs, want success on the second", code, err, runs)
		}
	}
	runs := 0
	err := db.inWrite(ctx, func(tx *wtx) error {
		runs++
		return &pgconn.PgError{Code: codeSerializationFailure}
	})
	if runs != maxAttempts || gongfu.ErrorCode(err) != gongfu.ECONFLICT {
		t.Errorf("always failing: %d runs, %v; want %d runs and ECONFLICT", runs, err, maxAttempts)
	}
	runs = 0
	err = db.inWrite(ctx, func(tx *wtx) error {
		runs++
		return &pgconn.PgError{Code: codeUniqueViolation}
	})
	if runs != 1 || gongfu.ErrorCode(err) != gongfu.ECONFLICT {
		t.Errorf("unique violation: %d runs, %v; want 1 run and ECONFLICT", runs, err)
	}
	es, err := db.FindAudit(ctx, 0, 100)
	if err != nil || len(es) != 2 {
		t.Fatalf("%d entries (%v), want the two retried ones", len(es), err)
	}
	if seq, err := db.VerifyAudit(ctx); seq != 0 || err != nil {
		t.Errorf("VerifyAudit = %d, %v", seq, err)
	}
}

// TestGoldPlanRoundTrip stores the hand-checked Wenzhou 2020 plan (the
// extractor's gold file, ids numbered as plan-json.md says) and reads back
// exactly the same plan.
func TestGoldPlanRoundTrip(t *testing.T) {
	serverURL(t)
	b, err := os.ReadFile(filepath.Join("..", "extract", "testdata", "wenzhou-2020.gold.json"))
	if errors.Is(err, fs.ErrNotExist) {
		t.Skip("no gold plan")
	} else if err != nil {
		t.Fatal(err)
	}
	var p gongfu.Plan
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	for i := range p.Domains {
		for j := range p.Domains[i].Tasks {
			task := &p.Domains[i].Tasks[j]
			for k := range task.Targets {
				task.Targets[k].ID = fmt.Sprintf("%d.%d", task.No, k+1)
			}
			for k := range task.Milestones {
				task.Milestones[k].ID = fmt.Sprintf("%d.m%d", task.No, k+1)
			}
		}
	}
	orgs := []*gongfu.Org{{Name: "温州市", Kind: gongfu.OrgCity, Path: "温州市"}}
	for _, u := range p.AllUnits() {
		orgs = append(orgs, &gongfu.Org{Name: u, Kind: gongfu.OrgDepartment, Path: "温州市/" + u})
	}
	db := openTemp(t)
	ctx := t.Context()
	res, err := db.ImportPlan(ctx, &p, orgs)
	if err != nil {
		t.Fatal(err)
	}
	if res.Counts != p.Counts() || res.Counts.Targets < 100 {
		t.Errorf("counts %+v, want %+v", res.Counts, p.Counts())
	}
	got, err := db.FindPlanByID(ctx, res.PlanID)
	if err != nil {
		t.Fatal(err)
	}
	gj, _ := json.Marshal(got)
	wj, _ := json.Marshal(&p)
	if string(gj) != string(wj) {
		t.Errorf("stored plan differs from the gold plan\n got: %s\nwant: %s", gj, wj)
	}
	if !reflect.DeepEqual(got, &p) {
		t.Errorf("stored plan differs from the gold plan in nil versus empty lists")
	}
	again, err := db.ImportPlan(ctx, got, nil)
	if err != nil || again.Created || again.PlanID != res.PlanID {
		t.Errorf("re-import of the stored plan = %+v, %v; want plan %d not created", again, err, res.PlanID)
	}
}

// TestWritersQueuedReadersServed holds the chain's lock from another
// connection, as another gongfu server's long import would: the writers
// queue, yet with a pool of two connections readers still get theirs at
// once; when the lock is let go every write lands in order. A writer that
// waits longer than lock_timeout fails with ECONFLICT instead of hanging.
func TestWritersQueuedReadersServed(t *testing.T) {
	schema := newSchema(t)
	cfg := schemaConfig(t, schema)
	cfg.MaxConns = 2
	db, err := OpenConfig(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := t.Context()

	other, err := pgx.Connect(ctx, serverURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close(context.Background())
	if _, err := other.Exec(ctx, `SET search_path = `+pgx.Identifier{schema}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	lock, err := other.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lock.Exec(ctx, `SELECT seq FROM chain_head WHERE id = 1 FOR UPDATE`); err != nil {
		t.Fatal(err)
	}

	const writers = 5
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for i := range writers {
		wg.Go(func() {
			u := &gongfu.User{Name: fmt.Sprintf("queued%d", i), Role: gongfu.RoleLeader, PasswordHash: "h"}
			errs <- db.CreateUser(ctx, u)
		})
	}
	time.Sleep(300 * time.Millisecond) // let them queue
	for range 3 {
		rctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		_, err := db.FindOrgs(rctx, gongfu.OrgFilter{})
		cancel()
		if err != nil {
			t.Fatalf("a read while writers queue: %v", err)
		}
	}
	if head, _ := db.AuditHead(ctx); head != 0 {
		t.Fatalf("a write got past the lock: head %d", head)
	}
	if err := lock.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if head, _ := db.AuditHead(ctx); head != writers {
		t.Errorf("audit head %d after the queue drained, want %d", head, writers)
	}
	if seq, err := db.VerifyAudit(ctx); seq != 0 || err != nil {
		t.Errorf("VerifyAudit = %d, %v", seq, err)
	}

	// lock_timeout: a writer gives up with ECONFLICT ("busy, try again").
	cfg = schemaConfig(t, schema)
	cfg.ConnConfig.RuntimeParams["lock_timeout"] = "200ms"
	impatient, err := OpenConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer impatient.Close()
	lock, err = other.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Rollback(context.Background())
	if _, err := lock.Exec(ctx, `SELECT seq FROM chain_head WHERE id = 1 FOR UPDATE`); err != nil {
		t.Fatal(err)
	}
	err = impatient.CreateUser(ctx, &gongfu.User{Name: "late", Role: gongfu.RoleLeader, PasswordHash: "h"})
	if gongfu.ErrorCode(err) != gongfu.ECONFLICT || !strings.Contains(gongfu.ErrorMessage(err), "重试") {
		t.Errorf("a write past lock_timeout: %v, want ECONFLICT asking to try again", err)
	}
}
