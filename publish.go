package gongfu

import "context"

// PublishService records which items of a plan the public may see (政务公开):
// a coordinator chooses the targets whose city-wide progress is shown on the
// public page, one by one, since a plan office publishes what it is ready to
// defend rather than every figure it collects. Nothing is public until
// chosen.
type PublishService interface {
	// SetPublished marks the plan items (targets or milestones, by their
	// ids in the plan) public when published is true, or withdraws them
	// when it is false, in one transaction with one audit entry holding the
	// published list before and after. Items already in the asked state
	// are left as they are; an empty list changes nothing and writes
	// nothing. ENOTFOUND for an unknown plan or any unknown item, and then
	// nothing is changed.
	SetPublished(ctx context.Context, planID int64, itemIDs []string, published bool) error
	// FindPublished returns the ids of a plan's published items in plan
	// order, empty when none; ENOTFOUND when there is no such plan.
	FindPublished(ctx context.Context, planID int64) ([]string, error)
}
