package eval

import (
	"math"

	"gongfu"
)

// Item is what is judged: a plan target or milestone as it applies to one org.
// A county's item differs from the city's in its value (the county's quota or
// own target) and sometimes its baseline, so the plan's Target is copied into
// an Item rather than used directly.
type Item struct {
	ID        string
	Name      string
	Milestone bool
	Kind      gongfu.TargetKind // "" for a milestone
	Op        gongfu.Op
	// Value is the target value for the org being judged.
	Value float64
	Ratio []float64
	// Baseline is the value a change is measured from; nil when unknown.
	Baseline *float64
	Unit     string
	// Year is the plan year: time runs from 1 January of it.
	Year int
	// Due is the item's own deadline; "" means 31 December of Year.
	Due gongfu.Date
	// Schedule is the coordinator's planned cumulative share in percent
	// (计划进度, 倒排时间节点): 12 monthly or 4 quarterly figures. When set it
	// replaces linear time progress.
	Schedule []float64
	// Unassigned marks an org that has no target of its own for the item (an
	// increment not decomposed to this county): its figure counts towards the
	// total, but no light can be given against a target it does not have.
	Unassigned bool
}

// TargetItem returns the item of plan target t in a plan of year.
func TargetItem(year int, t *gongfu.Target) Item {
	return Item{
		ID: t.ID, Name: t.Name, Kind: t.Kind, Op: t.Op, Value: t.Value,
		Ratio: t.Ratio, Baseline: t.Baseline, Unit: t.Unit, Year: year,
	}
}

// MilestoneItem returns the item of milestone m in a plan of year.
func MilestoneItem(year int, m *gongfu.Milestone) Item {
	return Item{ID: m.ID, Name: m.Text, Milestone: true, Year: year, Due: m.Due}
}

// IsPercent reports whether the item's figures are percentages.
func (it *Item) IsPercent() bool { return it.Unit == "%" }

// lowerIsBetter reports whether a smaller figure is better: level targets
// held under a ceiling (失业率控制在4.3%以内), and increments capped by one
// (an amount not to exceed), which are judged like a level.
func (it *Item) lowerIsBetter() bool {
	return it.Op == gongfu.OpAtMost && (it.Kind == gongfu.KindLevel || it.Kind == gongfu.KindIncrement)
}

// Figure is one year-to-date figure of an item for one org and period:
// reported, or derived from other orgs' figures by a roll-up.
type Figure struct {
	Period      gongfu.Period
	Value       *float64
	Numerator   *float64
	Denominator *float64
	Stage       gongfu.Stage
	Percent     *float64
	// Method says how a derived figure was obtained (Chinese and English),
	// "" for a figure as reported.
	Method, MethodEN string
	// Unweighted marks a rate rolled up as a plain mean of the counties'
	// rates because not all of them gave numerator and denominator: the
	// figure is approximate and must be shown as such.
	Unweighted bool
}

// FigureOf returns the figure of a stored report.
func FigureOf(r *gongfu.Report) (Figure, error) {
	p, err := gongfu.ParsePeriod(r.Period)
	if err != nil {
		return Figure{}, err
	}
	return Figure{Period: p, Value: r.Value, Numerator: r.Numerator, Denominator: r.Denominator, Stage: r.Stage, Percent: r.Percent}, nil
}

// Completion is a completion rate (完成率) with its working.
type Completion struct {
	// Percent is the uncapped rate: 469 when 1876 were trained against 400.
	// Over-fulfilment (超额完成) is news in a progress table.
	Percent float64
	// Met reports whether the target is reached: completion ≥ 100% for an
	// increment, within the tolerance for a ratio or an "about" level.
	Met bool
	// Working shows the computation, as "32095 / 26000 = 123.4%".
	Working, WorkingEN string
}

// Capped returns the rate capped at 100, for use inside averages: one
// county's 469% must not hide another's 20%.
func (c Completion) Capped() float64 { return math.Min(c.Percent, 100) }

