package main

// gongfu evaluate: the evaluation engine run on files, for analysts who keep
// their figures in spreadsheets and want the same verdicts the server gives.
// Every name this file adds to package main starts with "ev" or "evaluate".

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/width"

	"gongfu"
	"gongfu/eval"
)

const evaluateUsage = `用法 Usage: gongfu evaluate --plan PLAN.json --values VALUES.csv [--at YYYY-MM-DD] [--json]
                       [--equalization] [--populations FILE.csv] [--quotas FILE.csv] [--rules FILE.json]

按评价规则（shared/spec/evaluation.md）给出每个指标和工作节点的完成率、序时进度、亮灯和年末预测，
汇总到任务、领域和全计划；每个结论都写明所用数据、规则和计算过程。
Judges every target and milestone by the evaluation rules: completion, time progress,
light and forecast, rolled up to tasks, domains and the plan, each with its working.

  --plan FILE          计划 JSON（gongfu plan extract 的输出）(plan JSON)
  --values FILE        填报数据 CSV，表头 target,org,period,value，可选 numerator,denominator,stage,note 列
                       (reported values; header target,org,period,value, optional numerator,denominator,stage,note)
                       target 为指标或节点编号（1.1、1.m1）；org 为单位名称，留空表示全市（计划整体）；
                       period 为 YYYY-MM（季度报告 YYYY-Qn）；数值均为年度累计（累计完成）。
                       比率可填分子、分母，汇总时按 Σ分子/Σ分母；比例指标（如普职比）的 value 为两项之比 a/b。
                       工作节点填 stage：未启动/推进中/已完成（或 not_started/in_progress/done），
                       推进中的百分比填在 value 列。
  --at DATE            评价日期，默认今天 (evaluation date; default today)。
                       采用该日所在月份及以前最近一期的报告；若某期截止日（次月 5 日）已过而未报，
                       亮灰灯“未报”，既不按零计，也不视为正常。
                       (uses the latest report up to the month of DATE; grey when a past deadline was missed)
  --json               输出 JSON (print JSON)
  --equalization       加算均等化实现度（水平类指标）与县际差距：变异系数、泰尔指数（市区/县(市) 组内组间分解）、
                       基尼系数、最大/最小比 (add the equalization evaluation and disparity)
  --populations FILE   人口 CSV（name 列与 population… 列，可选 kind 列，如 wenzhou-counties.csv），
                       用于人口加权差距 (populations for weighted disparity)
  --quotas FILE        分解任务 CSV，表头 target,org,value，可选 baseline 列：县的任务数（增量指标）或
                       县自定目标（水平指标）；分解合计少于全市目标时列出缺口 (county quotas or own targets)
  --rules FILE         评价规则 JSON，覆盖默认阈值等 (rules overriding the defaults):
                       {"thresholds": {"green_within": 10, "yellow_within": 30, "level_tolerance": 0.05,
                        "ratio_tolerance": 1, "milestone_warn_share": 0.25, "deadline_day": 5},
                        "schedules": {"1.1": [10, 40, 70, 100]}, "due": {"1.1": "2020-06-30"},
                        "indicator_weights": {"2.6": 2}, "domain_weights": {"1": 2}}

灯 Lights: done 已完成 · green 绿灯 · yellow 黄灯（连续两期升为红灯）· red 红灯 · grey 未报 ·
           none 无结论（尚无到期报告，或任务未分解到该单位）

示例 Examples:
  gongfu plan extract 2020年行动计划.txt > plan.json
  gongfu evaluate --plan plan.json --values values.csv --at 2020-06-10
  gongfu evaluate --plan plan.json --values values.csv --quotas quotas.csv --json | jq '.targets[] | select(.light=="red")'
  gongfu evaluate --plan plan.json --values values.csv --at 2021-01-10 --equalization --populations wenzhou-counties.csv`

// evMaxFile bounds the size of any input file: a year of monthly reports for
// a few hundred targets and a hundred orgs is a few megabytes.
const evMaxFile = 64 << 20

// evMaxDetails bounds how many problems an input error lists.
const evMaxDetails = 100

// evRules is the --rules file: a plan's own thresholds, planned schedules,
// due dates and weights.
type evRules struct {
	Thresholds       eval.Thresholds        `json:"thresholds"`
	Schedules        map[string][]float64   `json:"schedules"`
	Due              map[string]gongfu.Date `json:"due"`
	IndicatorWeights map[string]float64     `json:"indicator_weights"`
	DomainWeights    map[string]float64     `json:"domain_weights"`
}

// evQuota is a county's quota or own target for one target.
type evQuota struct {
	value    float64
	baseline *float64
}

// evPlace locates an item in the plan.
type evPlace struct {
	domain, task int // indexes
	target       *gongfu.Target
	milestone    *gongfu.Milestone
}

// evInput is everything the command read.
type evInput struct {
	plan   *gongfu.Plan
	places map[string]evPlace
	// values: item id → org ("" for plan-wide) → figures.
	values map[string]map[string][]eval.Figure
	// orgs in order of first appearance in the values file.
	orgs   []string
	quotas map[string]map[string]evQuota // item id → org → quota
	// quotaOrgs in order of first appearance in the quotas file.
	quotaOrgs []string
	pops      map[string]float64
	kinds     map[string]string // org → kind column of the populations file
	rules     evRules
	at        time.Time
	rows      int
}

