package storetest

import (
	"fmt"
	"strings"
	"testing"

	"gongfu"
)

// bulkTests are Run's cases for ReportService.SaveReports, the one-
// transaction save behind spreadsheet imports.
var bulkTests = []struct {
	name string
	fn   func(t *testing.T, s gongfu.Store)
}{
	{"BulkSavesAll", testBulkSavesAll},
	{"BulkLockedSavesNone", testBulkLocked},
	{"BulkInvalidSavesNone", testBulkInvalid},
	{"BulkEmpty", testBulkEmpty},
	{"BulkTwoThousand", testBulkLarge},
}

func testBulkSavesAll(t *testing.T, s gongfu.Store) {
	f := newReportFixture(t, s)
	ctx := gongfu.WithActor(t.Context(), &gongfu.User{Name: "importer"})

	// One report exists already, as a returned draft with a comment.
	existing := &gongfu.Report{ReportKey: f.key("1.1", 1, "2020-05"), Value: fp(10), Status: gongfu.StatusSubmitted}
	mustNoErr(t, s.SaveReport(ctx, existing, 0))
	_, err := s.SetReportStatus(ctx, existing.ReportKey, []gongfu.ReportStatus{gongfu.StatusSubmitted}, gongfu.StatusReturned, "请核实")
	mustNoErr(t, err)
	before := len(allAudit(t, s))

	reps := []*gongfu.Report{
		{ReportKey: f.key("1.1", 1, "2020-05"), Value: fp(12), Reason: "补报"},
		{ReportKey: f.key("2.1", 1, "2020-05"), Value: fp(97.5), Numerator: fp(3900), Denominator: fp(4000)},
		{ReportKey: f.key("1.m2", 2, "2020-05"), Stage: gongfu.StageInProgress, Percent: fp(40), Note: "征求意见"},
		{ReportKey: f.key("3.1", 0, "2020-05"), Value: fp(0.3), Status: gongfu.StatusSubmitted},
		// The same key twice: saved twice, the later figures win.
		{ReportKey: f.key("1.1", 2, "2020-05"), Value: fp(1)},
		{ReportKey: f.key("1.1", 2, "2020-05"), Value: fp(2)},
	}
	mustNoErr(t, s.SaveReports(ctx, reps))

	wantVersion := []int64{3, 1, 1, 1, 1, 2}
	wantStatus := []gongfu.ReportStatus{gongfu.StatusDraft, gongfu.StatusDraft, gongfu.StatusDraft,
		gongfu.StatusSubmitted, gongfu.StatusDraft, gongfu.StatusDraft}
	for i, r := range reps {
		if r.Version != wantVersion[i] || r.Status != wantStatus[i] || r.UpdatedBy != "importer" || r.UpdatedAt.IsZero() {
			t.Errorf("report %d after save: version %d status %s by %q at %v; want version %d status %s by importer",
				i, r.Version, r.Status, r.UpdatedBy, r.UpdatedAt, wantVersion[i], wantStatus[i])
		}
	}
	if reps[0].Comment != "请核实" {
		t.Errorf("the returned report lost its comment: %q", reps[0].Comment)
	}
	for i, r := range reps[:5] {
		got, err := s.FindReport(ctx, r.ReportKey)
		mustNoErr(t, err)
		if i == 4 {
			r = reps[5]
		}
		sameReport(t, got, r)
	}

	es := allAudit(t, s)
	if len(es) != before+len(reps) {
		t.Fatalf("%d audit entries for %d saves, want one each", len(es)-before, len(reps))
	}
	for i, e := range es[before:] {
		if e.Action != "report.save" || e.Object != reps[i].ReportKey.String() || e.Actor != "importer" {
			t.Errorf("audit entry %d = %s, want report.save of %s by importer", i, jsonOf(e), reps[i].ReportKey)
		}
	}
	if old, nw := figures(t, es[before].Old), figures(t, es[before].New); old["value"] != 10.0 || nw["value"] != 12.0 || es[before].Reason != "补报" {
		t.Errorf("audit entry of the update = %s", jsonOf(es[before]))
	}
	wantChain(t, s)
}

