package extract

import (
	"strings"
)

// This file finds the quantities in a clause and says what each one is: a
// target, a name (十九大, 5号线, “1161”), a date (2020年, 6月底), a scope
// (3岁以下婴幼儿, 5万人以上乡镇) or something not understood.

// tokClass says what a number in the text is.
type tokClass int

const (
	clsTarget  tokClass = iota // a quantity to reach: 80所, 90%
	clsName                    // part of a name: 十九大, 5号线, 第六批
	clsDate                    // part of a date: 2020年, 6月底
	clsScope                   // a qualifier of what is counted: 3岁以下, 5万人以上乡镇
	clsUnknown                 // a number not understood, reported as unparsed
)

// numTok is one quantity found in a clause.
type numTok struct {
	s, e     int // the quantity from its first digit (or multiplicity) through unit and 以上
	ns       int // where the number itself starts
	value    float64
	unit     string
	post     string    // 以上, 以内, 左右… after the unit
	ratio    []float64 // both sides of 55：45
	mult     int       // 两个100% holds two targets of 100%
	grade    bool      // 5A级, 一星级
	isRange  bool      // 3-4座: value is the lower bound
	chinese  bool      // written in Chinese numerals
	nounNext bool      // a word follows at once (5万人以上乡镇)
	cls      tokClass
}

// scan finds the quantities of sp. Numbers inside quotation marks are names
// and are not returned.
func (p *para) scan(sp span) []numTok {
	var toks []numTok
	multAt, multVal := -1, 0 // a pending 两个 before 100%
	for i := sp.s; i < sp.e; {
		r := p.r[i]
		switch {
		case p.quoted[i]:
			i++
		case isDigit(r):
			t, next := p.scanArabic(i, sp)
			if multAt >= 0 && multAt == i && t.cls == clsTarget {
				t.mult = multVal
				t.s = multStart(p, i)
			}
			multAt = -1
			toks = append(toks, t)
			i = next
		case p.hasPrefixAt(i, "百分之"):
			t, next, ok := p.scanPercentWords(i, sp)
			if ok {
				toks = append(toks, t)
			}
			i = next
		case isCnNumeral(r):
			t, next, kind := p.scanChinese(i, sp)
			switch kind {
			case cnQuantity:
				toks = append(toks, t)
			case cnMultiplicity:
				multAt, multVal = next, int(t.value)
			case cnUnknown:
				toks = append(toks, t)
			}
			i = next
		default:
			i++
		}
	}
	p.classify(sp, toks)
	return toks
}

// multStart finds the start of the "两个" just before i.
func multStart(p *para, i int) int {
	j := i - 1 // the 个
	for j > 0 && isCnNumeral(p.r[j-1]) {
		j--
	}
	return j
}

