package encryption

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
)

// envelopeVersion is the version of the envelope this package writes.
const envelopeVersion = 1

// envelope is the JSON form of an encrypted object.
type envelope struct {
	Version     int             `json:"mltf_encryption"`
	Target      string          `json:"target"`       // "state" or "plan"
	Method      string          `json:"method"`       // "method.aes_gcm.NAME"
	KeyProvider string          `json:"key_provider"` // "key_provider.pbkdf2.NAME"
	Meta        json.RawMessage `json:"meta"`         // the key provider's
	Data        []byte          `json:"encrypted_data"`
}

// IsEncrypted reports whether data is an encrypted object.
func IsEncrypted(data []byte) bool {
	return bytes.Contains(data[:min(len(data), 64)], []byte(`"mltf_encryption"`))
}

// method is a configured method: aes_gcm with its key provider, or
// unencrypted (keys nil).
type method struct {
	addr string
	keys keyProvider
}

// Target encrypts and decrypts the objects of one target (state or plan).
type Target struct {
	name     string
	primary  method
	fallback *method
	enforced bool
	closers  []func() error
}

// Target returns what encrypts the target name ("state" or "plan"), nil
// when the block does not configure it (c may be nil).
func (c *Config) Target(name string) *Target {
	if c == nil {
		return nil
	}
	tc := c.State
	if name == targetPlan {
		tc = c.Plan
	}
	if tc == nil {
		return nil
	}
	t := &Target{name: name, enforced: tc.Enforced}
	providers := map[string]keyProvider{}
	mk := func(ref string) method {
		mc := c.Methods[ref]
		m := method{addr: mc.Addr()}
		if mc.Type != methodAESGCM {
			return m
		}
		kp, ok := providers[mc.Keys]
		if !ok {
			kc := c.KeyProviders[mc.Keys]
			switch kc.Type {
			case keyProviderPBKDF2:
				kp = &pbkdf2Provider{cfg: kc}
			case keyProviderKeeper:
				k := &keeperProvider{cfg: kc}
				t.closers = append(t.closers, k.close)
				kp = k
			}
			providers[mc.Keys] = kp
		}
		m.keys = kp
		return m
	}
	t.primary = mk(tc.Method)
	if tc.Fallback != "" {
		fb := mk(tc.Fallback)
		t.fallback = &fb
	}
	return t
}

// Close releases the keepers the target opened.
func (t *Target) Close() error {
	if t == nil {
		return nil
	}
	var errs []error
	for _, c := range t.closers {
		errs = append(errs, c())
	}
	return errors.Join(errs...)
}

// Encrypt returns plain encrypted with the target's method (plain itself
// when the method is unencrypted).
func (t *Target) Encrypt(ctx context.Context, plain []byte) ([]byte, error) {
	m := t.primary
	if m.keys == nil {
		return plain, nil
	}
	key, meta, err := m.keys.encryptionKey(ctx)
	if err != nil {
		return nil, fmt.Errorf("cannot encrypt the %s: %w", t.name, err)
	}
	gcm, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	env := envelope{Version: envelopeVersion, Target: t.name, Method: m.addr, KeyProvider: m.keys.addr(), Meta: meta}
	nonce := make([]byte, gcm.NonceSize(), gcm.NonceSize()+len(plain)+gcm.Overhead())
	randRead(nonce)
	env.Data = gcm.Seal(nonce, nonce, plain, env.aad())
	return json.Marshal(env)
}

// dataField is how json.Marshal ends an envelope: the data last, in
// base64, which holds no quote.
const dataField = `,"encrypted_data":"`

