package gongfu

import (
	"context"
	"strings"
)

// OrgKind is an organisation's place in the hierarchy. Areas nest
// city → county → township → village; departments (市教育局 …) hang under the
// area whose government they belong to and answer for targets, not territory.
type OrgKind string

// The organisation kinds.
const (
	OrgProvince   OrgKind = "province"
	OrgCity       OrgKind = "city"
	OrgCounty     OrgKind = "county" // any county-level unit: 区, 县, 县级市
	OrgTownship   OrgKind = "township"
	OrgVillage    OrgKind = "village"
	OrgDepartment OrgKind = "department"
)

// Valid reports whether k is a known kind.
func (k OrgKind) Valid() bool {
	switch k {
	case OrgProvince, OrgCity, OrgCounty, OrgTownship, OrgVillage, OrgDepartment:
		return true
	}
	return false
}

// IsArea reports whether orgs of kind k stand for a territory that values can
// be reported for (as opposed to a department).
func (k OrgKind) IsArea() bool { return k != OrgDepartment && k.Valid() }

// Org is an organisation: an area of government or a department.
type Org struct {
	ID   int64   `json:"id"`
	Name string  `json:"name"`
	Kind OrgKind `json:"kind"`
	// Class refines a county-level kind for grouping in the equalization
	// evaluation: "district" (市辖区), "county" (县), "county-city" (县级市).
	Class string `json:"class,omitempty"`
	// ParentID is the id of the enclosing org, 0 for a root.
	ParentID int64 `json:"parent"`
	// Path names the org uniquely by its ancestors' names ("温州市/鹿城区"),
	// since names alone repeat across a province (every county has a 城关镇).
	Path string `json:"path"`
	// Population in 10,000 residents (万人), 0 when unknown; weights the
	// equalization evaluation and proportional decomposition.
	Population float64 `json:"population,omitempty"`
}

// ParentPath returns the path of o's parent, "" for a root.
func (o *Org) ParentPath() string {
	if i := strings.LastIndex(o.Path, "/"); i >= 0 {
		return o.Path[:i]
	}
	return ""
}

// Validate checks the fields a caller provides when creating an org.
func (o *Org) Validate() error {
	if strings.TrimSpace(o.Name) == "" {
		return Failf(EINVALID, "组织名称不能为空")
	}
	if strings.ContainsAny(o.Name, "/\n\r\t") || len([]rune(o.Name)) > 100 {
		return Failf(EINVALID, "组织名称 %q 无效", o.Name)
	}
	if !o.Kind.Valid() {
		return Failf(EINVALID, "组织类型 %q 无效", o.Kind)
	}
	if o.Path == "" || !strings.HasSuffix(o.Path, o.Name) {
		return Failf(EINVALID, "组织 %q 的路径 %q 无效", o.Name, o.Path)
	}
	if o.Population < 0 {
		return Failf(EINVALID, "组织 %q 的人口不能为负", o.Name)
	}
	return nil
}

// OrgFilter selects orgs; zero fields do not filter.
type OrgFilter struct {
	ID       int64
	Name     string
	Path     string
	Kind     OrgKind
	ParentID int64
}

// OrgService stores and reads organisations.
type OrgService interface {
	// FindOrgs returns the orgs matching f, ordered by path.
	FindOrgs(ctx context.Context, f OrgFilter) ([]*Org, error)
	// FindOrg returns the one org named by a path or by a name that is unique;
	// ENOTFOUND when none, EINVALID when a bare name is ambiguous.
	FindOrg(ctx context.Context, nameOrPath string) (*Org, error)
	// EnsureOrgs creates the orgs that are missing (matched by path; parents
	// must come before children or exist already) in one transaction, fills
	// in the ids of all of them, and returns how many it created.
	EnsureOrgs(ctx context.Context, orgs []*Org) (int, error)
}
