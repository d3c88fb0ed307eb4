package http

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"gongfu"
	"gongfu/eval"
)

// publicRoutes are the public progress page (信息公开), open to anyone, and
// the coordinator's choice of the targets it shows.
func (s *Server) publicRoutes(mux *http.ServeMux) {
	mux.Handle("GET /public", s.page(s.publicPage))
	mux.Handle("GET /plans/{id}/publish", s.page(s.publishPage))
	mux.Handle("POST /plans/{id}/publish", s.page(s.publishSubmit))
	mux.Handle("GET /api/v1/plans/{planID}/published", s.api(s.apiPublished))
	mux.Handle("PUT /api/v1/plans/{planID}/published", s.api(s.apiSetPublished))
}

// publicRow is one published target as the public sees it: the plan's own
// words and the city-wide verdict, nothing about who reported what.
type publicRow struct {
	Target       gongfu.Target
	Value        string // the city-wide figure with its unit, "" when none
	Completion   *float64
	TimeProgress float64
	Light        eval.Light
}

// publicDomain is a domain of the plan with its published targets.
type publicDomain struct {
	No      int
	Title   string
	Targets []publicRow
}

// publicPage is GET /public?plan=: a plan's title, issuer and domains, and
// for each target a coordinator published its goal, the city-wide figure,
// completion, light (named in words, never by colour alone) and time
// progress. No login is needed. Nothing else is shown: no unpublished
// target, no county figure, no report in review, no reporter's name.
func (s *Server) publicPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, err := s.planParam(r)
	if err != nil {
		return err
	}
	ids, err := s.Store.FindPublished(ctx, p.ID)
	if err != nil {
		return err
	}
	published := map[string]bool{}
	for _, id := range ids {
		published[id] = true
	}
	today := dayOf(s.Now())
	var a *eval.Assessment
	if len(ids) > 0 {
		if a, err = s.assess(ctx, p.ID, today, false); err != nil {
			return err
		}
	}
	lang := langOf(r)
	count := 0
	domains := make([]publicDomain, 0, len(p.Domains))
	for _, d := range p.Domains {
		pd := publicDomain{No: d.No, Title: d.Title}
		for _, t := range d.Tasks {
			for _, g := range t.Targets {
				if !published[g.ID] {
					continue
				}
				row := publicRow{Target: g, Light: eval.LightNone}
				if ar := a.Row(g.ID, ""); ar != nil { // a is set: g is published
					row.Completion, row.TimeProgress, row.Light = ar.Completion, ar.TimeProgress, ar.Light
					if ar.Value != nil {
						row.Value = formatNumber(lang, *ar.Value)
						if g.Unit != "" && g.Kind != gongfu.KindRatio {
							if g.Unit != "%" {
								row.Value += " "
							}
							row.Value += g.Unit
						}
					}
				}
				pd.Targets = append(pd.Targets, row)
				count++
			}
		}
		domains = append(domains, pd)
	}
	data := map[string]any{"Plan": p, "Domains": domains, "Count": count, "Date": longDate(lang, today)}
	if a != nil && a.Plan.DuePeriod != "" {
		if per, err := gongfu.ParsePeriod(a.Plan.DuePeriod); err == nil {
			data["Period"] = periodLabel(lang, per)
		}
	}
	return s.render(w, r, "public", translate(lang, "public.title")+" · "+p.Title, data)
}

// publishChoice is a target offered on the publishing form.
type publishChoice struct {
	Target    gongfu.Target
	Published bool
}

// publishPage is GET /plans/{id}/publish: every target of the plan with a
// box to tick for those the public page shows. Coordinators only.
func (s *Server) publishPage(w http.ResponseWriter, r *http.Request) error {
	u, err := s.userOf(r)
	if err != nil {
		return err
	}
	if err := s.can(r.Context(), u, actPublish, scope{}); err != nil {
		return err
	}
	p, err := s.planFor(r)
	if err != nil {
		return err
	}
	ids, err := s.Store.FindPublished(r.Context(), p.ID)
	if err != nil {
		return err
	}
	type domain struct {
		No      int
		Title   string
		Choices []publishChoice
	}
	var domains []domain
	for _, d := range p.Domains {
		dc := domain{No: d.No, Title: d.Title}
		for _, t := range d.Tasks {
			for _, g := range t.Targets {
				dc.Choices = append(dc.Choices, publishChoice{Target: g, Published: slices.Contains(ids, g.ID)})
			}
		}
		if len(dc.Choices) > 0 {
			domains = append(domains, dc)
		}
	}
	return s.render(w, r, "publish", translate(langOf(r), "publish.title"), map[string]any{
		"Plan": p, "Domains": domains, "Count": len(ids), "Saved": r.URL.Query().Get("saved") != ""})
}

