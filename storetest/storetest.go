// Package storetest is the conformance suite every gongfu.Store must pass:
// the SQLite store now, the PostgreSQL store later. Holding both to one
// suite is what lets the rest of gongfu treat them as interchangeable, and
// lets a deployment move from one to the other without surprises.
//
// A store's own test calls Run with a function that opens a fresh, empty
// store for each subtest, and a Tamper function that edits or deletes audit
// entries behind the store's back (raw SQL), since only the store's test
// knows how to reach its tables. Store-specific behaviour (pragmas, pools,
// migrations) is tested beside the store, not here.
package storetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"gongfu"
)

// Tampering is a change made to the audit log behind the store's back.
type Tampering int

// The tamperings Run asks for.
const (
	// EditEntry changes a field of the entry (its "new" column) without
	// recomputing its hash, as someone quietly rewriting a value would.
	EditEntry Tampering = iota
	// DeleteEntry removes the entry.
	DeleteEntry
)

// String names the tampering for test output.
func (h Tampering) String() string {
	switch h {
	case EditEntry:
		return "edit"
	case DeleteEntry:
		return "delete"
	}
	return fmt.Sprintf("Tampering(%d)", int(h))
}

// Tamper applies how to the audit entry with sequence number seq of s,
// directly in the database, failing t when it cannot.
type Tamper func(t *testing.T, s gongfu.Store, how Tampering, seq int64)

// Run runs the suite. open must return a new, empty store for each call and
// arrange (t.Cleanup) for it to be closed; tamper is required, because
// detecting tampering is part of what a store promises.
func Run(t *testing.T, open func(t *testing.T) gongfu.Store, tamper Tamper) {
	t.Helper()
	if tamper == nil {
		t.Fatal("storetest.Run: tamper is required")
	}
	tests := []struct {
		name string
		fn   func(t *testing.T, s gongfu.Store)
	}{
		{"PlanRoundTrip", testPlanRoundTrip},
		{"PlanNilListsComeBackEmpty", testPlanNilLists},
		{"PlanReimportNotDuplicated", testPlanReimport},
		{"PlanDigestIgnoresID", testPlanDigestIgnoresID},
		{"PlanChangedIsNewPlan", testPlanChanged},
		{"PlanUnitsFromStoredOrgs", testPlanStoredOrgs},
		{"PlanUnknownUnitWritesNothing", testPlanUnknownUnit},
		{"PlanAmbiguousUnit", testPlanAmbiguousUnit},
		{"PlanInvalidRejected", testPlanInvalid},
		{"PlanNotFound", testPlanNotFound},
		{"OrgsEnsure", testOrgsEnsure},
		{"OrgsEnsureMissingParentWritesNothing", testOrgsMissingParent},
		{"OrgsEnsureInvalid", testOrgsInvalid},
		{"OrgsFind", testOrgsFind},
		{"OrgsFindFilter", testOrgsFilter},
		{"UsersCreateFind", testUsers},
		{"UsersDuplicate", testUsersDuplicate},
		{"UsersInvalid", testUsersInvalid},
		{"UsersNotFound", testUsersNotFound},
		{"AuditChain", testAuditChain},
		{"AuditPaging", testAuditPaging},
		{"AuditConcurrentWrites", testAuditConcurrent},
		{"Sessions", testSessions},
		{"SessionsExpired", testSessionsExpired},
		{"SessionsInvalid", testSessionsInvalid},
	}
	tests = append(tests, reportTests...)
	tests = append(tests, bulkTests...)
	tests = append(tests, quotaTests...)
	tests = append(tests, noticeTests...)
	tests = append(tests, settingsTests...)
	tests = append(tests, supervisionTests...)
	tests = append(tests, publishTests...)
	tests = append(tests, securityTests...)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open(t)) })
	}
	t.Run("AuditTamper", func(t *testing.T) { testAuditTamper(t, open, tamper) })
}

// wantCode fails t unless err carries code. It also checks that the message
// a user would see holds no SQL or driver text.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := gongfu.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
	msg := strings.ToLower(gongfu.ErrorMessage(err))
	for _, leak := range []string{"select ", "insert ", "update ", "constraint", "sqlite", "sqlstate", "pq:", "duplicate key"} {
		if strings.Contains(msg, leak) {
			t.Errorf("user-facing message leaks %q: %s", leak, msg)
		}
	}
}

// mustNoErr fails t on err.
func mustNoErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// jsonOf renders v for failure messages and comparisons.
func jsonOf(v any) string {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Sprintf("<%v>", err)
	}
	return string(b)
}

// snapshot counts what a store holds through its interface, to show that a
// failed or repeated operation wrote nothing.
type snapshot struct {
	Plans, Orgs, Audit int
	LastSeq            int64
}

func snap(t *testing.T, s gongfu.Store) snapshot {
	t.Helper()
	ctx := t.Context()
	plans, err := s.FindPlans(ctx)
	mustNoErr(t, err)
	orgs, err := s.FindOrgs(ctx, gongfu.OrgFilter{})
	mustNoErr(t, err)
	var n int
	var last int64
	for {
		es, err := s.FindAudit(ctx, last, 1000)
		mustNoErr(t, err)
		if len(es) == 0 {
			break
		}
		n += len(es)
		last = es[len(es)-1].Seq
	}
	return snapshot{Plans: len(plans), Orgs: len(orgs), Audit: n, LastSeq: last}
}

