package http_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"gongfu"
	"gongfu/xlsx"
)

// postFile posts a multipart form with fields and one file, as a browser
// submits an upload form.
func (f *reportFixture) postFile(t *testing.T, c *clientSession, path string, fields map[string]string, name string, data []byte) response {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(data)
	mw.Close()
	return f.do(t, c.c, "POST", path, &buf, map[string]string{"Content-Type": mw.FormDataContentType()})
}

// openXLSX opens a downloaded workbook, failing the test when it is not one.
func openXLSX(t *testing.T, r response) *excelize.File {
	t.Helper()
	if r.status != 200 {
		t.Fatalf("download = %d %.300s", r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
		t.Errorf("Content-Type = %q", ct)
	}
	if cd := r.header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, "filename*=utf-8''") {
		t.Errorf("Content-Disposition = %q, want an attachment with a UTF-8 file name", cd)
	}
	wb, err := excelize.OpenReader(strings.NewReader(r.body))
	if err != nil {
		t.Fatalf("not a workbook: %v", err)
	}
	t.Cleanup(func() { wb.Close() })
	return wb
}

// templateRows maps the item ids of a report template to their rows.
func templateRows(t *testing.T, wb *excelize.File) map[string]int {
	t.Helper()
	rows, err := wb.GetRows(xlsx.TemplateSheet)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for i, r := range rows[1:] {
		if len(r) > 0 {
			out[r[0]] = i + 2
		}
	}
	return out
}

// fillTemplate sets cells ("F" of item "1.1" → value) and returns the
// workbook's bytes.
func fillTemplate(t *testing.T, wb *excelize.File, cells map[[2]string]any) []byte {
	t.Helper()
	rows := templateRows(t, wb)
	for k, v := range cells {
		row, ok := rows[k[0]]
		if !ok {
			t.Fatalf("the template has no item %s", k[0])
		}
		if err := wb.SetCellValue(xlsx.TemplateSheet, fmt.Sprintf("%s%d", k[1], row), v); err != nil {
			t.Fatal(err)
		}
	}
	buf, err := wb.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// apiReports returns who's reports of org for 2020-05 by item, through the
// JSON API.
func (f *reportFixture) apiReports(t *testing.T, who, org string) map[string]*gongfu.Report {
	t.Helper()
	r := f.do(t, nil, "GET", "/api/v1/plans/"+f.plan+"/reports?period=2020-05&org="+org, nil,
		map[string]string{"Authorization": "Bearer " + f.tok[who]})
	var reps []*gongfu.Report
	if err := json.Unmarshal([]byte(r.body), &reps); err != nil || r.status != 200 {
		t.Fatalf("reports = %d %s", r.status, r.body)
	}
	out := map[string]*gongfu.Report{}
	for _, rep := range reps {
		out[rep.ItemID] = rep
	}
	return out
}

func TestDecompositionDownload(t *testing.T) {
	f := newReportFixture(t)
	path := "/plans/" + f.plan + "/decomposition.xlsx"
	coord := f.loginForm(t, "coord")
	r := f.do(t, coord.c, "GET", "/plans/"+f.plan+"/quotas", nil, nil)
	if !strings.Contains(r.body, `href="`+path+`"`) || !strings.Contains(r.body, "下载任务分解表 (.xlsx)") {
		t.Errorf("the quotas page lacks the download link")
	}
	wb := openXLSX(t, f.do(t, coord.c, "GET", path, nil, nil))
	rows, err := wb.GetRows(xlsx.DecompositionSheet)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) < 30 || !strings.Contains(strings.Join(rows[0], "|"), "鹿城区") || rows[1][0] != "1.1" {
		t.Errorf("decomposition: %d rows, header %v", len(rows), rows[0])
	}
	if cd := f.do(t, coord.c, "GET", path, nil, nil).header.Get("Content-Disposition"); !strings.Contains(cd, url.PathEscape("任务分解表")) {
		t.Errorf("file name %q does not say 任务分解表", cd)
	}
	boss := f.loginForm(t, "boss")
	openXLSX(t, f.do(t, boss.c, "GET", path, nil, nil))

	lc := f.loginForm(t, "lc")
	if r := f.do(t, lc.c, "GET", path, nil, nil); r.status != 403 {
		t.Errorf("reporter downloads the decomposition = %d, want 403", r.status)
	}
	if r := f.do(t, lc.c, "GET", "/plans/"+f.plan+"/quotas", nil, nil); strings.Contains(r.body, path) {
		t.Errorf("the reporter's quotas page links the decomposition")
	}
	if r := f.do(t, formClient(), "GET", path, nil, nil); r.status != 303 || !strings.HasPrefix(r.header.Get("Location"), "/login") {
		t.Errorf("public download = %d %q, want the login form", r.status, r.header.Get("Location"))
	}
}

