package store

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/mltf/mltf/internal/pgtest"
)

func openPG(t *testing.T, schema string, opts ...Option) *Store {
	t.Helper()
	s, err := Open(t.Context(), pgtest.ServerURL(t)+"&schema="+schema, "", opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func newSchema() string { return "s_" + strings.ReplaceAll(uuid.NewString(), "-", "")[:16] }

// TestPostgresSchemasNeverBlockEachOther locks the same workspace in two
// schemas of one database at once (Terraform's pg backend derives its
// lock from a per-schema sequence, so they collide: terraform#33217).
func TestPostgresSchemasNeverBlockEachOther(t *testing.T) {
	ctx := t.Context()
	a, b := openPG(t, newSchema()), openPG(t, newSchema())
	for _, ws := range []string{"default", "dev"} {
		la, err := a.Lock(ctx, ws, "apply", 0)
		if err != nil {
			t.Fatal(err)
		}
		lb, err := b.Lock(ctx, ws, "apply", 0)
		if err != nil {
			t.Fatalf("locking %s in a second schema while the first holds it: %v", ws, err)
		}
		la.Unlock(ctx)
		lb.Unlock(ctx)
	}
}

// TestPostgresLockOfADeadSession holds a lock the way another machine's
// mltf does (its session holds the advisory lock, its lock row says who it
// is), then ends that session as a crash would: the lock is taken over
// without force-unlock, which no host or PID check could have told.
func TestPostgresLockOfADeadSession(t *testing.T) {
	ctx := t.Context()
	schema := newSchema()
	s := openPG(t, schema, WithLockTiming(time.Hour, time.Hour))

	other, err := pgx.Connect(ctx, pgtest.ServerURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close(context.Background())
	var pid int
	if err := other.QueryRow(ctx, `SELECT pg_backend_pid() FROM (SELECT pg_advisory_lock($1)) l`, advisoryKey("workspace", schema, "default")).Scan(&pid); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	info, _ := json.Marshal(LockInfo{ID: "0123456789ab", Who: "ci@runner-7", Operation: "apply", Created: now, Refreshed: now, Host: "runner-7", PID: 4242, Session: pid})
	if _, err := other.Exec(ctx, `INSERT INTO `+pgx.Identifier{schema, "mltf_state_objects"}.Sanitize()+` (key, data, modified) VALUES ($1, $2, now())`, LockKey("default"), info); err != nil {
		t.Fatal(err)
	}

	_, err = s.Lock(ctx, "default", "plan", 0)
	var locked *LockedError
	if !errors.As(err, &locked) || locked.Info.Who != "ci@runner-7" || locked.Stale {
		t.Fatalf("Lock while the other session lives = %v; want locked by ci@runner-7, not stale", err)
	}
	if st, err := s.LockStatus(ctx, "default"); err != nil || st == nil || st.Info.Session != pid || st.Info.Operation != "apply" {
		t.Errorf("LockStatus = %+v, %v; want the holder, its operation and session %d", st, err, pid)
	}

	other.Close(ctx) // the holder's machine goes away
	var l *Lock
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		// The server notices the closed session within moments.
		if l, err = s.Lock(ctx, "default", "plan", 0); err == nil || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		t.Fatalf("Lock after the holder's session ended: %v", err)
	}
	defer l.Unlock(ctx)
	if st, _ := s.LockStatus(ctx, "default"); st == nil || st.Info.ID != l.Info().ID {
		t.Errorf("the lock row is not the new holder's: %+v", st)
	}
}
