package http_test

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"gongfu"
	"gongfu/region"
)

// dashFixture is the report fixture with approved reports that make the
// dashboards show every kind of light: on 10 July 2020 the June reports are
// due; 鹿城区 and 瑞安市 report the level target 1.6 (普惠性幼儿园占比 ≥ 90%),
// 鹿城区 above it (green), 瑞安市 far below (red, with an explanation);
// 市教育局 reports the city's 1.1 (新（扩）建幼儿园 ≥ 80 所) well behind time
// progress (red) on time, and the counties report 1.1 against quotas.
type dashFixture struct {
	*reportFixture
}

const dashNote = "部分民办园转普惠审批尚未完成，预计9月底前补齐"

func newDashFixture(t *testing.T) *dashFixture {
	f := &dashFixture{newReportFixture(t)}
	f.addUser(t, "ra", gongfu.RoleReporter, "瑞安市")
	f.tok["ra"] = f.token(t, "ra")
	hdr := map[string]string{"Content-Type": "application/json", "Authorization": "Bearer " + f.tok["coord"]}
	if r := f.do(t, nil, "PUT", "/api/v1/plans/"+f.plan+"/quotas/1.1", strings.NewReader(`{"quotas":[{"org_id":`+f.lc+`,"value":10},{"org_id":`+f.ra+`,"value":12}]}`), hdr); r.status != 200 {
		t.Fatalf("quotas = %d %s", r.status, r.body)
	}
	approve := func(who, item, org, period, body string) {
		t.Helper()
		if r := f.put(t, who, item, org, period, body); r.status != 200 {
			t.Fatalf("%s PUT %s %s %s = %d %s", who, item, org, period, r.status, r.body)
		}
		if r := f.post(t, who, item, org, period, "submit", ""); r.status != 200 {
			t.Fatalf("submit %s %s = %d %s", item, org, r.status, r.body)
		}
		if r := f.post(t, "coord", item, org, period, "approve", ""); r.status != 200 {
			t.Fatalf("approve %s %s = %d %s", item, org, r.status, r.body)
		}
	}
	// Before the deadline (5 July): on time.
	f.db.Now = func() time.Time { return time.Date(2020, 7, 3, 10, 0, 0, 0, time.UTC) }
	approve("jy", "1.1", f.city, "2020-06", `{"value": 10, "note": "受疫情影响，新建园开工推迟"}`)
	approve("lc", "1.6", f.lc, "2020-06", `{"value": 95}`)
	approve("lc", "1.1", f.lc, "2020-06", `{"value": 6}`)
	// After it: late.
	f.db.Now = f.Now
	approve("ra", "1.6", f.ra, "2020-05", `{"value": 68}`)
	approve("ra", "1.6", f.ra, "2020-06", `{"value": 70, "note": "`+dashNote+`"}`)
	approve("ra", "1.1", f.ra, "2020-06", `{"value": 2}`)
	return f
}

func (f *reportFixture) get(t *testing.T, who, path string) response {
	t.Helper()
	hdr := map[string]string{}
	if who != "" {
		hdr["Authorization"] = "Bearer " + f.tok[who]
	}
	return f.do(t, noRedirects(), "GET", path, nil, hdr)
}

