package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// evaluate_ runs `gongfu evaluate args…` through run(), as a user would.
func evaluate_(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	return gongfu_(t, "", append([]string{"evaluate"}, args...)...)
}

// evalPlan is a small 2017 plan holding the two published examples
// (evaluation.md §2), a target nobody reports, a milestone, a level target
// reported by counties (for the equalization) and a county-decomposed
// increment.
const evalPlan = `{
  "title": "2017年某市基本公共服务行动计划",
  "issuer": "某市发展和改革委员会",
  "issued": "2017-03-01",
  "year": 2017,
  "domains": [
    {"no": 1, "title": "就业", "units": ["市人力社保局"], "tasks": [
      {"no": 1, "title": "促进就业", "units": [], "targets": [
        {"id": "1.1", "name": "城镇新增就业", "kind": "increment", "op": ">=", "value": 26000, "unit": "人", "source": "城镇新增就业2.6万人"},
        {"id": "1.2", "name": "城镇登记失业率", "kind": "level", "op": "<=", "value": 4.3, "unit": "%", "source": "城镇登记失业率低于4.3%"},
        {"id": "1.3", "name": "就业困难人员就业", "kind": "increment", "op": ">=", "value": 5000, "unit": "人", "source": "帮助就业困难人员就业5000人"}
      ], "milestones": [
        {"id": "1.m1", "text": "出台就业补助资金管理办法", "due": "2017-06-30"}
      ]}
    ]},
    {"no": 2, "title": "教育", "units": ["市教育局"], "tasks": [
      {"no": 2, "title": "学前教育", "units": [], "targets": [
        {"id": "2.1", "name": "专任教师持证率", "kind": "level", "op": ">=", "value": 95, "unit": "%", "source": "专任教师持证率95%以上"},
        {"id": "2.2", "name": "新建幼儿园", "kind": "increment", "op": ">=", "value": 80, "unit": "所", "source": "新建幼儿园80所"}
      ], "milestones": []}
    ]}
  ],
  "unparsed": []
}`

const evalValues = `target,org,period,value,numerator,denominator,stage
1.1,,2017-11,30000,,,
1.1,,2017-12,32095,,,
1.2,,2017-12,4.17,,,
1.m1,,2017-06,,,,已完成
2.1,鹿城区,2017-12,96,,,
2.1,永嘉县,2017-12,,90,100,
2.1,文成县,2017-12,,76,80,
2.2,鹿城区,2017-12,40,,,
2.2,永嘉县,2017-12,30,,,
2.2,文成县,2017-12,5,,,
`

const evalQuotas = "target,org,value\n2.2,鹿城区,40\n2.2,永嘉县,25\n2.2,文成县,5\n"

func evalFiles(t *testing.T, values string) (dir, plan, vals string) {
	t.Helper()
	dir = t.TempDir()
	plan = writeFile(t, dir, "plan.json", []byte(evalPlan))
	vals = writeFile(t, dir, "values.csv", []byte(values))
	return dir, plan, vals
}

type evalJSON struct {
	Targets []struct {
		ID           string   `json:"id"`
		Org          string   `json:"org"`
		Completion   *float64 `json:"completion"`
		TimeProgress *float64 `json:"time_progress"`
		Light        string   `json:"light"`
		Forecast     *float64 `json:"forecast"`
		Reason       string   `json:"reason"`
		ReasonEN     string   `json:"reason_en"`
		Shortfall    *float64 `json:"quota_shortfall"`
	} `json:"targets"`
	Domains []struct {
		No         int      `json:"no"`
		Completion *float64 `json:"completion"`
		Light      string   `json:"light"`
		Tasks      []struct {
			No    int    `json:"no"`
			Light string `json:"light"`
		} `json:"tasks"`
	} `json:"domains"`
	Plan *struct {
		Year      int    `json:"year"`
		At        string `json:"at"`
		DuePeriod string `json:"due_period"`
		Light     string `json:"light"`
	} `json:"plan"`
	Equalization *struct {
		Counties []struct {
			Org         string  `json:"org"`
			Realization float64 `json:"realization"`
			Domains     []struct {
				No          int     `json:"no"`
				Realization float64 `json:"realization"`
			} `json:"domains"`
		} `json:"counties"`
		Disparity map[string]any `json:"disparity"`
	} `json:"equalization"`
}

