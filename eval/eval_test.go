package eval

import (
	"math"
	"strings"
	"testing"
	"time"

	"gongfu"
)

func f64(x float64) *float64 { return &x }

func month(m int) gongfu.Period { return gongfu.MonthPeriod(2020, m) }

func fig(m int, v float64) Figure { return Figure{Period: month(m), Value: f64(v)} }

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

var th = DefaultThresholds()

func inc(v float64) Item {
	return Item{ID: "1.1", Kind: gongfu.KindIncrement, Op: gongfu.OpAtLeast, Value: v, Year: 2020}
}

func level(op gongfu.Op, v float64) Item {
	return Item{ID: "2.1", Kind: gongfu.KindLevel, Op: op, Value: v, Unit: "%", Year: 2020}
}

// The two examples of the published 2017 progress table (evaluation.md §2).
func TestCompletionPublishedExamples(t *testing.T) {
	c, err := Complete(inc(26000), fig(12, 32095), th)
	if err != nil || Pct(c.Percent) != "123.4" || !c.Met {
		t.Errorf("城镇新增就业: %+v %v, want 123.4%% met", c, err)
	}
	if !strings.Contains(c.Working, "32095 / 26000 = 123.4%") {
		t.Errorf("working %q", c.Working)
	}
	c, err = Complete(level(gongfu.OpAtMost, 4.3), fig(12, 4.17), th)
	if err != nil || Pct(c.Percent) != "103.1" || !c.Met {
		t.Errorf("城镇登记失业率: %+v %v, want 103.1%% met", c, err)
	}
	// Uncapped for the figure, capped for aggregates.
	c, _ = Complete(inc(400), fig(12, 1876), th)
	if c.Percent != 469 || c.Capped() != 100 {
		t.Errorf("1876 of 400: %v capped %v", c.Percent, c.Capped())
	}
}

func TestCompletionKinds(t *testing.T) {
	ratio := Item{ID: "r", Kind: gongfu.KindRatio, Op: gongfu.OpEqual, Value: 55.0 / 45, Ratio: []float64{55, 45}, Year: 2020}
	change := Item{ID: "c", Kind: gongfu.KindChange, Op: gongfu.OpAtLeast, Value: 1, Unit: "百分点", Baseline: f64(80), Year: 2020}
	changeNoBase := change
	changeNoBase.Baseline = nil
	fall := Item{ID: "f", Kind: gongfu.KindChange, Op: gongfu.OpAtMost, Value: -0.2, Unit: "百分点", Year: 2020}
	for _, c := range []struct {
		name string
		it   Item
		x    float64
		want float64
		met  bool
	}{
		{"level >=", level(gongfu.OpAtLeast, 90), 81, 90, false},
		{"level <= met", level(gongfu.OpAtMost, 4), 3.2, 125, true},
		{"level <= missed", level(gongfu.OpAtMost, 4), 5, 80, false},
		{"level <= actual 0", level(gongfu.OpAtMost, 4.3), 0, 100, true},
		{"level <= target 0 actual 0", level(gongfu.OpAtMost, 0), 0, 100, true},
		{"level <= target 0 actual 1", level(gongfu.OpAtMost, 0), 1, 0, false},
		{"increment target 0", inc(0), 3, 100, true},
		{"change with baseline", change, 81.5, 150, true},
		{"change, baseline unknown: the value is the change", changeNoBase, 0.6, 60, false},
		{"a fall half done", fall, -0.1, 50, false},
		{"a fall done", fall, -0.3, 150, true},
		{"ratio within 1 point", ratio, 55.5 / 44.5, 100, true},
		{"ratio 1 point exactly", ratio, 56.0 / 44, 100, true},
		{"ratio off by 5 points", ratio, 60.0 / 40, 0, false},
	} {
		got, err := Complete(c.it, fig(6, c.x), th)
		if err != nil || !near(got.Percent, c.want, 1e-9) || got.Met != c.met {
			t.Errorf("%s: %v (met %v) %v, want %v (met %v); %s", c.name, got.Percent, got.Met, err, c.want, c.met, got.Working)
		}
		if got.Working == "" || got.WorkingEN == "" {
			t.Errorf("%s: no working", c.name)
		}
	}
	ms := MilestoneItem(2020, &gongfu.Milestone{ID: "1.m1", Text: "制定办法"})
	for _, c := range []struct {
		f    Figure
		want float64
	}{
		{Figure{Period: month(3), Stage: gongfu.StageNotStarted}, 0},
		{Figure{Period: month(3), Stage: gongfu.StageInProgress, Percent: f64(40)}, 40},
		{Figure{Period: month(3), Stage: gongfu.StageInProgress}, 0},
		{Figure{Period: month(3), Stage: gongfu.StageDone}, 100},
	} {
		got, err := Complete(ms, c.f, th)
		if err != nil || got.Percent != c.want {
			t.Errorf("milestone %s: %v %v, want %v", c.f.Stage, got.Percent, err, c.want)
		}
	}
	if _, err := Complete(inc(10), Figure{Period: month(3)}, th); err == nil {
		t.Error("a figure without a value must be an error")
	}
}

