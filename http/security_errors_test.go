package http_test

// Error answers: a failing store and a panicking handler answer with a
// plain message, never SQL or a stack trace (the log has the detail, under
// the request's id); bodies over their limit are 413; another org's data
// is 403 or 404 and says no more about it than a made-up id would.

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"gongfu"
	gongfuhttp "gongfu/http"
)

// TestErrorBodiesHideInternals: with the database gone from under the
// server, every route answers, to a visitor, a token and a browser, with
// no database error or stack trace in its body; a handler that panics
// answers 500 "内部错误" without the panic's text, and the log has it
// under the request's id.
func TestErrorBodiesHideInternals(t *testing.T) {
	s := newSweep(t)
	routes := allRoutes(t)
	s.db.Close()
	fives := 0
	for _, r := range routes {
		method := r.method
		if method == "" {
			method = "POST"
		}
		path := s.fill(r, nil)
		for _, who := range []string{"", "coord", "lc"} {
			hdr := map[string]string{}
			var body *strings.Reader
			if r.unsafe() {
				body = strings.NewReader(`{}`)
				hdr["Content-Type"] = "application/json"
			}
			c := s.browser["coord"].c
			switch {
			case who == "":
				c = nil
			case r.api():
				c, hdr["Authorization"] = nil, "Bearer "+s.tok[who]
			default:
				c = s.browser[who].c
			}
			var resp response
			if body != nil {
				resp = s.do(t, c, method, path, body, hdr)
			} else {
				resp = s.do(t, c, method, path, nil, hdr)
			}
			if internals.MatchString(resp.body) || strings.Contains(resp.body, "closed") {
				t.Errorf("%s %s as %q: %d shows internals: %.300s", method, path, who, resp.status, resp.body)
			}
			if resp.status == 500 {
				fives++
				if !strings.Contains(resp.body, "内部错误") && !strings.Contains(resp.body, `"code":"internal"`) {
					t.Errorf("%s %s as %q: 500 without the internal-error message: %.300s", method, path, who, resp.body)
				}
			}
		}
	}
	if fives < len(routes) {
		t.Errorf("only %d answers of 500 with the store closed; did the store fail at all?", fives)
	}
	if len(s.logs.errors(t)) == 0 {
		t.Errorf("nothing logged as an error with the store closed")
	}

	// A handler that panics.
	ts, logs, _ := newLoggedServer(t, func(srv *gongfuhttp.Server) {
		srv.Extract = func(string, []byte) (*gongfu.Plan, []string, error) {
			panic("boom at 0xc000012345: secret internals")
		}
	})
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "p.txt")
	fw.Write([]byte("计划"))
	mw.Close()
	hdr := bearer(ts.token(t, "coord"))
	hdr["Content-Type"] = mw.FormDataContentType()
	resp := ts.do(t, nil, "POST", "/api/v1/plans", &buf, hdr)
	if resp.status != 500 || strings.Contains(resp.body, "boom") || strings.Contains(resp.body, "secret") || internals.MatchString(resp.body) {
		t.Errorf("panic answered %d %q", resp.status, resp.body)
	}
	checkSecurityHeaders(t, "the panic's answer", resp)
	if l := logs.line(t, ridOf(t, resp), "panic"); l == nil || !strings.Contains(l["panic"].(string), "boom") {
		t.Errorf("the panic's log line %v", l)
	}
}

// TestOversizedBodies413: every state-changing route answers a body over
// its limit with 413 — MaxBodyBytes for JSON and forms, more for uploads,
// and above the largest upload for any route, whatever it reads — as the
// account the route serves, and stores nothing.
func TestOversizedBodies413(t *testing.T) {
	s := newSweep(t)
	big := func(n int) string { return strings.Repeat("长", n/3+1) }
	n := 0
	for _, r := range allRoutes(t) {
		if !r.unsafe() {
			continue
		}
		method := r.method
		if method == "" {
			method = "POST"
		}
		path := s.fill(r, nil)
		// send sends a body of at least size bytes as user: JSON to the
		// API, a form (with its CSRF token) to a page.
		send := func(user string, size int) response {
			t.Helper()
			if r.api() {
				hdr := bearer(s.tok[user])
				hdr["Content-Type"] = "application/json"
				b, _ := json.Marshal(map[string]string{"note": big(size)})
				return s.do(t, nil, method, path, bytes.NewReader(b), hdr)
			}
			b := s.browser[user]
			v := url.Values{"csrf": {b.csrf}, "note": {big(size)}}
			return s.do(t, b.c, method, path, strings.NewReader(v.Encode()), formCT)
		}
		// The account the route serves: the first not refused.
		user, small := "", response{}
		for _, u := range s.users {
			resp := send(u, 10)
			if resp.status != 401 && resp.status != 403 {
				user, small = u, resp
				break
			}
		}
		if user == "" {
			user = "coord"
			small = send(user, 10)
		}
		refusedAsForged := func(r response) bool {
			return r.status == 403 && (strings.Contains(r.body, csrfRefusal) || strings.Contains(r.body, apiCSRFRefusal))
		}
		if path == "/logout" || r.pattern() == "DELETE /api/v1/session" {
			s.browser[user], s.tok[user] = s.login(t, user), s.token(t, user)
		}
		before := s.head(t)
		resp := send(user, gongfuhttp.MaxBodyBytes+1)
		if refusedAsForged(resp) && !refusedAsForged(small) {
			t.Errorf("%s: a form over its limit is refused as a forged one (403), not as too large (413)", r.pattern())
		}
		if resp.status != 413 {
			// A route that takes more (an upload) or reads no body: the
			// most any route takes is a plan document and its form.
			before = s.head(t)
			resp = send(user, gongfuhttp.MaxUploadBytes+128<<10)
		}
		n++
		if resp.status != 413 {
			t.Errorf("%s as %s with a body over the limit: %d %.200s, want 413", r.pattern(), user, resp.status, resp.body)
		}
		if r.api() && !strings.Contains(resp.body, `"code":"too_large"`) {
			t.Errorf("%s: the 413 is not the API's JSON error: %.200s", r.pattern(), resp.body)
		}
		if after := s.head(t); after != before {
			t.Errorf("%s: an oversized body changed the store", r.pattern())
		}
		if path == "/logout" || r.pattern() == "DELETE /api/v1/session" {
			s.browser[user], s.tok[user] = s.login(t, user), s.token(t, user)
		}
	}
	t.Logf("%d routes", n)
}

