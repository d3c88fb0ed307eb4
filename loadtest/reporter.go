package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"gongfu"
)

// The kinds of request, as the result names them.
const (
	kindLogin      = "login"
	kindSave       = "save"
	kindSubmit     = "submit"
	kindSaveSubmit = "save+submit" // OneStep: PUT with "submit": true
)

// requestTimeout bounds one request, as a browser's patience would (the
// server's own write timeout is 60 s).
const requestTimeout = 60 * time.Second

// reporter is one simulated reporter and what happened to it.
type reporter struct {
	idx    int
	name   string
	org    *gongfu.Org
	keys   []keyState
	arrive time.Duration // after the load starts

	started, loggedIn, finished bool
}

// keyState is one report a reporter writes and what the server said.
type keyState struct {
	key    gongfu.ReportKey
	acked  bool
	ack    Write
	unsure []Write
}

// Write is a report's state as a write left it.
type Write struct {
	Value   float64             `json:"value"`
	Status  gongfu.ReportStatus `json:"status"`
	Version int64               `json:"version"` // 0 when unknown
}

// Ack is a report with an acknowledged write: the state the last 2xx
// answer reported, and the writes after it that may or may not have been
// applied (a 5xx answer or none at all), which the stored report may show
// instead.
type Ack struct {
	Key gongfu.ReportKey `json:"key"`
	Write
	Unsure []Write `json:"unsure,omitempty"`
}

// outcome is what an answer means for the write it carried.
type outcome int

const (
	acked   outcome = iota // 2xx: applied
	refused                // 4xx: not applied
	unsure                 // 5xx, a bad answer or none: perhaps applied
)

// simulate is one reporter's deadline morning: arrive, log in, save and
// submit each of its reports.
func (r *runner) simulate(ctx context.Context, rep *reporter, start time.Time) {
	perReport := 2
	if r.o.OneStep {
		perReport = 1
	}
	// Progress counts requests made or given up (after a failed login or
	// save, or at the deadline), so that it ends at its total.
	todo := int64(1 + perReport*len(rep.keys))
	step := func(n int64) { r.progress(n); todo -= n }
	defer func() { r.progress(todo) }()
	if !sleep(ctx, time.Until(start.Add(rep.arrive))) {
		return
	}
	rep.started = true
	r.arrived(1)
	defer r.arrived(-1)
	rng := rand.New(rand.NewPCG(r.o.Seed, uint64(rep.idx)+1))

	tr := &http.Transport{
		Proxy:               nil, // loopback only, whatever the environment says
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
		MaxIdleConnsPerHost: 1,
		IdleConnTimeout:     30 * time.Second,
		DisableCompression:  true,
	}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr}

	var login struct {
		Token string `json:"token"`
	}
	body := map[string]string{"username": rep.name, "password": r.password}
	out := r.request(ctx, c, kindLogin, "POST", "/api/v1/session", "", body, &login, func() error {
		if login.Token == "" {
			return errors.New("no token in the answer")
		}
		return nil
	})
	step(1)
	if out != acked {
		return
	}
	rep.loggedIn = true

	for i := range rep.keys {
		k := &rep.keys[i]
		path := fmt.Sprintf("/api/v1/plans/%d/reports/%s/%d/%s", k.key.PlanID, k.key.ItemID, k.key.OrgID, k.key.Period)
		if !r.think(ctx, rng) {
			return
		}
		w := Write{Value: valueFor(k.key.Period, rng), Status: gongfu.StatusDraft}
		in := map[string]any{"value": w.Value}
		kind := kindSave
		if r.o.OneStep {
			in["submit"] = true
			w.Status = gongfu.StatusSubmitted
			kind = kindSaveSubmit
		}
		var got gongfu.Report
		out := r.request(ctx, c, kind, "PUT", path, login.Token, in, &got, answers(&got, w))
		step(1)
		if !k.record(out, w, got.Version) || r.o.OneStep {
			if !r.o.OneStep {
				step(1) // no submit without a saved draft
			}
			continue
		}
		if !r.think(ctx, rng) {
			return
		}
		w.Status = gongfu.StatusSubmitted
		got = gongfu.Report{}
		out = r.request(ctx, c, kindSubmit, "POST", path+"/submit", login.Token, nil, &got, answers(&got, w))
		step(1)
		k.record(out, w, got.Version)
	}
	rep.finished = ctx.Err() == nil
}

