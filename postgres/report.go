package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gongfu"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// reportColumns is the column list scanReport reads, from reports as r.
const reportColumns = `r.plan_id, r.item_key, r.org_id, r.period, r.value, r.numerator, r.denominator,
	r.stage, r.percent, r.note, r.reason, r.flags, r.status, r.comment, r.version, r.updated_by, r.updated_at`

// scanReport reads one reports row selected with reportColumns.
func scanReport(s pgx.Row) (*gongfu.Report, error) {
	var r gongfu.Report
	var stage, flags, status string
	if err := s.Scan(&r.PlanID, &r.ItemID, &r.OrgID, &r.Period, &r.Value, &r.Numerator, &r.Denominator,
		&stage, &r.Percent, &r.Note, &r.Reason, &flags, &status, &r.Comment, &r.Version, &r.UpdatedBy, &r.UpdatedAt); err != nil {
		return nil, err
	}
	r.Stage, r.Status = gongfu.Stage(stage), gongfu.ReportStatus(status)
	if err := json.Unmarshal([]byte(flags), &r.Flags); err != nil {
		return nil, fmt.Errorf("report flags: %w", err)
	}
	if len(r.Flags) == 0 {
		r.Flags = nil
	}
	r.UpdatedAt = r.UpdatedAt.UTC()
	return &r, nil
}

// loadReport reads the report k; pgx.ErrNoRows when there is none.
func loadReport(ctx context.Context, q querier, k gongfu.ReportKey) (*gongfu.Report, error) {
	return scanReport(q.QueryRow(ctx, `SELECT `+reportColumns+` FROM reports r
		WHERE r.plan_id = $1 AND r.item_key = $2 AND r.org_id = $3 AND r.period = $4`,
		k.PlanID, k.ItemID, k.OrgID, k.Period))
}

// planItem finds the target or milestone key of plan planID and returns the
// id of its row in targets or in milestones (the other is nil); ENOTFOUND
// when the plan has no such item.
func planItem(ctx context.Context, q querier, planID int64, key string) (targetID, milestoneID any, err error) {
	var id int64
	err = q.QueryRow(ctx, `SELECT id FROM targets WHERE plan_id = $1 AND key = $2`, planID, key).Scan(&id)
	if err == nil {
		return id, nil, nil
	} else if !errors.Is(err, pgx.ErrNoRows) {
		return nil, nil, err
	}
	err = q.QueryRow(ctx, `SELECT id FROM milestones WHERE plan_id = $1 AND key = $2`, planID, key).Scan(&id)
	if err == nil {
		return nil, id, nil
	} else if !errors.Is(err, pgx.ErrNoRows) {
		return nil, nil, err
	}
	return nil, nil, gongfu.Failf(gongfu.ENOTFOUND, "计划 %d 中没有指标或工作节点 %q", planID, key)
}

// FindReport returns the report k, ENOTFOUND when none was made.
func (db *DB) FindReport(ctx context.Context, k gongfu.ReportKey) (*gongfu.Report, error) {
	r, err := loadReport(ctx, db.pool, k)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, gongfu.ReportNotFound(k)
	} else if err != nil {
		return nil, fmt.Errorf("find report: %w", translate(err))
	}
	return r, nil
}

