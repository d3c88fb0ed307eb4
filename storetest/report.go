package storetest

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"gongfu"
)

// reportTests are Run's cases for gongfu.ReportService.
var reportTests = []struct {
	name string
	fn   func(t *testing.T, s gongfu.Store)
}{
	{"ReportCreateUpdate", testReportCreateUpdate},
	{"ReportVersionConflict", testReportVersionConflict},
	{"ReportReviewLockReopen", testReportReviewLock},
	{"ReportReturnKeepsComment", testReportReturn},
	{"ReportWrongState", testReportWrongState},
	{"ReportUnknownItemOrOrg", testReportNotFound},
	{"ReportInvalid", testReportInvalid},
	{"ReportFiguresRoundTrip", testReportFigures},
	{"ReportFind", testReportFind},
	{"ReportItemUnits", testReportItemUnits},
	{"ReportConcurrentSaves", testReportConcurrent},
}

// reportFixture is the sample plan stored with its departments and three
// areas to report for.
type reportFixture struct {
	plan  int64
	orgs  []*gongfu.Org // SampleOrgs, ids filled in
	areas []*gongfu.Org // the city and two counties
}

// newReportFixture stores the sample plan and orgs plus two counties.
func newReportFixture(t *testing.T, s gongfu.Store) *reportFixture {
	t.Helper()
	ctx := t.Context()
	orgs := SampleOrgs()
	counties := []*gongfu.Org{
		{Name: "鹿城区", Kind: gongfu.OrgCounty, Class: "district", Path: "温州市/鹿城区", Population: 118.95},
		{Name: "瑞安市", Kind: gongfu.OrgCounty, Class: "county-city", Path: "温州市/瑞安市", Population: 152.8},
	}
	_, err := s.EnsureOrgs(ctx, append(append([]*gongfu.Org{}, orgs...), counties...))
	mustNoErr(t, err)
	res, err := s.ImportPlan(ctx, SamplePlan(), orgs)
	mustNoErr(t, err)
	return &reportFixture{plan: res.PlanID, orgs: orgs, areas: []*gongfu.Org{orgs[0], counties[0], counties[1]}}
}

// key names the report of item for the i-th area in period.
func (f *reportFixture) key(item string, area int, period string) gongfu.ReportKey {
	return gongfu.ReportKey{PlanID: f.plan, ItemID: item, OrgID: f.areas[area].ID, Period: period}
}

// org returns the id of the sample org named name.
func (f *reportFixture) org(t *testing.T, name string) int64 {
	t.Helper()
	for _, o := range f.orgs {
		if o.Name == name {
			return o.ID
		}
	}
	t.Fatalf("no sample org %s", name)
	return 0
}

func fp(v float64) *float64 { return &v }

// lastAudit returns the newest audit entry of s.
func lastAudit(t *testing.T, s gongfu.Store) gongfu.AuditEntry {
	t.Helper()
	es := allAudit(t, s)
	if len(es) == 0 {
		t.Fatal("no audit entries")
	}
	return es[len(es)-1]
}

// figures decodes the old or new figures of a report.save entry.
func figures(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("audit figures %q are not a JSON object: %v", s, err)
	}
	return m
}

// wantChain fails t unless the audit chain of s verifies.
func wantChain(t *testing.T, s gongfu.Store) {
	t.Helper()
	if seq, err := s.VerifyAudit(t.Context()); seq != 0 || err != nil {
		t.Errorf("VerifyAudit = %d, %v; want 0, nil", seq, err)
	}
}

// sameReport fails t unless got holds what want holds, times compared as
// instants.
func sameReport(t *testing.T, got, want *gongfu.Report) {
	t.Helper()
	if !got.UpdatedAt.Equal(want.UpdatedAt) {
		t.Errorf("updated at %v, want %v", got.UpdatedAt, want.UpdatedAt)
	}
	g, w := *got, *want
	g.UpdatedAt = w.UpdatedAt
	if !reflect.DeepEqual(g, w) {
		t.Errorf("report differs\n got: %s\nwant: %s", jsonOf(g), jsonOf(w))
	}
}