func TestTimeProgress(t *testing.T) {
	it := inc(100)
	if p := TimeProgress(it, month(5)); !near(p.Percent, 500.0/12, 1e-9) || p.Planned || !strings.Contains(p.Working, "5/12") {
		t.Errorf("May: %+v", p)
	}
	if p := TimeProgress(it, gongfu.Period{Year: 2020, Freq: gongfu.Quarterly, Index: 2}); p.Percent != 50 {
		t.Errorf("Q2: %+v", p)
	}
	// Own due date: elapsed share between 1 January and the due date.
	due := it
	due.Due = "2020-06-30"
	if p := TimeProgress(due, month(5)); !near(p.Percent, 500.0/6, 1e-9) {
		t.Errorf("May of a June target: %v", p.Percent)
	}
	due.Due = "2020-06-15" // 5.5 months
	if p := TimeProgress(due, month(5)); !near(p.Percent, 100*5/5.5, 1e-9) {
		t.Errorf("May of a mid-June target: %v", p.Percent)
	}
	if p := TimeProgress(due, month(9)); p.Percent != 100 {
		t.Errorf("after the due date: %v", p.Percent)
	}
	// A planned schedule replaces the linear figure.
	q := it
	q.Schedule = []float64{10, 40, 70, 100}
	for m, want := range map[int]float64{1: 10.0 / 3, 3: 10, 5: 30, 6: 40, 12: 100} {
		if p := TimeProgress(q, month(m)); !near(p.Percent, want, 1e-9) || !p.Planned {
			t.Errorf("quarterly schedule, month %d: %v, want %v", m, p.Percent, want)
		}
	}
	mo := it
	mo.Schedule = []float64{0, 0, 5, 10, 20, 35, 50, 60, 70, 80, 90, 100}
	if p := TimeProgress(mo, month(6)); p.Percent != 35 || !strings.Contains(p.Working, "计划进度") {
		t.Errorf("monthly schedule: %+v", p)
	}
	for _, bad := range [][]float64{{10, 40, 70}, {50, 40, 70, 100}, {10, 40, 70, 120}} {
		if ValidateSchedule(bad) == nil {
			t.Errorf("schedule %v accepted", bad)
		}
	}
}

func TestDuePeriod(t *testing.T) {
	for _, c := range []struct {
		at   string
		want string
	}{
		{"2020-06-06", "2020-05"},
		{"2020-06-05", "2020-04"}, // reports may come in on the deadline day
		{"2020-02-06", "2020-01"},
		{"2021-01-10", "2020-12"},
		{"2022-03-01", "2020-12"},
	} {
		p, ok := DuePeriod(2020, gongfu.Monthly, day(c.at), 5)
		if !ok || p.String() != c.want {
			t.Errorf("at %s: %v %v, want %s", c.at, p, ok, c.want)
		}
	}
	if _, ok := DuePeriod(2020, gongfu.Monthly, day("2020-02-05"), 5); ok {
		t.Error("nothing is due before the first deadline")
	}
	if p, _ := DuePeriod(2020, gongfu.Quarterly, day("2020-07-06"), 5); p.String() != "2020-Q2" {
		t.Errorf("quarterly: %v", p)
	}
}

func TestIncrementLights(t *testing.T) {
	it := inc(100)
	for _, c := range []struct {
		m      int
		x      float64
		want   Light
		reason string
	}{
		{6, 100, LightDone, "已完成"},
		{6, 60, LightGreen, "不低于"},
		{6, 40, LightGreen, "低于序时进度50%（6/12），差10个百分点，未超过10个百分点 → 绿灯"}, // exactly 10 points: green
		{6, 20, LightYellow, "达30个百分点"}, // exactly 30 points: yellow
		{6, 19.9, LightRed, "超过30个百分点"},
		{7, 42, LightYellow, "完成率 = 42 / 100 = 42%，低于序时进度58.3%（7/12）达16.3个百分点"},
		{12, 95, LightRed, "已到时限2020-12-31仍未完成"},
	} {
		v, err := Judge(it, fig(c.m, c.x), th)
		if err != nil || v.Light != c.want || !strings.Contains(v.Reason, c.reason) || v.ReasonEN == "" {
			t.Errorf("month %d actual %v: %s %q %v, want %s containing %q", c.m, c.x, v.Light, v.Reason, err, c.want, c.reason)
		}
	}
	// Own due date passed unmet: red whatever the gap.
	due := it
	due.Due = "2020-06-30"
	if v, _ := Judge(due, fig(7, 95), th); v.Light != LightRed {
		t.Errorf("past its own due date: %s %s", v.Light, v.Reason)
	}
}

