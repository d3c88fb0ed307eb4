package http

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gongfu"
	"gongfu/live"
)

// The live figures: every plan's official figures in memory (live.Figures),
// built from the store when the server opens and kept current by following
// the audit trail.
//
// Why the audit trail: every change to the store writes an audit entry in
// the same transaction, numbered in commit order (both stores serialize
// writers on the chain's head), and a report's entry names its key and
// records what changed: a save its figures and status
// (gongfu.AuditFigures), a review the status before and after. So the
// trail is a change log that every server over one database can follow: a
// server applies its own writes and another server's alike, from the
// entries after the last one it applied, reading a report back only when a
// review makes it official again (changeOf). Nothing has to be sent between
// servers, and a server that was down catches up by the same path. Each
// status read first checks the head (one indexed read) and applies what is
// new, so a page never shows figures older than the store's; a background
// poll (liveInterval) applies other servers' changes between reads, so
// that a dashboard's next refresh is cheap.
//
// The entries are classified: a report's change updates the figures; a
// change of quotas, schedules, settings, orgs, units or plans changes what
// an assessment is computed from, so it moves the stamps without touching
// figures; a login, a notice, a supervision or an export changes nothing an
// assessment reads and is skipped, so a morning of logins does not throw
// away the cached assessments.

// liveInterval is how often the background poll looks for changes made by
// other servers: well within the second a second server's dashboard may lag.
const liveInterval = 200 * time.Millisecond

// liveBatch bounds the audit entries read at once while catching up.
const liveBatch = 2000

// liveReloadAt is the number of changed reports of one plan above which
// catching up reloads the plan's reports in one query instead of one read
// per report (an import of a full year, a demo load).
const liveReloadAt = 500

// liveState is the server's live figures and its place in the audit trail.
type liveState struct {
	mu    sync.Mutex // serializes catching up
	seq   atomic.Int64
	plans map[int64]*live.Figures
	// config moves on the changes that alter every item's judgment
	// (quotas, schedules, settings, orgs) and when a plan's figures are
	// loaded anew: with the figures' own version it makes a plan's
	// liveStamp, and the item judgments memoized per plan and date (memos)
	// are kept against it alone.
	config atomic.Int64
	built  atomic.Bool
	stop   chan struct{}
	done   chan struct{}
}

// startLive builds the live figures from the store and starts the
// background poll; Close stops it.
func (s *Server) startLive(ctx context.Context) error {
	if err := s.catchUp(ctx); err != nil {
		return fmt.Errorf("build live figures: %w", err)
	}
	s.live.stop, s.live.done = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(s.live.done)
		t := time.NewTicker(liveInterval)
		defer t.Stop()
		for {
			select {
			case <-s.live.stop:
				return
			case <-t.C:
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				if err := s.catchUp(ctx); err != nil {
					s.Logger.Warn("live figures: catching up", "err", err)
				}
				cancel()
			}
		}
	}()
	return nil
}

// stopLive stops the background poll.
func (s *Server) stopLive() {
	if s.live.stop != nil {
		close(s.live.stop)
		<-s.live.done
		s.live.stop = nil
	}
}

// catchUp applies the audit entries written since the last applied one.
// The first call builds every stored plan's figures.
func (s *Server) catchUp(ctx context.Context) error {
	head, err := s.Store.AuditHead(ctx)
	if err != nil {
		return err
	}
	if s.live.built.Load() && head <= s.live.seq.Load() {
		return nil
	}
	s.live.mu.Lock()
	defer s.live.mu.Unlock()
	if !s.live.built.Load() {
		// The head was read before the reports: changes landing in
		// between are applied again by the next catch-up, in order,
		// which leaves each report as it was last written.
		if err := s.buildLive(ctx); err != nil {
			return err
		}
		s.live.seq.Store(head)
		s.live.built.Store(true)
		return nil
	}
	seq := s.live.seq.Load()
	if head <= seq {
		return nil // another caller caught up meanwhile
	}
	touched := map[int64]map[gongfu.ReportKey]reportChange{} // plan → reports changed
	config := false
	for seq < head {
		entries, err := s.Store.FindAudit(ctx, seq, liveBatch)
		if err != nil {
			return err
		}
		if len(entries) == 0 {
			break
		}
		for _, e := range entries {
			switch kind, key := classifyEntry(e); kind {
			case entryReport:
				if touched[key.PlanID] == nil {
					touched[key.PlanID] = map[gongfu.ReportKey]reportChange{}
				}
				prev, seen := touched[key.PlanID][key]
				if ch, ok := changeOf(e, key, prev, seen); ok {
					touched[key.PlanID][key] = ch
				}
			case entryConfig:
				config = true
			}
			seq = e.Seq
		}
	}
	if config {
		s.live.config.Add(1)
	}
	for planID, keys := range touched {
		if err := s.applyReports(ctx, planID, keys); err != nil {
			return err
		}
	}
	s.live.seq.Store(seq)
	return nil
}

