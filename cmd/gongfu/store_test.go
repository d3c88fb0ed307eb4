package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"gongfu/demo"
)

// pgSchemaURL returns GONGFU_TEST_PG with search_path set to a new schema
// of the test's own (dropped when the test ends) and a connection to that
// schema for checking what the commands wrote. Without GONGFU_TEST_PG the
// test is skipped; with it, a server that does not answer fails the test.
func pgSchemaURL(t *testing.T) (string, *pgx.Conn) {
	t.Helper()
	base := os.Getenv("GONGFU_TEST_PG")
	if base == "" {
		t.Skip("GONGFU_TEST_PG is not set: no PostgreSQL to test against")
	}
	b := make([]byte, 8)
	rand.Read(b)
	schema := "gongfu_test_" + hex.EncodeToString(b)
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("GONGFU_TEST_PG: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	dsn := u.String()

	conn, err := pgx.Connect(t.Context(), base)
	if err != nil {
		t.Fatalf("GONGFU_TEST_PG is set but PostgreSQL cannot be reached: %v", err)
	}
	if _, err := conn.Exec(t.Context(), `CREATE SCHEMA `+pgx.Identifier{schema}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := conn.Exec(ctx, `DROP SCHEMA `+pgx.Identifier{schema}.Sanitize()+` CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
		conn.Close(ctx)
	})
	if _, err := conn.Exec(t.Context(), `SET search_path = `+pgx.Identifier{schema}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	return dsn, conn
}

// TestPostgresImportAndVerify runs the command line against PostgreSQL as an
// operator would, with --db postgres://…?search_path=…: a plan import, the
// same import again, audit verify, and audit verify after tampering.
func TestPostgresImportAndVerify(t *testing.T) {
	dsn, conn := pgSchemaURL(t)
	ctx := t.Context()
	seed := writeFile(t, t.TempDir(), "seed.txt", demo.PlanText)

	code, out, stderr := gongfu_(t, "", "plan", "import", seed, "--db", dsn)
	if code != 0 || !strings.Contains(out, "已导入计划") {
		t.Fatalf("plan import: exit %d\n%s%s", code, out, stderr)
	}
	// The tables are in the schema search_path named, not in public.
	var plans, schemas int
	if err := conn.QueryRow(ctx, `SELECT COUNT(*) FROM plans`).Scan(&plans); err != nil || plans != 1 {
		t.Errorf("plans in the test schema: %d (%v), want 1", plans, err)
	}
	if err := conn.QueryRow(ctx, `SELECT COUNT(DISTINCT table_schema) FROM information_schema.tables
		WHERE table_name = 'audit_log' AND table_schema = current_schema()`).Scan(&schemas); err != nil || schemas != 1 {
		t.Errorf("audit_log not in the test schema (%v)", err)
	}

	code, out, _ = gongfu_(t, "", "plan", "import", "--db", dsn, seed)
	if code != 0 || !strings.Contains(out, "此前已导入") {
		t.Errorf("second import: exit %d: %s", code, out)
	}
	code, out, stderr = gongfu_(t, "", "audit", "verify", "--db", dsn)
	if code != 0 || !strings.Contains(out, "审计链完好") {
		t.Errorf("audit verify: exit %d\n%s%s", code, out, stderr)
	}

	if _, err := conn.Exec(ctx, `UPDATE audit_log SET new = new || '0' WHERE seq = 3`); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = gongfu_(t, "", "audit", "verify", "--db", dsn)
	if code != exitBroken || !strings.Contains(stderr, "3") {
		t.Errorf("audit verify after tampering: exit %d, want %d naming entry 3; %s", code, exitBroken, stderr)
	}
}

// TestPostgresUnreachable: a server that is not there fails the command
// with exit 1 and a message that names the URL without its password.
func TestPostgresUnreachable(t *testing.T) {
	dsn := "postgres://gongfu:s3cret-pw@127.0.0.1:1/gongfu?sslmode=disable&connect_timeout=5"
	code, out, stderr := gongfu_(t, "", "audit", "verify", "--db", dsn)
	if code != exitError || out != "" {
		t.Errorf("exit %d, stdout %q; want %d", code, out, exitError)
	}
	if strings.Contains(stderr, "s3cret-pw") || !strings.Contains(stderr, "127.0.0.1:1") {
		t.Errorf("stderr %q: want the URL without its password", stderr)
	}
}
