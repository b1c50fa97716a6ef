//go:build linux

package validate

import (
	"syscall"
	"unsafe"
)

// allocSlots maps n zeroed slots outside the Go heap: a table's memory is
// then exactly its size, given back when the table is freed, instead of
// waiting for a collection that the heap's growth would put off. Pages
// are resident only once written: a log's last block costs what it holds.
func allocSlots(n int) ([]slot, []byte) {
	mem, err := syscall.Mmap(-1, 0, n*slotSize, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return make([]slot, n), nil
	}
	return unsafe.Slice((*slot)(unsafe.Pointer(&mem[0])), n), mem
}

func freeSlots(mem []byte) {
	if mem != nil {
		syscall.Munmap(mem)
	}
}
