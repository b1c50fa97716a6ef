package fingerprint

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"gocloud.dev/blob/memblob"

	"github.com/mltf/mltf/providers/data/source"
)

func writeFiles(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func list(t *testing.T, src string, workDir string, buckets *source.Buckets, prev *Listing) *Listing {
	t.Helper()
	loc, err := source.Resolve(src, workDir)
	if err != nil {
		t.Fatal(err)
	}
	s, err := loc.Open(context.Background(), buckets)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	l, err := List(context.Background(), s, Options{Previous: prev})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func keys(l *Listing) []string {
	var ks []string
	for _, o := range l.Objects {
		ks = append(ks, o.Key)
	}
	return ks
}

func TestListFilePrefix(t *testing.T) {
	dir := t.TempDir()
	big := strings.Repeat("x", SmallObject+1)
	writeFiles(t, dir, map[string]string{
		"data/a.csv":                 "a\n1\n",
		"data/sub/b.csv":             "a\n2\n",
		"data/sub/deeper/c.csv":      "a\n3\n",
		"data/big.csv":               big,
		"data/_SUCCESS":              "",
		"data/.a.csv.crc":            "x",
		"data/_temporary/0/part.csv": "a\n9\n",
	})
	l := list(t, "file://data", dir, nil, nil)
	if diff := cmp.Diff([]string{"a.csv", "big.csv", "sub/b.csv", "sub/deeper/c.csv"}, keys(l)); diff != "" {
		t.Errorf("keys (-want +got):\n%s", diff)
	}
	for _, o := range l.Objects {
		want := "sha256:"
		if o.Key == "big.csv" {
			want = "stat:"
		}
		if !strings.HasPrefix(o.Token, want) {
			t.Errorf("%s: token %q, want prefix %q", o.Key, o.Token, want)
		}
	}
	if l.Bytes != int64(len(big)+12) {
		t.Errorf("bytes = %d", l.Bytes)
	}
	// A local path without a scheme is the same source.
	if l2 := list(t, filepath.Join(dir, "data"), "/elsewhere", nil, nil); l2.Fingerprint != l.Fingerprint {
		t.Errorf("absolute path gives fingerprint %s, want %s", l2.Fingerprint, l.Fingerprint)
	}
}

func TestFingerprintChanges(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"d/a.csv": "a\n1\n", "d/b.csv": "a\n2\n"})
	base := list(t, "d", dir, nil, nil)

	// Touching a small file keeps its content hash.
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(filepath.Join(dir, "d/a.csv"), later, later); err != nil {
		t.Fatal(err)
	}
	if got := list(t, "d", dir, nil, nil); got.Fingerprint != base.Fingerprint {
		t.Errorf("touching a file changed the fingerprint")
	}

	writeFiles(t, dir, map[string]string{"d/b.csv": "a\n3\n", "d/c.csv": "a\n4\n"})
	got := list(t, "d", dir, nil, nil)
	if got.Fingerprint == base.Fingerprint {
		t.Fatalf("changed data kept the fingerprint")
	}
	c := Diff(base, got)
	want := Change{Added: 1, Changed: 1, Unchanged: 1, AddedBytes: 4, ChangedBytes: 4, Bytes: 12, Objects: 3}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("Diff (-want +got):\n%s", diff)
	}
	if s := c.String(); s != "1 object added, 1 changed (+4 B); 3 objects, 12 B" {
		t.Errorf("String() = %q", s)
	}
}

func TestPreviousListingSkipsReads(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"d/a.csv": "a\n1\n"})
	p := filepath.Join(dir, "d/a.csv")
	fi, _ := os.Stat(p)
	first := list(t, "d", dir, nil, nil)

	// Same size and modification time, other content: a re-plan with the
	// previous listing trusts the cached hash and reads nothing.
	writeFiles(t, dir, map[string]string{"d/a.csv": "a\n2\n"})
	if err := os.Chtimes(p, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	if got := list(t, "d", dir, nil, first); got.Fingerprint != first.Fingerprint {
		t.Errorf("with a previous listing the object was read again")
	}
	if got := list(t, "d", dir, nil, nil); got.Fingerprint == first.Fingerprint {
		t.Errorf("without a previous listing the new content was not hashed")
	}
}

func TestListSingleObject(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"a.csv": "a\n1\n", "b.csv": "a\n1\n"})
	a := list(t, "file://a.csv", dir, nil, nil)
	b := list(t, "b.csv", dir, nil, nil)
	if diff := cmp.Diff([]string{""}, keys(a)); diff != "" {
		t.Errorf("keys (-want +got):\n%s", diff)
	}
	if a.Fingerprint != b.Fingerprint {
		t.Errorf("same content under another name gives another fingerprint")
	}
}

func TestListMem(t *testing.T) {
	ctx := context.Background()
	bk := memblob.OpenBucket(nil)
	for k, v := range map[string]string{"ds/p=1/a.parquet": "1", "ds/p=2/b.parquet": "22", "other/x": "3"} {
		if err := bk.WriteAll(ctx, k, []byte(v), nil); err != nil {
			t.Fatal(err)
		}
	}
	var buckets source.Buckets
	buckets.Put("mem://lake", bk)
	l := list(t, "mem://lake/ds", "/", &buckets, nil)
	if diff := cmp.Diff([]string{"p=1/a.parquet", "p=2/b.parquet"}, keys(l)); diff != "" {
		t.Errorf("keys (-want +got):\n%s", diff)
	}
	for _, o := range l.Objects {
		if !strings.HasPrefix(o.Token, "md5:") {
			t.Errorf("%s: token %q, want the store's MD5", o.Key, o.Token)
		}
	}
	single := list(t, "mem://lake/ds/p=2/b.parquet", "/", &buckets, nil)
	if got := single.Objects[0].Token; got != l.Objects[1].Token {
		t.Errorf("single object token %q, want %q", got, l.Objects[1].Token)
	}
}

func TestEncodeRoundTrip(t *testing.T) {
	l := &Listing{Objects: []Object{
		{Key: "a\tb.csv", Size: 3, ModTime: time.Unix(10, 5).UTC(), Token: "sha256:00"},
		{Key: "c.csv", Size: 1 << 40, ModTime: time.Unix(1700000000, 0).UTC(), Token: "md5:ff"},
	}}
	l.finish()
	data, err := l.Encode()
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(l, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if _, err := Decode([]byte("junk")); err == nil {
		t.Errorf("Decode(junk) gave no error")
	}
}

func TestChangeString(t *testing.T) {
	tests := []struct {
		name string
		c    Change
		want string
	}{
		{"none", Change{Unchanged: 2, Objects: 2, Bytes: 2_100_000_000}, "no objects changed; 2 objects, 2.1 GB"},
		{"added", Change{Added: 3, AddedBytes: 3_000_000, Objects: 5, Bytes: 5_000_000}, "3 objects added (+3.0 MB); 5 objects, 5.0 MB"},
		{"mixed", Change{Added: 3, Changed: 1, Removed: 2, AddedBytes: 2100, RemovedBytes: 100, Objects: 4, Bytes: 999}, "3 objects added, 1 changed, 2 removed (+2.0 kB); 4 objects, 999 B"},
		{"removed", Change{Removed: 1, RemovedBytes: 10, Objects: 1, Bytes: 1}, "1 object removed (-10 B); 1 object, 1 B"},
		{"changed", Change{Changed: 1, Objects: 1, Bytes: 1}, "1 object changed; 1 object, 1 B"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.c.String(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
