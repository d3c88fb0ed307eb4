package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"gongfu"

	"github.com/jackc/pgx/v5"
)

// orgColumns is the column list scanOrg reads.
const orgColumns = `id, name, kind, class, COALESCE(parent_id, 0), path, population`

// scanOrg reads one orgs row selected with orgColumns.
func scanOrg(s pgx.Row) (*gongfu.Org, error) {
	var o gongfu.Org
	var kind string
	if err := s.Scan(&o.ID, &o.Name, &kind, &o.Class, &o.ParentID, &o.Path, &o.Population); err != nil {
		return nil, err
	}
	o.Kind = gongfu.OrgKind(kind)
	return &o, nil
}

// FindOrgs returns the orgs matching f, ordered by path byte by byte
// (COLLATE "C"), as SQLite orders them, whatever the database's collation.
func (db *DB) FindOrgs(ctx context.Context, f gongfu.OrgFilter) ([]*gongfu.Org, error) {
	var where []string
	var args params
	if f.ID != 0 {
		where = append(where, "id = "+args.add(f.ID))
	}
	if f.Name != "" {
		where = append(where, "name = "+args.add(f.Name))
	}
	if f.Path != "" {
		where = append(where, "path = "+args.add(f.Path))
	}
	if f.Kind != "" {
		where = append(where, "kind = "+args.add(string(f.Kind)))
	}
	if f.ParentID != 0 {
		where = append(where, "parent_id = "+args.add(f.ParentID))
	}
	q := `SELECT ` + orgColumns + ` FROM orgs`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY path COLLATE "C"`
	out := []*gongfu.Org{}
	err := eachRow(ctx, db.pool, q, args, func(rows pgx.Rows) error {
		o, err := scanOrg(rows)
		if err != nil {
			return err
		}
		out = append(out, o)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("find orgs: %w", translate(err))
	}
	return out, nil
}

// FindOrg returns the org named by nameOrPath: a path when it contains "/",
// else a name, which must be unique (names such as 城关镇 repeat, and then
// the caller must give the path).
func (db *DB) FindOrg(ctx context.Context, nameOrPath string) (*gongfu.Org, error) {
	if nameOrPath == "" {
		return nil, gongfu.Failf(gongfu.EINVALID, "请给出组织名称或路径")
	}
	f := gongfu.OrgFilter{Name: nameOrPath}
	if strings.Contains(nameOrPath, "/") {
		f = gongfu.OrgFilter{Path: nameOrPath}
	}
	orgs, err := db.FindOrgs(ctx, f)
	if err != nil {
		return nil, err
	}
	switch len(orgs) {
	case 0:
		return nil, gongfu.Failf(gongfu.ENOTFOUND, "找不到组织 %q", nameOrPath)
	case 1:
		return orgs[0], nil
	}
	e := gongfu.Failf(gongfu.EINVALID, "组织名称 %q 不唯一，请用路径", nameOrPath)
	for _, o := range orgs {
		e.Details = append(e.Details, o.Path)
	}
	return nil, e
}

// EnsureOrgs creates the orgs missing by path, in one transaction with an
// "org.create" audit entry for each, and fills in ID and ParentID of all.
func (db *DB) EnsureOrgs(ctx context.Context, orgs []*gongfu.Org) (int, error) {
	var n int
	var ids []orgIDs
	err := db.inWrite(ctx, func(tx *wtx) error {
		var err error
		n, ids, err = db.ensureOrgs(ctx, tx, orgs)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("ensure orgs: %w", err)
	}
	setOrgIDs(orgs, ids)
	return n, nil
}

// orgIDs are the ids ensureOrgs found or gave an org.
type orgIDs struct{ id, parent int64 }

// setOrgIDs copies what ensureOrgs found to orgs, once its transaction has
// committed: a rolled-back one must leave the callers' orgs as they were.
func setOrgIDs(orgs []*gongfu.Org, ids []orgIDs) {
	for i, o := range orgs {
		o.ID, o.ParentID = ids[i].id, ids[i].parent
	}
}

// ensureOrgs is EnsureOrgs inside tx, shared with ImportPlan. An existing org
// is matched by path and left as stored; only its ids are returned, one
// pair per org, for the caller to set after the commit. orgs is not changed.
func (db *DB) ensureOrgs(ctx context.Context, tx *wtx, orgs []*gongfu.Org) (int, []orgIDs, error) {
	created := 0
	ids := make([]orgIDs, len(orgs))
	for i, o := range orgs {
		if o == nil {
			return 0, nil, gongfu.Failf(gongfu.EINVALID, "组织为空")
		}
		if err := o.Validate(); err != nil {
			return 0, nil, err
		}
		var id, parentID int64
		err := tx.QueryRow(ctx, `SELECT id, COALESCE(parent_id, 0) FROM orgs WHERE path = $1`, o.Path).Scan(&id, &parentID)
		if err == nil {
			ids[i] = orgIDs{id, parentID}
			continue
		} else if !errors.Is(err, pgx.ErrNoRows) {
			return 0, nil, err
		}
		parentID = 0
		if pp := o.ParentPath(); pp != "" {
			err := tx.QueryRow(ctx, `SELECT id FROM orgs WHERE path = $1`, pp).Scan(&parentID)
			if errors.Is(err, pgx.ErrNoRows) {
				return 0, nil, gongfu.Failf(gongfu.EINVALID, "组织 %q 的上级 %q 不存在（上级须先列出）", o.Path, pp)
			} else if err != nil {
				return 0, nil, err
			}
		}
		if err := tx.QueryRow(ctx, `INSERT INTO orgs (name, kind, class, parent_id, path, population)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			o.Name, string(o.Kind), o.Class, nullID(parentID), o.Path, o.Population).Scan(&id); err != nil {
			return 0, nil, err
		}
		ids[i] = orgIDs{id, parentID}
		rec := *o
		rec.ID, rec.ParentID = id, parentID
		b, err := json.Marshal(&rec)
		if err != nil {
			return 0, nil, err
		}
		if _, err := db.appendAudit(ctx, tx, "org.create", fmt.Sprintf("org/%d", id), "", string(b), "", "ok"); err != nil {
			return 0, nil, err
		}
		created++
	}
	return created, ids, nil
}
