package e2e

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"gongfu"
	"gongfu/demo"
	"gongfu/extract"
	gongfuhttp "gongfu/http"
	"gongfu/password"
	"gongfu/region"
	"gongfu/sqlite"
)

// The whole test and each step in it are bounded, so a browser that hangs
// fails the run instead of stalling CI. A step takes well under a second
// and the four runs take a minute or two on a quiet machine, but several
// minutes on a busy two-core machine, so the bounds catch hangs, not
// slowness; the whole stays inside go test's default ten minutes.
const (
	testTimeout = 8 * time.Minute
	stepTimeout = time.Minute
)

// The demo plan is for 2020. The server's clock stands on 3 July 2020: the
// demo reports run from January to May (May partly still in review), June
// has ended and its figures are due on the 5th, so the month the cycle
// fills in, returns, fixes and approves is June — the reporting list's
// default — and the dashboards still judge the plan on May's figures until
// June's are approved.
var (
	cst         = time.FixedZone("CST", 8*3600)
	seededAt    = time.Date(2020, 6, 20, 9, 0, 0, 0, cst)
	clockStart  = time.Date(2020, 7, 3, 9, 0, 0, 0, cst)
	cyclePeriod = "2020-06"
	cycleTarget = "1.1" // 新（扩）建幼儿园80所, split into county quotas
	cycleCounty = "鹿城区"
)

// accounts are serve --demo's accounts with their printed passwords.
var accounts = map[string]struct{ role, org, password string }{
	"admin":       {"admin", "", "Demo-admin-2020"},
	"coordinator": {"coordinator", "", "Demo-coord-2020"},
	"leader":      {"leader", "", "Demo-leader-2020"},
	"lucheng":     {"reporter", "鹿城区", "Demo-county-2020"},
	"jiaoyu":      {"reporter", "市教育局", "Demo-dept-2020"},
}

// viewport is a screen the cycle runs on.
type viewport struct {
	name          string
	width, height int64
	mobile        bool
}

var (
	phone   = viewport{"phone", 375, 812, true}
	desktop = viewport{"desktop", 1366, 768, false}
)

// chromeBinary finds Chromium, or skips the test — or fails it when CI is
// set, since CI installs Chromium and must not pass without running it.
func chromeBinary(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("GONGFU_CHROME"); p != "" {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("GONGFU_CHROME=%s: %v", p, err)
		}
		return p
	}
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "no Chromium found (looked for /usr/bin/chromium, chromium-browser, google-chrome; set GONGFU_CHROME to the binary, or install the Debian packages chromium and chromium-driver)"
	if os.Getenv("CI") != "" {
		t.Fatal(msg + "; CI is set, so a missing browser is a failure")
	}
	t.Skip(msg)
	return ""
}

