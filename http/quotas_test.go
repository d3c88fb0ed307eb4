package http_test

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestQuotas(t *testing.T) {
	f := newReportFixture(t)
	hdr := func(who string) map[string]string {
		return map[string]string{"Content-Type": "application/json", "Authorization": "Bearer " + f.tok[who]}
	}
	path := "/api/v1/plans/" + f.plan + "/quotas"
	if r := f.do(t, nil, "PUT", path+"/1.1", strings.NewReader(`{"split":"population"}`), hdr("lc")); r.status != 403 {
		t.Errorf("reporter decomposes = %d, want 403", r.status)
	}
	r := f.do(t, nil, "PUT", path+"/1.1", strings.NewReader(`{"split":"population"}`), hdr("coord"))
	var sum struct {
		Value, Total, Shortfall float64
		Quotas                  []struct {
			OrgID int64 `json:"org_id"`
			Value float64
		}
	}
	json.Unmarshal([]byte(r.body), &sum)
	if r.status != 200 || len(sum.Quotas) != 12 || sum.Total != 80 || sum.Shortfall != 0 {
		t.Fatalf("split 80 by population = %d %s", r.status, r.body)
	}
	for _, q := range sum.Quotas {
		if q.Value != float64(int(q.Value)) {
			t.Errorf("a quota of kindergartens is not whole: %v", q.Value)
		}
	}
	// By hand, short of the city target: the shortfall shows.
	r = f.do(t, nil, "PUT", path+"/1.1", strings.NewReader(`{"quotas":[{"org_id":`+f.lc+`,"value":30},{"org_id":`+f.ra+`,"value":40}]}`), hdr("coord"))
	if r.status != 200 || !strings.Contains(r.body, `"shortfall":10`) {
		t.Errorf("manual quotas = %d %s", r.status, r.body)
	}
	if r := f.do(t, nil, "PUT", path+"/1.1", strings.NewReader(`{"quotas":[{"org_id":`+f.lc+`,"value":-3}]}`), hdr("coord")); r.status != 422 {
		t.Errorf("negative quota = %d", r.status)
	}
	if r := f.do(t, nil, "PUT", path+"/6.3", strings.NewReader(`{"split":"population"}`), hdr("coord")); r.status != 422 {
		t.Errorf("population split of a rate = %d, want 422", r.status)
	}
	// A county reporter sees its own quota only; a leader sees all.
	r = f.do(t, nil, "GET", path, nil, hdr("lc"))
	if r.status != 200 || !strings.Contains(r.body, `"org_id":`+f.lc) || strings.Contains(r.body, `"org_id":`+f.ra+`,`) {
		t.Errorf("reporter's quotas = %d %s", r.status, r.body)
	}
	if r := f.do(t, nil, "GET", path+"?target=1.1", nil, hdr("boss")); !strings.Contains(r.body, `"total":70`) {
		t.Errorf("leader's view = %s", r.body)
	}
}

func TestPlannedSchedule(t *testing.T) {
	f := newReportFixture(t)
	hdr := func(who string) map[string]string {
		return map[string]string{"Content-Type": "application/json", "Authorization": "Bearer " + f.tok[who]}
	}
	path := "/api/v1/plans/" + f.plan + "/schedules/1.1"
	if r := f.do(t, nil, "PUT", path, strings.NewReader(`{"shares":[10,40,70,100]}`), hdr("lc")); r.status != 403 {
		t.Errorf("reporter sets a schedule = %d", r.status)
	}
	if r := f.do(t, nil, "PUT", path, strings.NewReader(`{"shares":[10,40,30,100]}`), hdr("coord")); r.status != 422 {
		t.Errorf("falling schedule = %d", r.status)
	}
	// Before: at 2020-07-10 the due period is June, linear time progress 50%.
	status := func() string {
		return f.do(t, nil, "GET", "/api/v1/plans/"+f.plan+"/status", nil, hdr("coord")).body
	}
	if !strings.Contains(status(), `"time_progress":50`) {
		t.Fatalf("linear time progress missing before the schedule")
	}
	if r := f.do(t, nil, "PUT", path, strings.NewReader(`{"shares":[10,40,70,100]}`), hdr("coord")); r.status != 200 {
		t.Fatalf("set schedule = %d %s", r.status, r.body)
	}
	// After: 1.1's time progress at the end of June is the planned 40%.
	var st struct {
		Targets []struct {
			ID           string  `json:"id"`
			Org          string  `json:"org"`
			TimeProgress float64 `json:"time_progress"`
		} `json:"targets"`
	}
	json.Unmarshal([]byte(status()), &st)
	found := false
	for _, row := range st.Targets {
		if row.ID == "1.1" && row.Org == "" {
			found = true
			if row.TimeProgress != 40 {
				t.Errorf("1.1 time progress with the schedule = %v, want 40", row.TimeProgress)
			}
		}
	}
	if !found {
		t.Error("no city-wide row for 1.1")
	}
	if r := f.do(t, nil, "GET", "/api/v1/plans/"+f.plan+"/schedules", nil, nil); !strings.Contains(r.body, `"1.1":[10,40,70,100]`) {
		t.Errorf("schedules = %s", r.body)
	}
}
