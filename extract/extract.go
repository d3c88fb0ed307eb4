// Package extract turns a government action-plan document (行动计划, 实施方案,
// 工作要点, a 民生实事 list or a 目标责任制 notice) into a gongfu.Plan: its
// domains, tasks, responsible units, quantified targets and milestones.
//
// Plans arrive as plain text (UTF-8 or GB18030/GBK, as Chinese offices save
// them) or as .docx, and follow the layout of Chinese official documents
// rather than any schema, so the extractor works in stages, each readable
// and testable on its own:
//
//  1. decode: bytes to text (encoding detection, .docx via archive/zip and
//     encoding/xml only, bounded against zip bombs);
//  2. layout: title, issuer and date, then the outline of numbered headings
//     (一、 （一） 1. （1） ①) and which level holds domains and which tasks;
//  3. clauses: each task's paragraph cut into sentences and clauses;
//  4. quantities: numbers found and read (８０所, 一百名, 30.8亿元, 55：45);
//  5. classification: each number a target, a name (十九大, 5号线), a date, a
//     scope (3岁以下) or unparsed; each clause without one a milestone.
//
// Nothing is dropped silently: a number the extractor cannot place is
// reported in Plan.Unparsed, and doubts in Result.Warnings. The package is
// pure: no files, no network, no global state beyond read-only word lists.
//
// Choices worth knowing:
//   - which heading level holds the tasks is decided by structure (the level
//     of most items that carry work themselves), not by fixed levels, so 一、
//     domains with （一） tasks and （一） domains with 1. tasks both read;
//     parts that frame a plan (总体要求, 保障措施) are not domains unless they
//     hold targets;
//   - task numbers are the document's; when they restart in every domain
//     they are renumbered through the plan so that target ids stay unique;
//   - a ratio's value is rounded to four decimals (55：45 → 1.2222); its exact
//     sides stay in Target.Ratio;
//   - a zip is read as .docx whatever its name, since offices rename files.
package extract

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"

	"gongfu"
)

// Result is an extracted plan plus what the extractor noticed on the way.
type Result struct {
	Plan     *gongfu.Plan
	Encoding string   // "UTF-8", "GB18030", or "docx"
	Warnings []string // diagnostics for stderr, Chinese with English, e.g. no 责任单位 found
}

// MaxSize is the largest document accepted, in bytes. A real plan is tens
// of kilobytes of text or a few megabytes of .docx.
const MaxSize = 20 << 20

// Encodings reported in Result.Encoding.
const (
	encUTF8    = "UTF-8"
	encGB18030 = "GB18030"
	encDocx    = "docx"
)

// Document extracts a plan from a document's bytes; name is its file name
// (the extension picks .docx vs text; bytes that are a zip are read as .docx
// whatever the name). Errors are *gongfu.Error: ETOOLARGE past MaxSize (or
// a .docx inflating past its bound, or a plan far too large), EINVALID for
// an empty, binary or undecodable file or one that holds no plan. The plan
// returned passes Validate.
func Document(name string, data []byte) (*Result, error) {
	if len(data) > MaxSize {
		return nil, gongfu.Failf(gongfu.ETOOLARGE, "文件过大：%d 字节，上限 %d MB", len(data), MaxSize>>20)
	}
	text, enc, err := decode(name, data)
	if err != nil {
		return nil, err
	}
	plan, warnings, err := extractText(text)
	if err != nil {
		return nil, err
	}
	if enc == encGB18030 {
		warnings = append([]string{gongfu.Detail("文件按 GB18030（GBK）编码读取")}, warnings...)
	}
	return &Result{Plan: plan, Encoding: enc, Warnings: warnings}, nil
}

