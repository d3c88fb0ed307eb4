package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"gongfu"

	"github.com/jackc/pgx/v5"
)

// maxPublishItems bounds one SetPublished call: no plan holds more items.
const maxPublishItems = gongfu.MaxPlanItems

// SetPublished publishes or withdraws plan items in one write transaction
// with one "plan.publish" or "plan.unpublish" audit entry holding the
// published list before and after. Every id must name a target or milestone
// of the plan; the first that does not makes it ENOTFOUND and nothing is
// written.
func (db *DB) SetPublished(ctx context.Context, planID int64, itemIDs []string, published bool) error {
	if len(itemIDs) == 0 {
		return nil
	}
	if len(itemIDs) > maxPublishItems {
		return gongfu.Failf(gongfu.ETOOLARGE, "一次最多公开 %d 项", maxPublishItems)
	}
	action := "plan.publish"
	if !published {
		action = "plan.unpublish"
	}
	err := db.inWrite(ctx, func(tx *wtx) error {
		old, err := findPublished(ctx, tx, planID)
		if err != nil {
			return err
		}
		now := db.now()
		for _, key := range itemIDs {
			targetID, milestoneID, err := planItem(ctx, tx, planID, key)
			if err != nil {
				return err
			}
			if published {
				_, err = tx.Exec(ctx, `INSERT INTO published_items (plan_id, item_key, target_id, milestone_id, published_at)
					VALUES ($1, $2, $3, $4, $5) ON CONFLICT (plan_id, item_key) DO NOTHING`,
					planID, key, targetID, milestoneID, now)
			} else {
				_, err = tx.Exec(ctx, `DELETE FROM published_items WHERE plan_id = $1 AND item_key = $2`, planID, key)
			}
			if err != nil {
				return fmt.Errorf("%s %s: %w", action, key, err)
			}
		}
		cur, err := findPublished(ctx, tx, planID)
		if err != nil {
			return err
		}
		a, _ := json.Marshal(old)
		b, _ := json.Marshal(cur)
		_, err = db.appendAudit(ctx, tx, action, fmt.Sprintf("plan/%d/published", planID), string(a), string(b), "", "ok")
		return err
	})
	if err != nil {
		return fmt.Errorf("set published: %w", err)
	}
	return nil
}

// FindPublished returns the ids of a plan's published items: its targets in
// plan order, then its milestones in plan order.
func (db *DB) FindPublished(ctx context.Context, planID int64) ([]string, error) {
	var out []string
	err := db.inRead(ctx, func(tx pgx.Tx) error {
		var err error
		out, err = findPublished(ctx, tx, planID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("find published: %w", err)
	}
	return out, nil
}

// findPublished is FindPublished inside tx; ENOTFOUND for an unknown plan.
// The order comes from the items' positions in the plan, not from ids.
func findPublished(ctx context.Context, q querier, planID int64) ([]string, error) {
	var n int
	if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM plans WHERE id = $1`, planID).Scan(&n); err != nil {
		return nil, fmt.Errorf("find plan: %w", err)
	}
	if n == 0 {
		return nil, gongfu.Failf(gongfu.ENOTFOUND, "找不到计划 %d", planID)
	}
	out := []string{}
	err := eachRow(ctx, q, `SELECT p.item_key FROM published_items p
		LEFT JOIN targets g ON g.id = p.target_id
		LEFT JOIN milestones m ON m.id = p.milestone_id
		JOIN tasks t ON t.id = COALESCE(g.task_id, m.task_id)
		JOIN domains d ON d.id = t.domain_id
		WHERE p.plan_id = $1
		ORDER BY p.target_id IS NULL, d.pos, t.pos, COALESCE(g.pos, m.pos)`, []any{planID},
		func(rows pgx.Rows) error {
			var k string
			if err := rows.Scan(&k); err != nil {
				return err
			}
			out = append(out, k)
			return nil
		})
	return out, err
}
