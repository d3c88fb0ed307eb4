// This file is the leader's screens (领导驾驶舱): the city overview (GET
// /dash), the county comparison (GET /dash/counties), a target's trend (GET
// /dash/targets/{tid}), department accountability (GET /dash/departments)
// and a read-only view of one report with the reporter's explanation (GET
// /dash/report/{planID}/{targetID}/{orgID}/{period}).
//
// The pages judge nothing themselves: every light, completion and
// realization comes from (*Server).assess, the same eval.Assess the status
// API and gongfu evaluate run. Charts are Apache ECharts options built here
// as plain data (no functions), written by html/template into a
// <script type="application/json"> block (which escapes "<", so no plan text
// can end the block) and drawn by static/dash.js; every chart has a table or
// text beside it carrying the same figures, so nothing depends on the
// script, the canvas or colour vision.
package http

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"gongfu"
	"gongfu/eval"
)

// dashRoutes registers the leader's screens.
func (s *Server) dashRoutes(mux *http.ServeMux) {
	mux.Handle("GET /dash", s.page(s.dashPage))
	mux.Handle("GET /api/v1/plans/{planID}/live", s.api(s.apiLive))
	mux.Handle("GET /dash/counties", s.page(s.dashCountiesPage))
	mux.Handle("GET /dash/departments", s.page(s.dashDepartmentsPage))
	mux.Handle("GET /dash/targets/{tid}", s.page(s.dashTargetPage))
	mux.Handle("GET /dash/report/{planID}/{targetID}/{orgID}/{period}", s.page(s.dashReportPage))
}

// The lights as charts and badges show them, best first. Each colour has
// at least 4.8:1 contrast with white, so a bar stands out against the page
// and the white count printed on it is readable (WCAG AA); the legend and
// the tables name every light, so colour is never the only cue.
var dashLights = []eval.Light{eval.LightDone, eval.LightGreen, eval.LightYellow, eval.LightRed, eval.LightGrey}

var dashLightColor = map[eval.Light]string{
	eval.LightDone:   "#1f4e8c",
	eval.LightGreen:  "#2e7d32",
	eval.LightYellow: "#9a6700",
	eval.LightRed:    "#b3261e",
	eval.LightGrey:   "#5f6b7a",
	eval.LightNone:   "#5f6b7a",
}

// Other chart colours: the link blue (7:1 on white) for figures, grey for
// time progress, and a palette of dark, mutually distinct colours for the
// counties' lines.
const (
	dashColorFigure = "#0b57a4"
	dashColorTime   = "#5f6b7a"
	dashColorInk    = "#1d2733"
)

var dashPalette = []string{"#0b57a4", "#b3261e", "#2e7d32", "#6a3d9a", "#9a6700", "#00695c",
	"#ad1457", "#4e342e", "#1565c0", "#5d4037", "#37474f", "#7b1fa2", "#33691e", "#bf360c"}

// dashHead is what every dashboard page shows on top: the plan and date
// chosen, the forms to change them and the tabs between the screens.
type dashHead struct {
	Tab   string // overview, counties, departments, target, report
	Path  string // the page's own path, for the form choosing plan and date
	Plan  *gongfu.Plan
	Plans []*gongfu.PlanSummary
	At    string // YYYY-MM-DD
	Query string // plan=…&at=…, for links between the screens
	Tabs  []dashTab
	// Live is the state of the plan's figures the page was computed from
	// (liveToken), and LiveURL where dash.js asks for the current one: an
	// open dashboard reloads itself when they differ, so a leader's
	// screen left open on the wall is never stale.
	Live, LiveURL string
}

type dashTab struct {
	Key, URL string
	On       bool
}

// dashChart is one chart: the element id of its JSON block, its accessible
// name, a size class and the ECharts option.
type dashChart struct {
	ID     string
	Label  string
	Class  string
	Option map[string]any
}

// dashStart checks the visitor may read the plan's status and reads the
// plan (?plan=, default the newest) and date (?at=, default today).
func (s *Server) dashStart(r *http.Request, tab string) (*dashHead, time.Time, error) {
	ctx := r.Context()
	u, err := s.userOf(r)
	if err != nil {
		return nil, time.Time{}, err
	}
	if err := s.can(ctx, u, actReadStatus, scope{}); err != nil {
		return nil, time.Time{}, err
	}
	at, err := s.assessAt(r)
	if err != nil {
		return nil, time.Time{}, err
	}
	plans, err := s.Store.FindPlans(ctx)
	if err != nil {
		return nil, time.Time{}, err
	}
	if len(plans) == 0 {
		return nil, time.Time{}, gongfu.Failf(gongfu.ENOTFOUND, "还没有导入任何计划")
	}
	p, err := s.choosePlan(ctx, r.URL.Query(), plans)
	if err != nil {
		return nil, time.Time{}, err
	}
	h := &dashHead{Tab: tab, Path: r.URL.Path, Plan: p, Plans: plans, At: at.Format(time.DateOnly)}
	// Read before the page's figures: a change landing in between makes
	// the page reload once more, never miss it.
	if h.Live, err = s.liveToken(ctx, p.ID); err != nil {
		return nil, time.Time{}, err
	}
	h.LiveURL = "/api/v1/plans/" + strconv.FormatInt(p.ID, 10) + "/live"
	h.Query = url.Values{"plan": {strconv.FormatInt(p.ID, 10)}, "at": {h.At}}.Encode()
	for _, t := range []struct{ key, path string }{{"overview", "/dash"}, {"counties", "/dash/counties"}, {"departments", "/dash/departments"}} {
		h.Tabs = append(h.Tabs, dashTab{Key: t.key, URL: t.path + "?" + h.Query, On: t.key == tab})
	}
	return h, at, nil
}

// targetURL is the trend page of an item.
func (h *dashHead) targetURL(id string) string {
	return "/dash/targets/" + url.PathEscape(id) + "?" + h.Query
}

// reportURL is the read-only view of a report, where the reporter's note
// and explanation are shown. (The entry form at /report/… is for the
// reporter: coordinators and leaders, who read the dashboards, may not
// open it.)
func (h *dashHead) reportURL(k gongfu.ReportKey) string {
	return fmt.Sprintf("/dash/report/%d/%s/%d/%s?at=%s", k.PlanID, url.PathEscape(k.ItemID), k.OrgID, url.PathEscape(k.Period), h.At)
}

// dashPct writes a percentage for people, "—" for none.
func dashPct(lang string, p *float64) string {
	if p == nil || math.IsNaN(*p) {
		return "—"
	}
	return formatNumber(lang, math.Round(*p*10)/10) + "%"
}

// dashValue writes a figure with its unit, "—" for none.
func dashValue(lang string, v *float64, unit string) string {
	if v == nil {
		return "—"
	}
	s := formatNumber(lang, *v)
	if unit == "%" || unit == "" {
		return s + unit
	}
	return s + " " + unit
}

