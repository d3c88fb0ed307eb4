package live

import (
	"testing"

	"gongfu"
	"gongfu/eval"
)

func figuresPlan() *gongfu.Plan {
	return &gongfu.Plan{Year: 2020, Domains: []gongfu.Domain{{No: 1, Tasks: []gongfu.Task{{No: 1,
		Targets:    []gongfu.Target{{ID: "1.1"}, {ID: "1.2"}},
		Milestones: []gongfu.Milestone{{ID: "1.m1"}},
	}}}}}
}

func rep(item string, org int64, period string, v float64, st gongfu.ReportStatus) *gongfu.Report {
	return &gongfu.Report{ReportKey: gongfu.ReportKey{PlanID: 1, ItemID: item, OrgID: org, Period: period}, Value: &v, Status: st}
}

// collect returns the figures as item → org → values in period order.
func collect(f *Figures) map[string]map[int64][]float64 {
	out := map[string]map[int64][]float64{}
	f.Each(func(item string, org int64, figs []eval.Figure) {
		if out[item] == nil {
			out[item] = map[int64][]float64{}
		}
		for _, fg := range figs {
			out[item][org] = append(out[item][org], *fg.Value)
		}
	})
	return out
}

func TestFiguresPutRemove(t *testing.T) {
	f := NewFigures(figuresPlan())
	v0 := f.Version()
	// Out of order, two orgs, a quarter beside months: kept in period order.
	for _, r := range []*gongfu.Report{
		rep("1.1", 7, "2020-03", 3, gongfu.StatusApproved),
		rep("1.1", 7, "2020-01", 1, gongfu.StatusSubmitted),
		rep("1.1", 9, "2020-02", 20, gongfu.StatusApproved),
		rep("1.1", 7, "2019-12", 12, gongfu.StatusApproved),
	} {
		if !f.Put(r) {
			t.Fatalf("Put %v reported no change", r.ReportKey)
		}
	}
	if got := collect(f)["1.1"][7]; len(got) != 3 || got[0] != 12 || got[1] != 1 || got[2] != 3 {
		t.Fatalf("1.1 of org 7 = %v, want [12 1 3]", got)
	}
	if f.Len() != 4 || f.Version() <= v0 {
		t.Fatalf("len %d version %d", f.Len(), f.Version())
	}
	// A replacement keeps one figure per period.
	f.Put(rep("1.1", 7, "2020-03", 4, gongfu.StatusApproved))
	if got := collect(f)["1.1"][7]; len(got) != 3 || got[2] != 4 || f.Len() != 4 {
		t.Fatalf("after replacing March: %v (len %d)", got, f.Len())
	}
	// A draft or a returned report is not official: it removes the figure.
	v1 := f.Version()
	if !f.Put(rep("1.1", 7, "2020-03", 9, gongfu.StatusDraft)) || f.Version() == v1 {
		t.Fatal("a report reopened to draft did not remove its figure")
	}
	if got := collect(f)["1.1"][7]; len(got) != 2 || f.Len() != 3 {
		t.Fatalf("after the draft: %v (len %d)", got, f.Len())
	}
	if f.Put(rep("1.1", 7, "2020-03", 9, gongfu.StatusReturned)) {
		t.Fatal("removing a figure twice reported a change")
	}
	// Unknown items, malformed periods and unknown orgs change nothing.
	v2 := f.Version()
	if f.Put(rep("9.9", 7, "2020-01", 1, gongfu.StatusApproved)) ||
		f.Put(rep("1.2", 7, "2020-13", 1, gongfu.StatusApproved)) ||
		f.Remove(gongfu.ReportKey{ItemID: "1.1", OrgID: 99, Period: "2020-01"}) ||
		f.Version() != v2 {
		t.Fatal("an ignored report changed the table")
	}
	if !f.Remove(gongfu.ReportKey{ItemID: "1.1", OrgID: 9, Period: "2020-02"}) || collect(f)["1.1"][9] != nil {
		t.Fatal("Remove did not remove")
	}
}
