package demo

import (
	"time"

	"github.com/gridwork/gridwork/internal/people"
)

// member is a person being drawn for a household, before names and numbers.
type member struct {
	rel     people.Relation
	gender  people.Gender
	age     int
	surname string
	tags    []people.Tag
}

// householdKind is a household's make-up.
type householdKind int

const (
	hhElderAlone   householdKind = iota // one person 65+
	hhSingle                            // one person 22–40
	hhElderCouple                       // two people 60+
	hhCouple                            // couple, no children at home
	hhOneChild                          // couple and a child
	hhTwoChildren                       // couple and two children
	hhThreeGen                          // couple, a child and one or two of the head's parents
	hhSingleParent                      // one parent and a child
	hhLeftBehind                        // grandparents and grandchildren, the parents working away (villages)
)

// Household make-up shares in per mille, urban and rural: the elderly
// living alone are about 6 % of households (about 2 % of residents),
// left-behind children appear only in villages.
var (
	urbanMix = []int{60, 100, 80, 120, 340, 140, 120, 40, 0}
	ruralMix = []int{60, 50, 140, 80, 200, 170, 180, 40, 80}
)

// people draws the residents of every household.
func (g *gen) people() {
	g.hhResidents = make([][2]int, len(g.c.Households))
	// About 2.8 residents a household: size the slice once, not by doubling.
	g.c.Residents = make([]Resident, 0, len(g.c.Households)*3)
	var ms []member
	for h := range g.c.Households {
		grid := g.c.Buildings[g.c.Households[h].Building].Grid
		rural := g.c.Regions[grid].Rural
		ms = g.household(ms[:0], rural)
		county := g.county[grid]
		first := len(g.c.Residents)
		pLow := 0.02
		if rural {
			pLow = 0.04
		}
		low := g.chance(pLow) // the allowance is paid to the whole household
		for _, m := range ms {
			birth := asOf.AddDate(-m.age, 0, -1-g.rng.IntN(364))
			res := Resident{
				Household: h,
				Name:      m.surname + givenName(g.rng, birth.Year(), m.gender),
				Gender:    m.gender,
				Birth:     birth,
				Relation:  m.rel,
			}
			res.IDNumber = g.idNumber(county, birth, m.gender)
			if g.hasPhone(m) {
				res.Phone = g.phone()
			}
			res.Tags = g.tags(m, rural, low)
			g.c.Residents = append(g.c.Residents, res)
		}
		g.hhResidents[h] = [2]int{first, len(g.c.Residents)}
	}
}

// hasPhone: heads always have one (the household's contact); children
// under 14 never; some of the very old do not.
func (g *gen) hasPhone(m member) bool {
	switch {
	case m.rel == people.RelationHead:
		return true
	case m.age < 14:
		return false
	case m.age >= 80:
		return g.chance(0.5)
	}
	return g.chance(0.97)
}

