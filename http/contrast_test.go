package http

// The contrast audit (WCAG 2.x AA, success criteria 1.4.3 and 1.4.11): every
// pair of colours the pages draw text or controls with, read from the
// embedded stylesheets, the templates' class combinations and the dashboard
// charts' options as the server builds them, so that the audit follows the
// design instead of a list of colours that could drift from it.
//
//	go test -v -run Contrast ./http/
//
// prints the pairs with their ratios.
//
// What the audit takes from the CSS, rule by rule (custom properties
// resolved, each selector of a list on its own):
//
//   - a rule setting color and a background: that pair;
//   - a rule setting a background only: the text it inherits on it (the
//     page's ink, or the colour of its element's own rule: a.button is
//     link blue) — unless the templates only use its class together with
//     a class that sets the colour (light light-*), see below;
//   - a rule setting color only: that colour on the background of an
//     ancestor the selector names (.top a is on .top's red), else on every
//     "neutral surface": the page background and each background whose
//     text is the page's ink (cards, table heads, notices, highlights…),
//     since such text may sit on any of them;
//   - the class combinations of the templates (class="badge st-{{.Status}}"
//     for every .st-* class): the rules of the classes merged, for the
//     text on the badge, its border, or, without a border, its fill
//     against the page;
//   - focus outlines, against the surfaces they are drawn on (3:1), and
//     that links, buttons and form fields have one;
//   - the borders of form fields and buttons (3:1): they are what shows
//     where a field is.
//
// Text needs 4.5:1, large text (24px, or 18.66px bold, as a rule declares
// it) 3:1; controls and graphics 3:1. Colours with alpha are composited over
// their background; opacity is applied to the text.

import (
	"fmt"
	"io/fs"
	"math"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"gongfu"
	"gongfu/eval"
)

// cssColor is an sRGB colour with alpha, channels 0–1.
type cssColor struct{ r, g, b, a float64 }

func (c cssColor) String() string {
	s := fmt.Sprintf("#%02x%02x%02x", int(math.Round(c.r*255)), int(math.Round(c.g*255)), int(math.Round(c.b*255)))
	if c.a < 1 {
		s += fmt.Sprintf("/%.2g", c.a)
	}
	return s
}

// over composites c over the opaque bg.
func (c cssColor) over(bg cssColor) cssColor {
	return cssColor{c.r*c.a + bg.r*(1-c.a), c.g*c.a + bg.g*(1-c.a), c.b*c.a + bg.b*(1-c.a), 1}
}