func allAudit(t *testing.T, s gongfu.Store) []gongfu.AuditEntry {
	t.Helper()
	var out []gongfu.AuditEntry
	var last int64
	for {
		es, err := s.FindAudit(t.Context(), last, 1000)
		mustNoErr(t, err)
		if len(es) == 0 {
			return out
		}
		out = append(out, es...)
		last = es[len(es)-1].Seq
	}
}

func testPlanRoundTrip(t *testing.T, s gongfu.Store) {
	ctx := t.Context()
	p := SamplePlan()
	res, err := s.ImportPlan(ctx, p, SampleOrgs())
	mustNoErr(t, err)
	if !res.Created || res.PlanID == 0 || p.ID != res.PlanID {
		t.Fatalf("result %+v, p.ID %d: want created with an id set on p", res, p.ID)
	}
	if want := SamplePlan().Counts(); res.Counts != want {
		t.Errorf("counts = %+v, want %+v", res.Counts, want)
	}
	if res.OrgsCreated != len(SampleOrgs()) {
		t.Errorf("orgs created = %d, want %d", res.OrgsCreated, len(SampleOrgs()))
	}

	got, err := s.FindPlanByID(ctx, res.PlanID)
	mustNoErr(t, err)
	want := SamplePlan()
	want.ID = res.PlanID
	if !reflect.DeepEqual(got, want) {
		t.Errorf("stored plan differs\n got: %s\nwant: %s", jsonOf(got), jsonOf(want))
	}

	list, err := s.FindPlans(ctx)
	mustNoErr(t, err)
	if len(list) != 1 {
		t.Fatalf("FindPlans: %d plans, want 1", len(list))
	}
	sum := list[0]
	if sum.ID != res.PlanID || sum.Title != want.Title || sum.Issuer != want.Issuer ||
		sum.Issued != want.Issued || sum.Year != want.Year || sum.Counts != want.Counts() {
		t.Errorf("summary = %s, want plan %d with %+v", jsonOf(sum), res.PlanID, want.Counts())
	}
	if sum.Imported.IsZero() {
		t.Error("summary has no import time")
	}

	es := allAudit(t, s)
	if len(es) == 0 {
		t.Fatal("no audit entries after import")
	}
	last := es[len(es)-1]
	if last.Action != "plan.import" || last.Object != fmt.Sprintf("plan/%d", res.PlanID) ||
		last.New != want.Title || last.Actor != "system" || last.Result != "ok" {
		t.Errorf("last audit entry = %s, want plan.import of plan/%d by system", jsonOf(last), res.PlanID)
	}
	if n := len(es) - 1; n != res.OrgsCreated {
		t.Errorf("%d audit entries before the import, want one per created org (%d)", n, res.OrgsCreated)
	}
}

func testPlanNilLists(t *testing.T, s gongfu.Store) {
	ctx := t.Context()
	p := &gongfu.Plan{
		Title:   "最小计划",
		Domains: []gongfu.Domain{{No: 1, Title: "领域", Tasks: []gongfu.Task{{No: 1, Title: "任务"}}}},
	}
	res, err := s.ImportPlan(ctx, p, nil)
	mustNoErr(t, err)
	got, err := s.FindPlanByID(ctx, res.PlanID)
	mustNoErr(t, err)
	b, err := json.Marshal(got)
	mustNoErr(t, err)
	want := fmt.Sprintf(`{"id":%d,"title":"最小计划","issuer":"","issued":null,"year":0,`+
		`"domains":[{"no":1,"title":"领域","units":[],"tasks":[{"no":1,"title":"任务","units":[],"targets":[],"milestones":[]}]}],`+
		`"unparsed":[]}`, res.PlanID)
	if string(b) != want {
		t.Errorf("stored plan JSON\n got: %s\nwant: %s", b, want)
	}
}

func testPlanReimport(t *testing.T, s gongfu.Store) {
	ctx := t.Context()
	first, err := s.ImportPlan(ctx, SamplePlan(), SampleOrgs())
	mustNoErr(t, err)
	before := snap(t, s)

	p := SamplePlan()
	again, err := s.ImportPlan(ctx, p, SampleOrgs())
	mustNoErr(t, err)
	if again.Created || again.PlanID != first.PlanID || again.OrgsCreated != 0 {
		t.Errorf("re-import = %+v, want not created, plan %d, no orgs", again, first.PlanID)
	}
	if again.Counts != first.Counts {
		t.Errorf("re-import counts = %+v, want %+v", again.Counts, first.Counts)
	}
	if p.ID != first.PlanID {
		t.Errorf("p.ID = %d, want the existing plan %d", p.ID, first.PlanID)
	}
	if after := snap(t, s); after != before {
		t.Errorf("re-import wrote: before %+v, after %+v", before, after)
	}
}

func testPlanDigestIgnoresID(t *testing.T, s gongfu.Store) {
	ctx := t.Context()
	first, err := s.ImportPlan(ctx, SamplePlan(), SampleOrgs())
	mustNoErr(t, err)
	p := SamplePlan()
	p.ID = first.PlanID + 1000
	again, err := s.ImportPlan(ctx, p, nil)
	mustNoErr(t, err)
	if again.Created || again.PlanID != first.PlanID {
		t.Errorf("import of the same plan with another id = %+v, want plan %d not created", again, first.PlanID)
	}
}

