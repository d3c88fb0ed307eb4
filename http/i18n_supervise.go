package http

// superviseMessages are the catalogue entries of the decomposition, 催报
// and notices pages.
var superviseMessages = map[string][2]string{
	"nav.missing":       {"催报", "Reminders"},
	"nav.notices":       {"通知", "Notices"},
	"plan.quotas":       {"任务分解（县级配额）", "Decomposition into county quotas"},
	"quota.title":       {"任务分解", "Decomposition"},
	"quota.help":        {"把全市增量指标分解到各县（市、区）；配额合计低于全市目标时显示缺口。", "Split the city's increment targets among the counties; a total below the city target shows as a shortfall."},
	"quota.total":       {"合计", "Total"},
	"quota.shortfall":   {"缺口", "Shortfall"},
	"quota.none":        {"未分解", "not split"},
	"quota.short.count": {"有 %d 个指标的配额合计低于全市目标。", "%d targets have quotas that fall short of the city target."},
	"quota.edit":        {"分解", "Split"},
	"quota.save":        {"保存配额", "Save quotas"},
	"quota.split":       {"按常住人口分解", "Split by population"},
	"quota.city":        {"全市目标", "City target"},
	"quota.bad":         {"%s 的配额“%s”不是非负数", "the quota of %s, “%s”, is not a non-negative number"},
	"schedule.title":    {"计划进度（倒排时间节点）", "Planned schedule (backward-scheduled milestones)"},
	"schedule.help":     {"按季度填 4 个累计百分比（如 10, 40, 70, 100）或按月填 12 个；留空则按时间均匀推进（序时进度）。", "Four quarterly cumulative percentages (e.g. 10, 40, 70, 100) or twelve monthly ones; leave empty for linear time progress."},
	"schedule.save":     {"保存计划进度", "Save the schedule"},
	"schedule.bad":      {"“%s”不是数字", "“%s” is not a number"},
	"missing.title":     {"催报：未报送单位", "Reminders: who has not reported"},
	"missing.period":    {"报告期", "Period"},
	"missing.deadline":  {"报送截止", "Due"},
	"missing.org":       {"单位", "Unit"},
	"missing.count":     {"未报送项数", "Items not reported"},
	"missing.items":     {"未报送的指标和节点", "Targets and milestones not reported"},
	"missing.none":      {"本期所有单位均已报送。", "Every unit has reported for this period."},
	"missing.remind":    {"向以上单位发送催报通知", "Send a reminder to these units"},
	"missing.sent":      {"已发送 %s 条催报通知。", "%s reminders sent."},
	"missing.show":      {"查看", "Show"},
	"notices.title":     {"通知", "Notices"},
	"notices.none":      {"暂无通知。", "No notices."},
	"notices.at":        {"时间", "When"},
	"notices.from":      {"发送人", "From"},
}

func init() {
	for k, v := range superviseMessages {
		messages[k] = v
	}
}
