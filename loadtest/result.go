package loadtest

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
)

// Result is what a run measured and found. Times are in seconds (_s) or
// milliseconds (_ms).
type Result struct {
	Store    string `json:"store"`    // sqlite or postgres
	Database string `json:"database"` // the SQLite file, or the URL (password hidden)
	Schema   string `json:"schema,omitempty"`
	WorkDir  string `json:"work_dir"`
	// ServerLog is the server's log (one line a request), kept with Keep.
	ServerLog string `json:"server_log"`
	Kept      bool   `json:"kept"`

	Reporters  int     `json:"reporters"`
	ReportsPer int     `json:"reports_per"`
	RampS      float64 `json:"ramp_s"`
	TimeoutS   float64 `json:"timeout_s"`
	ThinkS     float64 `json:"think_s"`
	OneStep    bool    `json:"one_step"`
	Seed       uint64  `json:"seed"`
	CPUs       int     `json:"cpus"` // GOMAXPROCS, shared by server and client

	PlanID            int64   `json:"plan_id"`
	Counties          int     `json:"counties"`
	Departments       int     `json:"departments"`
	Townships         int     `json:"townships"` // added for more distinct reports
	OrgsWithReporters int     `json:"orgs_with_reporters"`
	SetupS            float64 `json:"setup_s"`

	// The load.
	LoadS    float64 `json:"load_s"`
	Started  int     `json:"started"`   // reporters that arrived before the deadline
	LoggedIn int     `json:"logged_in"` // … and logged in
	Finished int     `json:"finished"`  // … and made all their requests
	// TimedOut: the hard deadline passed with reporters still at work.
	TimedOut      bool        `json:"timed_out"`
	PeakReporters int64       `json:"peak_reporters"` // at work at once
	PeakInFlight  int64       `json:"peak_in_flight"` // requests under way at once
	Kinds         []KindStats `json:"kinds"`          // login, save, submit, then all
	// Errors counts failed requests of every kind by status code or cause.
	Errors        map[string]int `json:"errors"`
	ErrorCount    int            `json:"error_count"`
	ErrorSamples  []string       `json:"error_samples,omitempty"`
	RequestsPerS  float64        `json:"requests_per_s"`
	Submitted     int            `json:"reports_submitted"` // acknowledged as submitted
	SubmittedPerS float64        `json:"reports_submitted_per_s"`
	// CPUPercent is the process's CPU time over the load, as a share of
	// all CPUs' time (server and client together).
	CPUPercent float64 `json:"cpu_percent"`
	// MachineCPUPercent is how busy all the machine's CPUs were over the
	// load, other processes included (Linux only; 0 elsewhere): far above
	// CPUPercent means others competed for the CPUs.
	MachineCPUPercent float64 `json:"machine_cpu_percent"`
	LoginSlots        int     `json:"login_slots,omitempty"` // the experiment of Options.LoginSlots`
	// PeakRSSMB is the most memory the process held (MiB), setup included.
	PeakRSSMB    float64 `json:"peak_rss_mb"`
	GCCycles     uint32  `json:"gc_cycles"`
	GCPauseMS    float64 `json:"gc_pause_ms"`
	ProfileError string  `json:"profile_error,omitempty"`
	// ServerWarnings counts the server's log records of level warning and
	// above (internal errors, panics, accept errors).
	ServerWarnings       int      `json:"server_warnings"`
	ServerWarningSamples []string `json:"server_warning_samples,omitempty"`

	// The check.
	Acknowledged int         `json:"acknowledged"` // reports with an acknowledged write
	Check        CheckResult `json:"check"`
	Lost         int         `json:"lost"`
	AuditEntries int64       `json:"audit_entries"`
	AuditBroken  int64       `json:"audit_broken,omitempty"` // first broken entry
	AuditError   string      `json:"audit_error,omitempty"`

	// GoalMet: every kind's p99 was below GoalP99 (reported, not a failure).
	GoalMet bool `json:"goal_met"`
	// Passed: no errors, nothing lost, every reporter finished in time,
	// the audit chain intact.
	Passed       bool   `json:"passed"`
	CleanupError string `json:"cleanup_error,omitempty"`
}

// Failures lists why the run failed, in Chinese and English; none when it
// passed. Latency is never one of them.
func (r *Result) Failures() []string {
	var f []string
	if r.ErrorCount > 0 {
		f = append(f, fmt.Sprintf("%d 个请求失败 (%d requests failed)", r.ErrorCount, r.ErrorCount))
	}
	if r.Lost > 0 {
		f = append(f, fmt.Sprintf("%d 项已确认的填报丢失 (%d acknowledged writes lost)", r.Lost, r.Lost))
	}
	if r.TimedOut {
		f = append(f, fmt.Sprintf("超过时限 %gs，%d 名填报员未完成 (the %gs deadline passed with %d reporters unfinished)",
			r.TimeoutS, r.Reporters-r.Finished, r.TimeoutS, r.Reporters-r.Finished))
	} else if r.Finished < r.Reporters && r.ErrorCount == 0 {
		f = append(f, fmt.Sprintf("%d 名填报员未完成 (%d reporters did not finish)", r.Reporters-r.Finished, r.Reporters-r.Finished))
	}
	if r.AuditError != "" {
		f = append(f, "审计链校验失败 (the audit chain is broken): "+r.AuditError)
	}
	return f
}

