package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"gongfu"

	"github.com/jackc/pgx/v5"
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
	return db.inWrite(ctx, func(tx *wtx) error {
		var targetID int64
		err := tx.QueryRow(ctx, `SELECT id FROM targets WHERE plan_id = $1 AND key = $2`, planID, itemID).Scan(&targetID)
		if errors.Is(err, pgx.ErrNoRows) {
			return gongfu.Failf(gongfu.ENOTFOUND, "计划中没有指标 %s", itemID)
		} else if err != nil {
			return fmt.Errorf("find target %s: %w", itemID, err)
		}
		old, err := findQuotas(ctx, tx, planID, itemID)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM quotas WHERE plan_id = $1 AND item_key = $2`, planID, itemID); err != nil {
			return fmt.Errorf("clear quotas: %w", err)
		}
		for _, q := range quotas {
			var kind string
			err := tx.QueryRow(ctx, `SELECT kind FROM orgs WHERE id = $1`, q.OrgID).Scan(&kind)
			if errors.Is(err, pgx.ErrNoRows) {
				return gongfu.Failf(gongfu.ENOTFOUND, "找不到组织 %d", q.OrgID)
			} else if err != nil {
				return fmt.Errorf("find org: %w", err)
			}
			if !gongfu.OrgKind(kind).IsArea() {
				return gongfu.Failf(gongfu.EINVALID, "配额只能分给地区，不能分给部门")
			}
			if _, err := tx.Exec(ctx, `INSERT INTO quotas (plan_id, item_key, target_id, org_id, value) VALUES ($1, $2, $3, $4, $5)`,
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
	out, err := findQuotas(ctx, db.pool, planID, itemID)
	return out, translate(err)
}

func findQuotas(ctx context.Context, q querier, planID int64, itemID string) ([]gongfu.Quota, error) {
	var args params
	where := "q.plan_id = " + args.add(planID)
	if itemID != "" {
		where += " AND q.item_key = " + args.add(itemID)
	}
	out := []gongfu.Quota{}
	err := eachRow(ctx, q, `SELECT q.plan_id, q.item_key, q.org_id, q.value
		FROM quotas q JOIN targets g ON g.id = q.target_id
		JOIN tasks t ON t.id = g.task_id JOIN domains d ON d.id = t.domain_id
		WHERE `+where+`
		ORDER BY d.pos, t.pos, g.pos, q.org_id`, args, func(rows pgx.Rows) error {
		var x gongfu.Quota
		if err := rows.Scan(&x.PlanID, &x.ItemID, &x.OrgID, &x.Value); err != nil {
			return fmt.Errorf("scan quota: %w", err)
		}
		out = append(out, x)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("find quotas: %w", err)
	}
	return out, nil
}