func testReportCreateUpdate(t *testing.T, s gongfu.Store) {
	f := newReportFixture(t, s)
	ctx := gongfu.WithActor(t.Context(), &gongfu.User{Name: "rep1"})
	k := f.key("1.1", 1, "2020-05")
	before := len(allAudit(t, s))

	r := &gongfu.Report{ReportKey: k, Value: fp(12), Note: "含改扩建"}
	mustNoErr(t, s.SaveReport(ctx, r, 0))
	if r.Version != 1 || r.Status != gongfu.StatusDraft || r.UpdatedBy != "rep1" || r.UpdatedAt.IsZero() {
		t.Errorf("after create: version %d status %s by %q at %v; want 1 draft rep1", r.Version, r.Status, r.UpdatedBy, r.UpdatedAt)
	}
	got, err := s.FindReport(ctx, k)
	mustNoErr(t, err)
	sameReport(t, got, r)

	es := allAudit(t, s)
	if len(es) != before+1 {
		t.Fatalf("%d audit entries after create, want %d", len(es), before+1)
	}
	e := es[len(es)-1]
	if e.Action != "report.save" || e.Object != k.String() || e.Actor != "rep1" || e.Old != "" || e.Result != "ok" {
		t.Errorf("audit entry = %s, want report.save of %s by rep1 with no old value", jsonOf(e), k)
	}
	nw := figures(t, e.New)
	if nw["value"] != 12.0 || nw["version"] != 1.0 || nw["status"] != "draft" || nw["note"] != "含改扩建" {
		t.Errorf("audit new figures = %s", e.New)
	}

	r.Value, r.Reason = fp(10), "统计口径调整"
	mustNoErr(t, s.SaveReport(ctx, r, 1))
	if r.Version != 2 || r.Status != gongfu.StatusDraft {
		t.Errorf("after update: version %d status %s; want 2 draft", r.Version, r.Status)
	}
	got, err = s.FindReport(ctx, k)
	mustNoErr(t, err)
	sameReport(t, got, r)
	e = lastAudit(t, s)
	old, nw := figures(t, e.Old), figures(t, e.New)
	if e.Action != "report.save" || e.Reason != "统计口径调整" || old["value"] != 12.0 || old["version"] != 1.0 ||
		nw["value"] != 10.0 || nw["version"] != 2.0 {
		t.Errorf("audit entry of the update = %s", jsonOf(e))
	}

	// expect -1: no version check.
	r.Value = fp(11)
	mustNoErr(t, s.SaveReport(ctx, r, -1))
	if r.Version != 3 {
		t.Errorf("after unchecked update: version %d, want 3", r.Version)
	}
	wantChain(t, s)
}

func testReportVersionConflict(t *testing.T, s gongfu.Store) {
	f := newReportFixture(t, s)
	ctx := t.Context()
	k := f.key("1.1", 0, "2020-05")
	mustNoErr(t, s.SaveReport(ctx, &gongfu.Report{ReportKey: k, Value: fp(1)}, 0))
	mustNoErr(t, s.SaveReport(ctx, &gongfu.Report{ReportKey: k, Value: fp(2)}, 1))
	before := snap(t, s)

	for _, expect := range []int64{0, 1, 3} {
		r := &gongfu.Report{ReportKey: k, Value: fp(99)}
		err := s.SaveReport(ctx, r, expect)
		wantCode(t, err, gongfu.ECONFLICT)
		if msg := gongfu.ErrorMessage(err); !strings.Contains(msg, "刷新") {
			t.Errorf("stale version message %q does not ask to refresh", msg)
		}
		if r.Version != 0 || r.UpdatedBy != "" {
			t.Errorf("rejected save set version %d by %q", r.Version, r.UpdatedBy)
		}
	}
	// A report that does not exist yet is at version 0.
	k2 := f.key("1.1", 0, "2020-06")
	wantCode(t, s.SaveReport(ctx, &gongfu.Report{ReportKey: k2, Value: fp(1)}, 1), gongfu.ECONFLICT)
	_, err := s.FindReport(ctx, k2)
	wantCode(t, err, gongfu.ENOTFOUND)

	if after := snap(t, s); after != before {
		t.Errorf("rejected saves wrote: before %+v, after %+v", before, after)
	}
	got, err := s.FindReport(ctx, k)
	mustNoErr(t, err)
	if got.Version != 2 || *got.Value != 2 {
		t.Errorf("report after rejected saves: version %d value %v, want 2 and 2", got.Version, *got.Value)
	}
	wantChain(t, s)
}

