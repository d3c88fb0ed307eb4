package region

import (
	"testing"

	"gongfu"
	"gongfu/demo"
)

func TestGazetteerSize(t *testing.T) {
	cities, counties := 0, 0
	for _, c := range Cities() {
		cities++
		counties += len(CityOrgs(c)) - 1
	}
	if cities != 11 || counties != 90 {
		t.Fatalf("gazetteer has %d cities and %d counties, want 11 and 90", cities, counties)
	}
}

func TestCityOf(t *testing.T) {
	for text, want := range map[string]string{
		"温州市发展和改革委员会":         "温州市",
		"2023年丽水市基本公共服务行动计划":  "丽水市",
		"关于印发宁波基本公共服务工作要点的通知": "宁波市",
		"某某县人民政府":             "",
	} {
		if got := CityOf(text); got != want {
			t.Errorf("CityOf(%q) = %q, want %q", text, got, want)
		}
	}
}

func TestPlanOrgs(t *testing.T) {
	p := &gongfu.Plan{Issuer: "温州市发展和改革委员会", Title: "x", Domains: []gongfu.Domain{
		{Units: []string{"市教育局", "市财政局"}, Tasks: []gongfu.Task{{Units: []string{"市教育局", "市残联"}}}},
	}}
	orgs := PlanOrgs(p)
	if len(orgs) != 1+12+3 {
		t.Fatalf("got %d orgs, want 16", len(orgs))
	}
	last := orgs[len(orgs)-1]
	if last.Path != "温州市/市残联" || last.Kind != gongfu.OrgDepartment {
		t.Errorf("last org = %+v", last)
	}
	for _, o := range orgs {
		if err := o.Validate(); err != nil {
			t.Errorf("%s: %v", o.Path, err)
		}
	}
}

func TestParseCSVDemo(t *testing.T) {
	orgs, err := ParseCSV(demo.CountiesCSV)
	if err != nil {
		t.Fatal(err)
	}
	if len(orgs) != 13 {
		t.Fatalf("got %d orgs, want 13", len(orgs))
	}
	if o := orgs[1]; o.Path != "温州市/鹿城区" || o.Class != "district" || o.Population != 118.95 {
		t.Errorf("鹿城区 = %+v", o)
	}
	if o := orgs[10]; o.Name != "瑞安市" || o.Class != "county-city" || o.Kind != gongfu.OrgCounty {
		t.Errorf("瑞安市 = %+v", o)
	}
}

func TestParseCSVErrors(t *testing.T) {
	for name, in := range map[string]string{
		"empty":          "",
		"no parent col":  "name,kind\n温州市,city\n",
		"unknown kind":   "name,kind,parent\n温州市,metropolis,\n",
		"parent missing": "name,kind,parent\n鹿城区,district,温州市\n",
		"bad population": "name,kind,parent,population_10k\n温州市,city,,many\n",
		"slash in name":  "name,kind,parent\na/b,city,\n",
	} {
		if _, err := ParseCSV([]byte(in)); gongfu.ErrorCode(err) != gongfu.EINVALID {
			t.Errorf("%s: err = %v, want EINVALID", name, err)
		}
	}
}
