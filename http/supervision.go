// This file is supervision (督查督办): the plan office sees the red and
// yellow items by responsible unit (GET /supervise) and issues supervision
// notices (督办单) with a deadline; the unit addressed answers with its
// rectification note and the office closes the notice (GET /supervisions);
// reporters explain every red light in their scope (情况说明). The same
// steps are in the JSON API.
//
// Lights come from (*Server).assess and nowhere else, so a notice is issued
// on exactly the light the dashboards show. Who may do what is decided by
// s.can: actIssueSupervision for the office, actAnswerSupervision for the
// addressed unit's reporters, actExplain for a reporter within the scope it
// reports for.
package http

import (
	"cmp"
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"gongfu"
	"gongfu/eval"
)

// supervisionRoutes registers the supervision pages and API.
func (s *Server) supervisionRoutes(mux *http.ServeMux) {
	mux.Handle("GET /supervise", s.page(s.supervisePage))
	mux.Handle("POST /supervise/issue", s.page(s.superviseIssue))
	mux.Handle("GET /supervisions", s.page(s.supervisionsPage))
	mux.Handle("POST /supervisions/{id}/answer", s.page(s.supervisionAnswerSubmit))
	mux.Handle("POST /supervisions/{id}/close", s.page(s.supervisionCloseSubmit))
	mux.Handle("POST /explain/{planID}/{targetID}/{orgID}/{period}", s.page(s.explainSubmit))

	mux.Handle("GET /api/v1/plans/{planID}/supervisions", s.api(s.apiSupervisions))
	mux.Handle("POST /api/v1/plans/{planID}/supervisions", s.api(s.apiIssueSupervision))
	mux.Handle("POST /api/v1/supervisions/{id}/answer", s.api(s.apiAnswerSupervision))
	mux.Handle("POST /api/v1/supervisions/{id}/close", s.api(s.apiCloseSupervision))
	mux.Handle("PUT /api/v1/plans/{planID}/explanations/{targetID}/{orgID}/{period}", s.api(s.apiExplain))
	mux.Handle("GET /api/v1/plans/{planID}/explanations/{targetID}", s.api(s.apiExplanations))
}

// lagItem is one red or yellow row of an assessment with the area its
// figures are for and the unit that answers for it.
type lagItem struct {
	Row eval.Row
	// AreaID is the area the figures are for, as in a ReportKey: the county,
	// or the city for a city-wide row.
	AreaID   int64
	AreaName string
	// UnitID is who answers a notice: the county itself, or the item's lead
	// department for a city-wide row; 0 when the item has no unit.
	UnitID   int64
	UnitName string
}

// lagging returns the rows of a with one of lights, in plan order, each
// with its area and responsible unit: a county's row belongs to the county,
// a city-wide row to the lead department of the item (FindItemUnits, which
// reflects a coordinator's changes to the plan's 责任单位).
func (s *Server) lagging(ctx context.Context, planID int64, a *eval.Assessment, lights ...eval.Light) ([]lagItem, error) {
	orgs, err := s.Store.FindOrgs(ctx, gongfu.OrgFilter{})
	if err != nil {
		return nil, err
	}
	byID := map[int64]*gongfu.Org{}
	county := map[string]*gongfu.Org{}
	var city *gongfu.Org
	cities := 0
	for _, o := range orgs {
		byID[o.ID] = o
		switch o.Kind {
		case gongfu.OrgCounty:
			county[o.Name] = o
		case gongfu.OrgCity:
			city = o
			cities++
		}
	}
	if cities != 1 {
		city = nil // no single city to fall back on
	}
	leads := map[string]*gongfu.Org{}
	leadOf := func(item string) (*gongfu.Org, error) {
		if o, ok := leads[item]; ok {
			return o, nil
		}
		units, err := s.Store.FindItemUnits(ctx, planID, item)
		if err != nil && gongfu.ErrorCode(err) != gongfu.ENOTFOUND {
			return nil, err
		}
		var lead *gongfu.Org
		for _, iu := range units {
			if iu.Lead {
				lead = byID[iu.OrgID]
				break
			}
		}
		leads[item] = lead
		return lead, nil
	}
	var out []lagItem
	for _, row := range a.Targets {
		if !slices.Contains(lights, row.Light) {
			continue
		}
		it := lagItem{Row: row}
		if row.Org != "" {
			c := county[row.Org]
			if c == nil {
				continue // a county renamed or removed since: nobody to press
			}
			it.AreaID, it.AreaName, it.UnitID, it.UnitName = c.ID, c.Name, c.ID, c.Name
		} else {
			lead, err := leadOf(row.ID)
			if err != nil {
				return nil, err
			}
			area := city
			if lead != nil {
				it.UnitID, it.UnitName = lead.ID, lead.Name
				if p := byID[lead.ParentID]; p != nil && p.Kind.IsArea() {
					area = p
				}
			}
			if area == nil {
				continue
			}
			it.AreaID, it.AreaName = area.ID, area.Name
		}
		out = append(out, it)
	}
	return out, nil
}

