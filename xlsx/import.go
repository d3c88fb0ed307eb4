package xlsx

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"gongfu"
)

// Filled is a filled-in report template as read from its workbook: what it
// was made for (from the hidden meta sheet) and the rows with figures.
type Filled struct {
	PlanID, OrgID int64
	Period        string
	// PlanTitle and OrgName are what the template was written for, so that
	// an importer can notice a template made from another database.
	PlanTitle, OrgName string
	Rows               []FilledRow
	// Skipped counts the item rows left without figures.
	Skipped int
}

// FilledRow is one row of a filled template that holds figures. Numbers
// not given are nil; Stage is "" when not given.
type FilledRow struct {
	Sheet  string
	Row    int
	ItemID string

	Value, Numerator, Denominator, Percent *float64

	Stage        gongfu.Stage
	Note, Reason string
}

// ImportTemplate reads a report template filled in from r, refusing with
// ETOOLARGE files larger than maxBytes (MaxFileSize when maxBytes ≤ 0)
// before parsing them, workbooks that unzip to more than MaxUnzipSize (a
// decompression bomb), whose XML holds far more cells than a template
// could (millions of empty cells zip to a few hundred kilobytes), or whose
// sheet has more than MaxRows rows of data. Anything that is not a
// readable xlsx workbook, or not a gongfu template, is EINVALID; no input
// makes it panic.
//
// Every problem in the sheet is reported at once as one EINVALID error
// whose Details name the sheet, row and column of each: a header that is
// not the template's (by column), text in a number cell, an unknown stage,
// a missing or repeated item id, data outside the template's columns and
// merged cells in the data area. Rows whose input columns (本期累计值 to 原因)
// are all empty are skipped. ImportTemplate does not judge the figures
// against the plan; see gongfu.Report.CheckFigures.
func ImportTemplate(r io.Reader, maxBytes int64) (*Filled, error) {
	return ImportTemplateProgress(r, maxBytes, nil)
}

// ImportTemplateProgress is ImportTemplate telling progress, when not nil,
// how far it has read the data sheet: the rows read so far and the rows
// the sheet has (0 when they could not be counted beforehand), once the
// workbook is open, as each row is read, and once more at the end of the
// sheet. It is called on the caller's goroutine and changes nothing of
// what is read or refused.
func ImportTemplateProgress(r io.Reader, maxBytes int64, progress func(read, total int)) (out *Filled, err error) {
	if maxBytes <= 0 {
		maxBytes = MaxFileSize
	}
	// excelize is large; whatever a crafted file makes it do, the caller
	// gets an error, not a crash.
	defer func() {
		if v := recover(); v != nil {
			if onPanic != nil {
				onPanic(v)
			}
			out, err = nil, corrupt()
		}
	}()
	data, err := io.ReadAll(io.LimitReader(r, maxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read workbook: %w", err)
	}
	if int64(len(data)) > maxBytes {
		return nil, gongfu.Failf(gongfu.ETOOLARGE, "文件太大，上限 %s", sizeText(maxBytes))
	}
	zr, err := checkZip(data)
	if err != nil {
		return nil, err
	}
	// The data sheet's part, when it can be found the simple way, is
	// bounded before excelize parses it, and searched for merged cells.
	part := locateSheet(zr, TemplateSheet)
	sheetRows := 0
	if part != nil {
		switch n := countTags(part, maxTags, &sheetRows); {
		case n < 0:
			return nil, corrupt()
		case n > maxTags:
			return nil, gongfu.Failf(gongfu.ETOOLARGE, "“%s”表的单元格过多，不予读取", TemplateSheet)
		}
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{
		UnzipSizeLimit:    MaxUnzipSize,
		UnzipXMLSizeLimit: MaxUnzipXMLSize,
		RawCellValue:      true,
	})
	if err != nil {
		if strings.Contains(err.Error(), "unzip size") {
			return nil, tooBig()
		}
		return nil, corrupt()
	}
	defer f.Close()

	out = &Filled{}
	if err := readMeta(f, out); err != nil {
		return nil, err
	}
	if progress == nil {
		progress = func(int, int) {}
	}
	if err := readRows(f, part, out, sheetRows, progress); err != nil {
		return nil, err
	}
	return out, nil
}

// onPanic, when set, sees what a recovered panic carried. The fuzz tests
// set it: the recovery keeps a crafted file from crashing the server, and
// would also hide from the fuzzer the bug behind the crash.
var onPanic func(v any)

// corrupt is the error for a file that is not a readable workbook.
func corrupt() error {
	return gongfu.Failf(gongfu.EINVALID, "无法读取该文件：不是有效的 xlsx 工作簿，或文件已损坏")
}

// tooBig is the error for a workbook that unzips to too much.
func tooBig() error {
	return gongfu.Failf(gongfu.ETOOLARGE, "工作簿解压后超过 %s，不予读取（可能是压缩炸弹）", sizeText(MaxUnzipSize))
}

// sizeText shows a byte count in the largest whole unit.
func sizeText(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}

// checkZip looks at the zip before excelize unzips anything: an xlsx is a
// zip whose parts' declared sizes must add up to a sane total (archive/zip
// refuses to inflate a part beyond its declared size, so a part lying about
// its size fails here as corrupt), and whose XML, all parts together, holds
// a sane number of tags.
func checkZip(data []byte) (*zip.Reader, error) {
	if bytes.HasPrefix(data, []byte{0xD0, 0xCF, 0x11, 0xE0}) {
		return nil, gongfu.Failf(gongfu.EINVALID, "这是旧版 .xls 或加密的工作簿，请在 Excel 中另存为 .xlsx（不设密码）后再导入")
	}
	if !bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		return nil, corrupt()
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, corrupt()
	}
	if len(zr.File) > 10000 {
		return nil, corrupt()
	}
	var total uint64
	for _, zf := range zr.File {
		total += zf.UncompressedSize64
		if zf.UncompressedSize64 > MaxUnzipSize || total > MaxUnzipSize {
			return nil, tooBig()
		}
	}
	// excelize decodes the shared strings, styles and other parts whole;
	// bound their elements too, all parts together.
	tags := 0
	for _, zf := range zr.File {
		n := countTags(zf, maxTotalTags-tags, nil)
		if n < 0 {
			return nil, corrupt()
		}
		if tags += n; tags > maxTotalTags {
			return nil, gongfu.Failf(gongfu.ETOOLARGE, "工作簿内容过多，不予读取")
		}
	}
	return zr, nil
}

