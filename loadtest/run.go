package loadtest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sync"
	"time"

	"gongfu"
	"gongfu/extract"
	gongfuhttp "gongfu/http"
	"gongfu/region"
)

// runner is one run: its store, server, reporters and result.
type runner struct {
	o        Options
	res      *Result
	work     string // working directory: server log, SQLite file
	dsn      string // the SQLite file, or the PostgreSQL URL with the schema
	schema   string // the PostgreSQL schema made for the run
	store    gongfu.Store
	stop     func(context.Context) error // shuts the server down gracefully
	logFile  *os.File
	base     string // http://127.0.0.1:port
	planID   int64
	password string
	stats    *stats
	warnings captured
	counters
}

func (r *runner) run(ctx context.Context) (*Result, error) {
	o := r.o
	r.stats = newStats()
	r.res = &Result{
		Reporters: o.Reporters, ReportsPer: o.ReportsPer, RampS: o.Ramp.Seconds(), TimeoutS: o.Timeout.Seconds(),
		ThinkS: o.Think.Seconds(), OneStep: o.OneStep, Seed: o.Seed, CPUs: runtime.GOMAXPROCS(0), Kept: o.Keep,
		LoginSlots: o.LoginSlots,
	}
	res := r.res

	// Setup: store, plan, orgs, accounts, server.
	t0 := time.Now()
	sctx, cancel := context.WithTimeout(ctx, setupTimeout)
	defer cancel()
	if err := r.openStore(sctx); err != nil {
		return nil, err
	}
	p, err := r.seed(sctx)
	if err != nil {
		return nil, err
	}
	reps, err := r.allocate(sctx, p)
	if err != nil {
		return nil, err
	}
	if err := r.createAccounts(sctx, reps); err != nil {
		return nil, err
	}
	if err := r.startServer(); err != nil {
		return nil, err
	}
	res.SetupS = seconds(time.Since(t0))

	r.load(ctx, reps)
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("已中断 (interrupted): %w", err)
	}

	// Stop, reopen, check.
	cctx, cancel2 := context.WithTimeout(ctx, checkTimeout)
	defer cancel2()
	stop := r.stop
	r.stop = nil
	if err := stop(cctx); err != nil {
		return nil, fmt.Errorf("服务未能正常停止 (the server did not shut down): %w", err)
	}
	if err := r.store.Close(); err != nil {
		return nil, fmt.Errorf("关闭数据库失败 (close the store): %w", err)
	}
	r.store = nil
	db, err := r.reopen(cctx)
	if err != nil {
		return nil, err
	}
	r.store = db
	acks := collect(reps)
	res.Acknowledged = len(acks)
	for _, a := range acks {
		if a.Status == gongfu.StatusSubmitted {
			res.Submitted++
		}
	}
	if res.LoadS > 0 {
		res.SubmittedPerS = round1(float64(res.Submitted) / res.LoadS)
	}
	if o.BeforeCheck != nil {
		if err := o.BeforeCheck(cctx, db, r.dsn, acks); err != nil {
			return nil, fmt.Errorf("BeforeCheck: %w", err)
		}
	}
	chk, err := Check(cctx, db, r.planID, acks)
	if err != nil {
		return nil, err
	}
	res.Check = *chk
	res.Lost = chk.Lost()
	if n, err := db.AuditHead(cctx); err == nil {
		res.AuditEntries = n
	}
	if seq, err := db.VerifyAudit(cctx); err != nil {
		res.AuditBroken = seq
		res.AuditError = err.Error()
	}
	res.GoalMet = true
	for _, k := range res.Kinds {
		res.GoalMet = res.GoalMet && k.GoalMet
	}
	res.Passed = len(res.Failures()) == 0
	return res, nil
}

// startServer starts gongfu's server, as `gongfu serve` sets it up, on a
// free loopback port, logging to server.log in the working directory. With
// LoginSlots the same handler is served behind a gate on logins, with the
// http.Server settings of (*gongfuhttp.Server).Open.
func (r *runner) startServer() error {
	f, err := os.Create(filepath.Join(r.work, "server.log"))
	if err != nil {
		return fmt.Errorf("无法建立服务日志 (cannot create the server log): %w", err)
	}
	r.logFile = f
	r.res.ServerLog = f.Name()
	logger := slog.New(capture{slog.NewTextHandler(f, nil), &r.warnings})
	srv := gongfuhttp.NewServer(r.store, logger)
	srv.Extract = func(name string, data []byte) (*gongfu.Plan, []string, error) {
		res, err := extract.Document(name, data)
		if err != nil {
			return nil, nil, err
		}
		return res.Plan, res.Warnings, nil
	}
	srv.PlanOrgs = region.PlanOrgs
	if r.o.LoginSlots <= 0 {
		if err := srv.Open("127.0.0.1:0"); err != nil {
			return fmt.Errorf("服务启动失败 (start the server): %w", err)
		}
		r.stop = srv.Close
		r.base = "http://" + srv.Addr()
		return nil
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("服务启动失败 (start the server): %w", err)
	}
	hs := &http.Server{
		Handler:           gateLogins(srv.Handler(), r.o.LoginSlots),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	go func() {
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("serve", "err", err)
		}
	}()
	r.stop = hs.Shutdown
	r.base = "http://" + ln.Addr().String()
	return nil
}

