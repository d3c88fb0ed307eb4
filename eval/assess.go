package eval

// Assess is the plan-level orchestration: it turns a plan, the figures
// reported for it and the county quotas into every verdict a progress table
// shows (each target and milestone for the city and for each county), the
// summaries of tasks, domains and the plan, and optionally the equalization
// evaluation. The command line (gongfu evaluate, reading files) and the web
// server (reading the store) both call it, so the two can never disagree on
// a light: they differ only in where the figures come from.

import (
	"math"
	"strings"
	"sync"
	"time"

	"gongfu"
)

// Quota is a county's share of a target (任务分解) or its own target for a
// level, with its own baseline when known.
type Quota struct {
	Value float64
	// Baseline is the county's own starting value; nil when unknown (the
	// city's baseline says nothing about a county).
	Baseline *float64
}

// AssessInput is everything one evaluation of a plan needs.
type AssessInput struct {
	Plan *gongfu.Plan
	// At is the date of the evaluation; only its date counts for deadlines,
	// so callers pass midnight UTC of the day (as gongfu evaluate --at does).
	At         time.Time
	Thresholds Thresholds
	// Frequency is the plan's reporting frequency, for the plan-wide due
	// period and time progress; "" is monthly.
	Frequency        gongfu.Frequency
	Schedules        map[string][]float64   // item id → planned cumulative shares
	Due              map[string]gongfu.Date // item id → own due date
	IndicatorWeights map[string]float64
	DomainWeights    map[int]float64
	// Orgs are the county (area) names in display order. Figures and
	// quotas of orgs not listed are ignored; the equalization covers
	// exactly these counties (one without figures is listed as excluded).
	Orgs []string
	// Values holds item id → org name ("" = plan-wide/city) → figures, of
	// the plan year (judged) and of the year before (used only for the
	// equalization's year-on-year comparison).
	Values map[string]map[string][]Figure
	// Quotas holds item id → org → quota.
	Quotas map[string]map[string]Quota
	// Populations weights the equalization's disparity (org → population);
	// nil for unweighted.
	Populations map[string]float64
	// Groups puts an org in "市区" or "县(市)" for the Theil decomposition;
	// an org not in it is grouped by its name (a name ending in 区 is a
	// district).
	Groups map[string]string
	// Equalization asks for the equalization evaluation too.
	Equalization bool
	// Memo, when set, carries each item's judgment over to the next
	// assessment: an item whose ItemStamp is the same as when it was last
	// judged under the same MemoScope is not judged again. A server keeps
	// one per plan and date and judges after each approved report only the
	// item that report changed, instead of the whole plan.
	Memo *Memo
	// MemoScope names everything the judgments depend on besides the
	// items' own figures (the date, thresholds, schedules, quotas, orgs):
	// the memo forgets everything when it changes.
	MemoScope string
	// ItemStamp returns a number that changes whenever the figures of an
	// item change; required with Memo.
	ItemStamp func(id string) int64
}

// Memo keeps item judgments between assessments (AssessInput.Memo). It is
// safe for concurrent use; its zero value is ready.
type Memo struct {
	mu    sync.Mutex
	scope string
	items map[string]memoItem
}

// memoItem is one item's judgment: the plan-wide verdict and its rows
// (plan-wide first, then the counties').
type memoItem struct {
	stamp int64
	v     Verdict
	rows  []Row
}

func (m *Memo) get(scope, id string, stamp int64) (memoItem, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.scope != scope {
		return memoItem{}, false
	}
	it, ok := m.items[id]
	return it, ok && it.stamp == stamp
}

func (m *Memo) put(scope, id string, it memoItem) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.scope != scope || m.items == nil {
		m.scope, m.items = scope, map[string]memoItem{}
	}
	m.items[id] = it
}

// Assessment is the result of Assess. Percentages are in percent (123.4 =
// 123.4%) rounded to one decimal, as progress tables print them; disparity
// figures keep six decimals. The JSON form is gongfu evaluate --json's and
// the status API's.
//
// An Assessment may be shared (the server caches them): treat it as
// read-only.
type Assessment struct {
	Plan         PlanResult          `json:"plan"`
	Targets      []Row               `json:"targets"`
	Domains      []DomainResult      `json:"domains"`
	Equalization *EqualizationResult `json:"equalization,omitempty"`
	Thresholds   Thresholds          `json:"thresholds"`

	// index maps (item id, org) to a row of Targets.
	index map[rowKey]int
}

