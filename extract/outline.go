package extract

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"gongfu"
)

// This file reads a document's layout: its title, issuer and date, and the
// outline of numbered headings (一、 （一） 1. （1） ①) under which the
// domains and tasks sit.

// Heading ranks, from the outermost: the usual order of Chinese official
// documents. A table row ranks below every heading.
const (
	rankPart   = iota // 第一部分
	rankCn            // 一、
	rankCnPar         // （一）
	rankArabic        // 1. 1、 1）
	rankArPar         // （1）
	rankShi           // 一是 二是, an enumeration
	rankCircle        // ①
	rankRow           // a row of a table
)

// docLine is one non-empty line of the document.
type docLine struct {
	text  string
	rank  int // heading rank, or -1 when the line is not a heading
	no    int
	head  string   // a heading's text after its number
	units []string // the units of a 责任单位 line
	cells []string // the cells of a table row
}

const cnNum = `[一二三四五六七八九十百零〇两]+`

var (
	rePart   = regexp.MustCompile(`^第(` + cnNum + `)(?:部分|章|篇)\s*(.*)$`)
	reCn     = regexp.MustCompile(`^(` + cnNum + `)\s*[、．.]\s*(.*)$`)
	reCnPar  = regexp.MustCompile(`^[（(]\s*(` + cnNum + `)\s*[）)]\s*[、．.]?\s*(.*)$`)
	reArabic = regexp.MustCompile(`^([0-9]{1,3})\s*(?:[、．.]|[)）])\s*(.*)$`)
	reArPar  = regexp.MustCompile(`^[（(]\s*([0-9]{1,3})\s*[）)]\s*[、．.]?\s*(.*)$`)
	reShi    = regexp.MustCompile(`^([一二三四五六七八九十]+)是\s*(.*)$`)
	reCircle = regexp.MustCompile(`^([①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳])\s*(.*)$`)
)

// parseHeading reads a numbered heading; ok is false for other lines.
func parseHeading(line string) (rank, no int, head string, ok bool) {
	s := normDigits(line)
	try := func(re *regexp.Regexp, r int, cn bool) bool {
		m := re.FindStringSubmatch(s)
		if m == nil {
			return false
		}
		var n int
		if cn {
			v, good := parseChinese(m[1])
			if !good || v < 1 || v > 999 {
				return false
			}
			n = int(v)
		} else {
			v, err := strconv.Atoi(m[1])
			if err != nil || v < 1 {
				return false
			}
			n = v
		}
		// The head is taken from the line as written (full-width digits
		// kept): normDigits maps rune for rune.
		orig := []rune(line)
		h := strings.TrimSpace(string(orig[len(orig)-len([]rune(m[2])):]))
		rank, no, head = r, n, h
		return true
	}
	switch {
	case try(rePart, rankPart, true), try(reCnPar, rankCnPar, true), try(reArPar, rankArPar, false), try(reShi, rankShi, true):
		return rank, no, head, true
	case try(reCn, rankCn, true):
		// "一、二级园…" is not a heading: a heading's text does not start
		// with another numeral and a list mark.
		if rs := []rune(head); len(rs) > 1 && isCnNumeral(rs[0]) && (rs[1] == '级' || rs[1] == '、') {
			return 0, 0, "", false
		}
		return rank, no, head, true
	case try(reArabic, rankArabic, false):
		// 2.8%以内 is a number, not "2." and a heading; but in "1.4月底前"
		// the 1. numbers a step (no month has a decimal).
		if rs := []rune(head); len(rs) > 0 && isDigit(rs[0]) {
			k := 0
			for k < len(rs) && isDigit(rs[k]) {
				k++
			}
			if k >= len(rs) || rs[k] != '月' {
				return 0, 0, "", false
			}
		}
		if head == "" {
			return 0, 0, "", false
		}
		return rank, no, head, true
	}
	if m := reCircle.FindStringSubmatch(s); m != nil {
		r := []rune(m[1])[0]
		orig := []rune(line)
		return rankCircle, int(r-'①') + 1, strings.TrimSpace(string(orig[len(orig)-len([]rune(m[2])):])), true
	}
	return 0, 0, "", false
}

// splitLines cuts text into trimmed non-empty lines.
func splitLines(text string) []string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")
	var out []string
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimFunc(l, func(r rune) bool { return unicode.IsSpace(r) && r != '\t' || r == '\u3000' || r == '\ufeff' })
		l = strings.Trim(l, "\t ")
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

// header is what the top of a document tells: title, issuer, date.
type header struct {
	title     string
	issuer    string
	issued    gongfu.Date
	titleLine int    // index of the title line, or -1
	skip      []bool // lines that belong to the header or a signature
}

// reTitle matches the title line of a plan.
var reTitle = regexp.MustCompile(`(行动计划|实施方案|工作方案|行动方案|工作要点|工作计划|任务清单|责任清单|项目清单|民生实事项目|民生实事|考核指标|指标体系|目标任务|责任书|任务书|实施计划|推进计划|建设计划|分解表|一览表|任务表|计划|方案|要点|清单)(?:[（(][^）)]{0,30}[）)])?$`)

// reQuotedTitle finds a title quoted in a covering letter.
var reQuotedTitle = regexp.MustCompile(`《([^《》]{4,80}?(?:计划|方案|要点|清单|项目|指标|责任书|任务书))》`)

// reIssuerOfTitle finds the issuer that opens "X关于印发…的通知".
var reIssuerOfTitle = regexp.MustCompile(`^(.{2,40}?)关于(?:印发|下达)`)

