package demo

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
)

// Digest returns the SHA-256 of the city's JSON encoding, slice by slice:
// two cities are byte-identical exactly when their digests match.
func (c *City) Digest() string {
	h := sha256.New()
	enc := json.NewEncoder(h)
	write := func(v any) {
		if err := enc.Encode(v); err != nil {
			panic(fmt.Sprintf("demo: digest: %v", err)) // plain data always encodes
		}
	}
	write([]any{c.Seed, c.Size, c.Name, c.AsOf})
	for i := range c.Regions {
		write(&c.Regions[i])
	}
	write(c.Compounds)
	write(c.Buildings)
	write(c.Households)
	for i := range c.Residents {
		write(&c.Residents[i])
	}
	write(c.PartyOrgs)
	write(c.PartyMembers)
	write(c.ServicePoints)
	write(c.Users)
	write(c.Departments)
	return hex.EncodeToString(h.Sum(nil))
}
