package main

import (
	"context"
	"fmt"

	"gongfu"
	"gongfu/password"
)

// demoAccounts are the accounts serve --demo creates, one per role, so a
// visitor can try every part of the cycle. Their passwords are printed at
// start-up: they are for a demonstration database only.
var demoAccounts = []struct {
	name, role, org, password, label string
}{
	{"admin", "admin", "", "Demo-admin-2020", "系统管理员 admin"},
	{"coordinator", "coordinator", "", "Demo-coord-2020", "计划办协调员 coordinator"},
	{"leader", "leader", "", "Demo-leader-2020", "领导 leader"},
	{"lucheng", "reporter", "鹿城区", "Demo-county-2020", "县区填报员（鹿城区）county reporter"},
	{"jiaoyu", "reporter", "市教育局", "Demo-dept-2020", "部门填报员（市教育局）department reporter"},
}

// createDemoAccounts adds the demo accounts and prints how to log in.
func createDemoAccounts(ctx context.Context, e *env, db gongfu.Store) error {
	for _, a := range demoAccounts {
		u := &gongfu.User{Name: a.name, Role: gongfu.Role(a.role)}
		if a.org != "" {
			o, err := db.FindOrg(ctx, a.org)
			if err != nil {
				return err
			}
			u.OrgID = o.ID
		}
		h, err := password.Hash(a.password)
		if err != nil {
			return err
		}
		u.PasswordHash = h
		if err := db.CreateUser(ctx, u); err != nil {
			return err
		}
	}
	fmt.Fprintln(e.stdout, "演示账户 (demo accounts):")
	for _, a := range demoAccounts {
		fmt.Fprintf(e.stdout, "  %-12s 密码 password %-18s %s\n", a.name, a.password, a.label)
	}
	return nil
}
