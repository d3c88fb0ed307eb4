package storetest

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"gongfu"
)

// securityTests are Run's cases for what 等保 2.0 asks of accounts:
// password changes, second factors and recovery codes, role changes, one
// live session per account and security events in the audit trail.
var securityTests = []struct {
	name string
	fn   func(t *testing.T, s gongfu.Store)
}{
	{"SecurityRoles", testSecurityRoles},
	{"SecurityPassword", testSecurityPassword},
	{"SecurityTOTP", testSecurityTOTP},
	{"SecurityUserRole", testSecurityUserRole},
	{"SecurityDeleteUserSessions", testSecurityDeleteUserSessions},
	{"SecurityReplaceUserSessions", testSecurityReplaceUserSessions},
	{"SecurityAppendEvent", testSecurityAppendEvent},
}

// noLeak fails t when any entry of the trail holds secret.
func noLeak(t *testing.T, s gongfu.Store, secrets ...string) {
	t.Helper()
	for _, e := range allAudit(t, s) {
		for _, sec := range secrets {
			if strings.Contains(e.Actor+e.Object+e.Old+e.New+e.Reason+e.Result, sec) {
				t.Errorf("audit entry %d (%s) holds the secret %q", e.Seq, e.Action, sec)
			}
		}
	}
}

func testSecurityRoles(t *testing.T, s gongfu.Store) {
	ctx := t.Context()
	for _, r := range []gongfu.Role{gongfu.RoleSecurityAdmin, gongfu.RoleAuditAdmin} {
		u := &gongfu.User{Name: "u-" + string(r), Role: r, PasswordHash: "h"}
		mustNoErr(t, s.CreateUser(ctx, u))
		got, err := s.FindUserByName(ctx, u.Name)
		mustNoErr(t, err)
		if got.Role != r {
			t.Errorf("role %q read back as %q", r, got.Role)
		}
		if got.HasTOTP() {
			t.Errorf("a new account has a second factor")
		}
		if !got.PasswordChangedAt.Equal(got.CreatedAt) {
			t.Errorf("password changed at %v, want the creation time %v", got.PasswordChangedAt, got.CreatedAt)
		}
	}
}

func testSecurityPassword(t *testing.T, s gongfu.Store) {
	ctx := t.Context()
	u := &gongfu.User{Name: "lc", Role: gongfu.RoleLeader, PasswordHash: "old-hash"}
	mustNoErr(t, s.CreateUser(ctx, u))
	before, err := s.FindUserByID(ctx, u.ID)
	mustNoErr(t, err)
	time.Sleep(2 * time.Millisecond)
	mustNoErr(t, s.SetPassword(gongfu.WithActor(ctx, u), u.ID, "new-hash"))
	got, err := s.FindUserByID(ctx, u.ID)
	mustNoErr(t, err)
	if got.PasswordHash != "new-hash" {
		t.Errorf("hash after SetPassword = %q", got.PasswordHash)
	}
	if !got.PasswordChangedAt.After(before.PasswordChangedAt) || !got.CreatedAt.Equal(before.CreatedAt) {
		t.Errorf("changed at %v (was %v), created %v (was %v): want a later change, the same creation",
			got.PasswordChangedAt, before.PasswordChangedAt, got.CreatedAt, before.CreatedAt)
	}
	e := lastAudit(t, s)
	if e.Action != "user.password" || e.Object != fmt.Sprintf("user/%d", u.ID) || e.Actor != "lc" || e.Result != "ok" {
		t.Errorf("audit entry %+v, want user.password on user/%d by lc", e, u.ID)
	}
	noLeak(t, s, "old-hash", "new-hash")
	wantCode(t, s.SetPassword(ctx, u.ID+100, "x"), gongfu.ENOTFOUND)
	wantCode(t, s.SetPassword(ctx, u.ID, ""), gongfu.EINVALID)
}

