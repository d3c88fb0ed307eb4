package http

import (
	"context"
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
func demoServer(b *testing.B) (*Server, int64) {
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