// answers checks that a 2xx answer reports the write that was made.
func answers(got *gongfu.Report, w Write) func() error {
	return func() error {
		if got.Value == nil || *got.Value != w.Value || got.Status != w.Status || got.Version < 1 {
			v := "null"
			if got.Value != nil {
				v = strconv.FormatFloat(*got.Value, 'g', -1, 64)
			}
			return fmt.Errorf("answered value %s status %q version %d, want value %g status %q", v, got.Status, got.Version, w.Value, w.Status)
		}
		return nil
	}
}

// record notes a write's outcome and reports whether it was acknowledged.
func (k *keyState) record(out outcome, w Write, version int64) bool {
	switch out {
	case acked:
		w.Version = version
		k.acked, k.ack, k.unsure = true, w, nil
		return true
	case unsure:
		w.Version = 0
		k.unsure = append(k.unsure, w)
	}
	return false
}

// valueFor is a report's year-to-date value: it rises by 7 a month, with a
// random fraction below 1, so that no month's figure is below an earlier
// one's whichever order they are written in, and a percentage stays
// within 100.
func valueFor(period string, rng *rand.Rand) float64 {
	p, _ := gongfu.ParsePeriod(period)
	return float64(7*p.Index) + float64(rng.IntN(1000))/1000
}

// think pauses for an exponentially distributed time of mean Think; false
// when ctx ended first.
func (r *runner) think(ctx context.Context, rng *rand.Rand) bool {
	if r.o.Think <= 0 {
		return ctx.Err() == nil
	}
	return sleep(ctx, time.Duration(rng.ExpFloat64()*float64(r.o.Think)))
}

// sleep waits d; false when ctx ended first.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// request makes one API request, times it from sending to the end of the
// answer, counts it by kind and outcome, and decodes a 2xx answer into out.
func (r *runner) request(ctx context.Context, c *http.Client, kind, method, path, token string, in, out any, check func() error) outcome {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			r.stats.add(kind, 0, "client", method+" "+path+": "+err.Error())
			return refused
		}
		body = bytes.NewReader(b)
	}
	rctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, method, r.base+path, body)
	if err != nil {
		r.stats.add(kind, 0, "client", method+" "+path+": "+err.Error())
		return refused
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	r.inFlight(1)
	t0 := time.Now()
	resp, err := c.Do(req)
	var b []byte
	if err == nil {
		b, err = io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
	}
	d := time.Since(t0)
	r.inFlight(-1)
	if err != nil {
		code := "transport"
		switch {
		case ctx.Err() != nil:
			code = "cancelled" // the run's deadline, not the server
		case errors.Is(err, context.DeadlineExceeded):
			code = "timeout"
		}
		r.stats.add(kind, d, code, method+" "+path+": "+err.Error())
		return unsure
	}
	if resp.StatusCode/100 == 2 {
		if out != nil {
			err = json.Unmarshal(b, out)
		}
		if err == nil && check != nil {
			err = check()
		}
		if err != nil {
			r.stats.add(kind, d, "bad-answer", method+" "+path+": "+err.Error())
			return unsure
		}
		r.stats.add(kind, d, "", "")
		return acked
	}
	var e struct {
		Error struct {
			Code      string `json:"code"`
			MessageEN string `json:"message_en"`
		} `json:"error"`
	}
	json.Unmarshal(b, &e)
	msg := fmt.Sprintf("%s %s: %d %s %s", method, path, resp.StatusCode, e.Error.Code, e.Error.MessageEN)
	r.stats.add(kind, d, strconv.Itoa(resp.StatusCode), msg)
	if resp.StatusCode >= 500 {
		return unsure
	}
	return refused
}

// inFlight counts requests under way and keeps the peak.
func (r *runner) inFlight(d int64) { gauge(&r.flying, &r.flyingPeak, d) }

// arrived counts reporters between arrival and leaving, and keeps the peak.
func (r *runner) arrived(d int64) { gauge(&r.active, &r.activePeak, d) }

// gauge adds d to n and raises peak to n's new value when it is higher.
func gauge(n, peak *atomic.Int64, d int64) {
	v := n.Add(d)
	for {
		p := peak.Load()
		if v <= p || peak.CompareAndSwap(p, v) {
			return
		}
	}
}

// progress tells Progress n more requests are done (or will not be made).
func (r *runner) progress(n int64) {
	if r.o.Progress != nil && n > 0 {
		r.o.Progress.Add(n)
	}
}

// counters the reporters share.
type counters struct {
	active, activePeak atomic.Int64 // reporters between arrival and the end
	flying, flyingPeak atomic.Int64 // requests under way
}
