package http_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestLiveVersion checks what an open dashboard polls: the version of the
// plan's figures moves when a report is approved and not when someone logs
// in, the dashboard carries the version it was computed from, and only
// those who may read the dashboards may ask.
func TestLiveVersion(t *testing.T) {
	f := newReportFixture(t)
	version := func(who string) string {
		t.Helper()
		r := f.get(t, who, "/api/v1/plans/"+f.plan+"/live")
		if r.status != 200 {
			t.Fatalf("%s: live = %d %s", who, r.status, r.body)
		}
		var v struct{ Version string }
		if err := json.Unmarshal([]byte(r.body), &v); err != nil || v.Version == "" {
			t.Fatalf("live = %s (%v)", r.body, err)
		}
		return v.Version
	}
	v1 := version("boss")
	if page := f.get(t, "boss", "/dash?plan="+f.plan+"&at=2020-07-10"); page.status != 200 ||
		!strings.Contains(page.body, `data-version="`+v1+`"`) || !strings.Contains(page.body, `data-url="/api/v1/plans/`+f.plan+`/live"`) {
		t.Fatalf("the dashboard does not carry version %s: %d", v1, page.status)
	}
	f.token(t, "coord") // a login moves the audit head, not the figures
	if v := version("boss"); v != v1 {
		t.Errorf("a login changed the version: %s → %s", v1, v)
	}
	if r := f.put(t, "lc", "1.1", f.lc, "2020-06", `{"value": 5, "submit": true}`); r.status != 200 {
		t.Fatalf("save = %d %s", r.status, r.body)
	}
	v2 := version("coord")
	if v2 == v1 {
		t.Fatalf("a submitted report left the version at %s", v1)
	}
	if r := f.post(t, "coord", "1.1", f.lc, "2020-06", "approve", ""); r.status != 200 {
		t.Fatalf("approve = %d %s", r.status, r.body)
	}
	if page := f.get(t, "boss", "/dash?plan="+f.plan+"&at=2020-07-10"); strings.Contains(page.body, `data-version="`+v1+`"`) {
		t.Error("the dashboard after a change still carries the old version")
	}
	if r := f.get(t, "lc", "/api/v1/plans/"+f.plan+"/live"); r.status != 403 {
		t.Errorf("a reporter asks for the live version: %d, want 403", r.status)
	}
	if r := f.get(t, "", "/api/v1/plans/"+f.plan+"/live"); r.status != 401 {
		t.Errorf("the public asks for the live version: %d, want 401", r.status)
	}
}
