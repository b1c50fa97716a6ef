package validate

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// checkLogs finds the duplicates of logged partition p, whose entries are
// in the workers' logs. When the budget has no room to check them in
// memory (checkGrouped), they go through a temporary file instead, which
// checkFile splits as needed.
func (s *keySet) checkLogs(p int, dup dupFunc) error {
	var blocks [][]slot
	var counts [1 << subBits]int
	n := 0
	for _, kw := range s.writers {
		l := &kw.logs[p]
		blocks = append(blocks, l.all()...)
		n += l.len()
		for g, c := range l.groups {
			counts[g] += c
		}
	}
	if n == 0 {
		return nil
	}
	freeLogs := func() {
		for _, kw := range s.writers {
			kw.logs[p].free(s.b)
		}
	}
	if s.checkGrouped(blocks, n, &counts, partBits, dup, freeLogs) {
		return nil
	}
	f, err := newSpillFile(s.b.dir)
	if err != nil {
		return err
	}
	buf := make([]byte, 0, spillChunk)
	for _, kw := range s.writers {
		kw.logs[p].entries(s.b, func(e entry) {
			if buf = appendEntry(buf, e); len(buf) >= spillChunk {
				s.writeFile(f, buf)
				buf = buf[:0]
			}
		})
	}
	s.writeFile(f, buf)
	freeLogs()
	return s.checkFile(f, partBits, dup)
}

// checkGrouped finds the duplicates among the n slots of blocks (skip: the
// hash bits the partitions above used). The slots are first grouped by the
// next subBits bits of the hash (counts, when set, are the sizes of the
// groups, otherwise they are counted first), then release is called (the blocks are
// not read again), and each group is checked with a table of the group's
// size, which stays in the processor's cache. False, with nothing done,
// when the budget has no room for the grouped copy and the table.
func (s *keySet) checkGrouped(blocks [][]slot, n int, counts *[1 << subBits]int, skip uint, dup dupFunc, release func()) bool {
	group := func(sl slot) uint64 { return mix(uint64(sl.hi)<<32|uint64(sl.lo)) << skip >> (64 - subBits) }
	var start [1<<subBits + 1]int
	if counts != nil {
		copy(start[1:], counts[:])
	} else {
		for _, block := range blocks {
			for _, sl := range block {
				start[group(sl)+1]++
			}
		}
	}
	largest := 0
	for g := range 1 << subBits {
		largest = max(largest, start[g+1])
		start[g+1] += start[g]
	}
	size := max(minSlots, largest*4/3+1)
	sc := s.takeScratch()
	defer s.putScratch(sc)
	if !sc.fit(s.b, n, size) {
		return false
	}
	grouped := sc.grouped[:n]
	next := start
	for _, block := range blocks {
		for _, sl := range block {
			g := group(sl)
			grouped[next[g]] = sl
			next[g]++
		}
	}
	release()
	slots := sc.table[:size]
	for g := range 1 << subBits {
		in := grouped[start[g]:start[g+1]]
		t := table{slots: slots[:max(minSlots, len(in)*4/3+1)], skip: skip + subBits, b: s.b}
		clear(t.slots)
		for _, sl := range in {
			t.insertSlot(sl, entry{}, -1, dup)
		}
	}
	return true
}

// scratch is the memory checkGrouped groups entries and builds tables in,
// kept across the partitions that one goroutine checks: mapping it anew
// for every partition cost a page fault per 4 KiB each time.
type scratch struct {
	grouped, table []slot
	gmem, tmem     []byte
	reserved       int64 // of the budget
}

// fit makes room for n grouped entries and a table of size slots, within
// the budget (with a sixteenth to spare for the next, slightly larger
// partition); false when the budget does not allow it.
func (sc *scratch) fit(b *budget, n, size int) bool {
	if cap(sc.grouped) >= n && cap(sc.table) >= size {
		return true
	}
	for _, spare := range []int{16, 0} {
		gn, ts := max(n, cap(sc.grouped)), max(size, cap(sc.table))
		if spare > 0 {
			gn, ts = gn+gn/spare, ts+ts/spare
		}
		need := int64(gn+ts) * slotSize
		if !b.reserve(need - sc.reserved) {
			continue
		}
		sc.free(nil)
		sc.grouped, sc.gmem = allocSlots(gn)
		sc.table, sc.tmem = allocSlots(ts)
		sc.reserved = need
		return true
	}
	return false
}

// free unmaps the scratch memory, giving its budget back when b is set.
func (sc *scratch) free(b *budget) {
	freeSlots(sc.gmem)
	freeSlots(sc.tmem)
	if b != nil {
		b.release(sc.reserved)
		sc.reserved = 0
	}
	sc.grouped, sc.table, sc.gmem, sc.tmem = nil, nil, nil, nil
}

