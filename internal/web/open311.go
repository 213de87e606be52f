package web

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/cases"
	"github.com/gridwork/gridwork/internal/open311"
)

// Open311 GeoReport v2 at /open311/v2 (see package open311): every answer
// in the format the path's extension names, .json or .xml, errors too, as
// the specification's list of {code, description}.

// o311Format is an answer's format: "json" or "xml".
type o311Format string

const (
	o311JSON o311Format = "json"
	o311XML  o311Format = "xml"
)

// o311Call is one Open311 request being served.
type o311Call struct {
	format o311Format
	name   string // the path segment that carried the extension, without it
}

// o311Handler serves one Open311 route. format is the route's own ("json",
// "xml"), or "" when the wildcard segment named by seg ends in the
// extension ("001.json"); a segment with no known extension is NotFound.
func (s *Server) o311Handler(format o311Format, seg string, h func(w http.ResponseWriter, r *http.Request, c o311Call) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := o311Call{format: format}
		if seg != "" {
			v := r.PathValue(seg)
			if format == "" {
				switch {
				case strings.HasSuffix(v, ".json"):
					c.format, c.name = o311JSON, strings.TrimSuffix(v, ".json")
				case strings.HasSuffix(v, ".xml"):
					c.format, c.name = o311XML, strings.TrimSuffix(v, ".xml")
				default:
					s.writeO311Error(w, r, o311JSON, apperr.New(apperr.NotFound, "", "路径须以 .json 或 .xml 结尾", "the path must end in .json or .xml"))
					return
				}
			} else {
				c.name = v
			}
		}
		if err := h(w, r, c); err != nil {
			s.writeO311Error(w, r, c.format, err)
		}
	})
}