// lightLabel names a light in lang.
func lightLabel(lang string, l string) string { return translate(lang, "sv.light."+l) }

// lightClass is the badge class of a light.
func lightClass(l string) string {
	if l == string(eval.LightRed) {
		return "badge st-returned"
	}
	return "badge st-draft"
}

// statusClass is the badge class of a notice's state.
func statusClass(st gongfu.SupervisionStatus) string {
	switch st {
	case gongfu.SupervisionOpen:
		return "badge st-draft"
	case gongfu.SupervisionAnswered:
		return "badge st-submitted"
	}
	return "badge st-approved"
}

// pct formats a percentage for a page, "—" for none.
func pct(lang string, v *float64) string {
	if v == nil {
		return "—"
	}
	return formatNumber(lang, *v) + "%"
}

// reasonIn returns the row's working in lang.
func reasonIn(lang string, r eval.Row) string {
	if lang == langEN && r.ReasonEN != "" {
		return r.ReasonEN
	}
	return r.Reason
}

// lagView is a lagging row as the supervision page shows it.
type lagView struct {
	lagItem
	Light, LightClass          string
	Completion, Progress       string
	Reason                     string
	Explanation                *gongfu.Explanation
	Pending                    *gongfu.Supervision
	PendingLabel, PendingClass string
	Form                       int // numbers the row's form fields
}

// lagGroup is one responsible unit's lagging rows.
type lagGroup struct {
	UnitID      int64
	Name        string
	Red, Yellow int
	Items       []lagView
}

// explanationKey names the explanations of one item for one area.
type explanationKey struct {
	item string
	area int64
}

// latestExplanations indexes a plan's explanations by item and area, keeping
// the one of the latest period.
func (s *Server) latestExplanations(ctx context.Context, planID int64) (map[explanationKey]*gongfu.Explanation, error) {
	es, err := s.Store.FindExplanations(ctx, planID, "")
	if err != nil {
		return nil, err
	}
	out := map[explanationKey]*gongfu.Explanation{}
	for _, e := range es {
		k := explanationKey{e.ItemID, e.OrgID}
		if cur := out[k]; cur == nil || e.Period > cur.Period {
			out[k] = e
		}
	}
	return out, nil
}

