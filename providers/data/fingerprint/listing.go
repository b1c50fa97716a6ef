package fingerprint

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// Object is one listed object.
type Object struct {
	// Key is relative to the source's prefix; "" for a single object.
	Key     string
	Size    int64
	ModTime time.Time
	// Token identifies the content: "md5:HEX", "etag:VALUE", "crc32c:HEX",
	// "sha256:HEX" (a hash of the content of a small object) or
	// "stat:SIZE:UNIXNANO" (size and modification time).
	Token string
}

// Listing is a dataset's objects in key order, and the fingerprint they
// give.
type Listing struct {
	Objects     []Object
	Fingerprint string
	Bytes       int64
	// Newest is the latest modification time of any object.
	Newest time.Time
}

// finish sorts nothing (objects come sorted) and computes the totals and the
// fingerprint: a SHA-256 over every object's key, size and token.
func (l *Listing) finish() {
	h := sha256.New()
	h.Write([]byte("mltf-dataset-fingerprint v1\n"))
	var b []byte
	l.Bytes = 0
	l.Newest = time.Time{}
	for _, o := range l.Objects {
		b = b[:0]
		b = append(b, o.Key...)
		b = append(b, 0)
		b = strconv.AppendInt(b, o.Size, 10)
		b = append(b, 0)
		b = append(b, o.Token...)
		b = append(b, '\n')
		h.Write(b)
		l.Bytes += o.Size
		if o.ModTime.After(l.Newest) {
			l.Newest = o.ModTime
		}
	}
	l.Fingerprint = hex.EncodeToString(h.Sum(nil))
}

// Short is the first 12 hex digits of a fingerprint, for messages.
func Short(fp string) string {
	if len(fp) > 12 {
		return fp[:12]
	}
	return fp
}

// skipped reports whether a listed key is left out of the dataset: any path
// segment starting with "_" or "." (_SUCCESS markers, .crc files,
// _temporary/ directories that Spark and Hadoop write next to the data).
func skipped(rel string) bool {
	for seg := range strings.SplitSeq(rel, "/") {
		if strings.HasPrefix(seg, "_") || strings.HasPrefix(seg, ".") {
			return true
		}
	}
	return false
}