// isTitleLine reports whether line can be a plan's title.
func isTitleLine(line string) bool {
	rs := []rune(line)
	if len(rs) < 4 || len(rs) > 80 || strings.ContainsAny(line, "。，；\t") {
		return false
	}
	if hasPrefixAny(line, []string{"现将", "为", "根据", "按照", "附件", "附：", "抄送", "各"}) != "" {
		return false
	}
	if _, _, _, ok := parseHeading(line); ok {
		return false
	}
	return reTitle.MatchString(line)
}

// looksLikeIssuer reports whether line can be the name of an issuing body.
func looksLikeIssuer(line string) bool {
	rs := []rune(line)
	if len(rs) < 3 || len(rs) > 40 || strings.ContainsAny(line, "。，；：:") {
		return false
	}
	return hasSuffixAny(line, []string{"委员会", "政府", "办公室", "办公厅", "局", "委", "厅", "部", "办", "中心", "领导小组", "指挥部", "联席会议"}) != ""
}

// reEndMatter matches the lines around a document that are not its text:
// distribution lists, attachment notes, publication notes, print footers.
var reEndMatter = regexp.MustCompile(`^(?:抄送|抄报|主送|分送|附件|附)\s*[:：]|^[（(]此件.{0,12}[）)]$|^[（(]?(?:联系人|联系电话)[:：]|[0-9]{4}\s*年\s*[0-9]{1,2}\s*月\s*[0-9]{1,2}\s*日\s*印发$`)

// readHeader finds the title, issuer and issue date among lines, and marks
// them and the end matter to be skipped.
func readHeader(lines []string) header {
	h := header{titleLine: -1, skip: make([]bool, len(lines))}
	for i, l := range lines {
		if reEndMatter.MatchString(normDigits(l)) {
			h.skip[i] = true
		}
	}
	for i, l := range lines {
		if isTitleLine(l) {
			h.title, h.titleLine = l, i
			h.skip[i] = true
			break
		}
	}
	// A signature: an issuer's line with a date line under it.
	for i, l := range lines {
		d, ok := lineDate(l)
		if !ok {
			continue
		}
		if h.issued == "" {
			h.issued = d
		}
		h.skip[i] = true
		if i > 0 && looksLikeIssuer(lines[i-1]) && i-1 != h.titleLine {
			if h.issuer == "" || h.issued == d {
				h.issuer = strings.TrimSuffix(lines[i-1], "文件")
				h.issued = d
			}
			h.skip[i-1] = true
		}
	}
	if h.title == "" {
		for _, l := range lines {
			if m := reQuotedTitle.FindStringSubmatch(l); m != nil {
				h.title = m[1]
				break
			}
		}
	}
	if h.title == "" {
		for i, l := range lines {
			if _, _, _, ok := parseHeading(l); ok {
				break
			}
			if rs := []rune(l); len(rs) <= 80 && !strings.ContainsAny(l, "。，；：:") && !h.skip[i] {
				h.title, h.titleLine = l, i
				h.skip[i] = true
				break
			}
		}
	}
	if h.issuer == "" {
		for i, l := range lines {
			if m := reIssuerOfTitle.FindStringSubmatch(l); m != nil {
				h.issuer = m[1]
				break
			}
			if h.titleLine >= 0 && i < h.titleLine && strings.HasSuffix(l, "文件") && looksLikeIssuer(strings.TrimSuffix(l, "文件")) {
				h.issuer = strings.TrimSuffix(l, "文件")
				h.skip[i] = true
				break
			}
		}
	}
	return h
}

// classifyLine reads what a body line is: a heading, a list of units, a
// table row or plain text.
func classifyLine(s string) docLine {
	dl := docLine{text: s, rank: -1}
	if strings.Contains(s, "\t") {
		var cells []string
		for _, c := range strings.Split(s, "\t") {
			cells = append(cells, strings.TrimSpace(c))
		}
		filled := 0
		for _, c := range cells {
			if c != "" {
				filled++
			}
		}
		if filled >= 2 {
			dl.cells = cells
			return dl
		}
		s = strings.TrimSpace(strings.ReplaceAll(s, "\t", " "))
		dl.text = s
	}
	if us, ok := parseUnitLine(s); ok {
		dl.units = us
		return dl
	}
	if r, n, h, ok := parseHeading(s); ok {
		dl.rank, dl.no, dl.head = r, n, h
	}
	return dl
}

// framingTitles name the parts of a plan that frame it rather than assign
// work: 总体要求, 保障措施.
var framingTitles = []string{"总体要求", "指导思想", "基本原则", "工作原则", "主要目标", "总体目标", "工作目标",
	"发展目标", "目标要求", "保障措施", "保障机制", "组织保障", "工作保障", "实施保障", "工作要求", "组织实施",
	"实施步骤", "进度安排", "工作步骤", "时间安排", "工作机制", "附则", "其他事项", "其他", "工作安排",
	"背景", "基本情况", "总体思路", "工作思路", "任务分工", "有关要求", "工作措施", "组织领导", "政策保障"}

// isFraming reports whether a heading names a framing part of the plan.
func isFraming(head string) bool {
	h := strings.TrimRight(strings.TrimSpace(head), "。：:；")
	if k := strings.IndexAny(h, "。："); k >= 0 {
		h = h[:k]
	}
	for _, f := range framingTitles {
		if h == f || (strings.HasSuffix(h, f) && len([]rune(h)) <= len([]rune(f))+4) {
			return true
		}
	}
	return false
}
