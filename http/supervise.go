package http

import (
	"net/http"
	"strconv"
	"strings"

	"gongfu"
)

// superviseRoutes are the plan office's pages for decomposition (任务分解)
// and its workbook, who answers for a target (责任单位), reporting
// reminders (催报) and every user's notices.
func (s *Server) superviseRoutes(mux *http.ServeMux) {
	mux.Handle("GET /plans/{id}/quotas", s.page(s.quotasPage))
	mux.Handle("GET /plans/{id}/decomposition.xlsx", s.page(s.decompositionDownload))
	mux.Handle("POST /plans/{id}/targets/{tid}/units", s.page(s.unitsSubmit))
	mux.Handle("GET /plans/{id}/quotas/{tid}", s.page(s.quotaEditPage))
	mux.Handle("POST /plans/{id}/quotas/{tid}", s.page(s.quotaEditSubmit))
	mux.Handle("POST /plans/{id}/quotas/{tid}/schedule", s.page(s.scheduleSubmit))
	mux.Handle("GET /missing", s.page(s.missingPage))
	mux.Handle("POST /missing", s.page(s.missingRemind))
	mux.Handle("GET /notices", s.page(s.noticesPage))
}

// quotaRow is one increment target's decomposition on the quotas page.
type quotaRow struct {
	Target    gongfu.Target
	Quotas    []float64 // per county, in column order; -1 when not set
	Total     float64
	Shortfall float64
	Set       bool
}

// quotasPage shows every increment target of a plan split into county
// quotas, their total against the city target and any shortfall.
func (s *Server) quotasPage(w http.ResponseWriter, r *http.Request) error {
	u, err := s.userOf(r)
	if err != nil {
		return err
	}
	if err := s.can(r.Context(), u, actReadReports, scope{}); err != nil {
		return err
	}
	p, err := s.planFor(r)
	if err != nil {
		return err
	}
	counties, err := s.Store.FindOrgs(r.Context(), gongfu.OrgFilter{Kind: gongfu.OrgCounty})
	if err != nil {
		return err
	}
	quotas, err := s.Store.FindQuotas(r.Context(), p.ID, "")
	if err != nil {
		return err
	}
	col := map[int64]int{}
	for i, c := range counties {
		col[c.ID] = i
	}
	byItem := map[string][]gongfu.Quota{}
	for _, q := range quotas {
		byItem[q.ItemID] = append(byItem[q.ItemID], q)
	}
	var rows []quotaRow
	short := 0
	for _, d := range p.Domains {
		for _, t := range d.Tasks {
			for _, g := range t.Targets {
				if g.Kind != gongfu.KindIncrement {
					continue
				}
				row := quotaRow{Target: g, Quotas: make([]float64, len(counties))}
				for i := range row.Quotas {
					row.Quotas[i] = -1
				}
				for _, q := range byItem[g.ID] {
					if i, ok := col[q.OrgID]; ok {
						row.Quotas[i] = q.Value
						row.Total += q.Value
						row.Set = true
					}
				}
				if row.Total < g.Value {
					row.Shortfall = g.Value - row.Total
					short++
				}
				rows = append(rows, row)
			}
		}
	}
	return s.render(w, r, "quotas", translate(langOf(r), "quota.title"), map[string]any{
		"Plan": p, "Counties": counties, "Rows": rows, "Short": short,
		"CanEdit":     s.can(r.Context(), u, actDecompose, scope{}) == nil,
		"CanDownload": s.can(r.Context(), u, actSupervise, scope{}) == nil})
}

// quotaEditPage is the form splitting one target among counties.
func (s *Server) quotaEditPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderQuotaEdit(w, r, http.StatusOK, "")
}

