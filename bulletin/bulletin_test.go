package bulletin

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/xml"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gongfu"
	"gongfu/eval"

	"github.com/xuri/excelize/v2"
)

func fp(v float64) *float64 { return &v }

// sample is a bulletin input with every kind of row: done, red and yellow
// city-wide items under two units, county rows, a milestone, grey and
// green rows, and names holding XML's special characters.
func sample() Input {
	p := &gongfu.Plan{
		Title: "2020年温州市基本公共服务体系建设行动计划", Issuer: "温州市发展和改革委员会", Year: 2020,
		Domains: []gongfu.Domain{
			{No: 1, Title: "教育", Units: []string{"市教育局"}, Tasks: []gongfu.Task{{No: 1, Title: "学前",
				Targets: []gongfu.Target{
					{ID: "1.1", Name: "新（扩）建幼儿园", Kind: gongfu.KindIncrement, Op: gongfu.OpAtLeast, Value: 80, Unit: "所"},
					{ID: "1.2", Name: "普职比", Kind: gongfu.KindRatio, Op: gongfu.OpEqual, Value: 55.0 / 45, Ratio: []float64{55, 45}},
					{ID: "1.3", Name: "普惠性幼儿园占比", Kind: gongfu.KindLevel, Op: gongfu.OpAtLeast, Value: 90, Unit: "%"},
				},
				Milestones: []gongfu.Milestone{{ID: "1.m1", Text: "布局规划", Due: "2020-04-30"}},
			}}},
			{No: 2, Title: "就业 <R&D>", Units: []string{"市人力社保局"}, Tasks: []gongfu.Task{{No: 2, Title: "就业",
				Targets: []gongfu.Target{
					{ID: "2.1", Name: "新增城镇就业 <A&B>", Kind: gongfu.KindIncrement, Op: gongfu.OpAtLeast, Value: 100000, Unit: "人"},
					{ID: "2.2", Name: "城镇登记失业率", Kind: gongfu.KindLevel, Op: gongfu.OpAtMost, Value: 2.8, Unit: "%"},
				},
			}}},
		},
	}
	rows := []eval.Row{
		{ID: "1.1", Name: "新（扩）建幼儿园", Kind: "increment", Value: fp(20), Target: fp(80), Unit: "所", Completion: fp(25), TimeProgress: 41.7, Light: eval.LightYellow, Reason: "完成率25%，低于序时进度", DomainNo: 1, TaskNo: 1},
		{ID: "1.1", Name: "新（扩）建幼儿园", Kind: "increment", Org: "鹿城区", Value: fp(1), Target: fp(20), Unit: "所", Completion: fp(5), TimeProgress: 41.7, Light: eval.LightRed, Reason: "县级红灯", DomainNo: 1, TaskNo: 1},
		{ID: "1.2", Name: "普职比", Kind: "ratio", Value: fp(1.2), Target: fp(55.0 / 45), Completion: fp(100), TimeProgress: 41.7, Light: eval.LightDone, DomainNo: 1, TaskNo: 1},
		{ID: "1.3", Name: "普惠性幼儿园占比", Kind: "level", Unit: "%", Target: fp(90), TimeProgress: 41.7, Light: eval.LightGrey, DomainNo: 1, TaskNo: 1},
		{ID: "1.m1", Name: "布局规划", Kind: "milestone", Completion: fp(30), TimeProgress: 100, Light: eval.LightRed, Reason: "已过时限未完成", DomainNo: 1, TaskNo: 1},
		{ID: "2.1", Name: "新增城镇就业 <A&B>", Kind: "increment", Value: fp(10000), Target: fp(100000), Unit: "人", Completion: fp(10), TimeProgress: 41.7, Light: eval.LightRed, Reason: "完成率10% & 严重滞后", DomainNo: 2, TaskNo: 2},
		{ID: "2.2", Name: "城镇登记失业率", Kind: "level", Value: fp(2.5), Target: fp(2.8), Unit: "%", Completion: fp(112), TimeProgress: 41.7, Light: eval.LightDone, DomainNo: 2, TaskNo: 2},
		{ID: "2.2", Name: "城镇登记失业率", Kind: "level", Org: "瑞安市", Value: fp(2.9), Target: fp(2.8), Unit: "%", Completion: fp(96.6), TimeProgress: 41.7, Light: eval.LightYellow, DomainNo: 2, TaskNo: 2},
	}
	a := &eval.Assessment{
		Plan: eval.PlanResult{Title: p.Title, Year: 2020, At: "2020-06-06", DuePeriod: "2020-05", TimeProgress: 41.7,
			Completion: fp(58.75), Light: eval.LightRed, Lights: map[string]int{"done": 2, "yellow": 1, "red": 2, "grey": 1}},
		Targets: rows,
		Domains: []eval.DomainResult{
			{No: 1, Title: "教育", Completion: fp(62.5), Light: eval.LightRed},
			{No: 2, Title: "就业 <R&D>", Completion: fp(55), Light: eval.LightRed},
		},
	}
	return Input{
		Plan: p, Period: gongfu.MonthPeriod(2020, 5), Assessment: a,
		Units:   map[string]string{"1.1": "市教育局", "1.2": "市教育局", "1.m1": "市教育局", "2.1": "市人力社保局 & <就业处>", "2.2": "市人力社保局"},
		Missing: []Unmet{{Org: "瑞安市", Items: []string{"1.1", "1.3"}}, {Org: "市民政局", Items: []string{"2.m1"}}},
		Issuer:  "温州市发展和改革委员会", Date: time.Date(2020, 6, 8, 0, 0, 0, 0, time.UTC), AsOf: time.Date(2020, 6, 5, 0, 0, 0, 0, time.UTC),
	}
}

