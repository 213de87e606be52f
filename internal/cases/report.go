package cases

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/category"
	"github.com/gridwork/gridwork/internal/people"
	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/territory"
)

// channelRoles are the roles that report through each channel; the API
// channel takes any role that may report.
var channelRoles = map[Channel][]auth.Role{
	ChannelResident:     {auth.RoleResident},
	ChannelGridWorker:   {auth.RoleGridWorker},
	ChannelBuildingHead: {auth.RoleBuildingHead, auth.RoleUnitHead},
	ChannelCourier:      {auth.RoleCourierVolunteer},
	ChannelHotline:      {auth.RoleDispatcher, auth.RoleGridWorker, auth.RoleBranchSecretary},
	ChannelWalkIn:       {auth.RoleDispatcher, auth.RoleGridWorker, auth.RoleBranchSecretary},
}

// Report takes in a new case (居民点单, a patrol finding, a hotline
// transfer …): it checks the input, routes the case to a grid (or the
// smallest region containing its location) and a responsible department,
// starts the register clock and records the first event. The actor
// reports as itself (a resident, a grid worker …); the system actor
// reports for an anonymous resident (phone required) and for tools.
//
// With an IdempotencyKey, a retried submission by the same reporter (the
// same signed-in actor, or the same anonymous phone) returns the case the
// first one created, also when both arrive at once; the same key with a
// different case is a Conflict on "idempotency_key".
//
// Errors, writing nothing: Invalid naming the field ("category",
// "location", "title", "reporter_phone", "attachments" …), Forbidden when
// the actor may not report there or through that channel, Conflict.
//
// Concurrent reports share one transaction and its durable commit (group
// commit, see Options.GroupMax); each is answered only once that commit is
// on disk, with its own case or error. When ctx ends first, Report returns
// ctx's error at once: nothing is written if the report had not yet been
// taken into a transaction, otherwise it commits all the same and a retry
// with the same IdempotencyKey returns its case.
func (s *Service) Report(ctx context.Context, in ReportInput) (*Case, error) {
	c, err := s.report(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("cases: report: %w", err)
	}
	return c, nil
}

// reportCheck is a report that passed its checks.
type reportCheck struct {
	in       ReportInput
	phone    string
	anon     bool
	role     string
	userID   int64
	name     string
	idem     intake
	region   *territory.Region
	grid     *territory.Region
	tier     category.Tier
	category *category.Category
}

func (s *Service) report(ctx context.Context, in ReportInput) (*Case, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	rc, err := s.checkReport(ctx, a, in)
	if err != nil {
		return nil, err
	}
	// A retry after a success (the common case) finds its case at once.
	if rc.idem.idemKey != "" {
		if c, err := s.byIdempotency(ctx, rc.idem); err == nil || apperr.CodeOf(err) != apperr.NotFound {
			return c, err
		}
	}
	if err := s.route(ctx, rc); err != nil {
		return nil, err
	}
	if err := s.checkReporter(a, rc); err != nil {
		return nil, err
	}
	if rc.in.Attachments, err = s.checkAttachments(ctx, a, rc.in.Attachments); err != nil {
		return nil, err
	}
	now := s.now()
	c := &Case{
		Channel: rc.in.Channel, HotlineTicket: rc.in.HotlineTicket, Category: rc.category.Code, Nature: rc.in.Nature,
		Urgency: rc.in.Urgency, Title: rc.in.Title, Description: rc.in.Description, Lon: rc.in.Lon, Lat: rc.in.Lat,
		BuildingID: rc.in.BuildingID, UnitID: rc.in.UnitID, Attachments: rc.in.Attachments,
		RegionID: rc.region.ID, RegionPath: rc.region.Path, QueueRegionID: rc.region.ID, QueuePath: rc.region.Path,
		QueueParentID: rc.region.ParentID, Tier: rc.tier, State: Reported, Supervision: SuperviseNormal,
		Public: rc.in.Public, AllowLocation: rc.in.AllowLocation, Anonymous: rc.anon, ReporterUserID: rc.userID,
		ReporterName: rc.name, ReportedAt: now, UpdatedAt: now,
	}
	if rc.grid != nil {
		c.GridID = rc.grid.ID
	}
	d, err := s.cat.DepartmentFor(ctx, c.Category, c.RegionPath)
	switch {
	case err == nil:
		c.DepartmentID = d.ID
	case apperr.CodeOf(err) != apperr.NotFound:
		return nil, err
	}
	k, err := s.clockOf(ctx)
	if err != nil {
		return nil, err
	}
	if c.Step, err = s.startStep(ctx, k, c, category.StepRegister, now); err != nil {
		return nil, err
	}
	setDue(c, c.Step)
	c.NextCheck = s.nextCheck(c)
	if rc.phone != "" {
		if rc.idem.phone, err = s.keys.Encrypt("reporter_phone", rc.phone); err != nil {
			return nil, err
		}
		rc.idem.phoneIndex = s.keys.BlindIndex("reporter_phone", rc.phone)
	}
	ev := pending{action: ActReport, by: who{userID: a.UserID, name: reporterLabel(a, rc), role: rc.role},
		note: "", attachments: c.Attachments, after: c}
	day := now.In(k.cal.Location()).Format("20060102")
	var out *Case
	// The write joins concurrent ones in one durable commit (batch.go);
	// the work above ran in the caller's goroutine.
	err = s.group.do(ctx, func(ctx context.Context, tx *sqldb.Tx) error {
		n, err := nextNumber(ctx, tx, day)
		if err != nil {
			return err
		}
		c.Number = fmt.Sprintf("GW%s-%06d", day, n)
		final, _, err := s.appendEvents(ctx, tx, nil, &rc.idem, []pending{ev})
		out = final
		return err
	})
	if err != nil {
		// Two submissions with one key at once: the loser's insert hits
		// the unique index (in its own savepoint, when both share a
		// transaction); the winner's case is committed by now.
		if rc.idem.idemKey != "" && apperr.CodeOf(err) == apperr.Conflict {
			if c, rerr := s.byIdempotency(ctx, rc.idem); rerr == nil || apperr.CodeOf(rerr) != apperr.NotFound {
				return c, rerr
			}
		}
		return nil, err
	}
	return s.present(out, rc.idem.phone), nil
}

