// Package bench measures gongfu's live analytics against SQL engines on a
// synthetic province: it generates a deterministic dataset (the org
// hierarchy, a plan's targets, year-to-date village figures), loads it into
// SQLite and, when given a URL, PostgreSQL, builds the live index, runs the
// same dashboard queries through each (a city's overview, a county's
// domain table, a township's trend, the equalization across counties), and
// times how long an acknowledged write takes to show in them.
//
// Every engine's answers are compared with the live index's, query by
// query: a fast wrong answer is not a result. The SQL engines get the setup
// an expert would give them (see sqliteEngine and pgEngine): a fact table
// carrying the hierarchy columns, covering indexes for each query, ANALYZE,
// and for PostgreSQL jit = off. The figures are measurements on whatever
// machine runs them, never assertions.
package bench

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"time"

	"gongfu/live"
	"gongfu/progress"
)

// Options say what to run.
type Options struct {
	Sizes Sizes
	// Scale names the sizes' origin ("city", "province", "custom"); it is
	// only reported.
	Scale string
	// PG is a PostgreSQL URL; "" skips PostgreSQL.
	PG string
	// Dir holds the SQLite file; "" for a temporary directory. The file is
	// removed afterwards unless Keep.
	Dir  string
	Keep bool
	// Queries is how many queries of the mix each engine runs (timed),
	// after a warm-up of a tenth of them.
	Queries int
	// Writes is how many write-to-visible trials each engine runs.
	Writes int
	// NoStartup skips rebuilding the index from SQLite (start-up timing).
	NoStartup bool
	// Progress, when set, shows progress.
	Progress *progress.Reporter
}

// Stats are one engine's figures.
type Stats struct {
	P50 float64 `json:"p50_ms"`
	P95 float64 `json:"p95_ms"`
	P99 float64 `json:"p99_ms"`
	// LoadPerS is values loaded per second: for gongfu the index build from
	// the records, for SQLite the INSERTs, for PostgreSQL the COPY (index
	// builds excluded; see IndexS).
	LoadPerS float64 `json:"load_per_s"`
	// LoadPerCPUS is values loaded per CPU-second of this process (gongfu
	// and SQLite, which run in it): what the load rate would be with a core
	// to itself, when other work shares the machine.
	LoadPerCPUS float64 `json:"load_per_cpu_s,omitempty"`
	// WriteVisible is the median time from starting an acknowledged write
	// to a query seeing it; WriteVisibleMax the slowest trial.
	WriteVisible    float64 `json:"write_visible_ms"`
	WriteVisibleMax float64 `json:"write_visible_max_ms"`
	// RSS in MiB: gongfu's process after building the index; for SQLite
	// (in-process) what its phase added to the process; for PostgreSQL the
	// query session's server process (0 when not readable).
	RSS float64 `json:"rss_mb"`
	// IndexS is the time to build indexes and statistics after the load;
	// StartupS (gongfu) the time to build the index from the SQLite store.
	IndexS   float64 `json:"index_s,omitempty"`
	StartupS float64 `json:"startup_s,omitempty"`
	// IndexMB is the size of the live index's arrays.
	IndexMB float64 `json:"index_mb,omitempty"`
	// Queries breaks the latencies down by query.
	Queries map[string]Latency `json:"queries"`
	// Mismatches counts answers that differ from the live index's.
	Mismatches int `json:"mismatches"`
}

// Latency is a percentile summary in milliseconds.
type Latency struct {
	N   int     `json:"n"`
	P50 float64 `json:"p50_ms"`
	P95 float64 `json:"p95_ms"`
	P99 float64 `json:"p99_ms"`
	Max float64 `json:"max_ms"`
}

// Result is what a bench run prints.
type Result struct {
	Values  int64             `json:"values"`
	Scale   string            `json:"scale"`
	Sizes   Sizes             `json:"sizes"`
	CPUs    int               `json:"cpus"`
	Engines map[string]*Stats `json:"engines"`
	// SQLiteFile is the SQLite file, when kept.
	SQLiteFile string `json:"sqlite_file,omitempty"`
	// FirstMismatch describes the first answer that differed, if any.
	FirstMismatch string `json:"first_mismatch,omitempty"`
}

