package serving

import (
	"context"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// digits reads the quickstart's data set: the input columns' names and
// the rows (label dropped).
func digits(t testing.TB) ([]string, [][]float32) {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "examples", "quickstart", "data", "digits.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	cols := recs[0][:len(recs[0])-1]
	var rows [][]float32
	for _, r := range recs[1:] {
		row := make([]float32, len(cols))
		for i := range cols {
			v, _ := strconv.ParseFloat(r[i], 32)
			row[i] = float32(v)
		}
		rows = append(rows, row)
	}
	return cols, rows
}

func digitsBaseline(t testing.TB) (*Baseline, [][]float32) {
	cols, rows := digits(t)
	f, err := os.Open(filepath.Join("..", "examples", "quickstart", "data", "digits.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := BaselineFromCSV(f, cols)
	if err != nil {
		t.Fatal(err)
	}
	return b, rows
}

// TestDrift: live inputs replayed from the training rows stay under the
// alert bound of the docs' example (0.2); shifted inputs go over it.
func TestDrift(t *testing.T) {
	b, rows := digitsBaseline(t)
	if b.Rows != len(rows) || len(b.Columns) != 64 {
		t.Fatalf("baseline of %d rows and %d columns, want %d and 64", b.Rows, len(b.Columns), len(rows))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	sample := func(n int, shift func([]float32) []float32) float64 {
		d := NewDriftCounter(b)
		for i := 0; i < n; i++ {
			row := rows[rng.IntN(len(rows))]
			if shift != nil {
				row = shift(append([]float32(nil), row...))
			}
			d.Observe(row)
		}
		cols, seen := b.Drift(d.Snapshot())
		if seen != int64(n) {
			t.Fatalf("drift counted %d rows, want %d", seen, n)
		}
		t.Logf("%d rows: highest PSI %.3f (%s)", n, cols[0].PSI, cols[0].Column)
		return cols[0].PSI
	}
	const bound = 0.2
	for _, n := range []int{500, 2000} {
		if psi := sample(n, nil); psi >= bound {
			t.Errorf("training rows replayed (%d): highest PSI %.3f, want < %.1f", n, psi, bound)
		}
	}
	brighter := func(r []float32) []float32 {
		for i := range r {
			r[i] = min(16, r[i]+3)
		}
		return r
	}
	mirrored := func(r []float32) []float32 {
		for y := 0; y < 8; y++ {
			for x := 0; x < 4; x++ {
				r[8*y+x], r[8*y+7-x] = r[8*y+7-x], r[8*y+x]
			}
		}
		return r
	}
	for name, shift := range map[string]func([]float32) []float32{"brighter": brighter, "mirrored": mirrored} {
		if psi := sample(500, shift); psi <= bound {
			t.Errorf("%s inputs: highest PSI %.3f, want > %.1f", name, psi, bound)
		}
	}
}

func TestQuantile(t *testing.T) {
	var h Histogram
	for i := 1; i <= 1000; i++ {
		h.Observe(timeMs(i) / 10) // 0.1 ms .. 100 ms
	}
	for _, tc := range []struct {
		q    float64
		want float64 // ms
	}{{0.5, 50}, {0.95, 95}, {0.99, 99}} {
		got := float64(Quantile(h.Snapshot(), tc.q)) / float64(timeMs(1))
		if got < tc.want || got > tc.want*1.1 {
			t.Errorf("q%.2f = %.2f ms, want within 10%% above %.0f ms", tc.q, got, tc.want)
		}
	}
	before := h.Snapshot()
	h.Observe(timeMs(500))
	w := Sub(h.Snapshot(), before)
	if Total(w) != 1 || Quantile(w, 0.5) < timeMs(500) {
		t.Errorf("window of one 500 ms request: %d requests, median %v", Total(w), Quantile(w, 0.5))
	}
}

func timeMs(n int) time.Duration { return time.Duration(n) * time.Millisecond }

// TestSetBaseline: a new baseline (the training data of the version a
// rollout put in service) replaces the old one, and the counts start
// over in its bins.
func TestSetBaseline(t *testing.T) {
	dir := models(t)
	column := func(prefix string, edges ...float64) *Baseline {
		b := &Baseline{Rows: 100}
		for i := 0; i < 4; i++ {
			b.Columns = append(b.Columns, BaselineColumn{Name: fmt.Sprintf("%s%d", prefix, i), Edges: edges, Expected: make([]float64, len(edges)+1)})
		}
		return b
	}
	spec := Spec{Model: "m", Listen: "127.0.0.1:0", Admin: "127.0.0.1:0", Baseline: column("a", 0.5),
		Batching: Batching{MaxBatchSize: 16, MaxLatency: Duration(5 * time.Millisecond)}, Versions: []Version{spawned(1, 100, filepath.Join(dir, "double"))}}
	s, err := Start(context.Background(), spec, t.TempDir(), t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	c := &Client{Addr: s.AdminAddr()}
	ctx := context.Background()
	if _, err := c.WaitReady(ctx, 1, true); err != nil {
		t.Fatal(err)
	}
	url := "http://" + s.Addr() + "/v2/models/m/infer"
	if a := post(t, url, row("1", 1, 2, 3, 4)); a.Code != 200 {
		t.Fatalf("infer: %+v", a)
	}
	st, _ := c.Stats(ctx)
	if st.Columns[0] != "a0" || len(st.Drift[0]) != 2 || st.Drift[0][1] != 1 {
		t.Fatalf("before: columns %v, counts %v", st.Columns, st.Drift)
	}
	if err := c.SetBaseline(ctx, column("b", 2, 5), "version 2 serves"); err != nil {
		t.Fatal(err)
	}
	st, _ = c.Stats(ctx)
	if st.Columns[0] != "b0" || len(st.Drift[0]) != 3 || st.Drift[0][0]+st.Drift[0][1]+st.Drift[0][2] != 0 {
		t.Fatalf("after: columns %v, counts %v, want b0.. counted from zero", st.Columns, st.Drift)
	}
	post(t, url, row("2", 1, 2, 3, 4))
	st, _ = c.Stats(ctx)
	if got := st.Drift[0]; got[0] != 1 || got[1] != 0 {
		t.Errorf("counts of column b0 %v, want the row in bin 0 (1 < 2)", got)
	}
	if spec, _ := c.Spec(ctx); spec.Baseline == nil || spec.Baseline.Columns[0].Name != "b0" {
		t.Errorf("the spec's baseline did not follow")
	}
	if _, body := get(t, "http://"+s.Addr()+"/metrics"); !strings.Contains(body, `mltf_serving_input_drift_psi{column="b0"`) {
		t.Errorf("/metrics lacks the new baseline's columns")
	}
	if err := c.SetBaseline(ctx, nil, ""); err != nil {
		t.Fatal(err)
	}
	if st, _ := c.Stats(ctx); st.Drift != nil {
		t.Errorf("drift counted without a baseline: %v", st.Drift)
	}
}
