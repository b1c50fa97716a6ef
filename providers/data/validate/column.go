package validate

import (
	"hash/maphash"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/mltf/mltf/providers/data/stats"
)

const (
	pendSize      = 4096
	reservoirSize = 8192
	topCapacity   = 1024
	maxValueLen   = 60
	reMemo        = 4096
)

// colDef is a column of the run: declared by the contract, or found in the
// data (undeclared, statistics only).
type colDef struct {
	idx  int
	spec *compiled
	// keys checks a unique column, for all workers.
	keys *keySet
}

func (c *colDef) name() string { return c.spec.Name }
func (c *colDef) typ() Type    { return c.spec.Type }

// where a value sits, for examples.
type where struct {
	obj      int32
	firstRow int64
	lines    []int64 // per row, CSV and JSON lines only
}

func (w *where) ref(r int, value string) exampleRef {
	e := exampleRef{obj: w.obj, row: w.firstRow + int64(r) + 1, value: value}
	if w.lines != nil {
		// Text formats number rows by line, which is known even when
		// pieces of one object are read at once.
		e.line = w.lines[r]
		e.row = e.line
	}
	return e
}

// acc accumulates one column in one worker.
type acc struct {
	def          *colDef
	spec         *compiled
	count, nulls int64
	num          *stats.Numeric
	top          *stats.TopK[string]
	topInt       *stats.TopK[int64]
	// pend holds numeric values not yet added to num (see flush).
	pend []float64
	// known counts the allowed values of a column with values; top and
	// topInt then count only the others.
	known []int64
	bools [2]int64
	// keys are the pending entries of a unique column, added to def.keys
	// at the end of each batch; keyVals are their values for a string
	// column, valid as long as the batch.
	keys    keyBatch
	keyVals []string
	onDup   dupFunc
	// reSeen holds regex results by value (see matches).
	reSeen map[string]bool
	// short remembers the checks' results for a string column's first
	// short values.
	short shortVals
	// days remembers the last date of a timestamp column.
	days dayMemo
	// text is set for text formats, whose rows are lines.
	textual bool
	seed    maphash.Seed
	fails   [nChecks]*failAcc
}

func newAcc(def *colDef, seed maphash.Seed, worker int, text bool) *acc {
	a := &acc{def: def, spec: def.spec, seed: seed, textual: text}
	switch def.typ() {
	case Int64, Float64, Timestamp:
		a.num = stats.NewNumeric(reservoirSize, uint64(worker)<<32|uint64(def.idx))
		a.pend = make([]float64, 0, pendSize)
	case String:
		a.top = stats.NewTopK[string](topCapacity)
	}
	if def.typ() == Int64 && a.spec.categorical {
		a.topInt = stats.NewTopK[int64](topCapacity)
	}
	a.known = make([]int64, len(a.spec.names))
	a.onDup = a.duplicateKey
	return a
}

func (a *acc) fail(check int, w *where, r int, value string) {
	f := a.fails[check]
	if f == nil {
		f = &failAcc{}
		a.fails[check] = f
	}
	f.add(w.ref(r, value))
}

func (a *acc) null(w *where, r int) {
	a.nulls++
	if !a.spec.Nullable {
		a.fail(cNullable, w, r, "null")
	}
}

func (a *acc) typeError(w *where, r int, raw string) {
	a.fail(cType, w, r, show(raw))
}

func (a *acc) checkRange(x float64, w *where, r int, raw func() string) {
	if a.spec.Min != nil && x < *a.spec.Min {
		a.fail(cMin, w, r, raw())
	}
	if a.spec.Max != nil && x > *a.spec.Max {
		a.fail(cMax, w, r, raw())
	}
}

// add queues a numeric value for the statistics.
func (a *acc) add(x float64) {
	a.pend = append(a.pend, x)
	if len(a.pend) == pendSize {
		a.flush()
	}
}