// writeO311 answers v in format f: XML with its declaration (the
// specification requires it), or JSON.
func writeO311(w http.ResponseWriter, f o311Format, status int, v any) {
	if f == o311XML {
		w.Header().Set("Content-Type", open311.XMLType)
		w.WriteHeader(status)
		_, _ = io.WriteString(w, xml.Header)
		enc := xml.NewEncoder(w)
		enc.Indent("", "  ")
		_ = enc.Encode(v)
		_ = enc.Close()
		return
	}
	w.Header().Set("Content-Type", open311.JSONType)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// o311Status maps error codes to the specification's statuses: 404 for
// what does not exist, 403 for a missing or wrong api_key, 400 for any other
// request that cannot be fulfilled (conflicts included); 429 and 500 beside.
var o311Status = map[apperr.Code]int{
	apperr.Invalid:         http.StatusBadRequest,
	apperr.NotFound:        http.StatusNotFound,
	apperr.Conflict:        http.StatusBadRequest,
	apperr.Forbidden:       http.StatusForbidden,
	apperr.Unauthenticated: http.StatusForbidden,
	apperr.TooMany:         http.StatusTooManyRequests,
	apperr.Internal:        http.StatusInternalServerError,
}

// writeO311Error answers err as a list of {code, description}, one per
// field error, in the request's language; only internal errors are logged.
func (s *Server) writeO311Error(w http.ResponseWriter, r *http.Request, f o311Format, err error) {
	code := apperr.CodeOf(err)
	status := o311Status[code]
	lang := langOf(r)
	var list open311.Errors
	if code == apperr.Internal {
		s.log.ErrorContext(r.Context(), "internal error", "err", err, "method", r.Method, "path", r.URL.Path, "request_id", requestIDFrom(r.Context()))
		list = append(list, open311.ErrorItem{Code: status, Description: apperr.Text{ZH: "服务器内部错误，请稍后重试", EN: "internal server error, please try again later"}.In(lang)})
	} else {
		var fields apperr.List
		if !errors.As(err, &fields) {
			fields = apperr.List{apperr.As(err)}
		}
		for _, e := range fields {
			d := e.Msg.In(lang)
			if e.Field != "" && !strings.Contains(d, e.Field) {
				d = e.Field + ": " + d
			}
			list = append(list, open311.ErrorItem{Code: status, Description: d})
		}
	}
	if code == apperr.TooMany {
		w.Header().Set("Retry-After", "60")
	}
	writeO311(w, f, status, open311.Errors(list))
}

// o311Caller works out who asks: the key of api_key (required when
// needKey, else optional; an invalid one is refused), within its rate, in
// the jurisdiction named.
func (s *Server) o311Caller(r *http.Request, needKey bool) (open311.Caller, error) {
	c := open311.Caller{Lang: langOf(r)}
	key := r.FormValue("api_key")
	if needKey && key == "" {
		return c, apperr.New(apperr.Forbidden, "api_key", "缺少 api_key", "api_key is missing")
	}
	if key != "" {
		cl, err := s.open311.Authenticate(r.Context(), key)
		if err != nil {
			// Wrong keys count against the address, so that guessing is
			// throttled like any request without a key.
			if aerr := s.open311.Admit(nil, clientIP(r)); aerr != nil {
				return c, aerr
			}
			return c, err
		}
		c.Client = cl
	}
	if err := s.open311.Admit(c.Client, clientIP(r)); err != nil {
		return c, err
	}
	j, err := s.open311.FindJurisdiction(r.Context(), r.FormValue("jurisdiction_id"), c.Client)
	if err != nil {
		return c, err
	}
	c.Jurisdiction = j
	return c, nil
}

// handleO311Discovery answers the discovery document; the endpoint's URL
// is this server's /open311/v2 as the client reached it.
func (s *Server) handleO311Discovery(w http.ResponseWriter, r *http.Request, c o311Call) error {
	if err := s.open311.Admit(nil, clientIP(r)); err != nil {
		return err
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	d, err := s.open311.Discovery(r.Context(), scheme+"://"+r.Host+"/open311/v2")
	if err != nil {
		return err
	}
	writeO311(w, c.format, http.StatusOK, d)
	return nil
}

func (s *Server) handleO311Services(w http.ResponseWriter, r *http.Request, c o311Call) error {
	caller, err := s.o311Caller(r, false)
	if err != nil {
		return err
	}
	list, err := s.open311.Services(r.Context(), caller.Lang)
	if err != nil {
		return err
	}
	writeO311(w, c.format, http.StatusOK, list)
	return nil
}

func (s *Server) handleO311Definition(w http.ResponseWriter, r *http.Request, c o311Call) error {
	caller, err := s.o311Caller(r, false)
	if err != nil {
		return err
	}
	def, err := s.open311.FindServiceDefinition(r.Context(), c.name, caller.Lang)
	if err != nil {
		return err
	}
	writeO311(w, c.format, http.StatusOK, def)
	return nil
}

// maxO311Body bounds a form-encoded POST; a multipart one may carry a photo.
const (
	maxO311Body      = 1 << 20
	maxO311Multipart = 12 << 20
)

// handleO311Post files a request: form-encoded as the specification says,
// or multipart/form-data with the photo in field "media" (extension).
func (s *Server) handleO311Post(w http.ResponseWriter, r *http.Request, c o311Call) error {
	in := open311.RequestInput{}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		r.Body = http.MaxBytesReader(w, r.Body, maxO311Multipart)
		if err := r.ParseMultipartForm(maxO311Multipart); err != nil {
			return apperr.Invalidf("media", "请求内容无法解析或超过大小限制", "the request cannot be read or is too large")
		}
		if fhs := r.MultipartForm.File["media"]; len(fhs) > 0 {
			f, err := fhs[0].Open()
			if err != nil {
				return apperr.Invalidf("media", "无法读取上传的照片", "cannot read the uploaded photo")
			}
			defer f.Close()
			in.Media = f
		}
	} else {
		r.Body = http.MaxBytesReader(w, r.Body, maxO311Body)
		if err := r.ParseForm(); err != nil {
			return apperr.Invalidf("", "请求内容应为 application/x-www-form-urlencoded 表单", "the body must be an application/x-www-form-urlencoded form")
		}
	}
	caller, err := s.o311Caller(r, true)
	if err != nil {
		return err
	}
	form := r.PostForm
	var errs apperr.List
	for _, p := range []struct {
		name string
		dst  **float64
	}{{"lat", &in.Lat}, {"long", &in.Long}} {
		if v := strings.TrimSpace(form.Get(p.name)); v != "" {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				errs = append(errs, apperr.Invalidf(p.name, "%s 应为数字", "%s must be a number", p.name))
				continue
			}
			*p.dst = &f
		}
	}
	if len(errs) > 0 {
		return errs
	}
	in.ServiceCode, in.AddressString, in.AddressID = form.Get("service_code"), form.Get("address_string"), form.Get("address_id")
	in.Attributes = open311.AttributesFromForm(form)
	in.Email, in.DeviceID, in.AccountID = form.Get("email"), form.Get("device_id"), form.Get("account_id")
	in.FirstName, in.LastName, in.Phone = form.Get("first_name"), form.Get("last_name"), form.Get("phone")
	in.Description, in.MediaURL, in.Token = form.Get("description"), form.Get("media_url"), form.Get("token")
	created, err := s.open311.Submit(r.Context(), caller, in)
	if err != nil {
		return err
	}
	writeO311(w, c.format, http.StatusOK, open311.CreatedRequests{*created})
	return nil
}

