package gongfu

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"time"
)

// Stage is how far a milestone has come.
type Stage string

// The milestone stages: 未启动, 推进中 (with a percent), 已完成.
const (
	StageNotStarted Stage = "not_started"
	StageInProgress Stage = "in_progress"
	StageDone       Stage = "done"
)

// Valid reports whether s is a known stage.
func (s Stage) Valid() bool {
	return s == StageNotStarted || s == StageInProgress || s == StageDone
}

// ReportStatus is where a report is in review: draft → submitted → approved,
// or returned to the reporter with a comment.
type ReportStatus string

// The review states.
const (
	StatusDraft     ReportStatus = "draft"
	StatusSubmitted ReportStatus = "submitted"
	StatusApproved  ReportStatus = "approved"
	StatusReturned  ReportStatus = "returned"
)

// ReportKey names a report: one item (target or milestone, by its id in the
// plan such as "1.1" or "8.m2") for one area org in one period.
type ReportKey struct {
	PlanID int64  `json:"plan_id"`
	ItemID string `json:"target"`
	OrgID  int64  `json:"org_id"`
	Period string `json:"period"`
}

// String names the report in the audit trail.
func (k ReportKey) String() string {
	return fmt.Sprintf("report/%d/%s/%d/%s", k.PlanID, k.ItemID, k.OrgID, k.Period)
}

// Report is the year-to-date (累计) figure of one item for one area and
// period, with its review state. A rate may be given as numerator and
// denominator so that roll-ups use Σnum/Σden; a milestone gives a stage.
type Report struct {
	ReportKey
	Value       *float64     `json:"value"`
	Numerator   *float64     `json:"numerator,omitempty"`
	Denominator *float64     `json:"denominator,omitempty"`
	Stage       Stage        `json:"stage,omitempty"`
	Percent     *float64     `json:"percent,omitempty"`
	Note        string       `json:"note,omitempty"`
	Reason      string       `json:"reason,omitempty"` // why a year-to-date value fell
	Flags       []string     `json:"flags,omitempty"`  // review warnings (outliers)
	Status      ReportStatus `json:"status"`
	Comment     string       `json:"comment,omitempty"` // the reviewer's, when returned
	Version     int64        `json:"version"`
	UpdatedBy   string       `json:"updated_by"`
	UpdatedAt   time.Time    `json:"updated_at"`
}

// ReportFilter selects reports; zero fields do not filter.
type ReportFilter struct {
	PlanID int64
	ItemID string
	OrgID  int64
	Period string
	Status ReportStatus
}

// ItemUnit is an org answering for a target or milestone.
type ItemUnit struct {
	OrgID int64 `json:"org_id"`
	Lead  bool  `json:"lead"`
}

// ReportService stores reports and their review.
type ReportService interface {
	// FindReport returns one report, ENOTFOUND when none was made.
	FindReport(ctx context.Context, k ReportKey) (*Report, error)
	// FindReports returns the reports matching f ordered by item, org, period.
	FindReports(ctx context.Context, f ReportFilter) ([]*Report, error)
	// SaveReport creates or updates the figures of r as a draft (or keeps
	// it submitted when status is submitted). When expect ≥ 0 the stored
	// version must equal it; ECONFLICT when it does not or when the report
	// is approved (locked). It sets r.Version, r.UpdatedAt, r.UpdatedBy and
	// writes an audit entry with the old and new figures.
	SaveReport(ctx context.Context, r *Report, expect int64) error
	// SetReportStatus moves a report from one of from to status, with a
	// comment (return) or reason (reopen) kept in the audit trail.
	// ECONFLICT when the report is not in one of from.
	SetReportStatus(ctx context.Context, k ReportKey, from []ReportStatus, to ReportStatus, comment string) (*Report, error)
	// SetReportStatuses moves many reports as SetReportStatus would, in one
	// transaction: all or none (batch approval). It returns how many moved.
	SetReportStatuses(ctx context.Context, keys []ReportKey, from []ReportStatus, to ReportStatus, comment string) (int, error)
	// SaveReports saves many reports in one transaction, each as SaveReport
	// would without a version check: all are stored or none is (a
	// spreadsheet import, the demo loader). ECONFLICT names the first
	// locked report.
	SaveReports(ctx context.Context, reps []*Report) error
	// FindItemUnits returns the orgs answering for a plan item, lead first.
	FindItemUnits(ctx context.Context, planID int64, itemID string) ([]ItemUnit, error)
}

