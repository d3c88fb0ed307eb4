package main

// Spreadsheet commands: the 任务分解表 and report templates a plan office
// sends out, and the import of filled templates, so that offices used to
// Excel keep their habit while gongfu keeps the record.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"gongfu"
	"gongfu/progress"
	"gongfu/region"
	"gongfu/reporting"
	"gongfu/xlsx"
)

const exportDecompositionUsage = `用法 Usage: gongfu export decomposition --plan ID --out FILE.xlsx [--db PATH]

导出计划的任务分解表：每个指标、工作节点一行，列出领域、任务、目标值、责任单位、
完成时限，各县（市、区）的分解任务量、合计和尚未分解的缺口。
Writes the plan's decomposition workbook: one row per target and milestone with
each county's quota, their total and the shortfall still to be assigned.

  --plan ID    计划编号 (plan id, as plan import printed it)
  --out FILE   输出的 .xlsx 文件；- 表示标准输出 (output file; - for stdout)
  --db PATH    数据库文件 (database file; default gongfu.db)

示例 Examples:
  gongfu export decomposition --plan 1 --out 任务分解表.xlsx
  gongfu export decomposition --plan 1 --db /var/lib/gongfu/gongfu.db --out - > 分解.xlsx`

const exportTemplateUsage = `用法 Usage: gongfu export template --plan ID --org ORG --period YYYY-MM --out FILE.xlsx [--db PATH]

导出一个单位某一报告期的填报模板：县（市、区）填报计划的全部指标和工作节点；
部门只填报其负责的指标和节点，数据计入其所属的市。模板预填上期累计值，
黄色单元格由填报单位填写，填好后用 gongfu import reports 导入。
Writes the report template of an org for one period: a county reports every
item, a department the items it answers for (counted under its city). Last
period's figures are filled in; the reporter fills the yellow cells.

  --plan ID        计划编号 (plan id)
  --org ORG        单位名称或路径 (org name or path, e.g. 鹿城区 or 温州市/市教育局)
  --period PERIOD  报告期 YYYY-MM 或 YYYY-Qn (reporting period)
  --out FILE       输出的 .xlsx 文件；- 表示标准输出 (output file; - for stdout)
  --db PATH        数据库文件 (database file; default gongfu.db)

示例 Examples:
  gongfu export template --plan 1 --org 鹿城区 --period 2020-05 --out 鹿城区-2020-05.xlsx
  gongfu export template --plan 1 --org 市教育局 --period 2020-05 --out 市教育局-2020-05.xlsx`

const importReportsUsage = `用法 Usage: gongfu import reports FILE.xlsx [--db PATH]

导入填好的填报模板：逐行检查（编号、数字、分子分母、阶段、累计值下降须说明原因、
已审核的报告不能修改），列出所有问题所在的工作表、行和列；全部无误时在一个事务中
保存为草稿，否则不写入任何数据并以退出码 1 退出。
Imports a filled report template: every row is checked and every problem is
listed by sheet, row and column; when all rows are valid they are saved as
drafts in one transaction, otherwise nothing is written and the exit code is 1.

进度显示在标准错误上，--quiet 时不显示 (progress goes to stderr; --quiet hides it).

  --db PATH   数据库文件 (database file; default gongfu.db)

示例 Examples:
  gongfu import reports 鹿城区-2020-05.xlsx
  gongfu import reports 市教育局-2020-05.xlsx --db /var/lib/gongfu/gongfu.db
  gongfu import reports 鹿城区-2020-05.xlsx --quiet > 导入结果.txt`

func runExportDecomposition(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "export decomposition", exportDecompositionUsage)
	dbPath := fs.String("db", defaultDB, "database")
	planFlag := fs.String("plan", "", "plan id")
	out := fs.String("out", "", "output file")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return helpOr(e, exportDecompositionUsage, err)
	}
	if len(pos) > 0 {
		return fmt.Errorf("%w: 多余的参数 %q (unexpected argument)", errUsage, pos[0])
	}
	planID, err := sheetPlanID(*planFlag)
	if err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("%w: 需要 --out FILE.xlsx (want --out)", errUsage)
	}
	db, err := sheetStore(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	p, err := db.FindPlanByID(ctx, planID)
	if err != nil {
		return err
	}
	quotas, err := db.FindQuotas(ctx, planID, "")
	if err != nil {
		return err
	}
	counties, err := sheetCounties(ctx, db, p, quotas)
	if err != nil {
		return err
	}
	if err := sheetWrite(e, *out, func(w io.Writer) error {
		return xlsx.ExportDecomposition(w, p, counties, quotas)
	}); err != nil {
		return err
	}
	c := p.Counts()
	e.logf("已导出任务分解表：%d 个指标、%d 个节点、%d 个县（市、区）、%d 项分解 → %s (decomposition written)",
		c.Targets, c.Milestones, len(counties), len(quotas), *out)
	return nil
}

