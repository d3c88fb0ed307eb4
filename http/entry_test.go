package http_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"gongfu"
)

// entryServer is a server at 2020-07-10 with the seed plan, the accounts of
// a reporting cycle and the ids the pages put in their addresses.
type entryServer struct {
	*testServer
	plan, city, lc, ra string
}

func newEntryServer(t *testing.T, now time.Time) *entryServer {
	t.Helper()
	ts := newTestServer(t)
	ts.Now = func() time.Time { return now }
	ts.db.Now = ts.Now // sessions expire by the store's clock too
	id := ts.seed(t)
	ts.addUser(t, "coord", gongfu.RoleCoordinator, "")
	ts.addUser(t, "boss", gongfu.RoleLeader, "")
	ts.addUser(t, "lc", gongfu.RoleReporter, "鹿城区")
	ts.addUser(t, "lc2", gongfu.RoleReporter, "鹿城区")
	ts.addUser(t, "jy", gongfu.RoleReporter, "市教育局")
	es := &entryServer{testServer: ts, plan: itoa(id)}
	for name, dst := range map[string]*string{"温州市": &es.city, "鹿城区": &es.lc, "瑞安市": &es.ra} {
		o, err := ts.db.FindOrg(context.Background(), name)
		if err != nil {
			t.Fatal(err)
		}
		*dst = itoa(o.ID)
	}
	return es
}

var july10 = time.Date(2020, 7, 10, 9, 0, 0, 0, time.UTC)

// browser is one person's browser: a cookie jar that does not follow
// redirects, logged in through the login form.
type browser struct {
	ts *entryServer
	c  *http.Client
}

