//go:build !linux

package validate

func allocSlots(n int) ([]slot, []byte) { return make([]slot, n), nil }

func freeSlots([]byte) {}