func testBulkLocked(t *testing.T, s gongfu.Store) {
	f := newReportFixture(t, s)
	ctx := t.Context()
	locked := f.key("1.1", 2, "2020-04")
	mustNoErr(t, s.SaveReport(ctx, &gongfu.Report{ReportKey: locked, Value: fp(5)}, 0))
	_, err := s.SetReportStatus(ctx, locked, []gongfu.ReportStatus{gongfu.StatusDraft}, gongfu.StatusSubmitted, "")
	mustNoErr(t, err)
	_, err = s.SetReportStatus(ctx, locked, []gongfu.ReportStatus{gongfu.StatusSubmitted}, gongfu.StatusApproved, "")
	mustNoErr(t, err)
	draft := f.key("1.1", 1, "2020-04")
	mustNoErr(t, s.SaveReport(ctx, &gongfu.Report{ReportKey: draft, Value: fp(3)}, 0))
	before := snap(t, s)

	reps := []*gongfu.Report{
		{ReportKey: f.key("1.1", 0, "2020-04"), Value: fp(9)},
		{ReportKey: draft, Value: fp(4)},
		{ReportKey: locked, Value: fp(6)},
		{ReportKey: f.key("1.m1", 0, "2020-04"), Stage: gongfu.StageDone},
	}
	err = s.SaveReports(ctx, reps)
	wantCode(t, err, gongfu.ECONFLICT)
	msg := gongfu.ErrorMessage(err)
	for _, want := range []string{"锁定", "第 3 条", "1.1", "2020-04", fmt.Sprint(locked.OrgID)} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q does not contain %q (it must name the locked report)", msg, want)
		}
	}
	if after := snap(t, s); after != before {
		t.Errorf("a refused batch wrote: before %+v, after %+v", before, after)
	}
	for i, r := range reps {
		if r.Version != 0 || r.UpdatedBy != "" || r.Status != "" {
			t.Errorf("report %d of a refused batch was changed: %s", i, jsonOf(r))
		}
	}
	if _, err := s.FindReport(ctx, reps[0].ReportKey); gongfu.ErrorCode(err) != gongfu.ENOTFOUND {
		t.Errorf("the first report of a refused batch was stored (err %v)", err)
	}
	got, err := s.FindReport(ctx, draft)
	mustNoErr(t, err)
	if got.Version != 1 || *got.Value != 3 {
		t.Errorf("the draft of a refused batch changed: %s", jsonOf(got))
	}
	got, err = s.FindReport(ctx, locked)
	mustNoErr(t, err)
	if got.Status != gongfu.StatusApproved || *got.Value != 5 {
		t.Errorf("the locked report changed: %s", jsonOf(got))
	}
	wantChain(t, s)
}

func testBulkInvalid(t *testing.T, s gongfu.Store) {
	f := newReportFixture(t, s)
	ctx := t.Context()
	before := snap(t, s)
	ok := func() *gongfu.Report { return &gongfu.Report{ReportKey: f.key("1.1", 0, "2020-05"), Value: fp(1)} }
	tests := []struct {
		name string
		bad  *gongfu.Report
		code string
	}{
		{"nil report", nil, gongfu.EINVALID},
		{"bad period", &gongfu.Report{ReportKey: f.key("1.1", 1, "2020-5"), Value: fp(1)}, gongfu.EINVALID},
		{"bad stage", &gongfu.Report{ReportKey: f.key("1.m1", 1, "2020-05"), Stage: "half"}, gongfu.EINVALID},
		{"unknown item", &gongfu.Report{ReportKey: f.key("9.9", 1, "2020-05"), Value: fp(1)}, gongfu.ENOTFOUND},
		{"unknown org", &gongfu.Report{ReportKey: gongfu.ReportKey{PlanID: f.plan, ItemID: "1.1", OrgID: 9999, Period: "2020-05"}, Value: fp(1)}, gongfu.ENOTFOUND},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			first := ok()
			err := s.SaveReports(ctx, []*gongfu.Report{first, tt.bad})
			wantCode(t, err, tt.code)
			if msg := gongfu.ErrorMessage(err); !strings.Contains(msg, "第 2 条") {
				t.Errorf("message %q does not name report 2", msg)
			}
			if first.Version != 0 {
				t.Errorf("the valid report of a refused batch got version %d", first.Version)
			}
		})
	}
	if after := snap(t, s); after != before {
		t.Errorf("refused batches wrote: before %+v, after %+v", before, after)
	}
	got, err := s.FindReports(ctx, gongfu.ReportFilter{})
	mustNoErr(t, err)
	if len(got) != 0 {
		t.Errorf("%d reports stored by refused batches, want none", len(got))
	}
}

func testBulkEmpty(t *testing.T, s gongfu.Store) {
	newReportFixture(t, s)
	before := snap(t, s)
	mustNoErr(t, s.SaveReports(t.Context(), nil))
	mustNoErr(t, s.SaveReports(t.Context(), []*gongfu.Report{}))
	if after := snap(t, s); after != before {
		t.Errorf("an empty batch wrote: before %+v, after %+v", before, after)
	}
}