// TestMonthlyCycle runs a month's reporting cycle in a real browser at a
// phone's and a laptop's size, in Chinese and in English. Each run has its
// own server and database, so the runs cannot disturb one another.
func TestMonthlyCycle(t *testing.T) {
	bin := chromeBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	browser := startBrowser(t, ctx, bin)
	seed, planID := seedDatabase(t)

	// GONGFU_SCREENSHOTS=docs/screenshots: a relative directory is taken
	// from the repository's root, not from e2e/ where go test runs.
	shotDir := os.Getenv("GONGFU_SCREENSHOTS")
	if shotDir != "" && !filepath.IsAbs(shotDir) {
		shotDir = filepath.Join("..", shotDir)
	}
	if shotDir != "" {
		if err := os.MkdirAll(shotDir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// The four runs share the browser and go in parallel; the group
	// returns when all of them are done, before the browser closes.
	t.Run("cycle", func(t *testing.T) {
		for _, vp := range []viewport{desktop, phone} {
			for _, lang := range []string{"zh", "en"} {
				t.Run(vp.name+"-"+lang, func(t *testing.T) {
					t.Parallel()
					sc := &scenario{t: t, browser: browser, vp: vp, lang: lang,
						srv: startServer(t, seed, planID), shots: t.TempDir(), readme: shotDir}
					sc.run()
				})
			}
		}
	})
}

// startBrowser launches Chromium with the flags CI uses and a fresh profile,
// and returns the browser's context; each account gets its own incognito-like
// browser context in it.
func startBrowser(t *testing.T, ctx context.Context, bin string) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.UserDataDir(t.TempDir()),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	browser, cancelBrowser := chromedp.NewContext(alloc)
	t.Cleanup(cancelBrowser)
	// The first Do starts the browser; its lifetime is the context's, so
	// this one has no step timeout.
	if err := chromedp.Do(browser); err != nil {
		t.Fatalf("start Chromium %s: %v", bin, err)
	}
	return browser
}

// server is a running gongfu with the demo data.
type server struct {
	base   string
	planID int64
}

// seedDatabase writes a database loaded as serve --demo loads one — the
// seed plan, Wenzhou's counties, the demo accounts and the demo reports
// (here up to May) — and returns its file and the plan's id. Loading the
// reports takes seconds, so it is done once and each run gets a copy.
func seedDatabase(t *testing.T) (string, int64) {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "seed.db")
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.Now = func() time.Time { return seededAt }
	orgs, err := region.ParseCSV(demo.CountiesCSV)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.EnsureOrgs(ctx, orgs); err != nil {
		t.Fatal(err)
	}
	res, err := extract.Document(demo.PlanName, demo.PlanText)
	if err != nil {
		t.Fatal(err)
	}
	ir, err := db.ImportPlan(ctx, res.Plan, region.PlanOrgs(res.Plan))
	if err != nil {
		t.Fatal(err)
	}
	for name, a := range accounts {
		u := &gongfu.User{Name: name, Role: gongfu.Role(a.role)}
		if a.org != "" {
			o, err := db.FindOrg(ctx, a.org)
			if err != nil {
				t.Fatal(err)
			}
			u.OrgID = o.ID
		}
		if u.PasswordHash, err = password.Hash(a.password); err != nil {
			t.Fatal(err)
		}
		if err := db.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	p, err := db.FindPlanByID(ctx, ir.PlanID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Reports(ctx, db, p, seededAt); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return path, ir.PlanID
}

// startServer starts a server in this process over a copy of the seeded
// database, its clock running from clockStart.
func startServer(t *testing.T, seed string, planID int64) *server {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(seed + suffix)
		if errors.Is(err, fs.ErrNotExist) && suffix != "" {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "gongfu.db"+suffix), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	db, err := sqlite.Open(ctx, filepath.Join(dir, "gongfu.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	started := time.Now()
	clock := func() time.Time { return clockStart.Add(time.Since(started)) }
	db.Now = clock
	srv := gongfuhttp.NewServer(db, slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn})))
	srv.Now = clock
	srv.Extract = func(name string, data []byte) (*gongfu.Plan, []string, error) {
		res, err := extract.Document(name, data)
		if err != nil {
			return nil, nil, err
		}
		return res.Plan, res.Warnings, nil
	}
	srv.PlanOrgs = region.PlanOrgs
	if err := srv.Open("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close(context.Background()) })
	return &server{base: "http://" + srv.Addr(), planID: planID}
}

// testWriter sends the server's warnings and errors to the test log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}

var _ io.Writer = testWriter{}

// scenario is one run of the cycle: one server, one screen size, one
// language.
type scenario struct {
	t       *testing.T
	browser context.Context
	vp      viewport
	lang    string
	srv     *server
	shots   string // every screenshot of the run
	readme  string // GONGFU_SCREENSHOTS: the README's set, or ""
}

// zh picks the Chinese or the English text, as the page should show it.
func (sc *scenario) zh(zh, en string) string {
	if sc.lang == "en" {
		return en
	}
	return zh
}

func (sc *scenario) run() {
	t := sc.t
	plan := "/plans/" + strconv.FormatInt(sc.srv.planID, 10)

	// Every role logs in and finds its own links.
	coord := sc.login("coordinator", []string{"/review", "/missing", "/bulletin", "/dash"}, []string{"/report"})
	rep := sc.login("lucheng", []string{"/report", "/notices"}, []string{"/review", "/dash", "/import"})
	leader := sc.login("leader", []string{"/dash", "/review", "/bulletin"}, []string{"/report", "/import"})
	admin := sc.login("admin", []string{"/dash", "/import"}, []string{"/review", "/report"})
	dept := sc.login("jiaoyu", []string{"/report"}, []string{"/review"})

	// The public pages, as the coordinator sees them.
	coord.open("/")
	coord.wantText("h1", sc.zh("行动计划", "Action plans"))
	coord.shot("home")
	coord.open(plan)
	coord.wantText("main", "加快推进教育现代化工程")
	coord.shot("plan")
	coord.open(plan + "/tasks/1")
	coord.wantText("main", "新（扩）建幼儿园80所")
	coord.shot("task")

	// The light of 鹿城区 on target 1.1 before June is in.
	coord.open("/dash/targets/" + cycleTarget)
	before, beforeRow := coord.verdict(cycleCounty)
	t.Logf("%s on %s before: %s", cycleCounty, cycleTarget, beforeRow)

	// The county opens its list for June and the form of 1.1.
	rep.open("/report")
	rep.wantText("h1", sc.zh("月度填报", "Monthly report"))
	rep.wantText("main", sc.zh("2020年6月", "June 2020"))
	rep.fits()
	rep.shot("report")
	row := "#item-" + cssEscape(cycleTarget)
	href := rep.eval(fmt.Sprintf(`document.querySelector(%q).getAttribute("href")`, row+" a.button"))
	if !strings.HasSuffix(href, "/"+cyclePeriod) {
		t.Fatalf("entry link of %s is %q, want one for %s", cycleTarget, href, cyclePeriod)
	}
	rep.follow(row + " a.button")
	rep.wantText("h1", cycleTarget)
	rep.fits()
	quota := rep.number(`[...document.querySelectorAll("dl.facts dd.goal")].pop().textContent`)
	if quota <= 0 {
		t.Fatalf("no county quota on the entry form of %s", cycleTarget)
	}
	rep.shot("entry")

	// A value that is not a number: the error is tied to the field, and the
	// keyboard still reaches the submit button.
	rep.fill("#f-value", "十二所")
	if st := rep.submit(`button[name="action"][value="submit"]`); st != 422 {
		t.Errorf("an invalid value: status %d, want 422", st)
	}
	rep.fieldError("f-value", "e-value")
	rep.tabReaches("#f-value", `button[name="action"][value="submit"]`)
	rep.fits()

	// A first figure, too low, submitted.
	low := max(1, float64(int(quota/3)))
	rep.fill("#f-value", strconv.FormatFloat(low, 'f', -1, 64))
	rep.fill("#f-note", sc.zh("新建幼儿园项目开工", "kindergarten projects started"))
	if st := rep.submit(`button[name="action"][value="submit"]`); st != 200 {
		t.Fatalf("submit %s: status %d", cycleTarget, st)
	}
	rep.open("/report?period=" + cyclePeriod)
	rep.wantText(row, sc.zh("已报送", "Submitted"))

	// The plan office returns it with a comment.
	comment := sc.zh("数值与乡镇台账不符，请核实后重报", "The figure does not match the townships' ledgers; please check it")
	card := coord.reviewCard(cycleCounty, cycleTarget)
	coord.wantText(card, sc.zh("已报送", "Submitted"))
	coord.shot("review")
	coord.fill(card+` form[action$="/return"] textarea`, comment)
	if st := coord.submit(card + ` form[action$="/return"] button`); st != 200 {
		t.Fatalf("return %s: status %d", cycleTarget, st)
	}
	coord.wantText("main", sc.zh("退回", "eturned"))

	// The county sees why, fixes the figure and submits again.
	rep.open("/report?period=" + cyclePeriod)
	rep.wantText(row, sc.zh("已退回", "Returned"))
	rep.wantText(row+" .comment", comment)
	rep.follow(row + " a.button")
	rep.wantText(".comment", comment)
	rep.fill("#f-value", strconv.FormatFloat(quota, 'f', -1, 64))
	rep.fill("#f-reason", sc.zh("补录三所新建幼儿园，已与乡镇台账核对", "three new kindergartens added after checking the ledgers"))
	if st := rep.submit(`button[name="action"][value="submit"]`); st != 200 {
		t.Fatalf("resubmit %s: status %d", cycleTarget, st)
	}
	rep.open("/report?period=" + cyclePeriod)
	rep.wantText(row, sc.zh("已报送", "Submitted"))

	// The plan office approves.
	card = coord.reviewCard(cycleCounty, cycleTarget)
	if st := coord.submit(card + ` form[action$="/approve"] button`); st != 200 {
		t.Fatalf("approve %s: status %d", cycleTarget, st)
	}
	rep.open("/report?period=" + cyclePeriod)
	rep.wantText(row, sc.zh("已审核", "Approved"))

	// The dashboard's light for 鹿城区 has changed: the county's quota is met.
	coord.open("/dash/targets/" + cycleTarget)
	after, afterRow := coord.verdict(cycleCounty)
	t.Logf("%s on %s after: %s", cycleCounty, cycleTarget, afterRow)
	if after == before {
		t.Errorf("the light of %s on %s did not change: %q", cycleCounty, cycleTarget, after)
	}
	if done := sc.zh("已完成", "Done"); after != done {
		t.Errorf("%s on %s after approval: light %q, want %q (%s)", cycleCounty, cycleTarget, after, done, afterRow)
	}
	coord.fits()
	coord.shot("target-trend")

	// The leader's screens.
	leader.open("/dash")
	leader.wantText("h1", sc.zh("驾驶舱", "ashboard"))
	leader.wantText("main", sc.zh("绿灯", "Green"))
	leader.fits()
	leader.shot("dashboard")
	leader.open("/dash/counties")
	leader.wantText("main", cycleCounty)
	leader.fits()
	leader.shot("counties")

	// The bulletin: the page, and the workbook it links to.
	coord.open("/bulletin")
	coord.wantText("main", sc.zh("通报", "ulletin"))
	coord.fits()
	coord.shot("bulletin")
	coord.download(`a[href^="/bulletin.xlsx"]`, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

	// The administrator lands on the home page and may import plans; the
	// department reporter reports for the city.
	admin.open("/import")
	admin.wantText("h1", sc.zh("导入", "mport"))
	dept.open("/report")
	dept.wantText("main", "温州市")
	dept.fits()
}

// tab is one account's browser tab, in a browser context of its own so that
// sessions do not mix.
type tab struct {
	sc   *scenario
	t    *testing.T
	ctx  context.Context
	user string
}

// login opens a tab for user, sets the scenario's language and screen,
// logs in through the form and checks the navigation offers the links want
// and not the links not.
func (sc *scenario) login(user string, want, not []string) *tab {
	t := sc.t
	t.Helper()
	ctx, cancel := chromedp.NewContext(sc.browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil { // opens the tab, for the tab's lifetime
		t.Fatalf("open a tab for %s: %v", user, err)
	}
	tb := &tab{sc: sc, t: t, ctx: ctx, user: user}
	var vpOpts []chromedp.EmulateViewportOption
	if sc.vp.mobile {
		vpOpts = append(vpOpts, chromedp.EmulateMobile)
	}
	tb.do("set the screen",
		chromedp.EmulateViewport(sc.vp.width, sc.vp.height, vpOpts...),
		// Charts draw at once (dash.js honours reduced motion), so a
		// screenshot never catches them half drawn.
		func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
			_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
				Features: []*emulation.MediaFeature{{Name: "prefers-reduced-motion", Value: "reduce"}},
			})
			return chromedp.Void{}, err
		},
	)
	tb.open("/login")
	if sc.lang == "en" {
		tb.follow(`a[href="/lang/en"]`)
		tb.wantText("h1", "Log in")
	}
	tb.labelled()
	tb.fill("#username", user)
	tb.fill("#password", accounts[user].password)
	if st := tb.submit(`main form button[type="submit"]`); st != 200 {
		t.Fatalf("log in as %s: status %d", user, st)
	}
	tb.wantText("header .who", user)
	if path := tb.eval("location.pathname"); path != "/" {
		t.Errorf("%s lands on %s after logging in, want the home page", user, path)
	}
	for _, href := range want {
		if n := tb.count(fmt.Sprintf(`header nav a[href=%q]`, href)); n != 1 {
			t.Errorf("%s's navigation has %d links to %s, want 1", user, n, href)
		}
	}
	for _, href := range not {
		if n := tb.count(fmt.Sprintf(`header nav a[href=%q]`, href)); n != 0 {
			t.Errorf("%s's navigation links to %s", user, href)
		}
	}
	if sc.lang == "en" {
		tb.wantText("header nav", "Log out")
	}
	return tb
}

// do runs actions within the step timeout, failing the test on an error.
func (tb *tab) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		tb.t.Fatalf("%s (%s): %v", what, tb.user, err)
	}
}

