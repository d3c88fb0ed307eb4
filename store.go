package gongfu

// Store is everything a gongfu server keeps, as one value to wire and close.
// The sqlite and postgres packages implement it and storetest holds them to
// the same behaviour.
type Store interface {
	PlanService
	OrgService
	UserService
	AuditService
	ReportService
	QuotaService
	NoticeService
	AttachmentService
	UnitService
	SettingsService
	ScheduleService
	SessionService
	SupervisionService
	PublishService
	// Close releases the database.
	Close() error
}