func TestForecastAtRiskWhileGreen(t *testing.T) {
	v, _ := Judge(inc(100), fig(6, 45), th)
	if v.Light != LightGreen || v.Forecast == nil || !near(*v.Forecast, 90, 1e-9) || !v.AtRisk || !strings.Contains(v.Reason, "预计难以完成") {
		t.Errorf("45 of 100 in June: %s forecast %v at risk %v: %s", v.Light, v.Forecast, v.AtRisk, v.Reason)
	}
	v, _ = Judge(inc(100), fig(6, 55), th)
	if v.AtRisk || v.Forecast == nil || !near(*v.Forecast, 110, 1e-9) {
		t.Errorf("55 of 100 in June: forecast %v at risk %v", v.Forecast, v.AtRisk)
	}
	v, _ = Judge(level(gongfu.OpAtLeast, 90), fig(6, 95), th)
	if v.Forecast != nil {
		t.Error("a level gets no linear forecast")
	}
}

func TestPlannedScheduleReplacesLinear(t *testing.T) {
	it := inc(100)
	v, _ := Judge(it, fig(5, 25), th) // linear 41.7: 16.7 points behind
	if v.Light != LightYellow {
		t.Fatalf("linear: %s %s", v.Light, v.Reason)
	}
	it.Schedule = []float64{10, 40, 70, 100} // planned 30 in May: 5 behind
	v, _ = Judge(it, fig(5, 25), th)
	if v.Light != LightGreen || v.TimeProgress != 30 || !v.Planned || !strings.Contains(v.Reason, "计划进度30%") {
		t.Errorf("planned: %s tp %v %s", v.Light, v.TimeProgress, v.Reason)
	}
	// The forecast follows the plan's curve: 25 / 30%.
	if v.Forecast == nil || !near(*v.Forecast, 250.0/3, 1e-9) {
		t.Errorf("forecast %v", v.Forecast)
	}
}

func TestLevelLights(t *testing.T) {
	ratio := Item{ID: "r", Kind: gongfu.KindRatio, Op: gongfu.OpEqual, Value: 55.0 / 45, Ratio: []float64{55, 45}, Year: 2020}
	change := Item{ID: "c", Kind: gongfu.KindChange, Op: gongfu.OpAtLeast, Value: 2, Baseline: f64(80), Year: 2020}
	for _, c := range []struct {
		name string
		it   Item
		x    float64
		want Light
	}{
		{">= met", level(gongfu.OpAtLeast, 90), 90, LightGreen},
		{">= 4 short of 90 (4.4%)", level(gongfu.OpAtLeast, 90), 86, LightYellow},
		{">= 5 short of 90 (5.6%)", level(gongfu.OpAtLeast, 90), 85, LightRed},
		{"<= met at 0", level(gongfu.OpAtMost, 4.3), 0, LightGreen},
		{"<= 0.2 over 4.3 (4.7%)", level(gongfu.OpAtMost, 4.3), 4.5, LightYellow},
		{"<= 0.3 over 4.3 (7%)", level(gongfu.OpAtMost, 4.3), 4.6, LightRed},
		{"change met", change, 82, LightGreen},
		{"change 0.05 short of 2 (2.5%)", change, 81.95, LightYellow},
		{"change 1 short", change, 81, LightRed},
		{"ratio met", ratio, 55.5 / 44.5, LightGreen},
		{"ratio 2.5 points off", ratio, 57.5 / 42.5, LightYellow},
		{"ratio 5 points off", ratio, 60.0 / 40, LightRed},
	} {
		v, err := Judge(c.it, fig(6, c.x), th)
		if err != nil || v.Light != c.want {
			t.Errorf("%s: %s %v (%s)", c.name, v.Light, err, v.Reason)
		}
	}
	loose := th
	loose.LevelTolerance = 0.1
	if v, _ := Judge(level(gongfu.OpAtLeast, 90), fig(6, 85), loose); v.Light != LightYellow {
		t.Errorf("a plan's own tolerance: %s", v.Light)
	}
}

