package data

import (
	"encoding/json"
	"slices"
	"time"

	"github.com/mltf/mltf/providers/data/fingerprint"
	"github.com/mltf/mltf/providers/data/source"
	"github.com/mltf/mltf/providers/data/stats"
)

// privateFormat is the version of the private state's layout.
const privateFormat = 1

// maxVersions is how many versions' statistics the private state keeps as
// drift baselines (a pinned baseline is kept too).
const maxVersions = 10

// private is what an instance keeps for the provider only: the last
// listing, so a plan can say what changed and skip re-hashing unchanged
// small objects, and the statistics of recent versions, the drift
// baselines. The tracking store has a dataset_versions table but no API
// for it yet; when it has one, the versions move there.
type private struct {
	Format   int             `json:"format"`
	Path     string          `json:"path,omitempty"` // where Listing was made
	Listing  []byte          `json:"listing,omitempty"`
	Versions []versionRecord `json:"versions,omitempty"`
}

type versionRecord struct {
	Version     int64                    `json:"version"`
	Fingerprint string                   `json:"fingerprint"`
	Rows        int64                    `json:"rows"`
	Applied     time.Time                `json:"applied"`
	Columns     map[string]stats.Summary `json:"columns"`
}

// decodePrivate reads private state; anything unreadable (an older layout,
// none at all) is an empty private state: the next plan hashes again and
// drift has no baseline.
func decodePrivate(b []byte) *private {
	p := &private{}
	if len(b) == 0 || json.Unmarshal(b, p) != nil || p.Format != privateFormat {
		return &private{Format: privateFormat}
	}
	return p
}

func (p *private) encode() []byte {
	b, err := json.Marshal(p)
	if err != nil {
		return nil
	}
	return b
}

// listing is the stored listing of src, or nil.
func (p *private) listing(src *source.Source) *fingerprint.Listing {
	if !src.Names(p.Path) || len(p.Listing) == 0 {
		return nil
	}
	l, err := fingerprint.Decode(p.Listing)
	if err != nil {
		return nil
	}
	return l
}

func (p *private) setListing(path string, l *fingerprint.Listing) {
	b, err := l.Encode()
	if err != nil {
		return
	}
	p.Path, p.Listing = path, b
}

// version returns the record of version n, or nil.
func (p *private) version(n int64) *versionRecord {
	for i := range p.Versions {
		if p.Versions[i].Version == n {
			return &p.Versions[i]
		}
	}
	return nil
}

// baseline is the record drift compares version cur with: the pinned
// version, or the newest one before cur.
func (p *private) baseline(cur, pinned int64) *versionRecord {
	if pinned > 0 {
		return p.version(pinned)
	}
	var best *versionRecord
	for i := range p.Versions {
		v := &p.Versions[i]
		if v.Version < cur && (best == nil || v.Version > best.Version) {
			best = v
		}
	}
	return best
}

func (p *private) versionNumbers() []int64 {
	var ns []int64
	for _, v := range p.Versions {
		ns = append(ns, v.Version)
	}
	slices.Sort(ns)
	return ns
}

// record stores a version's statistics, replacing an earlier record of the
// same version, and drops the oldest beyond maxVersions (never pinned).
func (p *private) record(r versionRecord, pinned int64) {
	p.Versions = slices.DeleteFunc(p.Versions, func(v versionRecord) bool { return v.Version == r.Version })
	p.Versions = append(p.Versions, r)
	slices.SortFunc(p.Versions, func(a, b versionRecord) int { return int(a.Version - b.Version) })
	for len(p.Versions) > maxVersions {
		drop := 0
		if p.Versions[0].Version == pinned {
			drop = 1
		}
		p.Versions = slices.Delete(p.Versions, drop, drop+1)
	}
}
