package stats

// kpis computes the KPIs of counters c and live figures o (nil: none) for
// the period p.
func (p *period) kpis(c Counters, o *openAgg) KPIs {
	if o == nil {
		o = &openAgg{}
	}
	k := KPIs{RegionID: p.region.ID, From: p.fromAt, To: p.toAt, Dim: p.dim, Key: p.key, At: p.now, Counters: c}
	k.Open, k.OpenOverdue = int(o.Open), int(o.Overdue)
	if o.Open > 0 {
		avg := o.AgeHours / float64(o.Open)
		k.BacklogAvgHours = &avg
		k.BacklogP90Hours = o.P90Hours
	}
	k.OpenOverdueInPeriod = o.DueInPeriod
	k.DueToClose = c.Closed + o.DueInPeriod
	k.RegistrationRate = ratio(c.Registered, c.Reported)
	k.AccurateRegistration = ratio(c.Registered-c.Cancelled, c.Registered)
	k.OnTimeRegistration = ratio(c.RegisterOnTime, c.RegisterDue)
	k.OnTimeDispatch = ratio(c.DispatchOnTime, c.DispatchDue)
	k.OnTimeVerify = ratio(c.VerifyOnTime, c.VerifyDue)
	k.DispatchAccuracy = ratio(c.Dispatched-c.Returned-c.Rework, c.Dispatched)
	k.HandlingRate = ratio(c.Handled, c.HandleDue+o.UnhandledDue)
	k.OnTimeHandling = ratio(c.HandleOnTime, c.HandleDue+o.UnhandledDue)
	k.ReworkRate = ratio(c.Rework, c.Handled)
	k.ReopenRate = ratio(c.Reopened, c.Closed)
	k.ClosureRate = ratio(c.Closed, k.DueToClose)
	k.OnTimeClosure = ratio(c.ClosedOnTime, k.DueToClose)
	if c.Timed > 0 {
		m := float64(c.OvertimeMilli) / 1000 / float64(c.Timed)
		k.OvertimeMultiple = &m
	}
	k.Satisfaction = ratio(c.Satisfied, c.Ratings)
	k.GridShare = ratio(c.ClosedGrid, c.Closed)
	k.TierShare = map[string]float64{}
	if c.Closed > 0 {
		for tier, n := range map[string]int64{"grid": c.ClosedGrid, "community": c.ClosedCommunity, "street": c.ClosedStreet,
			"district": c.ClosedDistrict, "city": c.ClosedCity} {
			k.TierShare[tier] = float64(n) / float64(c.Closed)
		}
	}
	if c.Handled > 0 {
		avg := float64(c.HandleSeconds) / 3600 / float64(c.Handled)
		k.AvgHandleHours = &avg
		k.P90HandleHours = percentile(c.H, 0.9)
	}
	return k
}

// ratio is num/den, nil when den is not positive.
func ratio(num, den int64) *float64 {
	if den <= 0 {
		return nil
	}
	r := float64(num) / float64(den)
	return &r
}

// percentile estimates the q-quantile, in hours, of a histogram over
// Buckets by linear interpolation inside the bucket it falls in (the last,
// unbounded bucket is taken to end at twice its lower bound); nil when
// the histogram is empty.
func percentile(h [HistBuckets]int64, q float64) *float64 {
	var n int64
	for _, v := range h {
		n += v
	}
	if n == 0 {
		return nil
	}
	target := q * float64(n)
	cum := 0.0
	for i, v := range h {
		if v == 0 || cum+float64(v) < target {
			cum += float64(v)
			continue
		}
		lo, hi := 0.0, 0.0
		if i > 0 {
			lo = Buckets[i-1]
		}
		if i < len(Buckets) {
			hi = Buckets[i]
		} else {
			hi = 2 * lo
		}
		r := lo + (hi-lo)*(target-cum)/float64(v)
		return &r
	}
	r := 2 * Buckets[len(Buckets)-1]
	return &r
}