func (s *Server) renderQuotaEdit(w http.ResponseWriter, r *http.Request, status int, msg string) error {
	u, err := s.userOf(r)
	if err != nil {
		return err
	}
	if err := s.can(r.Context(), u, actDecompose, scope{}); err != nil {
		return err
	}
	p, err := s.planFor(r)
	if err != nil {
		return err
	}
	_, _, t := p.FindTarget(r.PathValue("tid"))
	if t == nil {
		return gongfu.Failf(gongfu.ENOTFOUND, "找不到该指标")
	}
	counties, err := s.Store.FindOrgs(r.Context(), gongfu.OrgFilter{Kind: gongfu.OrgCounty})
	if err != nil {
		return err
	}
	quotas, err := s.Store.FindQuotas(r.Context(), p.ID, t.ID)
	if err != nil {
		return err
	}
	vals := map[int64]string{}
	total := 0.0
	for _, q := range quotas {
		vals[q.OrgID] = formatNumber(langEN, q.Value)
		total += q.Value
	}
	type field struct {
		Org   *gongfu.Org
		Value string
	}
	var fields []field
	for _, c := range counties {
		v := vals[c.ID]
		if r.Method == http.MethodPost {
			v = r.PostFormValue("q" + strconv.FormatInt(c.ID, 10))
		}
		fields = append(fields, field{c, v})
	}
	schedules, err := s.Store.FindSchedules(r.Context(), p.ID)
	if err != nil {
		return err
	}
	var shares []string
	for _, x := range schedules[t.ID] {
		shares = append(shares, strconv.FormatFloat(x, 'f', -1, 64))
	}
	schedule := strings.Join(shares, ", ")
	if r.Method == http.MethodPost && r.PostFormValue("schedule") != "" {
		schedule = r.PostFormValue("schedule")
	}
	s.renderStatus(w, r, status, "quota_edit", t.Name, map[string]any{
		"Plan": p, "Target": t, "Fields": fields, "Total": total, "Error": msg, "Schedule": schedule})
	return nil
}

// quotaEditSubmit saves the quotas typed in, or splits by population.
func (s *Server) quotaEditSubmit(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	if err := checkCSRF(r); err != nil {
		return err
	}
	u, err := s.userOf(r)
	if err != nil {
		return err
	}
	if err := s.can(r.Context(), u, actDecompose, scope{}); err != nil {
		return err
	}
	p, err := s.planFor(r)
	if err != nil {
		return err
	}
	_, _, t := p.FindTarget(r.PathValue("tid"))
	if t == nil {
		return gongfu.Failf(gongfu.ENOTFOUND, "找不到该指标")
	}
	counties, err := s.Store.FindOrgs(r.Context(), gongfu.OrgFilter{Kind: gongfu.OrgCounty})
	if err != nil {
		return err
	}
	var quotas []gongfu.Quota
	if r.PostFormValue("split") == "population" {
		weights := make([]float64, len(counties))
		for i, c := range counties {
			weights[i] = c.Population
		}
		parts := gongfu.SplitByWeight(t.Value, weights, t.Value == float64(int64(t.Value)))
		for i, c := range counties {
			if weights[i] > 0 {
				quotas = append(quotas, gongfu.Quota{OrgID: c.ID, Value: parts[i]})
			}
		}
	} else {
		for _, c := range counties {
			raw := strings.TrimSpace(r.PostFormValue("q" + strconv.FormatInt(c.ID, 10)))
			if raw == "" {
				continue
			}
			v, err := strconv.ParseFloat(strings.ReplaceAll(raw, ",", ""), 64)
			if err != nil || v < 0 {
				return s.renderQuotaEdit(w, r, http.StatusUnprocessableEntity,
					tf(langOf(r), "quota.bad", c.Name, raw))
			}
			quotas = append(quotas, gongfu.Quota{OrgID: c.ID, Value: v})
		}
	}
	if err := s.Store.SetQuotas(gongfu.WithActor(r.Context(), u), p.ID, t.ID, quotas); err != nil {
		if gongfu.ErrorCode(err) == gongfu.EINVALID {
			return s.renderQuotaEdit(w, r, http.StatusUnprocessableEntity, gongfu.ErrorMessage(err))
		}
		return err
	}
	http.Redirect(w, r, "/plans/"+strconv.FormatInt(p.ID, 10)+"/quotas", http.StatusSeeOther)
	return nil
}

// missingPage lists who has not reported for a period (催报), with the
// reminder button for coordinators.
func (s *Server) missingPage(w http.ResponseWriter, r *http.Request) error {
	u, err := s.userOf(r)
	if err != nil {
		return err
	}
	if err := s.can(r.Context(), u, actSupervise, scope{}); err != nil {
		return err
	}
	p, per, err := s.planAndPeriod(r)
	if err != nil {
		return err
	}
	missing, err := s.missingReports(r.Context(), p, per.String())
	if err != nil {
		return err
	}
	return s.render(w, r, "missing", translate(langOf(r), "missing.title"), map[string]any{
		"Plan": p, "Period": per.String(), "Missing": missing, "Sent": r.URL.Query().Get("sent"),
		"Deadline":  per.Deadline(s.DeadlineDay).Format("2006-01-02"),
		"CanRemind": s.can(r.Context(), u, actRemind, scope{}) == nil})
}