func TestMilestoneLights(t *testing.T) {
	ms := MilestoneItem(2020, &gongfu.Milestone{ID: "1.m1", Text: "出台办法", Due: "2020-06-30"})
	st := func(m int, s gongfu.Stage) Figure { return Figure{Period: month(m), Stage: s} }
	for _, c := range []struct {
		f    Figure
		want Light
	}{
		{st(4, gongfu.StageNotStarted), LightGreen},  // 2 of 6 months left: 33%
		{st(5, gongfu.StageNotStarted), LightYellow}, // 1 of 6 left: 17%
		{st(5, gongfu.StageInProgress), LightGreen},
		{st(6, gongfu.StageInProgress), LightRed}, // due and not done
		{st(6, gongfu.StageDone), LightDone},
	} {
		v, err := Judge(ms, c.f, th)
		if err != nil || v.Light != c.want {
			t.Errorf("%s in %s: %s %v %s", c.f.Stage, c.f.Period, v.Light, err, v.Reason)
		}
	}
	noDue := MilestoneItem(2020, &gongfu.Milestone{ID: "1.m2"})
	if v, _ := Judge(noDue, st(10, gongfu.StageNotStarted), th); v.Light != LightYellow || !strings.Contains(v.Reason, "年底") {
		t.Errorf("no due date, not started in October: %s %s", v.Light, v.Reason)
	}
}

func TestEvaluateGreyAndSelection(t *testing.T) {
	it := inc(100)
	// No report at all after a deadline: grey, no completion.
	v := Evaluate(it, nil, day("2020-06-10"), th)
	if v.Light != LightGrey || v.Completion != nil || v.DuePeriod != "2020-05" || !strings.Contains(v.Reason, "未报") {
		t.Errorf("no report: %+v", v)
	}
	if !near(v.TimeProgress, 500.0/12, 1e-9) {
		t.Errorf("grey time progress is the due period's: %v", v.TimeProgress)
	}
	// Nothing due yet: no verdict rather than grey.
	if v := Evaluate(it, nil, day("2020-01-20"), th); v.Light != LightNone {
		t.Errorf("before the first deadline: %s", v.Light)
	}
	// A report only for last month, judged after its deadline: used.
	v = Evaluate(it, []Figure{fig(5, 40)}, day("2020-06-10"), th)
	if v.Light != LightGreen || v.Period != "2020-05" || v.Completion == nil || *v.Completion != 40 {
		t.Errorf("only last month: %s %s %v", v.Light, v.Period, v.Completion)
	}
	// ...and before its deadline, when April's is the one due: still used.
	v = Evaluate(it, []Figure{fig(5, 40)}, day("2020-06-03"), th)
	if v.Light != LightGreen || v.DuePeriod != "2020-04" {
		t.Errorf("before May's deadline: %s due %s", v.Light, v.DuePeriod)
	}
	// A stale report: grey, the stale figure named but not judged.
	v = Evaluate(it, []Figure{fig(3, 30), fig(4, 35)}, day("2020-06-10"), th)
	if v.Light != LightGrey || v.Completion != nil || v.LastPeriod != "2020-04" || v.LastCompletion == nil || *v.LastCompletion != 35 || !strings.Contains(v.Reason, "2020-04") {
		t.Errorf("stale: %+v", v)
	}
	// A report filed early for the current month is used; a later one is not.
	v = Evaluate(it, []Figure{fig(5, 40), fig(6, 52), fig(7, 60)}, day("2020-06-20"), th)
	if v.Period != "2020-06" {
		t.Errorf("early June report: used %s", v.Period)
	}
	// Figures of another year are not this plan year's.
	other := Figure{Period: gongfu.MonthPeriod(2019, 12), Value: f64(90)}
	if v := Evaluate(it, []Figure{other}, day("2020-03-10"), th); v.Light != LightGrey {
		t.Errorf("last year's figure: %s", v.Light)
	}
	// A milestone done stays done without further reports.
	ms := MilestoneItem(2020, &gongfu.Milestone{ID: "1.m1", Due: "2020-06-30"})
	v = Evaluate(ms, []Figure{{Period: month(4), Stage: gongfu.StageDone}}, day("2020-09-10"), th)
	if v.Light != LightDone || v.Period != "2020-04" {
		t.Errorf("done milestone: %s %s", v.Light, v.Reason)
	}
	v = Evaluate(ms, []Figure{{Period: month(4), Stage: gongfu.StageInProgress}}, day("2020-09-10"), th)
	if v.Light != LightGrey {
		t.Errorf("unfinished milestone not reported since April: %s", v.Light)
	}
	// After the plan year: December is due in January.
	v = Evaluate(it, []Figure{fig(12, 100)}, day("2021-01-10"), th)
	if v.Light != LightDone || v.DuePeriod != "2020-12" {
		t.Errorf("year end: %s %s", v.Light, v.DuePeriod)
	}
}

