package main

// gongfu loadtest: the deadline-day load test (package loadtest). Every name
// this file adds to package main starts with "loadtest".

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"gongfu/loadtest"
	"gongfu/postgres"
	"gongfu/progress"
)

const loadtestUsage = `用法 Usage: gongfu loadtest [--reporters N] [--reports-per N] [--ramp D] [--timeout D]
                       [--db postgres://…] [--json] [--seed N]

模拟截止日上午：在本进程内启动真实的 gongfu 服务（仅监听 127.0.0.1），使用新建的数据库
（默认临时目录中的 SQLite 文件；给定 --db 时为 PostgreSQL 中新建的模式，结束后删除），载入演示计划
和温州市各县区，为每名填报员建立账户（分布在各县区和有指标的部门）。各填报员在到达窗口内随机到达，
通过 HTTP 登录（服务端一次 argon2id 校验），逐项保存并报送各自的填报（互不重复的 指标×单位×月份）。
统计登录、保存、报送的 p50/p95/p99/最大延迟和按状态码的错误数；结束后正常停止服务、重新打开数据库，
逐项核对每个已确认（2xx）的写入是否以确认时的数值、状态和版本存在，并校验审计链。
有错误、有丢失或超过时限时退出码为 1；延迟只报告、不作为失败条件（目标 p99 < 200 ms）。
Simulates the morning of the reporting deadline: starts a real gongfu server in this process
(on 127.0.0.1 only) over a new database (a SQLite file in a temporary directory, or with --db a
new schema of a PostgreSQL database, dropped afterwards), seeds the demo plan and Wenzhou's
counties, and creates one account per reporter, spread over the counties and the departments
with targets. Each reporter arrives at a random moment within the ramp, logs in over HTTP (one
argon2id check on the server), then saves and submits reports of its own (distinct target × org ×
month). Prints p50/p95/p99/max latency of logins, saves and submits and errors by status code;
then stops the server gracefully, reopens the database and checks that every acknowledged (2xx)
write is there with its acknowledged value, status and version, and that the audit chain holds.
Exits 1 on any error, any lost write or a passed deadline; latency is reported, never a failure
(the goal is p99 < 200 ms).

  --reporters N     填报员人数（默认 2000）(simulated reporters; default 2000)
  --reports-per N   每人填报项数（默认 5）(reports per reporter; default 5)
  --ramp D          全部填报员在此时间内随机到达（默认 60s；0 为同时到达）
                    (all arrive at random within D; default 60s, 0 = all at once)
  --timeout D       负载阶段的硬时限，到时取消进行中的请求并判为失败（默认 3m）
                    (hard deadline of the load; what is in flight then is cancelled; default 3m)
  --think D         每次保存或报送前的平均停顿（指数分布，默认 0：不停顿，最严苛）
                    (mean pause before each save or submit, exponential; default 0, the harshest)
  --one-step        一次 PUT 保存并报送（"submit": true，同网页“保存并报送”），默认先保存再报送
                    (save and submit with one PUT, as the form's 保存并报送 button; default PUT then POST …/submit)
  --login-slots N   实验：服务端最多 N 个登录同时校验密码，其余排队（模拟建议的修复，不是出厂服务）
                    (experiment: at most N logins check passwords at once, the others queue: the
                    proposed fix, not the server as shipped)
  --db URL          使用 PostgreSQL（postgres://…），在新建的模式中运行，结束后删除；默认 SQLite
                    (run against PostgreSQL in a new schema, dropped afterwards; default SQLite)
  --dir DIR         SQLite 文件和服务日志所在目录，默认系统临时目录 (where the SQLite file and the
                    server log go; default the system's temporary directory)
  --keep            保留数据库文件、服务日志和 PostgreSQL 模式以便查看 (keep the database, the
                    server log and the PostgreSQL schema for inspection)
  --seed N          到达时间、停顿和数值的随机种子（默认 1）(seed of arrivals, pauses and values; default 1)
  --cpuprofile FILE 负载阶段的 CPU profile（go tool pprof）(CPU profile of the load phase)
  --json            输出 JSON：{"kinds": [{"kind", "requests", "ok", "errors", "p50_ms", "p95_ms",
                    "p99_ms", "max_ms", "goal_met"}…], "error_count", "lost", "passed", …}
  --quiet           不显示进度 (no progress on stderr)

示例 Examples:
  gongfu loadtest
  gongfu loadtest --reporters 200 --reports-per 3 --ramp 10s
  gongfu loadtest --db 'postgres://postgres@127.0.0.1:5432/test?sslmode=disable'
  gongfu loadtest --cpuprofile load.prof && go tool pprof -top load.prof
  gongfu loadtest --login-slots 2
  gongfu loadtest --json --quiet | jq '.kinds[] | {kind, p99_ms}'`

