package extract

import (
	"math"
	"strconv"
	"strings"
)

// This file reads numbers as plans write them: Arabic digits (half- or
// full-width, with decimals and thousands separators) and Chinese numerals
// (一千五百, 两万, 三百六十五), with 万 and 亿 as multipliers.

// isDigit reports whether r is an Arabic digit, half- or full-width.
func isDigit(r rune) bool { return r >= '0' && r <= '9' || r >= '０' && r <= '９' }

// asciiDigit maps a full-width digit or point to its ASCII form.
func asciiDigit(r rune) rune {
	switch {
	case r >= '０' && r <= '９':
		return r - '０' + '0'
	case r == '．':
		return '.'
	}
	return r
}

// cnDigits maps the Chinese digit characters to their values.
var cnDigits = map[rune]int{
	'零': 0, '〇': 0, '○': 0, '一': 1, '二': 2, '两': 2, '兩': 2, '三': 3, '四': 4,
	'五': 5, '六': 6, '七': 7, '八': 8, '九': 9,
}

// cnSmall maps the Chinese place characters below 万 to their values.
var cnSmall = map[rune]int{'十': 10, '拾': 10, '百': 100, '佰': 100, '千': 1000, '仟': 1000}

// isCnNumeral reports whether r can be part of a Chinese numeral.
func isCnNumeral(r rune) bool {
	if _, ok := cnDigits[r]; ok {
		return true
	}
	if _, ok := cnSmall[r]; ok {
		return true
	}
	return r == '万' || r == '亿'
}

// parseChinese reads a Chinese numeral such as 一千五百 (1500), 两万 (20000),
// 一百零五 (105), 十 (10) or 二〇二〇 (2020, digit by digit). ok is false when
// s is empty or not a well-formed numeral (十三五, 九九八十一).
func parseChinese(s string) (v float64, ok bool) {
	rs := []rune(s)
	if len(rs) == 0 {
		return 0, false
	}
	positional := true
	for _, r := range rs {
		if !isCnNumeral(r) {
			return 0, false
		}
		if _, isD := cnDigits[r]; !isD {
			positional = false
		}
	}
	if positional {
		// 二〇二〇: digits read in place; a lone digit is its value.
		if len(rs) > 1 && strings.ContainsAny(s, "两兩") {
			return 0, false
		}
		n := 0.0
		for _, r := range rs {
			n = n*10 + float64(cnDigits[r])
		}
		return n, true
	}
	var (
		total     float64 // completed 亿 and 万 groups
		section   float64 // value below the current 万/亿 group
		pending   = -1    // a digit waiting for its place
		lastSmall = 10000 // places must fall within a group
		prevSmall = 0     // the last place seen, for 一千五 = 1500
		lastBig   = 0.0   // the last 万/亿 seen
		zero      bool    // 零 since the last place
	)
	for _, r := range rs {
		if d, isD := cnDigits[r]; isD {
			if pending >= 0 {
				return 0, false
			}
			if d == 0 {
				zero = true
				continue
			}
			pending = d
			continue
		}
		if u, isS := cnSmall[r]; isS {
			if u >= lastSmall {
				return 0, false
			}
			d := pending
			if d < 0 {
				if u != 10 {
					return 0, false
				}
				d = 1 // 十 stands for 一十
			}
			section += float64(d * u)
			pending, lastSmall, prevSmall, zero = -1, u, u, false
			continue
		}
		big := 1e4
		if r == '亿' {
			big = 1e8
		}
		if pending >= 0 {
			section += float64(pending)
			pending = -1
		}
		if section == 0 || (big == 1e4 && lastBig == 1e4) {
			return 0, false
		}
		if big == 1e8 {
			total = (total + section) * big
		} else {
			total += section * big
		}
		section, lastSmall, prevSmall, zero, lastBig = 0, 10000, 0, false, big
	}
	if pending >= 0 {
		switch {
		case !zero && prevSmall >= 100:
			section += float64(pending * prevSmall / 10) // 一千五 = 1500
		case !zero && prevSmall == 0 && lastBig > 0 && section == 0:
			section += float64(pending) * lastBig / 10 // 一万五 = 15000
		default:
			section += float64(pending)
		}
	}
	return total + section, true
}

// parseArabic reads digits such as "3.8", "1,500" or "８０" (full-width).
func parseArabic(rs []rune) (float64, bool) {
	var b strings.Builder
	for _, r := range rs {
		r = asciiDigit(r)
		if r == ',' || r == '，' {
			continue
		}
		b.WriteRune(r)
	}
	v, err := strconv.ParseFloat(b.String(), 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, false
	}
	return v, true
}

// parseNumber reads a number written with Arabic digits (half- or
// full-width) or Chinese numerals, with an optional trailing 万 or 亿:
// "3.8", "８０", "1.5万", "一千五百", "两万".
func parseNumber(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	rs := []rune(s)
	if len(rs) == 0 {
		return 0, false
	}
	if isDigit(rs[0]) {
		mult := 1.0
		for len(rs) > 0 {
			last := rs[len(rs)-1]
			if last == '万' {
				mult *= 1e4
			} else if last == '亿' {
				mult *= 1e8
			} else {
				break
			}
			rs = rs[:len(rs)-1]
		}
		for _, r := range rs {
			if !isDigit(r) && r != '.' && r != '．' && r != ',' {
				return 0, false
			}
		}
		v, ok := parseArabic(rs)
		return v * mult, ok
	}
	return parseChinese(s)
}

// arabicEnd returns the end of the Arabic number starting at i in rs: digits,
// at most one decimal point followed by a digit, and thousands separators
// (",") followed by exactly three digits.
func arabicEnd(rs []rune, i, limit int) int {
	j := i
	for j < limit && isDigit(rs[j]) {
		j++
	}
	// Thousands separators: 1,500 but not "1,2" nor a clause comma.
	for j+3 < limit+0 && rs[j] == ',' && isDigit(rs[j+1]) && isDigit(rs[j+2]) && isDigit(rs[j+3]) &&
		(j+4 >= limit || !isDigit(rs[j+4])) {
		j += 4
	}
	if j+1 < limit && (rs[j] == '.' || rs[j] == '．') && isDigit(rs[j+1]) {
		j++
		for j < limit && isDigit(rs[j]) {
			j++
		}
	}
	return j
}
