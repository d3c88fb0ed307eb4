package extract

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gongfu"
)

// This file reads deadlines (6月底前, 年底, 第三季度, 上半年, 9月份) and the
// issue date of a plan (2020年4月26日, 二〇二〇年四月二十六日).

// num is a number pattern: Arabic digits or Chinese numerals.
const num = `([0-9]{1,4}|[一二三四五六七八九十〇零○]{1,4})`

var (
	reFullDate  = regexp.MustCompile(num + `\s*年\s*` + num + `\s*月\s*` + num + `\s*[日号]`)
	reYearMonth = regexp.MustCompile(`([0-9]{4})\s*年\s*` + num + `\s*月(?:份)?(底|末|上旬|中旬|下旬)?`)
	reYearQtr   = regexp.MustCompile(`([0-9]{4})\s*年\s*(?:第)?([一二三四1-4])季度`)
	reYearPart  = regexp.MustCompile(`([0-9]{4})\s*年\s*(上半年|下半年|年中|年底|年末|底|末|内|前)`)
	reMonthDay  = regexp.MustCompile(`(?:^|[^0-9一二三四五六七八九十个])` + num + `\s*月\s*` + num + `\s*[日号]`)
	reMonth     = regexp.MustCompile(`(?:^|[^0-9一二三四五六七八九十个])` + num + `\s*月(?:份)?(底|末|上旬|中旬|下旬|前|中|内)?`)
	reQuarter   = regexp.MustCompile(`(?:第)?([一二三四1-4])季度`)
	reDayPart   = regexp.MustCompile(`(上半年|下半年|年中|今年底|今年内|年底|年末|年内)`)
)

// normDigits turns full-width digits into ASCII ones.
func normDigits(s string) string {
	return strings.Map(func(r rune) rune { return asciiDigit(r) }, s)
}

// smallNumber reads a day, month or year written in digits or Chinese.
func smallNumber(s string) (int, bool) {
	if n, err := strconv.Atoi(s); err == nil {
		return n, true
	}
	v, ok := parseChinese(s)
	return int(v), ok && v == float64(int(v))
}