func TestTemplateDownloadAndUpload(t *testing.T) {
	f := newReportFixture(t)
	f.addUser(t, "ra", gongfu.RoleReporter, "瑞安市")
	f.tok["ra"] = f.token(t, "ra")
	lc := f.loginForm(t, "lc")
	list := f.do(t, lc.c, "GET", "/report?plan="+f.plan+"&period=2020-05", nil, nil)
	tmplURL := "/report/template.xlsx?period=2020-05&plan=" + f.plan
	if !strings.Contains(list.body, `href="`+strings.ReplaceAll(tmplURL, "&", "&amp;")+`"`) || !strings.Contains(list.body, "下载填报模板") ||
		!strings.Contains(list.body, `action="/report/upload" enctype="multipart/form-data"`) {
		t.Fatalf("the report list lacks the template link or the upload form: %.3000s", list.body)
	}
	download := func(c *clientSession) *excelize.File {
		t.Helper()
		return openXLSX(t, f.do(t, c.c, "GET", tmplURL, nil, nil))
	}
	wb := download(lc)
	rows := templateRows(t, wb)
	var mile string
	for id := range rows {
		if strings.Contains(id, ".m") && (mile == "" || id < mile) {
			mile = id
		}
	}
	if rows["1.1"] == 0 || mile == "" {
		t.Fatalf("the county's template lacks 1.1 or a milestone: %v", rows)
	}
	fields := map[string]string{"csrf": lc.csrf, "plan": f.plan, "period": "2020-05"}

	// Two rows filled: saved as drafts by lc, the list says so.
	good := fillTemplate(t, wb, map[[2]string]any{{"1.1", "F"}: 3, {mile, "I"}: "推进中", {mile, "J"}: 40})
	r := f.postFile(t, lc, "/report/upload", fields, "鹿城区.xlsx", good)
	if r.status != 303 || !strings.Contains(r.header.Get("Location"), "imported=2") {
		t.Fatalf("upload = %d %q %.500s", r.status, r.header.Get("Location"), r.body)
	}
	page := f.do(t, lc.c, "GET", r.header.Get("Location"), nil, nil)
	wantPage(t, "the list after the upload", page, 200, `role="status"`, "已从模板导入 2 条报告")
	got := f.apiReports(t, "lc", f.lc)
	if len(got) != 2 || got["1.1"] == nil || *got["1.1"].Value != 3 || got["1.1"].UpdatedBy != "lc" ||
		got["1.1"].Status != gongfu.StatusDraft || got[mile] == nil || got[mile].Stage != gongfu.StageInProgress {
		t.Fatalf("stored after the upload: %s", mustJSON(got))
	}

	// Text in a number cell: nothing saved, the row and column named.
	wb = download(lc)
	rows = templateRows(t, wb)
	bad := fillTemplate(t, wb, map[[2]string]any{{"1.1", "F"}: 5, {"1.2", "F"}: "abc"})
	r = f.postFile(t, lc, "/report/upload", fields, "bad.xlsx", bad)
	wantPage(t, "a broken upload", r, 422, `role="alert"`, fmt.Sprintf("填报 表第 %d 行 F 列", rows["1.2"]), "“abc” 不是数字", "未保存任何数据")
	if got := f.apiReports(t, "lc", f.lc); *got["1.1"].Value != 3 || got["1.2"] != nil {
		t.Errorf("a refused upload changed the reports: %s", mustJSON(got))
	}
	// In English the problems are listed in English.
	base, _ := url.Parse(f.base)
	lc.c.Jar.SetCookies(base, []*http.Cookie{{Name: "lang", Value: "en", Path: "/"}})
	r = f.postFile(t, lc, "/report/upload", fields, "bad.xlsx", bad)
	wantPage(t, "a broken upload in English", r, 422, fmt.Sprintf("sheet 填报 row %d column F", rows["1.2"]), "is not a number")
	lc.c.Jar.SetCookies(base, []*http.Cookie{{Name: "lang", Value: "zh", Path: "/"}})

	// The rows are judged by the same rules as the command line's import:
	// a year-to-date value below last period's needs a reason, an item
	// must be in the plan.
	f.put(t, "lc", "1.1", f.lc, "2020-04", `{"value": 6}`)
	wb = download(lc)
	rows = templateRows(t, wb)
	r = f.postFile(t, lc, "/report/upload", fields, "fall.xlsx", fillTemplate(t, wb, map[[2]string]any{
		{"1.1", "F"}: 4, {"1.2", "A"}: "99.9", {"1.2", "F"}: 1}))
	wantPage(t, "a falling value and an unknown item", r, 422,
		fmt.Sprintf("填报 表第 %d 行 L 列：1.1 的累计值 4 低于 2020-04 的 6", rows["1.1"]),
		fmt.Sprintf("填报 表第 %d 行 A 列：计划中没有编号为 99.9 的指标或工作节点", rows["1.2"]))
	if got := f.apiReports(t, "lc", f.lc); *got["1.1"].Value != 3 {
		t.Errorf("a refused upload changed 1.1 to %v", *got["1.1"].Value)
	}

	// Another county's template is not lc's to import.
	ra := f.loginForm(t, "ra")
	other := fillTemplate(t, download(ra), map[[2]string]any{{"1.1", "F"}: 7})
	if r := f.postFile(t, lc, "/report/upload", fields, "瑞安市.xlsx", other); r.status != 403 {
		t.Errorf("another org's template = %d, want 403", r.status)
	}
	if got := f.apiReports(t, "coord", f.ra); len(got) != 0 {
		t.Errorf("another org's template stored %d reports", len(got))
	}
	// Without the CSRF field the form is refused.
	if r := f.postFile(t, lc, "/report/upload", map[string]string{"plan": f.plan}, "x.xlsx", good); r.status != 403 {
		t.Errorf("upload without CSRF = %d, want 403", r.status)
	}
	// Not a workbook.
	r = f.postFile(t, lc, "/report/upload", fields, "x.xlsx", []byte("hello"))
	wantPage(t, "a text file as a template", r, 422, `role="alert"`, "不是有效的 xlsx")
	// A coordinator has no template of its own.
	coord := f.loginForm(t, "coord")
	if r := f.do(t, coord.c, "GET", tmplURL, nil, nil); r.status != 403 {
		t.Errorf("coordinator's template = %d, want 403", r.status)
	}
	// A department's template holds the items it answers for only.
	jy := f.loginForm(t, "jy")
	if n := len(templateRows(t, download(jy))); n == 0 || n >= len(rows) {
		t.Errorf("the department's template has %d items of %d", n, len(rows))
	}
}