// reporterLabel is the name the first event records for whoever reported.
func reporterLabel(a *auth.Actor, rc *reportCheck) string {
	if !a.System {
		return a.Name
	}
	if rc.name != "" {
		return rc.name
	}
	if rc.anon {
		return "匿名"
	}
	return a.Name
}

// checkReport normalises and checks the fields of a report that need no
// lookup of the location, and works out the reporter and the idempotency
// scope.
func (s *Service) checkReport(ctx context.Context, a *auth.Actor, in ReportInput) (*reportCheck, error) {
	var err error
	rc := &reportCheck{}
	if !in.Channel.Valid() {
		return nil, apperr.Invalidf("channel", "渠道“%s”无效", "channel %q is not valid", in.Channel)
	}
	if in.Urgency == "" {
		in.Urgency = category.Normal
	}
	if !in.Urgency.Valid() {
		return nil, apperr.Invalidf("urgency", "紧急程度“%s”无效（应为 normal 或 urgent）", "urgency %q is not valid (normal or urgent)", in.Urgency)
	}
	if in.IdempotencyKey, err = text("idempotency_key", apperr.Text{ZH: "幂等键", EN: "the idempotency key"}, in.IdempotencyKey, false, maxKey); err != nil {
		return nil, err
	}
	if in.Title, err = text("title", apperr.Text{ZH: "标题", EN: "the title"}, in.Title, true, maxTitle); err != nil {
		return nil, err
	}
	if in.Description, err = text("description", apperr.Text{ZH: "描述", EN: "the description"}, in.Description, false, maxDescription); err != nil {
		return nil, err
	}
	if in.ReporterName, err = text("reporter_name", apperr.Text{ZH: "姓名", EN: "the name"}, in.ReporterName, false, maxName); err != nil {
		return nil, err
	}
	required := in.Channel == ChannelHotline
	if in.HotlineTicket, err = text("hotline_ticket", apperr.Text{ZH: "热线工单号", EN: "the hotline ticket number"}, in.HotlineTicket, required, maxTicket); err != nil {
		return nil, err
	}
	if (in.Lon == nil) != (in.Lat == nil) {
		field := "lat"
		if in.Lon == nil {
			field = "lon"
		}
		return nil, apperr.Invalidf(field, "经度和纬度须同时提供", "give both the longitude and the latitude")
	}
	if in.BuildingID < 0 || in.UnitID < 0 || in.RegionID < 0 {
		return nil, apperr.Invalidf("location", "位置编号无效", "the location ids are not valid")
	}
	// The reporter: the signed-in actor, except for the callers that staff
	// take in (hotline, walk-in) and for the system's anonymous intake.
	switch {
	case a.System:
		rc.anon, rc.role = true, roleSystem
		if in.Channel == ChannelResident {
			rc.role = roleAnonymous
		}
	case in.Channel == ChannelHotline || in.Channel == ChannelWalkIn:
		rc.anon = true
	default:
		rc.userID, rc.name = a.UserID, a.Name
		in.ReporterName, in.ReporterPhone = "", ""
	}
	if rc.anon {
		rc.name = in.ReporterName
		if in.ReporterPhone != "" {
			if rc.phone, err = people.ValidatePhone(in.ReporterPhone); err != nil {
				e := apperr.As(err)
				return nil, apperr.New(apperr.Invalid, "reporter_phone", e.Msg.ZH, e.Msg.EN)
			}
			in.ReporterPhone = rc.phone // a retry may write the number differently
		} else if in.Channel == ChannelResident {
			return nil, apperr.Invalidf("reporter_phone", "匿名上报须留下电话号码", "an anonymous report needs a phone number")
		}
	}
	cat, err := s.cat.FindCategoryByCode(ctx, in.Category)
	switch {
	case apperr.CodeOf(err) == apperr.NotFound:
		return nil, apperr.Invalidf("category", "分类“%s”不存在", "category %q does not exist", in.Category)
	case err != nil:
		return nil, err
	case !cat.Active:
		return nil, apperr.Invalidf("category", "分类“%s”已停用", "category %q is retired", cat.Code)
	case cat.Kind == category.KindRequestNature:
		return nil, apperr.Invalidf("category", "“%[1]s”是诉求性质，不是案件分类", "%[2]q is the nature of a request, not a case category", cat.NameZH, cat.Code)
	}
	in.Category, rc.category = cat.Code, cat
	if in.Nature != "" {
		n, err := s.cat.FindCategoryByCode(ctx, in.Nature)
		if apperr.CodeOf(err) == apperr.NotFound || err == nil && (n.Kind != category.KindRequestNature || !n.Active) {
			return nil, apperr.Invalidf("nature", "诉求性质“%s”无效", "request nature %q is not valid", in.Nature)
		}
		if err != nil {
			return nil, err
		}
		in.Nature = n.Code
	}
	rc.in = in
	if in.IdempotencyKey != "" {
		rc.idem.idemKey = in.IdempotencyKey
		switch {
		case rc.userID != 0:
			rc.idem.idemScope = "u:" + strconv.FormatInt(rc.userID, 10)
		case a.System && rc.phone != "":
			rc.idem.idemScope = "p:" + hex.EncodeToString(s.keys.BlindIndex("reporter_phone", rc.phone))
		case a.System:
			rc.idem.idemScope = "s:"
		default: // staff taking in a call: their own keys
			rc.idem.idemScope = "u:" + strconv.FormatInt(a.UserID, 10)
		}
		payload := in
		payload.IdempotencyKey = ""
		b, err := json.Marshal(payload)
		if err != nil {
			return nil, err
		}
		// Keyed, so that the stored digest reveals nothing of the phone.
		rc.idem.idemHash = hex.EncodeToString(s.keys.BlindIndex("case_idempotency", string(b)))
	}
	return rc, nil
}