// Run runs the bench.
func Run(ctx context.Context, o Options) (*Result, error) {
	ds, err := NewDataset(o.Sizes)
	if err != nil {
		return nil, err
	}
	if o.Queries <= 0 {
		o.Queries = 1000
	}
	if o.Writes <= 0 {
		o.Writes = 20
	}
	pr := o.Progress
	defer pr.Stop() // a phase an error left running
	res := &Result{Scale: o.Scale, Sizes: o.Sizes, CPUs: runtime.NumCPU(), Engines: map[string]*Stats{}}
	gs := &Stats{}
	res.Engines["gongfu"] = gs

	// 1. The live index, from the records.
	pr.Begin("gongfu: build index", ds.MaxValues())
	t0, c0 := time.Now(), cpuSeconds()
	b, err := live.NewBuilder(ds.H, ds.Plan)
	if err != nil {
		return nil, err
	}
	var n int64
	ds.Each(0, ds.Townships, func(r *Row) bool {
		b.Add(r.Leaf())
		if n++; n%65536 == 0 {
			pr.Add(65536)
		}
		return true
	})
	ix, err := b.Build()
	if err != nil {
		return nil, err
	}
	gs.LoadPerS = float64(n) / time.Since(t0).Seconds()
	gs.LoadPerCPUS = perCPU(n, c0)
	pr.Add(n % 65536)
	pr.End()
	res.Values = n
	gs.IndexMB = float64(ix.Bytes()) / (1 << 20)
	runtime.GC()
	debug.FreeOSMemory()
	gs.RSS = RSS()

	// 2. SQLite.
	dir := o.Dir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "gongfu-bench-"); err != nil {
			return nil, err
		}
		if !o.Keep {
			defer os.RemoveAll(dir)
		}
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, fmt.Sprintf("bench-%d.db", os.Getpid()))
	if o.Keep {
		res.SQLiteFile = path
	} else {
		defer func() {
			for _, s := range []string{"", "-wal", "-shm", "-journal"} {
				os.Remove(path + s)
			}
		}()
	}
	rss0 := RSS()
	ss := &Stats{}
	res.Engines["sqlite"] = ss
	sq, err := openSQLite(ctx, path, ds)
	if err != nil {
		return nil, err
	}
	defer sq.Close()
	pr.Begin("sqlite: insert", n)
	t0, c0 = time.Now(), cpuSeconds()
	sn, err := sq.Load(ctx, pr)
	if err != nil {
		return nil, err
	}
	ss.LoadPerS = float64(sn) / time.Since(t0).Seconds()
	ss.LoadPerCPUS = perCPU(sn, c0)
	pr.End()
	t0 = time.Now()
	if err := sq.Index(ctx, pr); err != nil {
		return nil, err
	}
	ss.IndexS = time.Since(t0).Seconds()

	// 3. gongfu's start-up: the index rebuilt from the store must be the
	// same as the one built from the records.
	if !o.NoStartup {
		pr.Begin("gongfu: start-up from SQLite", n)
		t0 = time.Now()
		b2, err := live.NewBuilder(ds.H, ds.Plan)
		if err != nil {
			return nil, err
		}
		var k int64
		err = sq.Scan(ctx, func(l live.Leaf) {
			b2.Add(l)
			if k++; k%65536 == 0 {
				pr.Add(65536)
			}
		})
		if err != nil {
			return nil, err
		}
		pr.Add(k % 65536)
		ix2, err := b2.Build()
		if err != nil {
			return nil, err
		}
		gs.StartupS = time.Since(t0).Seconds()
		pr.End()
		if !ix.Same(ix2) {
			return nil, fmt.Errorf("the index built from SQLite differs from the one built from the records")
		}
		ix2 = nil
		runtime.GC()
	}

	// 4. PostgreSQL.
	var pg *pgEngine
	if o.PG != "" {
		ps := &Stats{}
		res.Engines["postgres"] = ps
		if pg, err = openPG(ctx, o.PG, ds); err != nil {
			return nil, err
		}
		defer pg.Close()
		pr.Begin("postgres: copy", n)
		t0 = time.Now()
		pn, err := pg.Load(ctx, pr)
		if err != nil {
			return nil, err
		}
		ps.LoadPerS = float64(pn) / time.Since(t0).Seconds()
		pr.End()
		t0 = time.Now()
		if err := pg.Index(ctx, pr); err != nil {
			return nil, err
		}
		ps.IndexS = time.Since(t0).Seconds()
	}

	// 5. The query mix, the same list for every engine, answers compared
	// with the live index's.
	gongfu := &liveEngine{ix: ix, store: sq}
	engines := []engine{gongfu, sq}
	if pg != nil {
		engines = append(engines, pg)
	}
	qs := Mix(ds, o.Queries, o.Sizes.Seed+100)
	warm := Mix(ds, max(4, o.Queries/10), o.Sizes.Seed+200)
	var want []Answer
	for _, e := range engines {
		st := res.Engines[e.Name()]
		for _, q := range warm {
			if _, err := e.Answer(ctx, q); err != nil {
				return nil, fmt.Errorf("%s: %s: %w", e.Name(), q.Kind, err)
			}
		}
		pr.Begin(e.Name()+": queries", int64(len(qs)))
		all := make([]float64, 0, len(qs))
		byKind := make([][]float64, numKinds)
		for i, q := range qs {
			t := time.Now()
			a, err := e.Answer(ctx, q)
			ms := since(t)
			if err != nil {
				return nil, fmt.Errorf("%s: %s: %w", e.Name(), q.Kind, err)
			}
			all = append(all, ms)
			byKind[q.Kind] = append(byKind[q.Kind], ms)
			if e == engine(gongfu) {
				want = append(want, a)
			} else if ok, diff := Same(want[i], a); !ok {
				st.Mismatches++
				if res.FirstMismatch == "" {
					res.FirstMismatch = fmt.Sprintf("%s %s %+v: %s", e.Name(), q.Kind, q, diff)
				}
			}
			pr.Add(1)
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		pr.End()
		l := summarize(all)
		st.P50, st.P95, st.P99 = l.P50, l.P95, l.P99
		st.Queries = map[string]Latency{}
		for k, ms := range byKind {
			if len(ms) > 0 {
				st.Queries[QueryKind(k).String()] = summarize(ms)
			}
		}
	}
	ss.RSS = max(0, RSS()-rss0)
	if pg != nil {
		res.Engines["postgres"].RSS = pg.BackendRSS(ctx)
	}

	// 6. Write to visible. PostgreSQL, SQLite, then gongfu (whose write
	// goes to SQLite and then the index). SQLite's trials are mirrored into
	// the index, untimed, so that the index and SQLite stay the same; no
	// leaf is written twice.
	rng := rand.New(rand.NewPCG(o.Sizes.Seed+300, 9))
	used := map[[3]int32]bool{}
	for i := len(engines) - 1; i >= 0; i-- {
		e := engines[i]
		pr.Begin(e.Name()+": write to visible", int64(o.Writes))
		var ms []float64
		for range o.Writes {
			d, err := writeVisible(ctx, ds, ix, e, rng, used, e == engine(sq))
			if err != nil {
				return nil, fmt.Errorf("%s: write: %w", e.Name(), err)
			}
			ms = append(ms, d)
			pr.Add(1)
		}
		pr.End()
		l := summarize(ms)
		st := res.Engines[e.Name()]
		st.WriteVisible, st.WriteVisibleMax = l.P50, l.Max
	}
	// After the writes the live index and SQLite still agree.
	for _, q := range qs[:min(len(qs), 40)] {
		a, err := gongfu.Answer(ctx, q)
		if err != nil {
			return nil, err
		}
		b, err := sq.Answer(ctx, q)
		if err != nil {
			return nil, err
		}
		if ok, diff := Same(a, b); !ok {
			ss.Mismatches++
			if res.FirstMismatch == "" {
				res.FirstMismatch = fmt.Sprintf("after writes, sqlite %s %+v: %s", q.Kind, q, diff)
			}
		}
	}
	return res, nil
}