// flush adds the queued values to the statistics, a batch at a time.
func (a *acc) flush() {
	if a.num != nil && len(a.pend) > 0 {
		a.num.AddBatch(a.pend)
		a.pend = a.pend[:0]
	}
}

func (a *acc) int(v int64, w *where, r int) {
	a.count++
	a.add(float64(v))
	sp := a.spec
	if sp.Min != nil || sp.Max != nil {
		a.checkRange(float64(v), w, r, func() string { return strconv.FormatInt(v, 10) })
	}
	if sp.ints != nil {
		if i, ok := sp.intIndex(v); ok {
			a.known[i]++
		} else {
			a.fail(cValues, w, r, strconv.FormatInt(v, 10))
			a.topInt.Add(v, nil)
		}
	}
	if a.def.keys != nil {
		a.unique(uint64(v), w, r)
	}
}

// unique queues a key of a unique column.
func (a *acc) unique(key uint64, w *where, r int) {
	row := w.firstRow + int64(r) + 1
	if w.lines != nil {
		row = w.lines[r]
	}
	a.keys.es = append(a.keys.es, entry{key, packLoc(w.obj, row)})
}

// flushKeys adds the queued keys to the column's set.
func (a *acc) flushKeys() {
	if len(a.keys.es) > 0 {
		a.def.keys.add(&a.keys, a.onDup)
	}
	a.keyVals = a.keyVals[:0]
}

// duplicateKey records a key seen twice; i is its index among the queued
// keys, -1 when the set checks its spilled keys at the end.
func (a *acc) duplicateKey(e entry, i int, first uint64) {
	value := ""
	if a.def.typ() != String {
		value = a.showKey(e.key)
	} else if i >= 0 && i < len(a.keyVals) {
		value = show(a.keyVals[i])
	}
	a.duplicate(a.refAt(first), a.refAt(e.loc), value)
}

func (a *acc) refAt(loc uint64) exampleRef {
	obj, row := unpackLoc(loc)
	e := exampleRef{obj: obj, row: row}
	if a.textual {
		e.line = row
	}
	return e
}

// duplicate records that two rows hold the same value: the later of the
// two fails. Every occurrence of a value but the first (by object and row)
// fails exactly once, whatever the order workers see them in.
func (a *acc) duplicate(x, y exampleRef, value string) {
	if compareRef(y, x) < 0 {
		x, y = y, x
	}
	y.value, y.dupObj, y.dupRow = value, x.obj, x.row
	if a.fails[cUnique] == nil {
		a.fails[cUnique] = &failAcc{}
	}
	a.fails[cUnique].add(y)
}

func (a *acc) float(v float64, w *where, r int) {
	if math.IsNaN(v) {
		a.null(w, r)
		return
	}
	if math.IsInf(v, 0) {
		a.typeError(w, r, strconv.FormatFloat(v, 'g', -1, 64))
		return
	}
	a.count++
	a.add(v)
	sp := a.spec
	raw := func() string { return strconv.FormatFloat(v, 'g', -1, 64) }
	if sp.Min != nil || sp.Max != nil {
		a.checkRange(v, w, r, raw)
	}
	if sp.floats != nil {
		if _, ok := sp.floats[v]; !ok {
			a.fail(cValues, w, r, raw())
		}
	}
	if a.def.keys != nil {
		if v == 0 {
			v = 0 // -0 and 0 are the same value
		}
		a.unique(math.Float64bits(v), w, r)
	}
}

func (a *acc) str(s string, w *where, r int) {
	a.count++
	sp := a.spec
	if v := a.short.get(s, a.fillShort); v != nil {
		if v.known >= 0 {
			a.known[v.known]++
		} else {
			if sp.strs != nil {
				a.fail(cValues, w, r, show(s))
			}
			v.pending++
		}
		if !v.match {
			a.fail(cRegex, w, r, show(s))
		}
	} else {
		if sp.strs != nil {
			if i, ok := sp.strs[s]; ok {
				a.known[i]++
			} else {
				a.fail(cValues, w, r, show(s))
				a.top.Add(s, strings.Clone)
			}
		} else {
			a.top.Add(s, strings.Clone)
		}
		if sp.re != nil && !a.matches(s) {
			a.fail(cRegex, w, r, show(s))
		}
	}
	if a.def.keys != nil {
		a.unique(maphash.String(a.seed, s), w, r)
		a.keyVals = append(a.keyVals, s)
	}
}