// readMeta reads the hidden sheet naming plan, org and period.
func readMeta(f *excelize.File, out *Filled) error {
	notTemplate := gongfu.Failf(gongfu.EINVALID, "该工作簿不是 gongfu 导出的填报模板（缺少 %s 工作表），请用 gongfu export template 生成模板", MetaSheet)
	if i, err := f.GetSheetIndex(MetaSheet); err != nil || i < 0 {
		return notTemplate
	}
	rows, err := f.Rows(MetaSheet)
	if err != nil {
		return corrupt()
	}
	defer rows.Close()
	meta := map[string]string{}
	for n := 0; n < 50 && rows.Next(); n++ {
		cells, err := rows.Columns()
		if err != nil {
			return corrupt()
		}
		if len(cells) >= 2 {
			meta[trimCell(cells[0])] = trimCell(cells[1])
		}
	}
	if meta["format"] != templateFormat {
		return notTemplate
	}
	var p problems
	id := func(key string, row int) int64 {
		v, err := strconv.ParseInt(meta[key], 10, 64)
		if err != nil || v <= 0 {
			p.addf(MetaSheet, row, 2, "%s “%s” 不是有效的编号", key, quote(meta[key]))
		}
		return v
	}
	out.PlanID, out.OrgID = id("plan_id", 2), id("org_id", 4)
	out.PlanTitle, out.OrgName = meta["plan_title"], meta["org_name"]
	if per, err := gongfu.ParsePeriod(meta["period"]); err != nil {
		p.addf(MetaSheet, 6, 2, "报告期 “%s” 无效", quote(meta["period"]))
	} else {
		out.Period = per.String()
	}
	if p.count() > 0 {
		e := gongfu.Failf(gongfu.EINVALID, "模板的 %s 工作表已被改动，无法识别", MetaSheet)
		e.Details = p.details()
		return e
	}
	return nil
}

