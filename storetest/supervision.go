package storetest

import (
	"fmt"
	"strings"
	"testing"

	"gongfu"
)

// supervisionTests cover supervision notices (督办单) and explanations.
var supervisionTests = []struct {
	name string
	fn   func(t *testing.T, s gongfu.Store)
}{
	{"SupervisionLifecycle", testSupervisionLifecycle},
	{"SupervisionCloseOpen", testSupervisionCloseOpen},
	{"SupervisionInvalidWritesNothing", testSupervisionInvalid},
	{"SupervisionFilter", testSupervisionFilter},
	{"Explanations", testExplanations},
	{"ExplanationsInvalidWriteNothing", testExplanationsInvalid},
}

// supervision returns a valid notice on 1.1 of the first county for f.
func (f *reportFixture) supervision() *gongfu.Supervision {
	return &gongfu.Supervision{PlanID: f.plan, ItemID: "1.1", OrgID: f.areas[1].ID, Period: "2020-06",
		Light: "red", Text: "请说明滞后原因并加快进度", Deadline: "2020-07-20"}
}

// noticeCount counts an org's notices of kind.
func noticeCount(t *testing.T, s gongfu.Store, org int64, kind string) int {
	t.Helper()
	ns, err := s.FindNotices(t.Context(), org, 500)
	mustNoErr(t, err)
	n := 0
	for _, x := range ns {
		if x.Kind == kind {
			n++
		}
	}
	return n
}

func testSupervisionLifecycle(t *testing.T, s gongfu.Store) {
	f := newReportFixture(t, s)
	coord := gongfu.WithActor(t.Context(), &gongfu.User{Name: "coord"})
	rep := gongfu.WithActor(t.Context(), &gongfu.User{Name: "lc"})
	lc := f.areas[1].ID
	head, err := s.AuditHead(coord)
	mustNoErr(t, err)

	v := f.supervision()
	v.Text = "  请说明滞后原因并加快进度  "
	mustNoErr(t, s.CreateSupervision(coord, v))
	if v.ID == 0 || v.Status != gongfu.SupervisionOpen || v.CreatedBy != "coord" || v.CreatedAt.IsZero() ||
		v.Text != "请说明滞后原因并加快进度" || !v.AnsweredAt.IsZero() {
		t.Fatalf("created = %s", jsonOf(v))
	}
	// The notice to the unit is written with it, and both are audited.
	ns, err := s.FindNotices(coord, lc, 10)
	mustNoErr(t, err)
	if len(ns) != 1 || ns[0].Kind != "supervision" || ns[0].PlanID != f.plan || ns[0].Period != "2020-06" ||
		!strings.Contains(ns[0].Text, "1.1") || !strings.Contains(ns[0].Text, "2020-07-20") || ns[0].CreatedBy != "coord" {
		t.Fatalf("notices = %s", jsonOf(ns))
	}
	es := allAudit(t, s)
	if got := es[len(es)-2:]; got[0].Action != "supervision.create" || got[0].Actor != "coord" ||
		!strings.Contains(got[0].New, "滞后") || got[1].Action != "notice.supervision" {
		t.Errorf("audit = %s", jsonOf(got))
	}
	if h, _ := s.AuditHead(coord); h != head+2 {
		t.Errorf("audit head %d after create, want %d", h, head+2)
	}

	got, err := s.FindSupervision(coord, v.ID)
	mustNoErr(t, err)
	if jsonOf(got) != jsonOf(v) {
		t.Errorf("found %s\nwant %s", jsonOf(got), jsonOf(v))
	}
	// A second notice on the same item, unit and period waits for the first.
	wantCode(t, s.CreateSupervision(coord, f.supervision()), gongfu.ECONFLICT)

	// Wrong states: an open notice cannot be closed without a comment.
	_, err = s.CloseSupervision(coord, v.ID, " ")
	wantCode(t, err, gongfu.EINVALID)
	_, err = s.AnswerSupervision(rep, v.ID, "  ")
	wantCode(t, err, gongfu.EINVALID)

	a, err := s.AnswerSupervision(rep, v.ID, "已约谈施工单位，7月底前完成3所")
	mustNoErr(t, err)
	if a.Status != gongfu.SupervisionAnswered || a.Answer != "已约谈施工单位，7月底前完成3所" || a.AnsweredBy != "lc" || a.AnsweredAt.IsZero() {
		t.Errorf("answered = %s", jsonOf(a))
	}
	_, err = s.AnswerSupervision(rep, v.ID, "again")
	wantCode(t, err, gongfu.ECONFLICT)

	c, err := s.CloseSupervision(coord, v.ID, "")
	mustNoErr(t, err)
	if c.Status != gongfu.SupervisionClosed || c.ClosedBy != "coord" || c.ClosedAt.IsZero() || c.Answer == "" {
		t.Errorf("closed = %s", jsonOf(c))
	}
	_, err = s.CloseSupervision(coord, v.ID, "again")
	wantCode(t, err, gongfu.ECONFLICT)
	_, err = s.AnswerSupervision(rep, v.ID, "late")
	wantCode(t, err, gongfu.ECONFLICT)
	got, err = s.FindSupervision(coord, v.ID)
	mustNoErr(t, err)
	if jsonOf(got) != jsonOf(c) {
		t.Errorf("stored %s\nwant %s", jsonOf(got), jsonOf(c))
	}
	// Once closed, the item may be supervised again.
	mustNoErr(t, s.CreateSupervision(coord, f.supervision()))

	_, err = s.FindSupervision(coord, 99999)
	wantCode(t, err, gongfu.ENOTFOUND)
	_, err = s.AnswerSupervision(rep, 99999, "x")
	wantCode(t, err, gongfu.ENOTFOUND)
	_, err = s.CloseSupervision(coord, 99999, "x")
	wantCode(t, err, gongfu.ENOTFOUND)

	var actions []string
	for _, e := range allAudit(t, s) {
		if strings.HasPrefix(e.Action, "supervision.") {
			actions = append(actions, e.Action)
		}
	}
	if want := "supervision.create supervision.answer supervision.close supervision.create"; strings.Join(actions, " ") != want {
		t.Errorf("audit actions %v, want %s", actions, want)
	}
	if seq, err := s.VerifyAudit(coord); seq != 0 || err != nil {
		t.Errorf("VerifyAudit = %d, %v", seq, err)
	}
}

