package extract

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"gongfu"
)

// This file assembles the plan: it builds the outline tree, decides which
// level of headings holds the tasks and which the domains, and turns each
// task's text into targets and milestones.

// node is a heading of the outline with what it holds.
type node struct {
	rank, no int
	line     string // the line as written
	head     string // the heading's text after its number
	body     []string
	units    [][]string // 责任单位 lines under it, in order
	children []*node
	parent   *node
	row      *tableRow

	work      bool // it carries work: a row, text under it, or a sentence as heading
	workBelow bool // a node under it carries work
}

// tableRow is a row of a table of targets or projects (目标责任制,
// 民生实事): the cells that name, quantify and assign it. schedule holds
// the dated steps of a 实施计划 column, read as milestones only.
type tableRow struct {
	no       int
	name     string
	content  string
	schedule string
	units    []string
	due      string
}

// columns says which cells of a table hold what, read from its header row.
// units lists every column of units: 牵头单位 then 配合单位.
type columns struct {
	no, name, content, measure, due, schedule int
	units                                     []int
}

// readColumns reads a header row; ok is false when cells are no header.
func readColumns(cells []string) (columns, bool) {
	c := columns{no: -1, name: -1, content: -1, measure: -1, due: -1, schedule: -1}
	for i, cell := range cells {
		cell = strings.ReplaceAll(cell, " ", "")
		switch {
		case cell == "序号" || cell == "编号" || cell == "序":
			c.no = i
		case hasPrefixAny(cell, unitLabels.list) != "" || strings.Contains(cell, "牵头") || strings.Contains(cell, "责任部门"):
			c.units = append(c.units, i)
		case cell == "单位" || cell == "计量单位":
			c.measure = i
		case strings.Contains(cell, "时限") || strings.Contains(cell, "完成时间"):
			c.due = i
		case containsAny(cell, []string{"举措", "实施计划", "进度", "时间节点", "推进计划", "计划安排", "节点安排"}):
			c.schedule = i
		case c.content < 0 && (strings.Contains(cell, "目标") || strings.Contains(cell, "内容") || strings.Contains(cell, "指标值") || strings.Contains(cell, "任务") && c.name >= 0):
			c.content = i
		case c.name < 0 && (strings.Contains(cell, "指标") || strings.Contains(cell, "项目") || strings.Contains(cell, "名称") || strings.Contains(cell, "事项") || strings.Contains(cell, "任务")):
			c.name = i
		}
	}
	ok := len(c.units) > 0 && (c.name >= 0 || c.content >= 0)
	return c, ok
}

// rowOf reads a data row with the columns of its table.
func rowOf(c columns, cells []string, seq int) *tableRow {
	cell := func(i int) string {
		if i >= 0 && i < len(cells) {
			return strings.TrimSpace(cells[i])
		}
		return ""
	}
	r := &tableRow{no: seq, name: strings.TrimRight(cell(c.name), "。；;，,"), content: cell(c.content), schedule: cell(c.schedule), due: cell(c.due)}
	if n, err := strconv.Atoi(normDigits(strings.TrimRight(cell(c.no), ".、"))); err == nil && n > 0 {
		r.no = n
	}
	if m := cell(c.measure); m != "" && r.content != "" && !strings.HasSuffix(r.content, m) {
		r.content += m
	}
	if r.name == "" {
		r.name = r.content
	}
	for _, i := range c.units {
		if u := cell(i); u != "" {
			r.units = append(r.units, splitUnits(stripUnitLabels(u))...)
		}
	}
	r.units = dedupe(r.units)
	if r.name == "" && r.content == "" {
		return nil
	}
	return r
}

