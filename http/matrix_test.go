package http_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"strconv"
	"strings"
	"testing"

	"gongfu"
	"gongfu/demo"
)

// TestPermissionMatrix runs every API action as every role and asserts
// whether it is allowed (its success status) or denied (401 for the
// public, 403 — or 404 where existence must not leak — for the rest).
// Each action first puts the data in the state it needs, through the store,
// so the outcome depends on the role alone.
func TestPermissionMatrix(t *testing.T) {
	roles := []string{"public", "admin", "coord", "boss", "lc", "jy"}
	type action struct {
		name    string
		method  string
		path    func(f *reportFixture) string
		body    func(f *reportFixture) (string, string) // content type, body
		prepare func(t *testing.T, f *reportFixture)
		want    map[string]int // by role; a role not listed gets 403 (public 401)
	}
	json := func(s string) func(*reportFixture) (string, string) {
		return func(*reportFixture) (string, string) { return "application/json", s }
	}
	all := func(code int) map[string]int {
		m := map[string]int{}
		for _, r := range roles {
			m[r] = code
		}
		return m
	}
	loggedIn := func(code int) map[string]int { m := all(code); delete(m, "public"); return m }
	plan := func(f *reportFixture) string { return "/api/v1/plans/" + f.plan }
	rep := func(item, org string) func(f *reportFixture) string {
		return func(f *reportFixture) string {
			o := f.lc
			if org == "city" {
				o = f.city
			}
			return plan(f) + "/reports/" + item + "/" + o + "/2020-05"
		}
	}
	state := func(st gongfu.ReportStatus) func(t *testing.T, f *reportFixture) {
		return func(t *testing.T, f *reportFixture) { f.reportInState(t, st) }
	}
	upload := func(f *reportFixture) (string, string) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile("file", "plan.txt")
		fw.Write(demo.PlanText)
		mw.Close()
		return mw.FormDataContentType(), buf.String()
	}
	pdf := func(f *reportFixture) (string, string) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile("file", "e.pdf")
		fw.Write([]byte("%PDF-1.4 evidence"))
		mw.Close()
		return mw.FormDataContentType(), buf.String()
	}
	actions := []action{
		{"list plans", "GET", func(*reportFixture) string { return "/api/v1/plans" }, nil, nil, all(200)},
		{"read plan", "GET", plan, nil, nil, all(200)},
		{"list orgs", "GET", func(*reportFixture) string { return "/api/v1/orgs" }, nil, nil, all(200)},
		{"read settings", "GET", func(f *reportFixture) string { return plan(f) + "/settings" }, nil, nil, all(200)},
		{"import plan", "POST", func(*reportFixture) string { return "/api/v1/plans" }, upload, nil, map[string]int{"admin": 200, "coord": 200}},
		{"list reports", "GET", func(f *reportFixture) string { return plan(f) + "/reports" }, nil, nil, loggedIn(200)},
		{"read county report", "GET", rep("1.1", "lc"), nil, state(gongfu.StatusDraft), map[string]int{"admin": 200, "coord": 200, "boss": 200, "lc": 200}},
		{"write county report", "PUT", rep("1.1", "lc"), json(`{"value": 4}`), state(gongfu.StatusDraft), map[string]int{"lc": 200}},
		{"write city total", "PUT", rep("1.1", "city"), json(`{"value": 9}`), nil, map[string]int{"jy": 200}},
		{"submit", "POST", func(f *reportFixture) string { return rep("1.1", "lc")(f) + "/submit" }, nil, state(gongfu.StatusDraft), map[string]int{"lc": 200}},
		{"approve", "POST", func(f *reportFixture) string { return rep("1.1", "lc")(f) + "/approve" }, nil, state(gongfu.StatusSubmitted), map[string]int{"coord": 200}},
		{"return", "POST", func(f *reportFixture) string { return rep("1.1", "lc")(f) + "/return" }, json(`{"comment":"请补充材料"}`), state(gongfu.StatusSubmitted), map[string]int{"coord": 200}},
		{"reopen", "POST", func(f *reportFixture) string { return rep("1.1", "lc")(f) + "/reopen" }, json(`{"reason":"口径调整"}`), state(gongfu.StatusApproved), map[string]int{"coord": 200}},
		{"attach evidence", "POST", func(f *reportFixture) string { return rep("1.1", "lc")(f) + "/attachments" }, pdf, state(gongfu.StatusDraft), map[string]int{"lc": 201}},
		{"list attachments", "GET", func(f *reportFixture) string { return rep("1.1", "lc")(f) + "/attachments" }, nil, state(gongfu.StatusDraft), map[string]int{"admin": 200, "coord": 200, "boss": 200, "lc": 200}},
		{"download attachment", "GET", func(f *reportFixture) string {
			return "/api/v1/attachments/" + strconv.FormatInt(f.attachmentID(t), 10)
		}, nil, nil,
			map[string]int{"admin": 200, "coord": 200, "boss": 200, "lc": 200, "jy": 404}},
		{"read quotas", "GET", func(f *reportFixture) string { return plan(f) + "/quotas" }, nil, nil, loggedIn(200)},
		{"set quotas", "PUT", func(f *reportFixture) string { return plan(f) + "/quotas/1.1" }, json(`{"split":"population"}`), nil, map[string]int{"coord": 200}},
		{"edit units", "PUT", func(f *reportFixture) string { return plan(f) + "/units/1.1" },
			func(f *reportFixture) (string, string) {
				return "application/json", `{"lead": ` + f.orgID(t, "市教育局") + `, "co": [` + f.orgID(t, "市财政局") + `]}`
			}, nil, map[string]int{"coord": 200}},
		{"who has not reported", "GET", func(f *reportFixture) string { return plan(f) + "/missing?period=2020-05" }, nil, nil, map[string]int{"coord": 200, "boss": 200}},
		{"send reminders", "POST", func(f *reportFixture) string { return plan(f) + "/reminders" }, json(`{"period":"2020-05"}`), nil, map[string]int{"coord": 200}},
		{"read notices", "GET", func(*reportFixture) string { return "/api/v1/notices" }, nil, nil, loggedIn(200)},
		{"read status", "GET", func(f *reportFixture) string { return plan(f) + "/status" }, nil, nil, map[string]int{"admin": 200, "coord": 200, "boss": 200}},
		{"read published", "GET", func(f *reportFixture) string { return plan(f) + "/published" }, nil, nil, all(200)},
		{"publish targets", "PUT", func(f *reportFixture) string { return plan(f) + "/published" }, json(`{"targets":["1.1"],"published":true}`), nil, map[string]int{"coord": 200}},
		{"list supervisions", "GET", func(f *reportFixture) string { return plan(f) + "/supervisions" }, nil, nil, map[string]int{"coord": 200, "boss": 200, "lc": 200, "jy": 200}},
		{"answer supervision", "POST", func(f *reportFixture) string {
			return "/api/v1/supervisions/" + f.supervision(t, gongfu.SupervisionOpen) + "/answer"
		},
			// Another unit's reporter is told the notice does not exist.
			json(`{"answer":"已整改，6月底前补齐"}`), nil, map[string]int{"lc": 200, "jy": 404}},
		{"close supervision", "POST", func(f *reportFixture) string {
			return "/api/v1/supervisions/" + f.supervision(t, gongfu.SupervisionAnswered) + "/close"
		},
			json(`{"comment":"整改到位"}`), nil, map[string]int{"coord": 200}},
		{"explain red light", "PUT", func(f *reportFixture) string { return plan(f) + "/explanations/1.1/" + f.lc + "/2020-05" },
			json(`{"text":"受疫情影响开工推迟"}`), nil, map[string]int{"lc": 200}},
		{"read explanations", "GET", func(f *reportFixture) string { return plan(f) + "/explanations/1.1" }, nil, nil, loggedIn(200)},
		{"change settings", "PUT", func(f *reportFixture) string { return plan(f) + "/settings" }, json(`{"deadline_day": 6}`), nil, map[string]int{"coord": 200}},
	}
	f := newReportFixture(t)
	for _, role := range roles {
		for _, a := range actions {
			if a.prepare != nil {
				a.prepare(t, f)
			}
			want, ok := a.want[role]
			if !ok {
				want = 403
				if role == "public" {
					want = 401
				}
			}
			hdr := map[string]string{}
			if role != "public" {
				hdr["Authorization"] = "Bearer " + f.tok[role]
			}
			var body *strings.Reader
			if a.body != nil {
				ct, b := a.body(f)
				hdr["Content-Type"] = ct
				body = strings.NewReader(b)
			}
			var r response
			if body != nil {
				r = f.do(t, nil, a.method, a.path(f), body, hdr)
			} else {
				r = f.do(t, nil, a.method, a.path(f), nil, hdr)
			}
			if r.status != want {
				t.Errorf("%-6s %-20s %s %s = %d, want %d: %.160s", role, a.name, a.method, a.path(f), r.status, want, r.body)
			}
		}
	}
}

