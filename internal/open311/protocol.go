package open311

import (
	"encoding/xml"
	"strconv"
	"time"
)

// The wire types. Field order is the specification's (XML readers may
// care); json tags give the JSON form, xml tags (or a MarshalXML method)
// the XML form. A list type encodes as a bare JSON array and as an XML root
// holding one element per item.

// Specification is the token of the specification in discovery documents.
const Specification = "http://wiki.open311.org/GeoReport_v2"

// Datatype is the type of a service attribute's input.
type Datatype string

// The datatypes of the specification (GET Service Definition).
const (
	String          Datatype = "string"          // one line of text
	Number          Datatype = "number"          // a numeric value
	Datetime        Datatype = "datetime"        // an ISO 8601 date and time
	Text            Datatype = "text"            // text that may span lines
	SingleValueList Datatype = "singlevaluelist" // one of Values
	MultiValueList  Datatype = "multivaluelist"  // any of Values
)

// ServiceType is one entry of GET services.
type ServiceType struct {
	ServiceCode string `json:"service_code" xml:"service_code"`
	ServiceName string `json:"service_name" xml:"service_name"`
	Description string `json:"description" xml:"description"`
	// Metadata is true when the service has attributes (a service
	// definition to fetch).
	Metadata bool   `json:"metadata" xml:"metadata"`
	Type     string `json:"type" xml:"type"` // always "realtime"
	Keywords string `json:"keywords" xml:"keywords"`
	Group    string `json:"group" xml:"group"`
}

// Services is the answer of GET services.
type Services []ServiceType

// MarshalXML writes <services><service>…</service>…</services>.
func (l Services) MarshalXML(e *xml.Encoder, _ xml.StartElement) error {
	return encodeList(e, "services", "service", l)
}

// ServiceDefinition is the answer of GET services/{service_code}.
type ServiceDefinition struct {
	XMLName     xml.Name           `json:"-" xml:"service_definition"`
	ServiceCode string             `json:"service_code" xml:"service_code"`
	Attributes  []ServiceAttribute `json:"attributes" xml:"attributes>attribute"`
}

// ServiceAttribute is one field a service asks for beside the standard ones.
type ServiceAttribute struct {
	// Variable is true when the user gives a value; false for an
	// informational attribute (none here).
	Variable            bool             `json:"variable" xml:"variable"`
	Code                string           `json:"code" xml:"code"`
	Datatype            Datatype         `json:"datatype" xml:"datatype"`
	Required            bool             `json:"required" xml:"required"`
	DatatypeDescription string           `json:"datatype_description" xml:"datatype_description"`
	Order               int              `json:"order" xml:"order"`
	Description         string           `json:"description" xml:"description"`
	Values              []AttributeValue `json:"values,omitempty" xml:"values>value,omitempty"`
}

// AttributeValue is an option of a list attribute.
type AttributeValue struct {
	Key  string `json:"key" xml:"key"`
	Name string `json:"name" xml:"name"`
}

// ServiceRequest is a service request as GET requests and GET requests/{id}
// answer it. Nil fields are JSON null and empty XML elements, as in the
// specification's examples.
type ServiceRequest struct {
	ServiceRequestID string `json:"service_request_id"`
	Status           string `json:"status"` // open or closed
	// StatusDetail (extension) is the Gridwork state behind Status.
	StatusDetail      string   `json:"status_detail"`
	StatusNotes       *string  `json:"status_notes"`
	ServiceName       string   `json:"service_name"`
	ServiceCode       string   `json:"service_code"`
	Description       *string  `json:"description"`
	AgencyResponsible *string  `json:"agency_responsible"`
	ServiceNotice     *string  `json:"service_notice"`
	RequestedDatetime string   `json:"requested_datetime"`
	UpdatedDatetime   string   `json:"updated_datetime"`
	ExpectedDatetime  *string  `json:"expected_datetime"`
	Address           *string  `json:"address"`
	AddressID         *string  `json:"address_id"`
	Zipcode           *string  `json:"zipcode"`
	Lat               *float64 `json:"lat"`
	Long              *float64 `json:"long"`
	MediaURL          *string  `json:"media_url"`
}

// MarshalXML writes the request's elements in the specification's order,
// empty ones included.
func (r ServiceRequest) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	return encodeElements(e, start,
		"service_request_id", r.ServiceRequestID, "status", r.Status, "status_detail", r.StatusDetail,
		"status_notes", str(r.StatusNotes), "service_name", r.ServiceName, "service_code", r.ServiceCode,
		"description", str(r.Description), "agency_responsible", str(r.AgencyResponsible),
		"service_notice", str(r.ServiceNotice), "requested_datetime", r.RequestedDatetime,
		"updated_datetime", r.UpdatedDatetime, "expected_datetime", str(r.ExpectedDatetime),
		"address", str(r.Address), "address_id", str(r.AddressID), "zipcode", str(r.Zipcode),
		"lat", num(r.Lat), "long", num(r.Long), "media_url", str(r.MediaURL))
}

// ServiceRequests is the answer of GET requests and GET requests/{id}.
type ServiceRequests []ServiceRequest

// MarshalXML writes <service_requests><request>…</request>…</service_requests>.
func (l ServiceRequests) MarshalXML(e *xml.Encoder, _ xml.StartElement) error {
	return encodeList(e, "service_requests", "request", l)
}

// CreatedRequest is the answer of POST requests for one request.
type CreatedRequest struct {
	ServiceRequestID string  `json:"service_request_id"`
	ServiceNotice    *string `json:"service_notice"`
	AccountID        *string `json:"account_id"`
}

