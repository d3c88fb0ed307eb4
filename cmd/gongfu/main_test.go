package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"gongfu"
	"gongfu/demo"
)

// gongfu runs the command line in-process and returns exit code and streams.
func gongfu_(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), &env{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb}, args)
	return code, out.String(), errb.String()
}

func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestExtractSeed(t *testing.T) {
	dir := t.TempDir()
	seed := writeFile(t, dir, "seed.txt", demo.PlanText)
	code, out, stderr := gongfu_(t, "", "plan", "extract", seed)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var p gongfu.Plan
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatalf("stdout is not plan JSON: %v", err)
	}
	if c := p.Counts(); c.Domains != 8 || c.Tasks != 30 || c.Targets < 120 {
		t.Errorf("counts = %+v", c)
	}
	if !strings.Contains(stderr, "UTF-8") {
		t.Errorf("stderr lacks the encoding diagnostic: %s", stderr)
	}
	// --quiet keeps stderr empty.
	if code, _, stderr := gongfu_(t, "", "plan", "extract", seed, "--quiet"); code != 0 || stderr != "" {
		t.Errorf("--quiet: exit %d, stderr %q", code, stderr)
	}
}

func TestImportIdempotentAndSummary(t *testing.T) {
	dir := t.TempDir()
	seed := writeFile(t, dir, "seed.txt", demo.PlanText)
	db := filepath.Join(dir, "g.db")
	code, out, stderr := gongfu_(t, "", "plan", "import", seed, "--db", db)
	if code != 0 {
		t.Fatalf("first import: exit %d: %s", code, stderr)
	}
	for _, want := range []string{"8 个领域", "30 项任务", "个指标", "个节点", "未识别"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q: %s", want, out)
		}
	}
	code, out, _ = gongfu_(t, "", "plan", "import", "--db", db, seed)
	if code != 0 || !strings.Contains(out, "此前已导入") {
		t.Errorf("second import: exit %d: %s", code, out)
	}
	code, out, _ = gongfu_(t, "", "audit", "verify", "--db", db)
	if code != 0 {
		t.Errorf("audit verify: exit %d %s", code, out)
	}
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "g.db")
	gbk, err := simplifiedchinese.GBK.NewEncoder().Bytes(demo.PlanText)
	if err != nil {
		t.Fatal(err)
	}
	noUnits := []byte(strings.NewReplacer("责任单位", "备注").Replace(string(demo.PlanText)))
	big := filepath.Join(dir, "big.txt")
	f, _ := os.Create(big)
	f.Truncate(50 << 20)
	f.Close()
	for _, tc := range []struct {
		name string
		file string
		data []byte
		code int
		want string
	}{
		{"empty", "empty.txt", []byte{}, 1, "空"},
		{"binary", "bin.txt", []byte{0x7f, 'E', 'L', 'F', 0, 0, 0, 1, 2, 3, 0xff, 0xfe, 0, 0}, 1, ""},
		{"not a plan", "note.txt", []byte("各位同事：\n本周五下午三点在三楼会议室开会，请准时参加。\n谢谢！\n"), 1, ""},
		{"50 MB", "big.txt", nil, 1, "MB"},
		{"docx that is not a zip", "fake.docx", []byte("PK? no, plain text"), 1, ""},
		{"missing file", "missing.txt", nil, 1, "无法读取"},
	} {
		path := filepath.Join(dir, tc.file)
		if tc.data != nil {
			writeFile(t, dir, tc.file, tc.data)
		}
		code, out, stderr := gongfu_(t, "", "plan", "import", path, "--db", db)
		if code != tc.code || out != "" || !strings.Contains(stderr, tc.want) || strings.Contains(stderr, "panic") {
			t.Errorf("%s: exit %d, stdout %q, stderr %q", tc.name, code, out, stderr)
		}
		if !strings.Contains(stderr, "(") { // Chinese with English in brackets
			t.Errorf("%s: message lacks English: %q", tc.name, stderr)
		}
	}
	// Nothing was written by the failures.
	code, out, _ := gongfu_(t, "", "plan", "import", writeFile(t, dir, "gbk.txt", gbk), "--db", db)
	if code != 0 || !strings.Contains(out, "已导入计划 1") {
		t.Errorf("GBK import after failures: exit %d %s (want plan 1: failures must write nothing)", code, out)
	}
	code, _, stderr := gongfu_(t, "", "plan", "extract", writeFile(t, dir, "nounits.txt", noUnits))
	if code != 0 || !strings.Contains(stderr, "责任单位") {
		t.Errorf("plan without 责任单位: exit %d, want 0 with a warning naming 责任单位; stderr %q", code, stderr)
	}
}

func TestUsageAndHelp(t *testing.T) {
	if code, _, _ := gongfu_(t, ""); code != exitUsage {
		t.Errorf("no args: exit %d", code)
	}
	if code, out, _ := gongfu_(t, "", "--help"); code != 0 || !strings.Contains(out, "退出码") {
		t.Errorf("--help: exit %d", code)
	}
	for _, c := range commands {
		args := append(strings.Fields(c.name), "--help")
		code, out, _ := gongfu_(t, "", args...)
		if code != 0 || !strings.Contains(out, "示例") {
			t.Errorf("%s --help: exit %d, output lacks examples", c.name, code)
		}
	}
	if code, _, stderr := gongfu_(t, "", "frobnicate"); code != exitUsage || !strings.Contains(stderr, "未知命令") {
		t.Errorf("unknown command: exit %d %q", code, stderr)
	}
	if code, _, _ := gongfu_(t, "", "plan", "import", "--bogus"); code != exitUsage {
		t.Errorf("unknown flag: exit %d", code)
	}
}

func TestUserAdd(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "g.db")
	seed := writeFile(t, dir, "seed.txt", demo.PlanText)
	if code, _, stderr := gongfu_(t, "", "plan", "import", seed, "--db", db); code != 0 {
		t.Fatal(stderr)
	}
	for _, tc := range []struct {
		stdin string
		args  []string
		code  int
	}{
		{"Adm1n-secret\n", []string{"admin", "--role", "admin"}, 0},
		{"pw-lc-Secret1\n", []string{"lc", "--role", "reporter", "--org", "鹿城区"}, 0},
		{"pw-jy-Secret1\n", []string{"jy", "--role", "reporter", "--org", "市教育局"}, 0},
		{"pw-xx-Secret1\n", []string{"xx", "--role", "reporter"}, 1},                 // reporter without org
		{"pw-xx-Secret1\n", []string{"xx", "--role", "reporter", "--org", "火星市"}, 1}, // unknown org
		{"pw-xx-Secret1\n", []string{"xx", "--role", "emperor"}, 1},                  // bad role
		{"short\n", []string{"xx", "--role", "leader"}, 1},                           // weak password
		{"", []string{"xx", "--role", "leader"}, 1},                                  // no password
		{"Adm1n-secret\n", []string{"admin", "--role", "admin"}, 1},                  // duplicate
	} {
		code, _, stderr := gongfu_(t, tc.stdin, append(append([]string{"user", "add"}, tc.args...), "--db", db)...)
		if code != tc.code {
			t.Errorf("user add %v: exit %d, want %d; %s", tc.args, code, tc.code, stderr)
		}
	}
}