// dashOrgName names a row's org: its county, or the city as a whole.
func dashOrgName(lang, org string) string {
	if org == "" {
		return translate(lang, "dash.citywide")
	}
	return org
}

// dashReason picks a verdict's reason in the page's language.
func dashReason(lang, zh, en string) string {
	if lang == langEN && en != "" {
		return en
	}
	return zh
}

// dashRound rounds to one decimal for a chart; nil stays nil (JSON null: no
// bar, no point).
func dashRound(p *float64) any {
	if p == nil || math.IsNaN(*p) || math.IsInf(*p, 0) {
		return nil
	}
	return math.Round(*p*10) / 10
}

// dashChartBase is what every chart option shares: the page's fonts and ink,
// room for labels, and tooltips drawn on the canvas (richText) rather than
// as HTML, which the page's CSP would strip of its styles.
func dashChartBase() map[string]any {
	return map[string]any{
		"animationDuration": 300,
		"textStyle": map[string]any{
			"fontFamily": `"PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", sans-serif`,
			"color":      dashColorInk, "fontSize": 13,
		},
		"tooltip": map[string]any{"renderMode": "richText", "confine": true},
		"legend":  map[string]any{"top": 0, "type": "scroll", "textStyle": map[string]any{"color": dashColorInk}},
		"grid":    map[string]any{"left": 8, "right": 40, "top": 40, "bottom": 8, "containLabel": true},
	}
}

