// Package eval judges a plan's progress the way a supervision office (督查室,
// 发改委社会处) does by hand, following shared/spec/evaluation.md: completion
// rates (完成率), time progress (序时进度), traffic lights (亮灯), year-end
// forecasts, roll-ups from counties to the city, the annual equalization
// evaluation (基本公共服务均等化实现度) and multi-year trend status.
//
// Everything here is a pure function of domain values (gongfu.Target,
// gongfu.Report, gongfu.Period) and a date: no database, no HTTP, no clock.
// The command line, the web server and the tests all call the same
// functions, so a light shown on a page and a light printed in a terminal are
// the same light.
//
// Every verdict carries its working in words, in Chinese (Reason) and in
// English (ReasonEN): the figures, the rule and the threshold that produced
// it. A supervision office has to defend a red light to a county head; "the
// computer said so" is not a defence, "完成率42%，低于序时进度58%达16个百分点 →
// 黄灯" is.
//
// Missing data is never treated as zero or as on track: an item whose report
// is overdue is grey (未报), roll-ups do not sum over missing counties, and the
// equalization evaluation excludes a county without data and says so.
package eval

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"gongfu"
)

// Light is a traffic light (亮灯), the verdict on one item for one org.
type Light string

// The lights. Grey and None are both "no verdict", for different reasons:
// grey means a report is overdue (a failing of its own, to be chased), none
// means no verdict is owed yet (nothing was due) or none can be given (the
// org has no target of its own for the item).
const (
	LightDone   Light = "done"   // 完成: the target is reached
	LightGreen  Light = "green"  // 绿灯: on track
	LightYellow Light = "yellow" // 黄灯: lagging
	LightRed    Light = "red"    // 红灯: seriously lagging, or due and unmet
	LightGrey   Light = "grey"   // 未报: the report for a past deadline is missing
	LightNone   Light = "none"   // 无结论: nothing due yet, or no target for this org
)

// Chinese returns the light's name as written in Chinese progress tables.
func (l Light) Chinese() string {
	switch l {
	case LightDone:
		return "已完成"
	case LightGreen:
		return "绿灯"
	case LightYellow:
		return "黄灯"
	case LightRed:
		return "红灯"
	case LightGrey:
		return "未报"
	case LightNone:
		return "无结论"
	}
	return string(l)
}

// severity orders lights from best to worst for "worst light" roll-ups. Grey
// ranks between yellow and red: an unknown figure may hide anything, so it
// must stand out more than a lag, but a known serious lag is worse still.
// None ranks lowest because it is no verdict at all.
func (l Light) severity() int {
	switch l {
	case LightDone:
		return 1
	case LightGreen:
		return 2
	case LightYellow:
		return 3
	case LightGrey:
		return 4
	case LightRed:
		return 5
	}
	return 0
}

// Worst returns the worst of the lights (red > grey > yellow > green > done >
// none), LightNone for no lights.
func Worst(ls ...Light) Light {
	w := LightNone
	for _, l := range ls {
		if l.severity() > w.severity() {
			w = l
		}
	}
	return w
}

// Thresholds are the rules' numbers. Each is a default a plan's administrator
// may change (evaluation.md: "every threshold below is a default"), so they
// travel with the plan rather than living in constants.
type Thresholds struct {
	// GreenWithin is how many points an increment target's completion may
	// trail its time progress and still be green (10).
	GreenWithin float64 `json:"green_within"`
	// YellowWithin is how many points it may trail and be yellow rather than
	// red (30, inclusive).
	YellowWithin float64 `json:"yellow_within"`
	// LevelTolerance is the share of a level or change target by which the
	// value may miss and be yellow rather than red (0.05 = 5%).
	LevelTolerance float64 `json:"level_tolerance"`
	// RatioTolerance is how many percentage points each side of a ratio may
	// be off and still count as met (1).
	RatioTolerance float64 `json:"ratio_tolerance"`
	// MilestoneWarnShare is the share of a milestone's time left below which
	// a milestone not yet started is yellow (0.25).
	MilestoneWarnShare float64 `json:"milestone_warn_share"`
	// DeadlineDay is the day of the following month a period's report is due
	// (5).
	DeadlineDay int `json:"deadline_day"`
	// NoEscalation turns off "yellow two periods running becomes red".
	NoEscalation bool `json:"no_escalation"`
	// TrendOnTrack and TrendLimited are the P cut-offs of the multi-year
	// status (0.95 and 0.6).
	TrendOnTrack float64 `json:"trend_on_track"`
	TrendLimited float64 `json:"trend_limited"`
}