type rowKey struct{ id, org string }

// PlanResult sums up the whole plan.
type PlanResult struct {
	Title string `json:"title"`
	Year  int    `json:"year"`
	At    string `json:"at"`
	// DuePeriod is the latest period whose reports were due at At, "" when
	// none was; TimeProgress is the linear time progress at its end.
	DuePeriod    string         `json:"due_period"`
	TimeProgress float64        `json:"time_progress"`
	Completion   *float64       `json:"completion"`
	Light        Light          `json:"light"`
	Lights       map[string]int `json:"lights"`
	Counted      int            `json:"counted"`
	Uncounted    int            `json:"uncounted"`
	Reason       string         `json:"reason"`
	ReasonEN     string         `json:"reason_en"`
}

// Row is the verdict on one target or milestone for one org: Org "" is the
// plan as a whole (the city, its own figure or its counties' rolled up).
type Row struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Kind is the target kind, or "milestone".
	Kind      string   `json:"kind"`
	Org       string   `json:"org"`
	Period    string   `json:"period"`
	DuePeriod string   `json:"due_period"`
	Value     *float64 `json:"value"`
	// Target is nil for a milestone and for a county without a target of
	// its own (an increment not decomposed to it).
	Target       *float64 `json:"target"`
	Unit         string   `json:"unit,omitempty"`
	Completion   *float64 `json:"completion"`
	TimeProgress float64  `json:"time_progress"`
	Planned      bool     `json:"planned_progress,omitempty"`
	Light        Light    `json:"light"`
	Forecast     *float64 `json:"forecast"`
	AtRisk       bool     `json:"at_risk"`
	Unweighted   bool     `json:"unweighted,omitempty"`
	// QuotaShortfall is how much the county quotas of an increment fall
	// short of the city target (plan-wide rows only).
	QuotaShortfall *float64 `json:"quota_shortfall,omitempty"`
	LastPeriod     string   `json:"last_period,omitempty"`
	LastCompletion *float64 `json:"last_completion,omitempty"`
	Reason         string   `json:"reason"`
	ReasonEN       string   `json:"reason_en"`
	// DomainNo and TaskNo place the row in the plan, so callers can group
	// rows without looking items up again. Not in the JSON, which keeps the
	// form gongfu evaluate --json has always printed.
	DomainNo int `json:"-"`
	TaskNo   int `json:"-"`
}

// DomainResult sums up one domain (领域) and its tasks.
type DomainResult struct {
	No         int            `json:"no"`
	Title      string         `json:"title"`
	Completion *float64       `json:"completion"`
	Light      Light          `json:"light"`
	Lights     map[string]int `json:"lights"`
	Counted    int            `json:"counted"`
	Uncounted  int            `json:"uncounted"`
	Reason     string         `json:"reason"`
	ReasonEN   string         `json:"reason_en"`
	Tasks      []TaskResult   `json:"tasks"`
}

// TaskResult sums up one task (任务).
type TaskResult struct {
	No         int      `json:"no"`
	Title      string   `json:"title"`
	Completion *float64 `json:"completion"`
	Light      Light    `json:"light"`
	Reason     string   `json:"reason"`
	ReasonEN   string   `json:"reason_en"`
}

// EqualizationResult is the equalization evaluation as shown: each county's
// realization, the counties left out, the disparity across counties and per
// indicator, and the change from the year before when it has figures.
type EqualizationResult struct {
	Counties            []CountyResult    `json:"counties"`
	Excluded            []ExcludedResult  `json:"excluded"`
	Disparity           DisparityResult   `json:"disparity"`
	DisparityUnweighted *DisparityResult  `json:"disparity_unweighted,omitempty"`
	Indicators          []IndicatorResult `json:"indicators"`
	// IndicatorsWithoutData are level targets no county reported: left out.
	IndicatorsWithoutData []string          `json:"indicators_without_data"`
	YearOnYear            *YearOnYearResult `json:"year_on_year,omitempty"`
	Notes                 []string          `json:"notes"`
	NotesEN               []string          `json:"notes_en"`
}

