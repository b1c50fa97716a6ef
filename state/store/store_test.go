package store_test

import (
	"testing"

	"github.com/mltf/mltf/state/store"
	"github.com/mltf/mltf/state/store/storetest"
)

func TestFileStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) *store.Store {
		s, err := store.Open(t.Context(), "file://state", t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestMemStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) *store.Store {
		s, err := store.Open(t.Context(), "mem://", "")
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
