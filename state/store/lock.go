package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"
)

// LockInfo is the content of a lock object.
type LockInfo struct {
	ID        string    `json:"id"`
	Who       string    `json:"who"`       // user@host
	Operation string    `json:"operation"` // "apply", "plan", ...
	Created   time.Time `json:"created"`
	Refreshed time.Time `json:"refreshed"`
	Version   string    `json:"version"` // of mltf
	// Host and PID identify the holding process, so that a lock left by a
	// process that died on this host is recognised as abandoned.
	Host string `json:"host,omitempty"`
	PID  int    `json:"pid,omitempty"`
	// Session is, on PostgreSQL, the server process of the session that
	// holds the lock's advisory lock (pg_stat_activity.pid).
	Session int `json:"session,omitempty"`
}

// LockedError says that another run holds the lock.
type LockedError struct {
	Workspace string
	Info      LockInfo
	// Stale is true when the holder has not refreshed the lock for longer
	// than the store's stale time: it is most likely gone.
	Stale bool
	// Age is how long ago the lock was taken.
	Age time.Duration
	// Unrefreshed is how long ago it was last refreshed.
	Unrefreshed time.Duration
}

func (e *LockedError) Error() string {
	what := "state"
	if e.Workspace != "" && e.Workspace != DefaultWorkspace {
		what = fmt.Sprintf("state of workspace %q", e.Workspace)
	}
	who, op := e.Info.Who, e.Info.Operation
	if who == "" {
		who = "an unknown holder"
	}
	if op == "" {
		op = "unknown operation"
	}
	head := fmt.Sprintf("%s is locked by %s (%s, %s ago)", what, who, op, humanDuration(e.Age))
	if e.Info.ID == "" {
		return head + "; its lock object is unreadable: if that run is gone, delete it with mltf force-unlock"
	}
	if e.Stale {
		return fmt.Sprintf("%s; the lock is stale: it was not refreshed for %s, so that run is most likely gone: mltf force-unlock %s",
			head, humanDuration(e.Unrefreshed), e.Info.ID)
	}
	return fmt.Sprintf("%s; if that run is gone: mltf force-unlock %s", head, e.Info.ID)
}

// abandoned reports whether a lock was held by a process of this host
// that is gone.
func abandoned(info LockInfo) bool {
	host, _ := os.Hostname()
	if info.PID <= 0 || info.Host == "" || info.Host != host || info.PID == os.Getpid() {
		return false
	}
	return !processAlive(info.PID)
}

// humanDuration writes 12s, 4m, 2h5m, 3d.
func humanDuration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(max(d, 0)/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	case d < 48*time.Hour:
		h := int(d / time.Hour)
		if m := int(d%time.Hour) / int(time.Minute); m > 0 {
			return fmt.Sprintf("%dh%dm", h, m)
		}
		return fmt.Sprintf("%dh", h)
	default:
		return fmt.Sprintf("%dd", int(d/(24*time.Hour)))
	}
}

// Lock is a held lock on a workspace. It is refreshed in the background
// until Unlock.
type Lock struct {
	s    *Store
	ws   string
	info LockInfo

	stop    chan struct{}
	done    chan struct{}
	release func() // the session lock, on PostgreSQL

	mu       sync.Mutex
	lost     error
	released bool
}

// Lock takes the lock of ws for op, waiting up to timeout (with backoff)
// while another run holds it; then it returns a *LockedError naming the
// holder. A timeout of 0 tries once.
func (s *Store) Lock(ctx context.Context, ws string, op string, timeout time.Duration) (*Lock, error) {
	if err := CheckWorkspace(ws); err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	host, _ := os.Hostname()
	info := LockInfo{ID: newLockID(), Who: s.cfg.who, Operation: op, Created: now, Refreshed: now, Version: s.cfg.version, Host: host, PID: os.Getpid()}
	deadline := time.Now().Add(timeout)
	wait := 50 * time.Millisecond
	for {
		l, held, err := s.tryLock(ctx, ws, info)
		var bad *badLockError
		if l != nil || (err != nil && !errors.Is(err, ErrNotFound) && !errors.As(err, &bad)) {
			return l, err
		}
		if errors.Is(err, ErrNotFound) {
			if s.sessions == nil {
				continue // released in between: try again at once
			}
			// The holder's session took the lock but has not written
			// the lock object yet.
			held, err = LockInfo{ID: "", Who: "a run starting", Created: time.Now(), Refreshed: time.Now()}, nil
		}
		locked := s.lockedError(ws, held, err)
		if locked == nil {
			return nil, err
		}
		if err == nil && abandoned(held) {
			// The holder was a process on this host that no longer
			// exists (killed with SIGKILL, say): take the lock over.
			if s.ForceUnlock(ctx, ws, held.ID) == nil {
				continue
			}
		}
		left := time.Until(deadline)
		if left <= 0 {
			return nil, locked
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%w (stopped waiting: %v)", locked, ctx.Err())
		case <-time.After(min(wait, left)):
		}
		wait = min(wait*2, 2*time.Second)
		info.Created, info.Refreshed = time.Now().UTC(), time.Now().UTC()
	}
}

