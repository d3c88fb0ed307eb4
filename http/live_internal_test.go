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
