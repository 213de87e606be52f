package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/gridwork/gridwork/internal/auth"
)

// runUser administers accounts as the system actor:
//
//	gridwork user create -username u -password p -name 名字 -role admin -region 330110
//	gridwork user grant  -username u -role dispatcher -region 330110001000
//	gridwork user passwd -username u -password p
//	gridwork user token  -username u -name "12345 gateway"
//	gridwork user list
func runUser(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 {
		return errors.New("usage: gridwork user create|grant|passwd|token|list [flags]")
	}
	sub, args := args[0], args[1:]
	cfg := defaultConfig()
	fs := flag.NewFlagSet("user "+sub, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	cfg.bind(fs, env.Getenv, "db", "pii-key", "log-level", "log-format")
	username := fs.String("username", "", "login name")
	password := fs.String("password", "", "password (at least 8 characters, letters and digits)")
	name := fs.String("name", "", "display name")
	role := fs.String("role", "", "role: "+roleList())
	region := fs.String("region", "", "scope: the division code of a region (6, 12 or 15 digits)")
	tokenName := fs.String("token-name", "", "name of the API token (with token)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	a, err := openToolApp(ctx, env, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	ctx = auth.WithActor(ctx, auth.SystemActor())

	grants := func() ([]auth.GrantInput, error) {
		if *role == "" {
			return nil, nil
		}
		if *region == "" {
			return nil, errors.New("-region is required with -role")
		}
		r, err := a.territory.FindRegionByCode(ctx, *region)
		if err != nil {
			return nil, fmt.Errorf("-region %s: %w", *region, err)
		}
		kind := auth.ScopeRegion
		if auth.Role(*role) == auth.RoleResident {
			kind = auth.ScopeSelf
		}
		return []auth.GrantInput{{Role: auth.Role(*role), ScopeKind: kind, ScopeID: r.ID}}, nil
	}
	findUser := func() (*auth.User, error) {
		users, _, err := a.auth.FindUsers(ctx, auth.UserFilter{Query: username, Limit: 500})
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			if u.Username == strings.ToLower(*username) {
				return u, nil
			}
		}
		return nil, fmt.Errorf("no user %q", *username)
	}

	switch sub {
	case "create":
		gs, err := grants()
		if err != nil {
			return err
		}
		u, err := a.auth.CreateUser(ctx, auth.UserInput{Username: *username, DisplayName: *name, Password: *password, Grants: gs})
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "created user %s (id %d)\n", u.Username, u.ID)
	case "grant":
		gs, err := grants()
		if err != nil {
			return err
		}
		if len(gs) == 0 {
			return errors.New("-role and -region are required")
		}
		u, err := findUser()
		if err != nil {
			return err
		}
		if _, err := a.auth.Grant(ctx, u.ID, gs[0]); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "granted %s at %s to %s\n", *role, *region, u.Username)
	case "passwd":
		u, err := findUser()
		if err != nil {
			return err
		}
		if err := a.auth.SetPassword(ctx, u.ID, "", *password); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "password of %s changed; its sessions ended\n", u.Username)
	case "token":
		u, err := findUser()
		if err != nil {
			return err
		}
		secret, _, err := a.auth.CreateAPIToken(ctx, u.ID, auth.APITokenInput{Name: *tokenName})
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "API token for %s (shown once): %s\n", u.Username, secret)
	case "list":
		users, total, err := a.auth.FindUsers(ctx, auth.UserFilter{Query: nonEmpty(*username), Limit: 500})
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tUSERNAME\tNAME\tROLES")
		for _, u := range users {
			var roles []string
			for _, g := range u.Grants {
				roles = append(roles, string(g.Role)+"@"+g.Scope.Path)
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", u.ID, u.Username, u.DisplayName, strings.Join(roles, ", "))
		}
		tw.Flush()
		fmt.Fprintf(env.Stdout, "%d users\n", total)
	default:
		return fmt.Errorf("unknown user command %q: want create, grant, passwd, token or list", sub)
	}
	return nil
}

func roleList() string {
	names := make([]string, len(auth.Roles))
	for i, r := range auth.Roles {
		names[i] = string(r)
	}
	return strings.Join(names, ", ")
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