// tryLock takes the lock of ws once. It returns the lock, or what the
// lock object of the holder says (an error wrapping ErrNotFound when
// there is none to read).
func (s *Store) tryLock(ctx context.Context, ws string, info LockInfo) (*Lock, LockInfo, error) {
	var release func()
	if s.sessions != nil {
		rel, session, ok, err := s.sessions.try(ctx, ws)
		if err != nil {
			return nil, LockInfo{}, fmt.Errorf("cannot lock the state of workspace %q: %w", ws, err)
		}
		if !ok {
			held, err := s.readLock(ctx, ws)
			return nil, held, err
		}
		release, info.Session = rel, session
	}
	b, _ := json.Marshal(info)
	created, err := s.create(ctx, LockKey(ws), b)
	if err == nil && !created && release != nil {
		// This session holds the session lock, so the lock object is
		// one's whose session ended (a killed apply): replace it, unless
		// it is unreadable, which is left for force-unlock.
		held, rerr := s.readLock(ctx, ws)
		if rerr != nil {
			release()
			return nil, held, rerr
		}
		if err = s.bucket.Delete(ctx, LockKey(ws)); err == nil {
			created, err = s.create(ctx, LockKey(ws), b)
		}
	}
	if err != nil || !created {
		if release != nil {
			release()
		}
		if err != nil {
			return nil, LockInfo{}, fmt.Errorf("cannot lock the state of workspace %q: %w", ws, err)
		}
		held, err := s.readLock(ctx, ws)
		return nil, held, err
	}
	l := &Lock{s: s, ws: ws, info: info, stop: make(chan struct{}), done: make(chan struct{}), release: release}
	go l.refresh()
	return l, info, nil
}

// lockedError describes a held lock; an unreadable lock object (being
// created by a file system without hard links, or damaged) counts as held
// by an unknown holder.
func (s *Store) lockedError(ws string, info LockInfo, readErr error) *LockedError {
	var bad *badLockError
	if readErr != nil && !errors.As(readErr, &bad) {
		return nil
	}
	e := &LockedError{Workspace: ws, Info: info}
	if readErr != nil {
		e.Info = LockInfo{Created: bad.modTime, Refreshed: bad.modTime}
	}
	e.Age = time.Since(e.Info.Created)
	e.Unrefreshed = time.Since(e.Info.Refreshed)
	e.Stale = e.Unrefreshed > s.cfg.lockStale
	return e
}

type badLockError struct {
	err     error
	modTime time.Time
}

func (e *badLockError) Error() string { return e.err.Error() }

// readLock returns the lock of ws; the error wraps ErrNotFound when ws is
// not locked, and is a *badLockError when the lock object is unreadable.
func (s *Store) readLock(ctx context.Context, ws string) (LockInfo, error) {
	key := LockKey(ws)
	b, err := s.get(ctx, key)
	if err != nil {
		return LockInfo{}, err
	}
	var info LockInfo
	if err := json.Unmarshal(b, &info); err != nil || info.ID == "" {
		var mod time.Time
		if attrs, aerr := s.bucket.Attributes(ctx, key); aerr == nil {
			mod = attrs.ModTime
		}
		return LockInfo{}, &badLockError{err: fmt.Errorf("the lock object %s is unreadable", s.where(key)), modTime: mod}
	}
	return info, nil
}

// Info returns what the lock object holds.
func (l *Lock) Info() LockInfo {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.info
}

// Lost returns an error when the lock was removed or taken over while held
// (force-unlock by someone else), nil otherwise.
func (l *Lock) Lost() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lost
}