// readRows streams TemplateSheet into out.Rows, collecting every problem.
// part is the sheet's part in the zip, nil when locateSheet did not find it;
// total is its count of rows (0 when not known), for progress.
func readRows(f *excelize.File, part *zip.File, out *Filled, total int, progress func(read, total int)) error {
	sheet := TemplateSheet
	if i, err := f.GetSheetIndex(sheet); err != nil || i < 0 {
		return gongfu.Failf(gongfu.EINVALID, "工作簿中没有“%s”工作表", sheet)
	}
	rows, err := f.Rows(sheet)
	if err != nil {
		return corrupt()
	}
	defer rows.Close()
	var p problems
	header, nrows, row := 0, 0, 0
	badHeader := false
	firstRow, first := 0, []string(nil) // the first row with text
	seen := map[string]int{}            // item id → row
	progress(0, total)
	for rows.Next() {
		row++
		progress(row, max(total, row))
		cells, err := rows.Columns()
		if err != nil {
			return corrupt()
		}
		for i := range cells {
			cells[i] = trimCell(cells[i])
		}
		if empty(cells) {
			continue
		}
		if header == 0 {
			// The header is the row starting with 编号, below any title
			// rows a reporter may have added; when none of the first rows
			// starts so, the first row with text is taken for a damaged
			// header. Nothing below a wrong header can be read.
			if firstRow == 0 {
				firstRow, first = row, cells
			}
			if len(cells) > 0 && strings.Join(strings.Fields(cells[0]), "") == TemplateHeader[0] {
				header = row
			} else if row < headerSearch {
				continue
			} else {
				header, cells = firstRow, first
			}
			if badHeader = checkHeader(&p, sheet, header, cells); badHeader {
				break
			}
			continue
		}
		if nrows++; nrows > MaxRows {
			return gongfu.Failf(gongfu.ETOOLARGE, "“%s”表超过 %d 行数据", sheet, MaxRows)
		}
		switch fr, st := readRow(&p, sheet, row, cells, seen); st {
		case rowFilled:
			out.Rows = append(out.Rows, fr)
		case rowSkipped:
			out.Skipped++
		}
	}
	if rows.Error() != nil {
		return corrupt()
	}
	progress(row, max(total, row))
	if header == 0 && firstRow > 0 {
		header, badHeader = firstRow, checkHeader(&p, sheet, firstRow, first)
	}
	if header == 0 {
		p.addf(sheet, 1, 0, "表头缺失：第一行应为 %s", strings.Join(TemplateHeader, "、"))
	} else if !badHeader {
		checkMerges(f, part, &p, sheet, header)
	}
	if p.count() > 0 {
		e := gongfu.Failf(gongfu.EINVALID, "“%s”表有 %d 处问题，请改正后重新导入", sheet, p.count())
		e.Details = p.details()
		return e
	}
	return nil
}

// empty reports whether no cell has text.
func empty(cells []string) bool {
	for _, c := range cells {
		if c != "" {
			return false
		}
	}
	return true
}

// checkHeader compares a header row with TemplateHeader, column by column,
// and reports whether it is wrong.
func checkHeader(p *problems, sheet string, row int, cells []string) bool {
	bad := false
	for i, want := range TemplateHeader {
		got := ""
		if i < len(cells) {
			got = strings.Join(strings.Fields(cells[i]), "")
		}
		switch {
		case got == want:
		case got == "":
			p.addf(sheet, row, i+1, "缺少列“%s”", want)
			bad = true
		default:
			p.addf(sheet, row, i+1, "列名应为“%s”，实为“%s”", want, quote(got))
			bad = true
		}
	}
	for i := numCols; i < len(cells); i++ {
		if cells[i] != "" {
			p.addf(sheet, row, i+1, "多余的列“%s”，模板只有 A–%s 列", quote(cells[i]), colName(numCols))
			bad = true
		}
	}
	return bad
}

// rowState is what became of a data row.
type rowState int

const (
	rowFilled  rowState = iota // it holds figures
	rowSkipped                 // its inputs are empty
	rowBad                     // it has problems
)

// readRow reads one data row, adding its problems to p.
func readRow(p *problems, sheet string, row int, cells []string, seen map[string]int) (FilledRow, rowState) {
	get := func(col int) string {
		if col-1 < len(cells) {
			return cells[col-1]
		}
		return ""
	}
	fr := FilledRow{Sheet: sheet, Row: row, ItemID: get(colID)}
	before := p.count()
	for c := numCols + 1; c <= len(cells); c++ {
		if cells[c-1] != "" {
			p.addf(sheet, row, c, "模板外的列有内容“%s”，请删除或移到“说明”列", quote(cells[c-1]))
		}
	}
	filled := false
	for c := colValue; c <= colReason; c++ {
		if get(c) != "" {
			filled = true
		}
	}
	if !filled {
		if p.count() > before {
			return fr, rowBad
		}
		return fr, rowSkipped
	}
	if fr.ItemID == "" {
		p.addf(sheet, row, colID, "缺少编号，无法确定填报的是哪一项")
	} else if first, ok := seen[fr.ItemID]; ok {
		p.addf(sheet, row, colID, "编号 %s 与第 %d 行重复", quote(fr.ItemID), first)
	} else {
		seen[fr.ItemID] = row
	}
	num := func(col int) *float64 {
		s := get(col)
		if s == "" {
			return nil
		}
		v, zh, en := parseNumber(s)
		if zh != "" {
			p.add(sheet, row, col, zh, en)
			return nil
		}
		return &v
	}
	fr.Value, fr.Numerator, fr.Denominator, fr.Percent = num(colValue), num(colNumerator), num(colDenominator), num(colPercent)
	if s := get(colStage); s != "" {
		if fr.Stage = parseStage(s); fr.Stage == "" {
			p.addf(sheet, row, colStage, "“%s” 不是有效的阶段，应为 未启动、推进中 或 已完成", quote(s))
		}
	}
	fr.Note, fr.Reason = get(colNote), get(colReason)
	if p.count() > before {
		return fr, rowBad
	}
	return fr, rowFilled
}

