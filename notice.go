package gongfu

import (
	"context"
	"time"
)

// Notice is an in-app message to an org's users: a reminder to report (催报)
// or, later, a supervision notice. It is the channel that always works on an
// intranet; a chat-robot webhook may copy it where one is configured.
type Notice struct {
	ID        int64     `json:"id"`
	OrgID     int64     `json:"org_id"`
	PlanID    int64     `json:"plan_id"`
	Period    string    `json:"period,omitempty"`
	Kind      string    `json:"kind"` // "reminder"
	Text      string    `json:"text"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

// NoticeService stores notices.
type NoticeService interface {
	// CreateNotices stores notices in one transaction with an audit entry
	// each, setting their ids and times.
	CreateNotices(ctx context.Context, ns []*Notice) error
	// FindNotices returns an org's notices, newest first, at most limit.
	FindNotices(ctx context.Context, orgID int64, limit int) ([]*Notice, error)
}

// Attachment is evidence attached to a report (a milestone's 验收材料, a
// photo of a finished site). The server checks size and type by content
// before it is stored.
type Attachment struct {
	ID          int64     `json:"id"`
	Key         ReportKey `json:"report"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	CreatedBy   string    `json:"created_by"`
	CreatedAt   time.Time `json:"created_at"`
	Data        []byte    `json:"-"`
}

// AttachmentService stores report attachments.
type AttachmentService interface {
	// AddAttachment stores a to an existing report (ENOTFOUND otherwise)
	// with an audit entry naming its hash; ECONFLICT when the report is
	// approved (locked).
	AddAttachment(ctx context.Context, a *Attachment) error
	// FindAttachments lists a report's attachments without their data.
	FindAttachments(ctx context.Context, k ReportKey) ([]*Attachment, error)
	// FindAttachment returns one attachment with its data.
	FindAttachment(ctx context.Context, id int64) (*Attachment, error)
}

// UnitService lets a coordinator change who answers for a plan item; the
// plan's 责任单位 are only the starting point.
type UnitService interface {
	// SetItemUnits replaces the orgs answering for a target or milestone;
	// exactly one must lead. One transaction, with an audit entry.
	SetItemUnits(ctx context.Context, planID int64, itemID string, units []ItemUnit) error
}
