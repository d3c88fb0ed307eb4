package http

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"gongfu"
)

// reportKey reads {planID}/{targetID}/{orgID}/{period} from the path. A
// malformed id is "not found"; a malformed period is invalid input.
func reportKey(r *http.Request) (gongfu.ReportKey, error) {
	planID, err := pathID(r, "planID")
	if err != nil {
		return gongfu.ReportKey{}, err
	}
	orgID, err := pathID(r, "orgID")
	if err != nil {
		return gongfu.ReportKey{}, err
	}
	item := r.PathValue("targetID")
	if item == "" || len(item) > 64 {
		return gongfu.ReportKey{}, gongfu.Failf(gongfu.ENOTFOUND, "找不到该指标")
	}
	p, err := gongfu.ParsePeriod(r.PathValue("period"))
	if err != nil {
		return gongfu.ReportKey{}, err
	}
	return gongfu.ReportKey{PlanID: planID, ItemID: item, OrgID: orgID, Period: p.String()}, nil
}

// planItem finds a report's target or milestone in its plan.
func (s *Server) planItem(ctx context.Context, k gongfu.ReportKey) (*gongfu.Plan, *gongfu.Target, bool, error) {
	p, err := s.plan(ctx, k.PlanID)
	if err != nil {
		return nil, nil, false, err
	}
	if _, _, t := p.FindTarget(k.ItemID); t != nil {
		return p, t, false, nil
	}
	for _, d := range p.Domains {
		for _, t := range d.Tasks {
			for _, m := range t.Milestones {
				if m.ID == k.ItemID {
					return p, &gongfu.Target{ID: m.ID, Name: m.Text}, true, nil
				}
			}
		}
	}
	return nil, nil, false, gongfu.Failf(gongfu.ENOTFOUND, "计划中没有指标 %s", k.ItemID)
}

// reportInput is the body of PUT …/reports/…: the figures and the version
// the client read (omit it to skip the check).
type reportInput struct {
	Value       *float64     `json:"value"`
	Numerator   *float64     `json:"numerator"`
	Denominator *float64     `json:"denominator"`
	Stage       gongfu.Stage `json:"stage"`
	Percent     *float64     `json:"percent"`
	Note        string       `json:"note"`
	Reason      string       `json:"reason"`
	Version     *int64       `json:"version"`
	Submit      bool         `json:"submit"`
}

// apiGetReport returns one report within the caller's scope.
func (s *Server) apiGetReport(w http.ResponseWriter, r *http.Request) error {
	k, err := reportKey(r)
	if err != nil {
		return err
	}
	u, _, err := s.currentUser(r)
	if err != nil {
		return err
	}
	if err := s.can(r.Context(), u, actReadReports, scope{k.PlanID, k.ItemID, k.OrgID}); err != nil {
		return err
	}
	rep, err := s.Store.FindReport(r.Context(), k)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rep)
}

// apiPutReport saves a report's figures: 401 without login, 403 outside the
// caller's scope, 422 with reasons when invalid, 409 when locked or stale.
func (s *Server) apiPutReport(w http.ResponseWriter, r *http.Request) error {
	k, err := reportKey(r)
	if err != nil {
		return err
	}
	u, _, err := s.currentUser(r)
	if err != nil {
		return err
	}
	if u == nil {
		return gongfu.Failf(gongfu.EUNAUTHORIZED, "请先登录")
	}
	var in reportInput
	if err := decodeJSON(w, r, &in); err != nil {
		return s.countReport(err)
	}
	if err := s.can(r.Context(), u, actWriteReport, scope{k.PlanID, k.ItemID, k.OrgID}); err != nil {
		return s.countReport(err)
	}
	rep := &gongfu.Report{ReportKey: k, Value: in.Value, Numerator: in.Numerator, Denominator: in.Denominator,
		Stage: in.Stage, Percent: in.Percent, Note: strings.TrimSpace(in.Note), Reason: strings.TrimSpace(in.Reason)}
	if in.Submit {
		rep.Status = gongfu.StatusSubmitted
	}
	ctx := gongfu.WithActor(r.Context(), u)
	if err := s.checkReport(ctx, rep); err != nil {
		return s.countReport(err)
	}
	expect := int64(-1)
	if in.Version != nil {
		expect = *in.Version
	}
	if err := s.countReport(s.Store.SaveReport(ctx, rep, expect)); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rep)
}

