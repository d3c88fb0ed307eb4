package eval

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"gongfu"
)

// assessPlan is a small 2020 plan: an increment decomposed into county
// quotas (short of the target), a level target, an increment nobody was
// given a quota for, and a milestone.
func assessPlan() *gongfu.Plan {
	return &gongfu.Plan{Title: "测试计划", Year: 2020, Domains: []gongfu.Domain{
		{No: 1, Title: "教育", Tasks: []gongfu.Task{
			{No: 1, Title: "学前教育",
				Targets: []gongfu.Target{
					{ID: "1.1", Name: "新建幼儿园", Kind: gongfu.KindIncrement, Op: gongfu.OpAtLeast, Value: 100, Unit: "所"},
					{ID: "1.2", Name: "持证率", Kind: gongfu.KindLevel, Op: gongfu.OpAtLeast, Value: 90, Unit: "%"},
				},
				Milestones: []gongfu.Milestone{{ID: "1.m1", Text: "出台办法"}},
			},
		}},
		{No: 2, Title: "就业", Tasks: []gongfu.Task{
			{No: 2, Title: "促进就业", Targets: []gongfu.Target{
				{ID: "2.1", Name: "培训", Kind: gongfu.KindIncrement, Op: gongfu.OpAtLeast, Value: 1000, Unit: "人"},
			}},
		}},
	}}
}

func assessValue(period string, v float64) Figure {
	p, err := gongfu.ParsePeriod(period)
	if err != nil {
		panic(err)
	}
	return Figure{Period: p, Value: &v}
}

func assessInput(equalization bool) AssessInput {
	pct := 40.0
	june, _ := gongfu.ParsePeriod("2020-06")
	return AssessInput{
		Plan:       assessPlan(),
		At:         time.Date(2020, 7, 10, 0, 0, 0, 0, time.UTC),
		Thresholds: DefaultThresholds(),
		Orgs:       []string{"鹿城区", "永嘉县"},
		Values: map[string]map[string][]Figure{
			"1.1": {
				"鹿城区": {assessValue("2020-05", 20), assessValue("2020-06", 30)},
				"永嘉县": {assessValue("2020-06", 20)},
			},
			"1.2":  {"鹿城区": {assessValue("2020-06", 95)}},
			"1.m1": {"": {{Period: june, Stage: gongfu.StageInProgress, Percent: &pct}}},
			"2.1":  {"鹿城区": {assessValue("2020-06", 600)}, "平阳县": {assessValue("2020-06", 1)}},
		},
		Quotas: map[string]map[string]Quota{
			"1.1": {"鹿城区": {Value: 60}, "永嘉县": {Value: 30}},
			"1.2": {"永嘉县": {Value: 88}},
		},
		Equalization: equalization,
	}
}