func testReportReviewLock(t *testing.T, s gongfu.Store) {
	f := newReportFixture(t, s)
	rep := gongfu.WithActor(t.Context(), &gongfu.User{Name: "rep1"})
	coord := gongfu.WithActor(t.Context(), &gongfu.User{Name: "coord"})
	k := f.key("3.1", 2, "2020-Q2")
	r := &gongfu.Report{ReportKey: k, Value: fp(0.4)}
	mustNoErr(t, s.SaveReport(rep, r, 0))

	got, err := s.SetReportStatus(rep, k, []gongfu.ReportStatus{gongfu.StatusDraft, gongfu.StatusReturned}, gongfu.StatusSubmitted, "")
	mustNoErr(t, err)
	if got.Status != gongfu.StatusSubmitted || got.Version != 2 || got.UpdatedBy != "rep1" || *got.Value != 0.4 {
		t.Errorf("after submit: %s", jsonOf(got))
	}
	e := lastAudit(t, s)
	if e.Action != "report.submitted" || e.Object != k.String() || e.Actor != "rep1" ||
		!strings.Contains(e.Old, "draft") || !strings.Contains(e.New, "submitted") {
		t.Errorf("audit entry of submit = %s", jsonOf(e))
	}

	got, err = s.SetReportStatus(coord, k, []gongfu.ReportStatus{gongfu.StatusSubmitted}, gongfu.StatusApproved, "")
	mustNoErr(t, err)
	if got.Status != gongfu.StatusApproved || got.Version != 3 || got.UpdatedBy != "coord" {
		t.Errorf("after approve: %s", jsonOf(got))
	}
	if e := lastAudit(t, s); e.Action != "report.approved" || e.Actor != "coord" {
		t.Errorf("audit entry of approve = %s", jsonOf(e))
	}
	found, err := s.FindReport(rep, k)
	mustNoErr(t, err)
	sameReport(t, found, got)

	// Approved is locked, whatever version the caller expects.
	before := snap(t, s)
	for _, expect := range []int64{-1, 3} {
		err := s.SaveReport(rep, &gongfu.Report{ReportKey: k, Value: fp(0.9)}, expect)
		wantCode(t, err, gongfu.ECONFLICT)
		if msg := gongfu.ErrorMessage(err); !strings.Contains(msg, "锁定") {
			t.Errorf("locked message %q does not say the period is locked", msg)
		}
	}
	if after := snap(t, s); after != before {
		t.Errorf("saves of an approved report wrote: before %+v, after %+v", before, after)
	}

	// A coordinator reopens it, with a reason; then it can be saved again.
	got, err = s.SetReportStatus(coord, k, []gongfu.ReportStatus{gongfu.StatusApproved}, gongfu.StatusDraft, "数据有误，重新填报")
	mustNoErr(t, err)
	if got.Status != gongfu.StatusDraft || got.Version != 4 {
		t.Errorf("after reopen: %s", jsonOf(got))
	}
	e = lastAudit(t, s)
	if e.Action != "report.draft" || e.Reason != "数据有误，重新填报" || e.Actor != "coord" ||
		!strings.Contains(e.Old, "approved") || !strings.Contains(e.New, "draft") {
		t.Errorf("audit entry of reopen = %s", jsonOf(e))
	}
	r = &gongfu.Report{ReportKey: k, Value: fp(0.9)}
	mustNoErr(t, s.SaveReport(rep, r, 4))
	if r.Version != 5 || r.Status != gongfu.StatusDraft {
		t.Errorf("after saving the reopened report: version %d status %s", r.Version, r.Status)
	}
	wantChain(t, s)
}