// scanArabic reads the quantity whose digits start at i.
func (p *para) scanArabic(i int, sp span) (numTok, int) {
	lim := sp.e
	j := arabicEnd(p.r, i, lim)
	t := numTok{s: i, ns: i, e: j, cls: clsTarget}
	v, ok := parseArabic(p.r[i:j])
	if !ok {
		t.cls = clsUnknown
		return t, j
	}
	t.value = v
	at := func(k int) rune {
		if k >= 0 && k < lim {
			return p.r[k]
		}
		return 0
	}
	prev := rune(0)
	if i > 0 {
		prev = p.r[i-1]
	}
	// Codes and names: PM2.5, S1线, 4G, 1+X, 第3批.
	if isASCIILetter(prev) || prev == '+' || prev == '第' || prev == '＋' || prev == '-' && i > 1 && isASCIILetter(p.r[i-2]) {
		t.cls = clsName
		return t, skipAlnum(p, j, lim)
	}
	if isASCIILetter(at(j)) {
		k := skipAlnum(p, j, lim)
		if g := p.prefixAt(j, lim, gradeUnits); g != "" && strings.HasPrefix(g, "A") {
			t.grade, t.unit, t.e = true, g, j+len([]rune(g))
			t.nounNext = t.e < lim && isHan(p.r[t.e]) && !p.isSeparatorAt(t.e)
			return t, t.e
		}
		t.cls = clsName
		return t, k
	}
	if at(j) == '+' || at(j) == '＋' || at(j) == '×' || at(j) == '.' && isASCIILetter(at(j+1)) {
		t.cls = clsName
		return t, j + 1
	}
	j = p.skipSpaces(j, lim) // text from the web or PDF: "1000-5000 人"
	if c := at(j); c == '年' || c == '日' || c == '季' || c == '月' || c == '号' {
		t.cls = clsDate
		return t, j + 1
	}
	k := j
	k, mult := p.multiplier(k, lim)
	t.value *= mult
	if c := at(k); (c == '余' || c == '多') && p.prefixAt(k+1, lim, measures) != "" {
		k++
	}
	k = p.readUnit(&t, k, lim, mult > 1)
	// A range 3-4座 or 10%-15%: keep the lower bound, take the unit after the upper.
	if c := at(k); strings.ContainsRune("-~～—–至到", c) && isDigit(at(p.skipSpaces(k+1, lim))) || c == '—' && at(k+1) == '—' && isDigit(at(k+2)) {
		k2 := p.skipSpaces(k+1, lim)
		if at(k2) == '—' {
			k2++
		}
		e2 := p.skipSpaces(arabicEnd(p.r, k2, lim), lim)
		if c2 := at(e2); c2 == '年' || c2 == '月' || c2 == '日' {
			t.cls = clsDate
			return t, e2 + 1
		}
		e2, _ = p.multiplier(e2, lim)
		var t2 numTok
		e2 = p.readUnit(&t2, e2, lim, false)
		if t.unit == "" {
			t.unit = t2.unit
		}
		t.isRange, k = true, e2
	}
	// A ratio 55：45.
	if c := at(k); (c == ':' || c == '：') && isDigit(at(k+1)) && t.unit == "" {
		e2 := arabicEnd(p.r, k+1, lim)
		if b, ok := parseArabic(p.r[k+1 : e2]); ok && b != 0 {
			t.ratio = []float64{t.value, b}
			t.value = t.value / b
			k = e2
		}
	}
	// A rate per so many: 10/10万 (deaths per 100 000).
	if t.unit == "" && t.ratio == nil && (at(k) == '/' || at(k) == '／') && (isDigit(at(k+1)) || at(k+1) == '万' || at(k+1) == '千' || at(k+1) == '百') {
		e2 := k + 1
		for e2 < lim && (isDigit(p.r[e2]) || strings.ContainsRune("十百千万亿", p.r[e2])) {
			e2++
		}
		if m := p.prefixAt(e2, lim, rateBases); m != "" {
			e2 += len([]rune(m))
		}
		t.unit = string(p.r[k:e2])
		k = e2
	}
	if t.unit == "" && t.ratio == nil {
		if g := p.prefixAt(k, lim, gradeUnits); g != "" {
			t.grade, t.unit = true, g
			k += len([]rune(g))
		} else if w := p.prefixAt(k, lim, nameSuffixes); w != "" {
			t.cls = clsName
			return t, k + len([]rune(w))
		} else if mult == 1 {
			t.cls = clsUnknown
		}
	}
	if w := p.prefixAt(k, lim, postWords); w != "" && !(w == "内" && t.unit != "" && p.hasPrefixAt(k, "内容")) {
		t.post = w
		k += len([]rune(w))
	}
	t.e = k
	t.nounNext = k < lim && (isHan(p.r[k]) || p.r[k] == '“' || p.r[k] == '（') && !p.isSeparatorAt(k)
	return t, k
}

// skipSpaces moves past spaces at j when what follows them binds to the
// number before (a unit, 万, %, a range's dash, a date word), and returns j
// unchanged otherwise.
func (p *para) skipSpaces(j, lim int) int {
	k := j
	for k < lim && (p.r[k] == ' ' || p.r[k] == '\u3000' || p.r[k] == '\u00a0') {
		k++
	}
	if k == j || k >= lim || k-j > 2 {
		return j
	}
	r := p.r[k]
	if measures.first[r] || isDigit(r) || strings.ContainsRune("万亿%％‰-~～—–至年月日季个百", r) {
		return k
	}
	return j
}

// skipAlnum moves past letters and digits from j.
func skipAlnum(p *para, j, lim int) int {
	for j < lim && (isASCIILetter(p.r[j]) || isDigit(p.r[j]) || p.r[j] == '.') {
		j++
	}
	return j
}

