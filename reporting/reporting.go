// Package reporting holds the rules of spreadsheet reporting that the
// command line (gongfu export template, gongfu import reports) and the web
// server (the reporter's download and upload) share, so that the two can
// never disagree: which items an org reports, for which area, with which of
// last period's figures, and how the rows of a filled template become
// reports.
//
// It imports only the domain (gongfu) and the workbook converter (xlsx);
// cmd/gongfu and http import it, never the other way round.
package reporting

import (
	"context"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"gongfu"
	"gongfu/xlsx"
)

// Store is what this package reads; every gongfu.Store is one.
type Store interface {
	FindOrgs(ctx context.Context, f gongfu.OrgFilter) ([]*gongfu.Org, error)
	FindReports(ctx context.Context, f gongfu.ReportFilter) ([]*gongfu.Report, error)
	FindItemUnits(ctx context.Context, planID int64, itemID string) ([]gongfu.ItemUnit, error)
}

// CheckPeriod refuses a period outside the plan year.
func CheckPeriod(p *gongfu.Plan, period gongfu.Period) error {
	if p.Year != 0 && period.Year != p.Year {
		return gongfu.Failf(gongfu.EINVALID, "报告期 %s 不在计划年度 %d 内", period, p.Year)
	}
	return nil
}

// Area returns the area org's figures are reported for: the org itself, or
// a department's parent city.
func Area(ctx context.Context, db Store, org *gongfu.Org) (*gongfu.Org, error) {
	if org.Kind.IsArea() {
		return org, nil
	}
	if org.ParentID != 0 {
		parents, err := db.FindOrgs(ctx, gongfu.OrgFilter{ID: org.ParentID})
		if err != nil {
			return nil, err
		}
		if len(parents) == 1 && parents[0].Kind.IsArea() {
			return parents[0], nil
		}
	}
	return nil, gongfu.Failf(gongfu.EINVALID, "部门「%s」没有所属的市，无法确定数据计入哪个地区", org.Name)
}

// Items lists the items org reports in plan order (each task's targets,
// then its milestones): every item for an area, the items it answers for
// (lead or co-unit) for a department. EINVALID when a department answers
// for nothing in the plan.
func Items(ctx context.Context, db Store, p *gongfu.Plan, org *gongfu.Org) ([]string, error) {
	var all []string
	for _, d := range p.Domains {
		for _, t := range d.Tasks {
			for _, g := range t.Targets {
				all = append(all, g.ID)
			}
			for _, m := range t.Milestones {
				all = append(all, m.ID)
			}
		}
	}
	if org.Kind.IsArea() {
		return all, nil
	}
	var mine []string
	for _, id := range all {
		units, err := db.FindItemUnits(ctx, p.ID, id)
		if err != nil {
			return nil, err
		}
		if slices.ContainsFunc(units, func(u gongfu.ItemUnit) bool { return u.OrgID == org.ID }) {
			mine = append(mine, id)
		}
	}
	if len(mine) == 0 {
		return nil, gongfu.Failf(gongfu.EINVALID, "「%s」在计划 %d 中不负责任何指标或工作节点", org.Name, p.ID)
	}
	return mine, nil
}

// LastFigures returns area's reports of the period before period, by item
// id; none for a year's first period, figures being year-to-date.
func LastFigures(ctx context.Context, db Store, p *gongfu.Plan, area *gongfu.Org, period gongfu.Period) (map[string]*gongfu.Report, error) {
	last := map[string]*gongfu.Report{}
	prev, ok := period.Prev()
	if !ok {
		return last, nil
	}
	reps, err := db.FindReports(ctx, gongfu.ReportFilter{PlanID: p.ID, OrgID: area.ID, Period: prev.String()})
	if err != nil {
		return nil, err
	}
	for _, r := range reps {
		last[r.ItemID] = r
	}
	return last, nil
}

// Template is what the report template of an org for a period holds.
type Template struct {
	Plan   *gongfu.Plan
	Org    *gongfu.Org // the reporting unit, named in the template
	Area   *gongfu.Org // the area its figures count for
	Period gongfu.Period
	Items  []string                  // the rows, in plan order
	Last   map[string]*gongfu.Report // last period's figures, by item
}

