// This file is the browser side of the monthly reporting cycle: a
// reporter's items for a period (GET /report), the entry form of one item
// (GET and POST /report/{plan}/{item}/{org}/{period}) with its attachments
// (POST …/attachments), and the review queue with its approve, return and
// reopen forms (GET /review, POST /review/{plan}/{item}/{org}/{period}/{verb}).
// The spreadsheet download and upload of the list are in sheets.go.
//
// The pages add no rules of their own. Who may do what is decided by s.can,
// figures are checked by checkReport and stored by SaveReport, and reports
// move through review by the reviewSteps table, exactly as over the JSON API,
// so a form and a script can never disagree about what is allowed.
package http

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"gongfu"
)

// entryRoutes registers the reporting and review pages.
func (s *Server) entryRoutes(mux *http.ServeMux) {
	mux.Handle("GET /report", s.page(s.reportListPage))
	mux.Handle("GET /report/{planID}/{targetID}/{orgID}/{period}", s.page(s.entryPage))
	mux.Handle("POST /report/{planID}/{targetID}/{orgID}/{period}", s.page(s.entrySubmit))
	mux.Handle("POST /report/{planID}/{targetID}/{orgID}/{period}/attachments", s.page(s.attachmentSubmit))
	mux.Handle("GET /report/template.xlsx", s.page(s.templateDownload))
	mux.Handle("POST /report/upload", s.page(s.templateUpload))
	mux.Handle("GET /review", s.page(s.reviewPage))
	mux.Handle("POST /review/{planID}/{targetID}/{orgID}/{period}/{verb}", s.page(s.reviewSubmit))
}

// userOf returns the logged-in user of r, EUNAUTHORIZED for the public (a
// GET page then sends the visitor to the login form).
func (s *Server) userOf(r *http.Request) (*gongfu.User, error) {
	u, _, err := s.currentUser(r)
	if err != nil {
		return nil, err
	}
	if u == nil {
		return nil, gongfu.Failf(gongfu.EUNAUTHORIZED, "请先登录")
	}
	return u, nil
}

// reportingArea returns the area a reporter's figures are for, and its own
// org: a county reports for itself; a department (市教育局) reports the
// total of the area its government belongs to (the city).
func (s *Server) reportingArea(ctx context.Context, u *gongfu.User) (area, own *gongfu.Org, err error) {
	own, err = s.orgByID(ctx, u.OrgID)
	if err != nil {
		return nil, nil, err
	}
	if own.Kind.IsArea() {
		return own, own, nil
	}
	if own.ParentID == 0 {
		return nil, nil, gongfu.Failf(gongfu.EINVALID, "单位 %s 不属于任何地区，无法填报，请联系管理员", own.Name)
	}
	area, err = s.orgByID(ctx, own.ParentID)
	return area, own, err
}

// choosePlan returns the plan named by ?plan=, the newest when none is named.
func (s *Server) choosePlan(ctx context.Context, q url.Values, plans []*gongfu.PlanSummary) (*gongfu.Plan, error) {
	id := plans[0].ID
	if v := q.Get("plan"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return nil, gongfu.Failf(gongfu.ENOTFOUND, "找不到该计划")
		}
		id = n
	}
	return s.plan(ctx, id)
}

// planYear is the year a plan's periods fall in: its own, or now's when the
// document did not say.
func planYear(p *gongfu.Plan, now time.Time) int {
	if p.Year != 0 {
		return p.Year
	}
	return now.Year()
}

// defaultPeriod is the month a report is most likely being made for on day
// now in a plan of year: of the plan year's months that have ended, the one
// whose deadline (early in the month after) is nearest — the month before
// now's, or December for a plan year in the past; January when no month of
// the plan year has ended yet.
func defaultPeriod(year int, now time.Time) gongfu.Period {
	switch {
	case year < now.Year():
		return gongfu.MonthPeriod(year, 12)
	case year > now.Year() || now.Month() == time.January:
		return gongfu.MonthPeriod(year, 1)
	}
	return gongfu.MonthPeriod(year, int(now.Month())-1)
}

// lastOpenMonth is the latest month of the plan year that has begun by now,
// the last one a report can be made for (1 for a year still to come).
func lastOpenMonth(year int, now time.Time) int {
	switch {
	case year < now.Year():
		return 12
	case year > now.Year():
		return 1
	}
	return int(now.Month())
}

// option is one choice of a select or radio group.
type option struct {
	Value, Label string
	Selected     bool
}

// choosePeriod reads ?period= for a plan year: a month of the year that has
// begun, else the default. It returns the months to choose from as well.
func choosePeriod(lang, v string, year int, now time.Time) (gongfu.Period, []option) {
	last := lastOpenMonth(year, now)
	per := defaultPeriod(year, now)
	if p, err := gongfu.ParsePeriod(v); err == nil && p.Freq == gongfu.Monthly && p.Year == year && p.Index <= last {
		per = p
	}
	opts := make([]option, 0, last)
	for m := last; m >= 1; m-- {
		p := gongfu.MonthPeriod(year, m)
		opts = append(opts, option{Value: p.String(), Label: periodLabel(lang, p), Selected: p == per})
	}
	return per, opts
}