func TestEvaluatePublishedExamplesJSON(t *testing.T) {
	dir, plan, vals := evalFiles(t, evalValues)
	quotas := writeFile(t, dir, "quotas.csv", []byte(evalQuotas))
	code, out, stderr := evaluate_(t, "--plan", plan, "--values", vals, "--at", "2018-01-10", "--json", "--quotas", quotas)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var got evalJSON
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	// Every plan item appears at least once, for the plan-wide figure.
	rows := map[string]int{}
	for i, r := range got.Targets {
		if r.Org == "" {
			rows[r.ID] = i
		}
		switch r.Light {
		case "done", "green", "yellow", "red", "grey": // the five, no other
		default:
			t.Errorf("%s %s: light %q", r.ID, r.Org, r.Light)
		}
		if r.Reason == "" || r.ReasonEN == "" || r.TimeProgress == nil {
			t.Errorf("%s %s: reason or time progress missing", r.ID, r.Org)
		}
	}
	for _, id := range []string{"1.1", "1.2", "1.3", "1.m1", "2.1", "2.2"} {
		if _, ok := rows[id]; !ok {
			t.Errorf("no plan-wide row for %s", id)
		}
	}
	check := func(id string, completion float64, light string) {
		t.Helper()
		r := got.Targets[rows[id]]
		if r.Completion == nil || *r.Completion != completion || r.Light != light {
			t.Errorf("%s: completion %v light %s, want %v %s (%s)", id, r.Completion, r.Light, completion, light, r.Reason)
		}
	}
	check("1.1", 123.4, "done")  // 城镇新增就业 26000 → 32095
	check("1.2", 103.1, "green") // 城镇登记失业率 4.3 → 4.17
	check("1.m1", 100, "done")
	if r := got.Targets[rows["1.1"]]; *r.TimeProgress != 100 || !strings.Contains(r.Reason, "32095 / 26000 = 123.4%") {
		t.Errorf("1.1: %v %s", *r.TimeProgress, r.Reason)
	}
	// A target without any value is grey, never zero.
	if r := got.Targets[rows["1.3"]]; r.Light != "grey" || r.Completion != nil || !strings.Contains(r.Reason, "未报") {
		t.Errorf("1.3: %s %v %s", r.Light, r.Completion, r.Reason)
	}
	// Counties' rates roll up as Σnum/Σden when all give both; here 鹿城区
	// gave a value only, so the plan-wide figure is a flagged plain mean.
	if r := got.Targets[rows["2.1"]]; r.Completion == nil || !strings.Contains(r.Reason, "简单平均") {
		t.Errorf("2.1: %v %s", r.Completion, r.Reason)
	}
	// Increments sum over counties; the quotas fall 10 short of the target.
	if r := got.Targets[rows["2.2"]]; r.Completion == nil || *r.Completion != 93.8 || r.Shortfall == nil || *r.Shortfall != 10 || !strings.Contains(r.Reason, "缺口10") {
		t.Errorf("2.2: %v %v %s", r.Completion, r.Shortfall, r.Reason)
	}
	for _, r := range got.Targets {
		if r.ID == "2.2" && r.Org == "永嘉县" && (r.Completion == nil || *r.Completion != 120 || r.Light != "done") {
			t.Errorf("永嘉县 against its quota 25: %v %s", r.Completion, r.Light)
		}
	}
	if len(got.Domains) != 2 || got.Domains[0].Light != "grey" || len(got.Domains[0].Tasks) != 1 || got.Domains[0].Completion == nil || *got.Domains[0].Completion != 100 {
		t.Errorf("domains: %+v", got.Domains)
	}
	// 2.2 ended the year at 75 of 80: due and unmet, the plan's worst light.
	if r := got.Targets[rows["2.2"]]; r.Light != "red" || got.Domains[1].Light != "red" {
		t.Errorf("2.2: %s, domain 2: %s", r.Light, got.Domains[1].Light)
	}
	if got.Plan == nil || got.Plan.Year != 2017 || got.Plan.At != "2018-01-10" || got.Plan.DuePeriod != "2017-12" || got.Plan.Light != "red" {
		t.Errorf("plan: %+v", got.Plan)
	}
	if got.Equalization != nil {
		t.Error("equalization without --equalization")
	}
}

