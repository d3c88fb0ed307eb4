package eval

import (
	"math"
	"sort"
	"strings"

	"gongfu"
)

// This file is the annual equalization evaluation (基本公共服务均等化实现度,
// evaluation.md §5): how far each county has realized the plan's level
// targets, and how unequal the counties are.
//
// With shares s_c (1/n each, or population p_c/Σp when populations are known)
// and μ = Σ s_c x_c the (weighted) mean, the disparity figures are:
//
//	variance   σ² = Σ s_c (x_c − μ)²            (population σ: divide by n, not n−1)
//	CV         σ / μ
//	Theil T    Σ s_c (x_c/μ) ln(x_c/μ)          (x ln x = 0 at x = 0)
//	Gini       Σ_c Σ_d s_c s_d |x_c − x_d| / (2μ)
//	max/min    max x / min x                    (unweighted; undefined when min is 0)
//
// With equal shares these are exactly the formulas of the spec (Gini =
// ΣΣ|x_c − x_d| / (2n²μ)). Theil T splits exactly for a grouping (市区 vs
// 县(市)): with group share S_g = Σ_{c∈g} s_c, group mean μ_g and the group's
// own Theil T_g computed with shares s_c/S_g,
//
//	within  = Σ_g S_g (μ_g/μ) T_g
//	between = Σ_g S_g (μ_g/μ) ln(μ_g/μ)
//
// and within + between = T.

// Indicator is a level target taken into the equalization evaluation.
type Indicator struct {
	ID, Name    string
	Domain      int
	DomainTitle string
	Op          gongfu.Op
	// Weight within its domain; 0 counts as 1 (equal weights by default).
	Weight float64
}

// Observation is a county's figure on an indicator, with the target that
// applies to it: the county's own where one is set, else the plan's.
type Observation struct {
	Value  float64
	Target float64
	// Baseline is the county's starting value X0, when known.
	Baseline *float64
	Period   string
}

// EqualizationInput is what the evaluation works on.
type EqualizationInput struct {
	Indicators []Indicator
	// Counties in the order they are to be listed.
	Counties []string
	// Values holds county → indicator id → observation; an absent entry is
	// no data, never zero.
	Values map[string]map[string]Observation
	// DomainWeights by domain number; absent or 0 counts as 1.
	DomainWeights map[int]float64
	// Populations by county (any unit); used as weights when every county
	// evaluated has one.
	Populations map[string]float64
	// Group names a county's group for the Theil decomposition; nil for none.
	Group func(org string) string
}

// IndicatorRealization is one county's realization of one indicator.
type IndicatorRealization struct {
	ID     string
	Value  float64
	Target float64
	// R is the realization in percent (0–100).
	R float64
	// RBaseline is the baseline form in percent, when a baseline is known.
	RBaseline          *float64
	Period             string
	Working, WorkingEN string
}

// DomainRealization is one county's realization of one domain, in percent.
type DomainRealization struct {
	No          int
	Title       string
	Realization float64
	Indicators  int
	Weight      float64
}

// CountyRealization is one county's realization (实现度) in percent.
type CountyRealization struct {
	Org         string
	Group       string
	Population  float64
	Realization float64
	Domains     []DomainRealization
	Indicators  []IndicatorRealization
	// Missing lists the indicators the county has no figure for; its domain
	// realizations are over the indicators it has.
	Missing []string
}

// Excluded is a county left out of the evaluation, with the reason.
type Excluded struct {
	Org, Reason, ReasonEN string
}

// GroupDisparity is one group's part of a Theil decomposition.
type GroupDisparity struct {
	Name  string
	N     int
	Share float64 // S_g: the group's share of weight (of counties or people)
	Mean  float64 // μ_g
	Theil float64 // T_g, within the group
}

// Disparity holds the disparity figures over counties.
type Disparity struct {
	N            int
	Mean         float64
	SD           float64
	CV           float64
	Theil        float64
	TheilWithin  float64
	TheilBetween float64
	Gini         float64
	// MaxMin is nil when the smallest value is 0.
	MaxMin   *float64
	Weighted bool
	Groups   []GroupDisparity
}

// IndicatorDisparity is the disparity of one indicator's raw values.
type IndicatorDisparity struct {
	ID        string
	Name      string
	Counties  int
	Disparity Disparity
}

// Equalization is the result of the annual equalization evaluation.
type Equalization struct {
	Counties []CountyRealization
	Excluded []Excluded
	// Disparity is over the counties' realizations: population-weighted
	// when every county has a population, else unweighted.
	Disparity Disparity
	// Unweighted repeats the unweighted figures when Disparity is weighted.
	Unweighted *Disparity
	// Indicators gives the disparity of each indicator's values.
	Indicators []IndicatorDisparity
	// Notes explain what was left out or approximated.
	Notes, NotesEN []string
}

