package http

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"gongfu"
	"gongfu/mask"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// assetVersion is a hash of all static files: asset URLs carry it, so a new
// build's CSS is never hidden behind a browser's cache of the old one.
var assetVersion = func() string {
	h := sha256.New()
	fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := staticFS.ReadFile(p)
			h.Write([]byte(p))
			h.Write(b)
		}
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))[:12]
}()

// staticHandler serves /static/<version>/<file> with a year-long cache.
func staticHandler() http.Handler {
	sub, _ := fs.Sub(staticFS, "static")
	files := http.FileServerFS(sub)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rest := strings.TrimPrefix(r.URL.Path, "/static/")
		_, file, ok := strings.Cut(rest, "/")
		if !ok || file == "" || strings.HasSuffix(file, "/") {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		r2 := r.Clone(r.Context())
		r2.URL.Path = "/" + file
		files.ServeHTTP(w, r2)
	})
}

// pages holds every page template, parsed once at start-up.
type pages struct{ t map[string]*template.Template }

var funcs = template.FuncMap{
	"asset": func(name string) string { return "/static/" + assetVersion + "/" + name },
	"add":   func(a, b int) int { return a + b },
	"deref": func(p *float64) float64 { return *p },
	// masked hides phone and ID numbers in free text shown in lists
	// (mask.Text); single-item pages show the text whole.
	"masked": mask.Text,
}

func mustParsePages() *pages {
	base := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html"))
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	p := &pages{t: map[string]*template.Template{}}
	for _, n := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if name == "layout" {
			continue
		}
		p.t[name] = template.Must(template.Must(base.Clone()).ParseFS(templateFS, n))
	}
	return p
}

// view is what every page template receives: the request's language, user
// and CSRF token beside the page's own data.
type view struct {
	Lang  string
	User  *gongfu.User
	CSRF  string
	Title string
	Data  any
}

// T translates a catalogue key into the page's language.
func (v *view) T(key string) string { return translate(v.Lang, key) }

// Num formats a number for the page's language.
func (v *view) Num(f float64) string { return formatNumber(v.Lang, f) }

// Kind names a target kind in the page's language.
func (v *view) Kind(k gongfu.TargetKind) string { return translate(v.Lang, "kind."+string(k)) }

// OrgKind names an org kind in the page's language.
func (v *view) OrgKind(k gongfu.OrgKind) string { return translate(v.Lang, "org."+string(k)) }

// Goal writes a target's goal as a reader expects it: "≥ 80 所", "≤ 2.8%", "55:45".
func (v *view) Goal(t gongfu.Target) string {
	if t.Kind == gongfu.KindRatio && len(t.Ratio) == 2 {
		return v.Num(t.Ratio[0]) + ":" + v.Num(t.Ratio[1])
	}
	op := map[gongfu.Op]string{gongfu.OpAtLeast: "≥ ", gongfu.OpAtMost: "≤ ", gongfu.OpEqual: ""}[t.Op]
	sep := " "
	if t.Unit == "%" || t.Unit == "" {
		sep = ""
	}
	return op + v.Num(t.Value) + sep + t.Unit
}

// pageFunc is a page handler that returns an error instead of writing one.
type pageFunc func(w http.ResponseWriter, r *http.Request) error

// page adapts a pageFunc: errors render the error page with the status of
// their code; a page needing a login sends the visitor to the login form.
func (s *Server) page(fn pageFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := fn(w, r); err != nil {
			s.logError(r, err)
			code := gongfu.ErrorCode(err)
			if code == gongfu.EUNAUTHORIZED && r.Method == http.MethodGet {
				http.Redirect(w, r, "/login?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			s.renderStatus(w, r, statusOf(code), "error", translate(langOf(r), "error.title"), map[string]any{
				"Message": gongfu.ErrorMessage(err), "Details": gongfu.ErrorDetails(err)})
		}
	})
}