// Complete computes the completion rate of figure f against item it
// (evaluation.md §2):
//
//	increment, level  >= : actual / target
//	level <=             : target / actual; actual ≤ target is met, and an
//	                       actual of 0 (nothing to divide by) counts as 100
//	change               : (actual − baseline) / value; with the baseline
//	                       unknown the reported value is read as the change
//	                       itself (baseline 0)
//	ratio                : 100 when each side is within RatioTolerance points
//	                       of the target's side, else 0 (see ratioDeviation)
//	milestone            : 0 未启动, the reported percent 推进中, 100 已完成
//
// A level with op "=" (…左右, about) is read like ">=" for the rate and is
// met when within LevelTolerance of the target either way.
func Complete(it Item, f Figure, th Thresholds) (Completion, error) {
	if it.Milestone {
		return milestoneCompletion(f)
	}
	if f.Value == nil {
		return Completion{}, gongfu.Failf(gongfu.EINVALID, "指标 %s 的报告缺少数值", it.ID)
	}
	x, t := *f.Value, it.Value
	switch {
	case it.Kind == gongfu.KindRatio:
		return ratioCompletion(it, x, th)
	case it.Kind == gongfu.KindChange:
		return changeCompletion(it, x, th)
	case it.lowerIsBetter():
		return lowerCompletion(x, t)
	}
	c := Completion{Met: x >= t}
	if t == 0 {
		// Nothing to divide by: a target of zero is met by any figure ≥ 0.
		if x >= 0 {
			c.Percent, c.Met = 100, true
		}
		c.Working = sprintf("目标为0，实际%s，完成率按%s%%计", Num(x), Pct(c.Percent))
		c.WorkingEN = sprintf("target 0, actual %s: completion taken as %s%%", Num(x), Pct(c.Percent))
		return c, nil
	}
	c.Percent = 100 * x / t
	c.Working = sprintf("完成率 = %s / %s = %s%%", Num(x), Num(t), Pct(c.Percent))
	c.WorkingEN = sprintf("completion = %s / %s = %s%%", Num(x), Num(t), Pct(c.Percent))
	if it.Op == gongfu.OpEqual && it.Kind == gongfu.KindLevel {
		c.Met = math.Abs(x-t) <= th.LevelTolerance*math.Abs(t)
	}
	return c, nil
}

// lowerCompletion is target / actual for a lower-is-better target.
func lowerCompletion(x, t float64) (Completion, error) {
	c := Completion{Met: x <= t}
	switch {
	case x <= 0 && c.Met:
		// 0 is as good as it gets, and t/0 is no number: report 100.
		c.Percent = 100
		c.Working = sprintf("实际%s ≤ 目标%s，达标，完成率按100%%计", Num(x), Num(t))
		c.WorkingEN = sprintf("actual %s ≤ target %s: met, completion taken as 100%%", Num(x), Num(t))
	case x <= 0 || t <= 0:
		c.Percent = 0
		c.Working = sprintf("实际%s 高于目标%s，完成率按0%%计", Num(x), Num(t))
		c.WorkingEN = sprintf("actual %s above target %s: completion taken as 0%%", Num(x), Num(t))
	default:
		c.Percent = 100 * t / x
		c.Working = sprintf("完成率 = 目标%s / 实际%s = %s%%（越低越好）", Num(t), Num(x), Pct(c.Percent))
		c.WorkingEN = sprintf("completion = target %s / actual %s = %s%% (lower is better)", Num(t), Num(x), Pct(c.Percent))
	}
	return c, nil
}

