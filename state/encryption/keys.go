package encryption

import (
	"context"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"sync"

	"gocloud.dev/secrets"
)

// keyProvider gives the key a method encrypts with, and the metadata
// stored beside the data to find that key again.
type keyProvider interface {
	addr() string
	// encryptionKey returns the key to write with and its metadata. It is
	// made once per process: a passphrase is stretched, or a data key
	// wrapped by a KMS, once.
	encryptionKey(ctx context.Context) (key []byte, meta json.RawMessage, err error)
	// decryptionKey returns the key meta names.
	decryptionKey(ctx context.Context, meta json.RawMessage) ([]byte, error)
}

// pbkdf2Provider stretches a passphrase with a random salt.
type pbkdf2Provider struct {
	cfg *KeyProviderConfig

	once    sync.Once
	key     []byte
	meta    json.RawMessage
	err     error
	derived sync.Map // meta string -> []byte
}

type pbkdf2Meta struct {
	Salt         []byte `json:"salt"`
	Iterations   int    `json:"iterations"`
	HashFunction string `json:"hash_function"`
	KeyLength    int    `json:"key_length"`
}

func (p *pbkdf2Provider) addr() string { return p.cfg.Addr() }

func (p *pbkdf2Provider) encryptionKey(context.Context) ([]byte, json.RawMessage, error) {
	p.once.Do(func() {
		m := pbkdf2Meta{Salt: make([]byte, p.cfg.SaltLength), Iterations: p.cfg.Iterations, HashFunction: p.cfg.HashFunction, KeyLength: p.cfg.KeyLength}
		rand.Read(m.Salt)
		p.meta, _ = json.Marshal(m)
		p.key, p.err = p.derive(m)
		if p.err == nil {
			p.derived.Store(string(p.meta), p.key)
		}
	})
	return p.key, p.meta, p.err
}

func (p *pbkdf2Provider) decryptionKey(_ context.Context, meta json.RawMessage) ([]byte, error) {
	if k, ok := p.derived.Load(string(meta)); ok {
		return k.([]byte), nil
	}
	var m pbkdf2Meta
	if err := json.Unmarshal(meta, &m); err != nil || len(m.Salt) == 0 {
		return nil, fmt.Errorf("the %s metadata is damaged", p.addr())
	}
	if m.Iterations < 1 || m.Iterations > 100_000_000 || (m.KeyLength != 16 && m.KeyLength != 24 && m.KeyLength != 32) {
		return nil, fmt.Errorf("the %s metadata names %d iterations and a %d-byte key, which mltf never writes", p.addr(), m.Iterations, m.KeyLength)
	}
	k, err := p.derive(m)
	if err != nil {
		return nil, err
	}
	p.derived.Store(string(meta), k)
	// Writing with the key just read, when its parameters are the
	// configured ones, saves a second derivation (a good part of a second
	// at 600,000 iterations) in every process that reads then writes.
	if m.Iterations == p.cfg.Iterations && m.HashFunction == p.cfg.HashFunction && m.KeyLength == p.cfg.KeyLength && len(m.Salt) == p.cfg.SaltLength {
		p.once.Do(func() { p.key, p.meta = k, meta })
	}
	return k, nil
}

func (p *pbkdf2Provider) derive(m pbkdf2Meta) ([]byte, error) {
	var h func() hash.Hash
	switch m.HashFunction {
	case "sha256":
		h = sha256.New
	case "sha512":
		h = sha512.New
	default:
		return nil, fmt.Errorf("%s: unknown hash function %q", p.addr(), m.HashFunction)
	}
	return pbkdf2.Key(h, p.cfg.Passphrase, m.Salt, m.Iterations, m.KeyLength)
}

// keeperProvider makes a random data key and stores it wrapped by a
// gocloud.dev/secrets keeper (a KMS key, a Vault transit key, or a local
// base64key://).
type keeperProvider struct {
	cfg *KeyProviderConfig

	openOnce sync.Once
	keeper   *secrets.Keeper
	openErr  error

	once      sync.Once
	key       []byte
	meta      json.RawMessage
	err       error
	unwrapped sync.Map // meta string -> []byte
}

type keeperMeta struct {
	WrappedKey []byte `json:"wrapped_key"`
}

func (p *keeperProvider) addr() string { return p.cfg.Addr() }

func (p *keeperProvider) open(ctx context.Context) (*secrets.Keeper, error) {
	p.openOnce.Do(func() {
		p.keeper, p.openErr = secrets.OpenKeeper(ctx, p.cfg.URL)
		if p.openErr != nil {
			p.openErr = fmt.Errorf("%s: cannot open the keeper %s: %w; keeper URLs are base64key://, awskms://, gcpkms://, azurekeyvault:// and hashivault://", p.addr(), p.cfg.URL, p.openErr)
		}
	})
	return p.keeper, p.openErr
}

func (p *keeperProvider) encryptionKey(ctx context.Context) ([]byte, json.RawMessage, error) {
	p.once.Do(func() {
		k, err := p.open(ctx)
		if err != nil {
			p.err = err
			return
		}
		key := make([]byte, 32)
		rand.Read(key)
		wrapped, err := k.Encrypt(ctx, key)
		if err != nil {
			p.err = fmt.Errorf("%s: cannot wrap a data key with %s: %w", p.addr(), p.cfg.URL, err)
			return
		}
		p.key = key
		p.meta, _ = json.Marshal(keeperMeta{WrappedKey: wrapped})
		p.unwrapped.Store(string(p.meta), key)
	})
	return p.key, p.meta, p.err
}

func (p *keeperProvider) decryptionKey(ctx context.Context, meta json.RawMessage) ([]byte, error) {
	if k, ok := p.unwrapped.Load(string(meta)); ok {
		return k.([]byte), nil
	}
	var m keeperMeta
	if err := json.Unmarshal(meta, &m); err != nil || len(m.WrappedKey) == 0 {
		return nil, fmt.Errorf("the %s metadata is damaged", p.addr())
	}
	k, err := p.open(ctx)
	if err != nil {
		return nil, err
	}
	key, err := k.Decrypt(ctx, m.WrappedKey)
	if err != nil {
		return nil, fmt.Errorf("%s: %s cannot unwrap the data key: %w", p.addr(), p.cfg.URL, errWrongKey)
	}
	p.unwrapped.Store(string(meta), key)
	return key, nil
}

func (p *keeperProvider) close() error {
	if p.keeper != nil {
		return p.keeper.Close()
	}
	return nil
}

// errWrongKey is wrapped by errors about a key that does not open data.
var errWrongKey = errors.New("wrong key")

func randRead(b []byte) { rand.Read(b) }
