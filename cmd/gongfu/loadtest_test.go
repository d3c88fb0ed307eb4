package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// loadtestRun runs `gongfu loadtest args…` in-process.
func loadtestRun(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(t.Context(), &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb}, append([]string{"loadtest"}, args...))
	return code, out.String(), errb.String()
}

func TestLoadtestJSON(t *testing.T) {
	code, out, stderr := loadtestRun(t, "--reporters", "8", "--reports-per", "2", "--ramp", "1s", "--json", "--quiet", "--dir", t.TempDir())
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, stderr)
	}
	if stderr != "" {
		t.Errorf("--quiet, yet stderr: %s", stderr)
	}
	var res struct {
		Store      string `json:"store"`
		Passed     bool   `json:"passed"`
		ErrorCount int    `json:"error_count"`
		Lost       int    `json:"lost"`
		Kinds      []struct {
			Kind     string  `json:"kind"`
			Requests int     `json:"requests"`
			P99      float64 `json:"p99_ms"`
		} `json:"kinds"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, out)
	}
	if !res.Passed || res.ErrorCount != 0 || res.Lost != 0 || res.Store != "sqlite" || len(res.Kinds) != 4 {
		t.Errorf("result %+v", res)
	}
	if res.Kinds[0].Kind != "login" || res.Kinds[0].Requests != 8 || res.Kinds[3].Requests != 40 {
		t.Errorf("kinds %+v, want 8 logins of 40 requests", res.Kinds)
	}
}

func TestLoadtestUsage(t *testing.T) {
	code, out, _ := loadtestRun(t, "--help")
	if code != 0 || !strings.Contains(out, "gongfu loadtest") || !strings.Contains(out, "示例 Examples") {
		t.Errorf("--help: exit %d\n%s", code, out)
	}
	for _, args := range [][]string{
		{"--reporters", "0"},
		{"--reporters", "many"},
		{"--reports-per", "-1"},
		{"--ramp", "5m", "--timeout", "1m"},
		{"--timeout", "0s"},
		{"--db", "gongfu.db"},
		{"--seed", "0"},
		{"--bogus"},
		{"extra"},
	} {
		code, _, stderr := loadtestRun(t, args...)
		if code != exitUsage || !strings.Contains(stderr, "用法 Usage: gongfu loadtest") {
			t.Errorf("%v: exit %d, stderr:\n%s", args, code, stderr)
		}
	}
}
