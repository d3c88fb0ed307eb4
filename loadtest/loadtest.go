// Package loadtest is gongfu's deadline-day load test: many reporters log in
// and submit their monthly reports within the same minutes, against a real
// server over a real database, and afterwards every write the server
// acknowledged is looked up in that database.
//
// # Why
//
// Reports are due on a fixed day of the month (the 5th by default), and a
// city's reporters — county staff and the departments' — leave them to the
// last morning. That burst is the heaviest load gongfu sees, and the one
// moment it must not lose or refuse a report. The test answers three
// questions with numbers: how long reporters wait (p50/p95/p99 per kind of
// request: login, save, submit), whether any request fails (by status code),
// and whether every acknowledged write is in the database afterwards. The
// goals are p99 < 200 ms, no errors and nothing lost; errors and losses
// fail the run, latency is reported but never asserted, because a shared
// machine's timings vary from run to run.
//
// # How
//
// Run starts gongfu's HTTP server (package http, with production settings:
// one session per account, lockout, request logging) in this process on
// 127.0.0.1:0, over a fresh SQLite file in a temporary directory or, given
// a PostgreSQL URL, over a fresh schema of that database (dropped at the
// end). It seeds the demo plan and Wenzhou's city and counties, and creates
// the reporter accounts, all with one password hashed once (argon2id costs
// ~25 ms a hash; hashing is setup, not what is measured). The accounts are
// spread over the orgs that report: each county reports any target for
// itself, each department the city-wide figure of the targets it answers for
// (see the policy in package http). When the plan, the counties and twelve
// months do not offer enough distinct reports, townships are added under the
// counties.
//
// Every simulated reporter owns its reports: distinct (target, org, period)
// keys that no other reporter writes, so that what the database must hold
// afterwards is known exactly. Each is a goroutine with its own HTTP
// connection, arriving at a random moment within the ramp (seeded, so a run
// can be repeated). It logs in over HTTP (POST /api/v1/session: one argon2id
// verification on the server), then for each of its reports saves the
// figure (PUT …/reports/{target}/{org}/{period}, a draft) and submits it
// (POST …/submit), or, with OneStep, does both in one PUT with "submit":
// true as the entry form's 保存并报送 button does. Values rise with the month
// so that no year-to-date figure falls below an earlier month's, which the
// server would refuse without a reason.
//
// Every response is timed by the client, from sending the request to
// reading the whole response, so a latency includes queueing in the server
// (and on loopback, no network). The client shares the process and the CPUs
// with the server: it costs about 1 % of the CPU of a run, but once the
// CPUs are saturated its goroutines wait for them too (a dial that times
// out after 10 s is such a wait). The CPU figures in the result are the
// process's and the whole machine's, so that a run on a shared machine
// shows how much of it others took.
//
// LoginSlots is an experiment, off by default: it serves the same handler
// behind a gate that lets a fixed number of logins run at once, to measure
// what bounding the concurrency of argon2id (19 MiB and ~25 ms of CPU per
// check) would change before the server itself is changed.
//
// A 2xx answer to a save or submit is an acknowledgement: the key's
// expected state becomes that value, status and version. A 4xx answer
// changed nothing. A 5xx answer or a request without an answer (timeout,
// cancelled at the deadline) may or may not have been applied, so the
// stored report may show that write instead. After the load — or when the
// hard deadline passes, cancelling whatever is in flight, which the result
// reports — the server shuts down gracefully, the store is closed and
// opened again, and every key with an acknowledged write is read back: a
// missing report, or one with another value, status or an older version, is
// lost. The audit hash chain is verified as well.
package loadtest

import (
	"context"
	"fmt"
	"io"
	"time"

	"gongfu"
	"gongfu/postgres"
)

// Defaults of Options.
const (
	DefaultReporters  = 2000
	DefaultReportsPer = 5
	DefaultRamp       = 60 * time.Second
	DefaultTimeout    = 3 * time.Minute
	DefaultSeed       = 1
)

// GoalP99 is the latency goal: 99 % of requests of each kind answered
// within it. It is reported, never asserted.
const GoalP99 = 200 * time.Millisecond

// Bounds on the options, so that a typo cannot start a run that never ends.
const (
	MaxReporters  = 100_000
	MaxReportsPer = 1000
)

// setupTimeout bounds seeding and creating the accounts; checkTimeout the
// shutdown, reopening and checking after the load.
const (
	setupTimeout = 10 * time.Minute
	checkTimeout = 5 * time.Minute
)

