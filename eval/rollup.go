package eval

import (
	"sort"
	"strings"
	"time"

	"gongfu"
)

// RollUp combines the figures of several orgs for one period into the figure
// of the area above them (evaluation.md §4):
//
//   - increment: the sum;
//   - a rate (level, change, ratio): Σnumerator/Σdenominator when every org
//     gave both, which weights each county by its size as the city's own
//     rate would; otherwise the plain mean of the values, marked Unweighted
//     because a mean of percentages is not the city's percentage;
//   - milestone: done when all are done, not started when none has started,
//     else in progress at the mean percent (done 100, not started 0).
//
// figs must all be of the same period and non-empty.
func RollUp(it Item, figs []Figure) Figure {
	n := len(figs)
	out := Figure{}
	if n == 0 {
		return out
	}
	out.Period = figs[0].Period
	if it.Milestone {
		var done, started int
		var sum float64
		for _, f := range figs {
			switch f.Stage {
			case gongfu.StageDone:
				done++
				sum += 100
			case gongfu.StageInProgress:
				started++
				if f.Percent != nil {
					sum += *f.Percent
				}
			}
		}
		mean := sum / float64(n)
		switch {
		case done == n:
			out.Stage = gongfu.StageDone
		case done+started == 0:
			out.Stage = gongfu.StageNotStarted
		default:
			out.Stage, out.Percent = gongfu.StageInProgress, &mean
		}
		out.Method = sprintf("%d个单位：%d个已完成、%d个推进中、%d个未启动，平均进度%s%%", n, done, started, n-done-started, Pct(mean))
		out.MethodEN = sprintf("%d orgs: %d done, %d in progress, %d not started; mean progress %s%%", n, done, started, n-done-started, Pct(mean))
		return out
	}
	if it.Kind == gongfu.KindIncrement {
		var sum float64
		for _, f := range figs {
			if f.Value != nil {
				sum += *f.Value
			}
		}
		out.Value = &sum
		out.Method = sprintf("%d个单位合计%s", n, Num(sum))
		out.MethodEN = sprintf("sum of %d orgs, %s", n, Num(sum))
		return out
	}
	var num, den, sum float64
	both := true
	for _, f := range figs {
		if f.Numerator == nil || f.Denominator == nil {
			both = false
		} else {
			num += *f.Numerator
			den += *f.Denominator
		}
		if f.Value != nil {
			sum += *f.Value
		}
	}
	if both && den > 0 {
		v := num / den
		if it.IsPercent() {
			v *= 100
		}
		out.Value, out.Numerator, out.Denominator = &v, &num, &den
		out.Method = sprintf("%d个单位Σ分子/Σ分母 = %s/%s = %s", n, Num(num), Num(den), Num(v))
		out.MethodEN = sprintf("%d orgs, Σnumerator/Σdenominator = %s/%s = %s", n, Num(num), Num(den), Num(v))
		return out
	}
	mean := sum / float64(n)
	out.Value, out.Unweighted = &mean, true
	out.Method = sprintf("%d个单位简单平均%s", n, Num(mean))
	out.MethodEN = sprintf("unweighted mean of %d orgs, %s", n, Num(mean))
	return out
}

// CitySeries builds the series of an item for the area above the counties:
// a rolled-up figure for each period every county reported, and the figures
// the area reported itself (direct), which take precedence where both
// exist. A period some counties did not report is not rolled up (summing the
// rest would count the missing as zero); missing lists, by period, the
// counties without a figure.
func CitySeries(it Item, direct []Figure, counties map[string][]Figure) (series []Figure, missing map[gongfu.Period][]string) {
	byPeriod := map[gongfu.Period]map[string]Figure{}
	for org, figs := range counties {
		for _, f := range figs {
			if byPeriod[f.Period] == nil {
				byPeriod[f.Period] = map[string]Figure{}
			}
			byPeriod[f.Period][org] = f
		}
	}
	names := make([]string, 0, len(counties))
	for org := range counties {
		names = append(names, org)
	}
	sort.Strings(names)
	have := map[gongfu.Period]bool{}
	for _, f := range direct {
		have[f.Period] = true
		series = append(series, f)
	}
	missing = map[gongfu.Period][]string{}
	for p, got := range byPeriod {
		if len(got) < len(names) {
			for _, org := range names {
				if _, ok := got[org]; !ok {
					missing[p] = append(missing[p], org)
				}
			}
			continue
		}
		if have[p] {
			continue
		}
		figs := make([]Figure, 0, len(names))
		for _, org := range names {
			figs = append(figs, got[org])
		}
		series = append(series, RollUp(it, figs))
	}
	sort.Slice(series, func(i, j int) bool { return series[i].Period.EndMonth() < series[j].Period.EndMonth() })
	return series, missing
}