// FindReports returns the reports matching f in plan order: by plan, then
// item as the plan lists them (a task's targets before its milestones), then
// org id, then period.
func (db *DB) FindReports(ctx context.Context, f gongfu.ReportFilter) ([]*gongfu.Report, error) {
	var where []string
	var args params
	if f.PlanID != 0 {
		where = append(where, "r.plan_id = "+args.add(f.PlanID))
	}
	if f.ItemID != "" {
		where = append(where, "r.item_key = "+args.add(f.ItemID))
	}
	if f.OrgID != 0 {
		where = append(where, "r.org_id = "+args.add(f.OrgID))
	}
	if f.Period != "" {
		where = append(where, "r.period = "+args.add(f.Period))
	}
	if f.Status != "" {
		where = append(where, "r.status = "+args.add(string(f.Status)))
	}
	q := `SELECT ` + reportColumns + ` FROM reports r
		LEFT JOIN targets g ON g.id = r.target_id
		LEFT JOIN milestones m ON m.id = r.milestone_id
		JOIN tasks t ON t.id = COALESCE(g.task_id, m.task_id)
		JOIN domains d ON d.id = t.domain_id`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY r.plan_id, d.pos, t.pos, r.milestone_id IS NOT NULL, COALESCE(g.pos, m.pos), r.org_id, r.period COLLATE "C"`
	out := []*gongfu.Report{}
	err := eachRow(ctx, db.pool, q, args, func(rows pgx.Rows) error {
		r, err := scanReport(rows)
		if err != nil {
			return err
		}
		out = append(out, r)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("find reports: %w", translate(err))
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
	err = db.inWrite(ctx, func(tx *wtx) error {
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
	err := db.inWrite(ctx, func(tx *wtx) error {
		cache := &saveCache{items: map[itemRef]planItemIDs{}, orgs: map[int64]bool{}}
		for i, r := range reps {
			var err error
			if saved[i], err = db.saveReport(ctx, tx, r, flags[i], -1, now, cache); err != nil {
				if retryable(err) {
					return err // inWrite runs the batch again
				}
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
// A driver error is translated first, so that a NUL in a note, say, is
// EINVALID naming its row; the driver error stays behind it for logs.
func inBatch(i int, r *gongfu.Report, err error) error {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		pe = nil
	}
	err = translate(err)
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
	if pe != nil {
		return &wrapped{e: &out, cause: pe}
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
func (db *DB) saveReport(ctx context.Context, tx *wtx, r *gongfu.Report, flags string, expect int64, now time.Time, cache *saveCache) (gongfu.Report, error) {
	old, err := loadReport(ctx, tx, r.ReportKey)
	if errors.Is(err, pgx.ErrNoRows) {
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
		_, err = tx.Exec(ctx, `INSERT INTO reports (plan_id, item_key, target_id, milestone_id, org_id,
			period, value, numerator, denominator, stage, percent, note, reason, flags, status, comment,
			version, updated_by, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)`,
			saved.PlanID, saved.ItemID, targetID, milestoneID, saved.OrgID, saved.Period,
			saved.Value, saved.Numerator, saved.Denominator,
			string(saved.Stage), saved.Percent, saved.Note, saved.Reason, flags,
			string(saved.Status), saved.Comment, saved.Version, saved.UpdatedBy, saved.UpdatedAt)
	} else {
		_, err = tx.Exec(ctx, `UPDATE reports SET value = $1, numerator = $2, denominator = $3,
			stage = $4, percent = $5, note = $6, reason = $7, flags = $8, status = $9, comment = $10,
			version = $11, updated_by = $12, updated_at = $13
			WHERE plan_id = $14 AND item_key = $15 AND org_id = $16 AND period = $17`,
			saved.Value, saved.Numerator, saved.Denominator,
			string(saved.Stage), saved.Percent, saved.Note, saved.Reason, flags,
			string(saved.Status), saved.Comment, saved.Version, saved.UpdatedBy, saved.UpdatedAt,
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
func (c *saveCache) planItem(ctx context.Context, q querier, planID int64, key string) (targetID, milestoneID any, err error) {
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
func (c *saveCache) orgExists(ctx context.Context, q querier, id int64) error {
	if c != nil && c.orgs[id] {
		return nil
	}
	var one int
	err := q.QueryRow(ctx, `SELECT 1 FROM orgs WHERE id = $1`, id).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
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
	err := db.inWrite(ctx, func(tx *wtx) error {
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
	err := db.inWrite(ctx, func(tx *wtx) error {
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
func (db *DB) setStatus(ctx context.Context, tx *wtx, k gongfu.ReportKey, from []gongfu.ReportStatus, to gongfu.ReportStatus, comment, actor string, now time.Time) (*gongfu.Report, error) {
	old, err := loadReport(ctx, tx, k)
	if errors.Is(err, pgx.ErrNoRows) {
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
	out, err := scanReport(tx.QueryRow(ctx, `UPDATE reports r SET status = $1, comment = $2, version = version + 1,
		updated_by = $3, updated_at = $4
		WHERE plan_id = $5 AND item_key = $6 AND org_id = $7 AND period = $8
		RETURNING `+reportColumns,
		string(to), newComment, actor, now, k.PlanID, k.ItemID, k.OrgID, k.Period))
	if err != nil {
		return nil, err
	}
	_, err = db.appendAudit(ctx, tx, "report."+string(to), k.String(), string(old.Status), string(to), comment, "ok")
	return out, err
}

// FindItemUnits returns the orgs answering for target or milestone itemID
// of plan planID: the lead unit first, then the others in the order the
// plan (or the last SetItemUnits) names them. ENOTFOUND when the plan has
// no such item.
func (db *DB) FindItemUnits(ctx context.Context, planID int64, itemID string) ([]gongfu.ItemUnit, error) {
	var out []gongfu.ItemUnit
	err := db.inRead(ctx, func(tx pgx.Tx) error {
		targetID, milestoneID, err := planItem(ctx, tx, planID, itemID)
		if err != nil {
			return err
		}
		out, err = itemUnits(ctx, tx, targetID, milestoneID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("find item units: %w", err)
	}
	return out, nil
}

// unitTable names the table and column holding the units of the item that
// planItem found, and the item's id in it.
func unitTable(targetID, milestoneID any) (table, col string, id any) {
	if milestoneID != nil {
		return "milestone_units", "milestone_id", milestoneID
	}
	return "target_units", "target_id", targetID
}

// itemUnits reads the units of the item planItem found, lead first, then
// in pos order.
func itemUnits(ctx context.Context, q querier, targetID, milestoneID any) ([]gongfu.ItemUnit, error) {
	table, col, id := unitTable(targetID, milestoneID)
	out := []gongfu.ItemUnit{}
	err := eachRow(ctx, q, `SELECT org_id, lead FROM `+table+` WHERE `+col+` = $1 ORDER BY lead DESC, pos`, []any{id},
		func(rows pgx.Rows) error {
			var u gongfu.ItemUnit
			if err := rows.Scan(&u.OrgID, &u.Lead); err != nil {
				return err
			}
			out = append(out, u)
			return nil
		})
	return out, err
}