func TestAssess(t *testing.T) {
	a := Assess(assessInput(false))
	want := []struct {
		id, org    string
		completion float64 // -1: none
		light      Light
		target     bool
	}{
		// The city sums the counties' quotas: 50 of 100 at half the year.
		{"1.1", "", 50, LightGreen, true},
		{"1.1", "鹿城区", 50, LightGreen, true},
		{"1.1", "永嘉县", 66.7, LightGreen, true},
		// 永嘉县 owes a figure on its own target of 88 and gave none: grey,
		// and so is the city, whose roll-up lacks it.
		{"1.2", "", -1, LightGrey, true},
		{"1.2", "鹿城区", 105.6, LightGreen, true},
		{"1.2", "永嘉县", -1, LightGrey, true},
		{"1.m1", "", 40, LightGreen, false},
		// No quota: the county's figure counts in the total, no light of its own.
		{"2.1", "", 60, LightGreen, true},
		{"2.1", "鹿城区", -1, LightNone, false},
	}
	if len(a.Targets) != len(want) {
		for _, r := range a.Targets {
			t.Logf("%s %q %s", r.ID, r.Org, r.Light)
		}
		t.Fatalf("%d rows, want %d", len(a.Targets), len(want))
	}
	for i, w := range want {
		r := a.Targets[i]
		if r.ID != w.id || r.Org != w.org {
			t.Errorf("row %d = %s %q, want %s %q", i, r.ID, r.Org, w.id, w.org)
			continue
		}
		got := -1.0
		if r.Completion != nil {
			got = *r.Completion
		}
		if got != w.completion || r.Light != w.light || (r.Target != nil) != w.target {
			t.Errorf("%s %q: completion %v light %s target %v, want %v %s %v (%s)", w.id, w.org, got, r.Light, r.Target != nil, w.completion, w.light, w.target, r.Reason)
		}
	}
	// Only listed counties count: 平阳县 is not one of Orgs.
	if a.Row("2.1", "平阳县") != nil {
		t.Error("a county not in Orgs got a row")
	}
	city := a.Row("1.1", "")
	if city == nil || city.QuotaShortfall == nil || *city.QuotaShortfall != 10 || !strings.Contains(city.Reason, "缺口10") {
		t.Errorf("quota shortfall: %+v", city)
	}
	if r := a.Row("1.2", ""); r == nil || !strings.Contains(r.Reason, "永嘉县") {
		t.Errorf("the city's grey reason names the missing county: %+v", r)
	}
	if r := a.Row("1.m1", ""); r == nil || r.Kind != "milestone" || r.Value != nil {
		t.Errorf("milestone row: %+v", r)
	}
	if r := a.Row("2.1", ""); r == nil || r.DomainNo != 2 || r.TaskNo != 2 {
		t.Errorf("row placement: %+v", r)
	}
	if a.Row("9.9", "") != nil {
		t.Error("Row of an unknown item")
	}
	lc := a.RowsOf("鹿城区")
	if len(lc) != 3 || lc[0].ID != "1.1" || lc[1].ID != "1.2" || lc[2].ID != "2.1" {
		t.Errorf("RowsOf(鹿城区) = %+v", lc)
	}
	if n := len(a.RowsOf("")); n != 4 {
		t.Errorf("RowsOf(\"\") has %d rows, want 4", n)
	}

	// Summaries come from the plan-wide rows only.
	if a.Plan.DuePeriod != "2020-06" || a.Plan.TimeProgress != 50 || a.Plan.At != "2020-07-10" || a.Plan.Year != 2020 {
		t.Errorf("plan: %+v", a.Plan)
	}
	if a.Plan.Light != LightGrey || a.Plan.Counted != 2 || a.Plan.Uncounted != 1 || a.Plan.Completion == nil || *a.Plan.Completion != 55 {
		t.Errorf("plan summary: %+v", a.Plan)
	}
	if len(a.Domains) != 2 || a.Domains[0].Light != LightGrey || a.Domains[1].Light != LightGreen ||
		len(a.Domains[0].Tasks) != 1 || a.Domains[0].Tasks[0].Light != LightGrey || a.Domains[0].Lights["green"] != 2 {
		t.Errorf("domains: %+v", a.Domains)
	}
	if a.Equalization != nil {
		t.Error("equalization without asking")
	}

	// The JSON keeps gongfu evaluate --json's form: placement stays out.
	b, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, k := range []string{`"plan":`, `"targets":`, `"domains":`, `"thresholds":`, `"quota_shortfall":10`, `"due_period":"2020-06"`} {
		if !strings.Contains(s, k) {
			t.Errorf("JSON lacks %s", k)
		}
	}
	if strings.Contains(s, "DomainNo") || strings.Contains(s, "domain_no") || strings.Contains(s, `"equalization"`) {
		t.Errorf("JSON has fields it should not: %.300s", s)
	}
	// A decoded assessment (no index) still finds rows.
	var back Assessment
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if r := back.Row("1.1", "永嘉县"); r == nil || r.Light != LightGreen {
		t.Errorf("Row on a decoded assessment: %+v", r)
	}
}

func TestAssessEqualization(t *testing.T) {
	in := assessInput(true)
	in.Populations = map[string]float64{"鹿城区": 100, "永嘉县": 90}
	a := Assess(in)
	eq := a.Equalization
	if eq == nil {
		t.Fatal("no equalization")
	}
	// 鹿城区 reached 95 against 90: fully realized. 永嘉县 has no level
	// figure: left out and said so, never counted as zero.
	if len(eq.Counties) != 1 || eq.Counties[0].Org != "鹿城区" || eq.Counties[0].Realization != 100 || eq.Counties[0].Group != "市区" {
		t.Errorf("counties: %+v", eq.Counties)
	}
	if len(eq.Excluded) != 1 || eq.Excluded[0].Org != "永嘉县" {
		t.Errorf("excluded: %+v", eq.Excluded)
	}
	if eq.Disparity.N != 1 || eq.IndicatorsWithoutData == nil || eq.Notes == nil || len(eq.Notes) != len(eq.NotesEN) {
		t.Errorf("disparity and notes: %+v", eq)
	}
	// Groups override the name rule.
	in.Groups = map[string]string{"鹿城区": "县(市)"}
	if g := Assess(in).Equalization.Counties[0].Group; g != "县(市)" {
		t.Errorf("group = %s, want 县(市)", g)
	}
	// Last year's figures give a year-on-year comparison and are not judged.
	in.Values["1.2"]["鹿城区"] = append(in.Values["1.2"]["鹿城区"], assessValue("2019-12", 80))
	a = Assess(in)
	if y := a.Equalization.YearOnYear; y == nil || y.Year != 2019 || len(y.Counties) != 1 || y.Counties[0].Previous != 88.89 {
		t.Errorf("year on year: %+v", a.Equalization.YearOnYear)
	}
	if r := a.Row("1.2", "鹿城区"); r == nil || r.Period != "2020-06" {
		t.Errorf("last year's figure judged: %+v", r)
	}
}
