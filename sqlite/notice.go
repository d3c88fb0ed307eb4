package sqlite

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"gongfu"
)

// CreateNotices stores notices in one transaction, each with an audit entry.
func (db *DB) CreateNotices(ctx context.Context, ns []*gongfu.Notice) error {
	for _, n := range ns {
		if strings.TrimSpace(n.Text) == "" || len([]rune(n.Text)) > 4000 || n.Kind == "" {
			return gongfu.Failf(gongfu.EINVALID, "通知内容无效")
		}
	}
	now := db.now()
	actor := gongfu.ActorName(ctx)
	return db.inWrite(ctx, func(tx *sql.Tx) error {
		for _, n := range ns {
			n.CreatedAt, n.CreatedBy = now, actor
			res, err := tx.ExecContext(ctx, `INSERT INTO notices (org_id, plan_id, period, kind, text, created_by, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?)`, n.OrgID, n.PlanID, n.Period, n.Kind, n.Text, n.CreatedBy, formatTime(now))
			if err != nil {
				return fmt.Errorf("insert notice: %w", err)
			}
			if n.ID, err = res.LastInsertId(); err != nil {
				return err
			}
			if _, err := db.appendAudit(ctx, tx, "notice."+n.Kind, fmt.Sprintf("org/%d", n.OrgID), "", n.Text, "", "ok"); err != nil {
				return err
			}
		}
		return nil
	})
}