// buildTree builds the outline from the body lines.
func buildTree(lines []docLine) *node {
	root := &node{rank: -1}
	stack := []*node{root}
	top := func() *node { return stack[len(stack)-1] }
	push := func(n *node) {
		for len(stack) > 1 && top().rank >= n.rank {
			stack = stack[:len(stack)-1]
		}
		n.parent = top()
		top().children = append(top().children, n)
		stack = append(stack, n)
	}
	var cols *columns
	seq := 0
	for _, l := range lines {
		switch {
		case l.cells != nil:
			if c, ok := readColumns(l.cells); ok {
				cols = &c
				continue
			}
			if cols == nil {
				top().body = append(top().body, strings.Join(nonEmpty(l.cells), "，"))
				continue
			}
			seq++
			if r := rowOf(*cols, l.cells, seq); r != nil {
				push(&node{rank: rankRow, no: r.no, line: l.text, head: r.name, row: r})
			}
		case l.units != nil:
			top().units = append(top().units, l.units)
		case l.rank >= 0:
			// A heading inside a table (一、经济发展类) groups the rows
			// that follow; the columns stay.
			push(&node{rank: l.rank, no: l.no, line: l.text, head: l.head})
		default:
			top().body = append(top().body, l.text)
		}
	}
	return root
}

