package http

import (
	"errors"
	"strings"
	"testing"
	"time"

	"gongfu"
)

// TestMetricsText checks the exposition of known observations exactly:
// inclusive bucket bounds, cumulative buckets, +Inf equal to the count,
// escaped label values, bounded methods, and which errors count how.
func TestMetricsText(t *testing.T) {
	var m metrics
	m.observeRequest("GET", "/plans/{id}", 200, 10*time.Millisecond) // exactly on a bound
	m.observeRequest("GET", "/plans/{id}", 200, 30*time.Millisecond)
	m.observeRequest("BREW", "a\"b\\c\nd", 404, 11*time.Second)
	m.countReport(nil)
	m.countReport(gongfu.Errorf(gongfu.EINVALID, "x", "x"))
	m.countReport(gongfu.Errorf(gongfu.ECONFLICT, "x", "x"))
	m.countReport(gongfu.Errorf(gongfu.EFORBIDDEN, "x", "x"))
	m.countReport(gongfu.Errorf(gongfu.ENOTFOUND, "x", "x")) // not about the report
	m.countReport(errors.New("disk on fire"))                // internal: not counted
	var b strings.Builder
	if err := m.write(&b, 42); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, want := range []string{
		`gongfu_http_requests_total{method="GET",route="/plans/{id}",code="200"} 2` + "\n",
		`gongfu_http_requests_total{method="other",route="a\"b\\c\nd",code="404"} 1` + "\n",
		`gongfu_http_request_duration_seconds_bucket{route="/plans/{id}",le="0.005"} 0` + "\n",
		`gongfu_http_request_duration_seconds_bucket{route="/plans/{id}",le="0.01"} 1` + "\n",
		`gongfu_http_request_duration_seconds_bucket{route="/plans/{id}",le="0.025"} 1` + "\n",
		`gongfu_http_request_duration_seconds_bucket{route="/plans/{id}",le="0.05"} 2` + "\n",
		`gongfu_http_request_duration_seconds_bucket{route="/plans/{id}",le="10"} 2` + "\n",
		`gongfu_http_request_duration_seconds_bucket{route="/plans/{id}",le="+Inf"} 2` + "\n",
		`gongfu_http_request_duration_seconds_sum{route="/plans/{id}"} 0.04` + "\n",
		`gongfu_http_request_duration_seconds_count{route="/plans/{id}"} 2` + "\n",
		`gongfu_http_request_duration_seconds_bucket{route="a\"b\\c\nd",le="10"} 0` + "\n",
		`gongfu_http_request_duration_seconds_bucket{route="a\"b\\c\nd",le="+Inf"} 1` + "\n",
		"# TYPE gongfu_reports_accepted_total counter\ngongfu_reports_accepted_total 1\n",
		`gongfu_reports_rejected_total{reason="invalid"} 1` + "\n",
		`gongfu_reports_rejected_total{reason="conflict"} 1` + "\n",
		`gongfu_reports_rejected_total{reason="forbidden"} 1` + "\n",
		"# TYPE gongfu_audit_chain_length gauge\ngongfu_audit_chain_length 42\n",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q:\n%s", want, page)
		}
	}
	b.Reset()
	m.write(&b, -1)
	if strings.Contains(b.String(), "gongfu_audit_chain_length") {
		t.Error("an unreadable chain head is exposed")
	}
}

// TestCountReports: a batch (a spreadsheet upload) counts each report, by
// the same reasons as a single save; an empty batch and errors that say
// nothing about the reports count nothing.
func TestCountReports(t *testing.T) {
	var m metrics
	m.countReports(3, nil)
	m.countReports(2, gongfu.Errorf(gongfu.EINVALID, "x", "x"))
	m.countReports(4, gongfu.Errorf(gongfu.ETOOLARGE, "x", "x"))
	m.countReports(5, gongfu.Errorf(gongfu.EFORBIDDEN, "x", "x"))
	m.countReports(6, gongfu.Errorf(gongfu.ECONFLICT, "x", "x"))
	m.countReports(0, nil)
	m.countReports(7, errors.New("disk on fire"))
	m.countReports(8, gongfu.Errorf(gongfu.ENOTFOUND, "x", "x"))
	if m.accepted != 3 || m.rejected["invalid"] != 6 || m.rejected["forbidden"] != 5 || m.rejected["conflict"] != 6 {
		t.Errorf("accepted %d, rejected %v", m.accepted, m.rejected)
	}
}
