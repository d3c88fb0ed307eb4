package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"gongfu"
)

// Compile-time check: the server keeps its logins in the same database.
var _ gongfu.SessionService = (*DB)(nil)

// CreateSession stores s, with a "user.login" audit entry (by the session's
// user unless ctx names another actor), and removes
// sessions that have expired (so the table does not grow without bound).
// The audit entry names the user, never the session id.
func (db *DB) CreateSession(ctx context.Context, s *gongfu.Session) error {
	if err := s.Check(); err != nil {
		return err
	}
	err := db.inWrite(ctx, func(tx *sql.Tx) error {
		return db.createSession(ctx, tx, s)
	})
	if err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	return nil
}

// ReplaceUserSessions ends the other sessions of s's user and stores s in
// one transaction (see gongfu.SessionService).
func (db *DB) ReplaceUserSessions(ctx context.Context, s *gongfu.Session) error {
	if err := s.Check(); err != nil {
		return err
	}
	err := db.inWrite(ctx, func(tx *sql.Tx) error {
		if err := db.deleteUserSessions(ctx, tx, s.UserID); err != nil {
			return err
		}
		return db.createSession(ctx, tx, s)
	})
	if err != nil {
		return fmt.Errorf("replace sessions: %w", err)
	}
	return nil
}

// createSession stores s within tx; see CreateSession.
func (db *DB) createSession(ctx context.Context, tx *sql.Tx, s *gongfu.Session) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= ?`, formatTime(db.now())); err != nil {
		return err
	}
	var name string
	err := tx.QueryRowContext(ctx, `SELECT name FROM users WHERE id = ?`, s.UserID).Scan(&name)
	if errors.Is(err, sql.ErrNoRows) {
		return gongfu.Failf(gongfu.EINVALID, "用户 %d 不存在", s.UserID)
	} else if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO sessions (id, user_id, created_at, expires_at, last_seen)
		VALUES (?, ?, ?, ?, ?)`,
		s.ID, s.UserID, formatTime(s.CreatedAt), formatTime(s.ExpiresAt), formatTime(s.LastSeen))
	if isUnique(err) {
		return gongfu.Failf(gongfu.ECONFLICT, "会话已存在")
	} else if err != nil {
		return err
	}
	if gongfu.ActorFrom(ctx) == nil {
		ctx = gongfu.WithActor(ctx, &gongfu.User{ID: s.UserID, Name: name})
	}
	_, err = db.appendAudit(ctx, tx, "user.login", fmt.Sprintf("user/%d", s.UserID), "",
		"expires "+s.ExpiresAt.UTC().Format(time.RFC3339), "", "ok")
	return err
}

// FindSession returns the session with id and its user; ENOTFOUND when there
// is none or it expired by the store's clock (db.Now). Idle timeouts are the
// caller's to check against LastSeen.
func (db *DB) FindSession(ctx context.Context, id string) (*gongfu.Session, *gongfu.User, error) {
	var s gongfu.Session
	var u gongfu.User
	var created, expires, seen, userCreated, changed, role string
	err := db.inRead(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT s.id, s.user_id, s.created_at, s.expires_at, s.last_seen, `+userColumns+`
			FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = ?`, id).
			Scan(&s.ID, &s.UserID, &created, &expires, &seen,
				&u.ID, &u.Name, &role, &u.OrgID, &u.PasswordHash, &userCreated, &changed, &u.TOTPSecret)
	})
	notFound := gongfu.Failf(gongfu.ENOTFOUND, "会话不存在或已过期")
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, notFound
	} else if err != nil {
		return nil, nil, fmt.Errorf("find session: %w", err)
	}
	if err := finishUser(&u, role, userCreated, changed); err != nil {
		return nil, nil, fmt.Errorf("find session: %w", err)
	}
	for _, f := range []struct {
		dst *time.Time
		src string
	}{{&s.CreatedAt, created}, {&s.ExpiresAt, expires}, {&s.LastSeen, seen}} {
		if *f.dst, err = parseTime(f.src); err != nil {
			return nil, nil, fmt.Errorf("find session: %w", err)
		}
	}
	if !db.now().Before(s.ExpiresAt) {
		return nil, nil, notFound
	}
	return &s, &u, nil
}

// TouchSession records activity on the session at t; ENOTFOUND when there is
// no such session. It writes no audit entry: it happens on every request.
func (db *DB) TouchSession(ctx context.Context, id string, t time.Time) error {
	var n int64
	err := db.inWrite(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE sessions SET last_seen = ? WHERE id = ?`, formatTime(t), id)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return fmt.Errorf("touch session: %w", err)
	}
	if n == 0 {
		return gongfu.Failf(gongfu.ENOTFOUND, "会话不存在或已过期")
	}
	return nil
}

// DeleteSession ends the session (logout, or expiry noticed by the caller)
// with a "user.logout" audit entry, by the session's user unless ctx names
// another actor. Deleting a session that is already gone
// succeeds and records nothing, so two logouts racing do not fail.
func (db *DB) DeleteSession(ctx context.Context, id string) error {
	err := db.inWrite(ctx, func(tx *sql.Tx) error {
		var userID int64
		var name string
		err := tx.QueryRowContext(ctx, `SELECT s.user_id, u.name FROM sessions s JOIN users u ON u.id = s.user_id
			WHERE s.id = ?`, id).Scan(&userID, &name)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		} else if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE id = ?`, id); err != nil {
			return err
		}
		if gongfu.ActorFrom(ctx) == nil {
			ctx = gongfu.WithActor(ctx, &gongfu.User{ID: userID, Name: name})
		}
		_, err = db.appendAudit(ctx, tx, "user.logout", fmt.Sprintf("user/%d", userID), "", "", "", "ok")
		return err
	})
	if err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}