func runExportTemplate(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "export template", exportTemplateUsage)
	dbPath := fs.String("db", defaultDB, "database")
	planFlag := fs.String("plan", "", "plan id")
	orgName := fs.String("org", "", "org")
	periodFlag := fs.String("period", "", "period")
	out := fs.String("out", "", "output file")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return helpOr(e, exportTemplateUsage, err)
	}
	if len(pos) > 0 {
		return fmt.Errorf("%w: 多余的参数 %q (unexpected argument)", errUsage, pos[0])
	}
	planID, err := sheetPlanID(*planFlag)
	if err != nil {
		return err
	}
	if *orgName == "" || *periodFlag == "" || *out == "" {
		return fmt.Errorf("%w: 需要 --org、--period 和 --out (want --org, --period and --out)", errUsage)
	}
	period, err := gongfu.ParsePeriod(*periodFlag)
	if err != nil {
		return err
	}
	db, err := sheetStore(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	p, err := db.FindPlanByID(ctx, planID)
	if err != nil {
		return err
	}
	if err := reporting.CheckPeriod(p, period); err != nil {
		return err
	}
	org, err := db.FindOrg(ctx, *orgName)
	if err != nil {
		return err
	}
	tmpl, err := reporting.NewTemplate(ctx, db, p, org, period)
	if err != nil {
		return err
	}
	if err := sheetWrite(e, *out, tmpl.Write); err != nil {
		return err
	}
	e.logf("已导出 %s %s 填报模板：%d 项，上期数据 %d 项 → %s (template written: %d items, %d with last figures)",
		org.Name, period, len(tmpl.Items), len(tmpl.Last), *out, len(tmpl.Items), len(tmpl.Last))
	return nil
}

func runImportReports(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "import reports", importReportsUsage)
	dbPath := fs.String("db", defaultDB, "database")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return helpOr(e, importReportsUsage, err)
	}
	if len(pos) != 1 {
		return fmt.Errorf("%w: 需要一个 .xlsx 文件 (want one FILE.xlsx)", errUsage)
	}
	file := pos[0]
	fi, err := os.Stat(file)
	if err != nil || fi.IsDir() {
		return gongfu.Failf(gongfu.EINVALID, "无法读取文件 %s", file)
	}
	if fi.Size() > xlsx.MaxFileSize {
		return gongfu.Failf(gongfu.ETOOLARGE, "文件 %s 太大（%d MB），上限 %d MB",
			file, fi.Size()>>20, xlsx.MaxFileSize>>20)
	}
	f, err := os.Open(file)
	if err != nil {
		return gongfu.Failf(gongfu.EINVALID, "无法读取文件 %s", file)
	}
	// Progress on stderr: the rows read, then two steps that cannot count
	// (the check against the database, the one transaction storing it all).
	pr := progress.For(e.stderr, e.quiet)
	defer pr.Stop()
	pr.Begin("读取工作簿 (reading the workbook)", 0)
	filled, err := xlsx.ImportTemplateProgress(f, xlsx.MaxFileSize, func(read, total int) {
		pr.SetTotal(int64(total))
		pr.Set(int64(read))
	})
	f.Close()
	if err != nil {
		return err
	}
	pr.EndWith("%d 行有数据，%d 行未填写 (%d rows with figures, %d empty)", len(filled.Rows), filled.Skipped, len(filled.Rows), filled.Skipped)
	pr.Begin("检查数据 (checking the figures)", 0)
	db, err := sheetStore(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	res, err := sheetReports(ctx, db, filled)
	if err != nil {
		return err
	}
	pr.EndWith("%d 条无误 (%d valid)", len(res.Reports), len(res.Reports))
	pr.Begin("写入数据库 (writing to the database)", 0)
	if err := db.SaveReports(ctx, res.Reports); err != nil {
		return err
	}
	pr.EndWith("%d 条报告 (%d reports)", len(res.Reports), len(res.Reports))
	fmt.Fprintf(e.stdout, "已导入 %d 条报告（指标 %d 条、工作节点 %d 条）：计划 %d「%s」，%s，报告期 %s；跳过未填写的 %d 行。均为草稿，待报送。\n",
		len(res.Reports), res.Targets, res.Milestones, res.Plan.ID, res.Plan.Title, res.Org.Name, res.Period, res.Skipped)
	fmt.Fprintf(e.stdout, "Imported %d reports (%d targets, %d milestones) of plan %d for %s, period %s, as drafts; %d empty rows skipped.\n",
		len(res.Reports), res.Targets, res.Milestones, res.Plan.ID, res.Org.Name, res.Period, res.Skipped)
	if res.Flagged > 0 {
		fmt.Fprintf(e.stdout, "其中 %d 条数值与以往差异很大，已标记供审核人核实 (%d flagged as far from their history for review).\n",
			res.Flagged, res.Flagged)
	}
	return nil
}