func TestYellowTwiceIsRed(t *testing.T) {
	it := inc(100)
	figs := []Figure{fig(5, 25), fig(6, 35)} // 16.7 and 15 points behind
	v := Evaluate(it, figs, day("2020-07-10"), th)
	if v.Light != LightRed || v.RawLight != LightYellow || !strings.Contains(v.Reason, "连续两期黄灯") {
		t.Errorf("yellow twice: %s raw %s %s", v.Light, v.RawLight, v.Reason)
	}
	if l, up := Escalate(LightYellow, LightYellow, th); l != LightRed || !up {
		t.Error("Escalate(yellow, yellow)")
	}
	if l, _ := Escalate(LightYellow, LightGreen, th); l != LightYellow {
		t.Error("Escalate(yellow, green)")
	}
	if l, _ := Escalate(LightYellow, LightRed, th); l != LightYellow {
		t.Error("Escalate(yellow, red): a red before is not a yellow running")
	}
	off := th
	off.NoEscalation = true
	if v := Evaluate(it, figs, day("2020-07-10"), off); v.Light != LightYellow {
		t.Errorf("escalation off: %s", v.Light)
	}
	if v := Evaluate(it, []Figure{fig(5, 40), fig(6, 35)}, day("2020-07-10"), th); v.Light != LightYellow {
		t.Errorf("green then yellow: %s", v.Light)
	}
}

func TestUnassigned(t *testing.T) {
	it := inc(80)
	it.Unassigned = true
	v := Evaluate(it, []Figure{fig(5, 12)}, day("2020-06-10"), th)
	if v.Light != LightNone || v.Completion != nil || !strings.Contains(v.Reason, "15%") {
		t.Errorf("no quota: %s %v %s", v.Light, v.Completion, v.Reason)
	}
	if v := Evaluate(it, nil, day("2020-06-10"), th); v.Light != LightGrey {
		t.Errorf("no quota and no report: %s (still owed for the total)", v.Light)
	}
}

func TestRollUp(t *testing.T) {
	sum := RollUp(inc(80), []Figure{fig(5, 10), fig(5, 12.5)})
	if sum.Value == nil || *sum.Value != 22.5 || sum.Unweighted {
		t.Errorf("sum: %+v", sum)
	}
	rate := level(gongfu.OpAtLeast, 90)
	a := Figure{Period: month(5), Value: f64(80), Numerator: f64(80), Denominator: f64(100)}
	b := Figure{Period: month(5), Value: f64(90), Numerator: f64(45), Denominator: f64(50)}
	r := RollUp(rate, []Figure{a, b})
	if r.Value == nil || !near(*r.Value, 125.0/150*100, 1e-9) || r.Unweighted {
		t.Errorf("Σnum/Σden: %+v", r)
	}
	b.Numerator, b.Denominator = nil, nil
	r = RollUp(rate, []Figure{a, b})
	if r.Value == nil || *r.Value != 85 || !r.Unweighted || !strings.Contains(r.Method, "简单平均") {
		t.Errorf("mean, flagged: %+v", r)
	}
	ms := MilestoneItem(2020, &gongfu.Milestone{ID: "m"})
	m := RollUp(ms, []Figure{{Period: month(5), Stage: gongfu.StageDone}, {Period: month(5), Stage: gongfu.StageNotStarted}})
	if m.Stage != gongfu.StageInProgress || m.Percent == nil || *m.Percent != 50 {
		t.Errorf("milestone roll-up: %+v", m)
	}
}

func TestEvaluateCity(t *testing.T) {
	it := inc(80)
	counties := map[string][]Figure{
		"鹿城区": {fig(4, 10), fig(5, 20)},
		"永嘉县": {fig(4, 5), fig(5, 15)},
	}
	v := EvaluateCity(it, nil, counties, day("2020-06-10"), th)
	if v.Value == nil || *v.Value != 35 || v.Period != "2020-05" || !strings.Contains(v.Reason, "2个单位合计35") {
		t.Errorf("roll-up: %v %s %s", v.Value, v.Period, v.Reason)
	}
	// One county misses May: the city is grey, and the reason names it.
	counties["永嘉县"] = counties["永嘉县"][:1]
	v = EvaluateCity(it, nil, counties, day("2020-06-10"), th)
	if v.Light != LightGrey || !strings.Contains(v.Reason, "永嘉县") || strings.Contains(v.Reason, "缺鹿城区") {
		t.Errorf("one county missing: %s %s", v.Light, v.Reason)
	}
	// The city's own report takes precedence.
	v = EvaluateCity(it, []Figure{fig(5, 40)}, counties, day("2020-06-10"), th)
	if v.Value == nil || *v.Value != 40 || v.Light == LightGrey {
		t.Errorf("direct: %v %s", v.Value, v.Light)
	}
}

func TestDecompose(t *testing.T) {
	d := Decompose(80, map[string]float64{"鹿城区": 30, "永嘉县": 40})
	if d.Shortfall != 10 || d.Sum != 70 || !strings.Contains(d.Reason, "缺口10") {
		t.Errorf("shortfall: %+v", d)
	}
	if d := Decompose(80, map[string]float64{"a": 50, "b": 30}); d.Shortfall != 0 {
		t.Errorf("exact split: %+v", d)
	}
}

