package cases

import (
	"context"
	"fmt"
	"slices"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
)

// Role names recorded on events besides auth's roles.
const (
	roleSystem    = "system"
	roleAnonymous = "anonymous"
)

// grantFor returns the role of the first of a's grants that allows act
// on r (each grant judged alone by auth.Can), for recording which role an
// actor acted in.
func grantFor(a *auth.Actor, act auth.Action, r auth.Resource) (auth.Role, bool) {
	for _, g := range a.Grants {
		if auth.Can(&auth.Actor{UserID: a.UserID, Grants: []auth.Grant{g}}, act, r) {
			return g.Role, true
		}
	}
	return "", false
}

// roleHolding returns a role of a's that carries act at some scope: the
// role gate of the transitions whose scope is a relation to the case (the
// assignee, the reporter) rather than a region.
func roleHolding(a *auth.Actor, act auth.Action) (auth.Role, bool) {
	for _, g := range a.Grants {
		if auth.RoleAllows(g.Role, act) {
			return g.Role, true
		}
	}
	return "", false
}

// viewer is what the read checks need to know of the actor.
type viewer struct {
	a     *auth.Actor
	depts []int64 // the departments it acts for
}

// viewerOf returns the actor in ctx with its departments.
func (s *Service) viewerOf(ctx context.Context) (*viewer, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	v := &viewer{a: a}
	if a.System || a.UserID == 0 {
		return v, nil
	}
	ds, err := s.cat.DepartmentsOfUser(ctx, a.UserID)
	if err != nil {
		return nil, fmt.Errorf("departments of the actor: %w", err)
	}
	for _, d := range ds {
		v.depts = append(v.depts, d.ID)
	}
	return v, nil
}

// resource is a case as auth sees it for reading: its location and its
// reporter (residents read their own reports through their self scope).
func resource(c *Case) auth.Resource {
	return auth.Resource{RegionPath: c.RegionPath, OwnerID: c.ReporterUserID}
}

// isAssignee reports whether the viewer is the case's assignee: the user
// assigned, or a member of the department assigned.
func (v *viewer) isAssignee(c *Case) bool {
	if v.a.UserID != 0 && v.a.UserID == c.AssigneeUserID {
		return true
	}
	return c.AssigneeDepartmentID != 0 && slices.Contains(v.depts, c.AssigneeDepartmentID)
}

// isHandler is isAssignee or a member of a co-handling department.
func (v *viewer) isHandler(c *Case) bool {
	if v.isAssignee(c) {
		return true
	}
	for _, d := range c.Involved {
		if slices.Contains(v.depts, d) {
			return true
		}
	}
	return false
}

// isReporter reports whether the viewer reported the case.
func (v *viewer) isReporter(c *Case) bool { return v.a.UserID != 0 && v.a.UserID == c.ReporterUserID }

// isParticipant reports whether the viewer takes part in the case: its
// reporter or a follower, its assignee or handler, or a member of an
// assigned or co-handling department. Participants may read the case
// whatever their region scopes (a party member holds a party scope only).
func (v *viewer) isParticipant(c *Case) bool {
	u := v.a.UserID
	if u != 0 && (u == c.ReporterUserID || u == c.HandlerUserID || slices.Contains(c.Followers, u)) {
		return true
	}
	return v.isHandler(c)
}

// canRead reports whether the viewer may read the case: case.read over
// its location (or, for a resident, as its reporter), or as a participant.
func (v *viewer) canRead(c *Case) bool {
	return v.a.System || auth.Can(v.a, auth.ActCaseRead, resource(c)) || v.isParticipant(c)
}

// readsAsStaff reports whether the viewer reads the case as staff (with
// region scope, or as one of its handlers) rather than only as its
// reporter or a follower; only staff see the full history.
func (v *viewer) readsAsStaff(c *Case) bool {
	if v.a.System || v.isHandler(c) || (v.a.UserID != 0 && v.a.UserID == c.HandlerUserID) {
		return true
	}
	return auth.Can(v.a, auth.ActCaseRead, auth.Resource{RegionPath: c.RegionPath})
}

// forbidden is a Forbidden error with a reason.
func forbidden(zh, en string, args ...any) error {
	return apperr.Newf(apperr.Forbidden, "", zh, en, args...)
}

// gate checks transition t's role and scope gates for the viewer on case c
// and returns the role it acts in.
func (v *viewer) gate(t *Transition, c *Case) (string, error) {
	a := v.a
	if a.System {
		return roleSystem, nil
	}
	label := t.Label
	switch t.Who {
	case WhoQueue:
		if r, ok := grantFor(a, t.Perm, auth.Resource{RegionPath: c.QueuePath}); ok {
			return string(r), nil
		}
		return "", forbidden("案件目前在%[1]s级队列，您无权在该队列中“%[2]s”", "the case is in a %[3]s-tier queue where you may not %[4]s",
			c.Tier.Label().ZH, label.ZH, c.Tier.Label().EN, label.EN)
	case WhoLocation:
		if r, ok := grantFor(a, t.Perm, auth.Resource{RegionPath: c.RegionPath}); ok {
			return string(r), nil
		}
		return "", forbidden("案件不在您的管辖范围内，不能“%[1]s”", "the case lies outside your scope: you may not %[2]s", label.ZH, label.EN)
	case WhoAssignee, WhoHandler:
		r, ok := roleHolding(a, t.Perm)
		if !ok {
			return "", forbidden("您没有承办案件的权限，不能“%[1]s”", "you do not handle cases, so you may not %[2]s", label.ZH, label.EN)
		}
		if t.Who == WhoAssignee && v.isAssignee(c) || t.Who == WhoHandler && v.isHandler(c) {
			return string(r), nil
		}
		return "", forbidden("案件已派给%[1]s，只有承办人可以“%[2]s”", "the case is assigned to %[3]s: only the assignee may %[4]s",
			orSomeone(c.AssigneeName, "他人"), label.ZH, orSomeone(c.AssigneeName, "someone else"), label.EN)
	case WhoReporter:
		if !v.isReporter(c) {
			return "", forbidden("只有上报人可以“%[1]s”", "only the reporter may %[2]s", label.ZH, label.EN)
		}
		if r, ok := grantFor(a, t.Perm, resource(c)); ok {
			return string(r), nil
		}
		return "", forbidden("您无权“%[1]s”", "you may not %[2]s", label.ZH, label.EN)
	case WhoVerifier:
		if a.UserID != 0 && a.UserID == c.HandlerUserID {
			return "", forbidden("核查须由处置人以外的人进行", "someone other than the handler must verify")
		}
		if r, ok := grantFor(a, t.Perm, resource(c)); ok {
			return string(r), nil
		}
		return "", forbidden("只有案件所在网格的网格员或上报人可以核查", "only the grid worker of the case's grid or the reporter may verify")
	}
	return "", fmt.Errorf("cases: transition %s has unknown scope %q", t.Action, t.Who)
}

func orSomeone(name, other string) string {
	if name == "" {
		return other
	}
	return name
}