// reportInState puts 1.1 of 鹿城区 for 2020-05 into st through the store.
func (f *reportFixture) reportInState(t *testing.T, st gongfu.ReportStatus) {
	t.Helper()
	ctx := gongfu.WithActor(context.Background(), &gongfu.User{Name: "fixture"})
	k := f.key(t)
	cur, err := f.db.FindReport(ctx, k)
	if gongfu.ErrorCode(err) == gongfu.ENOTFOUND {
		v := 3.0
		if err := f.db.SaveReport(ctx, &gongfu.Report{ReportKey: k, Value: &v}, -1); err != nil {
			t.Fatal(err)
		}
		cur, err = f.db.FindReport(ctx, k)
	}
	if err != nil {
		t.Fatal(err)
	}
	// Walk the review states to st.
	path := map[gongfu.ReportStatus][]gongfu.ReportStatus{
		gongfu.StatusDraft:     {gongfu.StatusSubmitted, gongfu.StatusApproved},
		gongfu.StatusReturned:  {gongfu.StatusSubmitted, gongfu.StatusApproved},
		gongfu.StatusSubmitted: {gongfu.StatusApproved},
		gongfu.StatusApproved:  {gongfu.StatusDraft},
	}
	for i := 0; cur.Status != st && i < 4; i++ {
		next := path[cur.Status][0]
		if st == gongfu.StatusApproved && cur.Status == gongfu.StatusSubmitted {
			next = gongfu.StatusApproved
		}
		if cur, err = f.db.SetReportStatus(ctx, k, []gongfu.ReportStatus{cur.Status}, next, "fixture"); err != nil {
			t.Fatal(err)
		}
	}
	if cur.Status != st {
		t.Fatalf("could not bring the report to %s (it is %s)", st, cur.Status)
	}
}