func TestEvaluateEqualization(t *testing.T) {
	_, plan, vals := evalFiles(t, evalValues)
	pops, err := filepath.Abs("../../demo/wenzhou-counties.csv")
	if err != nil {
		t.Fatal(err)
	}
	code, out, stderr := evaluate_(t, "--plan", plan, "--values", vals, "--at", "2018-01-10", "--json", "--equalization")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var got evalJSON
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	eq := got.Equalization
	if eq == nil || len(eq.Counties) != 3 {
		t.Fatalf("equalization: %+v", eq)
	}
	// 2.1 (>= 95): 鹿城区 96 → 1, 永嘉县 90 → 90/95, 文成县 95 → 1.
	want := map[string]float64{"鹿城区": 100, "永嘉县": 94.74, "文成县": 100}
	for _, c := range eq.Counties {
		if c.Realization != want[c.Org] {
			t.Errorf("%s: %v, want %v", c.Org, c.Realization, want[c.Org])
		}
	}
	for _, k := range []string{"cv", "theil", "theil_within", "theil_between", "gini", "max_min"} {
		if _, ok := eq.Disparity[k]; !ok {
			t.Errorf("disparity lacks %s: %v", k, eq.Disparity)
		}
	}
	if eq.Disparity["weighted"] != false {
		t.Errorf("unweighted without populations: %v", eq.Disparity["weighted"])
	}
	// With populations the disparity is weighted.
	code, out, stderr = evaluate_(t, "--plan", plan, "--values", vals, "--at", "2018-01-10", "--json", "--equalization", "--populations", pops)
	if code != 0 {
		t.Fatalf("--populations: exit %d: %s", code, stderr)
	}
	got = evalJSON{}
	json.Unmarshal([]byte(out), &got)
	if got.Equalization == nil || got.Equalization.Disparity["weighted"] != true {
		t.Errorf("weighted: %+v", got.Equalization)
	}
	// With last year's figures, the year-on-year change.
	_, plan2, vals2 := evalFiles(t, evalValues+"2.1,鹿城区,2016-12,95\n2.1,永嘉县,2016-12,80\n2.1,文成县,2016-12,95\n")
	code, out, stderr = evaluate_(t, "--plan", plan2, "--values", vals2, "--at", "2018-01-10", "--json", "--equalization")
	var yoy struct {
		Equalization struct {
			YearOnYear *struct {
				Year     int `json:"previous_year"`
				Counties []struct {
					Org    string  `json:"org"`
					Change float64 `json:"change"`
				} `json:"counties"`
				Theil float64 `json:"theil"`
			} `json:"year_on_year"`
		} `json:"equalization"`
	}
	if err := json.Unmarshal([]byte(out), &yoy); code != 0 || err != nil {
		t.Fatalf("year on year: exit %d %v %s", code, err, stderr)
	}
	y := yoy.Equalization.YearOnYear
	// 永嘉县: 80/95 = 84.21 → 90/95 = 94.74, up 10.53; the gap narrowed.
	if y == nil || y.Year != 2016 || len(y.Counties) != 3 || y.Counties[1].Org != "永嘉县" || y.Counties[1].Change != 10.53 || !(y.Theil < 0) {
		t.Errorf("year on year: %+v", y)
	}
	// The text form shows the realization table.
	code, out, _ = evaluate_(t, "--plan", plan, "--values", vals, "--at", "2018-01-10", "--equalization")
	if code != 0 || !strings.Contains(out, "均等化实现度") || !strings.Contains(out, "94.7%") || !strings.Contains(out, "泰尔 Theil") {
		t.Errorf("text equalization: exit %d\n%s", code, out)
	}
}

func TestEvaluateTable(t *testing.T) {
	_, plan, vals := evalFiles(t, evalValues)
	code, out, stderr := evaluate_(t, "--plan", plan, "--values", vals, "--at", "2018-01-10")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"完成率 completion", "序时进度 time", "灯 light", "123.4%", "103.1%", "未报 grey", "已完成 done", "领域 1", "全计划 Plan"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	// Columns line up: the light column starts at the same display column on
	// every target row.
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "1.") || strings.HasPrefix(l, "2.") || strings.HasPrefix(l, "编号 id") {
			lines = append(lines, l)
		}
	}
	col := -1
	for _, l := range lines {
		for _, light := range []string{"灯 light", "已完成 done", "绿灯 green", "未报 grey", "无结论 none", "黄灯 yellow", "红灯 red"} {
			if i := strings.Index(l, light); i >= 0 {
				c := evWidth(l[:i])
				if col >= 0 && c != col {
					t.Errorf("misaligned light column (%d vs %d): %q", c, col, l)
				}
				col = c
				break
			}
		}
	}
}