// multiplier reads 万, 亿, 千万, 百万 or 万亿 at k and returns the position
// after it and its factor.
func (p *para) multiplier(k, lim int) (int, float64) {
	mult := 1.0
	for k < lim {
		switch {
		case p.r[k] == '万':
			mult *= 1e4
		case p.r[k] == '亿':
			mult *= 1e8
		case (p.r[k] == '千' || p.r[k] == '百') && k+1 < lim && (p.r[k+1] == '万' || p.r[k+1] == '亿'):
			if p.r[k] == '千' {
				mult *= 1e3
			} else {
				mult *= 1e2
			}
		case p.r[k] == '千' && mult == 1 && p.prefixAt(k, lim, measures) == "" &&
			(k+1 < lim && (p.r[k+1] == '余' || p.r[k+1] == '多') || p.prefixAt(k+1, lim, measures) != ""):
			mult *= 1e3 // 8千余户, 3千人; but 5千米 is kilometres
		default:
			return k, mult
		}
		k++
	}
	return k, mult
}

// readUnit reads the unit at k into t: %, 百分点, a measure word, a rate
// such as 件/千人, or 人 for a bare 万 before a word for people.
func (p *para) readUnit(t *numTok, k, lim int, multiplied bool) int {
	switch {
	case k >= lim:
	case p.r[k] == '%' || p.r[k] == '％':
		t.unit = "%"
		return k + 1
	case p.r[k] == '‰':
		t.unit = "‰"
		return k + 1
	case p.hasPrefixAt(k, "个百分点"):
		t.unit = "百分点"
		return k + 4
	case p.hasPrefixAt(k, "百分点"):
		t.unit = "百分点"
		return k + 3
	}
	if m := p.prefixAt(k, lim, measures); m != "" {
		t.unit = m
		k += len([]rune(m))
		// A rate: 1件/千人, 3.5张/千人.
		if k < lim && (p.r[k] == '/' || p.r[k] == '／') {
			j := k + 1
			for j < lim && (isDigit(p.r[j]) || strings.ContainsRune("十百千万", p.r[j])) {
				j++
			}
			if w := p.prefixAt(j, lim, rateBases); w != "" {
				t.unit += "/" + string(p.r[k+1:j]) + w
				k = j + len([]rune(w))
			}
		}
		return k
	}
	if multiplied || t.chinese {
		end := k
		for end < lim && end-k < 6 && isHan(p.r[end]) {
			end++
		}
		if containsAny(string(p.r[k:end]), personNouns) {
			t.unit = "人"
		}
	}
	return k
}

// scanPercentWords reads 百分之九十 or 百分之90 as a percentage.
func (p *para) scanPercentWords(i int, sp span) (numTok, int, bool) {
	j := i + 3
	k := j
	for k < sp.e && (isCnNumeral(p.r[k]) || isDigit(p.r[k]) || p.r[k] == '.' || p.r[k] == '点') {
		k++
	}
	s := string(p.r[j:k])
	var v float64
	var ok bool
	if a, b, found := strings.Cut(s, "点"); found {
		// 百分之九十五点五
		va, oka := parseNumber(a)
		frac := ""
		for _, r := range b {
			d, isD := cnDigits[r]
			if !isD {
				oka = false
				break
			}
			frac += string(rune('0' + d))
		}
		fv, okf := parseNumber("0." + frac)
		v, ok = va+fv, oka && okf
	} else {
		v, ok = parseNumber(s)
	}
	if !ok {
		return numTok{}, j, false
	}
	t := numTok{s: i, ns: i, e: k, value: v, unit: "%", cls: clsTarget, chinese: true}
	if w := p.prefixAt(k, sp.e, postWords); w != "" {
		t.post = w
		k += len([]rune(w))
	}
	t.e = k
	return t, k, true
}

// What a run of Chinese numerals turned out to be.
const (
	cnName         = iota // part of a name or word: 十九大, 统一, 百姓
	cnQuantity            // a quantity: 十个, 一百名
	cnMultiplicity        // 两个 before 100%
	cnUnknown             // a counted amount in no place a target can be
)