// periodLabel names a period for people: 2020年5月, May 2020.
func periodLabel(lang string, p gongfu.Period) string {
	if p.Freq == gongfu.Quarterly {
		if lang == langEN {
			return fmt.Sprintf("Q%d %d", p.Index, p.Year)
		}
		return fmt.Sprintf("%d年第%d季度", p.Year, p.Index)
	}
	if lang == langEN {
		return fmt.Sprintf("%s %d", time.Month(p.Index), p.Year)
	}
	return fmt.Sprintf("%d年%d月", p.Year, p.Index)
}

// planEntry is a target or milestone of a plan with the domain and task
// holding it.
type planEntry struct {
	Domain    *gongfu.Domain
	Task      *gongfu.Task
	Target    *gongfu.Target    // nil for a milestone
	Milestone *gongfu.Milestone // nil for a target
}

// ID is the item's id in its plan.
func (e planEntry) ID() string {
	if e.Milestone != nil {
		return e.Milestone.ID
	}
	return e.Target.ID
}

// Name is the target's name or the milestone's text.
func (e planEntry) Name() string {
	if e.Milestone != nil {
		return e.Milestone.Text
	}
	return e.Target.Name
}

// planEntries lists every target and milestone of p in plan order, each
// task's targets before its milestones.
func planEntries(p *gongfu.Plan) []planEntry {
	var out []planEntry
	for i := range p.Domains {
		d := &p.Domains[i]
		for j := range d.Tasks {
			t := &d.Tasks[j]
			for k := range t.Targets {
				out = append(out, planEntry{Domain: d, Task: t, Target: &t.Targets[k]})
			}
			for k := range t.Milestones {
				out = append(out, planEntry{Domain: d, Task: t, Milestone: &t.Milestones[k]})
			}
		}
	}
	return out
}

// goal says what an item commits to: "≥ 80 所" for a target, the due date
// of a milestone.
func goal(lang string, e planEntry) string {
	if e.Target != nil {
		return (&view{Lang: lang}).Goal(*e.Target)
	}
	if e.Milestone.Due == "" {
		return translate(lang, "ms.due") + " " + translate(lang, "ms.nodue")
	}
	return translate(lang, "ms.due") + " " + string(e.Milestone.Due)
}

// figure writes a report's figures for people: "38 所", "90%（45/50）",
// "推进中 40%"; "—" when nothing was reported.
func figure(lang string, rep *gongfu.Report, e planEntry) string {
	if rep == nil {
		return "—"
	}
	if e.Milestone != nil {
		if !rep.Stage.Valid() {
			return "—"
		}
		s := translate(lang, "stage."+string(rep.Stage))
		if rep.Percent != nil && rep.Stage == gongfu.StageInProgress {
			s += " " + formatNumber(lang, *rep.Percent) + "%"
		}
		return s
	}
	if rep.Value == nil {
		return "—"
	}
	s := formatNumber(lang, *rep.Value)
	if u := e.Target.Unit; u == "%" || u == "" {
		s += u
	} else {
		s += " " + u
	}
	if rep.Numerator != nil && rep.Denominator != nil {
		counts := formatNumber(lang, *rep.Numerator) + "/" + formatNumber(lang, *rep.Denominator)
		if lang == langEN {
			s += " (" + counts + ")"
		} else {
			s += "（" + counts + "）"
		}
	}
	return s
}

// quotaText writes a county's quota of target t for people: "5 所", "95%".
func quotaText(lang string, t *gongfu.Target, v float64) string {
	s := formatNumber(lang, v)
	if t.Unit == "%" || t.Unit == "" {
		return s + t.Unit
	}
	return s + " " + t.Unit
}

// areaQuotas returns area's quotas in a plan (of one target when itemID is
// set) by target id: a county's share of the city targets (任务分解), none
// for other areas.
func (s *Server) areaQuotas(ctx context.Context, planID int64, itemID string, area *gongfu.Org) (map[string]float64, error) {
	out := map[string]float64{}
	if area.Kind != gongfu.OrgCounty {
		return out, nil
	}
	quotas, err := s.Store.FindQuotas(ctx, planID, itemID)
	if err != nil {
		return nil, err
	}
	for _, q := range quotas {
		if q.OrgID == area.ID {
			out[q.ItemID] = q.Value
		}
	}
	return out, nil
}

// statusOfReport is a report's review state for display, "none" when no
// report was made.
func statusOfReport(rep *gongfu.Report) string {
	if rep == nil {
		return "none"
	}
	return string(rep.Status)
}

// localized picks one language out of a domain message written
// "中文 (English)", as CheckFigures' details and outlier flags are.
func localized(lang, s string) string {
	i := strings.LastIndex(s, "(")
	if i <= 0 || !strings.HasSuffix(s, ")") {
		return s
	}
	if lang == langEN {
		return s[i+1 : len(s)-1]
	}
	return strings.TrimSpace(s[:i])
}

// localizedAll applies localized to each of ss.
func localizedAll(lang string, ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = localized(lang, s)
	}
	return out
}

// errText is an error's public message in one language.
func errText(lang string, err error) string {
	var e *gongfu.Error
	if errors.As(err, &e) {
		if lang == langEN && e.MessageEN != "" {
			return e.MessageEN
		}
		return e.Message
	}
	return gongfu.ErrorMessage(err)
}

// entryURL is the address of the entry form of report k.
func entryURL(k gongfu.ReportKey) string {
	return fmt.Sprintf("/report/%d/%s/%d/%s", k.PlanID, url.PathEscape(k.ItemID), k.OrgID, url.PathEscape(k.Period))
}

