package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"gongfu"
)

// orgColumns is the column list scanOrg reads.
const orgColumns = `id, name, kind, class, COALESCE(parent_id, 0), path, population`

// scanOrg reads one orgs row selected with orgColumns.
func scanOrg(s interface{ Scan(...any) error }) (*gongfu.Org, error) {
	var o gongfu.Org
	var kind string
	if err := s.Scan(&o.ID, &o.Name, &kind, &o.Class, &o.ParentID, &o.Path, &o.Population); err != nil {
		return nil, err
	}
	o.Kind = gongfu.OrgKind(kind)
	return &o, nil
}

// FindOrgs returns the orgs matching f, ordered by path.
func (db *DB) FindOrgs(ctx context.Context, f gongfu.OrgFilter) ([]*gongfu.Org, error) {
	var where []string
	var args []any
	if f.ID != 0 {
		where, args = append(where, "id = ?"), append(args, f.ID)
	}
	if f.Name != "" {
		where, args = append(where, "name = ?"), append(args, f.Name)
	}
	if f.Path != "" {
		where, args = append(where, "path = ?"), append(args, f.Path)
	}
	if f.Kind != "" {
		where, args = append(where, "kind = ?"), append(args, string(f.Kind))
	}
	if f.ParentID != 0 {
		where, args = append(where, "parent_id = ?"), append(args, f.ParentID)
	}
	q := `SELECT ` + orgColumns + ` FROM orgs`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY path`
	out := []*gongfu.Org{}
	err := db.inRead(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			o, err := scanOrg(rows)
			if err != nil {
				return err
			}
			out = append(out, o)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("find orgs: %w", err)
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
	restore := saveIDs(orgs)
	err := db.inWrite(ctx, func(tx *sql.Tx) error {
		var err error
		n, err = db.ensureOrgs(ctx, tx, orgs)
		return err
	})
	if err != nil {
		restore()
		return 0, fmt.Errorf("ensure orgs: %w", err)
	}
	return n, nil
}

// saveIDs remembers the ids of orgs and returns a function that puts them
// back, for when the transaction that filled them in rolls back.
func saveIDs(orgs []*gongfu.Org) func() {
	type ids struct{ id, parent int64 }
	saved := make([]ids, len(orgs))
	for i, o := range orgs {
		if o != nil {
			saved[i] = ids{o.ID, o.ParentID}
		}
	}
	return func() {
		for i, o := range orgs {
			if o != nil {
				o.ID, o.ParentID = saved[i].id, saved[i].parent
			}
		}
	}
}

// ensureOrgs is EnsureOrgs inside tx, shared with ImportPlan. An existing org
// is matched by path and left as stored; only its ids are copied back.
func (db *DB) ensureOrgs(ctx context.Context, tx *sql.Tx, orgs []*gongfu.Org) (int, error) {
	created := 0
	for _, o := range orgs {
		if o == nil {
			return 0, gongfu.Failf(gongfu.EINVALID, "组织为空")
		}
		if err := o.Validate(); err != nil {
			return 0, err
		}
		var id, parentID int64
		err := tx.QueryRowContext(ctx, `SELECT id, COALESCE(parent_id, 0) FROM orgs WHERE path = ?`, o.Path).Scan(&id, &parentID)
		if err == nil {
			o.ID, o.ParentID = id, parentID
			continue
		} else if !errors.Is(err, sql.ErrNoRows) {
			return 0, err
		}
		parentID = 0
		if pp := o.ParentPath(); pp != "" {
			err := tx.QueryRowContext(ctx, `SELECT id FROM orgs WHERE path = ?`, pp).Scan(&parentID)
			if errors.Is(err, sql.ErrNoRows) {
				return 0, gongfu.Failf(gongfu.EINVALID, "组织 %q 的上级 %q 不存在（上级须先列出）", o.Path, pp)
			} else if err != nil {
				return 0, err
			}
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO orgs (name, kind, class, parent_id, path, population)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
			o.Name, string(o.Kind), o.Class, nullID(parentID), o.Path, o.Population).Scan(&id); err != nil {
			return 0, err
		}
		o.ID, o.ParentID = id, parentID
		rec, err := json.Marshal(o)
		if err != nil {
			return 0, err
		}
		if _, err := db.appendAudit(ctx, tx, "org.create", fmt.Sprintf("org/%d", id), "", string(rec), "", "ok"); err != nil {
			return 0, err
		}
		created++
	}
	return created, nil
}
