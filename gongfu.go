// Package gongfu is the domain of a system that runs a government's annual
// action plan for basic public services (基本公共服务行动计划): the plan read
// from its document, the organisations responsible for it, the periodic
// reports against its targets, and the verdicts drawn from them.
//
// This package holds only types, their validation and the service interfaces
// the adapters implement. It imports nothing of the project, so the extractor,
// the evaluation engine, the stores and the web server all depend on it and
// never on each other (the "standard package layout" of WTF Dial).
package gongfu

import (
	"context"
	"encoding/json"
	"math"
	"strings"
	"time"
)

// Plan is an action plan as data: what `gongfu plan extract` prints and what a
// store keeps. Its JSON form is the exchange format of shared/spec/plan-json.md.
type Plan struct {
	// ID is the store's id; zero until stored, and omitted from extracted JSON.
	ID       int64    `json:"id,omitempty"`
	Title    string   `json:"title"`
	Issuer   string   `json:"issuer"`
	Issued   Date     `json:"issued"`
	Year     int      `json:"year"`
	Domains  []Domain `json:"domains"`
	Unparsed []string `json:"unparsed"`
}

// Domain is a top-level section of a plan (一、二、… or （一）…): a field of
// public service such as education, with the units responsible for it.
type Domain struct {
	No    int    `json:"no"`
	Title string `json:"title"`
	// Units are the responsible units in document order; the first leads.
	Units []string `json:"units"`
	Tasks []Task   `json:"tasks"`
}

// Task is a numbered item of a domain (1. 2. …) holding targets and milestones.
type Task struct {
	No    int    `json:"no"`
	Title string `json:"title"`
	// Units are named for this task alone (牵头单位 in brackets, 民生实事
	// lists); empty when the domain's units apply.
	Units []string `json:"units"`
	// Text is the task's paragraph as written, so a reader can see every
	// target and milestone in its context.
	Text       string      `json:"text,omitempty"`
	Targets    []Target    `json:"targets"`
	Milestones []Milestone `json:"milestones"`
}

// TargetKind says how a target's number is to be read, and so how completion
// against it is computed (shared/spec/evaluation.md §2).
type TargetKind string

// The target kinds of plan-json.md.
const (
	KindIncrement TargetKind = "increment" // an amount produced during the plan year
	KindLevel     TargetKind = "level"     // a level to reach or keep
	KindChange    TargetKind = "change"    // a change against the baseline
	KindRatio     TargetKind = "ratio"     // a proportion such as 55:45
)

// Valid reports whether k is one of the four kinds.
func (k TargetKind) Valid() bool {
	switch k {
	case KindIncrement, KindLevel, KindChange, KindRatio:
		return true
	}
	return false
}

// Op is the comparison a target's value is held to.
type Op string

// The comparison operators of plan-json.md.
const (
	OpAtLeast Op = ">=" // 以上, 不低于, 达到, plain counts
	OpAtMost  Op = "<=" // 以内, 不超过, 控制在
	OpEqual   Op = "="  // ratios, 左右, exact values
)

// Valid reports whether o is one of the three operators.
func (o Op) Valid() bool { return o == OpAtLeast || o == OpAtMost || o == OpEqual }

// Target is a quantified commitment of a plan.
type Target struct {
	// ID names the target within its plan ("<task no>.<n>", e.g. "1.1").
	ID    string     `json:"id"`
	Name  string     `json:"name"`
	Kind  TargetKind `json:"kind"`
	Op    Op         `json:"op"`
	Value float64    `json:"value"`
	// Ratio holds both sides of a ratio target ([55, 45]); Value is then 55/45.
	Ratio []float64 `json:"ratio,omitempty"`
	// Unit is the measure word with 万/亿 removed: 所, 人, %, 百分点, 件/千人.
	Unit string `json:"unit"`
	// Baseline is the starting value a change target is measured from.
	Baseline *float64 `json:"baseline,omitempty"`
	// Numerator and Denominator define a rate so that it can be reported as
	// two counts and rolled up as Σnum/Σden rather than a mean of percentages.
	Numerator   string `json:"numerator,omitempty"`
	Denominator string `json:"denominator,omitempty"`
	// Source is the exact text the target was read from.
	Source string `json:"source"`
}

// IsPercent reports whether the target is a percentage (its values live in 0–100).
func (t *Target) IsPercent() bool { return t.Unit == "%" }

// Milestone is a commitment without a number to measure against.
type Milestone struct {
	ID   string `json:"id"`
	Text string `json:"text"`
	Due  Date   `json:"due"`
}

// Date is a calendar day in ISO form ("2020-06-30"); the zero value is no date
// and is written as JSON null, as plan-json.md wants for a milestone without a
// deadline.
type Date string

