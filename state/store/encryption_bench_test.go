package store_test

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/mltf/mltf/state"
	"github.com/mltf/mltf/state/store"
)

// BenchmarkWriteRead writes and reads back a state of 10,000 instances of
// ~400 bytes on file://, plain and encrypted (pbkdf2 key derived before
// the timer, as once per process), and on PostgreSQL: the cost of
// encryption and of the store on what a 10,000-resource apply writes and
// a plan reads.
func BenchmarkWriteRead(b *testing.B) {
	const n = 10_000
	st := state.New()
	for i := range n {
		st.SetInstance(fmt.Sprintf("experiment.e%d", i), "experiment", fmt.Sprintf("e%d", i), "registry", "", &state.Instance{Status: state.Ready, Attributes: attrs400(i)})
	}
	kinds := []struct {
		name string
		open func(b *testing.B) *store.Store
	}{
		{"file", func(b *testing.B) *store.Store { return openBench(b, "file://state", b.TempDir()) }},
		{"file-encrypted", func(b *testing.B) *store.Store {
			enc := stateEncryption(b, oldKey+`state { method = method.aes_gcm.old }`)
			if _, err := enc.Encrypt(context.Background(), nil); err != nil {
				b.Fatal(err)
			}
			return openBench(b, "file://state", b.TempDir(), store.WithEncryption(enc))
		}},
		{"postgres", func(b *testing.B) *store.Store { return openBench(b, pgStateURLB(b), "") }},
	}
	for _, kind := range kinds {
		b.Run(kind.name, func(b *testing.B) {
			s := kind.open(b)
			ctx := context.Background()
			var ru0, ru1 syscall.Rusage
			syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
			defer func() {
				syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
				cpu := time.Duration(ru1.Utime.Nano() + ru1.Stime.Nano() - ru0.Utime.Nano() - ru0.Stime.Nano())
				b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
			}()
			for b.Loop() {
				if err := s.Write(ctx, "default", st); err != nil {
					b.Fatal(err)
				}
				if _, err := s.Read(ctx, "default"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func openBench(b *testing.B, url, dir string, opts ...store.Option) *store.Store {
	s, err := store.Open(context.Background(), url, dir, opts...)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}
