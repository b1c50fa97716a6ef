package validate

import (
	"context"
	"fmt"
	"hash/maphash"
	"math/bits"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/mltf/mltf/providers/data/source"
)

// Object is one object to validate: its key relative to the source's
// prefix ("" for a single object) and its size.
type Object struct {
	Key  string
	Size int64
}

// Progress is reported as objects finish.
type Progress struct {
	Objects, Total int
	Rows           int64
}

// Options tune Run.
type Options struct {
	// Parallelism is the number of objects read at once and of checking
	// workers; 0 means GOMAXPROCS.
	Parallelism int
	// BatchRows is the number of rows a worker splits before it checks
	// them column by column; 0 means 1024, whose fields and text stay in
	// the processor's cache between the columns' passes.
	BatchRows int
	// Progress, when set, is called from one goroutine at a time.
	Progress func(Progress)
	// ChunkSize is the size of the pieces a CSV or JSON lines object is cut
	// into, at record boundaries, for the workers; 0 means 512 KiB.
	ChunkSize int
	// UniqueMemory is the memory the unique checks may use together before
	// they spill to temporary files; 0 means DefaultUniqueMemory.
	UniqueMemory int64
	// TempDir is where unique checks spill; "" means the system's
	// temporary directory.
	TempDir string
}

// batch is a piece of one object that a worker checks.
type batch interface {
	process(w *worker)
}

type run struct {
	ctx       context.Context
	par       int
	chunkSize int
	src       *source.Source
	objs      []Object
	c         *Contract
	batchRows int
	seed      maphash.Seed
	keys      budget
	batches   chan batch
	free      chan *[]byte // chunk buffers for reuse

	// decl are the declared columns, fixed before reading starts.
	decl []*colDef

	mu       sync.Mutex
	cols     []*colDef
	byName   map[string]*colDef
	objFails map[failKey]*failAcc
	present  map[int32][]bool // JSON lines: declared columns seen per object
	objRows  []int64
	// pending counts the reader of an object and its pieces not yet
	// checked: the object is finished when it drops to 0.
	pending  []atomic.Int32
	rows     atomic.Int64
	done     int
	progress func(Progress)
}

type failKey struct {
	check  Check
	column string
}

