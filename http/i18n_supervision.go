package http

// supervisionMessages are the catalogue entries of the supervision pages
// (督查督办): the red and yellow items by unit, the notices and the
// explanations of red lights.
var supervisionMessages = map[string][2]string{
	"nav.supervision":     {"督办", "Supervision"},
	"sv.title":            {"督查督办：红黄灯项", "Supervision: red and yellow items"},
	"sv.help":             {"按责任单位列出亮红灯、黄灯的指标和节点：全市性指标由牵头部门负责，县级指标由县（市、区）负责。连续两期黄灯升为红灯。", "Red and yellow targets and milestones by responsible unit: the lead department answers for a city-wide item, the county for its own. Yellow two periods running turns red."},
	"sv.at":               {"评价日期", "Judged at"},
	"sv.show":             {"查看", "Show"},
	"sv.period.due":       {"当前评价报告期", "Period judged"},
	"sv.count":            {"红灯 %d 项，黄灯 %d 项", "%d red, %d yellow"},
	"sv.none":             {"当前没有红灯或黄灯项。", "No item is red or yellow."},
	"sv.unit.none":        {"未明确责任单位", "No responsible unit"},
	"sv.item":             {"指标或节点", "Target or milestone"},
	"sv.area":             {"地区", "Area"},
	"sv.period":           {"报告期", "Period"},
	"sv.light":            {"亮灯", "Light"},
	"sv.completion":       {"完成率", "Completion"},
	"sv.progress":         {"序时进度", "Time progress"},
	"sv.reason":           {"评价依据", "Why"},
	"sv.explanation":      {"情况说明", "Explanation"},
	"sv.explanation.none": {"尚未说明", "Not explained yet"},
	"sv.explanation.of":   {"%s 报告期的说明（%s）", "Explanation for %s (%s)"},
	"sv.light.red":        {"红灯", "red"},
	"sv.light.yellow":     {"黄灯", "yellow"},
	"sv.issue":            {"发督办单", "Issue a supervision notice"},
	"sv.issue.to":         {"发给 %s", "To %s"},
	"sv.text":             {"督办要求", "Requirement"},
	"sv.deadline":         {"整改期限", "Deadline"},
	"sv.issued":           {"督办单已发出，被督办单位已收到通知。", "The notice has been issued and the unit notified."},
	"sv.pending":          {"已督办", "Notice issued"},
	"sv.list":             {"全部督办单", "All supervision notices"},
	"sv.list.title":       {"督办单", "Supervision notices"},
	"sv.list.none":        {"暂无督办单。", "No supervision notices."},
	"sv.status":           {"状态", "Status"},
	"sv.status.all":       {"全部", "All"},
	"sv.status.open":      {"待反馈", "Awaiting answer"},
	"sv.status.answered":  {"已反馈", "Answered"},
	"sv.status.closed":    {"已办结", "Closed"},
	"sv.unit":             {"被督办单位", "Unit"},
	"sv.issued.by":        {"%s 于 %s 发出", "Issued by %s on %s"},
	"sv.overdue":          {"已逾期", "Overdue"},
	"sv.answer":           {"整改情况", "Rectification"},
	"sv.answer.submit":    {"提交整改情况", "Submit the answer"},
	"sv.answer.by":        {"%s 于 %s 反馈", "Answered by %s on %s"},
	"sv.comment":          {"办结意见", "Closing comment"},
	"sv.comment.help":     {"尚未反馈的督办单直接办结须填写理由。", "Closing a notice that was not answered needs a comment."},
	"sv.close":            {"办结", "Close"},
	"sv.closed.by":        {"%s 于 %s 办结", "Closed by %s on %s"},
	"sv.done.answered":    {"整改情况已提交。", "Your answer has been submitted."},
	"sv.done.closed":      {"督办单已办结。", "The notice is closed."},
	"sv.done.explained":   {"情况说明已保存。", "The explanation has been saved."},
	"sv.red.title":        {"需要说明的红灯项", "Red items to explain"},
	"sv.red.help":         {"以下指标在你单位的填报范围内亮红灯，请说明原因和整改措施；督查人员会在督办页看到说明。", "These items in your reporting scope are red: say why and what is being done. The plan office sees your explanation beside the item."},
	"sv.red.none":         {"你单位填报范围内当前没有红灯项。", "No item in your reporting scope is red."},
	"sv.explain.save":     {"保存说明", "Save the explanation"},
	"sv.explain.saved.by": {"%s 于 %s 保存", "Saved by %s on %s"},
	"sv.supervise.link":   {"红黄灯项", "Red and yellow items"},
	"sv.text.help":        {"写明需整改的问题和要求。", "Say what must be put right."},
}

func init() {
	for k, v := range supervisionMessages {
		messages[k] = v
	}
}
