package kubernetes

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/zclconf/go-cty/cty"
)

// dataRef is one entry of a training's data map.
type dataRef struct {
	// Location is what the ranks get in MLTF_DATA_<NAME>: the URI as
	// given (pods cannot read the files of the machine running mltf).
	Location string
	// Fingerprint is the dataset's fingerprint, or for a bare URI the hash
	// of a local file's content, else of the URI itself.
	Fingerprint string
	Known       bool
}

// decodeData reads the data map: each value a dataset resource (an object
// with path or source, and fingerprint) or a URI string.
func decodeData(d *decoder) map[string]dataRef {
	out := map[string]dataRef{}
	p := attr("data")
	v := d.get(p)
	if v.IsNull() {
		return out
	}
	if !v.IsKnown() {
		d.unknown = append(d.unknown, "data")
		return out
	}
	if !v.Type().IsObjectType() && !v.Type().IsMapType() {
		d.errorf(p, "Invalid data", `data must map names to datasets or URIs, e.g. { train = dataset.digits }.`)
		return out
	}
	for name, e := range v.AsValueMap() {
		ep := p.Index(cty.StringVal(name))
		if !envNameRE.MatchString(strings.ReplaceAll(name, "-", "_")) {
			d.errorf(ep, "Invalid data name", "%q cannot name an environment variable; use letters, digits and underscores.", name)
			continue
		}
		ref := dataRef{Known: true}
		switch {
		case !e.IsKnown():
			ref.Known = false
		case e.IsNull():
			d.errorf(ep, "Null data set", "data.%s is null; name a dataset or a URI.", name)
			continue
		case e.Type() == cty.String:
			ref.Location = e.AsString()
		case e.Type().IsObjectType() || e.Type().IsMapType():
			for _, a := range []string{"source", "uri", "url", "path"} {
				if x := getPath(e, attr(a)); !x.IsNull() {
					if !x.IsKnown() {
						ref.Known = false
					} else if x.Type() == cty.String {
						ref.Location = x.AsString()
					}
					break
				}
			}
			if f := getPath(e, attr("fingerprint")); !f.IsNull() {
				if !f.IsKnown() {
					ref.Known = false
				} else if f.Type() == cty.String {
					ref.Fingerprint = f.AsString()
				}
			}
			if ref.Known && ref.Location == "" {
				d.errorf(ep, "Data set without a location", "data.%s has no source attribute; name a dataset or a URI.", name)
				continue
			}
		default:
			d.errorf(ep, "Invalid data set", "data.%s must be a dataset or a URI string, not %s.", name, e.Type().FriendlyName())
			continue
		}
		if !ref.Known {
			d.unknown = append(d.unknown, "data."+name)
		}
		out[name] = ref
	}
	return out
}

// isLocal says whether a data location names a file of this machine.
func isLocal(loc string) bool {
	i := strings.Index(loc, "://")
	return i < 0 || loc[:i] == "file"
}

// resolveData fills in fingerprints: a local file's content hash, else the
// hash of the URI.
func resolveData(refs map[string]dataRef, workDir string) (map[string]dataRef, error) {
	out := make(map[string]dataRef, len(refs))
	for name, r := range refs {
		if r.Known && r.Fingerprint == "" {
			if isLocal(r.Location) {
				p := strings.TrimPrefix(r.Location, "file://")
				if !filepath.IsAbs(p) {
					p = filepath.Join(workDir, p)
				}
				fp, err := hashPath(p)
				if err != nil {
					return nil, fmt.Errorf("data.%s: %w", name, err)
				}
				r.Fingerprint = fp
			} else {
				sum := sha256.Sum256([]byte(r.Location))
				r.Fingerprint = hex.EncodeToString(sum[:])
			}
		}
		out[name] = r
	}
	return out, nil
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
