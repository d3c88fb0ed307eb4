package xlsx

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"gongfu"
	"gongfu/storetest"
)

func fp(v float64) *float64 { return &v }

// fixture is the sample plan as stored, with a county to report for.
func fixture() (*gongfu.Plan, *gongfu.Org) {
	p := storetest.SamplePlan()
	p.ID = 7
	return p, &gongfu.Org{ID: 12, Name: "鹿城区", Kind: gongfu.OrgCounty, Path: "温州市/鹿城区"}
}

// sampleItems are all items of the sample plan, targets then milestones.
var sampleItems = []string{"1.1", "1.2", "2.1", "3.1", "3.2", "1.m1", "1.m2", "3.m1"}

// open reads a workbook written to buf.
func open(t *testing.T, b []byte) *excelize.File {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// save writes f and returns its bytes.
func save(t *testing.T, f *excelize.File) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// template exports the sample template for 2020-05.
func template(t *testing.T) []byte {
	t.Helper()
	p, org := fixture()
	last := map[string]*gongfu.Report{
		"1.1":  {Value: fp(10)},
		"1.m2": {Stage: gongfu.StageInProgress, Percent: fp(40)},
	}
	var buf bytes.Buffer
	if err := ExportTemplate(&buf, p, org, gongfu.MonthPeriod(2020, 5), sampleItems, last); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// set writes cells of sheet 填报, "F2" → value.
func set(t *testing.T, f *excelize.File, cells map[string]any) {
	t.Helper()
	for c, v := range cells {
		if err := f.SetCellValue(TemplateSheet, c, v); err != nil {
			t.Fatal(err)
		}
	}
}

// wantErr fails t unless err has code and its message and details together
// contain every one of want.
func wantErr(t *testing.T, err error, code string, want ...string) {
	t.Helper()
	if got := gongfu.ErrorCode(err); got != code {
		t.Fatalf("error code %q (%v), want %q", got, err, code)
	}
	all := gongfu.ErrorMessage(err) + "\n" + strings.Join(gongfu.ErrorDetails(err), "\n")
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Errorf("error lacks %q:\n%s", w, all)
		}
	}
}

