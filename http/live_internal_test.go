package http

import (
	"testing"

	"gongfu"
)

// TestClassifyEntry checks how the live figures read the audit trail: a
// report's entry names its key, security events and notices are skipped,
// and anything else (or unknown) invalidates assessments.
func TestClassifyEntry(t *testing.T) {
	for _, c := range []struct {
		action, object string
		kind           entryKind
		key            gongfu.ReportKey
	}{
		{"report.save", "report/3/1.10/42/2020-05", entryReport, gongfu.ReportKey{PlanID: 3, ItemID: "1.10", OrgID: 42, Period: "2020-05"}},
		{"report.approved", "report/3/8.m2/7/2020-Q2", entryReport, gongfu.ReportKey{PlanID: 3, ItemID: "8.m2", OrgID: 7, Period: "2020-Q2"}},
		{"report.save", "report/x/1.1/7/2020-05", entryConfig, gongfu.ReportKey{}}, // unreadable: be safe
		{"report.save", "report/3/1.1/7", entryConfig, gongfu.ReportKey{}},
		{"user.login", "user/coord", entryIgnored, gongfu.ReportKey{}},
		{"export", "plan/1/bulletin.docx", entryIgnored, gongfu.ReportKey{}},
		{"notice.remind", "notice/5", entryIgnored, gongfu.ReportKey{}},
		{"supervision.create", "supervision/2", entryIgnored, gongfu.ReportKey{}},
		{"quota.set", "quota/1/1.1", entryConfig, gongfu.ReportKey{}},
		{"plan.settings", "plan/1", entryConfig, gongfu.ReportKey{}},
		{"org.create", "org/9", entryConfig, gongfu.ReportKey{}},
		{"something.new", "x", entryConfig, gongfu.ReportKey{}},
	} {
		kind, key := classifyEntry(gongfu.AuditEntry{Action: c.action, Object: c.object})
		if kind != c.kind || key != c.key {
			t.Errorf("%s %s: %v %+v, want %v %+v", c.action, c.object, kind, key, c.kind, c.key)
		}
	}
}

// TestChangeOf follows one report through a month's review as the audit
// trail records it and checks which entries need the report read back.
func TestChangeOf(t *testing.T) {
	k := gongfu.ReportKey{PlanID: 1, ItemID: "1.1", OrgID: 7, Period: "2020-05"}
	v := 5.0
	saved := func(st gongfu.ReportStatus) gongfu.AuditEntry {
		j, err := gongfu.ReportAuditJSON(&gongfu.Report{ReportKey: k, Value: &v, Status: st})
		if err != nil {
			t.Fatal(err)
		}
		return gongfu.AuditEntry{Action: "report.save", New: j}
	}
	review := func(from, to gongfu.ReportStatus) gongfu.AuditEntry {
		return gongfu.AuditEntry{Action: "report." + string(to), Old: string(from), New: string(to)}
	}
	var ch reportChange
	seen := false
	step := func(e gongfu.AuditEntry) (reportChange, bool) {
		c, ok := changeOf(e, k, ch, seen)
		if ok {
			ch, seen = c, true
		}
		return c, ok
	}
	// A draft saved: put as a draft (which removes any official figure).
	if c, ok := step(saved(gongfu.StatusDraft)); !ok || c.read || c.put == nil || c.put.Status != gongfu.StatusDraft || *c.put.Value != 5 {
		t.Fatalf("draft saved: %+v %v", c, ok)
	}
	// Submitted in the same catch-up: the saved figures, now submitted.
	if c, ok := step(review(gongfu.StatusDraft, gongfu.StatusSubmitted)); !ok || c.read || c.put.Status != gongfu.StatusSubmitted || *c.put.Value != 5 {
		t.Fatalf("submitted after a save: %+v %v", c, ok)
	}
	// Approved: the same figures, nothing to do.
	if _, ok := step(review(gongfu.StatusSubmitted, gongfu.StatusApproved)); ok {
		t.Fatal("approval of a submitted report made a change")
	}
	// Reopened: the figure goes.
	if c, ok := step(review(gongfu.StatusApproved, gongfu.StatusDraft)); !ok || c.read || c.put.Status != gongfu.StatusDraft {
		t.Fatalf("reopened: %+v %v", c, ok)
	}
	// Submitted in a later catch-up, with no save seen: read it back.
	if c, ok := changeOf(review(gongfu.StatusDraft, gongfu.StatusSubmitted), k, reportChange{}, false); !ok || !c.read {
		t.Fatalf("submitted without its save: %+v %v", c, ok)
	}
	// A save entry that cannot be read: read the report instead.
	if c, ok := changeOf(gongfu.AuditEntry{Action: "report.save", New: "{"}, k, reportChange{}, false); !ok || !c.read {
		t.Fatalf("unreadable save: %+v %v", c, ok)
	}
}
