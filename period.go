package gongfu

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Frequency is how often a target is reported.
type Frequency string

// Reporting frequencies: monthly by default, quarterly where a plan says so.
const (
	Monthly   Frequency = "month"
	Quarterly Frequency = "quarter"
)

// Period is one reporting period of a plan year: a month ("2020-05") or a
// quarter ("2020-Q2"). Reported values are year-to-date at its end.
type Period struct {
	Year  int
	Freq  Frequency
	Index int // 1–12 for a month, 1–4 for a quarter
}

// MonthPeriod returns the monthly period of year and month.
func MonthPeriod(year, month int) Period { return Period{Year: year, Freq: Monthly, Index: month} }

// ParsePeriod reads "YYYY-MM" or "YYYY-Qn".
func ParsePeriod(s string) (Period, error) {
	bad := Failf(EINVALID, "报告期 %q 格式不对，应为 YYYY-MM 或 YYYY-Qn", s)
	y, rest, ok := strings.Cut(s, "-")
	if !ok || len(y) != 4 {
		return Period{}, bad
	}
	year, err := strconv.Atoi(y)
	if err != nil || year < 1949 || year > 2200 {
		return Period{}, bad
	}
	if q, ok := strings.CutPrefix(rest, "Q"); ok {
		n, err := strconv.Atoi(q)
		if err != nil || len(q) != 1 || n < 1 || n > 4 {
			return Period{}, bad
		}
		return Period{Year: year, Freq: Quarterly, Index: n}, nil
	}
	m, err := strconv.Atoi(rest)
	if err != nil || len(rest) != 2 || m < 1 || m > 12 {
		return Period{}, bad
	}
	return Period{Year: year, Freq: Monthly, Index: m}, nil
}

// String returns the period's canonical name.
func (p Period) String() string {
	if p.Freq == Quarterly {
		return fmt.Sprintf("%04d-Q%d", p.Year, p.Index)
	}
	return fmt.Sprintf("%04d-%02d", p.Year, p.Index)
}

// EndMonth returns the last month (1–12) the period covers.
func (p Period) EndMonth() int {
	if p.Freq == Quarterly {
		return p.Index * 3
	}
	return p.Index
}

// End returns the last day of the period.
func (p Period) End() time.Time {
	return time.Date(p.Year, time.Month(p.EndMonth())+1, 0, 0, 0, 0, 0, time.UTC)
}

// Deadline returns the day reports for the period are due: the given day of
// the following month (the 5th by default in Chinese plan offices).
func (p Period) Deadline(day int) time.Time {
	if day < 1 || day > 28 {
		day = 5
	}
	return time.Date(p.Year, time.Month(p.EndMonth())+1, day, 0, 0, 0, 0, time.UTC)
}

// Next returns the period after p, crossing into the next year.
func (p Period) Next() Period {
	n := 12
	if p.Freq == Quarterly {
		n = 4
	}
	if p.Index == n {
		return Period{Year: p.Year + 1, Freq: p.Freq, Index: 1}
	}
	return Period{Year: p.Year, Freq: p.Freq, Index: p.Index + 1}
}

// Prev returns the period before p within the same year, and false for the first.
func (p Period) Prev() (Period, bool) {
	if p.Index <= 1 {
		return p, false
	}
	return Period{Year: p.Year, Freq: p.Freq, Index: p.Index - 1}, true
}

// TimeShare returns the elapsed share of the year at the period's end (m/12),
// the linear time progress (序时进度) of a one-year plan.
func (p Period) TimeShare() float64 { return float64(p.EndMonth()) / 12 }
