package gongfu

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// catalogueCall is a call that takes its text from the catalogue: Failf,
// Detailf or Detail, with the Chinese as the test sees it.
type catalogueCall struct {
	fn, zh string
}

// hanRE finds Chinese in a literal.
var hanRE = regexp.MustCompile(`\p{Han}`)

// inlineRE matches a string literal written in both languages at once,
// "中文 (English)": Han characters, then a bracket opening ASCII text (or
// a verb) that runs without Han to the end. Such a detail belongs in the
// catalogue (Detailf).
var inlineRE = regexp.MustCompile(`\p{Han}.*\([A-Za-z%][^\p{Han}]*\)$`)

// inlineExempt are the places a literal in both languages is there on
// purpose:
//   - cmd/ (the gongfu command) and loadtest/ (the engine of gongfu
//     loadtest, whose errors and report only that command prints) write
//     for a terminal, where an operator reads both languages together,
//     one line for both, so their messages stay bilingual inline;
//   - messages_en.go is the catalogue itself.
func inlineExempt(path string) bool {
	path = filepath.ToSlash(path)
	return strings.HasPrefix(path, "cmd/") || strings.HasPrefix(path, "loadtest/") || path == "messages_en.go"
}

// catalogueCalls parses every non-test Go file of the module and returns
// the Chinese of each Failf, Detailf and Detail call by position; the
// positions of such calls whose text is not a string constant; those of
// Errorf calls with both languages as literals; and those of string
// literals written "中文 (English)" outside the places inlineExempt lists.
func catalogueCalls(t *testing.T) (calls map[string]catalogueCall, dynamic, twoLiteral, inline []string) {
	t.Helper()
	calls = map[string]catalogueCall{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		f, err := parser.ParseFile(fset, path, src, 0)
		if err != nil {
			return err
		}
		root := f.Name.Name == "gongfu"
		checkInline := !inlineExempt(path)
		ast.Inspect(f, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && checkInline && lit.Kind == token.STRING {
				if s, err := strconv.Unquote(lit.Value); err == nil && inlineRE.MatchString(s) {
					inline = append(inline, fset.Position(lit.Pos()).String()+": "+lit.Value)
				}
				return true
			}
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			name := ""
			switch fn := call.Fun.(type) {
			case *ast.SelectorExpr:
				if id, ok := fn.X.(*ast.Ident); ok && (id.Name == "gongfu" || id.Name == "xlsx") {
					name = fn.Sel.Name
				} else if fn.Sel.Name == "addf" || fn.Sel.Name == "add" {
					name = fn.Sel.Name // xlsx's problems
				}
			case *ast.Ident:
				switch {
				case root, fn.Name == "Problemf", fn.Name == "problemf", fn.Name == "problem":
					name = fn.Name
				}
			}
			pos := fset.Position(call.Pos()).String()
			arg := -1 // the argument holding the Chinese
			switch name {
			case "Failf":
				arg = 1
			case "Detailf", "Detail", "Texts":
				arg = 0
			case "Problemf", "addf":
				arg = 3 // sheet, row, column, then the text
			case "problemf":
				arg = 2 // row, column, then the text
			case "add", "Problem", "problem":
				// A spreadsheet problem given as two literals.
				if n := len(call.Args); n >= 2 {
					zh, ok1 := call.Args[n-2].(*ast.BasicLit)
					_, ok2 := call.Args[n-1].(*ast.BasicLit)
					if ok1 && ok2 && hanRE.MatchString(zh.Value) {
						twoLiteral = append(twoLiteral, pos)
					}
				}
			case "Errorf":
				// A fixed bilingual message written at its call site:
				// it belongs in the catalogue.
				if len(call.Args) >= 3 {
					_, ok1 := call.Args[1].(*ast.BasicLit)
					_, ok2 := call.Args[2].(*ast.BasicLit)
					if ok1 && ok2 {
						twoLiteral = append(twoLiteral, pos)
					}
				}
			}
			if arg < 0 {
				return true
			}
			if len(call.Args) <= arg {
				dynamic = append(dynamic, pos)
				return true
			}
			if id, ok := call.Args[arg].(*ast.Ident); ok && id.Name == "format" {
				return true // a wrapper passing its own format on: its callers are checked
			}
			lit, ok := call.Args[arg].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				dynamic = append(dynamic, pos)
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				dynamic = append(dynamic, pos)
				return true
			}
			calls[pos] = catalogueCall{fn: name, zh: s}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return calls, dynamic, twoLiteral, inline
}

// verbRE matches a fmt verb with its flags, index, width and precision.
var verbRE = regexp.MustCompile(`%(\[\d+\])?[-+# 0]*\d*(\.\d+)?[a-zA-Z%]`)

// verbs returns the verbs of a format, sorted, without %%: a translation
// may reorder its arguments (with explicit indexes) but must use the same
// ones. %s and %q count as one: Chinese quotes a name with 「%s」 where
// English writes %q.
func verbs(format string) []string {
	var out []string
	for _, v := range verbRE.FindAllString(format, -1) {
		switch c := v[len(v)-1:]; c {
		case "%":
		case "q":
			out = append(out, "s")
		default:
			out = append(out, c)
		}
	}
	slices.Sort(out)
	return out
}

// TestCatalogue checks the English catalogue against the code: every
// message of Failf and every detail of Detailf and Detail has its English,
// with the same verbs; every entry is used; every such text is a constant
// the test can see; no fixed message is written in both languages at its
// call site instead; and no detail is written "中文 (English)" in one
// literal (outside the places inlineExempt lists), so details stay in the
// catalogue too.
func TestCatalogue(t *testing.T) {
	calls, dynamic, twoLiteral, inline := catalogueCalls(t)
	count := map[string]int{}
	for _, c := range calls {
		count[c.fn]++
	}
	if count["Failf"] < 100 || count["Detailf"]+count["Detail"] < 50 {
		t.Fatalf("found only %d Failf and %d Detailf or Detail calls: is the walk broken?", count["Failf"], count["Detailf"]+count["Detail"])
	}
	for _, pos := range dynamic {
		t.Errorf("%s: a catalogued text that is not a string constant cannot be catalogued", pos)
	}
	for _, pos := range twoLiteral {
		t.Errorf("%s: a fixed message in both languages belongs in the catalogue: use Failf", pos)
	}
	for _, lit := range inline {
		t.Errorf("%s: a detail written in both languages belongs in the catalogue: use Detailf", lit)
	}
	used := map[string]bool{}
	for pos, c := range calls {
		used[c.zh] = true
		en, ok := messagesEN[c.zh]
		if !ok {
			t.Errorf("%s: %s(%q) has no English in messages_en.go", pos, c.fn, c.zh)
			continue
		}
		if !slices.Equal(verbs(c.zh), verbs(en)) {
			t.Errorf("%s: %q and its English %q use different verbs", pos, c.zh, en)
		}
	}
	for zh := range messagesEN {
		if !used[zh] {
			t.Errorf("messages_en.go: %q is used by no Failf, Detailf or Detail call", zh)
		}
	}
}

func TestFailf(t *testing.T) {
	e := Failf(EINVALID, "报告期 %q 格式不对，应为 YYYY-MM 或 YYYY-Qn", "2020-13")
	if e.Message != `报告期 "2020-13" 格式不对，应为 YYYY-MM 或 YYYY-Qn` || e.MessageEN != `period "2020-13" is not YYYY-MM or YYYY-Qn` || e.Code != EINVALID {
		t.Fatalf("%+v", e)
	}
	if English("没有的消息") != "没有的消息" {
		t.Fatal("a message missing from the catalogue must fall back to itself")
	}
}
