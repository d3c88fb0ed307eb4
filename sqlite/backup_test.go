package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gongfu"
	"gongfu/storetest"
)

// populate fills db with a plan and its orgs, accounts, sessions and
// reports, through the store as the program writes them, and returns the
// plan id and the city's org id.
func populate(t *testing.T, db *DB) (planID, cityID int64) {
	t.Helper()
	ctx := t.Context()
	res, err := db.ImportPlan(ctx, storetest.SamplePlan(), storetest.SampleOrgs())
	if err != nil {
		t.Fatal(err)
	}
	city, err := db.FindOrg(ctx, "温州市")
	if err != nil {
		t.Fatal(err)
	}
	admin := &gongfu.User{Name: "admin", Role: gongfu.RoleAdmin, PasswordHash: "h"}
	if err := db.CreateUser(ctx, admin); err != nil {
		t.Fatal(err)
	}
	rep := &gongfu.User{Name: "lc", Role: gongfu.RoleReporter, OrgID: city.ID, PasswordHash: "h"}
	if err := db.CreateUser(ctx, rep); err != nil {
		t.Fatal(err)
	}
	actx := gongfu.WithActor(ctx, rep)
	for m := 1; m <= 6; m++ {
		v := float64(10 * m)
		r := &gongfu.Report{ReportKey: gongfu.ReportKey{PlanID: res.PlanID, ItemID: "1.1", OrgID: city.ID,
			Period: gongfu.MonthPeriod(2020, m).String()}, Value: &v, Note: fmt.Sprintf("第 %d 月", m)}
		if err := db.SaveReport(actx, r, -1); err != nil {
			t.Fatal(err)
		}
	}
	return res.PlanID, city.ID
}

// dump reads every table of a database (listed from sqlite_master) into
// sorted rows of typed values, with the schema itself as table "".
func dump(t *testing.T, db *sql.DB) map[string][]string {
	t.Helper()
	ctx := t.Context()
	out := map[string][]string{}
	var tables []string
	rows, err := db.QueryContext(ctx, `SELECT type, name, tbl_name, COALESCE(sql, '') FROM sqlite_master ORDER BY type, name`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var typ, name, tbl, text string
		if err := rows.Scan(&typ, &name, &tbl, &text); err != nil {
			t.Fatal(err)
		}
		out[""] = append(out[""], strings.Join([]string{typ, name, tbl, text}, "|"))
		if typ == "table" {
			tables = append(tables, name)
		}
	}
	rows.Close()
	for _, name := range tables {
		rows, err := db.QueryContext(ctx, `SELECT * FROM "`+strings.ReplaceAll(name, `"`, `""`)+`"`)
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
			var b strings.Builder
			for i, v := range vals {
				if b.Len() > 0 {
					b.WriteString(", ")
				}
				if s, ok := v.([]byte); ok {
					v = fmt.Sprintf("blob %x", s)
				}
				fmt.Fprintf(&b, "%s=%T:%v", cols[i], v, v)
			}
			list = append(list, b.String())
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
		slices.Sort(list)
		out[name] = list
	}
	return out
}

// sameDump reports the differences between two dumps table by table.
func sameDump(t *testing.T, got, want map[string][]string) {
	t.Helper()
	for name, rows := range want {
		if !slices.Equal(got[name], rows) {
			t.Errorf("table %q differs:\n got %d rows %q\nwant %d rows %q", name, len(got[name]), got[name], len(rows), rows)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("table %q is extra", name)
		}
	}
}

func readOnly(t *testing.T, path string) *sql.DB {
	t.Helper()
	ro, err := openReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ro.Close() })
	return ro
}

