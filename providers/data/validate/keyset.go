package validate

import (
	"math/bits"
	"runtime"
	"sync"
	"sync/atomic"
)

// The uniqueness check keeps one fixed-width entry per value of a unique
// column: a 64-bit key (the value itself for int64, timestamp, bool and
// float64 columns; a 64-bit hash of the text for strings) and the row it
// is in. Entries go to hash partitions.
//
// A string column's partitions are compact open-addressing tables probed
// as rows arrive, so that a repeat is found while its text is at hand and
// the failure can show it. The other columns' partitions are logs, one per
// worker and partition, so that adding a key takes no lock: an entry is
// appended to its partition's log, a sequential write, and at the end each
// partition's entries (of every worker) are grouped by the next bits of
// the hash and each group is checked with a table of its size, small
// enough to stay in the processor's cache. Probing one table of the whole
// column as rows arrive would miss the cache (and the TLB) on nearly every
// row; the logs cost a fraction of that, and 12 bytes a row instead of 16.
//
// When the tables or logs of a run would outgrow the memory budget, the
// column spills: every partition gets a temporary file, each worker moves
// its entries there and gathers later ones per partition, writing them in
// pieces of spillChunk bytes. At the end the partitions are checked in
// parallel, each like a logged partition when its entries fit the budget,
// otherwise with a table of its distinct keys, partitioned again by the
// next bits of the hash when even those do not fit. Memory stays within
// the budget (plus the workers' spillChunk pieces) whatever the number of
// rows, and the cost is near-linear: one sequential write and read per row
// once spilled.

const (
	// partBits partitions the keys (64 partitions per level).
	partBits = 6
	nParts   = 1 << partBits
	// subBits groups a partition's entries when it is checked (16 groups).
	subBits   = 4
	maxLevel  = 64/partBits - 1
	entrySize = 16
	// minSlots is a partition table's first size.
	minSlots = 512
	// spillBuf is the write buffer of a temporary file, readBuf its read
	// buffer.
	spillBuf = 32 << 10
	readBuf  = 256 << 10
	// spillChunk is how many bytes of a partition's spilled entries a
	// worker gathers before it writes them to the partition's file.
	spillChunk = 32 << 10
	// DefaultUniqueMemory is the memory budget of the uniqueness checks of
	// one validation when Options leave it unset: about ten million rows of
	// one logged column, so that a validation stays within about 200 MB
	// and larger files spill.
	DefaultUniqueMemory = 128 << 20
	// A location holds the object index in its top objBits bits and the
	// row (or line) in the others.
	objBits = 24
	rowBits = 64 - objBits
	rowMask = 1<<rowBits - 1
)

// entry is a key and its row's location. A zero location marks a free
// slot: rows count from 1.
type entry struct {
	key, loc uint64
}

func packLoc(obj int32, row int64) uint64 { return uint64(obj)<<rowBits | uint64(row)&rowMask }

func unpackLoc(loc uint64) (int32, int64) { return int32(loc >> rowBits), int64(loc & rowMask) }

// mix is a 64-bit finalizer (SplitMix64): consecutive integers spread
// evenly over partitions and slots.
func mix(k uint64) uint64 {
	k ^= k >> 30
	k *= 0xbf58476d1ce4e5b9
	k ^= k >> 27
	k *= 0x94d049bb133111eb
	return k ^ k>>31
}

// budget is the memory the key sets of one run share, and where they
// spill.
type budget struct {
	limit int64
	used  atomic.Int64
	dir   string
	// perPart is the expected number of keys per partition of one set, from
	// the expected number of rows: first tables are made that large, which
	// saves moving every key through several ever larger tables.
	perPart atomic.Int64
	sets    atomic.Int64 // key sets sharing the budget
	// objBits is how many bits of a compact location name the object.
	objBits uint
}

// compact packs a location in 32 bits: the object index in the top
// objBits bits (as many as the run's object count needs), the row below;
// false when the row does not fit.
func (b *budget) compact(loc uint64) (uint32, bool) {
	obj, row := unpackLoc(loc)
	rb := 32 - b.objBits
	if uint64(row) >= 1<<rb || uint64(obj) >= 1<<b.objBits {
		return 0, false
	}
	return uint32(uint64(obj)<<rb | uint64(row)), true
}

func (b *budget) expand(c uint32) uint64 {
	rb := 32 - b.objBits
	return packLoc(int32(uint64(c)>>rb), int64(uint64(c)&(1<<rb-1)))
}

// expect sets the expected number of rows of the run (once).
func (b *budget) expect(rows int64) {
	if sets := b.sets.Load(); sets > 0 {
		per := rows / nParts
		// What does not fit the budget starts small and spills.
		if per*slotSize*4/3*nParts*sets > b.limit {
			per = 0
		}
		b.perPart.CompareAndSwap(0, per)
	}
}

