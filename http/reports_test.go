package http_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"gongfu"
)

// reportFixture is a server with the seed plan and one account per kind of
// actor, plus the ids the report API needs.
type reportFixture struct {
	*testServer
	plan           string
	city, lc, ra   string
	tok            map[string]string
	countID, pctID string
}

func newReportFixture(t *testing.T) *reportFixture {
	ts := newTestServer(t)
	ts.Now = func() time.Time { return time.Date(2020, 7, 10, 9, 0, 0, 0, time.UTC) }
	ts.db.Now = ts.Now // sessions expire by the store's clock too
	id := ts.seed(t)
	ts.addUser(t, "coord", gongfu.RoleCoordinator, "")
	ts.addUser(t, "boss", gongfu.RoleLeader, "")
	ts.addUser(t, "admin", gongfu.RoleAdmin, "")
	ts.addUser(t, "jy", gongfu.RoleReporter, "市教育局")
	ts.addUser(t, "mz", gongfu.RoleReporter, "市民政局")
	ts.addUser(t, "lc", gongfu.RoleReporter, "鹿城区")
	f := &reportFixture{testServer: ts, plan: itoa(id), tok: map[string]string{}, countID: "1.1", pctID: "1.6"}
	for _, n := range []string{"coord", "boss", "admin", "jy", "mz", "lc"} {
		f.tok[n] = ts.token(t, n)
	}
	r := ts.do(t, nil, "GET", "/api/v1/orgs", nil, nil)
	var orgs []struct {
		ID   int64
		Name string
	}
	json.Unmarshal([]byte(r.body), &orgs)
	for _, o := range orgs {
		switch o.Name {
		case "温州市":
			f.city = itoa(o.ID)
		case "鹿城区":
			f.lc = itoa(o.ID)
		case "瑞安市":
			f.ra = itoa(o.ID)
		}
	}
	return f
}

func (f *reportFixture) put(t *testing.T, who, item, org, period, body string) response {
	t.Helper()
	hdr := map[string]string{"Content-Type": "application/json"}
	if who != "" {
		hdr["Authorization"] = "Bearer " + f.tok[who]
	}
	return f.do(t, nil, "PUT", "/api/v1/plans/"+f.plan+"/reports/"+item+"/"+org+"/"+period, strings.NewReader(body), hdr)
}

func (f *reportFixture) post(t *testing.T, who, item, org, period, verb, body string) response {
	t.Helper()
	hdr := map[string]string{"Content-Type": "application/json", "Authorization": "Bearer " + f.tok[who]}
	return f.do(t, nil, "POST", "/api/v1/plans/"+f.plan+"/reports/"+item+"/"+org+"/"+period+"/"+verb, strings.NewReader(body), hdr)
}

// TestReportPermissionMatrix asserts, for every role, which report actions
// are allowed on which scope.
func TestReportPermissionMatrix(t *testing.T) {
	f := newReportFixture(t)
	type cell struct {
		who, item, org string
		want           int
	}
	city, lc, ra := f.city, f.lc, f.ra
	for i, c := range []cell{
		{"", "1.1", city, 401},
		{"jy", "1.1", city, 200},  // 市教育局 leads domain 1: city total
		{"jy", "1.1", lc, 403},    // a department does not report a county
		{"jy", "6.1", city, 403},  // nor a target it does not answer for
		{"mz", "1.1", city, 403},  // 市民政局 is not responsible for education
		{"mz", "6.1", city, 200},  // …but is for employment (co-unit of domain 2)
		{"lc", "1.1", lc, 200},    // a county reports any target, for itself
		{"lc", "1.1", ra, 403},    // never for another county
		{"lc", "1.1", city, 403},  // nor for the city
		{"coord", "1.1", lc, 403}, // the plan office reviews, it does not report
		{"boss", "1.1", lc, 403},  // leaders read
		{"admin", "1.1", lc, 403}, // admins administer
	} {
		r := f.put(t, c.who, c.item, c.org, "2020-05", `{"value": 3}`)
		if r.status != c.want {
			t.Errorf("case %d: %s PUT %s/%s = %d, want %d: %.200s", i, c.who, c.item, c.org, r.status, c.want, r.body)
		}
	}
	// Reading: reporters see their own scope only; leaders and coordinators see all.
	get := func(who, org string) int {
		return f.do(t, nil, "GET", "/api/v1/plans/"+f.plan+"/reports/1.1/"+org+"/2020-05", nil,
			map[string]string{"Authorization": "Bearer " + f.tok[who]}).status
	}
	for _, c := range []struct {
		who, org string
		want     int
	}{{"lc", lc, 200}, {"lc", city, 403}, {"jy", lc, 403}, {"boss", lc, 200}, {"coord", city, 200}} {
		if got := get(c.who, c.org); got != c.want {
			t.Errorf("%s GET report of %s = %d, want %d", c.who, c.org, got, c.want)
		}
	}
	// Review: only a coordinator approves, returns or reopens.
	if r := f.post(t, "lc", "1.1", lc, "2020-05", "submit", ""); r.status != 200 {
		t.Fatalf("submit = %d %s", r.status, r.body)
	}
	for _, who := range []string{"lc", "jy", "boss", "admin"} {
		if r := f.post(t, who, "1.1", lc, "2020-05", "approve", ""); r.status != 403 {
			t.Errorf("%s approve = %d, want 403", who, r.status)
		}
	}
	if r := f.post(t, "coord", "1.1", lc, "2020-05", "approve", ""); r.status != 200 {
		t.Errorf("coordinator approve = %d %s", r.status, r.body)
	}
}

