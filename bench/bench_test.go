package bench

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"gongfu/live"
)

func tinySizes() Sizes {
	return Sizes{Cities: 2, Counties: 5, Townships: 15, Villages: 120, Targets: 14, Months: 14, PerVillage: 5, Domains: 3, Seed: 3}
}

func TestDatasetShape(t *testing.T) {
	p, err := NewDataset(ProvinceSizes())
	if err != nil {
		t.Fatal(err)
	}
	if p.MaxValues()*98/100 < 20_000_000 {
		t.Errorf("province has only about %d values", p.MaxValues()*98/100)
	}
	if len(p.H.TownshipCounty) != 1360 || len(p.H.VillageTownship) != 20400 || len(p.H.CountyCity) != 90 {
		t.Errorf("province hierarchy %d/%d/%d", len(p.H.CountyCity), len(p.H.TownshipCounty), len(p.H.VillageTownship))
	}
	d1, _ := NewDataset(tinySizes())
	d2, _ := NewDataset(tinySizes())
	var n int
	d1.Each(0, d1.Townships, func(r *Row) bool {
		v, den, ok := d2.Value(r.Village, r.Target, r.Month)
		if !ok || v != r.Value || den != r.Den {
			t.Fatalf("not deterministic at %+v", *r)
		}
		if d1.H.VillageTownship[r.Village] != r.Township || r.Value < 0 || r.Rate && (r.Den <= 0 || r.Value > r.Den) {
			t.Fatalf("bad row %+v", *r)
		}
		n++
		return true
	})
	if n == 0 || int64(n) > d1.MaxValues() || int64(n) < d1.MaxValues()*9/10 {
		t.Errorf("%d values of %d cells", n, d1.MaxValues())
	}
	// Every county and city has goals for its increments.
	for k := 0; k < d1.Counties; k++ {
		for tg := 0; tg < d1.Targets; tg++ {
			if !d1.Plan.Targets[tg].Rate && d1.Plan.CountyGoal[k*d1.Targets+tg] <= 0 {
				t.Errorf("county %d has no goal for target %d", k, tg)
			}
		}
	}
}

// TestEnginesMatchBruteForce answers the query mix from sums computed
// directly from the dataset, and checks the live index and SQLite (and
// PostgreSQL when GONGFU_TEST_PG is set) give exactly those answers.
func TestEnginesMatchBruteForce(t *testing.T) {
	ctx := context.Background()
	ds, err := NewDataset(tinySizes())
	if err != nil {
		t.Fatal(err)
	}
	var leaves []live.Leaf
	ds.Each(0, ds.Townships, func(r *Row) bool { leaves = append(leaves, r.Leaf()); return true })
	ix, err := live.Build(ds.H, ds.Plan, leaves)
	if err != nil {
		t.Fatal(err)
	}
	sq, err := openSQLite(ctx, filepath.Join(t.TempDir(), "b.db"), ds)
	if err != nil {
		t.Fatal(err)
	}
	defer sq.Close()
	if _, err := sq.Load(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if err := sq.Index(ctx, nil); err != nil {
		t.Fatal(err)
	}
	engines := []engine{&liveEngine{ix: ix, store: sq}, sq}
	if url := os.Getenv("GONGFU_TEST_PG"); url != "" {
		pg, err := openPG(ctx, url, ds)
		if err != nil {
			t.Fatal(err)
		}
		defer pg.Close()
		if _, err := pg.Load(ctx, nil); err != nil {
			t.Fatal(err)
		}
		if err := pg.Index(ctx, nil); err != nil {
			t.Fatal(err)
		}
		engines = append(engines, pg)
	}
	brute := func(q Query) Answer {
		aggs := make([]live.Agg, aggLen(ds, q.Kind))
		ds.Each(0, ds.Townships, func(r *Row) bool {
			k := -1
			switch {
			case q.Kind == CityOverview && int(r.City) == q.City && int(r.Month) == q.Month,
				q.Kind == CountyTable && int(r.County) == q.County && int(r.Month) == q.Month:
				k = int(r.Target)
			case q.Kind == TownshipTrend && int(r.Township) == q.Township && int(r.Target) == q.Target:
				k = int(r.Month)
			case q.Kind == Equalization && int(r.Month) == q.Month && r.Rate:
				k = int(r.County)*ds.Targets + int(r.Target)
			}
			if k >= 0 {
				aggs[k].Sum += r.Value
				aggs[k].Den += r.Den
				aggs[k].N++
			}
			return true
		})
		return aggAnswer(ds, q, aggs)
	}
	for _, q := range Mix(ds, 80, 5) {
		want := brute(q)
		for _, e := range engines {
			got, err := e.Answer(ctx, q)
			if err != nil {
				t.Fatalf("%s %s: %v", e.Name(), q.Kind, err)
			}
			if ok, diff := Same(want, got); !ok {
				t.Fatalf("%s %s %+v: %s", e.Name(), q.Kind, q, diff)
			}
		}
	}
	// A durable write through each engine shows in its own answers.
	used := map[[3]int32]bool{}
	for i, e := range engines {
		if _, err := writeVisible(ctx, ds, ix, e, rngFor(uint64(i)), used, e == engine(sq)); err != nil {
			t.Errorf("%s: %v", e.Name(), err)
		}
	}
}

func TestRunTiny(t *testing.T) {
	o := Options{Sizes: tinySizes(), Scale: "tiny", Dir: t.TempDir(), Queries: 60, Writes: 3, PG: os.Getenv("GONGFU_TEST_PG")}
	res, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if res.FirstMismatch != "" {
		t.Fatal(res.FirstMismatch)
	}
	g := res.Engines["gongfu"]
	if res.Values == 0 || g.P95 <= 0 || g.WriteVisible <= 0 || g.LoadPerS <= 0 || g.Queries["equalization"].N != 15 {
		t.Errorf("result %+v, gongfu %+v", res, g)
	}
	if entries, _ := os.ReadDir(o.Dir); len(entries) != 0 {
		t.Errorf("files left behind: %v", entries)
	}
}

func TestSummarize(t *testing.T) {
	ms := make([]float64, 100)
	for i := range ms {
		ms[i] = float64(100 - i)
	}
	l := summarize(ms)
	if l.P50 != 50 || l.P95 != 95 || l.P99 != 99 || l.Max != 100 || l.N != 100 {
		t.Errorf("%+v", l)
	}
	if (Latency{}) != summarize(nil) {
		t.Error("empty")
	}
}

func rngFor(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 1)) }
