package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"gongfu"
	"gongfu/demo"
)

// backup_ and restore_ run the commands in-process, as run would once they
// are registered.
func backup_(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	return runCmd(t, "backup", runBackup, args)
}

func restore_(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	return runCmd(t, "restore", runRestore, args)
}

// runCmd runs fn as the command name through run, for its exit codes and
// error messages, without main.go registering it.
func runCmd(t *testing.T, name string, fn func(context.Context, *env, []string) error, args []string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb}
	var rest []string
	for _, a := range args {
		if a == "--quiet" {
			e.quiet = true
		} else {
			rest = append(rest, a)
		}
	}
	saved := commands
	commands = append([]*command{{name, "", "", fn}}, saved...)
	defer func() { commands = saved }()
	code := run(t.Context(), e, append([]string{name}, rest...))
	return code, out.String(), errb.String()
}

// tables reads every table of a SQLite file, listed from sqlite_master,
// as sorted rows of text, with the schema as table "".
func tables(t *testing.T, path string) map[string][]string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	out := map[string][]string{}
	rows, err := db.Query(`SELECT type, name, COALESCE(sql, '') FROM sqlite_master ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for rows.Next() {
		var typ, name, text string
		rows.Scan(&typ, &name, &text)
		out[""] = append(out[""], typ+" "+name+" "+text)
		if typ == "table" {
			names = append(names, name)
		}
	}
	rows.Close()
	for _, name := range names {
		rows, err := db.Query(`SELECT * FROM "` + name + `"`)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		list := []string{}
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			list = append(list, fmt.Sprintf("%#v", vals))
		}
		rows.Close()
		slices.Sort(list)
		out[name] = list
	}
	return out
}

func compareTables(t *testing.T, got, want map[string][]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%d tables, want %d", len(got), len(want))
	}
	for name, rows := range want {
		if !slices.Equal(got[name], rows) {
			t.Errorf("table %q: %d rows, want %d\n got %q\nwant %q", name, len(got[name]), len(rows), got[name], rows)
		}
	}
}

// TestBackupAndRestore: a database with a plan, accounts and reports is
// backed up, restored to a new path and compared table by table; the
// restored database verifies and serves the same plan.
func TestBackupAndRestore(t *testing.T) {
	dir, dbPath := sheetSeed(t)
	if code, _, stderr := gongfu_(t, "Adm1n-secret-pw\n", "user", "add", "admin", "--role", "admin", "--db", dbPath); code != 0 {
		t.Fatalf("user add: %s", stderr)
	}
	db := openDB(t, dbPath)
	ctx := gongfu.WithActor(t.Context(), &gongfu.User{Name: "admin", Role: gongfu.RoleAdmin})
	p, err := db.FindPlanByID(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	inc, _, _, _ := seedItems(t, p)
	city, err := db.FindOrg(ctx, "温州市")
	if err != nil {
		t.Fatal(err)
	}
	for m := 1; m <= 4; m++ {
		v := float64(m * 3)
		r := &gongfu.Report{ReportKey: gongfu.ReportKey{PlanID: 1, ItemID: inc, OrgID: city.ID, Period: gongfu.MonthPeriod(2020, m).String()}, Value: &v}
		if err := db.SaveReport(ctx, r, -1); err != nil {
			t.Fatal(err)
		}
	}

	file := filepath.Join(dir, "backup.db")
	code, out, stderr := backup_(t, file, "--db", dbPath)
	if code != 0 {
		t.Fatalf("backup: exit %d: %s", code, stderr)
	}
	if !strings.Contains(out, "校验通过") || !strings.Contains(stderr, "正在备份") {
		t.Errorf("backup output:\n%s\n%s", out, stderr)
	}
	db.Close() // writers stopped: source and backup must now agree
	want := tables(t, dbPath)
	if len(want["reports"]) != 4 || len(want["users"]) != 1 || len(want["plans"]) != 1 {
		t.Fatalf("source: %d reports, %d users, %d plans", len(want["reports"]), len(want["users"]), len(want["plans"]))
	}

	restored := filepath.Join(dir, "restored.db")
	code, out, stderr = restore_(t, file, "--db", restored, "--quiet")
	if code != 0 {
		t.Fatalf("restore: exit %d: %s", code, stderr)
	}
	if stderr != "" || !strings.Contains(out, "已从") {
		t.Errorf("restore --quiet output:\n%s\n%s", out, stderr)
	}
	compareTables(t, tables(t, restored), want)
	if code, out, _ := gongfu_(t, "", "audit", "verify", "--db", restored); code != 0 {
		t.Errorf("audit verify of the restored database: exit %d: %s", code, out)
	}

	// Refusals: an existing backup file, an existing database without --force.
	if code, _, stderr := backup_(t, file, "--db", dbPath); code != exitError || !strings.Contains(stderr, "已存在") {
		t.Errorf("backup over an existing file: exit %d: %s", code, stderr)
	}
	if code, _, stderr := restore_(t, file, "--db", restored); code != exitError || !strings.Contains(stderr, "--force") {
		t.Errorf("restore over an existing database: exit %d: %s", code, stderr)
	}
	if code, _, stderr := restore_(t, file, "--db", restored, "--force"); code != 0 {
		t.Errorf("restore --force: exit %d: %s", code, stderr)
	}
	if code, _, stderr := backup_(t, filepath.Join(dir, "x.db"), "--db", filepath.Join(dir, "none.db")); code != exitError || !strings.Contains(stderr, "不存在") {
		t.Errorf("backup of a missing database: exit %d: %s", code, stderr)
	}
	if code, _, _ := backup_(t, "--db", dbPath); code != exitUsage {
		t.Errorf("backup without FILE: exit %d", code)
	}
	if _, err := os.Stat(filepath.Join(dir, "none.db")); err == nil {
		t.Error("backup created the missing database")
	}
}

// TestBackupProgress: backup and restore show their steps on stderr (the
// copy of a restore counted in bytes), nothing of them under --quiet, and
// stdout carries the one summary line either way.
func TestBackupProgress(t *testing.T) {
	dir, dbPath := sheetSeed(t)
	// Some 40 MB, for a copy of several pieces.
	raw, err := sql.Open("sqlite", dbPath)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`CREATE TABLE ballast (b BLOB);
		WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40)
		INSERT INTO ballast SELECT randomblob(1 << 20) FROM n`); err != nil {
		t.Fatal(err)
	}
	raw.Close()

	file := filepath.Join(dir, "backup.db")
	code, out, stderr := backup_(t, file, "--db", dbPath)
	if code != 0 {
		t.Fatalf("backup: exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		"正在备份 (backing up) …\n",
		"正在备份 (backing up): 完成 (done), ",
		"正在校验备份 (verifying the backup) …\n",
		"正在校验备份 (verifying the backup): 完成 (done), ",
		" audit entries)\n",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("backup: stderr lacks %q:\n%s", want, stderr)
		}
	}
	if fi, err := os.Stat(file); err != nil || !strings.Contains(stderr, ", "+sizeOf(fi.Size())+"\n") {
		t.Errorf("backup: stderr lacks the size of the copy:\n%s", stderr)
	}
	if !strings.HasPrefix(out, "已备份到 ") || strings.Count(out, "\n") != 1 || strings.Contains(out, "完成 (done)") {
		t.Errorf("backup: stdout is not the summary alone: %q", out)
	}
	code, quietOut, stderr := backup_(t, filepath.Join(dir, "quiet.db"), "--db", dbPath, "--quiet")
	if code != 0 || stderr != "" || strings.Count(quietOut, "\n") != 1 {
		t.Errorf("backup --quiet: exit %d, stdout %q, stderr %q", code, quietOut, stderr)
	}

	restored := filepath.Join(dir, "restored.db")
	code, out, stderr = restore_(t, file, "--db", restored)
	if code != 0 {
		t.Fatalf("restore: exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		"正在校验备份 (checking the backup) …\n",
		"正在校验备份 (checking the backup): 完成 (done), ",
		"正在复制 (copying) …\n",
		"正在复制 (copying):  40% 16.0 MB/",
		"正在复制 (copying): 完成 (done), ",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("restore: stderr lacks %q:\n%s", want, stderr)
		}
	}
	if !strings.HasPrefix(out, "已从 ") || strings.Count(out, "\n") != 1 {
		t.Errorf("restore: stdout is not the summary alone: %q", out)
	}
	code, out, stderr = restore_(t, file, "--db", restored, "--force", "--quiet")
	if code != 0 || stderr != "" || !strings.HasPrefix(out, "已从 ") {
		t.Errorf("restore --quiet: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	// A refusal: the step begun, then the reason; under --quiet the reason.
	code, out, stderr = restore_(t, file, "--db", restored)
	if code != exitError || out != "" || !strings.HasPrefix(stderr, "正在校验备份 (checking the backup) …\ngongfu restore: ") {
		t.Errorf("restore refused: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	code, _, stderr = restore_(t, file, "--db", restored, "--quiet")
	if code != exitError || !strings.HasPrefix(stderr, "gongfu restore: ") {
		t.Errorf("restore refused --quiet: exit %d, stderr %q", code, stderr)
	}
	if code, out, _ := gongfu_(t, "", "audit", "verify", "--db", restored); code != 0 {
		t.Errorf("audit verify of the restored database: exit %d: %s", code, out)
	}
}

// TestBackupWhileServing backs up a database another connection keeps
// writing, as a running server would.
func TestBackupWhileServing(t *testing.T) {
	dir, dbPath := sheetSeed(t)
	db := openDB(t, dbPath)
	ctx := gongfu.WithActor(t.Context(), &gongfu.User{Name: "admin", Role: gongfu.RoleAdmin})
	stop := make(chan struct{})
	done := make(chan error)
	go func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			u := &gongfu.User{Name: fmt.Sprintf("u%d", i), Role: gongfu.RoleLeader, PasswordHash: "h"}
			if err := db.CreateUser(ctx, u); err != nil {
				done <- err
				return
			}
		}
	}()
	var files []string
	for i := range 3 {
		f := filepath.Join(dir, fmt.Sprintf("b%d.db", i))
		code, _, stderr := backup_(t, f, "--db", dbPath)
		if code != 0 {
			t.Errorf("backup %d: exit %d: %s", i, code, stderr)
		}
		files = append(files, f)
	}
	close(stop)
	if err := <-done; err != nil {
		t.Fatalf("writer: %v", err)
	}
	for _, f := range files {
		if code, out, _ := gongfu_(t, "", "audit", "verify", "--db", f); code != 0 {
			t.Errorf("%s: audit verify: exit %d: %s", f, code, out)
		}
	}
}

func TestBackupPostgresRoute(t *testing.T) {
	dsn := "postgres://gongfu:s3cret@db.example:5432/gongfu?sslmode=require&search_path=gongfu&pool_max_conns=8"
	code, out, stderr := backup_(t, "/backup/g.dump", "--db", dsn)
	if code != exitError || out != "" {
		t.Errorf("exit %d, stdout %q", code, out)
	}
	for _, want := range []string{
		"pg_dump --format=custom --file /backup/g.dump --schema=gongfu 'postgres://gongfu@db.example:5432/gongfu?sslmode=require'",
		"pg_restore --clean --if-exists --dbname 'postgres://gongfu@db.example:5432/gongfu?sslmode=require' /backup/g.dump",
		"PGPASSWORD",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if strings.Contains(stderr, "s3cret") || strings.Contains(stderr, "pool_max_conns") {
		t.Errorf("stderr shows the password or a pgx parameter:\n%s", stderr)
	}
	code, _, stderr = restore_(t, "g.dump", "--db", "postgresql://localhost/gongfu")
	if code != exitError || !strings.Contains(stderr, "pg_restore --clean --if-exists --dbname postgresql://localhost/gongfu g.dump") ||
		strings.Contains(stderr, "pg_dump") {
		t.Errorf("restore: exit %d:\n%s", code, stderr)
	}
}

// TestPostgresDumpRestore runs the route backup and restore print for
// PostgreSQL, against a scratch schema: the printed pg_dump, changes, the
// printed pg_restore, and every table must be as it was at the dump.
// It needs GONGFU_TEST_PG and pg_dump and pg_restore on PATH.
func TestPostgresDumpRestore(t *testing.T) {
	for _, tool := range []string{"pg_dump", "pg_restore", "sh"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not on PATH", tool)
		}
	}
	dsn, conn := pgSchemaURL(t)
	ctx := t.Context()
	dir := t.TempDir()
	if code, _, stderr := gongfu_(t, "", "plan", "import", writeFile(t, dir, "plan.txt", demo.PlanText), "--db", dsn); code != 0 {
		t.Fatalf("plan import: %s", stderr)
	}
	if code, _, stderr := gongfu_(t, "Adm1n-secret-pw\n", "user", "add", "admin", "--role", "admin", "--db", dsn); code != 0 {
		t.Fatalf("user add: %s", stderr)
	}
	file := filepath.Join(dir, "gongfu.dump")
	code, _, stderr := backup_(t, file, "--db", dsn)
	if code != exitError {
		t.Fatalf("backup: exit %d", code)
	}
	dump, restore := commandLine(t, stderr, "pg_dump "), commandLine(t, stderr, "pg_restore ")
	if out, err := exec.CommandContext(ctx, "sh", "-c", dump).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", dump, err, out)
	}
	want := pgTables(t, conn)
	if len(want["plans"]) != 1 || len(want["users"]) != 1 || len(want["audit_log"]) == 0 {
		t.Fatalf("schema before the dump: %d plans, %d users, %d audit entries", len(want["plans"]), len(want["users"]), len(want["audit_log"]))
	}

	// Changes after the dump, which the restore must undo.
	if code, _, stderr := gongfu_(t, "Le4der-secret-pw\n", "user", "add", "leader", "--role", "leader", "--db", dsn); code != 0 {
		t.Fatalf("user add: %s", stderr)
	}
	if _, err := conn.Exec(ctx, `DELETE FROM sessions`); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.CommandContext(ctx, "sh", "-c", restore).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", restore, err, out)
	}
	compareTables(t, pgTables(t, conn), want)
	if code, out, stderr := gongfu_(t, "", "audit", "verify", "--db", dsn); code != 0 {
		t.Errorf("audit verify after pg_restore: exit %d\n%s%s", code, out, stderr)
	}
}

// commandLine picks the detail line of a pgRoute message starting with prefix.
func commandLine(t *testing.T, msg, prefix string) string {
	t.Helper()
	for _, l := range strings.Split(msg, "\n") {
		if l = strings.TrimPrefix(strings.TrimSpace(l), "- "); strings.HasPrefix(l, prefix) {
			return l
		}
	}
	t.Fatalf("no %q line in:\n%s", prefix, msg)
	return ""
}

// pgTables reads every table of the connection's current schema as sorted
// rows of text.
func pgTables(t *testing.T, conn *pgx.Conn) map[string][]string {
	t.Helper()
	ctx := t.Context()
	rows, err := conn.Query(ctx, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`)
	if err != nil {
		t.Fatal(err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, name := range names {
		id := pgx.Identifier{name}.Sanitize()
		rows, err := conn.Query(ctx, `SELECT t::text FROM `+id+` t`)
		if err != nil {
			t.Fatal(err)
		}
		list, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(list)
		out[name] = list
	}
	return out
}