// supervisePage lists the red and yellow items by responsible unit, with
// each row's reason and latest explanation, and for coordinators the form
// issuing a 督办单.
func (s *Server) supervisePage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	u, err := s.userOf(r)
	if err != nil {
		return err
	}
	if err := s.can(ctx, u, actSupervise, scope{}); err != nil {
		return err
	}
	p, err := s.choosePlanOf(r)
	if err != nil {
		return err
	}
	at, err := s.assessAt(r)
	if err != nil {
		return err
	}
	a, err := s.assess(ctx, p.ID, at, false)
	if err != nil {
		return err
	}
	items, err := s.lagging(ctx, p.ID, a, eval.LightRed, eval.LightYellow)
	if err != nil {
		return err
	}
	expl, err := s.latestExplanations(ctx, p.ID)
	if err != nil {
		return err
	}
	svs, err := s.Store.FindSupervisions(ctx, gongfu.SupervisionFilter{PlanID: p.ID})
	if err != nil {
		return err
	}
	type pendingKey struct {
		item   string
		unit   int64
		period string
	}
	pending := map[pendingKey]*gongfu.Supervision{}
	for _, sv := range svs {
		if sv.Status != gongfu.SupervisionClosed {
			pending[pendingKey{sv.ItemID, sv.OrgID, sv.Period}] = sv
		}
	}
	lang := langOf(r)
	groups := map[int64]*lagGroup{}
	var order []*lagGroup
	for i, it := range items {
		g := groups[it.UnitID]
		if g == nil {
			name := it.UnitName
			if it.UnitID == 0 {
				name = translate(lang, "sv.unit.none")
			}
			g = &lagGroup{UnitID: it.UnitID, Name: name}
			groups[it.UnitID] = g
			order = append(order, g)
		}
		v := lagView{lagItem: it, Light: lightLabel(lang, string(it.Row.Light)), LightClass: lightClass(string(it.Row.Light)),
			Completion: pct(lang, it.Row.Completion), Progress: formatNumber(lang, it.Row.TimeProgress) + "%",
			Reason: reasonIn(lang, it.Row), Explanation: expl[explanationKey{it.Row.ID, it.AreaID}], Form: i}
		if sv := pending[pendingKey{it.Row.ID, it.UnitID, it.Row.Period}]; sv != nil {
			v.Pending, v.PendingLabel, v.PendingClass = sv, translate(lang, "sv.status."+string(sv.Status)), statusClass(sv.Status)
		}
		if it.Row.Light == eval.LightRed {
			g.Red++
		} else {
			g.Yellow++
		}
		g.Items = append(g.Items, v)
	}
	for _, g := range order {
		// Red before yellow, each in plan order.
		slices.SortStableFunc(g.Items, func(x, y lagView) int {
			return cmp.Compare(lightRank(x.Row.Light), lightRank(y.Row.Light))
		})
	}
	// The units with the most red first; a row without a unit last.
	slices.SortStableFunc(order, func(x, y *lagGroup) int {
		if (x.UnitID == 0) != (y.UnitID == 0) {
			if x.UnitID == 0 {
				return 1
			}
			return -1
		}
		if c := cmp.Compare(y.Red, x.Red); c != 0 {
			return c
		}
		return cmp.Compare(y.Yellow, x.Yellow)
	})
	red, yellow := 0, 0
	for _, g := range order {
		red, yellow = red+g.Red, yellow+g.Yellow
	}
	return s.render(w, r, "supervise", translate(lang, "sv.title"), map[string]any{
		"Plan": p, "At": at.Format(time.DateOnly), "Period": a.Plan.DuePeriod, "Groups": order,
		"Red": red, "Yellow": yellow, "Issued": r.URL.Query().Get("issued") != "",
		"CanIssue": s.can(ctx, u, actIssueSupervision, scope{}) == nil,
		"Deadline": gongfu.DateOf(s.Now().AddDate(0, 0, 10)), "Today": gongfu.DateOf(s.Now())})
}

// lightRank orders red before yellow.
func lightRank(l eval.Light) int {
	if l == eval.LightRed {
		return 0
	}
	return 1
}

// choosePlanOf returns the plan named by ?plan= (or the posted plan field),
// the newest when none is named.
func (s *Server) choosePlanOf(r *http.Request) (*gongfu.Plan, error) {
	q := r.URL.Query()
	if r.Method == http.MethodPost {
		q = r.PostForm
	}
	plans, err := s.Store.FindPlans(r.Context())
	if err != nil {
		return nil, err
	}
	if len(plans) == 0 {
		return nil, gongfu.Failf(gongfu.ENOTFOUND, "还没有导入任何计划")
	}
	return s.choosePlan(r.Context(), q, plans)
}

// issueInput is the body of POST …/supervisions and the fields of the
// issue form: the row (target and the unit answering for it), the period
// the caller saw judged (optional), what is required and by when.
type issueInput struct {
	Target   string `json:"target"`
	OrgID    int64  `json:"org_id"`
	Period   string `json:"period"`
	Text     string `json:"text"`
	Deadline string `json:"deadline"`
}