// runEvaluate is `gongfu evaluate`: it reads a plan JSON, a CSV of reported
// values and optional quotas, populations and rules, judges every item with
// package eval at the date --at, and prints a table or JSON. All the rules
// live in eval; this function only reads, validates and prints.
func runEvaluate(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "evaluate", evaluateUsage)
	planPath := fs.String("plan", "", "plan JSON")
	valuesPath := fs.String("values", "", "values CSV")
	atStr := fs.String("at", "", "date")
	asJSON := fs.Bool("json", false, "JSON")
	equal := fs.Bool("equalization", false, "equalization")
	popPath := fs.String("populations", "", "populations CSV")
	quotaPath := fs.String("quotas", "", "quotas CSV")
	rulesPath := fs.String("rules", "", "rules JSON")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return helpOr(e, evaluateUsage, err)
	}
	switch {
	case len(pos) > 0:
		return fmt.Errorf("%w: 多余的参数 %q (unexpected argument)", errUsage, pos[0])
	case *planPath == "":
		return fmt.Errorf("%w: 需要 --plan PLAN.json (want --plan)", errUsage)
	case *valuesPath == "":
		return fmt.Errorf("%w: 需要 --values VALUES.csv (want --values)", errUsage)
	}
	in := &evInput{rules: evRules{Thresholds: eval.DefaultThresholds()}}
	in.at = time.Now().UTC().Truncate(24 * time.Hour)
	if *atStr != "" {
		d, err := gongfu.ParseDate(*atStr)
		if err != nil {
			return err
		}
		in.at, _ = d.Time()
	}
	if in.plan, err = evReadPlan(*planPath); err != nil {
		return err
	}
	in.places = evIndex(in.plan)
	if *rulesPath != "" {
		if err := evReadRules(*rulesPath, in); err != nil {
			return err
		}
	}
	data, err := evReadFile(*valuesPath)
	if err != nil {
		return err
	}
	if err := evParseValues(data, in); err != nil {
		return err
	}
	if *quotaPath != "" {
		if data, err = evReadFile(*quotaPath); err != nil {
			return err
		}
		if err := evParseQuotas(data, in); err != nil {
			return err
		}
	}
	if *popPath != "" {
		if data, err = evReadFile(*popPath); err != nil {
			return err
		}
		if err := evParsePopulations(data, in); err != nil {
			return err
		}
	}
	e.logf("%s：%d 条报告、%d 个单位，评价日期 %s (%d reports, %d orgs, evaluated at %s)",
		*valuesPath, in.rows, len(in.orgs), in.at.Format(time.DateOnly), in.rows, len(in.orgs), in.at.Format(time.DateOnly))
	out := evRun(in)
	if *equal {
		out.Equalization = evEqualization(in)
		for i, n := range out.Equalization.Notes {
			e.logf("均等化 (equalization): %s (%s)", n, out.Equalization.NotesEN[i])
		}
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(out)
	}
	evPrint(e.stdout, out)
	return nil
}

// evReadFile reads an input file, refusing directories and oversized files
// before reading them.
func evReadFile(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil || fi.IsDir() {
		return nil, gongfu.Errorf(gongfu.EINVALID, "无法读取文件 %s", "cannot read file %s", path)
	}
	if fi.Size() > evMaxFile {
		return nil, gongfu.Errorf(gongfu.ETOOLARGE, "文件 %s 太大（%d MB），上限 %d MB", "file %s is too large (%d MB); the limit is %d MB", path, fi.Size()>>20, evMaxFile>>20)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, gongfu.Errorf(gongfu.EINVALID, "无法读取文件 %s", "cannot read file %s", path)
	}
	return bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), nil
}

// evReadPlan reads and validates a plan JSON file. The evaluation needs the
// plan year: time progress and periods are counted from its 1 January.
func evReadPlan(path string) (*gongfu.Plan, error) {
	data, err := evReadFile(path)
	if err != nil {
		return nil, err
	}
	var p gongfu.Plan
	if err := json.Unmarshal(data, &p); err != nil {
		var ge *gongfu.Error
		if errors.As(err, &ge) {
			return nil, ge
		}
		return nil, gongfu.Errorf(gongfu.EINVALID, "%s 不是有效的计划 JSON：%v", "%s is not valid plan JSON: %v", path, err)
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if p.Year == 0 {
		return nil, gongfu.Errorf(gongfu.EINVALID, "计划 JSON 缺少年度 year，无法计算序时进度", "the plan JSON has no year; time progress needs one")
	}
	return &p, nil
}

// evIndex maps item ids to their places in the plan.
func evIndex(p *gongfu.Plan) map[string]evPlace {
	m := map[string]evPlace{}
	for i := range p.Domains {
		d := &p.Domains[i]
		for j := range d.Tasks {
			t := &d.Tasks[j]
			for k := range t.Targets {
				m[t.Targets[k].ID] = evPlace{domain: i, task: j, target: &t.Targets[k]}
			}
			for k := range t.Milestones {
				m[t.Milestones[k].ID] = evPlace{domain: i, task: j, milestone: &t.Milestones[k]}
			}
		}
	}
	return m
}

// evReadRules reads the --rules file; thresholds it does not name keep their
// defaults.
func evReadRules(path string, in *evInput) error {
	data, err := evReadFile(path)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in.rules); err != nil {
		return gongfu.Errorf(gongfu.EINVALID, "规则文件 %s 无效：%v", "rules file %s is not valid: %v", path, err)
	}
	var bad []string
	if err := in.rules.Thresholds.Validate(); err != nil {
		bad = append(bad, gongfu.ErrorDetails(err)...)
	}
	for id, s := range in.rules.Schedules {
		if _, ok := in.places[id]; !ok {
			bad = append(bad, fmt.Sprintf("schedules：计划中没有指标 %q (no such target)", id))
		} else if err := eval.ValidateSchedule(s); err != nil {
			bad = append(bad, fmt.Sprintf("schedules %s：%s", id, gongfu.ErrorMessage(err)))
		}
	}
	for id, d := range in.rules.Due {
		if _, ok := in.places[id]; !ok {
			bad = append(bad, fmt.Sprintf("due：计划中没有指标或节点 %q (no such item)", id))
		} else if d == "" {
			bad = append(bad, fmt.Sprintf("due %s：时限为空 (empty due date)", id))
		}
	}
	for id, w := range in.rules.IndicatorWeights {
		if pl, ok := in.places[id]; !ok || pl.target == nil {
			bad = append(bad, fmt.Sprintf("indicator_weights：计划中没有指标 %q (no such target)", id))
		} else if !(w > 0) || math.IsInf(w, 0) {
			bad = append(bad, fmt.Sprintf("indicator_weights %s：权重须为正数 (weights must be positive)", id))
		}
	}
	for no, w := range in.rules.DomainWeights {
		n, err := strconv.Atoi(no)
		found := false
		for _, d := range in.plan.Domains {
			found = found || (err == nil && d.No == n)
		}
		if !found {
			bad = append(bad, fmt.Sprintf("domain_weights：计划中没有领域 %q (no such domain number)", no))
		} else if !(w > 0) || math.IsInf(w, 0) {
			bad = append(bad, fmt.Sprintf("domain_weights %s：权重须为正数 (weights must be positive)", no))
		}
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		e := gongfu.Errorf(gongfu.EINVALID, "规则文件有 %d 处问题", "the rules file has %d problems", len(bad))
		e.Details = bad
		return e
	}
	return nil
}