// nonEmpty returns the non-empty strings of ss.
func nonEmpty(ss []string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// headHasContent reports whether a heading carries sentences of its own
// ("1.加快学前教育发展。新建…") rather than only a title.
func headHasContent(head string) bool {
	_, rest := splitTitle(head)
	if len([]rune(strings.TrimSpace(rest))) >= 2 || strings.HasSuffix(head, "。") {
		return true
	}
	p := newPara(head)
	for _, t := range p.scan(span{0, len(p.r)}) {
		if t.cls == clsTarget {
			return true
		}
	}
	return false
}

// contentBearing reports whether n holds work: a row, text under it or a
// heading that is a sentence.
func contentBearing(n *node) bool {
	return n.row != nil || len(n.body) > 0 || headHasContent(n.head)
}

// subtreeHasTargets reports whether any text under n holds a target.
func subtreeHasTargets(n *node) bool {
	texts := append([]string{n.head}, n.body...)
	if n.row != nil {
		texts = append(texts, n.row.content)
	}
	for _, t := range texts {
		p := newPara(t)
		for _, tok := range p.scan(span{0, len(p.r)}) {
			if tok.cls == clsTarget {
				return true
			}
		}
	}
	for _, c := range n.children {
		if subtreeHasTargets(c) {
			return true
		}
	}
	return false
}

// markWork records, bottom-up, which nodes carry work and which have work
// below them.
func markWork(n *node) {
	for _, c := range n.children {
		markWork(c)
		if c.work || c.workBelow {
			n.workBelow = true
		}
	}
	n.work = n.rank >= 0 && contentBearing(n)
}

// looksLikeTask reports whether n reads as a task: it carries work, and
// either says it in its heading line ("1.加快…。新建…") or has no numbered
// work below it (a heading with its paragraph). A title-only heading over
// numbered items is a domain, whatever paragraph introduces it.
func looksLikeTask(n *node) bool {
	return n.work && (headHasContent(n.head) || !n.workBelow)
}

// taskRank picks the heading rank that holds the tasks: the rank of most of
// the outermost nodes that look like tasks outside framing parts, the
// deeper on a tie. Table rows are tasks wherever they stand and do not
// compete.
func taskRank(root *node) (int, bool) {
	markWork(root)
	count := map[int]int{}
	var walk func(n *node)
	walk = func(n *node) {
		for _, c := range n.children {
			if isFraming(c.head) && !subtreeHasTargets(c) {
				continue
			}
			if looksLikeTask(c) {
				count[c.rank]++
				continue
			}
			walk(c)
		}
	}
	walk(root)
	best, bestN := -1, 0
	for r := rankPart; r < rankRow; r++ {
		if count[r] > 0 && count[r] >= bestN {
			best, bestN = r, count[r]
		}
	}
	if best < 0 && count[rankRow] > 0 {
		best = rankRow
	}
	return best, best >= 0
}

// fullText returns the text of a task node and everything under it: its
// heading after the number, its lines, and its sub-items as written.
func fullText(n *node) string {
	var b strings.Builder
	b.WriteString(n.head)
	appendLines(&b, n.body)
	for _, c := range n.children {
		writeSubtree(&b, c)
	}
	return b.String()
}

// writeSubtree writes a sub-item of a task as written, with its lines and
// its own sub-items.
func writeSubtree(b *strings.Builder, n *node) {
	b.WriteString("\n")
	b.WriteString(n.line)
	appendLines(b, n.body)
	for _, c := range n.children {
		writeSubtree(b, c)
	}
}

// appendLines adds lines to b, joining a line wrapped mid-sentence (a long
// line that ends without punctuation) to the next.
func appendLines(b *strings.Builder, lines []string) {
	cur := b.String()
	if k := strings.LastIndex(cur, "\n"); k >= 0 {
		cur = cur[k+1:] // only the last line matters
	}
	for _, l := range lines {
		wrapped := false
		if cur != "" {
			last, _ := utf8.DecodeLastRuneInString(cur)
			wrapped = !strings.ContainsRune("。；！？：:;!?）)”\"」】", last) && utf8.RuneCountInString(cur) >= 20
		}
		if wrapped {
			cur += l
		} else {
			if b.Len() > 0 {
				b.WriteString("\n")
			}
			cur = l
		}
		b.WriteString(l)
	}
}

// unitsUnder collects the 责任单位 lines of n's subtree.
func unitsUnder(n *node) [][]string {
	out := append([][]string{}, n.units...)
	for _, c := range n.children {
		out = append(out, unitsUnder(c)...)
	}
	return out
}

// extraction is the state of one run of the extractor.
type extraction struct {
	year     int
	warnings []string
	unparsed []string
	seen     map[string]bool
}

// warn records a diagnostic, a detail from the catalogue as
// gongfu.Detailf makes it: "中文 (English)".
func (x *extraction) warn(detail string) {
	x.warnings = append(x.warnings, detail)
}

// leftover records a sentence whose number was not placed.
func (x *extraction) leftover(s string) {
	s = clip(strings.TrimSpace(s), gongfu.MaxTextLen)
	if s != "" && !x.seen[s] {
		x.seen[s] = true
		x.unparsed = append(x.unparsed, s)
	}
}

// scanLeftovers reports the clauses of text outside any task that hold a
// number other than a name, a date or a scope.
func (x *extraction) scanLeftovers(text string) {
	p := newPara(text)
	for _, sent := range p.sentences(span{0, len(p.r)}) {
		for _, c := range p.clauses(sent) {
			for _, t := range p.scan(c) {
				if t.cls == clsTarget || t.cls == clsUnknown {
					x.leftover(p.text(c))
					break
				}
			}
		}
	}
}

// domainOf pairs a domain under construction with the node it comes from.
type domainOf struct {
	n     *node // nil for a domain made up for tasks without one
	tasks []*node
}

// assemble turns the outline into domains.
func (x *extraction) assemble(root *node) []gongfu.Domain {
	rank, ok := taskRank(root)
	if !ok {
		return nil
	}
	var doms []*domainOf
	var walk func(n *node, inFrame bool)
	walk = func(n *node, inFrame bool) {
		for _, c := range n.children {
			f := inFrame || (isFraming(c.head) && !subtreeHasTargets(c))
			if f {
				x.scanNodeLeftovers(c)
				continue
			}
			if (c.rank == rank || c.row != nil) && (c.work || c.workBelow) {
				var d *domainOf
				parent := c.parent
				if parent.rank < 0 {
					parent = nil
				}
				if len(doms) > 0 && doms[len(doms)-1].n == parent {
					d = doms[len(doms)-1]
				} else {
					d = &domainOf{n: parent}
					doms = append(doms, d)
				}
				d.tasks = append(d.tasks, c)
				continue
			}
			if c.rank >= rank {
				x.scanNodeLeftovers(c)
				continue
			}
			x.scanLeftovers(c.head) // a domain's heading: 实施10项工程 would be lost
			x.scanLeftovers(strings.Join(c.body, "\n"))
			walk(c, f)
		}
	}
	x.scanLeftovers(strings.Join(root.body, "\n"))
	walk(root, false)

	var out []gongfu.Domain
	for _, d := range doms {
		out = append(out, x.domain(d))
	}
	return out
}

// scanNodeLeftovers reports the numbers of a whole subtree that is not work.
func (x *extraction) scanNodeLeftovers(n *node) {
	x.scanLeftovers(n.head)
	x.scanLeftovers(strings.Join(n.body, "\n"))
	if n.row != nil {
		x.scanLeftovers(n.row.content)
	}
	for _, c := range n.children {
		x.scanNodeLeftovers(c)
	}
}

// domain builds a domain and its tasks.
func (x *extraction) domain(d *domainOf) gongfu.Domain {
	dom := gongfu.Domain{No: 1, Units: []string{}}
	var lines [][]string
	if d.n != nil {
		dom.No = d.n.no
		title, units := d.n.head, []string(nil)
		if us, rest := taskUnits(title); len(us) > 0 {
			title, units = rest, us
		}
		dom.Title = clip(strings.TrimRight(strings.TrimSpace(title), "。：:；"), gongfu.MaxTextLen)
		dom.Units = append(dom.Units, units...)
		lines = d.n.units
	}
	// Units lines under one node form one group (牵头单位 then 配合单位).
	// A single group in the whole domain names the domain's units, wherever
	// it stands; groups after several tasks name each its task's.
	var perTask [][]string
	groups := 0
	if len(lines) > 0 {
		groups++
	}
	for _, l := range lines {
		dom.Units = append(dom.Units, l...)
	}
	for _, t := range d.tasks {
		var us []string
		for _, l := range unitsUnder(t) {
			us = append(us, l...)
		}
		if len(us) > 0 {
			groups++
		}
		perTask = append(perTask, us)
	}
	for i, t := range d.tasks {
		task := x.task(t)
		if groups == 1 {
			dom.Units = append(dom.Units, perTask[i]...)
		} else {
			task.Units = append(task.Units, perTask[i]...)
		}
		task.Units = dedupe(task.Units)
		dom.Tasks = append(dom.Tasks, task)
	}
	dom.Units = dedupe(dom.Units)
	return dom
}

// task builds one task from its node.
func (x *extraction) task(n *node) gongfu.Task {
	if n.row != nil {
		return x.rowTask(n.row)
	}
	text := fullText(n)
	task := gongfu.Task{No: n.no, Units: []string{}, Text: text, Targets: []gongfu.Target{}, Milestones: []gongfu.Milestone{}}
	units, clean := taskUnits(stripMarkers(text))
	task.Units = append(task.Units, units...)
	title, _ := splitTitle(clean)
	task.Title = clip(strings.TrimSpace(title), gongfu.MaxTextLen)
	x.fill(&task, clean, task.Title, "")
	if task.Title == "" {
		task.Title = untitled(clean)
	}
	return task
}

// stripMarkers drops the numbers of sub-items ((1), ①, 1.) from the lines
// of a task's text, so that they are read neither as quantities nor as
// parts of names.
func stripMarkers(text string) string {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		if i == 0 {
			continue
		}
		if _, _, head, ok := parseHeading(strings.TrimSpace(l)); ok {
			lines[i] = head
		}
	}
	return strings.Join(lines, "\n")
}

