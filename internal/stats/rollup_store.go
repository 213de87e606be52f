package stats

// store holds Counters in blocks of storeBlock, numbered from 0: the maps
// that index it hold no pointers (the garbage collector does not walk a
// bulk load's rows), and growing never copies what is there.
type store struct {
	blocks [][]Counters
	n      int32
}

// storeBlock is how many Counters one block of a store holds.
const storeBlock = 4096

// at returns the counters numbered i.
func (s *store) at(i int32) *Counters { return &s.blocks[i/storeBlock][i%storeBlock] }

// push stores a copy of c and returns its number.
func (s *store) push(c *Counters) int32 {
	if s.n%storeBlock == 0 {
		s.blocks = append(s.blocks, make([]Counters, storeBlock))
	}
	*s.at(s.n) = *c
	s.n++
	return s.n - 1
}

// leaves are counters by leaf key.
type leaves struct {
	idx map[leafKey]int32
	store
}

// add adds c to the leaf k.
func (l *leaves) add(k leafKey, c *Counters) {
	if i, ok := l.idx[k]; ok {
		l.at(i).Add(c)
		return
	}
	l.idx[k] = l.push(c)
}

// compact drops the counters of the leaves deleted from idx.
func (l *leaves) compact() {
	if int32(len(l.idx)) == l.n {
		return
	}
	var s store
	for k, i := range l.idx {
		l.idx[k] = s.push(l.at(i))
	}
	l.store = s
}

// rowSums are counters by rollup row.
type rowSums struct {
	idx map[rowID]int32
	store
}

// add adds c to the row id.
func (rs *rowSums) add(id rowID, c *Counters) {
	if j, ok := rs.idx[id]; ok {
		rs.at(j).Add(c)
		return
	}
	rs.idx[id] = rs.push(c)
}

// localSums are the rows of one region and day, in the order first met.
type localSums struct {
	idx  map[localKey]int32
	keys []localKey
	c    []Counters
}

func (ls *localSums) reset() {
	clear(ls.idx)
	ls.keys, ls.c = ls.keys[:0], ls.c[:0]
}

func (ls *localSums) add(k localKey, c *Counters) {
	if j, ok := ls.idx[k]; ok {
		ls.c[j].Add(c)
		return
	}
	ls.idx[k] = int32(len(ls.c))
	ls.keys = append(ls.keys, k)
	ls.c = append(ls.c, *c)
}