// changeCompletion is (actual − baseline) / value.
func changeCompletion(it Item, x float64, th Thresholds) (Completion, error) {
	b, known := 0.0, it.Baseline != nil
	if known {
		b = *it.Baseline
	}
	d, v := x-b, it.Value
	c := Completion{}
	switch it.Op {
	case gongfu.OpAtMost:
		c.Met = d <= v
	case gongfu.OpEqual:
		c.Met = math.Abs(d-v) <= th.LevelTolerance*math.Abs(v)
	default:
		c.Met = d >= v
	}
	if v == 0 {
		if c.Met {
			c.Percent = 100
		}
	} else {
		c.Percent = 100 * d / v
	}
	if known {
		c.Working = sprintf("完成率 = (%s − 基数%s) / %s = %s%%", Num(x), Num(b), Num(v), Pct(c.Percent))
		c.WorkingEN = sprintf("completion = (%s − baseline %s) / %s = %s%%", Num(x), Num(b), Num(v), Pct(c.Percent))
	} else {
		c.Working = sprintf("基数未知，填报值%s即为变化量，完成率 = %s / %s = %s%%", Num(x), Num(d), Num(v), Pct(c.Percent))
		c.WorkingEN = sprintf("baseline unknown, the value %s is read as the change: completion = %s / %s = %s%%", Num(x), Num(d), Num(v), Pct(c.Percent))
	}
	return c, nil
}

// ratioDeviation compares an actual ratio a:b, reported as the value v = a/b,
// with the target ratio r1:r2 by scaling both to a total of 100, so that
// "within 1 point" means percentage points of the whole, as in 普职比55:45:
//
//	a' = 100·v/(1+v), b' = 100 − a'    t1 = 100·r1/(r1+r2), t2 = 100 − t1
//
// Because both pairs sum to 100, |a'−t1| = |b'−t2|, so one deviation checks
// both sides. It returns a', t1 and the deviation in points.
func ratioDeviation(it Item, v float64) (a, t1, dev float64) {
	r1, r2 := it.Value, 1.0
	if len(it.Ratio) == 2 {
		r1, r2 = it.Ratio[0], it.Ratio[1]
	}
	if r1+r2 != 0 {
		t1 = 100 * r1 / (r1 + r2)
	}
	if math.IsInf(v, 1) {
		a = 100
	} else if v+1 != 0 {
		a = 100 * v / (1 + v)
	}
	return a, t1, math.Abs(a - t1)
}

func ratioCompletion(it Item, v float64, th Thresholds) (Completion, error) {
	a, t1, dev := ratioDeviation(it, v)
	c := Completion{Met: dev <= th.RatioTolerance}
	if c.Met {
		c.Percent = 100
	}
	c.Working = sprintf("实际%s:%s（折合百分比），目标%s:%s，偏差%s个百分点（容许%s）", Pct(a), Pct(100-a), Pct(t1), Pct(100-t1), Pct(dev), Num(th.RatioTolerance))
	c.WorkingEN = sprintf("actual %s:%s (scaled to 100), target %s:%s, off by %s points (tolerance %s)", Pct(a), Pct(100-a), Pct(t1), Pct(100-t1), Pct(dev), Num(th.RatioTolerance))
	return c, nil
}

func milestoneCompletion(f Figure) (Completion, error) {
	switch f.Stage {
	case gongfu.StageDone:
		return Completion{Percent: 100, Met: true, Working: "已完成，完成率100%", WorkingEN: "done: 100%"}, nil
	case gongfu.StageNotStarted:
		return Completion{Working: "未启动，完成率0%", WorkingEN: "not started: 0%"}, nil
	case gongfu.StageInProgress:
		if f.Percent == nil {
			return Completion{Working: "推进中，未填进度百分比，按0%计", WorkingEN: "in progress without a percent: taken as 0%"}, nil
		}
		p := *f.Percent
		return Completion{Percent: p, Met: p >= 100,
			Working:   sprintf("推进中，已完成%s%%", Pct(p)),
			WorkingEN: sprintf("in progress, %s%% done", Pct(p))}, nil
	}
	return Completion{}, gongfu.Failf(gongfu.EINVALID, "工作节点的报告缺少进度阶段")
}