// ParseDate checks s is an ISO calendar day and returns it as a Date.
func ParseDate(s string) (Date, error) {
	if s == "" {
		return "", nil
	}
	if _, err := time.Parse(time.DateOnly, s); err != nil {
		return "", Failf(EINVALID, "日期 %q 格式不对，应为 YYYY-MM-DD", s)
	}
	return Date(s), nil
}

// DateOf returns the Date of t's calendar day.
func DateOf(t time.Time) Date { return Date(t.Format(time.DateOnly)) }

// Time returns the date at midnight UTC, and false when d is empty or malformed.
func (d Date) Time() (time.Time, bool) {
	t, err := time.Parse(time.DateOnly, string(d))
	return t, err == nil
}

// MarshalJSON writes the empty Date as null.
func (d Date) MarshalJSON() ([]byte, error) {
	if d == "" {
		return []byte("null"), nil
	}
	return json.Marshal(string(d))
}

// UnmarshalJSON reads null or an ISO date string.
func (d *Date) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*d = ""
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return Failf(EINVALID, "日期应为字符串或 null")
	}
	v, err := ParseDate(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// Counts sums what a plan holds, for import summaries and overview pages.
type Counts struct {
	Domains    int `json:"domains"`
	Tasks      int `json:"tasks"`
	Targets    int `json:"targets"`
	Milestones int `json:"milestones"`
	Unparsed   int `json:"unparsed"`
}

// Counts returns the numbers of domains, tasks, targets, milestones and
// unparsed sentences in p.
func (p *Plan) Counts() Counts {
	c := Counts{Domains: len(p.Domains), Unparsed: len(p.Unparsed)}
	for _, d := range p.Domains {
		c.Tasks += len(d.Tasks)
		for _, t := range d.Tasks {
			c.Targets += len(t.Targets)
			c.Milestones += len(t.Milestones)
		}
	}
	return c
}

// Units returns the units responsible for task t of domain d: the task's own
// when it names any, else the domain's. The first is the lead unit.
func (d *Domain) UnitsFor(t *Task) []string {
	if len(t.Units) > 0 {
		return t.Units
	}
	return d.Units
}

// AllUnits returns every unit named anywhere in the plan, once each, in order
// of first appearance.
func (p *Plan) AllUnits() []string {
	var out []string
	seen := map[string]bool{}
	add := func(us []string) {
		for _, u := range us {
			if !seen[u] {
				seen[u] = true
				out = append(out, u)
			}
		}
	}
	for _, d := range p.Domains {
		add(d.Units)
		for _, t := range d.Tasks {
			add(t.Units)
		}
	}
	return out
}

// FindTarget returns the target with id and the domain and task holding it.
func (p *Plan) FindTarget(id string) (*Domain, *Task, *Target) {
	for i := range p.Domains {
		d := &p.Domains[i]
		for j := range d.Tasks {
			t := &d.Tasks[j]
			for k := range t.Targets {
				if t.Targets[k].ID == id {
					return d, t, &t.Targets[k]
				}
			}
		}
	}
	return nil, nil, nil
}

// FindTask returns the task numbered no and its domain.
func (p *Plan) FindTask(no int) (*Domain, *Task) {
	for i := range p.Domains {
		d := &p.Domains[i]
		for j := range d.Tasks {
			if d.Tasks[j].No == no {
				return d, &d.Tasks[j]
			}
		}
	}
	return nil, nil
}

// Limits on a plan's size. A real annual plan has tens of tasks and a few
// hundred targets; these bounds stop a malicious or broken file from filling
// the database while leaving room for a province's five-year plan.
const (
	MaxPlanDomains = 100
	MaxPlanItems   = 20000 // targets plus milestones
	MaxTextLen     = 4000  // any one title, name, source or milestone text
)

// Validate checks a plan before it is stored: required fields, kinds and
// operators, unique ids, finite numbers and sane sizes. It reports every
// problem it finds, not only the first.
func (p *Plan) Validate() error {
	var bad []string
	add := func(detail string) {
		if len(bad) < 50 {
			bad = append(bad, detail)
		}
	}
	long := func(s string) bool { return len([]rune(s)) > MaxTextLen }
	if strings.TrimSpace(p.Title) == "" {
		add(Detail("计划缺少标题"))
	}
	if p.Year != 0 && (p.Year < 1949 || p.Year > 2200) {
		add(Detailf("年份 %d 不合理", p.Year))
	}
	if p.Issued != "" {
		if _, ok := p.Issued.Time(); !ok {
			add(Detailf("印发日期 %q 格式不对", p.Issued))
		}
	}
	if len(p.Domains) == 0 {
		add(Detail("计划没有任何领域或任务"))
	}
	if len(p.Domains) > MaxPlanDomains {
		add(Detailf("领域过多：%d", len(p.Domains)))
	}
	if long(p.Title) {
		add(Detail("标题 文本过长"))
	}
	ids := map[string]bool{}
	items := 0
	for _, d := range p.Domains {
		if strings.TrimSpace(d.Title) == "" {
			add(Detailf("领域 %d 缺少标题", d.No))
		}
		if long(d.Title) {
			add(Detailf("领域 %s 文本过长", d.Title))
		}
		for _, t := range d.Tasks {
			if strings.TrimSpace(t.Title) == "" {
				add(Detailf("任务 %d 缺少标题", t.No))
			}
			if long(t.Title) {
				add(Detailf("任务 %s 文本过长", t.Title))
			}
			items += len(t.Targets) + len(t.Milestones)
			for _, g := range t.Targets {
				if g.ID == "" {
					add(Detailf("任务 %d 有指标缺少编号", t.No))
				} else if ids[g.ID] {
					add(Detailf("指标 %s 编号重复", g.ID))
				}
				ids[g.ID] = true
				if !g.Kind.Valid() {
					add(Detailf("指标 %s 类型 %q 无效", g.ID, g.Kind))
				}
				if !g.Op.Valid() {
					add(Detailf("指标 %s 比较符 %q 无效", g.ID, g.Op))
				}
				if math.IsNaN(g.Value) || math.IsInf(g.Value, 0) {
					add(Detailf("指标 %s 目标值不是有限数", g.ID))
				}
				if g.Kind == KindRatio && len(g.Ratio) != 2 {
					add(Detailf("指标 %s 比例指标需要两项", g.ID))
				}
				if len(g.Ratio) != 0 && len(g.Ratio) != 2 {
					add(Detailf("指标 %s 比例应有两项", g.ID))
				}
				for _, x := range g.Ratio {
					if math.IsNaN(x) || math.IsInf(x, 0) {
						add(Detailf("指标 %s 比例不是有限数", g.ID))
					}
				}
				if g.Baseline != nil && (math.IsNaN(*g.Baseline) || math.IsInf(*g.Baseline, 0)) {
					add(Detailf("指标 %s 基数不是有限数", g.ID))
				}
				for _, s := range []string{g.Name, g.Source} {
					if long(s) {
						add(Detailf("指标 %s 文本过长", g.ID))
					}
				}
			}
			for _, m := range t.Milestones {
				if m.ID == "" {
					add(Detailf("任务 %d 有节点缺少编号", t.No))
				} else if ids[m.ID] {
					add(Detailf("节点 %s 编号重复", m.ID))
				}
				ids[m.ID] = true
				if m.Due != "" {
					if _, ok := m.Due.Time(); !ok {
						add(Detailf("节点 %s 时限 %q 格式不对", m.ID, m.Due))
					}
				}
				if long(m.Text) {
					add(Detailf("节点 %s 文本过长", m.ID))
				}
			}
		}
	}
	if items > MaxPlanItems {
		add(Detailf("指标和节点过多：%d", items))
	}
	if len(bad) > 0 {
		e := Failf(EINVALID, "计划数据有 %d 处问题", len(bad))
		e.Details = bad
		return e
	}
	return nil
}

// PlanSummary is a plan as listed: enough to choose one.
type PlanSummary struct {
	ID       int64     `json:"id"`
	Title    string    `json:"title"`
	Issuer   string    `json:"issuer"`
	Issued   Date      `json:"issued"`
	Year     int       `json:"year"`
	Imported time.Time `json:"imported"`
	Counts   Counts    `json:"counts"`
}

// ImportResult tells what an import did. Created is false when the same plan
// had been imported before and nothing was written.
type ImportResult struct {
	PlanID      int64  `json:"plan_id"`
	Created     bool   `json:"created"`
	Counts      Counts `json:"counts"`
	OrgsCreated int    `json:"orgs_created"`
}

// PlanService stores and reads plans.
type PlanService interface {
	// ImportPlan stores p together with the organisations it needs (created
	// when missing, matched by path) in one transaction, and records which
	// orgs answer for each target. A plan already stored with the same
	// content is not stored twice: the result names the existing plan.
	ImportPlan(ctx context.Context, p *Plan, orgs []*Org) (*ImportResult, error)
	// FindPlanByID returns the stored plan, ENOTFOUND when there is none.
	FindPlanByID(ctx context.Context, id int64) (*Plan, error)
	// FindPlans lists stored plans, newest first.
	FindPlans(ctx context.Context) ([]*PlanSummary, error)
}
