package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/mltf/mltf/state/encryption"
)

// Encryption encrypts the state objects a store writes (versions and
// journal objects; locks stay readable, they hold no values) and decrypts
// what it reads. *encryption.Target is one.
type Encryption interface {
	Encrypt(ctx context.Context, plain []byte) ([]byte, error)
	// Decrypt returns the plain text of data; current is false when data
	// was not written with the configured method (read through the
	// fallback), so that it should be written again.
	Decrypt(ctx context.Context, data []byte) (plain []byte, current bool, err error)
}

var _ Encryption = (*encryption.Target)(nil)

// WithEncryption encrypts what the store writes with enc. When a Write
// finds that the stored state was read through enc's fallback (the key was
// rotated), it writes every history version again under the new key.
func WithEncryption(enc Encryption) Option {
	return func(c *config) { c.enc = enc }
}

// seal encrypts an object about to be written.
func (s *Store) seal(ctx context.Context, b []byte) ([]byte, error) {
	if s.cfg.enc == nil {
		return b, nil
	}
	return s.cfg.enc.Encrypt(ctx, b)
}

// unseal decrypts an object read from key; current is false when it should
// be written again under the configured key.
func (s *Store) unseal(ctx context.Context, b []byte, key string) (plain []byte, current bool, err error) {
	if s.cfg.enc == nil {
		if encryption.IsEncrypted(b) {
			return nil, false, fmt.Errorf("%s is encrypted, and the configuration has no encryption block with a state block to read it: restore the encryption block that wrote it", s.where(key))
		}
		return b, true, nil
	}
	plain, current, err = s.cfg.enc.Decrypt(ctx, b)
	if err != nil {
		return nil, false, fmt.Errorf("cannot decrypt %s: %w", s.where(key), err)
	}
	return plain, current, nil
}

// Reencrypt writes the state of ws and its history again under the
// configured key where they were written with the fallback's (the key was
// rotated), so that the old key can be dropped. The content and serials do
// not change. The caller holds the lock of ws. It returns how many objects
// it wrote.
func (s *Store) Reencrypt(ctx context.Context, ws string) (int, error) {
	if err := CheckWorkspace(ws); err != nil {
		return 0, err
	}
	if s.cfg.enc == nil {
		return 0, nil
	}
	// The current object is written last: when it is under the key, so is
	// the history.
	b, err := s.get(ctx, StateKey(ws))
	if errors.Is(err, ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if _, current, err := s.unseal(ctx, b, StateKey(ws)); err != nil || current {
		return 0, err
	}
	return s.reencrypt(ctx, ws)
}

// reencrypt writes again under the configured key every version of ws
// (the history, then the current object) read through the fallback.
func (s *Store) reencrypt(ctx context.Context, ws string) (int, error) {
	objs, err := s.keys(ctx, historyPrefix(ws))
	if err != nil {
		return 0, err
	}
	var keys []string
	for _, obj := range objs {
		if _, ok := numberedKey(obj.Key, historyPrefix(ws)); ok {
			keys = append(keys, obj.Key)
		}
	}
	n := 0
	for _, key := range append(keys, StateKey(ws)) {
		b, err := s.get(ctx, key)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return n, err
		}
		plain, current, err := s.unseal(ctx, b, key)
		if err != nil {
			return n, err
		}
		if current {
			continue
		}
		sealed, err := s.seal(ctx, plain)
		if err != nil {
			return n, err
		}
		if err := s.put(ctx, key, sealed); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// unsealJournal decrypts a journal object; torn is true when it does not
// decode at all (a write cut short), which replay skips.
func (s *Store) unsealJournal(ctx context.Context, b []byte, key string) (plain []byte, torn bool, err error) {
	plain, _, err = s.unseal(ctx, b, key)
	if err != nil && !json.Valid(b) {
		return nil, true, nil
	}
	return plain, false, err
}