func testPlanChanged(t *testing.T, s gongfu.Store) {
	ctx := t.Context()
	first, err := s.ImportPlan(ctx, SamplePlan(), SampleOrgs())
	mustNoErr(t, err)
	p := SamplePlan()
	p.Domains[0].Tasks[0].Targets[0].Value = 81
	second, err := s.ImportPlan(ctx, p, SampleOrgs())
	mustNoErr(t, err)
	if !second.Created || second.PlanID == first.PlanID {
		t.Fatalf("import of a changed plan = %+v, want a new plan", second)
	}
	list, err := s.FindPlans(ctx)
	mustNoErr(t, err)
	var ids []int64
	for _, x := range list {
		ids = append(ids, x.ID)
	}
	if want := []int64{second.PlanID, first.PlanID}; !slices.Equal(ids, want) {
		t.Errorf("FindPlans ids = %v, want newest first %v", ids, want)
	}
	got, err := s.FindPlanByID(ctx, first.PlanID)
	mustNoErr(t, err)
	if v := got.Domains[0].Tasks[0].Targets[0].Value; v != 80 {
		t.Errorf("first plan's target changed to %v", v)
	}
}

func testPlanStoredOrgs(t *testing.T, s gongfu.Store) {
	ctx := t.Context()
	n, err := s.EnsureOrgs(ctx, SampleOrgs())
	mustNoErr(t, err)
	if n != len(SampleOrgs()) {
		t.Fatalf("created %d orgs, want %d", n, len(SampleOrgs()))
	}
	res, err := s.ImportPlan(ctx, SamplePlan(), nil)
	mustNoErr(t, err)
	if !res.Created || res.OrgsCreated != 0 {
		t.Errorf("import with stored orgs = %+v, want created, no orgs", res)
	}
	got, err := s.FindPlanByID(ctx, res.PlanID)
	mustNoErr(t, err)
	if want := SamplePlan().Domains[0].Units; !slices.Equal(got.Domains[0].Units, want) {
		t.Errorf("domain units = %v, want %v", got.Domains[0].Units, want)
	}
}

func testPlanUnknownUnit(t *testing.T, s gongfu.Store) {
	ctx := t.Context()
	before := snap(t, s)
	p := SamplePlan()
	p.Domains[1].Tasks[0].Units = []string{"市民政局"}
	_, err := s.ImportPlan(ctx, p, SampleOrgs())
	wantCode(t, err, gongfu.EINVALID)
	if !strings.Contains(gongfu.ErrorMessage(err), "市民政局") {
		t.Errorf("error %q does not name the unknown unit", gongfu.ErrorMessage(err))
	}
	if p.ID != 0 {
		t.Errorf("p.ID = %d after a failed import", p.ID)
	}
	if after := snap(t, s); after != before {
		t.Errorf("failed import wrote: before %+v, after %+v", before, after)
	}
	ok, err := s.VerifyAudit(ctx)
	if ok != 0 || err != nil {
		t.Errorf("VerifyAudit after a failed import = %d, %v", ok, err)
	}
}

func testPlanAmbiguousUnit(t *testing.T, s gongfu.Store) {
	ctx := t.Context()
	orgs := append(SampleOrgs(),
		&gongfu.Org{Name: "瑞安市", Kind: gongfu.OrgCounty, Path: "温州市/瑞安市"},
		&gongfu.Org{Name: "市教育局", Kind: gongfu.OrgDepartment, Path: "温州市/瑞安市/市教育局"},
	)
	before := snap(t, s)
	_, err := s.ImportPlan(ctx, SamplePlan(), orgs)
	wantCode(t, err, gongfu.EINVALID)
	if !strings.Contains(gongfu.ErrorMessage(err), "市教育局") {
		t.Errorf("error %q does not name the ambiguous unit", gongfu.ErrorMessage(err))
	}
	if after := snap(t, s); after != before {
		t.Errorf("failed import wrote: before %+v, after %+v", before, after)
	}
}

func testPlanInvalid(t *testing.T, s gongfu.Store) {
	nan := math.NaN()
	tests := []struct {
		name   string
		modify func(p *gongfu.Plan)
	}{
		{"no title", func(p *gongfu.Plan) { p.Title = " " }},
		{"no domains", func(p *gongfu.Plan) { p.Domains = nil }},
		{"bad kind", func(p *gongfu.Plan) { p.Domains[0].Tasks[0].Targets[0].Kind = "guess" }},
		{"bad op", func(p *gongfu.Plan) { p.Domains[0].Tasks[0].Targets[0].Op = "~" }},
		{"duplicate id", func(p *gongfu.Plan) { p.Domains[1].Tasks[0].Targets[0].ID = "1.1" }},
		{"milestone id equals target id", func(p *gongfu.Plan) { p.Domains[0].Tasks[0].Milestones[0].ID = "1.2" }},
		{"value not finite", func(p *gongfu.Plan) { p.Domains[0].Tasks[0].Targets[0].Value = math.Inf(1) }},
		{"ratio with one side", func(p *gongfu.Plan) { p.Domains[0].Tasks[0].Targets[1].Ratio = []float64{55} }},
		{"ratio with three sides", func(p *gongfu.Plan) {
			p.Domains[0].Tasks[0].Targets[0].Ratio = []float64{1, 2, 3}
		}},
		{"baseline not finite", func(p *gongfu.Plan) { p.Domains[1].Tasks[0].Targets[0].Baseline = &nan }},
		{"bad due date", func(p *gongfu.Plan) { p.Domains[0].Tasks[0].Milestones[1].Due = "2020-06-31" }},
		{"bad issued date", func(p *gongfu.Plan) { p.Issued = "26/04/2020" }},
	}
	before := snap(t, s)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := SamplePlan()
			tt.modify(p)
			_, err := s.ImportPlan(t.Context(), p, SampleOrgs())
			wantCode(t, err, gongfu.EINVALID)
			if after := snap(t, s); after != before {
				t.Errorf("invalid plan wrote: before %+v, after %+v", before, after)
			}
		})
	}
	_, err := s.ImportPlan(t.Context(), nil, nil)
	wantCode(t, err, gongfu.EINVALID)
}