func testSecurityTOTP(t *testing.T, s gongfu.Store) {
	ss := sessions(t, s)
	ctx := t.Context()
	u := &gongfu.User{Name: "sec", Role: gongfu.RoleSecurityAdmin, PasswordHash: "h"}
	v := &gongfu.User{Name: "other", Role: gongfu.RoleLeader, PasswordHash: "h"}
	mustNoErr(t, s.CreateUser(ctx, u))
	mustNoErr(t, s.CreateUser(ctx, v))
	const secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	mustNoErr(t, s.SetTOTP(ctx, u.ID, secret, []string{"hash-1", "hash-2", "hash-3"}))
	got, err := s.FindUserByName(ctx, "sec")
	mustNoErr(t, err)
	if got.TOTPSecret != secret || !got.HasTOTP() {
		t.Errorf("secret read back as %q", got.TOTPSecret)
	}
	// The session's user carries the factor too: the server decides from it.
	now := time.Now()
	mustNoErr(t, ss.CreateSession(ctx, &gongfu.Session{ID: "s", UserID: u.ID, CreatedAt: now, LastSeen: now, ExpiresAt: now.Add(time.Hour)}))
	_, su, err := ss.FindSession(ctx, "s")
	mustNoErr(t, err)
	if su.TOTPSecret != secret || !su.PasswordChangedAt.Equal(got.PasswordChangedAt) {
		t.Errorf("session user secret %q, changed %v", su.TOTPSecret, su.PasswordChangedAt)
	}

	mustNoErr(t, s.UseRecoveryCode(ctx, u.ID, "hash-1"))
	wantCode(t, s.UseRecoveryCode(ctx, u.ID, "hash-1"), gongfu.ENOTFOUND) // once only
	wantCode(t, s.UseRecoveryCode(ctx, u.ID, "hash-9"), gongfu.ENOTFOUND)
	wantCode(t, s.UseRecoveryCode(ctx, v.ID, "hash-2"), gongfu.ENOTFOUND) // another's code
	if e := lastAudit(t, s); e.Action != "user.2fa.recovery" || e.New != "2 left" {
		t.Errorf("last entry %+v, want user.2fa.recovery with 2 left", e)
	}

	// Enrolling again replaces the codes.
	mustNoErr(t, s.SetTOTP(ctx, u.ID, secret, []string{"hash-4"}))
	wantCode(t, s.UseRecoveryCode(ctx, u.ID, "hash-2"), gongfu.ENOTFOUND)
	// Disabling drops the factor and its codes.
	mustNoErr(t, s.SetTOTP(ctx, u.ID, "", nil))
	got, err = s.FindUserByID(ctx, u.ID)
	mustNoErr(t, err)
	if got.HasTOTP() {
		t.Errorf("secret %q after disabling", got.TOTPSecret)
	}
	wantCode(t, s.UseRecoveryCode(ctx, u.ID, "hash-4"), gongfu.ENOTFOUND)
	wantCode(t, s.SetTOTP(ctx, u.ID, "", []string{"x"}), gongfu.EINVALID)
	wantCode(t, s.SetTOTP(ctx, u.ID+100, secret, nil), gongfu.ENOTFOUND)

	var actions []string
	for _, e := range allAudit(t, s) {
		if strings.HasPrefix(e.Action, "user.2fa") {
			actions = append(actions, e.Action)
		}
	}
	if want := []string{"user.2fa.enrol", "user.2fa.recovery", "user.2fa.enrol", "user.2fa.disable"}; !slices.Equal(actions, want) {
		t.Errorf("2FA audit actions %v, want %v", actions, want)
	}
	noLeak(t, s, secret, "hash-1", "hash-4")
}

func testSecurityUserRole(t *testing.T, s gongfu.Store) {
	ctx := t.Context()
	u := &gongfu.User{Name: "boss", Role: gongfu.RoleLeader, PasswordHash: "h"}
	mustNoErr(t, s.CreateUser(ctx, u))
	mustNoErr(t, s.SetUserRole(ctx, u.ID, gongfu.RoleCoordinator))
	got, err := s.FindUserByID(ctx, u.ID)
	mustNoErr(t, err)
	if got.Role != gongfu.RoleCoordinator {
		t.Errorf("role = %q", got.Role)
	}
	e := lastAudit(t, s)
	if e.Action != "user.role" || e.Old != "leader" || e.New != "coordinator" || e.Object != fmt.Sprintf("user/%d", u.ID) {
		t.Errorf("audit entry %+v, want user.role leader → coordinator", e)
	}
	head := snap(t, s)
	mustNoErr(t, s.SetUserRole(ctx, u.ID, gongfu.RoleCoordinator)) // no change, no entry
	wantCode(t, s.SetUserRole(ctx, u.ID, "emperor"), gongfu.EINVALID)
	wantCode(t, s.SetUserRole(ctx, u.ID, gongfu.RoleReporter), gongfu.EINVALID) // no org
	wantCode(t, s.SetUserRole(ctx, u.ID+100, gongfu.RoleLeader), gongfu.ENOTFOUND)
	if after := snap(t, s); after != head {
		t.Errorf("refused or empty role changes wrote %+v, was %+v", after, head)
	}
}

// twoAccounts creates a coordinator u and a leader v, and returns them
// with a maker of hour-long sessions starting now.
func twoAccounts(t *testing.T, s gongfu.Store) (u, v *gongfu.User, sess func(id string, owner int64) *gongfu.Session) {
	t.Helper()
	u = &gongfu.User{Name: "coord", Role: gongfu.RoleCoordinator, PasswordHash: "h"}
	v = &gongfu.User{Name: "boss", Role: gongfu.RoleLeader, PasswordHash: "h"}
	mustNoErr(t, s.CreateUser(t.Context(), u))
	mustNoErr(t, s.CreateUser(t.Context(), v))
	now := time.Now()
	return u, v, func(id string, owner int64) *gongfu.Session {
		return &gongfu.Session{ID: id, UserID: owner, CreatedAt: now, LastSeen: now, ExpiresAt: now.Add(time.Hour)}
	}
}

