package http

// bulletinMessages are the catalogue entries of the bulletin page and of
// the public progress page with its publishing form. The bulletin itself is
// an official document and is written in Chinese whatever the UI language.
var bulletinMessages = map[string][2]string{
	"nav.bulletin": {"通报", "Bulletin"},

	"bulletin.period":   {"报告期", "Period"},
	"bulletin.show":     {"查看", "Show"},
	"bulletin.download": {"下载", "Download"},
	"bulletin.xlsx":     {"Excel 表格（.xlsx）", "Excel workbook (.xlsx)"},
	"bulletin.docx":     {"Word 文档（.docx）", "Word document (.docx)"},
	"bulletin.print":    {"打印：使用浏览器的“打印”（Ctrl+P），页面按 A4 排版，导航等不会打印。", "To print, use the browser's Print (Ctrl+P): the page is laid out for A4 without the navigation."},
	"bulletin.lang":     {"", "The bulletin is an official document and is written in Chinese."},

	"public.title":       {"基本公共服务行动计划实施进展公开", "Public progress of the public-service action plan"},
	"public.link":        {"公开进展", "Public progress"},
	"public.issuer":      {"印发单位", "Issued by"},
	"public.asof":        {"数据截至", "Figures as of"},
	"public.period":      {"最近报告期", "Latest reporting period"},
	"public.intro":       {"以下为计划牵头部门选择公开的量化指标的全市进展。完成率为全市累计完成值与年度目标之比；序时进度为按时间推算应达到的进度。", "These are the city-wide figures of the targets the plan office chose to publish. Completion is the year-to-date figure against the year's goal; time progress is where a target would be if work went evenly through the year."},
	"public.none":        {"本计划暂无公开的指标。", "No target of this plan has been published yet."},
	"public.domain.none": {"本领域暂无公开的指标。", "No target of this domain is published."},
	"public.target":      {"指标", "Target"},
	"public.goal":        {"年度目标", "Goal for the year"},
	"public.value":       {"全市完成值", "City-wide figure"},
	"public.completion":  {"完成率", "Completion"},
	"public.progress":    {"序时进度", "Time progress"},
	"public.light":       {"进展评价", "Assessment"},
	"public.nodata":      {"暂无", "n/a"},
	"public.legend":      {"评价说明", "What the assessments mean"},

	"pub.light.done":   {"已完成：已达到年度目标", "Done: the year's goal is reached"},
	"pub.light.green":  {"绿灯：进度正常，达到或接近序时进度", "Green: on track, at or near time progress"},
	"pub.light.yellow": {"黄灯：进度滞后于序时进度", "Yellow: behind time progress"},
	"pub.light.red":    {"红灯：进度严重滞后", "Red: seriously behind"},
	"pub.light.grey":   {"未报：本期数据尚未报送", "Not reported: this period's figure is not in yet"},
	"pub.light.none":   {"暂无评价：尚未到评价时点或暂无数据", "No assessment yet: nothing was due, or there is no figure"},

	"publish.title": {"选择公开的指标", "Choose the targets to publish"},
	"publish.help":  {"勾选的指标将在公开页面上显示全市完成值、完成率、亮灯和序时进度；未勾选的不公开。公开页面不需要登录，不显示各县（市、区）数据和填报人。", "The ticked targets show on the public page with their city-wide figure, completion, light and time progress; the others do not. The public page needs no login and shows no county figures and no reporters."},
	"publish.count": {"当前公开 %d 项。", "%d targets are published."},
	"publish.save":  {"保存公开设置", "Save"},
	"publish.saved": {"已保存。", "Saved."},
	"publish.view":  {"查看公开页面", "See the public page"},
	"publish.link":  {"选择公开的指标", "Choose what the public sees"},
}

func init() {
	for k, v := range bulletinMessages {
		messages[k] = v
	}
}
