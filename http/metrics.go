package http

// Metrics in the Prometheus text format (version 0.0.4), without a client
// library: a few counters, one histogram and one gauge are all gongfu
// exposes, and the format is simple enough to write correctly by hand.
//
//	gongfu_http_requests_total{method,route,code}          counter
//	gongfu_http_request_duration_seconds{route}            histogram
//	gongfu_reports_accepted_total                          counter
//	gongfu_reports_rejected_total{reason}                  counter
//	gongfu_audit_chain_length                              gauge
//
// Labels are bounded: route is the mux pattern that matched ("/plans/{id}",
// "unmatched" for none), never the raw path, which a client could vary
// without end; method is one of the standard methods or "other"; code is
// the status the server itself chose. Reports count the figures saved
// through the JSON API (PUT …/reports/…), the entry form and uploaded
// spreadsheets (POST /report/upload, each of its reports): accepted when
// stored, rejected with reason invalid (422), conflict (409: stale or
// locked) or forbidden (403: outside the user's scope). An upload is stored
// whole or not at all, so a refused one rejects every report it held (one
// when its rows could not be read).
//
// # Access
//
// GET /metrics answers requests from a loopback address (a Prometheus or
// node agent on the same machine) and requests carrying
// "Authorization: Bearer <token>" of an admin's session; everyone else gets
// 404, as if there were nothing there. A request forwarded by a reverse
// proxy on the same machine arrives from loopback too, so one carrying
// X-Forwarded-For, X-Real-IP or Forwarded is not taken as local: behind a
// proxy, scrape with an admin token, or from the machine itself.

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"gongfu"
)

// durationBuckets are the upper bounds of the request-duration histogram,
// in seconds: Prometheus's defaults, from a cached page to a large upload.
var durationBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// rejectReasons are the values of gongfu_reports_rejected_total's reason,
// all exposed from the start so that a rate() has a series to work on.
var rejectReasons = []string{"invalid", "conflict", "forbidden"}

// metrics is the server's counters; the zero value is ready.
type metrics struct {
	mu        sync.Mutex
	requests  map[requestKey]uint64
	durations map[string]*histogram // by route
	accepted  uint64
	rejected  map[string]uint64
}

type requestKey struct{ method, route, code string }

// histogram counts observations per bucket (not cumulated) and keeps their
// sum; the exposition cumulates.
type histogram struct {
	counts []uint64 // len(durationBuckets)+1, the last for +Inf
	sum    float64
	count  uint64
}

// observeRequest counts one finished request.
func (m *metrics) observeRequest(method, route string, code int, d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.requests == nil {
		m.requests = map[requestKey]uint64{}
		m.durations = map[string]*histogram{}
	}
	m.requests[requestKey{methodLabel(method), route, strconv.Itoa(code)}]++
	h := m.durations[route]
	if h == nil {
		h = &histogram{counts: make([]uint64, len(durationBuckets)+1)}
		m.durations[route] = h
	}
	s := d.Seconds()
	i := sort.SearchFloat64s(durationBuckets, s) // first bound ≥ s: le is inclusive
	h.counts[i]++
	h.sum += s
	h.count++
}

// countReport counts a report save by its outcome, err being what saving
// returned: nil is accepted, a refusal of the figures (EINVALID,
// ETOOLARGE), the version or a lock (ECONFLICT) or the user's rights
// (EFORBIDDEN) is rejected with that reason; other errors (an internal
// fault, a missing plan) say nothing about the report and are not counted.
func (m *metrics) countReport(err error) {
	m.countReports(1, err)
}

// countReports counts a save of n reports together (a spreadsheet upload,
// stored whole or not at all) as countReport counts one: n accepted, or n
// rejected with the reason of err.
func (m *metrics) countReports(n int, err error) {
	if n <= 0 {
		return
	}
	reason := ""
	switch gongfu.ErrorCode(err) {
	case "":
	case gongfu.EINVALID, gongfu.ETOOLARGE:
		reason = "invalid"
	case gongfu.ECONFLICT:
		reason = "conflict"
	case gongfu.EFORBIDDEN:
		reason = "forbidden"
	default:
		return
	}
	m.add(reason, uint64(n))
}

// reject counts a report refused for reason (one of rejectReasons), or
// accepted when reason is "".
func (m *metrics) reject(reason string) {
	m.add(reason, 1)
}

// add counts n reports refused for reason, or accepted when reason is "".
func (m *metrics) add(reason string, n uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if reason == "" {
		m.accepted += n
		return
	}
	if m.rejected == nil {
		m.rejected = map[string]uint64{}
	}
	m.rejected[reason] += n
}

// countReport counts a report save (see metrics.countReport) and returns
// err, so that a handler can write return s.countReport(err).
func (s *Server) countReport(err error) error {
	s.metrics.countReport(err)
	return err
}

// methodLabel bounds the method label: a client may send any token.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return m
	}
	return "other"
}

