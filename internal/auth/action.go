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

	// The case loop (issue 3). Each gates a group of transitions of the
	// state machine in internal/cases; the case service adds the scope: the
	// case's location for reading, its current queue region for dispatching,
	// and the assignment or the reporter for the actions that only those
	// people may take.
	ActCaseRead       Action = "case.read"        // see cases located in the scope (residents: their own)
	ActCaseReport     Action = "case.report"      // report a case located in the scope (residents: as themselves)
	ActCaseRegister   Action = "case.register"    // register or reject a reported case of the queue
	ActCaseDispatch   Action = "case.dispatch"    // dispatch, close, merge, suspend/resume, approve extensions at the queue
	ActCaseEscalate   Action = "case.escalate"    // send a case of the queue one tier up
	ActCaseHandle     Action = "case.handle"      // accept, return, involve, feed back, ask for more time — as the assignee
	ActCaseSelfHandle Action = "case.self_handle" // solve a case of the queue on the spot
	ActCaseVerify     Action = "case.verify"      // verify the handling (residents: of their own reports)
	ActCaseRate       Action = "case.rate"        // rate or reopen — as the reporter
	ActCaseSupervise  Action = "case.supervise"   // set the supervision level (督办)
	ActCaseInstruct   Action = "case.instruct"    // add a leader's instruction (批示)
)

// Actions lists every action in a stable order (for tests and admin pages).
var Actions = []Action{
	ActRegionRead, ActRegionWrite, ActPlaceRead, ActPlaceWrite, ActResidentRead, ActResidentWrite,
	ActResidentPII, ActPartyRead, ActPartyWrite, ActUserRead, ActUserWrite, ActLedgerImport,
	ActLedgerExport, ActAuditRead, ActServicePointWrite,
	ActCaseRead, ActCaseReport, ActCaseRegister, ActCaseDispatch, ActCaseEscalate, ActCaseHandle,
	ActCaseSelfHandle, ActCaseVerify, ActCaseRate, ActCaseSupervise, ActCaseInstruct,
}

// permissions is the role → actions table. A role grants an action only
// inside the scope it is held at.
var permissions = map[Role][]Action{
	RoleResident: {ActCaseRead, ActCaseReport, ActCaseVerify, ActCaseRate},
	RoleGridWorker: {ActRegionRead, ActPlaceRead, ActPlaceWrite, ActResidentRead, ActResidentWrite, ActResidentPII, ActLedgerImport, ActLedgerExport,
		ActCaseRead, ActCaseReport, ActCaseRegister, ActCaseDispatch, ActCaseEscalate, ActCaseHandle, ActCaseSelfHandle, ActCaseVerify},
	RoleBuildingHead:    {ActRegionRead, ActPlaceRead, ActResidentRead, ActCaseRead, ActCaseReport, ActCaseRate},
	RoleUnitHead:        {ActRegionRead, ActPlaceRead, ActResidentRead, ActCaseRead, ActCaseReport, ActCaseRate},
	RolePartyMember:     {ActRegionRead, ActPartyRead, ActCaseHandle},
	RoleBranchSecretary: {ActRegionRead, ActPlaceRead, ActResidentRead, ActPartyRead, ActCaseRead, ActCaseReport, ActCaseRegister, ActCaseDispatch, ActCaseEscalate, ActCaseHandle},
	RoleDispatcher: {ActRegionRead, ActPlaceRead, ActResidentRead, ActResidentPII,
		ActCaseRead, ActCaseReport, ActCaseRegister, ActCaseDispatch, ActCaseEscalate, ActCaseVerify, ActCaseSupervise},
	RoleDepartment:       {ActRegionRead, ActCaseHandle},
	RoleLeader:           {ActRegionRead, ActPlaceRead, ActResidentRead, ActPartyRead, ActLedgerExport, ActAuditRead, ActCaseRead, ActCaseSupervise, ActCaseInstruct},
	RoleCourierVolunteer: {ActRegionRead, ActCaseReport, ActCaseRate},
	RoleAdmin: {ActRegionRead, ActRegionWrite, ActPlaceRead, ActPlaceWrite, ActResidentRead, ActResidentWrite, ActResidentPII,
		ActPartyRead, ActPartyWrite, ActUserRead, ActUserWrite, ActLedgerImport, ActLedgerExport, ActAuditRead, ActServicePointWrite,
		ActCaseRead},
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