// reportsByItem indexes reports by item id.
func reportsByItem(reps []*gongfu.Report) map[string]*gongfu.Report {
	m := make(map[string]*gongfu.Report, len(reps))
	for _, r := range reps {
		m[r.ItemID] = r
	}
	return m
}

// prevReports returns the reports of the period before per matching f (none
// for a year's first period: figures are year-to-date and start again).
func (s *Server) prevReports(ctx context.Context, f gongfu.ReportFilter, per gongfu.Period) ([]*gongfu.Report, error) {
	pp, ok := per.Prev()
	if !ok {
		return nil, nil
	}
	f.Period = pp.String()
	return s.Store.FindReports(ctx, f)
}

// reportRow is one item on a reporter's list.
type reportRow struct {
	ID, Name, Goal   string
	Quota            string // the county's share of the city target, when set
	Prev, Cur        string
	Status           string // none, draft, submitted, approved, returned
	Comment          string
	Flags            []string
	URL, ActionLabel string
}

// reportTask groups a task's rows.
type reportTask struct {
	No    int
	Title string
	Rows  []reportRow
}

// reportDomain groups a domain's tasks.
type reportDomain struct {
	N     int // position, for the jump list
	Title string
	Count int
	Tasks []*reportTask
}

// reportFilters are the states a reporter's list can be narrowed to.
var reportFilters = []string{"none", "draft", "returned", "submitted", "approved"}

// tally counts the items of a list or queue by review state.
type tally struct {
	Key   string
	Count int
	URL   string
	On    bool
}

// reportListPage shows a reporter the items it reports for a plan and period
// with last period's and this period's figures and their review state, all
// of them or those in one state (?status=returned: what came back).
func (s *Server) reportListPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	u, err := s.userOf(r)
	if err != nil {
		return err
	}
	if err := s.can(ctx, u, actWriteReport, scope{}); err != nil {
		return err
	}
	lang, now, q := langOf(r), s.Now(), r.URL.Query()
	title := translate(lang, "report.title")
	area, own, err := s.reportingArea(ctx, u)
	if err != nil {
		return err
	}
	data := map[string]any{"Area": area, "OK": q.Get("ok") != ""}
	if own.ID != area.ID {
		data["Dept"] = own
	}
	plans, err := s.Store.FindPlans(ctx)
	if err != nil {
		return err
	}
	if len(plans) == 0 {
		return s.render(w, r, "report", title, data)
	}
	p, err := s.choosePlan(ctx, q, plans)
	if err != nil {
		return err
	}
	per, periods := choosePeriod(lang, q.Get("period"), planYear(p, now), now)
	f := gongfu.ReportFilter{PlanID: p.ID, OrgID: area.ID, Period: per.String()}
	cur, err := s.Store.FindReports(ctx, f)
	if err != nil {
		return err
	}
	prev, err := s.prevReports(ctx, f, per)
	if err != nil {
		return err
	}
	curBy, prevBy := reportsByItem(cur), reportsByItem(prev)
	quotas, err := s.areaQuotas(ctx, p.ID, "", area)
	if err != nil {
		return err
	}
	filter := ""
	for _, st := range reportFilters {
		if q.Get("status") == st {
			filter = st
		}
	}

	var domains []*reportDomain
	counts := map[string]int{}
	var lastDomain *gongfu.Domain
	var lastTask *gongfu.Task
	for _, e := range planEntries(p) {
		id := e.ID()
		if err := s.can(ctx, u, actWriteReport, scope{p.ID, id, area.ID}); gongfu.ErrorCode(err) == gongfu.EFORBIDDEN {
			continue
		} else if err != nil {
			return err
		}
		rep := curBy[id]
		st := statusOfReport(rep)
		counts[st]++
		counts["all"]++
		if filter != "" && st != filter {
			continue
		}
		if e.Domain != lastDomain {
			domains = append(domains, &reportDomain{N: len(domains) + 1, Title: e.Domain.Title})
			lastDomain, lastTask = e.Domain, nil
		}
		d := domains[len(domains)-1]
		if e.Task != lastTask {
			d.Tasks = append(d.Tasks, &reportTask{No: e.Task.No, Title: e.Task.Title})
			lastTask = e.Task
		}
		t := d.Tasks[len(d.Tasks)-1]
		d.Count++
		row := reportRow{ID: id, Name: e.Name(), Goal: goal(lang, e),
			Prev: figure(lang, prevBy[id], e), Cur: figure(lang, rep, e), Status: st,
			URL: entryURL(gongfu.ReportKey{PlanID: p.ID, ItemID: id, OrgID: area.ID, Period: per.String()})}
		if v, ok := quotas[id]; ok && e.Target != nil {
			row.Quota = quotaText(lang, e.Target, v)
		}
		switch row.Status {
		case "none":
			row.ActionLabel = translate(lang, "report.act.enter")
		case string(gongfu.StatusApproved):
			row.ActionLabel = translate(lang, "report.act.view")
		default:
			row.ActionLabel = translate(lang, "report.act.edit")
		}
		if rep != nil {
			if rep.Status == gongfu.StatusReturned {
				row.Comment = rep.Comment
			}
			row.Flags = localizedAll(lang, rep.Flags)
		}
		t.Rows = append(t.Rows, row)
	}
	var tallies []tally
	for _, k := range append([]string{""}, reportFilters...) {
		v := url.Values{"plan": {strconv.FormatInt(p.ID, 10)}, "period": {per.String()}}
		key := k
		if k != "" {
			v.Set("status", k)
		} else {
			key = "all"
		}
		tallies = append(tallies, tally{Key: key, Count: counts[key], URL: "/report?" + v.Encode(), On: k == filter})
	}
	data["Filter"] = filter
	data["Plan"], data["Plans"], data["Periods"] = p, plans, periods
	data["Period"], data["PeriodLabel"] = per.String(), periodLabel(lang, per)
	data["Deadline"] = per.Deadline(s.DeadlineDay).Format(time.DateOnly)
	data["Domains"], data["Tally"] = domains, tallies
	data["TemplateURL"], data["MaxSheetMB"] = templateURL(p.ID, per.String()), MaxSheetBytes>>20
	data["Imported"], data["Flagged"] = importedSummary(lang, q)
	return s.render(w, r, "report", title, data)
}

