package http_test

// Stored XSS: hostile text put in every free-text field a user can fill —
// a report's note and reason, a reviewer's comment, a reopening's reason,
// a 督办单's text, answer and closing comment, an explanation — in the
// names of uploaded files (attachments, a spreadsheet, a plan document)
// and in the names a plan brings (its title, a unit), then every page of
// every route read by every account: the text is shown, escaped, and
// nowhere raw.

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"mime/multipart"
	"net/url"
	"strings"
	"testing"

	"gongfu"
)

// xss are the hostile texts, by where they are put. None holds a slash
// (a file name keeps what follows the last one) or a run of digits (lists
// mask phone and ID numbers).
var xss = map[string]string{
	"note":        `<script>alert("x-note")</script>`,
	"reason":      `"><img src=x onerror=alert('x-reason')>`,
	"comment":     `<svg onload=alert('x-comment')>`,
	"reopen":      `<iframe src=javascript:alert('x-reopen')>`,
	"answer":      `<body onload=alert('x-answer')>`,
	"closing":     `<a href=javascript:alert('x-close')>x`,
	"supervision": `<script>alert('x-sv')</script>`,
	"explanation": `<img src=x onerror=alert('x-explain')>`,
	"pdf name":    `<img src=x onerror=alert('x-pdf')>.pdf`,
	"text name":   `" autofocus onfocus="alert('x-txt')" x=".txt`,
	"plan title":  `<script>alert('x-plan')</script>行动计划`,
	"unit":        `<b onmouseover=alert('x-unit')>局`,
}

// raw are texts that are hostile only where they are sent (file names of
// refused uploads): they must not come back raw, and need not be stored.
var raw = map[string]string{
	"sheet name": `<img src=x onerror=alert('x-sheet')>.xlsx`,
	"docx name":  `<svg onload=alert('x-docx')>.docx`,
}

