package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"gongfu"
)

// FindPlanSettings returns a plan's settings or the defaults.
func (db *DB) FindPlanSettings(ctx context.Context, planID int64) (gongfu.PlanSettings, error) {
	s := gongfu.DefaultPlanSettings()
	err := db.inRead(ctx, func(tx *sql.Tx) error {
		var err error
		s, err = planSettings(ctx, tx, planID)
		return err
	})
	return s, err
}

func planSettings(ctx context.Context, tx *sql.Tx, planID int64) (gongfu.PlanSettings, error) {
	s := gongfu.DefaultPlanSettings()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM plans WHERE id = ?`, planID).Scan(&n); err != nil {
		return s, fmt.Errorf("find plan: %w", err)
	}
	if n == 0 {
		return s, gongfu.Failf(gongfu.ENOTFOUND, "找不到计划 %d", planID)
	}
	var freq string
	err := tx.QueryRowContext(ctx, `SELECT frequency, deadline_day, green_within, yellow_within, level_tolerance
		FROM plan_settings WHERE plan_id = ?`, planID).Scan(&freq, &s.DeadlineDay, &s.GreenWithin, &s.YellowWithin, &s.LevelTolerance)
	if errors.Is(err, sql.ErrNoRows) {
		return gongfu.DefaultPlanSettings(), nil
	} else if err != nil {
		return s, fmt.Errorf("find plan settings: %w", err)
	}
	s.Frequency = gongfu.Frequency(freq)
	return s, nil
}

// SetPlanSettings stores a plan's settings with an audit entry.
func (db *DB) SetPlanSettings(ctx context.Context, planID int64, s gongfu.PlanSettings) error {
	if err := s.Validate(); err != nil {
		return err
	}
	return db.inWrite(ctx, func(tx *sql.Tx) error {
		old, err := planSettings(ctx, tx, planID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO plan_settings (plan_id, frequency, deadline_day, green_within, yellow_within, level_tolerance)
			VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (plan_id) DO UPDATE SET frequency = excluded.frequency, deadline_day = excluded.deadline_day,
				green_within = excluded.green_within, yellow_within = excluded.yellow_within, level_tolerance = excluded.level_tolerance`,
			planID, string(s.Frequency), s.DeadlineDay, s.GreenWithin, s.YellowWithin, s.LevelTolerance); err != nil {
			return fmt.Errorf("save plan settings: %w", err)
		}
		a, _ := json.Marshal(old)
		b, _ := json.Marshal(s)
		_, err = db.appendAudit(ctx, tx, "plan.settings", fmt.Sprintf("plan/%d", planID), string(a), string(b), "", "ok")
		return err
	})
}