// luminance is WCAG's relative luminance.
func (c cssColor) luminance() float64 {
	lin := func(v float64) float64 {
		if v <= 0.04045 {
			return v / 12.92
		}
		return math.Pow((v+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(c.r) + 0.7152*lin(c.g) + 0.0722*lin(c.b)
}

// contrastRatio is WCAG's contrast ratio of fg on bg; a translucent fg is
// composited over bg first.
func contrastRatio(fg, bg cssColor) float64 {
	if fg.a < 1 {
		fg = fg.over(bg)
	}
	l1, l2 := fg.luminance(), bg.luminance()
	if l1 < l2 {
		l1, l2 = l2, l1
	}
	return (l1 + 0.05) / (l2 + 0.05)
}

var namedColors = map[string]string{"white": "#fff", "black": "#000"}

// parseColor reads a CSS colour: #rgb, #rgba, #rrggbb, #rrggbbaa, rgb(),
// rgba(), white, black, transparent.
func parseColor(s string) (cssColor, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if n, ok := namedColors[s]; ok {
		s = n
	}
	if s == "transparent" {
		return cssColor{}, true
	}
	if h, ok := strings.CutPrefix(s, "#"); ok {
		if len(h) == 3 || len(h) == 4 {
			var b strings.Builder
			for _, c := range h {
				b.WriteRune(c)
				b.WriteRune(c)
			}
			h = b.String()
		}
		if len(h) != 6 && len(h) != 8 {
			return cssColor{}, false
		}
		v, err := strconv.ParseUint(h, 16, 32)
		if err != nil {
			return cssColor{}, false
		}
		a := 1.0
		if len(h) == 8 {
			a, v = float64(v&0xff)/255, v>>8
		}
		return cssColor{float64(v>>16&0xff) / 255, float64(v>>8&0xff) / 255, float64(v&0xff) / 255, a}, true
	}
	if m := regexp.MustCompile(`^rgba?\((.*)\)$`).FindStringSubmatch(s); m != nil {
		f := strings.FieldsFunc(m[1], func(r rune) bool { return r == ',' || r == ' ' || r == '/' })
		if len(f) != 3 && len(f) != 4 {
			return cssColor{}, false
		}
		var v [4]float64
		v[3] = 1
		for i, x := range f {
			pct := strings.HasSuffix(x, "%")
			n, err := strconv.ParseFloat(strings.TrimSuffix(x, "%"), 64)
			if err != nil {
				return cssColor{}, false
			}
			switch {
			case pct:
				n /= 100
			case i < 3:
				n /= 255
			}
			v[i] = min(max(n, 0), 1)
		}
		return cssColor{v[0], v[1], v[2], v[3]}, true
	}
	return cssColor{}, false
}

// cssRule is one selector of a rule with the rule's declarations.
type cssRule struct {
	sel   string
	decls map[string]string
	media string // the enclosing @media's condition, "" for none
	order int
}

// parseCSS reads a stylesheet into rules; @media blocks are entered, other
// at-rules with blocks (@page, @font-face, @keyframes) skipped.
func parseCSS(src string) ([]cssRule, error) {
	src = regexp.MustCompile(`(?s)/\*.*?\*/`).ReplaceAllString(src, "")
	var rules []cssRule
	var parse func(s, media string) error
	parse = func(s, media string) error {
		for {
			s = strings.TrimSpace(s)
			if s == "" {
				return nil
			}
			open := strings.IndexAny(s, "{;}")
			if open < 0 {
				return fmt.Errorf("unterminated %q", s)
			}
			prelude := strings.TrimSpace(s[:open])
			if s[open] == ';' { // @import, @charset
				s = s[open+1:]
				continue
			}
			if s[open] == '}' {
				return fmt.Errorf("stray } after %q", prelude)
			}
			end, err := matchBrace(s, open)
			if err != nil {
				return err
			}
			body := s[open+1 : end]
			s = s[end+1:]
			switch {
			case strings.HasPrefix(prelude, "@media"), strings.HasPrefix(prelude, "@supports"):
				if err := parse(body, strings.TrimSpace(prelude)); err != nil {
					return err
				}
			case strings.HasPrefix(prelude, "@"):
				// @page, @font-face: no colours of elements
			default:
				if strings.ContainsRune(unquoted(body), '{') {
					return fmt.Errorf("nested rule in %q: the audit does not read CSS nesting", prelude)
				}
				decls := map[string]string{}
				for _, d := range splitTop(body, ';') {
					k, v, ok := strings.Cut(d, ":")
					if !ok {
						continue
					}
					v = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "!important"))
					decls[strings.ToLower(strings.TrimSpace(k))] = v
				}
				for _, sel := range splitTop(prelude, ',') {
					rules = append(rules, cssRule{sel: strings.Join(strings.Fields(sel), " "), decls: decls, media: media, order: len(rules)})
				}
			}
		}
	}
	return rules, parse(src, "")
}

// unquoted is s without its quoted strings.
func unquoted(s string) string {
	var b strings.Builder
	var quote byte
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// matchBrace returns the index of the brace closing the one at open.
func matchBrace(s string, open int) (int, error) {
	depth := 0
	var quote byte
	for i := open; i < len(s); i++ {
		switch c := s[i]; {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '{':
			depth++
		case c == '}':
			if depth--; depth == 0 {
				return i, nil
			}
		}
	}
	return 0, fmt.Errorf("unclosed block after %q", s[:open])
}

// splitTop splits s at sep outside parentheses, brackets and quotes,
// dropping empty parts.
func splitTop(s string, sep byte) []string {
	var out []string
	depth, start := 0, 0
	var quote byte
	for i := 0; i <= len(s); i++ {
		if i == len(s) || quote == 0 && depth == 0 && s[i] == sep {
			if p := strings.TrimSpace(s[start:i]); p != "" {
				out = append(out, p)
			}
			start = i + 1
			continue
		}
		switch c := s[i]; {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '(' || c == '[':
			depth++
		case c == ')' || c == ']':
			depth--
		}
	}
	return out
}

// sheet is the parsed stylesheets with what the audit derives from them.
type sheet struct {
	rules []cssRule
	vars  map[string]string
	ink   cssColor // body's color
	page  cssColor // body's background
}

var varRef = regexp.MustCompile(`var\(\s*(--[\w-]+)\s*(?:,\s*([^()]*))?\)`)

// resolve replaces var(--x) with the custom property's value.
func (sh *sheet) resolve(v string) (string, error) {
	for range 10 {
		if !strings.Contains(v, "var(") {
			return v, nil
		}
		var bad error
		v = varRef.ReplaceAllStringFunc(v, func(m string) string {
			g := varRef.FindStringSubmatch(m)
			if x, ok := sh.vars[g[1]]; ok {
				return x
			}
			if g[2] != "" {
				return g[2]
			}
			bad = fmt.Errorf("undefined custom property %s", g[1])
			return m
		})
		if bad != nil {
			return "", bad
		}
	}
	return "", fmt.Errorf("custom properties nest too deep in %q", v)
}

// colorIn finds the colour in a declaration's value (a shorthand such as
// "1px solid var(--line)" or "#fff"); keyword is "none", "inherit",
// "currentcolor" when the value is one, and ok false when there is none.
func (sh *sheet) colorIn(v string) (c cssColor, keyword string, ok bool, err error) {
	v, err = sh.resolve(v)
	if err != nil {
		return c, "", false, err
	}
	for _, tok := range splitTop(strings.ReplaceAll(v, "\t", " "), ' ') {
		switch low := strings.ToLower(tok); low {
		case "inherit", "currentcolor", "none", "initial", "unset":
			keyword = low
			continue
		}
		if c, ok := parseColor(tok); ok {
			return c, "", true, nil
		}
		if strings.HasPrefix(tok, "#") || strings.HasPrefix(strings.ToLower(tok), "rgb") || strings.HasPrefix(strings.ToLower(tok), "hsl") {
			return c, "", false, fmt.Errorf("colour %q not understood", tok)
		}
	}
	return c, keyword, false, nil
}

// fg and bg are a rule's text colour and background colour.
func (sh *sheet) fg(r cssRule) (cssColor, string, bool, error) {
	v, ok := r.decls["color"]
	if !ok {
		return cssColor{}, "", false, nil
	}
	return sh.colorIn(v)
}

func (sh *sheet) bg(r cssRule) (cssColor, bool, error) {
	for _, k := range []string{"background-color", "background"} {
		if v, ok := r.decls[k]; ok {
			c, _, ok, err := sh.colorIn(v)
			return c, ok, err
		}
	}
	return cssColor{}, false, nil
}

// borderColors are the colours of a rule's borders; currentcolor is
// returned as a keyword.
func (sh *sheet) borderColors(r cssRule) (cs []cssColor, current bool, err error) {
	for _, k := range []string{"border", "border-color", "border-top", "border-bottom", "border-left", "border-right"} {
		v, ok := r.decls[k]
		if !ok {
			continue
		}
		c, kw, ok, err := sh.colorIn(v)
		if err != nil {
			return nil, false, err
		}
		switch {
		case ok:
			cs = append(cs, c)
		case kw == "currentcolor":
			current = true
		case kw == "none":
		default:
			if fields := strings.Fields(v); len(fields) > 0 && fields[0] != "0" && k != "border-color" {
				current = true // a border without a colour is drawn in currentColor
			}
		}
	}
	return cs, current, nil
}

// pxOf reads a length in px, rem or em (of 16px); 0 when not one.
func pxOf(v string) float64 {
	for unit, f := range map[string]float64{"px": 1, "rem": 16, "em": 16, "pt": 4.0 / 3} {
		if n, ok := strings.CutSuffix(strings.TrimSpace(v), unit); ok {
			if x, err := strconv.ParseFloat(n, 64); err == nil {
				return x * f
			}
		}
	}
	return 0
}

// large reports whether a rule declares large text: 24px, or 18.66px bold.
func large(r cssRule) bool {
	size := pxOf(r.decls["font-size"])
	w := r.decls["font-weight"]
	bold := w == "bold" || w == "bolder" || w == "700" || w == "800" || w == "900"
	return size >= 24 || size >= 18.66 && bold
}

// compounds splits a selector into its compound selectors (combinators
// dropped): ".top nav a" → [.top nav a].
func compounds(sel string) []string {
	return strings.Fields(strings.NewReplacer(">", " ", "+", " ", "~", " ").Replace(sel))
}

// subjectType is the element name of a selector's last compound, "" when
// it names none.
func subjectType(sel string) string {
	c := compounds(sel)
	if len(c) == 0 {
		return ""
	}
	return regexp.MustCompile(`^[a-z][a-z0-9]*`).FindString(c[len(c)-1])
}

// simpleClasses returns the classes of a selector that is one compound of
// classes only (".light", ".badge.st-draft"); nil for any other.
func simpleClasses(sel string) []string {
	if !regexp.MustCompile(`^(\.[\w-]+)+$`).MatchString(sel) {
		return nil
	}
	return strings.Split(sel[1:], ".")
}

// isControl reports whether a selector's subject is a form field or a
// button.
func isControl(sel string) bool {
	return slices.Contains([]string{"input", "select", "textarea", "button"}, subjectType(sel)) ||
		strings.Contains(sel, ".button") || strings.Contains(sel, "aria-invalid")
}

// pair is one audited pair of colours.
type pair struct {
	kind, what string
	fg, bg     cssColor
	min        float64
}

func (p pair) ratio() float64 { return contrastRatio(p.fg, p.bg) }

// audit collects pairs and problems.
type audit struct {
	pairs []pair
	errs  []string
}

func (a *audit) add(kind, what string, fg, bg cssColor, min float64) {
	a.pairs = append(a.pairs, pair{kind, what, fg, bg.over(cssColor{1, 1, 1, 1}), min})
}

func (a *audit) fail(format string, args ...any) {
	a.errs = append(a.errs, fmt.Sprintf(format, args...))
}

// loadSheet parses the embedded stylesheets (vendored ones excepted).
func loadSheet(t *testing.T) *sheet {
	t.Helper()
	files, err := fs.Glob(staticFS, "static/*.css")
	if err != nil || len(files) == 0 {
		t.Fatalf("no stylesheets in static/: %v", err)
	}
	sh := &sheet{vars: map[string]string{}}
	for _, f := range files {
		b, err := staticFS.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		rules, err := parseCSS(string(b))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, r := range rules {
			r.order += len(sh.rules)
			sh.rules = append(sh.rules, r)
		}
	}
	for _, r := range sh.rules {
		if r.sel == ":root" && r.media == "" {
			for k, v := range r.decls {
				if strings.HasPrefix(k, "--") {
					sh.vars[k] = v
				}
			}
		}
	}
	sh.ink, sh.page = cssColor{0, 0, 0, 1}, cssColor{1, 1, 1, 1}
	for _, r := range sh.rules {
		if r.sel == "body" && r.media == "" {
			if c, _, ok, err := sh.fg(r); err == nil && ok {
				sh.ink = c
			}
			if c, ok, err := sh.bg(r); err == nil && ok {
				sh.page = c
			}
		}
	}
	return sh
}

// templateCombos returns the class attributes of the templates with more
// than one class, a template action standing for any class: "light-*".
func templateCombos(t *testing.T) [][]string {
	t.Helper()
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		t.Fatal(err)
	}
	action := regexp.MustCompile(`\{\{.*?\}\}`)
	seen := map[string]bool{}
	var out [][]string
	for _, f := range files {
		b, err := templateFS.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range regexp.MustCompile(`class="([^"]*)"`).FindAllStringSubmatch(string(b), -1) {
			var classes []string
			for _, c := range strings.Fields(action.ReplaceAllString(m[1], "*")) {
				if regexp.MustCompile(`^[\w-]+\*?$`).MatchString(c) {
					classes = append(classes, c)
				}
			}
			key := strings.Join(classes, " ")
			if len(classes) > 1 && !seen[key] {
				seen[key] = true
				out = append(out, classes)
			}
		}
	}
	return out
}

// expand turns a class list with patterns ("st-*") into every list of
// classes the stylesheet has for them.
func (sh *sheet) expand(classes []string) [][]string {
	known := map[string]bool{}
	for _, r := range sh.rules {
		for _, c := range simpleClasses(r.sel) {
			known[c] = true
		}
	}
	out := [][]string{nil}
	for _, c := range classes {
		var alts []string
		if p, ok := strings.CutSuffix(c, "*"); ok {
			for k := range known {
				if strings.HasPrefix(k, p) {
					alts = append(alts, k)
				}
			}
			sort.Strings(alts)
		} else {
			alts = []string{c}
		}
		var next [][]string
		for _, o := range out {
			for _, a := range alts {
				next = append(next, append(slices.Clone(o), a))
			}
		}
		out = next
	}
	return out
}

// merged is the declarations an element with these classes gets from the
// rules naming only its classes (media-free), by specificity then order.
func (sh *sheet) merged(classes []string) (map[string]string, []string) {
	var rs []cssRule
	for _, r := range sh.rules {
		cs := simpleClasses(r.sel)
		if r.media != "" || cs == nil {
			continue
		}
		all := true
		for _, c := range cs {
			all = all && slices.Contains(classes, c)
		}
		if all {
			rs = append(rs, r)
		}
	}
	sort.SliceStable(rs, func(i, j int) bool {
		ci, cj := len(simpleClasses(rs[i].sel)), len(simpleClasses(rs[j].sel))
		if ci != cj {
			return ci < cj
		}
		return rs[i].order < rs[j].order
	})
	out := map[string]string{}
	var sels []string
	for _, r := range rs {
		sels = append(sels, r.sel)
		for k, v := range r.decls {
			if k == "background" {
				delete(out, "background-color")
			}
			if k == "border" {
				delete(out, "border-color")
			}
			out[k] = v
		}
	}
	return out, sels
}

// runAudit derives every pair from the stylesheet and templates.
func runAudit(t *testing.T, sh *sheet) *audit {
	t.Helper()
	a := &audit{}
	white := cssColor{1, 1, 1, 1}

	// Classes the templates only use beside a class that sets the colour:
	// their background-only rules are not text on the page's ink.
	combos := templateCombos(t)
	coloured := map[string]bool{} // a class of a combination whose rules set color
	for _, combo := range combos {
		for _, classes := range sh.expand(combo) {
			decls, _ := sh.merged(classes)
			if _, ok := decls["color"]; !ok {
				continue
			}
			for _, c := range classes {
				if d, _ := sh.merged([]string{c}); d["color"] == "" {
					coloured[c] = true
				}
			}
		}
	}
	modifier := func(r cssRule) bool {
		cs := simpleClasses(r.sel)
		return len(cs) == 1 && coloured[cs[0]]
	}

	// Neutral surfaces: the page, and each background whose text is the
	// page's ink, by the media it applies in (print has its own page).
	type surface struct {
		what string
		c    cssColor
	}
	surfaces := []surface{{"body", sh.page}}
	byType := map[string]cssColor{} // the colour of a bare element rule: a → link blue
	for _, r := range sh.rules {
		if c, _, ok, err := sh.fg(r); err == nil && ok && r.media == "" && regexp.MustCompile(`^[a-z][a-z0-9]*$`).MatchString(r.sel) {
			byType[r.sel] = c
		}
	}
	for _, r := range sh.rules {
		bg, hasBG, err := sh.bg(r)
		if err != nil {
			a.fail("%s: %v", r.sel, err)
			continue
		}
		if !hasBG || bg.a == 0 || modifier(r) || r.sel == "body" && r.media == "" {
			continue
		}
		fg, kw, hasFG, err := sh.fg(r)
		if err != nil {
			a.fail("%s: %v", r.sel, err)
			continue
		}
		if hasFG && fg != sh.ink || kw == "currentcolor" {
			continue
		}
		if !hasFG && byType[subjectType(r.sel)] != (cssColor{}) {
			continue // a.button: link text, a pair of its own
		}
		if isControl(r.sel) {
			continue // a field's or a button's inside holds its own text only
		}
		surfaces = append(surfaces, surface{r.sel, bg.over(sh.page)})
	}
	// ancestorBG is the background of an ancestor a selector names, when
	// a rule gives that ancestor one.
	ancestorBG := func(sel string) (cssColor, string, bool) {
		cs := compounds(sel)
		for i := len(cs) - 2; i >= 0; i-- {
			for _, r := range sh.rules {
				if r.sel != cs[i] && !strings.HasSuffix(r.sel, " "+cs[i]) {
					continue
				}
				if bg, ok, err := sh.bg(r); err == nil && ok && bg.a > 0 {
					return bg.over(sh.page), r.sel, true
				}
			}
		}
		return cssColor{}, "", false
	}
	need := func(r cssRule) float64 {
		if large(r) {
			return 3
		}
		return 4.5
	}
	opacity := func(r cssRule, c cssColor) cssColor {
		if v, ok := r.decls["opacity"]; ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil && f < 1 {
				c.a *= f
			}
		}
		return c
	}

	// Text.
	for _, r := range sh.rules {
		if r.sel == ":root" || modifier(r) {
			continue
		}
		fg, kw, hasFG, err := sh.fg(r)
		if err != nil {
			a.fail("%s: %v", r.sel, err)
			continue
		}
		bg, hasBG, err := sh.bg(r)
		if err != nil {
			a.fail("%s: %v", r.sel, err)
			continue
		}
		if hasBG && bg.a == 0 {
			hasBG = false
		}
		what := r.sel
		if r.media != "" {
			what += "  " + r.media
		}
		switch {
		case hasFG && hasBG:
			a.add("text", what, opacity(r, fg), bg.over(sh.page), need(r))
		case hasBG && (kw == "inherit" || kw == ""):
			text := sh.ink
			if c, ok := byType[subjectType(r.sel)]; ok {
				text = c
			}
			a.add("text", what+"  (inherited text)", opacity(r, text), bg.over(sh.page), need(r))
		case hasFG:
			if bg, anc, ok := ancestorBG(r.sel); ok {
				a.add("text", what+"  on "+anc, opacity(r, fg), bg, need(r))
				continue
			}
			for _, s := range surfaces {
				a.add("text", what+"  on "+s.what, opacity(r, fg), s.c, need(r))
			}
		}
	}

	// Badges and lights: the templates' class combinations.
	for _, combo := range combos {
		for _, classes := range sh.expand(combo) {
			decls, sels := sh.merged(classes)
			r := cssRule{sel: strings.Join(sels, ""), decls: decls}
			fg, _, hasFG, err := sh.fg(r)
			if err != nil {
				a.fail("%v: %v", classes, err)
				continue
			}
			bg, hasBG, err := sh.bg(r)
			if err != nil {
				a.fail("%v: %v", classes, err)
				continue
			}
			if !hasFG {
				continue // no badge: a card, a form, a table; their rules are audited
			}
			what := `class="` + strings.Join(classes, " ") + `"`
			if hasBG && bg.a > 0 {
				a.add("text", what, fg, bg.over(sh.page), need(r))
			}
			borders, current, err := sh.borderColors(r)
			if err != nil {
				a.fail("%s: %v", what, err)
				continue
			}
			if current {
				borders = append(borders, fg)
			}
			for _, s := range surfaces {
				for _, b := range borders {
					a.add("badge border", what+"  on "+s.what, b, s.c, 3)
				}
				if len(borders) == 0 && hasBG && bg.a > 0 {
					a.add("badge fill", what+"  on "+s.what, bg.over(sh.page), s.c, 3)
				}
			}
		}
	}

	// Focus: every rule drawing a focus outline, against the surfaces it is
	// drawn on; a container with its own background (the red header) and
	// links in it, against that background with the outline that applies
	// there.
	focusColor := func(r cssRule) (cssColor, bool) {
		for _, k := range []string{"outline-color", "outline", "box-shadow"} {
			if v, ok := r.decls[k]; ok {
				if c, _, ok, err := sh.colorIn(v); err == nil && ok {
					return c, true
				}
			}
		}
		return cssColor{}, false
	}
	isFocus := func(sel string) bool { return strings.Contains(sel, ":focus") }
	var base []cssRule // focus rules naming no ancestor
	for _, r := range sh.rules {
		if !isFocus(r.sel) {
			continue
		}
		c, ok := focusColor(r)
		if !ok {
			continue
		}
		if bg, anc, ok := ancestorBG(r.sel); ok {
			a.add("focus", r.sel+"  on "+anc, c, bg, 3)
			continue
		}
		base = append(base, r)
		for _, s := range surfaces {
			a.add("focus", r.sel+"  on "+s.what, c, s.c, 3)
		}
	}
	for _, r := range sh.rules {
		cs := compounds(r.sel)
		if len(cs) < 2 || isFocus(r.sel) || !slices.Contains([]string{"a", "button"}, subjectType(r.sel)) && !strings.HasSuffix(r.sel, ".link") {
			continue
		}
		bg, anc, ok := ancestorBG(r.sel)
		if !ok {
			continue
		}
		// The outline for this element: the focus rule of its selector,
		// else one for its element under the same ancestor, else the
		// general one for its element.
		var ring *cssRule
		for i, f := range sh.rules {
			if _, ok := focusColor(f); !ok || !isFocus(f.sel) || !strings.HasPrefix(f.sel, anc+" ") {
				continue
			}
			if strings.HasPrefix(f.sel, r.sel+":focus") || ring == nil && subjectType(f.sel) == subjectType(r.sel) {
				ring = &sh.rules[i]
			}
		}
		if ring == nil {
			for i, f := range base {
				if subjectType(f.sel) == subjectType(r.sel) || subjectType(f.sel) == "" {
					ring = &base[i]
				}
			}
		}
		if ring != nil {
			c, _ := focusColor(*ring)
			a.add("focus", r.sel+" ("+ring.sel+")  on "+anc, c, bg, 3)
		}
	}

	// Form fields and buttons: their borders against the page around them
	// and the white inside them.
	for _, r := range sh.rules {
		if !isControl(r.sel) || isFocus(r.sel) || strings.Contains(r.sel, "button.link") {
			continue
		}
		borders, _, err := sh.borderColors(r)
		if err != nil {
			a.fail("%s: %v", r.sel, err)
			continue
		}
		for _, b := range borders {
			for _, s := range append(surfaces, surface{"white field", white}) {
				a.add("field border", r.sel+"  on "+s.what, b, s.c, 3)
			}
		}
	}
	return a
}

