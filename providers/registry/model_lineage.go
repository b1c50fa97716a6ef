package registry

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/state/tracking"
)

// datasets reads the training's data for the lineage: each entry a
// dataset resource (location, fingerprint, version) or a URI. A local
// file named by a bare URI is hashed (SHA-256 of its content, as the
// local provider fingerprints it).
func datasets(from cty.Value, workDir string) map[string]tracking.DatasetRef {
	data := getAttr(from, "data")
	if data.IsNull() || !data.IsWhollyKnown() || !(data.Type().IsObjectType() || data.Type().IsMapType()) {
		return nil
	}
	out := map[string]tracking.DatasetRef{}
	for name, e := range data.AsValueMap() {
		var ref tracking.DatasetRef
		switch {
		case e.IsNull():
			continue
		case e.Type() == cty.String:
			ref.Location = e.AsString()
			ref.Fingerprint = hashLocal(ref.Location, workDir)
		case e.Type().IsObjectType():
			for _, attr := range []string{"source", "path", "uri", "url"} {
				if s := getString(e, attr); s != "" {
					ref.Location = s
					break
				}
			}
			ref.Fingerprint = getString(e, "fingerprint")
			if v := getAttr(e, "version"); !v.IsNull() && v.Type() == cty.Number {
				ref.Version = int64(intOf(v))
			}
		default:
			continue
		}
		out[name] = ref
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// hashLocal hashes a local regular file (a path or file:// URI relative
// to workDir); "" for anything else.
func hashLocal(loc, workDir string) string {
	if i := strings.Index(loc, "://"); i >= 0 {
		if loc[:i] != "file" {
			return ""
		}
		loc = loc[i+3:]
	}
	if !filepath.IsAbs(loc) {
		loc = filepath.Join(workDir, loc)
	}
	f, err := os.Open(loc)
	if err != nil {
		return ""
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return ""
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return ""
	}
	return hex.EncodeToString(h.Sum(nil))
}

func sortedAliases(m map[string]int64) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
