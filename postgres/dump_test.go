package postgres

// Backup and restore of a PostgreSQL store with PostgreSQL's own tools, as
// `gongfu backup` and `gongfu restore` tell an operator to (pg_dump
// --format=custom --schema=…, pg_restore): a schema holding every kind of
// record is dumped, restored into another database and renamed to another
// schema there, compared table by table with the original, and then used:
// the restored store opens, its audit chain verifies, and new records and
// audit entries follow on from the restored ones.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"gongfu"
	"gongfu/storetest"
)

// fill writes one of every kind of record a store keeps into db.
func fill(t *testing.T, db *DB) {
	t.Helper()
	ctx := gongfu.WithActor(t.Context(), &gongfu.User{Name: "admin", Role: gongfu.RoleAdmin})
	res, err := db.ImportPlan(ctx, storetest.SamplePlan(), storetest.SampleOrgs())
	if err != nil {
		t.Fatal(err)
	}
	city, err := db.FindOrg(ctx, "温州市")
	if err != nil {
		t.Fatal(err)
	}
	u := &gongfu.User{Name: "lc", Role: gongfu.RoleReporter, OrgID: city.ID, PasswordHash: "argon2id$x"}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(db.CreateUser(ctx, u))
	now := time.Now().UTC().Truncate(time.Second)
	must(db.CreateSession(ctx, &gongfu.Session{ID: "s1", UserID: u.ID, CreatedAt: now, LastSeen: now, ExpiresAt: now.Add(time.Hour)}))
	must(db.SetTOTP(ctx, u.ID, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", []string{"h1", "h2"}))
	k := gongfu.ReportKey{PlanID: res.PlanID, ItemID: "1.1", OrgID: city.ID, Period: "2020-05"}
	v := 12.5
	must(db.SaveReport(ctx, &gongfu.Report{ReportKey: k, Value: &v, Note: "含改扩建，电话13812345678"}, -1))
	must(db.AddAttachment(ctx, &gongfu.Attachment{Key: k, Name: "验收.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.4\x00\xff binary")}))
	must(db.SetQuotas(ctx, res.PlanID, "1.1", []gongfu.Quota{{PlanID: res.PlanID, ItemID: "1.1", OrgID: city.ID, Value: 80}}))
	must(db.SetSchedule(ctx, res.PlanID, "1.1", []float64{0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 1}))
	must(db.SetPlanSettings(ctx, res.PlanID, gongfu.PlanSettings{Frequency: gongfu.Quarterly, DeadlineDay: 10, GreenWithin: 5, YellowWithin: 20, LevelTolerance: 3}))
	must(db.SetPublished(ctx, res.PlanID, []string{"1.1"}, true))
	must(db.CreateNotices(ctx, []*gongfu.Notice{{OrgID: city.ID, PlanID: res.PlanID, Period: "2020-05", Kind: "reminder", Text: "请报送"}}))
	sv := &gongfu.Supervision{PlanID: res.PlanID, ItemID: "1.1", OrgID: city.ID, Period: "2020-05", Light: "red", Text: "请说明", Deadline: "2020-07-31"}
	must(db.CreateSupervision(ctx, sv))
	must(db.SaveExplanation(ctx, &gongfu.Explanation{PlanID: res.PlanID, ItemID: "1.1", OrgID: city.ID, Period: "2020-05", Text: "雨季停工"}))
	must(db.AppendEvent(ctx, "export", "plan/1/decomposition.xlsx", "ok"))
}

// schemaTables reads every table of schema over conn as sorted rows of
// text, with the schema's tables, columns and sequences' values as "".
func schemaTables(t *testing.T, conn *pgx.Conn, schema string) map[string][]string {
	t.Helper()
	ctx := t.Context()
	rows, err := conn.Query(ctx, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = $1 AND table_type = 'BASE TABLE' ORDER BY table_name`, schema)
	if err != nil {
		t.Fatal(err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	rows, err = conn.Query(ctx, `SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable
		FROM information_schema.columns WHERE table_schema = $1 ORDER BY 1`, schema)
	if err != nil {
		t.Fatal(err)
	}
	if out[""], err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		id := pgx.Identifier{schema, name}.Sanitize()
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

// TestDumpRestoreIntoAnotherSchema: pg_dump of a gongfu schema, pg_restore
// into a new database, the schema renamed there: every table is as it was,
// the store opens on it (no migration to run), its chain verifies, and new
// records take new ids and chain on from the restored head.
func TestDumpRestoreIntoAnotherSchema(t *testing.T) {
	base := serverURL(t)
	for _, tool := range []string{"pg_dump", "pg_restore"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not on PATH", tool)
		}
	}
	ctx := t.Context()
	schema := newSchema(t)
	db := openSchema(t, schema)
	fill(t, db)
	head, err := db.AuditHead(ctx)
	if err != nil || head < 10 {
		t.Fatalf("audit head %d %v", head, err)
	}
	src, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close(context.Background())
	want := schemaTables(t, src, schema)
	for _, table := range []string{"plans", "orgs", "users", "sessions", "reports", "attachments", "quotas", "schedules",
		"plan_settings", "published_items", "recovery_codes", "notices", "supervisions", "explanations", "audit_log", "chain_head"} {
		if len(want[table]) == 0 {
			t.Errorf("table %s is empty or missing before the dump; the test would prove nothing for it", table)
		}
	}

	// pg_dump, as `gongfu backup --db postgres://…?search_path=SCHEMA` prints it.
	file := filepath.Join(t.TempDir(), "gongfu.dump")
	if out, err := exec.CommandContext(ctx, "pg_dump", "--format=custom", "--file", file, "--schema="+schema, base).CombinedOutput(); err != nil {
		t.Fatalf("pg_dump: %v\n%s", err, out)
	}

	// A new database to restore into, dropped at the end.
	b := make([]byte, 6)
	rand.Read(b)
	dbName := "gongfu_restore_" + hex.EncodeToString(b)
	if _, err := src.Exec(ctx, `CREATE DATABASE `+pgx.Identifier{dbName}.Sanitize()); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("drop database %s: %v", dbName, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, `DROP DATABASE `+pgx.Identifier{dbName}.Sanitize()+` WITH (FORCE)`); err != nil {
			t.Errorf("drop database %s: %v", dbName, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + dbName
	target := u.String()
	if out, err := exec.CommandContext(ctx, "pg_restore", "--clean", "--if-exists", "--no-owner", "--dbname", target, file).CombinedOutput(); err != nil {
		t.Fatalf("pg_restore: %v\n%s", err, out)
	}
	dst, err := pgx.Connect(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close(context.Background())
	// Another schema: the store must not depend on the name it had.
	moved := schema + "_restored"
	if _, err := dst.Exec(ctx, `ALTER SCHEMA `+pgx.Identifier{schema}.Sanitize()+` RENAME TO `+pgx.Identifier{moved}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	got := schemaTables(t, dst, moved)
	if len(got) != len(want) {
		t.Errorf("%d tables restored, want %d", len(got), len(want))
	}
	for name, rows := range want {
		if !slices.Equal(got[name], rows) {
			t.Errorf("table %q differs after the restore:\n got %q\nwant %q", name, got[name], rows)
		}
	}

	// The restored store opens and carries on.
	cfg := schemaConfig(t, moved)
	cfg.ConnConfig.Database = dbName
	restored, err := OpenConfig(ctx, cfg)
	if err != nil {
		t.Fatalf("open the restored schema: %v", err)
	}
	defer restored.Close()
	if seq, err := restored.VerifyAudit(ctx); seq != 0 || err != nil {
		t.Fatalf("VerifyAudit of the restored store = %d %v", seq, err)
	}
	if h, err := restored.AuditHead(ctx); err != nil || h != head {
		t.Errorf("restored audit head %d %v, want %d", h, err, head)
	}
	actx := gongfu.WithActor(ctx, &gongfu.User{Name: "admin", Role: gongfu.RoleAdmin})
	nu := &gongfu.User{Name: "after-restore", Role: gongfu.RoleLeader, PasswordHash: "argon2id$y"}
	if err := restored.CreateUser(actx, nu); err != nil {
		t.Fatalf("a new account after the restore: %v", err)
	}
	old, err := restored.FindUserByName(ctx, "lc")
	if err != nil || nu.ID <= old.ID {
		t.Errorf("new account id %d, restored %d (%v): the identity did not carry on", nu.ID, old.ID, err)
	}
	if err := restored.AppendEvent(actx, "export", "plan/1/template.xlsx", "ok"); err != nil {
		t.Fatal(err)
	}
	if h, err := restored.AuditHead(ctx); err != nil || h != head+2 {
		t.Errorf("audit head after two changes %d %v, want %d", h, err, head+2)
	}
	if seq, err := restored.VerifyAudit(ctx); seq != 0 || err != nil {
		t.Errorf("VerifyAudit after new entries = %d %v", seq, err)
	}
	// The original was not touched.
	if again := schemaTables(t, src, schema); !slices.Equal(again["users"], want["users"]) || !slices.Equal(again["audit_log"], want["audit_log"]) {
		t.Errorf("the restore changed the original schema")
	}
}