// byIdempotency returns the case an earlier submission with the same
// scope and key created: NotFound when there is none, Conflict on
// "idempotency_key" when it was for a different case.
func (s *Service) byIdempotency(ctx context.Context, in intake) (*Case, error) {
	var id int64
	var hash string
	err := s.db.QueryRow(ctx, `SELECT id, idempotency_hash FROM cases WHERE idempotency_scope = $1 AND idempotency_key = $2`,
		in.idemScope, in.idemKey).Scan(&id, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFoundf("没有该幂等键的案件", "no case with that idempotency key")
	}
	if err != nil {
		return nil, sqldb.Translate(err)
	}
	if hash != in.idemHash {
		return nil, apperr.Conflictf("idempotency_key", "该幂等键已用于另一份上报", "the idempotency key was already used for a different report")
	}
	st, err := loadCase(ctx, s.db, id, false)
	if err != nil {
		return nil, err
	}
	return s.present(st.c, st.phone), nil
}

// route finds where the case lies: the grid of its point, else the
// smallest region containing the point, else the grid of its building,
// else (hotline and walk-in only) the region named. It runs as the
// system: a resident may not read the region tree, yet may report.
func (s *Service) route(ctx context.Context, rc *reportCheck) error {
	sys := system(ctx)
	in := &rc.in
	if in.UnitID != 0 {
		u, err := s.terr.FindUnitByID(sys, in.UnitID)
		if apperr.CodeOf(err) == apperr.NotFound {
			return apperr.Invalidf("unit_id", "单元 %d 不存在", "unit %d does not exist", in.UnitID)
		}
		if err != nil {
			return err
		}
		if in.BuildingID != 0 && in.BuildingID != u.BuildingID {
			return apperr.Invalidf("unit_id", "单元 %d 不属于楼栋 %d", "unit %d is not in building %d", in.UnitID, in.BuildingID)
		}
		in.BuildingID = u.BuildingID
	}
	if in.Lon != nil {
		g, err := s.terr.FindGridAt(sys, *in.Lon, *in.Lat)
		switch {
		case err == nil:
			rc.grid, rc.region = g, g
		case apperr.CodeOf(err) == apperr.NotFound:
			r, err := s.terr.FindRegionAt(sys, *in.Lon, *in.Lat)
			switch {
			case err == nil:
				rc.region = r
			case apperr.CodeOf(err) != apperr.NotFound:
				return err
			case in.BuildingID == 0:
				return apperr.Invalidf("location", "该位置不在本系统管辖的任何区域内", "the location lies outside every region of this system")
			}
		default:
			return err
		}
	}
	if rc.region == nil && in.BuildingID != 0 {
		g, err := s.terr.FindGridOfBuilding(sys, in.BuildingID)
		if apperr.CodeOf(err) == apperr.NotFound {
			return apperr.Invalidf("building_id", "楼栋 %d 不存在", "building %d does not exist", in.BuildingID)
		}
		if err != nil {
			return err
		}
		rc.grid, rc.region = g, g
	}
	if rc.region == nil && in.RegionID != 0 && (in.Channel == ChannelHotline || in.Channel == ChannelWalkIn) {
		r, err := s.terr.FindRegionByID(sys, in.RegionID)
		if apperr.CodeOf(err) == apperr.NotFound {
			return apperr.Invalidf("region_id", "区域 %d 不存在", "region %d does not exist", in.RegionID)
		}
		if err != nil {
			return err
		}
		rc.region = r
		if r.Level == territory.LevelGrid {
			rc.grid = r
		}
	}
	if rc.region == nil {
		return apperr.Invalidf("location", "请提供案件位置：坐标或楼栋", "the location is required: a point or a building")
	}
	rc.tier = category.TierOfLevel(string(rc.region.Level))
	if rc.tier == "" {
		return fmt.Errorf("cases: region %d has level %s, which is no tier", rc.region.ID, rc.region.Level)
	}
	return nil
}