// navigate runs actions that load a page and returns its HTTP status.
func (tb *tab) navigate(what string, actions ...chromedp.Action[chromedp.Void]) int {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, actions...)
	if err != nil {
		tb.t.Fatalf("%s (%s): %v", what, tb.user, err)
	}
	return int(resp.Status)
}

// open loads path, wants a 200, and checks the page's form fields are
// labelled.
func (tb *tab) open(path string) {
	tb.t.Helper()
	if st := tb.navigate("open "+path, chromedp.Navigate(tb.sc.srv.base+path)); st != 200 {
		tb.t.Fatalf("%s: GET %s: status %d", tb.user, path, st)
	}
	tb.labelled()
}

// follow clicks the link sel and waits for the page it leads to.
func (tb *tab) follow(sel string) {
	tb.t.Helper()
	if st := tb.navigate("follow "+sel, chromedp.Click(chromedp.CSS(sel))); st != 200 {
		tb.t.Fatalf("%s: following %s: status %d", tb.user, sel, st)
	}
	tb.labelled()
}

// submit clicks the button sel and returns the status of the page the form
// leads to (after any redirect).
func (tb *tab) submit(sel string) int {
	tb.t.Helper()
	st := tb.navigate("submit "+sel, chromedp.Click(chromedp.CSS(sel)))
	tb.labelled()
	return st
}

