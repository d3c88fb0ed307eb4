package eval

import (
	"math"
	"time"

	"gongfu"
)

// Verdict is the judgement on one item for one org at one date: the figure
// used, its completion, the time progress, the light, the forecast, and the
// reason in words.
type Verdict struct {
	ItemID string
	// Period is the period of the figure judged; "" when there was none.
	Period string
	// DuePeriod is the latest period whose report was due at the date of the
	// evaluation; "" when none was due yet.
	DuePeriod string
	// Value is the figure judged (year to date); nil when there was none.
	Value  *float64
	Target float64
	// Completion is the uncapped completion rate in percent; nil when no
	// current figure was judged (grey, none). A grey verdict never carries a
	// completion: a stale figure would be read as today's.
	Completion *float64
	Met        bool
	// TimeProgress is in percent, at the end of Period (or of DuePeriod for
	// a grey verdict).
	TimeProgress float64
	Planned      bool
	Light        Light
	// RawLight is the light before "yellow twice → red" escalation; it is
	// what the next period's escalation looks at.
	RawLight Light
	// Forecast is the year-end (or due-date) projection of an increment
	// target, actual / time progress; AtRisk flags 预计难以完成 when it falls
	// short of the target, even while the light is green.
	Forecast *float64
	AtRisk   bool
	// Unweighted marks a rolled-up rate taken as a plain mean.
	Unweighted bool
	// LastPeriod and LastCompletion describe the latest, stale figure of a
	// grey verdict, for the reason and for a reader who wants it.
	LastPeriod     string
	LastCompletion *float64
	Reason         string
	ReasonEN       string
}

// Capped returns the completion capped at 100 and whether there is one.
func (v *Verdict) Capped() (float64, bool) {
	if v.Completion == nil {
		return 0, false
	}
	return math.Min(*v.Completion, 100), true
}

// eps absorbs floating-point noise when a gap is compared with a threshold:
// 58.333… − 48.333… must be exactly "10 points", inclusive.
const eps = 1e-9

// Judge judges figure f of item it at the end of the figure's period, without
// looking at other periods: no grey, no escalation (Evaluate adds those).
//
// Lights (evaluation.md §3):
//
//	increment: done when completion ≥ 100; red when past its due date
//	           unmet; else by the gap g = time progress − completion:
//	           green g ≤ GreenWithin, yellow g ≤ YellowWithin, red beyond
//	level, change, ratio: green when the target is met, yellow when it is
//	           missed by at most LevelTolerance of the target, red beyond
//	milestone: done when done; red when due and not done; yellow when not
//	           started with less than MilestoneWarnShare of its time left;
//	           green otherwise
//
// An increment held under a ceiling (op <=) is judged like a level. A level
// or change "about" a value (op =, …左右) is met within LevelTolerance either
// way and yellow within twice that.
func Judge(it Item, f Figure, th Thresholds) (Verdict, error) {
	c, err := Complete(it, f, th)
	if err != nil {
		return Verdict{}, err
	}
	tp := TimeProgress(it, f.Period)
	pc := c.Percent
	v := Verdict{
		ItemID: it.ID, Period: f.Period.String(), Value: f.Value, Target: it.Value,
		Completion: &pc, Met: c.Met, TimeProgress: tp.Percent, Planned: tp.Planned,
		Unweighted: f.Unweighted,
	}
	var zh, en string
	switch {
	case it.Milestone:
		v.Light, zh, en = milestoneLight(it, f, c, th)
	case it.Kind == gongfu.KindIncrement && !it.lowerIsBetter():
		v.Light, zh, en = incrementLight(it, f, c, tp, th)
		fzh, fen := forecast(it, f, c, tp, &v)
		zh, en = joinZH(zh, fzh), joinEN(en, fen)
	default:
		v.Light, zh, en = levelLight(it, *f.Value, c, th)
	}
	v.RawLight = v.Light
	dzh, den := dataNote(f)
	v.Reason, v.ReasonEN = joinZH(dzh, zh), joinEN(den, en)
	return v, nil
}

// dataNote says where a derived figure came from.
func dataNote(f Figure) (string, string) {
	if f.Method == "" {
		return "", ""
	}
	zh, en := "数据："+f.Method, "data: "+f.MethodEN
	if f.Unweighted {
		zh += "（未全部填报分子分母，按简单平均，仅供参考）"
		en += " (not all gave numerator and denominator: an unweighted mean, approximate)"
	}
	return zh, en
}