// DefaultThresholds returns the defaults of evaluation.md.
func DefaultThresholds() Thresholds {
	return Thresholds{
		GreenWithin:        10,
		YellowWithin:       30,
		LevelTolerance:     0.05,
		RatioTolerance:     1,
		MilestoneWarnShare: 0.25,
		DeadlineDay:        5,
		TrendOnTrack:       0.95,
		TrendLimited:       0.6,
	}
}

// Validate checks the thresholds are usable: ordered, finite, within range.
func (th Thresholds) Validate() error {
	var bad []string
	fin := func(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
	for _, x := range []float64{th.GreenWithin, th.YellowWithin, th.LevelTolerance, th.RatioTolerance, th.MilestoneWarnShare, th.TrendOnTrack, th.TrendLimited} {
		if !fin(x) {
			bad = append(bad, gongfu.Detail("阈值须为有限数"))
			break
		}
	}
	if th.GreenWithin < 0 || th.YellowWithin < th.GreenWithin {
		bad = append(bad, gongfu.Detail("须 0 ≤ green_within ≤ yellow_within"))
	}
	if th.LevelTolerance < 0 || th.LevelTolerance >= 1 {
		bad = append(bad, gongfu.Detail("level_tolerance 应在 0 到 1 之间，如 0.05 表示 5%"))
	}
	if th.RatioTolerance < 0 {
		bad = append(bad, gongfu.Detail("ratio_tolerance 不能为负"))
	}
	if th.MilestoneWarnShare < 0 || th.MilestoneWarnShare > 1 {
		bad = append(bad, gongfu.Detail("milestone_warn_share 应在 0 到 1 之间"))
	}
	if th.DeadlineDay < 1 || th.DeadlineDay > 28 {
		bad = append(bad, gongfu.Detail("deadline_day 应在 1 到 28 之间"))
	}
	if th.TrendLimited < 0 || th.TrendOnTrack < th.TrendLimited {
		bad = append(bad, gongfu.Detail("须 0 ≤ trend_limited ≤ trend_on_track"))
	}
	if len(bad) > 0 {
		e := gongfu.Failf(gongfu.EINVALID, "评价阈值有 %d 处问题", len(bad))
		e.Details = bad
		return e
	}
	return nil
}

// Pct formats a percentage for a reason: at most one decimal, no trailing
// ".0" (42, 41.7), as the published progress tables print them.
func Pct(x float64) string {
	return Num(math.Round(x*10) / 10)
}

// Num formats a figure for a reason: plain decimal notation (3080000000, not
// 3.08e+09) with at most four decimals.
func Num(x float64) string {
	if math.IsInf(x, 1) {
		return "∞"
	}
	r := math.Round(x*1e4) / 1e4
	if r == 0 {
		r = 0 // no "-0"
	}
	return strconv.FormatFloat(r, 'f', -1, 64)
}

// joinZH joins reason parts with the Chinese semicolon.
func joinZH(parts ...string) string { return strings.Join(nonEmpty(parts), "；") }

// joinEN joins reason parts with "; ".
func joinEN(parts ...string) string { return strings.Join(nonEmpty(parts), "; ") }

func nonEmpty(ss []string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// sprintf is fmt.Sprintf, named so reason-building code reads as prose.
var sprintf = fmt.Sprintf