func testReportReturn(t *testing.T, s gongfu.Store) {
	f := newReportFixture(t, s)
	ctx := t.Context()
	k := f.key("2.1", 1, "2020-05")

	// A reporter can save and submit at once.
	r := &gongfu.Report{ReportKey: k, Value: fp(97)}
	r.Status = gongfu.StatusSubmitted
	mustNoErr(t, s.SaveReport(ctx, r, 0))
	if r.Status != gongfu.StatusSubmitted || r.Version != 1 {
		t.Errorf("save and submit: status %s version %d", r.Status, r.Version)
	}

	const comment = "请核实持证人数来源"
	got, err := s.SetReportStatus(ctx, k, []gongfu.ReportStatus{gongfu.StatusSubmitted}, gongfu.StatusReturned, comment)
	mustNoErr(t, err)
	if got.Status != gongfu.StatusReturned || got.Comment != comment || got.Version != 2 {
		t.Errorf("after return: %s", jsonOf(got))
	}
	if e := lastAudit(t, s); e.Action != "report.returned" || e.Reason != comment {
		t.Errorf("audit entry of return = %s", jsonOf(e))
	}

	// Editing a returned report makes it a draft and keeps the comment.
	r = &gongfu.Report{ReportKey: k, Value: fp(96.5), Status: gongfu.StatusReturned}
	mustNoErr(t, s.SaveReport(ctx, r, 2))
	if r.Status != gongfu.StatusDraft || r.Comment != comment || r.Version != 3 {
		t.Errorf("edited returned report: status %s comment %q version %d", r.Status, r.Comment, r.Version)
	}
	got, err = s.FindReport(ctx, k)
	mustNoErr(t, err)
	if got.Comment != comment || got.Status != gongfu.StatusDraft {
		t.Errorf("stored edited report: status %s comment %q", got.Status, got.Comment)
	}

	// Submitting clears it.
	got, err = s.SetReportStatus(ctx, k, []gongfu.ReportStatus{gongfu.StatusDraft, gongfu.StatusReturned}, gongfu.StatusSubmitted, "")
	mustNoErr(t, err)
	if got.Comment != "" || got.Status != gongfu.StatusSubmitted || got.Version != 4 {
		t.Errorf("after resubmit: %s", jsonOf(got))
	}

	// So does saving with status submitted.
	_, err = s.SetReportStatus(ctx, k, []gongfu.ReportStatus{gongfu.StatusSubmitted}, gongfu.StatusReturned, comment)
	mustNoErr(t, err)
	r = &gongfu.Report{ReportKey: k, Value: fp(96), Status: gongfu.StatusSubmitted}
	mustNoErr(t, s.SaveReport(ctx, r, 5))
	got, err = s.FindReport(ctx, k)
	mustNoErr(t, err)
	if got.Comment != "" || got.Status != gongfu.StatusSubmitted || got.Version != 6 || r.Comment != "" {
		t.Errorf("after save and resubmit: %s", jsonOf(got))
	}

	// Approving clears a comment too.
	got, err = s.SetReportStatus(ctx, k, []gongfu.ReportStatus{gongfu.StatusSubmitted}, gongfu.StatusApproved, "")
	mustNoErr(t, err)
	if got.Comment != "" || got.Status != gongfu.StatusApproved {
		t.Errorf("after approve: %s", jsonOf(got))
	}
	wantChain(t, s)
}