func incrementLight(it Item, f Figure, c Completion, tp Progress, th Thresholds) (Light, string, string) {
	if c.Percent >= 100-eps {
		return LightDone, c.Working + "，已达到目标 → 已完成", c.WorkingEN + ", the target is reached → done"
	}
	due, _ := it.dueDate()
	if !f.Period.End().Before(due) {
		return LightRed,
			sprintf("%s，已到时限%s仍未完成 → 红灯", c.Working, due.Format(time.DateOnly)),
			sprintf("%s, unmet at its due date %s → red", c.WorkingEN, due.Format(time.DateOnly))
	}
	gap := tp.Percent - c.Percent
	switch {
	case gap <= eps:
		return LightGreen,
			sprintf("%s，不低于%s → 绿灯", c.Working, tp.Working),
			sprintf("%s, not below %s → green", c.WorkingEN, tp.WorkingEN)
	case gap <= th.GreenWithin+eps:
		return LightGreen,
			sprintf("%s，低于%s，差%s个百分点，未超过%s个百分点 → 绿灯", c.Working, tp.Working, Pct(gap), Num(th.GreenWithin)),
			sprintf("%s, %s points below %s, within %s → green", c.WorkingEN, Pct(gap), tp.WorkingEN, Num(th.GreenWithin))
	case gap <= th.YellowWithin+eps:
		return LightYellow,
			sprintf("%s，低于%s达%s个百分点（超过%s、不超过%s个百分点）→ 黄灯", c.Working, tp.Working, Pct(gap), Num(th.GreenWithin), Num(th.YellowWithin)),
			sprintf("%s, %s points below %s (more than %s, at most %s) → yellow", c.WorkingEN, Pct(gap), tp.WorkingEN, Num(th.GreenWithin), Num(th.YellowWithin))
	}
	return LightRed,
		sprintf("%s，低于%s达%s个百分点（超过%s个百分点）→ 红灯", c.Working, tp.Working, Pct(gap), Num(th.YellowWithin)),
		sprintf("%s, %s points below %s (more than %s) → red", c.WorkingEN, Pct(gap), tp.WorkingEN, Num(th.YellowWithin))
}

// forecast projects an increment linearly to its due date: actual / time
// progress. With a planned schedule the planned share stands in for the
// elapsed time, so the projection follows the plan's own curve. Levels,
// changes and ratios get no forecast: a rate of 95% in June does not become
// 190% in December.
func forecast(it Item, f Figure, c Completion, tp Progress, v *Verdict) (string, string) {
	if f.Value == nil || tp.Percent <= 0 {
		return "", ""
	}
	fc := *f.Value * 100 / tp.Percent
	v.Forecast = &fc
	when, whenEN := "年末", "year-end"
	if _, own := it.dueDate(); own {
		when, whenEN = "到时限", "at the due date"
	}
	if fc < it.Value-eps && !c.Met {
		v.AtRisk = true
		return sprintf("按进度推算%s约%s，低于目标%s，预计难以完成", when, Num(math.Round(fc*10)/10), Num(it.Value)),
			sprintf("projected %s %s is below the target %s: unlikely to be met", whenEN, Num(math.Round(fc*10)/10), Num(it.Value))
	}
	return sprintf("按进度推算%s约%s", when, Num(math.Round(fc*10)/10)),
		sprintf("projected %s %s", whenEN, Num(math.Round(fc*10)/10))
}

