package http_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

func TestMissingAndReminders(t *testing.T) {
	f := newReportFixture(t)
	var mu sync.Mutex
	var got []map[string]any
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m map[string]any
		json.NewDecoder(r.Body).Decode(&m)
		mu.Lock()
		got = append(got, m)
		mu.Unlock()
		w.Write([]byte(`{"errcode":0}`))
	}))
	defer hook.Close()
	f.Webhook = hook.URL
	auth := func(who string) map[string]string {
		return map[string]string{"Authorization": "Bearer " + f.tok[who], "Content-Type": "application/json"}
	}
	// 鹿城区 reports one target and submits it; everything else is missing.
	f.put(t, "lc", "1.1", f.lc, "2020-05", `{"value": 3, "submit": true}`)
	f.put(t, "lc", "1.2", f.lc, "2020-05", `{"value": 3}`) // a draft does not count
	r := f.do(t, nil, "GET", "/api/v1/plans/"+f.plan+"/missing?period=2020-05", nil, auth("boss"))
	var missing []struct {
		OrgID int64 `json:"org_id"`
		Name  string
		Items []string
	}
	if err := json.Unmarshal([]byte(r.body), &missing); err != nil || r.status != 200 {
		t.Fatalf("missing = %d %s", r.status, r.body)
	}
	counts := map[string]int{}
	for _, m := range missing {
		counts[m.Name] = len(m.Items)
	}
	if counts["瑞安市"] == 0 || counts["鹿城区"] != counts["瑞安市"]-1 || counts["市教育局"] == 0 {
		t.Errorf("missing counts = %v", counts)
	}
	for _, who := range []string{"lc", "jy", ""} {
		h := auth(who)
		if who == "" {
			h = nil
		}
		if r := f.do(t, nil, "GET", "/api/v1/plans/"+f.plan+"/missing?period=2020-05", nil, h); r.status != 403 && r.status != 401 {
			t.Errorf("%q reads the missing list: %d", who, r.status)
		}
	}
	if r := f.do(t, nil, "POST", "/api/v1/plans/"+f.plan+"/reminders", strings.NewReader(`{"period":"2020-05"}`), auth("boss")); r.status != 403 {
		t.Errorf("leader sends reminders: %d, want 403", r.status)
	}
	r = f.do(t, nil, "POST", "/api/v1/plans/"+f.plan+"/reminders", strings.NewReader(`{"period":"2020-05"}`), auth("coord"))
	if r.status != 200 || !strings.Contains(r.body, `"webhook":"sent"`) {
		t.Fatalf("reminders = %d %s", r.status, r.body)
	}
	mu.Lock()
	if len(got) != 1 || got[0]["msgtype"] != "text" || !strings.Contains(got[0]["text"].(map[string]any)["content"].(string), "瑞安市") {
		t.Errorf("webhook got %v", got)
	}
	mu.Unlock()
	r = f.do(t, nil, "GET", "/api/v1/notices", nil, auth("lc"))
	if r.status != 200 || !strings.Contains(r.body, "催报") || !strings.Contains(r.body, "2020年6月5日") {
		t.Errorf("lc's notices = %d %s", r.status, r.body)
	}
	r = f.do(t, nil, "GET", "/api/v1/notices", nil, auth("jy"))
	if !strings.Contains(r.body, "1.m") {
		t.Errorf("the education bureau's reminder names no milestone: %s", r.body)
	}
}

func (f *reportFixture) attach(t *testing.T, who, item, org, name string, data []byte) response {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(data)
	mw.Close()
	return f.do(t, nil, "POST", "/api/v1/plans/"+f.plan+"/reports/"+item+"/"+org+"/2020-05/attachments", &buf,
		map[string]string{"Content-Type": mw.FormDataContentType(), "Authorization": "Bearer " + f.tok[who]})
}