// TestBackupRestoreRoundTrip backs up a populated database, restores the
// backup to a new path and compares every table of the source and the
// restored file row by row; the restored file then opens as a store.
func TestBackupRestoreRoundTrip(t *testing.T) {
	dir := t.TempDir()
	db := openAt(t, filepath.Join(dir, "src.db"))
	populate(t, db)
	ctx := t.Context()
	backup := filepath.Join(dir, "backup.db")
	if err := db.Backup(ctx, backup); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(backup); err != nil || fi.Mode().Perm()&0o077 != 0 {
		t.Errorf("backup file %v, %v: want it readable by its owner only", fi.Mode(), err)
	}
	if _, err := os.Stat(backup + "-wal"); err == nil {
		t.Error("the backup has a -wal beside it")
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".gongfu-*"))
	if len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
	restored := filepath.Join(dir, "restored", "gongfu.db")
	os.Mkdir(filepath.Dir(restored), 0o755)
	info, err := Restore(ctx, backup, restored, false)
	if err != nil {
		t.Fatal(err)
	}
	head, _ := db.AuditHead(ctx)
	if info.AuditHead != head || head == 0 || info.Migrations == 0 {
		t.Errorf("info %+v, source audit head %d", info, head)
	}
	want := dump(t, db.read)
	if len(want["reports"]) != 6 || len(want["users"]) != 2 || len(want["audit_log"]) == 0 {
		t.Fatalf("source: %d reports, %d users, %d audit entries", len(want["reports"]), len(want["users"]), len(want["audit_log"]))
	}
	sameDump(t, dump(t, readOnly(t, restored)), want)

	// The restored file is a working store with the same chain.
	rdb := openAt(t, restored)
	if _, err := rdb.VerifyAudit(ctx); err != nil {
		t.Fatal(err)
	}
	plans, err := rdb.FindPlans(ctx)
	if err != nil || len(plans) != 1 {
		t.Fatalf("plans %v, %v", plans, err)
	}
}

// TestBackupDuringWrites backs up while writers keep saving reports and
// creating accounts: the backup is a consistent snapshot, so its audit
// chain verifies and is a prefix of the source's chain.
func TestBackupDuringWrites(t *testing.T) {
	dir := t.TempDir()
	db := openAt(t, filepath.Join(dir, "src.db"))
	planID, cityID := populate(t, db)
	ctx := t.Context()
	stop := make(chan struct{})
	var writes atomic.Int64
	var wg sync.WaitGroup
	var werr atomic.Value
	for w := range 2 {
		wg.Go(func() {
			actx := gongfu.WithActor(ctx, &gongfu.User{Name: fmt.Sprintf("w%d", w), Role: gongfu.RoleAdmin})
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				v := float64(i)
				r := &gongfu.Report{ReportKey: gongfu.ReportKey{PlanID: planID, ItemID: "3.1", OrgID: cityID,
					Period: gongfu.MonthPeriod(2020, 1+(i+w)%12).String()}, Value: &v}
				if err := db.SaveReport(actx, r, -1); err != nil {
					werr.Store(err)
					return
				}
				u := &gongfu.User{Name: fmt.Sprintf("w%d-%d", w, i), Role: gongfu.RoleLeader, PasswordHash: "h"}
				if err := db.CreateUser(actx, u); err != nil {
					werr.Store(err)
					return
				}
				writes.Add(2)
			}
		})
	}
	for writes.Load() < 20 && werr.Load() == nil {
		time.Sleep(time.Millisecond)
	}
	var backups []string
	for i := range 3 {
		b := filepath.Join(dir, fmt.Sprintf("backup-%d.db", i))
		if err := db.Backup(ctx, b); err != nil {
			close(stop)
			wg.Wait()
			t.Fatal(err)
		}
		backups = append(backups, b)
	}
	close(stop)
	wg.Wait()
	if err := werr.Load(); err != nil {
		t.Fatalf("a writer failed: %v", err)
	}
	src := dump(t, db.read)["audit_log"]
	slices.Sort(src)
	for _, b := range backups {
		info, err := CheckFile(ctx, b)
		if err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		got := dump(t, readOnly(t, b))
		if n := int64(len(got["audit_log"])); n != info.AuditHead {
			t.Errorf("%s: %d audit entries, head %d", b, n, info.AuditHead)
		}
		// Every entry of the backup is in the source, unchanged.
		for _, e := range got["audit_log"] {
			if _, ok := slices.BinarySearch(src, e); !ok {
				t.Errorf("%s: audit entry not in the source: %s", b, e)
			}
		}
	}
	t.Logf("%d writes while backing up; source chain %d entries", writes.Load(), len(src))
}

