package http

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"

	"gongfu"
	"gongfu/eval"
	"gongfu/live"
)

// The status service: a plan's progress judged by package eval on the
// figures in the store, the same orchestration (eval.Assess) gongfu evaluate
// runs on files. Dashboards, supervision and the bulletin all read their
// lights from (*Server).assess, so a page can never disagree with the
// command line or with another page.

// assessCacheSize bounds the cached assessments: a few plans, today and a
// few dates someone looked back at.
const assessCacheSize = 16

// assessKey names one assessment: a plan, the date judged, and whether the
// equalization was run.
type assessKey struct {
	planID       int64
	date         string
	equalization bool
}

type assessEntry struct {
	key   assessKey
	stamp liveStamp // the plan's state the assessment was computed at
	a     *eval.Assessment
}

// assessCache keeps the latest assessments, least recently used first. An
// entry is good while its plan's liveStamp has not moved: it moves on
// every change to the plan's figures and to quotas, schedules, settings,
// orgs and plans (live.go). Its zero value is ready to use.
type assessCache struct {
	mu      sync.Mutex
	entries []assessEntry
}

// get returns the cached assessment for k computed at stamp v.
func (c *assessCache) get(k assessKey, v liveStamp) *eval.Assessment {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, e := range c.entries {
		if e.key == k {
			if e.stamp != v {
				return nil
			}
			// Most recently used goes last.
			copy(c.entries[i:], c.entries[i+1:])
			c.entries[len(c.entries)-1] = e
			return e.a
		}
	}
	return nil
}

// put stores an assessment, replacing an older one of the same key and
// dropping the least recently used beyond assessCacheSize. An assessment
// computed at an older stamp than the one cached (two requests racing
// past a change) does not replace it.
func (c *assessCache) put(k assessKey, v liveStamp, a *eval.Assessment) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, e := range c.entries {
		if e.key == k {
			if v.before(e.stamp) {
				return
			}
			c.entries = append(c.entries[:i], c.entries[i+1:]...)
			break
		}
	}
	c.entries = append(c.entries, assessEntry{key: k, stamp: v, a: a})
	if n := len(c.entries) - assessCacheSize; n > 0 {
		c.entries = append(c.entries[:0], c.entries[n:]...)
	}
}

// assess judges plan planID at the date of at from the live figures
// (live.go) and the store's quotas, schedules and settings: every target and
// milestone for the city and each county, the task, domain and plan
// summaries, and the equalization when asked. Results are cached per plan,
// date and equalization until the plan's live stamp moves, so
// pages may call it freely. The result is shared: callers must not modify
// it.
func (s *Server) assess(ctx context.Context, planID int64, at time.Time, equalization bool) (*eval.Assessment, error) {
	day := dayOf(at)
	k := assessKey{planID: planID, date: day.Format(time.DateOnly), equalization: equalization}
	figs, stamp, err := s.figures(ctx, planID)
	if err != nil {
		return nil, err
	}
	if a := s.assessments.get(k, stamp); a != nil {
		return a, nil
	}
	// The memo's scope is the stamp's configuration count, read before
	// the quotas, schedules and settings are: were one of them to change in
	// between, the judgments would be filed under the older scope and
	// dropped at the next, never kept under a scope they do not match.
	scope := strconv.FormatInt(stamp.config, 10)
	in, err := s.assessInput(ctx, planID, day, figs)
	if err != nil {
		return nil, err
	}
	in.Equalization = equalization
	in.Memo = s.memos.get(planID, k.date)
	in.MemoScope = scope
	a := eval.Assess(*in)
	s.assessments.put(k, stamp, a)
	return a, nil
}

// memoSet keeps one eval.Memo per plan and date judged, the most recent
// few: after a report changes, the next assessment judges only that
// report's item again (eval.AssessInput.Memo). Its zero value is ready.
type memoSet struct {
	mu    sync.Mutex
	order []memoKey
	memos map[memoKey]*eval.Memo
}

type memoKey struct {
	planID int64
	date   string
}

// get returns the memo of plan planID at date, made when missing.
func (m *memoSet) get(planID int64, date string) *eval.Memo {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := memoKey{planID, date}
	if memo, ok := m.memos[k]; ok {
		return memo
	}
	if m.memos == nil {
		m.memos = map[memoKey]*eval.Memo{}
	}
	if len(m.order) >= assessCacheSize {
		delete(m.memos, m.order[0])
		m.order = m.order[1:]
	}
	memo := &eval.Memo{}
	m.memos[k] = memo
	m.order = append(m.order, k)
	return memo
}