// Run reads every object, checks it against the contract and computes
// statistics. Problems in the data are failures in the Result; the error
// is for a broken contract or a cancelled context.
func Run(ctx context.Context, src *source.Source, objs []Object, c *Contract, opts Options) (*Result, error) {
	if ps := c.Check(); len(ps) > 0 {
		return nil, fmt.Errorf("the contract is invalid: %s", ps[0].Message)
	}
	par := opts.Parallelism
	if par <= 0 {
		par = runtime.GOMAXPROCS(0)
	}
	r := &run{
		ctx: ctx, par: par, src: src, objs: objs, c: c,
		batchRows: opts.BatchRows,
		seed:      maphash.MakeSeed(),
		batches:   make(chan batch, 2*par),
		free:      make(chan *[]byte, 3*par),
		byName:    map[string]*colDef{},
		objFails:  map[failKey]*failAcc{},
		present:   map[int32][]bool{},
		objRows:   make([]int64, len(objs)),
		pending:   make([]atomic.Int32, len(objs)),
		progress:  opts.Progress,
	}
	r.keys.limit, r.keys.dir = opts.UniqueMemory, opts.TempDir
	if len(objs) > 1 {
		r.keys.objBits = uint(bits.Len(uint(len(objs) - 1)))
	}
	if r.keys.limit <= 0 {
		r.keys.limit = DefaultUniqueMemory
	}
	if r.batchRows <= 0 {
		r.batchRows = 1024
	}
	if r.chunkSize = opts.ChunkSize; r.chunkSize <= 0 {
		r.chunkSize = 512 << 10
	}
	for _, col := range sorted(c.Columns) {
		spec, _ := compile(col)
		r.decl = append(r.decl, r.addColumn(spec))
	}

	workers := make([]*worker, par)
	var wg sync.WaitGroup
	for i := range workers {
		w := &worker{id: i, r: r}
		workers[i] = w
		wg.Go(func() {
			for b := range r.batches {
				b.process(w)
			}
		})
	}
	next := make(chan int32)
	var rg sync.WaitGroup
	for range min(par, max(len(objs), 1)) {
		rg.Go(func() {
			for i := range next {
				r.pending[i].Add(1)
				r.readObject(i)
				r.pieceDone(i)
			}
		})
	}
feed:
	for i := range objs {
		select {
		case next <- int32(i):
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	rg.Wait()
	close(r.batches)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		r.releaseKeys()
		return nil, fmt.Errorf("validation stopped: %w", err)
	}
	return r.result(workers)
}

// releaseKeys drops the unique checks' tables and temporary files.
func (r *run) releaseKeys() {
	for _, def := range r.cols {
		if def.keys != nil {
			def.keys.finish(func(entry, int, uint64) {})
		}
	}
}

func sorted(cols []Column) []Column {
	cs := slices.Clone(cols)
	slices.SortFunc(cs, func(a, b Column) int { return strings.Compare(a.Name, b.Name) })
	return cs
}

func (r *run) readObject(i int32) {
	o := r.objs[i]
	if o.Size == 0 {
		r.objectFail(CheckEmpty, "", i, "is empty (0 bytes)")
		return
	}
	switch r.c.Format {
	case Parquet:
		r.readParquet(i, o)
	case JSONL:
		r.readJSONL(i, o)
	default:
		r.readCSV(i, o)
	}
}

// expectRows estimates the rows of the run from a piece of n bytes that
// holds rows rows, for the unique checks' first tables.
func (r *run) expectRows(n, rows int64) {
	if n <= 0 || r.keys.perPart.Load() != 0 {
		return
	}
	var total int64
	for _, o := range r.objs {
		total += o.Size
	}
	r.keys.expect(int64(float64(total) / float64(n) * float64(rows)))
}

// pieceDone is called when the reader of an object, or a worker checking
// a piece of it, is done.
func (r *run) pieceDone(i int32) {
	if r.pending[i].Add(-1) == 0 {
		r.finished(i)
	}
}

func (r *run) finished(i int32) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.done++
	if r.progress != nil {
		r.progress(Progress{Objects: r.done, Total: len(r.objs), Rows: r.rows.Load()})
	}
}

func (r *run) addColumn(spec *compiled) *colDef {
	def := &colDef{idx: len(r.cols), spec: spec}
	if spec.Unique {
		def.keys = newKeySet(&r.keys, spec.Type != String)
	}
	r.cols = append(r.cols, def)
	r.byName[spec.Name] = def
	return def
}

// column returns the column named name, registering an undeclared one of
// type t when the contract allows it; nil when the column is not wanted.
func (r *run) column(name string, t Type) *colDef {
	r.mu.Lock()
	defer r.mu.Unlock()
	if def, ok := r.byName[name]; ok {
		if !def.spec.declared && def.typ() != t {
			return nil // an undeclared column with another type elsewhere
		}
		return def
	}
	if r.c.Schema && !r.c.AllowExtra {
		return nil
	}
	return r.addColumn(&compiled{Column: Column{Name: name, Type: t, Nullable: true}, categorical: t == String || t == Bool})
}

func (r *run) declared(name string) *colDef {
	r.mu.Lock()
	defer r.mu.Unlock()
	if def, ok := r.byName[name]; ok && def.spec.declared {
		return def
	}
	return nil
}

func (r *run) declaredColumns() []*colDef { return r.decl }

// objectFail records a failure of a whole object.
func (r *run) objectFail(check Check, column string, obj int32, message string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := failKey{check, column}
	f := r.objFails[k]
	if f == nil {
		f = &failAcc{message: message}
		r.objFails[k] = f
	}
	if f.objs == nil {
		f.objs = map[int32]struct{}{}
	}
	f.objs[obj] = struct{}{}
	f.keep(exampleRef{obj: obj, value: message})
}

