package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"gongfu"
	"gongfu/demo"
	"gongfu/extract"
	gongfuhttp "gongfu/http"
	"gongfu/region"
)

const serveUsage = `用法 Usage: gongfu serve [--addr 127.0.0.1:8080] [--db PATH] [--demo]

启动网页服务和 JSON 接口。--demo 在空数据库中载入温州市 2020 年行动计划、
温州市及 12 个县（市、区）和计划中的责任部门，便于试用。
Runs the web UI and JSON API. --demo loads Wenzhou's 2020 plan, the city, its
12 county-level units and the plan's departments into an empty database.

  --addr ADDR   监听地址 (listen address; default 127.0.0.1:8080)
  --db PATH     数据库文件 (database file; default gongfu.db)
  --demo        载入演示数据 (load the demo data into an empty database)
  --webhook URL 催报时同时发送到钉钉/企业微信群机器人，默认关闭
                (also send reminders to a DingTalk/WeCom group robot; off by default)

安全（等保 2.0 三级，GB/T 22239-2019）Security controls:
  --idle-timeout D      无操作超时自动退出 (idle timeout; default 30m)
  --session-lifetime D  登录最长有效期 (absolute session lifetime; default 12h)
  --single-session=B    每个账户只保留一个登录，新登录使旧登录失效
                        (one live session per account; default true)
  --password-days N     密码有效期天数，0 为不过期 (password expiry in days;
                        default 90, 0 = off); 过期后须先改密码 (then a change is forced)
  --require-2fa         管理员角色（admin、secadmin、auditor）须启用双因素认证
                        (TOTP)；默认关闭，便于 --demo 试用，生产环境应开启
                        (administrators must use TOTP; off by default so that
                        --demo logs in with a password alone: turn it on in production)
  --lockout N           同一账户连续失败 N 次后锁定 (failed logins before a lockout; default 5)
  --lockout-window D    锁定时长与计数窗口 (lockout and counting window; default 15m)
  审计日志只增不改、全部保留（不少于六个月）；三员分立：admin 系统管理员、
  secadmin 安全管理员、auditor 审计管理员（唯一可查看审计日志的角色）。
  The audit trail is append-only and kept whole (six months and more); only
  the auditor role reads it.

示例 Examples:
  gongfu serve --demo
  gongfu serve --addr 0.0.0.0:8080 --db /var/lib/gongfu/gongfu.db --require-2fa`