func TestReportValidationAndVersions(t *testing.T) {
	f := newReportFixture(t)
	lc := f.lc
	for _, c := range []struct {
		item, period, body string
		want               int
		msg                string
	}{
		{"1.6", "2020-05", `{"value": 150}`, 422, "0–100"},
		{"1.6", "2020-05", `{"value": -1}`, 422, "0–100"},
		{"1.1", "2020-05", `{"value": -3}`, 422, "不能为负"},
		{"1.1", "2020-05", `{"value": "1; DROP TABLE users"}`, 422, "类型"},
		{"1.1", "2020-05", `{"value": 1e999}`, 422, ""},
		{"1.1", "2020-05", `{}`, 422, "缺少数值"},
		{"1.1", "2020-13", `{"value": 1}`, 422, "报告期"},
		{"1.1", "2019-05", `{"value": 1}`, 422, "计划年度"},
		{"1.1", "2020-09", `{"value": 1}`, 422, "尚未开始"},
		{"1.6", "2020-05", `{"numerator": 9, "denominator": 0}`, 422, "分母"},
		{"1.6", "2020-05", `{"numerator": 9}`, 422, "同时"},
		{"1.m1", "2020-05", `{"value": 3}`, 422, "阶段"},
		{"1.m1", "2020-05", `{"stage": "almost"}`, 422, "stage"},
		{"9.9", "2020-05", `{"value": 1}`, 404, ""},
	} {
		r := f.put(t, "lc", c.item, lc, c.period, c.body)
		if r.status != c.want || !strings.Contains(r.body, c.msg) {
			t.Errorf("PUT %s %s %s = %d %.200s, want %d with %q", c.item, c.period, c.body, r.status, r.body, c.want, c.msg)
		}
	}
	// A rate as numerator/denominator stores the derived percentage.
	r := f.put(t, "lc", "1.6", lc, "2020-05", `{"numerator": 45, "denominator": 50}`)
	if r.status != 200 || !strings.Contains(r.body, `"value":90`) {
		t.Errorf("rate from counts = %d %s", r.status, r.body)
	}
	r = f.put(t, "lc", "1.m1", lc, "2020-05", `{"stage": "in_progress", "percent": 40, "note": "已完成方案起草"}`)
	if r.status != 200 {
		t.Errorf("milestone stage = %d %s", r.status, r.body)
	}
	// Versions: the stale one is refused.
	r = f.put(t, "lc", "1.1", lc, "2020-05", `{"value": 5}`)
	var rep gongfu.Report
	json.Unmarshal([]byte(r.body), &rep)
	if r.status != 200 || rep.Version != 1 || rep.Status != gongfu.StatusDraft {
		t.Fatalf("first save = %d %s", r.status, r.body)
	}
	if r := f.put(t, "lc", "1.1", lc, "2020-05", `{"value": 6, "version": 1}`); r.status != 200 || !strings.Contains(r.body, `"version":2`) {
		t.Errorf("save with current version = %d %s", r.status, r.body)
	}
	if r := f.put(t, "lc", "1.1", lc, "2020-05", `{"value": 7, "version": 1}`); r.status != 409 {
		t.Errorf("save with stale version = %d, want 409", r.status)
	}
	// A falling year-to-date value needs a reason.
	if r := f.put(t, "lc", "1.1", lc, "2020-06", `{"value": 4}`); r.status != 422 || !strings.Contains(r.body, "reason") {
		t.Errorf("falling value without reason = %d %s", r.status, r.body)
	}
	if r := f.put(t, "lc", "1.1", lc, "2020-06", `{"value": 4, "reason": "5月多报了2所，已更正"}`); r.status != 200 {
		t.Errorf("falling value with reason = %d %s", r.status, r.body)
	}
}

