// Package stats computes the KPIs of DESIGN §3 from the case events, per
// region subtree, department, person, category, channel and period, from
// rollups kept up to date with each event.
//
// # How the counts are kept
//
// Every event appended by internal/cases reaches the Recorder (a
// cases.Observer) inside the case's transaction. Facts turns it into the
// counters it adds, on the event's local day (Asia/Shanghai), and the
// Recorder queues them as one row of stats_pending. The projector
// (Service.Run, or Service.Drain) adds the queued facts to the rollups
// (stats_daily, stats_monthly and the open rollups below) and deletes them
// in one transaction, so each is counted exactly once; a row
// of stats_daily holds the counters of one region (the case's region and
// each of its ancestors), dimension key and day. Rebuild recomputes the
// rollups by replaying every case's events through the same Facts.
//
// # Months
//
// stats_monthly holds the same counters per region, dimension key and
// calendar month (month = yyyymm01, the local day of its first): the
// Aggregator adds every fact to its day row and to its month row, in the
// same transaction, so a month row is always the sum of its days (and
// migration 00100 backfilled the months of the days rolled up before it).
// A KPI of any subtree and period is then a range read of one region's
// rows: a period [from, to) is split into its whole months, read from
// stats_monthly, and the days at its edges — before the first whole month
// and from the last one's end —, read from stats_daily (a period inside
// one month is days only). A district's year-long ranking of its
// handlers thus reads about 11 months and 30 days per handler instead of
// 365 days. Series (per day) reads days only.
//
// The Aggregator merges facts in memory by their leaf key (region,
// category, channel, department, person, day) and expands each leaf to
// its region's ancestors and the dimensions only when flushing; an upsert
// writes only the groups of counters its rows use (the counts one kind of
// event sets: a batch of reports adds 6 columns, not 47). A bulk
// loader adding facts in time order calls FlushBefore with a watermark to
// write and forget the finished days and months as it goes; the upserts
// add, so a watermark only decides how early rows are written.
//
// # The open cases (live figures)
//
// The open cases are rolled up too: Facts also emits, when an event
// changes a case's open contribution, an open fact taking the contribution
// before out (Open −1) and one adding the one after (Open +1) (OpenFact).
// stats_open holds per region ancestor × dim key × due_day the open cases,
// those not yet handled and the sum of their report times; due_day is the
// local day of the case's overdue threshold: its handling deadline, or
// before dispatch its current step's deadline, or 0 when it cannot fall
// due (suspended before it: suspended time does not make a case late).
// stats_open_age holds the open cases per reported day. Then, at now:
//
//	open              Σ open
//	open overdue      Σ open of due_day < today, plus the open cases whose
//	                  threshold falls today before now (not suspended before
//	                  it), counted exactly from cases through the partial
//	                  indexes that start with the deadlines (today's only)
//	overdue in period the same two sources for thresholds in [from, min(to, now))
//	backlog average   (open × now − Σ reported) / open
//
// Thresholds only move with events (dispatch, suspend, resume, approved
// extensions …), so the rollup stays exact between events.
//
// # The counters (Counters, per event)
//
//	reported          the report
//	registered        register, or self_handle from reported
//	rejected          reject
//	cancelled         merge of a case already registered (a duplicate found after registering)
//	register_due      the register step ends: register, reject, or self_handle from reported
//	register_on_time  … at or before the case's register deadline (Due.Register)
//	dispatched        dispatch
//	dispatch_due      dispatch while the dispatch clock runs; on time at or before its due time
//	returned          return
//	rework            verify_fail
//	handled           the case enters handled (feedback, self_handle)
//	handle_due        the same; on time when there was no handling clock or it ended at or
//	                  before the clock's due time, which excludes suspended time and includes
//	                  approved extensions
//	verify_due        verify_ok or verify_fail; on time at or before the verify clock's due time
//	verified          verify_ok
//	closed            the case enters closed, except by merge; on time when handled at or before
//	                  its handling deadline (Due.Handle) or it had none
//	closed_at_<tier>  closed, by the tier the case was at (grid … city)
//	reopened, escalated, supervised   those actions
//	ratings, satisfied, basic, unsatisfied   rate, by verdict
//	handle_seconds    at handled: handled − reported (wall clock); h0…h11 its histogram
//	timed             handled on a handling clock; overtime_milli adds 1000 × time used / limit
//	                  (EventData.Ratio), overtime counts those over 1
//
// # The KPIs (KPIs, per query)
//
//	registration rate          registered / reported
//	accurate registration      (registered − cancelled) / registered
//	on-time registration       register_on_time / register_due
//	on-time dispatch           dispatch_on_time / dispatch_due
//	on-time verification       verify_on_time / verify_due
//	dispatch accuracy          (dispatched − returned − rework) / dispatched
//	handling rate              handled / (handle_due + open unhandled overdue cases whose threshold fell in the period)
//	on-time handling           handle_on_time / (the same denominator)
//	rework rate                rework / handled
//	reopen rate                reopened / closed
//	due to close               closed + open overdue cases whose threshold (below) fell in [from, min(to, now))
//	closure rate               closed / due to close
//	on-time closure            closed_on_time / due to close: open overdue cases count as late
//	overtime multiple          overtime_milli / 1000 / timed (mean time used / limit)
//	satisfaction               satisfied / ratings
//	grid share (小事不出网格)   closed_at_grid / closed; TierShare gives every tier
//	average handling time      handle_seconds / handled; p90 from the histogram
//	open, open overdue         live: open = not closed or rejected (a merged duplicate is closed);
//	                           overdue = past its handling deadline, or before dispatch past its
//	                           current step's deadline, the deadline compared with the start of
//	                           a running suspension (suspended time does not make a case late)
//	backlog age                live: average and p90 age (now − reported) of the open cases;
//	                           the p90 is interpolated within the reported day
//
// Rates are nil when their denominator is zero. A period is a run of whole
// local days, at most MaxDays long.
package stats