// issueSupervision issues a 督办单 on behalf of u: the unit must answer for
// the row (a county for its own row, a department for the city-wide row of
// an item it leads or co-operates on), and the row's light, judged by
// s.assess now, must be red or yellow (EINVALID otherwise, 422).
func (s *Server) issueSupervision(ctx context.Context, u *gongfu.User, planID int64, in issueInput) (*gongfu.Supervision, error) {
	if err := s.can(ctx, u, actIssueSupervision, scope{}); err != nil {
		return nil, err
	}
	p, err := s.plan(ctx, planID)
	if err != nil {
		return nil, err
	}
	in.Target = strings.TrimSpace(in.Target)
	if in.Target == "" {
		return nil, gongfu.Failf(gongfu.EINVALID, "请指定指标 target")
	}
	deadline, err := gongfu.ParseDate(strings.TrimSpace(in.Deadline))
	if err != nil {
		return nil, err
	}
	if deadline != "" && deadline < gongfu.DateOf(s.Now()) {
		return nil, gongfu.Failf(gongfu.EINVALID, "整改期限不能早于今天")
	}
	unit, err := s.orgByID(ctx, in.OrgID)
	if gongfu.ErrorCode(err) == gongfu.ENOTFOUND {
		return nil, gongfu.Failf(gongfu.EINVALID, "找不到被督办单位 org_id")
	} else if err != nil {
		return nil, err
	}
	a, err := s.assess(ctx, p.ID, s.Now(), false)
	if err != nil {
		return nil, err
	}
	var row *eval.Row
	switch unit.Kind {
	case gongfu.OrgCounty:
		row = a.Row(in.Target, unit.Name)
	case gongfu.OrgDepartment:
		units, err := s.Store.FindItemUnits(ctx, p.ID, in.Target)
		if err != nil && gongfu.ErrorCode(err) != gongfu.ENOTFOUND {
			return nil, err
		}
		if !slices.ContainsFunc(units, func(iu gongfu.ItemUnit) bool { return iu.OrgID == unit.ID }) {
			return nil, gongfu.Failf(gongfu.EINVALID, "%s 不是该项的责任单位", unit.Name)
		}
		row = a.Row(in.Target, "")
	default:
		return nil, gongfu.Failf(gongfu.EINVALID, "督办对象应为县（市、区）或责任部门")
	}
	if row == nil {
		return nil, gongfu.Failf(gongfu.EINVALID, "该项没有评价结果，不能督办")
	}
	if row.Light != eval.LightRed && row.Light != eval.LightYellow {
		return nil, gongfu.Failf(gongfu.EINVALID, "只有红灯和黄灯项可以督办，该项当前为%s",
			row.Light.Chinese())
	}
	if in.Period != "" {
		per, err := gongfu.ParsePeriod(in.Period)
		if err != nil {
			return nil, err
		}
		if per.String() != row.Period {
			return nil, gongfu.Failf(gongfu.EINVALID, "评价已更新：该项当前评价的报告期为 %s，请刷新后再督办", row.Period)
		}
	}
	sv := &gongfu.Supervision{PlanID: p.ID, ItemID: in.Target, OrgID: unit.ID, Period: row.Period,
		Light: string(row.Light), Text: in.Text, Deadline: deadline}
	if err := s.Store.CreateSupervision(gongfu.WithActor(ctx, u), sv); err != nil {
		return nil, err
	}
	return sv, nil
}

