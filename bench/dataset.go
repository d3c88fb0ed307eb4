package bench

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gongfu/live"
)

// Sizes are the dimensions of a synthetic dataset.
type Sizes struct {
	Cities    int `json:"cities"`
	Counties  int `json:"counties"`
	Townships int `json:"townships"`
	Villages  int `json:"villages"`
	Targets   int `json:"targets"`
	Months    int `json:"months"`
	// PerVillage is about how many of the targets each village reports (a
	// plan assigns a village the targets that concern it, not all of them).
	PerVillage int    `json:"per_village"`
	Domains    int    `json:"domains"`
	Seed       uint64 `json:"seed"`
}

// CitySizes is one prefecture-level city: 12 counties, ~180 townships,
// ~3,000 villages, 50 targets, 12 months; about 350,000 values.
func CitySizes() Sizes {
	return Sizes{Cities: 1, Counties: 12, Townships: 180, Villages: 3000, Targets: 50, Months: 12, PerVillage: 10, Domains: 8, Seed: 1}
}

// ProvinceSizes is Zhejiang's hierarchy: 11 cities, 90 counties, 1,360
// townships, 20,400 villages, 200 targets over 60 months (five plan years),
// each village reporting 20 of them; about 24 million values.
func ProvinceSizes() Sizes {
	return Sizes{Cities: 11, Counties: 90, Townships: 1360, Villages: 20400, Targets: 200, Months: 60, PerVillage: 20, Domains: 8, Seed: 1}
}

// Validate checks the sizes nest and fit the int32 keys.
func (s Sizes) Validate() error {
	switch {
	case s.Cities < 1 || s.Counties < s.Cities || s.Townships < s.Counties || s.Villages < s.Townships:
		return fmt.Errorf("need 1 ≤ cities ≤ counties ≤ townships ≤ villages, got %d, %d, %d, %d", s.Cities, s.Counties, s.Townships, s.Villages)
	case s.Targets < 1 || s.Months < 1 || s.Domains < 1 || s.Domains > s.Targets:
		return fmt.Errorf("need targets ≥ 1, months ≥ 1 and 1 ≤ domains ≤ targets")
	case s.PerVillage < 1 || s.PerVillage > s.Targets:
		return fmt.Errorf("targets per village must be within 1–%d", s.Targets)
	case s.Villages > 1<<28 || s.Targets > 1<<15 || s.Months > 1<<12:
		return fmt.Errorf("sizes too large")
	case float64(s.Villages)*float64(s.Targets)*float64(s.Months) > 2e9:
		return fmt.Errorf("villages × targets × months must stay below 2 billion")
	}
	return nil
}

// Dataset is a deterministic synthetic province (or city): the hierarchy,
// the plan, and a value for every (village, target, month) the plan
// assigns, computed on demand from a hash so that nothing of size
// villages × targets × months is ever held.
//
// Areas are numbered in tree order, so each county's townships and each
// township's villages are contiguous ranges. Village v reports target t
// when t ≡ v (mod stride), stride = targets/per-village; about 2% of the
// assigned values are missing (not reported). Targets t with t mod 7 odd
// are rates (numerator and denominator, a level of 80–98% to reach), the
// rest increments with a per-village annual quota; figures are
// year-to-date, so increments grow through each year. All figures are
// whole numbers, as counts are, so every engine's sums are exact.
type Dataset struct {
	Sizes
	H    live.Hierarchy
	Plan *live.Plan

	stride        int
	townStart     []int32 // per township: first village; len townships+1
	countyStart   []int32 // per county: first township
	cityStart     []int32 // per city: first county
	quota         []float64
	expectedPairs int
}

// NewDataset builds the hierarchy and plan of s.
func NewDataset(s Sizes) (*Dataset, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	d := &Dataset{Sizes: s}
	rng := rand.New(rand.NewPCG(s.Seed, 0x9e3779b97f4a7c15))
	d.cityStart = starts(split(s.Counties, s.Cities, rng))
	d.countyStart = starts(split(s.Townships, s.Counties, rng))
	d.townStart = starts(split(s.Villages, s.Townships, rng))
	h := &d.H
	h.Cities = s.Cities
	h.CountyCity = parents(d.cityStart)
	h.TownshipCounty = parents(d.countyStart)
	h.VillageTownship = parents(d.townStart)
	d.stride = max(1, s.Targets/s.PerVillage)
	h.Start = make([]int32, s.Villages+1)
	for v := 0; v < s.Villages; v++ {
		for t := v % d.stride; t < s.Targets; t += d.stride {
			h.Targets = append(h.Targets, int32(t))
		}
		h.Start[v+1] = int32(len(h.Targets))
	}
	d.expectedPairs = len(h.Targets)

	p := &live.Plan{Domains: s.Domains, Months: s.Months}
	d.quota = make([]float64, s.Targets)
	for t := 0; t < s.Targets; t++ {
		tg := live.Target{Domain: int32(t * s.Domains / s.Targets)}
		if t%7%2 == 1 {
			tg.Rate, tg.Level = true, float64(80+(t*7)%19)
		} else {
			d.quota[t] = float64(20 + (t*37)%181)
		}
		p.Targets = append(p.Targets, tg)
	}
	// Goals: a county's quota of an increment is the per-village quota
	// times the villages assigned the target; the city's is the sum.
	p.CountyGoal = make([]float64, s.Counties*s.Targets)
	p.CityGoal = make([]float64, s.Cities*s.Targets)
	for k := 0; k < s.Counties; k++ {
		v0 := int(d.townStart[d.countyStart[k]])
		v1 := int(d.townStart[d.countyStart[k+1]])
		c := int(h.CountyCity[k])
		for t := 0; t < s.Targets; t++ {
			if d.quota[t] == 0 {
				continue
			}
			g := d.quota[t] * float64(countCongruent(v0, v1, t%d.stride, d.stride))
			p.CountyGoal[k*s.Targets+t] = g
			p.CityGoal[c*s.Targets+t] += g
		}
	}
	if err := p.Init(s.Counties, s.Cities); err != nil {
		return nil, err
	}
	d.Plan = p
	return d, nil
}

