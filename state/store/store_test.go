package store_test

import (
	"os"
	"strings"

	"github.com/google/uuid"

	"github.com/mltf/mltf/internal/pgtest"
	"io/fs"
	"path/filepath"
	"testing"

	"github.com/mltf/mltf/state"

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

// TestFileModes: every file a file:// store writes (state, history, lock)
// is readable by its owner only, since state holds sensitive values.
func TestFileModes(t *testing.T) {
	dir := t.TempDir()
	s, err := store.Open(t.Context(), "file://state", dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	lock, err := s.Lock(t.Context(), store.DefaultWorkspace, "apply", 0)
	if err != nil {
		t.Fatal(err)
	}
	st := state.New()
	for range 2 {
		if err := s.Write(t.Context(), store.DefaultWorkspace, st); err != nil {
			t.Fatal(err)
		}
	}
	var files int
	err = filepath.WalkDir(filepath.Join(dir, "state"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files++
		info, err := d.Info()
		if err != nil {
			return err
		}
		if perm := info.Mode().Perm(); perm != 0o600 {
			t.Errorf("%s has mode %#o, want 0600", path, perm)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 3 {
		t.Errorf("found %d files, want the state, its history and the lock", files)
	}
	lock.Unlock(t.Context())
}

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// pgStateURL is a state URL on a fresh schema of the test PostgreSQL
// server.
func pgStateURL(t *testing.T) string { return pgStateURLB(t) }

func pgStateURLB(t testing.TB) string {
	base := pgtest.ServerURL(t)
	return base + "&schema=s_" + strings.ReplaceAll(uuid.NewString(), "-", "")[:16]
}

func TestPostgresStore(t *testing.T) {
	pgtest.ServerURL(t)
	storetest.Run(t, func(t *testing.T) *store.Store {
		s, err := store.Open(t.Context(), pgStateURL(t), "")
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