func noRedirects() *http.Client {
	return &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

var (
	scriptRe   = regexp.MustCompile(`(?s)<script([^>]*)>(.*?)</script>`)
	jsonRe     = regexp.MustCompile(`(?s)<script type="application/json" id="([^"]+)">(.*?)</script>`)
	chartDivRe = regexp.MustCompile(`<div class="chart[^"]*" data-chart="([^"]+)"`)
	assetRe    = regexp.MustCompile(`<script src="(/static/[0-9a-f]{12}/([^"]+))" defer></script>`)
)

// checkDashPage asserts what every dashboard page must be: its scripts are
// the vendored ECharts and dash.js from the static tree, nothing inline but
// JSON, and each chart's JSON block parses and has its element.
func checkDashPage(t *testing.T, f *testServer, path, body string) map[string]map[string]any {
	t.Helper()
	for _, m := range scriptRe.FindAllStringSubmatch(body, -1) {
		attrs, content := m[1], m[2]
		if strings.Contains(attrs, `type="application/json"`) {
			continue
		}
		if !strings.Contains(attrs, "src=") || strings.TrimSpace(content) != "" {
			t.Errorf("%s: inline script %q", path, m[0])
		}
	}
	var srcs []string
	for _, m := range assetRe.FindAllStringSubmatch(body, -1) {
		srcs = append(srcs, m[2])
		if r := f.do(t, nil, "GET", m[1], nil, nil); r.status != 200 || !strings.Contains(r.header.Get("Content-Type"), "javascript") {
			t.Errorf("%s: %s = %d %s", path, m[1], r.status, r.header.Get("Content-Type"))
		}
		if m[2] == "vendor/echarts/echarts.min.js" {
			lic := f.do(t, nil, "GET", strings.TrimSuffix(m[1], "echarts.min.js")+"LICENSE", nil, nil)
			if lic.status != 200 || !strings.Contains(lic.body, "Apache License") {
				t.Errorf("ECharts' licence is not served beside it: %d", lic.status)
			}
		}
	}
	if strings.Join(srcs, " ") != "vendor/echarts/echarts.min.js dash.js" {
		t.Errorf("%s: scripts %v, want the vendored ECharts then dash.js", path, srcs)
	}
	if strings.Contains(body, "cdn") || strings.Contains(body, "https://") {
		t.Errorf("%s refers to an outside URL", path)
	}
	charts := map[string]map[string]any{}
	for _, m := range jsonRe.FindAllStringSubmatch(body, -1) {
		if strings.Contains(m[2], "<") {
			t.Errorf("%s: chart %s has a raw '<' in its JSON", path, m[1])
		}
		var opt map[string]any
		if err := json.Unmarshal([]byte(m[2]), &opt); err != nil {
			t.Errorf("%s: chart %s: %v in %.200s", path, m[1], err, m[2])
		}
		if base, ok := opt["baseOption"].(map[string]any); ok { // with media queries
			opt = base
		}
		if opt["series"] == nil {
			t.Errorf("%s: chart %s has no series", path, m[1])
		}
		charts[m[1]] = opt
	}
	divs := chartDivRe.FindAllStringSubmatch(body, -1)
	if len(divs) == 0 || len(divs) != len(charts) {
		t.Errorf("%s: %d chart elements, %d JSON blocks", path, len(divs), len(charts))
	}
	for _, d := range divs {
		if charts[d[1]] == nil {
			t.Errorf("%s: chart %s has no JSON block", path, d[1])
		}
	}
	if !strings.Contains(body, "<table") {
		t.Errorf("%s: no table beside the charts", path)
	}
	return charts
}

func TestDashPages(t *testing.T) {
	f := newDashFixture(t)
	q := "?plan=" + f.plan + "&at=2020-07-10"
	pages := []struct {
		path  string
		wants []string
	}{
		{"/dash" + q, []string{"领导驾驶舱", "红灯事项", "各领域亮灯情况", "序时进度", "1.6 普惠性幼儿园占比", "瑞安市"}},
		{"/dash", []string{"领导驾驶舱"}}, // the newest plan, today
		{"/dash/counties" + q, []string{"县域比较", "泰尔指数", "基尼系数", "变异系数", "组内差距", "最高与最低之比", "瑞安市", "鹿城区"}},
		{"/dash/departments" + q, []string{"部门履职", "按时报送率", "市教育局", "鹿城区"}},
		{"/dash/targets/1.1" + q, []string{"1.1 新（扩）建幼儿园", "序时进度", "受疫情影响"}},
		{"/dash/targets/1.6" + q, []string{"普惠性幼儿园占比", dashNote, "瑞安市"}},
		{"/dash/targets/1.m1" + q, []string{"全市公办园在园幼儿覆盖面"}},
	}
	for _, who := range []string{"coord", "boss", "admin"} {
		for _, p := range pages {
			r := f.get(t, who, p.path)
			if r.status != 200 {
				t.Errorf("%s GET %s = %d %.300s", who, p.path, r.status, r.body)
				continue
			}
			for _, w := range p.wants {
				if !strings.Contains(r.body, w) {
					t.Errorf("%s GET %s lacks %q", who, p.path, w)
				}
			}
			checkDashPage(t, f.testServer, p.path, r.body)
		}
	}
	for _, p := range pages {
		if r := f.get(t, "lc", p.path); r.status != 403 {
			t.Errorf("reporter GET %s = %d, want 403", p.path, r.status)
		}
		if r := f.get(t, "jy", p.path); r.status != 403 {
			t.Errorf("department reporter GET %s = %d, want 403", p.path, r.status)
		}
		r := f.get(t, "", p.path)
		if loc := r.header.Get("Location"); r.status != 303 || !strings.HasPrefix(loc, "/login?next=") {
			t.Errorf("public GET %s = %d → %q, want a redirect to the login", p.path, r.status, loc)
		}
	}
	for _, c := range []struct {
		path   string
		status int
	}{
		{"/dash?at=10.7.2020", 422},
		{"/dash?plan=999", 404},
		{"/dash/targets/9.9" + q, 404},
		{"/dash/report/" + f.plan + "/1.6/" + f.ra + "/2020-13", 422},
	} {
		if r := f.get(t, "boss", c.path); r.status != c.status {
			t.Errorf("GET %s = %d, want %d", c.path, r.status, c.status)
		}
	}
	// The nav offers the dashboard to those who may read it.
	if r := f.get(t, "boss", "/"); !strings.Contains(r.body, `href="/dash"`) {
		t.Errorf("leader's nav lacks the dashboard")
	}
	if r := f.get(t, "lc", "/"); strings.Contains(r.body, `href="/dash"`) {
		t.Errorf("reporter's nav offers the dashboard")
	}
	// English from the catalogue.
	r := f.do(t, nil, "GET", "/dash"+q, nil, map[string]string{"Authorization": "Bearer " + f.tok["boss"], "Cookie": "lang=en"})
	if !strings.Contains(r.body, "Leader&#39;s dashboard") || !strings.Contains(r.body, "Red items") || strings.Contains(strings.ReplaceAll(r.body, "dash.js", ""), "dash.") {
		t.Errorf("English dashboard: %.500s", r.body)
	}
}

// TestDashFigures checks the charts and tables carry the assessment's figures.
func TestDashFigures(t *testing.T) {
	f := newDashFixture(t)
	q := "?plan=" + f.plan + "&at=2020-07-10"
	r := f.get(t, "boss", "/dash"+q)
	charts := checkDashPage(t, f.testServer, "/dash", r.body)
	lights := charts["chart-lights"]
	if lights == nil {
		t.Fatalf("no lights chart")
	}
	domains := lights["yAxis"].(map[string]any)["data"].([]any)
	if len(domains) != 8 || domains[0] != "1 加快推进教育现代化工程" {
		t.Errorf("lights chart domains = %v", domains)
	}
	var red []any
	for _, s := range lights["series"].([]any) {
		if m := s.(map[string]any); m["name"] == "红灯" {
			red = m["data"].([]any)
		}
	}
	if len(red) != 8 || red[0] == nil || red[0].(float64) < 2 {
		t.Errorf("red lights by domain = %v, want 1.1 and 1.6 red in domain 1", red)
	}
	// The red table: the city's 1.6 and 1.1 and 瑞安市's 1.6, with reasons.
	for _, w := range []string{`href="/dash/targets/1.6?`, `href="/dash/targets/1.1?`, "红灯"} {
		if !strings.Contains(r.body, w) {
			t.Errorf("/dash lacks %q", w)
		}
	}

	r = f.get(t, "boss", "/dash/counties"+q)
	charts = checkDashPage(t, f.testServer, "/dash/counties", r.body)
	rank := charts["chart-rank"]
	if rank == nil || charts["chart-heat"] == nil {
		t.Fatalf("counties charts = %v", charts)
	}
	names := rank["yAxis"].(map[string]any)["data"].([]any)
	vals := rank["series"].([]any)[0].(map[string]any)["data"].([]any)
	if len(names) != 2 || names[0] != "鹿城区" || names[1] != "瑞安市" || vals[0].(float64) != 100 {
		t.Errorf("ranking = %v %v", names, vals)
	}
	if v := vals[1].(float64); v < 77 || v > 78 { // 70/90
		t.Errorf("瑞安市 realization = %v, want 77.8", v)
	}

	r = f.get(t, "boss", "/dash/departments"+q)
	if !regexp.MustCompile(`市教育局</td><td[^>]*>\d+</td>\s*<td[^>]*>(\d+)</td><td[^>]*>1</td>`).MatchString(r.body) {
		t.Errorf("市教育局 row lacks its on-time 1.1 report")
	}
	if !strings.Contains(r.body, `瑞安市</td>`) || !regexp.MustCompile(`瑞安市</td>\s*<td[^>]*>\d+</td><td[^>]*>0</td>\s*<td[^>]*>3</td>`).MatchString(r.body) {
		t.Errorf("瑞安市 should have 0 on time, 3 late:\n%s", r.body)
	}

	r = f.get(t, "boss", "/dash/targets/1.1"+q)
	charts = checkDashPage(t, f.testServer, "/dash/targets/1.1", r.body)
	trend := charts["chart-trend"]
	if trend == nil {
		t.Fatal("no trend chart")
	}
	byName := map[string][]any{}
	for _, s := range trend["series"].([]any) {
		m := s.(map[string]any)
		byName[m["name"].(string)] = m["data"].([]any)
	}
	if c := byName["全市"]; len(c) != 12 || c[5] != 10.0 || c[4] != nil {
		t.Errorf("city series = %v", c)
	}
	if tp := byName["序时进度"]; len(tp) != 12 || tp[5] != 40.0 || tp[11] != 80.0 {
		t.Errorf("time-progress line = %v, want 80 × m/12", tp)
	}
	if g := byName["目标"]; len(g) != 12 || g[0] != 80.0 {
		t.Errorf("target line = %v", g)
	}
	if ra := byName["瑞安市"]; len(ra) != 12 || ra[5] != 2.0 {
		t.Errorf("瑞安市 series = %v", ra)
	}
}

// TestDashRedToExplanation follows a red light to the reporter's
// explanation in two clicks: the red table, the target's trend, the report.
func TestDashRedToExplanation(t *testing.T) {
	f := newDashFixture(t)
	const why = "两所民办园转普惠审批在省厅，9月可批复"
	if r := f.do(t, nil, "PUT", "/api/v1/plans/"+f.plan+"/explanations/1.6/"+f.ra+"/2020-06", strings.NewReader(`{"text":"`+why+`"}`),
		map[string]string{"Content-Type": "application/json", "Authorization": "Bearer " + f.tok["ra"]}); r.status != 200 {
		t.Fatalf("explanation = %d %s", r.status, r.body)
	}
	r := f.get(t, "boss", "/dash?plan="+f.plan+"&at=2020-07-10")
	m := regexp.MustCompile(`<a href="(/dash/targets/1\.6\?[^"]+)">1\.6 `).FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("no red 1.6 on the overview")
	}
	trend := f.get(t, "boss", html.UnescapeString(m[1]))
	if trend.status != 200 {
		t.Fatalf("trend = %d", trend.status)
	}
	m = regexp.MustCompile(`<tr class="lagging">\s*<td[^>]*>瑞安市</td>(?s:.*?)<a href="(/dash/report/` + f.plan + `/1\.6/` + f.ra + `/2020-06[^"]*)"`).FindStringSubmatch(trend.body)
	if m == nil {
		t.Fatalf("the red 瑞安市 row does not lead to its report:\n%s", trend.body)
	}
	if !regexp.MustCompile(`(?s)<tr class="lagging">\s*<td[^>]*>瑞安市</td>.*?` + why + `.*?</tr>`).MatchString(trend.body) {
		t.Errorf("the red 瑞安市 row does not show its explanation")
	}
	rep := f.get(t, "boss", html.UnescapeString(m[1]))
	if rep.status != 200 || !strings.Contains(rep.body, dashNote) || !strings.Contains(rep.body, why) || !strings.Contains(rep.body, "70%") || !strings.Contains(rep.body, "红灯") {
		t.Errorf("report view = %d %.2000s", rep.status, rep.body)
	}
	// The report view is read-only and scoped like any report read.
	if strings.Contains(rep.body, "<form class=\"form entry\"") {
		t.Errorf("the report view has the entry form")
	}
	if r := f.get(t, "lc", html.UnescapeString(m[1])); r.status != 403 {
		t.Errorf("another county's reporter reads the report view: %d", r.status)
	}
	if r := f.get(t, "boss", "/dash/report/"+f.plan+"/1.6/"+f.lc+"/2020-04"); r.status != 200 || !strings.Contains(r.body, "尚未填报") {
		t.Errorf("a report never made = %d", r.status)
	}
}

