package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gongfu"
)

// reportColumns is the column list scanReport reads, from reports as r.
const reportColumns = `r.plan_id, r.item_key, r.org_id, r.period, r.value, r.numerator, r.denominator,
	r.stage, r.percent, r.note, r.reason, r.flags, r.status, r.comment, r.version, r.updated_by, r.updated_at`

// scanReport reads one reports row selected with reportColumns.
func scanReport(s interface{ Scan(...any) error }) (*gongfu.Report, error) {
	var r gongfu.Report
	var value, num, den, percent sql.NullFloat64
	var stage, flags, status, updated string
	if err := s.Scan(&r.PlanID, &r.ItemID, &r.OrgID, &r.Period, &value, &num, &den,
		&stage, &percent, &r.Note, &r.Reason, &flags, &status, &r.Comment, &r.Version, &r.UpdatedBy, &updated); err != nil {
		return nil, err
	}
	r.Value, r.Numerator, r.Denominator, r.Percent = floatPtr(value), floatPtr(num), floatPtr(den), floatPtr(percent)
	r.Stage, r.Status = gongfu.Stage(stage), gongfu.ReportStatus(status)
	if err := json.Unmarshal([]byte(flags), &r.Flags); err != nil {
		return nil, fmt.Errorf("report flags: %w", err)
	}
	if len(r.Flags) == 0 {
		r.Flags = nil
	}
	var err error
	if r.UpdatedAt, err = parseTime(updated); err != nil {
		return nil, err
	}
	return &r, nil
}

// floatPtr maps NULL to nil.
func floatPtr(f sql.NullFloat64) *float64 {
	if !f.Valid {
		return nil
	}
	v := f.Float64
	return &v
}

// nullFloat maps nil to NULL.
func nullFloat(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}

// queryer is what both *sql.Tx and *sql.DB offer for single-row reads.
type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// loadReport reads the report k; sql.ErrNoRows when there is none.
func loadReport(ctx context.Context, q queryer, k gongfu.ReportKey) (*gongfu.Report, error) {
	return scanReport(q.QueryRowContext(ctx, `SELECT `+reportColumns+` FROM reports r
		WHERE r.plan_id = ? AND r.item_key = ? AND r.org_id = ? AND r.period = ?`,
		k.PlanID, k.ItemID, k.OrgID, k.Period))
}

// planItem finds the target or milestone key of plan planID and returns the
// id of its row in targets or in milestones (the other is nil); ENOTFOUND
// when the plan has no such item.
func planItem(ctx context.Context, q queryer, planID int64, key string) (targetID, milestoneID any, err error) {
	var id int64
	err = q.QueryRowContext(ctx, `SELECT id FROM targets WHERE plan_id = ? AND key = ?`, planID, key).Scan(&id)
	if err == nil {
		return id, nil, nil
	} else if !errors.Is(err, sql.ErrNoRows) {
		return nil, nil, err
	}
	err = q.QueryRowContext(ctx, `SELECT id FROM milestones WHERE plan_id = ? AND key = ?`, planID, key).Scan(&id)
	if err == nil {
		return nil, id, nil
	} else if !errors.Is(err, sql.ErrNoRows) {
		return nil, nil, err
	}
	return nil, nil, gongfu.Failf(gongfu.ENOTFOUND, "计划 %d 中没有指标或工作节点 %q", planID, key)
}