// CountyResult is one county's realization (实现度) in percent.
type CountyResult struct {
	Org         string                       `json:"org"`
	Group       string                       `json:"group"`
	Population  *float64                     `json:"population,omitempty"`
	Realization float64                      `json:"realization"`
	Domains     []DomainRealizationResult    `json:"domains"`
	Indicators  []IndicatorRealizationResult `json:"indicators"`
	Missing     []string                     `json:"missing"`
}

// DomainRealizationResult is a county's realization of one domain.
type DomainRealizationResult struct {
	No          int     `json:"no"`
	Title       string  `json:"title"`
	Realization float64 `json:"realization"`
	Indicators  int     `json:"indicators"`
	Weight      float64 `json:"weight"`
}

// IndicatorRealizationResult is a county's realization of one indicator.
type IndicatorRealizationResult struct {
	ID        string   `json:"id"`
	Period    string   `json:"period"`
	Value     float64  `json:"value"`
	Target    float64  `json:"target"`
	R         float64  `json:"r"`
	RBaseline *float64 `json:"r_baseline,omitempty"`
	Working   string   `json:"working"`
}

// ExcludedResult is a county left out of the equalization, with the reason.
type ExcludedResult struct {
	Org      string `json:"org"`
	Reason   string `json:"reason"`
	ReasonEN string `json:"reason_en"`
}

// DisparityResult holds the disparity figures over counties.
type DisparityResult struct {
	N            int           `json:"n"`
	Mean         float64       `json:"mean"`
	SD           float64       `json:"sd"`
	CV           float64       `json:"cv"`
	Theil        float64       `json:"theil"`
	TheilWithin  float64       `json:"theil_within"`
	TheilBetween float64       `json:"theil_between"`
	Gini         float64       `json:"gini"`
	MaxMin       *float64      `json:"max_min"`
	Weighted     bool          `json:"weighted"`
	Groups       []GroupResult `json:"groups"`
}

// GroupResult is one group's part of the Theil decomposition.
type GroupResult struct {
	Name  string  `json:"name"`
	N     int     `json:"n"`
	Share float64 `json:"share"`
	Mean  float64 `json:"mean"`
	Theil float64 `json:"theil"`
}

// IndicatorResult is the disparity of one indicator's values.
type IndicatorResult struct {
	ID        string          `json:"id"`
	Name      string          `json:"name"`
	Counties  int             `json:"counties"`
	Disparity DisparityResult `json:"disparity"`
}

// YearOnYearResult compares the equalization with the year before.
type YearOnYearResult struct {
	Year     int                  `json:"previous_year"`
	Counties []CountyChangeResult `json:"counties"`
	Added    []string             `json:"added"`
	Dropped  []string             `json:"dropped"`
	CV       float64              `json:"cv"`
	Theil    float64              `json:"theil"`
	Within   float64              `json:"theil_within"`
	Between  float64              `json:"theil_between"`
	Gini     float64              `json:"gini"`
	MaxMin   *float64             `json:"max_min"`
	Reason   string               `json:"reason"`
	ReasonEN string               `json:"reason_en"`
}

// CountyChangeResult is a county's realization in two years.
type CountyChangeResult struct {
	Org      string  `json:"org"`
	Previous float64 `json:"previous"`
	Current  float64 `json:"current"`
	Change   float64 `json:"change"`
}

// Row returns the row of item id for org ("" for the plan as a whole), nil
// when there is none: a county gets a row for an item only when it reported
// the item or was given a quota for it. Pages showing one cell of a
// progress table look rows up this way rather than scanning Targets.
func (a *Assessment) Row(id, org string) *Row {
	if a.index != nil {
		if i, ok := a.index[rowKey{id, org}]; ok {
			return &a.Targets[i]
		}
		return nil
	}
	for i := range a.Targets {
		if a.Targets[i].ID == id && a.Targets[i].Org == org {
			return &a.Targets[i]
		}
	}
	return nil
}

