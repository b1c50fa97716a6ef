package validate

import (
	"encoding/binary"
	"strings"
	"unsafe"

	"github.com/mltf/mltf/providers/data/stats"
)

// shortVals remembers what the checks of a string column found for its
// first distinct short values (up to 16 bytes), with one probe of an
// open-addressing table keyed by the value's bytes: a categorical column
// repeats a few short codes, and looking each row up in Go maps (the
// regex results, the top values) costs several times that. Occurrences are
// counted here and reach the column's top values in flushTop.
type shortVals struct {
	slots []shortSlot // a power of two, at most half full
	vals  []shortVal
}

// shortSlot is a value's bytes, its length and its index in vals plus one
// (0: the slot is free).
type shortSlot struct {
	lo, hi uint64
	n, id  int32
}

// shortVal is what the checks found for one value.
type shortVal struct {
	s string
	// known is the value's index among the column's allowed values, -1
	// when it is not one of them or the column has none.
	known int32
	// match is the regex's result (true without a regex).
	match bool
	// pending counts occurrences not yet added to the top values (of the
	// values that are not allowed ones).
	pending int64
}

// maxShortVals bounds the values remembered per column and worker.
const maxShortVals = 1024

// packShort packs the bytes of s (at most 16) into two words.
func packShort(s string) (lo, hi uint64) {
	if len(s) >= 8 {
		lo = binary.LittleEndian.Uint64(unsafe.Slice(unsafe.StringData(s), 8))
		for i := 8; i < len(s); i++ {
			hi |= uint64(s[i]) << (8 * (i - 8))
		}
		return lo, hi
	}
	for i := 0; i < len(s); i++ {
		lo |= uint64(s[i]) << (8 * i)
	}
	return lo, 0
}

// get returns what is known of s, asking fill for a new value; nil when s
// is longer than 16 bytes or the table is full.
func (t *shortVals) get(s string, fill func(v *shortVal)) *shortVal {
	if len(s) > 16 {
		return nil
	}
	lo, hi := packShort(s)
	if t.slots == nil {
		t.slots = make([]shortSlot, 64)
	}
	mask := uint64(len(t.slots) - 1)
	for j := mix(lo^hi*0x9e3779b97f4a7c15^uint64(len(s))) & mask; ; j = (j + 1) & mask {
		sl := &t.slots[j]
		if sl.id == 0 {
			break
		}
		if sl.lo == lo && sl.hi == hi && sl.n == int32(len(s)) {
			return &t.vals[sl.id-1]
		}
	}
	if len(t.vals) == maxShortVals {
		return nil
	}
	if 2*(len(t.vals)+1) > len(t.slots) {
		t.grow()
		mask = uint64(len(t.slots) - 1)
	}
	t.vals = append(t.vals, shortVal{s: strings.Clone(s), known: -1, match: true})
	v := &t.vals[len(t.vals)-1]
	fill(v)
	t.place(shortSlot{lo, hi, int32(len(s)), int32(len(t.vals))})
	return v
}

func (t *shortVals) place(in shortSlot) {
	mask := uint64(len(t.slots) - 1)
	j := mix(in.lo^in.hi*0x9e3779b97f4a7c15^uint64(in.n)) & mask
	for t.slots[j].id != 0 {
		j = (j + 1) & mask
	}
	t.slots[j] = in
}

func (t *shortVals) grow() {
	old := t.slots
	t.slots = make([]shortSlot, 2*len(old))
	for _, sl := range old {
		if sl.id != 0 {
			t.place(sl)
		}
	}
}

// flushTop adds the pending occurrences to top.
func (t *shortVals) flushTop(top *stats.TopK[string]) {
	var add *stats.TopK[string]
	for i := range t.vals {
		v := &t.vals[i]
		if v.pending == 0 {
			continue
		}
		if add == nil {
			add = stats.NewTopK[string](len(t.vals))
		}
		add.Set(v.s, v.pending)
		add.Total += v.pending
		v.pending = 0
	}
	if add != nil {
		top.Merge(add)
	}
}
