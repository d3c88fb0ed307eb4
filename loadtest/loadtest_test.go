package loadtest

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"gongfu"
	"gongfu/postgres"
)

// envPG names the variable holding a PostgreSQL server's URL; CI sets it,
// and without it the PostgreSQL cases are skipped.
const envPG = "GONGFU_TEST_PG"

// stores are the stores a test runs against: SQLite always, PostgreSQL
// when GONGFU_TEST_PG is set.
func stores(t *testing.T) map[string]string {
	m := map[string]string{"sqlite": ""}
	if u := os.Getenv(envPG); u != "" {
		m["postgres"] = u
	} else {
		t.Logf("%s is not set: PostgreSQL not tested", envPG)
	}
	return m
}

// small is a load a shared 2-core machine runs in a few seconds.
func small(db string, t *testing.T) Options {
	return Options{Reporters: 40, ReportsPer: 3, Ramp: 2 * time.Second, Timeout: 2 * time.Minute,
		DB: db, Dir: t.TempDir(), Seed: 7}
}

func TestSmallLoadLosesNothing(t *testing.T) {
	for name, db := range stores(t) {
		t.Run(name, func(t *testing.T) {
			res, err := Run(t.Context(), small(db, t))
			if err != nil {
				t.Fatal(err)
			}
			var out strings.Builder
			res.PrintTable(&out)
			t.Logf("\n%s", out.String())
			if res.ErrorCount != 0 || res.Lost != 0 || !res.Passed {
				t.Fatalf("errors %d %v, lost %d, passed %v: %v", res.ErrorCount, res.ErrorSamples, res.Lost, res.Passed, res.Failures())
			}
			if res.Store != name || res.Finished != 40 || res.LoggedIn != 40 {
				t.Errorf("store %s, %d logged in, %d finished; want %s, 40, 40", res.Store, res.LoggedIn, res.Finished, name)
			}
			// Every report was saved, then submitted, and checked.
			if res.Acknowledged != 120 || res.Submitted != 120 || res.Check.Checked != 120 {
				t.Errorf("acknowledged %d, submitted %d, checked %d; want 120 each", res.Acknowledged, res.Submitted, res.Check.Checked)
			}
			want := map[string]int{kindLogin: 40, kindSave: 120, kindSubmit: 120, "all": 280}
			for _, k := range res.Kinds {
				if k.Requests != want[k.Kind] || k.OK != k.Requests || k.P50 <= 0 || k.P99 < k.P50 || k.Max < k.P99 {
					t.Errorf("kind %+v, want %d requests, all ok, ordered percentiles", k, want[k.Kind])
				}
			}
			if res.AuditError != "" || res.AuditEntries < 280 {
				t.Errorf("audit: %d entries, %q", res.AuditEntries, res.AuditError)
			}
			// Reporters spread over counties and departments.
			if res.OrgsWithReporters < 30 || res.Departments == 0 {
				t.Errorf("reporters in %d orgs (%d departments), want them spread", res.OrgsWithReporters, res.Departments)
			}
			// Nothing is left behind.
			if _, err := os.Stat(res.WorkDir); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("working directory %s left behind (%v)", res.WorkDir, err)
			}
			if res.Schema != "" {
				conn, err := pgx.Connect(t.Context(), db)
				if err != nil {
					t.Fatal(err)
				}
				defer conn.Close(context.Background())
				var n int
				if err := conn.QueryRow(t.Context(), `SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = $1`, res.Schema).Scan(&n); err != nil || n != 0 {
					t.Errorf("schema %s left behind (%d, %v)", res.Schema, n, err)
				}
			}
		})
	}
}