// FindNotices returns an org's notices, newest first.
func (db *DB) FindNotices(ctx context.Context, orgID int64, limit int) ([]*gongfu.Notice, error) {
	if limit <= 0 || limit > 500 {
		limit = 500
	}
	out := []*gongfu.Notice{}
	err := db.inRead(ctx, func(tx *sql.Tx) error {
		return eachRow(ctx, tx, `SELECT id, org_id, plan_id, period, kind, text, created_by, created_at
			FROM notices WHERE org_id = ? ORDER BY id DESC LIMIT ?`, []any{orgID, limit}, func(rows *sql.Rows) error {
			var n gongfu.Notice
			var at string
			if err := rows.Scan(&n.ID, &n.OrgID, &n.PlanID, &n.Period, &n.Kind, &n.Text, &n.CreatedBy, &at); err != nil {
				return err
			}
			t, err := parseTime(at)
			if err != nil {
				return err
			}
			n.CreatedAt = t
			out = append(out, &n)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("find notices: %w", err)
	}
	return out, nil
}

// AddAttachment stores evidence on an existing, unlocked report.
func (db *DB) AddAttachment(ctx context.Context, a *gongfu.Attachment) error {
	if a.Name == "" || len([]rune(a.Name)) > 255 || len(a.Data) == 0 {
		return gongfu.Failf(gongfu.EINVALID, "附件缺少文件名或内容")
	}
	sum := sha256.Sum256(a.Data)
	a.SHA256, a.Size = hex.EncodeToString(sum[:]), int64(len(a.Data))
	a.CreatedAt, a.CreatedBy = db.now(), gongfu.ActorName(ctx)
	return db.inWrite(ctx, func(tx *sql.Tx) error {
		var reportID int64
		var status string
		err := tx.QueryRowContext(ctx, `SELECT id, status FROM reports WHERE plan_id = ? AND item_key = ? AND org_id = ? AND period = ?`,
			a.Key.PlanID, a.Key.ItemID, a.Key.OrgID, a.Key.Period).Scan(&reportID, &status)
		if errors.Is(err, sql.ErrNoRows) {
			return gongfu.Failf(gongfu.ENOTFOUND, "请先保存填报数据，再上传附件")
		} else if err != nil {
			return fmt.Errorf("find report: %w", err)
		}
		if gongfu.ReportStatus(status) == gongfu.StatusApproved {
			return gongfu.Failf(gongfu.ECONFLICT, "该期已审核锁定，不能再上传附件")
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO attachments (report_id, name, content_type, size, sha256, data, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, reportID, a.Name, a.ContentType, a.Size, a.SHA256, a.Data, a.CreatedBy, formatTime(a.CreatedAt))
		if err != nil {
			return fmt.Errorf("insert attachment: %w", err)
		}
		if a.ID, err = res.LastInsertId(); err != nil {
			return err
		}
		meta, _ := json.Marshal(map[string]any{"id": a.ID, "name": a.Name, "type": a.ContentType, "size": a.Size, "sha256": a.SHA256})
		_, err = db.appendAudit(ctx, tx, "attachment.add", a.Key.String(), "", string(meta), "", "ok")
		return err
	})
}

const attachmentColumns = `a.id, r.plan_id, r.item_key, r.org_id, r.period, a.name, a.content_type, a.size, a.sha256, a.created_by, a.created_at`

func scanAttachment(s interface{ Scan(...any) error }, data *[]byte) (*gongfu.Attachment, error) {
	var a gongfu.Attachment
	var at string
	dest := []any{&a.ID, &a.Key.PlanID, &a.Key.ItemID, &a.Key.OrgID, &a.Key.Period, &a.Name, &a.ContentType, &a.Size, &a.SHA256, &a.CreatedBy, &at}
	if data != nil {
		dest = append(dest, data)
	}
	if err := s.Scan(dest...); err != nil {
		return nil, err
	}
	t, err := parseTime(at)
	if err != nil {
		return nil, err
	}
	a.CreatedAt = t
	return &a, nil
}

// FindAttachments lists a report's attachments, oldest first, without data.
func (db *DB) FindAttachments(ctx context.Context, k gongfu.ReportKey) ([]*gongfu.Attachment, error) {
	out := []*gongfu.Attachment{}
	err := db.inRead(ctx, func(tx *sql.Tx) error {
		return eachRow(ctx, tx, `SELECT `+attachmentColumns+` FROM attachments a JOIN reports r ON r.id = a.report_id
			WHERE r.plan_id = ? AND r.item_key = ? AND r.org_id = ? AND r.period = ? ORDER BY a.id`,
			[]any{k.PlanID, k.ItemID, k.OrgID, k.Period}, func(rows *sql.Rows) error {
				a, err := scanAttachment(rows, nil)
				if err != nil {
					return err
				}
				out = append(out, a)
				return nil
			})
	})
	if err != nil {
		return nil, fmt.Errorf("find attachments: %w", err)
	}
	return out, nil
}

// FindAttachment returns one attachment with its bytes.
func (db *DB) FindAttachment(ctx context.Context, id int64) (*gongfu.Attachment, error) {
	var a *gongfu.Attachment
	err := db.inRead(ctx, func(tx *sql.Tx) error {
		var data []byte
		var err error
		a, err = scanAttachment(tx.QueryRowContext(ctx, `SELECT `+attachmentColumns+`, a.data FROM attachments a
			JOIN reports r ON r.id = a.report_id WHERE a.id = ?`, id), &data)
		if errors.Is(err, sql.ErrNoRows) {
			return gongfu.Failf(gongfu.ENOTFOUND, "找不到该附件")
		} else if err != nil {
			return fmt.Errorf("find attachment %d: %w", id, err)
		}
		a.Data = data
		return nil
	})
	return a, err
}

// SetItemUnits replaces who answers for a target or milestone.
func (db *DB) SetItemUnits(ctx context.Context, planID int64, itemID string, units []gongfu.ItemUnit) error {
	leads := 0
	seen := map[int64]bool{}
	for _, u := range units {
		if u.Lead {
			leads++
		}
		if seen[u.OrgID] {
			return gongfu.Failf(gongfu.EINVALID, "责任单位重复")
		}
		seen[u.OrgID] = true
	}
	if leads != 1 {
		return gongfu.Failf(gongfu.EINVALID, "须有且只有一个牵头单位")
	}
	return db.inWrite(ctx, func(tx *sql.Tx) error {
		targetID, milestoneID, err := planItem(ctx, tx, planID, itemID)
		if err != nil {
			return err
		}
		table, col, id := "target_units", "target_id", targetID
		if milestoneID != nil {
			table, col, id = "milestone_units", "milestone_id", milestoneID
		}
		var old []gongfu.ItemUnit
		err = eachRow(ctx, tx, `SELECT org_id, lead FROM `+table+` WHERE `+col+` = ? ORDER BY lead DESC, rowid`, []any{id}, func(rows *sql.Rows) error {
			var u gongfu.ItemUnit
			if err := rows.Scan(&u.OrgID, &u.Lead); err != nil {
				return err
			}
			old = append(old, u)
			return nil
		})
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE `+col+` = ?`, id); err != nil {
			return fmt.Errorf("clear units: %w", err)
		}
		// The lead goes first so that rowid order keeps it first.
		ordered := make([]gongfu.ItemUnit, 0, len(units))
		for _, u := range units {
			if u.Lead {
				ordered = append(ordered, u)
			}
		}
		for _, u := range units {
			if !u.Lead {
				ordered = append(ordered, u)
			}
		}
		for _, u := range ordered {
			var kind string
			err := tx.QueryRowContext(ctx, `SELECT kind FROM orgs WHERE id = ?`, u.OrgID).Scan(&kind)
			if errors.Is(err, sql.ErrNoRows) {
				return gongfu.Failf(gongfu.ENOTFOUND, "找不到组织 %d", u.OrgID)
			} else if err != nil {
				return err
			}
			if gongfu.OrgKind(kind) != gongfu.OrgDepartment {
				return gongfu.Failf(gongfu.EINVALID, "责任单位应为部门")
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO `+table+` (`+col+`, org_id, lead) VALUES (?, ?, ?)`, id, u.OrgID, u.Lead); err != nil {
				return fmt.Errorf("insert unit: %w", err)
			}
		}
		oldJSON, _ := json.Marshal(old)
		newJSON, _ := json.Marshal(ordered)
		_, err = db.appendAudit(ctx, tx, "units.set", fmt.Sprintf("item/%d/%s", planID, itemID), string(oldJSON), string(newJSON), "", "ok")
		return err
	})
}
