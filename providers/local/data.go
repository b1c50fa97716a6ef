package local

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/zclconf/go-cty/cty"
)

// dataRef is one entry of a training's data map.
type dataRef struct {
	// Location is what the ranks get in MLTF_DATA_<NAME>: a local path
	// for file data, else the URI as given.
	Location string
	// Fingerprint is the dataset's fingerprint, or for a bare URI the hash
	// of the local file's content (of the URI itself when not local).
	Fingerprint string
	Known       bool
}

// data reads the data map: each value a dataset resource (an object with
// path or source, and fingerprint) or a URI string. Locations are resolved
// later, against the working directory (resolveData).
func (d *decoder) data(unknown *[]string) map[string]dataRef {
	out := map[string]dataRef{}
	p := cty.GetAttrPath("data")
	v := d.get(p)
	if v.IsNull() {
		return out
	}
	if !v.IsKnown() {
		*unknown = append(*unknown, "data")
		return out
	}
	if !v.Type().IsObjectType() && !v.Type().IsMapType() {
		d.errorf(p, "Invalid data", `data must map names to datasets or URIs, e.g. { train = dataset.digits }.`)
		return out
	}
	for name, e := range v.AsValueMap() {
		ep := p.Index(cty.StringVal(name))
		if !envNameRE.MatchString(strings.ReplaceAll(name, "-", "_")) {
			d.errorf(ep, "Invalid data name", fmt.Sprintf("%q cannot name an environment variable; use letters, digits and underscores.", name))
			continue
		}
		ref := dataRef{Known: true}
		switch {
		case !e.IsKnown():
			ref.Known = false
		case e.IsNull():
			d.errorf(ep, "Null data set", fmt.Sprintf("data.%s is null; name a dataset or a URI.", name))
			continue
		case e.Type() == cty.String:
			ref.Location = e.AsString()
		case e.Type().IsObjectType() || e.Type().IsMapType():
			for _, attr := range []string{"path", "source", "uri", "url"} {
				if a := getPath(e, cty.GetAttrPath(attr)); !a.IsNull() {
					if !a.IsKnown() {
						ref.Known = false
					} else if a.Type() == cty.String {
						ref.Location = a.AsString()
					}
					break
				}
			}
			if f := getPath(e, cty.GetAttrPath("fingerprint")); !f.IsNull() {
				if !f.IsKnown() {
					ref.Known = false
				} else if f.Type() == cty.String {
					ref.Fingerprint = f.AsString()
				}
			}
			if ref.Known && ref.Location == "" {
				d.errorf(ep, "Data set without a location", fmt.Sprintf("data.%s has no path or source attribute; name a dataset or a URI.", name))
				continue
			}
		default:
			d.errorf(ep, "Invalid data set", fmt.Sprintf("data.%s must be a dataset or a URI string, not %s.", name, e.Type().FriendlyName()))
			continue
		}
		if !ref.Known {
			*unknown = append(*unknown, "data."+name)
		}
		out[name] = ref
	}
	return out
}

// localPath returns the local path of a file: URI or plain path, relative
// to workDir; ok is false for other schemes (s3://...).
func localPath(loc, workDir string) (string, bool) {
	if i := strings.Index(loc, "://"); i >= 0 {
		if loc[:i] != "file" {
			return "", false
		}
		loc = loc[i+3:]
	}
	if !filepath.IsAbs(loc) {
		loc = filepath.Join(workDir, loc)
	}
	return filepath.Clean(loc), true
}

// resolveData fills in the local locations and, for bare URIs, the
// fingerprints.
func resolveData(refs map[string]dataRef, workDir string) (map[string]dataRef, error) {
	out := make(map[string]dataRef, len(refs))
	for name, r := range refs {
		if !r.Known {
			out[name] = r
			continue
		}
		if p, ok := localPath(r.Location, workDir); ok {
			r.Location = p
			if r.Fingerprint == "" {
				fp, err := hashPath(p)
				if err != nil {
					return nil, fmt.Errorf("data.%s: %w", name, err)
				}
				r.Fingerprint = fp
			}
		} else if r.Fingerprint == "" {
			sum := sha256.Sum256([]byte(r.Location))
			r.Fingerprint = hex.EncodeToString(sum[:])
		}
		out[name] = r
	}
	return out, nil
}

// hashPath hashes a file's content, or a directory's manifest.
func hashPath(p string) (string, error) {
	fi, err := os.Stat(p)
	if err != nil {
		return "", err
	}
	if fi.IsDir() {
		m, err := hashTree(p)
		if err != nil {
			return "", err
		}
		return m.sum(), nil
	}
	return hashFile(p)
}

func hashFile(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// dataEnvName is the variable that carries data set name.
func dataEnvName(name string) string {
	var b strings.Builder
	b.WriteString("MLTF_DATA_")
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z':
			b.WriteRune(r - 'a' + 'A')
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