// routeOf returns the route label of r: the pattern of mux that matches it,
// without its method ("/plans/{id}"), or "unmatched".
func routeOf(mux *http.ServeMux, r *http.Request) string {
	_, pattern := mux.Handler(r)
	if pattern == "" {
		return "unmatched"
	}
	if i := strings.IndexAny(pattern, " \t"); i >= 0 {
		pattern = strings.TrimLeft(pattern[i:], " \t")
	}
	return pattern
}

// write writes the metrics in the text format, families and series in a
// fixed order; chain is the audit head, or -1 when it could not be read
// (the gauge is then left out rather than made up).
func (m *metrics) write(w io.Writer, chain int64) error {
	m.mu.Lock()
	keys := make([]requestKey, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.route != b.route {
			return a.route < b.route
		}
		if a.method != b.method {
			return a.method < b.method
		}
		return a.code < b.code
	})
	requests := make([]uint64, len(keys))
	for i, k := range keys {
		requests[i] = m.requests[k]
	}
	routes := make([]string, 0, len(m.durations))
	for r := range m.durations {
		routes = append(routes, r)
	}
	sort.Strings(routes)
	hists := make([]histogram, len(routes))
	for i, r := range routes {
		h := m.durations[r]
		hists[i] = histogram{counts: append([]uint64(nil), h.counts...), sum: h.sum, count: h.count}
	}
	accepted := m.accepted
	rejected := make([]uint64, len(rejectReasons))
	for i, r := range rejectReasons {
		rejected[i] = m.rejected[r]
	}
	m.mu.Unlock()

	var b strings.Builder
	family := func(name, typ, help string) {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
	}
	family("gongfu_http_requests_total", "counter", "HTTP requests served, by method, route (mux pattern) and status code.")
	for i, k := range keys {
		fmt.Fprintf(&b, "gongfu_http_requests_total{method=%s,route=%s,code=%s} %d\n",
			labelValue(k.method), labelValue(k.route), labelValue(k.code), requests[i])
	}
	family("gongfu_http_request_duration_seconds", "histogram", "Time to serve an HTTP request, by route (mux pattern).")
	for i, r := range routes {
		h := hists[i]
		var cum uint64
		for j, le := range durationBuckets {
			cum += h.counts[j]
			fmt.Fprintf(&b, "gongfu_http_request_duration_seconds_bucket{route=%s,le=%q} %d\n",
				labelValue(r), strconv.FormatFloat(le, 'g', -1, 64), cum)
		}
		fmt.Fprintf(&b, "gongfu_http_request_duration_seconds_bucket{route=%s,le=\"+Inf\"} %d\n", labelValue(r), h.count)
		fmt.Fprintf(&b, "gongfu_http_request_duration_seconds_sum{route=%s} %s\n", labelValue(r), strconv.FormatFloat(h.sum, 'g', -1, 64))
		fmt.Fprintf(&b, "gongfu_http_request_duration_seconds_count{route=%s} %d\n", labelValue(r), h.count)
	}
	family("gongfu_reports_accepted_total", "counter", "Reports saved through the JSON API, the entry form or an uploaded spreadsheet.")
	fmt.Fprintf(&b, "gongfu_reports_accepted_total %d\n", accepted)
	family("gongfu_reports_rejected_total", "counter", "Report saves refused, by reason: invalid figures, conflict (stale version or locked), forbidden (outside the user's scope).")
	for i, r := range rejectReasons {
		fmt.Fprintf(&b, "gongfu_reports_rejected_total{reason=%s} %d\n", labelValue(r), rejected[i])
	}
	if chain >= 0 {
		family("gongfu_audit_chain_length", "gauge", "Entries in the audit chain (the sequence number of its head).")
		fmt.Fprintf(&b, "gongfu_audit_chain_length %d\n", chain)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// labelValue quotes a label value as the text format wants: backslash,
// double quote and newline escaped.
func labelValue(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s) + `"`
}

// metricsHandler serves GET /metrics to the machine itself and to admins
// (see Access above); others get 404.
func (s *Server) metricsHandler(w http.ResponseWriter, r *http.Request) {
	if !fromLoopback(r) {
		u, _, err := s.currentUser(r)
		if err != nil || u == nil || u.Role != gongfu.RoleAdmin || r.Header.Get("Authorization") == "" {
			http.NotFound(w, r)
			return
		}
	}
	chain, err := s.Store.AuditHead(r.Context())
	if err != nil {
		s.logError(r, err)
		chain = -1
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	s.metrics.write(w, chain)
	s.writeLiveMetrics(w, chain)
}

// fromLoopback reports whether r came straight from this machine: a
// loopback peer and no header saying a proxy forwarded it.
func fromLoopback(r *http.Request) bool {
	if r.Header.Get("X-Forwarded-For") != "" || r.Header.Get("X-Real-IP") != "" || r.Header.Get("Forwarded") != "" {
		return false
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
