package providers

import "sync"

// StopSignal is what a provider's Stop sets off: calls in flight watch Done
// and return early. Stopping twice is harmless.
type StopSignal struct {
	once sync.Once
	ch   chan struct{}
}

// NewStopSignal returns a signal that has not fired.
func NewStopSignal() *StopSignal { return &StopSignal{ch: make(chan struct{})} }

// Stop fires the signal.
func (s *StopSignal) Stop() { s.once.Do(func() { close(s.ch) }) }

// Done is closed once Stop was called.
func (s *StopSignal) Done() <-chan struct{} { return s.ch }
