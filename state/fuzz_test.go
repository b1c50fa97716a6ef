package state

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzDecode checks that Decode never panics and that a state it accepts
// encodes and decodes to the same state.
func FuzzDecode(f *testing.F) {
	for _, dir := range []string{"testdata", "testdata/valid", "testdata/invalid"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
		for _, file := range files {
			b, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := Decode(b)
		if err != nil {
			return
		}
		enc, err := Encode(s)
		if err != nil {
			t.Fatalf("a decoded state does not encode: %v", err)
		}
		back, err := Decode(enc)
		if err != nil {
			t.Fatalf("an encoded state does not decode: %v\n%s", err, enc)
		}
		if diff := cmp.Diff(s, back); diff != "" {
			t.Fatalf("Decode(Encode(s)) differs from s (-s +decoded):\n%s", diff)
		}
	})
}
