// Package mask hides personal data in free text shown in lists: mainland
// mobile numbers and resident ID numbers (身份证号), as GB/T 22239-2019 and
// the Personal Information Protection Law ask of displays that do not need
// them. The full text stays on the single item's page for those allowed.
package mask

import (
	"regexp"
	"strings"
)

// Phone masks a mobile number: "13812345678" → "138****5678". Anything that
// is not an 11-digit number starting with 1 is returned unchanged.
func Phone(s string) string {
	if !phoneRe.MatchString(s) || len(s) != 11 {
		return s
	}
	return s[:3] + "****" + s[7:]
}

// ID masks a resident ID number: "330302199001011234" → "330302********1234",
// keeping the region code and the last four. Anything that is not an 18-
// (or old 15-) character ID is returned unchanged.
func ID(s string) string {
	if !idRe.MatchString(s) || (len(s) != 18 && len(s) != 15) {
		return s
	}
	return s[:6] + strings.Repeat("*", len(s)-10) + s[len(s)-4:]
}

var (
	phoneRe = regexp.MustCompile(`^1[3-9]\d{9}$`)
	idRe    = regexp.MustCompile(`^(\d{17}[\dXx]|\d{15})$`)
	// digitRun finds candidate numbers in text: whole runs of digits (with
	// an ID's final X); a run of another length is no phone and no ID.
	digitRun = regexp.MustCompile(`\d{11,}[Xx]?`)
)

// Text masks every phone and ID number in free text, such as an
// attachment's file name or a report's note: "张三13812345678身份证330302199001011234.pdf"
// → "张三138****5678身份证330302********1234.pdf". Runs of digits of other
// lengths (amounts, dates, codes) are left alone.
func Text(s string) string {
	if len(s) < 11 {
		return s
	}
	return digitRun.ReplaceAllStringFunc(s, func(m string) string {
		switch {
		case len(m) == 18 || len(m) == 15:
			if idRe.MatchString(m) {
				return ID(m)
			}
		case len(m) == 11:
			return Phone(m)
		case len(m) == 12 && (m[11] == 'X' || m[11] == 'x'):
			return Phone(m[:11]) + m[11:]
		}
		return m
	})
}
