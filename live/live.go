// Package live keeps gongfu's dashboard figures current: roll-ups of every
// target over the org hierarchy (village → township → county → city) and
// every period, held in memory, updated by each write and read by each
// page.
//
// # Why
//
// A leader's dashboard asks the same few questions all day: how is my city
// doing in each domain this month, what does one county's table look like,
// how has a township's figure moved, how unequal are the counties. Asked
// of a database, every question is an aggregate over hundreds of thousands
// of village reports at province scale, however well indexed; computed by
// a nightly batch, the figures are stale the moment a village corrects a
// report. Here the answers are kept already summed: a write changes one
// leaf and the few cells above it, a read copies a few hundred cells. No
// rebuild, no staleness, and a read costs microseconds whatever the size
// of the province.
//
// # Design
//
// Everything is a dense integer key. Orgs are numbered per level (villages
// 0…V−1, townships 0…W−1, …) and the hierarchy is three parent arrays of
// int32. Targets and periods are 0-based indices. Each level above the
// villages holds three flat arrays, cell (org, target, period) at
// (org·T + target)·M + period:
//
//	sum []float64  Σ values (numerators, for a rate)
//	cnt []int32    villages that reported
//	den []float64  Σ denominators, for rate targets only (indexed by rate number)
//
// so a city's figures for one period are T cells at stride M, a township's
// trend is M consecutive cells, and no value lives in a map or a struct
// per cell. The leaves are stored too, because a write replaces a value and
// the index must know what to subtract: only the (village, target) pairs
// the plan assigns (CSR: each village's targets in one array) with one
// float32 per period, NaN meaning "not reported".
//
// Why float32 leaves and float64 roll-ups: a village's figure is a count
// (pupils, beds, households) or an amount with a handful of significant
// digits; float32 represents every integer up to 16,777,216 exactly and
// any figure to about 7 significant digits, well beyond what a dashboard
// shows, and halves the largest array. Roll-ups are float64 because they
// add up many leaves and are updated incrementally: a float32 sum would
// drift by its rounding on each update. A roll-up is always exactly the
// sum of the leaves it covers as stored (for integer figures, the sums stay
// exact integers below 2^53, so subtract-old/add-new never drifts).
//
// A write (Set) replaces a leaf and adds the difference, and ±1 to the
// count when a value appears or disappears, to the leaf's township, county
// and city: O(depth) work under a write lock. Start-up (Builder) fills the
// leaves and sums the levels bottom-up in one pass, which is much faster
// than applying every leaf as a write.
//
// Concurrency: many readers, one writer, a sync.RWMutex. Readers hold the
// read lock only while copying the cells they need (a few hundred) and do
// the arithmetic of completion and disparity afterwards; a write holds the
// lock for well under a microsecond. Measured with BenchmarkReaders and
// BenchmarkReadersWithWriter: even a writer that never pauses (millions of
// writes a second, and on two cores one of the two) leaves each read at a
// few microseconds, while real write rates are a few per second. A sharded
// or lock-free scheme would not pay for its complexity at these hold times.
//
// Durability is not this package's business: the caller commits a write to
// the store first and applies it here after, so the index never shows a
// figure the store could lose; at start-up it is rebuilt from the store.
package live

import (
	"fmt"
	"math"
	"sync"
)

// Hierarchy is the area tree as parent arrays over dense per-level indices.
type Hierarchy struct {
	VillageTownship []int32
	TownshipCounty  []int32
	CountyCity      []int32
	Cities          int
	// Start and Targets list the targets each village reports (the plan's
	// assignment), CSR-style: village v's targets are
	// Targets[Start[v]:Start[v+1]], ascending. len(Start) = villages+1.
	Start   []int32
	Targets []int32
}

// Leaf is one village's reported figure of one target in one period.
type Leaf struct {
	Village, Target, Month int32
	// Value is the figure, or a rate's numerator.
	Value float64
	// Den is a rate's denominator; ignored for increments.
	Den float64
}

// Level names a level of the hierarchy above the villages.
type Level int

// The levels with roll-ups.
const (
	Township Level = iota
	County
	City
	levels
)

type level struct {
	n   int     // orgs on the level
	up  []int32 // parent on the next level; nil for the top
	sum []float64
	cnt []int32
	den []float64
}

