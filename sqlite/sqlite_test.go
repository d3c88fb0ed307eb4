package sqlite

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"gongfu"
	"gongfu/storetest"
)

// openTemp opens a store on a new file in t's temp directory, closed at the
// end of the test.
func openTemp(t *testing.T) *DB {
	t.Helper()
	return openAt(t, filepath.Join(t.TempDir(), "gongfu.db"))
}

func openAt(t *testing.T, path string) *DB {
	t.Helper()
	db, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	})
	return db
}

// tamper edits or deletes audit rows with raw SQL, as someone with the
// database file and the sqlite3 shell would.
func tamper(t *testing.T, s gongfu.Store, how storetest.Tampering, seq int64) {
	t.Helper()
	db := s.(*DB)
	var q string
	switch how {
	case storetest.EditEntry:
		q = `UPDATE audit_log SET new = new || '0' WHERE seq = ?`
	case storetest.DeleteEntry:
		q = `DELETE FROM audit_log WHERE seq = ?`
	default:
		t.Fatalf("unknown tampering %v", how)
	}
	res, err := db.write.ExecContext(t.Context(), q, seq)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("%v of audit entry %d changed %d rows", how, seq, n)
	}
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) gongfu.Store { return openTemp(t) }, tamper)
}

func TestConformanceInMemory(t *testing.T) {
	storetest.Run(t, func(t *testing.T) gongfu.Store { return openAt(t, ":memory:") }, tamper)
}

func pragma(t *testing.T, conn *sql.DB, name string) string {
	t.Helper()
	var v string
	if err := conn.QueryRowContext(t.Context(), "PRAGMA "+name).Scan(&v); err != nil {
		t.Fatalf("PRAGMA %s: %v", name, err)
	}
	return v
}

func TestPragmas(t *testing.T) {
	db := openTemp(t)
	tests := []struct {
		pool        string
		conn        *sql.DB
		name, value string
	}{
		{"write", db.write, "journal_mode", "wal"},
		{"write", db.write, "foreign_keys", "1"},
		{"write", db.write, "busy_timeout", "5000"},
		{"write", db.write, "synchronous", "1"}, // NORMAL
		{"write", db.write, "query_only", "0"},
		{"read", db.read, "journal_mode", "wal"},
		{"read", db.read, "foreign_keys", "1"},
		{"read", db.read, "busy_timeout", "5000"},
		{"read", db.read, "query_only", "1"},
	}
	for _, tt := range tests {
		t.Run(tt.pool+"/"+tt.name, func(t *testing.T) {
			if got := pragma(t, tt.conn, tt.name); got != tt.value {
				t.Errorf("%s pool: %s = %s, want %s", tt.pool, tt.name, got, tt.value)
			}
		})
	}
	if _, err := db.read.ExecContext(t.Context(), `INSERT INTO orgs (name, kind, path) VALUES ('x', 'city', 'x')`); err == nil {
		t.Error("the read pool accepted a write")
	}
	if got := db.write.Stats().MaxOpenConnections; got != 1 {
		t.Errorf("write pool allows %d connections, want 1", got)
	}
}

func TestForeignKeysEnforced(t *testing.T) {
	db := openTemp(t)
	_, err := db.write.ExecContext(t.Context(), `INSERT INTO orgs (name, kind, parent_id, path) VALUES ('x', 'city', 999, 'x')`)
	if err == nil {
		t.Fatal("an org with a missing parent was stored")
	}
	if code := gongfu.ErrorCode(translate(err)); code != gongfu.EINVALID {
		t.Errorf("foreign-key violation translates to %q, want %q", code, gongfu.EINVALID)
	}
}

func migrationNames(t *testing.T) []string {
	t.Helper()
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil || len(names) == 0 {
		t.Fatalf("migrations: %v %v", names, err)
	}
	for i := range names {
		names[i] = strings.TrimPrefix(names[i], "migrations/")
	}
	return names
}

