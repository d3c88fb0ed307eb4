package http

import (
	"context"
	"net/http"
	"slices"

	"gongfu"
)

// action is something a user may be allowed to do. Every permission decision
// in the server goes through (*Server).can, so the rules live here, in one
// table a reviewer can read, and not in handlers.
type action string

const (
	actImportPlan   action = "plan.import"   // upload a plan document
	actReadReports  action = "report.read"   // read reports (scoped for reporters)
	actWriteReport  action = "report.write"  // enter or change figures, submit
	actReviewReport action = "report.review" // approve or return a submitted report
	actReopenReport action = "report.reopen" // unlock an approved report, with a reason
	actDecompose    action = "quota.set"     // split a target into county quotas
	actSupervise    action = "supervise"     // see who has not reported, lagging items
	actRemind       action = "remind"        // send 催报 reminders
	actEditUnits    action = "units.set"     // change who answers for an item
	actPlanSettings action = "plan.settings" // reporting frequency, deadlines, thresholds
	actReadStatus   action = "status.read"   // a plan's lights and completion, all orgs
	actPublish      action = "plan.publish"  // choose the targets the public page shows
	// Supervision (督查督办): the plan office issues and closes notices on
	// lagging items; the unit addressed answers; reporters explain red lights.
	actIssueSupervision  action = "supervision.issue"  // issue or close a 督办单
	actAnswerSupervision action = "supervision.answer" // answer a 督办单 addressed to one's own org
	actExplain           action = "explain"            // explain a red light, within one's reporting scope
	// 三员分立 (GB/T 22239-2019 separation of duties): the system
	// administrator manages accounts, the security administrator their
	// security, the audit administrator alone reads the audit trail.
	actManageUsers    action = "users.manage"    // move accounts between business roles
	actManageSecurity action = "security.manage" // unlock accounts, reset second factors
	actReadAudit      action = "audit.read"      // read and verify the audit trail
)

// roleActions lists what each role may do at all; scope (which org, which
// target) is checked after, for reporters only. No role both manages
// accounts (actManageUsers, actManageSecurity) and reads the audit trail
// (actReadAudit); TestSeparationOfDuties holds the table to that.
var roleActions = map[gongfu.Role][]action{
	gongfu.RoleAdmin:         {actImportPlan, actReadReports, actReadStatus, actManageUsers},
	gongfu.RoleSecurityAdmin: {actManageSecurity},
	gongfu.RoleAuditAdmin:    {actReadAudit},
	gongfu.RoleCoordinator:   {actImportPlan, actReadReports, actReviewReport, actReopenReport, actDecompose, actSupervise, actRemind, actEditUnits, actPlanSettings, actReadStatus, actIssueSupervision, actPublish},
	gongfu.RoleLeader:        {actReadReports, actSupervise, actReadStatus},
	gongfu.RoleReporter:      {actReadReports, actWriteReport, actAnswerSupervision, actExplain},
}

// scope is what an action applies to: a plan item reported for an area.
// Zero fields mean the action is not about one report.
type scope struct {
	planID int64
	itemID string
	orgID  int64 // the area the figures are for
}

// can decides whether u may do act on sc. The public (nil user) gets
// EUNAUTHORIZED; a user without the right gets EFORBIDDEN, with a message
// that does not reveal whether the target or org exists.
func (s *Server) can(ctx context.Context, u *gongfu.User, act action, sc scope) error {
	if u == nil {
		return gongfu.Failf(gongfu.EUNAUTHORIZED, "请先登录")
	}
	denied := gongfu.Failf(gongfu.EFORBIDDEN, "没有权限执行此操作")
	if !slices.Contains(roleActions[u.Role], act) {
		return denied
	}
	if u.Role == gongfu.RoleReporter && act == actAnswerSupervision {
		// A 督办单 is answered by the org it is addressed to and no other:
		// a department its own, a county its own. sc.orgID is the addressee.
		if sc.orgID == 0 || sc.orgID != u.OrgID {
			return denied
		}
		return nil
	}
	if u.Role != gongfu.RoleReporter || sc.orgID == 0 {
		return nil
	}
	// A reporter acts only within its own org's responsibility.
	own, err := s.orgByID(ctx, u.OrgID)
	if err != nil {
		return err
	}
	if own.Kind.IsArea() {
		// An area (county) reports any item, for itself only.
		if sc.orgID != own.ID {
			return denied
		}
		return nil
	}
	// A department reports the city-wide total of the items it answers for
	// (lead or co-unit), against the area its government belongs to.
	if sc.orgID != own.ParentID {
		return denied
	}
	if sc.itemID == "" {
		return nil
	}
	units, err := s.Store.FindItemUnits(ctx, sc.planID, sc.itemID)
	if gongfu.ErrorCode(err) == gongfu.ENOTFOUND {
		return denied
	} else if err != nil {
		return err
	}
	for _, iu := range units {
		if iu.OrgID == own.ID {
			return nil
		}
	}
	return denied
}

// orgByID returns one org, ENOTFOUND when there is none.
func (s *Server) orgByID(ctx context.Context, id int64) (*gongfu.Org, error) {
	orgs, err := s.Store.FindOrgs(ctx, gongfu.OrgFilter{ID: id})
	if err != nil {
		return nil, err
	}
	if len(orgs) == 0 {
		return nil, gongfu.Failf(gongfu.ENOTFOUND, "找不到该组织")
	}
	return orgs[0], nil
}

// planAction is the prologue every plan-wide API handler shares: the plan
// id of the path, the caller, and the caller's right to do act on the plan
// as a whole. Handlers whose right depends on a target or an org check
// that scope themselves, after reading it.
func (s *Server) planAction(r *http.Request, act action) (int64, *gongfu.User, error) {
	planID, err := pathID(r, "planID")
	if err != nil {
		return 0, nil, err
	}
	u, _, err := s.currentUser(r)
	if err != nil {
		return 0, nil, err
	}
	if err := s.can(r.Context(), u, act, scope{}); err != nil {
		return 0, nil, err
	}
	return planID, u, nil
}
