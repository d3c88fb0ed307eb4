package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"gongfu"

	"github.com/jackc/pgx/v5"
)

// SetSchedule stores or clears a target's planned schedule, with a
// "schedule.set" audit entry holding the old and new shares.
func (db *DB) SetSchedule(ctx context.Context, planID int64, itemID string, shares []float64) error {
	if err := gongfu.ValidateSchedule(shares); err != nil {
		return err
	}
	return db.inWrite(ctx, func(tx *wtx) error {
		var targetID int64
		err := tx.QueryRow(ctx, `SELECT id FROM targets WHERE plan_id = $1 AND key = $2`, planID, itemID).Scan(&targetID)
		if errors.Is(err, pgx.ErrNoRows) {
			return gongfu.Failf(gongfu.ENOTFOUND, "计划中没有指标 %s", itemID)
		} else if err != nil {
			return fmt.Errorf("find target %s: %w", itemID, err)
		}
		var old string
		err = tx.QueryRow(ctx, `SELECT shares FROM schedules WHERE plan_id = $1 AND item_key = $2`, planID, itemID).Scan(&old)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("find schedule: %w", err)
		}
		var newJSON string
		if len(shares) == 0 {
			if _, err := tx.Exec(ctx, `DELETE FROM schedules WHERE plan_id = $1 AND item_key = $2`, planID, itemID); err != nil {
				return fmt.Errorf("clear schedule: %w", err)
			}
		} else {
			b, err := json.Marshal(shares)
			if err != nil {
				return err
			}
			newJSON = string(b)
			if _, err := tx.Exec(ctx, `INSERT INTO schedules (plan_id, item_key, target_id, shares) VALUES ($1, $2, $3, $4)
				ON CONFLICT (plan_id, item_key) DO UPDATE SET shares = excluded.shares`, planID, itemID, targetID, newJSON); err != nil {
				return fmt.Errorf("save schedule: %w", err)
			}
		}
		_, err = db.appendAudit(ctx, tx, "schedule.set", fmt.Sprintf("schedule/%d/%s", planID, itemID), old, newJSON, "", "ok")
		return err
	})
}

// FindSchedules returns a plan's planned schedules by target id.
func (db *DB) FindSchedules(ctx context.Context, planID int64) (map[string][]float64, error) {
	out := map[string][]float64{}
	err := eachRow(ctx, db.pool, `SELECT item_key, shares FROM schedules WHERE plan_id = $1`, []any{planID}, func(rows pgx.Rows) error {
		var key, shares string
		if err := rows.Scan(&key, &shares); err != nil {
			return err
		}
		var s []float64
		if err := json.Unmarshal([]byte(shares), &s); err != nil {
			return fmt.Errorf("schedule %s: %w", key, err)
		}
		out[key] = s
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("find schedules: %w", translate(err))
	}
	return out, nil
}