// superviseIssue issues a 督办单 from the form on /supervise.
func (s *Server) superviseIssue(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	if err := checkCSRF(r); err != nil {
		return err
	}
	u, err := s.userOf(r)
	if err != nil {
		return err
	}
	if err := s.can(r.Context(), u, actIssueSupervision, scope{}); err != nil {
		return err
	}
	planID, err := strconv.ParseInt(r.PostFormValue("plan"), 10, 64)
	if err != nil || planID <= 0 {
		return gongfu.Failf(gongfu.ENOTFOUND, "找不到该计划")
	}
	orgID, _ := strconv.ParseInt(r.PostFormValue("org_id"), 10, 64)
	sv, err := s.issueSupervision(r.Context(), u, planID, issueInput{Target: r.PostFormValue("target"), OrgID: orgID,
		Period: r.PostFormValue("period"), Text: r.PostFormValue("text"), Deadline: r.PostFormValue("deadline")})
	if err != nil {
		return err
	}
	q := url.Values{"plan": {strconv.FormatInt(planID, 10)}, "issued": {strconv.FormatInt(sv.ID, 10)}}
	if at := r.PostFormValue("at"); at != "" {
		if _, err := time.Parse(time.DateOnly, at); err == nil {
			q.Set("at", at)
		}
	}
	http.Redirect(w, r, "/supervise?"+q.Encode()+"#unit-"+strconv.FormatInt(sv.OrgID, 10), http.StatusSeeOther)
	return nil
}

// supervisionReader returns whose notices u may read: every unit's (0) for
// those who supervise, its own org's for a reporter, who reads the notices
// it must answer. The decisions are s.can's.
func (s *Server) supervisionReader(ctx context.Context, u *gongfu.User) (int64, error) {
	err := s.can(ctx, u, actSupervise, scope{})
	if err == nil {
		return 0, nil
	}
	if u == nil || s.can(ctx, u, actAnswerSupervision, scope{orgID: u.OrgID}) != nil {
		return 0, err
	}
	return u.OrgID, nil
}

// svView is a notice as the list shows it.
type svView struct {
	*gongfu.Supervision
	ItemName, UnitName       string
	Light, LightClass        string
	StatusLabel, StatusClass string
	Overdue                  bool
	CanAnswer, CanClose      bool
}

// redView is a red row a reporter is asked to explain.
type redView struct {
	lagItem
	Completion, Progress, Reason string
	Explanation                  *gongfu.Explanation
	Action                       string
	Form                         int
}

// itemTitle names a plan item: a target's name or a milestone's text.
func itemTitle(p *gongfu.Plan, id string) string {
	if _, _, t := p.FindTarget(id); t != nil {
		return t.Name
	}
	for _, d := range p.Domains {
		for _, t := range d.Tasks {
			for _, m := range t.Milestones {
				if m.ID == id {
					return m.Text
				}
			}
		}
	}
	return id
}

// supervisionsPage lists the notices the user may read, filtered by
// ?status=, with the answer form for the addressed unit's reporters and the
// close form for coordinators; a reporter also sees the red items in its
// scope, each with the form explaining it.
func (s *Server) supervisionsPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	u, err := s.userOf(r)
	if err != nil {
		return err
	}
	orgID, err := s.supervisionReader(ctx, u)
	if err != nil {
		return err
	}
	p, err := s.choosePlanOf(r)
	if err != nil {
		return err
	}
	lang := langOf(r)
	status := gongfu.SupervisionStatus(r.URL.Query().Get("status"))
	if !status.Valid() {
		status = ""
	}
	svs, err := s.Store.FindSupervisions(ctx, gongfu.SupervisionFilter{PlanID: p.ID, OrgID: orgID, Status: status})
	if err != nil {
		return err
	}
	orgs, err := s.Store.FindOrgs(ctx, gongfu.OrgFilter{})
	if err != nil {
		return err
	}
	names := map[int64]string{}
	for _, o := range orgs {
		names[o.ID] = o.Name
	}
	canClose := s.can(ctx, u, actIssueSupervision, scope{}) == nil
	now := s.Now()
	list := make([]svView, 0, len(svs))
	for _, sv := range svs {
		list = append(list, svView{Supervision: sv, ItemName: itemTitle(p, sv.ItemID), UnitName: names[sv.OrgID],
			Light: lightLabel(lang, sv.Light), LightClass: lightClass(sv.Light),
			StatusLabel: translate(lang, "sv.status."+string(sv.Status)), StatusClass: statusClass(sv.Status),
			Overdue:   sv.Overdue(now),
			CanAnswer: sv.Status == gongfu.SupervisionOpen && s.can(ctx, u, actAnswerSupervision, scope{planID: sv.PlanID, orgID: sv.OrgID}) == nil,
			CanClose:  canClose && sv.Status != gongfu.SupervisionClosed})
	}
	tabs := []option{{Value: "", Label: translate(lang, "sv.status.all"), Selected: status == ""}}
	for _, st := range []gongfu.SupervisionStatus{gongfu.SupervisionOpen, gongfu.SupervisionAnswered, gongfu.SupervisionClosed} {
		tabs = append(tabs, option{Value: string(st), Label: translate(lang, "sv.status."+string(st)), Selected: status == st})
	}
	data := map[string]any{"Plan": p, "List": list, "Tabs": tabs, "Status": string(status),
		"Done": doneMessage(r.URL.Query().Get("done")), "Supervisor": orgID == 0}
	if u.Role == gongfu.RoleReporter && s.can(ctx, u, actExplain, scope{}) == nil {
		reds, err := s.redToExplain(ctx, u, p, r)
		if err != nil {
			return err
		}
		data["Reds"], data["Explainer"] = reds, true
	}
	return s.render(w, r, "supervisions", translate(lang, "sv.list.title"), data)
}

