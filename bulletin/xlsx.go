package bulletin

import (
	"fmt"
	"io"
	"slices"
	"unicode"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// WriteXLSX writes b as an Excel workbook: one sheet per section, named by
// its heading, each starting with the bulletin's title and the section's
// heading and paragraphs, then its table with a bold header row that stays
// in view (frozen) while scrolling. The lagging items, split by light and
// unit in the document, are one list here with the light and the unit as
// leading columns, so the office can filter and sort them.
func WriteXLSX(w io.Writer, b *Bulletin) error {
	f := excelize.NewFile()
	defer f.Close()
	st, err := newXLSXStyles(f)
	if err != nil {
		return err
	}
	if err := f.SetDocProps(&excelize.DocProperties{Title: b.Title, Creator: b.Issuer, Language: "zh-CN"}); err != nil {
		return err
	}
	for i, s := range b.Sections {
		name := sheetName(s.Heading, i)
		if i == 0 {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				return err
			}
		} else if _, err := f.NewSheet(name); err != nil {
			return err
		}
		if err := writeSheet(f, st, name, b, s, i == 0); err != nil {
			return fmt.Errorf("sheet %s: %w", name, err)
		}
	}
	if len(b.Sections) == 0 {
		if err := f.SetCellValue("Sheet1", "A1", b.Title); err != nil {
			return err
		}
	}
	f.SetActiveSheet(0)
	return f.Write(w)
}

// xlsxStyles are the cell styles of a bulletin workbook.
type xlsxStyles struct{ title, heading, header, text, number int }

func newXLSXStyles(f *excelize.File) (*xlsxStyles, error) {
	border := []excelize.Border{
		{Type: "left", Color: "#BFBFBF", Style: 1},
		{Type: "right", Color: "#BFBFBF", Style: 1},
		{Type: "top", Color: "#BFBFBF", Style: 1},
		{Type: "bottom", Color: "#BFBFBF", Style: 1},
	}
	var s xlsxStyles
	for _, x := range []struct {
		id    *int
		style *excelize.Style
	}{
		{&s.title, &excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}}},
		{&s.heading, &excelize.Style{Font: &excelize.Font{Bold: true, Size: 12}}},
		{&s.header, &excelize.Style{Font: &excelize.Font{Bold: true}, Border: border,
			Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"#DDEBF7"}},
			Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}}},
		{&s.text, &excelize.Style{Border: border, Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}}},
		{&s.number, &excelize.Style{Border: border, Alignment: &excelize.Alignment{Horizontal: "right", Vertical: "top"}}},
	} {
		id, err := f.NewStyle(x.style)
		if err != nil {
			return nil, err
		}
		*x.id = id
	}
	return &s, nil
}

// sheetName makes a valid, unique sheet name from a section heading: at
// most 31 characters, none of : \ / ? * [ ].
func sheetName(heading string, i int) string {
	var out []rune
	for _, r := range heading {
		switch r {
		case ':', '\\', '/', '?', '*', '[', ']':
			r = '_'
		}
		out = append(out, r)
	}
	if len(out) > 31 {
		out = out[:31]
	}
	if len(out) == 0 {
		return fmt.Sprintf("Sheet%d", i+1)
	}
	return string(out)
}

