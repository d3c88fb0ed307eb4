package http_test

import (
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"gongfu"
)

// supervisionFixture is the report fixture with a red row: 鹿城区 was given
// a quota of 10 kindergartens (1.1, an increment) and reported 1 by the end
// of June, approved, so on 2020-07-10 it is 40 points behind time progress.
// A reporter for 瑞安市 (ra) is added to show what another county may not do.
type supervisionFixture struct {
	*reportFixture
	form map[string]string
}

func newSupervisionFixture(t *testing.T) *supervisionFixture {
	t.Helper()
	f := newReportFixture(t)
	f.addUser(t, "ra", gongfu.RoleReporter, "瑞安市")
	f.tok["ra"] = f.token(t, "ra")
	sf := &supervisionFixture{reportFixture: f, form: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}}
	if r := sf.call(t, "coord", "PUT", "/api/v1/plans/"+f.plan+"/quotas/1.1", `{"quotas":[{"org_id":`+f.lc+`,"value":10}]}`); r.status != 200 {
		t.Fatalf("set quota = %d %s", r.status, r.body)
	}
	if r := f.put(t, "lc", "1.1", f.lc, "2020-06", `{"value": 1, "submit": true}`); r.status != 200 {
		t.Fatalf("report = %d %s", r.status, r.body)
	}
	if r := f.post(t, "coord", "1.1", f.lc, "2020-06", "approve", ""); r.status != 200 {
		t.Fatalf("approve = %d %s", r.status, r.body)
	}
	return sf
}

// call makes an API request as who ("" for the public) with a JSON body.
func (f *supervisionFixture) call(t *testing.T, who, method, path, body string) response {
	t.Helper()
	hdr := map[string]string{}
	if who != "" {
		hdr["Authorization"] = "Bearer " + f.tok[who]
	}
	if body == "" {
		return f.do(t, nil, method, path, nil, hdr)
	}
	hdr["Content-Type"] = "application/json"
	return f.do(t, nil, method, path, strings.NewReader(body), hdr)
}

// submit posts a form as the browser session c.
func (f *supervisionFixture) submit(t *testing.T, c *clientSession, path string, v url.Values) response {
	t.Helper()
	return f.do(t, c.c, "POST", path, strings.NewReader(v.Encode()), f.form)
}

// section returns the part of a page from the element with id up to the
// next </section>.
func section(t *testing.T, body, id string) string {
	t.Helper()
	i := strings.Index(body, `id="`+id+`"`)
	if i < 0 {
		t.Fatalf("no element %s on the page", id)
	}
	rest := body[i:]
	if j := strings.Index(rest, "</section>"); j >= 0 {
		rest = rest[:j]
	}
	return rest
}

