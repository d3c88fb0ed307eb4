package http_test

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// sample is one line of a metrics page: name, labels and value.
type sample struct {
	name   string
	labels map[string]string
	value  float64
}

var (
	metricName = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)
	labelName  = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)
)

// parseMetrics reads a page in the Prometheus text format strictly, failing
// t on any line that does not parse: HELP and TYPE once per family, TYPE
// before the family's samples, samples of a family together, label values
// quoted with \\, \" and \n as the only escapes, values that are numbers.
func parseMetrics(t *testing.T, page string) (map[string]string, []sample) {
	t.Helper()
	if !strings.HasSuffix(page, "\n") {
		t.Errorf("the page does not end with a newline")
	}
	types := map[string]string{}
	helps := map[string]bool{}
	var out []sample
	family := ""
	done := map[string]bool{}
	for n, line := range strings.Split(strings.TrimSuffix(page, "\n"), "\n") {
		bad := func(why string) { t.Errorf("line %d %q: %s", n+1, line, why) }
		if rest, ok := strings.CutPrefix(line, "# "); ok {
			kind, rest, _ := strings.Cut(rest, " ")
			name, text, _ := strings.Cut(rest, " ")
			if !metricName.MatchString(name) {
				bad("bad metric name")
			}
			switch kind {
			case "HELP":
				if helps[name] || text == "" {
					bad("HELP repeated or empty")
				}
				helps[name] = true
			case "TYPE":
				if _, ok := types[name]; ok {
					bad("TYPE repeated")
				}
				switch text {
				case "counter", "gauge", "histogram", "summary", "untyped":
				default:
					bad("unknown type")
				}
				types[name] = text
				if family != "" {
					done[family] = true
				}
				family = name
			default:
				bad("a comment that is neither HELP nor TYPE")
			}
			continue
		}
		if line == "" {
			bad("empty line")
			continue
		}
		s := sample{labels: map[string]string{}}
		i := strings.IndexAny(line, "{ ")
		if i < 0 {
			bad("no value")
			continue
		}
		s.name, line = line[:i], line[i:]
		if !metricName.MatchString(s.name) {
			bad("bad metric name")
		}
		if strings.HasPrefix(line, "{") {
			line = line[1:]
			for !strings.HasPrefix(line, "}") {
				eq := strings.Index(line, `="`)
				if eq < 0 {
					bad("bad label")
					break
				}
				ln := line[:eq]
				if !labelName.MatchString(ln) {
					bad("bad label name " + ln)
				}
				line = line[eq+2:]
				var v strings.Builder
				for len(line) > 0 && line[0] != '"' {
					if line[0] == '\\' && len(line) > 1 {
						switch line[1] {
						case '\\':
							v.WriteByte('\\')
						case '"':
							v.WriteByte('"')
						case 'n':
							v.WriteByte('\n')
						default:
							bad("bad escape")
						}
						line = line[2:]
						continue
					}
					v.WriteByte(line[0])
					line = line[1:]
				}
				if line == "" {
					bad("unterminated label value")
					break
				}
				if _, dup := s.labels[ln]; dup {
					bad("label repeated")
				}
				s.labels[ln] = v.String()
				line = strings.TrimPrefix(line[1:], ",")
			}
			line = strings.TrimPrefix(line, "}")
		}
		if !strings.HasPrefix(line, " ") {
			bad("no space before the value")
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(line), 64)
		if err != nil && !slicesContains([]string{"+Inf", "-Inf", "NaN"}, strings.TrimSpace(line)) {
			bad("value is not a number")
		}
		s.value = v
		base := s.name
		if types[family] == "histogram" {
			for _, suffix := range []string{"_bucket", "_sum", "_count"} {
				if b, ok := strings.CutSuffix(s.name, suffix); ok && b == family {
					base = b
				}
			}
			if strings.HasSuffix(s.name, "_bucket") && s.labels["le"] == "" {
				bad("a bucket without le")
			}
		}
		if base != family || done[base] {
			bad("a sample outside its family's block (after TYPE " + family + ")")
		}
		out = append(out, s)
	}
	for name := range types {
		if !helps[name] {
			t.Errorf("family %s has no HELP", name)
		}
	}
	return types, out
}

