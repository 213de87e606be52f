package open311

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/category"
)

// serviceKinds are the kinds of category offered as services: components
// (部件), events (事件) and social-governance classes (综治). The hotline's
// subject classes sort 12345 tickets and the natures of a request are an
// attribute of every service, so neither is a service of its own.
var serviceKinds = map[string]bool{category.KindComponent: true, category.KindEvent: true, category.KindSocial: true}

// dictionary is the category dictionary as the catalogue needs it.
type dictionary struct {
	all     []*category.Category // by code
	byCode  map[string]*category.Category
	kids    map[string]int       // active children per code
	natures []*category.Category // active request natures, by code
}

// loadDictionary reads the whole dictionary (a few hundred rows; at most
// 5000, the dictionary's own bound).
func (s *Service) loadDictionary(ctx context.Context) (*dictionary, error) {
	cs, _, err := s.cat.FindCategories(ctx, category.CategoryFilter{Limit: 5000})
	if err != nil {
		return nil, err
	}
	d := &dictionary{all: cs, byCode: make(map[string]*category.Category, len(cs)), kids: map[string]int{}}
	for _, c := range cs {
		d.byCode[c.Code] = c
		if c.Active && c.ParentCode != "" {
			d.kids[c.ParentCode]++
		}
		if c.Active && c.Kind == category.KindRequestNature {
			d.natures = append(d.natures, c)
		}
	}
	return d, nil
}

// root returns the top-level class of c.
func (d *dictionary) root(c *category.Category) *category.Category {
	for range 8 { // the dictionary's own depth bound
		p, ok := d.byCode[c.ParentCode]
		if !ok {
			break
		}
		c = p
	}
	return c
}

// offered reports whether c is a service: an active leaf of a service
// kind, outside the withheld classes.
func (d *dictionary) offered(c *category.Category, withheld []string) bool {
	if !c.Active || !serviceKinds[c.Kind] || d.kids[c.Code] > 0 {
		return false
	}
	for x, n := c, 0; x != nil && n < 8; n++ {
		if slices.Contains(withheld, x.Code) {
			return false
		}
		x = d.byCode[x.ParentCode]
	}
	return true
}

// name is a category's name in lang.
func name(c *category.Category, lang string) string {
	return apperr.Text{ZH: c.NameZH, EN: c.NameEN}.In(lang)
}

// serviceOf describes an offered category as a service.
func (d *dictionary) serviceOf(c *category.Category, lang string) ServiceType {
	desc := c.FilingCondition
	parent := d.byCode[c.ParentCode]
	if desc == "" && parent != nil {
		desc = parent.FilingCondition // a leaf without its own condition files under its class's
	}
	if desc == "" {
		desc = name(c, lang)
	}
	group := category.KindLabel(c.Kind).In(lang)
	if parent != nil {
		group = name(parent, lang)
	}
	// Keywords: the other language's name, the class and the kind, so that a
	// search in either language finds the service.
	kw := []string{c.NameZH}
	if c.NameEN != "" {
		kw = append(kw, c.NameEN)
	}
	if parent != nil {
		kw = append(kw, parent.NameZH)
		if parent.NameEN != "" {
			kw = append(kw, parent.NameEN)
		}
	}
	kw = append(kw, category.KindLabel(c.Kind).ZH, category.KindLabel(c.Kind).EN)
	return ServiceType{ServiceCode: c.Code, ServiceName: name(c, lang), Description: desc,
		Metadata: len(d.attributes(c)) > 0, Type: "realtime", Keywords: strings.Join(kw, ", "), Group: group}
}

// Services lists the services (GET services), ordered by code, with names
// in lang. The dictionary is public reference data, so no permission is
// checked (as category.FindCategories).
func (s *Service) Services(ctx context.Context, lang string) (Services, error) {
	d, err := s.loadDictionary(ctx)
	if err != nil {
		return nil, fmt.Errorf("open311: services: %w", err)
	}
	out := Services{}
	for _, c := range d.all {
		if d.offered(c, s.opt.Withheld) {
			out = append(out, d.serviceOf(c, lang))
		}
	}
	return out, nil
}

// offering returns the category behind service code with the dictionary:
// NotFound on "service_code" when no service has that code.
func (s *Service) offering(ctx context.Context, code string) (*category.Category, *dictionary, error) {
	code = strings.TrimSpace(code)
	if code == "" {
		return nil, nil, apperr.Invalidf("service_code", "请提供 service_code", "service_code is required")
	}
	d, err := s.loadDictionary(ctx)
	if err != nil {
		return nil, nil, err
	}
	c, ok := d.byCode[strings.ToUpper(code)]
	if !ok || !d.offered(c, s.opt.Withheld) {
		return nil, nil, apperr.Newf(apperr.NotFound, "service_code", "service_code“%s”不存在", "service_code %q was not found", code)
	}
	return c, d, nil
}

// FindServiceDefinition returns the attributes of service code (GET
// services/{service_code}), texts in lang. NotFound on "service_code"
// for an unknown code. No permission is checked (see Services).
func (s *Service) FindServiceDefinition(ctx context.Context, code, lang string) (*ServiceDefinition, error) {
	c, d, err := s.offering(ctx, code)
	if err != nil {
		return nil, fmt.Errorf("open311: service definition %q: %w", code, err)
	}
	def := &ServiceDefinition{ServiceCode: c.Code, Attributes: []ServiceAttribute{}}
	for i, a := range d.attributes(c) {
		def.Attributes = append(def.Attributes, a.wire(i+1, lang))
	}
	return def, nil
}

// Discovery returns the discovery document for the API at url. Its
// changeset is the time of the dictionary's last change, which is when the
// services and their definitions last changed.
func (s *Service) Discovery(ctx context.Context, url string) (*Discovery, error) {
	d, err := s.loadDictionary(ctx)
	if err != nil {
		return nil, fmt.Errorf("open311: discovery: %w", err)
	}
	var last time.Time
	for _, c := range d.all {
		if c.UpdatedAt.After(last) {
			last = c.UpdatedAt
		}
	}
	cs := last.In(s.opt.Zone).Format(changesetLayout)
	return &Discovery{Changeset: cs, Contact: s.opt.Contact, KeyService: s.opt.KeyService,
		Endpoints: []DiscoveryEndpoint{{Specification: Specification, URL: url, Changeset: cs, Type: "production",
			Formats: []string{"text/xml", "application/json"}}}}, nil
}
