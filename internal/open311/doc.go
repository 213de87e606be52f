// Package open311 serves Open311 GeoReport v2, the interface that civic-tech
// clients and city back offices speak (FixMyStreet and others), on top of the
// case loop: the categories become services, a POSTed request becomes a case
// of channel "api", and the case's state is read back as the request's status.
//
// # The specification
//
// Written from the specification text itself, as published in the
// repository open311/open311.github.io (commit d65f0b9a, 2021-04-30):
// GeoReport/v2/index.md ("GeoReport Spec": formats, jurisdiction_id, the six
// methods, their arguments, responses, errors and examples),
// Service_Discovery.md (discovery.xml/.json) and GeoReport/v2/Extensions.md
// (pagination with page/page_size, media upload, update history). The
// updates feed follows the shape of mySociety's servicerequestupdates
// extension (root service_request_updates, elements request_update with
// update_id, service_request_id, status, updated_datetime, description,
// media_url), as its open311-adapter tests show it.
//
// What the text fixes and this package follows: XML roots services/service,
// service_definition, service_requests/request, errors/error and discovery;
// the JSON form is the XML mapped by the Spark convention (lists are bare
// arrays); times are W3C/ISO 8601 with a zone; every error is a list of
// {code, description} with HTTP 404 for what does not exist, 403 for a wrong
// or missing api_key and 400 for anything else the request cannot have;
// GET requests defaults to the last 90 days, may not span more than 90 days
// and returns at most 1000 requests. Codes (service_code,
// service_request_id, token, address_id) are strings in both encodings: the
// specification's own JSON examples write "service_code":001, which is not
// JSON and would lose the leading zeros as a number.
//
// # Mapping onto Gridwork
//
//   - jurisdiction_id is the division code of a county-level region ("330110");
//     one server may host several. It may be left out when the server has one
//     county, or when the api_key names exactly one.
//   - A service is an active leaf category of the dictionary (components,
//     events, social-governance classes; not the hotline's subject classes nor
//     the natures of a request), service_code = the category code; its
//     description is the filing condition, its group the parent class's name.
//     Classes whose cases are records about people rather than requests
//     (特殊人群, special groups) are withheld (Options.Withheld).
//   - Every service is "realtime": POST answers with service_request_id (the
//     case id) at once, so no token is ever handed out. GET tokens/{token}
//     still answers for the one kind of token a client can hold: the
//     idempotency token it may send with its POST (extension field "token"),
//     scoped to its api_key.
//   - status is open or closed (closed and rejected cases); status_detail
//     (extension) is the Gridwork state: reported, registered, rejected,
//     dispatched, in_progress, handled, verified, closed.
//   - A request is visible to anyone when its case is public (the reporter
//     agreed), and to the client whose key filed it; personal data (the
//     reporter, the assignee's name, the e-mail) is never shown.
//
// # API keys
//
// Keys are made and managed by administrators holding user.write over every
// jurisdiction of the key (a machine account, like an API token). The secret
// is shown once; only its SHA-256 is stored. Each key has its own rate limit
// per minute. A key's requests enter the case loop as the system actor on
// the client's behalf, with the reporter's name and phone from the request
// (the phone encrypted by the case service) and route like any other case;
// the e-mail, device and account ids are kept encrypted or beside the case in
// open311_requests.
package open311