func TestExportDecomposition(t *testing.T) {
	p, lc := fixture()
	ra := &gongfu.Org{ID: 13, Name: "瑞安市", Kind: gongfu.OrgCounty, Path: "温州市/瑞安市"}
	quotas := []gongfu.Quota{
		{PlanID: p.ID, ItemID: "1.1", OrgID: lc.ID, Value: 30},
		{PlanID: p.ID, ItemID: "1.1", OrgID: ra.ID, Value: 45.1},
		{PlanID: p.ID, ItemID: "2.1", OrgID: ra.ID, Value: 99},
		{PlanID: p.ID, ItemID: "1.1", OrgID: 999, Value: 1000}, // not a listed county
	}
	var buf bytes.Buffer
	if err := ExportDecomposition(&buf, p, []*gongfu.Org{lc, ra}, quotas); err != nil {
		t.Fatal(err)
	}
	f := open(t, buf.Bytes())
	if got := f.GetSheetList(); !slices.Equal(got, []string{DecompositionSheet}) {
		t.Fatalf("sheets %q", got)
	}
	rows, err := f.GetRows(DecompositionSheet)
	if err != nil {
		t.Fatal(err)
	}
	wantHeader := []string{"序号", "领域", "任务", "指标", "目标值", "单位", "责任单位", "完成时限", "鹿城区", "瑞安市", "合计", "缺口"}
	if !slices.Equal(rows[0], wantHeader) {
		t.Errorf("header %q, want %q", rows[0], wantHeader)
	}
	if len(rows) != 1+len(sampleItems) {
		t.Fatalf("%d rows, want header and %d items", len(rows), len(sampleItems))
	}
	var ids []string
	for _, r := range rows[1:] {
		ids = append(ids, r[0])
	}
	if !slices.Equal(ids, sampleItems) {
		t.Errorf("rows %q, want targets then milestones %q", ids, sampleItems)
	}
	pad := func(r []string) []string { return append(r, make([]string, len(wantHeader)-len(r))...) }
	wantRows := [][]string{
		{"1.1", "加快推进教育现代化工程", "加快学前教育公益普惠发展", "新（扩）建幼儿园", "80", "所", "市教育局、市发展改革委、市财政局", "2020-12-31", "30", "45.1", "75.1", "4.9"},
		{"1.2", "加快推进教育现代化工程", "加快学前教育公益普惠发展", "普职比", "55:45", "", "市教育局、市发展改革委、市财政局", "2020-12-31", "", "", "", ""},
		{"2.1", "加快推进教育现代化工程", "提升教师队伍素质", "专任教师持证率", "98.5", "%", "市人力社保局、市教育局、市人力社保局", "2020-12-31", "", "99", "99", ""},
		{"1.m2", "加快推进教育现代化工程", "加快学前教育公益普惠发展", "6月底前完成幼儿园布局规划", "", "", "市教育局、市发展改革委、市财政局", "2020-06-30", "", "", "", ""},
	}
	for _, want := range wantRows {
		i := slices.Index(ids, want[0])
		if got := pad(rows[i+1]); !slices.Equal(got, want) {
			t.Errorf("row %s\n got %q\nwant %q", want[0], got, want)
		}
	}
	// Numbers are numbers, so that the office can sum them.
	if typ, _ := f.GetCellType(DecompositionSheet, "I2"); typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
		t.Errorf("quota cell type %v, want a number", typ)
	}
	// The header is bold and frozen.
	id, _ := f.GetCellStyle(DecompositionSheet, "A1")
	if st, err := f.GetStyle(id); err != nil || st.Font == nil || !st.Font.Bold {
		t.Errorf("header style %+v, want bold", st)
	}
	panes, err := f.GetPanes(DecompositionSheet)
	if err != nil || !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("panes %+v, want the header row frozen", panes)
	}
	if w, _ := f.GetColWidth(DecompositionSheet, "D"); w < 20 {
		t.Errorf("column 指标 is %v wide, want room for names", w)
	}
}

func TestExportTemplate(t *testing.T) {
	f := open(t, template(t))
	if got := f.GetSheetList(); !slices.Equal(got, []string{TemplateSheet, GuideSheet, MetaSheet}) {
		t.Fatalf("sheets %q", got)
	}
	if visible, _ := f.GetSheetVisible(MetaSheet); visible {
		t.Error("the meta sheet is visible")
	}
	rows, _ := f.GetRows(TemplateSheet)
	if !slices.Equal(rows[0], TemplateHeader) {
		t.Errorf("header %q", rows[0])
	}
	if len(rows) != 1+len(sampleItems) {
		t.Fatalf("%d rows, want header and %d items", len(rows), len(sampleItems))
	}
	want := map[string][]string{
		"1.1":  {"1.1", "新（扩）建幼儿园", "≥80", "所", "10"},
		"1.2":  {"1.2", "普职比", "55:45"},
		"3.1":  {"3.1", "县域就诊率", "≥+1", "百分点"},
		"3.2":  {"3.2", "孕产妇死亡率", "≤-0.2", "百分点"},
		"1.m1": {"1.m1", "制定《学前教育发展实施意见》", "完成"},
		"1.m2": {"1.m2", "6月底前完成幼儿园布局规划", "2020-06-30 前完成", "", "推进中 40%"},
	}
	for _, r := range rows[1:] {
		if w, ok := want[r[0]]; ok && !slices.Equal(r, w) {
			t.Errorf("row %s = %q, want %q", r[0], r, w)
		}
	}
	meta, _ := f.GetRows(MetaSheet)
	got := map[string]string{}
	for _, r := range meta {
		got[r[0]] = r[1]
	}
	if got["plan_id"] != "7" || got["org_id"] != "12" || got["org_name"] != "鹿城区" || got["period"] != "2020-05" {
		t.Errorf("meta %v", got)
	}
	// Inputs are coloured: yellow where the row expects figures, grey where not.
	fill := func(c string) string {
		id, _ := f.GetCellStyle(TemplateSheet, c)
		st, _ := f.GetStyle(id)
		if st == nil || len(st.Fill.Color) == 0 {
			return ""
		}
		return strings.ToUpper(st.Fill.Color[0])
	}
	for c, w := range map[string]string{"F2": inputFill, "L2": inputFill, "I2": unusedFill, "I7": inputFill, "F7": unusedFill, "A2": "", "E2": ""} {
		if g := fill(c); !strings.EqualFold(g, strings.TrimPrefix(w, "#")) {
			t.Errorf("fill of %s = %q, want %q", c, g, w)
		}
	}
	var buf bytes.Buffer
	p, org := fixture()
	err := ExportTemplate(&buf, p, org, gongfu.MonthPeriod(2020, 5), []string{"1.1", "9.9"}, nil)
	wantErr(t, err, gongfu.EINVALID, "9.9")
}

