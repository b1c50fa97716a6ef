package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/mltf/mltf/state"
	"github.com/mltf/mltf/state/store"
)

// attrs400 returns attributes of about 400 bytes for instance i.
func attrs400(i int) []byte {
	head := fmt.Sprintf(`{"run_id":"run-%06d","fingerprint":"%064x","status":"running","metrics":{"loss":0.125,"accuracy":0.93},"notes":"`, i, i)
	return []byte(head + strings.Repeat("x", 400-len(head)-2) + `"}`)
}

// benchJournal records n instances of ~400 bytes on a new journal and
// flushes, once per iteration, and reports what was written.
func benchJournal(b *testing.B, url string, n int) {
	ctx := context.Background()
	s, err := store.Open(ctx, url, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	insts := make([]*state.Instance, n)
	for i := range insts {
		insts[i] = &state.Instance{Status: state.Ready, Attributes: attrs400(i), Dependencies: []string{"dataset.digits"}}
	}
	var total store.JournalStats
	iter := 0
	for b.Loop() {
		ws := fmt.Sprintf("bench-%d", iter)
		iter++
		j, err := s.Journal(ctx, ws, state.New())
		if err != nil {
			b.Fatal(err)
		}
		for i, inst := range insts {
			j.Record(fmt.Sprintf("training.t%d", i), "training", fmt.Sprintf("t%d", i), "local", "", inst)
		}
		if err := j.Flush(ctx); err != nil {
			b.Fatal(err)
		}
		if err := j.Close(ctx); err != nil {
			b.Fatal(err)
		}
		st := j.Stats()
		total.Bytes += st.Bytes
		total.Objects += st.Objects
		total.Records += st.Records
	}
	b.ReportMetric(float64(total.Bytes)/float64(iter), "bytes_written/op")
	b.ReportMetric(float64(total.Bytes)/float64(total.Records), "bytes/record")
	b.ReportMetric(float64(total.Objects)/float64(iter), "objects/op")
}

// BenchmarkJournal10k records 10,000 instances of ~400 bytes and flushes.
// bytes/record stays near the size of one record whatever the batching: the
// bytes written are O(N).
func BenchmarkJournal10k(b *testing.B) {
	b.Run("file", func(b *testing.B) { benchJournal(b, "file://state", 10_000) })
	b.Run("mem", func(b *testing.B) { benchJournal(b, "mem://", 10_000) })
}

// BenchmarkJournalScaling shows the bytes written growing linearly with the
// number of records.
func BenchmarkJournalScaling(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		b.Run(fmt.Sprintf("records=%d", n), func(b *testing.B) { benchJournal(b, "mem://", n) })
	}
}

// BenchmarkJournalRecordLatency measures the time from Record to durable on
// file:// for one record at a time (ns/op).
func BenchmarkJournalRecordLatency(b *testing.B) {
	ctx := context.Background()
	s, err := store.Open(ctx, "file://state", b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	j, err := s.Journal(ctx, "default", state.New())
	if err != nil {
		b.Fatal(err)
	}
	defer j.Close(ctx)
	inst := &state.Instance{Status: state.Ready, Attributes: attrs400(0)}
	i := 0
	for b.Loop() {
		j.Record(fmt.Sprintf("training.t%d", i), "training", "t", "local", "", inst)
		i++
		if err := j.Flush(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