// render writes page name with data and status 200.
func (s *Server) render(w http.ResponseWriter, r *http.Request, name, title string, data any) error {
	s.renderStatus(w, r, http.StatusOK, name, title, data)
	return nil
}

func (s *Server) renderStatus(w http.ResponseWriter, r *http.Request, status int, name, title string, data any) {
	u, _, _ := s.currentUser(r)
	v := &view{Lang: langOf(r), User: u, CSRF: csrfToken(w, r), Title: title, Data: data}
	var buf bytes.Buffer
	if err := s.pages.t[name].Execute(&buf, v); err != nil {
		s.Logger.Error("render", "rid", requestID(r.Context()), "page", name, "err", err)
		http.Error(w, gongfu.Detail("内部错误"), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func urlQueryEscape(s string) string {
	return strings.NewReplacer("%", "%25", "&", "%26", "?", "%3F", "#", "%23", "+", "%2B", " ", "%20").Replace(s)
}

// planFor loads the plan named by the {id} path value.
func (s *Server) planFor(r *http.Request) (*gongfu.Plan, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return s.plan(r.Context(), id)
}

// plan returns a stored plan, cached: a stored plan never changes (a new
// version of a document is a new plan), and report entry reads it on every
// request.
func (s *Server) plan(ctx context.Context, id int64) (*gongfu.Plan, error) {
	if p, ok := s.plans.Load(id); ok {
		return p.(*gongfu.Plan), nil
	}
	p, err := s.Store.FindPlanByID(ctx, id)
	if err != nil {
		return nil, err
	}
	s.plans.Store(id, p)
	return p, nil
}

func (s *Server) homePage(w http.ResponseWriter, r *http.Request) error {
	plans, err := s.Store.FindPlans(r.Context())
	if err != nil {
		return err
	}
	return s.render(w, r, "home", translate(langOf(r), "home.title"), plans)
}

// domainRow is a domain with its counts, for the plan overview.
type domainRow struct {
	gongfu.Domain
	Targets, Milestones int
}

func (s *Server) planPage(w http.ResponseWriter, r *http.Request) error {
	p, err := s.planFor(r)
	if err != nil {
		return err
	}
	rows := make([]domainRow, len(p.Domains))
	for i, d := range p.Domains {
		rows[i].Domain = d
		for _, t := range d.Tasks {
			rows[i].Targets += len(t.Targets)
			rows[i].Milestones += len(t.Milestones)
		}
	}
	return s.render(w, r, "plan", p.Title, map[string]any{"Plan": p, "Counts": p.Counts(), "Domains": rows})
}

func (s *Server) domainPage(w http.ResponseWriter, r *http.Request) error {
	p, err := s.planFor(r)
	if err != nil {
		return err
	}
	no, _ := strconv.Atoi(r.PathValue("no"))
	for _, d := range p.Domains {
		if d.No == no {
			return s.render(w, r, "domain", d.Title, map[string]any{"Plan": p, "Domain": d})
		}
	}
	return gongfu.Failf(gongfu.ENOTFOUND, "找不到该领域")
}

func (s *Server) taskPage(w http.ResponseWriter, r *http.Request) error {
	p, err := s.planFor(r)
	if err != nil {
		return err
	}
	no, _ := strconv.Atoi(r.PathValue("no"))
	d, t := p.FindTask(no)
	if t == nil {
		return gongfu.Failf(gongfu.ENOTFOUND, "找不到该任务")
	}
	var sources []string
	for _, g := range t.Targets {
		sources = append(sources, g.Source)
	}
	for _, m := range t.Milestones {
		sources = append(sources, m.Text)
	}
	return s.render(w, r, "task", t.Title, map[string]any{
		"Plan": p, "Domain": d, "Task": t, "Units": d.UnitsFor(t), "Text": markSources(taskText(t), sources)})
}

func (s *Server) targetPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderTarget(w, r, http.StatusOK, nil)
}

// unitsForm is the responsibility form of a target as posted, shown again
// with its problem when refused.
type unitsForm struct {
	Lead int64
	Co   map[int64]bool
	Err  string
}

// unitChoice is a department offered on the responsibility form.
type unitChoice struct {
	ID       int64
	Name     string
	Lead, Co bool
}

// renderTarget writes the target page with status: the target, who answers
// for it as stored (a coordinator may have changed the plan's 责任单位), and
// for those who may change that, the form doing it; form, when set, is a
// refused one shown again.
func (s *Server) renderTarget(w http.ResponseWriter, r *http.Request, status int, form *unitsForm) error {
	ctx := r.Context()
	p, err := s.planFor(r)
	if err != nil {
		return err
	}
	d, t, g := p.FindTarget(r.PathValue("tid"))
	if g == nil {
		return gongfu.Failf(gongfu.ENOTFOUND, "找不到该指标")
	}
	units, err := s.Store.FindItemUnits(ctx, p.ID, g.ID)
	if err != nil && gongfu.ErrorCode(err) != gongfu.ENOTFOUND {
		return err
	}
	depts, err := s.Store.FindOrgs(ctx, gongfu.OrgFilter{Kind: gongfu.OrgDepartment})
	if err != nil {
		return err
	}
	names := map[int64]string{}
	for _, o := range depts {
		names[o.ID] = o.Name
	}
	var lead string
	var co []string
	stored := unitsForm{Co: map[int64]bool{}}
	for _, iu := range units {
		name, ok := names[iu.OrgID]
		if !ok {
			o, err := s.orgByID(ctx, iu.OrgID)
			if err != nil {
				return err
			}
			name = o.Name
		}
		if iu.Lead {
			lead, stored.Lead = name, iu.OrgID
		} else {
			co = append(co, name)
			stored.Co[iu.OrgID] = true
		}
	}
	if len(units) == 0 { // never assigned in the store: as the plan reads
		if pu := d.UnitsFor(t); len(pu) > 0 {
			lead, co = pu[0], pu[1:]
		}
	}
	data := map[string]any{
		"Plan": p, "Domain": d, "Task": t, "Target": g, "Lead": lead, "Co": co,
		"Text": markSources(taskText(t), []string{g.Source})}
	u, _, _ := s.currentUser(r)
	if u != nil && s.can(ctx, u, actEditUnits, scope{}) == nil {
		if form == nil {
			form = &stored
			data["UnitsOK"] = r.URL.Query().Get("units") == "ok"
		}
		choices := make([]unitChoice, len(depts))
		for i, o := range depts {
			choices[i] = unitChoice{ID: o.ID, Name: o.Name, Lead: o.ID == form.Lead, Co: form.Co[o.ID]}
		}
		data["Units"], data["UnitsErr"] = choices, form.Err
	}
	s.renderStatus(w, r, status, "target", g.Name, data)
	return nil
}

// unitsSubmit saves who answers for a target from the target page's form:
// a lead department and any co-operating ones (SetItemUnits). A form
// without a lead, or naming an org that is not a department, is shown
// again with the problem (422).
func (s *Server) unitsSubmit(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	if err := checkCSRF(r); err != nil {
		return err
	}
	ctx := r.Context()
	u, err := s.userOf(r)
	if err != nil {
		return err
	}
	if err := s.can(ctx, u, actEditUnits, scope{}); err != nil {
		return err
	}
	p, err := s.planFor(r)
	if err != nil {
		return err
	}
	_, _, g := p.FindTarget(r.PathValue("tid"))
	if g == nil {
		return gongfu.Failf(gongfu.ENOTFOUND, "找不到该指标")
	}
	depts, err := s.Store.FindOrgs(ctx, gongfu.OrgFilter{Kind: gongfu.OrgDepartment})
	if err != nil {
		return err
	}
	isDept := map[int64]bool{}
	for _, o := range depts {
		isDept[o.ID] = true
	}
	lang := langOf(r)
	form := &unitsForm{Co: map[int64]bool{}}
	if v := r.PostFormValue("lead"); v != "" {
		form.Lead, err = strconv.ParseInt(v, 10, 64)
		if err != nil || !isDept[form.Lead] {
			form.Err = translate(lang, "units.no.dept")
		}
	}
	for _, v := range r.PostForm["co"] {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || !isDept[id] {
			form.Err = translate(lang, "units.no.dept")
			continue
		}
		form.Co[id] = true
	}
	if form.Lead == 0 && form.Err == "" {
		form.Err = translate(lang, "units.no.lead")
	}
	if form.Err != "" {
		return s.renderTarget(w, r, http.StatusUnprocessableEntity, form)
	}
	units := []gongfu.ItemUnit{{OrgID: form.Lead, Lead: true}}
	for _, o := range depts { // in the departments' order; the lead leads only
		if form.Co[o.ID] && o.ID != form.Lead {
			units = append(units, gongfu.ItemUnit{OrgID: o.ID})
		}
	}
	if err := s.Store.SetItemUnits(gongfu.WithActor(ctx, u), p.ID, g.ID, units); err != nil {
		if code := gongfu.ErrorCode(err); code == gongfu.EINVALID || code == gongfu.ENOTFOUND {
			form.Err = errText(lang, err)
			return s.renderTarget(w, r, http.StatusUnprocessableEntity, form)
		}
		return err
	}
	http.Redirect(w, r, "/plans/"+strconv.FormatInt(p.ID, 10)+"/targets/"+url.PathEscape(g.ID)+"?units=ok#units", http.StatusSeeOther)
	return nil
}

// taskText is the paragraph a task was read from, or its title when the
// document gave none.
func taskText(t *gongfu.Task) string {
	if t.Text != "" {
		return t.Text
	}
	return t.Title
}

// segment is a run of a paragraph, marked when it is the source of an item.
type segment struct {
	Text string
	Mark bool
}

// markSources splits text into segments with every occurrence of the first
// match of each source marked, so a reader sees each target where the
// document states it. Overlapping sources merge into one mark.
func markSources(text string, sources []string) []segment {
	type span struct{ a, b int }
	var spans []span
	for _, src := range sources {
		if src == "" {
			continue
		}
		if i := strings.Index(text, src); i >= 0 {
			spans = append(spans, span{i, i + len(src)})
		}
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].a < spans[j].a })
	var out []segment
	pos := 0
	for _, sp := range spans {
		if sp.b <= pos {
			continue
		}
		if sp.a > pos {
			out = append(out, segment{Text: text[pos:sp.a]})
		} else {
			sp.a = pos
		}
		out = append(out, segment{Text: text[sp.a:sp.b], Mark: true})
		pos = sp.b
	}
	if pos < len(text) {
		out = append(out, segment{Text: text[pos:]})
	}
	return out
}

func (s *Server) orgsPage(w http.ResponseWriter, r *http.Request) error {
	orgs, err := s.Store.FindOrgs(r.Context(), gongfu.OrgFilter{})
	if err != nil {
		return err
	}
	return s.render(w, r, "orgs", translate(langOf(r), "orgs.title"), orgs)
}

// safeNext keeps a post-login redirect on this site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}

func (s *Server) importPage(w http.ResponseWriter, r *http.Request) error {
	if err := s.canNow(r, actImportPlan); err != nil {
		return err
	}
	return s.render(w, r, "import", translate(langOf(r), "import.title"), map[string]any{})
}

func (s *Server) importSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := s.canNow(r, actImportPlan); err != nil {
		return err
	}
	name, data, err := readUpload(w, r)
	if err != nil {
		return err
	}
	if err := checkCSRF(r); err != nil {
		return err
	}
	res, warnings, err := s.importDocument(r, name, data)
	if err != nil {
		return err
	}
	return s.render(w, r, "import", translate(langOf(r), "import.title"), map[string]any{"Result": res, "Warnings": warnings})
}