func testPlanNotFound(t *testing.T, s gongfu.Store) {
	_, err := s.FindPlanByID(t.Context(), 999)
	wantCode(t, err, gongfu.ENOTFOUND)
	res, err := s.ImportPlan(t.Context(), SamplePlan(), SampleOrgs())
	mustNoErr(t, err)
	_, err = s.FindPlanByID(t.Context(), res.PlanID+1)
	wantCode(t, err, gongfu.ENOTFOUND)
}

// areaOrgs is a city with two counties, each with a township of the same name.
func areaOrgs() []*gongfu.Org {
	return []*gongfu.Org{
		{Name: "温州市", Kind: gongfu.OrgCity, Path: "温州市", Population: 964.5},
		{Name: "鹿城区", Kind: gongfu.OrgCounty, Class: "district", Path: "温州市/鹿城区", Population: 118.95},
		{Name: "瑞安市", Kind: gongfu.OrgCounty, Class: "county-city", Path: "温州市/瑞安市", Population: 152.8},
		{Name: "城关镇", Kind: gongfu.OrgTownship, Path: "温州市/鹿城区/城关镇"},
		{Name: "城关镇", Kind: gongfu.OrgTownship, Path: "温州市/瑞安市/城关镇", Population: 3.25},
		{Name: "市教育局", Kind: gongfu.OrgDepartment, Path: "温州市/市教育局"},
	}
}

func testOrgsEnsure(t *testing.T, s gongfu.Store) {
	ctx := t.Context()
	orgs := areaOrgs()
	n, err := s.EnsureOrgs(ctx, orgs)
	mustNoErr(t, err)
	if n != len(orgs) {
		t.Errorf("created %d, want %d", n, len(orgs))
	}
	byPath := map[string]*gongfu.Org{}
	for _, o := range orgs {
		if o.ID == 0 {
			t.Errorf("org %s has no id", o.Path)
		}
		byPath[o.Path] = o
	}
	for _, o := range orgs {
		var want int64
		if pp := o.ParentPath(); pp != "" {
			want = byPath[pp].ID
		}
		if o.ParentID != want {
			t.Errorf("org %s parent = %d, want %d", o.Path, o.ParentID, want)
		}
	}

	// Again, with one new org: only that one is created, the others get
	// their stored ids.
	again := append(areaOrgs(), &gongfu.Org{Name: "龙湾区", Kind: gongfu.OrgCounty, Path: "温州市/龙湾区"})
	n, err = s.EnsureOrgs(ctx, again)
	mustNoErr(t, err)
	if n != 1 {
		t.Errorf("second ensure created %d, want 1", n)
	}
	for i, o := range orgs {
		if again[i].ID != o.ID || again[i].ParentID != o.ParentID {
			t.Errorf("org %s: second ensure gave id %d parent %d, want %d %d",
				o.Path, again[i].ID, again[i].ParentID, o.ID, o.ParentID)
		}
	}
	if again[len(again)-1].ParentID != byPath["温州市"].ID {
		t.Errorf("new county's parent = %d, want the city", again[len(again)-1].ParentID)
	}

	got, err := s.FindOrg(ctx, "温州市/瑞安市/城关镇")
	mustNoErr(t, err)
	if want := *orgs[4]; *got != want {
		t.Errorf("stored org = %+v, want %+v", *got, want)
	}

	es := allAudit(t, s)
	if len(es) != len(orgs)+1 {
		t.Fatalf("%d audit entries, want one per created org (%d)", len(es), len(orgs)+1)
	}
	for i, e := range es[:len(orgs)] {
		if e.Action != "org.create" || e.Object != fmt.Sprintf("org/%d", orgs[i].ID) || !strings.Contains(e.New, orgs[i].Path) {
			t.Errorf("audit entry %d = %s, want org.create of %s", e.Seq, jsonOf(e), orgs[i].Path)
		}
	}
}