func testBulkLarge(t *testing.T, s gongfu.Store) {
	f := newReportFixture(t, s)
	ctx := t.Context()
	// 2,000 distinct keys: the sample's 8 items × 12 months × 21 areas.
	areas := []int64{f.areas[0].ID, f.areas[1].ID, f.areas[2].ID}
	var more []*gongfu.Org
	for i := range 18 {
		name := fmt.Sprintf("测试%02d县", i+1)
		more = append(more, &gongfu.Org{Name: name, Kind: gongfu.OrgCounty, Class: "county", Path: "温州市/" + name})
	}
	_, err := s.EnsureOrgs(ctx, more)
	mustNoErr(t, err)
	for _, o := range more {
		areas = append(areas, o.ID)
	}
	items := []string{"1.1", "1.2", "1.m1", "1.m2", "2.1", "3.1", "3.2", "3.m1"}
	const n = 2000
	reps := make([]*gongfu.Report, 0, n)
	for _, org := range areas {
		for m := 1; m <= 12; m++ {
			for _, item := range items {
				if len(reps) == n {
					break
				}
				k := gongfu.ReportKey{PlanID: f.plan, ItemID: item, OrgID: org, Period: fmt.Sprintf("2020-%02d", m)}
				r := &gongfu.Report{ReportKey: k, Value: fp(float64(len(reps)))}
				if strings.Contains(item, "m") {
					r = &gongfu.Report{ReportKey: k, Stage: gongfu.StageNotStarted}
				}
				reps = append(reps, r)
			}
		}
	}
	before := len(allAudit(t, s))
	mustNoErr(t, s.SaveReports(ctx, reps))
	got, err := s.FindReports(ctx, gongfu.ReportFilter{PlanID: f.plan})
	mustNoErr(t, err)
	if len(got) != n {
		t.Errorf("%d reports stored, want %d", len(got), n)
	}
	if d := len(allAudit(t, s)) - before; d != n {
		t.Errorf("%d audit entries, want %d", d, n)
	}
	for _, r := range reps {
		if r.Version != 1 {
			t.Fatalf("report %s has version %d after the batch, want 1", r.ReportKey, r.Version)
		}
	}
	wantChain(t, s)
}

func init() {
	bulkTests = append(bulkTests, struct {
		name string
		fn   func(t *testing.T, s gongfu.Store)
	}{"BulkStatusAllOrNone", testBulkStatus})
}

// testBulkStatus approves several reports at once, and refuses the whole
// batch when one of them is not in a state it may leave.
func testBulkStatus(t *testing.T, s gongfu.Store) {
	f := newReportFixture(t, s)
	ctx := gongfu.WithActor(t.Context(), &gongfu.User{Name: "coord"})
	var keys []gongfu.ReportKey
	for _, p := range []string{"2020-03", "2020-04", "2020-05"} {
		v := 2.0
		r := &gongfu.Report{ReportKey: f.key("1.1", 1, p), Value: &v, Status: gongfu.StatusSubmitted}
		mustNoErr(t, s.SaveReport(ctx, r, -1))
		keys = append(keys, r.ReportKey)
	}
	draft := 1.0
	mustNoErr(t, s.SaveReport(ctx, &gongfu.Report{ReportKey: f.key("1.1", 2, "2020-05"), Value: &draft}, -1))
	before := len(allAudit(t, s))
	bad := append(append([]gongfu.ReportKey{}, keys...), f.key("1.1", 2, "2020-05"))
	_, err := s.SetReportStatuses(ctx, bad, []gongfu.ReportStatus{gongfu.StatusSubmitted}, gongfu.StatusApproved, "")
	wantCode(t, err, gongfu.ECONFLICT)
	if n := len(allAudit(t, s)); n != before {
		t.Fatalf("a refused batch wrote %d audit entries", n-before)
	}
	for _, k := range keys {
		r, _ := s.FindReport(ctx, k)
		if r.Status != gongfu.StatusSubmitted {
			t.Fatalf("a refused batch moved %s to %s", k, r.Status)
		}
	}
	n, err := s.SetReportStatuses(ctx, keys, []gongfu.ReportStatus{gongfu.StatusSubmitted}, gongfu.StatusApproved, "")
	mustNoErr(t, err)
	if n != 3 {
		t.Errorf("moved %d, want 3", n)
	}
	for _, k := range keys {
		if r, _ := s.FindReport(ctx, k); r.Status != gongfu.StatusApproved || r.UpdatedBy != "coord" {
			t.Errorf("%s is %s by %s", k, r.Status, r.UpdatedBy)
		}
	}
	if _, err := s.VerifyAudit(ctx); err != nil {
		t.Error(err)
	}
}