// rowFail records a failure of one row that is not about a column value.
func (r *run) rowFail(check Check, column string, e exampleRef) {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := failKey{check, column}
	f := r.objFails[k]
	if f == nil {
		f = &failAcc{}
		r.objFails[k] = f
	}
	f.add(e)
}

// mapColumns matches an object's column names with the contract: missing
// declared columns and unwanted extra ones are failures. It returns the
// column of each position, nil where the position is not checked.
func (r *run) mapColumns(obj int32, names []string, typeOf func(i int) (Type, bool)) []*colDef {
	defs := make([]*colDef, len(names))
	seen := map[string]bool{}
	for i, n := range names {
		if seen[n] {
			r.objectFail(CheckRead, n, obj, fmt.Sprintf("names column %q twice", n))
			continue
		}
		seen[n] = true
		if d := r.declared(n); d != nil {
			defs[i] = d
			continue
		}
		if r.c.Schema && !r.c.AllowExtra {
			r.objectFail(CheckExtraColumn, n, obj, fmt.Sprintf("has the column %q, which the schema does not declare", n))
			continue
		}
		if t, ok := typeOf(i); ok {
			defs[i] = r.column(n, t)
		}
	}
	if r.c.Format != JSONL {
		for _, d := range r.declaredColumns() {
			if !seen[d.name()] {
				r.objectFail(CheckMissingColumn, d.name(), obj, fmt.Sprintf("has no column %q", d.name()))
			}
		}
	}
	return defs
}

// worker checks batches with its own accumulators.
type worker struct {
	id    int
	r     *run
	accs  []*acc
	fails map[failKey]*failAcc // row failures not about a column value
	cols  map[string]*colDef
	json  jsonState
	csv   csvWork
}

// column is what run.column gives for an object's column name, cached per
// worker: declared columns never change, and an undeclared one keeps the
// type it was registered with.
func (w *worker) column(name string, t Type) *colDef {
	if w.cols == nil {
		w.cols = map[string]*colDef{}
	}
	if d, ok := w.cols[name]; ok {
		return d
	}
	d := w.r.column(name, t)
	w.cols[name] = d
	return d
}

func (w *worker) acc(def *colDef) *acc {
	for def.idx >= len(w.accs) {
		w.accs = append(w.accs, nil)
	}
	a := w.accs[def.idx]
	if a == nil {
		a = newAcc(def, w.r.seed, w.id, w.r.c.Format != Parquet)
		w.accs[def.idx] = a
	}
	return a
}

// flushKeys adds the keys a batch queued to the unique checks; the batch
// must still be alive (string values point into it).
func (w *worker) flushKeys() {
	for _, a := range w.accs {
		if a != nil && a.def.keys != nil {
			a.flushKeys()
		}
	}
}

func (w *worker) rowFail(check Check, column string, e exampleRef) {
	if w.fails == nil {
		w.fails = map[failKey]*failAcc{}
	}
	k := failKey{check, column}
	f := w.fails[k]
	if f == nil {
		f = &failAcc{}
		w.fails[k] = f
	}
	f.add(e)
}

