package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"gongfu"

	"github.com/jackc/pgx/v5"
)

// FindPlanSettings returns a plan's settings or the defaults.
func (db *DB) FindPlanSettings(ctx context.Context, planID int64) (gongfu.PlanSettings, error) {
	s, err := planSettings(ctx, db.pool, planID)
	return s, translate(err)
}

// planSettings reads a plan's settings; ENOTFOUND when there is no plan.
// One query, so that it needs no transaction to be consistent.
func planSettings(ctx context.Context, q querier, planID int64) (gongfu.PlanSettings, error) {
	s := gongfu.DefaultPlanSettings()
	var freq *string
	var deadline *int
	var green, yellow, level *float64
	err := q.QueryRow(ctx, `SELECT s.frequency, s.deadline_day, s.green_within, s.yellow_within, s.level_tolerance
		FROM plans p LEFT JOIN plan_settings s ON s.plan_id = p.id WHERE p.id = $1`, planID).
		Scan(&freq, &deadline, &green, &yellow, &level)
	if errors.Is(err, pgx.ErrNoRows) {
		return s, gongfu.Failf(gongfu.ENOTFOUND, "找不到计划 %d", planID)
	} else if err != nil {
		return s, fmt.Errorf("find plan settings: %w", err)
	}
	if freq == nil {
		return s, nil // no row: the defaults
	}
	s.Frequency, s.DeadlineDay = gongfu.Frequency(*freq), *deadline
	s.GreenWithin, s.YellowWithin, s.LevelTolerance = *green, *yellow, *level
	return s, nil
}

// SetPlanSettings stores a plan's settings with an audit entry.
func (db *DB) SetPlanSettings(ctx context.Context, planID int64, s gongfu.PlanSettings) error {
	if err := s.Validate(); err != nil {
		return err
	}
	return db.inWrite(ctx, func(tx *wtx) error {
		old, err := planSettings(ctx, tx, planID)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO plan_settings (plan_id, frequency, deadline_day, green_within, yellow_within, level_tolerance)
			VALUES ($1, $2, $3, $4, $5, $6)
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