func testReportWrongState(t *testing.T, s gongfu.Store) {
	f := newReportFixture(t, s)
	ctx := t.Context()
	k := f.key("1.1", 0, "2020-05")
	mustNoErr(t, s.SaveReport(ctx, &gongfu.Report{ReportKey: k, Value: fp(3)}, 0))
	before := snap(t, s)

	_, err := s.SetReportStatus(ctx, k, []gongfu.ReportStatus{gongfu.StatusSubmitted}, gongfu.StatusApproved, "")
	wantCode(t, err, gongfu.ECONFLICT)
	if msg := gongfu.ErrorMessage(err); !strings.Contains(msg, "草稿") {
		t.Errorf("message %q does not name the current status 草稿", msg)
	}
	_, err = s.SetReportStatus(ctx, k, nil, gongfu.StatusSubmitted, "")
	wantCode(t, err, gongfu.ECONFLICT)
	if after := snap(t, s); after != before {
		t.Errorf("refused status changes wrote: before %+v, after %+v", before, after)
	}

	_, err = s.SetReportStatus(ctx, k, []gongfu.ReportStatus{gongfu.StatusDraft}, gongfu.StatusSubmitted, "")
	mustNoErr(t, err)
	_, err = s.SetReportStatus(ctx, k, []gongfu.ReportStatus{gongfu.StatusSubmitted}, gongfu.StatusApproved, "")
	mustNoErr(t, err)
	_, err = s.SetReportStatus(ctx, k, []gongfu.ReportStatus{gongfu.StatusSubmitted}, gongfu.StatusReturned, "晚了")
	wantCode(t, err, gongfu.ECONFLICT)
	if msg := gongfu.ErrorMessage(err); !strings.Contains(msg, "已审核") {
		t.Errorf("message %q does not name the current status 已审核", msg)
	}
	got, err := s.FindReport(ctx, k)
	mustNoErr(t, err)
	if got.Status != gongfu.StatusApproved || got.Version != 3 || got.Comment != "" {
		t.Errorf("report after a refused return: %s", jsonOf(got))
	}

	// No such report.
	_, err = s.SetReportStatus(ctx, f.key("1.1", 0, "2020-06"), []gongfu.ReportStatus{gongfu.StatusDraft}, gongfu.StatusSubmitted, "")
	wantCode(t, err, gongfu.ENOTFOUND)
	// No such status.
	_, err = s.SetReportStatus(ctx, k, []gongfu.ReportStatus{gongfu.StatusApproved}, "archived", "")
	wantCode(t, err, gongfu.EINVALID)
	wantChain(t, s)
}

func testReportNotFound(t *testing.T, s gongfu.Store) {
	f := newReportFixture(t, s)
	ctx := t.Context()
	before := snap(t, s)
	tests := []struct {
		name string
		key  gongfu.ReportKey
	}{
		{"unknown item", f.key("9.9", 0, "2020-05")},
		{"unknown milestone", f.key("1.m9", 0, "2020-05")},
		{"unknown plan", gongfu.ReportKey{PlanID: f.plan + 100, ItemID: "1.1", OrgID: f.areas[0].ID, Period: "2020-05"}},
		{"unknown org", gongfu.ReportKey{PlanID: f.plan, ItemID: "1.1", OrgID: 9999, Period: "2020-05"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &gongfu.Report{ReportKey: tt.key, Value: fp(1)}
			wantCode(t, s.SaveReport(ctx, r, 0), gongfu.ENOTFOUND)
			wantCode(t, s.SaveReport(ctx, r, -1), gongfu.ENOTFOUND)
			if r.Version != 0 {
				t.Errorf("rejected report got version %d", r.Version)
			}
			_, err := s.FindReport(ctx, tt.key)
			wantCode(t, err, gongfu.ENOTFOUND)
		})
	}
	if after := snap(t, s); after != before {
		t.Errorf("rejected reports wrote: before %+v, after %+v", before, after)
	}
	got, err := s.FindReports(ctx, gongfu.ReportFilter{})
	mustNoErr(t, err)
	if len(got) != 0 {
		t.Errorf("%d reports stored, want none", len(got))
	}
}

func testReportInvalid(t *testing.T, s gongfu.Store) {
	f := newReportFixture(t, s)
	ctx := t.Context()
	before := snap(t, s)
	tests := []struct {
		name   string
		modify func(r *gongfu.Report)
	}{
		{"period not canonical", func(r *gongfu.Report) { r.Period = "2020-5" }},
		{"period missing", func(r *gongfu.Report) { r.Period = "" }},
		{"value NaN", func(r *gongfu.Report) { r.Value = fp(math.NaN()) }},
		{"numerator infinite", func(r *gongfu.Report) { r.Numerator, r.Denominator = fp(math.Inf(1)), fp(1) }},
		{"bad stage", func(r *gongfu.Report) { r.Stage = "half" }},
		{"bad status", func(r *gongfu.Report) { r.Status = "archived" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &gongfu.Report{ReportKey: f.key("1.1", 0, "2020-05"), Value: fp(1)}
			tt.modify(r)
			wantCode(t, s.SaveReport(ctx, r, -1), gongfu.EINVALID)
		})
	}
	wantCode(t, s.SaveReport(ctx, nil, -1), gongfu.EINVALID)
	if after := snap(t, s); after != before {
		t.Errorf("invalid reports wrote: before %+v, after %+v", before, after)
	}
}

