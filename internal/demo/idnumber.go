package demo

import (
	"strconv"
	"time"

	"github.com/gridwork/gridwork/internal/people"
)

// idEpoch is day 0 of the per-county sequence counters.
var idEpoch = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)

// idNumber returns a fresh, valid ID number for someone registered in
// county (a region index): the county code, the birth date, a sequence
// whose last digit is odd for men and even for women, and the check
// character. The sequence counts the numbers already given out per county,
// birth date and sex, so none repeats.
func (g *gen) idNumber(county int, birth time.Time, gender people.Gender) string {
	counts := g.idSeq[county]
	if counts == nil {
		counts = make([]uint16, 2*(int(asOf.Sub(idEpoch).Hours()/24)+1))
		g.idSeq[county] = counts
	}
	day := int(birth.Sub(idEpoch).Hours() / 24)
	k := 2 * day
	if gender == people.Male {
		k++
	}
	n := int(counts[k])
	counts[k]++
	// Start each date's sequence at a different place so numbers look
	// varied; 500 numbers per sex and day are far more than a county uses.
	seq := 2 * ((day*37 + n) % 500)
	if gender == people.Male {
		seq++
	}
	var b [18]byte
	copy(b[:6], g.c.Regions[county].Code[:6])
	y, m, d := birth.Date()
	putDigits(b[6:10], y)
	putDigits(b[10:12], int(m))
	putDigits(b[12:14], d)
	putDigits(b[14:17], seq)
	b[17] = people.IDCheckChar(string(b[:17]))
	return string(b[:])
}

// putDigits writes v into b as len(b) decimal digits, zero-padded.
func putDigits(b []byte, v int) {
	for i := len(b) - 1; i >= 0; i-- {
		b[i] = byte('0' + v%10)
		v /= 10
	}
}

// mobilePrefixes are the mobile number blocks of the three carriers.
var mobilePrefixes = []string{
	"130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151", "152", "153",
	"155", "156", "157", "158", "159", "166", "177", "180", "181", "182", "183", "185", "186", "187",
	"188", "189", "191", "198", "199",
}

// phone returns a mobile number not yet given to anyone in the city.
func (g *gen) phone() string {
	for {
		k := g.rng.IntN(len(mobilePrefixes))
		n := g.rng.IntN(100_000_000)
		key := uint64(k)<<32 | uint64(n)
		if g.phones[key] {
			continue
		}
		g.phones[key] = true
		var b [11]byte
		copy(b[:], mobilePrefixes[k])
		for i := 10; i >= 3; i-- {
			b[i] = byte('0' + n%10)
			n /= 10
		}
		return string(b[:])
	}
}

// landline returns a Hangzhou-area office number (0571 and 8 digits).
func (g *gen) landline() string {
	return "0571-8" + strconv.Itoa(1_000_000+g.rng.IntN(9_000_000))
}
