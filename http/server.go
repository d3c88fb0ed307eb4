// Package http is gongfu's web server: the pages people read and fill in, and
// the JSON API scripts and phones use. It is built on the standard library's
// mux with method patterns and html/template, with every asset embedded, so
// the binary serves a complete UI on an intranet with no internet access.
//
// Handlers return errors; one wrapper (handle) turns a *gongfu.Error into a
// status code and a public message and logs anything else as an internal
// fault, so no SQL text or stack trace ever reaches a user (the tsweb model).
package http

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"gongfu"
)

// Limits on what a client may send. A plan document is the largest thing
// anyone uploads; everything else is a small form or JSON body.
const (
	MaxBodyBytes   = 1 << 20  // JSON and forms
	MaxUploadBytes = 20 << 20 // plan documents and spreadsheets
)

// Server serves the UI and the API over one store.
type Server struct {
	Store  gongfu.Store
	Logger *slog.Logger
	// Now is the clock; tests set it.
	Now func() time.Time
	// Extract turns an uploaded plan document into a plan (extract.Document
	// in production); injected so that this package does not depend on the
	// extractor's internals.
	Extract func(name string, data []byte) (*gongfu.Plan, []string, error)
	// PlanOrgs returns the orgs an imported plan needs (region.PlanOrgs).
	PlanOrgs func(p *gongfu.Plan) []*gongfu.Org
	// Security holds the 等保 controls: session timeouts, one session per
	// account, password expiry, second factors, lockout (security.go).
	Security Security
	// DeadlineDay is the day of the next month reports are due (default 5).
	DeadlineDay int
	// Timeouts bound each phase of a connection (DefaultTimeouts).
	Timeouts Timeouts
	// Webhook, when set, receives 催报 reminders as a DingTalk/WeCom group
	// robot text message. Off by default: intranets rarely reach them.
	Webhook string

	pages    *pages
	plans    sync.Map // plan id → *gongfu.Plan; plans are immutable once stored
	throttle *throttle
	sec      secState
	srv      *http.Server
	ln       net.Listener
	once     sync.Once

	// live holds every plan's figures in memory, following the store's
	// audit trail (live.go); assessments caches plan assessments until the
	// live figures change (status.go).
	// hashSlots bounds the password checks running at once (auth.go).
	hashSlots chan struct{}
	hashOnce  sync.Once

	live        liveState
	assessments assessCache
	memos       memoSet
	// metrics counts requests and reports for GET /metrics (metrics.go).
	metrics metrics
}

// Timeouts bound the phases of a connection, so that a client that trickles
// its header (slowloris) or body, reads its answer slowly, or keeps an idle
// connection open cannot hold a server's connections: a township's phone
// on a weak signal gets a broken request, not the whole city a full server.
// A zero field means no limit, as in net/http; DefaultTimeouts has none.
type Timeouts struct {
	ReadHeader, Read, Write, Idle time.Duration
}

// DefaultTimeouts are the production bounds: 10 s for the header, 60 s to
// read a request (a 20 MB plan document on a slow uplink) and to write an
// answer (a bulletin .docx), 120 s for an idle keep-alive connection.
func DefaultTimeouts() Timeouts {
	return Timeouts{ReadHeader: 10 * time.Second, Read: 60 * time.Second, Write: 60 * time.Second, Idle: 120 * time.Second}
}

// NewServer returns a server over store with production defaults.
func NewServer(store gongfu.Store, logger *slog.Logger) *Server {
	if logger == nil {
		logger = slog.Default()
	}
	return &Server{
		Store: store, Logger: logger,
		Now:         time.Now,
		Security:    DefaultSecurity(),
		DeadlineDay: 5,
		Timeouts:    DefaultTimeouts(),
		throttle:    newThrottle(5, 15*time.Minute),
	}
}