func TestAttachments(t *testing.T) {
	f := newReportFixture(t)
	f.addUser(t, "ra", "reporter", "瑞安市")
	f.tok["ra"] = f.token(t, "ra")
	pdf := []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF")
	if r := f.attach(t, "lc", "1.1", f.lc, "验收.pdf", pdf); r.status != 404 {
		t.Errorf("attachment before the report = %d, want 404", r.status)
	}
	f.put(t, "lc", "1.1", f.lc, "2020-05", `{"value": 3}`)
	r := f.attach(t, "lc", "1.1", f.lc, `..\..\验收"<x>.pdf`, pdf)
	if r.status != 201 {
		t.Fatalf("pdf = %d %s", r.status, r.body)
	}
	var a struct {
		ID   int64
		Name string
	}
	json.Unmarshal([]byte(r.body), &a)
	for _, c := range []struct {
		name string
		data []byte
		want int
	}{
		{"run.exe", append([]byte("MZ\x90\x00"), make([]byte, 64)...), 422},
		{"page.pdf", []byte("<html><script>alert(1)</script></html>"), 422}, // named pdf, is HTML
		{"big.pdf", append([]byte("%PDF-1.4"), make([]byte, 11<<20)...), 413},
		{"empty.txt", nil, 422},
	} {
		if r := f.attach(t, "lc", "1.1", f.lc, c.name, c.data); r.status != c.want {
			t.Errorf("%s = %d %.200s, want %d", c.name, r.status, r.body, c.want)
		}
	}
	if r := f.attach(t, "ra", "1.1", f.lc, "x.pdf", pdf); r.status != 403 {
		t.Errorf("another county attaches = %d, want 403", r.status)
	}
	get := func(who string) *http.Response {
		req, _ := http.NewRequest("GET", f.base+"/api/v1/attachments/"+itoa(a.ID), nil)
		req.Header.Set("Authorization", "Bearer "+f.tok[who])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	resp := get("lc")
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Equal(body, pdf) || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") ||
		resp.Header.Get("Content-Type") != "application/pdf" {
		t.Errorf("download = %d %q %q", resp.StatusCode, resp.Header.Get("Content-Disposition"), resp.Header.Get("Content-Type"))
	}
	if resp := get("ra"); resp.StatusCode != 404 {
		t.Errorf("another county downloads = %d, want 404", resp.StatusCode)
	}
	if resp := get("coord"); resp.StatusCode != 200 {
		t.Errorf("coordinator downloads = %d", resp.StatusCode)
	}
}

func TestEditUnits(t *testing.T) {
	f := newReportFixture(t)
	r := f.do(t, nil, "GET", "/api/v1/orgs?kind=department", nil, nil)
	var orgs []struct {
		ID   int64
		Name string
	}
	json.Unmarshal([]byte(r.body), &orgs)
	ids := map[string]int64{}
	for _, o := range orgs {
		ids[o.Name] = o.ID
	}
	body := `{"lead": ` + itoa(ids["市民政局"]) + `, "co": [` + itoa(ids["市财政局"]) + `]}`
	hdr := func(who string) map[string]string {
		return map[string]string{"Content-Type": "application/json", "Authorization": "Bearer " + f.tok[who]}
	}
	if r := f.do(t, nil, "PUT", "/api/v1/plans/"+f.plan+"/units/1.1", strings.NewReader(body), hdr("jy")); r.status != 403 {
		t.Errorf("reporter edits units = %d", r.status)
	}
	if r := f.do(t, nil, "PUT", "/api/v1/plans/"+f.plan+"/units/1.1", strings.NewReader(body), hdr("coord")); r.status != 200 {
		t.Fatalf("coordinator edits units = %d %s", r.status, r.body)
	}
	// Responsibility moved: 市民政局 may now report 1.1, 市教育局 may not.
	if r := f.put(t, "mz", "1.1", f.city, "2020-05", `{"value": 2}`); r.status != 200 {
		t.Errorf("new lead reports = %d", r.status)
	}
	if r := f.put(t, "jy", "1.1", f.city, "2020-05", `{"value": 2}`); r.status != 403 {
		t.Errorf("former lead reports = %d, want 403", r.status)
	}
}
