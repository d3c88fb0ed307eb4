package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"gongfu"
)

// SetQuotas replaces the county quotas of one target in one transaction and
// records the old and new split in the audit trail.
func (db *DB) SetQuotas(ctx context.Context, planID int64, itemID string, quotas []gongfu.Quota) error {
	seen := map[int64]bool{}
	for _, q := range quotas {
		if q.PlanID != 0 && q.PlanID != planID || q.ItemID != "" && q.ItemID != itemID {
			return gongfu.Failf(gongfu.EINVALID, "配额不属于指标 %s", itemID)
		}
		if math.IsNaN(q.Value) || math.IsInf(q.Value, 0) || q.Value < 0 {
			return gongfu.Failf(gongfu.EINVALID, "配额应为非负数")
		}
		if seen[q.OrgID] {
			return gongfu.Failf(gongfu.EINVALID, "同一地区的配额重复")
		}
		seen[q.OrgID] = true
	}
	return db.inWrite(ctx, func(tx *sql.Tx) error {
		var targetID int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM targets WHERE plan_id = ? AND key = ?`, planID, itemID).Scan(&targetID)
		if errors.Is(err, sql.ErrNoRows) {
			return gongfu.Failf(gongfu.ENOTFOUND, "计划中没有指标 %s", itemID)
		} else if err != nil {
			return fmt.Errorf("find target %s: %w", itemID, err)
		}
		old, err := findQuotas(ctx, tx, planID, itemID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM quotas WHERE plan_id = ? AND item_key = ?`, planID, itemID); err != nil {
			return fmt.Errorf("clear quotas: %w", err)
		}
		for _, q := range quotas {
			var kind string
			err := tx.QueryRowContext(ctx, `SELECT kind FROM orgs WHERE id = ?`, q.OrgID).Scan(&kind)
			if errors.Is(err, sql.ErrNoRows) {
				return gongfu.Failf(gongfu.ENOTFOUND, "找不到组织 %d", q.OrgID)
			} else if err != nil {
				return fmt.Errorf("find org: %w", err)
			}
			if !gongfu.OrgKind(kind).IsArea() {
				return gongfu.Failf(gongfu.EINVALID, "配额只能分给地区，不能分给部门")
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO quotas (plan_id, item_key, target_id, org_id, value) VALUES (?, ?, ?, ?, ?)`,
				planID, itemID, targetID, q.OrgID, q.Value); err != nil {
				return fmt.Errorf("insert quota: %w", err)
			}
		}
		oldJSON, _ := json.Marshal(old)
		newJSON, _ := json.Marshal(quotas)
		_, err = db.appendAudit(ctx, tx, "quota.set", fmt.Sprintf("quota/%d/%s", planID, itemID), string(oldJSON), string(newJSON), "", "ok")
		return err
	})
}

// FindQuotas returns a plan's quotas, of one target when itemID is set, in
// plan order and then org id.
func (db *DB) FindQuotas(ctx context.Context, planID int64, itemID string) ([]gongfu.Quota, error) {
	var out []gongfu.Quota
	err := db.inRead(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = findQuotas(ctx, tx, planID, itemID)
		return err
	})
	return out, err
}

func findQuotas(ctx context.Context, tx *sql.Tx, planID int64, itemID string) ([]gongfu.Quota, error) {
	rows, err := tx.QueryContext(ctx, `
		SELECT q.plan_id, q.item_key, q.org_id, q.value
		FROM quotas q JOIN targets t ON t.id = q.target_id
		WHERE q.plan_id = ? AND (? = '' OR q.item_key = ?)
		ORDER BY t.id, q.org_id`, planID, itemID, itemID)
	if err != nil {
		return nil, fmt.Errorf("find quotas: %w", err)
	}
	defer rows.Close()
	out := []gongfu.Quota{}
	for rows.Next() {
		var q gongfu.Quota
		if err := rows.Scan(&q.PlanID, &q.ItemID, &q.OrgID, &q.Value); err != nil {
			return nil, fmt.Errorf("scan quota: %w", err)
		}
		out = append(out, q)
	}
	return out, rows.Err()
}