// dayOf returns the calendar day of t (in t's own zone, the server's local
// day) at midnight UTC: deadlines are days, and a report is still on time on
// its deadline day, so the hour must not change a light, and the cache is
// keyed by the day.
func dayOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// assessInput gathers what eval.Assess needs from the store.
//
// The figures are the live ones: only submitted and approved reports
// (live.Official). A draft is the reporter's work
// in progress and a returned report was sent back as wrong: neither is an
// official figure, and judging on them would let a light change before
// anyone vouched for the number (the same rule as 催报: a draft is not a
// report).
//
// The counties are the county-level orgs in store order; reports of the
// city above them (the parent of the counties, which departments report
// city-wide totals and milestones against) are the plan-wide figures, and
// reports of any other org are ignored.
func (s *Server) assessInput(ctx context.Context, planID int64, at time.Time, figs *live.Figures) (*eval.AssessInput, error) {
	p, err := s.plan(ctx, planID)
	if err != nil {
		return nil, err
	}
	st, err := s.Store.FindPlanSettings(ctx, planID)
	if err != nil {
		return nil, err
	}
	th := eval.DefaultThresholds()
	th.GreenWithin, th.YellowWithin = st.GreenWithin, st.YellowWithin
	th.LevelTolerance = st.LevelTolerance / 100 // settings keep it in percent, eval as a share
	th.DeadlineDay = st.DeadlineDay
	schedules, err := s.Store.FindSchedules(ctx, planID)
	if err != nil {
		return nil, err
	}
	in := &eval.AssessInput{
		Plan: p, At: at, Thresholds: th, Frequency: st.Frequency, Schedules: schedules,
		Values: map[string]map[string][]eval.Figure{},
		Quotas: map[string]map[string]eval.Quota{},
		Groups: map[string]string{},
	}

	counties, err := s.Store.FindOrgs(ctx, gongfu.OrgFilter{Kind: gongfu.OrgCounty})
	if err != nil {
		return nil, err
	}
	name := map[int64]string{} // county id → name
	parents := map[int64]bool{}
	pops := map[string]float64{}
	for _, c := range counties {
		name[c.ID] = c.Name
		parents[c.ParentID] = true
		in.Orgs = append(in.Orgs, c.Name)
		if c.Class == "district" {
			in.Groups[c.Name] = "市区"
		} else {
			in.Groups[c.Name] = "县(市)"
		}
		if c.Population > 0 {
			pops[c.Name] = c.Population
		}
	}
	if len(pops) > 0 {
		// Weighted only when some population is known; eval says which
		// counties lack one. None at all is plainly unweighted.
		in.Populations = pops
	}
	city := map[int64]bool{}
	for id := range parents {
		if id == 0 {
			continue
		}
		o, err := s.orgByID(ctx, id)
		if gongfu.ErrorCode(err) == gongfu.ENOTFOUND {
			continue
		} else if err != nil {
			return nil, err
		}
		if o.Kind == gongfu.OrgCity {
			city[id] = true
		}
	}

	stamps := figs.Each(func(item string, orgID int64, fs []eval.Figure) {
		org, ok := name[orgID]
		if !ok && !city[orgID] {
			return
		}
		if in.Values[item] == nil {
			in.Values[item] = map[string][]eval.Figure{}
		}
		in.Values[item][org] = append(in.Values[item][org], fs...)
	})
	in.ItemStamp = func(id string) int64 { return stamps[id] }

	quotas, err := s.Store.FindQuotas(ctx, planID, "")
	if err != nil {
		return nil, err
	}
	for _, q := range quotas {
		org, ok := name[q.OrgID]
		if !ok {
			continue
		}
		if in.Quotas[q.ItemID] == nil {
			in.Quotas[q.ItemID] = map[string]eval.Quota{}
		}
		in.Quotas[q.ItemID][org] = eval.Quota{Value: q.Value}
	}
	return in, nil
}

// assessAt returns the date to judge at: ?at=YYYY-MM-DD when given (EINVALID
// when malformed), else today by the server's clock. A plan of a past year
// judged today is judged as at its year end by eval.
func (s *Server) assessAt(r *http.Request) (time.Time, error) {
	v := r.URL.Query().Get("at")
	if v == "" {
		return dayOf(s.Now()), nil
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return time.Time{}, gongfu.Failf(gongfu.EINVALID, "评价日期 at 应为 YYYY-MM-DD")
	}
	return t, nil
}

// apiStatus is GET /api/v1/plans/{planID}/status?at=&equalization=1: the
// plan's assessment (eval.Assessment as JSON, the form of gongfu evaluate
// --json). Coordinators, leaders and admins may read it; reporters see their
// own rows on their pages instead.
func (s *Server) apiStatus(w http.ResponseWriter, r *http.Request) error {
	planID, _, err := s.planAction(r, actReadStatus)
	if err != nil {
		return err
	}
	at, err := s.assessAt(r)
	if err != nil {
		return err
	}
	equal := false
	if v := r.URL.Query().Get("equalization"); v != "" {
		if equal, err = strconv.ParseBool(v); err != nil {
			return gongfu.Failf(gongfu.EINVALID, "equalization 应为 1 或 0")
		}
	}
	a, err := s.assess(r.Context(), planID, at, equal)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, a)
}
