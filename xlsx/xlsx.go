// Package xlsx reads and writes the Excel workbooks (.xlsx) a plan office
// works in, through github.com/xuri/excelize/v2, a pure-Go library.
//
// Spreadsheets are how Chinese plan offices already exchange work: the city
// sends every county and department a 任务分解表 (the targets split into
// county quotas) and a 填报 template for each month, and gets the templates
// back filled in. Speaking that format lets gongfu fit the existing routine
// rather than asking hundreds of reporters to type every figure into a web
// form. The package only converts: it writes plans, quotas and last values
// into workbooks and reads a filled template back into rows, checking the
// workbook's shape (columns, numbers, merged cells, size). Whether a row's
// figures are acceptable for its target is the domain's business
// (gongfu.Report.CheckFigures), decided by the caller.
//
// Reading never trusts the file: its size is bounded before it is read, the
// unzipped size of every part is bounded (a few kilobytes of zip can inflate
// into gigabytes), rows are streamed and counted before anything else is
// decoded, and every problem is reported with its sheet, row and column, all
// at once, so a reporter can fix the whole sheet in one pass.
package xlsx

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"gongfu"
)

// Limits on what ImportTemplate reads.
const (
	// MaxFileSize is the file-size limit used when the caller gives none.
	MaxFileSize = 10 << 20
	// MaxUnzipSize bounds the total unzipped size of a workbook's parts.
	MaxUnzipSize = 50 << 20
	// MaxUnzipXMLSize is the size above which excelize spools a worksheet to
	// a temporary file instead of holding it in memory.
	MaxUnzipXMLSize = 20 << 20
	// MaxRows is the most data rows a filled template may hold: far more
	// than a plan's items (a few hundred), far fewer than exhaust memory.
	MaxRows = 20000
	// maxDetails bounds the problems listed in one error.
	maxDetails = 200
)

// Colours and widths shared by the workbooks.
const (
	headerFill = "#DDEBF7" // light blue: header cells
	inputFill  = "#FFF2CC" // light yellow: cells the reporter fills in
	unusedFill = "#EDEDED" // grey: input columns that do not apply to a row
	borderGrey = "#BFBFBF"
)

// styles are the cell styles of a workbook being written.
type styles struct {
	title, header, text, number, input, unused int
}

// newStyles registers the styles in f.
func newStyles(f *excelize.File) (*styles, error) {
	border := []excelize.Border{
		{Type: "left", Color: borderGrey, Style: 1},
		{Type: "right", Color: borderGrey, Style: 1},
		{Type: "top", Color: borderGrey, Style: 1},
		{Type: "bottom", Color: borderGrey, Style: 1},
	}
	fill := func(c string) excelize.Fill {
		return excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{c}}
	}
	var s styles
	for _, st := range []struct {
		id    *int
		style *excelize.Style
	}{
		{&s.title, &excelize.Style{Font: &excelize.Font{Bold: true, Size: 14},
			Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"}}},
		{&s.header, &excelize.Style{Font: &excelize.Font{Bold: true}, Fill: fill(headerFill), Border: border,
			Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}}},
		{&s.text, &excelize.Style{Border: border,
			Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}}},
		{&s.number, &excelize.Style{Border: border,
			Alignment: &excelize.Alignment{Horizontal: "right", Vertical: "top"}}},
		{&s.input, &excelize.Style{Fill: fill(inputFill), Border: border,
			Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}}},
		{&s.unused, &excelize.Style{Fill: fill(unusedFill), Border: border}},
	} {
		id, err := f.NewStyle(st.style)
		if err != nil {
			return nil, err
		}
		*st.id = id
	}
	return &s, nil
}

// cell names the cell at column col and row (both from 1).
func cell(col, row int) string {
	name, err := excelize.CoordinatesToCellName(col, row)
	if err != nil {
		panic(err) // only for columns and rows the package itself chooses
	}
	return name
}

// colName names column col (1 → A).
func colName(col int) string {
	name, err := excelize.ColumnNumberToName(col)
	if err != nil {
		return strconv.Itoa(col)
	}
	return name
}

// round drops the float noise of sums (0.1+0.2) so that cells show what a
// person would have written.
func round(v float64) float64 { return math.Round(v*1e6) / 1e6 }

// fmtNum writes v in its shortest form.
func fmtNum(v float64) string { return strconv.FormatFloat(round(v), 'f', -1, 64) }

// setWidths sets the width of each column, from A.
func setWidths(f *excelize.File, sheet string, widths []float64) error {
	for i, w := range widths {
		c := colName(i + 1)
		if err := f.SetColWidth(sheet, c, c, w); err != nil {
			return err
		}
	}
	return nil
}

// quote shortens a cell's text for an error message.
func quote(s string) string {
	r := []rune(s)
	if len(r) > 40 {
		s = string(r[:40]) + "…"
	}
	return s
}

// at names a place in a workbook in both languages: a row, or a cell when
// col > 0.
func at(sheet string, row, col int) (zh, en string) {
	if col <= 0 {
		return fmt.Sprintf("%s 表第 %d 行", sheet, row), fmt.Sprintf("sheet %s row %d", sheet, row)
	}
	c := colName(col)
	return fmt.Sprintf("%s 表第 %d 行 %s 列", sheet, row, c), fmt.Sprintf("sheet %s row %d column %s", sheet, row, c)
}

// Problem formats one problem at a row (col 0) or a cell of a workbook as
// ImportTemplate reports them: "填报 表第 7 行 F 列：… (sheet 填报 row 7
// column F: …)". Callers validating the rows further use it so that their
// messages read the same.
func Problem(sheet string, row, col int, zh, en string) string {
	wz, we := at(sheet, row, col)
	return fmt.Sprintf("%s：%s (%s: %s)", wz, zh, we, en)
}

// Problemf is Problem with its text from the catalogue (gongfu.Texts).
func Problemf(sheet string, row, col int, format string, args ...any) string {
	zh, en := gongfu.Texts(format, args...)
	return Problem(sheet, row, col, zh, en)
}

// problems collects the problems of a workbook, up to maxDetails.
type problems struct {
	list []string
	more int
}

// add records a problem at a row or cell.
func (p *problems) add(sheet string, row, col int, zh, en string) {
	if len(p.list) >= maxDetails {
		p.more++
		return
	}
	p.list = append(p.list, Problem(sheet, row, col, zh, en))
}

// addf records a problem whose text is in the catalogue (Problemf).
func (p *problems) addf(sheet string, row, col int, format string, args ...any) {
	zh, en := gongfu.Texts(format, args...)
	p.add(sheet, row, col, zh, en)
}

// details returns the problems, with a last line counting those left out.
func (p *problems) details() []string {
	out := p.list
	if p.more > 0 {
		out = append(out, gongfu.Detailf("……另有 %d 处问题未列出", p.more))
	}
	return out
}

// count is the number of problems found.
func (p *problems) count() int { return len(p.list) + p.more }

// trimCell trims a cell's text, including the full-width spaces Chinese
// input methods type.
func trimCell(s string) string { return strings.TrimSpace(strings.ReplaceAll(s, "\u3000", " ")) }
