package extract

import (
	"strings"
)

// This file reads the responsible units (责任单位, 牵头单位) of domains and
// tasks, as written: "（责任单位：市教育局、市财政局）", "（市卫健委牵头，市财政局
// 配合）", or a bare "（市教育局）" closing a 民生实事 item.

// parseUnitLine reads a line that lists responsible units, such as
// "（责任单位：市教育局、市发展改革委）". ok is false for any other line.
func parseUnitLine(s string) (units []string, ok bool) {
	s = strings.TrimSpace(s)
	s = strings.TrimRight(s, "。；;")
	if inner, wrapped := unwrapBrackets(s); wrapped {
		s = inner
	}
	s = strings.TrimSpace(s)
	label := hasPrefixAny(s, unitLabels.list)
	if label == "" {
		return nil, false
	}
	if rest := strings.TrimSpace(s[len(label):]); !strings.HasPrefix(rest, "：") && !strings.HasPrefix(rest, ":") && !strings.HasPrefix(rest, "为") {
		return nil, false
	}
	units = splitUnits(stripUnitLabels(s))
	return units, len(units) > 0
}

// unwrapBrackets returns s without one pair of brackets enclosing all of it.
func unwrapBrackets(s string) (string, bool) {
	rs := []rune(s)
	if len(rs) < 2 {
		return s, false
	}
	closer, ok := bracketPairs[rs[0]]
	if !ok || (rs[len(rs)-1] != closer && !(closer == '）' && rs[len(rs)-1] == ')') && !(closer == ')' && rs[len(rs)-1] == '）')) {
		return s, false
	}
	depth := 0
	for i, r := range rs {
		if _, open := bracketPairs[r]; open {
			depth++
		} else if r == '）' || r == ')' || r == '】' || r == ']' {
			depth--
			if depth == 0 && i != len(rs)-1 {
				return s, false // "（一）…（二）" is not one pair
			}
		}
	}
	return string(rs[1 : len(rs)-1]), true
}

// stripUnitLabels replaces every "责任单位：" and the like in s by a comma.
func stripUnitLabels(s string) string {
	for _, l := range unitLabels.list {
		for _, c := range []string{"：", ":"} {
			s = strings.ReplaceAll(s, l+c, "，")
		}
		s = strings.ReplaceAll(s, l+"为", "，")
	}
	return s
}

// unitTails are dropped from the end of a unit: 市卫健委牵头 → 市卫健委.
var unitTails = byLength("牵头负责", "牵头", "配合", "负责", "参与", "按职责分工负责", "按职责分工", "分别负责",
	"等单位", "等部门", "等", "（牵头）", "(牵头)", "（配合）", "协同", "协助", "共同负责")

// splitUnits cuts a list of units at 、，；/ (not inside brackets, so
// 市委办（市档案局） stays whole) and drops 牵头/配合 from each.
func splitUnits(s string) []string {
	p := newPara(s)
	var out []string
	seen := map[string]bool{}
	add := func(u string) {
		u = strings.TrimSpace(u)
		for {
			t := hasSuffixAny(u, unitTails)
			if t == "" || t == u {
				break
			}
			u = strings.TrimSpace(strings.TrimSuffix(u, t))
		}
		u = strings.Trim(u, " \t。.；;：:")
		if u != "" && !seen[u] && len([]rune(u)) <= 60 {
			seen[u] = true
			out = append(out, u)
		}
	}
	start := 0
	for i, r := range p.r {
		if strings.ContainsRune("、，,；;/／\n", r) && p.depth[i] == 0 && !p.quoted[i] {
			add(string(p.r[start:i]))
			start = i + 1
		}
	}
	add(string(p.r[start:]))
	return out
}

// isOrgName reports whether s looks like the name of an organisation
// (市教育局, 市委办（市档案局）, 团市委).
func isOrgName(s string) bool {
	rs := []rune(strings.TrimSpace(s))
	if len(rs) < 2 || len(rs) > 30 {
		return false
	}
	for _, r := range rs {
		if isDigit(r) || strings.ContainsRune("。，%：:", r) {
			return false
		}
	}
	core := string(rs)
	if k := strings.Index(core, "（"); k > 0 && strings.HasSuffix(core, "）") {
		core = core[:k] // 市委办（市档案局）
	}
	if len([]rune(core)) < 2 {
		return false
	}
	return hasSuffixAny(core, orgSuffixes) != ""
}

// bracketUnits reads the units of a bracket's content, or ok false when the
// bracket holds something else. A labelled list (牵头单位：…) or one marked
// with 牵头 counts anywhere; a bare list of organisations only at the end
// of an item (atEnd).
func bracketUnits(content string, atEnd bool) ([]string, bool) {
	c := strings.TrimSpace(content)
	if hasPrefixAny(c, unitLabels.list) != "" {
		us := splitUnits(stripUnitLabels(c))
		return us, len(us) > 0
	}
	if !strings.Contains(c, "牵头") && !atEnd {
		return nil, false
	}
	us := splitUnits(c)
	if len(us) == 0 {
		return nil, false
	}
	for _, u := range us {
		if !isOrgName(u) {
			return nil, false
		}
	}
	return us, true
}

// taskUnits finds the units named inside a task's text: brackets such as
// （牵头单位：市卫健委） or （市卫健委牵头，市财政局配合）, a closing （市教育局），
// and labels such as "责任单位：市人力社保局" running to the end of the
// sentence. It returns the units and the text with them cut out.
func taskUnits(text string) ([]string, string) {
	p := newPara(text)
	var units []string
	cut := make([]bool, len(p.r))
	n := len(p.r)
	for i := 0; i < n; i++ {
		if p.quoted[i] {
			continue
		}
		if _, open := bracketPairs[p.r[i]]; open && p.depth[i] == 1 {
			j := i + 1
			for j < n && p.depth[j] >= 1 && !(p.depth[j] == 1 && (p.r[j] == '）' || p.r[j] == ')' || p.r[j] == '】' || p.r[j] == ']')) {
				j++
			}
			if j >= n {
				continue
			}
			k := j + 1
			for k < n && (trimmable(p.r[k]) || p.r[k] == '\n') {
				k++
			}
			atEnd := k >= n
			if us, ok := bracketUnits(string(p.r[i+1:j]), atEnd); ok {
				units = append(units, us...)
				for m := i; m <= j; m++ {
					cut[m] = true
				}
			}
			i = j
			continue
		}
		if p.depth[i] != 0 {
			continue
		}
		if l := p.prefixAt(i, n, unitLabels); l != "" {
			k := i + len([]rune(l))
			if k < n && (p.r[k] == '：' || p.r[k] == ':') {
				e := k + 1
				for e < n && !(sentenceEnd(p.r[e]) && p.free(e)) {
					e++
				}
				units = append(units, splitUnits(stripUnitLabels(string(p.r[i:e])))...)
				for m := i; m < e; m++ {
					cut[m] = true
				}
				i = e
			}
		}
	}
	if len(units) == 0 {
		return nil, text
	}
	var b strings.Builder
	for i, r := range p.r {
		if !cut[i] {
			b.WriteRune(r)
		}
	}
	return dedupe(units), b.String()
}

// dedupe keeps the first of each string.
func dedupe(ss []string) []string {
	seen := map[string]bool{}
	out := ss[:0]
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