// before fails t unless every string appears in text, each after the one
// before it.
func before(t *testing.T, text string, parts ...string) {
	t.Helper()
	pos := 0
	for _, p := range parts {
		i := strings.Index(text[pos:], p)
		if i < 0 {
			t.Errorf("%q missing or out of order (after byte %d)\n%s", p, pos, text)
			return
		}
		pos += i + len(p)
	}
}

func TestBuildOrderAndContent(t *testing.T) {
	b := Build(sample())
	if want := "《2020年温州市基本公共服务体系建设行动计划》实施情况月度通报（2020年5月）"; b.Title != want {
		t.Errorf("title = %q, want %q", b.Title, want)
	}
	if b.Date != "2020年6月8日" || b.Issuer != "温州市发展和改革委员会" {
		t.Errorf("issuer and date = %q %q", b.Issuer, b.Date)
	}
	var heads []string
	for _, s := range b.Sections {
		heads = append(heads, s.Heading)
	}
	if strings.Join(heads, "|") != "一、总体进展|二、已完成事项|三、滞后事项|四、未按时报送单位" {
		t.Errorf("sections = %v", heads)
	}
	text := b.Text()
	before(t, text,
		"截至2020年6月5日（报送截止日）",
		"一、总体进展", "序时进度为41.7%", "平均完成率58.8%", "快于序时进度17.1个百分点",
		"已完成2项，绿灯0项，黄灯1项，红灯2项，未报1项",
		"二、已完成事项", "1.2\t普职比\t55:45", "2.2\t城镇登记失业率\t≤ 2.8%\t2.5%\t112.0%\t市人力社保局",
		"三、滞后事项", "红灯事项3项，黄灯事项2项",
		// Red before yellow; city-wide items by lead unit, then counties.
		"（一）红灯事项", "1. 市教育局（1项）", "1.m1\t布局规划\t全市\t时限 2020-04-30",
		"2. 市人力社保局 & <就业处>（1项）", "2.1\t新增城镇就业 <A&B>",
		"3. 鹿城区（1项）", "1.1\t新（扩）建幼儿园\t鹿城区\t≥ 20 所\t1 所\t5.0%\t41.7%",
		"（二）黄灯事项", "1. 市教育局（1项）", "1.1\t新（扩）建幼儿园\t全市\t≥ 80 所\t20 所\t25.0%",
		"2. 瑞安市（1项）",
		"四、未按时报送单位", "仍有2个单位未按时报送2020年5月数据，合计3项", "1\t瑞安市\t2\t1.1、1.3", "2\t市民政局\t1\t2.m1",
		"温州市发展和改革委员会", "2020年6月8日")
	// Each domain's lights are counted from its own rows.
	before(t, text, "1\t教育\t62.5%\t红灯\t1\t0\t1\t1\t1", "2\t就业 <R&D>\t55.0%\t红灯\t1\t0\t0\t1\t0")
}

