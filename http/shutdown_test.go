package http_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"gongfu"
)

// TestGracefulShutdown: Close stops taking connections at once but lets a
// request already being served finish. The request is a report whose body
// is still arriving when Close is called; it completes with 200 and the
// report is stored, while new connections are refused.
func TestGracefulShutdown(t *testing.T) {
	f := newReportFixture(t)
	addr := f.Addr()

	// With Expect: 100-continue the client sends the body only once the
	// handler starts reading it, so the first Write below returning means
	// the request is in the handler.
	pr, pw := io.Pipe()
	req, err := http.NewRequest("PUT", f.base+"/api/v1/plans/"+f.plan+"/reports/"+f.countID+"/"+f.lc+"/2020-05", pr)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+f.tok["lc"])
	req.Header.Set("Expect", "100-continue")
	req.ContentLength = int64(len(`{"value": 7, "note": "slow"}`))
	client := &http.Client{Transport: &http.Transport{ExpectContinueTimeout: time.Minute}}
	type result struct {
		status int
		body   string
		err    error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := client.Do(req)
		if err != nil {
			done <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		done <- result{status: resp.StatusCode, body: string(b)}
	}()
	if _, err := pw.Write([]byte(`{"value": 7, `)); err != nil {
		t.Fatal(err)
	}

	closed := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		closed <- f.Close(ctx)
	}()

	// New connections are refused as soon as Close has begun.
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("the server still accepts connections after Close")
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case err := <-closed:
		t.Fatalf("Close returned (%v) while a request was in flight", err)
	case r := <-done:
		t.Fatalf("the in-flight request ended early: %+v", r)
	case <-time.After(200 * time.Millisecond):
	}

	// The rest of the body arrives; the request completes.
	if _, err := pw.Write([]byte(`"note": "slow"}`)); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	r := <-done
	if r.err != nil || r.status != 200 {
		t.Fatalf("in-flight request: %d %v %s", r.status, r.err, r.body)
	}
	var rep gongfu.Report
	if err := json.Unmarshal([]byte(r.body), &rep); err != nil || rep.Value == nil || *rep.Value != 7 {
		t.Fatalf("response %s (%v)", r.body, err)
	}
	if err := <-closed; err != nil {
		t.Fatalf("Close: %v", err)
	}
	orgID, _ := strconv.ParseInt(f.lc, 10, 64)
	planID, _ := strconv.ParseInt(f.plan, 10, 64)
	stored, err := f.db.FindReport(t.Context(), gongfu.ReportKey{PlanID: planID, ItemID: f.countID, OrgID: orgID, Period: "2020-05"})
	if err != nil || stored.Value == nil || *stored.Value != 7 || stored.Note != "slow" {
		t.Fatalf("stored report %+v, %v", stored, err)
	}
	if _, err := http.Get(f.base + "/healthz"); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Errorf("a request after Close: %v, want connection refused", err)
	}
}
