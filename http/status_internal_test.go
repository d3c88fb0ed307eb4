package http

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"gongfu"
	"gongfu/demo"
	"gongfu/eval"
	"gongfu/extract"
	"gongfu/region"
	"gongfu/sqlite"
)

// demoServer returns a server over a SQLite file holding the demo plan and
// a full year of demo reports (about 21,000), the city-scale workload.
func demoServer(b testing.TB) (*Server, int64) {
	b.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "g.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	orgs, err := region.ParseCSV(demo.CountiesCSV)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := db.EnsureOrgs(ctx, orgs); err != nil {
		b.Fatal(err)
	}
	res, err := extract.Document(demo.PlanName, demo.PlanText)
	if err != nil {
		b.Fatal(err)
	}
	ir, err := db.ImportPlan(ctx, res.Plan, region.PlanOrgs(res.Plan))
	if err != nil {
		b.Fatal(err)
	}
	p, err := db.FindPlanByID(ctx, ir.PlanID)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := demo.Reports(ctx, db, p, time.Date(2021, 2, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		b.Fatal(err)
	}
	return NewServer(db, slog.New(slog.NewTextHandler(io.Discard, nil))), ir.PlanID
}

// TestMemoAgreesWithWholePlan changes reports one by one (returned,
// approved again, a new value) and checks after each change that the
// assessment using the memo is identical, byte for byte as JSON, to one
// judging the whole plan afresh.
func TestMemoAgreesWithWholePlan(t *testing.T) {
	s, id := demoServer(t)
	ctx := context.Background()
	at := time.Date(2020, 9, 1, 0, 0, 0, 0, time.UTC)
	reps, err := s.Store.FindReports(ctx, gongfu.ReportFilter{PlanID: id, Period: "2020-08", Status: gongfu.StatusApproved})
	if err != nil || len(reps) < 40 {
		t.Fatalf("reports: %d %v", len(reps), err)
	}
	figs, _, err := s.figures(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	memo := &eval.Memo{}
	for i := 0; i < 40; i++ {
		r := *reps[(i*37)%len(reps)]
		switch i % 3 {
		case 0:
			r.Status = gongfu.StatusReturned
		case 1:
			if r.Value != nil {
				v := *r.Value * 0.5
				r.Value = &v
			}
		}
		figs.Put(&r)
		whole, err := s.assessInput(ctx, id, at, figs)
		if err != nil {
			t.Fatal(err)
		}
		whole.Equalization = true
		memoized := *whole
		memoized.Memo, memoized.MemoScope = memo, "1"
		a, _ := json.Marshal(eval.Assess(*whole))
		b, _ := json.Marshal(eval.Assess(memoized))
		if !bytes.Equal(a, b) {
			t.Fatalf("change %d (%s %s %s): the memoized assessment differs from the whole plan's", i, r.ItemID, r.Period, r.Status)
		}
	}
}

func BenchmarkAssessParts(b *testing.B) {
	s, id := demoServer(b)
	ctx := context.Background()
	at := time.Date(2020, 9, 1, 0, 0, 0, 0, time.UTC)
	figs, _, err := s.figures(ctx, id)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("input", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.assessInput(ctx, id, at, figs); err != nil {
				b.Fatal(err)
			}
		}
	})
	in, _ := s.assessInput(ctx, id, at, figs)
	b.Run("assess", func(b *testing.B) {
		for b.Loop() {
			eval.Assess(*in)
		}
	})
	in.Equalization = true
	b.Run("assess-eq", func(b *testing.B) {
		for b.Loop() {
			eval.Assess(*in)
		}
	})
	b.Run("reports", func(b *testing.B) {
		for b.Loop() {
			s.Store.FindReports(ctx, gongfu.ReportFilter{PlanID: id})
		}
	})
}

// BenchmarkAssessAfterChange is the dashboard's cost after each approved
// report: one report changes, then the plan is assessed again. With the
// memo only the changed item is judged anew; without it every item is.
func BenchmarkAssessAfterChange(b *testing.B) {
	s, id := demoServer(b)
	ctx := context.Background()
	at := time.Date(2020, 9, 1, 0, 0, 0, 0, time.UTC)
	reps, err := s.Store.FindReports(ctx, gongfu.ReportFilter{PlanID: id, Period: "2020-08", Status: gongfu.StatusApproved})
	if err != nil || len(reps) == 0 {
		b.Fatalf("reports: %d %v", len(reps), err)
	}
	figs, _, err := s.figures(ctx, id)
	if err != nil {
		b.Fatal(err)
	}
	for _, memo := range []bool{false, true} {
		name := "whole-plan"
		if memo {
			name = "memo"
		}
		b.Run(name, func(b *testing.B) {
			m := &eval.Memo{}
			i := 0
			for b.Loop() {
				// Flip one report between approved and returned: the
				// figure appears or disappears, as a review does.
				r := *reps[i%len(reps)]
				if (i/len(reps))%2 == 0 {
					r.Status = gongfu.StatusReturned
				}
				figs.Put(&r)
				i++
				in, err := s.assessInput(ctx, id, at, figs)
				if err != nil {
					b.Fatal(err)
				}
				in.Equalization = true
				if memo {
					in.Memo, in.MemoScope = m, "1"
				}
				eval.Assess(*in)
			}
		})
	}
}