// decimal is a plain decimal number, as a cell holds it or a person types
// it; it leaves out what strconv.ParseFloat also takes (NaN, Inf, hex).
var decimal = regexp.MustCompile(`^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$`)

// grouped is a number with thousands separators: 1,234,567.5.
var grouped = regexp.MustCompile(`^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$`)

// fullWidth maps the full-width characters Chinese input methods type in
// numbers to ASCII.
var fullWidth = strings.NewReplacer("０", "0", "１", "1", "２", "2", "３", "3", "４", "4", "５", "5",
	"６", "6", "７", "7", "８", "8", "９", "9", "．", ".", "，", ",", "－", "-", "＋", "+", "％", "%", "。", ".")

// parseNumber reads a number cell: a decimal, possibly with full-width
// digits, thousands separators or a trailing % (the number is then taken as
// written: "95%" is 95, the template's percentages being 0–100). It returns
// the problem, in both languages, when s is not such a number.
func parseNumber(s string) (float64, string, string) {
	t := strings.ReplaceAll(fullWidth.Replace(s), " ", "")
	t = strings.TrimSuffix(t, "%")
	if grouped.MatchString(t) {
		t = strings.ReplaceAll(t, ",", "")
	}
	if !decimal.MatchString(t) {
		zh, en := gongfu.Texts("“%s” 不是数字", quote(s))
		return 0, zh, en
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		zh, en := gongfu.Texts("“%s” 超出数值范围", quote(s))
		return 0, zh, en
	}
	return v, "", ""
}

// parseStage reads a stage by its Chinese or English name; "" when unknown.
func parseStage(s string) gongfu.Stage {
	t := strings.ToLower(strings.NewReplacer(" ", "_", "-", "_").Replace(s))
	for _, n := range stageNames {
		if s == n.name || t == string(n.stage) {
			return n.stage
		}
	}
	return ""
}

// checkMerges reports merged cells that reach below the header row: a
// merged range keeps its value in its first cell only, so the other rows
// it covers would silently lose their figures.
func checkMerges(f *excelize.File, part *zip.File, p *problems, sheet string, header int) {
	var refs []string
	if part != nil {
		refs = mergedRanges(part)
	} else {
		// The part was not found the simple way; ask excelize, which is
		// slower but knows every corner of the format. The rows have been
		// counted by now, which bounds what it decodes.
		merges, err := f.GetMergeCells(sheet, true)
		if err != nil {
			p.addf(sheet, header, 0, "无法读取合并单元格")
			return
		}
		for _, m := range merges {
			refs = append(refs, m.GetStartAxis()+":"+m.GetEndAxis())
		}
	}
	for _, ref := range refs {
		start, end, _ := strings.Cut(ref, ":")
		if end == "" {
			end = start
		}
		c1, r1, err1 := excelize.CellNameToCoordinates(start)
		_, r2, err2 := excelize.CellNameToCoordinates(end)
		if err1 != nil || err2 != nil || max(r1, r2) <= header {
			continue
		}
		p.addf(sheet, min(r1, r2), c1, "%s 是合并单元格，数据区不能合并单元格，请取消合并", quote(ref))
	}
}

// Bounds on the data sheet's XML.
const (
	// maxTags bounds the XML tags of the data sheet. A full template of
	// MaxRows rows has about a million (a row, and for each of its twelve
	// cells the cell and its value, start and end), one and a half with
	// every text inline; a crafted sheet of millions of empty cells, a few
	// hundred kilobytes zipped, would otherwise cost seconds of parsing for
	// every megabyte.
	maxTags = 2_000_000
	// maxTotalTags bounds the XML tags of all parts together: the data
	// sheet, its shared strings (one per distinct text, some thousands),
	// styles and the small parts every workbook has.
	maxTotalTags = 3_000_000
	// headerSearch is how far down the header row is looked for.
	headerSearch = 10
	// maxMerges bounds the merged ranges mergedRanges returns.
	maxMerges = 1000
)