// Quota is a county's share of a city target (任务分解).
type Quota struct {
	PlanID int64   `json:"plan_id"`
	ItemID string  `json:"target"`
	OrgID  int64   `json:"org_id"`
	Value  float64 `json:"value"`
}

// QuotaService stores the decomposition of targets into county quotas.
type QuotaService interface {
	// SetQuotas replaces all quotas of one target with quotas, in one
	// transaction with an audit entry; an empty list removes them.
	SetQuotas(ctx context.Context, planID int64, itemID string, quotas []Quota) error
	// FindQuotas returns a plan's quotas, of one target when itemID is set.
	FindQuotas(ctx context.Context, planID int64, itemID string) ([]Quota, error)
}

// CheckFigures validates a report's figures against its target: numbers
// finite, counts not negative, a percentage within 0–100, a numerator not
// above its denominator, a stage for a milestone. It reports every problem.
func (r *Report) CheckFigures(t *Target, milestone bool) error {
	var bad []string
	fin := func(name string, v *float64) bool {
		if v != nil && (math.IsNaN(*v) || math.IsInf(*v, 0)) {
			bad = append(bad, Detailf("%s 不是有限数", name))
			return false
		}
		return v != nil
	}
	if milestone {
		if !r.Stage.Valid() {
			bad = append(bad, Detail("stage 应为 not_started（未启动）、in_progress（推进中）或 done（已完成）"))
		}
		if fin("percent", r.Percent) && (*r.Percent < 0 || *r.Percent > 100) {
			bad = append(bad, Detail("percent 应在 0–100 之间"))
		}
		if r.Value != nil || r.Numerator != nil || r.Denominator != nil {
			bad = append(bad, Detail("工作节点只填报进度阶段，不填数值"))
		}
	} else {
		if r.Stage != "" || r.Percent != nil {
			bad = append(bad, Detail("量化指标填报数值，不填阶段"))
		}
		hasNum, hasDen := fin("numerator", r.Numerator), fin("denominator", r.Denominator)
		if hasNum != hasDen {
			bad = append(bad, Detail("分子和分母须同时填写"))
		}
		if hasNum && hasDen {
			if *r.Denominator <= 0 {
				bad = append(bad, Detail("分母必须大于 0"))
			} else if *r.Numerator < 0 {
				bad = append(bad, Detail("分子不能为负"))
			} else {
				v := *r.Numerator / *r.Denominator
				if t.IsPercent() {
					v *= 100
				}
				if r.Value != nil && math.Abs(*r.Value-v) > 1e-6*math.Max(1, math.Abs(v)) {
					bad = append(bad, Detail("数值与分子/分母不一致"))
				}
				r.Value = &v
			}
		}
		if r.Value == nil && !hasNum {
			bad = append(bad, Detail("缺少数值 value"))
		}
		if fin("value", r.Value) {
			v := *r.Value
			switch {
			case t.IsPercent() && (v < 0 || v > 100):
				bad = append(bad, Detailf("百分比 %g 应在 0–100 之间", v))
			case t.Kind != KindChange && v < 0:
				bad = append(bad, Detailf("数值 %g 不能为负", v))
			}
		}
	}
	if len([]rune(r.Note)) > 2000 || len([]rune(r.Reason)) > 2000 {
		bad = append(bad, Detail("说明过长，最多 2000 字"))
	}
	if len(bad) > 0 {
		e := Failf(EINVALID, "填报数据有 %d 处问题", len(bad))
		e.Details = bad
		return e
	}
	return nil
}