func testOrgsMissingParent(t *testing.T, s gongfu.Store) {
	ctx := t.Context()
	_, err := s.EnsureOrgs(ctx, areaOrgs()[:1])
	mustNoErr(t, err)
	before := snap(t, s)
	orgs := []*gongfu.Org{
		{Name: "龙湾区", Kind: gongfu.OrgCounty, Path: "温州市/龙湾区"},
		{Name: "北岙街道", Kind: gongfu.OrgTownship, Path: "温州市/洞头区/北岙街道"},
	}
	_, err = s.EnsureOrgs(ctx, orgs)
	wantCode(t, err, gongfu.EINVALID)
	if !strings.Contains(gongfu.ErrorMessage(err), "温州市/洞头区") {
		t.Errorf("error %q does not name the missing parent", gongfu.ErrorMessage(err))
	}
	if after := snap(t, s); after != before {
		t.Errorf("failed ensure wrote: before %+v, after %+v", before, after)
	}
	if orgs[0].ID != 0 {
		t.Errorf("org kept id %d from a rolled-back transaction", orgs[0].ID)
	}
	_, err = s.FindOrg(ctx, "温州市/龙湾区")
	wantCode(t, err, gongfu.ENOTFOUND)
}

func testOrgsInvalid(t *testing.T, s gongfu.Store) {
	tests := []struct {
		name string
		org  gongfu.Org
	}{
		{"no name", gongfu.Org{Kind: gongfu.OrgCity, Path: "x"}},
		{"bad kind", gongfu.Org{Name: "温州市", Kind: "planet", Path: "温州市"}},
		{"path not ending in name", gongfu.Org{Name: "温州市", Kind: gongfu.OrgCity, Path: "杭州市"}},
		{"negative population", gongfu.Org{Name: "温州市", Kind: gongfu.OrgCity, Path: "温州市", Population: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.org
			_, err := s.EnsureOrgs(t.Context(), []*gongfu.Org{&o})
			wantCode(t, err, gongfu.EINVALID)
		})
	}
	if got := snap(t, s); got != (snapshot{}) {
		t.Errorf("invalid orgs wrote: %+v", got)
	}
}

func testOrgsFind(t *testing.T, s gongfu.Store) {
	ctx := t.Context()
	orgs := areaOrgs()
	_, err := s.EnsureOrgs(ctx, orgs)
	mustNoErr(t, err)
	tests := []struct {
		query  string
		code   string
		wantID int64
	}{
		{"温州市", "", orgs[0].ID},
		{"鹿城区", "", orgs[1].ID},
		{"温州市/鹿城区", "", orgs[1].ID},
		{"温州市/瑞安市/城关镇", "", orgs[4].ID},
		{"温州市/鹿城区/城关镇", "", orgs[3].ID},
		{"城关镇", gongfu.EINVALID, 0},
		{"杭州市", gongfu.ENOTFOUND, 0},
		{"温州市/杭州市", gongfu.ENOTFOUND, 0},
		{"瑞安", gongfu.ENOTFOUND, 0},
		{"", gongfu.EINVALID, 0},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			got, err := s.FindOrg(ctx, tt.query)
			if tt.code != "" {
				wantCode(t, err, tt.code)
				return
			}
			mustNoErr(t, err)
			if got.ID != tt.wantID {
				t.Errorf("FindOrg(%q) = %d, want %d", tt.query, got.ID, tt.wantID)
			}
		})
	}
	_, err = s.FindOrg(ctx, "城关镇")
	if msg := gongfu.ErrorMessage(err); !strings.Contains(msg, "路径") {
		t.Errorf("ambiguous name message %q does not ask for the path", msg)
	}
}

func testOrgsFilter(t *testing.T, s gongfu.Store) {
	ctx := t.Context()
	orgs := areaOrgs()
	_, err := s.EnsureOrgs(ctx, orgs)
	mustNoErr(t, err)
	paths := func(os []*gongfu.Org) []string {
		var out []string
		for _, o := range os {
			out = append(out, o.Path)
		}
		return out
	}
	all := paths(orgs)
	slices.Sort(all)
	tests := []struct {
		name   string
		filter gongfu.OrgFilter
		want   []string
	}{
		{"all by path", gongfu.OrgFilter{}, all},
		{"id", gongfu.OrgFilter{ID: orgs[2].ID}, []string{"温州市/瑞安市"}},
		{"name", gongfu.OrgFilter{Name: "城关镇"}, []string{"温州市/瑞安市/城关镇", "温州市/鹿城区/城关镇"}},
		{"path", gongfu.OrgFilter{Path: "温州市/鹿城区"}, []string{"温州市/鹿城区"}},
		{"kind", gongfu.OrgFilter{Kind: gongfu.OrgCounty}, []string{"温州市/瑞安市", "温州市/鹿城区"}},
		{"parent", gongfu.OrgFilter{ParentID: orgs[0].ID}, []string{"温州市/市教育局", "温州市/瑞安市", "温州市/鹿城区"}},
		{"parent and kind", gongfu.OrgFilter{ParentID: orgs[0].ID, Kind: gongfu.OrgDepartment}, []string{"温州市/市教育局"}},
		{"none", gongfu.OrgFilter{Name: "杭州市"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.FindOrgs(ctx, tt.filter)
			mustNoErr(t, err)
			if g := paths(got); !slices.Equal(g, tt.want) {
				t.Errorf("FindOrgs(%+v) = %q, want %q", tt.filter, g, tt.want)
			}
		})
	}
}