func (f *supervisionFixture) supervisions(t *testing.T, who string) []gongfu.Supervision {
	t.Helper()
	r := f.call(t, who, "GET", "/api/v1/plans/"+f.plan+"/supervisions", "")
	if r.status != 200 {
		t.Fatalf("%s list supervisions = %d %s", who, r.status, r.body)
	}
	var out []gongfu.Supervision
	if err := json.Unmarshal([]byte(r.body), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestSupervisionCycle(t *testing.T) {
	f := newSupervisionFixture(t)
	coord := f.loginForm(t, "coord")
	lc := f.loginForm(t, "lc")

	// The red row is on /supervise, grouped under the county that answers for it.
	page := f.do(t, coord.c, "GET", "/supervise?plan="+f.plan, nil, nil)
	if page.status != 200 {
		t.Fatalf("/supervise = %d", page.status)
	}
	unit := section(t, page.body, "unit-"+f.lc)
	for _, want := range []string{"鹿城区", "1.1", "新（扩）建幼儿园", "红灯", "2020-06", `action="/supervise/issue"`, `name="csrf"`} {
		if !strings.Contains(unit, want) {
			t.Errorf("鹿城区's group lacks %q:\n%s", want, unit)
		}
	}
	// Red before yellow: the city-wide row of 1.1 belongs to its lead department.
	if jy := f.orgID(t, "市教育局"); !strings.Contains(page.body, `id="unit-`+jy+`"`) {
		t.Errorf("no group for 市教育局, the lead unit of the city-wide 1.1")
	}

	// The form needs its CSRF token.
	issue := url.Values{"plan": {f.plan}, "target": {"1.1"}, "org_id": {f.lc}, "period": {"2020-06"},
		"text": {"请说明进度滞后原因，倒排工期加快建设"}, "deadline": {"2020-07-20"}}
	if r := f.submit(t, coord, "/supervise/issue", issue); r.status != 403 {
		t.Errorf("issue without CSRF = %d, want 403", r.status)
	}
	issue.Set("csrf", coord.csrf)
	r := f.submit(t, coord, "/supervise/issue", issue)
	if r.status != 303 || !strings.Contains(r.header.Get("Location"), "issued=") {
		t.Fatalf("issue = %d %q %.300s", r.status, r.header.Get("Location"), r.body)
	}
	// Issued once: the row now shows the pending notice, and a second one is refused.
	page = f.do(t, coord.c, "GET", r.header.Get("Location"), nil, nil)
	if unit := section(t, page.body, "unit-"+f.lc); !strings.Contains(unit, "已督办") || strings.Contains(unit, `action="/supervise/issue"`) {
		t.Errorf("after issuing, 鹿城区's group = %s", unit)
	}
	if r := f.submit(t, coord, "/supervise/issue", issue); r.status != 409 {
		t.Errorf("second notice on the same row = %d, want 409", r.status)
	}

	// 鹿城区 got the notice and sees the 督办单 with the answer form.
	r = f.call(t, "lc", "GET", "/api/v1/notices", "")
	if !strings.Contains(r.body, `"kind":"supervision"`) || !strings.Contains(r.body, "倒排工期") {
		t.Errorf("lc notices = %s", r.body)
	}
	list := f.supervisions(t, "lc")
	if len(list) != 1 || list[0].Status != gongfu.SupervisionOpen || list[0].Light != "red" || list[0].Period != "2020-06" ||
		list[0].Deadline != "2020-07-20" || itoa(list[0].OrgID) != f.lc || list[0].CreatedBy != "coord" {
		t.Fatalf("lc supervisions = %+v", list)
	}
	id := itoa(list[0].ID)
	page = f.do(t, lc.c, "GET", "/supervisions?plan="+f.plan, nil, nil)
	if page.status != 200 || !strings.Contains(page.body, "倒排工期") || !strings.Contains(page.body, `action="/supervisions/`+id+`/answer"`) ||
		strings.Contains(page.body, `/close"`) {
		t.Fatalf("lc /supervisions = %d %s", page.status, page.body)
	}
	// Another county, a department and a leader cannot answer it. To
	// another unit's reporter the notice does not exist: the answer is the
	// same, status and body, as for an id never issued.
	none := f.call(t, "ra", "POST", "/api/v1/supervisions/999999/answer", `{"answer":"x"}`)
	for _, who := range []string{"ra", "jy", "boss", "coord"} {
		r := f.call(t, who, "POST", "/api/v1/supervisions/"+id+"/answer", `{"answer":"x"}`)
		switch who {
		case "ra", "jy":
			if r.status != 404 || r.body != none.body {
				t.Errorf("%s answers 鹿城区's notice = %d %s, want the 404 of a missing one: %d %s", who, r.status, r.body, none.status, none.body)
			}
		default:
			if r.status != 403 {
				t.Errorf("%s answers 鹿城区's notice = %d, want 403", who, r.status)
			}
		}
	}
	if ra := f.supervisions(t, "ra"); len(ra) != 0 {
		t.Errorf("瑞安市 sees %d notices of others", len(ra))
	}

	// lc answers through the form (CSRF required), the coordinator closes.
	answer := url.Values{"answer": {"已约谈施工单位，7月底前新开工3所"}}
	if r := f.submit(t, lc, "/supervisions/"+id+"/answer", answer); r.status != 403 {
		t.Errorf("answer without CSRF = %d, want 403", r.status)
	}
	answer.Set("csrf", lc.csrf)
	if r := f.submit(t, lc, "/supervisions/"+id+"/answer", answer); r.status != 303 {
		t.Fatalf("answer = %d %.300s", r.status, r.body)
	}
	if r := f.call(t, "lc", "POST", "/api/v1/supervisions/"+id+"/answer", `{"answer":"again"}`); r.status != 409 {
		t.Errorf("answering twice = %d, want 409", r.status)
	}
	page = f.do(t, coord.c, "GET", "/supervisions?plan="+f.plan+"&status=answered", nil, nil)
	if !strings.Contains(page.body, "7月底前新开工3所") || !strings.Contains(page.body, `action="/supervisions/`+id+`/close"`) {
		t.Errorf("coordinator's list lacks the answer and close form")
	}
	if r := f.submit(t, coord, "/supervisions/"+id+"/close", url.Values{"comment": {"同意"}}); r.status != 403 {
		t.Errorf("close without CSRF = %d, want 403", r.status)
	}
	if r := f.submit(t, lc, "/supervisions/"+id+"/close", url.Values{"csrf": {lc.csrf}}); r.status != 403 {
		t.Errorf("reporter closes = %d, want 403", r.status)
	}
	if r := f.submit(t, coord, "/supervisions/"+id+"/close", url.Values{"csrf": {coord.csrf}, "comment": {"整改到位"}}); r.status != 303 {
		t.Fatalf("close = %d %.300s", r.status, r.body)
	}
	if r := f.call(t, "coord", "POST", "/api/v1/supervisions/"+id+"/close", `{"comment":"again"}`); r.status != 409 {
		t.Errorf("closing twice = %d, want 409", r.status)
	}
	if r := f.call(t, "lc", "POST", "/api/v1/supervisions/"+id+"/answer", `{"answer":"late"}`); r.status != 409 {
		t.Errorf("answering a closed notice = %d, want 409", r.status)
	}
	got := f.supervisions(t, "coord")
	if len(got) != 1 || got[0].Status != gongfu.SupervisionClosed || got[0].Answer != "已约谈施工单位，7月底前新开工3所" ||
		got[0].AnsweredBy != "lc" || got[0].Comment != "整改到位" || got[0].ClosedBy != "coord" {
		t.Errorf("closed notice = %+v", got)
	}
	if seq, err := f.db.VerifyAudit(t.Context()); err != nil {
		t.Errorf("audit chain broken at %d: %v", seq, err)
	}
}

func TestSupervisionExplanations(t *testing.T) {
	f := newSupervisionFixture(t)
	coord := f.loginForm(t, "coord")
	lc := f.loginForm(t, "lc")
	ra := f.loginForm(t, "ra")

	// Each red light asks its reporter for an explanation.
	page := f.do(t, lc.c, "GET", "/supervisions?plan="+f.plan, nil, nil)
	action := "/explain/" + f.plan + "/1.1/" + f.lc + "/2020-06"
	if page.status != 200 || !strings.Contains(page.body, "需要说明的红灯项") || !strings.Contains(page.body, `action="`+action+`"`) {
		t.Fatalf("lc /supervisions = %d, no explanation form for %s", page.status, action)
	}
	// …and only within its scope: 瑞安市 has no red row and may not explain 鹿城区's.
	page = f.do(t, ra.c, "GET", "/supervisions?plan="+f.plan, nil, nil)
	if strings.Contains(page.body, `action="`+action+`"`) || !strings.Contains(page.body, "没有红灯项") {
		t.Errorf("瑞安市 is asked to explain 鹿城区's red light")
	}
	if r := f.submit(t, ra, action, url.Values{"csrf": {ra.csrf}, "text": {"x"}}); r.status != 403 {
		t.Errorf("瑞安市 explains 鹿城区 = %d, want 403", r.status)
	}
	if r := f.submit(t, lc, action, url.Values{"text": {"受疫情影响"}}); r.status != 403 {
		t.Errorf("explanation without CSRF = %d, want 403", r.status)
	}
	if r := f.submit(t, lc, action, url.Values{"csrf": {lc.csrf}, "text": {" "}}); r.status != 422 {
		t.Errorf("empty explanation = %d, want 422", r.status)
	}
	if r := f.submit(t, lc, action, url.Values{"csrf": {lc.csrf}, "text": {"受疫情影响两所幼儿园推迟开工"}}); r.status != 303 {
		t.Fatalf("explain = %d %.300s", r.status, r.body)
	}
	page = f.do(t, lc.c, "GET", "/supervisions?plan="+f.plan, nil, nil)
	if !strings.Contains(page.body, ">受疫情影响两所幼儿园推迟开工</textarea>") {
		t.Errorf("the form does not show the saved explanation")
	}
	// The plan office sees it beside the red row.
	page = f.do(t, coord.c, "GET", "/supervise?plan="+f.plan, nil, nil)
	if unit := section(t, page.body, "unit-"+f.lc); !strings.Contains(unit, "受疫情影响两所幼儿园推迟开工") {
		t.Errorf("/supervise does not show 鹿城区's explanation:\n%s", unit)
	}

	// The API: the same scope as reporting the figures.
	api := "/api/v1/plans/" + f.plan + "/explanations/1.1/"
	for _, c := range []struct {
		who, org string
		want     int
	}{
		{"", f.lc, 401},
		{"lc", f.lc, 200},
		{"lc", f.city, 403},
		{"ra", f.lc, 403},
		{"jy", f.lc, 403},
		{"jy", f.city, 200}, // 市教育局 leads 1.1: it explains the city-wide figure
		{"mz", f.city, 403}, // 市民政局 does not answer for 1.1
		{"coord", f.lc, 403},
		{"boss", f.lc, 403},
		{"admin", f.lc, 403},
	} {
		r := f.call(t, c.who, "PUT", api+c.org+"/2020-06", `{"text":"说明 by `+c.who+`"}`)
		if r.status != c.want {
			t.Errorf("%s PUT explanation of %s = %d, want %d: %.200s", c.who, c.org, r.status, c.want, r.body)
		}
	}
	if r := f.call(t, "lc", "PUT", api+f.lc+"/2020-13", `{"text":"x"}`); r.status != 422 {
		t.Errorf("bad period = %d, want 422", r.status)
	}
	if r := f.call(t, "lc", "PUT", "/api/v1/plans/"+f.plan+"/explanations/9.9/"+f.lc+"/2020-06", `{"text":"x"}`); r.status != 404 {
		t.Errorf("unknown item = %d, want 404", r.status)
	}
	count := func(who string) int {
		r := f.call(t, who, "GET", api[:len(api)-1], "")
		if r.status != 200 {
			t.Fatalf("%s GET explanations = %d %s", who, r.status, r.body)
		}
		var es []gongfu.Explanation
		json.Unmarshal([]byte(r.body), &es)
		return len(es)
	}
	for who, want := range map[string]int{"coord": 2, "boss": 2, "admin": 2, "lc": 1, "ra": 0, "jy": 1} {
		if got := count(who); got != want {
			t.Errorf("%s reads %d explanations of 1.1, want %d", who, got, want)
		}
	}
	if r := f.call(t, "", "GET", api[:len(api)-1], ""); r.status != 401 {
		t.Errorf("public GET explanations = %d, want 401", r.status)
	}
}

func TestSupervisionAPI(t *testing.T) {
	f := newSupervisionFixture(t)
	base := "/api/v1/plans/" + f.plan + "/supervisions"
	body := func(target, org, period, text, deadline string) string {
		b, _ := json.Marshal(map[string]any{"target": target, "org_id": json.Number(org), "period": period, "text": text, "deadline": deadline})
		return string(b)
	}
	ok := body("1.1", f.lc, "2020-06", "请加快进度", "2020-07-31")
	// Only a coordinator issues.
	for who, want := range map[string]int{"": 401, "admin": 403, "boss": 403, "lc": 403, "jy": 403} {
		if r := f.call(t, who, "POST", base, ok); r.status != want {
			t.Errorf("%q issues = %d, want %d", who, r.status, want)
		}
	}
	// Only red and yellow rows, judged now, to the unit that answers for them.
	for _, c := range []struct {
		name, body string
		want       int
		msg        string
	}{
		{"a row without a light", body("1.1", f.ra, "", "x", "2020-07-31"), 422, "没有评价结果"},
		{"a unit not answering", body("1.1", f.orgID(t, "市民政局"), "", "x", "2020-07-31"), 422, "责任单位"},
		{"the city itself", body("1.1", f.city, "", "x", "2020-07-31"), 422, ""},
		{"an old period", body("1.1", f.lc, "2020-05", "x", "2020-07-31"), 422, "2020-06"},
		{"a past deadline", body("1.1", f.lc, "", "x", "2020-07-01"), 422, "早于"},
		{"a bad deadline", body("1.1", f.lc, "", "x", "31/07/2020"), 422, ""},
		{"no text", body("1.1", f.lc, "", " ", "2020-07-31"), 422, ""},
		{"an unknown org", body("1.1", "99999", "", "x", "2020-07-31"), 422, ""},
	} {
		if r := f.call(t, "coord", "POST", base, c.body); r.status != c.want || !strings.Contains(r.body, c.msg) {
			t.Errorf("%s: issue = %d %.200s, want %d with %q", c.name, r.status, r.body, c.want, c.msg)
		}
	}
	// A row that is not red or yellow: 瑞安市 reports far ahead on 1.1 with its own quota.
	if r := f.call(t, "coord", "PUT", "/api/v1/plans/"+f.plan+"/quotas/1.1", `{"quotas":[{"org_id":`+f.lc+`,"value":10},{"org_id":`+f.ra+`,"value":4}]}`); r.status != 200 {
		t.Fatalf("quotas = %d %s", r.status, r.body)
	}
	f.addUser(t, "ra2", gongfu.RoleReporter, "瑞安市")
	f.tok["ra2"] = f.token(t, "ra2")
	if r := f.put(t, "ra2", "1.1", f.ra, "2020-06", `{"value": 4, "submit": true}`); r.status != 200 {
		t.Fatalf("ra report = %d %s", r.status, r.body)
	}
	if r := f.post(t, "coord", "1.1", f.ra, "2020-06", "approve", ""); r.status != 200 {
		t.Fatalf("approve = %d", r.status)
	}
	if r := f.call(t, "coord", "POST", base, body("1.1", f.ra, "", "x", "2020-07-31")); r.status != 422 || !strings.Contains(r.body, "只有红灯和黄灯") {
		t.Errorf("issue on a done row = %d %s", r.status, r.body)
	}
	if n := len(f.supervisions(t, "coord")); n != 0 {
		t.Fatalf("refused issues stored %d notices", n)
	}

	r := f.call(t, "coord", "POST", base, ok)
	var sv gongfu.Supervision
	json.Unmarshal([]byte(r.body), &sv)
	if r.status != 201 || sv.ID == 0 || sv.Light != "red" || sv.Status != gongfu.SupervisionOpen {
		t.Fatalf("issue = %d %s", r.status, r.body)
	}
	// The city-wide row goes to the lead department, whose reporter answers it.
	jy := f.orgID(t, "市教育局")
	r = f.call(t, "coord", "POST", base, body("1.1", jy, "", "请牵头督促各地加快建设", "2020-07-31"))
	var city gongfu.Supervision
	json.Unmarshal([]byte(r.body), &city)
	if r.status != 201 || itoa(city.OrgID) != jy {
		t.Fatalf("issue to the lead department = %d %s", r.status, r.body)
	}
	if r := f.call(t, "lc", "POST", "/api/v1/supervisions/"+itoa(city.ID)+"/answer", `{"answer":"x"}`); r.status != 404 {
		t.Errorf("a county answers the department's notice = %d, want 404", r.status)
	}
	if r := f.call(t, "jy", "POST", "/api/v1/supervisions/"+itoa(city.ID)+"/answer", `{"answer":"已召开专题会"}`); r.status != 200 || !strings.Contains(r.body, `"status":"answered"`) {
		t.Errorf("the department answers = %d %s", r.status, r.body)
	}

	// Who reads which notices.
	for who, want := range map[string]int{"coord": 2, "boss": 2, "lc": 1, "jy": 1, "ra": 0, "mz": 0} {
		if got := len(f.supervisions(t, who)); got != want {
			t.Errorf("%s sees %d notices, want %d", who, got, want)
		}
	}
	for who, want := range map[string]int{"": 401, "admin": 403} {
		if r := f.call(t, who, "GET", base, ""); r.status != want {
			t.Errorf("%q lists notices = %d, want %d", who, r.status, want)
		}
	}
	if r := f.call(t, "coord", "GET", base+"?status=answered", ""); !strings.Contains(r.body, `"id":`+itoa(city.ID)) || strings.Contains(r.body, `"id":`+itoa(sv.ID)+",") {
		t.Errorf("status filter = %s", r.body)
	}
	if r := f.call(t, "coord", "GET", base+"?status=maybe", ""); r.status != 422 {
		t.Errorf("bad status filter = %d, want 422", r.status)
	}
	if r := f.call(t, "coord", "GET", base+"?org_id="+f.lc, ""); !strings.Contains(r.body, `"id":`+itoa(sv.ID)+",") || strings.Contains(r.body, `"id":`+itoa(city.ID)+",") {
		t.Errorf("org filter = %s", r.body)
	}

	// Closing: only coordinators; an open notice needs a comment.
	for _, who := range []string{"boss", "lc", "jy", "admin"} {
		if r := f.call(t, who, "POST", "/api/v1/supervisions/"+itoa(sv.ID)+"/close", `{"comment":"x"}`); r.status != 403 {
			t.Errorf("%s closes = %d, want 403", who, r.status)
		}
	}
	if r := f.call(t, "coord", "POST", "/api/v1/supervisions/"+itoa(sv.ID)+"/close", `{}`); r.status != 422 {
		t.Errorf("closing an open notice without a comment = %d, want 422", r.status)
	}
	if r := f.call(t, "coord", "POST", "/api/v1/supervisions/"+itoa(sv.ID)+"/close", `{"comment":"已当面督办"}`); r.status != 200 {
		t.Errorf("closing an open notice with a comment = %d %s", r.status, r.body)
	}
	if r := f.call(t, "coord", "POST", "/api/v1/supervisions/"+itoa(city.ID)+"/close", ""); r.status != 200 {
		t.Errorf("closing an answered notice = %d %s", r.status, r.body)
	}
	if r := f.call(t, "coord", "POST", "/api/v1/supervisions/99999/close", `{"comment":"x"}`); r.status != 404 {
		t.Errorf("closing a missing notice = %d, want 404", r.status)
	}
	if r := f.call(t, "lc", "POST", "/api/v1/supervisions/99999/answer", `{"answer":"x"}`); r.status != 404 {
		t.Errorf("answering a missing notice = %d, want 404", r.status)
	}
}

func TestSupervisionPagesAccess(t *testing.T) {
	f := newSupervisionFixture(t)
	for who, want := range map[string]int{"boss": 200, "lc": 403, "jy": 403, "admin": 403} {
		c := f.loginForm(t, who)
		if r := f.do(t, c.c, "GET", "/supervise?plan="+f.plan, nil, nil); r.status != want {
			t.Errorf("%s GET /supervise = %d, want %d", who, r.status, want)
		} else if who == "boss" && strings.Contains(r.body, `action="/supervise/issue"`) {
			t.Errorf("a leader is offered the issue form")
		}
	}
	if r := f.do(t, formClient(), "GET", "/supervise", nil, nil); r.status != 303 || !strings.HasPrefix(r.header.Get("Location"), "/login") {
		t.Errorf("public GET /supervise = %d %q", r.status, r.header.Get("Location"))
	}
	// The nav links: /supervise for those who supervise, /supervisions for reporters.
	nav := regexp.MustCompile(`href="/supervis(e|ions)"`)
	for who, want := range map[string]string{"coord": `href="/supervise"`, "boss": `href="/supervise"`, "lc": `href="/supervisions"`} {
		c := f.loginForm(t, who)
		r := f.do(t, c.c, "GET", "/", nil, nil)
		if got := nav.FindString(r.body); got != want {
			t.Errorf("%s nav link = %q, want %q", who, got, want)
		}
	}
	// English.
	c := f.loginForm(t, "coord")
	f.do(t, c.c, "GET", "/lang/en", nil, nil)
	if r := f.do(t, c.c, "GET", "/supervise?plan="+f.plan, nil, nil); !strings.Contains(r.body, "Issue a supervision notice") || !strings.Contains(r.body, ">red<") {
		t.Errorf("English /supervise lacks its labels")
	}
}
