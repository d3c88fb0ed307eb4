package extract

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"gongfu"
)

var update = flag.Bool("update", false, "rewrite the testdata/*.want.json files from the current extraction")

// extract runs Document and checks what every successful run must hold.
func extract(t *testing.T, name string, data []byte) *Result {
	t.Helper()
	res, err := Document(name, data)
	if err != nil {
		t.Fatalf("Document(%s): %v", name, err)
	}
	if err := res.Plan.Validate(); err != nil {
		t.Fatalf("Document(%s): plan does not validate: %v (%q)", name, err, gongfu.ErrorDetails(err))
	}
	return res
}

// errCode returns the code of err, failing when it is not a *gongfu.Error.
func errCode(t *testing.T, err error) string {
	t.Helper()
	var e *gongfu.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *gongfu.Error", err, err)
	}
	if e.Message == "" || e.MessageEN == "" {
		t.Errorf("error %q lacks a message in both languages", e.Error())
	}
	return e.Code
}

func TestParseNumber(t *testing.T) {
	tests := []struct {
		in   string
		want float64
		ok   bool
	}{
		{"一千五百", 1500, true},
		{"二十", 20, true},
		{"两万", 20000, true},
		{"3.8", 3.8, true},
		{"８０", 80, true},
		{"三百六十五", 365, true},
		{"一百零五", 105, true},
		{"十", 10, true},
		{"十九", 19, true},
		{"一百", 100, true},
		{"一千", 1000, true},
		{"一万", 10000, true},
		{"两", 2, true},
		{"一千五", 1500, true},
		{"一万二千", 12000, true},
		{"一万五", 15000, true},
		{"三亿五千万", 350000000, true},
		{"二〇二〇", 2020, true},
		{"1.5万", 15000, true},
		{"30.8亿", 3080000000, true},
		{"１２", 12, true},
		{"１．２万", 12000, true},
		{"1,500", 1500, true},
		{"十三五", 0, false},
		{"百", 0, false},
		{"万万", 0, false},
		{"", 0, false},
		{"abc", 0, false},
		{"三两", 0, false},
	}
	for _, tt := range tests {
		got, ok := parseNumber(tt.in)
		if ok != tt.ok || ok && math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("parseNumber(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// TestQuantities checks single clauses: value, unit, kind and op.
func TestQuantities(t *testing.T) {
	tests := []struct {
		clause string
		value  float64
		unit   string
		kind   gongfu.TargetKind
		op     gongfu.Op
	}{
		{"新（扩）建幼儿园８０所", 80, "所", gongfu.KindIncrement, gongfu.OpAtLeast},
		{"定向招录一百名优秀退役军人", 100, "名", gongfu.KindIncrement, gongfu.OpAtLeast},
		{"开展退役军人继续教育一万人次", 10000, "人次", gongfu.KindIncrement, gongfu.OpAtLeast},
		{"在全市搭建十个创业平台", 10, "个", gongfu.KindIncrement, gongfu.OpAtLeast},
		{"建设二十个示范点", 20, "个", gongfu.KindIncrement, gongfu.OpAtLeast},
		{"完成一千五百户家庭改造", 1500, "户", gongfu.KindIncrement, gongfu.OpAtLeast},
		{"新建两个中心", 2, "个", gongfu.KindIncrement, gongfu.OpAtLeast},
		{"完成学龄儿童窝沟封闭7万例", 70000, "例", gongfu.KindIncrement, gongfu.OpAtLeast},
		{"全年完成重大水利工程投资30.8亿元", 3080000000, "元", gongfu.KindIncrement, gongfu.OpAtLeast},
		{"新增体育场地面积100万平方米以上", 1000000, "平方米", gongfu.KindIncrement, gongfu.OpAtLeast},
		{"城镇失业人员再就业1.5万人", 15000, "人", gongfu.KindIncrement, gongfu.OpAtLeast},
		{"普惠性幼儿园占比保持90%以上", 90, "%", gongfu.KindLevel, gongfu.OpAtLeast},
		{"城镇登记失业率控制在2.8%以内", 2.8, "%", gongfu.KindLevel, gongfu.OpAtMost},
		{"事故调查抽查复核比率不低于50%", 50, "%", gongfu.KindLevel, gongfu.OpAtLeast},
		{"县域就诊率提高1个百分点", 1, "百分点", gongfu.KindChange, gongfu.OpAtLeast},
		{"婴儿死亡率下降0.5个百分点", -0.5, "百分点", gongfu.KindChange, gongfu.OpAtMost},
		{"食品安全风险监测样本量达到1件/千人", 1, "件/千人", gongfu.KindLevel, gongfu.OpAtLeast},
		{"力争每万户籍人口全科医生数达3.8名以上", 3.8, "名", gongfu.KindLevel, gongfu.OpAtLeast},
		{"累计在保3万户以上", 30000, "户", gongfu.KindLevel, gongfu.OpAtLeast},
		{"普职比保持55：45", 1.2222, "", gongfu.KindRatio, gongfu.OpEqual},
		{"惠及老年人4.5万人左右", 45000, "人", gongfu.KindIncrement, gongfu.OpEqual},
		{"每万人拥有公共厕所3-4座", 3, "座", gongfu.KindLevel, gongfu.OpAtLeast},
		{"人均体育场地面积达到2.6平方米", 2.6, "平方米", gongfu.KindLevel, gongfu.OpAtLeast},
		{"孕产妇死亡率控制在10/10万以下", 10, "/10万", gongfu.KindLevel, gongfu.OpAtMost},
		{"提升40万农村居民农饮水标准", 400000, "人", gongfu.KindIncrement, gongfu.OpAtLeast},
		{"义务教育巩固率达到百分之九十九", 99, "%", gongfu.KindLevel, gongfu.OpAtLeast},
		{"城乡道路客运一体化发展水平评价指标全部达到5A级", 5, "A级", gongfu.KindLevel, gongfu.OpAtLeast},
		{"5万人以上乡镇建有2个资源教室", 2, "个", gongfu.KindLevel, gongfu.OpAtLeast},
		{"日处理能力30吨以上设施运维覆盖率达到50%", 50, "%", gongfu.KindLevel, gongfu.OpAtLeast},
		{"新建30个以上社区食堂", 30, "个", gongfu.KindIncrement, gongfu.OpAtLeast},
		{"新增就业1,500人", 1500, "人", gongfu.KindIncrement, gongfu.OpAtLeast},
		{"解决周边8千余户群众用水问题", 8000, "户", gongfu.KindIncrement, gongfu.OpAtLeast},
		{"新社区服务中心服务人口 1000-5000 人", 1000, "人", gongfu.KindIncrement, gongfu.OpAtLeast},
		{"覆盖半径在 1.25公里", 1.25, "公里", gongfu.KindLevel, gongfu.OpAtLeast},
		{"新建5千米绿道", 5, "千米", gongfu.KindIncrement, gongfu.OpAtLeast},
		{"急救平均反应时间控制在12分钟以内", 12, "分钟", gongfu.KindLevel, gongfu.OpAtMost},
		{"人均预期寿命达到79.5岁", 79.5, "岁", gongfu.KindLevel, gongfu.OpAtLeast},
	}
	for _, tt := range tests {
		p := newPara(tt.clause)
		sp := span{0, len(p.r)}
		gs := clauseTargets(p, sp, p.scan(sp), "任务", "")
		if len(gs) != 1 {
			t.Errorf("%s: got %d targets %+v, want 1", tt.clause, len(gs), gs)
			continue
		}
		g := gs[0]
		if math.Abs(g.Value-tt.value) > 1e-9 || g.Unit != tt.unit || g.Kind != tt.kind || g.Op != tt.op {
			t.Errorf("%s: got %v %q %s %s, want %v %q %s %s", tt.clause, g.Value, g.Unit, g.Kind, g.Op, tt.value, tt.unit, tt.kind, tt.op)
		}
	}
}

// TestNames checks that numbers that are names, dates or scopes give no
// target and are not reported as unparsed.
func TestNames(t *testing.T) {
	for _, clause := range []string{
		"深入贯彻党的十九大和十九届二中、三中、四中全会精神",
		"紧扣市委“奋战1161，奋进2020”年度工作主题主线",
		"为确保“十三五”规划圆满收官",
		"正式运营5号线、6号线",
		"建成7号线（一期）、8号线",
		"大力推进“1+X”证书试点",
		"提升“15分钟文化圈”",
		"着力解决残疾人“两不愁三保障”中存在的特殊困难问题",
		"开展国家第六批标准化试点",
		"申报创建第三批省级无障碍社区",
		"健全文化礼堂“7651”长效机制",
		"持续开展文化助残“五个一”工程",
		"推进“十百千万”计划",
		"着力打造“一十百千”示范工程",
		"加强3岁以下婴幼儿照护服务",
		"确保市区PM2.5平均浓度稳定达标",
		"大力推进4G全覆盖和5G基站部署",
		"加快市域铁路S1线沿线站点建设",
		"2020年，我市将高举旗帜",
		"推进基层卫生高质量发展三年行动",
		"实施气象为民服务八件实事",
		"推进残疾人两项补贴信息共享",
		"一、二级园在园幼儿覆盖面稳步提升",
		"推进海塘安澜千亿工程",
		"加快建设百项千亿防洪排涝工程",
		"新建百姓健身房",
		"健全覆盖市县镇村四级的服务管理体系",
		"6月底前完成集中整治任务",
		"二级以上公立医院全部接入远程医疗平台",
		"实行一次性告知制度",
		"进一步完善统一标准",
		"建成 10-15 分钟基本公共服务圈",
		"完善 15 年基础教育扶困助学“绿色通道”",
		"积极发展3-6岁儿童学前教育",
		"为80周岁以上老年人发放高龄津贴",
		"创建国家4A级旅游景区",
		"落实“十四五”规划和2035年远景目标",
		"推进COVID-19疫苗接种",
	} {
		p := newPara(clause)
		sp := span{0, len(p.r)}
		for _, tok := range p.scan(sp) {
			if tok.cls == clsTarget || tok.cls == clsUnknown {
				t.Errorf("%s: %q read as %v (value %v unit %q)", clause, p.text(span{tok.s, tok.e}), tok.cls, tok.value, tok.unit)
			}
		}
	}
}

func TestParseDue(t *testing.T) {
	tests := []struct {
		text string
		want gongfu.Date
	}{
		{"6月底前基本完成退役士兵社保接续工作", "2020-06-30"},
		{"力争年底实现全覆盖", "2020-12-31"},
		{"年内建成平台", "2020-12-31"},
		{"第三季度完成布局规划修编", "2020-09-30"},
		{"上半年出台实施细则", "2020-06-30"},
		{"9月份完成改革", "2020-09-30"},
		{"2月份完成", "2020-02-29"},
		{"11月15日前报送", "2020-11-15"},
		{"2021年6月底前完成", "2021-06-30"},
		{"2021年底前建成", "2021-12-31"},
		{"六月底前完成", "2020-06-30"},
		{"３月底前", "2020-03-31"},
		{"三年内完成", ""},
		{"完善长效机制", ""},
		{"每年开展一次", ""},
		{"全年新增就业", ""},
	}
	for _, tt := range tests {
		if got := parseDue(tt.text, 2020); got != tt.want {
			t.Errorf("parseDue(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

func TestUnits(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"（责任单位：市教育局、市发展改革委、市财政局、市残联）", []string{"市教育局", "市发展改革委", "市财政局", "市残联"}},
		{"（责任单位：市委宣传部、市委办（市档案局）、市文化广电旅游局）", []string{"市委宣传部", "市委办（市档案局）", "市文化广电旅游局"}},
		{"牵头单位：市卫健委；配合单位：市财政局、市医保局", []string{"市卫健委", "市财政局", "市医保局"}},
		{"(责任单位:市民政局,各县（市、区）政府)", []string{"市民政局", "各县（市、区）政府"}},
	}
	for _, tt := range tests {
		got, ok := parseUnitLine(tt.in)
		if !ok || !slices.Equal(got, tt.want) {
			t.Errorf("parseUnitLine(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
		}
	}
	for _, s := range []string{"（一）加快推进教育现代化工程", "责任单位要加强协作。", "市教育局"} {
		if got, ok := parseUnitLine(s); ok {
			t.Errorf("parseUnitLine(%q) = %q, want no units", s, got)
		}
	}
	inline := []struct {
		text string
		want []string
	}{
		{"推进家庭医生签约。（牵头单位：市卫健委）", []string{"市卫健委"}},
		{"推进家庭医生签约（市卫健委牵头，市财政局配合）。", []string{"市卫健委", "市财政局"}},
		{"新建幼儿园20所。（市教育局、市住建局）", []string{"市教育局", "市住建局"}},
		{"城镇新增就业：目标5万人，责任单位：市人力社保局", []string{"市人力社保局"}},
		{"做好57个乡镇卫生院（社区卫生服务中心）达标改造。", nil},
	}
	for _, tt := range inline {
		got, _ := taskUnits(tt.text)
		if !slices.Equal(got, tt.want) {
			t.Errorf("taskUnits(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

// docCase names a test document and what must hold of its extraction.
type docCase struct {
	file     string
	encoding string
	title    string
	issuer   string
	issued   gongfu.Date
	year     int
	domains  []string
	tasks    int
	targets  []wantTarget
	dues     map[string]gongfu.Date // milestone text fragment → due
	units    map[string][]string    // task title fragment → its units (domain's when the task has none)
	unparsed []string
	warning  string // a fragment one warning must hold
}

// wantTarget is a target that must be found: its source holds src.
type wantTarget struct {
	src   string
	value float64
	unit  string
	kind  gongfu.TargetKind
	op    gongfu.Op
	name  string // when set, the name must hold it
}

// findTarget returns the targets whose source holds src.
func findTarget(p *gongfu.Plan, w wantTarget) (gongfu.Target, bool) {
	for _, d := range p.Domains {
		for _, t := range d.Tasks {
			for _, g := range t.Targets {
				if strings.Contains(g.Source, w.src) && math.Abs(g.Value-w.value) < 1e-9 && g.Unit == w.unit {
					return g, true
				}
			}
		}
	}
	return gongfu.Target{}, false
}

var docCases = []docCase{
	{
		file:     "qingchuan-2023-plan.txt",
		encoding: encUTF8,
		title:    "2023年青川市基本公共服务提升行动计划",
		issuer:   "青川市人民政府办公室",
		issued:   "2023-03-15",
		year:     2023,
		domains:  []string{"办好人民满意的教育", "完善社会保障和就业服务", "提升卫生健康服务水平"},
		tasks:    8,
		targets: []wantTarget{
			{"新建、改扩建幼儿园１２所", 12, "所", gongfu.KindIncrement, gongfu.OpAtLeast, "幼儿园"},
			{"其中公办学位２８００个", 2800, "个", gongfu.KindIncrement, gongfu.OpAtLeast, "公办学位"},
			{"在园幼儿占比达到92%左右", 92, "%", gongfu.KindLevel, gongfu.OpEqual, ""},
			{"每百名学生配备计算机12-15台", 12, "台", gongfu.KindLevel, gongfu.OpAtLeast, ""},
			{"分别控制在45人、40人以内", 45, "人", gongfu.KindLevel, gongfu.OpAtMost, "城区"},
			{"分别控制在45人、40人以内", 40, "人", gongfu.KindLevel, gongfu.OpAtMost, "乡镇"},
			{"组织二十个城乡教育共同体", 20, "个", gongfu.KindIncrement, gongfu.OpAtLeast, ""},
			{"普职比大体保持1：1", 1, "", gongfu.KindRatio, gongfu.OpEqual, "普职比"},
			{"占比提高3个百分点", 3, "百分点", gongfu.KindChange, gongfu.OpAtLeast, ""},
			{"城镇新增就业3.2万人", 32000, "人", gongfu.KindIncrement, gongfu.OpAtLeast, ""},
			{"其中帮扶就业困难人员再就业4500人", 4500, "人", gongfu.KindIncrement, gongfu.OpAtLeast, "再就业"},
			{"培训农村劳动力一千五百人次", 1500, "人次", gongfu.KindIncrement, gongfu.OpAtLeast, ""},
			{"累计在保城乡低保对象１．２万人", 12000, "人", gongfu.KindLevel, gongfu.OpAtLeast, ""},
			{"完成一千五百户", 1500, "户", gongfu.KindIncrement, gongfu.OpAtLeast, ""},
			{"建有1家以上区域性养老服务中心", 1, "家", gongfu.KindLevel, gongfu.OpAtLeast, ""},
			{"婴儿死亡率下降0.5个百分点", -0.5, "百分点", gongfu.KindChange, gongfu.OpAtMost, "婴儿死亡率"},
			{"孕产妇死亡率控制在10/10万以下", 10, "/10万", gongfu.KindLevel, gongfu.OpAtMost, ""},
			{"托位数达到3.5个", 3.5, "个", gongfu.KindLevel, gongfu.OpAtLeast, ""},
		},
		dues: map[string]gongfu.Date{
			"第三季度完成全市幼儿园布局规划修编": "2023-09-30",
			"上半年出台":         "2023-06-30",
			"9月份完成困难群众救助政策": "2023-09-30",
			"二级以上公立医院":      "",
		},
		units: map[string][]string{
			"扩大普惠性学前教育资源":   {"市教育局", "市自然资源局", "市财政局"},
			"提升职业教育和特殊教育水平": {"市教育局", "市残联", "市人力社保局"},
			"加强婴幼儿照护服务":     {"市卫健委"},
		},
		unparsed: []string{"全市基本公共服务均等化实现度达到92%以上"},
		warning:  "重新编号",
	},
	{
		file:     "qingchuan-2023-minsheng.txt",
		encoding: encUTF8,
		title:    "2023年青川市十方面民生实事项目",
		year:     2023,
		domains:  []string{"2023年青川市十方面民生实事项目"},
		tasks:    10,
		targets: []wantTarget{
			{"新增学位1.2万个", 12000, "个", gongfu.KindIncrement, gongfu.OpAtLeast, ""},
			{"培训2万人次以上", 20000, "人次", gongfu.KindIncrement, gongfu.OpAtLeast, ""},
			{"惠及老年人4.5万人左右", 45000, "人", gongfu.KindIncrement, gongfu.OpEqual, ""},
			{"惠及居民一万二千户", 12000, "户", gongfu.KindIncrement, gongfu.OpAtLeast, ""},
			{"覆盖率分别达到70%、80%", 70, "%", gongfu.KindLevel, gongfu.OpAtLeast, "婚前医学检查"},
			{"覆盖率分别达到70%、80%", 80, "%", gongfu.KindLevel, gongfu.OpAtLeast, "孕前优生健康检查"},
			{"健身步道50公里", 50, "公里", gongfu.KindIncrement, gongfu.OpAtLeast, ""},
			{"其中D级危房1200户", 1200, "户", gongfu.KindIncrement, gongfu.OpAtLeast, ""},
		},
		dues: map[string]gongfu.Date{"全面推行政务服务“一网通办”": "", "为80周岁以上老年人发放高龄津贴": ""},
		units: map[string][]string{
			"新建改扩建中小学幼儿园":    {"市教育局"},
			"新增养老床位500张":     {"市民政局", "市财政局"},
			"全面推行政务服务“一网通办”": {"市行政审批局", "市大数据发展管理局"},
		},
		warning: "未找到发文单位",
	},
	{
		file:     "qingchuan-2024-mubiao.txt",
		encoding: encUTF8,
		title:    "青川市人民政府关于下达2024年度目标责任制考核指标的通知",
		issuer:   "青川市人民政府",
		issued:   "2024-02-20",
		year:     2024,
		domains:  []string{"经济发展类指标", "民生保障类指标"},
		tasks:    10,
		targets: []wantTarget{
			{"目标6.5%左右", 6.5, "%", gongfu.KindLevel, gongfu.OpEqual, "地区生产总值增长"},
			{"目标480亿元", 48000000000, "元", gongfu.KindIncrement, gongfu.OpAtLeast, "固定资产投资"},
			{"目标3.5万人", 35000, "人", gongfu.KindIncrement, gongfu.OpAtLeast, "城镇新增就业"},
			{"控制在5.5%以内", 5.5, "%", gongfu.KindLevel, gongfu.OpAtMost, "城镇调查失业率"},
			{"达到4个", 4, "个", gongfu.KindLevel, gongfu.OpAtLeast, "托位数"},
			{"控制在28微克/立方米以内", 28, "微克/立方米", gongfu.KindLevel, gongfu.OpAtMost, "PM2.5"},
			{"1500个", 1500, "个", gongfu.KindIncrement, gongfu.OpAtLeast, "5G基站"},
			{"提高2个百分点", 2, "百分点", gongfu.KindChange, gongfu.OpAtLeast, "县域就诊率"},
		},
		dues: map[string]gongfu.Date{"与经济增长基本同步": ""},
		units: map[string][]string{
			"地区生产总值增长":      {"市发展改革委", "市统计局"},
			"城乡居民人均可支配收入增长": {"市统计局", "市农业农村局"},
		},
	},
	{
		file:     "qingchuan-2024-table.txt",
		encoding: encUTF8,
		title:    "青川市2024年为民办实事项目任务分解表",
		issuer:   "青川市发展和改革局",
		issued:   "2024-01-08",
		year:     2024,
		domains:  []string{"青川市2024年为民办实事项目任务分解表"},
		tasks:    5,
		targets: []wantTarget{
			{"20家", 20, "家", gongfu.KindIncrement, gongfu.OpAtLeast, "新建城市书房"},
			{"开工改造40个小区", 40, "个", gongfu.KindIncrement, gongfu.OpAtLeast, ""},
			{"新增受益人口5万人", 50000, "人", gongfu.KindIncrement, gongfu.OpAtLeast, ""},
			{"残疾儿童康复救助率达到100%", 100, "%", gongfu.KindLevel, gongfu.OpAtLeast, ""},
		},
		dues:  map[string]gongfu.Date{"建成全市统一的智慧停车平台": "2024-06-30"},
		units: map[string][]string{"智慧停车平台": {"市大数据局", "市公安局"}},
	},
}

// checkCase holds an extraction to what c says of it.
func checkCase(t *testing.T, c docCase, res *Result) {
	t.Helper()
	p := res.Plan
	if res.Encoding != c.encoding {
		t.Errorf("encoding %q, want %q", res.Encoding, c.encoding)
	}
	if p.Title != c.title || p.Issuer != c.issuer || p.Issued != c.issued || p.Year != c.year {
		t.Errorf("header %q %q %q %d, want %q %q %q %d", p.Title, p.Issuer, p.Issued, p.Year, c.title, c.issuer, c.issued, c.year)
	}
	var domains []string
	tasks := 0
	for _, d := range p.Domains {
		domains = append(domains, d.Title)
		tasks += len(d.Tasks)
	}
	if !slices.Equal(domains, c.domains) || tasks != c.tasks {
		t.Errorf("domains %q with %d tasks, want %q with %d", domains, tasks, c.domains, c.tasks)
	}
	for _, w := range c.targets {
		g, ok := findTarget(p, w)
		if !ok {
			t.Errorf("no target %v %q from %q", w.value, w.unit, w.src)
			continue
		}
		if g.Kind != w.kind || g.Op != w.op || !strings.Contains(g.Name, w.name) {
			t.Errorf("target from %q: %s %s %q, want %s %s name with %q", w.src, g.Kind, g.Op, g.Name, w.kind, w.op, w.name)
		}
	}
	for frag, due := range c.dues {
		found := false
		for _, d := range p.Domains {
			for _, tk := range d.Tasks {
				for _, m := range tk.Milestones {
					if strings.Contains(m.Text, frag) {
						found = true
						if m.Due != due {
							t.Errorf("milestone %q due %q, want %q", m.Text, m.Due, due)
						}
					}
				}
			}
		}
		if !found {
			t.Errorf("no milestone with %q", frag)
		}
	}
	for frag, want := range c.units {
		found := false
		for _, d := range p.Domains {
			for i := range d.Tasks {
				if strings.Contains(d.Tasks[i].Title, frag) {
					found = true
					if got := d.UnitsFor(&d.Tasks[i]); !slices.Equal(got, want) {
						t.Errorf("units of %q: %q, want %q", d.Tasks[i].Title, got, want)
					}
				}
			}
		}
		if !found {
			t.Errorf("no task titled with %q", frag)
		}
	}
	if !slices.Equal(p.Unparsed, c.unparsed) && !(len(p.Unparsed) == 0 && len(c.unparsed) == 0) {
		t.Errorf("unparsed %q, want %q", p.Unparsed, c.unparsed)
	}
	if c.warning != "" && !slices.ContainsFunc(res.Warnings, func(w string) bool { return strings.Contains(w, c.warning) }) {
		t.Errorf("warnings %q lack %q", res.Warnings, c.warning)
	}
}

// TestDocuments extracts the test documents, checks the facts of docCases
// and compares the whole plan with its golden file testdata/*.want.json
// (rewritten with -update after a reviewed change).
func TestDocuments(t *testing.T) {
	for _, c := range docCases {
		t.Run(c.file, func(t *testing.T) {
			path := filepath.Join("testdata", c.file)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			res := extract(t, c.file, data)
			checkCase(t, c, res)
			got, err := json.MarshalIndent(res.Plan, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden := strings.TrimSuffix(path, ".txt") + ".want.json"
			if *update {
				if err := os.WriteFile(golden, append(got, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(bytes.TrimSpace(got), bytes.TrimSpace(want)) {
				t.Errorf("plan differs from %s; run go test ./extract -run TestDocuments -update and review the diff", golden)
			}
		})
	}
}

// TestGB18030 reads a plan saved in GB18030 and in GBK: the encoding is
// detected and the plan is the same as from UTF-8.
func TestGB18030(t *testing.T) {
	utf, err := os.ReadFile("testdata/qingchuan-2023-plan.txt")
	if err != nil {
		t.Fatal(err)
	}
	want := extract(t, "plan.txt", utf)
	gb, err := simplifiedchinese.GB18030.NewEncoder().Bytes(utf)
	if err != nil {
		t.Fatal(err)
	}
	gbk, err := simplifiedchinese.GBK.NewEncoder().Bytes(utf)
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"gb18030.txt": gb, "gbk.txt": gbk} {
		if bytes.Equal(data, utf) {
			t.Fatalf("%s: encoding changed nothing", name)
		}
		res := extract(t, name, data)
		if res.Encoding != encGB18030 {
			t.Errorf("%s: encoding %q, want GB18030", name, res.Encoding)
		}
		a, _ := json.Marshal(res.Plan)
		b, _ := json.Marshal(want.Plan)
		if !bytes.Equal(a, b) {
			t.Errorf("%s: plan differs from the UTF-8 one", name)
		}
		c := docCases[0]
		c.encoding = encGB18030
		checkCase(t, c, res)
	}
	// A byte order mark changes nothing.
	bom := extract(t, "bom.txt", append([]byte("\xEF\xBB\xBF"), utf...))
	if bom.Encoding != encUTF8 || bom.Plan.Title != want.Plan.Title {
		t.Errorf("with BOM: %q %q", bom.Encoding, bom.Plan.Title)
	}
}

// makeZip builds a zip file of the named parts.
func makeZip(t testing.TB, parts map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	names := make([]string, 0, len(parts))
	for n := range parts {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		w, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(parts[n])); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// wordPara writes a Word paragraph; with numID set it is an automatic list
// item at level ilvl.
func wordPara(text, numID string, ilvl int) string {
	ppr := ""
	if numID != "" {
		ppr = `<w:pPr><w:numPr><w:ilvl w:val="` + string(rune('0'+ilvl)) + `"/><w:numId w:val="` + numID + `"/></w:numPr></w:pPr>`
	}
	// Split the text over two runs, as Word often does.
	rs := []rune(text)
	half := len(rs) / 2
	return `<w:p>` + ppr + `<w:r><w:t>` + string(rs[:half]) + `</w:t></w:r><w:r><w:t xml:space="preserve">` + string(rs[half:]) + `</w:t></w:r></w:p>`
}

// wordRow writes a table row.
func wordRow(cells ...string) string {
	s := "<w:tr>"
	for _, c := range cells {
		s += `<w:tc><w:tcPr/><w:p><w:r><w:t>` + c + `</w:t></w:r></w:p></w:tc>`
	}
	return s + "</w:tr>"
}

// sampleDocx builds a .docx plan whose domain and task numbers come from
// Word's automatic numbering and whose second domain is a table.
func sampleDocx(t testing.TB) []byte {
	body := wordPara("2024年青川市养老服务提升工作方案", "", 0) +
		wordPara("一、完善养老服务设施", "", 0) +
		wordPara("新建居家养老服务中心２０家，新增养老床位六百张。（牵头单位：市民政局）", "1", 0) +
		wordPara("推进公办养老机构改革，年底前完成改革任务。（牵头单位：市民政局；配合单位：市财政局）", "1", 0) +
		wordPara("二、提升医养结合水平", "", 0) +
		`<w:tbl>` + wordRow("序号", "指标名称", "目标值", "责任单位") +
		wordRow("3", "养老机构医养结合率", "100%", "市卫健委") +
		wordRow("4", "护理型床位占比", "不低于55%", "市民政局、市卫健委") + `</w:tbl>` +
		`<w:p><w:r><w:t>青川市民政局</w:t></w:r></w:p><w:p><w:r><w:t>2024年3月1日</w:t></w:r><w:r><w:tab/></w:r></w:p>`
	doc := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
		`<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>` + body + `</w:body></w:document>`
	numbering := `<?xml version="1.0" encoding="UTF-8"?><w:numbering xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">` +
		`<w:abstractNum w:abstractNumId="7"><w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1."/></w:lvl></w:abstractNum>` +
		`<w:num w:numId="1"><w:abstractNumId w:val="7"/></w:num></w:numbering>`
	return makeZip(t, map[string]string{
		"[Content_Types].xml":  `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`,
		"word/document.xml":    doc,
		"word/numbering.xml":   numbering,
		"docProps/app.xml":     `<Properties/>`,
		"word/_rels/x.xml.rel": `<Relationships/>`,
	})
}

func TestDocx(t *testing.T) {
	res := extract(t, "plan.docx", sampleDocx(t))
	p := res.Plan
	if res.Encoding != encDocx {
		t.Errorf("encoding %q, want docx", res.Encoding)
	}
	if p.Title != "2024年青川市养老服务提升工作方案" || p.Year != 2024 || p.Issuer != "青川市民政局" || p.Issued != "2024-03-01" {
		t.Errorf("header %q %d %q %q", p.Title, p.Year, p.Issuer, p.Issued)
	}
	if len(p.Domains) != 2 || p.Domains[0].Title != "完善养老服务设施" || p.Domains[1].Title != "提升医养结合水平" {
		t.Fatalf("domains %+v", p.Domains)
	}
	d1, d2 := p.Domains[0], p.Domains[1]
	if len(d1.Tasks) != 2 || d1.Tasks[0].No != 1 || d1.Tasks[1].No != 2 {
		t.Fatalf("tasks of domain 1: %+v", d1.Tasks)
	}
	if !slices.Equal(d1.Tasks[1].Units, []string{"市民政局", "市财政局"}) {
		t.Errorf("task 2 units %q", d1.Tasks[1].Units)
	}
	for _, w := range []wantTarget{
		{"新建居家养老服务中心２０家", 20, "家", gongfu.KindIncrement, gongfu.OpAtLeast, ""},
		{"新增养老床位六百张", 600, "张", gongfu.KindIncrement, gongfu.OpAtLeast, ""},
		{"100%", 100, "%", gongfu.KindLevel, gongfu.OpAtLeast, "医养结合率"},
		{"不低于55%", 55, "%", gongfu.KindLevel, gongfu.OpAtLeast, "护理型床位占比"},
	} {
		if g, ok := findTarget(p, w); !ok || g.Kind != w.kind || g.Op != w.op || !strings.Contains(g.Name, w.name) {
			t.Errorf("target %q: %+v %v", w.src, g, ok)
		}
	}
	if m := d1.Tasks[1].Milestones; len(m) != 2 || m[1].Due != "2024-12-31" {
		t.Errorf("task 2 milestones %+v", m)
	}
	if len(d2.Tasks) != 2 || d2.Tasks[0].No != 3 || !slices.Equal(d2.Tasks[1].Units, []string{"市民政局", "市卫健委"}) {
		t.Errorf("table tasks %+v", d2.Tasks)
	}
}

// TestBadInput checks the refusals: each is a *gongfu.Error with the right
// code, and none panics.
func TestBadInput(t *testing.T) {
	random := make([]byte, 4096)
	x := uint32(2463534242)
	for i := range random {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		random[i] = byte(x)
	}
	bomb := func() []byte {
		// A part that claims to inflate to a terabyte.
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		w, err := zw.CreateRaw(&zip.FileHeader{Name: "word/document.xml", Method: zip.Deflate, CompressedSize64: 2, UncompressedSize64: 1 << 40})
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte{3, 0})
		zw.Close()
		return buf.Bytes()
	}()
	tests := []struct {
		name string
		file string
		data []byte
		code string
	}{
		{"empty", "a.txt", nil, gongfu.EINVALID},
		{"spaces", "a.txt", []byte(" \n\t\r\n "), gongfu.EINVALID},
		{"binary", "a.txt", random, gongfu.EINVALID},
		{"nul bytes", "a.txt", []byte("2023年计划\x00\x00\x00\x01\x02"), gongfu.EINVALID},
		{"not a plan", "a.txt", []byte("春眠不觉晓，处处闻啼鸟。\n夜来风雨声，花落知多少。\n"), gongfu.EINVALID},
		{"english", "a.txt", []byte("Lorem ipsum dolor sit amet, consectetur adipiscing elit.\nSed do eiusmod tempor.\n"), gongfu.EINVALID},
		{"docx not zip", "plan.docx", []byte("这不是一个 docx 文件"), gongfu.EINVALID},
		{"zip without document", "plan.docx", makeZip(t, map[string]string{"xl/workbook.xml": "<workbook/>"}), gongfu.EINVALID},
		{"docx broken xml", "plan.docx", makeZip(t, map[string]string{"word/document.xml": "<w:document><w:body><w:p><w:t>一、教育</w:t"}), gongfu.EINVALID},
		{"zip bomb", "plan.docx", bomb, gongfu.ETOOLARGE},
		{"old doc", "plan.doc", []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest"), gongfu.EINVALID},
		{"pdf", "plan.pdf", []byte("%PDF-1.7 ..."), gongfu.EINVALID},
		{"utf-16", "plan.txt", []byte("\xFF\xFE\x00\x4e"), gongfu.EINVALID},
		{"latin-1", "plan.txt", []byte("caf\xe9 na\xefve r\xe9sum\xe9 \xe0 la carte"), gongfu.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Document(tt.file, tt.data)
			if err == nil {
				t.Fatal("no error")
			}
			if code := errCode(t, err); code != tt.code {
				t.Errorf("code %q (%v), want %q", code, err, tt.code)
			}
		})
	}
}

// TestTooLarge refuses a 50 MB file at once, without reading it.
func TestTooLarge(t *testing.T) {
	big := bytes.Repeat([]byte("新建幼儿园80所。\n"), 50<<20/24)
	start := time.Now()
	allocs := testing.AllocsPerRun(5, func() {
		_, err := Document("big.txt", big)
		if gongfu.ErrorCode(err) != gongfu.ETOOLARGE {
			t.Errorf("got %v, want ETOOLARGE", err)
		}
	})
	if allocs > 20 {
		t.Errorf("%v allocations to refuse a large file", allocs)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("took %v to refuse a large file", d)
	}
}

// TestNoUnits extracts a plan that names no responsible unit, with a
// warning, and one whose units follow each task.
func TestNoUnits(t *testing.T) {
	doc := "2022年某县公共服务工作要点\n一、教育\n1、新建幼儿园3所。\n2、教师培训覆盖率达到100%。\n二、卫生\n1、家庭医生签约率达到60%以上。\n"
	res := extract(t, "a.txt", []byte(doc))
	if !slices.ContainsFunc(res.Warnings, func(w string) bool { return strings.Contains(w, "未找到责任单位") }) {
		t.Errorf("warnings %q lack 未找到责任单位", res.Warnings)
	}
	if c := res.Plan.Counts(); c.Domains != 2 || c.Tasks != 3 || c.Targets != 3 {
		t.Errorf("counts %+v", c)
	}
	if res.Plan.Year != 2022 || res.Plan.Domains[1].Tasks[0].No != 3 || res.Plan.Domains[1].Tasks[0].Targets[0].ID != "3.1" {
		t.Errorf("plan %+v", res.Plan.Domains[1])
	}

	perTask := "2022年某县民生工作要点\n一、教育\n1.新建幼儿园3所。\n责任单位：县教育局\n2.开展送教下乡活动。\n责任单位：县教育局、县残联\n"
	res = extract(t, "b.txt", []byte(perTask))
	d := res.Plan.Domains[0]
	if len(d.Units) != 0 || !slices.Equal(d.Tasks[0].Units, []string{"县教育局"}) || !slices.Equal(d.Tasks[1].Units, []string{"县教育局", "县残联"}) {
		t.Errorf("units: domain %q, tasks %q %q", d.Units, d.Tasks[0].Units, d.Tasks[1].Units)
	}
	if m := d.Tasks[1].Milestones; len(m) != 1 || m[0].Text != "开展送教下乡活动" {
		t.Errorf("milestones %+v", m)
	}
}

// TestFlat reads a document without numbered headings paragraph by
// paragraph.
func TestFlat(t *testing.T) {
	doc := "某街道2023年惠民工作安排\n全年新建口袋公园5个，改造背街小巷12条。\n为辖区老年人提供助餐服务3万人次。\n"
	res := extract(t, "flat.txt", []byte(doc))
	if c := res.Plan.Counts(); c.Tasks != 2 || c.Targets != 3 || c.Unparsed != 0 {
		t.Errorf("counts %+v", c)
	}
}

// FuzzDocument checks that no input panics, that every error is a
// *gongfu.Error of the documented codes, and that every plan validates.
func FuzzDocument(f *testing.F) {
	for _, name := range []string{"../demo/wenzhou-2020-plan.txt", "testdata/qingchuan-2023-plan.txt", "testdata/qingchuan-2023-minsheng.txt",
		"testdata/qingchuan-2024-mubiao.txt", "testdata/qingchuan-2024-table.txt"} {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(filepath.Base(name), data)
	}
	f.Add("plan.docx", sampleDocx(f))
	f.Add("a.txt", []byte("一、教育\n1.新建幼儿园８０所，培训一百名教师。（牵头单位：市教育局）\n"))
	f.Add("a.txt", []byte("（一）\n1.\n（1）①两个100%分别、\t序号\t指标\t责任单位\n"))
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		res, err := Document(name, data)
		if err != nil {
			var e *gongfu.Error
			if !errors.As(err, &e) || (e.Code != gongfu.EINVALID && e.Code != gongfu.ETOOLARGE) {
				t.Fatalf("error %v (%T)", err, err)
			}
			return
		}
		if err := res.Plan.Validate(); err != nil {
			t.Fatalf("plan does not validate: %v %q", err, gongfu.ErrorDetails(err))
		}
		if res.Encoding != encUTF8 && res.Encoding != encGB18030 && res.Encoding != encDocx {
			t.Fatalf("encoding %q", res.Encoding)
		}
	})
}

// TestLargeInput runs a 2 MB document (the seed plan a hundred times over)
// in reasonable time: far too many domains for a plan, so ETOOLARGE.
func TestLargeInput(t *testing.T) {
	data, err := os.ReadFile("../demo/wenzhou-2020-plan.txt")
	if err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat(data, 100)
	start := time.Now()
	_, err = Document("big.txt", big)
	if code := errCode(t, err); code != gongfu.ETOOLARGE {
		t.Errorf("code %q (%v), want too_large", code, err)
	}
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("took %v for %d bytes", d, len(big))
	}
}

// FuzzDocxBody fuzzes the text of word/document.xml inside a well-formed
// zip, which FuzzDocument rarely reaches by mutating zip bytes.
func FuzzDocxBody(f *testing.F) {
	f.Add(`<w:document><w:body>` + wordPara("一、教育", "", 0) + wordPara("新建幼儿园8所。", "1", 0) + `</w:body></w:document>`)
	f.Add(`<w:document><w:body><w:tbl>` + wordRow("序号", "指标", "目标值", "责任单位") + wordRow("1", "城镇新增就业", "5万人", "市人社局") + `</w:tbl></w:body></w:document>`)
	f.Add(`<w:p><w:tc><w:tc></w:tr></w:tr><w:t>1.</w:t></w:p></w:tc>`)
	numbering := `<w:numbering><w:abstractNum w:abstractNumId="1"><w:lvl w:ilvl="0"><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl>` +
		`<w:lvl w:ilvl="1"><w:numFmt w:val="decimal"/><w:lvlText w:val="%1.%2."/></w:lvl></w:abstractNum><w:num w:numId="1"><w:abstractNumId w:val="1"/></w:num></w:numbering>`
	f.Fuzz(func(t *testing.T, body string) {
		data := makeZip(t, map[string]string{"word/document.xml": body, "word/numbering.xml": numbering})
		res, err := Document("f.docx", data)
		if err != nil {
			var e *gongfu.Error
			if !errors.As(err, &e) || (e.Code != gongfu.EINVALID && e.Code != gongfu.ETOOLARGE) {
				t.Fatalf("error %v (%T)", err, err)
			}
			return
		}
		if err := res.Plan.Validate(); err != nil {
			t.Fatalf("plan does not validate: %v", err)
		}
	})
}
