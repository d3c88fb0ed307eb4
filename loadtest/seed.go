package loadtest

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"time"

	"gongfu"
	"gongfu/demo"
	"gongfu/extract"
	"gongfu/password"
	"gongfu/region"
)

// owner is an org whose reporters write a set of reports: a county or a
// township for itself, a department for the city-wide figures of the
// targets assigned to it.
type owner struct {
	org  *gongfu.Org
	keys []gongfu.ReportKey
	used int // keys handed to reporters so far
}

// spare is how many keys the owner has left.
func (o *owner) spare() int { return len(o.keys) - o.used }

// share is the part of its keys the owner has left.
func (o *owner) share() float64 { return float64(o.spare()) / float64(len(o.keys)) }

// seed stores the demo plan with Wenzhou's city and counties and returns
// the plan as stored (with ids).
func (r *runner) seed(ctx context.Context) (*gongfu.Plan, error) {
	orgs, err := region.ParseCSV(demo.CountiesCSV)
	if err != nil {
		return nil, fmt.Errorf("读取演示县区表失败 (parse the demo counties): %w", err)
	}
	if _, err := r.store.EnsureOrgs(ctx, orgs); err != nil {
		return nil, fmt.Errorf("建立县区失败 (store the counties): %w", err)
	}
	ext, err := extract.Document(demo.PlanName, demo.PlanText)
	if err != nil {
		return nil, fmt.Errorf("识别演示计划失败 (extract the demo plan): %w", err)
	}
	ir, err := r.store.ImportPlan(ctx, ext.Plan, region.PlanOrgs(ext.Plan))
	if err != nil {
		return nil, fmt.Errorf("导入演示计划失败 (import the demo plan): %w", err)
	}
	p, err := r.store.FindPlanByID(ctx, ir.PlanID)
	if err != nil {
		return nil, fmt.Errorf("读取计划失败 (read the plan back): %w", err)
	}
	r.planID = p.ID
	r.res.PlanID = p.ID
	return p, nil
}

// months returns the plan year's months that have begun (the server
// refuses a period that has not).
func months(year int, now time.Time) []int {
	var ms []int
	for m := 1; m <= 12; m++ {
		if !time.Date(year, time.Month(m), 1, 0, 0, 0, 0, time.Local).After(now) {
			ms = append(ms, m)
		}
	}
	return ms
}