// Index is the live analytics index. Its methods are safe for concurrent
// use: any number of readers, writes serialized.
type Index struct {
	mu   sync.RWMutex
	plan *Plan
	h    Hierarchy

	nT, nM, nR int
	rateNo     []int32 // per target: its number among rate targets, or -1

	pairDen []int32   // per (village, target) pair: its rate-pair number, or -1
	leafVal []float32 // [pair·M + m]; NaN = not reported
	leafDen []float32 // [ratePair·M + m]
	values  int       // leaves reported

	lv [levels]level

	counties []int32   // 0…K−1, the default of Equalization
	eqBufs   sync.Pool // *[]Agg
}

// Builder fills an index from the store's rows at start-up.
type Builder struct {
	ix  *Index
	err error
}

// NewBuilder allocates an index for the hierarchy and plan, with no value
// reported. The plan must have been Init'ed and must not change afterwards.
func NewBuilder(h Hierarchy, p *Plan) (*Builder, error) {
	nV := len(h.VillageTownship)
	if len(h.Start) != nV+1 || h.Start[0] != 0 || int(h.Start[nV]) != len(h.Targets) {
		return nil, fmt.Errorf("live: the assignment does not match %d villages", nV)
	}
	if p.byDomain == nil {
		return nil, fmt.Errorf("live: the plan is not initialised (Plan.Init)")
	}
	ix := &Index{plan: p, h: h, nT: len(p.Targets), nM: p.Months}
	ix.eqBufs.New = func() any { return new([]Agg) }
	ix.counties = make([]int32, len(h.CountyCity))
	for i := range ix.counties {
		ix.counties[i] = int32(i)
	}
	ix.rateNo = make([]int32, ix.nT)
	for t, tg := range p.Targets {
		ix.rateNo[t] = -1
		if tg.Rate {
			ix.rateNo[t] = int32(ix.nR)
			ix.nR++
		}
	}
	counts := [levels]int{len(h.TownshipCounty), len(h.CountyCity), h.Cities}
	ups := [levels][]int32{h.TownshipCounty, h.CountyCity, nil}
	for i, u := range h.VillageTownship {
		if u < 0 || int(u) >= counts[Township] {
			return nil, fmt.Errorf("live: village %d has no township", i)
		}
	}
	for l := Township; l < City; l++ {
		for i, u := range ups[l] {
			if u < 0 || int(u) >= counts[l+1] {
				return nil, fmt.Errorf("live: org %d of level %d has no parent", i, l)
			}
		}
	}
	for v := 0; v < nV; v++ {
		prev := int32(-1)
		for _, t := range h.Targets[h.Start[v]:h.Start[v+1]] {
			if t <= prev || int(t) >= ix.nT {
				return nil, fmt.Errorf("live: village %d's targets are not ascending target numbers", v)
			}
			prev = t
		}
	}
	ix.pairDen = make([]int32, len(h.Targets))
	nRP := 0
	for i, t := range h.Targets {
		ix.pairDen[i] = -1
		if ix.rateNo[t] >= 0 {
			ix.pairDen[i] = int32(nRP)
			nRP++
		}
	}
	ix.leafVal = make([]float32, len(h.Targets)*ix.nM)
	nan := float32(math.NaN())
	for i := range ix.leafVal {
		ix.leafVal[i] = nan
	}
	ix.leafDen = make([]float32, nRP*ix.nM)
	for l := range ix.lv {
		n := counts[l]
		ix.lv[l] = level{n: n, up: ups[l],
			sum: make([]float64, n*ix.nT*ix.nM),
			cnt: make([]int32, n*ix.nT*ix.nM),
			den: make([]float64, n*ix.nR*ix.nM),
		}
	}
	return &Builder{ix: ix}, nil
}

// Add stores one leaf; a later Add of the same key replaces it. The first
// error is kept and returned by Build.
func (b *Builder) Add(l Leaf) {
	if b.err != nil {
		return
	}
	slot, dslot, err := b.ix.slots(l.Village, l.Target, l.Month)
	if err == nil {
		err = b.ix.check(l)
	}
	if err != nil {
		b.err = err
		return
	}
	if b.ix.leafVal[slot] != b.ix.leafVal[slot] {
		b.ix.values++
	}
	b.ix.leafVal[slot] = float32(l.Value)
	if dslot >= 0 {
		b.ix.leafDen[dslot] = float32(l.Den)
	}
}

