package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"gongfu"
)

// supervisionColumns is the column list scanSupervision reads.
const supervisionColumns = `id, plan_id, item_key, org_id, period, light, text, deadline, status,
	answer, answered_by, answered_at, comment, closed_by, closed_at, created_by, created_at`

// scanSupervision reads one supervisions row selected with supervisionColumns.
func scanSupervision(s interface{ Scan(...any) error }) (*gongfu.Supervision, error) {
	var v gongfu.Supervision
	var deadline, status, created string
	var answeredAt, closedAt sql.NullString
	if err := s.Scan(&v.ID, &v.PlanID, &v.ItemID, &v.OrgID, &v.Period, &v.Light, &v.Text, &deadline, &status,
		&v.Answer, &v.AnsweredBy, &answeredAt, &v.Comment, &v.ClosedBy, &closedAt, &v.CreatedBy, &created); err != nil {
		return nil, err
	}
	v.Deadline, v.Status = gongfu.Date(deadline), gongfu.SupervisionStatus(status)
	var err error
	if v.CreatedAt, err = parseTime(created); err != nil {
		return nil, err
	}
	if v.AnsweredAt, err = parseNullTime(answeredAt); err != nil {
		return nil, err
	}
	if v.ClosedAt, err = parseNullTime(closedAt); err != nil {
		return nil, err
	}
	return &v, nil
}

// parseNullTime reads a nullable stored time; NULL is the zero time.
func parseNullTime(s sql.NullString) (time.Time, error) {
	if !s.Valid {
		return time.Time{}, nil
	}
	return parseTime(s.String)
}

// supervisionAudit is what the audit trail keeps of a notice's state.
func supervisionAudit(v *gongfu.Supervision) string {
	b, _ := json.Marshal(map[string]any{
		"plan_id": v.PlanID, "target": v.ItemID, "org_id": v.OrgID, "period": v.Period, "light": v.Light,
		"text": v.Text, "deadline": v.Deadline, "status": v.Status, "answer": v.Answer, "comment": v.Comment,
	})
	return string(b)
}

// itemName returns the name of a target or the text of a milestone, for the
// notice a supervision sends.
func itemName(ctx context.Context, tx *sql.Tx, targetID, milestoneID any) (string, error) {
	var name string
	var err error
	if targetID != nil {
		err = tx.QueryRowContext(ctx, `SELECT name FROM targets WHERE id = ?`, targetID).Scan(&name)
	} else {
		err = tx.QueryRowContext(ctx, `SELECT text FROM milestones WHERE id = ?`, milestoneID).Scan(&name)
	}
	return name, err
}

// orgKind returns the kind of org id; ENOTFOUND when there is none.
func orgKind(ctx context.Context, tx *sql.Tx, id int64) (gongfu.OrgKind, error) {
	var kind string
	err := tx.QueryRowContext(ctx, `SELECT kind FROM orgs WHERE id = ?`, id).Scan(&kind)
	if errors.Is(err, sql.ErrNoRows) {
		return "", gongfu.Failf(gongfu.ENOTFOUND, "找不到组织 %d", id)
	} else if err != nil {
		return "", fmt.Errorf("find org: %w", err)
	}
	return gongfu.OrgKind(kind), nil
}

// supervisionNotice is the text of the in-app notice that tells a unit it is
// being supervised.
func supervisionNotice(v *gongfu.Supervision, name string) string {
	light := "黄灯"
	if v.Light == "red" {
		light = "红灯"
	}
	return fmt.Sprintf("【督办】指标 %s %s（%s，%s）：%s 请于 %s 前反馈整改情况。",
		v.ItemID, name, v.Period, light, strings.TrimSpace(v.Text), v.Deadline)
}