func testSupervisionCloseOpen(t *testing.T, s gongfu.Store) {
	f := newReportFixture(t, s)
	ctx := gongfu.WithActor(t.Context(), &gongfu.User{Name: "coord"})
	v := f.supervision()
	v.Light = "yellow"
	mustNoErr(t, s.CreateSupervision(ctx, v))
	c, err := s.CloseSupervision(ctx, v.ID, "已于月度例会当面督办")
	mustNoErr(t, err)
	if c.Status != gongfu.SupervisionClosed || c.Comment != "已于月度例会当面督办" || c.Answer != "" || c.Light != "yellow" {
		t.Errorf("closed = %s", jsonOf(c))
	}
	es := allAudit(t, s)
	if last := es[len(es)-1]; last.Action != "supervision.close" || !strings.Contains(last.Old, `"open"`) || !strings.Contains(last.New, `"closed"`) {
		t.Errorf("last audit = %s", jsonOf(last))
	}
}

func testSupervisionInvalid(t *testing.T, s gongfu.Store) {
	f := newReportFixture(t, s)
	ctx := gongfu.WithActor(t.Context(), &gongfu.User{Name: "coord"})
	before := snap(t, s)
	for _, tt := range []struct {
		name   string
		modify func(v *gongfu.Supervision)
		code   string
	}{
		{"no text", func(v *gongfu.Supervision) { v.Text = "  " }, gongfu.EINVALID},
		{"text too long", func(v *gongfu.Supervision) { v.Text = strings.Repeat("督", 2001) }, gongfu.EINVALID},
		{"green light", func(v *gongfu.Supervision) { v.Light = "green" }, gongfu.EINVALID},
		{"no deadline", func(v *gongfu.Supervision) { v.Deadline = "" }, gongfu.EINVALID},
		{"bad deadline", func(v *gongfu.Supervision) { v.Deadline = "2020-02-30" }, gongfu.EINVALID},
		{"bad period", func(v *gongfu.Supervision) { v.Period = "2020-6" }, gongfu.EINVALID},
		{"no org", func(v *gongfu.Supervision) { v.OrgID = 0 }, gongfu.EINVALID},
		{"unknown org", func(v *gongfu.Supervision) { v.OrgID = 99999 }, gongfu.ENOTFOUND},
		{"unknown item", func(v *gongfu.Supervision) { v.ItemID = "9.9" }, gongfu.ENOTFOUND},
		{"unknown plan", func(v *gongfu.Supervision) { v.PlanID = 99999 }, gongfu.ENOTFOUND},
	} {
		t.Run(tt.name, func(t *testing.T) {
			v := f.supervision()
			tt.modify(v)
			wantCode(t, s.CreateSupervision(ctx, v), tt.code)
			if v.ID != 0 {
				t.Errorf("id %d set on a refused notice", v.ID)
			}
		})
	}
	wantCode(t, s.CreateSupervision(ctx, nil), gongfu.EINVALID)
	if after := snap(t, s); after != before {
		t.Errorf("invalid notices wrote: before %+v, after %+v", before, after)
	}
	if n := noticeCount(t, s, f.areas[1].ID, "supervision"); n != 0 {
		t.Errorf("%d notices after refused supervisions", n)
	}
	list, err := s.FindSupervisions(ctx, gongfu.SupervisionFilter{PlanID: f.plan})
	mustNoErr(t, err)
	if len(list) != 0 {
		t.Errorf("supervisions = %s", jsonOf(list))
	}
	// A refused answer or close writes nothing either.
	v := f.supervision()
	mustNoErr(t, s.CreateSupervision(ctx, v))
	before = snap(t, s)
	_, err = s.AnswerSupervision(ctx, v.ID, strings.Repeat("整", 2001))
	wantCode(t, err, gongfu.EINVALID)
	_, err = s.CloseSupervision(ctx, v.ID, "")
	wantCode(t, err, gongfu.EINVALID)
	if after := snap(t, s); after != before {
		t.Errorf("refused changes wrote: before %+v, after %+v", before, after)
	}
	if got, _ := s.FindSupervision(ctx, v.ID); got.Status != gongfu.SupervisionOpen {
		t.Errorf("status %s after refused changes", got.Status)
	}
}