// gateLogins lets at most n logins through next at once; the others wait
// their turn, or give up with 503 when their client does.
func gateLogins(next http.Handler, n int) http.Handler {
	slots := make(chan struct{}, n)
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method == http.MethodPost && req.URL.Path == "/api/v1/session" {
			select {
			case slots <- struct{}{}:
				defer func() { <-slots }()
			case <-req.Context().Done():
				http.Error(w, "服务繁忙 (busy)", http.StatusServiceUnavailable)
				return
			}
		}
		next.ServeHTTP(w, req)
	})
}

// load lets the reporters loose and waits until all are done or the
// deadline has passed, measuring the process's CPU and GC meanwhile.
func (r *runner) load(ctx context.Context, reps []*reporter) {
	res := r.res
	lctx, cancel := context.WithTimeout(ctx, r.o.Timeout)
	defer cancel()
	perReport := 2
	if r.o.OneStep {
		perReport = 1
	}
	if r.o.Progress != nil {
		r.o.Progress.Begin("截止日填报 deadline-day load", int64(len(reps)*(1+perReport*r.o.ReportsPer)))
	}
	if r.o.CPUProfile != nil {
		if err := pprof.StartCPUProfile(r.o.CPUProfile); err != nil {
			res.ProfileError = err.Error()
		} else {
			defer pprof.StopCPUProfile()
		}
	}
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	cpu0 := cpuSeconds()
	busy0, total0, machineOK := machineCPU()
	start := time.Now()
	var wg sync.WaitGroup
	for _, rep := range reps {
		wg.Go(func() { r.simulate(lctx, rep, start) })
	}
	wg.Wait()
	elapsed := time.Since(start)
	res.TimedOut = errors.Is(lctx.Err(), context.DeadlineExceeded) && ctx.Err() == nil
	cpu := cpuSeconds() - cpu0
	busy1, total1, machineOK1 := machineCPU()
	if machineOK && machineOK1 && total1 > total0 {
		res.MachineCPUPercent = round1(100 * (busy1 - busy0) / (total1 - total0))
	}
	runtime.ReadMemStats(&ms1)
	if r.o.Progress != nil {
		r.o.Progress.End()
	}

	res.LoadS = seconds(elapsed)
	if cpu > 0 {
		res.CPUPercent = round1(100 * cpu / elapsed.Seconds() / float64(runtime.GOMAXPROCS(0)))
	}
	res.PeakRSSMB = math.Round(peakRSSMB())
	res.GCCycles = ms1.NumGC - ms0.NumGC
	res.GCPauseMS = round1(float64(ms1.PauseTotalNs-ms0.PauseTotalNs) / 1e6)
	res.PeakReporters, res.PeakInFlight = r.activePeak.Load(), r.flyingPeak.Load()
	for _, rep := range reps {
		if rep.started {
			res.Started++
		}
		if rep.loggedIn {
			res.LoggedIn++
		}
		if rep.finished {
			res.Finished++
		}
	}
	res.Kinds = r.stats.summarize(kindsOf(r.o.OneStep))
	all := res.Kinds[len(res.Kinds)-1]
	res.Errors = all.Errors
	for _, n := range all.Errors {
		res.ErrorCount += n
	}
	res.ErrorSamples = r.stats.samples
	if elapsed > 0 {
		res.RequestsPerS = round1(float64(all.Requests) / elapsed.Seconds())
	}
	r.warnings.mu.Lock()
	res.ServerWarnings, res.ServerWarningSamples = r.warnings.n, r.warnings.samples
	r.warnings.mu.Unlock()
}

// collect returns the reports with an acknowledged write, in reporter
// order.
func collect(reps []*reporter) []Ack {
	var acks []Ack
	for _, rep := range reps {
		for _, k := range rep.keys {
			if k.acked {
				acks = append(acks, Ack{Key: k.key, Write: k.ack, Unsure: k.unsure})
			}
		}
	}
	return acks
}

func seconds(d time.Duration) float64 { return math.Round(d.Seconds()*100) / 100 }

func round1(v float64) float64 { return math.Round(v*10) / 10 }