// locateSheet finds the part of the worksheet named sheet in the zip the way
// a workbook links them: _rels/.rels names the workbook part, the workbook
// names its sheets by relationship id, and the workbook's rels give each id
// its part. It returns nil when any link is missing.
func locateSheet(zr *zip.Reader, sheet string) *zip.File {
	parts := map[string]*zip.File{}
	for _, zf := range zr.File {
		parts[strings.ToLower(strings.ReplaceAll(zf.Name, "\\", "/"))] = zf
	}
	decode := func(name string, v any) error {
		zf, ok := parts[strings.ToLower(name)]
		if !ok {
			return errNoPart
		}
		rc, err := zf.Open()
		if err != nil {
			return err
		}
		defer rc.Close()
		return xml.NewDecoder(rc).Decode(v)
	}
	// resolve turns a relationship's target into a part name.
	resolve := func(dir, target string) string {
		if strings.HasPrefix(target, "/") {
			return strings.TrimPrefix(target, "/")
		}
		return path.Join(dir, target)
	}
	type rels struct {
		Rels []struct {
			ID     string `xml:"Id,attr"`
			Type   string `xml:"Type,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	book := "xl/workbook.xml"
	var root rels
	if decode("_rels/.rels", &root) == nil {
		for _, r := range root.Rels {
			if strings.HasSuffix(r.Type, "/officeDocument") {
				book = resolve("", r.Target)
			}
		}
	}
	var wb struct {
		Sheets []struct {
			Name  string     `xml:"name,attr"`
			Attrs []xml.Attr `xml:",any,attr"`
		} `xml:"sheets>sheet"`
	}
	if err := decode(book, &wb); err != nil {
		return nil
	}
	rid := ""
	for _, s := range wb.Sheets {
		if strings.EqualFold(s.Name, sheet) {
			for _, a := range s.Attrs {
				if a.Name.Local == "id" {
					rid = a.Value
				}
			}
		}
	}
	dir := path.Dir(book)
	var bookRels rels
	if rid == "" || decode(path.Join(dir, "_rels", path.Base(book)+".rels"), &bookRels) != nil {
		return nil
	}
	for _, r := range bookRels.Rels {
		if r.ID == rid {
			return parts[strings.ToLower(resolve(dir, r.Target))]
		}
	}
	return nil
}

// errNoPart is the failure to find a part locateSheet follows a link to.
var errNoPart = errors.New("workbook part not found")

// countTags counts the XML tags of a part, in one pass over its bytes,
// stopping once there are more than limit; -1 when it cannot be read. rows,
// when not nil, gets the number of the part's <row> elements, as a
// worksheet's writers spell them (no namespace prefix), for progress.
func countTags(part *zip.File, limit int, rows *int) int {
	rc, err := part.Open()
	if err != nil {
		return -1
	}
	defer rc.Close()
	const keep = 4 // bytes carried over, shorter than "<row>": no match counts twice
	buf := make([]byte, keep+64<<10)
	n, carried := 0, 0
	for n <= limit {
		k, err := rc.Read(buf[carried:])
		n += bytes.Count(buf[carried:carried+k], []byte("<"))
		if rows != nil {
			chunk := buf[:carried+k]
			*rows += bytes.Count(chunk, []byte("<row ")) + bytes.Count(chunk, []byte("<row>"))
			carried = copy(buf, chunk[len(chunk)-min(keep, len(chunk)):])
		}
		if err == io.EOF {
			break
		} else if err != nil {
			return -1
		}
	}
	return n
}

// mergedRanges returns the merged ranges ("F4:F5") of a worksheet part,
// reading it as a stream of XML tokens. excelize's GetMergeCells would
// first decode the whole worksheet into structs, which costs many times
// the sheet's size in memory.
func mergedRanges(part *zip.File) []string {
	rc, err := part.Open()
	if err != nil {
		return nil
	}
	defer rc.Close()
	var refs []string
	d := xml.NewDecoder(rc)
	for len(refs) < maxMerges {
		tok, err := d.RawToken()
		if err != nil {
			break // the end, or XML excelize has read past already
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "mergeCell" {
			for _, a := range se.Attr {
				if a.Name.Local == "ref" {
					refs = append(refs, a.Value)
				}
			}
		}
	}
	return refs
}