// entryForm is the entry form as typed, so that a refused form is shown
// again exactly as the reporter left it.
type entryForm struct {
	Value, Numerator, Denominator string
	Stage, Percent                string
	Note, Reason                  string
	Version                       string
}

// formOf fills the form from a stored report. A rate given as two counts is
// shown as the counts only, so that changing one of them is not refused for
// disagreeing with the percentage derived from the old ones.
func formOf(rep *gongfu.Report) entryForm {
	if rep == nil {
		return entryForm{Version: "0"}
	}
	f := entryForm{Stage: string(rep.Stage), Note: rep.Note, Reason: rep.Reason, Version: strconv.FormatInt(rep.Version, 10)}
	num := func(v *float64) string {
		if v == nil {
			return ""
		}
		return fmtF(*v)
	}
	f.Numerator, f.Denominator, f.Percent = num(rep.Numerator), num(rep.Denominator), num(rep.Percent)
	if rep.Numerator == nil {
		f.Value = num(rep.Value)
	}
	return f
}

// formError is one problem of a refused form, tied to a field unless it is
// about the form as a whole.
type formError struct{ Field, Msg string }

// formErrors are a refused form's problems, in the order they are listed.
type formErrors []formError

// Of returns the messages about field.
func (fe formErrors) Of(field string) []string {
	var out []string
	for _, e := range fe {
		if e.Field == field {
			out = append(out, e.Msg)
		}
	}
	return out
}

// parseNumber reads a number as people type it on a Chinese keyboard:
// full-width digits, 。 or ． for the point, grouping commas and spaces, a
// trailing %. The empty string is nil; false when it is not a finite number.
func parseNumber(s string) (*float64, bool) {
	s = strings.Map(func(r rune) rune {
		switch {
		case r >= '０' && r <= '９':
			return '0' + (r - '０')
		case r == '．' || r == '。':
			return '.'
		case r == '－' || r == '−':
			return '-'
		case r == '＋':
			return '+'
		case r == ',' || r == '，' || r == ' ' || r == '\u3000' || r == '\t':
			return -1
		}
		return r
	}, s)
	s = strings.TrimSuffix(strings.TrimSuffix(s, "%"), "％")
	if s == "" {
		return nil, true
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return nil, false
	}
	return &v, true
}

// detailFields ties the problems CheckFigures and checkReport report (by how
// their Chinese text begins) to the form field they are about, with a
// plainer catalogue message where the domain's wording names API fields. A
// problem not listed is shown for the form as a whole, so a new domain rule
// is never lost, only not placed.
var detailFields = []struct{ prefix, field, key string }{
	{"reason:", "reason", "reason"},
	{"stage ", "stage", "entry.err.stage"},
	{"percent 应在", "percent", "entry.err.percent"},
	{"percent ", "percent", "entry.err.number"},
	{"缺少数值", "value", "entry.err.value"},
	{"value ", "value", "entry.err.number"},
	{"百分比", "value", ""},
	{"数值与分子", "value", ""},
	{"数值 ", "value", ""},
	{"分子和分母须同时填写", "pair", "entry.err.pair"},
	{"numerator ", "numerator", "entry.err.number"},
	{"分子", "numerator", ""},
	{"denominator ", "denominator", "entry.err.number"},
	{"分母", "denominator", ""},
	{"说明过长", "long", "entry.err.long"},
}

// figureErrors places the problems of a refused report on the form's fields.
func figureErrors(lang string, err error, f entryForm) formErrors {
	details := gongfu.ErrorDetails(err)
	if len(details) == 0 {
		return formErrors{{Msg: errText(lang, err)}}
	}
	var out formErrors
	for _, d := range details {
		e := formError{Msg: localized(lang, d)}
		for _, df := range detailFields {
			if !strings.HasPrefix(d, df.prefix) {
				continue
			}
			e.Field = df.field
			switch df.key {
			case "":
			case "reason": // the headline names the two values
				e.Msg = errText(lang, err)
			default:
				e.Msg = translate(lang, df.key)
			}
			break
		}
		switch e.Field {
		case "pair":
			e.Field = "numerator"
			if strings.TrimSpace(f.Denominator) == "" {
				e.Field = "denominator"
			}
		case "long":
			e.Field = "note"
			if len([]rune(strings.TrimSpace(f.Reason))) > len([]rune(strings.TrimSpace(f.Note))) {
				e.Field = "reason"
			}
		}
		out = append(out, e)
	}
	return out
}