// dashAxisText styles axis labels and names in the page's ink.
func dashAxisText(extra map[string]any) map[string]any {
	m := map[string]any{"color": dashColorInk, "fontSize": 12}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

// ---------------------------------------------------------------------------
// GET /dash: the city overview.

// dashDomainRow is one domain on the overview: its light, completion and
// how many items show each light.
type dashDomainRow struct {
	No         int
	Title      string
	Light      eval.Light
	Completion string
	Counts     []int // in dashLights order, then none
	Reason     string
}

// dashItemRow is one verdict in a list of items (the red items).
type dashItemRow struct {
	ID, Name, Org            string
	Value, Target            string
	Completion, TimeProgress string
	Period                   string
	Light                    eval.Light
	Reason                   string
	URL                      string
}

// dashRedGroup is one item's red verdicts: city-wide and by county.
type dashRedGroup struct {
	ID, Name, URL string
	City          bool // red city-wide
	Rows          []dashItemRow
}

func (s *Server) dashPage(w http.ResponseWriter, r *http.Request) error {
	ctx, lang := r.Context(), langOf(r)
	h, at, err := s.dashStart(r, "overview")
	if err != nil {
		return err
	}
	a, err := s.assess(ctx, h.Plan.ID, at, false)
	if err != nil {
		return err
	}
	var domains []dashDomainRow
	for _, d := range a.Domains {
		row := dashDomainRow{No: d.No, Title: d.Title, Light: d.Light, Completion: dashPct(lang, d.Completion),
			Reason: dashReason(lang, d.Reason, d.ReasonEN)}
		for _, l := range dashLights {
			row.Counts = append(row.Counts, d.Lights[string(l)])
		}
		row.Counts = append(row.Counts, d.Lights[string(eval.LightNone)])
		domains = append(domains, row)
	}
	// The red items, grouped by item (the city-wide row of an item comes
	// before its counties').
	var reds []*dashRedGroup
	nred := 0
	for _, t := range a.Targets {
		if t.Light != eval.LightRed {
			continue
		}
		if len(reds) == 0 || reds[len(reds)-1].ID != t.ID {
			reds = append(reds, &dashRedGroup{ID: t.ID, Name: t.Name, URL: h.targetURL(t.ID), City: t.Org == ""})
		}
		g := reds[len(reds)-1]
		g.Rows = append(g.Rows, dashItemRow{ID: t.ID, Name: t.Name, Org: dashOrgName(lang, t.Org),
			Value: dashValue(lang, t.Value, t.Unit), Target: dashValue(lang, t.Target, t.Unit),
			Completion: dashPct(lang, t.Completion), Period: t.Period, Light: t.Light,
			Reason: dashReason(lang, t.Reason, t.ReasonEN), URL: g.URL})
		nred++
	}
	// Items red city-wide first: they are the plan's own red lights; items
	// red in some counties only follow.
	sort.SliceStable(reds, func(i, j int) bool {
		return reds[i].City && !reds[j].City
	})
	tp := a.Plan.TimeProgress
	data := map[string]any{
		"Head": h, "Result": a.Plan, "Domains": domains, "Reds": reds, "RedCount": nred,
		"Completion": dashPct(lang, a.Plan.Completion), "TimeProgress": dashPct(lang, &tp),
		"Reason": dashReason(lang, a.Plan.Reason, a.Plan.ReasonEN),
		"Charts": []dashChart{
			{ID: "chart-lights", Label: translate(lang, "dash.chart.lights"), Class: "tall", Option: dashLightsOption(lang, a)},
			{ID: "chart-completion", Label: translate(lang, "dash.chart.completion"), Class: "tall", Option: dashCompletionOption(lang, a)},
		},
	}
	if a.Plan.DuePeriod != "" {
		if per, err := gongfu.ParsePeriod(a.Plan.DuePeriod); err == nil {
			data["DueLabel"] = periodLabel(lang, per)
		}
	}
	return s.render(w, r, "dash", translate(lang, "dash.title"), data)
}

// dashDomainAxis is the category axis of the domains, top to bottom.
func dashDomainAxis(a *eval.Assessment) map[string]any {
	var names []string
	for _, d := range a.Domains {
		names = append(names, strconv.Itoa(d.No)+" "+d.Title)
	}
	return map[string]any{"type": "category", "data": names, "inverse": true,
		"axisLabel": dashAxisText(map[string]any{"width": 190, "overflow": "truncate"})}
}

// dashLightsOption is a stacked bar per domain: how many of its items show
// each light.
func dashLightsOption(lang string, a *eval.Assessment) map[string]any {
	o := dashChartBase()
	o["tooltip"].(map[string]any)["trigger"] = "axis"
	o["yAxis"] = dashDomainAxis(a)
	o["grid"] = map[string]any{"left": 8, "right": 24, "top": 40, "bottom": 32, "containLabel": true}
	o["xAxis"] = map[string]any{"type": "value", "minInterval": 1, "name": translate(lang, "dash.items"),
		"nameLocation": "middle", "nameGap": 28, "axisLabel": dashAxisText(nil), "nameTextStyle": dashAxisText(nil)}
	var series []any
	for _, l := range dashLights {
		var vals []any
		for _, d := range a.Domains {
			if n := d.Lights[string(l)]; n > 0 {
				vals = append(vals, n)
			} else {
				vals = append(vals, nil) // no segment, no "0" label
			}
		}
		series = append(series, map[string]any{
			"name": translate(lang, "dash.light."+string(l)), "type": "bar", "stack": "lights",
			"data": vals, "itemStyle": map[string]any{"color": dashLightColor[l], "borderColor": "#fff", "borderWidth": 1},
			"label": map[string]any{"show": true, "color": "#fff", "fontWeight": "bold"},
		})
	}
	o["series"] = series
	return o
}

// dashCompletionOption sets each domain's completion beside the time progress.
func dashCompletionOption(lang string, a *eval.Assessment) map[string]any {
	o := dashChartBase()
	o["tooltip"].(map[string]any)["trigger"] = "axis"
	o["yAxis"] = dashDomainAxis(a)
	o["xAxis"] = map[string]any{"type": "value", "min": 0, "max": 100, "name": "%", "axisLabel": dashAxisText(nil), "nameTextStyle": dashAxisText(nil)}
	var comp, tp []any
	for _, d := range a.Domains {
		comp = append(comp, dashRound(d.Completion))
		t := a.Plan.TimeProgress
		tp = append(tp, dashRound(&t))
	}
	label := map[string]any{"show": true, "position": "right", "formatter": "{c}%", "color": dashColorInk}
	o["series"] = []any{
		map[string]any{"name": translate(lang, "dash.completion"), "type": "bar", "data": comp,
			"itemStyle": map[string]any{"color": dashColorFigure}, "label": label},
		map[string]any{"name": translate(lang, "dash.timeprogress"), "type": "bar", "data": tp,
			"itemStyle": map[string]any{"color": dashColorTime}, "label": label},
	}
	return o
}

// ---------------------------------------------------------------------------
// GET /dash/counties: the counties compared (the equalization evaluation).

// dashCountyRow is one county's realization, overall and by domain.
type dashCountyRow struct {
	Rank        int
	Org         string
	Group       string
	Realization string
	Domains     []string // in the order of the page's domain columns
	Missing     []string
}

// dashGroupRow is one group of the Theil decomposition.
type dashGroupRow struct {
	Name, Mean, Theil string
	N                 int
}

// dashFigure is one named figure of the disparity table.
type dashFigure struct {
	Key, Value, Help string
}

func (s *Server) dashCountiesPage(w http.ResponseWriter, r *http.Request) error {
	ctx, lang := r.Context(), langOf(r)
	h, at, err := s.dashStart(r, "counties")
	if err != nil {
		return err
	}
	a, err := s.assess(ctx, h.Plan.ID, at, true)
	if err != nil {
		return err
	}
	data := map[string]any{"Head": h}
	eq := a.Equalization
	if eq == nil || len(eq.Counties) == 0 {
		if eq != nil {
			data["Notes"] = dashNotesIn(lang, eq)
		}
		return s.render(w, r, "dash", translate(lang, "dash.counties.title"), data)
	}
	// The domain columns: every domain some county has a realization for.
	titles := map[int]string{}
	for _, c := range eq.Counties {
		for _, d := range c.Domains {
			titles[d.No] = d.Title
		}
	}
	var nos []int
	for no := range titles {
		nos = append(nos, no)
	}
	sort.Ints(nos)
	var cols []string
	for _, no := range nos {
		cols = append(cols, strconv.Itoa(no)+" "+titles[no])
	}
	ranked := append([]eval.CountyResult(nil), eq.Counties...)
	sort.SliceStable(ranked, func(i, j int) bool { return ranked[i].Realization > ranked[j].Realization })
	var rows []dashCountyRow
	for i, c := range ranked {
		row := dashCountyRow{Rank: i + 1, Org: c.Org, Group: c.Group, Realization: dashPct(lang, &c.Realization), Missing: c.Missing}
		by := map[int]float64{}
		for _, d := range c.Domains {
			by[d.No] = d.Realization
		}
		for _, no := range nos {
			if v, ok := by[no]; ok {
				row.Domains = append(row.Domains, dashPct(lang, &v))
			} else {
				row.Domains = append(row.Domains, "—")
			}
		}
		rows = append(rows, row)
	}
	d := eq.Disparity
	// Disparity figures are small (a Theil index of 0.00004 is usual
	// between counties of one city): shown to the six decimals eval keeps.
	num := func(x float64) string { return strconv.FormatFloat(math.Round(x*1e6)/1e6, 'f', -1, 64) }
	maxMin := "—"
	if d.MaxMin != nil {
		maxMin = num(*d.MaxMin)
	}
	figures := []dashFigure{
		{"dash.disp.n", strconv.Itoa(d.N), ""},
		{"dash.disp.mean", dashPct(lang, &d.Mean), ""},
		{"dash.disp.cv", num(d.CV), "dash.disp.cv.help"},
		{"dash.disp.theil", num(d.Theil), "dash.disp.theil.help"},
		{"dash.disp.within", num(d.TheilWithin), ""},
		{"dash.disp.between", num(d.TheilBetween), ""},
		{"dash.disp.gini", num(d.Gini), "dash.disp.gini.help"},
		{"dash.disp.maxmin", maxMin, "dash.disp.maxmin.help"},
	}
	data["Columns"], data["Rows"], data["Figures"] = cols, rows, figures
	var groups []dashGroupRow
	for _, g := range d.Groups {
		groups = append(groups, dashGroupRow{Name: g.Name, N: g.N, Mean: dashPct(lang, &g.Mean), Theil: num(g.Theil)})
	}
	data["Weighted"], data["Groups"] = d.Weighted, groups
	data["Notes"], data["Excluded"] = dashNotesIn(lang, eq), eq.Excluded
	if y := eq.YearOnYear; y != nil {
		data["YearOnYear"] = dashReason(lang, y.Reason, y.ReasonEN)
	}
	data["Charts"] = []dashChart{
		{ID: "chart-heat", Label: translate(lang, "dash.chart.heat"), Class: "tall", Option: dashHeatOption(lang, eq, nos, cols)},
		{ID: "chart-rank", Label: translate(lang, "dash.chart.rank"), Class: "tall", Option: dashRankOption(lang, ranked)},
	}
	return s.render(w, r, "dash", translate(lang, "dash.counties.title"), data)
}

// dashNotesIn picks the equalization's notes in the page's language.
func dashNotesIn(lang string, eq *eval.EqualizationResult) []string {
	if lang == langEN && len(eq.NotesEN) == len(eq.Notes) {
		return eq.NotesEN
	}
	return eq.Notes
}

// dashHeatOption is a county × domain heat map of realization, light red (low)
// through light yellow to light green (full), with the figure printed in
// dark ink on every cell (at least 9:1 on each of those colours).
func dashHeatOption(lang string, eq *eval.EqualizationResult, nos []int, cols []string) map[string]any {
	o := dashChartBase()
	delete(o, "legend")
	o["tooltip"].(map[string]any)["trigger"] = "item"
	col := map[int]int{}
	for i, no := range nos {
		col[no] = i
	}
	var counties []string
	var cells []any
	lowest := 100.0
	for y, c := range eq.Counties {
		counties = append(counties, c.Org)
		for _, d := range c.Domains {
			cells = append(cells, []any{col[d.No], y, math.Round(d.Realization*10) / 10})
			lowest = math.Min(lowest, d.Realization)
		}
	}
	// The colour scale starts a step below the lowest figure (at a round
	// ten), so that counties a few points apart do not all look alike; the
	// scale's ends are labelled and every cell carries its figure.
	lo := math.Max(0, math.Min(90, math.Floor(lowest/10)*10-10))
	o["grid"] = map[string]any{"left": 8, "right": 16, "top": 8, "bottom": 56, "containLabel": true}
	o["xAxis"] = map[string]any{"type": "category", "data": cols, "position": "top", "splitArea": map[string]any{"show": true},
		"axisLabel": dashAxisText(map[string]any{"width": 90, "overflow": "truncate", "interval": 0})}
	o["yAxis"] = map[string]any{"type": "category", "data": counties, "inverse": true, "splitArea": map[string]any{"show": true},
		"axisLabel": dashAxisText(nil)}
	o["visualMap"] = map[string]any{"type": "continuous", "min": lo, "max": 100, "calculable": false,
		"orient": "horizontal", "left": "center", "bottom": 0, "text": []string{"100%", strconv.FormatFloat(lo, 'f', -1, 64) + "%"},
		"textStyle": map[string]any{"color": dashColorInk},
		"inRange":   map[string]any{"color": []string{"#fcbba1", "#fee391", "#a1d99b"}}}
	o["series"] = []any{map[string]any{"name": translate(lang, "dash.realization"), "type": "heatmap", "data": cells,
		"label":     map[string]any{"show": true, "color": dashColorInk},
		"itemStyle": map[string]any{"borderColor": "#fff", "borderWidth": 1}}}
	// On a phone a column is some 40 pixels wide: the domains' names ran
	// into one another there, so a narrow chart heads its columns with the
	// domains' numbers only (the table below names them in full).
	short := make([]string, len(nos))
	for i, no := range nos {
		short[i] = strconv.Itoa(no)
	}
	return map[string]any{"baseOption": o, "media": []any{map[string]any{
		"query":  map[string]any{"maxWidth": 560},
		"option": map[string]any{"xAxis": map[string]any{"data": short, "axisLabel": map[string]any{"width": 40}}},
	}}}
}

// dashRankOption ranks the counties by realization, best on top.
func dashRankOption(lang string, ranked []eval.CountyResult) map[string]any {
	o := dashChartBase()
	delete(o, "legend")
	o["tooltip"].(map[string]any)["trigger"] = "axis"
	o["grid"] = map[string]any{"left": 8, "right": 56, "top": 16, "bottom": 8, "containLabel": true}
	var names []string
	var vals []any
	for _, c := range ranked {
		names = append(names, c.Org)
		vals = append(vals, math.Round(c.Realization*10)/10)
	}
	o["yAxis"] = map[string]any{"type": "category", "data": names, "inverse": true, "axisLabel": dashAxisText(nil)}
	o["xAxis"] = map[string]any{"type": "value", "min": 0, "max": 100, "name": "%", "axisLabel": dashAxisText(nil), "nameTextStyle": dashAxisText(nil)}
	o["series"] = []any{map[string]any{"name": translate(lang, "dash.realization"), "type": "bar", "data": vals,
		"itemStyle": map[string]any{"color": dashColorFigure},
		"label":     map[string]any{"show": true, "position": "right", "formatter": "{c}%", "color": dashColorInk}}}
	return o
}

// ---------------------------------------------------------------------------
// GET /dash/targets/{tid}: one target's trend, verdicts and explanations.

// dashVerdictRow is the verdict on the target for one org, with the way to
// the report it was judged on.
type dashVerdictRow struct {
	dashItemRow
	ReportURL   string
	Explanation string // the reporter's 情况说明 for the period judged
	Lagging     bool   // red or yellow: the reporter's explanation matters
}

// dashSeriesRow is one org's figures by period, for the table beside the
// trend chart.
type dashSeriesRow struct {
	Org    string
	Values []string
}

// dashNote is what a reporter wrote about a figure: the note and the
// reason for a fall on an official report, or the explanation of a red
// light (情况说明, Explanation set).
type dashNote struct {
	Org, Period, Status, Note, Reason, Explanation, By, At, URL string
}

// dashLine is one org's year-to-date figures by period.
type dashLine struct {
	Name   string
	Vals   []*float64 // by period; nil where there is no official figure
	County bool
}

// dashTrend is an item's trend through the plan year: each org's official
// figures by period (the city-wide line first), against the target line
// and, for an increment, the time-progress line (target × m/12). A level is
// to be held all year, so its time-progress line is the target line. A
// milestone's figure is its progress: 0 not started, the percent reported
// in progress, 100 done.
type dashTrend struct {
	Periods   []gongfu.Period
	Lines     []dashLine
	Unit      string
	Goal      float64
	Increment bool
}

// dashTrendOf builds the trend of plan item e from its official reports
// (submitted or approved) by org. The city-wide line is what eval judges:
// the city's own figures, else its counties' rolled up for the periods every
// county concerned (those that reported, and those given a quota) reported.
func (s *Server) dashTrendOf(ctx context.Context, p *gongfu.Plan, e planEntry, freq gongfu.Frequency,
	counties []*gongfu.Org, city *gongfu.Org, official map[int64][]*gongfu.Report) (*dashTrend, error) {
	year := planYear(p, s.Now())
	t := &dashTrend{Unit: "%", Goal: 100}
	n := 12
	if freq == gongfu.Quarterly {
		n = 4
	} else {
		freq = gongfu.Monthly
	}
	for i := 1; i <= n; i++ {
		t.Periods = append(t.Periods, gongfu.Period{Year: year, Freq: freq, Index: i})
	}
	var it eval.Item
	if e.Target != nil {
		it = eval.TargetItem(year, e.Target)
		t.Unit, t.Goal = e.Target.Unit, e.Target.Value
		t.Increment = e.Target.Kind == gongfu.KindIncrement && e.Target.Op != gongfu.OpAtMost
	} else {
		it = eval.MilestoneItem(year, e.Milestone)
	}
	figs := func(list []*gongfu.Report) []eval.Figure {
		var out []eval.Figure
		for _, rep := range list {
			if f, err := eval.FigureOf(rep); err == nil && f.Period.Year == year && f.Period.Freq == freq {
				out = append(out, f)
			}
		}
		return out
	}
	line := func(name string, fs []eval.Figure, county bool) dashLine {
		l := dashLine{Name: name, Vals: make([]*float64, n), County: county}
		for _, f := range fs {
			v := f.Value
			if e.Milestone != nil {
				x := 0.0
				switch {
				case f.Stage == gongfu.StageDone:
					x = 100
				case f.Stage == gongfu.StageInProgress && f.Percent != nil:
					x = *f.Percent
				}
				v = &x
			}
			if i := f.Period.Index - 1; i >= 0 && i < n {
				l.Vals[i] = v
			}
		}
		return l
	}
	quotas, err := s.Store.FindQuotas(ctx, p.ID, e.ID())
	if err != nil {
		return nil, err
	}
	hasQuota := map[int64]bool{}
	for _, q := range quotas {
		hasQuota[q.OrgID] = true
	}
	byCounty := map[string][]eval.Figure{}
	var countyLines []dashLine
	for _, c := range counties {
		fs := figs(official[c.ID])
		if len(fs) > 0 || hasQuota[c.ID] {
			byCounty[c.Name] = fs
		}
		if len(fs) > 0 {
			countyLines = append(countyLines, line(c.Name, fs, true))
		}
	}
	var direct []eval.Figure
	if city != nil {
		direct = figs(official[city.ID])
	}
	cityFigs, _ := eval.CitySeries(it, direct, byCounty)
	t.Lines = append([]dashLine{line("", cityFigs, false)}, countyLines...)
	return t, nil
}

// guides returns the target line's and the time-progress line's values in
// period i.
func (t *dashTrend) guides(i int) (goal, tp float64) {
	tp = t.Goal
	if t.Increment {
		tp = math.Round(t.Goal*t.Periods[i].TimeShare()*100) / 100
	}
	return t.Goal, tp
}

// dashRound2 rounds a figure to two decimals for a chart, nil staying nil.
func dashRound2(p *float64) any {
	if p == nil || math.IsNaN(*p) || math.IsInf(*p, 0) {
		return nil
	}
	return math.Round(*p*100) / 100
}

// table is the trend as a table: a row per org, then the guide lines.
func (t *dashTrend) table(lang string) []dashSeriesRow {
	var rows []dashSeriesRow
	for _, l := range t.Lines {
		row := dashSeriesRow{Org: dashOrgName(lang, l.Name)}
		for _, v := range l.Vals {
			if v != nil {
				x := math.Round(*v*100) / 100
				v = &x
			}
			row.Values = append(row.Values, dashValue(lang, v, t.Unit))
		}
		rows = append(rows, row)
	}
	goalRow := dashSeriesRow{Org: translate(lang, "dash.line.target")}
	tpRow := dashSeriesRow{Org: translate(lang, "dash.line.time")}
	for i := range t.Periods {
		g, tp := t.guides(i)
		goalRow.Values = append(goalRow.Values, dashValue(lang, &g, t.Unit))
		tpRow.Values = append(tpRow.Values, dashValue(lang, &tp, t.Unit))
	}
	rows = append(rows, goalRow)
	if t.Increment {
		rows = append(rows, tpRow)
	}
	return rows
}

// categories names the periods on the axis and in the table's head.
func (t *dashTrend) categories(lang string) []string {
	var out []string
	for _, per := range t.Periods {
		out = append(out, dashShortPeriod(lang, per))
	}
	return out
}

// hidesCounties reports whether the counties' lines start hidden: an
// increment's county figures are a fraction of the city's and would only
// flatten its line; the legend shows them on demand.
func (t *dashTrend) hidesCounties() bool { return t.Increment && len(t.Lines) > 1 }

// option is the trend as a line chart: the city-wide line bold, the
// counties' thin, the target dashed and the time progress dotted, with the
// guides first in the legend so they are never scrolled out of it.
func (t *dashTrend) option(lang string) map[string]any {
	o := dashChartBase()
	o["tooltip"].(map[string]any)["trigger"] = "axis"
	o["grid"] = map[string]any{"left": 8, "right": 24, "top": 64, "bottom": 8, "containLabel": true}
	o["xAxis"] = map[string]any{"type": "category", "data": t.categories(lang), "boundaryGap": false, "axisLabel": dashAxisText(nil)}
	o["yAxis"] = map[string]any{"type": "value", "name": t.Unit, "scale": !t.Increment,
		"axisLabel": dashAxisText(nil), "nameTextStyle": dashAxisText(nil)}
	n := len(t.Periods)
	goalLine, tpLine := make([]any, n), make([]any, n)
	for i := range t.Periods {
		goalLine[i], tpLine[i] = t.guides(i)
	}
	target, timeName := translate(lang, "dash.line.target"), translate(lang, "dash.line.time")
	var series []any
	var names []string
	for i, l := range t.Lines {
		vals := make([]any, n)
		for j, v := range l.Vals {
			vals[j] = dashRound2(v)
		}
		name, width, color := l.Name, 2, dashPalette[(i-1+len(dashPalette))%len(dashPalette)]
		if !l.County {
			name, width, color = dashOrgName(lang, ""), 4, dashColorInk
		}
		names = append(names, name)
		series = append(series, map[string]any{"name": name, "type": "line", "data": vals, "connectNulls": false,
			"symbolSize": 6, "lineStyle": map[string]any{"width": width, "color": color}, "itemStyle": map[string]any{"color": color}})
	}
	legend := []string{names[0], target}
	series = append(series, map[string]any{"name": target, "type": "line", "data": goalLine, "symbol": "none",
		"lineStyle": map[string]any{"type": "dashed", "width": 2, "color": dashLightColor[eval.LightRed]},
		"itemStyle": map[string]any{"color": dashLightColor[eval.LightRed]}})
	if t.Increment {
		legend = append(legend, timeName)
		series = append(series, map[string]any{"name": timeName, "type": "line", "data": tpLine, "symbol": "none",
			"lineStyle": map[string]any{"type": "dotted", "width": 2, "color": dashColorTime},
			"itemStyle": map[string]any{"color": dashColorTime}})
	}
	o["series"] = series
	lg := o["legend"].(map[string]any)
	lg["data"] = append(legend, names[1:]...)
	if t.hidesCounties() {
		selected := map[string]bool{}
		for _, name := range names[1:] {
			selected[name] = false
		}
		lg["selected"] = selected
	}
	return o
}

func (s *Server) dashTargetPage(w http.ResponseWriter, r *http.Request) error {
	ctx, lang := r.Context(), langOf(r)
	h, at, err := s.dashStart(r, "target")
	if err != nil {
		return err
	}
	p := h.Plan
	tid := r.PathValue("tid")
	var e planEntry
	for _, pe := range planEntries(p) {
		if pe.ID() == tid {
			e = pe
		}
	}
	if e.Target == nil && e.Milestone == nil {
		return gongfu.Failf(gongfu.ENOTFOUND, "找不到该指标")
	}
	a, err := s.assess(ctx, p.ID, at, false)
	if err != nil {
		return err
	}
	st, err := s.Store.FindPlanSettings(ctx, p.ID)
	if err != nil {
		return err
	}
	counties, city, err := s.dashOrgs(ctx)
	if err != nil {
		return err
	}
	reps, err := s.Store.FindReports(ctx, gongfu.ReportFilter{PlanID: p.ID, ItemID: tid})
	if err != nil {
		return err
	}
	official := map[int64][]*gongfu.Report{}
	made := map[string]bool{} // org|period of every report, whatever its state
	for _, rep := range reps {
		made[fmt.Sprintf("%d|%s", rep.OrgID, rep.Period)] = true
		if rep.Status == gongfu.StatusSubmitted || rep.Status == gongfu.StatusApproved {
			official[rep.OrgID] = append(official[rep.OrgID], rep)
		}
	}
	exps, err := s.Store.FindExplanations(ctx, p.ID, tid)
	if err != nil {
		return err
	}
	explained := map[string]*gongfu.Explanation{}
	latestExp := map[int64]*gongfu.Explanation{}
	for _, x := range exps {
		explained[fmt.Sprintf("%d|%s", x.OrgID, x.Period)] = x
		if l := latestExp[x.OrgID]; l == nil || dashPeriodAfter(x.Period, l.Period) {
			latestExp[x.OrgID] = x
		}
	}
	trend, err := s.dashTrendOf(ctx, p, e, st.Frequency, counties, city, official)
	if err != nil {
		return err
	}

	// The orgs: the city first (id 0 when there is none), then the counties.
	type org struct {
		id         int64
		name, eval string // the name shown; the org as eval names it
	}
	orgs := []org{{0, dashOrgName(lang, ""), ""}}
	if city != nil {
		orgs[0].id = city.ID
	}
	for _, c := range counties {
		orgs = append(orgs, org{c.ID, c.Name, c.Name})
	}

	// The verdicts, each with the way to the report it was judged on (the
	// stale one named by a grey verdict), where that report exists.
	var verdicts []dashVerdictRow
	for _, o := range orgs {
		row := a.Row(tid, o.eval)
		if row == nil {
			continue
		}
		v := dashVerdictRow{dashItemRow: dashItemRow{ID: row.ID, Name: row.Name, Org: o.name,
			Value: dashValue(lang, row.Value, row.Unit), Target: dashValue(lang, row.Target, row.Unit),
			Completion: dashPct(lang, row.Completion), TimeProgress: dashPct(lang, &row.TimeProgress),
			Period: row.Period, Light: row.Light, Reason: dashReason(lang, row.Reason, row.ReasonEN)},
			Lagging: row.Light == eval.LightRed || row.Light == eval.LightYellow}
		per := row.Period
		if per == "" {
			per = row.LastPeriod
		}
		if o.id != 0 && per != "" && made[fmt.Sprintf("%d|%s", o.id, per)] {
			v.ReportURL = h.reportURL(gongfu.ReportKey{PlanID: p.ID, ItemID: tid, OrgID: o.id, Period: per})
		}
		if x := explained[fmt.Sprintf("%d|%s", o.id, per)]; x != nil && o.id != 0 {
			v.Explanation = x.Text
		}
		verdicts = append(verdicts, v)
	}

	// What each org last wrote: its latest red-light explanation, and the
	// note of its latest official report that has one.
	var notes []dashNote
	loc := s.Now().Location()
	for _, o := range orgs {
		if o.id == 0 {
			continue
		}
		if x := latestExp[o.id]; x != nil {
			per, _ := gongfu.ParsePeriod(x.Period)
			notes = append(notes, dashNote{Org: o.name, Period: periodLabel(lang, per), Explanation: x.Text,
				By: x.By, At: x.At.In(loc).Format("2006-01-02 15:04"),
				URL: h.reportURL(gongfu.ReportKey{PlanID: p.ID, ItemID: tid, OrgID: o.id, Period: x.Period})})
		}
		var latest *gongfu.Report
		for _, rep := range official[o.id] {
			if strings.TrimSpace(rep.Note+rep.Reason) != "" && (latest == nil || dashPeriodAfter(rep.Period, latest.Period)) {
				latest = rep
			}
		}
		if latest == nil {
			continue
		}
		per, _ := gongfu.ParsePeriod(latest.Period)
		notes = append(notes, dashNote{Org: o.name, Period: periodLabel(lang, per),
			Status: string(latest.Status), Note: latest.Note, Reason: latest.Reason, By: latest.UpdatedBy,
			At: latest.UpdatedAt.In(loc).Format("2006-01-02 15:04"), URL: h.reportURL(latest.ReportKey)})
	}

	data := map[string]any{
		"Head": h, "ID": tid, "Name": e.Name(), "Goal": goal(lang, e),
		"Increment": trend.Increment, "Milestone": e.Milestone != nil, "Hidden": trend.hidesCounties(),
		"Periods": trend.categories(lang), "Table": trend.table(lang), "Verdicts": verdicts, "Notes": notes,
		"Charts": []dashChart{{ID: "chart-trend", Label: tf(lang, "dash.chart.trend", tid+" "+e.Name()),
			Class: "tall", Option: trend.option(lang)}},
		"PlanURL": fmt.Sprintf("/plans/%d/targets/%s", p.ID, url.PathEscape(tid)),
	}
	if e.Milestone != nil {
		data["PlanURL"] = fmt.Sprintf("/plans/%d/tasks/%d", p.ID, e.Task.No)
	}
	return s.render(w, r, "dash", tid+" "+e.Name(), data)
}

// dashPeriodAfter reports whether period a ends after period b.
func dashPeriodAfter(a, b string) bool {
	pa, err1 := gongfu.ParsePeriod(a)
	pb, err2 := gongfu.ParsePeriod(b)
	if err1 != nil || err2 != nil {
		return a > b
	}
	if pa.Year != pb.Year {
		return pa.Year > pb.Year
	}
	return pa.EndMonth() > pb.EndMonth()
}

// dashShortPeriod names a period on a chart axis: 5月, May; 二季度, Q2.
func dashShortPeriod(lang string, p gongfu.Period) string {
	if p.Freq == gongfu.Quarterly {
		if lang == langEN {
			return fmt.Sprintf("Q%d", p.Index)
		}
		return fmt.Sprintf("%d季度", p.Index)
	}
	if lang == langEN {
		return time.Month(p.Index).String()[:3]
	}
	return fmt.Sprintf("%d月", p.Index)
}

// dashOrgs returns the counties in store order and the city above them
// (nil when there is none), the orgs assess judges.
func (s *Server) dashOrgs(ctx context.Context) ([]*gongfu.Org, *gongfu.Org, error) {
	counties, err := s.Store.FindOrgs(ctx, gongfu.OrgFilter{Kind: gongfu.OrgCounty})
	if err != nil {
		return nil, nil, err
	}
	for _, c := range counties {
		if c.ParentID == 0 {
			continue
		}
		o, err := s.orgByID(ctx, c.ParentID)
		if gongfu.ErrorCode(err) == gongfu.ENOTFOUND {
			continue
		} else if err != nil {
			return nil, nil, err
		}
		if o.Kind == gongfu.OrgCity {
			return counties, o, nil
		}
	}
	cities, err := s.Store.FindOrgs(ctx, gongfu.OrgFilter{Kind: gongfu.OrgCity})
	if err != nil || len(cities) == 0 {
		return counties, nil, err
	}
	return counties, cities[0], nil
}

// ---------------------------------------------------------------------------
// GET /dash/departments: who reports on time, and who leads the red items.

// dashUnitRow is one department's or county's accountability.
type dashUnitRow struct {
	Org                       string
	Items                     int // items it leads (departments)
	Due, OnTime, Late, Absent int
	Rate                      *float64 // on-time share in percent; nil when nothing was due
	RateText                  string
	Red                       []dashLink
}

// dashUnitTable is one table of the accountability page with its chart.
type dashUnitTable struct {
	Heading, Caption string
	Items            bool // show how many items each leads
	Rows             []dashUnitRow
	Chart            dashChart
}

// dashLink is a linked item id.
type dashLink struct{ Text, URL string }

func (s *Server) dashDepartmentsPage(w http.ResponseWriter, r *http.Request) error {
	ctx, lang := r.Context(), langOf(r)
	h, at, err := s.dashStart(r, "departments")
	if err != nil {
		return err
	}
	p := h.Plan
	a, err := s.assess(ctx, p.ID, at, false)
	if err != nil {
		return err
	}
	st, err := s.Store.FindPlanSettings(ctx, p.ID)
	if err != nil {
		return err
	}
	counties, city, err := s.dashOrgs(ctx)
	if err != nil {
		return err
	}
	orgs, err := s.Store.FindOrgs(ctx, gongfu.OrgFilter{})
	if err != nil {
		return err
	}
	byID := map[int64]*gongfu.Org{}
	for _, o := range orgs {
		byID[o.ID] = o
	}
	reps, err := s.Store.FindReports(ctx, gongfu.ReportFilter{PlanID: p.ID})
	if err != nil {
		return err
	}
	type key struct {
		item   string
		org    int64
		period string
	}
	repBy := map[key]*gongfu.Report{}
	cityReported := map[string]bool{} // items someone reported a city figure for
	for _, rep := range reps {
		repBy[key{rep.ItemID, rep.OrgID, rep.Period}] = rep
		if city != nil && rep.OrgID == city.ID {
			cityReported[rep.ItemID] = true
		}
	}
	// The periods due at the date: those whose deadline has passed.
	year := planYear(p, s.Now())
	freq := st.Frequency
	if freq != gongfu.Quarterly {
		freq = gongfu.Monthly
	}
	var due []gongfu.Period
	if last, ok := eval.DuePeriod(year, freq, at, st.DeadlineDay); ok {
		for i := 1; i <= last.Index; i++ {
			due = append(due, gongfu.Period{Year: year, Freq: freq, Index: i})
		}
	}
	loc := s.Now().Location()
	// tally counts one owed report: on time when submitted or approved by
	// the end of its deadline day (by its last update: an approval after
	// the deadline makes it late too), late when after, absent when there
	// is none or only a draft or a returned one.
	tally := func(u *dashUnitRow, item string, org int64, per gongfu.Period) (done bool) {
		u.Due++
		rep := repBy[key{item, org, per.String()}]
		if rep == nil || (rep.Status != gongfu.StatusSubmitted && rep.Status != gongfu.StatusApproved) {
			u.Absent++
			return false
		}
		dl := per.Deadline(st.DeadlineDay)
		end := time.Date(dl.Year(), dl.Month(), dl.Day()+1, 0, 0, 0, 0, loc)
		if rep.UpdatedAt.Before(end) {
			u.OnTime++
		} else {
			u.Late++
		}
		return rep.Stage == gongfu.StageDone
	}
	finish := func(u *dashUnitRow) {
		if u.Due > 0 {
			v := 100 * float64(u.OnTime) / float64(u.Due)
			u.Rate = &v
		}
		u.RateText = dashPct(lang, u.Rate)
	}

	// Departments: the lead unit of each item answers for it. A department
	// owes the stage of each milestone it leads, and the city figure of
	// each target it leads where the city figure is reported rather than
	// rolled up from the counties.
	redCity := map[string]bool{}
	for _, t := range a.Targets {
		if t.Org == "" && t.Light == eval.LightRed {
			redCity[t.ID] = true
		}
	}
	depts := map[int64]*dashUnitRow{}
	var deptOrder []int64
	for _, e := range planEntries(p) {
		id := e.ID()
		units, err := s.Store.FindItemUnits(ctx, p.ID, id)
		if gongfu.ErrorCode(err) == gongfu.ENOTFOUND {
			continue
		} else if err != nil {
			return err
		}
		var lead int64
		for _, iu := range units {
			if iu.Lead {
				lead = iu.OrgID
				break
			}
		}
		if lead == 0 && len(units) > 0 {
			lead = units[0].OrgID
		}
		o := byID[lead]
		if o == nil {
			continue
		}
		u := depts[lead]
		if u == nil {
			u = &dashUnitRow{Org: o.Name}
			depts[lead] = u
			deptOrder = append(deptOrder, lead)
		}
		u.Items++
		if redCity[id] {
			u.Red = append(u.Red, dashLink{id, h.targetURL(id)})
		}
		if city == nil || (e.Milestone == nil && !cityReported[id]) {
			continue
		}
		for _, per := range due {
			if tally(u, id, city.ID, per) && e.Milestone != nil {
				break // a milestone reported done needs no later report
			}
		}
	}
	var deptRows []dashUnitRow
	for _, id := range deptOrder {
		finish(depts[id])
		deptRows = append(deptRows, *depts[id])
	}
	// Counties: each owes a figure for every target in every period due.
	var countyRows []dashUnitRow
	for _, c := range counties {
		u := dashUnitRow{Org: c.Name}
		for _, e := range planEntries(p) {
			if e.Target == nil {
				continue
			}
			for _, per := range due {
				tally(&u, e.Target.ID, c.ID, per)
			}
			if row := a.Row(e.Target.ID, c.Name); row != nil && row.Light == eval.LightRed {
				u.Red = append(u.Red, dashLink{e.Target.ID, h.targetURL(e.Target.ID)})
			}
		}
		finish(&u)
		countyRows = append(countyRows, u)
	}
	units := []dashUnitTable{
		{Heading: translate(lang, "dash.depts.heading"), Caption: translate(lang, "dash.depts.caption"), Items: true, Rows: deptRows,
			Chart: dashChart{ID: "chart-depts", Label: translate(lang, "dash.chart.depts"), Class: "tall", Option: dashUnitsOption(lang, deptRows)}},
		{Heading: translate(lang, "dash.ctys.heading"), Caption: translate(lang, "dash.ctys.caption"), Rows: countyRows,
			Chart: dashChart{ID: "chart-counties", Label: translate(lang, "dash.chart.countyrates"), Class: "tall", Option: dashUnitsOption(lang, countyRows)}},
	}
	data := map[string]any{"Head": h, "Units": units, "DeadlineDay": st.DeadlineDay,
		"Charts": []dashChart{units[0].Chart, units[1].Chart}}
	if len(due) > 0 {
		data["DueLabel"] = periodLabel(lang, due[len(due)-1])
	}
	return s.render(w, r, "dash", translate(lang, "dash.depts.title"), data)
}

// dashUnitsOption sets each unit's on-time rate (left panel, %) beside the
// number of red items it answers for (right panel): two grids sharing the
// units' axis, so neither figure is read against the other's scale.
func dashUnitsOption(lang string, rows []dashUnitRow) map[string]any {
	o := dashChartBase()
	o["tooltip"].(map[string]any)["trigger"] = "axis"
	var names []string
	var rates, reds []any
	for _, u := range rows {
		names = append(names, u.Org)
		rates = append(rates, dashRound(u.Rate))
		reds = append(reds, len(u.Red))
	}
	o["grid"] = []any{
		map[string]any{"left": 8, "right": "42%", "top": 56, "bottom": 8, "containLabel": true},
		map[string]any{"left": "62%", "right": 40, "top": 56, "bottom": 8, "containLabel": true},
	}
	cat := func(grid int, labels bool) map[string]any {
		return map[string]any{"type": "category", "gridIndex": grid, "data": names, "inverse": true,
			"axisLabel": dashAxisText(map[string]any{"show": labels, "width": 110, "overflow": "truncate"})}
	}
	o["yAxis"] = []any{cat(0, true), cat(1, false)}
	o["xAxis"] = []any{
		map[string]any{"type": "value", "gridIndex": 0, "min": 0, "max": 100, "position": "top",
			"name": translate(lang, "dash.ontime.rate") + " %", "nameLocation": "middle", "nameGap": 28,
			"axisLabel": dashAxisText(nil), "nameTextStyle": dashAxisText(nil)},
		map[string]any{"type": "value", "gridIndex": 1, "minInterval": 1, "position": "top",
			"name": translate(lang, "dash.red.count"), "nameLocation": "middle", "nameGap": 28,
			"axisLabel": dashAxisText(nil), "nameTextStyle": dashAxisText(nil)},
	}
	delete(o, "legend") // each panel is named by its axis
	o["series"] = []any{
		map[string]any{"name": translate(lang, "dash.ontime.rate"), "type": "bar", "xAxisIndex": 0, "yAxisIndex": 0, "data": rates,
			"itemStyle": map[string]any{"color": dashColorFigure},
			"label":     map[string]any{"show": true, "position": "right", "formatter": "{c}%", "color": dashColorInk}},
		map[string]any{"name": translate(lang, "dash.red.count"), "type": "bar", "xAxisIndex": 1, "yAxisIndex": 1, "data": reds,
			"itemStyle": map[string]any{"color": dashLightColor[eval.LightRed]},
			"label":     map[string]any{"show": true, "position": "right", "color": dashColorInk}},
	}
	return o
}

// ---------------------------------------------------------------------------
// GET /dash/report/{planID}/{targetID}/{orgID}/{period}: one report, read
// only, with the reporter's note and explanation.

func (s *Server) dashReportPage(w http.ResponseWriter, r *http.Request) error {
	ctx, lang := r.Context(), langOf(r)
	k, err := reportKey(r)
	if err != nil {
		return err
	}
	u, err := s.userOf(r)
	if err != nil {
		return err
	}
	if err := s.can(ctx, u, actReadStatus, scope{}); err != nil {
		return err
	}
	if err := s.can(ctx, u, actReadReports, scope{k.PlanID, k.ItemID, k.OrgID}); err != nil {
		return err
	}
	at, err := s.assessAt(r)
	if err != nil {
		return err
	}
	p, err := s.plan(ctx, k.PlanID)
	if err != nil {
		return err
	}
	var e planEntry
	for _, pe := range planEntries(p) {
		if pe.ID() == k.ItemID {
			e = pe
		}
	}
	if e.Target == nil && e.Milestone == nil {
		return gongfu.Failf(gongfu.ENOTFOUND, "找不到该指标")
	}
	area, err := s.orgByID(ctx, k.OrgID)
	if err != nil {
		return err
	}
	rep, err := s.Store.FindReport(ctx, k)
	if gongfu.ErrorCode(err) == gongfu.ENOTFOUND {
		rep = nil
	} else if err != nil {
		return err
	}
	st, err := s.Store.FindPlanSettings(ctx, p.ID)
	if err != nil {
		return err
	}
	per, _ := gongfu.ParsePeriod(k.Period)
	h := &dashHead{Tab: "report", Plan: p, At: at.Format(time.DateOnly)}
	h.Query = url.Values{"plan": {strconv.FormatInt(p.ID, 10)}, "at": {h.At}}.Encode()
	loc := s.Now().Location()
	data := map[string]any{
		"Head": h, "Key": k, "Name": e.Name(), "Goal": goal(lang, e), "Area": area.Name,
		"PeriodLabel": periodLabel(lang, per), "Deadline": per.Deadline(st.DeadlineDay).Format(time.DateOnly),
		"Figure": figure(lang, rep, e), "Status": statusOfReport(rep), "Report": rep,
		"TrendURL": h.targetURL(k.ItemID),
	}
	if rep != nil {
		data["Flags"] = localizedAll(lang, rep.Flags)
		data["UpdatedAt"] = rep.UpdatedAt.In(loc).Format("2006-01-02 15:04")
		list, err := s.Store.FindAttachments(ctx, k)
		if err != nil {
			return err
		}
		var atts []attachmentRow
		for _, x := range list {
			atts = append(atts, attachmentRow{URL: fmt.Sprintf("/api/v1/attachments/%d", x.ID),
				Name: x.Name, Size: sizeText(x.Size), By: x.CreatedBy, At: x.CreatedAt.In(loc).Format("2006-01-02 15:04")})
		}
		data["Attachments"] = atts
	}
	if pp, ok := per.Prev(); ok {
		pk := k
		pk.Period = pp.String()
		prev, err := s.Store.FindReport(ctx, pk)
		if err != nil && gongfu.ErrorCode(err) != gongfu.ENOTFOUND {
			return err
		}
		if err != nil {
			prev = nil
		}
		data["PrevLabel"], data["Prev"] = periodLabel(lang, pp), figure(lang, prev, e)
	}
	exps, err := s.Store.FindExplanations(ctx, p.ID, k.ItemID)
	if err != nil {
		return err
	}
	for _, x := range exps {
		if x.OrgID == k.OrgID && x.Period == k.Period {
			data["Explanation"] = x.Text
			data["ExplainedBy"] = x.By + " · " + x.At.In(loc).Format("2006-01-02 15:04")
		}
	}
	// The verdict this report gave, when it is the one judged at the date.
	a, err := s.assess(ctx, p.ID, at, false)
	if err != nil {
		return err
	}
	org := area.Name
	if area.Kind != gongfu.OrgCounty {
		org = ""
	}
	if row := a.Row(k.ItemID, org); row != nil && row.Period == k.Period {
		data["Light"] = row.Light
		data["Reason"] = dashReason(lang, row.Reason, row.ReasonEN)
	}
	return s.render(w, r, "dash", k.ItemID+" "+e.Name()+" · "+area.Name, data)
}