func TestSummarize(t *testing.T) {
	vs := []Verdict{
		{ItemID: "1.1", Light: LightDone, Completion: f64(123.4)},
		{ItemID: "1.2", Light: LightYellow, Completion: f64(50)},
		{ItemID: "1.3", Light: LightGrey},
	}
	ms := []Verdict{{ItemID: "1.m1", Light: LightRed, Completion: f64(0)}}
	s := Summarize(vs, ms)
	if s.Light != LightRed || s.Completion == nil || *s.Completion != 75 || s.Counted != 2 || s.Uncounted != 1 {
		t.Errorf("summary: %+v", s)
	}
	if !strings.Contains(s.Reason, "1.m1") || !strings.Contains(s.Reason, "75%") {
		t.Errorf("reason %q", s.Reason)
	}
	if s := Summarize(vs, nil); s.Light != LightGrey {
		t.Errorf("grey outranks yellow: %s", s.Light)
	}
	if s := Summarize(nil, nil); s.Light != LightNone || s.Completion != nil {
		t.Errorf("empty: %+v", s)
	}
	if Worst(LightGreen, LightDone) != LightGreen || Worst() != LightNone {
		t.Error("Worst")
	}
}

func TestDisparities(t *testing.T) {
	d, err := Disparities([]float64{1, 2, 3, 4}, nil, []string{"a", "a", "b", "b"})
	if err != nil {
		t.Fatal(err)
	}
	if d.Mean != 2.5 || !near(d.CV, math.Sqrt(1.25)/2.5, 1e-12) || !near(d.Gini, 0.25, 1e-12) ||
		!near(d.Theil, 0.10644013528622318, 1e-12) || d.MaxMin == nil || *d.MaxMin != 4 {
		t.Errorf("1..4: %+v", d)
	}
	// Within + between = total, with the hand-computed parts.
	if !near(d.TheilWithin, 0.024157256781171248, 1e-12) || !near(d.TheilBetween, 0.08228287850505178, 1e-12) ||
		!near(d.TheilWithin+d.TheilBetween, d.Theil, 1e-12) {
		t.Errorf("decomposition: %v + %v vs %v", d.TheilWithin, d.TheilBetween, d.Theil)
	}
	// All equal: no disparity.
	d, _ = Disparities([]float64{80, 80, 80}, nil, []string{"市区", "县(市)", "县(市)"})
	if d.CV != 0 || d.Theil != 0 || d.Gini != 0 || d.TheilBetween != 0 || *d.MaxMin != 1 {
		t.Errorf("all equal: %+v", d)
	}
	// One county only.
	d, err = Disparities([]float64{70}, nil, nil)
	if err != nil || d.CV != 0 || d.Theil != 0 || d.Gini != 0 || d.N != 1 {
		t.Errorf("one county: %+v %v", d, err)
	}
	// A zero: Theil keeps its limit, max/min is undefined.
	d, _ = Disparities([]float64{0, 10}, nil, nil)
	if d.MaxMin != nil || !near(d.Theil, math.Log(2), 1e-12) || !near(d.Gini, 0.5, 1e-12) {
		t.Errorf("with a zero: %+v", d)
	}
	if _, err := Disparities([]float64{-1, 2}, nil, nil); err == nil {
		t.Error("negative values accepted")
	}
	// Population weights act like repeating each county by its population.
	w, _ := Disparities([]float64{1, 3}, []float64{1, 3}, []string{"a", "b"})
	u, _ := Disparities([]float64{1, 3, 3, 3}, nil, []string{"a", "b", "b", "b"})
	if !w.Weighted || !near(w.Mean, 2.5, 1e-12) || !near(w.CV, math.Sqrt(0.75)/2.5, 1e-12) || !near(w.Gini, 0.15, 1e-12) {
		t.Errorf("weighted: %+v", w)
	}
	for _, p := range [][2]float64{{w.CV, u.CV}, {w.Theil, u.Theil}, {w.Gini, u.Gini}, {w.TheilBetween, u.TheilBetween}, {w.TheilWithin, u.TheilWithin}} {
		if !near(p[0], p[1], 1e-12) {
			t.Errorf("weighted %v != replicated %v", p[0], p[1])
		}
	}
	if !near(w.TheilWithin+w.TheilBetween, w.Theil, 1e-12) {
		t.Error("weighted decomposition does not add up")
	}
}