// handleO311Requests answers GET requests with the specification's
// filters and the extensions (status_detail, updated_after/before, bbox,
// page/page_size).
func (s *Server) handleO311Requests(w http.ResponseWriter, r *http.Request, c o311Call) error {
	caller, err := s.o311Caller(r, false)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := open311.RequestFilter{IDs: open311.SplitList(q.Get("service_request_id")),
		ServiceCodes: open311.SplitList(q.Get("service_code")), Statuses: open311.SplitList(q.Get("status"))}
	for _, st := range open311.SplitList(q.Get("status_detail")) {
		f.Details = append(f.Details, cases.State(st))
	}
	for _, t := range []struct {
		name string
		dst  **time.Time
	}{{"start_date", &f.Start}, {"end_date", &f.End}, {"updated_after", &f.UpdatedAfter}, {"updated_before", &f.UpdatedBefore}} {
		if *t.dst, err = open311.ParseTime(t.name, q.Get(t.name)); err != nil {
			return err
		}
	}
	if f.BBox, err = open311.ParseBBox(q.Get("bbox")); err != nil {
		return err
	}
	if f.Page, err = queryInt(r, "page", 0, 1, 1<<20); err != nil {
		return err
	}
	if f.PageSize, err = queryInt(r, "page_size", 0, 1, 1000); err != nil {
		return err
	}
	list, err := s.open311.FindRequests(r.Context(), caller, f)
	if err != nil {
		return err
	}
	writeO311(w, c.format, http.StatusOK, list)
	return nil
}

func (s *Server) handleO311Request(w http.ResponseWriter, r *http.Request, c o311Call) error {
	caller, err := s.o311Caller(r, false)
	if err != nil {
		return err
	}
	list, err := s.open311.FindRequest(r.Context(), caller, c.name)
	if err != nil {
		return err
	}
	writeO311(w, c.format, http.StatusOK, list)
	return nil
}

func (s *Server) handleO311Updates(w http.ResponseWriter, r *http.Request, c o311Call) error {
	caller, err := s.o311Caller(r, false)
	if err != nil {
		return err
	}
	list, err := s.open311.FindUpdates(r.Context(), caller, c.name)
	if err != nil {
		return err
	}
	writeO311(w, c.format, http.StatusOK, list)
	return nil
}

func (s *Server) handleO311Token(w http.ResponseWriter, r *http.Request, c o311Call) error {
	caller, err := s.o311Caller(r, false)
	if err != nil {
		return err
	}
	list, err := s.open311.FindToken(r.Context(), caller, c.name)
	if err != nil {
		return err
	}
	writeO311(w, c.format, http.StatusOK, list)
	return nil
}

