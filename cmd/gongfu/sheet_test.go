package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"gongfu"
	"gongfu/demo"
	"gongfu/sqlite"
	"gongfu/xlsx"
)

// sheetSeed imports the seed plan into a new database and returns the
// directory and the database path; the plan is plan 1.
func sheetSeed(t *testing.T) (string, string) {
	t.Helper()
	dir := t.TempDir()
	db := filepath.Join(dir, "g.db")
	if code, _, stderr := gongfu_(t, "", "plan", "import", writeFile(t, dir, "seed.txt", demo.PlanText), "--db", db); code != 0 {
		t.Fatalf("plan import: %s", stderr)
	}
	return dir, db
}

// openDB opens the test database beside the commands, closed at the end.
func openDB(t *testing.T, path string) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// workbook opens an xlsx file.
func workbook(t *testing.T, path string) *excelize.File {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// itemRows maps the item ids of a template to their rows.
func itemRows(t *testing.T, f *excelize.File) map[string]int {
	t.Helper()
	rows, err := f.GetRows(xlsx.TemplateSheet)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for i, r := range rows[1:] {
		out[r[0]] = i + 2
	}
	return out
}

// fill sets cells of a template ("F" of item "1.1" → value) and saves it as name.
func fill(t *testing.T, f *excelize.File, dir, name string, cells map[[2]string]any) string {
	t.Helper()
	rows := itemRows(t, f)
	for k, v := range cells {
		row, ok := rows[k[0]]
		if !ok {
			t.Fatalf("template has no item %s", k[0])
		}
		if err := f.SetCellValue(xlsx.TemplateSheet, fmt.Sprintf("%s%d", k[1], row), v); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, name)
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	return path
}

// seedItems picks items of the seed plan: an increment target, two other
// targets and a milestone.
func seedItems(t *testing.T, p *gongfu.Plan) (inc, a, b, mile string) {
	t.Helper()
	for _, d := range p.Domains {
		for _, k := range d.Tasks {
			for _, g := range k.Targets {
				switch {
				case g.Kind == gongfu.KindIncrement && inc == "":
					inc = g.ID
				case g.Kind == gongfu.KindLevel && !g.IsPercent() && a == "":
					a = g.ID
				case g.Kind == gongfu.KindLevel && g.IsPercent() && b == "":
					b = g.ID
				}
			}
			if len(k.Milestones) > 0 && mile == "" {
				mile = k.Milestones[0].ID
			}
		}
	}
	if inc == "" || a == "" || b == "" || mile == "" {
		t.Fatalf("seed plan lacks items: %q %q %q %q", inc, a, b, mile)
	}
	return
}

func TestSheetHelp(t *testing.T) {
	for _, args := range [][]string{
		{"export", "decomposition", "--help"},
		{"export", "template", "--help"},
		{"import", "reports", "--help"},
	} {
		code, out, _ := gongfu_(t, "", args...)
		if code != 0 || !strings.Contains(out, "示例") || !strings.Contains(out, "Usage") {
			t.Errorf("%v: exit %d, output lacks examples: %s", args, code, out)
		}
	}
}

func TestSheetExportDecomposition(t *testing.T) {
	dir, dbPath := sheetSeed(t)
	db := openDB(t, dbPath)
	ctx := context.Background()
	p, err := db.FindPlanByID(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	inc, _, _, _ := seedItems(t, p)
	_, _, g := p.FindTarget(inc)
	lc, err := db.FindOrg(ctx, "鹿城区")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SetQuotas(ctx, 1, inc, []gongfu.Quota{{OrgID: lc.ID, Value: 1}}); err != nil {
		t.Fatal(err)
	}

	out := filepath.Join(dir, "分解.xlsx")
	code, _, stderr := gongfu_(t, "", "export", "decomposition", "--plan", "1", "--db", dbPath, "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	f := workbook(t, out)
	rows, err := f.GetRows(xlsx.DecompositionSheet)
	if err != nil {
		t.Fatal(err)
	}
	header := rows[0]
	// 温州市's twelve counties, in the yearbook's order, 鹿城区 first.
	if len(header) != 8+12+2 || header[8] != "鹿城区" || header[20] != "合计" || header[21] != "缺口" {
		t.Errorf("header %q", header)
	}
	c := p.Counts()
	if len(rows) != 1+c.Targets+c.Milestones {
		t.Errorf("%d rows, want %d", len(rows)-1, c.Targets+c.Milestones)
	}
	for _, r := range rows[1:] {
		if r[0] != inc {
			continue
		}
		r = append(r, make([]string, len(header)-len(r))...)
		gap := fmt.Sprint(g.Value - 1)
		if r[8] != "1" || r[20] != "1" || r[21] != gap {
			t.Errorf("row %s: 鹿城区 %q 合计 %q 缺口 %q; want 1, 1, %s", inc, r[8], r[20], r[21], gap)
		}
	}

	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--db", dbPath, "--out", out}, exitUsage, "--plan"},
		{[]string{"--plan", "x", "--db", dbPath, "--out", out}, exitUsage, "--plan"},
		{[]string{"--plan", "1", "--db", dbPath}, exitUsage, "--out"},
		{[]string{"--plan", "9", "--db", dbPath, "--out", out}, exitError, "(" /* bilingual */},
		{[]string{"--plan", "1", "--db", filepath.Join(dir, "none.db"), "--out", out}, exitError, "不存在"},
		{[]string{"--plan", "1", "--db", dbPath, "--out", filepath.Join(dir, "no", "such", "dir.xlsx")}, exitError, "无法写入"},
	} {
		code, _, stderr := gongfu_(t, "", append([]string{"export", "decomposition"}, tc.args...)...)
		if code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d with %q", tc.args, code, stderr, tc.code, tc.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "none.db")); err == nil {
		t.Error("exporting from a missing database created it")
	}
}

func TestSheetTemplateRoundTrip(t *testing.T) {
	dir, dbPath := sheetSeed(t)
	db := openDB(t, dbPath)
	ctx := context.Background()
	p, err := db.FindPlanByID(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	inc, lvl, pct, mile := seedItems(t, p)
	lc, err := db.FindOrg(ctx, "鹿城区")
	if err != nil {
		t.Fatal(err)
	}
	export := func(org, period string) *excelize.File {
		t.Helper()
		out := filepath.Join(dir, org+"-"+period+".xlsx")
		code, _, stderr := gongfu_(t, "", "export", "template", "--plan", "1", "--org", org, "--period", period, "--db", dbPath, "--out", out)
		if code != 0 {
			t.Fatalf("export template %s %s: exit %d: %s", org, period, code, stderr)
		}
		return workbook(t, out)
	}

	// April: four rows filled, the rest left empty.
	f := export("鹿城区", "2020-04")
	c := p.Counts()
	if n := len(itemRows(t, f)); n != c.Targets+c.Milestones {
		t.Errorf("county template has %d items, want all %d", n, c.Targets+c.Milestones)
	}
	april := fill(t, f, dir, "april.xlsx", map[[2]string]any{
		{inc, "F"}: 10, {lvl, "F"}: "2", {pct, "G"}: 90, {pct, "H"}: 100,
		{mile, "I"}: "推进中", {mile, "J"}: 50, {mile, "K"}: "方案已起草",
	})
	code, out, stderr := gongfu_(t, "", "import", "reports", april, "--db", dbPath)
	if code != 0 {
		t.Fatalf("import: exit %d: %s", code, stderr)
	}
	if !strings.Contains(out, "已导入 4 条报告") || !strings.Contains(out, "Imported 4 reports") {
		t.Errorf("summary: %s", out)
	}
	reps, err := db.FindReports(ctx, gongfu.ReportFilter{PlanID: 1, OrgID: lc.ID, Period: "2020-04"})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]*gongfu.Report{}
	for _, r := range reps {
		got[r.ItemID] = r
	}
	if len(reps) != 4 || got[inc] == nil || *got[inc].Value != 10 || *got[pct].Value != 90 ||
		got[mile].Stage != gongfu.StageInProgress || *got[mile].Percent != 50 || got[mile].Note != "方案已起草" ||
		got[inc].Status != gongfu.StatusDraft {
		t.Fatalf("stored reports: %+v", reps)
	}

	// May's template carries April's figures; a sheet with mistakes is
	// refused as a whole, every mistake listed by row and column.
	f = export("鹿城区", "2020-05")
	rows := itemRows(t, f)
	last := func(item string) string {
		v, _ := f.GetCellValue(xlsx.TemplateSheet, fmt.Sprintf("E%d", rows[item]))
		return v
	}
	if last(inc) != "10" || last(mile) != "推进中 50%" {
		t.Errorf("上期累计: %s=%q %s=%q", inc, last(inc), mile, last(mile))
	}
	before := len(allAuditOf(t, db))
	bad := fill(t, f, dir, "bad.xlsx", map[[2]string]any{
		{inc, "F"}: 8, // below April's 10, without a reason
		{lvl, "F"}: "abc",
		{pct, "G"}: 120, {pct, "H"}: 100,
		{mile, "F"}: 3, // a milestone takes a stage, not a value
	})
	code, out, stderr = gongfu_(t, "", "import", "reports", bad, "--db", dbPath)
	if code != exitError || out != "" {
		t.Errorf("bad sheet: exit %d, stdout %q", code, out)
	}
	if want := fmt.Sprintf("填报 表第 %d 行 F 列：“abc” 不是数字", rows[lvl]); !strings.Contains(stderr, want) {
		t.Errorf("stderr lacks %q:\n%s", want, stderr)
	}
	// "abc" stops the sheet before the figures are judged; fixed, the
	// remaining problems show.
	f = workbook(t, bad)
	f.SetCellValue(xlsx.TemplateSheet, fmt.Sprintf("F%d", rows[lvl]), 3)
	fixed := filepath.Join(dir, "fixed.xlsx")
	if err := f.SaveAs(fixed); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = gongfu_(t, "", "import", "reports", fixed, "--db", dbPath)
	for _, want := range []string{
		fmt.Sprintf("填报 表第 %d 行 L 列：%s 的累计值 8 低于 2020-04 的 10", rows[inc], inc),
		fmt.Sprintf("填报 表第 %d 行：%s：百分比 120 应在 0–100 之间", rows[pct], pct),
		"未导入任何数据",
		fmt.Sprintf("填报 表第 %d 行：%s：", rows[mile], mile),
	} {
		if code != exitError || !strings.Contains(stderr, want) {
			t.Errorf("exit %d, stderr lacks %q:\n%s", code, want, stderr)
		}
	}
	if n, _ := db.FindReports(ctx, gongfu.ReportFilter{PlanID: 1, Period: "2020-05"}); len(n) != 0 {
		t.Errorf("a refused import stored %d reports", len(n))
	}
	if after := len(allAuditOf(t, db)); after != before {
		t.Errorf("a refused import wrote %d audit entries", after-before)
	}

	// An approved report is locked: re-importing April changes nothing.
	k := gongfu.ReportKey{PlanID: 1, ItemID: inc, OrgID: lc.ID, Period: "2020-04"}
	if _, err := db.SetReportStatus(ctx, k, []gongfu.ReportStatus{gongfu.StatusDraft}, gongfu.StatusSubmitted, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SetReportStatus(ctx, k, []gongfu.ReportStatus{gongfu.StatusSubmitted}, gongfu.StatusApproved, ""); err != nil {
		t.Fatal(err)
	}
	before = len(allAuditOf(t, db))
	code, _, stderr = gongfu_(t, "", "import", "reports", april, "--db", dbPath)
	if code != exitError || !strings.Contains(stderr, "锁定") {
		t.Errorf("locked: exit %d: %s", code, stderr)
	}
	if after := len(allAuditOf(t, db)); after != before {
		t.Errorf("an import over a locked report wrote %d audit entries", after-before)
	}

	// A department reports its own items, counted under the city.
	f = export("市教育局", "2020-05")
	rows = itemRows(t, f)
	if len(rows) == 0 || len(rows) >= c.Targets+c.Milestones {
		t.Fatalf("department template has %d items", len(rows))
	}
	var item string
	for id := range rows {
		if _, _, g := p.FindTarget(id); g != nil && !g.IsPercent() && g.Kind != gongfu.KindRatio {
			item = id
			break
		}
	}
	if item == "" {
		t.Fatal("no plain target of 市教育局")
	}
	dept := fill(t, f, dir, "dept.xlsx", map[[2]string]any{{item, "F"}: 7})
	if code, _, stderr := gongfu_(t, "", "import", "reports", dept, "--db", dbPath); code != 0 {
		t.Fatalf("department import: exit %d: %s", code, stderr)
	}
	city, _ := db.FindOrg(ctx, "温州市")
	r, err := db.FindReport(ctx, gongfu.ReportKey{PlanID: 1, ItemID: item, OrgID: city.ID, Period: "2020-05"})
	if err != nil || *r.Value != 7 {
		t.Errorf("department's report under the city: %+v, %v", r, err)
	}
	// Another department's item in its sheet is refused.
	var other string
	for _, id := range []string{inc, lvl, pct, mile} {
		if _, ok := rows[id]; !ok {
			other = id
		}
	}
	if other != "" {
		f = workbook(t, dept)
		f.SetCellValue(xlsx.TemplateSheet, "A2", other)
		alien := filepath.Join(dir, "alien.xlsx")
		f.SaveAs(alien)
		code, _, stderr := gongfu_(t, "", "import", "reports", alien, "--db", dbPath)
		if code != exitError || !strings.Contains(stderr, "不负责") {
			t.Errorf("another's item: exit %d: %s", code, stderr)
		}
	}

	if code, out, _ := gongfu_(t, "", "audit", "verify", "--db", dbPath); code != 0 {
		t.Errorf("audit verify: exit %d %s", code, out)
	}
}

func TestSheetImportBadFiles(t *testing.T) {
	dir, dbPath := sheetSeed(t)
	for _, tc := range []struct {
		name string
		data []byte
		code int
		want string
	}{
		{"noise.xlsx", []byte("\x00\x01 not a workbook at all \xff"), exitError, "不是有效的 xlsx"},
		{"plain.xlsx", plainWorkbook(t), exitError, "不是 gongfu 导出的填报模板"},
	} {
		path := writeFile(t, dir, tc.name, tc.data)
		code, out, stderr := gongfu_(t, "", "import", "reports", path, "--db", dbPath)
		if code != tc.code || out != "" || !strings.Contains(stderr, tc.want) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q", tc.name, code, out, stderr)
		}
	}
	if code, _, stderr := gongfu_(t, "", "import", "reports", filepath.Join(dir, "missing.xlsx"), "--db", dbPath); code != exitError || !strings.Contains(stderr, "无法读取") {
		t.Errorf("missing file: exit %d %q", code, stderr)
	}
	if code, _, _ := gongfu_(t, "", "import", "reports", "--db", dbPath); code != exitUsage {
		t.Errorf("no file: exit %d", code)
	}
	out := filepath.Join(dir, "t.xlsx")
	if code, _, stderr := gongfu_(t, "", "export", "template", "--plan", "1", "--org", "鹿城区", "--period", "2021-05", "--db", dbPath, "--out", out); code != exitError || !strings.Contains(stderr, "计划年度") {
		t.Errorf("period outside the plan year: exit %d %q", code, stderr)
	}
	if code, _, stderr := gongfu_(t, "", "export", "template", "--plan", "1", "--org", "火星市", "--period", "2020-05", "--db", dbPath, "--out", out); code != exitError || stderr == "" {
		t.Errorf("unknown org: exit %d %q", code, stderr)
	}
	if code, _, _ := gongfu_(t, "", "export", "template", "--plan", "1", "--org", "鹿城区", "--db", dbPath, "--out", out); code != exitUsage {
		t.Errorf("no period: exit %d", code)
	}
	if code, _, stderr := gongfu_(t, "", "export", "template", "--plan", "1", "--org", "鹿城区", "--period", "2020-05", "--db", dbPath, "--out", out); code != 0 {
		t.Fatal(stderr)
	}
	// A template made from another database: its plan is another.
	f := workbook(t, out)
	f.SetCellStr(xlsx.MetaSheet, "B3", "另一个计划")
	f.SetCellValue(xlsx.TemplateSheet, "F2", 1)
	if err := f.SaveAs(out); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := gongfu_(t, "", "import", "reports", out, "--db", dbPath); code != exitError || !strings.Contains(stderr, "--db") {
		t.Errorf("another database's template: exit %d %q", code, stderr)
	}
}

// TestSheetImportProgress: import reports shows its progress on stderr (the
// rows read, the check, the store write, each with a done line), nothing of
// it under --quiet, and stdout carries the summary alone either way.
func TestSheetImportProgress(t *testing.T) {
	dir, dbPath := sheetSeed(t)
	db := openDB(t, dbPath)
	p, err := db.FindPlanByID(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	inc, lvl, _, mile := seedItems(t, p)
	filled := func(period string) string {
		t.Helper()
		out := filepath.Join(dir, period+".xlsx")
		if code, _, stderr := gongfu_(t, "", "export", "template", "--plan", "1", "--org", "鹿城区", "--period", period, "--db", dbPath, "--out", out); code != 0 {
			t.Fatalf("export template: exit %d: %s", code, stderr)
		}
		return fill(t, workbook(t, out), dir, "filled-"+period+".xlsx", map[[2]string]any{
			{inc, "F"}: 10, {lvl, "F"}: 2, {mile, "I"}: "推进中", {mile, "J"}: 50,
		})
	}
	rows := len(itemRows(t, workbook(t, filled("2020-03")))) + 1 // and the header

	code, out, stderr := gongfu_(t, "", "import", "reports", filled("2020-04"), "--db", dbPath)
	if code != 0 {
		t.Fatalf("import: exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		"读取工作簿 (reading the workbook) …\n",
		"读取工作簿 (reading the workbook): 完成 (done), ",
		fmt.Sprintf("3 行有数据，%d 行未填写 (3 rows with figures, %d empty)\n", rows-4, rows-4),
		"检查数据 (checking the figures) …\n",
		"检查数据 (checking the figures): 完成 (done), ",
		"3 条无误 (3 valid)\n",
		"写入数据库 (writing to the database) …\n",
		"写入数据库 (writing to the database): 完成 (done), ",
		"3 条报告 (3 reports)\n",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if half := regexp.MustCompile(fmt.Sprintf(`\n读取工作簿 \(reading the workbook\):  50%% \d+/%d `, rows)); !half.MatchString(stderr) {
		t.Errorf("stderr lacks the line at half of %d rows:\n%s", rows, stderr)
	}
	if strings.Contains(stderr, "\r") {
		t.Errorf("stderr is no terminal, yet the line is redrawn: %q", stderr)
	}
	summary := "已导入 3 条报告（指标 2 条、工作节点 1 条）"
	if !strings.HasPrefix(out, summary) || strings.Contains(out, "完成 (done)") || strings.Count(out, "\n") != 2 {
		t.Errorf("stdout is not the summary alone:\n%s", out)
	}

	// --quiet: no progress, the same summary.
	code, quietOut, stderr := gongfu_(t, "", "import", "reports", filled("2020-05"), "--db", dbPath, "--quiet")
	if code != 0 || stderr != "" {
		t.Errorf("--quiet: exit %d, stderr %q", code, stderr)
	}
	if !strings.HasPrefix(quietOut, summary) || strings.Count(quietOut, "\n") != 2 {
		t.Errorf("--quiet stdout:\n%s", quietOut)
	}

	// A refused workbook: the progress so far, then the problem; under
	// --quiet the problem alone; stdout empty.
	bad := writeFile(t, dir, "noise.xlsx", []byte("not a workbook"))
	code, out, stderr = gongfu_(t, "", "import", "reports", bad, "--db", dbPath)
	if code != exitError || out != "" || !strings.HasPrefix(stderr, "读取工作簿 (reading the workbook) …\ngongfu import reports: ") {
		t.Errorf("bad file: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	code, out, stderr = gongfu_(t, "", "import", "reports", bad, "--db", dbPath, "--quiet")
	if code != exitError || out != "" || !strings.HasPrefix(stderr, "gongfu import reports: ") {
		t.Errorf("bad file --quiet: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
}

// TestOrgImportProgress: org import shows its one transaction as a step on
// stderr, nothing under --quiet; stdout has the summary alone. (With the
// import tests, org import having no test file of its own.)
func TestOrgImportProgress(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "g.db")
	csv := writeFile(t, dir, "orgs.csv", []byte("name,kind,parent\n温州市,city,\n鹿城区,district,温州市\n五马街道,township,鹿城区\n"))
	code, out, stderr := gongfu_(t, "", "org", "import", csv, "--db", db)
	want := "写入 3 个组织 (writing 3 orgs to the database) …\n写入 3 个组织 (writing 3 orgs to the database): 完成 (done), "
	if code != 0 || !strings.HasPrefix(stderr, want) || !strings.HasSuffix(stderr, ", 新建 3 个 (3 created)\n") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	if out != "读取 3 个组织，新建 3 个 (read 3 orgs, created 3)\n" {
		t.Errorf("stdout %q", out)
	}
	code, out, stderr = gongfu_(t, "", "org", "import", csv, "--db", db, "--quiet")
	if code != 0 || stderr != "" || out != "读取 3 个组织，新建 0 个 (read 3 orgs, created 0)\n" {
		t.Errorf("--quiet: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
}

// plainWorkbook is an xlsx that is no template.
func plainWorkbook(t *testing.T) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	f.SetCellValue("Sheet1", "A1", "编号")
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// allAuditOf returns every audit entry of db.
func allAuditOf(t *testing.T, db *sqlite.DB) []gongfu.AuditEntry {
	t.Helper()
	var out []gongfu.AuditEntry
	var last int64
	for {
		es, err := db.FindAudit(context.Background(), last, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(es) == 0 {
			return out
		}
		out = append(out, es...)
		last = es[len(es)-1].Seq
	}
}