// Handler returns the server's whole HTTP handler: routes wrapped in the
// middleware every request passes (request id, security headers, recovery).
func (s *Server) Handler() http.Handler {
	s.once.Do(func() {
		s.pages = mustParsePages()
		s.throttle = newThrottle(s.Security.maxFailures(), s.Security.lockoutWindow())
	})
	mux := http.NewServeMux()
	s.routes(mux)
	return s.middleware(s.gate(mux), mux)
}

func (s *Server) routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok"))
	})
	mux.HandleFunc("GET /metrics", s.metricsHandler)
	mux.Handle("GET /static/", staticHandler())

	// Pages.
	mux.Handle("GET /{$}", s.page(s.homePage))
	mux.Handle("GET /plans/{id}", s.page(s.planPage))
	mux.Handle("GET /plans/{id}/domains/{no}", s.page(s.domainPage))
	mux.Handle("GET /plans/{id}/tasks/{no}", s.page(s.taskPage))
	mux.Handle("GET /plans/{id}/targets/{tid}", s.page(s.targetPage))
	mux.Handle("GET /orgs", s.page(s.orgsPage))
	mux.Handle("GET /import", s.page(s.importPage))
	mux.Handle("POST /import", s.page(s.importSubmit))
	mux.HandleFunc("GET /lang/{lang}", s.setLang)
	s.entryRoutes(mux)
	s.superviseRoutes(mux)
	s.supervisionRoutes(mux)
	s.dashRoutes(mux)
	s.bulletinRoutes(mux)
	s.securityRoutes(mux)

	// JSON API.
	mux.Handle("POST /api/v1/session", s.api(s.apiLogin))
	mux.Handle("DELETE /api/v1/session", s.api(s.apiLogout))
	mux.Handle("GET /api/v1/plans", s.api(s.apiPlans))
	mux.Handle("POST /api/v1/plans", s.api(s.apiImportPlan))
	mux.Handle("GET /api/v1/plans/{id}", s.api(s.apiPlan))
	mux.Handle("GET /api/v1/orgs", s.api(s.apiOrgs))
	mux.Handle("GET /api/v1/plans/{planID}/reports", s.api(s.apiListReports))
	mux.Handle("GET /api/v1/plans/{planID}/quotas", s.api(s.apiQuotas))
	mux.Handle("PUT /api/v1/plans/{planID}/quotas/{targetID}", s.api(s.apiSetQuotas))
	mux.Handle("GET /api/v1/plans/{planID}/schedules", s.api(s.apiSchedules))
	mux.Handle("PUT /api/v1/plans/{planID}/schedules/{targetID}", s.api(s.apiSetSchedule))
	mux.Handle("PUT /api/v1/plans/{planID}/units/{itemID}", s.api(s.apiSetUnits))
	mux.Handle("GET /api/v1/plans/{planID}/missing", s.api(s.apiMissing))
	mux.Handle("GET /api/v1/plans/{planID}/status", s.api(s.apiStatus))
	mux.Handle("POST /api/v1/plans/{planID}/reminders", s.api(s.apiRemind))
	mux.Handle("GET /api/v1/notices", s.api(s.apiNotices))
	mux.Handle("GET /api/v1/plans/{planID}/settings", s.api(s.apiSettings))
	mux.Handle("PUT /api/v1/plans/{planID}/settings", s.api(s.apiSetSettings))
	mux.Handle("GET /api/v1/plans/{planID}/reports/{targetID}/{orgID}/{period}/attachments", s.api(s.apiListAttachments))
	mux.Handle("POST /api/v1/plans/{planID}/reports/{targetID}/{orgID}/{period}/attachments", s.api(s.apiAddAttachment))
	mux.Handle("GET /api/v1/attachments/{id}", s.api(s.getAttachment))
	mux.Handle("GET /api/v1/plans/{planID}/reports/{targetID}/{orgID}/{period}", s.api(s.apiGetReport))
	mux.Handle("PUT /api/v1/plans/{planID}/reports/{targetID}/{orgID}/{period}", s.api(s.apiPutReport))
	mux.Handle("POST /api/v1/plans/{planID}/reports/{targetID}/{orgID}/{period}/{verb}", s.api(s.apiReviewReport))
	mux.Handle("/api/", s.api(func(w http.ResponseWriter, r *http.Request) error {
		return gongfu.Failf(gongfu.ENOTFOUND, "没有这个接口")
	}))
}

