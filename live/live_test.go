package live

import (
	"math"
	"math/rand/v2"
	"reflect"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

// fixture is a random hierarchy and plan with a brute-force copy of the
// leaves to check the index against.
type fixture struct {
	h      Hierarchy
	p      *Plan
	leaves map[[3]int32]Leaf
	rng    *rand.Rand
}

func newFixture(t testing.TB, seed uint64, cities, counties, townships, villages, targets, months int) *fixture {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	f := &fixture{rng: rng, leaves: map[[3]int32]Leaf{}}
	h := &f.h
	h.Cities = cities
	parents := func(n, up int) []int32 {
		out := make([]int32, n)
		for i := range out {
			if i < up {
				out[i] = int32(i) // every parent gets a child
			} else {
				out[i] = int32(rng.IntN(up))
			}
		}
		return out
	}
	h.CountyCity = parents(counties, cities)
	h.TownshipCounty = parents(townships, counties)
	h.VillageTownship = parents(villages, townships)
	h.Start = make([]int32, villages+1)
	for v := 0; v < villages; v++ {
		for tg := 0; tg < targets; tg++ {
			if rng.IntN(3) > 0 {
				h.Targets = append(h.Targets, int32(tg))
			}
		}
		h.Start[v+1] = int32(len(h.Targets))
	}
	p := &Plan{Domains: 3, Months: months}
	for tg := 0; tg < targets; tg++ {
		rate := tg%3 == 1
		p.Targets = append(p.Targets, Target{Domain: int32(tg % 3), Rate: rate, Level: 90})
	}
	p.CountyGoal = make([]float64, counties*targets)
	p.CityGoal = make([]float64, cities*targets)
	for i := range p.CountyGoal {
		p.CountyGoal[i] = float64(rng.IntN(200))
	}
	for i := range p.CityGoal {
		p.CityGoal[i] = float64(rng.IntN(2000))
	}
	if err := p.Init(counties, cities); err != nil {
		t.Fatal(err)
	}
	f.p = p
	return f
}

// randomLeaf returns an assigned leaf with integer figures.
func (f *fixture) randomLeaf() Leaf {
	for {
		v := int32(f.rng.IntN(len(f.h.VillageTownship)))
		ts := f.h.Targets[f.h.Start[v]:f.h.Start[v+1]]
		if len(ts) == 0 {
			continue
		}
		l := Leaf{Village: v, Target: ts[f.rng.IntN(len(ts))], Month: int32(f.rng.IntN(f.p.Months))}
		if f.p.Targets[l.Target].Rate {
			l.Den = float64(1 + f.rng.IntN(500))
			l.Value = float64(f.rng.IntN(int(l.Den) + 1))
		} else {
			l.Value = float64(f.rng.IntN(10000))
		}
		return l
	}
}

// brute sums the leaves of every org of a level directly.
func (f *fixture) brute(l Level) map[[3]int]Agg {
	out := map[[3]int]Agg{}
	for _, lf := range f.leaves {
		org := int(f.h.VillageTownship[lf.Village])
		if l >= County {
			org = int(f.h.TownshipCounty[org])
		}
		if l >= City {
			org = int(f.h.CountyCity[org])
		}
		k := [3]int{org, int(lf.Target), int(lf.Month)}
		a := out[k]
		a.Sum += lf.Value
		if f.p.Targets[lf.Target].Rate {
			a.Den += lf.Den
		}
		a.N++
		out[k] = a
	}
	return out
}

func (f *fixture) check(t *testing.T, ix *Index) {
	t.Helper()
	if ix.Values() != len(f.leaves) {
		t.Fatalf("values = %d, want %d", ix.Values(), len(f.leaves))
	}
	n := [levels]int{len(f.h.TownshipCounty), len(f.h.CountyCity), f.h.Cities}
	for l := Township; l < levels; l++ {
		want := f.brute(l)
		for org := 0; org < n[l]; org++ {
			for tg := range f.p.Targets {
				for m := 0; m < f.p.Months; m++ {
					got, err := ix.Cell(l, org, tg, m)
					if err != nil {
						t.Fatal(err)
					}
					if w := want[[3]int{org, tg, m}]; got != w {
						t.Fatalf("level %d org %d target %d period %d: got %+v, want %+v", l, org, tg, m, got, w)
					}
				}
			}
		}
	}
}

func TestRollupsEqualBruteForce(t *testing.T) {
	f := newFixture(t, 42, 2, 5, 17, 120, 9, 7)
	var initial []Leaf
	for range 1500 {
		l := f.randomLeaf()
		initial = append(initial, l) // duplicates: the later one wins
		f.leaves[[3]int32{l.Village, l.Target, l.Month}] = l
	}
	ix, err := Build(f.h, f.p, initial)
	if err != nil {
		t.Fatal(err)
	}
	f.check(t, ix)
	for i := range 5000 {
		l := f.randomLeaf()
		k := [3]int32{l.Village, l.Target, l.Month}
		if i%7 == 0 {
			if err := ix.Clear(l.Village, l.Target, l.Month); err != nil {
				t.Fatal(err)
			}
			delete(f.leaves, k)
		} else {
			if err := ix.Set(l); err != nil {
				t.Fatal(err)
			}
			f.leaves[k] = l
		}
		if i%1000 == 999 {
			f.check(t, ix)
		}
	}
	f.check(t, ix)

	// The queries agree with the plan's arithmetic over the brute-force sums.
	cities, counties, towns := f.brute(City), f.brute(County), f.brute(Township)
	nT := len(f.p.Targets)
	aggsOf := func(b map[[3]int]Agg, org, m int) []Agg {
		out := make([]Agg, nT)
		for tg := range out {
			out[tg] = b[[3]int{org, tg, m}]
		}
		return out
	}
	for m := 0; m < f.p.Months; m++ {
		for c := 0; c < f.h.Cities; c++ {
			got, _ := ix.CityOverview(c, m)
			want := f.p.Overview(m, f.p.CityGoal[c*nT:(c+1)*nT], aggsOf(cities, c, m))
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("city %d period %d: %+v, want %+v", c, m, got, want)
			}
		}
		for k := range f.h.CountyCity {
			got, _ := ix.CountyDomainTable(k, m)
			want := f.p.Table(m, f.p.CountyGoal[k*nT:(k+1)*nT], aggsOf(counties, k, m))
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("county %d period %d: %+v, want %+v", k, m, got, want)
			}
		}
		var ks []int32
		var eq []Agg
		for k := range f.h.CountyCity {
			ks = append(ks, int32(k))
			for _, tg := range f.p.RateTargets() {
				eq = append(eq, counties[[3]int{k, int(tg), m}])
			}
		}
		got, _ := ix.Equalization(nil, m)
		if want := f.p.Equalize(ks, eq); !reflect.DeepEqual(got, want) {
			t.Fatalf("equalization period %d: %+v, want %+v", m, got, want)
		}
	}
	for w := range f.h.TownshipCounty {
		for tg := 0; tg < nT; tg++ {
			got, _ := ix.TownshipTrend(w, tg)
			as := make([]Agg, f.p.Months)
			for m := range as {
				as[m] = towns[[3]int{w, tg, m}]
			}
			if want := f.p.Trend(tg, as); !reflect.DeepEqual(got, want) {
				t.Fatalf("township %d target %d: %+v, want %+v", w, tg, got, want)
			}
		}
	}
}

