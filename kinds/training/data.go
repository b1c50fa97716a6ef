package training

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/mltf/mltf/internal/contenthash"
	"github.com/mltf/mltf/providers/ctyval"
	"github.com/zclconf/go-cty/cty"
)

// DataRef is one entry of a training's data map.
type DataRef struct {
	// Location is what the ranks get in MLTF_DATA_<NAME>: the URI or
	// path as given, or after ResolveData with local paths the file's
	// absolute path.
	Location string
	// Fingerprint is the dataset's fingerprint, or for a bare URI the hash
	// of a local file's content, else of the URI itself.
	Fingerprint string
	Known       bool
}

// decodeData reads the data map: each value a dataset resource (an object
// with one of locations, and fingerprint) or a URI string.
func decodeData(d *ctyval.Decoder, locations []string) map[string]DataRef {
	out := map[string]DataRef{}
	p := ctyval.Attr("data")
	v := d.Get(p)
	if v.IsNull() {
		return out
	}
	if !v.IsKnown() {
		d.Unknown = append(d.Unknown, "data")
		return out
	}
	if !v.Type().IsObjectType() && !v.Type().IsMapType() {
		d.Errorf(p, "Invalid data", `data must map names to datasets or URIs, e.g. { train = dataset.digits }.`)
		return out
	}
	for name, e := range v.AsValueMap() {
		ep := p.Index(cty.StringVal(name))
		if !EnvNameRE.MatchString(strings.ReplaceAll(name, "-", "_")) {
			d.Errorf(ep, "Invalid data name", "%q cannot name an environment variable; use letters, digits and underscores.", name)
			continue
		}
		ref := DataRef{Known: true}
		switch {
		case !e.IsKnown():
			ref.Known = false
		case e.IsNull():
			d.Errorf(ep, "Null data set", "data.%s is null; name a dataset or a URI.", name)
			continue
		case e.Type() == cty.String:
			ref.Location = e.AsString()
		case e.Type().IsObjectType() || e.Type().IsMapType():
			for _, a := range locations {
				if x := ctyval.Get(e, ctyval.Attr(a)); !x.IsNull() {
					if !x.IsKnown() {
						ref.Known = false
					} else if x.Type() == cty.String {
						ref.Location = x.AsString()
					}
					break
				}
			}
			if f := ctyval.Get(e, ctyval.Attr("fingerprint")); !f.IsNull() {
				if !f.IsKnown() {
					ref.Known = false
				} else if f.Type() == cty.String {
					ref.Fingerprint = f.AsString()
				}
			}
			if ref.Known && ref.Location == "" {
				d.Errorf(ep, "Data set without a location", "data.%s has no path or source attribute; name a dataset or a URI.", name)
				continue
			}
		default:
			d.Errorf(ep, "Invalid data set", "data.%s must be a dataset or a URI string, not %s.", name, e.Type().FriendlyName())
			continue
		}
		if !ref.Known {
			d.Unknown = append(d.Unknown, "data."+name)
		}
		out[name] = ref
	}
	return out
}

// IsLocal says whether a data location names a file of this machine: a
// plain path or a file:// URI.
func IsLocal(loc string) bool {
	i := strings.Index(loc, "://")
	return i < 0 || loc[:i] == "file"
}

// LocalPath returns the local path of a file: URI or plain path, relative
// to workDir; ok is false for other schemes (s3://...).
func LocalPath(loc, workDir string) (string, bool) {
	if !IsLocal(loc) {
		return "", false
	}
	loc = strings.TrimPrefix(loc, "file://")
	if !filepath.IsAbs(loc) {
		loc = filepath.Join(workDir, loc)
	}
	return filepath.Clean(loc), true
}

// ResolveData fills in the fingerprints of bare URIs: a local file's
// content hash, else the hash of the URI. With localPaths, the locations
// of local files become their absolute paths (for ranks on this machine).
func ResolveData(refs map[string]DataRef, workDir string, localPaths bool) (map[string]DataRef, error) {
	out := make(map[string]DataRef, len(refs))
	for name, r := range refs {
		if !r.Known {
			out[name] = r
			continue
		}
		if p, ok := LocalPath(r.Location, workDir); ok {
			if localPaths {
				r.Location = p
			}
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
		m, err := HashTree(p)
		if err != nil {
			return "", err
		}
		return m.Sum(), nil
	}
	return contenthash.File(p)
}

// DataEnvName is the variable that carries data set name: MLTF_DATA_TRAIN.
func DataEnvName(name string) string {
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