// evCSV reads a CSV file's header and maps the column names it knows to
// their index. Unknown columns are an error (a misspelt "numerater" would
// otherwise be silently ignored).
func evCSV(data []byte, what, whatEN string, required, optional []string) (*csv.Reader, map[string]int, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	head, err := r.Read()
	if err != nil {
		return nil, nil, &gongfu.Error{Code: gongfu.EINVALID, Message: what + "为空或不是 CSV", MessageEN: "the " + whatEN + " is empty or not CSV"}
	}
	known := map[string]bool{}
	for _, c := range append(append([]string{}, required...), optional...) {
		known[c] = true
	}
	col := map[string]int{}
	var bad []string
	for i, h := range head {
		h = strings.ToLower(strings.TrimSpace(h))
		if !known[h] {
			bad = append(bad, fmt.Sprintf("第 1 行：未知列 %q，可用的列：%s (unknown column)", h, strings.Join(append(append([]string{}, required...), optional...), ",")))
			continue
		}
		if _, dup := col[h]; dup {
			bad = append(bad, fmt.Sprintf("第 1 行：列 %q 重复 (duplicate column)", h))
		}
		col[h] = i
	}
	for _, need := range required {
		if _, ok := col[need]; !ok {
			bad = append(bad, fmt.Sprintf("第 1 行：缺少 %s 列，表头应为 %s (missing column)", need, strings.Join(required, ",")))
		}
	}
	if len(bad) > 0 {
		e := &gongfu.Error{Code: gongfu.EINVALID, Details: bad,
			Message:   fmt.Sprintf("%s表头有 %d 处错误", what, len(bad)),
			MessageEN: fmt.Sprintf("the %s header has %d errors", whatEN, len(bad))}
		return nil, nil, e
	}
	return r, col, nil
}

// evStages reads a stage in English or Chinese.
var evStages = map[string]gongfu.Stage{
	"not_started": gongfu.StageNotStarted, "未启动": gongfu.StageNotStarted,
	"in_progress": gongfu.StageInProgress, "推进中": gongfu.StageInProgress,
	"done": gongfu.StageDone, "已完成": gongfu.StageDone,
}

// evParseValues reads the values CSV, checking every row and reporting every
// problem with its line number. A value must be a plain number (32095, not
// "32,095" or "4.17%").
func evParseValues(data []byte, in *evInput) error {
	r, col, err := evCSV(data, "填报数据表", "values file", []string{"target", "org", "period", "value"}, []string{"numerator", "denominator", "stage", "note"})
	if err != nil {
		return err
	}
	in.values = map[string]map[string][]eval.Figure{}
	seenOrg := map[string]bool{}
	type key struct{ item, org, period string }
	firstLine := map[key]int{}
	freqOf := map[[2]string]gongfu.Frequency{}
	var bad []string
	addf := func(line int, format string, args ...any) {
		if len(bad) < evMaxDetails {
			bad = append(bad, fmt.Sprintf("第 %d 行：", line)+fmt.Sprintf(format, args...))
		} else if len(bad) == evMaxDetails {
			bad = append(bad, "……（更多错误从略 more errors omitted）")
		}
	}
	for line := 2; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.Line
			}
			addf(line, "无法读取，CSV 格式有误 (unreadable CSV)")
			continue
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		n := len(bad)
		id, org := get("target"), get("org")
		pl, ok := in.places[id]
		switch {
		case id == "":
			addf(line, "缺少指标编号 target (no target id)")
		case !ok:
			addf(line, "计划中没有指标或节点 %q (no such target or milestone in the plan)", id)
		}
		if strings.ContainsAny(org, "/\n\r\t") || len([]rune(org)) > 100 {
			addf(line, "单位名称 %q 无效 (bad org name)", org)
		}
		period, perr := gongfu.ParsePeriod(get("period"))
		if perr != nil {
			addf(line, "报告期 %q 应为 YYYY-MM 或 YYYY-Qn (period must be YYYY-MM or YYYY-Qn)", get("period"))
		} else if period.Year != in.plan.Year && period.Year != in.plan.Year-1 {
			addf(line, "报告期 %s 不在计划年度 %d（或上一年度）内 (period outside the plan year or the year before)", period, in.plan.Year)
		}
		num := func(name string) *float64 {
			s := get(name)
			if s == "" {
				return nil
			}
			v, err := strconv.ParseFloat(s, 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				addf(line, "%s %q 不是数字 (not a number)", name, s)
				return nil
			}
			return &v
		}
		rep := gongfu.Report{Value: num("value"), Numerator: num("numerator"), Denominator: num("denominator"), Note: get("note")}
		if s := get("stage"); s != "" {
			st, ok := evStages[s]
			if !ok {
				addf(line, "stage %q 应为 未启动/推进中/已完成 或 not_started/in_progress/done (unknown stage)", s)
			}
			rep.Stage = st
		}
		if len(bad) > n || !ok {
			continue
		}
		milestone := pl.milestone != nil
		tgt := pl.target
		if milestone {
			// A milestone's value column carries its percent.
			rep.Percent, rep.Value = rep.Value, nil
			tgt = &gongfu.Target{}
		}
		if err := rep.CheckFigures(tgt, milestone); err != nil {
			for _, d := range gongfu.ErrorDetails(err) {
				addf(line, "%s", d)
			}
			continue
		}
		k := key{id, org, period.String()}
		if first, dup := firstLine[k]; dup {
			addf(line, "与第 %d 行重复：同一指标、单位和报告期只能有一行 (duplicate of line %d)", first, first)
			continue
		}
		firstLine[k] = line
		fk := [2]string{id, org}
		if f, ok := freqOf[fk]; ok && f != period.Freq {
			addf(line, "同一指标和单位不能混用月报和季报 (monthly and quarterly periods mixed)")
			continue
		}
		freqOf[fk] = period.Freq
		if in.values[id] == nil {
			in.values[id] = map[string][]eval.Figure{}
		}
		in.values[id][org] = append(in.values[id][org], eval.Figure{
			Period: period, Value: rep.Value, Numerator: rep.Numerator, Denominator: rep.Denominator,
			Stage: rep.Stage, Percent: rep.Percent,
		})
		if org != "" && !seenOrg[org] {
			seenOrg[org] = true
			in.orgs = append(in.orgs, org)
		}
		in.rows++
	}
	if len(bad) > 0 {
		e := gongfu.Errorf(gongfu.EINVALID, "填报数据表有 %d 处错误", "the values file has %d errors", len(bad))
		e.Details = bad
		return e
	}
	return nil
}