func TestBackupRefusesExistingFile(t *testing.T) {
	dir := t.TempDir()
	db := openAt(t, filepath.Join(dir, "src.db"))
	for _, body := range []string{"", "precious"} {
		path := filepath.Join(dir, "taken")
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		err := db.Backup(t.Context(), path)
		if gongfu.ErrorCode(err) != gongfu.EINVALID || !strings.Contains(gongfu.ErrorMessage(err), "已存在") {
			t.Errorf("backup over a file holding %q: %v", body, err)
		}
		if b, _ := os.ReadFile(path); string(b) != body {
			t.Errorf("the file now holds %q", b)
		}
	}
	if err := db.Backup(t.Context(), filepath.Join(dir, "no", "such", "dir.db")); gongfu.ErrorCode(err) != gongfu.EINVALID {
		t.Errorf("backup into a missing directory: %v", err)
	}
	mem, err := Open(t.Context(), ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer mem.Close()
	if err := mem.Backup(t.Context(), filepath.Join(dir, "mem.db")); gongfu.ErrorCode(err) != gongfu.EINVALID {
		t.Errorf("backup of an in-memory database: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "mem.db")); err == nil {
		t.Error("an in-memory backup left a file")
	}
}

// TestRestoreRefuses: what restore will not do, each time leaving the
// destination as it was.
func TestRestoreRefuses(t *testing.T) {
	dir := t.TempDir()
	ctx := t.Context()
	db := openAt(t, filepath.Join(dir, "src.db"))
	populate(t, db)
	good := filepath.Join(dir, "good.db")
	if err := db.Backup(ctx, good); err != nil {
		t.Fatal(err)
	}
	// A backup whose chain was edited afterwards.
	tampered := filepath.Join(dir, "tampered.db")
	if err := db.Backup(ctx, tampered); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", tampered)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.ExecContext(ctx, `UPDATE audit_log SET new = new || ' ' WHERE seq = 2`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	// A SQLite database that is not gongfu's.
	other := filepath.Join(dir, "other.db")
	raw, _ = sql.Open("sqlite", other)
	if _, err := raw.ExecContext(ctx, `CREATE TABLE t (x)`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	text := filepath.Join(dir, "notes.txt")
	os.WriteFile(text, []byte("not a database at all, but long enough"), 0o600)

	dst := filepath.Join(dir, "dst.db")
	for name, tc := range map[string]struct {
		src, want string
	}{
		"tampered":    {tampered, "审计链在第 2 条处断开"},
		"not gongfu":  {other, "schema_migrations"},
		"not sqlite":  {text, "不是 SQLite 数据库"},
		"missing":     {filepath.Join(dir, "nope.db"), "无法读取"},
		"live source": {filepath.Join(dir, "src.db"), "预写日志"},
	} {
		_, err := Restore(ctx, tc.src, dst, true)
		if gongfu.ErrorCode(err) != gongfu.EINVALID || !strings.Contains(gongfu.ErrorMessage(err), tc.want) {
			t.Errorf("%s: %v, want EINVALID saying %q", name, err, tc.want)
		}
		if _, err := os.Stat(dst); err == nil {
			t.Errorf("%s: the destination was written", name)
		}
	}

	// An existing destination needs overwrite, and must not be in use.
	os.WriteFile(dst, []byte("old"), 0o600)
	if _, err := Restore(ctx, good, dst, false); gongfu.ErrorCode(err) != gongfu.EINVALID || !strings.Contains(gongfu.ErrorMessage(err), "--force") {
		t.Errorf("existing destination: %v", err)
	}
	if _, err := Restore(ctx, good, dst, true); gongfu.ErrorCode(err) != gongfu.EINVALID || !strings.Contains(gongfu.ErrorMessage(err), "不是 SQLite") {
		t.Errorf("destination not a database: %v", err)
	}
	if b, _ := os.ReadFile(dst); string(b) != "old" {
		t.Errorf("the destination now holds %q", b)
	}
	live := filepath.Join(dir, "live.db")
	ldb := openAt(t, live)
	if _, err := Restore(ctx, good, live, true); gongfu.ErrorCode(err) != gongfu.ECONFLICT || !strings.Contains(gongfu.ErrorMessage(err), "正在使用") {
		t.Errorf("destination in use: %v", err)
	}
	if _, err := ldb.FindPlans(ctx); err != nil {
		t.Errorf("the live database after a refused restore: %v", err)
	}
	if _, err := Restore(ctx, good, good, true); gongfu.ErrorCode(err) != gongfu.EINVALID || !strings.Contains(gongfu.ErrorMessage(err), "同一个文件") {
		t.Errorf("restore onto itself: %v", err)
	}
}

// TestRestoreOverCrashedDatabase restores over a database left by a killed
// server, with its -wal and -shm still there: the old log must not be
// replayed into the restored file.
func TestRestoreOverCrashedDatabase(t *testing.T) {
	dir := t.TempDir()
	ctx := t.Context()
	src := openAt(t, filepath.Join(dir, "src.db"))
	populate(t, src)
	backup := filepath.Join(dir, "backup.db")
	if err := src.Backup(ctx, backup); err != nil {
		t.Fatal(err)
	}
	want := dump(t, readOnly(t, backup))

	// A database with committed transactions still in its WAL, copied with
	// the WAL while open: what a SIGKILL leaves behind.
	other, err := Open(ctx, filepath.Join(dir, "other.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.write.ExecContext(ctx, `PRAGMA wal_autocheckpoint = 0`); err != nil {
		t.Fatal(err)
	}
	p := storetest.SamplePlan()
	p.Title = "另一个计划"
	if _, err := other.ImportPlan(ctx, p, storetest.SampleOrgs()); err != nil {
		t.Fatal(err)
	}
	crashed := filepath.Join(dir, "crashed.db")
	for _, suffix := range []string{"", "-wal", "-shm"} {
		b, err := os.ReadFile(filepath.Join(dir, "other.db") + suffix)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(crashed+suffix, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	other.Close()
	if fi, err := os.Stat(crashed + "-wal"); err != nil || fi.Size() == 0 {
		t.Fatalf("no WAL to leave behind: %v", err)
	}

	if _, err := Restore(ctx, backup, crashed, true); err != nil {
		t.Fatal(err)
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if _, err := os.Stat(crashed + suffix); err == nil {
			t.Errorf("%s left beside the restored file", suffix)
		}
	}
	sameDump(t, dump(t, readOnly(t, crashed)), want)
	db, err := Open(ctx, crashed)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.VerifyAudit(ctx); err != nil {
		t.Fatal(err)
	}
	plans, _ := db.FindPlans(ctx)
	if len(plans) != 1 || plans[0].Title != storetest.SamplePlan().Title {
		t.Errorf("plans after restore: %+v", plans)
	}
}

// TestBackupCanceled: a canceled backup leaves no file behind.
func TestBackupCanceled(t *testing.T) {
	dir := t.TempDir()
	db := openAt(t, filepath.Join(dir, "src.db"))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := db.Backup(ctx, filepath.Join(dir, "b.db")); err == nil {
		t.Fatal("a canceled backup succeeded")
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), "src.db") {
			t.Errorf("left behind: %s", e.Name())
		}
	}
	// The read pool still works, and still refuses writes.
	if _, err := db.FindPlans(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := db.read.ExecContext(t.Context(), `CREATE TABLE x (y)`); err == nil {
		t.Error("a read connection accepted a write after a backup")
	}
}