// OutlierThreshold is the robust z-score above which a value is flagged for
// review, the cut-off DHIS2's outlier detection uses by default.
const OutlierThreshold = 3.5

// RobustZ returns the modified z-score of v against history (Iglewicz and
// Hoaglin): 0.6745·(v − median)/MAD. It needs at least three past values and
// a non-zero spread; otherwise it returns 0 and false.
func RobustZ(history []float64, v float64) (float64, bool) {
	if len(history) < 3 {
		return 0, false
	}
	med := median(history)
	dev := make([]float64, len(history))
	for i, h := range history {
		dev[i] = math.Abs(h - med)
	}
	mad := median(dev)
	if mad == 0 {
		return 0, false
	}
	return 0.6745 * (v - med) / mad, true
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// SplitByWeight divides total among shares proportional to weights (a
// decomposition by population, say). With whole set the parts are whole
// numbers that still add up to the rounded total, by the largest-remainder
// method, as a plan office splitting 80 kindergartens needs. Zero weights get
// nothing; when all weights are zero the result is all zeros.
func SplitByWeight(total float64, weights []float64, whole bool) []float64 {
	out := make([]float64, len(weights))
	var sum float64
	for _, w := range weights {
		if w > 0 {
			sum += w
		}
	}
	if sum == 0 {
		return out
	}
	for i, w := range weights {
		if w > 0 {
			out[i] = total * w / sum
		}
	}
	if !whole {
		return out
	}
	type rem struct {
		i int
		r float64
	}
	var rems []rem
	left := math.Round(total)
	for i := range out {
		f := math.Floor(out[i])
		rems = append(rems, rem{i, out[i] - f})
		out[i] = f
		left -= f
	}
	sort.SliceStable(rems, func(a, b int) bool { return rems[a].r > rems[b].r })
	for k := 0; left > 0 && k < len(rems); k++ {
		if weights[rems[k].i] > 0 {
			out[rems[k].i]++
			left--
		}
	}
	return out
}

// AuditFigures is what the audit trail records of a report on every save:
// the Old and New of a "report.save" entry. Both stores write it, and a
// server following the trail (http's live figures) reads a saved report's
// figures from it instead of reading the report back.
type AuditFigures struct {
	Value       *float64     `json:"value"`
	Numerator   *float64     `json:"numerator"`
	Denominator *float64     `json:"denominator"`
	Stage       Stage        `json:"stage"`
	Percent     *float64     `json:"percent"`
	Note        string       `json:"note"`
	Status      ReportStatus `json:"status"`
	Version     int64        `json:"version"`
}

// ReportAuditJSON renders r's figures for the audit trail, "" for no
// report.
func ReportAuditJSON(r *Report) (string, error) {
	if r == nil {
		return "", nil
	}
	b, err := json.Marshal(AuditFigures{r.Value, r.Numerator, r.Denominator, r.Stage, r.Percent, r.Note, r.Status, r.Version})
	if err != nil {
		return "", fmt.Errorf("report figures for the audit trail: %w", err)
	}
	return string(b), nil
}

// ReportFromAudit rebuilds the report of key k as a "report.save" entry's
// New recorded it.
func ReportFromAudit(k ReportKey, s string) (*Report, error) {
	var f AuditFigures
	if err := json.Unmarshal([]byte(s), &f); err != nil {
		return nil, fmt.Errorf("report figures of %s in the audit trail: %w", k, err)
	}
	return &Report{ReportKey: k, Value: f.Value, Numerator: f.Numerator, Denominator: f.Denominator,
		Stage: f.Stage, Percent: f.Percent, Note: f.Note, Status: f.Status, Version: f.Version}, nil
}

// Name is the Chinese name of a review state, as users see it.
func (s ReportStatus) Name() string {
	switch s {
	case StatusDraft:
		return "草稿"
	case StatusSubmitted:
		return "已报送"
	case StatusApproved:
		return "已审核"
	case StatusReturned:
		return "已退回"
	}
	return string(s)
}

// Valid reports whether s is one of the four review states.
func (s ReportStatus) Valid() bool {
	switch s {
	case StatusDraft, StatusSubmitted, StatusApproved, StatusReturned:
		return true
	}
	return false
}

// ReportNotFound is the error of every store for a report never made.
func ReportNotFound(k ReportKey) error {
	return Failf(ENOTFOUND, "%s 尚无填报", k.String())
}

// Check rejects a key that cannot name a report: a missing plan, item or
// org, or a period that is not in canonical form.
func (k ReportKey) Check() error {
	if k.PlanID <= 0 || k.ItemID == "" || k.OrgID <= 0 {
		return Failf(EINVALID, "报告须指明计划、指标或节点和单位")
	}
	p, err := ParsePeriod(k.Period)
	if err != nil {
		return err
	}
	if p.String() != k.Period {
		return Failf(EINVALID, "报告期 %q 格式不对", k.Period)
	}
	return nil
}

// CheckStorable rejects what no store can hold exactly: numbers that are
// not finite (SQLite turns NaN into NULL, and JSON, which the audit trail
// records, has neither NaN nor infinities), unknown stages and statuses.
// Both stores call it before any write.
func (r *Report) CheckStorable() error {
	var bad []string
	for _, f := range []struct {
		name string
		v    *float64
	}{{"value", r.Value}, {"numerator", r.Numerator}, {"denominator", r.Denominator}, {"percent", r.Percent}} {
		if f.v != nil && (math.IsNaN(*f.v) || math.IsInf(*f.v, 0)) {
			bad = append(bad, Detailf("%s 不是有限数", f.name))
		}
	}
	if r.Stage != "" && !r.Stage.Valid() {
		bad = append(bad, Detailf("进度阶段 %q 无效", r.Stage))
	}
	if r.Status != "" && !r.Status.Valid() {
		bad = append(bad, Detailf("状态 %q 无效", r.Status))
	}
	if len(bad) > 0 {
		e := Failf(EINVALID, "填报数据有 %d 处问题", len(bad))
		e.Details = bad
		return e
	}
	return nil
}

// SaveOver returns the report a save of r makes over old, the report as
// stored (nil when none), or why it may not be saved: an approved period is
// locked until a coordinator reopens it, and with expect ≥ 0 the stored
// version must still be expect (someone else's save in between is a
// conflict, not a silent overwrite). The result is a draft unless r asks
// to be submitted; a draft keeps the reviewer's comment until it is
// resubmitted; the version counts saves. Both stores call it inside their
// write transaction, so the rules are the same whichever database runs.
func SaveOver(old, r *Report, expect int64, by string, now time.Time) (Report, error) {
	if old != nil && old.Status == StatusApproved {
		return Report{}, Failf(ECONFLICT, "该期已审核锁定，需协调员重新打开")
	}
	if expect >= 0 {
		var current int64
		if old != nil {
			current = old.Version
		}
		if current != expect {
			return Report{}, Failf(ECONFLICT, "数据已被他人修改（当前版本 %d），请刷新后重试", current)
		}
	}
	saved := *r
	saved.Flags = append([]string(nil), r.Flags...)
	saved.Status = StatusDraft
	if r.Status == StatusSubmitted {
		saved.Status = StatusSubmitted
	}
	saved.Comment = ""
	if old != nil && saved.Status == StatusDraft {
		saved.Comment = old.Comment // the reviewer's, until resubmitted
	}
	saved.Version = 1
	if old != nil {
		saved.Version = old.Version + 1
	}
	saved.UpdatedBy, saved.UpdatedAt = by, now
	return saved, nil
}