// buildLive loads every stored plan's figures; the lock is held.
func (s *Server) buildLive(ctx context.Context) error {
	plans, err := s.Store.FindPlans(ctx)
	if err != nil {
		return err
	}
	s.live.plans = map[int64]*live.Figures{}
	for _, p := range plans {
		if _, err := s.loadFigures(ctx, p.ID); err != nil {
			return err
		}
	}
	return nil
}

// loadFigures builds plan planID's figures from its stored reports; the
// lock is held.
func (s *Server) loadFigures(ctx context.Context, planID int64) (*live.Figures, error) {
	p, err := s.plan(ctx, planID)
	if err != nil {
		return nil, err
	}
	reps, err := s.Store.FindReports(ctx, gongfu.ReportFilter{PlanID: planID})
	if err != nil {
		return nil, err
	}
	f := live.NewFigures(p)
	for _, r := range reps {
		f.Put(r)
	}
	s.live.plans[planID] = f
	s.live.config.Add(1) // a new table's item stamps start again
	return f, nil
}

// reportChange is what catching up does to one report's figure: put the
// report an entry recorded, remove it, or read it back from the store.
type reportChange struct {
	put  *gongfu.Report
	read bool
}

// changeOf reads the change a report's audit entry makes, given the change
// earlier entries of the same catch-up made (prev, when seen); false when
// it changes nothing. Most entries need no read: a save records the saved
// figures and status (gongfu.AuditFigures), a review the statuses before
// and after. Only a report becoming official again by a review (a draft
// submitted, a returned report resubmitted) needs its figures read back,
// since figures that are not official are not kept.
func changeOf(e gongfu.AuditEntry, key gongfu.ReportKey, prev reportChange, seen bool) (reportChange, bool) {
	if e.Action == "report.save" {
		r, err := gongfu.ReportFromAudit(key, e.New)
		if err != nil {
			return reportChange{read: true}, true
		}
		return reportChange{put: r}, true
	}
	from := gongfu.ReportStatus(e.Old)
	to := gongfu.ReportStatus(strings.TrimPrefix(e.Action, "report."))
	switch {
	case !live.Official(to):
		return reportChange{put: &gongfu.Report{ReportKey: key, Status: to}}, true
	case live.Official(from):
		return prev, false // submitted → approved: the same figures
	case seen && prev.put != nil:
		r := *prev.put // saved earlier in this catch-up, now submitted
		r.Status = to
		return reportChange{put: &r}, true
	}
	return reportChange{read: true}, true
}

// applyReports applies the changes of one plan's reports, reading back
// those that need it; the lock is held. A plan not yet loaded (imported
// since), or one with very many reads, is loaded whole instead.
func (s *Server) applyReports(ctx context.Context, planID int64, changes map[gongfu.ReportKey]reportChange) error {
	reads := 0
	for _, ch := range changes {
		if ch.read {
			reads++
		}
	}
	f := s.live.plans[planID]
	if f == nil || reads > liveReloadAt {
		_, err := s.loadFigures(ctx, planID)
		if gongfu.ErrorCode(err) == gongfu.ENOTFOUND {
			return nil // an entry naming no stored plan: nothing to show
		}
		return err
	}
	for k, ch := range changes {
		if !ch.read {
			f.Put(ch.put)
			continue
		}
		r, err := s.Store.FindReport(ctx, k)
		switch {
		case gongfu.ErrorCode(err) == gongfu.ENOTFOUND:
			f.Remove(k)
		case err != nil:
			return err
		default:
			f.Put(r)
		}
	}
	return nil
}

// liveStamp names the state of one plan's figures and of the
// configuration its assessments depend on: it moves on every change to
// either, and only then, so a login or another plan's report leaves it.
// The configuration's count comes first and moves when a plan's figures
// are loaded anew, so stamps only grow.
type liveStamp struct{ config, figs int64 }

