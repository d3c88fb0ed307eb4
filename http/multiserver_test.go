package http_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"gongfu"
	"gongfu/demo"
	"gongfu/extract"
	gongfuhttp "gongfu/http"
	"gongfu/password"
	"gongfu/postgres"
	"gongfu/region"
	"gongfu/sqlite"
)

// Several gongfu servers over one database: a report approved through one
// appears in the other's status and dashboards. Each server follows the
// store's audit trail (live.go): on every status read, and by a background
// poll between reads. The test runs over one SQLite file (two handles, as
// two processes on one machine would have) and, when GONGFU_TEST_PG is set,
// over one PostgreSQL schema, the deployment the issue is about.

func TestTwoServersSQLite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared.db")
	open := func() gongfu.Store {
		db, err := sqlite.Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	testTwoServers(t, open(), open())
}

func TestTwoServersPostgres(t *testing.T) {
	u := os.Getenv("GONGFU_TEST_PG")
	if u == "" {
		t.Skip("GONGFU_TEST_PG is not set: no PostgreSQL to test against")
	}
	ctx := context.Background()
	b := make([]byte, 8)
	rand.Read(b)
	schema := "gongfu_test_" + hex.EncodeToString(b)
	exec := func(ctx context.Context, sql string) {
		conn, err := pgx.Connect(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	exec(ctx, `CREATE SCHEMA `+pgx.Identifier{schema}.Sanitize())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		exec(ctx, `DROP SCHEMA `+pgx.Identifier{schema}.Sanitize()+` CASCADE`)
	})
	open := func() gongfu.Store {
		cfg, err := pgxpool.ParseConfig(u)
		if err != nil {
			t.Fatal(err)
		}
		cfg.ConnConfig.RuntimeParams["search_path"] = schema
		db, err := postgres.OpenConfig(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	testTwoServers(t, open(), open())
}

// twoServerUsers are the accounts of the test, one password for all.
const twoServerPassword = "Two-servers-2020"

func testTwoServers(t *testing.T, storeA, storeB gongfu.Store) {
	ctx := context.Background()

	// The plan, the counties and the accounts, written through A's store.
	orgs, err := region.ParseCSV(demo.CountiesCSV)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := storeA.EnsureOrgs(ctx, orgs); err != nil {
		t.Fatal(err)
	}
	res, err := extract.Document(demo.PlanName, demo.PlanText)
	if err != nil {
		t.Fatal(err)
	}
	ir, err := storeA.ImportPlan(ctx, res.Plan, region.PlanOrgs(res.Plan))
	if err != nil {
		t.Fatal(err)
	}
	lc, err := storeA.FindOrg(ctx, "鹿城区")
	if err != nil {
		t.Fatal(err)
	}
	hash, err := password.Hash(twoServerPassword)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []*gongfu.User{
		{Name: "coord", Role: gongfu.RoleCoordinator},
		{Name: "lc", Role: gongfu.RoleReporter, OrgID: lc.ID},
	} {
		u.PasswordHash = hash
		if err := storeA.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}

	start := func(store gongfu.Store) string {
		srv := gongfuhttp.NewServer(store, slog.New(slog.NewTextHandler(io.Discard, nil)))
		srv.Security.SingleSession = false // one account used on both servers
		if err := srv.Open("127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { srv.Close(context.Background()) })
		return "http://" + srv.Addr()
	}
	a, b := start(storeA), start(storeB)

	call := func(base, method, path, tok, body string) (int, string) {
		t.Helper()
		req, err := http.NewRequest(method, base+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(out)
	}
	login := func(base, name string) string {
		t.Helper()
		code, body := call(base, "POST", "/api/v1/session", "", `{"username":"`+name+`","password":"`+twoServerPassword+`"}`)
		if code != 200 {
			t.Fatalf("login %s: %d %s", name, code, body)
		}
		var out struct{ Token string }
		json.Unmarshal([]byte(body), &out)
		return out.Token
	}
	coordA, coordB, lcA := login(a, "coord"), login(b, "coord"), login(a, "lc")
	plan := strconv.FormatInt(ir.PlanID, 10)
	org := strconv.FormatInt(lc.ID, 10)

	// lightOn returns 鹿城区's light and value for target 1.1 on server base.
	lightOn := func(base, tok string) (string, *float64) {
		t.Helper()
		code, body := call(base, "GET", "/api/v1/plans/"+plan+"/status?at=2020-07-10", tok, "")
		if code != 200 {
			t.Fatalf("status on %s: %d %s", base, code, body)
		}
		var st statusJSON
		if err := json.Unmarshal([]byte(body), &st); err != nil {
			t.Fatal(err)
		}
		for _, r := range st.Targets {
			if r.ID == "1.1" && r.Org == "鹿城区" {
				return r.Light, r.Value
			}
		}
		return "", nil
	}
	// B has read its status (and cached it) before anything was reported.
	if l, v := lightOn(b, coordB); v != nil {
		t.Fatalf("before reporting, server B shows 鹿城区 1.1 = %v (%s)", *v, l)
	}

	// Reported and approved through A only.
	put := func(value string) {
		t.Helper()
		if code, body := call(a, "PUT", "/api/v1/plans/"+plan+"/reports/1.1/"+org+"/2020-06", lcA, `{"value": `+value+`, "submit": true}`); code != 200 {
			t.Fatalf("save on A: %d %s", code, body)
		}
		if code, body := call(a, "POST", "/api/v1/plans/"+plan+"/reports/1.1/"+org+"/2020-06/approve", coordA, ""); code != 200 {
			t.Fatalf("approve on A: %d %s", code, body)
		}
	}
	put("5")
	// B's very next read shows it: no wait at all, not merely within a
	// second, because each read applies the trail up to the head first.
	if _, v := lightOn(b, coordB); v == nil || *v != 5 {
		t.Fatalf("server B's next read after A approved 5: %v, want 5", v)
	}

	// Reopened through A for a correction (approved → draft: no longer an
	// official figure), with B left alone: B's background poll applies it
	// without any request to B. How long that took is logged, not
	// asserted (the machine is shared); the bound below only stops a
	// broken poll from hanging the test.
	if code, body := call(a, "POST", "/api/v1/plans/"+plan+"/reports/1.1/"+org+"/2020-06/reopen", coordA, `{"reason":"数字有误"}`); code != 200 {
		t.Fatalf("reopen on A: %d %s", code, body)
	}
	t0 := time.Now()
	var seen time.Duration
	for seen == 0 && time.Since(t0) < 10*time.Second {
		time.Sleep(10 * time.Millisecond)
		if metricsSeq(t, b) >= metricsHead(t, b) {
			seen = time.Since(t0)
		}
	}
	if seen == 0 {
		t.Fatalf("server B's background poll did not apply A's change within 10 s")
	}
	t.Logf("server B applied A's reopening by its background poll within %v", seen.Round(time.Millisecond))
	if _, v := lightOn(b, coordB); v != nil {
		t.Fatalf("server B still shows the reopened figure %v", *v)
	}
	// The corrected figure, submitted through A, on B's next read; then
	// returned through B, and gone from A's next read.
	put("7")
	if _, v := lightOn(b, coordB); v == nil || *v != 7 {
		t.Fatalf("server B after A's correction to 7: %v", v)
	}
	if code, body := call(b, "POST", "/api/v1/plans/"+plan+"/reports/1.1/"+org+"/2020-06/reopen", coordB, `{"reason":"再核"}`); code != 200 {
		t.Fatalf("reopen on B: %d %s", code, body)
	}
	if _, v := lightOn(a, coordA); v != nil {
		t.Fatalf("server A still shows a figure reopened through B: %v", *v)
	}
}

// metricsSeq and metricsHead read the live figures' applied audit entry and
// the audit chain's head from a server's /metrics (served to loopback).
func metricsSeq(t *testing.T, base string) float64 {
	return metricValue(t, base, "gongfu_live_applied_seq")
}

func metricsHead(t *testing.T, base string) float64 {
	return metricValue(t, base, "gongfu_audit_chain_length")
}

func metricValue(t *testing.T, base, name string) float64 {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			return f
		}
	}
	t.Fatalf("/metrics has no %s", name)
	return 0
}