// sheetReports finds the plan and org a filled template was made for in
// the database named by --db, and checks its rows into reports
// (reporting.Check, as the web upload does). A template whose plan or org
// this database lacks, or names differently, was made from another
// database: the message says to check --db.
func sheetReports(ctx context.Context, db gongfu.Store, filled *xlsx.Filled) (*reporting.Import, error) {
	p, err := db.FindPlanByID(ctx, filled.PlanID)
	if gongfu.ErrorCode(err) == gongfu.ENOTFOUND {
		return nil, gongfu.Failf(gongfu.EINVALID, "模板所属的计划 %d 不在此数据库中，请确认 --db 是导出模板时用的数据库", filled.PlanID)
	} else if err != nil {
		return nil, err
	}
	if filled.PlanTitle != "" && filled.PlanTitle != p.Title {
		return nil, gongfu.Failf(gongfu.EINVALID, "模板属于计划「%s」，而此数据库的计划 %d 是「%s」，请确认 --db", filled.PlanTitle, p.ID, p.Title)
	}
	orgs, err := db.FindOrgs(ctx, gongfu.OrgFilter{ID: filled.OrgID})
	if err != nil {
		return nil, err
	}
	if len(orgs) != 1 || filled.OrgName != "" && orgs[0].Name != filled.OrgName {
		return nil, gongfu.Failf(gongfu.EINVALID, "模板所属的单位「%s」（%d）不在此数据库中，请确认 --db", filled.OrgName, filled.OrgID)
	}
	return reporting.Check(ctx, db, p, orgs[0], filled)
}

// sheetPlanID reads --plan.
func sheetPlanID(s string) (int64, error) {
	if s == "" {
		return 0, fmt.Errorf("%w: 需要 --plan ID (want --plan)", errUsage)
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("%w: --plan 应为计划编号，而不是 %q (--plan takes a plan id)", errUsage, s)
	}
	return id, nil
}

// sheetStore opens an existing database: exporting from or importing into
// a database that is not there would only create an empty one.
func sheetStore(ctx context.Context, path string) (gongfu.Store, error) {
	if !strings.Contains(path, "://") {
		if _, err := os.Stat(path); err != nil {
			return nil, gongfu.Failf(gongfu.EINVALID, "数据库 %s 不存在，请先用 gongfu plan import 导入计划", path)
		}
	}
	return openStore(ctx, path)
}

// sheetCounties returns the counties of the plan's decomposition: those of
// the city the plan names, in the gazetteer's order, when the store has that
// city; otherwise every county, by path. A county holding a quota of the
// plan is always included, so no quota is left out of the sheet.
func sheetCounties(ctx context.Context, db gongfu.Store, p *gongfu.Plan, quotas []gongfu.Quota) ([]*gongfu.Org, error) {
	all, err := db.FindOrgs(ctx, gongfu.OrgFilter{Kind: gongfu.OrgCounty})
	if err != nil {
		return nil, err
	}
	var cityID int64
	var order []string
	if name := region.CityOf(p.Issuer + p.Title); name != "" {
		if city, err := db.FindOrg(ctx, name); err == nil {
			cityID = city.ID
			for _, o := range region.CityOrgs(name) {
				order = append(order, o.Name)
			}
		}
	}
	quoted := map[int64]bool{}
	for _, q := range quotas {
		quoted[q.OrgID] = true
	}
	var out []*gongfu.Org
	for _, c := range all {
		if cityID == 0 || c.ParentID == cityID || quoted[c.ID] {
			out = append(out, c)
		}
	}
	rank := func(o *gongfu.Org) int {
		if o.ParentID == cityID {
			if i := slices.Index(order, o.Name); i >= 0 {
				return i
			}
		}
		return len(order)
	}
	slices.SortStableFunc(out, func(a, b *gongfu.Org) int { return rank(a) - rank(b) })
	return out, nil
}

// sheetWrite renders a workbook into memory, then writes it to path
// through a temporary file renamed into place, so that a failed export
// leaves no half-written file; path "-" is stdout.
func sheetWrite(e *env, path string, render func(io.Writer) error) error {
	var buf bytes.Buffer
	if err := render(&buf); err != nil {
		return err
	}
	if path == "-" {
		_, err := e.stdout.Write(buf.Bytes())
		return err
	}
	cannot := gongfu.Failf(gongfu.EINVALID, "无法写入文件 %s", path)
	tmp, err := os.CreateTemp(filepath.Dir(path), ".gongfu-*.xlsx")
	if err != nil {
		return cannot
	}
	_, err = tmp.Write(buf.Bytes())
	if err == nil {
		err = tmp.Chmod(0o644) // CreateTemp makes it private; an export is for sharing
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return cannot
	}
	return nil
}