// evParseQuotas reads the quotas CSV: target,org,value[,baseline].
func evParseQuotas(data []byte, in *evInput) error {
	r, col, err := evCSV(data, "分解任务表", "quotas file", []string{"target", "org", "value"}, []string{"baseline", "note"})
	if err != nil {
		return err
	}
	in.quotas = map[string]map[string]evQuota{}
	seen := map[string]bool{}
	var bad []string
	for line := 2; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			bad = append(bad, fmt.Sprintf("第 %d 行：无法读取，CSV 格式有误 (unreadable CSV)", line))
			continue
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		id, org := get("target"), get("org")
		pl, ok := in.places[id]
		if !ok || pl.target == nil {
			bad = append(bad, fmt.Sprintf("第 %d 行：计划中没有指标 %q (no such target)", line, id))
			continue
		}
		if org == "" {
			bad = append(bad, fmt.Sprintf("第 %d 行：缺少单位 org (no org)", line))
			continue
		}
		v, err := strconv.ParseFloat(get("value"), 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			bad = append(bad, fmt.Sprintf("第 %d 行：任务数 %q 不是数字 (value is not a number)", line, get("value")))
			continue
		}
		q := evQuota{value: v}
		if s := get("baseline"); s != "" {
			b, err := strconv.ParseFloat(s, 64)
			if err != nil || math.IsNaN(b) || math.IsInf(b, 0) {
				bad = append(bad, fmt.Sprintf("第 %d 行：基数 %q 不是数字 (baseline is not a number)", line, s))
				continue
			}
			q.baseline = &b
		}
		if in.quotas[id] == nil {
			in.quotas[id] = map[string]evQuota{}
		}
		if _, dup := in.quotas[id][org]; dup {
			bad = append(bad, fmt.Sprintf("第 %d 行：%s 的 %s 重复 (duplicate)", line, org, id))
			continue
		}
		in.quotas[id][org] = q
		if !seen[org] {
			seen[org] = true
			in.quotaOrgs = append(in.quotaOrgs, org)
		}
	}
	if len(bad) > 0 {
		e := gongfu.Errorf(gongfu.EINVALID, "分解任务表有 %d 处错误", "the quotas file has %d errors", len(bad))
		e.Details = bad
		return e
	}
	return nil
}

// evParsePopulations reads name and the first population… column of a CSV
// such as demo/wenzhou-counties.csv; a kind column (district, county,
// county-city), when present, decides the 市区 vs 县(市) grouping.
func evParsePopulations(data []byte, in *evInput) error {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	head, err := r.Read()
	if err != nil {
		return gongfu.Errorf(gongfu.EINVALID, "人口表为空或不是 CSV", "the populations file is empty or not CSV")
	}
	nameCol, popCol, kindCol := -1, -1, -1
	for i, h := range head {
		h = strings.ToLower(strings.TrimSpace(h))
		switch {
		case h == "name" && nameCol < 0:
			nameCol = i
		case h == "kind" && kindCol < 0:
			kindCol = i
		case strings.HasPrefix(h, "population") && popCol < 0:
			popCol = i
		}
	}
	if nameCol < 0 || popCol < 0 {
		return gongfu.Errorf(gongfu.EINVALID, "人口表需要 name 列和 population… 列", "the populations file needs a name and a population… column")
	}
	in.pops, in.kinds = map[string]float64{}, map[string]string{}
	var bad []string
	for line := 2; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil || nameCol >= len(rec) || popCol >= len(rec) {
			bad = append(bad, fmt.Sprintf("第 %d 行：无法读取 (unreadable line)", line))
			continue
		}
		name, s := strings.TrimSpace(rec[nameCol]), strings.TrimSpace(rec[popCol])
		if name == "" {
			continue
		}
		if s != "" {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil || !(v >= 0) || math.IsInf(v, 0) {
				bad = append(bad, fmt.Sprintf("第 %d 行：人口 %q 不是非负数 (population is not a number ≥ 0)", line, s))
				continue
			}
			in.pops[name] = v
		}
		if kindCol >= 0 && kindCol < len(rec) {
			in.kinds[name] = strings.TrimSpace(rec[kindCol])
		}
	}
	if len(bad) > 0 {
		e := gongfu.Errorf(gongfu.EINVALID, "人口表有 %d 处错误", "the populations file has %d errors", len(bad))
		e.Details = bad
		return e
	}
	return nil
}

// The JSON output. Percentages are in percent (123.4 = 123.4%), rounded to
// one decimal as progress tables print them; disparity figures keep six.

type evOutput struct {
	Plan         evPlanOut       `json:"plan"`
	Targets      []evItemOut     `json:"targets"`
	Domains      []evDomain      `json:"domains"`
	Equalization *evEqualOut     `json:"equalization,omitempty"`
	Thresholds   eval.Thresholds `json:"thresholds"`
}

type evPlanOut struct {
	Title        string         `json:"title"`
	Year         int            `json:"year"`
	At           string         `json:"at"`
	DuePeriod    string         `json:"due_period"`
	TimeProgress float64        `json:"time_progress"`
	Completion   *float64       `json:"completion"`
	Light        eval.Light     `json:"light"`
	Lights       map[string]int `json:"lights"`
	Counted      int            `json:"counted"`
	Uncounted    int            `json:"uncounted"`
	Reason       string         `json:"reason"`
	ReasonEN     string         `json:"reason_en"`
}

type evItemOut struct {
	ID             string     `json:"id"`
	Name           string     `json:"name"`
	Kind           string     `json:"kind"`
	Org            string     `json:"org"`
	Period         string     `json:"period"`
	DuePeriod      string     `json:"due_period"`
	Value          *float64   `json:"value"`
	Target         *float64   `json:"target"`
	Unit           string     `json:"unit,omitempty"`
	Completion     *float64   `json:"completion"`
	TimeProgress   float64    `json:"time_progress"`
	Planned        bool       `json:"planned_progress,omitempty"`
	Light          eval.Light `json:"light"`
	Forecast       *float64   `json:"forecast"`
	AtRisk         bool       `json:"at_risk"`
	Unweighted     bool       `json:"unweighted,omitempty"`
	QuotaShortfall *float64   `json:"quota_shortfall,omitempty"`
	LastPeriod     string     `json:"last_period,omitempty"`
	LastCompletion *float64   `json:"last_completion,omitempty"`
	Reason         string     `json:"reason"`
	ReasonEN       string     `json:"reason_en"`
}

type evDomain struct {
	No         int            `json:"no"`
	Title      string         `json:"title"`
	Completion *float64       `json:"completion"`
	Light      eval.Light     `json:"light"`
	Lights     map[string]int `json:"lights"`
	Counted    int            `json:"counted"`
	Uncounted  int            `json:"uncounted"`
	Reason     string         `json:"reason"`
	ReasonEN   string         `json:"reason_en"`
	Tasks      []evTask       `json:"tasks"`
}