// checkReport validates a report before it is saved: the period lies in the
// plan year and is not in the future, the figures fit the target, a
// year-to-date value below the previous period's has a reason, and a value
// far from the item's own history is flagged for the reviewer.
func (s *Server) checkReport(ctx context.Context, rep *gongfu.Report) error {
	p, t, milestone, err := s.planItem(ctx, rep.ReportKey)
	if err != nil {
		return err
	}
	per, _ := gongfu.ParsePeriod(rep.Period)
	settings, err := s.Store.FindPlanSettings(ctx, rep.PlanID)
	if err != nil {
		return err
	}
	if per.Freq != settings.Frequency {
		if settings.Frequency == gongfu.Quarterly {
			return gongfu.Failf(gongfu.EINVALID, "本计划按季度填报，报告期应为 YYYY-Qn")
		}
		return gongfu.Failf(gongfu.EINVALID, "本计划按月填报，报告期应为 YYYY-MM")
	}
	if p.Year != 0 && per.Year != p.Year {
		return gongfu.Failf(gongfu.EINVALID, "报告期 %s 不在计划年度 %d 内", rep.Period, p.Year)
	}
	if now := s.Now(); per.End().AddDate(0, 0, -per.End().Day()+1).After(now) {
		return gongfu.Failf(gongfu.EINVALID, "报告期 %s 尚未开始", rep.Period)
	}
	org, err := s.orgByID(ctx, rep.OrgID)
	if err != nil {
		return err
	}
	if !org.Kind.IsArea() {
		return gongfu.Failf(gongfu.EINVALID, "填报对象应为地区（市或县），部门的全市合计填报在市")
	}
	if err := rep.CheckFigures(t, milestone); err != nil {
		return err
	}
	if milestone {
		return nil
	}
	history, err := s.Store.FindReports(ctx, gongfu.ReportFilter{PlanID: rep.PlanID, ItemID: rep.ItemID, OrgID: rep.OrgID})
	if err != nil {
		return err
	}
	var past []float64
	var prev *gongfu.Report
	for _, h := range history {
		if h.Period < rep.Period && h.Value != nil {
			past = append(past, *h.Value)
			prev = h
		}
	}
	if prev != nil && t.Kind == gongfu.KindIncrement && *rep.Value < *prev.Value && rep.Reason == "" {
		e := gongfu.Failf(gongfu.EINVALID, "累计值 %s 低于上期（%s）的 %s，请填写原因（reason）", fmtF(*rep.Value), prev.Period, fmtF(*prev.Value))
		e.Details = []string{"reason: " + gongfu.Detail("累计值下降须说明原因")}
		return e
	}
	// For amounts produced over the year the comparable quantity is each
	// period's increment, not the growing cumulative figure.
	series, v := past, *rep.Value
	if t.Kind == gongfu.KindIncrement && len(past) > 0 {
		series = make([]float64, len(past))
		last := 0.0
		for i, x := range past {
			series[i], last = x-last, x
		}
		v = *rep.Value - last
	}
	if z, ok := gongfu.RobustZ(series, v); ok && (z > gongfu.OutlierThreshold || z < -gongfu.OutlierThreshold) {
		rep.Flags = append(rep.Flags, gongfu.Detailf("本期数值与该指标以往数据差异很大（稳健 z 值 %.1f，超过 %.1f），请核实", z, gongfu.OutlierThreshold))
	}
	return nil
}