func TestAttachmentForm(t *testing.T) {
	f := newReportFixture(t)
	lc := f.loginForm(t, "lc")
	entry := "/report/" + f.plan + "/1.1/" + f.lc + "/2020-05"
	pdf := []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF")

	// Before the report is saved there is nothing to attach to.
	page := f.do(t, lc.c, "GET", entry, nil, nil)
	wantPage(t, "the entry form before saving", page, 200, "请先保存填报数据")
	r := f.postFile(t, lc, entry+"/attachments", map[string]string{"csrf": lc.csrf}, "验收.pdf", pdf)
	wantPage(t, "attaching before saving", r, 409, `role="alert"`, "请先保存填报数据")

	f.put(t, "lc", "1.1", f.lc, "2020-05", `{"value": 3}`)
	page = f.do(t, lc.c, "GET", entry, nil, nil)
	wantPage(t, "the entry form", page, 200, `action="`+entry+`/attachments" enctype="multipart/form-data"`, "暂无附件")
	r = f.postFile(t, lc, entry+"/attachments", map[string]string{"csrf": lc.csrf}, "验收.pdf", pdf)
	if r.status != 303 || !strings.HasPrefix(r.header.Get("Location"), entry+"?att=ok") {
		t.Fatalf("attach = %d %q %.300s", r.status, r.header.Get("Location"), r.body)
	}
	page = f.do(t, lc.c, "GET", r.header.Get("Location"), nil, nil)
	wantPage(t, "the entry form after attaching", page, 200, "附件已上传", "验收.pdf")
	m := regexp.MustCompile(`href="(/api/v1/attachments/\d+)"`).FindStringSubmatch(page.body)
	if m == nil {
		t.Fatalf("no download link on the entry form")
	}
	if r := f.do(t, lc.c, "GET", m[1], nil, nil); r.status != 200 || r.body != string(pdf) ||
		!strings.HasPrefix(r.header.Get("Content-Disposition"), "attachment") {
		t.Errorf("download = %d %q", r.status, r.header.Get("Content-Disposition"))
	}

	// Refused files show the form again with the problem.
	r = f.postFile(t, lc, entry+"/attachments", map[string]string{"csrf": lc.csrf}, "run.exe", append([]byte("MZ\x90\x00"), make([]byte, 64)...))
	wantPage(t, "an executable", r, 422, `role="alert"`, "不支持的附件类型", "验收.pdf")
	r = f.postFile(t, lc, entry+"/attachments", map[string]string{"csrf": lc.csrf}, "big.pdf", append([]byte("%PDF-1.4"), make([]byte, 11<<20)...))
	wantPage(t, "a file too large", r, 413, `role="alert"`, "附件不能超过 10 MB")
	if r := f.postFile(t, lc, entry+"/attachments", nil, "x.pdf", pdf); r.status != 403 {
		t.Errorf("attach without CSRF = %d, want 403", r.status)
	}
	// Another county cannot attach to lc's report.
	f.addUser(t, "ra", gongfu.RoleReporter, "瑞安市")
	ra := f.loginForm(t, "ra")
	if r := f.postFile(t, ra, entry+"/attachments", map[string]string{"csrf": ra.csrf}, "x.pdf", pdf); r.status != 403 {
		t.Errorf("another county attaches = %d, want 403", r.status)
	}
	if got := f.do(t, nil, "GET", "/api/v1/plans/"+f.plan+"/reports/1.1/"+f.lc+"/2020-05/attachments", nil,
		map[string]string{"Authorization": "Bearer " + f.tok["lc"]}); strings.Count(got.body, `"id"`) != 1 {
		t.Errorf("attachments after the refused uploads: %s", got.body)
	}
}

