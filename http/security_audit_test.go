package http_test

// The audit trail is kept: at least the six months 等保 asks (GB/T
// 22239-2019 8.1.4.3), and in fact for good — nothing in the store's
// interface or the server's routes deletes or edits an entry.

import (
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"gongfu"
)

// TestAuditKeptSixMonths: entries of a day seven months back are all
// still there, unchanged, after months of logins (which sweep expired
// sessions away), reports and exports, and the chain verifies.
func TestAuditKeptSixMonths(t *testing.T) {
	s := newSecServer(t)
	start := s.clock()
	s.apiLogin(t, "lc", "Wrong-guess-1", "")
	c := formClient()
	s.formLogin(t, c, "coord")
	if r := s.do(t, c, "GET", "/plans/1/decomposition.xlsx", nil, nil); r.status != 200 {
		t.Fatalf("export = %d", r.status)
	}
	first, err := s.db.FindAudit(t.Context(), 0, 1000)
	if err != nil || len(first) < 5 {
		t.Fatalf("FindAudit: %d entries, %v", len(first), err)
	}
	for day := 0; day < 7*31; day += 14 {
		s.advance(14 * 24 * time.Hour)
		s.Security.PasswordMaxAge = 0 // the test is about the trail, not expiry
		s.token(t, "lc")
		s.apiLogin(t, "boss", "Wrong-guess-2", "")
	}
	if d := s.clock().Sub(start); d < 7*30*24*time.Hour {
		t.Fatalf("only %v passed", d)
	}
	after, err := s.db.FindAudit(t.Context(), 0, len(first))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(after, first) {
		t.Errorf("the first %d entries changed or went in seven months", len(first))
	}
	if after[0].At.After(start) {
		t.Errorf("the oldest entry is of %v, the trail began %v", after[0].At, start)
	}
	head, err := s.db.AuditHead(t.Context())
	if err != nil || head < int64(len(first))+2*15 {
		t.Errorf("audit head %d (%v): the months' logins are missing", head, err)
	}
	if seq, err := s.db.VerifyAudit(t.Context()); seq != 0 || err != nil {
		t.Errorf("VerifyAudit = %d %v", seq, err)
	}
}

// TestAuditHasNoDeletion: no method of the store's interface deletes,
// edits or prunes audit entries (AuditService reads, verifies and appends
// only), and every route of the audit trail is a GET.
func TestAuditHasNoDeletion(t *testing.T) {
	bad := regexp.MustCompile(`(?i)(delete|remove|prune|purge|truncate|clear|update|edit|set|rewrite|rotate|expire).*(audit|event|entr|chain)|(audit|chain).*(delete|remove|prune|purge|truncate|clear|update|edit|set|rewrite|rotate|expire)`)
	store := reflect.TypeOf((*gongfu.Store)(nil)).Elem()
	for i := range store.NumMethod() {
		if m := store.Method(i).Name; bad.MatchString(m) {
			t.Errorf("gongfu.Store has %s, which could remove or change audit entries", m)
		}
	}
	audit := reflect.TypeOf((*gongfu.AuditService)(nil)).Elem()
	var names []string
	for i := range audit.NumMethod() {
		names = append(names, audit.Method(i).Name)
	}
	if strings.Join(names, " ") != "AppendEvent AuditHead FindAudit VerifyAudit" {
		t.Errorf("AuditService has %v; a new method must not edit the trail", names)
	}
	n := 0
	for _, r := range allRoutes(t) {
		if strings.Contains(r.path, "audit") {
			n++
			if r.method != "GET" {
				t.Errorf("%s (%s) is an audit route that is not a GET", r.pattern(), r.where)
			}
		}
	}
	if n < 3 {
		t.Errorf("%d audit routes found", n)
	}
}
