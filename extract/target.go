package extract

import (
	"math"
	"strings"

	"gongfu"
)

// This file turns the quantities of a clause into targets: it cuts a clause
// holding several quantities into one segment each (新建20个百姓健身房、30个
// 笼式足球场), spreads 分别 lists over their subjects, and gives each target
// a name, a kind and an operator.

// clauseTargets returns the targets of the clause sp whose quantities are
// toks. title names a target that the clause does not name itself (目标5万人
// under 城镇新增就业).
// prev is the clause before, whose list a 分别 may refer to (开展婚前检查和
// 孕前检查，覆盖率分别达到70%、80%).
func clauseTargets(p *para, sp span, toks []numTok, title, prev string) []gongfu.Target {
	var tgs []numTok
	for _, t := range toks {
		if t.cls == clsTarget {
			tgs = append(tgs, t)
		}
	}
	if len(tgs) == 0 {
		return nil
	}
	if f := p.find(sp, "分别"); f >= 0 && len(tgs) >= 2 && tgs[0].s > f {
		if out := respectively(p, sp, f, tgs, title, prev); out != nil {
			return out
		}
	}
	var out []gongfu.Target
	lead := ""
	for i, t := range tgs {
		s, e := sp.s, sp.e
		if i > 0 {
			s = cutAfter(p, tgs[i-1], t)
		}
		if i+1 < len(tgs) {
			e = cutBefore(p, t, tgs[i+1])
		}
		seg := p.trim(span{s, e})
		if seg.s > t.s {
			seg.s = t.s
		}
		if seg.e < t.e {
			seg.e = t.e
		}
		pre := strings.TrimSpace(string(p.r[seg.s:t.s]))
		post := strings.TrimSpace(string(p.r[t.e:seg.e]))
		if i == 0 {
			lead = leadVerb(pre)
		}
		ctx := pre
		if i > 0 && leadVerb(pre) == "" {
			ctx = lead + pre
		}
		if t.mult >= 2 {
			out = append(out, multiple(p, seg, t, pre)...)
			continue
		}
		name, fromTitle := targetName(pre, post, lead, i > 0, title)
		g := gongfu.Target{
			Name:   name,
			Value:  t.value,
			Unit:   t.unit,
			Ratio:  t.ratio,
			Source: p.text(seg),
		}
		alt := fromTitle && len(out) > 0 && p.depth[t.ns] > 0 // 1.25公里（0.5公里）: the same measure, in brackets
		if fromTitle {
			ctx += " " + title // 目标5万人 under 城镇新增就业: the title sets the kind
		}
		g.Kind, g.Op, g.Value = kindOp(ctx, pre, post, t)
		if alt {
			g.Name, g.Kind = out[len(out)-1].Name, out[len(out)-1].Kind
		}
		out = append(out, g)
	}
	return out
}

// find returns the position of the first free occurrence of w in sp, or -1.
func (p *para) find(sp span, w string) int {
	for i := sp.s; i < sp.e; i++ {
		if p.free(i) && p.hasPrefixAt(i, w) {
			return i
		}
	}
	return -1
}

// listCut finds the separator that parts the items of quantities a and b:
// the first free 、 between them; else a 和 (及, 与): the one just before b
// when b opens its item (50家托育机构和1250个托位), the first after a when
// b's item names its thing first (特色精品村30个和市级样板村30个). It returns
// the separator's position, or -1.
func listCut(p *para, a, b numTok) int {
	for k := a.e; k < b.s; k++ {
		if p.r[k] == '、' && p.free(k) {
			return k
		}
	}
	last := p.separatorBetween(a.e, b.s)
	if last < 0 || last+len([]rune(p.prefixAt(last, len(p.r), separators))) == b.s {
		return last
	}
	for k := a.e; k < b.s; k++ {
		if p.isSeparatorAt(k) {
			return k
		}
	}
	return last
}

// cutAfter returns where the segment of b starts, after the separator that
// parts it from a or, failing one, right after a.
func cutAfter(p *para, a, b numTok) int {
	if k := listCut(p, a, b); k >= 0 {
		return k + len([]rune(p.prefixAt(k, len(p.r), separators)))
	}
	return a.e
}

// cutBefore returns where the segment of a ends, before b's separator.
func cutBefore(p *para, a, b numTok) int {
	if k := listCut(p, a, b); k >= 0 {
		return k
	}
	return a.e
}

// leadVerb returns the verb that opens pre once fillers are dropped (新建,
// 新增…), which later items of a list share.
func leadVerb(pre string) string {
	s := stripFillers(pre)
	if v := hasPrefixAny(s, cnVerbs); v != "" {
		return v
	}
	if v := hasPrefixAny(s, incVerbs); v != "" {
		return v
	}
	if strings.HasPrefix(s, "累计") {
		return "累计"
	}
	return ""
}