func testSupervisionFilter(t *testing.T, s gongfu.Store) {
	f := newReportFixture(t, s)
	ctx := gongfu.WithActor(t.Context(), &gongfu.User{Name: "coord"})
	lc, ra, edu := f.areas[1].ID, f.areas[2].ID, f.org(t, "市教育局")
	mk := func(item string, org int64, period string) *gongfu.Supervision {
		v := f.supervision()
		v.ItemID, v.OrgID, v.Period = item, org, period
		mustNoErr(t, s.CreateSupervision(ctx, v))
		return v
	}
	a := mk("1.1", lc, "2020-05")
	b := mk("1.1", ra, "2020-05")
	c := mk("1.m2", edu, "2020-06") // a milestone, supervised at its lead department
	d := mk("1.1", lc, "2020-06")
	if _, err := s.AnswerSupervision(ctx, a.ID, "已整改"); err != nil {
		t.Fatal(err)
	}
	ids := func(f gongfu.SupervisionFilter) []int64 {
		list, err := s.FindSupervisions(ctx, f)
		mustNoErr(t, err)
		var out []int64
		for _, v := range list {
			out = append(out, v.ID)
		}
		return out
	}
	for _, tt := range []struct {
		f    gongfu.SupervisionFilter
		want []int64
	}{
		{gongfu.SupervisionFilter{}, []int64{d.ID, c.ID, b.ID, a.ID}},
		{gongfu.SupervisionFilter{PlanID: f.plan}, []int64{d.ID, c.ID, b.ID, a.ID}},
		{gongfu.SupervisionFilter{PlanID: f.plan + 1}, nil},
		{gongfu.SupervisionFilter{OrgID: lc}, []int64{d.ID, a.ID}},
		{gongfu.SupervisionFilter{OrgID: edu}, []int64{c.ID}},
		{gongfu.SupervisionFilter{Status: gongfu.SupervisionAnswered}, []int64{a.ID}},
		{gongfu.SupervisionFilter{PlanID: f.plan, OrgID: lc, Status: gongfu.SupervisionOpen}, []int64{d.ID}},
	} {
		if got := ids(tt.f); jsonOf(got) != jsonOf(tt.want) {
			t.Errorf("FindSupervisions(%+v) = %v, want %v", tt.f, got, tt.want)
		}
	}
	if n := noticeCount(t, s, lc, "supervision"); n != 2 {
		t.Errorf("鹿城区 has %d supervision notices, want 2", n)
	}
	if n := noticeCount(t, s, edu, "supervision"); n != 1 {
		t.Errorf("市教育局 has %d supervision notices, want 1", n)
	}
}