func testSecurityDeleteUserSessions(t *testing.T, s gongfu.Store) {
	ss := sessions(t, s)
	ctx := t.Context()
	u, v, sess := twoAccounts(t, s)
	for id, owner := range map[string]int64{"u1": u.ID, "u2": u.ID, "v1": v.ID} {
		mustNoErr(t, ss.CreateSession(ctx, sess(id, owner)))
	}
	mustNoErr(t, ss.DeleteUserSessions(ctx, u.ID))
	for _, id := range []string{"u1", "u2"} {
		_, _, err := ss.FindSession(ctx, id)
		wantCode(t, err, gongfu.ENOTFOUND)
	}
	if _, _, err := ss.FindSession(ctx, "v1"); err != nil {
		t.Errorf("another user's session ended too: %v", err)
	}
	e := lastAudit(t, s)
	if e.Action != "user.logout" || e.Object != fmt.Sprintf("user/%d", u.ID) || e.New != "2 sessions ended" {
		t.Errorf("audit entry %+v, want user.logout of 2 sessions", e)
	}
	head := snap(t, s)
	mustNoErr(t, ss.DeleteUserSessions(ctx, u.ID)) // none left: fine, and nothing recorded
	if after := snap(t, s); after != head {
		t.Errorf("ending no sessions wrote %+v, was %+v", after, head)
	}
	noLeak(t, s, "u1", "u2")
}

func testSecurityAppendEvent(t *testing.T, s gongfu.Store) {
	ctx := t.Context()
	before := time.Now().Add(-time.Second)
	mustNoErr(t, s.AppendEvent(gongfu.WithActor(ctx, &gongfu.User{Name: "mallory"}), "user.login", "user/mallory", "denied: wrong password"))
	mustNoErr(t, s.AppendEvent(ctx, "export", "plan/1/bulletin.docx", ""))
	// An entry written for a web request ends with its request id.
	mustNoErr(t, s.AppendEvent(gongfu.WithRequestID(ctx, "00c0ffee00c0ffee"), "export", "plan/1/bulletin.xlsx", "ok"))
	es := allAudit(t, s)
	if len(es) != 3 {
		t.Fatalf("%d entries, want 3", len(es))
	}
	if e := es[2]; e.Result != "ok; rid 00c0ffee00c0ffee" {
		t.Errorf("event of a request: result %q, want it to end with the request id", e.Result)
	}
	if e := es[0]; e.Actor != "mallory" || e.Action != "user.login" || e.Object != "user/mallory" ||
		e.Result != "denied: wrong password" || e.At.Before(before) || e.At.After(time.Now().Add(time.Second)) {
		t.Errorf("first event %+v", e)
	}
	if e := es[1]; e.Actor != "system" || e.Action != "export" || e.Result != "ok" {
		t.Errorf("second event %+v, want an export by system with result ok", e)
	}
	if seq, err := s.VerifyAudit(ctx); seq != 0 || err != nil {
		t.Errorf("VerifyAudit = %d, %v", seq, err)
	}
	wantCode(t, s.AppendEvent(ctx, "", "x", "ok"), gongfu.EINVALID)
}

func testSecurityReplaceUserSessions(t *testing.T, s gongfu.Store) {
	ss := sessions(t, s)
	ctx := t.Context()
	u, v, sess := twoAccounts(t, s)
	mustNoErr(t, ss.CreateSession(ctx, sess("u1", u.ID)))
	mustNoErr(t, ss.CreateSession(ctx, sess("v1", v.ID)))
	mustNoErr(t, ss.ReplaceUserSessions(ctx, sess("u2", u.ID)))
	_, _, err := ss.FindSession(ctx, "u1")
	wantCode(t, err, gongfu.ENOTFOUND)
	for _, id := range []string{"u2", "v1"} {
		if _, _, err := ss.FindSession(ctx, id); err != nil {
			t.Errorf("session %s: %v", id, err)
		}
	}
	es := allAudit(t, s)
	if n := len(es); n < 2 || es[n-2].Action != "user.logout" || es[n-1].Action != "user.login" ||
		es[n-1].Object != fmt.Sprintf("user/%d", u.ID) {
		t.Errorf("audit tail %+v, want user.logout then user.login", es[max(0, len(es)-2):])
	}
	// A session that cannot be stored ends nothing: one transaction.
	head := snap(t, s)
	wantCode(t, ss.ReplaceUserSessions(ctx, sess("v1", u.ID)), gongfu.ECONFLICT)
	if _, _, err := ss.FindSession(ctx, "u2"); err != nil {
		t.Errorf("a failed replacement ended the user's session: %v", err)
	}
	if after := snap(t, s); after != head {
		t.Errorf("a failed replacement wrote %+v, was %+v", after, head)
	}
	wantCode(t, ss.ReplaceUserSessions(ctx, nil), gongfu.EINVALID)
}
