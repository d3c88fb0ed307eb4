package http

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"gongfu"
	"gongfu/demo"
	"gongfu/extract"
	"gongfu/password"
	"gongfu/region"
	"gongfu/sqlite"
)

// loginInput has the shape of apiLogin's body (an anonymous struct there).
type loginInput struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// FuzzDecodeReport feeds decodeJSON arbitrary bodies and content types for
// the two bodies every client sends: a report (PUT …/reports/…) and a login
// (POST /api/v1/session). It must never panic; every failure is a
// *gongfu.Error, EINVALID or ETOOLARGE, with both messages; and a body it
// accepts is exactly one valid JSON value, nothing after it. Crashers are
// kept under testdata/fuzz/FuzzDecodeReport and rerun by go test.
func FuzzDecodeReport(f *testing.F) {
	for _, s := range []string{
		`{"value": 12.5, "note": "含改扩建", "version": 3, "submit": true}`,
		`{"numerator": 3900, "denominator": 4000, "reason": "口径调整"}`,
		`{"stage": "in_progress", "percent": 60}`,
		`{"value": null, "version": -1}`,
		`{"username": "lc", "password": "S3cret-pass"}`,
		`{"value": 1e400}`,
		`{"value": "12"}`,
		`{"bogus": 1}`,
		`{"value": 1} {"value": 2}`,
		`{"value": 1}]`,
		`[]`,
		``,
		`{"note": "\ud800"}`,
	} {
		f.Add("application/json", []byte(s))
	}
	f.Add("", []byte(`{"username":"a","password":"b"}`))
	f.Add("application/json; charset=utf-8", []byte(`{}`))
	f.Add("text/plain", []byte(`{}`))
	f.Add("application/json; charset", []byte(`{}`))
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		checkDecode(t, contentType, body, &reportInput{})
		checkDecode(t, contentType, body, &loginInput{})
	})
}

// checkDecode fails t unless decodeJSON kept its contract decoding body into v.
func checkDecode(t *testing.T, contentType string, body []byte, v any) {
	r := httptest.NewRequest(http.MethodPut, "/api/v1/x", bytes.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	w := httptest.NewRecorder()
	err := decodeJSON(w, r, v)
	if w.Code != http.StatusOK || w.Body.Len() > 0 {
		t.Fatalf("decodeJSON wrote a response: %d %q", w.Code, w.Body.String())
	}
	if err == nil {
		if trimmed := bytes.TrimSpace(body); !json.Valid(trimmed) {
			t.Fatalf("accepted %q, which is not one JSON value", body)
		}
		if !strings.HasPrefix(strings.TrimSpace(string(body)), "{") && !strings.HasPrefix(strings.TrimSpace(string(body)), "null") {
			t.Fatalf("accepted %q into a struct", body)
		}
		return
	}
	var ge *gongfu.Error
	if !errors.As(err, &ge) || (ge.Code != gongfu.EINVALID && ge.Code != gongfu.ETOOLARGE) {
		t.Fatalf("error %v (%T), want a *gongfu.Error, invalid or too large", err, err)
	}
	if ge.Message == "" || ge.MessageEN == "" {
		t.Fatalf("error %+v lacks a message", ge)
	}
}

// TestDecodeJSONLimits: bodies beyond MaxBodyBytes are ETOOLARGE, also when
// the excess follows a complete value, which the fuzzer's small inputs never
// reach.
func TestDecodeJSONLimits(t *testing.T) {
	big := `{"note": "` + strings.Repeat("长", MaxBodyBytes/3+1) + `"}`
	pad := `{"note": "x"}` + strings.Repeat(" ", MaxBodyBytes)
	for name, body := range map[string]string{"big value": big, "padded": pad} {
		r := httptest.NewRequest(http.MethodPut, "/", strings.NewReader(body))
		err := decodeJSON(httptest.NewRecorder(), r, &reportInput{})
		if gongfu.ErrorCode(err) != gongfu.ETOOLARGE {
			t.Errorf("%s: %v, want too large", name, err)
		}
	}
}

// FuzzAPIBodies sends arbitrary bodies to the JSON API's state-changing
// routes through the whole handler (session, policy, decoding, the
// handler's own checks, the store), as the account each serves. No body
// may make one answer 500 (a panic is recovered as 500, so it counts) or
// anything but JSON. The server is built once per process: an in-memory
// store with the seed plan, a coordinator and a county reporter.
func FuzzAPIBodies(f *testing.F) {
	h, routes := fuzzServer(f)
	// A body each route takes, by its index in routes, and a few that
	// none should.
	seeds := []string{
		`{"value": 5, "note": "含改扩建", "reason": "口径调整", "version": 1, "submit": true}`,
		``,
		`{"comment": "请补充"}`,
		``,
		`{"reason": "重新打开"}`,
		`{"quotas": [{"org_id": 2, "value": 10}]}`,
		`{"shares": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 1, 1]}`,
		`{"lead": 2, "co": [3, 4]}`,
		`{"period": "2020-05"}`,
		`{"frequency": "quarter", "deadline_day": 31, "green_within": 0.9, "yellow_within": 0.6}`,
		`{"targets": ["1.1"], "published": true}`,
		`{"target": "1.1", "org_id": 2, "period": "2020-05", "text": "请说明", "deadline": "2020-07-31"}`,
		`{"answer": "已整改"}`,
		`{"comment": "已办结"}`,
		`{"text": "原因"}`,
	}
	for i, s := range seeds {
		f.Add(uint8(i), []byte(s))
	}
	for i, s := range []string{`{"numerator": 1, "denominator": 0}`, `{"stage": "done", "percent": 100}`, `{"value": 1e308}`,
		`{"quotas": null}`, `{"split": "population"}`, `{"org_id": -1, "period": "2020-13"}`} {
		f.Add(uint8(i), []byte(s))
	}
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		rt := routes[int(which)%len(routes)]
		r := httptest.NewRequest(rt.method, rt.path, bytes.NewReader(body))
		r.RemoteAddr = "192.0.2.1:1234"
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Authorization", "Bearer "+rt.token)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("%s %s %q: %d %s", rt.method, rt.path, body, w.Code, w.Body.String())
		}
		if ct := w.Header().Get("Content-Type"); w.Body.Len() > 0 && !strings.HasPrefix(ct, "application/json") {
			t.Fatalf("%s %s %q: %d with Content-Type %q", rt.method, rt.path, body, w.Code, ct)
		}
	})
}