// Realize returns the realization r of value x against target t (a share,
// 0–1): min(x/t, 1) for ">=", min(t/x, 1) for "<=" (a value of 0 or at or
// under the ceiling is fully realized), and for "=" (…左右) the closeness
// min(x/t, t/x).
func Realize(op gongfu.Op, x, t float64) (float64, string, string) {
	var r float64
	var zh, en string
	switch op {
	case gongfu.OpAtMost:
		switch {
		case x <= t:
			r = 1
			zh, en = sprintf("实际%s ≤ 目标%s，r = 1", Num(x), Num(t)), sprintf("actual %s ≤ target %s: r = 1", Num(x), Num(t))
		case x <= 0 || t <= 0:
			r = 0
			zh, en = sprintf("实际%s高于目标%s，r = 0", Num(x), Num(t)), sprintf("actual %s above target %s: r = 0", Num(x), Num(t))
		default:
			r = t / x
			zh, en = sprintf("r = 目标%s / 实际%s = %s", Num(t), Num(x), Num(r)), sprintf("r = target %s / actual %s = %s", Num(t), Num(x), Num(r))
		}
	case gongfu.OpEqual:
		switch {
		case x == t:
			r = 1
		case x <= 0 || t <= 0:
			r = 0
		default:
			r = math.Min(x/t, t/x)
		}
		zh, en = sprintf("r = min(%s/%s, %s/%s) = %s", Num(x), Num(t), Num(t), Num(x), Num(r)), sprintf("r = min(%s/%s, %s/%s) = %s", Num(x), Num(t), Num(t), Num(x), Num(r))
	default:
		switch {
		case x >= t:
			r = 1
		case t <= 0:
			r = 0
		default:
			r = x / t
		}
		zh, en = sprintf("r = min(%s / %s, 1) = %s", Num(x), Num(t), Num(r)), sprintf("r = min(%s / %s, 1) = %s", Num(x), Num(t), Num(r))
	}
	return r, zh, en
}

// RealizeFromBaseline returns the baseline form clamp((x − x0)/(t − x0), 0, 1):
// the share of the way from the starting point to the target that has been
// covered. It works for either direction (a ceiling below the baseline gives
// a negative denominator and a fall a negative numerator). It returns false
// when the baseline equals the target.
func RealizeFromBaseline(x, x0, t float64) (float64, bool) {
	if t == x0 {
		return 0, false
	}
	return math.Max(0, math.Min(1, (x-x0)/(t-x0))), true
}

func weightOr1(w float64) float64 {
	if w <= 0 || math.IsNaN(w) {
		return 1
	}
	return w
}

