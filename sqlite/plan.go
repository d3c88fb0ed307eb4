package sqlite

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"

	"gongfu"
)

// planDigest is the hex SHA-256 of p's JSON with the id left out: the same
// document extracted twice gives the same digest, whatever the store's id.
func planDigest(p *gongfu.Plan) (string, error) {
	q := *p
	q.ID = 0
	b, err := json.Marshal(&q)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// checkStorable rejects what Validate lets through but the schema cannot
// hold exactly: a ratio with other than two sides, non-finite baselines or
// ratio sides (JSON has no NaN, so the digest could not be computed either).
func checkStorable(p *gongfu.Plan) error {
	var bad []string
	finite := func(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }
	for _, d := range p.Domains {
		for _, t := range d.Tasks {
			for _, g := range t.Targets {
				if len(g.Ratio) != 0 && len(g.Ratio) != 2 {
					bad = append(bad, gongfu.Detailf("指标 %s 的比例应有两项", g.ID))
				}
				for _, r := range g.Ratio {
					if !finite(r) {
						bad = append(bad, gongfu.Detailf("指标 %s 的比例不是有限数", g.ID))
						break
					}
				}
				if g.Baseline != nil && !finite(*g.Baseline) {
					bad = append(bad, gongfu.Detailf("指标 %s 的基数不是有限数", g.ID))
				}
			}
		}
	}
	if len(bad) > 0 {
		e := gongfu.Failf(gongfu.EINVALID, "计划数据有 %d 处问题", len(bad))
		e.Details = bad
		return e
	}
	return nil
}

// ImportPlan stores p and the orgs it needs in one write transaction, with a
// "plan.import" audit entry, and sets p.ID. Every unit the plan names must
// be one of orgs (by name) or, failing that, the one stored org of that name.
// A plan with the same digest already stored is not stored again and nothing
// is written: the result names it with Created false.
func (db *DB) ImportPlan(ctx context.Context, p *gongfu.Plan, orgs []*gongfu.Org) (*gongfu.ImportResult, error) {
	if p == nil {
		return nil, gongfu.Failf(gongfu.EINVALID, "计划为空")
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if err := checkStorable(p); err != nil {
		return nil, err
	}
	digest, err := planDigest(p)
	if err != nil {
		return nil, fmt.Errorf("import plan: %w", err)
	}
	res := &gongfu.ImportResult{Counts: p.Counts()}
	restore := saveIDs(orgs)
	err = db.inWrite(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT id FROM plans WHERE digest = ?`, digest).Scan(&res.PlanID)
		if err == nil {
			return nil // stored before: write nothing
		} else if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if res.OrgsCreated, err = db.ensureOrgs(ctx, tx, orgs); err != nil {
			return err
		}
		units, err := resolveUnits(ctx, tx, p, orgs)
		if err != nil {
			return err
		}
		if res.PlanID, err = db.insertPlan(ctx, tx, p, digest, units); err != nil {
			return err
		}
		res.Created = true
		_, err = db.appendAudit(ctx, tx, "plan.import", fmt.Sprintf("plan/%d", res.PlanID), "", p.Title, "", "ok")
		return err
	})
	if err != nil {
		restore()
		return nil, fmt.Errorf("import plan: %w", err)
	}
	p.ID = res.PlanID
	return res, nil
}

// resolveUnits maps every unit name of p to an org id: first among orgs
// (given with the plan, ids already filled), else among stored orgs. All
// unknown or ambiguous names are reported together.
func resolveUnits(ctx context.Context, tx *sql.Tx, p *gongfu.Plan, orgs []*gongfu.Org) (map[string]int64, error) {
	given := map[string][]int64{}
	for _, o := range orgs {
		if !containsID(given[o.Name], o.ID) {
			given[o.Name] = append(given[o.Name], o.ID)
		}
	}
	ids := map[string]int64{}
	var missing, ambiguous []string
	for _, u := range p.AllUnits() {
		cand := given[u]
		if len(cand) == 0 {
			rows, err := tx.QueryContext(ctx, `SELECT id FROM orgs WHERE name = ? LIMIT 2`, u)
			if err != nil {
				return nil, err
			}
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					rows.Close()
					return nil, err
				}
				cand = append(cand, id)
			}
			if err := rows.Close(); err != nil {
				return nil, err
			}
		}
		switch len(cand) {
		case 0:
			missing = append(missing, u)
		case 1:
			ids[u] = cand[0]
		default:
			ambiguous = append(ambiguous, u)
		}
	}
	if len(missing) == 0 && len(ambiguous) == 0 {
		return ids, nil
	}
	var e *gongfu.Error
	if len(missing) > 0 {
		e = gongfu.Failf(gongfu.EINVALID, "责任单位 %s 不在组织列表中", quoteList(missing))
	} else {
		e = gongfu.Failf(gongfu.EINVALID, "责任单位 %s 对应多个组织", quoteList(ambiguous))
	}
	for _, u := range missing {
		e.Details = append(e.Details, gongfu.Detailf("未知单位：%s", u))
	}
	for _, u := range ambiguous {
		e.Details = append(e.Details, gongfu.Detailf("单位重名：%s", u))
	}
	return nil, e
}

// quoteList names up to five items for a message.
func quoteList(s []string) string {
	var q []string
	for i, x := range s {
		if i == 5 {
			q = append(q, fmt.Sprintf("… (%d)", len(s)))
			break
		}
		q = append(q, fmt.Sprintf("%q", x))
	}
	return strings.Join(q, "、")
}

func containsID(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// insertPlan writes the plan rows, its items in document order and who
// answers for each item, and returns the plan's id.
func (db *DB) insertPlan(ctx context.Context, tx *sql.Tx, p *gongfu.Plan, digest string, units map[string]int64) (int64, error) {
	unparsed := p.Unparsed
	if unparsed == nil {
		unparsed = []string{}
	}
	up, err := json.Marshal(unparsed)
	if err != nil {
		return 0, err
	}
	var planID int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO plans (digest, title, issuer, issued, year, unparsed, imported_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		digest, p.Title, p.Issuer, nullDate(p.Issued), p.Year, string(up), formatTime(db.now())).Scan(&planID); err != nil {
		return 0, err
	}

	stmts := map[string]string{
		"domain":        `INSERT INTO domains (plan_id, no, pos, title) VALUES (?, ?, ?, ?) RETURNING id`,
		"task":          `INSERT INTO tasks (plan_id, domain_id, no, pos, title, text) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
		"target":        `INSERT INTO targets (plan_id, task_id, key, pos, name, kind, op, value, ratio_a, ratio_b, unit, baseline, numerator, denominator, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		"milestone":     `INSERT INTO milestones (plan_id, task_id, key, pos, text, due) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
		"domainUnit":    `INSERT INTO domain_units (domain_id, pos, org_id) VALUES (?, ?, ?)`,
		"taskUnit":      `INSERT INTO task_units (task_id, pos, org_id) VALUES (?, ?, ?)`,
		"targetUnit":    `INSERT INTO target_units (target_id, org_id, lead) VALUES (?, ?, ?)`,
		"milestoneUnit": `INSERT INTO milestone_units (milestone_id, org_id, lead) VALUES (?, ?, ?)`,
	}
	st := map[string]*sql.Stmt{}
	for k, q := range stmts {
		s, err := tx.PrepareContext(ctx, q)
		if err != nil {
			return 0, err
		}
		defer s.Close()
		st[k] = s
	}
	// responsible writes item-to-org rows: duplicates in a unit list are
	// dropped, the first unit leads.
	responsible := func(s *sql.Stmt, itemID int64, names []string) error {
		seen := map[int64]bool{}
		for i, n := range names {
			org := units[n]
			if seen[org] {
				continue
			}
			seen[org] = true
			if _, err := s.ExecContext(ctx, itemID, org, i == 0); err != nil {
				return err
			}
		}
		return nil
	}

	for di := range p.Domains {
		d := &p.Domains[di]
		var domainID int64
		if err := st["domain"].QueryRowContext(ctx, planID, d.No, di, d.Title).Scan(&domainID); err != nil {
			return 0, err
		}
		for i, u := range d.Units {
			if _, err := st["domainUnit"].ExecContext(ctx, domainID, i, units[u]); err != nil {
				return 0, err
			}
		}
		for ti := range d.Tasks {
			t := &d.Tasks[ti]
			var taskID int64
			if err := st["task"].QueryRowContext(ctx, planID, domainID, t.No, ti, t.Title, t.Text).Scan(&taskID); err != nil {
				return 0, err
			}
			for i, u := range t.Units {
				if _, err := st["taskUnit"].ExecContext(ctx, taskID, i, units[u]); err != nil {
					return 0, err
				}
			}
			who := d.UnitsFor(t)
			for gi, g := range t.Targets {
				var ra, rb, base any
				if len(g.Ratio) == 2 {
					ra, rb = g.Ratio[0], g.Ratio[1]
				}
				if g.Baseline != nil {
					base = *g.Baseline
				}
				var id int64
				if err := st["target"].QueryRowContext(ctx, planID, taskID, g.ID, gi, g.Name, string(g.Kind), string(g.Op),
					g.Value, ra, rb, g.Unit, base, g.Numerator, g.Denominator, g.Source).Scan(&id); err != nil {
					return 0, dupItem(err, g.ID)
				}
				if err := responsible(st["targetUnit"], id, who); err != nil {
					return 0, err
				}
			}
			for mi, m := range t.Milestones {
				var id int64
				if err := st["milestone"].QueryRowContext(ctx, planID, taskID, m.ID, mi, m.Text, nullDate(m.Due)).Scan(&id); err != nil {
					return 0, dupItem(err, m.ID)
				}
				if err := responsible(st["milestoneUnit"], id, who); err != nil {
					return 0, err
				}
			}
		}
	}
	return planID, nil
}

// dupItem explains a unique violation on an item key. Validate already
// rejects duplicate ids across targets and milestones, so this is a guard.
func dupItem(err error, key string) error {
	if isUnique(err) {
		return gongfu.Failf(gongfu.EINVALID, "编号 %q 重复", key)
	}
	return err
}

// FindPlanByID rebuilds the stored plan exactly as imported: items in
// document order, units by name, empty lists as [] rather than null.
func (db *DB) FindPlanByID(ctx context.Context, id int64) (*gongfu.Plan, error) {
	var p *gongfu.Plan
	err := db.inRead(ctx, func(tx *sql.Tx) error {
		var err error
		p, err = loadPlan(ctx, tx, id)
		return err
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, gongfu.Failf(gongfu.ENOTFOUND, "计划 %d 不存在", id)
	} else if err != nil {
		return nil, fmt.Errorf("find plan %d: %w", id, err)
	}
	return p, nil
}

// loadPlan reads plan id in tx; sql.ErrNoRows when there is none.
func loadPlan(ctx context.Context, tx *sql.Tx, id int64) (*gongfu.Plan, error) {
	p := &gongfu.Plan{ID: id, Domains: []gongfu.Domain{}}
	var issued sql.NullString
	var unparsed string
	if err := tx.QueryRowContext(ctx, `SELECT title, issuer, issued, year, unparsed FROM plans WHERE id = ?`, id).
		Scan(&p.Title, &p.Issuer, &issued, &p.Year, &unparsed); err != nil {
		return nil, err
	}
	p.Issued = gongfu.Date(issued.String)
	if err := json.Unmarshal([]byte(unparsed), &p.Unparsed); err != nil {
		return nil, fmt.Errorf("unparsed: %w", err)
	}
	if p.Unparsed == nil {
		p.Unparsed = []string{}
	}

	// Domains, then tasks, then items, each in document order. Index maps
	// from row id to position keep the slices' elements addressable only
	// after all appends to that slice are done.
	domainAt := map[int64]int{}
	err := eachRow(ctx, tx, `SELECT id, no, title FROM domains WHERE plan_id = ? ORDER BY pos`, []any{id},
		func(r *sql.Rows) error {
			var did int64
			d := gongfu.Domain{Units: []string{}, Tasks: []gongfu.Task{}}
			if err := r.Scan(&did, &d.No, &d.Title); err != nil {
				return err
			}
			domainAt[did] = len(p.Domains)
			p.Domains = append(p.Domains, d)
			return nil
		})
	if err != nil {
		return nil, err
	}
	err = eachRow(ctx, tx, `SELECT du.domain_id, o.name FROM domain_units du
		JOIN domains d ON d.id = du.domain_id JOIN orgs o ON o.id = du.org_id
		WHERE d.plan_id = ? ORDER BY du.domain_id, du.pos`, []any{id},
		func(r *sql.Rows) error {
			var did int64
			var name string
			if err := r.Scan(&did, &name); err != nil {
				return err
			}
			d := &p.Domains[domainAt[did]]
			d.Units = append(d.Units, name)
			return nil
		})
	if err != nil {
		return nil, err
	}

	type taskPos struct{ d, t int }
	taskAt := map[int64]taskPos{}
	err = eachRow(ctx, tx, `SELECT t.id, t.domain_id, t.no, t.title, t.text FROM tasks t
		JOIN domains d ON d.id = t.domain_id
		WHERE t.plan_id = ? ORDER BY d.pos, t.pos`, []any{id},
		func(r *sql.Rows) error {
			var tid, did int64
			t := gongfu.Task{Units: []string{}, Targets: []gongfu.Target{}, Milestones: []gongfu.Milestone{}}
			if err := r.Scan(&tid, &did, &t.No, &t.Title, &t.Text); err != nil {
				return err
			}
			d := &p.Domains[domainAt[did]]
			taskAt[tid] = taskPos{domainAt[did], len(d.Tasks)}
			d.Tasks = append(d.Tasks, t)
			return nil
		})
	if err != nil {
		return nil, err
	}
	task := func(tid int64) *gongfu.Task {
		at := taskAt[tid]
		return &p.Domains[at.d].Tasks[at.t]
	}
	err = eachRow(ctx, tx, `SELECT tu.task_id, o.name FROM task_units tu
		JOIN tasks t ON t.id = tu.task_id JOIN orgs o ON o.id = tu.org_id
		WHERE t.plan_id = ? ORDER BY tu.task_id, tu.pos`, []any{id},
		func(r *sql.Rows) error {
			var tid int64
			var name string
			if err := r.Scan(&tid, &name); err != nil {
				return err
			}
			t := task(tid)
			t.Units = append(t.Units, name)
			return nil
		})
	if err != nil {
		return nil, err
	}
	err = eachRow(ctx, tx, `SELECT task_id, key, name, kind, op, value, ratio_a, ratio_b, unit, baseline,
		numerator, denominator, source FROM targets WHERE plan_id = ? ORDER BY task_id, pos`, []any{id},
		func(r *sql.Rows) error {
			var tid int64
			var g gongfu.Target
			var kind, op string
			var ra, rb, base sql.NullFloat64
			if err := r.Scan(&tid, &g.ID, &g.Name, &kind, &op, &g.Value, &ra, &rb, &g.Unit, &base,
				&g.Numerator, &g.Denominator, &g.Source); err != nil {
				return err
			}
			g.Kind, g.Op = gongfu.TargetKind(kind), gongfu.Op(op)
			if ra.Valid && rb.Valid {
				g.Ratio = []float64{ra.Float64, rb.Float64}
			}
			if base.Valid {
				b := base.Float64
				g.Baseline = &b
			}
			t := task(tid)
			t.Targets = append(t.Targets, g)
			return nil
		})
	if err != nil {
		return nil, err
	}
	err = eachRow(ctx, tx, `SELECT task_id, key, text, due FROM milestones WHERE plan_id = ? ORDER BY task_id, pos`, []any{id},
		func(r *sql.Rows) error {
			var tid int64
			var m gongfu.Milestone
			var due sql.NullString
			if err := r.Scan(&tid, &m.ID, &m.Text, &due); err != nil {
				return err
			}
			m.Due = gongfu.Date(due.String)
			t := task(tid)
			t.Milestones = append(t.Milestones, m)
			return nil
		})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// eachRow runs q and calls fn for every row.
func eachRow(ctx context.Context, tx *sql.Tx, q string, args []any, fn func(*sql.Rows) error) error {
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// FindPlans lists the stored plans with their counts, the most recently
// imported first.
func (db *DB) FindPlans(ctx context.Context) ([]*gongfu.PlanSummary, error) {
	out := []*gongfu.PlanSummary{}
	err := db.inRead(ctx, func(tx *sql.Tx) error {
		return eachRow(ctx, tx, `SELECT p.id, p.title, p.issuer, p.issued, p.year, p.imported_at, p.unparsed,
			(SELECT COUNT(*) FROM domains d WHERE d.plan_id = p.id),
			(SELECT COUNT(*) FROM tasks t WHERE t.plan_id = p.id),
			(SELECT COUNT(*) FROM targets g WHERE g.plan_id = p.id),
			(SELECT COUNT(*) FROM milestones m WHERE m.plan_id = p.id)
			FROM plans p ORDER BY p.imported_at DESC, p.id DESC`, nil,
			func(r *sql.Rows) error {
				var s gongfu.PlanSummary
				var issued sql.NullString
				var imported, unparsed string
				if err := r.Scan(&s.ID, &s.Title, &s.Issuer, &issued, &s.Year, &imported, &unparsed,
					&s.Counts.Domains, &s.Counts.Tasks, &s.Counts.Targets, &s.Counts.Milestones); err != nil {
					return err
				}
				s.Issued = gongfu.Date(issued.String)
				var err error
				if s.Imported, err = parseTime(imported); err != nil {
					return err
				}
				var up []string
				if err := json.Unmarshal([]byte(unparsed), &up); err != nil {
					return fmt.Errorf("unparsed: %w", err)
				}
				s.Counts.Unparsed = len(up)
				out = append(out, &s)
				return nil
			})
	})
	if err != nil {
		return nil, fmt.Errorf("find plans: %w", err)
	}
	return out, nil
}