// Build sums the leaves into the roll-ups, bottom-up, and returns the index.
func (b *Builder) Build() (*Index, error) {
	if b.err != nil {
		return nil, b.err
	}
	ix := b.ix
	b.ix = nil
	nM, nT, nR := ix.nM, ix.nT, ix.nR
	tw := &ix.lv[Township]
	for v, w := range ix.h.VillageTownship {
		for p := ix.h.Start[v]; p < ix.h.Start[v+1]; p++ {
			t := int(ix.h.Targets[p])
			vals := ix.leafVal[int(p)*nM : int(p+1)*nM]
			base := (int(w)*nT + t) * nM
			sum, cnt := tw.sum[base:base+nM], tw.cnt[base:base+nM]
			for m, x := range vals {
				if x == x {
					sum[m] += float64(x)
					cnt[m]++
				}
			}
			if dp := ix.pairDen[p]; dp >= 0 {
				dens := ix.leafDen[int(dp)*nM : int(dp+1)*nM]
				dbase := (int(w)*nR + int(ix.rateNo[t])) * nM
				den := tw.den[dbase : dbase+nM]
				for m, x := range vals {
					if x == x {
						den[m] += float64(dens[m])
					}
				}
			}
		}
	}
	for l := Township; l < City; l++ {
		lo, hi := &ix.lv[l], &ix.lv[l+1]
		bs, bd := nT*nM, nR*nM
		for o, u := range lo.up {
			addF(hi.sum[int(u)*bs:int(u+1)*bs], lo.sum[o*bs:(o+1)*bs])
			addI(hi.cnt[int(u)*bs:int(u+1)*bs], lo.cnt[o*bs:(o+1)*bs])
			addF(hi.den[int(u)*bd:int(u+1)*bd], lo.den[o*bd:(o+1)*bd])
		}
	}
	return ix, nil
}

func addF(dst, src []float64) {
	for i, x := range src {
		dst[i] += x
	}
}

func addI(dst, src []int32) {
	for i, x := range src {
		dst[i] += x
	}
}

// Build builds an index from a slice of leaf records.
func Build(h Hierarchy, p *Plan, leaves []Leaf) (*Index, error) {
	b, err := NewBuilder(h, p)
	if err != nil {
		return nil, err
	}
	for _, l := range leaves {
		b.Add(l)
	}
	return b.Build()
}