func (b *budget) reserve(n int64) bool {
	if b.used.Add(n) > b.limit {
		b.used.Add(-n)
		return false
	}
	return true
}

func (b *budget) release(n int64) { b.used.Add(-n) }

// dupFunc is told of a key seen twice: the entry being added (its index in
// the batch, or -1 when spilled entries are checked) and the location
// already in the set.
type dupFunc func(e entry, i int, first uint64)

// slot is a table entry in 12 bytes: a key, and a location packed in 32
// bits by the budget's compact (0: the slot is free).
type slot struct{ lo, hi, loc uint32 }

const slotSize = 12

// table is an open-addressing hash table with linear probing, keyed by
// entry.key, keeping the smallest location of each key. Its size need not
// be a power of two: the slot is the high word of hash × size.
type table struct {
	slots []slot
	n     int
	// skip is the number of hash bits the partitions above used.
	skip uint
	b    *budget
	mem  []byte // the mapping holding slots, if any
}

func newTable(slots int, skip uint, b *budget) table {
	t := table{skip: skip, b: b}
	t.slots, t.mem = allocSlots(slots)
	return t
}

// free releases the table's memory and budget; it is empty after.
func (t *table) free() {
	if t.b != nil {
		t.b.release(t.bytes())
	}
	freeSlots(t.mem)
	t.slots, t.mem, t.n = nil, nil, 0
}

func (t *table) bytes() int64 { return int64(len(t.slots)) * slotSize }

// full says whether one more key would pass the maximum load of 4/5.
func (t *table) full() bool { return 5*(t.n+1) > 4*len(t.slots) }

// entries calls f with every entry of the table.
func (t *table) entries(f func(entry)) {
	for _, s := range t.slots {
		if s.loc != 0 {
			f(entry{uint64(s.hi)<<32 | uint64(s.lo), t.b.expand(s.loc)})
		}
	}
}

// insert adds e, or reports a duplicate and keeps the smaller location;
// false when e's location does not fit a slot.
func (t *table) insert(e entry, i int, dup dupFunc) bool {
	loc, ok := t.b.compact(e.loc)
	if !ok {
		return false
	}
	t.insertSlot(slot{uint32(e.key), uint32(e.key >> 32), loc}, e, i, dup)
	return true
}

// insertSlot adds the slot in, which is entry e (its zero value: the
// entry is made from in when a duplicate is reported).
func (t *table) insertSlot(in slot, e entry, i int, dup dupFunc) {
	key := uint64(in.hi)<<32 | uint64(in.lo)
	h, _ := bits.Mul64(mix(key)<<t.skip, uint64(len(t.slots)))
	for j := int(h); ; {
		s := &t.slots[j]
		if s.loc == 0 {
			*s = in
			t.n++
			return
		}
		if s.lo == in.lo && s.hi == in.hi {
			if e.loc == 0 {
				e = entry{key, t.b.expand(in.loc)}
			}
			dup(e, i, t.b.expand(s.loc))
			s.loc = min(s.loc, in.loc)
			return
		}
		if j++; j == len(t.slots) {
			j = 0
		}
	}
}

// grownSize is the next size of a table: half as large again, or, for a
// first table, room for first keys.
func (t *table) grownSize(first int64) int {
	if len(t.slots) == 0 {
		// A load of 3/4 when the estimate is right, and room for it to
		// be a little short.
		return max(minSlots, int(first*4/3))
	}
	return len(t.slots) + len(t.slots)/2
}

func (t *table) resize(slots int) {
	g := newTable(slots, t.skip, t.b)
	t.entries(func(e entry) { g.insert(e, -1, nil) })
	t.free()
	*t = g
}

// partition is one hash partition of a key set: a table in memory (string
// columns), or, once the set spilled, a temporary file.
type partition struct {
	mu   sync.Mutex
	t    table
	file *spillFile
}

// keyLog holds a partition's entries in the order they came, in blocks of
// growing size mapped like tables. Entries are appended to cur, the last
// block, and counted by the group checkGrouped will put them in, so that
// checking the partition need not count them again.
type keyLog struct {
	cur    []slot
	blocks [][]slot // the full blocks, and cur's start
	mems   [][]byte
	n      int // entries in the blocks before cur
	groups [1 << subBits]int
}

const (
	// A log's first block holds logMin slots (3 pages), and each next one
	// twice as many, up to logMax.
	logMin = 1024
	logMax = 4 * logMin
)

// room makes room for one more entry within the budget; false when the
// budget does not allow it.
func (l *keyLog) room(b *budget) bool {
	if len(l.cur) < cap(l.cur) {
		return true
	}
	size := logMin
	if c := cap(l.cur); c > 0 {
		size = min(2*c, logMax)
	}
	if !b.reserve(int64(size) * slotSize) {
		return false
	}
	l.all()
	l.n += len(l.cur)
	block, mem := allocSlots(size)
	l.cur = block[:0]
	l.blocks = append(l.blocks, l.cur)
	l.mems = append(l.mems, mem)
	return true
}

