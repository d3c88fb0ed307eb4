package http

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"gongfu"
)

// The audit trail is read by the audit administrator alone (三员分立) and
// edited by no one: there is no route that changes or deletes an entry, and
// the store has no such method. Reading it records nothing, so that an
// auditor paging through the trail does not lengthen it.

func (s *Server) auditRoutes(mux *http.ServeMux) {
	mux.Handle("GET /api/v1/audit", s.api(s.apiAudit))
	mux.Handle("GET /api/v1/audit/verify", s.api(s.apiAuditVerify))
	mux.Handle("GET /audit", s.page(s.auditPage))
}

// auditor returns the caller when it may read the audit trail.
func (s *Server) auditor(r *http.Request) (*gongfu.User, error) {
	u, err := s.userOf(r)
	if err != nil {
		return nil, err
	}
	if err := s.can(r.Context(), u, actReadAudit, scope{}); err != nil {
		return nil, err
	}
	return u, nil
}

// apiAudit: GET /api/v1/audit?after=&limit= — entries with seq > after, in
// order, at most limit (default 100, at most 1000).
func (s *Server) apiAudit(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.auditor(r); err != nil {
		return err
	}
	q := r.URL.Query()
	after, limit := int64(0), 100
	if v := q.Get("after"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return gongfu.Failf(gongfu.EINVALID, "after 应为非负整数")
		}
		after = n
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 || n > 1000 {
			return gongfu.Failf(gongfu.EINVALID, "limit 应为 1–1000")
		}
		limit = n
	}
	es, err := s.Store.FindAudit(r.Context(), after, limit)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, es)
}

// apiAuditVerify: GET /api/v1/audit/verify → {"ok", "head", "broken", "message"}.
func (s *Server) apiAuditVerify(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.auditor(r); err != nil {
		return err
	}
	out, err := s.verifyAudit(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, out)
}

// auditCheck is the result of verifying the chain.
type auditCheck struct {
	OK      bool   `json:"ok"`
	Head    int64  `json:"head"`
	Broken  int64  `json:"broken,omitempty"`
	Message string `json:"message,omitempty"`
}

func (s *Server) verifyAudit(r *http.Request) (*auditCheck, error) {
	ctx := r.Context()
	head, err := s.Store.AuditHead(ctx)
	if err != nil {
		return nil, err
	}
	seq, err := s.Store.VerifyAudit(ctx)
	if err != nil && seq == 0 {
		return nil, err
	}
	if seq != 0 {
		return &auditCheck{Head: head, Broken: seq, Message: gongfu.ErrorMessage(err)}, nil
	}
	return &auditCheck{OK: true, Head: head}, nil
}

// auditFilter is what the audit page filters by: the type (an action, or
// its prefix such as "user."), the actor, and a range of dates (UTC+8, as
// the people reading it count days).
type auditFilter struct {
	Type, Actor, From, To string
	from, to              time.Time
}

// cst is China Standard Time, the zone of the audit page's dates.
var cst = time.FixedZone("CST", 8*3600)

func (f *auditFilter) match(e *gongfu.AuditEntry) bool {
	if f.Type != "" && e.Action != f.Type && !strings.HasPrefix(e.Action, strings.TrimSuffix(f.Type, ".")+".") {
		return false
	}
	if f.Actor != "" && e.Actor != f.Actor {
		return false
	}
	if !f.from.IsZero() && e.At.Before(f.from) {
		return false
	}
	if !f.to.IsZero() && !e.At.Before(f.to) {
		return false
	}
	return true
}

// Limits of one audit page: rows shown, and entries scanned to find them,
// so that a filter matching nothing does not read the whole trail at once.
const (
	auditPageRows = 100
	auditPageScan = 20000
)

// auditRow is an entry as the page shows it.
type auditRow struct {
	gongfu.AuditEntry
	Local string
}

// auditPage: GET /audit?type=&actor=&from=&to=&after= — the trail, oldest
// first from after (default: the newest page), with filters, and the
// chain's verification on request (?verify=1).
func (s *Server) auditPage(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.auditor(r); err != nil {
		return err
	}
	ctx, q := r.Context(), r.URL.Query()
	f := auditFilter{Type: strings.TrimSpace(q.Get("type")), Actor: strings.TrimSpace(q.Get("actor")),
		From: q.Get("from"), To: q.Get("to")}
	var problems []string
	if f.From != "" {
		t, err := time.ParseInLocation("2006-01-02", f.From, cst)
		if err != nil {
			problems = append(problems, "from: YYYY-MM-DD")
		}
		f.from = t
	}
	if f.To != "" {
		t, err := time.ParseInLocation("2006-01-02", f.To, cst)
		if err != nil {
			problems = append(problems, "to: YYYY-MM-DD")
		} else {
			f.to = t.AddDate(0, 0, 1)
		}
	}
	head, err := s.Store.AuditHead(ctx)
	if err != nil {
		return err
	}
	var after int64
	if v := q.Get("after"); v != "" {
		if after, err = strconv.ParseInt(v, 10, 64); err != nil || after < 0 {
			after = 0
		}
	} else if f.Type == "" && f.Actor == "" && f.From == "" && f.To == "" {
		after = max(0, head-auditPageRows)
	}
	var rows []auditRow
	scanned, cursor := 0, after
	for len(rows) < auditPageRows && scanned < auditPageScan {
		es, err := s.Store.FindAudit(ctx, cursor, 1000)
		if err != nil {
			return err
		}
		if len(es) == 0 {
			break
		}
		for i := range es {
			e := &es[i]
			cursor = e.Seq
			scanned++
			if f.match(e) {
				rows = append(rows, auditRow{AuditEntry: *e, Local: e.At.In(cst).Format("2006-01-02 15:04:05")})
				if len(rows) == auditPageRows {
					break
				}
			}
		}
	}
	data := map[string]any{"Filter": f, "Rows": rows, "Head": head, "Problems": problems}
	if cursor < head {
		v := r.URL.Query()
		v.Set("after", strconv.FormatInt(cursor, 10))
		v.Del("verify")
		data["Next"] = "/audit?" + v.Encode()
	}
	if q.Get("verify") != "" {
		check, err := s.verifyAudit(r)
		if err != nil {
			return err
		}
		data["Check"] = check
	}
	return s.render(w, r, "audit", translate(langOf(r), "audit.title"), data)
}
