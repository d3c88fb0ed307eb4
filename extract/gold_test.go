package extract

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"

	"gongfu"
)

// This file scores the extraction of the seed plan against its hand-checked
// gold file with the rules of shared/checks/score_extract.py, ported here so
// that `go test` holds the accuracy bar.

// goldTarget is a target of the gold file, which may be optional (either
// reading accepted: matching it neither credits nor charges).
type goldTarget struct {
	gongfu.Target
	Optional bool `json:"optional"`
}

// goldPlan is the gold file: a plan whose targets may be optional.
type goldPlan struct {
	Title   string `json:"title"`
	Year    int    `json:"year"`
	Domains []struct {
		Title string   `json:"title"`
		Units []string `json:"units"`
		Tasks []struct {
			Title      string             `json:"title"`
			Units      []string           `json:"units"`
			Targets    []goldTarget       `json:"targets"`
			Milestones []gongfu.Milestone `json:"milestones"`
		} `json:"tasks"`
	} `json:"domains"`
}

// normText is the scorer's norm: NFKC, no spaces, full-width colon as ":".
func normText(s string) string {
	s = norm.NFKC.String(s)
	s = strings.ReplaceAll(s, " ", "")
	return strings.ReplaceAll(s, "：", ":")
}

// overlapText is the scorer's overlap: one contains the other, or they share
// at least 60% of the characters of the shorter.
func overlapText(a, b string) bool {
	a, b = normText(a), normText(b)
	if a == "" || b == "" {
		return false
	}
	if strings.Contains(a, b) || strings.Contains(b, a) {
		return true
	}
	sa, sb := map[rune]bool{}, map[rune]bool{}
	for _, r := range a {
		sa[r] = true
	}
	for _, r := range b {
		sb[r] = true
	}
	common := 0
	for r := range sa {
		if sb[r] {
			common++
		}
	}
	return float64(common)/float64(max(1, min(len(sa), len(sb)))) >= 0.6
}

// score holds the figures of score_extract.py.
type score struct {
	precision, recall, attr float64
	tp, fp, required        int
	tasksOK, tasks          int
	unitsOK, units          int
	milestones, goldMiles   int
	missed, false_          []string
}

// scorePlan compares pred with gold as score_extract.py does.
func scorePlan(gold *goldPlan, pred *gongfu.Plan) score {
	var gts []goldTarget
	for _, d := range gold.Domains {
		for _, t := range d.Tasks {
			gts = append(gts, t.Targets...)
		}
	}
	var pts []gongfu.Target
	for _, d := range pred.Domains {
		for _, t := range d.Tasks {
			pts = append(pts, t.Targets...)
		}
	}
	var s score
	used := map[int]bool{}
	attrOK := 0
	for _, pass := range []bool{false, true} { // required first, then optional
		for _, g := range gts {
			if g.Optional != pass {
				continue
			}
			if !g.Optional {
				s.required++
			}
			hit := -1
			for i, p := range pts {
				if used[i] || math.Abs(g.Value-p.Value) > 1e-6*math.Max(1, math.Abs(g.Value)) || normText(g.Unit) != normText(p.Unit) {
					continue
				}
				if overlapText(g.Source, p.Source) || normText(g.Name) == normText(p.Name) {
					hit = i
					break
				}
			}
			if hit < 0 {
				if !g.Optional {
					s.missed = append(s.missed, g.Source)
				}
				continue
			}
			used[hit] = true
			if !g.Optional {
				s.tp++
				if pts[hit].Op == g.Op && pts[hit].Kind == g.Kind {
					attrOK++
				}
			}
		}
	}
	for i, p := range pts {
		if !used[i] {
			s.fp++
			s.false_ = append(s.false_, p.Source)
		}
	}
	if s.tp+s.fp > 0 {
		s.precision = float64(s.tp) / float64(s.tp+s.fp)
	}
	s.recall = 1
	if s.required > 0 {
		s.recall = float64(s.tp) / float64(s.required)
	}
	if s.tp > 0 {
		s.attr = float64(attrOK) / float64(s.tp)
	}
	var gtasks, ptasks []string
	var gunits, punits []string
	for _, d := range gold.Domains {
		gunits = append(gunits, d.Units...)
		for _, t := range d.Tasks {
			gtasks = append(gtasks, t.Title)
			s.goldMiles += len(t.Milestones)
		}
	}
	for _, d := range gold.Domains {
		for _, t := range d.Tasks {
			gunits = append(gunits, t.Units...)
		}
	}
	for _, d := range pred.Domains {
		punits = append(punits, d.Units...)
		for _, t := range d.Tasks {
			ptasks = append(ptasks, t.Title)
			s.milestones += len(t.Milestones)
		}
	}
	for _, d := range pred.Domains {
		for _, t := range d.Tasks {
			punits = append(punits, t.Units...)
		}
	}
	for i := 0; i < len(gtasks) && i < len(ptasks); i++ {
		if normText(gtasks[i]) == normText(ptasks[i]) {
			s.tasksOK++
		}
	}
	s.tasks = len(gtasks)
	for _, u := range gunits {
		if slices.Contains(punits, u) {
			s.unitsOK++
		}
	}
	s.units = len(gunits)
	return s
}