// household draws the members of one household, head first.
func (g *gen) household(ms []member, rural bool) []member {
	mix := urbanMix
	if rural {
		mix = ruralMix
	}
	kind := householdKind(0)
	x := g.rng.IntN(1000)
	for i, w := range mix {
		if x < w {
			kind = householdKind(i)
			break
		}
		x -= w
	}
	sex := func(pMale float64) people.Gender {
		if g.chance(pMale) {
			return people.Male
		}
		return people.Female
	}
	other := func(s people.Gender) people.Gender {
		if s == people.Male {
			return people.Female
		}
		return people.Male
	}
	// couple adds a head of the given age and a spouse of about the same.
	couple := func(age int) (head, spouse member) {
		head = member{rel: people.RelationHead, gender: sex(0.75), age: age, surname: g.surn.pick(g.rng)}
		spouse = member{rel: people.RelationSpouse, gender: other(head.gender), age: max(20, age+g.uniform(-4, 4)), surname: g.surn.pick(g.rng)}
		return head, spouse
	}
	// family surname: children take the father's.
	father := func(a, b member) string {
		if a.gender == people.Male {
			return a.surname
		}
		return b.surname
	}
	child := func(parentAge int, surname string, rel people.Relation) member {
		age := max(0, parentAge-g.uniform(22, 34))
		return member{rel: rel, gender: sex(0.51), age: age, surname: surname}
	}
	switch kind {
	case hhElderAlone:
		ms = append(ms, member{rel: people.RelationHead, gender: sex(0.35), age: g.uniform(65, 92), surname: g.surn.pick(g.rng), tags: []people.Tag{people.TagElderlyAlone}})
	case hhSingle:
		ms = append(ms, member{rel: people.RelationHead, gender: sex(0.55), age: g.uniform(22, 40), surname: g.surn.pick(g.rng)})
	case hhElderCouple:
		h, s := couple(g.uniform(60, 86))
		ms = append(ms, h, s)
	case hhCouple:
		h, s := couple(g.uniform(25, 59))
		ms = append(ms, h, s)
	case hhOneChild, hhTwoChildren:
		h, s := couple(g.uniform(27, 55))
		ms = append(ms, h, s, child(min(h.age, s.age), father(h, s), people.RelationChild))
		if kind == hhTwoChildren {
			ms = append(ms, child(min(h.age, s.age), father(h, s), people.RelationChild))
		}
	case hhThreeGen:
		h, s := couple(g.uniform(30, 50))
		ms = append(ms, h, s, child(min(h.age, s.age), father(h, s), people.RelationChild))
		pa := min(95, h.age+g.uniform(24, 32))
		gp := member{rel: people.RelationParent, gender: people.Male, age: pa, surname: h.surname}
		gm := member{rel: people.RelationParent, gender: people.Female, age: max(pa-3, h.age+20), surname: g.surn.pick(g.rng)}
		switch g.rng.IntN(3) {
		case 0:
			ms = append(ms, gp, gm)
		case 1:
			ms = append(ms, gm)
		default:
			ms = append(ms, gp)
		}
	case hhSingleParent:
		p := member{rel: people.RelationHead, gender: sex(0.3), age: g.uniform(28, 50), surname: g.surn.pick(g.rng)}
		ms = append(ms, p, child(p.age, p.surname, people.RelationChild))
	case hhLeftBehind:
		h, s := couple(g.uniform(56, 72))
		h.gender, s.gender = people.Male, people.Female
		ms = append(ms, h, s)
		for n := g.uniform(1, 2); n > 0; n-- {
			c := member{rel: people.RelationOther, gender: sex(0.52), age: g.uniform(3, 15), surname: h.surname, tags: []people.Tag{people.TagLeftBehindChild}}
			ms = append(ms, c)
		}
	}
	return ms
}

// Tag rates: about 1.5 % of residents are disabled (more among the old),
// 2 % of households urban and 4 % rural receive the low-income allowance
// (low), 3 % of men over 30 are veterans, 4 % of rural adults under 50 have
// come back from working in the cities.
func (g *gen) tags(m member, rural, low bool) []people.Tag {
	tags := m.tags
	if m.age >= 60 {
		tags = append([]people.Tag{people.TagElderly}, tags...)
	}
	pDisabled := 0.01
	if m.age >= 70 {
		pDisabled = 0.04
	}
	if g.chance(pDisabled) {
		tags = append(tags, people.TagDisabled)
	}
	if low {
		tags = append(tags, people.TagLowIncome)
	}
	if m.gender == people.Male && m.age >= 30 && m.age <= 85 && g.chance(0.03) {
		tags = append(tags, people.TagVeteran)
	}
	if rural && m.age >= 22 && m.age < 50 && g.chance(0.04) {
		tags = append(tags, people.TagReturnee)
	}
	return tags
}

// ageOn returns the age in whole years of someone born on birth, on day.
func ageOn(birth, day time.Time) int {
	age := day.Year() - birth.Year()
	if day.Month() < birth.Month() || day.Month() == birth.Month() && day.Day() < birth.Day() {
		age--
	}
	return age
}