// Open listens on addr and serves in the background until Close.
func (s *Server) Open(addr string) error {
	// The live figures are built before the first request is accepted, so
	// that no dashboard waits for them, and the start-up fails loudly on a
	// store it cannot read.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	err := s.startLive(ctx)
	cancel()
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		s.stopLive()
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	s.ln = ln
	s.srv = &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: s.Timeouts.ReadHeader,
		ReadTimeout:       s.Timeouts.Read,
		WriteTimeout:      s.Timeouts.Write,
		IdleTimeout:       s.Timeouts.Idle,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.Logger.Handler(), slog.LevelWarn),
	}
	go func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.Logger.Error("serve", "err", err)
		}
	}()
	return nil
}

// Addr returns the address the server listens on (useful with port 0).
func (s *Server) Addr() string {
	if s.ln == nil {
		return ""
	}
	return s.ln.Addr().String()
}

// Close stops accepting requests and lets in-flight ones finish within ctx.
func (s *Server) Close(ctx context.Context) error {
	if s.srv == nil {
		return nil
	}
	err := s.srv.Shutdown(ctx)
	s.stopLive()
	return err
}

type ctxKey int

const (
	keySession ctxKey = iota
)

// middleware wraps every request: a request id for the logs, security
// headers, panic recovery, a log line and the request metrics, labelled
// with the pattern of mux that matches the request.
func (s *Server) middleware(next http.Handler, mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t0 := time.Now() // real time for metrics, whatever s.Now says
		var b [8]byte
		rand.Read(b[:])
		rid := hex.EncodeToString(b[:])
		start := s.Now()
		h := w.Header()
		h.Set("X-Request-Id", rid)
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		if r.TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		ctx := gongfu.WithRequestID(r.Context(), rid)
		sw := &statusWriter{ResponseWriter: w, status: 200}
		defer func() {
			if v := recover(); v != nil {
				s.Logger.Error("panic", "rid", rid, "path", r.URL.Path, "panic", fmt.Sprint(v))
				if !sw.wrote {
					http.Error(sw, gongfu.Detail("内部错误"), http.StatusInternalServerError)
				}
			}
			s.Logger.Info("request", "rid", rid, "method", r.Method, "path", r.URL.Path,
				"status", sw.status, "ms", s.Now().Sub(start).Milliseconds())
			s.metrics.observeRequest(r.Method, routeOf(mux, r), sw.status, time.Since(t0))
		}()
		next.ServeHTTP(sw, r.WithContext(ctx))
	})
}

// statusWriter remembers the status code for the log line.
type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

// statusOf maps an error code to an HTTP status.
func statusOf(code string) int {
	switch code {
	case gongfu.EINVALID:
		return http.StatusUnprocessableEntity
	case gongfu.ENOTFOUND:
		return http.StatusNotFound
	case gongfu.ECONFLICT:
		return http.StatusConflict
	case gongfu.EFORBIDDEN:
		return http.StatusForbidden
	case gongfu.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case gongfu.ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	case gongfu.ETOOMANY:
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}

// logError records an internal error with its request id; public errors are
// the user's business and are not logged as faults.
func (s *Server) logError(r *http.Request, err error) {
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		// The client hung up (a closed tab, a phone losing signal): not
		// a fault of the server, and not worth an error line each.
		s.Logger.Info("client gone", "rid", requestID(r.Context()), "method", r.Method, "path", r.URL.Path)
		return
	}
	if gongfu.ErrorCode(err) == gongfu.EINTERNAL {
		s.Logger.Error("internal error", "rid", requestID(r.Context()), "method", r.Method, "path", r.URL.Path, "err", err)
	}
}

// requestID returns the id middleware gave the request of ctx, for logs.
func requestID(ctx context.Context) string {
	rid := gongfu.RequestID(ctx)
	return rid
}