func TestTemplateRoundTrip(t *testing.T) {
	f := open(t, template(t))
	// Rows: 2 1.1, 3 1.2, 4 2.1, 5 3.1, 6 3.2, 7 1.m1, 8 1.m2, 9 3.m1.
	set(t, f, map[string]any{
		"F2": 12, "K2": "含改扩建 2 所",
		"G4": "3,900", "H4": 4000.0,
		"F5": "０.５",
		"F6": -0.1, "L6": "统计口径调整",
		"I7": "已完成",
		"I8": "in_progress", "J8": "60%",
		"I9": "Not Started",
	})
	// Row 3 (1.2) left empty: skipped.
	filled, err := ImportTemplate(bytes.NewReader(save(t, f)), 0)
	if err != nil {
		t.Fatalf("%v\n%s", err, strings.Join(gongfu.ErrorDetails(err), "\n"))
	}
	if filled.PlanID != 7 || filled.OrgID != 12 || filled.Period != "2020-05" || filled.OrgName != "鹿城区" ||
		filled.PlanTitle != storetest.SamplePlan().Title || filled.Skipped != 1 {
		t.Errorf("filled = %+v", filled)
	}
	want := []FilledRow{
		{Sheet: TemplateSheet, Row: 2, ItemID: "1.1", Value: fp(12), Note: "含改扩建 2 所"},
		{Sheet: TemplateSheet, Row: 4, ItemID: "2.1", Numerator: fp(3900), Denominator: fp(4000)},
		{Sheet: TemplateSheet, Row: 5, ItemID: "3.1", Value: fp(0.5)},
		{Sheet: TemplateSheet, Row: 6, ItemID: "3.2", Value: fp(-0.1), Reason: "统计口径调整"},
		{Sheet: TemplateSheet, Row: 7, ItemID: "1.m1", Stage: gongfu.StageDone},
		{Sheet: TemplateSheet, Row: 8, ItemID: "1.m2", Stage: gongfu.StageInProgress, Percent: fp(60)},
		{Sheet: TemplateSheet, Row: 9, ItemID: "3.m1", Stage: gongfu.StageNotStarted},
	}
	if show(filled.Rows) != show(want) {
		t.Errorf("rows\n got %s\nwant %s", show(filled.Rows), show(want))
	}
}

// show renders rows with their numbers for comparison.
func show(rows []FilledRow) string {
	n := func(v *float64) string {
		if v == nil {
			return "-"
		}
		return fmt.Sprint(*v)
	}
	var b strings.Builder
	for _, r := range rows {
		fmt.Fprintf(&b, "\n%s/%d %s v=%s n=%s d=%s p=%s %s %q %q", r.Sheet, r.Row, r.ItemID,
			n(r.Value), n(r.Numerator), n(r.Denominator), n(r.Percent), r.Stage, r.Note, r.Reason)
	}
	return b.String()
}