// TestDashScriptEscaping: plan text is data in the chart JSON, and a name
// containing </script> cannot end the block or start a script.
func TestDashScriptEscaping(t *testing.T) {
	f := newReportFixture(t)
	evil := `幼儿园</script><script>alert(1)</script><!--`
	p := &gongfu.Plan{Title: "测试计划", Year: 2020, Domains: []gongfu.Domain{{
		No: 1, Title: "教育" + evil, Units: []string{"市教育局"},
		Tasks: []gongfu.Task{{No: 1, Title: "任务", Targets: []gongfu.Target{{
			ID: "1.1", Name: "新建" + evil, Kind: gongfu.KindIncrement, Op: gongfu.OpAtLeast, Value: 8, Unit: "所", Source: "新建8所"}}}},
	}}}
	ir, err := f.db.ImportPlan(context.Background(), p, region.PlanOrgs(p))
	if err != nil {
		t.Fatal(err)
	}
	id := itoa(ir.PlanID)
	for _, path := range []string{"/dash?plan=" + id, "/dash/targets/1.1?plan=" + id, "/dash/departments?plan=" + id} {
		r := f.get(t, "boss", path)
		if r.status != 200 {
			t.Fatalf("GET %s = %d %.300s", path, r.status, r.body)
		}
		if strings.Contains(r.body, "<script>alert") || strings.Contains(r.body, "<!--") {
			t.Errorf("%s: the name broke out: %s", path, r.body)
		}
		checkDashPage(t, f.testServer, path, r.body)
	}
	r := f.get(t, "boss", "/dash?plan="+id)
	m := jsonRe.FindStringSubmatch(r.body)
	var opt map[string]any
	if err := json.Unmarshal([]byte(m[2]), &opt); err != nil {
		t.Fatal(err)
	}
	if got := opt["yAxis"].(map[string]any)["data"].([]any)[0]; got != "1 教育"+evil {
		t.Errorf("domain title in the chart = %q, want it intact as data", got)
	}
}
