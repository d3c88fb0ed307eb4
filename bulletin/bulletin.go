// Package bulletin writes the monthly bulletin (月度通报) on a plan's progress
// as a supervision office (督查室, 发改委社会处) issues one: the overall
// progress against time progress, the items completed, the items lagging
// (red before yellow, grouped by the unit answering for them) and the units
// that did not report on time.
//
// Build turns an evaluation (eval.Assessment) into a document model, a
// Bulletin of sections, headings, paragraphs and tables; WriteXLSX and
// WriteDOCX write that model as a spreadsheet and as a Word document, and
// the web server renders it as a print-ready page. One model, three forms:
// what a leader reads on paper is what the office downloaded.
//
// The package is pure: no database, no HTTP, no clock. The caller gathers
// the assessment, the lead units and the missing reports and passes them in.
package bulletin

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"gongfu"
	"gongfu/eval"
)

// Input is everything a bulletin is written from.
type Input struct {
	Plan *gongfu.Plan
	// Period is the period reported on (a month, or a quarter for a plan
	// reported quarterly).
	Period gongfu.Period
	// Assessment is the evaluation at the close of the period's reporting
	// deadline.
	Assessment *eval.Assessment
	// Units maps an item id to its lead unit's name; city-wide lagging
	// items are grouped by it.
	Units map[string]string
	// Missing lists the units that did not report for the period.
	Missing []Unmet
	// Issuer is the office issuing the bulletin (落款).
	Issuer string
	// Date is the bulletin's date.
	Date time.Time
	// AsOf is the date the figures are taken at (the reporting deadline);
	// the zero time leaves it out of the opening paragraph.
	AsOf time.Time
}

// Unmet is a unit that has not reported all it owes for the period, with
// the ids of the items it still owes.
type Unmet struct {
	Org   string
	Items []string
}

// Bulletin is the document: a title, an opening paragraph, four sections
// and the issuer with the date.
type Bulletin struct {
	// Title is "《plan》实施情况月度通报（2020年5月）" (季度通报 for a quarter).
	Title string
	// PlanTitle and PeriodLabel are the parts of the title ("2020年5月").
	PlanTitle   string
	PeriodLabel string
	// Intro is the opening paragraph.
	Intro    string
	Sections []Section
	Issuer   string
	// Date is written as 2020年6月5日.
	Date string
}

// Section is a numbered part of the bulletin (一、总体进展).
type Section struct {
	No   int
	Name string
	// Heading is the number and the name: "一、总体进展".
	Heading string
	Blocks  []Block
	// Long marks a section long enough that a printed copy should start it
	// on a new page.
	Long bool
}

// Block is one part of a section: a subheading, a paragraph or a table.
// Exactly one of Heading, Text and Table is set.
type Block struct {
	// Level is the subheading's level: 2 for （一）, 3 for 1.
	Level   int
	Heading string
	Text    string
	Table   *Table
}

// Table is a table with a header row. When a section splits one list into
// several tables (lagging items by light and by unit), Group names the
// table's place in it, with GroupHeader naming those leading columns, so a
// spreadsheet can write the tables as one list that filters and sorts.
type Table struct {
	Header []string
	Rows   [][]string
	// Numeric marks the columns to right-align; nil for none.
	Numeric     []bool
	Group       []string
	GroupHeader []string
}

// None is what an empty section or subsection says.
const None = "无。"

// Section names, in order.
const (
	nameOverall   = "总体进展"
	nameDone      = "已完成事项"
	nameLagging   = "滞后事项"
	nameUnreports = "未按时报送单位"
)

// longRows is how many table rows make a section long (see Section.Long).
const longRows = 15

// noUnit stands for a city-wide item without a known lead unit.
const noUnit = "未明确牵头单位"

// Build writes the bulletin for in. A nil assessment or plan yields a
// bulletin whose sections all say 无.
func Build(in Input) *Bulletin {
	a := in.Assessment
	if a == nil {
		a = &eval.Assessment{}
	}
	planTitle := a.Plan.Title
	if in.Plan != nil {
		planTitle = in.Plan.Title
	}
	b := &Bulletin{
		PlanTitle:   planTitle,
		PeriodLabel: PeriodLabel(in.Period),
		Issuer:      in.Issuer,
	}
	kind := "月度通报"
	if in.Period.Freq == gongfu.Quarterly {
		kind = "季度通报" // a plan reported quarterly is reported on by quarter
	}
	b.Title = fmt.Sprintf("《%s》实施情况%s（%s）", strings.Trim(planTitle, "《》"), kind, b.PeriodLabel)
	if !in.Date.IsZero() {
		b.Date = DateLabel(in.Date)
	}
	b.Intro = fmt.Sprintf("根据各地各部门报送情况，现将截至%s《%s》实施情况通报如下。", periodEnd(in.Period), strings.Trim(planTitle, "《》"))
	if !in.AsOf.IsZero() {
		b.Intro = fmt.Sprintf("根据各地各部门截至%s（报送截止日）报送的情况，现将截至%s《%s》实施情况通报如下。",
			DateLabel(in.AsOf), periodEnd(in.Period), strings.Trim(planTitle, "《》"))
	}
	city := a.RowsOf("")
	b.Sections = []Section{
		overall(in, a, city),
		done(in, city),
		lagging(in, a),
		unreported(in),
	}
	for i := range b.Sections {
		s := &b.Sections[i]
		s.No = i + 1
		s.Heading = Numeral(s.No) + "、" + s.Name
		rows := 0
		for _, bl := range s.Blocks {
			if bl.Table != nil {
				rows += len(bl.Table.Rows)
			}
		}
		s.Long = rows > longRows
	}
	return b
}

