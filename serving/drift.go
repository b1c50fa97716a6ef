package serving

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"sync/atomic"
)

// Baseline is the distribution of each input column in the training data:
// bin edges at its deciles (ties merged) and the share of training rows in
// each bin. Live inputs are counted in the same bins; their PSI against
// Expected is the column's drift.
type Baseline struct {
	Columns []BaselineColumn `json:"columns"`
	Rows    int              `json:"rows"`
}

// BaselineColumn is one column of a Baseline. A value v falls in bin i
// where i is the number of edges <= v.
type BaselineColumn struct {
	Name     string    `json:"name"`
	Edges    []float64 `json:"edges"`
	Expected []float64 `json:"expected"`
}

// BaselineFromCSV reads a CSV with a header and makes the baseline of
// columns (in that order: the model's inputs), each found by name.
func BaselineFromCSV(r io.Reader, columns []string) (*Baseline, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("cannot read the header: %w", err)
	}
	index := map[string]int{}
	for i, h := range header {
		index[h] = i
	}
	idx := make([]int, len(columns))
	for i, c := range columns {
		j, ok := index[c]
		if !ok {
			return nil, fmt.Errorf("the model's input column %q is not a column of the data (it has %d columns)", c, len(header))
		}
		idx[i] = j
	}
	values := make([][]float64, len(columns))
	line := 1
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		line++
		if err != nil {
			return nil, err
		}
		for i, j := range idx {
			v, err := strconv.ParseFloat(rec[j], 64)
			if err != nil {
				return nil, fmt.Errorf("line %d, column %s: %q is not a number", line, columns[i], rec[j])
			}
			values[i] = append(values[i], v)
		}
	}
	b := &Baseline{Rows: line - 1}
	for i, c := range columns {
		b.Columns = append(b.Columns, baselineColumn(c, values[i]))
	}
	return b, nil
}

func baselineColumn(name string, vs []float64) BaselineColumn {
	sort.Float64s(vs)
	col := BaselineColumn{Name: name}
	if len(vs) == 0 {
		col.Expected = []float64{1}
		return col
	}
	// Edges at the deciles; a value equal to an edge goes above it, so
	// the lowest value seen has a bin of its own when ties are many.
	for q := 1; q < 10; q++ {
		e := vs[len(vs)*q/10]
		if e == vs[0] {
			e = math.Nextafter(vs[0], math.Inf(1))
		}
		if n := len(col.Edges); n == 0 || e > col.Edges[n-1] {
			col.Edges = append(col.Edges, e)
		}
	}
	counts := make([]float64, len(col.Edges)+1)
	for _, v := range vs {
		counts[binOf(col.Edges, v)]++
	}
	for i := range counts {
		counts[i] /= float64(len(vs))
	}
	col.Expected = counts
	return col
}

func binOf(edges []float64, v float64) int {
	return sort.Search(len(edges), func(i int) bool { return edges[i] > v })
}

// DriftCounter counts live inputs in the bins of a Baseline.
type DriftCounter struct {
	base   *Baseline
	counts [][]atomic.Int64
}

// NewDriftCounter counts in b's bins.
func NewDriftCounter(b *Baseline) *DriftCounter {
	d := &DriftCounter{base: b, counts: make([][]atomic.Int64, len(b.Columns))}
	for i, c := range b.Columns {
		d.counts[i] = make([]atomic.Int64, len(c.Expected))
	}
	return d
}

// Observe counts rows, row-major with one value per column.
func (d *DriftCounter) Observe(rows []float32) {
	n := len(d.base.Columns)
	if n == 0 {
		return
	}
	for r := 0; r+n <= len(rows); r += n {
		for i := 0; i < n; i++ {
			d.counts[i][binOf(d.base.Columns[i].Edges, float64(rows[r+i]))].Add(1)
		}
	}
}

// Snapshot returns the cumulative counts by column and bin.
func (d *DriftCounter) Snapshot() [][]int64 {
	out := make([][]int64, len(d.counts))
	for i := range d.counts {
		out[i] = make([]int64, len(d.counts[i]))
		for j := range d.counts[i] {
			out[i][j] = d.counts[i][j].Load()
		}
	}
	return out
}

// PSI is the population stability index of the counts against the
// expected shares: sum over bins of (a-e)*ln(a/e), shares smoothed so an
// empty bin counts as 0.01% of the rows.
func PSI(expected []float64, counts []int64) float64 {
	var total int64
	for _, c := range counts {
		total += c
	}
	if total == 0 {
		return 0
	}
	const eps = 1e-4
	psi := 0.0
	for i, e := range expected {
		a := float64(counts[i]) / float64(total)
		a, e = math.Max(a, eps), math.Max(e, eps)
		psi += (a - e) * math.Log(a/e)
	}
	return psi
}

// ColumnDrift is the PSI of one column over a window.
type ColumnDrift struct {
	Column string  `json:"column"`
	PSI    float64 `json:"psi"`
}

// Drift returns the PSI of each column for the counts of a window (a
// difference of snapshots), highest first, and the number of rows.
func (b *Baseline) Drift(window [][]int64) ([]ColumnDrift, int64) {
	var out []ColumnDrift
	var rows int64
	for i, c := range b.Columns {
		if i >= len(window) {
			break
		}
		if i == 0 {
			for _, n := range window[i] {
				rows += n
			}
		}
		out = append(out, ColumnDrift{Column: c.Name, PSI: PSI(c.Expected, window[i])})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].PSI > out[j].PSI })
	return out, rows
}

// SubCounts returns a minus b, column by column.
func SubCounts(a, b [][]int64) [][]int64 {
	out := make([][]int64, len(a))
	for i := range a {
		out[i] = append([]int64(nil), a[i]...)
		if i < len(b) {
			for j := range b[i] {
				if j < len(out[i]) {
					out[i][j] -= b[i][j]
				}
			}
		}
	}
	return out
}