func slicesContains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// value returns the sample with name and exactly labels, or -1.
func value(samples []sample, name string, labels map[string]string) float64 {
	for _, s := range samples {
		if s.name != name || len(s.labels) != len(labels) {
			continue
		}
		match := true
		for k, v := range labels {
			if s.labels[k] != v {
				match = false
			}
		}
		if match {
			return s.value
		}
	}
	return -1
}

func (f *reportFixture) metrics(t *testing.T) (map[string]string, []sample) {
	t.Helper()
	r := f.do(t, nil, "GET", "/metrics", nil, nil)
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Fatalf("GET /metrics: %d %s\n%s", r.status, r.header.Get("Content-Type"), r.body)
	}
	return parseMetrics(t, r.body)
}

const reportRoute = "/api/v1/plans/{planID}/reports/{targetID}/{orgID}/{period}"

func TestMetrics(t *testing.T) {
	f := newReportFixture(t)
	types, before := f.metrics(t)
	for name, typ := range map[string]string{
		"gongfu_http_requests_total":           "counter",
		"gongfu_http_request_duration_seconds": "histogram",
		"gongfu_reports_accepted_total":        "counter",
		"gongfu_reports_rejected_total":        "counter",
		"gongfu_audit_chain_length":            "gauge",
	} {
		if types[name] != typ {
			t.Errorf("%s: type %q, want %q", name, types[name], typ)
		}
	}

	// One report accepted, then refused for each reason.
	period := "2020-05"
	if r := f.put(t, "lc", f.countID, f.lc, period, `{"value": 3}`); r.status != 200 {
		t.Fatalf("put: %d %s", r.status, r.body)
	}
	for _, tc := range []struct {
		who, org, body string
		status         int
	}{
		{"lc", f.lc, `{"value": "three"}`, 422},
		{"lc", f.lc, `{"value": 4, "version": 0}`, 409},
		{"lc", f.ra, `{"value": 4}`, 403},
	} {
		if r := f.put(t, tc.who, f.countID, tc.org, period, tc.body); r.status != tc.status {
			t.Fatalf("put %s: %d, want %d: %s", tc.body, r.status, tc.status, r.body)
		}
	}
	_, after := f.metrics(t)
	delta := func(name string, labels map[string]string) float64 {
		return value(after, name, labels) - max(0, value(before, name, labels))
	}
	if d := delta("gongfu_reports_accepted_total", nil); d != 1 {
		t.Errorf("accepted moved by %v, want 1", d)
	}
	for _, reason := range []string{"invalid", "conflict", "forbidden"} {
		if value(before, "gongfu_reports_rejected_total", map[string]string{"reason": reason}) != 0 {
			t.Errorf("rejected{reason=%q} is not exposed as 0 at the start", reason)
		}
		if d := delta("gongfu_reports_rejected_total", map[string]string{"reason": reason}); d != 1 {
			t.Errorf("rejected{reason=%q} moved by %v, want 1", reason, d)
		}
	}
	for code, want := range map[string]float64{"200": 1, "422": 1, "409": 1, "403": 1} {
		if d := delta("gongfu_http_requests_total", map[string]string{"method": "PUT", "route": reportRoute, "code": code}); d != want {
			t.Errorf("requests{PUT, %s} moved by %v, want %v", code, d, want)
		}
	}
	if d := delta("gongfu_http_requests_total", map[string]string{"method": "GET", "route": "/metrics", "code": "200"}); d != 1 {
		t.Errorf("requests{GET /metrics} moved by %v, want 1", d)
	}
	head, err := f.db.AuditHead(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if v := value(after, "gongfu_audit_chain_length", nil); v != float64(head) || head == 0 {
		t.Errorf("audit chain length %v, want %d", v, head)
	}

	// Labels: patterns, never paths; histograms cumulative and consistent.
	routes := map[string]bool{}
	for _, s := range after {
		if r, ok := s.labels["route"]; ok {
			routes[r] = true
			if strings.Contains(r, "/plans/"+f.plan+"/") {
				t.Errorf("route label %q holds a raw path", r)
			}
		}
	}
	if !routes[reportRoute] {
		t.Errorf("no series for route %s among %v", reportRoute, routes)
	}
	for route := range routes {
		var bounds []float64
		var counts []float64
		inf := -1.0
		for _, s := range after {
			if s.name == "gongfu_http_request_duration_seconds_bucket" && s.labels["route"] == route {
				if s.labels["le"] == "+Inf" {
					inf = s.value
					continue
				}
				le, err := strconv.ParseFloat(s.labels["le"], 64)
				if err != nil {
					t.Errorf("le %q", s.labels["le"])
				}
				bounds, counts = append(bounds, le), append(counts, s.value)
			}
		}
		if !sort.Float64sAreSorted(bounds) || !sort.Float64sAreSorted(counts) {
			t.Errorf("route %s: buckets %v counts %v not increasing", route, bounds, counts)
		}
		n := value(after, "gongfu_http_request_duration_seconds_count", map[string]string{"route": route})
		sum := value(after, "gongfu_http_request_duration_seconds_sum", map[string]string{"route": route})
		if inf != n || n <= 0 || (len(counts) > 0 && counts[len(counts)-1] > inf) || sum < 0 || math.IsNaN(sum) {
			t.Errorf("route %s: +Inf %v, count %v, sum %v, buckets %v", route, inf, n, sum, counts)
		}
	}
	// A path no pattern matches is "unmatched", whatever it was.
	f.do(t, nil, "GET", "/no/such/page/"+fmt.Sprint(12345), nil, nil)
	f.do(t, nil, "BREW", "/coffee", nil, nil)
	_, last := f.metrics(t)
	for _, s := range last {
		if strings.Contains(s.labels["route"], "12345") || strings.Contains(s.labels["route"], "coffee") || s.labels["method"] == "BREW" {
			t.Errorf("unbounded label: %+v", s)
		}
	}
	if value(last, "gongfu_http_requests_total", map[string]string{"method": "other", "route": "unmatched", "code": "404"}) < 1 {
		t.Errorf("no series for the unknown method")
	}

	t.Run("access", func(t *testing.T) { metricsAccess(t, f) })
}

// metricsAccess: /metrics answers the machine itself and admins with a
// token; a request through a proxy on the same machine, or from anyone
// else, gets 404.
func metricsAccess(t *testing.T, f *reportFixture) {
	proxied := map[string]string{"X-Forwarded-For": "203.0.113.9"}
	for name, tc := range map[string]struct {
		hdr    map[string]string
		status int
	}{
		"loopback":           {nil, 200},
		"proxied":            {proxied, 404},
		"proxied, Forwarded": {map[string]string{"Forwarded": "for=203.0.113.9"}, 404},
		"proxied, reporter":  {map[string]string{"X-Real-IP": "203.0.113.9", "Authorization": "Bearer " + f.tok["lc"]}, 404},
		"proxied, leader":    {map[string]string{"X-Forwarded-For": "203.0.113.9", "Authorization": "Bearer " + f.tok["boss"]}, 404},
		"proxied, bad token": {map[string]string{"X-Forwarded-For": "203.0.113.9", "Authorization": "Bearer nope"}, 404},
		"proxied, admin":     {map[string]string{"X-Forwarded-For": "203.0.113.9", "Authorization": "Bearer " + f.tok["admin"]}, 200},
	} {
		r := f.do(t, nil, "GET", "/metrics", nil, tc.hdr)
		if r.status != tc.status {
			t.Errorf("%s: %d, want %d", name, r.status, tc.status)
		}
		if tc.status == 404 && strings.Contains(r.body, "gongfu_") {
			t.Errorf("%s: a refusal shows metrics", name)
		}
	}
}

// TestMetricsCountSpreadsheetUploads: a template uploaded through the
// browser (POST /report/upload) counts each of its reports: accepted when
// stored; when refused, every report it held is rejected with the
// refusal's reason — invalid figures, another unit's template (forbidden);
// a file whose rows cannot be read (not a workbook, text in a number
// cell) rejects one.
func TestMetricsCountSpreadsheetUploads(t *testing.T) {
	f := newReportFixture(t)
	f.addUser(t, "ra", "reporter", "瑞安市")
	lc, ra := f.loginForm(t, "lc"), f.loginForm(t, "ra")
	tmplURL := "/report/template.xlsx?period=2020-05&plan=" + f.plan
	wb := openXLSX(t, f.do(t, lc.c, "GET", tmplURL, nil, nil))
	rows := templateRows(t, wb)
	var mile string
	for id := range rows {
		if strings.Contains(id, ".m") && (mile == "" || id < mile) {
			mile = id
		}
	}
	fields := func(c *clientSession) map[string]string {
		return map[string]string{"csrf": c.csrf, "plan": f.plan, "period": "2020-05"}
	}
	counts := func() (float64, map[string]float64) {
		_, s := f.metrics(t)
		rej := map[string]float64{}
		for _, reason := range []string{"invalid", "conflict", "forbidden"} {
			rej[reason] = value(s, "gongfu_reports_rejected_total", map[string]string{"reason": reason})
		}
		return value(s, "gongfu_reports_accepted_total", nil), rej
	}
	step := func(what string, upload func() response, status int, accepted float64, rejected map[string]float64) {
		t.Helper()
		a0, r0 := counts()
		if r := upload(); r.status != status {
			t.Fatalf("%s: %d, want %d: %.400s", what, r.status, status, r.body)
		}
		a1, r1 := counts()
		if a1-a0 != accepted {
			t.Errorf("%s: accepted moved by %v, want %v", what, a1-a0, accepted)
		}
		for reason, v := range r1 {
			if d := v - r0[reason]; d != rejected[reason] {
				t.Errorf("%s: rejected{reason=%q} moved by %v, want %v", what, reason, d, rejected[reason])
			}
		}
	}

	good := fillTemplate(t, wb, map[[2]string]any{{"1.1", "F"}: 3, {"1.2", "F"}: 2, {mile, "I"}: "推进中", {mile, "J"}: 40})
	step("three rows stored", func() response { return f.postFile(t, lc, "/report/upload", fields(lc), "ok.xlsx", good) }, 303, 3, nil)

	wb = openXLSX(t, f.do(t, lc.c, "GET", tmplURL, nil, nil))
	bad := fillTemplate(t, wb, map[[2]string]any{{"1.1", "F"}: 5, {"1.2", "F"}: "abc"})
	step("text in a number cell", func() response { return f.postFile(t, lc, "/report/upload", fields(lc), "bad.xlsx", bad) },
		422, 0, map[string]float64{"invalid": 1})

	if r := f.put(t, "lc", "1.1", f.lc, "2020-04", `{"value": 6}`); r.status != 200 {
		t.Fatalf("put: %d %s", r.status, r.body)
	}
	wb = openXLSX(t, f.do(t, lc.c, "GET", tmplURL, nil, nil))
	fall := fillTemplate(t, wb, map[[2]string]any{{"1.1", "F"}: 4, {"1.3", "F"}: 4})
	step("a year-to-date value falling", func() response { return f.postFile(t, lc, "/report/upload", fields(lc), "fall.xlsx", fall) },
		422, 0, map[string]float64{"invalid": 2})

	other := fillTemplate(t, openXLSX(t, f.do(t, ra.c, "GET", tmplURL, nil, nil)), map[[2]string]any{{"1.1", "F"}: 7, {"1.2", "F"}: 1, {"1.3", "F"}: 1})
	step("another unit's template", func() response { return f.postFile(t, lc, "/report/upload", fields(lc), "ra.xlsx", other) },
		403, 0, map[string]float64{"forbidden": 3})

	step("not a workbook", func() response { return f.postFile(t, lc, "/report/upload", fields(lc), "x.xlsx", []byte("hello")) },
		422, 0, map[string]float64{"invalid": 1})

	// A refused CSRF check is not a report refused: nothing counts.
	step("no CSRF token", func() response {
		return f.postFile(t, lc, "/report/upload", map[string]string{"plan": f.plan}, "ok.xlsx", good)
	}, 403, 0, nil)
}
