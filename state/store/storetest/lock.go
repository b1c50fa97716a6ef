package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/mltf/mltf/state/store"
)

func lockedError(t *testing.T, err error) *store.LockedError {
	t.Helper()
	var locked *store.LockedError
	if !errors.As(err, &locked) {
		t.Fatalf("error %v is not a *store.LockedError", err)
	}
	return locked
}

var lockTests = []test{
	{"a second lock names the holder", func(t *testing.T, s *store.Store) {
		ci := s.With(store.WithWho("ci@runner-7"))
		l, err := ci.Lock(ctx, "default", "apply", 0)
		if err != nil {
			t.Fatal(err)
		}
		defer l.Unlock(ctx)
		_, err = s.With(store.WithWho("dev@laptop")).Lock(ctx, "default", "plan", 0)
		locked := lockedError(t, err)
		if locked.Info.ID != l.Info().ID || locked.Info.Who != "ci@runner-7" || locked.Info.Operation != "apply" || locked.Stale {
			t.Errorf("LockedError = %+v; want the holder's lock %+v, not stale", locked, l.Info())
		}
		wantErr(t, err, "state is locked by ci@runner-7 (apply, ", " ago); if that run is gone: mltf force-unlock "+l.Info().ID)
		if st, err := s.LockStatus(ctx, "default"); err != nil || st == nil || st.Info.ID != l.Info().ID {
			t.Errorf("LockStatus = %v, %v; want the held lock", st, err)
		}
	}},
	{"workspaces lock separately", func(t *testing.T, s *store.Store) {
		l1, err := s.Lock(ctx, "default", "apply", 0)
		if err != nil {
			t.Fatal(err)
		}
		defer l1.Unlock(ctx)
		l2, err := s.Lock(ctx, "dev", "apply", 0)
		if err != nil {
			t.Fatalf("locking another workspace: %v", err)
		}
		defer l2.Unlock(ctx)
		_, err = s.Lock(ctx, "dev", "plan", 0)
		wantErr(t, err, `state of workspace "dev" is locked by`)
	}},
	{"unlock releases", func(t *testing.T, s *store.Store) {
		l, err := s.Lock(ctx, "default", "apply", 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := l.Unlock(ctx); err != nil {
			t.Fatal(err)
		}
		if err := l.Unlock(ctx); err != nil {
			t.Errorf("second Unlock: %v", err)
		}
		l2, err := s.Lock(ctx, "default", "apply", 0)
		if err != nil {
			t.Fatalf("Lock after Unlock: %v", err)
		}
		l2.Unlock(ctx)
		if st, err := s.LockStatus(ctx, "default"); err != nil || st != nil {
			t.Errorf("LockStatus after Unlock = %v, %v; want nil", st, err)
		}
	}},
	{"a lock timeout waits for the holder", func(t *testing.T, s *store.Store) {
		l, err := s.Lock(ctx, "default", "apply", 0)
		if err != nil {
			t.Fatal(err)
		}
		released := make(chan error)
		go func() {
			time.Sleep(300 * time.Millisecond)
			released <- l.Unlock(ctx)
		}()
		l2, err := s.Lock(ctx, "default", "plan", time.Minute)
		if err != nil {
			t.Fatalf("Lock with a timeout: %v", err)
		}
		defer l2.Unlock(ctx)
		if err := <-released; err != nil {
			t.Errorf("Unlock of the first holder: %v", err)
		}
		if l2.Info().Operation != "plan" {
			t.Errorf("lock held for %q, want plan", l2.Info().Operation)
		}
	}},
	{"a lock timeout expires", func(t *testing.T, s *store.Store) {
		l, err := s.Lock(ctx, "default", "apply", 0)
		if err != nil {
			t.Fatal(err)
		}
		defer l.Unlock(ctx)
		_, err = s.Lock(ctx, "default", "plan", 200*time.Millisecond)
		lockedError(t, err)
	}},
	{"a lock not refreshed goes stale", func(t *testing.T, s *store.Store) {
		gone := s.With(store.WithWho("ci@runner-7"), store.WithLockTiming(time.Hour, time.Hour))
		l, err := gone.Lock(ctx, "default", "apply", 0)
		if err != nil {
			t.Fatal(err)
		}
		defer l.Unlock(ctx)
		time.Sleep(300 * time.Millisecond)
		_, err = s.With(store.WithLockTiming(time.Hour, 100*time.Millisecond)).Lock(ctx, "default", "plan", 0)
		locked := lockedError(t, err)
		if !locked.Stale {
			t.Errorf("LockedError.Stale = false after 300ms without refresh and a 100ms stale time")
		}
		wantErr(t, err, "state is locked by ci@runner-7 (apply, ", "the lock is stale: it was not refreshed for ", "so that run is most likely gone: mltf force-unlock "+l.Info().ID)
	}},
	{"a held lock is refreshed", func(t *testing.T, s *store.Store) {
		holder := s.With(store.WithLockTiming(50*time.Millisecond, time.Hour))
		l, err := holder.Lock(ctx, "default", "apply", 0)
		if err != nil {
			t.Fatal(err)
		}
		defer l.Unlock(ctx)
		created := l.Info().Created
		time.Sleep(time.Second)
		st, err := s.With(store.WithLockTiming(time.Hour, 800*time.Millisecond)).LockStatus(ctx, "default")
		if err != nil || st == nil {
			t.Fatalf("LockStatus = %v, %v", st, err)
		}
		if !st.Info.Refreshed.After(created) || st.Stale {
			t.Errorf("after 1s with a 50ms refresh: refreshed %v (created %v), stale %v; want refreshed, not stale", st.Info.Refreshed, created, st.Stale)
		}
	}},
	{"force-unlock", func(t *testing.T, s *store.Store) {
		ci := s.With(store.WithWho("ci@runner-7"), store.WithLockTiming(20*time.Millisecond, time.Hour))
		l, err := ci.Lock(ctx, "default", "apply", 0)
		if err != nil {
			t.Fatal(err)
		}
		id := l.Info().ID
		err = s.ForceUnlock(ctx, "default", "0123456789ab")
		wantErr(t, err, `lock ID "0123456789ab" does not match`, "held by ci@runner-7 (apply,", "with ID "+id, "mltf force-unlock "+id)
		if err := s.ForceUnlock(ctx, "default", id); err != nil {
			t.Fatalf("ForceUnlock with the right ID: %v", err)
		}
		l2, err := s.Lock(ctx, "default", "apply", 0)
		if err != nil {
			t.Fatalf("Lock after ForceUnlock: %v", err)
		}
		defer l2.Unlock(ctx)
		wantErr(t, l.Unlock(ctx), "was removed while this run held it")
		if held, err := s.LockStatus(ctx, "default"); err != nil || held == nil || held.Info.ID != l2.Info().ID {
			t.Errorf("the old holder's Unlock removed the new lock: %v, %v", held, err)
		}
		wantErr(t, s.ForceUnlock(ctx, "dev", id), `workspace "dev" is not locked`)
	}},
	{"an unreadable lock is reported and can be forced", func(t *testing.T, s *store.Store) {
		put(t, s, store.LockKey("default"), []byte("{half a lo"))
		_, err := s.Lock(ctx, "default", "apply", 0)
		lockedError(t, err)
		wantErr(t, err, "its lock object is unreadable")
		if err := s.ForceUnlock(ctx, "default", "anything"); err != nil {
			t.Fatal(err)
		}
		l, err := s.Lock(ctx, "default", "apply", 0)
		if err != nil {
			t.Fatal(err)
		}
		l.Unlock(ctx)
	}},
}