// add appends an entry whose hash is h; room must have made room for it.
func (l *keyLog) add(sl slot, h uint64) {
	l.cur = append(l.cur, sl)
	l.groups[h<<partBits>>(64-subBits)]++
}

// len is the number of entries of the log.
func (l *keyLog) len() int { return l.n + len(l.cur) }

// all returns the log's blocks, cur with its entries.
func (l *keyLog) all() [][]slot {
	if k := len(l.blocks); k > 0 {
		l.blocks[k-1] = l.cur
	}
	return l.blocks
}

// entries calls f with every entry of the log.
func (l *keyLog) entries(b *budget, f func(entry)) {
	for _, block := range l.all() {
		for _, sl := range block {
			f(entry{uint64(sl.hi)<<32 | uint64(sl.lo), b.expand(sl.loc)})
		}
	}
}

// free releases the log's memory and budget; it is empty after.
func (l *keyLog) free(b *budget) {
	for i, block := range l.all() {
		b.release(int64(cap(block)) * slotSize)
		freeSlots(l.mems[i])
	}
	*l = keyLog{}
}

// keySet checks one unique column.
type keySet struct {
	b *budget
	// logged is set for a column whose partitions are logs, checked at the
	// end; otherwise they are tables, probed as rows arrive.
	logged bool
	parts  [nParts]partition
	// spilled is set once every partition is a file.
	spilled atomic.Bool
	spillMu sync.Mutex
	// writers are the workers' entries not in the partitions: their logs,
	// and their spilled entries not yet written.
	writersMu sync.Mutex
	writers   []*keyWriter
	errMu     sync.Mutex
	err       error
	// scratch is the memory of the goroutines checking partitions at
	// finish, reused from one partition to the next.
	scratchMu sync.Mutex
	scratch   []*scratch
}

// newKeySet returns the key set of a column; logged: see keySet.
func newKeySet(b *budget, logged bool) *keySet {
	b.sets.Add(1)
	s := &keySet{b: b, logged: logged}
	for i := range s.parts {
		// The top bits of the hash chose the partition; the table
		// indexes by the next ones.
		s.parts[i].t = table{skip: partBits, b: b}
	}
	return s
}

// keyBatch is a worker's pending entries of one column.
type keyBatch struct {
	es []entry
	// byPart groups the entries by partition for a set of tables.
	byPart [nParts][]int32
	w      *keyWriter
}

// keyWriter is what one worker adds to a key set: a logged column's logs
// by partition, and once the set spilled, entries gathered by partition
// for its files.
type keyWriter struct {
	logs [nParts]keyLog
	// moved is set once the logs went to the files.
	moved bool
	pend  [nParts][]byte
}

// add inserts a batch of entries; duplicates found in memory are reported
// now, the others at finish.
func (s *keySet) add(kb *keyBatch, dup dupFunc) {
	if kb.w == nil {
		kb.w = &keyWriter{}
		s.writersMu.Lock()
		s.writers = append(s.writers, kb.w)
		s.writersMu.Unlock()
	}
	kw := kb.w
	switch {
	case s.spilled.Load():
		s.moveLogs(kw)
		for _, e := range kb.es {
			s.pend(kw, mix(e.key)>>(64-partBits), e)
		}
	case s.logged:
		s.addLogged(kw, kb.es)
	default:
		s.addTables(kb, dup)
	}
	kb.es = kb.es[:0]
}

// addLogged appends entries to the worker's logs, and spills when the
// budget has no room for them.
func (s *keySet) addLogged(kw *keyWriter, es []entry) {
	for i, e := range es {
		h := mix(e.key)
		l := &kw.logs[h>>(64-partBits)]
		if loc, ok := s.b.compact(e.loc); ok && l.room(s.b) {
			l.add(slot{uint32(e.key), uint32(e.key >> 32), loc}, h)
			continue
		}
		// Past the budget, or a row beyond what a slot holds: the files
		// hold any.
		s.spill()
		s.moveLogs(kw)
		for _, e := range es[i:] {
			s.pend(kw, mix(e.key)>>(64-partBits), e)
		}
		return
	}
}

// addTables adds entries to the partitions' tables, reporting the
// duplicates they find.
func (s *keySet) addTables(kb *keyBatch, dup dupFunc) {
	for p := range kb.byPart {
		kb.byPart[p] = kb.byPart[p][:0]
	}
	for i, e := range kb.es {
		p := mix(e.key) >> (64 - partBits)
		kb.byPart[p] = append(kb.byPart[p], int32(i))
	}
	for p, idx := range kb.byPart {
		if len(idx) > 0 {
			s.addPart(kb.w, uint64(p), kb.es, idx, dup)
		}
	}
}