func TestImportBadCells(t *testing.T) {
	f := open(t, template(t))
	set(t, f, map[string]any{
		"F2": "abc",
		"G4": "12", "H4": "NaN",
		"F5": "1e999",
		"I7": "半完成",
		"J8": "0x10",
		"N3": "备注",        // outside the template's columns
		"A6": "", "F6": 3, // no id
		"A9": "1.1", "I9": "done", // repeats row 2
	})
	_, err := ImportTemplate(bytes.NewReader(save(t, f)), 0)
	wantErr(t, err, gongfu.EINVALID,
		"填报 表第 2 行 F 列：“abc” 不是数字",
		`(sheet 填报 row 2 column F: "abc" is not a number)`,
		"第 4 行 H 列：“NaN” 不是数字",
		"第 5 行 F 列：“1e999” 超出数值范围",
		"第 7 行 I 列：“半完成” 不是有效的阶段",
		"第 8 行 J 列：“0x10” 不是数字",
		"第 3 行 N 列",
		"第 6 行 A 列：缺少编号",
		"第 9 行 A 列：编号 1.1 与第 2 行重复",
	)
	if n := len(gongfu.ErrorDetails(err)); n != 8 {
		t.Errorf("%d problems, want 8: %q", n, gongfu.ErrorDetails(err))
	}
}

func TestImportWrongColumns(t *testing.T) {
	f := open(t, template(t))
	set(t, f, map[string]any{"F1": "本期值", "F2": 12})
	if err := f.RemoveCol(TemplateSheet, "L"); err != nil {
		t.Fatal(err)
	}
	_, err := ImportTemplate(bytes.NewReader(save(t, f)), 0)
	wantErr(t, err, gongfu.EINVALID,
		"填报 表第 1 行 F 列：列名应为“本期累计值”，实为“本期值”",
		"填报 表第 1 行 L 列：缺少列“原因”")

	// An inserted column shifts every column after it.
	f = open(t, template(t))
	if err := f.InsertCols(TemplateSheet, "C", 1); err != nil {
		t.Fatal(err)
	}
	set(t, f, map[string]any{"C1": "备注"})
	_, err = ImportTemplate(bytes.NewReader(save(t, f)), 0)
	wantErr(t, err, gongfu.EINVALID, "C 列：列名应为“目标值”，实为“备注”", "M 列：多余的列“原因”")

	// A renamed first column: no row starts with 编号, so the first row
	// is judged as the header.
	f = open(t, template(t))
	set(t, f, map[string]any{"A1": "序号"})
	_, err = ImportTemplate(bytes.NewReader(save(t, f)), 0)
	wantErr(t, err, gongfu.EINVALID, "填报 表第 1 行 A 列：列名应为“编号”，实为“序号”")
	if n := len(gongfu.ErrorDetails(err)); n != 1 {
		t.Errorf("%d problems for one renamed column: %q", n, gongfu.ErrorDetails(err))
	}

	// No header at all.
	f = excelize.NewFile()
	f.SetSheetName("Sheet1", TemplateSheet)
	addMeta(t, f)
	_, err = ImportTemplate(bytes.NewReader(save(t, f)), 0)
	wantErr(t, err, gongfu.EINVALID, "表头缺失")
}