func testReportFigures(t *testing.T, s gongfu.Store) {
	f := newReportFixture(t, s)
	ctx := t.Context()

	rate := &gongfu.Report{
		ReportKey: f.key("2.1", 1, "2020-06"),
		Value:     fp(97.5), Numerator: fp(3900), Denominator: fp(4000),
		Note: "按教育统计年报口径", Reason: "年中调出教师",
		Flags: []string{"outlier: robust z 4.1", "fell since 2020-05"},
	}
	mile := &gongfu.Report{
		ReportKey: f.key("1.m2", 1, "2020-06"),
		Stage:     gongfu.StageInProgress, Percent: fp(40),
		Note: "布局规划已征求意见",
	}
	done := &gongfu.Report{ReportKey: f.key("3.m1", 2, "2020-Q4"), Stage: gongfu.StageDone, Flags: []string{}}
	for _, r := range []*gongfu.Report{rate, mile, done} {
		mustNoErr(t, s.SaveReport(ctx, r, 0))
	}
	for _, want := range []*gongfu.Report{rate, mile, done} {
		got, err := s.FindReport(ctx, want.ReportKey)
		mustNoErr(t, err)
		w := *want
		if len(w.Flags) == 0 {
			w.Flags = nil // no flags come back as nil
		}
		sameReport(t, got, &w)
	}
	got, err := s.FindReport(ctx, mile.ReportKey)
	mustNoErr(t, err)
	if got.Value != nil || got.Numerator != nil || got.Denominator != nil {
		t.Errorf("milestone report has numbers: %s", jsonOf(got))
	}
	if got.Flags != nil {
		t.Errorf("flags %#v, want nil", got.Flags)
	}

	// Figures can be cleared again.
	rate.Numerator, rate.Denominator, rate.Flags, rate.Reason = nil, nil, nil, ""
	mustNoErr(t, s.SaveReport(ctx, rate, 1))
	got, err = s.FindReport(ctx, rate.ReportKey)
	mustNoErr(t, err)
	sameReport(t, got, rate)

	// A zero is a value, not a missing one.
	zero := &gongfu.Report{ReportKey: f.key("1.1", 0, "2020-01"), Value: fp(0), Percent: nil}
	mustNoErr(t, s.SaveReport(ctx, zero, 0))
	got, err = s.FindReport(ctx, zero.ReportKey)
	mustNoErr(t, err)
	if got.Value == nil || *got.Value != 0 {
		t.Errorf("zero value came back as %v", got.Value)
	}
	wantChain(t, s)
}

