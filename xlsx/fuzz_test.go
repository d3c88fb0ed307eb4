package xlsx

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime/debug"
	"sort"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"gongfu"
)

// The fuzz targets below hold ImportTemplate to its promise: whatever the
// bytes, it returns either a well-formed Filled or a *gongfu.Error that is
// EINVALID or ETOOLARGE, and it never panics, not even a panic its own
// recovery would hide (onPanic reports those). Crashers found are kept
// under testdata/fuzz/<target>/ and run as regression tests by go test.
//
// FuzzImportTemplate mutates whole files; most mutations break the zip's
// checksums, so it mostly exercises the zip checks and excelize's opening.
// FuzzImportTemplateParts keeps the zip valid and mutates the XML of the
// data sheet and the shared strings, which is where a crafted workbook
// reaches excelize's parser and the row reading.

// filledTemplate returns a real template, exported for the sample plan and
// filled in the way reporters fill it: numbers, text in number cells,
// stages, a note and a reason.
func filledTemplate(tb testing.TB) []byte {
	tb.Helper()
	p, org := fixture()
	last := map[string]*gongfu.Report{"1.1": {Value: fp(10)}}
	var buf bytes.Buffer
	if err := ExportTemplate(&buf, p, org, gongfu.MonthPeriod(2020, 5), sampleItems, last); err != nil {
		tb.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	for c, v := range map[string]any{
		"F2": 12, "K2": "含改扩建 2 所",
		"G4": "3,900", "H4": 4000.0,
		"F5": "０.５",
		"F6": -0.1, "L6": "统计口径调整",
		"I7": "已完成",
		"I8": "in_progress", "J8": "60%",
		"I9": "Not Started",
	} {
		if err := f.SetCellValue(TemplateSheet, c, v); err != nil {
			tb.Fatal(err)
		}
	}
	var out bytes.Buffer
	if err := f.Write(&out); err != nil {
		tb.Fatal(err)
	}
	return out.Bytes()
}

// importTimeLimit is how long one small file may take to import; a real
// template of a few hundred rows takes milliseconds.
const importTimeLimit = 10 * time.Second

// checkImport fails t unless ImportTemplate kept its contract on data.
func checkImport(t *testing.T, data []byte) {
	var panicked any
	var stack []byte
	onPanic = func(v any) { panicked, stack = v, debug.Stack() }
	defer func() { onPanic = nil }()
	// A file that makes the import run for long is as bad as one that
	// crashes it, and the fuzzer has no time limit of its own.
	var out *Filled
	var err error
	done := make(chan struct{})
	go func() {
		defer close(done)
		out, err = ImportTemplate(bytes.NewReader(data), 1<<20)
	}()
	select {
	case <-done:
	case <-time.After(importTimeLimit):
		t.Fatalf("ImportTemplate ran for more than %v on %d bytes", importTimeLimit, len(data))
	}
	if panicked != nil {
		t.Fatalf("ImportTemplate recovered from a panic: %v\n%s", panicked, stack)
	}
	if err != nil {
		var ge *gongfu.Error
		if !errors.As(err, &ge) || (ge.Code != gongfu.EINVALID && ge.Code != gongfu.ETOOLARGE) {
			t.Fatalf("error %v (%T), want a *gongfu.Error, invalid or too large", err, err)
		}
		if out != nil {
			t.Fatalf("both a result and an error: %v", err)
		}
		if len(ge.Details) > maxDetails+1 {
			t.Fatalf("%d details, want at most %d", len(ge.Details), maxDetails+1)
		}
		return
	}
	if out == nil {
		t.Fatal("no result and no error")
	}
	if out.PlanID <= 0 || out.OrgID <= 0 {
		t.Fatalf("plan %d, org %d: want positive ids", out.PlanID, out.OrgID)
	}
	if per, err := gongfu.ParsePeriod(out.Period); err != nil || per.String() != out.Period {
		t.Fatalf("period %q is not canonical: %v", out.Period, err)
	}
	if len(out.Rows) > MaxRows || out.Skipped < 0 {
		t.Fatalf("%d rows, %d skipped", len(out.Rows), out.Skipped)
	}
	seen := map[string]bool{}
	lastRow := 0
	for _, r := range out.Rows {
		if r.Sheet != TemplateSheet || r.Row <= lastRow {
			t.Fatalf("row %s!%d after row %d", r.Sheet, r.Row, lastRow)
		}
		lastRow = r.Row
		if r.ItemID == "" || seen[r.ItemID] {
			t.Fatalf("row %d: item id %q empty or repeated", r.Row, r.ItemID)
		}
		seen[r.ItemID] = true
		for _, v := range []*float64{r.Value, r.Numerator, r.Denominator, r.Percent} {
			if v != nil && (math.IsNaN(*v) || math.IsInf(*v, 0)) {
				t.Fatalf("row %d: number %v", r.Row, *v)
			}
		}
		if r.Stage != "" && parseStage(string(r.Stage)) != r.Stage {
			t.Fatalf("row %d: stage %q", r.Row, r.Stage)
		}
		if r.Value == nil && r.Numerator == nil && r.Denominator == nil && r.Percent == nil &&
			r.Stage == "" && r.Note == "" && r.Reason == "" {
			t.Fatalf("row %d is kept without any input", r.Row)
		}
	}
}

func FuzzImportTemplate(f *testing.F) {
	base := filledTemplate(f)
	f.Add(base)
	p, org := fixture()
	var blank bytes.Buffer
	if err := ExportTemplate(&blank, p, org, gongfu.Period{Year: 2020, Freq: gongfu.Quarterly, Index: 2}, sampleItems, nil); err != nil {
		f.Fatal(err)
	}
	f.Add(blank.Bytes())
	f.Add(rezip(f, map[string][]byte{"xl/workbook.xml": []byte("<workbook/>")}, []string{"xl/workbook.xml"}))
	f.Add([]byte{})
	f.Add([]byte("PK\x03\x04"))
	f.Add([]byte{0xD0, 0xCF, 0x11, 0xE0})
	f.Fuzz(func(t *testing.T, data []byte) {
		checkImport(t, data)
	})
}

// templateParts unzips a workbook into its parts and names the part of the
// data sheet.
func templateParts(tb testing.TB, data []byte) (parts map[string][]byte, names []string, sheet string) {
	tb.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		tb.Fatal(err)
	}
	parts = map[string][]byte{}
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			tb.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			tb.Fatal(err)
		}
		parts[zf.Name] = b
		names = append(names, zf.Name)
	}
	part := locateSheet(zr, TemplateSheet)
	if part == nil {
		tb.Fatal("no data sheet")
	}
	return parts, names, part.Name
}