// TestOtherOrgsNoExistenceLeak: a reporter who guesses the ids of another
// county's report, attachment, supervision notice or pages gets the same
// answer whether the thing exists or not (403 or 404, the same body), so
// the answer tells nothing about another county's data.
func TestOtherOrgsNoExistenceLeak(t *testing.T) {
	s := newSweep(t)
	ctx := gongfu.WithActor(t.Context(), &gongfu.User{Name: "fixture"})
	ra := mustID(t, s.ra)
	// 瑞安市 has a report for 2020-05 with an attachment and a notice; none
	// for 2020-04.
	v := 9.0
	k := gongfu.ReportKey{PlanID: 1, ItemID: "1.1", OrgID: ra, Period: "2020-05"}
	if err := s.db.SaveReport(ctx, &gongfu.Report{ReportKey: k, Value: &v}, -1); err != nil {
		t.Fatal(err)
	}
	a := &gongfu.Attachment{Key: k, Name: "瑞安.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.4 y")}
	if err := s.db.AddAttachment(ctx, a); err != nil {
		t.Fatal(err)
	}
	sv := &gongfu.Supervision{PlanID: 1, ItemID: "1.1", OrgID: ra, Period: "2020-05", Light: "red", Text: "瑞安", Deadline: "2020-07-31"}
	if err := s.db.CreateSupervision(ctx, sv); err != nil {
		t.Fatal(err)
	}
	ridRe := regexp.MustCompile(`[0-9a-f]{16}`)
	same := func(what string, exists, missing response) {
		t.Helper()
		if exists.status != 403 && exists.status != 404 {
			t.Errorf("%s: another county's = %d, want 403 or 404", what, exists.status)
		}
		if exists.status != missing.status || ridRe.ReplaceAllString(exists.body, "") != ridRe.ReplaceAllString(missing.body, "") {
			t.Errorf("%s: existing %d %.200s\nmissing %d %.200s", what, exists.status, exists.body, missing.status, missing.body)
		}
	}
	tok := bearer(s.tok["lc"])
	b := s.browser["lc"].c
	get := func(c bool, path string) response {
		if c {
			return s.do(t, b, "GET", path, nil, nil)
		}
		return s.do(t, nil, "GET", path, nil, tok)
	}
	rep := func(per string) string { return "/api/v1/plans/1/reports/1.1/" + s.ra + "/" + per }
	same("a report", get(false, rep("2020-05")), get(false, rep("2020-04")))
	same("a report's attachments", get(false, rep("2020-05")+"/attachments"), get(false, rep("2020-04")+"/attachments"))
	same("an attachment", get(false, "/api/v1/attachments/"+itoa(a.ID)), get(false, "/api/v1/attachments/"+itoa(a.ID+1000)))
	same("the entry form", get(true, "/report/1/1.1/"+s.ra+"/2020-05"), get(true, "/report/1/1.1/"+s.ra+"/2020-04"))
	same("the report page", get(true, "/dash/report/1/1.1/"+s.ra+"/2020-05"), get(true, "/dash/report/1/1.1/"+s.ra+"/2020-04"))
	post := func(path, body string) response {
		hdr := bearer(s.tok["lc"])
		hdr["Content-Type"] = "application/json"
		return s.do(t, nil, "POST", path, strings.NewReader(body), hdr)
	}
	// Answering another county's notice gets the 404 of a made-up one.
	same("answering a notice", post("/api/v1/supervisions/"+itoa(sv.ID)+"/answer", `{"answer":"x"}`), post("/api/v1/supervisions/999999/answer", `{"answer":"x"}`))
	same("submitting a report", post(rep("2020-05")+"/submit", ``), post(rep("2020-04")+"/submit", ``))
	// The list of reports names none of 瑞安市's.
	if r := get(false, "/api/v1/plans/1/reports?period=2020-05"); strings.Contains(r.body, `"org_id":`+s.ra) {
		t.Errorf("the reporter's list shows another county's report")
	}
}

