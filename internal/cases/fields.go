package cases

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"time"
)

// fields is a case's derived fields as Case marshals them (see derive):
// an object holding json.Marshal's members sorted by key, as json.Marshal
// sorts a map's keys, and their spans. Deriving into the same fields again
// reuses its buffers (and overwrites the values handed out before).
type fields struct {
	obj   []byte
	m     []member
	times *timeCache // nil, or shared by fields derived into again and again
}

// derive sets f to c's derived fields: the members json.Marshal writes for
// c without what the row holds beside the history (its id and version,
// the encrypted phone, and the ticker's schedule, which also depends on
// the Options of the process that wrote it), with its followers and
// co-handling departments sorted. They are written by hand
// (appendDerived); encoding/json judges the values that writer refuses.
func (f *fields) derive(c *Case) error {
	if f.m == nil { // room for a typical case, grown once
		f.obj, f.m = make([]byte, 0, 2048), make([]member, 0, 64)
	}
	inv, fol := sorted(c.Involved), sorted(c.Followers)
	obj, m, err := appendDerived(f.obj[:0], f.m[:0], f.times, c, inv, fol)
	if err == errSlowPath {
		return f.deriveJSON(c)
	}
	if err != nil {
		return err
	}
	f.obj, f.m = obj, m
	return nil
}

// deriveJSON is derive by encoding/json: marshal the cleaned copy, split
// the object into its members and sort them.
func (f *fields) deriveJSON(c *Case) error {
	d := *c
	d.ID, d.ReporterPhone, d.Light, d.Version, d.UpdatedAt, d.NextCheck = 0, "", LightNone, 0, time.Time{}, nil
	d.Involved = sorted(c.Involved)
	d.Followers = sorted(c.Followers)
	b, err := json.Marshal(&d)
	if err != nil {
		return err
	}
	m, err := splitObject(f.m[:0], b)
	if err != nil {
		return err
	}
	slices.SortFunc(m, func(x, y member) int { return compareKeys(b, x, b, y) })
	f.obj, f.m = b, m
	return nil
}

// member is one top-level member of a marshalled object: its key as
// written between the quotes and its value, as offsets into the object
// (no pointers: sorting and reusing them costs no write barriers), and
// the key's first eight bytes as a big-endian number, to compare keys
// mostly without reading them.
type member struct {
	pre            uint64
	k0, k1, v0, v1 int32
}

// key and val return m's key and value in the object b.
func (m member) key(b []byte) []byte { return b[m.k0:m.k1] }
func (m member) val(b []byte) []byte { return b[m.v0:m.v1:m.v1] }

// compareKeys orders x and y, members of the objects bx and by, by key.
func compareKeys(bx []byte, x member, by []byte, y member) int {
	if x.pre != y.pre {
		return cmp.Compare(x.pre, y.pre)
	}
	return bytes.Compare(x.key(bx), y.key(by))
}

// prefix returns the first eight bytes of k as a big-endian number,
// zero-padded: numbers order as the keys' prefixes do.
func prefix[K []byte | string](k K) uint64 {
	var p uint64
	for i := range 8 {
		p <<= 8
		if i < len(k) {
			p |= uint64(k[i])
		}
	}
	return p
}