type evTask struct {
	No         int        `json:"no"`
	Title      string     `json:"title"`
	Completion *float64   `json:"completion"`
	Light      eval.Light `json:"light"`
	Reason     string     `json:"reason"`
	ReasonEN   string     `json:"reason_en"`
}

func evR(x float64, decimals int) float64 {
	p := math.Pow(10, float64(decimals))
	r := math.Round(x*p) / p
	if r == 0 {
		return 0
	}
	return r
}

func evRP(x *float64, decimals int) *float64 {
	if x == nil || math.IsNaN(*x) || math.IsInf(*x, 0) {
		return nil
	}
	r := evR(*x, decimals)
	return &r
}

// evItem builds the eval item of a plan item with the rules applied.
func evItem(in *evInput, pl evPlace) eval.Item {
	var it eval.Item
	if pl.milestone != nil {
		it = eval.MilestoneItem(in.plan.Year, pl.milestone)
	} else {
		it = eval.TargetItem(in.plan.Year, pl.target)
		it.Schedule = in.rules.Schedules[it.ID]
	}
	if d, ok := in.rules.Due[it.ID]; ok {
		it.Due = d
	}
	return it
}

// evCountyItem adapts a plan item to a county: its quota or own target when
// one is set; else the plan's level applies to each county alike, while an
// increment (an amount for the whole city) gives the county no target of its
// own. A county's baseline is its own (from the quotas file): the city's
// baseline says nothing about a county, so without one a change is read as
// reported.
func evCountyItem(in *evInput, it eval.Item, kind gongfu.TargetKind, op gongfu.Op, org string) eval.Item {
	if it.Milestone {
		return it
	}
	if q, ok := in.quotas[it.ID][org]; ok {
		it.Value, it.Baseline = q.value, q.baseline
		return it
	}
	it.Baseline = nil
	if kind == gongfu.KindIncrement && op != gongfu.OpAtMost {
		it.Unassigned = true
	}
	return it
}

// evRun judges every item for the plan as a whole and for each org that
// reported it or was given a quota for it.
func evRun(in *evInput) *evOutput {
	th := in.rules.Thresholds
	p := in.plan
	out := &evOutput{Thresholds: th, Targets: []evItemOut{}, Domains: []evDomain{}}
	var allT, allM []eval.Verdict
	for _, d := range p.Domains {
		dom := evDomain{No: d.No, Title: d.Title, Tasks: []evTask{}}
		var domT, domM []eval.Verdict
		for _, t := range d.Tasks {
			var taskT, taskM []eval.Verdict
			ids := make([]string, 0, len(t.Targets)+len(t.Milestones))
			for _, g := range t.Targets {
				ids = append(ids, g.ID)
			}
			for _, m := range t.Milestones {
				ids = append(ids, m.ID)
			}
			for _, id := range ids {
				pl := in.places[id]
				it := evItem(in, pl)
				// Only this year's figures are judged; last year's serve the
				// equalization's year-on-year comparison, and an org that
				// reported only last year is not expected in this year's total.
				byOrg := map[string][]eval.Figure{}
				for org, figs := range in.values[id] {
					for _, f := range figs {
						if f.Period.Year == p.Year {
							byOrg[org] = append(byOrg[org], f)
						}
					}
				}
				counties := map[string][]eval.Figure{}
				var orgs []string
				for _, org := range in.orgs {
					if figs, ok := byOrg[org]; ok {
						counties[org] = figs
						orgs = append(orgs, org)
					}
				}
				for _, org := range in.quotaOrgs {
					if _, ok := in.quotas[id][org]; ok {
						if _, seen := counties[org]; !seen {
							counties[org] = nil
							orgs = append(orgs, org)
						}
					}
				}
				v := eval.EvaluateCity(it, byOrg[""], counties, in.at, th)
				row := evRow(pl, it, "", v)
				if pl.target != nil && pl.target.Kind == gongfu.KindIncrement && len(in.quotas[id]) > 0 {
					qs := map[string]float64{}
					for org, q := range in.quotas[id] {
						qs[org] = q.value
					}
					dc := eval.Decompose(pl.target.Value, qs)
					if dc.Shortfall > 0 {
						sf := dc.Shortfall
						row.QuotaShortfall = &sf
					}
					row.Reason += "；" + dc.Reason
					row.ReasonEN += "; " + dc.ReasonEN
				}
				out.Targets = append(out.Targets, row)
				if pl.milestone != nil {
					taskM = append(taskM, v)
				} else {
					taskT = append(taskT, v)
				}
				for _, org := range orgs {
					var kind gongfu.TargetKind
					var op gongfu.Op
					if pl.target != nil {
						kind, op = pl.target.Kind, pl.target.Op
					}
					cit := evCountyItem(in, it, kind, op, org)
					cv := eval.Evaluate(cit, counties[org], in.at, th)
					out.Targets = append(out.Targets, evRow(pl, cit, org, cv))
				}
			}
			s := eval.Summarize(taskT, taskM)
			dom.Tasks = append(dom.Tasks, evTask{No: t.No, Title: t.Title, Completion: evRP(s.Completion, 1), Light: s.Light, Reason: s.Reason, ReasonEN: s.ReasonEN})
			domT, domM = append(domT, taskT...), append(domM, taskM...)
		}
		s := eval.Summarize(domT, domM)
		dom.Completion, dom.Light, dom.Lights, dom.Counted, dom.Uncounted = evRP(s.Completion, 1), s.Light, evLights(s.Lights), s.Counted, s.Uncounted
		dom.Reason, dom.ReasonEN = s.Reason, s.ReasonEN
		out.Domains = append(out.Domains, dom)
		allT, allM = append(allT, domT...), append(allM, domM...)
	}
	s := eval.Summarize(allT, allM)
	out.Plan = evPlanOut{Title: p.Title, Year: p.Year, At: in.at.Format(time.DateOnly),
		Completion: evRP(s.Completion, 1), Light: s.Light, Lights: evLights(s.Lights),
		Counted: s.Counted, Uncounted: s.Uncounted, Reason: s.Reason, ReasonEN: s.ReasonEN}
	if due, ok := eval.DuePeriod(p.Year, gongfu.Monthly, in.at, th.DeadlineDay); ok {
		out.Plan.DuePeriod = due.String()
		out.Plan.TimeProgress = evR(100*due.TimeShare(), 1)
	}
	return out
}

func evLights(m map[eval.Light]int) map[string]int {
	out := map[string]int{}
	for l, n := range m {
		out[string(l)] = n
	}
	return out
}

