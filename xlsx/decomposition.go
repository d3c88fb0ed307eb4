package xlsx

import (
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"

	"gongfu"
)

// DecompositionSheet is the name of the one sheet ExportDecomposition writes.
const DecompositionSheet = "任务分解表"

// maxCounties bounds the county columns: a province has about a hundred
// county-level units, a sheet room for sixteen thousand columns.
const maxCounties = 1000

// decompositionHeader are the columns before the counties'.
var decompositionHeader = []string{"序号", "领域", "任务", "指标", "目标值", "单位", "责任单位", "完成时限"}

// ExportDecomposition writes the 任务分解表 of plan p as a workbook to w: one
// row for every target, then one for every milestone, in plan order. 序号 is
// the item's id in the plan ("1.1", "1.m2"). A target's row gives its value
// (a ratio as "55:45"), its unit, the units responsible, the plan's year end
// as its deadline, then each county's quota (empty when it has none), the
// 合计 of the quotas shown and, for an increment target, the 缺口 still to
// be assigned (target − Σquotas, when positive). A milestone's row gives its
// text as 指标 and its due date as 完成时限. Quotas of orgs not in counties
// are left out of the sheet and of its sums.
func ExportDecomposition(w io.Writer, p *gongfu.Plan, counties []*gongfu.Org, quotas []gongfu.Quota) error {
	if p == nil {
		return gongfu.Failf(gongfu.EINVALID, "没有计划")
	}
	if len(counties) > maxCounties {
		return gongfu.Failf(gongfu.EINVALID, "县（市、区）过多：%d 个，上限 %d", len(counties), maxCounties)
	}
	col := map[int64]int{} // county org id → index in counties
	for i, c := range counties {
		col[c.ID] = i
	}
	quota := map[string][]*float64{} // item id → quota per county
	for _, q := range quotas {
		i, ok := col[q.OrgID]
		if !ok {
			continue
		}
		if quota[q.ItemID] == nil {
			quota[q.ItemID] = make([]*float64, len(counties))
		}
		v := q.Value
		quota[q.ItemID][i] = &v
	}

	f := excelize.NewFile()
	defer f.Close()
	sheet := DecompositionSheet
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	st, err := newStyles(f)
	if err != nil {
		return err
	}
	header := append([]any{}, toAny(decompositionHeader)...)
	for _, c := range counties {
		header = append(header, c.Name)
	}
	header = append(header, "合计", "缺口")
	ncol := len(header)
	if err := f.SetSheetRow(sheet, "A1", &header); err != nil {
		return err
	}
	if err := f.SetCellStyle(sheet, "A1", cell(ncol, 1), st.header); err != nil {
		return err
	}
	if err := f.SetRowHeight(sheet, 1, 30); err != nil {
		return err
	}

	yearEnd := ""
	if p.Year != 0 {
		yearEnd = fmt.Sprintf("%04d-12-31", p.Year)
	}
	row := 1
	write := func(values []any) error {
		row++
		if err := f.SetSheetRow(sheet, cell(1, row), &values); err != nil {
			return err
		}
		if err := f.SetCellStyle(sheet, cell(1, row), cell(len(decompositionHeader), row), st.text); err != nil {
			return err
		}
		if err := f.SetCellStyle(sheet, cell(5, row), cell(5, row), st.number); err != nil {
			return err
		}
		return f.SetCellStyle(sheet, cell(len(decompositionHeader)+1, row), cell(ncol, row), st.number)
	}
	for _, d := range p.Domains {
		for _, t := range d.Tasks {
			units := strings.Join(d.UnitsFor(&t), "、")
			for _, g := range t.Targets {
				values := []any{g.ID, d.Title, t.Title, g.Name, targetValue(&g), g.Unit, units, yearEnd}
				var sum float64
				qs := quota[g.ID]
				for i := range counties {
					if qs != nil && qs[i] != nil {
						values = append(values, *qs[i])
						sum += *qs[i]
					} else {
						values = append(values, nil)
					}
				}
				if qs != nil {
					values = append(values, round(sum))
				} else {
					values = append(values, nil)
				}
				if gap := round(g.Value - sum); g.Kind == gongfu.KindIncrement && gap > 0 {
					values = append(values, gap)
				} else {
					values = append(values, nil)
				}
				if err := write(values); err != nil {
					return err
				}
			}
		}
	}
	for _, d := range p.Domains {
		for _, t := range d.Tasks {
			units := strings.Join(d.UnitsFor(&t), "、")
			for _, m := range t.Milestones {
				values := []any{m.ID, d.Title, t.Title, m.Text, nil, nil, units, string(m.Due)}
				for range counties {
					values = append(values, nil)
				}
				if err := write(append(values, nil, nil)); err != nil {
					return err
				}
			}
		}
	}

	widths := []float64{8, 16, 22, 36, 10, 8, 24, 12}
	for range counties {
		widths = append(widths, 10)
	}
	if err := setWidths(f, sheet, append(widths, 10, 10)); err != nil {
		return err
	}
	if err := f.SetPanes(sheet, &excelize.Panes{Freeze: true, XSplit: 1, YSplit: 1, TopLeftCell: "B2", ActivePane: "bottomRight"}); err != nil {
		return err
	}
	if err := f.AutoFilter(sheet, "A1:"+cell(ncol, max(row, 2)), nil); err != nil {
		return err
	}
	return f.Write(w)
}

// targetValue is a target's value as a cell holds it: a number, or a ratio
// written "55:45".
func targetValue(t *gongfu.Target) any {
	if len(t.Ratio) == 2 {
		return fmtNum(t.Ratio[0]) + ":" + fmtNum(t.Ratio[1])
	}
	return t.Value
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