// levelLight judges a level, change or ratio target, and an increment held
// under a ceiling, by how far the latest figure misses the target. The miss
// is measured against LevelTolerance of the target's size: of the level
// itself, of the change promised (|value|), or of the ratio's first side.
func levelLight(it Item, x float64, c Completion, th Thresholds) (Light, string, string) {
	if c.Met {
		return LightGreen, c.Working + "，达到目标 → 绿灯", c.WorkingEN + ", meets the target → green"
	}
	var miss, base float64
	switch it.Kind {
	case gongfu.KindChange:
		b := 0.0
		if it.Baseline != nil {
			b = *it.Baseline
		}
		d := x - b
		base = math.Abs(it.Value)
		switch it.Op {
		case gongfu.OpAtMost:
			miss = d - it.Value
		case gongfu.OpEqual:
			miss = math.Abs(d-it.Value) - th.LevelTolerance*base
		default:
			miss = it.Value - d
		}
	case gongfu.KindRatio:
		_, t1, dev := ratioDeviation(it, x)
		base, miss = t1, dev-th.RatioTolerance
	default:
		base = math.Abs(it.Value)
		switch it.Op {
		case gongfu.OpAtMost:
			miss = x - it.Value
		case gongfu.OpEqual:
			miss = math.Abs(x-it.Value) - th.LevelTolerance*base
		default:
			miss = it.Value - x
		}
	}
	allow := th.LevelTolerance * base
	share := "—"
	if base > 0 {
		share = Pct(100*miss/base) + "%"
	}
	if miss <= allow+eps {
		return LightYellow,
			sprintf("%s，未达目标，差%s（目标的%s，不超过%s%%）→ 黄灯", c.Working, Num(miss), share, Pct(100*th.LevelTolerance)),
			sprintf("%s, misses by %s (%s of the target, at most %s%%) → yellow", c.WorkingEN, Num(miss), share, Pct(100*th.LevelTolerance))
	}
	return LightRed,
		sprintf("%s，未达目标，差%s（目标的%s，超过%s%%）→ 红灯", c.Working, Num(miss), share, Pct(100*th.LevelTolerance)),
		sprintf("%s, misses by %s (%s of the target, more than %s%%) → red", c.WorkingEN, Num(miss), share, Pct(100*th.LevelTolerance))
}

// milestoneLight judges a milestone as of the end of its figure's period. A
// milestone without a due date is due at the end of the plan year.
func milestoneLight(it Item, f Figure, c Completion, th Thresholds) (Light, string, string) {
	if f.Stage == gongfu.StageDone {
		return LightDone, c.Working + " → 已完成", c.WorkingEN + " → done"
	}
	due, own := it.dueDate()
	dueZH, dueEN := "时限"+due.Format(time.DateOnly), "due date "+due.Format(time.DateOnly)
	if !own {
		dueZH, dueEN = "时限（年底）"+due.Format(time.DateOnly), "due date (year end) "+due.Format(time.DateOnly)
	}
	asOf := f.Period.End()
	if !asOf.Before(due) {
		return LightRed, sprintf("%s，%s已到仍未完成 → 红灯", c.Working, dueZH), sprintf("%s, not done at its %s → red", c.WorkingEN, dueEN)
	}
	total := monthsAt(it.Year, due)
	left := 0.0
	if total > 0 {
		left = (total - monthsAt(it.Year, asOf)) / total
	}
	if f.Stage == gongfu.StageNotStarted && left < th.MilestoneWarnShare {
		return LightYellow,
			sprintf("%s，距%s仅剩%s%%的时间（少于%s%%）→ 黄灯", c.Working, dueZH, Pct(100*left), Pct(100*th.MilestoneWarnShare)),
			sprintf("%s with %s%% of the time left before its %s (less than %s%%) → yellow", c.WorkingEN, Pct(100*left), dueEN, Pct(100*th.MilestoneWarnShare))
	}
	return LightGreen, sprintf("%s，%s未到 → 绿灯", c.Working, dueZH), sprintf("%s, before its %s → green", c.WorkingEN, dueEN)
}

// Escalate applies "a yellow two periods running becomes red" (evaluation
// practice: a lag that persists is a serious lag). cur and prev are the
// unescalated lights of this period and the one before; it returns the light
// to show and whether it escalated.
func Escalate(cur, prev Light, th Thresholds) (Light, bool) {
	if !th.NoEscalation && cur == LightYellow && prev == LightYellow {
		return LightRed, true
	}
	return cur, false
}

// Evaluate judges item it for one org at date at from the org's figures of
// every period (reported year to date; any order).
//
// The figure judged is the latest one at or before the month of at within
// the plan year, so a report filed early for the current month counts. If
// the report for the due period (the latest whose deadline has passed, see
// DuePeriod) is missing, the verdict is grey whatever older figures say:
// they are named in the reason but carry no completion. Before any deadline
// has passed and without figures there is nothing to judge (LightNone).
// A milestone reported done stays done: completion is final, so later
// periods need no report for it. When the figure of the period before the
// one judged is yellow too, the light escalates to red.
func Evaluate(it Item, figs []Figure, at time.Time, th Thresholds) Verdict {
	return evaluate(it, figs, at, th, "未收到任何报告", "no report at all")
}

