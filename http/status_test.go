package http_test

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"gongfu"
)

// statusJSON is the part of GET …/status a test looks at.
type statusJSON struct {
	Plan struct {
		At        string `json:"at"`
		DuePeriod string `json:"due_period"`
	} `json:"plan"`
	Targets []struct {
		ID         string   `json:"id"`
		Org        string   `json:"org"`
		Period     string   `json:"period"`
		Value      *float64 `json:"value"`
		Target     *float64 `json:"target"`
		Completion *float64 `json:"completion"`
		Light      string   `json:"light"`
		Reason     string   `json:"reason"`
	} `json:"targets"`
	Equalization *struct {
		Excluded []struct {
			Org string `json:"org"`
		} `json:"excluded"`
	} `json:"equalization"`
}

func (f *reportFixture) status(t *testing.T, who, query string) (response, statusJSON) {
	t.Helper()
	hdr := map[string]string{}
	if who != "" {
		hdr["Authorization"] = "Bearer " + f.tok[who]
	}
	r := f.do(t, nil, "GET", "/api/v1/plans/"+f.plan+"/status"+query, nil, hdr)
	var st statusJSON
	if r.status == 200 {
		if err := json.Unmarshal([]byte(r.body), &st); err != nil {
			t.Fatalf("status JSON: %v", err)
		}
	}
	return r, st
}

// row finds the row of item id for org ("" for the city).
func (st statusJSON) row(t *testing.T, id, org string) (completion float64, light, period string) {
	t.Helper()
	for _, r := range st.Targets {
		if r.ID == id && r.Org == org {
			c := -1.0
			if r.Completion != nil {
				c = *r.Completion
			}
			return c, r.Light, r.Period
		}
	}
	t.Fatalf("no row %s %q", id, org)
	return 0, "", ""
}