// TestContrast audits the pages' colours; with -v it prints every pair
// (text colours on the neutral surfaces: the worst surface only).
func TestContrast(t *testing.T) {
	sh := loadSheet(t)
	a := runAudit(t, sh)
	chartPairs(t, sh, a)
	for _, e := range a.errs {
		t.Error(e)
	}
	if len(a.pairs) < 50 {
		t.Fatalf("only %d pairs: the audit no longer reads the stylesheet", len(a.pairs))
	}
	// The table: one line per rule and kind, its worst pair.
	type row struct {
		p     pair
		n     int
		fails []pair
	}
	rows := map[string]*row{}
	var keys []string
	worst := pair{}
	for _, p := range a.pairs {
		key := p.kind + "\x00" + strings.SplitN(p.what, "  on ", 2)[0]
		r := rows[key]
		if r == nil {
			r = &row{p: p}
			rows[key] = r
			keys = append(keys, key)
		}
		r.n++
		if p.ratio()-p.min < r.p.ratio()-r.p.min {
			r.p = p
		}
		if p.ratio() < p.min {
			r.fails = append(r.fails, p)
		}
		if worst.min == 0 || p.ratio()-p.min < worst.ratio()-worst.min {
			worst = p
		}
	}
	t.Logf("%-13s %-58s %-9s %-9s %6s %4s", "kind", "where (worst of n)", "fg", "bg", "ratio", "need")
	failed := 0
	for _, k := range keys {
		r := rows[k]
		mark := ""
		if len(r.fails) > 0 {
			mark = "  FAIL"
		}
		what := r.p.what
		if r.n > 1 {
			what += fmt.Sprintf(" (of %d)", r.n)
		}
		t.Logf("%-13s %-58s %-9s %-9s %6.2f %4.1f%s", r.p.kind, what, r.p.fg, r.p.bg, r.p.ratio(), r.p.min, mark)
		if len(r.fails) > 0 {
			failed += len(r.fails)
			var on []string
			for _, p := range r.fails {
				on = append(on, fmt.Sprintf("%s %.2f", p.bg, p.ratio()))
			}
			slices.Sort(on)
			t.Errorf("%s %s: %s on %s is %.2f:1, needs %.1f:1 (fails on %d backgrounds: %s)", r.p.kind, r.p.what, r.p.fg, r.p.bg,
				r.p.ratio(), r.p.min, len(r.fails), strings.Join(slices.Compact(on), ", "))
		}
	}
	closest := map[string]pair{}
	var kinds []string
	for _, p := range a.pairs {
		c, ok := closest[p.kind]
		if !ok {
			kinds = append(kinds, p.kind)
		}
		if !ok || p.ratio()-p.min < c.ratio()-c.min {
			closest[p.kind] = p
		}
	}
	for _, k := range kinds {
		p := closest[k]
		t.Logf("closest %-13s %s: %s on %s, %.2f:1 (needs %.1f:1)", k, p.what, p.fg, p.bg, p.ratio(), p.min)
	}
	t.Logf("%d pairs, %d failing; the closest of all: %s %s, %s on %s, %.2f:1 (needs %.1f:1)",
		len(a.pairs), failed, worst.kind, worst.what, worst.fg, worst.bg, worst.ratio(), worst.min)
}