// entryData is what the entry form shows.
type entryData struct {
	Key                     gongfu.ReportKey
	Plan                    *gongfu.Plan
	Entry                   planEntry
	Area                    *gongfu.Org
	Name, Goal, Unit        string
	Milestone, Counts       bool   // a milestone; a rate that may be given as two counts
	NumName, DenName        string // what the counts are, as the plan says
	Signed                  bool   // the value may be negative (a change target)
	Cumulative              bool   // the value is a year-to-date sum (an increment target)
	PeriodLabel, Deadline   string
	PrevLabel, Prev         string
	Report                  *gongfu.Report
	Status, Comment         string
	Flags                   []string
	Locked                  bool
	Stages                  []option
	Form                    entryForm
	Errs                    formErrors
	Conflict, Saved         string
	Action, BackURL, Source string
	Quota                   string // the county's share of the city target, when set

	// Attachments of the report, and the form adding one.
	Attachments       []attachmentRow
	AttAction, AttErr string
	AttOK             bool
	MaxAttMB          int
}

// attachmentRow is one attachment as the entry form lists it.
type attachmentRow struct {
	URL, Name, Size, By, At string
}

// sizeText shows a byte count for people: 532 B, 12.5 KB, 3.1 MB.
func sizeText(n int64) string {
	switch {
	case n >= 1<<20:
		return strconv.FormatFloat(math.Round(float64(n)/(1<<20)*10)/10, 'f', -1, 64) + " MB"
	case n >= 1<<10:
		return strconv.FormatFloat(math.Round(float64(n)/(1<<10)*10)/10, 'f', -1, 64) + " KB"
	}
	return strconv.FormatInt(n, 10) + " B"
}

// entryData loads what the entry form of report k shows, its fields filled
// from the stored report.
func (s *Server) entryData(r *http.Request, k gongfu.ReportKey) (*entryData, error) {
	ctx, lang := r.Context(), langOf(r)
	p, _, _, err := s.planItem(ctx, k)
	if err != nil {
		return nil, err
	}
	var e planEntry
	for _, pe := range planEntries(p) {
		if pe.ID() == k.ItemID {
			e = pe
			break
		}
	}
	per, _ := gongfu.ParsePeriod(k.Period)
	if year := planYear(p, s.Now()); per.Year != year {
		return nil, gongfu.Failf(gongfu.EINVALID, "报告期 %s 不在计划年度 %d 内", k.Period, year)
	}
	area, err := s.orgByID(ctx, k.OrgID)
	if err != nil {
		return nil, err
	}
	rep, err := s.Store.FindReport(ctx, k)
	if gongfu.ErrorCode(err) == gongfu.ENOTFOUND {
		rep = nil
	} else if err != nil {
		return nil, err
	}
	d := &entryData{Key: k, Plan: p, Entry: e, Area: area, Name: e.Name(), Goal: goal(lang, e),
		Milestone: e.Milestone != nil, PeriodLabel: periodLabel(lang, per),
		Deadline: per.Deadline(s.DeadlineDay).Format(time.DateOnly), Prev: "—",
		Action: entryURL(k), BackURL: fmt.Sprintf("/report?plan=%d&period=%s", k.PlanID, url.QueryEscape(k.Period)),
		AttAction: entryURL(k) + "/attachments", MaxAttMB: MaxAttachmentBytes >> 20}
	if e.Target != nil {
		t := e.Target
		quotas, err := s.areaQuotas(ctx, k.PlanID, k.ItemID, area)
		if err != nil {
			return nil, err
		}
		if v, ok := quotas[k.ItemID]; ok {
			d.Quota = quotaText(lang, t, v)
		}
		d.Unit, d.Source = t.Unit, t.Source
		d.Counts = t.IsPercent() || t.Numerator != ""
		d.NumName, d.DenName = t.Numerator, t.Denominator
		d.Signed = t.Kind == gongfu.KindChange
		d.Cumulative = t.Kind == gongfu.KindIncrement
	}
	if pp, ok := per.Prev(); ok {
		d.PrevLabel = periodLabel(lang, pp)
		pk := k
		pk.Period = pp.String()
		prev, err := s.Store.FindReport(ctx, pk)
		if err != nil && gongfu.ErrorCode(err) != gongfu.ENOTFOUND {
			return nil, err
		}
		if err == nil {
			d.Prev = figure(lang, prev, e)
		}
	}
	if rep != nil {
		list, err := s.Store.FindAttachments(ctx, k)
		if err != nil {
			return nil, err
		}
		loc := s.Now().Location()
		for _, a := range list {
			d.Attachments = append(d.Attachments, attachmentRow{URL: fmt.Sprintf("/api/v1/attachments/%d", a.ID),
				Name: a.Name, Size: sizeText(a.Size), By: a.CreatedBy, At: a.CreatedAt.In(loc).Format("2006-01-02 15:04")})
		}
	}
	d.setReport(lang, rep)
	d.Form = formOf(rep)
	return d, nil
}

// setReport shows rep as the stored state of the report.
func (d *entryData) setReport(lang string, rep *gongfu.Report) {
	d.Report, d.Status = rep, statusOfReport(rep)
	d.Comment, d.Flags, d.Locked = "", nil, false
	if rep != nil {
		if rep.Status == gongfu.StatusReturned {
			d.Comment = rep.Comment
		}
		d.Flags = localizedAll(lang, rep.Flags)
		d.Locked = rep.Status == gongfu.StatusApproved
	}
	d.Stages = nil
	for _, st := range []gongfu.Stage{gongfu.StageNotStarted, gongfu.StageInProgress, gongfu.StageDone} {
		d.Stages = append(d.Stages, option{Value: string(st), Label: translate(lang, "stage."+string(st))})
	}
}

