package http_test

// SQL injection, swept over every input the server reads: each wildcard of
// every route's path, every query parameter and form field the handlers
// read, and every JSON field of their bodies. The names are read from the
// source, as the routes are (security_routes_test.go).

import (
	"context"
	"database/sql"
	"encoding/json"
	"go/ast"
	"go/token"
	"html"
	"maps"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// sqlPayloads are classic injection strings: a tautology, a stacked
// statement, a UNION reading the password hashes, a comment that cuts a
// query short, a LIKE wildcard and a parameter placeholder.
var sqlPayloads = []string{
	`' OR '1'='1`,
	`1; DROP TABLE users; --`,
	`0 UNION SELECT name, password_hash FROM users --`,
	`x") OR 1=1 --`,
	`%' AND 1=0 --`,
	`$1 ?`,
}

// inputNames returns the query parameter and form field names the handlers
// read (r.URL.Query().Get("plan"), r.PostFormValue("note"), …) and the JSON
// field names of the package's structs, read from the source.
func inputNames(t *testing.T) (params, fields []string) {
	t.Helper()
	_, files := sourceFiles(t)
	name := regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	ps, fs := map[string]bool{}, map[string]bool{}
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				sel, ok := n.Fun.(*ast.SelectorExpr)
				if !ok || len(n.Args) != 1 {
					return true
				}
				switch sel.Sel.Name {
				case "Get", "Has", "FormValue", "PostFormValue":
					if lit, ok := n.Args[0].(*ast.BasicLit); ok && lit.Kind == token.STRING {
						if v, _ := strconv.Unquote(lit.Value); name.MatchString(v) {
							ps[v] = true
						}
					}
				}
			case *ast.Field:
				if n.Tag != nil {
					tag, _ := strconv.Unquote(n.Tag.Value)
					if j, ok := reflect.StructTag(tag).Lookup("json"); ok {
						if v, _, _ := strings.Cut(j, ","); name.MatchString(v) {
							fs[v] = true
						}
					}
				}
			}
			return true
		})
	}
	for k := range ps {
		params = append(params, k)
	}
	for k := range fs {
		fields = append(fields, k)
	}
	slices.Sort(params)
	slices.Sort(fields)
	return params, fields
}

// routeParams returns, by route pattern, the query parameters and form
// fields its handler reads, directly or through the package's functions
// and the Server's methods (s.name) it refers to, transitively.
func routeParams(t *testing.T) map[string][]string {
	t.Helper()
	_, files := sourceFiles(t)
	name := regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	reads := map[string]map[string]bool{} // function name → names read
	calls := map[string]map[string]bool{} // function name → names referenced
	// refs are the functions (by name) and Server methods ("s." and the
	// name) n refers to; which of them exist is settled by reads.
	refs := func(n ast.Node) map[string]bool {
		out := map[string]bool{}
		ast.Inspect(n, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.SelectorExpr:
				if x, ok := n.X.(*ast.Ident); ok && x.Name == "s" {
					out["s."+n.Sel.Name] = true
				}
				return false
			case *ast.Ident:
				out[n.Name] = true
			}
			return true
		})
		return out
	}
	paramsIn := func(n ast.Node) map[string]bool {
		out := map[string]bool{}
		ast.Inspect(n, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) != 1 {
				return true
			}
			if sel, ok := call.Fun.(*ast.SelectorExpr); ok {
				switch sel.Sel.Name {
				case "Get", "Has", "FormValue", "PostFormValue":
					if lit, ok := call.Args[0].(*ast.BasicLit); ok && lit.Kind == token.STRING {
						if v, _ := strconv.Unquote(lit.Value); name.MatchString(v) {
							out[v] = true
						}
					}
				}
			}
			return true
		})
		return out
	}
	var regs []*ast.CallExpr
	for _, f := range files {
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Body != nil {
				k := fd.Name.Name
				if fd.Recv != nil {
					typ := fd.Recv.List[0].Type
					if star, ok := typ.(*ast.StarExpr); ok {
						typ = star.X
					}
					if id, ok := typ.(*ast.Ident); !ok || id.Name != "Server" {
						continue // another type's method: not a handler's helper
					}
					k = "s." + k
				}
				if reads[k] == nil {
					reads[k], calls[k] = map[string]bool{}, map[string]bool{}
				}
				for v := range paramsIn(fd.Body) {
					reads[k][v] = true
				}
				for v := range refs(fd.Body) {
					calls[k][v] = true
				}
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if call, ok := n.(*ast.CallExpr); ok {
				if sel, ok := call.Fun.(*ast.SelectorExpr); ok && (sel.Sel.Name == "Handle" || sel.Sel.Name == "HandleFunc") && len(call.Args) == 2 {
					regs = append(regs, call)
				}
			}
			return true
		})
	}
	out := map[string][]string{}
	for _, call := range regs {
		lit, ok := call.Args[0].(*ast.BasicLit)
		if !ok {
			continue
		}
		pattern, _ := strconv.Unquote(lit.Value)
		seen := map[string]bool{}
		queue := []string{}
		for v := range refs(call.Args[1]) {
			queue = append(queue, v)
		}
		got := paramsIn(call.Args[1])
		for len(queue) > 0 {
			k := queue[0]
			queue = queue[1:]
			if seen[k] || reads[k] == nil {
				continue
			}
			seen[k] = true
			for v := range reads[k] {
				got[v] = true
			}
			for v := range calls[k] {
				queue = append(queue, v)
			}
		}
		var list []string
		for v := range got {
			list = append(list, v)
		}
		slices.Sort(list)
		out[pattern] = list
	}
	return out
}