// TestContrastFocusVisible: links, buttons and form fields show where the
// keyboard is, with an outline of at least 2px that no rule takes away.
func TestContrastFocusVisible(t *testing.T) {
	sh := loadSheet(t)
	for _, el := range []string{"a", "button", "input", "select", "textarea", "summary"} {
		found := false
		for _, r := range sh.rules {
			if !strings.Contains(r.sel, ":focus") || r.media != "" {
				continue
			}
			c := compounds(r.sel)
			last := c[len(c)-1]
			if len(c) != 1 || !(strings.HasPrefix(last, el+":focus") || strings.HasPrefix(last, ":focus")) {
				continue
			}
			v, err := sh.resolve(r.decls["outline"] + " " + r.decls["outline-width"] + " " + r.decls["box-shadow"])
			if err != nil {
				t.Error(err)
				continue
			}
			for _, f := range strings.Fields(v) {
				if pxOf(f) >= 2 {
					found = true
				}
			}
		}
		if !found {
			t.Errorf("no :focus or :focus-visible rule gives %s an outline of 2px or more", el)
		}
	}
	for _, r := range sh.rules {
		if !strings.Contains(r.sel, ":focus") {
			continue
		}
		for _, k := range []string{"outline", "outline-style", "outline-width"} {
			if v := strings.TrimSpace(r.decls[k]); v == "none" || v == "0" {
				if r.decls["box-shadow"] == "" {
					t.Errorf("%s removes the focus outline (%s: %s) without a replacement", r.sel, k, v)
				}
			}
		}
	}
}