func runLoadtest(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "loadtest", loadtestUsage)
	var o loadtest.Options
	fs.IntVar(&o.Reporters, "reporters", loadtest.DefaultReporters, "")
	fs.IntVar(&o.ReportsPer, "reports-per", loadtest.DefaultReportsPer, "")
	fs.DurationVar(&o.Ramp, "ramp", loadtest.DefaultRamp, "")
	fs.DurationVar(&o.Timeout, "timeout", loadtest.DefaultTimeout, "")
	fs.DurationVar(&o.Think, "think", 0, "")
	fs.BoolVar(&o.OneStep, "one-step", false, "")
	fs.IntVar(&o.LoginSlots, "login-slots", 0, "")
	fs.StringVar(&o.DB, "db", "", "")
	fs.StringVar(&o.Dir, "dir", "", "")
	fs.BoolVar(&o.Keep, "keep", false, "")
	fs.Uint64Var(&o.Seed, "seed", loadtest.DefaultSeed, "")
	cpuprofile := fs.String("cpuprofile", "", "")
	asJSON := fs.Bool("json", false, "")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return helpOr(e, loadtestUsage, err)
	}
	if len(pos) > 0 {
		return fmt.Errorf("%w: 多余的参数 %q (unexpected argument)", errUsage, pos[0])
	}
	// Zero means "the default" to the package; on the command line a zero
	// count is a mistake and a zero ramp means all at once.
	if o.Reporters <= 0 || o.ReportsPer <= 0 {
		return fmt.Errorf("%w: --reporters 和 --reports-per 至少为 1 (must be at least 1)", errUsage)
	}
	if o.Ramp == 0 {
		o.Ramp = -1
	}
	if o.Timeout <= 0 {
		return fmt.Errorf("%w: --timeout 应为正数 (must be positive)", errUsage)
	}
	if o.Seed == 0 {
		return fmt.Errorf("%w: --seed 不能为 0 (must not be 0)", errUsage)
	}
	if o.DB != "" && !postgres.IsURL(o.DB) {
		return fmt.Errorf("%w: --db 只接受 PostgreSQL URL（postgres://…）；SQLite 文件总是新建，位置用 --dir 指定 (--db takes a PostgreSQL URL; the SQLite file is always a new one, placed with --dir)", errUsage)
	}
	if err := o.Validate(); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if !e.quiet {
		o.Progress = progress.New(e.stderr, progress.IsTerminal(e.stderr))
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return fmt.Errorf("无法建立 CPU profile 文件 (cannot create the CPU profile): %w", err)
		}
		defer f.Close()
		o.CPUProfile = f
	}
	res, err := loadtest.Run(ctx, o)
	if err != nil {
		if o.DB != "" {
			// Driver errors may quote the URL; never show its password.
			return fmt.Errorf("%s", strings.ReplaceAll(err.Error(), o.DB, postgres.RedactURL(o.DB)))
		}
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			return err
		}
	} else {
		res.PrintTable(e.stdout)
	}
	if f := res.Failures(); len(f) > 0 {
		return fmt.Errorf("压力测试未通过 (load test failed): %s", strings.Join(f, "; "))
	}
	return nil
}