// overall is 一、总体进展: plan completion against time progress, the count
// of each light and a table by domain.
func overall(in Input, a *eval.Assessment, city []eval.Row) Section {
	s := Section{Name: nameOverall}
	var targets, milestones int
	for _, r := range city {
		if r.Kind == "milestone" {
			milestones++
		} else {
			targets++
		}
	}
	tp := 100 * in.Period.TimeShare()
	if in.Period.Year == 0 {
		tp = a.Plan.TimeProgress
	}
	p1 := fmt.Sprintf("截至%s，计划共有量化指标%d项、工作节点%d项，序时进度为%s。", periodEnd(in.Period), targets, milestones, Percent(tp))
	if c := a.Plan.Completion; c != nil {
		gap := math.Round((*c-tp)*10) / 10
		switch {
		case gap > 0:
			p1 += fmt.Sprintf("全市量化指标平均完成率%s，快于序时进度%s个百分点。", Percent(*c), oneDecimal(gap))
		case gap < 0:
			p1 += fmt.Sprintf("全市量化指标平均完成率%s，慢于序时进度%s个百分点。", Percent(*c), oneDecimal(-gap))
		default:
			p1 += fmt.Sprintf("全市量化指标平均完成率%s，与序时进度持平。", Percent(*c))
		}
	} else {
		p1 += "全市量化指标暂无可计算的完成率。"
	}
	s.Blocks = append(s.Blocks, Block{Text: p1})

	n := countLights(city)
	p2 := fmt.Sprintf("从亮灯情况看，已完成%d项，绿灯%d项，黄灯%d项，红灯%d项，未报%d项", n[eval.LightDone], n[eval.LightGreen], n[eval.LightYellow], n[eval.LightRed], n[eval.LightGrey])
	if k := n[eval.LightNone]; k > 0 {
		p2 += fmt.Sprintf("，暂无结论%d项", k)
	}
	p2 += "。"
	risk := 0
	for _, r := range city {
		if r.AtRisk && (r.Light == eval.LightGreen || r.Light == eval.LightYellow) {
			risk++
		}
	}
	if risk > 0 {
		p2 += fmt.Sprintf("另有%d项按当前进度测算预计年底难以完成，需提前谋划。", risk)
	}
	s.Blocks = append(s.Blocks, Block{Text: p2})

	if len(a.Domains) == 0 {
		return s
	}
	t := &Table{
		Header:  []string{"序号", "领域", "完成率", "总体亮灯", "已完成", "绿灯", "黄灯", "红灯", "未报"},
		Numeric: []bool{false, false, true, false, true, true, true, true, true},
	}
	for _, d := range a.Domains {
		dn := countLights(rowsOfDomain(city, d.No))
		t.Rows = append(t.Rows, []string{
			strconv.Itoa(d.No), d.Title, percentPtr(d.Completion), d.Light.Chinese(),
			strconv.Itoa(dn[eval.LightDone]), strconv.Itoa(dn[eval.LightGreen]), strconv.Itoa(dn[eval.LightYellow]),
			strconv.Itoa(dn[eval.LightRed]), strconv.Itoa(dn[eval.LightGrey]),
		})
	}
	s.Blocks = append(s.Blocks, Block{Text: "各领域进展情况如下表。"}, Block{Table: t})
	return s
}

// done is 二、已完成事项: the city-wide items that reached their goal.
func done(in Input, city []eval.Row) Section {
	s := Section{Name: nameDone}
	t := &Table{
		Header:  []string{"序号", "编号", "事项", "目标", "完成值", "完成率", "牵头单位"},
		Numeric: []bool{false, false, false, false, true, true, false},
	}
	for _, r := range city {
		if r.Light != eval.LightDone {
			continue
		}
		t.Rows = append(t.Rows, []string{
			strconv.Itoa(len(t.Rows) + 1), r.ID, r.Name, goal(in.Plan, r), value(r), percentPtr(r.Completion), unitOf(in, r.ID),
		})
	}
	if len(t.Rows) == 0 {
		s.Blocks = []Block{{Text: None}}
		return s
	}
	s.Blocks = []Block{{Text: fmt.Sprintf("全市共有%d项事项已完成年度目标。", len(t.Rows))}, {Table: t}}
	return s
}

