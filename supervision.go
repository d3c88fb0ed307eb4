package gongfu

import (
	"context"
	"strings"
	"time"
)

// SupervisionStatus is where a supervision notice (督办单) is: issued and
// awaiting the unit's answer, answered with its rectification note, or
// closed by the plan office.
type SupervisionStatus string

// The supervision states: open → answered → closed; an open notice may also
// be closed directly, with a comment saying why.
const (
	SupervisionOpen     SupervisionStatus = "open"
	SupervisionAnswered SupervisionStatus = "answered"
	SupervisionClosed   SupervisionStatus = "closed"
)

// Valid reports whether s is a known state.
func (s SupervisionStatus) Valid() bool {
	return s == SupervisionOpen || s == SupervisionAnswered || s == SupervisionClosed
}

// MaxSupervisionText is the longest 督办要求, answer, closing comment or
// explanation, in characters.
const MaxSupervisionText = 2000

// Supervision is a supervision notice (督办单): the plan office presses the
// unit responsible for a lagging item (a red or yellow light) to put it
// right by a deadline; the unit answers with its rectification note (整改情况)
// and the office closes it.
type Supervision struct {
	ID     int64  `json:"id"`
	PlanID int64  `json:"plan_id"`
	ItemID string `json:"target"`
	// OrgID is the unit that must answer: for a city-wide item the
	// department leading it, for a county's row the county itself.
	OrgID int64 `json:"org_id"`
	// Period and Light are the period judged and its light ("red" or
	// "yellow") when the notice was issued.
	Period string `json:"period"`
	Light  string `json:"light"`
	// Text is what the office requires (督办要求).
	Text     string            `json:"text"`
	Deadline Date              `json:"deadline"`
	Status   SupervisionStatus `json:"status"`

	Answer     string    `json:"answer,omitempty"`
	AnsweredBy string    `json:"answered_by,omitempty"`
	AnsweredAt time.Time `json:"answered_at,omitzero"`

	// Comment is the office's closing remark.
	Comment  string    `json:"comment,omitempty"`
	ClosedBy string    `json:"closed_by,omitempty"`
	ClosedAt time.Time `json:"closed_at,omitzero"`

	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

// Validate checks the fields a coordinator provides when issuing a notice.
// It reports every problem it finds.
func (s *Supervision) Validate() error {
	var bad []string
	if s.PlanID <= 0 {
		bad = append(bad, Detail("缺少计划 plan_id"))
	}
	if s.ItemID == "" || len(s.ItemID) > 64 {
		bad = append(bad, Detail("缺少指标编号 target"))
	}
	if s.OrgID <= 0 {
		bad = append(bad, Detail("缺少被督办单位 org_id"))
	}
	if _, err := ParsePeriod(s.Period); err != nil {
		bad = append(bad, Detail("报告期应为 YYYY-MM 或 YYYY-Qn"))
	}
	if s.Light != "red" && s.Light != "yellow" {
		bad = append(bad, Detail("只有红灯和黄灯项可以督办"))
	}
	if strings.TrimSpace(s.Text) == "" {
		bad = append(bad, Detail("请填写督办要求"))
	} else if len([]rune(s.Text)) > MaxSupervisionText {
		bad = append(bad, Detail("督办要求最多 2000 字"))
	}
	if s.Deadline == "" {
		bad = append(bad, Detail("请填写整改期限"))
	} else if _, ok := s.Deadline.Time(); !ok {
		bad = append(bad, Detail("整改期限应为 YYYY-MM-DD"))
	}
	if len(bad) > 0 {
		e := Failf(EINVALID, "督办单有 %d 处问题", len(bad))
		e.Details = bad
		return e
	}
	return nil
}

// Overdue reports whether the notice is still open after its deadline on day now.
func (s *Supervision) Overdue(now time.Time) bool {
	_, ok := s.Deadline.Time()
	return ok && s.Status == SupervisionOpen && DateOf(now) > s.Deadline
}

// Explanation is a reporter's account of why an item's light is red (情况说明)
// for one area and period: every red light asks for one.
type Explanation struct {
	PlanID int64  `json:"plan_id"`
	ItemID string `json:"target"`
	// OrgID is the area the figures are for, as in a ReportKey: the county,
	// or the city for a city-wide item.
	OrgID  int64     `json:"org_id"`
	Period string    `json:"period"`
	Text   string    `json:"text"`
	By     string    `json:"by"`
	At     time.Time `json:"at"`
}

// Validate checks an explanation before it is stored.
func (e *Explanation) Validate() error {
	var bad []string
	if e.PlanID <= 0 || e.ItemID == "" || len(e.ItemID) > 64 || e.OrgID <= 0 {
		bad = append(bad, Detail("缺少计划、指标或地区"))
	}
	if _, err := ParsePeriod(e.Period); err != nil {
		bad = append(bad, Detail("报告期应为 YYYY-MM 或 YYYY-Qn"))
	}
	if strings.TrimSpace(e.Text) == "" {
		bad = append(bad, Detail("请填写情况说明"))
	} else if len([]rune(e.Text)) > MaxSupervisionText {
		bad = append(bad, Detail("情况说明最多 2000 字"))
	}
	if len(bad) > 0 {
		err := Failf(EINVALID, "情况说明有 %d 处问题", len(bad))
		err.Details = bad
		return err
	}
	return nil
}

// SupervisionFilter selects supervision notices; zero fields do not filter.
type SupervisionFilter struct {
	PlanID int64
	OrgID  int64
	Status SupervisionStatus
}

// SupervisionService stores supervision notices (督办单) and the
// explanations reporters give for red lights.
type SupervisionService interface {
	// CreateSupervision validates and stores s as open, setting its id,
	// status and creation fields, together with an in-app notice (kind
	// "supervision") to s.OrgID and an audit entry each, in one
	// transaction. ENOTFOUND when the plan has no such item; ECONFLICT when
	// a notice for the same item, unit and period is still open or
	// answered.
	CreateSupervision(ctx context.Context, s *Supervision) error
	// FindSupervisions returns the notices matching f, newest first.
	FindSupervisions(ctx context.Context, f SupervisionFilter) ([]*Supervision, error)
	// FindSupervision returns one notice, ENOTFOUND when there is none.
	FindSupervision(ctx context.Context, id int64) (*Supervision, error)
	// AnswerSupervision records the unit's rectification note on an open
	// notice (open → answered), with an audit entry; ECONFLICT in any other
	// state, EINVALID for an empty answer.
	AnswerSupervision(ctx context.Context, id int64, answer string) (*Supervision, error)
	// CloseSupervision closes an answered notice, or an open one when a
	// comment says why, with an audit entry; ECONFLICT when it is closed
	// already, EINVALID when an open notice is closed without a comment.
	CloseSupervision(ctx context.Context, id int64, comment string) (*Supervision, error)
	// SaveExplanation creates or replaces the explanation of one item, area
	// and period, setting By and At, with an audit entry holding the old
	// and new text.
	SaveExplanation(ctx context.Context, e *Explanation) error
	// FindExplanations returns a plan's explanations of one item, of every
	// item when itemID is "", ordered by item, area and period.
	FindExplanations(ctx context.Context, planID int64, itemID string) ([]*Explanation, error)
}