// TestGoldWenzhou extracts the seed plan and holds it to the accuracy bar:
// precision and recall at least 0.97, kind and op right for at least 95% of
// matched targets, and domains, task titles and unit lists exact.
func TestGoldWenzhou(t *testing.T) {
	data, err := os.ReadFile("../demo/wenzhou-2020-plan.txt")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile("testdata/wenzhou-2020.gold.json")
	if err != nil {
		t.Fatal(err)
	}
	var gold goldPlan
	if err := json.Unmarshal(raw, &gold); err != nil {
		t.Fatal(err)
	}
	res, err := Document("wenzhou-2020-plan.txt", data)
	if err != nil {
		t.Fatal(err)
	}
	plan := res.Plan
	s := scorePlan(&gold, plan)
	report := fmt.Sprintf("gold wenzhou-2020: precision %.4f recall %.4f attr %.4f tasks %d/%d units %d/%d milestones %d/%d unparsed %d (tp %d fp %d required %d)",
		s.precision, s.recall, s.attr, s.tasksOK, s.tasks, s.unitsOK, s.units, s.milestones, s.goldMiles, len(plan.Unparsed), s.tp, s.fp, s.required)
	t.Log(report)
	fmt.Println(report)
	for _, m := range s.missed {
		t.Logf("missed: %s", m)
	}
	for _, f := range s.false_ {
		t.Logf("false: %s", f)
	}
	if s.precision < 0.97 || s.recall < 0.97 || s.attr < 0.95 {
		t.Errorf("below the bar: precision %.4f recall %.4f attr %.4f", s.precision, s.recall, s.attr)
	}
	if plan.Title != gold.Title || plan.Year != gold.Year || plan.Issuer != "温州市发展和改革委员会" || plan.Issued != "2020-04-26" {
		t.Errorf("header: %q %d %q %q", plan.Title, plan.Year, plan.Issuer, plan.Issued)
	}
	if len(plan.Domains) != len(gold.Domains) {
		t.Fatalf("domains: got %d, want %d", len(plan.Domains), len(gold.Domains))
	}
	for i, gd := range gold.Domains {
		pd := plan.Domains[i]
		if pd.Title != gd.Title {
			t.Errorf("domain %d title: got %q, want %q", i+1, pd.Title, gd.Title)
		}
		if !slices.Equal(pd.Units, gd.Units) {
			t.Errorf("domain %q units: got %q, want %q", gd.Title, pd.Units, gd.Units)
		}
		if len(pd.Tasks) != len(gd.Tasks) {
			t.Errorf("domain %q: got %d tasks, want %d", gd.Title, len(pd.Tasks), len(gd.Tasks))
			continue
		}
		for j, gt := range gd.Tasks {
			pt := pd.Tasks[j]
			if normText(pt.Title) != normText(gt.Title) {
				t.Errorf("task title: got %q, want %q", pt.Title, gt.Title)
			}
			if len(pt.Units) != len(gt.Units) || !slices.Equal(pt.Units, gt.Units) {
				t.Errorf("task %q units: got %q, want %q", gt.Title, pt.Units, gt.Units)
			}
		}
	}
	if s.tasksOK != s.tasks || s.unitsOK != s.units {
		t.Errorf("tasks %d/%d, units %d/%d: want all", s.tasksOK, s.tasks, s.unitsOK, s.units)
	}
	if d := s.milestones - s.goldMiles; d < -10 || d > 10 {
		t.Errorf("milestones: got %d, gold %d", s.milestones, s.goldMiles)
	}
	if len(plan.Unparsed) > 2 {
		t.Errorf("unparsed: %q", plan.Unparsed)
	}
	if err := plan.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
}