func TestEqualize(t *testing.T) {
	in := EqualizationInput{
		Indicators: []Indicator{
			{ID: "1.1", Domain: 1, DomainTitle: "教育", Op: gongfu.OpAtLeast},
			{ID: "1.2", Domain: 1, DomainTitle: "教育", Op: gongfu.OpAtMost},
			{ID: "2.1", Domain: 2, DomainTitle: "医疗", Op: gongfu.OpAtLeast},
		},
		Counties: []string{"鹿城区", "永嘉县", "文成县", "泰顺县"},
		Values: map[string]map[string]Observation{
			"鹿城区": {"1.1": {Value: 90, Target: 90}, "1.2": {Value: 5, Target: 4}, "2.1": {Value: 5, Target: 10}},
			"永嘉县": {"1.1": {Value: 81, Target: 90}, "1.2": {Value: 4, Target: 4}, "2.1": {Value: 10, Target: 10, Baseline: f64(6)}},
			"泰顺县": {"2.1": {Value: 8, Target: 10}},
		},
		Group: func(org string) string {
			if strings.HasSuffix(org, "区") {
				return "市区"
			}
			return "县(市)"
		},
	}
	eq := Equalize(in)
	want := map[string]float64{"鹿城区": 70, "永嘉县": 97.5, "泰顺县": 80}
	if len(eq.Counties) != 3 {
		t.Fatalf("counties: %+v", eq.Counties)
	}
	for _, c := range eq.Counties {
		if !near(c.Realization, want[c.Org], 1e-9) {
			t.Errorf("%s: %v, want %v (%+v)", c.Org, c.Realization, want[c.Org], c.Domains)
		}
	}
	lc := eq.Counties[0]
	if len(lc.Domains) != 2 || !near(lc.Domains[0].Realization, 90, 1e-9) || !near(lc.Domains[1].Realization, 50, 1e-9) {
		t.Errorf("鹿城区 domains: %+v", lc.Domains)
	}
	if yj := eq.Counties[1]; yj.Indicators[2].RBaseline == nil || *yj.Indicators[2].RBaseline != 100 {
		t.Errorf("baseline form: %+v", yj.Indicators[2])
	}
	if len(eq.Excluded) != 1 || eq.Excluded[0].Org != "文成县" || !strings.Contains(strings.Join(eq.Notes, "；"), "文成县") {
		t.Errorf("a county without data must be excluded and named: %+v %v", eq.Excluded, eq.Notes)
	}
	if ts := eq.Counties[2]; len(ts.Missing) != 2 {
		t.Errorf("泰顺县 missing: %v", ts.Missing)
	}
	d := eq.Disparity
	if d.N != 3 || !near(d.Mean, 82.5, 1e-9) || !near(d.CV, 0.13775941108066522, 1e-12) ||
		!near(d.Gini, 0.07407407407407407, 1e-12) || !near(d.Theil, 0.009393240286582121, 1e-12) || d.Weighted {
		t.Errorf("disparity: %+v", d)
	}
	if !near(d.TheilWithin+d.TheilBetween, d.Theil, 1e-12) || len(d.Groups) != 2 {
		t.Errorf("grouping: %+v", d)
	}
	if len(eq.Indicators) != 3 || eq.Indicators[2].Counties != 3 {
		t.Errorf("indicator disparity: %+v", eq.Indicators)
	}
	// Populations weight the disparity; the unweighted figures stay.
	in.Populations = map[string]float64{"鹿城区": 118.95, "永嘉县": 87, "泰顺县": 26.64}
	eq = Equalize(in)
	if !eq.Disparity.Weighted || eq.Unweighted == nil || near(eq.Disparity.Mean, 82.5, 1e-6) {
		t.Errorf("weighted: %+v", eq.Disparity)
	}
	wm := (70*118.95 + 97.5*87 + 80*26.64) / (118.95 + 87 + 26.64)
	if !near(eq.Disparity.Mean, wm, 1e-9) {
		t.Errorf("weighted mean %v, want %v", eq.Disparity.Mean, wm)
	}
	// A missing population falls back to unweighted, said so.
	delete(in.Populations, "泰顺县")
	eq = Equalize(in)
	if eq.Disparity.Weighted || !strings.Contains(strings.Join(eq.Notes, ""), "人口") {
		t.Errorf("partial populations: %+v %v", eq.Disparity, eq.Notes)
	}
	// Domain weights.
	in.Populations = nil
	in.DomainWeights = map[int]float64{1: 3}
	eq = Equalize(in)
	if !near(eq.Counties[0].Realization, (3*90+50)/4.0, 1e-9) {
		t.Errorf("domain weights: %v", eq.Counties[0].Realization)
	}
}