func testReportFind(t *testing.T, s gongfu.Store) {
	f := newReportFixture(t, s)
	ctx := t.Context()
	// Saved out of order, to see that FindReports orders them.
	keys := []gongfu.ReportKey{
		f.key("3.m1", 0, "2020-05"),
		f.key("1.m2", 2, "2020-06"),
		f.key("3.1", 1, "2020-05"),
		f.key("1.1", 2, "2020-05"),
		f.key("1.1", 1, "2020-06"),
		f.key("1.1", 1, "2020-05"),
		f.key("2.1", 0, "2020-06"),
		f.key("1.m1", 0, "2020-05"),
	}
	for _, k := range keys {
		r := &gongfu.Report{ReportKey: k, Value: fp(1)}
		if strings.Contains(k.ItemID, "m") {
			r = &gongfu.Report{ReportKey: k, Stage: gongfu.StageNotStarted}
		}
		mustNoErr(t, s.SaveReport(ctx, r, 0))
	}
	_, err := s.SetReportStatus(ctx, keys[2], []gongfu.ReportStatus{gongfu.StatusDraft}, gongfu.StatusSubmitted, "")
	mustNoErr(t, err)
	_, err = s.SetReportStatus(ctx, keys[5], []gongfu.ReportStatus{gongfu.StatusDraft}, gongfu.StatusSubmitted, "")
	mustNoErr(t, err)

	// Plan order of the sample: 1.1 1.2 1.m1 1.m2 2.1 3.1 3.2 3.m1; then org, then period.
	order := []string{"1.1", "1.2", "1.m1", "1.m2", "2.1", "3.1", "3.2", "3.m1"}
	sorted := slices.Clone(keys)
	slices.SortFunc(sorted, func(a, b gongfu.ReportKey) int {
		if d := slices.Index(order, a.ItemID) - slices.Index(order, b.ItemID); d != 0 {
			return d
		}
		if a.OrgID != b.OrgID {
			return int(a.OrgID - b.OrgID)
		}
		return strings.Compare(a.Period, b.Period)
	})
	pick := func(keep func(k gongfu.ReportKey) bool) []string {
		var out []string
		for _, k := range sorted {
			if keep(k) {
				out = append(out, k.String())
			}
		}
		return out
	}
	city, lucheng := f.areas[0].ID, f.areas[1].ID
	tests := []struct {
		name   string
		filter gongfu.ReportFilter
		want   []string
	}{
		{"all", gongfu.ReportFilter{}, pick(func(gongfu.ReportKey) bool { return true })},
		{"plan", gongfu.ReportFilter{PlanID: f.plan}, pick(func(gongfu.ReportKey) bool { return true })},
		{"other plan", gongfu.ReportFilter{PlanID: f.plan + 1}, nil},
		{"item", gongfu.ReportFilter{PlanID: f.plan, ItemID: "1.1"},
			pick(func(k gongfu.ReportKey) bool { return k.ItemID == "1.1" })},
		{"milestone", gongfu.ReportFilter{PlanID: f.plan, ItemID: "1.m2"},
			pick(func(k gongfu.ReportKey) bool { return k.ItemID == "1.m2" })},
		{"org", gongfu.ReportFilter{PlanID: f.plan, OrgID: city},
			pick(func(k gongfu.ReportKey) bool { return k.OrgID == city })},
		{"period", gongfu.ReportFilter{PlanID: f.plan, Period: "2020-05"},
			pick(func(k gongfu.ReportKey) bool { return k.Period == "2020-05" })},
		{"status", gongfu.ReportFilter{Status: gongfu.StatusSubmitted},
			pick(func(k gongfu.ReportKey) bool { return k == keys[2] || k == keys[5] })},
		{"org and period", gongfu.ReportFilter{PlanID: f.plan, OrgID: lucheng, Period: "2020-05"},
			pick(func(k gongfu.ReportKey) bool { return k.OrgID == lucheng && k.Period == "2020-05" })},
		{"item, org and status", gongfu.ReportFilter{ItemID: "1.1", OrgID: lucheng, Status: gongfu.StatusDraft},
			[]string{keys[4].String()}},
		{"none", gongfu.ReportFilter{Period: "2020-Q1"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.FindReports(ctx, tt.filter)
			mustNoErr(t, err)
			if got == nil {
				t.Error("FindReports returned nil, want an empty list")
			}
			var names []string
			for _, r := range got {
				names = append(names, r.ReportKey.String())
			}
			if !slices.Equal(names, tt.want) {
				t.Errorf("FindReports(%+v)\n got %q\nwant %q", tt.filter, names, tt.want)
			}
		})
	}
	// The listed reports are whole.
	got, err := s.FindReports(ctx, gongfu.ReportFilter{ItemID: "1.1", OrgID: lucheng, Period: "2020-05"})
	mustNoErr(t, err)
	one, err := s.FindReport(ctx, keys[5])
	mustNoErr(t, err)
	if len(got) != 1 {
		t.Fatalf("%d reports, want 1", len(got))
	}
	sameReport(t, got[0], one)
}