func TestEqualizationFigures(t *testing.T) {
	// Two counties, one rate target at level 90: 45/50 = 90% (r = 1) and
	// 36/50 = 72% (r = 0.8), so realizations 100 and 80.
	h := Hierarchy{VillageTownship: []int32{0, 1}, TownshipCounty: []int32{0, 1}, CountyCity: []int32{0, 0}, Cities: 1,
		Start: []int32{0, 1, 2}, Targets: []int32{0, 0}}
	p := &Plan{Domains: 1, Months: 1, Targets: []Target{{Rate: true, Level: 90}}, CountyGoal: make([]float64, 2), CityGoal: make([]float64, 1)}
	if err := p.Init(2, 1); err != nil {
		t.Fatal(err)
	}
	ix, err := Build(h, p, []Leaf{{Village: 0, Value: 45, Den: 50}, {Village: 1, Value: 36, Den: 50}})
	if err != nil {
		t.Fatal(err)
	}
	eq, _ := ix.Equalization(nil, 0)
	if len(eq.Counties) != 2 || eq.Counties[0].Realization != 100 || math.Abs(eq.Counties[1].Realization-80) > 1e-12 {
		t.Fatalf("realizations %+v", eq.Counties)
	}
	// mean 90, σ = 10, CV = 1/9; Gini = (|100−80|·2/4)/(2·90) = 10/180.
	if math.Abs(eq.Mean-90) > 1e-9 || math.Abs(eq.CV-1.0/9) > 1e-9 || math.Abs(eq.Gini-10.0/180) > 1e-9 {
		t.Errorf("mean %g cv %g gini %g", eq.Mean, eq.CV, eq.Gini)
	}
	if err := ix.Set(Leaf{Village: 0, Target: 1}); err == nil {
		t.Error("a target not assigned to the village was accepted")
	}
	if err := ix.Set(Leaf{Village: 0, Value: math.NaN(), Den: 1}); err == nil {
		t.Error("NaN was accepted")
	}
}