func testUsers(t *testing.T, s gongfu.Store) {
	ctx := gongfu.WithActor(t.Context(), &gongfu.User{Name: "root"})
	orgs := SampleOrgs()
	_, err := s.EnsureOrgs(ctx, orgs)
	mustNoErr(t, err)
	users := []*gongfu.User{
		{Name: "admin", Role: gongfu.RoleAdmin, PasswordHash: "$argon2id$v=19$m=65536,t=1,p=4$c2FsdA$aGFzaA"},
		{Name: "jyj-reporter", Role: gongfu.RoleReporter, OrgID: orgs[1].ID, PasswordHash: "$argon2id$secret-hash-2"},
		{Name: "领导", Role: gongfu.RoleLeader, PasswordHash: "h3"},
	}
	for _, u := range users {
		mustNoErr(t, s.CreateUser(ctx, u))
		if u.ID == 0 || u.CreatedAt.IsZero() {
			t.Errorf("user %s: id %d, created %v: want both set", u.Name, u.ID, u.CreatedAt)
		}
	}
	for _, u := range users {
		for _, find := range []func() (*gongfu.User, error){
			func() (*gongfu.User, error) { return s.FindUserByName(ctx, u.Name) },
			func() (*gongfu.User, error) { return s.FindUserByID(ctx, u.ID) },
		} {
			got, err := find()
			mustNoErr(t, err)
			if got.ID != u.ID || got.Name != u.Name || got.Role != u.Role || got.OrgID != u.OrgID ||
				got.PasswordHash != u.PasswordHash || !got.CreatedAt.Equal(u.CreatedAt) {
				t.Errorf("found %+v, want %+v", got, u)
			}
		}
	}
	es := allAudit(t, s)
	es = es[len(es)-len(users):]
	for i, e := range es {
		if e.Action != "user.create" || e.Object != fmt.Sprintf("user/%d", users[i].ID) ||
			e.Actor != "root" || !strings.Contains(e.New, users[i].Name) {
			t.Errorf("audit entry = %s, want user.create of %s by root", jsonOf(e), users[i].Name)
		}
		if strings.Contains(e.New+e.Old+e.Reason, users[i].PasswordHash) {
			t.Errorf("audit entry %d holds the password hash", e.Seq)
		}
	}
}

func testUsersDuplicate(t *testing.T, s gongfu.Store) {
	ctx := t.Context()
	mustNoErr(t, s.CreateUser(ctx, &gongfu.User{Name: "admin", Role: gongfu.RoleAdmin, PasswordHash: "h"}))
	before := snap(t, s)
	u := &gongfu.User{Name: "admin", Role: gongfu.RoleLeader, PasswordHash: "h2"}
	wantCode(t, s.CreateUser(ctx, u), gongfu.ECONFLICT)
	if u.ID != 0 {
		t.Errorf("rejected user got id %d", u.ID)
	}
	if after := snap(t, s); after != before {
		t.Errorf("rejected user wrote: before %+v, after %+v", before, after)
	}
	got, err := s.FindUserByName(ctx, "admin")
	mustNoErr(t, err)
	if got.Role != gongfu.RoleAdmin {
		t.Errorf("first user's role changed to %s", got.Role)
	}
}

func testUsersInvalid(t *testing.T, s gongfu.Store) {
	tests := []struct {
		name string
		user gongfu.User
	}{
		{"short name", gongfu.User{Name: "a", Role: gongfu.RoleAdmin, PasswordHash: "h"}},
		{"bad role", gongfu.User{Name: "bob", Role: "root", PasswordHash: "h"}},
		{"no password", gongfu.User{Name: "bob", Role: gongfu.RoleAdmin}},
		{"reporter without org", gongfu.User{Name: "bob", Role: gongfu.RoleReporter, PasswordHash: "h"}},
		{"reporter with unknown org", gongfu.User{Name: "bob", Role: gongfu.RoleReporter, OrgID: 4242, PasswordHash: "h"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := tt.user
			wantCode(t, s.CreateUser(t.Context(), &u), gongfu.EINVALID)
		})
	}
	wantCode(t, s.CreateUser(t.Context(), nil), gongfu.EINVALID)
	if got := snap(t, s); got != (snapshot{}) {
		t.Errorf("invalid users wrote: %+v", got)
	}
}

func testUsersNotFound(t *testing.T, s gongfu.Store) {
	_, err := s.FindUserByName(t.Context(), "nobody")
	wantCode(t, err, gongfu.ENOTFOUND)
	_, err = s.FindUserByID(t.Context(), 77)
	wantCode(t, err, gongfu.ENOTFOUND)
}

// changes makes a few audited changes to s and returns how many entries they
// wrote: the orgs, the plan import and two users.
func changes(t *testing.T, s gongfu.Store) int {
	t.Helper()
	ctx := gongfu.WithActor(t.Context(), &gongfu.User{Name: "coordinator1"})
	orgs := SampleOrgs()
	n, err := s.EnsureOrgs(ctx, orgs)
	mustNoErr(t, err)
	_, err = s.ImportPlan(ctx, SamplePlan(), orgs)
	mustNoErr(t, err)
	mustNoErr(t, s.CreateUser(ctx, &gongfu.User{Name: "admin", Role: gongfu.RoleAdmin, PasswordHash: "h"}))
	mustNoErr(t, s.CreateUser(ctx, &gongfu.User{Name: "rep", Role: gongfu.RoleReporter, OrgID: orgs[1].ID, PasswordHash: "h"}))
	return n + 3
}