func (s *keySet) addPart(kw *keyWriter, p uint64, es []entry, idx []int32, dup dupFunc) {
	pt := &s.parts[p]
	pt.mu.Lock()
	for k, i := range idx {
		if pt.file == nil && s.put(pt, es[i], int(i), dup) {
			continue
		}
		pt.mu.Unlock()
		s.spill()
		for _, i := range idx[k:] {
			s.pend(kw, p, es[i])
		}
		return
	}
	pt.mu.Unlock()
}

// put adds entry i of a batch to a partition's table; false when it does
// not fit the budget or a slot.
func (s *keySet) put(pt *partition, e entry, i int, dup dupFunc) bool {
	if pt.t.full() && !s.grow(&pt.t, s.b.perPart.Load()) {
		return false
	}
	return pt.t.insert(e, i, dup)
}

// grow enlarges a table within the budget; false when the budget does not
// allow it. The old and the new table exist together while entries move.
func (s *keySet) grow(t *table, first int64) bool {
	n := t.grownSize(first)
	if !s.b.reserve(int64(n) * slotSize) {
		return false
	}
	t.resize(n)
	return true
}

// spill gives every partition a temporary file and moves the tables
// there; the workers move their own logs (moveLogs).
func (s *keySet) spill() {
	s.spillMu.Lock()
	defer s.spillMu.Unlock()
	if s.spilled.Load() {
		return
	}
	var buf []byte
	for i := range s.parts {
		pt := &s.parts[i]
		pt.mu.Lock()
		f, err := newSpillFile(s.b.dir)
		if err != nil {
			s.fail(err)
		}
		pt.file = f
		buf = buf[:0]
		pt.t.entries(func(e entry) { buf = appendEntry(buf, e) })
		s.writeFile(f, buf)
		pt.t.free()
		pt.mu.Unlock()
	}
	s.spilled.Store(true)
}

// moveLogs writes a worker's logs to the spilled set's files.
func (s *keySet) moveLogs(kw *keyWriter) {
	if kw.moved {
		return
	}
	kw.moved = true
	for i := range kw.logs {
		l := &kw.logs[i]
		l.entries(s.b, func(e entry) { s.pend(kw, uint64(i), e) })
		l.free(s.b)
	}
}

// pend gathers a spilled entry of partition p, writing the partition's
// entries when they fill a piece.
func (s *keySet) pend(kw *keyWriter, p uint64, e entry) {
	if kw.pend[p] == nil {
		kw.pend[p] = make([]byte, 0, spillChunk)
	}
	kw.pend[p] = appendEntry(kw.pend[p], e)
	if len(kw.pend[p]) >= spillChunk {
		s.flushPend(kw, p)
	}
}

func (s *keySet) flushPend(kw *keyWriter, p uint64) {
	pt := &s.parts[p]
	pt.mu.Lock()
	s.writeFile(pt.file, kw.pend[p])
	pt.mu.Unlock()
	kw.pend[p] = kw.pend[p][:0]
}

func (s *keySet) writeFile(f *spillFile, b []byte) {
	if err := f.writeEntries(b); err != nil {
		s.fail(err)
	}
}

func (s *keySet) fail(err error) {
	s.errMu.Lock()
	defer s.errMu.Unlock()
	if s.err == nil {
		s.err = err
	}
}

// finish checks the logged and the spilled partitions, in parallel,
// reporting their duplicates (one call at a time), and releases
// everything. The set must not be added to any more.
func (s *keySet) finish(dup dupFunc) error {
	if s.spilled.Load() {
		for _, kw := range s.writers {
			s.moveLogs(kw)
			for p := range kw.pend {
				if len(kw.pend[p]) > 0 {
					s.flushPend(kw, uint64(p))
				}
				kw.pend[p] = nil
			}
		}
	}
	var mu sync.Mutex
	one := func(e entry, i int, first uint64) {
		mu.Lock()
		defer mu.Unlock()
		dup(e, i, first)
	}
	parts := make(chan int)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for p := range parts {
				s.finishPart(p, one)
			}
		})
	}
	for p := range nParts {
		parts <- p
	}
	close(parts)
	wg.Wait()
	s.writers = nil
	for _, sc := range s.scratch {
		sc.free(s.b)
	}
	s.scratch = nil
	return s.err
}

func (s *keySet) finishPart(p int, dup dupFunc) {
	pt := &s.parts[p]
	switch {
	case pt.file != nil:
		if err := s.checkFile(pt.file, partBits, dup); err != nil {
			s.fail(err)
		}
		pt.file = nil
	case s.logged:
		if err := s.checkLogs(p, dup); err != nil {
			s.fail(err)
		}
	}
	for _, kw := range s.writers {
		kw.logs[p].free(s.b)
	}
	pt.t.free()
}
