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

// failfCalls parses every non-test Go file of the module and returns the
// Chinese format of each Failf call by position, and the positions of
// Failf calls whose format is not a string constant.
func failfCalls(t *testing.T) (formats map[string]string, dynamic []string, twoLiteral []string) {
	t.Helper()
	formats = map[string]string{}
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
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			name := ""
			switch fn := call.Fun.(type) {
			case *ast.SelectorExpr:
				if id, ok := fn.X.(*ast.Ident); ok && id.Name == "gongfu" {
					name = fn.Sel.Name
				}
			case *ast.Ident:
				if root {
					name = fn.Name
				}
			}
			pos := fset.Position(call.Pos()).String()
			switch name {
			case "Failf":
				if len(call.Args) < 2 {
					dynamic = append(dynamic, pos)
					return true
				}
				lit, ok := call.Args[1].(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					dynamic = append(dynamic, pos)
					return true
				}
				s, err := strconv.Unquote(lit.Value)
				if err != nil {
					dynamic = append(dynamic, pos)
					return true
				}
				formats[pos] = s
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
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return formats, dynamic, twoLiteral
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
// Failf message has its English, with the same verbs; every entry is used;
// every Failf format is a constant the test can see; and no fixed message
// is written in both languages at its call site instead.
func TestCatalogue(t *testing.T) {
	formats, dynamic, twoLiteral := failfCalls(t)
	if len(formats) < 100 {
		t.Fatalf("found only %d Failf calls: is the walk broken?", len(formats))
	}
	for _, pos := range dynamic {
		t.Errorf("%s: Failf with a format that is not a string constant cannot be catalogued", pos)
	}
	for _, pos := range twoLiteral {
		t.Errorf("%s: a fixed message in both languages belongs in the catalogue: use Failf", pos)
	}
	used := map[string]bool{}
	for pos, zh := range formats {
		used[zh] = true
		en, ok := messagesEN[zh]
		if !ok {
			t.Errorf("%s: %q has no English in messages_en.go", pos, zh)
			continue
		}
		if !slices.Equal(verbs(zh), verbs(en)) {
			t.Errorf("%s: %q and its English %q use different verbs", pos, zh, en)
		}
	}
	for zh := range messagesEN {
		if !used[zh] {
			t.Errorf("messages_en.go: %q is used by no Failf call", zh)
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