// RowsOf returns the rows of one org ("" for the plan as a whole) in plan
// order: a county's own progress table.
func (a *Assessment) RowsOf(org string) []Row {
	var out []Row
	for _, r := range a.Targets {
		if r.Org == org {
			out = append(out, r)
		}
	}
	return out
}

// Assess judges every target and milestone of the plan at in.At: for the
// plan as a whole (its own figures, else its counties' rolled up) and for
// each county that reported the item or was given a quota for it; then sums
// up tasks, domains and the plan from the plan-wide verdicts, and runs the
// equalization evaluation when asked. Only figures of the plan year are
// judged.
func Assess(in AssessInput) *Assessment {
	th := in.Thresholds
	out := &Assessment{Thresholds: th, Targets: []Row{}, Domains: []DomainResult{}, index: map[rowKey]int{}}
	p := in.Plan
	if p == nil {
		out.Plan = PlanResult{At: in.At.Format(time.DateOnly), Light: LightNone, Lights: map[string]int{}}
		return out
	}
	listed := make(map[string]bool, len(in.Orgs))
	for _, org := range in.Orgs {
		listed[org] = true
	}
	var allT, allM []Verdict
	for _, d := range p.Domains {
		dom := DomainResult{No: d.No, Title: d.Title, Tasks: []TaskResult{}}
		var domT, domM []Verdict
		for _, t := range d.Tasks {
			var taskT, taskM []Verdict
			judgeItem := func(target *gongfu.Target, ms *gongfu.Milestone) (Verdict, []Row) {
				it := in.item(target, ms)
				// Only this year's figures are judged; last year's serve the
				// equalization's year-on-year comparison, and an org that
				// reported only last year is not expected in this year's total.
				byOrg := map[string][]Figure{}
				for org, figs := range in.Values[it.ID] {
					if org != "" && !listed[org] {
						continue
					}
					for _, f := range figs {
						if f.Period.Year == p.Year {
							byOrg[org] = append(byOrg[org], f)
						}
					}
				}
				// The counties judged: those that reported, then those given a
				// quota that did not (they owe a figure: grey, not absent).
				counties := map[string][]Figure{}
				var orgs []string
				for _, org := range in.Orgs {
					if figs, ok := byOrg[org]; ok {
						counties[org] = figs
						orgs = append(orgs, org)
					}
				}
				for _, org := range in.Orgs {
					if _, ok := in.Quotas[it.ID][org]; ok {
						if _, seen := counties[org]; !seen {
							counties[org] = nil
							orgs = append(orgs, org)
						}
					}
				}
				v := EvaluateCity(it, byOrg[""], counties, in.At, th)
				row := rowOf(it, ms != nil, "", v, d.No, t.No)
				if target != nil && target.Kind == gongfu.KindIncrement && len(in.Quotas[it.ID]) > 0 {
					qs := map[string]float64{}
					for org, q := range in.Quotas[it.ID] {
						qs[org] = q.Value
					}
					dc := Decompose(target.Value, qs)
					if dc.Shortfall > 0 {
						sf := dc.Shortfall
						row.QuotaShortfall = &sf
					}
					row.Reason += "；" + dc.Reason
					row.ReasonEN += "; " + dc.ReasonEN
				}
				rows := []Row{row}
				for _, org := range orgs {
					cit := in.countyItem(it, target, org)
					cv := Evaluate(cit, counties[org], in.At, th)
					rows = append(rows, rowOf(cit, ms != nil, org, cv, d.No, t.No))
				}
				return v, rows
			}
			judge := func(target *gongfu.Target, ms *gongfu.Milestone) {
				id := ""
				if ms != nil {
					id = ms.ID
				} else {
					id = target.ID
				}
				var v Verdict
				var rows []Row
				if in.Memo != nil && in.ItemStamp != nil {
					stamp := in.ItemStamp(id)
					if m, ok := in.Memo.get(in.MemoScope, id, stamp); ok {
						v, rows = m.v, m.rows
					} else {
						v, rows = judgeItem(target, ms)
						in.Memo.put(in.MemoScope, id, memoItem{stamp: stamp, v: v, rows: rows})
					}
				} else {
					v, rows = judgeItem(target, ms)
				}
				for _, r := range rows {
					out.add(r)
				}
				if ms != nil {
					taskM = append(taskM, v)
				} else {
					taskT = append(taskT, v)
				}
			}
			for i := range t.Targets {
				judge(&t.Targets[i], nil)
			}
			for i := range t.Milestones {
				judge(nil, &t.Milestones[i])
			}
			s := Summarize(taskT, taskM)
			dom.Tasks = append(dom.Tasks, TaskResult{No: t.No, Title: t.Title, Completion: roundPtr(s.Completion, 1), Light: s.Light, Reason: s.Reason, ReasonEN: s.ReasonEN})
			domT, domM = append(domT, taskT...), append(domM, taskM...)
		}
		s := Summarize(domT, domM)
		dom.Completion, dom.Light, dom.Lights, dom.Counted, dom.Uncounted = roundPtr(s.Completion, 1), s.Light, lightCounts(s.Lights), s.Counted, s.Uncounted
		dom.Reason, dom.ReasonEN = s.Reason, s.ReasonEN
		out.Domains = append(out.Domains, dom)
		allT, allM = append(allT, domT...), append(allM, domM...)
	}
	s := Summarize(allT, allM)
	out.Plan = PlanResult{Title: p.Title, Year: p.Year, At: in.At.Format(time.DateOnly),
		Completion: roundPtr(s.Completion, 1), Light: s.Light, Lights: lightCounts(s.Lights),
		Counted: s.Counted, Uncounted: s.Uncounted, Reason: s.Reason, ReasonEN: s.ReasonEN}
	freq := gongfu.Monthly
	if in.Frequency == gongfu.Quarterly {
		freq = gongfu.Quarterly
	}
	if due, ok := DuePeriod(p.Year, freq, in.At, th.DeadlineDay); ok {
		out.Plan.DuePeriod = due.String()
		out.Plan.TimeProgress = round(100*due.TimeShare(), 1)
	}
	if in.Equalization {
		out.Equalization = in.equalization()
	}
	return out
}