// chartPairs audits the dashboard charts' colours from the options the
// server builds: text (axis labels, legend, data labels) on the chart's
// background or on the bar or cell it is printed on, and lines and bars
// against the chart's background.
func chartPairs(t *testing.T, sh *sheet, a *audit) {
	t.Helper()
	chartBG := sh.page
	for _, r := range sh.rules {
		if r.sel == ".chart" && r.media == "" {
			if c, ok, err := sh.bg(r); err == nil && ok {
				chartBG = c.over(sh.page)
			}
		}
	}
	one := 1.0
	lights := map[string]int{}
	for _, l := range dashLights {
		lights[string(l)] = 1
	}
	a1 := &eval.Assessment{Domains: []eval.DomainResult{{No: 1, Title: "领域", Lights: lights, Completion: &one}}}
	eq := &eval.EqualizationResult{Counties: []eval.CountyResult{{Org: "鹿城区", Realization: 50,
		Domains: []eval.DomainRealizationResult{{No: 1, Realization: 50}}}}}
	trend := &dashTrend{Unit: "%", Goal: 100, Increment: true}
	for i := 1; i <= 12; i++ {
		trend.Periods = append(trend.Periods, gongfu.MonthPeriod(2020, i))
	}
	trend.Lines = append(trend.Lines, dashLine{Name: "温州市"})
	for i := range dashPalette {
		trend.Lines = append(trend.Lines, dashLine{Name: fmt.Sprintf("县%d", i), County: true})
	}
	for _, c := range []struct {
		name string
		opt  map[string]any
	}{
		{"lights", dashLightsOption("zh", a1)},
		{"completion", dashCompletionOption("zh", a1)},
		{"heat", dashHeatOption("zh", eq, []int{1}, []string{"领域"})},
		{"rank", dashRankOption("zh", eq.Counties)},
		{"units", dashUnitsOption("zh", []dashUnitRow{{Org: "市教育局", Rate: &one}})},
		{"trend", trend.option("zh")},
	} {
		walkChart(t, sh, a, "chart "+c.name, c.opt, chartBG)
	}
}

