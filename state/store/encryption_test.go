package store_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/state"
	"github.com/mltf/mltf/state/encryption"
	"github.com/mltf/mltf/state/store"
)

const secret = "s3cr3t-api-key-42"

// stateEncryption returns the state target of an encryption block.
func stateEncryption(t testing.TB, src string) *encryption.Target {
	t.Helper()
	f, diags := hclparse.NewParser().ParseHCL([]byte(src), "main.mltf.hcl")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	cfg, diags := encryption.Decode(f.Body, f.Body.MissingItemRange(), map[string]cty.Value{
		"old": cty.StringVal("the old passphrase, long enough"),
		"new": cty.StringVal("the new passphrase, long enough"),
	})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return cfg.Target("state")
}

const (
	oldKey = `
key_provider "pbkdf2" "old" {
  passphrase = var.old
  iterations = 200000
}
method "aes_gcm" "old" { keys = key_provider.pbkdf2.old }
`
	newKey = `
key_provider "pbkdf2" "new" {
  passphrase = var.new
  iterations = 200000
}
method "aes_gcm" "new" { keys = key_provider.pbkdf2.new }
`
)

// withSecret returns a state whose instance holds the secret.
func withSecret(st *state.State, addr string) *state.State {
	attrs, _ := json.Marshal(map[string]string{"id": addr, "token": secret})
	kind, name, _ := strings.Cut(addr, ".")
	st.SetInstance(addr, kind, name, "local", "", &state.Instance{Status: state.Ready, Attributes: attrs})
	return st
}

// objects returns every object of the store's bucket by key.
func objects(t *testing.T, s *store.Store) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	it := s.Bucket().List(nil)
	for {
		obj, err := it.Next(context.Background())
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := s.Bucket().ReadAll(context.Background(), obj.Key)
		if err != nil {
			t.Fatal(err)
		}
		out[obj.Key] = b
	}
}

// TestEncryptedStoreHoldsNoSecret writes versions and a journal with a
// secret in them, and greps every object of the store for it.
func TestEncryptedStoreHoldsNoSecret(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	enc := stateEncryption(t, oldKey+`state { method = method.aes_gcm.old }`)
	s, err := store.Open(ctx, "file://state", dir, store.WithEncryption(enc))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	st := withSecret(state.New(), "training.a")
	for range 3 {
		if err := s.Write(ctx, "default", st); err != nil {
			t.Fatal(err)
		}
	}
	lock, err := s.Lock(ctx, "default", "apply", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Unlock(ctx)
	base, err := s.Read(ctx, "default")
	if err != nil {
		t.Fatal(err)
	}
	j, err := s.Journal(ctx, "default", base)
	if err != nil {
		t.Fatal(err)
	}
	withSecret(base, "training.b")
	j.Record("training.b", "training", "b", "local", "", base.Instance("training.b", ""))
	if err := j.Close(ctx); err != nil {
		t.Fatal(err)
	}
	objs := objects(t, s)
	kinds := map[string]bool{}
	for key, b := range objs {
		for _, kind := range []string{"state.json", "history/", "journal/", "lock.json"} {
			if strings.Contains(key, kind) {
				kinds[kind] = true
			}
		}
		if bytes.Contains(b, []byte(secret)) || bytes.Contains(b, []byte("training.b")) {
			t.Errorf("%s holds plain text: %s", key, b)
		}
	}
	if len(kinds) != 4 {
		t.Fatalf("the store holds %v; want a state, history, a journal and a lock to grep", kinds)
	}

	// Read back through the journal.
	got, err := s.Read(ctx, "default")
	if err != nil {
		t.Fatal(err)
	}
	if inst := got.Instance("training.b", ""); inst == nil || !bytes.Contains(inst.Attributes, []byte(secret)) {
		t.Errorf("the journal's instance did not come back: %v", inst)
	}

	// Without the encryption block, reading says what is missing.
	plain, err := store.Open(ctx, "file://state", dir)
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	_, err = plain.Read(ctx, "default")
	if err == nil || !strings.Contains(err.Error(), "is encrypted, and the configuration has no encryption block with a state block to read it") {
		t.Errorf("Read without encryption = %v", err)
	}
}

// TestKeyRotation changes the key with the old one as the fallback: the
// next write puts the state and all of its history under the new key, and
// the old key can go.
func TestKeyRotation(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	open := func(enc *encryption.Target) *store.Store {
		s, err := store.Open(ctx, "file://state", dir, store.WithEncryption(enc))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	before := open(stateEncryption(t, oldKey+`state { method = method.aes_gcm.old }`))
	st := withSecret(state.New(), "training.a")
	for range 3 {
		if err := before.Write(ctx, "default", st); err != nil {
			t.Fatal(err)
		}
	}

	rotating := open(stateEncryption(t, oldKey+newKey+`state {
  method = method.aes_gcm.new
  fallback { method = method.aes_gcm.old }
}`))
	st, err := rotating.Read(ctx, "default")
	if err != nil {
		t.Fatal(err)
	}
	if err := rotating.Write(ctx, "default", st); err != nil {
		t.Fatal(err)
	}
	for key, b := range objects(t, rotating) {
		if !strings.Contains(string(b), `"method":"method.aes_gcm.new"`) {
			t.Errorf("%s is not under the new key after the rotation: %.120s", key, b)
		}
	}

	after := open(stateEncryption(t, newKey+`state { method = method.aes_gcm.new }`))
	for serial := uint64(1); serial <= 4; serial++ {
		if _, err := after.ReadVersion(ctx, "default", serial); err != nil {
			t.Errorf("version %d with the new key only: %v", serial, err)
		}
	}
}

// TestEncryptExistingState migrates a plain state in with the unencrypted
// fallback.
func TestEncryptExistingState(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	plain, err := store.Open(ctx, "file://state", dir)
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	if err := plain.Write(ctx, "default", withSecret(state.New(), "training.a")); err != nil {
		t.Fatal(err)
	}
	strict, err := store.Open(ctx, "file://state", dir, store.WithEncryption(stateEncryption(t, oldKey+`state { method = method.aes_gcm.old }`)))
	if err != nil {
		t.Fatal(err)
	}
	defer strict.Close()
	if _, err := strict.Read(ctx, "default"); err == nil || !strings.Contains(err.Error(), "add fallback { method = method.unencrypted.NAME }") {
		t.Errorf("reading a plain state without the unencrypted fallback = %v", err)
	}
	migrating, err := store.Open(ctx, "file://state", dir, store.WithEncryption(stateEncryption(t, oldKey+`
method "unencrypted" "migrate" {}
state {
  method = method.aes_gcm.old
  fallback { method = method.unencrypted.migrate }
}`)))
	if err != nil {
		t.Fatal(err)
	}
	defer migrating.Close()
	st, err := migrating.Read(ctx, "default")
	if err != nil {
		t.Fatal(err)
	}
	if err := migrating.Write(ctx, "default", st); err != nil {
		t.Fatal(err)
	}
	for key, b := range objects(t, migrating) {
		if bytes.Contains(b, []byte(secret)) {
			t.Errorf("%s still holds the secret in plain text after the migration", key)
		}
	}
}
