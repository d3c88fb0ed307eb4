package storetest

import (
	"testing"

	"gongfu"
)

// quotaTests cover the decomposition of targets into county quotas.
var quotaTests = []struct {
	name string
	fn   func(t *testing.T, s gongfu.Store)
}{
	{"QuotasSetReplaceFind", testQuotas},
	{"QuotasInvalidWriteNothing", testQuotasInvalid},
}

func testQuotas(t *testing.T, s gongfu.Store) {
	f := newReportFixture(t, s)
	ctx := gongfu.WithActor(t.Context(), &gongfu.User{Name: "coord"})
	lc, ra := f.areas[1].ID, f.areas[2].ID
	before := len(allAudit(t, s))
	mustNoErr(t, s.SetQuotas(ctx, f.plan, "1.1", []gongfu.Quota{{OrgID: lc, Value: 30}, {OrgID: ra, Value: 45}}))
	got, err := s.FindQuotas(ctx, f.plan, "1.1")
	mustNoErr(t, err)
	want := []gongfu.Quota{{PlanID: f.plan, ItemID: "1.1", OrgID: lc, Value: 30}, {PlanID: f.plan, ItemID: "1.1", OrgID: ra, Value: 45}}
	if lc > ra {
		want[0], want[1] = want[1], want[0]
	}
	if jsonOf(got) != jsonOf(want) {
		t.Fatalf("quotas = %s, want %s", jsonOf(got), jsonOf(want))
	}
	// Setting again replaces the split as a whole.
	mustNoErr(t, s.SetQuotas(ctx, f.plan, "1.1", []gongfu.Quota{{OrgID: ra, Value: 80}}))
	got, _ = s.FindQuotas(ctx, f.plan, "")
	if len(got) != 1 || got[0].OrgID != ra || got[0].Value != 80 {
		t.Errorf("after replace = %s", jsonOf(got))
	}
	es := allAudit(t, s)
	if len(es) != before+2 || es[len(es)-1].Action != "quota.set" || es[len(es)-1].Actor != "coord" {
		t.Errorf("audit after two sets: %d entries, last %s", len(es)-before, jsonOf(es[len(es)-1]))
	}
	mustNoErr(t, s.SetQuotas(ctx, f.plan, "1.1", nil))
	if got, _ := s.FindQuotas(ctx, f.plan, "1.1"); len(got) != 0 {
		t.Errorf("after clearing = %s", jsonOf(got))
	}
	if _, err := s.VerifyAudit(ctx); err != nil {
		t.Error(err)
	}
}

func testQuotasInvalid(t *testing.T, s gongfu.Store) {
	f := newReportFixture(t, s)
	ctx := t.Context()
	lc := f.areas[1].ID
	mustNoErr(t, s.SetQuotas(ctx, f.plan, "1.1", []gongfu.Quota{{OrgID: lc, Value: 5}}))
	before := len(allAudit(t, s))
	for _, c := range []struct {
		item   string
		quotas []gongfu.Quota
		code   string
	}{
		{"9.9", []gongfu.Quota{{OrgID: lc, Value: 1}}, gongfu.ENOTFOUND},
		{"1.1", []gongfu.Quota{{OrgID: lc, Value: -1}}, gongfu.EINVALID},
		{"1.1", []gongfu.Quota{{OrgID: lc, Value: 1}, {OrgID: lc, Value: 2}}, gongfu.EINVALID},
		{"1.1", []gongfu.Quota{{OrgID: lc, Value: 1}, {OrgID: 99999, Value: 2}}, gongfu.ENOTFOUND},
		{"1.1", []gongfu.Quota{{OrgID: lc, Value: 1}, {OrgID: f.org(t, f.orgs[len(f.orgs)-1].Name), Value: 2}}, gongfu.EINVALID},
	} {
		wantCode(t, s.SetQuotas(ctx, f.plan, c.item, c.quotas), c.code)
	}
	got, _ := s.FindQuotas(ctx, f.plan, "1.1")
	if len(got) != 1 || got[0].Value != 5 {
		t.Errorf("failed sets changed the quotas: %s", jsonOf(got))
	}
	if n := len(allAudit(t, s)); n != before {
		t.Errorf("failed sets wrote %d audit entries", n-before)
	}
}