// renderEntry writes the entry form with status, marking the chosen stage.
func (s *Server) renderEntry(w http.ResponseWriter, r *http.Request, status int, d *entryData) error {
	for i := range d.Stages {
		d.Stages[i].Selected = d.Stages[i].Value == d.Form.Stage
	}
	s.renderStatus(w, r, status, "report_entry", d.Key.ItemID+" "+d.Name, d)
	return nil
}

// entryPage shows the entry form of one item for one area and period.
func (s *Server) entryPage(w http.ResponseWriter, r *http.Request) error {
	k, err := reportKey(r)
	if err != nil {
		return err
	}
	u, err := s.userOf(r)
	if err != nil {
		return err
	}
	if err := s.can(r.Context(), u, actWriteReport, scope{k.PlanID, k.ItemID, k.OrgID}); err != nil {
		return err
	}
	d, err := s.entryData(r, k)
	if err != nil {
		return err
	}
	d.AttOK = r.URL.Query().Get("att") == "ok"
	return s.renderEntry(w, r, http.StatusOK, d)
}

// attachmentSubmit attaches a file to the report from the entry form, by
// the same addAttachment as the API, and goes back to the form. A file too
// large (413), of a kind not accepted (422), or sent before the report was
// saved or after it was approved (409) shows the form again with the
// problem beside the attachments.
func (s *Server) attachmentSubmit(w http.ResponseWriter, r *http.Request) error {
	k, err := reportKey(r)
	if err != nil {
		return err
	}
	u, err := s.userOf(r)
	if err != nil {
		return err
	}
	_, err = s.addAttachment(w, r, u, k, checkCSRF)
	if err == nil {
		http.Redirect(w, r, entryURL(k)+"?att=ok#attachments", http.StatusSeeOther)
		return nil
	}
	code := gongfu.ErrorCode(err)
	switch code {
	case gongfu.ETOOLARGE, gongfu.EINVALID, gongfu.ENOTFOUND, gongfu.ECONFLICT:
	default:
		return err
	}
	d, derr := s.entryData(r, k)
	if derr != nil {
		return derr
	}
	lang, status := langOf(r), statusOf(code)
	d.AttErr = errText(lang, err)
	if code == gongfu.ENOTFOUND {
		if d.Report != nil {
			return err
		}
		status, d.AttErr = http.StatusConflict, translate(lang, "entry.att.first")
	}
	return s.renderEntry(w, r, status, d)
}

// entrySubmit saves the entry form as a draft or, with the 保存并报送
// button, submitted; it validates as the API does (checkReport) and shows a
// refused form again with its problems on their fields (422) or, when the
// report changed meanwhile or is locked, with the stored figures (409).
func (s *Server) entrySubmit(w http.ResponseWriter, r *http.Request) error {
	k, err := reportKey(r)
	if err != nil {
		return err
	}
	u, err := s.userOf(r)
	if err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	if err := checkCSRF(r); err != nil {
		return err
	}
	if err := s.can(r.Context(), u, actWriteReport, scope{k.PlanID, k.ItemID, k.OrgID}); err != nil {
		return s.countReport(err)
	}
	d, err := s.entryData(r, k)
	if err != nil {
		return err
	}
	lang := langOf(r)
	f := entryForm{
		Value: r.PostFormValue("value"), Numerator: r.PostFormValue("numerator"), Denominator: r.PostFormValue("denominator"),
		Stage: r.PostFormValue("stage"), Percent: r.PostFormValue("percent"),
		Note: r.PostFormValue("note"), Reason: r.PostFormValue("reason"), Version: r.PostFormValue("version"),
	}
	d.Form = f
	rep := &gongfu.Report{ReportKey: k, Note: strings.TrimSpace(f.Note), Reason: strings.TrimSpace(f.Reason)}
	number := func(field, v string) *float64 {
		x, ok := parseNumber(v)
		if !ok {
			d.Errs = append(d.Errs, formError{field, translate(lang, "entry.err.number")})
		}
		return x
	}
	if d.Milestone {
		rep.Stage = gongfu.Stage(f.Stage)
		rep.Percent = number("percent", f.Percent)
	} else {
		rep.Value = number("value", f.Value)
		rep.Numerator = number("numerator", f.Numerator)
		rep.Denominator = number("denominator", f.Denominator)
		if rep.Numerator != nil || rep.Denominator != nil {
			rep.Value = nil // counts, when given, decide the value
		}
	}
	if len(d.Errs) > 0 {
		s.metrics.reject("invalid")
		return s.renderEntry(w, r, http.StatusUnprocessableEntity, d)
	}
	if r.PostFormValue("action") == "submit" {
		rep.Status = gongfu.StatusSubmitted
	}
	ctx := gongfu.WithActor(r.Context(), u)
	if err := s.checkReport(ctx, rep); err != nil {
		s.countReport(err)
		if gongfu.ErrorCode(err) == gongfu.EINVALID {
			d.Errs = figureErrors(lang, err, f)
			return s.renderEntry(w, r, http.StatusUnprocessableEntity, d)
		}
		return err
	}
	expect := int64(-1)
	if v, err := strconv.ParseInt(f.Version, 10, 64); err == nil && v >= 0 {
		expect = v
	}
	if err := s.countReport(s.Store.SaveReport(ctx, rep, expect)); err != nil {
		switch gongfu.ErrorCode(err) {
		case gongfu.EINVALID:
			d.Errs = figureErrors(lang, err, f)
			return s.renderEntry(w, r, http.StatusUnprocessableEntity, d)
		case gongfu.ECONFLICT:
			// Show what is stored now beside what was typed; saving again
			// (against the current version) then overwrites it knowingly.
			cur, ferr := s.Store.FindReport(r.Context(), k)
			if ferr != nil && gongfu.ErrorCode(ferr) != gongfu.ENOTFOUND {
				return ferr
			}
			if ferr != nil {
				cur = nil
			}
			d.setReport(lang, cur)
			d.Form.Version = formOf(cur).Version
			d.Conflict = errText(lang, err)
			if cur != nil && !d.Locked {
				d.Saved = tf(lang, "entry.conflict.saved", figure(lang, cur, d.Entry), cur.UpdatedBy,
					cur.UpdatedAt.In(s.Now().Location()).Format("2006-01-02 15:04"))
			}
			return s.renderEntry(w, r, http.StatusConflict, d)
		}
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/report?plan=%d&period=%s&ok=1", k.PlanID, url.QueryEscape(k.Period)), http.StatusSeeOther)
	return nil
}

// reviewRow is one report in the review queue.
type reviewRow struct {
	N                           int // position, for element ids
	Key                         gongfu.ReportKey
	Org, ItemID, Name, Goal     string
	Cur, Prev                   string
	Status                      string
	Note, Reason, Comment       string
	Flags                       []string
	UpdatedBy, UpdatedAt        string
	URL                         string // the report's review address, without the verb
	Approve, Return, Reopen     bool   // the moves the user may make now
	ReturnText, ReopenText      string // a refused form's note, as typed
	ReturnErr, ReopenErr, Error string
}

// reviewProblem is a refused review form, shown again on its row.
type reviewProblem struct {
	key        gongfu.ReportKey
	verb, text string
	err        error
}

// reviewFilters are the states the queue can be narrowed to, the default first.
var reviewFilters = []string{"submitted", "approved", "returned", "all"}

// reviewPage lists the reports of a plan and period for review: submitted
// ones by default, approved or returned ones or all on request, of one area
// or all. Coordinators
// get the approve, return and reopen forms; others who may read reports
// (leaders) see the queue read-only.
func (s *Server) reviewPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderReview(w, r, http.StatusOK, r.URL.Query(), nil)
}