func TestReviewCycle(t *testing.T) {
	f := newReportFixture(t)
	lc := f.lc
	steps := []struct {
		who, verb, body string
		want            int
		status          string
	}{
		{"lc", "save", `{"value": 10}`, 200, "draft"},
		{"coord", "approve", ``, 409, ""}, // not submitted yet
		{"lc", "submit", ``, 200, "submitted"},
		{"coord", "return", `{}`, 422, ""}, // a return needs a comment
		{"coord", "return", `{"comment": "请附上验收材料"}`, 200, "returned"},
		{"lc", "save", `{"value": 11, "note": "已补充验收材料"}`, 200, "draft"},
		{"lc", "submit", ``, 200, "submitted"},
		{"coord", "approve", ``, 200, "approved"},
		{"lc", "save", `{"value": 12}`, 409, ""}, // locked
		{"lc", "reopen", `{"reason": "x"}`, 403, ""},
		{"coord", "reopen", `{}`, 422, ""},
		{"coord", "reopen", `{"reason": "统计口径调整"}`, 200, "draft"},
		{"lc", "save", `{"value": 12, "submit": true}`, 200, "submitted"},
	}
	for i, s := range steps {
		var r response
		if s.verb == "save" {
			r = f.put(t, s.who, "1.1", lc, "2020-05", s.body)
		} else {
			r = f.post(t, s.who, "1.1", lc, "2020-05", s.verb, s.body)
		}
		if r.status != s.want || (s.status != "" && !strings.Contains(r.body, `"status":"`+s.status+`"`)) {
			t.Errorf("step %d %s %s = %d %.200s, want %d %s", i, s.who, s.verb, r.status, r.body, s.want, s.status)
		}
	}
	if seq, err := f.db.VerifyAudit(t.Context()); err != nil {
		t.Errorf("audit chain broken at %d: %v", seq, err)
	}
}

func TestQuarterlyPlan(t *testing.T) {
	f := newReportFixture(t)
	hdr := map[string]string{"Content-Type": "application/json", "Authorization": "Bearer " + f.tok["coord"]}
	r := f.do(t, nil, "PUT", "/api/v1/plans/"+f.plan+"/settings", strings.NewReader(`{"frequency":"quarter"}`), hdr)
	if r.status != 200 || !strings.Contains(r.body, `"frequency":"quarter"`) || !strings.Contains(r.body, `"deadline_day":5`) {
		t.Fatalf("settings = %d %s", r.status, r.body)
	}
	if r := f.do(t, nil, "PUT", "/api/v1/plans/"+f.plan+"/settings", strings.NewReader(`{"deadline_day":40}`), hdr); r.status != 422 {
		t.Errorf("deadline day 40 = %d, want 422", r.status)
	}
	if r := f.put(t, "lc", "1.1", f.lc, "2020-05", `{"value": 3}`); r.status != 422 || !strings.Contains(r.body, "季度") {
		t.Errorf("monthly report on a quarterly plan = %d %s", r.status, r.body)
	}
	if r := f.put(t, "lc", "1.1", f.lc, "2020-Q2", `{"value": 3}`); r.status != 200 {
		t.Errorf("quarterly report = %d %s", r.status, r.body)
	}
}