// FindReport returns the report k, ENOTFOUND when none was made.
func (db *DB) FindReport(ctx context.Context, k gongfu.ReportKey) (*gongfu.Report, error) {
	var r *gongfu.Report
	err := db.inRead(ctx, func(tx *sql.Tx) error {
		var err error
		r, err = loadReport(ctx, tx, k)
		return err
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, gongfu.ReportNotFound(k)
	} else if err != nil {
		return nil, fmt.Errorf("find report: %w", err)
	}
	return r, nil
}

// FindReports returns the reports matching f in plan order: by plan, then
// item as the plan lists them (a task's targets before its milestones), then
// org id, then period.
func (db *DB) FindReports(ctx context.Context, f gongfu.ReportFilter) ([]*gongfu.Report, error) {
	var where []string
	var args []any
	if f.PlanID != 0 {
		where, args = append(where, "r.plan_id = ?"), append(args, f.PlanID)
	}
	if f.ItemID != "" {
		where, args = append(where, "r.item_key = ?"), append(args, f.ItemID)
	}
	if f.OrgID != 0 {
		where, args = append(where, "r.org_id = ?"), append(args, f.OrgID)
	}
	if f.Period != "" {
		where, args = append(where, "r.period = ?"), append(args, f.Period)
	}
	if f.Status != "" {
		where, args = append(where, "r.status = ?"), append(args, string(f.Status))
	}
	q := `SELECT ` + reportColumns + ` FROM reports r
		LEFT JOIN targets g ON g.id = r.target_id
		LEFT JOIN milestones m ON m.id = r.milestone_id
		JOIN tasks t ON t.id = COALESCE(g.task_id, m.task_id)
		JOIN domains d ON d.id = t.domain_id`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY r.plan_id, d.pos, t.pos, r.milestone_id IS NOT NULL, COALESCE(g.pos, m.pos), r.org_id, r.period`
	out := []*gongfu.Report{}
	err := db.inRead(ctx, func(tx *sql.Tx) error {
		return eachRow(ctx, tx, q, args, func(rows *sql.Rows) error {
			r, err := scanReport(rows)
			if err != nil {
				return err
			}
			out = append(out, r)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("find reports: %w", err)
	}
	return out, nil
}

// SaveReport creates or updates the figures of r in one write transaction
// with a "report.save" audit entry holding the old and new figures.
//
// The report becomes a draft, or stays submitted when r.Status is
// submitted (save and submit). A returned report keeps the reviewer's
// comment until it is submitted again. An approved report is locked:
// ECONFLICT until a coordinator reopens it. When expect ≥ 0 the stored
// version must equal it (0: the report must not exist yet); ECONFLICT
// otherwise. The item must be a target or milestone of the plan and the org
// must exist (ENOTFOUND otherwise). On success SaveReport sets r.Status,
// r.Comment, r.Version, r.UpdatedBy and r.UpdatedAt.
func (db *DB) SaveReport(ctx context.Context, r *gongfu.Report, expect int64) error {
	flags, err := checkSave(r)
	if err != nil {
		return err
	}
	now := db.now()
	var saved gongfu.Report
	err = db.inWrite(ctx, func(tx *sql.Tx) error {
		var err error
		saved, err = db.saveReport(ctx, tx, r, flags, expect, now, nil)
		return err
	})
	if err != nil {
		return fmt.Errorf("save report %s: %w", r.ReportKey, err)
	}
	setSaved(r, &saved)
	return nil
}

// SaveReports saves reps in one write transaction, each as SaveReport with
// expect -1 would (no version check, a "report.save" audit entry each), so
// that a spreadsheet import stores every row or none. Checks that need no
// database run first, for all reports. The first approved (locked) report
// stops the batch with ECONFLICT naming it; nothing is then written. A key
// given twice is saved twice, the later figures winning. On success each
// report's Status, Comment, Version, UpdatedBy and UpdatedAt are set; on
// failure none is touched.
func (db *DB) SaveReports(ctx context.Context, reps []*gongfu.Report) error {
	if len(reps) == 0 {
		return nil
	}
	flags := make([]string, len(reps))
	for i, r := range reps {
		var err error
		if flags[i], err = checkSave(r); err != nil {
			return inBatch(i, r, err)
		}
	}
	now := db.now()
	saved := make([]gongfu.Report, len(reps))
	cache := &saveCache{items: map[itemRef]planItemIDs{}, orgs: map[int64]bool{}}
	err := db.inWrite(ctx, func(tx *sql.Tx) error {
		for i, r := range reps {
			var err error
			if saved[i], err = db.saveReport(ctx, tx, r, flags[i], -1, now, cache); err != nil {
				if gongfu.ErrorCode(err) == gongfu.ECONFLICT {
					// Without a version check the only conflict is a lock.
					return gongfu.Failf(gongfu.ECONFLICT,
						"第 %[1]d 条报告（指标 %[2]s，单位 %[3]d，报告期 %[4]s）已审核锁定，需协调员重新打开；本次未保存任何报告",
						i+1, r.ItemID, r.OrgID, r.Period)
				}
				return inBatch(i, r, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("save %d reports: %w", len(reps), err)
	}
	for i, r := range reps {
		setSaved(r, &saved[i])
	}
	return nil
}

// inBatch names the i-th report of a batch in err's messages, keeping its
// code and details; an error that is not a *gongfu.Error is only wrapped.
func inBatch(i int, r *gongfu.Report, err error) error {
	var ge *gongfu.Error
	if !errors.As(err, &ge) {
		if r == nil {
			return fmt.Errorf("report %d: %w", i+1, err)
		}
		return fmt.Errorf("report %d (%s): %w", i+1, r.ReportKey, err)
	}
	out := *ge
	out.Details = append([]string(nil), ge.Details...)
	if r == nil {
		out.Message = fmt.Sprintf("第 %d 条：%s", i+1, ge.Message)
		out.MessageEN = fmt.Sprintf("report %d: %s", i+1, ge.MessageEN)
	} else {
		out.Message = fmt.Sprintf("第 %d 条（指标 %s，单位 %d，报告期 %s）：%s", i+1, r.ItemID, r.OrgID, r.Period, ge.Message)
		out.MessageEN = fmt.Sprintf("report %d (item %s, org %d, period %s): %s", i+1, r.ItemID, r.OrgID, r.Period, ge.MessageEN)
	}
	return &out
}

// checkSave runs the checks of a save that need no database and returns
// r's flags as the JSON array the flags column holds.
func checkSave(r *gongfu.Report) (string, error) {
	if r == nil {
		return "", gongfu.Failf(gongfu.EINVALID, "报告为空")
	}
	if err := r.ReportKey.Check(); err != nil {
		return "", err
	}
	if err := r.CheckStorable(); err != nil {
		return "", err
	}
	flags := r.Flags
	if flags == nil {
		flags = []string{}
	}
	fb, err := json.Marshal(flags)
	if err != nil {
		return "", fmt.Errorf("report flags: %w", err)
	}
	return string(fb), nil
}

// setSaved copies to r what a save decided.
func setSaved(r, saved *gongfu.Report) {
	r.Status, r.Comment, r.Version, r.UpdatedBy, r.UpdatedAt = saved.Status, saved.Comment, saved.Version, saved.UpdatedBy, saved.UpdatedAt
}

// itemRef names a plan item for saveCache.
type itemRef struct {
	plan int64
	key  string
}

// planItemIDs is what planItem found: the item's row in targets or in
// milestones (the other is nil).
type planItemIDs struct{ target, milestone any }

// saveCache remembers, within one transaction of many saves, the plan items
// and orgs already looked up, so that a batch of thousands of reports over
// a few dozen items and orgs does not repeat the same queries.
type saveCache struct {
	items map[itemRef]planItemIDs
	orgs  map[int64]bool
}

// saveReport creates or updates r inside tx with its audit entry, as
// SaveReport describes, and returns the stored report without touching r.
// flags is r.Flags as checkSave rendered them; cache may be nil.
func (db *DB) saveReport(ctx context.Context, tx *sql.Tx, r *gongfu.Report, flags string, expect int64, now time.Time, cache *saveCache) (gongfu.Report, error) {
	old, err := loadReport(ctx, tx, r.ReportKey)
	if errors.Is(err, sql.ErrNoRows) {
		old = nil
	} else if err != nil {
		return gongfu.Report{}, err
	}

	var targetID, milestoneID any
	if old == nil {
		if targetID, milestoneID, err = cache.planItem(ctx, tx, r.PlanID, r.ItemID); err != nil {
			return gongfu.Report{}, err
		}
		if err := cache.orgExists(ctx, tx, r.OrgID); err != nil {
			return gongfu.Report{}, err
		}
	}
	saved, err := gongfu.SaveOver(old, r, expect, gongfu.ActorName(ctx), now)
	if err != nil {
		return gongfu.Report{}, err
	}

	if old == nil {
		_, err = tx.ExecContext(ctx, `INSERT INTO reports (plan_id, item_key, target_id, milestone_id, org_id,
			period, value, numerator, denominator, stage, percent, note, reason, flags, status, comment,
			version, updated_by, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			saved.PlanID, saved.ItemID, targetID, milestoneID, saved.OrgID, saved.Period,
			nullFloat(saved.Value), nullFloat(saved.Numerator), nullFloat(saved.Denominator),
			string(saved.Stage), nullFloat(saved.Percent), saved.Note, saved.Reason, flags,
			string(saved.Status), saved.Comment, saved.Version, saved.UpdatedBy, formatTime(saved.UpdatedAt))
	} else {
		_, err = tx.ExecContext(ctx, `UPDATE reports SET value = ?, numerator = ?, denominator = ?,
			stage = ?, percent = ?, note = ?, reason = ?, flags = ?, status = ?, comment = ?,
			version = ?, updated_by = ?, updated_at = ?
			WHERE plan_id = ? AND item_key = ? AND org_id = ? AND period = ?`,
			nullFloat(saved.Value), nullFloat(saved.Numerator), nullFloat(saved.Denominator),
			string(saved.Stage), nullFloat(saved.Percent), saved.Note, saved.Reason, flags,
			string(saved.Status), saved.Comment, saved.Version, saved.UpdatedBy, formatTime(saved.UpdatedAt),
			saved.PlanID, saved.ItemID, saved.OrgID, saved.Period)
	}
	if err != nil {
		return gongfu.Report{}, err
	}
	oldJSON, err := gongfu.ReportAuditJSON(old)
	if err != nil {
		return gongfu.Report{}, err
	}
	newJSON, err := gongfu.ReportAuditJSON(&saved)
	if err != nil {
		return gongfu.Report{}, err
	}
	if _, err := db.appendAudit(ctx, tx, "report.save", saved.ReportKey.String(), oldJSON, newJSON, saved.Reason, "ok"); err != nil {
		return gongfu.Report{}, err
	}
	return saved, nil
}