// result merges the workers' accumulators and runs the dataset-wide
// checks.
func (r *run) result(workers []*worker) (*Result, error) {
	res := &Result{Objects: len(r.objs)}
	for _, n := range r.objRows {
		res.Rows += n
	}
	names := func(objs map[int32]struct{}) ([]string, int) {
		idx := make([]int32, 0, len(objs))
		for o := range objs {
			idx = append(idx, o)
		}
		slices.Sort(idx)
		var ns []string
		for _, o := range idx[:min(len(idx), 5)] {
			ns = append(ns, r.src.Name(r.objs[o].Key))
		}
		return ns, len(idx)
	}
	failure := func(check Check, column, message string, f *failAcc) Failure {
		fl := Failure{Check: check, Column: column, Message: message, Rows: f.rows}
		fl.Objects, fl.ObjectCount = names(f.objs)
		for _, e := range f.examples {
			x := Example{Object: r.src.Name(r.objs[e.obj].Key), Row: e.row, Line: e.line, Value: e.value}
			if e.dupRow > 0 {
				unit := "row"
				if r.c.Format != Parquet {
					unit = "line"
				}
				at := fmt.Sprintf("%s %d", unit, e.dupRow)
				if e.dupObj != e.obj {
					at = fmt.Sprintf("%s %s %d", r.src.Name(r.objs[e.dupObj].Key), unit, e.dupRow)
				}
				if x.Value == "" {
					x.Value = "the value of " + at
				} else {
					x.Value += ", as in " + at
				}
			}
			fl.Examples = append(fl.Examples, x)
		}
		return fl
	}

	// Object failures first: they explain the column failures that follow.
	objFails := r.objFails
	for _, w := range workers {
		for k, f := range w.fails {
			if objFails[k] == nil {
				objFails[k] = &failAcc{}
			}
			objFails[k].merge(f)
		}
	}
	// JSON lines: a declared column no record of an object has is missing.
	if r.c.Format == JSONL {
		for i := range r.objs {
			if r.objRows[i] == 0 {
				continue
			}
			seen := r.present[int32(i)]
			for _, d := range r.declaredColumns() {
				if d.idx >= len(seen) || !seen[d.idx] {
					k := failKey{CheckMissingColumn, d.name()}
					if objFails[k] == nil {
						objFails[k] = &failAcc{message: fmt.Sprintf("has no column %q", d.name())}
					}
					if objFails[k].objs == nil {
						objFails[k].objs = map[int32]struct{}{}
					}
					objFails[k].objs[int32(i)] = struct{}{}
					objFails[k].keep(exampleRef{obj: int32(i), value: objFails[k].message})
				}
			}
		}
	}
	keys := make([]failKey, 0, len(objFails))
	for k := range objFails {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b failKey) int {
		if c := strings.Compare(string(a.check), string(b.check)); c != 0 {
			return c
		}
		return strings.Compare(a.column, b.column)
	})
	for _, k := range keys {
		f := objFails[k]
		res.Failures = append(res.Failures, failure(k.check, k.column, objectMessage(k, f), f))
	}

	for _, def := range r.cols {
		var a *acc
		for _, w := range workers {
			if def.idx >= len(w.accs) || w.accs[def.idx] == nil {
				continue
			}
			if a == nil {
				a = w.accs[def.idx]
			} else {
				a.merge(w.accs[def.idx])
			}
		}
		if a == nil {
			a = newAcc(def, r.seed, 0, r.c.Format != Parquet)
		}
		if def.keys != nil {
			if err := def.keys.finish(a.onDup); err != nil {
				r.releaseKeys()
				return nil, fmt.Errorf("column %q: %w", def.name(), err)
			}
		}
		if missing := objFails[failKey{CheckMissingColumn, def.name()}]; missing != nil && a.fails[cNullable] != nil && subset(a.fails[cNullable].objs, missing.objs) {
			// The nulls of a JSON key that objects lack are that failure.
			a.fails[cNullable] = nil
		}
		for i, f := range a.fails {
			if f != nil {
				res.Failures = append(res.Failures, failure(columnChecks[i], def.name(), columnMessage(def.spec, columnChecks[i], f.rows, res.Rows), f))
			}
		}
		if mf := r.c.MaxNullFraction; mf != nil && res.Rows > 0 {
			frac := float64(a.nulls) / float64(a.count+a.nulls)
			if a.count+a.nulls > 0 && frac > *mf {
				res.Failures = append(res.Failures, Failure{
					Check: CheckMaxNullFraction, Column: def.name(), Rows: a.nulls,
					Message: fmt.Sprintf("%.1f%% of its values are null (%d of %d); max_null_fraction is %g", 100*frac, a.nulls, a.count+a.nulls, *mf),
				})
			}
		}
		res.Columns = append(res.Columns, a.result())
	}
	slices.SortFunc(res.Columns, func(a, b ColumnResult) int { return strings.Compare(a.Name, b.Name) })

	switch {
	case r.c.MinRows != nil && res.Rows < *r.c.MinRows:
		res.Failures = append(res.Failures, Failure{Check: CheckRowCount, Message: fmt.Sprintf("the dataset has %d rows; row_count.min is %d", res.Rows, *r.c.MinRows)})
	case r.c.MaxRows != nil && res.Rows > *r.c.MaxRows:
		res.Failures = append(res.Failures, Failure{Check: CheckRowCount, Message: fmt.Sprintf("the dataset has %d rows; row_count.max is %d", res.Rows, *r.c.MaxRows)})
	case r.c.MinRows == nil && res.Rows == 0 && len(res.Failures) == 0:
		res.Failures = append(res.Failures, Failure{Check: CheckRowCount, Message: "the dataset has no rows; if that is expected, set checks { row_count { min = 0 } }"})
	}
	return res, nil
}

