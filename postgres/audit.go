package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gongfu"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// Limits of FindAudit: the page size when the caller gives none, and the
// most one call returns, so that a careless caller cannot load the whole
// trail into memory. Callers page with after.
const (
	defaultAuditLimit = 100
	maxAuditLimit     = 1000
)

// verifyBatch is how many entries VerifyAudit holds in memory at a time.
const verifyBatch = 1000

// appendAudit adds the entry recording a change to the chain, inside the
// write transaction of that change, so that the change and its record commit
// or vanish together. The previous (seq, hash) is the chain_head row that
// tx locked, not the last row of audit_log: were the newest entries deleted,
// the next entry still links to the deleted one and the gap stays visible.
// The head row itself is written once, before the commit (wtx.saveHead).
func (db *DB) appendAudit(ctx context.Context, tx *wtx, action, object, old, new, reason, result string) (*gongfu.AuditEntry, error) {
	if !tx.maxKnown {
		// Also past any row written behind the store's back, so that the
		// insert below cannot collide with it and block every later change;
		// the mismatch is left for VerifyAudit to report.
		if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(seq), 0) FROM audit_log`).Scan(&tx.maxSeq); err != nil {
			return nil, fmt.Errorf("audit head: %w", err)
		}
		tx.maxKnown = true
	}
	e := &gongfu.AuditEntry{
		Seq:    max(tx.headSeq, tx.maxSeq) + 1,
		At:     db.now(),
		Actor:  gongfu.ActorName(ctx),
		Action: action,
		Object: object,
		Old:    old,
		New:    new,
		Reason: reason,
		Result: gongfu.AuditResult(ctx, result),
		Prev:   tx.headHash,
	}
	e.Hash = e.ComputeHash()
	if _, err := tx.Exec(ctx, `INSERT INTO audit_log
		(seq, at, actor, action, object, old, new, reason, result, prev, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		e.Seq, e.At.Format(time.RFC3339Nano), e.Actor, e.Action, e.Object,
		e.Old, e.New, e.Reason, e.Result, e.Prev, e.Hash); err != nil {
		return nil, fmt.Errorf("append audit: %w", err)
	}
	tx.headSeq, tx.headHash, tx.maxSeq, tx.moved = e.Seq, e.Hash, e.Seq, true
	return e, nil
}

// FindAudit returns the entries with Seq > after in order, at most limit of
// them; limit <= 0 means 100 and no call returns more than 1000.
func (db *DB) FindAudit(ctx context.Context, after int64, limit int) ([]gongfu.AuditEntry, error) {
	if limit <= 0 {
		limit = defaultAuditLimit
	}
	limit = min(limit, maxAuditLimit)
	rows, err := queryAudit(ctx, db.pool, after, limit)
	if err != nil {
		return nil, fmt.Errorf("find audit: %w", translate(err))
	}
	out := make([]gongfu.AuditEntry, 0, len(rows))
	for _, r := range rows {
		e, ok := r.entry()
		if !ok {
			return nil, fmt.Errorf("find audit: %w",
				gongfu.Failf(gongfu.EINVALID, "审计记录第 %d 条已损坏", r.seq))
		}
		out = append(out, e)
	}
	return out, nil
}

// VerifyAudit walks the whole chain in one read snapshot, checking
// sequence, links and hashes with gongfu.VerifyChain, then that the last
// entry is the recorded head. It returns the first broken sequence number
// and an EINVALID error naming it, or 0 and nil.
func (db *DB) VerifyAudit(ctx context.Context) (int64, error) {
	var broken int64
	err := db.inRead(ctx, func(tx pgx.Tx) error {
		var headSeq int64
		var headHash string
		err := tx.QueryRow(ctx, `SELECT seq, hash FROM chain_head WHERE id = 1`).Scan(&headSeq, &headHash)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		var prevSeq int64
		var prevHash string
		for {
			rows, err := queryAudit(ctx, tx, prevSeq, verifyBatch)
			if err != nil {
				return err
			}
			if len(rows) == 0 {
				break
			}
			batch := make([]gongfu.AuditEntry, 0, len(rows))
			damaged := false
			for _, r := range rows {
				e, ok := r.entry()
				if !ok {
					// A row whose fields no longer read (a NULL, a time that
					// does not parse) is as broken as a wrong hash: check what
					// comes before it, then stop here.
					damaged = true
					break
				}
				batch = append(batch, e)
			}
			if seq, ok := gongfu.VerifyChain(batch, prevHash, prevSeq); !ok {
				broken = seq
				return nil
			}
			if damaged {
				broken = prevSeq + int64(len(batch)) + 1
				return nil
			}
			last := batch[len(batch)-1]
			prevSeq, prevHash = last.Seq, last.Hash
			if len(rows) < verifyBatch {
				break
			}
		}
		switch {
		case prevSeq != headSeq:
			// Entries missing at the end (prevSeq < headSeq) or rows beyond
			// the head that the store never wrote (prevSeq > headSeq).
			broken = min(prevSeq, headSeq) + 1
		case prevHash != headHash:
			broken = prevSeq
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("verify audit: %w", err)
	}
	if broken != 0 {
		return broken, gongfu.Failf(gongfu.EINVALID,
			"审计记录自第 %d 条起被篡改或删除", broken)
	}
	return 0, nil
}

// auditRow is an audit_log row as stored. The fields are nullable so that a
// row edited behind the store's back is reported as broken, not as an
// internal error.
type auditRow struct {
	seq                                                       int64
	at, actor, action, object, old, new, reason, result, prev pgtype.Text
	hash                                                      pgtype.Text
}

// entry converts the row, false when a field is NULL or the time is not
// RFC 3339.
func (r *auditRow) entry() (gongfu.AuditEntry, bool) {
	for _, f := range []pgtype.Text{r.at, r.actor, r.action, r.object, r.old, r.new, r.reason, r.result, r.prev, r.hash} {
		if !f.Valid {
			return gongfu.AuditEntry{}, false
		}
	}
	at, err := time.Parse(time.RFC3339Nano, r.at.String)
	if err != nil {
		return gongfu.AuditEntry{}, false
	}
	return gongfu.AuditEntry{
		Seq: r.seq, At: at.UTC(), Actor: r.actor.String, Action: r.action.String,
		Object: r.object.String, Old: r.old.String, New: r.new.String,
		Reason: r.reason.String, Result: r.result.String, Prev: r.prev.String, Hash: r.hash.String,
	}, true
}

// queryAudit reads up to limit rows with seq > after, in order.
func queryAudit(ctx context.Context, q querier, after int64, limit int) ([]auditRow, error) {
	var out []auditRow
	err := eachRow(ctx, q, `SELECT seq, at, actor, action, object, old, new, reason, result, prev, hash
		FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2`, []any{after, limit},
		func(rows pgx.Rows) error {
			var r auditRow
			if err := rows.Scan(&r.seq, &r.at, &r.actor, &r.action, &r.object, &r.old, &r.new,
				&r.reason, &r.result, &r.prev, &r.hash); err != nil {
				return err
			}
			out = append(out, r)
			return nil
		})
	return out, err
}

// AuditHead returns the newest entry's sequence number (0 when empty).
func (db *DB) AuditHead(ctx context.Context) (int64, error) {
	var seq int64
	err := db.pool.QueryRow(ctx, `SELECT seq FROM chain_head WHERE id = 1`).Scan(&seq)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	} else if err != nil {
		return 0, fmt.Errorf("audit head: %w", translate(err))
	}
	return seq, nil
}
