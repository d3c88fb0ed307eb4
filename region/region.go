// Package region knows the administrative divisions a plan is written for, so
// that importing a plan can set up the areas that report against it without
// anyone typing them in: a plan issued by 温州市发展和改革委员会 is a plan for
// 温州市 and its twelve county-level units.
//
// The built-in gazetteer covers Zhejiang's 11 cities and 90 county-level units
// (the province the seed plan comes from); other hierarchies, and townships
// and villages, come from a CSV file (`gongfu org import`).
package region

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strconv"
	"strings"

	"gongfu"
)

// Province is the name of the province the built-in gazetteer covers.
const Province = "浙江省"

// zhejiang lists each city's county-level units in the order the provincial
// statistical yearbook uses (districts, then counties, then county-level cities).
var zhejiang = []struct {
	city     string
	counties []string
}{
	{"杭州市", []string{"上城区", "拱墅区", "西湖区", "滨江区", "萧山区", "余杭区", "临平区", "钱塘区", "富阳区", "临安区", "桐庐县", "淳安县", "建德市"}},
	{"宁波市", []string{"海曙区", "江北区", "北仑区", "镇海区", "鄞州区", "奉化区", "象山县", "宁海县", "余姚市", "慈溪市"}},
	{"温州市", []string{"鹿城区", "龙湾区", "瓯海区", "洞头区", "永嘉县", "平阳县", "苍南县", "文成县", "泰顺县", "瑞安市", "乐清市", "龙港市"}},
	{"嘉兴市", []string{"南湖区", "秀洲区", "嘉善县", "海盐县", "海宁市", "平湖市", "桐乡市"}},
	{"湖州市", []string{"吴兴区", "南浔区", "德清县", "长兴县", "安吉县"}},
	{"绍兴市", []string{"越城区", "柯桥区", "上虞区", "新昌县", "诸暨市", "嵊州市"}},
	{"金华市", []string{"婺城区", "金东区", "武义县", "浦江县", "磐安县", "兰溪市", "义乌市", "东阳市", "永康市"}},
	{"衢州市", []string{"柯城区", "衢江区", "常山县", "开化县", "龙游县", "江山市"}},
	{"舟山市", []string{"定海区", "普陀区", "岱山县", "嵊泗县"}},
	{"台州市", []string{"椒江区", "黄岩区", "路桥区", "三门县", "天台县", "仙居县", "温岭市", "临海市", "玉环市"}},
	{"丽水市", []string{"莲都区", "青田县", "缙云县", "遂昌县", "松阳县", "云和县", "庆元县", "景宁畲族自治县", "龙泉市"}},
}

// Cities returns the names of the gazetteer's cities.
func Cities() []string {
	out := make([]string, len(zhejiang))
	for i, c := range zhejiang {
		out[i] = c.city
	}
	return out
}

// classOf tells a county-level unit's class from its name's last character.
func classOf(name string) string {
	switch {
	case strings.HasSuffix(name, "区"):
		return "district"
	case strings.HasSuffix(name, "县"):
		return "county"
	default:
		return "county-city"
	}
}

// CityOf returns the gazetteer city that text (an issuer or a title) names,
// or "" when it names none. A bare stem also counts ("温州" in 温州发改委).
func CityOf(text string) string {
	for _, c := range zhejiang {
		if strings.Contains(text, strings.TrimSuffix(c.city, "市")) {
			return c.city
		}
	}
	return ""
}

// CityOrgs returns city and its county-level units as orgs ready to be
// ensured, or nil when the city is not in the gazetteer.
func CityOrgs(city string) []*gongfu.Org {
	for _, c := range zhejiang {
		if c.city != city {
			continue
		}
		out := []*gongfu.Org{{Name: city, Kind: gongfu.OrgCity, Path: city}}
		for _, n := range c.counties {
			out = append(out, &gongfu.Org{Name: n, Kind: gongfu.OrgCounty, Class: classOf(n), Path: city + "/" + n})
		}
		return out
	}
	return nil
}

