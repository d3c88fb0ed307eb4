package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"gongfu"

	"github.com/jackc/pgx/v5"
)

// CreateNotices stores notices in one transaction, each with an audit
// entry, and then sets their ids and creation fields.
func (db *DB) CreateNotices(ctx context.Context, ns []*gongfu.Notice) error {
	for _, n := range ns {
		if n == nil || strings.TrimSpace(n.Text) == "" || len([]rune(n.Text)) > 4000 || n.Kind == "" {
			return gongfu.Failf(gongfu.EINVALID, "通知内容无效")
		}
	}
	now := db.now()
	actor := gongfu.ActorName(ctx)
	ids := make([]int64, len(ns))
	err := db.inWrite(ctx, func(tx *wtx) error {
		for i, n := range ns {
			err := tx.QueryRow(ctx, `INSERT INTO notices (org_id, plan_id, period, kind, text, created_by, created_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
				n.OrgID, n.PlanID, n.Period, n.Kind, n.Text, actor, now).Scan(&ids[i])
			if err != nil {
				return fmt.Errorf("insert notice: %w", err)
			}
			if _, err := db.appendAudit(ctx, tx, "notice."+n.Kind, fmt.Sprintf("org/%d", n.OrgID), "", n.Text, "", "ok"); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for i, n := range ns {
		n.ID, n.CreatedAt, n.CreatedBy = ids[i], now, actor
	}
	return nil
}

// FindNotices returns an org's notices, newest first.
func (db *DB) FindNotices(ctx context.Context, orgID int64, limit int) ([]*gongfu.Notice, error) {
	if limit <= 0 || limit > 500 {
		limit = 500
	}
	out := []*gongfu.Notice{}
	err := eachRow(ctx, db.pool, `SELECT id, org_id, plan_id, period, kind, text, created_by, created_at
		FROM notices WHERE org_id = $1 ORDER BY id DESC LIMIT $2`, []any{orgID, limit}, func(rows pgx.Rows) error {
		var n gongfu.Notice
		if err := rows.Scan(&n.ID, &n.OrgID, &n.PlanID, &n.Period, &n.Kind, &n.Text, &n.CreatedBy, &n.CreatedAt); err != nil {
			return err
		}
		n.CreatedAt = n.CreatedAt.UTC()
		out = append(out, &n)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("find notices: %w", translate(err))
	}
	return out, nil
}

// AddAttachment stores evidence on an existing, unlocked report.
func (db *DB) AddAttachment(ctx context.Context, a *gongfu.Attachment) error {
	if a == nil || a.Name == "" || len([]rune(a.Name)) > 255 || len(a.Data) == 0 {
		return gongfu.Failf(gongfu.EINVALID, "附件缺少文件名或内容")
	}
	sum := sha256.Sum256(a.Data)
	a.SHA256, a.Size = hex.EncodeToString(sum[:]), int64(len(a.Data))
	a.CreatedAt, a.CreatedBy = db.now(), gongfu.ActorName(ctx)
	var id int64
	err := db.inWrite(ctx, func(tx *wtx) error {
		var reportID int64
		var status string
		err := tx.QueryRow(ctx, `SELECT id, status FROM reports WHERE plan_id = $1 AND item_key = $2 AND org_id = $3 AND period = $4`,
			a.Key.PlanID, a.Key.ItemID, a.Key.OrgID, a.Key.Period).Scan(&reportID, &status)
		if errors.Is(err, pgx.ErrNoRows) {
			return gongfu.Failf(gongfu.ENOTFOUND, "请先保存填报数据，再上传附件")
		} else if err != nil {
			return fmt.Errorf("find report: %w", err)
		}
		if gongfu.ReportStatus(status) == gongfu.StatusApproved {
			return gongfu.Failf(gongfu.ECONFLICT, "该期已审核锁定，不能再上传附件")
		}
		if err := tx.QueryRow(ctx, `INSERT INTO attachments (report_id, name, content_type, size, sha256, data, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
			reportID, a.Name, a.ContentType, a.Size, a.SHA256, a.Data, a.CreatedBy, a.CreatedAt).Scan(&id); err != nil {
			return fmt.Errorf("insert attachment: %w", err)
		}
		meta, _ := json.Marshal(map[string]any{"id": id, "name": a.Name, "type": a.ContentType, "size": a.Size, "sha256": a.SHA256})
		_, err = db.appendAudit(ctx, tx, "attachment.add", a.Key.String(), "", string(meta), "", "ok")
		return err
	})
	if err != nil {
		return err
	}
	a.ID = id
	return nil
}

const attachmentColumns = `a.id, r.plan_id, r.item_key, r.org_id, r.period, a.name, a.content_type, a.size, a.sha256, a.created_by, a.created_at`

func scanAttachment(s pgx.Row, data *[]byte) (*gongfu.Attachment, error) {
	var a gongfu.Attachment
	dest := []any{&a.ID, &a.Key.PlanID, &a.Key.ItemID, &a.Key.OrgID, &a.Key.Period, &a.Name, &a.ContentType, &a.Size, &a.SHA256, &a.CreatedBy, &a.CreatedAt}
	if data != nil {
		dest = append(dest, data)
	}
	if err := s.Scan(dest...); err != nil {
		return nil, err
	}
	a.CreatedAt = a.CreatedAt.UTC()
	return &a, nil
}

// FindAttachments lists a report's attachments, oldest first, without data.
func (db *DB) FindAttachments(ctx context.Context, k gongfu.ReportKey) ([]*gongfu.Attachment, error) {
	out := []*gongfu.Attachment{}
	err := eachRow(ctx, db.pool, `SELECT `+attachmentColumns+` FROM attachments a JOIN reports r ON r.id = a.report_id
		WHERE r.plan_id = $1 AND r.item_key = $2 AND r.org_id = $3 AND r.period = $4 ORDER BY a.id`,
		[]any{k.PlanID, k.ItemID, k.OrgID, k.Period}, func(rows pgx.Rows) error {
			a, err := scanAttachment(rows, nil)
			if err != nil {
				return err
			}
			out = append(out, a)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("find attachments: %w", translate(err))
	}
	return out, nil
}

// FindAttachment returns one attachment with its bytes.
func (db *DB) FindAttachment(ctx context.Context, id int64) (*gongfu.Attachment, error) {
	var data []byte
	a, err := scanAttachment(db.pool.QueryRow(ctx, `SELECT `+attachmentColumns+`, a.data FROM attachments a
		JOIN reports r ON r.id = a.report_id WHERE a.id = $1`, id), &data)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, gongfu.Failf(gongfu.ENOTFOUND, "找不到该附件")
	} else if err != nil {
		return nil, fmt.Errorf("find attachment %d: %w", id, translate(err))
	}
	a.Data = data
	return a, nil
}

// SetItemUnits replaces who answers for a target or milestone: the lead
// first, then the others in the order given, which pos keeps.
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
	return db.inWrite(ctx, func(tx *wtx) error {
		targetID, milestoneID, err := planItem(ctx, tx, planID, itemID)
		if err != nil {
			return err
		}
		old, err := itemUnits(ctx, tx, targetID, milestoneID)
		if err != nil {
			return err
		}
		table, col, id := unitTable(targetID, milestoneID)
		if _, err := tx.Exec(ctx, `DELETE FROM `+table+` WHERE `+col+` = $1`, id); err != nil {
			return fmt.Errorf("clear units: %w", err)
		}
		for i, u := range ordered {
			var kind string
			err := tx.QueryRow(ctx, `SELECT kind FROM orgs WHERE id = $1`, u.OrgID).Scan(&kind)
			if errors.Is(err, pgx.ErrNoRows) {
				return gongfu.Failf(gongfu.ENOTFOUND, "找不到组织 %d", u.OrgID)
			} else if err != nil {
				return err
			}
			if gongfu.OrgKind(kind) != gongfu.OrgDepartment {
				return gongfu.Failf(gongfu.EINVALID, "责任单位应为部门")
			}
			if _, err := tx.Exec(ctx, `INSERT INTO `+table+` (`+col+`, org_id, lead, pos) VALUES ($1, $2, $3, $4)`,
				id, u.OrgID, u.Lead, i); err != nil {
				return fmt.Errorf("insert unit: %w", err)
			}
		}
		oldJSON, _ := json.Marshal(old)
		newJSON, _ := json.Marshal(ordered)
		_, err = db.appendAudit(ctx, tx, "units.set", fmt.Sprintf("item/%d/%s", planID, itemID), string(oldJSON), string(newJSON), "", "ok")
		return err
	})
}