func TestImportMergedCells(t *testing.T) {
	f := open(t, template(t))
	set(t, f, map[string]any{"F2": 12})
	if err := f.MergeCell(TemplateSheet, "F4", "F5"); err != nil {
		t.Fatal(err)
	}
	b := save(t, f)
	_, err := ImportTemplate(bytes.NewReader(b), 0)
	wantErr(t, err, gongfu.EINVALID, "填报 表第 4 行 F 列：F4:F5 是合并单元格")

	// The same found by excelize, when the sheet's part cannot be located
	// the simple way.
	var p problems
	checkMerges(open(t, b), nil, &p, TemplateSheet, 1)
	if d := p.details(); len(d) != 1 || !strings.Contains(d[0], "F4:F5") {
		t.Errorf("fallback found %q", d)
	}

	// A merged title above the header is no problem.
	f = open(t, template(t))
	if err := f.InsertRows(TemplateSheet, 1, 1); err != nil {
		t.Fatal(err)
	}
	set(t, f, map[string]any{"A1": "鹿城区 2020-05 填报", "F3": 5})
	if err := f.MergeCell(TemplateSheet, "A1", "L1"); err != nil {
		t.Fatal(err)
	}
	filled, err := ImportTemplate(bytes.NewReader(save(t, f)), 0)
	if err != nil {
		t.Fatalf("merged title: %v %q", err, gongfu.ErrorDetails(err))
	}
	if len(filled.Rows) != 1 || filled.Rows[0].Row != 3 || filled.Rows[0].ItemID != "1.1" {
		t.Errorf("rows under a title: %s", show(filled.Rows))
	}
}

func TestImportEmptyRowsSkipped(t *testing.T) {
	f := open(t, template(t))
	if err := f.InsertRows(TemplateSheet, 3, 2); err != nil {
		t.Fatal(err)
	}
	// Row 2 1.1, rows 3–4 blank, row 5 1.2 …
	set(t, f, map[string]any{"F2": 1, "F6": "2"})
	filled, err := ImportTemplate(bytes.NewReader(save(t, f)), 0)
	if err != nil {
		t.Fatalf("%v %q", err, gongfu.ErrorDetails(err))
	}
	if len(filled.Rows) != 2 || filled.Rows[0].Row != 2 || filled.Rows[1].Row != 6 || filled.Rows[1].ItemID != "2.1" {
		t.Errorf("rows %s", show(filled.Rows))
	}
	if filled.Skipped != 6 {
		t.Errorf("skipped %d, want 6", filled.Skipped)
	}
}

// addMeta adds the meta sheet of the sample template to f.
func addMeta(t *testing.T, f *excelize.File) {
	t.Helper()
	p, org := fixture()
	if err := writeMeta(f, p, org, gongfu.MonthPeriod(2020, 5)); err != nil {
		t.Fatal(err)
	}
}

// bigTemplate builds a filled template of n data rows with a stream writer.
func bigTemplate(t *testing.T, n int) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	f.SetSheetName("Sheet1", TemplateSheet)
	sw, err := f.NewStreamWriter(TemplateSheet)
	if err != nil {
		t.Fatal(err)
	}
	if err := sw.SetRow("A1", toAny(TemplateHeader)); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		row := []any{fmt.Sprintf("x.%d", i), "指标", "≥1", "个", nil, float64(i), nil, nil, nil, nil, "说明"}
		if err := sw.SetRow(cell(1, i+2), row); err != nil {
			t.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	addMeta(t, f)
	return save(t, f)
}

func TestImportRowLimit(t *testing.T) {
	filled, err := ImportTemplate(bytes.NewReader(bigTemplate(t, 10000)), 0)
	if err != nil {
		t.Fatalf("10,000 rows: %v %q", err, gongfu.ErrorDetails(err))
	}
	if len(filled.Rows) != 10000 || filled.Rows[9999].Row != 10001 || *filled.Rows[9999].Value != 9999 {
		t.Errorf("10,000 rows: got %d rows", len(filled.Rows))
	}
	_, err = ImportTemplate(bytes.NewReader(bigTemplate(t, MaxRows+1)), 0)
	wantErr(t, err, gongfu.ETOOLARGE, "20000")
}

func TestImportFileSizeLimit(t *testing.T) {
	b := template(t)
	_, err := ImportTemplate(bytes.NewReader(b), int64(len(b)-1))
	wantErr(t, err, gongfu.ETOOLARGE, "文件太大")
	if _, err := ImportTemplate(bytes.NewReader(b), int64(len(b))); err != nil {
		t.Errorf("a file of exactly the limit: %v", err)
	}
}