// stripFillers drops adverbs and framing words from the start of s.
func stripFillers(s string) string {
	for {
		s = strings.TrimLeft(s, " \t、，,")
		f := hasPrefixAny(s, fillers)
		if f == "" {
			return s
		}
		s = s[len(f):]
	}
}

// stripLevelEnds drops comparison words from the end of s (保持, 达到, 不低于).
func stripLevelEnds(s string) string {
	for {
		s = strings.TrimRight(s, " \t、，,")
		w := hasSuffixAny(s, levelEnds)
		if w == "" {
			w = hasSuffixAny(s, []string{"约", "大约", "均", "共", "累计", "全部", "基本", "各", "都", "目标", "目标值", "任务", "实现", "确保", "均达到", "全部达到",
				"提高", "下降", "降低", "增加", "减少", "提升", "增长", "缩小", "压减", "大体", "总体", "大致"})
		}
		if w == "" {
			return s
		}
		s = s[:len(s)-len(w)]
	}
}

// targetName makes a short name for a target from the words before and
// after its quantity: 新建40家乡镇示范型居家养老中心 → 新建乡镇示范型居家养老中心.
// When those words name nothing (目标5万人) the task's title stands in, and
// fromTitle says so.
func targetName(pre, post, lead string, inherit bool, title string) (name string, fromTitle bool) {
	if strings.HasSuffix(pre, "等") {
		pre = leadVerb(pre) // 加快永嘉职教中心等6所职校迁扩建 → 职校迁扩建
	}
	if k := strings.LastIndexAny(pre, "：:"); k >= 0 {
		pre = pre[k+len("："):]
	}
	pre = stripLevelEnds(stripFillers(pre))
	if hasSuffixAny(pre, separators.list) != "" {
		pre = "" // 市级中心和13个县级中心 → 县级中心
	}
	post = strings.TrimLeft(post, "的之")
	for _, w := range []string{"的基础上", "的目标", "的水平", "左右", "以上"} {
		post = strings.TrimSuffix(post, w)
	}
	if v := hasPrefixAny(pre, dropVerbs); v != "" && (len(pre) > len(v) || post != "") {
		pre = pre[len(v):]
	}
	if inherit && leadVerb(pre) == "" && lead != "" && lead != "累计" && !strings.HasPrefix(pre, lead) {
		pre = lead + pre
	}
	name = pre + post
	if !strings.ContainsFunc(name, func(r rune) bool { return isHan(r) || isASCIILetter(r) }) {
		return clip(strings.TrimSpace(title), 60), true
	}
	return clip(name, 60), false
}

// clip cuts s to at most n runes.
func clip(s string, n int) string {
	rs := []rune(s)
	if len(rs) <= n {
		return s
	}
	return string(rs[:n])
}

// kindOp decides a target's kind and operator, and the sign of a fall:
// ctx is the text that sets the kind (its verb), pre and post the words
// around the quantity.
func kindOp(ctx, pre, post string, t numTok) (gongfu.TargetKind, gongfu.Op, float64) {
	v := t.value
	op := gongfu.OpAtLeast
	switch {
	case t.post == "以下" || t.post == "及以下" || t.post == "以内" || t.post == "之内" || t.post == "内":
		op = gongfu.OpAtMost
	case len(hasSuffixAny(pre, atMostEnds)) > len(hasSuffixAny(pre, atLeastEnds)):
		op = gongfu.OpAtMost
	case hasSuffixAny(pre, aboutEnds) != "":
		op = gongfu.OpEqual
	}
	if t.post == "左右" || t.post == "上下" {
		op = gongfu.OpEqual
	}
	switch {
	case t.ratio != nil:
		return gongfu.KindRatio, gongfu.OpEqual, math.Round(v*1e4) / 1e4
	case t.unit == "百分点":
		tail := string(lastRunes(pre, 6))
		if containsAny(tail, fallWords) {
			v = -v
			if op == gongfu.OpAtLeast {
				op = gongfu.OpAtMost
			}
		}
		return gongfu.KindChange, op, v
	case t.unit == "%" || t.unit == "‰" || strings.Contains(t.unit, "/") || t.grade:
		return gongfu.KindLevel, op, v
	}
	if isPer(ctx) || strings.Contains(ctx, "累计") || t.unit == "岁" || t.unit == "周岁" {
		return gongfu.KindLevel, op, v
	}
	if op == gongfu.OpAtMost || hasSuffixAny(pre, levelEnds) != "" {
		if !containsAny(ctx, incVerbs) {
			return gongfu.KindLevel, op, v
		}
	}
	return gongfu.KindIncrement, op, v
}

// isPer reports whether s counts per head or per unit (每万人口, 每所, 人均)
// rather than per period (每年).
func isPer(s string) bool {
	for _, w := range perMarkers {
		i := strings.Index(s, w)
		if i < 0 {
			continue
		}
		if hasPrefixAny(s[i:], perExempt) == "" {
			return true
		}
	}
	return false
}

