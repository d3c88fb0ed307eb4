package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"gongfu"

	"github.com/jackc/pgx/v5"
)

// CreateUser stores u with an "user.create" audit entry and sets u.ID and
// u.CreatedAt. The entry records name, role and org, never the password hash.
func (db *DB) CreateUser(ctx context.Context, u *gongfu.User) error {
	if u == nil {
		return gongfu.Failf(gongfu.EINVALID, "用户为空")
	}
	if err := u.Validate(); err != nil {
		return err
	}
	now := db.now()
	var id int64
	err := db.inWrite(ctx, func(tx *wtx) error {
		if u.OrgID != 0 {
			var one int
			err := tx.QueryRow(ctx, `SELECT 1 FROM orgs WHERE id = $1`, u.OrgID).Scan(&one)
			if errors.Is(err, pgx.ErrNoRows) {
				return gongfu.Failf(gongfu.EINVALID, "用户所属单位 %d 不存在", u.OrgID)
			} else if err != nil {
				return err
			}
		}
		err := tx.QueryRow(ctx, `INSERT INTO users (name, role, org_id, password_hash, created_at, password_changed_at)
			VALUES ($1, $2, $3, $4, $5, $5) RETURNING id`,
			u.Name, string(u.Role), nullID(u.OrgID), u.PasswordHash, now).Scan(&id)
		if isUnique(err) {
			return gongfu.Failf(gongfu.ECONFLICT, "用户名 %q 已被使用", u.Name)
		} else if err != nil {
			return err
		}
		rec, err := json.Marshal(struct {
			Name  string      `json:"name"`
			Role  gongfu.Role `json:"role"`
			OrgID int64       `json:"org_id,omitempty"`
		}{u.Name, u.Role, u.OrgID})
		if err != nil {
			return err
		}
		_, err = db.appendAudit(ctx, tx, "user.create", fmt.Sprintf("user/%d", id), "", string(rec), "", "ok")
		return err
	})
	if err != nil {
		return fmt.Errorf("create user: %w", err)
	}
	u.ID, u.CreatedAt, u.PasswordChangedAt = id, now, now
	return nil
}

// FindUserByName returns the account named name, ENOTFOUND when none.
func (db *DB) FindUserByName(ctx context.Context, name string) (*gongfu.User, error) {
	return db.findUser(ctx, `u.name = $1`, name)
}

// FindUserByID returns the account with id, ENOTFOUND when none.
func (db *DB) FindUserByID(ctx context.Context, id int64) (*gongfu.User, error) {
	return db.findUser(ctx, `u.id = $1`, id)
}

// findUser reads the one user matching where.
func (db *DB) findUser(ctx context.Context, where string, arg any) (*gongfu.User, error) {
	var u gongfu.User
	dest, finish := userDest(&u)
	err := db.pool.QueryRow(ctx, `SELECT `+userColumns+` FROM users u WHERE `+where, arg).Scan(dest...)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, gongfu.Failf(gongfu.ENOTFOUND, "用户 %v 不存在", arg)
	} else if err != nil {
		return nil, fmt.Errorf("find user: %w", translate(err))
	}
	finish()
	return &u, nil
}
