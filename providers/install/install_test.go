package install

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// mirrorWith makes a mirror directory holding a fake binary for every
// "NAME/VERSION/OS_ARCH" given; its content names it.
func mirrorWith(t *testing.T, entries ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, e := range entries {
		parts := strings.Split(e, "/")
		p := filepath.Join(dir, e, BinaryName(parts[0]))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("binary "+e), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func sumOf(s string) string {
	h := sha256.Sum256([]byte(s))
	return "sha256:" + hex.EncodeToString(h[:])
}

func TestInstallPicksNewestMatching(t *testing.T) {
	pl := Platform()
	mirror := mirrorWith(t, "ex/1.0.0/"+pl, "ex/1.2.0/"+pl, "ex/1.5.0/"+pl, "ex/1.6.0/other_os", "ex/2.0.0/"+pl, "ex/1.5.0/darwin_arm64")
	tests := []struct {
		name       string
		constraint string
		want       LockedProvider
	}{
		{"range", ">= 1.2, < 2.0", LockedProvider{Name: "ex", Version: "1.5.0", Checksums: sorted(sumOf("binary ex/1.5.0/"+pl), sumOf("binary ex/1.5.0/darwin_arm64"))}},
		{"pessimistic", "~> 1.0.0", LockedProvider{Name: "ex", Version: "1.0.0", Checksums: []string{sumOf("binary ex/1.0.0/" + pl)}}},
		{"any", "", LockedProvider{Name: "ex", Version: "2.0.0", Checksums: []string{sumOf("binary ex/2.0.0/" + pl)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			work := t.TempDir()
			lockPath := filepath.Join(work, LockFile)
			lock, err := Install(context.Background(), []Requirement{{Name: "ex", Constraint: tt.constraint}}, mirror, lockPath, false)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, lock.Providers["ex"]); diff != "" {
				t.Errorf("lock (-want +got):\n%s", diff)
			}
			read, err := ReadLock(lockPath)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(lock, read); diff != "" {
				t.Errorf("lock file round trip (-want +got):\n%s", diff)
			}
			path, sum, err := Locate(work, read, "ex")
			if err != nil {
				t.Fatal(err)
			}
			if want := InstalledPath(work, "ex", tt.want.Version); path != want {
				t.Errorf("Locate: %s, want %s", path, want)
			}
			if sum != sumOf("binary ex/"+tt.want.Version+"/"+pl) {
				t.Errorf("Locate: sum %s", sum)
			}
			if fi, err := os.Stat(path); err != nil || fi.Mode()&0o100 == 0 {
				t.Errorf("installed binary is not executable: %v", err)
			}
		})
	}
}

func sorted(s ...string) []string {
	if s[0] > s[1] {
		s[0], s[1] = s[1], s[0]
	}
	return s
}

func TestLockPinsUntilUpgrade(t *testing.T) {
	pl := Platform()
	mirror := mirrorWith(t, "ex/1.2.0/"+pl, "ex/1.5.0/"+pl)
	work := t.TempDir()
	lockPath := filepath.Join(work, LockFile)
	ctx := context.Background()
	install := func(constraint string, upgrade bool) (Lock, error) {
		return Install(ctx, []Requirement{{Name: "ex", Constraint: constraint}}, mirror, lockPath, upgrade)
	}
	if _, err := install("1.2.0", false); err != nil {
		t.Fatal(err)
	}
	lock, err := install(">= 1.0", false)
	if err != nil {
		t.Fatal(err)
	}
	if v := lock.Providers["ex"].Version; v != "1.2.0" {
		t.Fatalf("without -upgrade the locked 1.2.0 must stay, got %s", v)
	}
	if _, err := install(">= 1.3", false); err == nil || !strings.Contains(err.Error(), "mltf init -upgrade") {
		t.Fatalf("a lock outside the constraint: %v", err)
	}

	// The mirror's binary changes under the same version.
	bin := filepath.Join(mirror, "ex", "1.2.0", pl, BinaryName("ex"))
	if err := os.WriteFile(bin, []byte("tampered"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err = install(">= 1.0", false)
	if err == nil || !strings.Contains(err.Error(), "changed since mltf init") || !strings.Contains(err.Error(), "mltf init -upgrade") {
		t.Fatalf("a changed mirror binary: %v", err)
	}

	lock, err = install(">= 1.0", true)
	if err != nil {
		t.Fatal(err)
	}
	if v := lock.Providers["ex"].Version; v != "1.5.0" {
		t.Fatalf("-upgrade must pick 1.5.0, got %s", v)
	}

	// The installed binary changes: Verify refuses it.
	installed := InstalledPath(work, "ex", "1.5.0")
	if err := Verify(lock, "ex", installed); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(installed, []byte("edited"), 0o755); err != nil {
		t.Fatal(err)
	}
	err = Verify(lock, "ex", installed)
	if err == nil || !strings.Contains(err.Error(), `provider "ex" changed since mltf init`) || !strings.Contains(err.Error(), "run mltf init -upgrade") {
		t.Fatalf("Verify of a changed binary: %v", err)
	}
}

func TestInstallErrors(t *testing.T) {
	pl := Platform()
	mirror := mirrorWith(t, "ex/1.0.0/"+pl, "ex/2.0.0/"+pl, "bad/1.0.0/"+pl)
	if err := os.WriteFile(filepath.Join(mirror, "bad", "1.0.0", pl, BinaryName("bad")+".sha256"), []byte(strings.Repeat("0", 64)+"  mltf-provider-bad\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		req  Requirement
		want []string
	}{
		{"no version matches", Requirement{Name: "ex", Constraint: ">= 3.0"}, []string{`provider "ex"`, `no version in the mirror`, "1.0.0, 2.0.0"}},
		{"bad constraint", Requirement{Name: "ex", Constraint: "newest please"}, []string{`invalid version constraint "newest please"`, ">= 1.2, < 2.0"}},
		{"not in mirror", Requirement{Name: "nope"}, []string{`provider "nope": not found in the mirror`}},
		{"bad name", Requirement{Name: "Bad Name"}, []string{`"Bad Name" is not a valid provider name`}},
		{"checksum file disagrees", Requirement{Name: "bad"}, []string{"its .sha256 file says", "tampered"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lockPath := filepath.Join(t.TempDir(), LockFile)
			_, err := Install(context.Background(), []Requirement{tt.req}, mirror, lockPath, false)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not mention %q: %v", w, err)
				}
			}
			if _, err := os.Stat(lockPath); err == nil {
				t.Error("a failed install wrote the lock file")
			}
		})
	}
}

func TestInstallFromBlobURLAndSource(t *testing.T) {
	pl := Platform()
	mirror := mirrorWith(t, "ex/1.0.0/"+pl)
	other := mirrorWith(t, "own/0.1.0/"+pl)
	lockPath := filepath.Join(t.TempDir(), LockFile)
	lock, err := Install(context.Background(), []Requirement{
		{Name: "ex"},
		{Name: "own", Source: other},
	}, "file://"+filepath.ToSlash(mirror), lockPath, false)
	if err != nil {
		t.Fatal(err)
	}
	if lock.Providers["ex"].Version != "1.0.0" || lock.Providers["own"].Version != "0.1.0" || lock.Providers["own"].Source != other {
		t.Errorf("lock %+v", lock)
	}
}

func TestReadLockErrors(t *testing.T) {
	dir := t.TempDir()
	_, err := ReadLock(filepath.Join(dir, LockFile))
	if err == nil || !strings.Contains(err.Error(), "run mltf init") {
		t.Errorf("missing lock: %v", err)
	}
	p := filepath.Join(dir, "bad.hcl")
	os.WriteFile(p, []byte(`provider "x" { version = 1 `), 0o644)
	if _, err := ReadLock(p); err == nil || !strings.Contains(err.Error(), "is damaged") {
		t.Errorf("damaged lock: %v", err)
	}
}