func testExplanations(t *testing.T, s gongfu.Store) {
	f := newReportFixture(t, s)
	rep := gongfu.WithActor(t.Context(), &gongfu.User{Name: "lc"})
	city, lc, ra := f.areas[0].ID, f.areas[1].ID, f.areas[2].ID
	e := &gongfu.Explanation{PlanID: f.plan, ItemID: "1.1", OrgID: lc, Period: "2020-06", Text: " 受疫情影响开工推迟 "}
	mustNoErr(t, s.SaveExplanation(rep, e))
	if e.By != "lc" || e.At.IsZero() || e.Text != "受疫情影响开工推迟" {
		t.Errorf("saved = %s", jsonOf(e))
	}
	// Saving again replaces the text: one explanation per item, area and period.
	e2 := &gongfu.Explanation{PlanID: f.plan, ItemID: "1.1", OrgID: lc, Period: "2020-06", Text: "受疫情影响开工推迟，7月已全面复工"}
	mustNoErr(t, s.SaveExplanation(rep, e2))
	mustNoErr(t, s.SaveExplanation(rep, &gongfu.Explanation{PlanID: f.plan, ItemID: "1.1", OrgID: ra, Period: "2020-06", Text: "用地未落实"}))
	mustNoErr(t, s.SaveExplanation(rep, &gongfu.Explanation{PlanID: f.plan, ItemID: "1.m2", OrgID: city, Period: "2020-06", Text: "规划待审批"}))
	mustNoErr(t, s.SaveExplanation(rep, &gongfu.Explanation{PlanID: f.plan, ItemID: "1.1", OrgID: lc, Period: "2020-05", Text: "五月说明"}))

	got, err := s.FindExplanations(rep, f.plan, "1.1")
	mustNoErr(t, err)
	type row struct {
		org    int64
		period string
		text   string
	}
	var rows []row
	for _, x := range got {
		rows = append(rows, row{x.OrgID, x.Period, x.Text})
		if x.PlanID != f.plan || x.ItemID != "1.1" || x.By != "lc" || x.At.IsZero() {
			t.Errorf("explanation = %s", jsonOf(x))
		}
	}
	want := []row{{lc, "2020-05", "五月说明"}, {lc, "2020-06", "受疫情影响开工推迟，7月已全面复工"}, {ra, "2020-06", "用地未落实"}}
	if lc > ra {
		want = []row{want[2], want[0], want[1]}
	}
	if fmt.Sprint(rows) != fmt.Sprint(want) {
		t.Errorf("explanations of 1.1 = %v, want %v", rows, want)
	}
	all, err := s.FindExplanations(rep, f.plan, "")
	mustNoErr(t, err)
	if len(all) != 4 || all[len(all)-1].ItemID != "1.m2" {
		t.Errorf("all explanations = %s", jsonOf(all))
	}
	none, err := s.FindExplanations(rep, f.plan, "2.1")
	mustNoErr(t, err)
	if none == nil || len(none) != 0 {
		t.Errorf("explanations of an item without any = %#v, want empty", none)
	}

	var saves []gongfu.AuditEntry
	for _, x := range allAudit(t, s) {
		if x.Action == "explanation.save" {
			saves = append(saves, x)
		}
	}
	if len(saves) != 5 || saves[1].Old != "受疫情影响开工推迟" || saves[1].New != "受疫情影响开工推迟，7月已全面复工" ||
		saves[0].Old != "" || saves[1].Object != saves[0].Object || saves[1].Actor != "lc" {
		t.Errorf("explanation audit = %s", jsonOf(saves))
	}
	if seq, err := s.VerifyAudit(rep); seq != 0 || err != nil {
		t.Errorf("VerifyAudit = %d, %v", seq, err)
	}
}

func testExplanationsInvalid(t *testing.T, s gongfu.Store) {
	f := newReportFixture(t, s)
	ctx := gongfu.WithActor(t.Context(), &gongfu.User{Name: "lc"})
	lc := f.areas[1].ID
	before := snap(t, s)
	for _, tt := range []struct {
		name string
		e    *gongfu.Explanation
		code string
	}{
		{"no text", &gongfu.Explanation{PlanID: f.plan, ItemID: "1.1", OrgID: lc, Period: "2020-06", Text: " "}, gongfu.EINVALID},
		{"text too long", &gongfu.Explanation{PlanID: f.plan, ItemID: "1.1", OrgID: lc, Period: "2020-06", Text: strings.Repeat("说", 2001)}, gongfu.EINVALID},
		{"bad period", &gongfu.Explanation{PlanID: f.plan, ItemID: "1.1", OrgID: lc, Period: "June", Text: "x"}, gongfu.EINVALID},
		{"no org", &gongfu.Explanation{PlanID: f.plan, ItemID: "1.1", Period: "2020-06", Text: "x"}, gongfu.EINVALID},
		{"a department", &gongfu.Explanation{PlanID: f.plan, ItemID: "1.1", OrgID: f.org(t, "市教育局"), Period: "2020-06", Text: "x"}, gongfu.EINVALID},
		{"unknown org", &gongfu.Explanation{PlanID: f.plan, ItemID: "1.1", OrgID: 99999, Period: "2020-06", Text: "x"}, gongfu.ENOTFOUND},
		{"unknown item", &gongfu.Explanation{PlanID: f.plan, ItemID: "9.9", OrgID: lc, Period: "2020-06", Text: "x"}, gongfu.ENOTFOUND},
		{"nil", nil, gongfu.EINVALID},
	} {
		t.Run(tt.name, func(t *testing.T) {
			wantCode(t, s.SaveExplanation(ctx, tt.e), tt.code)
		})
	}
	if after := snap(t, s); after != before {
		t.Errorf("invalid explanations wrote: before %+v, after %+v", before, after)
	}
	got, err := s.FindExplanations(ctx, f.plan, "")
	mustNoErr(t, err)
	if len(got) != 0 {
		t.Errorf("explanations = %s", jsonOf(got))
	}
}
