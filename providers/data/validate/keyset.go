package validate

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"os"
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
// the failure can show it. The other columns' partitions are logs: an
// entry is appended to its partition's log, a sequential write, and at the
// end each partition is checked on its own with a table of its size, small
// enough to stay in the processor's cache. Probing one table of the whole
// column as rows arrive would miss the cache (and the TLB) on nearly every
// row; the logs cost a fraction of that, and 12 bytes a row instead of 16.
//
// When the tables or logs of a run would outgrow the memory budget, the
// column spills: every partition is written to a temporary file and later
// entries are appended to those files; at the end the files are checked
// one partition at a time, a partition that is still too large being
// partitioned again by the next bits of the hash. Memory stays within the
// budget whatever the number of rows, and the cost is near-linear: one
// probe per row in memory, one sequential write and read per row once
// spilled.

const (
	// partBits partitions the keys (64 partitions per level).
	partBits = 6
	nParts   = 1 << partBits
	// subBits groups a logged partition's entries when it is checked.
	subBits   = 4
	maxLevel  = 64/partBits - 1
	entrySize = 16
	// minSlots is a partition table's first size.
	minSlots = 512
	// spillBuf is the write buffer of a spilled partition's file.
	spillBuf = 32 << 10
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

// partition is one hash partition of a key set: a table or a log in
// memory, or, once the set spilled, a temporary file.
type partition struct {
	mu   sync.Mutex
	t    table
	log  keyLog
	file *spillFile
}

// keyLog holds a partition's entries in the order they came, in blocks of
// growing size mapped like tables.
type keyLog struct {
	blocks [][]slot
	mems   [][]byte
	n      int
}

const (
	// A log's first block holds logMin slots (3 pages), and each next one
	// twice as many, up to logMax.
	logMin = 1024
	logMax = 16 * logMin
)

// room makes room for one more entry within the budget; false when the
// budget does not allow it.
func (l *keyLog) room(b *budget) bool {
	if k := len(l.blocks); k > 0 && len(l.blocks[k-1]) < cap(l.blocks[k-1]) {
		return true
	}
	size := logMin
	if k := len(l.blocks); k > 0 {
		size = min(2*cap(l.blocks[k-1]), logMax)
	}
	if !b.reserve(int64(size) * slotSize) {
		return false
	}
	block, mem := allocSlots(size)
	l.blocks = append(l.blocks, block[:0])
	l.mems = append(l.mems, mem)
	return true
}

func (l *keyLog) add(sl slot) {
	k := len(l.blocks) - 1
	l.blocks[k] = append(l.blocks[k], sl)
	l.n++
}

// entries calls f with every entry of the log.
func (l *keyLog) entries(b *budget, f func(entry)) {
	for _, block := range l.blocks {
		for _, sl := range block {
			f(entry{uint64(sl.hi)<<32 | uint64(sl.lo), b.expand(sl.loc)})
		}
	}
}

// free releases the log's memory and budget; it is empty after.
func (l *keyLog) free(b *budget) {
	for i, block := range l.blocks {
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
	errMu   sync.Mutex
	err     error
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

// keyBatch is a worker's pending entries of one column, grouped by
// partition before they are added.
type keyBatch struct {
	es     []entry
	byPart [nParts][]int32
}

// add inserts a batch of entries; duplicates found in memory are reported
// now, those of a spilled set at finish.
func (s *keySet) add(kb *keyBatch, dup dupFunc) {
	for p := range kb.byPart {
		kb.byPart[p] = kb.byPart[p][:0]
	}
	for i, e := range kb.es {
		p := mix(e.key) >> (64 - partBits)
		kb.byPart[p] = append(kb.byPart[p], int32(i))
	}
	for p, idx := range kb.byPart {
		if len(idx) > 0 {
			s.addPart(&s.parts[p], kb.es, idx, dup)
		}
	}
	kb.es = kb.es[:0]
}

func (s *keySet) addPart(pt *partition, es []entry, idx []int32, dup dupFunc) {
	pt.mu.Lock()
	defer pt.mu.Unlock()
	for _, i := range idx {
		if pt.file == nil && s.put(pt, es[i], int(i), dup) {
			continue
		}
		if pt.file == nil {
			// Past the budget, or a row beyond what a slot holds: the
			// files hold any.
			pt.mu.Unlock()
			s.spill()
			pt.mu.Lock()
		}
		s.write(pt.file, es[i])
	}
}

// put adds entry i of a batch to a partition in memory; false when it does
// not fit the budget or a slot.
func (s *keySet) put(pt *partition, e entry, i int, dup dupFunc) bool {
	if s.logged {
		loc, ok := s.b.compact(e.loc)
		if !ok || !pt.log.room(s.b) {
			return false
		}
		pt.log.add(slot{uint32(e.key), uint32(e.key >> 32), loc})
		return true
	}
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

// spill moves every partition to a temporary file and frees the tables.
func (s *keySet) spill() {
	s.spillMu.Lock()
	defer s.spillMu.Unlock()
	if s.spilled.Load() {
		return
	}
	for i := range s.parts {
		pt := &s.parts[i]
		pt.mu.Lock()
		f, err := newSpillFile(s.b.dir)
		if err != nil {
			s.fail(err)
		}
		pt.file = f
		pt.t.entries(func(e entry) { s.write(f, e) })
		pt.t.free()
		pt.log.entries(s.b, func(e entry) { s.write(f, e) })
		pt.log.free(s.b)
		pt.mu.Unlock()
	}
	s.spilled.Store(true)
}

func (s *keySet) fail(err error) {
	s.errMu.Lock()
	defer s.errMu.Unlock()
	if s.err == nil {
		s.err = err
	}
}

func (s *keySet) write(f *spillFile, e entry) {
	if err := f.write(e); err != nil {
		s.fail(err)
	}
}

// finish checks the logged and the spilled partitions, reporting their
// duplicates, and releases everything. The set must not be added to any
// more.
func (s *keySet) finish(dup dupFunc) error {
	for i := range s.parts {
		pt := &s.parts[i]
		if pt.log.n > 0 {
			if err := s.checkLog(&pt.log, dup); err != nil {
				s.fail(err)
			}
		}
		pt.log.free(s.b)
		if pt.file != nil {
			if err := s.checkFile(pt.file, partBits, dup); err != nil {
				s.fail(err)
			}
			pt.file = nil
		}
		pt.t.free()
	}
	return s.err
}

// checkLog finds the duplicates of one logged partition. Its entries are
// first grouped by the next subBits bits of the hash, and each group is
// checked with a table of the group's size, which stays in the processor's
// cache. When the budget has no room for the grouped copy and the table,
// the partition goes through a temporary file instead, which checkFile
// splits as needed.
func (s *keySet) checkLog(l *keyLog, dup dupFunc) error {
	const skip = partBits + subBits
	group := func(sl slot) uint64 { return mix(uint64(sl.hi)<<32|uint64(sl.lo)) << partBits >> (64 - subBits) }
	var start [1<<subBits + 1]int
	for _, block := range l.blocks {
		for _, sl := range block {
			start[group(sl)+1]++
		}
	}
	largest := 0
	for g := range 1 << subBits {
		largest = max(largest, start[g+1])
		start[g+1] += start[g]
	}
	size := max(minSlots, largest*4/3+1)
	need := int64(l.n+size) * slotSize
	if !s.b.reserve(need) {
		f, err := newSpillFile(s.b.dir)
		if err != nil {
			return err
		}
		l.entries(s.b, func(e entry) { s.write(f, e) })
		l.free(s.b)
		return s.checkFile(f, partBits, dup)
	}
	defer s.b.release(need)
	grouped, gmem := allocSlots(l.n)
	defer freeSlots(gmem)
	next := start
	for _, block := range l.blocks {
		for _, sl := range block {
			g := group(sl)
			grouped[next[g]] = sl
			next[g]++
		}
	}
	l.free(s.b)
	slots, tmem := allocSlots(size)
	defer freeSlots(tmem)
	for g := range 1 << subBits {
		in := grouped[start[g]:start[g+1]]
		t := table{slots: slots[:max(minSlots, len(in)*4/3+1)], skip: skip, b: s.b}
		clear(t.slots)
		for _, sl := range in {
			t.insertSlot(sl, entry{}, -1, dup)
		}
	}
	return nil
}

// checkFile finds the duplicates of one spilled partition (skip: the hash
// bits used by the partitions above). When its distinct keys do not fit
// the budget, it is split by the next bits of the hash and each piece is
// checked in turn.
func (s *keySet) checkFile(f *spillFile, skip uint, dup dupFunc) error {
	defer f.close()
	r, err := f.reader()
	if err != nil {
		return err
	}
	t := table{skip: skip, b: s.b}
	defer t.free()
	first := f.n // at most that many distinct keys
	if first*slotSize*4/3 > s.b.limit {
		first = 0
	}
	var buf [entrySize]byte
	for read := int64(0); read < f.n; read++ {
		if _, err := io.ReadFull(r, buf[:]); err != nil {
			return fmt.Errorf("cannot read back the unique check's temporary file: %v", err)
		}
		e := entry{binary.LittleEndian.Uint64(buf[:8]), binary.LittleEndian.Uint64(buf[8:])}
		if t.full() && !s.grow(&t, first) {
			if skip+partBits > 64-partBits {
				return errors.New("the unique check cannot fit its distinct values in its memory budget; raise the budget")
			}
			return s.split(f, r, &t, e, skip, dup)
		}
		if !t.insert(e, -1, dup) {
			obj, row := unpackLoc(e.loc)
			return fmt.Errorf("row %d of the object numbered %d is past the %d rows per object the unique check locates when a dataset has up to %d objects", row, obj+1, int64(1)<<(32-s.b.objBits)-1, int64(1)<<s.b.objBits)
		}
	}
	return nil
}

// split partitions a spilled partition that is too large by the next hash
// bits: the entries already in t, the entry e being added and the rest of
// the file r go to new files, which are then checked one by one.
func (s *keySet) split(f *spillFile, r io.Reader, t *table, e entry, skip uint, dup dupFunc) error {
	var subs [nParts]*spillFile
	for i := range subs {
		sf, err := newSpillFile(s.b.dir)
		if err != nil {
			for _, o := range subs[:i] {
				o.close()
			}
			return err
		}
		subs[i] = sf
	}
	part := func(e entry) *spillFile { return subs[mix(e.key)<<skip>>(64-partBits)] }
	var werr error
	put := func(e entry) {
		if err := part(e).write(e); err != nil && werr == nil {
			werr = err
		}
	}
	// The table holds each key once, with the smallest location so far:
	// duplicates already reported are not reported again.
	t.entries(put)
	t.free()
	put(e)
	var buf [entrySize]byte
	for {
		if _, err := io.ReadFull(r, buf[:]); err != nil {
			if err == io.EOF {
				break
			}
			return fmt.Errorf("cannot read back the unique check's temporary file: %v", err)
		}
		put(entry{binary.LittleEndian.Uint64(buf[:8]), binary.LittleEndian.Uint64(buf[8:])})
	}
	if werr != nil {
		return werr
	}
	var first error
	for _, sf := range subs {
		if err := s.checkFile(sf, skip+partBits, dup); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// spillFile is a temporary file of entries, written through a buffer and
// read back once.
type spillFile struct {
	f    *os.File
	w    *bufio.Writer
	n    int64
	name string // set when the file could not be removed while open
}

// newSpillFile creates a temporary file, unlinked at once where the system
// allows it, so that nothing is left behind even by a killed process.
func newSpillFile(dir string) (*spillFile, error) {
	f, err := os.CreateTemp(dir, "mltf-unique-*")
	if err != nil {
		return nil, fmt.Errorf("the unique check needs more memory than its budget and cannot write a temporary file: %v", err)
	}
	sf := &spillFile{f: f, w: bufio.NewWriterSize(f, spillBuf)}
	if os.Remove(f.Name()) != nil {
		sf.name = f.Name() // Windows: removed at close
	}
	return sf, nil
}

func (f *spillFile) write(e entry) error {
	if f == nil {
		return errors.New("the unique check has no temporary file")
	}
	var buf [entrySize]byte
	binary.LittleEndian.PutUint64(buf[:8], e.key)
	binary.LittleEndian.PutUint64(buf[8:], e.loc)
	f.n++
	if _, err := f.w.Write(buf[:]); err != nil {
		return fmt.Errorf("cannot write the unique check's temporary file: %v", err)
	}
	return nil
}

func (f *spillFile) reader() (io.Reader, error) {
	if err := f.w.Flush(); err != nil {
		return nil, fmt.Errorf("cannot write the unique check's temporary file: %v", err)
	}
	f.w = nil
	if _, err := f.f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return bufio.NewReaderSize(f.f, spillBuf), nil
}

func (f *spillFile) close() {
	f.f.Close()
	if f.name != "" {
		os.Remove(f.name)
	}
}
