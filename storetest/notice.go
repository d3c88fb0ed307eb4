package storetest

import (
	"bytes"
	"testing"

	"gongfu"
)

// noticeTests cover notices, attachments and responsibility edits.
var noticeTests = []struct {
	name string
	fn   func(t *testing.T, s gongfu.Store)
}{
	{"Notices", testNotices},
	{"Attachments", testAttachments},
	{"ItemUnitsEdit", testItemUnits},
}

func testNotices(t *testing.T, s gongfu.Store) {
	f := newReportFixture(t, s)
	ctx := gongfu.WithActor(t.Context(), &gongfu.User{Name: "coord"})
	lc, ra := f.areas[1].ID, f.areas[2].ID
	ns := []*gongfu.Notice{
		{OrgID: lc, PlanID: f.plan, Period: "2020-05", Kind: "reminder", Text: "请于6月5日前报送5月数据"},
		{OrgID: ra, PlanID: f.plan, Period: "2020-05", Kind: "reminder", Text: "请报送"},
		{OrgID: lc, PlanID: f.plan, Period: "2020-06", Kind: "reminder", Text: "请报送6月数据"},
	}
	mustNoErr(t, s.CreateNotices(ctx, ns))
	got, err := s.FindNotices(ctx, lc, 10)
	mustNoErr(t, err)
	if len(got) != 2 || got[0].Period != "2020-06" || got[0].CreatedBy != "coord" || got[0].ID == 0 || got[0].CreatedAt.IsZero() {
		t.Fatalf("notices = %s", jsonOf(got))
	}
	wantCode(t, s.CreateNotices(ctx, []*gongfu.Notice{{OrgID: lc, PlanID: f.plan, Kind: "reminder", Text: " "}}), gongfu.EINVALID)
	// A notice to an org that does not exist writes nothing.
	err = s.CreateNotices(ctx, []*gongfu.Notice{{OrgID: lc, PlanID: f.plan, Kind: "reminder", Text: "a"}, {OrgID: 99999, PlanID: f.plan, Kind: "reminder", Text: "b"}})
	if err == nil {
		t.Error("notice to a missing org accepted")
	}
	if got, _ := s.FindNotices(ctx, lc, 10); len(got) != 2 {
		t.Errorf("a failed batch left %d notices, want 2", len(got))
	}
}

func testAttachments(t *testing.T, s gongfu.Store) {
	f := newReportFixture(t, s)
	ctx := gongfu.WithActor(t.Context(), &gongfu.User{Name: "rep"})
	k := f.key("1.1", 1, "2020-05")
	a := &gongfu.Attachment{Key: k, Name: "验收单.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.4 test")}
	wantCode(t, s.AddAttachment(ctx, a), gongfu.ENOTFOUND) // no report yet
	v := 3.0
	mustNoErr(t, s.SaveReport(ctx, &gongfu.Report{ReportKey: k, Value: &v}, -1))
	mustNoErr(t, s.AddAttachment(ctx, a))
	if a.ID == 0 || a.Size != 13 || len(a.SHA256) != 64 {
		t.Errorf("attachment = %s", jsonOf(a))
	}
	list, err := s.FindAttachments(ctx, k)
	mustNoErr(t, err)
	if len(list) != 1 || list[0].Name != "验收单.pdf" || list[0].Data != nil {
		t.Errorf("list = %s", jsonOf(list))
	}
	got, err := s.FindAttachment(ctx, a.ID)
	mustNoErr(t, err)
	if !bytes.Equal(got.Data, a.Data) || got.Key != k {
		t.Errorf("attachment round trip: %s", jsonOf(got))
	}
	_, err = s.FindAttachment(ctx, 99999)
	wantCode(t, err, gongfu.ENOTFOUND)
	_, err = s.SetReportStatus(ctx, k, []gongfu.ReportStatus{gongfu.StatusDraft}, gongfu.StatusSubmitted, "")
	mustNoErr(t, err)
	_, err = s.SetReportStatus(ctx, k, []gongfu.ReportStatus{gongfu.StatusSubmitted}, gongfu.StatusApproved, "")
	mustNoErr(t, err)
	wantCode(t, s.AddAttachment(ctx, &gongfu.Attachment{Key: k, Name: "x.png", ContentType: "image/png", Data: []byte{1}}), gongfu.ECONFLICT)
	if _, err := s.VerifyAudit(ctx); err != nil {
		t.Error(err)
	}
}

func testItemUnits(t *testing.T, s gongfu.Store) {
	f := newReportFixture(t, s)
	ctx := t.Context()
	fin, hr := f.org(t, "市财政局"), f.org(t, "市人力社保局")
	mustNoErr(t, s.SetItemUnits(ctx, f.plan, "1.1", []gongfu.ItemUnit{{OrgID: fin}, {OrgID: hr, Lead: true}}))
	got, err := s.FindItemUnits(ctx, f.plan, "1.1")
	mustNoErr(t, err)
	if len(got) != 2 || got[0] != (gongfu.ItemUnit{OrgID: hr, Lead: true}) || got[1] != (gongfu.ItemUnit{OrgID: fin}) {
		t.Errorf("units = %s", jsonOf(got))
	}
	for _, bad := range [][]gongfu.ItemUnit{
		{{OrgID: fin}}, // no lead
		{{OrgID: fin, Lead: true}, {OrgID: hr, Lead: true}}, // two leads
		{{OrgID: fin, Lead: true}, {OrgID: fin}},            // repeated
		{{OrgID: f.areas[1].ID, Lead: true}},                // an area, not a department
	} {
		if err := s.SetItemUnits(ctx, f.plan, "1.1", bad); gongfu.ErrorCode(err) != gongfu.EINVALID {
			t.Errorf("SetItemUnits(%s) = %v, want EINVALID", jsonOf(bad), err)
		}
	}
	wantCode(t, s.SetItemUnits(ctx, f.plan, "9.9", []gongfu.ItemUnit{{OrgID: fin, Lead: true}}), gongfu.ENOTFOUND)
	if got2, _ := s.FindItemUnits(ctx, f.plan, "1.1"); jsonOf(got2) != jsonOf(got) {
		t.Errorf("failed edits changed the units: %s", jsonOf(got2))
	}
}
