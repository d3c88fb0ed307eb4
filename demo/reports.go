package demo

import (
	"context"
	"hash/fnv"
	"math"
	"time"

	"gongfu"
)

// pace is a county's deterministic speed against the plan: some ahead, most
// on track, some behind, so dashboards have every light to show.
func pace(name string) float64 {
	h := fnv.New32a()
	h.Write([]byte(name))
	switch v := h.Sum32() % 10; {
	case v < 2:
		return 1.08 + float64(v)*0.05 // ahead
	case v < 7:
		return 0.9 + float64(v-2)*0.025 // on track
	default:
		return 0.45 + float64(v-7)*0.1 // behind
	}
}

// Reports writes plausible reports for the plan year: county quotas
// split by population for every count target, then each county's
// year-to-date figures from January to the last month before today's month
// (all twelve when the plan year is over), approved except the latest
// month, which is partly approved, partly submitted, with a few drafts and
// a few items missing, as a real reporting round looks after the 5th.
func Reports(ctx context.Context, db gongfu.Store, p *gongfu.Plan, now time.Time) (int, error) {
	counties, err := db.FindOrgs(ctx, gongfu.OrgFilter{Kind: gongfu.OrgCounty})
	if err != nil {
		return 0, err
	}
	city, err := db.FindOrg(ctx, "温州市")
	if err != nil {
		return 0, err
	}
	last := 12
	if now.Year() == p.Year {
		last = int(now.Month()) - 1
	} else if now.Year() < p.Year {
		return 0, nil
	}
	if last < 1 {
		return 0, nil
	}
	weights := make([]float64, len(counties))
	for i, c := range counties {
		weights[i] = c.Population
	}
	// The latest month looks like the morning after the deadline: most
	// counties have reported, one is still missing a few items and one has
	// a few drafts it has not submitted, so 催报 and grey lights have
	// something to show without hiding the city's picture.
	status := func(m int, i int, item string) (gongfu.ReportStatus, bool) {
		if m < last {
			return gongfu.StatusApproved, true
		}
		h := fnv.New32a()
		h.Write([]byte(item))
		switch {
		case i == 5 && h.Sum32()%6 == 0:
			return "", false
		case i == 0 && h.Sum32()%5 == 1:
			return gongfu.StatusDraft, true
		case i%2 == 0:
			return gongfu.StatusApproved, true
		}
		return gongfu.StatusSubmitted, true
	}
	var reps []*gongfu.Report
	add := func(item string, org int64, m int, st gongfu.ReportStatus, r gongfu.Report) {
		r.ReportKey = gongfu.ReportKey{PlanID: p.ID, ItemID: item, OrgID: org, Period: gongfu.MonthPeriod(p.Year, m).String()}
		r.Status = st
		reps = append(reps, &r)
	}
	for _, d := range p.Domains {
		for _, t := range d.Tasks {
			for _, g := range t.Targets {
				whole := g.Value == math.Trunc(g.Value)
				var parts []float64
				if g.Kind == gongfu.KindIncrement {
					parts = gongfu.SplitByWeight(g.Value, weights, whole)
					var qs []gongfu.Quota
					for i, c := range counties {
						qs = append(qs, gongfu.Quota{OrgID: c.ID, Value: parts[i]})
					}
					if err := db.SetQuotas(ctx, p.ID, g.ID, qs); err != nil {
						return 0, err
					}
				}
				for i, c := range counties {
					k := pace(c.Name + g.ID)
					for m := 1; m <= last; m++ {
						st, ok := status(m, i, g.ID)
						if !ok {
							continue
						}
						v := value(g, k, m, parts, i, whole)
						add(g.ID, c.ID, m, st, gongfu.Report{Value: &v})
					}
				}
			}
			for _, ms := range t.Milestones {
				k := pace(ms.ID)
				for m := 1; m <= last; m++ {
					share := math.Min(1, k*float64(m)/12*1.2)
					r := gongfu.Report{Stage: gongfu.StageInProgress}
					switch {
					case share >= 1:
						r.Stage = gongfu.StageDone
						r.Note = "已完成，材料已归档"
					case share < 0.1:
						r.Stage = gongfu.StageNotStarted
					default:
						pc := math.Round(share * 100)
						r.Percent = &pc
					}
					st := gongfu.StatusApproved
					if m == last {
						st = gongfu.StatusSubmitted
					}
					add(ms.ID, city.ID, m, st, r)
				}
			}
		}
	}
	// Saving keeps drafts and submitted reports as they are; approval is a
	// review step, taken here as the plan office would, in one batch.
	var approve []gongfu.ReportKey
	for _, r := range reps {
		if r.Status == gongfu.StatusApproved {
			r.Status = gongfu.StatusSubmitted
			approve = append(approve, r.ReportKey)
		}
	}
	if err := db.SaveReports(ctx, reps); err != nil {
		return 0, err
	}
	review := gongfu.WithActor(ctx, &gongfu.User{Name: "coordinator"})
	if _, err := db.SetReportStatuses(review, approve, []gongfu.ReportStatus{gongfu.StatusSubmitted}, gongfu.StatusApproved, ""); err != nil {
		return 0, err
	}
	return len(reps), nil
}

// value is a county's year-to-date figure for target g in month m at
// pace k: its quota times the share of the year gone for amounts, a level
// near the target for rates.
func value(g gongfu.Target, k float64, m int, quotas []float64, i int, whole bool) float64 {
	t := float64(m) / 12
	var v float64
	switch g.Kind {
	case gongfu.KindIncrement:
		v = quotas[i] * math.Min(k*t, 1.25)
		if whole {
			v = math.Floor(v)
		}
	case gongfu.KindChange:
		v = g.Value * k * t
	case gongfu.KindRatio:
		v = g.Value * (1 + (k-1)*0.05)
	default:
		if g.Op == gongfu.OpAtMost {
			v = g.Value * (1.1 - 0.12*k)
		} else {
			// Levels climb towards the target through the year.
			v = g.Value * (0.86 + 0.1*k + 0.04*t)
		}
		if g.Unit == "%" {
			v = math.Min(v, 100)
		}
		v = math.Round(v*10) / 10
	}
	return v
}
