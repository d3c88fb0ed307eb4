package live

import (
	"fmt"
	"math"

	"gongfu/eval"
)

// Target is what the index needs to know of one plan target.
type Target struct {
	// Domain is the plan domain (领域) the target belongs to, 0-based.
	Domain int32
	// Rate marks a rate (a level target such as 入园率): a leaf reports a
	// numerator (Leaf.Value) and a denominator (Leaf.Den), and the figure of
	// an area is 100·Σnum/Σden, weighting each village by its size as
	// eval.RollUp does. Otherwise the target is an increment and the figure
	// of an area is the sum of its villages' values.
	Rate bool
	// Level is a rate's level to reach, in percent (op ">="): the target of
	// completion and of the equalization evaluation.
	Level float64
}

// Plan holds the targets and goals that turn roll-up sums into dashboard
// figures (completion, realization). It is shared by the index and by
// anything else that produces the same sums (the SQL engines of the bench),
// so that the same sums always give the same answer.
type Plan struct {
	Targets []Target
	// Domains is the number of domains; every Target.Domain is below it.
	Domains int
	// Months is the number of periods; period m is month m%12+1 of its year,
	// and figures are year-to-date (累计), as reports are.
	Months int
	// CountyGoal and CityGoal are the annual goals of increment targets
	// (任务分解 quotas): CountyGoal[county*len(Targets)+t]. A goal ≤ 0 means
	// none was set, and no completion is computed against it.
	CountyGoal, CityGoal []float64

	byDomain [][]int32 // targets of each domain, ascending
	rates    []int32   // the rate targets, ascending
}

// Init checks the plan and prepares it for use; call it once before the
// plan is shared.
func (p *Plan) Init(counties, cities int) error {
	if p.Domains <= 0 || p.Months <= 0 || len(p.Targets) == 0 {
		return fmt.Errorf("live: a plan needs targets, domains and months")
	}
	nT := len(p.Targets)
	if len(p.CountyGoal) != counties*nT || len(p.CityGoal) != cities*nT {
		return fmt.Errorf("live: goals for %d counties and %d cities × %d targets expected, got %d and %d",
			counties, cities, nT, len(p.CountyGoal), len(p.CityGoal))
	}
	p.byDomain = make([][]int32, p.Domains)
	p.rates = p.rates[:0]
	for t, tg := range p.Targets {
		if tg.Domain < 0 || int(tg.Domain) >= p.Domains {
			return fmt.Errorf("live: target %d has domain %d, not within 0–%d", t, tg.Domain, p.Domains-1)
		}
		if tg.Rate && !(tg.Level > 0) {
			return fmt.Errorf("live: rate target %d needs a positive level", t)
		}
		p.byDomain[tg.Domain] = append(p.byDomain[tg.Domain], int32(t))
		if tg.Rate {
			p.rates = append(p.rates, int32(t))
		}
	}
	return nil
}

// RateTargets returns the rate (level) targets, ascending; the caller must
// not change the slice.
func (p *Plan) RateTargets() []int32 { return p.rates }

// Agg is a roll-up cell: the sum of the values (numerators for a rate), the
// sum of the denominators, and how many villages reported.
type Agg struct {
	Sum, Den float64
	N        int32
}

// Figure returns target t's figure from its roll-up: the sum, or for a rate
// 100·Σnum/Σden. It returns false when nobody reported (missing data is
// never zero) or a rate has no denominator.
func (p *Plan) Figure(t int, a Agg) (float64, bool) {
	if a.N == 0 {
		return 0, false
	}
	if p.Targets[t].Rate {
		if !(a.Den > 0) {
			return 0, false
		}
		return 100 * a.Sum / a.Den, true
	}
	return a.Sum, true
}

// completion is the uncapped completion rate of figure x of target t
// against goal (an increment's annual goal; a rate's goal is its level), as
// eval.Complete computes it for ">=" targets; false when there is no goal.
func (p *Plan) completion(t int, x, goal float64) (float64, bool) {
	if p.Targets[t].Rate {
		goal = p.Targets[t].Level
	}
	if !(goal > 0) {
		return 0, false
	}
	return 100 * x / goal, true
}

// TimeProgress returns the linear time progress (序时进度) at the end of
// period m in percent: month/12.
func (p *Plan) TimeProgress(m int) float64 { return 100 * float64(m%12+1) / 12 }

// DomainRow is one line of an area's overview: a domain's targets at one
// period.
type DomainRow struct {
	Domain int32 `json:"domain"`
	// Targets in the domain; Reported of them have a figure and a goal;
	// Met of those reach 100% completion.
	Targets  int `json:"targets"`
	Reported int `json:"reported"`
	Met      int `json:"met"`
	// Completion is the mean completion over the reported targets, each
	// capped at 100 so that one over-fulfilment cannot hide a lag
	// (eval.Completion.Capped); 0 when none reported.
	Completion   float64 `json:"completion"`
	TimeProgress float64 `json:"time_progress"`
}