// writeSheet writes one section on its sheet.
func writeSheet(f *excelize.File, st *xlsxStyles, sheet string, b *Bulletin, s Section, first bool) error {
	row := 0
	put := func(text string, style int) error {
		row++
		c := cellName(1, row)
		if err := f.SetCellStr(sheet, c, text); err != nil {
			return err
		}
		return f.SetCellStyle(sheet, c, c, style)
	}
	if err := put(b.Title, st.title); err != nil {
		return err
	}
	if first {
		for _, line := range []string{joinNonEmpty("　", b.Issuer, b.Date), b.Intro} {
			if line != "" {
				if err := put(line, 0); err != nil {
					return err
				}
			}
		}
	}
	if err := put(s.Heading, st.heading); err != nil {
		return err
	}

	// A section whose tables are parts of one list (Group set) is written
	// as that list, after its opening paragraphs: its subheadings and their
	// 无 are carried by the group columns. Other tables are written in
	// place; the first one's header row is frozen.
	grouped := slices.ContainsFunc(s.Blocks, func(bl Block) bool { return bl.Table != nil && len(bl.Table.Group) > 0 })
	var list *Table
	inList, frozen := false, false
	for _, bl := range s.Blocks {
		if grouped && (bl.Heading != "" || bl.Table != nil) {
			inList = true
		}
		switch {
		case bl.Table != nil && grouped:
			t := bl.Table
			if list == nil {
				list = &Table{Header: append(append([]string{}, t.GroupHeader...), t.Header...),
					Numeric: append(make([]bool, len(t.GroupHeader)), t.Numeric...)}
			}
			for _, r := range t.Rows {
				list.Rows = append(list.Rows, append(append([]string{}, t.Group...), r...))
			}
		case bl.Table != nil:
			if err := writeTable(f, st, sheet, &row, bl.Table, !frozen); err != nil {
				return err
			}
			frozen = true
		case inList:
		case bl.Heading != "":
			if err := put(bl.Heading, st.heading); err != nil {
				return err
			}
		case bl.Text != "":
			if err := put(bl.Text, 0); err != nil {
				return err
			}
		}
	}
	if list != nil {
		return writeTable(f, st, sheet, &row, list, !frozen)
	}
	return nil
}

// writeTable writes t after a blank row, with its header row bold and, when
// freeze is set, frozen so it stays in view.
func writeTable(f *excelize.File, st *xlsxStyles, sheet string, row *int, t *Table, freeze bool) error {
	*row += 2
	header := *row
	for c, h := range t.Header {
		if err := f.SetCellStr(sheet, cellName(c+1, header), h); err != nil {
			return err
		}
	}
	if err := f.SetCellStyle(sheet, cellName(1, header), cellName(len(t.Header), header), st.header); err != nil {
		return err
	}
	widths := make([]int, len(t.Header))
	for c, h := range t.Header {
		widths[c] = displayWidth(h)
	}
	for _, r := range t.Rows {
		*row++
		for c, v := range r {
			if c >= len(t.Header) {
				break
			}
			name := cellName(c+1, *row)
			if err := f.SetCellStr(sheet, name, v); err != nil {
				return err
			}
			style := st.text
			if c < len(t.Numeric) && t.Numeric[c] {
				style = st.number
			}
			if err := f.SetCellStyle(sheet, name, name, style); err != nil {
				return err
			}
			widths[c] = max(widths[c], displayWidth(v))
		}
	}
	for c, w := range widths {
		col := colLetters(c + 1)
		if err := f.SetColWidth(sheet, col, col, float64(min(max(w+2, 6), 60))); err != nil {
			return err
		}
	}
	if !freeze {
		return nil
	}
	return f.SetPanes(sheet, &excelize.Panes{
		Freeze: true, YSplit: header, TopLeftCell: cellName(1, header+1), ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: cellName(1, header+1), ActiveCell: cellName(1, header+1), Pane: "bottomLeft"}},
	})
}

// cellName names the cell at column col and row, both from 1.
func cellName(col, row int) string {
	n, err := excelize.CoordinatesToCellName(col, row)
	if err != nil {
		panic(err) // only for cells this package chooses
	}
	return n
}

// colLetters names column col (1 → A).
func colLetters(col int) string {
	n, err := excelize.ColumnNumberToName(col)
	if err != nil {
		panic(err)
	}
	return n
}

// displayWidth is a text's width in character cells: two for a CJK
// character, one for others.
func displayWidth(s string) int {
	w := 0
	for _, r := range s {
		if r >= utf8.RuneSelf && (unicode.Is(unicode.Han, r) || unicode.In(r, unicode.Hiragana, unicode.Katakana) || r >= 0xFF00 && r <= 0xFFEF || r >= 0x3000 && r <= 0x303F) {
			w += 2
		} else {
			w++
		}
	}
	return w
}

// joinNonEmpty joins the non-empty parts with sep.
func joinNonEmpty(sep string, parts ...string) string {
	parts = slices.DeleteFunc(parts, func(s string) bool { return s == "" })
	out := ""
	for i, p := range parts {
		if i > 0 {
			out += sep
		}
		out += p
	}
	return out
}
