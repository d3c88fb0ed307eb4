package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"gongfu"
	"gongfu/extract"
	"gongfu/region"
)

const extractUsage = `用法 Usage: gongfu plan extract FILE

读取计划文件（.txt，UTF-8 或 GB18030；或 .docx），在标准输出打印计划 JSON，
诊断信息（编码、数量、未识别语句）打印到标准错误。
Reads a plan document and prints its plan JSON on stdout; diagnostics go to stderr.

示例 Examples:
  gongfu plan extract 2020年行动计划.txt > plan.json
  gongfu plan extract plan.docx --quiet | jq '.domains[].title'`

const importUsage = `用法 Usage: gongfu plan import FILE [--db PATH]

提取计划并在一个事务中存入数据库，同时建立所需的市、县和责任部门。
同一文件再次导入不会重复写入。
Extracts the plan and stores it with the orgs it needs in one transaction;
importing the same document again writes nothing twice.

  --db PATH   数据库文件 (database file; default gongfu.db)

示例 Example:
  gongfu plan import wenzhou-2020-plan.txt --db gongfu.db`

// readDocument reads a plan document from disk, refusing oversized files
// before reading them.
func readDocument(path string) (*extract.Result, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, gongfu.Failf(gongfu.EINVALID, "无法读取文件 %s", path)
	}
	if fi.IsDir() {
		return nil, gongfu.Failf(gongfu.EINVALID, "%s 是目录，不是文件", path)
	}
	if fi.Size() > extract.MaxSize {
		return nil, gongfu.Failf(gongfu.ETOOLARGE, "文件 %s 太大（%d MB），上限 %d MB",
			path, fi.Size()>>20, extract.MaxSize>>20)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, gongfu.Failf(gongfu.EINVALID, "无法读取文件 %s", path)
	}
	return extract.Document(path, data)
}

// logResult prints an extraction's diagnostics.
func logResult(e *env, path string, res *extract.Result) {
	c := res.Plan.Counts()
	e.logf("%s: 编码 %s；%d 个领域、%d 项任务、%d 个指标、%d 个节点、%d 条未识别 (encoding %s; domains, tasks, targets, milestones, unparsed)",
		path, res.Encoding, c.Domains, c.Tasks, c.Targets, c.Milestones, c.Unparsed, res.Encoding)
	for _, w := range res.Warnings {
		e.logf("提示 (note): %s", w)
	}
	for _, u := range res.Plan.Unparsed {
		e.logf("未识别 (unparsed): %s", u)
	}
}

func runExtract(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "plan extract", extractUsage)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return helpOr(e, extractUsage, err)
	}
	if len(pos) != 1 {
		return fmt.Errorf("%w: 需要一个文件 (want one FILE)", errUsage)
	}
	res, err := readDocument(pos[0])
	if err != nil {
		return err
	}
	logResult(e, pos[0], res)
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(res.Plan)
}

func runImport(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "plan import", importUsage)
	dbPath := fs.String("db", defaultDB, "database")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return helpOr(e, importUsage, err)
	}
	if len(pos) != 1 {
		return fmt.Errorf("%w: 需要一个文件 (want one FILE)", errUsage)
	}
	res, err := readDocument(pos[0])
	if err != nil {
		return err
	}
	logResult(e, pos[0], res)
	db, err := openStore(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	ir, err := db.ImportPlan(ctx, res.Plan, region.PlanOrgs(res.Plan))
	if err != nil {
		return err
	}
	c := ir.Counts
	if ir.Created {
		fmt.Fprintf(e.stdout, "已导入计划 %d「%s」：%d 个领域、%d 项任务、%d 个指标、%d 个节点、%d 条未识别；新建组织 %d 个。\n",
			ir.PlanID, res.Plan.Title, c.Domains, c.Tasks, c.Targets, c.Milestones, c.Unparsed, ir.OrgsCreated)
		fmt.Fprintf(e.stdout, "Imported plan %d: %d domains, %d tasks, %d targets, %d milestones, %d unparsed; %d orgs created.\n",
			ir.PlanID, c.Domains, c.Tasks, c.Targets, c.Milestones, c.Unparsed, ir.OrgsCreated)
	} else {
		fmt.Fprintf(e.stdout, "计划 %d「%s」此前已导入，未重复写入：%d 个领域、%d 项任务、%d 个指标、%d 个节点、%d 条未识别。\n",
			ir.PlanID, res.Plan.Title, c.Domains, c.Tasks, c.Targets, c.Milestones, c.Unparsed)
		fmt.Fprintf(e.stdout, "Plan %d was imported before; nothing written: %d domains, %d tasks, %d targets, %d milestones, %d unparsed.\n",
			ir.PlanID, c.Domains, c.Tasks, c.Targets, c.Milestones, c.Unparsed)
	}
	return nil
}