// TestConcurrentReaders runs readers against a writer; with -race it checks
// the locking, and every read must see a consistent state: the city's
// total over all periods always equals the invariant the writer keeps.
func TestConcurrentReaders(t *testing.T) {
	f := newFixture(t, 7, 1, 4, 12, 80, 6, 5)
	// Start with every assigned leaf of target-0-like increments at 10.
	var leaves []Leaf
	for v := range f.h.VillageTownship {
		for p := f.h.Start[v]; p < f.h.Start[v+1]; p++ {
			tg := f.h.Targets[p]
			if f.p.Targets[tg].Rate {
				continue
			}
			for m := 0; m < f.p.Months; m++ {
				leaves = append(leaves, Leaf{Village: int32(v), Target: tg, Month: int32(m), Value: 10})
			}
		}
	}
	ix, err := Build(f.h, f.p, leaves)
	if err != nil {
		t.Fatal(err)
	}
	total := func() float64 { // Σ over targets and periods of the city's sums
		var s float64
		for m := 0; m < f.p.Months; m++ {
			aggs := make([]Agg, len(f.p.Targets))
			ix.areaAggs(City, 0, m, aggs)
			for _, a := range aggs {
				s += a.Sum
			}
		}
		return s
	}
	want := total()
	var stop atomic.Bool
	var wg sync.WaitGroup
	var reads atomic.Int64
	for r := 0; r < 4; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				if _, err := ix.CityOverview(0, r%f.p.Months); err != nil {
					t.Error(err)
					return
				}
				if _, err := ix.Equalization(nil, 0); err != nil {
					t.Error(err)
					return
				}
				if _, err := ix.TownshipTrend(r, 0); err != nil {
					t.Error(err)
					return
				}
				reads.Add(1)
			}
		}()
	}
	// The writer moves 1 from one leaf to another in pairs; between pairs
	// the total is unchanged, so it only checks totals at pair boundaries
	// (under its own serialization), while readers exercise the race.
	for reads.Load() == 0 { // let the readers start
		runtime.Gosched()
	}
	for i := 0; i < 2000 || reads.Load() < 100; i++ {
		a, b := leaves[i%len(leaves)], leaves[(i*7+3)%len(leaves)]
		va, _, _, _ := ix.Get(a.Village, a.Target, a.Month)
		vb, _, _, _ := ix.Get(b.Village, b.Target, b.Month)
		a.Value, b.Value = va-1, vb+1
		if a == b || (a.Village == b.Village && a.Target == b.Target && a.Month == b.Month) {
			continue
		}
		if err := ix.Set(a); err != nil {
			t.Fatal(err)
		}
		if err := ix.Set(b); err != nil {
			t.Fatal(err)
		}
	}
	stop.Store(true)
	wg.Wait()
	if got := total(); got != want {
		t.Errorf("total %g after balanced writes, want %g", got, want)
	}
	if reads.Load() == 0 {
		t.Error("no reads ran")
	}
}

func benchIndex(b *testing.B) (*Index, *fixture) {
	// A county-sized slice of a province: 12 counties, 180 townships, 3,000
	// villages, 50 targets, 12 months.
	f := newFixture(b, 1, 1, 12, 180, 3000, 50, 12)
	bl, err := NewBuilder(f.h, f.p)
	if err != nil {
		b.Fatal(err)
	}
	for v := range f.h.VillageTownship {
		for p := f.h.Start[v]; p < f.h.Start[v+1]; p++ {
			for m := 0; m < 12; m++ {
				bl.Add(Leaf{Village: int32(v), Target: f.h.Targets[p], Month: int32(m), Value: float64(v%97 + m), Den: 200})
			}
		}
	}
	ix, err := bl.Build()
	if err != nil {
		b.Fatal(err)
	}
	return ix, f
}

func BenchmarkCityOverview(b *testing.B) {
	ix, _ := benchIndex(b)
	for i := 0; b.Loop(); i++ {
		ix.CityOverview(0, i%12)
	}
}

func BenchmarkCountyDomainTable(b *testing.B) {
	ix, _ := benchIndex(b)
	for i := 0; b.Loop(); i++ {
		ix.CountyDomainTable(i%12, i%12)
	}
}

func BenchmarkTownshipTrend(b *testing.B) {
	ix, _ := benchIndex(b)
	for i := 0; b.Loop(); i++ {
		ix.TownshipTrend(i%180, i%50)
	}
}

func BenchmarkEqualization(b *testing.B) {
	ix, _ := benchIndex(b)
	for i := 0; b.Loop(); i++ {
		ix.Equalization(nil, i%12)
	}
}

func BenchmarkSet(b *testing.B) {
	ix, f := benchIndex(b)
	ls := make([]Leaf, 1024)
	for i := range ls {
		ls[i] = f.randomLeaf()
	}
	for i := 0; b.Loop(); i++ {
		ix.Set(ls[i%len(ls)])
	}
}

// BenchmarkReadersWithWriter measures query throughput on all cores while
// one goroutine writes continuously: the cost of the RWMutex under a
// write load far above any real one.
func BenchmarkReadersWithWriter(b *testing.B) {
	ix, f := benchIndex(b)
	ls := make([]Leaf, 1024)
	for i := range ls {
		ls[i] = f.randomLeaf()
	}
	var stop atomic.Bool
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; !stop.Load(); i++ {
			ix.Set(ls[i%len(ls)])
		}
	}()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			ix.CountyDomainTable(i%12, i%12)
			i++
		}
	})
	stop.Store(true)
	<-done
}

// BenchmarkReaders is BenchmarkReadersWithWriter without the writer.
func BenchmarkReaders(b *testing.B) {
	ix, _ := benchIndex(b)
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			ix.CountyDomainTable(i%12, i%12)
			i++
		}
	})
}