// Options configure a run. The zero value of a field means its default.
type Options struct {
	// Reporters is how many reporters log in and submit (default 2000).
	Reporters int
	// ReportsPer is how many reports each submits (default 5).
	ReportsPer int
	// Ramp is the window within which the reporters arrive, each at a
	// seeded random moment (default 60 s). Negative means all at once.
	Ramp time.Duration
	// Timeout is the hard deadline of the load, counted from its start
	// (default 3 min): what is still running then is cancelled and the
	// run fails.
	Timeout time.Duration
	// Think is a reporter's mean pause before each save or submit
	// (exponentially distributed, seeded); 0 for none, the harshest case.
	Think time.Duration
	// OneStep saves and submits each report with one PUT ("submit": true)
	// instead of a PUT and a POST …/submit.
	OneStep bool
	// LoginSlots, when positive, is an experiment rather than the server
	// as shipped: the server's handler is served behind a gate that lets
	// at most LoginSlots logins (POST /api/v1/session) run at once, the
	// others waiting in line, as a semaphore around the password check
	// would. It measures what bounding argon2id's concurrency would buy.
	LoginSlots int
	// Seed makes arrivals, pauses and values repeatable (default 1).
	Seed uint64
	// DB is a PostgreSQL URL (postgres://… or postgresql://…) to run
	// against, in a new schema of its own that is dropped afterwards
	// (a search_path in the URL is replaced); "" for a new SQLite file.
	DB string
	// Dir is where the SQLite file and the server log go: a new directory
	// is made in it (default the system's temporary directory).
	Dir string
	// Keep keeps the SQLite file, the server log and the PostgreSQL
	// schema, for looking at afterwards (their names are in the result).
	Keep bool
	// Progress, when set, is told how setup and load advance.
	Progress Progress
	// CPUProfile, when set, receives a CPU profile of the load phase
	// (go tool pprof), server and client together.
	CPUProfile io.Writer
	// BeforeCheck, when set, runs after the server has stopped, on the
	// store opened again, before the acknowledged writes are checked;
	// dsn is the SQLite file's path or the PostgreSQL URL with its
	// schema. Tests use it to lose a write on purpose and see it counted.
	BeforeCheck func(ctx context.Context, db gongfu.Store, dsn string, acks []Ack) error
}

// Progress is told how a run advances; *progress.Reporter is one. Begin
// starts a phase of total units, Add counts units done, End closes it.
type Progress interface {
	Begin(phase string, total int64)
	Add(n int64)
	End()
}

// withDefaults fills in the defaults and checks the bounds.
func (o Options) withDefaults() (Options, error) {
	if o.Reporters == 0 {
		o.Reporters = DefaultReporters
	}
	if o.ReportsPer == 0 {
		o.ReportsPer = DefaultReportsPer
	}
	if o.Ramp == 0 {
		o.Ramp = DefaultRamp
	} else if o.Ramp < 0 {
		o.Ramp = 0
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Seed == 0 {
		o.Seed = DefaultSeed
	}
	switch {
	case o.Reporters < 1 || o.Reporters > MaxReporters:
		return o, fmt.Errorf("填报员人数应在 1–%d 之间 (reporters must be within 1-%d): %d", MaxReporters, MaxReporters, o.Reporters)
	case o.ReportsPer < 1 || o.ReportsPer > MaxReportsPer:
		return o, fmt.Errorf("每人填报数应在 1–%d 之间 (reports per reporter must be within 1-%d): %d", MaxReportsPer, MaxReportsPer, o.ReportsPer)
	case o.Timeout < 0:
		return o, fmt.Errorf("时限不能为负 (the timeout cannot be negative): %s", o.Timeout)
	case o.LoginSlots < 0:
		return o, fmt.Errorf("登录并发数不能为负 (login slots cannot be negative): %d", o.LoginSlots)
	case o.Think < 0:
		return o, fmt.Errorf("停顿时间不能为负 (the think time cannot be negative): %s", o.Think)
	case o.Ramp >= o.Timeout:
		return o, fmt.Errorf("到达窗口 %s 应短于时限 %s (the ramp must be shorter than the timeout)", o.Ramp, o.Timeout)
	}
	if o.DB != "" && !postgres.IsURL(o.DB) {
		return o, fmt.Errorf("数据库应为 PostgreSQL URL（postgres://…），SQLite 文件由本测试新建 (the database must be a PostgreSQL URL; the SQLite file is always a new one): %q", o.DB)
	}
	return o, nil
}

// Validate reports the first option out of bounds, in Chinese and English.
func (o Options) Validate() error {
	_, err := o.withDefaults()
	return err
}

// Run runs the load test and returns what it measured. An error means the
// test could not be run (setup, the server, the check itself failed);
// failed requests and lost writes are in the result (see Result.Passed).
func Run(ctx context.Context, o Options) (*Result, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	r := &runner{o: o}
	defer r.cleanup()
	return r.run(ctx)
}