func TestEvaluateBadCSV(t *testing.T) {
	bad := "target,org,period,value\n" +
		"1.1,,2017-12,32095\n" + // line 2: fine
		"9.9,,2017-12,1\n" + // line 3: no such target
		"1.2,,2017-13,4\n" + // line 4: bad period
		"1.2,,2017-12,4.17%\n" + // line 5: not a number
		"1.1,,2017-12,32000\n" + // line 6: duplicate of line 2
		"1.2,,2017-11,120\n" + // line 7: a percentage above 100
		"1.m1,,2017-06,\n" // line 8: a milestone without a stage
	_, plan, vals := evalFiles(t, bad)
	code, out, stderr := evaluate_(t, "--plan", plan, "--values", vals, "--at", "2018-01-10")
	if code != exitError || out != "" {
		t.Fatalf("exit %d, stdout %q", code, out)
	}
	for _, want := range []string{"第 3 行", "9.9", "第 4 行", "第 5 行", "第 6 行", "第 2 行", "第 7 行", "第 8 行", "(the values file has 6 errors)"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if strings.Contains(stderr, "第 2 行：") {
		t.Errorf("line 2 is fine:\n%s", stderr)
	}
	// A header without the value column, an unknown column.
	_, plan, vals = evalFiles(t, "target,org,period,valeu\n1.1,,2017-12,1\n")
	code, _, stderr = evaluate_(t, "--plan", plan, "--values", vals)
	if code != exitError || !strings.Contains(stderr, "第 1 行") || !strings.Contains(stderr, "valeu") {
		t.Errorf("bad header: exit %d %s", code, stderr)
	}
	// A plan that is not JSON.
	dir := t.TempDir()
	notPlan := writeFile(t, dir, "plan.json", []byte("plan, but not JSON"))
	code, _, stderr = evaluate_(t, "--plan", notPlan, "--values", vals)
	if code != exitError || !strings.Contains(stderr, "JSON") {
		t.Errorf("bad plan: exit %d %s", code, stderr)
	}
	// A bad rules file.
	_, plan, vals = evalFiles(t, evalValues)
	rules := writeFile(t, dir, "rules.json", []byte(`{"thresholds": {"green_within": 40}, "schedules": {"1.1": [10, 40]}}`))
	code, _, stderr = evaluate_(t, "--plan", plan, "--values", vals, "--rules", rules)
	if code != exitError || !strings.Contains(stderr, "green_within") || !strings.Contains(stderr, "schedules 1.1") {
		t.Errorf("bad rules: exit %d %s", code, stderr)
	}
}

func TestEvaluateRules(t *testing.T) {
	// Halfway through 2017 with 12000 of 26000: 46.2% against 50% is green
	// on the linear clock; a schedule asking for 70% by the end of Q2 makes
	// it red (23.8 points behind is yellow, but May was yellow too).
	values := "target,org,period,value\n1.1,,2017-05,9000\n1.1,,2017-06,12000\n"
	dir, plan, vals := evalFiles(t, values)
	code, out, _ := evaluate_(t, "--plan", plan, "--values", vals, "--at", "2017-07-10", "--json")
	var got evalJSON
	json.Unmarshal([]byte(out), &got)
	if code != 0 || got.Targets[0].Light != "green" {
		t.Fatalf("linear: exit %d %+v", code, got.Targets[0])
	}
	rules := writeFile(t, dir, "rules.json", []byte(`{"schedules": {"1.1": [30, 70, 90, 100]}}`))
	code, out, stderr := evaluate_(t, "--plan", plan, "--values", vals, "--at", "2017-07-10", "--json", "--rules", rules)
	got = evalJSON{}
	json.Unmarshal([]byte(out), &got)
	if code != 0 || got.Targets[0].Light != "red" || !strings.Contains(got.Targets[0].Reason, "计划进度70%") || !strings.Contains(got.Targets[0].Reason, "连续两期黄灯") {
		t.Errorf("planned: exit %d %s %+v", code, stderr, got.Targets[0])
	}
}

func TestEvaluateUsage(t *testing.T) {
	code, out, _ := evaluate_(t, "--help")
	if code != 0 || !strings.Contains(out, "示例") || !strings.Contains(out, "--values") {
		t.Errorf("--help: exit %d\n%s", code, out)
	}
	if code, _, _ := evaluate_(t, "--values", "v.csv"); code != exitUsage {
		t.Errorf("no --plan: exit %d", code)
	}
	if code, _, _ := evaluate_(t, "--plan", "p.json", "--values", "v.csv", "--at", "2020-13-01"); code != exitError {
		t.Errorf("bad --at: exit %d", code)
	}
	if code, _, stderr := evaluate_(t, "--plan", filepath.Join(t.TempDir(), "missing.json"), "--values", "v.csv"); code != exitError || !strings.Contains(stderr, "无法读取") {
		t.Errorf("missing plan: exit %d %s", code, stderr)
	}
	if _, err := os.Stat("../../demo/wenzhou-counties.csv"); err != nil {
		t.Errorf("demo populations moved: %v", err)
	}
}
