package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"gongfu/demo"
)

// TestPostgresRestoreOnNewServer is the disaster-recovery route for
// PostgreSQL, run with the real binary: the pg_dump command `gongfu backup`
// prints for the live database, then, for an empty database standing in
// for a new server, the pg_restore command `gongfu restore` prints for it.
// The restored schema holds every table as dumped, `gongfu audit verify`
// passes on it, and `gongfu serve` runs on it: the restored account logs
// in and the restored plan is served. It needs GONGFU_TEST_PG, pg_dump and
// pg_restore, and the go command (it builds the binary; skipped with -short).
func TestPostgresRestoreOnNewServer(t *testing.T) {
	for _, tool := range []string{"pg_dump", "pg_restore", "sh"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not on PATH", tool)
		}
	}
	dsn, conn := pgSchemaURL(t)
	bin := binary(t)
	ctx := t.Context()
	dir := t.TempDir()
	mustGF(t, bin, "", "plan", "import", writeFile(t, dir, "plan.txt", demo.PlanText), "--db", dsn, "--quiet")
	mustGF(t, bin, "Adm1n-secret-pw\n", "user", "add", "admin", "--role", "admin", "--db", dsn)
	mustGF(t, bin, "Crash-test-pw-1\n", "user", "add", "lc", "--role", "reporter", "--org", "鹿城区", "--db", dsn)
	want := pgTables(t, conn)

	file := filepath.Join(dir, "gongfu.dump")
	code, _, stderr := gf(t, bin, "", "backup", file, "--db", dsn)
	if code != exitError {
		t.Fatalf("backup --db postgres://…: exit %d, want %d with the pg_dump command", code, exitError)
	}
	dump := commandLine(t, stderr, "pg_dump ")
	if out, err := exec.CommandContext(ctx, "sh", "-c", dump).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", dump, err, out)
	}

	// The new server: an empty database of its own.
	base := os.Getenv("GONGFU_TEST_PG")
	b := make([]byte, 6)
	rand.Read(b)
	dbName := "gongfu_restore_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, `CREATE DATABASE `+pgx.Identifier{dbName}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("drop database %s: %v", dbName, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, `DROP DATABASE `+pgx.Identifier{dbName}.Sanitize()+` WITH (FORCE)`); err != nil {
			t.Errorf("drop database %s: %v", dbName, err)
		}
	})
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + dbName
	newDSN := u.String() // the same search_path, on the new database
	code, _, stderr = gf(t, bin, "", "restore", file, "--db", newDSN)
	if code != exitError {
		t.Fatalf("restore --db postgres://…: exit %d, want %d with the pg_restore command", code, exitError)
	}
	restore := commandLine(t, stderr, "pg_restore ")
	if !strings.Contains(restore, dbName) {
		t.Fatalf("the printed pg_restore does not name the new database: %s", restore)
	}
	if out, err := exec.CommandContext(ctx, "sh", "-c", restore).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", restore, err, out)
	}

	nu := *u
	q := nu.Query()
	schema := q.Get("search_path")
	q.Del("search_path")
	nu.RawQuery = q.Encode()
	nconn, err := pgx.Connect(ctx, nu.String())
	if err != nil {
		t.Fatal(err)
	}
	defer nconn.Close(context.Background())
	if _, err := nconn.Exec(ctx, `SET search_path = `+pgx.Identifier{schema}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	compareTables(t, pgTables(t, nconn), want)
	if out := mustGF(t, bin, "", "audit", "verify", "--db", newDSN); !strings.Contains(out, "审计链完好") {
		t.Errorf("audit verify of the restored database: %s", out)
	}

	// Serve it.
	srv := startServer(t, bin, newDSN, filepath.Join(dir, "serve.log"))
	client := &http.Client{Timeout: time.Minute}
	var out struct{ Token string }
	if code, err := api(ctx, client, "POST", srv.base+"/api/v1/session", "", map[string]string{"username": "lc", "password": "Crash-test-pw-1"}, &out); err != nil || code != 200 || out.Token == "" {
		t.Fatalf("login to the restored server: %d %v\n%s", code, err, tail(srv.log))
	}
	var plans []struct{ Title string }
	if code, err := api(ctx, client, "GET", srv.base+"/api/v1/plans", out.Token, nil, &plans); err != nil || code != 200 ||
		len(plans) != 1 || !strings.Contains(plans[0].Title, "温州") {
		t.Errorf("plans on the restored server: %d %v %+v", code, err, plans)
	}
}
