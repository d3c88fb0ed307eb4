package http

import (
	"net/http"

	"gongfu"
)

// quotaSummary is a target's decomposition as the API shows it: the quotas,
// their total against the city target, and any shortfall (不足).
type quotaSummary struct {
	Target    string         `json:"target"`
	Value     float64        `json:"value"`
	Quotas    []gongfu.Quota `json:"quotas"`
	Total     float64        `json:"total"`
	Shortfall float64        `json:"shortfall"`
}

// summarize groups quotas by target. Only increment targets add up across
// counties, so only they can fall short.
func summarize(p *gongfu.Plan, quotas []gongfu.Quota) []quotaSummary {
	var out []quotaSummary
	idx := map[string]int{}
	for _, q := range quotas {
		i, ok := idx[q.ItemID]
		if !ok {
			_, _, t := p.FindTarget(q.ItemID)
			if t == nil {
				continue
			}
			i = len(out)
			idx[q.ItemID] = i
			out = append(out, quotaSummary{Target: q.ItemID, Value: t.Value})
		}
		out[i].Quotas = append(out[i].Quotas, q)
		out[i].Total += q.Value
	}
	for i := range out {
		_, _, t := p.FindTarget(out[i].Target)
		if t.Kind == gongfu.KindIncrement && out[i].Total < t.Value {
			out[i].Shortfall = t.Value - out[i].Total
		}
	}
	return out
}

// apiQuotas lists a plan's decomposition (?target= for one target). A
// county reporter sees its own quotas only.
func (s *Server) apiQuotas(w http.ResponseWriter, r *http.Request) error {
	planID, u, err := s.planAction(r, actReadReports)
	if err != nil {
		return err
	}
	p, err := s.plan(r.Context(), planID)
	if err != nil {
		return err
	}
	quotas, err := s.Store.FindQuotas(r.Context(), planID, r.URL.Query().Get("target"))
	if err != nil {
		return err
	}
	if u.Role == gongfu.RoleReporter {
		mine := quotas[:0]
		for _, q := range quotas {
			if q.OrgID == u.OrgID {
				mine = append(mine, q)
			}
		}
		quotas = mine
	}
	return writeJSON(w, http.StatusOK, summarize(p, quotas))
}

// apiSetQuotas replaces a target's county quotas: given by hand as
// {"quotas": [{"org_id", "value"}]}, or split in proportion to population
// over all counties with {"split": "population"} (whole numbers for counts).
func (s *Server) apiSetQuotas(w http.ResponseWriter, r *http.Request) error {
	planID, u, err := s.planAction(r, actDecompose)
	if err != nil {
		return err
	}
	var in struct {
		Quotas []gongfu.Quota `json:"quotas"`
		Split  string         `json:"split"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	p, err := s.plan(r.Context(), planID)
	if err != nil {
		return err
	}
	item := r.PathValue("targetID")
	_, _, t := p.FindTarget(item)
	if t == nil {
		return gongfu.Failf(gongfu.ENOTFOUND, "计划中没有指标 %s", item)
	}
	quotas := in.Quotas
	switch in.Split {
	case "":
	case "population":
		if len(quotas) > 0 {
			return gongfu.Failf(gongfu.EINVALID, "quotas 与 split 只能给一个")
		}
		counties, err := s.Store.FindOrgs(r.Context(), gongfu.OrgFilter{Kind: gongfu.OrgCounty})
		if err != nil {
			return err
		}
		weights := make([]float64, len(counties))
		for i, c := range counties {
			weights[i] = c.Population
		}
		if t.Kind != gongfu.KindIncrement {
			return gongfu.Failf(gongfu.EINVALID, "只有增量指标可按人口分解；水平指标请逐县设定")
		}
		parts := gongfu.SplitByWeight(t.Value, weights, t.Value == float64(int64(t.Value)))
		for i, c := range counties {
			if weights[i] > 0 {
				quotas = append(quotas, gongfu.Quota{OrgID: c.ID, Value: parts[i]})
			}
		}
		if len(quotas) == 0 {
			return gongfu.Failf(gongfu.EINVALID, "各县人口未知，无法按人口分解")
		}
	default:
		return gongfu.Failf(gongfu.EINVALID, "split 只支持 population")
	}
	for i := range quotas {
		quotas[i].PlanID, quotas[i].ItemID = planID, item
	}
	if err := s.Store.SetQuotas(gongfu.WithActor(r.Context(), u), planID, item, quotas); err != nil {
		return err
	}
	sum := summarize(p, quotas)
	if len(sum) == 0 {
		sum = []quotaSummary{{Target: item, Value: t.Value, Quotas: []gongfu.Quota{}, Shortfall: t.Value}}
	}
	return writeJSON(w, http.StatusOK, sum[0])
}

// apiSetSchedule sets a target's planned schedule (计划进度): {"shares":
// [10, 40, 70, 100]} by quarter or twelve by month, cumulative percent;
// an empty list returns the target to linear time progress.
func (s *Server) apiSetSchedule(w http.ResponseWriter, r *http.Request) error {
	planID, u, err := s.planAction(r, actDecompose)
	if err != nil {
		return err
	}
	var in struct {
		Shares []float64 `json:"shares"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	item := r.PathValue("targetID")
	if err := s.Store.SetSchedule(gongfu.WithActor(r.Context(), u), planID, item, in.Shares); err != nil {
		return err
	}
	if in.Shares == nil {
		in.Shares = []float64{}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"target": item, "shares": in.Shares})
}

// apiSchedules lists a plan's planned schedules by target id.
func (s *Server) apiSchedules(w http.ResponseWriter, r *http.Request) error {
	planID, err := pathID(r, "planID")
	if err != nil {
		return err
	}
	if _, err := s.plan(r.Context(), planID); err != nil {
		return err
	}
	out, err := s.Store.FindSchedules(r.Context(), planID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, out)
}