// The administration of Open311 API keys, under /api/v1 like the rest.

// open311KeyJSON is an API key without its secret.
type open311KeyJSON struct {
	ID            int64      `json:"id"`
	Client        string     `json:"client"`
	Prefix        string     `json:"prefix"`
	Jurisdictions []string   `json:"jurisdictions"`
	PerMinute     int        `json:"per_minute"`
	Active        bool       `json:"active"`
	CreatedBy     int64      `json:"created_by,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
	LastUsedAt    *time.Time `json:"last_used_at"`
}

func toOpen311KeyJSON(k *open311.Key) open311KeyJSON {
	return open311KeyJSON{ID: k.ID, Client: k.Client, Prefix: k.Prefix, Jurisdictions: nonNil(k.Jurisdictions), PerMinute: k.PerMinute,
		Active: k.Active, CreatedBy: k.CreatedBy, CreatedAt: k.CreatedAt, UpdatedAt: k.UpdatedAt, LastUsedAt: k.LastUsedAt}
}

// open311KeyCreatedJSON is a new key with its secret, shown this once.
type open311KeyCreatedJSON struct {
	Key    open311KeyJSON `json:"key"`
	Secret string         `json:"secret"`
}

// open311KeyInputJSON makes a key.
type open311KeyInputJSON struct {
	Client        string   `json:"client"`
	Jurisdictions []string `json:"jurisdictions"`        // division codes of counties
	PerMinute     int      `json:"per_minute,omitempty"` // 60 if absent
}

// open311KeyUpdateJSON changes a key; absent fields stay as they are.
type open311KeyUpdateJSON struct {
	Client        *string   `json:"client,omitempty"`
	Jurisdictions *[]string `json:"jurisdictions,omitempty"`
	PerMinute     *int      `json:"per_minute,omitempty"`
	Active        *bool     `json:"active,omitempty"`
}

func (s *Server) handleCreateOpen311Key(w http.ResponseWriter, r *http.Request) error {
	if _, err := requireActor(r); err != nil {
		return err
	}
	var in open311KeyInputJSON
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	k, secret, err := s.open311.CreateKey(r.Context(), open311.KeyInput{Client: in.Client, Jurisdictions: in.Jurisdictions, PerMinute: in.PerMinute})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, open311KeyCreatedJSON{Key: toOpen311KeyJSON(k), Secret: secret})
	return nil
}

func (s *Server) handleListOpen311Keys(w http.ResponseWriter, r *http.Request) error {
	if _, err := requireActor(r); err != nil {
		return err
	}
	limit, offset, err := paging(r, 500)
	if err != nil {
		return err
	}
	active, err := optBool(r, "active")
	if err != nil {
		return err
	}
	ks, total, err := s.open311.FindKeys(r.Context(), open311.KeyFilter{Active: active, Limit: limit, Offset: offset})
	if err != nil {
		return err
	}
	writePage(w, ks, total, limit, offset, toOpen311KeyJSON)
	return nil
}

func (s *Server) handleGetOpen311Key(w http.ResponseWriter, r *http.Request) error {
	if _, err := requireActor(r); err != nil {
		return err
	}
	return writeFound(w, r, s.open311.FindKeyByID, toOpen311KeyJSON)
}

func (s *Server) handleUpdateOpen311Key(w http.ResponseWriter, r *http.Request) error {
	if _, err := requireActor(r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in open311KeyUpdateJSON
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	upd := open311.KeyUpdate{Client: in.Client, PerMinute: in.PerMinute, Active: in.Active}
	if in.Jurisdictions != nil {
		upd.Jurisdictions = nonNil(*in.Jurisdictions)
	}
	k, err := s.open311.UpdateKey(r.Context(), id, upd)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toOpen311KeyJSON(k))
	return nil
}
