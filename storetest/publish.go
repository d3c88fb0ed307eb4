package storetest

import (
	"slices"
	"testing"

	"gongfu"
)

// publishTests cover the choice of items shown to the public.
var publishTests = []struct {
	name string
	fn   func(t *testing.T, s gongfu.Store)
}{
	{"PublishSetFindWithdraw", testPublish},
	{"PublishUnknownWritesNothing", testPublishUnknown},
}

func testPublish(t *testing.T, s gongfu.Store) {
	f := newReportFixture(t, s)
	ctx := gongfu.WithActor(t.Context(), &gongfu.User{Name: "coord"})
	got, err := s.FindPublished(ctx, f.plan)
	mustNoErr(t, err)
	if got == nil || len(got) != 0 {
		t.Fatalf("a new plan publishes %#v, want an empty list", got)
	}
	before := len(allAudit(t, s))
	// Given out of order, with a milestone and a repeat: found in plan order.
	mustNoErr(t, s.SetPublished(ctx, f.plan, []string{"3.1", "1.m2", "1.1", "3.1"}, true))
	want := []string{"1.1", "3.1", "1.m2"}
	if got, _ := s.FindPublished(ctx, f.plan); !slices.Equal(got, want) {
		t.Errorf("published = %v, want %v", got, want)
	}
	e := lastAudit(t, s)
	if e.Action != "plan.publish" || e.Actor != "coord" || e.Old != `[]` || e.New != `["1.1","3.1","1.m2"]` {
		t.Errorf("audit entry = %s", jsonOf(e))
	}
	// Publishing again what is public changes nothing but is recorded.
	mustNoErr(t, s.SetPublished(ctx, f.plan, []string{"1.1", "2.1"}, true))
	want = []string{"1.1", "2.1", "3.1", "1.m2"}
	if got, _ := s.FindPublished(ctx, f.plan); !slices.Equal(got, want) {
		t.Errorf("published = %v, want %v", got, want)
	}
	// Withdrawing: items not public are ignored.
	mustNoErr(t, s.SetPublished(ctx, f.plan, []string{"1.1", "1.m2", "1.2"}, false))
	want = []string{"2.1", "3.1"}
	if got, _ := s.FindPublished(ctx, f.plan); !slices.Equal(got, want) {
		t.Errorf("after withdrawal = %v, want %v", got, want)
	}
	e = lastAudit(t, s)
	if e.Action != "plan.unpublish" || e.New != `["2.1","3.1"]` || e.Object == "" {
		t.Errorf("audit entry = %s", jsonOf(e))
	}
	// An empty list is no change and no entry.
	mustNoErr(t, s.SetPublished(ctx, f.plan, nil, true))
	mustNoErr(t, s.SetPublished(ctx, f.plan, []string{}, false))
	if n := len(allAudit(t, s)); n != before+3 {
		t.Errorf("%d audit entries for three sets and two empty ones, want 3", n-before)
	}
	// Another plan's list is its own.
	other := SamplePlan()
	other.Title += "（修订）"
	res, err := s.ImportPlan(ctx, other, f.orgs)
	mustNoErr(t, err)
	if got, _ := s.FindPublished(ctx, res.PlanID); len(got) != 0 {
		t.Errorf("another plan publishes %v", got)
	}
	wantChain(t, s)
}

func testPublishUnknown(t *testing.T, s gongfu.Store) {
	f := newReportFixture(t, s)
	ctx := t.Context()
	mustNoErr(t, s.SetPublished(ctx, f.plan, []string{"1.1"}, true))
	before := len(allAudit(t, s))
	wantCode(t, s.SetPublished(ctx, f.plan, []string{"2.1", "9.9"}, true), gongfu.ENOTFOUND)
	wantCode(t, s.SetPublished(ctx, f.plan, []string{"1.1", "nope"}, false), gongfu.ENOTFOUND)
	wantCode(t, s.SetPublished(ctx, 9999, []string{"1.1"}, true), gongfu.ENOTFOUND)
	_, err := s.FindPublished(ctx, 9999)
	wantCode(t, err, gongfu.ENOTFOUND)
	if got, _ := s.FindPublished(ctx, f.plan); !slices.Equal(got, []string{"1.1"}) {
		t.Errorf("failed sets changed the list: %v", got)
	}
	if n := len(allAudit(t, s)); n != before {
		t.Errorf("failed sets wrote %d audit entries", n-before)
	}
}