// walkChart audits one ECharts option.
func walkChart(t *testing.T, sh *sheet, a *audit, name string, opt map[string]any, bg cssColor) {
	t.Helper()
	if base, ok := opt["baseOption"].(map[string]any); ok {
		walkChart(t, sh, a, name, base, bg)
		return
	}
	color := func(v any, where string) (cssColor, bool) {
		s, ok := v.(string)
		if !ok {
			return cssColor{}, false
		}
		c, ok := parseColor(s)
		if !ok {
			a.fail("%s %s: colour %q not understood", name, where, s)
		}
		return c, ok
	}
	each := func(v any, f func(map[string]any)) {
		switch x := v.(type) {
		case map[string]any:
			f(x)
		case []any:
			for _, e := range x {
				if m, ok := e.(map[string]any); ok {
					f(m)
				}
			}
		}
	}
	textOn := func(m map[string]any, where string) {
		if m == nil {
			return
		}
		if c, ok := color(m["color"], where); ok {
			a.add("chart text", name+" "+where, c, bg, 4.5)
		}
	}
	sub := func(m map[string]any, k string) map[string]any { x, _ := m[k].(map[string]any); return x }
	textOn(sub(opt, "textStyle"), "textStyle")
	textOn(sub(sub(opt, "legend"), "textStyle"), "legend")
	for _, ax := range []string{"xAxis", "yAxis"} {
		each(opt[ax], func(m map[string]any) {
			textOn(sub(m, "axisLabel"), ax+".axisLabel")
			textOn(sub(m, "nameTextStyle"), ax+".name")
		})
	}
	var scale []cssColor // a visual map's colours, sampled between its stops
	each(opt["visualMap"], func(m map[string]any) {
		textOn(sub(m, "textStyle"), "visualMap")
		stops, _ := sub(m, "inRange")["color"].([]string)
		for i, s := range stops {
			c, ok := color(s, "visualMap.inRange")
			if !ok {
				continue
			}
			if i == 0 {
				scale = append(scale, c)
				continue
			}
			p := scale[len(scale)-1]
			for k := 1; k <= 10; k++ {
				f := float64(k) / 10
				scale = append(scale, cssColor{p.r + (c.r-p.r)*f, p.g + (c.g-p.g)*f, p.b + (c.b-p.b)*f, 1})
			}
		}
	})
	each(opt["series"], func(s map[string]any) {
		typ, _ := s["type"].(string)
		sname, _ := s["name"].(string)
		where := typ + " " + sname
		var fill []cssColor
		for _, k := range []string{"itemStyle", "lineStyle"} {
			if c, ok := color(sub(s, k)["color"], where); ok {
				a.add("chart graphic", name+" "+where, c, bg, 3)
				if k == "itemStyle" {
					fill = []cssColor{c}
				}
			}
		}
		if typ == "heatmap" && fill == nil {
			fill = scale
		}
		label := sub(s, "label")
		if show, _ := label["show"].(bool); !show {
			return
		}
		c, ok := color(label["color"], where+" label")
		if !ok {
			a.fail("%s %s: a label without a colour of its own", name, where)
			return
		}
		pos, _ := label["position"].(string)
		inside := pos == "" && typ != "line" && typ != "scatter" || strings.HasPrefix(pos, "inside")
		if !inside || len(fill) == 0 {
			a.add("chart text", name+" "+where+" label", c, bg, 4.5)
			return
		}
		for _, f := range fill {
			a.add("chart text", name+" "+where+" label  on "+f.String(), c, f, 4.5)
		}
	})
}