// renderReview writes the review queue selected by q with status; prob, when
// set, is a refused form shown again on its row.
func (s *Server) renderReview(w http.ResponseWriter, r *http.Request, status int, q url.Values, prob *reviewProblem) error {
	ctx := r.Context()
	u, err := s.userOf(r)
	if err != nil {
		return err
	}
	if err := s.can(ctx, u, actReadReports, scope{}); err != nil {
		return err
	}
	lang, now := langOf(r), s.Now()
	title := translate(lang, "review.title")
	data := map[string]any{"ReadOnly": s.can(ctx, u, actReviewReport, scope{}) != nil}
	if v := q.Get("ok"); v != "" {
		if _, ok := reviewSteps[v]; ok {
			data["OK"] = translate(lang, "review.ok."+v)
		}
	}
	plans, err := s.Store.FindPlans(ctx)
	if err != nil {
		return err
	}
	if len(plans) == 0 {
		s.renderStatus(w, r, status, "review", title, data)
		return nil
	}
	p, err := s.choosePlan(ctx, q, plans)
	if err != nil {
		return err
	}
	per, periods := choosePeriod(lang, q.Get("period"), planYear(p, now), now)
	filter := reviewFilters[0]
	for _, st := range reviewFilters {
		if q.Get("status") == st {
			filter = st
		}
	}
	orgFilter, _ := strconv.ParseInt(q.Get("org"), 10, 64)
	f := gongfu.ReportFilter{PlanID: p.ID, Period: per.String()}
	reps, err := s.Store.FindReports(ctx, f)
	if err != nil {
		return err
	}
	prevs, err := s.prevReports(ctx, f, per)
	if err != nil {
		return err
	}
	type itemOrg struct {
		item string
		org  int64
	}
	prevBy := map[itemOrg]*gongfu.Report{}
	for _, pr := range prevs {
		prevBy[itemOrg{pr.ItemID, pr.OrgID}] = pr
	}
	orgs, err := s.Store.FindOrgs(ctx, gongfu.OrgFilter{})
	if err != nil {
		return err
	}
	orgName := map[int64]string{}
	orgOpts := []option{{Value: "", Label: translate(lang, "review.org.all")}}
	for _, o := range orgs {
		orgName[o.ID] = o.Name
		if o.Kind.IsArea() {
			orgOpts = append(orgOpts, option{Value: strconv.FormatInt(o.ID, 10), Label: o.Name, Selected: o.ID == orgFilter})
		}
	}
	entries := map[string]planEntry{}
	for _, e := range planEntries(p) {
		entries[e.ID()] = e
	}
	counts := map[string]int{}
	var rows []reviewRow
	for _, rep := range reps {
		if orgFilter != 0 && rep.OrgID != orgFilter {
			continue
		}
		sc := scope{rep.PlanID, rep.ItemID, rep.OrgID}
		if err := s.can(ctx, u, actReadReports, sc); gongfu.ErrorCode(err) == gongfu.EFORBIDDEN {
			continue
		} else if err != nil {
			return err
		}
		counts[string(rep.Status)]++
		counts["all"]++
		if filter != "all" && string(rep.Status) != filter {
			continue
		}
		e, ok := entries[rep.ItemID]
		if !ok {
			continue
		}
		row := reviewRow{N: len(rows) + 1, Key: rep.ReportKey, Org: orgName[rep.OrgID], ItemID: rep.ItemID,
			Name: e.Name(), Goal: goal(lang, e), Cur: figure(lang, rep, e),
			Prev: figure(lang, prevBy[itemOrg{rep.ItemID, rep.OrgID}], e), Status: string(rep.Status),
			Note: rep.Note, Reason: rep.Reason, Comment: rep.Comment, Flags: localizedAll(lang, rep.Flags),
			UpdatedBy: rep.UpdatedBy, UpdatedAt: rep.UpdatedAt.In(now.Location()).Format("2006-01-02 15:04"),
			URL: fmt.Sprintf("/review/%d/%s/%d/%s", rep.PlanID, url.PathEscape(rep.ItemID), rep.OrgID, url.PathEscape(rep.Period))}
		may := func(verb string) bool {
			st := reviewSteps[verb]
			return st.appliesTo(rep.Status) && s.can(ctx, u, st.act, sc) == nil
		}
		row.Approve, row.Return, row.Reopen = may("approve"), may("return"), may("reopen")
		if prob != nil && prob.key == rep.ReportKey {
			msg := errText(lang, prob.err)
			switch {
			case prob.verb == "return" && gongfu.ErrorCode(prob.err) == gongfu.EINVALID:
				row.ReturnText, row.ReturnErr = prob.text, translate(lang, "review.err.comment")
			case prob.verb == "reopen" && gongfu.ErrorCode(prob.err) == gongfu.EINVALID:
				row.ReopenText, row.ReopenErr = prob.text, translate(lang, "review.err.reason")
			default:
				row.Error = msg
			}
			data["Problem"] = row
		}
		rows = append(rows, row)
	}
	if prob != nil && data["Problem"] == nil {
		// The report left this view (another reviewer moved it): say so on top.
		data["Problem"] = reviewRow{Error: errText(lang, prob.err)}
	}
	var tabs []tally
	for _, k := range reviewFilters {
		v := url.Values{"plan": {strconv.FormatInt(p.ID, 10)}, "period": {per.String()}, "status": {k}}
		if orgFilter != 0 {
			v.Set("org", strconv.FormatInt(orgFilter, 10))
		}
		tabs = append(tabs, tally{Key: k, Count: counts[k], URL: "/review?" + v.Encode(), On: k == filter})
	}
	data["Orgs"], data["Org"] = orgOpts, q.Get("org")
	data["Plan"], data["Plans"], data["Periods"], data["Period"] = p, plans, periods, per.String()
	data["PeriodLabel"], data["Filter"], data["Tabs"], data["Rows"] = periodLabel(lang, per), filter, tabs, rows
	s.renderStatus(w, r, status, "review", title, data)
	return nil
}