// doneMessage checks the ?done= of a redirect after a form, "" for any
// value that names no message.
func doneMessage(v string) string {
	switch v {
	case "answered", "closed", "explained":
		return v
	}
	return ""
}

// redToExplain returns the red rows of plan p that u may explain (the rows
// of its own reporting scope), each with its explanation so far.
func (s *Server) redToExplain(ctx context.Context, u *gongfu.User, p *gongfu.Plan, r *http.Request) ([]redView, error) {
	at, err := s.assessAt(r)
	if err != nil {
		return nil, err
	}
	a, err := s.assess(ctx, p.ID, at, false)
	if err != nil {
		return nil, err
	}
	items, err := s.lagging(ctx, p.ID, a, eval.LightRed)
	if err != nil {
		return nil, err
	}
	es, err := s.Store.FindExplanations(ctx, p.ID, "")
	if err != nil {
		return nil, err
	}
	type key struct {
		item   string
		area   int64
		period string
	}
	byKey := map[key]*gongfu.Explanation{}
	for _, e := range es {
		byKey[key{e.ItemID, e.OrgID, e.Period}] = e
	}
	lang := langOf(r)
	var out []redView
	for i, it := range items {
		if s.can(ctx, u, actExplain, scope{planID: p.ID, itemID: it.Row.ID, orgID: it.AreaID}) != nil {
			continue
		}
		out = append(out, redView{lagItem: it, Completion: pct(lang, it.Row.Completion),
			Progress: formatNumber(lang, it.Row.TimeProgress) + "%", Reason: reasonIn(lang, it.Row),
			Explanation: byKey[key{it.Row.ID, it.AreaID, it.Row.Period}],
			Action:      explainURL(p.ID, it.Row.ID, it.AreaID, it.Row.Period), Form: i})
	}
	return out, nil
}

// explainURL is where the explanation form of one row posts.
func explainURL(planID int64, item string, area int64, period string) string {
	return "/explain/" + strconv.FormatInt(planID, 10) + "/" + url.PathEscape(item) + "/" +
		strconv.FormatInt(area, 10) + "/" + url.PathEscape(period)
}

// supervisionFor loads the notice named by the {id} path value.
func (s *Server) supervisionFor(r *http.Request) (*gongfu.Supervision, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return s.Store.FindSupervision(r.Context(), id)
}

// answerSupervision records the addressed unit's answer on behalf of u.
func (s *Server) answerSupervision(r *http.Request, u *gongfu.User, answer string) (*gongfu.Supervision, error) {
	if u == nil {
		return nil, gongfu.Failf(gongfu.EUNAUTHORIZED, "请先登录")
	}
	sv, err := s.supervisionFor(r)
	if err != nil {
		return nil, err
	}
	if err := s.can(r.Context(), u, actAnswerSupervision, scope{planID: sv.PlanID, orgID: sv.OrgID}); err != nil {
		if u.Role == gongfu.RoleReporter && gongfu.ErrorCode(err) == gongfu.EFORBIDDEN {
			// A reporter sees only its own unit's notices: another unit's
			// is answered as if it did not exist, so that guessing ids
			// tells nothing about which notices were issued.
			return nil, gongfu.Failf(gongfu.ENOTFOUND, "找不到该督办单")
		}
		return nil, err
	}
	return s.Store.AnswerSupervision(gongfu.WithActor(r.Context(), u), sv.ID, answer)
}