func testAuditChain(t *testing.T, s gongfu.Store) {
	ctx := t.Context()
	if seq, err := s.VerifyAudit(ctx); seq != 0 || err != nil {
		t.Fatalf("VerifyAudit on an empty store = %d, %v", seq, err)
	}
	n := changes(t, s)
	es := allAudit(t, s)
	if len(es) != n {
		t.Fatalf("%d audit entries, want %d", len(es), n)
	}
	prev := ""
	for i, e := range es {
		if e.Seq != int64(i+1) || e.Prev != prev || e.Hash != e.ComputeHash() {
			t.Errorf("entry %d does not chain: %s", i+1, jsonOf(e))
		}
		if e.Actor != "coordinator1" || e.Result != "ok" || e.At.IsZero() {
			t.Errorf("entry %d: actor %q result %q at %v", e.Seq, e.Actor, e.Result, e.At)
		}
		prev = e.Hash
	}
	if seq, err := s.VerifyAudit(ctx); seq != 0 || err != nil {
		t.Errorf("VerifyAudit = %d, %v; want 0, nil", seq, err)
	}
}

func testAuditPaging(t *testing.T, s gongfu.Store) {
	ctx := t.Context()
	n := changes(t, s)
	page, err := s.FindAudit(ctx, 0, 3)
	mustNoErr(t, err)
	if len(page) != 3 || page[0].Seq != 1 || page[2].Seq != 3 {
		t.Fatalf("first page = %d entries from %v", len(page), page)
	}
	rest, err := s.FindAudit(ctx, 3, 1000)
	mustNoErr(t, err)
	if len(rest) != n-3 || rest[0].Seq != 4 {
		t.Errorf("rest = %d entries, want %d from seq 4", len(rest), n-3)
	}
	none, err := s.FindAudit(ctx, int64(n), 10)
	mustNoErr(t, err)
	if len(none) != 0 {
		t.Errorf("after the last entry: %d entries", len(none))
	}
}

func testAuditConcurrent(t *testing.T, s gongfu.Store) {
	ctx := t.Context()
	const writers, each = 8, 5
	var wg sync.WaitGroup
	errs := make(chan error, writers*each*2)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				u := &gongfu.User{Name: fmt.Sprintf("user-%d-%d", w, i), Role: gongfu.RoleLeader, PasswordHash: "h"}
				if err := s.CreateUser(ctx, u); err != nil {
					errs <- err
				}
				if _, err := s.FindAudit(ctx, 0, 10); err != nil {
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
	es := allAudit(t, s)
	if len(es) != writers*each {
		t.Errorf("%d audit entries, want %d", len(es), writers*each)
	}
	if seq, err := s.VerifyAudit(ctx); seq != 0 || err != nil {
		t.Errorf("VerifyAudit after concurrent writes = %d, %v", seq, err)
	}
}

func testAuditTamper(t *testing.T, open func(t *testing.T) gongfu.Store, tamper Tamper) {
	type step struct {
		how Tampering
		seq int64 // <= 0 counts from the end: 0 is the last entry
	}
	tests := []struct {
		name       string
		steps      []step
		thenChange bool  // make another change after tampering
		want       int64 // <= 0 counts from the end, as seq
	}{
		{"edit first", []step{{EditEntry, 1}}, false, 1},
		{"edit middle", []step{{EditEntry, 4}}, false, 4},
		{"edit last", []step{{EditEntry, 0}}, false, 0},
		{"delete first", []step{{DeleteEntry, 1}}, false, 1},
		{"delete middle", []step{{DeleteEntry, 4}}, false, 4},
		{"delete last", []step{{DeleteEntry, 0}}, false, 0},
		{"delete last two", []step{{DeleteEntry, 0}, {DeleteEntry, -1}}, false, -1},
		{"delete last then change", []step{{DeleteEntry, 0}}, true, 0},
		{"edit middle then change", []step{{EditEntry, 3}}, true, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t)
			n := int64(changes(t, s))
			at := func(seq int64) int64 {
				if seq <= 0 {
					return n + seq
				}
				return seq
			}
			for _, st := range tt.steps {
				tamper(t, s, st.how, at(st.seq))
			}
			if tt.thenChange {
				mustNoErr(t, s.CreateUser(t.Context(), &gongfu.User{Name: "later", Role: gongfu.RoleLeader, PasswordHash: "h"}))
			}
			seq, err := s.VerifyAudit(t.Context())
			if want := at(tt.want); seq != want {
				t.Errorf("VerifyAudit = %d (%v), want %d", seq, err, want)
			}
			wantCode(t, err, gongfu.EINVALID)
			if e := (*gongfu.Error)(nil); errors.As(err, &e) && !strings.Contains(e.Message, fmt.Sprint(seq)) {
				t.Errorf("message %q does not name entry %d", e.Message, seq)
			}
		})
	}
}

// sessions returns s as a SessionService, skipping t for a store without
// sessions.
func sessions(t *testing.T, s gongfu.Store) gongfu.SessionService {
	t.Helper()
	ss, ok := s.(gongfu.SessionService)
	if !ok {
		t.Skip("the store keeps no sessions")
	}
	return ss
}