// allocate decides who writes what: it builds the owners' distinct report
// keys (adding townships when the city, counties and departments have too
// few), then gives each reporter ReportsPer consecutive keys of one owner,
// always from the owner with the largest share of its keys left, so that
// reporters spread over the orgs in proportion to what each has to report.
func (r *runner) allocate(ctx context.Context, p *gongfu.Plan) ([]*reporter, error) {
	var targets []string
	for _, d := range p.Domains {
		for _, t := range d.Tasks {
			for _, g := range t.Targets {
				targets = append(targets, g.ID)
			}
		}
	}
	ms := months(p.Year, time.Now())
	if len(targets) == 0 || len(ms) == 0 {
		return nil, fmt.Errorf("计划没有可填报的指标或月份 (the plan has no targets or months to report)")
	}
	perOrg := len(targets) * len(ms)
	if r.o.ReportsPer > perOrg {
		return nil, fmt.Errorf("每人填报数 %d 超过一个单位全年可填报的 %d 项 (reports per reporter exceed the %d one org can report)", r.o.ReportsPer, perOrg, perOrg)
	}
	cities, err := r.store.FindOrgs(ctx, gongfu.OrgFilter{Kind: gongfu.OrgCity})
	if err != nil || len(cities) == 0 {
		return nil, fmt.Errorf("找不到市 (no city org): %v", err)
	}
	city := cities[0]
	counties, err := r.store.FindOrgs(ctx, gongfu.OrgFilter{Kind: gongfu.OrgCounty, ParentID: city.ID})
	if err != nil || len(counties) == 0 {
		return nil, fmt.Errorf("找不到县区 (no counties): %v", err)
	}
	key := func(t string, org int64, m int) gongfu.ReportKey {
		return gongfu.ReportKey{PlanID: p.ID, ItemID: t, OrgID: org, Period: gongfu.MonthPeriod(p.Year, m).String()}
	}
	// An area reports every target for itself, month by month.
	area := func(o *gongfu.Org) *owner {
		ow := &owner{org: o}
		for _, m := range ms {
			for _, t := range targets {
				ow.keys = append(ow.keys, key(t, o.ID, m))
			}
		}
		return ow
	}
	var owners []*owner
	for _, c := range counties {
		owners = append(owners, area(c))
	}
	// The city's figure of a target is reported by one of the departments
	// answering for it (the least loaded so far), or by the city itself
	// when none does.
	depts := map[int64]*owner{}
	var deptOrder []int64
	cityTargets := map[int64][]string{}
	for _, t := range targets {
		units, err := r.store.FindItemUnits(ctx, p.ID, t)
		if err != nil && gongfu.ErrorCode(err) != gongfu.ENOTFOUND {
			return nil, fmt.Errorf("读取指标 %s 的责任单位失败 (read the units of target %s): %w", t, t, err)
		}
		best := city.ID
		for _, u := range units {
			if best == city.ID || len(cityTargets[u.OrgID]) < len(cityTargets[best]) {
				best = u.OrgID
			}
		}
		if _, ok := cityTargets[best]; !ok {
			deptOrder = append(deptOrder, best)
		}
		cityTargets[best] = append(cityTargets[best], t)
	}
	for _, id := range deptOrder {
		o := city
		if id != city.ID {
			found, err := r.store.FindOrgs(ctx, gongfu.OrgFilter{ID: id})
			if err != nil || len(found) == 0 {
				return nil, fmt.Errorf("找不到责任单位 %d (no org %d): %v", id, id, err)
			}
			o = found[0]
		}
		ow := &owner{org: o}
		for _, m := range ms {
			for _, t := range cityTargets[id] {
				ow.keys = append(ow.keys, key(t, city.ID, m))
			}
		}
		depts[id] = ow
		owners = append(owners, ow)
	}
	// Townships when the orgs above cannot give every reporter reports of
	// its own.
	room := 0
	for _, ow := range owners {
		room += len(ow.keys) / r.o.ReportsPer
	}
	if need := r.o.Reporters - room; need > 0 {
		each := perOrg / r.o.ReportsPer
		n := (need + each - 1) / each
		towns := make([]*gongfu.Org, n)
		for i := range towns {
			c := counties[i%len(counties)]
			name := fmt.Sprintf("压测%d镇", i+1)
			towns[i] = &gongfu.Org{Name: name, Kind: gongfu.OrgTownship, Path: c.Path + "/" + name, ParentID: c.ID}
		}
		if _, err := r.store.EnsureOrgs(ctx, towns); err != nil {
			return nil, fmt.Errorf("建立乡镇失败 (store townships): %w", err)
		}
		for _, t := range towns {
			owners = append(owners, area(t))
		}
		r.res.Townships = n
	}
	r.res.Counties, r.res.Departments = len(counties), len(depts)
	if _, ok := depts[city.ID]; ok {
		r.res.Departments--
	}

	// Arrivals: a random moment within the ramp for each, from the seed.
	rng := rand.New(rand.NewPCG(r.o.Seed, 0x5eed))
	reps := make([]*reporter, r.o.Reporters)
	for i := range reps {
		var best *owner
		for _, ow := range owners {
			if ow.spare() >= r.o.ReportsPer && (best == nil || ow.share() > best.share()) {
				best = ow
			}
		}
		if best == nil {
			return nil, fmt.Errorf("分配填报失败 (allocation ran out of reports at reporter %d)", i+1)
		}
		rep := &reporter{idx: i, name: fmt.Sprintf("lt%05d", i+1), org: best.org}
		for _, k := range best.keys[best.used : best.used+r.o.ReportsPer] {
			rep.keys = append(rep.keys, keyState{key: k})
		}
		best.used += r.o.ReportsPer
		if r.o.Ramp > 0 {
			rep.arrive = time.Duration(rng.Int64N(int64(r.o.Ramp)))
		}
		reps[i] = rep
	}
	orgsUsed := map[int64]bool{}
	for _, rep := range reps {
		orgsUsed[rep.org.ID] = true
	}
	r.res.OrgsWithReporters = len(orgsUsed)
	return reps, nil
}

// createAccounts stores one reporter account per simulated reporter, all
// with the same password hashed once.
func (r *runner) createAccounts(ctx context.Context, reps []*reporter) error {
	var b [9]byte
	crand.Read(b[:])
	r.password = "Lt-" + hex.EncodeToString(b[:]) + "-Aa1"
	hash, err := password.Hash(r.password)
	if err != nil {
		return fmt.Errorf("密码散列失败 (hash the password): %w", err)
	}
	pr := r.o.Progress
	if pr != nil {
		pr.Begin("建立账户 accounts", int64(len(reps)))
		defer pr.End()
	}
	for _, rep := range reps {
		u := &gongfu.User{Name: rep.name, Role: gongfu.RoleReporter, OrgID: rep.org.ID, PasswordHash: hash}
		if err := r.store.CreateUser(ctx, u); err != nil {
			return fmt.Errorf("建立账户 %s 失败 (create account %s): %w", rep.name, rep.name, err)
		}
		if pr != nil {
			pr.Add(1)
		}
	}
	return nil
}

// kindsOf lists the request kinds of a run, in the order they happen.
func kindsOf(oneStep bool) []string {
	if oneStep {
		return []string{kindLogin, kindSaveSubmit}
	}
	return []string{kindLogin, kindSave, kindSubmit}
}