func TestEmptySectionsSayNone(t *testing.T) {
	in := sample()
	var rows []eval.Row
	for _, r := range in.Assessment.Targets {
		r.Light = eval.LightGreen
		rows = append(rows, r)
	}
	in.Assessment.Targets = rows
	in.Missing = nil
	b := Build(in)
	for _, s := range b.Sections[1:] {
		if len(s.Blocks) != 1 || s.Blocks[0].Text != None {
			t.Errorf("%s = %+v, want only %q", s.Heading, s.Blocks, None)
		}
	}
	// Yellow without red: the red subsection says 无.
	in = sample()
	rows = nil
	for _, r := range in.Assessment.Targets {
		if r.Light == eval.LightRed {
			r.Light = eval.LightGreen
		}
		rows = append(rows, r)
	}
	in.Assessment.Targets = rows
	before(t, Build(in).Text(), "三、滞后事项", "（一）红灯事项", "无。", "（二）黄灯事项", "1. 市教育局（1项）")
	// Nothing at all still makes a bulletin.
	b = Build(Input{Period: gongfu.MonthPeriod(2020, 5)})
	if len(b.Sections) != 4 || !strings.Contains(b.Text(), "暂无可计算的完成率") {
		t.Errorf("empty bulletin:\n%s", b.Text())
	}
}

func TestNumeralsAndFormats(t *testing.T) {
	for n, want := range map[int]string{1: "一", 4: "四", 10: "十", 11: "十一", 20: "二十", 23: "二十三", 99: "九十九", 100: "100", 0: "0"} {
		if got := Numeral(n); got != want {
			t.Errorf("Numeral(%d) = %q, want %q", n, got, want)
		}
	}
	for x, want := range map[float64]string{41.66: "41.7%", 100: "100.0%", 0: "0.0%", -0.01: "0.0%", 469.04: "469.0%"} {
		if got := Percent(x); got != want {
			t.Errorf("Percent(%v) = %q, want %q", x, got, want)
		}
	}
	if got := PeriodLabel(gongfu.Period{Year: 2020, Freq: gongfu.Quarterly, Index: 2}); got != "2020年第2季度" {
		t.Errorf("quarter label = %q", got)
	}
}

// docxText reads word/document.xml of a .docx back as text: one line per
// paragraph, table cells separated by tabs. It fails t when the part is not
// well-formed XML.
func docxText(t *testing.T, data []byte) string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("not a zip: %v", err)
	}
	parts := map[string]bool{}
	var doc []byte
	for _, f := range zr.File {
		parts[f.Name] = true
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(rc)
		rc.Close()
		// Every part must be well-formed XML.
		dec := xml.NewDecoder(bytes.NewReader(body))
		for {
			if _, err := dec.Token(); err == io.EOF {
				break
			} else if err != nil {
				t.Fatalf("%s is not well-formed: %v", f.Name, err)
			}
		}
		if f.Name == "word/document.xml" {
			doc = body
		}
	}
	for _, p := range []string{"[Content_Types].xml", "_rels/.rels", "word/_rels/document.xml.rels", "word/document.xml", "word/styles.xml"} {
		if !parts[p] {
			t.Errorf("docx lacks %s", p)
		}
	}
	var sb strings.Builder
	dec := xml.NewDecoder(bytes.NewReader(doc))
	inText, cells := false, 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		switch v := tok.(type) {
		case xml.StartElement:
			switch v.Name.Local {
			case "t":
				inText = true
			case "tr":
				cells = 0
			case "tc":
				if cells > 0 {
					sb.WriteByte('\t')
				}
				cells++
			}
		case xml.EndElement:
			switch v.Name.Local {
			case "t":
				inText = false
			case "p":
				if cells == 0 {
					sb.WriteByte('\n')
				}
			case "tr":
				sb.WriteByte('\n')
				cells = 0
			}
		case xml.CharData:
			if inText {
				sb.Write(v)
			}
		}
	}
	return sb.String()
}

func TestDOCXRoundTrip(t *testing.T) {
	b := Build(sample())
	var buf bytes.Buffer
	if err := WriteDOCX(&buf, b); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(buf.Bytes(), []byte("word/document.xml")) {
		t.Fatal("no document part")
	}
	got := docxText(t, buf.Bytes())
	// Every paragraph and table row of the model, in order, escaped and
	// read back intact.
	var want []string
	for _, line := range strings.Split(strings.TrimSpace(b.Text()), "\n") {
		want = append(want, line)
	}
	before(t, got, want...)
	if !strings.Contains(got, "新增城镇就业 <A&B>") || !strings.Contains(got, "市人力社保局 & <就业处>") {
		t.Errorf("names with < and & did not survive:\n%s", got)
	}
	raw := buf.String()
	if strings.Contains(raw, "<A&B>") {
		t.Error("unescaped < or & in the package")
	}
	// The same bulletin writes the same bytes.
	var again bytes.Buffer
	WriteDOCX(&again, b)
	if !bytes.Equal(buf.Bytes(), again.Bytes()) {
		t.Error("two writes of one bulletin differ")
	}
}

