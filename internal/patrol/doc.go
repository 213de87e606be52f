// Package patrol keeps grid workers' patrol logs (巡查走访, DESIGN §4): the
// visits a worker makes in a grid on a day, the households seen, and what the
// visit did — policy talks (政策宣传), mediations (矛盾调解), errands run for
// residents (代办), and findings, each of which becomes a case of the case
// loop through the grid-worker channel.
//
// # Permissions
//
// Recording a visit in a grid needs case.report and place.read there (a
// patrol is how a grid worker reports and it walks the grid's places);
// reading visits needs place.read, and lists are scoped in SQL to the
// actor's place.read subtrees.
//
// # Findings and the "write nothing" rule
//
// A finding is a case in its own right, reported through the case service in
// its own transaction before the visit is written. Everything the visit
// itself holds is checked first, so bad visit input writes nothing. A finding
// the case service refuses stops the visit (the error names
// "findings.<n>.<field>"); findings reported before it stay reported, and
// since each is reported with an idempotency key derived from the visit's,
// sending the visit again finds them instead of reporting them twice.
package patrol