// closeSupervision closes a notice on behalf of u.
func (s *Server) closeSupervision(r *http.Request, u *gongfu.User, comment string) (*gongfu.Supervision, error) {
	if err := s.can(r.Context(), u, actIssueSupervision, scope{}); err != nil {
		return nil, err
	}
	sv, err := s.supervisionFor(r)
	if err != nil {
		return nil, err
	}
	return s.Store.CloseSupervision(gongfu.WithActor(r.Context(), u), sv.ID, comment)
}

// supervisionAnswerSubmit answers a notice from the list's form.
func (s *Server) supervisionAnswerSubmit(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	if err := checkCSRF(r); err != nil {
		return err
	}
	u, err := s.userOf(r)
	if err != nil {
		return err
	}
	sv, err := s.answerSupervision(r, u, r.PostFormValue("answer"))
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/supervisions?plan="+strconv.FormatInt(sv.PlanID, 10)+"&done=answered#sv-"+strconv.FormatInt(sv.ID, 10), http.StatusSeeOther)
	return nil
}

// supervisionCloseSubmit closes a notice from the list's form.
func (s *Server) supervisionCloseSubmit(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	if err := checkCSRF(r); err != nil {
		return err
	}
	u, err := s.userOf(r)
	if err != nil {
		return err
	}
	sv, err := s.closeSupervision(r, u, r.PostFormValue("comment"))
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/supervisions?plan="+strconv.FormatInt(sv.PlanID, 10)+"&done=closed#sv-"+strconv.FormatInt(sv.ID, 10), http.StatusSeeOther)
	return nil
}

// saveExplanation stores the explanation of the row named by the path
// ({planID}/{targetID}/{orgID}/{period}, orgID being the area) on behalf
// of u, who must be allowed to explain it (the same scope as reporting it).
func (s *Server) saveExplanation(r *http.Request, u *gongfu.User, text string) (*gongfu.Explanation, error) {
	k, err := reportKey(r)
	if err != nil {
		return nil, err
	}
	if u == nil {
		return nil, gongfu.Failf(gongfu.EUNAUTHORIZED, "请先登录")
	}
	if err := s.can(r.Context(), u, actExplain, scope{k.PlanID, k.ItemID, k.OrgID}); err != nil {
		return nil, err
	}
	p, err := s.plan(r.Context(), k.PlanID)
	if err != nil {
		return nil, err
	}
	if per, _ := gongfu.ParsePeriod(k.Period); p.Year != 0 && per.Year != p.Year {
		return nil, gongfu.Failf(gongfu.EINVALID, "报告期 %s 不在计划年度 %d 内", k.Period, p.Year)
	}
	e := &gongfu.Explanation{PlanID: k.PlanID, ItemID: k.ItemID, OrgID: k.OrgID, Period: k.Period, Text: text}
	if err := s.Store.SaveExplanation(gongfu.WithActor(r.Context(), u), e); err != nil {
		return nil, err
	}
	return e, nil
}

// explainSubmit saves an explanation from the form on /supervisions.
func (s *Server) explainSubmit(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	if err := checkCSRF(r); err != nil {
		return err
	}
	u, err := s.userOf(r)
	if err != nil {
		return err
	}
	e, err := s.saveExplanation(r, u, r.PostFormValue("text"))
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/supervisions?plan="+strconv.FormatInt(e.PlanID, 10)+"&done=explained#red", http.StatusSeeOther)
	return nil
}

