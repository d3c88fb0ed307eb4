package loadtest

import (
	"context"
	"log/slog"
	"math"
	"slices"
	"sync"
	"time"
)

// maxSamples is how many example messages of errors are kept.
const maxSamples = 10

// stats collects every request's latency and outcome by kind.
type stats struct {
	mu      sync.Mutex
	kinds   map[string]*kindLog
	samples []string
}

type kindLog struct {
	lat    []time.Duration
	errors map[string]int
}

func newStats() *stats { return &stats{kinds: map[string]*kindLog{}} }

// add records one request of kind that took d; code is "" for success,
// else the status code or what went wrong ("timeout", "transport", …), with
// msg an example message.
func (s *stats) add(kind string, d time.Duration, code, msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := s.kinds[kind]
	if k == nil {
		k = &kindLog{errors: map[string]int{}}
		s.kinds[kind] = k
	}
	k.lat = append(k.lat, d)
	if code != "" {
		k.errors[code]++
		if len(s.samples) < maxSamples {
			s.samples = append(s.samples, kind+" "+msg)
		}
	}
}

// KindStats is what one kind of request measured. Latencies are in
// milliseconds, over every request made (failed ones included).
type KindStats struct {
	Kind     string         `json:"kind"`
	Requests int            `json:"requests"`
	OK       int            `json:"ok"`
	Errors   map[string]int `json:"errors"` // by status code, or timeout, transport, cancelled, bad-answer
	P50      float64        `json:"p50_ms"`
	P95      float64        `json:"p95_ms"`
	P99      float64        `json:"p99_ms"`
	Max      float64        `json:"max_ms"`
	// GoalMet: p99 below GoalP99.
	GoalMet bool `json:"goal_met"`
}

// summarize returns the kinds in order, then "all" over every request.
func (s *stats) summarize(order []string) []KindStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []KindStats
	all := &kindLog{errors: map[string]int{}}
	for _, name := range order {
		k := s.kinds[name]
		if k == nil {
			k = &kindLog{errors: map[string]int{}}
		}
		out = append(out, k.summary(name))
		all.lat = append(all.lat, k.lat...)
		for c, n := range k.errors {
			all.errors[c] += n
		}
	}
	return append(out, all.summary("all"))
}

func (k *kindLog) summary(name string) KindStats {
	lat := slices.Clone(k.lat)
	slices.Sort(lat)
	ks := KindStats{Kind: name, Requests: len(lat), Errors: map[string]int{}}
	n := 0
	for c, v := range k.errors {
		ks.Errors[c] = v
		n += v
	}
	ks.OK = len(lat) - n
	if len(lat) > 0 {
		ks.P50, ks.P95, ks.P99 = quantile(lat, 0.50), quantile(lat, 0.95), quantile(lat, 0.99)
		ks.Max = ms(lat[len(lat)-1])
	}
	ks.GoalMet = len(lat) > 0 && ks.P99 < ms(GoalP99)
	return ks
}

// quantile is the nearest-rank q-quantile of sorted, in milliseconds.
func quantile(sorted []time.Duration, q float64) float64 {
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return ms(sorted[min(max(i, 0), len(sorted)-1)])
}

func ms(d time.Duration) float64 { return math.Round(float64(d)/1e4) / 100 }

// capture counts the server's log records of level warning and above and
// keeps the first few, passing every record on to the handler it wraps.
type capture struct {
	slog.Handler
	c *captured
}

type captured struct {
	mu      sync.Mutex
	n       int
	samples []string
}

func (h capture) Handle(ctx context.Context, r slog.Record) error {
	if r.Level >= slog.LevelWarn {
		h.c.mu.Lock()
		h.c.n++
		if len(h.c.samples) < maxSamples {
			line := r.Level.String() + " " + r.Message
			r.Attrs(func(a slog.Attr) bool {
				line += " " + a.String()
				return true
			})
			h.c.samples = append(h.c.samples, line)
		}
		h.c.mu.Unlock()
	}
	return h.Handler.Handle(ctx, r)
}

func (h capture) WithAttrs(as []slog.Attr) slog.Handler {
	return capture{h.Handler.WithAttrs(as), h.c}
}

func (h capture) WithGroup(name string) slog.Handler {
	return capture{h.Handler.WithGroup(name), h.c}
}