// decode turns a document's bytes into text and names the encoding found.
func decode(name string, data []byte) (string, string, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return "", "", gongfu.Failf(gongfu.EINVALID, "文件为空")
	}
	ext := strings.ToLower(filepath.Ext(name))
	switch {
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		text, err := docxText(data)
		return text, encDocx, err
	case ext == ".docx":
		return "", "", gongfu.Failf(gongfu.EINVALID, "%s 不是有效的 .docx 文件（不是 zip 格式）", filepath.Base(name))
	case bytes.HasPrefix(data, []byte("\xD0\xCF\x11\xE0")):
		return "", "", gongfu.Failf(gongfu.EINVALID, "不支持旧版 Word（.doc）文件，请另存为 .docx 或纯文本")
	case bytes.HasPrefix(data, []byte("%PDF")):
		return "", "", gongfu.Failf(gongfu.EINVALID, "不支持 PDF 文件，请提供 .docx 或纯文本")
	case bytes.HasPrefix(data, []byte("\xFF\xFE")) || bytes.HasPrefix(data, []byte("\xFE\xFF")):
		return "", "", gongfu.Failf(gongfu.EINVALID, "不支持 UTF-16 编码，请另存为 UTF-8 或 GB18030")
	}
	data = bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))
	if utf8.Valid(data) {
		text := string(data)
		if binaryText(text) {
			return "", "", gongfu.Failf(gongfu.EINVALID, "文件不是文本（含控制字符），请提供纯文本或 .docx")
		}
		return text, encUTF8, nil
	}
	if bytes.IndexByte(data, 0) >= 0 {
		return "", "", gongfu.Failf(gongfu.EINVALID, "文件是二进制数据，不是文本")
	}
	out, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
	if err != nil {
		return "", "", gongfu.Failf(gongfu.EINVALID, "无法识别文件编码（既不是 UTF-8 也不是 GB18030）：%v", err)
	}
	text := string(out)
	if binaryText(text) || !mostlyChinese(text) {
		return "", "", gongfu.Failf(gongfu.EINVALID, "无法识别文件编码（既不是 UTF-8 也不像 GB18030 中文）")
	}
	return text, encGB18030, nil
}

// binaryText reports whether s holds control characters or replacement
// marks that text files do not.
func binaryText(s string) bool {
	bad, total := 0, 0
	for _, r := range s {
		total++
		if r == 0 || r == utf8.RuneError || r < 0x20 && r != '\n' && r != '\r' && r != '\t' && r != '\f' || r == 0x7f {
			bad++
		}
	}
	return bad > 0 && bad*1000 > total // more than 0.1%
}

// mostlyChinese reports whether the non-ASCII characters of s are mostly
// Chinese characters and Chinese punctuation, as a GB18030 plan's are.
func mostlyChinese(s string) bool {
	cjk, other := 0, 0
	for _, r := range s {
		switch {
		case r < 0x80:
		case unicode.Is(unicode.Han, r) || r >= 0x3000 && r <= 0x303F || r >= 0xFF00 && r <= 0xFFEF || r == '“' || r == '”' || r == '‘' || r == '’' || r == '…' || r == '—' || r == '·':
			cjk++
		default:
			other++
		}
	}
	return cjk > 0 && cjk >= 9*other
}

// extractText runs the layout, clause and number stages on decoded text.
func extractText(text string) (*gongfu.Plan, []string, error) {
	raw := splitLines(text)
	h := readHeader(raw)
	x := &extraction{seen: map[string]bool{}}
	plan := &gongfu.Plan{Title: clip(h.title, gongfu.MaxTextLen), Issuer: clip(h.issuer, 200), Issued: h.issued, Unparsed: []string{}}
	plan.Year = titleYear(h.title)
	if plan.Year == 0 && h.issued != "" {
		if t, ok := h.issued.Time(); ok {
			plan.Year = t.Year()
		}
	}
	x.year = plan.Year
	var body []docLine
	for i, l := range raw {
		if h.skip[i] {
			continue
		}
		if i < h.titleLine {
			x.scanLeftovers(l) // the covering letter
			continue
		}
		body = append(body, classifyLine(l))
	}
	root := buildTree(body)
	plan.Domains = x.assemble(root)
	if len(plan.Domains) == 0 {
		plan.Domains = x.flat(body)
	}
	if len(plan.Domains) == 0 {
		return nil, nil, gongfu.Failf(gongfu.EINVALID, "未识别出计划结构：没有编号的领域或任务，也没有量化指标")
	}
	if plan.Title == "" {
		plan.Title = "未命名计划"
		x.warn(gongfu.Detail("未找到计划标题"))
	}
	for i := range plan.Domains {
		if plan.Domains[i].Title == "" {
			plan.Domains[i].Title = plan.Title // a list without domains: the plan is its one domain
		}
	}
	if c := plan.Counts(); c.Domains > gongfu.MaxPlanDomains || c.Targets+c.Milestones > gongfu.MaxPlanItems {
		return nil, nil, gongfu.Failf(gongfu.ETOOLARGE, "计划过大：%d 个领域、%d 个指标和节点，不像一份年度行动计划", c.Domains, c.Targets+c.Milestones)
	}
	x.number(plan)
	x.check(plan)
	plan.Unparsed = append(plan.Unparsed, x.unparsed...)
	if err := plan.Validate(); err != nil {
		e := gongfu.Failf(gongfu.EINVALID, "提取的计划无效：%s", gongfu.ErrorMessage(err))
		e.Details = gongfu.ErrorDetails(err)
		return nil, nil, e
	}
	return plan, x.warnings, nil
}