// add appends a row and indexes it.
func (a *Assessment) add(r Row) {
	a.index[rowKey{r.ID, r.Org}] = len(a.Targets)
	a.Targets = append(a.Targets, r)
}

// item builds the eval item of a plan target or milestone with the plan's
// own schedule and due date applied.
func (in *AssessInput) item(t *gongfu.Target, m *gongfu.Milestone) Item {
	var it Item
	if m != nil {
		it = MilestoneItem(in.Plan.Year, m)
	} else {
		it = TargetItem(in.Plan.Year, t)
		it.Schedule = in.Schedules[it.ID]
	}
	if d, ok := in.Due[it.ID]; ok && d != "" {
		it.Due = d
	}
	return it
}

// countyItem adapts a plan item to a county: its quota or own target when
// one is set; else the plan's level applies to each county alike, while an
// increment (an amount for the whole city) gives the county no target of its
// own. A county's baseline is its own (from its quota): the city's baseline
// says nothing about a county, so without one a change is read as reported.
func (in *AssessInput) countyItem(it Item, t *gongfu.Target, org string) Item {
	if it.Milestone || t == nil {
		return it
	}
	if q, ok := in.Quotas[it.ID][org]; ok {
		it.Value, it.Baseline = q.Value, q.Baseline
		return it
	}
	it.Baseline = nil
	if t.Kind == gongfu.KindIncrement && t.Op != gongfu.OpAtMost {
		it.Unassigned = true
	}
	return it
}

// rowOf turns a verdict into a row, rounded as progress tables print.
func rowOf(it Item, milestone bool, org string, v Verdict, domainNo, taskNo int) Row {
	row := Row{ID: it.ID, Name: it.Name, Org: org, Period: v.Period, DuePeriod: v.DuePeriod,
		Value: v.Value, Completion: roundPtr(v.Completion, 1), TimeProgress: round(v.TimeProgress, 1), Planned: v.Planned,
		Light: v.Light, Forecast: roundPtr(v.Forecast, 1), AtRisk: v.AtRisk, Unweighted: v.Unweighted,
		LastPeriod: v.LastPeriod, LastCompletion: roundPtr(v.LastCompletion, 1), Reason: v.Reason, ReasonEN: v.ReasonEN,
		DomainNo: domainNo, TaskNo: taskNo}
	if milestone {
		row.Kind, row.Value = "milestone", nil
	} else {
		row.Kind, row.Unit = string(it.Kind), it.Unit
		if !it.Unassigned { // a county without a quota has no target of its own
			tv := it.Value
			row.Target = &tv
		}
	}
	return row
}