func TestCountyQuotaShown(t *testing.T) {
	f := newReportFixture(t)
	r := f.do(t, nil, "PUT", "/api/v1/plans/"+f.plan+"/quotas/1.1", strings.NewReader(`{"quotas": [{"org_id": `+f.lc+`, "value": 12}]}`),
		map[string]string{"Content-Type": "application/json", "Authorization": "Bearer " + f.tok["coord"]})
	if r.status != 200 {
		t.Fatalf("set quota = %d %s", r.status, r.body)
	}
	lc := f.loginForm(t, "lc")
	list := f.do(t, lc.c, "GET", "/report?plan="+f.plan+"&period=2020-05", nil, nil)
	wantPage(t, "the county's list", list, 200, "本县配额 <b>12 所</b>", "≥ 80 所")
	entry := f.do(t, lc.c, "GET", "/report/"+f.plan+"/1.1/"+f.lc+"/2020-05", nil, nil)
	wantPage(t, "the county's entry form", entry, 200, "全市目标", "≥ 80 所", "本县配额</dt><dd class=\"goal\">12 所</dd>")
	if strings.Count(list.body, "本县配额") != 1 {
		t.Errorf("the list shows %d quotas, want the one set", strings.Count(list.body, "本县配额"))
	}
	jy := f.loginForm(t, "jy")
	if r := f.do(t, jy.c, "GET", "/report?plan="+f.plan+"&period=2020-05", nil, nil); strings.Contains(r.body, "本县配额") {
		t.Errorf("a department's list shows a county quota")
	}
}