func appliedMigrations(t *testing.T, db *DB) []string {
	t.Helper()
	rows, err := db.read.QueryContext(t.Context(), `SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

func TestMigrationsIdempotent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gongfu.db")
	ctx := t.Context()
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	want := migrationNames(t)
	if got := appliedMigrations(t, db); !slices.Equal(got, want) {
		t.Errorf("applied %v, want %v", got, want)
	}
	res, err := db.ImportPlan(ctx, storetest.SamplePlan(), storetest.SampleOrgs())
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	for range 2 {
		db = openAt(t, path)
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

func TestMigrationFromNewerProgramRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gongfu.db")
	db := openAt(t, path)
	if _, err := db.write.ExecContext(t.Context(),
		`INSERT INTO schema_migrations (version, applied_at) VALUES ('9999_future.sql', '2030-01-01T00:00:00Z')`); err != nil {
		t.Fatal(err)
	}
	_, err := Open(t.Context(), path)
	if code := gongfu.ErrorCode(err); code != gongfu.EINVALID {
		t.Errorf("opening a newer database: %v (code %q), want EINVALID", err, code)
	}
}

// TestNoOtherAuditTable guards the rule that only the audit log has "audit"
// in its name: an outside check tampers with every such table and expects
// VerifyAudit to notice.
func TestNoOtherAuditTable(t *testing.T) {
	db := openTemp(t)
	rows, err := db.read.QueryContext(t.Context(), `SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE '%audit%'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		names = append(names, n)
	}
	if !slices.Equal(names, []string{"audit_log"}) {
		t.Errorf("tables named like audit: %v, want only audit_log", names)
	}
}

// TestTamperFirstRowAnyColumn edits each column of the first audit row in
// turn, the way an outside check might, and expects VerifyAudit to report
// entry 1 every time, never an internal error.
func TestTamperFirstRowAnyColumn(t *testing.T) {
	edits := []string{
		`UPDATE audit_log SET at = '2001-01-01T00:00:00Z' WHERE seq = 1`,
		`UPDATE audit_log SET at = 'yesterday' WHERE seq = 1`,
		`UPDATE audit_log SET actor = 'mallory' WHERE seq = 1`,
		`UPDATE audit_log SET action = 'x' WHERE seq = 1`,
		`UPDATE audit_log SET object = 'org/999' WHERE seq = 1`,
		`UPDATE audit_log SET old = 'x' WHERE seq = 1`,
		`UPDATE audit_log SET new = x'00' WHERE seq = 1`,
		`UPDATE audit_log SET reason = 42 WHERE seq = 1`,
		`UPDATE audit_log SET result = 'failed' WHERE seq = 1`,
		`UPDATE audit_log SET prev = 'abc' WHERE seq = 1`,
		`UPDATE audit_log SET hash = upper(hash) WHERE seq = 1`,
		`UPDATE audit_log SET seq = 100 WHERE seq = 1`,
	}
	for _, q := range edits {
		t.Run(q, func(t *testing.T) {
			db := openTemp(t)
			ctx := t.Context()
			if _, err := db.EnsureOrgs(ctx, storetest.SampleOrgs()); err != nil {
				t.Fatal(err)
			}
			if _, err := db.write.ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
			seq, err := db.VerifyAudit(ctx)
			if seq != 1 || gongfu.ErrorCode(err) != gongfu.EINVALID {
				t.Errorf("VerifyAudit = %d, %v; want 1, EINVALID", seq, err)
			}
		})
	}
}

