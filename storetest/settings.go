package storetest

import (
	"testing"

	"gongfu"
)

// settingsTests cover per-plan settings.
var settingsTests = []struct {
	name string
	fn   func(t *testing.T, s gongfu.Store)
}{
	{"PlanSettings", testPlanSettings},
}

func testPlanSettings(t *testing.T, s gongfu.Store) {
	f := newReportFixture(t, s)
	ctx := t.Context()
	got, err := s.FindPlanSettings(ctx, f.plan)
	mustNoErr(t, err)
	if got != gongfu.DefaultPlanSettings() {
		t.Errorf("settings of a new plan = %+v, want the defaults", got)
	}
	want := gongfu.PlanSettings{Frequency: gongfu.Quarterly, DeadlineDay: 10, GreenWithin: 5, YellowWithin: 20, LevelTolerance: 3}
	mustNoErr(t, s.SetPlanSettings(ctx, f.plan, want))
	want.DeadlineDay = 8
	mustNoErr(t, s.SetPlanSettings(ctx, f.plan, want))
	if got, _ := s.FindPlanSettings(ctx, f.plan); got != want {
		t.Errorf("settings = %+v, want %+v", got, want)
	}
	bad := want
	bad.Frequency = "weekly"
	wantCode(t, s.SetPlanSettings(ctx, f.plan, bad), gongfu.EINVALID)
	bad = want
	bad.YellowWithin = 1
	wantCode(t, s.SetPlanSettings(ctx, f.plan, bad), gongfu.EINVALID)
	wantCode(t, s.SetPlanSettings(ctx, 9999, want), gongfu.ENOTFOUND)
	_, err = s.FindPlanSettings(ctx, 9999)
	wantCode(t, err, gongfu.ENOTFOUND)
	if got, _ := s.FindPlanSettings(ctx, f.plan); got != want {
		t.Errorf("failed sets changed the settings: %+v", got)
	}
}

func init() {
	settingsTests = append(settingsTests, struct {
		name string
		fn   func(t *testing.T, s gongfu.Store)
	}{"AuditHeadCountsChanges", testAuditHead})
}

func testAuditHead(t *testing.T, s gongfu.Store) {
	ctx := t.Context()
	h0, err := s.AuditHead(ctx)
	mustNoErr(t, err)
	f := newReportFixture(t, s)
	h1, _ := s.AuditHead(ctx)
	if h1 <= h0 {
		t.Fatalf("head %d after import, was %d", h1, h0)
	}
	v := 1.0
	mustNoErr(t, s.SaveReport(ctx, &gongfu.Report{ReportKey: f.key("1.1", 1, "2020-05"), Value: &v}, -1))
	h2, _ := s.AuditHead(ctx)
	if h2 != h1+1 {
		t.Errorf("head %d after one report, want %d", h2, h1+1)
	}
	if _, err := s.FindReports(ctx, gongfu.ReportFilter{PlanID: f.plan}); err != nil {
		t.Fatal(err)
	}
	if h3, _ := s.AuditHead(ctx); h3 != h2 {
		t.Errorf("a read moved the head from %d to %d", h2, h3)
	}
}

func init() {
	settingsTests = append(settingsTests, struct {
		name string
		fn   func(t *testing.T, s gongfu.Store)
	}{"Schedules", testSchedules})
}

func testSchedules(t *testing.T, s gongfu.Store) {
	f := newReportFixture(t, s)
	ctx := t.Context()
	q := []float64{10, 40, 70, 100}
	mustNoErr(t, s.SetSchedule(ctx, f.plan, "1.1", q))
	got, err := s.FindSchedules(ctx, f.plan)
	mustNoErr(t, err)
	if len(got) != 1 || jsonOf(got["1.1"]) != jsonOf(q) {
		t.Fatalf("schedules = %s", jsonOf(got))
	}
	m := []float64{0, 0, 5, 10, 20, 30, 45, 60, 70, 80, 90, 100}
	mustNoErr(t, s.SetSchedule(ctx, f.plan, "1.1", m))
	if got, _ := s.FindSchedules(ctx, f.plan); jsonOf(got["1.1"]) != jsonOf(m) {
		t.Errorf("after replace = %s", jsonOf(got))
	}
	for _, bad := range [][]float64{{10, 20, 30}, {50, 40, 70, 100}, {10, 40, 70, 101}} {
		wantCode(t, s.SetSchedule(ctx, f.plan, "1.1", bad), gongfu.EINVALID)
	}
	wantCode(t, s.SetSchedule(ctx, f.plan, "9.9", q), gongfu.ENOTFOUND)
	mustNoErr(t, s.SetSchedule(ctx, f.plan, "1.1", nil))
	if got, _ := s.FindSchedules(ctx, f.plan); len(got) != 0 {
		t.Errorf("after clearing = %s", jsonOf(got))
	}
	if _, err := s.VerifyAudit(ctx); err != nil {
		t.Error(err)
	}
}