// NewTemplate works out the report template of org for period of plan p.
func NewTemplate(ctx context.Context, db Store, p *gongfu.Plan, org *gongfu.Org, period gongfu.Period) (*Template, error) {
	if err := CheckPeriod(p, period); err != nil {
		return nil, err
	}
	area, err := Area(ctx, db, org)
	if err != nil {
		return nil, err
	}
	items, err := Items(ctx, db, p, org)
	if err != nil {
		return nil, err
	}
	last, err := LastFigures(ctx, db, p, area, period)
	if err != nil {
		return nil, err
	}
	return &Template{Plan: p, Org: org, Area: area, Period: period, Items: items, Last: last}, nil
}

// Write writes the template as a workbook (xlsx.ExportTemplate).
func (t *Template) Write(w io.Writer) error {
	return xlsx.ExportTemplate(w, t.Plan, t.Org, t.Period, t.Items, t.Last)
}

// Import is a filled template checked against the store: the reports to
// save, all drafts.
type Import struct {
	Plan      *gongfu.Plan
	Org, Area *gongfu.Org
	Period    string
	Reports   []*gongfu.Report
	// Targets and Milestones count the reports by kind; Flagged those
	// whose value is far from the item's history; Skipped the template's
	// rows left empty.
	Targets, Milestones, Flagged, Skipped int
}

// The template columns Check names in its problems.
const colID, colReason = 1, 12

// Check turns the rows of filled, a template of org for plan p (the caller
// has found both from the template and decided the template may be
// imported), into reports, checking each as the web form would: the item is
// in the plan (and the org's when it is a department), the figures fit the
// target, a falling year-to-date value has a reason, an approved report is
// not overwritten. A value far from the item's history is flagged for the
// reviewer. Every problem is listed by sheet, row and column in one
// EINVALID error; nothing is stored.
func Check(ctx context.Context, db Store, p *gongfu.Plan, org *gongfu.Org, filled *xlsx.Filled) (*Import, error) {
	if filled.PlanID != p.ID || filled.OrgID != org.ID {
		return nil, gongfu.Failf(gongfu.EINVALID, "模板不属于计划 %d 的「%s」", p.ID, org.Name)
	}
	area, err := Area(ctx, db, org)
	if err != nil {
		return nil, err
	}
	period, err := gongfu.ParsePeriod(filled.Period)
	if err != nil {
		return nil, err
	}
	if err := CheckPeriod(p, period); err != nil {
		return nil, err
	}
	if len(filled.Rows) == 0 {
		return nil, gongfu.Failf(gongfu.EINVALID, "模板中没有填报任何数据（%d 行均未填写）", filled.Skipped)
	}
	var allowed map[string]bool // a department's items
	if org.Kind == gongfu.OrgDepartment {
		items, err := Items(ctx, db, p, org)
		if err != nil {
			return nil, err
		}
		allowed = map[string]bool{}
		for _, id := range items {
			allowed[id] = true
		}
	}
	// The area's earlier figures of each item, for the falling-value check
	// and the outlier flags; its reports of this period, for the lock.
	history, err := db.FindReports(ctx, gongfu.ReportFilter{PlanID: p.ID, OrgID: area.ID})
	if err != nil {
		return nil, err
	}
	past := map[string][]*gongfu.Report{}
	current := map[string]*gongfu.Report{}
	for _, h := range history {
		switch {
		case h.Period == filled.Period:
			current[h.ItemID] = h
		case h.Period < filled.Period && sameFreq(h.Period, filled.Period):
			past[h.ItemID] = append(past[h.ItemID], h)
		}
	}

	res := &Import{Plan: p, Org: org, Area: area, Period: filled.Period, Skipped: filled.Skipped}
	var bad []string
	problem := func(r xlsx.FilledRow, col int, zh, en string) {
		bad = append(bad, xlsx.Problem(r.Sheet, r.Row, col, zh, en))
	}
	problemf := func(r xlsx.FilledRow, col int, format string, args ...any) {
		bad = append(bad, xlsx.Problemf(r.Sheet, r.Row, col, format, args...))
	}
	for _, row := range filled.Rows {
		_, _, t := p.FindTarget(row.ItemID)
		milestone := t == nil
		if milestone {
			if !hasMilestone(p, row.ItemID) {
				problemf(row, colID, "计划中没有编号为 %s 的指标或工作节点", row.ItemID)
				continue
			}
			t = &gongfu.Target{ID: row.ItemID}
		}
		if allowed != nil && !allowed[row.ItemID] {
			problemf(row, colID, "%s 不负责 %s，不能填报", org.Name, row.ItemID)
			continue
		}
		if c := current[row.ItemID]; c != nil && c.Status == gongfu.StatusApproved {
			problemf(row, 0, "%s 本期已审核锁定，需协调员重新打开后才能修改", row.ItemID)
			continue
		}
		rep := &gongfu.Report{
			ReportKey: gongfu.ReportKey{PlanID: p.ID, ItemID: row.ItemID, OrgID: area.ID, Period: filled.Period},
			Value:     row.Value, Numerator: row.Numerator, Denominator: row.Denominator,
			Stage: row.Stage, Percent: row.Percent, Note: row.Note, Reason: row.Reason,
		}
		if err := rep.CheckFigures(t, milestone); err != nil {
			for _, d := range gongfu.ErrorDetails(err) {
				zh, en := split(d)
				problem(row, 0, row.ItemID+"："+zh, row.ItemID+": "+en)
			}
			continue
		}
		if milestone {
			res.Milestones++
		} else {
			res.Targets++
			if zh, en := falls(t, rep, past[row.ItemID]); zh != "" {
				problem(row, colReason, zh, en)
				continue
			}
			if flag := outlier(t, rep, past[row.ItemID]); flag != "" {
				rep.Flags = append(rep.Flags, flag)
				res.Flagged++
			}
		}
		res.Reports = append(res.Reports, rep)
	}
	if len(bad) > 0 {
		e := gongfu.Failf(gongfu.EINVALID, "模板有 %d 处问题，未导入任何数据，请改正后重新导入", len(bad))
		e.Details = bad
		return nil, e
	}
	return res, nil
}