// before reports whether a is an older state than b.
func (a liveStamp) before(b liveStamp) bool {
	return a.config < b.config || a.config == b.config && a.figs < b.figs
}

// String is the stamp as GET …/live gives it to dashboards.
func (a liveStamp) String() string {
	return strconv.FormatInt(a.figs, 10) + "." + strconv.FormatInt(a.config, 10)
}

// figures returns plan planID's live figures, current with the store, and
// their stamp. The stamp is read before the caller reads the figures: a
// change applied in between makes a result look older than it is, never
// newer.
func (s *Server) figures(ctx context.Context, planID int64) (*live.Figures, liveStamp, error) {
	if err := s.catchUp(ctx); err != nil {
		return nil, liveStamp{}, err
	}
	s.live.mu.Lock()
	defer s.live.mu.Unlock()
	f := s.live.plans[planID]
	if f == nil {
		var err error
		if f, err = s.loadFigures(ctx, planID); err != nil {
			return nil, liveStamp{}, err
		}
	}
	return f, liveStamp{config: s.live.config.Load(), figs: f.Version()}, nil
}

// The kinds of audit entries, as the live figures see them.
type entryKind int

const (
	entryIgnored entryKind = iota // changes nothing an assessment reads
	entryReport                   // a report's content or status
	entryConfig                   // quotas, schedules, settings, orgs, plans …
)

// classifyEntry tells what an audit entry changed. An action it does not
// know counts as a configuration change: recomputing an assessment for
// nothing is cheap, a stale one is wrong.
func classifyEntry(e gongfu.AuditEntry) (entryKind, gongfu.ReportKey) {
	family, _, _ := strings.Cut(e.Action, ".")
	switch family {
	case "report":
		if k, ok := parseReportObject(e.Object); ok {
			return entryReport, k
		}
		return entryConfig, gongfu.ReportKey{}
	case "user", "session", "notice", "supervision", "explanation", "attachment", "export", "audit":
		return entryIgnored, gongfu.ReportKey{}
	}
	return entryConfig, gongfu.ReportKey{}
}

// parseReportObject reads an audit object written by ReportKey.String:
// report/PLAN/ITEM/ORG/PERIOD.
func parseReportObject(obj string) (gongfu.ReportKey, bool) {
	parts := strings.Split(obj, "/")
	if len(parts) != 5 || parts[0] != "report" {
		return gongfu.ReportKey{}, false
	}
	plan, err1 := strconv.ParseInt(parts[1], 10, 64)
	org, err2 := strconv.ParseInt(parts[3], 10, 64)
	if err1 != nil || err2 != nil || parts[2] == "" || parts[4] == "" {
		return gongfu.ReportKey{}, false
	}
	return gongfu.ReportKey{PlanID: plan, ItemID: parts[2], OrgID: org, Period: parts[4]}, true
}

// writeLiveMetrics adds the live figures' gauges to /metrics: the audit
// entry they have applied, and how far that is behind the chain's head
// (chain, as read for gongfu_audit_chain_length), which an operator of
// several servers watches to see that each one keeps up.
func (s *Server) writeLiveMetrics(w io.Writer, chain int64) {
	seq := s.live.seq.Load()
	fmt.Fprintf(w, "# HELP gongfu_live_applied_seq The audit entry the live figures have applied.\n")
	fmt.Fprintf(w, "# TYPE gongfu_live_applied_seq gauge\ngongfu_live_applied_seq %d\n", seq)
	fmt.Fprintf(w, "# HELP gongfu_live_lag_entries Audit entries written but not yet applied to the live figures.\n")
	fmt.Fprintf(w, "# TYPE gongfu_live_lag_entries gauge\ngongfu_live_lag_entries %d\n", max(chain-seq, 0))
}

// liveToken is plan planID's stamp, current with the store, as text.
func (s *Server) liveToken(ctx context.Context, planID int64) (string, error) {
	_, st, err := s.figures(ctx, planID)
	if err != nil {
		return "", err
	}
	return st.String(), nil
}

// apiLive is GET /api/v1/plans/{planID}/live: {"version": token}, what an
// open dashboard polls to know when to reload (static/dash.js). It costs
// one indexed read of the audit head when nothing changed.
func (s *Server) apiLive(w http.ResponseWriter, r *http.Request) error {
	planID, _, err := s.planAction(r, actReadStatus)
	if err != nil {
		return err
	}
	v, err := s.liveToken(r.Context(), planID)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	return writeJSON(w, http.StatusOK, map[string]string{"version": v})
}