// parseEnvelope reads an envelope. The data, nearly all of it, is decoded
// straight from base64 when the envelope ends as Encrypt writes it,
// instead of through encoding/json, whose scanning and unquoting of a
// large string cost more than the decryption itself; any other layout
// goes through encoding/json. Either way the header is authenticated with
// the data (aad), so a misread header fails to decrypt.
func parseEnvelope(data []byte) (*envelope, error) {
	var env envelope
	// The opening quote of the data is the last quote before the closing
	// one (bytes.LastIndex would search the whole data slowly).
	q := -1
	if bytes.HasSuffix(data, []byte(`"}`)) {
		q = bytes.LastIndexByte(data[:len(data)-2], '"')
	}
	if i := q + 1 - len(dataField); i > 0 && bytes.Equal(data[i:q+1], []byte(dataField)) {
		b64 := data[q+1 : len(data)-2]
		raw := make([]byte, base64.StdEncoding.DecodedLen(len(b64)))
		n, err := base64.StdEncoding.Decode(raw, b64)
		header := append(data[:i:i], '}')
		if err == nil && json.Unmarshal(header, &env) == nil && env.Data == nil {
			env.Data = raw[:n]
			return &env, nil
		}
		env = envelope{}
	}
	if err := json.Unmarshal(data, &env); err != nil {
		return nil, err
	}
	return &env, nil
}

// aad binds the envelope's header to the data: an object of one target,
// method or key provider cannot pass for another's.
func (e *envelope) aad() []byte {
	return fmt.Appendf(nil, "mltf_encryption=%d target=%s method=%s key_provider=%s", e.Version, e.Target, e.Method, e.KeyProvider)
}

// Decrypt returns the plain text of data, read with the method that wrote
// it: the target's method, or its fallback. current is false when the
// data should be written again to be under the target's method (it was
// read through the fallback).
func (t *Target) Decrypt(ctx context.Context, data []byte) (plain []byte, current bool, err error) {
	if !IsEncrypted(data) {
		switch {
		case t.primary.keys == nil:
			return data, true, nil
		case t.fallback != nil && t.fallback.keys == nil:
			return data, false, nil
		}
		return nil, false, fmt.Errorf("it is not encrypted, but the encryption block's %s method is %s; to encrypt an existing %s, add fallback { method = method.unencrypted.NAME } with a method \"unencrypted\" \"NAME\" {} block for the next apply", t.name, t.primary.addr, t.name)
	}
	env, err := parseEnvelope(data)
	if err != nil {
		return nil, false, fmt.Errorf("its encryption envelope is damaged: %v", err)
	}
	if env.Version != envelopeVersion {
		return nil, false, fmt.Errorf("it was encrypted by a newer mltf (envelope version %d); upgrade mltf", env.Version)
	}
	if env.Target != t.name {
		return nil, false, fmt.Errorf("it is an encrypted %s, not a %s", env.Target, t.name)
	}
	candidates := []*method{&t.primary}
	if t.fallback != nil {
		candidates = append(candidates, t.fallback)
	}
	var errs []error
	tried := false
	for _, m := range candidates {
		if m.keys == nil || m.addr != env.Method || m.keys.addr() != env.KeyProvider {
			continue
		}
		tried = true
		plain, err := open(ctx, m, env)
		if err == nil {
			return plain, m == &t.primary, nil
		}
		errs = append(errs, err)
	}
	if !tried {
		return nil, false, fmt.Errorf("it was encrypted with %s (%s), which the encryption block's %s block does not use; to read it, set %s as the method or the fallback of the %s block",
			env.Method, env.KeyProvider, t.name, env.Method, t.name)
	}
	return nil, false, errors.Join(errs...)
}

func open(ctx context.Context, m *method, env *envelope) ([]byte, error) {
	key, err := m.keys.decryptionKey(ctx, env.Meta)
	if err != nil {
		return nil, err
	}
	gcm, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	if len(env.Data) < gcm.NonceSize() {
		return nil, errors.New("the encrypted data is truncated")
	}
	plain, err := gcm.Open(nil, env.Data[:gcm.NonceSize()], env.Data[gcm.NonceSize():], env.aad())
	if err != nil {
		return nil, fmt.Errorf("%s does not decrypt it: %w: the key of %s is not the one it was written with (a changed passphrase or key?), or the data was altered", env.Method, errWrongKey, env.KeyProvider)
	}
	return plain, nil
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}