// fill replaces the text of the field sel by typing v.
func (tb *tab) fill(sel, v string) {
	tb.t.Helper()
	tb.do("fill "+sel,
		chromedp.WaitVisible(chromedp.CSS(sel)),
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector(%q).value = ""`, sel)),
		chromedp.SendKeys(chromedp.CSS(sel), v))
}

// eval runs a JavaScript expression that yields a string.
func (tb *tab) eval(js string) string {
	return evaluate[string](tb, js)
}

func evaluate[T any](tb *tab, js string, opts ...chromedp.EvaluateOption) T {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, opts...))
	if err != nil {
		tb.t.Fatalf("%s: evaluate %s: %v", tb.user, js, err)
	}
	return v
}

var numberRE = regexp.MustCompile(`[0-9]+(\.[0-9]+)?`)

// number evaluates js to a text and returns the first number in it.
func (tb *tab) number(js string) float64 {
	tb.t.Helper()
	s := tb.eval(js)
	v, err := strconv.ParseFloat(numberRE.FindString(strings.ReplaceAll(s, ",", "")), 64)
	if err != nil {
		tb.t.Fatalf("%s: no number in %q", tb.user, s)
	}
	return v
}

// count is how many elements sel matches.
func (tb *tab) count(sel string) int {
	return evaluate[int](tb, fmt.Sprintf(`document.querySelectorAll(%q).length`, sel))
}

// wantText checks the first element matching sel contains text.
func (tb *tab) wantText(sel, text string) {
	tb.t.Helper()
	got := tb.eval(fmt.Sprintf(`(e => e ? e.textContent : "<no %s>")(document.querySelector(%q))`, strings.ReplaceAll(sel, `"`, `'`), sel))
	if !strings.Contains(strings.Join(strings.Fields(got), " "), text) {
		if len(got) > 400 {
			got = got[:400] + "…"
		}
		tb.t.Errorf("%s on %s: %s does not say %q: %q", tb.user, tb.eval("location.pathname"), sel, text, strings.Join(strings.Fields(got), " "))
	}
}

// labelled checks that every form field of the page has a label: a <label>
// tied to it, or an aria-label or aria-labelledby.
func (tb *tab) labelled() {
	tb.t.Helper()
	bad := evaluate[[]string](tb, `[...document.querySelectorAll("input, select, textarea")]
		.filter(e => e.type !== "hidden" && !(e.labels && e.labels.length) && !e.getAttribute("aria-label") && !e.getAttribute("aria-labelledby"))
		.map(e => e.outerHTML.slice(0, 160))`)
	for _, b := range bad {
		tb.t.Errorf("%s on %s: a field without a label: %s", tb.user, tb.eval("location.pathname"), b)
	}
}

// fits checks that on a phone the page does not scroll sideways: wide
// tables scroll inside their own box, everything else wraps.
func (tb *tab) fits() {
	tb.t.Helper()
	if !tb.sc.vp.mobile {
		return
	}
	type widths struct {
		Scroll, Inner int
		Culprits      []string
	}
	w := evaluate[widths](tb, `(() => {
		const inner = window.innerWidth;
		const culprits = [...document.querySelectorAll("body *")]
			.filter(e => { const r = e.getBoundingClientRect(); return r.right > inner + 1 && !e.closest(".scroll, .sr, .skip"); })
			.slice(0, 5).map(e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.className ? "." + String(e.className).split(" ").join(".") : ""));
		return {Scroll: document.documentElement.scrollWidth, Inner: inner, Culprits: culprits};
	})()`)
	if w.Scroll > w.Inner+1 {
		tb.t.Errorf("%s on %s scrolls sideways at %d px: %d px wide; too wide: %v", tb.user, tb.eval("location.pathname"), w.Inner, w.Scroll, w.Culprits)
	}
}

// fieldError checks that field shows the error errID and points to it with
// aria-describedby and aria-invalid, and that the summary links to it.
func (tb *tab) fieldError(field, errID string) {
	tb.t.Helper()
	type state struct {
		Invalid, DescribedBy, Error, Summary string
	}
	s := evaluate[state](tb, fmt.Sprintf(`(() => {
		const f = document.getElementById(%q), e = document.getElementById(%q), a = document.querySelector('#errors a[href="#%s"]');
		return {Invalid: f.getAttribute("aria-invalid") || "", DescribedBy: f.getAttribute("aria-describedby") || "",
			Error: e ? e.textContent.trim() : "", Summary: a ? a.textContent.trim() : ""};
	})()`, field, errID, field))
	if s.Invalid != "true" {
		tb.t.Errorf("%s: after an invalid value #%s has aria-invalid=%q", tb.user, field, s.Invalid)
	}
	if !strings.Contains(" "+s.DescribedBy+" ", " "+errID+" ") {
		tb.t.Errorf("%s: #%s aria-describedby=%q does not name the error #%s", tb.user, field, s.DescribedBy, errID)
	}
	if s.Error == "" {
		tb.t.Errorf("%s: no error text in #%s", tb.user, errID)
	}
	if s.Summary == "" {
		tb.t.Errorf("%s: the error summary has no link to #%s", tb.user, field)
	}
}

// tabReaches checks that pressing Tab from the field from reaches the
// element to within a few presses.
func (tb *tab) tabReaches(from, to string) {
	tb.t.Helper()
	tb.do("focus "+from, chromedp.Focus(chromedp.CSS(from)))
	for range 12 {
		if evaluate[bool](tb, fmt.Sprintf(`document.activeElement === document.querySelector(%q)`, to)) {
			return
		}
		tb.do("press Tab", chromedp.KeyEvent(kb.Tab))
	}
	tb.t.Errorf("%s: Tab from %s never reaches %s (stuck on %s)", tb.user, from, to,
		tb.eval(`document.activeElement ? document.activeElement.outerHTML.slice(0, 120) : ""`))
}

// reviewCard opens the review queue of the cycle's month and returns the
// selector of the card of org's report on item.
func (tb *tab) reviewCard(org, item string) string {
	tb.t.Helper()
	tb.open("/review?period=" + cyclePeriod)
	tb.fits()
	id := tb.eval(fmt.Sprintf(`(() => {
		for (const c of document.querySelectorAll("li.card[id^=rv-]")) {
			const h = c.querySelector("h2").textContent;
			if (h.includes(%q) && h.includes(" · " + %q + " ")) return c.id;
		}
		return "";
	})()`, org, item))
	if id == "" {
		tb.t.Fatalf("%s: no report of %s on %s in the review queue: %s", tb.user, org, item, tb.eval(`document.querySelector("main").innerText.slice(0, 600)`))
	}
	return "#" + id
}

// verdict returns the light of org's row in the verdicts of a target's page
// and the whole row (name, light, figures, reason), as a person reads them.
func (tb *tab) verdict(org string) (light, row string) {
	tb.t.Helper()
	row = tb.eval(fmt.Sprintf(`(() => {
		for (const tr of document.querySelectorAll("table.stack tbody tr")) {
			const c = tr.querySelector("td.org");
			if (c && c.textContent.trim() === %q) return [...tr.cells].map(c => c.textContent.trim()).join(" | ");
		}
		return "";
	})()`, org))
	if row == "" {
		tb.t.Fatalf("%s: no row of %s on %s", tb.user, org, tb.eval("location.pathname"))
	}
	row = strings.Join(strings.Fields(row), " ")
	if cells := strings.Split(row, " | "); len(cells) > 1 {
		light = cells[1]
	}
	return light, row
}

// download fetches the link sel from within the page, with the page's
// cookies, and checks the status, the content type and that the file is a
// zip (as .xlsx and .docx are).
func (tb *tab) download(sel, contentType string) {
	tb.t.Helper()
	type got struct {
		Status int
		Type   string
		Size   int
		Magic  string
	}
	g := evaluate[got](tb, fmt.Sprintf(`(async () => {
		const r = await fetch(document.querySelector(%q).href);
		const b = new Uint8Array(await r.arrayBuffer());
		return {Status: r.status, Type: r.headers.get("content-type") || "", Size: b.length, Magic: String.fromCharCode(b[0] || 0, b[1] || 0)};
	})()`, sel), chromedp.EvalAwaitPromise)
	if g.Status != 200 || g.Type != contentType || g.Size < 1000 || g.Magic != "PK" {
		tb.t.Errorf("%s: download %s: status %d, type %q, %d bytes starting %q", tb.user, sel, g.Status, g.Type, g.Size, g.Magic)
	}
}

// shot saves a screenshot of the viewport as NAME.png among the run's
// screenshots; with GONGFU_SCREENSHOTS set it also writes the README's set
// there: every page on the Chinese desktop, and the entry form on the
// Chinese phone as entry-phone.png.
func (tb *tab) shot(name string) {
	tb.t.Helper()
	sc := tb.sc
	tb.do("scroll to the top", chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0); document.activeElement && document.activeElement.blur()`))
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		tb.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(sc.shots, name+".png"), shot, 0o644); err != nil {
		tb.t.Fatal(err)
	}
	if sc.readme == "" || sc.lang != "zh" {
		return
	}
	switch {
	case !sc.vp.mobile:
	case name == "entry":
		name = "entry-phone"
	default:
		return
	}
	small, err := smallPNG(shot)
	if err != nil {
		tb.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(sc.readme, name+".png"), small, 0o644); err != nil {
		tb.t.Fatal(err)
	}
}

// smallPNG re-encodes a screenshot with a palette of its 256 commonest
// colours, each other colour drawn as the nearest of them: a page of flat
// colours and text looks the same and the file is about a third the size,
// small enough to commit.
func smallPNG(b []byte) ([]byte, error) {
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	r := img.Bounds()
	counts := map[color.RGBA]int{}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			counts[color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)]++
		}
	}
	colors := slices.Collect(maps.Keys(counts))
	key := func(c color.RGBA) uint32 { return uint32(c.R)<<24 | uint32(c.G)<<16 | uint32(c.B)<<8 | uint32(c.A) }
	slices.SortFunc(colors, func(a, b color.RGBA) int {
		if d := counts[b] - counts[a]; d != 0 {
			return d
		}
		return cmp.Compare(key(a), key(b))
	})
	pal := make(color.Palette, 0, 256)
	for _, c := range colors[:min(len(colors), 256)] {
		pal = append(pal, c)
	}
	out := image.NewPaletted(r, pal)
	index := map[color.RGBA]uint8{}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
			i, ok := index[c]
			if !ok {
				i = uint8(pal.Index(c))
				index[c] = i
			}
			out.SetColorIndex(x, y, i)
		}
	}
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&buf, out); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// cssEscape escapes the dots of an id for a CSS selector.
func cssEscape(id string) string {
	return strings.ReplaceAll(id, ".", `\.`)
}
