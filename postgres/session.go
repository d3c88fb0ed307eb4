package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gongfu"

	"github.com/jackc/pgx/v5"
)

// Compile-time check: the server keeps its logins in the same database.
var _ gongfu.SessionService = (*DB)(nil)

// CreateSession stores s, with a "user.login" audit entry (by the session's
// user unless ctx names another actor), and removes sessions that have
// expired (so the table does not grow without bound). The audit entry names
// the user, never the session id. Its times are kept to the microsecond.
func (db *DB) CreateSession(ctx context.Context, s *gongfu.Session) error {
	if err := s.Check(); err != nil {
		return err
	}
	err := db.inWrite(ctx, func(tx *wtx) error {
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
	err := db.inWrite(ctx, func(tx *wtx) error {
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
func (db *DB) createSession(ctx context.Context, tx *wtx, s *gongfu.Session) error {
	if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE expires_at <= $1`, db.now()); err != nil {
		return err
	}
	var name string
	err := tx.QueryRow(ctx, `SELECT name FROM users WHERE id = $1`, s.UserID).Scan(&name)
	if errors.Is(err, pgx.ErrNoRows) {
		return gongfu.Failf(gongfu.EINVALID, "用户 %d 不存在", s.UserID)
	} else if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO sessions (id, user_id, created_at, expires_at, last_seen)
		VALUES ($1, $2, $3, $4, $5)`,
		s.ID, s.UserID, s.CreatedAt, s.ExpiresAt, s.LastSeen)
	if isUnique(err) {
		return gongfu.Failf(gongfu.ECONFLICT, "会话已存在")
	} else if err != nil {
		return err
	}
	actx := ctx
	if gongfu.ActorFrom(ctx) == nil {
		actx = gongfu.WithActor(ctx, &gongfu.User{ID: s.UserID, Name: name})
	}
	_, err = db.appendAudit(actx, tx, "user.login", fmt.Sprintf("user/%d", s.UserID), "",
		"expires "+s.ExpiresAt.UTC().Format(time.RFC3339), "", "ok")
	return err
}

// FindSession returns the session with id and its user; ENOTFOUND when there
// is none or it expired by the store's clock (db.Now). Idle timeouts are the
// caller's to check against LastSeen.
func (db *DB) FindSession(ctx context.Context, id string) (*gongfu.Session, *gongfu.User, error) {
	var s gongfu.Session
	var u gongfu.User
	dest, finish := userDest(&u)
	err := db.pool.QueryRow(ctx, `SELECT s.id, s.user_id, s.created_at, s.expires_at, s.last_seen, `+userColumns+`
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = $1`, id).
		Scan(append([]any{&s.ID, &s.UserID, &s.CreatedAt, &s.ExpiresAt, &s.LastSeen}, dest...)...)
	notFound := gongfu.Failf(gongfu.ENOTFOUND, "会话不存在或已过期")
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil, notFound
	} else if err != nil {
		return nil, nil, fmt.Errorf("find session: %w", translate(err))
	}
	finish()
	s.CreatedAt, s.ExpiresAt, s.LastSeen = s.CreatedAt.UTC(), s.ExpiresAt.UTC(), s.LastSeen.UTC()
	if !db.now().Before(s.ExpiresAt) {
		return nil, nil, notFound
	}
	return &s, &u, nil
}

// TouchSession records activity on the session at t; ENOTFOUND when there is
// no such session. It writes no audit entry: it happens on every request,
// and so it is one statement that does not take the writers' lock.
func (db *DB) TouchSession(ctx context.Context, id string, t time.Time) error {
	tag, err := db.pool.Exec(ctx, `UPDATE sessions SET last_seen = $1 WHERE id = $2`, t, id)
	if err != nil {
		return fmt.Errorf("touch session: %w", translate(err))
	}
	if tag.RowsAffected() == 0 {
		return gongfu.Failf(gongfu.ENOTFOUND, "会话不存在或已过期")
	}
	return nil
}

// DeleteSession ends the session (logout, or expiry noticed by the caller)
// with a "user.logout" audit entry, by the session's user unless ctx names
// another actor. Deleting a session that is already gone succeeds and
// records nothing, so two logouts racing do not fail.
func (db *DB) DeleteSession(ctx context.Context, id string) error {
	err := db.inWrite(ctx, func(tx *wtx) error {
		var userID int64
		var name string
		err := tx.QueryRow(ctx, `SELECT s.user_id, u.name FROM sessions s JOIN users u ON u.id = s.user_id
			WHERE s.id = $1`, id).Scan(&userID, &name)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		} else if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE id = $1`, id); err != nil {
			return err
		}
		actx := ctx
		if gongfu.ActorFrom(ctx) == nil {
			actx = gongfu.WithActor(ctx, &gongfu.User{ID: userID, Name: name})
		}
		_, err = db.appendAudit(actx, tx, "user.logout", fmt.Sprintf("user/%d", userID), "", "", "", "ok")
		return err
	})
	if err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}