// hasMilestone reports whether p has a milestone id.
func hasMilestone(p *gongfu.Plan, id string) bool {
	for _, d := range p.Domains {
		for _, t := range d.Tasks {
			for _, m := range t.Milestones {
				if m.ID == id {
					return true
				}
			}
		}
	}
	return false
}

// sameFreq reports whether two periods are both months or both quarters.
func sameFreq(a, b string) bool {
	return strings.Contains(a, "Q") == strings.Contains(b, "Q")
}

// split splits a domain detail "中文 (English)" into its two languages.
func split(d string) (string, string) {
	if i := strings.LastIndex(d, "("); i > 0 && strings.HasSuffix(d, ")") {
		return strings.TrimSpace(d[:i]), d[i+1 : len(d)-1]
	}
	return d, d
}

// falls returns the problem, in both languages, of an increment target's
// year-to-date value below the last period's without a reason; "" when
// there is none.
func falls(t *gongfu.Target, rep *gongfu.Report, past []*gongfu.Report) (zh, en string) {
	if t.Kind != gongfu.KindIncrement || rep.Value == nil || rep.Reason != "" {
		return "", ""
	}
	for i := len(past) - 1; i >= 0; i-- {
		if prev := past[i]; prev.Value != nil {
			if *rep.Value < *prev.Value {
				return gongfu.Texts("%s 的累计值 %s 低于 %s 的 %s，请在“原因”列说明", rep.ItemID,
					strconv.FormatFloat(*rep.Value, 'f', -1, 64), prev.Period, strconv.FormatFloat(*prev.Value, 'f', -1, 64))
			}
			return "", ""
		}
	}
	return "", ""
}

// outlier returns the review flag of a value far from the item's own
// history (robust z-score beyond gongfu.OutlierThreshold), as the web form
// sets it; for increment targets the periods' increments are compared.
func outlier(t *gongfu.Target, rep *gongfu.Report, past []*gongfu.Report) string {
	if rep.Value == nil {
		return ""
	}
	var series []float64
	last := 0.0
	for _, h := range past {
		if h.Value == nil {
			continue
		}
		x := *h.Value
		if t.Kind == gongfu.KindIncrement {
			x, last = x-last, x
		}
		series = append(series, x)
	}
	v := *rep.Value
	if t.Kind == gongfu.KindIncrement && len(series) > 0 {
		v -= last
	}
	z, ok := gongfu.RobustZ(series, v)
	if !ok || math.Abs(z) <= gongfu.OutlierThreshold {
		return ""
	}
	return gongfu.Detailf("本期数值与该指标以往数据差异很大（稳健 z 值 %.1f，超过 %.1f），请核实", z, gongfu.OutlierThreshold)
}