// rowTask builds a task from a table row: its name is the title, its
// content cell holds the targets.
func (x *extraction) rowTask(r *tableRow) gongfu.Task {
	text := r.name
	if r.content != "" && r.content != r.name {
		text += "：" + r.content
	}
	task := gongfu.Task{No: r.no, Title: clip(r.name, gongfu.MaxTextLen), Units: append([]string{}, r.units...), Text: text,
		Targets: []gongfu.Target{}, Milestones: []gongfu.Milestone{}}
	units, clean := taskUnits(text)
	task.Units = dedupe(append(task.Units, units...))
	x.fill(&task, clean, task.Title, r.due)
	if r.schedule != "" {
		task.Text += "\n" + r.schedule
		x.schedule(&task, stripMarkers("\n"+r.schedule), r.due)
	}
	if strings.TrimSpace(task.Title) == "" {
		task.Title = untitled(clean)
	}
	return task
}

// schedule reads the steps of a schedule cell (4月底前主体完工；8月底前竣工
// 交付) as milestones, each with its deadline; their numbers are stages of
// the row's targets, not targets of their own.
func (x *extraction) schedule(task *gongfu.Task, text, due string) {
	p := newPara(text)
	for _, sent := range p.sentences(span{0, len(p.r)}) {
		step := p.text(sent)
		if _, _, head, ok := parseHeading(step); ok {
			step = head // 1.4月底前主体完工 → 4月底前主体完工
		}
		x.addMilestone(task, step, due)
	}
}