// lightCounts keys a light count by the light's name, for JSON.
func lightCounts(m map[Light]int) map[string]int {
	out := map[string]int{}
	for l, n := range m {
		out[string(l)] = n
	}
	return out
}

// round rounds x to the given decimals, without a "-0".
func round(x float64, decimals int) float64 {
	p := math.Pow(10, float64(decimals))
	r := math.Round(x*p) / p
	if r == 0 {
		return 0
	}
	return r
}

// roundPtr rounds *x; nil (and a non-finite figure) stays nil.
func roundPtr(x *float64, decimals int) *float64 {
	if x == nil || math.IsNaN(*x) || math.IsInf(*x, 0) {
		return nil
	}
	r := round(*x, decimals)
	return &r
}

// group puts a county in 市区 (districts) or 县(市) (counties and
// county-level cities) for the Theil decomposition: as Groups says, else by
// the name's last character.
func (in *AssessInput) group(org string) string {
	if g, ok := in.Groups[org]; ok && g != "" {
		return g
	}
	if strings.HasSuffix(org, "区") {
		return "市区"
	}
	return "县(市)"
}

// equalize runs the equalization evaluation over the figures of one year
// usable at date at: each county's latest figure on each level target, set
// against its own target when it has one. The indicators are the level
// targets at least one county reported; the others are returned as without
// data.
func (in *AssessInput) equalize(year int, at time.Time) (Equalization, []string) {
	latest := func(figs []Figure) (Figure, bool) {
		var best Figure
		found := false
		for _, f := range figs {
			if f.Value == nil || f.Period.Year != year || (at.Year() <= year && f.Period.EndMonth() > int(at.Month())) {
				continue
			}
			if !found || f.Period.EndMonth() > best.Period.EndMonth() {
				best, found = f, true
			}
		}
		return best, found
	}
	eqIn := EqualizationInput{
		Counties:      in.Orgs,
		Values:        map[string]map[string]Observation{},
		Group:         in.group,
		Populations:   in.Populations,
		DomainWeights: in.DomainWeights,
	}
	var without []string
	for _, d := range in.Plan.Domains {
		for _, t := range d.Tasks {
			for _, g := range t.Targets {
				if g.Kind != gongfu.KindLevel {
					continue
				}
				found := false
				for _, org := range in.Orgs {
					f, ok := latest(in.Values[g.ID][org])
					if !ok {
						continue
					}
					found = true
					o := Observation{Value: *f.Value, Target: g.Value, Period: f.Period.String()}
					if q, ok := in.Quotas[g.ID][org]; ok {
						o.Target, o.Baseline = q.Value, q.Baseline
					}
					if eqIn.Values[org] == nil {
						eqIn.Values[org] = map[string]Observation{}
					}
					eqIn.Values[org][g.ID] = o
				}
				if !found {
					without = append(without, g.ID)
					continue
				}
				eqIn.Indicators = append(eqIn.Indicators, Indicator{ID: g.ID, Name: g.Name, Domain: d.No, DomainTitle: d.Title, Op: g.Op, Weight: in.IndicatorWeights[g.ID]})
			}
		}
	}
	return Equalize(eqIn), without
}

func disparityResult(d Disparity) DisparityResult {
	out := DisparityResult{N: d.N, Mean: round(d.Mean, 4), SD: round(d.SD, 4), CV: round(d.CV, 6), Theil: round(d.Theil, 6),
		TheilWithin: round(d.TheilWithin, 6), TheilBetween: round(d.TheilBetween, 6), Gini: round(d.Gini, 6),
		MaxMin: roundPtr(d.MaxMin, 4), Weighted: d.Weighted, Groups: []GroupResult{}}
	for _, g := range d.Groups {
		out.Groups = append(out.Groups, GroupResult{Name: g.Name, N: g.N, Share: round(g.Share, 6), Mean: round(g.Mean, 4), Theil: round(g.Theil, 6)})
	}
	return out
}

