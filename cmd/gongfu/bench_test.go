package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
)

// benchTinyArgs is a city scale shrunk to run in a second or two.
var benchTinyArgs = []string{"--scale", "city", "--counties", "4", "--townships", "12", "--villages", "90",
	"--targets", "14", "--months", "6", "--per-village", "5", "--queries", "120", "--writes", "3"}

func benchRun(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb}
	err := runBench(context.Background(), e, append(args, "--dir", t.TempDir()))
	return out.String(), errb.String(), err
}

func TestBenchJSONAndEnginesAgree(t *testing.T) {
	args := append([]string{"--json"}, benchTinyArgs...)
	pg := os.Getenv("GONGFU_TEST_PG")
	if pg != "" {
		args = append(args, "--pg", pg)
	}
	out, stderr, err := benchRun(t, args...)
	if err != nil {
		// A disagreement between engines is reported as an error.
		t.Fatalf("bench: %v\n%s", err, stderr)
	}
	var res struct {
		Values  int64                                 `json:"values"`
		Engines map[string]map[string]json.RawMessage `json:"engines"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, out)
	}
	if res.Values < 1000 {
		t.Errorf("values = %d", res.Values)
	}
	want := []string{"gongfu", "sqlite"}
	if pg != "" {
		want = append(want, "postgres")
	}
	if len(res.Engines) != len(want) {
		t.Errorf("engines %v, want %v", res.Engines, want)
	}
	for _, name := range want {
		st, ok := res.Engines[name]
		if !ok {
			t.Fatalf("no engine %s in %s", name, out)
		}
		for _, f := range []string{"p50_ms", "p95_ms", "p99_ms", "load_per_s", "write_visible_ms", "rss_mb"} {
			var x float64
			if err := json.Unmarshal(st[f], &x); err != nil {
				t.Errorf("%s.%s: %v (%s)", name, f, err, st[f])
			}
			if x < 0 || (f != "rss_mb" && x == 0) {
				t.Errorf("%s.%s = %g", name, f, x)
			}
		}
		var mism int
		if err := json.Unmarshal(st["mismatches"], &mism); err != nil || mism != 0 {
			t.Errorf("%s: %d answers differ from the live index", name, mism)
		}
	}
	if !strings.Contains(stderr, "sqlite: insert") {
		t.Errorf("stderr lacks progress: %q", stderr)
	}
}

func TestBenchTableQuietAndUsage(t *testing.T) {
	var out, errb bytes.Buffer
	e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, quiet: true}
	if err := runBench(context.Background(), e, append(benchTinyArgs, "--dir", t.TempDir(), "--no-startup")); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"engine", "gongfu", "sqlite", "city_overview", "equalization"} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("table lacks %q:\n%s", s, out.String())
		}
	}
	if errb.Len() != 0 {
		t.Errorf("--quiet: stderr %q", errb.String())
	}
	for _, args := range [][]string{{"--scale", "country"}, {"--villages", "2"}, {"extra"}} {
		if _, _, err := benchRun(t, args...); !errors.Is(err, errUsage) {
			t.Errorf("%v: err = %v, want a usage error", args, err)
		}
	}
}