// MarshalXML writes the created request's elements.
func (c CreatedRequest) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	return encodeElements(e, start, "service_request_id", c.ServiceRequestID,
		"service_notice", str(c.ServiceNotice), "account_id", str(c.AccountID))
}

// CreatedRequests is the answer of POST requests.
type CreatedRequests []CreatedRequest

// MarshalXML writes <service_requests><request>…</request></service_requests>.
func (l CreatedRequests) MarshalXML(e *xml.Encoder, _ xml.StartElement) error {
	return encodeList(e, "service_requests", "request", l)
}

// RequestToken is the answer of GET tokens/{token} for one token.
type RequestToken struct {
	ServiceRequestID string `json:"service_request_id" xml:"service_request_id"`
	Token            string `json:"token" xml:"token"`
}

// RequestTokens is the answer of GET tokens/{token}.
type RequestTokens []RequestToken

// MarshalXML writes <service_requests><request>…</request></service_requests>.
func (l RequestTokens) MarshalXML(e *xml.Encoder, _ xml.StartElement) error {
	return encodeList(e, "service_requests", "request", l)
}

// RequestUpdate is one entry of a request's updates feed (extension): one public
// step of the case's history.
type RequestUpdate struct {
	UpdateID         string `json:"update_id"` // "<service_request_id>_<step>"
	ServiceRequestID string `json:"service_request_id"`
	Status           string `json:"status"`
	StatusDetail     string `json:"status_detail"`
	UpdatedDatetime  string `json:"updated_datetime"`
	// Description says what happened, with the public note of the step
	// (shown to the client that filed the request only).
	Description string  `json:"description"`
	MediaURL    *string `json:"media_url"`
}

// MarshalXML writes the update's elements.
func (u RequestUpdate) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	return encodeElements(e, start, "update_id", u.UpdateID, "service_request_id", u.ServiceRequestID,
		"status", u.Status, "status_detail", u.StatusDetail, "updated_datetime", u.UpdatedDatetime,
		"description", u.Description, "media_url", str(u.MediaURL))
}

// RequestUpdates is the answer of GET requests/{id}/updates.
type RequestUpdates []RequestUpdate

// MarshalXML writes <service_request_updates><request_update>…</request_update>…</service_request_updates>.
func (l RequestUpdates) MarshalXML(e *xml.Encoder, _ xml.StartElement) error {
	return encodeList(e, "service_request_updates", "request_update", l)
}

// ErrorItem is one error of an error answer. Code is the HTTP status, a
// number as in the specification's example.
type ErrorItem struct {
	Code        int    `json:"code" xml:"code"`
	Description string `json:"description" xml:"description"`
}

// Errors is every error answer's body.
type Errors []ErrorItem

// MarshalXML writes <errors><error>…</error>…</errors>.
func (l Errors) MarshalXML(e *xml.Encoder, _ xml.StartElement) error {
	return encodeList(e, "errors", "error", l)
}

// Discovery is the service discovery document.
type Discovery struct {
	XMLName    xml.Name            `json:"-" xml:"discovery"`
	Changeset  string              `json:"changeset" xml:"changeset"`
	Contact    string              `json:"contact" xml:"contact"`
	KeyService string              `json:"key_service" xml:"key_service"`
	Endpoints  []DiscoveryEndpoint `json:"endpoints" xml:"endpoints>endpoint"`
}

// DiscoveryEndpoint is one API a discovery document points to.
type DiscoveryEndpoint struct {
	Specification string   `json:"specification" xml:"specification"`
	URL           string   `json:"url" xml:"url"`
	Changeset     string   `json:"changeset" xml:"changeset"`
	Type          string   `json:"type" xml:"type"` // production or test
	Formats       []string `json:"formats" xml:"formats>format"`
}

// The media types of the two formats, as the specification writes them.
const (
	XMLType  = "text/xml; charset=utf-8"
	JSONType = "application/json; charset=utf-8"
)

// changesetLayout is how discovery documents write their changesets
// (sortable, as in the specification's example).
const changesetLayout = "2006-01-02 15:04"

// W3C writes t as the specification's W3C date-time in zone: seconds and
// the zone's offset ("2026-03-06T22:40:00+08:00").
func W3C(t time.Time, zone *time.Location) string { return t.In(zone).Format(time.RFC3339) }

// encodeList writes a root element holding one item element per item.
func encodeList[T any](e *xml.Encoder, root, item string, items []T) error {
	start := xml.StartElement{Name: xml.Name{Local: root}}
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	for _, it := range items {
		if err := e.EncodeElement(it, xml.StartElement{Name: xml.Name{Local: item}}); err != nil {
			return err
		}
	}
	return e.EncodeToken(start.End())
}

// encodeElements writes start, then one text element per name/value pair
// (an empty value gives an empty element), then the end.
func encodeElements(e *xml.Encoder, start xml.StartElement, kv ...string) error {
	start.Attr = nil
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if err := e.EncodeElement(kv[i+1], xml.StartElement{Name: xml.Name{Local: kv[i]}}); err != nil {
			return err
		}
	}
	return e.EncodeToken(start.End())
}

// str is *p, or "" for nil.
func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// num writes *p in the shortest exact form, or "" for nil.
func num(p *float64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatFloat(*p, 'f', -1, 64)
}

// opt is a pointer to s, nil for "" (JSON null).
func opt(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
