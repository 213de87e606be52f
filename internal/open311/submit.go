package open311

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/cases"
	"github.com/gridwork/gridwork/internal/category"
	"github.com/gridwork/gridwork/internal/people"
	"github.com/gridwork/gridwork/internal/sqldb"
)

// RequestInput is a POST requests: the specification's arguments, plus two
// extensions (Token, Media).
type RequestInput struct {
	ServiceCode string
	// The location: lat and long, or address_id (a building id of this
	// server), or both. address_string alone cannot be placed (see Submit).
	Lat, Long     *float64
	AddressString string
	AddressID     string
	// Attributes are the answers to the service definition, code → values
	// (several for a multivaluelist).
	Attributes map[string][]string
	// The person submitting: the name and phone go to the case (the phone
	// encrypted), the e-mail is kept encrypted beside it.
	Email, DeviceID, AccountID string
	FirstName, LastName, Phone string
	Description                string
	MediaURL                   string
	// Token (extension) is the client's idempotency token: a POST retried
	// with the same token and api_key answers with the request the first
	// one created, and GET tokens/{token} finds it.
	Token string
	// Media (extension) is a photo sent with the request as multipart
	// field "media"; it is checked and stored by the media service.
	Media io.Reader
}

// Bounds of the request's fields. The description may hold at most what
// the case keeps (2,000 characters, less than the specification's 4,000)
// with the attributes' lines.
const (
	maxDescription = 2000
	maxTitle       = 100
	maxAddress     = 250
	maxName        = 32
	maxID          = 128
	maxEmail       = 254
	maxURL         = 2000
	maxToken       = 64
	footerMark     = "【Open311】"
)

// Submit files a request from the caller's client (POST requests): it
// checks the arguments and the attributes, places the location in the
// jurisdiction, uploads the photo if any, and reports the case through the
// case loop as the system on the client's behalf (channel api), where it
// routes like any other case. The answer carries the case id as
// service_request_id at once (every service is realtime).
//
// address_string is kept and shown, but cannot place a case by itself:
// Gridwork has no geocoder (it runs without online services), so a request
// needs lat/long or address_id, and one with only an address gets Invalid
// on "address_string".
//
// Errors, writing nothing (but see below): Forbidden on "api_key" without
// a client or for another jurisdiction; NotFound on "service_code"; an
// apperr.List of Invalid errors naming each bad argument; Conflict on
// "token" when the token was used for a different request. The case is
// written before its extras (two transactions: the case service owns its
// own); should the second fail, the case stands and a retry with the same
// token completes it.
func (s *Service) Submit(ctx context.Context, c Caller, in RequestInput) (*CreatedRequest, error) {
	out, err := s.submit(ctx, c, in)
	if err != nil {
		return nil, fmt.Errorf("open311: submit %q: %w", in.ServiceCode, err)
	}
	return out, nil
}