// PrintTable writes the result for a person to read.
func (r *Result) PrintTable(w io.Writer) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	db := r.Database
	if r.Store == "postgres" {
		db = "schema " + r.Schema
	}
	p("截止日压力测试 deadline-day load test: %s (%s)\n", r.Store, db)
	mode := "保存后报送 save, then submit"
	if r.OneStep {
		mode = "一步保存并报送 save and submit in one PUT"
	}
	p("  %d 名填报员 × %d 项 reporters × reports, %s; 到达窗口 ramp %gs, 时限 timeout %gs, 停顿 think %gs, seed %d\n",
		r.Reporters, r.ReportsPer, mode, r.RampS, r.TimeoutS, r.ThinkS, r.Seed)
	towns := ""
	if r.Townships > 0 {
		towns = fmt.Sprintf(" + %d 乡镇 townships", r.Townships)
	}
	p("  %d 个单位有填报员 orgs with reporters (%d 县区 counties, %d 部门 departments%s); 准备 setup %.1fs\n",
		r.OrgsWithReporters, r.Counties, r.Departments, towns, r.SetupS)
	p("  负载 load %.1fs: %.1f 请求/秒 requests/s, %.1f 项报送/秒 reports submitted/s; 同时 at once: 填报员 reporters ≤ %d, 请求 requests ≤ %d\n",
		r.LoadS, r.RequestsPerS, r.SubmittedPerS, r.PeakReporters, r.PeakInFlight)
	p("  CPU: 本进程 this process %.0f%% of %d (服务与客户端合计 server and client together), 整机 whole machine %.0f%%\n",
		r.CPUPercent, r.CPUs, r.MachineCPUPercent)
	p("  内存峰值 peak memory %.0f MiB; GC %d 次 cycles, 暂停 pauses %.1f ms\n", r.PeakRSSMB, r.GCCycles, r.GCPauseMS)
	if r.LoginSlots > 0 {
		p("  实验 experiment: 登录最多 %d 个同时校验密码，非出厂服务 (at most %d logins at once: not the server as shipped)\n", r.LoginSlots, r.LoginSlots)
	}
	p("\n")

	p("%-12s %9s %9s %8s %9s %9s %9s %9s  %s\n", "kind", "requests", "ok", "errors", "p50 ms", "p95 ms", "p99 ms", "max ms", "p99<200ms")
	for _, k := range r.Kinds {
		goal := "no"
		if k.GoalMet {
			goal = "yes"
		}
		p("%-12s %9d %9d %8d %9.1f %9.1f %9.1f %9.1f  %s\n", k.Kind, k.Requests, k.OK, k.Requests-k.OK, k.P50, k.P95, k.P99, k.Max, goal)
	}
	p("\n错误 errors: %s\n", codes(r.Errors))
	for _, s := range r.ErrorSamples {
		p("  %s\n", s)
	}
	p("丢失 lost: %d（已确认 %d 项，缺失 %d，不一致 %d）(of %d acknowledged reports: %d missing, %d changed)\n",
		r.Lost, r.Acknowledged, r.Check.Missing, r.Check.Changed, r.Acknowledged, r.Check.Missing, r.Check.Changed)
	for _, s := range r.Check.Samples {
		p("  %s\n", s)
	}
	if r.AuditError != "" {
		p("审计链 audit chain: 损坏 BROKEN at %d: %s\n", r.AuditBroken, r.AuditError)
	} else {
		p("审计链 audit chain: 完好 intact (%d 条 entries)\n", r.AuditEntries)
	}
	if r.ServerWarnings > 0 {
		p("服务警告 server warnings: %d\n", r.ServerWarnings)
		for _, s := range r.ServerWarningSamples {
			p("  %s\n", s)
		}
	}
	p("填报员 reporters: %d 到达 arrived, %d 登录 logged in, %d 完成 finished of %d\n", r.Started, r.LoggedIn, r.Finished, r.Reporters)
	var slow []string
	for _, k := range r.Kinds {
		if !k.GoalMet && k.Kind != "all" {
			slow = append(slow, fmt.Sprintf("%s %.0f ms", k.Kind, k.P99))
		}
	}
	if r.GoalMet {
		p("目标 goal p99 < 200 ms: 达到 met\n")
	} else {
		p("目标 goal p99 < 200 ms: 未达到 not met (%s)\n", strings.Join(slow, ", "))
	}
	if r.Kept {
		p("保留 kept: %s", r.WorkDir)
		if r.Schema != "" {
			p(", PostgreSQL schema %s", r.Schema)
		}
		p("\n")
	}
	if r.CleanupError != "" {
		p("清理 cleanup: %s\n", r.CleanupError)
	}
	if f := r.Failures(); len(f) > 0 {
		p("结果 result: 失败 FAIL — %s\n", strings.Join(f, "; "))
	} else {
		p("结果 result: 通过 PASS (0 errors, 0 lost)\n")
	}
}

// codes renders error counts as "409: 3, timeout: 1", or "none".
func codes(m map[string]int) string {
	if len(m) == 0 {
		return "0 (none)"
	}
	var parts []string
	for _, c := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s: %d", c, m[c]))
	}
	return strings.Join(parts, ", ")
}
