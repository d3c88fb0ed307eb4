package main

// gongfu bench: gongfu's live analytics against SQLite and PostgreSQL on a
// synthetic city or province. Every name this file adds to package main
// starts with "bench".

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime/pprof"

	"gongfu/bench"
	"gongfu/progress"
)

const benchUsage = `用法 Usage: gongfu bench [--scale city|province] [--pg URL] [--json] [--dir DIR] [--queries N]
                    [--cities N --counties N --townships N --villages N --targets N --months N --per-village N]

生成确定性的模拟数据（市→县→乡镇→村 层级、指标、月度累计值），载入 SQLite（以及给定 --pg 时的
PostgreSQL），建立 gongfu 的实时汇总索引，然后用同一组看板查询（全市概览、某县领域表、某乡镇指标走势、
县际均等化）分别在三者上计时，并测量一次确认写入（可经受进程被杀）到查询可见的时间。
各引擎的每个查询结果都与实时索引逐一比对，不一致即报错。结果是本机的测量值，不是断言。
Generates a deterministic dataset, loads it into SQLite (and PostgreSQL with --pg), builds
gongfu's live index, runs the same dashboard queries through each, times write-to-visible,
and checks every engine's answers against the live index. Progress goes to stderr.

  --scale S         city（1 市 12 县 ~180 乡镇 ~3,000 村，50 指标，12 个月，约 35 万值；默认）或
                    province（浙江：11 市 90 县 1,360 乡镇 20,400 村，200 指标，60 个月，约 2,400 万值）
                    (city, the default, ~350k values; province: Zhejiang's hierarchy, ~24M values)
  --cities N … --months N, --per-village N, --domains N, --seed N
                    覆盖规模中的单项（每村填报约 per-village 个指标）(override one size of the scale)
  --pg URL          同时测试 PostgreSQL，在独立 schema 中运行，结束后删除
                    (also bench PostgreSQL, in a schema of its own, dropped afterwards)
  --dir DIR         SQLite 文件所在目录，默认临时目录 (directory for the SQLite file; default a temp dir)
  --keep            保留 SQLite 文件 (keep the SQLite file)
  --queries N       每个引擎计时的查询数（默认 1000，另有十分之一预热）(timed queries per engine)
  --writes N        每个引擎的写入可见测量次数（默认 20）(write-to-visible trials per engine)
  --no-startup      不测从 SQLite 重建索引 (skip timing the index rebuild from SQLite)
  --cpuprofile FILE 写 CPU profile（go tool pprof）(write a CPU profile)
  --json            输出 JSON：{"values": N, "engines": {"gongfu": {"p50_ms", "p95_ms", "p99_ms",
                    "load_per_s", "write_visible_ms", "rss_mb", …}, "sqlite": {…}, "postgres": {…}}}

示例 Examples:
  gongfu bench
  gongfu bench --scale province --pg 'postgres://postgres@127.0.0.1:5432/test?sslmode=disable' --dir /var/tmp
  gongfu bench --scale city --villages 600 --months 6 --json --quiet | jq '.engines.gongfu.p95_ms'`

func runBench(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "bench", benchUsage)
	scale := fs.String("scale", "city", "")
	sizes := map[string]*int{}
	for _, name := range []string{"cities", "counties", "townships", "villages", "targets", "months", "per-village", "domains"} {
		sizes[name] = fs.Int(name, 0, "")
	}
	seed := fs.Uint64("seed", 0, "")
	pg := fs.String("pg", "", "")
	asJSON := fs.Bool("json", false, "")
	dir := fs.String("dir", "", "")
	keep := fs.Bool("keep", false, "")
	queries := fs.Int("queries", 1000, "")
	writes := fs.Int("writes", 20, "")
	noStartup := fs.Bool("no-startup", false, "")
	cpuprofile := fs.String("cpuprofile", "", "")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return helpOr(e, benchUsage, err)
	}
	if len(pos) > 0 {
		return fmt.Errorf("%w: 多余的参数 %q (unexpected argument)", errUsage, pos[0])
	}
	var s bench.Sizes
	switch *scale {
	case "city":
		s = bench.CitySizes()
	case "province":
		s = bench.ProvinceSizes()
	default:
		return fmt.Errorf("%w: --scale 应为 city 或 province (want city or province), 不是 %q", errUsage, *scale)
	}
	for name, p := range map[string]*int{"cities": &s.Cities, "counties": &s.Counties, "townships": &s.Townships,
		"villages": &s.Villages, "targets": &s.Targets, "months": &s.Months, "per-village": &s.PerVillage, "domains": &s.Domains} {
		if v := *sizes[name]; v != 0 {
			*p = v
		}
	}
	if *seed != 0 {
		s.Seed = *seed
	}
	if err := s.Validate(); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if *queries < 1 || *writes < 1 {
		return fmt.Errorf("%w: --queries 和 --writes 至少为 1 (must be at least 1)", errUsage)
	}
	o := bench.Options{Sizes: s, Scale: *scale, PG: *pg, Dir: *dir, Keep: *keep, Queries: *queries, Writes: *writes, NoStartup: *noStartup}
	o.Progress = progress.For(e.stderr, e.quiet)
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	res, err := bench.Run(ctx, o)
	if err != nil {
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
	if res.FirstMismatch != "" {
		return fmt.Errorf("引擎结果不一致 (engines disagree): %s", res.FirstMismatch)
	}
	return nil
}