// EvaluateCity is Evaluate for the area above the counties (the plan-wide
// figure): its own reports where it made them, else its counties' rolled up.
// A grey verdict names the counties whose reports are missing.
func EvaluateCity(it Item, direct []Figure, counties map[string][]Figure, at time.Time, th Thresholds) Verdict {
	series, missing := CitySeries(it, direct, counties)
	none, noneEN := "未收到任何报告", "no report at all"
	if len(counties) > 0 {
		none, noneEN = "各单位报告不齐，尚无可汇总的完整数据", "the orgs' reports are incomplete: nothing complete to roll up"
	}
	v := evaluate(it, series, at, th, none, noneEN)
	if v.Light != LightGrey || len(counties) == 0 || v.DuePeriod == "" {
		return v
	}
	due, err := gongfu.ParsePeriod(v.DuePeriod)
	if err != nil {
		return v
	}
	miss, ok := missing[due]
	if !ok {
		for org := range counties {
			miss = append(miss, org)
		}
		sort.Strings(miss)
	}
	v.Reason += sprintf("；汇总缺%s的%s期报告（%d个单位中%d个未报）", strings.Join(miss, "、"), due, len(counties), len(miss))
	v.ReasonEN += sprintf("; the roll-up lacks %s for %s (%d of %d orgs missing)", strings.Join(miss, ", "), due, len(miss), len(counties))
	return v
}

// Decomposition checks a target's split into county quotas (任务分解): the
// quotas must add up to at least the target, and a shortfall is shown, not
// hidden.
type Decomposition struct {
	Target    float64
	Sum       float64
	Shortfall float64 // target − sum when positive, else 0
	Quotas    int
	Reason    string
	ReasonEN  string
}

// Decompose sums the quotas of a target and reports any shortfall.
func Decompose(target float64, quotas map[string]float64) Decomposition {
	d := Decomposition{Target: target, Quotas: len(quotas)}
	for _, q := range quotas {
		d.Sum += q
	}
	if d.Sum < target-eps {
		d.Shortfall = target - d.Sum
		d.Reason = sprintf("分解到%d个单位的任务合计%s，少于总目标%s，缺口%s", d.Quotas, Num(d.Sum), Num(target), Num(d.Shortfall))
		d.ReasonEN = sprintf("the %d quotas add up to %s, short of the target %s by %s", d.Quotas, Num(d.Sum), Num(target), Num(d.Shortfall))
	} else {
		d.Reason = sprintf("分解到%d个单位的任务合计%s，不少于总目标%s", d.Quotas, Num(d.Sum), Num(target))
		d.ReasonEN = sprintf("the %d quotas add up to %s, at least the target %s", d.Quotas, Num(d.Sum), Num(target))
	}
	return d
}

// Summary sums up the verdicts of a task, a domain or the whole plan.
type Summary struct {
	// Light is the worst light of its targets and milestones: a task is as
	// late as its latest part.
	Light Light
	// Completion is the mean of the targets' completions capped at 100; nil
	// when no target has one.
	Completion *float64
	// Counted targets have a completion; Uncounted ones (grey, no verdict)
	// are left out of the mean, never counted as zero or as 100.
	Counted, Uncounted int
	Lights             map[Light]int
	Reason, ReasonEN   string
}

// Summarize sums up targets and milestones (evaluation.md §4): the worst
// light of all of them, and the mean capped completion of the quantified
// targets. Milestones count for the light only, since a domain's figure is
// "the mean of its targets' capped completion".
func Summarize(targets, milestones []Verdict) Summary {
	s := Summary{Lights: map[Light]int{}}
	var sum float64
	worstID := ""
	for _, group := range [][]Verdict{targets, milestones} {
		for _, v := range group {
			s.Lights[v.Light]++
			if v.Light.severity() > s.Light.severity() || s.Light == "" {
				s.Light, worstID = v.Light, v.ItemID
			}
		}
	}
	if s.Light == "" {
		s.Light = LightNone
	}
	for _, v := range targets {
		if c, ok := v.Capped(); ok {
			sum += c
			s.Counted++
		} else {
			s.Uncounted++
		}
	}
	if s.Counted > 0 {
		m := sum / float64(s.Counted)
		s.Completion = &m
	}
	lightZH, lightEN := "无", "none"
	if worstID != "" {
		lightZH = sprintf("最差为%s（%s）", s.Light.Chinese(), worstID)
		lightEN = sprintf("worst light %s (%s)", s.Light, worstID)
	}
	meanZH, meanEN := "无可计完成率的指标", "no target with a completion"
	if s.Completion != nil {
		meanZH = sprintf("平均完成率%s%%（%d个指标各按封顶100%%计）", Pct(*s.Completion), s.Counted)
		meanEN = sprintf("mean completion %s%% (%d targets, each capped at 100%%)", Pct(*s.Completion), s.Counted)
	}
	if s.Uncounted > 0 {
		meanZH += sprintf("，%d个未报或无结论的指标未计入", s.Uncounted)
		meanEN += sprintf(", %d without a current figure left out", s.Uncounted)
	}
	s.Reason, s.ReasonEN = joinZH(lightZH, meanZH), joinEN(lightEN, meanEN)
	return s
}