// writeVisible changes one existing increment value (one not in used)
// through engine e and returns the milliseconds until e's township trend
// shows the new figure. With mirror it then applies the write to the index.
func writeVisible(ctx context.Context, ds *Dataset, ix *live.Index, e engine, rng *rand.Rand, used map[[3]int32]bool, mirror bool) (float64, error) {
	var r Row
	for {
		v := int32(rng.IntN(ds.Villages))
		ts := ds.H.Targets[ds.H.Start[v]:ds.H.Start[v+1]]
		t := ts[rng.IntN(len(ts))]
		if ds.Plan.Targets[t].Rate {
			continue
		}
		m := int32(rng.IntN(ds.Months))
		old, _, ok, err := ix.Get(v, t, m)
		if err != nil {
			return 0, err
		}
		if !ok || used[[3]int32{v, t, m}] {
			continue
		}
		used[[3]int32{v, t, m}] = true
		w := ds.H.VillageTownship[v]
		k := ds.H.TownshipCounty[w]
		r = Row{Township: w, Target: t, Month: m, Village: v, County: k, City: ds.H.CountyCity[k], Value: old + 1 + float64(rng.IntN(50))}
		break
	}
	q := Query{Kind: TownshipTrend, Township: int(r.Township), Target: int(r.Target)}
	before, err := e.Answer(ctx, q)
	if err != nil {
		return 0, err
	}
	old, _, _, _ := ix.Get(r.Village, r.Target, r.Month)
	want := before.Trend[r.Month].Value + r.Value - old
	t0 := time.Now()
	if err := e.Write(ctx, r); err != nil {
		return 0, err
	}
	for {
		a, err := e.Answer(ctx, q)
		if err != nil {
			return 0, err
		}
		if a.Trend[r.Month].Value == want {
			break
		}
		if time.Since(t0) > 10*time.Second {
			return 0, fmt.Errorf("the write was not visible after 10 s")
		}
	}
	ms := since(t0)
	if mirror {
		if err := ix.Set(r.Leaf()); err != nil {
			return 0, err
		}
	}
	return ms, nil
}