// flat reads a document without numbered headings: each paragraph that
// holds a target becomes a task of one domain.
func (x *extraction) flat(body []docLine) []gongfu.Domain {
	var tasks []gongfu.Task
	for _, l := range body {
		if l.units != nil || l.cells != nil {
			continue
		}
		p := newPara(l.text)
		has := false
		for _, t := range p.scan(span{0, len(p.r)}) {
			if t.cls == clsTarget {
				has = true
				break
			}
		}
		if !has {
			continue
		}
		n := &node{no: len(tasks) + 1, head: l.text, line: l.text}
		tasks = append(tasks, x.task(n))
	}
	if len(tasks) == 0 {
		return nil
	}
	// The paragraphs were reported as leftovers while no task held them.
	x.unparsed, x.seen = nil, map[string]bool{}
	x.warn(gongfu.Detail("未识别出领域和任务编号，按段落提取指标"))
	return []gongfu.Domain{{No: 1, Units: []string{}, Tasks: tasks}}
}

// number gives domains and tasks their numbers and targets and milestones
// their ids. The document's numbers are kept when they are unique; tasks
// numbered afresh in each domain ((一) under every 一、) are renumbered
// through the plan so that ids stay unique.
func (x *extraction) number(plan *gongfu.Plan) {
	seen := map[int]bool{}
	dup := false
	for _, d := range plan.Domains {
		if seen[d.No] || d.No <= 0 {
			dup = true
		}
		seen[d.No] = true
	}
	if dup {
		for i := range plan.Domains {
			plan.Domains[i].No = i + 1
		}
	}
	seen, dup = map[int]bool{}, false
	for _, d := range plan.Domains {
		for _, t := range d.Tasks {
			if seen[t.No] || t.No <= 0 {
				dup = true
			}
			seen[t.No] = true
		}
	}
	if dup {
		x.warn(gongfu.Detail("任务编号在各领域内重复，已按全文顺序重新编号"))
	}
	n := 0
	for i := range plan.Domains {
		d := &plan.Domains[i]
		for j := range d.Tasks {
			t := &d.Tasks[j]
			n++
			if dup {
				t.No = n
			}
			for k := range t.Targets {
				t.Targets[k].ID = fmt.Sprintf("%d.%d", t.No, k+1)
			}
			for k := range t.Milestones {
				t.Milestones[k].ID = fmt.Sprintf("%d.m%d", t.No, k+1)
			}
		}
	}
}

// check records warnings about what a reader should look at.
func (x *extraction) check(plan *gongfu.Plan) {
	if len(plan.AllUnits()) == 0 {
		x.warn(gongfu.Detail("未找到责任单位"))
	} else {
		for _, d := range plan.Domains {
			if len(d.Units) > 0 {
				continue
			}
			for _, t := range d.Tasks {
				if len(t.Units) == 0 {
					x.warn(gongfu.Detailf("领域“%s”的任务 %d 没有责任单位", d.Title, t.No))
				}
			}
		}
	}
	if plan.Issuer == "" {
		x.warn(gongfu.Detail("未找到发文单位"))
	}
	if plan.Issued == "" {
		x.warn(gongfu.Detail("未找到印发日期"))
	}
	if plan.Year == 0 {
		x.warn(gongfu.Detail("未能确定计划年份，时限无法换算为日期"))
	}
	if n := len(x.unparsed); n > 0 {
		x.warn(gongfu.Detailf("有 %d 句含数字未能解析，见 unparsed", n))
	}
}