// zipBomb is a zip whose one part, name, inflates to size bytes of zeros
// from a few hundred kilobytes, its header honest about both.
func zipBomb(t *testing.T, name string, size int) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 1<<20)
	for n := 0; n < size; n += len(chunk) {
		w.Write(chunk)
	}
	zw.Close()
	return buf.Bytes()
}

// TestUploadBombsAndTypes: through the web and the API, a decompression
// bomb is refused as too large (413) — a plan .docx, a report template
// .xlsx — after inflating no more than the limit; an attachment's type is
// judged by its content, not its name (HTML named .pdf, a program named
// .docx: 422; an SVG named .png is text, and served as such); a file over
// its size limit is 413. Nothing refused is stored.
func TestUploadBombsAndTypes(t *testing.T) {
	s := newSweep(t)
	before := s.head(t)
	post := func(who, path, field, name string, data []byte, fields url.Values) response {
		t.Helper()
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		hdr := map[string]string{}
		c := s.browser[who].c
		if strings.HasPrefix(path, "/api/") {
			hdr["Authorization"], c = "Bearer "+s.tok[who], nil
		} else {
			fields.Set("csrf", s.browser[who].csrf)
		}
		for k, v := range fields {
			mw.WriteField(k, v[0])
		}
		fw, _ := mw.CreateFormFile(field, name)
		fw.Write(data)
		mw.Close()
		hdr["Content-Type"] = mw.FormDataContentType()
		return s.do(t, c, "POST", path, &buf, hdr)
	}
	docx := zipBomb(t, "word/document.xml", 200<<20)
	xlsx := zipBomb(t, "xl/worksheets/sheet1.xml", 200<<20)
	if len(docx) > 1<<20 || len(xlsx) > 1<<20 {
		t.Fatalf("bombs of %d and %d bytes: not bombs", len(docx), len(xlsx))
	}
	rep := "/api/v1/plans/1/reports/1.1/" + s.lc + "/2020-05/attachments"
	for _, tc := range []struct {
		what, who, path, name string
		data                  []byte
		fields                url.Values
		status                int
	}{
		{"a .docx bomb to the API", "coord", "/api/v1/plans", "plan.docx", docx, url.Values{}, 413},
		{"a .docx bomb to the import form", "coord", "/import", "plan.docx", docx, url.Values{}, 413},
		{"an .xlsx bomb to the upload form", "lc", "/report/upload", "t.xlsx", xlsx, url.Values{"plan": {"1"}, "period": {"2020-05"}}, 413},
		{"a template over 10 MB", "lc", "/report/upload", "t.xlsx", make([]byte, 11<<20), url.Values{"plan": {"1"}, "period": {"2020-05"}}, 413},
		{"a plan over 20 MB", "coord", "/api/v1/plans", "p.txt", bytes.Repeat([]byte("一"), 7<<20), url.Values{}, 413},
		{"an attachment over 10 MB", "lc", rep, "a.pdf", append([]byte("%PDF-1.4"), make([]byte, 10<<20)...), url.Values{}, 413},
		{"HTML named .pdf", "lc", rep, "a.pdf", []byte("<html><script>alert(1)</script></html>"), url.Values{}, 422},
		{"a program named .docx", "lc", rep, "a.docx", append([]byte("MZ\x90\x00"), make([]byte, 64)...), url.Values{}, 422},
		{"a zip named .docx that is a bomb", "lc", rep, "a.exe", docx, url.Values{}, 422},
	} {
		r := post(tc.who, tc.path, "file", tc.name, tc.data, tc.fields)
		if r.status != tc.status {
			t.Errorf("%s: %d %.300s, want %d", tc.what, r.status, r.body, tc.status)
		}
	}
	if after := s.head(t); after != before {
		t.Errorf("refused uploads changed the store (audit head %d → %d)", before, after)
	}
	// An SVG with a script, named .png, is text by its content: kept and
	// served as text/plain, as a download, never as an image a browser
	// would run.
	r := post("lc", rep, "file", "a.png", []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`), url.Values{})
	var a struct {
		ID          int64
		ContentType string `json:"content_type"`
	}
	if err := json.Unmarshal([]byte(r.body), &a); r.status != 201 || err != nil || a.ContentType != "text/plain; charset=utf-8" {
		t.Fatalf("SVG named .png: %d %s", r.status, r.body)
	}
	d := s.do(t, nil, "GET", "/api/v1/attachments/"+itoa(a.ID), nil, bearer(s.tok["lc"]))
	if d.header.Get("Content-Type") != "text/plain; charset=utf-8" || !strings.HasPrefix(d.header.Get("Content-Disposition"), "attachment") ||
		d.header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("the SVG is served as %q, %q", d.header.Get("Content-Type"), d.header.Get("Content-Disposition"))
	}
}
