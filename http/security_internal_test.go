package http

import (
	"slices"
	"testing"

	"gongfu"
)

// TestSeparationOfDuties holds roleActions to 三员分立: no role both
// manages accounts and reads the audit trail, only the audit administrator
// reads it, and the security and audit administrators see no business data.
func TestSeparationOfDuties(t *testing.T) {
	for role, acts := range roleActions {
		manages := slices.Contains(acts, actManageUsers) || slices.Contains(acts, actManageSecurity)
		audits := slices.Contains(acts, actReadAudit)
		if manages && audits {
			t.Errorf("%s both manages accounts and reads the audit trail", role)
		}
		if audits && role != gongfu.RoleAuditAdmin {
			t.Errorf("%s reads the audit trail", role)
		}
		if slices.Contains(acts, actManageSecurity) && role != gongfu.RoleSecurityAdmin {
			t.Errorf("%s manages account security", role)
		}
	}
	for _, role := range []gongfu.Role{gongfu.RoleSecurityAdmin, gongfu.RoleAuditAdmin} {
		if len(roleActions[role]) != 1 {
			t.Errorf("%s may do %v, want its one duty", role, roleActions[role])
		}
	}
	if !slices.Contains(roleActions[gongfu.RoleAuditAdmin], actReadAudit) || !slices.Contains(roleActions[gongfu.RoleSecurityAdmin], actManageSecurity) {
		t.Errorf("the administrators lack their duties")
	}
	for _, r := range []gongfu.Role{gongfu.RoleAdmin, gongfu.RoleSecurityAdmin, gongfu.RoleAuditAdmin} {
		if !r.Valid() || !r.Privileged() {
			t.Errorf("%s: valid %v privileged %v", r, r.Valid(), r.Privileged())
		}
	}
}

func TestSecurityDefaults(t *testing.T) {
	d := DefaultSecurity()
	if d.IdleTimeout.Minutes() != 30 || !d.SingleSession || d.PasswordMaxAge.Hours() != 90*24 || d.Require2FA ||
		d.MaxFailures != 5 || len(d.TOTPRoles) != 3 {
		t.Errorf("defaults %+v", d)
	}
	var zero Security
	if zero.idleTimeout() != d.IdleTimeout || zero.maxLifetime() != d.MaxLifetime || zero.lockoutWindow() != d.LockoutWindow || zero.maxFailures() != 5 {
		t.Errorf("zero Security does not fall back to the defaults")
	}
}