// rezip writes parts back into a zip, in names order, stored rather than
// deflated: the import reads both alike, and storing is faster.
func rezip(tb testing.TB, parts map[string][]byte, names []string) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range names {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: n, Method: zip.Store})
		if err != nil {
			tb.Fatal(err)
		}
		w.Write(parts[n])
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func FuzzImportTemplateParts(f *testing.F) {
	base := filledTemplate(f)
	parts, names, sheet := templateParts(f, base)
	const shared = "xl/sharedStrings.xml"
	if _, ok := parts[shared]; !ok {
		names = append(names, shared)
		sort.Strings(names)
	}
	// The parts put back unchanged must still read as the filled template,
	// or the target would fuzz something other than a template.
	if out, err := ImportTemplate(bytes.NewReader(rezip(f, parts, names)), 0); err != nil || len(out.Rows) != 7 {
		f.Fatalf("the rezipped template: %v %q", err, gongfu.ErrorDetails(err))
	}
	f.Add(string(parts[sheet]), string(parts[shared]))
	f.Add(`<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>编号</t></is></c></row></sheetData></worksheet>`, "")
	f.Add(`<worksheet><sheetData><row r="2"><c r="F2"><v>1e400</v></c></row></sheetData><mergeCells><mergeCell ref="A1:Z99999"/></mergeCells></worksheet>`,
		`<sst><si><t>`+fmt.Sprint(TemplateHeader)+`</t></si></sst>`)
	f.Fuzz(func(t *testing.T, sheetXML, sharedXML string) {
		p := make(map[string][]byte, len(parts))
		for k, v := range parts {
			p[k] = v
		}
		p[sheet], p[shared] = []byte(sheetXML), []byte(sharedXML)
		checkImport(t, rezip(t, p, names))
	})
}