// scanChinese reads the Chinese numerals starting at i. A run counts as a
// quantity only when a measure word follows and the run stands where plans
// put amounts: after a verb (搭建十个) or closing its clause (一万人次).
func (p *para) scanChinese(i int, sp span) (numTok, int, int) {
	j := i
	for j < sp.e && isCnNumeral(p.r[j]) && !p.quoted[j] {
		j++
	}
	t := numTok{s: i, ns: i, e: j, cls: clsTarget, chinese: true}
	first := p.r[i]
	if first == '百' || first == '千' || first == '万' || first == '亿' {
		return t, j, cnName // 百姓, 千亿工程, 每万人口
	}
	if i > 0 && (p.r[i-1] == '第' || p.r[i-1] == '周' || p.r[i-1] == '初' || p.r[i-1] == '高') {
		return t, j, cnName
	}
	v, ok := parseChinese(string(p.r[i:j]))
	if !ok {
		return t, j, cnName
	}
	t.value = v
	if j+1 < sp.e && p.r[j] == '个' && isDigit(p.r[j+1]) && v >= 2 && v <= 10 {
		return t, j + 1, cnMultiplicity
	}
	m := p.prefixAt(j, sp.e, cnMeasures)
	if m == "" {
		return t, j, cnName
	}
	k := j + len([]rune(m))
	if k < sp.e && strings.ContainsRune("性样般些致切直同起起点道边面手线", p.r[k]) {
		return t, k, cnName // 一次性, 一个样, 一件事 and other words
	}
	t.unit = m
	if w := p.prefixAt(k, sp.e, postWords); w != "" {
		t.post = w
		k += len([]rune(w))
	}
	t.e = k
	afterVerb := hasSuffixAny(p.tail(sp.s, i, 8), cnVerbs) != ""
	closes := k >= sp.e || p.isSeparatorAt(k)
	if afterVerb || closes {
		t.nounNext = k < sp.e && isHan(p.r[k]) && !p.isSeparatorAt(k)
		return t, k, cnQuantity
	}
	if v <= 10 {
		return t, k, cnName // 八件实事, 两项补贴
	}
	t.cls = clsUnknown
	return t, k, cnUnknown
}

// separators join parallel items of a list.
var separators = newWords("、", "和", "及", "与", "以及", "并")

// isSeparatorAt reports whether a list separator stands free at k.
func (p *para) isSeparatorAt(k int) bool {
	if k >= len(p.r) || !p.free(k) {
		return false
	}
	return p.prefixAt(k, len(p.r), separators) != ""
}

// separatorBetween returns the position of the last free list separator in
// [a, b), or -1.
func (p *para) separatorBetween(a, b int) int {
	for k := b - 1; k >= a; k-- {
		if p.isSeparatorAt(k) {
			return k
		}
	}
	return -1
}

// classify settles which candidate targets of sp are scopes or names:
// an age (3岁以下婴幼儿), a bound before the thing it bounds when another
// quantity of the same item follows (5万人以上乡镇建有2个资源教室), or a grade
// (一星级以上).
func (p *para) classify(sp span, toks []numTok) {
	for i := range toks {
		t := &toks[i]
		if t.cls != clsTarget {
			continue
		}
		atEnd := t.e >= sp.e || !t.nounNext
		switch {
		case t.grade:
			if !atEnd || hasSuffixAny(p.tail(sp.s, t.s, 8), []string{"达到", "达", "创成", "评为", "保持", "晋升为", "创建为", "全部达到"}) == "" {
				t.cls = clsName
			}
		case t.unit == "岁" || t.unit == "周岁":
			if !atEnd || t.isRange {
				t.cls = clsScope
			}
		case (t.unit == "分钟" || t.unit == "小时") && t.nounNext:
			t.cls = clsName // 15分钟文化圈, 30分钟急救圈
		case t.nounNext && (t.post == "以上" || t.post == "及以上" || t.post == "以下" || t.post == "及以下"):
			// Only the next quantity is looked at, which keeps this linear.
			if i+1 < len(toks) && toks[i+1].cls == clsTarget && p.separatorBetween(t.e, toks[i+1].s) < 0 {
				t.cls = clsScope
			}
		}
	}
}
