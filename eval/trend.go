package eval

import (
	"math"

	"gongfu"
)

// TrendStatus is the multi-year progress status national SDG reporting
// platforms use (evaluation.md §6).
type TrendStatus string

// The statuses.
const (
	TrendMet           TrendStatus = "met"           // 已达标
	TrendOnTrack       TrendStatus = "on_track"      // 基本达标进度: P ≥ 0.95
	TrendAccelerate    TrendStatus = "accelerate"    // 需加快: 0.6 ≤ P < 0.95
	TrendLimited       TrendStatus = "limited"       // 进展有限: 0 ≤ P < 0.6
	TrendDeteriorating TrendStatus = "deteriorating" // 退步: P < 0
)

// Chinese returns the status as the platforms write it.
func (s TrendStatus) Chinese() string {
	switch s {
	case TrendMet:
		return "已达标"
	case TrendOnTrack:
		return "基本达标进度"
	case TrendAccelerate:
		return "需加快"
	case TrendLimited:
		return "进展有限"
	case TrendDeteriorating:
		return "退步"
	}
	return string(s)
}

// Trend is the status of a series against a target year.
type Trend struct {
	// Growth is the observed compound annual growth g = (y_t/y_0)^(1/(t−t0)) − 1.
	Growth float64
	// Needed is the compound annual growth that would reach the target from
	// the baseline by the target year.
	Needed float64
	// P is Growth / Needed: the observed pace as a share of the pace needed,
	// positive when moving the right way. For a target to rise this is
	// g/|g_needed| as in the spec; for a target to fall (Needed < 0) the sign
	// is turned so that falling counts as progress.
	P                float64
	Status           TrendStatus
	Reason, ReasonEN string
}

// TrendOf judges a series from baseline y0 in year t0 to the latest value yt
// in year t, against target in targetYear (op ">=" to reach at least, "<="
// to stay under). The baseline must be positive (growth rates are ratios).
func TrendOf(y0 float64, t0 int, yt float64, t int, target float64, targetYear int, op gongfu.Op, th Thresholds) (Trend, error) {
	switch {
	case !(y0 > 0) || yt < 0 || target < 0 || math.IsInf(y0, 0) || math.IsInf(yt, 0) || math.IsNaN(yt) || math.IsNaN(target):
		return Trend{}, gongfu.Failf(gongfu.EINVALID, "增长率需要正的基期值和非负的数值")
	case t <= t0 || targetYear <= t0:
		return Trend{}, gongfu.Failf(gongfu.EINVALID, "年份须晚于基期年 %d", t0)
	}
	var tr Trend
	tr.Growth = math.Pow(yt/y0, 1/float64(t-t0)) - 1
	tr.Needed = math.Pow(target/y0, 1/float64(targetYear-t0)) - 1
	met := yt >= target
	if op == gongfu.OpAtMost {
		met = yt <= target
	}
	working := sprintf("g = (%s/%s)^(1/%d) − 1 = %s%%，所需 %s%%", Num(yt), Num(y0), t-t0, Pct(100*tr.Growth), Pct(100*tr.Needed))
	workingEN := sprintf("g = (%s/%s)^(1/%d) − 1 = %s%%, needed %s%%", Num(yt), Num(y0), t-t0, Pct(100*tr.Growth), Pct(100*tr.Needed))
	switch {
	case met:
		tr.Status = TrendMet
		if tr.Needed != 0 {
			tr.P = tr.Growth / tr.Needed
		}
	case tr.Needed == 0:
		// The baseline was at the target and the value has left it.
		tr.Status, tr.P = TrendDeteriorating, -1
	default:
		tr.P = tr.Growth / tr.Needed
		switch {
		case tr.P >= th.TrendOnTrack:
			tr.Status = TrendOnTrack
		case tr.P >= th.TrendLimited:
			tr.Status = TrendAccelerate
		case tr.P >= 0:
			tr.Status = TrendLimited
		default:
			tr.Status = TrendDeteriorating
		}
	}
	if tr.Status == TrendMet {
		tr.Reason = sprintf("%s；%s已达目标%s → %s", working, Num(yt), Num(target), tr.Status.Chinese())
		tr.ReasonEN = sprintf("%s; %s meets the target %s → %s", workingEN, Num(yt), Num(target), tr.Status)
	} else {
		tr.Reason = sprintf("%s；P = %s → %s", working, Num(math.Round(tr.P*1000)/1000), tr.Status.Chinese())
		tr.ReasonEN = sprintf("%s; P = %s → %s", workingEN, Num(math.Round(tr.P*1000)/1000), tr.Status)
	}
	return tr, nil
}
