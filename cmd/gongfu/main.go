// Command gongfu runs a government's public-service action plan from the
// document to the verdict: it reads plan documents, keeps targets, orgs,
// users and reports in a database, and serves the web UI and JSON API.
//
// This package only wires the others together: flags in, adapters built,
// errors printed in Chinese and English with a documented exit code.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"gongfu"
)

// Exit codes, documented in README and `gongfu --help`.
const (
	exitOK     = 0 // success
	exitError  = 1 // bad input or a failed operation; the message says which
	exitUsage  = 2 // unknown command or flag
	exitBroken = 3 // `audit verify` found a broken chain
)

// errUsage marks an error in how the command was called.
var errUsage = errors.New("usage")

// exitError carries a specific exit code.
type codedError struct {
	code int
	err  error
}

func (e *codedError) Error() string { return e.err.Error() }
func (e *codedError) Unwrap() error { return e.err }

// env is what a command runs with; tests replace its streams.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	quiet          bool
}

// logf prints a diagnostic on stderr unless --quiet.
func (e *env) logf(format string, args ...any) {
	if !e.quiet {
		fmt.Fprintf(e.stderr, format+"\n", args...)
	}
}

// command is one subcommand.
type command struct {
	name    string
	summary string
	usage   string // flags and arguments, with examples
	run     func(ctx context.Context, e *env, args []string) error
}

var commands []*command

func init() {
	commands = []*command{
		{"serve", "启动网页服务 (run the web server)", serveUsage, runServe},
		{"plan extract", "从计划文件提取计划 JSON (print a plan document as plan JSON)", extractUsage, runExtract},
		{"plan import", "导入计划到数据库 (store a plan document in the database)", importUsage, runImport},
		{"org import", "从 CSV 导入组织 (load orgs from CSV)", orgImportUsage, runOrgImport},
		{"user add", "新建账户，密码从标准输入读取 (create an account; password from stdin)", userAddUsage, runUserAdd},
		{"audit verify", "校验审计链 (verify the audit chain)", auditVerifyUsage, runAuditVerify},
		{"backup", "在线备份数据库 (back up the database while the server runs)", backupUsage, runBackup},
		{"restore", "从备份恢复数据库 (restore the database from a backup)", restoreUsage, runRestore},
		{"export decomposition", "导出任务分解表 (write the target decomposition workbook)", exportDecompositionUsage, runExportDecomposition},
		{"export template", "导出填报模板 (write a report template for an org and period)", exportTemplateUsage, runExportTemplate},
		{"evaluate", "评价进度：完成率、序时进度、亮灯 (judge progress: completion, time progress, lights)", evaluateUsage, runEvaluate},
		{"import reports", "导入填好的填报模板 (store the reports of a filled template)", importReportsUsage, runImportReports},
		{"bench", "性能测试：实时汇总对比 SQLite/PostgreSQL (benchmark live analytics against SQLite and PostgreSQL)", benchUsage, runBench},
		{"loadtest", "截止日压力测试：模拟大量填报员同时登录填报 (deadline-day load test: many reporters log in and submit at once)", loadtestUsage, runLoadtest},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}, os.Args[1:])
	stop()
	os.Exit(code)
}

// run dispatches args to a command and turns its error into an exit code.
func run(ctx context.Context, e *env, args []string) int {
	var rest []string
	for _, a := range args {
		if a == "--quiet" || a == "-quiet" || a == "-q" {
			e.quiet = true
		} else {
			rest = append(rest, a)
		}
	}
	args = rest
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		printHelp(e.stdout)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	cmd, cargs := findCommand(args)
	if cmd == nil {
		fmt.Fprintf(e.stderr, "gongfu: 未知命令 %q (unknown command); 运行 gongfu --help 查看用法\n", strings.Join(args[:min(2, len(args))], " "))
		return exitUsage
	}
	err := cmd.run(ctx, e, cargs)
	var ce *codedError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.Is(err, errUsage):
		fmt.Fprintf(e.stderr, "gongfu %s: %v\n\n%s\n", cmd.name, strings.TrimPrefix(err.Error(), "usage: "), cmd.usage)
		return exitUsage
	case errors.As(err, &ce):
		fmt.Fprintf(e.stderr, "gongfu %s: %s\n", cmd.name, describe(ce.err))
		return ce.code
	default:
		fmt.Fprintf(e.stderr, "gongfu %s: %s\n", cmd.name, describe(err))
		return exitError
	}
}

// describe renders an error for the terminal: the public message and its
// details; an internal error keeps its wrapped context, which helps the
// operator who is the only one reading it.
func describe(err error) string {
	var ge *gongfu.Error
	if errors.As(err, &ge) {
		s := ge.Error()
		for _, d := range ge.Details {
			s += "\n  - " + d
		}
		return s
	}
	return err.Error()
}

// findCommand matches the longest command name at the start of args.
func findCommand(args []string) (*command, []string) {
	for _, c := range commands {
		words := strings.Fields(c.name)
		if len(args) >= len(words) && strings.Join(args[:len(words)], " ") == c.name {
			return c, args[len(words):]
		}
	}
	return nil, nil
}

func printHelp(w io.Writer) {
	fmt.Fprint(w, `gongfu —— 基本公共服务行动计划：从文件到评价
gongfu runs a public-service action plan from the document to the verdict.

用法 Usage: gongfu COMMAND [flags]   (gongfu COMMAND --help for details)

命令 Commands:
`)
	for _, c := range commands {
		fmt.Fprintf(w, "  %-22s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
全局选项 Global flags:
  --quiet        不输出进度和诊断信息 (no progress or diagnostics on stderr)

示例 Examples:
  gongfu serve --demo
  gongfu plan extract plan.docx > plan.json
  gongfu plan import plan.txt --db gongfu.db
  echo 'S3cret-pass' | gongfu user add admin --role admin

退出码 Exit codes:
  0  成功 success
  1  输入有误或操作失败，错误信息会说明原因 (bad input or a failed operation)
  2  命令或参数用法错误 (unknown command or flag)
  3  审计链校验失败 (audit verify found a broken chain)
`)
}

// parseFlags parses fs from args allowing flags after positional arguments
// (gongfu plan import FILE --db PATH), and returns the positional ones.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, fmt.Errorf("%w: %v", errUsage, err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// newFlags returns a flag set whose --help prints usage to stdout.
func newFlags(e *env, name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprintln(e.stdout, usage) }
	return fs
}

// helpOr prints usage and returns flag.ErrHelp when err is a help request.
func helpOr(e *env, usage string, err error) error {
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(e.stdout, usage)
	}
	return err
}