// refresh rewrites the lock object's Refreshed time every refresh interval
// while it is still ours. Object stores have no compare-and-swap besides
// IfNotExist, so a force-unlock racing with a refresh (a few milliseconds
// between the read and the write) can be undone by it; the next refresh of
// the new holder's lock is then skipped too, and the run that lost its lock
// stops refreshing.
func (l *Lock) refresh() {
	defer close(l.done)
	t := time.NewTicker(l.s.cfg.lockRefresh)
	defer t.Stop()
	ctx := context.Background()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
		}
		held, err := l.s.readLock(ctx, l.ws)
		switch {
		case errors.Is(err, ErrNotFound):
			l.setLost(fmt.Errorf("the lock of workspace %q was removed while this run held it (force-unlock?)", l.ws))
			return
		case err != nil:
			continue // storage trouble: try again at the next tick
		case held.ID != l.info.ID:
			l.setLost(fmt.Errorf("the lock of workspace %q was removed while this run held it, and is now held by %s (%s)", l.ws, held.Who, held.Operation))
			return
		}
		info := l.info
		info.Refreshed = time.Now().UTC()
		b, _ := json.Marshal(info)
		if err := l.s.put(ctx, LockKey(l.ws), b); err == nil {
			l.mu.Lock()
			l.info = info
			l.mu.Unlock()
		}
	}
}

func (l *Lock) setLost(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lost = err
}

// Unlock stops refreshing and removes the lock object, if it is still this
// lock's. Calling it again does nothing.
func (l *Lock) Unlock(ctx context.Context) error {
	l.mu.Lock()
	if l.released {
		l.mu.Unlock()
		return nil
	}
	l.released = true
	l.mu.Unlock()
	close(l.stop)
	<-l.done
	if l.release != nil {
		defer l.release()
	}
	if err := l.Lost(); err != nil {
		return err
	}
	held, err := l.s.readLock(ctx, l.ws)
	switch {
	case errors.Is(err, ErrNotFound):
		return fmt.Errorf("the lock of workspace %q was already removed (force-unlock?)", l.ws)
	case err != nil:
		return fmt.Errorf("cannot unlock workspace %q: %w", l.ws, err)
	case held.ID != l.info.ID:
		return fmt.Errorf("the lock of workspace %q was removed while this run held it, and is now held by %s (%s); it was left alone", l.ws, held.Who, held.Operation)
	}
	if err := l.s.bucket.Delete(ctx, LockKey(l.ws)); err != nil {
		return fmt.Errorf("cannot unlock workspace %q: %w", l.ws, err)
	}
	return nil
}

// ForceUnlock removes the lock of ws held by another run, given its ID as a
// LockedError names it. A wrong ID is refused with the right holder. An
// unreadable lock object is removed whatever the ID.
func (s *Store) ForceUnlock(ctx context.Context, ws, id string) error {
	if err := CheckWorkspace(ws); err != nil {
		return err
	}
	held, err := s.readLock(ctx, ws)
	var bad *badLockError
	switch {
	case errors.Is(err, ErrNotFound):
		return fmt.Errorf("the state of workspace %q is not locked: %w", ws, ErrNotFound)
	case errors.As(err, &bad):
		// Nothing to compare the ID with.
	case err != nil:
		return err
	case held.ID != id:
		return fmt.Errorf("lock ID %q does not match the lock of workspace %q: it is held by %s (%s, %s ago) with ID %s; "+
			"check that that run is gone, then: mltf force-unlock %s",
			id, ws, held.Who, held.Operation, humanDuration(time.Since(held.Created)), held.ID, held.ID)
	}
	if err := s.bucket.Delete(ctx, LockKey(ws)); err != nil {
		return fmt.Errorf("cannot unlock workspace %q: %w", ws, err)
	}
	if s.sessions != nil && held.Session != 0 {
		// A holder that is alive but stuck still holds the session lock:
		// its session is ended, so that the next run can lock.
		if err := s.sessions.terminate(ctx, ws, held.Session); err != nil {
			return fmt.Errorf("removed the lock of workspace %q, but could not end the session %d that held it: %w", ws, held.Session, err)
		}
	}
	return nil
}

// LockStatus returns the lock of ws as a *LockedError, or nil when ws is
// not locked.
func (s *Store) LockStatus(ctx context.Context, ws string) (*LockedError, error) {
	if err := CheckWorkspace(ws); err != nil {
		return nil, err
	}
	info, err := s.readLock(ctx, ws)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if e := s.lockedError(ws, info, err); e != nil {
		return e, nil
	}
	return nil, err
}

func newLockID() string {
	var b [6]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