// TestChainHeadMissing: deleting the head row is tampering too.
func TestChainHeadMissing(t *testing.T) {
	db := openTemp(t)
	ctx := t.Context()
	if _, err := db.EnsureOrgs(ctx, storetest.SampleOrgs()[:2]); err != nil {
		t.Fatal(err)
	}
	if _, err := db.write.ExecContext(ctx, `DELETE FROM chain_head`); err != nil {
		t.Fatal(err)
	}
	if seq, err := db.VerifyAudit(ctx); seq != 1 || err == nil {
		t.Errorf("VerifyAudit without a head = %d, %v; want 1", seq, err)
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
	if _, err := db.write.ExecContext(ctx, `INSERT INTO audit_log (seq, at, actor, action, object, prev, hash)
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

func TestClock(t *testing.T) {
	db := openTemp(t)
	ctx := t.Context()
	now := time.Date(2020, 5, 6, 7, 8, 9, 123456789, time.FixedZone("CST", 8*3600))
	db.Now = func() time.Time { return now }
	res, err := db.ImportPlan(ctx, storetest.SamplePlan(), storetest.SampleOrgs())
	if err != nil {
		t.Fatal(err)
	}
	list, err := db.FindPlans(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || !list[0].Imported.Equal(now) {
		t.Errorf("imported at %v, want %v", list[0].Imported, now)
	}
	u := &gongfu.User{Name: "admin", Role: gongfu.RoleAdmin, PasswordHash: "h"}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	got, err := db.FindUserByID(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.CreatedAt.Equal(now) || !u.CreatedAt.Equal(now) {
		t.Errorf("created at %v / %v, want %v", got.CreatedAt, u.CreatedAt, now)
	}
	es, err := db.FindAudit(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if !e.At.Equal(now) {
			t.Errorf("audit entry %d at %v, want %v", e.Seq, e.At, now)
		}
	}
	if seq, err := db.VerifyAudit(ctx); seq != 0 || err != nil {
		t.Errorf("VerifyAudit = %d, %v", seq, err)
	}
	_ = res
}

// TestNewestFirstAcrossSecondBoundary: imported_at sorts as text only when
// the fraction has a fixed width ("…05Z" would sort after "…05.5Z").
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

// TestResponsibility checks who answers for each item: the task's units when
// it names any, else the domain's; the first leads; repeats count once.
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
	}
	query := func(q string) []row {
		rows, err := db.read.QueryContext(ctx, q, res.PlanID)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.Key, &r.Org, &r.Lead); err != nil {
				t.Fatal(err)
			}
			out = append(out, r)
		}
		return out
	}
	got := query(`SELECT g.key, o.name, u.lead FROM target_units u JOIN targets g ON g.id = u.target_id
		JOIN orgs o ON o.id = u.org_id WHERE g.plan_id = ? ORDER BY g.key, u.lead DESC, o.name`)
	want := []row{
		{"1.1", "市教育局", true}, {"1.1", "市发展改革委", false}, {"1.1", "市财政局", false},
		{"1.2", "市教育局", true}, {"1.2", "市发展改革委", false}, {"1.2", "市财政局", false},
		{"2.1", "市人力社保局", true}, {"2.1", "市教育局", false},
		{"3.1", "市卫生健康委", true}, {"3.1", "市财政局", false},
		{"3.2", "市卫生健康委", true}, {"3.2", "市财政局", false},
	}
	if !slices.Equal(got, want) {
		t.Errorf("target units\n got %v\nwant %v", got, want)
	}
	got = query(`SELECT m.key, o.name, u.lead FROM milestone_units u JOIN milestones m ON m.id = u.milestone_id
		JOIN orgs o ON o.id = u.org_id WHERE m.plan_id = ? ORDER BY m.key, u.lead DESC, o.name`)
	want = []row{
		{"1.m1", "市教育局", true}, {"1.m1", "市发展改革委", false}, {"1.m1", "市财政局", false},
		{"1.m2", "市教育局", true}, {"1.m2", "市发展改革委", false}, {"1.m2", "市财政局", false},
		{"3.m1", "市卫生健康委", true}, {"3.m1", "市财政局", false},
	}
	if !slices.Equal(got, want) {
		t.Errorf("milestone units\n got %v\nwant %v", got, want)
	}
}

// TestConcurrentReadersWhileWriting runs readers on the read pool while the
// write connection imports plans and creates users: no reader may fail or
// wait for the writer, and every write must land.
func TestConcurrentReadersWhileWriting(t *testing.T) {
	db := openTemp(t)
	ctx := t.Context()
	if _, err := db.EnsureOrgs(ctx, storetest.SampleOrgs()); err != nil {
		t.Fatal(err)
	}
	const plans = 10
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	fail := func(err error) {
		mu.Lock()
		errs = append(errs, err)
		mu.Unlock()
	}
	reads := make([]int, readConns+2)
	for r := range reads {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				list, err := db.FindPlans(ctx)
				if err != nil {
					fail(err)
					return
				}
				if len(list) > 0 {
					if _, err := db.FindPlanByID(ctx, list[0].ID); err != nil {
						fail(err)
						return
					}
				}
				if _, err := db.VerifyAudit(ctx); err != nil {
					fail(err)
					return
				}
				reads[r]++
			}
		})
	}
	var writers sync.WaitGroup
	for w := range 2 {
		writers.Go(func() {
			for i := range plans / 2 {
				p := storetest.SamplePlan()
				p.Title = fmt.Sprintf("计划 %d-%d", w, i)
				if _, err := db.ImportPlan(ctx, p, nil); err != nil {
					fail(err)
				}
				u := &gongfu.User{Name: fmt.Sprintf("u%d-%d", w, i), Role: gongfu.RoleLeader, PasswordHash: "h"}
				if err := db.CreateUser(ctx, u); err != nil {
					fail(err)
				}
			}
		})
	}
	writers.Wait()
	close(stop)
	wg.Wait()
	for _, err := range errs {
		t.Error(err)
	}
	list, err := db.FindPlans(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != plans {
		t.Errorf("%d plans, want %d", len(list), plans)
	}
	for r, n := range reads {
		if n == 0 {
			t.Errorf("reader %d never completed a read", r)
		}
	}
}

// TestTwoProcessesShareFile opens the same file twice, as a command-line
// import beside a running server does: busy_timeout lets both write.
func TestTwoProcessesShareFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gongfu.db")
	a, b := openAt(t, path), openAt(t, path)
	ctx := t.Context()
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i, db := range []*DB{a, b} {
		wg.Go(func() {
			for j := range 10 {
				u := &gongfu.User{Name: fmt.Sprintf("p%d-%d", i, j), Role: gongfu.RoleLeader, PasswordHash: "h"}
				if err := db.CreateUser(ctx, u); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if seq, err := a.VerifyAudit(ctx); seq != 0 || err != nil {
		t.Errorf("VerifyAudit = %d, %v", seq, err)
	}
	es, err := b.FindAudit(ctx, 0, 100)
	if err != nil || len(es) != 20 {
		t.Errorf("%d entries (%v), want 20", len(es), err)
	}
}

func TestInMemoryDatabasesAreSeparate(t *testing.T) {
	for _, path := range []string{"", ":memory:"} {
		a, b := openAt(t, path), openAt(t, path)
		if _, err := a.EnsureOrgs(t.Context(), storetest.SampleOrgs()); err != nil {
			t.Fatal(err)
		}
		got, err := a.FindOrgs(t.Context(), gongfu.OrgFilter{})
		if err != nil || len(got) != len(storetest.SampleOrgs()) {
			t.Errorf("%q: first db has %d orgs (%v)", path, len(got), err)
		}
		got, err = b.FindOrgs(t.Context(), gongfu.OrgFilter{})
		if err != nil || len(got) != 0 {
			t.Errorf("%q: second db has %d orgs (%v), want 0", path, len(got), err)
		}
	}
}

func TestPathWithSpecialCharacters(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "数据 #1?x%20")
	path := filepath.Join(dir, "gongfu.db")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	db := openAt(t, path)
	if _, err := db.EnsureOrgs(t.Context(), storetest.SampleOrgs()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("database not at %s: %v", path, err)
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
	_, err := db.write.ExecContext(ctx, `INSERT INTO users (name, role, password_hash, created_at) VALUES ('admin', 'admin', 'h', 'x')`)
	err = fmt.Errorf("context: %w", translate(err))
	if code := gongfu.ErrorCode(err); code != gongfu.ECONFLICT {
		t.Errorf("code %q, want conflict", code)
	}
	if msg := gongfu.ErrorMessage(err); strings.Contains(msg, "UNIQUE") || strings.Contains(msg, "users") {
		t.Errorf("message leaks SQL: %s", msg)
	}
	if !strings.Contains(err.Error(), "UNIQUE") {
		t.Errorf("driver error lost for logs: %s", err)
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

// TestGoldPlanRoundTrip stores the hand-checked Wenzhou 2020 plan (the
// extractor's gold file, ids numbered as plan-json.md says) and reads back
// exactly the same plan: a real document's size and oddities, not only
// storetest's small sample.
func TestGoldPlanRoundTrip(t *testing.T) {
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

// TestCommitSurvivesKill checks the durability the package promises: a
// commit that has returned survives the process being killed (SIGKILL), with
// no chance to checkpoint or close. The test runs itself as the child.
func TestCommitSurvivesKill(t *testing.T) {
	const env = "GONGFU_SQLITE_KILL_CHILD"
	if path := os.Getenv(env); path != "" {
		db, err := Open(context.Background(), path)
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		for i := range 3 {
			u := &gongfu.User{Name: fmt.Sprintf("user%d", i), Role: gongfu.RoleLeader, PasswordHash: "h"}
			if err := db.CreateUser(context.Background(), u); err != nil {
				fmt.Println("error:", err)
				os.Exit(1)
			}
		}
		fmt.Println("committed")
		time.Sleep(time.Minute) // wait to be killed
		os.Exit(2)
	}
	if testing.Short() {
		t.Skip("starts a child process")
	}
	path := filepath.Join(t.TempDir(), "gongfu.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestCommitSurvivesKill$")
	cmd.Env = append(os.Environ(), env+"="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "committed" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("child said %q (%v)", line, err)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()

	db := openAt(t, path)
	for i := range 3 {
		if _, err := db.FindUserByName(t.Context(), fmt.Sprintf("user%d", i)); err != nil {
			t.Errorf("user%d lost after kill: %v", i, err)
		}
	}
	if seq, err := db.VerifyAudit(t.Context()); seq != 0 || err != nil {
		t.Errorf("VerifyAudit after kill = %d, %v", seq, err)
	}
}