// planItem is the package's planItem, remembered in c when c is not nil.
func (c *saveCache) planItem(ctx context.Context, q queryer, planID int64, key string) (targetID, milestoneID any, err error) {
	if c != nil {
		if ids, ok := c.items[itemRef{planID, key}]; ok {
			return ids.target, ids.milestone, nil
		}
	}
	if targetID, milestoneID, err = planItem(ctx, q, planID, key); err != nil {
		return nil, nil, err
	}
	if c != nil {
		c.items[itemRef{planID, key}] = planItemIDs{targetID, milestoneID}
	}
	return targetID, milestoneID, nil
}

// orgExists returns ENOTFOUND unless the org id exists, remembering the
// orgs found in c when c is not nil.
func (c *saveCache) orgExists(ctx context.Context, q queryer, id int64) error {
	if c != nil && c.orgs[id] {
		return nil
	}
	var one int
	err := q.QueryRowContext(ctx, `SELECT 1 FROM orgs WHERE id = ?`, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return gongfu.Failf(gongfu.ENOTFOUND, "单位 %d 不存在", id)
	} else if err != nil {
		return err
	}
	if c != nil {
		c.orgs[id] = true
	}
	return nil
}

// SetReportStatus moves the report k from one of from to status to in one
// write transaction, with a "report.<to>" audit entry (report.submitted,
// report.approved, report.returned, report.draft for a reopen) recording the
// old and new status and comment as its reason. Returning a report sets its
// comment; submitting or approving it clears the comment. ENOTFOUND when
// there is no report, ECONFLICT when it is not in one of from.
func (db *DB) SetReportStatus(ctx context.Context, k gongfu.ReportKey, from []gongfu.ReportStatus, to gongfu.ReportStatus, comment string) (*gongfu.Report, error) {
	if !to.Valid() {
		return nil, gongfu.Failf(gongfu.EINVALID, "状态 %q 无效", to)
	}
	now, actor := db.now(), gongfu.ActorName(ctx)
	var out *gongfu.Report
	err := db.inWrite(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = db.setStatus(ctx, tx, k, from, to, comment, actor, now)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("set report status %s: %w", k, err)
	}
	return out, nil
}