// TestDOCXOpensInLibreOffice converts the document to PDF with LibreOffice
// when it is installed: the strongest check that the package is valid.
func TestDOCXOpensInLibreOffice(t *testing.T) {
	soffice, err := exec.LookPath("soffice")
	if err != nil {
		if soffice, err = exec.LookPath("libreoffice"); err != nil {
			t.Skip("LibreOffice is not installed")
		}
	}
	if testing.Short() {
		t.Skip("slow")
	}
	dir := t.TempDir()
	b := Build(sample())
	for _, f := range []struct {
		name  string
		write func(io.Writer, *Bulletin) error
	}{{"b.docx", WriteDOCX}, {"b.xlsx", WriteXLSX}} {
		var buf bytes.Buffer
		if err := f.write(&buf, b); err != nil {
			t.Fatal(err)
		}
		in := filepath.Join(dir, f.name)
		if err := os.WriteFile(in, buf.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, soffice, "--headless", "-env:UserInstallation=file://"+filepath.Join(dir, "profile"),
			"--convert-to", "pdf", "--outdir", dir, in)
		out, err := cmd.CombinedOutput()
		pdf := strings.TrimSuffix(in, filepath.Ext(in)) + ".pdf"
		st, statErr := os.Stat(pdf)
		if err != nil || statErr != nil || st.Size() < 1000 {
			t.Errorf("LibreOffice could not convert %s: %v %v\n%s", f.name, err, statErr, out)
		}
		os.Remove(pdf)
	}
}

func TestXLSXRoundTrip(t *testing.T) {
	b := Build(sample())
	var buf bytes.Buffer
	if err := WriteXLSX(&buf, b); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if strings.Join(sheets, "|") != "一、总体进展|二、已完成事项|三、滞后事项|四、未按时报送单位" {
		t.Fatalf("sheets = %v", sheets)
	}
	text := func(sheet string) string {
		rows, err := f.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		var sb strings.Builder
		for _, r := range rows {
			sb.WriteString(strings.Join(r, "\t"))
			sb.WriteByte('\n')
		}
		return sb.String()
	}
	before(t, text(sheets[0]), b.Title, "温州市发展和改革委员会　2020年6月8日", "一、总体进展", "序号\t领域\t完成率", "2\t就业 <R&D>\t55.0%")
	before(t, text(sheets[1]), "二、已完成事项", "序号\t编号\t事项", "1\t1.2\t普职比\t55:45")
	// One list: red before yellow, each row carrying its light and unit.
	lag := text(sheets[2])
	before(t, lag, "红灯事项3项", "亮灯\t责任单位或地区\t编号",
		"红灯\t市教育局\t1.m1", "红灯\t市人力社保局 & <就业处>\t2.1\t新增城镇就业 <A&B>", "红灯\t鹿城区\t1.1",
		"黄灯\t市教育局\t1.1", "黄灯\t瑞安市\t2.2")
	if strings.Contains(lag, "（一）") {
		t.Errorf("the list sheet repeats the subheadings:\n%s", lag)
	}
	before(t, text(sheets[3]), "四、未按时报送单位", "仍有2个单位", "1\t瑞安市\t2\t1.1、1.3")

	// Header rows are bold and frozen.
	for _, c := range []struct {
		sheet string
		row   int
	}{{sheets[1], 0}, {sheets[2], 0}} {
		rows, _ := f.GetRows(c.sheet)
		header := 0
		for i, r := range rows {
			if len(r) > 1 && (r[0] == "序号" || r[0] == "亮灯") {
				header = i + 1
				break
			}
		}
		if header == 0 {
			t.Fatalf("%s: no header row", c.sheet)
		}
		panes, err := f.GetPanes(c.sheet)
		if err != nil || !panes.Freeze || panes.YSplit != header {
			t.Errorf("%s: panes %+v %v, want frozen below row %d", c.sheet, panes, err, header)
		}
		id, _ := f.GetCellStyle(c.sheet, cellName(1, header))
		st, _ := f.GetStyle(id)
		if st == nil || st.Font == nil || !st.Font.Bold {
			t.Errorf("%s: header not bold", c.sheet)
		}
	}
	// Empty sections say 无 here too.
	in := sample()
	in.Missing = nil
	buf.Reset()
	WriteXLSX(&buf, Build(in))
	f2, _ := excelize.OpenReader(&buf)
	defer f2.Close()
	if v, _ := f2.GetCellValue("四、未按时报送单位", "A3"); v != None {
		t.Errorf("empty section A3 = %q, want %q", v, None)
	}
}