// TestLossIsDetected loses two acknowledged writes between the server's
// stop and the check — one report deleted behind the store's back, one
// given another value — and expects both counted and the run failed.
func TestLossIsDetected(t *testing.T) {
	for name, db := range stores(t) {
		t.Run(name, func(t *testing.T) {
			o := Options{Reporters: 6, ReportsPer: 2, Ramp: -1, Timeout: time.Minute, DB: db, Dir: t.TempDir(), Seed: 3}
			var gone, changed gongfu.ReportKey
			o.BeforeCheck = func(ctx context.Context, st gongfu.Store, dsn string, acks []Ack) error {
				if len(acks) != 12 {
					t.Errorf("%d acknowledged writes, want 12", len(acks))
				}
				gone, changed = acks[0].Key, acks[len(acks)-1].Key
				if err := deleteReport(ctx, dsn, gone); err != nil {
					return err
				}
				rep, err := st.FindReport(ctx, changed)
				if err != nil {
					return err
				}
				v := *rep.Value + 1
				rep.Value = &v
				return st.SaveReport(ctx, rep, -1)
			}
			res, err := Run(t.Context(), o)
			if err != nil {
				t.Fatal(err)
			}
			if res.Lost != 2 || res.Check.Missing != 1 || res.Check.Changed != 1 {
				t.Fatalf("lost %d (missing %d, changed %d), want 2 (1, 1): %v", res.Lost, res.Check.Missing, res.Check.Changed, res.Check.Samples)
			}
			if res.Passed || len(res.Failures()) != 1 || !strings.Contains(res.Failures()[0], "2 acknowledged writes lost") {
				t.Errorf("passed %v, failures %v; want a failure for 2 lost writes", res.Passed, res.Failures())
			}
			samples := strings.Join(res.Check.Samples, "\n")
			if !strings.Contains(samples, gone.String()+": 已确认的填报不存在") || !strings.Contains(samples, changed.String()+": 与已确认的不一致") {
				t.Errorf("samples do not name the lost reports %s and %s:\n%s", gone, changed, samples)
			}
			var out strings.Builder
			res.PrintTable(&out)
			if !strings.Contains(out.String(), "丢失 lost: 2") || !strings.Contains(out.String(), "失败 FAIL") {
				t.Errorf("table does not show the loss:\n%s", out.String())
			}
		})
	}
}

// deleteReport removes one report with SQL, as a store that lost a write
// would look (both stores name the table and columns alike).
func deleteReport(ctx context.Context, dsn string, k gongfu.ReportKey) error {
	q := `DELETE FROM reports WHERE plan_id = $1 AND item_key = $2 AND org_id = $3 AND period = $4`
	if postgres.IsURL(dsn) {
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		tag, err := conn.Exec(ctx, q, k.PlanID, k.ItemID, k.OrgID, k.Period)
		if err == nil && tag.RowsAffected() != 1 {
			err = errors.New("no report deleted")
		}
		return err
	}
	q = `DELETE FROM reports WHERE plan_id = ? AND item_key = ? AND org_id = ? AND period = ?`
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	r, err := db.ExecContext(ctx, q, k.PlanID, k.ItemID, k.OrgID, k.Period)
	if err != nil {
		return err
	}
	if n, _ := r.RowsAffected(); n != 1 {
		return errors.New("no report deleted")
	}
	return nil
}