// slots returns the leaf's value slot and denominator slot (−1 for an
// increment), or an error when the plan does not assign the target to the
// village.
func (ix *Index) slots(v, t, m int32) (int, int, error) {
	if v < 0 || int(v) >= len(ix.h.VillageTownship) || m < 0 || int(m) >= ix.nM || t < 0 || int(t) >= ix.nT {
		return 0, 0, fmt.Errorf("live: village %d, target %d, period %d is out of range", v, t, m)
	}
	lo, hi := ix.h.Start[v], ix.h.Start[v+1]
	for lo < hi { // binary search in the village's few targets
		mid := (lo + hi) / 2
		if ix.h.Targets[mid] < t {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo == ix.h.Start[v+1] || ix.h.Targets[lo] != t {
		return 0, 0, fmt.Errorf("live: target %d is not assigned to village %d", t, v)
	}
	d := -1
	if dp := ix.pairDen[lo]; dp >= 0 {
		d = int(dp)*ix.nM + int(m)
	}
	return int(lo)*ix.nM + int(m), d, nil
}

func (ix *Index) check(l Leaf) error {
	bad := math.IsNaN(l.Value) || math.IsInf(l.Value, 0) || math.Abs(l.Value) > math.MaxFloat32
	if ix.rateNo[l.Target] >= 0 {
		bad = bad || math.IsNaN(l.Den) || math.IsInf(l.Den, 0) || l.Den < 0 || l.Den > math.MaxFloat32
	}
	if bad {
		return fmt.Errorf("live: village %d, target %d, period %d: figures must be finite", l.Village, l.Target, l.Month)
	}
	return nil
}

// Set replaces one leaf value (a report saved) and updates the roll-ups
// above it. Call it after the store has committed the write.
func (ix *Index) Set(l Leaf) error {
	slot, dslot, err := ix.slots(l.Village, l.Target, l.Month)
	if err != nil {
		return err
	}
	if err := ix.check(l); err != nil {
		return err
	}
	nv, nd := float32(l.Value), float32(l.Den)
	ix.mu.Lock()
	defer ix.mu.Unlock()
	old := ix.leafVal[slot]
	var dv, dd float64
	var dn int32
	if old != old {
		dv, dn = float64(nv), 1
		if dslot >= 0 {
			dd = float64(nd)
		}
		ix.values++
	} else {
		dv = float64(nv) - float64(old)
		if dslot >= 0 {
			dd = float64(nd) - float64(ix.leafDen[dslot])
		}
	}
	ix.leafVal[slot] = nv
	if dslot >= 0 {
		ix.leafDen[dslot] = nd
	}
	ix.propagate(l.Village, l.Target, l.Month, dv, dd, dn)
	return nil
}

// Clear removes one leaf value (a report withdrawn); it is not an error
// when none was reported.
func (ix *Index) Clear(v, t, m int32) error {
	slot, dslot, err := ix.slots(v, t, m)
	if err != nil {
		return err
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	old := ix.leafVal[slot]
	if old != old {
		return nil
	}
	var dd float64
	if dslot >= 0 {
		dd = -float64(ix.leafDen[dslot])
		ix.leafDen[dslot] = 0
	}
	ix.leafVal[slot] = float32(math.NaN())
	ix.values--
	ix.propagate(v, t, m, -float64(old), dd, -1)
	return nil
}

// propagate adds a change to the cells of the leaf's ancestors; the write
// lock is held.
func (ix *Index) propagate(v, t, m int32, dv, dd float64, dn int32) {
	org := ix.h.VillageTownship[v]
	r := ix.rateNo[t]
	for l := Township; l < levels; l++ {
		lv := &ix.lv[l]
		c := (int(org)*ix.nT+int(t))*ix.nM + int(m)
		lv.sum[c] += dv
		lv.cnt[c] += dn
		if r >= 0 {
			lv.den[(int(org)*ix.nR+int(r))*ix.nM+int(m)] += dd
		}
		if lv.up != nil {
			org = lv.up[org]
		}
	}
}

// Get returns one leaf's stored figures, false when not reported.
func (ix *Index) Get(v, t, m int32) (value, den float64, ok bool, err error) {
	slot, dslot, err := ix.slots(v, t, m)
	if err != nil {
		return 0, 0, false, err
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	x := ix.leafVal[slot]
	if x != x {
		return 0, 0, false, nil
	}
	if dslot >= 0 {
		den = float64(ix.leafDen[dslot])
	}
	return float64(x), den, true, nil
}

// Plan returns the index's plan.
func (ix *Index) Plan() *Plan { return ix.plan }

// Values returns how many leaf values are reported.
func (ix *Index) Values() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.values
}

// Bytes returns the size of the index's arrays.
func (ix *Index) Bytes() int64 {
	n := int64(len(ix.leafVal)+len(ix.leafDen))*4 + int64(len(ix.pairDen)+len(ix.rateNo))*4
	for _, lv := range ix.lv {
		n += int64(len(lv.sum)+len(lv.den))*8 + int64(len(lv.cnt))*4
	}
	return n
}

// Cell returns the roll-up of one org of a level for one target and period.
func (ix *Index) Cell(l Level, org, t, m int) (Agg, error) {
	if l < Township || l >= levels || org < 0 || org >= ix.lv[l].n || t < 0 || t >= ix.nT || m < 0 || m >= ix.nM {
		return Agg{}, fmt.Errorf("live: cell (%d, %d, %d, %d) is out of range", l, org, t, m)
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.cell(&ix.lv[l], org, t, m), nil
}

func (ix *Index) cell(lv *level, org, t, m int) Agg {
	c := (org*ix.nT+t)*ix.nM + m
	a := Agg{Sum: lv.sum[c], N: lv.cnt[c]}
	if r := ix.rateNo[t]; r >= 0 {
		a.Den = lv.den[(org*ix.nR+int(r))*ix.nM+m]
	}
	return a
}

// areaAggs copies the roll-ups of every target of one org at period m.
func (ix *Index) areaAggs(l Level, org, m int, out []Agg) {
	lv := &ix.lv[l]
	ix.mu.RLock()
	for t := range out {
		out[t] = ix.cell(lv, org, t, m)
	}
	ix.mu.RUnlock()
}

func (ix *Index) checkOrg(l Level, org, m int) error {
	if org < 0 || org >= ix.lv[l].n {
		return fmt.Errorf("live: no org %d on level %d", org, l)
	}
	if m < 0 || m >= ix.nM {
		return fmt.Errorf("live: no period %d", m)
	}
	return nil
}

// CityOverview returns a city's domains at period m: completion against
// its goals and time progress.
func (ix *Index) CityOverview(city, m int) ([]DomainRow, error) {
	if err := ix.checkOrg(City, city, m); err != nil {
		return nil, err
	}
	aggs := make([]Agg, ix.nT)
	ix.areaAggs(City, city, m, aggs)
	return ix.plan.Overview(m, ix.plan.CityGoal[city*ix.nT:(city+1)*ix.nT], aggs), nil
}

// CountyDomainTable returns a county's targets at period m, by domain.
func (ix *Index) CountyDomainTable(county, m int) ([]TargetRow, error) {
	if err := ix.checkOrg(County, county, m); err != nil {
		return nil, err
	}
	aggs := make([]Agg, ix.nT)
	ix.areaAggs(County, county, m, aggs)
	return ix.plan.Table(m, ix.plan.CountyGoal[county*ix.nT:(county+1)*ix.nT], aggs), nil
}

// TownshipTrend returns a township's figure of target t in every period.
func (ix *Index) TownshipTrend(township, t int) ([]Point, error) {
	if err := ix.checkOrg(Township, township, 0); err != nil {
		return nil, err
	}
	if t < 0 || t >= ix.nT {
		return nil, fmt.Errorf("live: no target %d", t)
	}
	aggs := make([]Agg, ix.nM)
	lv := &ix.lv[Township]
	c := (township*ix.nT + t) * ix.nM
	r := ix.rateNo[t]
	ix.mu.RLock()
	for m := range aggs {
		aggs[m] = Agg{Sum: lv.sum[c+m], N: lv.cnt[c+m]}
	}
	if r >= 0 {
		d := (township*ix.nR + int(r)) * ix.nM
		for m := range aggs {
			aggs[m].Den = lv.den[d+m]
		}
	}
	ix.mu.RUnlock()
	return ix.plan.Trend(t, aggs), nil
}

// Equalization runs the equalization evaluation over the given counties
// (nil for all) at period m.
func (ix *Index) Equalization(counties []int32, m int) (Equalization, error) {
	if counties == nil {
		counties = ix.counties
	}
	for _, k := range counties {
		if err := ix.checkOrg(County, int(k), m); err != nil {
			return Equalization{}, err
		}
	}
	// The cells are copied into a pooled buffer: at province scale they are
	// 90 counties × ~90 level targets, and allocating (and zeroing) them per
	// query cost more than the query itself.
	nR := len(ix.plan.rates)
	bp := ix.eqBufs.Get().(*[]Agg)
	if cap(*bp) < len(counties)*nR {
		*bp = make([]Agg, len(counties)*nR)
	}
	aggs := (*bp)[:len(counties)*nR]
	lv := &ix.lv[County]
	ix.mu.RLock()
	for i, k := range counties {
		for j, t := range ix.plan.rates {
			c := (int(k)*ix.nT+int(t))*ix.nM + m
			aggs[i*nR+j] = Agg{Sum: lv.sum[c], N: lv.cnt[c], Den: lv.den[(int(k)*ix.nR+j)*ix.nM+m]}
		}
	}
	ix.mu.RUnlock()
	eq := ix.plan.Equalize(counties, aggs)
	ix.eqBufs.Put(bp)
	return eq, nil
}

// Same reports whether two indexes of the same shape hold the same leaves
// and roll-ups.
func (ix *Index) Same(o *Index) bool {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	o.mu.RLock()
	defer o.mu.RUnlock()
	if ix.values != o.values || len(ix.leafVal) != len(o.leafVal) || len(ix.leafDen) != len(o.leafDen) {
		return false
	}
	for i, x := range ix.leafVal {
		if math.Float32bits(x) != math.Float32bits(o.leafVal[i]) {
			return false
		}
	}
	for i, x := range ix.leafDen {
		if x != o.leafDen[i] { // 0 where not reported, in both
			return false
		}
	}
	for l := range ix.lv {
		a, b := &ix.lv[l], &o.lv[l]
		if len(a.sum) != len(b.sum) || len(a.den) != len(b.den) {
			return false
		}
		for i := range a.sum {
			if a.sum[i] != b.sum[i] || a.cnt[i] != b.cnt[i] {
				return false
			}
		}
		for i := range a.den {
			if a.den[i] != b.den[i] {
				return false
			}
		}
	}
	return true
}