// publishSubmit is POST /plans/{id}/publish: the ticked targets ("item",
// repeated) become the published ones; the others are withdrawn.
func (s *Server) publishSubmit(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	if err := checkCSRF(r); err != nil {
		return err
	}
	u, err := s.userOf(r)
	if err != nil {
		return err
	}
	if err := s.can(r.Context(), u, actPublish, scope{}); err != nil {
		return err
	}
	p, err := s.planFor(r)
	if err != nil {
		return err
	}
	want := map[string]bool{}
	for _, id := range r.PostForm["item"] {
		if _, _, g := p.FindTarget(id); g == nil {
			return gongfu.Failf(gongfu.ENOTFOUND, "计划中没有指标 %s", id)
		}
		want[id] = true
	}
	cur, err := s.Store.FindPublished(r.Context(), p.ID)
	if err != nil {
		return err
	}
	var add, drop []string
	for _, d := range p.Domains {
		for _, t := range d.Tasks {
			for _, g := range t.Targets {
				switch on := slices.Contains(cur, g.ID); {
				case want[g.ID] && !on:
					add = append(add, g.ID)
				case !want[g.ID] && on:
					drop = append(drop, g.ID)
				}
			}
		}
	}
	ctx := gongfu.WithActor(r.Context(), u)
	if err := s.Store.SetPublished(ctx, p.ID, add, true); err != nil {
		return err
	}
	if err := s.Store.SetPublished(ctx, p.ID, drop, false); err != nil {
		return err
	}
	http.Redirect(w, r, "/plans/"+strconv.FormatInt(p.ID, 10)+"/publish?saved=1", http.StatusSeeOther)
	return nil
}

// apiPublished is GET /api/v1/plans/{planID}/published: the ids of the
// published targets. Public, like the page they feed.
func (s *Server) apiPublished(w http.ResponseWriter, r *http.Request) error {
	planID, err := pathID(r, "planID")
	if err != nil {
		return err
	}
	ids, err := s.Store.FindPublished(r.Context(), planID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"targets": ids})
}

// apiSetPublished is PUT /api/v1/plans/{planID}/published
// {"targets": ["1.1", …], "published": true}: publishes the targets, or
// withdraws them with "published": false, and answers with the published
// list. Coordinators only; every id must be a target of the plan.
func (s *Server) apiSetPublished(w http.ResponseWriter, r *http.Request) error {
	planID, u, err := s.planAction(r, actPublish)
	if err != nil {
		return err
	}
	var in struct {
		Targets   []string `json:"targets"`
		Published *bool    `json:"published"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if len(in.Targets) == 0 || in.Published == nil {
		return gongfu.Failf(gongfu.EINVALID, `请给出 targets（指标编号列表）和 published（true 或 false）`)
	}
	p, err := s.plan(r.Context(), planID)
	if err != nil {
		return err
	}
	for _, id := range in.Targets {
		if _, _, g := p.FindTarget(id); g == nil {
			return gongfu.Failf(gongfu.ENOTFOUND, "计划中没有指标 %s", id)
		}
	}
	if err := s.Store.SetPublished(gongfu.WithActor(r.Context(), u), planID, in.Targets, *in.Published); err != nil {
		return err
	}
	ids, err := s.Store.FindPublished(r.Context(), planID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"targets": ids})
}

// longDate writes a day for readers: 2020年7月10日, 10 July 2020.
func longDate(lang string, t time.Time) string {
	if lang == langEN {
		return t.Format("2 January 2006")
	}
	return t.Format("2006年1月2日")
}