// fuzzRoute is a JSON API route with its ids filled in and the token of
// an account it serves.
type fuzzRoute struct{ method, path, token string }

// fuzzServer builds FuzzAPIBodies's server and routes.
func fuzzServer(f *testing.F) (http.Handler, []fuzzRoute) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, ":memory:")
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { db.Close() })
	now := func() time.Time { return time.Date(2020, 7, 10, 9, 0, 0, 0, time.UTC) }
	db.Now = now
	orgs, err := region.ParseCSV(demo.CountiesCSV)
	if err != nil {
		f.Fatal(err)
	}
	if _, err := db.EnsureOrgs(ctx, orgs); err != nil {
		f.Fatal(err)
	}
	res, err := extract.Document(demo.PlanName, demo.PlanText)
	if err != nil {
		f.Fatal(err)
	}
	if _, err := db.ImportPlan(ctx, res.Plan, region.PlanOrgs(res.Plan)); err != nil {
		f.Fatal(err)
	}
	lc, err := db.FindOrg(ctx, "鹿城区")
	if err != nil {
		f.Fatal(err)
	}
	s := NewServer(db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	s.Now = now
	s.Security.SingleSession = false
	h := s.Handler()
	token := map[string]string{}
	for _, u := range []*gongfu.User{{Name: "coord", Role: gongfu.RoleCoordinator}, {Name: "lc", Role: gongfu.RoleReporter, OrgID: lc.ID}} {
		u.PasswordHash, _ = password.Hash("Fuzz-pw-" + u.Name)
		if err := db.CreateUser(ctx, u); err != nil {
			f.Fatal(err)
		}
		r := httptest.NewRequest("POST", "/api/v1/session", strings.NewReader(`{"username":"`+u.Name+`","password":"Fuzz-pw-`+u.Name+`"}`))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		var out struct{ Token string }
		if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil || out.Token == "" {
			f.Fatalf("login %s: %d %s", u.Name, w.Code, w.Body.String())
		}
		token[u.Name] = out.Token
	}
	v := 3.0
	k := gongfu.ReportKey{PlanID: 1, ItemID: "1.1", OrgID: lc.ID, Period: "2020-05"}
	actor := gongfu.WithActor(ctx, &gongfu.User{Name: "fixture"})
	if err := db.SaveReport(actor, &gongfu.Report{ReportKey: k, Value: &v}, -1); err != nil {
		f.Fatal(err)
	}
	sv := &gongfu.Supervision{PlanID: 1, ItemID: "1.1", OrgID: lc.ID, Period: "2020-05", Light: "red", Text: "x", Deadline: "2020-07-31"}
	if err := db.CreateSupervision(actor, sv); err != nil {
		f.Fatal(err)
	}
	org, rep, sid := strconv.FormatInt(lc.ID, 10), "/api/v1/plans/1/reports/1.1/"+strconv.FormatInt(lc.ID, 10)+"/2020-05", strconv.FormatInt(sv.ID, 10)
	return h, []fuzzRoute{
		{"PUT", rep, token["lc"]},
		{"POST", rep + "/submit", token["lc"]},
		{"POST", rep + "/return", token["coord"]},
		{"POST", rep + "/approve", token["coord"]},
		{"POST", rep + "/reopen", token["coord"]},
		{"PUT", "/api/v1/plans/1/quotas/1.1", token["coord"]},
		{"PUT", "/api/v1/plans/1/schedules/1.1", token["coord"]},
		{"PUT", "/api/v1/plans/1/units/1.1", token["coord"]},
		{"POST", "/api/v1/plans/1/reminders", token["coord"]},
		{"PUT", "/api/v1/plans/1/settings", token["coord"]},
		{"PUT", "/api/v1/plans/1/published", token["coord"]},
		{"POST", "/api/v1/plans/1/supervisions", token["coord"]},
		{"POST", "/api/v1/supervisions/" + sid + "/answer", token["lc"]},
		{"POST", "/api/v1/supervisions/" + sid + "/close", token["coord"]},
		{"PUT", "/api/v1/plans/1/explanations/1.1/" + org + "/2020-05", token["lc"]},
	}
}