// reviewSubmit approves, returns (with a comment) or reopens (with a reason)
// one report from the review queue, by the same reviewSteps table as the
// API, and goes back to the queue. A missing comment or reason shows the
// queue again with the problem on the report's form (422); a report another
// reviewer moved meanwhile is a 409 with the message on top.
func (s *Server) reviewSubmit(w http.ResponseWriter, r *http.Request) error {
	k, err := reportKey(r)
	if err != nil {
		return err
	}
	u, err := s.userOf(r)
	if err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	if err := checkCSRF(r); err != nil {
		return err
	}
	verb := r.PathValue("verb")
	if verb == "submit" { // reporters submit from the entry form
		return gongfu.Failf(gongfu.ENOTFOUND, "没有这个操作")
	}
	st, err := reviewStepFor(verb)
	if err != nil {
		return err
	}
	if err := s.can(r.Context(), u, st.act, scope{k.PlanID, k.ItemID, k.OrgID}); err != nil {
		return err
	}
	q := url.Values{"plan": {strconv.FormatInt(k.PlanID, 10)}, "period": {k.Period}, "status": {r.PostFormValue("status")}}
	if org := r.PostFormValue("org"); org != "" {
		q.Set("org", org)
	}
	comment, reason := r.PostFormValue("comment"), r.PostFormValue("reason")
	note, err := st.note(comment, reason)
	if err != nil {
		text := comment
		if st.needs == "reason" {
			text = reason
		}
		return s.renderReview(w, r, http.StatusUnprocessableEntity, q, &reviewProblem{key: k, verb: verb, text: text, err: err})
	}
	if _, err := s.Store.SetReportStatus(gongfu.WithActor(r.Context(), u), k, st.from, st.to, note); err != nil {
		if code := gongfu.ErrorCode(err); code == gongfu.ECONFLICT || code == gongfu.ENOTFOUND {
			return s.renderReview(w, r, statusOf(code), q, &reviewProblem{key: k, verb: verb, err: err})
		}
		return err
	}
	q.Set("ok", verb)
	http.Redirect(w, r, "/review?"+q.Encode(), http.StatusSeeOther)
	return nil
}