// bomb returns an xlsx-shaped zip whose sheet is size bytes of '0',
// deflated. When lie is set the directory claims the sheet is 1 KB.
func bomb(t *testing.T, size int, lie bool) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	add := func(name, body string) {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, body)
	}
	add("[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`)
	add("xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="填报" sheetId="1" r:id="rId1"/></sheets></workbook>`)
	add("xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`)

	var z bytes.Buffer
	fw, _ := flate.NewWriter(&z, flate.BestCompression)
	crc := crc32.NewIEEE()
	chunk := bytes.Repeat([]byte("0"), 1<<20)
	for left := size; left > 0; left -= len(chunk) {
		c := chunk[:min(len(chunk), left)]
		fw.Write(c)
		crc.Write(c)
	}
	fw.Close()
	h := &zip.FileHeader{Name: "xl/worksheets/sheet1.xml", Method: zip.Deflate,
		CRC32: crc.Sum32(), CompressedSize64: uint64(z.Len()), UncompressedSize64: uint64(size)}
	if lie {
		h.UncompressedSize64 = 1024
	}
	w, err := zw.CreateRaw(h)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(z.Bytes())
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestImportZipBomb(t *testing.T) {
	b := bomb(t, 200<<20, false)
	if len(b) > 1<<20 {
		t.Fatalf("the bomb is %d bytes, want a small file", len(b))
	}
	_, err := ImportTemplate(bytes.NewReader(b), 0)
	wantErr(t, err, gongfu.ETOOLARGE, "解压")

	// A directory that understates the sheet's size: archive/zip stops
	// inflating at the stated size, so the sheet is cut short.
	_, err = ImportTemplate(bytes.NewReader(bomb(t, 200<<20, true)), 0)
	if code := gongfu.ErrorCode(err); code != gongfu.EINVALID && code != gongfu.ETOOLARGE {
		t.Errorf("lying bomb: %v (code %s), want invalid or too large", err, code)
	}
}

// TestImportManyEmptyCells: a sheet of millions of empty cells zips to a
// few hundred kilobytes and would take excelize many seconds to parse; it
// is refused after counting its tags.
func TestImportManyEmptyCells(t *testing.T) {
	base := template(t)
	zr, err := zip.NewReader(bytes.NewReader(base), int64(len(base)))
	if err != nil {
		t.Fatal(err)
	}
	var sheet strings.Builder
	sheet.WriteString(`<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">`)
	for i, h := range TemplateHeader {
		fmt.Fprintf(&sheet, `<c r="%s" t="inlineStr"><is><t>%s</t></is></c>`, cell(i+1, 1), h)
	}
	sheet.WriteString(`</row>`)
	empty := strings.Repeat(`<c s="1"/>`, 120)
	for r := 2; r <= 20001; r++ {
		fmt.Fprintf(&sheet, `<row r="%d"><c r="A%d"><v>%d</v></c><c r="F%d"><v>1</v></c>%s</row>`, r, r, r, r, empty)
	}
	sheet.WriteString(`</sheetData></worksheet>`)
	files := map[string]string{}
	for _, zf := range zr.File {
		rc, _ := zf.Open()
		b, _ := io.ReadAll(rc)
		files[zf.Name] = string(b)
	}
	sheet1 := files["xl/worksheets/sheet1.xml"]
	files["xl/worksheets/sheet1.xml"] = sheet.String()
	start := time.Now()
	_, err = ImportTemplate(bytes.NewReader(zipOf(t, files)), 0)
	wantErr(t, err, gongfu.ETOOLARGE, "单元格过多")
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("refusing took %v", d)
	}

	// The same trick in the shared strings, which excelize decodes whole.
	files["xl/worksheets/sheet1.xml"] = sheet1
	files["xl/sharedStrings.xml"] = `<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` +
		strings.Repeat("<si><t>x</t></si>", 1_100_000) + `</sst>`
	_, err = ImportTemplate(bytes.NewReader(zipOf(t, files)), 0)
	wantErr(t, err, gongfu.ETOOLARGE, "内容过多")
}

func TestImportNotAWorkbook(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	noise := make([]byte, 64<<10)
	for i := range noise {
		noise[i] = byte(rnd.UintN(256))
	}
	plain := excelize.NewFile()
	plain.SetCellValue("Sheet1", "A1", "编号")
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"random bytes", noise, "不是有效的 xlsx"},
		{"empty", nil, "不是有效的 xlsx"},
		{"text", []byte("编号,指标\n1.1,12\n"), "不是有效的 xlsx"},
		{"zip header, no zip", append([]byte("PK\x03\x04"), noise[:1000]...), "不是有效的 xlsx"},
		{"old xls", append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, noise[:1000]...), ".xls"},
		{"docx-like zip", zipOf(t, map[string]string{"word/document.xml": "<w/>"}), "不是有效的 xlsx"},
		{"workbook without meta", save(t, plain), "不是 gongfu 导出的填报模板"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ImportTemplate(bytes.NewReader(tc.data), 0)
			wantErr(t, err, gongfu.EINVALID, tc.want)
		})
	}
}

