package main

// Spreadsheet commands: the 任务分解表 and report templates a plan office
// sends out, and the import of filled templates, so that offices used to
// Excel keep their habit while gongfu keeps the record.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"gongfu"
	"gongfu/region"
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

  --db PATH   数据库文件 (database file; default gongfu.db)

示例 Examples:
  gongfu import reports 鹿城区-2020-05.xlsx
  gongfu import reports 市教育局-2020-05.xlsx --db /var/lib/gongfu/gongfu.db`

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
	if err := sheetPeriodInPlan(p, period); err != nil {
		return err
	}
	org, err := db.FindOrg(ctx, *orgName)
	if err != nil {
		return err
	}
	area, err := sheetArea(ctx, db, org)
	if err != nil {
		return err
	}
	items, err := sheetItems(ctx, db, p, org)
	if err != nil {
		return err
	}
	last := map[string]*gongfu.Report{}
	if prev, ok := period.Prev(); ok {
		reps, err := db.FindReports(ctx, gongfu.ReportFilter{PlanID: p.ID, OrgID: area.ID, Period: prev.String()})
		if err != nil {
			return err
		}
		for _, r := range reps {
			last[r.ItemID] = r
		}
	}
	if err := sheetWrite(e, *out, func(w io.Writer) error {
		return xlsx.ExportTemplate(w, p, org, period, items, last)
	}); err != nil {
		return err
	}
	e.logf("已导出 %s %s 填报模板：%d 项，上期数据 %d 项 → %s (template written: %d items, %d with last figures)",
		org.Name, period, len(items), len(last), *out, len(items), len(last))
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
		return gongfu.Errorf(gongfu.EINVALID, "无法读取文件 %s", "cannot read file %s", file)
	}
	if fi.Size() > xlsx.MaxFileSize {
		return gongfu.Errorf(gongfu.ETOOLARGE, "文件 %s 太大（%d MB），上限 %d MB", "file %s is too large (%d MB); the limit is %d MB",
			file, fi.Size()>>20, xlsx.MaxFileSize>>20)
	}
	f, err := os.Open(file)
	if err != nil {
		return gongfu.Errorf(gongfu.EINVALID, "无法读取文件 %s", "cannot read file %s", file)
	}
	filled, err := xlsx.ImportTemplate(f, xlsx.MaxFileSize)
	f.Close()
	if err != nil {
		return err
	}
	db, err := sheetStore(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	res, err := sheetReports(ctx, db, filled)
	if err != nil {
		return err
	}
	if err := db.SaveReports(ctx, res.reports); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "已导入 %d 条报告（指标 %d 条、工作节点 %d 条）：计划 %d「%s」，%s，报告期 %s；跳过未填写的 %d 行。均为草稿，待报送。\n",
		len(res.reports), res.targets, res.milestones, res.plan.ID, res.plan.Title, res.org.Name, filled.Period, filled.Skipped)
	fmt.Fprintf(e.stdout, "Imported %d reports (%d targets, %d milestones) of plan %d for %s, period %s, as drafts; %d empty rows skipped.\n",
		len(res.reports), res.targets, res.milestones, res.plan.ID, res.org.Name, filled.Period, filled.Skipped)
	if res.flagged > 0 {
		fmt.Fprintf(e.stdout, "其中 %d 条数值与以往差异很大，已标记供审核人核实 (%d flagged as far from their history for review).\n",
			res.flagged, res.flagged)
	}
	return nil
}

// sheetImport is a filled template checked against the store.
type sheetImport struct {
	plan                         *gongfu.Plan
	org, area                    *gongfu.Org
	reports                      []*gongfu.Report
	targets, milestones, flagged int
}

// sheetReports turns the rows of a filled template into reports, checking
// each as the web form would: the item is in the plan (and the org's when
// it is a department), the figures fit the target, a falling year-to-date
// value has a reason, an approved report is not overwritten. Every problem
// is listed by sheet, row and column in one EINVALID error.
func sheetReports(ctx context.Context, db gongfu.Store, filled *xlsx.Filled) (*sheetImport, error) {
	p, err := db.FindPlanByID(ctx, filled.PlanID)
	if gongfu.ErrorCode(err) == gongfu.ENOTFOUND {
		return nil, gongfu.Errorf(gongfu.EINVALID, "模板所属的计划 %d 不在此数据库中，请确认 --db 是导出模板时用的数据库",
			"the template's plan %d is not in this database; is --db the one the template came from?", filled.PlanID)
	} else if err != nil {
		return nil, err
	}
	if filled.PlanTitle != "" && filled.PlanTitle != p.Title {
		return nil, gongfu.Errorf(gongfu.EINVALID, "模板属于计划「%s」，而此数据库的计划 %d 是「%s」，请确认 --db",
			"the template is for plan %q but plan %d here is %q; check --db", filled.PlanTitle, p.ID, p.Title)
	}
	orgs, err := db.FindOrgs(ctx, gongfu.OrgFilter{ID: filled.OrgID})
	if err != nil {
		return nil, err
	}
	if len(orgs) != 1 || filled.OrgName != "" && orgs[0].Name != filled.OrgName {
		return nil, gongfu.Errorf(gongfu.EINVALID, "模板所属的单位「%s」（%d）不在此数据库中，请确认 --db",
			"the template's org %s (%d) is not in this database; check --db", filled.OrgName, filled.OrgID)
	}
	org := orgs[0]
	area, err := sheetArea(ctx, db, org)
	if err != nil {
		return nil, err
	}
	period, err := gongfu.ParsePeriod(filled.Period)
	if err != nil {
		return nil, err
	}
	if err := sheetPeriodInPlan(p, period); err != nil {
		return nil, err
	}
	if len(filled.Rows) == 0 {
		return nil, gongfu.Errorf(gongfu.EINVALID, "模板中没有填报任何数据（%d 行均未填写）", "the template holds no figures (%d rows left empty)", filled.Skipped)
	}
	var allowed map[string]bool // a department's items
	if org.Kind == gongfu.OrgDepartment {
		items, err := sheetItems(ctx, db, p, org)
		if err != nil {
			return nil, err
		}
		allowed = map[string]bool{}
		for _, id := range items {
			allowed[id] = true
		}
	}
	// The area's earlier figures of each item, for the falling-value check
	// and the outlier flags; its reports of this period, for the lock.
	history, err := db.FindReports(ctx, gongfu.ReportFilter{PlanID: p.ID, OrgID: area.ID})
	if err != nil {
		return nil, err
	}
	past := map[string][]*gongfu.Report{}
	current := map[string]*gongfu.Report{}
	for _, h := range history {
		switch {
		case h.Period == filled.Period:
			current[h.ItemID] = h
		case h.Period < filled.Period && sheetSameFreq(h.Period, filled.Period):
			past[h.ItemID] = append(past[h.ItemID], h)
		}
	}

	res := &sheetImport{plan: p, org: org, area: area}
	var bad []string
	problem := func(r xlsx.FilledRow, col int, zh, en string) {
		bad = append(bad, xlsx.Problem(r.Sheet, r.Row, col, zh, en))
	}
	const colID, colReason = 1, 12
	for _, row := range filled.Rows {
		_, _, t := p.FindTarget(row.ItemID)
		milestone := t == nil
		if milestone {
			if !sheetHasMilestone(p, row.ItemID) {
				problem(row, colID, fmt.Sprintf("计划中没有编号为 %s 的指标或工作节点", row.ItemID),
					fmt.Sprintf("the plan has no target or milestone %s", row.ItemID))
				continue
			}
			t = &gongfu.Target{ID: row.ItemID}
		}
		if allowed != nil && !allowed[row.ItemID] {
			problem(row, colID, fmt.Sprintf("%s 不负责 %s，不能填报", org.Name, row.ItemID),
				fmt.Sprintf("%s does not answer for %s", org.Name, row.ItemID))
			continue
		}
		if c := current[row.ItemID]; c != nil && c.Status == gongfu.StatusApproved {
			problem(row, 0, fmt.Sprintf("%s 本期已审核锁定，需协调员重新打开后才能修改", row.ItemID),
				fmt.Sprintf("%s is approved and locked for the period; a coordinator must reopen it", row.ItemID))
			continue
		}
		rep := &gongfu.Report{
			ReportKey: gongfu.ReportKey{PlanID: p.ID, ItemID: row.ItemID, OrgID: area.ID, Period: filled.Period},
			Value:     row.Value, Numerator: row.Numerator, Denominator: row.Denominator,
			Stage: row.Stage, Percent: row.Percent, Note: row.Note, Reason: row.Reason,
		}
		if err := rep.CheckFigures(t, milestone); err != nil {
			for _, d := range gongfu.ErrorDetails(err) {
				zh, en := sheetSplit(d)
				problem(row, 0, row.ItemID+"："+zh, row.ItemID+": "+en)
			}
			continue
		}
		if milestone {
			res.milestones++
		} else {
			res.targets++
			if msg := sheetFalls(t, rep, past[row.ItemID]); msg != "" {
				problem(row, colReason, msg, fmt.Sprintf("%s: the year-to-date value fell since the last period; give a reason", row.ItemID))
				continue
			}
			if flag := sheetOutlier(t, rep, past[row.ItemID]); flag != "" {
				rep.Flags = append(rep.Flags, flag)
				res.flagged++
			}
		}
		res.reports = append(res.reports, rep)
	}
	if len(bad) > 0 {
		e := gongfu.Errorf(gongfu.EINVALID, "模板有 %d 处问题，未导入任何数据，请改正后重新导入",
			"the template has %d problems; nothing was imported. Correct them and import again", len(bad))
		e.Details = bad
		return nil, e
	}
	return res, nil
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
			return nil, gongfu.Errorf(gongfu.EINVALID, "数据库 %s 不存在，请先用 gongfu plan import 导入计划",
				"database %s does not exist; import a plan with gongfu plan import first", path)
		}
	}
	return openStore(ctx, path)
}

// sheetPeriodInPlan refuses a period outside the plan year.
func sheetPeriodInPlan(p *gongfu.Plan, period gongfu.Period) error {
	if p.Year != 0 && period.Year != p.Year {
		return gongfu.Errorf(gongfu.EINVALID, "报告期 %s 不在计划年度 %d 内", "period %s is outside the plan year %d", period, p.Year)
	}
	return nil
}

// sheetArea returns the area org's figures are reported for: the org
// itself, or a department's parent city.
func sheetArea(ctx context.Context, db gongfu.Store, org *gongfu.Org) (*gongfu.Org, error) {
	if org.Kind.IsArea() {
		return org, nil
	}
	if org.ParentID != 0 {
		parents, err := db.FindOrgs(ctx, gongfu.OrgFilter{ID: org.ParentID})
		if err != nil {
			return nil, err
		}
		if len(parents) == 1 && parents[0].Kind.IsArea() {
			return parents[0], nil
		}
	}
	return nil, gongfu.Errorf(gongfu.EINVALID, "部门「%s」没有所属的市，无法确定数据计入哪个地区",
		"department %s belongs to no city, so its figures have no area", org.Name)
}

// sheetItems lists the items org reports in plan order (each task's targets,
// then its milestones): every item for an area, the items it answers for
// for a department.
func sheetItems(ctx context.Context, db gongfu.Store, p *gongfu.Plan, org *gongfu.Org) ([]string, error) {
	var all []string
	for _, d := range p.Domains {
		for _, t := range d.Tasks {
			for _, g := range t.Targets {
				all = append(all, g.ID)
			}
			for _, m := range t.Milestones {
				all = append(all, m.ID)
			}
		}
	}
	if org.Kind.IsArea() {
		return all, nil
	}
	var mine []string
	for _, id := range all {
		units, err := db.FindItemUnits(ctx, p.ID, id)
		if err != nil {
			return nil, err
		}
		if slices.ContainsFunc(units, func(u gongfu.ItemUnit) bool { return u.OrgID == org.ID }) {
			mine = append(mine, id)
		}
	}
	if len(mine) == 0 {
		return nil, gongfu.Errorf(gongfu.EINVALID, "「%s」在计划 %d 中不负责任何指标或工作节点", "%s answers for nothing in plan %d", org.Name, p.ID)
	}
	return mine, nil
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
	cannot := gongfu.Errorf(gongfu.EINVALID, "无法写入文件 %s", "cannot write file %s", path)
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

// sheetHasMilestone reports whether p has a milestone id.
func sheetHasMilestone(p *gongfu.Plan, id string) bool {
	for _, d := range p.Domains {
		for _, t := range d.Tasks {
			for _, m := range t.Milestones {
				if m.ID == id {
					return true
				}
			}
		}
	}
	return false
}

// sheetSameFreq reports whether two periods are both months or both quarters.
func sheetSameFreq(a, b string) bool {
	return strings.Contains(a, "Q") == strings.Contains(b, "Q")
}

// sheetSplit splits a domain detail "中文 (English)" into its two languages.
func sheetSplit(d string) (string, string) {
	if i := strings.LastIndex(d, "("); i > 0 && strings.HasSuffix(d, ")") {
		return strings.TrimSpace(d[:i]), d[i+1 : len(d)-1]
	}
	return d, d
}

// sheetFalls returns the problem of an increment target's year-to-date
// value below the last period's without a reason, "" when there is none.
func sheetFalls(t *gongfu.Target, rep *gongfu.Report, past []*gongfu.Report) string {
	if t.Kind != gongfu.KindIncrement || rep.Value == nil || rep.Reason != "" {
		return ""
	}
	for i := len(past) - 1; i >= 0; i-- {
		if prev := past[i]; prev.Value != nil {
			if *rep.Value < *prev.Value {
				return fmt.Sprintf("%s 的累计值 %s 低于 %s 的 %s，请在“原因”列说明", rep.ItemID,
					strconv.FormatFloat(*rep.Value, 'f', -1, 64), prev.Period, strconv.FormatFloat(*prev.Value, 'f', -1, 64))
			}
			return ""
		}
	}
	return ""
}

// sheetOutlier returns the review flag of a value far from the item's own
// history (robust z-score beyond gongfu.OutlierThreshold), as the web form
// sets it; for increment targets the periods' increments are compared.
func sheetOutlier(t *gongfu.Target, rep *gongfu.Report, past []*gongfu.Report) string {
	if rep.Value == nil {
		return ""
	}
	var series []float64
	last := 0.0
	for _, h := range past {
		if h.Value == nil {
			continue
		}
		x := *h.Value
		if t.Kind == gongfu.KindIncrement {
			x, last = x-last, x
		}
		series = append(series, x)
	}
	v := *rep.Value
	if t.Kind == gongfu.KindIncrement && len(series) > 0 {
		v -= last
	}
	z, ok := gongfu.RobustZ(series, v)
	if !ok || math.Abs(z) <= gongfu.OutlierThreshold {
		return ""
	}
	return fmt.Sprintf("本期数值与该指标以往数据差异很大（稳健 z 值 %.1f，超过 %.1f），请核实 (far from this target's history: robust z-score %.1f beyond %.1f; please check)",
		z, gongfu.OutlierThreshold, z, gongfu.OutlierThreshold)
}