func (f *reportFixture) key(t *testing.T) gongfu.ReportKey {
	plan, _ := strconv.ParseInt(f.plan, 10, 64)
	org, _ := strconv.ParseInt(f.lc, 10, 64)
	return gongfu.ReportKey{PlanID: plan, ItemID: "1.1", OrgID: org, Period: "2020-05"}
}

// attachmentID returns the id of an attachment on 鹿城区's 1.1, adding one.
func (f *reportFixture) attachmentID(t *testing.T) int64 {
	t.Helper()
	k := f.key(t)
	list, err := f.db.FindAttachments(context.Background(), k)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) > 0 {
		return list[0].ID
	}
	f.reportInState(t, gongfu.StatusDraft)
	a := &gongfu.Attachment{Key: k, Name: "e.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.4 x")}
	if err := f.db.AddAttachment(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	return a.ID
}

// supervision returns the id (as a string) of a fresh 督办单 addressed to
// 鹿城区 on 1.1, brought to state st through the store.
func (f *reportFixture) supervision(t *testing.T, st gongfu.SupervisionStatus) string {
	t.Helper()
	ctx := gongfu.WithActor(context.Background(), &gongfu.User{Name: "fixture"})
	k := f.key(t)
	sv := &gongfu.Supervision{PlanID: k.PlanID, ItemID: k.ItemID, OrgID: k.OrgID, Period: k.Period, Light: "red",
		Text: "请说明滞后原因并提出整改措施", Deadline: "2020-07-31"}
	// Only one unfinished notice per item, unit and period: close any left.
	open, err := f.db.FindSupervisions(ctx, gongfu.SupervisionFilter{PlanID: k.PlanID, OrgID: k.OrgID})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range open {
		if o.Status != gongfu.SupervisionClosed {
			if _, err := f.db.CloseSupervision(ctx, o.ID, "fixture"); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := f.db.CreateSupervision(ctx, sv); err != nil {
		t.Fatal(err)
	}
	if st == gongfu.SupervisionAnswered {
		if _, err := f.db.AnswerSupervision(ctx, sv.ID, "fixture answer"); err != nil {
			t.Fatal(err)
		}
	}
	return strconv.FormatInt(sv.ID, 10)
}

// orgID returns the id of the org named name as a string.
func (f *reportFixture) orgID(t *testing.T, name string) string {
	t.Helper()
	o, err := f.db.FindOrg(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return strconv.FormatInt(o.ID, 10)
}
