// Package cases is the case loop (事件/诉求闭环, DESIGN §3): intake from every
// channel, routing to a grid and a department, the state machine kept as
// data (Transitions), time limits on the work calendar with a traffic light
// and an automatic ticker that supervises and escalates, the append-only
// hash-chained history, notifications and the scoped reads.
//
// # History and the case row
//
// Every change of a case is an event in case_events, written in the same
// transaction as the case row. The row is derived: each event's data holds
// the fields of the case it changed ("set"), so folding a case's events
// rebuilds its row; VerifyHistory checks the hash chain and that fold. The
// row's version is the seq of its last event: Act takes the version the
// client saw and fails with a Conflict when the case moved on meanwhile.
//
// # Who may do what
//
// Each transition names the permission it needs (an auth action, the role
// gate) and whose scope it is (the scope gate, Who): the case's location
// for reading, supervising and verifying; the region whose queue holds the
// case for registering, dispatching and escalating; the assignment (the
// assigned user, or a member of the assigned or an involved department) for
// accepting and handling; the reporter for rating and reopening. The system
// actor (the ticker, CLI tools, the public intake of anonymous reports)
// passes every gate.
//
// # Time
//
// Limits come from category.LimitFor per category × urgency × tier × step
// and are counted with the work calendar (calendar.Calendar). A case runs
// at most two clocks: the current step's (Case.Step: register, dispatch,
// accept, handle or verify — what the traffic light shows) and, from
// dispatch until handled, the handling clock (Case.Handle). Suspended time
// does not count: on resume each running clock's deadline moves by the
// suspended time measured on that clock. The clock of the service is
// injected (Options.Now).
package cases
