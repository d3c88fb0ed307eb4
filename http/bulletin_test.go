package http_test

import (
	"archive/zip"
	"bytes"
	"io"
	"mime"
	"net/url"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// bulletinFixture is the seed plan on 10 July 2020 (June's reports due on
// 5 July) with approved June figures making every kind of row: 1.1 done,
// 1.2 red and 1.3 yellow (市教育局, city-wide), 6.2 yellow (市人力社保局
// leads; 市民政局 reported it as a co-unit) and 1.6 red for 鹿城区 and, rolled
// up, for the city.
func bulletinFixture(t *testing.T) *reportFixture {
	t.Helper()
	f := newReportFixture(t)
	for _, c := range []struct{ who, item, org, value string }{
		{"jy", "1.1", f.city, "85"}, // of 80: done
		{"jy", "1.2", f.city, "2"},  // of 38, 5.3% at 50%: red
		{"jy", "1.3", f.city, "7"},  // of 28, 25% at 50%: yellow
		{"mz", "6.2", f.city, "3000"},
		{"lc", "1.6", f.lc, "50"}, // 50% against 90%: red
	} {
		if r := f.put(t, c.who, c.item, c.org, "2020-06", `{"value": `+c.value+`, "submit": true}`); r.status != 200 {
			t.Fatalf("%s %s = %d %s", c.who, c.item, r.status, r.body)
		}
		if r := f.post(t, "coord", c.item, c.org, "2020-06", "approve", ""); r.status != 200 {
			t.Fatalf("approve %s = %d %s", c.item, r.status, r.body)
		}
	}
	// A July figure already in must not change June's bulletin.
	if r := f.put(t, "jy", "1.2", f.city, "2020-07", `{"value": 38, "submit": true}`); r.status != 200 {
		t.Fatalf("July = %d %s", r.status, r.body)
	}
	return f
}

// order fails t unless the parts appear in body in this order.
func order(t *testing.T, what, body string, parts ...string) {
	t.Helper()
	pos := 0
	for _, p := range parts {
		i := strings.Index(body[pos:], p)
		if i < 0 {
			t.Errorf("%s: %q missing or out of order", what, p)
			return
		}
		pos += i + len(p)
	}
}

func TestBulletinPage(t *testing.T) {
	f := bulletinFixture(t)
	r := f.get(t, "coord", "/bulletin?plan="+f.plan)
	if r.status != 200 {
		t.Fatalf("bulletin = %d %.300s", r.status, r.body)
	}
	body := r.body
	order(t, "page", body,
		"《2020年温州市基本公共服务体系建设行动计划》实施情况月度通报（2020年6月）",
		"截至2020年7月5日（报送截止日）",
		"一、总体进展", "序时进度为50.0%", "从亮灯情况看，已完成1项",
		"二、已完成事项", "<td>1.1</td><td>新（扩）建幼儿园</td><td>≥ 80 所</td><td class=\"num\">85 所</td>",
		"三、滞后事项",
		// Red before yellow; city-wide items under their lead unit, then
		// the counties.
		"（一）红灯事项", "1. 市教育局（2项）", "<td>1.2</td><td>建成投用公办园</td><td>全市</td>", "<td>1.6</td>",
		"2. 鹿城区（1项）", "<td>1.6</td><td>普惠性幼儿园占比</td><td>鹿城区</td>",
		"（二）黄灯事项", "1. 市教育局（1项）", "<td>1.3</td>", "2. 市人力社保局（1项）", "<td>6.2</td>",
		"四、未按时报送单位", "未按时报送2020年6月数据", "<td>瑞安市</td>",
		"温州市发展和改革委员会")
	if strings.Contains(body, "<td>1.1</td><td>新（扩）建幼儿园</td><td>全市</td>") {
		t.Error("a done item is listed as lagging")
	}
	// June's bulletin ignores July's figure of 1.2 (38 of 38 would be done).
	if strings.Contains(body, "38 所</td><td class=\"num\">100.0%") {
		t.Error("the June bulletin used a July figure")
	}
	// 鹿城区 reported 1.6, so it is not listed as owing it, but owes the rest.
	sec4 := body[strings.Index(body, "四、未按时报送单位"):]
	if !strings.Contains(sec4, "<td>鹿城区</td>") || !strings.Contains(sec4, "<td>市民政局</td>") && !strings.Contains(sec4, "<td>市人力社保局</td>") {
		t.Errorf("missing units: %.2000s", sec4)
	}
	for _, want := range []string{`href="/bulletin.docx?plan=` + f.plan + `&amp;period=2020-06"`, `href="/bulletin.xlsx?plan=`, `<option value="2020-05">`, "no-print"} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if strings.Contains(body, `<option value="2020-07">`) {
		t.Error("July is offered before its deadline")
	}

	// A chosen period; periods not yet due or of another year are refused.
	if r := f.get(t, "boss", "/bulletin?plan="+f.plan+"&period=2020-05"); r.status != 200 || !strings.Contains(r.body, "（2020年5月）") {
		t.Errorf("May bulletin = %d", r.status)
	}
	for _, p := range []string{"2020-07", "2019-12", "2020-13", "2020-Q2"} {
		if r := f.get(t, "coord", "/bulletin?plan="+f.plan+"&period="+p); r.status != 422 {
			t.Errorf("period %s = %d, want 422", p, r.status)
		}
	}
	if r := f.get(t, "coord", "/bulletin?plan=999"); r.status != 404 {
		t.Errorf("unknown plan = %d", r.status)
	}

	// Who may read it: coordinators and leaders; not reporters; the public
	// is sent to log in.
	for _, who := range []string{"lc", "jy"} {
		if r := f.get(t, who, "/bulletin"); r.status != 403 {
			t.Errorf("%s GET /bulletin = %d, want 403", who, r.status)
		}
		if r := f.get(t, who, "/bulletin.docx"); r.status != 403 {
			t.Errorf("%s GET /bulletin.docx = %d, want 403", who, r.status)
		}
	}
	for _, path := range []string{"/bulletin", "/bulletin.xlsx?plan=" + f.plan, "/bulletin.docx"} {
		r := f.get(t, "", path)
		if r.status != 303 || !strings.HasPrefix(r.header.Get("Location"), "/login?next=") {
			t.Errorf("public GET %s = %d to %q, want a redirect to the login", path, r.status, r.header.Get("Location"))
		}
	}
	// The nav links the bulletin for those who may read it.
	coord := f.loginForm(t, "coord")
	if r := f.do(t, coord.c, "GET", "/", nil, nil); !strings.Contains(r.body, `href="/bulletin"`) {
		t.Error("no bulletin link for a coordinator")
	}
	lc := f.loginForm(t, "lc")
	if r := f.do(t, lc.c, "GET", "/", nil, nil); strings.Contains(r.body, `href="/bulletin"`) {
		t.Error("a reporter is offered the bulletin")
	}
}

func TestBulletinDownloads(t *testing.T) {
	f := bulletinFixture(t)
	title := "《2020年温州市基本公共服务体系建设行动计划》实施情况月度通报（2020年6月）"
	check := func(ext, ctype string) []byte {
		t.Helper()
		r := f.get(t, "boss", "/bulletin"+ext+"?plan="+f.plan+"&period=2020-06")
		if r.status != 200 || r.header.Get("Content-Type") != ctype {
			t.Fatalf("%s = %d %q %.200s", ext, r.status, r.header.Get("Content-Type"), r.body)
		}
		disp, params, err := mime.ParseMediaType(r.header.Get("Content-Disposition"))
		if err != nil || disp != "attachment" || params["filename"] != title+ext {
			t.Errorf("%s Content-Disposition %q: %v %v", ext, r.header.Get("Content-Disposition"), params, err)
		}
		return []byte(r.body)
	}

	data := check(".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	wb, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("xlsx does not open: %v", err)
	}
	defer wb.Close()
	if got := strings.Join(wb.GetSheetList(), "|"); got != "一、总体进展|二、已完成事项|三、滞后事项|四、未按时报送单位" {
		t.Errorf("sheets = %s", got)
	}
	if v, _ := wb.GetCellValue("一、总体进展", "A1"); v != title {
		t.Errorf("A1 = %q", v)
	}
	rows, _ := wb.GetRows("三、滞后事项")
	var lines []string
	for _, r := range rows {
		lines = append(lines, strings.Join(r, "|"))
	}
	order(t, "xlsx", strings.Join(lines, "\n"), "红灯|市教育局|1.2", "红灯|鹿城区|1.6", "黄灯|市教育局|1.3", "黄灯|市人力社保局|6.2")

	data = check(".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("docx is not a zip: %v", err)
	}
	var doc string
	for _, zf := range zr.File {
		if zf.Name == "word/document.xml" {
			rc, _ := zf.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			doc = string(b)
		}
	}
	if !strings.Contains(doc, title) {
		t.Errorf("word/document.xml lacks the title (%d bytes)", len(doc))
	}
	order(t, "docx", doc, "一、总体进展", "二、已完成事项", "三、滞后事项", "（一）红灯事项", "（二）黄灯事项", "四、未按时报送单位")
}

func TestPublicPage(t *testing.T) {
	f := bulletinFixture(t)
	put := func(who, body string) response {
		hdr := map[string]string{"Content-Type": "application/json"}
		if who != "" {
			hdr["Authorization"] = "Bearer " + f.tok[who]
		}
		return f.do(t, nil, "PUT", "/api/v1/plans/"+f.plan+"/published", strings.NewReader(body), hdr)
	}
	// Nothing is public until a coordinator says so.
	r := f.get(t, "", "/public?plan="+f.plan)
	if r.status != 200 || !strings.Contains(r.body, "本计划暂无公开的指标") || strings.Contains(r.body, "新（扩）建幼儿园") {
		t.Fatalf("public page before publishing = %d %.300s", r.status, r.body)
	}
	// Publishing needs a coordinator.
	for who, want := range map[string]int{"": 401, "lc": 403, "jy": 403, "boss": 403, "admin": 403} {
		if r := put(who, `{"targets":["1.1"],"published":true}`); r.status != want {
			t.Errorf("%q publishes = %d, want %d", who, r.status, want)
		}
	}
	for body, want := range map[string]int{
		`{"targets":["1.1","9.9"],"published":true}`: 404,
		`{"targets":["1.m1"],"published":true}`:      404, // a milestone is not a target
		`{"targets":[],"published":true}`:            422,
		`{"targets":["1.1"]}`:                        422,
		`{"targets":["1.1"],"published":true,"x":1}`: 422,
	} {
		if r := put("coord", body); r.status != want {
			t.Errorf("PUT %s = %d, want %d: %s", body, r.status, want, r.body)
		}
	}
	if r := put("coord", `{"targets":["1.3","1.1","6.2"],"published":true}`); r.status != 200 || !strings.Contains(r.body, `"targets":["1.1","1.3","6.2"]`) {
		t.Fatalf("publish = %d %s", r.status, r.body)
	}
	if r := put("coord", `{"targets":["6.2"],"published":false}`); r.status != 200 || !strings.Contains(r.body, `"targets":["1.1","1.3"]`) {
		t.Fatalf("withdraw = %d %s", r.status, r.body)
	}

	// The public page: no login, Chinese first, only what is published.
	r = f.get(t, "", "/public?plan="+f.plan)
	if r.status != 200 {
		t.Fatalf("public page = %d", r.status)
	}
	order(t, "public", r.body, "2020年温州市基本公共服务体系建设行动计划", "温州市发展和改革委员会",
		"加快推进教育现代化工程",
		"新（扩）建幼儿园", "≥ 80 所", "85 所", "106.3%", "50.0%", "已完成：已达到年度目标",
		"小区配套园治理", "25.0%", "黄灯：进度滞后于序时进度",
		"积极提升就业创业服务水平", "本领域暂无公开的指标")
	for _, hidden := range []string{"建成投用公办园", "城镇失业人员再就业", "普惠性幼儿园占比", "鹿城区", "瑞安市", ">jy<", ">lc<", "市教育局"} {
		if strings.Contains(r.body, hidden) {
			t.Errorf("the public page shows %s", hidden)
		}
	}
	if r := f.get(t, "", "/public?plan=999"); r.status != 404 {
		t.Errorf("unknown plan = %d", r.status)
	}
	if r := f.do(t, nil, "GET", "/public", nil, map[string]string{"Cookie": "lang=en"}); !strings.Contains(r.body, "Done: the year") || !strings.Contains(r.body, "新（扩）建幼儿园") {
		t.Error("English public page lacks English labels or the plan's own text")
	}
	if r := f.get(t, "", "/api/v1/plans/"+f.plan+"/published"); r.status != 200 || !strings.Contains(r.body, `["1.1","1.3"]`) {
		t.Errorf("GET published = %d %s", r.status, r.body)
	}
	if r := f.get(t, "", "/"); !strings.Contains(r.body, `href="/public?plan=`+f.plan+`"`) {
		t.Error("the home page does not link the public page")
	}
}

func TestPublishForm(t *testing.T) {
	f := newReportFixture(t)
	path := "/plans/" + f.plan + "/publish"
	form := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	coord := f.loginForm(t, "coord")
	r := f.do(t, coord.c, "GET", path, nil, nil)
	if r.status != 200 || !strings.Contains(r.body, `name="item" value="1.1"`) || strings.Contains(r.body, `value="1.m1"`) {
		t.Fatalf("publish form = %d %.300s", r.status, r.body)
	}
	m := csrfRe.FindStringSubmatch(r.body)
	if m == nil {
		t.Fatal("no CSRF token on the form")
	}
	post := func(s *clientSession, v url.Values) response {
		return f.do(t, s.c, "POST", path, strings.NewReader(v.Encode()), form)
	}
	// Without the token: refused, nothing published.
	if r := post(coord, url.Values{"item": {"1.1"}}); r.status != 403 {
		t.Errorf("POST without CSRF = %d, want 403", r.status)
	}
	if r := post(coord, url.Values{"csrf": {strings.Repeat("x", 43)}, "item": {"1.1"}}); r.status != 403 {
		t.Errorf("POST with a forged token = %d, want 403", r.status)
	}
	if r := f.get(t, "", "/api/v1/plans/"+f.plan+"/published"); !strings.Contains(r.body, `"targets":[]`) {
		t.Errorf("refused forms published something: %s", r.body)
	}
	// Ticked boxes are published, unticked ones withdrawn.
	if r := post(coord, url.Values{"csrf": {m[1]}, "item": {"1.1", "6.1"}}); r.status != 303 || !strings.HasSuffix(r.header.Get("Location"), "/publish?saved=1") {
		t.Fatalf("POST = %d %q %.300s", r.status, r.header.Get("Location"), r.body)
	}
	if r := post(coord, url.Values{"csrf": {m[1]}, "item": {"6.1", "2.1"}}); r.status != 303 {
		t.Fatalf("second POST = %d", r.status)
	}
	if r := f.get(t, "", "/api/v1/plans/"+f.plan+"/published"); !strings.Contains(r.body, `"targets":["2.1","6.1"]`) {
		t.Errorf("published after the form = %s", r.body)
	}
	r = f.do(t, coord.c, "GET", path+"?saved=1", nil, nil)
	if !strings.Contains(r.body, `value="6.1" checked`) || strings.Contains(r.body, `value="1.1" checked`) || !strings.Contains(r.body, "当前公开 2 项") {
		t.Errorf("form after saving does not show the choice")
	}
	if r := post(coord, url.Values{"csrf": {m[1]}, "item": {"9.9"}}); r.status != 404 {
		t.Errorf("unknown target = %d", r.status)
	}
	// Only coordinators: a leader with a valid form is refused, the public
	// is sent to log in.
	boss := f.loginForm(t, "boss")
	if r := f.do(t, boss.c, "GET", path, nil, nil); r.status != 403 {
		t.Errorf("leader GET = %d, want 403", r.status)
	}
	if r := post(boss, url.Values{"csrf": {boss.csrf}, "item": {"1.1"}}); r.status != 403 {
		t.Errorf("leader POST = %d, want 403", r.status)
	}
	if r := f.get(t, "", path); r.status != 303 {
		t.Errorf("public GET = %d, want a redirect to the login", r.status)
	}
	// The plan page links the form for coordinators only.
	if r := f.do(t, coord.c, "GET", "/plans/"+f.plan, nil, nil); !strings.Contains(r.body, `href="`+path+`"`) {
		t.Error("no publish link for the coordinator")
	}
	if r := f.do(t, boss.c, "GET", "/plans/"+f.plan, nil, nil); strings.Contains(r.body, `href="`+path+`"`) {
		t.Error("a leader is offered the publish form")
	}
}

// TestBulletinQuarterly: a plan reported quarterly is reported on by
// quarter; on 10 July the second quarter is the latest due.
func TestBulletinQuarterly(t *testing.T) {
	f := newReportFixture(t)
	hdr := map[string]string{"Content-Type": "application/json", "Authorization": "Bearer " + f.tok["coord"]}
	if r := f.do(t, nil, "PUT", "/api/v1/plans/"+f.plan+"/settings", strings.NewReader(`{"frequency":"quarter"}`), hdr); r.status != 200 {
		t.Fatalf("settings = %d %s", r.status, r.body)
	}
	if r := f.get(t, "coord", "/bulletin"); r.status != 200 || !strings.Contains(r.body, "实施情况季度通报（2020年第2季度）") || !strings.Contains(r.body, `<option value="2020-Q1">`) {
		t.Errorf("quarterly bulletin = %d %.300s", r.status, r.body)
	}
	if r := f.get(t, "coord", "/bulletin?period=2020-06"); r.status != 422 || !strings.Contains(r.body, "季度") {
		t.Errorf("a month on a quarterly plan = %d", r.status)
	}
}