// SetReportStatuses moves many reports in one transaction (a coordinator
// approving a county's whole month): all move or, naming the first that
// cannot, none does.
func (db *DB) SetReportStatuses(ctx context.Context, keys []gongfu.ReportKey, from []gongfu.ReportStatus, to gongfu.ReportStatus, comment string) (int, error) {
	if !to.Valid() {
		return 0, gongfu.Failf(gongfu.EINVALID, "状态 %q 无效", to)
	}
	now, actor := db.now(), gongfu.ActorName(ctx)
	err := db.inWrite(ctx, func(tx *sql.Tx) error {
		for _, k := range keys {
			if _, err := db.setStatus(ctx, tx, k, from, to, comment, actor, now); err != nil {
				return fmt.Errorf("%s: %w", k, err)
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("set report statuses: %w", err)
	}
	return len(keys), nil
}

// setStatus moves one report within tx and audits it.
func (db *DB) setStatus(ctx context.Context, tx *sql.Tx, k gongfu.ReportKey, from []gongfu.ReportStatus, to gongfu.ReportStatus, comment, actor string, now time.Time) (*gongfu.Report, error) {
	old, err := loadReport(ctx, tx, k)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, gongfu.ReportNotFound(k)
	} else if err != nil {
		return nil, err
	}
	if !slices.Contains(from, old.Status) {
		return nil, gongfu.Failf(gongfu.ECONFLICT, "该报告当前状态为「%[1]s」，不能改为「%[2]s」",
			old.Status.Name(), to.Name(), old.Status, to)
	}
	newComment := old.Comment
	switch to {
	case gongfu.StatusReturned:
		newComment = comment
	case gongfu.StatusSubmitted, gongfu.StatusApproved:
		newComment = ""
	}
	if _, err := tx.ExecContext(ctx, `UPDATE reports SET status = ?, comment = ?, version = version + 1,
		updated_by = ?, updated_at = ?
		WHERE plan_id = ? AND item_key = ? AND org_id = ? AND period = ?`,
		string(to), newComment, actor, formatTime(now), k.PlanID, k.ItemID, k.OrgID, k.Period); err != nil {
		return nil, err
	}
	out, err := loadReport(ctx, tx, k)
	if err != nil {
		return nil, err
	}
	_, err = db.appendAudit(ctx, tx, "report."+string(to), k.String(), string(old.Status), string(to), comment, "ok")
	return out, err
}

// FindItemUnits returns the orgs answering for target or milestone itemID
// of plan planID: the lead unit first, then the others in the order the
// plan names them. ENOTFOUND when the plan has no such item.
func (db *DB) FindItemUnits(ctx context.Context, planID int64, itemID string) ([]gongfu.ItemUnit, error) {
	out := []gongfu.ItemUnit{}
	err := db.inRead(ctx, func(tx *sql.Tx) error {
		targetID, milestoneID, err := planItem(ctx, tx, planID, itemID)
		if err != nil {
			return err
		}
		// The unit tables have no position column; their rowid is the order
		// ImportPlan inserted them in, which is the plan's.
		q, id := `SELECT org_id, lead FROM target_units WHERE target_id = ? ORDER BY lead DESC, rowid`, targetID
		if milestoneID != nil {
			q, id = `SELECT org_id, lead FROM milestone_units WHERE milestone_id = ? ORDER BY lead DESC, rowid`, milestoneID
		}
		return eachRow(ctx, tx, q, []any{id}, func(rows *sql.Rows) error {
			var u gongfu.ItemUnit
			if err := rows.Scan(&u.OrgID, &u.Lead); err != nil {
				return err
			}
			out = append(out, u)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("find item units: %w", err)
	}
	return out, nil
}
