package store_test

import (
	"context"
	"encoding/json"
	"os/exec"
	"testing"

	"github.com/mltf/mltf/state/store"
)

// TestAbandonedLockIsTakenOver: a lock left by a process of this host that
// is gone is taken over without force-unlock.
func TestAbandonedLockIsTakenOver(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, "file://state", dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// A process that exits at once gives a PID that is gone.
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip("no true(1)")
	}
	deadPID := cmd.Process.Pid
	held, err := st.Lock(ctx, store.DefaultWorkspace, "apply", 0)
	if err != nil {
		t.Fatal(err)
	}
	// Rewrite the lock object as if that process held it.
	info := held.Info()
	info.PID = deadPID
	writeLock(t, st, info)
	l, err := st.Lock(ctx, store.DefaultWorkspace, "apply", 0)
	if err != nil {
		t.Fatalf("an abandoned lock was not taken over: %v", err)
	}
	l.Unlock(ctx)
}

func writeLock(t *testing.T, st *store.Store, info store.LockInfo) {
	t.Helper()
	b, err := json.Marshal(info)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Bucket().WriteAll(context.Background(), store.LockKey(store.DefaultWorkspace), b, nil); err != nil {
		t.Fatal(err)
	}
}