func runServe(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "serve", serveUsage)
	addr := fs.String("addr", "127.0.0.1:8080", "listen address")
	dbPath := fs.String("db", defaultDB, "database")
	withDemo := fs.Bool("demo", false, "load demo data")
	webhook := fs.String("webhook", "", "DingTalk/WeCom robot URL for reminders")
	sec := gongfuhttp.DefaultSecurity()
	fs.DurationVar(&sec.IdleTimeout, "idle-timeout", sec.IdleTimeout, "idle timeout")
	fs.DurationVar(&sec.MaxLifetime, "session-lifetime", sec.MaxLifetime, "absolute session lifetime")
	fs.BoolVar(&sec.SingleSession, "single-session", sec.SingleSession, "one live session per account")
	passwordDays := fs.Int("password-days", 90, "password expiry in days, 0 = off")
	fs.BoolVar(&sec.Require2FA, "require-2fa", false, "administrators must use TOTP")
	fs.IntVar(&sec.MaxFailures, "lockout", sec.MaxFailures, "failed logins before a lockout")
	fs.DurationVar(&sec.LockoutWindow, "lockout-window", sec.LockoutWindow, "lockout window")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return helpOr(e, serveUsage, err)
	}
	if len(pos) > 0 {
		return fmt.Errorf("%w: 多余的参数 %q (unexpected argument)", errUsage, pos[0])
	}
	db, err := openStore(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	// The demo's plan and accounts load before the server listens, so the
	// first page shows the plan; its year of reports (tens of thousands of
	// audited writes) loads while the server already answers.
	var demoPlan *gongfu.Plan
	if *withDemo {
		if demoPlan, err = loadDemo(ctx, e, db); err != nil {
			return fmt.Errorf("load demo data: %w", err)
		}
	}
	logger := slog.New(slog.NewTextHandler(e.stderr, nil))
	srv := gongfuhttp.NewServer(db, logger)
	srv.Extract = func(name string, data []byte) (*gongfu.Plan, []string, error) {
		res, err := extract.Document(name, data)
		if err != nil {
			return nil, nil, err
		}
		return res.Plan, res.Warnings, nil
	}
	srv.PlanOrgs = region.PlanOrgs
	if sec.IdleTimeout <= 0 || sec.MaxLifetime <= 0 || sec.LockoutWindow <= 0 || sec.MaxFailures <= 0 || *passwordDays < 0 {
		return gongfu.Failf(gongfu.EINVALID, "安全参数应为正数（--password-days 可为 0）")
	}
	sec.PasswordMaxAge = time.Duration(*passwordDays) * 24 * time.Hour
	srv.Security = sec
	if *webhook != "" {
		u, err := url.Parse(*webhook)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return gongfu.Failf(gongfu.EINVALID, "--webhook 应为 http(s) 地址")
		}
		srv.Webhook = *webhook
	}
	if err := srv.Open(*addr); err != nil {
		return gongfu.Failf(gongfu.EINVALID, "无法监听 %s：%v", *addr, err)
	}
	fmt.Fprintf(e.stdout, "gongfu 已启动 (listening): http://%s/\n", srv.Addr())
	demoDone := make(chan struct{})
	go func() {
		defer close(demoDone)
		if demoPlan == nil {
			return
		}
		e.logf("正在生成演示填报数据… (writing demo reports…)")
		n, err := demo.Reports(ctx, db, demoPlan, time.Now())
		if err != nil {
			e.logf("演示填报数据生成失败 (demo reports failed): %v", err)
			return
		}
		e.logf("已生成演示填报数据 %d 条，各县进度有快有慢 (%d demo reports written; some counties ahead, some behind)", n, n)
	}()
	<-ctx.Done()
	e.logf("正在停止，等待进行中的请求完成 (shutting down, finishing in-flight requests)")
	<-demoDone
	shutdown, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return srv.Close(shutdown)
}

// loadDemo fills an empty database with the seed plan, Wenzhou's orgs and
// one account per role, and returns the stored plan for demo.Reports. A
// database that already holds a plan is left alone (nil plan), so
// restarting with --demo never duplicates or overwrites anything.
func loadDemo(ctx context.Context, e *env, db gongfu.Store) (*gongfu.Plan, error) {
	plans, err := db.FindPlans(ctx)
	if err != nil {
		return nil, err
	}
	if len(plans) > 0 {
		e.logf("数据库已有计划，跳过演示数据 (the database holds a plan; demo data not loaded)")
		return nil, nil
	}
	orgs, err := region.ParseCSV(demo.CountiesCSV)
	if err != nil {
		return nil, err
	}
	if _, err := db.EnsureOrgs(ctx, orgs); err != nil {
		return nil, err
	}
	res, err := extract.Document(demo.PlanName, demo.PlanText)
	if err != nil {
		return nil, err
	}
	ir, err := db.ImportPlan(ctx, res.Plan, region.PlanOrgs(res.Plan))
	if err != nil {
		return nil, err
	}
	c := ir.Counts
	e.logf("已载入演示计划「%s」：%d 个领域、%d 项任务、%d 个指标、%d 个节点 (demo plan loaded)",
		res.Plan.Title, c.Domains, c.Tasks, c.Targets, c.Milestones)
	if err := createDemoAccounts(ctx, e, db); err != nil {
		return nil, err
	}
	return db.FindPlanByID(ctx, ir.PlanID)
}