// checkReporter checks that the actor may report where the case lies,
// through its channel: it holds case.report there (a resident anywhere,
// as itself) in a role of the channel.
func (s *Service) checkReporter(a *auth.Actor, rc *reportCheck) error {
	if a.System {
		return nil
	}
	r := auth.Resource{RegionPath: rc.region.Path, OwnerID: a.UserID}
	roles := channelRoles[rc.in.Channel]
	for _, g := range a.Grants {
		if roles != nil && !slices.Contains(roles, g.Role) {
			continue
		}
		if auth.Can(&auth.Actor{UserID: a.UserID, Grants: []auth.Grant{g}}, auth.ActCaseReport, r) {
			rc.role = string(g.Role)
			return nil
		}
	}
	if _, ok := grantFor(a, auth.ActCaseReport, r); ok {
		return forbidden("您不能通过“%[1]s”渠道上报", "you may not report through the %[1]s channel", rc.in.Channel)
	}
	return forbidden("您无权上报该地的案件", "you may not report cases where this one lies")
}

// nextNumber hands out the next number of day (YYYYMMDD).
func nextNumber(ctx context.Context, tx *sqldb.Tx, day string) (int64, error) {
	var n int64
	err := tx.QueryRow(ctx, `INSERT INTO case_numbers (day, last) VALUES ($1, 1)
		ON CONFLICT (day) DO UPDATE SET last = case_numbers.last + 1 RETURNING last`, day).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("case number: %w", sqldb.Translate(err))
	}
	return n, nil
}