func objectMessage(k failKey, f *failAcc) string {
	switch k.check {
	case CheckFields:
		if f.rows == 1 {
			return "1 row has another number of fields than the header"
		}
		return fmt.Sprintf("%d rows have another number of fields than the header", f.rows)
	case CheckRead:
		if f.rows == 1 {
			return "1 row cannot be read"
		}
		if f.rows > 0 {
			return fmt.Sprintf("%d rows cannot be read", f.rows)
		}
	case CheckExtraColumn:
		return fmt.Sprintf("column %q is in the data but not in the schema", k.column)
	case CheckMissingColumn:
		return fmt.Sprintf("column %q is in the schema but not in the data", k.column)
	case CheckEmpty:
		return "the object has no data"
	}
	return f.message
}

func columnMessage(c *compiled, check Check, bad, rows int64) string {
	of := fmt.Sprintf("%d of %d rows", bad, rows)
	switch check {
	case CheckType:
		hint := ""
		switch c.Type {
		case Int64:
			hint = " (whole numbers such as 42)"
		case Float64:
			hint = " (finite numbers such as 0.5)"
		case Bool:
			hint = " (true or false)"
		case Timestamp:
			hint = " (RFC 3339 such as 2024-05-01T12:00:00Z, or a date such as 2024-05-01)"
		}
		return fmt.Sprintf("%s hold a value that is not a valid %s%s", of, c.Type, hint)
	case CheckNullable:
		return fmt.Sprintf("%s are null (empty), and the column is not nullable", of)
	case CheckMin:
		return fmt.Sprintf("%s are below min = %g", of, *c.Min)
	case CheckMax:
		return fmt.Sprintf("%s are above max = %g", of, *c.Max)
	case CheckValues:
		vs := c.Values
		more := ""
		if len(vs) > 12 {
			vs, more = vs[:12], fmt.Sprintf(" and %d more", len(c.Values)-12)
		}
		q := make([]string, len(vs))
		for i, v := range vs {
			if c.Type == String {
				q[i] = strconv.Quote(v)
			} else {
				q[i] = v
			}
		}
		return fmt.Sprintf("%s hold a value that is not one of the allowed values [%s%s]", of, strings.Join(q, ", "), more)
	case CheckRegex:
		return fmt.Sprintf("%s do not match regex %q", of, c.Regex)
	case CheckUnique:
		return fmt.Sprintf("%s repeat the value of an earlier row, and the column is unique", of)
	}
	return of
}

func subset(a, b map[int32]struct{}) bool {
	for k := range a {
		if _, ok := b[k]; !ok {
			return false
		}
	}
	return true
}