// fillShort finds what the checks say of a new short value.
func (a *acc) fillShort(v *shortVal) {
	if i, ok := a.spec.strs[v.s]; ok {
		v.known = i
	}
	if a.spec.re != nil {
		v.match = a.spec.re.MatchString(v.s)
	}
}

// matches says whether s matches the column's regex. Results are kept
// for the first distinct values: a column with a regex usually repeats a
// few codes, and a map lookup is much cheaper than a match.
func (a *acc) matches(s string) bool {
	if ok, seen := a.reSeen[s]; seen {
		return ok
	}
	ok := a.spec.re.MatchString(s)
	if a.reSeen == nil {
		a.reSeen = map[string]bool{}
	}
	if len(a.reSeen) < reMemo {
		a.reSeen[strings.Clone(s)] = ok
	}
	return ok
}

func (a *acc) bool(b bool, w *where, r int) {
	a.count++
	a.bools[b2i(b)]++
	sp := a.spec
	if sp.Values != nil && !sp.bools[b2i(b)] {
		a.fail(cValues, w, r, strconv.FormatBool(b))
	}
	if a.def.keys != nil {
		a.unique(uint64(b2i(b)), w, r)
	}
}

// time observes a timestamp in nanoseconds since the Unix epoch.
func (a *acc) time(ns int64, w *where, r int) {
	a.count++
	a.add(float64(ns) / 1e9)
	if a.def.keys != nil {
		a.unique(uint64(ns), w, r)
	}
}

// text observes one value written as text (CSV, or an undeclared JSON
// value): the empty string is null.
func (a *acc) text(s string, w *where, r int) {
	if s == "" {
		a.null(w, r)
		return
	}
	switch a.def.typ() {
	case Int64:
		if v, ok := parseInt(s); ok {
			a.int(v, w, r)
		} else {
			a.typeError(w, r, s)
		}
	case Float64:
		if v, ok := parseFloat(s); ok {
			a.float(v, w, r)
		} else {
			a.typeError(w, r, s)
		}
	case String:
		a.str(s, w, r)
	case Bool:
		if v, err := strconv.ParseBool(s); err == nil {
			a.bool(v, w, r)
		} else {
			a.typeError(w, r, s)
		}
	case Timestamp:
		if ns, ok := a.days.parse(s); ok {
			a.time(ns, w, r)
		} else {
			a.typeError(w, r, s)
		}
	}
}

// textColumn observes column p of a batch of CSV rows, with the type switch
// outside the loop.
func (a *acc) textColumn(fields []string, ncols, rows, p int, w *where) {
	switch a.def.typ() {
	case Int64:
		for r := range rows {
			s := fields[r*ncols+p]
			if s == "" {
				a.null(w, r)
			} else if v, ok := parseInt(s); ok {
				a.int(v, w, r)
			} else {
				a.typeError(w, r, s)
			}
		}
	case Float64:
		for r := range rows {
			s := fields[r*ncols+p]
			if s == "" {
				a.null(w, r)
			} else if v, ok := parseFloat(s); ok {
				a.float(v, w, r)
			} else {
				a.typeError(w, r, s)
			}
		}
	case String:
		for r := range rows {
			if s := fields[r*ncols+p]; s == "" {
				a.null(w, r)
			} else {
				a.str(s, w, r)
			}
		}
	case Timestamp:
		for r := range rows {
			s := fields[r*ncols+p]
			if s == "" {
				a.null(w, r)
			} else if ns, ok := a.days.parse(s); ok {
				a.time(ns, w, r)
			} else {
				a.typeError(w, r, s)
			}
		}
	case Bool:
		for r := range rows {
			s := fields[r*ncols+p]
			switch s {
			case "":
				a.null(w, r)
			case "true":
				a.bool(true, w, r)
			case "false":
				a.bool(false, w, r)
			default:
				a.text(s, w, r)
			}
		}
	}
}

