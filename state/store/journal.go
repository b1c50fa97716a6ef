package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/mltf/mltf/state"
)

// Journal records instance changes as an apply finishes them, so that a
// killed apply loses none: Read replays them onto the stored state until
// the next Write supersedes them.
//
// Records are grouped: a background writer writes everything recorded since
// its previous write as one new object, so each record is written once
// (O(N) bytes for N records) and is durable a few milliseconds after
// Record returns, or as soon as the write in flight ends.
type Journal struct {
	s       *Store
	ws      string
	base    uint64
	lineage string

	wake chan struct{} // capacity 1: a write is wanted
	stop chan struct{}
	done chan struct{}

	mu       sync.Mutex
	pending  []journalRecord
	recorded uint64        // records accepted by Record
	durable  uint64        // records written
	failures uint64        // failed writes
	writeErr error         // error of the latest failed write
	refused  error         // the first record refused, reported until Close
	progress chan struct{} // closed and replaced after every write attempt
	closed   bool
	nextSeq  uint64
	stats    JournalStats
}

// JournalStats counts what a journal wrote.
type JournalStats struct {
	Records uint64 // records written
	Objects uint64 // journal objects written
	Bytes   uint64 // bytes written
}

// Journal starts a journal on base, the state Read returned for ws (its
// serial must still be the stored one). The caller holds the lock of ws.
func (s *Store) Journal(ctx context.Context, ws string, base *state.State) (*Journal, error) {
	if err := CheckWorkspace(ws); err != nil {
		return nil, err
	}
	if base == nil || base.Lineage == "" {
		return nil, errors.New("a journal needs the state it starts from, as Read returned it")
	}
	cur, _, err := s.readCurrent(ctx, ws)
	if err != nil {
		return nil, err
	}
	if cur != nil && (cur.Serial != base.Serial || cur.Lineage != base.Lineage) {
		return nil, fmt.Errorf("cannot journal on serial %d of workspace %q: the stored state is at serial %d (lineage %s); read the state again under the lock",
			base.Serial, ws, cur.Serial, cur.Lineage)
	}
	if cur == nil && base.Serial != 0 {
		return nil, fmt.Errorf("cannot journal on serial %d of workspace %q: the workspace has no state yet; read the state again under the lock", base.Serial, ws)
	}
	seqs, err := s.journalObjects(ctx, ws, base.Serial)
	if err != nil {
		return nil, err
	}
	j := &Journal{
		s: s, ws: ws, base: base.Serial, lineage: base.Lineage,
		wake:     make(chan struct{}, 1),
		stop:     make(chan struct{}),
		done:     make(chan struct{}),
		progress: make(chan struct{}),
		nextSeq:  1,
	}
	if len(seqs) > 0 {
		j.nextSeq = seqs[len(seqs)-1] + 1 // after what an earlier, interrupted apply recorded
	}
	go j.write(context.WithoutCancel(ctx))
	return j, nil
}

func (j *Journal) lock()   { j.mu.Lock() }
func (j *Journal) unlock() { j.mu.Unlock() }

// Record records the instance key of resource resAddr as inst (a copy is
// kept); a nil inst records its removal. It never blocks on storage. After
// Close it does nothing.
func (j *Journal) Record(resAddr, kind, name, provider, key string, inst *state.Instance) {
	r := journalRecord{Address: resAddr, Kind: kind, Name: name, Provider: provider, IndexKey: key}
	if inst != nil {
		r.Instance = toJournal(inst)
	}
	err := r.check()
	if err == nil && inst != nil && len(inst.Attributes) > 0 && !json.Valid(inst.Attributes) {
		err = errors.New("its attributes are not valid JSON")
	}
	j.lock()
	defer j.unlock()
	if j.closed {
		return
	}
	if err != nil {
		if j.refused == nil {
			j.refused = fmt.Errorf("journal: cannot record %s: %w", state.InstanceAddr(resAddr, key), err)
		}
		return
	}
	j.pending = append(j.pending, r)
	j.recorded++
	select {
	case j.wake <- struct{}{}:
	default:
	}
}