// evRow turns a verdict into an output row.
func evRow(pl evPlace, it eval.Item, org string, v eval.Verdict) evItemOut {
	row := evItemOut{ID: it.ID, Name: it.Name, Org: org, Period: v.Period, DuePeriod: v.DuePeriod,
		Value: v.Value, Completion: evRP(v.Completion, 1), TimeProgress: evR(v.TimeProgress, 1), Planned: v.Planned,
		Light: v.Light, Forecast: evRP(v.Forecast, 1), AtRisk: v.AtRisk, Unweighted: v.Unweighted,
		LastPeriod: v.LastPeriod, LastCompletion: evRP(v.LastCompletion, 1), Reason: v.Reason, ReasonEN: v.ReasonEN}
	if pl.milestone != nil {
		row.Kind, row.Value = "milestone", nil
	} else {
		row.Kind, row.Unit = string(it.Kind), it.Unit
		if !it.Unassigned { // a county without a quota has no target of its own
			tv := it.Value
			row.Target = &tv
		}
	}
	return row
}

// Equalization output.

type evEqualOut struct {
	Counties            []evCountyOut    `json:"counties"`
	Excluded            []evExcludedOut  `json:"excluded"`
	Disparity           evDisparityOut   `json:"disparity"`
	DisparityUnweighted *evDisparityOut  `json:"disparity_unweighted,omitempty"`
	Indicators          []evIndicatorOut `json:"indicators"`
	// IndicatorsWithoutData are level targets no county reported: left out.
	IndicatorsWithoutData []string  `json:"indicators_without_data"`
	YearOnYear            *evYoYOut `json:"year_on_year,omitempty"`
	Notes                 []string  `json:"notes"`
	NotesEN               []string  `json:"notes_en"`
}

type evCountyOut struct {
	Org         string            `json:"org"`
	Group       string            `json:"group"`
	Population  *float64          `json:"population,omitempty"`
	Realization float64           `json:"realization"`
	Domains     []evDomainRealOut `json:"domains"`
	Indicators  []evIndRealOut    `json:"indicators"`
	Missing     []string          `json:"missing"`
}

type evDomainRealOut struct {
	No          int     `json:"no"`
	Title       string  `json:"title"`
	Realization float64 `json:"realization"`
	Indicators  int     `json:"indicators"`
	Weight      float64 `json:"weight"`
}

type evIndRealOut struct {
	ID        string   `json:"id"`
	Period    string   `json:"period"`
	Value     float64  `json:"value"`
	Target    float64  `json:"target"`
	R         float64  `json:"r"`
	RBaseline *float64 `json:"r_baseline,omitempty"`
	Working   string   `json:"working"`
}

type evExcludedOut struct {
	Org      string `json:"org"`
	Reason   string `json:"reason"`
	ReasonEN string `json:"reason_en"`
}

type evDisparityOut struct {
	N            int          `json:"n"`
	Mean         float64      `json:"mean"`
	SD           float64      `json:"sd"`
	CV           float64      `json:"cv"`
	Theil        float64      `json:"theil"`
	TheilWithin  float64      `json:"theil_within"`
	TheilBetween float64      `json:"theil_between"`
	Gini         float64      `json:"gini"`
	MaxMin       *float64     `json:"max_min"`
	Weighted     bool         `json:"weighted"`
	Groups       []evGroupOut `json:"groups"`
}

type evGroupOut struct {
	Name  string  `json:"name"`
	N     int     `json:"n"`
	Share float64 `json:"share"`
	Mean  float64 `json:"mean"`
	Theil float64 `json:"theil"`
}

type evIndicatorOut struct {
	ID        string         `json:"id"`
	Name      string         `json:"name"`
	Counties  int            `json:"counties"`
	Disparity evDisparityOut `json:"disparity"`
}

type evYoYOut struct {
	Year     int                 `json:"previous_year"`
	Counties []evCountyChangeOut `json:"counties"`
	Added    []string            `json:"added"`
	Dropped  []string            `json:"dropped"`
	CV       float64             `json:"cv"`
	Theil    float64             `json:"theil"`
	Within   float64             `json:"theil_within"`
	Between  float64             `json:"theil_between"`
	Gini     float64             `json:"gini"`
	MaxMin   *float64            `json:"max_min"`
	Reason   string              `json:"reason"`
	ReasonEN string              `json:"reason_en"`
}

type evCountyChangeOut struct {
	Org      string  `json:"org"`
	Previous float64 `json:"previous"`
	Current  float64 `json:"current"`
	Change   float64 `json:"change"`
}

// evGroup puts a county in 市区 (districts) or 县(市) (counties and
// county-level cities) for the Theil decomposition: by the kind column of
// the populations file when it has one, else by the name's last character.
func evGroup(in *evInput) func(string) string {
	return func(org string) string {
		if k, ok := in.kinds[org]; ok && k != "" {
			if k == "district" {
				return "市区"
			}
			return "县(市)"
		}
		if strings.HasSuffix(org, "区") {
			return "市区"
		}
		return "县(市)"
	}
}

// evEqualize runs the equalization evaluation over the figures of one year
// usable at date at: each county's latest figure on each level target. The
// indicators are the level targets at least one county reported; the others
// are listed as without data.
func evEqualize(in *evInput, year int, at time.Time) (eval.Equalization, []string) {
	latest := func(figs []eval.Figure) (eval.Figure, bool) {
		var best eval.Figure
		found := false
		for _, f := range figs {
			if f.Value == nil || f.Period.Year != year || (at.Year() <= year && f.Period.EndMonth() > int(at.Month())) {
				continue
			}
			if !found || f.Period.EndMonth() > best.Period.EndMonth() {
				best, found = f, true
			}
		}
		return best, found
	}
	eqIn := eval.EqualizationInput{
		Counties: in.orgs,
		Values:   map[string]map[string]eval.Observation{},
		Group:    evGroup(in),
	}
	if in.pops != nil {
		eqIn.Populations = in.pops
	}
	if len(in.rules.DomainWeights) > 0 {
		eqIn.DomainWeights = map[int]float64{}
		for no, w := range in.rules.DomainWeights {
			if n, err := strconv.Atoi(no); err == nil {
				eqIn.DomainWeights[n] = w
			}
		}
	}
	var without []string
	for _, d := range in.plan.Domains {
		for _, t := range d.Tasks {
			for _, g := range t.Targets {
				if g.Kind != gongfu.KindLevel {
					continue
				}
				found := false
				for _, org := range in.orgs {
					f, ok := latest(in.values[g.ID][org])
					if !ok {
						continue
					}
					found = true
					o := eval.Observation{Value: *f.Value, Target: g.Value, Period: f.Period.String()}
					if q, ok := in.quotas[g.ID][org]; ok {
						o.Target, o.Baseline = q.value, q.baseline
					}
					if eqIn.Values[org] == nil {
						eqIn.Values[org] = map[string]eval.Observation{}
					}
					eqIn.Values[org][g.ID] = o
				}
				if !found {
					without = append(without, g.ID)
					continue
				}
				eqIn.Indicators = append(eqIn.Indicators, eval.Indicator{ID: g.ID, Name: g.Name, Domain: d.No, DomainTitle: d.Title, Op: g.Op, Weight: in.rules.IndicatorWeights[g.ID]})
			}
		}
	}
	return eval.Equalize(eqIn), without
}