// untitled makes a title for a task whose text opens with a stop: its
// first words.
func untitled(text string) string {
	t := strings.TrimSpace(strings.Trim(strings.TrimSpace(text), "。；;：:，,"))
	if t == "" {
		return "（无标题）"
	}
	return clip(t, 30)
}

// titleCut returns where the title of a task's text ends: its first full
// stop, colon, semicolon or line end outside quotations and brackets, or the
// end of the text.
func titleCut(p *para) int {
	for i, r := range p.r {
		if !p.free(i) {
			continue
		}
		if r == '。' || r == '；' || r == ';' || r == '\n' || r == '！' || r == '？' ||
			(r == '：' || r == ':') && !(i > 0 && i+1 < len(p.r) && isDigit(p.r[i-1]) && isDigit(p.r[i+1])) {
			return i
		}
	}
	return len(p.r)
}

// splitTitle cuts a task's text into its title and the rest.
func splitTitle(text string) (title, rest string) {
	p := newPara(text)
	k := titleCut(p)
	title = strings.TrimRight(strings.TrimSpace(string(p.r[:k])), "。；;，,")
	if k < len(p.r) {
		rest = string(p.r[k+1:])
	}
	return title, rest
}

// clauseInfo is a clause with its quantities.
type clauseInfo struct {
	sp      span
	toks    []numTok
	numeric bool // holds a target or a number not understood
}

// continuations open a clause that belongs to the one before (特别是…).
var continuations = []string{"特别是", "尤其是", "包括", "即", "并", "以及", "进而", "从而"}

// prefixOpeners open a clause that only sets the scene for the next one.
var prefixOpeners = []string{"围绕", "依托", "利用", "通过", "按照", "根据", "结合", "借助", "对照", "聚焦", "针对", "立足", "对标", "坚持以", "借力"}

// isLeadIn reports whether a clause only announces a list (具体包括, 主要任务如下).
func isLeadIn(s string) bool {
	s = strings.TrimSpace(s)
	for _, w := range []string{"具体包括", "主要包括", "包括", "具体如下", "主要有", "具体为", "重点是", "主要任务如下", "具体任务如下", "如下", "具体是"} {
		if s == w {
			return true
		}
	}
	return false
}

// isPrefixClause reports whether a clause only sets the scene for the next
// (以…为契机, 在…基础上, 利用…).
func isPrefixClause(s string) bool {
	if hasPrefixAny(s, prefixOpeners) != "" {
		return true
	}
	if strings.HasPrefix(s, "以") && containsAny(s, []string{"为基础", "为契机", "为抓手", "为载体", "为引领", "为核心", "为重点", "为导向", "为主线", "为目标", "为支撑", "为依托", "为中心", "为突破口", "为牵引", "为平台"}) {
		return true
	}
	return strings.HasPrefix(s, "在") && containsAny(s, []string{"基础上", "前提下", "过程中", "框架下"})
}

// fill reads the targets and milestones of a task's text (units already
// cut out). due is a deadline given apart from the text (a table's 时限
// cell).
func (x *extraction) fill(task *gongfu.Task, text, title, due string) {
	p := newPara(text)
	titleSpan := span{0, titleCut(p)}
	// The title sentence gives targets; its other clauses are milestones
	// only when it is a sentence of work (a 民生实事 item) rather than a
	// heading: when it gives a target too, or when it is all the task says.
	rest := span{min(titleSpan.e+1, len(p.r)), len(p.r)}
	alone := len(p.sentences(rest)) == 0
	x.sentence(task, p, p.trim(titleSpan), title, due, !alone)
	for _, sent := range p.sentences(rest) {
		x.sentence(task, p, sent, title, due, false)
	}
	if len(task.Targets) == 0 && len(task.Milestones) == 0 && strings.TrimSpace(title) != "" && headHasWork(title) {
		x.addMilestone(task, title, due)
	}
}

