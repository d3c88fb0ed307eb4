package gongfu

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// AuditEntry is one change in the append-only audit trail. Entries are
// hash-chained: each Hash covers the entry's fields and the previous entry's
// Hash, so editing or deleting any stored entry breaks every hash after it and
// `gongfu audit verify` names the first broken one. Statistical falsification
// (数据造假) worries supervision offices; the chain makes quiet rewrites visible.
type AuditEntry struct {
	Seq    int64     `json:"seq"`
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Action string    `json:"action"` // e.g. "plan.import", "report.submit"
	Object string    `json:"object"` // what changed, e.g. "plan/1", "report/1/1.1/3/2020-05"
	Old    string    `json:"old"`    // the value before, as JSON or text; "" when created
	New    string    `json:"new"`    // the value after; "" when deleted
	Reason string    `json:"reason"`
	Result string    `json:"result"` // "ok" or why it failed, for security events
	Prev   string    `json:"prev"`
	Hash   string    `json:"hash"`
}

// ComputeHash returns the SHA-256 over the entry's fields and Prev, each
// length-prefixed so that no two different entries serialise alike. Both
// stores call it, so their chains verify the same way.
func (e *AuditEntry) ComputeHash() string {
	var b strings.Builder
	for _, f := range []string{
		strconv.FormatInt(e.Seq, 10),
		e.At.UTC().Format(time.RFC3339Nano),
		e.Actor, e.Action, e.Object, e.Old, e.New, e.Reason, e.Result, e.Prev,
	} {
		b.WriteString(strconv.Itoa(len(f)))
		b.WriteByte(':')
		b.WriteString(f)
	}
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:])
}

// VerifyChain checks entries in order: consecutive sequence numbers, each
// Prev equal to the previous Hash, each Hash recomputed. It returns the
// sequence number of the first broken entry and false, or 0 and true.
func VerifyChain(entries []AuditEntry, prevHash string, prevSeq int64) (int64, bool) {
	for i := range entries {
		e := &entries[i]
		if e.Seq != prevSeq+1 || e.Prev != prevHash || e.ComputeHash() != e.Hash {
			return prevSeq + 1, false
		}
		prevHash, prevSeq = e.Hash, e.Seq
	}
	return 0, true
}

// AuditService reads and verifies the audit trail. Entries are written by the
// stores themselves, inside the transaction of the change they record.
type AuditService interface {
	// FindAudit returns entries with Seq > after, at most limit of them.
	FindAudit(ctx context.Context, after int64, limit int) ([]AuditEntry, error)
	// VerifyAudit walks the whole chain; it returns the first broken
	// sequence number and an error naming it, or 0 and nil when it holds.
	VerifyAudit(ctx context.Context) (int64, error)
	// AuditHead returns the sequence number of the newest entry. Every
	// change writes an entry, so it is a change counter: a cache keyed by
	// it is never stale.
	AuditHead(ctx context.Context) (int64, error)
	// AppendEvent records a security event that changes no stored data —
	// a failed login, a lockout, an export — in the same chain: date and
	// time (At), type (action), subject (the actor of ctx), object and
	// result. There is no method to edit or delete entries: the trail is
	// kept whole, which meets 等保's six months and more, and a hash chain
	// cannot be pruned without breaking verification.
	AppendEvent(ctx context.Context, action, object, result string) error
}

type requestIDKey struct{}

// WithRequestID returns ctx carrying the id of the web request it serves,
// so that the stores end the result of each audit entry written for that
// request with "; rid ID" (AuditResult): the id is also on the request's
// log lines and in its X-Request-Id header, and an auditor can go from an
// entry to the log and back.
func WithRequestID(ctx context.Context, rid string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, rid)
}

// RequestID returns the request id of ctx, "" outside a web request.
func RequestID(ctx context.Context) string {
	rid, _ := ctx.Value(requestIDKey{}).(string)
	return rid
}

// AuditResult returns result as an audit entry written in ctx records it:
// with the request id appended when ctx has one.
func AuditResult(ctx context.Context, result string) string {
	if rid := RequestID(ctx); rid != "" {
		return result + "; rid " + rid
	}
	return result
}
