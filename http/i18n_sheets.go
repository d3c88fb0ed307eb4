package http

// sheetMessages are the catalogue entries of the spreadsheet downloads and
// uploads (sheets.go), the entry form's attachments, the county quota shown
// to reporters and the responsibility form of the target page.
var sheetMessages = map[string][2]string{
	// Decomposition workbook (quotas page).
	"sheet.decomposition": {"下载任务分解表 (.xlsx)", "Download the decomposition (.xlsx)"},

	// Report template (reporter's list) and its upload.
	"sheet.title":        {"用电子表格填报", "Report with a spreadsheet"},
	"sheet.help":         {"下载本期的填报模板，在 Excel 或 WPS 中填写黄色单元格，再上传。所有行都正确时一次保存为草稿，核对后逐项报送；有任何错误则不保存任何数据，并列出出错的工作表、行和列。", "Download this period's template, fill in the yellow cells in Excel or WPS and upload it. When every row is valid all are saved at once as drafts, to check and submit; when any row is wrong nothing is saved and every problem is listed by sheet, row and column."},
	"sheet.template":     {"下载填报模板", "Download the report template"},
	"sheet.file":         {"填好的模板（.xlsx，不超过 %d MB）", "Filled template (.xlsx, at most %d MB)"},
	"sheet.upload":       {"上传并导入", "Upload and import"},
	"sheet.upload.title": {"导入填报模板", "Import a report template"},
	"sheet.imported":     {"已从模板导入 %d 条报告，均为草稿，请核对后报送；跳过未填写的 %d 行。", "Imported %d reports from the template as drafts; check and submit them. %d empty rows skipped."},
	"sheet.flagged":      {"其中 %d 条数值与以往差异很大，已标记供审核人核实。", "%d of them are far from their history and flagged for the reviewer."},
	"sheet.nothing":      {"未保存任何数据。", "Nothing was saved."},
	"sheet.fix":          {"请改正以下问题后重新上传：", "Correct these problems and upload again:"},
	"sheet.again":        {"重新上传", "Upload again"},
	"sheet.back":         {"返回填报列表", "Back to the report list"},

	// County quota beside the city target.
	"report.quota": {"本县配额", "County quota"},
	"report.city":  {"全市目标", "City target"},

	// Attachments on the entry form.
	"entry.att.title":   {"附件", "Attachments"},
	"entry.att.none":    {"暂无附件。", "No attachments yet."},
	"entry.att.help":    {"可上传验收材料、照片等证明材料：PDF、图片、Word、Excel 或文本文件，单个不超过 %d MB。", "Attach evidence such as acceptance papers or photos: PDF, an image, Word, Excel or text, at most %d MB each."},
	"entry.att.first":   {"请先保存填报数据，再上传附件。", "Save the report before attaching files."},
	"entry.att.locked":  {"该期已审核锁定，不能再上传附件。", "The report is approved and locked; no more files can be attached."},
	"entry.att.file":    {"选择文件", "Choose a file"},
	"entry.att.upload":  {"上传附件", "Attach the file"},
	"entry.att.ok":      {"附件已上传。", "The file is attached."},
	"entry.att.name":    {"文件", "File"},
	"entry.att.size":    {"大小", "Size"},
	"entry.att.by":      {"上传人", "Uploaded by"},
	"entry.att.at":      {"上传时间", "Uploaded at"},
	"entry.att.problem": {"附件未上传：", "The file was not attached: "},

	// Responsibility form (target page).
	"units.title":   {"调整责任单位", "Change the responsible units"},
	"units.help":    {"责任单位决定哪些部门填报该指标。牵头单位只能有一个；配合单位可多选（牵头单位无需再勾选）。", "The responsible units decide which departments report this target. Exactly one leads; any number may co-operate (no need to tick the lead again)."},
	"units.choose":  {"请选择", "Choose"},
	"units.save":    {"保存责任单位", "Save the units"},
	"units.ok":      {"责任单位已更新。", "The responsible units were updated."},
	"units.none":    {"未指定", "none"},
	"units.err":     {"责任单位未保存：", "The units were not saved: "},
	"units.no.lead": {"请选择牵头单位。", "Choose the lead unit."},
	"units.no.dept": {"所选单位不是部门，请从列表中选择。", "Choose departments from the list."},
}

func init() {
	for k, v := range sheetMessages {
		messages[k] = v
	}
}