func testSessions(t *testing.T, s gongfu.Store) {
	ss := sessions(t, s)
	ctx := t.Context()
	u := &gongfu.User{Name: "admin", Role: gongfu.RoleAdmin, PasswordHash: "h"}
	mustNoErr(t, s.CreateUser(ctx, u))
	now := time.Now().Truncate(time.Microsecond)
	id := strings.Repeat("ab", 32)
	sess := &gongfu.Session{ID: id, UserID: u.ID, CreatedAt: now, LastSeen: now, ExpiresAt: now.Add(time.Hour)}
	mustNoErr(t, ss.CreateSession(ctx, sess))

	got, gotUser, err := ss.FindSession(ctx, id)
	mustNoErr(t, err)
	if got.ID != id || got.UserID != u.ID || !got.CreatedAt.Equal(now) || !got.LastSeen.Equal(now) ||
		!got.ExpiresAt.Equal(sess.ExpiresAt) {
		t.Errorf("found session %+v, want %+v", got, sess)
	}
	if gotUser.ID != u.ID || gotUser.Name != u.Name || gotUser.Role != u.Role || gotUser.PasswordHash != u.PasswordHash {
		t.Errorf("session user %+v, want %+v", gotUser, u)
	}

	later := now.Add(time.Minute)
	mustNoErr(t, ss.TouchSession(ctx, id, later))
	got, _, err = ss.FindSession(ctx, id)
	mustNoErr(t, err)
	if !got.LastSeen.Equal(later) {
		t.Errorf("last seen %v after touch, want %v", got.LastSeen, later)
	}

	mustNoErr(t, ss.DeleteSession(ctx, id))
	_, _, err = ss.FindSession(ctx, id)
	wantCode(t, err, gongfu.ENOTFOUND)
	mustNoErr(t, ss.DeleteSession(ctx, id)) // already gone: still fine
	wantCode(t, ss.TouchSession(ctx, id, later), gongfu.ENOTFOUND)
	_, _, err = ss.FindSession(ctx, "nope")
	wantCode(t, err, gongfu.ENOTFOUND)

	es := allAudit(t, s)
	var actions []string
	for _, e := range es {
		actions = append(actions, e.Action)
		if strings.Contains(e.Old+e.New+e.Object+e.Reason, id) {
			t.Errorf("audit entry %d holds the session id", e.Seq)
		}
	}
	if want := []string{"user.create", "user.login", "user.logout"}; !slices.Equal(actions, want) {
		t.Errorf("audit actions %v, want %v", actions, want)
	}
	for _, e := range es[1:] {
		if e.Actor != u.Name || e.Object != fmt.Sprintf("user/%d", u.ID) {
			t.Errorf("entry %d: actor %q object %q, want %q user/%d", e.Seq, e.Actor, e.Object, u.Name, u.ID)
		}
	}
	if seq, err := s.VerifyAudit(ctx); seq != 0 || err != nil {
		t.Errorf("VerifyAudit = %d, %v", seq, err)
	}
}

func testSessionsExpired(t *testing.T, s gongfu.Store) {
	ss := sessions(t, s)
	ctx := t.Context()
	u := &gongfu.User{Name: "admin", Role: gongfu.RoleAdmin, PasswordHash: "h"}
	mustNoErr(t, s.CreateUser(ctx, u))
	now := time.Now()
	old := &gongfu.Session{ID: "old", UserID: u.ID, CreatedAt: now.Add(-2 * time.Hour),
		LastSeen: now.Add(-2 * time.Hour), ExpiresAt: now.Add(-time.Hour)}
	mustNoErr(t, ss.CreateSession(ctx, old))
	_, _, err := ss.FindSession(ctx, "old")
	wantCode(t, err, gongfu.ENOTFOUND)
}

func testSessionsInvalid(t *testing.T, s gongfu.Store) {
	ss := sessions(t, s)
	ctx := t.Context()
	u := &gongfu.User{Name: "admin", Role: gongfu.RoleAdmin, PasswordHash: "h"}
	mustNoErr(t, s.CreateUser(ctx, u))
	now := time.Now()
	valid := func() *gongfu.Session {
		return &gongfu.Session{ID: "s1", UserID: u.ID, CreatedAt: now, LastSeen: now, ExpiresAt: now.Add(time.Hour)}
	}
	tests := []struct {
		name   string
		modify func(*gongfu.Session)
		code   string
	}{
		{"no id", func(x *gongfu.Session) { x.ID = "" }, gongfu.EINVALID},
		{"no user", func(x *gongfu.Session) { x.UserID = 0 }, gongfu.EINVALID},
		{"unknown user", func(x *gongfu.Session) { x.UserID = u.ID + 100 }, gongfu.EINVALID},
		{"expires before created", func(x *gongfu.Session) { x.ExpiresAt = now.Add(-time.Second) }, gongfu.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := valid()
			tt.modify(x)
			wantCode(t, ss.CreateSession(ctx, x), tt.code)
		})
	}
	mustNoErr(t, ss.CreateSession(ctx, valid()))
	wantCode(t, ss.CreateSession(ctx, valid()), gongfu.ECONFLICT)
	wantCode(t, ss.CreateSession(ctx, nil), gongfu.EINVALID)
}