func evDisparity(d eval.Disparity) evDisparityOut {
	out := evDisparityOut{N: d.N, Mean: evR(d.Mean, 4), SD: evR(d.SD, 4), CV: evR(d.CV, 6), Theil: evR(d.Theil, 6),
		TheilWithin: evR(d.TheilWithin, 6), TheilBetween: evR(d.TheilBetween, 6), Gini: evR(d.Gini, 6),
		MaxMin: evRP(d.MaxMin, 4), Weighted: d.Weighted, Groups: []evGroupOut{}}
	for _, g := range d.Groups {
		out.Groups = append(out.Groups, evGroupOut{Name: g.Name, N: g.N, Share: evR(g.Share, 6), Mean: evR(g.Mean, 4), Theil: evR(g.Theil, 6)})
	}
	return out
}

// evEqualization is the --equalization part of the output: this year's
// evaluation and, when the values file holds figures of the year before,
// the change from it.
func evEqualization(in *evInput) *evEqualOut {
	eq, without := evEqualize(in, in.plan.Year, in.at)
	out := &evEqualOut{Counties: []evCountyOut{}, Excluded: []evExcludedOut{}, Indicators: []evIndicatorOut{},
		IndicatorsWithoutData: without, Notes: eq.Notes, NotesEN: eq.NotesEN}
	if out.IndicatorsWithoutData == nil {
		out.IndicatorsWithoutData = []string{}
	}
	if out.Notes == nil {
		out.Notes, out.NotesEN = []string{}, []string{}
	}
	if len(without) > 0 {
		out.Notes = append(out.Notes, fmt.Sprintf("%d 个水平类指标没有县级数据，未纳入：%s", len(without), strings.Join(without, "、")))
		out.NotesEN = append(out.NotesEN, fmt.Sprintf("%d level targets have no county figures and are left out: %s", len(without), strings.Join(without, ", ")))
	}
	for _, c := range eq.Counties {
		co := evCountyOut{Org: c.Org, Group: c.Group, Realization: evR(c.Realization, 2), Domains: []evDomainRealOut{}, Indicators: []evIndRealOut{}, Missing: c.Missing}
		if co.Missing == nil {
			co.Missing = []string{}
		}
		if c.Population > 0 {
			p := c.Population
			co.Population = &p
		}
		for _, d := range c.Domains {
			co.Domains = append(co.Domains, evDomainRealOut{No: d.No, Title: d.Title, Realization: evR(d.Realization, 2), Indicators: d.Indicators, Weight: d.Weight})
		}
		for _, r := range c.Indicators {
			co.Indicators = append(co.Indicators, evIndRealOut{ID: r.ID, Period: r.Period, Value: r.Value, Target: r.Target, R: evR(r.R, 2), RBaseline: evRP(r.RBaseline, 2), Working: r.Working})
		}
		out.Counties = append(out.Counties, co)
	}
	for _, x := range eq.Excluded {
		out.Excluded = append(out.Excluded, evExcludedOut{Org: x.Org, Reason: x.Reason, ReasonEN: x.ReasonEN})
	}
	out.Disparity = evDisparity(eq.Disparity)
	if eq.Unweighted != nil {
		u := evDisparity(*eq.Unweighted)
		out.DisparityUnweighted = &u
	}
	for _, x := range eq.Indicators {
		out.Indicators = append(out.Indicators, evIndicatorOut{ID: x.ID, Name: x.Name, Counties: x.Counties, Disparity: evDisparity(x.Disparity)})
	}
	// The year before: every figure of that year counts (its year-end
	// figure when reported), as at 1 January of the plan year.
	prev, _ := evEqualize(in, in.plan.Year-1, time.Date(in.plan.Year, 1, 1, 0, 0, 0, 0, time.UTC))
	if len(prev.Counties) > 0 && len(eq.Counties) > 0 {
		y := eval.CompareYears(prev, eq)
		yo := &evYoYOut{Year: in.plan.Year - 1, Counties: []evCountyChangeOut{}, Added: y.Added, Dropped: y.Dropped,
			CV: evR(y.CV, 6), Theil: evR(y.Theil, 6), Within: evR(y.TheilWithin, 6), Between: evR(y.TheilBetween, 6), Gini: evR(y.Gini, 6),
			MaxMin: evRP(y.MaxMin, 4), Reason: y.Reason, ReasonEN: y.ReasonEN}
		for _, c := range y.Counties {
			yo.Counties = append(yo.Counties, evCountyChangeOut{Org: c.Org, Previous: evR(c.Previous, 2), Current: evR(c.Current, 2), Change: evR(c.Change, 2)})
		}
		if yo.Added == nil {
			yo.Added = []string{}
		}
		if yo.Dropped == nil {
			yo.Dropped = []string{}
		}
		out.YearOnYear = yo
	}
	return out
}

// Text output: aligned tables for a terminal, Chinese headers with English.

// evWidth is the display width of s in a terminal: East Asian wide and
// fullwidth characters take two columns.
func evWidth(s string) int {
	n := 0
	for _, r := range s {
		switch width.LookupRune(r).Kind() {
		case width.EastAsianWide, width.EastAsianFullwidth:
			n += 2
		default:
			n++
		}
	}
	return n
}

// evTable prints rows under head with every column but the last padded to
// its widest cell; the last (a reason) runs on.
func evTable(w io.Writer, head []string, rows [][]string) {
	widths := make([]int, len(head))
	for _, r := range append([][]string{head}, rows...) {
		for i, c := range r {
			widths[i] = max(widths[i], evWidth(c))
		}
	}
	for _, r := range append([][]string{head}, rows...) {
		var b strings.Builder
		for i, c := range r {
			b.WriteString(c)
			if i < len(r)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-evWidth(c)+2))
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
}