// Overview turns the roll-ups of one area at period m (aggs[t] for every
// target t) and its goals (goals[t]) into one row per domain.
func (p *Plan) Overview(m int, goals []float64, aggs []Agg) []DomainRow {
	out := make([]DomainRow, p.Domains)
	tp := p.TimeProgress(m)
	for d, ts := range p.byDomain {
		r := DomainRow{Domain: int32(d), Targets: len(ts), TimeProgress: tp}
		var sum float64
		for _, t := range ts {
			x, ok := p.Figure(int(t), aggs[t])
			if !ok {
				continue
			}
			c, ok := p.completion(int(t), x, goals[t])
			if !ok {
				continue
			}
			r.Reported++
			if c >= 100 {
				r.Met++
			}
			sum += math.Min(c, 100)
		}
		if r.Reported > 0 {
			r.Completion = sum / float64(r.Reported)
		}
		out[d] = r
	}
	return out
}

// TargetRow is one line of an area's domain table.
type TargetRow struct {
	Target int32 `json:"target"`
	Domain int32 `json:"domain"`
	// Has is false when nobody reported; Value is then 0.
	Has   bool    `json:"has"`
	Value float64 `json:"value"`
	// Goal is the annual goal of an increment, the level of a rate.
	Goal float64 `json:"goal"`
	// Completion in percent, uncapped; 0 without a figure or goal.
	Completion float64 `json:"completion"`
	Reporting  int32   `json:"reporting"`
}

// Table turns the roll-ups of one area at period m into one row per target,
// grouped by domain (in domain order, then target order).
func (p *Plan) Table(m int, goals []float64, aggs []Agg) []TargetRow {
	out := make([]TargetRow, 0, len(p.Targets))
	for d, ts := range p.byDomain {
		for _, t := range ts {
			r := TargetRow{Target: t, Domain: int32(d), Goal: goals[t], Reporting: aggs[t].N}
			if p.Targets[t].Rate {
				r.Goal = p.Targets[t].Level
			}
			r.Value, r.Has = p.Figure(int(t), aggs[t])
			if r.Has {
				r.Completion, _ = p.completion(int(t), r.Value, goals[t])
			}
			out = append(out, r)
		}
	}
	return out
}

// Point is one period of a trend.
type Point struct {
	Month     int     `json:"month"`
	Has       bool    `json:"has"`
	Value     float64 `json:"value"`
	Reporting int32   `json:"reporting"`
}

// Trend turns the roll-ups of one area and target t for every period
// (aggs[m]) into its series.
func (p *Plan) Trend(t int, aggs []Agg) []Point {
	out := make([]Point, len(aggs))
	for m, a := range aggs {
		out[m] = Point{Month: m, Reporting: a.N}
		out[m].Value, out[m].Has = p.Figure(t, a)
	}
	return out
}

// CountyRealization is one county's realization (实现度) of the level
// targets, in percent.
type CountyRealization struct {
	County      int32   `json:"county"`
	Realization float64 `json:"realization"`
	Indicators  int     `json:"indicators"`
}

// Equalization is the equalization evaluation over counties at one period.
type Equalization struct {
	Counties []CountyRealization `json:"counties"`
	// Excluded are the counties without any figure.
	Excluded []int32 `json:"excluded,omitempty"`
	Mean     float64 `json:"mean"`
	CV       float64 `json:"cv"`
	Gini     float64 `json:"gini"`
}

// Equalize runs the equalization evaluation (evaluation.md §5, with equal
// weights): for each county, r = min(x/level, 1) for each level target
// with a figure (eval.Realize for ">="), the mean r of each domain, and
// 100 × the mean over its domains; then the disparity across counties
// (eval.Disparities). aggs[i*len(RateTargets())+j] is county counties[i]'s
// roll-up of the j-th rate target.
func (p *Plan) Equalize(counties []int32, aggs []Agg) Equalization {
	nR := len(p.rates)
	var out Equalization
	xs := make([]float64, 0, len(counties))
	dsum := make([]float64, p.Domains)
	dn := make([]int, p.Domains)
	for i, k := range counties {
		clear(dsum)
		clear(dn)
		inds := 0
		for j, t := range p.rates {
			x, ok := p.Figure(int(t), aggs[i*nR+j])
			if !ok {
				continue
			}
			r := 1.0
			if lv := p.Targets[t].Level; x < lv {
				r = x / lv
			}
			d := p.Targets[t].Domain
			dsum[d] += r
			dn[d]++
			inds++
		}
		if inds == 0 {
			out.Excluded = append(out.Excluded, k)
			continue
		}
		var s float64
		var nd int
		for d := range dsum {
			if dn[d] > 0 {
				s += dsum[d] / float64(dn[d])
				nd++
			}
		}
		cr := CountyRealization{County: k, Realization: 100 * s / float64(nd), Indicators: inds}
		out.Counties = append(out.Counties, cr)
		xs = append(xs, cr.Realization)
	}
	if len(xs) > 0 {
		if d, err := eval.Disparities(xs, nil, nil); err == nil {
			out.Mean, out.CV, out.Gini = d.Mean, d.CV, d.Gini
		}
	}
	return out
}
