package extract

import (
	"sort"
	"strings"
	"unicode"
)

// This file holds the words the extractor knows. They are read-only tables,
// set once when the package loads.

// byLength sorts words longest first, so that the first match is the longest.
func byLength(ws ...string) []string {
	sort.SliceStable(ws, func(i, j int) bool { return len([]rune(ws[i])) > len([]rune(ws[j])) })
	return ws
}

// words is a word list prepared for matching in running text: longest
// first, as runes, with the set of first characters to skip most positions
// at once.
type words struct {
	list  []string
	runes [][]rune
	first map[rune]bool
}

// newWords prepares a word list.
func newWords(ws ...string) *words {
	w := &words{list: byLength(ws...), first: map[rune]bool{}}
	for _, s := range w.list {
		rs := []rune(s)
		w.runes = append(w.runes, rs)
		if len(rs) > 0 {
			w.first[rs[0]] = true
		}
	}
	return w
}

// measures are the measure words that may follow an Arabic number.
var measures = newWords(
	"平方公里", "平方千米", "平方米", "立方米", "千瓦时", "千瓦", "兆瓦", "千米", "公里", "公顷", "亩", "米",
	"吨", "千克", "公斤", "微克", "毫克", "克", "元", "人次", "户次", "车次", "班次", "架次", "批次", "家次", "人", "名", "个",
	"所", "家", "条", "项", "座", "套", "户", "场", "例", "次", "台", "辆", "张", "间", "处", "件", "册",
	"份", "栋", "幢", "床", "倍", "篇", "部", "支", "只", "头", "株", "棵", "位", "班", "起", "宗", "块",
	"片", "节", "门", "根", "盏", "艘", "对", "课时", "学时", "小时", "分钟", "天", "周", "个月", "种",
	"款", "本", "卷", "岁", "周岁", "床位", "张床位", "个床位", "标箱", "路段",
)

// rateBases follow the slash of a rate: 件/千人, 张/千人口.
var rateBases = newWords(append([]string{"人口"}, measures.list...)...)

// cnMeasures are the measure words that make a Chinese numeral a quantity
// (一百名, 十个); others (十九大, 三年行动, 四级) leave it a name.
var cnMeasures = newWords(
	"个", "名", "人", "人次", "所", "家", "条", "项", "座", "套", "户", "场", "次", "件", "处", "台",
	"辆", "张", "间", "位", "支", "批次", "倍", "公里", "平方米", "亩", "吨", "元", "例", "篇", "部", "本",
	"册", "份", "户次", "家次",
)

// nameSuffixes after a number make it a name: 5号线, 第3批, 2期.
var nameSuffixes = newWords("号线", "号", "线", "届", "期", "批", "版", "代", "路", "楼", "层", "类", "型",
	"环", "轮", "后", "强", "佳", "周年", "系列", "中全会", "大")

// gradeUnits after a number make a grade (5A级, 三星级, 二级以上).
var gradeUnits = newWords("A级", "a级", "星级", "级", "星", "A", "星级以上")

// postWords follow a quantity and say how it binds.
var postWords = newWords("及以上", "以上", "及以下", "以下", "以内", "之内", "左右", "上下", "内", "多", "余")

// personNouns after a bare 万 or 亿 make the unit 人 (40万农村居民).
var personNouns = []string{"居民", "群众", "人口", "农民", "学生", "儿童", "老人", "职工", "残疾人",
	"妇女", "青少年", "人员", "党员", "干部", "患者", "孕产妇", "婴幼儿", "劳动力", "市民", "村民", "游客",
	"农户", "家庭"}

// cnVerbs before a Chinese numeral make it a quantity: 搭建十个, 招录一百名.
var cnVerbs = byLength("新建", "新增", "建成", "建设", "搭建", "组建", "创建", "创成", "培育", "培训", "招录",
	"招聘", "推荐", "引进", "安置", "资助", "救助", "帮扶", "发放", "举办", "举行", "开展", "设立", "建立",
	"配备", "增加", "新开", "开通", "改造", "提供", "达到", "达", "超过", "至少", "不少于", "不低于", "打造",
	"完成", "惠及", "选派", "派驻", "招收", "吸纳", "带动", "扶持", "认定", "评选", "命名", "培养", "遴选",
	"聘请", "招募", "覆盖", "服务于", "支持", "扶助", "筹建", "续建", "改扩建", "新改扩建", "提升", "实施", "组织",
	"增设", "开辟", "设置", "布设")

// incVerbs mark an amount produced during the year (kind increment).
var incVerbs = []string{"新建", "新增", "扩建", "续建", "建成", "建设", "完成", "培训", "创建", "创成",
	"组建", "打造", "改造", "开展", "投资", "投入", "交付", "竣工", "开工", "建立", "搭建", "发放", "惠及",
	"招录", "推荐", "招聘", "引进", "新开", "开通", "举办", "救助", "资助", "帮扶", "安置", "培育",
	"治理", "整治", "命名", "认定", "新设", "设立", "配备", "筛查", "接种", "解决", "修复", "造林", "种植",
	"铺设", "安装", "更新", "更换", "购置", "采购", "吸纳", "带动", "培养", "提升", "增加", "筹集",
	"增设", "开辟", "设置", "布设", "遴选", "新开通", "建起",
	"实施", "开设", "招收", "选派", "遴选", "推广", "创成", "争创", "申报", "提供", "收治",
	"检查", "抽检", "检测", "处置", "办结", "受理", "调解", "签约", "转移", "减少", "消除",
	"新（扩）建", "改扩建", "新改扩建", "新扩建", "举行", "组织", "做好"}