// evLightLabel is a light for a table: Chinese and English.
func evLightLabel(l eval.Light) string { return l.Chinese() + " " + string(l) }

func evPctCell(x *float64) string {
	if x == nil {
		return "-"
	}
	return eval.Pct(*x) + "%"
}

func evPrint(w io.Writer, out *evOutput) {
	p := out.Plan
	fmt.Fprintf(w, "%s（%d 年度 plan year）\n", p.Title, p.Year)
	due := "尚无到期报告 none due yet"
	if p.DuePeriod != "" {
		due = fmt.Sprintf("应报至 due %s · 序时进度 time progress %s%%", p.DuePeriod, eval.Pct(p.TimeProgress))
	}
	fmt.Fprintf(w, "评价日期 at %s · %s\n\n", p.At, due)

	fmt.Fprintln(w, "指标与节点 Targets and milestones")
	var rows [][]string
	for _, t := range out.Targets {
		org := t.Org
		if org == "" {
			org = "全市 plan"
		}
		fc := "-"
		if t.Forecast != nil {
			fc = eval.Num(*t.Forecast)
			if t.AtRisk {
				fc += " 难完成"
			}
		}
		tp := eval.Pct(t.TimeProgress) + "%"
		if t.Light == eval.LightNone && t.Period == "" {
			tp = "-"
		}
		rows = append(rows, []string{t.ID, org, evPctCell(t.Completion), tp, evLightLabel(t.Light), fc, t.Reason})
	}
	evTable(w, []string{"编号 id", "单位 org", "完成率 completion", "序时进度 time", "灯 light", "预测 forecast", "说明 reason"}, rows)

	fmt.Fprintln(w, "\n领域与任务 Domains and tasks")
	rows = rows[:0]
	for _, d := range out.Domains {
		rows = append(rows, []string{fmt.Sprintf("领域 %d", d.No), d.Title, evPctCell(d.Completion), evLightLabel(d.Light), d.Reason})
		for _, t := range d.Tasks {
			rows = append(rows, []string{fmt.Sprintf("  任务 %d", t.No), t.Title, evPctCell(t.Completion), evLightLabel(t.Light), t.Reason})
		}
	}
	evTable(w, []string{"编号 no", "名称 title", "平均完成率 completion", "灯 light", "说明 reason"}, rows)

	var counts []string
	for _, l := range []eval.Light{eval.LightDone, eval.LightGreen, eval.LightYellow, eval.LightRed, eval.LightGrey, eval.LightNone} {
		if n := p.Lights[string(l)]; n > 0 {
			counts = append(counts, fmt.Sprintf("%s %d", evLightLabel(l), n))
		}
	}
	fmt.Fprintf(w, "\n全计划 Plan: 平均完成率 completion %s · 灯 light %s · %s\n", evPctCell(p.Completion), evLightLabel(p.Light), strings.Join(counts, " / "))
	fmt.Fprintf(w, "  %s\n", p.Reason)

	if eq := out.Equalization; eq != nil {
		evPrintEqual(w, eq)
	}
}

func evDispLine(d evDisparityOut) string {
	mm := "-"
	if d.MaxMin != nil {
		mm = eval.Num(*d.MaxMin)
	}
	return fmt.Sprintf("n=%d · 均值 mean %s · 变异系数 CV %s · 泰尔 Theil %s（组内 within %s + 组间 between %s）· 基尼 Gini %s · 最大/最小 max/min %s",
		d.N, eval.Num(d.Mean), eval.Num(d.CV), eval.Num(d.Theil), eval.Num(d.TheilWithin), eval.Num(d.TheilBetween), eval.Num(d.Gini), mm)
}

func evPrintEqual(w io.Writer, eq *evEqualOut) {
	how := "不加权 unweighted"
	if eq.Disparity.Weighted {
		how = "按人口加权 population-weighted"
	}
	fmt.Fprintf(w, "\n均等化实现度 Equalization（%d 个单位 orgs；差距 %s）\n", len(eq.Counties), how)
	var rows [][]string
	for _, c := range eq.Counties {
		var ds []string
		for _, d := range c.Domains {
			ds = append(ds, fmt.Sprintf("%d %s %s%%", d.No, d.Title, eval.Pct(d.Realization)))
		}
		miss := "-"
		if len(c.Missing) > 0 {
			miss = strings.Join(c.Missing, "、")
		}
		rows = append(rows, []string{c.Org, c.Group, eval.Pct(c.Realization) + "%", strings.Join(ds, "；"), miss})
	}
	evTable(w, []string{"单位 org", "分组 group", "实现度 realization", "各领域 domains", "缺项 missing"}, rows)
	if eq.Disparity.N > 0 {
		fmt.Fprintf(w, "差距 Disparity: %s\n", evDispLine(eq.Disparity))
		if eq.DisparityUnweighted != nil {
			fmt.Fprintf(w, "  不加权 unweighted: %s\n", evDispLine(*eq.DisparityUnweighted))
		}
	}
	if len(eq.Indicators) > 0 {
		fmt.Fprintln(w, "各指标差距 Disparity by indicator")
		rows = rows[:0]
		for _, x := range eq.Indicators {
			mm := "-"
			if x.Disparity.MaxMin != nil {
				mm = eval.Num(*x.Disparity.MaxMin)
			}
			rows = append(rows, []string{x.ID, strconv.Itoa(x.Counties), eval.Num(x.Disparity.CV), eval.Num(x.Disparity.Theil), eval.Num(x.Disparity.Gini), mm, x.Name})
		}
		evTable(w, []string{"编号 id", "单位数 n", "CV", "Theil", "Gini", "max/min", "名称 name"}, rows)
	}
	if y := eq.YearOnYear; y != nil {
		fmt.Fprintf(w, "同比 Year on year（%d → 本年 this year）: %s\n", y.Year, y.Reason)
		rows = rows[:0]
		for _, c := range y.Counties {
			rows = append(rows, []string{c.Org, eval.Pct(c.Previous) + "%", eval.Pct(c.Current) + "%", fmt.Sprintf("%+.1f", c.Change)})
		}
		evTable(w, []string{"单位 org", "上年 previous", "本年 current", "变化 change"}, rows)
	}
	for _, x := range eq.Excluded {
		fmt.Fprintf(w, "未纳入 Excluded: %s：%s\n", x.Org, x.Reason)
	}
	for _, n := range eq.Notes {
		fmt.Fprintf(w, "说明 Note: %s\n", n)
	}
}