func TestImportMetaAltered(t *testing.T) {
	f := open(t, template(t))
	f.SetCellStr(MetaSheet, "B2", "seven")
	f.SetCellStr(MetaSheet, "B6", "2020-13")
	_, err := ImportTemplate(bytes.NewReader(save(t, f)), 0)
	wantErr(t, err, gongfu.EINVALID, "meta 表第 2 行 B 列", "meta 表第 6 行 B 列")
}

func zipOf(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range files {
		w, _ := zw.Create(name)
		io.WriteString(w, body)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestParseNumber(t *testing.T) {
	for in, want := range map[string]float64{"12": 12, "-0.5": -0.5, "1,234.5": 1234.5, "95%": 95, "１２．５": 12.5, " 3 ": 3, "1E3": 1000, ".5": 0.5} {
		if v, zh, _ := parseNumber(in); zh != "" || v != want {
			t.Errorf("parseNumber(%q) = %v, %q; want %v", in, v, zh, want)
		}
	}
	for _, in := range []string{"abc", "NaN", "Inf", "0x10", "1,2", "12个", "1e999", "--1", "1.2.3"} {
		if _, zh, _ := parseNumber(in); zh == "" {
			t.Errorf("parseNumber(%q) accepted", in)
		}
	}
}

// TestImportProgress: the progress hook sees the data sheet's rows counted
// beforehand and read one by one, and the workbook reads the same with it
// as without.
func TestImportProgress(t *testing.T) {
	b := bigTemplate(t, 3000) // some hundreds of kilobytes of XML: many read chunks
	var calls [][2]int
	filled, err := ImportTemplateProgress(bytes.NewReader(b), 0, func(read, total int) {
		calls = append(calls, [2]int{read, total})
	})
	if err != nil {
		t.Fatal(err)
	}
	plain, err := ImportTemplate(bytes.NewReader(b), 0)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(show(filled.Rows)) != fmt.Sprint(show(plain.Rows)) || filled.Skipped != plain.Skipped || len(filled.Rows) != 3000 {
		t.Errorf("with progress: %d rows, %d skipped; without: %d, %d", len(filled.Rows), filled.Skipped, len(plain.Rows), plain.Skipped)
	}
	if len(calls) < 3000 || calls[0] != [2]int{0, 3001} || calls[len(calls)-1] != [2]int{3001, 3001} {
		t.Fatalf("%d calls, first %v, last %v", len(calls), calls[0], calls[len(calls)-1])
	}
	for i := 1; i < len(calls); i++ {
		if calls[i][0] < calls[i-1][0] || calls[i][0] > calls[i][1] {
			t.Fatalf("call %d: %v after %v", i, calls[i], calls[i-1])
		}
	}
	// A refused workbook says so the same way with a hook.
	_, err = ImportTemplateProgress(bytes.NewReader([]byte("not a workbook")), 0, func(int, int) {})
	wantErr(t, err, gongfu.EINVALID)
}