// equalization is this year's equalization evaluation and, when the figures
// include the year before, the change from it. Empty lists are empty, not
// null, so a reader can range over them.
func (in *AssessInput) equalization() *EqualizationResult {
	year := in.Plan.Year
	eq, without := in.equalize(year, in.At)
	out := &EqualizationResult{Counties: []CountyResult{}, Excluded: []ExcludedResult{}, Indicators: []IndicatorResult{},
		IndicatorsWithoutData: without, Notes: eq.Notes, NotesEN: eq.NotesEN}
	if out.IndicatorsWithoutData == nil {
		out.IndicatorsWithoutData = []string{}
	}
	if out.Notes == nil {
		out.Notes, out.NotesEN = []string{}, []string{}
	}
	if len(without) > 0 {
		out.Notes = append(out.Notes, sprintf("%d 个水平类指标没有县级数据，未纳入：%s", len(without), strings.Join(without, "、")))
		out.NotesEN = append(out.NotesEN, sprintf("%d level targets have no county figures and are left out: %s", len(without), strings.Join(without, ", ")))
	}
	for _, c := range eq.Counties {
		co := CountyResult{Org: c.Org, Group: c.Group, Realization: round(c.Realization, 2), Domains: []DomainRealizationResult{}, Indicators: []IndicatorRealizationResult{}, Missing: c.Missing}
		if co.Missing == nil {
			co.Missing = []string{}
		}
		if c.Population > 0 {
			p := c.Population
			co.Population = &p
		}
		for _, d := range c.Domains {
			co.Domains = append(co.Domains, DomainRealizationResult{No: d.No, Title: d.Title, Realization: round(d.Realization, 2), Indicators: d.Indicators, Weight: d.Weight})
		}
		for _, r := range c.Indicators {
			co.Indicators = append(co.Indicators, IndicatorRealizationResult{ID: r.ID, Period: r.Period, Value: r.Value, Target: r.Target, R: round(r.R, 2), RBaseline: roundPtr(r.RBaseline, 2), Working: r.Working})
		}
		out.Counties = append(out.Counties, co)
	}
	for _, x := range eq.Excluded {
		out.Excluded = append(out.Excluded, ExcludedResult{Org: x.Org, Reason: x.Reason, ReasonEN: x.ReasonEN})
	}
	out.Disparity = disparityResult(eq.Disparity)
	if eq.Unweighted != nil {
		u := disparityResult(*eq.Unweighted)
		out.DisparityUnweighted = &u
	}
	for _, x := range eq.Indicators {
		out.Indicators = append(out.Indicators, IndicatorResult{ID: x.ID, Name: x.Name, Counties: x.Counties, Disparity: disparityResult(x.Disparity)})
	}
	// The year before: every figure of that year counts (its year-end
	// figure when reported), as at 1 January of the plan year.
	prev, _ := in.equalize(year-1, time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC))
	if len(prev.Counties) > 0 && len(eq.Counties) > 0 {
		y := CompareYears(prev, eq)
		yo := &YearOnYearResult{Year: year - 1, Counties: []CountyChangeResult{}, Added: y.Added, Dropped: y.Dropped,
			CV: round(y.CV, 6), Theil: round(y.Theil, 6), Within: round(y.TheilWithin, 6), Between: round(y.TheilBetween, 6), Gini: round(y.Gini, 6),
			MaxMin: roundPtr(y.MaxMin, 4), Reason: y.Reason, ReasonEN: y.ReasonEN}
		for _, c := range y.Counties {
			yo.Counties = append(yo.Counties, CountyChangeResult{Org: c.Org, Previous: round(c.Previous, 2), Current: round(c.Current, 2), Change: round(c.Change, 2)})
		}
		if yo.Added == nil {
			yo.Added = []string{}
		}
		if yo.Dropped == nil {
			yo.Dropped = []string{}
		}
		out.YearOnYear = yo
	}
	return out
}
