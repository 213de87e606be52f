package auth

// Action is something an actor may be allowed to do.
type Action string

// The actions of the foundation; later domains add theirs here.
const (
	ActRegionRead        Action = "region.read"
	ActRegionWrite       Action = "region.write"
	ActPlaceRead         Action = "place.read" // buildings, units, households, service points
	ActPlaceWrite        Action = "place.write"
	ActResidentRead      Action = "resident.read" // masked personal data
	ActResidentWrite     Action = "resident.write"
	ActResidentPII       Action = "resident.pii" // full ID and phone; every use is audited
	ActPartyRead         Action = "party.read"
	ActPartyWrite        Action = "party.write"
	ActUserRead          Action = "user.read"
	ActUserWrite         Action = "user.write"
	ActLedgerImport      Action = "ledger.import"
	ActLedgerExport      Action = "ledger.export"
	ActAuditRead         Action = "audit.read"
	ActServicePointWrite Action = "service_point.write"
)

// Actions lists every action in a stable order (for tests and admin pages).
var Actions = []Action{
	ActRegionRead, ActRegionWrite, ActPlaceRead, ActPlaceWrite, ActResidentRead, ActResidentWrite,
	ActResidentPII, ActPartyRead, ActPartyWrite, ActUserRead, ActUserWrite, ActLedgerImport,
	ActLedgerExport, ActAuditRead, ActServicePointWrite,
}

// permissions is the role → actions table. A role grants an action only
// inside the scope it is held at.
var permissions = map[Role][]Action{
	RoleResident:         {},
	RoleGridWorker:       {ActRegionRead, ActPlaceRead, ActPlaceWrite, ActResidentRead, ActResidentWrite, ActResidentPII, ActLedgerImport, ActLedgerExport},
	RoleBuildingHead:     {ActRegionRead, ActPlaceRead, ActResidentRead},
	RoleUnitHead:         {ActRegionRead, ActPlaceRead, ActResidentRead},
	RolePartyMember:      {ActRegionRead, ActPartyRead},
	RoleBranchSecretary:  {ActRegionRead, ActPlaceRead, ActResidentRead, ActPartyRead},
	RoleDispatcher:       {ActRegionRead, ActPlaceRead, ActResidentRead, ActResidentPII},
	RoleDepartment:       {ActRegionRead},
	RoleLeader:           {ActRegionRead, ActPlaceRead, ActResidentRead, ActPartyRead, ActLedgerExport, ActAuditRead},
	RoleCourierVolunteer: {ActRegionRead},
	RoleAdmin: {ActRegionRead, ActRegionWrite, ActPlaceRead, ActPlaceWrite, ActResidentRead, ActResidentWrite, ActResidentPII,
		ActPartyRead, ActPartyWrite, ActUserRead, ActUserWrite, ActLedgerImport, ActLedgerExport, ActAuditRead, ActServicePointWrite},
}

// RoleAllows reports whether role r carries action a at all (at some scope).
func RoleAllows(r Role, a Action) bool {
	for _, x := range permissions[r] {
		if x == a {
			return true
		}
	}
	return false
}