// Equalize runs the equalization evaluation: each county's realization of
// each indicator, domain (weighted mean of its indicators' r) and overall
// (weighted mean of its domains × 100), then the disparity across counties.
// A county without any figure is excluded and listed; a county missing some
// indicators is evaluated on those it has, and they are listed.
func Equalize(in EqualizationInput) Equalization {
	var out Equalization
	var xs, ws []float64
	var groups []string
	weighted := in.Populations != nil
	var noPop []string
	for _, org := range in.Counties {
		obs := in.Values[org]
		cr := CountyRealization{Org: org, Population: in.Populations[org]}
		if in.Group != nil {
			cr.Group = in.Group(org)
		}
		type acc struct {
			sum, w float64
			n      int
			title  string
		}
		doms := map[int]*acc{}
		var order []int
		for _, ind := range in.Indicators {
			o, ok := obs[ind.ID]
			if !ok {
				cr.Missing = append(cr.Missing, ind.ID)
				continue
			}
			r, zh, en := Realize(ind.Op, o.Value, o.Target)
			ir := IndicatorRealization{ID: ind.ID, Value: o.Value, Target: o.Target, R: 100 * r, Period: o.Period, Working: zh, WorkingEN: en}
			if o.Baseline != nil {
				if rb, ok := RealizeFromBaseline(o.Value, *o.Baseline, o.Target); ok {
					rb *= 100
					ir.RBaseline = &rb
				}
			}
			cr.Indicators = append(cr.Indicators, ir)
			a := doms[ind.Domain]
			if a == nil {
				a = &acc{title: ind.DomainTitle}
				doms[ind.Domain] = a
				order = append(order, ind.Domain)
			}
			w := weightOr1(ind.Weight)
			a.sum += w * r
			a.w += w
			a.n++
		}
		if len(cr.Indicators) == 0 {
			out.Excluded = append(out.Excluded, Excluded{Org: org,
				Reason:   "没有任何均等化指标（水平类指标）的数据，未纳入评价（缺数不按零计）",
				ReasonEN: "no figure on any equalization (level) indicator: left out (missing is not zero)"})
			continue
		}
		sort.Ints(order)
		var sum, wsum float64
		for _, no := range order {
			a := doms[no]
			dw := weightOr1(in.DomainWeights[no])
			dr := a.sum / a.w
			cr.Domains = append(cr.Domains, DomainRealization{No: no, Title: a.title, Realization: 100 * dr, Indicators: a.n, Weight: dw})
			sum += dw * dr
			wsum += dw
		}
		cr.Realization = 100 * sum / wsum
		out.Counties = append(out.Counties, cr)
		xs = append(xs, cr.Realization)
		ws = append(ws, cr.Population)
		groups = append(groups, cr.Group)
		if cr.Population <= 0 {
			noPop = append(noPop, org)
		}
		if len(cr.Missing) > 0 {
			out.Notes = append(out.Notes, sprintf("%s缺%d项指标（%s），按已有指标计算", org, len(cr.Missing), strings.Join(cr.Missing, "、")))
			out.NotesEN = append(out.NotesEN, sprintf("%s lacks %d indicators (%s); computed over those it has", org, len(cr.Missing), strings.Join(cr.Missing, ", ")))
		}
	}
	for _, ex := range out.Excluded {
		out.Notes = append(out.Notes, ex.Org+"："+ex.Reason)
		out.NotesEN = append(out.NotesEN, ex.Org+": "+ex.ReasonEN)
	}
	if weighted && len(noPop) > 0 {
		weighted = false
		out.Notes = append(out.Notes, sprintf("%s无人口数据，差距指标改用不加权计算", strings.Join(noPop, "、")))
		out.NotesEN = append(out.NotesEN, sprintf("no population for %s: disparity is unweighted", strings.Join(noPop, ", ")))
	}
	if in.Group == nil {
		groups = nil
	}
	if len(xs) > 0 {
		if weighted {
			out.Disparity, _ = Disparities(xs, ws, groups)
			u, _ := Disparities(xs, nil, groups)
			out.Unweighted = &u
		} else {
			out.Disparity, _ = Disparities(xs, nil, groups)
		}
	}
	for _, ind := range in.Indicators {
		var vs, pw []float64
		var gs []string
		allPop := weighted
		for _, cr := range out.Counties {
			o, ok := in.Values[cr.Org][ind.ID]
			if !ok {
				continue
			}
			vs = append(vs, o.Value)
			pw = append(pw, cr.Population)
			gs = append(gs, cr.Group)
		}
		if len(vs) == 0 {
			continue
		}
		if !allPop {
			pw = nil
		}
		if in.Group == nil {
			gs = nil
		}
		d, err := Disparities(vs, pw, gs)
		if err != nil {
			continue
		}
		out.Indicators = append(out.Indicators, IndicatorDisparity{ID: ind.ID, Name: ind.Name, Counties: len(vs), Disparity: d})
	}
	return out
}