// lagging is 三、滞后事项: red items, then yellow ones; in each, the
// city-wide items by lead unit and the county items by county.
func lagging(in Input, a *eval.Assessment) Section {
	s := Section{Name: nameLagging}
	lights := []eval.Light{eval.LightRed, eval.LightYellow}
	labels := map[eval.Light]string{eval.LightRed: "红灯事项（进度严重滞后）", eval.LightYellow: "黄灯事项（进度滞后）"}
	type group struct {
		name string
		rows []eval.Row
	}
	byLight := map[eval.Light][]*group{}
	total := map[eval.Light]int{}
	for _, l := range lights {
		var city, county []*group
		index := map[string]*group{}
		for _, r := range a.Targets {
			if r.Light != l {
				continue
			}
			total[l]++
			key, name := "u:"+unitOf(in, r.ID), unitOf(in, r.ID)
			list := &city
			if r.Org != "" {
				key, name, list = "c:"+r.Org, r.Org, &county
			}
			g := index[key]
			if g == nil {
				g = &group{name: name}
				index[key] = g
				*list = append(*list, g)
			}
			g.rows = append(g.rows, r)
		}
		byLight[l] = append(city, county...)
	}
	if total[eval.LightRed]+total[eval.LightYellow] == 0 {
		s.Blocks = []Block{{Text: None}}
		return s
	}
	s.Blocks = append(s.Blocks, Block{Text: fmt.Sprintf("红灯事项%d项，黄灯事项%d项（全市事项按牵头单位、县（市、区）事项按地区列出）。",
		total[eval.LightRed], total[eval.LightYellow])})
	for i, l := range lights {
		s.Blocks = append(s.Blocks, Block{Level: 2, Heading: fmt.Sprintf("（%s）%s", Numeral(i+1), labels[l])})
		if len(byLight[l]) == 0 {
			s.Blocks = append(s.Blocks, Block{Text: None})
			continue
		}
		for j, g := range byLight[l] {
			s.Blocks = append(s.Blocks, Block{Level: 3, Heading: fmt.Sprintf("%d. %s（%d项）", j+1, g.name, len(g.rows))})
			t := &Table{
				Header:      []string{"编号", "事项", "范围", "目标", "完成值", "完成率", "序时进度", "说明"},
				Numeric:     []bool{false, false, false, false, true, true, true, false},
				Group:       []string{l.Chinese(), g.name},
				GroupHeader: []string{"亮灯", "责任单位或地区"},
			}
			for _, r := range g.rows {
				where := "全市"
				if r.Org != "" {
					where = r.Org
				}
				t.Rows = append(t.Rows, []string{r.ID, r.Name, where, goal(in.Plan, r), value(r), percentPtr(r.Completion), Percent(r.TimeProgress), r.Reason})
			}
			s.Blocks = append(s.Blocks, Block{Table: t})
		}
	}
	return s
}

// unreported is 四、未按时报送单位: who did not report, and how much.
func unreported(in Input) Section {
	s := Section{Name: nameUnreports}
	if len(in.Missing) == 0 {
		s.Blocks = []Block{{Text: None}}
		return s
	}
	t := &Table{
		Header:  []string{"序号", "单位", "未报项数", "未报事项编号"},
		Numeric: []bool{false, false, true, false},
	}
	items := 0
	for i, m := range in.Missing {
		items += len(m.Items)
		list := m.Items
		if len(list) > 30 {
			list = append(append([]string{}, list[:30]...), "等")
		}
		t.Rows = append(t.Rows, []string{strconv.Itoa(i + 1), m.Org, strconv.Itoa(len(m.Items)), strings.Join(list, "、")})
	}
	deadline := "报送截止日"
	if !in.AsOf.IsZero() {
		deadline += "（" + DateLabel(in.AsOf) + "）"
	}
	s.Blocks = []Block{
		{Text: fmt.Sprintf("截至%s，仍有%d个单位未按时报送%s数据，合计%d项，请抓紧补报。", deadline, len(in.Missing), PeriodLabel(in.Period), items)},
		{Table: t},
	}
	return s
}

// unitOf names the lead unit of a city-wide item.
func unitOf(in Input, id string) string {
	if u := strings.TrimSpace(in.Units[id]); u != "" {
		return u
	}
	return noUnit
}

// countLights counts rows by light.
func countLights(rows []eval.Row) map[eval.Light]int {
	n := map[eval.Light]int{}
	for _, r := range rows {
		n[r.Light]++
	}
	return n
}