// merge folds another worker's accumulator of the same column into a.
func (a *acc) merge(o *acc) {
	a.flush()
	o.flush()
	a.count += o.count
	a.nulls += o.nulls
	if a.num != nil {
		a.num.Merge(o.num)
	}
	if a.top != nil {
		a.short.flushTop(a.top)
		o.short.flushTop(o.top)
		a.top.Merge(o.top)
	}
	if a.topInt != nil {
		a.topInt.Merge(o.topInt)
	}
	a.bools[0] += o.bools[0]
	a.bools[1] += o.bools[1]
	for i, n := range o.known {
		a.known[i] += n
	}
	for i, f := range o.fails {
		if f == nil {
			continue
		}
		if a.fails[i] == nil {
			a.fails[i] = &failAcc{}
		}
		a.fails[i].merge(f)
	}
}

// fillTop sets the top values of a categorical column: the counts of its
// allowed values, and of the others from the Misra-Gries summary.
func (a *acc) fillTop(s *stats.Summary, cr *ColumnResult) {
	others := stats.NewTopK[string](topCapacity)
	exact := true
	if a.top != nil {
		others, exact = a.top, a.top.Exact
	} else {
		for v, n := range a.topInt.All() {
			others.Set(strconv.FormatInt(v, 10), n)
		}
		exact = a.topInt.Exact
	}
	all := stats.NewTopK[string](others.Len() + len(a.known))
	for v, n := range others.All() {
		all.Set(v, n)
	}
	for i, n := range a.known {
		if n > 0 {
			all.Set(a.spec.names[i], n)
		}
	}
	s.FillTop(all)
	s.TopExact = exact
	cr.Count = all.Count
}

// showKey shows the value of a key of a unique column other than string.
func (a *acc) showKey(k uint64) string {
	switch a.def.typ() {
	case Timestamp:
		return time.Unix(0, int64(k)).UTC().Format(time.RFC3339Nano)
	case Bool:
		return strconv.FormatBool(k == 1)
	case Float64:
		return strconv.FormatFloat(math.Float64frombits(k), 'g', -1, 64)
	}
	return strconv.FormatInt(int64(k), 10)
}

// result builds the column's statistics.
func (a *acc) result() ColumnResult {
	cr := ColumnResult{Name: a.def.name(), Type: a.def.typ(), Declared: a.spec.declared}
	a.flush()
	if a.top != nil {
		a.short.flushTop(a.top)
	}
	s := stats.Summary{Type: a.def.typ().String(), Count: a.count, Nulls: a.nulls}
	if a.num != nil {
		s.FillNumeric(a.num)
		cr.Sample = a.num.Sample.Sorted()
	}
	switch {
	case a.top != nil || a.topInt != nil:
		a.fillTop(&s, &cr)
	case a.def.typ() == Bool:
		for _, b := range []bool{true, false} {
			if n := a.bools[b2i(b)]; n > 0 {
				s.Top = append(s.Top, stats.ValueCount{Value: strconv.FormatBool(b), Count: n})
			}
		}
		if len(s.Top) == 2 && s.Top[1].Count > s.Top[0].Count {
			s.Top[0], s.Top[1] = s.Top[1], s.Top[0]
		}
		s.TopExact = true
		bools := a.bools
		cr.Count = func(v string) int64 {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return 0
			}
			return bools[b2i(b)]
		}
	}
	cr.Summary = s
	return cr
}

func sign(x int64) int64 {
	switch {
	case x < 0:
		return -1
	case x > 0:
		return 1
	}
	return 0
}

// show quotes a value for a message, shortening long ones.
func show(s string) string {
	if len(s) > maxValueLen {
		s = s[:maxValueLen] + "…"
	}
	return strconv.Quote(s)
}
