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

// evPlace is what an item id names in the plan: a target or a milestone.
type evPlace struct {
	target    *gongfu.Target
	milestone *gongfu.Milestone
}

// evInput is everything the command read.
type evInput struct {
	plan   *gongfu.Plan
	places map[string]evPlace
	// values: item id → org ("" for plan-wide) → figures.
	values map[string]map[string][]eval.Figure
	// orgs in order of first appearance in the values file.
	orgs   []string
	quotas map[string]map[string]eval.Quota // item id → org → quota
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
// eval.Assess at the date --at, and prints a table or JSON. All the rules,
// and the orchestration the web server shares, live in eval; this command
// only reads, validates and prints.
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
	out := evContract(eval.Assess(evAssessInput(in, *equal)))
	if out.Equalization != nil {
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

// evContract keeps the command's output to its published contract, where a
// light is one of done, green, yellow, red and grey: eval's "none" (无结论)
// becomes grey when the row has no value (nothing reported yet: the issue's
// "a target with no value gets grey"), and a county row that has a value
// but no target of its own (a city-wide amount not decomposed to it) is
// left out, since it is not judged; its figure still counts in the city's.
func evContract(out *eval.Assessment) *eval.Assessment {
	rows := out.Targets[:0]
	for _, r := range out.Targets {
		if r.Light == eval.LightNone {
			if r.Org != "" && r.Value != nil {
				continue
			}
			r.Light = eval.LightGrey
		}
		rows = append(rows, r)
	}
	out.Targets = rows
	fix := func(l *eval.Light, lights map[string]int) {
		if *l == eval.LightNone {
			*l = eval.LightGrey
		}
		if n, ok := lights[string(eval.LightNone)]; ok {
			lights[string(eval.LightGrey)] += n
			delete(lights, string(eval.LightNone))
		}
	}
	fix(&out.Plan.Light, out.Plan.Lights)
	for i := range out.Domains {
		d := &out.Domains[i]
		fix(&d.Light, d.Lights)
		for j := range d.Tasks {
			if d.Tasks[j].Light == eval.LightNone {
				d.Tasks[j].Light = eval.LightGrey
			}
		}
	}
	return out
}

// evReadFile reads an input file, refusing directories and oversized files
// before reading them.
func evReadFile(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil || fi.IsDir() {
		return nil, gongfu.Failf(gongfu.EINVALID, "无法读取文件 %s", path)
	}
	if fi.Size() > evMaxFile {
		return nil, gongfu.Failf(gongfu.ETOOLARGE, "文件 %s 太大（%d MB），上限 %d MB", path, fi.Size()>>20, evMaxFile>>20)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, gongfu.Failf(gongfu.EINVALID, "无法读取文件 %s", path)
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
		return nil, gongfu.Failf(gongfu.EINVALID, "%s 不是有效的计划 JSON：%v", path, err)
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if p.Year == 0 {
		return nil, gongfu.Failf(gongfu.EINVALID, "计划 JSON 缺少年度 year，无法计算序时进度")
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
				m[t.Targets[k].ID] = evPlace{target: &t.Targets[k]}
			}
			for k := range t.Milestones {
				m[t.Milestones[k].ID] = evPlace{milestone: &t.Milestones[k]}
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
		return gongfu.Failf(gongfu.EINVALID, "规则文件 %s 无效：%v", path, err)
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
		e := gongfu.Failf(gongfu.EINVALID, "规则文件有 %d 处问题", len(bad))
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
		e := gongfu.Failf(gongfu.EINVALID, "填报数据表有 %d 处错误", len(bad))
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
	in.quotas = map[string]map[string]eval.Quota{}
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
		q := eval.Quota{Value: v}
		if s := get("baseline"); s != "" {
			b, err := strconv.ParseFloat(s, 64)
			if err != nil || math.IsNaN(b) || math.IsInf(b, 0) {
				bad = append(bad, fmt.Sprintf("第 %d 行：基数 %q 不是数字 (baseline is not a number)", line, s))
				continue
			}
			q.Baseline = &b
		}
		if in.quotas[id] == nil {
			in.quotas[id] = map[string]eval.Quota{}
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
		e := gongfu.Failf(gongfu.EINVALID, "分解任务表有 %d 处错误", len(bad))
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
		return gongfu.Failf(gongfu.EINVALID, "人口表为空或不是 CSV")
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
		return gongfu.Failf(gongfu.EINVALID, "人口表需要 name 列和 population… 列")
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
		e := gongfu.Failf(gongfu.EINVALID, "人口表有 %d 处错误", len(bad))
		e.Details = bad
		return e
	}
	return nil
}

// evAssessInput hands what the files said to eval.Assess. The counties are
// the orgs of the values file in order of first appearance, then those
// named only in the quotas file; a populations file's kind column, when it
// has one, groups them for the Theil decomposition.
func evAssessInput(in *evInput, equalization bool) eval.AssessInput {
	orgs := append([]string{}, in.orgs...)
	seen := map[string]bool{}
	for _, org := range orgs {
		seen[org] = true
	}
	for _, org := range in.quotaOrgs {
		if !seen[org] {
			seen[org] = true
			orgs = append(orgs, org)
		}
	}
	groups := map[string]string{}
	for org, k := range in.kinds {
		switch {
		case k == "":
		case k == "district":
			groups[org] = "市区"
		default:
			groups[org] = "县(市)"
		}
	}
	var domainWeights map[int]float64
	if len(in.rules.DomainWeights) > 0 {
		domainWeights = map[int]float64{}
		for no, w := range in.rules.DomainWeights {
			if n, err := strconv.Atoi(no); err == nil {
				domainWeights[n] = w
			}
		}
	}
	return eval.AssessInput{
		Plan: in.plan, At: in.at, Thresholds: in.rules.Thresholds,
		Schedules: in.rules.Schedules, Due: in.rules.Due,
		IndicatorWeights: in.rules.IndicatorWeights, DomainWeights: domainWeights,
		Orgs: orgs, Values: in.values, Quotas: in.quotas,
		Populations: in.pops, Groups: groups, Equalization: equalization,
	}
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

func evPrint(w io.Writer, out *eval.Assessment) {
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

func evDispLine(d eval.DisparityResult) string {
	mm := "-"
	if d.MaxMin != nil {
		mm = eval.Num(*d.MaxMin)
	}
	return fmt.Sprintf("n=%d · 均值 mean %s · 变异系数 CV %s · 泰尔 Theil %s（组内 within %s + 组间 between %s）· 基尼 Gini %s · 最大/最小 max/min %s",
		d.N, eval.Num(d.Mean), eval.Num(d.CV), eval.Num(d.Theil), eval.Num(d.TheilWithin), eval.Num(d.TheilBetween), eval.Num(d.Gini), mm)
}

func evPrintEqual(w io.Writer, eq *eval.EqualizationResult) {
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