// Disparities computes the disparity figures of xs (none negative) with
// weights ws (nil for equal weights; else one positive weight per value,
// such as population) and an optional grouping for the Theil decomposition
// (nil for none: then within = T and between = 0, one group holding all).
func Disparities(xs, ws []float64, groups []string) (Disparity, error) {
	n := len(xs)
	if n == 0 {
		return Disparity{}, gongfu.Failf(gongfu.EINVALID, "没有可计算差距的数值")
	}
	if ws != nil && len(ws) != n || groups != nil && len(groups) != n {
		return Disparity{}, gongfu.Failf(gongfu.EINVALID, "权重或分组数目与数值不符")
	}
	s := make([]float64, n)
	var wsum float64
	for i, x := range xs {
		if math.IsNaN(x) || math.IsInf(x, 0) || x < 0 {
			return Disparity{}, gongfu.Failf(gongfu.EINVALID, "差距指标要求数值非负")
		}
		w := 1.0
		if ws != nil {
			w = ws[i]
			if !(w > 0) || math.IsInf(w, 0) {
				return Disparity{}, gongfu.Failf(gongfu.EINVALID, "权重须为正数")
			}
		}
		s[i] = w
		wsum += w
	}
	for i := range s {
		s[i] /= wsum
	}
	d := Disparity{N: n, Weighted: ws != nil}
	for i, x := range xs {
		d.Mean += s[i] * x
	}
	lo, hi := xs[0], xs[0]
	for _, x := range xs {
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	if lo > 0 {
		mm := hi / lo
		d.MaxMin = &mm
	}
	if d.Mean == 0 { // all zero: perfectly equal
		return d, nil
	}
	var v, g float64
	for i, x := range xs {
		v += s[i] * (x - d.Mean) * (x - d.Mean)
		d.Theil += s[i] * xlogx(x/d.Mean)
		for j, y := range xs {
			g += s[i] * s[j] * math.Abs(x-y)
		}
	}
	d.SD = math.Sqrt(v)
	d.CV = d.SD / d.Mean
	d.Gini = g / (2 * d.Mean)
	d.TheilWithin, d.TheilBetween = d.Theil, 0
	if groups != nil {
		idx := map[string]int{}
		for i, name := range groups {
			k, ok := idx[name]
			if !ok {
				k = len(d.Groups)
				idx[name] = k
				d.Groups = append(d.Groups, GroupDisparity{Name: name})
			}
			gr := &d.Groups[k]
			gr.N++
			gr.Share += s[i]
			gr.Mean += s[i] * xs[i]
		}
		for k := range d.Groups {
			d.Groups[k].Mean /= d.Groups[k].Share
		}
		for i, name := range groups {
			gr := &d.Groups[idx[name]]
			if gr.Mean > 0 {
				gr.Theil += s[i] / gr.Share * xlogx(xs[i]/gr.Mean)
			}
		}
		d.TheilWithin, d.TheilBetween = 0, 0
		for _, gr := range d.Groups {
			d.TheilWithin += gr.Share * gr.Mean / d.Mean * gr.Theil
			if gr.Mean > 0 {
				d.TheilBetween += gr.Share * gr.Mean / d.Mean * math.Log(gr.Mean/d.Mean)
			}
		}
		sort.Slice(d.Groups, func(a, b int) bool { return d.Groups[a].Name < d.Groups[b].Name })
	}
	return d, nil
}

// xlogx is x·ln x with its limit 0 at x = 0.
func xlogx(x float64) float64 {
	if x <= 0 {
		return 0
	}
	return x * math.Log(x)
}

// CountyChange is a county's realization in two years.
type CountyChange struct {
	Org               string
	Previous, Current float64
	Change            float64
}

// YearOnYear compares two annual evaluations (evaluation.md §5).
type YearOnYear struct {
	Counties []CountyChange
	// Added are counties evaluated this year only, Dropped last year only.
	Added, Dropped []string
	// The changes of the disparity figures (current − previous); a fall is
	// a narrowing of the gap.
	CV, Theil, TheilWithin, TheilBetween, Gini float64
	MaxMin                                     *float64
	Reason, ReasonEN                           string
}

// CompareYears returns the change in each county's realization and in each
// disparity figure from prev to cur. Counties present in one year only are
// listed, not compared.
func CompareYears(prev, cur Equalization) YearOnYear {
	var y YearOnYear
	before := map[string]float64{}
	for _, c := range prev.Counties {
		before[c.Org] = c.Realization
	}
	seen := map[string]bool{}
	for _, c := range cur.Counties {
		seen[c.Org] = true
		p, ok := before[c.Org]
		if !ok {
			y.Added = append(y.Added, c.Org)
			continue
		}
		y.Counties = append(y.Counties, CountyChange{Org: c.Org, Previous: p, Current: c.Realization, Change: c.Realization - p})
	}
	for _, c := range prev.Counties {
		if !seen[c.Org] {
			y.Dropped = append(y.Dropped, c.Org)
		}
	}
	a, b := prev.Disparity, cur.Disparity
	y.CV, y.Theil, y.TheilWithin, y.TheilBetween, y.Gini = b.CV-a.CV, b.Theil-a.Theil, b.TheilWithin-a.TheilWithin, b.TheilBetween-a.TheilBetween, b.Gini-a.Gini
	if a.MaxMin != nil && b.MaxMin != nil {
		d := *b.MaxMin - *a.MaxMin
		y.MaxMin = &d
	}
	dir, dirEN := "缩小", "narrowed"
	if y.Theil > 0 {
		dir, dirEN = "扩大", "widened"
	} else if y.Theil == 0 {
		dir, dirEN = "不变", "unchanged"
	}
	y.Reason = sprintf("泰尔指数由%s变为%s，差距%s；变异系数变化%s，基尼系数变化%s", Num(a.Theil), Num(b.Theil), dir, Num(y.CV), Num(y.Gini))
	y.ReasonEN = sprintf("Theil index %s → %s: the gap %s; CV changed by %s, Gini by %s", Num(a.Theil), Num(b.Theil), dirEN, Num(y.CV), Num(y.Gini))
	if len(y.Added)+len(y.Dropped) > 0 {
		y.Reason += sprintf("（两年评价的县不同：新增%s，减少%s，差距指标不完全可比）", strings.Join(y.Added, "、"), strings.Join(y.Dropped, "、"))
		y.ReasonEN += sprintf(" (the counties differ: added %s, dropped %s; disparity not fully comparable)", strings.Join(y.Added, ", "), strings.Join(y.Dropped, ", "))
	}
	return y
}