// PlanOrgs returns the orgs a plan needs: its city and counties when the
// issuer or title names a gazetteer city, and one department for each
// responsible unit the plan names, under the city (or at the root when the
// city is unknown).
func PlanOrgs(p *gongfu.Plan) []*gongfu.Org {
	city := CityOf(p.Issuer)
	if city == "" {
		city = CityOf(p.Title)
	}
	orgs := CityOrgs(city)
	for _, u := range p.AllUnits() {
		path := u
		if city != "" {
			path = city + "/" + u
		}
		orgs = append(orgs, &gongfu.Org{Name: u, Kind: gongfu.OrgDepartment, Path: path})
	}
	return orgs
}

// csvKinds maps the kind column of an org CSV to an org kind and class.
var csvKinds = map[string]struct {
	kind  gongfu.OrgKind
	class string
}{
	"province":    {gongfu.OrgProvince, ""},
	"city":        {gongfu.OrgCity, ""},
	"district":    {gongfu.OrgCounty, "district"},
	"county":      {gongfu.OrgCounty, "county"},
	"county-city": {gongfu.OrgCounty, "county-city"},
	"township":    {gongfu.OrgTownship, ""},
	"village":     {gongfu.OrgVillage, ""},
	"department":  {gongfu.OrgDepartment, ""},
}

// ParseCSV reads orgs from CSV with a header: name,kind,parent and optionally
// population_10k… (the first column whose name starts with "population").
// parent is the parent's name or path; parents must come before children.
// Kinds: province, city, district, county, county-city, township, village,
// department. All problems are reported together, by line.
func ParseCSV(data []byte) ([]*gongfu.Org, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	head, err := r.Read()
	if err != nil {
		return nil, gongfu.Failf(gongfu.EINVALID, "组织表为空或不是 CSV")
	}
	col := map[string]int{}
	for i, h := range head {
		h = strings.TrimSpace(h)
		if strings.HasPrefix(h, "population") {
			h = "population"
		}
		if _, dup := col[h]; !dup {
			col[h] = i
		}
	}
	for _, need := range []string{"name", "kind", "parent"} {
		if _, ok := col[need]; !ok {
			return nil, gongfu.Failf(gongfu.EINVALID, "组织表缺少 %s 列（需要 name,kind,parent）", need)
		}
	}
	get := func(rec []string, name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	var orgs []*gongfu.Org
	var bad []string
	paths := map[string]string{} // name or path -> path
	for line := 2; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			bad = append(bad, gongfu.Detailf("第 %d 行无法读取", line))
			continue
		}
		name, kind, parent := get(rec, "name"), get(rec, "kind"), get(rec, "parent")
		k, ok := csvKinds[kind]
		if !ok {
			bad = append(bad, gongfu.Detailf("第 %d 行：类型 %q 无效", line, kind))
			continue
		}
		o := &gongfu.Org{Name: name, Kind: k.kind, Class: k.class, Path: name}
		if parent != "" {
			pp, ok := paths[parent]
			if !ok {
				bad = append(bad, gongfu.Detailf("第 %d 行：上级 %q 未在前面出现", line, parent))
				continue
			}
			o.Path = pp + "/" + name
		}
		if s := get(rec, "population"); s != "" {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				bad = append(bad, gongfu.Detailf("第 %d 行：人口 %q 不是数字", line, s))
				continue
			}
			o.Population = v
		}
		if err := o.Validate(); err != nil {
			bad = append(bad, "第 "+strconv.Itoa(line)+" 行："+gongfu.ErrorMessage(err))
			continue
		}
		paths[name], paths[o.Path] = o.Path, o.Path
		orgs = append(orgs, o)
	}
	if len(bad) > 0 {
		e := gongfu.Failf(gongfu.EINVALID, "组织表有 %d 处错误", len(bad))
		e.Details = bad
		return nil, e
	}
	return orgs, nil
}
