package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"gongfu"

	"github.com/jackc/pgx/v5"
)

// userColumns are the users columns a gongfu.User is read from, in the
// order scanUser expects; the table is aliased u. A password never changed
// counts from the account's creation.
const userColumns = `u.id, u.name, u.role, COALESCE(u.org_id, 0), u.password_hash, u.created_at,
	COALESCE(u.password_changed_at, u.created_at), u.totp_secret`

// userDest returns the Scan destinations of userColumns for u, and a
// function that finishes u once scanned.
func userDest(u *gongfu.User) ([]any, func()) {
	var role string
	return []any{&u.ID, &u.Name, &role, &u.OrgID, &u.PasswordHash, &u.CreatedAt, &u.PasswordChangedAt, &u.TOTPSecret},
		func() {
			u.Role = gongfu.Role(role)
			u.CreatedAt, u.PasswordChangedAt = u.CreatedAt.UTC(), u.PasswordChangedAt.UTC()
		}
}

// userExists returns ENOTFOUND unless the account exists.
func userExists(ctx context.Context, q querier, id int64) error {
	var one int
	err := q.QueryRow(ctx, `SELECT 1 FROM users WHERE id = $1`, id).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return gongfu.Failf(gongfu.ENOTFOUND, "用户 %d 不存在", id)
	}
	return err
}

// SetPassword replaces the password hash and records when, with a
// "user.password" audit entry that holds neither hash.
func (db *DB) SetPassword(ctx context.Context, userID int64, hash string) error {
	if hash == "" {
		return gongfu.Failf(gongfu.EINVALID, "缺少密码")
	}
	now := db.now()
	err := db.inWrite(ctx, func(tx *wtx) error {
		if err := userExists(ctx, tx, userID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET password_hash = $1, password_changed_at = $2 WHERE id = $3`,
			hash, now, userID); err != nil {
			return err
		}
		_, err := db.appendAudit(ctx, tx, "user.password", fmt.Sprintf("user/%d", userID), "", "", "", "ok")
		return err
	})
	if err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	return nil
}

// SetTOTP enrols (secret != "") or removes (secret == "") the second factor,
// replacing the recovery codes either way.
func (db *DB) SetTOTP(ctx context.Context, userID int64, secret string, recoveryHashes []string) error {
	if secret == "" && len(recoveryHashes) > 0 {
		return gongfu.Failf(gongfu.EINVALID, "未启用双因素认证时不能设置恢复码")
	}
	err := db.inWrite(ctx, func(tx *wtx) error {
		if err := userExists(ctx, tx, userID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET totp_secret = $1 WHERE id = $2`, secret, userID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM recovery_codes WHERE user_id = $1`, userID); err != nil {
			return err
		}
		for _, h := range recoveryHashes {
			_, err := tx.Exec(ctx, `INSERT INTO recovery_codes (user_id, hash) VALUES ($1, $2)`, userID, h)
			if isUnique(err) {
				return gongfu.Failf(gongfu.EINVALID, "恢复码重复")
			} else if err != nil {
				return err
			}
		}
		action, rec := "user.2fa.disable", ""
		if secret != "" {
			action, rec = "user.2fa.enrol", strconv.Itoa(len(recoveryHashes))+" recovery codes"
		}
		_, err := db.appendAudit(ctx, tx, action, fmt.Sprintf("user/%d", userID), "", rec, "", "ok")
		return err
	})
	if err != nil {
		return fmt.Errorf("set totp: %w", err)
	}
	return nil
}

// UseRecoveryCode marks the unused code with hash spent.
func (db *DB) UseRecoveryCode(ctx context.Context, userID int64, hash string) error {
	now := db.now()
	err := db.inWrite(ctx, func(tx *wtx) error {
		tag, err := tx.Exec(ctx, `UPDATE recovery_codes SET used_at = $1
			WHERE user_id = $2 AND hash = $3 AND used_at IS NULL`, now, userID, hash)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return gongfu.Failf(gongfu.ENOTFOUND, "恢复码无效或已使用")
		}
		var left int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL`,
			userID).Scan(&left); err != nil {
			return err
		}
		_, err = db.appendAudit(ctx, tx, "user.2fa.recovery", fmt.Sprintf("user/%d", userID), "",
			strconv.Itoa(left)+" left", "", "ok")
		return err
	})
	if err != nil {
		return fmt.Errorf("use recovery code: %w", err)
	}
	return nil
}

// SetUserRole changes the account's role, recording old and new.
func (db *DB) SetUserRole(ctx context.Context, userID int64, role gongfu.Role) error {
	if !role.Valid() {
		return gongfu.Failf(gongfu.EINVALID, "角色 %q 无效", role)
	}
	err := db.inWrite(ctx, func(tx *wtx) error {
		var old string
		var org int64
		err := tx.QueryRow(ctx, `SELECT role, COALESCE(org_id, 0) FROM users WHERE id = $1`, userID).Scan(&old, &org)
		if errors.Is(err, pgx.ErrNoRows) {
			return gongfu.Failf(gongfu.ENOTFOUND, "用户 %d 不存在", userID)
		} else if err != nil {
			return err
		}
		if role == gongfu.RoleReporter && org == 0 {
			return gongfu.Failf(gongfu.EINVALID, "填报员必须属于一个单位")
		}
		if old == string(role) {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET role = $1 WHERE id = $2`, string(role), userID); err != nil {
			return err
		}
		_, err = db.appendAudit(ctx, tx, "user.role", fmt.Sprintf("user/%d", userID), old, string(role), "", "ok")
		return err
	})
	if err != nil {
		return fmt.Errorf("set user role: %w", err)
	}
	return nil
}

// DeleteUserSessions ends every session of the user, with one
// "user.logout" entry saying how many when there were any.
func (db *DB) DeleteUserSessions(ctx context.Context, userID int64) error {
	err := db.inWrite(ctx, func(tx *wtx) error {
		return db.deleteUserSessions(ctx, tx, userID)
	})
	if err != nil {
		return fmt.Errorf("delete user sessions: %w", err)
	}
	return nil
}

// deleteUserSessions ends the user's sessions within tx; see
// DeleteUserSessions.
func (db *DB) deleteUserSessions(ctx context.Context, tx *wtx, userID int64) error {
	tag, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID)
	if err != nil {
		return err
	}
	n := tag.RowsAffected()
	if n == 0 {
		return nil
	}
	_, err = db.appendAudit(ctx, tx, "user.logout", fmt.Sprintf("user/%d", userID), "",
		strconv.FormatInt(n, 10)+" sessions ended", "", "ok")
	return err
}

// AppendEvent records a security event in the audit chain.
func (db *DB) AppendEvent(ctx context.Context, action, object, result string) error {
	if action == "" {
		return gongfu.Failf(gongfu.EINVALID, "安全事件缺少类型")
	}
	if result == "" {
		result = "ok"
	}
	err := db.inWrite(ctx, func(tx *wtx) error {
		_, err := db.appendAudit(ctx, tx, action, object, "", "", "", result)
		return err
	})
	if err != nil {
		return fmt.Errorf("append event: %w", err)
	}
	return nil
}