// levelEnds, just before a number, mark a level to reach or keep.
var levelEnds = byLength("达到", "达", "保持在", "保持", "巩固在", "稳定在", "控制在", "建有", "拥有",
	"提高到", "提升到", "增加到", "增长到", "增至", "提高至", "提升至", "不低于", "不少于", "不超过",
	"不高于", "超过", "占到", "占", "至少", "为", "在", "总数", "总量", "规模", "降至", "降到", "降低到",
	"下降到", "控制到", "压缩到", "压缩至", "缩短至", "缩短到", "低于", "高于", "少于", "大于", "小于",
	"维持在", "维持", "巩固", "稳定")

// atLeastEnds, just before a number, keep the op ">=" even where a word of
// atMostEnds is their tail (不低于 ends with 低于).
var atLeastEnds = byLength("不低于", "不少于", "不小于", "至少", "超过", "高于", "大于", "达到", "达")

// atMostEnds, just before a number, make the op "<=".
var atMostEnds = byLength("不超过", "不高于", "控制在", "控制到", "低于", "少于", "小于", "降低到", "降至",
	"降到", "下降到", "压缩到", "压缩至", "缩短至", "缩短到", "压减到", "压减至", "以内")

// aboutEnds, just before a number, make the op "=".
var aboutEnds = byLength("约", "大约", "约为")

// fallWords before a number of 百分点 make the change negative.
var fallWords = []string{"下降", "降低", "减少", "缩小", "压减", "回落", "压降"}

// fillers are dropped from the start of a target name.
var fillers = byLength("全市", "全县", "全区", "全省", "全镇", "全年", "年内", "今年", "当年", "确保", "力争",
	"争取", "努力", "计划", "重点", "积极", "进一步", "在保持", "在全市", "在全县", "在全省", "其中", "同时", "并", "共",
	"共计", "合计", "全部", "基本", "再", "要", "将", "均", "各地", "持续", "不断", "稳步", "全面",
	"大力", "加快", "着力", "深入", "扎实", "有序", "推动", "推进", "完成", "实现", "开展", "做好", "定向",
	"面向", "和", "及",
	"与", "以及", "、")

// dropVerbs are dropped from the start of a name when something follows:
// 完成1000户困难老年人家庭适老化改造 → 困难老年人家庭适老化改造.
var dropVerbs = byLength("完成", "实现", "开展", "做好", "实施", "推进", "加快", "落实", "组织")

// perMarkers make a number a level per head or per unit: 每万人口, 每所, 人均.
var perMarkers = []string{"每万", "每千", "每百", "每十万", "每个", "每所", "每家", "每村", "每镇",
	"每县", "每乡", "每平方", "每条", "每名", "每位", "每户", "每人", "人均", "户均", "平均", "每"}

// perExempt are per-time phrases that still count amounts: 每年新增.
var perExempt = []string{"每年", "每月", "每季度", "每周", "每天", "每日"}

// orgSuffixes end the names of responsible units.
var orgSuffixes = []string{"局", "委", "办", "厅", "部", "院", "会", "联", "政府", "公司", "集团", "中心",
	"海关", "署", "队", "社", "行", "所", "处", "站", "馆", "台", "室", "团", "府", "司", "科", "组"}

// unitLabels introduce lists of responsible units.
var unitLabels = newWords("责任单位", "牵头单位", "责任部门", "牵头部门", "主要责任单位", "责任主体",
	"配合单位", "协办单位", "承办单位", "参与单位", "协同单位", "主办单位", "实施单位", "责任处室",
	"牵头处室", "负责单位")

// hasSuffixAny returns the longest of ws that s ends with, or "".
func hasSuffixAny(s string, ws []string) string {
	best := ""
	for _, w := range ws {
		if len(w) > len(best) && strings.HasSuffix(s, w) {
			best = w
		}
	}
	return best
}

// hasPrefixAny returns the longest of ws that s starts with, or "".
func hasPrefixAny(s string, ws []string) string {
	best := ""
	for _, w := range ws {
		if len(w) > len(best) && strings.HasPrefix(s, w) {
			best = w
		}
	}
	return best
}

// containsAny reports whether s holds any of ws.
func containsAny(s string, ws []string) bool {
	for _, w := range ws {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// isHan reports whether r is a Chinese character.
func isHan(r rune) bool { return unicode.Is(unicode.Han, r) }

// isASCIILetter reports whether r is a Latin letter, half- or full-width.
func isASCIILetter(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= 'ａ' && r <= 'ｚ' || r >= 'Ａ' && r <= 'Ｚ'
}