func fmtF(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// reviewInput is the body of a review action: a comment when returning, a
// reason when reopening.
type reviewInput struct {
	Comment string `json:"comment"`
	Reason  string `json:"reason"`
}

// reviewStep is one move of a report through review: who may make it, from
// which states, to which, and which note it must carry.
type reviewStep struct {
	act  action
	from []gongfu.ReportStatus
	to   gongfu.ReportStatus
	// needs names the note the move requires: "comment" (a return) or
	// "reason" (a reopen); "" when a comment is optional.
	needs string
}

// reviewSteps is the review state machine, the one table both the JSON API
// and the review pages move reports by: submit (the reporter), approve and
// return (a coordinator), reopen (a coordinator, with a reason).
var reviewSteps = map[string]reviewStep{
	"submit":  {actWriteReport, []gongfu.ReportStatus{gongfu.StatusDraft, gongfu.StatusReturned}, gongfu.StatusSubmitted, ""},
	"approve": {actReviewReport, []gongfu.ReportStatus{gongfu.StatusSubmitted}, gongfu.StatusApproved, ""},
	"return":  {actReviewReport, []gongfu.ReportStatus{gongfu.StatusSubmitted}, gongfu.StatusReturned, "comment"},
	"reopen":  {actReopenReport, []gongfu.ReportStatus{gongfu.StatusApproved}, gongfu.StatusDraft, "reason"},
}

// reviewStepFor returns the move a verb names, ENOTFOUND for an unknown verb.
func reviewStepFor(verb string) (reviewStep, error) {
	st, ok := reviewSteps[verb]
	if !ok {
		return reviewStep{}, gongfu.Failf(gongfu.ENOTFOUND, "没有这个操作")
	}
	return st, nil
}

// note returns what the move records in the audit trail: the reason of a
// reopen, else the comment. EINVALID when the note the move needs is blank.
func (st reviewStep) note(comment, reason string) (string, error) {
	comment, reason = strings.TrimSpace(comment), strings.TrimSpace(reason)
	switch st.needs {
	case "comment":
		if comment == "" {
			return "", gongfu.Failf(gongfu.EINVALID, "退回须填写意见（comment）")
		}
	case "reason":
		if reason == "" {
			return "", gongfu.Failf(gongfu.EINVALID, "重新打开须填写原因（reason）")
		}
		return reason, nil
	}
	return comment, nil
}

// appliesTo reports whether the move can start from status.
func (st reviewStep) appliesTo(status gongfu.ReportStatus) bool {
	return slices.Contains(st.from, status)
}

// apiReviewReport moves a report through review: submit (its reporter),
// approve and return (a coordinator), reopen (a coordinator, with a reason).
func (s *Server) apiReviewReport(w http.ResponseWriter, r *http.Request) error {
	k, err := reportKey(r)
	if err != nil {
		return err
	}
	u, _, err := s.currentUser(r)
	if err != nil {
		return err
	}
	if u == nil {
		return gongfu.Failf(gongfu.EUNAUTHORIZED, "请先登录")
	}
	var in reviewInput
	if r.ContentLength != 0 {
		if err := decodeJSON(w, r, &in); err != nil {
			return err
		}
	}
	st, err := reviewStepFor(r.PathValue("verb"))
	if err != nil {
		return err
	}
	note, err := st.note(in.Comment, in.Reason)
	if err != nil {
		return err
	}
	if err := s.can(r.Context(), u, st.act, scope{k.PlanID, k.ItemID, k.OrgID}); err != nil {
		return err
	}
	rep, err := s.Store.SetReportStatus(gongfu.WithActor(r.Context(), u), k, st.from, st.to, note)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rep)
}

// apiListReports lists a plan's reports, filtered by ?period=, ?org=,
// ?target= and ?status=; a reporter sees only its own scope.
func (s *Server) apiListReports(w http.ResponseWriter, r *http.Request) error {
	planID, u, err := s.planAction(r, actReadReports)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := gongfu.ReportFilter{PlanID: planID, ItemID: q.Get("target"), Status: gongfu.ReportStatus(q.Get("status"))}
	if v := q.Get("period"); v != "" {
		p, err := gongfu.ParsePeriod(v)
		if err != nil {
			return err
		}
		f.Period = p.String()
	}
	if v := q.Get("org"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return gongfu.Failf(gongfu.EINVALID, "org 应为组织编号")
		}
		f.OrgID = id
	}
	reps, err := s.Store.FindReports(r.Context(), f)
	if err != nil {
		return err
	}
	out := make([]*gongfu.Report, 0, len(reps))
	for _, rep := range reps {
		if s.can(r.Context(), u, actReadReports, scope{rep.PlanID, rep.ItemID, rep.OrgID}) == nil {
			out = append(out, rep)
		}
	}
	return writeJSON(w, http.StatusOK, out)
}