// sentence reads the clauses of one sentence into task. In the title
// sentence of a task that says more (isTitle) clauses become milestones only
// if the sentence holds a target: else it is a heading, not a commitment.
func (x *extraction) sentence(task *gongfu.Task, p *para, sent span, title, due string, isTitle bool) {
	var infos []clauseInfo
	for _, c := range p.clauses(sent) {
		ci := clauseInfo{sp: c, toks: p.scan(c)}
		for _, t := range ci.toks {
			if t.cls == clsTarget || t.cls == clsUnknown {
				ci.numeric = true
			}
		}
		infos = append(infos, ci)
	}
	prev := ""
	var plain []string
	found := false
	for _, ci := range mergeClauses(p, infos) {
		gs := clauseTargets(p, ci.sp, ci.toks, title, prev)
		prev = p.text(ci.sp)
		for _, g := range gs {
			x.addTarget(task, g)
			found = true
		}
		unknown := x.unknowns(p, ci.sp, ci.toks)
		if len(gs) == 0 && !unknown {
			plain = append(plain, p.text(ci.sp))
		}
	}
	if isTitle && !found {
		return
	}
	for _, m := range plain {
		x.addMilestone(task, m, due)
	}
}

// headHasWork reports whether a title says something to do (so a 民生实事
// item without a number becomes a milestone).
func headHasWork(title string) bool {
	return len([]rune(title)) >= 4 && (containsAny(title, incVerbs) || containsAny(title, []string{"制定", "出台", "推进", "实现", "完善", "健全", "开展", "建成"}))
}

// unknowns records the clause when it holds a number not understood.
func (x *extraction) unknowns(p *para, sp span, toks []numTok) bool {
	for _, t := range toks {
		if t.cls == clsUnknown {
			x.leftover(p.text(sp))
			return true
		}
	}
	return false
}

// mergeClauses joins clauses that do not stand alone: a short tail (统一
// 标准), a continuation (特别是…), one that opens with a quoted name and so
// lacks its verb (…整治，“线上净网”试点工程和…工作), or an opener that only
// sets the scene (以…为基础，形成…). Clauses with numbers are never merged.
func mergeClauses(p *para, in []clauseInfo) []clauseInfo {
	var out []clauseInfo
	scene := -1 // where a scene-setting opener merged into this clause starts
	for i := 0; i < len(in); i++ {
		c := in[i]
		if scene >= 0 {
			c.sp.s, scene = scene, -1
			out = append(out, c)
			continue
		}
		text := p.text(c.sp)
		if !c.numeric && len(out) > 0 && !out[len(out)-1].numeric &&
			(hasPrefixAny(text, continuations) != "" || len([]rune(text)) <= 4 || strings.HasPrefix(text, "“")) {
			out[len(out)-1].sp.e = c.sp.e
			continue
		}
		if !c.numeric && isLeadIn(text) {
			continue // 具体包括： announces the items that follow
		}
		if !c.numeric && isPrefixClause(text) && i+1 < len(in) {
			next := in[i+1]
			if next.numeric {
				continue // the scene of a target: its source says enough
			}
			scene = c.sp.s
			continue
		}
		out = append(out, c)
	}
	return out
}

// addTarget appends g to task; ids are given once tasks are numbered.
func (x *extraction) addTarget(task *gongfu.Task, g gongfu.Target) {
	g.Name = clip(g.Name, gongfu.MaxTextLen)
	g.Source = clip(g.Source, gongfu.MaxTextLen)
	task.Targets = append(task.Targets, g)
}

// addMilestone appends a milestone with text to task, reading its deadline.
func (x *extraction) addMilestone(task *gongfu.Task, text, due string) {
	text = strings.TrimSpace(text)
	if len([]rune(text)) < 2 {
		return
	}
	m := gongfu.Milestone{Text: clip(text, gongfu.MaxTextLen)}
	m.Due = parseDue(text, x.year)
	if m.Due == "" && due != "" {
		m.Due = parseDue(due, x.year)
	}
	task.Milestones = append(task.Milestones, m)
}
