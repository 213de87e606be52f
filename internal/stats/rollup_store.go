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

// sums are counters by key: a leaf (leaves) or a rollup row (rowSums).
type sums[K comparable] struct {
	idx map[K]int32
	store
}

// leaves are counters by leaf key.
type leaves = sums[leafKey]

// rowSums are counters by rollup row.
type rowSums = sums[rowID]

// add adds c to the counters of k.
func (l *sums[K]) add(k K, c *Counters) {
	if i, ok := l.idx[k]; ok {
		l.at(i).Add(c)
		return
	}
	l.idx[k] = l.push(c)
}

// compact drops the counters of the keys deleted from idx.
func (l *sums[K]) compact() {
	if int32(len(l.idx)) == l.n {
		return
	}
	var s store
	for k, i := range l.idx {
		l.idx[k] = s.push(l.at(i))
	}
	l.store = s
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