// TestDeadline stops a run whose reporters cannot finish in time: the
// run ends at the deadline, says so and fails, and what was acknowledged
// before it is still checked.
func TestDeadline(t *testing.T) {
	o := Options{Reporters: 4, ReportsPer: 3, Ramp: -1, Timeout: 2 * time.Second, Think: time.Minute,
		Dir: t.TempDir(), Seed: 5}
	t0 := time.Now()
	res, err := Run(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(t0); d > time.Minute {
		t.Errorf("the run took %s with a 2 s deadline", d)
	}
	if !res.TimedOut || res.Passed || res.Finished == 4 || res.LoadS < 1.9 || res.LoadS > 30 {
		t.Errorf("timed out %v, passed %v, finished %d, load %gs; want a failed run stopped at 2 s", res.TimedOut, res.Passed, res.Finished, res.LoadS)
	}
	if res.Lost != 0 {
		t.Errorf("lost %d", res.Lost)
	}
	if f := strings.Join(res.Failures(), "; "); !strings.Contains(f, "deadline passed") {
		t.Errorf("failures %q do not name the deadline", f)
	}
}

// fakeStore answers FindReports from a list; nothing else is called.
type fakeStore struct {
	gongfu.Store
	reps []*gongfu.Report
}

func (f *fakeStore) FindReports(ctx context.Context, _ gongfu.ReportFilter) ([]*gongfu.Report, error) {
	return f.reps, nil
}

// TestCheckUnsureWrites holds stored reports to acknowledged writes and to
// later writes whose outcome was unknown.
func TestCheckUnsureWrites(t *testing.T) {
	key := func(i int) gongfu.ReportKey {
		return gongfu.ReportKey{PlanID: 1, ItemID: "1.1", OrgID: int64(i), Period: "2020-05"}
	}
	f := func(v float64) *float64 { return &v }
	stored := &fakeStore{reps: []*gongfu.Report{
		{ReportKey: key(1), Value: f(35.5), Status: gongfu.StatusDraft, Version: 1},     // as acknowledged
		{ReportKey: key(2), Value: f(35.5), Status: gongfu.StatusSubmitted, Version: 2}, // the unsure submit applied
		{ReportKey: key(3), Value: f(35.5), Status: gongfu.StatusDraft, Version: 1},     // the acknowledged submit undone
		{ReportKey: key(4), Value: f(35.5), Status: gongfu.StatusDraft, Version: 1},     // an older version than acknowledged
		{ReportKey: key(5), Value: f(35.5), Status: gongfu.StatusSubmitted, Version: 1}, // unsure write, but not newer
	}}
	draft := Write{Value: 35.5, Status: gongfu.StatusDraft, Version: 1}
	sub := Write{Value: 35.5, Status: gongfu.StatusSubmitted}
	acks := []Ack{
		{Key: key(1), Write: draft},
		{Key: key(2), Write: draft, Unsure: []Write{sub}},
		{Key: key(3), Write: Write{Value: 35.5, Status: gongfu.StatusSubmitted, Version: 2}},
		{Key: key(4), Write: Write{Value: 35.5, Status: gongfu.StatusDraft, Version: 2}},
		{Key: key(5), Write: draft, Unsure: []Write{sub}},
		{Key: key(6), Write: draft}, // not stored at all
	}
	res, err := Check(t.Context(), stored, 1, acks)
	if err != nil {
		t.Fatal(err)
	}
	if res.Checked != 6 || res.Missing != 1 || res.Changed != 3 || res.Lost() != 4 {
		t.Errorf("checked %d, missing %d, changed %d; want 6, 1, 3:\n%s", res.Checked, res.Missing, res.Changed, strings.Join(res.Samples, "\n"))
	}
	for _, i := range []int{3, 4, 5, 6} {
		if !strings.Contains(strings.Join(res.Samples, "\n"), key(i).String()) {
			t.Errorf("no sample names %s", key(i))
		}
	}
}

func TestValidate(t *testing.T) {
	for _, o := range []Options{
		{Reporters: -1},
		{Reporters: MaxReporters + 1},
		{ReportsPer: MaxReportsPer + 1},
		{Ramp: time.Minute, Timeout: 30 * time.Second},
		{Think: -time.Second},
		{DB: "gongfu.db"},
	} {
		if err := o.Validate(); err == nil {
			t.Errorf("%+v: no error", o)
		}
	}
	if err := (Options{}).Validate(); err != nil {
		t.Errorf("defaults: %v", err)
	}
}

// TestSpread checks the allocation on its own terms: with more reports per
// reporter than the plan's orgs can give everyone, townships are added,
// and no two reporters share a report.
func TestSpread(t *testing.T) {
	o := Options{Reporters: 30, ReportsPer: 900, Ramp: -1, Timeout: time.Minute, Dir: t.TempDir()}
	o, err := o.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	r := &runner{o: o, res: &Result{}}
	defer r.cleanup()
	if err := r.openStore(t.Context()); err != nil {
		t.Fatal(err)
	}
	p, err := r.seed(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	reps, err := r.allocate(t.Context(), p)
	if err != nil {
		t.Fatal(err)
	}
	if r.res.Townships == 0 {
		t.Errorf("no townships added for 30 × 900 reports")
	}
	seen := map[gongfu.ReportKey]string{}
	for _, rep := range reps {
		if len(rep.keys) != 900 {
			t.Fatalf("%s has %d reports", rep.name, len(rep.keys))
		}
		for _, k := range rep.keys {
			if other, ok := seen[k.key]; ok {
				t.Fatalf("%s and %s both write %s", other, rep.name, k.key)
			}
			seen[k.key] = rep.name
			// A county or township reporter reports for its own org; a
			// department's for the city.
			if rep.org.Kind.IsArea() != (k.key.OrgID == rep.org.ID) {
				t.Fatalf("%s of %s (%s) writes %s", rep.name, rep.org.Name, rep.org.Kind, k.key)
			}
		}
	}
}

// TestOneStep saves and submits each report with one PUT.
func TestOneStep(t *testing.T) {
	o := Options{Reporters: 10, ReportsPer: 2, Ramp: time.Second, Timeout: time.Minute, OneStep: true, Dir: t.TempDir()}
	res, err := Run(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Passed || res.Submitted != 20 || len(res.Kinds) != 3 || res.Kinds[1].Kind != kindSaveSubmit || res.Kinds[1].OK != 20 {
		t.Errorf("passed %v, submitted %d, kinds %+v; want 20 reports saved and submitted by one PUT each", res.Passed, res.Submitted, res.Kinds)
	}
}