// makeDate returns the date y-m-d when it exists.
func makeDate(y, m, d int) (gongfu.Date, bool) {
	if y < 1949 || y > 2200 || m < 1 || m > 12 || d < 1 || d > 31 {
		return "", false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d {
		return "", false // 2月30日
	}
	return gongfu.DateOf(t), true
}

// monthEnd returns the last day of month m of year y.
func monthEnd(y, m int) (gongfu.Date, bool) {
	if m < 1 || m > 12 {
		return "", false
	}
	return makeDate(y, m, time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day())
}

// partDay returns the day of month that 上旬/中旬/下旬 end on.
func partDay(y, m int, part string) (gongfu.Date, bool) {
	switch part {
	case "上旬":
		return makeDate(y, m, 10)
	case "中旬":
		return makeDate(y, m, 20)
	}
	return monthEnd(y, m)
}

// parseDue reads the deadline that s states, with year as the plan year for
// dates that give none: 6月底前 → year-06-30, 年底 → year-12-31, 第三季度 →
// year-09-30, 上半年 → year-06-30. It returns "" when s states none.
func parseDue(s string, year int) gongfu.Date {
	if !strings.ContainsAny(s, "年月季旬") {
		return ""
	}
	s = normDigits(s)
	type found struct {
		at int
		d  gongfu.Date
	}
	var best *found
	try := func(at int, d gongfu.Date, ok bool) {
		if ok && (best == nil || at < best.at) {
			best = &found{at, d}
		}
	}
	if m := reFullDate.FindStringSubmatchIndex(s); m != nil {
		y, _ := smallNumber(s[m[2]:m[3]])
		mo, _ := smallNumber(s[m[4]:m[5]])
		d, _ := smallNumber(s[m[6]:m[7]])
		dt, ok := makeDate(y, mo, d)
		try(m[0], dt, ok)
	}
	if m := reYearMonth.FindStringSubmatchIndex(s); m != nil {
		y, _ := strconv.Atoi(s[m[2]:m[3]])
		mo, _ := smallNumber(s[m[4]:m[5]])
		part := ""
		if m[6] >= 0 {
			part = s[m[6]:m[7]]
		}
		dt, ok := partDay(y, mo, part)
		try(m[0], dt, ok)
	}
	if m := reYearQtr.FindStringSubmatchIndex(s); m != nil {
		y, _ := strconv.Atoi(s[m[2]:m[3]])
		q, _ := smallNumber(s[m[4]:m[5]])
		dt, ok := monthEnd(y, q*3)
		try(m[0], dt, ok)
	}
	if m := reYearPart.FindStringSubmatchIndex(s); m != nil {
		y, _ := strconv.Atoi(s[m[2]:m[3]])
		mo := 12
		if p := s[m[4]:m[5]]; p == "上半年" || p == "年中" {
			mo = 6
		}
		dt, ok := monthEnd(y, mo)
		try(m[0], dt, ok)
	}
	if year != 0 {
		if m := reMonthDay.FindStringSubmatchIndex(s); m != nil && !yearBefore(s, m[2]) {
			mo, _ := smallNumber(s[m[2]:m[3]])
			d, _ := smallNumber(s[m[4]:m[5]])
			dt, ok := makeDate(year, mo, d)
			try(m[2], dt, ok)
		}
		if m := reMonth.FindStringSubmatchIndex(s); m != nil && !yearBefore(s, m[2]) {
			mo, _ := smallNumber(s[m[2]:m[3]])
			part := ""
			if m[4] >= 0 {
				part = s[m[4]:m[5]]
			}
			dt, ok := partDay(year, mo, part)
			try(m[2], dt, ok)
		}
		if m := reQuarter.FindStringSubmatchIndex(s); m != nil && !yearBefore(s, m[0]) {
			q, _ := smallNumber(s[m[2]:m[3]])
			dt, ok := monthEnd(year, q*3)
			try(m[0], dt, ok)
		}
		if m := reDayPart.FindStringSubmatchIndex(s); m != nil && !numeralBefore(s, m[0]) {
			mo := 12
			if p := s[m[2]:m[3]]; p == "上半年" || p == "年中" {
				mo = 6
			}
			dt, ok := monthEnd(year, mo)
			try(m[0], dt, ok)
		}
	}
	if best == nil {
		return ""
	}
	return best.d
}

// yearBefore reports whether a year ("2021年") stands right before byte i,
// so that the month belongs to a dated expression read elsewhere.
func yearBefore(s string, i int) bool {
	t := strings.TrimRight(s[:i], " ")
	return strings.HasSuffix(t, "年") && len(t) >= len("0000年") && isDigitString(t[len(t)-len("0000年"):len(t)-len("年")])
}

// numeralBefore reports whether a numeral stands right before byte i (三年内
// is a span of years, not this year's end).
func numeralBefore(s string, i int) bool {
	rs := []rune(s[:i])
	if len(rs) == 0 {
		return false
	}
	r := rs[len(rs)-1]
	return isDigit(r) || isCnNumeral(r) || r == '几' || r == '两'
}

// isDigitString reports whether s is all ASCII digits.
func isDigitString(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// reIssued matches a whole line that is a date: the date of a signature.
var reIssued = regexp.MustCompile(`^[（(]?\s*` + num + `\s*年\s*` + num + `\s*月\s*` + num + `\s*日\s*(?:印发|发布)?\s*[）)]?$`)

// lineDate reads a line that is only a date, as under a signature.
func lineDate(line string) (gongfu.Date, bool) {
	m := reIssued.FindStringSubmatch(normDigits(strings.TrimSpace(line)))
	if m == nil {
		return "", false
	}
	y, ok1 := yearNumber(m[1])
	mo, ok2 := smallNumber(m[2])
	d, ok3 := smallNumber(m[3])
	if !ok1 || !ok2 || !ok3 {
		return "", false
	}
	return makeDate(y, mo, d)
}

// yearNumber reads a year in digits or as Chinese digits read in place
// (二〇二〇).
func yearNumber(s string) (int, bool) {
	if n, err := strconv.Atoi(s); err == nil {
		return n, true
	}
	var b strings.Builder
	for _, r := range s {
		d, ok := cnDigits[r]
		if !ok || r == '两' {
			return 0, false
		}
		fmt.Fprint(&b, d)
	}
	n, err := strconv.Atoi(b.String())
	return n, err == nil
}

// reTitleYear finds the year of a plan in its title.
var reTitleYear = regexp.MustCompile(`([0-9]{4}|[二〇一三四五六七八九零○]{4})\s*年`)

// titleYear returns the first year named in a title, or 0.
func titleYear(title string) int {
	m := reTitleYear.FindStringSubmatch(normDigits(title))
	if m == nil {
		return 0
	}
	y, ok := yearNumber(m[1])
	if !ok || y < 1949 || y > 2200 {
		return 0
	}
	return y
}
