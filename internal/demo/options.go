package demo

import (
	"strings"

	"github.com/gridwork/gridwork/internal/apperr"
)

// Size says how much territory the demo city covers.
type Size int

// The sizes. SizeDistrict is the default.
const (
	// SizeDistrict is one district: about 6 streets and towns, 40
	// communities and villages and 300 grids.
	SizeDistrict Size = iota
	// SizeVillage is one town holding one village of three grids.
	SizeVillage
	// SizeCity is a city of 4–6 districts.
	SizeCity
)

// String returns the size's flag value.
func (s Size) String() string {
	switch s {
	case SizeVillage:
		return "village"
	case SizeCity:
		return "city"
	}
	return "district"
}

// ParseSize parses the value of a --size flag: "village", "district" (also
// the empty string) or "city".
func ParseSize(s string) (Size, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "district":
		return SizeDistrict, nil
	case "village":
		return SizeVillage, nil
	case "city":
		return SizeCity, nil
	}
	return 0, apperr.Invalidf("size", "规模“%s”无效，应为 village、district 或 city", "size %q is not valid: use village, district or city", s)
}

// Options choose the demo city. The zero value is the default district with
// seed 0.
type Options struct {
	Seed int64
	Size Size
	// HouseholdScale multiplies the 300–500 households of every grid
	// (0 means 1). Below 1 the buildings stay as they are and fewer rooms
	// are occupied, so a small scale gives a quick but complete city.
	HouseholdScale float64
}

// Default household counts per grid (DESIGN: grids of 300–500 households).
const (
	MinHouseholdsPerGrid = 300
	MaxHouseholdsPerGrid = 500
)

func (o Options) scale() float64 {
	if o.HouseholdScale <= 0 {
		return 1
	}
	return o.HouseholdScale
}
