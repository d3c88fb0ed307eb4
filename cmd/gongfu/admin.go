package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strings"

	"gongfu"
	"gongfu/password"
	"gongfu/postgres"
	"gongfu/progress"
	"gongfu/region"
)

const orgImportUsage = `用法 Usage: gongfu org import FILE.csv [--db PATH]

从 CSV 导入组织层级（列：name,kind,parent，可选 population_10k…），一个事务内完成；
已存在的组织（按路径）不会重复创建。kind 取 province、city、district、county、
county-city、township、village、department；parent 为上级名称，上级须在前面出现。
Loads an org hierarchy from CSV in one transaction; existing orgs are kept.
写入时标准错误上显示已用时间，--quiet 时不显示 (stderr shows the time taken; --quiet hides it).

示例 Example:
  gongfu org import wenzhou-counties.csv --db gongfu.db`

const userAddUsage = `用法 Usage: gongfu user add NAME --role ROLE [--org ORG] [--db PATH]

新建账户，密码从标准输入读取第一行（新装系统的第一个管理员就这样建立）。
角色 ROLE：admin（系统管理员）、coordinator（计划办协调员）、reporter（填报员，须 --org）、leader（领导），
以及三员分立中的 secadmin（安全管理员：解锁账户、重置双因素认证）和 auditor（审计管理员：
唯一可查看、校验审计日志的角色）。三个管理员角色只能在此授予，应分别由不同的人担任。
密码须至少 8 位并包含大写字母、小写字母、数字、符号中的至少三类。
Creates an account; the password is the first line of stdin. Roles: admin,
coordinator, reporter (needs --org), leader, and for separation of duties
secadmin (unlocks accounts, resets second factors) and auditor (alone reads
the audit trail). The three administrator roles are given here only, each to
a different person.

示例 Examples:
  echo 'Adm1n-secret' | gongfu user add admin --role admin
  gongfu user add lc --role reporter --org 鹿城区 < pw.txt
  echo 'Audit0r-secret' | gongfu user add shenji --role auditor`

const auditVerifyUsage = `用法 Usage: gongfu audit verify [--db PATH]

校验审计日志的哈希链：完好时退出码 0；发现被修改或删除的条目时，指出第一条并以退出码 3 退出。
Verifies the audit trail's hash chain: exit 0 when it holds, 3 naming the first broken entry.

示例 Example:
  gongfu audit verify --db gongfu.db && echo 审计链完好`

func runOrgImport(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "org import", orgImportUsage)
	dbPath := fs.String("db", defaultDB, "database")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return helpOr(e, orgImportUsage, err)
	}
	if len(pos) != 1 {
		return fmt.Errorf("%w: 需要一个 CSV 文件 (want one FILE.csv)", errUsage)
	}
	fi, err := os.Stat(pos[0])
	if err != nil || fi.IsDir() {
		return gongfu.Failf(gongfu.EINVALID, "无法读取文件 %s", pos[0])
	}
	if fi.Size() > 64<<20 {
		return gongfu.Failf(gongfu.ETOOLARGE, "文件 %s 太大", pos[0])
	}
	data, err := os.ReadFile(pos[0])
	if err != nil {
		return gongfu.Failf(gongfu.EINVALID, "无法读取文件 %s", pos[0])
	}
	orgs, err := region.ParseCSV(data)
	if err != nil {
		return err
	}
	db, err := openStore(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	// A province's villages take seconds in one transaction, which counts
	// nothing: a step with its time.
	pr := progress.For(e.stderr, e.quiet)
	defer pr.Stop()
	pr.Begin(fmt.Sprintf("写入 %d 个组织 (writing %d orgs to the database)", len(orgs), len(orgs)), 0)
	n, err := db.EnsureOrgs(ctx, orgs)
	if err != nil {
		return err
	}
	pr.EndWith("新建 %d 个 (%d created)", n, n)
	fmt.Fprintf(e.stdout, "读取 %d 个组织，新建 %d 个 (read %d orgs, created %d)\n", len(orgs), n, len(orgs), n)
	return nil
}

func runUserAdd(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "user add", userAddUsage)
	dbPath := fs.String("db", defaultDB, "database")
	role := fs.String("role", "", "role")
	orgName := fs.String("org", "", "org")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return helpOr(e, userAddUsage, err)
	}
	if len(pos) != 1 {
		return fmt.Errorf("%w: 需要一个用户名 (want one NAME)", errUsage)
	}
	line, err := bufio.NewReader(e.stdin).ReadString('\n')
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return gongfu.Failf(gongfu.EINVALID, "请在标准输入提供密码 (%v)", err)
	}
	if why := password.Strong(pw); why != "" {
		return gongfu.Failf(gongfu.EINVALID, "密码强度不足：%s", why)
	}
	db, err := openStore(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	u := &gongfu.User{Name: pos[0], Role: gongfu.Role(*role)}
	if *orgName != "" {
		org, err := db.FindOrg(ctx, *orgName)
		if err != nil {
			return err
		}
		u.OrgID = org.ID
	}
	if u.PasswordHash, err = password.Hash(pw); err != nil {
		return err
	}
	if err := db.CreateUser(ctx, u); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "已创建用户 %s（%s）(created user %s, role %s)\n", u.Name, u.Role, u.Name, u.Role)
	return nil
}

func runAuditVerify(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "audit verify", auditVerifyUsage)
	dbPath := fs.String("db", defaultDB, "database")
	if _, err := parseFlags(fs, args); err != nil {
		return helpOr(e, auditVerifyUsage, err)
	}
	if _, err := os.Stat(*dbPath); err != nil && !postgres.IsURL(*dbPath) {
		return gongfu.Failf(gongfu.EINVALID, "数据库 %s 不存在", *dbPath)
	}
	db, err := openStore(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	seq, err := db.VerifyAudit(ctx)
	if err != nil {
		if seq > 0 {
			return &codedError{code: exitBroken, err: err}
		}
		return err
	}
	fmt.Fprintln(e.stdout, "审计链完好 (the audit chain holds)")
	return nil
}