func TestStoredXSSEveryPage(t *testing.T) {
	s := newSweep(t)
	ctx := gongfu.WithActor(context.Background(), &gongfu.User{Name: "fixture"})
	rep := "/api/v1/plans/1/reports/1.1/" + s.lc + "/2020-05"
	api := func(who, method, path, body string, want int) {
		t.Helper()
		hdr := bearer(s.tok[who])
		hdr["Content-Type"] = "application/json"
		if r := s.do(t, nil, method, path, strings.NewReader(body), hdr); r.status != want {
			t.Fatalf("%s %s as %s: %d, want %d: %s", method, path, who, r.status, want, r.body)
		}
	}
	str := func(v string) string { b, _ := json.Marshal(v); return string(b) }

	// The report cycle: note and reason, returned with a comment,
	// approved, reopened with a reason.
	api("lc", "PUT", rep, `{"value": 2, "note": `+str(xss["note"])+`, "reason": `+str(xss["reason"])+`}`, 200)
	api("lc", "POST", rep+"/submit", ``, 200)
	api("coord", "POST", rep+"/return", `{"comment": `+str(xss["comment"])+`}`, 200)
	api("lc", "POST", rep+"/submit", ``, 200)
	api("coord", "POST", rep+"/approve", ``, 200)
	api("coord", "POST", rep+"/reopen", `{"reason": `+str(xss["reopen"])+`}`, 200)
	// Evidence under hostile names.
	for _, f := range []struct{ name, data string }{{xss["pdf name"], "%PDF-1.4 x"}, {xss["text name"], "证明材料"}} {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile("file", f.name)
		fw.Write([]byte(f.data))
		mw.Close()
		hdr := bearer(s.tok["lc"])
		hdr["Content-Type"] = mw.FormDataContentType()
		if r := s.do(t, nil, "POST", rep+"/attachments", &buf, hdr); r.status != 201 {
			t.Fatalf("attach %q: %d %s", f.name, r.status, r.body)
		}
	}
	// A 督办单 answered and closed; another issued; an explanation.
	api("lc", "POST", "/api/v1/supervisions/"+s.sv+"/answer", `{"answer": `+str(xss["answer"])+`}`, 200)
	api("coord", "POST", "/api/v1/supervisions/"+s.sv+"/close", `{"comment": `+str(xss["closing"])+`}`, 200)
	sv := &gongfu.Supervision{PlanID: 1, ItemID: "1.1", OrgID: mustID(t, s.lc), Period: "2020-05", Light: "red",
		Text: xss["supervision"], Deadline: "2020-07-31"}
	if err := s.db.CreateSupervision(ctx, sv); err != nil {
		t.Fatal(err)
	}
	api("lc", "PUT", "/api/v1/plans/1/explanations/1.1/"+s.lc+"/2020-05", `{"text": `+str(xss["explanation"])+`}`, 200)
	// A plan whose title and unit are hostile, as a document could make them.
	p := &gongfu.Plan{Title: xss["plan title"], Year: 2020, Issuer: "x", Domains: []gongfu.Domain{{
		No: 1, Title: "领域", Units: []string{xss["unit"]},
		Tasks: []gongfu.Task{{No: 1, Title: "任务", Units: []string{xss["unit"]}, Targets: []gongfu.Target{{
			ID: "1.1", Name: "指标", Kind: gongfu.KindIncrement, Op: gongfu.OpAtLeast, Value: 1, Unit: "个", Source: "新建1个"}},
			Milestones: []gongfu.Milestone{}}},
	}}}
	if _, err := s.db.ImportPlan(ctx, p, []*gongfu.Org{{Name: xss["unit"], Kind: gongfu.OrgDepartment, Path: xss["unit"]}}); err != nil {
		t.Fatal(err)
	}

	// Refused uploads under hostile names: the answer names the problem,
	// never the raw name.
	lc := s.browser["lc"]
	coord := s.browser["coord"]
	for _, u := range []struct {
		b          *clientSession
		path, name string
		data       []byte
		fields     url.Values
	}{
		{lc, "/report/upload", raw["sheet name"], []byte("not a workbook"), url.Values{"plan": {"1"}, "period": {"2020-05"}}},
		{coord, "/import", raw["docx name"], []byte("not a zip"), url.Values{}},
		{lc, "/report/1/1.1/" + s.lc + "/2020-05/attachments", xss["pdf name"], append([]byte("MZ\x90\x00"), make([]byte, 64)...), url.Values{}},
	} {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		u.fields.Set("csrf", u.b.csrf)
		for k, v := range u.fields {
			mw.WriteField(k, v[0])
		}
		fw, _ := mw.CreateFormFile("file", u.name)
		fw.Write(u.data)
		mw.Close()
		r := s.do(t, u.b.c, "POST", u.path, &buf, map[string]string{"Content-Type": mw.FormDataContentType()})
		if r.status < 400 {
			t.Errorf("upload of %q to %s: %d, want it refused", u.name, u.path, r.status)
		}
		noRaw(t, "POST "+u.path, r.body)
	}
	for _, name := range []string{raw["docx name"], xss["text name"]} {
		hdr := bearer(s.tok["coord"])
		hdr["Content-Type"] = "application/octet-stream"
		r := s.do(t, nil, "POST", "/api/v1/plans?name="+url.QueryEscape(name), strings.NewReader("not a plan"), hdr)
		if r.status != 422 || strings.Contains(r.body, "<") {
			t.Errorf("API import of %q: %d %s, want 422 with the name JSON-escaped", name, r.status, r.body)
		}
	}

	// Every page of every route, as everyone, for both plans.
	shown := map[string]bool{}
	pages := 0
	for _, r := range allRoutes(t) {
		if r.method != "GET" || r.api() || strings.HasSuffix(r.path, ".xlsx") || strings.HasSuffix(r.path, ".docx") ||
			strings.HasPrefix(r.path, "/static/") || strings.HasPrefix(r.path, "/lang/") || r.path == "/metrics" || r.path == "/healthz" {
			continue
		}
		for _, q := range []string{"", "?plan=1&period=2020-05", "?plan=2&period=2020-05&org=" + s.lc + "&done=1&after=0"} {
			path := s.fill(r, nil) + q
			if q == "?plan=2&period=2020-05&org="+s.lc+"&done=1&after=0" && strings.Contains(r.path, "{") {
				path = strings.Replace(s.fill(r, nil), "/plans/1", "/plans/2", 1) + q
			}
			for _, who := range append(append([]string{}, s.users...), "") {
				var resp response
				if who == "" {
					resp = s.do(t, nil, "GET", path, nil, nil)
				} else {
					resp = s.do(t, s.browser[who].c, "GET", path, nil, nil)
				}
				pages++
				noRaw(t, "GET "+path+" as "+who, resp.body)
				for k, v := range xss {
					if strings.Contains(resp.body, html.EscapeString(v)) {
						shown[k] = true
					}
				}
			}
		}
	}
	for k := range xss {
		if !shown[k] {
			t.Errorf("the %s was shown on no page: the sweep proves nothing for it", k)
		}
	}
	t.Logf("%d pages read", pages)
}

// noRaw fails t when body holds one of the hostile texts unescaped.
func noRaw(t *testing.T, what, body string) {
	t.Helper()
	for _, set := range []map[string]string{xss, raw} {
		for k, v := range set {
			// The name of a file keeps its extension; its hostile part
			// is what precedes it.
			bad := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(v, ".pdf"), ".txt"), ".xlsx"), ".docx")
			if strings.Contains(body, bad) {
				t.Errorf("%s shows the %s unescaped", what, k)
			}
		}
	}
}