// formRe and nameRe find a page's forms and their fields' names.
var (
	formRe = regexp.MustCompile(`(?s)<form[^>]*\saction="([^"]*)"[^>]*>(.*?)</form>`)
	nameRe = regexp.MustCompile(`\sname="([^"]+)"`)
)

// internals are what an answer must never show: database errors, SQL
// engines' names, Go stack traces.
var internals = regexp.MustCompile(`(?i)sqlite|SQL logic|syntax error|near "|no such (table|column)|unrecognized token|SQLSTATE|pgx|pq:|database/sql|sql: |goroutine \d|runtime error|panic:|\.go:\d`)

// TestSQLInjectionEveryInput sends every payload in every input of every
// route, as each kind of account (so that the handlers behind the
// permission checks are reached too). No answer is a server error or shows
// SQL or a stack trace, nothing is logged as an internal error, and
// afterwards the store holds the same plans, orgs and accounts, every
// table, and an audit chain that verifies.
func TestSQLInjectionEveryInput(t *testing.T) {
	s := newSweep(t)
	params, fields := inputNames(t)
	for _, want := range []string{"plan", "period", "note", "after", "kind"} {
		if !slices.Contains(params, want) {
			t.Errorf("query and form names %v lack %q", params, want)
		}
	}
	for _, want := range []string{"value", "note", "reason", "username", "quotas", "role", "comment"} {
		if !slices.Contains(fields, want) {
			t.Errorf("JSON fields %v lack %q", fields, want)
		}
	}
	byRoute := routeParams(t)
	for pattern, want := range map[string]string{"GET /api/v1/orgs": "parent", "GET /audit": "actor", "POST /report/{planID}/{targetID}/{orgID}/{period}": "note"} {
		if !slices.Contains(byRoute[pattern], want) {
			t.Errorf("the names %s reads, %v, lack %q", pattern, byRoute[pattern], want)
		}
	}
	tablesBefore := sqliteTables(t, s)
	// The pages first: the names of the fields of the forms they show
	// (some made up at run time, as the quota form's q<org id>) are
	// added to those of the routes the forms post to.
	routes := allRoutes(t)
	slices.SortStableFunc(routes, func(a, b route) int {
		switch {
		case !a.unsafe() && b.unsafe():
			return -1
		case a.unsafe() && !b.unsafe():
			return 1
		}
		return 0
	})
	forms := map[string]map[string]bool{} // form action → field names
	who := []string{"coord", "admin", "sec", "aud", "lc", "jy"}
	n := 0
	send := func(r route, user, path string, form url.Values, jsonBody string) response {
		t.Helper()
		method := r.method
		if method == "" {
			method = "POST"
		}
		hdr := map[string]string{}
		var resp response
		switch {
		case r.api():
			hdr["Authorization"] = "Bearer " + s.tok[user]
			body := jsonBody
			if body == "" && r.unsafe() {
				body = "{}"
			}
			if body != "" {
				hdr["Content-Type"] = "application/json"
				resp = s.do(t, nil, method, path, strings.NewReader(body), hdr)
			} else {
				resp = s.do(t, nil, method, path, nil, hdr)
			}
		case r.unsafe():
			b := s.browser[user]
			if form == nil {
				form = url.Values{}
			}
			form.Set("csrf", b.csrf)
			body, ct := multipartBody(form, []byte(sqlPayloads[n%len(sqlPayloads)]))
			hdr["Content-Type"] = ct
			resp = s.do(t, b.c, method, path, body, hdr)
		default:
			resp = s.do(t, s.browser[user].c, method, path, nil, nil)
		}
		n++
		if method == "GET" && strings.HasPrefix(resp.header.Get("Content-Type"), "text/html") {
			for _, f := range formRe.FindAllStringSubmatch(resp.body, -1) {
				action, _, _ := strings.Cut(html.UnescapeString(f[1]), "?")
				if forms[action] == nil {
					forms[action] = map[string]bool{}
				}
				for _, m := range nameRe.FindAllStringSubmatch(f[2], -1) {
					forms[action][html.UnescapeString(m[1])] = true
				}
			}
		}
		if resp.status >= 500 || internals.MatchString(resp.body) {
			t.Errorf("%s %s as %s (%s): %d %.300s", method, path, user, r.pattern(), resp.status, resp.body)
		}
		if resp.status < 400 && (path == "/logout" || strings.HasSuffix(r.path, "/session") && method == "DELETE") {
			s.browser[user] = s.login(t, user)
			s.tok[user] = s.token(t, user)
		}
		return resp
	}
	for _, r := range routes {
		// The route is swept as the first account it serves (not 401 or
		// 403), so that the inputs reach the code behind the permission
		// checks; coord when it serves none of them.
		user := "coord"
		for _, u := range who {
			if resp := send(r, u, s.fill(r, nil), nil, ""); resp.status != 401 && resp.status != 403 &&
				!strings.HasPrefix(resp.header.Get("Location"), "/login") {
				user = u
				break
			}
		}
		query := func(q url.Values) {
			t.Helper()
			path := s.fill(r, nil)
			if r.unsafe() && !r.api() {
				send(r, user, path, q, "")
			} else {
				send(r, user, path+"?"+q.Encode(), nil, "")
			}
		}
		for _, p := range sqlPayloads {
			// Each wildcard of the path.
			for _, w := range wildcards(r) {
				send(r, user, s.fill(r, map[string]string{w: p}), nil, "")
			}
			// Every query parameter and form field at once, then each
			// the route's handler reads alone, the others valid.
			all := url.Values{}
			for _, name := range params {
				all.Set(name, p)
			}
			query(all)
			names := slices.Clone(byRoute[r.pattern()])
			for name := range forms[s.fill(r, nil)] {
				if name != "csrf" && !slices.Contains(names, name) {
					names = append(names, name)
				}
			}
			for _, name := range names {
				q := url.Values{"plan": {s.plan}, "period": {"2020-05"}, name: {p}}
				query(q)
			}
		}
		// Each JSON field of a body, as a string and inside a list and an
		// object where a handler takes those. A field the route does not
		// know is refused as such at once and not tried further; a route
		// that does not refuse a field no route knows reads no JSON body.
		probe := func() bool {
			resp := send(r, user, s.fill(r, nil), nil, `{"zz_no_such_field": 1}`)
			return resp.status == 422 && strings.Contains(resp.body, `"message":"未知字段`)
		}
		if r.api() && r.unsafe() && probe() {
			for _, f := range fields {
				b, _ := json.Marshal(map[string]any{f: sqlPayloads[0]})
				if resp := send(r, user, s.fill(r, nil), nil, string(b)); resp.status == 422 && strings.Contains(resp.body, `"message":"未知字段`) {
					continue
				}
				for _, p := range sqlPayloads {
					for _, v := range []any{p, []any{p}, []any{map[string]any{"org_id": p, "value": p}}} {
						b, _ := json.Marshal(map[string]any{f: v})
						send(r, user, s.fill(r, nil), nil, string(b))
					}
				}
			}
		}
	}
	t.Logf("%d requests, %d query and form names, %d JSON fields, %d forms read", n, len(params), len(fields), len(forms))
	if !slices.ContainsFunc(slices.Collect(maps.Keys(forms["/plans/1/quotas/1.1"])), func(n string) bool {
		return regexp.MustCompile(`^q\d+$`).MatchString(n)
	}) {
		t.Errorf("the county quota fields (q<org id>) were not read from the quota form: %v", forms["/plans/1/quotas/1.1"])
	}
	for _, l := range s.logs.errors(t) {
		t.Errorf("logged as an error: %v", l)
	}
	if plans, orgs, accs := s.counts(t); plans != s.plans || orgs != s.orgs || accs != s.accs {
		t.Errorf("after the sweep: %d plans, %d orgs, %d accounts; before: %d, %d, %d", plans, orgs, accs, s.plans, s.orgs, s.accs)
	}
	if got := sqliteTables(t, s); !slices.Equal(got, tablesBefore) {
		t.Errorf("tables after the sweep %v, before %v", got, tablesBefore)
	}
	if seq, err := s.db.VerifyAudit(context.Background()); seq != 0 || err != nil {
		t.Errorf("VerifyAudit = %d %v", seq, err)
	}
}

// sqliteTables lists the tables of the sweep's database file.
func sqliteTables(t *testing.T, s *sweep) []string {
	t.Helper()
	conn, err := sql.Open("sqlite", "file:"+s.path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rows, err := conn.Query(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		out = append(out, n)
	}
	if len(out) < 10 {
		t.Fatalf("only tables %v", out)
	}
	return out
}
