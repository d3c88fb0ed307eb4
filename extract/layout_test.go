package extract

import (
	"slices"
	"strings"
	"testing"

	"gongfu"
)

// TestLayouts reads the layouts plans come in: tasks with sub-items, domains
// with an introductory paragraph, parts (第一部分), tasks as a heading line
// with their paragraph below, and lines wrapped mid-sentence.
func TestLayouts(t *testing.T) {
	tests := []struct {
		name    string
		doc     string
		domains []string
		tasks   []string // titles, in order
		units   [][]string
		targets int
		dues    []gongfu.Date // of all milestones, in order
	}{
		{
			name: "sub-items",
			doc: `2024年某区养老服务实施方案
一、加强设施建设（牵头单位：区民政局）
1.完善居家养老服务网络。具体包括：
（1）新建居家养老服务站12个；
（2）改造提升日间照料中心8家；
（3）年底前实现街道综合养老服务中心全覆盖。
2.推进医养结合。签约医疗机构的养老机构占比达到100%。
二、提升服务质量
（责任单位：区民政局、区卫健局）
3.加强人才培训，培训养老护理员300人次。
4.开展养老机构等级评定，三星级以上养老机构占比达到50%。`,
			domains: []string{"加强设施建设", "提升服务质量"},
			tasks:   []string{"完善居家养老服务网络", "推进医养结合", "加强人才培训，培训养老护理员300人次", "开展养老机构等级评定，三星级以上养老机构占比达到50%"},
			units:   [][]string{{"区民政局"}, {"区民政局", "区卫健局"}},
			targets: 5,
			dues:    []gongfu.Date{"2024-12-31", "", ""},
		},
		{
			name: "domain intro paragraphs",
			doc: `某市2023年文化惠民行动计划
一、完善公共文化设施网络
坚持均衡发展，补齐基层短板，到年底基本建成覆盖城乡的设施网络。
（一）建设城市书房。新建城市书房10家。（牵头单位：市文广旅局）
（二）提升文化站。改造乡镇综合文化站5个。（牵头单位：市文广旅局）
二、丰富公共文化产品
围绕群众需求，提升供给质量。
（一）开展惠民演出。全年送戏下乡200场。（牵头单位：市文广旅局）
（二）推动全民阅读。人均年阅读量达到8本左右。（牵头单位：市文广旅局）`,
			domains: []string{"完善公共文化设施网络", "丰富公共文化产品"},
			tasks:   []string{"建设城市书房", "提升文化站", "开展惠民演出", "推动全民阅读"},
			units:   [][]string{{}, {}},
			targets: 4,
		},
		{
			name: "parts and 1、 tasks",
			doc: `某县2022年民生工作要点
第一部分 总体目标
全面完成各项民生任务。
第二部分 重点工作
一、教育
1、新建幼儿园2所
2、义务教育巩固率保持在99%以上
（责任单位：县教育局）
二、医疗
1、新增床位120张
（责任单位：县卫健局）`,
			domains: []string{"教育", "医疗"},
			tasks:   []string{"新建幼儿园2所", "义务教育巩固率保持在99%以上", "新增床位120张"},
			units:   [][]string{{"县教育局"}, {"县卫健局"}},
			targets: 3,
		},
		{
			name: "heading line and paragraph, wrapped lines",
			doc: `某市2023年就业工作要点
一、稳定就业
1.加强就业服务
全年城镇新增就业2.5万人，城镇调查失业率控制在5.5%以内，6月底前出台
稳岗扩就业若干措施。
2.加强技能培训
开展职业技能培训1.2万人次，
其中新型学徒制培训2000人。
（责任单位：市人社局）`,
			domains: []string{"稳定就业"},
			tasks:   []string{"加强就业服务", "加强技能培训"},
			units:   [][]string{{"市人社局"}},
			targets: 4,
			dues:    []gongfu.Date{"2023-06-30"},
		},
		{
			name: "一是 二是 enumeration",
			doc: `某区2023年十件惠民实事
一是扩充学位供给。建成、改造小学及幼儿园9所。
二是提升医疗服务。启动区妇幼保健院迁建项目。
三是改善出行条件。新建停车泊位2000个、增设公交站亭40座。`,
			domains: []string{"某区2023年十件惠民实事"},
			tasks:   []string{"扩充学位供给", "提升医疗服务", "改善出行条件"},
			units:   [][]string{{}},
			targets: 3,
			dues:    []gongfu.Date{""},
		},
		{
			name: "table with a schedule column",
			doc: "某区2022年民生实事项目\n序号\t实事项目\t工作举措及实施计划\t牵头单位\t配合单位\n" +
				"1\t新增婴幼儿照护服务托位500个。\t1.3月底前新增100个以上托位；2.9月底前完成500个托位。\t区卫健局\t区财政局\n" +
				"2\t建成区级智慧养老服务平台。\t1.6月底前完成招标。2.12月底前上线运行。\t区民政局\t区大数据局\n",
			domains: []string{"某区2022年民生实事项目"},
			tasks:   []string{"新增婴幼儿照护服务托位500个", "建成区级智慧养老服务平台"},
			units:   [][]string{{}},
			targets: 1,
			dues:    []gongfu.Date{"2022-03-31", "2022-09-30", "", "2022-06-30", "2022-12-31"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := extract(t, "a.txt", []byte(tt.doc))
			p := res.Plan
			var domains, tasks []string
			var units [][]string
			var dues []gongfu.Date
			for _, d := range p.Domains {
				domains = append(domains, d.Title)
				units = append(units, d.Units)
				for _, tk := range d.Tasks {
					tasks = append(tasks, tk.Title)
					for _, m := range tk.Milestones {
						dues = append(dues, m.Due)
					}
				}
			}
			if !slices.Equal(domains, tt.domains) {
				t.Errorf("domains %q, want %q", domains, tt.domains)
			}
			if !slices.Equal(tasks, tt.tasks) {
				t.Errorf("tasks %q, want %q", tasks, tt.tasks)
			}
			if !slices.EqualFunc(units, tt.units, func(a, b []string) bool { return slices.Equal(a, b) }) {
				t.Errorf("units %q, want %q", units, tt.units)
			}
			if c := p.Counts(); c.Targets != tt.targets || c.Unparsed != 0 {
				t.Errorf("%d targets, unparsed %q; want %d targets", c.Targets, p.Unparsed, tt.targets)
			}
			if !slices.Equal(dues, tt.dues) {
				t.Errorf("milestone dues %q, want %q", dues, tt.dues)
			}
			for _, d := range p.Domains {
				for _, tk := range d.Tasks {
					for _, g := range tk.Targets {
						if strings.ContainsAny(g.Name, "（(") && strings.ContainsAny(g.Name, "0123456789") {
							t.Errorf("target name %q keeps a sub-item number", g.Name)
						}
					}
				}
			}
		})
	}
}