func TestUnitsForm(t *testing.T) {
	f := newReportFixture(t)
	r := f.do(t, nil, "GET", "/api/v1/orgs?kind=department", nil, nil)
	var orgs []struct {
		ID   int64
		Name string
	}
	json.Unmarshal([]byte(r.body), &orgs)
	ids := map[string]string{}
	for _, o := range orgs {
		ids[o.Name] = itoa(o.ID)
	}
	target := "/plans/" + f.plan + "/targets/1.1"
	action := target + "/units"
	form := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	post := func(c *clientSession, v url.Values) response {
		return f.do(t, c.c, "POST", action, strings.NewReader(v.Encode()), form)
	}

	coord := f.loginForm(t, "coord")
	page := f.do(t, coord.c, "GET", target, nil, nil)
	wantPage(t, "the target page", page, 200, `action="`+action+`"`, "牵头单位</dt><dd>市教育局</dd>")
	r = post(coord, url.Values{"csrf": {coord.csrf}, "lead": {ids["市民政局"]}, "co": {ids["市财政局"], ids["市民政局"]}})
	if r.status != 303 {
		t.Fatalf("units form = %d %.500s", r.status, r.body)
	}
	page = f.do(t, coord.c, "GET", r.header.Get("Location"), nil, nil)
	wantPage(t, "the target page after the change", page, 200, `role="status"`,
		"牵头单位</dt><dd>市民政局</dd>", "配合单位</dt><dd>市财政局</dd>")
	// The public sees the stored units too, without the form.
	page = f.do(t, nil, "GET", target, nil, nil)
	wantPage(t, "the public target page", page, 200, "牵头单位</dt><dd>市民政局</dd>")
	if strings.Contains(page.body, action) {
		t.Errorf("the public sees the units form")
	}
	// And responsibility moved: 市民政局 reports 1.1 now.
	if r := f.put(t, "mz", "1.1", f.city, "2020-05", `{"value": 2}`); r.status != 200 {
		t.Errorf("the new lead reports = %d", r.status)
	}

	r = post(coord, url.Values{"csrf": {coord.csrf}, "co": {ids["市财政局"]}})
	wantPage(t, "no lead", r, 422, `role="alert"`, "请选择牵头单位")
	r = post(coord, url.Values{"csrf": {coord.csrf}, "lead": {f.lc}})
	wantPage(t, "a county as lead", r, 422, `role="alert"`, "不是部门")
	if r := post(coord, url.Values{"lead": {ids["市教育局"]}}); r.status != 403 {
		t.Errorf("units form without CSRF = %d, want 403", r.status)
	}
	jy := f.loginForm(t, "jy")
	if r := f.do(t, jy.c, "GET", target, nil, nil); strings.Contains(r.body, action) {
		t.Errorf("a reporter sees the units form")
	}
	if r := post(jy, url.Values{"csrf": {jy.csrf}, "lead": {ids["市教育局"]}}); r.status != 403 {
		t.Errorf("reporter posts the units form = %d, want 403", r.status)
	}
	page = f.do(t, nil, "GET", target, nil, nil)
	wantPage(t, "the target page after refused forms", page, 200, "牵头单位</dt><dd>市民政局</dd>")
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