func TestRealize(t *testing.T) {
	for _, c := range []struct {
		op      gongfu.Op
		x, t, r float64
	}{
		{gongfu.OpAtLeast, 81, 90, 0.9},
		{gongfu.OpAtLeast, 99, 90, 1},
		{gongfu.OpAtMost, 5, 4, 0.8},
		{gongfu.OpAtMost, 0, 4, 1},
		{gongfu.OpEqual, 110, 100, 100.0 / 110},
	} {
		if r, _, _ := Realize(c.op, c.x, c.t); !near(r, c.r, 1e-12) {
			t.Errorf("Realize(%s, %v, %v) = %v, want %v", c.op, c.x, c.t, r, c.r)
		}
	}
	if r, ok := RealizeFromBaseline(8, 6, 10); !ok || r != 0.5 {
		t.Errorf("baseline form: %v", r)
	}
	if r, _ := RealizeFromBaseline(5, 6, 10); r != 0 {
		t.Errorf("below baseline clamps to 0: %v", r)
	}
	if r, _ := RealizeFromBaseline(4.5, 5, 4); r != 0.5 {
		t.Errorf("a ceiling below the baseline: %v", r)
	}
	if _, ok := RealizeFromBaseline(5, 5, 5); ok {
		t.Error("baseline = target")
	}
}

func TestCompareYears(t *testing.T) {
	prev := Equalization{Counties: []CountyRealization{{Org: "a", Realization: 80}, {Org: "b", Realization: 60}, {Org: "c", Realization: 50}}}
	prev.Disparity, _ = Disparities([]float64{80, 60, 50}, nil, nil)
	cur := Equalization{Counties: []CountyRealization{{Org: "a", Realization: 85}, {Org: "b", Realization: 75}, {Org: "d", Realization: 70}}}
	cur.Disparity, _ = Disparities([]float64{85, 75, 70}, nil, nil)
	y := CompareYears(prev, cur)
	if len(y.Counties) != 2 || y.Counties[1].Change != 15 || len(y.Added) != 1 || len(y.Dropped) != 1 {
		t.Errorf("counties: %+v", y)
	}
	if !(y.Theil < 0) || !strings.Contains(y.Reason, "缩小") || !near(y.CV, cur.Disparity.CV-prev.Disparity.CV, 1e-12) {
		t.Errorf("disparity change: %+v", y)
	}
}

func TestTrend(t *testing.T) {
	for _, c := range []struct {
		yt   float64
		want TrendStatus
		p    float64
	}{
		{121, TrendOnTrack, 1.1838274323141529},
		{115, TrendAccelerate, 0.8568605635953906},
		{110, TrendLimited, 0.5778125340348189},
		{95, TrendDeteriorating, math.NaN()},
		{160, TrendMet, math.NaN()},
	} {
		tr, err := TrendOf(100, 2015, c.yt, 2017, 150, 2020, gongfu.OpAtLeast, th)
		if err != nil || tr.Status != c.want || (!math.IsNaN(c.p) && !near(tr.P, c.p, 1e-12)) || tr.Reason == "" {
			t.Errorf("%v: %+v %v, want %s", c.yt, tr, err, c.want)
		}
	}
	// A rate to bring down: falling is progress.
	tr, _ := TrendOf(10, 2015, 8, 2017, 5, 2020, gongfu.OpAtMost, th)
	if tr.Status != TrendAccelerate || !near(tr.P, 0.8155524789311283, 1e-12) {
		t.Errorf("falling rate: %+v", tr)
	}
	if tr, _ := TrendOf(10, 2015, 12, 2017, 5, 2020, gongfu.OpAtMost, th); tr.Status != TrendDeteriorating {
		t.Errorf("rising when it should fall: %s", tr.Status)
	}
	if _, err := TrendOf(0, 2015, 8, 2017, 5, 2020, gongfu.OpAtLeast, th); err == nil {
		t.Error("zero baseline accepted")
	}
	if _, err := TrendOf(10, 2015, 8, 2015, 5, 2020, gongfu.OpAtLeast, th); err == nil {
		t.Error("no elapsed years accepted")
	}
}

func TestThresholdsValidate(t *testing.T) {
	if err := DefaultThresholds().Validate(); err != nil {
		t.Fatal(err)
	}
	bad := DefaultThresholds()
	bad.GreenWithin, bad.YellowWithin, bad.DeadlineDay = 40, 30, 31
	err := bad.Validate()
	if err == nil || len(gongfu.ErrorDetails(err)) != 2 {
		t.Errorf("bad thresholds: %v %v", err, gongfu.ErrorDetails(err))
	}
}

func TestFormat(t *testing.T) {
	for x, want := range map[float64]string{42: "42", 41.6667: "41.7", 123.44: "123.4", -0.04: "0"} {
		if got := Pct(x); got != want {
			t.Errorf("Pct(%v) = %q, want %q", x, got, want)
		}
	}
	if Num(3080000000) != "3080000000" || Num(55.0/45) != "1.2222" {
		t.Errorf("Num: %s %s", Num(3080000000), Num(55.0/45))
	}
}
