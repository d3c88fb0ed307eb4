package gongfu

import (
	"context"
	"math"
)

// PlanSettings are the rules a plan office sets for one plan: how often it
// is reported, when reports are due, and the thresholds of the traffic
// lights (shared/spec/evaluation.md §3), whose defaults supervision offices
// use but may change.
type PlanSettings struct {
	Frequency Frequency `json:"frequency"`
	// DeadlineDay is the day of the month after a period that its reports
	// are due (1–28).
	DeadlineDay int `json:"deadline_day"`
	// GreenWithin and YellowWithin are how many points below time progress
	// an increment target may fall and stay green, or yellow.
	GreenWithin  float64 `json:"green_within"`
	YellowWithin float64 `json:"yellow_within"`
	// LevelTolerance is how far (in % of the target) a level target may
	// miss and be yellow rather than red.
	LevelTolerance float64 `json:"level_tolerance"`
}

// DefaultPlanSettings are monthly reports due on the 5th, green within 10
// points of time progress, yellow within 30, and a 5% tolerance on levels.
func DefaultPlanSettings() PlanSettings {
	return PlanSettings{Frequency: Monthly, DeadlineDay: 5, GreenWithin: 10, YellowWithin: 30, LevelTolerance: 5}
}

// Validate checks settings before they are stored.
func (s *PlanSettings) Validate() error {
	var bad []string
	if s.Frequency != Monthly && s.Frequency != Quarterly {
		bad = append(bad, Detail("frequency 应为 month 或 quarter"))
	}
	if s.DeadlineDay < 1 || s.DeadlineDay > 28 {
		bad = append(bad, Detail("deadline_day 应在 1–28 之间"))
	}
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	if !finite(s.GreenWithin) || !finite(s.YellowWithin) || s.GreenWithin < 0 || s.YellowWithin < s.GreenWithin || s.YellowWithin > 100 {
		bad = append(bad, Detail("须满足 0 ≤ green_within ≤ yellow_within ≤ 100"))
	}
	if !finite(s.LevelTolerance) || s.LevelTolerance < 0 || s.LevelTolerance > 100 {
		bad = append(bad, Detail("level_tolerance 应在 0–100 之间"))
	}
	if len(bad) > 0 {
		e := Failf(EINVALID, "计划设置有 %d 处问题", len(bad))
		e.Details = bad
		return e
	}
	return nil
}

// SettingsService stores each plan's settings.
type SettingsService interface {
	// FindPlanSettings returns a plan's settings, the defaults when none
	// were set; ENOTFOUND when there is no such plan.
	FindPlanSettings(ctx context.Context, planID int64) (PlanSettings, error)
	// SetPlanSettings validates and stores them, with an audit entry.
	SetPlanSettings(ctx context.Context, planID int64, s PlanSettings) error
}

// ValidateSchedule checks a planned schedule (计划进度, the plan's 倒排时间
// 节点): 12 monthly or 4 quarterly cumulative shares in percent, each within
// 0–100, never falling. An empty schedule means linear time progress.
func ValidateSchedule(s []float64) error {
	if len(s) == 0 {
		return nil
	}
	if len(s) != 12 && len(s) != 4 {
		return Failf(EINVALID, "计划进度应有 12 个月度或 4 个季度数值，实有 %d 个", len(s))
	}
	prev := 0.0
	for _, x := range s {
		if math.IsNaN(x) || x < 0 || x > 100 {
			return Failf(EINVALID, "计划进度 %g 应在 0–100 之间", x)
		}
		if x < prev {
			return Failf(EINVALID, "计划进度是累计数，不能下降（%g 之后是 %g）", prev, x)
		}
		prev = x
	}
	return nil
}

// ScheduleService stores targets' planned schedules, set by a coordinator
// when decomposing; where one is set it replaces linear time progress.
type ScheduleService interface {
	// SetSchedule stores (or, with no shares, clears) a target's schedule,
	// with an audit entry; ENOTFOUND for an unknown target.
	SetSchedule(ctx context.Context, planID int64, itemID string, shares []float64) error
	// FindSchedules returns a plan's schedules by target id.
	FindSchedules(ctx context.Context, planID int64) (map[string][]float64, error)
}
