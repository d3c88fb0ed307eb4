package xlsx

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"gongfu"
)

// The sheets of a report template.
const (
	// TemplateSheet holds one row per item the org reports.
	TemplateSheet = "填报"
	// GuideSheet tells the reporter what the template is for and how to fill it.
	GuideSheet = "说明"
	// MetaSheet (hidden) names the plan, org and period, for the import.
	MetaSheet = "meta"
	// templateFormat marks a workbook as a gongfu report template, version 1.
	templateFormat = "gongfu-report-template/1"
)

// The columns of TemplateSheet, from A. Columns A–E are for reference;
// F–L are filled in by the reporter.
const (
	colID          = iota + 1 // 编号: the item's id in the plan
	colItem                   // 指标: target name or milestone text
	colTarget                 // 目标值
	colUnit                   // 单位
	colLast                   // 上期累计: last period's figure
	colValue                  // 本期累计值: year-to-date value
	colNumerator              // 分子
	colDenominator            // 分母
	colStage                  // 阶段: a milestone's stage
	colPercent                // 完成百分比: a milestone's progress
	colNote                   // 说明
	colReason                 // 原因: why a year-to-date value fell
	numCols        = colReason
)

// TemplateHeader is the header row of TemplateSheet, column A first.
var TemplateHeader = []string{"编号", "指标", "目标值", "单位", "上期累计", "本期累计值", "分子", "分母", "阶段", "完成百分比", "说明", "原因"}

// stageNames are the Chinese names of the milestone stages, as the
// template's drop-down offers them.
var stageNames = []struct {
	stage gongfu.Stage
	name  string
}{
	{gongfu.StageNotStarted, "未启动"},
	{gongfu.StageInProgress, "推进中"},
	{gongfu.StageDone, "已完成"},
}

// StageName returns the Chinese name of s (未启动, 推进中, 已完成), or s itself
// when it is not a known stage.
func StageName(s gongfu.Stage) string {
	for _, n := range stageNames {
		if n.stage == s {
			return n.name
		}
	}
	return string(s)
}

// opSymbols shows a target's comparison in front of its value.
var opSymbols = map[gongfu.Op]string{gongfu.OpAtLeast: "≥", gongfu.OpAtMost: "≤", gongfu.OpEqual: ""}

