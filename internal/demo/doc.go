// Package demo builds Gridwork's demo city: a deterministic, seeded
// generator of plain data (Generate) — regions with codes and tiling
// boundaries, compounds, buildings and courtyards, households, residents
// with valid national ID numbers, party organisations and members, service
// points, the departments the category dictionary routes cases to (with
// the department accounts as their members) and one or more accounts for
// every role — and a loader (Load) that writes that data through the
// domain packages' own APIs, so that the case loop can be played on it.
//
// The same Options always give byte-identical output: every random choice
// comes from a PCG source seeded by Options.Seed, nothing iterates a map, and
// the clock is a fixed reference date (AsOf), never the wall clock.
package demo