func (s *Service) submit(ctx context.Context, c Caller, in RequestInput) (*CreatedRequest, error) {
	cl, j := c.Client, c.Jurisdiction
	if cl == nil {
		return nil, apperr.New(apperr.Forbidden, "api_key", "提交诉求须提供 api_key", "api_key is required to submit a request")
	}
	if !cl.may(j) {
		return nil, apperr.Newf(apperr.Forbidden, "api_key", "该 api_key 不能在 jurisdiction_id“%s”提交诉求",
			"this api_key may not submit requests in jurisdiction %q", j.ID)
	}
	sys := system(ctx)
	cat, d, err := s.offering(sys, in.ServiceCode)
	if err != nil {
		return nil, err
	}
	token := strings.TrimSpace(in.Token)
	if utf8.RuneCountInString(token) > maxToken || strings.IndexFunc(token, func(r rune) bool { return !unicode.IsPrint(r) || unicode.IsSpace(r) }) >= 0 {
		return nil, apperr.Invalidf("token", "token 最多 %d 个字符，不能含空白", "token takes at most %d characters without spaces", maxToken)
	}
	// A retry after a success (the common case) answers at once, without
	// a second upload.
	digest, err := s.digestOf(in)
	if err != nil {
		return nil, err
	}
	if token != "" {
		id, was, err := caseOfToken(ctx, s.db, cl.KeyID, token)
		switch {
		case err == nil && was != digest:
			return nil, errTokenReused()
		case err == nil:
			cs, err := s.cs.FindCaseByID(sys, id)
			if err != nil {
				return nil, err
			}
			return createdOf(cs, cat, strings.TrimSpace(in.AccountID)), nil
		case apperr.CodeOf(err) != apperr.NotFound:
			return nil, err
		}
	}
	ap, errs := checkAttributes(d.attributes(cat), in.Attributes, s.opt.Zone)
	p, more := s.checkRequest(in, ap)
	errs = append(errs, more...)
	if len(errs) > 0 {
		return nil, errs
	}
	if err := s.place(sys, j, p); err != nil {
		return nil, err
	}
	ri := cases.ReportInput{
		Channel: cases.ChannelAPI, Category: cat.Code, Nature: ap.nature, Urgency: category.Normal,
		Title: titleOf(cat, p.description), Lon: in.Long, Lat: in.Lat, BuildingID: p.building, UnitID: ap.unitID,
		Public: ap.public, ReporterName: p.name, ReporterPhone: p.phone,
	}
	if ap.urgent {
		ri.Urgency = category.Urgent
	}
	ri.Description = describe(p.description, cl.Name, p.address, ap.notes, p.mediaURL)
	if utf8.RuneCountInString(ri.Description) > maxDescription {
		return nil, apperr.Invalidf("description", "描述过长：连同各项属性最多 %d 字", "the description is too long: at most %d characters with the attributes", maxDescription)
	}
	if token != "" {
		ri.IdempotencyKey = "o311:" + strconv.FormatInt(cl.KeyID, 10) + ":" + token
	}
	var email []byte
	if p.email != "" {
		if email, err = s.keys.Encrypt(emailColumn, p.email); err != nil {
			return nil, err
		}
	}
	if in.Media != nil {
		a, err := s.med.Upload(sys, in.Media, false)
		if err != nil {
			return nil, renameField(err, "media")
		}
		ri.Attachments = []int64{a.ID}
	}
	// The case loop records the client as the actor's name; the system
	// actor passes its gates, as for any intake that is not a signed-in user.
	actor := auth.SystemActor()
	actor.Name = "Open311: " + cl.Name
	cs, err := s.cs.Report(auth.WithActor(ctx, actor), ri)
	if err != nil {
		return nil, caseError(err)
	}
	ex := &extras{caseID: cs.ID, keyID: cl.KeyID, regionID: j.RegionID, token: token, digest: digest, address: p.address, mediaURL: p.mediaURL,
		email: email, deviceID: p.deviceID, accountID: p.accountID, attributes: ap.values}
	if err := s.db.Transact(ctx, func(tx *sqldb.Tx) error { return insertExtras(ctx, tx, ex) }); err != nil {
		return nil, err
	}
	return createdOf(cs, cat, p.accountID), nil
}

// digestOf is a keyed hash of a request's arguments (not the photo's
// bytes): a retry carries the same ones. Keyed, since they hold the phone
// and the e-mail.
func (s *Service) digestOf(in RequestInput) (string, error) {
	in.Media, in.Token = nil, ""
	b, err := json.Marshal(in) // maps marshal with sorted keys
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(s.keys.BlindIndex("open311_digest", string(b))), nil
}

func errTokenReused() error {
	return apperr.Conflictf("token", "该 token 已用于另一份诉求", "the token was already used for a different request")
}

// checked is a request's arguments after their checks.
type checked struct {
	building                       int64
	point                          bool
	lon, lat                       float64
	address, description, mediaURL string
	name, phone, email             string
	deviceID, accountID            string
}