// split divides n items into parts of varying size, each at least 1.
func split(n, parts int, rng *rand.Rand) []int {
	w := make([]float64, parts)
	var sum float64
	for i := range w {
		w[i] = 0.5 + rng.Float64()
		sum += w[i]
	}
	out := make([]int, parts)
	left := n - parts
	given := 0
	for i := range out {
		out[i] = 1 + int(float64(left)*w[i]/sum)
		given += out[i]
	}
	for i := 0; given < n; i = (i + 1) % parts {
		out[i]++
		given++
	}
	return out
}

func starts(sizes []int) []int32 {
	out := make([]int32, len(sizes)+1)
	for i, s := range sizes {
		out[i+1] = out[i] + int32(s)
	}
	return out
}

func parents(start []int32) []int32 {
	out := make([]int32, start[len(start)-1])
	for p := 0; p+1 < len(start); p++ {
		for i := start[p]; i < start[p+1]; i++ {
			out[i] = int32(p)
		}
	}
	return out
}

// countCongruent counts v in [a, b) with v ≡ r (mod s).
func countCongruent(a, b, r, s int) int {
	first := a + ((r-a%s)%s+s)%s
	if first >= b {
		return 0
	}
	return (b-first-1)/s + 1
}

// MaxValues is the number of assigned (village, target, month) cells; the
// dataset has about 98% of them.
func (d *Dataset) MaxValues() int64 { return int64(d.expectedPairs) * int64(d.Months) }

// Stride returns the assignment stride: village v reports t ≡ v (mod stride).
func (d *Dataset) Stride() int { return d.stride }

// TownshipVillages returns the villages of township w: [first, end).
func (d *Dataset) TownshipVillages(w int) (int32, int32) { return d.townStart[w], d.townStart[w+1] }

func mix(x uint64) uint64 { // splitmix64's finalizer
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// Value returns the figures of village v, target t, month m: the value (a
// rate's numerator) and a rate's denominator (0 for an increment); false
// when the village did not report it or the target is not assigned to it.
func (d *Dataset) Value(v, t, m int32) (value, den float64, ok bool) {
	if int(v)%d.stride != int(t)%d.stride {
		return 0, 0, false
	}
	h := mix(d.Seed*0x9e3779b97f4a7c15 ^ uint64(v)<<32 ^ uint64(t)<<16 ^ uint64(m))
	if h%100 < 2 {
		return 0, 0, false
	}
	u1 := float64(h>>11&0xfffff) / (1 << 20)
	u2 := float64(h>>31&0xfffff) / (1 << 20)
	if d.Plan.Targets[t].Rate {
		den = float64(50 + (h>>51)%451)
		return math.Round(den * (0.55 + 0.45*u1)), den, true
	}
	mi := float64(int(m)%12 + 1)
	return math.Round(d.quota[t] * mi / 12 * (0.5 + 0.9*u2)), 0, true
}

// Row is one value with its hierarchy columns, as the fact table holds it.
type Row struct {
	Township, Target, Month, Village, County, City int32
	Value, Den                                     float64
	Rate                                           bool
}

// Each calls fn for every value of the townships [w0, w1), in the fact
// table's key order (township, target, month, village), until fn returns
// false.
func (d *Dataset) Each(w0, w1 int, fn func(*Row) bool) {
	var r Row
	s := d.stride
	for w := w0; w < w1; w++ {
		a, b := int(d.townStart[w]), int(d.townStart[w+1])
		r.Township = int32(w)
		r.County = d.H.TownshipCounty[w]
		r.City = d.H.CountyCity[r.County]
		for t := 0; t < d.Targets; t++ {
			first := a + ((t%s-a%s)%s+s)%s
			if first >= b {
				continue
			}
			r.Target = int32(t)
			r.Rate = d.Plan.Targets[t].Rate
			for m := 0; m < d.Months; m++ {
				r.Month = int32(m)
				for v := first; v < b; v += s {
					var ok bool
					r.Value, r.Den, ok = d.Value(int32(v), int32(t), int32(m))
					if !ok {
						continue
					}
					r.Village = int32(v)
					if !fn(&r) {
						return
					}
				}
			}
		}
	}
}

// Leaf returns the row as a live index leaf.
func (r *Row) Leaf() live.Leaf {
	return live.Leaf{Village: r.Village, Target: r.Target, Month: r.Month, Value: r.Value, Den: r.Den}
}