func (s *keySet) takeScratch() *scratch {
	s.scratchMu.Lock()
	defer s.scratchMu.Unlock()
	if k := len(s.scratch); k > 0 {
		sc := s.scratch[k-1]
		s.scratch = s.scratch[:k-1]
		return sc
	}
	return &scratch{}
}

func (s *keySet) putScratch(sc *scratch) {
	s.scratchMu.Lock()
	defer s.scratchMu.Unlock()
	s.scratch = append(s.scratch, sc)
}

// checkFile finds the duplicates of one spilled partition (skip: the hash
// bits used by the partitions above): in memory like a logged partition
// when its entries fit the budget, otherwise with a table of its distinct
// keys (checkDistinct).
func (s *keySet) checkFile(f *spillFile, skip uint, dup dupFunc) error {
	defer f.close()
	if err := f.flush(); err != nil {
		return err
	}
	if f.n == 0 {
		return nil
	}
	if need := f.n * slotSize; s.b.reserve(need) {
		done, err := s.checkFileGrouped(f, skip, dup, need)
		if done || err != nil {
			return err
		}
	}
	return s.checkDistinct(f, skip, dup)
}

// checkFileGrouped reads a spilled partition into memory (need bytes of
// the budget, reserved) and checks it with checkGrouped; false when the
// budget has no room for that.
func (s *keySet) checkFileGrouped(f *spillFile, skip uint, dup dupFunc, need int64) (bool, error) {
	all, mem := allocSlots(int(f.n))
	freed := false
	release := func() {
		if !freed {
			freed = true
			freeSlots(mem)
			s.b.release(need)
		}
	}
	defer release()
	r, err := f.reader()
	if err != nil {
		return true, err
	}
	buf := make([]byte, readBuf)
	for i := 0; i < len(all); {
		k, err := io.ReadFull(r, buf[:min(len(buf), (len(all)-i)*entrySize)])
		if err != nil {
			return true, fmt.Errorf("cannot read back the unique check's temporary file: %v", err)
		}
		for b := buf[:k]; len(b) >= entrySize; b = b[entrySize:] {
			e := entry{binary.LittleEndian.Uint64(b[:8]), binary.LittleEndian.Uint64(b[8:16])}
			loc, ok := s.b.compact(e.loc)
			if !ok {
				return true, s.pastSlots(e)
			}
			all[i] = slot{uint32(e.key), uint32(e.key >> 32), loc}
			i++
		}
	}
	return s.checkGrouped([][]slot{all}, len(all), nil, skip, dup, release), nil
}

func (s *keySet) pastSlots(e entry) error {
	obj, row := unpackLoc(e.loc)
	return fmt.Errorf("row %d of the object numbered %d is past the %d rows per object the unique check locates when a dataset has up to %d objects", row, obj+1, int64(1)<<(32-s.b.objBits)-1, int64(1)<<s.b.objBits)
}

// checkDistinct checks a spilled partition with a table of its distinct
// keys. When they do not fit the budget, the partition is split by the
// next bits of the hash and each piece is checked in turn.
func (s *keySet) checkDistinct(f *spillFile, skip uint, dup dupFunc) error {
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
			return s.split(r, &t, e, skip, dup)
		}
		if !t.insert(e, -1, dup) {
			return s.pastSlots(e)
		}
	}
	return nil
}

// split partitions a spilled partition that is too large by the next hash
// bits: the entries already in t, the entry e being added and the rest of
// the file r go to new files, which are then checked one by one.
func (s *keySet) split(r io.Reader, t *table, e entry, skip uint, dup dupFunc) error {
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
		for _, sf := range subs {
			sf.close()
		}
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

func appendEntry(b []byte, e entry) []byte {
	b = binary.LittleEndian.AppendUint64(b, e.key)
	return binary.LittleEndian.AppendUint64(b, e.loc)
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
	var buf [entrySize]byte
	return f.writeEntries(appendEntry(buf[:0], e))
}

// writeEntries appends encoded entries (appendEntry).
func (f *spillFile) writeEntries(b []byte) error {
	if f == nil {
		return errors.New("the unique check has no temporary file")
	}
	f.n += int64(len(b) / entrySize)
	if _, err := f.w.Write(b); err != nil {
		return fmt.Errorf("cannot write the unique check's temporary file: %v", err)
	}
	return nil
}

// flush ends the writing.
func (f *spillFile) flush() error {
	if f.w == nil {
		return nil
	}
	err := f.w.Flush()
	f.w = nil
	if err != nil {
		return fmt.Errorf("cannot write the unique check's temporary file: %v", err)
	}
	return nil
}

// reader reads the file from its start.
func (f *spillFile) reader() (io.Reader, error) {
	if err := f.flush(); err != nil {
		return nil, err
	}
	if _, err := f.f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return bufio.NewReaderSize(f.f, readBuf), nil
}

func (f *spillFile) close() {
	f.f.Close()
	if f.name != "" {
		os.Remove(f.name)
	}
}