// Flush waits until everything recorded so far is durable. It returns the
// error of a write that failed meanwhile (the writer keeps retrying), or of
// a record that was refused (invalid, so never written).
func (j *Journal) Flush(ctx context.Context) error {
	j.lock()
	target, failures := j.recorded, j.failures
	j.unlock()
	for {
		j.lock()
		durable, progress, refused := j.durable, j.progress, j.refused
		var err error
		if j.failures > failures {
			err = j.writeErr
		}
		j.unlock()
		if durable >= target {
			return refused
		}
		if err != nil {
			return err
		}
		select {
		case <-progress:
		case <-ctx.Done():
			return fmt.Errorf("journal: %d records not yet written: %w", target-durable, ctx.Err())
		}
	}
}

// Close flushes and stops the writer. The journal objects stay until the
// next Write of the workspace supersedes them.
func (j *Journal) Close(ctx context.Context) error {
	err := j.Flush(ctx)
	j.lock()
	if !j.closed {
		j.closed = true
		close(j.stop)
	}
	j.unlock()
	<-j.done
	return err
}

// Stats returns what the journal wrote so far.
func (j *Journal) Stats() JournalStats {
	j.lock()
	defer j.unlock()
	return j.stats
}

// write is the background writer: one object per wake-up, holding every
// record pending then, the last record of each instance only.
func (j *Journal) write(ctx context.Context) {
	defer close(j.done)
	backoff := 10 * time.Millisecond
	for {
		select {
		case <-j.wake:
		case <-j.stop:
			return
		}
		j.lock()
		batch, upto := j.pending, j.recorded
		j.pending = nil
		j.unlock()
		if len(batch) == 0 {
			continue
		}
		n, err := j.writeBatch(ctx, dedupe(batch))
		j.lock()
		if err == nil {
			j.durable = upto
			j.stats.Records += uint64(len(batch))
			j.stats.Objects++
			j.stats.Bytes += uint64(n)
			backoff = 10 * time.Millisecond
		} else {
			j.pending = append(batch, j.pending...)
			j.failures++
			j.writeErr = fmt.Errorf("journal: %w", err)
		}
		close(j.progress)
		j.progress = make(chan struct{})
		j.unlock()
		if err != nil {
			select {
			case <-time.After(backoff):
			case <-j.stop:
				return
			}
			backoff = min(backoff*2, 5*time.Second)
			select {
			case j.wake <- struct{}{}:
			default:
			}
		}
	}
}

func (j *Journal) writeBatch(ctx context.Context, batch []journalRecord) (int, error) {
	for {
		obj := journalObject{FormatVersion: journalFormat, Lineage: j.lineage, BaseSerial: j.base, Seq: j.nextSeq, Records: batch}
		b, err := encodeJournal(&obj)
		if err == nil {
			b, err = j.s.seal(ctx, b)
		}
		if err != nil {
			return 0, err
		}
		created, err := j.s.create(ctx, JournalKey(j.ws, j.base, j.nextSeq), b)
		if err != nil {
			return 0, err
		}
		j.nextSeq++
		if created {
			return len(b), nil
		}
		// Another journal on the same serial took this sequence number
		// (two applies without a lock): take the next one.
	}
}

// dedupe keeps the last record of each instance, in recording order.
func dedupe(batch []journalRecord) []journalRecord {
	type id struct{ addr, key string }
	last := make(map[id]int, len(batch))
	for i, r := range batch {
		last[id{r.Address, r.IndexKey}] = i
	}
	if len(last) == len(batch) {
		return batch
	}
	out := make([]journalRecord, 0, len(last))
	for i, r := range batch {
		if last[id{r.Address, r.IndexKey}] == i {
			out = append(out, r)
		}
	}
	return out
}