// checkRequest checks the arguments other than the attributes; the
// building may come from address_id or the building_id attribute.
func (s *Service) checkRequest(in RequestInput, ap *applied) (*checked, apperr.List) {
	var errs apperr.List
	p := &checked{}
	bad := func(field, zh, en string, args ...any) { errs = append(errs, apperr.Invalidf(field, zh, en, args...)) }
	switch {
	case (in.Lat == nil) != (in.Long == nil):
		field := "long"
		if in.Lat == nil {
			field = "lat"
		}
		bad(field, "lat 和 long 须同时提供", "lat and long must be sent together")
	case in.Lat != nil:
		if *in.Lat < -90 || *in.Lat > 90 {
			bad("lat", "纬度须在 -90 到 90 之间", "lat must be from -90 to 90")
		}
		if *in.Long < -180 || *in.Long > 180 {
			bad("long", "经度须在 -180 到 180 之间", "long must be from -180 to 180")
		}
		p.point, p.lon, p.lat = true, *in.Long, *in.Lat
	}
	if a := strings.TrimSpace(in.AddressID); a != "" {
		n, err := strconv.ParseInt(a, 10, 64)
		if err != nil || n <= 0 {
			bad("address_id", "address_id 应为本系统的楼栋编号（正整数）", "address_id must be a building id of this server (a positive whole number)")
		}
		p.building = n
	}
	if ap.buildingID != 0 {
		if p.building != 0 && p.building != ap.buildingID {
			bad("attribute[building_id]", "楼栋编号与 address_id 不一致", "the building id differs from address_id")
		}
		p.building = ap.buildingID
	}
	p.address = strings.TrimSpace(in.AddressString)
	if utf8.RuneCountInString(p.address) > maxAddress || strings.ContainsAny(p.address, "\r\n") {
		bad("address_string", "地址为一行文字，最多 %d 字", "address_string is one line of at most %d characters", maxAddress)
	}
	if in.Lat == nil && in.Long == nil && p.building == 0 {
		if p.address != "" {
			bad("address_string", "无法仅凭地址文字定位：请同时提供 lat/long 或 address_id（楼栋编号）",
				"an address text alone cannot be placed here: send lat/long or address_id (a building id) with it")
		} else {
			bad("location", "请提供位置：lat/long、address_string 或 address_id", "a location is required: lat/long, address_string or address_id")
		}
	}
	if ap.unitID != 0 && p.building == 0 {
		bad("attribute[unit_id]", "提供单元编号时须同时提供楼栋（address_id）", "a unit needs its building (address_id)")
	}
	for _, f := range []struct {
		field, value string
		max          int
		dst          *string
	}{{"first_name", in.FirstName, maxName, nil}, {"last_name", in.LastName, maxName, nil},
		{"device_id", in.DeviceID, maxID, &p.deviceID}, {"account_id", in.AccountID, maxID, &p.accountID}} {
		v := strings.TrimSpace(f.value)
		if utf8.RuneCountInString(v) > f.max || strings.IndexFunc(v, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 {
			bad(f.field, "%s 最多 %d 个可见字符", "%s takes at most %d printable characters", f.field, f.max)
		}
		if f.dst != nil {
			*f.dst = v
		}
	}
	p.name = reporterName(strings.TrimSpace(in.FirstName), strings.TrimSpace(in.LastName))
	if ph := strings.TrimSpace(in.Phone); ph != "" {
		n, err := people.ValidatePhone(ph)
		if err != nil {
			e := apperr.As(err)
			errs = append(errs, apperr.New(apperr.Invalid, "phone", e.Msg.ZH, e.Msg.EN))
		}
		p.phone = n
	}
	if e := strings.TrimSpace(in.Email); e != "" {
		a, err := mail.ParseAddress(e)
		if err != nil || a.Address != e || len(e) > maxEmail {
			bad("email", "电子邮箱格式有误", "the e-mail address is not valid")
		}
		p.email = e
	}
	p.description = strings.TrimSpace(strings.ReplaceAll(in.Description, "\r\n", "\n"))
	if strings.Contains(p.description, footerMark) {
		bad("description", "描述中不能包含“%s”", "the description may not contain %q", footerMark)
	}
	if m := strings.TrimSpace(in.MediaURL); m != "" {
		u, err := url.Parse(m)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(m) > maxURL {
			bad("media_url", "media_url 应为 http 或 https 网址", "media_url must be an http or https URL")
		}
		p.mediaURL = m
	}
	return p, errs
}

// place checks that the location lies in the jurisdiction: the point in a
// region of it, the building in one of its grids.
func (s *Service) place(ctx context.Context, j *Jurisdiction, p *checked) error {
	if p.point {
		r, err := s.terr.FindRegionAt(ctx, p.lon, p.lat)
		if apperr.CodeOf(err) == apperr.NotFound || err == nil && !j.covers(r.Path) {
			return apperr.Invalidf("lat", "该坐标不在 jurisdiction_id“%[1]s”（%[2]s）范围内", "the point lies outside jurisdiction %[1]q (%[2]s)", j.ID, j.Name)
		}
		if err != nil {
			return err
		}
	}
	if p.building != 0 {
		g, err := s.terr.FindGridOfBuilding(ctx, p.building)
		if apperr.CodeOf(err) == apperr.NotFound {
			return apperr.Invalidf("address_id", "楼栋 %d 不存在", "building %d does not exist", p.building)
		}
		if err != nil {
			return err
		}
		if !j.covers(g.Path) {
			return apperr.Invalidf("address_id", "楼栋 %d 不在 jurisdiction_id“%s”范围内", "building %d lies outside jurisdiction %q", p.building, j.ID)
		}
	}
	return nil
}

// reporterName joins a given and a family name: family name first without
// a space for Chinese names ("张" + "三" = "张三"), "given family" otherwise.
func reporterName(first, last string) string {
	if first == "" || last == "" {
		return first + last
	}
	if isHan(first) && isHan(last) {
		return last + first
	}
	return first + " " + last
}

func isHan(s string) bool {
	for _, r := range s {
		if !unicode.Is(unicode.Han, r) {
			return false
		}
	}
	return true
}

// titleOf is the case's title: the service's name and the description's
// first line, cut to the case's limit.
func titleOf(c *category.Category, description string) string {
	first, _, _ := strings.Cut(description, "\n")
	t := c.NameZH
	if first = strings.TrimSpace(first); first != "" {
		t += "：" + first
	}
	if r := []rune(t); len(r) > maxTitle {
		t = string(r[:maxTitle-1]) + "…"
	}
	return t
}

// describe is the case's description: the client's text, then what the
// request carried that the case has no field for, for the staff to read.
// presentDescription cuts this footer off again.
func describe(text, client, address string, notes []string, mediaURL string) string {
	var b strings.Builder
	if text != "" {
		b.WriteString(text)
		b.WriteString("\n\n")
	}
	b.WriteString(footerMark + "来自“" + client + "”")
	if address != "" {
		b.WriteString("\n地址：" + address)
	}
	for _, n := range notes {
		b.WriteString("\n" + n)
	}
	if mediaURL != "" {
		b.WriteString("\n媒体链接：" + mediaURL)
	}
	return b.String()
}

// presentDescription is the text a client sent: the description without
// the footer describe added.
func presentDescription(d string) string {
	if i := strings.LastIndex(d, footerMark); i >= 0 {
		d = d[:i]
	}
	return strings.TrimSpace(d)
}

// createdOf is the POST answer for case c of service cat.
func createdOf(c *cases.Case, cat *category.Category, accountID string) *CreatedRequest {
	return &CreatedRequest{ServiceRequestID: strconv.FormatInt(c.ID, 10), ServiceNotice: opt(cat.ClosingCondition), AccountID: opt(accountID)}
}

// caseFields maps the case service's field names to the protocol's.
var caseFields = map[string]string{
	"reporter_phone": "phone", "reporter_name": "first_name", "building_id": "address_id", "unit_id": "attribute[unit_id]",
	"lon": "long", "lat": "lat", "idempotency_key": "token", "attachments": "media", "photo": "media",
	"nature": "attribute[nature]", "title": "description", "description": "description", "location": "location",
}

// caseError names a case service error's field as the protocol does.
func caseError(err error) error {
	e := apperr.As(err)
	if e == nil {
		return err
	}
	if f, ok := caseFields[e.Field]; ok {
		return renameField(err, f)
	}
	return err
}

// renameField returns err's first error with its field named field.
func renameField(err error, field string) error {
	e := apperr.As(err)
	if e == nil || e.Code == apperr.Internal {
		return err
	}
	return &apperr.Error{Code: e.Code, Field: field, Msg: e.Msg, Err: err}
}