func testReportItemUnits(t *testing.T, s gongfu.Store) {
	f := newReportFixture(t, s)
	ctx := t.Context()
	unit := func(name string, lead bool) gongfu.ItemUnit {
		return gongfu.ItemUnit{OrgID: f.org(t, name), Lead: lead}
	}
	tests := []struct {
		item string
		want []gongfu.ItemUnit
	}{
		{"1.1", []gongfu.ItemUnit{unit("市教育局", true), unit("市发展改革委", false), unit("市财政局", false)}},
		// Task 2 names 市人力社保局 twice: it leads and counts once.
		{"2.1", []gongfu.ItemUnit{unit("市人力社保局", true), unit("市教育局", false)}},
		{"3.2", []gongfu.ItemUnit{unit("市卫生健康委", true), unit("市财政局", false)}},
		{"1.m2", []gongfu.ItemUnit{unit("市教育局", true), unit("市发展改革委", false), unit("市财政局", false)}},
		{"3.m1", []gongfu.ItemUnit{unit("市卫生健康委", true), unit("市财政局", false)}},
	}
	for _, tt := range tests {
		t.Run(tt.item, func(t *testing.T) {
			got, err := s.FindItemUnits(ctx, f.plan, tt.item)
			mustNoErr(t, err)
			if !slices.Equal(got, tt.want) {
				t.Errorf("FindItemUnits(%s) = %+v, want %+v", tt.item, got, tt.want)
			}
		})
	}
	// Units named out of id order come back in the plan's order, lead first,
	// and each plan answers for its own items.
	p := SamplePlan()
	p.Title = "单位顺序不同的计划"
	p.Domains[1].Tasks[0].Units = []string{"市财政局", "市卫生健康委", "市发展改革委"}
	res, err := s.ImportPlan(ctx, p, nil)
	mustNoErr(t, err)
	got, err := s.FindItemUnits(ctx, res.PlanID, "3.1")
	mustNoErr(t, err)
	if want := []gongfu.ItemUnit{unit("市财政局", true), unit("市卫生健康委", false), unit("市发展改革委", false)}; !slices.Equal(got, want) {
		t.Errorf("FindItemUnits(3.1) of the second plan = %+v, want %+v", got, want)
	}
	got, err = s.FindItemUnits(ctx, f.plan, "3.1")
	mustNoErr(t, err)
	if want := []gongfu.ItemUnit{unit("市卫生健康委", true), unit("市财政局", false)}; !slices.Equal(got, want) {
		t.Errorf("FindItemUnits(3.1) of the first plan = %+v, want %+v", got, want)
	}

	for _, tt := range []struct {
		plan int64
		item string
	}{{f.plan, "9.9"}, {f.plan, "1.m9"}, {f.plan, ""}, {res.PlanID + 1, "1.1"}} {
		_, err := s.FindItemUnits(ctx, tt.plan, tt.item)
		wantCode(t, err, gongfu.ENOTFOUND)
	}
}

func testReportConcurrent(t *testing.T, s gongfu.Store) {
	f := newReportFixture(t, s)
	ctx := t.Context()
	before := len(allAudit(t, s))
	const writers = 8
	keys := make([]gongfu.ReportKey, writers)
	for i := range keys {
		keys[i] = f.key("1.1", i%len(f.areas), fmt.Sprintf("2020-%02d", i+1))
	}
	var wg sync.WaitGroup
	errs := make(chan error, writers*3)
	start := make(chan struct{})
	for i, k := range keys {
		wg.Go(func() {
			<-start
			wctx := gongfu.WithActor(ctx, &gongfu.User{Name: fmt.Sprintf("rep%d", i)})
			r := &gongfu.Report{ReportKey: k, Value: fp(float64(i))}
			if err := s.SaveReport(wctx, r, 0); err != nil {
				errs <- err
				return
			}
			r.Value = fp(float64(i) + 0.5)
			if err := s.SaveReport(wctx, r, 1); err != nil {
				errs <- err
			}
			if _, err := s.FindReports(wctx, gongfu.ReportFilter{PlanID: f.plan}); err != nil {
				errs <- err
			}
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for i, k := range keys {
		got, err := s.FindReport(ctx, k)
		mustNoErr(t, err)
		if got.Version != 2 || got.Value == nil || *got.Value != float64(i)+0.5 || got.UpdatedBy != fmt.Sprintf("rep%d", i) {
			t.Errorf("report %s = %s, want version 2 value %v by rep%d", k, jsonOf(got), float64(i)+0.5, i)
		}
	}
	if n := len(allAudit(t, s)) - before; n != 2*writers {
		t.Errorf("%d audit entries for the saves, want %d", n, 2*writers)
	}
	wantChain(t, s)
}