// apiSupervisions lists a plan's notices: all of them for those who
// supervise (?org_id= narrows), a reporter's own org's; ?status= filters.
func (s *Server) apiSupervisions(w http.ResponseWriter, r *http.Request) error {
	planID, err := pathID(r, "planID")
	if err != nil {
		return err
	}
	u, _, err := s.currentUser(r)
	if err != nil {
		return err
	}
	orgID, err := s.supervisionReader(r.Context(), u)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := gongfu.SupervisionFilter{PlanID: planID, OrgID: orgID, Status: gongfu.SupervisionStatus(q.Get("status"))}
	if f.Status != "" && !f.Status.Valid() {
		return gongfu.Failf(gongfu.EINVALID, "status 应为 open、answered 或 closed")
	}
	if v := q.Get("org_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return gongfu.Failf(gongfu.EINVALID, "org_id 应为组织编号")
		}
		if orgID != 0 && id != orgID {
			return writeJSON(w, http.StatusOK, []*gongfu.Supervision{})
		}
		f.OrgID = id
	}
	if _, err := s.plan(r.Context(), planID); err != nil {
		return err
	}
	list, err := s.Store.FindSupervisions(r.Context(), f)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list)
}

// apiIssueSupervision issues a 督办单: {target, org_id, period, text,
// deadline}. 201 with the notice; 422 unless the row is red or yellow now.
func (s *Server) apiIssueSupervision(w http.ResponseWriter, r *http.Request) error {
	planID, u, err := s.planAction(r, actIssueSupervision)
	if err != nil {
		return err
	}
	var in issueInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	sv, err := s.issueSupervision(r.Context(), u, planID, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, sv)
}

// apiAnswerSupervision answers a notice: {answer}. 409 unless it is open.
func (s *Server) apiAnswerSupervision(w http.ResponseWriter, r *http.Request) error {
	u, _, err := s.currentUser(r)
	if err != nil {
		return err
	}
	if u == nil {
		return gongfu.Failf(gongfu.EUNAUTHORIZED, "请先登录")
	}
	var in struct {
		Answer string `json:"answer"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	sv, err := s.answerSupervision(r, u, in.Answer)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, sv)
}

// apiCloseSupervision closes a notice: {comment}, which an unanswered one
// needs. 409 when it is closed already.
func (s *Server) apiCloseSupervision(w http.ResponseWriter, r *http.Request) error {
	u, _, err := s.currentUser(r)
	if err != nil {
		return err
	}
	if err := s.can(r.Context(), u, actIssueSupervision, scope{}); err != nil {
		return err
	}
	var in struct {
		Comment string `json:"comment"`
	}
	if r.ContentLength != 0 {
		if err := decodeJSON(w, r, &in); err != nil {
			return err
		}
	}
	sv, err := s.closeSupervision(r, u, in.Comment)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, sv)
}

// apiExplain saves the explanation of one row: {text}.
func (s *Server) apiExplain(w http.ResponseWriter, r *http.Request) error {
	u, _, err := s.currentUser(r)
	if err != nil {
		return err
	}
	if u == nil {
		return gongfu.Failf(gongfu.EUNAUTHORIZED, "请先登录")
	}
	var in struct {
		Text string `json:"text"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	e, err := s.saveExplanation(r, u, in.Text)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, e)
}

// apiExplanations lists the explanations of one item that the caller may
// read: all for those who read every report, a reporter's own scope's.
func (s *Server) apiExplanations(w http.ResponseWriter, r *http.Request) error {
	planID, u, err := s.planAction(r, actReadReports)
	if err != nil {
		return err
	}
	item := r.PathValue("targetID")
	if _, _, _, err := s.planItem(r.Context(), gongfu.ReportKey{PlanID: planID, ItemID: item}); err != nil {
		return err
	}
	es, err := s.Store.FindExplanations(r.Context(), planID, item)
	if err != nil {
		return err
	}
	out := []*gongfu.Explanation{}
	for _, e := range es {
		if s.can(r.Context(), u, actReadReports, scope{e.PlanID, e.ItemID, e.OrgID}) == nil {
			out = append(out, e)
		}
	}
	return writeJSON(w, http.StatusOK, out)
}
