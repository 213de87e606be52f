// Package calendar is Gridwork's working time: China's work calendar (the
// Monday–Friday rule plus each year's holiday blocks and swapped working
// days 调休, editable per year), the daily working hours, and the arithmetic
// that turns a time limit such as "30m", "4wh" or "15wd" into a deadline and
// measures how much of it has been used.
//
// # Days
//
// A day is a working day when the calendar has an override for it of kind
// "work" (a swapped Saturday or Sunday), or when it is Monday–Friday and has
// no override of kind "off" (a day of a holiday block). Days are civil dates
// in the calendar's time zone (Asia/Shanghai by default). Only years that
// have been entered (seeded from the State Council's notices, added by an
// administrator, or imported) are known; any computation that needs a day of
// another year fails with apperr.Invalid on field "calendar" naming the year
// ("2027年的工作日历尚未录入" / "no work calendar for 2027 yet").
//
// # Units and their clocks
//
// Each unit measures time on its own clock; Budget is the limit on that
// clock, Elapsed reads it between two instants, and Deadline is the instant
// at which Elapsed from the start reaches Budget, so that for every start
// Elapsed(start, Deadline(start, l), l.Unit) == Budget(l).
//
//   - m, h: the wall clock, round the clock, holidays included. Budget is
//     the amount in minutes or hours; Elapsed is end − start.
//   - wh (working hours): only time inside the working hours (Options.Hours,
//     e.g. 08:30–12:00 and 14:00–18:00) of working days runs. A start outside
//     them begins at the next working period. The deadline is the earliest
//     instant at which the budget is used up: 4wh from 08:00 on a working
//     Monday is due at 14:30 (3.5 h in the morning, 0.5 h after lunch), and
//     a budget that ends with the morning is due at 12:00, not 14:00.
//   - wd (working days): whole working days; see below.
//
// # Working days
//
// Each working day counts as 24 h, spread evenly over its working window,
// which runs from the opening of its first span to the close of its last
// (08:30–18:00 with office hours, lunch included; the whole day when the
// hours are round the clock). Time outside the windows of working days does
// not run. Budget is N × 24 h, and Elapsed counts, for every working day,
// 24 h × (the part of its window inside [start, end)) / (the window's
// length). Deadlines follow from that:
//
// A start on a working day before its close is due at the same local clock
// time on the Nth working day after the start's day, a start before the
// opening counting as the opening: reported Monday 10:15, 2wd is due
// Wednesday 10:15 (when Tuesday and Wednesday are working days); reported
// Monday 07:00, Wednesday 08:30.
//
// A start at or after the close of a working day, or on a day off, counts
// from the opening of the next working day and is due at the opening of the
// Nth working day after that one: reported Friday 22:40, 2wd is due
// Wednesday 08:30 (Monday 08:30 plus two working days).
//
// No time runs between a close and the next opening, so a deadline at an
// opening is the same moment, on the wd clock, as the close of the working
// day before it; Deadline names the opening.
//
// The measures are additive (Elapsed(a, c) = Elapsed(a, b) + Elapsed(b, c)),
// so suspended time can be measured with Elapsed in the same unit and
// subtracted. Working-time measures read local clock times: a day that
// gains or loses an hour to daylight saving still has its nominal hours
// (China has no daylight saving).
//
// # Storage and editing
//
// The tables calendar_years and calendar_days hold the known years and the
// overrides; Service keeps an immutable snapshot (*Calendar) cached and
// rebuilds it after every edit. SeedDefaults fills 2025 and 2026 from the
// embedded data/cn-workcalendar.csv at start-up, leaving years already
// present alone.
package calendar
