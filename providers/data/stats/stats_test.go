package stats

import (
	"math"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestNumericMerge(t *testing.T) {
	whole := NewNumeric(100, 1)
	a, b := NewNumeric(100, 2), NewNumeric(100, 3)
	for i := range 150 {
		x := float64(i*i%97) / 3
		whole.Add(x)
		if i < 40 {
			a.Add(x)
		} else {
			b.Add(x)
		}
	}
	a.Merge(b)
	approx := cmpopts.EquateApprox(0, 1e-9)
	if diff := cmp.Diff([]float64{whole.Mean(), whole.Stddev(), whole.Min, whole.Max, float64(whole.N)},
		[]float64{a.Mean(), a.Stddev(), a.Min, a.Max, float64(a.N)}, approx); diff != "" {
		t.Errorf("merged moments (-whole +merged):\n%s", diff)
	}
	if a.Sample.Seen != 150 || len(a.Sample.Items) != 100 {
		t.Errorf("merged sample: seen %d, %d items", a.Sample.Seen, len(a.Sample.Items))
	}
}

func TestReservoirExactWhenSmall(t *testing.T) {
	a, b := NewReservoir(10, 1), NewReservoir(10, 2)
	for i := 1; i <= 4; i++ {
		a.Add(float64(i))
		b.Add(float64(10 + i))
	}
	a.Merge(&b)
	if diff := cmp.Diff([]float64{1, 2, 3, 4, 11, 12, 13, 14}, a.Sorted()); diff != "" {
		t.Errorf("sample (-want +got):\n%s", diff)
	}
	if got := Quantile(a.Sorted(), 0.5); got != 7.5 {
		t.Errorf("median = %v, want 7.5", got)
	}
}

func TestReservoirQuantiles(t *testing.T) {
	const n = 200_000
	r := NewReservoir(4096, 7)
	for i := range n {
		r.Add(float64((i * 7919) % n)) // every value once, shuffled
	}
	s := r.Sorted()
	for _, q := range []float64{0.05, 0.25, 0.5, 0.75, 0.95} {
		if got, want := Quantile(s, q), q*n; math.Abs(got-want) > 0.03*n {
			t.Errorf("q%.2f = %.0f, want about %.0f", q, got, want)
		}
	}
}

func TestTopK(t *testing.T) {
	tk := NewTopK[string](3)
	for i := range 100 {
		tk.Add("a", nil)
		if i%2 == 0 {
			tk.Add("b", nil)
		}
		tk.Add(strconv.Itoa(i), nil) // many rare values
	}
	if tk.Exact || tk.Len() > 3 {
		t.Fatalf("summary: exact %v, %d counters", tk.Exact, tk.Len())
	}
	top := tk.Top(1, func(a, b string) int { return 0 })
	if top[0].Value != "a" {
		t.Errorf("top value %q, want a", top[0].Value)
	}
	exact := NewTopK[string](10)
	for _, v := range []string{"x", "y", "x", "z", "x", "y"} {
		exact.Add(v, nil)
	}
	other := NewTopK[string](10)
	other.Add("z", nil)
	exact.Merge(other)
	got := exact.Top(10, func(a, b string) int { return strings.Compare(a, b) })
	want := []Entry[string]{{"x", 3}, {"y", 2}, {"z", 2}}
	if diff := cmp.Diff(want, got); diff != "" || !exact.Exact {
		t.Errorf("top (-want +got):\n%s", diff)
	}
}

func TestPSI(t *testing.T) {
	base := make([]float64, 1000)
	for i := range base {
		base[i] = float64(i)
	}
	h := NewHistogram(base)
	if len(h.Edges) != 9 {
		t.Fatalf("edges %v", h.Edges)
	}
	same, _ := NumericPSI(h, base)
	shifted := make([]float64, 1000)
	for i := range shifted {
		shifted[i] = float64(i) + 300
	}
	moved, _ := NumericPSI(h, shifted)
	if same > 1e-9 || moved < 1 {
		t.Errorf("PSI same = %v, shifted = %v", same, moved)
	}
	// Two bins 50/50 against 60/40: 0.1·ln(1.2) + 0.1·ln(1.25) ≈ 0.0405.
	if got := PSI([]float64{0.5, 0.5}, []float64{0.6, 0.4}); math.Abs(got-0.04055) > 1e-4 {
		t.Errorf("PSI = %v", got)
	}
	cat := Summary{Count: 100, Top: []ValueCount{{"a", 50}, {"b", 30}}}
	counts := map[string]int64{"a": 50, "b": 30}
	if got, ok := CategoricalPSI(cat, func(v string) int64 { return counts[v] }, 100); !ok || got > 1e-9 {
		t.Errorf("categorical PSI of the same data = %v", got)
	}
	counts = map[string]int64{"a": 10, "b": 30}
	if got, _ := CategoricalPSI(cat, func(v string) int64 { return counts[v] }, 100); got < 0.2 {
		t.Errorf("categorical PSI after a shift = %v", got)
	}
}

func TestSingleValueHistogram(t *testing.T) {
	h := NewHistogram([]float64{3, 3, 3})
	if diff := cmp.Diff(&Histogram{Edges: []float64{3}, Fractions: []float64{1, 0}}, h); diff != "" {
		t.Errorf("histogram (-want +got):\n%s", diff)
	}
}

func TestAddBatch(t *testing.T) {
	one, batch := NewNumeric(64, 1), NewNumeric(64, 1)
	var xs []float64
	for i := range 1000 {
		x := float64((i*37)%101) - 20
		one.Add(x)
		xs = append(xs, x)
	}
	for len(xs) > 0 {
		n := min(len(xs), 70)
		batch.AddBatch(xs[:n])
		xs = xs[n:]
	}
	approx := cmpopts.EquateApprox(0, 1e-9)
	if diff := cmp.Diff([]float64{one.Mean(), one.Stddev(), one.Min, one.Max, float64(one.N), float64(one.Sample.Seen)},
		[]float64{batch.Mean(), batch.Stddev(), batch.Min, batch.Max, float64(batch.N), float64(batch.Sample.Seen)}, approx); diff != "" {
		t.Errorf("(-one by one +batched):\n%s", diff)
	}
	// The same generator and the same positions: the same sample.
	if diff := cmp.Diff(one.Sample.Items, batch.Sample.Items); diff != "" {
		t.Errorf("samples differ (-one by one +batched):\n%s", diff)
	}
}

// TestTopKKeepsItsKeys counts values that point into a buffer which is then
// overwritten, as a reader's reused chunk is. The summary stores a key
// once, as keep copies it; counting the value again must not store the
// caller's string in its place (assigning to an existing string key of a Go
// map replaces the stored key), or the counters change their names when the
// buffer is reused and every value read after that is a new one.
func TestTopKKeepsItsKeys(t *testing.T) {
	buf := []byte("US")
	view := func() string { return unsafe.String(&buf[0], len(buf)) }
	tk := NewTopK[string](4)
	tk.Add(view(), strings.Clone)
	tk.Add(view(), strings.Clone)
	copy(buf, "DE")
	tk.Add(view(), strings.Clone)
	copy(buf, "US")
	tk.Add(view(), strings.Clone)
	copy(buf, "xx")
	got := tk.Top(4, strings.Compare)
	want := []Entry[string]{{"US", 3}, {"DE", 1}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("top (-want +got):\n%s", diff)
	}
}