// TestStatus judges target 1.1 (新（扩）建幼儿园 80所) of the seed plan on 10
// July 2020, June's reports due: two counties report through the API, the
// other ten through the store, so the city figure is their roll-up.
func TestStatus(t *testing.T) {
	f := newReportFixture(t)
	f.addUser(t, "ra", gongfu.RoleReporter, "瑞安市")
	f.tok["ra"] = f.token(t, "ra")
	ctx := context.Background()
	planID, _ := strconv.ParseInt(f.plan, 10, 64)
	counties, err := f.db.FindOrgs(ctx, gongfu.OrgFilter{Kind: gongfu.OrgCounty})
	if err != nil || len(counties) != 12 {
		t.Fatalf("counties: %d %v", len(counties), err)
	}
	// Quotas: 10 each for 鹿城区 and 瑞安市, 6 for each of the other ten.
	var quotas []string
	var others []*gongfu.Report
	for _, c := range counties {
		q := "6"
		if c.Name == "鹿城区" || c.Name == "瑞安市" {
			q = "10"
		} else {
			v := 3.0
			others = append(others, &gongfu.Report{
				ReportKey: gongfu.ReportKey{PlanID: planID, ItemID: "1.1", OrgID: c.ID, Period: "2020-06"},
				Value:     &v, Status: gongfu.StatusSubmitted})
		}
		quotas = append(quotas, `{"org_id":`+itoa(c.ID)+`,"value":`+q+`}`)
	}
	hdr := map[string]string{"Content-Type": "application/json", "Authorization": "Bearer " + f.tok["coord"]}
	if r := f.do(t, nil, "PUT", "/api/v1/plans/"+f.plan+"/quotas/1.1", strings.NewReader(`{"quotas":[`+strings.Join(quotas, ",")+`]}`), hdr); r.status != 200 {
		t.Fatalf("quotas = %d %s", r.status, r.body)
	}
	if err := f.db.SaveReports(ctx, others); err != nil {
		t.Fatal(err)
	}
	// Nothing reported by the two yet: they are grey, and so is the city.
	_, st := f.status(t, "coord", "")
	if _, l, _ := st.row(t, "1.1", "鹿城区"); l != "grey" {
		t.Errorf("鹿城区 before reporting: %s, want grey", l)
	}
	if _, l, _ := st.row(t, "1.1", ""); l != "grey" {
		t.Errorf("city before reporting: %s, want grey", l)
	}

	// 鹿城区 5 of 10 at half the year: green. 瑞安市 2 of 10, 30 points
	// behind: yellow. The city: 5 + 2 + 10×3 = 37 of 80 = 46.3%: green.
	for _, c := range []struct{ who, org, value string }{{"lc", f.lc, "5"}, {"ra", f.ra, "2"}} {
		if r := f.put(t, c.who, "1.1", c.org, "2020-06", `{"value": `+c.value+`, "submit": true}`); r.status != 200 {
			t.Fatalf("%s save = %d %s", c.who, r.status, r.body)
		}
		if r := f.post(t, "coord", "1.1", c.org, "2020-06", "approve", ""); r.status != 200 {
			t.Fatalf("approve %s = %d %s", c.who, r.status, r.body)
		}
	}
	// A draft for July is not an official figure: it does not count.
	if r := f.put(t, "lc", "1.1", f.lc, "2020-07", `{"value": 10}`); r.status != 200 {
		t.Fatalf("draft = %d %s", r.status, r.body)
	}
	r, st := f.status(t, "coord", "")
	if r.status != 200 {
		t.Fatalf("status = %d %s", r.status, r.body)
	}
	if st.Plan.At != "2020-07-10" || st.Plan.DuePeriod != "2020-06" {
		t.Errorf("plan: %+v", st.Plan)
	}
	for _, w := range []struct {
		org, light, period string
		completion         float64
	}{
		{"鹿城区", "green", "2020-06", 50},
		{"瑞安市", "yellow", "2020-06", 20},
		{"龙湾区", "green", "2020-06", 50},
		{"", "green", "2020-06", 46.3},
	} {
		c, l, p := st.row(t, "1.1", w.org)
		if c != w.completion || l != w.light || p != w.period {
			t.Errorf("1.1 %q = %v %s %s, want %v %s %s", w.org, c, l, p, w.completion, w.light, w.period)
		}
	}
	// Asking again gives the same answer (from the cache).
	if r2, _ := f.status(t, "coord", ""); r2.body != r.body {
		t.Error("a second status call differs with nothing changed")
	}

	// Submitting and approving the July figure changes the store, so the
	// next call sees it: 10 of 10, done; the city's July roll-up lacks the
	// other counties, but June's figures are still the due ones.
	if r := f.put(t, "lc", "1.1", f.lc, "2020-07", `{"value": 10, "submit": true}`); r.status != 200 {
		t.Fatalf("submit = %d %s", r.status, r.body)
	}
	if r := f.post(t, "coord", "1.1", f.lc, "2020-07", "approve", ""); r.status != 200 {
		t.Fatalf("approve = %d %s", r.status, r.body)
	}
	_, st = f.status(t, "coord", "")
	if c, l, p := st.row(t, "1.1", "鹿城区"); c != 100 || l != "done" || p != "2020-07" {
		t.Errorf("鹿城区 after approval = %v %s %s, want 100 done 2020-07", c, l, p)
	}
	if c, l, p := st.row(t, "1.1", ""); c != 46.3 || l != "green" || p != "2020-06" {
		t.Errorf("city after approval = %v %s %s", c, l, p)
	}

	// ?at= judges another day: on 20 May April's reports were due, and
	// nobody had reported anything by then.
	_, st = f.status(t, "boss", "?at=2020-05-20")
	if st.Plan.DuePeriod != "2020-04" {
		t.Errorf("?at=2020-05-20: due %s", st.Plan.DuePeriod)
	}
	if _, l, _ := st.row(t, "1.1", "瑞安市"); l != "grey" {
		t.Errorf("瑞安市 on 20 May: %s, want grey", l)
	}
	// The equalization on request: level targets nobody reported leave
	// every county out, listed.
	_, st = f.status(t, "admin", "?equalization=1")
	if st.Equalization == nil || len(st.Equalization.Excluded) != 12 {
		t.Errorf("equalization: %+v", st.Equalization)
	}
}

func TestStatusPermissionsAndInput(t *testing.T) {
	f := newReportFixture(t)
	for _, c := range []struct {
		who, query string
		want       int
	}{
		{"", "", 401},
		{"lc", "", 403}, // reporters see their own rows on their pages
		{"jy", "", 403},
		{"boss", "", 200},
		{"coord", "", 200},
		{"admin", "", 200},
		{"coord", "?at=2020-13-01", 422},
		{"coord", "?at=yesterday", 422},
		{"coord", "?equalization=maybe", 422},
		{"coord", "?at=2021-03-01", 200}, // a past plan year is judged at its end
	} {
		if r, _ := f.status(t, c.who, c.query); r.status != c.want {
			t.Errorf("%s GET status%s = %d, want %d: %.200s", c.who, c.query, r.status, c.want, r.body)
		}
	}
	hdr := map[string]string{"Authorization": "Bearer " + f.tok["coord"]}
	if r := f.do(t, nil, "GET", "/api/v1/plans/999/status", nil, hdr); r.status != 404 {
		t.Errorf("status of no plan = %d, want 404", r.status)
	}
}