// evaluate is Evaluate with the words for "no figure at all".
func evaluate(it Item, figs []Figure, at time.Time, th Thresholds, noneZH, noneEN string) Verdict {
	freq := gongfu.Monthly
	if len(figs) > 0 && figs[0].Period.Freq == gongfu.Quarterly {
		freq = gongfu.Quarterly
	}
	due, dueOK := DuePeriod(it.Year, freq, at, th.DeadlineDay)
	var use *Figure
	for i := range figs {
		f := &figs[i]
		if usable(it.Year, f.Period, at) && (use == nil || f.Period.EndMonth() > use.Period.EndMonth()) {
			use = f
		}
	}
	var v Verdict
	switch {
	case use == nil && !dueOK:
		first := gongfu.Period{Year: it.Year, Freq: freq, Index: 1}
		dl := first.Deadline(th.DeadlineDay).Format(time.DateOnly)
		v = Verdict{ItemID: it.ID, Target: it.Value, Light: LightNone,
			Reason:   sprintf("尚无报告；首期（%s）报告截止%s，未到期 → 无结论", first, dl),
			ReasonEN: sprintf("no report yet; the first period (%s) is due %s, not yet passed → no verdict", first, dl)}
	case use == nil:
		v = grey(it, due, th, noneZH, noneEN)
	case dueOK && use.Period.EndMonth() < due.EndMonth() && !(it.Milestone && use.Stage == gongfu.StageDone):
		zh, en := sprintf("最近一次为%s期", use.Period), sprintf("the latest is for %s", use.Period)
		v = grey(it, due, th, zh, en)
		v.LastPeriod, v.Value = use.Period.String(), use.Value
		if c, err := Complete(it, *use, th); err == nil {
			pc := c.Percent
			v.LastCompletion = &pc
			v.Reason += "：" + c.Working + "（已过期，不作为本期结论）"
			v.ReasonEN += ": " + c.WorkingEN + " (stale, not this period's verdict)"
		}
	default:
		var err error
		v, err = Judge(it, *use, th)
		if err != nil {
			v = grey(it, due, th, "报告数据不完整："+gongfu.ErrorMessage(err), "the report is incomplete: "+gongfu.ErrorMessage(err))
			break
		}
		if dueOK {
			v.DuePeriod = due.String()
		}
		if prev, ok := use.Period.Prev(); ok && v.RawLight == LightYellow {
			for _, pf := range figs {
				if pf.Period != prev {
					continue
				}
				if pv, err := Judge(it, pf, th); err == nil {
					if l, up := Escalate(v.RawLight, pv.RawLight, th); up {
						v.Light = l
						v.Reason += sprintf("；上期（%s）亦为黄灯，连续两期黄灯 → 升级为红灯", prev)
						v.ReasonEN += sprintf("; the previous period (%s) was yellow too: yellow twice running → red", prev)
					}
				}
			}
		}
		if it.Unassigned {
			unassigned(it, &v)
		}
	}
	if v.RawLight == "" {
		v.RawLight = v.Light
	}
	return v
}

// grey is the verdict for a missing report. The time progress is the due
// period's, what the figure should have been measured against.
func grey(it Item, due gongfu.Period, th Thresholds, latestZH, latestEN string) Verdict {
	dl := due.Deadline(th.DeadlineDay).Format(time.DateOnly)
	tp := TimeProgress(it, due)
	return Verdict{ItemID: it.ID, DuePeriod: due.String(), Target: it.Value, TimeProgress: tp.Percent, Planned: tp.Planned,
		Light:    LightGrey,
		Reason:   sprintf("%s期报告截止%s已过未报 → 未报（缺报不按零计，也不视为正常）；%s", due, dl, latestZH),
		ReasonEN: sprintf("the report for %s was due %s and is missing → grey (missing is neither zero nor on track); %s", due, dl, latestEN)}
}

// unassigned turns a verdict into "no verdict" for an org without a target of
// its own: its figure is shown, with its share of the item's target.
func unassigned(it Item, v *Verdict) {
	share, shareEN := "", ""
	if v.Value != nil && it.Value != 0 {
		share = sprintf("，占总目标%s的%s%%", Num(it.Value), Pct(100**v.Value/it.Value))
		shareEN = sprintf(", %s%% of the overall target %s", Pct(100**v.Value/it.Value), Num(it.Value))
	}
	val := "—"
	if v.Value != nil {
		val = Num(*v.Value)
	}
	v.Completion, v.Forecast, v.AtRisk, v.Met = nil, nil, false, false
	v.Light, v.RawLight = LightNone, LightNone
	v.Reason = sprintf("%s期累计%s%s；任务未分解到本单位，无本单位目标，只计入合计 → 无结论", v.Period, val, share)
	v.ReasonEN = sprintf("%s to date at %s%s; no quota for this org, counted in the total only → no verdict", val, v.Period, shareEN)
}