// ExportTemplate writes to w the report template of org for period: the
// sheet 填报 with one row per item of items (target or milestone ids of p,
// in the order given) showing the item, its target and the org's
// year-to-date figure of the previous period from last (keyed by item id;
// missing or nil entries leave 上期累计 empty), and empty input cells
// coloured yellow where the row expects figures (a target's value,
// numerator, denominator, note and reason; a milestone's stage, percent,
// note and reason) and grey where it does not; a sheet 说明 telling the
// reporter how to fill it in; and the hidden sheet meta naming plan, org and
// period for ImportTemplate. Nothing is protected. EINVALID when an item is
// not in the plan.
func ExportTemplate(w io.Writer, p *gongfu.Plan, org *gongfu.Org, period gongfu.Period, items []string, last map[string]*gongfu.Report) error {
	if p == nil || org == nil {
		return gongfu.Failf(gongfu.EINVALID, "缺少计划或单位")
	}
	if len(items) > MaxRows {
		return gongfu.Failf(gongfu.ETOOLARGE, "指标过多：%d 项，上限 %d", len(items), MaxRows)
	}
	type line struct {
		target    *gongfu.Target
		milestone *gongfu.Milestone
	}
	lines := make([]line, 0, len(items))
	var missing []string
	for _, id := range items {
		if _, _, t := p.FindTarget(id); t != nil {
			lines = append(lines, line{target: t})
		} else if m := findMilestone(p, id); m != nil {
			lines = append(lines, line{milestone: m})
		} else {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		e := gongfu.Failf(gongfu.EINVALID, "计划中没有 %d 个指标或节点", len(missing))
		e.Details = missing
		return e
	}

	f := excelize.NewFile()
	defer f.Close()
	sheet := TemplateSheet
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	st, err := newStyles(f)
	if err != nil {
		return err
	}
	header := toAny(TemplateHeader)
	if err := f.SetSheetRow(sheet, "A1", &header); err != nil {
		return err
	}
	if err := f.SetCellStyle(sheet, "A1", cell(numCols, 1), st.header); err != nil {
		return err
	}
	if err := f.SetRowHeight(sheet, 1, 30); err != nil {
		return err
	}
	// Inputs of targets and of milestones, as cell ranges for the styles
	// and the stage drop-down.
	var stageCells, percentCells []string
	for i, l := range lines {
		row := i + 2
		var values []any
		inputs := map[int]bool{colNote: true, colReason: true}
		if t := l.target; t != nil {
			values = []any{t.ID, t.Name, targetText(t), t.Unit, nil}
			if r := last[t.ID]; r != nil && r.Value != nil {
				values[colLast-1] = *r.Value
			}
			inputs[colValue], inputs[colNumerator], inputs[colDenominator] = true, true, true
		} else {
			m := l.milestone
			values = []any{m.ID, m.Text, milestoneText(m), nil, nil}
			if r := last[m.ID]; r != nil && r.Stage != "" {
				s := StageName(r.Stage)
				if r.Percent != nil {
					s += " " + fmtNum(*r.Percent) + "%"
				}
				values[colLast-1] = s
			}
			inputs[colStage], inputs[colPercent] = true, true
			stageCells = append(stageCells, cell(colStage, row))
			percentCells = append(percentCells, cell(colPercent, row))
		}
		if err := f.SetSheetRow(sheet, cell(1, row), &values); err != nil {
			return err
		}
		for c := 1; c <= numCols; c++ {
			style := st.text
			switch {
			case c == colTarget || c == colLast:
				style = st.number
			case c >= colValue && inputs[c]:
				style = st.input
			case c >= colValue:
				style = st.unused
			}
			if err := f.SetCellStyle(sheet, cell(c, row), cell(c, row), style); err != nil {
				return err
			}
		}
	}
	if len(stageCells) > 0 {
		dv := excelize.NewDataValidation(true)
		dv.SetSqref(strings.Join(stageCells, " "))
		if err := dv.SetDropList([]string{"未启动", "推进中", "已完成"}); err != nil {
			return err
		}
		dv.SetError(excelize.DataValidationErrorStyleStop, "阶段", "请从下拉列表选择：未启动、推进中、已完成")
		if err := f.AddDataValidation(sheet, dv); err != nil {
			return err
		}
		dv = excelize.NewDataValidation(true)
		dv.SetSqref(strings.Join(percentCells, " "))
		if err := dv.SetRange(0, 100, excelize.DataValidationTypeDecimal, excelize.DataValidationOperatorBetween); err != nil {
			return err
		}
		dv.SetError(excelize.DataValidationErrorStyleStop, "完成百分比", "请填写 0 到 100 之间的数")
		if err := f.AddDataValidation(sheet, dv); err != nil {
			return err
		}
	}
	if err := setWidths(f, sheet, []float64{8, 40, 12, 8, 12, 12, 10, 10, 10, 11, 30, 30}); err != nil {
		return err
	}
	if err := f.SetPanes(sheet, &excelize.Panes{Freeze: true, XSplit: 2, YSplit: 1, TopLeftCell: "C2", ActivePane: "bottomRight"}); err != nil {
		return err
	}

	if err := writeGuide(f, st, p, org, period); err != nil {
		return err
	}
	if err := writeMeta(f, p, org, period); err != nil {
		return err
	}
	f.SetActiveSheet(0)
	if err := f.SetDocProps(&excelize.DocProperties{
		Title:   fmt.Sprintf("%s %s 填报", org.Name, period),
		Subject: p.Title,
		Creator: "gongfu",
	}); err != nil {
		return err
	}
	return f.Write(w)
}

// writeGuide adds the sheet telling the reporter what the template is.
func writeGuide(f *excelize.File, st *styles, p *gongfu.Plan, org *gongfu.Org, period gongfu.Period) error {
	if _, err := f.NewSheet(GuideSheet); err != nil {
		return err
	}
	lines := []string{
		fmt.Sprintf("%s %s 填报模板", org.Name, period),
		"计划：" + p.Title,
		fmt.Sprintf("填报单位：%s（%s）", org.Name, org.Path),
		fmt.Sprintf("报告期：%s，填写截至 %s 的年度累计值", period, period.End().Format("2006-01-02")),
		"",
		"填写说明：",
		"1. 只在黄色单元格中填写；灰色单元格不适用于该行，请留空。不要增删列，不要合并单元格。",
		"2. 量化指标填“本期累计值”；比率类指标也可填“分子”和“分母”，系统按 分子/分母 计算数值。",
		"3. 工作节点填“阶段”（未启动、推进中、已完成），推进中的可填“完成百分比”（0–100）。",
		"4. 累计值低于上期时，须在“原因”中说明。",
		"5. 本期没有数据的行整行留空即可，导入时跳过。",
		"6. 填好后在“填报”页“用电子表格填报”处上传（或由计划办用 gongfu import reports 文件.xlsx 导入）；全部行有效才会写入",
		"",
		"Fill in the yellow cells only; keep the columns as they are; leave a row's inputs empty to skip it.",
	}
	for i, s := range lines {
		if err := f.SetCellStr(GuideSheet, cell(1, i+1), s); err != nil {
			return err
		}
	}
	if err := f.SetCellStyle(GuideSheet, "A1", "A1", st.title); err != nil {
		return err
	}
	return f.SetColWidth(GuideSheet, "A", "A", 110)
}

// writeMeta adds the hidden sheet that tells ImportTemplate what a filled
// template is for. Values are text so that ids survive exactly.
func writeMeta(f *excelize.File, p *gongfu.Plan, org *gongfu.Org, period gongfu.Period) error {
	if _, err := f.NewSheet(MetaSheet); err != nil {
		return err
	}
	for i, kv := range [][2]string{
		{"format", templateFormat},
		{"plan_id", strconv.FormatInt(p.ID, 10)},
		{"plan_title", p.Title},
		{"org_id", strconv.FormatInt(org.ID, 10)},
		{"org_name", org.Name},
		{"period", period.String()},
	} {
		if err := f.SetCellStr(MetaSheet, cell(1, i+1), kv[0]); err != nil {
			return err
		}
		if err := f.SetCellStr(MetaSheet, cell(2, i+1), kv[1]); err != nil {
			return err
		}
	}
	return f.SetSheetVisible(MetaSheet, false)
}

// findMilestone returns the milestone of p with id, or nil.
func findMilestone(p *gongfu.Plan, id string) *gongfu.Milestone {
	for i := range p.Domains {
		for j := range p.Domains[i].Tasks {
			t := &p.Domains[i].Tasks[j]
			for k := range t.Milestones {
				if t.Milestones[k].ID == id {
					return &t.Milestones[k]
				}
			}
		}
	}
	return nil
}

// targetText shows a target as the template's 目标值: "≥80", "≤0.2",
// "55:45".
func targetText(t *gongfu.Target) string {
	if len(t.Ratio) == 2 {
		return fmtNum(t.Ratio[0]) + ":" + fmtNum(t.Ratio[1])
	}
	v := fmtNum(t.Value)
	if t.Kind == gongfu.KindChange && t.Value > 0 {
		v = "+" + v
	}
	return opSymbols[t.Op] + v
}

// milestoneText shows a milestone's deadline as the template's 目标值.
func milestoneText(m *gongfu.Milestone) string {
	if m.Due == "" {
		return "完成"
	}
	return string(m.Due) + " 前完成"
}