func (es *entryServer) login(t *testing.T, name string) *browser {
	t.Helper()
	b := &browser{ts: es, c: formClient()}
	page := b.get(t, "/login")
	r := b.post(t, "/login", url.Values{"csrf": {b.hidden(t, page, "/login").Get("csrf")},
		"username": {name}, "password": {"pw-" + name + "-Secret1"}, "next": {"/"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("login %s = %d %.300s", name, r.status, r.body)
	}
	return b
}

func (b *browser) get(t *testing.T, path string) response {
	t.Helper()
	return b.ts.do(t, b.c, "GET", path, nil, nil)
}

func (b *browser) post(t *testing.T, path string, v url.Values) response {
	t.Helper()
	return b.ts.do(t, b.c, "POST", path, strings.NewReader(v.Encode()),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
}

var hiddenRe = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// hidden returns the hidden fields (csrf, version, …) of the form of page
// that posts to action; it fails the test when there is no such form.
func (b *browser) hidden(t *testing.T, page response, action string) url.Values {
	t.Helper()
	i := strings.Index(page.body, `action="`+action+`"`)
	if i < 0 {
		t.Fatalf("no form posting to %s on the page (%d): %.500s", action, page.status, page.body)
	}
	form := page.body[i:]
	form = form[:strings.Index(form, "</form>")]
	v := url.Values{}
	for _, m := range hiddenRe.FindAllStringSubmatch(form, -1) {
		v.Set(m[1], html.UnescapeString(m[2]))
	}
	return v
}

// fill opens page, takes the hidden fields of its form posting to action,
// adds fields and posts it, as a person filling in the form would.
func (b *browser) fill(t *testing.T, page, action string, fields url.Values) response {
	t.Helper()
	v := b.hidden(t, b.get(t, page), action)
	for k, vs := range fields {
		v[k] = vs
	}
	return b.post(t, action, v)
}

func wantPage(t *testing.T, what string, r response, status int, wants ...string) {
	t.Helper()
	if r.status != status {
		t.Errorf("%s = %d, want %d; body: %.600s", what, r.status, status, r.body)
		return
	}
	for _, w := range wants {
		if !strings.Contains(r.body, w) {
			t.Errorf("%s lacks %q; body: %.3000s", what, w, r.body)
		}
	}
}

func (es *entryServer) report(t *testing.T, item, org, period string) *gongfu.Report {
	t.Helper()
	k := gongfu.ReportKey{PlanID: mustID(t, es.plan), ItemID: item, OrgID: mustID(t, org), Period: period}
	rep, err := es.db.FindReport(context.Background(), k)
	if err != nil {
		t.Fatalf("report %s: %v", k, err)
	}
	return rep
}

func mustID(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestBrowserReportingCycle walks one month's cycle through the pages: a
// county reporter saves and submits, the coordinator returns it with a
// comment, the reporter fixes and resubmits, the coordinator approves and
// the report is locked; a department reports the city total.
func TestBrowserReportingCycle(t *testing.T) {
	es := newEntryServer(t, july10)
	plan := es.plan
	list := "/report?plan=" + plan + "&period=2020-05"
	entry := "/report/" + plan + "/1.1/" + es.lc + "/2020-05"
	review := "/review?plan=" + plan + "&period=2020-05"
	rv := "/review/" + plan + "/1.1/" + es.lc + "/2020-05/"

	lc := es.login(t, "lc")
	wantPage(t, "lc's report list", lc.get(t, list), 200,
		"鹿城区", `href="`+entry+`"`, "新（扩）建幼儿园", "≥ 80 所", "未填报", `href="/report">填报</a>`)

	// Save a draft, then submit.
	r := lc.fill(t, entry, entry, url.Values{"value": {"10"}, "action": {"draft"}})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != list+"&ok=1" {
		t.Fatalf("save draft = %d to %q: %.500s", r.status, r.header.Get("Location"), r.body)
	}
	wantPage(t, "list after the draft", lc.get(t, r.header.Get("Location")), 200,
		`<p class="ok" role="status">已保存。</p>`, "草稿", "10 所")
	r = lc.fill(t, entry, entry, url.Values{"value": {"10"}, "note": {"新建幼儿园10所 <b>x</b>"}, "action": {"submit"}})
	wantPage(t, "save and submit", r, http.StatusSeeOther)
	if rep := es.report(t, "1.1", es.lc, "2020-05"); rep.Status != gongfu.StatusSubmitted || *rep.Value != 10 || rep.UpdatedBy != "lc" {
		t.Fatalf("after submit: %+v", rep)
	}

	// The coordinator returns it; a return without a comment is refused.
	coord := es.login(t, "coord")
	wantPage(t, "review queue", coord.get(t, review), 200,
		"鹿城区 · 1.1", "10 所", "新建幼儿园10所 &lt;b&gt;x&lt;/b&gt;", `action="`+rv+`approve"`, `action="`+rv+`return"`, `href="/review">审核</a>`)
	r = coord.fill(t, review, rv+"return", url.Values{"comment": {"  "}})
	wantPage(t, "return without a comment", r, http.StatusUnprocessableEntity,
		`role="alert"`, "退回须填写意见", `aria-invalid="true" aria-describedby="ce-1"`, `id="ce-1"`)
	r = coord.fill(t, review, rv+"return", url.Values{"comment": {"请附上验收材料"}})
	if r.status != http.StatusSeeOther || !strings.Contains(r.header.Get("Location"), "ok=return") {
		t.Fatalf("return = %d %q: %.500s", r.status, r.header.Get("Location"), r.body)
	}
	wantPage(t, "queue after the return", coord.get(t, r.header.Get("Location")), 200, `role="status"`, "已退回填报单位", "没有符合条件的报告")

	// The reporter sees the comment, fixes the figure and resubmits.
	wantPage(t, "list with the returned report", lc.get(t, list), 200, "已退回", "请附上验收材料")
	r = lc.get(t, list+"&status=returned")
	wantPage(t, "returned items only", r, 200, `href="`+entry+`"`, `aria-current="page">已退回 <span class="count">1</span>`)
	if strings.Contains(r.body, "/1.2/") {
		t.Errorf("the returned-only list shows other items")
	}
	wantPage(t, "entry form of the returned report", lc.get(t, entry), 200, "请附上验收材料", `value="10"`, "新建幼儿园10所 &lt;b&gt;x&lt;/b&gt;")
	r = lc.fill(t, entry, entry, url.Values{"value": {"11"}, "note": {"已补充验收材料"}, "action": {"submit"}})
	wantPage(t, "resubmit", r, http.StatusSeeOther)

	// The coordinator approves; the report is then locked for the reporter.
	r = coord.fill(t, review, rv+"approve", nil)
	wantPage(t, "approve", r, http.StatusSeeOther)
	wantPage(t, "approved queue", coord.get(t, review+"&status=approved"), 200, "11 所", `action="`+rv+`reopen"`, "重新打开的原因")
	wantPage(t, "entry form of the approved report", lc.get(t, entry), 200, "已审核锁定", `<fieldset class="plain" disabled>`)
	r = lc.fill(t, entry, entry, url.Values{"value": {"12"}, "action": {"draft"}})
	wantPage(t, "saving the approved report", r, http.StatusConflict, "锁定", `role="alert"`, `value="12"`)
	if rep := es.report(t, "1.1", es.lc, "2020-05"); rep.Status != gongfu.StatusApproved || *rep.Value != 11 {
		t.Errorf("after the refused save: %+v", rep)
	}

	// A leader reads the queue but gets no forms.
	boss := es.login(t, "boss")
	r = boss.get(t, review+"&status=approved")
	wantPage(t, "leader's queue", r, 200, "鹿城区 · 1.1", "不能审核")
	if strings.Contains(r.body, `action="`+rv) {
		t.Errorf("a leader is offered review forms")
	}
	if r := boss.post(t, rv+"reopen", url.Values{"csrf": {boss.hidden(t, r, "/logout").Get("csrf")}, "reason": {"x"}}); r.status != 403 {
		t.Errorf("leader reopen = %d, want 403", r.status)
	}

	// 市教育局 reports the city total of 1.1, and only its own items.
	jy := es.login(t, "jy")
	cityEntry := "/report/" + plan + "/1.1/" + es.city + "/2020-05"
	r = jy.get(t, list)
	wantPage(t, "department's list", r, 200, "温州市", "市教育局", `href="`+cityEntry+`"`)
	if strings.Contains(r.body, "/6.1/") || strings.Contains(r.body, "/"+es.lc+"/") {
		t.Errorf("the department's list holds items it does not report")
	}
	r = jy.fill(t, cityEntry, cityEntry, url.Values{"value": {"60"}, "action": {"submit"}})
	wantPage(t, "department submit", r, http.StatusSeeOther)
	if rep := es.report(t, "1.1", es.city, "2020-05"); rep.Status != gongfu.StatusSubmitted || *rep.Value != 60 || rep.UpdatedBy != "jy" {
		t.Errorf("city total: %+v", rep)
	}
	wantPage(t, "queue with the city total", coord.get(t, review), 200, "温州市 · 1.1", "60 所")
	r = coord.get(t, review+"&org="+es.city)
	wantPage(t, "queue of the city alone", r, 200, "温州市 · 1.1", `<option value="`+es.city+`" selected>温州市</option>`)
	if strings.Contains(r.body, "鹿城区 · 1.1") {
		t.Errorf("the city's queue shows a county's report")
	}

	if seq, err := es.db.VerifyAudit(t.Context()); err != nil {
		t.Errorf("audit chain broken at %d: %v", seq, err)
	}
}

// TestEntryValidation shows refused figures on their fields with status 422,
// the typed values kept.
func TestEntryValidation(t *testing.T) {
	es := newEntryServer(t, july10)
	lc := es.login(t, "lc")
	form := func(item string) string { return "/report/" + es.plan + "/" + item + "/" + es.lc + "/2020-05" }
	for _, c := range []struct {
		item   string
		fields url.Values
		field  string
		wants  []string
	}{
		{"1.1", url.Values{"value": {"-3"}}, "value", []string{"不能为负", `value="-3"`}},
		{"1.1", url.Values{"value": {"十所"}}, "value", []string{"请输入数字", `value="十所"`}},
		{"1.1", url.Values{"value": {""}, "note": {"暂无"}}, "value", []string{"请填写本期累计数值", ">暂无</textarea>"}},
		{"1.6", url.Values{"value": {"150"}}, "value", []string{"0–100"}},
		{"1.6", url.Values{"numerator": {"45"}}, "denominator", []string{"分子和分母须同时填写", `value="45"`}},
		{"1.6", url.Values{"numerator": {"45"}, "denominator": {"0"}}, "denominator", []string{"分母必须大于 0"}},
		{"1.m1", url.Values{"percent": {"40"}}, "stage", []string{"请选择进度阶段"}},
		{"1.m1", url.Values{"stage": {"in_progress"}, "percent": {"140"}}, "percent", []string{"0–100", `value="in_progress" checked`}},
	} {
		f := url.Values{"action": {"draft"}}
		for k, v := range c.fields {
			f[k] = v
		}
		r := lc.fill(t, form(c.item), form(c.item), f)
		what := c.item + " " + c.fields.Encode()
		wantPage(t, what, r, http.StatusUnprocessableEntity, append(c.wants,
			`<div class="summary" role="alert" id="errors">`, `href="#f-`+c.field+`"`, `id="e-`+c.field+`"`)...)
		if c.field != "stage" {
			wantPage(t, what, r, http.StatusUnprocessableEntity, `e-`+c.field+`" aria-invalid="true"`)
		}
	}
	// Full-width digits are numbers; a rate given as counts is computed.
	wantPage(t, "full-width value", lc.fill(t, form("1.1"), form("1.1"), url.Values{"value": {"１２"}}), http.StatusSeeOther)
	if rep := es.report(t, "1.1", es.lc, "2020-05"); *rep.Value != 12 {
		t.Errorf("１２ stored as %v", *rep.Value)
	}
	wantPage(t, "rate from counts", lc.fill(t, form("1.6"), form("1.6"), url.Values{"numerator": {"45"}, "denominator": {"50"}}), http.StatusSeeOther)
	if rep := es.report(t, "1.6", es.lc, "2020-05"); *rep.Value != 90 {
		t.Errorf("45/50 stored as %v", *rep.Value)
	}
	wantPage(t, "list with the rate", lc.get(t, "/report?plan="+es.plan+"&period=2020-05"), 200, "90%（45/50）")
	wantPage(t, "milestone", lc.fill(t, form("1.m1"), form("1.m1"), url.Values{"stage": {"in_progress"}, "percent": {"40"}}), http.StatusSeeOther)

	// A falling year-to-date value needs a reason, asked for on its field.
	june := "/report/" + es.plan + "/1.1/" + es.lc + "/2020-06"
	wantPage(t, "entry form shows last period", lc.get(t, june), 200, "上期（2020年5月）", "12 所")
	r := lc.fill(t, june, june, url.Values{"value": {"4"}})
	wantPage(t, "falling value", r, http.StatusUnprocessableEntity, `href="#f-reason"`, `id="e-reason"`, "低于上期")
	wantPage(t, "falling value with a reason", lc.fill(t, june, june, url.Values{"value": {"4"}, "reason": {"5月多报，已更正"}}), http.StatusSeeOther)

	// A period of another year or not yet begun is refused.
	august := "/report/" + es.plan + "/1.1/" + es.lc + "/2020-08"
	wantPage(t, "future period", lc.fill(t, august, august, url.Values{"value": {"1"}}), http.StatusUnprocessableEntity, "尚未开始")
	wantPage(t, "other year", lc.get(t, "/report/"+es.plan+"/1.1/"+es.lc+"/2019-05"), http.StatusUnprocessableEntity, "计划年度")
}

// TestEntryVersionConflict: two reporters of one county open the same form;
// the second save is refused with the stored figures shown, and goes
// through when made again knowingly.
func TestEntryVersionConflict(t *testing.T) {
	es := newEntryServer(t, july10)
	entry := "/report/" + es.plan + "/1.1/" + es.lc + "/2020-05"
	a, b := es.login(t, "lc"), es.login(t, "lc2")
	pa, pb := a.get(t, entry), b.get(t, entry)
	va, vb := a.hidden(t, pa, entry), b.hidden(t, pb, entry)
	va.Set("value", "7")
	vb.Set("value", "8")
	wantPage(t, "first save", a.post(t, entry, va), http.StatusSeeOther)
	r := b.post(t, entry, vb)
	wantPage(t, "stale save", r, http.StatusConflict, "已被他人修改", "7 所", "lc 于", `value="8"`, `name="version" value="1"`)
	again := b.hidden(t, r, entry)
	again.Set("value", "8") // the form kept what was typed
	wantPage(t, "save again", b.post(t, entry, again), http.StatusSeeOther)
	if rep := es.report(t, "1.1", es.lc, "2020-05"); *rep.Value != 8 || rep.Version != 2 {
		t.Errorf("after the second save: value %v version %d", *rep.Value, rep.Version)
	}
}

// TestEntryPermissions: CSRF on every form, scope on every report, and the
// pages' audiences.
func TestEntryPermissions(t *testing.T) {
	es := newEntryServer(t, july10)
	entry := "/report/" + es.plan + "/1.1/" + es.lc + "/2020-05"
	other := "/report/" + es.plan + "/1.1/" + es.ra + "/2020-05"
	lc := es.login(t, "lc")
	page := lc.get(t, entry)
	v := lc.hidden(t, page, entry)
	csrf := v.Get("csrf")
	v.Set("value", "5")
	v.Del("csrf")
	wantPage(t, "POST without CSRF", lc.post(t, entry, v), http.StatusForbidden, "表单已过期")
	v.Set("csrf", strings.Repeat("x", 43))
	wantPage(t, "POST with a forged CSRF token", lc.post(t, entry, v), http.StatusForbidden)
	wantPage(t, "another county's form", lc.get(t, other), http.StatusForbidden, "没有权限")
	v.Set("csrf", csrf)
	wantPage(t, "POST to another county", lc.post(t, other, v), http.StatusForbidden)
	wantPage(t, "the city's form", lc.get(t, "/report/"+es.plan+"/1.1/"+es.city+"/2020-05"), http.StatusForbidden)
	wantPage(t, "reporter approving", lc.post(t, "/review/"+es.plan+"/1.1/"+es.lc+"/2020-05/approve", url.Values{"csrf": {csrf}}), http.StatusForbidden)

	coord := es.login(t, "coord")
	wantPage(t, "coordinator's report list", coord.get(t, "/report"), http.StatusForbidden)
	wantPage(t, "coordinator's entry form", coord.get(t, entry), http.StatusForbidden)
	cs := coord.hidden(t, coord.get(t, "/review"), "/logout").Get("csrf")
	wantPage(t, "review POST without CSRF", coord.post(t, "/review/"+es.plan+"/1.1/"+es.lc+"/2020-05/approve", url.Values{}), http.StatusForbidden)
	wantPage(t, "approving a report that does not exist", coord.post(t, "/review/"+es.plan+"/1.1/"+es.lc+"/2020-05/approve", url.Values{"csrf": {cs}}), http.StatusNotFound)
	wantPage(t, "unknown verb", coord.post(t, "/review/"+es.plan+"/1.1/"+es.lc+"/2020-05/delete", url.Values{"csrf": {cs}}), http.StatusNotFound)
	wantPage(t, "submit is not a review verb", coord.post(t, "/review/"+es.plan+"/1.1/"+es.lc+"/2020-05/submit", url.Values{"csrf": {cs}}), http.StatusNotFound)

	anon := &browser{ts: es, c: formClient()}
	for _, p := range []string{"/report", entry, "/review"} {
		if r := anon.get(t, p); r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/login?next=") {
			t.Errorf("anonymous GET %s = %d %q, want a redirect to the login form", p, r.status, r.header.Get("Location"))
		}
	}
}

// TestReportDefaultPeriod: the list opens on the month whose deadline is
// nearest — June on 10 July — and on December for a past plan year.
func TestReportDefaultPeriod(t *testing.T) {
	for _, c := range []struct {
		now  time.Time
		want string
	}{
		{july10, `<option value="2020-06" selected>2020年6月</option>`},
		{time.Date(2020, 1, 20, 9, 0, 0, 0, time.UTC), `<option value="2020-01" selected>`},
		{time.Date(2021, 3, 2, 9, 0, 0, 0, time.UTC), `<option value="2020-12" selected>2020年12月</option>`},
	} {
		es := newEntryServer(t, c.now)
		r := es.login(t, "lc").get(t, "/report")
		wantPage(t, "report list at "+c.now.Format(time.DateOnly), r, 200, c.want)
		if c.now == july10 && strings.Contains(r.body, `value="2020-08"`) {
			t.Errorf("a month not yet begun is offered")
		}
	}
}

// TestEntryFlagsAndEnglish: an outlier is flagged for the reporter and the
// reviewer, in the page's language.
func TestEntryFlagsAndEnglish(t *testing.T) {
	es := newEntryServer(t, july10)
	ctx := context.Background()
	for i, v := range []float64{1, 3, 4, 6} {
		v := v
		rep := &gongfu.Report{ReportKey: gongfu.ReportKey{PlanID: mustID(t, es.plan), ItemID: "1.1", OrgID: mustID(t, es.lc),
			Period: gongfu.MonthPeriod(2020, i+1).String()}, Value: &v}
		if err := es.db.SaveReport(ctx, rep, -1); err != nil {
			t.Fatal(err)
		}
	}
	lc := es.login(t, "lc")
	entry := "/report/" + es.plan + "/1.1/" + es.lc + "/2020-05"
	wantPage(t, "outlier", lc.fill(t, entry, entry, url.Values{"value": {"100"}, "action": {"submit"}}), http.StatusSeeOther)
	wantPage(t, "flag on the list", lc.get(t, "/report?plan="+es.plan+"&period=2020-05"), 200, `class="flag"`, "稳健 z 值")
	coord := es.login(t, "coord")
	wantPage(t, "flag in the queue", coord.get(t, "/review?plan="+es.plan+"&period=2020-05"), 200, "稳健 z 值", "6 所")

	en := func(b *browser, path string) response {
		return es.do(t, b.c, "GET", path, nil, map[string]string{"Cookie": "lang=en"})
	}
	r := en(lc, entry)
	wantPage(t, "English entry form", r, 200, `lang="en"`, "Save draft", "Save and submit", "Year-to-date value", "far from this target")
	if strings.Contains(r.body, "稳健") {
		t.Errorf("the English form shows the Chinese flag")
	}
	wantPage(t, "English list", en(lc, "/report?plan="+es.plan+"&period=2020-05"), 200, "Monthly report", "May 2020", "Submitted")
	wantPage(t, "English queue", en(coord, "/review?plan="+es.plan+"&period=2020-05"), 200, "To review", "Approve", "Comment for the reporter")
}