// sorted returns s sorted: s itself when it is, else a sorted copy (nil
// and empty slices stay as they are: they marshal differently).
func sorted(s []int64) []int64 {
	if slices.IsSorted(s) {
		return s
	}
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// asMap returns the fields as derived returns them. The values share f's
// buffer.
func (f *fields) asMap() map[string]json.RawMessage {
	m := make(map[string]json.RawMessage, len(f.m))
	for _, x := range f.m {
		m[string(x.key(f.obj))] = x.val(f.obj)
	}
	return m
}

var errNotObject = errors.New("cases: not a compact JSON object")

// splitObject appends the members of b, a compact and valid JSON object
// (json.Marshal's output), to dst in their order. A key written with an
// escape is refused: its bytes would not sort as the key.
func splitObject(dst []member, b []byte) ([]member, error) {
	if len(b) < 2 || b[0] != '{' || b[len(b)-1] != '}' {
		return nil, errNotObject
	}
	i := 1
	if b[i] == '}' {
		return dst, nil
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return nil, errNotObject
		}
		end := skipString(b, i)
		if end < 0 || end >= len(b) || b[end] != ':' {
			return nil, errNotObject
		}
		key := b[i+1 : end-1]
		if bytes.IndexByte(key, '\\') >= 0 {
			return nil, errNotObject
		}
		vs := end + 1
		ve := skipValue(b, vs)
		if ve < 0 || ve >= len(b) {
			return nil, errNotObject
		}
		dst = append(dst, member{pre: prefix(key), k0: int32(i + 1), k1: int32(end - 1), v0: int32(vs), v1: int32(ve)})
		switch b[ve] {
		case '}':
			if ve != len(b)-1 {
				return nil, errNotObject
			}
			return dst, nil
		case ',':
			i = ve + 1
		default:
			return nil, errNotObject
		}
	}
}

// skipString returns the index just past the string starting at b[i], or
// -1.
func skipString(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return -1
}

// skipValue returns the index just past the compact value starting at
// b[i], or -1.
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				if j = skipString(b, j); j < 0 {
					return -1
				}
				j--
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return j + 1
				}
			}
		}
		return -1
	}
	// A number, true, false or null runs to the next delimiter.
	for j := i; j < len(b); j++ {
		if c := b[j]; c == ',' || c == '}' || c == ']' {
			if j == i {
				return -1
			}
			return j
		}
	}
	return -1
}

// changes calls put for each member of the change set from a to b, in
// key order: b's members whose value differs from a's, and null for the
// keys b lacks.
func changes(a, b *fields, put func(key, val []byte)) {
	i, j := 0, 0
	for i < len(a.m) || j < len(b.m) {
		c := 0
		switch {
		case j == len(b.m):
			c = -1
		case i == len(a.m):
			c = 1
		default:
			c = compareKeys(a.obj, a.m[i], b.obj, b.m[j])
		}
		switch {
		case c < 0:
			put(a.m[i].key(a.obj), jsonNull)
			i++
		case c > 0:
			put(b.m[j].key(b.obj), b.m[j].val(b.obj))
			j++
		default:
			if v := b.m[j].val(b.obj); !bytes.Equal(a.m[i].val(a.obj), v) {
				put(b.m[j].key(b.obj), v)
			}
			i++
			j++
		}
	}
}

// appendSet appends the change set from a to b as json.Marshal writes it
// as a map[string]json.RawMessage: keys sorted, values as they are (they
// are compact and escaped already, so json.Marshal would not change them).
func appendSet(dst []byte, a, b *fields) []byte {
	dst = append(dst, '{')
	n := 0
	changes(a, b, func(key, val []byte) {
		if n > 0 {
			dst = append(dst, ',')
		}
		n++
		dst = append(dst, '"')
		dst = append(dst, key...)
		dst = append(dst, '"', ':')
		dst = append(dst, val...)
	})
	return append(dst, '}')
}

// appendEventData appends the JSON of facts with the change set from a to
// b as its Set: the bytes json.Marshal writes for facts with Set =
// diff(a, b) (facts.Set itself is ignored).
func appendEventData(dst []byte, facts EventData, a, b *fields) ([]byte, error) {
	const setNull = `"set":null}`
	facts.Set = nil
	if reflect.ValueOf(&facts).Elem().IsZero() {
		dst = append(dst, `{"set":`...)
	} else {
		head, err := json.Marshal(facts)
		if err != nil {
			return nil, err
		}
		if !bytes.HasSuffix(head, []byte(setNull)) {
			return nil, errors.New("cases: event data does not end with its set")
		}
		dst = append(dst, head[:len(head)-len("null}")]...)
	}
	dst = appendSet(dst, a, b)
	return append(dst, '}'), nil
}