// perCPU returns n per CPU-second used since c0, 0 when not measured.
func perCPU(n int64, c0 float64) float64 {
	if c := cpuSeconds() - c0; c0 > 0 && c > 0 {
		return float64(n) / c
	}
	return 0
}

// summarize returns nearest-rank percentiles of ms.
func summarize(ms []float64) Latency {
	if len(ms) == 0 {
		return Latency{}
	}
	s := append([]float64(nil), ms...)
	sort.Float64s(s)
	at := func(p float64) float64 {
		i := int(p*float64(len(s))+0.999999) - 1
		return s[min(max(i, 0), len(s)-1)]
	}
	return Latency{N: len(s), P50: at(0.50), P95: at(0.95), P99: at(0.99), Max: s[len(s)-1]}
}

// RSS returns the process's resident memory in MiB from /proc/self/status
// (VmRSS), 0 where there is no /proc.
func RSS() float64 { return procRSS("/proc/self/status") }

func procRSS(path string) float64 {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest)
			if len(f) >= 1 {
				kb, _ := strconv.ParseFloat(f[0], 64)
				return kb / 1024
			}
		}
	}
	return 0
}

// engineOrder is the order engines are printed in.
var engineOrder = []string{"gongfu", "sqlite", "postgres"}

// PrintTable writes the result as a readable table.
func (r *Result) PrintTable(w io.Writer) {
	s := r.Sizes
	fmt.Fprintf(w, "gongfu bench — %s: %d cities, %d counties, %d townships, %d villages, %d targets, %d months; %s values; %d CPUs\n\n",
		r.Scale, s.Cities, s.Counties, s.Townships, s.Villages, s.Targets, s.Months, group(r.Values), r.CPUs)
	fmt.Fprintf(w, "%-9s %9s %9s %9s %12s %9s %11s %9s %9s %6s\n",
		"engine", "p50 ms", "p95 ms", "p99 ms", "load/s", "index s", "write→vis", "(max)", "RSS MiB", "wrong")
	for _, name := range engineOrder {
		st, ok := r.Engines[name]
		if !ok {
			continue
		}
		idx := "-"
		if st.IndexS > 0 {
			idx = fmt.Sprintf("%.1f", st.IndexS)
		}
		fmt.Fprintf(w, "%-9s %9.3f %9.3f %9.3f %12s %9s %9.2fms %7.2fms %9.0f %6d\n",
			name, st.P50, st.P95, st.P99, group(int64(st.LoadPerS)), idx, st.WriteVisible, st.WriteVisibleMax, st.RSS, st.Mismatches)
	}
	fmt.Fprintf(w, "\n%-9s %-15s %10s %10s %10s %10s\n", "engine", "query", "p50 ms", "p95 ms", "p99 ms", "max ms")
	for _, name := range engineOrder {
		st, ok := r.Engines[name]
		if !ok {
			continue
		}
		for k := QueryKind(0); k < numKinds; k++ {
			l := st.Queries[k.String()]
			fmt.Fprintf(w, "%-9s %-15s %10.3f %10.3f %10.3f %10.3f\n", name, k, l.P50, l.P95, l.P99, l.Max)
		}
	}
	if g := r.Engines["gongfu"]; g != nil {
		fmt.Fprintf(w, "\ngongfu: index %.0f MiB of arrays", g.IndexMB)
		if g.StartupS > 0 {
			fmt.Fprintf(w, "; start-up from SQLite %.1f s", g.StartupS)
		}
		fmt.Fprintln(w)
		if sq := r.Engines["sqlite"]; sq != nil && sq.LoadPerCPUS > 0 {
			fmt.Fprintf(w, "load per CPU-second of this process: gongfu %s/s, sqlite %s/s (load/s is per wall-clock second)\n",
				group(int64(g.LoadPerCPUS)), group(int64(sq.LoadPerCPUS)))
		}
		if pg := r.Engines["postgres"]; pg != nil && g.P95 > 0 {
			fmt.Fprintf(w, "p95 PostgreSQL / gongfu: %.0f×\n", pg.P95/g.P95)
		}
	}
	if r.SQLiteFile != "" {
		fmt.Fprintf(w, "SQLite file kept: %s\n", r.SQLiteFile)
	}
	if r.FirstMismatch != "" {
		fmt.Fprintf(w, "\nWRONG ANSWER: %s\n", r.FirstMismatch)
	}
}

// group writes n with thousands separators: 24,480,000.
func group(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
