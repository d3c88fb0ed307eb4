package eval

import (
	"math"
	"strings"
	"time"

	"gongfu"
)

// Progress is time progress (序时进度): the share of the item's time that has
// passed, or the share the coordinator planned to have done by now.
type Progress struct {
	// Percent is the share in percent (58.3 = 58.3%).
	Percent float64
	// Planned is true when a planned schedule (计划进度) gave the figure.
	Planned bool
	// Working says where the figure came from.
	Working, WorkingEN string
}

// monthsAt returns the months elapsed from 1 January of year to the end of
// day d, counting a part month by its days: the end of May is 5, 15 June is
// 5.5. Counting in months rather than days keeps "end of month m" at exactly
// m/12 of the year, the figure offices publish, whether or not the year is a
// leap year.
func monthsAt(year int, d time.Time) float64 {
	dim := time.Date(d.Year(), d.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day()
	return float64(12*(d.Year()-year)+int(d.Month())-1) + float64(d.Day())/float64(dim)
}

// dueDate returns the item's deadline and whether it is one of its own; an
// item without one is due at the end of the plan year.
func (it *Item) dueDate() (time.Time, bool) {
	end := time.Date(it.Year, 12, 31, 0, 0, 0, 0, time.UTC)
	if d, ok := it.Due.Time(); ok && !d.Equal(end) {
		return d, true
	}
	return end, false
}

// ValidateSchedule checks a planned schedule: 12 monthly or 4 quarterly
// cumulative shares in percent, each within 0–100, never falling. The rule
// lives in the domain, which stores schedules too; an empty one is refused
// here because a caller asking about a schedule must have one.
func ValidateSchedule(s []float64) error {
	if len(s) == 0 {
		return gongfu.Failf(gongfu.EINVALID, "计划进度应有 12 个月度或 4 个季度数值，实有 0 个")
	}
	return gongfu.ValidateSchedule(s)
}

// TimeProgress returns the time progress of item it at the end of period p
// (evaluation.md §3):
//
//   - a planned schedule, when set, gives the share for the period's month.
//     A quarterly schedule (10/40/70/100) is interpolated linearly within the
//     quarter (from 0 at the start of the year): a step function would let a
//     May report look far ahead of the plan and then drop behind in June
//     with nothing having changed;
//   - an item with its own due date: the elapsed share of the time between
//     1 January of the plan year and that date, capped at 100%;
//   - otherwise m/12 at the end of month m.
func TimeProgress(it Item, p gongfu.Period) Progress {
	m := p.EndMonth()
	if ValidateSchedule(it.Schedule) == nil {
		s := it.Schedule
		if len(s) == 12 {
			return Progress{Percent: s[m-1], Planned: true,
				Working:   sprintf("计划进度%s%%（倒排节点：%d月）", Pct(s[m-1]), m),
				WorkingEN: sprintf("planned progress %s%% (schedule, month %d)", Pct(s[m-1]), m)}
		}
		q := (m + 2) / 3
		prev := 0.0
		if q > 1 {
			prev = s[q-2]
		}
		v := prev + (s[q-1]-prev)*float64(m-3*(q-1))/3
		nodes := make([]string, len(s))
		for i, x := range s {
			nodes[i] = Pct(x) + "%"
		}
		zh := sprintf("计划进度%s%%（季度节点 %s，第%d季度内按月线性插值）", Pct(v), strings.Join(nodes, "/"), q)
		en := sprintf("planned progress %s%% (quarterly schedule %s, interpolated within Q%d)", Pct(v), strings.Join(nodes, "/"), q)
		if m%3 == 0 {
			zh = sprintf("计划进度%s%%（第%d季度末节点）", Pct(v), q)
			en = sprintf("planned progress %s%% (schedule, end of Q%d)", Pct(v), q)
		}
		return Progress{Percent: v, Planned: true, Working: zh, WorkingEN: en}
	}
	elapsed := monthsAt(it.Year, p.End())
	if due, own := it.dueDate(); own {
		total := monthsAt(it.Year, due)
		v := 100.0
		if total > 0 {
			v = math.Max(0, math.Min(100, 100*elapsed/total))
		}
		return Progress{Percent: v,
			Working:   sprintf("序时进度%s%%（自年初至时限%s共%s个月，已过%s个月）", Pct(v), due.Format(time.DateOnly), Num(math.Round(total*100)/100), Num(math.Round(elapsed*100)/100)),
			WorkingEN: sprintf("time progress %s%% (%s of %s months from the start of the year to the due date %s)", Pct(v), Num(math.Round(elapsed*100)/100), Num(math.Round(total*100)/100), due.Format(time.DateOnly))}
	}
	v := math.Max(0, math.Min(100, 100*elapsed/12))
	return Progress{Percent: v,
		Working:   sprintf("序时进度%s%%（%s/12）", Pct(v), Num(elapsed)),
		WorkingEN: sprintf("time progress %s%% (%s/12)", Pct(v), Num(elapsed))}
}

// DuePeriod returns the latest period of the plan year whose report was due
// before at: its deadline (the given day of the following month) has passed,
// that is, at is after the deadline day. Reports may still come in on the
// deadline day itself. It returns false when nothing was due yet.
func DuePeriod(year int, freq gongfu.Frequency, at time.Time, day int) (gongfu.Period, bool) {
	n := 12
	if freq == gongfu.Quarterly {
		n = 4
	}
	for i := n; i >= 1; i-- {
		p := gongfu.Period{Year: year, Freq: freq, Index: i}
		if freq != gongfu.Quarterly {
			p.Freq = gongfu.Monthly
		}
		if at.After(p.Deadline(day)) {
			return p, true
		}
	}
	return gongfu.Period{}, false
}

// usable reports whether a figure of period p can be used for an evaluation
// at date at: it lies in the plan year and ends no later than the month of
// at. A report filed early for the current month (a June figure on 20 June)
// is used; one for a later month is not.
func usable(year int, p gongfu.Period, at time.Time) bool {
	if p.Year != year || at.Year() < year {
		return false
	}
	return at.Year() > year || p.EndMonth() <= int(at.Month())
}