// CreateSupervision stores an open notice with its in-app notice to the
// unit, each audited, in one transaction.
func (db *DB) CreateSupervision(ctx context.Context, v *gongfu.Supervision) error {
	if v == nil {
		return gongfu.Failf(gongfu.EINVALID, "缺少督办单")
	}
	if err := v.Validate(); err != nil {
		return err
	}
	p, _ := gongfu.ParsePeriod(v.Period)
	now, actor := db.now(), gongfu.ActorName(ctx)
	return db.inWrite(ctx, func(tx *sql.Tx) error {
		targetID, milestoneID, err := planItem(ctx, tx, v.PlanID, v.ItemID)
		if err != nil {
			return err
		}
		if _, err := orgKind(ctx, tx, v.OrgID); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM supervisions
			WHERE plan_id = ? AND item_key = ? AND org_id = ? AND period = ? AND status <> 'closed'`,
			v.PlanID, v.ItemID, v.OrgID, p.String()).Scan(&n); err != nil {
			return fmt.Errorf("find supervisions: %w", err)
		}
		if n > 0 {
			return gongfu.Failf(gongfu.ECONFLICT, "该单位本期此项已有未办结的督办单")
		}
		text := strings.TrimSpace(v.Text)
		res, err := tx.ExecContext(ctx, `INSERT INTO supervisions (plan_id, item_key, target_id, milestone_id, org_id,
			period, light, text, deadline, status, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?)`,
			v.PlanID, v.ItemID, targetID, milestoneID, v.OrgID, p.String(), v.Light, text, string(v.Deadline), actor, formatTime(now))
		if err != nil {
			return fmt.Errorf("insert supervision: %w", err)
		}
		id, err := res.LastInsertId()
		if err != nil {
			return err
		}
		nv := *v
		nv.ID, nv.Period, nv.Text, nv.Status = id, p.String(), text, gongfu.SupervisionOpen
		nv.Answer, nv.AnsweredBy, nv.AnsweredAt = "", "", time.Time{}
		nv.Comment, nv.ClosedBy, nv.ClosedAt = "", "", time.Time{}
		nv.CreatedBy, nv.CreatedAt = actor, now
		if _, err := db.appendAudit(ctx, tx, "supervision.create", fmt.Sprintf("supervision/%d", id), "", supervisionAudit(&nv), "", "ok"); err != nil {
			return err
		}
		name, err := itemName(ctx, tx, targetID, milestoneID)
		if err != nil {
			return fmt.Errorf("find item name: %w", err)
		}
		msg := supervisionNotice(&nv, name)
		if _, err := tx.ExecContext(ctx, `INSERT INTO notices (org_id, plan_id, period, kind, text, created_by, created_at)
			VALUES (?, ?, ?, 'supervision', ?, ?, ?)`, nv.OrgID, nv.PlanID, nv.Period, msg, actor, formatTime(now)); err != nil {
			return fmt.Errorf("insert notice: %w", err)
		}
		if _, err := db.appendAudit(ctx, tx, "notice.supervision", fmt.Sprintf("org/%d", nv.OrgID), "", msg, "", "ok"); err != nil {
			return err
		}
		*v = nv
		return nil
	})
}

// FindSupervisions returns the notices matching f, newest first.
func (db *DB) FindSupervisions(ctx context.Context, f gongfu.SupervisionFilter) ([]*gongfu.Supervision, error) {
	out := []*gongfu.Supervision{}
	err := db.inRead(ctx, func(tx *sql.Tx) error {
		return eachRow(ctx, tx, `SELECT `+supervisionColumns+` FROM supervisions
			WHERE (? = 0 OR plan_id = ?) AND (? = 0 OR org_id = ?) AND (? = '' OR status = ?)
			ORDER BY id DESC`,
			[]any{f.PlanID, f.PlanID, f.OrgID, f.OrgID, string(f.Status), string(f.Status)}, func(rows *sql.Rows) error {
				v, err := scanSupervision(rows)
				if err != nil {
					return err
				}
				out = append(out, v)
				return nil
			})
	})
	if err != nil {
		return nil, fmt.Errorf("find supervisions: %w", err)
	}
	return out, nil
}

// FindSupervision returns one notice, ENOTFOUND when there is none.
func (db *DB) FindSupervision(ctx context.Context, id int64) (*gongfu.Supervision, error) {
	var v *gongfu.Supervision
	err := db.inRead(ctx, func(tx *sql.Tx) error {
		var err error
		v, err = loadSupervision(ctx, tx, id)
		return err
	})
	return v, err
}

// loadSupervision reads notice id; ENOTFOUND when there is none.
func loadSupervision(ctx context.Context, q queryer, id int64) (*gongfu.Supervision, error) {
	v, err := scanSupervision(q.QueryRowContext(ctx, `SELECT `+supervisionColumns+` FROM supervisions WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, gongfu.Failf(gongfu.ENOTFOUND, "找不到该督办单")
	} else if err != nil {
		return nil, fmt.Errorf("find supervision %d: %w", id, err)
	}
	return v, nil
}

// AnswerSupervision records the unit's rectification note (open → answered).
func (db *DB) AnswerSupervision(ctx context.Context, id int64, answer string) (*gongfu.Supervision, error) {
	answer = strings.TrimSpace(answer)
	if answer == "" {
		return nil, gongfu.Failf(gongfu.EINVALID, "请填写整改情况")
	}
	if len([]rune(answer)) > gongfu.MaxSupervisionText {
		return nil, gongfu.Failf(gongfu.EINVALID, "整改情况最多 2000 字")
	}
	now, actor := db.now(), gongfu.ActorName(ctx)
	var out *gongfu.Supervision
	err := db.inWrite(ctx, func(tx *sql.Tx) error {
		v, err := loadSupervision(ctx, tx, id)
		if err != nil {
			return err
		}
		if v.Status != gongfu.SupervisionOpen {
			return gongfu.Failf(gongfu.ECONFLICT, "该督办单已反馈或已办结，不能再反馈")
		}
		old := supervisionAudit(v)
		if _, err := tx.ExecContext(ctx, `UPDATE supervisions SET status = 'answered', answer = ?, answered_by = ?, answered_at = ?
			WHERE id = ? AND status = 'open'`, answer, actor, formatTime(now), id); err != nil {
			return fmt.Errorf("answer supervision: %w", err)
		}
		v.Status, v.Answer, v.AnsweredBy, v.AnsweredAt = gongfu.SupervisionAnswered, answer, actor, now
		if _, err := db.appendAudit(ctx, tx, "supervision.answer", fmt.Sprintf("supervision/%d", id), old, supervisionAudit(v), "", "ok"); err != nil {
			return err
		}
		out = v
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// CloseSupervision closes an answered notice, or an open one with a comment.
func (db *DB) CloseSupervision(ctx context.Context, id int64, comment string) (*gongfu.Supervision, error) {
	comment = strings.TrimSpace(comment)
	if len([]rune(comment)) > gongfu.MaxSupervisionText {
		return nil, gongfu.Failf(gongfu.EINVALID, "办结意见最多 2000 字")
	}
	now, actor := db.now(), gongfu.ActorName(ctx)
	var out *gongfu.Supervision
	err := db.inWrite(ctx, func(tx *sql.Tx) error {
		v, err := loadSupervision(ctx, tx, id)
		if err != nil {
			return err
		}
		switch v.Status {
		case gongfu.SupervisionClosed:
			return gongfu.Failf(gongfu.ECONFLICT, "该督办单已办结")
		case gongfu.SupervisionOpen:
			if comment == "" {
				return gongfu.Failf(gongfu.EINVALID, "督办单尚未反馈，直接办结须说明理由")
			}
		}
		old := supervisionAudit(v)
		if _, err := tx.ExecContext(ctx, `UPDATE supervisions SET status = 'closed', comment = ?, closed_by = ?, closed_at = ?
			WHERE id = ? AND status <> 'closed'`, comment, actor, formatTime(now), id); err != nil {
			return fmt.Errorf("close supervision: %w", err)
		}
		v.Status, v.Comment, v.ClosedBy, v.ClosedAt = gongfu.SupervisionClosed, comment, actor, now
		if _, err := db.appendAudit(ctx, tx, "supervision.close", fmt.Sprintf("supervision/%d", id), old, supervisionAudit(v), comment, "ok"); err != nil {
			return err
		}
		out = v
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// explanationObject names an explanation in the audit trail.
func explanationObject(e *gongfu.Explanation) string {
	return fmt.Sprintf("explanation/%d/%s/%d/%s", e.PlanID, e.ItemID, e.OrgID, e.Period)
}

// SaveExplanation creates or replaces the explanation of one item, area and
// period, with an audit entry holding the old and new text.
func (db *DB) SaveExplanation(ctx context.Context, e *gongfu.Explanation) error {
	if e == nil {
		return gongfu.Failf(gongfu.EINVALID, "缺少情况说明")
	}
	if err := e.Validate(); err != nil {
		return err
	}
	p, _ := gongfu.ParsePeriod(e.Period)
	now, actor := db.now(), gongfu.ActorName(ctx)
	text := strings.TrimSpace(e.Text)
	return db.inWrite(ctx, func(tx *sql.Tx) error {
		targetID, milestoneID, err := planItem(ctx, tx, e.PlanID, e.ItemID)
		if err != nil {
			return err
		}
		kind, err := orgKind(ctx, tx, e.OrgID)
		if err != nil {
			return err
		}
		if !kind.IsArea() {
			return gongfu.Failf(gongfu.EINVALID, "情况说明针对地区的填报，不能针对部门")
		}
		var old string
		err = tx.QueryRowContext(ctx, `SELECT text FROM explanations WHERE plan_id = ? AND item_key = ? AND org_id = ? AND period = ?`,
			e.PlanID, e.ItemID, e.OrgID, p.String()).Scan(&old)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("find explanation: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO explanations (plan_id, item_key, target_id, milestone_id, org_id, period, text, updated_by, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (plan_id, item_key, org_id, period) DO UPDATE SET
				text = excluded.text, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
			e.PlanID, e.ItemID, targetID, milestoneID, e.OrgID, p.String(), text, actor, formatTime(now)); err != nil {
			return fmt.Errorf("save explanation: %w", err)
		}
		saved := *e
		saved.Period, saved.Text, saved.By, saved.At = p.String(), text, actor, now
		if _, err := db.appendAudit(ctx, tx, "explanation.save", explanationObject(&saved), old, text, "", "ok"); err != nil {
			return err
		}
		*e = saved
		return nil
	})
}

// FindExplanations returns a plan's explanations of one item (every item
// when itemID is ""), in plan order, then by area and period.
func (db *DB) FindExplanations(ctx context.Context, planID int64, itemID string) ([]*gongfu.Explanation, error) {
	out := []*gongfu.Explanation{}
	err := db.inRead(ctx, func(tx *sql.Tx) error {
		return eachRow(ctx, tx, `SELECT e.plan_id, e.item_key, e.org_id, e.period, e.text, e.updated_by, e.updated_at
			FROM explanations e
			LEFT JOIN targets t ON t.id = e.target_id
			LEFT JOIN milestones m ON m.id = e.milestone_id
			WHERE e.plan_id = ? AND (? = '' OR e.item_key = ?)
			ORDER BY e.target_id IS NULL, COALESCE(t.id, m.id), e.org_id, e.period`,
			[]any{planID, itemID, itemID}, func(rows *sql.Rows) error {
				var x gongfu.Explanation
				var at string
				if err := rows.Scan(&x.PlanID, &x.ItemID, &x.OrgID, &x.Period, &x.Text, &x.By, &at); err != nil {
					return err
				}
				t, err := parseTime(at)
				if err != nil {
					return err
				}
				x.At = t
				out = append(out, &x)
				return nil
			})
	})
	if err != nil {
		return nil, fmt.Errorf("find explanations: %w", err)
	}
	return out, nil
}