// rowsOfDomain returns the rows of domain no.
func rowsOfDomain(rows []eval.Row, no int) []eval.Row {
	var out []eval.Row
	for _, r := range rows {
		if r.DomainNo == no {
			out = append(out, r)
		}
	}
	return out
}

// goal writes an item's goal as the plan states it: "≥ 80 所", "≤ 2.8%",
// "55:45"; a milestone's due date; a county row's own target when it has one.
func goal(p *gongfu.Plan, r eval.Row) string {
	if r.Kind == "milestone" {
		if p != nil {
			for _, d := range p.Domains {
				for _, t := range d.Tasks {
					for _, m := range t.Milestones {
						if m.ID == r.ID && m.Due != "" {
							return "时限 " + string(m.Due)
						}
					}
				}
			}
		}
		return "年内完成"
	}
	var g *gongfu.Target
	if p != nil {
		_, _, g = p.FindTarget(r.ID)
	}
	if g != nil && g.Kind == gongfu.KindRatio && len(g.Ratio) == 2 {
		return eval.Num(g.Ratio[0]) + ":" + eval.Num(g.Ratio[1])
	}
	op := ""
	if g != nil {
		op = map[gongfu.Op]string{gongfu.OpAtLeast: "≥ ", gongfu.OpAtMost: "≤ "}[g.Op]
	}
	switch {
	case r.Target != nil:
		return op + withUnit(*r.Target, r.Unit)
	case g != nil && r.Org == "":
		return op + withUnit(g.Value, g.Unit)
	}
	return "—"
}

// value writes a row's figure with its unit, "—" when there is none.
func value(r eval.Row) string {
	if r.Value == nil {
		return "—"
	}
	return withUnit(*r.Value, r.Unit)
}

// withUnit writes a number and its unit: "80 所", "2.8%".
func withUnit(v float64, unit string) string {
	if unit == "" || unit == "%" {
		return eval.Num(v) + unit
	}
	return eval.Num(v) + " " + unit
}

// Percent writes a percentage to one decimal: "41.7%".
func Percent(x float64) string { return oneDecimal(x) + "%" }

// percentPtr is Percent, "—" for nil.
func percentPtr(x *float64) string {
	if x == nil {
		return "—"
	}
	return Percent(*x)
}

// oneDecimal writes x with exactly one decimal, without "-0.0".
func oneDecimal(x float64) string {
	r := math.Round(x*10) / 10
	if r == 0 {
		r = 0
	}
	return strconv.FormatFloat(r, 'f', 1, 64)
}

// PeriodLabel names a period as a bulletin does: 2020年5月, 2020年第2季度.
func PeriodLabel(p gongfu.Period) string {
	if p.Year == 0 {
		return ""
	}
	if p.Freq == gongfu.Quarterly {
		return fmt.Sprintf("%d年第%d季度", p.Year, p.Index)
	}
	return fmt.Sprintf("%d年%d月", p.Year, p.Index)
}

// periodEnd is "2020年5月底", the moment the year-to-date figures describe.
func periodEnd(p gongfu.Period) string {
	if p.Year == 0 {
		return "目前"
	}
	if p.Freq == gongfu.Quarterly {
		return fmt.Sprintf("%d年第%d季度末", p.Year, p.Index)
	}
	return fmt.Sprintf("%d年%d月底", p.Year, p.Index)
}

// DateLabel writes a date as official documents do: 2020年6月5日.
func DateLabel(t time.Time) string { return t.Format("2006年1月2日") }

// Numeral writes n (1–99) in Chinese numerals as section numbers use them:
// 一, 十, 十一, 二十三. Other numbers are written in digits.
func Numeral(n int) string {
	digits := []string{"零", "一", "二", "三", "四", "五", "六", "七", "八", "九"}
	switch {
	case n < 1 || n > 99:
		return strconv.Itoa(n)
	case n < 10:
		return digits[n]
	}
	tens, ones := n/10, n%10
	s := "十"
	if tens > 1 {
		s = digits[tens] + s
	}
	if ones > 0 {
		s += digits[ones]
	}
	return s
}

// Text returns the bulletin as plain text, in reading order: what the other
// forms must hold, and what tests compare them with.
func (b *Bulletin) Text() string {
	var sb strings.Builder
	line := func(s string) { sb.WriteString(s); sb.WriteByte('\n') }
	line(b.Title)
	line(b.Intro)
	for _, s := range b.Sections {
		line(s.Heading)
		for _, bl := range s.Blocks {
			switch {
			case bl.Heading != "":
				line(bl.Heading)
			case bl.Text != "":
				line(bl.Text)
			case bl.Table != nil:
				line(strings.Join(bl.Table.Header, "\t"))
				for _, r := range bl.Table.Rows {
					line(strings.Join(r, "\t"))
				}
			}
		}
	}
	line(b.Issuer)
	line(b.Date)
	return sb.String()
}
