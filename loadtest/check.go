package loadtest

import (
	"context"
	"fmt"
	"strconv"

	"gongfu"
)

// CheckResult is what reading the acknowledged writes back found.
type CheckResult struct {
	// Checked is how many reports had an acknowledged write.
	Checked int `json:"checked"`
	// Missing reports are not in the database at all; Changed ones hold
	// neither the acknowledged state nor that of a later write that may
	// have been applied. Both are lost writes.
	Missing int      `json:"missing"`
	Changed int      `json:"changed"`
	Samples []string `json:"samples,omitempty"`
}

// Lost is the number of acknowledged writes the database does not hold.
func (c *CheckResult) Lost() int { return c.Missing + c.Changed }

// Check reads plan planID's reports from db and holds every acknowledged
// write of acks to them: the stored report must show the acknowledged
// value, status and version, or the value and status of a later write
// whose outcome was unknown (with a newer version).
func Check(ctx context.Context, db gongfu.Store, planID int64, acks []Ack) (*CheckResult, error) {
	reps, err := db.FindReports(ctx, gongfu.ReportFilter{PlanID: planID})
	if err != nil {
		return nil, fmt.Errorf("读取填报失败 (read the reports back): %w", err)
	}
	stored := make(map[gongfu.ReportKey]*gongfu.Report, len(reps))
	for _, rep := range reps {
		stored[rep.ReportKey] = rep
	}
	res := &CheckResult{}
	for _, a := range acks {
		res.Checked++
		got := stored[a.Key]
		if got == nil {
			res.Missing++
			res.sample("%s: 已确认的填报不存在 (acknowledged report missing): want value %s status %s version %d",
				a.Key, fmtF(a.Value), a.Status, a.Version)
			continue
		}
		if holds(got, a.Write, true) {
			continue
		}
		ok := false
		for _, w := range a.Unsure {
			if holds(got, w, false) && got.Version > a.Version {
				ok = true
				break
			}
		}
		if !ok {
			res.Changed++
			v := "null"
			if got.Value != nil {
				v = fmtF(*got.Value)
			}
			res.sample("%s: 与已确认的不一致 (differs from the acknowledged write): stored value %s status %s version %d, acknowledged value %s status %s version %d",
				a.Key, v, got.Status, got.Version, fmtF(a.Value), a.Status, a.Version)
		}
	}
	return res, nil
}

// holds reports whether a stored report shows write w (and its version,
// when exact).
func holds(got *gongfu.Report, w Write, exact bool) bool {
	if got.Value == nil || *got.Value != w.Value || got.Status != w.Status {
		return false
	}
	return !exact || got.Version == w.Version
}

func (c *CheckResult) sample(format string, args ...any) {
	if len(c.Samples) < maxSamples {
		c.Samples = append(c.Samples, fmt.Sprintf(format, args...))
	}
}

func fmtF(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
