package http

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
)

// Languages of the UI: Chinese first, English second. The plan's own text is
// always shown as written.
const (
	langZH = "zh"
	langEN = "en"
)

// messages is the UI's message catalogue: key → {Chinese, English}.
var messages = map[string][2]string{
	"app.name":           {"公服 · 基本公共服务行动计划管理", "gongfu · public-service action plans"},
	"nav.home":           {"首页", "Home"},
	"nav.orgs":           {"组织", "Organisations"},
	"nav.import":         {"导入计划", "Import a plan"},
	"nav.login":          {"登录", "Log in"},
	"nav.logout":         {"退出", "Log out"},
	"nav.lang":           {"English", "中文"},
	"home.title":         {"行动计划", "Action plans"},
	"home.empty":         {"还没有导入任何行动计划。", "No action plan has been imported yet."},
	"home.empty.how":     {"协调员可在“导入计划”上传计划文件，或在命令行运行 gongfu plan import 文件。", "A coordinator can upload a plan under “Import a plan”, or run gongfu plan import FILE."},
	"plan.issuer":        {"印发单位", "Issued by"},
	"plan.issued":        {"印发日期", "Issued on"},
	"plan.year":          {"年度", "Year"},
	"plan.domains":       {"领域", "Domains"},
	"plan.tasks":         {"任务", "Tasks"},
	"plan.targets":       {"量化指标", "Targets"},
	"plan.milestones":    {"工作节点", "Milestones"},
	"plan.unparsed":      {"未能识别的含数字语句", "Sentences with numbers not understood"},
	"plan.unparsed.none": {"所有含数字的语句均已识别。", "Every sentence with a number was understood."},
	"plan.json":          {"计划数据（JSON）", "Plan data (JSON)"},
	"domain.no":          {"序号", "No."},
	"domain.title":       {"领域", "Domain"},
	"domain.units":       {"责任单位", "Responsible units"},
	"domain.lead":        {"牵头单位", "Lead unit"},
	"task.no":            {"序号", "No."},
	"task.title":         {"任务", "Task"},
	"task.text":          {"原文", "Text as written"},
	"task.units.own":     {"本任务责任单位", "Units for this task"},
	"target.id":          {"编号", "ID"},
	"target.name":        {"指标", "Target"},
	"target.goal":        {"目标值", "Goal"},
	"target.kind":        {"类型", "Kind"},
	"target.source":      {"原文出处", "Source"},
	"target.context":     {"在原文中的位置", "In context"},
	"target.baseline":    {"基数", "Baseline"},
	"target.ratio":       {"比例", "Ratio"},
	"target.lead":        {"牵头单位", "Lead unit"},
	"target.co":          {"配合单位", "Co-units"},
	"kind.increment":     {"增量", "increment"},
	"kind.level":         {"水平", "level"},
	"kind.change":        {"变化", "change"},
	"kind.ratio":         {"比例", "ratio"},
	"ms.text":            {"工作内容", "Commitment"},
	"ms.due":             {"完成时限", "Due"},
	"ms.nodue":           {"未定", "not set"},
	"orgs.title":         {"组织", "Organisations"},
	"orgs.name":          {"名称", "Name"},
	"orgs.kind":          {"类型", "Kind"},
	"orgs.population":    {"常住人口（万人）", "Population (10,000)"},
	"org.city":           {"市", "city"},
	"org.province":       {"省", "province"},
	"org.county":         {"县（市、区）", "county"},
	"org.township":       {"乡镇（街道）", "township"},
	"org.village":        {"村（社区）", "village"},
	"org.department":     {"部门", "department"},
	"login.title":        {"登录", "Log in"},
	"login.user":         {"用户名", "User name"},
	"login.password":     {"密码", "Password"},
	"login.submit":       {"登录", "Log in"},
	"import.title":       {"导入行动计划", "Import an action plan"},
	"import.help":        {"上传计划文件（.txt，UTF-8 或 GB18030；或 .docx），系统会识别领域、任务、量化指标、工作节点和责任单位。同一文件重复导入不会产生重复数据。", "Upload a plan document (.txt in UTF-8 or GB18030, or .docx). gongfu reads its domains, tasks, targets, milestones and responsible units. Importing the same document twice does not duplicate it."},
	"import.file":        {"计划文件", "Plan document"},
	"import.submit":      {"导入", "Import"},
	"import.done":        {"已导入：%d 个领域、%d 项任务、%d 个指标、%d 个节点、%d 条未识别语句。", "Imported: %d domains, %d tasks, %d targets, %d milestones, %d sentences not understood."},
	"import.again":       {"该计划此前已导入，未重复写入。", "This plan had been imported before; nothing was written twice."},
	"import.warnings":    {"提示", "Notes"},
	"error.title":        {"出错了", "Something went wrong"},
	"error.back":         {"返回首页", "Back to the home page"},
	"back.plan":          {"返回计划", "Back to the plan"},
}

// translate returns the message for key in lang, the key itself when missing
// (so a missing entry is visible, not blank).
func translate(lang, key string) string {
	m, ok := messages[key]
	if !ok {
		return key
	}
	if lang == langEN {
		return m[1]
	}
	return m[0]
}

// langOf returns the UI language of r: the lang cookie, else Chinese.
func langOf(r *http.Request) string {
	if c, err := r.Cookie("lang"); err == nil && c.Value == langEN {
		return langEN
	}
	return langZH
}

// setLang stores the chosen language and goes back to the page it came from.
func (s *Server) setLang(w http.ResponseWriter, r *http.Request) {
	lang := r.PathValue("lang")
	if lang != langEN {
		lang = langZH
	}
	http.SetCookie(w, &http.Cookie{Name: "lang", Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: secure(r)})
	back := "/"
	if ref := r.Header.Get("Referer"); ref != "" {
		if i := strings.Index(ref, "://"+r.Host+"/"); i >= 0 {
			back = ref[i+len("://"+r.Host):]
		}
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// formatNumber writes v for people: grouped digits, at most four decimals,
// and in Chinese the 万/亿 a plan itself would use for round large numbers.
func formatNumber(lang string, v float64) string {
	if lang == langZH {
		av := math.Abs(v)
		switch {
		case av >= 1e8 && isRound(v/1e8):
			return trimFloat(v/1e8) + "亿"
		case av >= 1e4 && isRound(v/1e4):
			return trimFloat(v/1e4) + "万"
		}
	}
	s := trimFloat(v)
	intPart, frac, _ := strings.Cut(s, ".")
	neg := strings.HasPrefix(intPart, "-")
	intPart = strings.TrimPrefix(intPart, "-")
	var b strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	out := b.String()
	if frac != "" {
		out += "." + frac
	}
	if neg {
		out = "-" + out
	}
	return out
}

// isRound reports whether v has at most two decimals (30.8亿, 1.5万).
func isRound(v float64) bool { return math.Abs(v*100-math.Round(v*100)) < 1e-6 }

func trimFloat(v float64) string { return strconv.FormatFloat(math.Round(v*1e4)/1e4, 'f', -1, 64) }

// tf formats a catalogue message with arguments.
func tf(lang, key string, args ...any) string { return fmt.Sprintf(translate(lang, key), args...) }