// TestContrastParser checks the audit's own reading of CSS and its
// arithmetic against values worked out by hand.
func TestContrastParser(t *testing.T) {
	for _, tc := range []struct {
		fg, bg string
		want   float64
	}{
		{"#000", "#fff", 21},
		{"#fff", "#fff", 1},
		{"#777", "#fff", 4.48},
		{"rgb(0 0 0 / 50%)", "#fff", 3.98},
	} {
		fg, ok1 := parseColor(tc.fg)
		bg, ok2 := parseColor(tc.bg)
		if !ok1 || !ok2 || math.Abs(contrastRatio(fg, bg)-tc.want) > 0.01 {
			t.Errorf("%s on %s: %.3f, want %.2f", tc.fg, tc.bg, contrastRatio(fg, bg), tc.want)
		}
	}
	for _, bad := range []string{"#12", "#ggg", "rgb(1,2)", "hsl(0 0% 0%)", "blue-ish", ""} {
		if _, ok := parseColor(bad); ok {
			t.Errorf("parseColor(%q) accepted", bad)
		}
	}
	rules, err := parseCSS(`/* c { color: red } */ :root { --a: #111; --b: var(--a); }
		@media (max-width: 600px) { .x, .y > a { color: var(--b); background: url("a;b{}.png") #fff } }
		@page { margin: 1cm } .z{color:#222!important}`)
	if err != nil {
		t.Fatal(err)
	}
	sh := &sheet{rules: rules, vars: map[string]string{"--a": "#111", "--b": "var(--a)"}}
	if len(rules) != 4 || rules[1].sel != ".x" || rules[2].sel != ".y > a" || rules[2].media != "@media (max-width: 600px)" || rules[3].decls["color"] != "#222" {
		t.Fatalf("rules: %+v", rules)
	}
	if c, _, ok, err := sh.fg(rules[2]); !ok || err != nil || c.String() != "#111111" {
		t.Errorf("var(--b): %v %v %v", c, ok, err)
	}
	if c, ok, err := sh.bg(rules[1]); !ok || err != nil || c.String() != "#ffffff" {
		t.Errorf("background shorthand: %v %v %v", c, ok, err)
	}
	for _, bad := range []string{".a { color: #fff", ".a { .b { color: #fff } }", "}"} {
		if _, err := parseCSS(bad); err == nil {
			t.Errorf("parseCSS(%q) accepted", bad)
		}
	}
	if _, err := sh.resolve("var(--nope)"); err == nil {
		t.Error("an undefined custom property resolved")
	}
	if !large(cssRule{decls: map[string]string{"font-size": "1.5rem"}}) || large(cssRule{decls: map[string]string{"font-size": "1.25rem", "font-weight": "600"}}) ||
		!large(cssRule{decls: map[string]string{"font-size": "1.25rem", "font-weight": "700"}}) {
		t.Error("large text misjudged")
	}
}

// TestContrastLightsMatchCharts: a light's badge on the pages and its bar
// in the charts are one colour, so that the audit of one holds for the
// other and a reader never sees two greens.
func TestContrastLightsMatchCharts(t *testing.T) {
	sh := loadSheet(t)
	for l, want := range dashLightColor {
		decls, _ := sh.merged([]string{"light", "light-" + string(l)})
		got, ok, err := sh.bg(cssRule{decls: decls})
		w, _ := parseColor(want)
		if err != nil || !ok || got != w {
			t.Errorf("light %s: the badge's background is %v (%v), the chart's %s", l, got, err, want)
		}
	}
}