// planAndPeriod reads ?plan= (default: the newest) and ?period= (default:
// the month most likely being reported).
func (s *Server) planAndPeriod(r *http.Request) (*gongfu.Plan, gongfu.Period, error) {
	q := r.URL.Query()
	if r.Method == http.MethodPost {
		q = r.PostForm
	}
	var id int64
	if v := q.Get("plan"); v != "" {
		id, _ = strconv.ParseInt(v, 10, 64)
	} else {
		plans, err := s.Store.FindPlans(r.Context())
		if err != nil {
			return nil, gongfu.Period{}, err
		}
		if len(plans) == 0 {
			return nil, gongfu.Period{}, gongfu.Failf(gongfu.ENOTFOUND, "还没有导入任何计划")
		}
		id = plans[0].ID
	}
	p, err := s.plan(r.Context(), id)
	if err != nil {
		return nil, gongfu.Period{}, err
	}
	per := defaultPeriod(p.Year, s.Now())
	if v := q.Get("period"); v != "" {
		if per, err = gongfu.ParsePeriod(v); err != nil {
			return nil, gongfu.Period{}, err
		}
	}
	return p, per, nil
}

// missingRemind sends the reminders from the 催报 page.
func (s *Server) missingRemind(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	if err := checkCSRF(r); err != nil {
		return err
	}
	u, err := s.userOf(r)
	if err != nil {
		return err
	}
	if err := s.can(r.Context(), u, actRemind, scope{}); err != nil {
		return err
	}
	p, per, err := s.planAndPeriod(r)
	if err != nil {
		return err
	}
	n, _, _, err := s.remind(r.Context(), u, p, per)
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/missing?plan="+strconv.FormatInt(p.ID, 10)+"&period="+per.String()+"&sent="+strconv.Itoa(n), http.StatusSeeOther)
	return nil
}

// noticesPage shows the notices sent to the user's org.
func (s *Server) noticesPage(w http.ResponseWriter, r *http.Request) error {
	u, err := s.userOf(r)
	if err != nil {
		return err
	}
	ns := []*gongfu.Notice{}
	if u.OrgID != 0 {
		if ns, err = s.Store.FindNotices(r.Context(), u.OrgID, 100); err != nil {
			return err
		}
	}
	return s.render(w, r, "notices", translate(langOf(r), "notices.title"), ns)
}

// scheduleSubmit sets a target's planned schedule (计划进度) from the
// decomposition form: 4 quarterly or 12 monthly cumulative percentages
// separated by commas or spaces; an empty field clears it.
func (s *Server) scheduleSubmit(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	if err := checkCSRF(r); err != nil {
		return err
	}
	u, err := s.userOf(r)
	if err != nil {
		return err
	}
	if err := s.can(r.Context(), u, actDecompose, scope{}); err != nil {
		return err
	}
	p, err := s.planFor(r)
	if err != nil {
		return err
	}
	tid := r.PathValue("tid")
	var shares []float64
	for _, f := range strings.FieldsFunc(r.PostFormValue("schedule"), func(c rune) bool {
		return c == ',' || c == '，' || c == '、' || c == ' ' || c == '/' || c == '%'
	}) {
		v, err := strconv.ParseFloat(f, 64)
		if err != nil {
			return s.renderQuotaEdit(w, r, http.StatusUnprocessableEntity, tf(langOf(r), "schedule.bad", f))
		}
		shares = append(shares, v)
	}
	if err := s.Store.SetSchedule(gongfu.WithActor(r.Context(), u), p.ID, tid, shares); err != nil {
		if gongfu.ErrorCode(err) == gongfu.EINVALID {
			return s.renderQuotaEdit(w, r, http.StatusUnprocessableEntity, gongfu.ErrorMessage(err))
		}
		return err
	}
	http.Redirect(w, r, "/plans/"+strconv.FormatInt(p.ID, 10)+"/quotas/"+tid, http.StatusSeeOther)
	return nil
}