// lastRunes returns the last n runes of s.
func lastRunes(s string, n int) []rune {
	rs := []rune(s)
	if len(rs) > n {
		rs = rs[len(rs)-n:]
	}
	return rs
}

// multiple spreads 两个100% over the subjects before it: 落实率和参保率实现
// 两个100% gives 落实率 100% and 参保率 100%.
func multiple(p *para, seg span, t numTok, pre string) []gongfu.Target {
	subj := stripLevelEnds(stripFillers(pre))
	names := splitItems(subj)
	if len(names) != t.mult {
		names = nil
		for i := 1; i <= t.mult; i++ {
			names = append(names, clip(subj, 50)+"（"+string(rune('0'+i%10))+"）")
		}
	}
	var out []gongfu.Target
	for _, n := range names {
		g := gongfu.Target{Name: clip(n, 60), Value: t.value, Unit: t.unit, Source: p.text(seg)}
		g.Kind, g.Op, g.Value = kindOp(pre, pre, "", t)
		out = append(out, g)
	}
	return out
}

// splitItems cuts a list of names at 、和及与, outside brackets and quotes.
func splitItems(s string) []string {
	p := newPara(s)
	var out []string
	start := 0
	for i := 0; i < len(p.r); i++ {
		if w := p.prefixAt(i, len(p.r), separators); w != "" && p.free(i) && w != "并" {
			if item := strings.TrimSpace(string(p.r[start:i])); item != "" {
				out = append(out, item)
			}
			i += len([]rune(w)) - 1
			start = i + 1
		}
	}
	if item := strings.TrimSpace(string(p.r[start:])); item != "" {
		out = append(out, item)
	}
	return out
}

// respectively spreads a 分别 list over its subjects: 学前教育、义务教育、高中
// 教育入学率分别不低于90%、96%、85% gives three targets, each named for its
// subject and sourced from the whole clause.
func respectively(p *para, sp span, f int, tgs []numTok, title, prev string) []gongfu.Target {
	subj := stripFillers(strings.TrimSpace(string(p.r[sp.s:f])))
	items := splitItems(subj)
	names := spreadNames(items, len(tgs))
	if len(items) <= 1 && prev != "" {
		// The subjects are listed in the clause before: 开展A和B，覆盖率分别…
		s := stripFillers(prev)
		if v := leadVerb(s); v != "" && v != "累计" {
			s = strings.TrimPrefix(s, v)
		}
		if ctx := splitItems(s); len(ctx) == len(tgs) {
			for i := range names {
				names[i] = ctx[i] + subj
			}
		}
	}
	between := strings.TrimSpace(string(p.r[f+2 : tgs[0].s]))
	var out []gongfu.Target
	for i, t := range tgs {
		name := names[i]
		if name == "" {
			name = title
		}
		g := gongfu.Target{Name: clip(name, 60), Value: t.value, Unit: t.unit, Ratio: t.ratio, Source: p.text(sp)}
		g.Kind, g.Op, g.Value = kindOp(subj+between, between, "", t)
		out = append(out, g)
	}
	return out
}

// indicatorHeads end names that are whole indicators (年结案率, 调解率).
var indicatorHeads = []string{"率", "比", "比例", "数", "量", "面积", "人数", "覆盖面", "占比", "指数", "水平", "时间", "天数", "金额"}

// spreadNames names n targets from the items of a 分别 list. Items written
// short share the head of the last and the qualifier of the first:
// 持证残疾儿童学前教育、义务教育、高中教育入学率 → 持证残疾儿童学前教育入学率…;
// 市、县级设备配置 → 市级设备配置, 县级设备配置.
func spreadNames(items []string, n int) []string {
	names := make([]string, n)
	if len(items) != n || n == 0 {
		joined := strings.Join(items, "、")
		for i := range names {
			names[i] = joined
		}
		return names
	}
	rs := make([][]rune, n)
	for i, it := range items {
		rs[i] = []rune(it)
	}
	complete := true
	for _, it := range items[:n-1] {
		if hasSuffixAny(it, indicatorHeads) == "" {
			complete = false
		}
	}
	if complete {
		copy(names, items)
		return names
	}
	// The bare length of an item: a middle one, or a short first one.
	bare := -1
	if n >= 3 {
		bare = len(rs[n/2])
	} else if len(rs[0]) <= 2 {
		bare = len(rs[0])
	}
	last := rs[n-1]
	if bare <= 0 || bare >= len(last) {
		copy(names, items)
		return names
	}
	suffix := string(last[bare:])
	prefix := ""
	if len(rs[0]) > bare {
		prefix = string(rs[0][:len(rs[0])-bare])
	}
	for i := range items {
		core := rs[i]
		if i == 0 {
			core = core[len(core)-min(bare, len(core)):]
		}
		if i == n-1 {
			core = core[:bare]
		}
		names[i] = prefix + string(core) + suffix
	}
	return names
}
