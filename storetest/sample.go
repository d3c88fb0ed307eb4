package storetest

import "gongfu"

// SampleOrgs returns a city and the departments SamplePlan names, parents
// first, as a caller of ImportPlan passes them. Each call returns new values.
func SampleOrgs() []*gongfu.Org {
	return []*gongfu.Org{
		{Name: "温州市", Kind: gongfu.OrgCity, Path: "温州市", Population: 964.5},
		{Name: "市教育局", Kind: gongfu.OrgDepartment, Path: "温州市/市教育局"},
		{Name: "市发展改革委", Kind: gongfu.OrgDepartment, Path: "温州市/市发展改革委"},
		{Name: "市财政局", Kind: gongfu.OrgDepartment, Path: "温州市/市财政局"},
		{Name: "市卫生健康委", Kind: gongfu.OrgDepartment, Path: "温州市/市卫生健康委"},
		{Name: "市人力社保局", Kind: gongfu.OrgDepartment, Path: "温州市/市人力社保局"},
	}
}

// SamplePlan returns a small plan exercising every field a store keeps: two
// domains, task units beside domain units (one repeated), all four target
// kinds, a ratio, a baseline, a rate with numerator and denominator,
// milestones with and without a due date, task text, a task with no items
// and unparsed sentences. Empty lists are empty, not nil, as a store gives
// them back. Each call returns a new value.
func SamplePlan() *gongfu.Plan {
	base := 78.5
	return &gongfu.Plan{
		Title:  "2020年温州市基本公共服务体系建设行动计划",
		Issuer: "温州市发展和改革委员会",
		Issued: "2020-04-26",
		Year:   2020,
		Domains: []gongfu.Domain{
			{
				No:    1,
				Title: "加快推进教育现代化工程",
				Units: []string{"市教育局", "市发展改革委", "市财政局"},
				Tasks: []gongfu.Task{
					{
						No:    1,
						Title: "加快学前教育公益普惠发展",
						Units: []string{},
						Text:  "新（扩）建幼儿园80所，普职比保持在55:45左右。",
						Targets: []gongfu.Target{
							{ID: "1.1", Name: "新（扩）建幼儿园", Kind: gongfu.KindIncrement, Op: gongfu.OpAtLeast,
								Value: 80, Unit: "所", Source: "新（扩）建幼儿园80所"},
							{ID: "1.2", Name: "普职比", Kind: gongfu.KindRatio, Op: gongfu.OpEqual,
								Value: 55.0 / 45.0, Ratio: []float64{55, 45}, Unit: "", Source: "普职比保持在55:45左右"},
						},
						Milestones: []gongfu.Milestone{
							{ID: "1.m1", Text: "制定《学前教育发展实施意见》", Due: ""},
							{ID: "1.m2", Text: "6月底前完成幼儿园布局规划", Due: "2020-06-30"},
						},
					},
					{
						No:    2,
						Title: "提升教师队伍素质",
						Units: []string{"市人力社保局", "市教育局", "市人力社保局"},
						Targets: []gongfu.Target{
							{ID: "2.1", Name: "专任教师持证率", Kind: gongfu.KindLevel, Op: gongfu.OpAtLeast,
								Value: 98.5, Unit: "%", Numerator: "持证专任教师", Denominator: "专任教师",
								Source: "专任教师持证率达到98.5%以上"},
						},
						Milestones: []gongfu.Milestone{},
					},
				},
			},
			{
				No:    2,
				Title: "健康温州建设工程",
				Units: []string{"市卫生健康委", "市财政局"},
				Tasks: []gongfu.Task{
					{
						No:    3,
						Title: "提高县域就诊率",
						Units: []string{},
						Targets: []gongfu.Target{
							{ID: "3.1", Name: "县域就诊率", Kind: gongfu.KindChange, Op: gongfu.OpAtLeast,
								Value: 1, Unit: "百分点", Baseline: &base, Source: "县域就诊率提高1个百分点"},
							{ID: "3.2", Name: "孕产妇死亡率", Kind: gongfu.KindChange, Op: gongfu.OpAtMost,
								Value: -0.2, Unit: "百分点", Source: "孕产妇死亡率下降0.2个百分点"},
						},
						Milestones: []gongfu.Milestone{
							{ID: "3.m1", Text: "年底前建成全民健康信息平台", Due: "2020-12-31"},
						},
					},
					{
						No:         4,
						Title:      "推进医养结合",
						Units:      []string{},
						Targets:    []gongfu.Target{},
						Milestones: []gongfu.Milestone{},
					},
				},
			},
		},
		Unparsed: []string{"实施“1161”工程。", "完成第六批试点。"},
	}
}
